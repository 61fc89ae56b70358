-- ARGV: presence prefix, figures prefix, this second, seconds averaged, users listed, members
-- listed per room, members named in all, then the rooms whose members to name. Answers {live
-- processes, messages stored in the seconds averaged, users online, {users listed}, {for
-- each room given: {members listed}}}. Users online adds up each live process's nicknames
-- (a nickname held through two processes counts twice). Every scan stops once it has the
-- names it needs, and once that many members are named in all, the rooms after get none:
-- the cost does not grow with the number of users.
local figures, now, window = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local users_listed, members_listed, named = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])

-- Up to `wanted` distinct names from the scans of several keys (`scan` answers a cursor and
-- a batch); decode turns a batch into names.
local function some_names(keys, command, wanted, decode)
    local names, seen = {}, {}
    if wanted <= 0 then return names end
    for _, key in ipairs(keys) do
        local cursor = "0"
        repeat
            local answer = redis.call(command, key, cursor, "COUNT", wanted)
            cursor = answer[1]
            for _, name in ipairs(decode(answer[2])) do
                if #names < wanted and not seen[name] then
                    seen[name] = true
                    names[#names + 1] = name
                end
            end
        until cursor == "0" or #names >= wanted
        if #names >= wanted then break end
    end
    return names
end

local function nicknames(fields_and_values)
    local nicks = {}
    for i = 2, #fields_and_values, 2 do nicks[#nicks + 1] = cjson.decode(fields_and_values[i])[2] end
    return nicks
end

local messages = 0
for second = now - window, now - 1 do
    messages = messages + tonumber(redis.call("GET", figures .. "second:" .. second) or "0")
end

local processes = live_processes()
local owners, online = {}, 0
for i, process in ipairs(processes) do
    owners[i] = prefix .. process .. ":owners"
    online = online + redis.call("HLEN", owners[i])
end

-- A room's members come in list order (their order keys; the caller takes the nicknames
-- out of them).
local members = {}
for i = 8, #ARGV do
    local wanted = math.min(members_listed, named)
    members[#members + 1] = wanted > 0
        and redis.call("ZRANGE", prefix .. "members:" .. ARGV[i], 0, wanted - 1) or {}
    named = named - #members[#members]
end

return {#processes, messages, online, some_names(owners, "HSCAN", users_listed, nicknames), members}
