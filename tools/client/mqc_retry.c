/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_retry.c -- the push consumer's retry topic, as RocketMQ's clients handle it
 * (rocketmq-protocol.md section 6.4). A clustering consumer of group G also subscribes
 * %RETRY%G with "*" (mqc_push.c's heartbeat announces it; rebalance takes its queues with the
 * topic's: mqc_rebalance.c). A message whose listener returns non-zero ("reconsume later") is
 * handed back to its broker with CONSUMER_SEND_MSG_BACK, which stores it in %RETRY%G with the
 * delay level 3 + reconsume times, or in %DLQ%G past maxReconsumeTimes; only when that fails
 * is the message retried locally (the queue re-pulled from it). Messages read from %RETRY%G are
 * shown to the listener with their original topic (the RETRY_TOPIC property). Broadcasting and
 * orderly consumers keep the local retry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqc_push_int.h"

#define MQC_SEND_BACK_TIMEOUT_MS 3000
#define MQC_MAX_RECONSUME_DEFAULT 16 /* DefaultMQPushConsumer.maxReconsumeTimes */

void
mqc_retry_init(mqc_push_t *c)
{
    snprintf(c->retry_topic, sizeof(c->retry_topic), "%%RETRY%%%s", c->group);
}

int
mqc_retry_on(const mqc_push_t *c)
{
    return c->cfg.model == MQC_CLUSTERING && !c->cfg.orderly;
}

int
mqc_retry_is(const mqc_push_t *c, const mqc_mq_t *mq)
{
    return strcmp(mq->topic, c->retry_topic) == 0;
}

const char *
mqc_retry_expr(const mqc_push_t *c, const mqc_mq_t *mq)
{
    return mqc_retry_is(c, mq) || c->sql92 ? "*" : c->sub_expr; /* SQL92: the broker filters */
}

void
mqc_retry_refresh_route(mqc_push_t *c)
{
    mqc_route_t r;
    if (!mqc_retry_on(c) || mqc_route_get(c->ns, c->retry_topic, &r) != MQ_OK)
        return; /* not created yet (the first heartbeat creates it): next rebalance */
    pthread_mutex_lock(&c->lock);
    mqc_route_fini(&c->retry_route);
    c->retry_route = r;
    pthread_mutex_unlock(&c->lock);
}

int
mqc_retry_queues(mqc_push_t *c, mqc_mq_t **all, int n_all)
{
    mqc_wq_t *wq = NULL;
    int n;
    if (!mqc_retry_on(c))
        return n_all;
    pthread_mutex_lock(&c->lock);
    n = mqc_route_queues(&c->retry_route, MQC_PERM_READ, 0, &wq);
    pthread_mutex_unlock(&c->lock);
    if (n <= 0)
        return n_all;
    *all = mq_xrealloc(*all, (size_t)(n_all + n) * sizeof(**all));
    for (int i = 0; i < n; i++) {
        mqc_mq_t *mq = &(*all)[n_all + i];
        memset(mq, 0, sizeof(*mq));
        snprintf(mq->topic, sizeof(mq->topic), "%s", c->retry_topic);
        memcpy(mq->broker_name, wq[i].broker_name, sizeof(mq->broker_name));
        mq->queue_id = wq[i].queue_id;
    }
    free(wq);
    return n_all + n;
}

void
mqc_retry_restore(const mqc_push_t *c, const mqc_mq_t *mq, mqc_received_t *msgs, int n,
                  mq_pool_t *pool)
{
    if (!mqc_retry_is(c, mq))
        return;
    for (int i = 0; i < n; i++) {
        mq_str_t t;
        if (mq_props_get(msgs[i].properties, MQ_PROP_RETRY_TOPIC, &t) && t.n > 0)
            msgs[i].topic = mq_pstrdup(pool, t);
    }
}

int
mqc_retry_send_back(mqc_push_t *c, const mqc_mq_t *mq, const mqc_received_t *m)
{
    mqc_conn_t *conn;
    mq_pool_t pool;
    rmq_cmd_t req, resp;
    int max =
        c->cfg.max_reconsume_times > 0 ? c->cfg.max_reconsume_times : MQC_MAX_RECONSUME_DEFAULT;
    int rc;
    if (!mqc_retry_on(c))
        return MQ_DECLINED;
    conn = mqc_push_conn(c, mq->broker_name);
    if (!conn)
        return MQ_EIO;
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&req, RMQ_CONSUMER_SEND_MSG_BACK, 0, 0);
    rmq_cmd_add_i64(&req, &pool, "offset", m->commitlog_offset);
    rmq_cmd_add(&req, &pool, "group", mq_str_from_cstr(c->group));
    rmq_cmd_add_i64(&req, &pool, "delayLevel", 0); /* the broker picks 3 + reconsume times */
    rmq_cmd_add(&req, &pool, "originMsgId", mq_str_from_cstr(m->msg_id));
    rmq_cmd_add(&req, &pool, "originTopic", mq_str_from_cstr(m->topic));
    rmq_cmd_add(&req, &pool, "unitMode", MQ_STR("false"));
    rmq_cmd_add_i64(&req, &pool, "maxReconsumeTimes", max);
    rc = mqc_call(conn, &req, MQC_SEND_BACK_TIMEOUT_MS, &pool, &resp);
    if (rc == MQ_OK && resp.code != RMQ_RC_SUCCESS)
        rc = MQ_ERR;
    mq_pool_fini(&pool);
    return rc;
}

int
mqc_retry_allocate(const mqc_mq_t *all, int n_all, int n_cids, int me, int *out_idx)
{
    int n = 0;
    for (int start = 0; start < n_all;) {
        int end = start, got;
        while (end < n_all && strcmp(all[end].topic, all[start].topic) == 0)
            end++;
        got = mqc_allocate_averagely(end - start, n_cids, me, out_idx + n);
        for (int i = 0; i < got; i++)
            out_idx[n + i] += start;
        n += got;
        start = end;
    }
    return n;
}
