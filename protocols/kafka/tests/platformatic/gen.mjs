// SPDX-License-Identifier: Apache-2.0
//
// gen.mjs -- writes request frames with @platformatic/kafka 1.35's own request writers (every
// flexible API version the codec implements) into a directory: the real-client bytes for
// flexible versions in ../golden/platformatic-flex-*.
// Run from a folder where `npm install @platformatic/kafka@1.35.0` was done.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
const DIST = pathToFileURL(resolve(process.cwd(), 'node_modules/@platformatic/kafka/dist')).href;
const D = DIST + '/apis/';
const m = async (p) => (await import(D + p + '.js'));
const out = process.argv[2];
let corr = 100;
function frame(key, ver, w, flexHdr = true) {
  const body = w.buffer;
  const cid = Buffer.from('platformatic');
  const h = Buffer.alloc(2 + 2 + 4 + 2 + cid.length + (flexHdr ? 1 : 0));
  h.writeInt16BE(key, 0); h.writeInt16BE(ver, 2); h.writeInt32BE(corr++, 4);
  h.writeInt16BE(cid.length, 8); cid.copy(h, 10); if (flexHdr) h[10 + cid.length] = 0;
  const size = Buffer.alloc(4); size.writeInt32BE(h.length + body.length, 0);
  return Buffer.concat([size, h, body]);
}
const reqs = [];
const add = (name, key, ver, w) => reqs.push([`${name}-v${ver}`, frame(key, ver, w, !(key === 2 && ver === 5))]);
const hdrs = new Map([[Buffer.from('h1'), Buffer.from('hv1')], [Buffer.from('bin'), Buffer.from([0, 255, 1])]]);
const msgs = () => [0, 1, 2].map(i => ({ topic: 'golden', partition: i % 2, key: Buffer.from('key-' + i), value: Buffer.from('platformatic value ' + i), headers: hdrs }));
for (const v of [9, 10, 11]) add('Produce', 0, v, (await m('producer/produce-v' + v)).createRequest(-1, 30000, msgs(), {}));
add('Produce', 0, 11, (await m('producer/produce-v11')).createRequest(1, 30000, msgs(), { compression: 'gzip' }));
add('Fetch', 1, 12, (await m('consumer/fetch-v12')).createRequest(500, 1, 52428800, 1, 0, -1,
  [{ topicId: 'golden', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 5n, lastFetchedEpoch: -1, partitionMaxBytes: 1048576 }, { partition: 1, currentLeaderEpoch: 0, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1048576 }] }], [], ''));
for (const v of [5, 6, 7]) add('ListOffsets', 2, v, (await m('consumer/list-offsets-v' + v)).createRequest(-1, 1, [{ name: 'golden', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }, { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: 1700000000000n }] }]));
for (const v of [9, 10, 11, 12]) add('Metadata', 3, v, (await m('metadata/metadata-v' + v)).createRequest(['golden', 'orders.v1'], true, false));
for (const v of [8, 9]) add('OffsetCommit', 8, v, (await m('consumer/offset-commit-v' + v)).createRequest('grp', 3, 'member-1', null, [{ name: 'golden', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: 'md' }] }]));
add('OffsetFetch', 9, 8, (await m('consumer/offset-fetch-v8')).createRequest([{ groupId: 'grp', topics: [{ name: 'golden', partitionIndexes: [0, 1, 2] }] }], true));
for (const v of [4, 5]) add('FindCoordinator', 10, v, (await m('metadata/find-coordinator-v' + v)).createRequest(0, ['grp']));
for (const v of [6, 7, 8, 9]) add('JoinGroup', 11, v, (await m('consumer/join-group-v' + v)).createRequest('grp', 45000, 300000, '', null, 'consumer', [{ name: 'roundrobin', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 6]) }], 'rejoin'));
add('Heartbeat', 12, 4, (await m('consumer/heartbeat-v4')).createRequest('grp', 3, 'member-1', null));
for (const v of [4, 5]) add('LeaveGroup', 13, v, (await m('consumer/leave-group-v' + v)).createRequest('grp', [{ memberId: 'member-1', groupInstanceId: null, reason: 'bye' }]));
for (const v of [4, 5]) add('SyncGroup', 14, v, (await m('consumer/sync-group-v' + v)).createRequest('grp', 3, 'member-1', null, 'consumer', 'roundrobin', [{ memberId: 'member-1', assignment: Buffer.from([0, 1, 2]) }]));
add('DescribeGroups', 15, 5, (await m('admin/describe-groups-v5')).createRequest(['grp', 'other'], true));
for (const v of [4, 5]) { const f = (await m('admin/list-groups-v' + v)).createRequest; add('ListGroups', 16, v, v === 4 ? f(['Stable']) : f(['Stable'], ['classic'])); }
for (const v of [3, 4]) add('ApiVersions', 18, v, (await m('metadata/api-versions-v' + v)).createRequest('platformatic-kafka', '1.35.0'));
add('CreateTopics', 19, 7, (await m('admin/create-topics-v7')).createRequest([{ name: 'orders.v1', numPartitions: 3, replicationFactor: -1, assignments: [], configs: [{ name: 'retention.ms', value: '60000' }] }], 30000, false));
add('DeleteTopics', 20, 6, (await m('admin/delete-topics-v6')).createRequest([{ name: 'orders.v1', topicId: null }], 30000));
add('InitProducerId', 22, 4, (await m('producer/init-producer-id-v4')).createRequest(null, 60000, -1n, -1));
add('DescribeConfigs', 32, 4, (await m('admin/describe-configs-v4')).createRequest([{ resourceType: 2, resourceName: 'golden', configurationKeys: ['retention.ms'] }], false, true));
add('CreatePartitions', 37, 3, (await m('admin/create-partitions-v3')).createRequest([{ name: 'golden', count: 8, assignments: [] }], 30000, false));
add('DeleteGroups', 42, 2, (await m('admin/delete-groups-v2')).createRequest(['grp']));
for (const v of [0, 1]) { const f = (await m('admin/describe-cluster-v' + v)).createRequest; add('DescribeCluster', 60, v, v === 0 ? f(true) : f(true, 1)); }
let i = 1;
for (const [name, buf] of reqs) writeFileSync(`${out}/platformatic-flex-${String(i++).padStart(4, '0')}-req-${name}.bin`, buf);
console.log('wrote', reqs.length);
