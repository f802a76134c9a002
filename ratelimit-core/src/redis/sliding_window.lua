-- sliding-window: one key "index prev curr". (a, b) = (limit, period_us).
-- State seen: index, prev, curr.
local function sliding_window(key, now, cost, limit, period)
  local k = math.floor(now / period)
  local idx, prev, curr = k, 0, 0
  local v = redis.call('GET', key)
  if v then
    local a = string.find(v, ' ', 1, true)
    local b = string.find(v, ' ', a + 1, true)
    local i, p0, c0 = tonumber(string.sub(v, 1, a - 1)), tonumber(string.sub(v, a + 1, b - 1)), tonumber(string.sub(v, b + 1))
    if i >= k then idx = i; prev = p0; curr = c0 elseif i + 1 == k then prev = c0 end
  end
  local e = now - idx * period
  if e < 0 then e = 0 end
  if prev * (period - e) + (curr + cost) * period <= limit * period then return {1, idx, prev, curr} end
  return {0, idx, prev, curr}
end

local function sliding_window_write(key, now, cost, limit, period, _, r)
  if cost > 0 then
    local idx = r[2]
    redis.call('SET', key, string.format('%.0f %.0f %.0f', idx, r[3], r[4] + cost), 'PX', math.floor(((idx + 2) * period - now) / 1000) + 1000)
  end
end
