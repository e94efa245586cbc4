/* SPDX-License-Identifier: Apache-2.0
 *
 * store_get.c -- the read side of the store: pulling messages from a queue, queue bounds,
 * offset by store time, key queries, and topic enumeration/deletion.
 *
 * store_get_messages() follows RocketMQ's DefaultMessageStore.getMessage(): the same status
 * for the same situation and the same nextBeginOffset, so that pull responses and Kafka fetches
 * built on it behave as clients expect (status table in store.h). Slices point into the mapped
 * CommitLog and hold their segment; nothing is copied here.
 *
 * Readers hold the queue table's read lock while they use a ConsumeQueue, so a topic deletion
 * (which takes the write lock) cannot free it under them.
 */
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
#include "mq/rd.h"
#include "store_int.h"

#define STORE_MAX_FILTER_BYTES 16000 /* RocketMQ maxFilterMessageSize: CQ bytes scanned */
#define STORE_QUERY_MAX 64           /* RocketMQ maxMsgsNumBatch */

static const char *const store_get_status_names[] = {
    "FOUND",
    "NO_MATCHED_MESSAGE",
    "MESSAGE_WAS_REMOVING",
    "OFFSET_FOUND_NULL",
    "OFFSET_OVERFLOW_BADLY",
    "OFFSET_OVERFLOW_ONE",
    "OFFSET_TOO_SMALL",
    "NO_MATCHED_LOGIC_QUEUE",
    "NO_MESSAGE_IN_QUEUE",
};

const char *
store_get_status_name(store_get_status_t st)
{
    if ((unsigned)st < MQ_ARRAY_LEN(store_get_status_names))
        return store_get_status_names[st];
    return "UNKNOWN";
}

/* Looks up a queue and keeps the table read-locked; pair with store_queue_unlock(). */
static store_cq_t *
store_queue_lock(store_t *s, mq_str_t topic, int32_t qid)
{
    pthread_rwlock_rdlock(&s->queues.lock);
    return store_qtable_find(&s->queues, topic, qid, store_qtable_hash(topic, qid));
}

static void
store_queue_unlock(store_t *s)
{
    pthread_rwlock_unlock(&s->queues.lock);
}

/* A slice for the record a CQ entry points at, checked against the entry; reuses *cache. */
static int
store_slice_for_entry(store_t *s, const store_cq_entry_t *e, store_seg_t **cache,
                      store_slice_t *out)
{
    store_seg_t *seg = *cache;
    const uint8_t *p;
    int32_t magic;

    if (!seg || e->phys_offset < seg->start || e->phys_offset >= seg->start + seg->size) {
        store_seg_release(seg);
        seg = *cache = store_mfq_find(&s->cl, e->phys_offset);
        if (!seg)
            return MQ_ERANGE;
    }
    if (e->size < MQ_MSG_MIN_SIZE || e->phys_offset + e->size > seg->start + seg->size)
        return MQ_ECORRUPT;
    p = seg->base + (e->phys_offset - seg->start);
    magic = (int32_t)mq_load_be32(p + MQ_MSG_POS_MAGIC);
    if ((int32_t)mq_load_be32(p) != e->size ||
        (magic != MQ_MSG_MAGIC_V1 && magic != MQ_MSG_MAGIC_V2))
        return MQ_ECORRUPT;
    store_seg_hold(seg);
    out->seg = seg;
    out->p = p;
    out->len = (uint32_t)e->size;
    out->offset = e->phys_offset;
    return MQ_OK;
}

int
store_get_messages(store_t *s, mq_str_t topic, int32_t qid, int64_t offset, int max_msgs,
                   uint64_t max_bytes, const store_filter_t *filter, store_slice_t *slices,
                   store_get_result_t *res)
{
    store_cq_entry_t ents[64];
    store_seg_t *cache = NULL;
    store_cq_t *cq;
    int64_t min, max, q, scan_end, cl_min;

    memset(res, 0, sizeof(*res));
    if (!atomic_load(&s->running))
        return MQ_ECLOSED;
    cq = store_queue_lock(s, topic, qid);
    if (!cq) {
        store_queue_unlock(s);
        res->status = STORE_GET_NO_MATCHED_LOGIC_QUEUE;
        return MQ_OK;
    }
    min = atomic_load(&cq->min_offset);
    max = atomic_load_explicit(&cq->max_offset, memory_order_acquire);
    res->min_offset = min;
    res->max_offset = max;
    if (max == 0) {
        res->status = STORE_GET_NO_MESSAGE_IN_QUEUE;
        res->next_offset = 0;
    } else if (offset < min) {
        res->status = STORE_GET_OFFSET_TOO_SMALL;
        res->next_offset = min;
    } else if (offset == max) {
        res->status = STORE_GET_OFFSET_OVERFLOW_ONE;
        res->next_offset = offset;
    } else if (offset > max) {
        res->status = STORE_GET_OFFSET_OVERFLOW_BADLY;
        res->next_offset = max;
    } else {
        res->status = STORE_GET_NO_MATCHED_MESSAGE;
        res->next_offset = offset;
        if (max_msgs < 1)
            max_msgs = 1;
        scan_end = offset + MQ_MAX(STORE_MAX_FILTER_BYTES / STORE_CQ_UNIT, max_msgs);
        if (scan_end > max)
            scan_end = max;
        cl_min = atomic_load(&s->cl_min);
        q = offset;
        while (q < scan_end && res->count < max_msgs) {
            int n = store_cq_read_many(cq, q, ents, (int)MQ_MIN(64, scan_end - q));
            int stop = 0;
            if (n <= 0) {
                /* The file holding q is gone: skip to the next file, as RocketMQ does. */
                int64_t per_file = cq->files.file_size / STORE_CQ_UNIT;
                if (res->count == 0) {
                    res->status = STORE_GET_OFFSET_FOUND_NULL;
                    res->next_offset = q + per_file - q % per_file;
                }
                break;
            }
            for (int i = 0; i < n; i++, q++) {
                store_cq_entry_t *e = &ents[i];
                store_slice_t *sl = &slices[res->count];
                if (res->count > 0 && res->bytes + (uint64_t)e->size > max_bytes) {
                    stop = 1;
                    break;
                }
                res->next_offset = q + 1;
                if (e->size <= 0 || e->phys_offset < cl_min) {
                    if (res->count == 0)
                        res->status = STORE_GET_MESSAGE_WAS_REMOVING;
                    continue;
                }
                if (filter && filter->match_cq && !filter->match_cq(filter->arg, e->tags_code))
                    continue;
                if (store_slice_for_entry(s, e, &cache, sl) != MQ_OK) {
                    if (res->count == 0)
                        res->status = STORE_GET_MESSAGE_WAS_REMOVING;
                    continue;
                }
                if (filter && filter->match_msg &&
                    !filter->match_msg(filter->arg, sl->p, sl->len)) {
                    store_slice_release(sl);
                    continue;
                }
                res->count++;
                res->bytes += sl->len;
                res->status = STORE_GET_FOUND;
                if (res->count >= max_msgs) {
                    q++;
                    stop = 1;
                    break;
                }
            }
            if (stop)
                break;
        }
    }
    store_queue_unlock(s);
    store_seg_release(cache);
    return MQ_OK;
}

int
store_cq_get(store_t *s, mq_str_t topic, int32_t qid, int64_t offset, store_cq_entry_t *e)
{
    store_cq_t *cq = store_queue_lock(s, topic, qid);
    int rc = cq ? store_cq_read(cq, offset, e) : MQ_ENOENT;
    store_queue_unlock(s);
    return rc;
}

int64_t
store_min_offset(store_t *s, mq_str_t topic, int32_t qid)
{
    store_cq_t *cq = store_queue_lock(s, topic, qid);
    int64_t v = cq ? atomic_load(&cq->min_offset) : 0;
    store_queue_unlock(s);
    return v;
}

int64_t
store_max_offset(store_t *s, mq_str_t topic, int32_t qid)
{
    store_cq_t *cq = store_queue_lock(s, topic, qid);
    int64_t v = cq ? atomic_load(&cq->max_offset) : 0;
    store_queue_unlock(s);
    return v;
}

/* Store time of the record of entry i, or -1 (unreadable or deleted counts as "old"). */
static int64_t
store_entry_time(store_t *s, store_cq_t *cq, int64_t i)
{
    store_cq_entry_t e;
    if (store_cq_read(cq, i, &e) != MQ_OK || e.phys_offset < atomic_load(&s->cl_min))
        return -1;
    return store_record_store_ts(s, e.phys_offset);
}

int64_t
store_offset_by_time(store_t *s, mq_str_t topic, int32_t qid, int64_t ts_ms,
                     store_boundary_t boundary)
{
    store_cq_t *cq = store_queue_lock(s, topic, qid);
    int64_t min, max, lo, hi, result;

    if (!cq) {
        store_queue_unlock(s);
        return 0;
    }
    min = atomic_load(&cq->min_offset);
    max = atomic_load(&cq->max_offset);
    if (max <= min) {
        store_queue_unlock(s);
        return min;
    }
    lo = min;
    hi = max;
    if (boundary == STORE_BOUNDARY_LOWER) {
        /* first entry whose store time >= ts; max if none */
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (store_entry_time(s, cq, mid) < ts_ms)
                lo = mid + 1;
            else
                hi = mid;
        }
        result = lo;
    } else {
        /* last entry whose store time <= ts; min if none */
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (store_entry_time(s, cq, mid) <= ts_ms)
                lo = mid + 1;
            else
                hi = mid;
        }
        result = lo > min ? lo - 1 : min;
    }
    store_queue_unlock(s);
    return result;
}

int64_t
store_earliest_time(store_t *s, mq_str_t topic, int32_t qid)
{
    store_cq_t *cq = store_queue_lock(s, topic, qid);
    int64_t t = -1;
    if (cq && atomic_load(&cq->max_offset) > atomic_load(&cq->min_offset))
        t = store_entry_time(s, cq, atomic_load(&cq->min_offset));
    store_queue_unlock(s);
    return t;
}

/* Does the record at phys belong to topic and carry key (in KEYS, or as UNIQ_KEY)? */
static int
store_record_has_key(store_t *s, int64_t phys, mq_str_t topic, mq_str_t key, int uniq)
{
    store_slice_t sl;
    mq_msg_t m;
    mq_str_t v;
    int found = 0;

    if (store_read_record(s, phys, &sl) != MQ_OK)
        return 0;
    if (mq_msg_record_decode(sl.p, sl.len, &m) == MQ_OK && mq_str_eq(m.topic, topic)) {
        if (uniq) {
            found = mq_props_get(m.props, MQ_PROP_UNIQ_KEY, &v) && mq_str_eq(v, key);
        } else if (mq_props_get(m.props, MQ_PROP_KEYS, &v)) {
            while (v.n && !found) {
                const char *sp = memchr(v.p, ' ', v.n);
                size_t len = sp ? (size_t)(sp - v.p) : v.n;
                found = mq_str_eq((mq_str_t){v.p, len}, key);
                if (!sp)
                    break;
                v.p = sp + 1;
                v.n -= len + 1;
            }
        }
    }
    store_slice_release(&sl);
    return found;
}

static int
store_query(store_t *s, mq_str_t topic, mq_str_t key, int uniq, int max, int64_t begin_ms,
            int64_t end_ms, int64_t *offsets)
{
    int64_t cand[STORE_QUERY_MAX * 4];
    int32_t prefix, hash;
    int n, got = 0;

    if (!s->index)
        return MQ_EPERM;
    if (max > STORE_QUERY_MAX)
        max = STORE_QUERY_MAX;
    if (max <= 0 || key.n == 0)
        return 0;
    prefix = mq_java_hash_update(mq_java_hash(topic), "#", 1);
    hash = store_index_key_hash(prefix, key);
    n = store_index_query(s->index, hash, (int)MQ_ARRAY_LEN(cand), begin_ms, end_ms, cand);
    for (int i = 0; i < n && got < max; i++) {
        int dup = 0;
        for (int j = 0; j < got && !dup; j++)
            dup = offsets[j] == cand[i];
        if (!dup && store_record_has_key(s, cand[i], topic, key, uniq))
            offsets[got++] = cand[i];
    }
    return got;
}

int
store_query_by_key(store_t *s, mq_str_t topic, mq_str_t key, int max, int64_t begin_ms,
                   int64_t end_ms, int64_t *offsets)
{
    return store_query(s, topic, key, 0, max, begin_ms, end_ms, offsets);
}

int
store_query_by_uniq_key(store_t *s, mq_str_t topic, mq_str_t uniq, int64_t *offset)
{
    int n = store_query(s, topic, uniq, 1, 1, 0, INT64_MAX, offset);
    return n > 0 ? MQ_OK : (n < 0 ? n : MQ_ENOENT);
}

void
store_foreach_queue(store_t *s, void (*fn)(void *arg, mq_str_t topic, int32_t qid), void *arg)
{
    pthread_rwlock_rdlock(&s->queues.lock);
    for (size_t i = 0; i < s->queues.nbuckets; i++)
        for (store_cq_t *cq = s->queues.buckets[i]; cq; cq = cq->hnext)
            fn(arg, (mq_str_t){cq->topic, cq->topic_len}, cq->qid);
    pthread_rwlock_unlock(&s->queues.lock);
}

int
store_delete_topic(store_t *s, mq_str_t topic)
{
    store_cq_t **gone;
    int n = 0;

    /* Lock order: dispatch_work_mu, then put_lock (the dispatcher takes them in this order). */
    pthread_mutex_lock(&s->dispatch_work_mu);
    pthread_mutex_lock(&s->put_lock);
    gone = store_qtable_remove_topic(&s->queues, topic);
    pthread_mutex_unlock(&s->put_lock);
    pthread_mutex_unlock(&s->dispatch_work_mu);
    for (int i = 0; gone && gone[i]; i++, n++) {
        store_cq_destroy_files(gone[i]);
        store_cq_free(gone[i]);
    }
    free(gone);
    if (n)
        MQ_LOG_INFO("store", "deleted %d consume queue(s) of topic %.*s", n, (int)topic.n, topic.p);
    return n ? MQ_OK : MQ_ENOENT;
}
