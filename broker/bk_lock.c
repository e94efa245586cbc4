/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_lock.c -- queue locks of orderly consumption (RocketMQ's RebalanceLockManager): a lock is
 * per (consumer group, topic, broker name, queue id) and owned by one client id, so that only
 * one member of a group consumes a queue at a time (rocketmq-protocol.md section 6.7).
 *
 *   QUEUE_LOCK (LOCK_BATCH_MQ)     grants each asked queue that is free, whose lock expired, or
 *                                  that the client already holds (renewing it), and answers the
 *                                  granted set; a queue another client holds is left out.
 *   QUEUE_UNLOCK (UNLOCK_BATCH_MQ) releases the asked queues the client holds.
 *
 * A lock expires rocketmq.broker.rebalance.lockMaxLiveTime ms (60000) after it was last granted;
 * clients renew theirs every 20 s and stop consuming a queue 30 s after the last renewal, so an
 * expired lock is one its old owner no longer uses. Beyond RocketMQ, a client's locks go at once
 * when it unregisters from the group (UNREGISTER_CLIENT) or when the connection it last locked
 * them on closes, so that a consumer that leaves hands its queues over without a 60 s gap.
 *
 * The table lives on the loop thread (bk_t.locks); it is not persisted: after a restart every
 * queue is free, and clients take their queues again at their next lock round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_int.h"
#include "mq/log.h"

/* One held lock. Owner: bk_t.locks. */
typedef struct bk_lock_s {
    char *client_id;  /* the owner (LockEntry.clientId) */
    void *session;    /* the connection it was last granted on */
    int64_t last_ms;  /* when it was last granted (LockEntry.lastUpdateTimestamp) */
    size_t group_len; /* bytes of the group name at the start of the key */
} bk_lock_t;

static void
bk_lock_free(void *p)
{
    bk_lock_t *l = p;
    if (l) {
        free(l->client_id);
        free(l);
    }
}

/* The table key of (group, queue): "group\1topic\1broker\1qid" in buf. Returns its view, or an
 * empty view when it does not fit. */
static mq_str_t
bk_lock_key(char *buf, size_t n, mq_str_t group, const mq_queue_ref_t *q)
{
    int len = snprintf(buf, n, "%.*s\1%.*s\1%.*s\1%d", (int)group.n, group.p ? group.p : "",
                       (int)q->topic.n, q->topic.p ? q->topic.p : "", (int)q->broker_name.n,
                       q->broker_name.p ? q->broker_name.p : "", (int)q->queue_id);
    if (len < 0 || (size_t)len >= n)
        return MQ_STR_NULL;
    return (mq_str_t){buf, (size_t)len};
}

static int
bk_lock_expired(const bk_t *bk, const bk_lock_t *l, int64_t now)
{
    return now - l->last_ms > bk->cfg.lock_max_live_ms;
}

/* Removes every lock for which drop(l, arg) says so; returns how many. */
static int
bk_locks_drop_if(bk_t *bk,
                 int (*drop)(const bk_t *bk, const mq_str_t *key, const bk_lock_t *l,
                             const void *arg),
                 const void *arg)
{
    mq_str_t k, *keys;
    void *v;
    int n = 0;

    if (bk->locks.count == 0)
        return 0;
    keys = mq_xcalloc(bk->locks.count, sizeof(*keys));
    for (size_t it = 0; mq_strmap_next(&bk->locks, &it, &k, &v);)
        if (drop(bk, &k, v, arg))
            keys[n++] = (mq_str_t){mq_str_dup(k), k.n};
    for (int i = 0; i < n; i++) {
        bk_lock_free(mq_strmap_remove(&bk->locks, keys[i]));
        free((char *)keys[i].p);
    }
    free(keys);
    return n;
}

/* ---- LOCK_BATCH_MQ / UNLOCK_BATCH_MQ ---- */

/* Grants q to the client if it may have it. Returns 1 when granted. */
static int
bk_lock_one(bk_t *bk, const mq_req_t *req, const mq_queue_ref_t *q, int64_t now)
{
    const mq_queue_lock_t *ql = &req->u.queue_lock;
    char buf[1024];
    mq_str_t key = bk_lock_key(buf, sizeof(buf), ql->group, q);
    bk_lock_t *l;

    if (key.n == 0)
        return 0;
    l = mq_strmap_get(&bk->locks, key);
    if (!l) {
        l = mq_xcalloc(1, sizeof(*l));
        l->client_id = mq_str_dup(ql->client_id);
        l->group_len = ql->group.n;
        mq_strmap_put(&bk->locks, key, l);
    } else if (!mq_str_eq_cstr(ql->client_id, l->client_id)) {
        if (!bk_lock_expired(bk, l, now)) {
            MQ_LOG_DEBUG("broker", "lock of %.*s %.*s:%d for %.*s refused: held by %s",
                         (int)ql->group.n, ql->group.p, (int)q->topic.n, q->topic.p,
                         (int)q->queue_id, (int)ql->client_id.n, ql->client_id.p, l->client_id);
            return 0;
        }
        MQ_LOG_INFO("broker", "lock of %.*s %.*s:%d expired for %s, now held by %.*s",
                    (int)ql->group.n, ql->group.p, (int)q->topic.n, q->topic.p, (int)q->queue_id,
                    l->client_id, (int)ql->client_id.n, ql->client_id.p);
        free(l->client_id);
        l->client_id = mq_str_dup(ql->client_id);
    }
    l->session = req->session;
    l->last_ms = now;
    return 1;
}

static void
bk_lock_batch(bk_t *bk, mq_req_t *req)
{
    const mq_queue_lock_t *ql = &req->u.queue_lock;
    int64_t now = mq_now_ms();
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    rep.u.locked.mqs = mq_pcalloc(req->pool, (size_t)(ql->n_mqs + 1) * sizeof(*rep.u.locked.mqs));
    for (int i = 0; i < ql->n_mqs; i++) {
        int dup = 0;
        for (int k = 0; k < rep.u.locked.n && !dup; k++) /* mqSet is a set */
            dup = rep.u.locked.mqs[k].queue_id == ql->mqs[i].queue_id &&
                  mq_str_eq(rep.u.locked.mqs[k].topic, ql->mqs[i].topic) &&
                  mq_str_eq(rep.u.locked.mqs[k].broker_name, ql->mqs[i].broker_name);
        if (!dup && bk_lock_one(bk, req, &ql->mqs[i], now))
            rep.u.locked.mqs[rep.u.locked.n++] = ql->mqs[i];
    }
    req->reply(req, MQ_OK, &rep);
}

static void
bk_unlock_batch(bk_t *bk, mq_req_t *req)
{
    const mq_queue_lock_t *ql = &req->u.queue_lock;
    for (int i = 0; i < ql->n_mqs; i++) {
        char buf[1024];
        mq_str_t key = bk_lock_key(buf, sizeof(buf), ql->group, &ql->mqs[i]);
        bk_lock_t *l = key.n ? mq_strmap_get(&bk->locks, key) : NULL;
        if (l && mq_str_eq_cstr(ql->client_id, l->client_id))
            bk_lock_free(mq_strmap_remove(&bk->locks, key));
    }
    bk_reply(req, MQ_OK, NULL);
}

void
bk_handle_lock(bk_t *bk, mq_req_t *req)
{
    if (req->op == MQ_OP_QUEUE_LOCK)
        bk_lock_batch(bk, req);
    else
        bk_unlock_batch(bk, req);
}

/* ---- Clients that leave ---- */

static int
bk_lock_on_session(const bk_t *bk, const mq_str_t *key, const bk_lock_t *l, const void *arg)
{
    (void)key;
    /* expired locks of anyone go on the way: nobody renews them any more */
    return l->session == arg || bk_lock_expired(bk, l, mq_now_ms());
}

void
bk_locks_session_closed(bk_t *bk, void *session)
{
    int n = bk_locks_drop_if(bk, bk_lock_on_session, session);
    if (n > 0)
        MQ_LOG_DEBUG("broker", "%d queue lock(s) released (connection closed or expired)", n);
}

typedef struct bk_lock_owner_s {
    mq_str_t group, client_id;
} bk_lock_owner_t;

static int
bk_lock_of_owner(const bk_t *bk, const mq_str_t *key, const bk_lock_t *l, const void *arg)
{
    const bk_lock_owner_t *o = arg;
    (void)bk;
    return l->group_len == o->group.n && memcmp(key->p, o->group.p, o->group.n) == 0 &&
           mq_str_eq_cstr(o->client_id, l->client_id);
}

void
bk_locks_client_left(bk_t *bk, mq_str_t group, mq_str_t client_id)
{
    bk_lock_owner_t o = {group, client_id};
    if (group.n && client_id.n)
        (void)bk_locks_drop_if(bk, bk_lock_of_owner, &o);
}

int
bk_locks_group_holds(bk_t *bk, mq_str_t group)
{
    int64_t now = mq_now_ms();
    mq_str_t k;
    void *v;
    for (size_t it = 0; mq_strmap_next(&bk->locks, &it, &k, &v);) {
        const bk_lock_t *l = v;
        if (l->group_len == group.n && memcmp(k.p, group.p, group.n) == 0 &&
            !bk_lock_expired(bk, l, now))
            return 1;
    }
    return 0;
}

void
bk_locks_fini(bk_t *bk)
{
    mq_strmap_fini(&bk->locks, bk_lock_free);
}
