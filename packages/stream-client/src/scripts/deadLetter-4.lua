--[[
  Moves an entry to the dead-letter stream and acks it in one step, so a crash cannot leave
  it both dead-lettered and pending (or neither). Everything that can refuse is checked
  before the first write.

  KEYS[1] stream the entry came from
  KEYS[2] dead-letter stream of the partition
  KEYS[3] lease of the partition for the group (ignored when ARGV[3] is '')
  KEYS[4] runs of the group (the entry's run count is deleted)
  ARGV[1] group
  ARGV[2] entry id
  ARGV[3] expected lease value, or ''
  ARGV[4] approximate max length of the dead-letter stream
  ARGV[5..] field, value ... of the dead-letter entry

  Returns the dead-letter entry id, -1 when fenced, -2 when the entry is no longer pending
  (settled by someone else: nothing written).
]]
if ARGV[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[3] then
  return -1
end
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) == 0 then
  return -2
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, 5))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[4], ARGV[2])
return id
