-- gcra / token-bucket / leaky-bucket: one key "last_us debt", debt in ticks of 1/s us.
-- ARGV: now_us ('' = server TIME), cost, s, p, cap.  Returns {allowed, debt_before, now_us}.
local now
if ARGV[1] ~= '' then now = tonumber(ARGV[1]) else local t = redis.call('TIME'); now = t[1] * 1000000 + t[2] end
local cost, s, p, cap = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local debt = 0
local v = redis.call('GET', KEYS[1])
if v then
  local sp = string.find(v, ' ', 1, true)
  debt = tonumber(string.sub(v, sp + 1)) - (now - tonumber(string.sub(v, 1, sp - 1))) * s
  if debt < 0 then debt = 0 end
end
local allowed = 0
if cost * p <= cap and debt + cost * p <= cap then
  allowed = 1
  local nd = debt + cost * p
  if nd > 0 then
    redis.call('SET', KEYS[1], string.format('%.0f %.0f', now, nd), 'PX', math.floor(nd / s / 1000) + 1000)
  end
end
return {allowed, debt, now}
