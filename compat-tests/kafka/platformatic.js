#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// platformatic.js -- @platformatic/kafka 1.35.0 (pure JS, ESM) against the broker's Kafka
// listener. It speaks only flexible versions (ApiVersions 3, Metadata 9+, Produce 9+,
// Fetch 12+, CreateTopics 7, JoinGroup 6+, OffsetCommit/Fetch 8+, ...) with no fallback, so
// this is the test of the flexible encodings. run.py runs it.
//
//   plat_create_topics  Admin.createTopics: a 3-partition topic (CreateTopics v7)
//   plat_metadata       Admin.metadata: the topic's 3 partitions, each led by the broker
//   plat_produce        Producer.send, acks -1: 30 records with keys, headers and timestamps,
//                       then 30 more compressed (gzip); offsets as expected
//   plat_consume        Consumer (group, mode earliest): each record once, key/value/headers/
//                       timestamp as sent; commit; listCommittedOffsets gives 20 a partition
//   plat_list_offsets   Consumer.listOffsets: 20 a partition (latest)
//   plat_group_commit   joinGroup (JoinGroup 6+/SyncGroup 4+ flexible): one member gets the 3
//                       partitions; commit (OffsetCommit 8+) and listCommittedOffsets
//                       (OffsetFetch 8+); leaveGroup; Admin.describeGroups / listGroups
//   plat_idempotent     Producer idempotent: InitProducerId (v3+), 30 records, offsets dense
//   plat_delete_topics  Admin.createTopics then deleteTopics (DeleteTopics 6): gone from Metadata
//
// Usage: node platformatic.js BOOTSTRAP TOPIC_PREFIX. Environment: MQ_KAFKA_SKIP, MQ_KAFKA_VERBOSE.
'use strict';

const { check, diffBytes, sleep, waitFor, runCases } = require('./nodelib');

const [bootstrap, prefix] = process.argv.slice(2);
if (!bootstrap || !prefix) {
    console.error('usage: node platformatic.js BOOTSTRAP TOPIC_PREFIX');
    process.exit(2);
}
const T = `${prefix}-plat`;
const GROUP = `${prefix}-plat-group`;
const NPART = 3;
const BASE_TS = BigInt(Math.floor((Date.now() - 300000) / 1000) * 1000);
const base = { bootstrapBrokers: [bootstrap], timeout: 10000, retries: 2, retryDelay: 200 };

let K; // the module (ESM: imported at start)
let topicReady = false;
const sent = []; // [{i, partition, offset}]

function rec(i) {
    const key = i % 4 === 0 ? undefined : Buffer.from(i % 4 === 1 ? [0, 1, 0] : `key-${i}`);
    const value = Buffer.from(i % 6 === 2 ? '' : `value-${i}-\u00e9`);
    const headers = new Map([
        [Buffer.from('h1'), Buffer.from(`v${i}`)],
        [Buffer.from('bin'), Buffer.from([0, 255, 0])],
    ]);
    return { topic: T, partition: i % NPART, key, value, headers, timestamp: BASE_TS + BigInt(i * 10) };
}

async function ensureTopic(admin) {
    if (topicReady) return;
    // CreateTopics missing or failed: auto-creation through Metadata (--num.partitions=3)
    await waitFor(async () => {
        try {
            const md = await admin.metadata({ topics: [T], autocreateTopics: true, forceUpdate: true });
            const t = md.topics.get(T);
            return t && t.partitionsCount === NPART;
        } catch (_) {
            return false;
        }
    }, 10000, `${T} with ${NPART} partitions`);
    topicReady = true;
}

async function withAdmin(fn) {
    const admin = new K.Admin({ ...base, clientId: 'compat-plat-admin' });
    try {
        return await fn(admin);
    } finally {
        await admin.close().catch(() => {});
    }
}

async function platCreateTopics() {
    await withAdmin(async (admin) => {
        const res = await admin.createTopics({ topics: [T], partitions: NPART, replicas: 1 });
        check(Array.isArray(res) && res.length === 1 && res[0].name === T, `createTopics: ${JSON.stringify(res, (k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
        check(res[0].partitions === NPART, `createTopics: ${res[0].partitions} partitions`);
        topicReady = true;
    });
}

async function platMetadata() {
    await withAdmin(async (admin) => {
        await ensureTopic(admin);
        const md = await admin.metadata({ topics: [T], forceUpdate: true });
        check(md.brokers.size === 1, `${md.brokers.size} brokers`);
        const [[node, b]] = [...md.brokers.entries()];
        check(`${b.host}:${b.port}` === bootstrap, `broker ${node} at ${b.host}:${b.port}`);
        const t = md.topics.get(T);
        check(t && t.partitionsCount === NPART, `topic ${T}: ${t && t.partitionsCount} partitions`);
        for (let p = 0; p < NPART; p++) check(t.partitions[p] && t.partitions[p].leader === node, `partition ${p} leader ${t.partitions[p] && t.partitions[p].leader}, want ${node}`);
    });
}

async function platProduce() {
    await withAdmin(ensureTopic);
    const producer = new K.Producer({ ...base, clientId: 'compat-plat-producer', acks: -1, autocreateTopics: false });
    try {
        const next = [0, 0, 0];
        for (const [from, compression] of [[0, 'none'], [30, 'gzip']]) {
            const msgs = [];
            for (let i = from; i < from + 30; i++) msgs.push(rec(i));
            const res = await producer.send({ messages: msgs, compression });
            const offs = (res.offsets || []).slice().sort((a, b) => a.partition - b.partition);
            check(offs.length === NPART, `send: ${offs.length} partition offsets, want ${NPART}`);
            for (const o of offs) check(Number(o.offset) === next[o.partition], `partition ${o.partition}: offset ${o.offset}, want ${next[o.partition]}`);
            for (let i = from; i < from + 30; i++) sent.push({ i, partition: i % NPART, offset: next[i % NPART]++ });
        }
    } finally {
        await producer.close().catch(() => {});
    }
}

async function platConsume() {
    check(sent.length === 60, 'plat_produce sent the records');
    const consumer = new K.Consumer({ ...base, clientId: 'compat-plat-consumer', groupId: GROUP, sessionTimeout: 10000, heartbeatInterval: 500, maxWaitTime: 500 });
    const got = new Map();
    const problems = [];
    try {
        const stream = await consumer.consume({ topics: [T], mode: 'earliest', autocommit: false });
        stream.on('data', (m) => {
            const k = `${m.partition}/${m.offset}`;
            got.set(k, (got.get(k) || 0) + 1);
            const s = sent.find((x) => x.partition === m.partition && BigInt(x.offset) === m.offset);
            if (!s) {
                problems.push(`unexpected ${k}`);
                return;
            }
            const r = rec(s.i);
            const h1 = m.headers.get ? [...m.headers.entries()].find(([hk]) => String(hk) === 'h1') : undefined;
            const bin = m.headers.get ? [...m.headers.entries()].find(([hk]) => String(hk) === 'bin') : undefined;
            const d = [
                diffBytes(m.key && m.key.length ? m.key : null, r.key || null) && `key ${diffBytes(m.key && m.key.length ? m.key : null, r.key || null)}`,
                diffBytes(m.value, r.value) && `value ${diffBytes(m.value, r.value)}`,
                m.timestamp === r.timestamp ? '' : `timestamp ${m.timestamp} want ${r.timestamp}`,
                h1 && diffBytes(h1[1], Buffer.from(`v${s.i}`)) === '' ? '' : 'header h1',
                bin && diffBytes(bin[1], Buffer.from([0, 255, 0])) === '' ? '' : 'header bin',
            ].filter(Boolean);
            if (d.length) problems.push(`${k}: ${d.join('; ')}`);
            m.commit().catch((e) => problems.push(`commit ${k}: ${e.message}`));
        });
        stream.on('error', (e) => problems.push(`stream: ${e.message}`));
        try {
            await waitFor(() => got.size >= sent.length, 30000, `${sent.length} records consumed`);
        } catch (e) {
            e.message += ` (got ${got.size}; ${problems.slice(0, 3).join(' | ')})`;
            throw e;
        }
        await sleep(1000);
        await stream.close();
        const committed = await consumer.listCommittedOffsets({ topics: [{ topic: T, partitions: [0, 1, 2] }] });
        const c = committed.get(T) || [];
        check(c.length === NPART && c.every((o) => o === 20n), `committed offsets ${c.map(String)}, want 20 each`);
    } finally {
        await consumer.close(true).catch(() => {});
    }
    check(problems.length === 0, problems.slice(0, 5).join(' | '));
    const dups = [...got.values()].filter((n) => n > 1).length;
    check(got.size === sent.length && dups === 0, `${got.size} distinct records, ${dups} twice, want ${sent.length} once each`);
}

async function platListOffsets() {
    const consumer = new K.Consumer({ ...base, clientId: 'compat-plat-offsets', groupId: `${GROUP}-lo` });
    try {
        const offs = await consumer.listOffsets({ topics: [T] });
        const o = offs.get(T) || [];
        check(o.length === NPART && o.every((x) => x === 20n), `latest offsets ${o.map(String)}, want 20 each`);
    } finally {
        await consumer.close(true).catch(() => {});
    }
}

async function platGroupCommit() {
    const group = `${GROUP}-gc`;
    const consumer = new K.Consumer({ ...base, clientId: 'compat-plat-gc', groupId: group, sessionTimeout: 10000, heartbeatInterval: 500 });
    try {
        consumer.topics.trackAll(T);
        const memberId = await consumer.joinGroup({});
        check(typeof memberId === 'string' && memberId.length > 0, `joinGroup member id ${memberId}`);
        check(consumer.generationId >= 0, `generation ${consumer.generationId}`);
        const parts = (consumer.assignments || []).filter((a) => a.topic === T).flatMap((a) => a.partitions).sort();
        check(parts.join() === '0,1,2', `assigned ${JSON.stringify(consumer.assignments)}, want ${T} 0,1,2`);
        await consumer.commit({ offsets: [0, 1, 2].map((p) => ({ topic: T, partition: p, offset: BigInt(5 + p), leaderEpoch: 0 })) });
        const committed = await consumer.listCommittedOffsets({ topics: [{ topic: T, partitions: [0, 1, 2] }] });
        const c = committed.get(T) || [];
        check(c.map(String).join() === '5,6,7', `committed ${c.map(String)}, want 5,6,7`);
        await withAdmin(async (admin) => {
            const groups = await admin.listGroups();
            check(groups.has(group), `listGroups has ${group}: ${[...groups.keys()]}`);
            const d = await admin.describeGroups({ groups: [group] });
            const g = d.get(group);
            check(g && g.state === 'STABLE' && g.members.size === 1, `describeGroups: state ${g && g.state}, ${g && g.members.size} members`);
        });
        await consumer.leaveGroup();
    } finally {
        await consumer.close(true).catch(() => {});
    }
}

async function platIdempotent() {
    const topic = `${T}-idem`;
    const producer = new K.Producer({ ...base, clientId: 'compat-plat-idem', idempotent: true, acks: -1, autocreateTopics: true });
    try {
        const next = [0, 0, 0];
        for (let round = 0; round < 2; round++) {
            const msgs = [];
            for (let i = 0; i < 15; i++) msgs.push({ ...rec(i), topic });
            const res = await producer.send({ messages: msgs });
            const offs = (res.offsets || []).slice().sort((a, b) => a.partition - b.partition);
            check(offs.length === NPART, `send: ${offs.length} partition offsets`);
            for (const o of offs) check(Number(o.offset) === next[o.partition], `round ${round} partition ${o.partition}: offset ${o.offset}, want ${next[o.partition]}`);
            for (let i = 0; i < 15; i++) next[i % NPART]++;
        }
    } finally {
        await producer.close().catch(() => {});
    }
}

async function platDeleteTopics() {
    const topic = `${T}-del`;
    await withAdmin(async (admin) => {
        await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
        const md = await admin.metadata({ topics: [topic], forceUpdate: true });
        check(md.topics.has(topic), `${topic} created`);
        await admin.deleteTopics({ topics: [topic] });
        let gone = false;
        try {
            const md2 = await admin.metadata({ topics: [topic], forceUpdate: true, autocreateTopics: false });
            gone = !md2.topics.has(topic);
        } catch (e) {
            gone = /unknown|does not host/i.test(String(e && (e.message + JSON.stringify(e.errors ? e.errors.map((x) => x.message) : ''))));
        }
        check(gone, `${topic} still in the metadata after deleteTopics`);
    });
}

(async () => {
    K = await import('@platformatic/kafka');
    const code = await runCases('platformatic.js', [
        ['plat_create_topics', platCreateTopics, 20000],
        ['plat_metadata', platMetadata, 20000],
        ['plat_produce', platProduce, 30000],
        ['plat_consume', platConsume, 60000],
        ['plat_list_offsets', platListOffsets, 20000],
        ['plat_group_commit', platGroupCommit, 40000],
        ['plat_idempotent', platIdempotent, 30000],
        ['plat_delete_topics', platDeleteTopics, 30000],
    ]);
    process.exit(code);
})().catch((e) => {
    console.log(`not ok - platformatic.js: ${e && e.message}`);
    console.log('platformatic.js: 0 passed, 1 failed, 0 skipped');
    process.exit(1);
});
