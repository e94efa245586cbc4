#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_kafka_cluster.py -- the Kafka front-end with several brokers: a real `mqnamesrv` and two
standalone `mqbroker -n` processes, each with a Kafka listener (docs/kafka-compatibility.md,
"Several brokers").

Checks: Metadata from either broker lists both brokers' Kafka listeners and one topic's
partitions over both, numbered the same way (broker-a's queues, then broker-b's), each led by
the broker that owns the queue; kcat produces to and consumes from a partition of the other
broker through either bootstrap address, and the record lands in that broker's queue; a
Produce, Fetch or ListOffsets for another broker's partition gets NOT_LEADER_OR_FOLLOWER;
both brokers name the same coordinator for a group and the other one answers its group
requests with NOT_COORDINATOR; an OffsetCommit at the coordinator for a partition of the other
broker is stored there, as the RocketMQ group's offset of that queue (QUERY_CONSUMER_OFFSET),
and OffsetFetch reads it back;
after kill -9 of broker-b its partitions keep their numbers with no leader; after a restart
of broker-a the numbering (kept in config/kafkaPartitions.json) is the same.
With --rdk-group=PATH (compat-tests/kafka's rdk_group, librdkafka) it runs instead a
balanced group of librdkafka consumers through broker-a on a topic broker-a owns, with a group
name broker-b coordinates, so every commit is forwarded to broker-a: each record delivered
once, commits read back, and the offsets are the RocketMQ group's at broker-a.
Usage: it_kafka_cluster.py path/to/mqbroker path/to/mqnamesrv [--rdk-group=PATH].
Prints "N passed, N failed".
"""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_namesrv  # noqa: E402
from it_namesrv import Remoting, check, wait_for  # noqa: E402
from it_kafka import frame, kcat, produce_v3, raw_call, record_batch  # noqa: E402

TOPIC = "kc_orders"


def start_broker(binary, store, name, namesrv):
    args = [binary, "-n", namesrv, "--listenPort=0", "--listeners=PLAINTEXT://127.0.0.1:0",
            "--storePathRootDir=" + store, "--brokerName=" + name,
            "--mappedFileSizeCommitLog=67108864", "--autoCreateTopicEnable=false"]
    log = open(store + ".log", "a")
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
    bport = kport = node = None
    deadline = time.time() + 20
    while time.time() < deadline and (bport is None or kport is None):
        line = p.stdout.readline()
        if not line:
            break
        m = re.search(r"The broker\[.*, .*:(\d+)\] boot success", line)
        if m:
            bport = int(m.group(1))
        m = re.search(r"Kafka listener boot success: .*:(\d+) \(node id (\d+)\)", line)
        if m:
            kport, node = int(m.group(1)), int(m.group(2))
    if bport is None or kport is None:
        p.kill()
        raise RuntimeError("no boot banners for %s: %s" % (name, open(store + ".log").read()))
    return p, bport, kport, node


def create_topic(bport, queues):
    c = Remoting(bport)
    try:
        h, _ = c.call(17, {"topic": TOPIC, "defaultTopic": "TBW102", "readQueueNums": queues,
                           "writeQueueNums": queues, "perm": 6, "topicFilterType": "SINGLE_TAG"})
        return h["code"]
    finally:
        c.close()


def route_brokers(nsport):
    c = Remoting(nsport)
    try:
        h, body = c.call(105, {"topic": TOPIC})
        if h["code"] != 0 or not body:
            return set()
        return {q["brokerName"] for q in json.loads(body)["queueDatas"]}
    finally:
        c.close()


def metadata(kport):
    """kcat -L -J for the topic: (brokers {id: port}, [(partition, leader)])."""
    rc, out, err = kcat(kport, "-L", "-J", "-t", TOPIC)
    if rc != 0:
        return {}, []
    md = json.loads(out)
    brokers = {b["id"]: int(b["name"].rsplit(":", 1)[1].split("/")[0]) for b in md["brokers"]}
    parts = []
    for t in md["topics"]:
        if t["topic"] == TOPIC:
            parts = sorted((p["partition"], p["leader"]) for p in t.get("partitions", []))
    return brokers, parts


def max_offset(bport, qid):
    c = Remoting(bport)
    try:
        h, _ = c.call(30, {"topic": TOPIC, "queueId": qid})
        return int(h.get("extFields", {}).get("offset", -1)) if h["code"] == 0 else -1
    finally:
        c.close()


def list_offsets_v1(kport, partition):
    """ListOffsets v1 (latest) for one partition: its error code."""
    t = TOPIC.encode()
    body = struct.pack(">ii", -1, 1) + struct.pack(">h", len(t)) + t
    body += struct.pack(">iiq", 1, partition, -1)
    r = raw_call(kport, frame(2, 1, 77, body))
    off = 4 + 4 + 2 + len(t) + 4
    return struct.unpack_from(">ih", r, off)[1]


def fetch_v4(kport, partition):
    """Fetch v4 at offset 0 for one partition, no wait: its error code."""
    t = TOPIC.encode()
    body = struct.pack(">iiiib", -1, 0, 1, 1 << 20, 0) + struct.pack(">i", 1)
    body += struct.pack(">h", len(t)) + t + struct.pack(">iiqi", 1, partition, 0, 1 << 20)
    r = raw_call(kport, frame(1, 4, 78, body))
    off = 4 + 4 + 4 + 2 + len(t) + 4  # correlation, throttle, topics, name, partitions
    return struct.unpack_from(">ih", r, off)[1]


def kstr(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def find_coordinator_v0(kport, group):
    r = raw_call(kport, frame(10, 0, 80, kstr(group)))
    err, node = struct.unpack_from(">hi", r, 4)
    return err, node


def heartbeat_v0(kport, group):
    r = raw_call(kport, frame(12, 0, 81, kstr(group) + struct.pack(">i", 1) + kstr("m-1")))
    return struct.unpack_from(">h", r, 4)[0]


def offset_commit_v2(kport, group, partition, offset):
    body = kstr(group) + struct.pack(">i", -1) + kstr("") + struct.pack(">q", -1)
    body += struct.pack(">i", 1) + kstr(TOPIC) + struct.pack(">i", 1)
    body += struct.pack(">iq", partition, offset) + kstr("")
    r = raw_call(kport, frame(8, 2, 82, body))
    off = 4 + 4 + 2 + len(TOPIC) + 4
    return struct.unpack_from(">ih", r, off)[1]


def offset_fetch_v1(kport, group, partition):
    body = kstr(group) + struct.pack(">i", 1) + kstr(TOPIC) + struct.pack(">ii", 1, partition)
    r = raw_call(kport, frame(9, 1, 83, body))
    off = 4 + 4 + 2 + len(TOPIC) + 4 + 4
    offset = struct.unpack_from(">q", r, off)[0]
    off += 8
    off += 2 + struct.unpack_from(">h", r, off)[0]
    return offset, struct.unpack_from(">h", r, off)[0]


def query_offset(bport, group, qid):
    c = Remoting(bport)
    try:
        h, _ = c.call(14, {"consumerGroup": group, "topic": TOPIC, "queueId": qid})
        return int(h.get("extFields", {}).get("offset", -1)) if h["code"] == 0 else -1
    finally:
        c.close()


def rdk_group_case(rdk_group, a_bport, a_kport, b_kport, b_node):
    """librdkafka's balanced consumer over two brokers (the docstring says what is checked)."""
    prefix = None
    for i in range(200):  # a group name broker-b coordinates (the name's hash decides)
        cand = "kcg%d" % i
        if find_coordinator_v0(a_kport, cand + "-group") == (0, b_node):
            prefix = cand
            break
    check(prefix is not None, "a group name coordinated by broker-b exists")
    if prefix is None:
        return
    env = dict(os.environ, MQ_KAFKA_SKIP="restart_resume")
    r = subprocess.run([rdk_group, "127.0.0.1:%d" % a_kport, prefix], capture_output=True,
                       text=True, timeout=240, env=env, stdin=subprocess.DEVNULL)
    tail = "\n".join(r.stdout.splitlines()[-12:])
    check(r.returncode == 0 and re.search(r"\d+ passed, 0 failed", r.stdout) is not None,
          "librdkafka balanced group with its coordinator on broker-b:\n%s" % tail)
    committed = [query_offset_topic(a_bport, prefix + "-group", prefix + "-grp", q)
                 for q in range(3)]
    check(all(c >= 10 for c in committed),
          "the group's commits are RocketMQ offsets at broker-a, the queues' owner: %s"
          % committed)


def query_offset_topic(bport, group, topic, qid):
    c = Remoting(bport)
    try:
        h, _ = c.call(14, {"consumerGroup": group, "topic": topic, "queueId": qid})
        return int(h.get("extFields", {}).get("offset", -1)) if h["code"] == 0 else -1
    finally:
        c.close()


def main():
    mqbroker, mqnamesrv = sys.argv[1], sys.argv[2]
    rdk_group = None
    for a in sys.argv[3:]:
        if a.startswith("--rdk-group="):
            rdk_group = a.split("=", 1)[1]
    tmp = tempfile.mkdtemp(prefix="it-kafka-cluster-")
    ns, nsport = it_namesrv.start_namesrv(mqnamesrv, stderr=subprocess.DEVNULL)
    namesrv = "127.0.0.1:%d" % nsport
    procs = []
    try:
        a, a_bport, a_kport, a_node = start_broker(mqbroker, tmp + "/a", "broker-a", namesrv)
        procs.append(a)
        b, b_bport, b_kport, b_node = start_broker(mqbroker, tmp + "/b", "broker-b", namesrv)
        procs.append(b)
        check(a_node != b_node, "the two brokers have different Kafka node ids (%d, %d)"
              % (a_node, b_node))
        if rdk_group:
            rdk_group_case(rdk_group, a_bport, a_kport, b_kport, b_node)
            return finish()
        check(create_topic(a_bport, 2) == 0 and create_topic(b_bport, 3) == 0,
              "topic created with 2 queues on broker-a and 3 on broker-b")
        check(wait_for(lambda: route_brokers(nsport) == {"broker-a", "broker-b"}),
              "the NameServer routes the topic to both brokers")

        want = [(0, a_node), (1, a_node), (2, b_node), (3, b_node), (4, b_node)]
        for name, kport in (("broker-a", a_kport), ("broker-b", b_kport)):
            brokers, parts = metadata(kport)
            check(brokers == {a_node: a_kport, b_node: b_kport},
                  "Metadata from %s lists both Kafka listeners: %s" % (name, brokers))
            check(parts == want, "Metadata from %s: 5 partitions, a's queues then b's, led by "
                  "their owners: %s" % (name, parts))

        # kcat follows the leaders: produce to partition 3 (broker-b's queue 1) through a
        rc, _, err = kcat(a_kport, "-P", "-t", TOPIC, "-p", "3", "-K:", data=b"k1:via-a\n")
        check(rc == 0, "kcat produced to broker-b's partition 3 through broker-a (%s)"
              % err.decode(errors="replace")[-200:])
        check(wait_for(lambda: max_offset(b_bport, 1) == 1),
              "the record is in broker-b's queue 1 (max offset %d)" % max_offset(b_bport, 1))
        check(max_offset(a_bport, 1) in (0, -1), "and not in broker-a's queue 1")
        rc, out, _ = kcat(a_kport, "-C", "-t", TOPIC, "-p", "3", "-o", "beginning", "-c", "1",
                          "-e", "-f", "%k=%s@%o\n")
        check(rc == 0 and out == b"k1=via-a@0\n", "kcat consumed it through broker-a: %r" % out)

        err, _ = produce_v3(a_kport, TOPIC, 3, record_batch([b"x"]), 5)
        check(err == 6, "Produce to broker-b's partition at broker-a: NOT_LEADER_OR_FOLLOWER "
              "(%s)" % err)
        err, _ = produce_v3(a_kport, TOPIC, 1, record_batch([b"y"]), 6)
        check(err == 0, "Produce to its own partition at broker-a: accepted (%s)" % err)
        check(fetch_v4(a_kport, 2) == 6, "Fetch of broker-b's partition at broker-a: error 6")
        check(list_offsets_v1(a_kport, 4) == 6,
              "ListOffsets of broker-b's partition at broker-a: error 6")
        check(fetch_v4(b_kport, 2) == 0, "Fetch of its own partition at broker-b: no error")

        # groups: one coordinator per group, offsets stored at the queue's owner
        group = "kc_group"
        ea, ca = find_coordinator_v0(a_kport, group)
        eb, cb = find_coordinator_v0(b_kport, group)
        check(ea == 0 and eb == 0 and ca == cb and ca in (a_node, b_node),
              "both brokers name the same coordinator for the group (%s, %s)" % (ca, cb))
        coord, other = (a_kport, b_kport) if ca == a_node else (b_kport, a_kport)
        check(heartbeat_v0(other, group) == 16,
              "a Heartbeat at the other broker gets NOT_COORDINATOR")
        check(heartbeat_v0(coord, group) != 16, "a Heartbeat at the coordinator is handled there")
        for part, owner_bport, qid in ((3, b_bport, 1), (0, a_bport, 0)):
            err = offset_commit_v2(coord, group, part, 7 + part)
            check(err == 0, "OffsetCommit of partition %d at the coordinator: no error (%s)"
                  % (part, err))
            got = query_offset(owner_bport, group, qid)
            check(got == 7 + part, "partition %d's offset is the RocketMQ group's offset of "
                  "queue %d at its owner: %s" % (part, qid, got))
            check(offset_fetch_v1(coord, group, part) == (7 + part, 0),
                  "OffsetFetch of partition %d reads it back: %s"
                  % (part, offset_fetch_v1(coord, group, part)))
        check(offset_commit_v2(other, group, 1, 5) == 16,
              "OffsetCommit at the other broker: NOT_COORDINATOR")

        b.kill()
        b.wait()
        check(wait_for(lambda: route_brokers(nsport) == {"broker-a"}),
              "after kill -9 of broker-b the NameServer routes only broker-a")
        brokers, parts = metadata(a_kport)
        check(list(brokers) == [a_node], "Metadata lists only broker-a: %s" % brokers)
        check(parts == [(0, a_node), (1, a_node), (2, -1), (3, -1), (4, -1)],
              "broker-b's partitions keep their numbers without a leader: %s" % parts)

        a.send_signal(signal.SIGTERM)
        a.wait(timeout=30)
        a, a_bport, a_kport, a_node2 = start_broker(mqbroker, tmp + "/a", "broker-a", namesrv)
        procs.append(a)
        check(a_node2 == a_node, "broker-a keeps its node id across a restart")
        check(os.path.exists(tmp + "/a/config/kafkaPartitions.json"),
              "the layout is kept in config/kafkaPartitions.json")
        _, parts = metadata(a_kport)
        check(parts == [(0, a_node), (1, a_node), (2, -1), (3, -1), (4, -1)],
              "after broker-a restarts the numbering is the same: %s" % parts)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        ns.kill()
        ns.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def finish():
    print("it_kafka_cluster: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
