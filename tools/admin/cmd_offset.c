/* SPDX-License-Identifier: Apache-2.0
 *
 * cmd_offset.c -- mqadmin resetOffsetByTime, after RocketMQ's ResetOffsetByTimeCommand, and
 * the queue-offset calls other commands share (GET_MIN/MAX_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP,
 * QUERY/UPDATE_CONSUMER_OFFSET).
 *
 * resetOffsetByTime asks every master of the topic to reset the group (INVOKE_BROKER_TO_RESET_
 * OFFSET, answer: a ResetOffsetBody). When the broker answers CONSUMER_NOT_ONLINE (or does not
 * know the code) it falls back to what ResetOffsetByTimeOldCommand does: per queue, search the
 * offset of the timestamp and commit it for the group (rolling back only when -f is true or
 * the new offset is behind the committed one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

int
adm_queue_offset(adm_t *a, const char *addr, int32_t code, const char *topic, int queue_id,
                 int64_t ts, int64_t *out)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, code);
    adm_add(a, &req, "topic", topic);
    adm_add_i64(a, &req, "queueId", queue_id);
    if (code == RMQ_SEARCH_OFFSET_BY_TIMESTAMP) {
        adm_add_i64(a, &req, "timestamp", ts);
    }
    if (adm_call(a, addr, &req, &resp) != MQ_OK) {
        return MQ_EIO;
    }
    if (adm_resp_ok(a, &resp, rmq_request_name(code))) {
        return MQ_ERR;
    }
    if (rmq_cmd_ext_i64(&resp, "offset", out) != MQ_OK) {
        adm_fail(a, "%s: no offset in the response", rmq_request_name(code));
        return MQ_EPROTO;
    }
    return MQ_OK;
}

int
adm_consumer_offset(adm_t *a, const char *addr, const char *group, const char *topic, int queue_id,
                    int64_t *out)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_QUERY_CONSUMER_OFFSET);
    adm_add(a, &req, "consumerGroup", group);
    adm_add(a, &req, "topic", topic);
    adm_add_i64(a, &req, "queueId", queue_id);
    if (adm_call(a, addr, &req, &resp) != MQ_OK) {
        return MQ_EIO;
    }
    if (resp.code == RMQ_RC_QUERY_NOT_FOUND) {
        *out = -1;
        return MQ_ENOENT;
    }
    if (adm_resp_ok(a, &resp, "QUERY_CONSUMER_OFFSET")) {
        return MQ_ERR;
    }
    if (rmq_cmd_ext_i64(&resp, "offset", out) != MQ_OK) {
        return MQ_EPROTO;
    }
    return MQ_OK;
}

static int
adm_commit_offset(adm_t *a, const char *addr, const char *group, const char *topic, int queue_id,
                  int64_t offset)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_UPDATE_CONSUMER_OFFSET);
    adm_add(a, &req, "consumerGroup", group);
    adm_add(a, &req, "topic", topic);
    adm_add_i64(a, &req, "queueId", queue_id);
    adm_add_i64(a, &req, "commitOffset", offset);
    if (adm_call(a, addr, &req, &resp) != MQ_OK ||
        adm_resp_ok(a, &resp, "UPDATE_CONSUMER_OFFSET")) {
        return MQ_ERR;
    }
    return MQ_OK;
}

/* ---- resetOffsetByTime ---- */

static const adm_opt_t adm_reset_offset_opts[] = {
    {'g', "group", 1, 1, "set the consumer group"},
    {'t', "topic", 1, 1, "set the topic"},
    {'s', "timestamp", 1, 1, "set the timestamp[now|currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]"},
    {'f', "force", 1, 0, "set the force rollback by timestamp switch[true|false]. Deprecated."},
    {'b', "broker", 1, 0, "broker addr"},
    {'q', "queue", 1, 0, "queue id"},
    {'o', "offset", 1, 0, "Expect queue offset, not support old version broker"},
    {'c', "cluster", 1, 0, "Cluster name or lmq parent topic, lmq is used to find the route."},
    {0, NULL, 0, 0, NULL},
};

typedef struct adm_reset_row_s {
    adm_mq_t mq;    /* first: sorted with adm_mq_cmp */
    int64_t offset; /* new offset */
} adm_reset_row_t;

/* ResetOffsetByTimeOldCommand: client-side search and commit per queue. */
static int
adm_reset_old(adm_t *a, const adm_route_t *r, const char *group, const char *topic,
              const char *ts_str, int64_t ts, int force)
{
    printf("reset consumer offset by specified consumerGroup[%s], topic[%s], force[%s], "
           "timestamp(string)[%s], timestamp(long)[%lld]\n",
           group, topic, force ? "true" : "false", ts_str, (long long)ts);
    printf("%-20s  %-20s  %-20s  %-20s  %-20s  %-20s\n", "#brokerName", "#queueId", "#brokerOffset",
           "#consumerOffset", "#timestampOffset", "#resetOffset");
    for (int i = 0; i < r->n_queues; i++) {
        const char *addr = adm_route_master(r, r->queues[i].broker_name);
        if (addr == NULL) {
            continue;
        }
        for (int q = 0; q < r->queues[i].read_queues; q++) {
            int64_t broker_off, consumer_off, ts_off;
            if (adm_queue_offset(a, addr, RMQ_GET_MAX_OFFSET, topic, q, 0, &broker_off) ||
                adm_queue_offset(a, addr, RMQ_SEARCH_OFFSET_BY_TIMESTAMP, topic, q, ts, &ts_off)) {
                return 1;
            }
            int rc = adm_consumer_offset(a, addr, group, topic, q, &consumer_off);
            if (rc != MQ_OK && rc != MQ_ENOENT) {
                return 1;
            }
            if (rc == MQ_ENOENT) {
                consumer_off = 0;
            }
            int64_t reset = consumer_off;
            if (force || ts_off <= consumer_off) {
                reset = ts_off;
            }
            if (adm_commit_offset(a, addr, group, topic, q, reset) != MQ_OK) {
                return 1;
            }
            printf("%-20s  %-20d  %-20lld  %-20lld  %-20lld  %-20lld\n", r->queues[i].broker_name,
                   q, (long long)broker_off, (long long)consumer_off, (long long)ts_off,
                   (long long)reset);
        }
    }
    return 0;
}

static int
adm_reset_offset(adm_t *a, const adm_args_t *args)
{
    const char *group = adm_arg(args, 'g');
    const char *topic = adm_arg(args, 't');
    const char *ts_str = adm_arg(args, 's');
    int64_t ts, queue_id, offset;
    if (adm_time_parse(ts_str, &ts) != MQ_OK) {
        return adm_fail(a, "specified timestamp invalid: %s", ts_str);
    }
    if (adm_arg_i64(args, 'q', -1, &queue_id) || adm_arg_i64(args, 'o', -1, &offset)) {
        return 1;
    }
    int force = adm_arg_bool(args, 'f', 1);

    if (adm_has(args, 'b') && queue_id >= 0) {
        const char *addr = adm_arg(args, 'b');
        printf("start reset consumer offset by specified, group[%s], topic[%s], queueId[%lld], "
               "broker[%s], timestamp(string)[%s], timestamp(long)[%lld]\n",
               group, topic, (long long)queue_id, addr, ts_str, (long long)ts);
        int64_t reset = offset;
        if (!adm_has(args, 'o') && adm_queue_offset(a, addr, RMQ_SEARCH_OFFSET_BY_TIMESTAMP, topic,
                                                    (int)queue_id, ts, &reset) != MQ_OK) {
            return 1;
        }
        printf("reset consumer offset to %lld\n", (long long)reset);
        if (reset >= 0 && adm_commit_offset(a, addr, group, topic, (int)queue_id, reset) != MQ_OK) {
            return 1;
        }
        return 0;
    }

    adm_route_t r;
    if (adm_route_get(a, topic, &r) != MQ_OK) {
        return 1;
    }
    int cap = 1024;
    for (int i = 0; i < r.n_queues; i++) {
        cap += MQ_MAX(r.queues[i].read_queues, r.queues[i].write_queues);
    }
    adm_reset_row_t *rows = mq_pcalloc(&a->pool, sizeof(*rows) * (size_t)cap);
    int n = 0;
    for (int i = 0; i < r.n_queues; i++) {
        const char *addr = adm_route_master(&r, r.queues[i].broker_name);
        if (addr == NULL) {
            continue;
        }
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_INVOKE_BROKER_TO_RESET_OFFSET);
        adm_add(a, &req, "topic", topic);
        adm_add(a, &req, "group", group);
        adm_add_i64(a, &req, "timestamp", ts);
        adm_add(a, &req, "isForce", force ? "true" : "false");
        if (adm_call(a, addr, &req, &resp) != MQ_OK) {
            return 1;
        }
        if (resp.code == RMQ_RC_CONSUMER_NOT_ONLINE ||
            resp.code == RMQ_RC_REQUEST_CODE_NOT_SUPPORTED) {
            return adm_reset_old(a, &r, group, topic, ts_str, ts, force);
        }
        if (adm_resp_ok(a, &resp, "INVOKE_BROKER_TO_RESET_OFFSET")) {
            return 1;
        }
        json_t *j = adm_json_parse(resp.body.p, resp.body.n);
        json_t *table = json_object_get(j, "offsetTable");
        const char *k;
        json_t *v;
        json_object_foreach(table, k, v)
        {
            if (n < cap && json_is_integer(v) && adm_mq_parse(k, &rows[n].mq) == MQ_OK) {
                rows[n].offset = json_integer_value(v);
                n++;
            }
        }
        json_decref(j);
    }
    printf("start reset consumer offset by specified, group[%s], topic[%s], force[%s], "
           "timestamp(string)[%s], timestamp(long)[%lld]\n",
           group, topic, force ? "true" : "false", ts_str, (long long)ts);
    printf("%-40s  %-40s  %-40s\n", "#brokerName", "#queueId", "#offset");
    if (n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(rows, (size_t)n, sizeof(*rows), adm_mq_cmp);
    for (int i = 0; i < n; i++) {
        printf("%-40s  %-40d  %-40lld\n", rows[i].mq.broker_name, rows[i].mq.queue_id,
               (long long)rows[i].offset);
    }
    return 0;
}

const adm_cmd_t adm_offset_cmds[] = {
    {"resetOffsetByTime", "Reset consumer offset by timestamp(without client restart).",
     adm_reset_offset_opts, NULL, adm_reset_offset},
    {NULL, NULL, NULL, NULL, NULL},
};
