#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_delay.py -- delayed-delivery lateness of docs/benchmarks.md ("Delayed messages (issue
5)"): how late a delayed or timed message reaches its real topic, with N messages pending at
once on an otherwise idle `mqbroker --all-in-one` (fresh store under /tmp, free ports).

  timer  N messages with TIMER_DELIVER_MS spread evenly over a window that opens once all of
         them are stored: lateness = store time of the delivered copy - TIMER_DELIVER_MS.
  level  N messages with DELAY=1 (messageDelayLevel set to --level-delay): lateness = store time
         of the delivered copy - (store time in SCHEDULE_TOPIC_XXXX + the level's delay).

Sends are pipelined SEND_MESSAGE_V2 frames (raw remoting, like gateway/tests/it_broker.py);
store times come from the records themselves (the broker's clock), so the client's speed does
not count. Prints p50, p90, p99, p99.9 and max lateness in ms, and the broker's CPU time while
it waited with everything pending.

Usage: bench_delay.py MQBROKER [--mode timer|level|both] [-n 100000] [--window-s 10]
                      [--level-delay 40s] [--size 100]
"""
import argparse
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


class Remoting:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.opaque = 0
        self.buf = b""

    def frame(self, code, ext, body=b""):
        self.opaque += 1
        h = json.dumps({"code": code, "language": "JAVA", "version": 479, "opaque": self.opaque,
                        "flag": 0, "extFields": ext}, separators=(",", ":")).encode()
        return struct.pack(">II", 4 + len(h) + len(body), len(h)) + h + body

    def recv(self):
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    f, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    hl = struct.unpack(">I", f[:4])[0] & 0xFFFFFF
                    return json.loads(f[4:4 + hl]), f[4 + hl:]
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk

    def call(self, code, ext, body=b""):
        self.sock.sendall(self.frame(code, ext, body))
        return self.recv()


def props(d):
    return "".join("%s\x01%s\x02" % kv for kv in d.items())


def records(body):
    """(store ms, properties dict, body) of each stored record."""
    out, off = [], 0
    while off < len(body):
        total = struct.unpack_from(">i", body, off)[0]
        store = struct.unpack_from(">q", body, off + 56)[0]
        p = off + 84
        blen = struct.unpack_from(">i", body, p)[0]
        b = body[p + 4:p + 4 + blen]
        p += 4 + blen
        p += 1 + body[p]
        plen = struct.unpack_from(">h", body, p)[0]
        pr = body[p + 2:p + 2 + plen].decode()
        out.append((store, dict(kv.split("\x01", 1) for kv in pr.split("\x02") if "\x01" in kv),
                    b))
        off += total
    return out


def max_offset(c, topic, qid=0):
    h, _ = c.call(30, {"topic": topic, "queueId": qid})
    return int(h.get("extFields", {}).get("offset", 0)) if h["code"] == 0 else 0


def pull_all(c, topic, qid=0):
    out, offset = [], 0
    while True:
        h, body = c.call(11, {"consumerGroup": "cg_bench", "topic": topic, "queueId": qid,
                              "queueOffset": offset, "maxMsgNums": 1024, "sysFlag": 0,
                              "commitOffset": 0, "suspendTimeoutMillis": 0, "subVersion": 0,
                              "maxMsgBytes": 4 << 20})
        if h["code"] != 0:
            return out
        out += records(body)
        offset = int(h["extFields"]["nextBeginOffset"])


def send_pipelined(c, topic, msgs, depth=512):
    """msgs: list of (body, props dict). Returns the send time span in s."""
    t0 = time.time()
    for i in range(0, len(msgs), depth):
        chunk = msgs[i:i + depth]
        now = int(time.time() * 1000)
        data = b"".join(c.frame(310, {"a": "pg_bench", "b": topic, "c": "TBW102", "d": 1, "e": 0,
                                      "f": 0, "g": now, "h": 0, "i": props(p)}, b)
                        for b, p in chunk)
        c.sock.sendall(data)
        for _ in chunk:
            h, _ = c.recv()
            if h["code"] != 0:
                raise RuntimeError("send failed: %s" % h)
    return time.time() - t0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def pct(xs, q):
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def report(name, late, pending_s, cpu):
    late.sort()
    print("%-6s n=%d  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f ms  (min %.1f); "
          "broker CPU while %d pending for %.1f s: %.2f s" % (
              name, len(late), pct(late, .5), pct(late, .9), pct(late, .99), pct(late, .999),
              late[-1], late[0], len(late), pending_s, cpu), flush=True)


def wait_delivered(c, topic, n, deadline):
    while max_offset(c, topic) < n and time.time() < deadline:
        time.sleep(0.5)
    return max_offset(c, topic)


def run_timer(c, pid, n, window_s, size):
    est_send_s = max(5.0, n / 4000.0)  # pipelined sends run at 10-30k/s here
    base = int((time.time() + est_send_s + 3) * 1000)
    pad = b"x" * max(0, size - 20)
    msgs = []
    for i in range(n):
        due = base + (i * window_s * 1000) // n
        msgs.append((b"%d|" % due + pad, {"TIMER_DELIVER_MS": str(due)}))
    send_s = send_pipelined(c, "BenchTimer", msgs)
    left = base / 1000.0 - time.time()
    if left < 0.5:
        print("timer: sending took %.1f s, past the window start: raise est" % send_s)
    time.sleep(min(1.0, max(0, left - 0.3)))  # the dispatcher finishes the sends first
    left = base / 1000.0 - time.time()
    cpu0, t0 = cpu_s(pid), time.time()
    time.sleep(max(0, left - 0.2))
    cpu = cpu_s(pid) - cpu0
    pending_s = time.time() - t0
    got = wait_delivered(c, "BenchTimer", n, time.time() + window_s + 60)
    late = []
    for store, pr, body in pull_all(c, "BenchTimer"):
        late.append(store - int(body.split(b"|", 1)[0]))
    print("timer: sent %d in %.1f s (%.0f/s); delivered %d" % (n, send_s, n / send_s, got))
    report("timer", late, pending_s, cpu)


def run_level(c, pid, n, delay_ms, size):
    pad = b"y" * size
    msgs = [(pad, {"DELAY": "1"}) for _ in range(n)]
    t_send = time.time()
    send_s = send_pipelined(c, "BenchLevel", msgs)
    time.sleep(1.0)  # the dispatcher finishes the sends first
    cpu0, t0 = cpu_s(pid), time.time()
    left = t_send + delay_ms / 1000.0 - time.time()
    time.sleep(max(0, left - 0.2))
    cpu = cpu_s(pid) - cpu0
    pending_s = time.time() - t0
    got = wait_delivered(c, "BenchLevel", n, time.time() + send_s + 60)
    sched = {pr["UNIQ_KEY"]: store for store, pr, _ in pull_all(c, "SCHEDULE_TOPIC_XXXX", 0)}
    late = []
    for store, pr, _ in pull_all(c, "BenchLevel"):
        s = sched.get(pr.get("UNIQ_KEY"))
        if s is not None:
            late.append(store - (s + delay_ms))
    print("level: sent %d in %.1f s (%.0f/s); delivered %d" % (n, send_s, n / send_s, got))
    report("level", late, pending_s, cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mqbroker")
    ap.add_argument("--mode", default="both", choices=["timer", "level", "both"])
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("--window-s", type=int, default=10)
    ap.add_argument("--level-delay", default="40s")
    ap.add_argument("--size", type=int, default=100)
    a = ap.parse_args()
    delay_ms = int(a.level_delay[:-1]) * {"s": 1000, "m": 60000}[a.level_delay[-1]]
    store = tempfile.mkdtemp(prefix="bench-delay-", dir="/tmp")
    p = subprocess.Popen([a.mqbroker, "--all-in-one", "--listenPort=0", "--namesrvListenPort=0",
                          "--listeners=", "--storePathRootDir=" + store, "--logLevel=warn",
                          "--messageDelayLevel=%s 5s" % a.level_delay],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = None
        for _ in range(20):
            m = re.search(r"The broker\[.*:(\d+)\] boot success", p.stdout.readline())
            if m:
                port = int(m.group(1))
                break
        if not port:
            raise RuntimeError("no boot banner")
        c = Remoting(port)
        print("load average before: %s" % open("/proc/loadavg").read().split()[:3])
        if a.mode in ("timer", "both"):
            run_timer(c, p.pid, a.n, a.window_s, a.size)
        if a.mode in ("level", "both"):
            run_level(c, p.pid, a.n, delay_ms, a.size)
    finally:
        p.terminate()
        p.wait(timeout=30)
        shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
