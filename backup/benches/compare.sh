#!/usr/bin/env bash
# Throughput and memory of the `backup` example beside its peers, measured in the same run:
#   local:  `backup create` into a local store   vs `restic backup` into a local repository
#           `backup restore`                     vs `restic restore`
#   s3s-fs: `backup create` to s3s-fs            vs `rclone copy` to the same s3s-fs
#   memory: peak RSS (/usr/bin/time -v) of a 2 GiB create, local and to s3s-fs
# on one 1 GiB file and on 10,000 small files (512-8192 B in 20 directories).
#
# Run from the repository root:  bash backup/benches/compare.sh
# Needs: hyperfine, restic, rclone, python3, /usr/bin/time (apt-get install hyperfine restic
# rclone time) and s3s-fs on PATH (cargo install --locked s3s-fs --version 0.14.1 --features
# binary). Tests never need these. Environment: WORK (scratch directory, default
# /tmp/backup-bench, about 8 GiB), RUNS (hyperfine runs per command, default 3), ONLY (a
# space-separated subset of: local restore s3 rss).
set -euo pipefail

WORK=${WORK:-/tmp/backup-bench}
RUNS=${RUNS:-3}
ONLY=${ONLY:-local restore s3 rss}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$CARGO_TARGET_DIR/release/examples/backup
export RESTIC_PASSWORD=bench
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
unset AWS_CA_BUNDLE # rclone 1.60 refuses it on plain http

for tool in hyperfine restic rclone python3 s3s-fs /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)" >&2; exit 2; }
done

echo "== building the backup example (release, feature s3)"
(cd "$ROOT" && cargo build --release -q -p backup --example backup --features s3)

mkdir -p "$WORK/data" "$WORK/results"
DATA=$WORK/data
if [ ! -s "$DATA/big/big.bin" ]; then
    mkdir -p "$DATA/big"
    head -c 1073741824 /dev/urandom >"$DATA/big/big.bin"
fi
if [ ! -s "$DATA/big2/big2.bin" ]; then
    mkdir -p "$DATA/big2"
    head -c 2147483648 /dev/urandom >"$DATA/big2/big2.bin"
fi
if [ ! -d "$DATA/small/d19" ]; then
    python3 - "$DATA/small" <<'EOF'
import os, random, sys
root = sys.argv[1]
rng = random.Random(42)
for i in range(10000):
    d = os.path.join(root, "d%02d" % (i % 20))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(rng.randint(512, 8192)))
EOF
fi
BIG_BYTES=$(stat -c %s "$DATA/big/big.bin")
SMALL_BYTES=$(find "$DATA/small" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
SMALL_FILES=$(find "$DATA/small" -type f | wc -l)
echo "data: 1 file of $BIG_BYTES B; $SMALL_FILES files of $SMALL_BYTES B in total"

# hyperfine's mean seconds of command N (0-based) in a JSON export.
mean() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["mean"])' "$1" "$2"; }

# report LABEL JSON BYTES FILES OURS_NAME PEER_NAME: throughput of both and the ratio.
report() {
    local ours peer
    ours=$(mean "$2" 0)
    peer=$(mean "$2" 1)
    python3 - "$1" "$ours" "$peer" "$3" "$4" "$5" "$6" <<'EOF' | tee -a "$WORK/results/summary.txt"
import sys
label, ours, peer, nbytes, files, on, pn = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
print(f"{label}: {on} {ours:.2f} s ({nbytes/ours/1e6:.1f} MB/s, {files/ours:.0f} files/s); "
      f"{pn} {peer:.2f} s ({nbytes/peer/1e6:.1f} MB/s, {files/peer:.0f} files/s); "
      f"ratio {peer/ours:.2f}x {pn}'s throughput")
EOF
}

: >"$WORK/results/summary.txt"

if [[ " $ONLY " == *" local "* ]]; then
    for set in big small; do
        if [ $set = big ]; then bytes=$BIG_BYTES files=1; else bytes=$SMALL_BYTES files=$SMALL_FILES; fi
        hyperfine --runs "$RUNS" --export-json "$WORK/results/create-$set.json" \
            -n "backup create" --prepare "rm -rf $WORK/ours && sync" \
            "$BIN --store $WORK/ours create $DATA/$set" \
            -n "restic backup" --prepare "rm -rf $WORK/restic && restic init -q -r $WORK/restic && sync" \
            "restic -q -r $WORK/restic backup $DATA/$set"
        report "create local $set" "$WORK/results/create-$set.json" "$bytes" "$files" "backup" "restic"
    done
fi

if [[ " $ONLY " == *" restore "* ]]; then
    for set in big small; do
        if [ $set = big ]; then bytes=$BIG_BYTES files=1; else bytes=$SMALL_BYTES files=$SMALL_FILES; fi
        rm -rf "$WORK/ours-r" "$WORK/restic-r"
        name=$("$BIN" --store "$WORK/ours-r" create "$DATA/$set")
        restic init -q -r "$WORK/restic-r"
        restic -q -r "$WORK/restic-r" backup "$DATA/$set"
        hyperfine --runs "$RUNS" --export-json "$WORK/results/restore-$set.json" \
            -n "backup restore" --prepare "rm -rf $WORK/out && sync" \
            "$BIN --store $WORK/ours-r restore $name $WORK/out" \
            -n "restic restore" --prepare "rm -rf $WORK/out && sync" \
            "restic -q -r $WORK/restic-r restore latest --target $WORK/out"
        report "restore local $set" "$WORK/results/restore-$set.json" "$bytes" "$files" "backup" "restic"
        rm -rf "$WORK/out"
    done
fi

S3PID=
cleanup() { if [ -n "$S3PID" ]; then kill "$S3PID" 2>/dev/null || true; wait "$S3PID" 2>/dev/null || true; fi; }
trap cleanup EXIT
start_s3() {
    rm -rf "$WORK/s3data" && mkdir -p "$WORK/s3data/bench"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    s3s-fs --host 127.0.0.1 --port "$PORT" --access-key testing --secret-key testing "$WORK/s3data" \
        >"$WORK/results/s3s-fs.log" 2>&1 &
    S3PID=$!
    for _ in $(seq 100); do
        if (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null; then break; fi
        sleep 0.1
    done
    ENDPOINT=http://127.0.0.1:$PORT
    export RCLONE_CONFIG_S3SFS_TYPE=s3 RCLONE_CONFIG_S3SFS_PROVIDER=Other \
        RCLONE_CONFIG_S3SFS_ENDPOINT=$ENDPOINT RCLONE_CONFIG_S3SFS_FORCE_PATH_STYLE=true \
        RCLONE_CONFIG_S3SFS_REGION=us-east-1 RCLONE_CONFIG_S3SFS_ACCESS_KEY_ID=testing \
        RCLONE_CONFIG_S3SFS_SECRET_ACCESS_KEY=testing
}

if [[ " $ONLY " == *" s3 "* ]]; then
    start_s3
    for set in big small; do
        if [ $set = big ]; then bytes=$BIG_BYTES files=1; else bytes=$SMALL_BYTES files=$SMALL_FILES; fi
        # Each create gets a fresh prefix (names are per second, a store refuses a second one).
        hyperfine --runs "$RUNS" --export-json "$WORK/results/s3-$set.json" \
            -n "backup create" --prepare "rm -rf $WORK/s3data/bench/ours && sync" \
            "$BIN --endpoint $ENDPOINT --store s3://bench/ours create $DATA/$set" \
            -n "rclone copy" --prepare "rm -rf $WORK/s3data/bench/rclone && sync" \
            "rclone copy $DATA/$set s3sfs:bench/rclone"
        report "create s3s-fs $set" "$WORK/results/s3-$set.json" "$bytes" "$files" "backup" "rclone"
    done
fi

rss() { awk -F': ' '/Maximum resident set size/ {printf "%.1f MiB", $2/1024}' "$1"; }
if [[ " $ONLY " == *" rss "* ]]; then
    rm -rf "$WORK/ours-rss"
    /usr/bin/time -v -o "$WORK/results/rss-local.txt" "$BIN" --store "$WORK/ours-rss" create "$DATA/big2" >/dev/null
    rm -rf "$WORK/restic-rss" && restic init -q -r "$WORK/restic-rss"
    /usr/bin/time -v -o "$WORK/results/rss-restic.txt" restic -q -r "$WORK/restic-rss" backup "$DATA/big2"
    [ -n "$S3PID" ] || start_s3
    rm -rf "$WORK/s3data/bench/rss"
    /usr/bin/time -v -o "$WORK/results/rss-s3.txt" "$BIN" --endpoint "$ENDPOINT" --store s3://bench/rss create "$DATA/big2" >/dev/null
    /usr/bin/time -v -o "$WORK/results/rss-rclone.txt" rclone copy "$DATA/big2" s3sfs:bench/rclone-rss
    {
        echo "peak RSS, 2 GiB create: backup local $(rss "$WORK/results/rss-local.txt") (restic $(rss "$WORK/results/rss-restic.txt")); backup to s3s-fs $(rss "$WORK/results/rss-s3.txt") (rclone $(rss "$WORK/results/rss-rclone.txt"))"
    } | tee -a "$WORK/results/summary.txt"
    rm -rf "$WORK/ours-rss" "$WORK/restic-rss" "$WORK/s3data/bench/rss" "$WORK/s3data/bench/rclone-rss"
fi

echo "== summary ($WORK/results/summary.txt)"
cat "$WORK/results/summary.txt"
