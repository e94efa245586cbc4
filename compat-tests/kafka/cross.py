#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cross.py -- one message, two protocols: what a Kafka client writes a RocketMQ client reads,
and back (docs/kafka-compatibility.md, "Kafka record -> RocketMQ message" and "RocketMQ
message -> Kafka record"). Kafka side: kcat; RocketMQ side: the remoting client of
gateway/tests (it_broker.send / pull / decode_records). run.py runs it.

  cross_kafka_to_rmq   kcat produces to partition 0 (key, a rocketmq.TAGS header, plain
                       headers, an empty header value, a header named DELAY, no key, a space in
                       the key); a RocketMQ pull of queue 0 gets the body, KEYS (escaped),
                       TAGS, the plain headers as properties (%empty for an empty value), DELAY
                       as %KF%DELAY, the %KF marker and a UNIQ_KEY; a TagA pull gets only TagA
  cross_kafka_to_push  the same records taken by a RocketMQ *push* consumer (tools/client's
                       mqconsume, subscription "TagA", from the first offset): the two TagA
                       records, with their keys and bodies
  cross_rmq_to_kafka   SEND_MESSAGE_V2 (tags, keys, none) to queues 1 and 2; kcat reads each
                       partition: value = body, key = KEYS (null without), headers
                       rocketmq.TAGS / rocketmq.KEYS / rocketmq.UNIQ_KEY, CreateTime = born time

Usage: cross.py BOOTSTRAP TOPIC_PREFIX, with MQ_KAFKA_REMOTING_PORT set to the broker's
RocketMQ port, MQ_KAFKA_NAMESRV_PORT to its NameServer's and MQ_KAFKA_MQCONSUME to the
mqconsume binary (without it cross_kafka_to_push is reported as skipped). Environment: MQ_KAFKA_SKIP=case,case (skip list).
Prints one line per case and "N passed, N failed, N skipped"; exits 1 on a failure.
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "gateway", "tests"))
import it_broker  # noqa: E402  (send, pull, decode_records, wait_visible)
import it_namesrv  # noqa: E402  (Remoting, check counters)
from it_namesrv import Remoting, check  # noqa: E402

BOOTSTRAP, PREFIX = sys.argv[1], sys.argv[2]
KCAT = ["kcat", "-b", BOOTSTRAP, "-X", "broker.address.family=v4"]
SKIP = set() if os.environ.get("MQ_KAFKA_NO_SKIP") else \
    set(filter(None, os.environ.get("MQ_KAFKA_SKIP", "").split(",")))


def kcat(args, stdin=b""):
    r = subprocess.run(KCAT + args, input=stdin, capture_output=True, timeout=30)
    check(r.returncode == 0, "kcat %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                      r.stderr.decode(errors="replace")[-300:]))
    return r.stdout


def wait_partitions(topic, n):
    deadline = time.time() + 10
    while time.time() < deadline:
        out = subprocess.run(KCAT + ["-L", "-t", topic], capture_output=True, timeout=30).stdout
        if ('topic "%s" with %d partitions' % (topic, n)).encode() in out:
            return True
        time.sleep(0.2)
    check(False, "%s: %d partitions in the Kafka metadata" % (topic, n))
    return False


def case_kafka_to_rmq(c):
    t = PREFIX + "-x2r"
    wait_partitions(t, 3)  # auto-created with --num.partitions=3
    kcat(["-P", "-t", t, "-p", "0", "-K", "|", "-H", "rocketmq.TAGS=TagA", "-H", "h1=v1",
          "-H", "h2=", "-H", "DELAY=3"], b"k1|body-1\n")
    kcat(["-P", "-t", t, "-p", "0", "-H", "rocketmq.TAGS=TagB"], b"body-2\n")
    kcat(["-P", "-t", t, "-p", "0", "-K", "|", "-H", "rocketmq.TAGS=TagA"], b"key with space|body-3\n")
    it_broker.wait_visible(c, t, 0, 3)
    h, body = it_broker.pull(c, t, 0, 0)
    check(h["code"] == 0, "pull: %s" % h)
    recs = it_broker.decode_records(body) if h["code"] == 0 else []
    check([r["body"] for r in recs] == [b"body-1", b"body-2", b"body-3"],
          "bodies: %s" % [r["body"] for r in recs])
    if len(recs) != 3:
        return
    p1, p2, p3 = (r["props"] for r in recs)
    print("# properties of record 1: %s" % p1)
    for r in recs:
        check(r["topic"] == t and r["queueId"] == 0, "topic/queue: %s/%d" % (r["topic"], r["queueId"]))
        check(r["props"].get("%KF", "").startswith("1"), "the %%KF marker: %s" % r["props"])
        check(len(r["props"].get("UNIQ_KEY", "")) == 32, "a UNIQ_KEY: %s" % r["props"])
    check(p1.get("KEYS") == "k1", "KEYS = the key: %s" % p1.get("KEYS"))
    check(p1.get("TAGS") == "TagA", "TAGS from the rocketmq.TAGS header: %s" % p1.get("TAGS"))
    check(p1.get("h1") == "v1", "a plain header is a property: %s" % p1.get("h1"))
    check(p1.get("h2") == "%empty", "an empty header value is %%empty: %s" % p1.get("h2"))
    check(p1.get("%KF%DELAY") == "3" and "DELAY" not in p1,
          "a header named DELAY is %%KF%%DELAY, never DELAY: %s" % p1)
    check("rocketmq.TAGS" not in p1 and "%KF%rocketmq.TAGS" not in p1,
          "rocketmq.TAGS is not also a property")
    check("KEYS" not in p2 and p2.get("TAGS") == "TagB", "no key, no KEYS: %s" % p2)
    check(p3.get("KEYS") == "key%20with%20space", "a space in the key is escaped: %s" % p3.get("KEYS"))
    # the broker filters Kafka-produced messages by their tag
    h, body = it_broker.pull(c, t, 0, 0, group="cg_cross", flags=0x4, sub="TagA")
    tagged = [r["body"] for r in it_broker.decode_records(body)] if h["code"] == 0 else h
    check(tagged == [b"body-1", b"body-3"], "TagA pull: %s" % tagged)


def case_kafka_to_push(c):
    t = PREFIX + "-x2p"
    wait_partitions(t, 3)
    kcat(["-P", "-t", t, "-p", "0", "-K", "|", "-H", "rocketmq.TAGS=TagA"], b"pk1|push-1\n")
    kcat(["-P", "-t", t, "-p", "1", "-K", "|", "-H", "rocketmq.TAGS=TagB"], b"pk2|push-2\n")
    kcat(["-P", "-t", t, "-p", "2", "-K", "|", "-H", "rocketmq.TAGS=TagA"], b"pk3|push-3\n")
    for q in range(3):
        it_broker.wait_visible(c, t, q, 1)
    ns = os.environ["MQ_KAFKA_NAMESRV_PORT"]
    r = subprocess.run([os.environ["MQ_KAFKA_MQCONSUME"], "-n", "127.0.0.1:" + ns, "-t", t,
                        "-g", "cg_cross_push", "-e", "TagA", "-f", "first", "-c", "2", "-w",
                        "30"], capture_output=True, text=True, timeout=60)
    got = sorted(tuple(ln.split(" ", 5)[3:]) for ln in r.stdout.splitlines()
                 if len(ln.split(" ", 5)) == 6)
    check(r.returncode == 0 and "consumed 2" in r.stdout,
          "the push consumer took its 2 messages: rc %s %s %s" % (r.returncode, r.stdout[-300:],
                                                                  r.stderr[-300:]))
    check(got == [("TagA", "pk1", "push-1"), ("TagA", "pk3", "push-3")],
          "tags, keys and bodies of the TagA records: %s" % got)


def parse_kcat(out):
    """-f '%p|%o|%K|%k|%s|%T|%h' lines -> dicts"""
    rows = []
    for line in out.decode().splitlines():
        p, o, klen, key, val, ts, hdrs = line.split("\x1f")
        rows.append({"p": int(p), "o": int(o), "klen": int(klen), "key": key, "value": val,
                     "ts": int(ts), "headers": [hh.split("=", 1) for hh in hdrs.split(",") if hh]})
    return rows


def case_rmq_to_kafka(c):
    t = PREFIX + "-r2x"
    t0 = int(time.time() * 1000)
    h, _ = it_broker.send(c, t, b"rbody-0", qid=1, tags="TagX", keys="rk1")
    check(h["code"] == 0, "send: %s" % h)
    it_broker.send(c, t, b"rbody-1", qid=1, tags="TagY", keys="rk1 rk2")
    it_broker.send(c, t, b"rbody-2", qid=2)
    it_broker.wait_visible(c, t, 1, 2)
    it_broker.wait_visible(c, t, 2, 1)
    t1 = int(time.time() * 1000)
    fmt = "\x1f".join(["%p", "%o", "%K", "%k", "%s", "%T", "%h"]) + "\n"
    rows = []
    for p in (1, 2):
        rows += parse_kcat(kcat(["-C", "-t", t, "-p", str(p), "-o", "beginning", "-e", "-q",
                                 "-f", fmt]))
    print("# kafka records: %s" % rows)
    check([(r["p"], r["o"], r["value"]) for r in rows] ==
          [(1, 0, "rbody-0"), (1, 1, "rbody-1"), (2, 0, "rbody-2")],
          "partition/offset/value: %s" % [(r["p"], r["o"], r["value"]) for r in rows])
    if len(rows) != 3:
        return
    r0, r1, r2 = rows
    check(r0["key"] == "rk1" and r1["key"] == "rk1 rk2", "key = KEYS: %r %r" % (r0["key"], r1["key"]))
    check(r2["klen"] == -1, "no KEYS: a null key (length %d)" % r2["klen"])
    for r in rows:
        check(t0 - 5000 <= r["ts"] <= t1 + 5000, "timestamp %d = born time (%d..%d)" % (r["ts"], t0, t1))
        names = [n for n, _ in r["headers"]]
        check(all(n.startswith("rocketmq.") for n in names), "only rocketmq.* headers: %s" % names)
        uniq = [v for n, v in r["headers"] if n == "rocketmq.UNIQ_KEY"]
        check(len(uniq) == 1 and re.fullmatch("[0-9A-F]{32}", uniq[0] or ""),
              "rocketmq.UNIQ_KEY header: %s" % r["headers"])
    hd0, hd1, hd2 = (dict(r["headers"]) for r in rows)
    check(hd0.get("rocketmq.TAGS") == "TagX" and hd0.get("rocketmq.KEYS") == "rk1",
          "rocketmq.TAGS / rocketmq.KEYS: %s" % hd0)
    check(hd1.get("rocketmq.TAGS") == "TagY" and hd1.get("rocketmq.KEYS") == "rk1 rk2",
          "two keys: %s" % hd1)
    check("rocketmq.TAGS" not in hd2 and "rocketmq.KEYS" not in hd2, "no tags, no keys: %s" % hd2)


def main():
    port = int(os.environ.get("MQ_KAFKA_REMOTING_PORT", "0"))
    if not port:
        print("usage: MQ_KAFKA_REMOTING_PORT=port cross.py BOOTSTRAP TOPIC_PREFIX")
        return 2
    c = Remoting(port)
    passed = failed = skipped = 0
    for name, fn in (("cross_kafka_to_rmq", case_kafka_to_rmq),
                     ("cross_kafka_to_push", case_kafka_to_push),
                     ("cross_rmq_to_kafka", case_rmq_to_kafka)):
        if name in SKIP:
            print("skip - %s: on the skip list (MQ_KAFKA_SKIP)" % name)
            skipped += 1
            continue
        if name == "cross_kafka_to_push" and not os.environ.get("MQ_KAFKA_MQCONSUME"):
            print("skip - %s: no mqconsume (run.py --mqconsume=PATH)" % name)
            skipped += 1
            continue
        before = it_namesrv.FAILED
        try:
            fn(c)
        except Exception as e:  # noqa: BLE001 (any error fails the case, not the run)
            check(False, "%s: %s: %s" % (name, type(e).__name__, e))
            c.close()
            c = Remoting(port)
        if it_namesrv.FAILED == before:
            print("ok - %s" % name, flush=True)
            passed += 1
        else:
            print("not ok - %s: %d check(s) failed" % (name, it_namesrv.FAILED - before), flush=True)
            failed += 1
    c.close()
    print("cross.py: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
