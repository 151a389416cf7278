--[[
  Appends a chunk of events to one partition stream in one call: the client sends one
  command (not one XADD each), which is where a producer's CPU went (a command object, a
  promise and a reply per event in the client, against about 2 us of work in Redis).

  KEYS[1]    partition stream
  KEYS[2..]  publish markers of the idempotent events, in chunk order (same hash tag as the
             stream, so a cluster routes the whole chunk to one slot)
  ARGV[1]    idempotency window in ms
  ARGV[2]    trim strategy: '' (none), 'MAXLEN' or 'MINID'
  ARGV[3]    trim threshold (approximate, '~')
  ARGV[4..]  per event: its field count n, then its n fields (field, value, ...); a negative
             count -n marks an idempotent event, which takes the next marker key

  Returns one reply per event, in order: the new entry id, or for an idempotent event whose
  id was already appended within the window, '=' followed by the first append's entry id
  (entry ids are digits and a dash, so the prefix cannot be confused with one).

  A marker holds its entry id as one integer, milliseconds then the sequence in six digits
  ('1796126089916-7' -> 1796126089916000007): Redis keeps a value that parses as a 64-bit
  integer inside the key's object, with no string of its own, about 30 bytes less per marker.
  Ids that do not fit (not 13 digits of milliseconds, or a sequence of a million or more) and
  markers written before stay strings, read as they are.
]]
local stream = KEYS[1]
local window = ARGV[1]
local strategy = ARGV[2]
local threshold = ARGV[3]
local call = redis.call
local unpack = unpack
local argv = ARGV

local function packed(entryId)
  local ms, seq = string.match(entryId, '^(%d+)-(%d+)$')
  if ms and #ms == 13 and #seq <= 6 then return ms .. string.rep('0', 6 - #seq) .. seq end
  return entryId
end

local function unpacked(marker)
  if #marker == 19 and not string.find(marker, '-', 1, true) then
    return string.sub(marker, 1, 13) .. '-' .. tonumber(string.sub(marker, 14))
  end
  return marker
end

local replies = {}
local n = 0
local nextMarker = 2
local i = 4
local last = #argv
while i <= last do
  local count = tonumber(argv[i])
  local from = i + 1
  n = n + 1
  if count > 0 then
    i = from + count
    -- unpack(ARGV, from, to) passes the event's fields straight from ARGV: no table per event.
    if strategy == '' then
      replies[n] = call('XADD', stream, '*', unpack(argv, from, i - 1))
    else
      replies[n] = call('XADD', stream, strategy, '~', threshold, '*', unpack(argv, from, i - 1))
    end
  else
    i = from - count
    local marker = KEYS[nextMarker]
    nextMarker = nextMarker + 1
    local existing = call('GET', marker)
    if existing then
      replies[n] = '=' .. unpacked(existing)
    else
      local id
      if strategy == '' then
        id = call('XADD', stream, '*', unpack(argv, from, i - 1))
      else
        id = call('XADD', stream, strategy, '~', threshold, '*', unpack(argv, from, i - 1))
      end
      call('SET', marker, packed(id), 'PX', window)
      replies[n] = id
    end
  end
end
return replies
