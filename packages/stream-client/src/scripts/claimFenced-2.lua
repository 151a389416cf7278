--[[
  The new owner of a partition takes over every entry still pending in the group (left by
  earlier owners), so it can process them first, in stream order. JUSTID: claiming is not a
  delivery and must not count against maxDeliveries.

  KEYS[1] partition stream
  KEYS[2] lease
  ARGV[1] expected lease value
  ARGV[2] group
  ARGV[3] consumer
  ARGV[4] cursor
  ARGV[5] count

  Returns -1 when fenced, else the XAUTOCLAIM reply (cursor first).
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
return redis.call('XAUTOCLAIM', KEYS[1], ARGV[2], ARGV[3], 0, ARGV[4], 'COUNT', ARGV[5], 'JUSTID')
