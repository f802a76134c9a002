-- fixed-window: one key "index count".
-- ARGV: now_us ('' = server TIME), cost, limit, period_us.  Returns {allowed, index, count_before, now_us}.
local now
if ARGV[1] ~= '' then now = tonumber(ARGV[1]) else local t = redis.call('TIME'); now = t[1] * 1000000 + t[2] end
local cost, limit, period = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local k = math.floor(now / period)
local idx, count = k, 0
local v = redis.call('GET', KEYS[1])
if v then
  local sp = string.find(v, ' ', 1, true)
  local i = tonumber(string.sub(v, 1, sp - 1))
  if i >= k then idx = i; count = tonumber(string.sub(v, sp + 1)) end
end
local allowed = 0
if count + cost <= limit then
  allowed = 1
  if cost > 0 then
    redis.call('SET', KEYS[1], string.format('%.0f %.0f', idx, count + cost), 'PX', math.floor(((idx + 1) * period - now) / 1000) + 1000)
  end
end
return {allowed, idx, count, now}
