-- sliding-log: a list of "t_us cost", oldest first. (a, b) = (limit, period_us).
-- State seen: t1, c1, t2, c2, ..., the entries in the window. Expired entries are trimmed
-- when an admission is written (until then they are skipped), so peeks and denials write
-- nothing.
local function sliding_log(key, now, cost, limit, period)
  local items = redis.call('LRANGE', key, 0, -1)
  local r = {0}
  local total = 0
  for _, it in ipairs(items) do
    local sp = string.find(it, ' ', 1, true)
    local t, c = tonumber(string.sub(it, 1, sp - 1)), tonumber(string.sub(it, sp + 1))
    if t + period > now then
      total = total + c
      r[#r + 1] = t
      r[#r + 1] = c
    end
  end
  if total + cost <= limit then r[1] = 1 end
  return r
end

local function sliding_log_write(key, now, cost, limit, period, _, r)
  if cost > 0 then
    local kept = (#r - 1) / 2
    if kept > 0 then redis.call('LTRIM', key, -kept, -1) else redis.call('DEL', key) end
    local t = now
    if kept > 0 and r[#r - 1] >= now then
      t = r[#r - 1]
      redis.call('LSET', key, -1, string.format('%.0f %.0f', t, r[#r] + cost))
    else
      redis.call('RPUSH', key, string.format('%.0f %.0f', t, cost))
    end
    redis.call('PEXPIRE', key, math.floor((t + period - now) / 1000) + 1000)
  end
end
