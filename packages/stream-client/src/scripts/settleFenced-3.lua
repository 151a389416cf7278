--[[
  One fenced settlement round of a partition, only while the caller owns it: acks entries
  whose handlers succeeded, and sets the run count of entries whose handler is about to run
  (or whose counted run did not start after all). All of it goes out in one call per
  partition and tick.

  Runs are counted in the group's runs hash (entry id -> handler runs started): a run is
  counted before its handler starts, so a handler that crashes the process still counts and a
  crash loop ends in the dead-letter stream; takeovers and re-reads never touch it; the ack
  deletes the field. The caller knows each entry's count and sends the value to set, so a
  round sent again after a lost reply sets the same value, never one more.

  KEYS[1] partition stream
  KEYS[2] lease
  KEYS[3] runs of the group (hash: entry id -> handler runs started)
  ARGV[1] expected lease value '<consumer>|<epoch>'
  ARGV[2] group
  ARGV[3] number of entry ids to ack (n)
  ARGV[4 .. 3+n] entry ids to ack
  ARGV[4+n ..] entry id, run count pairs to set (0 deletes the field)

  Returns -1 when the lease is no longer the caller's (nothing done); else the number acked.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local lastAck = 3 + tonumber(ARGV[3])
local acked = 0
-- In chunks: unpack() of thousands of arguments exceeds Lua's C stack.
for first = 4, lastAck, 500 do
  local last = math.min(lastAck, first + 499)
  acked = acked + redis.call('XACK', KEYS[1], ARGV[2], unpack(ARGV, first, last))
  redis.call('HDEL', KEYS[3], unpack(ARGV, first, last))
end
local set = {}
local cleared = {}
for i = lastAck + 1, #ARGV, 2 do
  if ARGV[i + 1] == '0' then
    cleared[#cleared + 1] = ARGV[i]
  else
    set[#set + 1] = ARGV[i]
    set[#set + 1] = ARGV[i + 1]
  end
end
for first = 1, #set, 500 do
  redis.call('HSET', KEYS[3], unpack(set, first, math.min(#set, first + 499)))
end
for first = 1, #cleared, 500 do
  redis.call('HDEL', KEYS[3], unpack(cleared, first, math.min(#cleared, first + 499)))
end
return acked
