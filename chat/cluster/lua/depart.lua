-- ARGV: prefix, a process, nickname key, nickname, 1 if it went offline there, rooms it
-- left there... Mirror the departure, then answer {held by another live process, then
-- for each room: still in it through another live process}.
local me, key, nick = ARGV[2], ARGV[3], ARGV[4]
local rooms = {}
for i = 6, #ARGV do
    local room = ARGV[i]
    rooms[#rooms + 1] = room
    redis.call("SREM", prefix .. me .. ":room:" .. room, nick)
    if redis.call("SCARD", prefix .. me .. ":room:" .. room) == 0 then
        redis.call("SREM", prefix .. me .. ":rooms", room)
    end
end
if ARGV[5] == "1" then redis.call("HDEL", prefix .. me .. ":owners", key) end
local answer = {0}
for i = 1, #rooms do answer[i + 1] = 0 end
for _, process in ipairs(live_processes()) do
    if process ~= me then
        if redis.call("HEXISTS", prefix .. process .. ":owners", key) == 1 then answer[1] = 1 end
        for i, room in ipairs(rooms) do
            if redis.call("SISMEMBER", prefix .. process .. ":room:" .. room, nick) == 1 then
                answer[i + 1] = 1
            end
        end
    end
end
return answer
