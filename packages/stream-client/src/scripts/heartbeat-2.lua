--[[
  Refreshes a member of an ordered group and returns the live members, using the server's
  clock so replicas with skewed clocks agree on who is alive. It also keeps the registry's
  pulse: when it last heard any member, and the last lapse, a stretch in which it heard none
  for long enough that live members' entries may have expired (its master stalled or failed
  over). Members use the lapse to keep those seen before it (see group-membership.ts). A lapse
  is judged here, across all members, so one replica's own stall or lost connection is none.

  KEYS[1] members (sorted set: member -> session deadline in ms)
  KEYS[2] pulse (hash: beat, lapseFrom, lapseTo, server times in ms)
  ARGV[1] member name ('' to only read)
  ARGV[2] session timeout in ms
  ARGV[3] silence in ms that counts as a lapse

  Returns { nowMs, lapseFrom, lapseTo, member, member, ... } with members sorted by name;
  lapseFrom and lapseTo are 0 when no lapse was seen.
]]
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if ARGV[1] ~= '' then
  local beat = tonumber(redis.call('HGET', KEYS[2], 'beat'))
  if beat and nowMs - beat > tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[2], 'lapseFrom', beat, 'lapseTo', nowMs)
  end
  redis.call('HSET', KEYS[2], 'beat', nowMs)
  redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[2]), ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(members)
local lapse = redis.call('HMGET', KEYS[2], 'lapseFrom', 'lapseTo')
local result = { nowMs, tonumber(lapse[1]) or 0, tonumber(lapse[2]) or 0 }
for _, member in ipairs(members) do
  result[#result + 1] = member
end
return result
