#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_kafka_semantics.py -- RocketMQ semantics for Kafka producers through record headers
(docs/kafka-compatibility.md, "settable" rocketmq.* headers), with kcat (librdkafka) against a
real `mqbroker --all-in-one`.

Checks: a record with header rocketmq.DELAY=2 (levels "1s 3s 5s" here) reaches its partition
no earlier than 3 s after the produce was acknowledged and is then fetched by kcat with its
value and key; rocketmq.TIMER_DELAY_SEC=2 likewise (2 s); a record with rocketmq.TAGS=TagA is
the only one a RocketMQ pull with the tag subscription TagA returns, and the only one a SQL92
subscription TAGS = 'TagA' returns; a Kafka consumer group reads a RocketMQ retry topic
(%RETRY%group) through the reversible name scheme.
Usage: it_kafka_semantics.py path/to/mqbroker. Prints "N passed, N failed".
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_broker  # noqa: E402
import it_namesrv  # noqa: E402
from it_broker import decode_records  # noqa: E402
from it_kafka import kcat  # noqa: E402
from it_namesrv import Remoting, check  # noqa: E402


def max_offset(c, topic, qid=0):
    h, _ = c.call(30, {"topic": topic, "queueId": qid})
    return int(h.get("extFields", {}).get("offset", -1)) if h["code"] == 0 else -1


def wait_offset(c, topic, want, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if max_offset(c, topic) >= want:
            return time.time()
        time.sleep(0.02)
    return None


def pull(c, topic, sub, etype):
    ext = {"consumerGroup": "cg_ks", "topic": topic, "queueId": 0, "queueOffset": 0,
           "maxMsgNums": 32, "sysFlag": 4, "commitOffset": 0, "suspendTimeoutMillis": 0,
           "subVersion": 0, "subscription": sub, "expressionType": etype}
    h, body = c.call(11, ext)
    return sorted(r["body"].decode() for r in decode_records(body)) if h["code"] == 0 else []


def create(kport, topic):
    rc, _, err = kcat(kport, "-P", "-t", topic, "-p", "0", data=b"")  # metadata auto-creates
    return rc


def delayed_case(c, kport, topic, header, seconds):
    rc, _, err = kcat(kport, "-L", "-t", topic)  # Metadata auto-creates the topic (1 partition)
    check(rc == 0, "kcat -L creates %s" % topic)
    t0 = time.time()
    rc, _, err = kcat(kport, "-P", "-t", topic, "-p", "0", "-K:", "-H", header,
                      data=b"dk:delayed-value\n")
    t_ack = time.time()
    check(rc == 0, "kcat produced with %s (%s)" % (header, err.decode(errors="replace")[-200:]))
    seen = wait_offset(c, topic, 1, seconds + 20)
    check(seen is not None, "the %s record reaches its partition" % header)
    if seen is None:
        return
    check(seen - t0 >= seconds - 0.3,
          "%s: not visible before %.0f s (visible after %.2f s)" % (header, seconds, seen - t0))
    rc, out, _ = kcat(kport, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-c", "1", "-e",
                      "-f", "%k=%s\n")
    check(rc == 0 and out == b"dk=delayed-value\n",
          "kcat fetches the delayed record with its key and value: %r" % out)
    print("# %s: visible %.2f s after the send, %.2f s after the ack" % (header, seen - t0,
                                                                         seen - t_ack))


def main():
    mqbroker = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="it-kafka-sem-")
    p, _, bport = it_broker.start(mqbroker, tmp + "/s", [
        "--mappedFileSizeCommitLog=67108864", "--messageDelayLevel=1s 3s 5s",
        "--enablePropertyFilter=true"], subprocess.DEVNULL)
    kport = p.kafka_port
    try:
        c = Remoting(bport)
        delayed_case(c, kport, "ks_delay", "rocketmq.DELAY=2", 3.0)
        delayed_case(c, kport, "ks_timer", "rocketmq.TIMER_DELAY_SEC=2", 2.0)

        # tags from a Kafka header: filtered by the broker for RocketMQ consumers
        topic = "ks_tags"
        kcat(kport, "-L", "-t", topic)
        for body, hdr in ((b"tagged-a", "rocketmq.TAGS=TagA"), (b"tagged-b", "rocketmq.TAGS=TagB"),
                          (b"untagged", "x=1")):
            rc, _, _ = kcat(kport, "-P", "-t", topic, "-p", "0", "-H", hdr, data=body + b"\n")
            check(rc == 0, "produced %s" % body)
        check(wait_offset(c, topic, 3, 10) is not None, "three records stored")
        got = pull(c, topic, "TagA", "TAG")
        check(got == ["tagged-a"], "a RocketMQ tag subscription TagA gets only it: %s" % got)
        got = pull(c, topic, "TAGS = 'TagB'", "SQL92")
        check(got == ["tagged-b"], "a SQL92 subscription on TAGS gets only TagB: %s" % got)

        # a RocketMQ retry topic read by a Kafka consumer through the name scheme
        retry = "%RETRY%cg_ks"
        ext = {"a": "pg_ks", "b": retry, "c": "TBW102", "d": 1, "e": 0, "f": 0, "g": 1, "h": 0,
               "i": "", "j": 0, "k": False, "l": 16}
        h, _ = c.call(310, ext, b"from-retry")
        check(h["code"] == 0, "a message in %s" % retry)
        rc, out, err = kcat(kport, "-L")
        names = [l.split('"')[1] for l in out.decode().splitlines() if l.strip().startswith("topic \"")]
        kname = [n for n in names if "RETRY" in n and "cg_ks" in n]
        check(len(kname) == 1, "Metadata lists the retry topic under a Kafka name: %s" % kname)
        if kname:
            rc, out, _ = kcat(kport, "-C", "-t", kname[0], "-p", "0", "-o", "beginning", "-c",
                              "1", "-e", "-f", "%s\n")
            check(out == b"from-retry\n", "kcat reads the retry topic's message: %r" % out)
            rc, out, _ = kcat(kport, "-G", "ks_kgroup", kname[0], "-c", "1", "-f", "%s\n",
                              "-X", "auto.offset.reset=earliest", timeout=40)
            check(out == b"from-retry\n",
                  "a Kafka consumer group (kcat -G) reads the retry topic: %r" % out)
        c.close()
    finally:
        it_broker.stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
    print("it_kafka_semantics: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
