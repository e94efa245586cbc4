#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench_store.sh -- runs the store benchmark matrix of docs/benchmarks.md and prints one
# Markdown table row per run, plus the disk's own limits measured with fio in the same sitting.
#
#   tools/bench_store.sh [seconds]        (default 10 s per run; needs build/release)
#
# Before each run it writes and deletes 8 GB of scratch data (MQ_BENCH_PREWARM=0 to skip):
# on the reference VM, memory the guest has never touched costs ~10x more to fill than memory
# it has used before (0.3-0.46 GB/s against 2.3 GB/s for page-cache writes), which would
# measure the hypervisor, not the store; a broker in steady state runs on reused memory.
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-10}
BENCH=${MQ_BENCH_BIN:-build/release/tools/mqstorebench}
SCRATCH=${MQ_BENCH_DIR:-/var/tmp}
[ -x "$BENCH" ] || { echo "build first: cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release && cmake --build build/release" >&2; exit 1; }

prewarm() {
    [ "${MQ_BENCH_PREWARM:-1}" = 1 ] || return 0
    dd if=/dev/zero of="$SCRATCH/mq-prewarm" bs=1M count=8000 status=none
    rm -f "$SCRATCH/mq-prewarm"
    sync
}

row() { # label, bench args...
    label=$1
    shift
    case "$*" in
    *sync*) sync; sleep 3 ;; # let writeback and discards of earlier runs settle: fsync-bound
    *) prewarm ;;
    esac
    "$BENCH" --seconds "$SECS" --dir "$SCRATCH/mq-bench-store" --json "$@" 2>/dev/null |
        python3 -c '
import json, sys
r = json.load(sys.stdin); l = r["latency_us"]; d = r["dispatch"]
print("| %s | %d | %.1f | %.1f | %.2f / %.2f / %.1f | %.0f | %.0f |" % (
    sys.argv[1], r["msgs_per_s"], r["body_mb_per_s"], r["commitlog_mb_per_s"],
    l["p50"], l["p99"], l["p999"], d["all_dispatched_msgs_per_s"], d["lag_at_end_ms"]))' "$label"
    rm -rf "$SCRATCH/mq-bench-store"
}

echo "| run | msgs/s | body MB/s | CommitLog MB/s | put latency p50 / p99 / p999 us | dispatched msgs/s (whole run) | dispatch lag at end ms |"
echo "|---|---|---|---|---|---|---|"
row "async, 100 B, 1 queue"                      --size 100
row "async, 100 B, 10,000 queues"                --size 100 --queues 10000
row "async, 100 B, 1 queue, batch 32"            --size 100 --batch 32
row "async, 100 B, 10,000 queues, batch 32"      --size 100 --queues 10000 --batch 32
row "async, 4 KiB, 1 queue"                      --size 4096
row "async, 4 KiB, 10,000 queues"                --size 4096 --queues 10000
row "async, 100 B, 1 queue, no index"            --size 100 --no-index
row "sync, 100 B, 50 in flight"                  --size 100 --flush sync --inflight 50
row "sync, 100 B, 50 in flight, 10,000 queues"   --size 100 --flush sync --inflight 50 --queues 10000
row "sync, 100 B, 50 threads"                    --size 100 --flush sync --threads 50
row "sync, 1 KiB, 50 in flight"                  --size 1024 --flush sync --inflight 50
row "sync, 1 KiB, 200 in flight"                 --size 1024 --flush sync --inflight 200
row "sync, 1 KiB, 50 in flight, batch 16"        --size 1024 --flush sync --inflight 50 --batch 16
row "sync, 1 KiB, 50 threads"                    --size 1024 --flush sync --threads 50
row "sync, 4 KiB, 50 in flight"                  --size 4096 --flush sync --inflight 50

echo
echo "restart after a crash with ~1 GiB of CommitLog:"
prewarm
rm -rf "$SCRATCH/mq-bench-crash"
"$BENCH" --dir "$SCRATCH/mq-bench-crash" --crash-after-mb 1100 --seconds 120 2>&1 | tail -n 1 || true
"$BENCH" --dir "$SCRATCH/mq-bench-crash" --recover-only
"$BENCH" --dir "$SCRATCH/mq-bench-crash" --recover-only   # clean restart
rm -rf "$SCRATCH/mq-bench-crash"

if command -v fio >/dev/null 2>&1; then
    echo
    echo "disk limits (fio, same sitting):"
    f="$SCRATCH/mq-fio"
    fio --name=seq1m --filename="$f" --size=2G --bs=1M --rw=write --ioengine=psync \
        --fdatasync=1 --output-format=terse --minimal | awk -F';' '{printf "  sequential 1 MiB writes, fdatasync each: %.0f MB/s\n", $48/1000}'
    fio --name=w4k --filename="$f" --size=256M --bs=4k --rw=write --ioengine=psync \
        --fdatasync=1 --runtime=10 --time_based --output-format=terse --minimal |
        awk -F';' '{printf "  4 KiB writes, fdatasync each: %d IOPS (%.2f MB/s)\n", $49, $48/1000}'
    fio --name=seq --filename="$f" --size=4G --bs=1M --rw=write --ioengine=psync --end_fsync=1 \
        --output-format=terse --minimal | awk -F';' '{printf "  sequential 1 MiB buffered writes + final fsync: %.0f MB/s\n", $48/1000}'
    rm -f "$f"
fi
