/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_offset.c -- queue offsets (max, min, by store or record time, earliest store time) and
 * consumer group offsets (query with RocketMQ's setZeroIfNotFound rule, commit; negative commits
 * are ignored: ali-ons commits -1 for queues it never read).
 */
#include <string.h>

#include "bk_int.h"

void
bk_handle_queue_offset(bk_t *bk, mq_req_t *req)
{
    mq_queue_offset_t *q = &req->u.queue_offset;
    mq_rep_t rep;
    memset(&rep, 0, sizeof(rep));
    switch (q->kind) {
    case MQ_OFFSET_MAX:
        rep.u.offset = store_max_offset(bk->store, q->topic, q->queue_id);
        break;
    case MQ_OFFSET_MIN:
        rep.u.offset = store_min_offset(bk->store, q->topic, q->queue_id);
        break;
    case MQ_OFFSET_BY_TIME:
        rep.u.offset = store_offset_by_time(bk->store, q->topic, q->queue_id, q->timestamp,
                                            q->upper ? STORE_BOUNDARY_UPPER : STORE_BOUNDARY_LOWER);
        break;
    case MQ_OFFSET_BY_RECORD_TIME: {
        int64_t lo = store_min_offset(bk->store, q->topic, q->queue_id);
        int64_t hi = store_max_offset(bk->store, q->topic, q->queue_id);
        while (lo < hi) { /* first offset with born time >= timestamp */
            int64_t mid = lo + (hi - lo) / 2;
            int64_t ts = bk_record_time_at(bk, q->topic, q->queue_id, mid, 1);
            if (ts >= q->timestamp)
                hi = mid;
            else
                lo = mid + 1; /* also a hole (-1): look further on */
        }
        rep.u.offset = lo;
        break;
    }
    case MQ_OFFSET_EARLIEST_TIME:
        rep.u.offset = store_earliest_time(bk->store, q->topic, q->queue_id);
        if (rep.u.offset < 0)
            rep.u.offset = 0;
        break;
    default:
        bk_reply(req, MQ_EINVAL, "unknown offset kind");
        return;
    }
    req->reply(req, MQ_OK, &rep);
}

void
bk_handle_group_offset(bk_t *bk, mq_req_t *req)
{
    mq_group_offset_t *g = &req->u.group_offset;
    char *group = mq_pstrdup(req->pool, g->group), *topic = mq_pstrdup(req->pool, g->topic);
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    if (req->op == MQ_OP_COMMIT_GROUP_OFFSET) {
        store_offsets_commit(bk->offsets, group, topic, g->queue_id, g->offset);
        req->reply(req, MQ_OK, &rep);
        return;
    }
    rep.u.offset = store_offsets_query(bk->offsets, group, topic, g->queue_id);
    if (rep.u.offset >= 0) {
        req->reply(req, MQ_OK, &rep);
        return;
    }
    /* None committed: a young queue that still starts at 0 is read from 0 even by groups that
     * start from the last offset, as RocketMQ does; otherwise the client decides. */
    if (g->zero_if_none && store_min_offset(bk->store, g->topic, g->queue_id) == 0) {
        rep.u.offset = 0;
        req->reply(req, MQ_OK, &rep);
        return;
    }
    bk_reply(req, MQ_ENOENT, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
}
