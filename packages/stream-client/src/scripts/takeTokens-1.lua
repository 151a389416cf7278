--[[
  Two token buckets in one hash (events and bytes), refilled continuously at their rate from the
  server's clock, so every replica that shares the Redis shares the limit. A request is let
  through only when both buckets hold what it needs; then both are charged its full cost. A
  request larger than a bucket needs the bucket full and leaves it in debt, so a big batch is
  never refused forever and the long-run rate still holds.

  KEYS[1] the bucket hash (fields: events, bytes, at = ms of the last update)
  ARGV[1] events per second (0: no events limit)
  ARGV[2] bytes per second (0: no bytes limit)
  ARGV[3] burst in seconds: each bucket holds rate * burst
  ARGV[4] events this request costs
  ARGV[5] bytes this request costs

  Returns { allowed (1 or 0), waitMs (until the request would fit; 0 when allowed),
            eventsLeft, eventsFullMs, bytesLeft, bytesFullMs } (a limit that is off: -1, 0).
]]
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local burst = tonumber(ARGV[3])
local stored = redis.call('HMGET', KEYS[1], 'events', 'bytes', 'at')
local at = tonumber(stored[3]) or nowMs
local elapsed = math.max(0, nowMs - at)

local function level(rate, previous)
  local capacity = rate * burst
  -- A missing field comes back from HMGET as false: a new bucket starts full.
  if not previous then return capacity, capacity end
  return math.min(capacity, tonumber(previous) + elapsed * rate / 1000), capacity
end

local limits = {
  { rate = tonumber(ARGV[1]), cost = tonumber(ARGV[4]), previous = stored[1] },
  { rate = tonumber(ARGV[2]), cost = tonumber(ARGV[5]), previous = stored[2] },
}
local waitMs = 0
for _, limit in ipairs(limits) do
  if limit.rate > 0 then
    limit.tokens, limit.capacity = level(limit.rate, limit.previous)
    local need = math.min(limit.cost, limit.capacity)
    if limit.tokens < need then
      waitMs = math.max(waitMs, math.ceil((need - limit.tokens) * 1000 / limit.rate))
    end
  end
end

local allowed = waitMs == 0
local reply = { allowed and 1 or 0, waitMs }
local keepMs = 1000
for _, limit in ipairs(limits) do
  if limit.rate > 0 then
    if allowed then limit.tokens = limit.tokens - limit.cost end
    local fullMs = math.ceil((limit.capacity - limit.tokens) * 1000 / limit.rate)
    keepMs = math.max(keepMs, fullMs + 1000)
    reply[#reply + 1] = math.floor(math.max(0, limit.tokens))
    reply[#reply + 1] = fullMs
  else
    reply[#reply + 1] = -1
    reply[#reply + 1] = 0
  end
end
if allowed then
  -- Levels as strings: a Lua number handed to Redis would lose its fraction.
  redis.call('HSET', KEYS[1], 'events', tostring(limits[1].tokens or 0),
    'bytes', tostring(limits[2].tokens or 0), 'at', nowMs)
  -- A full bucket is the same as no key: let it expire once it would have refilled.
  redis.call('PEXPIRE', KEYS[1], keepMs)
end
return reply
