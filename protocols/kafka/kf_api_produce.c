/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_api_produce.c -- Produce (0) and InitProducerId (22): request decoders and response
 * encoders (kafka-protocol.md sections 5 and 9). The records of a partition stay one opaque
 * view here; kf_batch.h reads them.
 */
#include "kf_int.h"

/* ---------------------------------------------------------------------------------------------
 * Produce
 * ------------------------------------------------------------------------------------------- */

int
kf_produce_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_produce_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_Produce, ver);
    if (rc)
        return rc;
    req->transactional_id = kf_rd_string(r);
    req->acks = mq_rd_i16(r);
    req->timeout_ms = mq_rd_i32(r);
    req->n_topics = KF_RD_ARRAY(r, pool, r->flex ? 3 : 6, req->topics);
    for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++) {
        kf_produce_req_topic_t *t = &req->topics[i];
        t->name = kf_rd_string(r);
        t->n_partitions = KF_RD_ARRAY(r, pool, r->flex ? 6 : 8, t->partitions);
        for (int32_t j = 0; j < t->n_partitions && mq_rd_ok(r); j++) {
            t->partitions[j].index = mq_rd_i32(r);
            t->partitions[j].records = kf_rd_bytes(r);
            kf_rd_tags(r);
        }
        if (t->n_partitions < 0)
            mq_rd_fail(r, MQ_EPROTO);
        kf_rd_tags(r);
    }
    if (req->n_topics < 0)
        mq_rd_fail(r, MQ_EPROTO);
    return kf_req_end(r);
}

int
kf_produce_resp_encode(mq_wr_t *w, int16_t ver, const kf_produce_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_Produce, ver, &fx);
    if (rc)
        return rc;
    kf_wr_array(w, fx, MQ_MAX(resp->n_topics, 0));
    for (int32_t i = 0; i < resp->n_topics; i++) {
        const kf_produce_resp_topic_t *t = &resp->topics[i];
        kf_wr_string(w, fx, kf_nn(t->name));
        kf_wr_array(w, fx, MQ_MAX(t->n_partitions, 0));
        for (int32_t j = 0; j < t->n_partitions; j++) {
            const kf_produce_resp_part_t *p = &t->partitions[j];
            mq_wr_i32(w, p->index);
            mq_wr_i16(w, p->error_code);
            mq_wr_i64(w, p->base_offset);
            if (ver >= 2)
                mq_wr_i64(w, p->log_append_time_ms);
            if (ver >= 5)
                mq_wr_i64(w, p->log_start_offset);
            if (ver >= 8) {
                kf_wr_array(w, fx, MQ_MAX(p->n_record_errors, 0));
                for (int32_t k = 0; k < p->n_record_errors; k++) {
                    mq_wr_i32(w, p->record_errors[k].batch_index);
                    kf_wr_string(w, fx, p->record_errors[k].batch_index_error_message);
                    kf_wr_tags(w, fx);
                }
                kf_wr_string(w, fx, p->error_message);
            }
            kf_wr_tags(w, fx);
        }
        kf_wr_tags(w, fx);
    }
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * InitProducerId
 * ------------------------------------------------------------------------------------------- */

int
kf_init_producer_id_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool,
                               kf_init_producer_id_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_InitProducerId, ver);
    if (rc)
        return rc;
    req->transactional_id = kf_rd_string(r);
    req->transaction_timeout_ms = mq_rd_i32(r);
    req->producer_id = -1;
    req->producer_epoch = -1;
    if (ver >= 3) {
        req->producer_id = mq_rd_i64(r);
        req->producer_epoch = mq_rd_i16(r);
    }
    return kf_req_end(r);
}

int
kf_init_producer_id_resp_encode(mq_wr_t *w, int16_t ver, const kf_init_producer_id_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_InitProducerId, ver, &fx);
    if (rc)
        return rc;
    mq_wr_i32(w, resp->throttle_time_ms);
    mq_wr_i16(w, resp->error_code);
    mq_wr_i64(w, resp->producer_id);
    mq_wr_i16(w, resp->producer_epoch);
    return kf_resp_end(w, fx);
}
