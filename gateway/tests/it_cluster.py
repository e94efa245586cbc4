#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_cluster.py -- integration test of a standalone `mqbroker -n "h1:p1;h2:p2"` registering
with two real `mqnamesrv` processes on loopback (gw_nsreg.c).

Checks: the broker and its topics appear in cluster info (106) and routes (105) on both
NameServers; a topic created on the broker (UPDATE_AND_CREATE_TOPIC, or auto-creation by
SEND_MESSAGE when 17 is not supported) reaches both within seconds; a NameServer restarted on
the same port gets the registration again, with one log line per state change on the broker;
kill -9 of the broker drops it from both; a second broker found through NAMESRV_ADDR
unregisters on SIGTERM; a fake NameServer that never answers sees the exact REGISTER_BROKER
fields, the periodic re-registration (registerNameServerPeriod) and the UNREGISTER_BROKER,
without delaying registration with a real NameServer; bad or missing NameServer lists exit 1.
Usage: it_cluster.py path/to/mqbroker path/to/mqnamesrv. Prints "N passed, N failed".
"""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_namesrv  # noqa: E402  (Remoting client, check counters)
from it_namesrv import Remoting, check, wait_for  # noqa: E402

CLUSTER = "DefaultCluster"


def start_namesrv(binary, port=0):
    return it_namesrv.start_namesrv(binary, port, stderr=subprocess.DEVNULL)


def start_broker(binary, store, name, namesrv=None, env=None, extra=()):
    args = [binary, "--listenPort=0", "--listeners=PLAINTEXT://127.0.0.1:0",
            "--storePathRootDir=" + store, "--brokerName=" + name,
            "--mappedFileSizeCommitLog=67108864", "--logLevel=info"]
    if namesrv is not None:
        args[1:1] = ["-n", namesrv]
    wrap = os.environ.get("MQ_IT_WRAP", "").split()  # e.g. valgrind, as it_broker.py
    log = open(os.path.join(store + ".log"), "w")
    p = subprocess.Popen(wrap + args + list(extra), stdout=subprocess.PIPE, stderr=log,
                         text=True, env=env)
    p.log_path = store + ".log"
    line = p.stdout.readline()
    m = re.search(r"The broker\[(.*), (.*):(\d+)\] boot success\. serializeType=JSON and name "
                  r"server is (.*)$", line.strip())
    if not m:
        p.kill()
        raise RuntimeError("no broker boot banner: %r %s" % (line, open(p.log_path).read()))
    check(m.group(1) == name, "banner names the broker: %s" % line.strip())
    return p, int(m.group(3)), m.group(4)


def broker_log(p):
    with open(p.log_path) as f:
        return f.read()


def cluster_info(port):
    c = Remoting(port)
    try:
        h, body = c.call(106)
        return json.loads(body) if h["code"] == 0 and body else {}
    finally:
        c.close()


def route(port, topic):
    c = Remoting(port)
    try:
        h, body = c.call(105, {"topic": topic})
        return json.loads(body) if h["code"] == 0 else None
    finally:
        c.close()


def has_broker(port, name, addr=None):
    info = cluster_info(port)
    bd = info.get("brokerAddrTable", {}).get(name)
    if not bd or name not in info.get("clusterAddrTable", {}).get(CLUSTER, []):
        return False
    return addr is None or bd.get("brokerAddrs") == {"0": addr}


def route_has(port, topic, name):
    r = route(port, topic)
    return r is not None and any(q["brokerName"] == name for q in r["queueDatas"])


def create_topic(bport, topic):
    """UPDATE_AND_CREATE_TOPIC (17); if not supported, auto-create by SEND_MESSAGE (10)."""
    c = Remoting(bport)
    try:
        h, _ = c.call(17, {"topic": topic, "defaultTopic": "TBW102", "readQueueNums": 4,
                           "writeQueueNums": 4, "perm": 6, "topicFilterType": "SINGLE_TAG",
                           "topicSysFlag": 0, "order": False})
        if h["code"] == 0:
            return "UPDATE_AND_CREATE_TOPIC"
        check(h["code"] == 3, "UPDATE_AND_CREATE_TOPIC: success or not supported: %s" % h)
    finally:
        c.close()
    send_new_topic(bport, topic)
    return "SEND_MESSAGE"


def send_new_topic(bport, topic):
    """SEND_MESSAGE (10) to an unknown topic: the broker auto-creates it from TBW102."""
    c = Remoting(bport)
    try:
        ext = {"producerGroup": "pg_cluster", "topic": topic, "defaultTopic": "TBW102",
               "defaultTopicQueueNums": 4, "queueId": 0, "sysFlag": 0,
               "bornTimestamp": int(time.time() * 1000), "flag": 0, "properties": "",
               "reconsumeTimes": 0, "unitMode": False}
        h, _ = c.call(10, ext, b"hello cluster")
        check(h["code"] == 0, "SEND_MESSAGE auto-creates %s: %s" % (topic, h))
    finally:
        c.close()


class FakeNamesrv:
    """Accepts one broker connection and records its requests; silent, or answering every
    request with the response code `answer` and a remark."""

    def __init__(self, answer=None):
        self.answer = answer
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(4)
        self.port = self.srv.getsockname()[1]
        self.requests = []  # (time, header, body)
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            conn, _ = self.srv.accept()
        except OSError:
            return
        buf = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 4:
                n = struct.unpack(">I", buf[:4])[0]
                if len(buf) < 4 + n:
                    break
                frame, buf = buf[4:4 + n], buf[4 + n:]
                hl = struct.unpack(">I", frame[:4])[0] & 0xFFFFFF
                h = json.loads(frame[4:4 + hl])
                with self.lock:
                    self.requests.append((time.time(), h, frame[4 + hl:]))
                if self.answer is not None:
                    r = json.dumps({"code": self.answer, "flag": 1, "opaque": h["opaque"],
                                    "language": "JAVA", "version": 479,
                                    "remark": "go away"}).encode()
                    conn.sendall(struct.pack(">II", 4 + len(r), len(r)) + r)
        conn.close()

    def codes(self):
        with self.lock:
            return [h["code"] for _, h, _ in self.requests]

    def close(self):
        self.srv.close()


class BrokenNamesrv:
    """Accepts connections and answers each with a frame header announcing 1 GiB, then closes:
    a peer the broker must retry with backoff, logging it once."""

    def __init__(self):
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        self.accepted = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            self.accepted.append(time.time())
            try:
                conn.sendall(struct.pack(">II", 1 << 30, 8))
                time.sleep(0.05)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.srv.close()


def main():
    broker_bin, namesrv_bin = sys.argv[1], sys.argv[2]
    procs = []
    tmp = tempfile.mkdtemp(prefix="it_cluster_")
    env_no_ns = {k: v for k, v in os.environ.items() if k != "NAMESRV_ADDR"}
    try:
        # ---- bad configurations exit 1 with RocketMQ's hints
        r = subprocess.run([broker_bin, "--listenPort=0", "--storePathRootDir=" + tmp + "/x"],
                           capture_output=True, text=True, env=env_no_ns, timeout=10)
        check(r.returncode == 1 and "NAMESRV_ADDR" in r.stderr,
              "no NameServer list: exit 1 with a hint: %d %r" % (r.returncode, r.stderr))
        r = subprocess.run([broker_bin, "-n", "127.0.0.1:9876;nohost", "--listenPort=0",
                            "--storePathRootDir=" + tmp + "/x"],
                           capture_output=True, text=True, env=env_no_ns, timeout=10)
        check(r.returncode == 1 and "The Name Server Address[127.0.0.1:9876;nohost] illegal"
              in r.stderr, "illegal list: exit 1: %d %r" % (r.returncode, r.stderr))
        r = subprocess.run([broker_bin, "-n", "127.0.0.1:1", "-p"], capture_output=True,
                           text=True, env=env_no_ns, timeout=10)
        check("namesrvAddr=127.0.0.1:1" in r.stdout and
              "registerNameServerPeriod=30000" in r.stdout, "-p shows the NameServer keys")

        # ---- two NameServers, one broker registering with both
        n1, p1 = start_namesrv(namesrv_bin)
        procs.append(n1)
        n2, p2 = start_namesrv(namesrv_bin)
        procs.append(n2)
        ns_list = "127.0.0.1:%d;127.0.0.1:%d" % (p1, p2)
        t0 = time.time()
        ba, bport, banner_ns = start_broker(broker_bin, tmp + "/a", "broker-c1", ns_list,
                                            env=env_no_ns)
        procs.append(ba)
        addr = "127.0.0.1:%d" % bport
        check(banner_ns == ns_list, "banner lists the NameServers: %s" % banner_ns)
        for port in (p1, p2):
            ok = wait_for(lambda: has_broker(port, "broker-c1", addr), 5)
            check(ok, "broker-c1 (%s) in cluster info of :%d" % (addr, port))
            r = route(port, "TBW102")
            check(r is not None and r["queueDatas"][0]["brokerName"] == "broker-c1" and
                  r["queueDatas"][0]["perm"] == 7 and r["queueDatas"][0]["writeQueueNums"] == 8,
                  "TBW102 route on :%d: %s" % (port, r))
            check(r is not None and r["brokerDatas"][0]["brokerAddrs"] == {"0": addr},
                  "route carries the broker address on :%d" % port)
        print("ok: registered with both NameServers in %.2f s" % (time.time() - t0))

        # ---- a new topic reaches both NameServers
        t0 = time.time()
        how = create_topic(bport, "ClusterT1")
        for port in (p1, p2):
            ok = wait_for(lambda: route_has(port, "ClusterT1", "broker-c1"), 5)
            check(ok, "ClusterT1 (%s) routed by :%d" % (how, port))
        print("ok: topic created by %s routed by both NameServers in %.2f s"
              % (how, time.time() - t0))
        t0 = time.time()
        send_new_topic(bport, "ClusterT2")
        for port in (p1, p2):
            ok = wait_for(lambda: route_has(port, "ClusterT2", "broker-c1"), 5)
            check(ok, "auto-created ClusterT2 routed by :%d" % port)
        r = route(p1, "ClusterT2")
        check(r is not None and r["queueDatas"][0]["writeQueueNums"] == 4,
              "auto-created with defaultTopicQueueNums: %s" % r)
        print("ok: topic auto-created by SEND_MESSAGE routed by both NameServers in %.2f s"
              % (time.time() - t0))

        # ---- a NameServer restarted on the same port gets the registration again
        n2.terminate()
        n2.wait(timeout=10)
        procs.remove(n2)
        time.sleep(1.0)
        check(has_broker(p1, "broker-c1", addr), "the other NameServer keeps the broker")
        log_before = broker_log(ba)
        check(log_before.count("lost the connection to NameServer 127.0.0.1:%d" % p2) == 1,
              "one line for the lost NameServer")
        time.sleep(2.0)  # a few failed reconnects while it is down
        t0 = time.time()
        n2, p2b = start_namesrv(namesrv_bin, p2)
        procs.append(n2)
        check(p2b == p2, "NameServer restarted on the same port")
        ok = wait_for(lambda: has_broker(p2, "broker-c1", addr), 10)
        check(ok, "broker re-registered with the restarted NameServer")
        check(wait_for(lambda: route_has(p2, "ClusterT1", "broker-c1"), 2),
              "restarted NameServer has every topic again")
        print("ok: re-registered with the restarted NameServer %.2f s after it came back"
              % (time.time() - t0))
        log = broker_log(ba)
        lines = [ln for ln in log.splitlines() if "NameServer 127.0.0.1:%d" % p2 in ln]
        # registered, lost (the outage: failed retries are not logged again), registered again
        check(len(lines) == 3, "one log line per state change, no retry spam: %s" % lines)
        check(sum("cannot register with NameServer" in ln for ln in lines) == 0,
              "outage logged once: %s" % lines)
        check(sum("registered with NameServer 127.0.0.1:%d again" % p2 in ln for ln in lines) == 1,
              "recovery logged: %s" % lines)

        # ---- a second broker, NameServers from NAMESRV_ADDR, unregisters on SIGTERM
        env = dict(env_no_ns, NAMESRV_ADDR=ns_list)
        bb, bport2, _ = start_broker(broker_bin, tmp + "/b", "broker-c2", None, env=env)
        procs.append(bb)
        addr2 = "127.0.0.1:%d" % bport2
        for port in (p1, p2):
            check(wait_for(lambda: has_broker(port, "broker-c2", addr2), 5),
                  "broker-c2 (NAMESRV_ADDR) registered with :%d" % port)
        t0 = time.time()
        bb.send_signal(signal.SIGTERM)
        rc = bb.wait(timeout=20)
        procs.remove(bb)
        check(rc == 0, "broker-c2 exits cleanly: %s" % rc)
        check(broker_log(bb).count("unregistered from NameServer") == 2,
              "UNREGISTER_BROKER acknowledged by both: %s" % broker_log(bb)[-400:])
        for port in (p1, p2):
            check(not has_broker(port, "broker-c2"), "broker-c2 gone from :%d at once" % port)
            check(has_broker(port, "broker-c1"), "broker-c1 still on :%d" % port)
        print("ok: SIGTERM unregistered broker-c2 from both in %.2f s" % (time.time() - t0))

        # ---- kill -9: both NameServers drop the broker with its connection
        ba.kill()
        ba.wait(timeout=10)
        procs.remove(ba)
        t0 = time.time()
        for port in (p1, p2):
            gone = wait_for(lambda: not has_broker(port, "broker-c1"), 5)
            check(gone, "broker-c1 dropped from cluster info of :%d" % port)
            check(route(port, "ClusterT1") is None and route(port, "TBW102") is None,
                  "routes of broker-c1 gone from :%d" % port)
        print("ok: kill -9 dropped broker-c1 from both in %.2f s" % (time.time() - t0))

        # ---- a NameServer that never answers: exact fields, period, no delay for the others
        fake = FakeNamesrv()
        broken = BrokenNamesrv()
        refusing = FakeNamesrv(answer=1)  # SYSTEM_ERROR to everything
        bc, bport3, _ = start_broker(broker_bin, tmp + "/c", "broker-c3",
                                     "127.0.0.1:%d; 127.0.0.1:%d;127.0.0.1:%d;127.0.0.1:%d"
                                     % (fake.port, p1, broken.port, refusing.port),
                                     env=env_no_ns, extra=["--registerNameServerPeriod=1000"])
        procs.append(bc)
        t0 = time.time()
        check(wait_for(lambda: has_broker(p1, "broker-c3"), 3),
              "silent NameServer does not delay the real one")
        check(wait_for(lambda: 103 in fake.codes(), 3), "fake NameServer got REGISTER_BROKER")
        with fake.lock:
            _, h, body = fake.requests[0]
        ext = h.get("extFields", {})
        check(h["code"] == 103 and h.get("flag", 0) == 0, "a two-way request: %s" % h)
        for k, v in (("brokerName", "broker-c3"), ("clusterName", CLUSTER),
                     ("brokerAddr", "127.0.0.1:%d" % bport3),
                     ("haServerAddr", "127.0.0.1:%d" % (bport3 + 1)), ("brokerId", "0"),
                     ("compressed", "false"), ("enableActingMaster", "false")):
            check(ext.get(k) == v, "REGISTER_BROKER ext %s=%r: %s" % (k, v, ext))
        check(ext.get("bodyCrc32") == str(zlib.crc32(body) & 0x7FFFFFFF), "bodyCrc32")
        rb = json.loads(body)
        wrapper = rb.get("topicConfigSerializeWrapper", {})
        check(rb.get("filterServerList") == [] and "dataVersion" in wrapper and
              wrapper.get("topicConfigTable", {}).get("TBW102", {}).get("topicName") == "TBW102",
              "RegisterBrokerBody: %s" % body[:200])
        # registerNameServerPeriod is clamped to 10 s at least, as BrokerController does
        ok = wait_for(lambda: fake.codes().count(103) >= 2, 13)
        check(ok, "periodic re-registration within 13 s")
        if ok:
            with fake.lock:
                times = [t for t, hh, _ in fake.requests if hh["code"] == 103]
            gap = times[1] - times[0]
            check(9.0 <= gap <= 12.0, "period clamped to 10 s: %.2f s" % gap)
            print("ok: periodic re-registration after %.2f s" % gap)
        # the broken NameServer: retried with backoff (0.5, 1, 2, 4, 5 s...), logged once
        n_acc = len(broken.accepted)
        blines = [ln for ln in broker_log(bc).splitlines()
                  if "NameServer 127.0.0.1:%d" % broken.port in ln]
        check(2 <= n_acc <= 8, "broken NameServer retried with backoff: %d connections" % n_acc)
        check(len(blines) == 1 and "oversized answer" in blines[0],
              "broken NameServer logged once: %s" % blines)
        print("ok: a broken NameServer was retried %d times in %.1f s, logged once"
              % (n_acc, time.time() - t0))
        broken.close()
        t0 = time.time()
        bc.send_signal(signal.SIGTERM)
        rc = bc.wait(timeout=20)
        procs.remove(bc)
        took = time.time() - t0
        check(rc == 0, "broker-c3 exits cleanly: %s" % rc)
        check(wait_for(lambda: 104 in fake.codes(), 2), "fake NameServer got UNREGISTER_BROKER")
        check(took < 8, "shutdown waits a bounded time for a silent NameServer: %.2f s" % took)
        check(not has_broker(p1, "broker-c3"), "broker-c3 unregistered from the real one")
        log = broker_log(bc)
        rname = "NameServer 127.0.0.1:%d" % refusing.port
        check(refusing.codes()[:2] == [103, 103] and refusing.codes()[-1] == 104,
              "refusing NameServer got registrations and the unregistration: %s"
              % refusing.codes())
        check(("%s refused REGISTER_BROKER: code 1, go away" % rname) in log,
              "a refused registration is logged with its remark")
        check(("%s refused UNREGISTER_BROKER" % rname) in log and
              ("unregistered from %s" % rname) not in log,
              "a refused unregistration is not reported as done")
        check(log.count("unregistered from NameServer") == 1, "only the real one acknowledged")
        print("ok: shutdown with a silent NameServer took %.2f s" % took)
        fake.close()
        refusing.close()
    finally:
        for p in procs:
            p.kill()
            p.wait()
        if os.environ.get("IT_KEEP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
