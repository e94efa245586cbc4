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
 * The state is kept in <storePathRootDir>/config/producerState.json, written every 5 s when it
 * changed and at shutdown (Kafka snapshots it with the log). On load, cached batches whose
 * offsets the recovered queue does not reach are dropped (an OS crash can lose the last
 * unflushed messages under ASYNC_FLUSH; such a batch must be stored again when resent, not
 * acknowledged as a duplicate), and a producer left without batches starts over (any first
 * sequence is accepted). A batch resent after a crash that lost the state's last 5 s can be
 * stored twice. A producer silent for producer.id.expiration.ms (1 day) is dropped.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_int.h"
#include "mq/log.h"
#include "mq/store_meta.h"

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
    bk->idem_dirty = 1;
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
    if (n)
        bk->idem_dirty = 1;
}

static void
bk_idem_path(bk_t *bk, char *path, size_t len)
{
    snprintf(path, len, "%s/config/producerState.json", bk->cfg.store.root_dir);
}

void
bk_idem_persist(bk_t *bk)
{
    json_t *root, *list = json_array();
    size_t it = 0;
    mq_str_t k;
    void *v;
    char path[1100], *text;

    if (!bk->idem_dirty) {
        json_decref(list);
        return;
    }
    while (mq_strmap_next(&bk->idem, &it, &k, &v)) {
        const bk_idem_t *st = v;
        const char *a = memchr(k.p, '\001', k.n),
                   *b = a ? memchr(a + 1, '\001', k.n - (size_t)(a + 1 - k.p)) : NULL;
        json_t *o, *batches = json_array();
        if (!b)
            continue;
        for (int i = 0; i < st->n; i++) { /* oldest first */
            const bk_idem_batch_t *bt =
                &st->batches[(st->next - st->n + i + BK_IDEM_BATCHES) % BK_IDEM_BATCHES];
            json_array_append_new(batches, json_pack("{s:i, s:i, s:I}", "firstSeq", bt->first_seq,
                                                     "lastSeq", bt->last_seq, "baseOffset",
                                                     (json_int_t)bt->base_offset));
        }
        o = json_pack("{s:I, s:s%, s:i, s:i, s:I, s:o}", "producerId",
                      (json_int_t)strtoll(k.p, NULL, 10), "topic", a + 1, (size_t)(b - a - 1),
                      "queueId", atoi(b + 1), "epoch", (int)st->epoch, "lastMs",
                      (json_int_t)st->last_ms, "batches", batches);
        if (o)
            json_array_append_new(list, o);
    }
    root = json_pack("{s:i, s:o}", "version", 1, "producers", list);
    text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (!text)
        return;
    bk_idem_path(bk, path, sizeof(path));
    if (store_json_file_write(path, text, strlen(text)) == MQ_OK)
        bk->idem_dirty = 0;
    else
        MQ_LOG_WARN("broker", "cannot write %s; idempotent producer state kept in memory", path);
    free(text);
}

void
bk_idem_load(bk_t *bk)
{
    char path[1100], *text = NULL;
    json_t *root, *list, *o;
    json_error_t err;
    size_t i;
    int kept = 0;

    bk_idem_path(bk, path, sizeof(path));
    if (store_json_file_read(path, &text) != MQ_OK)
        return; /* none yet */
    root = json_loads(text, 0, &err);
    free(text);
    list = root ? json_object_get(root, "producers") : NULL;
    if (!json_is_array(list)) {
        MQ_LOG_WARN("broker", "%s is not a producer state file; ignored", path);
        json_decref(root);
        return;
    }
    json_array_foreach(list, i, o)
    {
        json_t *batches = json_object_get(o, "batches"), *bj;
        const char *topic = json_string_value(json_object_get(o, "topic"));
        int32_t qid = (int32_t)json_integer_value(json_object_get(o, "queueId"));
        int64_t max;
        char key[400];
        bk_idem_t *st;
        size_t j;
        int n;
        if (!topic || !json_is_array(batches))
            continue;
        max = store_max_offset(bk->store, mq_str_from_cstr(topic), qid);
        st = mq_xcalloc(1, sizeof(*st));
        st->epoch = (int16_t)json_integer_value(json_object_get(o, "epoch"));
        st->last_ms = json_integer_value(json_object_get(o, "lastMs"));
        json_array_foreach(batches, j, bj)
        {
            bk_idem_batch_t bt = {(int32_t)json_integer_value(json_object_get(bj, "firstSeq")),
                                  (int32_t)json_integer_value(json_object_get(bj, "lastSeq")),
                                  json_integer_value(json_object_get(bj, "baseOffset"))};
            int64_t count = (int64_t)bt.last_seq - bt.first_seq + 1;
            if (count <= 0)
                count += (int64_t)INT32_MAX + 1;
            if (bt.base_offset < 0 || bt.base_offset + count > max)
                continue; /* not (all) in the recovered log */
            st->batches[st->next] = bt;
            st->next = (st->next + 1) % BK_IDEM_BATCHES;
            if (st->n < BK_IDEM_BATCHES)
                st->n++;
            st->last_seq = bt.last_seq;
        }
        if (st->n == 0) {
            free(st);
            continue;
        }
        n = snprintf(key, sizeof(key), "%lld\001%s\001%d",
                     (long long)json_integer_value(json_object_get(o, "producerId")), topic, qid);
        if (n <= 0 || (size_t)n >= sizeof(key)) {
            free(st);
            continue;
        }
        free(mq_strmap_put(&bk->idem, (mq_str_t){key, (size_t)n}, st));
        kept++;
    }
    json_decref(root);
    if (kept)
        MQ_LOG_INFO("broker", "loaded the state of %d idempotent producer partitions", kept);
}

void
bk_idem_fini(bk_t *bk)
{
    mq_strmap_fini(&bk->idem, free);
}
