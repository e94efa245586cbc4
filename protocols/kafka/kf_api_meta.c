/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_api_meta.c -- ApiVersions (18), Metadata (3), DescribeCluster (60) and DescribeConfigs
 * (32): request decoders and response encoders (kafka-protocol.md sections 4.1 and 5).
 */
#include "kf_int.h"

/* ---------------------------------------------------------------------------------------------
 * ApiVersions
 * ------------------------------------------------------------------------------------------- */

int
kf_api_versions_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_api_versions_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_ApiVersions, ver);
    if (rc)
        return rc;
    if (ver >= 3) {
        req->client_software_name = kf_rd_string(r);
        req->client_software_version = kf_rd_string(r);
    }
    return kf_req_end(r);
}

int
kf_api_versions_resp_encode(mq_wr_t *w, int16_t ver, const kf_api_versions_resp_t *resp)
{
    int fx, n, rc = kf_resp_begin(KF_API_ApiVersions, ver, &fx);
    const kf_api_info_t *t = kf_api_table(&n);
    if (rc)
        return rc;
    mq_wr_i16(w, resp->error_code);
    kf_wr_array(w, fx, n);
    for (int i = 0; i < n; i++) {
        mq_wr_i16(w, t[i].key);
        mq_wr_i16(w, t[i].adv_min);
        mq_wr_i16(w, t[i].adv_max);
        kf_wr_tags(w, fx);
    }
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * Metadata
 * ------------------------------------------------------------------------------------------- */

int
kf_metadata_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_metadata_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_Metadata, ver);
    if (rc)
        return rc;
    req->n_topics = KF_RD_ARRAY(r, pool, ver >= 10 ? 18 : 2, req->topics);
    if (ver == 0 && req->n_topics == 0)
        req->n_topics = -1; /* v0: empty means all */
    for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++) {
        if (ver >= 10)
            req->topics[i].topic_id = kf_rd_uuid(r);
        req->topics[i].name = kf_rd_string(r);
        kf_rd_tags(r);
    }
    req->allow_auto_topic_creation = ver >= 4 ? kf_rd_bool(r) : 1;
    if (ver >= 8 && ver <= 10)
        req->include_cluster_authorized_operations = kf_rd_bool(r);
    if (ver >= 8)
        req->include_topic_authorized_operations = kf_rd_bool(r);
    return kf_req_end(r);
}

int
kf_metadata_resp_encode(mq_wr_t *w, int16_t ver, const kf_metadata_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_Metadata, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 3)
        mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_array(w, fx, MQ_MAX(resp->n_brokers, 0));
    for (int32_t i = 0; i < resp->n_brokers; i++) {
        const kf_broker_t *b = &resp->brokers[i];
        mq_wr_i32(w, b->node_id);
        kf_wr_string(w, fx, kf_nn(b->host));
        mq_wr_i32(w, b->port);
        if (ver >= 1)
            kf_wr_string(w, fx, b->rack);
        kf_wr_tags(w, fx);
    }
    if (ver >= 2)
        kf_wr_string(w, fx, resp->cluster_id);
    if (ver >= 1)
        mq_wr_i32(w, resp->controller_id);
    kf_wr_array(w, fx, MQ_MAX(resp->n_topics, 0));
    for (int32_t i = 0; i < resp->n_topics; i++) {
        const kf_metadata_resp_topic_t *t = &resp->topics[i];
        mq_wr_i16(w, t->error_code);
        kf_wr_string(w, fx, ver >= 12 ? t->name : kf_nn(t->name));
        if (ver >= 10)
            kf_wr_uuid(w, &t->topic_id);
        if (ver >= 1)
            mq_wr_u8(w, t->is_internal);
        kf_wr_array(w, fx, MQ_MAX(t->n_partitions, 0));
        for (int32_t j = 0; j < t->n_partitions; j++) {
            const kf_metadata_resp_part_t *p = &t->partitions[j];
            kf_i32s_t none = {NULL, 0};
            mq_wr_i16(w, p->error_code);
            mq_wr_i32(w, p->partition_index);
            mq_wr_i32(w, p->leader_id);
            if (ver >= 7)
                mq_wr_i32(w, p->leader_epoch);
            kf_wr_i32s(w, fx, p->replica_nodes.n >= 0 ? &p->replica_nodes : &none);
            kf_wr_i32s(w, fx, p->isr_nodes.n >= 0 ? &p->isr_nodes : &none);
            if (ver >= 5)
                kf_wr_i32s(w, fx, p->offline_replicas.n >= 0 ? &p->offline_replicas : &none);
            kf_wr_tags(w, fx);
        }
        if (ver >= 8)
            mq_wr_i32(w, t->topic_authorized_operations);
        kf_wr_tags(w, fx);
    }
    if (ver >= 8 && ver <= 10)
        mq_wr_i32(w, resp->cluster_authorized_operations);
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * DescribeCluster
 * ------------------------------------------------------------------------------------------- */

int
kf_describe_cluster_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool,
                               kf_describe_cluster_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_DescribeCluster, ver);
    if (rc)
        return rc;
    req->include_cluster_authorized_operations = kf_rd_bool(r);
    req->endpoint_type = ver >= 1 ? mq_rd_i8(r) : 1;
    return kf_req_end(r);
}

int
kf_describe_cluster_resp_encode(mq_wr_t *w, int16_t ver, const kf_describe_cluster_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_DescribeCluster, ver, &fx);
    if (rc)
        return rc;
    mq_wr_i32(w, resp->throttle_time_ms);
    mq_wr_i16(w, resp->error_code);
    kf_wr_string(w, fx, resp->error_message);
    if (ver >= 1)
        kf_wr_i8(w, resp->endpoint_type ? resp->endpoint_type : 1);
    kf_wr_string(w, fx, kf_nn(resp->cluster_id));
    mq_wr_i32(w, resp->controller_id);
    kf_wr_array(w, fx, MQ_MAX(resp->n_brokers, 0));
    for (int32_t i = 0; i < resp->n_brokers; i++) {
        const kf_broker_t *b = &resp->brokers[i];
        mq_wr_i32(w, b->node_id);
        kf_wr_string(w, fx, kf_nn(b->host));
        mq_wr_i32(w, b->port);
        kf_wr_string(w, fx, b->rack);
        kf_wr_tags(w, fx);
    }
    mq_wr_i32(w, resp->cluster_authorized_operations);
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * DescribeConfigs
 * ------------------------------------------------------------------------------------------- */

int
kf_describe_configs_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool,
                               kf_describe_configs_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_DescribeConfigs, ver);
    if (rc)
        return rc;
    req->n_resources = KF_RD_ARRAY(r, pool, r->flex ? 4 : 7, req->resources);
    for (int32_t i = 0; i < req->n_resources && mq_rd_ok(r); i++) {
        kf_config_resource_t *res = &req->resources[i];
        res->resource_type = mq_rd_i8(r);
        res->resource_name = kf_rd_string(r);
        kf_rd_strs(r, pool, &res->configuration_keys);
        kf_rd_tags(r);
    }
    if (ver >= 1)
        req->include_synonyms = kf_rd_bool(r);
    if (ver >= 3)
        req->include_documentation = kf_rd_bool(r);
    return kf_req_end(r);
}

int
kf_describe_configs_resp_encode(mq_wr_t *w, int16_t ver, const kf_describe_configs_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_DescribeConfigs, ver, &fx);
    if (rc)
        return rc;
    mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_array(w, fx, MQ_MAX(resp->n_results, 0));
    for (int32_t i = 0; i < resp->n_results; i++) {
        const kf_config_result_t *res = &resp->results[i];
        mq_wr_i16(w, res->error_code);
        kf_wr_string(w, fx, res->error_message);
        kf_wr_i8(w, res->resource_type);
        kf_wr_string(w, fx, kf_nn(res->resource_name));
        kf_wr_array(w, fx, MQ_MAX(res->n_configs, 0));
        for (int32_t j = 0; j < res->n_configs; j++) {
            const kf_config_entry_t *c = &res->configs[j];
            kf_wr_string(w, fx, kf_nn(c->name));
            kf_wr_string(w, fx, c->value);
            mq_wr_u8(w, c->read_only);
            if (ver == 0)
                mq_wr_u8(w, c->is_default);
            else
                kf_wr_i8(w, c->config_source);
            mq_wr_u8(w, c->is_sensitive);
            if (ver >= 1) {
                kf_wr_array(w, fx, MQ_MAX(c->n_synonyms, 0));
                for (int32_t k = 0; k < c->n_synonyms; k++) {
                    kf_wr_string(w, fx, kf_nn(c->synonyms[k].name));
                    kf_wr_string(w, fx, c->synonyms[k].value);
                    kf_wr_i8(w, c->synonyms[k].source);
                    kf_wr_tags(w, fx);
                }
            }
            if (ver >= 3) {
                kf_wr_i8(w, c->config_type);
                kf_wr_string(w, fx, c->documentation);
            }
            kf_wr_tags(w, fx);
        }
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}
