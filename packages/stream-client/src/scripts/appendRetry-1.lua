--[[
  Trims the entries every group of a retry stream has received and acked, then appends a retried
  entry, so retry streams do not grow forever.

  KEYS[1] the group's retry stream
  ARGV[1..] field, value, field, value ...

  Per group the oldest entry it still needs is its oldest pending entry, else the first entry
  after its last-delivered id; XTRIM MINID trims below the lowest of these, so no entry that is
  pending or not yet delivered is removed (the appended entry comes after all of them). A stream
  without groups (the group vanished with a FLUSHALL, or was destroyed) is not trimmed: nobody's
  progress is known.

  The trim is best effort and comes first: an error there (a user whose ACL lacks XTRIM) is
  returned, not raised, and the append still happens; a retry is never lost to its cleanup.

  Returns { appended entry id, trim error or false }.
]]
local function parse(entryId)
  local ms, seq = string.match(entryId, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

local function before(aMs, aSeq, bMs, bSeq)
  return aMs < bMs or (aMs == bMs and aSeq < bSeq)
end

local function trim()
  local groups = redis.pcall('XINFO', 'GROUPS', KEYS[1])
  if groups['err'] then
    -- No stream yet: nothing to trim.
    if string.find(groups['err'], 'no such key', 1, true) then
      return false
    end
    return groups['err']
  end
  local boundMs, boundSeq
  for _, group in ipairs(groups) do
    local info = {}
    for i = 1, #group, 2 do
      info[group[i]] = group[i + 1]
    end
    local ms, seq
    if tonumber(info['pending']) > 0 then
      local summary = redis.pcall('XPENDING', KEYS[1], info['name'])
      if summary['err'] then
        return summary['err']
      end
      ms, seq = parse(summary[2])
    else
      ms, seq = parse(info['last-delivered-id'])
      seq = seq + 1
    end
    if boundMs == nil or before(ms, seq, boundMs, boundSeq) then
      boundMs, boundSeq = ms, seq
    end
  end
  if boundMs == nil then
    return false
  end
  local trimmed = redis.pcall('XTRIM', KEYS[1], 'MINID', string.format('%.0f-%.0f', boundMs, boundSeq))
  if type(trimmed) == 'table' and trimmed['err'] then
    return trimmed['err']
  end
  return false
end

local trimError = trim()
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV))
return { id, trimError }
