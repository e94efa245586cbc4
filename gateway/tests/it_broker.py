#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_broker.py -- integration test of `mqbroker --all-in-one` with real processes on loopback.

Speaks the remoting protocol the way RocketMQ clients do: route lookup through the embedded
NameServer, SEND_MESSAGE_V2 (single and m=true batch, auto-created topic), PULL_MESSAGE and
the stored-record bodies it returns, a raw pull with a tag subscription, long polling woken by
a send, consumer offsets that survive a restart, heartbeats and consumer lists.
Usage: it_broker.py path/to/mqbroker. Prints "N passed, N failed"; exits 1 on a failure.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_namesrv  # noqa: E402  (Remoting client, check counters)
from it_namesrv import Remoting, check  # noqa: E402

MAGIC_V1 = 0xDAA320A7


def start(binary, store, args=("--mappedFileSizeCommitLog=67108864",), stderr=subprocess.PIPE):
    """Starts `mqbroker --all-in-one` on free ports (RocketMQ, NameServer and Kafka listeners)
    with its store in `store` (and `args`); returns (process, NameServer port, broker port).
    The Kafka listener's port is p.kafka_port (None when args turn it off)."""
    wrap = os.environ.get("MQ_IT_WRAP", "").split()
    p = subprocess.Popen(wrap + [binary, "--all-in-one", "--listenPort=0", "--namesrvListenPort=0",
                                 "--listeners=PLAINTEXT://127.0.0.1:0",
                                 "--storePathRootDir=" + store, "--logLevel=warn"] + list(args),
                         stdout=subprocess.PIPE, stderr=stderr, text=True)
    ns = bk = None
    p.kafka_port = None
    for _ in range(12):
        line = p.stdout.readline()
        m = re.search(r"Name Server boot success.*:(\d+)", line)
        if m:
            ns = int(m.group(1))
        m = re.search(r"The broker\[.*:(\d+)\] boot success", line)
        if m:
            bk = int(m.group(1))
        m = re.search(r"The Kafka listener boot success: .*:(\d+) ", line)
        if m:
            p.kafka_port = int(m.group(1))
        if ns and bk and line.startswith("store:"):
            return p, ns, bk
    p.kill()
    raise RuntimeError("no boot banner: %s" % (p.stderr.read() if p.stderr else ""))


def stop(p):
    p.terminate()
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        check(False, "broker stops on SIGTERM")
    check(p.returncode == 0, "clean exit: %s" % p.returncode)


def props(d):
    return "".join("%s\x01%s\x02" % kv for kv in d.items())


def decode_records(body):
    """Stored records (rocketmq-protocol.md 4.2) -> list of dicts."""
    out, off = [], 0
    while off < len(body):
        total, magic, crc, qid, flag, qoff, phys, sysflag, born = struct.unpack_from(
            ">iIiiiqqiq", body, off)
        check(magic == MAGIC_V1, "magic v1")
        p = off + 48 + 8 + 8 + 8 + 4 + 8
        blen = struct.unpack_from(">i", body, p)[0]
        b = body[p + 4:p + 4 + blen]
        check(zlib.crc32(b) & 0x7FFFFFFF == crc, "body CRC")
        p += 4 + blen
        tlen = body[p]
        topic = body[p + 1:p + 1 + tlen].decode()
        p += 1 + tlen
        plen = struct.unpack_from(">h", body, p)[0]
        pr = body[p + 2:p + 2 + plen].decode()
        d = dict(kv.split("\x01", 1) for kv in pr.split("\x02") if "\x01" in kv)
        out.append({"queueId": qid, "queueOffset": qoff, "phys": phys, "body": b,
                    "topic": topic, "props": d, "flag": flag})
        off += total
    return out


def send(c, topic, body, qid=0, tags=None, keys=None, batch=None):
    ext = {"a": "pg_it", "b": topic, "c": "TBW102", "d": 4, "e": qid, "f": 0,
           "g": int(time.time() * 1000), "h": 0, "j": 0, "k": False, "l": 16}
    if batch is not None:
        ext["m"] = True
        payload = b""
        for b, p in batch:
            pp = p.encode()
            payload += struct.pack(">iiiii", 20 + len(b) + 2 + len(pp), 0, 0, 0, len(b)) + b
            payload += struct.pack(">h", len(pp)) + pp
        return c.call(310, ext, payload)
    pr = {}
    if tags:
        pr["TAGS"] = tags
    if keys:
        pr["KEYS"] = keys
    ext["i"] = props(pr)
    return c.call(310, ext, body)


def pull(c, topic, qid, offset, group="cg_it", flags=0, sub=None, suspend=0, max_msgs=32):
    ext = {"consumerGroup": group, "topic": topic, "queueId": qid, "queueOffset": offset,
           "maxMsgNums": max_msgs, "sysFlag": flags, "commitOffset": 0,
           "suspendTimeoutMillis": suspend, "subVersion": 0}
    if sub is not None:
        ext["subscription"] = sub
        ext["expressionType"] = "TAG"
    return c.call(11, ext)


def wait_visible(c, topic, qid, max_offset, seconds=10.0):
    """Waits until GET_MAX_OFFSET of (topic, qid) reaches max_offset: the store's dispatcher
    makes a message visible just after its put (as RocketMQ's reput does), and a loaded
    machine can delay that by far more than a fixed sleep."""
    deadline = time.time() + seconds
    while True:
        h, _ = c.call(30, {"topic": topic, "queueId": qid})
        got = int(h.get("extFields", {}).get("offset", -1)) if h["code"] == 0 else -1
        if got >= max_offset or time.time() > deadline:
            check(got == max_offset, "%s/%d: max offset %d (want %d)" % (topic, qid, got,
                                                                         max_offset))
            return
        time.sleep(0.02)


def main():
    binary = sys.argv[1]
    store = tempfile.mkdtemp(prefix="it-broker-")
    p = None
    try:
        p, nsport, bkport = start(binary, store)
        ns = Remoting(nsport)
        h, body = ns.call(105, {"topic": "TBW102"})
        check(h["code"] == 0, "TBW102 route from the embedded NameServer")
        addr = json.loads(body)["brokerDatas"][0]["brokerAddrs"]["0"]
        check(addr.endswith(":%d" % bkport), "route points at the broker: %s" % addr)

        c = Remoting(bkport)
        # auto-create on first send, with the client's 4 default queues
        h, _ = send(c, "ItTopic", b"hello-0", qid=1, tags="TagA", keys="k0")
        check(h["code"] == 0, "send to a new topic auto-creates it: %s" % h)
        ext = h.get("extFields", {})
        check(len(ext.get("msgId", "")) == 32, "offset msgId: %s" % ext.get("msgId"))
        check(ext.get("queueId") == "1" and ext.get("queueOffset") == "0", "queue/offset: %s" % ext)
        time.sleep(0.3)
        h, body = ns.call(105, {"topic": "ItTopic"})
        check(h["code"] == 0 and json.loads(body)["queueDatas"][0]["writeQueueNums"] == 4,
              "auto-created topic registered at once: %s %s" % (h["code"], body[:200]))
        for i in range(1, 10):
            send(c, "ItTopic", b"hello-%d" % i, qid=1, tags="TagB" if i % 2 else "TagA",
                 keys="k%d" % i)
        # a batch, as the C++ client sends it (code 310 with m=true)
        h, _ = send(c, "ItTopic", None, qid=2,
                    batch=[(b"b%d" % i, props({"UNIQ_KEY": "U%030d" % i})) for i in range(3)])
        check(h["code"] == 0 and h["extFields"]["msgId"].count(",") == 2,
              "batch: one msgId per message: %s" % h)

        wait_visible(c, "ItTopic", 1, 10)
        wait_visible(c, "ItTopic", 2, 3)
        h, body = pull(c, "ItTopic", 1, 0)
        check(h["code"] == 0 and h["remark"] == "FOUND", "pull finds messages: %s" % h)
        recs = decode_records(body)
        check([r["body"] for r in recs] == [b"hello-%d" % i for i in range(10)],
              "all ten in order")
        check(all(len(r["props"].get("UNIQ_KEY", "")) == 32 for r in recs),
              "the broker gave each message a UNIQ_KEY")
        check(recs[0]["props"].get("TAGS") == "TagA" and recs[0]["topic"] == "ItTopic", "fields")
        e = h["extFields"]
        check(e.get("nextBeginOffset") == "10" and e.get("maxOffset") == "10" and
              e.get("minOffset") == "0" and "suggestWhichBrokerId" in e, "pull offsets: %s" % e)
        h, body = pull(c, "ItTopic", 2, 0)
        check(len(decode_records(body)) == 3, "the batch is three records")

        # a raw pull with a tag subscription: the broker filters, not only the client
        h, body = pull(c, "ItTopic", 1, 0, flags=0x4, sub="TagA")
        tags = [r["props"].get("TAGS") for r in decode_records(body)]
        check(h["code"] == 0 and tags and all(t == "TagA" for t in tags) and len(tags) == 5,
              "tag filter on the broker: %s" % tags)

        # SQL92 is refused as RocketMQ does by default (enablePropertyFilter=false), never
        # answered unfiltered
        h, _ = c.call(11, {"consumerGroup": "cg_sql", "topic": "ItTopic", "queueId": 1,
                           "queueOffset": 0, "maxMsgNums": 32, "sysFlag": 4, "commitOffset": 0,
                           "suspendTimeoutMillis": 0, "subscription": "n > 5",
                           "expressionType": "SQL92", "subVersion": 0})
        check(h["code"] == 1 and "SQL92" in h.get("remark", ""), "SQL92 pull refused: %s" % h)

        # caught up: PULL_NOT_FOUND with every offset field (ali-ons reads them)
        h, _ = pull(c, "ItTopic", 1, 10)
        check(h["code"] == 19, "caught up -> PULL_NOT_FOUND: %s" % h["code"])
        check(all(k in h["extFields"] for k in
                  ("nextBeginOffset", "minOffset", "maxOffset", "suggestWhichBrokerId")),
              "offset fields on NOT_FOUND")
        h, _ = pull(c, "ItTopic", 1, 99)
        check(h["code"] == 21 and h["extFields"]["nextBeginOffset"] == "10",
              "offset past the end -> OFFSET_MOVED to max: %s" % h)

        # long polling: a held pull is answered as soon as a message arrives
        c2 = Remoting(bkport)
        op = c2.send(11, {"consumerGroup": "cg_it", "topic": "ItTopic", "queueId": 3,
                          "queueOffset": 0, "maxMsgNums": 32, "sysFlag": 2, "commitOffset": 0,
                          "suspendTimeoutMillis": 10000, "subVersion": 0})
        time.sleep(0.5)
        t0 = time.time()
        send(c, "ItTopic", b"wake-up", qid=3)
        h, body = c2.recv()
        waited = time.time() - t0
        check(h["opaque"] == op and h["code"] == 0, "held pull answered with the message: %s" % h)
        check(waited < 2.0, "held pull woken by the send (%.3f s)" % waited)
        t0 = time.time()
        h, _ = c2.call(11, {"consumerGroup": "cg_it", "topic": "ItTopic", "queueId": 3,
                            "queueOffset": 1, "maxMsgNums": 32, "sysFlag": 2,
                            "commitOffset": 0, "suspendTimeoutMillis": 1000, "subVersion": 0})
        held = time.time() - t0
        check(h["code"] == 19 and 0.8 < held < 5, "a held pull times out as NOT_FOUND (%.2f s)"
              % held)

        # offsets: commit, query, unknown group
        h, _ = c.call(14, {"consumerGroup": "cg_new", "topic": "ItTopic", "queueId": 1,
                           "setZeroIfNotFound": False})
        check(h["code"] == 22, "no committed offset -> QUERY_NOT_FOUND")
        c.call(15, {"consumerGroup": "cg_it", "topic": "ItTopic", "queueId": 1, "commitOffset": 7})
        h, _ = c.call(14, {"consumerGroup": "cg_it", "topic": "ItTopic", "queueId": 1})
        check(h["code"] == 0 and h["extFields"].get("offset") == "7", "committed offset: %s" % h)
        h, _ = c.call(30, {"topic": "ItTopic", "queueId": 1})
        check(h["extFields"].get("offset") == "10", "GET_MAX_OFFSET")

        # heartbeat and consumer list
        hb = {"clientID": "127.0.0.1@it#1", "consumerDataSet": [{
            "groupName": "cg_it", "consumeType": "CONSUME_PASSIVELY",
            "messageModel": "CLUSTERING", "consumeFromWhere": "CONSUME_FROM_FIRST_OFFSET",
            "subscriptionDataSet": [{"topic": "ItTopic", "subString": "TagB",
                                     "classFilterMode": False, "tagsSet": ["TagB"],
                                     "codeSet": [2598920], "subVersion": 1}],
            "unitMode": False}], "producerDataSet": []}
        h, _ = c.call(34, {}, json.dumps(hb).encode())
        check(h["code"] == 0, "heartbeat")
        h, body = c.call(38, {"consumerGroup": "cg_it"})
        check(h["code"] == 0 and json.loads(body)["consumerIdList"] == ["127.0.0.1@it#1"],
              "consumer list: %s" % body)
        # NOTIFY_CONSUMER_IDS_CHANGED (40, oneway) goes to every member when the group changes
        n = c.wait_notice(40)
        check(n is not None and n.get("flag", 0) & 3 == 2 and
              n.get("extFields", {}).get("consumerGroup") == "cg_it",
              "a joining member is told the group changed: %s" % n)
        hb2 = json.loads(json.dumps(hb))
        hb2["clientID"] = "127.0.0.1@it#2"
        h, _ = c2.call(34, {}, json.dumps(hb2).encode())
        n1, n2 = c.wait_notice(40), c2.wait_notice(40)
        check(n1 is not None and n2 is not None, "a second member: both are told (%s, %s)"
              % (n1, n2))
        h, _ = c2.call(34, {}, json.dumps(hb2).encode())
        check(c.wait_notice(40, 0.5) is None, "an unchanged heartbeat notifies nobody")
        h, _ = c2.call(35, {"clientID": "127.0.0.1@it#2", "consumerGroup": "cg_it"})
        check(h["code"] == 0, "UNREGISTER_CLIENT")
        n = c.wait_notice(40)
        check(n is not None and n["extFields"]["consumerGroup"] == "cg_it",
              "the remaining member is told when one unregisters")
        c3 = Remoting(bkport)
        hb2["clientID"] = "127.0.0.1@it#3"
        c3.call(34, {}, json.dumps(hb2).encode())
        check(c.wait_notice(40) is not None, "a third member joins")
        c3.close()
        n = c.wait_notice(40)
        check(n is not None and n["extFields"]["consumerGroup"] == "cg_it",
              "the remaining member is told when one's connection closes")
        h, body = c.call(38, {"consumerGroup": "cg_it"})
        check(json.loads(body)["consumerIdList"] == ["127.0.0.1@it#1"], "back to one member")
        h, _ = ns.call(105, {"topic": "%RETRY%cg_it"})
        check(h["code"] == 0, "the group's retry topic exists and is routed")
        # a pull without its own subscription uses the heartbeat's (TagB)
        h, body = pull(c, "ItTopic", 1, 0)
        tags = [r["props"].get("TAGS") for r in decode_records(body)]
        check(tags and all(t == "TagB" for t in tags), "heartbeat subscription filters: %s" % tags)

        # restart: messages and committed offsets survive
        c.close()
        c2.close()
        ns.close()
        stop(p)
        p, nsport, bkport = start(binary, store)
        c = Remoting(bkport)
        h, _ = c.call(14, {"consumerGroup": "cg_it", "topic": "ItTopic", "queueId": 1})
        check(h["extFields"].get("offset") == "7", "offset survives a restart: %s" % h)
        h, body = pull(c, "ItTopic", 1, 7)
        check([r["body"] for r in decode_records(body)] == [b"hello-7", b"hello-8", b"hello-9"],
              "messages survive a restart, from the committed offset")
        h, _ = send(c, "ItTopic", b"after-restart", qid=1)
        check(h["extFields"].get("queueOffset") == "10", "offsets continue after a restart")
        c.close()
    finally:
        if p and p.poll() is None:
            stop(p)
        shutil.rmtree(store, ignore_errors=True)
    print("it_broker: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
