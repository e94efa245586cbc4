/* SPDX-License-Identifier: Apache-2.0
 *
 * store_flush.c -- making data durable: CommitLog flush with group commit, ConsumeQueue and
 * index flush, and the checkpoint.
 *
 * CommitLog flush thread ("mq-flush"):
 *
 *     ASYNC_FLUSH  every flushIntervalCommitLog ms: flush if >= flushCommitLogLeastPages
 *                  dirty pages, or everything every flushCommitLogThoroughInterval ms
 *     SYNC_FLUSH   whenever cl_max > cl_flushed: W = cl_max; msync [cl_flushed, W);
 *                  test hook(W); cl_flushed = W; complete every waiter with target <= W;
 *                  wake the dispatcher. Puts that arrive during an msync are covered by the
 *                  next one together: that is the group commit. When two or more puts
 *                  arrived during that msync, a pause of half its duration (at most
 *                  STORE_PACE_MAX_US) before the next one, so that a slow disk gets fewer,
 *                  larger flushes (see store_flush_pace).
 *
 * Queue flush thread ("mq-flush-cq"), every flushIntervalConsumeQueue ms:
 *     D = dispatched; start writeback of every dirty CQ/index range (sync_file_range), then
 *     wait for each (msync); then write the checkpoint with logics/index offsets = D
 *     (store_int.h invariant 4). Starting all writeback first lets one journal commit and
 *     the device's queue serve thousands of queues instead of one fdatasync at a time.
 *     It also expires sync waiters past syncFlushTimeout (MQ_ETIMEDOUT) every 100 ms.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mq/log.h"
#include "store_int.h"

/* ---- Sync waiters ---- */

#define STORE_GATHER_US 300
#define STORE_PACE_MAX_US 1000

/* Detaches waiters matching the predicate (target <= upto, or deadline passed when
 * now_ns > 0, or all when upto == INT64_MAX) and calls them with status, outside the lock. */
static int
store_waiters_complete(store_t *s, int64_t upto, int64_t now_ns, int status)
{
    store_waiter_t *done = NULL, **dtail = &done, **pp;
    int n = 0;

    pthread_mutex_lock(&s->flush_mu);
    pp = &s->waiters;
    while (*pp) {
        store_waiter_t *w = *pp;
        int hit = now_ns > 0 ? w->deadline_ns <= now_ns : w->target <= upto;
        if (hit) {
            *pp = w->next;
            w->next = NULL;
            *dtail = w;
            dtail = &w->next;
            n++;
            s->nwaiters--;
        } else {
            pp = &w->next;
        }
    }
    s->waiters_tail = pp;
    pthread_mutex_unlock(&s->flush_mu);
    while (done) {
        store_waiter_t *next = done->next;
        done->cb(done, status);
        done = next;
    }
    return n;
}

/* Group commit: after completing `woken` puts, give their threads a moment to append again so
 * that the next msync covers them all, instead of one msync for the first and another for the
 * rest. Waits at most STORE_GATHER_US, less as soon as most of them are back. */
static void
store_flush_gather(store_t *s, int woken)
{
    int64_t deadline = mq_mono_ns() + STORE_GATHER_US * 1000;
    if (woken < 4)
        return;
    pthread_mutex_lock(&s->flush_mu);
    s->gather_want = woken * 3 / 4;
    while (s->nwaiters < s->gather_want && atomic_load(&s->running)) {
        int64_t left = deadline - mq_mono_ns();
        if (left <= 0)
            break;
        store_cond_wait_ns(&s->flush_cv, &s->flush_mu, left);
    }
    s->gather_want = 0;
    pthread_mutex_unlock(&s->flush_mu);
}

/* Flush pacing: after an msync that ran from start_ns to end_ns, wait half as long again (at most
 * STORE_PACE_MAX_US) before the next. Back-to-back flushes of whatever arrived meanwhile cost
 * one journal commit each; on a disk whose operations are budgeted (a virtual disk with a
 * token bucket, measured in docs/benchmarks.md) they exhaust the budget and then every flush
 * stalls until it refills. Pausing in proportion to the disk's own latency halves the flush
 * rate wherever it matters and costs a fast disk next to nothing: on a 50 us flush, 25 us. */
static void
store_flush_pace(store_t *s, int64_t start_ns, int64_t end_ns)
{
    int64_t pause_ns = MQ_MIN((end_ns - start_ns) / 2, (int64_t)STORE_PACE_MAX_US * 1000);
    int64_t until = end_ns + pause_ns; /* the gather's wait counts towards it */
    if (pause_ns <= 0 || s->test_skip_flush)
        return;
    pthread_mutex_lock(&s->flush_mu);
    while (atomic_load(&s->running)) {
        int64_t left = until - mq_mono_ns();
        if (left <= 0)
            break;
        store_cond_wait_ns(&s->flush_cv, &s->flush_mu, left);
    }
    pthread_mutex_unlock(&s->flush_mu);
}

void
store_waiters_complete_upto(store_t *s, int64_t flushed)
{
    (void)store_waiters_complete(s, flushed, 0, MQ_OK);
}

void
store_waiters_fail_all(store_t *s, int status)
{
    (void)store_waiters_complete(s, INT64_MAX, 0, status);
}

/* ---- CommitLog ---- */

int
store_flush_commitlog(store_t *s, int64_t upto)
{
    int64_t from, ts;
    int rc = MQ_OK;

    pthread_mutex_lock(&s->flush_cl_mu);
    from = atomic_load(&s->cl_flushed);
    ts = atomic_load(&s->cl_last_ts);
    while (from < upto && !s->test_skip_flush) {
        store_seg_t *seg = store_mfq_find(&s->cl, from);
        int64_t to;
        if (!seg)
            break;
        to = MQ_MIN(upto, seg->start + seg->size);
        if (store_seg_flush(seg, from - seg->start, to - seg->start, 1) != MQ_OK)
            rc = MQ_EIO;
        else if (to == seg->start + seg->size)
            futimens(seg->fd, NULL); /* a full segment's mtime is when it was finished */
        atomic_store(&seg->flushed, to - seg->start);
        from = to;
        store_seg_release(seg);
    }
    if (rc != MQ_OK) {
        pthread_mutex_unlock(&s->flush_cl_mu);
        return rc;
    }
    if (s->flush_hook && !s->test_skip_flush)
        s->flush_hook(s->flush_hook_arg, upto);
    if (upto > atomic_load(&s->cl_flushed)) {
        atomic_store_explicit(&s->cl_flushed, upto, memory_order_seq_cst);
        pthread_mutex_lock(&s->ckpt_mu);
        s->ckpt.flushed_phys = upto;
        s->ckpt.physic_ts = ts;
        pthread_mutex_unlock(&s->ckpt_mu);
    }
    pthread_mutex_unlock(&s->flush_cl_mu);
    return MQ_OK;
}

void
store_flush_kick(store_t *s)
{
    if (atomic_load_explicit(&s->flush_idle, memory_order_seq_cst)) {
        pthread_mutex_lock(&s->flush_mu);
        pthread_cond_signal(&s->flush_cv);
        pthread_mutex_unlock(&s->flush_mu);
    }
}

static void
store_flush_sync_loop(store_t *s)
{
    while (atomic_load(&s->running)) {
        int64_t target = atomic_load_explicit(&s->cl_max, memory_order_seq_cst);
        if (target > atomic_load(&s->cl_flushed)) {
            int64_t t0 = mq_mono_ns();
            int64_t calls0 = atomic_load_explicit(&s->put_calls, memory_order_relaxed);
            if (store_flush_commitlog(s, target) == MQ_OK) {
                int64_t t1 = mq_mono_ns();
                int woken = store_waiters_complete(s, target, 0, MQ_OK);
                store_dispatch_kick(s);
                store_flush_gather(s, woken);
                /* Pace only when puts arrive faster than flushes (two or more during this
                 * one): a lone producer waiting on each flush would only lose the pause. */
                if (atomic_load_explicit(&s->put_calls, memory_order_relaxed) - calls0 >= 2)
                    store_flush_pace(s, t0, t1);
            } else {
                pthread_mutex_lock(&s->flush_mu);
                store_cond_wait_ms(&s->flush_cv, &s->flush_mu, 100); /* I/O error: retry */
                pthread_mutex_unlock(&s->flush_mu);
            }
            continue;
        }
        pthread_mutex_lock(&s->flush_mu);
        atomic_store_explicit(&s->flush_idle, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&s->cl_max, memory_order_seq_cst) == target &&
            atomic_load(&s->running))
            store_cond_wait_ms(&s->flush_cv, &s->flush_mu, 200);
        atomic_store_explicit(&s->flush_idle, 0, memory_order_relaxed);
        pthread_mutex_unlock(&s->flush_mu);
    }
}

static void
store_flush_async_loop(store_t *s)
{
    int64_t last_thorough = mq_mono_ns();
    while (atomic_load(&s->running)) {
        int64_t now, dirty, least;
        pthread_mutex_lock(&s->flush_mu);
        if (atomic_load(&s->running))
            store_cond_wait_ms(&s->flush_cv, &s->flush_mu, s->cfg.flush_interval_ms);
        pthread_mutex_unlock(&s->flush_mu);
        now = mq_mono_ns();
        least = (int64_t)s->cfg.flush_least_pages * STORE_PAGE;
        if (now - last_thorough >= (int64_t)s->cfg.flush_thorough_interval_ms * 1000000) {
            least = 0;
            last_thorough = now;
        }
        dirty = atomic_load(&s->cl_max) - atomic_load(&s->cl_flushed);
        if (dirty > 0 && dirty >= least)
            store_flush_commitlog(s, atomic_load(&s->cl_max));
    }
}

void *
store_flush_main(void *arg)
{
    store_t *s = arg;
    if (s->cfg.flush_mode == STORE_SYNC_FLUSH)
        store_flush_sync_loop(s);
    else
        store_flush_async_loop(s);
    return NULL;
}

/* ---- ConsumeQueues, index, checkpoint ---- */

static void
store_flush_queues_phase(store_t *s, int phase, int with_index)
{
    pthread_rwlock_rdlock(&s->queues.lock);
    for (size_t i = 0; i < s->queues.nbuckets; i++)
        for (store_cq_t *cq = s->queues.buckets[i]; cq; cq = cq->hnext)
            store_cq_flush(cq, phase);
    pthread_rwlock_unlock(&s->queues.lock);
    if (s->index && with_index)
        store_index_flush(s->index, phase);
}

int
store_flush_queues_and_checkpoint(store_t *s, int final)
{
    int64_t d = atomic_load_explicit(&s->dispatched, memory_order_acquire);
    int64_t dts = atomic_load(&s->dispatched_ts);
    int64_t now = mq_mono_ns();
    int rc, with_index;

    /* The index is flushed less often than the queues: its hash slots are scattered writes,
     * and each flushed page costs a TLB shootdown; recovery rebuilds what it lacks. */
    with_index =
        final || now - s->index_flushed_ns >= (int64_t)s->cfg.flush_index_interval_ms * 1000000;
    store_flush_queues_phase(s, 0, with_index);
    store_flush_queues_phase(s, 1, with_index);
    pthread_mutex_lock(&s->ckpt_mu);
    s->ckpt.logics_phys = d;
    if (dts > 0)
        s->ckpt.logics_ts = dts;
    if (with_index) {
        s->index_flushed_ns = now;
        s->ckpt.index_phys = d;
        if (dts > 0)
            s->ckpt.index_ts = dts;
    }
    s->ckpt.confirm_phys = final ? atomic_load(&s->cl_max) : atomic_load(&s->cl_flushed);
    rc = store_ckpt_write(s->ckpt_fd, &s->ckpt);
    pthread_mutex_unlock(&s->ckpt_mu);
    if (rc != MQ_OK)
        MQ_LOG_ERROR("store", "cannot write the checkpoint under %s", s->cfg.root_dir);
    return rc;
}

void *
store_flush_cq_main(void *arg)
{
    store_t *s = arg;
    int64_t last = mq_mono_ns(), last_d = -1, last_f = -1;
    while (atomic_load(&s->running)) {
        int64_t now;
        pthread_mutex_lock(&s->flush_cq_mu);
        if (atomic_load(&s->running))
            store_cond_wait_ms(&s->flush_cq_cv, &s->flush_cq_mu, 100);
        pthread_mutex_unlock(&s->flush_cq_mu);
        now = mq_mono_ns();
        if (s->cfg.flush_mode == STORE_SYNC_FLUSH)
            (void)store_waiters_complete(s, 0, now, MQ_ETIMEDOUT);
        if (now - last >= (int64_t)s->cfg.flush_cq_interval_ms * 1000000) {
            int64_t d = atomic_load(&s->dispatched), f = atomic_load(&s->cl_flushed);
            last = now;
            if (d != last_d || f != last_f) { /* nothing new: no write, no fdatasync */
                store_flush_queues_and_checkpoint(s, 0);
                last_d = d;
                last_f = f;
            }
        }
    }
    return NULL;
}

int
store_flush_all(store_t *s)
{
    int rc = store_flush_commitlog(s, atomic_load(&s->cl_max));
    if (rc == MQ_OK && s->cfg.flush_mode == STORE_SYNC_FLUSH)
        (void)store_waiters_complete(s, atomic_load(&s->cl_flushed), 0, MQ_OK);
    store_wait_dispatched(s);
    if (rc == MQ_OK)
        rc = store_flush_queues_and_checkpoint(s, 1);
    return rc;
}
