-- One limit: KEYS[1], ARGV[4..6] its parameters. Returns {admitted, now_us, state seen...}.
local ok, seen, write = LIMIT(KEYS[1], now, cost, tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]))
if ok and apply then write() end
local out = {ok and 1 or 0, now}
for i = 1, #seen do out[i + 2] = seen[i] end
return out
