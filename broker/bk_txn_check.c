/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_txn_check.c -- the check-back of transactional messages (RocketMQ's
 * TransactionalMessageCheckService and TransactionalMessageServiceImpl.check) and the producer
 * connections it asks (ProducerManager: groups from heartbeats).
 *
 * Every transactionCheckInterval ms a pass walks the half queue from the saved scan offset:
 *
 *   decided (op message or same transaction id)  -> skip
 *   younger than transactionTimeOut (born time,
 *     or CHECK_IMMUNITY_TIME_IN_SECONDS)          -> stop: later halves are younger still
 *   TRANSACTION_CHECK_TIMES >= transactionCheckMax -> discard: log line + op message
 *   otherwise                                     -> re-put a copy with TRANSACTION_CHECK_TIMES+1
 *                                                    at the end of the half queue, and send
 *                                                    CHECK_TRANSACTION_STATE about the copy to
 *                                                    one live producer of its PGROUP (if any)
 *
 * and the scan offset moves past what it handled. The producer answers with END_TRANSACTION
 * (fromTransactionCheck=true) about the copy; the copy is checked again one interval later if
 * nobody answers. The progress is saved in the consumer offset table after each pass.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_txn.h"
#include "mq/log.h"

#define BK_TXN_PRODUCER_TIMEOUT_MS 120000 /* channelExpiredTimeout */
#define BK_TXN_PASS_MAX 4096              /* halves per pass before yielding to the loop */

/* ---- Producer groups ---- */

static bk_pgroup_t *
bk_txn_pgroup(bk_t *bk, mq_str_t name, int create)
{
    bk_pgroup_t *g = mq_strmap_get(&bk->txn->producers, name);
    if (!g && create) {
        g = mq_xcalloc(1, sizeof(*g));
        mq_strmap_put(&bk->txn->producers, name, g);
    }
    return g;
}

static void
bk_txn_pgroup_remove_at(bk_pgroup_t *g, int i)
{
    free(g->v[i].client_id);
    g->v[i] = g->v[--g->n];
}

void
bk_txn_heartbeat(bk_t *bk, const mq_req_t *req)
{
    const mq_heartbeat_t *hb = &req->u.heartbeat;
    int64_t now = mq_now_ms();

    if (!bk->txn)
        return;
    for (int i = 0; i < hb->n_producer_groups; i++) {
        mq_str_t name = hb->producer_groups[i];
        bk_pgroup_t *g;
        bk_producer_t *pr = NULL;
        if (name.n == 0 || name.n > 255)
            continue;
        g = bk_txn_pgroup(bk, name, 1);
        for (int k = 0; k < g->n && !pr; k++)
            if (mq_str_eq_cstr(hb->client_id, g->v[k].client_id) && g->v[k].session == req->session)
                pr = &g->v[k];
        if (!pr) {
            if (g->n == g->cap) {
                g->cap = g->cap ? g->cap * 2 : 4;
                g->v = mq_xrealloc(g->v, (size_t)g->cap * sizeof(*g->v));
            }
            pr = &g->v[g->n++];
            memset(pr, 0, sizeof(*pr));
            pr->client_id = mq_str_dup(hb->client_id);
            pr->session = req->session;
            MQ_LOG_DEBUG("broker", "producer %s joined group %.*s", pr->client_id, (int)name.n,
                         name.p);
        }
        pr->notify = req->notify;
        pr->last_seen_ms = now;
    }
}

/* Removes producers matching (session == s), (client_id == cid in group g), or silent since
 * before cutoff. */
static void
bk_txn_producers_remove(bk_t *bk, void *s, mq_str_t group, mq_str_t cid, int64_t cutoff)
{
    size_t it = 0;
    mq_str_t k;
    void *v;

    while (mq_strmap_next(&bk->txn->producers, &it, &k, &v)) {
        bk_pgroup_t *g = v;
        if (group.n && !mq_str_eq(k, group))
            continue;
        for (int i = 0; i < g->n;) {
            bk_producer_t *pr = &g->v[i];
            int gone = s ? pr->session == s
                         : (cid.n ? mq_str_eq_cstr(cid, pr->client_id) : pr->last_seen_ms < cutoff);
            if (gone)
                bk_txn_pgroup_remove_at(g, i);
            else
                i++;
        }
    }
}

void
bk_txn_unregister(bk_t *bk, const mq_req_t *req)
{
    const mq_client_unregister_t *u = &req->u.client_unregister;
    if (bk->txn && u->producer_group.n && u->client_id.n)
        bk_txn_producers_remove(bk, NULL, u->producer_group, u->client_id, 0);
}

void
bk_txn_session_closed(bk_t *bk, void *session)
{
    if (bk->txn)
        bk_txn_producers_remove(bk, session, MQ_STR(""), MQ_STR(""), 0);
}

void
bk_txn_expire(bk_t *bk, int64_t now_ms)
{
    if (bk->txn)
        bk_txn_producers_remove(bk, NULL, MQ_STR(""), MQ_STR(""),
                                now_ms - BK_TXN_PRODUCER_TIMEOUT_MS);
}

bk_producer_t *
bk_txn_producer_pick(bk_t *bk, mq_str_t group)
{
    bk_pgroup_t *g = bk_txn_pgroup(bk, group, 0);
    if (!g)
        return NULL;
    for (int i = 0; i < g->n; i++) {
        bk_producer_t *pr = &g->v[g->rr++ % (uint32_t)g->n];
        if (pr->notify && pr->session)
            return pr;
    }
    return NULL;
}

static void
bk_txn_pgroup_free(void *p)
{
    bk_pgroup_t *g = p;
    while (g->n > 0)
        bk_txn_pgroup_remove_at(g, g->n - 1);
    free(g->v);
    free(g);
}

void
bk_txn_producers_fini(bk_t *bk)
{
    mq_strmap_fini(&bk->txn->producers, bk_txn_pgroup_free);
}

/* ---- One check ---- */

/* Sends CHECK_TRANSACTION_STATE about copy c (stored at the end of the half queue) to a
 * producer of its group. Returns 1 if somebody was asked. */
static int
bk_txn_send_check(bk_t *bk, mq_pool_t *pool, const mq_msg_t *c, mq_str_t id)
{
    mq_str_t pg, topic, qid, uniq;
    mq_txn_check_t *k;
    mq_notice_t n;
    mq_msg_t rec;
    bk_producer_t *pr;
    int64_t size;
    char *ids;

    if (!mq_props_get(c->props, MQ_PROP_PGROUP, &pg) || !(pr = bk_txn_producer_pick(bk, pg))) {
        MQ_LOG_DEBUG("broker", "transaction %.*s: no producer of its group online", (int)id.n,
                     id.p);
        return 0;
    }
    if (!mq_props_get(c->props, MQ_PROP_REAL_TOPIC, &topic) ||
        !mq_props_get(c->props, MQ_PROP_REAL_QID, &qid))
        return 0;
    /* the body: the copy as a stored record with its real topic and queue (sendCheckMessage) */
    rec = *c;
    rec.topic = topic;
    rec.queue_id = (int32_t)strtol(mq_pstrdup(pool, qid), NULL, 10);
    size = mq_msg_record_size(&rec);
    if (size <= 0 || size > INT32_MAX)
        return 0;
    rec.store_size = (int32_t)size;
    k = mq_pcalloc(pool, sizeof(*k));
    k->record.p = mq_palloc(pool, (size_t)size);
    k->record.n = (size_t)size;
    if (mq_msg_record_write((uint8_t *)k->record.p, (size_t)size, &rec) != MQ_OK)
        return 0;
    if (!mq_props_get(c->props, MQ_PROP_UNIQ_KEY, &uniq))
        uniq = id;
    ids = mq_palloc(pool, 57);
    k->topic = topic;
    k->tran_state_offset = c->queue_offset;
    k->commit_log_offset = c->phys_offset;
    k->msg_id = uniq;
    k->transaction_id = id;
    k->offset_msg_id = (mq_str_t){ids, mq_msgid_format(ids, &c->store_host, c->phys_offset)};
    k->broker_name = mq_str_from_cstr(bk->cfg.name);
    memset(&n, 0, sizeof(n));
    n.kind = MQ_NOTICE_CHECK_TRANSACTION;
    n.group = pg;
    n.topic = topic;
    n.check = k;
    pr->notify(pr->session, &n);
    bk->txn->checks_sent++;
    MQ_LOG_DEBUG("broker", "transaction %.*s: asked producer %s of %.*s", (int)id.n, id.p,
                 pr->client_id, (int)pg.n, pg.p);
    return 1;
}

/* Stores a copy of half h with TRANSACTION_CHECK_TIMES = times (putBackHalfMsgQueue). Returns
 * MQ_OK with *c the stored copy (its props in pool). */
static int
bk_txn_put_back(bk_t *bk, mq_pool_t *pool, const mq_msg_t *h, int times, mq_msg_t *c)
{
    static const char *const drop[] = {BK_TXN_PROP_CHECK_TIMES};
    mq_buf_t b = MQ_BUF_INIT;
    char num[16];
    char *p;
    int rc;

    mq_props_without_any(&b, h->props, drop, 1);
    snprintf(num, sizeof(num), "%d", times);
    mq_props_put(&b, MQ_STR(BK_TXN_PROP_CHECK_TIMES), mq_str_from_cstr(num));
    p = mq_palloc(pool, b.len);
    memcpy(p, b.data, b.len);
    *c = *h;
    c->props = (mq_str_t){p, b.len};
    c->topic = MQ_STR(BK_TXN_HALF_TOPIC);
    c->queue_id = 0;
    c->store_host = bk->cfg.store.store_host;
    mq_buf_fini(&b);
    rc = store_put(bk->store, c, 1, NULL);
    return rc == MQ_AGAIN ? MQ_OK : rc;
}

/* Discards half h after too many checks (resolveDiscardMsg), recording it as decided. */
static void
bk_txn_discard(bk_t *bk, mq_pool_t *pool, const mq_msg_t *h, mq_str_t id, int times)
{
    mq_str_t topic = MQ_STR("?"), pg = MQ_STR("?");
    mq_msg_t op;

    (void)mq_props_get(h->props, MQ_PROP_REAL_TOPIC, &topic);
    (void)mq_props_get(h->props, MQ_PROP_PGROUP, &pg);
    MQ_LOG_WARN("broker",
                "transaction %.*s (topic %.*s, producer group %.*s) discarded: still undecided "
                "after %d check(s) (transactionCheckMax)",
                (int)id.n, id.p, (int)topic.n, topic.p, (int)pg.n, pg.p, times);
    bk_txn_op_msg(bk, pool, h->queue_offset, id, &op);
    if (store_put(bk->store, &op, 1, NULL) == MQ_OK)
        bk_txn_mark_done(bk, h->queue_offset, id, op.queue_offset);
    bk->txn->discarded++;
}

/* The int value of property name, dflt when absent or not a number. */
static int64_t
bk_txn_prop_i64(mq_str_t props, const char *name, int64_t dflt)
{
    mq_str_t v;
    char num[24], *end;
    long long x;
    if (!mq_props_get(props, name, &v) || v.n == 0 || v.n >= sizeof(num))
        return dflt;
    memcpy(num, v.p, v.n);
    num[v.n] = '\0';
    x = strtoll(num, &end, 10);
    return *end ? dflt : x;
}

/* ---- The pass ---- */

static void bk_txn_tick(void *arg);

typedef enum bk_txn_step_e {
    BK_TXN_NEXT, /* handled (or skipped): go on */
    BK_TXN_STOP, /* too young: end the pass here */
} bk_txn_step_t;

static bk_txn_step_t
bk_txn_check_one(bk_t *bk, mq_pool_t *pool, int64_t off, int64_t now_ms)
{
    mq_str_t half = MQ_STR(BK_TXN_HALF_TOPIC), id;
    store_cq_entry_t ce;
    store_slice_t sl;
    mq_msg_t h, c;
    int64_t immunity, times;
    bk_txn_step_t step = BK_TXN_NEXT;
    char kb[24];

    snprintf(kb, sizeof(kb), "%" PRId64, off);
    if (mq_strmap_get(&bk->txn->done_off, mq_str_from_cstr(kb)))
        return BK_TXN_NEXT;
    if (store_cq_get(bk->store, half, 0, off, &ce) != MQ_OK ||
        store_read_record(bk->store, ce.phys_offset, &sl) != MQ_OK)
        return BK_TXN_NEXT; /* gone (retention): nothing to check */
    if (mq_msg_record_decode(sl.p, sl.len, &h) != MQ_OK)
        goto out;
    id = bk_txn_id(h.props);
    if (bk_txn_is_done(bk->txn, off, id))
        goto out;
    immunity = bk_txn_prop_i64(h.props, BK_TXN_PROP_IMMUNITY, -1);
    immunity = immunity >= 0 ? immunity * 1000 : bk->cfg.txn_timeout_ms;
    /* born time as RocketMQ; a producer clock ahead of ours falls back to the store time */
    if (now_ms - (h.born_ts > now_ms ? h.store_ts : h.born_ts) < immunity) {
        step = BK_TXN_STOP;
        goto out;
    }
    times = bk_txn_prop_i64(h.props, BK_TXN_PROP_CHECK_TIMES, 0);
    if (times >= bk->cfg.txn_check_max) {
        bk_txn_discard(bk, pool, &h, id, (int)times);
        goto out;
    }
    if (bk_txn_put_back(bk, pool, &h, (int)times + 1, &c) != MQ_OK) {
        MQ_LOG_WARN("broker",
                    "transaction %.*s: cannot put the half message back; checking "
                    "it next time",
                    (int)id.n, id.p);
        step = BK_TXN_STOP;
        goto out;
    }
    (void)bk_txn_send_check(bk, pool, &c, id);
out:
    store_slice_release(&sl);
    return step;
}

void
bk_txn_check_now(bk_t *bk, int64_t now_ms)
{
    bk_txn_t *t = bk->txn;
    mq_str_t half = MQ_STR(BK_TXN_HALF_TOPIC);
    int64_t end = store_max_offset(bk->store, half, 0), min = store_min_offset(bk->store, half, 0);
    int handled = 0;
    mq_pool_t pool;

    if (t->scan < min)
        t->scan = min;
    mq_pool_init(&pool, 0);
    /* copies put back during the pass land at >= end: they wait for the next pass */
    while (t->scan < end && handled < BK_TXN_PASS_MAX) {
        if (bk_txn_check_one(bk, &pool, t->scan, now_ms) == BK_TXN_STOP)
            break;
        t->scan++;
        handled++;
        if (handled % 64 == 0)
            mq_pool_reset(&pool);
    }
    mq_pool_fini(&pool);
    bk_txn_prune(bk);
    if (handled == BK_TXN_PASS_MAX && t->scan < end && !t->running) {
        t->running = 1; /* more to do: continue after the loop served other work */
        bk->exec->post(bk->exec, bk_txn_tick, bk);
    }
}

void
bk_txn_prune(bk_t *bk)
{
    bk_txn_t *t = bk->txn;
    int64_t op_from = store_max_offset(bk->store, MQ_STR(BK_TXN_OP_TOPIC), 0);
    mq_strmap_t *maps[2] = {&t->done_off, &t->done_uniq};

    for (int m = 0; m < 2; m++) {
        mq_str_t *drop = NULL, k;
        size_t it = 0, n = 0, cap = 0;
        void *v;
        while (mq_strmap_next(maps[m], &it, &k, &v)) {
            bk_txn_done_t *d = v;
            int passed = m == 0 ? strtoll(k.p, NULL, 10) < t->scan : d->limit <= t->scan;
            if (!passed) {
                op_from = MQ_MIN(op_from, d->op_offset);
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                drop = mq_xrealloc(drop, cap * sizeof(*drop));
            }
            drop[n++] = k;
        }
        for (size_t i = 0; i < n; i++) {
            char *key = mq_str_dup(drop[i]); /* the map owns k: copy before removing */
            free(mq_strmap_remove(maps[m], mq_str_from_cstr(key)));
            free(key);
        }
        free(drop);
    }
    t->op_from = op_from;
    store_offsets_commit(bk->offsets, BK_TXN_GROUP, BK_TXN_HALF_TOPIC, 0, t->scan);
    store_offsets_commit(bk->offsets, BK_TXN_GROUP, BK_TXN_OP_TOPIC, 0, t->op_from);
}

/* ---- The timer ---- */

static void
bk_txn_tick(void *arg)
{
    bk_t *bk = arg;
    if (bk->closing || bk->closed || !bk->txn)
        return;
    bk->txn->running = 0;
    bk_txn_check_now(bk, mq_now_ms());
}

void
bk_txn_check_start(bk_t *bk)
{
    double s = (double)bk->cfg.txn_check_interval_ms / 1000.0;
    if (bk->cfg.id != 0)
        return; /* a slave keeps the halves; only the master checks (as RocketMQ) */
    bk->exec->every(bk->exec, s > 0.01 ? s : 0.01, bk_txn_tick, bk);
}
