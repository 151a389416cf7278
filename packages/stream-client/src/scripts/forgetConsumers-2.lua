--[[
  The owner of a partition removes consumer names of the group that hold nothing pending on
  its stream (replicas of earlier deploys), so XINFO CONSUMERS does not grow with every
  rolling restart. Runs right after the owner took every pending entry over; a name that still
  holds entries is never deleted (DELCONSUMER would drop its pending entries).

  KEYS[1] partition stream
  KEYS[2] lease
  ARGV[1] expected lease value '<consumer>|<epoch>'
  ARGV[2] group
  ARGV[3] the caller's consumer name (kept)

  Returns -1 when fenced, else the number of names removed.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local removed = 0
for _, row in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[2])) do
  local info = {}
  for i = 1, #row, 2 do
    info[row[i]] = row[i + 1]
  end
  if info['name'] ~= ARGV[3] and tonumber(info['pending']) == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[2], info['name'])
    removed = removed + 1
  end
end
return removed
