-- ARGV: prefix, this process, nickname key, owner, nickname.
-- -1 when another owner holds the nickname in a live process; else 1 when another live
-- process holds it too (for the same owner), 0 when none does; the claim is then mirrored.
local me, key, owner = ARGV[2], ARGV[3], ARGV[4]
local elsewhere = 0
for _, process in ipairs(live_processes()) do
    local holder = redis.call("HGET", prefix .. process .. ":owners", key)
    if holder then
        if cjson.decode(holder)[1] ~= owner then return -1 end
        if process ~= me then elsewhere = 1 end
    end
end
redis.call("HSET", prefix .. me .. ":owners", key, cjson.encode({owner, ARGV[5]}))
return elsewhere
