#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_kafka.py -- runs the Kafka front-end figures of docs/benchmarks.md with mqkbench.

Each round starts a fresh `mqbroker --all-in-one` with a Kafka listener (store in a temp dir
under /tmp, free ports), ASYNC_FLUSH then SYNC_FLUSH, runs every figure once and stops it.
The 10,000 msg/s latency figures run twice per flush mode: right after the 2 M-message bursts
(the broker is still writing gigabytes back) and on a fresh broker (a broker serving 10,000
msg/s). The table gives the best and the spread over the rounds, with the load average seen
before each run. It also measures the disk's own 4 KiB write + fdatasync latency in /tmp, and, with
`disklog` (built next to mqkbench), the latency of 100-byte records at 10,000/s in a log that
does nothing but append and fdatasync them with group commit: the floor for the SYNC_FLUSH
latency figure, measured the same way (per message, so a stalled fdatasync counts for every
message that waited on it).

Usage: bench_kafka.py MQBROKER MQKBENCH [--rounds 3] [-n 2000000] [--rate-n 100000]
                      [--glibc-tunables glibc.malloc.mmap_threshold=...]
  --glibc-tunables is passed to the broker as GLIBC_TUNABLES (the malloc experiment of
  docs/benchmarks.md, "Kafka front-end").
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BANNER = re.compile(r"The Kafka listener boot success: ([\d.]+:\d+)")


def start_broker(binary, store, extra, tunables=None):
    log = open(os.path.join(store, "broker.log"), "w+")
    env = dict(os.environ)
    if tunables:
        env["GLIBC_TUNABLES"] = tunables
    p = subprocess.Popen([binary, "--all-in-one", "--listenPort=0", "--namesrvListenPort=0",
                          "--listeners=PLAINTEXT://127.0.0.1:0",
                          "--storePathRootDir=" + store] + extra,
                         stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 15
    while time.time() < deadline:
        log.seek(0)
        m = BANNER.search(log.read())
        if m:
            return p, m.group(1)
        if p.poll() is not None:
            break
        time.sleep(0.1)
    p.kill()
    sys.exit("mqbroker did not start (see %s/broker.log)" % store)


def stop_broker(p):
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def run(kb, args):
    load = float(open("/proc/loadavg").read().split()[0])
    r = subprocess.run([kb] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=600)
    if r.returncode != 0:
        sys.stderr.write("%s %s failed:\n%s\n" % (os.path.basename(kb), " ".join(args), r.stdout))
    print("  [load %.2f] %s %s\n    %s" % (load, os.path.basename(kb), " ".join(args),
                                          r.stdout.strip()), flush=True)
    return r.stdout, load


def grab(pattern, text):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else float("nan")


def fdatasync_p99(directory, count=2000):
    """p50/p99 of 4 KiB write + fdatasync in directory, microseconds."""
    path = os.path.join(directory, "fdatasync.probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    buf = b"x" * 4096
    lat = []
    try:
        for _ in range(count):
            t = time.perf_counter_ns()
            os.write(fd, buf)
            os.fdatasync(fd)
            lat.append((time.perf_counter_ns() - t) / 1000.0)
    finally:
        os.close(fd)
        os.unlink(path)
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)]


def latency_runs(args, res, b, flush, when):
    for acks in (("1", "all") if flush == "ASYNC_FLUSH" else ("all",)):
        out, ld = run(args.mqkbench, ["produce", "-b", b, "-t", "krate" + acks, "-n",
                                      str(args.rate_n), "--acks", acks, "--linger", "0",
                                      "--rate", "10000"])
        res.setdefault("10k msg/s linger 0 acks=%s %s, %s: p99 (us)" % (acks, flush, when),
                       []).append((grab(r"p99=(\d+)", out), ld))
        res.setdefault("10k msg/s linger 0 acks=%s %s, %s: p50 (us)" % (acks, flush, when),
                       []).append((grab(r"p50=(\d+)", out), ld))


def one_round(args, res):
    def put(key, value, load):
        res.setdefault(key, []).append((value, load))

    n = str(args.n)
    rn = str(args.rate_n)
    for flush in ("ASYNC_FLUSH", "SYNC_FLUSH"):
        store = tempfile.mkdtemp(prefix="mqkbench-", dir="/tmp")
        p, b = start_broker(args.mqbroker, store,
                            ["--flushDiskType=" + flush] + list(args.broker_arg),
                            args.glibc_tunables)
        try:
            if flush == "ASYNC_FLUSH":
                out, ld = run(args.mqkbench, ["produce", "-b", b, "-t", "k1", "-n", n, "--acks",
                                              "1", "--linger", "5"])
                put("produce acks=1 linger 5 (msg/s)", grab(r"\| (\d+) msg/s", out), ld)
                out, ld = run(args.mqkbench, ["consume", "-b", b, "-t", "k1", "-n", n])
                put("consume (msg/s, from first message)",
                    grab(r"\| (\d+) msg/s \S+ MB/s \(from first", out), ld)
                out, ld = run(args.mqkbench, ["produce", "-b", b, "-t", "klz4", "-n", n,
                                              "--acks", "1", "--linger", "5", "--compression",
                                              "lz4"])
                put("produce acks=1 linger 5 lz4 (msg/s)", grab(r"\| (\d+) msg/s", out), ld)
            out, ld = run(args.mqkbench, ["produce", "-b", b, "-t", "kall", "-n", n, "--acks",
                                          "all", "--linger", "5"])
            put("produce acks=all linger 5, %s (msg/s)" % flush, grab(r"\| (\d+) msg/s", out),
                ld)
            latency_runs(args, res, b, flush, "after the bursts")
            # The same on a fresh broker: a broker serving 10,000 msg/s, not one still writing
            # back the gigabytes of the bursts above (both are reported).
            stop_broker(p)
            shutil.rmtree(store, ignore_errors=True)
            store = tempfile.mkdtemp(prefix="mqkbench-", dir="/tmp")
            p, b = start_broker(args.mqbroker, store,
                                ["--flushDiskType=" + flush] + list(args.broker_arg),
                                args.glibc_tunables)
            latency_runs(args, res, b, flush, "fresh broker")
            if flush == "SYNC_FLUSH":
                load = float(open("/proc/loadavg").read().split()[0])
                p50, p99 = fdatasync_p99(store)
                print("  [load %.2f] 4 KiB write+fdatasync in %s: p50 %.0f us p99 %.0f us"
                      % (load, store, p50, p99), flush=True)
                put("disk 4 KiB write+fdatasync p99 (us)", p99, load)
                disklog = os.path.join(os.path.dirname(args.mqkbench), "disklog")
                if os.path.exists(disklog):
                    out, ld = run(disklog, ["-d", store, "-r", "10000", "-n", rn])
                    put("disk group-commit log at 10k msg/s (disklog): p99 (us)",
                        grab(r"record latency n=\d+ p50=\d+ p99=(\d+)", out), ld)
                    put("disk group-commit log at 10k msg/s (disklog): p50 (us)",
                        grab(r"record latency n=\d+ p50=(\d+)", out), ld)
        finally:
            stop_broker(p)
            shutil.rmtree(store, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mqbroker")
    ap.add_argument("mqkbench")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-n", type=int, default=2000000)
    ap.add_argument("--rate-n", type=int, default=100000)
    ap.add_argument("--glibc-tunables", default=None)
    ap.add_argument("--broker-arg", action="append", default=[],
                    help="an extra mqbroker argument (repeatable), e.g. "
                         "--broker-arg=--transientStorePoolEnable=true")
    args = ap.parse_args()
    res = {}
    for r in range(args.rounds):
        print("round %d" % (r + 1), flush=True)
        one_round(args, res)
    print("\n| figure | best | rounds (load) |\n|---|---|---|")
    for key, vals in res.items():
        lower_better = "(us)" in key
        best = (min if lower_better else max)(v for v, _ in vals)
        print("| %s | %.0f | %s |" % (key, best,
                                      ", ".join("%.0f (%.1f)" % (v, ld) for v, ld in vals)))


if __name__ == "__main__":
    main()
