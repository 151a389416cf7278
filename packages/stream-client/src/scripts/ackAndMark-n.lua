--[[
  The effectively-once step: applies the handler's writes, marks the event done and acks it,
  all or nothing. Redis never rolls a script back, so everything that can refuse is checked
  before the first write: the fencing lease, the dedupe marker, that the entry is still
  pending, and each effect (an allowed command, its argument shape, the key's type as earlier
  effects of the same step leave it, integer values and 64-bit overflow for increments, the
  ACL). Then the effects are applied, the marker set and the entry acked, last.

  KEYS[1] stream the entry came from (partition stream or group retry stream)
  KEYS[2] done markers of the group (sorted set: event id -> ms)
  KEYS[3] lease of the partition for the group (ignored when ARGV[5] is '')
  KEYS[4] runs of the group (the entry's run count is deleted with the ack)
  KEYS[5..] keys the effects write (all in the partition's hash tag)
  ARGV[1] group
  ARGV[2] entry id
  ARGV[3] event id
  ARGV[4] marker window in ms (markers older than this are pruned)
  ARGV[5] expected lease value '<consumer>|<epoch>', or '' when not fenced
  ARGV[6] number of effects
  ARGV[7..] per effect: command, index of its key in KEYS, argument count n, then n arguments
            (keys travel apart from values, so no value is ever mistaken for a key)

  Returns 1 applied, 0 duplicate (already applied: acked, effects skipped), -1 fenced (lease
  lost: nothing done), -2 not pending (settled by someone else: nothing done),
  { -3, effect number, reason } when an effect would fail (nothing done), or
  { -4, effect number, reason } when Redis refused an effect the checks passed, after the
  effects before it were applied: the event is then marked done (a retry cannot apply them
  twice) and left pending, for the caller to dead-letter.
]]
local group, entryId, eventId = ARGV[1], ARGV[2], ARGV[3]

if ARGV[5] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[5] then
  return -1
end
if redis.call('ZSCORE', KEYS[2], eventId) then
  redis.call('XACK', KEYS[1], group, entryId)
  redis.call('HDEL', KEYS[4], entryId)
  return 0
end
if #redis.call('XPENDING', KEYS[1], group, entryId, entryId, 1) == 0 then
  return -2
end

-- The type each allowed command needs its key to have ('any': it works on every type).
local NEEDS = {
  SET = 'any', DEL = 'any', EXPIRE = 'any', PEXPIRE = 'any',
  INCR = 'string', DECR = 'string', INCRBY = 'string', DECRBY = 'string', SETBIT = 'string',
  HSET = 'hash', HSETNX = 'hash', HDEL = 'hash', HINCRBY = 'hash',
  RPUSH = 'list', LPUSH = 'list', LTRIM = 'list',
  SADD = 'set', SREM = 'set',
  ZADD = 'zset', ZREM = 'zset',
  XADD = 'stream',
}
local MAX_ARGS = 1000
-- Time to live bounds: far below where Redis's own arithmetic (now + ttl, s x 1000) overflows.
local MAX_TTL_SECONDS = 100000000000
local MAX_TTL_MS = 100000000000000
-- SETBIT offsets stay below what the smallest allowed proto-max-bulk-len (1 MB) permits.
local MAX_BIT_OFFSET = 8388608
local SMALLEST_NORMAL = 2.2250738585072014e-308
local ZADD_FLAGS = { NX = true, XX = true, GT = true, LT = true, CH = true }
-- What a string holds after SETBIT is not known here: no increment may count on it.
local UNKNOWN_BYTES = '\0'
-- Sums this close to +-2^63 are refused: doubles cannot tell them apart exactly.
local INT64_EDGE = 9.2233720368547e18

-- Redis's own integer rule (string2ll): no sign but '-', no leading zeros, no spaces.
local function toInteger(text)
  if type(text) ~= 'string' then
    return nil
  end
  if text == '0' then
    return 0
  end
  if #text > 20 or not string.match(text, '^%-?[1-9]%d*$') then
    return nil
  end
  local value = tonumber(text)
  if value >= INT64_EDGE or value <= -INT64_EDGE then
    return nil
  end
  return value
end

-- What Redis's strtod-based parsing takes as a score: a decimal with an optional exponent, or
-- inf; no spaces, no nan, nothing that overflows or underflows a double (ERANGE).
local function isScore(text)
  if type(text) ~= 'string' then
    return false
  end
  local lower = string.lower(text)
  if lower == 'inf' or lower == '+inf' or lower == '-inf' then
    return true
  end
  local mantissa = string.match(text, '^[+-]?(%d*%.?%d*)$')
    or string.match(text, '^[+-]?(%d*%.?%d*)[eE][+-]?%d+$')
  if not mantissa or not string.find(mantissa, '%d') then
    return false
  end
  local value = tonumber(text)
  if value == nil or value ~= value or value == math.huge or value == -math.huge then
    return false
  end
  if value == 0 then
    return not string.find(mantissa, '[1-9]')
  end
  return math.abs(value) >= SMALLEST_NORMAL
end

local function ttlWithin(text, max)
  local value = toInteger(text)
  return value ~= nil and value > 0 and value <= max
end

local function formatInteger(value)
  return string.format('%.0f', value)
end

-- What each key looks like after the effects checked so far: the stored key, read lazily,
-- overlaid with the writes of earlier effects in this step.
local keys = {}
local function keyState(key)
  local state = keys[key]
  if not state then
    state = { kind = redis.call('TYPE', key)['ok'], fields = {}, stored = true }
    keys[key] = state
  end
  return state
end

local function stringValue(key, state)
  if state.kind ~= 'string' then
    return nil
  end
  if state.value ~= nil then
    return state.value
  end
  return redis.call('GET', key)
end

local function hashField(key, state, field)
  local value = state.fields[field]
  if value ~= nil then
    return value or nil
  end
  if state.kind ~= 'hash' or not state.stored then
    return nil
  end
  return redis.call('HGET', key, field) or nil
end

local effects = {}
local position = 7
for number = 1, tonumber(ARGV[6]) do
  local count = tonumber(ARGV[position + 2])
  effects[number] = {
    command = ARGV[position],
    key = KEYS[tonumber(ARGV[position + 1])],
    args = { unpack(ARGV, position + 3, position + 2 + count) },
  }
  position = position + 3 + count
end

local function check(number, effect)
  local command, key, args = effect.command, effect.key, effect.args
  local n = #args
  local needs = NEEDS[command]
  if not needs then
    return command .. ' is not an allowed effect command'
  end
  if key == nil then
    return command .. ' has no key'
  end
  if n > MAX_ARGS then
    return command .. ' has ' .. n .. ' arguments, at most ' .. MAX_ARGS .. ' are allowed'
  end
  if redis.acl_check_cmd then
    local ok, allowed = pcall(redis.acl_check_cmd, command, key, unpack(args))
    if not ok or not allowed then
      return 'NOPERM this user may not run ' .. command .. ' on ' .. key
    end
  end
  local state = keyState(key)
  if needs ~= 'any' and state.kind ~= 'none' and state.kind ~= needs then
    return 'WRONGTYPE ' .. key .. ' holds a ' .. state.kind .. ' value; ' .. command .. ' needs a ' .. needs
  end

  if command == 'SET' then
    local option = args[2] and string.upper(args[2])
    local shaped = n == 1 or (n == 2 and option == 'KEEPTTL')
      or (n == 3 and option == 'EX' and ttlWithin(args[3], MAX_TTL_SECONDS))
      or (n == 3 and option == 'PX' and ttlWithin(args[3], MAX_TTL_MS))
    if not shaped then
      return 'SET takes a value, then optionally EX seconds (1 to 1e11), PX milliseconds (1 to 1e14) or KEEPTTL'
    end
    keys[key] = { kind = 'string', value = args[1], fields = {}, stored = false }
  elseif command == 'DEL' then
    if n ~= 0 then
      return 'DEL takes no arguments besides its key'
    end
    keys[key] = { kind = 'none', fields = {}, stored = false }
  elseif command == 'EXPIRE' or command == 'PEXPIRE' then
    local max = command == 'EXPIRE' and MAX_TTL_SECONDS or MAX_TTL_MS
    if n ~= 1 or not ttlWithin(args[1], max) then
      return command .. ' takes one positive integer, at most ' .. string.format('%.0f', max)
    end
  elseif command == 'INCR' or command == 'DECR' or command == 'INCRBY' or command == 'DECRBY' then
    local by = 1
    if command == 'INCRBY' or command == 'DECRBY' then
      by = n == 1 and toInteger(args[1]) or nil
      if by == nil then
        return command .. ' takes one integer'
      end
    elseif n ~= 0 then
      return command .. ' takes no arguments besides its key'
    end
    if command == 'DECR' or command == 'DECRBY' then
      by = -by
    end
    local current = 0
    local text = stringValue(key, state)
    if text ~= nil then
      current = toInteger(text)
      if current == nil then
        return 'ERR value is not an integer or out of range (' .. key .. ')'
      end
    end
    local result = current + by
    if result >= INT64_EDGE or result <= -INT64_EDGE then
      return 'ERR increment or decrement would overflow (' .. key .. ')'
    end
    keys[key] = { kind = 'string', value = formatInteger(result), fields = {}, stored = false }
  elseif command == 'SETBIT' then
    local offset = n == 2 and toInteger(args[1]) or nil
    if offset == nil or offset < 0 or offset >= MAX_BIT_OFFSET or (args[2] ~= '0' and args[2] ~= '1') then
      return 'SETBIT takes an offset from 0 to 8388607 and 0 or 1'
    end
    keys[key] = { kind = 'string', value = UNKNOWN_BYTES, fields = {}, stored = false }
  elseif command == 'HSET' then
    if n < 2 or n % 2 ~= 0 then
      return 'HSET takes field value pairs'
    end
    state.kind = 'hash'
    for i = 1, n, 2 do
      state.fields[args[i]] = args[i + 1]
    end
  elseif command == 'HSETNX' then
    if n ~= 2 then
      return 'HSETNX takes a field and a value'
    end
    if hashField(key, state, args[1]) == nil then
      state.fields[args[1]] = args[2]
    end
    state.kind = 'hash'
  elseif command == 'HDEL' then
    if n < 1 then
      return 'HDEL takes at least one field'
    end
    if state.kind == 'hash' then
      for i = 1, n do
        state.fields[args[i]] = false
      end
    end
  elseif command == 'HINCRBY' then
    local by = n == 2 and toInteger(args[2]) or nil
    if by == nil then
      return 'HINCRBY takes a field and an integer'
    end
    local current = 0
    local text = hashField(key, state, args[1])
    if text ~= nil then
      current = toInteger(text)
      if current == nil then
        return 'ERR hash value is not an integer (' .. key .. ' ' .. args[1] .. ')'
      end
    end
    local result = current + by
    if result >= INT64_EDGE or result <= -INT64_EDGE then
      return 'ERR increment or decrement would overflow (' .. key .. ' ' .. args[1] .. ')'
    end
    state.kind = 'hash'
    state.fields[args[1]] = formatInteger(result)
  elseif command == 'RPUSH' or command == 'LPUSH' or command == 'SADD' then
    if n < 1 then
      return command .. ' takes at least one value'
    end
    state.kind = needs
  elseif command == 'LTRIM' then
    if n ~= 2 or toInteger(args[1]) == nil or toInteger(args[2]) == nil then
      return 'LTRIM takes a start and a stop index'
    end
  elseif command == 'SREM' or command == 'ZREM' then
    if n < 1 then
      return command .. ' takes at least one member'
    end
  elseif command == 'ZADD' then
    local first = 1
    local flags = {}
    while args[first] and ZADD_FLAGS[string.upper(args[first])] do
      flags[string.upper(args[first])] = true
      first = first + 1
    end
    if (flags.NX and (flags.XX or flags.GT or flags.LT)) or (flags.GT and flags.LT) then
      return 'ZADD: NX excludes XX, GT and LT, and GT excludes LT'
    end
    if n - first + 1 < 2 or (n - first + 1) % 2 ~= 0 then
      return 'ZADD takes [NX|XX] [GT|LT] [CH], then score member pairs'
    end
    for i = first, n, 2 do
      if not isScore(args[i]) then
        return 'ERR value is not a valid float (' .. key .. ')'
      end
    end
    state.kind = 'zset'
  elseif command == 'XADD' then
    if n < 3 or n % 2 ~= 1 or args[1] ~= '*' then
      return 'XADD takes * then field value pairs'
    end
    state.kind = 'stream'
  end
  return nil
end

for number, effect in ipairs(effects) do
  local reason = check(number, effect)
  if reason then
    return { -3, number, reason }
  end
end

local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

for number, effect in ipairs(effects) do
  local reply = redis.pcall(effect.command, effect.key, unpack(effect.args))
  if type(reply) == 'table' and reply.err then
    if number == 1 then
      return { -3, number, reply.err }
    end
    -- Refused although every check passed, after earlier effects were applied, and a script
    -- cannot undo them: mark the event done so no retry applies them again.
    redis.call('ZADD', KEYS[2], nowMs, eventId)
    return { -4, number, reply.err }
  end
end

redis.call('ZADD', KEYS[2], nowMs, eventId)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowMs - tonumber(ARGV[4]))
redis.call('XACK', KEYS[1], group, entryId)
redis.call('HDEL', KEYS[4], entryId)
return 1
