#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_kafka_group.py -- integration test of the Kafka consumer-group and topic-admin APIs of
`mqbroker --all-in-one` (gateway/gw_kafka_group.c, gateway/gw_kafka_admin.c).

Speaks raw Kafka with a tiny struct-packed client (non-flexible versions, plus DescribeCluster
v0 which is flexible): FindCoordinator, CreateTopics / CreatePartitions / DeleteTopics, a group
of two members (one generation, one leader, the leader's assignments reach both), heartbeats,
a third member forcing REBALANCE_IN_PROGRESS, JoinGroup v5's MEMBER_ID_REQUIRED, OffsetCommit
and OffsetFetch (and the same offset seen by a RocketMQ QUERY_CONSUMER_OFFSET), LeaveGroup,
DescribeGroups / ListGroups, DeleteGroups, DescribeConfigs and DescribeCluster.
Usage: it_kafka_group.py path/to/mqbroker. Prints "N passed, N failed"; exits 1 on a failure.
"""
import os
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_namesrv  # noqa: E402  (Remoting client, check counters)
from it_namesrv import Remoting, check  # noqa: E402
from it_broker import start, stop  # noqa: E402

TOPIC = "it.kgroup-topic"      # a Kafka name with a '.': stored as "it|kgroup-topic"
TOPIC_RMQ = "it|kgroup-topic"
GROUP = "it_kgroup"            # the same name for Kafka and RocketMQ
GROUP2 = "it.kgroup.v5"        # JoinGroup v5 (MEMBER_ID_REQUIRED)

# API keys
FIND_COORDINATOR, JOIN, HEARTBEAT, LEAVE, SYNC = 10, 11, 12, 13, 14
OFFSET_COMMIT, OFFSET_FETCH, DESCRIBE_GROUPS, LIST_GROUPS, DELETE_GROUPS = 8, 9, 15, 16, 42
CREATE_TOPICS, DELETE_TOPICS, CREATE_PARTITIONS, DESCRIBE_CONFIGS = 19, 20, 37, 32
DESCRIBE_CLUSTER = 60

# Kafka error codes
NONE, UNKNOWN_TOPIC, COORD_NOT_AVAILABLE, INVALID_TOPIC = 0, 3, 15, 17
ILLEGAL_GENERATION, UNKNOWN_MEMBER, REBALANCE = 22, 25, 27
TOPIC_EXISTS, INVALID_PARTITIONS, INVALID_RF, MEMBER_ID_REQUIRED = 36, 37, 38, 79
GROUP_NOT_FOUND = 69


def ok(cond, what):
    check(cond, what)
    if cond:
        print("ok:", what, flush=True)


# ---- encoding ----

def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def s(v):
    """STRING / NULLABLE_STRING (None = null)."""
    if v is None:
        return i16(-1)
    b = v.encode() if isinstance(v, str) else v
    return i16(len(b)) + b


def by(v):
    """BYTES."""
    return i32(len(v)) + v


def arr(items, enc):
    if items is None:
        return i32(-1)
    return i32(len(items)) + b"".join(enc(x) for x in items)


def uvarint(v):
    out = b""
    while True:
        if v < 0x80:
            return out + bytes([v])
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7


def cs(v):
    """COMPACT_(NULLABLE_)STRING."""
    if v is None:
        return uvarint(0)
    b = v.encode()
    return uvarint(len(b) + 1) + b


def carr(items, enc):
    if items is None:
        return uvarint(0)
    return uvarint(len(items) + 1) + b"".join(enc(x) for x in items)


TAGS = uvarint(0)  # an empty tagged-fields block


class Rd:
    """A bounds-checked reader of a response body."""

    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, n):
        if self.o + n > len(self.b):
            raise ValueError("short response (%d + %d > %d)" % (self.o, n, len(self.b)))
        v = self.b[self.o:self.o + n]
        self.o += n
        return v

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def s(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def by(self):
        n = self.i32()
        return None if n < 0 else self.take(n)

    def arr(self, dec):
        n = self.i32()
        return None if n < 0 else [dec(self) for _ in range(n)]

    def uvarint(self):
        v = shift = 0
        while True:
            c = self.take(1)[0]
            v |= (c & 0x7F) << shift
            if c < 0x80:
                return v
            shift += 7

    def cs(self):
        n = self.uvarint() - 1
        return None if n < 0 else self.take(n).decode()

    def carr(self, dec):
        n = self.uvarint() - 1
        return None if n < 0 else [dec(self) for _ in range(n)]

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())


class Kafka:
    """One Kafka connection: requests with header v1 (v2 when flexible), responses in order."""

    def __init__(self, port, client_id="it-kgroup"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.client_id = client_id
        self.corr = 0
        self.buf = b""
        self.sent = []

    def send(self, api, ver, body, flex=False):
        self.corr += 1
        hdr = i16(api) + i16(ver) + i32(self.corr) + s(self.client_id)
        if flex:
            hdr += uvarint(0)
        frame = hdr + body
        self.sock.sendall(i32(len(frame)) + frame)
        self.sent.append((self.corr, flex))
        return self.corr

    def recv(self):
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">i", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    frame, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    corr, flex = self.sent.pop(0)
                    r = Rd(frame)
                    got = r.i32()
                    if got != corr:
                        raise ValueError("correlation id %d, expected %d" % (got, corr))
                    if flex:
                        r.tags()
                    return r
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the broker")
            self.buf += chunk

    def call(self, api, ver, body, flex=False):
        self.send(api, ver, body, flex)
        return self.recv()

    def close(self):
        self.sock.close()


# ---- APIs (request bodies and parsed responses) ----

def find_coordinator(k, key, key_type=0):
    r = k.call(FIND_COORDINATOR, 1, s(key) + i8(key_type))
    r.i32()
    return {"error": r.i16(), "message": r.s(), "node_id": r.i32(), "host": r.s(),
            "port": r.i32()}


def find_coordinators(k, keys):
    """FindCoordinator v4 (flexible): a batch of group keys."""
    r = k.call(FIND_COORDINATOR, 4, i8(0) + carr(keys, cs) + TAGS, flex=True)
    r.i32()

    def coord(rr):
        c = {"key": rr.cs(), "node_id": rr.i32(), "host": rr.cs(), "port": rr.i32(),
             "error": rr.i16(), "message": rr.cs()}
        rr.tags()
        return c
    return r.carr(coord)


def offset_fetch_v8(k, groups):
    """OffsetFetch v8 (flexible): groups = [(group, {topic: [partitions]} or None)]."""
    def topic(t):
        return cs(t[0]) + carr(t[1], i32) + TAGS

    def group(g):
        return cs(g[0]) + (uvarint(0) if g[1] is None else carr(sorted(g[1].items()), topic)) + \
            TAGS
    r = k.call(OFFSET_FETCH, 8, carr(groups, group) + i8(0) + TAGS, flex=True)
    r.i32()

    def part(rr):
        v = (rr.i32(), rr.i64(), rr.i32(), rr.cs(), rr.i16())
        rr.tags()
        return v

    def rtopic(rr):
        v = (rr.cs(), rr.carr(part))
        rr.tags()
        return v

    def rgroup(rr):
        gid, topics, err = rr.cs(), rr.carr(rtopic), rr.i16()
        rr.tags()
        return gid, err, {t: {x[0]: x[1:] for x in ps} for t, ps in topics}
    return r.carr(rgroup)


def leave_v3(k, group, members):
    """LeaveGroup v3 (a batch, not flexible): {member_id: error}, top-level error."""
    r = k.call(LEAVE, 3, s(group) + arr(members, lambda m: s(m) + s(None)))
    r.i32()
    err = r.i16()
    return err, dict(r.arr(lambda rr: (rr.s(), rr.s(), rr.i16())[::2]))


def join_body(group, member_id, metadata, ver=2, instance=None):
    body = s(group) + i32(10000) + i32(10000) + s(member_id)
    if ver >= 5:
        body += s(instance)
    return body + s("consumer") + arr([("range", metadata)], lambda p: s(p[0]) + by(p[1]))


def join_result(r, ver=2):
    r.i32()
    out = {"error": r.i16(), "generation": r.i32(), "protocol": r.s(), "leader": r.s(),
           "member_id": r.s()}

    def member(rr):
        mid = rr.s()
        if ver >= 5:
            rr.s()
        return (mid, rr.by())
    out["members"] = r.arr(member)
    return out


def sync(k, group, gen, member_id, assignments=()):
    body = s(group) + i32(gen) + s(member_id) + \
        arr(list(assignments), lambda a: s(a[0]) + by(a[1]))
    r = k.call(SYNC, 1, body)
    r.i32()
    return r.i16(), r.by()


def heartbeat(k, group, gen, member_id):
    r = k.call(HEARTBEAT, 1, s(group) + i32(gen) + s(member_id))
    r.i32()
    return r.i16()


def wait_rebalance(k, group, gen, member_id, seconds=5.0):
    """Heartbeats until REBALANCE_IN_PROGRESS (another connection's join is on its way)."""
    deadline = time.time() + seconds
    while True:
        err = heartbeat(k, group, gen, member_id)
        if err != NONE or time.time() > deadline:
            return err == REBALANCE
        time.sleep(0.05)


def leave(k, group, member_id):
    r = k.call(LEAVE, 1, s(group) + s(member_id))
    r.i32()
    return r.i16()


def offset_commit(k, group, gen, member_id, topic, offsets):
    parts = arr(sorted(offsets.items()), lambda p: i32(p[0]) + i64(p[1]) + s("meta-%d" % p[0]))
    body = s(group) + i32(gen) + s(member_id) + i64(-1) + arr([topic], lambda t: s(t) + parts)
    r = k.call(OFFSET_COMMIT, 2, body)
    return {t: {p: e for p, e in ps} for t, ps in
            r.arr(lambda rr: (rr.s(), rr.arr(lambda q: (q.i32(), q.i16()))))}


def offset_fetch(k, group, topics):
    """topics: {name: [partitions]} or None (every committed partition). OffsetFetch v2."""
    body = s(group) + (i32(-1) if topics is None else arr(
        sorted(topics.items()), lambda t: s(t[0]) + arr(t[1], i32)))
    r = k.call(OFFSET_FETCH, 2, body)
    res = r.arr(lambda rr: (rr.s(), rr.arr(lambda q: (q.i32(), q.i64(), q.s(), q.i16()))))
    err = r.i16()
    return err, {t: {p[0]: p[1:] for p in ps} for t, ps in res}


def describe_groups(k, groups):
    r = k.call(DESCRIBE_GROUPS, 1, arr(groups, s))
    r.i32()

    def member(rr):
        return {"member_id": rr.s(), "client_id": rr.s(), "client_host": rr.s(),
                "metadata": rr.by(), "assignment": rr.by()}

    def group(rr):
        return {"error": rr.i16(), "group_id": rr.s(), "state": rr.s(), "protocol_type": rr.s(),
                "protocol": rr.s(), "members": rr.arr(member)}
    return r.arr(group)


def list_groups(k):
    r = k.call(LIST_GROUPS, 1, b"")
    r.i32()
    err = r.i16()
    return err, dict(r.arr(lambda rr: (rr.s(), rr.s())))


def delete_groups(k, groups):
    r = k.call(DELETE_GROUPS, 1, arr(groups, s))
    r.i32()
    return dict(r.arr(lambda rr: (rr.s(), rr.i16())))


def create_topics(k, topics, validate_only=False):
    """topics: [(name, num_partitions, replication_factor)]; CreateTopics v2."""
    def topic(t):
        return s(t[0]) + i32(t[1]) + i16(t[2]) + arr([], None) + \
            arr([("retention.ms", "1000")], lambda c: s(c[0]) + s(c[1]))
    r = k.call(CREATE_TOPICS, 2, arr(topics, topic) + i32(5000) + i8(1 if validate_only else 0))
    r.i32()
    return {n: (e, m) for n, e, m in r.arr(lambda rr: (rr.s(), rr.i16(), rr.s()))}


def delete_topics(k, names):
    r = k.call(DELETE_TOPICS, 1, arr(names, s) + i32(5000))
    r.i32()
    return dict(r.arr(lambda rr: (rr.s(), rr.i16())))


def create_partitions(k, topics, validate_only=False):
    """topics: [(name, count)]; CreatePartitions v1."""
    r = k.call(CREATE_PARTITIONS, 1, arr(topics, lambda t: s(t[0]) + i32(t[1]) + i32(-1)) +
               i32(5000) + i8(1 if validate_only else 0))
    r.i32()
    return {n: (e, m) for n, e, m in r.arr(lambda rr: (rr.s(), rr.i16(), rr.s()))}


def describe_configs(k, resources):
    """resources: [(type, name, keys or None)]; DescribeConfigs v1."""
    r = k.call(DESCRIBE_CONFIGS, 1, arr(resources, lambda x: i8(x[0]) + s(x[1]) +
                                        arr(x[2], s)) + i8(0))
    r.i32()

    def entry(rr):
        name, value, ro, src, sens = rr.s(), rr.s(), rr.i8(), rr.i8(), rr.i8()
        rr.arr(lambda q: (q.s(), q.s(), q.i8()))
        return name, (value, ro, src, sens)

    def result(rr):
        err, msg, typ, name = rr.i16(), rr.s(), rr.i8(), rr.s()
        return {"error": err, "message": msg, "type": typ, "name": name,
                "configs": dict(rr.arr(entry))}
    return r.arr(result)


def describe_cluster(k):
    r = k.call(DESCRIBE_CLUSTER, 0, i8(0) + uvarint(0), flex=True)
    r.i32()
    out = {"error": r.i16(), "message": r.cs(), "cluster_id": r.cs(), "controller": r.i32()}

    def broker(rr):
        b = (rr.i32(), rr.cs(), rr.i32(), rr.cs())
        rr.tags()
        return b
    out["brokers"] = r.carr(broker)
    return out


# ---- the test ----

def main():
    binary = sys.argv[1]
    store = tempfile.mkdtemp(prefix="it-kgroup-")
    p = None
    conns = []
    try:
        p, _, bkport = start(binary, store, args=("--mappedFileSizeCommitLog=67108864",
                                                  "--groupInitialRebalanceDelayMs=0"))
        ok(p.kafka_port is not None, "the Kafka listener is up")
        port = p.kafka_port
        ka, kb, kc, kadm = (Kafka(port, "it-a"), Kafka(port, "it-b"), Kafka(port, "it-c"),
                            Kafka(port, "it-admin"))
        conns = [ka, kb, kc, kadm]

        # ---- FindCoordinator ----
        fc = find_coordinator(kadm, GROUP)
        ok(fc["error"] == NONE and fc["port"] == port and fc["host"] == "127.0.0.1",
           "FindCoordinator: this broker coordinates the group: %s" % fc)
        fcs = find_coordinators(kadm, [GROUP, "g.two"])
        ok([(c["key"], c["error"], c["node_id"], c["port"]) for c in fcs] ==
           [(GROUP, NONE, fc["node_id"], port), ("g.two", NONE, fc["node_id"], port)],
           "FindCoordinator v4: one coordinator per key: %s" % fcs)
        fc2 = find_coordinator(kadm, "txn-1", key_type=1)
        ok(fc2["error"] == COORD_NOT_AVAILABLE and fc2["node_id"] == -1,
           "FindCoordinator: no transaction coordinator: %s" % fc2)

        # ---- topic admin ----
        res = create_topics(kadm, [(TOPIC, 3, 1), ("bad/name", 1, -1), ("it.rf3", 1, 3),
                                   ("it.zero", 0, -1)])
        ok(res.get(TOPIC, (None,))[0] == NONE, "CreateTopics creates %s: %s" % (TOPIC, res))
        ok(res.get("bad/name", (None,))[0] == INVALID_TOPIC, "invalid name -> 17: %s" % res)
        ok(res.get("it.rf3", (None,))[0] == INVALID_RF, "replication factor 3 -> 38")
        ok(res.get("it.zero", (None,))[0] == INVALID_PARTITIONS, "0 partitions -> 37")
        res = create_topics(kadm, [(TOPIC, 3, -1)])
        ok(res[TOPIC][0] == TOPIC_EXISTS, "CreateTopics again -> TOPIC_ALREADY_EXISTS: %s" % res)
        res = create_topics(kadm, [("it.validate", 2, -1)], validate_only=True)
        ok(res["it.validate"][0] == NONE, "validate_only: ok")
        res = delete_topics(kadm, ["it.validate"])
        ok(res["it.validate"] == UNKNOWN_TOPIC, "validate_only created nothing: %s" % res)
        res = create_partitions(kadm, [(TOPIC, 3)])
        ok(res[TOPIC] == (INVALID_PARTITIONS, "Topic already has 3 partitions."),
           "CreatePartitions to the same count: %s" % res)
        res = create_partitions(kadm, [(TOPIC, 2)])
        ok(res[TOPIC][0] == INVALID_PARTITIONS, "CreatePartitions cannot shrink: %s" % res)
        res = create_partitions(kadm, [(TOPIC, 4), ("it.nosuch", 5)])
        ok(res[TOPIC][0] == NONE, "CreatePartitions grows 3 -> 4: %s" % res)
        ok(res["it.nosuch"][0] == UNKNOWN_TOPIC, "CreatePartitions of an unknown topic -> 3")
        res = create_partitions(kadm, [(TOPIC, 4)])
        ok(res[TOPIC][1] == "Topic already has 4 partitions.", "now 4 partitions: %s" % res)

        # the RocketMQ view of the topic
        rmq = Remoting(bkport)
        conns.append(rmq)
        h, body = rmq.call(351, {"topic": TOPIC_RMQ})  # GET_TOPIC_CONFIG
        ok(h["code"] == 0 and b'"writeQueueNums":4' in body.replace(b" ", b""),
           "stored as %s with 4 queues: %s %s" % (TOPIC_RMQ, h["code"], body[:200]))

        # ---- DescribeConfigs / DescribeCluster ----
        res = describe_configs(kadm, [(2, TOPIC, None), (2, "it.nosuch", None),
                                      (4, str(fc["node_id"]), ["num.partitions"]),
                                      (4, "12345678", None), (2, TOPIC, ["retention.ms"])])
        ok(res[0]["error"] == NONE and res[0]["name"] == TOPIC and
           res[0]["configs"].get("cleanup.policy", (None,))[0] == "delete" and
           res[0]["configs"].get("retention.ms", (None,))[0] == "259200000",
           "DescribeConfigs of a topic: %s" % res[0])
        ok(res[1]["error"] == UNKNOWN_TOPIC, "DescribeConfigs of an unknown topic -> 3")
        ok(res[2]["error"] == NONE and list(res[2]["configs"]) == ["num.partitions"] and
           res[2]["configs"]["num.partitions"][0] == "1",
           "DescribeConfigs of the broker, filtered: %s" % res[2])
        ok(res[3]["error"] != NONE, "DescribeConfigs of another broker id fails")
        ok(list(res[4]["configs"]) == ["retention.ms"], "configuration keys filter a topic")
        dc = describe_cluster(kadm)
        ok(dc["error"] == NONE and dc["controller"] == fc["node_id"] and
           dc["brokers"] == [(fc["node_id"], "127.0.0.1", port, None)] and dc["cluster_id"],
           "DescribeCluster: %s" % dc)

        # ---- two members, one generation ----
        r = ka.call(JOIN, 2, join_body(GROUP, "", b"meta-A"))
        j = join_result(r)
        ok(j["error"] == NONE and j["generation"] == 1 and j["leader"] == j["member_id"],
           "A joins alone: generation 1, leader: %s" % j)
        a = j["member_id"]
        ok(a.startswith("it-a-"), "member ids start with the client id: %s" % a)
        kb.send(JOIN, 2, join_body(GROUP, "", b"meta-B"))  # parked: A has to rejoin
        ok(wait_rebalance(ka, GROUP, 1, a), "B's join: A's heartbeat says rebalance")
        ka.send(JOIN, 2, join_body(GROUP, a, b"meta-A"))
        ja, jb = join_result(ka.recv()), join_result(kb.recv())
        b = jb["member_id"]
        ok(ja["error"] == NONE and jb["error"] == NONE and ja["generation"] == 2 and
           jb["generation"] == 2, "both in generation 2: %s / %s" % (ja, jb))
        ok(ja["leader"] == a and jb["leader"] == a and ja["protocol"] == "range",
           "one leader (A), protocol range")
        ok(sorted(ja["members"]) == sorted([(a, b"meta-A"), (b, b"meta-B")]) and
           jb["members"] == [], "the leader gets the member list, the follower none")
        kb.send(SYNC, 1, s(GROUP) + i32(2) + s(b) + arr([], None))  # waits for the leader
        err, asg = sync(ka, GROUP, 2, a, [(a, b"asg-A"), (b, b"asg-B")])
        r = kb.recv()
        r.i32()
        errb, asgb = r.i16(), r.by()
        ok(err == NONE and asg == b"asg-A" and errb == NONE and asgb == b"asg-B",
           "the leader's SyncGroup assignments reach both: %r %r" % (asg, asgb))
        ok(heartbeat(ka, GROUP, 2, a) == NONE and heartbeat(kb, GROUP, 2, b) == NONE,
           "heartbeats ok in Stable")
        ok(heartbeat(ka, GROUP, 1, a) == ILLEGAL_GENERATION, "old generation -> 22")
        ok(heartbeat(ka, GROUP, 2, "nobody") == UNKNOWN_MEMBER, "unknown member -> 25")

        dg = describe_groups(kadm, [GROUP, "it.nosuch.group"])
        g = dg[0]
        ok(g["error"] == NONE and g["group_id"] == GROUP and g["state"] == "Stable" and
           g["protocol_type"] == "consumer" and g["protocol"] == "range" and
           len(g["members"]) == 2, "DescribeGroups: Stable with 2 members: %s" % g)
        ma = [m for m in g["members"] if m["member_id"] == a]
        ok(ma and ma[0]["client_id"] == "it-a" and ma[0]["client_host"] == "/127.0.0.1" and
           ma[0]["assignment"] == b"asg-A" and ma[0]["metadata"] == b"meta-A",
           "DescribeGroups member: %s" % ma)
        ok(dg[1]["group_id"] == "it.nosuch.group" and dg[1]["state"] == "Dead",
           "DescribeGroups of an unknown group: Dead: %s" % dg[1])

        # ---- offsets ----
        res = offset_commit(ka, GROUP, 2, a, TOPIC, {0: 11, 1: 22, 3: 33})
        ok(res == {TOPIC: {0: NONE, 1: NONE, 3: NONE}}, "OffsetCommit: %s" % res)
        res = offset_commit(ka, GROUP, 2, a, "it.nosuch", {0: 1})
        ok(res == {"it.nosuch": {0: UNKNOWN_TOPIC}}, "OffsetCommit of an unknown topic -> 3")
        res = offset_commit(ka, GROUP, 1, a, TOPIC, {0: 5})
        ok(res == {TOPIC: {0: ILLEGAL_GENERATION}}, "OffsetCommit of an old generation -> 22")
        err, res = offset_fetch(kb, GROUP, {TOPIC: [0, 1, 2, 3]})
        ok(err == NONE and res[TOPIC][0] == (11, "meta-0", NONE) and res[TOPIC][1][0] == 22 and
           res[TOPIC][2][0] == -1 and res[TOPIC][3][0] == 33, "OffsetFetch: %s" % res)
        err, res = offset_fetch(kb, GROUP, None)
        ok(err == NONE and sorted(res.get(TOPIC, {}).items()) ==
           [(0, (11, "meta-0", NONE)), (1, (22, "meta-1", NONE)), (3, (33, "meta-3", NONE))],
           "OffsetFetch of every topic: %s" % res)
        res = offset_fetch_v8(kadm, [(GROUP, {TOPIC: [1, 3]}), ("it.empty", None),
                                     (GROUP, None)])
        ok(len(res) == 3 and res[0] == (GROUP, NONE, {TOPIC: {1: (22, -1, "meta-1", NONE),
                                                             3: (33, -1, "meta-3", NONE)}}) and
           res[1] == ("it.empty", NONE, {}) and res[2][2].get(TOPIC, {}).get(0, (0,))[0] == 11,
           "OffsetFetch v8: several groups: %s" % res)
        h, _ = rmq.call(14, {"consumerGroup": GROUP, "topic": TOPIC_RMQ, "queueId": 3})
        ok(h["code"] == 0 and h["extFields"].get("offset") == "33",
           "RocketMQ QUERY_CONSUMER_OFFSET sees the Kafka commit: %s" % h)

        # ---- a third member: rebalance ----
        kc.send(JOIN, 2, join_body(GROUP, "", b"meta-C"))
        ok(wait_rebalance(ka, GROUP, 2, a) and heartbeat(kb, GROUP, 2, b) == REBALANCE,
           "a third member's join: REBALANCE_IN_PROGRESS on heartbeat")
        ka.send(JOIN, 2, join_body(GROUP, a, b"meta-A"))
        kb.send(JOIN, 2, join_body(GROUP, b, b"meta-B"))
        ja, jb, jc = join_result(ka.recv()), join_result(kb.recv()), join_result(kc.recv())
        c = jc["member_id"]
        ok(all(x["error"] == NONE and x["generation"] == 3 and x["leader"] == a
               for x in (ja, jb, jc)) and len(ja["members"]) == 3,
           "generation 3 with three members: %s" % [ja, jb, jc])
        kb.send(SYNC, 1, s(GROUP) + i32(3) + s(b) + arr([], None))
        kc.send(SYNC, 1, s(GROUP) + i32(3) + s(c) + arr([], None))
        err, asg = sync(ka, GROUP, 3, a, [(a, b"A3"), (b, b"B3"), (c, b"C3")])
        rb, rc = kb.recv(), kc.recv()
        rb.i32()
        rc.i32()
        ok(err == NONE and (rb.i16(), rb.by()) == (NONE, b"B3") and
           (rc.i16(), rc.by()) == (NONE, b"C3"), "generation 3 assignments reach everyone")

        # ---- unmappable group ids ----
        je = join_result(kadm.call(JOIN, 2, join_body("", "", b"x")))
        ok(je["error"] == 24, "JoinGroup with an empty group id -> INVALID_GROUP_ID: %s" % je)
        res = offset_commit(kadm, "", -1, "", TOPIC, {0: 1})
        ok(res == {TOPIC: {0: 24}}, "OffsetCommit with an empty group id -> 24: %s" % res)
        res = offset_commit(kadm, "it.simple", -1, "", TOPIC, {2: 7})
        err, got = offset_fetch(kadm, "it.simple", {TOPIC: [2]})
        ok(res == {TOPIC: {2: NONE}} and got[TOPIC][2][0] == 7,
           "a simple commit (generation -1, no member) of an unknown group: %s %s" % (res, got))

        # ---- JoinGroup v5: MEMBER_ID_REQUIRED ----
        k5 = Kafka(port, "it-v5")
        conns.append(k5)
        j5 = join_result(k5.call(JOIN, 5, join_body(GROUP2, "", b"m5", ver=5)), ver=5)
        ok(j5["error"] == MEMBER_ID_REQUIRED and j5["member_id"].startswith("it-v5-") and
           j5["generation"] == -1, "JoinGroup v5: MEMBER_ID_REQUIRED with an id: %s" % j5)
        j5b = join_result(k5.call(JOIN, 5, join_body(GROUP2, j5["member_id"], b"m5", ver=5)),
                          ver=5)
        ok(j5b["error"] == NONE and j5b["member_id"] == j5["member_id"] and
           j5b["generation"] == 1, "JoinGroup v5 rejoin with the id: %s" % j5b)

        # ---- leave, list, delete ----
        ok(leave(kc, GROUP, c) == NONE, "LeaveGroup of C")
        ok(leave(kc, GROUP, c) == UNKNOWN_MEMBER, "LeaveGroup twice -> UNKNOWN_MEMBER_ID")
        res = delete_groups(kadm, [GROUP])
        ok(res == {GROUP: 68}, "DeleteGroups of a group with members -> NON_EMPTY_GROUP: %s" % res)
        err, res = leave_v3(kadm, GROUP, [a, b, "nobody"])
        ok(err == NONE and res == {a: NONE, b: NONE, "nobody": UNKNOWN_MEMBER},
           "LeaveGroup v3: A and B leave in one batch: %s %s" % (err, res))
        ok(leave(k5, GROUP2, j5b["member_id"]) == NONE, "LeaveGroup of the v5 member")
        g = describe_groups(kadm, [GROUP])[0]
        ok(g["error"] == NONE and g["state"] == "Empty" and g["members"] == [],
           "DescribeGroups after everyone left: Empty: %s" % g)
        err, groups = list_groups(kadm)
        ok(err == NONE and groups.get(GROUP) == "consumer" and GROUP2 in groups,
           "ListGroups shows the groups: %s" % groups)
        res = delete_groups(kadm, [GROUP, GROUP2, "it.never", "it.simple"])
        ok(res == {GROUP: NONE, GROUP2: NONE, "it.never": GROUP_NOT_FOUND, "it.simple": NONE},
           "DeleteGroups of empty groups: %s" % res)
        g = describe_groups(kadm, [GROUP])[0]
        ok(g["state"] == "Dead", "a deleted group is Dead: %s" % g)
        err, res = offset_fetch(kb, GROUP, {TOPIC: [0]})
        ok(err == NONE and res[TOPIC][0][0] == -1, "its offsets went with it: %s" % res)

        # ---- DeleteTopics ----
        res = delete_topics(kadm, [TOPIC, "it.nosuch"])
        ok(res == {TOPIC: NONE, "it.nosuch": UNKNOWN_TOPIC}, "DeleteTopics: %s" % res)
        res = delete_topics(kadm, [TOPIC])
        ok(res == {TOPIC: UNKNOWN_TOPIC}, "DeleteTopics again -> UNKNOWN_TOPIC_OR_PARTITION")
        res = create_partitions(kadm, [(TOPIC, 8)])
        ok(res[TOPIC][0] == UNKNOWN_TOPIC, "the topic is gone for CreatePartitions too")
    except (OSError, ValueError) as e:
        check(False, "exception: %r" % e)
    finally:
        for k in conns:
            try:
                k.close()
            except OSError:
                pass
        if p and p.poll() is None:
            stop(p)
        shutil.rmtree(store, ignore_errors=True)
    print("it_kafka_group: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
