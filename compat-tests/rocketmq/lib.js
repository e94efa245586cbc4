// SPDX-License-Identifier: Apache-2.0
//
// lib.js -- helpers shared by the ali-ons compatibility cases (cases.js): ali-ons producers and
// push consumers pointed at the NameServer in $MQ_NAMESRV, a logger that keeps what ali-ons
// warns about (printed when a case fails), bounded waits, and message bookkeeping. It starts no
// server: run.js starts the broker and runs each case in a process of its own.
'use strict';

const assert = require('assert');
const { Producer, Consumer, Message } = require('ali-ons');

const RemotingClient = require('ali-ons/lib/remoting_client');

const NAMESRV = process.env.MQ_NAMESRV || '127.0.0.1:9876';
const VERBOSE = !!process.env.MQ_COMPAT_VERBOSE;

// ali-ons logs through options.logger; keep warnings and errors for the failure report.
const logLines = [];
const logger = {
    debug() {},
    info(...a) {
        if (VERBOSE) console.error('[info]', ...a);
    },
    warn(...a) {
        logLines.push('warn: ' + a.map(String).join(' '));
        if (VERBOSE) console.error('[warn]', ...a);
    },
    error(...a) {
        logLines.push('error: ' + a.map((x) => (x && x.stack) || String(x)).join(' '));
        if (VERBOSE) console.error('[error]', ...a);
    },
};

// MQ_COMPAT_WIRE=1: one stderr line per remoting exchange ali-ons makes (request code, header
// fields, body size; response code and remark), to see on the wire why a case fails.
if (process.env.MQ_COMPAT_WIRE) {
    const show = (cmd) => JSON.stringify(cmd.customHeader || cmd.extFields || {}).slice(0, 300);
    const origInvoke = RemotingClient.prototype.invoke;
    RemotingClient.prototype.invoke = async function (addr, cmd, timeout) {
        const to = addr || 'namesrv';
        console.error(`> ${to} code ${cmd.code} ${show(cmd)} body ${cmd.body ? cmd.body.length : 0}`);
        try {
            const r = await origInvoke.call(this, addr, cmd, timeout);
            console.error(`< ${to} code ${cmd.code}: ${r.code} ${r.remark || ''} ${show(r)} body ${r.body ? r.body.length : 0}`);
            return r;
        } catch (e) {
            console.error(`< ${to} code ${cmd.code}: ${e.name} ${e.message}`);
            throw e;
        }
    };
    const origOneway = RemotingClient.prototype.invokeOneway;
    RemotingClient.prototype.invokeOneway = async function (addr, cmd) {
        console.error(`> ${addr} code ${cmd.code} (one-way) ${show(cmd)}`);
        return origOneway.call(this, addr, cmd);
    };
}

// Names unique to this run and case, so cases never see each other's topics or groups.
const RUN = process.env.MQ_COMPAT_RUN || Date.now().toString(36);
function name(kind, c) {
    return `compat_${kind}_${c}_${RUN}`;
}

function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

// Polls pred() every 50 ms; throws `what` (a string, or a function called at the timeout so
// the message shows the state then) once ms have passed without it holding.
async function waitFor(pred, ms, what) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await pred()) return;
        await sleep(50);
    }
    const text = typeof what === 'function' ? what() : what;
    throw new Error(`timed out after ${ms} ms waiting for ${text}`);
}

// Races p against a timer; a hung client call becomes an error naming `what`.
function within(p, ms, what) {
    let t;
    const timer = new Promise((_, rej) => {
        t = setTimeout(() => rej(new Error(`${what} did not finish in ${ms} ms`)), ms);
    });
    return Promise.race([p, timer]).finally(() => clearTimeout(t));
}

const clientErrors = [];

function newProducer(group, extra) {
    const p = new Producer(
        Object.assign({ httpclient: {}, nameSrv: NAMESRV, producerGroup: group, logger }, extra)
    );
    p.on('error', (e) => clientErrors.push('producer: ' + e.message));
    return p;
}

// A clustering push consumer that starts at the first offset, rebalances every second and
// commits offsets every 500 ms (ali-ons defaults: 10 s and 5 s) so cases stay short.
function newConsumer(group, extra) {
    const c = new Consumer(
        Object.assign(
            {
                httpclient: {},
                nameSrv: NAMESRV,
                consumerGroup: group,
                consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
                rebalanceInterval: 1000,
                persistConsumerOffsetInterval: 500,
                logger,
            },
            extra
        )
    );
    c.on('error', (e) => clientErrors.push('consumer: ' + e.message));
    return c;
}

function newMessage(topic, tags, body, keys) {
    const m = new Message(topic, tags, Buffer.isBuffer(body) ? body : Buffer.from(body));
    if (keys) m.keys = keys;
    return m;
}

// Sends one message and checks the broker's answer; returns the send result.
async function sendOk(producer, msg) {
    const r = await within(producer.send(msg), 15000, 'send');
    assert.strictEqual(r.sendStatus, 'SEND_OK', `sendStatus ${r.sendStatus}`);
    assert.match(String(r.msgId), /^[0-9A-F]{32}$/, `msgId ${r.msgId}`);
    assert.ok(Number.isSafeInteger(r.queueOffset) && r.queueOffset >= 0, `queueOffset ${r.queueOffset}`);
    return r;
}

// ali-ons never auto-creates a topic: a NameServer's TOPIC_NOT_EXIST makes send() throw (the
// Java client falls back to the TBW102 route instead). So a case creates its topic first, the
// way `mqadmin updateTopic` does: UPDATE_AND_CREATE_TOPIC (17) to the broker, through ali-ons'
// own createTopic, then waits until the NameServer routes it. If the broker answers
// REQUEST_CODE_NOT_SUPPORTED (3), it falls back to the Java client's path: the producer takes
// the TBW102 route and its first send (defaultTopic TBW102) makes the broker create the topic.
// Returns 'admin' or 'auto' (which path was taken).
async function prepareTopic(p, topic, queues = 4) {
    await within(p.ready(), 15000, 'producer ready');
    const api = p._mqClient;
    const tbw = await within(api.getDefaultTopicRouteInfoFromNameServer('TBW102', 3000), 5000, 'TBW102 route');
    assert.ok(tbw && tbw.brokerDatas.length, 'TBW102 route names a broker');
    const addr = tbw.brokerDatas[0].brokerAddrs['0'];
    const conf = {
        topicName: topic,
        readQueueNums: queues,
        writeQueueNums: queues,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
    };
    try {
        await within(api.createTopic(addr, 'TBW102', conf, 5000), 6000, 'UPDATE_AND_CREATE_TOPIC');
    } catch (e) {
        if (e.code !== 3) throw new Error(`UPDATE_AND_CREATE_TOPIC ${topic}: code ${e.code} ${e.message}`);
        for (const q of tbw.queueDatas) {
            q.readQueueNums = q.writeQueueNums = Math.min(queues, q.writeQueueNums);
        }
        api._refreshTopicRouteInfo(topic, tbw);
        return 'auto';
    }
    await waitFor(
        async () => {
            try {
                const r = await api.getTopicRouteInfoFromNameServer(topic, 3000);
                return r && r.queueDatas.length > 0;
            } catch (_) {
                return false;
            }
        },
        10000,
        `the NameServer to route ${topic}`
    );
    return 'admin';
}

// Collects what a consumer handler receives, keyed by body text; counts duplicates.
class Inbox {
    constructor() {
        this.byBody = new Map();
        this.dups = [];
        this.list = [];
    }
    add(msg, who) {
        const body = msg.body.toString();
        if (this.byBody.has(body)) this.dups.push(body);
        const rec = { body, tags: msg.tags, keys: msg.keys, msgId: msg.msgId, who, msg };
        this.byBody.set(body, rec);
        this.list.push(rec);
    }
    get size() {
        return this.byBody.size;
    }
}

// Closes clients, bounded: a close that hangs must not hang the case.
async function closeAll(...clients) {
    for (const c of clients) {
        if (!c) continue;
        try {
            await within(c.close(), 10000, 'close');
        } catch (e) {
            clientErrors.push('close: ' + e.message);
        }
    }
}

module.exports = {
    NAMESRV,
    logLines,
    clientErrors,
    name,
    sleep,
    waitFor,
    within,
    newProducer,
    newConsumer,
    newMessage,
    sendOk,
    prepareTopic,
    Inbox,
    closeAll,
    Message,
};
