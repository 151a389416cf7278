--[[
  Takes the lease of a partition when it is free, expired, or already held under the caller's
  own name (a restarted replica reclaiming its partitions: static membership). Every acquisition
  bumps the epoch, so any older holder, even one with the same name, is fenced out.

  KEYS[1] lease
  KEYS[2] epoch counter
  ARGV[1] consumer name
  ARGV[2] lease time to live in ms

  Returns { 1, epoch } when acquired, { 0, currentHolder } when another consumer holds it.
]]
local current = redis.call('GET', KEYS[1])
if current then
  local owner = string.match(current, '^(.*)|%d+$')
  if owner ~= ARGV[1] then
    return { 0, current }
  end
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. epoch, 'PX', ARGV[2])
return { 1, epoch }
