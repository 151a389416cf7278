--[[
  Appends a chunk of events to one partition stream in one call: the client sends one
  command (not one XADD each), which is where a producer's CPU went (a command object, a
  promise and a reply per event in the client, against about 2 us of work in Redis).

  KEYS[1]    partition stream
  KEYS[2]    the partition's publish window (event id -> entry id of idempotent appends; same
             hash tag as the stream, so a cluster routes the whole chunk to one slot)
  ARGV[1]    idempotency window in ms
  ARGV[2]    trim strategy: '' (none), 'MAXLEN' or 'MINID'
  ARGV[3]    trim threshold (approximate, '~')
  ARGV[4]    how many of the chunk's events are idempotent
  ARGV[5..]  per event: its field count n, then its n fields (field, value, ...). A negative
             count -n marks an idempotent event: then its event id and the id's hash (a
             non-negative integer) come before its fields.

  Returns one reply per event, in order: the new entry id, or for an idempotent event whose
  id was already appended within the window, '=' followed by the first append's entry id
  (entry ids are digits and a dash, so the prefix cannot be confused with one).

  The publish window. One key per event id (SET PX) cost about 200 bytes of Redis memory per
  event; small hashes cost about a quarter of that, because Redis keeps a hash of at most 128
  short entries as one packed list (listpack) instead of a table of pointers. So ids are kept
  in time buckets of half a window, each split by the id's hash into as many hashes as keep
  them small (about 64 ids each):
    KEYS[2]                          bucket -> hash count, and '<bucket>:n' -> ids added
    KEYS[2] .. ':' .. bucket .. ':' .. (hash % count)   event id -> entry id
  An id added at t lives in bucket floor(t / span) (span = window / 2), which is looked up
  until, and expires at, the end of the bucket two spans later: an id is remembered at least
  one window and at most one and a half. A bucket's hash count is fixed when it is first
  written, from the previous bucket's size (so a rate that more than doubles from one bucket
  to the next makes larger hashes, which Redis stores as tables: correct, only less compact).
  The bucket keys are not declared: they share KEYS[2]'s hash tag, so they are in its slot.
]]
local stream = KEYS[1]
local windowKey = KEYS[2]
local window = tonumber(ARGV[1])
local strategy = ARGV[2]
local threshold = ARGV[3]
local call = redis.call
local unpack = unpack
local argv = ARGV

local TARGET_PER_HASH = 64
local MAX_HASHES = 65536
-- A bucket with no earlier one to size it from expects this many ids (16 hashes): a burst
-- after a quiet spell overflows fewer of them into tables, for a few small keys when quiet.
local FIRST_BUCKET_IDS = 1024

local span = math.ceil(window / 2)
local current
local hashCounts -- bucket -> hash count, for the live buckets current - 2 .. current
local added = 0

-- Reads the window's index once per call, the first time an idempotent event needs it.
local function openWindow(idempotentInChunk)
  local time = call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  current = math.floor(now / span)
  local index = call('HGETALL', windowKey)
  hashCounts = {}
  local sizes = {}
  local stale = {}
  for j = 1, #index, 2 do
    local field = index[j]
    local digits, suffix = string.match(field, '^(%d+)(.*)$')
    local bucket = tonumber(digits)
    if bucket == nil or bucket < current - 2 or bucket > current then
      stale[#stale + 1] = field
    elseif suffix == ':n' then
      sizes[bucket] = tonumber(index[j + 1])
    elseif suffix == '' then
      hashCounts[bucket] = tonumber(index[j + 1])
    end
  end
  if #stale > 0 then call('HDEL', windowKey, unpack(stale)) end
  if hashCounts[current] == nil then
    local expected = math.max(sizes[current - 1] or FIRST_BUCKET_IDS, idempotentInChunk)
    local count = 1
    while count * TARGET_PER_HASH < expected and count < MAX_HASHES do count = count * 2 end
    hashCounts[current] = count
    call('HSET', windowKey, current, count)
    local expiresAt = (current + 3) * span
    call('PEXPIREAT', windowKey, expiresAt)
    -- The bucket's hashes are made now, each with an empty placeholder entry, so each gets its
    -- expiry once here rather than a PEXPIREAT per append.
    for slot = 0, count - 1 do
      local key = windowKey .. ':' .. current .. ':' .. slot
      call('HSET', key, '', '')
      call('PEXPIREAT', key, expiresAt)
    end
  end
  -- Buckets nothing was added to need no look-up.
  for bucket = current - 2, current - 1 do
    if (sizes[bucket] or 0) == 0 then hashCounts[bucket] = nil end
  end
end

-- Key prefixes of the live buckets, newest first, built once per call.
local lookups
local currentPrefix

local function prepareLookups()
  lookups = {}
  for bucket = current, current - 2, -1 do
    local count = hashCounts[bucket]
    if count then lookups[#lookups + 1] = { windowKey .. ':' .. bucket .. ':', count } end
  end
  currentPrefix = windowKey .. ':' .. current .. ':'
end

local function seenBefore(eventId, hash)
  for l = 1, #lookups do
    local lookup = lookups[l]
    local entryId = call('HGET', lookup[1] .. (hash % lookup[2]), eventId)
    if entryId then return entryId end
  end
  return nil
end

local function remember(eventId, hash, entryId)
  call('HSET', currentPrefix .. (hash % hashCounts[current]), eventId, entryId)
  added = added + 1
end

local function append(from, to)
  if strategy == '' then return call('XADD', stream, '*', unpack(argv, from, to)) end
  return call('XADD', stream, strategy, '~', threshold, '*', unpack(argv, from, to))
end

local replies = {}
local n = 0
local i = 5
local last = #argv
while i <= last do
  local count = tonumber(argv[i])
  n = n + 1
  if count >= 0 then
    replies[n] = append(i + 1, i + count)
    i = i + 1 + count
  else
    local eventId = argv[i + 1]
    local hash = tonumber(argv[i + 2])
    local from = i + 3
    i = from - count
    if current == nil then
      openWindow(tonumber(ARGV[4]))
      prepareLookups()
    end
    -- '' is each hash's placeholder, and no event's id (the codec refuses an empty one).
    local existing = eventId ~= '' and seenBefore(eventId, hash)
    if existing then
      replies[n] = '=' .. existing
    else
      local entryId = append(from, i - 1)
      if eventId ~= '' then remember(eventId, hash, entryId) end
      replies[n] = entryId
    end
  end
end
if added > 0 then call('HINCRBY', windowKey, current .. ':n', added) end
return replies
