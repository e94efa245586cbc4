/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_meta.c -- ApiVersions and Metadata.
 *
 * Metadata reads the broker's topic table (TOPIC_CONFIG_LIST), creates the requested topics it
 * lacks when auto.create.topics.enable and the request allow it (TOPIC_UPSERT with
 * num.partitions queues, as Kafka's auto-creation does), then answers: this broker with its
 * Kafka node id, and each topic's queues as partitions led by it (docs/kafka-compatibility.md).
 * RocketMQ's own topics (TBW102, RMQ_SYS_*, ...) are listed as internal.
 */
#include <string.h>

#include "gw_kafka_int.h"
#include "mq/log.h"

void
gw_kafka_api_versions(gw_kreq_t *kr)
{
    /* The encoder lists the advertised versions of kf_api.def. */
    kr->resp.u.api_versions.error_code = KF_ERR_NONE;
}

typedef struct gw_kmeta_s {
    mq_topic_info_t *topics; /* the broker's table, copied */
    int n_topics;
    int phase; /* 0: table asked, 1: creations asked, 2: table asked again */
    int status;
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
    memset(out, 0, sizeof(*out));
    out->name = kafka_name;
    out->topic_authorized_operations = KF_AUTHORIZED_OPS_NONE;
    if (!rmq.p) {
        out->error_code = KF_ERR_INVALID_TOPIC_EXCEPTION;
        return;
    }
    if (!t) {
        out->error_code = KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    out->is_internal = (uint8_t)gw_kafka_topic_is_internal(kr->kc->fe, rmq);
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
        if (!rmq.p || gw_kmeta_find(st, rmq))
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
    const gw_kafka_conf_t *conf = &kr->kc->fe->conf;
    int all = rq->n_topics < 0 || (kr->req.hdr.api_version == 0 && rq->n_topics == 0);

    if (st->phase == 0 && st->status == MQ_OK && !all && gw_kmeta_auto_create(kr, st) > 0) {
        st->phase = 1;
        return; /* called again when they are done */
    }
    if (st->phase == 1) {
        st->phase = 2;
        gw_kmeta_ask_table(kr, st);
        return;
    }
    rp->brokers = mq_pcalloc(&kr->pool, sizeof(*rp->brokers));
    rp->n_brokers = 1;
    rp->brokers[0].node_id = conf->node_id;
    rp->brokers[0].host = mq_str_from_cstr(conf->host);
    rp->brokers[0].port = conf->port;
    rp->brokers[0].rack = MQ_STR_NULL;
    rp->cluster_id = mq_str_from_cstr(conf->cluster_id);
    rp->controller_id = conf->node_id;
    rp->cluster_authorized_operations = KF_AUTHORIZED_OPS_NONE;
    if (all) {
        rp->topics = mq_pcalloc(&kr->pool, (size_t)(st->n_topics + 1) * sizeof(*rp->topics));
        for (int i = 0; i < st->n_topics; i++) {
            mq_str_t name = gw_kafka_topic_from_rmq(kr, st->topics[i].conf.name);
            if (!name.p)
                continue; /* no Kafka name (docs/kafka-compatibility.md, Names) */
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
}
