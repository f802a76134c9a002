-- sliding-log: a list of "t_us cost", oldest first. (a, b) = (limit, period_us).
-- State seen: {t1, c1, t2, c2, ...}, the entries in the window. Expired entries are trimmed
-- when an admission is written (until then they are skipped), so peeks and denials write
-- nothing.
local function sliding_log(key, now, cost, limit, period)
  local items = redis.call('LRANGE', key, 0, -1)
  local seen = {}
  local drop, total, newest, newest_c = 0, 0, nil, 0
  for i, it in ipairs(items) do
    local sp = string.find(it, ' ', 1, true)
    local t, c = tonumber(string.sub(it, 1, sp - 1)), tonumber(string.sub(it, sp + 1))
    if t + period <= now then
      drop = i
    else
      total = total + c
      newest = t; newest_c = c
      seen[#seen + 1] = t
      seen[#seen + 1] = c
    end
  end
  return total + cost <= limit, seen, function()
    if cost > 0 then
      if drop > 0 then redis.call('LTRIM', key, drop, -1) end
      local t = now
      if newest and newest >= now then
        t = newest
        redis.call('LSET', key, -1, string.format('%.0f %.0f', t, newest_c + cost))
      else
        redis.call('RPUSH', key, string.format('%.0f %.0f', t, cost))
      end
      redis.call('PEXPIRE', key, math.floor((t + period - now) / 1000) + 1000)
    end
  end
end
