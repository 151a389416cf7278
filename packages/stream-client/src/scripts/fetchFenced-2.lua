--[[
  Reads entries through the group only while the caller owns the partition, so a paused
  replica that wakes up after losing its lease cannot take entries away from the new owner.

  KEYS[1] partition stream
  KEYS[2] lease
  ARGV[1] expected lease value '<consumer>|<epoch>'
  ARGV[2] group
  ARGV[3] consumer
  ARGV[4] count
  ARGV[5] '>' for new entries, or an id to read the caller's own pending entries after it

  Returns -1 when fenced; else { entries, deliveryCounts, lastDeliveredId } where entries is
  the XREADGROUP reply for the stream (may be empty), deliveryCounts a flat list id, count for
  pending reads (empty for '>': a new entry's count is 1), and lastDeliveredId the group's
  position when a '>' read found nothing (the caller then waits with XREAD from there).
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
if ARGV[5] ~= '>' and #entries > 0 then
  local first = entries[1][1]
  local last = entries[#entries][1]
  local pending = redis.call('XPENDING', KEYS[1], ARGV[2], first, last, #entries, ARGV[3])
  for _, item in ipairs(pending) do
    counts[#counts + 1] = item[1]
    counts[#counts + 1] = item[4]
  end
end
local lastDelivered = ''
if ARGV[5] == '>' and #entries == 0 then
  for _, info in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local fields = {}
    for i = 1, #info, 2 do
      fields[info[i]] = info[i + 1]
    end
    if fields['name'] == ARGV[2] then
      lastDelivered = fields['last-delivered-id']
    end
  end
end
return { entries, counts, lastDelivered }
