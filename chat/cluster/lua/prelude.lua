-- Every script takes the key prefix as ARGV[1], and may use the helpers below.
local prefix = ARGV[1]

-- The processes still alive.
local function live_processes()
    local live = {}
    for _, process in ipairs(redis.call("SMEMBERS", prefix .. "processes")) do
        if redis.call("EXISTS", prefix .. process .. ":alive") == 1 then
            live[#live + 1] = process
        end
    end
    return live
end

-- One more (change 1) or one fewer (change -1) process holds a member, by its list order
-- key, in a room: the room's list and count, and the directory, follow when that makes the
-- first or the last. Returns how many processes hold it there now.
local function count_holder(room, order, change)
    local holders = prefix .. "holders:" .. room
    local members = prefix .. "members:" .. room
    local now = redis.call("HINCRBY", holders, order, change)
    if change > 0 and now == 1 then
        redis.call("ZADD", members, 0, order)
        redis.call("ZINCRBY", prefix .. "rooms", -1, room)
    elseif change < 0 and now <= 0 then
        redis.call("HDEL", holders, order)
        redis.call("ZREM", members, order)
        if tonumber(redis.call("ZINCRBY", prefix .. "rooms", 1, room)) >= 0 then
            redis.call("ZREM", prefix .. "rooms", room)
        end
    end
    return now
end
