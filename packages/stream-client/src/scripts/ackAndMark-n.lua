--[[
  The effectively-once step: checks the fencing lease, the dedupe marker and that the entry is
  still pending, then applies the handler's writes, marks the event done and acks, atomically.

  KEYS[1] stream the entry came from (partition stream or group retry stream)
  KEYS[2] done markers of the group (sorted set: event id -> ms)
  KEYS[3] lease of the partition for the group (ignored when ARGV[5] is '')
  KEYS[4..] keys the effects write (all in the partition's hash tag)
  ARGV[1] group
  ARGV[2] entry id
  ARGV[3] event id
  ARGV[4] marker window in ms (markers older than this are pruned)
  ARGV[5] expected lease value '<consumer>|<epoch>', or '' when not fenced
  ARGV[6] number of effects
  ARGV[7..] per effect: command, argument count n, then n arguments; an argument '\0k<i>'
            stands for KEYS[i] (so keys are declared for Redis Cluster)

  Returns 1 applied, 0 duplicate (already applied: acked, effects skipped),
  -1 fenced (lease lost: nothing done), -2 not pending (acked by someone else: nothing done).
]]
if ARGV[5] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[5] then
  return -1
end

local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

if redis.call('ZSCORE', KEYS[2], ARGV[3]) then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  return 0
end

if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return -2
end

local position = 7
for _ = 1, tonumber(ARGV[6]) do
  local command = ARGV[position]
  local count = tonumber(ARGV[position + 1])
  local args = { command }
  for i = 1, count do
    local arg = ARGV[position + 1 + i]
    if string.sub(arg, 1, 2) == '\0k' then
      arg = KEYS[tonumber(string.sub(arg, 3))]
    end
    args[#args + 1] = arg
  end
  redis.call(unpack(args))
  position = position + 2 + count
end

redis.call('ZADD', KEYS[2], nowMs, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowMs - tonumber(ARGV[4]))
return 1
