-- gcra / token-bucket / leaky-bucket: one key "last_us debt", debt in ticks of 1/s us.
-- (a, b, c) = (s, p, cap). State seen: debt.
local function bucket(key, now, cost, s, p, cap)
  local debt = 0
  local v = redis.call('GET', key)
  if v then
    local sp = string.find(v, ' ', 1, true)
    debt = tonumber(string.sub(v, sp + 1)) - (now - tonumber(string.sub(v, 1, sp - 1))) * s
    if debt < 0 then debt = 0 end
  end
  if cost * p <= cap and debt + cost * p <= cap then return {1, debt} end
  return {0, debt}
end

local function bucket_write(key, now, cost, s, p, cap, r)
  local nd = r[2] + cost * p
  if nd > 0 then
    redis.call('SET', key, string.format('%.0f %.0f', now, nd), 'PX', math.floor(nd / s / 1000) + 1000)
  end
end
