#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_delay_retry.py -- delayed messages, timed messages, retries and the DLQ against
`mqbroker --all-in-one` (issue 5, docs/delay-retry.md), with raw remoting frames.

  * DELAY levels (short messageDelayLevel "1s 2s 1s 2s 3s 4s"): each message arrives in its real
    topic no earlier than its level's delay and within generous bounds, with the same UNIQ_KEY,
    without DELAY; a level past the last is clamped; nothing is visible before it is due.
  * TIMER_DELIVER_MS, TIMER_DELAY_SEC, __STARTDELIVERTIME: delivered no earlier than asked; a
    time in the past is an ordinary message; one past timerMaxDelaySec is refused (13).
  * A broker restart (SIGTERM, then kill -9) in the middle of the delays: every pending message
    is still delivered, exactly once.
  * CONSUMER_SEND_MSG_BACK: a consumer that fails twice then succeeds sees the message 3 times,
    each retry no earlier than its level (3 + reconsume times); one that always fails with
    maxReconsumeTimes=2 lands in %DLQ%<group> after its 3rd delivery, where a pull reads it
    with RETRY_TOPIC, ORIGIN_MESSAGE_ID and its reconsume times; an over-retried SEND_MESSAGE
    to %RETRY% goes to the DLQ too, and so does any re-send while the group holds queue locks
    (an orderly consumer).
  * With the C client (mqproduce, mqconsume): --delay-level arrives no earlier than its delay;
    a push consumer whose listener refuses a message twice gets it back through the group's
    retry topic (sent back, same msgId) and consumes it the third time.
Usage: it_delay_retry.py path/to/mqbroker [path/to/mqproduce path/to/mqconsume]. Prints
"N passed, N failed"; exits 1 on a failure.
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_namesrv  # noqa: E402
from it_broker import decode_records, props, start, stop  # noqa: E402
from it_namesrv import Remoting, check  # noqa: E402

LEVELS_MS = [1000, 2000, 1000, 2000, 3000, 4000]
ARGS = ["--mappedFileSizeCommitLog=67108864", "--messageDelayLevel=1s 2s 1s 2s 3s 4s",
        "--timerMaxDelaySec=60"]
SLACK_MS = 4000  # generous upper bound on lateness (a loaded CI machine)


def now_ms():
    return int(time.time() * 1000)


def send(c, topic, body, pr, qid=0, reconsume=0, max_reconsume=16):
    ext = {"a": "pg_dr", "b": topic, "c": "TBW102", "d": 4, "e": qid, "f": 0,
           "g": now_ms(), "h": 0, "i": props(pr), "j": reconsume, "k": False,
           "l": max_reconsume}
    return c.call(310, ext, body)


def times(body):
    """(born ms, store ms, reconsume times) of each stored record in a pull body."""
    out, off = [], 0
    while off < len(body):
        total = struct.unpack_from(">i", body, off)[0]
        born = struct.unpack_from(">q", body, off + 40)[0]
        store = struct.unpack_from(">q", body, off + 56)[0]
        recons = struct.unpack_from(">i", body, off + 72)[0]
        out.append((born, store, recons))
        off += total
    return out


def pull_all(c, topic, qid=0, offset=0, group="cg_dr"):
    """Every record of a queue from offset: list of dicts with born/store/reconsume added."""
    recs = []
    while True:
        h, body = c.call(11, {"consumerGroup": group, "topic": topic, "queueId": qid,
                              "queueOffset": offset, "maxMsgNums": 32, "sysFlag": 0,
                              "commitOffset": 0, "suspendTimeoutMillis": 0, "subVersion": 0})
        if h["code"] != 0:
            return recs
        got = decode_records(body)
        for r, (born, store, recons) in zip(got, times(body)):
            r.update(born=born, store=store, reconsume=recons)
        recs += got
        offset = int(h["extFields"]["nextBeginOffset"])


def wait_count(c, topic, n, seconds, qid=0):
    """Polls until the queue holds n records (or the time is up); returns them."""
    deadline = time.time() + seconds
    while True:
        recs = pull_all(c, topic, qid)
        if len(recs) >= n or time.time() > deadline:
            return recs
        time.sleep(0.05)


def test_levels(c):
    t0 = now_ms()
    want = {}
    for level in (1, 2, 5, 9):  # 9 is past the last level: clamped to 6 (4 s)
        h, _ = send(c, "DelayT", b"L%d" % level, {"DELAY": str(level), "KEYS": "k%d" % level})
        check(h["code"] == 0, "delayed send accepted: %s" % h)
        want[b"L%d" % level] = (h["extFields"].get("transactionId"),
                                LEVELS_MS[min(level, len(LEVELS_MS)) - 1])
    h, _ = send(c, "DelayT", b"now", {})
    check(h["code"] == 0, "plain send")
    wait_count(c, "DelayT", 1, 10)  # the plain one is visible (the delayed ones are elsewhere)
    early = pull_all(c, "DelayT")
    check([r["body"] for r in early] == [b"now"], "only the plain message is visible at once: %s"
          % [r["body"] for r in early])
    recs = wait_count(c, "DelayT", 5, 15)
    got = {r["body"]: r for r in recs}
    check(len(recs) == 5 and set(got) == set(want) | {b"now"}, "every delayed message arrives "
          "once: %s" % [r["body"] for r in recs])
    order = [r["body"] for r in recs if r["body"] != b"now"]
    check(order == [b"L1", b"L2", b"L5", b"L9"], "delivered in due order: %s" % order)
    for body, (uniq, delay) in want.items():
        r = got.get(body)
        if not r:
            continue
        late = r["store"] - r["born"] - delay
        check(late >= 0, "%s not early: stored %d ms after send, delay %d" % (
            body, r["store"] - r["born"], delay))
        check(late < SLACK_MS, "%s on time: %d ms late" % (body, late))
        check(r["props"].get("UNIQ_KEY") == uniq, "%s keeps its UNIQ_KEY" % body)
        check("DELAY" not in r["props"] and r["props"].get("REAL_TOPIC") == "DelayT" and
              r["props"].get("KEYS") == body.decode().replace("L", "k"),
              "%s properties: %s" % (body, r["props"]))
        check(r["topic"] == "DelayT" and r["queueId"] == 0, "real topic and queue")
    check(t0 > 0, "levels test ran")


def test_timer(c):
    t0 = now_ms()
    cases = [(b"abs", {"TIMER_DELIVER_MS": str(t0 + 1500)}, 1500),
             (b"sec", {"TIMER_DELAY_SEC": "2"}, 2000),
             (b"ons", {"__STARTDELIVERTIME": str(t0 + 1000)}, 1000),
             (b"past", {"TIMER_DELIVER_MS": str(t0 - 5000)}, 0)]
    for body, pr, _ in cases:
        h, _ = send(c, "TimerT", body, pr)
        check(h["code"] == 0, "timer send %s: %s" % (body, h))
    h, _ = send(c, "TimerT", b"far", {"TIMER_DELIVER_MS": str(t0 + 3600 * 1000)})
    check(h["code"] == 13, "beyond timerMaxDelaySec refused with MESSAGE_ILLEGAL: %s" % h)
    wait_count(c, "TimerT", 1, 10)  # the past one, sent at once
    check([r["body"] for r in pull_all(c, "TimerT")] == [b"past"],
          "a past delivery time is sent at once, the others wait")
    recs = wait_count(c, "TimerT", 4, 15)
    got = {r["body"]: r for r in recs}
    check(len(recs) == 4 and [r["body"] for r in recs] == [b"past", b"ons", b"abs", b"sec"],
          "timed messages in due order: %s" % [r["body"] for r in recs])
    for body, pr, delay in cases[:3]:
        r = got.get(body)
        if not r:
            continue
        due = int(pr["TIMER_DELIVER_MS"]) if "TIMER_DELIVER_MS" in pr else \
            int(pr["__STARTDELIVERTIME"]) if "__STARTDELIVERTIME" in pr else r["born"] + delay
        check(r["store"] >= due, "%s not early (%d ms before due)" % (body, due - r["store"]))
        check(r["store"] - due < SLACK_MS, "%s on time: %d ms late" % (body, r["store"] - due))
        check(not any(k.startswith("TIMER_D") or k == "__STARTDELIVERTIME" for k in r["props"]),
              "%s: timer keys removed: %s" % (body, r["props"]))


def test_restart(binary, store, p, c, how):
    """Messages in the middle of their delay survive a restart (SIGTERM or kill -9)."""
    topic = "RestartT_" + how
    t0 = now_ms()
    send(c, topic, b"lvl", {"DELAY": "5"})  # 3 s
    send(c, topic, b"tmr", {"TIMER_DELIVER_MS": str(t0 + 3500)})
    time.sleep(0.5)
    c.close()
    if how == "term":
        stop(p)
    else:
        p.send_signal(signal.SIGKILL)
        p.wait()
    p, _, bkport = start(binary, store, ARGS)
    c = Remoting(bkport)
    recs = wait_count(c, topic, 2, 15)
    time.sleep(1.0)  # a duplicate would show up by now
    recs = pull_all(c, topic)
    check(sorted(r["body"] for r in recs) == [b"lvl", b"tmr"],
          "after %s: each pending message delivered once: %s" % (how, [r["body"] for r in recs]))
    for r in recs:
        check(r["store"] - r["born"] >= 3000, "after %s: %s not early" % (how, r["body"]))
    return p, c


def send_back(c, rec, group, max_reconsume, delay_level=0):
    return c.call(36, {"offset": rec["phys"], "group": group, "delayLevel": delay_level,
                       "originMsgId": rec["props"].get("UNIQ_KEY", ""),
                       "originTopic": rec["topic"], "unitMode": False,
                       "maxReconsumeTimes": max_reconsume})


def test_retry(c):
    group = "cg_retry"
    retry = "%RETRY%" + group
    h, _ = send(c, "RetryT", b"ok-third", {})
    uniq_a = h["extFields"].get("transactionId")
    h, _ = send(c, "RetryT", b"always-fails", {})
    uniq_b = h["extFields"].get("transactionId")
    first = wait_count(c, "RetryT", 2, 5)
    check([r["body"] for r in first] == [b"ok-third", b"always-fails"], "originals stored")
    seen = {b"ok-third": 1, b"always-fails": 1}
    pending = list(first)
    retry_off = 0
    origin = {}
    sent_at = {}
    while pending:
        # the consumer fails: "ok-third" twice, "always-fails" every time
        for r in pending:
            if r["body"] == b"ok-third" and seen[r["body"]] >= 3:
                continue
            sent_at[r["body"]] = (now_ms(), r["reconsume"])
            h, _ = send_back(c, r, group, 2)
            check(h["code"] == 0, "send back accepted: %s" % h)
        pending = []
        deadline = time.time() + 12
        while time.time() < deadline and not pending:
            recs = pull_all(c, retry, 0, retry_off, group)
            if recs:
                retry_off += len(recs)
                pending = recs
            else:
                time.sleep(0.05)
            if not recs and seen[b"always-fails"] >= 3:
                break
        for r in pending:
            seen[r["body"]] = seen.get(r["body"], 0) + 1
            at, prev = sent_at[r["body"]]
            level = 3 + prev
            delay = LEVELS_MS[min(level, len(LEVELS_MS)) - 1]
            check(r["store"] >= at + delay, "retry of %s not early: %d ms after send-back, "
                  "level %d (%d ms)" % (r["body"], r["store"] - at, level, delay))
            check(r["store"] - at - delay < SLACK_MS, "retry of %s on time" % r["body"])
            check(r["reconsume"] == prev + 1, "reconsume times %d after %d" % (r["reconsume"],
                                                                               prev))
            check(r["props"].get("RETRY_TOPIC") == "RetryT", "RETRY_TOPIC: %s" % r["props"])
            check(r["props"].get("UNIQ_KEY") == (uniq_a if r["body"] == b"ok-third" else uniq_b),
                  "a retry keeps the msgId")
            o = r["props"].get("ORIGIN_MESSAGE_ID")
            check(o and origin.setdefault(r["body"], o) == o, "ORIGIN_MESSAGE_ID kept: %s" % o)
            check(r["topic"] == retry and "DELAY" not in r["props"], "in the retry topic")
    check(seen == {b"ok-third": 3, b"always-fails": 3}, "fail N times, seen N+1: %s" % seen)
    dlq = wait_count(c, "%DLQ%" + group, 1, 5)
    check([r["body"] for r in dlq] == [b"always-fails"], "max reached: in the DLQ, readable: %s"
          % [r["body"] for r in dlq])
    if dlq:
        r = dlq[0]
        check(r["reconsume"] == 3 and r["props"].get("RETRY_TOPIC") == "RetryT" and
              r["props"].get("ORIGIN_MESSAGE_ID") == origin.get(b"always-fails") and
              r["props"].get("UNIQ_KEY") == uniq_b, "DLQ message fields: %s" % r["props"])
    # delayLevel < 0: straight to the DLQ
    h, _ = send(c, "RetryT", b"to-dlq", {})
    r = wait_count(c, "RetryT", 3, 5)[-1]
    h, _ = send_back(c, r, group, 16, delay_level=-1)
    check(h["code"] == 0, "send back with delayLevel -1")
    dlq = wait_count(c, "%DLQ%" + group, 2, 5)
    check([x["body"] for x in dlq] == [b"always-fails", b"to-dlq"], "delayLevel -1: DLQ")
    # a client re-sending to %RETRY% itself: over the max goes to the DLQ
    h, _ = send(c, retry, b"resent", {"RETRY_TOPIC": "RetryT"}, reconsume=3, max_reconsume=2)
    check(h["code"] == 0, "re-send to the retry topic: %s" % h)
    dlq = wait_count(c, "%DLQ%" + group, 3, 5)
    check([x["body"] for x in dlq][-1:] == [b"resent"], "over-retried SEND_MESSAGE: DLQ")
    # an orderly group holding queue locks: a re-sent message goes to the DLQ at once
    body = json.dumps({"clientId": "cid-ord", "consumerGroup": "cg_ord", "onlyThisBroker": False,
                       "mqSet": [{"brokerName": "broker-a", "queueId": 0, "topic": "OrdT"}]})
    h, b = c.call(41, {}, body.encode())
    check(h["code"] == 0 and json.loads(b)["lockOKMQSet"], "orderly group locks a queue: %s" % h)
    h, _ = send(c, "%RETRY%cg_ord", b"ord", {"RETRY_TOPIC": "OrdT"}, reconsume=1)
    check(h["code"] == 0, "re-send of an orderly group")
    check([x["body"] for x in wait_count(c, "%DLQ%cg_ord", 1, 5)] == [b"ord"],
          "orderly group with locks: straight to the DLQ")
    # an unknown offset is an error, not a crash
    h, _ = c.call(36, {"offset": 1 << 40, "group": group, "delayLevel": 0,
                       "maxReconsumeTimes": 2})
    check(h["code"] == 1, "send back of an unknown offset: SYSTEM_ERROR: %s" % h)


def test_client(produce, consume, ns, c):
    """The C client: a delayed send, and a push consumer that sends a refused message back."""
    nsaddr = "127.0.0.1:%d" % ns
    t0 = now_ms()
    r = subprocess.run([produce, "-n", nsaddr, "-t", "CliDelay", "-c", "3", "--delay-level", "4"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and "sent 3 failed 0" in r.stdout, "mqproduce --delay-level: %s %s"
          % (r.stdout[-200:], r.stderr[-200:]))
    r = subprocess.run([consume, "-n", nsaddr, "-t", "CliDelay", "-g", "cg_cli", "-c", "3",
                        "-w", "20", "-r", "1000", "--timing"],
                       capture_output=True, text=True, timeout=40)
    lines = [x.split(" ", 7) for x in r.stdout.splitlines() if x[:1].isdigit()]
    check(r.returncode == 0 and len(lines) == 3, "mqconsume gets the 3 delayed messages: %s"
          % r.stdout[-300:])
    for f in lines:
        check(int(f[5]) // 1000 >= t0 + LEVELS_MS[3], "delayed send (level 4) not early: %d ms"
              % (int(f[5]) // 1000 - t0))
    r = subprocess.run([produce, "-n", nsaddr, "-t", "CliRetry", "-c", "1"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "mqproduce CliRetry")
    r = subprocess.run([consume, "-n", nsaddr, "-t", "CliRetry", "-g", "cg_cli_retry", "-F", "2",
                        "-c", "1", "-w", "30", "-r", "1000"],
                       capture_output=True, text=True, timeout=40)
    retries = [x.split() for x in r.stdout.splitlines() if x.startswith("RETRY")]
    msgs = [x.split(" ", 5) for x in r.stdout.splitlines() if x[:1].isdigit()]
    check(r.returncode == 0 and len(retries) == 2 and len(msgs) == 1,
          "refused twice, consumed the third time: %s" % r.stdout[-400:])
    if retries and msgs:
        check(all(x[3] == msgs[0][2] for x in retries), "the same msgId each time: %s %s"
              % (retries, msgs))
    back = pull_all(c, "%RETRY%cg_cli_retry", 0, 0, "cg_cli_retry")
    check([x["reconsume"] for x in back] == [1, 2] and
          all(x["props"].get("RETRY_TOPIC") == "CliRetry" for x in back),
          "the client sent it back: %%RETRY%%cg_cli_retry holds it twice: %s"
          % [(x["reconsume"], x["props"].get("RETRY_TOPIC")) for x in back])


def main():
    binary = sys.argv[1]
    store = tempfile.mkdtemp(prefix="it-delay-")
    p = None
    try:
        p, nsport, bkport = start(binary, store, ARGS)
        c = Remoting(bkport)
        if len(sys.argv) > 3:
            test_client(sys.argv[2], sys.argv[3], nsport, c)
        test_levels(c)
        test_timer(c)
        test_retry(c)
        p, c = test_restart(binary, store, p, c, "term")
        p, c = test_restart(binary, store, p, c, "kill")
        # nothing delivered twice across the restarts
        check(len(pull_all(c, "DelayT")) == 5 and len(pull_all(c, "TimerT")) == 4,
              "earlier deliveries not repeated after the restarts")
        c.close()
    finally:
        if p and p.poll() is None:
            stop(p)
        shutil.rmtree(store, ignore_errors=True)
    print("it_delay_retry: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
