--[[
  Moves a dead-lettered event back into its partition stream and removes it from the
  dead-letter stream in one step, so a crash cannot duplicate or drop it.

  KEYS[1] partition stream
  KEYS[2] dead-letter stream of the partition
  ARGV[1] dead-letter entry id
  ARGV[2..] field, value ... to append

  Returns the new entry id, or '' when the dead-letter entry no longer exists (already moved).
]]
if redis.call('XDEL', KEYS[2], ARGV[1]) == 0 then
  return ''
end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
