/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_meta.c -- ApiVersions and Metadata.
 *
 * Metadata reads the broker's topic table (TOPIC_CONFIG_LIST), creates the requested topics it
 * lacks when auto.create.topics.enable and the request allow it (TOPIC_UPSERT with
 * num.partitions queues, as Kafka's auto-creation does), then answers: this broker with its
 * Kafka node id, and each topic's queues as partitions led by it (docs/kafka-compatibility.md).
 * RocketMQ's own topics (TBW102, RMQ_SYS_*, ...) are listed as internal.
 *
 * With NameServer routes (fe->ns and fe->layout): the cluster's brokers (GET_CLUSTER_INFO)
 * and each topic's route (GET_ROUTE) are asked at the same time as the table. Every broker of
 * this cluster with a Kafka listener is listed; a topic's partitions follow the stable layout
 * (gw_klayout.h), each led by the broker that owns the queue, or without a leader
 * (LEADER_NOT_AVAILABLE) while that broker is away. A topic that exists on another broker is
 * not auto-created here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_kafka_int.h"
#include "gw_klayout.h"
#include "mq/log.h"

void
gw_kafka_api_versions(gw_kreq_t *kr)
{
    /* The encoder lists the advertised versions of kf_api.def. */
    kr->resp.u.api_versions.error_code = KF_ERR_NONE;
}

#define GW_KMETA_MAX_ROUTES 1024 /* topics whose routes one Metadata asks for */

/* What the NameServer says of one topic: which brokers host how many queues. */
typedef struct gw_kroute_s {
    mq_str_t rmq;     /* the topic */
    int status;       /* of GET_ROUTE (MQ_ENOENT: no broker has it) */
    mq_route_t route; /* copied into kr->pool */
} gw_kroute_t;

typedef struct gw_kmeta_s {
    mq_topic_info_t *topics; /* the broker's table, copied */
    int n_topics;
    int phase; /* 0: table asked, 1: creations asked, 2: table asked again */
    int status;
    int all_pending;     /* with routes, every topic: the routes are not asked yet */
    gw_kroute_t *routes; /* with routes: one per requested (or listed) topic */
    int n_routes, cap_routes;
} gw_kmeta_t;

static void
gw_kmeta_table_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kmeta_t *st = s->arg;
    gw_kreq_t *kr = s->kr;
    st->status = status;
    if (status != MQ_OK)
        return;
    st->n_topics = rep->u.topics.n;
    st->topics = mq_palloc(&kr->pool, (size_t)(st->n_topics + 1) * sizeof(*st->topics));
    for (int i = 0; i < st->n_topics; i++) {
        st->topics[i] = rep->u.topics.topics[i];
        st->topics[i].conf.name = gw_kafka_dup(kr, rep->u.topics.topics[i].conf.name);
    }
}

static void
gw_kmeta_ask_table(gw_kreq_t *kr, gw_kmeta_t *st)
{
    gw_ksub_t *s = gw_ksub_new(kr, MQ_OP_TOPIC_CONFIG_LIST, gw_kmeta_table_done, st, 0);
    gw_ksub_send(s, NULL);
}

static const mq_topic_info_t *
gw_kmeta_find(const gw_kmeta_t *st, mq_str_t rmq)
{
    for (int i = 0; i < st->n_topics; i++)
        if (mq_str_eq(st->topics[i].conf.name, rmq))
            return &st->topics[i];
    return NULL;
}

/* ---- NameServer routes ---- */

static void
gw_kmeta_cluster_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    if (status == MQ_OK && rep)
        gw_kcluster_update(s->kr->kc->fe, &rep->u.cluster);
}

static void
gw_kmeta_route_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kmeta_t *st = s->arg;
    gw_kreq_t *kr = s->kr;
    gw_kroute_t *r = &st->routes[s->index];
    r->status = status;
    if (status != MQ_OK || !rep)
        return;
    r->route.n_brokers = rep->u.route.n_brokers;
    r->route.brokers =
        mq_pcalloc(&kr->pool, (size_t)(r->route.n_brokers + 1) * sizeof(*r->route.brokers));
    for (int i = 0; i < r->route.n_brokers; i++) {
        const mq_route_broker_t *b = &rep->u.route.brokers[i];
        r->route.brokers[i].broker_name = gw_kafka_dup(kr, b->broker_name);
        r->route.brokers[i].cluster = gw_kafka_dup(kr, b->cluster);
        r->route.brokers[i].kafka_listener = gw_kafka_dup(kr, b->kafka_listener);
        r->route.brokers[i].kafka_node_id = b->kafka_listener.n ? b->kafka_node_id : -1;
    }
    r->route.n_queues = rep->u.route.n_queues;
    r->route.queues =
        mq_pcalloc(&kr->pool, (size_t)(r->route.n_queues + 1) * sizeof(*r->route.queues));
    for (int i = 0; i < r->route.n_queues; i++) {
        r->route.queues[i] = rep->u.route.queues[i];
        r->route.queues[i].broker_name = gw_kafka_dup(kr, rep->u.route.queues[i].broker_name);
    }
}

/* Asks for a topic's route (once per topic per request). */
static void
gw_kmeta_ask_route(gw_kreq_t *kr, gw_kmeta_t *st, mq_str_t rmq)
{
    gw_ksub_t *s;
    gw_kroute_t *r;
    for (int i = 0; i < st->n_routes; i++)
        if (mq_str_eq(st->routes[i].rmq, rmq))
            return;
    if (st->n_routes == st->cap_routes) { /* grow in the pool; answers index the array */
        gw_kroute_t *grown;
        if (st->cap_routes == GW_KMETA_MAX_ROUTES)
            return;
        st->cap_routes = st->cap_routes ? MQ_MIN(st->cap_routes * 2, GW_KMETA_MAX_ROUTES) : 8;
        grown = mq_pcalloc(&kr->pool, (size_t)st->cap_routes * sizeof(*grown));
        if (st->n_routes)
            memcpy(grown, st->routes, (size_t)st->n_routes * sizeof(*grown));
        st->routes = grown;
    }
    r = &st->routes[st->n_routes];
    r->rmq = rmq;
    r->status = MQ_EIO;
    s = gw_ksub_new(kr, MQ_OP_GET_ROUTE, gw_kmeta_route_done, st, st->n_routes++);
    s->base.u.get_route.topic = rmq;
    gw_ksub_send(s, kr->kc->fe->ns);
}

static void
gw_kmeta_ask_route_cb(void *arg, mq_str_t rmq)
{
    gw_kreq_t *kr = arg;
    gw_kmeta_ask_route(kr, kr->state, gw_kafka_dup(kr, rmq));
}

static const gw_kroute_t *
gw_kmeta_route(const gw_kmeta_t *st, mq_str_t rmq)
{
    for (int i = 0; i < st->n_routes; i++)
        if (mq_str_eq(st->routes[i].rmq, rmq))
            return &st->routes[i];
    return NULL;
}

/* Does the layout number partitions of another broker for the topic? */
static int
gw_kmeta_layout_shared(const gw_kafka_t *fe, mq_str_t rmq)
{
    const gw_ktopic_layout_t *lay = fe->layout ? gw_klayout_get(fe->layout, rmq) : NULL;
    for (int i = 0; lay && i < lay->n_segs; i++)
        if (strcmp(lay->segs[i].broker, fe->conf.broker_name) != 0)
            return 1;
    return 0;
}

/* Is the topic hosted by another broker (the NameServer has a route for it, or the layout
 * remembers one that is away)? */
static int
gw_kmeta_exists_elsewhere(const gw_kreq_t *kr, const gw_kmeta_t *st, mq_str_t rmq)
{
    const gw_kroute_t *r = gw_kmeta_route(st, rmq);
    if (r && (r->status == MQ_OK ? r->route.n_queues > 0 : r->status != MQ_ENOENT))
        return 1;
    return gw_kmeta_layout_shared(kr->kc->fe, rmq);
}

/* Partitions over several brokers: the layout updated with the route and this broker's own
 * queues (which the NameServer may not know yet). */
static void
gw_kmeta_partitions_layout(gw_kreq_t *kr, const gw_kmeta_t *st, const mq_topic_info_t *t,
                           mq_str_t rmq, kf_metadata_resp_topic_t *out)
{
    gw_kafka_t *fe = kr->kc->fe;
    const gw_kafka_conf_t *conf = &fe->conf;
    const gw_kroute_t *r = gw_kmeta_route(st, rmq);
    mq_route_t merged;
    const gw_ktopic_layout_t *lay;
    int n = r && r->status == MQ_OK ? r->route.n_queues : 0;
    int32_t local = t ? gw_kafka_partitions(&t->conf) : 0;

    memset(&merged, 0, sizeof(merged));
    merged.queues = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(*merged.queues));
    merged.brokers = r && r->status == MQ_OK ? r->route.brokers : NULL;
    merged.n_brokers = r && r->status == MQ_OK ? r->route.n_brokers : 0;
    for (int i = 0; i < n; i++)
        if (!mq_str_eq_cstr(r->route.queues[i].broker_name, conf->broker_name))
            merged.queues[merged.n_queues++] = r->route.queues[i];
    if (local > 0) {
        mq_route_queue_t *q = &merged.queues[merged.n_queues++];
        q->broker_name = mq_str_from_cstr(conf->broker_name);
        q->read_queues = q->write_queues = local;
        q->perm = 6;
    }
    if (!gw_kmeta_layout_shared(fe, rmq) && merged.n_queues == 1 && local > 0) {
        /* this broker alone: partitions are its queues, whatever was remembered before (a
         * topic deleted and created again with fewer queues) */
        const gw_ktopic_layout_t *old = gw_klayout_get(fe->layout, rmq);
        if (old && old->n_partitions != local)
            gw_klayout_forget(fe->layout, rmq);
    }
    lay = gw_klayout_update(fe->layout, rmq, &merged);
    /* our own node id is not in the route until the NameServer has our registration */
    out->n_partitions = lay->n_partitions;
    out->partitions =
        mq_pcalloc(&kr->pool, (size_t)(lay->n_partitions + 1) * sizeof(*out->partitions));
    for (int32_t p = 0; p < lay->n_partitions; p++) {
        kf_metadata_resp_part_t *o = &out->partitions[p];
        int32_t queue = 0, leader = -1, *node;
        const gw_kseg_t *seg = gw_klayout_locate(lay, p, &queue);
        int64_t known = seg ? seg->node_id : -1;
        if (seg && strcmp(seg->broker, conf->broker_name) == 0) {
            known = conf->node_id;
            if (queue < local)
                leader = conf->node_id;
        } else if (seg) { /* live: in the route with the queue, and a Kafka listener */
            const gw_kbroker_t *kb = gw_kcluster_broker(fe, seg->broker);
            for (int i = 0; i < merged.n_queues && kb; i++) {
                const mq_route_queue_t *q = &merged.queues[i];
                if (mq_str_eq_cstr(q->broker_name, seg->broker) &&
                    queue < (q->read_queues > q->write_queues ? q->read_queues : q->write_queues))
                    leader = kb->node_id;
            }
        }
        o->partition_index = p;
        o->leader_id = leader;
        o->leader_epoch = -1;
        o->error_code = leader >= 0 ? KF_ERR_NONE : KF_ERR_LEADER_NOT_AVAILABLE;
        node = mq_palloc(&kr->pool, sizeof(*node));
        *node = (int32_t)known;
        o->replica_nodes = known >= 0 ? (kf_i32s_t){node, 1} : (kf_i32s_t){NULL, 0};
        o->isr_nodes = leader >= 0 ? (kf_i32s_t){node, 1} : (kf_i32s_t){NULL, 0};
        o->offline_replicas =
            leader < 0 && known >= 0 ? (kf_i32s_t){node, 1} : (kf_i32s_t){NULL, 0};
    }
}

static void
gw_kmeta_partitions(gw_kreq_t *kr, const mq_topic_info_t *t, kf_metadata_resp_topic_t *out)
{
    const gw_kafka_conf_t *conf = &kr->kc->fe->conf;
    int32_t n = gw_kafka_partitions(&t->conf);
    int32_t *node = mq_palloc(&kr->pool, sizeof(*node));
    *node = conf->node_id;
    out->partitions = mq_pcalloc(&kr->pool, (size_t)(n > 0 ? n : 1) * sizeof(*out->partitions));
    out->n_partitions = n;
    for (int32_t i = 0; i < n; i++) {
        kf_metadata_resp_part_t *p = &out->partitions[i];
        p->error_code = KF_ERR_NONE;
        p->partition_index = i;
        p->leader_id = conf->node_id;
        p->leader_epoch = -1; /* no leader epochs (docs/kafka-compatibility.md) */
        p->replica_nodes = (kf_i32s_t){node, 1};
        p->isr_nodes = (kf_i32s_t){node, 1};
        p->offline_replicas = (kf_i32s_t){NULL, 0};
    }
}

static void
gw_kmeta_topic(gw_kreq_t *kr, const gw_kmeta_t *st, mq_str_t kafka_name,
               kf_metadata_resp_topic_t *out)
{
    mq_str_t rmq = gw_kafka_topic_to_rmq(kr, kafka_name);
    const mq_topic_info_t *t = rmq.p ? gw_kmeta_find(st, rmq) : NULL;
    int cluster = kr->kc->fe->ns && kr->kc->fe->layout;
    memset(out, 0, sizeof(*out));
    out->name = kafka_name;
    out->topic_authorized_operations = KF_AUTHORIZED_OPS_NONE;
    if (!rmq.p) {
        out->error_code = KF_ERR_INVALID_TOPIC_EXCEPTION;
        return;
    }
    if (!t && !(cluster && gw_kmeta_exists_elsewhere(kr, st, rmq))) {
        out->error_code = KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    out->is_internal = (uint8_t)gw_kafka_topic_is_internal(kr->kc->fe, rmq);
    if (cluster)
        gw_kmeta_partitions_layout(kr, st, t, rmq, out);
    else
        gw_kmeta_partitions(kr, t, out);
}

static void
gw_kmeta_created(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    (void)rep;
    if (status != MQ_OK)
        MQ_LOG_WARN("kafka", "%s: auto-creating topic %s failed: %s", gw_conn_peer(s->kr->kc->conn),
                    s->base.u.topic_info.conf.name.p, mq_err_name(status));
}

/* Phase 0 -> 1: creates the requested topics the table lacks (when allowed). Returns the
 * number of creations started. */
static int
gw_kmeta_auto_create(gw_kreq_t *kr, gw_kmeta_t *st)
{
    const kf_metadata_req_t *rq = &kr->req.u.metadata;
    const gw_kafka_conf_t *conf = &kr->kc->fe->conf;
    int started = 0;
    if (!conf->auto_create || !rq->allow_auto_topic_creation || rq->n_topics <= 0)
        return 0;
    for (int i = 0; i < rq->n_topics; i++) {
        mq_str_t rmq = gw_kafka_topic_to_rmq(kr, rq->topics[i].name);
        gw_ksub_t *s;
        int dup = 0;
        if (!rmq.p || gw_kmeta_find(st, rmq) || gw_kmeta_exists_elsewhere(kr, st, rmq))
            continue;
        for (int j = 0; j < i; j++)
            if (mq_str_eq(rq->topics[j].name, rq->topics[i].name))
                dup = 1;
        if (dup)
            continue;
        s = gw_ksub_new(kr, MQ_OP_TOPIC_UPSERT, gw_kmeta_created, st, i);
        s->base.u.topic_info.conf.name = rmq;
        s->base.u.topic_info.conf.read_queues = conf->num_partitions;
        s->base.u.topic_info.conf.write_queues = conf->num_partitions;
        s->base.u.topic_info.conf.perm = 6; /* read + write */
        s->base.u.topic_info.filter_type = MQ_STR("SINGLE_TAG");
        gw_ksub_send(s, NULL);
        started++;
    }
    return started;
}

static void
gw_kmeta_finish(gw_kreq_t *kr)
{
    gw_kmeta_t *st = kr->state;
    const kf_metadata_req_t *rq = &kr->req.u.metadata;
    kf_metadata_resp_t *rp = &kr->resp.u.metadata;
    gw_kafka_t *fe = kr->kc->fe;
    const gw_kafka_conf_t *conf = &fe->conf;
    int all = rq->n_topics < 0 || (kr->req.hdr.api_version == 0 && rq->n_topics == 0);

    if (st->all_pending) { /* every topic: the routes of the local ones and of known layouts */
        uint64_t sent = kr->sent;
        st->all_pending = 0;
        for (int i = 0; i < st->n_topics; i++)
            gw_kmeta_ask_route(kr, st, st->topics[i].conf.name);
        gw_klayout_each(kr->kc->fe->layout, gw_kmeta_ask_route_cb, kr);
        if (kr->sent != sent)
            return; /* called again once they are answered */
    }
    if (st->phase == 0 && st->status == MQ_OK && !all && gw_kmeta_auto_create(kr, st) > 0) {
        st->phase = 1;
        return; /* called again when they are done */
    }
    if (st->phase == 1) {
        st->phase = 2;
        gw_kmeta_ask_table(kr, st);
        return;
    }
    rp->brokers = mq_pcalloc(&kr->pool, (size_t)(fe->cluster.n_brokers + 1) * sizeof(*rp->brokers));
    rp->n_brokers = 1;
    rp->brokers[0].node_id = conf->node_id;
    rp->brokers[0].host = mq_str_from_cstr(conf->host);
    rp->brokers[0].port = conf->port;
    rp->brokers[0].rack = MQ_STR_NULL;
    for (int i = 0; i < fe->cluster.n_brokers && fe->ns; i++) {
        const gw_kbroker_t *b = &fe->cluster.brokers[i];
        if (rp->n_brokers > 1 && rp->brokers[rp->n_brokers - 1].node_id == b->node_id)
            continue; /* a node id twice (a misconfigured node.id): the first wins */
        rp->brokers[rp->n_brokers].node_id = b->node_id;
        rp->brokers[rp->n_brokers].host = gw_kafka_dup(kr, mq_str_from_cstr(b->host));
        rp->brokers[rp->n_brokers].port = b->port;
        rp->brokers[rp->n_brokers].rack = MQ_STR_NULL;
        rp->n_brokers++;
    }
    rp->cluster_id = mq_str_from_cstr(conf->cluster_id);
    rp->controller_id = conf->node_id;
    rp->cluster_authorized_operations = KF_AUTHORIZED_OPS_NONE;
    if (all) {
        rp->topics =
            mq_pcalloc(&kr->pool, (size_t)(st->n_topics + st->n_routes + 1) * sizeof(*rp->topics));
        for (int i = 0; i < st->n_topics; i++) {
            mq_str_t name = gw_kafka_topic_from_rmq(kr, st->topics[i].conf.name);
            if (!name.p)
                continue; /* no Kafka name (docs/kafka-compatibility.md, Names) */
            gw_kmeta_topic(kr, st, name, &rp->topics[rp->n_topics++]);
        }
        for (int i = 0; i < st->n_routes; i++) { /* topics only other brokers have */
            mq_str_t name;
            if (gw_kmeta_find(st, st->routes[i].rmq) ||
                !gw_kmeta_exists_elsewhere(kr, st, st->routes[i].rmq))
                continue;
            name = gw_kafka_topic_from_rmq(kr, st->routes[i].rmq);
            if (name.p)
                gw_kmeta_topic(kr, st, name, &rp->topics[rp->n_topics++]);
        }
        return;
    }
    rp->topics = mq_pcalloc(&kr->pool, (size_t)(rq->n_topics + 1) * sizeof(*rp->topics));
    rp->n_topics = rq->n_topics;
    for (int i = 0; i < rq->n_topics; i++) {
        gw_kmeta_topic(kr, st, rq->topics[i].name, &rp->topics[i]);
        if (st->status != MQ_OK)
            rp->topics[i].error_code = KF_ERR_LEADER_NOT_AVAILABLE;
    }
}

void
gw_kafka_metadata(gw_kreq_t *kr)
{
    gw_kmeta_t *st = mq_pcalloc(&kr->pool, sizeof(*st));
    const kf_metadata_req_t *rq = &kr->req.u.metadata;
    for (int i = 0; i < rq->n_topics; i++)
        if (!rq->topics[i].name.p) { /* v10+ lookup by topic id: we have no topic ids */
            rq->topics[i].name = MQ_STR("");
        }
    kr->state = st;
    kr->finish = gw_kmeta_finish;
    gw_kmeta_ask_table(kr, st);
    if (kr->kc->fe->ns && kr->kc->fe->layout) {
        gw_ksub_t *s = gw_ksub_new(kr, MQ_OP_GET_CLUSTER_INFO, gw_kmeta_cluster_done, st, 0);
        gw_ksub_send(s, kr->kc->fe->ns);
        for (int i = 0; i < rq->n_topics; i++) {
            mq_str_t rmq = gw_kafka_topic_to_rmq(kr, rq->topics[i].name);
            if (rmq.p)
                gw_kmeta_ask_route(kr, st, rmq);
        }
        st->all_pending = rq->n_topics < 0 || (kr->req.hdr.api_version == 0 && rq->n_topics == 0);
    }
}
