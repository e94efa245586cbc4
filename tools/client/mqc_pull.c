/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_pull.c -- the pull consumer of the client library (mqc.h, "Pull consumer"): readable
 * queues of a topic from its route, PULL_MESSAGE with long polling (rocketmq-protocol.md
 * section 2.4), min/max/search offsets and the group's committed offsets (QUERY_ / UPDATE_
 * CONSUMER_OFFSET). Also the request builder and response reader the push consumer uses.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq/strmap.h"
#include "mqc_int.h"

#define MQC_PULL_ROUTE_TTL_MS 30000
#define MQC_ADMIN_TIMEOUT_MS 3000

typedef struct mqc_sub_route_s {
    mqc_route_t route;  /* the topic's route */
    int64_t fetched_ms; /* when */
} mqc_sub_route_t;

struct mqc_pull_s {
    char *group;            /* consumer group */
    mqc_namesrv_t *ns;      /* NameServer list */
    mqc_brokers_t *brokers; /* broker connections */
    pthread_mutex_t lock;   /* routes */
    mq_strmap_t routes;     /* topic -> mqc_sub_route_t* */
};

/* ---- Request and response (shared with the push consumer) ---- */

void
mqc_pull_header(rmq_cmd_t *c, mq_pool_t *pool, const char *group, const mqc_mq_t *mq,
                const char *sub_expr, int64_t offset, int max_msgs, int sys_flag,
                int64_t commit_offset, int hold_ms, int64_t sub_version)
{
    rmq_cmd_init(c, RMQ_PULL_MESSAGE, 0, 0);
    rmq_cmd_add(c, pool, "consumerGroup", mq_str_from_cstr(group));
    rmq_cmd_add(c, pool, "topic", mq_str_from_cstr(mq->topic));
    rmq_cmd_add_i64(c, pool, "queueId", mq->queue_id);
    rmq_cmd_add_i64(c, pool, "queueOffset", offset);
    rmq_cmd_add_i64(c, pool, "maxMsgNums", max_msgs);
    rmq_cmd_add_i64(c, pool, "sysFlag", sys_flag);
    rmq_cmd_add_i64(c, pool, "commitOffset", commit_offset);
    rmq_cmd_add_i64(c, pool, "suspendTimeoutMillis", hold_ms);
    if (sys_flag & MQC_PULL_FLAG_SUBSCRIPTION)
        rmq_cmd_add(c, pool, "subscription",
                    mq_str_from_cstr(sub_expr && *sub_expr ? sub_expr : "*"));
    rmq_cmd_add_i64(c, pool, "subVersion", sub_version);
    rmq_cmd_add(c, pool, "expressionType", MQ_STR("TAG"));
    rmq_cmd_add(c, pool, "bname", mq_str_from_cstr(mq->broker_name));
}

int
mqc_pull_result(const rmq_cmd_t *resp, const char *sub_expr, mq_pool_t *pool,
                mqc_pull_result_t *out)
{
    int64_t v;
    memset(out, 0, sizeof(*out));
    out->next_offset = rmq_cmd_ext_i64(resp, "nextBeginOffset", &v) == MQ_OK ? v : -1;
    out->min_offset = rmq_cmd_ext_i64(resp, "minOffset", &v) == MQ_OK ? v : 0;
    out->max_offset = rmq_cmd_ext_i64(resp, "maxOffset", &v) == MQ_OK ? v : 0;
    switch (resp->code) {
    case RMQ_RC_SUCCESS: {
        int64_t last;
        int n = mqc_msg_decode_pull(resp->body, sub_expr, pool, &out->msgs, &last);
        if (n < 0)
            return n;
        out->n_msgs = n;
        out->status = n > 0 ? MQC_PULL_FOUND : MQC_PULL_NO_MATCHED_MSG;
        if (out->next_offset < 0 && last >= 0)
            out->next_offset = last + 1;
        return MQ_OK;
    }
    case RMQ_RC_PULL_NOT_FOUND:
        out->status = MQC_PULL_NO_NEW_MSG;
        return MQ_OK;
    case RMQ_RC_PULL_RETRY_IMMEDIATELY:
        out->status = MQC_PULL_NO_MATCHED_MSG;
        return MQ_OK;
    case RMQ_RC_PULL_OFFSET_MOVED:
        out->status = MQC_PULL_OFFSET_ILLEGAL;
        return MQ_OK;
    default:
        return MQ_ERR;
    }
}

/* ---- The pull consumer ---- */

int
mqc_pull_new(const char *namesrv, const char *group, mqc_pull_t **out, char *err, size_t errlen)
{
    mqc_pull_t *c;
    int rc;
    *out = NULL;
    if (!group || !*group)
        return mqc_fail(err, errlen, MQ_EINVAL, "a consumer group is needed");
    c = mq_xcalloc(1, sizeof(*c));
    rc = mqc_namesrv_new(namesrv, &c->ns, err, errlen);
    if (rc != MQ_OK) {
        free(c);
        return rc;
    }
    c->group = mq_xstrdup(group);
    c->brokers = mqc_brokers_new();
    pthread_mutex_init(&c->lock, NULL);
    mq_strmap_init(&c->routes);
    *out = c;
    return MQ_OK;
}

static void
mqc_sub_route_free(void *v)
{
    mqc_sub_route_t *s = v;
    mqc_route_fini(&s->route);
    free(s);
}

void
mqc_pull_free(mqc_pull_t *c)
{
    if (!c)
        return;
    mqc_brokers_free(c->brokers);
    mqc_namesrv_free(c->ns);
    mq_strmap_fini(&c->routes, mqc_sub_route_free);
    pthread_mutex_destroy(&c->lock);
    free(c->group);
    free(c);
}

/* The route of topic, refreshed when old or when force is set; under c->lock. */
static int
mqc_pull_route(mqc_pull_t *c, const char *topic, int force, mqc_sub_route_t **out)
{
    mq_str_t key = mq_str_from_cstr(topic);
    mqc_sub_route_t *s = mq_strmap_get(&c->routes, key);
    int64_t now = mq_now_ms();
    mqc_route_t r;
    int rc;
    if (s && !force && now - s->fetched_ms < MQC_PULL_ROUTE_TTL_MS) {
        *out = s;
        return MQ_OK;
    }
    rc = mqc_route_get(c->ns, topic, &r);
    if (rc != MQ_OK) {
        if (s && rc != MQ_ENOENT) {
            *out = s;
            return MQ_OK;
        }
        return rc;
    }
    if (!s) {
        s = mq_xcalloc(1, sizeof(*s));
        mq_strmap_put(&c->routes, key, s);
    }
    mqc_route_fini(&s->route);
    s->route = r;
    s->fetched_ms = now;
    *out = s;
    return MQ_OK;
}

int
mqc_pull_queues(mqc_pull_t *c, const char *topic, mqc_mq_t **mqs, int *n, mq_pool_t *pool)
{
    mqc_sub_route_t *s;
    mqc_wq_t *wq = NULL;
    int rc, count = 0;
    *mqs = NULL;
    *n = 0;
    pthread_mutex_lock(&c->lock);
    rc = mqc_pull_route(c, topic, 1, &s);
    if (rc == MQ_OK)
        count = mqc_route_queues(&s->route, MQC_PERM_READ, 0, &wq);
    pthread_mutex_unlock(&c->lock);
    if (rc != MQ_OK)
        return rc;
    if (count > 0) {
        *mqs = mq_pcalloc(pool, (size_t)count * sizeof(**mqs));
        for (int i = 0; i < count; i++) {
            snprintf((*mqs)[i].topic, sizeof((*mqs)[i].topic), "%s", topic);
            memcpy((*mqs)[i].broker_name, wq[i].broker_name, sizeof(wq[i].broker_name));
            (*mqs)[i].queue_id = wq[i].queue_id;
        }
    }
    free(wq);
    *n = count;
    return MQ_OK;
}

/* The connection to mq's master broker. */
static int
mqc_pull_conn(mqc_pull_t *c, const mqc_mq_t *mq, mqc_conn_t **conn)
{
    mqc_sub_route_t *s;
    char addr[128] = "";
    int rc;
    pthread_mutex_lock(&c->lock);
    rc = mqc_pull_route(c, mq->topic, 0, &s);
    if (rc == MQ_OK) {
        const char *a = mqc_route_master(&s->route, mq->broker_name);
        if (!a && mqc_pull_route(c, mq->topic, 1, &s) == MQ_OK)
            a = mqc_route_master(&s->route, mq->broker_name);
        if (a)
            snprintf(addr, sizeof(addr), "%s", a);
        else
            rc = MQ_ENOENT;
    }
    pthread_mutex_unlock(&c->lock);
    if (rc != MQ_OK)
        return rc;
    return mqc_brokers_get(c->brokers, addr, conn);
}

int
mqc_pull(mqc_pull_t *c, const mqc_mq_t *mq, const char *sub_expr, int64_t offset, int max_msgs,
         int hold_ms, mq_pool_t *pool, mqc_pull_result_t *out)
{
    rmq_cmd_t req, resp;
    mqc_conn_t *conn;
    int flags = MQC_PULL_FLAG_SUBSCRIPTION | (hold_ms > 0 ? MQC_PULL_FLAG_SUSPEND : 0);
    int rc = mqc_pull_conn(c, mq, &conn);
    memset(out, 0, sizeof(*out));
    if (rc != MQ_OK)
        return rc;
    mqc_pull_header(&req, pool, c->group, mq, sub_expr, offset, max_msgs > 0 ? max_msgs : 32, flags,
                    0, hold_ms > 0 ? hold_ms : 0, 0);
    rc = mqc_call(conn, &req, (hold_ms > 0 ? hold_ms : 0) + 10000, pool, &resp);
    if (rc != MQ_OK)
        return rc;
    return mqc_pull_result(&resp, sub_expr, pool, out);
}

int
mqc_queue_call(mqc_conn_t *conn, const mqc_mq_t *mq, int code, const char *group,
               const char *extra_key, int64_t extra_val, const char *field, int64_t *out)
{
    mq_pool_t pool;
    rmq_cmd_t req, resp;
    int rc;
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&req, code, 0, 0);
    if (group)
        rmq_cmd_add(&req, &pool, "consumerGroup", mq_str_from_cstr(group));
    rmq_cmd_add(&req, &pool, "topic", mq_str_from_cstr(mq->topic));
    rmq_cmd_add_i64(&req, &pool, "queueId", mq->queue_id);
    if (extra_key)
        rmq_cmd_add_i64(&req, &pool, extra_key, extra_val);
    rmq_cmd_add(&req, &pool, "bname", mq_str_from_cstr(mq->broker_name));
    rc = mqc_call(conn, &req, MQC_ADMIN_TIMEOUT_MS, &pool, &resp);
    if (rc == MQ_OK) {
        if (resp.code == RMQ_RC_QUERY_NOT_FOUND)
            rc = MQ_ENOENT;
        else if (resp.code != RMQ_RC_SUCCESS)
            rc = MQ_ERR;
        else if (field && rmq_cmd_ext_i64(&resp, field, out) != MQ_OK)
            rc = MQ_EPROTO;
    }
    mq_pool_fini(&pool);
    return rc;
}

/* mqc_queue_call on mq's broker, with the consumer's group when with_group. */
static int
mqc_pull_query(mqc_pull_t *c, const mqc_mq_t *mq, int code, const char *extra_key,
               int64_t extra_val, int with_group, const char *field, int64_t *out)
{
    mqc_conn_t *conn;
    int rc = mqc_pull_conn(c, mq, &conn);
    if (rc != MQ_OK)
        return rc;
    return mqc_queue_call(conn, mq, code, with_group ? c->group : NULL, extra_key, extra_val, field,
                          out);
}

int
mqc_pull_min_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t *out)
{
    return mqc_pull_query(c, mq, RMQ_GET_MIN_OFFSET, NULL, 0, 0, "offset", out);
}

int
mqc_pull_max_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t *out)
{
    return mqc_pull_query(c, mq, RMQ_GET_MAX_OFFSET, NULL, 0, 0, "offset", out);
}

int
mqc_pull_search_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t ts_ms, int64_t *out)
{
    return mqc_pull_query(c, mq, RMQ_SEARCH_OFFSET_BY_TIMESTAMP, "timestamp", ts_ms, 0, "offset",
                          out);
}

int
mqc_pull_fetch_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t *out)
{
    return mqc_pull_query(c, mq, RMQ_QUERY_CONSUMER_OFFSET, NULL, 0, 1, "offset", out);
}

int
mqc_pull_commit_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t offset)
{
    return mqc_pull_query(c, mq, RMQ_UPDATE_CONSUMER_OFFSET, "commitOffset", offset, 1, NULL, NULL);
}
