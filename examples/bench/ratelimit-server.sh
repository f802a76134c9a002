#!/usr/bin/env bash
# Throughput and p99 latency of ratelimit-server under wrk on loopback, with limiting off, on in
# memory and on Redis, measured in the same run on the same route.
#
#   bash examples/bench/ratelimit-server.sh [ROUNDS] [DURATION]     (defaults: 9 rounds of 3s)
#
# The fair comparison: three server processes with the same limits file, the same route
# (`/bench`, one rule, key = client IP, a limit no run reaches so every request is admitted and
# gets its RateLimit headers) and the same wrk load (-t2 -c32, HTTP/1.1 keep-alive):
#   off    --limiting off          the route answers 200 without deciding (the baseline)
#   memory limiting on, in memory  (the goal: at least 0.90x of off)
#   redis  limiting on, --redis    a local redis-server on a unix socket
# The rounds interleave the three (off, memory, redis, off, ...) so that a machine whose load
# changes during the run affects all three alike; the script prints each run and then, per
# mode, the median requests/s, the median p99 latency and the ratio of the medians to off, and
# the paired ratio: the median over rounds of each round's ratio to the off run just before it
# (steadier where the machine's speed drifts between rounds: a VM sharing its host).
# On a machine shared with other work, requests/s moves with the load; the server's own CPU time
# per request (user + system, from /proc, over each run) is printed too: it is the cost that
# limiting adds, and at saturation throughput is inversely proportional to it.
# Needs wrk and redis-server (Debian: apt-get install wrk redis-server). BIN=path skips the build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

rounds="${1:-9}"
duration="${2:-3s}"
threads="${THREADS:-2}"
connections="${CONNECTIONS:-32}"
for tool in wrk redis-server; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found: apt-get install $tool" >&2; exit 1; }
done

if [ -z "${BIN:-}" ]; then
    cargo build --quiet --release -p examples --bin ratelimit-server
    BIN="${CARGO_TARGET_DIR:-target}/release/ratelimit-server"
fi

tmp="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/limits.yaml" <<'YAML'
rules:
  - name: bench
    route: /bench
    algorithm: gcra
    limit: 1000000000
    period: 1s
    key: client-ip
YAML

redis-server --port 0 --save '' --appendonly no --unixsocket "$tmp/redis.sock" --dir "$tmp" \
    >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$tmp/redis.sock" ] && break; sleep 0.05; done

# start NAME ARGS...: starts a server on a free port, sets ADDR_<NAME>.
start() {
    local name="$1"; shift
    "$BIN" --config "$tmp/limits.yaml" --listen 127.0.0.1:0 "$@" 2>"$tmp/$name.log" &
    pids+=($!)
    for _ in $(seq 200); do
        if grep -q 'listening on' "$tmp/$name.log"; then break; fi
        sleep 0.05
    done
    local addr
    addr="$(sed -n 's/^ratelimit-server: listening on //p' "$tmp/$name.log")"
    [ -n "$addr" ] || { echo "error: $name did not start: $(cat "$tmp/$name.log")" >&2; exit 1; }
    printf -v "ADDR_$name" '%s' "$addr"
    printf -v "PID_$name" '%s' "${pids[-1]}"
}

# cpu_ticks PID: user + system CPU time of the process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
start off --limiting off
start memory
start redis --redis "redis+unix://$tmp/redis.sock"

# Every mode answers /bench with 200; limiting on adds the RateLimit headers.
for m in off memory redis; do
    addr_var="ADDR_$m"
    head="$(curl -s -D - -o /dev/null "http://${!addr_var}/bench" 2>/dev/null || true)"
    case "$head" in *" 200"*) ;; *) echo "error: $m: /bench did not answer 200" >&2; exit 1 ;; esac
done

# wrk's p99 in microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n *= 1; else if (u == "ms") n *= 1000; else if (u == "s") n *= 1000000
        printf "%.0f", n }'
}

printf '%-7s %-6s %12s %10s %12s\n' round mode req/s p99_us cpu_us/req
for r in $(seq "$rounds"); do
    for m in off memory redis; do
        addr_var="ADDR_$m"
        pid_var="PID_$m"
        before="$(cpu_ticks "${!pid_var}")"
        out="$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://${!addr_var}/bench")"
        after="$(cpu_ticks "${!pid_var}")"
        rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
        n="$(awk '/requests in/ {print $1}' <<<"$out")"
        cpu="$(awk -v t="$((after - before))" -v hz="$hz" -v n="$n" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')"
        p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
        non2xx="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
        [ -z "$non2xx" ] || { echo "error: $m answered $non2xx non-2xx responses" >&2; exit 1; }
        printf '%-7s %-6s %12.0f %10s %12s\n' "$r" "$m" "$rps" "$(to_us "$p99")" "$cpu"
        echo "$m $rps $(to_us "$p99") $cpu" >>"$tmp/results"
    done
done

median() { sort -n | awk '{a[NR] = $1} END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
off_rps="$(awk '$1 == "off" {print $2}' "$tmp/results" | median)"
off_cpu="$(awk '$1 == "off" {print $4}' "$tmp/results" | median)"
echo
printf '%-7s %12s %8s %10s %12s %8s\n' mode median_rps vs_off p99_us cpu_us/req vs_off
for m in off memory redis; do
    rps="$(awk -v m="$m" '$1 == m {print $2}' "$tmp/results" | median)"
    p99="$(awk -v m="$m" '$1 == m {print $3}' "$tmp/results" | median)"
    cpu="$(awk -v m="$m" '$1 == m {print $4}' "$tmp/results" | median)"
    printf '%-7s %12.0f %7.2fx %10.0f %12.2f %7.2fx\n' "$m" "$rps" \
        "$(awk -v a="$rps" -v b="$off_rps" 'BEGIN {print a / b}')" "$p99" "$cpu" \
        "$(awk -v a="$cpu" -v b="$off_cpu" 'BEGIN {print a / b}')"
done
echo
printf '%-7s %14s %14s\n' mode paired_rps paired_cpu
for m in memory redis; do
    # Each round's ratio to that round's off run, then the median of the ratios.
    pair="$(awk -v m="$m" '$1 == "off" {r = $2; c = $4} $1 == m {print $2 / r, $4 / c}' "$tmp/results")"
    printf '%-7s %13.3fx %13.3fx\n' "$m" "$(cut -d' ' -f1 <<<"$pair" | median)" \
        "$(cut -d' ' -f2 <<<"$pair" | median)"
done
