/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_api_fetch.c -- Fetch (1) and ListOffsets (2): request decoders and response encoders
 * (kafka-protocol.md sections 5 and 8). Fetch records are an opaque view of whole batches the
 * caller assembled.
 */
#include "kf_int.h"

/* ---------------------------------------------------------------------------------------------
 * Fetch
 * ------------------------------------------------------------------------------------------- */

int
kf_fetch_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_fetch_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_Fetch, ver);
    if (rc)
        return rc;
    req->replica_id = mq_rd_i32(r);
    req->max_wait_ms = mq_rd_i32(r);
    req->min_bytes = mq_rd_i32(r);
    req->max_bytes = ver >= 3 ? mq_rd_i32(r) : INT32_MAX;
    req->isolation_level = ver >= 4 ? mq_rd_i8(r) : 0;
    req->session_epoch = -1;
    if (ver >= 7) {
        req->session_id = mq_rd_i32(r);
        req->session_epoch = mq_rd_i32(r);
    }
    req->n_topics = KF_RD_ARRAY(r, pool, r->flex ? 3 : 6, req->topics);
    for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++) {
        kf_fetch_req_topic_t *t = &req->topics[i];
        t->topic = kf_rd_string(r);
        t->n_partitions = KF_RD_ARRAY(r, pool, 16, t->partitions);
        for (int32_t j = 0; j < t->n_partitions && mq_rd_ok(r); j++) {
            kf_fetch_req_part_t *p = &t->partitions[j];
            p->partition = mq_rd_i32(r);
            p->current_leader_epoch = ver >= 9 ? mq_rd_i32(r) : -1;
            p->fetch_offset = mq_rd_i64(r);
            p->last_fetched_epoch = ver >= 12 ? mq_rd_i32(r) : -1;
            p->log_start_offset = ver >= 5 ? mq_rd_i64(r) : -1;
            p->partition_max_bytes = mq_rd_i32(r);
            kf_rd_tags(r);
        }
        if (t->n_partitions < 0)
            mq_rd_fail(r, MQ_EPROTO);
        kf_rd_tags(r);
    }
    if (req->n_topics < 0)
        mq_rd_fail(r, MQ_EPROTO);
    if (ver >= 7) {
        req->n_forgotten_topics_data =
            KF_RD_ARRAY(r, pool, r->flex ? 3 : 6, req->forgotten_topics_data);
        for (int32_t i = 0; i < req->n_forgotten_topics_data && mq_rd_ok(r); i++) {
            req->forgotten_topics_data[i].topic = kf_rd_string(r);
            kf_rd_i32s(r, pool, &req->forgotten_topics_data[i].partitions);
            kf_rd_tags(r);
        }
    }
    if (ver >= 11)
        req->rack_id = kf_rd_string(r);
    return kf_req_end(r);
}

int
kf_fetch_resp_encode(mq_wr_t *w, int16_t ver, const kf_fetch_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_Fetch, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    if (ver >= 7) {
        mq_wr_i16(w, resp->error_code);
        mq_wr_i32(w, resp->session_id);
    }
    kf_wr_array(w, fx, MQ_MAX(resp->n_topics, 0));
    for (int32_t i = 0; i < resp->n_topics; i++) {
        const kf_fetch_resp_topic_t *t = &resp->topics[i];
        kf_wr_string(w, fx, kf_nn(t->topic));
        kf_wr_array(w, fx, MQ_MAX(t->n_partitions, 0));
        for (int32_t j = 0; j < t->n_partitions; j++) {
            const kf_fetch_resp_part_t *p = &t->partitions[j];
            mq_wr_i32(w, p->partition_index);
            mq_wr_i16(w, p->error_code);
            mq_wr_i64(w, p->high_watermark);
            if (ver >= 4)
                mq_wr_i64(w, p->last_stable_offset);
            if (ver >= 5)
                mq_wr_i64(w, p->log_start_offset);
            if (ver >= 4) {
                kf_wr_array(w, fx, p->n_aborted_transactions < 0 ? -1 : p->n_aborted_transactions);
                for (int32_t k = 0; k < p->n_aborted_transactions; k++) {
                    mq_wr_i64(w, p->aborted_transactions[k].producer_id);
                    mq_wr_i64(w, p->aborted_transactions[k].first_offset);
                    kf_wr_tags(w, fx);
                }
            }
            if (ver >= 11)
                mq_wr_i32(w, p->preferred_read_replica);
            kf_wr_bytes(w, fx, p->records);
            kf_wr_tags(w, fx);
        }
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * ListOffsets
 * ------------------------------------------------------------------------------------------- */

int
kf_list_offsets_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_list_offsets_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_ListOffsets, ver);
    if (rc)
        return rc;
    req->replica_id = mq_rd_i32(r);
    req->isolation_level = ver >= 2 ? mq_rd_i8(r) : 0;
    req->n_topics = KF_RD_ARRAY(r, pool, r->flex ? 3 : 6, req->topics);
    for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++) {
        kf_list_offsets_req_topic_t *t = &req->topics[i];
        t->name = kf_rd_string(r);
        t->n_partitions = KF_RD_ARRAY(r, pool, 12, t->partitions);
        for (int32_t j = 0; j < t->n_partitions && mq_rd_ok(r); j++) {
            kf_list_offsets_req_part_t *p = &t->partitions[j];
            p->partition_index = mq_rd_i32(r);
            p->current_leader_epoch = ver >= 4 ? mq_rd_i32(r) : -1;
            p->timestamp = mq_rd_i64(r);
            p->max_num_offsets = ver == 0 ? mq_rd_i32(r) : 1;
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
kf_list_offsets_resp_encode(mq_wr_t *w, int16_t ver, const kf_list_offsets_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_ListOffsets, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 2)
        mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_array(w, fx, MQ_MAX(resp->n_topics, 0));
    for (int32_t i = 0; i < resp->n_topics; i++) {
        const kf_list_offsets_resp_topic_t *t = &resp->topics[i];
        kf_wr_string(w, fx, kf_nn(t->name));
        kf_wr_array(w, fx, MQ_MAX(t->n_partitions, 0));
        for (int32_t j = 0; j < t->n_partitions; j++) {
            const kf_list_offsets_resp_part_t *p = &t->partitions[j];
            mq_wr_i32(w, p->partition_index);
            mq_wr_i16(w, p->error_code);
            if (ver == 0) {
                int has = p->error_code == 0 && p->offset >= 0;
                kf_wr_array(w, fx, has);
                if (has)
                    mq_wr_i64(w, p->offset);
            } else {
                mq_wr_i64(w, p->timestamp);
                mq_wr_i64(w, p->offset);
            }
            if (ver >= 4)
                mq_wr_i32(w, p->leader_epoch);
            kf_wr_tags(w, fx);
        }
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}
