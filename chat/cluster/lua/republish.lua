-- ARGV: prefix, this process, its owners as JSON {nickname key: value}, its rooms as JSON
-- {room: [the list order key of each member]}. Make this process's mirror, and its share
-- of every room's members, exactly that, in one step (after an outage, or after Redis lost
-- it): what is mirrored but no longer held leaves, what is held but not mirrored enters.
local mine = prefix .. ARGV[2]
local owners, wanted = cjson.decode(ARGV[3]), cjson.decode(ARGV[4])
for _, room in ipairs(redis.call("SMEMBERS", mine .. ":rooms")) do
    local mirror = mine .. ":room:" .. room
    local kept = {}
    for _, order in ipairs(wanted[room] or {}) do kept[order] = true end
    for _, order in ipairs(redis.call("SMEMBERS", mirror)) do
        if not kept[order] then
            redis.call("SREM", mirror, order)
            count_holder(room, order, -1)
        end
    end
    if redis.call("SCARD", mirror) == 0 then redis.call("SREM", mine .. ":rooms", room) end
end
for room, orders in pairs(wanted) do
    for _, order in ipairs(orders) do
        if redis.call("SADD", mine .. ":room:" .. room, order) == 1 then
            count_holder(room, order, 1)
        end
    end
    redis.call("SADD", mine .. ":rooms", room)
end
redis.call("DEL", mine .. ":owners")
for key, value in pairs(owners) do redis.call("HSET", mine .. ":owners", key, value) end
return 0
