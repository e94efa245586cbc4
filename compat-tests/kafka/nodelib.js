// SPDX-License-Identifier: Apache-2.0
//
// nodelib.js -- what kafkajs.js and platformatic.js share: the case runner (`ok - name`,
// `not ok - name: why`, `skip - name: reason`, a timeout per case, the closing
// `N passed, N failed, N skipped`), the skip list (MQ_KAFKA_SKIP=a,b; MQ_KAFKA_NO_SKIP=1 runs
// them anyway) and check().
'use strict';

const skipList = new Set(
    process.env.MQ_KAFKA_NO_SKIP ? [] : (process.env.MQ_KAFKA_SKIP || '').split(',').filter(Boolean)
);

class CheckError extends Error {}

// Throws (ending the case as failed) when cond does not hold.
function check(cond, what) {
    if (!cond) throw new CheckError(what);
}

// Compares two Buffers-or-null; returns a description of the difference or ''.
function diffBytes(got, want) {
    if (got == null && want == null) return '';
    if (got == null || want == null) return `got ${got == null ? 'null' : 'bytes'}, want ${want == null ? 'null' : 'bytes'}`;
    return Buffer.compare(Buffer.from(got), Buffer.from(want)) === 0
        ? ''
        : `got ${Buffer.from(got).toString('hex').slice(0, 60)}, want ${Buffer.from(want).toString('hex').slice(0, 60)}`;
}

function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond, ms, what) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await cond()) return;
        await sleep(50);
    }
    check(await cond(), `${what} within ${ms} ms`);
}

// Runs cases [[name, async fn, timeoutMs]] in order; prints the summary and returns the exit code.
async function runCases(prog, cases) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const [name, fn, timeout] of cases) {
        if (skipList.has(name)) {
            console.log(`skip - ${name}: on the skip list (MQ_KAFKA_SKIP)`);
            skipped++;
            continue;
        }
        const t0 = Date.now();
        let timer;
        try {
            await Promise.race([
                fn(),
                new Promise((_, rej) => {
                    timer = setTimeout(() => rej(new Error(`timed out after ${timeout} ms`)), timeout);
                }),
            ]);
            console.log(`ok - ${name} (${Date.now() - t0} ms)`);
            passed++;
        } catch (e) {
            const why = e instanceof CheckError ? e.message : `${e && e.name}: ${e && e.message}`;
            console.log(`not ok - ${name}: ${String(why).replace(/\n/g, ' ')}`);
            if (process.env.MQ_KAFKA_VERBOSE && e && e.stack) console.error(e.stack);
            failed++;
        } finally {
            clearTimeout(timer);
        }
    }
    console.log(`${prog}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    return failed ? 1 : 0;
}

module.exports = { check, diffBytes, sleep, waitFor, runCases };
