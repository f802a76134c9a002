-- One limit: KEYS[1], ARGV[4..6] its parameters. Returns {admitted, state seen..., now_us}.
local a, b, c = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local r = LIMIT(KEYS[1], now, cost, a, b, c)
if r[1] == 1 and apply then LIMIT_write(KEYS[1], now, cost, a, b, c, r) end
r[#r + 1] = now
return r
