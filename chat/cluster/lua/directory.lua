-- ARGV: prefix. {room, member count, room, member count, ...} over every live process.
local members = {}
for _, process in ipairs(live_processes()) do
    for _, room in ipairs(redis.call("SMEMBERS", prefix .. process .. ":rooms")) do
        members[room] = members[room] or {}
        for _, nick in ipairs(redis.call("SMEMBERS", prefix .. process .. ":room:" .. room)) do
            members[room][nick] = true
        end
    end
end
local answer = {}
for room, nicks in pairs(members) do
    local count = 0
    for _ in pairs(nicks) do count = count + 1 end
    answer[#answer + 1] = room
    answer[#answer + 1] = count
end
return answer
