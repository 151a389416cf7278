--[[
  Reads the caller's own pending entries of a partition (after a takeover or a lost reply),
  only while the caller owns the partition, with how often each was delivered.

  KEYS[1] partition stream
  KEYS[2] lease
  ARGV[1] expected lease value '<consumer>|<epoch>'
  ARGV[2] group
  ARGV[3] consumer
  ARGV[4] count
  ARGV[5] read the pending entries after this id ('0' for all)

  Returns -1 when fenced; else { entries, deliveryCounts } where entries is the XREADGROUP
  reply for the stream (may be empty) and deliveryCounts a flat list id, count.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local reply = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[1], ARGV[5])
local entries = {}
if reply and reply[1] then
  entries = reply[1][2]
end
local counts = {}
if #entries > 0 then
  local first = entries[1][1]
  local last = entries[#entries][1]
  local pending = redis.call('XPENDING', KEYS[1], ARGV[2], first, last, #entries, ARGV[3])
  for _, item in ipairs(pending) do
    counts[#counts + 1] = item[1]
    counts[#counts + 1] = item[4]
  end
end
return { entries, counts }
