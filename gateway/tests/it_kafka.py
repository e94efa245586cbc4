#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_kafka.py -- the Kafka listener of a real `mqbroker --all-in-one` on loopback, driven by
kcat (librdkafka) and by raw frames.

Checks: Metadata lists the broker with its node id and auto-creates a requested topic with
num.partitions partitions; kcat produces keyed records (acks 0, 1, all; every compression
codec) and reads them back byte-identical with dense offsets; offsets by timestamp; a
RocketMQ pull sees a Kafka-produced record as a native message and kcat sees a RocketMQ-sent
message as a record; bad input: an unknown api key and an oversized frame close the
connection, an unsupported version gets UNSUPPORTED_VERSION, and the broker keeps serving.

usage: it_kafka.py <mqbroker>
"""
import gzip
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_namesrv  # noqa: E402
from it_namesrv import Remoting, check  # noqa: E402
from it_broker import start, stop, send, pull, decode_records, wait_visible  # noqa: E402


def kcat(port, *args, data=None, timeout=20):
    r = subprocess.run(["kcat", "-b", "127.0.0.1:%d" % port] + list(args), input=data,
                       capture_output=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def frame(api_key, version, corr, body=b"", client=b"it"):
    hdr = struct.pack(">hhih", api_key, version, corr, len(client)) + client
    payload = hdr + body
    return struct.pack(">i", len(payload)) + payload


def raw_call(port, data, want_reply=True):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    try:
        if not want_reply:
            return s.recv(4)  # b"" when the broker closed the connection
        head = b""
        while len(head) < 4:
            chunk = s.recv(4 - len(head))
            if not chunk:
                return None
            head += chunk
        n = struct.unpack(">i", head)[0]
        body = b""
        while len(body) < n:
            chunk = s.recv(n - len(body))
            if not chunk:
                break
            body += chunk
        return body
    except (socket.timeout, ConnectionResetError):
        return None
    finally:
        s.close()


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def varint(n):
    n = (n << 1) ^ (n >> 63)  # zig-zag
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def record_batch(values, pid=-1, epoch=-1, seq=-1, ts=None, gzip_payload=None):
    """A record batch v2 (magic 2) as an idempotent producer writes it; uncompressed, or gzip
    with gzip_payload(records) -> bytes deciding what the compressed section holds."""
    ts = ts if ts is not None else int(time.time() * 1000)
    recs = b""
    for i, v in enumerate(values):
        body = b"\0" + varint(0) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        recs += varint(len(body)) + body
    attrs = 0
    if gzip_payload:
        attrs, recs = 1, gzip_payload(recs)
    after_crc = struct.pack(">hiqqqhii", attrs, len(values) - 1, ts, ts, pid, epoch, seq,
                            len(values)) + recs
    head = struct.pack(">iB", -1, 2) + struct.pack(">I", crc32c(after_crc))
    return struct.pack(">qi", 0, len(head) + len(after_crc)) + head + after_crc


def produce_v3(port, topic, partition, batch, corr):
    """Produce v3, acks=1: returns (error_code, base_offset)."""
    t = topic.encode()
    body = struct.pack(">hhii", -1, 1, 5000, 1) + struct.pack(">h", len(t)) + t
    body += struct.pack(">iii", 1, partition, len(batch)) + batch
    r = raw_call(port, frame(0, 3, corr, body))
    if r is None:
        return None, None
    off = 4 + 4  # correlation id, topics count
    n = struct.unpack_from(">h", r, off)[0]
    off += 2 + n + 4  # name, partitions count
    _, err, base = struct.unpack_from(">ihq", r, off)
    return err, base


def main():
    binary = sys.argv[1]
    if not shutil.which("kcat"):
        print("FAIL: kcat is not installed (tools/setup.sh installs it with MQ_SETUP_TESTS=1)")
        return 1
    store = tempfile.mkdtemp(prefix="it-kafka-")
    p = None
    try:
        p, nsport, bkport = start(binary, store, args=("--mappedFileSizeCommitLog=67108864",
                                                       "--num.partitions=3"),
                                  stderr=None)  # the broker's log lines go to the test's output
        kp = p.kafka_port
        check(kp is not None, "the Kafka listener's banner gives its port")

        # ---- Metadata and auto-creation ----
        rc, out, err = kcat(kp, "-L", "-J", "-t", "orders.v1")
        md = json.loads(out) if rc == 0 else {}
        brokers = md.get("brokers", [])
        check(len(brokers) == 1 and brokers[0].get("name", "").endswith(":%d" % kp),
              "Metadata lists this broker: %s" % brokers)
        topics = {t["topic"]: t for t in md.get("topics", [])}
        t = topics.get("orders.v1", {})
        check(len(t.get("partitions", [])) == 3 and not t.get("err"),
              "Metadata auto-creates orders.v1 with num.partitions=3: %s" % t)
        check(all(pp["leader"] == brokers[0]["id"] for pp in t.get("partitions", [])),
              "each partition is led by the broker's node id")
        rmq = Remoting(nsport)
        h, body = rmq.call(105, {"topic": "orders|v1"})
        check(h["code"] == 0, "the RocketMQ route of the stored name orders|v1 exists")

        # ---- produce / consume round trip, acks and codecs ----
        expect = []
        for acks in ("0", "1", "all"):
            lines = b"".join(b"k-%s-%d:v-%s-%d\n" % (acks.encode(), i, acks.encode(), i)
                             for i in range(5))
            rc, _, err = kcat(kp, "-P", "-t", "orders.v1", "-p", "0", "-K:", "-X",
                              "acks=%s" % acks, data=lines)
            check(rc == 0, "kcat produces with acks=%s: %s" % (acks, err[-200:]))
            expect += [(b"k-%s-%d" % (acks.encode(), i), b"v-%s-%d" % (acks.encode(), i))
                       for i in range(5)]
        for codec in ("gzip", "snappy", "lz4", "zstd"):
            rc, _, err = kcat(kp, "-P", "-t", "orders.v1", "-p", "0", "-K:", "-z", codec,
                              data=b"k-%s:v-%s\n" % (codec.encode(), codec.encode()))
            check(rc == 0, "kcat produces %s batches: %s" % (codec, err[-200:]))
            expect.append((b"k-" + codec.encode(), b"v-" + codec.encode()))
        rc, out, err = kcat(kp, "-C", "-t", "orders.v1", "-p", "0", "-o", "beginning", "-e",
                            "-f", "%o|%k|%s\n")
        got = [ln.split(b"|") for ln in out.splitlines()]
        check(rc == 0 and [(g[1], g[2]) for g in got] == expect,
              "every record comes back in order, key and value identical (%d of %d)"
              % (len(got), len(expect)))
        check([int(g[0]) for g in got] == list(range(len(expect))), "offsets are dense from 0")

        # ---- a 249-byte Kafka topic name (RocketMQ's own limit is 127) ----
        long_topic = "a." * 124 + "b"
        rc, _, err = kcat(kp, "-P", "-t", long_topic, "-p", "0", data=b"long-name\n")
        rc2, out, _ = kcat(kp, "-C", "-t", long_topic, "-p", "0", "-o", "beginning", "-e", "-f",
                           "%s")
        check(rc == 0 and out == b"long-name", "a 249-byte topic name works: %s %s"
              % (out, err[-200:]))

        # ---- offsets by timestamp ----
        time.sleep(0.05)
        t_mid = int(time.time() * 1000)
        time.sleep(0.05)
        rc, _, _ = kcat(kp, "-P", "-t", "orders.v1", "-p", "0", "-K:", data=b"late:after\n")
        rc, out, err = kcat(kp, "-C", "-t", "orders.v1", "-p", "0", "-o", "s@%d" % t_mid, "-e",
                            "-f", "%o|%s\n")
        check(out.splitlines() == [b"%d|after" % len(expect)],
              "offsets_for_times finds the first record at or after a time: %s %s"
              % (out, err[-200:]))

        # ---- cross-protocol ----
        c = Remoting(bkport)
        wait_visible(c, "orders|v1", 0, len(expect) + 1)
        h, body = pull(c, "orders|v1", 0, 0, max_msgs=1)
        recs = decode_records(body) if h["code"] == 0 else []
        check(len(recs) == 1 and recs[0]["body"] == b"v-0-0" and
              recs[0]["props"].get("KEYS") == "k-0-0",
              "a RocketMQ pull sees the Kafka record: body and KEYS (%s)" % recs[:1])
        h, _ = send(c, "orders|v1", b"from-rocketmq", qid=2, tags="TagR", keys="rk")
        check(h["code"] == 0, "RocketMQ send to the same topic")
        rc, out, err = kcat(kp, "-C", "-t", "orders.v1", "-p", "2", "-o", "beginning", "-e",
                            "-f", "%k|%s|%h\n")
        line = out.splitlines()[0] if out else b""
        check(line.startswith(b"rk|from-rocketmq|") and b"rocketmq.TAGS=TagR" in line,
              "kcat sees the RocketMQ message: key, value, rocketmq.* headers (%s)" % line)

        # ---- idempotent producer: hand-built duplicate and out-of-order batches ----
        kcat(kp, "-L", "-t", "idem")  # Metadata creates it (3 partitions)
        r = raw_call(kp, frame(22, 0, 50, struct.pack(">hi", -1, 60000)))
        err, pid, epoch = struct.unpack_from(">hqh", r, 8) if r else (-1, -1, -1)
        check(err == 0 and pid >= 0 and epoch == 0, "InitProducerId gives a producer id: %s"
              % ((err, pid, epoch),))
        e0, off0 = produce_v3(kp, "idem", 0, record_batch([b"a", b"b"], pid, 0, 0), 51)
        check(e0 == 0 and off0 == 0, "sequence 0-1 is stored at offset 0: %s" % ((e0, off0),))
        e1, off1 = produce_v3(kp, "idem", 0, record_batch([b"a", b"b"], pid, 0, 0), 52)
        check(e1 == 0 and off1 == 0, "the same batch resent: acknowledged with offset 0 (%s)"
              % ((e1, off1),))
        e2, off2 = produce_v3(kp, "idem", 0, record_batch([b"c"], pid, 0, 2), 53)
        check(e2 == 0 and off2 == 2, "sequence 2 follows at offset 2: %s" % ((e2, off2),))
        e3, _ = produce_v3(kp, "idem", 0, record_batch([b"x"], pid, 0, 7), 54)
        check(e3 == 45, "a sequence gap: OUT_OF_ORDER_SEQUENCE_NUMBER (%s)" % e3)
        e4, off4 = produce_v3(kp, "idem", 0, record_batch([b"d"], pid, 1, 0), 55)
        check(e4 == 0 and off4 == 3, "a bumped epoch restarts at sequence 0: %s" % ((e4, off4),))
        e5, _ = produce_v3(kp, "idem", 0, record_batch([b"y"], pid, 0, 3), 56)
        check(e5 == 47, "the old epoch is fenced: INVALID_PRODUCER_EPOCH (%s)" % e5)
        bad = bytearray(record_batch([b"z"]))
        bad[-1] ^= 0xFF
        e6, _ = produce_v3(kp, "idem", 0, bytes(bad), 57)
        check(e6 == 2, "a CRC mismatch: CORRUPT_MESSAGE (%s)" % e6)
        e7, off7 = produce_v3(kp, "idem", 2, record_batch([b"g1", b"g2"],
                                                          gzip_payload=gzip.compress), 58)
        check(e7 == 0 and off7 == 0, "a gzip batch built by hand is stored: %s" % ((e7, off7),))
        e8, _ = produce_v3(kp, "idem", 2, record_batch(
            [b"zz"], gzip_payload=lambda r: gzip.compress(r)[:-9] + b"garbage!!"), 59)
        check(e8 == 2, "a gzip payload that does not inflate: CORRUPT_MESSAGE (%s)" % e8)
        e9, _ = produce_v3(kp, "idem", 2, record_batch(
            [b"zz"], gzip_payload=lambda r: gzip.compress(r * 4)), 60)
        check(e9 in (2, 87), "records that disagree with recordsCount: refused (%s)" % e9)
        rc, out, err = kcat(kp, "-C", "-t", "idem", "-p", "2", "-o", "beginning", "-e", "-f",
                            "%s,")
        check(out == b"g1,g2,", "nothing of the refused batches is stored: %s" % out)
        rc, out, err = kcat(kp, "-C", "-t", "idem", "-p", "0", "-o", "beginning", "-e", "-f",
                            "%s")
        check(out == b"abcd", "stored exactly once each, nothing from refused batches: %s" % out)
        rc, _, err = kcat(kp, "-P", "-t", "idem", "-p", "1", "-X", "enable.idempotence=true",
                          data=b"i1\ni2\ni3\n")
        rc2, out, _ = kcat(kp, "-C", "-t", "idem", "-p", "1", "-o", "beginning", "-e", "-f",
                           "%s,")
        check(rc == 0 and out == b"i1,i2,i3,", "librdkafka with enable.idempotence=true: %s %s"
              % (out, err[-300:]))

        # ---- bad input ----
        check(raw_call(kp, frame(99, 0, 7), want_reply=False) in (b"", None),
              "an unknown api key closes the connection")
        check(raw_call(kp, struct.pack(">i", 200 << 20) + b"\0" * 16, want_reply=False)
              in (b"", None), "a frame above socket.request.max.bytes closes the connection")
        check(raw_call(kp, frame(0, 3, 44, struct.pack(">hhii", -1, 1, 5000, 0x7FFFFFFF)),
                       want_reply=False) in (b"", None),
              "an absurd array count closes the connection")
        sk = socket.create_connection(("127.0.0.1", kp), timeout=5)
        sk.sendall(struct.pack(">i", 100) + b"\0" * 50)  # a truncated frame, then gone
        sk.close()
        body = raw_call(kp, frame(0, 2, 42, b"\xff\xff\0\0\0\0\0\0\0\0"))
        check(body is not None and struct.unpack(">i", body[:4])[0] == 42,
              "Produce v2 (not implemented) is answered with its correlation id")
        body = raw_call(kp, frame(18, 99, 43))
        ok = body is not None and struct.unpack(">ih", body[:6]) == (43, 35)
        check(ok, "ApiVersions v99 gets UNSUPPORTED_VERSION with our versions (KIP-511)")
        rc, out, _ = kcat(kp, "-L", "-J")
        check(rc == 0 and b"orders.v1" in out, "the broker still serves after bad input")

        # ---- the idempotent producer's state survives a restart ----
        stop(p)
        p, nsport, bkport = start(binary, store, args=("--mappedFileSizeCommitLog=67108864",
                                                       "--num.partitions=3"), stderr=None)
        kp = p.kafka_port
        e0, off0 = produce_v3(kp, "idem", 0, record_batch([b"d"], pid, 1, 0), 70)
        check(e0 == 0 and off0 == 3, "after a restart the last batch resent is still a "
              "duplicate (offset 3): %s" % ((e0, off0),))
        e1, off1 = produce_v3(kp, "idem", 0, record_batch([b"e"], pid, 1, 1), 71)
        check(e1 == 0 and off1 == 4, "and the next sequence follows: %s" % ((e1, off1),))
        e2, _ = produce_v3(kp, "idem", 0, record_batch([b"f"], pid, 1, 9), 72)
        check(e2 == 45, "and a gap is still refused (%s)" % e2)
        stop(p)
        p = None
    finally:
        if p:
            p.kill()
        shutil.rmtree(store, ignore_errors=True)
    print("it_kafka: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
