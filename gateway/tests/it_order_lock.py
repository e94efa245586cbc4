#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_order_lock.py -- orderly consumption with queue locks against `mqbroker --all-in-one`.

Part 1, LOCK_BATCH_MQ (41) / UNLOCK_BATCH_MQ (42) on the wire, with a short
rocketmq.broker.rebalance.lockMaxLiveTime: a queue another client of the group holds is left out
of lockOKMQSet, its owner renews it, other groups have their own locks, UNLOCK releases only the
caller's locks, an expired lock goes to whoever asks, and a client's locks go when its
connection closes or it unregisters; a malformed body is refused without harm. Then an orderly
consumer whose lock is taken by another client id (it expired: the consumer renews less often
than the broker's live time) stops consuming that queue at its next renewal, and goes on from
the committed offset once the queue is free again.

Part 2, end to end with the C client (mqproduce -k, mqconsume --orderly --timing): messages sent
by key land on the key's queue (Java's hash); two orderly consumers of one group consume a
backlog plus messages sent meanwhile; mid-stream a third joins, one leaves, and a fourth joins
whose client id sorts first (so the survivors' queues move too). Over every consumer's output:
each queue's messages were consumed exactly once, in offset order, and no two consumers were
inside one queue's listener at the same time (per queue, the listener intervals of all
consumers, ordered by start, never overlap); every queue changed hands at least once.
Usage: it_order_lock.py mqbroker mqproduce mqconsume. Prints "N passed, N failed"; exits 1 on
a failure.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_namesrv  # noqa: E402  (Remoting client, check counters)
import it_broker  # noqa: E402  (broker start/stop)
from it_namesrv import Remoting, check, wait_for  # noqa: E402

SANITIZER = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:")
BROKER_NAME = "broker-a"


def mq(topic, qid):
    return {"brokerName": BROKER_NAME, "queueId": qid, "topic": topic}


def lock(c, group, client, mqs, code=41):
    """LOCK_BATCH_MQ (or UNLOCK with code=42); returns (code, set of granted queue ids)."""
    body = json.dumps({"clientId": client, "consumerGroup": group, "mqSet": mqs,
                       "onlyThisBroker": False}).encode()
    h, b = c.call(code, {}, body)
    if code != 41 or h["code"] != 0:
        return h["code"], set()
    got = json.loads(b)["lockOKMQSet"]
    check(all(set(m) >= {"brokerName", "queueId", "topic"} for m in got),
          "lockOKMQSet entries are MessageQueues: %s" % got)
    return h["code"], {m["queueId"] for m in got}


def raw_locks(binary, produce_bin, consume_bin):
    store = tempfile.mkdtemp(prefix="it-lock-")
    p = None
    try:
        p, nsport, bkport = it_broker.start(binary, store, args=(
            "--mappedFileSizeCommitLog=67108864", "--rocketmq.broker.rebalance.lockMaxLiveTime=2000"))
        a, b = Remoting(bkport), Remoting(bkport)
        t = "LockT"
        h, body = a.call(26, {})
        check(h["code"] == 0 and b"rocketmq.broker.rebalance.lockMaxLiveTime=2000" in body,
              "the broker reports its lock live time: %s" % body[-300:])

        rc, got = lock(a, "g1", "cidA", [mq(t, 0), mq(t, 1)])
        check(rc == 0 and got == {0, 1}, "free queues are granted: %s %s" % (rc, got))
        rc, got = lock(b, "g1", "cidB", [mq(t, 1), mq(t, 2)])
        check(rc == 0 and got == {2}, "a queue held by another client is refused: %s" % got)
        rc, got = lock(a, "g1", "cidA", [mq(t, 0), mq(t, 1), mq(t, 2)])
        check(got == {0, 1}, "the owner renews its own, not another's: %s" % got)
        rc, got = lock(b, "g2", "cidB", [mq(t, 0), mq(t, 1)])
        check(got == {0, 1}, "another group has its own locks: %s" % got)
        rc, got = lock(b, "g1", "cidB", [mq(t, 0), mq(t, 0), {"brokerName": "broker-x",
                                                             "queueId": 0, "topic": t}])
        check(got == {0}, "same queue id of another broker name is another lock: %s" % got)

        # UNLOCK releases the caller's locks only
        rc, _ = lock(b, "g1", "cidB", [mq(t, 1)], code=42)
        check(rc == 0, "unlock answers SUCCESS")
        rc, got = lock(b, "g1", "cidB", [mq(t, 1)])
        check(got == set(), "unlocking another's queue does nothing: %s" % got)
        rc, _ = lock(a, "g1", "cidA", [mq(t, 1)], code=42)
        rc, got = lock(b, "g1", "cidB", [mq(t, 1)])
        check(got == {1}, "after its owner's unlock a queue is free: %s" % got)

        # expiry: cidA last renewed queue 0 now; 2 s later anyone may take it
        lock(a, "g1", "cidA", [mq(t, 0)])
        time.sleep(1.0)
        rc, got = lock(b, "g1", "cidB", [mq(t, 0)])
        check(got == set(), "not expired after 1 s: %s" % got)
        time.sleep(1.6)
        rc, got = lock(b, "g1", "cidB", [mq(t, 0)])
        check(got == {0}, "an expired lock goes to who asks: %s" % got)
        rc, got = lock(a, "g1", "cidA", [mq(t, 0)])
        check(got == set(), "and its old owner no longer has it: %s" % got)

        # a closed connection releases its client's locks
        c = Remoting(bkport)
        rc, got = lock(c, "g1", "cidC", [mq(t, 5), mq(t, 6)])
        check(got == {5, 6}, "cidC locks 5 and 6: %s" % got)
        rc, got = lock(b, "g1", "cidB", [mq(t, 5)])
        check(got == set(), "held while cidC is connected: %s" % got)
        c.close()
        check(wait_for(lambda: lock(b, "g1", "cidB", [mq(t, 5), mq(t, 6)])[1] == {5, 6}, 5.0),
              "cidC's locks go when its connection closes")

        # UNREGISTER_CLIENT releases the client's locks in that group
        rc, got = lock(a, "g1", "cidA", [mq(t, 7)])
        lock(a, "g2", "cidA", [mq(t, 7)])
        check(got == {7}, "cidA locks 7")
        h, _ = a.call(35, {"clientID": "cidA", "consumerGroup": "g1"})
        check(h["code"] == 0, "unregister answered: %s" % h)
        rc, got = lock(b, "g1", "cidB", [mq(t, 7)])
        check(got == {7}, "unregistering frees the client's queues: %s" % got)
        rc, got = lock(b, "g2", "cidB", [mq(t, 7)])
        check(got == set(), "but only in the group it left: %s" % got)

        # malformed requests are refused, and the broker keeps serving
        for bad in (b"", b"not json", b'{"clientId":"x","consumerGroup":"g1","mqSet":[{"topic":'
                    b'"T","brokerName":"b"}]}', b'{"consumerGroup":"g1","mqSet":[]}'):
            h, _ = a.call(41, {}, bad)
            check(h["code"] != 0 and h.get("remark"), "bad lock body refused: %r -> %s" % (bad, h))
        rc, got = lock(a, "g3", "cidA", [mq(t, 0)])
        check(got == {0}, "still serving after bad bodies")
        lost_lock(bkport, a, nsport, produce_bin, consume_bin)
        a.close()
        b.close()
        it_broker.stop(p)
        p = None
    finally:
        if p and p.poll() is None:
            p.kill()
        shutil.rmtree(store, ignore_errors=True)


def lost_lock(bkport, c, nsport, produce_bin, consume_bin):
    """An orderly consumer renewing every 3 s against a 2 s live time: a thief takes its queue
    in the gap; the consumer must stop at its next renewal and resume after the thief lets go."""
    topic, group, n = "LostT", "g_lost", 400
    h, _ = c.call(17, {"topic": topic, "readQueueNums": 1, "writeQueueNums": 1, "perm": 6,
                       "topicFilterType": "SINGLE_TAG", "topicSysFlag": 0, "order": False})
    check(h["code"] == 0, "topic %s created" % topic)
    r = subprocess.run([produce_bin, "-n", "127.0.0.1:%d" % nsport, "-t", topic, "-q", "0",
                        "-c", str(n), "-p", "lost-"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "mqproduce to %s: %s" % (topic, r.stderr[-300:]))
    a = Consumer(consume_bin, nsport, topic, group, "cidA", 20, extra=("-L", "3000", "-r", "1000"))
    try:
        check(wait_for(lambda: a.count() >= 10, 15), "the consumer started")
        deadline = time.time() + 10
        stolen = False
        while not stolen and time.time() < deadline:
            stolen = lock(c, group, "thief", [mq(topic, 0)])[1] == {0}
            if not stolen:
                time.sleep(0.1)
        t_steal = int(time.time() * 1e6)
        check(stolen, "the expired lock was taken by another client id")
        hold_until = time.time() + 6.0
        while time.time() < hold_until:
            lock(c, group, "thief", [mq(topic, 0)])  # keeps it
            time.sleep(0.3)
        t_release = int(time.time() * 1e6)
        lock(c, group, "thief", [mq(topic, 0)], code=42)
        check(wait_for(lambda: len({m[1] for m in a.msgs}) >= n, 30),
              "the consumer took the queue back and consumed everything")
    finally:
        a.stop()
    late = [m for m in a.msgs if t_steal + 3500000 < m[2] < t_release]
    check(not late, "nothing consumed while the thief held the queue (after the renewal): %s" %
          late[:3])
    before = [m for m in a.msgs if m[2] <= t_steal + 3500000]
    after = [m[1] for m in a.msgs if m[2] >= t_release]
    check(before and after, "consumed before and after: %d %d" % (len(before), len(after)))
    if before and after:
        check(after[0] <= max(m[1] for m in before) + 1 and
              after == list(range(after[0], after[0] + len(after))),
              "resumed from the committed offset, in order: %s..." % after[:5])


# ---- Part 2: orderly consumers end to end ----

def java_hash(s):
    h = 0
    for ch in s:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= (1 << 31) else h


def queue_for_key(key, n):
    return abs(java_hash(key)) % n


class Consumer:
    """An `mqconsume --orderly --timing` process; its message lines are collected."""

    def __init__(self, consume, ns, topic, group, cid, sleep_ms, extra=()):
        self.cid = cid
        self.p = subprocess.Popen([consume, "-n", "127.0.0.1:%d" % ns, "-t", topic, "-g", group,
                                   "-i", cid, "-w", "120", "-r", "2000", "--orderly", "--timing",
                                   "--sleep-ms", str(sleep_ms)] + list(extra),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.msgs = []  # (queueId, offset, start_us, end_us, body)
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            f = line.rstrip("\n").split(" ", 7)
            if len(f) == 8 and f[0].isdigit():
                with self.lock:
                    self.msgs.append((int(f[0]), int(f[1]), int(f[5]), int(f[6]), f[7]))

    def count(self):
        with self.lock:
            return len(self.msgs)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            check(False, "mqconsume %s stops on SIGTERM" % self.cid)
        self.t.join(timeout=5)
        err = self.p.stderr.read()
        check(not SANITIZER.search(err), "no sanitizer report from %s: %s" % (self.cid, err[-2000:]))


def produce(produce_bin, ns, topic, key, count, prefix):
    r = subprocess.run([produce_bin, "-n", "127.0.0.1:%d" % ns, "-t", topic, "-k", key,
                        "-c", str(count), "-p", prefix, "-g", "pg_order"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and ("sent %d failed 0" % count) in r.stdout,
          "mqproduce -k %s: %s" % (key, r.stderr[-300:]))
    return [(int(f[4]), int(f[5])) for f in (ln.split() for ln in r.stdout.splitlines())
            if f and f[0] == "SEND_OK"]


def orderly_end_to_end(binary, produce_bin, consume_bin):
    store = tempfile.mkdtemp(prefix="it-order-")
    p = None
    consumers = []
    topic, group, queues = "OrderTopic", "cg_orderly", 4
    per_key = (120, 60)  # backlog, then sent while the consumers run
    sleep_ms = 20
    try:
        p, nsport, bkport = it_broker.start(binary, store)
        c = Remoting(bkport)
        h, _ = c.call(17, {"topic": topic, "readQueueNums": queues, "writeQueueNums": queues,
                           "perm": 6, "topicFilterType": "SINGLE_TAG", "topicSysFlag": 0,
                           "order": False})
        check(h["code"] == 0, "topic created: %s" % h)
        ns = Remoting(nsport)
        check(wait_for(lambda: ns.call(105, {"topic": topic})[0]["code"] == 0),
              "topic routed")
        # one key per queue, as Java's SelectMessageQueueByHash picks them
        keys = {}
        i = 0
        while len(keys) < queues:
            k = "order-%d" % i
            keys.setdefault(queue_for_key(k, queues), k)
            i += 1
        for qid, k in sorted(keys.items()):
            sent = produce(produce_bin, nsport, topic, k, per_key[0], k + ":")
            check(all(q == qid for q, _ in sent), "key %s: every message on queue %d" % (k, qid))
            check([o for _, o in sent] == list(range(per_key[0])),
                  "key %s: consecutive offsets" % k)

        consumers.append(Consumer(consume_bin, nsport, topic, group, "cidA", sleep_ms))
        consumers.append(Consumer(consume_bin, nsport, topic, group, "cidB", sleep_ms))
        total = queues * sum(per_key)

        def consumed():
            return sum(x.count() for x in consumers)

        check(wait_for(lambda: consumed() >= 40, 15), "the two consumers started")
        feeder = threading.Thread(target=lambda: [
            produce(produce_bin, nsport, topic, k, per_key[1], k + ":%d-" % per_key[0])
            for k in keys.values()])
        feeder.start()
        time.sleep(1.0)
        # sorted ids decide the allocation: [cidA cidB cidC] 0,1 | 2 | 3; after cidB leaves
        # [cidA cidC] 0,1 | 2,3; with cid0 [cid0 cidA cidC] 0,1 | 2 | 3
        consumers.append(Consumer(consume_bin, nsport, topic, group, "cidC", sleep_ms))  # joins
        check(wait_for(lambda: consumers[2].count() >= 20, 20), "the third consumer took queues")
        consumers[1].stop()  # leaves mid-stream
        left_at = consumed()
        check(left_at < total, "cidB left mid-stream (%d of %d consumed)" % (left_at, total))
        n_c = consumers[2].count()
        check(wait_for(lambda: consumers[2].count() >= n_c + 20, 20), "cidC took cidB's queues")
        consumers.append(Consumer(consume_bin, nsport, topic, group, "cid0", sleep_ms))  # joins
        check(wait_for(lambda: consumers[3].count() >= 20, 20), "the fourth consumer took queues")
        joined_at = consumed()
        check(joined_at < total, "cid0 joined mid-stream (%d of %d consumed)" % (joined_at, total))
        feeder.join()
        check(wait_for(lambda: consumed() >= total, 40), "all %d consumed (%d)" % (total,
                                                                                 consumed()))
        time.sleep(0.5)  # anything consumed twice would show up now
        for x in consumers:
            x.stop()

        per_queue = {}
        for x in consumers:
            for qid, off, start, end, body in x.msgs:
                per_queue.setdefault(qid, []).append((start, end, off, x.cid, body))
        handovers = 0
        for qid in range(queues):
            ds = sorted(per_queue.get(qid, []))
            offs = [d[2] for d in ds]
            want = sum(per_key)
            check(offs == list(range(want)),
                  "queue %d: every offset once, in order (%d deliveries, first bad at %s)" %
                  (qid, len(offs), next((i for i, o in enumerate(offs) if o != i), None)))
            bodies = [d[4] for d in ds]
            key = keys[qid]
            want_bodies = ["%s:%d" % (key, n) for n in range(per_key[0])] + \
                ["%s:%d-%d" % (key, per_key[0], n) for n in range(per_key[1])]
            check(bodies == want_bodies, "queue %d: key %s's messages in the order sent" %
                  (qid, key))
            overlaps = [(a, b) for a, b in zip(ds, ds[1:]) if b[0] < a[1]]
            check(not overlaps, "queue %d: no two listeners at once: %s" % (qid, overlaps[:3]))
            handovers += sum(1 for a, b in zip(ds, ds[1:]) if a[3] != b[3])
            owners = []
            for d in ds:
                if not owners or owners[-1] != d[3]:
                    owners.append(d[3])
            print("queue %d: %d messages, owners in turn: %s" % (qid, len(ds), " ".join(owners)))
            check(len(owners) >= 2, "queue %d changed hands: %s" % (qid, owners))
        check(handovers >= 5, "queues changed hands during the run (%d handovers)" % handovers)
        check(all(x.count() > 0 for x in consumers), "every consumer consumed: %s" %
              [(x.cid, x.count()) for x in consumers])
        c.close()
        ns.close()
        it_broker.stop(p)
        p = None
    finally:
        for x in consumers:
            if x.p.poll() is None:
                x.p.kill()
        if p and p.poll() is None:
            p.kill()
        shutil.rmtree(store, ignore_errors=True)


def main():
    binary, produce_bin, consume_bin = sys.argv[1:4]
    raw_locks(binary, produce_bin, consume_bin)
    orderly_end_to_end(binary, produce_bin, consume_bin)
    print("it_order_lock: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
