-- fixed-window: one key "index count". (a, b) = (limit, period_us). State seen: index, count.
local function fixed_window(key, now, cost, limit, period)
  local k = math.floor(now / period)
  local idx, count = k, 0
  local v = redis.call('GET', key)
  if v then
    local sp = string.find(v, ' ', 1, true)
    local i = tonumber(string.sub(v, 1, sp - 1))
    if i >= k then idx = i; count = tonumber(string.sub(v, sp + 1)) end
  end
  if count + cost <= limit then return {1, idx, count} end
  return {0, idx, count}
end

local function fixed_window_write(key, now, cost, limit, period, _, r)
  if cost > 0 then
    local idx = r[2]
    redis.call('SET', key, string.format('%.0f %.0f', idx, r[3] + cost), 'PX', math.floor(((idx + 1) * period - now) / 1000) + 1000)
  end
end
