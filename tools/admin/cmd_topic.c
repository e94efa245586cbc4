/* SPDX-License-Identifier: Apache-2.0
 *
 * cmd_topic.c -- mqadmin topic commands, after RocketMQ's tools/command/topic/:
 * updateTopic (UPDATE_AND_CREATE_TOPIC to -b or every master of -c), deleteTopic
 * (DELETE_TOPIC_IN_BROKER on the cluster's masters, then DELETE_TOPIC_IN_NAMESRV), topicList
 * (GET_ALL_TOPIC_LIST_FROM_NAMESERVER), topicRoute (GET_ROUTEINFO_BY_TOPIC, JSON or -l table)
 * and topicStatus (GET_TOPIC_STATS_INFO per broker; per-queue min/max offsets when a broker
 * does not support it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "mq/buf.h"

/* PermName.perm2String: "RW-", "R--", "RWX". */
static void
adm_perm_str(int perm, char out[4])
{
    out[0] = (perm & 4) ? 'R' : '-';
    out[1] = (perm & 2) ? 'W' : '-';
    out[2] = (perm & 1) ? 'X' : '-';
    out[3] = 0;
}

/* createOrUpdateOrderConf: PUT_KV_CONFIG ORDER_TOPIC_CONFIG/<topic> = "broker:queues;..." on
 * every NameServer of the list. */
static int
adm_put_order_conf(adm_t *a, const char *topic, const char *conf)
{
    char list[1024];
    snprintf(list, sizeof(list), "%s", a->namesrv ? a->namesrv : "");
    char *save = NULL;
    for (char *ns = strtok_r(list, ";", &save); ns != NULL; ns = strtok_r(NULL, ";", &save)) {
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_PUT_KV_CONFIG);
        adm_add(a, &req, "namespace", "ORDER_TOPIC_CONFIG");
        adm_add(a, &req, "key", topic);
        adm_add(a, &req, "value", conf);
        if (adm_call(a, ns, &req, &resp) != MQ_OK || adm_resp_ok(a, &resp, "PUT_KV_CONFIG")) {
            return 1;
        }
    }
    return 0;
}

/* The order conf of the brokers named by addrs ("broker-a:8;broker-b:8"), in the pool. */
static const char *
adm_order_conf(adm_t *a, const char **addrs, int n, int64_t wq)
{
    adm_broker_t *rows;
    int nb;
    if (adm_cluster_brokers(a, NULL, &rows, &nb) != MQ_OK) {
        return NULL;
    }
    mq_buf_t b = MQ_BUF_INIT;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < nb; k++) {
            if (strcmp(rows[k].addr, addrs[i]) == 0) {
                mq_buf_printf(&b, "%s%s:%lld", b.len ? ";" : "", rows[k].name, (long long)wq);
                break;
            }
        }
    }
    const char *out = mq_pstrdup(&a->pool, mq_buf_view(&b));
    mq_buf_fini(&b);
    return out;
}

/* ---- updateTopic ---- */

static const adm_opt_t adm_update_topic_opts[] = {
    {'b', "brokerAddr", 1, 0, "create topic to which broker"},
    {'c', "clusterName", 1, 0, "create topic to which cluster"},
    {'a', "attributes", 1, 0, "attribute(+a=b,+c=d,-e)"},
    {'t', "topic", 1, 1, "topic name"},
    {'r', "readQueueNums", 1, 0, "set read queue nums"},
    {'w', "writeQueueNums", 1, 0, "set write queue nums"},
    {'p', "perm", 1, 0, "set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]"},
    {'o', "order", 1, 0, "set topic's order(true|false)"},
    {'u', "unit", 1, 0, "is unit topic (true|false)"},
    {'s', "hasUnitSub", 1, 0, "has unit sub (true|false)"},
    {0, NULL, 0, 0, NULL},
};

static int
adm_update_topic(adm_t *a, const adm_args_t *args)
{
    int64_t rq, wq, perm;
    if (adm_arg_i64(args, 'r', 8, &rq) || adm_arg_i64(args, 'w', 8, &wq) ||
        adm_arg_i64(args, 'p', 6, &perm)) {
        return 1;
    }
    if (rq < 0 || rq > 65535 || wq < 0 || wq > 65535) {
        return adm_fail(a, "queue nums must be between 0 and 65535");
    }
    const char *topic = adm_arg(args, 't');
    int order = adm_arg_bool(args, 'o', 0);
    int unit = adm_arg_bool(args, 'u', 0);
    int unit_sub = adm_arg_bool(args, 's', 0);
    int sys_flag = (unit ? 1 : 0) | (unit_sub ? 2 : 0); /* TopicSysFlag.buildSysFlag */

    const char **addrs;
    int n;
    if (adm_target_brokers(a, args, &addrs, &n) != MQ_OK) {
        return 1;
    }
    for (int i = 0; i < n; i++) {
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_UPDATE_AND_CREATE_TOPIC);
        adm_add(a, &req, "topic", topic);
        adm_add(a, &req, "defaultTopic", "TBW102");
        adm_add_i64(a, &req, "readQueueNums", rq);
        adm_add_i64(a, &req, "writeQueueNums", wq);
        adm_add_i64(a, &req, "perm", perm);
        adm_add(a, &req, "topicFilterType", "SINGLE_TAG");
        adm_add_i64(a, &req, "topicSysFlag", sys_flag);
        adm_add(a, &req, "order", order ? "true" : "false");
        if (adm_has(args, 'a')) {
            adm_add(a, &req, "attributes", adm_arg(args, 'a'));
        }
        if (adm_call(a, addrs[i], &req, &resp) != MQ_OK ||
            adm_resp_ok(a, &resp, "UPDATE_AND_CREATE_TOPIC")) {
            return 1;
        }
        if (order && adm_has(args, 'b')) {
            const char *conf = adm_order_conf(a, addrs, 1, wq);
            if (conf == NULL || adm_put_order_conf(a, topic, conf)) {
                return 1;
            }
            printf("set broker orderConf. isOrder=true, orderConf=[%s]\n", conf);
        }
        printf("create topic to %s success.\n", addrs[i]);
    }
    if (order && !adm_has(args, 'b')) {
        const char *conf = adm_order_conf(a, addrs, n, wq);
        if (conf == NULL || adm_put_order_conf(a, topic, conf)) {
            return 1;
        }
        printf("set cluster orderConf. isOrder=true, orderConf=[%s]\n", conf);
    }
    char ps[4];
    adm_perm_str((int)perm, ps);
    printf("TopicConfig [topicName=%s, readQueueNums=%lld, writeQueueNums=%lld, perm=%s, "
           "topicFilterType=SINGLE_TAG, topicSysFlag=%d, order=%s, attributes={}]\n",
           topic, (long long)rq, (long long)wq, ps, sys_flag, order ? "true" : "false");
    return 0;
}

/* ---- deleteTopic ---- */

static const adm_opt_t adm_delete_topic_opts[] = {
    {'t', "topic", 1, 1, "topic name"},
    {'c', "clusterName", 1, 1, "delete topic from which cluster"},
    {0, NULL, 0, 0, NULL},
};

static int
adm_delete_topic(adm_t *a, const adm_args_t *args)
{
    const char *topic = adm_arg(args, 't');
    const char *cluster = adm_arg(args, 'c');
    const char **addrs;
    int n;
    if (adm_cluster_masters(a, cluster, &addrs, &n) != MQ_OK) {
        return 1;
    }
    for (int i = 0; i < n; i++) {
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_DELETE_TOPIC_IN_BROKER);
        adm_add(a, &req, "topic", topic);
        if (adm_call(a, addrs[i], &req, &resp) != MQ_OK ||
            adm_resp_ok(a, &resp, "DELETE_TOPIC_IN_BROKER")) {
            return 1;
        }
    }
    printf("delete topic [%s] from cluster [%s] success.\n", topic, cluster);

    /* every NameServer of the list, as Java's deleteTopicInNameServer does */
    char list[1024];
    snprintf(list, sizeof(list), "%s", a->namesrv);
    char *save = NULL;
    for (char *ns = strtok_r(list, ";", &save); ns != NULL; ns = strtok_r(NULL, ";", &save)) {
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_DELETE_TOPIC_IN_NAMESRV);
        adm_add(a, &req, "topic", topic);
        adm_add(a, &req, "clusterName", cluster);
        if (adm_call(a, ns, &req, &resp) != MQ_OK ||
            adm_resp_ok(a, &resp, "DELETE_TOPIC_IN_NAMESRV")) {
            return 1;
        }
    }
    printf("delete topic [%s] from NameServer success.\n", topic);
    return 0;
}

/* ---- topicList ---- */

static const adm_opt_t adm_topic_list_opts[] = {
    {'c', "clusterModel", 0, 0, "clusterModel"},
    {0, NULL, 0, 0, NULL},
};

static int
adm_topic_list(adm_t *a, const adm_args_t *args)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    if (adm_ns_call(a, &req, &resp) != MQ_OK ||
        adm_resp_ok(a, &resp, "GET_ALL_TOPIC_LIST_FROM_NAMESERVER")) {
        return 1;
    }
    json_t *j = adm_json_parse(resp.body.p, resp.body.n);
    json_t *list = json_object_get(j, "topicList");
    if (!json_is_array(list)) {
        json_decref(j);
        return adm_fail(a, "malformed TopicList body");
    }
    int cluster_model = adm_has(args, 'c');
    adm_broker_t *brokers = NULL;
    int n_brokers = 0;
    if (cluster_model) {
        if (adm_cluster_brokers(a, NULL, &brokers, &n_brokers) != MQ_OK) {
            json_decref(j);
            return 1;
        }
        printf("%-20s  %-48s  %-48s\n", "#Cluster Name", "#Topic", "#Consumer Group");
    }
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        if (!json_is_string(t)) {
            continue;
        }
        const char *topic = json_string_value(t);
        if (!cluster_model) {
            printf("%s\n", topic);
            continue;
        }
        if (strncmp(topic, "%RETRY%", 7) == 0 || strncmp(topic, "%DLQ%", 5) == 0) {
            continue;
        }
        /* the cluster of the topic's first broker (findTopicBelongToWhichCluster) */
        const char *cluster = "";
        rmq_cmd_t rq, rr;
        adm_req(a, &rq, RMQ_GET_ROUTEINFO_BY_TOPIC);
        adm_add(a, &rq, "topic", topic);
        if (adm_ns_call(a, &rq, &rr) == MQ_OK && rr.code == RMQ_RC_SUCCESS) {
            json_t *r = adm_json_parse(rr.body.p, rr.body.n);
            const char *bn = adm_json_str(json_array_get(json_object_get(r, "brokerDatas"), 0),
                                          "brokerName", NULL);
            for (int b = 0; bn != NULL && b < n_brokers; b++) {
                if (strcmp(brokers[b].name, bn) == 0) {
                    cluster = brokers[b].cluster;
                    break;
                }
            }
            json_decref(r);
        }
        printf("%-20s  %-64s  %-64s\n", cluster, topic, "");
    }
    json_decref(j);
    return 0;
}

/* ---- topicRoute ---- */

static const adm_opt_t adm_topic_route_opts[] = {
    {'t', "topic", 1, 1, "topic name"},
    {'l', "list", 0, 0, "Use list format to print data"},
    {0, NULL, 0, 0, NULL},
};

#define ADM_ROUTE_FORMAT "%-45s %-32s %-50s %-10s %-11s %-5s\n"

static int
adm_topic_route(adm_t *a, const adm_args_t *args)
{
    adm_route_t r;
    if (adm_route_get(a, adm_arg(args, 't'), &r) != MQ_OK) {
        return 1;
    }
    if (!adm_has(args, 'l')) {
        /* TopicRouteData.toJson(true): pretty, keys sorted */
        char *s = json_dumps(r.json, JSON_INDENT(1) | JSON_SORT_KEYS);
        if (s == NULL) {
            return adm_fail(a, "cannot print the route");
        }
        for (char *p = s; *p; p++) { /* fastjson pretty-prints with tabs */
            if (*p == '\n') {
                fputc('\n', stdout);
                while (p[1] == ' ') {
                    fputc('\t', stdout);
                    p++;
                }
            } else {
                fputc(*p, stdout);
            }
        }
        fputc('\n', stdout);
        free(s);
        return 0;
    }
    int total_r = 0, total_w = 0, names = 0;
    printf(ADM_ROUTE_FORMAT, "#ClusterName", "#BrokerName", "#BrokerAddrs", "#ReadQueue",
           "#WriteQueue", "#Perm");
    for (int i = 0; i < r.n_queues; i++) {
        const struct adm_route_queue_s *q = &r.queues[i];
        char addrs[512] = "{";
        size_t k = 1;
        const char *cluster = "";
        for (int b = 0; b < r.n_brokers; b++) {
            if (strcmp(r.brokers[b].name, q->broker_name) == 0) {
                cluster = r.brokers[b].cluster;
                k += (size_t)snprintf(addrs + k, sizeof(addrs) - MQ_MIN(k, sizeof(addrs)),
                                      "%s%lld=%s", k > 1 ? ", " : "", (long long)r.brokers[b].id,
                                      r.brokers[b].addr);
                k = MQ_MIN(k, sizeof(addrs) - 2);
            }
        }
        snprintf(addrs + k, sizeof(addrs) - k, "}");
        char rq[16], wq[16], perm[16];
        snprintf(rq, sizeof(rq), "%d", q->read_queues);
        snprintf(wq, sizeof(wq), "%d", q->write_queues);
        snprintf(perm, sizeof(perm), "%d", q->perm);
        printf(ADM_ROUTE_FORMAT, cluster, q->broker_name, addrs, rq, wq, perm);
        total_r += q->read_queues;
        total_w += q->write_queues;
        names++;
    }
    for (int i = 0; i < 158; i++) {
        fputc('-', stdout);
    }
    fputc('\n', stdout);
    char nb[16], tr[16], tw[16];
    snprintf(nb, sizeof(nb), "%d", names);
    snprintf(tr, sizeof(tr), "%d", total_r);
    snprintf(tw, sizeof(tw), "%d", total_w);
    printf(ADM_ROUTE_FORMAT, "Total:", nb, "", tr, tw, "");
    return 0;
}

/* ---- topicStatus ---- */

static const adm_opt_t adm_topic_status_opts[] = {
    {'t', "topic", 1, 1, "topic name"},
    {'c', "cluster", 1, 0, "cluster name or lmq parent topic, lmq is used to find the route."},
    {0, NULL, 0, 0, NULL},
};

typedef struct adm_topic_offset_s {
    adm_mq_t mq;        /* the queue (first: adm_mq_cmp sorts these) */
    int64_t min_offset; /* TopicOffset.minOffset */
    int64_t max_offset; /* TopicOffset.maxOffset */
    int64_t last_ts;    /* TopicOffset.lastUpdateTimestamp */
} adm_topic_offset_t;

/* Store time of the message at offset (0 if it cannot be read). */
static int64_t
adm_store_ts_at(adm_t *a, const char *addr, const char *topic, int qid, int64_t offset)
{
    rmq_cmd_t resp;
    if (adm_pull(a, addr, "TOOLS_CONSUMER", topic, qid, offset, 1, &resp) != MQ_OK ||
        resp.code != RMQ_RC_SUCCESS) {
        return 0;
    }
    mq_msg_t m;
    if (mq_msg_record_decode((const uint8_t *)resp.body.p, resp.body.n, &m) != MQ_OK) {
        return 0;
    }
    return m.store_ts;
}

static int
adm_topic_status(adm_t *a, const adm_args_t *args)
{
    const char *topic = adm_arg(args, 't');
    adm_route_t r;
    /* -c: the route of the cluster (or LMQ parent topic) names the brokers to ask */
    if (adm_route_get(a, adm_has(args, 'c') ? adm_arg(args, 'c') : topic, &r) != MQ_OK) {
        return 1;
    }
    int cap = 0;
    for (int i = 0; i < r.n_queues; i++) {
        cap += MQ_MAX(r.queues[i].read_queues, r.queues[i].write_queues);
    }
    cap += 1024;
    adm_topic_offset_t *rows = mq_pcalloc(&a->pool, sizeof(*rows) * (size_t)cap);
    int n = 0;
    double tps = 0;
    for (int b = 0; b < r.n_brokers; b++) {
        if (r.brokers[b].id != 0) {
            continue;
        }
        const char *addr = r.brokers[b].addr;
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_GET_TOPIC_STATS_INFO);
        adm_add(a, &req, "topic", topic);
        if (adm_call(a, addr, &req, &resp) != MQ_OK) {
            return 1;
        }
        if (resp.code == RMQ_RC_REQUEST_CODE_NOT_SUPPORTED) {
            /* per-queue offsets instead (what TopicStatsTable is built from) */
            int nq = 0;
            for (int i = 0; i < r.n_queues; i++) {
                if (strcmp(r.queues[i].broker_name, r.brokers[b].name) == 0) {
                    nq = r.queues[i].read_queues;
                }
            }
            for (int q = 0; q < nq && n < cap; q++) {
                adm_topic_offset_t *row = &rows[n];
                snprintf(row->mq.topic, sizeof(row->mq.topic), "%s", topic);
                snprintf(row->mq.broker_name, sizeof(row->mq.broker_name), "%s", r.brokers[b].name);
                row->mq.queue_id = q;
                if (adm_queue_offset(a, addr, RMQ_GET_MIN_OFFSET, topic, q, 0, &row->min_offset) ||
                    adm_queue_offset(a, addr, RMQ_GET_MAX_OFFSET, topic, q, 0, &row->max_offset)) {
                    return 1;
                }
                if (row->max_offset > 0) {
                    row->last_ts = adm_store_ts_at(a, addr, topic, q, row->max_offset - 1);
                }
                n++;
            }
            continue;
        }
        if (adm_resp_ok(a, &resp, "GET_TOPIC_STATS_INFO")) {
            return 1;
        }
        json_t *j = adm_json_parse(resp.body.p, resp.body.n);
        json_t *table = json_object_get(j, "offsetTable");
        if (!json_is_object(table)) {
            json_decref(j);
            return adm_fail(a, "malformed TopicStatsTable body from %s", addr);
        }
        tps += adm_json_f64(j, "topicPutTps", 0);
        const char *k;
        json_t *v;
        json_object_foreach(table, k, v)
        {
            if (n >= cap || adm_mq_parse(k, &rows[n].mq) != MQ_OK) {
                continue;
            }
            rows[n].min_offset = adm_json_i64(v, "minOffset", 0);
            rows[n].max_offset = adm_json_i64(v, "maxOffset", 0);
            rows[n].last_ts = adm_json_i64(v, "lastUpdateTimestamp", 0);
            n++;
        }
        json_decref(j);
    }
    if (n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(rows, (size_t)n, sizeof(*rows), adm_mq_cmp);
    printf("%-32s  %-4s  %-20s  %-20s    %s\n", "#Broker Name", "#QID", "#Min Offset",
           "#Max Offset", "#Last Updated");
    for (int i = 0; i < n; i++) {
        char ts[32] = "";
        if (rows[i].last_ts > 0) {
            adm_time_human2(rows[i].last_ts, ts);
        }
        printf("%-32s  %-4d  %-20lld  %-20lld    %s\n", rows[i].mq.broker_name, rows[i].mq.queue_id,
               (long long)rows[i].min_offset, (long long)rows[i].max_offset, ts);
    }
    char tpss[32];
    adm_double_str(tps, tpss);
    printf("\nTopic Put TPS: %s\n", tpss);
    return 0;
}

const adm_cmd_t adm_topic_cmds[] = {
    {"updateTopic", "Update or create topic.", adm_update_topic_opts, "bc", adm_update_topic},
    {"deleteTopic", "Delete topic from broker and NameServer.", adm_delete_topic_opts, NULL,
     adm_delete_topic},
    {"topicList", "Fetch all topic list from name server.", adm_topic_list_opts, NULL,
     adm_topic_list},
    {"topicRoute", "Examine topic route info.", adm_topic_route_opts, NULL, adm_topic_route},
    {"topicStatus", "Examine topic Status info.", adm_topic_status_opts, NULL, adm_topic_status},
    {NULL, NULL, NULL, NULL, NULL},
};
