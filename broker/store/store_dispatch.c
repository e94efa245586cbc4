/* SPDX-License-Identifier: Apache-2.0
 *
 * store_dispatch.c -- the dispatcher ("reput" in RocketMQ): reads CommitLog records in order
 * and builds their ConsumeQueue and index entries. A record becomes visible to readers here,
 * and the arrival callback wakes long-polling pulls.
 *
 * The dispatcher reads up to a limit: cl_max under ASYNC_FLUSH, cl_flushed under SYNC_FLUSH
 * (store_int.h invariant 3). It sleeps when it has caught up; appenders (or the flusher) wake
 * it through dispatch_idle, a Dekker-style flag: the writer publishes its offset then reads the
 * flag, the dispatcher sets the flag then re-reads the offset, both sequentially consistent,
 * so one of them always sees the other.
 *
 * Records are decoded with the bounds-checked codec: under replication (a later issue) and in
 * recovery the bytes come from outside, so a bad record stops dispatch with a log line rather
 * than a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
#include "mq/rd.h"
#include "store_int.h"

#define STORE_DISPATCH_IX_BATCH 64
#define STORE_DISPATCH_RUN_MAX 512 /* records per run: bounds staging and wake-up latency */

/* A record whose ConsumeQueue entry is staged: the arrival callback fires once it is visible. */
typedef struct store_arrival_s {
    store_cq_t *cq;       /* its queue */
    int64_t queue_offset; /* its offset */
    int64_t tags_code;    /* its tag hash */
    int64_t store_ts;     /* its store time */
    mq_str_t props;       /* view into the mapped record */
} store_arrival_t;

/* State of one dispatch run (at most STORE_DISPATCH_RUN_MAX records): the last queue used,
 * the queues with staged entries, the arrivals to announce, index entries to write together. */
typedef struct store_dispatch_ctx_s {
    store_cq_t *last_cq;                         /* valid for this run only */
    store_cq_t *touched[STORE_DISPATCH_RUN_MAX]; /* queues with staged entries */
    int ntouched;
    store_arrival_t arrivals[STORE_DISPATCH_RUN_MAX]; /* announced after the commit */
    int narrivals;
    store_index_item_t ix[STORE_DISPATCH_IX_BATCH]; /* pending index entries */
    int nix;                                        /* how many */
    store_arrival_fn arrival_cb;                    /* snapshot for this run */
    void *arrival_arg;
} store_dispatch_ctx_t;

static void
store_dispatch_flush_index(store_t *s, store_dispatch_ctx_t *dc)
{
    if (dc->nix) {
        store_index_put_many(s->index, dc->ix, dc->nix);
        dc->nix = 0;
    }
}

static void
store_dispatch_add_key(store_t *s, store_dispatch_ctx_t *dc, int32_t prefix, mq_str_t key,
                       const mq_msg_t *m)
{
    store_index_item_t *it;
    if (dc->nix == STORE_DISPATCH_IX_BATCH)
        store_dispatch_flush_index(s, dc);
    it = &dc->ix[dc->nix++];
    it->key_hash = store_index_key_hash(prefix, key);
    it->phys = m->phys_offset;
    it->store_ts = m->store_ts;
}

static int64_t
store_dispatch_limit(store_t *s)
{
    if (s->cfg.flush_mode == STORE_SYNC_FLUSH)
        return atomic_load_explicit(&s->cl_flushed, memory_order_seq_cst);
    return atomic_load_explicit(&s->cl_max, memory_order_seq_cst);
}

/* Index keys of one record: the UNIQ_KEY and every space-separated KEYS entry. */
static void
store_dispatch_index(store_t *s, store_dispatch_ctx_t *dc, store_cq_t *cq, const mq_msg_t *m,
                     mq_str_t uniq, mq_str_t keys)
{
    if (!s->index || (m->sys_flag & MQ_SYSFLAG_TRANSACTION_MASK) == MQ_SYSFLAG_TRANSACTION_ROLLBACK)
        return;
    if (uniq.n)
        store_dispatch_add_key(s, dc, cq->key_hash_prefix, uniq, m);
    while (keys.n) {
        const char *sp = memchr(keys.p, ' ', keys.n);
        size_t len = sp ? (size_t)(sp - keys.p) : keys.n;
        if (len)
            store_dispatch_add_key(s, dc, cq->key_hash_prefix, (mq_str_t){keys.p, len}, m);
        if (!sp)
            break;
        keys.p = sp + 1;
        keys.n -= len + 1;
    }
}

/* Dispatches the record at p (avail bytes up to the segment end / limit). Returns the bytes
 * consumed, 0 when the record is incomplete (wait for more), or -1 when it is invalid. */
static int64_t
store_dispatch_one(store_t *s, store_dispatch_ctx_t *dc, const uint8_t *p, int64_t avail,
                   int64_t pos, int64_t seg_end)
{
    mq_msg_t m;
    mq_props_iter_t it;
    mq_str_t k, v, tags = MQ_STR_NULL, keys = MQ_STR_NULL, uniq = MQ_STR_NULL;
    store_cq_t *cq;
    int tx, rc = mq_msg_record_decode(p, (size_t)avail, &m);

    if (rc == MQ_DECLINED) /* BLANK filler: the rest of the segment */
        return m.store_size == seg_end - pos ? m.store_size : -1;
    if (rc == MQ_AGAIN)
        return 0;
    if (s->recovering) { /* the end of valid data is expected here: no error, no log */
        if (rc != MQ_OK || m.phys_offset != pos)
            return -1;
        if (s->cfg.check_crc_on_recover && !mq_msg_body_crc_ok(&m)) {
            MQ_LOG_WARN("store", "recovery: body CRC mismatch at CommitLog offset %lld",
                        (long long)pos);
            return -1;
        }
    }
    if (rc != MQ_OK || m.phys_offset != pos) {
        MQ_LOG_ERROR("store",
                     "dispatch: invalid record at CommitLog offset %lld (%s); dispatch "
                     "stops here",
                     (long long)pos, rc == MQ_OK ? "wrong offset" : mq_err_name(rc));
        return -1;
    }
    mq_props_iter_init(&it, m.props);
    while (mq_props_next(&it, &k, &v)) {
        if (k.n == 4 && memcmp(k.p, "TAGS", 4) == 0)
            tags = v;
        else if (k.n == 4 && memcmp(k.p, "KEYS", 4) == 0)
            keys = v;
        else if (k.n == 8 && memcmp(k.p, "UNIQ_KEY", 8) == 0)
            uniq = v;
    }
    if (!store_topic_name_ok(m.topic) || m.queue_id < 0) {
        MQ_LOG_ERROR("store",
                     "dispatch: record at %lld has a topic or queue id unusable as a "
                     "consume queue path; not indexed",
                     (long long)pos);
        return m.store_size;
    }
    cq = dc->last_cq;
    if (!cq || cq->qid != m.queue_id || cq->topic_len != m.topic.n ||
        memcmp(cq->topic, m.topic.p, m.topic.n) != 0)
        cq = dc->last_cq = store_queue_get(s, m.topic, m.queue_id, 1);
    tx = m.sys_flag & MQ_SYSFLAG_TRANSACTION_MASK;
    if (tx != MQ_SYSFLAG_TRANSACTION_PREPARED && tx != MQ_SYSFLAG_TRANSACTION_ROLLBACK) {
        int64_t tags_code = mq_tags_code(tags);
        rc = store_cq_put(cq, m.queue_offset, pos, m.store_size, tags_code);
        if (rc == MQ_OK) {
            if (!cq->in_run) {
                cq->in_run = 1;
                dc->touched[dc->ntouched++] = cq;
            }
            if (dc->arrival_cb)
                dc->arrivals[dc->narrivals++] =
                    (store_arrival_t){cq, m.queue_offset, tags_code, m.store_ts, m.props};
        } else if (rc == MQ_EIO)
            MQ_LOG_ERROR("store",
                         "dispatch: cannot write the consume queue entry of %s/%d "
                         "offset %lld",
                         cq->topic, cq->qid, (long long)m.queue_offset);
    }
    store_dispatch_index(s, dc, cq, &m, uniq, keys);
    atomic_store_explicit(&s->dispatched_ts, m.store_ts, memory_order_relaxed);
    return m.store_size;
}

/* Dispatches [from, to). Returns the offset reached (== to unless a record was bad). */
static int64_t
store_dispatch_run(store_t *s, int64_t from, int64_t to)
{
    int64_t pos = from;
    store_seg_t *seg = NULL;
    store_dispatch_ctx_t *dc = s->dispatch_ctx;
    int records = 0;

    dc->last_cq = NULL;
    dc->nix = dc->ntouched = dc->narrivals = 0;
    dc->arrival_cb = atomic_load(&s->arrival_cb);
    dc->arrival_arg = atomic_load(&s->arrival_arg);
    while (pos < to && records < STORE_DISPATCH_RUN_MAX) {
        int64_t seg_end, avail, used;
        if (!seg || pos >= seg->start + seg->size) {
            store_seg_release(seg);
            seg = store_mfq_find(&s->cl, pos);
            if (!seg) {
                MQ_LOG_ERROR("store", "dispatch: no CommitLog segment holds offset %lld",
                             (long long)pos);
                break;
            }
        }
        seg_end = seg->start + seg->size;
        if (seg_end - pos < STORE_BLANK_MIN) { /* a tail too short for a filler */
            if (to < seg_end)
                break;
            pos = seg_end;
            continue;
        }
        avail = MQ_MIN(seg_end, to) - pos;
        used = store_dispatch_one(s, dc, seg->base + (pos - seg->start), avail, pos, seg_end);
        if (used <= 0)
            break;
        pos += used;
        records++;
    }
    /* Make the staged entries visible, then announce them (props views need the segments,
     * which retention cannot delete before they are dispatched). */
    for (int i = 0; i < dc->ntouched; i++) {
        store_cq_commit(dc->touched[i]);
        dc->touched[i]->in_run = 0;
    }
    store_dispatch_flush_index(s, dc);
    for (int i = 0; i < dc->narrivals && dc->arrival_cb; i++) {
        store_arrival_t *a = &dc->arrivals[i];
        dc->arrival_cb(dc->arrival_arg, (mq_str_t){a->cq->topic, a->cq->topic_len}, a->cq->qid,
                       a->queue_offset, a->tags_code, a->store_ts, a->props);
    }
    store_seg_release(seg);
    return pos;
}

void
store_dispatch_range(store_t *s, int64_t from, int64_t to)
{
    int64_t pos = from;
    while (pos < to) {
        int64_t reached = store_dispatch_run(s, pos, to);
        if (reached == pos)
            break;
        pos = reached;
    }
    atomic_store(&s->dispatched, pos);
}

store_cq_t *
store_queue_get(store_t *s, mq_str_t topic, int32_t qid, int create)
{
    uint64_t h = store_qtable_hash(topic, qid);
    store_cq_t *cq;

    pthread_rwlock_rdlock(&s->queues.lock);
    cq = store_qtable_find(&s->queues, topic, qid, h);
    pthread_rwlock_unlock(&s->queues.lock);
    if (cq || !create)
        return cq;
    /* The dispatcher meets a queue no appender created (recovery, replication). */
    pthread_mutex_lock(&s->put_lock);
    cq = store_qtable_find(&s->queues, topic, qid, h);
    if (!cq) {
        cq = store_cq_new(s->cq_dir, topic, qid, s->cfg.cq_file_size);
        store_qtable_insert(&s->queues, cq);
    }
    pthread_mutex_unlock(&s->put_lock);
    return cq;
}

int
store_wait_visible(store_t *s, int64_t target, int64_t timeout_ms, store_waiter_t *w)
{
    int rc = MQ_AGAIN;
    w->target = target;
    w->deadline_ns = mq_mono_ns() + timeout_ms * 1000000;
    pthread_mutex_lock(&s->dispatch_mu);
    if (atomic_load(&s->dispatched) >= target) {
        rc = MQ_OK;
    } else if (!atomic_load(&s->running)) {
        rc = MQ_ECLOSED;
    } else {
        w->next = s->vis_waiters;
        s->vis_waiters = w;
        atomic_fetch_add(&s->n_vis, 1);
    }
    pthread_mutex_unlock(&s->dispatch_mu);
    if (rc == MQ_AGAIN)
        store_dispatch_kick(s);
    return rc;
}

void
store_vis_waiters_complete(store_t *s, int64_t dispatched, int all, int status)
{
    store_waiter_t *done = NULL, **pp;
    int64_t now = mq_mono_ns();
    pthread_mutex_lock(&s->dispatch_mu);
    pp = &s->vis_waiters;
    while (*pp) {
        store_waiter_t *w = *pp;
        if (all || w->target <= dispatched || w->deadline_ns <= now) {
            *pp = w->next;
            w->next = done;
            done = w;
            atomic_fetch_sub(&s->n_vis, 1);
        } else {
            pp = &w->next;
        }
    }
    pthread_mutex_unlock(&s->dispatch_mu);
    while (done) {
        store_waiter_t *next = done->next;
        done->cb(done, all ? status : done->target <= dispatched ? MQ_OK : MQ_ETIMEDOUT);
        done = next;
    }
}

/* Deferred wake-ups: the thread that called store_defer_kicks() for s only notes that it
 * appended; store_kick_deferred() wakes the dispatcher once for the whole batch. */
static _Thread_local store_t *store_defer_for;
static _Thread_local int store_defer_pending;

void
store_defer_kicks(store_t *s)
{
    store_defer_for = s;
}

void
store_kick_deferred(store_t *s)
{
    if (store_defer_for == s && store_defer_pending) {
        store_defer_pending = 0;
        store_dispatch_kick_now(s);
    }
}

void
store_dispatch_kick(store_t *s)
{
    if (store_defer_for == s) {
        store_defer_pending = 1;
        return;
    }
    store_dispatch_kick_now(s);
}

void
store_dispatch_kick_now(store_t *s)
{
    if (atomic_load_explicit(&s->dispatch_idle, memory_order_seq_cst)) {
        pthread_mutex_lock(&s->dispatch_mu);
        pthread_cond_signal(&s->dispatch_cv);
        pthread_mutex_unlock(&s->dispatch_mu);
    }
}

void *
store_dispatch_main(void *arg)
{
    store_t *s = arg;
    int stalled = 0;

    for (;;) {
        int64_t from = atomic_load(&s->dispatched);
        int64_t limit = store_dispatch_limit(s);
        int running = atomic_load(&s->running);

        if (from < limit && !stalled) {
            int64_t reached;
            pthread_mutex_lock(&s->dispatch_work_mu);
            reached = store_dispatch_run(s, from, limit);
            pthread_mutex_unlock(&s->dispatch_work_mu);
            stalled = reached == from; /* a bad record: wait for new data before retrying */
            atomic_store_explicit(&s->dispatched, reached, memory_order_release);
            pthread_mutex_lock(&s->dispatch_mu);
            pthread_cond_broadcast(&s->dispatched_cv);
            pthread_mutex_unlock(&s->dispatch_mu);
            /* After the lock above: a waiter enqueued before it is seen here, one enqueued
             * after it saw this run's progress (store_wait_visible checks under the lock). */
            if (atomic_load(&s->n_vis))
                store_vis_waiters_complete(s, reached, 0, MQ_OK);
            continue;
        }
        if (!running)
            break;
        pthread_mutex_lock(&s->dispatch_mu);
        atomic_store_explicit(&s->dispatch_idle, 1, memory_order_seq_cst);
        if (store_dispatch_limit(s) == limit && atomic_load(&s->running))
            store_cond_wait_ms(&s->dispatch_cv, &s->dispatch_mu, stalled ? 1000 : 200);
        atomic_store_explicit(&s->dispatch_idle, 0, memory_order_relaxed);
        pthread_mutex_unlock(&s->dispatch_mu);
        if (store_dispatch_limit(s) != limit)
            stalled = 0;
        if (atomic_load(&s->n_vis)) /* deadlines (a stalled dispatch) */
            store_vis_waiters_complete(s, atomic_load(&s->dispatched), 0, MQ_OK);
    }
    pthread_mutex_lock(&s->dispatch_mu);
    pthread_cond_broadcast(&s->dispatched_cv);
    pthread_mutex_unlock(&s->dispatch_mu);
    return NULL;
}

void
store_wait_dispatched(store_t *s)
{
    int64_t target = atomic_load(&s->cl_max);
    if (s->cfg.flush_mode == STORE_SYNC_FLUSH) {
        store_flush_kick(s);
        while (atomic_load(&s->cl_flushed) < target && atomic_load(&s->running)) {
            pthread_mutex_lock(&s->dispatch_mu);
            store_cond_wait_ms(&s->dispatched_cv, &s->dispatch_mu, 10);
            pthread_mutex_unlock(&s->dispatch_mu);
        }
    }
    pthread_mutex_lock(&s->dispatch_mu);
    {
        int64_t last = atomic_load(&s->dispatched), since = mq_mono_ns();
        while (atomic_load(&s->dispatched) < target && atomic_load(&s->running)) {
            pthread_cond_signal(&s->dispatch_cv);
            store_cond_wait_ms(&s->dispatched_cv, &s->dispatch_mu, 50);
            if (atomic_load(&s->dispatched) != last) {
                last = atomic_load(&s->dispatched);
                since = mq_mono_ns();
            } else if (mq_mono_ns() - since > 10LL * 1000000000) {
                MQ_LOG_ERROR("store", "dispatch is stuck at %lld (target %lld); not waiting longer",
                             (long long)last, (long long)target);
                break; /* a bad record stopped the dispatcher: do not hang the caller */
            }
        }
    }
    pthread_mutex_unlock(&s->dispatch_mu);
}

void
store_dispatch_init(store_t *s)
{
    s->dispatch_ctx = mq_xcalloc(1, sizeof(store_dispatch_ctx_t));
}

void
store_dispatch_fini(store_t *s)
{
    free(s->dispatch_ctx);
    s->dispatch_ctx = NULL;
}
