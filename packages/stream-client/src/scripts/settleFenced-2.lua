--[[
  One fenced settlement round of a partition, only while the caller owns it: acks entries
  whose handlers succeeded, and sets the run count of entries whose handler is about to run
  (or whose counted run did not start after all). All of it goes out in one call per
  partition and tick.

  Runs are counted in the entry's own pending-list record: its delivery counter holds
  1 + the runs started. A fresh read sets it to 1; a run sets it one higher before the
  handler starts (so a handler that crashes the process still counts, and crash loops end in
  the dead-letter stream); takeovers (XAUTOCLAIM JUSTID) and re-reads (XPENDING, XRANGE)
  never touch it; the ack removes it. The caller knows each entry's counter and sends the
  value to set (XCLAIM RETRYCOUNT), so sending a round again after a lost reply sets the same
  value, never one more.

  KEYS[1] partition stream
  KEYS[2] lease
  ARGV[1] expected lease value '<consumer>|<epoch>'
  ARGV[2] group
  ARGV[3] consumer (the caller, who holds the entries)
  ARGV[4] number of entry ids to ack (n)
  ARGV[5 .. 4+n] entry ids to ack
  ARGV[5+n ..] entry id, counter value pairs to set

  Returns -1 when the lease is no longer the caller's (nothing done); else the number acked.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local lastAck = 4 + tonumber(ARGV[4])
local acked = 0
-- In chunks: unpack() of thousands of arguments exceeds Lua's C stack.
for first = 5, lastAck, 500 do
  acked = acked + redis.call('XACK', KEYS[1], ARGV[2], unpack(ARGV, first, math.min(lastAck, first + 499)))
end
-- One XCLAIM per counter value (nearly always one: every entry's first run).
local byCount = {}
for i = lastAck + 1, #ARGV, 2 do
  local ids = byCount[ARGV[i + 1]]
  if not ids then
    ids = {}
    byCount[ARGV[i + 1]] = ids
  end
  ids[#ids + 1] = ARGV[i]
end
for count, ids in pairs(byCount) do
  for first = 1, #ids, 500 do
    -- The ids go in a table with the options after them: unpack() spreads all its values
    -- only as the last argument of a call (anywhere else Lua keeps the first one).
    local args = { 'XCLAIM', KEYS[1], ARGV[2], ARGV[3], 0 }
    for i = first, math.min(#ids, first + 499) do
      args[#args + 1] = ids[i]
    end
    args[#args + 1] = 'RETRYCOUNT'
    args[#args + 1] = count
    args[#args + 1] = 'JUSTID'
    redis.call(unpack(args))
  end
end
return acked
