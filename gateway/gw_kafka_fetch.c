/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_fetch.c -- Fetch and ListOffsets.
 *
 * Fetch, per request:
 *   1. TOPIC_CONFIG_GET per topic: unknown topics and partitions beyond the queue count get
 *      UNKNOWN_TOPIC_OR_PARTITION.
 *   2. A PULL per partition from fetch_offset (no hold), repeated from the next offset while
 *      a pull came back full and the partition and request byte limits allow; each pull's
 *      stored records become one record batch (kf_msgmap_from_mq + kf_batch_write) whose base
 *      offset is the first record's queue offset, so the batch holding the requested offset
 *      starts with it.
 *   3. Fewer than min_bytes and max_wait_ms > 0: a held PULL (long poll, MQ_PULL_SUSPEND) per
 *      partition; the first that brings records answers the request at once. Pulls still held
 *      then only release the request when they end.
 * Offsets outside [log start, high watermark] get OFFSET_OUT_OF_RANGE, as Kafka does.
 *
 * ListOffsets: earliest (-2) is the queue's min offset, latest (-1) its max offset, a timestamp
 * the first record whose own timestamp (born time) is at or after it, with that timestamp, or
 * -1 when none is.
 */
#include <string.h>

#include "gw_kafka_int.h"
#include "kf_batch.h"
#include "kf_msgmap.h"
#include "mq/log.h"
#include "mq/store.h"

#define GW_KFETCH_PULL_MSGS 1024 /* messages per PULL operation (the broker's cap) */

typedef struct gw_kfetch_s gw_kfetch_t;

/* One partition of a Fetch. */
typedef struct gw_kfpart_s {
    gw_kfetch_t *f;
    kf_fetch_resp_part_t *resp;
    mq_str_t topic;    /* stored name */
    int32_t queue;     /* the partition's queue on this broker */
    int64_t next;      /* next offset to read */
    int32_t max_bytes; /* partition_max_bytes */
    int64_t bytes;     /* of records gathered */
    mq_buf_t *records; /* batches gathered (request-owned) */
    int failed;        /* an error code is set: no more pulls */
} gw_kfpart_t;

struct gw_kfetch_s {
    gw_kfpart_t *parts;
    int n_parts;
    int64_t bytes; /* over every partition */
    int phase;     /* 0: topics asked, 1: pulls, 2: held pulls */
};

static void
gw_kfetch_buf_free(void *arg)
{
    mq_buf_fini(arg);
}

/* Appends the stored records as one batch to part->records; returns the bytes appended. */
static size_t
gw_kfetch_batch(gw_kreq_t *kr, gw_kfpart_t *part, const mq_str_t *stored, int n)
{
    kf_record_t *recs = mq_palloc(&kr->pool, (size_t)n * sizeof(*recs));
    kf_batch_info_t info;
    size_t before;
    int k = 0;

    for (int i = 0; i < n; i++) {
        mq_msg_t m;
        kf_msgmap_info_t mi;
        if (mq_msg_record_decode((const uint8_t *)stored[i].p, stored[i].n, &m) != MQ_OK) {
            MQ_LOG_WARN("kafka", "fetch %.*s-%d: an undecodable stored record is skipped",
                        (int)part->topic.n, part->topic.p, part->resp->partition_index);
            continue;
        }
        kf_msgmap_from_mq(&m, &kr->pool, &recs[k], &mi);
        recs[k].offset = m.queue_offset;
        if (mi.body_compressed && recs[k].value.p) { /* a RocketMQ client's zlib body */
            mq_buf_reset(&kr->kc->scratch);
            if (kf_decompress(&kr->kc->codec, KF_COMPRESSION_GZIP, recs[k].value.p, recs[k].value.n,
                              &kr->kc->scratch, 64u << 20) == MQ_OK) {
                char *copy = mq_palloc(&kr->pool, kr->kc->scratch.len + 1);
                memcpy(copy, kr->kc->scratch.data, kr->kc->scratch.len);
                recs[k].value = (mq_str_t){copy, kr->kc->scratch.len};
            } else {
                MQ_LOG_WARN("kafka",
                            "fetch %.*s-%d offset %lld: a compressed body does not "
                            "inflate; served as stored",
                            (int)part->topic.n, part->topic.p, part->resp->partition_index,
                            (long long)m.queue_offset);
            }
        }
        k++;
    }
    if (k == 0)
        return 0;
    memset(&info, 0, sizeof(info));
    info.base_offset = recs[0].offset;
    info.partition_leader_epoch = -1;
    info.producer_id = -1;
    info.producer_epoch = -1;
    info.base_sequence = -1;
    before = part->records->len;
    if (kf_batch_write(part->records, &info, recs, k, &kr->kc->codec, &kr->kc->scratch) != MQ_OK) {
        part->records->len = before;
        return 0;
    }
    return part->records->len - before;
}

static void gw_kfetch_pull(gw_kreq_t *kr, gw_kfpart_t *part, int hold);
static void gw_kfetch_seal(gw_kfetch_t *f);

static void
gw_kfetch_pulled(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kfpart_t *part = s->arg;
    gw_kreq_t *kr = s->kr;
    gw_kfetch_t *f = part->f;
    const mq_pull_result_t *pr = &rep->u.pull;
    size_t got;

    if (status != MQ_OK) {
        part->resp->error_code = gw_kafka_error(status);
        part->failed = 1;
        return;
    }
    part->resp->high_watermark = pr->max_offset;
    part->resp->last_stable_offset = pr->max_offset;
    part->resp->log_start_offset = pr->min_offset;
    switch (pr->status) {
    case STORE_GET_FOUND:
        break;
    case STORE_GET_OFFSET_TOO_SMALL:
    case STORE_GET_OFFSET_OVERFLOW_BADLY:
        part->resp->error_code = KF_ERR_OFFSET_OUT_OF_RANGE;
        part->failed = 1;
        return;
    case STORE_GET_NO_MATCHED_LOGIC_QUEUE:
    case STORE_GET_NO_MESSAGE_IN_QUEUE:
        if (part->next != 0) {
            part->resp->error_code = KF_ERR_OFFSET_OUT_OF_RANGE;
            part->failed = 1;
        }
        return;
    default:
        break; /* caught up, or entries being removed: nothing this time */
    }
    if (pr->n_records == 0) {
        if (pr->next_offset > part->next && pr->status != STORE_GET_OFFSET_OVERFLOW_ONE)
            part->next = pr->next_offset;
        return;
    }
    got = gw_kfetch_batch(kr, part, pr->records, pr->n_records);
    part->bytes += (int64_t)got;
    f->bytes += (int64_t)got;
    part->next = pr->next_offset;
    if (f->phase == 2) { /* a held pull brought records: answer now */
        gw_kfetch_seal(f);
        gw_kreq_respond(kr);
        return;
    }
    if (pr->n_records >= GW_KFETCH_PULL_MSGS && part->bytes < part->max_bytes &&
        f->bytes < kr->req.u.fetch.max_bytes && part->next < pr->max_offset)
        gw_kfetch_pull(kr, part, 0);
}

static void
gw_kfetch_pull(gw_kreq_t *kr, gw_kfpart_t *part, int hold)
{
    const kf_fetch_req_t *rq = &kr->req.u.fetch;
    gw_ksub_t *s = gw_ksub_new(kr, MQ_OP_PULL, gw_kfetch_pulled, part, 0);
    int64_t room =
        MQ_MIN((int64_t)part->max_bytes - part->bytes, (int64_t)rq->max_bytes - part->f->bytes);
    s->base.u.pull.group = MQ_STR("");
    s->base.u.pull.topic = part->topic;
    s->base.u.pull.queue_id = part->queue;
    s->base.u.pull.offset = part->next;
    s->base.u.pull.max_msgs = GW_KFETCH_PULL_MSGS;
    s->base.u.pull.flags = MQ_PULL_SUBSCRIPTION | (hold ? MQ_PULL_SUSPEND : 0);
    s->base.u.pull.subscription = MQ_STR("*");
    s->base.u.pull.expression_type = MQ_STR("TAG");
    s->base.u.pull.suspend_ms = hold ? rq->max_wait_ms : 0;
    s->base.u.pull.max_bytes = (int32_t)MQ_MAX(room, 1); /* the first record always fits */
    gw_ksub_send(s, NULL);
}

static void
gw_kfetch_topic_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kfetch_t *f = s->arg;
    mq_str_t topic = s->base.u.topic;
    int32_t queues = 0;
    if (status == MQ_OK && rep->u.topics.n == 1)
        queues = gw_kafka_partitions(&rep->u.topics.topics[0].conf);
    for (int i = 0; i < f->n_parts; i++) {
        gw_kfpart_t *p = &f->parts[i];
        if (!mq_str_eq(p->topic, topic) || p->failed)
            continue;
        if (p->queue < 0 || p->queue >= queues) {
            p->resp->error_code = KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            p->failed = 1;
        }
    }
}

static void
gw_kfetch_finish(gw_kreq_t *kr)
{
    gw_kfetch_t *f = kr->state;
    const kf_fetch_req_t *rq = &kr->req.u.fetch;
    int started = 0;

    if (f->phase == 0) {
        f->phase = 1;
        for (int i = 0; i < f->n_parts; i++)
            if (!f->parts[i].failed) {
                gw_kfetch_pull(kr, &f->parts[i], 0);
                started++;
            }
        if (started)
            return;
    }
    if (f->phase == 1 && f->bytes < rq->min_bytes && rq->max_wait_ms > 0) {
        int errors = 0;
        for (int i = 0; i < f->n_parts; i++)
            errors += f->parts[i].failed && f->parts[i].resp->error_code != KF_ERR_NONE;
        f->phase = 2;
        if (!errors)
            for (int i = 0; i < f->n_parts; i++)
                if (!f->parts[i].failed) {
                    gw_kfetch_pull(kr, &f->parts[i], 1);
                    started++;
                }
        if (started)
            return;
    }
    gw_kfetch_seal(f); /* nothing more to wait for: the response goes out now */
}

/* Fills the records views once the request is answered (early or not). */
static void
gw_kfetch_seal(gw_kfetch_t *f)
{
    for (int i = 0; i < f->n_parts; i++) {
        gw_kfpart_t *p = &f->parts[i];
        p->resp->records = (mq_str_t){(const char *)p->records->data, p->records->len};
        if (!p->resp->records.p)
            p->resp->records = MQ_STR("");
    }
}

void
gw_kafka_fetch(gw_kreq_t *kr)
{
    const kf_fetch_req_t *rq = &kr->req.u.fetch;
    kf_fetch_resp_t *rp = &kr->resp.u.fetch;
    gw_kfetch_t *f = mq_pcalloc(&kr->pool, sizeof(*f));
    int n = 0;

    for (int t = 0; t < rq->n_topics; t++)
        n += MQ_MAX(rq->topics[t].n_partitions, 0);
    f->parts = mq_pcalloc(&kr->pool, (size_t)(n + 1) * sizeof(*f->parts));
    rp->error_code = KF_ERR_NONE;
    rp->session_id = 0; /* no fetch sessions: clients send full fetches (KIP-227) */
    rp->n_topics = MQ_MAX(rq->n_topics, 0);
    rp->topics = mq_pcalloc(&kr->pool, (size_t)(rp->n_topics + 1) * sizeof(*rp->topics));
    for (int t = 0; t < rp->n_topics; t++) {
        const kf_fetch_req_topic_t *in = &rq->topics[t];
        kf_fetch_resp_topic_t *out = &rp->topics[t];
        mq_str_t rmq = gw_kafka_topic_to_rmq(kr, in->topic);
        out->topic = in->topic;
        out->n_partitions = MQ_MAX(in->n_partitions, 0);
        out->partitions =
            mq_pcalloc(&kr->pool, (size_t)(out->n_partitions + 1) * sizeof(*out->partitions));
        for (int i = 0; i < out->n_partitions; i++) {
            gw_kfpart_t *p = &f->parts[f->n_parts++];
            kf_fetch_resp_part_t *pr = &out->partitions[i];
            pr->partition_index = in->partitions[i].partition;
            pr->high_watermark = -1;
            pr->last_stable_offset = -1;
            pr->log_start_offset = -1;
            pr->preferred_read_replica = -1;
            pr->n_aborted_transactions = 0;
            p->f = f;
            p->resp = pr;
            p->topic = rmq;
            p->next = in->partitions[i].fetch_offset;
            p->max_bytes = MQ_MAX(in->partitions[i].partition_max_bytes, 1);
            p->records = mq_pcalloc(&kr->pool, sizeof(*p->records));
            mq_buf_init(p->records);
            mq_pool_cleanup_add(&kr->pool, gw_kfetch_buf_free, p->records);
            if (!rmq.p) {
                pr->error_code = KF_ERR_INVALID_TOPIC_EXCEPTION;
                p->failed = 1;
            } else if (!gw_kafka_local_queue(kr->kc->fe, rmq, pr->partition_index, &p->queue)) {
                pr->error_code = KF_ERR_NOT_LEADER_OR_FOLLOWER; /* another broker's partition */
                p->failed = 1;
            }
        }
        if (rmq.p) {
            int seen = 0;
            for (int u = 0; u < t; u++)
                if (mq_str_eq(rq->topics[u].topic, in->topic))
                    seen = 1;
            if (!seen) {
                gw_ksub_t *s = gw_ksub_new(kr, MQ_OP_TOPIC_CONFIG_GET, gw_kfetch_topic_done, f, 0);
                s->base.u.topic = rmq;
                gw_ksub_send(s, NULL);
            }
        }
    }
    kr->state = f;
    kr->finish = gw_kfetch_finish;
}

/* ---- ListOffsets ---- */

typedef struct gw_kloff_s {
    kf_list_offsets_resp_part_t *resp;
    mq_str_t topic;
    int32_t queue;     /* the partition's queue on this broker */
    int64_t timestamp; /* >= 0: by time */
    int last;          /* MAX_TIMESTAMP (-3): the last record (offsets grow with time here) */
} gw_kloff_t;

static void
gw_kloff_record(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kloff_t *lo = s->arg;
    mq_msg_t m;
    if (status != MQ_OK || rep->u.pull.n_records < 1 ||
        mq_msg_record_decode((const uint8_t *)rep->u.pull.records[0].p, rep->u.pull.records[0].n,
                             &m) != MQ_OK) {
        lo->resp->offset = -1; /* no message at or after the time */
        lo->resp->timestamp = -1;
        return;
    }
    lo->resp->offset = m.queue_offset;
    lo->resp->timestamp = m.born_ts;
}

static void
gw_kloff_offset(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kloff_t *lo = s->arg;
    gw_ksub_t *next;
    if (status != MQ_OK) {
        lo->resp->error_code = gw_kafka_error(status);
        return;
    }
    if (lo->timestamp < 0) {
        lo->resp->offset = rep->u.offset - (lo->last && rep->u.offset > 0);
        lo->resp->timestamp = -1;
        return;
    }
    /* By time: the record at the offset found says whether there is one, and its time. */
    next = gw_ksub_new(s->kr, MQ_OP_PULL, gw_kloff_record, lo, 0);
    next->base.u.pull.group = MQ_STR("");
    next->base.u.pull.topic = lo->topic;
    next->base.u.pull.queue_id = lo->queue;
    next->base.u.pull.offset = rep->u.offset;
    next->base.u.pull.max_msgs = 1;
    next->base.u.pull.flags = MQ_PULL_SUBSCRIPTION;
    next->base.u.pull.subscription = MQ_STR("*");
    next->base.u.pull.expression_type = MQ_STR("TAG");
    gw_ksub_send(next, NULL);
}

void
gw_kafka_list_offsets(gw_kreq_t *kr)
{
    const kf_list_offsets_req_t *rq = &kr->req.u.list_offsets;
    kf_list_offsets_resp_t *rp = &kr->resp.u.list_offsets;
    rp->n_topics = MQ_MAX(rq->n_topics, 0);
    rp->topics = mq_pcalloc(&kr->pool, (size_t)(rp->n_topics + 1) * sizeof(*rp->topics));
    for (int t = 0; t < rp->n_topics; t++) {
        const kf_list_offsets_req_topic_t *in = &rq->topics[t];
        kf_list_offsets_resp_topic_t *out = &rp->topics[t];
        mq_str_t rmq = gw_kafka_topic_to_rmq(kr, in->name);
        out->name = in->name;
        out->n_partitions = MQ_MAX(in->n_partitions, 0);
        out->partitions =
            mq_pcalloc(&kr->pool, (size_t)(out->n_partitions + 1) * sizeof(*out->partitions));
        for (int i = 0; i < out->n_partitions; i++) {
            kf_list_offsets_resp_part_t *pr = &out->partitions[i];
            int64_t ts = in->partitions[i].timestamp;
            gw_kloff_t *lo;
            gw_ksub_t *s;
            pr->partition_index = in->partitions[i].partition_index;
            pr->offset = -1;
            pr->timestamp = -1;
            pr->leader_epoch = -1;
            if (!rmq.p) {
                pr->error_code = KF_ERR_INVALID_TOPIC_EXCEPTION;
                continue;
            }
            lo = mq_pcalloc(&kr->pool, sizeof(*lo));
            if (!gw_kafka_local_queue(kr->kc->fe, rmq, pr->partition_index, &lo->queue)) {
                pr->error_code = KF_ERR_NOT_LEADER_OR_FOLLOWER; /* another broker's partition */
                continue;
            }
            lo->resp = pr;
            lo->topic = rmq;
            lo->timestamp = ts;
            s = gw_ksub_new(kr, MQ_OP_GET_QUEUE_OFFSET, gw_kloff_offset, lo, 0);
            s->base.u.queue_offset.topic = rmq;
            s->base.u.queue_offset.queue_id = lo->queue;
            if (ts == KF_OFFSET_EARLIEST) {
                s->base.u.queue_offset.kind = MQ_OFFSET_MIN;
            } else if (ts == KF_OFFSET_LATEST || ts == KF_OFFSET_MAX_TIMESTAMP) {
                s->base.u.queue_offset.kind = MQ_OFFSET_MAX;
                lo->last = ts == KF_OFFSET_MAX_TIMESTAMP;
            } else if (ts >= 0) { /* Kafka looks up the records' own (CreateTime) timestamps */
                s->base.u.queue_offset.kind = MQ_OFFSET_BY_RECORD_TIME;
                s->base.u.queue_offset.timestamp = ts;
            } else {
                pr->error_code = KF_ERR_INVALID_REQUEST;
                continue;
            }
            gw_ksub_send(s, NULL);
        }
    }
}
