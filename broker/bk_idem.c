/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_idem.c -- idempotent producers (Kafka's ProducerStateManager, kafka-protocol.md section 9):
 * per (producer id, topic, queue) the epoch and the last 5 batches' sequence ranges with the
 * queue offsets they got, so that a resent batch is acknowledged with its first offset and not
 * stored twice, and a sequence gap or a stale epoch is refused before anything is stored.
 *
 * Rules, checked on the loop thread before store_put (which appends synchronously, so the
 * order of checks is the order of appends):
 *   no state yet              any first sequence is accepted (see the note below)
 *   epoch < the known one     INVALID_PRODUCER_EPOCH
 *   epoch > the known one     the sequence must restart at 0, else OUT_OF_ORDER_SEQUENCE_NUMBER
 *   range == a cached batch   duplicate: its first offset, nothing stored
 *   first == last + 1         accepted (sequences wrap from INT32_MAX to 0)
 *   otherwise                 OUT_OF_ORDER_SEQUENCE_NUMBER
 * The state lives in memory: a broker restart forgets it (then the next batch of each producer
 * starts a new state), and a producer silent for producer.id.expiration.ms (1 day) is dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_int.h"

#define BK_IDEM_BATCHES 5                    /* Kafka keeps the last 5 batches per partition */
#define BK_IDEM_EXPIRY_MS (24 * 3600 * 1000) /* producer.id.expiration.ms */

typedef struct bk_idem_batch_s {
    int32_t first_seq, last_seq;
    int64_t base_offset;
} bk_idem_batch_t;

typedef struct bk_idem_s {
    int16_t epoch;
    int n;    /* cached batches (<= BK_IDEM_BATCHES) */
    int next; /* ring position of the next one */
    bk_idem_batch_t batches[BK_IDEM_BATCHES];
    int32_t last_seq; /* of the newest batch */
    int64_t last_ms;  /* last append, for expiry */
} bk_idem_t;

static int
bk_idem_key(char *key, size_t len, const mq_produce_t *p, int32_t qid)
{
    return snprintf(key, len, "%lld\001%.*s\001%d", (long long)p->producer_id, (int)p->topic.n,
                    p->topic.p, qid);
}

static int32_t
bk_idem_last(int32_t first, int32_t n)
{
    int64_t last = (int64_t)first + n - 1;
    return (int32_t)(last > INT32_MAX ? last - INT32_MAX - 1 : last);
}

int
bk_idem_check(bk_t *bk, const mq_produce_t *p, int32_t qid, int64_t *dup_offset)
{
    char key[400];
    bk_idem_t *st;
    int32_t last;
    int n = bk_idem_key(key, sizeof(key), p, qid);

    if (!p->idempotent || p->base_sequence < 0)
        return MQ_IDEM_OK;
    st = mq_strmap_get(&bk->idem, (mq_str_t){key, (size_t)n});
    if (!st)
        return MQ_IDEM_OK;
    if (p->producer_epoch < st->epoch)
        return MQ_IDEM_INVALID_PRODUCER_EPOCH;
    if (p->producer_epoch > st->epoch)
        return p->base_sequence == 0 ? MQ_IDEM_OK : MQ_IDEM_OUT_OF_ORDER_SEQUENCE;
    last = bk_idem_last(p->base_sequence, p->n_msgs);
    for (int i = 0; i < st->n; i++)
        if (st->batches[i].first_seq == p->base_sequence && st->batches[i].last_seq == last) {
            *dup_offset = st->batches[i].base_offset;
            return MQ_IDEM_DUPLICATE_SEQUENCE;
        }
    if (p->base_sequence == (st->last_seq == INT32_MAX ? 0 : st->last_seq + 1))
        return MQ_IDEM_OK;
    return MQ_IDEM_OUT_OF_ORDER_SEQUENCE;
}

void
bk_idem_record(bk_t *bk, const mq_produce_t *p, int32_t qid, int64_t base_offset)
{
    char key[400];
    bk_idem_t *st;
    int n = bk_idem_key(key, sizeof(key), p, qid);

    if (!p->idempotent || p->base_sequence < 0)
        return;
    st = mq_strmap_get(&bk->idem, (mq_str_t){key, (size_t)n});
    if (!st) {
        st = mq_xcalloc(1, sizeof(*st));
        mq_strmap_put(&bk->idem, (mq_str_t){key, (size_t)n}, st);
        st->epoch = p->producer_epoch;
    }
    if (p->producer_epoch != st->epoch) { /* a bumped epoch starts over */
        st->epoch = p->producer_epoch;
        st->n = st->next = 0;
    }
    st->last_seq = bk_idem_last(p->base_sequence, p->n_msgs);
    st->batches[st->next] = (bk_idem_batch_t){p->base_sequence, st->last_seq, base_offset};
    st->next = (st->next + 1) % BK_IDEM_BATCHES;
    if (st->n < BK_IDEM_BATCHES)
        st->n++;
    st->last_ms = mq_now_ms();
}

void
bk_idem_expire(bk_t *bk, int64_t now_ms)
{
    size_t it = 0;
    mq_str_t k;
    void *v;
    char *gone[64];
    int n = 0;
    while (n < 64 && mq_strmap_next(&bk->idem, &it, &k, &v))
        if (now_ms - ((bk_idem_t *)v)->last_ms > BK_IDEM_EXPIRY_MS)
            gone[n++] = mq_str_dup(k);
    for (int i = 0; i < n; i++) {
        free(mq_strmap_remove(&bk->idem, mq_str_from_cstr(gone[i])));
        free(gone[i]);
    }
}

void
bk_idem_fini(bk_t *bk)
{
    mq_strmap_fini(&bk->idem, free);
}
