/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_admin.c -- the Kafka topic and cluster admin APIs: CreateTopics, DeleteTopics,
 * CreatePartitions (TOPIC_CONFIG_GET, then TOPIC_UPSERT or TOPIC_DELETE), DescribeConfigs (a
 * small fixed set of topic and broker configs; the retention comes from the broker's
 * fileReservedTime through BROKER_CONFIG_GET) and DescribeCluster (this broker alone).
 *
 * A Kafka topic is a RocketMQ topic with as many read and write queues as partitions,
 * perm 6 (read + write) and filter type SINGLE_TAG; replication is always 1. Each topic of a
 * request is checked on its own and answered with its own error, as Kafka does; names in
 * responses are the client's, byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_kafka_int.h"
#include "gw_klayout.h"

#define GW_KA_MAX_PARTITIONS 65535           /* the broker's queue limit */
#define GW_KA_RETENTION_MS_DEFAULT 259200000 /* 72 h, the store's fileReservedTime default */

/* Kafka error codes kf_api.h does not define (Kafka's ErrorCode numbers). */
#define GW_KA_ERR_INVALID_REPLICA_ASSIGNMENT 39
#define GW_KA_ERR_UNKNOWN_TOPIC_ID 100

/* Kafka's ConfigSource and ConfigType values (DescribeConfigs). */
#define GW_KA_SRC_STATIC_BROKER 4
#define GW_KA_SRC_DEFAULT 5
#define GW_KA_TYPE_BOOLEAN 1
#define GW_KA_TYPE_STRING 2
#define GW_KA_TYPE_INT 3
#define GW_KA_TYPE_LONG 5
#define GW_KA_TYPE_LIST 7

/* A formatted message in kr->pool. */
static mq_str_t
gw_ka_msg(gw_kreq_t *kr, const char *fmt, int a, int b)
{
    char buf[160];
    int n = snprintf(buf, sizeof(buf), fmt, a, b);
    if (n < 0)
        return MQ_STR_NULL;
    if ((size_t)n >= sizeof(buf))
        n = (int)sizeof(buf) - 1;
    return gw_kafka_dup(kr, (mq_str_t){buf, (size_t)n});
}

/* The Kafka error of a failed TOPIC_UPSERT / TOPIC_DELETE. */
static int16_t
gw_ka_error(int status)
{
    return status == MQ_EINVAL ? KF_ERR_INVALID_REQUEST : gw_kafka_error(status);
}

/* ---- CreateTopics ---- */

static void
gw_ka_create_fail(kf_created_topic_t *t, int16_t error, mq_str_t message)
{
    t->error_code = error;
    t->error_message = message;
    t->num_partitions = -1;
    t->replication_factor = -1;
    t->n_configs = -1;
}

static void
gw_ka_create_upserted(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    kf_created_topic_t *t = &s->kr->resp.u.create_topics.topics[s->index];
    if (status != MQ_OK)
        gw_ka_create_fail(t, gw_ka_error(status), gw_kafka_rep_text(s->kr, rep));
}

static void
gw_ka_create_checked(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_created_topic_t *t = &kr->resp.u.create_topics.topics[s->index];
    mq_str_t rmq = s->base.u.topic;
    gw_ksub_t *up;
    mq_topic_info_t *ti;

    (void)rep;
    if (status == MQ_OK) {
        gw_ka_create_fail(
            t, KF_ERR_TOPIC_ALREADY_EXISTS,
            gw_kafka_dup(kr, mq_str_from_cstr("Topic already exists."))); /* Kafka's words */
        return;
    }
    if (status != MQ_ENOENT) {
        gw_ka_create_fail(t, gw_kafka_error(status), MQ_STR_NULL);
        return;
    }
    if (kr->req.u.create_topics.validate_only)
        return;
    up = gw_ksub_new(kr, MQ_OP_TOPIC_UPSERT, gw_ka_create_upserted, NULL, s->index);
    ti = &up->base.u.topic_info;
    ti->conf.name = rmq;
    ti->conf.read_queues = t->num_partitions;
    ti->conf.write_queues = t->num_partitions;
    ti->conf.perm = 6;
    ti->filter_type = MQ_STR("SINGLE_TAG");
    gw_ksub_send(up, NULL);
}

void
gw_kafka_create_topics(gw_kreq_t *kr)
{
    const kf_create_topics_req_t *q = &kr->req.u.create_topics;
    kf_create_topics_resp_t *r = &kr->resp.u.create_topics;
    int32_t n = q->n_topics > 0 ? q->n_topics : 0;

    r->topics = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_created_topic_t));
    r->n_topics = n;
    for (int32_t i = 0; i < n; i++) { /* answers first: done() callbacks may run at once */
        const kf_create_topic_t *ct = &q->topics[i];
        kf_created_topic_t *t = &r->topics[i];
        t->name = gw_kafka_nonnull(ct->name);
        t->num_partitions = ct->n_assignments > 0      ? ct->n_assignments
                            : ct->num_partitions == -1 ? kr->kc->fe->conf.num_partitions
                                                       : ct->num_partitions;
        t->replication_factor = 1;
        t->n_configs = 0;
    }
    for (int32_t i = 0; i < n; i++) {
        const kf_create_topic_t *ct = &q->topics[i];
        kf_created_topic_t *t = &r->topics[i];
        mq_str_t rmq = gw_kafka_topic_to_rmq(kr, ct->name);
        gw_ksub_t *s;
        int dup = 0;

        for (int32_t j = 0; j < i && !dup; j++) /* Kafka refuses repeated names */
            dup = mq_str_eq(q->topics[j].name, ct->name);
        if (dup) {
            gw_ka_create_fail(t, KF_ERR_INVALID_REQUEST,
                              MQ_STR("Create topics request from client contains a duplicate "
                                     "topic"));
            continue;
        }
        if (!rmq.p) {
            gw_ka_create_fail(t, KF_ERR_INVALID_TOPIC_EXCEPTION, MQ_STR("Topic name is invalid"));
            continue;
        }
        if (ct->n_assignments > 0 && (ct->num_partitions != -1 || ct->replication_factor != -1)) {
            gw_ka_create_fail(t, KF_ERR_INVALID_REQUEST,
                              MQ_STR("Both numPartitions or replicationFactor and "
                                     "replicasAssignments were set."));
            continue;
        }
        if (ct->n_assignments <= 0 && (ct->num_partitions == 0 || ct->num_partitions < -1)) {
            gw_ka_create_fail(t, KF_ERR_INVALID_PARTITIONS,
                              MQ_STR("Number of partitions must be larger than 0."));
            continue;
        }
        if (t->num_partitions <= 0 || t->num_partitions > GW_KA_MAX_PARTITIONS) {
            gw_ka_create_fail(t, KF_ERR_INVALID_PARTITIONS,
                              MQ_STR("Number of partitions must be in [1, 65535]."));
            continue;
        }
        if (ct->replication_factor != -1 && ct->replication_factor != 1) {
            gw_ka_create_fail(t, KF_ERR_INVALID_REPLICATION_FACTOR,
                              MQ_STR("Replication factor must be 1 (or -1): this broker keeps "
                                     "one copy of each partition."));
            continue;
        }
        for (int32_t a = 0; a < ct->n_assignments; a++) {
            if (ct->assignments[a].broker_ids.n != 1) {
                gw_ka_create_fail(t, GW_KA_ERR_INVALID_REPLICA_ASSIGNMENT,
                                  MQ_STR("Each partition must have exactly one replica."));
                break;
            }
        }
        if (t->error_code != KF_ERR_NONE)
            continue;
        s = gw_ksub_new(kr, MQ_OP_TOPIC_CONFIG_GET, gw_ka_create_checked, NULL, i);
        s->base.u.topic = rmq;
        gw_ksub_send(s, NULL);
    }
}

/* ---- DeleteTopics ---- */

static void
gw_ka_delete_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    kf_deleted_topic_t *t = &s->kr->resp.u.delete_topics.responses[s->index];
    gw_kafka_t *fe = s->kr->kc->fe;
    if (status != MQ_OK) {
        t->error_code = gw_ka_error(status);
        t->error_message = gw_kafka_rep_text(s->kr, rep);
    } else if (fe->layout) {
        gw_klayout_forget(fe->layout, s->base.u.topic); /* numbered afresh if created again */
    }
}

static void
gw_ka_delete_checked(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    kf_deleted_topic_t *t = &kr->resp.u.delete_topics.responses[s->index];
    gw_ksub_t *del;

    (void)rep;
    if (status != MQ_OK) {
        t->error_code = gw_kafka_error(status); /* MQ_ENOENT: UNKNOWN_TOPIC_OR_PARTITION */
        return;
    }
    del = gw_ksub_new(kr, MQ_OP_TOPIC_DELETE, gw_ka_delete_done, NULL, s->index);
    del->base.u.topic = s->base.u.topic;
    gw_ksub_send(del, NULL);
}

void
gw_kafka_delete_topics(gw_kreq_t *kr)
{
    const kf_delete_topics_req_t *q = &kr->req.u.delete_topics;
    kf_delete_topics_resp_t *r = &kr->resp.u.delete_topics;
    int32_t n = q->n_topics > 0 ? q->n_topics : 0;

    r->responses = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_deleted_topic_t));
    r->n_responses = n;
    for (int32_t i = 0; i < n; i++) {
        r->responses[i].name = q->topics[i].name;
        r->responses[i].topic_id = q->topics[i].topic_id;
    }
    for (int32_t i = 0; i < n; i++) {
        kf_deleted_topic_t *t = &r->responses[i];
        mq_str_t rmq;
        gw_ksub_t *s;

        if (!q->topics[i].name.p) { /* v6 by topic id: we keep no topic ids */
            t->error_code = GW_KA_ERR_UNKNOWN_TOPIC_ID;
            t->error_message = MQ_STR("Topic ids are not supported by this broker.");
            continue;
        }
        rmq = gw_kafka_topic_to_rmq(kr, q->topics[i].name);
        if (!rmq.p) {
            t->error_code = KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        s = gw_ksub_new(kr, MQ_OP_TOPIC_CONFIG_GET, gw_ka_delete_checked, NULL, i);
        s->base.u.topic = rmq;
        gw_ksub_send(s, NULL);
    }
}

/* ---- CreatePartitions ---- */

static void
gw_ka_partitions_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    kf_topic_result_t *t = &s->kr->resp.u.create_partitions.results[s->index];
    if (status != MQ_OK) {
        t->error_code = gw_ka_error(status);
        t->error_message = gw_kafka_rep_text(s->kr, rep);
    }
}

static void
gw_ka_partitions_checked(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kreq_t *kr = s->kr;
    const kf_create_partitions_req_t *q = &kr->req.u.create_partitions;
    const kf_create_partitions_topic_t *ct = &q->topics[s->index];
    kf_topic_result_t *t = &kr->resp.u.create_partitions.results[s->index];
    const mq_topic_info_t *cur;
    int32_t have;
    gw_ksub_t *up;
    mq_topic_info_t *ti;

    if (status != MQ_OK || !rep || rep->u.topics.n < 1 || !rep->u.topics.topics) {
        t->error_code = status == MQ_OK ? KF_ERR_UNKNOWN_SERVER_ERROR : gw_kafka_error(status);
        return;
    }
    cur = &rep->u.topics.topics[0];
    have = gw_kafka_partitions(&cur->conf);
    if (ct->count < have) {
        t->error_code = KF_ERR_INVALID_PARTITIONS;
        t->error_message = gw_ka_msg(
            kr, "Topic currently has %d partitions, which is higher than the requested %d.", have,
            ct->count);
        return;
    }
    if (ct->count == have) {
        t->error_code = KF_ERR_INVALID_PARTITIONS;
        t->error_message = gw_ka_msg(kr, "Topic already has %d partitions.", have, 0);
        return;
    }
    if (ct->count > GW_KA_MAX_PARTITIONS) {
        t->error_code = KF_ERR_INVALID_PARTITIONS;
        t->error_message =
            gw_ka_msg(kr, "Number of partitions must be at most %d.", GW_KA_MAX_PARTITIONS, 0);
        return;
    }
    if (ct->n_assignments >= 0 && ct->n_assignments != ct->count - have) {
        t->error_code = GW_KA_ERR_INVALID_REPLICA_ASSIGNMENT;
        t->error_message = gw_ka_msg(kr,
                                     "Increasing the number of partitions by %d but %d "
                                     "assignments provided.",
                                     ct->count - have, ct->n_assignments);
        return;
    }
    if (q->validate_only)
        return;
    up = gw_ksub_new(kr, MQ_OP_TOPIC_UPSERT, gw_ka_partitions_done, NULL, s->index);
    ti = &up->base.u.topic_info;
    ti->conf = cur->conf; /* the rest of the topic as it is (copied below) */
    ti->conf.name = s->base.u.topic;
    ti->conf.read_queues = ct->count;
    ti->conf.write_queues = ct->count;
    ti->filter_type = gw_kafka_dup(kr, cur->filter_type);
    gw_ksub_send(up, NULL);
}

void
gw_kafka_create_partitions(gw_kreq_t *kr)
{
    const kf_create_partitions_req_t *q = &kr->req.u.create_partitions;
    kf_create_partitions_resp_t *r = &kr->resp.u.create_partitions;
    int32_t n = q->n_topics > 0 ? q->n_topics : 0;

    r->results = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_topic_result_t));
    r->n_results = n;
    for (int32_t i = 0; i < n; i++)
        r->results[i].name = gw_kafka_nonnull(q->topics[i].name);
    for (int32_t i = 0; i < n; i++) {
        kf_topic_result_t *t = &r->results[i];
        mq_str_t rmq = gw_kafka_topic_to_rmq(kr, q->topics[i].name);
        gw_ksub_t *s;
        int dup = 0;

        for (int32_t j = 0; j < i && !dup; j++)
            dup = mq_str_eq(q->topics[j].name, q->topics[i].name);
        if (dup) {
            t->error_code = KF_ERR_INVALID_REQUEST;
            t->error_message = MQ_STR("Duplicate topic in request.");
            continue;
        }
        if (!rmq.p) {
            t->error_code = KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        if (q->topics[i].count <= 0) {
            t->error_code = KF_ERR_INVALID_PARTITIONS;
            t->error_message = MQ_STR("Number of partitions must be larger than 0.");
            continue;
        }
        s = gw_ksub_new(kr, MQ_OP_TOPIC_CONFIG_GET, gw_ka_partitions_checked, NULL, i);
        s->base.u.topic = rmq;
        gw_ksub_send(s, NULL);
    }
}

/* ---- DescribeConfigs ---- */

typedef struct gw_ka_describe_s {
    double reserved_hours; /* fileReservedTime, 72 until the broker says */
    int16_t *errors;       /* per resource, set by the checks */
} gw_ka_describe_t;

/* One config entry we describe. */
typedef struct gw_ka_conf_s {
    const char *name;
    char value[32];
    int8_t source;
    int8_t type;
} gw_ka_conf_t;

static void
gw_ka_broker_conf_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_ka_describe_t *st = s->kr->state;
    if (status != MQ_OK || !rep || !rep->u.kv.kv)
        return;
    for (int i = 0; i < rep->u.kv.n; i++) {
        if (mq_str_eq(rep->u.kv.kv[2 * i], MQ_STR("fileReservedTime"))) {
            char buf[32];
            double h;
            char *end;
            mq_str_t v = rep->u.kv.kv[2 * i + 1];
            if (v.n == 0 || v.n >= sizeof(buf))
                return;
            memcpy(buf, v.p, v.n);
            buf[v.n] = '\0';
            h = strtod(buf, &end);
            if (*end == '\0' && h > 0)
                st->reserved_hours = h;
            return;
        }
    }
}

static void
gw_ka_topic_conf_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_ka_describe_t *st = s->kr->state;
    (void)rep;
    if (status != MQ_OK)
        st->errors[s->index] = gw_kafka_error(status); /* MQ_ENOENT: UNKNOWN_TOPIC_OR_PARTITION */
}

/* 1 when the resource asks for this key (no keys: every key). */
static int
gw_ka_wanted(const kf_config_resource_t *res, const char *name)
{
    if (res->configuration_keys.n <= 0)
        return 1;
    for (int32_t i = 0; i < res->configuration_keys.n; i++)
        if (mq_str_eq_cstr(res->configuration_keys.v[i], name))
            return 1;
    return 0;
}

static void
gw_ka_fill_configs(gw_kreq_t *kr, const kf_config_resource_t *res, kf_config_result_t *out,
                   const gw_ka_conf_t *confs, int n)
{
    out->configs = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_config_entry_t));
    for (int i = 0; i < n; i++) {
        kf_config_entry_t *e;
        if (!gw_ka_wanted(res, confs[i].name))
            continue;
        e = &out->configs[out->n_configs++];
        e->name = mq_str_from_cstr(confs[i].name);
        e->value = gw_kafka_dup(kr, mq_str_from_cstr(confs[i].value));
        e->read_only = 1; /* no AlterConfigs here */
        e->is_default = confs[i].source == GW_KA_SRC_DEFAULT;
        e->config_source = confs[i].source;
        e->config_type = confs[i].type;
        e->documentation = MQ_STR_NULL;
    }
}

static void
gw_ka_describe_finish(gw_kreq_t *kr)
{
    const kf_describe_configs_req_t *q = &kr->req.u.describe_configs;
    kf_describe_configs_resp_t *r = &kr->resp.u.describe_configs;
    gw_ka_describe_t *st = kr->state;
    const gw_kafka_conf_t *conf = &kr->kc->fe->conf;
    long long retention_ms = (long long)(st->reserved_hours * 3600000.0);
    gw_ka_conf_t topic[5] = {
        {"cleanup.policy", "delete", GW_KA_SRC_DEFAULT, GW_KA_TYPE_LIST},
        {"retention.ms", "", GW_KA_SRC_STATIC_BROKER, GW_KA_TYPE_LONG},
        {"max.message.bytes", "4194304", GW_KA_SRC_DEFAULT, GW_KA_TYPE_INT},
        {"message.timestamp.type", "CreateTime", GW_KA_SRC_DEFAULT, GW_KA_TYPE_STRING},
        {"min.insync.replicas", "1", GW_KA_SRC_DEFAULT, GW_KA_TYPE_INT},
    };
    gw_ka_conf_t broker[5] = {
        {"broker.id", "", GW_KA_SRC_STATIC_BROKER, GW_KA_TYPE_INT},
        {"num.partitions", "", GW_KA_SRC_STATIC_BROKER, GW_KA_TYPE_INT},
        {"auto.create.topics.enable", "", GW_KA_SRC_STATIC_BROKER, GW_KA_TYPE_BOOLEAN},
        {"default.replication.factor", "1", GW_KA_SRC_DEFAULT, GW_KA_TYPE_INT},
        {"log.retention.hours", "", GW_KA_SRC_STATIC_BROKER, GW_KA_TYPE_INT},
    };

    snprintf(topic[1].value, sizeof(topic[1].value), "%lld", retention_ms);
    snprintf(broker[0].value, sizeof(broker[0].value), "%d", (int)conf->node_id);
    snprintf(broker[1].value, sizeof(broker[1].value), "%d", (int)conf->num_partitions);
    snprintf(broker[2].value, sizeof(broker[2].value), "%s", conf->auto_create ? "true" : "false");
    snprintf(broker[4].value, sizeof(broker[4].value), "%lld",
             (long long)(st->reserved_hours + 0.5) > 0 ? (long long)(st->reserved_hours + 0.5)
                                                       : 1LL);
    for (int32_t i = 0; i < r->n_results; i++) {
        kf_config_result_t *out = &r->results[i];
        const kf_config_resource_t *res = &q->resources[i];
        out->error_code = st->errors[i];
        if (out->error_code != KF_ERR_NONE)
            continue;
        if (res->resource_type == KF_RESOURCE_TOPIC)
            gw_ka_fill_configs(kr, res, out, topic, 5);
        else
            gw_ka_fill_configs(kr, res, out, broker, 5);
    }
}

void
gw_kafka_describe_configs(gw_kreq_t *kr)
{
    const kf_describe_configs_req_t *q = &kr->req.u.describe_configs;
    kf_describe_configs_resp_t *r = &kr->resp.u.describe_configs;
    int32_t n = q->n_resources > 0 ? q->n_resources : 0;
    gw_ka_describe_t *st = mq_pcalloc(&kr->pool, sizeof(*st));
    char node[16];
    gw_ksub_t *s;

    st->reserved_hours = GW_KA_RETENTION_MS_DEFAULT / 3600000.0;
    st->errors = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(int16_t));
    kr->state = st;
    kr->finish = gw_ka_describe_finish;
    r->results = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(kf_config_result_t));
    r->n_results = n;
    snprintf(node, sizeof(node), "%d", (int)kr->kc->fe->conf.node_id);
    for (int32_t i = 0; i < n; i++) {
        const kf_config_resource_t *res = &q->resources[i];
        kf_config_result_t *out = &r->results[i];
        out->resource_type = res->resource_type;
        out->resource_name = gw_kafka_nonnull(res->resource_name);
        if (res->resource_type == KF_RESOURCE_BROKER) {
            if (res->resource_name.n && !mq_str_eq_cstr(res->resource_name, node)) {
                st->errors[i] = KF_ERR_INVALID_REQUEST;
                out->error_message =
                    gw_ka_msg(kr, "Unexpected broker id, expected %d or empty string.",
                              (int)kr->kc->fe->conf.node_id, 0);
            }
        } else if (res->resource_type != KF_RESOURCE_TOPIC) {
            st->errors[i] = KF_ERR_INVALID_REQUEST;
            out->error_message = MQ_STR("Unsupported resource type.");
        }
    }
    /* the retention first, then each topic (answers may come while we send) */
    s = gw_ksub_new(kr, MQ_OP_BROKER_CONFIG_GET, gw_ka_broker_conf_done, NULL, 0);
    gw_ksub_send(s, NULL);
    for (int32_t i = 0; i < n; i++) {
        const kf_config_resource_t *res = &q->resources[i];
        mq_str_t rmq;
        if (res->resource_type != KF_RESOURCE_TOPIC)
            continue;
        rmq = gw_kafka_topic_to_rmq(kr, res->resource_name);
        if (!rmq.p) {
            st->errors[i] = KF_ERR_INVALID_TOPIC_EXCEPTION;
            continue;
        }
        s = gw_ksub_new(kr, MQ_OP_TOPIC_CONFIG_GET, gw_ka_topic_conf_done, NULL, i);
        s->base.u.topic = rmq;
        gw_ksub_send(s, NULL);
    }
}

/* ---- DescribeCluster ---- */

void
gw_kafka_describe_cluster(gw_kreq_t *kr)
{
    kf_describe_cluster_resp_t *r = &kr->resp.u.describe_cluster;
    const gw_kafka_conf_t *conf = &kr->kc->fe->conf;

    r->error_code = KF_ERR_NONE;
    r->endpoint_type =
        kr->req.u.describe_cluster.endpoint_type > 0 ? kr->req.u.describe_cluster.endpoint_type : 1;
    r->cluster_id = mq_str_from_cstr(conf->cluster_id);
    r->controller_id = conf->node_id;
    r->brokers = mq_pcalloc(&kr->pool, sizeof(kf_broker_t));
    r->n_brokers = 1;
    r->brokers[0].node_id = conf->node_id;
    r->brokers[0].host = mq_str_from_cstr(conf->host);
    r->brokers[0].port = conf->port;
    r->brokers[0].rack = MQ_STR_NULL;
    r->cluster_authorized_operations = KF_AUTHORIZED_OPS_NONE;
}
