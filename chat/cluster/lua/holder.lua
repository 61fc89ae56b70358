-- ARGV: prefix, nickname key. The owner holding it in a live process, or nil.
for _, process in ipairs(live_processes()) do
    local holder = redis.call("HGET", prefix .. process .. ":owners", ARGV[2])
    if holder then return cjson.decode(holder)[1] end
end
return nil
