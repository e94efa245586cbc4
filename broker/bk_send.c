/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_send.c -- PRODUCE: the broker's part of SendMessageProcessor. Checks the topic (auto-
 * creating it from TBW102 when allowed), its write permission and the queue id, picks a queue
 * when the client left it to the broker, gives every message a UNIQ_KEY when it has none and
 * the CLUSTER property, and appends the whole request with one store_put(). Under SYNC_FLUSH
 * (unless the message says WAIT=false) the reply waits for the flush: the store calls back on
 * its flush thread and the reply is posted to the loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_int.h"
#include "bk_txn.h"
#include "mq/log.h"

typedef struct bk_send_wait_s {
    store_waiter_t w; /* the store's completion record */
    bk_t *bk;
    mq_req_t *req;
    mq_produce_result_t res;
    int status; /* from the flush thread */
} bk_send_wait_t;

static void
bk_send_reply(mq_req_t *req, const mq_produce_result_t *res)
{
    mq_rep_t rep;
    memset(&rep, 0, sizeof(rep));
    rep.u.produce = *res;
    req->reply(req, MQ_OK, &rep);
}

static void
bk_send_flushed_on_loop(void *arg)
{
    bk_send_wait_t *sw = arg;
    if (sw->status == MQ_ETIMEDOUT)
        sw->res.flush_timeout = 1; /* stored, but not flushed in time: FLUSH_DISK_TIMEOUT */
    if (sw->status == MQ_OK || sw->status == MQ_ETIMEDOUT)
        bk_send_reply(sw->req, &sw->res);
    else
        bk_reply(sw->req, sw->status, "the store is shutting down");
}

static void
bk_send_flushed(store_waiter_t *w, int status)
{
    bk_send_wait_t *sw = MQ_CONTAINER_OF(w, bk_send_wait_t, w);
    sw->status = status;
    sw->bk->exec->post(sw->bk->exec, bk_send_flushed_on_loop, sw);
}

/* What one pass over a message's properties found. */
typedef struct bk_send_scan_s {
    mq_str_t uniq;   /* UNIQ_KEY, or p == NULL */
    int has_cluster; /* CLUSTER is there */
    int no_wait;     /* WAIT=false */
    int scheduled;   /* DELAY, TIMER_* or __STARTDELIVERTIME: bk_delay.c looks at it */
    int tran;        /* TRAN_MSG: bk_txn.c looks at it */
} bk_send_scan_t;

static void
bk_send_scan(mq_str_t props, bk_send_scan_t *out)
{
    mq_props_iter_t it;
    mq_str_t k, v;
    memset(out, 0, sizeof(*out));
    mq_props_iter_init(&it, props);
    while (mq_props_next(&it, &k, &v)) {
        if (mq_str_eq(k, MQ_STR(MQ_PROP_UNIQ_KEY)))
            out->uniq = v;
        else if (mq_str_eq(k, MQ_STR(MQ_PROP_CLUSTER)))
            out->has_cluster = 1;
        else if (mq_str_eq(k, MQ_STR(MQ_PROP_WAIT)) && mq_str_eq(v, MQ_STR("false")))
            out->no_wait = 1;
        else if (mq_str_eq(k, MQ_STR(MQ_PROP_DELAY)) ||
                 mq_str_eq(k, MQ_STR("__STARTDELIVERTIME")) ||
                 (k.n > 6 && memcmp(k.p, "TIMER_", 6) == 0))
            out->scheduled = 1;
        else if (mq_str_eq(k, MQ_STR(MQ_PROP_TRAN_MSG)))
            out->tran = 1;
    }
}

/* What the one pass over a request's properties found. */
typedef struct bk_send_found_s {
    int wait;      /* no message says WAIT=false */
    int scheduled; /* a message names a delay or a delivery time (bk_delay.c) */
    int tran;      /* a message is a transactional half (TRAN_MSG or sysFlag PREPARED) */
} bk_send_found_t;

/* Gives every message a UNIQ_KEY (when absent) and the CLUSTER property, as RocketMQ's
 * SendMessageProcessor does: one pass over each message's properties, and one pool block for
 * the request's rewritten properties strings (no allocation per message). The same pass tells
 * the delay and transaction hooks whether they have anything to do (*found); *first_uniq gets
 * msgs[0]'s UNIQ_KEY. */
static void
bk_send_props(bk_t *bk, mq_pool_t *pool, mq_msg_t *msgs, int n, mq_str_t *first_uniq,
              bk_send_found_t *found)
{
    size_t cluster_n = strlen(bk->cfg.cluster), need = 0;
    bk_send_scan_t *scans = mq_palloc(pool, (size_t)n * sizeof(*scans));
    char *blk = NULL;

    memset(found, 0, sizeof(*found));
    found->wait = 1;
    for (int i = 0; i < n; i++) {
        bk_send_scan(msgs[i].props, &scans[i]);
        found->wait &= !scans[i].no_wait;
        found->scheduled |= scans[i].scheduled;
        found->tran |= scans[i].tran || (msgs[i].sys_flag & MQ_SYSFLAG_TRANSACTION_MASK) ==
                                            MQ_SYSFLAG_TRANSACTION_PREPARED;
        if (!scans[i].uniq.p || !scans[i].has_cluster)
            need += msgs[i].props.n + 1 + sizeof(MQ_PROP_UNIQ_KEY) + 1 + 32 +
                    sizeof(MQ_PROP_CLUSTER) + 1 + cluster_n;
    }
    if (need)
        blk = mq_palloc(pool, need);
    for (int i = 0; i < n; i++) {
        mq_msg_t *m = &msgs[i];
        char *p0 = blk, *p = blk;
        if (scans[i].uniq.p && scans[i].has_cluster) {
            if (i == 0)
                *first_uniq = scans[i].uniq;
            continue;
        }
        memcpy(p, m->props.p, m->props.n);
        p += m->props.n;
        if (m->props.n && m->props.p[m->props.n - 1] != MQ_PROP_PAIR_SEP)
            *p++ = MQ_PROP_PAIR_SEP;
        if (!scans[i].uniq.p) {
            memcpy(p, MQ_PROP_UNIQ_KEY "\001", sizeof(MQ_PROP_UNIQ_KEY));
            p += sizeof(MQ_PROP_UNIQ_KEY);
            mq_uniq_gen_next(&bk->uniq, mq_now_ms(), p);
            scans[i].uniq = (mq_str_t){p, 32};
            p += 32;
            *p++ = MQ_PROP_PAIR_SEP;
        }
        if (!scans[i].has_cluster) {
            memcpy(p, MQ_PROP_CLUSTER "\001", sizeof(MQ_PROP_CLUSTER));
            p += sizeof(MQ_PROP_CLUSTER);
            memcpy(p, bk->cfg.cluster, cluster_n);
            p += cluster_n;
            *p++ = MQ_PROP_PAIR_SEP;
        }
        m->props = (mq_str_t){p0, (size_t)(p - p0)};
        blk = p;
        if (i == 0)
            *first_uniq = scans[i].uniq;
    }
}

void
bk_handle_produce(bk_t *bk, mq_req_t *req)
{
    mq_produce_t *p = &req->u.produce;
    store_topic_config_t tc;
    bk_send_wait_t *sw;
    int32_t qid;
    int rc, wait = !p->no_wait;
    bk_send_found_t found;

    if (p->n_msgs <= 0) {
        bk_reply(req, MQ_EINVAL, "no message in the request");
        return;
    }
    rc = bk_topic_get(bk, p->topic, &tc);
    if (rc != MQ_OK && !p->no_auto_create)
        rc = bk_topic_auto_create(bk, p->topic, p->default_topic, p->default_queues, &tc);
    if (rc != MQ_OK) {
        size_t tl = p->topic.n + 64;
        char *text = mq_palloc(req->pool, tl);
        snprintf(text, tl, "topic[%.*s] not exist, apply first please!", (int)p->topic.n,
                 p->topic.p);
        bk_reply(req, rc == MQ_EINVAL ? MQ_EINVAL : MQ_ENOENT, text);
        return;
    }
    if (!(tc.perm & STORE_PERM_WRITE)) {
        size_t tl = p->topic.n + 64;
        char *text = mq_palloc(req->pool, tl);
        snprintf(text, tl, "the topic[%s] sending message is forbidden", tc.name);
        bk_reply(req, MQ_EPERM, text);
        return;
    }
    qid = p->queue_id;
    if (qid < 0)
        qid = (int32_t)(bk->rr++ % (uint32_t)(tc.write_queues > 0 ? tc.write_queues : 1));
    if (qid >= MQ_MAX(tc.write_queues, tc.read_queues)) {
        bk_reply(req, MQ_EINVAL, "queueId out of range");
        return;
    }
    if (p->idempotent) {
        int64_t dup = -1;
        int ie = bk_idem_check(bk, p, qid, &dup);
        if (ie == MQ_IDEM_DUPLICATE_SEQUENCE) {
            mq_produce_result_t res;
            memset(&res, 0, sizeof(res));
            res.queue_id = qid;
            res.queue_offset = dup;
            res.n = 0;
            res.duplicate = 1;
            bk_send_reply(req, &res);
            return;
        }
        if (ie != MQ_IDEM_OK) {
            mq_rep_t rep;
            memset(&rep, 0, sizeof(rep));
            rep.detail = ie;
            rep.text = ie == MQ_IDEM_INVALID_PRODUCER_EPOCH
                           ? "a newer epoch of this producer exists"
                           : "out of order sequence number";
            req->reply(req, MQ_EINVAL, &rep);
            return;
        }
    }
    sw = mq_pcalloc(req->pool, sizeof(*sw));
    sw->bk = bk;
    sw->req = req;
    sw->res.phys_offsets = mq_palloc(req->pool, (size_t)p->n_msgs * sizeof(int64_t));
    for (int i = 0; i < p->n_msgs; i++) {
        p->msgs[i].topic = p->topic;
        p->msgs[i].queue_id = qid;
    }
    bk_send_props(bk, req->pool, p->msgs, p->n_msgs, &sw->res.uniq_key, &found);
    if (!found.wait)
        wait = 0;
    if (found.tran && bk_txn_half(bk, req) != MQ_OK) /* to the half topic (bk_txn.c) */
        return;                                      /* refused, replied */
    /* DELAY, delivery times, over-retried %RETRY% sends: bk_delay.c */
    if ((found.scheduled || bk_is_retry_topic(p->topic)) &&
        bk_delay_produce(bk, req, &sw->res.delayed))
        return; /* refused, replied */
    sw->w.cb = bk_send_flushed;
    rc = store_put(bk->store, p->msgs, p->n_msgs, wait && !p->wait_visible ? &sw->w : NULL);
    if (rc != MQ_OK && rc != MQ_AGAIN) {
        char text[640];
        if (rc == MQ_ENOSPC) {
            char why[512];
            store_status_text(bk->store, why, sizeof(why));
            snprintf(text, sizeof(text),
                     "service not available now. It may be caused by one of the following "
                     "reasons: %s",
                     why[0] ? why : "the broker's disk is full");
        } else {
            snprintf(text, sizeof(text), "store put failed: %s", mq_err_text(rc));
        }
        bk_reply(req, rc, mq_pstrdup(req->pool, mq_str_from_cstr(text)));
        return;
    }
    if (p->idempotent) /* a delayed batch has no offset in the queue yet (-1) */
        bk_idem_record(bk, p, qid, sw->res.delayed ? -1 : p->msgs[0].queue_offset);
    sw->res.queue_id = qid;
    sw->res.queue_offset = p->msgs[0].queue_offset;
    sw->res.n = p->n_msgs;
    sw->res.store_host = p->msgs[0].store_host;
    for (int i = 0; i < p->n_msgs; i++)
        sw->res.phys_offsets[i] = p->msgs[i].phys_offset;
    if (rc == MQ_OK && p->wait_visible) {
        const mq_msg_t *last = &p->msgs[p->n_msgs - 1];
        rc = store_wait_visible(bk->store, last->phys_offset + last->store_size,
                                bk->cfg.store.sync_flush_timeout_ms, &sw->w);
        if (rc == MQ_ECLOSED) {
            bk_reply(req, rc, "the store is shutting down");
            return;
        }
    }
    if (rc == MQ_OK)
        bk_send_reply(req, &sw->res); /* else the flush (or dispatch) callback replies */
}
