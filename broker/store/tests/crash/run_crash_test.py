#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# run_crash_test.py -- the store crash test driver (registered with CTest as store_crash and
# store_crash_skip_flush). It is not a checker: crash_check verifies the store after each round.
#
# Each round, in one store kept across rounds (so later rounds also recover what earlier
# rounds and earlier recoveries wrote):
#   1. start crash_writer (SYNC_FLUSH appends from several threads; FLUSHED and ACK lines);
#   2. after a random 50-500 ms, SIGKILL it and collect its whole lines;
#   3. mode A (process crash, even rounds): nothing else -- mapped pages survive the kill;
#      mode B (power loss, odd rounds): take E = the largest FLUSHED offset printed (or the
#      end left by the last clean check when there is none) and destroy every CommitLog byte
#      at or past E: overwrite it with random garbage, or truncate the segment holding E to E,
#      alternating; whole later segments are garbage-filled, emptied or deleted at random;
#   4. run crash_check with every ACK seen so far: each acknowledged message must be present
#      and intact, and every visible entry a whole record; it appends a few messages, whose
#      ACKs join the set, and closes the store cleanly (its END offset is durable).
# Prints "crash test: N rounds, M acked messages verified, 0 lost" and exits 0, or names what
# was lost and exits 1 (the store directory is kept for inspection).
#
# --expect-loss inverts the verdict: used with MQ_STORE_TEST_SKIP_FLUSH=1 (passed to the writer
# only; the checker always flushes), the store acknowledges without flushing, so a power-loss
# round must report lost acknowledged messages; the driver exits 0 once one does and 1 if none
# does. This proves the checker is not vacuous.
#
# Everything lives in a fresh mkdtemp directory; nothing global (no ports, no fixed paths).

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP_FLUSH_ENV = "MQ_STORE_TEST_SKIP_FLUSH"


def parse_lines(path):
    """Whole lines of a file; an unterminated last line (torn by the kill) is dropped."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    return [l.decode("ascii", "replace") for l in lines[:-1]]


def segments(cl_dir):
    """CommitLog segments as (start, path), ascending; *.corrupt and strays are skipped."""
    out = []
    for name in os.listdir(cl_dir):
        if len(name) == 20 and name.isdigit():
            out.append((int(name), os.path.join(cl_dir, name)))
    return sorted(out)


def fill_garbage(path, frm, to, rng):
    with open(path, "r+b") as f:
        f.seek(frm)
        left = to - frm
        while left > 0:
            n = min(left, 1 << 16)
            f.write(rng.randbytes(n))
            left -= n
        f.flush()


def power_loss(cl_dir, extent, variant, rng, log):
    """Destroys every CommitLog byte at global offset >= extent."""
    for start, path in segments(cl_dir):
        size = os.path.getsize(path)
        if start + size <= extent:
            continue
        if start < extent:
            # The segment holding the extent: keep [start, extent).
            rel = extent - start
            if variant == "truncate":
                os.truncate(path, rel)
                log.append(f"truncated {os.path.basename(path)} to {rel}")
            else:
                fill_garbage(path, rel, size, rng)
                log.append(f"garbage in {os.path.basename(path)} [{rel}, {size})")
            continue
        what = rng.choice(["delete", "garbage", "empty"] if variant == "garbage" else
                          ["delete", "empty"])
        if what == "delete":
            os.unlink(path)
        elif what == "empty":
            os.truncate(path, 0)
        else:
            fill_garbage(path, 0, size, rng)
        log.append(f"{what} {os.path.basename(path)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--writer", required=True)
    ap.add_argument("--checker", required=True)
    ap.add_argument("--rounds", type=int, default=24)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--min-ms", type=int, default=50)
    ap.add_argument("--max-ms", type=int, default=500)
    ap.add_argument("--expect-loss", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir even on success")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    base = tempfile.mkdtemp(prefix="mq-crash-")
    store = os.path.join(base, "store")
    cl_dir = os.path.join(store, "commitlog")
    ack_path = os.path.join(base, "acks.txt")
    open(ack_path, "wb").close()
    writer_env = dict(os.environ)
    checker_env = {k: v for k, v in os.environ.items() if k != SKIP_FLUSH_ENV}
    skip_flush = SKIP_FLUSH_ENV in os.environ
    print(f"crash test: seed {seed}, dir {base}, writer {'without' if skip_flush else 'with'} "
          f"flushing", flush=True)

    acked = set()
    writer_acks = 0      # ACKs printed by writers (the checker's own appends not counted)
    durable = 0          # END of the last clean check: durable before the round began
    lost_rounds = []
    t0 = time.monotonic()
    rounds = 0
    failure = None

    for r in range(args.rounds):
        mode = "A" if r % 2 == 0 else "B"
        variant = "garbage" if r % 4 == 1 else "truncate"
        wout = os.path.join(base, f"writer{r}.out")
        werr = os.path.join(base, f"writer{r}.err")
        with open(wout, "wb") as fo, open(werr, "wb") as fe:
            p = subprocess.Popen([args.writer, store, "-t", str(args.threads),
                                  "-s", str(r * 10_000_000 + 1), "-r", str(rng.randrange(1 << 30))],
                                 stdout=fo, stderr=fe, env=writer_env)
            time.sleep(rng.uniform(args.min_ms, args.max_ms) / 1000.0)
            p.send_signal(signal.SIGKILL)
            p.wait()
        if p.returncode != -signal.SIGKILL:
            failure = f"round {r}: the writer exited on its own ({p.returncode}) before the kill:\n"
            failure += open(werr, errors="replace").read()
            break
        flushed = durable
        new_acks = []
        for line in parse_lines(wout):
            if line.startswith("FLUSHED "):
                flushed = max(flushed, int(line.split()[1]))
            elif line.startswith("ACK "):
                new_acks.append(line)
        wiped = []
        if mode == "B":
            power_loss(cl_dir, flushed, variant, rng, wiped)
        writer_acks += len(new_acks)
        with open(ack_path, "a") as f:
            for line in new_acks:
                f.write(line + "\n")
                acked.add(int(line.split()[5]))

        c = subprocess.run([args.checker, store, ack_path, "-s", str(r * 10_000_000 + 9_000_001)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=checker_env)
        cout = c.stdout.decode("ascii", "replace")
        check = [l for l in cout.splitlines() if l.startswith("CHECK ")]
        fields = dict(kv.split("=") for kv in check[-1].split()[1:]) if check else {}
        rounds += 1
        desc = (f"round {r:2d} mode {mode}{'/' + variant if mode == 'B' else ''}: "
                f"{len(new_acks)} new acks, extent {flushed}, "
                f"{check[-1] if check else 'no CHECK line'}")
        if args.verbose or c.returncode != 0:
            print(desc, flush=True)
            for w in wiped if args.verbose else []:
                print("    " + w)
        if c.returncode != 0:
            details = [l for l in cout.splitlines()
                       if l.split(" ", 1)[0] in ("LOST", "DAMAGED", "BAD", "INDEX")]
            lost = int(fields.get("lost", 0)) + int(fields.get("damaged", 0))
            if args.expect_loss and lost > 0:
                lost_rounds.append((r, mode, lost))
                print("\n".join("    " + l for l in details[:5]))
                break
            failure = f"round {r}: crash_check failed (exit {c.returncode})\n" + \
                "\n".join(details[:40]) + "\n" + c.stderr.decode("ascii", "replace")[-4000:]
            break
        for line in cout.splitlines():
            if line.startswith("ACK "):
                with open(ack_path, "a") as f:
                    f.write(line + "\n")
                acked.add(int(line.split()[5]))
            elif line.startswith("END "):
                durable = int(line.split()[1])
        if time.monotonic() - t0 > 150:
            failure = f"too slow: {rounds} rounds in {time.monotonic() - t0:.0f} s"
            break

    elapsed = time.monotonic() - t0
    if args.expect_loss:
        if lost_rounds:
            r, mode, lost = lost_rounds[0]
            print(f"crash test (expect loss): round {r} (mode {mode}) lost {lost} acknowledged "
                  f"message(s) as expected, after {rounds} rounds in {elapsed:.1f} s")
            shutil.rmtree(base, ignore_errors=True)
            return 0
        print(f"crash test (expect loss): FAILED: no loss detected in {rounds} rounds"
              + (f"; {failure}" if failure else ""))
        print(f"store kept in {base}")
        return 1
    if not failure and writer_acks == 0:
        failure = "no writer round got a message acknowledged: the test proved nothing"
    if failure:
        print(f"crash test: FAILED after {rounds} rounds: {failure}")
        print(f"store kept in {base} (seed {seed})")
        return 1
    print(f"crash test: {rounds} rounds, {len(acked)} acked messages verified, 0 lost "
          f"({elapsed:.1f} s)")
    if args.keep:
        print(f"store kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
