/* SPDX-License-Identifier: Apache-2.0
 *
 * cmd_consumer.c -- mqadmin consumer-group commands, after RocketMQ's tools/command/consumer/:
 * consumerProgress (GET_CONSUME_STATS per broker, a ConsumeStats body; without -g one line per
 * group found through its %RETRY% topic, with GET_CONSUMER_CONNECTION_LIST) and updateSubGroup
 * (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP with a SubscriptionGroupConfig body).
 *
 * A broker that does not support GET_CONSUME_STATS is read queue by queue instead (max offset,
 * committed offset, store time of the last consumed message), which gives the same table
 * except #Inflight (always 0 then).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

/* One OffsetWrapper of a ConsumeStats. */
typedef struct adm_offset_row_s {
    adm_mq_t mq;             /* first: sorted with adm_mq_cmp */
    int64_t broker_offset;   /* brokerOffset */
    int64_t consumer_offset; /* consumerOffset */
    int64_t pull_offset;     /* pullOffset */
    int64_t last_ts;         /* lastTimestamp */
} adm_offset_row_t;

typedef struct adm_stats_s {
    adm_offset_row_t *rows; /* in the pool */
    int n;
    int cap;
    double tps; /* consumeTps, summed over brokers */
} adm_stats_t;

static adm_offset_row_t *
adm_stats_add(adm_t *a, adm_stats_t *s)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 64;
        adm_offset_row_t *rows = mq_pcalloc(&a->pool, sizeof(*rows) * (size_t)cap);
        if (s->n > 0) {
            memcpy(rows, s->rows, sizeof(*rows) * (size_t)s->n);
        }
        s->rows = rows;
        s->cap = cap;
    }
    return &s->rows[s->n++];
}

static int64_t
adm_store_ts(adm_t *a, const char *addr, const char *topic, int qid, int64_t offset)
{
    rmq_cmd_t resp;
    mq_msg_t m;
    if (offset < 0 || adm_pull(a, addr, "TOOLS_CONSUMER", topic, qid, offset, 1, &resp) != MQ_OK ||
        resp.code != RMQ_RC_SUCCESS ||
        mq_msg_record_decode((const uint8_t *)resp.body.p, resp.body.n, &m) != MQ_OK) {
        return 0;
    }
    return m.store_ts;
}

/* Per-queue figures of group on topic at one broker (when GET_CONSUME_STATS is unknown).
 * all_queues: include queues the group never committed (offset 0), as for an explicit -t. */
static int
adm_stats_by_queue(adm_t *a, adm_stats_t *s, const char *addr, const char *broker_name,
                   const char *group, const char *topic, int n_queues, int all_queues)
{
    for (int q = 0; q < n_queues; q++) {
        int64_t max, off;
        int rc = adm_consumer_offset(a, addr, group, topic, q, &off);
        if (rc == MQ_ENOENT && !all_queues) {
            continue;
        }
        if (rc != MQ_OK && rc != MQ_ENOENT) {
            return 1;
        }
        if (adm_queue_offset(a, addr, RMQ_GET_MAX_OFFSET, topic, q, 0, &max) != MQ_OK) {
            return 1;
        }
        adm_offset_row_t *row = adm_stats_add(a, s);
        snprintf(row->mq.topic, sizeof(row->mq.topic), "%s", topic);
        snprintf(row->mq.broker_name, sizeof(row->mq.broker_name), "%s", broker_name);
        row->mq.queue_id = q;
        row->broker_offset = max;
        row->consumer_offset = off < 0 ? 0 : off;
        row->pull_offset = row->consumer_offset;
        row->last_ts = row->consumer_offset > 0
                           ? adm_store_ts(a, addr, topic, q, row->consumer_offset - 1)
                           : 0;
    }
    return 0;
}

/* GET_CONSUME_STATS at addr; *unsupported set when the broker does not know the code. */
static int
adm_stats_fetch(adm_t *a, adm_stats_t *s, const char *addr, const char *group, const char *topic,
                int *unsupported)
{
    rmq_cmd_t req, resp;
    *unsupported = 0;
    adm_req(a, &req, RMQ_GET_CONSUME_STATS);
    adm_add(a, &req, "consumerGroup", group);
    if (topic != NULL) {
        adm_add(a, &req, "topic", topic);
    }
    if (adm_call(a, addr, &req, &resp) != MQ_OK) {
        return 1;
    }
    if (resp.code == RMQ_RC_REQUEST_CODE_NOT_SUPPORTED) {
        *unsupported = 1;
        return 0;
    }
    if (adm_resp_ok(a, &resp, "GET_CONSUME_STATS")) {
        return 1;
    }
    json_t *j = adm_json_parse(resp.body.p, resp.body.n);
    json_t *table = json_object_get(j, "offsetTable");
    if (!json_is_object(table)) {
        json_decref(j);
        return adm_fail(a, "malformed ConsumeStats body from %s", addr);
    }
    s->tps += adm_json_f64(j, "consumeTps", 0);
    const char *k;
    json_t *v;
    json_object_foreach(table, k, v)
    {
        adm_mq_t mq;
        if (adm_mq_parse(k, &mq) != MQ_OK) {
            continue;
        }
        adm_offset_row_t *row = adm_stats_add(a, s);
        row->mq = mq;
        row->broker_offset = adm_json_i64(v, "brokerOffset", 0);
        row->consumer_offset = adm_json_i64(v, "consumerOffset", 0);
        row->pull_offset = adm_json_i64(v, "pullOffset", row->consumer_offset);
        row->last_ts = adm_json_i64(v, "lastTimestamp", 0);
    }
    json_decref(j);
    return 0;
}

/* The topics a group may have offsets on (fallback without -t): every topic but other groups'
 * retry and DLQ topics. */
static int
adm_group_topics(adm_t *a, const char *group, const char ***out, int *n)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    if (adm_ns_call(a, &req, &resp) != MQ_OK || adm_resp_ok(a, &resp, "topic list")) {
        return 1;
    }
    json_t *j = adm_json_parse(resp.body.p, resp.body.n);
    json_t *list = json_object_get(j, "topicList");
    const char **topics = mq_pcalloc(&a->pool, sizeof(*topics) * (json_array_size(list) + 1));
    int cnt = 0;
    size_t i;
    json_t *t;
    char retry[300];
    snprintf(retry, sizeof(retry), "%%RETRY%%%s", group);
    json_array_foreach(list, i, t)
    {
        const char *name = json_string_value(t);
        if (name == NULL || strncmp(name, "%DLQ%", 5) == 0 ||
            (strncmp(name, "%RETRY%", 7) == 0 && strcmp(name, retry) != 0)) {
            continue;
        }
        topics[cnt++] = mq_pstrdup(&a->pool, mq_str_from_cstr(name));
    }
    json_decref(j);
    *out = topics;
    *n = cnt;
    return 0;
}

/* examineConsumeStats: the brokers of %RETRY%group (or of topic), GET_CONSUME_STATS each. */
static int
adm_consume_stats(adm_t *a, const char *group, const char *topic, adm_stats_t *s)
{
    char retry[300];
    snprintf(retry, sizeof(retry), "%%RETRY%%%s", group);
    adm_route_t r;
    if (adm_route_get(a, topic ? topic : retry, &r) != MQ_OK) {
        return 1;
    }
    for (int b = 0; b < r.n_brokers; b++) {
        if (r.brokers[b].id != 0) {
            continue;
        }
        int unsupported;
        if (adm_stats_fetch(a, s, r.brokers[b].addr, group, topic, &unsupported)) {
            return 1;
        }
        if (!unsupported) {
            continue;
        }
        const char **topics = &topic;
        int nt = 1;
        if (topic == NULL && adm_group_topics(a, group, &topics, &nt)) {
            return 1;
        }
        for (int t = 0; t < nt; t++) {
            adm_route_t tr;
            if (topic == NULL) {
                rmq_cmd_t req, resp;
                adm_req(a, &req, RMQ_GET_ROUTEINFO_BY_TOPIC);
                adm_add(a, &req, "topic", topics[t]);
                if (adm_ns_call(a, &req, &resp) != MQ_OK || resp.code != RMQ_RC_SUCCESS) {
                    continue;
                }
            }
            if (adm_route_get(a, topics[t], &tr) != MQ_OK) {
                return 1;
            }
            for (int q = 0; q < tr.n_queues; q++) {
                if (strcmp(tr.queues[q].broker_name, r.brokers[b].name) == 0 &&
                    adm_stats_by_queue(a, s, r.brokers[b].addr, r.brokers[b].name, group, topics[t],
                                       tr.queues[q].read_queues, topic != NULL)) {
                    return 1;
                }
            }
        }
    }
    if (s->n > 1) /* qsort(NULL, 0, ...) is undefined behaviour: a group with no queues */
        qsort(s->rows, (size_t)s->n, sizeof(*s->rows), adm_mq_cmp);
    return 0;
}

/* ---- consumerProgress ---- */

static const adm_opt_t adm_consumer_progress_opts[] = {
    {'g', "groupName", 1, 0, "consumer group name"},
    {'t', "topicName", 1, 0, "topic name"},
    {'s', "showClientIP", 1, 0, "Show Client IP per Queue"},
    {'c', "cluster", 1, 0, "Cluster name or lmq parent topic, lmq is used to find the route."},
    {0, NULL, 0, 0, NULL},
};

static int
adm_progress_group(adm_t *a, const adm_args_t *args)
{
    const char *group = adm_arg(args, 'g');
    adm_stats_t s;
    memset(&s, 0, sizeof(s));
    if (adm_consume_stats(a, group, adm_arg(args, 't'), &s)) {
        return 1;
    }
    int show_ip = adm_arg_bool(args, 's', 0);
    if (show_ip) {
        printf("%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s %-20s%s\n", "#Topic", "#Broker Name",
               "#QID", "#Broker Offset", "#Consumer Offset", "#Client IP", "#Diff", "#Inflight",
               "#LastTime");
    } else {
        printf("%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s%s\n", "#Topic", "#Broker Name",
               "#QID", "#Broker Offset", "#Consumer Offset", "#Diff", "#Inflight", "#LastTime");
    }
    long long diff_total = 0, inflight_total = 0;
    for (int i = 0; i < s.n; i++) {
        const adm_offset_row_t *r = &s.rows[i];
        long long diff = (long long)(r->broker_offset - r->consumer_offset);
        long long inflight = (long long)(r->pull_offset - r->consumer_offset);
        diff_total += diff;
        inflight_total += inflight;
        char last[32] = "N/A";
        if (r->last_ts != 0) {
            adm_time_plain(r->last_ts, last);
        }
        if (show_ip) {
            printf("%-64s  %-32s  %-4d  %-20lld  %-20lld  %-20s %-20lld %-20lld %s\n", r->mq.topic,
                   r->mq.broker_name, r->mq.queue_id, (long long)r->broker_offset,
                   (long long)r->consumer_offset, "N/A", diff, inflight, last);
        } else {
            printf("%-64s  %-32s  %-4d  %-20lld  %-20lld  %-20lld %-20lld %s\n", r->mq.topic,
                   r->mq.broker_name, r->mq.queue_id, (long long)r->broker_offset,
                   (long long)r->consumer_offset, diff, inflight, last);
        }
    }
    printf("\nConsume TPS: %.2f\n", s.tps);
    printf("Consume Diff Total: %lld\n", diff_total);
    printf("Consume Inflight Total: %lld\n", inflight_total);
    return 0;
}

/* GET_CONSUMER_CONNECTION_LIST of group from the masters of its retry topic. */
static void
adm_group_connection(adm_t *a, const char *group, int *count, int *version, char *type, char *model)
{
    char retry[300];
    snprintf(retry, sizeof(retry), "%%RETRY%%%s", group);
    *count = 0;
    rmq_cmd_t rq, rr;
    adm_req(a, &rq, RMQ_GET_ROUTEINFO_BY_TOPIC);
    adm_add(a, &rq, "topic", retry);
    if (adm_ns_call(a, &rq, &rr) != MQ_OK || rr.code != RMQ_RC_SUCCESS) {
        return;
    }
    adm_route_t r;
    if (adm_route_get(a, retry, &r) != MQ_OK) {
        return;
    }
    for (int b = 0; b < r.n_brokers; b++) {
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_GET_CONSUMER_CONNECTION_LIST);
        adm_add(a, &req, "consumerGroup", group);
        if (r.brokers[b].id != 0 || adm_call(a, r.brokers[b].addr, &req, &resp) != MQ_OK ||
            resp.code != RMQ_RC_SUCCESS) {
            continue;
        }
        json_t *j = adm_json_parse(resp.body.p, resp.body.n);
        json_t *set = json_object_get(j, "connectionSet");
        *count = (int)json_array_size(set);
        size_t i;
        json_t *c;
        *version = 0;
        json_array_foreach(set, i, c)
        {
            int v = (int)adm_json_i64(c, "version", 0);
            if (i == 0 || v < *version) {
                *version = v; /* computeMinVersion */
            }
        }
        const char *ct = adm_json_str(j, "consumeType", "");
        strcpy(type, strcmp(ct, "CONSUME_ACTIVELY") == 0 ? "PULL" : "PUSH");
        if (strcmp(ct, "CONSUME_PASSIVELY") == 0) {
            snprintf(model, 16, "%s", adm_json_str(j, "messageModel", ""));
        }
        json_decref(j);
        return;
    }
}

static int
adm_progress_all(adm_t *a)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    if (adm_ns_call(a, &req, &resp) != MQ_OK || adm_resp_ok(a, &resp, "topic list")) {
        return 1;
    }
    json_t *j = adm_json_parse(resp.body.p, resp.body.n);
    json_t *list = json_object_get(j, "topicList");
    printf("%-64s  %-6s  %-24s %-5s  %-14s  %-7s  %s\n", "#Group", "#Count", "#Version", "#Type",
           "#Model", "#TPS", "#Diff Total");
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        const char *topic = json_string_value(t);
        if (topic == NULL || strncmp(topic, "%RETRY%", 7) != 0) {
            continue;
        }
        const char *group = topic + 7;
        adm_stats_t s;
        memset(&s, 0, sizeof(s));
        long long diff = 0;
        if (adm_consume_stats(a, group, NULL, &s) == 0) {
            for (int k = 0; k < s.n; k++) {
                diff += (long long)(s.rows[k].broker_offset - s.rows[k].consumer_offset);
            }
        }
        int count = 0, version = 0;
        char type[8] = "", model[16] = "", ver[32] = "OFFLINE";
        adm_group_connection(a, group, &count, &version, type, model);
        if (count > 0) {
            adm_version_desc(version, ver);
        } else {
            type[0] = 0;
            model[0] = 0;
        }
        printf("%-64s  %-6d  %-24s %-5s  %-14s  %-7d  %lld\n", group, count, ver, type, model,
               (int)s.tps, diff);
    }
    json_decref(j);
    return 0;
}

static int
adm_consumer_progress(adm_t *a, const adm_args_t *args)
{
    return adm_has(args, 'g') ? adm_progress_group(a, args) : adm_progress_all(a);
}

/* ---- updateSubGroup ---- */

static const adm_opt_t adm_update_sub_group_opts[] = {
    {'b', "brokerAddr", 1, 0, "create subscription group to which broker"},
    {'c', "clusterName", 1, 0, "create subscription group to which cluster"},
    {'g', "groupName", 1, 1, "consumer group name"},
    {'s', "consumeEnable", 1, 0, "consume enable"},
    {'m', "consumeFromMinEnable", 1, 0, "from min offset"},
    {'d', "consumeBroadcastEnable", 1, 0, "broadcast"},
    {'o', "consumeMessageOrderly", 1, 0, "consume message orderly"},
    {'q', "retryQueueNums", 1, 0, "retry queue nums"},
    {'r', "retryMaxTimes", 1, 0, "retry max times"},
    {'i', "brokerId", 1, 0, "consumer from which broker id"},
    {'w', "whichBrokerWhenConsumeSlowly", 1, 0, "which broker id when consume slowly"},
    {'a', "notifyConsumerIdsChanged", 1, 0, "notify consumerId changed"},
    {0, NULL, 0, 0, NULL},
};

static int
adm_update_sub_group(adm_t *a, const adm_args_t *args)
{
    int64_t rq, rmax, bid, slow;
    if (adm_arg_i64(args, 'q', 1, &rq) || adm_arg_i64(args, 'r', 16, &rmax) ||
        adm_arg_i64(args, 'i', 0, &bid) || adm_arg_i64(args, 'w', 1, &slow)) {
        return 1;
    }
    const char *group = adm_arg(args, 'g');
    int enable = adm_arg_bool(args, 's', 1), from_min = adm_arg_bool(args, 'm', 0);
    int bcast = adm_arg_bool(args, 'd', 0), orderly = adm_arg_bool(args, 'o', 0);
    int notify = adm_arg_bool(args, 'a', 1);

    json_t *cfg = json_pack(
        "{s:s, s:b, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:b, s:i, s:i, s:{}}", "groupName", group,
        "consumeEnable", enable, "consumeFromMinEnable", from_min, "consumeBroadcastEnable", bcast,
        "consumeMessageOrderly", orderly, "retryQueueNums", (json_int_t)rq, "retryMaxTimes",
        (json_int_t)rmax, "brokerId", (json_int_t)bid, "whichBrokerWhenConsumeSlowly",
        (json_int_t)slow, "notifyConsumerIdsChangedEnable", notify, "groupSysFlag", 0,
        "consumeTimeoutMinute", 15, "attributes");
    char *body = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(cfg);
    if (body == NULL) {
        return adm_fail(a, "cannot build the request");
    }
    const char **addrs;
    int n, rc = 0;
    if (adm_target_brokers(a, args, &addrs, &n) != MQ_OK) {
        free(body);
        return 1;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_UPDATE_AND_CREATE_SUBSCRIPTIONGROUP);
        req.body = mq_str_from_cstr(body);
        if (adm_call(a, addrs[i], &req, &resp) != MQ_OK ||
            adm_resp_ok(a, &resp, "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP")) {
            rc = 1;
            break;
        }
        printf("create subscription group to %s success.\n", addrs[i]);
    }
    free(body);
    if (rc == 0) {
        printf("SubscriptionGroupConfig{groupName=%s, consumeEnable=%s, consumeFromMinEnable=%s, "
               "consumeBroadcastEnable=%s, consumeMessageOrderly=%s, retryQueueNums=%lld, "
               "retryMaxTimes=%lld, groupRetryPolicy=GroupRetryPolicy{type=CUSTOMIZED, "
               "exponentialRetryPolicy=null, customizedRetryPolicy=null}, brokerId=%lld, "
               "whichBrokerWhenConsumeSlowly=%lld, notifyConsumerIdsChangedEnable=%s, "
               "groupSysFlag=0, consumeTimeoutMinute=15, subscriptionDataSet=null, "
               "attributes={}}\n",
               group, enable ? "true" : "false", from_min ? "true" : "false",
               bcast ? "true" : "false", orderly ? "true" : "false", (long long)rq, (long long)rmax,
               (long long)bid, (long long)slow, notify ? "true" : "false");
    }
    return rc;
}

const adm_cmd_t adm_consumer_cmds[] = {
    {"consumerProgress", "Query consumer's progress, speed.", adm_consumer_progress_opts, NULL,
     adm_consumer_progress},
    {"updateSubGroup", "Update or create subscription group.", adm_update_sub_group_opts, "bc",
     adm_update_sub_group},
    {NULL, NULL, NULL, NULL, NULL},
};
