-- ARGV: prefix, room. Everyone in the room, in any live process.
local keys = {}
for _, process in ipairs(live_processes()) do
    keys[#keys + 1] = prefix .. process .. ":room:" .. ARGV[2]
end
if #keys == 0 then return {} end
return redis.call("SUNION", unpack(keys))
