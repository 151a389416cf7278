--[[
  Reads the caller's own pending entries of a partition (after a takeover, a lost reply or to
  catch a parked key up), only while the caller owns the partition. Reading the history with
  XREADGROUP would raise every entry's delivery counter on each re-read, so a few handovers
  would dead-letter entries that never ran: XPENDING lists the ids and XRANGE fetches each
  entry, neither of which counts a delivery.

  KEYS[1] partition stream
  KEYS[2] lease
  KEYS[3] runs of the group (hash: entry id -> handler runs started)
  ARGV[1] expected lease value '<consumer>|<epoch>'
  ARGV[2] group
  ARGV[3] consumer
  ARGV[4] count
  ARGV[5] start after this id ('' for from the beginning)

  Returns -1 when fenced; else a list of { id, fields, runs started } in stream order, where
  fields is empty for an entry deleted or trimmed while pending.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local start = '-'
if ARGV[5] ~= '' then
  start = '(' .. ARGV[5]
end
local pending = redis.call('XPENDING', KEYS[1], ARGV[2], start, '+', tonumber(ARGV[4]), ARGV[3])
local entries = {}
for _, row in ipairs(pending) do
  local found = redis.call('XRANGE', KEYS[1], row[1], row[1])
  local fields = {}
  if found[1] then
    fields = found[1][2]
  end
  local runs = redis.call('HGET', KEYS[3], row[1])
  entries[#entries + 1] = { row[1], fields, tonumber(runs) or 0 }
end
return entries
