/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_route.c -- topic routes from the NameServer (GET_ROUTEINFO_BY_TOPIC, code 105) parsed
 * into mqc_route_t (rocketmq-protocol.md section 3.1), and the queue lists producers and
 * consumers build from them. The parser is lenient the way RocketMQ clients are: fastjson's
 * legacy form writes brokerAddrs with bare integer keys ({0:"ip:port"}), which is quoted before
 * jansson sees it (rmq_json_quote_int_keys, shared with the broker's decoders in
 * rmq_route.c); unknown fields are ignored; numbers may arrive as strings.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mqc_int.h"
#include "rmq_route.h"

#define MQC_ROUTE_TIMEOUT_MS 3000

/* ---- Lenient JSON ---- */

/* An int from a JSON number or numeric string; def when neither. */
static int64_t
mqc_json_i64(const json_t *v, int64_t def)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_string(v)) {
        char *end;
        long long x = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0')
            return x;
    }
    return def;
}

static void
mqc_json_copy(char *dst, size_t n, const json_t *v)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    snprintf(dst, n, "%s", s);
}

int
mqc_route_parse(mq_str_t body, mqc_route_t *out)
{
    mq_buf_t fixed = MQ_BUF_INIT;
    json_error_t jerr;
    json_t *root, *qds, *bds;
    int rc = MQ_EPROTO;
    memset(out, 0, sizeof(*out));
    rmq_json_quote_int_keys(body, &fixed);
    root = json_loadb((const char *)fixed.data, fixed.len, 0, &jerr);
    mq_buf_fini(&fixed);
    if (!json_is_object(root))
        goto out;
    qds = json_object_get(root, "queueDatas");
    bds = json_object_get(root, "brokerDatas");
    if ((qds && !json_is_array(qds)) || (bds && !json_is_array(bds)))
        goto out;
    if (qds && json_array_size(qds) > 0) {
        size_t i;
        json_t *q;
        out->queues = mq_xcalloc(json_array_size(qds), sizeof(*out->queues));
        json_array_foreach(qds, i, q)
        {
            mqc_queue_data_t *d = &out->queues[out->n_queues];
            if (!json_is_object(q))
                continue;
            mqc_json_copy(d->broker_name, sizeof(d->broker_name), json_object_get(q, "brokerName"));
            d->read_queues = (int)mqc_json_i64(json_object_get(q, "readQueueNums"), 0);
            d->write_queues = (int)mqc_json_i64(json_object_get(q, "writeQueueNums"), 0);
            d->perm = (int)mqc_json_i64(json_object_get(q, "perm"), 6);
            if (d->read_queues < 0 || d->read_queues > 65535 || d->write_queues < 0 ||
                d->write_queues > 65535)
                goto out;
            out->n_queues++;
        }
    }
    if (bds) {
        size_t i, total = 0;
        json_t *b;
        json_array_foreach(bds, i, b)
        {
            json_t *addrs = json_object_get(b, "brokerAddrs");
            if (json_is_object(addrs))
                total += json_object_size(addrs);
        }
        if (total > 0)
            out->brokers = mq_xcalloc(total, sizeof(*out->brokers));
        json_array_foreach(bds, i, b)
        {
            json_t *addrs = json_object_get(b, "brokerAddrs"), *a;
            const char *key;
            if (!json_is_object(addrs))
                continue;
            json_object_foreach(addrs, key, a)
            {
                mqc_broker_addr_t *ba = &out->brokers[out->n_brokers];
                char *end;
                long long id = strtoll(key, &end, 10);
                if (end == key || *end || !json_is_string(a))
                    continue;
                mqc_json_copy(ba->cluster, sizeof(ba->cluster), json_object_get(b, "cluster"));
                mqc_json_copy(ba->name, sizeof(ba->name), json_object_get(b, "brokerName"));
                mqc_json_copy(ba->addr, sizeof(ba->addr), a);
                ba->id = id;
                out->n_brokers++;
            }
        }
    }
    out->json = mq_str_dup(body);
    rc = MQ_OK;
out:
    json_decref(root);
    if (rc != MQ_OK)
        mqc_route_fini(out);
    return rc;
}

void
mqc_route_fini(mqc_route_t *r)
{
    if (!r)
        return;
    free(r->queues);
    free(r->brokers);
    free(r->json);
    memset(r, 0, sizeof(*r));
}

const char *
mqc_route_master(const mqc_route_t *r, const char *broker_name)
{
    for (int i = 0; i < r->n_brokers; i++)
        if (r->brokers[i].id == 0 && strcmp(r->brokers[i].name, broker_name) == 0)
            return r->brokers[i].addr;
    return NULL;
}

int
mqc_route_get(mqc_namesrv_t *ns, const char *topic, mqc_route_t *out)
{
    mq_pool_t pool;
    rmq_cmd_t req, resp;
    int rc;
    memset(out, 0, sizeof(*out));
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&req, RMQ_GET_ROUTEINFO_BY_TOPIC, 0, 0);
    rmq_cmd_add(&req, &pool, "topic", mq_str_from_cstr(topic));
    rmq_cmd_add(&req, &pool, "acceptStandardJsonOnly", MQ_STR("true"));
    rc = mqc_namesrv_call(ns, &req, MQC_ROUTE_TIMEOUT_MS, &pool, &resp);
    if (rc == MQ_OK) {
        if (resp.code == RMQ_RC_TOPIC_NOT_EXIST)
            rc = MQ_ENOENT;
        else if (resp.code != RMQ_RC_SUCCESS)
            rc = MQ_ERR;
        else
            rc = mqc_route_parse(resp.body, out);
    }
    mq_pool_fini(&pool);
    return rc;
}

/* ---- Queue lists ---- */

static int
mqc_wq_cmp(const void *a, const void *b)
{
    const mqc_wq_t *x = a, *y = b;
    int c = strcmp(x->broker_name, y->broker_name);
    return c ? c : (x->queue_id > y->queue_id) - (x->queue_id < y->queue_id);
}

int
mqc_route_queues(const mqc_route_t *r, int want, int max_per_broker, mqc_wq_t **out)
{
    int total = 0, n = 0;
    *out = NULL;
    for (int i = 0; i < r->n_queues; i++)
        total += want == MQC_PERM_WRITE ? r->queues[i].write_queues : r->queues[i].read_queues;
    if (total == 0)
        return 0;
    *out = mq_xcalloc((size_t)total, sizeof(**out));
    for (int i = 0; i < r->n_queues; i++) {
        const mqc_queue_data_t *q = &r->queues[i];
        int count = want == MQC_PERM_WRITE ? q->write_queues : q->read_queues;
        int dup = 0;
        if (!(q->perm & want) || !mqc_route_master(r, q->broker_name))
            continue;
        for (int k = 0; k < i; k++)
            dup |= strcmp(r->queues[k].broker_name, q->broker_name) == 0;
        if (dup)
            continue;
        if (max_per_broker > 0 && count > max_per_broker)
            count = max_per_broker;
        for (int qid = 0; qid < count; qid++) {
            snprintf((*out)[n].broker_name, sizeof((*out)[n].broker_name), "%s", q->broker_name);
            (*out)[n].queue_id = qid;
            n++;
        }
    }
    if (n == 0) {
        free(*out);
        *out = NULL;
        return 0;
    }
    qsort(*out, (size_t)n, sizeof(**out), mqc_wq_cmp);
    return n;
}
