-- ARGV: prefix, this process, the nickname's list order key, room. Mirror the nickname
-- entering the room, counted among the room's members unless another process holds it
-- there already. Answer {1 if it was in the room already, the room's member count}.
local me, order, room = ARGV[2], ARGV[3], ARGV[4]
redis.call("SADD", prefix .. me .. ":rooms", room)
local new = redis.call("SADD", prefix .. me .. ":room:" .. room, order) == 1
    and count_holder(room, order, 1) == 1
return {new and 0 or 1, redis.call("ZCARD", prefix .. "members:" .. room)}
