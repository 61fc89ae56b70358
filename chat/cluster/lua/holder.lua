-- ARGV: prefix, nickname key. The [owner, nickname] (JSON) holding it in a live process, or nil.
for _, process in ipairs(live_processes()) do
    local holder = redis.call("HGET", prefix .. process .. ":owners", ARGV[2])
    if holder then return holder end
end
return nil
