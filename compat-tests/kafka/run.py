#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""run.py -- runner of the Kafka compatibility suites: real Kafka clients against the Kafka
listener of `mqbroker --all-in-one`.

Starts the broker on free loopback ports with a temporary store and --num.partitions=3
(gateway/tests/it_broker.py's start()), runs each client program of the chosen suites under a
timeout, echoes their `ok - ` / `not ok - ` / `skip - ` lines, and ends with one line
`N passed, N failed, N skipped` over every case; exits 1 on any failure. Always stops the
broker (SIGTERM; a broker that does not exit 0 is a failure).

Suites (--only=a,b; default: all whose tools are there):
  rdkafka   rdk_produce_consume and rdk_group (librdkafka 2.0.2; need --bin-dir). rdk_group's
            restart_resume case prints "#restart-broker": the runner restarts the broker on the
            same store and writes the new bootstrap to the program's stdin.
  kcat      kcat.sh (kcat 1.7.1)
  node      kafkajs.js (kafkajs 2.2.4) and platformatic.js (@platformatic/kafka 1.35.0)
  cross     cross.py: Kafka produce -> RocketMQ pull, RocketMQ send -> Kafka consume

Skip list: SKIP below names the cases the broker does not support yet, each with its reason;
they are passed to every program as MQ_KAFKA_SKIP and reported as `skip - name`. --skip=a,b
adds cases; MQ_KAFKA_NO_SKIP=1 runs the listed cases too (to see whether they pass yet).

Usage: run.py path/to/mqbroker [--bin-dir=DIR] [--only=suites] [--skip=cases]
Environment: MQ_KAFKA_NO_SKIP=1, MQ_KAFKA_VERBOSE=1 (clients' own logs), MQ_KAFKA_KEEP=1 (keep
the store and the broker's log).
Exit codes: 0 all passed, 1 a failure, 77 (CTest skip) when none of the chosen suites can run
here (missing tools; setup.sh installs them).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "gateway", "tests"))
import it_broker  # noqa: E402  (start/stop of mqbroker --all-in-one)
import it_namesrv  # noqa: E402  (check counters used by it_broker.stop)

# Cases the broker does not support yet (case name -> reason). Keep every reason current.
SKIP = {
    "plat_consume":
        "@platformatic/kafka 1.35.0 Fetch v12 writes the topic *id* (as a UUID string, here "
        "00000000-0000-0000-0000-000000000000) in the topic-name field, so the broker answers "
        "UNKNOWN_TOPIC_OR_PARTITION; it needs Fetch 13+ (topic ids, non-zero per-topic uuids "
        "in Metadata) or a v12 fallback that resolves a UUID-string name to the topic",
}

# program -> per-program timeout, seconds
TIMEOUT = {"rdk_produce_consume": 150, "rdk_group": 240, "kcat.sh": 90, "kafkajs.js": 120,
           "platformatic.js": 120, "cross.py": 90}


class Broker:
    def __init__(self, binary, store):
        self.binary, self.store = binary, store
        self.log_path = os.path.join(store, "broker-stderr.log")
        self.proc = None
        self.bootstrap = None
        self.remoting_port = None
        self.namesrv_port = None

    def start(self):
        log = open(self.log_path, "a")
        try:
            self.proc, self.namesrv_port, self.remoting_port = it_broker.start(
                self.binary, self.store,
                args=("--mappedFileSizeCommitLog=67108864", "--num.partitions=3"), stderr=log)
        finally:
            log.close()
        if not self.proc.kafka_port:
            raise RuntimeError("no 'The Kafka listener boot success' line")
        self.bootstrap = "127.0.0.1:%d" % self.proc.kafka_port
        # the broker's stdout is a pipe: keep draining it so that it never blocks
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()
        print("# broker: kafka %s, remoting %d, namesrv %d, store %s" %
              (self.bootstrap, self.remoting_port, self.namesrv_port, self.store), flush=True)

    @staticmethod
    def _drain(proc):
        for _ in proc.stdout:
            pass

    def stop(self):
        if self.proc and self.proc.poll() is None:
            before = it_namesrv.FAILED
            it_broker.stop(self.proc)
            self.proc = None
            return it_namesrv.FAILED == before
        ok = self.proc is None or self.proc.returncode == 0
        self.proc = None
        return ok

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Totals:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def fail(self, what):
        print("not ok - %s" % what, flush=True)
        self.failed += 1


def run_program(name, argv, env, broker, totals):
    """Runs one client program; echoes its output; counts its ok/not ok/skip lines. A program
    that times out, crashes or exits non-zero without a `not ok` line is one more failure."""
    print("# ---- %s: %s" % (name, " ".join(argv)), flush=True)
    t0 = time.time()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=None if os.environ.get("MQ_KAFKA_VERBOSE") else subprocess.DEVNULL,
                         text=True, env=env, cwd=HERE, start_new_session=True)
    timer = threading.Timer(TIMEOUT.get(name, 120), lambda: p.kill())
    timer.start()
    counts = {"ok": 0, "not ok": 0, "skip": 0}
    summary = False
    try:
        for line in p.stdout:
            line = line.rstrip("\n")
            print("  " + line, flush=True)
            if line.startswith("ok - "):
                counts["ok"] += 1
            elif line.startswith("not ok - "):
                counts["not ok"] += 1
            elif line.startswith("skip - "):
                counts["skip"] += 1
            elif " passed, " in line and " failed" in line:
                summary = True
            elif line.strip() == "#restart-broker":
                ok = broker.stop()
                if not ok:
                    totals.fail("%s: the broker did not stop cleanly for the restart" % name)
                try:
                    broker.start()
                    p.stdin.write(broker.bootstrap + "\n")
                except Exception as e:  # noqa: BLE001 (report any start failure)
                    totals.fail("%s: broker restart: %s" % (name, e))
                    p.stdin.write("\n")
                p.stdin.flush()
        p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
    secs = time.time() - t0
    totals.passed += counts["ok"]
    totals.failed += counts["not ok"]
    totals.skipped += counts["skip"]
    if p.returncode != 0 and counts["not ok"] == 0:
        totals.fail("%s: exited with %s after %.0f s%s (no failing case reported)" %
                    (name, p.returncode, secs, ", timed out" if secs >= TIMEOUT.get(name, 120)
                     else ""))
    elif p.returncode == 0 and counts["not ok"]:
        totals.fail("%s: reported failures but exited 0" % name)
    elif not summary and p.returncode == 0:
        totals.fail("%s: no 'N passed, N failed' line" % name)
    print("# ---- %s: exit %s, %.1f s" % (name, p.returncode, secs), flush=True)


USAGE = ("usage: run.py path/to/mqbroker [--bin-dir=DIR] [--mqconsume=PATH] [--only=suites] "
         "[--skip=cases]")


def main():
    binary, bin_dir, only, extra_skip = None, None, None, []
    for a in sys.argv[1:]:
        if a.startswith("--bin-dir="):
            bin_dir = os.path.abspath(a[len("--bin-dir="):])
        elif a.startswith("--mqconsume="):
            os.environ["MQ_KAFKA_MQCONSUME"] = os.path.abspath(a[len("--mqconsume="):])
        elif a.startswith("--only="):
            only = [s for s in a[len("--only="):].split(",") if s]
        elif a.startswith("--skip="):
            extra_skip += [s for s in a[len("--skip="):].split(",") if s]
        elif binary is None:
            binary = a
        else:
            print(USAGE)
            return 2
    if binary is None:
        print(USAGE)
        return 2
    binary = os.path.abspath(binary)
    suites = only or ["rdkafka", "kcat", "node", "cross"]

    # what each suite runs, and why it cannot run here
    plan, missing = [], []
    for s in suites:
        if s == "rdkafka":
            progs = [os.path.join(bin_dir or "", n) for n in ("rdk_produce_consume", "rdk_group")]
            if bin_dir and all(os.access(x, os.X_OK) for x in progs):
                plan += [(os.path.basename(x), [x]) for x in progs]
            else:
                missing.append("rdkafka: rdk_* programs not built (librdkafka-dev missing at "
                               "configure time, or no --bin-dir)")
        elif s == "kcat":
            if shutil.which("kcat"):
                plan.append(("kcat.sh", ["sh", os.path.join(HERE, "kcat.sh")]))
            else:
                missing.append("kcat: kcat is not installed (compat-tests/kafka/setup.sh)")
        elif s == "node":
            if not shutil.which("node"):
                missing.append("node: node is not installed")
                continue
            mods = ("kafkajs", "@platformatic/kafka")
            if not all(os.path.isdir(os.path.join(HERE, "node_modules", m)) for m in mods):
                print("# installing the npm clients (setup.sh --npm-only)", flush=True)
                subprocess.run(["sh", os.path.join(HERE, "setup.sh"), "--npm-only"], timeout=300)
            for prog, mod in (("kafkajs.js", "kafkajs"), ("platformatic.js", "@platformatic/kafka")):
                if os.path.isdir(os.path.join(HERE, "node_modules", mod)):
                    plan.append((prog, ["node", os.path.join(HERE, prog)]))
                else:
                    missing.append("node: %s not in node_modules (compat-tests/kafka/setup.sh)"
                                   % mod)
        elif s == "cross":
            if shutil.which("kcat"):
                plan.append(("cross.py", [sys.executable, os.path.join(HERE, "cross.py")]))
            else:
                missing.append("cross: kcat is not installed (compat-tests/kafka/setup.sh)")
        else:
            print("unknown suite %s" % s)
            return 2
    for m in missing:
        print("# cannot run: %s" % m)
    if not plan:
        print("skip: no suite can run here")
        return 77

    skip = dict(SKIP)
    for c in extra_skip:
        skip.setdefault(c, "--skip on the command line")
    env = dict(os.environ)
    if skip and not os.environ.get("MQ_KAFKA_NO_SKIP"):
        env["MQ_KAFKA_SKIP"] = ",".join(sorted(skip))
        for c in sorted(skip):
            print("# skip list: %s: %s" % (c, skip[c]))
    elif skip:
        print("# MQ_KAFKA_NO_SKIP=1: running the skip list's cases too")

    totals = Totals()
    store = tempfile.mkdtemp(prefix="compat-kafka-")
    broker = Broker(binary, store)
    run_id = "k%x" % (int(time.time() * 1000) & 0xFFFFFF)
    try:
        broker.start()
        for i, (name, argv) in enumerate(plan):
            env["MQ_KAFKA_REMOTING_PORT"] = str(broker.remoting_port)
            env["MQ_KAFKA_NAMESRV_PORT"] = str(broker.namesrv_port)
            prefix = "%s-%d" % (run_id, i)
            run_program(name, argv + [broker.bootstrap, prefix], env, broker, totals)
            if broker.proc is None or broker.proc.poll() is not None:
                totals.fail("the broker died during %s:\n%s" % (name, broker.log_tail()))
                broker.proc = None
                broker.start()
    except Exception as e:  # noqa: BLE001 (a runner error is a failure, not a crash)
        totals.fail("runner: %s\n%s" % (e, broker.log_tail()))
    finally:
        if not broker.stop():
            totals.fail("the broker did not exit 0 on SIGTERM")
        if totals.failed:
            print("# broker log (tail):\n" + broker.log_tail())
        if os.environ.get("MQ_KAFKA_KEEP"):
            print("# kept %s" % store)
        else:
            shutil.rmtree(store, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (totals.passed, totals.failed, totals.skipped))
    return 1 if totals.failed else 0


if __name__ == "__main__":
    sys.exit(main())
