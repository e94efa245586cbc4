/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_group.c -- the Kafka consumer-group APIs: FindCoordinator (one broker of the cluster
 * per group, gw_kcluster.h; a request for a group another broker coordinates gets
 * NOT_COORDINATOR), JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
 * ListGroups, DescribeGroups and DeleteGroups, each turned into the COORD_* operations of the
 * request model (mq/req.h explains the mapping; the broker's bk_coord*.c runs the groups).
 *
 * Names: group ids go to the store through gw_kafka_group_to_rmq (unmappable: INVALID_GROUP_ID)
 * and topics through gw_kafka_topic_to_rmq; responses echo the names the client sent, byte for
 * byte, and names coming from the broker alone (ListGroups, OffsetFetch of every topic) are
 * mapped back, skipping those Kafka cannot name. Errors: rep.detail is already Kafka's error
 * code; without one the reply status is mapped. Reply data is copied into kr->pool before the
 * done() callback returns. Committed offsets of partitions another broker owns are forwarded
 * to it (gw_kafka_forward.c), after the coordinator has accepted the member's commit.
 */
#include <string.h>

#include "gw_kafka_int.h"
#include "gw_kcluster.h"

/* ---- Small helpers ---- */

/* The model's "absent" ("") as Kafka's null, else a copy in kr->pool. */
static mq_str_t
gw_kg_opt(gw_kreq_t *kr, mq_str_t s)
{
    return s.n ? gw_kafka_dup(kr, s) : MQ_STR_NULL;
}

/* A copy in kr->pool, "" for none (non-nullable fields). */
static mq_str_t
gw_kg_copy(gw_kreq_t *kr, mq_str_t s)
{
    return s.n ? gw_kafka_dup(kr, s) : MQ_STR("");
}

/* The Kafka error of a coordinator reply: rep.detail when set, else the status mapped. */
static int16_t
gw_kg_error(int status, const mq_rep_t *rep)
{
    if (rep && rep->detail)
        return (int16_t)rep->detail;
    if (status == MQ_OK)
        return KF_ERR_NONE;
    if (status == MQ_ECLOSED)
        return KF_ERR_COORDINATOR_NOT_AVAILABLE;
    return gw_kafka_error(status);
}

/* Is another broker this group's coordinator (several brokers, gw_kcluster.h)? The group is
 * then answered NOT_COORDINATOR, so the client asks FindCoordinator again. */
static int
gw_kg_elsewhere(gw_kreq_t *kr, mq_str_t group)
{
    return kr->kc->fe->ns && group.p && gw_kcluster_coordinator(kr->kc->fe, group) != NULL;
}

/* "/ip" from the connection's "ip:port" (Kafka's client_host). */
static mq_str_t
gw_kg_client_host(gw_kreq_t *kr)
{
    const char *peer = gw_conn_peer(kr->kc->conn), *colon = peer ? strrchr(peer, ':') : NULL;
    size_t n = colon ? (size_t)(colon - peer) : (peer ? strlen(peer) : 0);
    char *out;

    if (n >= 2 && peer[0] == '[' && peer[n - 1] == ']') { /* [::1]:port */
        peer++;
        n -= 2;
    }
    out = mq_palloc(&kr->pool, n + 2);
    out[0] = '/';
    if (n)
        memcpy(out + 1, peer, n);
    out[n + 1] = '\0';
    return (mq_str_t){out, n + 1};
}

/* ---- FindCoordinator ---- */

static void
gw_kg_find_fill(gw_kreq_t *kr)
{
    const kf_find_coordinator_req_t *q = &kr->req.u.find_coordinator;
    kf_find_coordinator_resp_t *r = &kr->resp.u.find_coordinator;
    const gw_kafka_t *fe = kr->kc->fe;
    int32_t n = q->coordinator_keys.n > 0 ? q->coordinator_keys.n : 0;

    if (n == 0 && kr->req.hdr.api_version <= 3)
        n = 1; /* v0-3 always asks about one key */
    r->coordinators = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_coordinator_t));
    r->n_coordinators = n;
    for (int32_t i = 0; i < n; i++) {
        kf_coordinator_t *c = &r->coordinators[i];
        c->key = i < q->coordinator_keys.n ? q->coordinator_keys.v[i] : MQ_STR("");
        if (q->key_type == 0) { /* a group: the broker its name hashes to, often this one */
            const gw_kbroker_t *b = fe->ns ? gw_kcluster_coordinator(fe, c->key) : NULL;
            c->node_id = b ? b->node_id : fe->conf.node_id;
            c->host = gw_kafka_dup(kr, mq_str_from_cstr(b ? b->host : fe->conf.host));
            c->port = b ? b->port : fe->conf.port;
            continue;
        }
        c->node_id = -1;
        c->host = MQ_STR("");
        c->port = -1;
        if (q->key_type == 1) { /* transactions: no transaction coordinator here */
            c->error_code = KF_ERR_COORDINATOR_NOT_AVAILABLE;
            c->error_message = MQ_STR("transactions are not supported by this broker");
        } else {
            c->error_code = KF_ERR_INVALID_REQUEST;
            c->error_message = MQ_STR("unknown coordinator key type");
        }
    }
    r->error_code = n > 0 ? r->coordinators[0].error_code : KF_ERR_NONE;
}

static void
gw_kg_find_cluster_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    if (status == MQ_OK && rep)
        gw_kcluster_update(s->kr->kc->fe, &rep->u.cluster);
}

void
gw_kafka_find_coordinator(gw_kreq_t *kr)
{
    if (kr->kc->fe->ns) { /* who is in the cluster now decides the coordinator */
        gw_ksub_t *s = gw_ksub_new(kr, MQ_OP_GET_CLUSTER_INFO, gw_kg_find_cluster_done, NULL, 0);
        kr->finish = gw_kg_find_fill;
        gw_ksub_send(s, kr->kc->fe->ns);
        return;
    }
    gw_kg_find_fill(kr);
}

/* ---- JoinGroup ---- */

static void
gw_kg_join_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_join_group_resp_t *r = &kr->resp.u.join_group;
    const mq_coord_join_result_t *j;

    r->error_code = gw_kg_error(status, rep);
    if (!rep)
        return;
    j = &rep->u.join;
    if (j->member_id.n)
        r->member_id = gw_kafka_dup(kr, j->member_id);
    if (r->error_code != KF_ERR_NONE && r->error_code != KF_ERR_MEMBER_ID_REQUIRED) {
        r->generation_id = -1;
        return;
    }
    r->generation_id = r->error_code == KF_ERR_NONE ? j->generation : -1;
    r->protocol_type = gw_kg_opt(kr, j->protocol_type);
    r->protocol_name = gw_kg_opt(kr, j->protocol_name);
    r->leader = gw_kg_copy(kr, j->leader);
    r->skip_assignment = j->skip_assignment ? 1 : 0;
    if (j->n_members > 0 && j->members) {
        r->members = mq_pcalloc(&kr->pool, (size_t)j->n_members * sizeof(kf_join_member_t));
        r->n_members = j->n_members;
        for (int i = 0; i < j->n_members; i++) {
            r->members[i].member_id = gw_kg_copy(kr, j->members[i].member_id);
            r->members[i].group_instance_id = gw_kg_opt(kr, j->members[i].group_instance_id);
            r->members[i].metadata = gw_kg_copy(kr, j->members[i].metadata);
        }
    }
}

void
gw_kafka_join_group(gw_kreq_t *kr)
{
    const kf_join_group_req_t *q = &kr->req.u.join_group;
    kf_join_group_resp_t *r = &kr->resp.u.join_group;
    mq_str_t gid = gw_kafka_group_to_rmq(kr, q->group_id);
    gw_ksub_t *s;
    mq_coord_join_t *j;

    r->generation_id = -1;
    r->member_id = gw_kafka_nonnull(q->member_id);
    r->leader = MQ_STR("");
    if (!gid.p || gw_kg_elsewhere(kr, q->group_id)) {
        r->error_code = gid.p ? KF_ERR_NOT_COORDINATOR : KF_ERR_INVALID_GROUP_ID;
        return;
    }
    s = gw_ksub_new(kr, MQ_OP_COORD_JOIN, gw_kg_join_done, NULL, 0);
    j = &s->base.u.join;
    j->group_id = gid;
    j->member_id = gw_kafka_nonnull(q->member_id);
    j->group_instance_id = gw_kafka_nonnull(q->group_instance_id);
    j->client_id = gw_kafka_nonnull(kr->req.hdr.client_id);
    j->client_host = gw_kg_client_host(kr);
    j->protocol_type = gw_kafka_nonnull(q->protocol_type);
    if (q->n_protocols > 0) {
        j->protocols = mq_pcalloc(&kr->pool, (size_t)q->n_protocols * sizeof(mq_coord_protocol_t));
        for (int32_t i = 0; i < q->n_protocols; i++) {
            j->protocols[i].name = gw_kafka_nonnull(q->protocols[i].name);
            j->protocols[i].metadata = gw_kafka_nonnull(q->protocols[i].metadata);
        }
        j->n_protocols = q->n_protocols;
    }
    j->session_timeout_ms = q->session_timeout_ms;
    j->rebalance_timeout_ms =
        kr->req.hdr.api_version >= 1 ? q->rebalance_timeout_ms : q->session_timeout_ms;
    j->require_member_id = kr->req.hdr.api_version >= 4;
    gw_ksub_send(s, NULL);
}

/* ---- SyncGroup ---- */

static void
gw_kg_sync_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_sync_group_resp_t *r = &kr->resp.u.sync_group;

    r->error_code = gw_kg_error(status, rep);
    if (!rep)
        return;
    r->protocol_type = gw_kg_opt(kr, rep->u.sync.protocol_type);
    r->protocol_name = gw_kg_opt(kr, rep->u.sync.protocol_name);
    r->assignment =
        r->error_code == KF_ERR_NONE ? gw_kg_copy(kr, rep->u.sync.assignment) : MQ_STR("");
}

void
gw_kafka_sync_group(gw_kreq_t *kr)
{
    const kf_sync_group_req_t *q = &kr->req.u.sync_group;
    kf_sync_group_resp_t *r = &kr->resp.u.sync_group;
    mq_str_t gid = gw_kafka_group_to_rmq(kr, q->group_id);
    gw_ksub_t *s;
    mq_coord_sync_t *y;

    r->assignment = MQ_STR("");
    if (!gid.p || gw_kg_elsewhere(kr, q->group_id)) {
        r->error_code = gid.p ? KF_ERR_NOT_COORDINATOR : KF_ERR_INVALID_GROUP_ID;
        return;
    }
    s = gw_ksub_new(kr, MQ_OP_COORD_SYNC, gw_kg_sync_done, NULL, 0);
    y = &s->base.u.sync;
    y->group_id = gid;
    y->generation = q->generation_id;
    y->member_id = gw_kafka_nonnull(q->member_id);
    y->group_instance_id = gw_kafka_nonnull(q->group_instance_id);
    y->protocol_type = gw_kafka_nonnull(q->protocol_type);
    y->protocol_name = gw_kafka_nonnull(q->protocol_name);
    if (q->n_assignments > 0) {
        y->assignments =
            mq_pcalloc(&kr->pool, (size_t)q->n_assignments * sizeof(mq_coord_assignment_t));
        for (int32_t i = 0; i < q->n_assignments; i++) {
            y->assignments[i].member_id = gw_kafka_nonnull(q->assignments[i].member_id);
            y->assignments[i].assignment = gw_kafka_nonnull(q->assignments[i].assignment);
        }
        y->n_assignments = q->n_assignments;
    }
    gw_ksub_send(s, NULL);
}

/* ---- Heartbeat ---- */

static void
gw_kg_heartbeat_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    s->kr->resp.u.heartbeat.error_code = gw_kg_error(status, rep);
}

void
gw_kafka_heartbeat(gw_kreq_t *kr)
{
    const kf_heartbeat_req_t *q = &kr->req.u.heartbeat;
    mq_str_t gid = gw_kafka_group_to_rmq(kr, q->group_id);
    gw_ksub_t *s;

    if (!gid.p || gw_kg_elsewhere(kr, q->group_id)) {
        kr->resp.u.heartbeat.error_code = gid.p ? KF_ERR_NOT_COORDINATOR : KF_ERR_INVALID_GROUP_ID;
        return;
    }
    s = gw_ksub_new(kr, MQ_OP_COORD_HEARTBEAT, gw_kg_heartbeat_done, NULL, 0);
    s->base.u.coord_hb.group_id = gid;
    s->base.u.coord_hb.generation = q->generation_id;
    s->base.u.coord_hb.member_id = gw_kafka_nonnull(q->member_id);
    s->base.u.coord_hb.group_instance_id = gw_kafka_nonnull(q->group_instance_id);
    gw_ksub_send(s, NULL);
}

/* ---- LeaveGroup ---- */

static void
gw_kg_leave_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_leave_group_resp_t *r = &kr->resp.u.leave_group;
    int16_t err = gw_kg_error(status, rep);

    for (int32_t i = 0; i < r->n_members; i++) {
        kf_leave_member_t *m = &r->members[i];
        if (rep && i < rep->u.leave.n_members && rep->u.leave.members)
            m->error_code = (int16_t)rep->u.leave.members[i].error;
        else
            m->error_code = err != KF_ERR_NONE ? err : KF_ERR_UNKNOWN_SERVER_ERROR;
    }
    if (kr->req.hdr.api_version <= 2) /* one leaver: its error is the answer */
        r->error_code = r->n_members > 0 ? r->members[0].error_code : err;
    else
        r->error_code = err;
}

void
gw_kafka_leave_group(gw_kreq_t *kr)
{
    const kf_leave_group_req_t *q = &kr->req.u.leave_group;
    kf_leave_group_resp_t *r = &kr->resp.u.leave_group;
    mq_str_t gid = gw_kafka_group_to_rmq(kr, q->group_id);
    int32_t n = q->n_members > 0 ? q->n_members : 0;
    gw_ksub_t *s;
    mq_coord_leave_t *l;

    r->members = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_leave_member_t));
    r->n_members = n;
    for (int32_t i = 0; i < n; i++) {
        r->members[i].member_id = gw_kafka_nonnull(q->members[i].member_id);
        r->members[i].group_instance_id = q->members[i].group_instance_id;
    }
    if (!gid.p || gw_kg_elsewhere(kr, q->group_id)) {
        r->error_code = gid.p ? KF_ERR_NOT_COORDINATOR : KF_ERR_INVALID_GROUP_ID;
        return;
    }
    s = gw_ksub_new(kr, MQ_OP_COORD_LEAVE, gw_kg_leave_done, NULL, 0);
    l = &s->base.u.leave;
    l->group_id = gid;
    l->members = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(mq_coord_leaver_t));
    l->n_members = n;
    for (int32_t i = 0; i < n; i++) {
        l->members[i].member_id = gw_kafka_nonnull(q->members[i].member_id);
        l->members[i].group_instance_id = gw_kafka_nonnull(q->members[i].group_instance_id);
        l->members[i].reason = gw_kafka_nonnull(q->members[i].reason);
    }
    gw_ksub_send(s, NULL);
}

/* ---- OffsetCommit ---- */

/* A partition of another broker in an OffsetCommit: forwarded once the coordinator has
 * accepted the member's commit. */
typedef struct gw_kg_remote_s {
    const char *broker; /* owner */
    mq_str_t topic;     /* stored name */
    int32_t queue;      /* on the owner */
    int64_t offset;
    int16_t *err; /* the response partition's error */
} gw_kg_remote_t;

typedef struct gw_kg_commit_s {
    int32_t *slot; /* item index of each response partition, -1: not sent to the coordinator */
    gw_kg_remote_t *remote;
    int n_remote;
    mq_str_t group; /* stored name */
} gw_kg_commit_t;

static void
gw_kg_commit_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_offset_commit_resp_t *r = &kr->resp.u.offset_commit;
    gw_kg_commit_t *c = s->arg;
    const int32_t *slot = c->slot;
    int16_t err = gw_kg_error(status, rep);
    int k = 0;

    for (int i = 0; i < c->n_remote; i++) { /* the member may commit: now the owners */
        gw_kg_remote_t *x = &c->remote[i];
        if (err != KF_ERR_NONE)
            *x->err = err;
        else
            gw_kafka_forward_commit(kr, x->broker, c->group, x->topic, x->queue, x->offset, x->err);
    }
    for (int32_t t = 0; t < r->n_topics; t++) {
        for (int32_t p = 0; p < r->topics[t].n_partitions; p++, k++) {
            int32_t i = slot[k];
            if (i < 0)
                continue;
            if (rep && rep->u.coord_offsets.items && i < rep->u.coord_offsets.n)
                r->topics[t].partitions[p].error_code =
                    (int16_t)rep->u.coord_offsets.items[i].error;
            else
                r->topics[t].partitions[p].error_code =
                    err != KF_ERR_NONE ? err : KF_ERR_UNKNOWN_SERVER_ERROR;
        }
    }
}

void
gw_kafka_offset_commit(gw_kreq_t *kr)
{
    const kf_offset_commit_req_t *q = &kr->req.u.offset_commit;
    kf_offset_commit_resp_t *r = &kr->resp.u.offset_commit;
    mq_str_t gid = gw_kafka_group_to_rmq(kr, q->group_id);
    int32_t nt = q->n_topics > 0 ? q->n_topics : 0, total = 0, n = 0, k = 0;
    int32_t *slot;
    int not_mine = 0;
    gw_kg_commit_t *cm;
    gw_ksub_t *s;
    mq_coord_offsets_t *o;

    r->topics = mq_pcalloc(&kr->pool, (size_t)(nt + 1) * sizeof(kf_topic_part_errors_t));
    r->n_topics = nt;
    for (int32_t t = 0; t < nt; t++)
        total += q->topics[t].n_partitions > 0 ? q->topics[t].n_partitions : 0;
    if (gid.p && gw_kg_elsewhere(kr, q->group_id)) {
        gid = MQ_STR_NULL;
        not_mine = 1;
    }
    slot = mq_pcalloc(&kr->pool, (size_t)(total + 1) * sizeof(int32_t));
    cm = mq_pcalloc(&kr->pool, sizeof(*cm));
    cm->slot = slot;
    cm->remote = mq_pcalloc(&kr->pool, (size_t)(total + 1) * sizeof(*cm->remote));
    cm->group = gid;
    s = gw_ksub_new(kr, MQ_OP_COORD_OFFSET_COMMIT, gw_kg_commit_done, cm, 0);
    o = &s->base.u.coord_offsets;
    o->items = mq_pcalloc(&kr->pool, (size_t)(total + 1) * sizeof(mq_coord_offset_t));
    for (int32_t t = 0; t < nt; t++) {
        const kf_offset_commit_req_topic_t *qt = &q->topics[t];
        kf_topic_part_errors_t *rt = &r->topics[t];
        int32_t np = qt->n_partitions > 0 ? qt->n_partitions : 0;
        mq_str_t topic = gw_kafka_topic_to_rmq(kr, qt->name);

        rt->name = gw_kafka_nonnull(qt->name);
        rt->partitions = mq_pcalloc(&kr->pool, (size_t)(np + 1) * sizeof(kf_part_error_t));
        rt->n_partitions = np;
        for (int32_t p = 0; p < np; p++, k++) {
            const kf_offset_commit_req_part_t *qp = &qt->partitions[p];
            const char *owner;
            int32_t queue;
            rt->partitions[p].partition_index = qp->partition_index;
            slot[k] = -1;
            if (!gid.p) {
                rt->partitions[p].error_code =
                    not_mine ? KF_ERR_NOT_COORDINATOR : KF_ERR_INVALID_GROUP_ID;
                continue;
            }
            if (!topic.p) {
                rt->partitions[p].error_code = KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            owner = gw_kafka_partition_owner(kr->kc->fe, topic, qp->partition_index, &queue);
            if (!owner) {
                rt->partitions[p].error_code = KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            if (strcmp(owner, kr->kc->fe->conf.broker_name) != 0) { /* another broker's */
                gw_kg_remote_t *x = &cm->remote[cm->n_remote++];
                x->broker = owner;
                x->topic = topic;
                x->queue = queue;
                x->offset = qp->committed_offset;
                x->err = &rt->partitions[p].error_code;
                continue;
            }
            o->items[n].queue_id = queue;
            o->items[n].topic = topic;
            o->items[n].offset = qp->committed_offset;
            o->items[n].leader_epoch = qp->committed_leader_epoch;
            o->items[n].metadata = gw_kafka_nonnull(qp->committed_metadata);
            slot[k] = n++;
        }
    }
    if (n == 0 && cm->n_remote == 0)
        return;     /* nothing the coordinator can take: the errors above are the answer */
    o->n_items = n; /* 0 with remote partitions: the coordinator only checks the member */
    o->group_id = gid;
    o->generation = q->generation_id_or_member_epoch;
    o->member_id = gw_kafka_nonnull(q->member_id);
    o->group_instance_id = gw_kafka_nonnull(q->group_instance_id);
    gw_ksub_send(s, NULL);
}

/* ---- OffsetFetch ---- */

/* Topics the group committed on, as Kafka may see them: named, not RocketMQ's own. */
static int
gw_kg_fetch_visible(gw_kreq_t *kr, mq_str_t rmq, mq_str_t *kafka)
{
    if (rmq.n == 0 || memchr(rmq.p, '%', rmq.n) || gw_kafka_topic_is_internal(kr->kc->fe, rmq))
        return 0; /* %RETRY%/%DLQ% topics of RocketMQ consumers */
    *kafka = gw_kafka_topic_from_rmq(kr, rmq);
    return kafka->p != NULL;
}

static void
gw_kg_fetch_part(gw_kreq_t *kr, kf_offset_fetch_resp_part_t *p, const mq_coord_offset_t *it)
{
    p->committed_offset = it->offset;
    p->committed_leader_epoch = it->leader_epoch;
    p->metadata = gw_kg_copy(kr, it->metadata);
    p->error_code = (int16_t)it->error;
}

/* Every partition the group committed: topics in order of first appearance. */
static void
gw_kg_fetch_all(gw_kreq_t *kr, kf_offset_fetch_resp_group_t *g, const mq_coord_offset_list_t *l)
{
    mq_str_t *rmq = mq_pcalloc(&kr->pool, (size_t)(l->n + 1) * sizeof(mq_str_t));
    int32_t *count;
    int nt = 0;

    g->topics = mq_pcalloc(&kr->pool, (size_t)(l->n + 1) * sizeof(kf_offset_fetch_resp_topic_t));
    count = mq_pcalloc(&kr->pool, (size_t)(l->n + 1) * sizeof(int32_t));
    for (int i = 0; i < l->n; i++) { /* the topics, and their partition counts */
        int t;
        mq_str_t kname;
        for (t = 0; t < nt; t++)
            if (mq_str_eq(rmq[t], l->items[i].topic))
                break;
        if (t == nt) {
            if (!gw_kg_fetch_visible(kr, l->items[i].topic, &kname))
                continue;
            rmq[nt] = l->items[i].topic;
            g->topics[nt].name = kname;
            nt++;
        }
        count[t]++;
    }
    for (int t = 0; t < nt; t++) {
        g->topics[t].partitions =
            mq_pcalloc(&kr->pool, (size_t)count[t] * sizeof(kf_offset_fetch_resp_part_t));
    }
    for (int i = 0; i < l->n; i++) {
        for (int t = 0; t < nt; t++) {
            if (mq_str_eq(rmq[t], l->items[i].topic)) {
                kf_offset_fetch_resp_part_t *p =
                    &g->topics[t].partitions[g->topics[t].n_partitions++];
                p->partition_index = l->items[i].queue_id;
                gw_kg_fetch_part(kr, p, &l->items[i]);
                break;
            }
        }
    }
    g->n_topics = nt;
}

static void
gw_kg_fetch_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_offset_fetch_resp_group_t *g = &kr->resp.u.offset_fetch.groups[s->index];
    const int32_t *slot = s->arg; /* as in OffsetCommit; NULL: every partition was asked */
    int k = 0;

    g->error_code = gw_kg_error(status, rep);
    if (!rep || g->error_code != KF_ERR_NONE)
        return;
    if (!slot) {
        gw_kg_fetch_all(kr, g, &rep->u.coord_offsets);
        return;
    }
    for (int32_t t = 0; t < g->n_topics; t++) {
        for (int32_t p = 0; p < g->topics[t].n_partitions; p++, k++) {
            int32_t i = slot[k];
            if (i >= 0 && rep->u.coord_offsets.items && i < rep->u.coord_offsets.n)
                gw_kg_fetch_part(kr, &g->topics[t].partitions[p], &rep->u.coord_offsets.items[i]);
        }
    }
}

static void
gw_kg_fetch_group(gw_kreq_t *kr, int gi)
{
    const kf_offset_fetch_req_group_t *q = &kr->req.u.offset_fetch.groups[gi];
    kf_offset_fetch_resp_group_t *g = &kr->resp.u.offset_fetch.groups[gi];
    mq_str_t gid = gw_kafka_group_to_rmq(kr, q->group_id);
    int32_t nt = q->n_topics, total = 0, n = 0, k = 0, *slot = NULL;
    gw_ksub_t *s;
    mq_coord_offsets_t *o;

    g->group_id = gw_kafka_nonnull(q->group_id);
    if (!gid.p || gw_kg_elsewhere(kr, q->group_id)) {
        g->error_code = gid.p ? KF_ERR_NOT_COORDINATOR : KF_ERR_INVALID_GROUP_ID;
        return;
    }
    if (nt < 0) { /* every topic */
        s = gw_ksub_new(kr, MQ_OP_COORD_OFFSET_FETCH, gw_kg_fetch_done, NULL, gi);
        s->base.u.coord_offsets.group_id = gid;
        s->base.u.coord_offsets.generation = -1;
        s->base.u.coord_offsets.n_items = -1;
        gw_ksub_send(s, NULL);
        return;
    }
    for (int32_t t = 0; t < nt; t++)
        total += q->topics[t].partition_indexes.n > 0 ? q->topics[t].partition_indexes.n : 0;
    slot = mq_pcalloc(&kr->pool, (size_t)(total + 1) * sizeof(int32_t));
    s = gw_ksub_new(kr, MQ_OP_COORD_OFFSET_FETCH, gw_kg_fetch_done, slot, gi);
    o = &s->base.u.coord_offsets;
    o->group_id = gid;
    o->generation = -1;
    o->items = mq_pcalloc(&kr->pool, (size_t)(total + 1) * sizeof(mq_coord_offset_t));
    g->topics = mq_pcalloc(&kr->pool, (size_t)(nt + 1) * sizeof(kf_offset_fetch_resp_topic_t));
    g->n_topics = nt;
    for (int32_t t = 0; t < nt; t++) {
        const kf_offset_fetch_req_topic_t *qt = &q->topics[t];
        kf_offset_fetch_resp_topic_t *rt = &g->topics[t];
        int32_t np = qt->partition_indexes.n > 0 ? qt->partition_indexes.n : 0;
        mq_str_t topic = gw_kafka_topic_to_rmq(kr, qt->name);

        rt->name = gw_kafka_nonnull(qt->name);
        rt->partitions = mq_pcalloc(&kr->pool, (size_t)(np + 1) * sizeof(*rt->partitions));
        rt->n_partitions = np;
        for (int32_t p = 0; p < np; p++, k++) {
            kf_offset_fetch_resp_part_t *rp = &rt->partitions[p];
            const char *owner;
            int32_t queue;
            rp->partition_index = qt->partition_indexes.v[p];
            rp->committed_offset = -1; /* Kafka: no offset, no error */
            rp->committed_leader_epoch = -1;
            rp->metadata = MQ_STR("");
            slot[k] = -1;
            owner = topic.p
                        ? gw_kafka_partition_owner(kr->kc->fe, topic, rp->partition_index, &queue)
                        : NULL;
            if (!owner)
                continue;
            if (strcmp(owner, kr->kc->fe->conf.broker_name) != 0) { /* the owner knows it */
                gw_kafka_forward_fetch(kr, owner, gid, topic, queue, rp);
                continue;
            }
            o->items[n].queue_id = queue;
            o->items[n].topic = topic;
            slot[k] = n++;
        }
    }
    if (n == 0)
        return;
    o->n_items = n;
    gw_ksub_send(s, NULL);
}

void
gw_kafka_offset_fetch(gw_kreq_t *kr)
{
    const kf_offset_fetch_req_t *q = &kr->req.u.offset_fetch;
    kf_offset_fetch_resp_t *r = &kr->resp.u.offset_fetch;
    int32_t n = q->n_groups > 0 ? q->n_groups : 0;

    r->groups = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_offset_fetch_resp_group_t));
    r->n_groups = n;
    for (int32_t i = 0; i < n; i++)
        gw_kg_fetch_group(kr, i);
}

/* ---- ListGroups ---- */

static void
gw_kg_list_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_list_groups_resp_t *r = &kr->resp.u.list_groups;
    const mq_coord_groups_t *l;

    r->error_code = gw_kg_error(status, rep);
    if (!rep || r->error_code != KF_ERR_NONE)
        return;
    l = &rep->u.coord_groups;
    r->groups = mq_pcalloc(&kr->pool, (size_t)(l->n + 1) * sizeof(kf_listed_group_t));
    for (int i = 0; i < l->n; i++) {
        kf_listed_group_t *g = &r->groups[r->n_groups];
        g->group_id = gw_kafka_group_from_rmq(kr, l->groups[i].group_id);
        if (!g->group_id.p)
            continue; /* a RocketMQ group Kafka cannot name */
        g->protocol_type = gw_kg_copy(kr, l->groups[i].protocol_type);
        g->group_state = mq_str_from_cstr(mq_coord_state_name(l->groups[i].state));
        r->n_groups++;
    }
}

void
gw_kafka_list_groups(gw_kreq_t *kr)
{
    const kf_list_groups_req_t *q = &kr->req.u.list_groups;
    gw_ksub_t *s = gw_ksub_new(kr, MQ_OP_COORD_LIST, gw_kg_list_done, NULL, 0);

    if (q->states_filter.n > 0) {
        s->base.u.coord_list.states = q->states_filter.v;
        s->base.u.coord_list.n_states = q->states_filter.n;
    }
    if (q->types_filter.n > 0) {
        s->base.u.coord_list.types = q->types_filter.v;
        s->base.u.coord_list.n_types = q->types_filter.n;
    }
    gw_ksub_send(s, NULL);
}

/* ---- DescribeGroups, DeleteGroups ---- */

/* The client's group ids mapped for the coordinator: slot[i] = index in the op, -1: refused. */
static gw_ksub_t *
gw_kg_groups_op(gw_kreq_t *kr, mq_op_t op, gw_ksub_fn done, const kf_strs_t *ids, int16_t *errors)
{
    int32_t n = ids->n > 0 ? ids->n : 0, m = 0;
    int32_t *slot = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(int32_t));
    gw_ksub_t *s = gw_ksub_new(kr, op, done, slot, 0);
    mq_str_list_t *l = &s->base.u.coord_groups;

    l->items = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(mq_str_t));
    for (int32_t i = 0; i < n; i++) {
        mq_str_t gid = gw_kafka_group_to_rmq(kr, ids->v[i]);
        slot[i] = -1;
        if (!gid.p) {
            errors[i] = KF_ERR_INVALID_GROUP_ID;
            continue;
        }
        l->items[m] = gid;
        slot[i] = m++;
    }
    l->n = m;
    return m > 0 ? s : NULL;
}

static void
gw_kg_describe_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_describe_groups_resp_t *r = &kr->resp.u.describe_groups;
    const int32_t *slot = s->arg;
    int16_t err = gw_kg_error(status, rep);

    for (int32_t i = 0; i < r->n_groups; i++) {
        kf_described_group_t *g = &r->groups[i];
        const mq_coord_group_t *c;
        if (slot[i] < 0)
            continue;
        if (!rep || !rep->u.coord_groups.groups || slot[i] >= rep->u.coord_groups.n) {
            g->error_code = err != KF_ERR_NONE ? err : KF_ERR_UNKNOWN_SERVER_ERROR;
            continue;
        }
        c = &rep->u.coord_groups.groups[slot[i]];
        g->error_code = (int16_t)c->error;
        g->group_state = mq_str_from_cstr(mq_coord_state_name(c->state));
        g->protocol_type = gw_kg_copy(kr, c->protocol_type);
        g->protocol_data = gw_kg_copy(kr, c->protocol_name);
        if (c->n_members > 0 && c->members) {
            g->members = mq_pcalloc(&kr->pool, (size_t)c->n_members * sizeof(*g->members));
            g->n_members = c->n_members;
            for (int j = 0; j < c->n_members; j++) {
                const mq_coord_member_t *cm = &c->members[j];
                kf_described_member_t *m = &g->members[j];
                m->member_id = gw_kg_copy(kr, cm->member_id);
                m->group_instance_id = gw_kg_opt(kr, cm->group_instance_id);
                m->client_id = gw_kg_copy(kr, cm->client_id);
                m->client_host = gw_kg_copy(kr, cm->client_host);
                m->member_metadata = gw_kg_copy(kr, cm->metadata);
                m->member_assignment = gw_kg_copy(kr, cm->assignment);
            }
        }
    }
}

void
gw_kafka_describe_groups(gw_kreq_t *kr)
{
    const kf_describe_groups_req_t *q = &kr->req.u.describe_groups;
    kf_describe_groups_resp_t *r = &kr->resp.u.describe_groups;
    int32_t n = q->groups.n > 0 ? q->groups.n : 0;
    int16_t *errors = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(int16_t));
    gw_ksub_t *s;

    r->groups = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_described_group_t));
    r->n_groups = n;
    s = gw_kg_groups_op(kr, MQ_OP_COORD_DESCRIBE, gw_kg_describe_done, &q->groups, errors);
    for (int32_t i = 0; i < n; i++) {
        kf_described_group_t *g = &r->groups[i];
        g->error_code = errors[i];
        g->group_id = gw_kafka_nonnull(q->groups.v[i]);
        g->group_state = MQ_STR("Dead");
        g->protocol_type = MQ_STR("");
        g->protocol_data = MQ_STR("");
        g->authorized_operations = KF_AUTHORIZED_OPS_NONE;
    }
    if (s)
        gw_ksub_send(s, NULL);
}

static void
gw_kg_delete_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_delete_groups_resp_t *r = &kr->resp.u.delete_groups;
    const int32_t *slot = s->arg;
    int16_t err = gw_kg_error(status, rep);

    for (int32_t i = 0; i < r->n_results; i++) {
        if (slot[i] < 0)
            continue;
        if (rep && rep->u.coord_groups.groups && slot[i] < rep->u.coord_groups.n)
            r->results[i].error_code = (int16_t)rep->u.coord_groups.groups[slot[i]].error;
        else
            r->results[i].error_code = err != KF_ERR_NONE ? err : KF_ERR_UNKNOWN_SERVER_ERROR;
    }
}

void
gw_kafka_delete_groups(gw_kreq_t *kr)
{
    const kf_delete_groups_req_t *q = &kr->req.u.delete_groups;
    kf_delete_groups_resp_t *r = &kr->resp.u.delete_groups;
    int32_t n = q->groups_names.n > 0 ? q->groups_names.n : 0;
    int16_t *errors = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(int16_t));
    gw_ksub_t *s;

    r->results = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_group_result_t));
    r->n_results = n;
    s = gw_kg_groups_op(kr, MQ_OP_COORD_DELETE, gw_kg_delete_done, &q->groups_names, errors);
    for (int32_t i = 0; i < n; i++) {
        r->results[i].group_id = gw_kafka_nonnull(q->groups_names.v[i]);
        r->results[i].error_code = errors[i];
    }
    if (s)
        gw_ksub_send(s, NULL);
}
