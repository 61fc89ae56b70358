-- ARGV: prefix, a process, nickname key, the nickname's list order key, 1 if it went
-- offline there, 1 if the process is being reaped, rooms it left there... Mirror the
-- departure, then answer {held by another live process, then for each room: still in it
-- through another process, the room's member count}. A process being reaped that proved
-- itself alive again meanwhile keeps its mirror, and the answer is nil.
local process, key, order = ARGV[2], ARGV[3], ARGV[4]
if ARGV[6] == "1" and redis.call("EXISTS", prefix .. process .. ":alive") == 1 then
    return nil
end
local answer = {0}
for i = 7, #ARGV do
    local room = ARGV[i]
    local mirror = prefix .. process .. ":room:" .. room
    local still_held
    if redis.call("SREM", mirror, order) == 1 then
        still_held = count_holder(room, order, -1) > 0
        if redis.call("SCARD", mirror) == 0 then
            redis.call("SREM", prefix .. process .. ":rooms", room)
        end
    else
        still_held = redis.call("HEXISTS", prefix .. "holders:" .. room, order) == 1
    end
    answer[#answer + 1] = still_held and 1 or 0
    answer[#answer + 1] = redis.call("ZCARD", prefix .. "members:" .. room)
end
if ARGV[5] == "1" then redis.call("HDEL", prefix .. process .. ":owners", key) end
for _, other in ipairs(live_processes()) do
    if other ~= process and redis.call("HEXISTS", prefix .. other .. ":owners", key) == 1 then
        answer[1] = 1
    end
end
return answer
