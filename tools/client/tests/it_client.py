#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_client.py -- integration test of libmqclient through its CLIs (mqproduce, mqconsume)
against a real `mqbroker --all-in-one` on loopback.

Checks: sync / async / one-way / batch sends land (counts, consecutive queue offsets, read back
with raw pulls); sends with a key all hit the queue Java's hash picks; two clustering consumers
split the queues (each queue owned by one, every message consumed once), and when one shuts
down the other takes every queue and consumes the rest without duplicates; two broadcasting
consumers each get every message; the pull consumer filters by tag and resumes from committed
offsets; a message the listener refuses comes again; a group's committed offsets survive a broker restart (only
the new messages are delivered, none twice).
Usage: it_client.py mqbroker mqproduce mqconsume. Prints "N passed, N failed"; exits 1 on a
failure.
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "gateway", "tests"))
import it_namesrv  # noqa: E402  (Remoting client, check counters)
import it_broker  # noqa: E402  (broker start/stop, pulls, record decoding)
from it_namesrv import Remoting, check, wait_for  # noqa: E402

BROKER = PRODUCE = CONSUME = None
SANITIZER = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:")


def produce(ns, topic, count, mode="sync", key=None, tag=None, prefix="m-", batch=None, size=0,
            env_ns=False):
    """env_ns: give the NameServer through NAMESRV_ADDR instead of -n, as RocketMQ users do."""
    args = [PRODUCE, "-t", topic, "-c", str(count), "-m", mode,
            "-p", prefix, "-g", "pg_it", "-s", str(size)]
    env = dict(os.environ)
    if env_ns:
        env["NAMESRV_ADDR"] = "127.0.0.1:%d" % ns
    else:
        args[1:1] = ["-n", "127.0.0.1:%d" % ns]
    if key:
        args += ["-k", key]
    if tag:
        args += ["-T", tag]
    if batch:
        args += ["-b", str(batch)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    check(r.returncode == 0, "mqproduce %s %s: rc %d %s" % (mode, topic, r.returncode,
                                                             r.stderr[-500:]))
    check(not SANITIZER.search(r.stderr), "no sanitizer report from mqproduce: %s" %
          r.stderr[-2000:])
    sent = []
    for line in r.stdout.splitlines():
        f = line.split()
        if f and f[0] == "SEND_OK":
            sent.append({"msgId": f[1], "offsetMsgId": f[2], "broker": f[3], "queueId": int(f[4]),
                         "queueOffset": int(f[5])})
    check(("sent %d failed 0" % count) in r.stdout, "%s: all %d sent: %s" %
          (mode, count, r.stdout.splitlines()[-1:] if r.stdout else r.stderr[-300:]))
    return sent


class Consumer:
    """An mqconsume process whose output lines are collected by a thread."""

    def __init__(self, ns, topic, group, extra=()):
        self.p = subprocess.Popen([CONSUME, "-n", "127.0.0.1:%d" % ns, "-t", topic, "-g", group,
                                   "-w", "120", "-r", "1000"] + list(extra),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.msgs = []      # (queueId, offset, msgId, tags, keys, body)
        self.assigned = []  # successive ASSIGNED sets
        self.retries = []   # (queueId, offset) of refused deliveries
        self.done = None
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            f = line.rstrip("\n").split(" ", 5)
            with self.lock:
                if f[0] == "RETRY":
                    self.retries.append((int(f[1]), int(f[2]), f[3] if len(f) > 3 else ""))
                elif f[0] == "ASSIGNED":
                    self.assigned.append(set(f[1:]))
                elif f[0] == "consumed":
                    self.done = int(f[1])
                elif len(f) == 6:
                    self.msgs.append((int(f[0]), int(f[1]), f[2], f[3], f[4], f[5]))

    def bodies(self):
        with self.lock:
            return [m[5] for m in self.msgs]

    def queues_now(self):
        with self.lock:
            return self.assigned[-1] if self.assigned else set()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            check(False, "mqconsume stops on SIGTERM")
        self.t.join(timeout=5)
        err = self.p.stderr.read()
        check(not SANITIZER.search(err), "no sanitizer report from mqconsume: %s" % err[-2000:])
        return self.p.returncode


def committed_total(c, group, topic, queues=4):
    """Sum of a group's committed offsets over a topic's queues (QUERY_CONSUMER_OFFSET)."""
    total = 0
    for qid in range(queues):
        h, _ = c.call(14, {"consumerGroup": group, "topic": topic, "queueId": qid})
        if h["code"] == 0:
            total += int(h["extFields"]["offset"])
    return total


def max_offset(c, topic, qid):
    h, _ = c.call(30, {"topic": topic, "queueId": qid})
    return int(h["extFields"]["offset"])


def test_sends(ns, bk):
    sent = produce(ns, "CtSend", 10, "sync", tag="TagS", prefix="sync-")
    check(len(sent) == 10, "sync: ten results")
    per_q = {}
    for s in sent:
        per_q.setdefault(s["queueId"], []).append(s["queueOffset"])
    check(len(per_q) == 4, "round robin over the four queues: %s" % per_q)
    check(all(v == list(range(len(v))) for v in per_q.values()),
          "consecutive offsets per queue: %s" % per_q)
    check(all(len(s["msgId"]) == 32 and len(s["offsetMsgId"]) == 32 for s in sent), "ids")
    produce(ns, "CtSend", 10, "async", prefix="async-")
    produce(ns, "CtSend", 10, "oneway", prefix="oneway-", env_ns=True)
    bs = produce(ns, "CtSend", 10, "batch", batch=5, prefix="batch-")
    check(len(bs) == 2, "two batches of five")
    c = Remoting(bk)
    # one-way sends have no reply: wait until all forty are visible in the queues
    wait_for(lambda: sum(max_offset(c, "CtSend", q) for q in range(4)) >= 40, 10)
    total, bodies = 0, []
    for q in range(4):
        total += max_offset(c, "CtSend", q)
        h, body = it_broker.pull(c, "CtSend", q, 0, max_msgs=64)
        recs = it_broker.decode_records(body) if h["code"] == 0 else []
        check([r["queueOffset"] for r in recs] == list(range(len(recs))), "queue %d dense" % q)
        bodies += [r["body"].decode() for r in recs]
    check(total == 40, "forty messages stored: %d" % total)
    for kind in ("sync", "async", "oneway", "batch"):
        got = sorted(b for b in bodies if b.startswith(kind + "-"))
        check(got == sorted("%s-%d" % (kind, i) for i in range(10)), "%s bodies: %s" %
              (kind, got))
    for s in sent:  # the sync results point at the right records
        h, body = it_broker.pull(c, "CtSend", s["queueId"], s["queueOffset"], max_msgs=1)
        r = it_broker.decode_records(body)
        check(r and r[0]["props"].get("UNIQ_KEY") == s["msgId"] and
              r[0]["props"].get("TAGS") == "TagS", "result %s matches its record" % s)
    for b in bs:
        h, body = it_broker.pull(c, "CtSend", b["queueId"], b["queueOffset"], max_msgs=5)
        r = it_broker.decode_records(body)
        check([x["body"] for x in r][:1] and r[0]["props"].get("UNIQ_KEY") == b["msgId"],
              "batch result points at its first message")
    # by key: every message on the queue Java picks (Math.abs("order-42".hashCode() % 4) == 1)
    ks = produce(ns, "CtSend", 6, "sync", key="order-42", prefix="key-")
    check(ks and all(s["queueId"] == 1 for s in ks), "key order-42 -> queue 1: %s" %
          [s["queueId"] for s in ks])
    ks = produce(ns, "CtSend", 3, "sync", key="zzzzzzzzzz", prefix="key2-")
    check(ks and all(s["queueId"] == 0 for s in ks), "negative hash key -> queue 0")
    # a dead NameServer first in the list is skipped
    r = subprocess.run([PRODUCE, "-n", "127.0.0.1:1;127.0.0.1:%d" % ns, "-t", "CtSend", "-c", "2",
                        "-p", "ns2-"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "sent 2 failed 0" in r.stdout, "second NameServer used: %s %s"
          % (r.stdout[-200:], r.stderr[-300:]))
    # a body over max_message_size (4 MiB) is refused before it is sent
    r = subprocess.run([PRODUCE, "-n", "127.0.0.1:%d" % ns, "-t", "CtSend", "-c", "1", "-s",
                        str(4 * 1024 * 1024 + 1)], capture_output=True, text=True, timeout=60)
    check(r.returncode == 1 and "sent 0 failed 1" in r.stdout and "too large" in r.stderr,
          "oversized body refused: %s %s" % (r.stdout[-200:], r.stderr[-300:]))
    # a large body is compressed by the producer and inflated by the consumer
    big = produce(ns, "CtBig", 2, "sync", prefix="big-", size=20000)
    h, body = it_broker.pull(c, "CtBig", big[0]["queueId"], big[0]["queueOffset"], max_msgs=1)
    r = it_broker.decode_records(body) if h["code"] == 0 else []
    sysflag = struct.unpack_from(">i", body, 36)[0] if r else 0  # SYSFLAG @36
    check(r and sysflag & 1 and len(r[0]["body"]) < 1000, "stored compressed (%d bytes)" %
          (len(r[0]["body"]) if r else -1))
    cons = Consumer(ns, "CtBig", "cg_big", ["-c", "2"])
    check(wait_for(lambda: cons.done is not None, 20), "big bodies consumed")
    check(sorted(b[:6] for b in cons.bodies()) == ["big-0x", "big-1x"] and
          all(b.endswith("x" * 150) for b in cons.bodies()), "inflated bodies: %s"
          % [b[:20] for b in cons.bodies()])
    cons.stop()
    c.close()


def test_clustering(ns, bk):
    produce(ns, "CtClu", 8, prefix="warm-")
    a = Consumer(ns, "CtClu", "cg_clu")
    # A alone takes every queue and consumes the warm-up messages; its next pulls commit them.
    # (Two members starting at the same instant may both deliver a message consumed in the
    # first moments: RocketMQ's rebalance is at-least-once, and so is this client's.)
    check(wait_for(lambda: len(a.bodies()) >= 8, 20), "first consumer alone gets the warm-up")
    q = Remoting(bk)
    check(wait_for(lambda: committed_total(q, "cg_clu", "CtClu") >= 8, 20),
          "the warm-up is committed before the second consumer joins")
    q.close()
    b = Consumer(ns, "CtClu", "cg_clu")
    ok = wait_for(lambda: len(a.queues_now()) == 2 and len(b.queues_now()) == 2, 20)
    check(ok, "two consumers get two queues each: %s %s" % (a.queues_now(), b.queues_now()))
    check(not (a.queues_now() & b.queues_now()), "disjoint queues")
    produce(ns, "CtClu", 40, prefix="p1-")
    check(wait_for(lambda: len(a.bodies()) + len(b.bodies()) >= 48, 20),
          "48 consumed: %d + %d" % (len(a.bodies()), len(b.bodies())))
    qa = {m[0] for m in a.msgs if m[5].startswith("p1-")}  # warm-up ones may predate B
    qb = {m[0] for m in b.msgs if m[5].startswith("p1-")}
    check(qa and qb and not (qa & qb), "each queue consumed by one consumer: %s %s" % (qa, qb))
    check(a.stop() == 0, "first consumer shuts down cleanly")
    check(wait_for(lambda: len(b.queues_now()) == 4, 15), "survivor takes every queue: %s"
          % b.queues_now())
    produce(ns, "CtClu", 40, prefix="p2-")
    check(wait_for(lambda: len(a.bodies()) + len(b.bodies()) >= 88, 20),
          "88 consumed: %d + %d" % (len(a.bodies()), len(b.bodies())))
    time.sleep(1.0)  # room for duplicates to show up
    b.stop()
    every = a.bodies() + b.bodies()
    want = ["warm-%d" % i for i in range(8)] + ["p1-%d" % i for i in range(40)] + \
        ["p2-%d" % i for i in range(40)]
    check(sorted(every) == sorted(want), "every message exactly once (%d, %d distinct): %s" %
          (len(every), len(set(every)), sorted(b for b in set(every) if every.count(b) > 1)))


def test_broadcasting(ns, tmp):
    produce(ns, "CtBc", 4, prefix="warm-")
    a = Consumer(ns, "CtBc", "cg_bc", ["--broadcast", "-o", os.path.join(tmp, "oa")])
    b = Consumer(ns, "CtBc", "cg_bc", ["--broadcast", "-o", os.path.join(tmp, "ob")])
    check(wait_for(lambda: len(a.queues_now()) == 4 and len(b.queues_now()) == 4, 15),
          "broadcasting: both own every queue")
    produce(ns, "CtBc", 20, prefix="bc-")
    want = sorted(["warm-%d" % i for i in range(4)] + ["bc-%d" % i for i in range(20)])
    check(wait_for(lambda: len(a.bodies()) >= 24 and len(b.bodies()) >= 24, 20),
          "both consume all: %d %d" % (len(a.bodies()), len(b.bodies())))
    time.sleep(0.5)
    a.stop()
    b.stop()
    check(sorted(a.bodies()) == want and sorted(b.bodies()) == want, "each got every message once")
    check(os.path.exists(os.path.join(tmp, "oa", "DEFAULT", "cg_bc", "offsets.json")),
          "broadcasting offsets written locally")
    # a restart resumes from the local file: nothing old again
    produce(ns, "CtBc", 3, prefix="bc2-")
    a2 = Consumer(ns, "CtBc", "cg_bc", ["--broadcast", "-o", os.path.join(tmp, "oa"), "-c", "3"])
    check(wait_for(lambda: a2.done is not None, 20), "restarted broadcaster finishes")
    a2.stop()
    check(sorted(a2.bodies()) == ["bc2-%d" % i for i in range(3)], "only the new ones: %s"
          % a2.bodies())


def test_redelivery(ns):
    produce(ns, "CtRetry", 8, prefix="r-")
    c = Consumer(ns, "CtRetry", "cg_retry", ["-F", "3", "-c", "8"])
    check(wait_for(lambda: c.done is not None, 20), "consumer with refusals finishes")
    c.stop()
    check(len(c.retries) == 3, "three deliveries refused: %s" % c.retries)
    got = [m[2] for m in c.msgs]
    check(sorted(c.bodies()) == ["r-%d" % i for i in range(8)], "each delivered once after all")
    # sent back: they come again from %RETRY%cg_retry, with the same msgId (docs/delay-retry.md)
    check(all(r[2] in got for r in c.retries), "refused messages came again: %s" % c.retries)


def test_sql92(ns):
    """A push consumer with a SQL92 subscription (--sql): the broker filters on TAGS."""
    for tag in ("TagA", "TagB", "TagC"):
        produce(ns, "CtSql", 4, tag=tag, prefix=tag + "-")
    c = Consumer(ns, "CtSql", "cg_sql", ["--sql", "-e", "TAGS IN ('TagA', 'TagC')", "-c", "8"])
    check(wait_for(lambda: c.done is not None, 20), "SQL92 consumer gets its eight")
    time.sleep(0.3)  # anything else delivered shows now
    c.stop()
    check(sorted(c.bodies()) == sorted(["TagA-%d" % i for i in range(4)] +
                                       ["TagC-%d" % i for i in range(4)]),
          "SQL92 TAGS IN ('TagA', 'TagC') delivers exactly those: %s" % sorted(c.bodies()))


def test_pull_consumer(ns):
    produce(ns, "CtPull", 6, tag="TagA", prefix="a-")
    produce(ns, "CtPull", 6, tag="TagB", prefix="b-")
    c = Consumer(ns, "CtPull", "cg_pull", ["--pull", "-e", "TagA", "-c", "6", "-w", "20"])
    check(wait_for(lambda: c.done is not None, 25), "pull consumer finishes")
    c.stop()
    check(sorted(c.bodies()) == ["a-%d" % i for i in range(6)], "pull with a tag filter: %s"
          % c.bodies())
    check(c.p.returncode == 0, "pull consumer exit 0")
    produce(ns, "CtPull", 2, tag="TagA", prefix="a2-")
    c = Consumer(ns, "CtPull", "cg_pull", ["--pull", "-w", "3"])
    c.p.wait(timeout=30)
    c.stop()
    check(sorted(c.bodies()) == ["a2-0", "a2-1"], "pull resumes at the committed offsets: %s"
          % c.bodies())


def test_reset_offset(ns, bk):
    """An admin's reset (INVOKE_BROKER_TO_RESET_OFFSET) reaches the running consumer
    (RESET_CONSUMER_CLIENT_OFFSET): it consumes again from the reset offsets, and does not
    commit its old positions over them."""
    produce(ns, "CtReset", 6, prefix="x-")
    c = Consumer(ns, "CtReset", "cg_reset", ["-f", "first", "-c", "12"])
    check(wait_for(lambda: len(c.bodies()) >= 6, 20), "consumer got the first six")
    admin = Remoting(bk)
    h, _ = admin.call(222, {"topic": "CtReset", "group": "cg_reset", "timestamp": 0,
                            "isForce": True})
    check(h["code"] == 0, "INVOKE_BROKER_TO_RESET_OFFSET: %s" % h)
    admin.close()
    check(wait_for(lambda: c.done is not None, 20), "the consumer starts over after the reset: %s"
          % c.bodies())
    c.stop()
    check(sorted(c.bodies()) == sorted(["x-%d" % i for i in range(6)] * 2),
          "every message twice, once per pass: %s" % sorted(c.bodies()))


# retries come back after 1 s, not RocketMQ's 10 s for level 3 (docs/delay-retry.md)
FAST_RETRY = ("--mappedFileSizeCommitLog=67108864", "--messageDelayLevel=" + " ".join(["1s"] * 18),
              "--enablePropertyFilter=true")


def main():
    global BROKER, PRODUCE, CONSUME
    BROKER, PRODUCE, CONSUME = sys.argv[1:4]
    store = tempfile.mkdtemp(prefix="it-client-")
    p = None
    try:
        p, ns, bk = it_broker.start(BROKER, store, FAST_RETRY)
        test_sends(ns, bk)
        test_clustering(ns, bk)
        test_broadcasting(ns, store)
        test_pull_consumer(ns)
        test_sql92(ns)
        test_redelivery(ns)
        test_reset_offset(ns, bk)

        # committed offsets survive a broker restart
        produce(ns, "CtOff", 10, prefix="before-")
        c1 = Consumer(ns, "CtOff", "cg_off", ["-c", "10"])
        check(wait_for(lambda: c1.done is not None, 20), "first run consumes ten")
        check(c1.stop() == 0 and len(c1.bodies()) == 10, "first run: %d" % len(c1.bodies()))
        it_broker.stop(p)
        p, ns, bk = it_broker.start(BROKER, store, FAST_RETRY)
        produce(ns, "CtOff", 5, prefix="after-")
        c2 = Consumer(ns, "CtOff", "cg_off", ["-c", "5"])
        check(wait_for(lambda: c2.done is not None, 20), "second run finishes")
        time.sleep(0.2)
        c2.stop()
        check(sorted(c2.bodies()) == ["after-%d" % i for i in range(5)],
              "after the restart only the five new ones: %s" % c2.bodies())
        c3 = Consumer(ns, "CtOff", "cg_off", ["-w", "3"])
        c3.p.wait(timeout=30)
        c3.stop()
        check(c3.bodies() == [], "a third run gets nothing: %s" % c3.bodies())
    finally:
        if p:
            it_broker.stop(p)
        shutil.rmtree(store, ignore_errors=True)
    print("it_client: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
