--[[
  Appends an event once per event id within the idempotency window.

  KEYS[1] partition stream
  KEYS[2] publish marker of the event id (same hash tag as the stream)
  ARGV[1] window in ms
  ARGV[2] trim strategy: '' (none), 'MAXLEN' or 'MINID'
  ARGV[3] trim threshold (approximate, '~')
  ARGV[4..] field, value, field, value ...

  Returns { 1, entryId } when appended, { 0, entryId } when the event id was already appended
  within the window (entryId is the first append's).
]]
local existing = redis.call('GET', KEYS[2])
if existing then
  return { 0, existing }
end
local args = { 'XADD', KEYS[1] }
if ARGV[2] ~= '' then
  args[#args + 1] = ARGV[2]
  args[#args + 1] = '~'
  args[#args + 1] = ARGV[3]
end
args[#args + 1] = '*'
for i = 4, #ARGV do
  args[#args + 1] = ARGV[i]
end
local id = redis.call(unpack(args))
redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
return { 1, id }
