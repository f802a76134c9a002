-- ARGV[1]: now in us ('' = the server's TIME), ARGV[2]: cost, ARGV[3]: '1' to consume, '0' to peek.
local now
if ARGV[1] ~= '' then now = tonumber(ARGV[1]) else local t = redis.call('TIME'); now = t[1] * 1000000 + t[2] end
local cost, apply = tonumber(ARGV[2]), ARGV[3] == '1'
-- Each limit below is two functions: X(key, now, cost, a, b, c) reads and decides, returning
-- r = {1 or 0 (admitted), the state it saw...} (integers, from which the client recomputes
-- the decision); X_write(key, now, cost, a, b, c, r) stores the admission.
