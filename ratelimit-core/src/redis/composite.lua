-- Several limits on one key: KEYS[i] (one hash-tag slot) with ARGV[4i] its kind (1 bucket,
-- 2 fixed window, 3 sliding window, 4 sliding log) and ARGV[4i+1..4i+3] its parameters.
-- Admitted only if every limit admits; a denial writes nothing.
-- Returns {admitted, now_us, n1, state seen by limit 1 (n1 integers), n2, ...}.
local kinds = {bucket, fixed_window, sliding_window, sliding_log}
local out, writes, all = {0, now}, {}, true
for i = 1, #KEYS do
  local j = 4 * i
  local ok, seen, write = kinds[tonumber(ARGV[j])](KEYS[i], now, cost, tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3]))
  all = all and ok
  writes[i] = write
  out[#out + 1] = #seen
  for k = 1, #seen do out[#out + 1] = seen[k] end
end
if all then
  out[1] = 1
  if apply then for i = 1, #writes do writes[i]() end end
end
return out
