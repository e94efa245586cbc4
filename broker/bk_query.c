/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_query.c -- message lookups for admins and tools (RocketMQ's QueryMessageProcessor and
 * VIEW_MESSAGE_BY_ID): the record at a CommitLog offset (what an offset msgId encodes), and the
 * records whose KEYS or UNIQ_KEY match, through the store's IndexFile. Records are copied into
 * the request's pool, so no segment stays referenced once the reply is written.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bk_int.h"

#define BK_QUERY_MAX 64 /* maxMsgsNumBatch: cap on maxNum */

/* Copies the record at CommitLog offset `off` into the pool. Returns MQ_OK with *rec (and its
 * store time in *ts), or the store's error. */
static int
bk_record_copy(bk_t *bk, mq_pool_t *pool, int64_t off, mq_str_t *rec, int64_t *ts)
{
    store_slice_t sl;
    mq_msg_t m;
    char *copy;
    int rc = store_read_record(bk->store, off, &sl);

    if (rc != MQ_OK)
        return rc;
    rc = mq_msg_record_decode(sl.p, sl.len, &m);
    if (rc == MQ_OK) {
        copy = mq_palloc(pool, sl.len);
        memcpy(copy, sl.p, sl.len);
        *rec = (mq_str_t){copy, sl.len};
        *ts = m.store_ts;
    }
    store_slice_release(&sl);
    return rc == MQ_OK ? MQ_OK : MQ_ECORRUPT;
}

static void
bk_view_message(bk_t *bk, mq_req_t *req)
{
    mq_str_t *rec = mq_palloc(req->pool, sizeof(*rec));
    int64_t ts;
    mq_rep_t rep;
    char text[96];

    memset(&rep, 0, sizeof(rep));
    if (req->u.view_message.offset < 0 ||
        bk_record_copy(bk, req->pool, req->u.view_message.offset, rec, &ts) != MQ_OK) {
        snprintf(text, sizeof(text), "can not find message by the offset, %lld",
                 (long long)req->u.view_message.offset);
        bk_reply(req, MQ_ENOENT, mq_pstrdup(req->pool, mq_str_from_cstr(text)));
        return;
    }
    rep.u.records.records = rec;
    rep.u.records.n = 1;
    req->reply(req, MQ_OK, &rep);
}

static void
bk_query_message(bk_t *bk, mq_req_t *req)
{
    const mq_query_message_t *q = &req->u.query_message;
    int64_t offs[BK_QUERY_MAX];
    int max = q->max > 0 ? MQ_MIN(q->max, BK_QUERY_MAX) : BK_QUERY_MAX, n;
    int64_t end = q->end_ms > 0 ? q->end_ms : INT64_MAX;
    mq_str_t *recs;
    store_stats_t st;
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    if (q->uniq) {
        n = store_query_by_uniq_key(bk->store, q->topic, q->key, &offs[0]) == MQ_OK ? 1 : 0;
    } else {
        n = store_query_by_key(bk->store, q->topic, q->key, max, q->begin_ms, end, offs);
        if (n < 0)
            n = 0;
    }
    recs = mq_palloc(req->pool, (size_t)(n ? n : 1) * sizeof(*recs));
    for (int i = 0; i < n; i++) {
        int64_t ts;
        if (bk_record_copy(bk, req->pool, offs[i], &recs[rep.u.records.n], &ts) != MQ_OK)
            continue; /* aged out since the index was read */
        if (q->uniq && (ts < q->begin_ms || ts > end))
            continue;
        rep.u.records.n++;
        rep.u.records.index_last_ts = MQ_MAX(rep.u.records.index_last_ts, ts);
    }
    if (rep.u.records.n == 0) {
        bk_reply(req, MQ_ENOENT, "can not find message, maybe time range not correct");
        return;
    }
    store_get_stats(bk->store, &st);
    rep.u.records.records = recs;
    rep.u.records.index_last_phys = st.dispatched;
    req->reply(req, MQ_OK, &rep);
}

void
bk_handle_query(bk_t *bk, mq_req_t *req)
{
    if (req->op == MQ_OP_VIEW_MESSAGE)
        bk_view_message(bk, req);
    else if (req->op == MQ_OP_QUERY_MESSAGE)
        bk_query_message(bk, req);
    else
        bk_reply(req, MQ_DECLINED, "operation not served by the broker");
}
