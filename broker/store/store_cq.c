/* SPDX-License-Identifier: Apache-2.0
 *
 * store_cq.c -- one ConsumeQueue: the index of a (topic, queue) into the CommitLog.
 *
 * Entry n (the queue's logical offset, which is also the Kafka partition offset) sits at byte
 * n * 20 of consumequeue/<topic>/<qid>/, in files named by their first byte offset:
 *
 *     long commitLogOffset | int size | long tagsCode        (big-endian, 20 bytes)
 *
 * Files are sparse: a queue that starts at offset 1,000,000 or a queue with three messages
 * allocates only the pages it writes. An all-zero entry is "nothing here" (sparse hole or never
 * written). Only the dispatcher thread writes; readers check max_offset (release/acquire) first.
 *
 * Invariants:
 *   (1) Entries below max_offset and at or above min_offset are written and point at records
 *       of this queue; entries are in ascending CommitLog order.
 *   (2) A file is deleted only by retention (store_cq_trim) or topic deletion; readers hold
 *       their segment while they copy entries out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq/log.h"
#include "mq/rd.h"
#include "store_int.h"

static void
store_cq_entry_decode(const uint8_t *p, store_cq_entry_t *e)
{
    e->phys_offset = (int64_t)mq_load_be64(p);
    e->size = (int32_t)mq_load_be32(p + 8);
    e->tags_code = (int64_t)mq_load_be64(p + 12);
}

static int
store_cq_entry_empty(const uint8_t *p)
{
    static const uint8_t zero[STORE_CQ_UNIT];
    return memcmp(p, zero, STORE_CQ_UNIT) == 0;
}

/* An entry that can be trusted: a positive size and a non-negative offset. */
static int
store_cq_entry_valid(const store_cq_entry_t *e)
{
    return e->phys_offset >= 0 && e->size > 0;
}

store_cq_t *
store_cq_new(const char *root, mq_str_t topic, int32_t qid, int64_t file_size)
{
    store_cq_t *cq = mq_xcalloc(1, sizeof(*cq));
    char dir[1200];

    cq->topic = mq_str_dup(topic);
    cq->topic_len = topic.n;
    cq->qid = qid;
    cq->hash = store_qtable_hash(topic, qid);
    cq->key_hash_prefix = mq_java_hash_update(mq_java_hash(topic), "#", 1);
    snprintf(dir, sizeof(dir), "%s/%s/%d", root, cq->topic, qid);
    store_mfq_init(&cq->files, dir, file_size, STORE_CQ_UNIT,
                   STORE_SEG_SPARSE | STORE_SEG_SMALL_PAGES);
    atomic_init(&cq->max_offset, 0);
    atomic_init(&cq->min_offset, 0);
    return cq;
}

void
store_cq_free(store_cq_t *cq)
{
    if (!cq)
        return;
    store_seg_release(cq->tail);
    store_mfq_fini(&cq->files);
    free(cq->pend);
    free(cq->topic);
    free(cq);
}

/* Index (in entries from the segment start) one past the last non-empty entry, or 0. Uses
 * SEEK_DATA/SEEK_HOLE to skip the sparse part instead of reading megabytes of zeros. */
static int64_t
store_cq_seg_data_end(store_seg_t *seg)
{
    int64_t end = seg->size, pos = 0, last_data_end = 0;
    int64_t i;

    for (;;) {
        off_t d = lseek(seg->fd, pos, SEEK_DATA);
        off_t h;
        if (d < 0)
            break;
        h = lseek(seg->fd, d, SEEK_HOLE);
        if (h < 0 || h <= d) {
            last_data_end = end;
            break;
        }
        last_data_end = h;
        pos = h;
        if (pos >= end)
            break;
    }
    if (last_data_end == 0 && lseek(seg->fd, 0, SEEK_DATA) < 0 && errno != ENXIO)
        last_data_end = end; /* no SEEK_DATA support: scan everything */
    if (last_data_end > end)
        last_data_end = end;
    for (i = last_data_end / STORE_CQ_UNIT; i > 0; i--)
        if (!store_cq_entry_empty(seg->base + (i - 1) * STORE_CQ_UNIT))
            return i;
    return 0;
}

/* Index of the first non-empty entry of a segment, or -1. */
static int64_t
store_cq_seg_data_start(store_seg_t *seg)
{
    off_t d = lseek(seg->fd, 0, SEEK_DATA);
    int64_t n = seg->size / STORE_CQ_UNIT, i;
    if (d < 0) {
        if (errno == ENXIO)
            return -1;
        d = 0;
    }
    for (i = d / STORE_CQ_UNIT; i < n; i++)
        if (!store_cq_entry_empty(seg->base + i * STORE_CQ_UNIT))
            return i;
    return -1;
}

int
store_cq_load(store_cq_t *cq, int64_t redispatch_from, int *corrupt)
{
    int n = store_mfq_load(&cq->files, corrupt);
    int64_t max = 0, min = 0;

    if (n < 0)
        return n;
    pthread_rwlock_rdlock(&cq->files.lock);
    /* max: the last written entry, walking back over files that hold nothing. Entries that
     * point at or past redispatch_from are zeroed: recovery rebuilds them from the CommitLog.
     * Entries ascend in CommitLog offset, so a binary search finds the first of them. */
    for (int i = cq->files.nsegs - 1; i >= 0 && max == 0; i--) {
        store_seg_t *seg = cq->files.segs[i];
        int64_t end = store_cq_seg_data_end(seg), lo = 0, hi = end;
        while (lo < hi) { /* first entry that is not valid-and-below redispatch_from */
            int64_t mid = lo + (hi - lo) / 2;
            store_cq_entry_t e;
            store_cq_entry_decode(seg->base + mid * STORE_CQ_UNIT, &e);
            if (store_cq_entry_valid(&e) && e.phys_offset < redispatch_from)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* a hole (torn write) inside the kept range ends it there as well */
        while (lo > 0 && store_cq_entry_empty(seg->base + (lo - 1) * STORE_CQ_UNIT))
            lo--;
        if (end > lo)
            memset(seg->base + lo * STORE_CQ_UNIT, 0, (size_t)((end - lo) * STORE_CQ_UNIT));
        if (lo > 0)
            max = seg->start / STORE_CQ_UNIT + lo;
    }
    /* min: the first written entry. */
    for (int i = 0; i < cq->files.nsegs; i++) {
        store_seg_t *seg = cq->files.segs[i];
        int64_t k = store_cq_seg_data_start(seg);
        if (k >= 0) {
            min = seg->start / STORE_CQ_UNIT + k;
            break;
        }
    }
    if (max == 0 || min > max)
        min = max;
    for (int i = 0; i < cq->files.nsegs; i++) {
        store_seg_t *seg = cq->files.segs[i];
        int64_t w = max * STORE_CQ_UNIT - seg->start;
        w = w < 0 ? 0 : (w > seg->size ? seg->size : w);
        atomic_store(&seg->wrote, w);
        atomic_store(&seg->flushed, w);
    }
    pthread_rwlock_unlock(&cq->files.lock);
    atomic_store(&cq->max_offset, max);
    atomic_store(&cq->min_offset, min);
    cq->next_offset = max;
    return MQ_OK;
}

/* Returns the (held) segment that holds byte `pos`, creating files up to it. */
static store_seg_t *
store_cq_seg_for_write(store_cq_t *cq, int64_t pos)
{
    store_seg_t *seg = cq->tail;
    if (seg && pos >= seg->start && pos < seg->start + seg->size)
        return seg;
    store_seg_release(cq->tail);
    cq->tail = NULL;
    seg = store_mfq_find(&cq->files, pos);
    if (!seg) {
        int64_t fsz = cq->files.file_size;
        store_seg_t *last = store_mfq_last(&cq->files);
        int64_t next = last ? last->start + last->size : pos - pos % fsz;
        store_seg_release(last);
        if (next > pos) /* should not happen: pos below the list but not found */
            return NULL;
        if (!last && store_mkdirs(cq->files.dir) != MQ_OK)
            return NULL;
        while (!seg) {
            store_seg_t *s = store_mfq_create(&cq->files, next);
            if (!s)
                return NULL;
            if (pos >= s->start && pos < s->start + s->size)
                seg = s;
            else
                store_seg_release(s);
            next += fsz;
        }
    }
    cq->tail = seg;
    return seg;
}

int
store_cq_commit(store_cq_t *cq)
{
    int64_t pos, max;
    store_seg_t *seg;
    size_t len, done = 0;

    if (cq->npend == 0)
        return MQ_OK;
    pos = cq->pend_first * STORE_CQ_UNIT;
    len = (size_t)cq->npend * STORE_CQ_UNIT;
    seg = store_cq_seg_for_write(cq, pos);
    if (seg && cq->npend <= STORE_CQ_MMAP_MAX) {
        /* A few entries: a syscall each would cost more than cleaning the page later. */
        memcpy(seg->base + (pos - seg->start), cq->pend, len);
        done = len;
    }
    while (seg && done < len) {
        ssize_t w = pwrite(seg->fd, cq->pend + done, len - done, pos - seg->start + (off_t)done);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            break;
        }
        done += (size_t)w;
    }
    if (!seg || done < len) {
        MQ_LOG_ERROR("store", "cannot write consume queue %s/%d at offset %lld: %s", cq->topic,
                     cq->qid, (long long)cq->pend_first, seg ? strerror(errno) : "no file");
        cq->npend = 0;
        return MQ_EIO;
    }
    atomic_store_explicit(&seg->wrote, pos + (int64_t)len - seg->start, memory_order_release);
    max = atomic_load(&cq->max_offset);
    if (max == atomic_load(&cq->min_offset) && cq->pend_first > max)
        atomic_store(&cq->min_offset, cq->pend_first); /* empty queue starting late */
    atomic_store_explicit(&cq->max_offset, cq->pend_first + cq->npend, memory_order_release);
    cq->npend = 0;
    return MQ_OK;
}

int
store_cq_put(store_cq_t *cq, int64_t queue_offset, int64_t phys, int32_t size, int64_t tags_code)
{
    int64_t max, pos, fsz = cq->files.file_size;
    uint8_t *p;

    if (queue_offset < 0 || queue_offset > STORE_CQ_MAX_OFFSET)
        return MQ_ERANGE;
    pos = queue_offset * STORE_CQ_UNIT;
    max = cq->npend ? cq->pend_first + cq->npend
                    : atomic_load_explicit(&cq->max_offset, memory_order_relaxed);
    if (queue_offset < max)
        return MQ_EEXIST; /* already dispatched (recovery replays a range twice) */
    /* Staged entries are contiguous and within one file. */
    if (cq->npend && (queue_offset != max || cq->npend == STORE_CQ_PEND ||
                      pos / fsz != (cq->pend_first * STORE_CQ_UNIT) / fsz)) {
        if (store_cq_commit(cq) != MQ_OK)
            return MQ_EIO;
    }
    if (queue_offset > max && max > atomic_load(&cq->min_offset)) {
        /* Offsets are assigned one by one, so a jump means damaged data. A small gap is
         * left as empty entries; a jump past the next file would create files for nothing. */
        if (pos - max * STORE_CQ_UNIT > fsz) {
            MQ_LOG_ERROR("store",
                         "consume queue %s/%d: record claims offset %lld, queue is at "
                         "%lld; entry skipped",
                         cq->topic, cq->qid, (long long)queue_offset, (long long)max);
            return MQ_ERANGE;
        }
        MQ_LOG_WARN("store", "consume queue %s/%d jumps from offset %lld to %lld", cq->topic,
                    cq->qid, (long long)max, (long long)queue_offset);
    } else if (queue_offset > max && store_mfq_count(&cq->files) > 0 &&
               pos - max * STORE_CQ_UNIT > fsz) {
        /* An empty queue that starts far ahead (a reset): start over at that file. */
        store_seg_release(cq->tail);
        cq->tail = NULL;
        while (store_mfq_count(&cq->files) > 0)
            store_mfq_delete_first(&cq->files);
    }
    if (!cq->pend)
        cq->pend = mq_xmalloc(STORE_CQ_PEND * STORE_CQ_UNIT);
    if (cq->npend == 0)
        cq->pend_first = queue_offset;
    p = cq->pend + (size_t)cq->npend * STORE_CQ_UNIT;
    mq_store_be64(p, (uint64_t)phys);
    mq_store_be32(p + 8, (uint32_t)size);
    mq_store_be64(p + 12, (uint64_t)tags_code);
    cq->npend++;
    return MQ_OK;
}

int
store_cq_read_many(store_cq_t *cq, int64_t offset, store_cq_entry_t *e, int n)
{
    int64_t max = atomic_load_explicit(&cq->max_offset, memory_order_acquire);
    int got = 0;

    if (offset < atomic_load(&cq->min_offset) || offset >= max)
        return 0;
    while (got < n && offset < max) {
        int64_t pos = offset * STORE_CQ_UNIT;
        store_seg_t *seg = store_mfq_find(&cq->files, pos);
        if (!seg)
            break;
        while (got < n && offset < max && pos + STORE_CQ_UNIT <= seg->start + seg->size) {
            store_cq_entry_decode(seg->base + (pos - seg->start), &e[got]);
            got++;
            offset++;
            pos += STORE_CQ_UNIT;
        }
        store_seg_release(seg);
    }
    return got;
}

int
store_cq_read(store_cq_t *cq, int64_t offset, store_cq_entry_t *e)
{
    return store_cq_read_many(cq, offset, e, 1) == 1 ? MQ_OK : MQ_ERANGE;
}

void
store_cq_trim(store_cq_t *cq, int64_t min_phys)
{
    store_seg_t *seg;
    int64_t lo, hi;

    /* Delete leading files whose last written entry points below min_phys (never the last). */
    for (;;) {
        store_cq_entry_t e;
        int64_t last_idx;
        if (store_mfq_count(&cq->files) <= 1)
            break;
        seg = store_mfq_first(&cq->files);
        if (!seg)
            break;
        last_idx = seg->size / STORE_CQ_UNIT - 1;
        store_cq_entry_decode(seg->base + last_idx * STORE_CQ_UNIT, &e);
        if (!(store_cq_entry_valid(&e) && e.phys_offset + e.size <= min_phys)) {
            store_seg_release(seg);
            break;
        }
        store_seg_release(seg);
        MQ_LOG_INFO("store", "retention: deleting consume queue file of %s/%d below %lld",
                    cq->topic, cq->qid, (long long)min_phys);
        store_mfq_delete_first(&cq->files);
    }
    /* Move min_offset to the first entry that still points at the CommitLog. */
    lo = atomic_load(&cq->min_offset);
    {
        int64_t first_file = store_mfq_min(&cq->files);
        if (first_file >= 0 && lo < first_file / STORE_CQ_UNIT)
            lo = first_file / STORE_CQ_UNIT;
    }
    hi = atomic_load(&cq->max_offset);
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        store_cq_entry_t e;
        int64_t pos = mid * STORE_CQ_UNIT;
        seg = store_mfq_find(&cq->files, pos);
        if (!seg) {
            lo = mid + 1;
            continue;
        }
        store_cq_entry_decode(seg->base + (pos - seg->start), &e);
        store_seg_release(seg);
        if (!store_cq_entry_valid(&e) || e.phys_offset < min_phys)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > atomic_load(&cq->min_offset))
        atomic_store(&cq->min_offset, lo);
}

int
store_cq_flush(store_cq_t *cq, int phase)
{
    int rc = MQ_OK;
    pthread_rwlock_rdlock(&cq->files.lock);
    for (int i = cq->files.nsegs - 1; i >= 0; i--) {
        store_seg_t *seg = cq->files.segs[i];
        int64_t w = atomic_load_explicit(&seg->wrote, memory_order_acquire);
        int64_t f = atomic_load(&seg->flushed);
        if (w <= f) {
            if (i < cq->files.nsegs - 1)
                break; /* older files are clean */
            continue;
        }
        if (store_seg_flush(seg, f, w, phase) != MQ_OK)
            rc = MQ_EIO;
        else if (phase)
            atomic_store(&seg->flushed, w);
    }
    pthread_rwlock_unlock(&cq->files.lock);
    return rc;
}

void
store_cq_destroy_files(store_cq_t *cq)
{
    char *dir = mq_xstrdup(cq->files.dir);
    char *slash;
    store_seg_release(cq->tail);
    cq->tail = NULL;
    while (store_mfq_count(&cq->files) > 0)
        store_mfq_delete_first(&cq->files);
    rmdir(dir); /* <topic>/<qid>; then the topic directory if it is now empty */
    slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        rmdir(dir);
    }
    free(dir);
}
