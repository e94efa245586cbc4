#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_mqadmin.py -- integration test of mqadmin against a real all-in-one broker on loopback.

Starts `mqbroker --all-in-one` on free ports, runs each mqadmin subcommand as an operator would
(NameServer from NAMESRV_ADDR or -n) and checks RocketMQ's output layout (table headers, field
lines) and the values (queues, offsets, message fields, configs). Admin codes the broker answers
with REQUEST_CODE_NOT_SUPPORTED are detected first: commands built on them are then only checked
to fail cleanly (non-zero exit, the code on stderr), and the list is printed.
Usage: it_mqadmin.py path/to/mqadmin path/to/mqbroker. Prints "N passed, N failed"; exits 1 on
a failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "gateway", "tests"))
import it_namesrv  # noqa: E402  (Remoting client, check counters)
from it_namesrv import Remoting, check  # noqa: E402
from it_broker import start, stop, wait_visible  # noqa: E402

MQADMIN = None
ENV = None

ADMIN_CODES = {17: "UPDATE_AND_CREATE_TOPIC", 215: "DELETE_TOPIC_IN_BROKER",
               28: "GET_BROKER_RUNTIME_INFO", 208: "GET_CONSUME_STATS",
               202: "GET_TOPIC_STATS_INFO", 203: "GET_CONSUMER_CONNECTION_LIST",
               33: "VIEW_MESSAGE_BY_ID", 12: "QUERY_MESSAGE", 25: "UPDATE_BROKER_CONFIG",
               26: "GET_BROKER_CONFIG", 222: "INVOKE_BROKER_TO_RESET_OFFSET",
               200: "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP"}


def run(*args, env=None, ok=True):
    """Runs mqadmin; checks the exit status against ok; returns (rc, stdout, stderr)."""
    p = subprocess.run([MQADMIN] + list(args), capture_output=True, text=True, timeout=60,
                       env=env if env is not None else ENV)
    if ok is None:
        pass
    elif ok:
        check(p.returncode == 0, "mqadmin %s exits 0: rc=%d stderr=%r"
              % (" ".join(args), p.returncode, p.stderr[-500:]))
    else:
        check(p.returncode != 0, "mqadmin %s fails" % " ".join(args))
        check(p.stderr.strip() != "", "mqadmin %s says why on stderr" % " ".join(args))
    return p.returncode, p.stdout, p.stderr


def table(out, header_start):
    """Rows (lists of fields) after the header line starting with header_start."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            rows = []
            for row in lines[i + 1:]:
                if not row.strip():
                    break
                rows.append(row.split())
            return line, rows
    return None, []


def supported(c, code):
    h, _ = c.call(code, {})
    return h["code"] != 3


def main():
    global MQADMIN, ENV
    MQADMIN, broker = sys.argv[1], sys.argv[2]
    store = tempfile.mkdtemp(prefix="it-mqadmin-")
    p = None
    try:
        p, nsport, bkport = start(broker, store)
        ns = "127.0.0.1:%d" % nsport
        addr = "127.0.0.1:%d" % bkport
        ENV = dict(os.environ, NAMESRV_ADDR=ns)
        c = Remoting(bkport)
        sup = {code: supported(c, code) for code in ADMIN_CODES}
        missing = [ADMIN_CODES[k] for k in sorted(ADMIN_CODES) if not sup[k]]
        print("broker does not support: %s" % (", ".join(missing) or "-"), flush=True)

        # ---- help, options, errors ----
        _, out, _ = run("help")
        check(out.startswith("The most commonly used mqadmin commands are:"), "help banner")
        for cmd in ("updateTopic", "deleteTopic", "topicList", "topicRoute", "topicStatus",
                    "clusterList", "brokerStatus", "consumerProgress", "queryMsgById",
                    "queryMsgByKey", "queryMsgByOffset", "sendMessage", "consumeMessage",
                    "updateSubGroup", "getBrokerConfig", "updateBrokerConfig",
                    "resetOffsetByTime"):
            check(re.search(r"^   %s\s+\S" % cmd, out, re.M), "help lists %s" % cmd)
        check("See 'mqadmin help <command>'" in out, "help footer")
        _, out, _ = run("help", "topicStatus")
        check(out.startswith("usage: mqadmin topicStatus"), "help <cmd> usage line: %r" % out)
        check(" -t,--topic <arg>" in out and " -n,--namesrvAddr <arg>" in out,
              "help <cmd> lists -t and -n")
        _, _, err = run("noSuchCommand", ok=False)
        check("The sub command noSuchCommand not exist." in err, "unknown command message")
        _, _, err = run("topicRoute", ok=False)
        check("Missing required option: t" in err, "missing -t reported: %r" % err)
        _, _, err = run("updateTopic", "-t", "X", ok=False)
        check("one of [-b, -c]" in err, "updateTopic needs -b or -c: %r" % err)
        _, _, err = run("topicStatus", "-t", "TBW102", "-x", ok=False)
        check("Unrecognized option: -x" in err, "unknown option reported")
        noenv = {k: v for k, v in os.environ.items() if k != "NAMESRV_ADDR"}
        _, _, err = run("topicList", env=noenv, ok=False)
        check("NAMESRV_ADDR" in err, "no NameServer: says to set NAMESRV_ADDR: %r" % err)
        _, out, _ = run("topicList", "-n", ns, env=noenv)
        check("TBW102" in out.split(), "-n works without NAMESRV_ADDR")
        _, out, _ = run("topicList", "-n", "127.0.0.1:1;" + ns, env=noenv)
        check("TBW102" in out.split(), "the next NameServer of the list is tried")
        _, _, err = run("topicRoute", "-t", "NoSuchTopic", ok=False)
        check("No topic route info in name server for the topic: NoSuchTopic" in err,
              "unknown topic message: %r" % err)

        # ---- clusterList ----
        _, out, _ = run("clusterList")
        head, rows = table(out, "#Cluster Name")
        check(head is not None and re.match(
            r"#Cluster Name\s+#Broker Name\s+#BID\s+#Addr\s+#Version\s+#InTPS\(LOAD\)\s+"
            r"#OutTPS\(LOAD\)\s+#Timer\(Progress\)\s+#PCWait\(ms\)\s+#Hour\s+#SPACE\s+#ACTIVATED",
            head), "clusterList header: %r" % head)
        check(any(r[:4] == ["DefaultCluster", "broker-a", "0", addr] for r in rows),
              "clusterList shows the broker: %r" % rows)
        _, out, _ = run("clusterList", "-m")
        check(re.search(r"^#Cluster Name\s+#Broker Name\s+#InTotalYest\s+#OutTotalYest\s+"
                        r"#InTotalToday\s+#OutTotalToday$", out, re.M), "clusterList -m header")
        _, out, _ = run("clusterList", "-c", "NoCluster")
        check(len(out.splitlines()) == 1, "clusterList -c filters")

        # ---- updateTopic / topicList / topicRoute ----
        topic = "AdmTopic"
        if sup[17]:
            _, out, _ = run("updateTopic", "-c", "DefaultCluster", "-t", topic, "-r", "8",
                            "-w", "4")
            check("create topic to %s success." % addr in out, "updateTopic -c success line")
            check("TopicConfig [topicName=AdmTopic, readQueueNums=8, writeQueueNums=4, perm=RW-,"
                  in out, "updateTopic prints the TopicConfig: %r" % out)
            listed = False
            for _ in range(50):
                _, out, _ = run("topicList")
                if topic in out.split():
                    listed = True
                    break
                time.sleep(0.1)
            check(listed, "topicList contains the new topic")
            _, out, _ = run("topicRoute", "-t", topic)
            route = json.loads(out)
            qd = route["queueDatas"][0]
            check(qd["readQueueNums"] == 8 and qd["writeQueueNums"] == 4 and qd["perm"] == 6,
                  "topicRoute JSON has 8/4 queues, perm 6: %r" % qd)
            check(route["brokerDatas"][0]["brokerAddrs"]["0"] == addr, "route names the broker")
            _, out, _ = run("topicRoute", "-t", topic, "-l")
            head, rows = table(out, "#ClusterName")
            check(rows and rows[0][:3] == ["DefaultCluster", "broker-a", "{0=%s}" % addr]
                  and rows[0][3:6] == ["8", "4", "6"], "topicRoute -l row: %r" % rows)
            check(re.search(r"^Total:\s+1\s+8\s+4\s*$", out, re.M), "topicRoute -l total")
            _, out, _ = run("updateTopic", "-b", addr, "-t", topic, "-r", "8", "-w", "4")
            check("create topic to %s success." % addr in out, "updateTopic -b success line")
            _, out, _ = run("updateTopic", "-c", "DefaultCluster", "-t", "AdmOrder", "-r", "2",
                            "-w", "2", "-o", "true")
            check("set cluster orderConf. isOrder=true, orderConf=[broker-a:2]" in out,
                  "updateTopic -o true sets the order conf: %r" % out)
            n = Remoting(nsport)
            h, _ = n.call(101, {"namespace": "ORDER_TOPIC_CONFIG", "key": "AdmOrder"})
            check(h["extFields"].get("value") == "broker-a:2", "order conf in the NameServer")
            n.close()
        else:
            _, _, err = run("updateTopic", "-c", "DefaultCluster", "-t", topic, ok=False)
            check("CODE: 3" in err, "updateTopic on an old broker reports CODE: 3: %r" % err)
            topic = "AdmAuto"  # auto-created by the first send

        # ---- sendMessage ----
        ids = []
        for i in range(3):
            _, out, _ = run("sendMessage", "-t", topic, "-p", "m%d" % i, "-k", "key%d" % i,
                            "-c", "TagA", "-b", "broker-a", "-i", "1")
            head, rows = table(out, "#Broker Name")
            check(head is not None and re.match(r"#Broker Name\s+#QID\s+#Send Result\s+#MsgId$",
                                                head), "sendMessage header: %r" % head)
            check(rows and rows[0][:3] == ["broker-a", "1", "SEND_OK"]
                  and re.match(r"^[0-9A-F]{32}$", rows[0][3]), "sendMessage row: %r" % rows)
            ids.append(rows[0][3] if rows else "")
        _, out, _ = run("sendMessage", "-t", "AdmOther", "-p", "anywhere")
        check("SEND_OK" in out, "sendMessage without a queue (topic auto-created)")
        _, _, err = run("sendMessage", "-t", topic, "-p", "x", "-i", "1", ok=False)
        check("Broker name must be set" in err, "sendMessage -i needs -b")

        # ---- topicStatus ----
        # a send is acknowledged before the dispatcher makes it visible (RocketMQ's reput is
        # asynchronous too): wait for it, as a loaded machine can take a while
        wait_visible(c, topic, 1, 3)
        _, out, _ = run("topicStatus", "-t", topic)
        head, rows = table(out, "#Broker Name")
        check(head is not None and re.match(
            r"#Broker Name\s+#QID\s+#Min Offset\s+#Max Offset\s+#Last Updated$", head),
            "topicStatus header: %r" % head)
        q1 = [r for r in rows if r[:2] == ["broker-a", "1"]]
        check(q1 and q1[0][2:4] == ["0", "3"], "topicStatus queue 1 max offset 3: %r" % rows)
        check(q1 and len(q1[0]) == 6 and re.match(r"\d{4}-\d\d-\d\d", q1[0][4]),
              "topicStatus queue 1 last updated: %r" % q1)
        total_max = sum(int(r[3]) for r in rows)
        check(total_max == 3, "topicStatus max offsets add up to the 3 sends: %r" % rows)
        check("Topic Put TPS:" in out, "topicStatus footer")

        # ---- consumeMessage ----
        _, out, _ = run("consumeMessage", "-t", topic, "-b", "broker-a", "-i", "1")
        check(out.startswith("Consume ok"), "consumeMessage: Consume ok")
        bodies = re.findall(r"^MSGID: (\S+) MessageExt \[.*queueId=1, .* BODY: (\S*)$", out, re.M)
        check([b for _, b in bodies] == ["m0", "m1", "m2"], "consumeMessage bodies: %r" % bodies)
        check([m for m, _ in bodies] == ids, "consumeMessage msg ids are the send ids")
        check("MessageQueue [topic=%s, brokerName=broker-a, queueId=1] print msg finished. "
              "status=NO_NEW_MSG, offset=3" % topic in out, "consumeMessage end line")
        _, out, _ = run("consumeMessage", "-t", topic, "-b", "broker-a", "-i", "1", "-o", "2")
        check(re.findall(r"BODY: (\S*)$", out, re.M) == ["m2"], "consumeMessage -o 2")
        _, out, _ = run("consumeMessage", "-t", topic, "-c", "2")
        check(len(re.findall(r"^MSGID:", out, re.M)) == 2, "consumeMessage -c 2 prints 2")

        # ---- queryMsgByOffset / queryMsgById / queryMsgByKey ----
        _, out, _ = run("queryMsgByOffset", "-t", topic, "-b", "broker-a", "-i", "1", "-o", "1",
                        "-f", "UTF-8")
        fields = dict(re.findall(r"^(\S[^:]*):\s+(.*)$", out, re.M))
        check(fields.get("Topic") == topic and fields.get("Queue ID") == "1"
              and fields.get("Queue Offset") == "1", "queryMsgByOffset fields: %r" % fields)
        check(fields.get("Keys") == "[key1]" and fields.get("Tags") == "[TagA]",
              "queryMsgByOffset keys and tags")
        check(fields.get("Message Body") == "m1", "queryMsgByOffset body")
        check(fields.get("Store Host") == addr, "queryMsgByOffset store host")
        check("UNIQ_KEY=%s" % ids[1] in fields.get("Properties", ""), "properties show UNIQ_KEY")
        offset_id = fields.get("OffsetID", "")
        check(re.match(r"^[0-9A-F]{32}$", offset_id), "OffsetID printed")
        path = fields.get("Message Body Path", "")
        check(os.path.exists(path) and open(path, "rb").read() == b"m1", "body file written")
        run("queryMsgByOffset", "-t", topic, "-b", "broker-a", "-i", "1", "-o", "9", ok=False)
        if sup[33]:
            _, out, _ = run("queryMsgById", "-i", offset_id)
            f2 = dict(re.findall(r"^(\S[^:]*):\s+(.*)$", out, re.M))
            check(f2.get("Queue Offset") == "1" and f2.get("Keys") == "[key1]",
                  "queryMsgById by offset id: %r" % f2)
        else:
            run("queryMsgById", "-i", offset_id, ok=False)
        if sup[12]:
            _, out, _ = run("queryMsgById", "-t", topic, "-i", ids[2], "-f", "UTF-8")
            f3 = dict(re.findall(r"^(\S[^:]*):\s+(.*)$", out, re.M))
            check(f3.get("Message Body") == "m2", "queryMsgById by client id: %r" % f3)
            _, out, _ = run("queryMsgByKey", "-t", topic, "-k", "key1")
            head, rows = table(out, "#Message ID")
            check(head is not None and re.match(r"#Message ID\s+#QID\s+#Offset$", head),
                  "queryMsgByKey header")
            check(len(rows) == 1 and rows[0] == [offset_id, "1", "1"],
                  "queryMsgByKey row: %r" % rows)
            run("queryMsgByKey", "-t", topic, "-k", "nokey", ok=False)
        else:
            run("queryMsgByKey", "-t", topic, "-k", "key1", ok=False)

        # a compressed body (sysFlag bit 0) prints inflated, as Java's MessageDecoder does
        ext = {"a": "pg_it", "b": "AdmZip", "c": "TBW102", "d": 4, "e": 0, "f": 1,
               "g": int(time.time() * 1000), "h": 0, "i": "KEYS\x01z\x02"}
        h, _ = c.call(310, ext, zlib.compress(b"zipped-body" * 20))
        check(h["code"] == 0, "compressed send: %r" % h)
        wait_visible(c, "AdmZip", 0, 1)
        _, out, _ = run("queryMsgByOffset", "-t", "AdmZip", "-b", "broker-a", "-i", "0", "-o",
                        "0", "-f", "UTF-8")
        check("Message Body:        " + "zipped-body" * 20 in out, "compressed body inflated")
        check(re.search(r"^System Flag:\s+1$", out, re.M), "sysFlag kept")
        _, out, _ = run("consumeMessage", "-t", "AdmZip", "-b", "broker-a", "-i", "0")
        check(out.count("BODY: " + "zipped-body" * 20) == 1, "consumeMessage inflates")

        # ---- queryMsgById -s true: a dead letter is resent to its group's retry topic ----
        ext = {"a": "pg_it", "b": "AdmDlq", "c": "TBW102", "d": 4, "e": 0, "f": 0,
               "g": int(time.time() * 1000), "h": 0, "i": "KEYS\x01dk\x02"}
        h, _ = c.call(310, ext, b"dead-letter")
        check(h["code"] == 0, "send for the DLQ case: %r" % h)
        mid = h.get("extFields", {}).get("msgId", "")
        wait_visible(c, "AdmDlq", 0, 1)
        h, _ = c.call(36, {"group": "cg_dlq", "offset": int(mid[-16:], 16), "delayLevel": -1,
                           "originMsgId": mid, "originTopic": "AdmDlq",
                           "maxReconsumeTimes": 16})
        check(h["code"] == 0, "send-back with delayLevel -1 puts it in the DLQ: %r" % h)
        wait_visible(c, "%DLQ%cg_dlq", 0, 1)
        _, out, _ = run("queryMsgByOffset", "-t", "%DLQ%cg_dlq", "-b", "broker-a", "-i", "0",
                        "-o", "0")
        m = re.search(r"^OffsetID:\s+(\S+)$", out, re.M)
        check(m is not None and "Topic:               %DLQ%cg_dlq" in out,
              "queryMsgByOffset reads the dead letter: %r" % out[:300])
        if m:
            _, out, _ = run("queryMsgById", "-i", m.group(1), "-s", "true")
            check("prepare resend msg. originalMsgId=" + m.group(1) in out and
                  "sendStatus=SEND_OK" in out and "topic=%RETRY%cg_dlq" in out,
                  "queryMsgById -s true resends it to %%RETRY%%cg_dlq: %r" % out[-400:])
            wait_visible(c, "%RETRY%cg_dlq", 0, 1)
            h, body = c.call(11, {"consumerGroup": "cg_dlq", "topic": "%RETRY%cg_dlq",
                                  "queueId": 0, "queueOffset": 0, "maxMsgNums": 8, "sysFlag": 4,
                                  "commitOffset": 0, "suspendTimeoutMillis": 0,
                                  "subscription": "*", "subVersion": 0,
                                  "expressionType": "TAG"})
            check(h["code"] == 0 and b"dead-letter" in body,
                  "the resent message is in the retry topic: %r" % h)

        # ---- consumerProgress after a consumer committed offset 1 on queue 1 ----
        group = "cg_adm"
        h, _ = c.call(15, {"consumerGroup": group, "topic": topic, "queueId": 1,
                           "commitOffset": 1})
        check(h["code"] == 0, "commit offset")
        _, out, _ = run("consumerProgress", "-g", group, "-t", topic)
        head, rows = table(out, "#Topic")
        check(head is not None and re.match(
            r"#Topic\s+#Broker Name\s+#QID\s+#Broker Offset\s+#Consumer Offset\s+#Diff\s+"
            r"#Inflight\s+#LastTime$", head), "consumerProgress header: %r" % head)
        q1 = [r for r in rows if r[:3] == [topic, "broker-a", "1"]]
        check(q1 and q1[0][3:6] == ["3", "1", "2"], "consumerProgress queue 1: 3/1 diff 2: %r"
              % rows)
        m = re.search(r"^Consume Diff Total: (\d+)$", out, re.M)
        diff_total = sum(int(r[3]) - int(r[4]) for r in rows)
        check(m and int(m.group(1)) == diff_total and diff_total >= 2,
              "consumerProgress diff total: %r" % out[-200:])
        check(re.search(r"^Consume TPS: \d+\.\d\d$", out, re.M), "consumerProgress TPS line")

        # ---- a push consumer's heartbeat: consumerProgress by group and the group list ----
        hb = {"clientID": "127.0.0.1@it#1", "producerDataSet": [], "consumerDataSet": [{
            "groupName": group, "consumeType": "CONSUME_PASSIVELY",
            "messageModel": "CLUSTERING", "consumeFromWhere": "CONSUME_FROM_FIRST_OFFSET",
            "subscriptionDataSet": [{"topic": topic, "subString": "*", "tagsSet": [],
                                     "codeSet": [], "subVersion": 1}], "unitMode": False}]}
        h, _ = c.call(34, {}, json.dumps(hb).encode())
        check(h["code"] == 0, "heartbeat")
        rows = []
        for _ in range(50):  # the broker registers %RETRY%<group> with the NameServer
            rc, out, _ = run("consumerProgress", "-g", group, ok=None)
            _, rows = table(out, "#Topic")
            if rc == 0 and rows:
                break
            time.sleep(0.1)
        q1 = [r for r in rows if r[:3] == [topic, "broker-a", "1"]]
        check(q1 and q1[0][3:6] == ["3", "1", "2"], "consumerProgress -g alone: %r" % rows)
        _, out, _ = run("consumerProgress")
        head, rows = table(out, "#Group")
        check(head is not None and re.match(r"#Group\s+#Count\s+#Version\s+#Type\s+#Model\s+"
                                            r"#TPS\s+#Diff Total$", head),
              "consumerProgress group list header: %r" % head)
        g = [r for r in rows if r[0] == group]
        if sup[203] and sup[208]:
            check(g and g[0][1:5] == ["1", "V5_3_3", "PUSH", "CLUSTERING"] and g[0][-1] == "2",
                  "consumerProgress lists the online group: %r" % rows)
        else:
            # read queue by queue: an old broker may count queues it answers 0 for
            check(g and int(g[0][-1]) >= 2, "consumerProgress lists the group: %r" % rows)

        # ---- resetOffsetByTime ----
        _, out, _ = run("resetOffsetByTime", "-g", group, "-t", topic, "-s", "0")
        check("consumer offset by specified" in out, "resetOffsetByTime banner")
        h, _ = c.call(14, {"consumerGroup": group, "topic": topic, "queueId": 1})
        check(h["extFields"].get("offset") == "0", "reset to time 0 moves queue 1 to 0: %r" % h)
        _, out, _ = run("resetOffsetByTime", "-g", group, "-t", topic, "-s", "now")
        h, _ = c.call(14, {"consumerGroup": group, "topic": topic, "queueId": 1})
        check(h["extFields"].get("offset") == "3", "reset to now moves queue 1 to 3: %r" % h)
        _, out, _ = run("consumerProgress", "-g", group, "-t", topic)
        _, rows = table(out, "#Topic")
        q1 = [r for r in rows if r[:3] == [topic, "broker-a", "1"]]
        check(q1 and q1[0][3:6] == ["3", "3", "0"], "consumerProgress after reset: %r" % q1)
        _, out, _ = run("resetOffsetByTime", "-g", group, "-t", topic, "-s", "0", "-b", addr,
                        "-q", "1", "-o", "2")
        check("reset consumer offset to 2" in out, "resetOffsetByTime -b -q -o")
        h, _ = c.call(14, {"consumerGroup": group, "topic": topic, "queueId": 1})
        check(h["extFields"].get("offset") == "2", "queue 1 at 2: %r" % h)
        run("resetOffsetByTime", "-g", group, "-t", topic, "-s", "yesterday", ok=False)

        # ---- broker config and status ----
        if sup[26]:
            _, out, _ = run("getBrokerConfig", "-b", addr)
            check(out.startswith("============%s============\n" % addr), "getBrokerConfig banner")
            conf = dict((k.strip(), v) for k, v in re.findall(r"^(\S+)\s+=  (.*)$", out, re.M))
            check(conf.get("brokerClusterName") == "DefaultCluster"
                  and conf.get("brokerName") == "broker-a", "getBrokerConfig keys: %d" % len(conf))
            _, out, _ = run("getBrokerConfig", "-c", "DefaultCluster")
            check("============Master: %s============" % addr in out, "getBrokerConfig -c banner")
            if sup[25]:
                key = next((k for k in ("shortPollingTimeMills", "waitTimeMillsInSendQueue")
                            if k in conf), None)
                check(key is not None, "a changeable key is listed")
                if key:
                    new = str(int(conf[key]) + 1)
                    _, out, _ = run("updateBrokerConfig", "-b", addr, "-k", key, "-v", new)
                    check("update broker config success, %s" % addr in out, "update success")
                    _, out, _ = run("getBrokerConfig", "-b", addr)
                    conf2 = dict(re.findall(r"^(\S+)\s+=  (.*)$", out, re.M))
                    check(conf2.get(key) == new, "updateBrokerConfig changed %s to %s: %r"
                          % (key, new, conf2.get(key)))
        else:
            run("getBrokerConfig", "-b", addr, ok=False)
        if sup[28]:
            _, out, _ = run("brokerStatus", "-b", addr)
            kv = re.findall(r"^(\S+)\s*: (.*)$", out, re.M)
            check(len(kv) > 3 and kv == sorted(kv), "brokerStatus key: value lines, sorted")
            _, out, _ = run("brokerStatus", "-c", "DefaultCluster")
            check(out.startswith(addr), "brokerStatus -c prefixes the address")
        else:
            run("brokerStatus", "-b", addr, ok=False)
        if sup[200]:
            _, out, _ = run("updateSubGroup", "-b", addr, "-g", "cg_sub", "-r", "5")
            check("create subscription group to %s success." % addr in out, "updateSubGroup")
            check("groupName=cg_sub" in out and "retryMaxTimes=5" in out, "updateSubGroup config")
        else:
            run("updateSubGroup", "-b", addr, "-g", "cg_sub", ok=False)

        # ---- deleteTopic ----
        if sup[215]:
            _, out, _ = run("deleteTopic", "-c", "DefaultCluster", "-t", topic)
            check("delete topic [%s] from cluster [DefaultCluster] success." % topic in out,
                  "deleteTopic cluster line")
            check("delete topic [%s] from NameServer success." % topic in out,
                  "deleteTopic NameServer line")
            _, out, _ = run("topicList")
            check(topic not in out.split(), "topicList no longer lists the topic")
            run("topicRoute", "-t", topic, ok=False)
        c.close()
    finally:
        if p and p.poll() is None:
            stop(p)
        shutil.rmtree(store, ignore_errors=True)
    print("it_mqadmin: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
