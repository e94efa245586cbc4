/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_orderly.c -- orderly consumption for the push consumer (mqc_push_config_t.orderly, as
 * RocketMQ's MessageListenerOrderly with ConsumeMessageOrderlyService and RebalanceImpl.lock):
 * a clustering consumer consumes a queue only while it holds the queue's lock on the broker, so
 * that a rebalance never lets two members of the group consume one queue at the same time.
 *
 *   rebalance gives us a queue   LOCK_BATCH_MQ for it first; refused (the previous owner has
 *                                not let go yet): skip it and rebalance again in 1 s; granted:
 *                                read the committed offset, then pull (mqc_rebalance.c)
 *   every lock_interval_ms       LOCK_BATCH_MQ for all our queues, per broker (renewal); a queue
 *                                left out of lockOKMQSet is lost
 *   before each pull and message the lock must be held: granted less than 30 s ago
 *                                (rocketmq.client.rebalance.lockMaxLiveTime) on a connection
 *                                that is still open (the broker releases a client's locks when
 *                                its connection closes); otherwise the queue is lost
 *   rebalance drops a queue      the worker stops after the in-flight message, the offset is
 *                                committed, then UNLOCK_BATCH_MQ (so the next owner starts
 *                                exactly after the last message consumed here)
 *   shutdown                     offsets committed, then every held lock released
 *
 * A lost queue is dropped without committing its offset (it may already belong to someone else)
 * and a rebalance runs at once: if the queue is still ours, it is locked and read again from the
 * committed offset. Messages of a queue are handed to the listener one at a time in offset
 * order (mqc_push.c: one worker holds a queue, the next pull follows the consumed batch); a
 * listener that refuses a message gets it again after a second, before anything after it.
 */
#include <stdlib.h>
#include <string.h>

#include "mqc_push_int.h"
#include "rmq_map_lock.h"

#define MQC_LOCK_TIMEOUT_MS 3000
#define MQC_LOCK_MAX_LIVE_MS 30000 /* rocketmq.client.rebalance.lockMaxLiveTime */

int
mqc_orderly_on(const mqc_push_t *c)
{
    return c->cfg.orderly && c->cfg.model == MQC_CLUSTERING;
}

/* LOCK_BATCH_MQ (lock = 1) or UNLOCK_BATCH_MQ for mqs[0..n), all of broker_name. For a lock,
 * granted[i] tells whether mqs[i] was granted and *conn_out is the connection used. Returns
 * MQ_OK or an error (nothing granted). */
static int
mqc_lock_call(mqc_push_t *c, int lock, const char *broker_name, const mqc_mq_t *mqs, int n,
              int *granted, mqc_conn_t **conn_out)
{
    mqc_conn_t *conn = mqc_push_conn(c, broker_name);
    mq_pool_t pool;
    mq_buf_t body = MQ_BUF_INIT;
    mq_queue_lock_t q;
    rmq_cmd_t req, resp;
    int rc;

    for (int i = 0; granted && i < n; i++)
        granted[i] = 0;
    if (!conn)
        return MQ_EIO;
    mq_pool_init(&pool, 0);
    memset(&q, 0, sizeof(q));
    q.group = mq_str_from_cstr(c->group);
    q.client_id = mq_str_from_cstr(c->client_id);
    q.only_this_broker = 1; /* each broker is asked for its own queues */
    q.mqs = mq_pcalloc(&pool, (size_t)n * sizeof(*q.mqs) + 1);
    for (int i = 0; i < n; i++) {
        q.mqs[i].topic = mq_str_from_cstr(mqs[i].topic);
        q.mqs[i].broker_name = mq_str_from_cstr(mqs[i].broker_name);
        q.mqs[i].queue_id = mqs[i].queue_id;
    }
    q.n_mqs = n;
    rmq_lock_request_json(&q, &body);
    rmq_cmd_init(&req, lock ? RMQ_LOCK_BATCH_MQ : RMQ_UNLOCK_BATCH_MQ, 0, 0);
    req.body = mq_buf_view(&body);
    rc = mqc_call(conn, &req, MQC_LOCK_TIMEOUT_MS, &pool, &resp);
    if (rc == MQ_OK && resp.code != RMQ_RC_SUCCESS)
        rc = MQ_ERR;
    if (rc == MQ_OK && lock) {
        mq_queue_refs_t ok;
        rc = rmq_lock_reply_parse(resp.body, &pool, &ok);
        for (int k = 0; rc == MQ_OK && k < ok.n; k++)
            for (int i = 0; i < n; i++)
                if (ok.mqs[k].queue_id == mqs[i].queue_id &&
                    mq_str_eq_cstr(ok.mqs[k].topic, mqs[i].topic) &&
                    mq_str_eq_cstr(ok.mqs[k].broker_name, mqs[i].broker_name))
                    granted[i] = 1;
    }
    if (conn_out)
        *conn_out = conn;
    mq_buf_fini(&body);
    mq_pool_fini(&pool);
    return rc;
}

/* Marks pq lost (c->lock held): see mqc_orderly_check. */
static void
mqc_orderly_lose(mqc_push_t *c, mqc_pq_t *pq)
{
    if (pq->dropped)
        return;
    pq->lk.locked = 0;
    pq->lk.released = 1;
    pq->dropped = 1;
    pq->pull_at_ms = 0; /* no delayed pull either */
    c->rebalance_now = 1;
    pthread_cond_broadcast(&c->cond);
}

int
mqc_orderly_lock_new(mqc_push_t *c, const mqc_mq_t *mq, mqc_qlock_t *lk)
{
    int granted = 0;
    mqc_conn_t *conn = NULL;

    memset(lk, 0, sizeof(*lk));
    if (!mqc_orderly_on(c))
        return 1;
    if (mqc_lock_call(c, 1, mq->broker_name, mq, 1, &granted, &conn) != MQ_OK || !granted) {
        pthread_mutex_lock(&c->lock);
        c->lock_refused = 1;
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    lk->locked = 1;
    lk->lock_ms = mq_now_ms();
    lk->conn = conn;
    return 1;
}

int
mqc_orderly_check(mqc_push_t *c, mqc_pq_t *pq)
{
    if (!mqc_orderly_on(c))
        return 1;
    if (pq->dropped || !pq->lk.locked)
        return 0;
    if (mq_now_ms() - pq->lk.lock_ms > MQC_LOCK_MAX_LIVE_MS) {
        mqc_orderly_lose(c, pq); /* not renewed for 30 s */
        return 0;
    }
    if (!pq->lk.conn || !mqc_conn_is_open(pq->lk.conn)) {
        mqc_orderly_lose(c, pq); /* the broker dropped it */
        return 0;
    }
    return 1;
}

void
mqc_orderly_release(mqc_push_t *c, mqc_pq_t *pq)
{
    int held;
    if (!mqc_orderly_on(c))
        return;
    pthread_mutex_lock(&c->lock);
    held = pq->lk.locked && !pq->lk.released;
    pq->lk.locked = 0;
    pq->lk.released = 1;
    pthread_mutex_unlock(&c->lock);
    if (held)
        (void)mqc_lock_call(c, 0, pq->mq.broker_name, &pq->mq, 1, NULL, NULL);
}

/* The queues to renew (lock = 1) or release: held, not released, and for a renewal not dropped.
 * Copies into *mqs and *pqs (heap); returns the count. c->lock held. Only the maintenance thread
 * (or shutdown, after it ended) frees pqs, so the pointers stay valid after the lock is
 * dropped. */
static int
mqc_orderly_collect(mqc_push_t *c, int lock, mqc_mq_t **mqs, mqc_pq_t ***pqs)
{
    int n = 0, cap = 0;
    for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next)
        cap++;
    *mqs = mq_xcalloc((size_t)cap + 1, sizeof(**mqs));
    *pqs = mq_xcalloc((size_t)cap + 1, sizeof(**pqs));
    for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next) {
        if (!pq->lk.locked || pq->lk.released || (lock && pq->dropped))
            continue;
        (*mqs)[n] = pq->mq;
        (*pqs)[n++] = pq;
    }
    return n;
}

/* Runs LOCK_BATCH_MQ or UNLOCK_BATCH_MQ over the collected queues, one call per broker; for a
 * lock, ok[i] is 1 when mqs[i] was granted, 0 when refused, -1 when its broker did not answer,
 * and conns[i] the connection. */
static void
mqc_orderly_batch(mqc_push_t *c, int lock, const mqc_mq_t *mqs, int n, int *ok, mqc_conn_t **conns)
{
    int *done = mq_xcalloc((size_t)n + 1, sizeof(*done));
    mqc_mq_t *group = mq_xcalloc((size_t)n + 1, sizeof(*group));
    int *idx = mq_xcalloc((size_t)n + 1, sizeof(*idx));
    int *granted = mq_xcalloc((size_t)n + 1, sizeof(*granted));

    for (int i = 0; i < n; i++) {
        int k = 0, rc;
        mqc_conn_t *conn = NULL;
        if (done[i])
            continue;
        for (int j = i; j < n; j++) {
            if (!done[j] && strcmp(mqs[j].broker_name, mqs[i].broker_name) == 0) {
                done[j] = 1;
                group[k] = mqs[j];
                idx[k++] = j;
            }
        }
        rc = mqc_lock_call(c, lock, mqs[i].broker_name, group, k, lock ? granted : NULL, &conn);
        for (int j = 0; lock && j < k; j++) {
            ok[idx[j]] = rc == MQ_OK ? granted[j] : -1;
            conns[idx[j]] = conn;
        }
    }
    free(done);
    free(group);
    free(idx);
    free(granted);
}

void
mqc_orderly_lock_all(mqc_push_t *c)
{
    mqc_mq_t *mqs;
    mqc_pq_t **pqs;
    int *ok, n;
    mqc_conn_t **conns;
    int64_t now = mq_now_ms();

    if (!mqc_orderly_on(c))
        return;
    pthread_mutex_lock(&c->lock);
    n = mqc_orderly_collect(c, 1, &mqs, &pqs);
    pthread_mutex_unlock(&c->lock);
    ok = mq_xcalloc((size_t)n + 1, sizeof(*ok));
    conns = mq_xcalloc((size_t)n + 1, sizeof(*conns));
    mqc_orderly_batch(c, 1, mqs, n, ok, conns);
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < n; i++) {
        mqc_pq_t *pq = pqs[i];
        if (pq->dropped || pq->lk.released)
            continue; /* dropped meanwhile: rebalance or shutdown releases it */
        if (ok[i] > 0) {
            pq->lk.lock_ms = now;
            pq->lk.conn = conns[i];
        } else if (ok[i] == 0) {
            mqc_orderly_lose(c, pq); /* someone else holds it now */
        } /* < 0: no answer; the lock runs out 30 s after its last renewal */
    }
    pthread_mutex_unlock(&c->lock);
    free(mqs);
    free(pqs);
    free(ok);
    free(conns);
}

void
mqc_orderly_unlock_all(mqc_push_t *c)
{
    mqc_mq_t *mqs;
    mqc_pq_t **pqs;
    int n;

    if (!mqc_orderly_on(c))
        return;
    pthread_mutex_lock(&c->lock);
    n = mqc_orderly_collect(c, 0, &mqs, &pqs);
    for (int i = 0; i < n; i++) {
        pqs[i]->lk.locked = 0;
        pqs[i]->lk.released = 1;
    }
    pthread_mutex_unlock(&c->lock);
    if (n > 0)
        mqc_orderly_batch(c, 0, mqs, n, NULL, NULL);
    free(mqs);
    free(pqs);
}
