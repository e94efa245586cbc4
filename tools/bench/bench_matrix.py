#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_matrix.py -- runs the mqbench figures of docs/benchmarks.md and prints their medians.

Each round starts a fresh `mqbroker --all-in-one` (ASYNC_FLUSH, store in a temp dir under /tmp,
free ports), runs every measurement once, and stops it; the table gives the median over the
rounds plus each round's value, with the load average seen before each run (the figures are
only comparable on an otherwise idle machine).

Usage: bench_matrix.py BUILD_DIR [--rounds 3] [--seconds 5]
  BUILD_DIR holds gateway/mqbroker and tools/bench/mqbench (a Release build, e.g.
  cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF).
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "gateway",
                                "tests"))
import it_broker  # noqa: E402  (starts mqbroker --all-in-one and reads its banners)

PCT = r"RT\(us\): p50 ([\d.]+) \| p99 ([\d.]+) \| p999 ([\d.]+)"


def start_broker(binary, store):
    return it_broker.start(binary, store, ["--flushDiskType=ASYNC_FLUSH"], subprocess.DEVNULL)


def bench(mqbench, args):
    load = open("/proc/loadavg").read().split()[0]
    r = subprocess.run([mqbench] + args + ["-Q"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=300)
    if r.returncode != 0:
        sys.stderr.write("mqbench %s failed:\n%s\n" % (" ".join(args), r.stdout))
    return r.stdout, float(load)


def grab(pattern, text, group=1):
    m = re.search(pattern, text, re.M)
    return float(m.group(group)) if m else float("nan")


def one_round(build, secs, results):
    store = tempfile.mkdtemp(prefix="mqbench-matrix-", dir="/tmp")
    p, nsport, bkport = start_broker(os.path.join(build, "gateway", "mqbroker"), store)
    mq = os.path.join(build, "tools", "bench", "mqbench")
    ns = "127.0.0.1:%d" % nsport
    d = str(secs)

    def put(key, value, load):
        results.setdefault(key, []).append((value, load))

    try:
        out, ld = bench(mq, ["producer", "-n", ns, "-t", "Sync100", "-w", "1", "-s", "100", "-d", d])
        put("sync send 100 B, 1 thread: p50 (us)", grab("^Send " + PCT, out, 1), ld)
        put("sync send 100 B, 1 thread: p99 (us)", grab("^Send " + PCT, out, 2), ld)
        put("sync send 100 B, 1 thread: msg/s", grab(r"^\[Complete\].*Send TPS: (\d+)", out), ld)
        for size, name in ((100, "100 B"), (1024, "1 KiB")):
            out, ld = bench(mq, ["producer", "-n", ns, "-t", "Async%d" % size, "-a", "-i", "64",
                                 "-s", str(size), "-d", d])
            put("async send %s, 64 in flight: msg/s" % name,
                grab(r"^\[Complete\].*Send TPS: (\d+)", out), ld)
        out, ld = bench(mq, ["producer", "-n", ns, "-t", "Batch100", "-w", "2", "-B", "32", "-s",
                             "100", "-d", d])
        put("batch send 100 B x 32, 2 threads: msg/s",
            grab(r"^\[Complete\].*Send TPS: (\d+)", out), ld)
        out, ld = bench(mq, ["wakeup", "-n", ns, "-t", "Wake", "-c", "1000"])
        put("long-poll wake-up (ack -> pull): p50 (us)", grab("^Wakeup " + PCT, out, 1), ld)
        put("long-poll wake-up (ack -> pull): p99 (us)", grab("^Wakeup " + PCT, out, 2), ld)
        put("long-poll wake-up (send -> pull): p99 (us)",
            grab("^Send-to-arrival " + PCT, out, 2), ld)
        for inflight in (1, 16):
            out, ld = bench(mq, ["pull", "-n", ns, "-t", "Batch100", "-b", "32", "-i",
                                 str(inflight), "-g", "matrix%d" % inflight])
            put("pull 32/request, %d in flight: msg/s" % inflight,
                grab(r"^\[Complete\].*Pull TPS: (\d+)", out), ld)
        out, ld = bench(mq, ["rtt", "-a", "127.0.0.1:%d" % bkport, "-t", "Sync100", "-c",
                             "20000"])
        put("loopback RTT (GET_MAX_OFFSET): p50 (us)", grab("^RTT " + PCT, out, 1), ld)
        put("loopback RTT (GET_MAX_OFFSET): p99 (us)", grab("^RTT " + PCT, out, 2), ld)
    finally:
        p.terminate()
        p.wait(timeout=30)
        shutil.rmtree(store, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    a = ap.parse_args()
    results = {}
    for r in range(a.rounds):
        one_round(a.build, a.seconds, results)
        time.sleep(1)
    print("| figure | median | rounds | load avg |")
    print("|---|---|---|---|")
    for key, vals in results.items():
        nums = [v for v, _ in vals]
        print("| %s | %.0f | %s | %s |" % (key, statistics.median(nums),
                                           " / ".join("%.0f" % v for v in nums),
                                           " / ".join("%.1f" % ld for _, ld in vals)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
