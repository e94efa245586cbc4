#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_txn.py -- transactional messages end to end: `mqbroker --all-in-one` and `mqproduce --txn`
(the C client's transactional producer) as real processes on loopback.

Committed messages reach their topic once, rolled-back ones never; a half left UNKNOWN is
checked back (CHECK_TRANSACTION_STATE) and committed by a producer of its group answering
commit; with no producer online it is discarded after transactionCheckMax checks (log line)
and never delivered; a broker restart (SIGTERM and kill -9) between half message and decision
still leads to the check and one delivery; decisions made before a kill -9 are not undone
(the op topic is replayed). Consumers are raw PULL_MESSAGE calls over every queue.
Usage: it_txn.py mqbroker mqproduce. Prints "N passed, N failed"; exits 1 on a failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_broker  # noqa: E402
import it_namesrv  # noqa: E402
from it_namesrv import Remoting, check, wait_for  # noqa: E402

ARGS = ("--mappedFileSizeCommitLog=67108864", "--transactionTimeOut=1000",
        "--transactionCheckInterval=500", "--transactionCheckMax=3")
HALF = "RMQ_SYS_TRANS_HALF_TOPIC"
OP = "RMQ_SYS_TRANS_OP_HALF_TOPIC"
BROKER = PRODUCE = None


def produce(ns, topic, group, txn, count=1, answer=None, checks=0, linger=0, prefix=None):
    """Runs mqproduce --txn; returns (exit code, [(msgId, outcome)], [checked msgId], output)."""
    args = [PRODUCE, "-n", "127.0.0.1:%d" % ns, "-t", topic, "-g", group, "-c", str(count),
            "-p", prefix or (topic + "-"), "--txn", txn, "--heartbeat", "1000"]
    if answer:
        args += ["--check-answer", answer]
    if checks:
        args += ["--checks", str(checks)]
    if linger:
        args += ["--linger", str(linger)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=90)
    sent = re.findall(r"^SEND_OK (\S+) .* TXN (\w+)$", r.stdout, re.M)
    checked = re.findall(r"^CHECK (\S+) ", r.stdout, re.M)
    return r.returncode, sent, checked, r.stdout + r.stderr


def consume(c, topic, queues=4):
    """Every record of topic's queues from offset 0: list of decoded records."""
    out = []
    for q in range(queues):
        off = 0
        while True:
            h, body = it_broker.pull(c, topic, q, off, group="cg_txn")
            if h["code"] != 0:
                break
            recs = it_broker.decode_records(body)
            out += recs
            off = int(h["extFields"]["nextBeginOffset"])
            if not recs:
                break
    return out


def max_offset(c, topic, qid=0):
    h, _ = c.call(30, {"topic": topic, "queueId": qid})
    return int(h.get("extFields", {}).get("offset", -1)) if h["code"] == 0 else -1


class Broker:
    """One all-in-one broker on a store dir; restartable; its log goes to a file."""

    def __init__(self, store):
        self.store = store
        self.log = store + ".log"
        self.p = None
        self.start()

    def start(self):
        with open(self.log, "a") as f:
            self.p, self.ns, self.port = it_broker.start(BROKER, self.store, ARGS, stderr=f)
        self.c = Remoting(self.port)

    def stop(self, hard=False):
        self.c.close()
        if hard:
            self.p.kill()
            self.p.wait(timeout=20)
        else:
            it_broker.stop(self.p)

    def log_text(self):
        with open(self.log) as f:
            return f.read()


def test_commit_rollback(b):
    rc, sent, _, out = produce(b.ns, "TxCommit", "pg_commit", "commit", count=3)
    check(rc == 0 and len(sent) == 3 and all(s == "commit" for _, s in sent),
          "three committed sends: %s" % out)
    ids = sorted(m for m, _ in sent)
    check(wait_for(lambda: len(consume(b.c, "TxCommit")) >= 3), "committed messages arrive")
    recs = consume(b.c, "TxCommit")
    check(sorted(r["props"].get("UNIQ_KEY") for r in recs) == ids,
          "each committed message once, with the producer's UNIQ_KEY: %s"
          % [r["props"].get("UNIQ_KEY") for r in recs])
    check(sorted(r["body"] for r in recs) == [b"TxCommit-%d" % i for i in range(3)], "bodies")
    check(all("TRAN_MSG" not in r["props"] and "REAL_TOPIC" not in r["props"] and
              "PGROUP" not in r["props"] for r in recs),
          "the committed copy has no transaction bookkeeping: %s" % recs[:1])
    check(max_offset(b.c, HALF) >= 3, "halves are stored in %s" % HALF)
    check(max_offset(b.c, OP) >= 3, "every decision wrote an op message")
    # the halves themselves: in the half topic with the real topic and queue
    h, body = it_broker.pull(b.c, HALF, 0, 0, group="cg_txn_half")
    halves = it_broker.decode_records(body) if h["code"] == 0 else []
    check(any(r["props"].get("REAL_TOPIC") == "TxCommit" and "REAL_QID" in r["props"] and
              r["props"].get("TRAN_MSG") == "true" and r["props"].get("PGROUP") == "pg_commit"
              for r in halves), "half message fields: %s" % halves[:1])

    rc, sent, _, out = produce(b.ns, "TxRollback", "pg_rollback", "rollback", count=2)
    check(rc == 0 and len(sent) == 2 and all(s == "rollback" for _, s in sent),
          "two rolled-back sends: %s" % out)
    time.sleep(3.0)  # well past transactionTimeOut and several check passes
    check(consume(b.c, "TxRollback") == [], "rolled-back messages are never delivered")
    # a decided transaction is not checked again: commit is seen exactly once later too
    check(len(consume(b.c, "TxCommit")) == 3, "no duplicate after check passes")


def test_check_commit(b):
    rc, sent, checked, out = produce(b.ns, "TxCheck", "pg_check", "unknown", count=2,
                                     answer="commit", checks=2, linger=30000)
    check(rc == 0 and len(sent) == 2 and all(s == "unknown" for _, s in sent),
          "two sends left unknown: %s" % out)
    ids = sorted(m for m, _ in sent)
    check(sorted(checked) == ids, "the broker checked back each half: %s vs %s" % (checked, ids))
    check(wait_for(lambda: len(consume(b.c, "TxCheck")) >= 2), "committed on the check")
    time.sleep(1.5)
    recs = consume(b.c, "TxCheck")
    check(sorted(r["props"].get("UNIQ_KEY") for r in recs) == ids,
          "each checked message delivered once: %s" % [r["props"].get("UNIQ_KEY") for r in recs])


def test_discard(b):
    rc, sent, _, out = produce(b.ns, "TxOrphan", "pg_orphan", "unknown", count=1)
    check(rc == 0 and len(sent) == 1, "an unknown send whose producer then leaves: %s" % out)
    mid = sent[0][0] if sent else "?"
    check(consume(b.c, "TxOrphan") == [], "a half is invisible to consumers")
    pat = re.compile(r"transaction %s .*discarded.*after 3 check" % re.escape(mid))
    check(wait_for(lambda: pat.search(b.log_text()), 20),
          "discarded after transactionCheckMax checks, with a log line")
    # a producer of the group coming back later is not asked about it, and nothing arrives
    rc, _, checked, out = produce(b.ns, "TxOrphan", "pg_orphan", "commit", count=0,
                                  answer="commit", linger=2500)
    check(rc == 0 and checked == [], "no check after the discard: %s" % out)
    check(consume(b.c, "TxOrphan") == [], "a discarded half is never delivered")


def test_restart(b, hard):
    topic = "TxRestart%s" % ("Kill" if hard else "Term")
    group = "pg_" + topic
    rc, sent, _, out = produce(b.ns, topic, group, "unknown", count=1)
    check(rc == 0 and len(sent) == 1, "%s: an unknown half before the restart: %s" % (topic, out))
    mid = sent[0][0] if sent else "?"
    b.stop(hard=hard)
    b.start()
    check(consume(b.c, topic) == [], "%s: still undecided after the restart" % topic)
    # a producer of the group started after the restart answers the check
    rc, _, checked, out = produce(b.ns, topic, group, "commit", count=0, answer="commit",
                                  checks=1, linger=30000)
    check(rc == 0 and checked == [mid], "%s: checked after the restart: %s" % (topic, out))
    check(wait_for(lambda: len(consume(b.c, topic)) >= 1), "%s: delivered" % topic)
    time.sleep(1.0)
    recs = consume(b.c, topic)
    check([r["props"].get("UNIQ_KEY") for r in recs] == [mid],
          "%s: delivered once: %s" % (topic, [r["props"].get("UNIQ_KEY") for r in recs]))


def raw_half(c, topic, group, body, qid=0, extra=None):
    pr = {"TRAN_MSG": "true", "PGROUP": group, "TAGS": "T"}
    pr.update(extra or {})
    ext = {"a": group, "b": topic, "c": "TBW102", "d": 4, "e": qid, "f": 4,
           "g": int(time.time() * 1000), "h": 0, "j": 0, "k": False, "i": it_broker.props(pr)}
    h, _ = c.call(310, ext, body)
    e = h.get("extFields", {})
    return h, int(e.get("queueOffset", -1)), int(e.get("msgId", "0" * 32)[16:32], 16), e


def end_txn(c, group, state_off, phys, what, oneway=False, from_check=False):
    ext = {"producerGroup": group, "tranStateTableOffset": state_off, "commitLogOffset": phys,
           "commitOrRollback": what, "fromTransactionCheck": from_check, "msgId": "x",
           "transactionId": "x"}
    if oneway:
        c.send(37, ext, b"", flag=2)
        return None
    h, _ = c.call(37, ext)
    return h


def test_raw_protocol(b):
    """The wire as a Java client speaks it, without the C client."""
    c = b.c
    h, qoff, phys, e = raw_half(c, "TxRaw", "pg_raw", b"raw-1", qid=2)
    check(h["code"] == 0 and qoff >= 0 and len(e.get("transactionId", "")) == 32,
          "raw half stored: %s" % h)
    h = end_txn(c, "pg_wrong", qoff, phys, 8)
    check(h["code"] == 1 and "group" in h.get("remark", ""), "wrong producer group refused: %s" % h)
    h = end_txn(c, "pg_raw", qoff + 1000, phys, 8)
    check(h["code"] == 1, "wrong tranStateTableOffset refused: %s" % h)
    h = end_txn(c, "pg_raw", qoff, phys, 8)
    check(h["code"] == 0, "commit accepted: %s" % h)
    check(wait_for(lambda: len(consume(c, "TxRaw")) == 1), "raw commit delivered")
    recs = consume(c, "TxRaw")
    check(recs and recs[0]["queueId"] == 2 and recs[0]["body"] == b"raw-1" and
          recs[0]["props"].get("TAGS") == "T", "to its real queue with its tag: %s" % recs)
    h = end_txn(c, "pg_raw", qoff, phys, 8)
    h2 = end_txn(c, "pg_raw", qoff, phys, 12)
    check(h["code"] == 0 and h2["code"] == 0, "decided again: acknowledged")
    time.sleep(0.5)
    check(len(consume(c, "TxRaw")) == 1, "a second commit or a late rollback changes nothing")
    # a delay level on a transactional message is ignored (as the Java client clears it):
    # level 3 would be 10 s, the commit delivers at once
    h, qoff, phys, _ = raw_half(c, "TxRawDelay", "pg_raw", b"raw-d", extra={"DELAY": "3"})
    h = end_txn(c, "pg_raw", qoff, phys, 8)
    check(h["code"] == 0 and wait_for(lambda: len(consume(c, "TxRawDelay")) == 1, 6),
          "a delayed transactional message is delivered on commit, not delayed")
    # a transactional batch is refused
    pr = it_broker.props({"TRAN_MSG": "true", "UNIQ_KEY": "U%030d" % 1})
    h, _ = it_broker.send(c, "TxRaw", None, qid=0, batch=[(b"b1", pr), (b"b2", pr)])
    check(h["code"] == 29, "transactional batch refused: %s" % h)

    # the check as a producer connection sees it, answered rollback by hand
    p = Remoting(b.port)
    hb = {"clientID": "127.0.0.1@raw", "producerDataSet": [{"groupName": "pg_raw2"}],
          "consumerDataSet": []}
    h, _ = p.call(34, {}, json.dumps(hb).encode())
    check(h["code"] == 0, "producer heartbeat")
    h, qoff, phys, e = raw_half(p, "TxRawCheck", "pg_raw2", b"raw-2", qid=1)
    check(h["code"] == 0, "second raw half stored")
    end_txn(p, "pg_raw2", qoff, phys, 0, oneway=True)  # unknown
    n = p.wait_notice(39, timeout=10)
    check(n is not None, "CHECK_TRANSACTION_STATE received")
    if n:
        x = n.get("extFields", {})
        check(x.get("topic") == "TxRawCheck" and x.get("brokerName") == "broker-a" and
              x.get("transactionId") == e.get("transactionId") and
              x.get("msgId") == e.get("transactionId") and int(x["tranStateTableOffset"]) > qoff
              and n.get("flag") == 2, "check header: %s" % x)
        # the frame's body: recv() dropped it; fetch the copy it names and compare
        h, body = c.call(33, {"offset": x.get("commitLogOffset", "0")})
        rec = it_broker.decode_records(body)[0] if h["code"] == 0 else {}
        check(rec.get("topic") == HALF and rec["props"].get("TRANSACTION_CHECK_TIMES") == "1" and
              rec["props"].get("REAL_QID") == "1" and
              x.get("offsetMsgId", "")[16:] == "%016X" % rec.get("phys", -1),
              "the check names the re-put copy: %s" % rec.get("props"))
        end_txn(p, "pg_raw2", int(x["tranStateTableOffset"]), int(x["commitLogOffset"]), 12,
                oneway=True, from_check=True)
    time.sleep(2.0)
    check(consume(c, "TxRawCheck") == [], "rolled back on the check: never delivered")
    check(p.wait_notice(39, timeout=1.5) is None, "no further check once decided")
    p.close()


def test_decided_survive_kill(b):
    # a commit just before kill -9: the op topic says it is decided, so no check re-commits it
    rc, sent, _, out = produce(b.ns, "TxKeep", "pg_keep", "commit", count=1)
    check(rc == 0 and len(sent) == 1, "a commit before the kill: %s" % out)
    b.stop(hard=True)
    b.start()
    rc, _, checked, out = produce(b.ns, "TxKeep", "pg_keep", "commit", count=0, answer="commit",
                                  linger=3000)
    check(checked == [], "a decided half is not checked after kill -9: %s" % out)
    check(len(consume(b.c, "TxKeep")) == 1, "the commit is delivered once after kill -9")
    for t, n in (("TxCommit", 3), ("TxCheck", 2), ("TxRestartTerm", 1), ("TxRestartKill", 1)):
        check(len(consume(b.c, t)) == n, "%s: still %d message(s) after restarts" % (t, n))
    check(consume(b.c, "TxRollback") == [] and consume(b.c, "TxOrphan") == [],
          "rolled back and discarded stay undelivered after restarts")


def main():
    global BROKER, PRODUCE
    BROKER, PRODUCE = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="it-txn-")
    b = None
    t0 = time.time()
    try:
        b = Broker(os.path.join(tmp, "store"))
        test_commit_rollback(b)
        test_raw_protocol(b)
        test_check_commit(b)
        test_discard(b)
        test_restart(b, hard=False)
        test_restart(b, hard=True)
        test_decided_survive_kill(b)
        b.stop()
        b = None
    finally:
        if b:
            b.p.kill()
        if it_namesrv.FAILED:
            try:
                with open(os.path.join(tmp, "store.log")) as f:
                    sys.stderr.write(f.read()[-4000:])
            except OSError:
                pass
        shutil.rmtree(tmp, True)
    print("%d passed, %d failed (%.1f s)" % (it_namesrv.PASSED, it_namesrv.FAILED,
                                             time.time() - t0))
    sys.exit(1 if it_namesrv.FAILED else 0)


if __name__ == "__main__":
    main()
