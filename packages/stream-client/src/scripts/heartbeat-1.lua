--[[
  Refreshes a member of an ordered group and returns the live members, using the server's
  clock so replicas with skewed clocks agree on who is alive.

  KEYS[1] members (sorted set: member -> session deadline in ms)
  ARGV[1] member name ('' to only read)
  ARGV[2] session timeout in ms

  Returns { nowMs, member, member, ... } with members sorted by name.
]]
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if ARGV[1] ~= '' then
  redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[2]), ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(members)
local result = { nowMs }
for _, member in ipairs(members) do
  result[#result + 1] = member
end
return result
