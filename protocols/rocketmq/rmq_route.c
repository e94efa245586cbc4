/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_route.c -- decoders of TopicRouteData and ClusterInfo bodies (rmq_route.h), with
 * jansson: these answers are small and rare, so clarity wins over speed here.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rmq_route.h"

#define RMQ_ROUTE_MAX_QUEUES 65535 /* a QueueData's counts beyond this are not believed */

static int
rmq_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

void
rmq_json_quote_int_keys(mq_str_t in, mq_buf_t *out)
{
    const char *p = in.p, *end = in.p + in.n;
    int expect_key = 0; /* just after '{' or ',' inside an object */
    /* "after { or ," plus a following ':' is enough to tell a key: a bare number followed by
     * ':' is never valid elsewhere */
    while (p < end) {
        char ch = *p;
        if (ch == '"') { /* copy the string whole, escapes included */
            const char *s = p++;
            while (p < end && *p != '"')
                p += (*p == '\\' && p + 1 < end) ? 2 : 1;
            if (p < end)
                p++;
            mq_buf_append(out, s, (size_t)(p - s));
            expect_key = 0;
            continue;
        }
        if (expect_key && (ch == '-' || (ch >= '0' && ch <= '9'))) {
            const char *s = p, *q;
            p++;
            while (p < end && *p >= '0' && *p <= '9')
                p++;
            q = p;
            while (q < end && rmq_is_space(*q))
                q++;
            if (q < end && *q == ':') {
                mq_buf_append(out, "\"", 1);
                mq_buf_append(out, s, (size_t)(p - s));
                mq_buf_append(out, "\"", 1);
            } else {
                mq_buf_append(out, s, (size_t)(p - s));
            }
            expect_key = 0;
            continue;
        }
        if (ch == '{' || ch == ',')
            expect_key = 1;
        else if (!rmq_is_space(ch))
            expect_key = 0;
        mq_buf_append(out, p, 1);
        p++;
    }
}

/* An int from a JSON number or numeric string; def when neither. */
static int64_t
rmq_json_i64(const json_t *v, int64_t def)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        long long x = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0')
            return x;
    }
    return def;
}

static mq_str_t
rmq_json_pstr(mq_pool_t *pool, const json_t *v)
{
    mq_str_t s = MQ_STR("");
    if (json_is_string(v))
        s = (mq_str_t){json_string_value(v), json_string_length(v)};
    return (mq_str_t){mq_pstrdup(pool, s), s.n};
}

static json_t *
rmq_route_load(mq_str_t body)
{
    mq_buf_t fixed = MQ_BUF_INIT;
    json_error_t jerr;
    json_t *root;
    rmq_json_quote_int_keys(body, &fixed);
    root = json_loadb((const char *)fixed.data, fixed.len, 0, &jerr);
    mq_buf_fini(&fixed);
    if (root && !json_is_object(root)) {
        json_decref(root);
        root = NULL;
    }
    return root;
}

/* One BrokerData object into out. 0 when it is not one. */
static int
rmq_broker_data(const json_t *b, mq_pool_t *pool, mq_route_broker_t *out)
{
    const json_t *addrs = json_object_get(b, "brokerAddrs"), *a;
    const char *key;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(b))
        return 0;
    out->cluster = rmq_json_pstr(pool, json_object_get(b, "cluster"));
    out->broker_name = rmq_json_pstr(pool, json_object_get(b, "brokerName"));
    out->kafka_listener = rmq_json_pstr(pool, json_object_get(b, "kafkaListener"));
    out->kafka_node_id = rmq_json_i64(json_object_get(b, "kafkaNodeId"), -1);
    if (out->kafka_listener.n == 0)
        out->kafka_node_id = -1;
    if (!json_is_object(addrs))
        return 1;
    out->ids = mq_palloc(pool, (json_object_size(addrs) + 1) * sizeof(*out->ids));
    out->addrs = mq_palloc(pool, (json_object_size(addrs) + 1) * sizeof(*out->addrs));
    json_object_foreach((json_t *)addrs, key, a)
    {
        char *end;
        long long id = strtoll(key, &end, 10);
        if (end == key || *end || !json_is_string(a))
            continue;
        out->ids[out->n_addrs] = id;
        out->addrs[out->n_addrs] = rmq_json_pstr(pool, a);
        out->n_addrs++;
    }
    return 1;
}

int
rmq_route_decode(mq_str_t body, mq_pool_t *pool, mq_route_t *out)
{
    json_t *root = rmq_route_load(body), *qds, *bds, *v;
    size_t i;
    int rc = MQ_EPROTO;
    memset(out, 0, sizeof(*out));
    if (!root)
        return MQ_EPROTO;
    qds = json_object_get(root, "queueDatas");
    bds = json_object_get(root, "brokerDatas");
    if ((qds && !json_is_array(qds)) || (bds && !json_is_array(bds)))
        goto out;
    if (qds) {
        out->queues = mq_pcalloc(pool, (json_array_size(qds) + 1) * sizeof(*out->queues));
        json_array_foreach(qds, i, v)
        {
            mq_route_queue_t *q = &out->queues[out->n_queues];
            if (!json_is_object(v))
                continue;
            q->broker_name = rmq_json_pstr(pool, json_object_get(v, "brokerName"));
            q->read_queues = (int32_t)rmq_json_i64(json_object_get(v, "readQueueNums"), 0);
            q->write_queues = (int32_t)rmq_json_i64(json_object_get(v, "writeQueueNums"), 0);
            q->perm = (int32_t)rmq_json_i64(json_object_get(v, "perm"), 6);
            q->topic_sys_flag = (int32_t)rmq_json_i64(json_object_get(v, "topicSysFlag"), 0);
            if (q->read_queues < 0 || q->read_queues > RMQ_ROUTE_MAX_QUEUES ||
                q->write_queues < 0 || q->write_queues > RMQ_ROUTE_MAX_QUEUES)
                goto out;
            out->n_queues++;
        }
    }
    if (bds) {
        out->brokers = mq_pcalloc(pool, (json_array_size(bds) + 1) * sizeof(*out->brokers));
        json_array_foreach(bds, i, v)
        {
            if (rmq_broker_data(v, pool, &out->brokers[out->n_brokers]))
                out->n_brokers++;
        }
    }
    v = json_object_get(root, "orderTopicConf");
    out->order_topic_conf = json_is_string(v) ? rmq_json_pstr(pool, v) : MQ_STR_NULL;
    rc = MQ_OK;
out:
    json_decref(root);
    return rc;
}

int
rmq_cluster_info_decode(mq_str_t body, mq_pool_t *pool, mq_cluster_info_t *out)
{
    json_t *root = rmq_route_load(body), *table, *v;
    const char *key;
    int rc = MQ_EPROTO;
    memset(out, 0, sizeof(*out));
    if (!root)
        return MQ_EPROTO;
    table = json_object_get(root, "brokerAddrTable");
    if (table && !json_is_object(table))
        goto out;
    if (table) {
        out->brokers = mq_pcalloc(pool, (json_object_size(table) + 1) * sizeof(*out->brokers));
        json_object_foreach(table, key, v)
        {
            if (rmq_broker_data(v, pool, &out->brokers[out->n_brokers]))
                out->n_brokers++;
        }
    }
    rc = MQ_OK;
out:
    json_decref(root);
    return rc;
}
