#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// kafkajs.js -- kafkajs 2.2.4 (pure JS, non-flexible versions only, gzip only) against the
// broker's Kafka listener; run.py runs it.
//
//   kjs_create_topics   admin.createTopics: a 3-partition topic (true), then again (false)
//   kjs_metadata        admin.fetchTopicMetadata: 3 partitions, each led by the broker
//   kjs_produce         producer.send, acks -1, 30 records with keys (null, empty, text),
//                       headers (text, binary, a repeated name), timestamps; then 30 more gzip;
//                       baseOffsets as expected
//   kjs_consume_group   consumer group: subscribe fromBeginning, run eachMessage: each record
//                       once, key/value/headers/timestamp as sent, offsets dense
//   kjs_fetch_offsets   admin.fetchOffsets: the group committed every record (20 a partition)
//   kjs_topic_offsets   admin.fetchTopicOffsets (high/low) and fetchTopicOffsetsByTimestamp
//   kjs_describe_group  admin.listGroups / describeGroups: the group, Empty after the consumer left
//   kjs_delete_topics   admin.createTopics then deleteTopics: the topic is gone from listTopics
//
// Usage: node kafkajs.js BOOTSTRAP TOPIC_PREFIX. Environment: MQ_KAFKA_SKIP, MQ_KAFKA_VERBOSE.
'use strict';

const { Kafka, logLevel, CompressionTypes } = require('kafkajs');
const { check, diffBytes, sleep, waitFor, runCases } = require('./nodelib');

const [bootstrap, prefix] = process.argv.slice(2);
if (!bootstrap || !prefix) {
    console.error('usage: node kafkajs.js BOOTSTRAP TOPIC_PREFIX');
    process.exit(2);
}
const T = `${prefix}-kjs`;
const GROUP = `${prefix}-kjs-group`;
const NPART = 3;
const BASE_TS = Math.floor((Date.now() - 300000) / 1000) * 1000;

const kafka = new Kafka({
    clientId: 'compat-kafkajs',
    brokers: [bootstrap],
    logLevel: process.env.MQ_KAFKA_VERBOSE ? logLevel.INFO : logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 200 },
});
const admin = kafka.admin();
let topicReady = false;
let consumed = false; // kjs_consume_group passed (kjs_fetch_offsets and kjs_describe_group need it)
const sent = []; // [{i, partition, offset}]

// Record i: partition i % 3; key null / empty / text; value null (tombstone) every 7th.
function rec(i) {
    const key = i % 5 === 0 ? null : i % 5 === 1 ? Buffer.alloc(0) : Buffer.from(`key-${i}`);
    const value = i % 7 === 3 ? null : Buffer.from(`value-${i}-\u00e9`);
    const headers = { h1: Buffer.from(`v${i}`), bin: Buffer.from([0, 1, 255, 0]), rep: [Buffer.from('a'), Buffer.from('b')] };
    return { partition: i % NPART, key, value, headers, timestamp: String(BASE_TS + i * 10) };
}

async function ensureTopic() {
    if (topicReady) return;
    // CreateTopics missing or failed: auto-creation through Metadata (--num.partitions=3)
    await waitFor(async () => {
        try {
            const md = await admin.fetchTopicMetadata({ topics: [T] });
            return md.topics[0].partitions.length === NPART;
        } catch (_) {
            return false;
        }
    }, 10000, `${T} with ${NPART} partitions`);
    topicReady = true;
}

async function kjsCreateTopics() {
    const created = await admin.createTopics({ topics: [{ topic: T, numPartitions: NPART, replicationFactor: 1 }], waitForLeaders: true });
    check(created === true, `createTopics returned ${created}, want true`);
    const again = await admin.createTopics({ topics: [{ topic: T, numPartitions: NPART }] });
    check(again === false, `createTopics of an existing topic returned ${again}, want false`);
    topicReady = true;
}

async function kjsMetadata() {
    await ensureTopic();
    const md = await admin.fetchTopicMetadata({ topics: [T] });
    const parts = md.topics[0].partitions.slice().sort((a, b) => a.partitionId - b.partitionId);
    check(md.topics[0].name === T, `topic name ${md.topics[0].name}`);
    check(parts.length === NPART, `${parts.length} partitions`);
    const cluster = await admin.describeCluster();
    check(cluster.brokers.length === 1, `${cluster.brokers.length} brokers`);
    const node = cluster.brokers[0].nodeId;
    check(`${cluster.brokers[0].host}:${cluster.brokers[0].port}` === bootstrap, `broker at ${cluster.brokers[0].host}:${cluster.brokers[0].port}`);
    for (const p of parts) {
        check(p.partitionErrorCode === 0 && p.leader === node, `partition ${p.partitionId}: leader ${p.leader} error ${p.partitionErrorCode}, want ${node}`);
    }
}

async function kjsProduce() {
    await ensureTopic();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
        const next = [0, 0, 0];
        for (const [from, compression] of [[0, CompressionTypes.None], [30, CompressionTypes.GZIP]]) {
            const msgs = [];
            for (let i = from; i < from + 30; i++) msgs.push(rec(i));
            const res = await producer.send({ topic: T, messages: msgs, acks: -1, compression });
            for (const r of res) {
                check(r.errorCode === 0, `partition ${r.partition}: error ${r.errorCode}`);
                check(Number(r.baseOffset) === next[r.partition], `partition ${r.partition}: baseOffset ${r.baseOffset}, want ${next[r.partition]}`);
            }
            for (let i = from; i < from + 30; i++) {
                sent.push({ i, partition: i % NPART, offset: next[i % NPART]++ });
            }
        }
    } finally {
        await producer.disconnect();
    }
}

async function kjsConsumeGroup() {
    check(sent.length === 60, 'kjs_produce sent the records');
    const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10000, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
    const got = new Map(); // "p/o" -> count
    const problems = [];
    await consumer.connect();
    try {
        await consumer.subscribe({ topic: T, fromBeginning: true });
        await consumer.run({
            eachMessage: async ({ topic, partition, message }) => {
                const k = `${partition}/${message.offset}`;
                got.set(k, (got.get(k) || 0) + 1);
                const s = sent.find((x) => x.partition === partition && String(x.offset) === message.offset);
                if (!s) {
                    problems.push(`unexpected ${k}`);
                    return;
                }
                const r = rec(s.i);
                const d = [
                    topic === T ? '' : `topic ${topic}`,
                    diffBytes(message.key, r.key) && `key ${diffBytes(message.key, r.key)}`,
                    diffBytes(message.value, r.value) && `value ${diffBytes(message.value, r.value)}`,
                    message.timestamp === r.timestamp ? '' : `timestamp ${message.timestamp} want ${r.timestamp}`,
                    diffBytes(message.headers.h1, r.headers.h1) && 'header h1',
                    diffBytes(message.headers.bin, r.headers.bin) && 'header bin',
                    Array.isArray(message.headers.rep) && message.headers.rep.map(String).join() === 'a,b' ? '' : `header rep ${JSON.stringify(message.headers.rep && message.headers.rep.map(String))}`,
                ].filter(Boolean);
                if (d.length) problems.push(`${k}: ${d.join('; ')}`);
            },
        });
        try {
            await waitFor(() => got.size >= sent.length, 30000, `${sent.length} records consumed`);
        } catch (e) {
            e.message += ` (got ${got.size}; ${problems.slice(0, 3).join(' | ')})`;
            throw e;
        }
        await sleep(1000); // duplicates would show now
    } finally {
        await consumer.disconnect(); // commits what was consumed
    }
    check(problems.length === 0, problems.slice(0, 5).join(' | '));
    const dups = [...got.values()].filter((n) => n > 1).length;
    check(got.size === sent.length && dups === 0, `${got.size} distinct records, ${dups} delivered twice, want ${sent.length} once each`);
    consumed = true;
}

async function kjsFetchOffsets() {
    check(consumed, 'needs kjs_consume_group (did not pass or did not run)');
    const res = await admin.fetchOffsets({ groupId: GROUP, topics: [T] });
    check(res.length === 1 && res[0].topic === T, `topics ${JSON.stringify(res)}`);
    const parts = res[0].partitions.slice().sort((a, b) => a.partition - b.partition);
    check(parts.length === NPART, `${parts.length} partitions`);
    for (const p of parts) check(p.offset === '20', `partition ${p.partition}: committed ${p.offset}, want 20`);
}

async function kjsTopicOffsets() {
    const offs = await admin.fetchTopicOffsets(T);
    check(offs.length === NPART, `${offs.length} partitions`);
    for (const p of offs) {
        check(p.high === '20' && p.low === '0', `partition ${p.partition}: low ${p.low} high ${p.high}, want 0..20`);
    }
    // record 30 + 3k (partition 0, offset 10 + k) has timestamp BASE_TS + (30 + 3k) * 10
    const byTs = await admin.fetchTopicOffsetsByTimestamp(T, BASE_TS + 36 * 10);
    const p0 = byTs.find((p) => p.partition === 0);
    check(p0 && p0.offset === '12', `partition 0 offset at ts(record 36): ${p0 && p0.offset}, want 12`);
    const p1 = byTs.find((p) => p.partition === 1);
    check(p1 && p1.offset === '12', `partition 1 offset at ts(record 36) (record 37 is the next): ${p1 && p1.offset}, want 12`);
}

async function kjsDescribeGroup() {
    check(consumed, 'needs kjs_consume_group (did not pass or did not run)');
    const { groups } = await admin.listGroups();
    check(groups.some((g) => g.groupId === GROUP), `listGroups: ${JSON.stringify(groups)}`);
    const d = await admin.describeGroups([GROUP]);
    const g = d.groups.find((x) => x.groupId === GROUP);
    check(g && g.errorCode === 0, `describeGroups: ${JSON.stringify(d)}`);
    check(g.state === 'Empty' && g.members.length === 0, `state ${g.state}, ${g.members.length} members, want Empty and none`);
}

async function kjsDeleteTopics() {
    const topic = `${T}-del`;
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    check(created === true, `createTopics ${topic}: ${created}`);
    check((await admin.listTopics()).includes(topic), `${topic} listed after createTopics`);
    await admin.deleteTopics({ topics: [topic], timeout: 10000 });
    await waitFor(async () => !(await admin.listTopics()).includes(topic), 5000, `${topic} gone from listTopics`);
}

(async () => {
    await admin.connect();
    const code = await runCases('kafkajs.js', [
        ['kjs_create_topics', kjsCreateTopics, 20000],
        ['kjs_metadata', kjsMetadata, 20000],
        ['kjs_produce', kjsProduce, 30000],
        ['kjs_consume_group', kjsConsumeGroup, 60000],
        ['kjs_fetch_offsets', kjsFetchOffsets, 20000],
        ['kjs_topic_offsets', kjsTopicOffsets, 20000],
        ['kjs_describe_group', kjsDescribeGroup, 20000],
        ['kjs_delete_topics', kjsDeleteTopics, 20000],
    ]);
    await admin.disconnect().catch(() => {});
    process.exit(code);
})().catch((e) => {
    console.log(`not ok - kafkajs.js: ${e && e.message}`);
    console.log('kafkajs.js: 0 passed, 1 failed, 0 skipped');
    process.exit(1);
});
