/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_produce.c -- Produce and InitProducerId.
 *
 * Each partition's record batches are checked whole first (length, magic 2, CRC-32C, strict
 * offset deltas, decompression): one bad batch fails the partition and nothing of it is
 * stored. The records then become native messages (kf_msgmap_to_mq: key, headers, timestamp)
 * and go to the partition's queue as one PRODUCE operation, so a partition's records take
 * consecutive queue offsets under one store lock. acks=0 gets no response; acks=1 is answered
 * once stored; acks=all waits for what the broker's flushDiskType promises (the flush under
 * SYNC_FLUSH).
 *
 * Memory: record views point into the request's copy of the frame, or for a compressed batch
 * into a decompression buffer the request owns; properties strings are reserved once per batch
 * (kf_msgmap_props_len), so the views stay put. Nothing is allocated per message besides the
 * request pool's bump allocations.
 */
#include <string.h>

#include "gw_kafka_int.h"
#include "kf_batch.h"
#include "kf_msgmap.h"
#include "mq/log.h"

#define GW_KPROD_MAX_UNCOMPRESSED (64u << 20) /* a decompressed batch above this is refused */

/* A partition being produced. */
typedef struct gw_kpart_s {
    kf_produce_resp_part_t *resp;
    mq_msg_t *msgs;
    int n_msgs, cap_msgs;
    int idempotent;         /* the batches carry a producer id and sequences */
    int64_t producer_id;    /* of the first batch */
    int16_t producer_epoch; /* of the first batch */
    int32_t base_sequence;  /* of the first batch */
    int64_t next_sequence;  /* what a following batch of the same request must start with */
} gw_kpart_t;

static void
gw_kprod_buf_free(void *arg)
{
    mq_buf_fini(arg);
}

/* A buffer that lives as long as the request. */
static mq_buf_t *
gw_kprod_buf(gw_kreq_t *kr)
{
    mq_buf_t *b = mq_pcalloc(&kr->pool, sizeof(*b));
    mq_buf_init(b);
    mq_pool_cleanup_add(&kr->pool, gw_kprod_buf_free, b);
    return b;
}

/* Checks and maps one batch into part's messages; returns a Kafka error code. */
static int16_t
gw_kprod_batch(gw_kreq_t *kr, gw_kpart_t *part, const uint8_t *batch, size_t len, mq_str_t topic,
               int32_t qid, const mq_host_t *born)
{
    kf_batch_reader_t br, pass;
    kf_record_t rec;
    mq_buf_t *scratch = NULL, *props;
    size_t plen = 0;
    int rc;

    if (len > KF_BATCH_ATTR_OFFSET + 1 &&
        ((batch[KF_BATCH_ATTR_OFFSET + 1] & KF_COMPRESSION_MASK) != KF_COMPRESSION_NONE))
        scratch = gw_kprod_buf(kr);
    rc = kf_batch_open(&br, batch, len, &kr->kc->codec, scratch ? scratch : &kr->kc->scratch,
                       GW_KPROD_MAX_UNCOMPRESSED, &kr->pool, KF_BATCH_STRICT);
    if (rc != MQ_OK)
        return kf_batch_kafka_error(rc);
    if (br.info.attributes & KF_ATTR_CONTROL)
        return KF_ERR_INVALID_RECORD; /* transaction markers: transactions are not served */
    if (br.info.records_count <= 0)
        return KF_ERR_INVALID_RECORD;
    if (br.info.producer_id >= 0 && br.info.base_sequence >= 0) { /* an idempotent producer */
        if (part->n_msgs == 0) {
            part->idempotent = 1;
            part->producer_id = br.info.producer_id;
            part->producer_epoch = br.info.producer_epoch;
            part->base_sequence = br.info.base_sequence;
        } else if (!part->idempotent || br.info.producer_id != part->producer_id ||
                   br.info.base_sequence != part->next_sequence) {
            return KF_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
        }
        part->next_sequence = (int64_t)br.info.base_sequence + br.info.records_count;
    } else if (part->idempotent) {
        return KF_ERR_INVALID_RECORD;
    }
    /* Pass 1: count and size the properties strings, so that one reservation holds them. */
    pass = br;
    while ((rc = kf_batch_next(&pass, &rec)) == 1)
        plen += kf_msgmap_props_len(&rec, &br.info);
    if (rc < 0)
        return kf_batch_kafka_error(rc);
    if (part->n_msgs + br.info.records_count > part->cap_msgs) {
        int cap = part->n_msgs + br.info.records_count + 16;
        mq_msg_t *m = mq_pcalloc(&kr->pool, (size_t)cap * sizeof(*m));
        if (part->n_msgs)
            memcpy(m, part->msgs, (size_t)part->n_msgs * sizeof(*m));
        part->msgs = m;
        part->cap_msgs = cap;
    }
    props = gw_kprod_buf(kr);
    mq_buf_reserve(props, plen + 1);
    /* Pass 2: map. */
    while ((rc = kf_batch_next(&br, &rec)) == 1) {
        mq_msg_t *m = &part->msgs[part->n_msgs];
        rc = kf_msgmap_to_mq(&rec, &br.info, topic, qid, props, m);
        if (rc == MQ_ETOOBIG)
            return KF_ERR_MESSAGE_TOO_LARGE;
        if (rc != MQ_OK)
            return KF_ERR_INVALID_RECORD;
        m->born_host = *born;
        part->n_msgs++;
    }
    return rc < 0 ? kf_batch_kafka_error(rc) : KF_ERR_NONE;
}

static void
gw_kprod_done(gw_ksub_t *s, int status, const mq_rep_t *rep)
{
    gw_kpart_t *part = s->arg;
    if (status == MQ_OK) {
        part->resp->error_code =
            rep->u.produce.flush_timeout ? KF_ERR_REQUEST_TIMED_OUT : KF_ERR_NONE;
        /* a delayed record gets its partition offset when it is delivered: unknown now (-1, as
         * for acks=0) */
        part->resp->base_offset = rep->u.produce.delayed ? -1 : rep->u.produce.queue_offset;
        return;
    }
    /* A refused sequence carries Kafka's code; an unknown topic or a queue id out of range is
     * UNKNOWN_TOPIC_OR_PARTITION for Kafka. */
    if (rep && rep->detail)
        part->resp->error_code = (int16_t)rep->detail;
    else
        part->resp->error_code =
            status == MQ_EINVAL ? KF_ERR_UNKNOWN_TOPIC_OR_PARTITION : gw_kafka_error(status);
    part->resp->error_message = gw_kafka_rep_text(s->kr, rep);
}

static void
gw_kprod_partition(gw_kreq_t *kr, const kf_produce_req_part_t *in, kf_produce_resp_part_t *out,
                   mq_str_t topic, const mq_host_t *born)
{
    const kf_produce_req_t *rq = &kr->req.u.produce;
    gw_kpart_t *part = mq_pcalloc(&kr->pool, sizeof(*part));
    mq_rd_t r;
    const uint8_t *batch;
    size_t len;
    int rc;
    int32_t queue;
    gw_ksub_t *s;

    out->index = in->index;
    out->base_offset = -1;
    out->log_append_time_ms = -1;
    out->log_start_offset = -1;
    part->resp = out;
    if (!topic.p) {
        out->error_code = KF_ERR_INVALID_TOPIC_EXCEPTION;
        return;
    }
    if (rq->acks != 0 && rq->acks != 1 && rq->acks != -1) {
        out->error_code = KF_ERR_INVALID_REQUIRED_ACKS;
        return;
    }
    if (in->index < 0 || !in->records.p) {
        out->error_code =
            in->index < 0 ? KF_ERR_UNKNOWN_TOPIC_OR_PARTITION : KF_ERR_CORRUPT_MESSAGE;
        return;
    }
    if (!gw_kafka_local_queue(kr->kc->fe, topic, in->index, &queue)) {
        out->error_code = KF_ERR_NOT_LEADER_OR_FOLLOWER; /* another broker's partition */
        return;
    }
    mq_rd_init(&r, in->records.p, in->records.n);
    while ((rc = kf_batches_next(&r, &batch, &len)) == 1) {
        int16_t err = gw_kprod_batch(kr, part, batch, len, topic, in->index, born);
        if (err != KF_ERR_NONE) {
            MQ_LOG_WARN("kafka", "%s: produce to %.*s-%d refused: a bad record batch (error %d)",
                        gw_conn_peer(kr->kc->conn), (int)topic.n, topic.p, in->index, err);
            out->error_code = err;
            return;
        }
    }
    if (rc < 0 || part->n_msgs == 0) {
        out->error_code = KF_ERR_CORRUPT_MESSAGE;
        return;
    }
    s = gw_ksub_new(kr, MQ_OP_PRODUCE, gw_kprod_done, part, 0);
    s->base.u.produce.topic = topic;
    s->base.u.produce.queue_id = queue;
    s->base.u.produce.msgs = part->msgs;
    s->base.u.produce.n_msgs = part->n_msgs;
    s->base.u.produce.batch = 1;
    s->base.u.produce.max_reconsume = -1;
    s->base.u.produce.no_auto_create = 1;
    s->base.u.produce.no_wait = rq->acks != -1;
    s->base.u.produce.wait_visible = rq->acks != 0; /* acknowledged = fetchable, as in Kafka */
    s->base.u.produce.idempotent = part->idempotent;
    s->base.u.produce.producer_id = part->producer_id;
    s->base.u.produce.producer_epoch = part->producer_epoch;
    s->base.u.produce.base_sequence = part->base_sequence;
    gw_ksub_send(s, NULL);
}

void
gw_kafka_produce(gw_kreq_t *kr)
{
    const kf_produce_req_t *rq = &kr->req.u.produce;
    kf_produce_resp_t *rp = &kr->resp.u.produce;
    mq_host_t born;

    gw_conn_peer_host(kr->kc->conn, &born);
    kr->no_response = rq->acks == 0;
    rp->n_topics = rq->n_topics > 0 ? rq->n_topics : 0;
    rp->topics = mq_pcalloc(&kr->pool, (size_t)(rp->n_topics + 1) * sizeof(*rp->topics));
    for (int t = 0; t < rp->n_topics; t++) {
        const kf_produce_req_topic_t *in = &rq->topics[t];
        kf_produce_resp_topic_t *out = &rp->topics[t];
        mq_str_t rmq = gw_kafka_topic_to_rmq(kr, in->name);
        out->name = in->name;
        out->n_partitions = in->n_partitions > 0 ? in->n_partitions : 0;
        out->partitions =
            mq_pcalloc(&kr->pool, (size_t)(out->n_partitions + 1) * sizeof(*out->partitions));
        for (int p = 0; p < out->n_partitions; p++)
            gw_kprod_partition(kr, &in->partitions[p], &out->partitions[p], rmq, &born);
    }
}

void
gw_kafka_init_producer_id(gw_kreq_t *kr)
{
    const kf_init_producer_id_req_t *rq = &kr->req.u.init_producer_id;
    kf_init_producer_id_resp_t *rp = &kr->resp.u.init_producer_id;
    gw_kafka_t *fe = kr->kc->fe;
    rp->producer_id = -1;
    rp->producer_epoch = -1;
    if (rq->transactional_id.p) { /* transactions are not served (docs/kafka-compatibility.md) */
        rp->error_code = KF_ERR_COORDINATOR_NOT_AVAILABLE;
        return;
    }
    if (rq->producer_id >= 0) { /* v3+: an existing producer bumps its epoch */
        rp->producer_id = rq->producer_id;
        rp->producer_epoch =
            (int16_t)(rq->producer_epoch >= 0 && rq->producer_epoch < 32767 ? rq->producer_epoch + 1
                                                                            : 0);
        return;
    }
    rp->producer_id = fe->next_producer_id++;
    rp->producer_epoch = 0;
}
