--[[
  Gives a lease up so the next owner can take it at once instead of waiting for expiry.

  KEYS[1] lease
  ARGV[1] expected lease value '<consumer>|<epoch>'

  Returns 1 when released, 0 when it was not the caller's any more.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
