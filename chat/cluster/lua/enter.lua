-- ARGV: prefix, this process, nickname, room. Mirror the nickname entering the room;
-- 1 when another live process already has it there.
local me, nick, room = ARGV[2], ARGV[3], ARGV[4]
redis.call("SADD", prefix .. me .. ":room:" .. room, nick)
redis.call("SADD", prefix .. me .. ":rooms", room)
for _, process in ipairs(live_processes()) do
    if process ~= me and redis.call("SISMEMBER", prefix .. process .. ":room:" .. room, nick) == 1
    then
        return 1
    end
end
return 0
