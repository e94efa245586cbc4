#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_mqbench.py -- smoke test of mqbench against `mqbroker --all-in-one` on loopback.

Runs every mode for a second or two and checks that its output lines parse and that what it
counted is what the broker holds: the producer's totals equal the queues' max offsets, the pull
mode reads exactly that many messages, the push consumer receives them, every held pull of the
wakeup mode is woken by its send, and rtt completes its calls.
Usage: it_mqbench.py path/to/mqbroker path/to/mqbench. Prints "N passed, N failed".
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "gateway", "tests"))
import it_namesrv  # noqa: E402  (Remoting client, check counters)
from it_namesrv import Remoting, check  # noqa: E402
from it_broker import start, stop  # noqa: E402

TOPIC = "BenchSmoke"
LIVE_SEND = re.compile(r"^Current Time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| Send TPS: (\d+) \| "
                       r"Max RT\(ms\): (\d+) \| Average RT\(ms\): +([\d.]+) \| Send Failed: (\d+) \| "
                       r"Response Failed: (\d+)$", re.M)
DONE_SEND = re.compile(r"^\[Complete\] Send Total: (\d+) \| Send TPS: (\d+) \| Max RT\(ms\): (\d+) \| "
                       r"Average RT\(ms\): +([\d.]+) \| Send Failed: (\d+) \| Response Failed: (\d+)$",
                       re.M)
LIVE_CONSUME = re.compile(r"^Current Time: [\d :,-]+ \| Consume TPS: (\d+) \| Average\(B2C\) RT\(ms\): "
                          r"+([\d.]+) \| Average\(S2C\) RT\(ms\): +([\d.]+) \| Max\(B2C\) RT\(ms\): "
                          r"(\d+) \| Max\(S2C\) RT\(ms\): (\d+)$", re.M)


def ok(cond, what):
    check(cond, what)
    if cond:
        print("ok:", what, flush=True)
    return cond


def pcts(label, out):
    """{p50, p99, p999, max, samples} from a "<label> RT(us): ..." line, or None."""
    m = re.search(r"^%s RT\(us\): p50 ([\d.]+) \| p99 ([\d.]+) \| p999 ([\d.]+) \| max ([\d.]+) \| "
                  r"samples (\d+)$" % re.escape(label), out, re.M)
    if not m:
        return None
    return {"p50": float(m.group(1)), "p99": float(m.group(2)), "p999": float(m.group(3)),
            "max": float(m.group(4)), "samples": int(m.group(5))}


def sane(p):
    return p is not None and p["samples"] > 0 and 0 < p["p50"] <= p["p99"] <= p["p999"] <= p["max"]


def run(bench, args, timeout=60):
    env = dict(os.environ)
    env.pop("NAMESRV_ADDR", None)
    r = subprocess.run([bench] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, env=env)
    sys.stdout.write("$ mqbench %s -> %d\n%s" % (" ".join(args), r.returncode,
                                                 "".join("  | " + line + "\n"
                                                         for line in r.stdout.splitlines()[-6:])))
    if r.stderr.strip():
        sys.stdout.write("  stderr: %s\n" % r.stderr.strip()[-500:])
    return r.returncode, r.stdout


def max_offsets(port):
    c = Remoting(port)
    total = 0
    for q in range(4):
        h, _ = c.call(30, {"topic": TOPIC, "queueId": q})
        total += int(h.get("extFields", {}).get("offset", 0))
    c.close()
    return total


def main():
    broker, bench = sys.argv[1], sys.argv[2]
    store = tempfile.mkdtemp(prefix="it-mqbench-")
    p = None
    try:
        p, nsport, bkport = start(broker, store)
        ns = "127.0.0.1:%d" % nsport

        rc, _ = run(bench, ["producer"])
        ok(rc == 2, "producer without a NameServer is refused (exit 2)")

        # sync sends: 2 threads for 2 s
        rc, out = run(bench, ["producer", "-n", ns, "-t", TOPIC, "-w", "2", "-s", "100", "-d", "2"])
        live = LIVE_SEND.findall(out)
        done = DONE_SEND.search(out)
        ok(rc == 0 and len(live) >= 1 and int(live[0][0]) > 0,
           "sync producer prints live lines with Send TPS > 0: %s" % live[:2])
        ok(done is not None and int(done.group(1)) > 0 and done.group(5) == "0" and
           done.group(6) == "0", "sync producer summary, no failures")
        ok(sane(pcts("Send", out)), "sync send percentiles parse and are ordered: %s"
           % pcts("Send", out))
        sync_total = int(done.group(1)) if done else 0

        # async sends: a fixed count with 64 in flight
        rc, out = run(bench, ["producer", "-n", ns, "-t", TOPIC, "-a", "-i", "64", "-s", "1024",
                              "-c", "5000"])
        done = DONE_SEND.search(out)
        ok(rc == 0 and done is not None and done.group(1) == "5000" and done.group(5) == "0"
           and done.group(6) == "0", "async producer sends exactly -c 5000, no failures")
        ok(sane(pcts("Send", out)) and pcts("Send", out)["samples"] == 5000,
           "async send latency recorded for every send")

        total = max_offsets(bkport)
        ok(total == sync_total + 5000,
           "the broker holds what the producer counted: %d == %d + 5000" % (total, sync_total))

        # pull: every message from offset 0 to the end, 32 per pull
        rc, out = run(bench, ["pull", "-n", ns, "-t", TOPIC, "-b", "32"])
        m = re.search(r"^\[Complete\] Pull Total: (\d+) \| Pull TPS: (\d+) \| Pulls: (\d+) \| "
                      r"Average Batch: ([\d.]+) \| MB/s: ([\d.]+) \| Errors: (\d+)", out, re.M)
        ok(rc == 0 and m is not None and int(m.group(1)) == total and int(m.group(2)) > 0,
           "pull reads every stored message: %s of %d" % (m.group(1) if m else None, total))
        ok(m is not None and 1 < float(m.group(4)) <= 32 and m.group(6) == "0",
           "pull batches of at most 32, no errors")

        # the same with 8 raw pulls in flight on one connection
        rc, out = run(bench, ["pull", "-n", ns, "-t", TOPIC, "-b", "32", "-i", "8"])
        m = re.search(r"^\[Complete\] Pull Total: (\d+) \| Pull TPS: (\d+) \| Pulls: (\d+) \| "
                      r"Average Batch: ([\d.]+) \| MB/s: ([\d.]+) \| Errors: (\d+)", out, re.M)
        ok(rc == 0 and m is not None and int(m.group(1)) == total and m.group(6) == "0",
           "pipelined pull (-i 8) reads every stored message once: %s of %d"
           % (m.group(1) if m else None, total))
        ok("inflight: 8" in out and sane(pcts("Pull", out)), "pipelined pull percentiles")

        # push consumer from the first offset until it has seen them all
        rc, out = run(bench, ["consumer", "-n", ns, "-t", TOPIC, "-g", "bench_smoke", "-f",
                              "-c", str(total), "-d", "20"])
        m = re.search(r"^\[Complete\] Consume Total: (\d+) \| Consume TPS: (\d+)", out, re.M)
        ok(rc == 0 and m is not None and int(m.group(1)) >= total,
           "push consumer receives every message: %s of %d" % (m.group(1) if m else None, total))
        ok(pcts("S2C", out) is not None and pcts("S2C", out)["samples"] >= total,
           "store-to-consume percentiles parse")
        # a second group for a fixed 2 s: live lines every second, stops on -d
        rc, out = run(bench, ["consumer", "-n", ns, "-t", TOPIC, "-g", "bench_smoke2", "-f",
                              "-d", "2"])
        live = LIVE_CONSUME.findall(out)
        m = re.search(r"^\[Complete\] Consume Total: (\d+)", out, re.M)
        ok(rc == 0 and len(live) >= 1 and m is not None and int(m.group(1)) == total,
           "consumer -d 2: %d live lines, total %s of %d" % (len(live), m.group(1) if m else None,
                                                             total))
        ok(sum(int(x[0]) for x in live) > 0, "live Consume TPS counts the messages")

        # long-poll wake-up
        rc, out = run(bench, ["wakeup", "-n", ns, "-t", TOPIC, "-c", "50", "-q", "1"])
        m = re.search(r"^\[Complete\] Wakeups: (\d+) \| Empty: (\d+)", out, re.M)
        ok(rc == 0 and m is not None and m.group(1) == "50" and m.group(2) == "0",
           "wakeup: all 50 held pulls woken by their send")
        w = pcts("Wakeup", out)
        ok(w is not None and w["samples"] == 50 and w["p50"] <= w["p99"] < 1e6,
           "wakeup percentiles parse: %s" % w)
        ok(max_offsets(bkport) == total + 51, "wakeup sent 1 + 50 messages")

        # loopback round trip, by address and through the NameServer
        rc, out = run(bench, ["rtt", "-a", "127.0.0.1:%d" % bkport, "-c", "2000", "-t", TOPIC])
        m = re.search(r"^\[Complete\] Calls: (\d+) \| Calls/s: (\d+) \| Failed: (\d+)", out, re.M)
        ok(rc == 0 and m is not None and m.group(1) == "2000" and m.group(3) == "0",
           "rtt: 2000 GET_MAX_OFFSET calls")
        ok(sane(pcts("RTT", out)), "rtt percentiles: %s" % pcts("RTT", out))
        rc, out = run(bench, ["rtt", "-n", ns, "-t", TOPIC, "-c", "100"])
        ok(rc == 0 and (":%d " % bkport) in out,
           "rtt finds the broker through the NameServer")
    finally:
        if p is not None:
            stop(p)
        shutil.rmtree(store, ignore_errors=True)
    print("it_mqbench: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
