-- sliding-log: a list of "t_us cost", oldest first.
-- ARGV: now_us ('' = server TIME), cost, limit, period_us.
-- Returns {allowed, now_us, t1, c1, t2, c2, ...}: the entries in the window before the decision.
local now
if ARGV[1] ~= '' then now = tonumber(ARGV[1]) else local t = redis.call('TIME'); now = t[1] * 1000000 + t[2] end
local cost, limit, period = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local out = {0, now}
local drop, total, newest, newest_c = 0, 0, nil, 0
for i, it in ipairs(items) do
  local sp = string.find(it, ' ', 1, true)
  local t, c = tonumber(string.sub(it, 1, sp - 1)), tonumber(string.sub(it, sp + 1))
  if t + period <= now then
    drop = i
  else
    total = total + c
    newest = t; newest_c = c
    out[#out + 1] = t
    out[#out + 1] = c
  end
end
if drop > 0 then redis.call('LTRIM', KEYS[1], drop, -1) end
if total + cost <= limit then
  out[1] = 1
  if cost > 0 then
    local t = now
    if newest and newest >= now then
      t = newest
      redis.call('LSET', KEYS[1], -1, string.format('%.0f %.0f', t, newest_c + cost))
    else
      redis.call('RPUSH', KEYS[1], string.format('%.0f %.0f', t, cost))
    end
    redis.call('PEXPIRE', KEYS[1], math.floor((t + period - now) / 1000) + 1000)
  end
end
return out
