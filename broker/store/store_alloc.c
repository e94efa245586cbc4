/* SPDX-License-Identifier: Apache-2.0
 *
 * store_alloc.c -- the allocator thread ("mq-alloc", RocketMQ's AllocateMappedFileService):
 * creates the next CommitLog segment before the appender needs it, and prefaults the current
 * segment a window ahead of the write position.
 *
 * Creating a 1 GiB segment (fallocate + mmap) and faulting its pages in takes time an appender
 * holding put_lock should not spend; measured on the reference machine, writing records into
 * unfaulted preallocated pages runs at 0.56 GB/s against 12.7 GB/s into prefaulted ones
 * (docs/benchmarks.md). The appender kicks this thread when it passes warm_trigger.
 */
#include <string.h>

#include "mq/log.h"
#include "store_int.h"

#define STORE_WARM_WINDOW ((int64_t)16 << 20)
#define STORE_WARM_STEP ((int64_t)1 << 20)

void
store_alloc_kick(store_t *s)
{
    /* Until the allocator has warmed further, later puts need not kick again. */
    if (s->cfg.warm_mapped_file)
        atomic_store(&s->warm_trigger, atomic_load(&s->cl_max) + STORE_WARM_WINDOW);
    pthread_mutex_lock(&s->alloc_mu);
    pthread_cond_signal(&s->alloc_cv);
    pthread_mutex_unlock(&s->alloc_mu);
}

store_seg_t *
store_alloc_take(store_t *s, int64_t start)
{
    store_seg_t *seg = NULL;
    char path[1100];
    int rc;

    pthread_mutex_lock(&s->alloc_mu);
    while (s->alloc_busy == start) /* the allocator is creating it right now */
        pthread_cond_wait(&s->alloc_done_cv, &s->alloc_mu);
    if (s->alloc_next && s->alloc_next->start == start) {
        seg = s->alloc_next;
        s->alloc_next = NULL;
        pthread_mutex_unlock(&s->alloc_mu);
        return seg;
    }
    MQ_LOG_DEBUG("store", "appender creates segment %lld itself (prepared: %lld)", (long long)start,
                 s->alloc_next ? (long long)s->alloc_next->start : -1LL);
    s->alloc_busy = start; /* create it here; the allocator keeps off */
    pthread_mutex_unlock(&s->alloc_mu);

    store_mfq_path(&s->cl, start, path, sizeof(path));
    rc = store_seg_create(path, start, s->cfg.commitlog_file_size, s->cl.flags, &seg);
    if (rc == MQ_OK && s->cfg.warm_mapped_file)
        store_seg_prefault(seg, 0, MQ_MIN(seg->size, STORE_WARM_WINDOW));

    pthread_mutex_lock(&s->alloc_mu);
    s->alloc_busy = -1;
    pthread_cond_broadcast(&s->alloc_done_cv);
    pthread_mutex_unlock(&s->alloc_mu);
    return rc == MQ_OK ? seg : NULL;
}

/* Makes sure the segment after the last one exists (not yet part of the log). */
static void
store_alloc_prepare_next(store_t *s)
{
    store_seg_t *last = store_mfq_last(&s->cl), *stale = NULL, *seg;
    int64_t next_start;
    char path[1100];

    if (!last)
        return;
    next_start = last->start + last->size;
    store_seg_release(last);
    pthread_mutex_lock(&s->alloc_mu);
    if ((s->alloc_next && s->alloc_next->start == next_start) || s->alloc_busy >= 0) {
        pthread_mutex_unlock(&s->alloc_mu);
        return;
    }
    stale = s->alloc_next;
    s->alloc_next = NULL;
    s->alloc_busy = next_start;
    pthread_mutex_unlock(&s->alloc_mu);
    MQ_LOG_DEBUG("store", "allocator prepares segment %lld", (long long)next_start);
    if (stale)
        store_seg_delete(stale);

    store_mfq_path(&s->cl, next_start, path, sizeof(path));
    if (store_seg_create(path, next_start, s->cfg.commitlog_file_size, s->cl.flags, &seg) != MQ_OK)
        seg = NULL; /* logged; the appender will try again itself */
    if (seg && s->cfg.warm_mapped_file) {
        for (int64_t off = 0; off < MQ_MIN(seg->size, 2 * STORE_WARM_WINDOW);
             off += STORE_WARM_STEP)
            store_seg_prefault(seg, off, STORE_WARM_STEP);
        atomic_store(&seg->warmed, MQ_MIN(seg->size, 2 * STORE_WARM_WINDOW));
    }
    pthread_mutex_lock(&s->alloc_mu);
    if (seg && !s->alloc_next && atomic_load(&s->running)) {
        s->alloc_next = seg;
        seg = NULL;
    }
    s->alloc_busy = -1;
    pthread_cond_broadcast(&s->alloc_done_cv);
    pthread_mutex_unlock(&s->alloc_mu);
    if (seg)
        store_seg_delete(seg);
}

/* Prefaults the current segment up to two windows past the write position. */
static void
store_alloc_warm(store_t *s)
{
    int64_t pos = atomic_load(&s->cl_max);
    store_seg_t *seg = store_mfq_find(&s->cl, pos);
    if (seg) {
        int64_t rel = pos - seg->start;
        int64_t from = MQ_MAX(atomic_load(&seg->warmed), rel);
        int64_t to = MQ_MIN(seg->size, rel + 2 * STORE_WARM_WINDOW);
        /* In 1 MiB steps: each call holds the process's mmap lock, which the appender's own
         * page faults and the dispatcher's mmap() calls need too. */
        while (from < to && atomic_load(&s->running)) {
            int64_t step = MQ_MIN(to - from, STORE_WARM_STEP);
            store_seg_prefault(seg, from, step);
            from += step;
            atomic_store(&seg->warmed, from);
        }
        store_seg_release(seg);
    }
    atomic_store(&s->warm_trigger, pos + STORE_WARM_WINDOW);
}

void *
store_alloc_main(void *arg)
{
    store_t *s = arg;
    while (atomic_load(&s->running)) {
        if (s->cfg.warm_mapped_file)
            store_alloc_warm(s);
        store_alloc_prepare_next(s);
        pthread_mutex_lock(&s->alloc_mu);
        if (atomic_load(&s->running))
            store_cond_wait_ms(&s->alloc_cv, &s->alloc_mu, 1000);
        pthread_mutex_unlock(&s->alloc_mu);
    }
    pthread_mutex_lock(&s->alloc_mu);
    if (s->alloc_next) {
        store_seg_delete(s->alloc_next); /* never used: leave no empty segment behind */
        s->alloc_next = NULL;
    }
    pthread_mutex_unlock(&s->alloc_mu);
    return NULL;
}
