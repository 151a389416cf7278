--[[
  Everything an operator view needs about one partition, read in one call so a dashboard
  costs one pipelined round trip per topic: the stream's size and counters, and for each
  consumer group on it the delivery position, lag, pending summary, consumers, lease and
  retry backlog. Read-only: it never creates, trims or touches a key.

  KEYS[1] partition stream
  KEYS[2] dead-letter stream of the partition
  KEYS[3..] lease, retry stream of each group in ARGV[2..], in that order (two keys a group)
  ARGV[1] most entries counted when Redis cannot compute a group's lag itself
  ARGV[2..] group names whose lease and retry stream are in KEYS

  Returns { length, entriesAdded, firstId, lastId, deadLetters, groups } where groups holds,
  per group on the stream, { name, lastDeliveredId, lag (-1 unknown), lagExact (0/1),
  firstUndeliveredId, entriesRead (-1 unknown), pending, oldestPendingId, consumers, lease,
  retryPending, keysGiven (0/1) } and consumers is { name, pending, idleMs, ... }.
  Missing ids are ''. A stream that does not exist yet reports zeros and no groups.
]]
local function record(flat)
  local map = {}
  for i = 1, #flat, 2 do
    map[flat[i]] = flat[i + 1]
  end
  return map
end

local deadLetters = redis.call('XLEN', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 0, 0, '', '', deadLetters, {} }
end

local cap = tonumber(ARGV[1])
local keysOf = {}
for i = 2, #ARGV do
  keysOf[ARGV[i]] = { KEYS[3 + (i - 2) * 2], KEYS[4 + (i - 2) * 2] }
end

local stream = record(redis.call('XINFO', 'STREAM', KEYS[1]))
local firstEntry = stream['first-entry']
local lastEntry = stream['last-entry']
local groups = {}
for _, row in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = record(row)
  local name = info['name']
  local lastDelivered = info['last-delivered-id']
  local firstUndelivered = redis.call('XRANGE', KEYS[1], '(' .. lastDelivered, '+', 'COUNT', 1)[1]
  local lag = info['lag']
  local lagExact = 1
  if not lag then
    -- Redis cannot tell after deletions or trims inside the range: count, up to the cap.
    lag = 0
    if firstUndelivered then
      lag = #redis.call('XRANGE', KEYS[1], '(' .. lastDelivered, '+', 'COUNT', cap)
    end
    if lag >= cap then lagExact = 0 end
  end
  local summary = redis.call('XPENDING', KEYS[1], name)
  local consumers = {}
  for _, consumerRow in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], name)) do
    local consumer = record(consumerRow)
    consumers[#consumers + 1] = consumer['name']
    consumers[#consumers + 1] = consumer['pending']
    consumers[#consumers + 1] = consumer['idle']
  end
  local lease = ''
  local retryPending = 0
  local keysGiven = 0
  local groupKeys = keysOf[name]
  if groupKeys then
    keysGiven = 1
    lease = redis.call('GET', groupKeys[1]) or ''
    if redis.call('EXISTS', groupKeys[2]) == 1 then
      for _, retryRow in ipairs(redis.call('XINFO', 'GROUPS', groupKeys[2])) do
        local retry = record(retryRow)
        if retry['name'] == name then
          retryPending = retry['pending'] + (retry['lag'] or 0)
        end
      end
    end
  end
  groups[#groups + 1] = {
    name,
    lastDelivered,
    lag,
    lagExact,
    firstUndelivered and firstUndelivered[1] or '',
    info['entries-read'] or -1,
    summary[1],
    summary[2] or '',
    consumers,
    lease,
    retryPending,
    keysGiven,
  }
end

return {
  stream['length'],
  stream['entries-added'] or 0,
  firstEntry and firstEntry[1] or '',
  lastEntry and lastEntry[1] or '',
  deadLetters,
  groups,
}
