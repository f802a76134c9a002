-- Several limits on one key: KEYS[i] (one hash-tag slot) with ARGV[4i] its kind (1 bucket,
-- 2 fixed window, 3 sliding window, 4 sliding log) and ARGV[4i+1..4i+3] its parameters.
-- Every limit is read before any is written; admitted only if every limit admits; a denial
-- writes nothing. Returns {admitted, now_us, n1, state seen by limit 1 (n1 integers), n2, ...}.
local kinds = {bucket, fixed_window, sliding_window, sliding_log}
local writes = {bucket_write, fixed_window_write, sliding_window_write, sliding_log_write}
local out, seen, all = {0, now}, {}, 1
for i = 1, #KEYS do
  local j = 4 * i
  local r = kinds[tonumber(ARGV[j])](KEYS[i], now, cost, tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3]))
  seen[i] = r
  if r[1] == 0 then all = 0 end
  out[#out + 1] = #r - 1
  for k = 2, #r do out[#out + 1] = r[k] end
end
if all == 1 then
  out[1] = 1
  if apply then
    for i = 1, #KEYS do
      local j = 4 * i
      writes[tonumber(ARGV[j])](KEYS[i], now, cost, tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3]), seen[i])
    end
  end
end
return out
