--[[
  Acks entries only while the caller still owns the partition.

  KEYS[1] partition stream (or group retry stream)
  KEYS[2] lease of the partition for the group
  ARGV[1] expected lease value '<consumer>|<epoch>'
  ARGV[2] group
  ARGV[3..] entry ids

  Returns the number of entries acked, or -1 when the lease is no longer the caller's.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
return redis.call('XACK', KEYS[1], ARGV[2], unpack(ARGV, 3))
