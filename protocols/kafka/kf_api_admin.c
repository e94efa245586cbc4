/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_api_admin.c -- topic administration: CreateTopics (19), DeleteTopics (20) and
 * CreatePartitions (37): request decoders and response encoders (kafka-protocol.md section 5).
 */
#include "kf_int.h"

/* ---------------------------------------------------------------------------------------------
 * CreateTopics
 * ------------------------------------------------------------------------------------------- */

int
kf_create_topics_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_create_topics_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_CreateTopics, ver);
    if (rc)
        return rc;
    req->n_topics = KF_RD_ARRAY(r, pool, r->flex ? 10 : 16, req->topics);
    for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++) {
        kf_create_topic_t *t = &req->topics[i];
        t->name = kf_rd_string(r);
        t->num_partitions = mq_rd_i32(r);
        t->replication_factor = mq_rd_i16(r);
        t->n_assignments = KF_RD_ARRAY(r, pool, r->flex ? 6 : 8, t->assignments);
        for (int32_t j = 0; j < t->n_assignments && mq_rd_ok(r); j++) {
            t->assignments[j].partition_index = mq_rd_i32(r);
            kf_rd_i32s(r, pool, &t->assignments[j].broker_ids);
            kf_rd_tags(r);
        }
        t->n_configs = KF_RD_ARRAY(r, pool, r->flex ? 3 : 4, t->configs);
        for (int32_t j = 0; j < t->n_configs && mq_rd_ok(r); j++) {
            t->configs[j].name = kf_rd_string(r);
            t->configs[j].value = kf_rd_string(r);
            kf_rd_tags(r);
        }
        kf_rd_tags(r);
    }
    if (req->n_topics < 0)
        mq_rd_fail(r, MQ_EPROTO);
    req->timeout_ms = mq_rd_i32(r);
    if (ver >= 1)
        req->validate_only = kf_rd_bool(r);
    return kf_req_end(r);
}

int
kf_create_topics_resp_encode(mq_wr_t *w, int16_t ver, const kf_create_topics_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_CreateTopics, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 2)
        mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_array(w, fx, MQ_MAX(resp->n_topics, 0));
    for (int32_t i = 0; i < resp->n_topics; i++) {
        const kf_created_topic_t *t = &resp->topics[i];
        kf_wr_string(w, fx, kf_nn(t->name));
        if (ver >= 7)
            kf_wr_uuid(w, &t->topic_id);
        mq_wr_i16(w, t->error_code);
        if (ver >= 1)
            kf_wr_string(w, fx, t->error_message);
        if (ver >= 5) {
            mq_wr_i32(w, t->num_partitions);
            mq_wr_i16(w, t->replication_factor);
            kf_wr_array(w, fx, t->n_configs < 0 ? -1 : t->n_configs);
            for (int32_t j = 0; j < t->n_configs; j++) {
                const kf_created_config_t *c = &t->configs[j];
                kf_wr_string(w, fx, kf_nn(c->name));
                kf_wr_string(w, fx, c->value);
                mq_wr_u8(w, c->read_only);
                kf_wr_i8(w, c->config_source);
                mq_wr_u8(w, c->is_sensitive);
                kf_wr_tags(w, fx);
            }
        }
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * DeleteTopics
 * ------------------------------------------------------------------------------------------- */

int
kf_delete_topics_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_delete_topics_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_DeleteTopics, ver);
    if (rc)
        return rc;
    if (ver >= 6) {
        req->n_topics = KF_RD_ARRAY(r, pool, 18, req->topics);
        for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++) {
            req->topics[i].name = kf_rd_string(r);
            req->topics[i].topic_id = kf_rd_uuid(r);
            kf_rd_tags(r);
        }
    } else {
        req->n_topics = KF_RD_ARRAY(r, pool, r->flex ? 1 : 2, req->topics);
        for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++)
            req->topics[i].name = kf_rd_string(r);
    }
    if (req->n_topics < 0)
        mq_rd_fail(r, MQ_EPROTO);
    req->timeout_ms = mq_rd_i32(r);
    return kf_req_end(r);
}

int
kf_delete_topics_resp_encode(mq_wr_t *w, int16_t ver, const kf_delete_topics_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_DeleteTopics, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_array(w, fx, MQ_MAX(resp->n_responses, 0));
    for (int32_t i = 0; i < resp->n_responses; i++) {
        const kf_deleted_topic_t *t = &resp->responses[i];
        kf_wr_string(w, fx, ver >= 6 ? t->name : kf_nn(t->name));
        if (ver >= 6)
            kf_wr_uuid(w, &t->topic_id);
        mq_wr_i16(w, t->error_code);
        if (ver >= 5)
            kf_wr_string(w, fx, t->error_message);
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * CreatePartitions
 * ------------------------------------------------------------------------------------------- */

int
kf_create_partitions_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool,
                                kf_create_partitions_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_CreatePartitions, ver);
    if (rc)
        return rc;
    req->n_topics = KF_RD_ARRAY(r, pool, r->flex ? 7 : 10, req->topics);
    for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++) {
        kf_create_partitions_topic_t *t = &req->topics[i];
        t->name = kf_rd_string(r);
        t->count = mq_rd_i32(r);
        t->n_assignments = KF_RD_ARRAY(r, pool, r->flex ? 2 : 4, t->assignments);
        for (int32_t j = 0; j < t->n_assignments && mq_rd_ok(r); j++) {
            kf_rd_i32s(r, pool, &t->assignments[j]);
            kf_rd_tags(r);
        }
        kf_rd_tags(r);
    }
    if (req->n_topics < 0)
        mq_rd_fail(r, MQ_EPROTO);
    req->timeout_ms = mq_rd_i32(r);
    req->validate_only = kf_rd_bool(r);
    return kf_req_end(r);
}

int
kf_create_partitions_resp_encode(mq_wr_t *w, int16_t ver, const kf_create_partitions_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_CreatePartitions, ver, &fx);
    if (rc)
        return rc;
    mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_array(w, fx, MQ_MAX(resp->n_results, 0));
    for (int32_t i = 0; i < resp->n_results; i++) {
        kf_wr_string(w, fx, kf_nn(resp->results[i].name));
        mq_wr_i16(w, resp->results[i].error_code);
        kf_wr_string(w, fx, resp->results[i].error_message);
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}
