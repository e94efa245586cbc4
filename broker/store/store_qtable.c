/* SPDX-License-Identifier: Apache-2.0
 *
 * store_qtable.c -- the table of ConsumeQueues keyed by (topic, queue id): a chained hash table
 * that doubles when it holds more queues than buckets.
 *
 * Locking (store_int.h invariant 6): the table changes only with put_lock and the write lock
 * held, so appenders read it bare while everyone else takes the read lock.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void
store_qtable_init(store_qtable_t *t)
{
    pthread_rwlock_init(&t->lock, NULL);
    t->nbuckets = 64;
    t->buckets = mq_xcalloc(t->nbuckets, sizeof(*t->buckets));
    t->count = 0;
}

void
store_qtable_fini(store_qtable_t *t)
{
    for (size_t i = 0; i < t->nbuckets; i++) {
        store_cq_t *cq = t->buckets[i];
        while (cq) {
            store_cq_t *next = cq->hnext;
            store_cq_free(cq);
            cq = next;
        }
    }
    free(t->buckets);
    pthread_rwlock_destroy(&t->lock);
}

uint64_t
store_qtable_hash(mq_str_t topic, int32_t qid)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < topic.n; i++) {
        h ^= (uint8_t)topic.p[i];
        h *= 1099511628211ULL;
    }
    h ^= (uint32_t)qid;
    h *= 1099511628211ULL;
    h ^= h >> 29;
    return h;
}

store_cq_t *
store_qtable_find(store_qtable_t *t, mq_str_t topic, int32_t qid, uint64_t h)
{
    store_cq_t *cq = t->buckets[h & (t->nbuckets - 1)];
    for (; cq; cq = cq->hnext)
        if (cq->hash == h && cq->qid == qid && cq->topic_len == topic.n &&
            memcmp(cq->topic, topic.p, topic.n) == 0)
            return cq;
    return NULL;
}

static void
store_qtable_grow(store_qtable_t *t)
{
    size_t n = t->nbuckets * 2;
    store_cq_t **b = mq_xcalloc(n, sizeof(*b));
    for (size_t i = 0; i < t->nbuckets; i++) {
        store_cq_t *cq = t->buckets[i];
        while (cq) {
            store_cq_t *next = cq->hnext;
            cq->hnext = b[cq->hash & (n - 1)];
            b[cq->hash & (n - 1)] = cq;
            cq = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

void
store_qtable_insert(store_qtable_t *t, store_cq_t *cq)
{
    pthread_rwlock_wrlock(&t->lock);
    if (t->count >= t->nbuckets)
        store_qtable_grow(t);
    cq->hnext = t->buckets[cq->hash & (t->nbuckets - 1)];
    t->buckets[cq->hash & (t->nbuckets - 1)] = cq;
    t->count++;
    pthread_rwlock_unlock(&t->lock);
}

store_cq_t **
store_qtable_remove_topic(store_qtable_t *t, mq_str_t topic)
{
    store_cq_t **out = NULL;
    size_t n = 0;
    pthread_rwlock_wrlock(&t->lock);
    for (size_t i = 0; i < t->nbuckets; i++) {
        store_cq_t **pp = &t->buckets[i];
        while (*pp) {
            store_cq_t *cq = *pp;
            if (cq->topic_len == topic.n && memcmp(cq->topic, topic.p, topic.n) == 0) {
                *pp = cq->hnext;
                out = mq_xrealloc(out, (n + 2) * sizeof(*out));
                out[n++] = cq;
                t->count--;
            } else {
                pp = &cq->hnext;
            }
        }
    }
    pthread_rwlock_unlock(&t->lock);
    if (out)
        out[n] = NULL;
    return out;
}
