/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_txn.c -- transactional messages (RocketMQ's TransactionalMessageServiceImpl and
 * EndTransactionProcessor): half messages, END_TRANSACTION, op messages, and the decided set
 * rebuilt from the op queue after a restart. The check-back service is bk_txn_check.c; the
 * design and its limits are in docs/transactions.md.
 *
 *   PRODUCE with TRAN_MSG=true --bk_txn_half--> RMQ_SYS_TRANS_HALF_TOPIC/0 (REAL_TOPIC, REAL_QID)
 *   END_TRANSACTION commit   --bk_handle_end_txn--> copy to REAL_TOPIC/REAL_QID + op message
 *   END_TRANSACTION rollback --bk_handle_end_txn--> op message
 *   op message = RMQ_SYS_TRANS_OP_HALF_TOPIC/0, tag "d", body "<half queue offset>,"
 *
 * Invariants:
 *   (1) a half is decided at most once: END_TRANSACTION for a half (or any copy of it: the
 *       checker re-puts halves, and copies share the transaction id) that is already decided
 *       changes nothing, so a late answer never commits twice;
 *   (2) the commit copy and the op message are appended by one store_put, commit first: a
 *       crash keeps both or the commit alone (then a check decides again: see the doc);
 *   (3) the checker's scan offset and the op-queue replay offset are saved as the offsets of
 *       group CID_RMQ_SYS_TRANS (consumerOffset.json), as RocketMQ does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bk_txn.h"
#include "mq/log.h"

/* ---- Small helpers ---- */

mq_str_t
bk_txn_id(mq_str_t props)
{
    mq_str_t v;
    if (mq_props_get(props, BK_TXN_PROP_ID, &v) && v.n)
        return v;
    if (mq_props_get(props, MQ_PROP_UNIQ_KEY, &v) && v.n)
        return v;
    return MQ_STR("");
}

/* A copy of b's bytes in pool. */
static mq_str_t
bk_txn_pcopy(mq_pool_t *pool, const mq_buf_t *b)
{
    char *p = mq_palloc(pool, b->len ? b->len : 1);
    memcpy(p, b->data, b->len);
    return (mq_str_t){p, b->len};
}

static mq_str_t
bk_txn_off_key(int64_t off, char buf[24])
{
    int n = snprintf(buf, 24, "%" PRId64, off);
    return (mq_str_t){buf, (size_t)n};
}

int
bk_txn_is_done(bk_txn_t *t, int64_t off, mq_str_t id)
{
    char kb[24];
    if (mq_strmap_get(&t->done_off, bk_txn_off_key(off, kb)))
        return 1;
    return id.n > 0 && mq_strmap_get(&t->done_uniq, id) != NULL;
}

static void
bk_txn_remember(mq_strmap_t *m, mq_str_t key, int64_t op_off, int64_t limit)
{
    bk_txn_done_t *d = mq_strmap_get(m, key);
    if (!d) {
        d = mq_xcalloc(1, sizeof(*d));
        mq_strmap_put(m, key, d);
    }
    d->op_offset = op_off;
    d->limit = limit;
}

void
bk_txn_mark_done(bk_t *bk, int64_t half_off, mq_str_t id, int64_t op_off)
{
    char kb[24];
    /* every copy of this transaction was written before now: they lie below the queue's end */
    int64_t limit = store_max_offset(bk->store, MQ_STR(BK_TXN_HALF_TOPIC), 0);
    bk_txn_remember(&bk->txn->done_off, bk_txn_off_key(half_off, kb), op_off, limit);
    if (id.n)
        bk_txn_remember(&bk->txn->done_uniq, id, op_off, limit);
}

void
bk_txn_op_msg(bk_t *bk, mq_pool_t *pool, int64_t half_off, mq_str_t id, mq_msg_t *out)
{
    mq_buf_t b = MQ_BUF_INIT;
    char *body = mq_palloc(pool, 24);
    int n = snprintf(body, 24, "%" PRId64 ",", half_off);

    memset(out, 0, sizeof(*out));
    out->topic = MQ_STR(BK_TXN_OP_TOPIC);
    out->queue_id = 0;
    out->born_ts = mq_now_ms();
    out->born_host = bk->cfg.store.store_host;
    out->store_host = bk->cfg.store.store_host;
    out->body = (mq_str_t){body, (size_t)n};
    mq_props_put(&b, MQ_STR(MQ_PROP_TAGS), MQ_STR(BK_TXN_OP_TAG));
    if (id.n)
        mq_props_put(&b, MQ_STR(BK_TXN_PROP_ID), id);
    out->props = bk_txn_pcopy(pool, &b);
    mq_buf_fini(&b);
}

/* ---- Half messages (SendMessageProcessor + TransactionalMessageBridge.parseHalfMessageInner) */

static int
bk_txn_is_half_msg(const mq_msg_t *m)
{
    mq_str_t v;
    if ((m->sys_flag & MQ_SYSFLAG_TRANSACTION_MASK) == MQ_SYSFLAG_TRANSACTION_PREPARED)
        return 1;
    /* cheap test first: most messages have no TRAN_MSG at all */
    if (!m->props.n || !memmem(m->props.p, m->props.n, MQ_PROP_TRAN_MSG, 8))
        return 0;
    return mq_props_get(m->props, MQ_PROP_TRAN_MSG, &v) && v.n == 4 &&
           strncasecmp(v.p, "true", 4) == 0;
}

int
bk_txn_half(bk_t *bk, mq_req_t *req)
{
    /* delays are dropped, as the Java client does for transactional messages: the half must
     * not be scheduled, and the commit delivers at once */
    static const char *const drop[] = {MQ_PROP_REAL_TOPIC,  MQ_PROP_REAL_QID,  MQ_PROP_TRAN_MSG,
                                       MQ_PROP_PGROUP,      BK_TXN_PROP_ID,    MQ_PROP_DELAY,
                                       "TIMER_DELIVER_MS",  "TIMER_DELAY_SEC", "TIMER_DELAY_MS",
                                       "__STARTDELIVERTIME"};
    mq_produce_t *p = &req->u.produce;
    mq_buf_t b = MQ_BUF_INIT;
    mq_msg_t *m;
    mq_str_t pg, id;
    char qid[16];
    int any = 0;

    for (int i = 0; i < p->n_msgs && !any; i++)
        any = bk_txn_is_half_msg(&p->msgs[i]);
    if (!any)
        return MQ_OK;
    if (p->batch || p->n_msgs != 1) {
        bk_reply(req, MQ_EINVAL, "batch message does not support transaction");
        return MQ_EINVAL;
    }
    m = &p->msgs[0];
    if (!mq_props_get(m->props, MQ_PROP_PGROUP, &pg) || pg.n == 0)
        pg = p->producer_group;
    id = bk_txn_id(m->props);
    mq_props_without_any(&b, m->props, drop, (int)MQ_ARRAY_LEN(drop));
    mq_props_put(&b, MQ_STR(MQ_PROP_TRAN_MSG), MQ_STR("true"));
    mq_props_put(&b, MQ_STR(MQ_PROP_PGROUP), pg);
    mq_props_put(&b, MQ_STR(MQ_PROP_REAL_TOPIC), m->topic);
    snprintf(qid, sizeof(qid), "%d", (int)m->queue_id);
    mq_props_put(&b, MQ_STR(MQ_PROP_REAL_QID), mq_str_from_cstr(qid));
    if (id.n)
        mq_props_put(&b, MQ_STR(BK_TXN_PROP_ID), id);
    if (b.len > MQ_MSG_MAX_PROPS) {
        mq_buf_fini(&b);
        bk_reply(req, MQ_ETOOBIG, "the properties of the half message are too long");
        return MQ_ETOOBIG;
    }
    m->props = bk_txn_pcopy(req->pool, &b);
    mq_buf_fini(&b);
    m->topic = MQ_STR(BK_TXN_HALF_TOPIC);
    m->queue_id = 0;
    /* NOT_TYPE: the half gets an entry in the half queue (PREPARED records get none) */
    m->sys_flag &= ~MQ_SYSFLAG_TRANSACTION_MASK;
    MQ_LOG_DEBUG("broker", "half message %.*s of group %.*s for %.*s/%s", (int)id.n, id.p,
                 (int)pg.n, pg.p, (int)p->topic.n, p->topic.p, qid);
    return MQ_OK;
}

/* ---- END_TRANSACTION (EndTransactionProcessor) ---- */

/* The committed copy of half h (commitMessage + endMessageTransaction): the real topic and
 * queue, the properties without the transaction bookkeeping, sysFlag COMMIT, the half's
 * CommitLog offset as PREPARED TRANSACTION OFFSET. */
static int
bk_txn_commit_msg(bk_t *bk, mq_pool_t *pool, const mq_msg_t *h, mq_msg_t *out)
{
    static const char *const drop[] = {MQ_PROP_REAL_TOPIC,
                                       MQ_PROP_REAL_QID,
                                       MQ_PROP_TRAN_MSG,
                                       MQ_PROP_PGROUP,
                                       BK_TXN_PROP_CHECK_TIMES,
                                       BK_TXN_PROP_IMMUNITY,
                                       "TRAN_PREPARED_QUEUE_OFFSET"};
    mq_str_t topic, qid;
    mq_buf_t b = MQ_BUF_INIT;
    char num[16], *end;
    long q;

    if (!mq_props_get(h->props, MQ_PROP_REAL_TOPIC, &topic) || topic.n == 0 ||
        !mq_props_get(h->props, MQ_PROP_REAL_QID, &qid) || qid.n == 0 || qid.n >= sizeof(num))
        return MQ_ECORRUPT;
    memcpy(num, qid.p, qid.n);
    num[qid.n] = '\0';
    q = strtol(num, &end, 10);
    if (*end || q < 0 || q > INT32_MAX)
        return MQ_ECORRUPT;
    *out = *h;
    out->topic = topic;
    out->queue_id = (int32_t)q;
    out->sys_flag = (h->sys_flag & ~MQ_SYSFLAG_TRANSACTION_MASK) | MQ_SYSFLAG_TRANSACTION_COMMIT;
    out->prepared_tx_offset = h->phys_offset;
    out->store_host = bk->cfg.store.store_host;
    mq_props_without_any(&b, h->props, drop, (int)MQ_ARRAY_LEN(drop));
    out->props = bk_txn_pcopy(pool, &b);
    mq_buf_fini(&b);
    return MQ_OK;
}

/* Why an END_TRANSACTION names no half we can decide, or NULL. */
static const char *
bk_txn_end_check(const mq_end_txn_t *e, const mq_msg_t *h)
{
    mq_str_t pg;
    if (!mq_str_eq(h->topic, MQ_STR(BK_TXN_HALF_TOPIC)) || h->queue_offset != e->tran_state_offset)
        return "Find prepared transaction message failed";
    if (e->producer_group.n && mq_props_get(h->props, MQ_PROP_PGROUP, &pg) &&
        !mq_str_eq(pg, e->producer_group))
        return "The producer group wrong";
    return NULL;
}

void
bk_handle_end_txn(bk_t *bk, mq_req_t *req)
{
    const mq_end_txn_t *e = &req->u.end_txn;
    int commit = e->commit_or_rollback == MQ_TXN_COMMIT;
    store_slice_t sl;
    mq_msg_t h, msgs[2];
    const char *why;
    mq_str_t id;
    int rc, n = 0;

    if (e->commit_or_rollback == MQ_TXN_UNKNOWN) { /* the producer does not know yet: a check
                                                      will ask again */
        bk_reply(req, MQ_OK, NULL);
        return;
    }
    if (!commit && e->commit_or_rollback != MQ_TXN_ROLLBACK) {
        bk_reply(req, MQ_EINVAL, "commitOrRollback must be 0, 8 or 12");
        return;
    }
    if (e->commit_log_offset < 0 ||
        store_read_record(bk->store, e->commit_log_offset, &sl) != MQ_OK) {
        bk_reply(req, MQ_ERR, "Find prepared transaction message failed");
        return;
    }
    rc = mq_msg_record_decode(sl.p, sl.len, &h);
    why = rc == MQ_OK ? bk_txn_end_check(e, &h) : "Find prepared transaction message failed";
    if (why) {
        MQ_LOG_WARN("broker", "END_TRANSACTION from %.*s for %lld/%lld refused: %s",
                    (int)e->producer_group.n, e->producer_group.p, (long long)e->tran_state_offset,
                    (long long)e->commit_log_offset, why);
        store_slice_release(&sl);
        bk_reply(req, MQ_ERR, why);
        return;
    }
    id = bk_txn_id(h.props);
    if (bk_txn_is_done(bk->txn, h.queue_offset, id)) { /* invariant (1) */
        MQ_LOG_INFO("broker", "transaction %.*s already decided; %s ignored", (int)id.n, id.p,
                    commit ? "commit" : "rollback");
        store_slice_release(&sl);
        bk_reply(req, MQ_OK, NULL);
        return;
    }
    if (commit && bk_txn_commit_msg(bk, req->pool, &h, &msgs[n++]) != MQ_OK) {
        store_slice_release(&sl);
        bk_reply(req, MQ_ERR, "the half message has no REAL_TOPIC/REAL_QID");
        return;
    }
    bk_txn_op_msg(bk, req->pool, h.queue_offset, id, &msgs[n++]);
    rc = store_put(bk->store, msgs, n, NULL); /* invariant (2) */
    store_slice_release(&sl);
    if (rc != MQ_OK && rc != MQ_AGAIN) {
        bk_reply(req, rc, "store put failed");
        return;
    }
    bk_txn_mark_done(bk, h.queue_offset, id, msgs[n - 1].queue_offset);
    if (commit)
        bk->txn->committed++;
    else
        bk->txn->rolled_back++;
    MQ_LOG_INFO("broker", "transaction %.*s %s%s (half %lld)", (int)id.n, id.p,
                commit ? "committed" : "rolled back", e->from_check ? " on a check" : "",
                (long long)h.queue_offset);
    bk_reply(req, MQ_OK, NULL);
}

/* ---- Recovery: replay the op queue ---- */

/* Remembers the halves one op message names ("12,13," or "12"). */
static void
bk_txn_replay_op(bk_t *bk, const mq_msg_t *op, int64_t half_max)
{
    mq_str_t id;
    const char *p = op->body.p, *end = op->body.p + op->body.n;
    char kb[24];

    if (op->sys_flag & MQ_SYSFLAG_COMPRESSED)
        return; /* we never compress op messages */
    while (p < end) {
        int64_t off = 0;
        int digits = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 19) {
            off = off * 10 + (*p++ - '0');
            digits++;
        }
        if (digits && off >= bk->txn->scan)
            bk_txn_remember(&bk->txn->done_off, bk_txn_off_key(off, kb), op->queue_offset,
                            half_max);
        while (p < end && (*p < '0' || *p > '9'))
            p++;
    }
    if (mq_props_get(op->props, BK_TXN_PROP_ID, &id) && id.n)
        bk_txn_remember(&bk->txn->done_uniq, id, op->queue_offset, half_max);
}

void
bk_txn_open(bk_t *bk)
{
    bk_txn_t *t = mq_xcalloc(1, sizeof(*t));
    mq_str_t half = MQ_STR(BK_TXN_HALF_TOPIC), opt = MQ_STR(BK_TXN_OP_TOPIC);
    int64_t op_max, half_max, replayed = 0;

    mq_strmap_init(&t->done_off);
    mq_strmap_init(&t->done_uniq);
    mq_strmap_init(&t->producers);
    bk->txn = t;
    store_wait_dispatched(bk->store); /* recovered records are in their queues */
    t->scan = store_offsets_query(bk->offsets, BK_TXN_GROUP, BK_TXN_HALF_TOPIC, 0);
    if (t->scan < store_min_offset(bk->store, half, 0))
        t->scan = store_min_offset(bk->store, half, 0);
    t->op_from = store_offsets_query(bk->offsets, BK_TXN_GROUP, BK_TXN_OP_TOPIC, 0);
    if (t->op_from < store_min_offset(bk->store, opt, 0))
        t->op_from = store_min_offset(bk->store, opt, 0);
    half_max = store_max_offset(bk->store, half, 0);
    op_max = store_max_offset(bk->store, opt, 0);
    for (int64_t i = t->op_from; i < op_max; i++) {
        store_cq_entry_t ce;
        store_slice_t sl;
        mq_msg_t op;
        if (store_cq_get(bk->store, opt, 0, i, &ce) != MQ_OK ||
            store_read_record(bk->store, ce.phys_offset, &sl) != MQ_OK)
            continue;
        if (mq_msg_record_decode(sl.p, sl.len, &op) == MQ_OK) {
            bk_txn_replay_op(bk, &op, half_max);
            replayed++;
        }
        store_slice_release(&sl);
    }
    if (half_max > t->scan || replayed)
        MQ_LOG_INFO("broker",
                    "transactions: %lld half message(s) to check from offset %lld, %lld op "
                    "message(s) replayed",
                    (long long)(half_max - t->scan), (long long)t->scan, (long long)replayed);
    bk_txn_check_start(bk);
}

void
bk_txn_close(bk_t *bk)
{
    if (!bk->txn)
        return;
    bk_txn_prune(bk);
}

void
bk_txn_free(bk_t *bk)
{
    if (!bk->txn)
        return;
    mq_strmap_fini(&bk->txn->done_off, free);
    mq_strmap_fini(&bk->txn->done_uniq, free);
    bk_txn_producers_fini(bk);
    free(bk->txn);
    bk->txn = NULL;
}
