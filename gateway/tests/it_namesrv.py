#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_namesrv.py -- integration test of mqnamesrv with real processes on loopback.

Starts two independent NameServers on free ports and talks the remoting protocol to them as a
broker and as clients do: registration on both, routes, cluster info, topic lists, KV config,
a broker whose connection drops disappearing from routes, unknown codes, one-way requests, and
bad input (an oversized frame, an undecodable header) that must not stop the server.
Usage: it_namesrv.py path/to/mqnamesrv. Prints "N passed, N failed"; exits 1 on a failure.
"""
import atexit
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

PASSED, FAILED = 0, 0


def check(cond, what):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL:", what, flush=True)


def wait_for(cond, timeout=15.0):
    """Polls cond() until it returns a true value or timeout seconds pass; returns its last
    value (the integration tests wait for conditions, not for fixed sleeps)."""
    deadline = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() >= deadline:
            return v
        time.sleep(0.05)


class Remoting:
    """A minimal remoting client: JSON headers, frames matched by opaque."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.opaque = 0
        self.buf = b""
        self.notices = []  # requests the server sent us (e.g. NOTIFY_CONSUMER_IDS_CHANGED)

    def send(self, code, ext=None, body=b"", flag=0):
        self.opaque += 1
        header = {"code": code, "language": "JAVA", "version": 479, "opaque": self.opaque,
                  "flag": flag, "extFields": ext or {}}
        h = json.dumps(header, separators=(",", ":")).encode()
        self.sock.sendall(struct.pack(">II", 4 + len(h) + len(body), len(h)) + h + body)
        return self.opaque

    def recv(self):
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    frame, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    hl = struct.unpack(">I", frame[:4])[0] & 0xFFFFFF
                    return json.loads(frame[4:4 + hl]), frame[4 + hl:]
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk

    def recv_reply(self):
        """The next response; server-initiated requests met on the way go to self.notices."""
        while True:
            h, b = self.recv()
            if h.get("flag", 0) & 1:
                return h, b
            self.notices.append(h)

    def wait_notice(self, code, timeout=3.0):
        """Pops the first server-initiated request with this code, waiting up to timeout."""
        deadline = time.time() + timeout
        while True:
            for i, h in enumerate(self.notices):
                if h.get("code") == code:
                    return self.notices.pop(i)
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                h, _ = self.recv()
            except socket.timeout:
                return None
            finally:
                self.sock.settimeout(5)
            if h.get("flag", 0) & 1 == 0:
                self.notices.append(h)

    def call(self, code, ext=None, body=b""):
        opaque = self.send(code, ext, body)
        h, b = self.recv_reply()
        check(h.get("opaque") == opaque, "response opaque %s == %s" % (h.get("opaque"), opaque))
        check(h.get("flag", 0) & 1 == 1, "response flag bit set")
        return h, b

    def close(self):
        self.sock.close()


_TMP = tempfile.mkdtemp(prefix="it_namesrv_")
atexit.register(shutil.rmtree, _TMP, True)


def start_namesrv(binary, port=0, kv_path=None, stderr=subprocess.PIPE):
    """Starts mqnamesrv on 127.0.0.1 (port 0: any); its kvConfig.json goes to a temp dir
    unless kv_path says where. Returns (process, port)."""
    if kv_path is None:
        kv_path = tempfile.mkdtemp(dir=_TMP) + "/kvConfig.json"
    p = subprocess.Popen([binary, "--listenPort=%d" % port, "--bindAddress=127.0.0.1",
                          "--kvConfigPath=" + kv_path],
                         stdout=subprocess.PIPE, stderr=stderr, text=True)
    line = p.stdout.readline()
    m = re.search(r"boot success.*:(\d+)", line)
    if not m:
        p.kill()
        raise RuntimeError("no boot banner: %r %s" % (line, p.stderr.read() if p.stderr else ""))
    return p, int(m.group(1))


def register_body(topics, counter=1):
    table = {t: {"topicName": t, "readQueueNums": q, "writeQueueNums": q, "perm": 6,
                 "topicSysFlag": 0, "order": False, "topicFilterType": "SINGLE_TAG"}
             for t, q in topics.items()}
    return json.dumps({"topicConfigSerializeWrapper": {
        "dataVersion": {"counter": counter, "stateVersion": 0, "timestamp": 1700000000000},
        "topicConfigTable": table}, "filterServerList": []}).encode()


def register(conn, name, addr, topics, broker_id=0, cluster="DefaultCluster", extra=None):
    ext = {"brokerName": name, "brokerAddr": addr, "clusterName": cluster,
           "haServerAddr": addr.replace("10911", "10912"), "brokerId": broker_id}
    ext.update(extra or {})
    return conn.call(103, ext, register_body(topics))


def main():
    binary = sys.argv[1]
    procs = []
    try:
        p1, port1 = start_namesrv(binary)
        procs.append(p1)
        p2, port2 = start_namesrv(binary)
        procs.append(p2)
        check(port1 != port2, "two NameServers on different ports")

        # a broker registers with both, as brokers do (independent instances, no sync)
        brokers = [Remoting(port1), Remoting(port2)]
        for b in brokers:
            h, body = register(b, "broker-a", "127.0.0.1:10911", {"TopicTest": 4, "Orders": 8},
                               extra={"kafkaListener": "127.0.0.1:9092", "kafkaNodeId": 0})
            check(h["code"] == 0, "REGISTER_BROKER succeeds: %s" % h)
            check("masterAddr" in h.get("extFields", {}), "register reply has masterAddr")

        for port in (port1, port2):
            c = Remoting(port)
            h, body = c.call(105, {"topic": "TopicTest"})
            check(h["code"] == 0, "route found on :%d" % port)
            route = json.loads(body)
            bd = route["brokerDatas"][0]
            check(bd["brokerName"] == "broker-a" and bd["cluster"] == "DefaultCluster",
                  "broker data: %s" % bd)
            check(bd["brokerAddrs"] == {"0": "127.0.0.1:10911"}, "quoted broker id keys")
            check(bd.get("kafkaListener") == "127.0.0.1:9092", "kafka listener announced")
            qd = route["queueDatas"][0]
            check(qd["readQueueNums"] == 4 and qd["writeQueueNums"] == 4 and qd["perm"] == 6,
                  "queue data: %s" % qd)
            check(b" " not in body, "compact JSON (the Go client splits on whitespace)")
            h, body = c.call(105, {"topic": "NoSuchTopic"})
            check(h["code"] == 17, "unknown topic -> TOPIC_NOT_EXIST")
            check("No topic route info in name server for the topic: NoSuchTopic"
                  in h.get("remark", ""), "remark names the topic: %s" % h.get("remark"))
            c.close()

        c = Remoting(port1)
        # a slave of broker-a and a second broker in the same cluster
        s = Remoting(port1)
        h, _ = register(s, "broker-a", "127.0.0.1:20911", {"TopicTest": 4}, broker_id=1)
        check(h["code"] == 0 and h["extFields"].get("masterAddr") == "127.0.0.1:10911",
              "slave learns its master's address: %s" % h)
        b2 = Remoting(port1)
        register(b2, "broker-b", "127.0.0.1:30911", {"TopicTest": 2, "OnlyB": 1})
        h, body = c.call(105, {"topic": "TopicTest"})
        route = json.loads(body)
        names = sorted(q["brokerName"] for q in route["queueDatas"])
        check(names == ["broker-a", "broker-b"], "topic on two brokers: %s" % names)
        addrs = {d["brokerName"]: d["brokerAddrs"] for d in route["brokerDatas"]}
        check(addrs.get("broker-a") == {"0": "127.0.0.1:10911", "1": "127.0.0.1:20911"},
              "master and slave addresses: %s" % addrs)

        h, body = c.call(106)
        info = json.loads(body)
        check(sorted(info["clusterAddrTable"]["DefaultCluster"]) == ["broker-a", "broker-b"],
              "cluster info: %s" % info.get("clusterAddrTable"))
        h, body = c.call(206)
        check(sorted(json.loads(body)["topicList"]) == ["OnlyB", "Orders", "TopicTest"],
              "topic list: %s" % body)

        # a broker whose connection drops is removed at once
        b2.close()
        time.sleep(0.3)
        h, body = c.call(105, {"topic": "OnlyB"})
        check(h["code"] == 17, "broker-b gone with its connection: %s" % h)
        h, body = c.call(105, {"topic": "TopicTest"})
        names = [q["brokerName"] for q in json.loads(body)["queueDatas"]]
        check(names == ["broker-a"], "only broker-a left: %s" % names)

        # wipe and add write permission
        h, _ = c.call(205, {"brokerName": "broker-a"})
        check(h["code"] == 0 and h["extFields"].get("wipeTopicCount") == "2",
              "wipeWritePerm counts topics: %s" % h)
        h, body = c.call(105, {"topic": "TopicTest"})
        check(json.loads(body)["queueDatas"][0]["perm"] == 4, "write bit wiped")
        h, _ = c.call(327, {"brokerName": "broker-a"})
        check(h["extFields"].get("addTopicCount") == "2", "addWritePerm: %s" % h)

        # KV config
        h, _ = c.call(100, {"namespace": "ORDER_TOPIC_CONFIG", "key": "Orders", "value": "broker-a:8"})
        check(h["code"] == 0, "PUT_KV_CONFIG")
        h, _ = c.call(101, {"namespace": "ORDER_TOPIC_CONFIG", "key": "Orders"})
        check(h["code"] == 0 and h["extFields"].get("value") == "broker-a:8", "GET_KV_CONFIG: %s" % h)
        h, _ = c.call(101, {"namespace": "ORDER_TOPIC_CONFIG", "key": "Nope"})
        check(h["code"] == 22, "missing KV -> QUERY_NOT_FOUND")

        # KV config survives a restart in RocketMQ's kvConfig.json
        kv_path = os.path.join(_TMP, "kv-restart", "kvConfig.json")
        pk, portk = start_namesrv(binary, kv_path=kv_path)
        ck = Remoting(portk)
        ck.call(100, {"namespace": "NS1", "key": "k1", "value": "v1"})
        ck.call(100, {"namespace": "NS1", "key": "k2", "value": "v2"})
        ck.call(102, {"namespace": "NS1", "key": "k2"})
        with open(kv_path) as f:
            saved = json.load(f)
        check(saved == {"configTable": {"NS1": {"k1": "v1"}}}, "kvConfig.json: %s" % saved)
        ck.close()
        pk.terminate()
        pk.wait(timeout=10)
        pk, portk = start_namesrv(binary, kv_path=kv_path)
        ck = Remoting(portk)
        h, _ = ck.call(101, {"namespace": "NS1", "key": "k1"})
        check(h["code"] == 0 and h["extFields"].get("value") == "v1", "KV after restart: %s" % h)
        h, _ = ck.call(101, {"namespace": "NS1", "key": "k2"})
        check(h["code"] == 22, "a deleted KV stays deleted after restart")
        ck.close()
        pk.terminate()
        pk.wait(timeout=10)
        for suffix in (".bak", ".tmp"):
            if os.path.exists(kv_path + suffix):
                os.unlink(kv_path + suffix)
        with open(kv_path, "w") as f:
            f.write("{broken")
        pk = subprocess.Popen([binary, "--listenPort=0", "--kvConfigPath=" + kv_path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            rc = pk.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pk.kill()
            rc = None
        check(rc not in (0, None), "an unreadable kvConfig.json (no .bak) stops the start")

        # unknown code, one-way, missing field
        h, _ = c.call(4242)
        check(h["code"] == 3 and "request type 4242 not supported" in h.get("remark", ""),
              "unknown code -> REQUEST_CODE_NOT_SUPPORTED: %s" % h)
        one = c.send(105, {"topic": "TopicTest"}, flag=2)
        h, _ = c.call(106)
        check(h["opaque"] != one, "a one-way request gets no response")
        h, _ = c.call(105, {})
        check(h["code"] == 1 and "topic" in h.get("remark", ""), "missing field: %s" % h)

        # bad input: an undecodable header gets an error; an oversized frame closes
        bad = Remoting(port1)
        junk = b"{not json"
        bad.sock.sendall(struct.pack(">II", 4 + len(junk), len(junk)) + junk)
        h, _ = bad.recv()
        check(h["code"] == 1, "undecodable header -> SYSTEM_ERROR")
        bad.sock.sendall(struct.pack(">I", 64 * 1024 * 1024) + b"\0\0\0\0")
        try:
            bad.sock.settimeout(5)
            closed = bad.sock.recv(1) == b""
        except ConnectionError:
            closed = True
        check(closed, "oversized frame closes the connection")
        h, _ = c.call(106)
        check(h["code"] == 0, "the server keeps serving others")

        # unregister
        h, _ = s.call(104, {"brokerName": "broker-a", "brokerAddr": "127.0.0.1:20911",
                            "clusterName": "DefaultCluster", "brokerId": 1})
        check(h["code"] == 0, "UNREGISTER_BROKER")
        h, body = c.call(105, {"topic": "TopicTest"})
        addrs = json.loads(body)["brokerDatas"][0]["brokerAddrs"]
        check(addrs == {"0": "127.0.0.1:10911"}, "slave address removed: %s" % addrs)

        # the second NameServer never heard of broker-b: instances share nothing
        c2 = Remoting(port2)
        h, body = c2.call(206)
        check(sorted(json.loads(body)["topicList"]) == ["Orders", "TopicTest"],
              "independent instances: %s" % body)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                check(False, "NameServer stops on SIGTERM")
        for p in procs:
            check(p.returncode == 0, "clean exit code %s" % p.returncode)
    print("it_namesrv: %d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
