#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_filter.py -- the cost of broker-side SQL92 filtering in pull throughput (issue 5):
one `mqbroker --all-in-one --enablePropertyFilter=true`, a backlog written with batched sends,
then `mqbench pull` (32 per request, 16 in flight) over the whole backlog without a filter and
with a SQL92 expression that every message matches (so both deliver the same messages and the
difference is the filter: decoding each record's properties and evaluating the expression),
alternated for --rounds rounds, each with a fresh consumer group.

Usage: bench_filter.py <release build dir> [--rounds 3] [--seconds 5]
Prints a markdown table (median and each round, msg/s).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "gateway", "tests"))
import it_broker  # noqa: E402

FILTERS = [("none", None), ("SQL92 `a IS NULL` (all match)", "a IS NULL"),
           ("SQL92 `a IS NULL AND (TAGS IS NULL OR TAGS <> 'x')` (all match)",
            "a IS NULL AND (TAGS IS NULL OR TAGS <> 'x')")]


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=600)
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    a = ap.parse_args()
    store = tempfile.mkdtemp(prefix="mqbench-filter-", dir="/tmp")
    p, nsport, _ = it_broker.start(os.path.join(a.build, "gateway", "mqbroker"), store,
                                   ["--flushDiskType=ASYNC_FLUSH", "--enablePropertyFilter=true"],
                                   subprocess.DEVNULL)
    mq = os.path.join(a.build, "tools", "bench", "mqbench")
    ns = "127.0.0.1:%d" % nsport
    results = {name: [] for name, _ in FILTERS}
    try:
        out = run([mq, "producer", "-n", ns, "-t", "Filter100", "-w", "2", "-B", "32", "-s",
                   "100", "-d", str(a.seconds), "-Q"])
        m = re.search(r"^\[Complete\] Send Total: (\d+)", out, re.M)
        print("# backlog: %s messages of 100 B" % (m.group(1) if m else "?"))
        for r in range(a.rounds):
            for name, expr in FILTERS:
                cmd = [mq, "pull", "-n", ns, "-t", "Filter100", "-b", "32", "-i", "16", "-g",
                       "filter%d_%d" % (r, FILTERS.index((name, expr))), "-Q"]
                if expr:
                    cmd += ["-e", expr]
                out = run(cmd)
                m = re.search(r"^\[Complete\].*Pull TPS: (\d+)", out, re.M)
                results[name].append(float(m.group(1)) if m else float("nan"))
    finally:
        p.terminate()
        p.wait(timeout=30)
        shutil.rmtree(store, ignore_errors=True)
    print("| pull, 32 per request, 16 in flight | median msg/s | rounds |")
    print("|---|---|---|")
    for name, _ in FILTERS:
        v = results[name]
        print("| %s | %.0f | %s |" % (name, statistics.median(v), " / ".join("%.0f" % x for x in v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
