#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// run.js -- runner of the ali-ons compatibility suite. Installs the pinned npm packages when
// missing, starts `mqbroker --all-in-one` on free loopback ports with a temporary store, runs
// each case of cases.js in a process of its own under a timeout, prints `ok - name` /
// `not ok - name: why` / `skip - name: reason` per case and a last line `N passed, N failed,
// N skipped`, exits 1 on any failure, and always stops the broker.
//
// Usage: node run.js path/to/mqbroker [--only=a,b] [--client-bin=DIR]
//   --client-bin: folder holding the C client's mqproduce/mqconsume (a cross-client case is
//   skipped while the CLI it runs is not there).
// Environment: MQ_COMPAT_VERBOSE=1 shows ali-ons' log, MQ_COMPAT_WIRE=1 every request and
// response code ali-ons exchanged; MQ_COMPAT_KEEP=1 keeps the store directory;
// MQ_COMPAT_NO_SKIP=1 runs the skip list's cases too; MQ_COMPAT_CASE_TIMEOUT=ms overrides
// every case's timeout.
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

const HERE = __dirname;

// Cases our broker does not support yet, each with the reason (shown as `skip`).
const SKIP = {
};

// The C client's CLIs (tools/client) a cross-client case runs; skipped while they are not built.
const NEEDS = { xclient_c_to_alions: ['mqproduce'], xclient_alions_to_c: ['mqconsume'] };

// Per-case timeout, ms (default 90 s); the whole suite stays under CTest's 300 s.
const TIMEOUT = { two_consumers_split: 100000 };

function parseArgs(argv) {
    const a = { broker: null, only: null, clientBin: null };
    for (const s of argv) {
        if (s.startsWith('--only=')) a.only = s.slice(7).split(',').filter(Boolean);
        else if (s.startsWith('--client-bin=')) a.clientBin = s.slice(13);
        else if (!a.broker) a.broker = s;
        else throw new Error(`unexpected argument ${s}`);
    }
    if (!a.broker) throw new Error('usage: run.js path/to/mqbroker [--only=a,b] [--client-bin=DIR]');
    return a;
}

function ensurePackages() {
    try {
        require.resolve('ali-ons', { paths: [HERE] });
        return;
    } catch (_) {
        /* not installed yet */
    }
    console.log('# npm ci (versions pinned in package.json and package-lock.json)');
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
        cwd: HERE,
        stdio: ['ignore', 'inherit', 'inherit'],
        timeout: 240000,
    });
    if (r.status !== 0) throw new Error(`npm ci failed (status ${r.status}, ${r.error || ''})`);
}

// Starts the broker and resolves {proc, ns, bk} once both boot banners were printed.
function startBroker(binary, store) {
    return new Promise((resolve, reject) => {
        const proc = spawn(
            binary,
            [
                '--all-in-one',
                '--listenPort=0',
                '--namesrvListenPort=0',
                '--listeners=PLAINTEXT://127.0.0.1:0',
                `--storePathRootDir=${store}`,
                '--logLevel=warn',
                '--enablePropertyFilter=true', // SQL92 subscriptions (RocketMQ's default is false)
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] }
        );
        proc.stderrTail = [];
        readline.createInterface({ input: proc.stderr }).on('line', (l) => {
            proc.stderrTail.push(l);
            if (proc.stderrTail.length > 40) proc.stderrTail.shift();
        });
        let ns = 0;
        let bk = 0;
        const timer = setTimeout(() => {
            proc.kill('SIGKILL');
            reject(new Error('no boot banners within 20 s: ' + proc.stderrTail.join(' | ')));
        }, 20000);
        readline.createInterface({ input: proc.stdout }).on('line', (l) => {
            let m = /Name Server boot success.*:(\d+)/.exec(l);
            if (m) ns = +m[1];
            m = /The broker\[.*:(\d+)\] boot success/.exec(l);
            if (m) bk = +m[1];
            if (ns && bk) {
                clearTimeout(timer);
                resolve({ proc, ns, bk });
            }
        });
        proc.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
        });
        proc.on('exit', (code, sig) => {
            proc.exited = { code, sig };
            clearTimeout(timer);
            if (!(ns && bk)) reject(new Error(`broker exited (${code || sig}): ${proc.stderrTail.join(' | ')}`));
        });
    });
}

// Stops the broker: SIGTERM, then SIGKILL after 15 s. Resolves with the exit status.
function stopBroker(proc) {
    return new Promise((resolve) => {
        if (proc.exited) return resolve(proc.exited);
        const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
        proc.on('exit', (code, sig) => {
            clearTimeout(t);
            resolve({ code, sig });
        });
        proc.kill('SIGTERM');
    });
}

// Runs `node cases.js name` and resolves {ok, why|detail} from its RESULT line.
function runCase(name, env, ms) {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(HERE, 'cases.js'), name], {
            cwd: HERE,
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => {
            err += d;
            if (env.MQ_COMPAT_VERBOSE || env.MQ_COMPAT_WIRE) process.stderr.write(d);
        });
        let timedOut = false;
        const t = setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
        }, ms);
        child.on('exit', (code, sig) => {
            clearTimeout(t);
            if (timedOut) return resolve({ ok: false, why: `timed out after ${ms} ms`, stderr: err });
            const line = out.split('\n').reverse().find((l) => l.startsWith('RESULT '));
            if (!line) return resolve({ ok: false, why: `exited ${code || sig} without a result`, stderr: err });
            const r = JSON.parse(line.slice(7));
            r.stderr = err;
            resolve(r);
        });
    });
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    ensurePackages();
    const { cases } = require('./cases');
    let names = Object.keys(cases);
    if (args.only) {
        for (const n of args.only) if (!cases[n]) throw new Error(`no case ${n}`);
        names = names.filter((n) => args.only.includes(n));
    }
    const missingCli = (n) =>
        (NEEDS[n] || []).filter((b) => !args.clientBin || !fs.existsSync(path.join(args.clientBin, b)));

    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-rocketmq-'));
    let broker = null;
    let passed = 0;
    let failed = 0;
    const skipped = [];
    const cleanup = () => {
        if (broker && !broker.exited) broker.kill('SIGKILL');
    };
    process.on('exit', cleanup);
    for (const s of ['SIGINT', 'SIGTERM']) {
        process.on(s, () => {
            cleanup();
            process.exit(1);
        });
    }
    try {
        const b = await startBroker(args.broker, store);
        broker = b.proc;
        console.log(`# broker: namesrv 127.0.0.1:${b.ns}, broker 127.0.0.1:${b.bk}, store ${store}`);
        const env = Object.assign({}, process.env, {
            MQ_NAMESRV: `127.0.0.1:${b.ns}`,
            MQ_COMPAT_RUN: Date.now().toString(36),
        });
        if (args.clientBin) env.MQ_CLIENT_BIN = path.resolve(args.clientBin);
        for (const n of names) {
            if (SKIP[n] && !process.env.MQ_COMPAT_NO_SKIP) {
                skipped.push(n);
                console.log(`skip - ${n}: ${SKIP[n]}`);
                continue;
            }
            if (missingCli(n).length) {
                skipped.push(n);
                console.log(`skip - ${n}: C client CLI ${missingCli(n).join(', ')} not built (--client-bin=DIR)`);
                continue;
            }
            if (broker.exited) {
                failed++;
                console.log(`not ok - ${n}: broker exited earlier (${JSON.stringify(broker.exited)})`);
                continue;
            }
            const t0 = Date.now();
            const ms = +process.env.MQ_COMPAT_CASE_TIMEOUT || TIMEOUT[n] || 90000;
            const r = await runCase(n, env, ms);
            const secs = ((Date.now() - t0) / 1000).toFixed(1);
            if (r.ok) {
                passed++;
                console.log(`ok - ${n} (${secs} s): ${r.detail}`);
            } else {
                failed++;
                console.log(`not ok - ${n} (${secs} s): ${r.why}`);
                for (const l of [].concat(r.errors || [], r.log || [])) console.log(`#   ${l}`);
                if (r.stderr) for (const l of r.stderr.trim().split('\n').slice(-10)) console.log(`#   ${l}`);
            }
        }
        const st = await stopBroker(broker);
        if (st.code !== 0) {
            failed++;
            console.log(`not ok - broker_clean_exit: exit ${st.code} signal ${st.sig}`);
        }
        if (failed) for (const l of broker.stderrTail.slice(-15)) console.log(`# broker: ${l}`);
    } catch (e) {
        failed++;
        console.log(`not ok - suite: ${e.message}`);
    } finally {
        cleanup();
        if (!process.env.MQ_COMPAT_KEEP) fs.rmSync(store, { recursive: true, force: true });
    }
    console.log(`${passed} passed, ${failed} failed` + (skipped.length ? `, ${skipped.length} skipped` : ''));
    process.exit(failed ? 1 : 0);
}

main().catch((e) => {
    console.log(`not ok - suite: ${e.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
});
