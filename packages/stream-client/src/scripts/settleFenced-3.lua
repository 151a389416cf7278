--[[
  One fenced settlement round of a partition: acks entries whose handlers succeeded and counts
  the handler runs about to start, only while the caller owns the partition. Both go out in
  one call per partition and tick.

  A run is counted before the handler starts (so a handler that crashes the process still
  counts, and crash loops end in the dead-letter stream), and the count is deleted when the
  entry is acked. Takeovers and re-reads never touch it.

  KEYS[1] partition stream
  KEYS[2] lease
  KEYS[3] attempts of the group (hash: entry id -> runs started)
  ARGV[1] expected lease value '<consumer>|<epoch>'
  ARGV[2] group
  ARGV[3] number of entry ids to ack (n)
  ARGV[4 .. 3+n] entry ids to ack
  ARGV[4+n ..] entry ids whose handler runs start now

  Returns -1 when the lease is no longer the caller's (nothing done); else { acked, runs... }
  with, per starting entry, its run count including this run.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local ackCount = tonumber(ARGV[3])
local lastAck = 3 + ackCount
local acked = 0
-- In chunks: unpack() of thousands of arguments exceeds Lua's C stack.
for first = 4, lastAck, 500 do
  local last = math.min(lastAck, first + 499)
  acked = acked + redis.call('XACK', KEYS[1], ARGV[2], unpack(ARGV, first, last))
  redis.call('HDEL', KEYS[3], unpack(ARGV, first, last))
end
local result = { acked }
for i = lastAck + 1, #ARGV do
  result[#result + 1] = redis.call('HINCRBY', KEYS[3], ARGV[i], 1)
end
return result
