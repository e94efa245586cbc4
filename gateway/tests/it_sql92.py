#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""it_sql92.py -- SQL92 subscriptions on the broker (bk_filter.c, broker/filter/), against a
real `mqbroker --all-in-one` on loopback.

Checks, with enablePropertyFilter=true: a raw PULL with a SQL92 subscription returns exactly
the messages whose properties match (numeric comparisons on string properties, BETWEEN, IN,
IS NULL, string equality, TAGS as a property, AND/OR/NOT); the expression a group registered by
heartbeat filters pulls that carry none; a bad expression gets SUBSCRIPTION_PARSE_FAILED (23)
with the parser's position, and CHECK_CLIENT_CONFIG (46) answers the same way for a
subscription before it is used (success, SUBSCRIPTION_PARSE_FAILED); retry topics are not filtered (filterSupportRetry=false). Without
enablePropertyFilter a SQL92 pull gets SYSTEM_ERROR and no message. Tag filtering is unchanged.
Usage: it_sql92.py path/to/mqbroker. Prints "N passed, N failed".
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import it_broker  # noqa: E402
import it_namesrv  # noqa: E402
from it_broker import decode_records, props, wait_visible  # noqa: E402
from it_namesrv import Remoting, check  # noqa: E402

TOPIC = "SqlTopic"
SUB_FLAG = 4  # PULL sysFlag (PullSysFlag.FLAG_SUBSCRIPTION): the subscription is in the request


def send_props(c, topic, body, pr, qid=0):
    ext = {"a": "pg_sql", "b": topic, "c": "TBW102", "d": 1, "e": qid, "f": 0,
           "g": 1, "h": 0, "i": props(pr), "j": 0, "k": False, "l": 16}
    h, _ = c.call(310, ext, body)
    return h["code"]


def pull_sql(c, topic, expr, group="cg_sql", flags=SUB_FLAG, etype="SQL92"):
    ext = {"consumerGroup": group, "topic": topic, "queueId": 0, "queueOffset": 0,
           "maxMsgNums": 64, "sysFlag": flags, "commitOffset": 0, "suspendTimeoutMillis": 0,
           "subVersion": 0}
    if flags & SUB_FLAG:
        ext["subscription"] = expr
        ext["expressionType"] = etype
    h, body = c.call(11, ext)
    bodies = sorted(r["body"].decode() for r in decode_records(body)) if h["code"] == 0 else []
    return h["code"], h.get("remark", ""), bodies


MESSAGES = [  # body: properties
    ("m1", {"a": "1", "color": "red", "TAGS": "TagA"}),
    ("m2", {"a": "5", "color": "blue", "TAGS": "TagB"}),
    ("m3", {"a": "10", "color": "red", "TAGS": "TagB"}),
    ("m4", {"a": "abc", "color": "green"}),
    ("m5", {"color": "red", "TAGS": "TagC"}),
    ("m6", {"a": "7.5", "color": "it's"}),
]


def check_client(c, expr, etype="SQL92"):
    body = {"clientId": "127.0.0.1@sql#1", "group": "cg_check",
            "subscriptionData": {"topic": TOPIC, "subString": expr, "expressionType": etype,
                                 "classFilterMode": False, "tagsSet": [], "codeSet": [],
                                 "subVersion": 1}}
    h, _ = c.call(46, {}, json.dumps(body).encode())
    return h["code"], h.get("remark", "")


def main():
    mqbroker = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="it-sql92-")
    p, _, bport = it_broker.start(mqbroker, tmp + "/on", ["--mappedFileSizeCommitLog=67108864",
                                                           "--enablePropertyFilter=true"],
                                  subprocess.DEVNULL)
    try:
        c = Remoting(bport)
        for body, pr in MESSAGES:
            send_props(c, TOPIC, body.encode(), pr)
        wait_visible(c, TOPIC, 0, len(MESSAGES))
        cases = [
            # a string property takes the literal's type: "7.5" is no int, "abc" no number
            ("a > 4", ["m2", "m3"]),
            ("a > 4.0", ["m2", "m3", "m6"]),
            ("a BETWEEN 2 AND 9", ["m2"]),
            ("color = 'red'", ["m1", "m3", "m5"]),
            ("color IN ('red', 'green') AND a IS NOT NULL", ["m1", "m3", "m4"]),
            ("a IS NULL", ["m5"]),
            ("TAGS = 'TagB' OR color = 'green'", ["m2", "m3", "m4"]),
            ("NOT (color = 'red')", ["m2", "m4", "m6"]),
            ("color = 'it''s'", ["m6"]),
            ("a <> '5'", ["m1", "m3", "m4", "m6"]),
            ("TRUE", ["m1", "m2", "m3", "m4", "m5", "m6"]),
            ("nosuch = 'x'", []),
        ]
        for expr, want in cases:
            code, remark, got = pull_sql(c, TOPIC, expr)
            check(code in (0, 19, 20) and got == want,
                  "SQL92 %r delivers %s (got code %d %s %s)" % (expr, want, code, got, remark))
        code, remark, got = pull_sql(c, TOPIC, "a > ")
        check(code == 23 and "column" in remark and got == [],
              "a bad expression: SUBSCRIPTION_PARSE_FAILED with the position (%d %r)"
              % (code, remark))
        check(check_client(c, "a > 4 AND color IN ('red')")[0] == 0,
              "CHECK_CLIENT_CONFIG: a good SQL92 expression passes")
        code, remark = check_client(c, "a >> 4")
        check(code == 23 and "column" in remark,
              "CHECK_CLIENT_CONFIG: a bad one gets SUBSCRIPTION_PARSE_FAILED (%d %r)"
              % (code, remark))
        check(check_client(c, "TagA || TagB", "TAG")[0] == 0, "CHECK_CLIENT_CONFIG: tags pass")
        code, _, got = pull_sql(c, TOPIC, "TagA || TagC", etype="TAG")
        check(code == 0 and got == ["m1", "m5"], "tag filtering unchanged: %s" % got)

        # the expression a group registered by heartbeat filters pulls that carry none
        hb = {"clientID": "127.0.0.1@sql#1", "consumerDataSet": [{
            "groupName": "cg_hb", "consumeType": "CONSUME_PASSIVELY",
            "messageModel": "CLUSTERING", "consumeFromWhere": "CONSUME_FROM_FIRST_OFFSET",
            "subscriptionDataSet": [{"topic": TOPIC, "subString": "color = 'blue'",
                                     "expressionType": "SQL92", "classFilterMode": False,
                                     "tagsSet": [], "codeSet": [], "subVersion": 1}],
            "unitMode": False}], "producerDataSet": []}
        h, _ = c.call(34, {}, json.dumps(hb).encode())
        check(h["code"] == 0, "heartbeat with a SQL92 subscription")
        code, _, got = pull_sql(c, TOPIC, None, group="cg_hb", flags=0)
        check(code == 0 and got == ["m2"], "the heartbeat's SQL92 expression filters: %s" % got)

        # retry topics are not SQL-filtered (filterSupportRetry=false, RocketMQ's default)
        retry = "%RETRY%cg_sql"
        send_props(c, retry, b"r1", {"color": "red"})
        send_props(c, retry, b"r2", {"color": "blue"})
        wait_visible(c, retry, 0, 2)
        code, _, got = pull_sql(c, retry, "color = 'red'")
        check(code == 0 and got == ["r1", "r2"], "a retry topic is delivered whole: %s" % got)
        c.close()
    finally:
        it_broker.stop(p)

    # enablePropertyFilter=false (RocketMQ's default): refused, nothing delivered
    p, _, bport = it_broker.start(mqbroker, tmp + "/off", ["--mappedFileSizeCommitLog=67108864"],
                                  subprocess.DEVNULL)
    try:
        c = Remoting(bport)
        send_props(c, TOPIC, b"x", {"a": "1"})
        wait_visible(c, TOPIC, 0, 1)
        code, remark, got = pull_sql(c, TOPIC, "a = 1")
        check(code == 1 and "SQL92" in remark and got == [],
              "without enablePropertyFilter: SYSTEM_ERROR (%d %r)" % (code, remark))
        code, remark = check_client(c, "a = 1")
        check(code == 1 and "SQL92" in remark,
              "CHECK_CLIENT_CONFIG without enablePropertyFilter: SYSTEM_ERROR (%d)" % code)
        c.close()
    finally:
        it_broker.stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
    print("it_sql92: %d passed, %d failed" % (it_namesrv.PASSED, it_namesrv.FAILED))
    return 1 if it_namesrv.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
