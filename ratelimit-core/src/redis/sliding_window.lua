-- sliding-window: one key "index prev curr".
-- ARGV: now_us ('' = server TIME), cost, limit, period_us.  Returns {allowed, index, prev, curr, now_us}.
local now
if ARGV[1] ~= '' then now = tonumber(ARGV[1]) else local t = redis.call('TIME'); now = t[1] * 1000000 + t[2] end
local cost, limit, period = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local k = math.floor(now / period)
local idx, prev, curr = k, 0, 0
local v = redis.call('GET', KEYS[1])
if v then
  local a = string.find(v, ' ', 1, true)
  local b = string.find(v, ' ', a + 1, true)
  local i, p0, c0 = tonumber(string.sub(v, 1, a - 1)), tonumber(string.sub(v, a + 1, b - 1)), tonumber(string.sub(v, b + 1))
  if i >= k then idx = i; prev = p0; curr = c0 elseif i + 1 == k then prev = c0 end
end
local e = now - idx * period
if e < 0 then e = 0 end
local allowed = 0
if prev * (period - e) + (curr + cost) * period <= limit * period then
  allowed = 1
  if cost > 0 then
    redis.call('SET', KEYS[1], string.format('%.0f %.0f %.0f', idx, prev, curr + cost), 'PX', math.floor(((idx + 2) * period - now) / 1000) + 1000)
  end
end
return {allowed, idx, prev, curr, now}
