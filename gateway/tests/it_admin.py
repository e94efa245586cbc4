#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_admin.py -- integration test of the broker's admin request codes on `mqbroker --all-in-one`.

Talks the remoting protocol the way mqadmin and the Java client do: create a topic (and see the
embedded NameServer route it), list and get topic configs, query messages by key and by
UNIQ_KEY, view one by its offset msgId, consume stats and topic stats against committed offsets,
runtime info counters, broker config get/update, reset offset by time, consumer connections,
subscription groups, topic deletion (gone from config and route), and persistence across a
restart. The broker runs with -c broker.conf: config updates are written back into that file
(and without -c into <store>/config/broker.properties) and survive a restart. consumeTps counts
what a group pulled. Bodies keyed by MessageQueue are parsed the way fastjson writes them
(object keys).
Usage: it_admin.py path/to/mqbroker. Prints "N passed, N failed"; exits 1 on a failure.
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_namesrv  # noqa: E402  (Remoting client, check counters)
from it_namesrv import Remoting, check  # noqa: E402
from it_broker import start, stop, send, pull, decode_records, wait_visible  # noqa: E402

TOPIC = "AdminTopic"
GROUP = "cg_admin"
ARGS = ("--mappedFileSizeCommitLog=67108864",)
CONF = "# it_admin's broker.conf\nbrokerClusterName = DefaultCluster\nautoCreateTopicEnable=true\n" \
       "deleteWhen=04\n"


def fastjson(text):
    """Parses JSON where object keys may themselves be objects (fastjson's MessageQueue keys);
    such keys come back as tuples of their sorted items."""
    pos = 0

    def ws():
        nonlocal pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1

    def value():
        nonlocal pos
        ws()
        ch = text[pos]
        if ch == "{":
            pos += 1
            out = {}
            ws()
            if text[pos] == "}":
                pos += 1
                return out
            while True:
                k = value()
                if isinstance(k, dict):
                    k = tuple(sorted(k.items()))
                ws()
                assert text[pos] == ":", "colon at %d" % pos
                pos += 1
                out[k] = value()
                ws()
                if text[pos] == ",":
                    pos += 1
                    continue
                assert text[pos] == "}", "brace at %d" % pos
                pos += 1
                return out
        if ch == "[":
            pos += 1
            out = []
            ws()
            if text[pos] == "]":
                pos += 1
                return out
            while True:
                out.append(value())
                ws()
                if text[pos] == ",":
                    pos += 1
                    continue
                assert text[pos] == "]"
                pos += 1
                return out
        dec = json.JSONDecoder()
        v, end = dec.raw_decode(text, pos)
        pos = end
        return v

    v = value()
    ws()
    assert pos == len(text), "trailing bytes at %d" % pos
    return v


def mq_table(body):
    """{"offsetTable":{MessageQueue:v}} -> {(topic, queueId): v}, checking brokerName."""
    d = fastjson(body.decode())
    out = {}
    for k, v in d["offsetTable"].items():
        mq = dict(k)
        check(mq.get("brokerName") == "broker-a", "MessageQueue key brokerName: %s" % (mq,))
        out[(mq["topic"], mq["queueId"])] = v
    return d, out


def runtime(c):
    h, body = c.call(28)
    check(h["code"] == 0, "GET_BROKER_RUNTIME_INFO: %s" % h)
    return json.loads(body)["table"]


def broker_config(c):
    h, body = c.call(26)
    check(h["code"] == 0, "GET_BROKER_CONFIG: %s" % h)
    props = dict(line.split("=", 1) for line in body.decode().splitlines() if "=" in line)
    return json.loads(h["extFields"]["version"]), props


def phys_of(msg_id):
    """The CommitLog offset an offset msgId carries (last 16 hex digits)."""
    return int(msg_id[-16:], 16)


def query(c, key, uniq=False, max_num=32):
    ext = {"topic": TOPIC, "key": key, "maxNum": max_num, "beginTimestamp": 0,
           "endTimestamp": int(time.time() * 1000) + 3600000}
    if uniq:
        ext["_UNIQUE_KEY_QUERY"] = "true"
    for _ in range(30):  # the index is built by the dispatcher, just after the put
        h, body = c.call(12, ext)
        if h["code"] == 0:
            break
        time.sleep(0.1)
    return h, body


def read(path):
    with open(path) as f:
        return f.read()


def config_default_file(binary):
    """Without -c, updates go to <storePathRootDir>/config/broker.properties (RocketMQ writes
    ~/store/config/broker.properties), which `mqbroker -c` can start from."""
    store = tempfile.mkdtemp(prefix="it-admin-noconf-")
    p = None
    try:
        p, _, bkport = start(binary, store)
        c = Remoting(bkport)
        path = os.path.join(store, "config", "broker.properties")
        _, props = broker_config(c)
        check(props.get("brokerConfigPath") == "", "no -c: brokerConfigPath is empty (%r)"
              % props.get("brokerConfigPath"))
        h, _ = c.call(25, {}, b"shortPollingTimeMills=700\n")
        check(h["code"] == 0, "UPDATE_BROKER_CONFIG without -c: %s" % h)
        text = read(path) if os.path.exists(path) else ""
        check(text.startswith("# ") and "shortPollingTimeMills=700\n" in text,
              "written to <store>/config/broker.properties: %r" % text)
        c.close()
        stop(p)
        p, _, bkport = start(binary, store, ARGS + ("-c", path))
        c = Remoting(bkport)
        _, props = broker_config(c)
        check(props.get("shortPollingTimeMills") == "700" and
              props.get("brokerConfigPath") == path,
              "a restart with -c of that file has it: %s" % props.get("shortPollingTimeMills"))
        c.close()
    finally:
        if p and p.poll() is None:
            stop(p)
        shutil.rmtree(store, ignore_errors=True)


def main():
    binary = sys.argv[1]
    store = tempfile.mkdtemp(prefix="it-admin-")
    confdir = tempfile.mkdtemp(prefix="it-admin-conf-")
    conf = os.path.join(confdir, "broker.conf")
    with open(conf, "w") as f:
        f.write(CONF)
    p = None
    try:
        p, nsport, bkport = start(binary, store, ARGS + ("-c", conf))
        ns, c = Remoting(nsport), Remoting(bkport)
        rt0 = runtime(c)
        for k in ("msgPutTotalTodayNow", "msgGetTotalTodayNow", "commitLogMinOffset",
                  "commitLogMaxOffset", "brokerVersionDesc", "brokerVersion", "putTps",
                  "getTransferedTps", "runtime", "bootTimestamp", "commitLogDiskRatio"):
            check(k in rt0, "runtime info has %s" % k)
        check(len(rt0.get("putTps", "").split()) == 3, "putTps has three windows: %s"
              % rt0.get("putTps"))

        # ---- topics ----
        h, _ = c.call(17, {"topic": TOPIC, "defaultTopic": "TBW102", "readQueueNums": 4,
                           "writeQueueNums": 4, "perm": 6, "topicFilterType": "SINGLE_TAG",
                           "topicSysFlag": 0, "order": False})
        check(h["code"] == 0, "UPDATE_AND_CREATE_TOPIC: %s" % h)
        route = None
        for _ in range(30):
            h, body = ns.call(105, {"topic": TOPIC})
            if h["code"] == 0:
                route = json.loads(body)
                break
            time.sleep(0.1)
        check(route is not None and route["queueDatas"][0]["writeQueueNums"] == 4 and
              route["queueDatas"][0]["perm"] == 6,
              "the NameServer routes the created topic: %s" % route)
        h, body = c.call(21)
        tct = json.loads(body)
        check(h["code"] == 0 and tct["topicConfigTable"].get(TOPIC, {}).get("readQueueNums") == 4,
              "GET_ALL_TOPIC_CONFIG lists it")
        check("counter" in tct.get("dataVersion", {}), "with a dataVersion")
        h, body = c.call(351, {"topic": TOPIC})
        check(h["code"] == 0 and json.loads(body).get("topicName") == TOPIC and
              json.loads(body).get("writeQueueNums") == 4, "GET_TOPIC_CONFIG: %s" % body[:200])
        h, _ = c.call(351, {"topic": "NoSuchTopic"})
        check(h["code"] == 17, "GET_TOPIC_CONFIG of an unknown topic: TOPIC_NOT_EXIST (%s)"
              % h["code"])
        h, _ = c.call(17, {"topic": "bad topic!", "readQueueNums": 1, "writeQueueNums": 1,
                           "perm": 6})
        check(h["code"] == 1 and h.get("remark"), "an illegal topic name is refused: %s" % h)
        h, _ = c.call(17, {"topic": "TBW102", "readQueueNums": 1, "writeQueueNums": 1,
                           "perm": 6})
        check(h["code"] == 1, "a system topic cannot be redefined: %s" % h)
        h, _ = c.call(17, {"topic": "X", "readQueueNums": "many", "writeQueueNums": 1,
                           "perm": 6})
        check(h["code"] != 0, "a non-numeric readQueueNums is refused: %s" % h)

        # ---- messages: send with keys, query, view ----
        ids, uniq = [], []
        for i, key in enumerate(["kA", "kB", "kA"]):
            h, _ = send(c, TOPIC, b"admin-%d" % i, qid=0, tags="TagA", keys=key)
            check(h["code"] == 0, "send %d: %s" % (i, h))
            ids.append(h["extFields"]["msgId"])
            uniq.append(h["extFields"].get("transactionId"))
        time.sleep(0.25)
        t_mid = int(time.time() * 1000)
        time.sleep(0.25)
        for i in range(3, 5):
            h, _ = send(c, TOPIC, b"admin-%d" % i, qid=0, tags="TagB", keys="kC")
            check(h["code"] == 0, "send %d" % i)
        h, _ = send(c, TOPIC, b"admin-q1", qid=1, keys="kQ1")
        check(h["code"] == 0, "send to queue 1")
        wait_visible(c, TOPIC, 0, 5)
        wait_visible(c, TOPIC, 1, 1)

        h, body = query(c, "kA")
        recs = decode_records(body) if h["code"] == 0 else []
        check(h["code"] == 0 and sorted(r["body"] for r in recs) == [b"admin-0", b"admin-2"],
              "QUERY_MESSAGE by key finds both kA records: %s %s" % (h["code"], recs))
        check(all(r["props"].get("KEYS") == "kA" and r["topic"] == TOPIC for r in recs),
              "they carry the key")
        ext = h.get("extFields", {})
        check(int(ext.get("indexLastUpdateTimestamp", 0)) > 0 and
              int(ext.get("indexLastUpdatePhyoffset", 0)) > 0,
              "indexLastUpdateTimestamp / indexLastUpdatePhyoffset: %s" % ext)
        h, body = query(c, "kA", max_num=1)
        check(h["code"] == 0 and len(decode_records(body)) == 1, "maxNum bounds the result")
        h, body = query(c, uniq[1], uniq=True)
        recs = decode_records(body) if h["code"] == 0 else []
        check(len(recs) == 1 and recs[0]["body"] == b"admin-1" and
              recs[0]["props"].get("UNIQ_KEY") == uniq[1],
              "QUERY_MESSAGE by UNIQ_KEY finds the one message: %s" % recs)
        h, _ = c.call(12, {"topic": TOPIC, "key": "nope", "maxNum": 32, "beginTimestamp": 0,
                           "endTimestamp": int(time.time() * 1000)})
        check(h["code"] == 22, "an unknown key: QUERY_NOT_FOUND (%s)" % h["code"])
        h, _ = c.call(12, {"topic": TOPIC, "key": "kA"})
        check(h["code"] != 0, "QUERY_MESSAGE without maxNum is refused: %s" % h["code"])

        h, body = c.call(33, {"offset": phys_of(ids[1]), "topic": TOPIC})
        recs = decode_records(body) if h["code"] == 0 else []
        check(len(recs) == 1 and recs[0]["body"] == b"admin-1" and
              recs[0]["phys"] == phys_of(ids[1]),
              "VIEW_MESSAGE_BY_ID returns the record at the offsetMsgId's offset")
        h, _ = c.call(33, {"offset": phys_of(ids[1]) + 1})
        check(h["code"] == 1 and "offset" in h.get("remark", ""),
              "VIEW_MESSAGE_BY_ID of a non-record offset: SYSTEM_ERROR %s" % h)

        # ---- runtime info moved ----
        pull(c, TOPIC, 0, 0)
        rt1 = runtime(c)
        check(int(rt1["msgPutTotalTodayNow"]) >= int(rt0["msgPutTotalTodayNow"]) + 6,
              "msgPutTotalTodayNow grew by the 6 sends: %s -> %s"
              % (rt0["msgPutTotalTodayNow"], rt1["msgPutTotalTodayNow"]))
        check(int(rt1["msgGetTotalTodayNow"]) >= int(rt0["msgGetTotalTodayNow"]) + 5,
              "msgGetTotalTodayNow grew by the pulled messages: %s" % rt1["msgGetTotalTodayNow"])
        check(int(rt1["commitLogMaxOffset"]) > int(rt0["commitLogMaxOffset"]),
              "commitLogMaxOffset grew")
        check(float(rt1["putTps"].split()[0]) > 0.0, "putTps over 10 s is positive: %s"
              % rt1["putTps"])

        # ---- consume stats and topic stats ----
        h, _ = c.call(15, {"consumerGroup": GROUP, "topic": TOPIC, "queueId": 0,
                           "commitOffset": 2})
        check(h["code"] == 0, "UPDATE_CONSUMER_OFFSET")
        h, body = c.call(208, {"consumerGroup": GROUP, "topic": TOPIC})
        check(h["code"] == 0 and fastjson(body.decode()).get("consumeTps") == 0.0,
              "consumeTps is 0 before the group pulled: %s" % body[:40])
        h, body = pull(c, TOPIC, 0, 0, group=GROUP)
        check(h["code"] == 0 and len(decode_records(body)) == 5, "the group pulls 5 messages")
        h, body = c.call(208, {"consumerGroup": GROUP, "topic": TOPIC})
        check(h["code"] == 0, "GET_CONSUME_STATS: %s" % h)
        d, tbl = mq_table(body)
        # 5 messages over at least one 5 s tick (a new counter starts a tick back): 0 < tps <= 1
        check(0.0 < d.get("consumeTps", 0) <= 1.0,
              "consumeTps counts the group's pulled messages: %s" % d.get("consumeTps"))
        h, _ = c.call(15, {"consumerGroup": "cg_idle", "topic": TOPIC, "queueId": 0,
                           "commitOffset": 1})
        h, body = c.call(208, {"consumerGroup": "cg_idle", "topic": TOPIC})
        check(h["code"] == 0 and fastjson(body.decode()).get("consumeTps") == 0.0,
              "a group that pulled nothing: consumeTps 0 (%s)" % body[:40])
        q0 = tbl.get((TOPIC, 0), {})
        check(q0.get("brokerOffset") == 5 and q0.get("consumerOffset") == 2,
              "consume stats queue 0: broker 5, consumer 2 (diff 3): %s" % q0)
        check(q0.get("lastTimestamp", 0) > 0, "lastTimestamp of the last consumed message")
        check(tbl.get((TOPIC, 1), {}).get("brokerOffset") == 1 and
              tbl.get((TOPIC, 1), {}).get("consumerOffset") == 0, "queue 1: 1 behind")
        check(len(tbl) == 4 and "consumeTps" in d, "one row per queue, and consumeTps")
        h, body = c.call(208, {"consumerGroup": GROUP})
        check(h["code"] == 0 and (TOPIC, 0) in mq_table(body)[1],
              "GET_CONSUME_STATS without a topic covers the group's topics")

        h, body = c.call(202, {"topic": TOPIC})
        check(h["code"] == 0, "GET_TOPIC_STATS_INFO")
        _, tbl = mq_table(body)
        check(tbl.get((TOPIC, 0), {}).get("minOffset") == 0 and
              tbl.get((TOPIC, 0), {}).get("maxOffset") == 5 and
              tbl[(TOPIC, 0)].get("lastUpdateTimestamp", 0) > 0,
              "topic stats queue 0: min 0, max 5, last update: %s" % tbl.get((TOPIC, 0)))
        check(tbl.get((TOPIC, 2), {}).get("maxOffset") == 0 and
              tbl[(TOPIC, 2)].get("lastUpdateTimestamp") == 0, "an empty queue")
        h, _ = c.call(202, {"topic": "NoSuchTopic"})
        check(h["code"] == 17, "topic stats of an unknown topic: TOPIC_NOT_EXIST")

        # ---- reset offset by time ----
        h, body = c.call(222, {"topic": TOPIC, "group": GROUP, "timestamp": t_mid,
                               "isForce": True})
        check(h["code"] == 0, "INVOKE_BROKER_TO_RESET_OFFSET: %s" % h)
        _, tbl = mq_table(body) if h["code"] == 0 else (None, {})
        check(tbl.get((TOPIC, 0)) == 3, "ResetOffsetBody: queue 0 -> 3 (first after t): %s" % tbl)
        h, _ = c.call(14, {"consumerGroup": GROUP, "topic": TOPIC, "queueId": 0})
        check(h["extFields"].get("offset") == "3", "the committed offset moved forward to 3: %s"
              % h)
        h, body = c.call(222, {"topic": TOPIC, "group": GROUP, "timestamp": 0,
                               "isForce": False})
        _, tbl = mq_table(body) if h["code"] == 0 else (None, {})
        check(tbl.get((TOPIC, 0)) == 0, "reset to time 0 moves back to 0: %s" % tbl)
        h, body = c.call(222, {"topic": TOPIC, "group": GROUP, "timestamp": t_mid,
                               "isForce": False})
        _, tbl = mq_table(body) if h["code"] == 0 else (None, {})
        check(tbl.get((TOPIC, 0)) == 0, "without isForce an offset never moves forward: %s" % tbl)
        h, _ = c.call(222, {"topic": TOPIC, "group": "no_such_group", "timestamp": 0})
        check(h["code"] == 1, "reset of a group without offsets: SYSTEM_ERROR (%s)" % h["code"])

        # ---- consumer connections ----
        hb = {"clientID": "127.0.0.1@admin#1", "producerDataSet": [], "consumerDataSet": [{
            "groupName": GROUP, "consumeType": "CONSUME_PASSIVELY",
            "messageModel": "CLUSTERING", "consumeFromWhere": "CONSUME_FROM_FIRST_OFFSET",
            "unitMode": False, "subscriptionDataSet": [{
                "topic": TOPIC, "subString": "TagA || TagB", "expressionType": "TAG",
                "subVersion": 42, "tagsSet": ["TagA", "TagB"], "codeSet": []}]}]}
        h, _ = c.call(34, {}, json.dumps(hb).encode())
        check(h["code"] == 0, "heartbeat")
        h, body = c.call(203, {"consumerGroup": GROUP})
        cc = json.loads(body) if h["code"] == 0 else {}
        conns = cc.get("connectionSet", [])
        check(len(conns) == 1 and conns[0]["clientId"] == "127.0.0.1@admin#1" and
              conns[0]["language"] == "JAVA" and conns[0]["version"] == 479,
              "GET_CONSUMER_CONNECTION_LIST: the client, its language and version: %s" % conns)
        sub = cc.get("subscriptionTable", {}).get(TOPIC, {})
        check(sub.get("subString") == "TagA || TagB" and sub.get("tagsSet") == ["TagA", "TagB"]
              and sub.get("subVersion") == 42 and len(sub.get("codeSet", [])) == 2,
              "its subscription: %s" % sub)
        check(cc.get("consumeType") == "CONSUME_PASSIVELY" and
              cc.get("messageModel") == "CLUSTERING" and
              cc.get("consumeFromWhere") == "CONSUME_FROM_FIRST_OFFSET", "group settings: %s"
              % cc)
        h, _ = c.call(203, {"consumerGroup": "nobody"})
        check(h["code"] == 206, "a group without clients: CONSUMER_NOT_ONLINE (%s)" % h["code"])

        # ---- broker config ----
        v0, props = broker_config(c)
        check(props.get("brokerName") == "broker-a" and props.get("autoCreateTopicEnable") ==
              "true", "GET_BROKER_CONFIG properties: %d keys" % len(props))
        h, _ = c.call(25, {}, b"autoCreateTopicEnable=false\nshortPollingTimeMills = 500\n")
        check(h["code"] == 0, "UPDATE_BROKER_CONFIG: %s" % h)
        v1, props = broker_config(c)
        check(props.get("autoCreateTopicEnable") == "false" and
              props.get("shortPollingTimeMills") == "500", "the update is visible")
        check(v1["counter"] == v0["counter"] + 1, "the config version moved: %s -> %s" % (v0, v1))
        h, _ = send(c, "NoAutoTopic", b"x")
        check(h["code"] != 0, "autoCreateTopicEnable=false takes effect at once: %s" % h["code"])
        text = read(conf)
        check(text == "# it_admin's broker.conf\nbrokerClusterName = DefaultCluster\n"
              "autoCreateTopicEnable=false\ndeleteWhen=04\nshortPollingTimeMills=500\n",
              "written back to the -c file: its lines kept, the key it had changed in place, "
              "the new one appended: %r" % text)
        check(read(conf + ".bak") == CONF and not os.path.exists(conf + ".tmp"),
              "the previous file kept as .bak, no .tmp left")
        check(props.get("brokerConfigPath") == conf, "brokerConfigPath is the -c file: %s"
              % props.get("brokerConfigPath"))
        h, _ = c.call(25, {}, b"autoCreateTopicEnable=true\nnoSuchKey=1\n")
        check(h["code"] != 0 and "noSuchKey" in h.get("remark", ""), "an unknown key is refused")
        h, _ = c.call(25, {}, b"brokerConfigPath=/tmp/elsewhere\n")
        check(h["code"] == 16, "brokerConfigPath is black-listed (NO_PERMISSION): %s" % h)
        check(read(conf) == text, "a refused update writes nothing")
        h, _ = c.call(25, {}, b"defaultTopicQueueNums=6\n")
        check(h["code"] == 0, "a key that needs a restart is accepted, as RocketMQ does: %s" % h)
        _, props = broker_config(c)
        check(props.get("autoCreateTopicEnable") == "false" and
              props.get("defaultTopicQueueNums") == "8",
              "it is written, not applied: the running value stays (%s)"
              % props.get("defaultTopicQueueNums"))
        check("defaultTopicQueueNums=6\n" in read(conf), "defaultTopicQueueNums=6 in the file")
        h, _ = c.call(25, {}, b"autoCreateTopicEnable=true\n")
        h, _ = send(c, "AutoAgainTopic", b"x")
        check(h["code"] == 0, "auto-creation back on: %s" % h)

        # ---- subscription groups ----
        h, _ = c.call(200, {}, json.dumps({"groupName": "sg_admin", "retryMaxTimes": 5,
                                           "consumeBroadcastEnable": False}).encode())
        check(h["code"] == 0, "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: %s" % h)
        h, body = c.call(201)
        g = json.loads(body).get("subscriptionGroupTable", {}).get("sg_admin", {})
        check(h["code"] == 0 and g.get("retryMaxTimes") == 5 and
              g.get("consumeBroadcastEnable") is False and g.get("consumeEnable") is True and
              g.get("retryQueueNums") == 1, "GET_ALL_SUBSCRIPTIONGROUP_CONFIG shows it: %s" % g)
        h, _ = c.call(200, {}, b"{\"retryMaxTimes\":1}")
        check(h["code"] != 0, "a group without a name is refused")
        h, _ = c.call(207, {"groupName": "sg_admin"})
        check(h["code"] == 0, "DELETE_SUBSCRIPTIONGROUP")
        h, body = c.call(201)
        check("sg_admin" not in json.loads(body)["subscriptionGroupTable"], "gone from the list")

        # ---- updates, then persistence across a restart ----
        h, _ = c.call(17, {"topic": TOPIC, "readQueueNums": 8, "writeQueueNums": 8, "perm": 6})
        check(h["code"] == 0, "UPDATE_AND_CREATE_TOPIC on an existing topic updates it")
        route = None
        for _ in range(30):
            h, body = ns.call(105, {"topic": TOPIC})
            route = json.loads(body) if h["code"] == 0 else None
            if route and route["queueDatas"][0]["writeQueueNums"] == 8:
                break
            time.sleep(0.1)
        check(route and route["queueDatas"][0]["writeQueueNums"] == 8,
              "the NameServer learns the new queue count: %s" % route)
        h, _ = c.call(200, {}, json.dumps({"groupName": "sg_keep", "retryQueueNums": 2}).encode())
        check(h["code"] == 0, "a second subscription group")
        c.close()
        ns.close()
        stop(p)
        p, nsport, bkport = start(binary, store, ARGS + ("-c", conf))
        ns, c = Remoting(nsport), Remoting(bkport)
        _, props = broker_config(c)
        check(props.get("shortPollingTimeMills") == "500" and
              props.get("defaultTopicQueueNums") == "6" and
              props.get("autoCreateTopicEnable") == "true" and props.get("deleteWhen") == "04",
              "the updated config survives a restart (-c): %s" % [
                  props.get(k) for k in ("shortPollingTimeMills", "defaultTopicQueueNums",
                                         "autoCreateTopicEnable", "deleteWhen")])
        h, body = c.call(351, {"topic": TOPIC})
        check(h["code"] == 0 and json.loads(body)["readQueueNums"] == 8,
              "the created and updated topic survives a restart")
        h, body = c.call(201)
        check(json.loads(body)["subscriptionGroupTable"].get("sg_keep", {}).get(
            "retryQueueNums") == 2, "the subscription group survives a restart")
        h, body = c.call(208, {"consumerGroup": GROUP, "topic": TOPIC})
        check(h["code"] == 0 and mq_table(body)[1].get((TOPIC, 0), {}).get("brokerOffset") == 5,
              "consume stats after a restart")

        # ---- delete topic ----
        h, _ = c.call(215, {"topic": "TBW102"})
        check(h["code"] == 1, "a system topic cannot be deleted: %s" % h)
        h, _ = c.call(215, {"topic": TOPIC})
        check(h["code"] == 0, "DELETE_TOPIC_IN_BROKER: %s" % h)
        h, body = c.call(21)
        check(TOPIC not in json.loads(body)["topicConfigTable"], "gone from GET_ALL_TOPIC_CONFIG")
        gone = False
        for _ in range(30):
            h, _ = ns.call(105, {"topic": TOPIC})
            if h["code"] == 17:
                gone = True
                break
            time.sleep(0.1)
        check(gone, "gone from the NameServer's route")
        h, _ = c.call(14, {"consumerGroup": GROUP, "topic": TOPIC, "queueId": 0,
                           "setZeroIfNotFound": False})
        check(h["code"] == 22, "its committed offsets went with it: %s" % h["code"])
        c.close()
        ns.close()
        stop(p)
        p = None
        config_default_file(binary)
    finally:
        if p and p.poll() is None:
            stop(p)
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(confdir, ignore_errors=True)
    print("it_admin: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
