-- Every script takes the key prefix as ARGV[1] and starts from the processes still alive.
local prefix = ARGV[1]
local function live_processes()
    local live = {}
    for _, process in ipairs(redis.call("SMEMBERS", prefix .. "processes")) do
        if redis.call("EXISTS", prefix .. process .. ":alive") == 1 then
            live[#live + 1] = process
        end
    end
    return live
end
