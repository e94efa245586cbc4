/* SPDX-License-Identifier: Apache-2.0
 *
 * store_commitlog.c -- the append path: store_put() copies records into the mapped CommitLog.
 *
 * One put = one lock and one copy: the caller's messages are encoded straight into the current
 * segment under put_lock, with consecutive queue offsets for each queue; nothing is allocated
 * per message. Body CRCs are computed before the lock. When a put does not fit in the rest of
 * the segment (keeping 8 bytes for the BLANK filler), the segment is closed with a filler and
 * the put goes to the next segment, prepared ahead by the allocator thread.
 *
 * Under ASYNC_FLUSH the records are encoded straight into the mapping. Under SYNC_FLUSH they
 * are encoded into put_buf and written with one pwrite: every flush write-protects the pages
 * it cleans, so writing through the mapping would take a page fault (~30 us on the reference
 * VM) for each page after each flush, under put_lock.
 *
 *   caller          store_put: check, CRC, lock, [roll], encode, publish cl_max, unlock
 *   ASYNC_FLUSH     returns MQ_OK; the flush thread writes it out within flushIntervalCommitLog
 *   SYNC_FLUSH      returns MQ_AGAIN; the waiter's callback fires once a flush covers the put
 */
#include <stdlib.h>
#include <string.h>

#include "mq/crc.h"
#include "mq/log.h"
#include "mq/rd.h"
#include "store_int.h"

/* Closes the current segment with a BLANK filler and makes the next one current. put_lock
 * held. Returns MQ_OK or an error (the filler stays: the log simply continues later). */
static int
store_commitlog_roll(store_t *s)
{
    store_seg_t *cur = s->cl_cur, *next;
    int64_t rel = atomic_load_explicit(&s->cl_max, memory_order_relaxed) - cur->start;
    int64_t start = cur->start + cur->size;

    if (cur->size - rel >= STORE_BLANK_MIN) { /* a shorter tail needs no filler */
        uint8_t blank[STORE_BLANK_MIN];
        mq_store_be32(blank, (uint32_t)(cur->size - rel));
        mq_store_be32(blank + 4, (uint32_t)MQ_MSG_BLANK_MAGIC);
        if (s->cl_pwrite)
            (void)store_pwrite_all(cur->fd, blank, sizeof(blank), rel);
        else
            memcpy(cur->base + rel, blank, sizeof(blank));
    }
    next = store_alloc_take(s, start);
    if (!next)
        return MQ_EIO; /* logged by the creation */
    if (store_mfq_push(&s->cl, next) != MQ_OK) {
        MQ_LOG_ERROR("store", "new segment %s does not follow %s", next->path, cur->path);
        store_seg_delete(next);
        return MQ_EIO;
    }
    store_seg_hold(next);
    atomic_store_explicit(&cur->wrote, cur->size, memory_order_release);
    s->cl_cur = next;
    store_seg_release(cur);
    atomic_store_explicit(&s->cl_max, start, memory_order_release);
    store_alloc_kick(s); /* prepare the one after */
    return MQ_OK;
}

/* Finds or creates the queue for a put. put_lock held. */
static store_cq_t *
store_put_queue(store_t *s, mq_str_t topic, int32_t qid)
{
    uint64_t h = store_qtable_hash(topic, qid);
    store_cq_t *cq = store_qtable_find(&s->queues, topic, qid, h);
    if (!cq) {
        cq = store_cq_new(s->cq_dir, topic, qid, s->cfg.cq_file_size);
        store_qtable_insert(&s->queues, cq);
    }
    return cq;
}

static int
store_put_check(store_t *s, mq_msg_t *msgs, int n, int64_t *total)
{
    int64_t sum = 0;
    if (n <= 0)
        return MQ_EINVAL;
    for (int i = 0; i < n; i++) {
        mq_msg_t *m = &msgs[i];
        int64_t size;
        if (m->body.n > (size_t)s->cfg.max_message_size)
            return MQ_ETOOBIG;
        if (m->queue_id < 0 || !store_topic_name_ok(m->topic))
            return MQ_EINVAL;
        m->store_host = s->cfg.store_host;
        size = mq_msg_record_size(m);
        if (size < 0)
            return (int)size;
        m->store_size = (int32_t)size;
        sum += size;
    }
    if (sum + STORE_BLANK_MIN > s->cfg.commitlog_file_size)
        return MQ_ETOOBIG;
    *total = sum;
    return MQ_OK;
}

int
store_put(store_t *s, mq_msg_t *msgs, int n, store_waiter_t *w)
{
    int64_t total = 0, rel, rel0, now, end;
    uint8_t *dst;
    store_seg_t *seg;
    store_cq_t *cq = NULL;
    int rc;

    if (mq_unlikely(!atomic_load_explicit(&s->running, memory_order_relaxed)))
        return MQ_ECLOSED;
    if (mq_unlikely(atomic_load_explicit(&s->disk_full, memory_order_relaxed)))
        return MQ_ENOSPC;
    rc = store_put_check(s, msgs, n, &total);
    if (rc != MQ_OK)
        return rc;
    for (int i = 0; i < n; i++)
        msgs[i].body_crc = mq_body_crc(msgs[i].body.p, msgs[i].body.n);

    pthread_mutex_lock(&s->put_lock);
    seg = s->cl_cur;
    rel = atomic_load_explicit(&s->cl_max, memory_order_relaxed) - seg->start;
    if (rel + total + STORE_BLANK_MIN > seg->size) {
        rc = store_commitlog_roll(s);
        if (rc != MQ_OK) {
            pthread_mutex_unlock(&s->put_lock);
            return rc;
        }
        seg = s->cl_cur;
        rel = 0;
    }
    now = mq_now_ms();
    rel0 = rel;
    if (s->cl_pwrite) {
        mq_buf_reset(&s->put_buf);
        dst = mq_buf_reserve(&s->put_buf, (size_t)total) - rel0;
    } else {
        dst = seg->base;
    }
    for (int i = 0; i < n; i++) {
        mq_msg_t *m = &msgs[i];
        int tx = m->sys_flag & MQ_SYSFLAG_TRANSACTION_MASK;
        if (!cq || i == 0 || m->queue_id != msgs[i - 1].queue_id ||
            !mq_str_eq(m->topic, msgs[i - 1].topic))
            cq = store_put_queue(s, m->topic, m->queue_id);
        /* Prepared and rolled-back transaction records get no queue entry (RocketMQ). */
        if (tx == MQ_SYSFLAG_TRANSACTION_PREPARED || tx == MQ_SYSFLAG_TRANSACTION_ROLLBACK)
            m->queue_offset = 0;
        else
            m->queue_offset = cq->next_offset++;
        m->phys_offset = seg->start + rel;
        m->store_ts = now;
        if (mq_msg_record_write(dst + rel, (size_t)m->store_size, m) != MQ_OK) {
            /* Sizes were checked: unreachable. Keep the log consistent: fill with a record
             * anyway is impossible, so abort loudly rather than corrupt. */
            MQ_LOG_ERROR("store", "record encoding failed at %lld", (long long)m->phys_offset);
            abort();
        }
        rel += m->store_size;
    }
    if (s->cl_pwrite) {
        rc = store_pwrite_all(seg->fd, dst + rel0, (size_t)total, rel0);
        if (rc != MQ_OK) {
            /* Nothing was published: give the queue offsets back. */
            for (int i = n - 1; i >= 0; i--) {
                int tx = msgs[i].sys_flag & MQ_SYSFLAG_TRANSACTION_MASK;
                if (tx != MQ_SYSFLAG_TRANSACTION_PREPARED && tx != MQ_SYSFLAG_TRANSACTION_ROLLBACK)
                    store_put_queue(s, msgs[i].topic, msgs[i].queue_id)->next_offset--;
            }
            pthread_mutex_unlock(&s->put_lock);
            return rc;
        }
    }
    end = seg->start + rel;
    atomic_store_explicit(&seg->wrote, rel, memory_order_release);
    atomic_store_explicit(&s->cl_last_ts, now, memory_order_relaxed);
    atomic_store_explicit(&s->cl_max, end, memory_order_seq_cst); /* invariant 2 */
    pthread_mutex_unlock(&s->put_lock);

    atomic_fetch_add_explicit(&s->put_msgs, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->put_calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->put_bytes, total, memory_order_relaxed);
    if (end > atomic_load_explicit(&s->warm_trigger, memory_order_relaxed))
        store_alloc_kick(s);

    if (s->cfg.flush_mode == STORE_ASYNC_FLUSH) {
        store_dispatch_kick(s);
        return MQ_OK;
    }
    store_flush_kick(s);
    if (!w)
        return MQ_OK;

    /* Group commit: register the waiter unless a flush already covered the put. */
    w->target = end;
    w->deadline_ns = mq_mono_ns() + (int64_t)s->cfg.sync_flush_timeout_ms * 1000000;
    w->next = NULL;
    pthread_mutex_lock(&s->flush_mu);
    if (atomic_load(&s->cl_flushed) >= end) {
        pthread_mutex_unlock(&s->flush_mu);
        return MQ_OK;
    }
    *s->waiters_tail = w;
    s->waiters_tail = &w->next;
    if (++s->nwaiters == s->gather_want)
        pthread_cond_signal(&s->flush_cv); /* the flusher is gathering: enough are back */
    pthread_mutex_unlock(&s->flush_mu);
    return MQ_AGAIN;
}

typedef struct store_sync_wait_s {
    store_waiter_t w;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int status;
} store_sync_wait_t;

static void
store_put_wait_cb(store_waiter_t *w, int status)
{
    store_sync_wait_t *sw = MQ_CONTAINER_OF(w, store_sync_wait_t, w);
    pthread_mutex_lock(&sw->mu);
    sw->status = status;
    sw->done = 1;
    pthread_cond_signal(&sw->cv);
    pthread_mutex_unlock(&sw->mu);
}

int
store_put_wait(store_t *s, mq_msg_t *msgs, int n)
{
    store_sync_wait_t sw;
    int rc;

    memset(&sw, 0, sizeof(sw));
    sw.w.cb = store_put_wait_cb;
    pthread_mutex_init(&sw.mu, NULL);
    pthread_cond_init(&sw.cv, NULL);
    rc = store_put(s, msgs, n, &sw.w);
    if (rc == MQ_AGAIN) {
        pthread_mutex_lock(&sw.mu);
        while (!sw.done)
            pthread_cond_wait(&sw.cv, &sw.mu);
        pthread_mutex_unlock(&sw.mu);
        rc = sw.status;
    }
    pthread_mutex_destroy(&sw.mu);
    pthread_cond_destroy(&sw.cv);
    return rc;
}

int
store_read_record(store_t *s, int64_t offset, store_slice_t *out)
{
    store_seg_t *seg;
    int64_t max = atomic_load_explicit(&s->cl_max, memory_order_acquire);
    int64_t rel, avail;
    mq_msg_t m;
    int rc;

    memset(out, 0, sizeof(*out));
    if (offset < atomic_load(&s->cl_min) || offset >= max)
        return MQ_ERANGE;
    seg = store_mfq_find(&s->cl, offset);
    if (!seg)
        return MQ_ERANGE;
    rel = offset - seg->start;
    avail = MQ_MIN(seg->size, max - seg->start) - rel;
    rc = mq_msg_record_decode(seg->base + rel, (size_t)avail, &m);
    if (rc != MQ_OK) {
        store_seg_release(seg);
        return rc == MQ_DECLINED || rc == MQ_AGAIN ? MQ_ERANGE : MQ_ECORRUPT;
    }
    if (m.phys_offset != offset) { /* bytes of a record, but not the one asked for */
        store_seg_release(seg);
        return MQ_ERANGE;
    }
    out->seg = seg;
    out->p = seg->base + rel;
    out->len = (uint32_t)m.store_size;
    out->offset = offset;
    return MQ_OK;
}

int64_t
store_record_store_ts(store_t *s, int64_t phys)
{
    store_slice_t sl;
    int64_t ts;
    if (store_read_record(s, phys, &sl) != MQ_OK)
        return -1;
    ts = (int64_t)mq_load_be64(
        sl.p + mq_msg_store_ts_pos((int32_t)mq_load_be32(sl.p + MQ_MSG_POS_SYSFLAG)));
    store_slice_release(&sl);
    return ts;
}

void
store_slice_release(store_slice_t *sl)
{
    if (sl && sl->seg) {
        store_seg_release(sl->seg);
        sl->seg = NULL;
    }
}
