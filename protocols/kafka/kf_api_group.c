/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_api_group.c -- the classic group coordinator's APIs: FindCoordinator (10), JoinGroup
 * (11), SyncGroup (14), Heartbeat (12), LeaveGroup (13), OffsetCommit (8), OffsetFetch (9),
 * ListGroups (16), DescribeGroups (15) and DeleteGroups (42): request decoders and response
 * encoders (kafka-protocol.md sections 5 and 11).
 */
#include "kf_int.h"

/* ---------------------------------------------------------------------------------------------
 * FindCoordinator
 * ------------------------------------------------------------------------------------------- */

int
kf_find_coordinator_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool,
                               kf_find_coordinator_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_FindCoordinator, ver);
    if (rc)
        return rc;
    if (ver <= 3) {
        req->coordinator_keys.v = mq_pcalloc(pool, sizeof(mq_str_t));
        req->coordinator_keys.n = 1;
        req->coordinator_keys.v[0] = kf_rd_string(r);
        req->key_type = ver >= 1 ? mq_rd_i8(r) : 0;
    } else {
        req->key_type = mq_rd_i8(r);
        kf_rd_strs(r, pool, &req->coordinator_keys);
        if (req->coordinator_keys.n < 0)
            mq_rd_fail(r, MQ_EPROTO);
    }
    return kf_req_end(r);
}

int
kf_find_coordinator_resp_encode(mq_wr_t *w, int16_t ver, const kf_find_coordinator_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_FindCoordinator, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    if (ver <= 3) {
        kf_coordinator_t none = {MQ_STR_NULL, -1, MQ_STR(""), -1, resp->error_code, MQ_STR_NULL};
        const kf_coordinator_t *c = resp->n_coordinators > 0 ? &resp->coordinators[0] : &none;
        mq_wr_i16(w, c->error_code);
        if (ver >= 1)
            kf_wr_string(w, fx, c->error_message);
        mq_wr_i32(w, c->node_id);
        kf_wr_string(w, fx, kf_nn(c->host));
        mq_wr_i32(w, c->port);
    } else {
        kf_wr_array(w, fx, MQ_MAX(resp->n_coordinators, 0));
        for (int32_t i = 0; i < resp->n_coordinators; i++) {
            const kf_coordinator_t *c = &resp->coordinators[i];
            kf_wr_string(w, fx, kf_nn(c->key));
            mq_wr_i32(w, c->node_id);
            kf_wr_string(w, fx, kf_nn(c->host));
            mq_wr_i32(w, c->port);
            mq_wr_i16(w, c->error_code);
            kf_wr_string(w, fx, c->error_message);
            kf_wr_tags(w, fx);
        }
    }
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup
 * ------------------------------------------------------------------------------------------- */

int
kf_join_group_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_join_group_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_JoinGroup, ver);
    if (rc)
        return rc;
    req->group_id = kf_rd_string(r);
    req->session_timeout_ms = mq_rd_i32(r);
    req->rebalance_timeout_ms = ver >= 1 ? mq_rd_i32(r) : req->session_timeout_ms;
    req->member_id = kf_rd_string(r);
    if (ver >= 5)
        req->group_instance_id = kf_rd_string(r);
    req->protocol_type = kf_rd_string(r);
    req->n_protocols = KF_RD_ARRAY(r, pool, r->flex ? 3 : 6, req->protocols);
    for (int32_t i = 0; i < req->n_protocols && mq_rd_ok(r); i++) {
        req->protocols[i].name = kf_rd_string(r);
        req->protocols[i].metadata = kf_rd_bytes(r);
        kf_rd_tags(r);
    }
    if (ver >= 8)
        req->reason = kf_rd_string(r);
    return kf_req_end(r);
}

int
kf_join_group_resp_encode(mq_wr_t *w, int16_t ver, const kf_join_group_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_JoinGroup, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 2)
        mq_wr_i32(w, resp->throttle_time_ms);
    mq_wr_i16(w, resp->error_code);
    mq_wr_i32(w, resp->generation_id);
    if (ver >= 7)
        kf_wr_string(w, fx, resp->protocol_type);
    kf_wr_string(w, fx, ver >= 7 ? resp->protocol_name : kf_nn(resp->protocol_name));
    kf_wr_string(w, fx, kf_nn(resp->leader));
    if (ver >= 9)
        mq_wr_u8(w, resp->skip_assignment);
    kf_wr_string(w, fx, kf_nn(resp->member_id));
    kf_wr_array(w, fx, MQ_MAX(resp->n_members, 0));
    for (int32_t i = 0; i < resp->n_members; i++) {
        const kf_join_member_t *m = &resp->members[i];
        kf_wr_string(w, fx, kf_nn(m->member_id));
        if (ver >= 5)
            kf_wr_string(w, fx, m->group_instance_id);
        kf_wr_bytes(w, fx, kf_nn(m->metadata));
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}

int
kf_sync_group_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_sync_group_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_SyncGroup, ver);
    if (rc)
        return rc;
    req->group_id = kf_rd_string(r);
    req->generation_id = mq_rd_i32(r);
    req->member_id = kf_rd_string(r);
    if (ver >= 3)
        req->group_instance_id = kf_rd_string(r);
    if (ver >= 5) {
        req->protocol_type = kf_rd_string(r);
        req->protocol_name = kf_rd_string(r);
    }
    req->n_assignments = KF_RD_ARRAY(r, pool, r->flex ? 3 : 6, req->assignments);
    for (int32_t i = 0; i < req->n_assignments && mq_rd_ok(r); i++) {
        req->assignments[i].member_id = kf_rd_string(r);
        req->assignments[i].assignment = kf_rd_bytes(r);
        kf_rd_tags(r);
    }
    return kf_req_end(r);
}

int
kf_sync_group_resp_encode(mq_wr_t *w, int16_t ver, const kf_sync_group_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_SyncGroup, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    mq_wr_i16(w, resp->error_code);
    if (ver >= 5) {
        kf_wr_string(w, fx, resp->protocol_type);
        kf_wr_string(w, fx, resp->protocol_name);
    }
    kf_wr_bytes(w, fx, kf_nn(resp->assignment));
    return kf_resp_end(w, fx);
}

int
kf_heartbeat_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_heartbeat_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_Heartbeat, ver);
    if (rc)
        return rc;
    req->group_id = kf_rd_string(r);
    req->generation_id = mq_rd_i32(r);
    req->member_id = kf_rd_string(r);
    if (ver >= 3)
        req->group_instance_id = kf_rd_string(r);
    return kf_req_end(r);
}

int
kf_heartbeat_resp_encode(mq_wr_t *w, int16_t ver, const kf_heartbeat_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_Heartbeat, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    mq_wr_i16(w, resp->error_code);
    return kf_resp_end(w, fx);
}

int
kf_leave_group_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_leave_group_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_LeaveGroup, ver);
    if (rc)
        return rc;
    req->group_id = kf_rd_string(r);
    if (ver <= 2) {
        req->members = mq_pcalloc(pool, sizeof(*req->members));
        req->n_members = 1;
        req->members[0].member_id = kf_rd_string(r);
    } else {
        req->n_members = KF_RD_ARRAY(r, pool, r->flex ? 3 : 4, req->members);
        for (int32_t i = 0; i < req->n_members && mq_rd_ok(r); i++) {
            req->members[i].member_id = kf_rd_string(r);
            req->members[i].group_instance_id = kf_rd_string(r);
            if (ver >= 5)
                req->members[i].reason = kf_rd_string(r);
            kf_rd_tags(r);
        }
    }
    return kf_req_end(r);
}

int
kf_leave_group_resp_encode(mq_wr_t *w, int16_t ver, const kf_leave_group_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_LeaveGroup, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    mq_wr_i16(w, resp->error_code);
    if (ver >= 3) {
        kf_wr_array(w, fx, MQ_MAX(resp->n_members, 0));
        for (int32_t i = 0; i < resp->n_members; i++) {
            kf_wr_string(w, fx, kf_nn(resp->members[i].member_id));
            kf_wr_string(w, fx, resp->members[i].group_instance_id);
            mq_wr_i16(w, resp->members[i].error_code);
            kf_wr_tags(w, fx);
        }
    }
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * OffsetCommit, OffsetFetch
 * ------------------------------------------------------------------------------------------- */

int
kf_offset_commit_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_offset_commit_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_OffsetCommit, ver);
    if (rc)
        return rc;
    req->group_id = kf_rd_string(r);
    req->generation_id_or_member_epoch = -1;
    req->retention_time_ms = -1;
    if (ver >= 1) {
        req->generation_id_or_member_epoch = mq_rd_i32(r);
        req->member_id = kf_rd_string(r);
    }
    if (ver >= 7)
        req->group_instance_id = kf_rd_string(r);
    if (ver >= 2 && ver <= 4)
        req->retention_time_ms = mq_rd_i64(r);
    req->n_topics = KF_RD_ARRAY(r, pool, r->flex ? 3 : 6, req->topics);
    for (int32_t i = 0; i < req->n_topics && mq_rd_ok(r); i++) {
        kf_offset_commit_req_topic_t *t = &req->topics[i];
        t->name = kf_rd_string(r);
        t->n_partitions = KF_RD_ARRAY(r, pool, 13, t->partitions);
        for (int32_t j = 0; j < t->n_partitions && mq_rd_ok(r); j++) {
            kf_offset_commit_req_part_t *p = &t->partitions[j];
            p->partition_index = mq_rd_i32(r);
            p->committed_offset = mq_rd_i64(r);
            p->committed_leader_epoch = ver >= 6 ? mq_rd_i32(r) : -1;
            p->commit_timestamp = ver == 1 ? mq_rd_i64(r) : -1;
            p->committed_metadata = kf_rd_string(r);
            kf_rd_tags(r);
        }
        kf_rd_tags(r);
    }
    return kf_req_end(r);
}

/* [name, [partition_index, error_code]] as OffsetCommit answers (shared with TxnOffsetCommit
 * layouts should they come). */
static void
kf_wr_topic_part_errors(mq_wr_t *w, int fx, const kf_topic_part_errors_t *t, int32_t n)
{
    kf_wr_array(w, fx, MQ_MAX(n, 0));
    for (int32_t i = 0; i < n; i++) {
        kf_wr_string(w, fx, kf_nn(t[i].name));
        kf_wr_array(w, fx, MQ_MAX(t[i].n_partitions, 0));
        for (int32_t j = 0; j < t[i].n_partitions; j++) {
            mq_wr_i32(w, t[i].partitions[j].partition_index);
            mq_wr_i16(w, t[i].partitions[j].error_code);
            kf_wr_tags(w, fx);
        }
        kf_wr_tags(w, fx);
    }
}

int
kf_offset_commit_resp_encode(mq_wr_t *w, int16_t ver, const kf_offset_commit_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_OffsetCommit, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 3)
        mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_topic_part_errors(w, fx, resp->topics, resp->n_topics);
    return kf_resp_end(w, fx);
}

static void
kf_rd_offset_fetch_topics(mq_rd_t *r, mq_pool_t *pool, kf_offset_fetch_req_group_t *g)
{
    g->n_topics = KF_RD_ARRAY(r, pool, r->flex ? 3 : 6, g->topics);
    for (int32_t i = 0; i < g->n_topics && mq_rd_ok(r); i++) {
        g->topics[i].name = kf_rd_string(r);
        kf_rd_i32s(r, pool, &g->topics[i].partition_indexes);
        kf_rd_tags(r);
    }
}

int
kf_offset_fetch_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_offset_fetch_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_OffsetFetch, ver);
    if (rc)
        return rc;
    if (ver <= 7) {
        kf_offset_fetch_req_group_t *g = mq_pcalloc(pool, sizeof(*g));
        req->groups = g;
        req->n_groups = 1;
        g->group_id = kf_rd_string(r);
        g->member_epoch = -1;
        kf_rd_offset_fetch_topics(r, pool, g);
        if (ver < 2 && g->n_topics < 0)
            mq_rd_fail(r, MQ_EPROTO);
    } else {
        req->n_groups = KF_RD_ARRAY(r, pool, 3, req->groups);
        for (int32_t i = 0; i < req->n_groups && mq_rd_ok(r); i++) {
            kf_offset_fetch_req_group_t *g = &req->groups[i];
            g->group_id = kf_rd_string(r);
            g->member_epoch = -1;
            if (ver >= 9) {
                g->member_id = kf_rd_string(r);
                g->member_epoch = mq_rd_i32(r);
            }
            kf_rd_offset_fetch_topics(r, pool, g);
            kf_rd_tags(r);
        }
    }
    if (ver >= 7)
        req->require_stable = kf_rd_bool(r);
    return kf_req_end(r);
}

static void
kf_wr_offset_fetch_topics(mq_wr_t *w, int fx, int16_t ver, const kf_offset_fetch_resp_group_t *g)
{
    kf_wr_array(w, fx, MQ_MAX(g->n_topics, 0));
    for (int32_t i = 0; i < g->n_topics; i++) {
        const kf_offset_fetch_resp_topic_t *t = &g->topics[i];
        kf_wr_string(w, fx, kf_nn(t->name));
        kf_wr_array(w, fx, MQ_MAX(t->n_partitions, 0));
        for (int32_t j = 0; j < t->n_partitions; j++) {
            const kf_offset_fetch_resp_part_t *p = &t->partitions[j];
            mq_wr_i32(w, p->partition_index);
            mq_wr_i64(w, p->committed_offset);
            if (ver >= 5)
                mq_wr_i32(w, p->committed_leader_epoch);
            kf_wr_string(w, fx, p->metadata);
            mq_wr_i16(w, p->error_code);
            kf_wr_tags(w, fx);
        }
        kf_wr_tags(w, fx);
    }
}

int
kf_offset_fetch_resp_encode(mq_wr_t *w, int16_t ver, const kf_offset_fetch_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_OffsetFetch, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 3)
        mq_wr_i32(w, resp->throttle_time_ms);
    if (ver <= 7) {
        kf_offset_fetch_resp_group_t none = {MQ_STR_NULL, NULL, 0, 0};
        const kf_offset_fetch_resp_group_t *g = resp->n_groups > 0 ? &resp->groups[0] : &none;
        kf_wr_offset_fetch_topics(w, fx, ver, g);
        if (ver >= 2)
            mq_wr_i16(w, g->error_code);
    } else {
        kf_wr_array(w, fx, MQ_MAX(resp->n_groups, 0));
        for (int32_t i = 0; i < resp->n_groups; i++) {
            kf_wr_string(w, fx, kf_nn(resp->groups[i].group_id));
            kf_wr_offset_fetch_topics(w, fx, ver, &resp->groups[i]);
            mq_wr_i16(w, resp->groups[i].error_code);
            kf_wr_tags(w, fx);
        }
    }
    return kf_resp_end(w, fx);
}

/* ---------------------------------------------------------------------------------------------
 * ListGroups, DescribeGroups, DeleteGroups
 * ------------------------------------------------------------------------------------------- */

int
kf_list_groups_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_list_groups_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_ListGroups, ver);
    if (rc)
        return rc;
    if (ver >= 4)
        kf_rd_strs(r, pool, &req->states_filter);
    if (ver >= 5)
        kf_rd_strs(r, pool, &req->types_filter);
    return kf_req_end(r);
}

int
kf_list_groups_resp_encode(mq_wr_t *w, int16_t ver, const kf_list_groups_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_ListGroups, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    mq_wr_i16(w, resp->error_code);
    kf_wr_array(w, fx, MQ_MAX(resp->n_groups, 0));
    for (int32_t i = 0; i < resp->n_groups; i++) {
        const kf_listed_group_t *g = &resp->groups[i];
        kf_wr_string(w, fx, kf_nn(g->group_id));
        kf_wr_string(w, fx, kf_nn(g->protocol_type));
        if (ver >= 4)
            kf_wr_string(w, fx, kf_nn(g->group_state));
        if (ver >= 5)
            kf_wr_string(w, fx, g->group_type.p ? g->group_type : MQ_STR("classic"));
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}

int
kf_describe_groups_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool,
                              kf_describe_groups_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_DescribeGroups, ver);
    if (rc)
        return rc;
    kf_rd_strs(r, pool, &req->groups);
    if (req->groups.n < 0)
        mq_rd_fail(r, MQ_EPROTO);
    if (ver >= 3)
        req->include_authorized_operations = kf_rd_bool(r);
    return kf_req_end(r);
}

int
kf_describe_groups_resp_encode(mq_wr_t *w, int16_t ver, const kf_describe_groups_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_DescribeGroups, ver, &fx);
    if (rc)
        return rc;
    if (ver >= 1)
        mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_array(w, fx, MQ_MAX(resp->n_groups, 0));
    for (int32_t i = 0; i < resp->n_groups; i++) {
        const kf_described_group_t *g = &resp->groups[i];
        mq_wr_i16(w, g->error_code);
        kf_wr_string(w, fx, kf_nn(g->group_id));
        kf_wr_string(w, fx, kf_nn(g->group_state));
        kf_wr_string(w, fx, kf_nn(g->protocol_type));
        kf_wr_string(w, fx, kf_nn(g->protocol_data));
        kf_wr_array(w, fx, MQ_MAX(g->n_members, 0));
        for (int32_t j = 0; j < g->n_members; j++) {
            const kf_described_member_t *m = &g->members[j];
            kf_wr_string(w, fx, kf_nn(m->member_id));
            if (ver >= 4)
                kf_wr_string(w, fx, m->group_instance_id);
            kf_wr_string(w, fx, kf_nn(m->client_id));
            kf_wr_string(w, fx, kf_nn(m->client_host));
            kf_wr_bytes(w, fx, kf_nn(m->member_metadata));
            kf_wr_bytes(w, fx, kf_nn(m->member_assignment));
            kf_wr_tags(w, fx);
        }
        if (ver >= 3)
            mq_wr_i32(w, g->authorized_operations);
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}

int
kf_delete_groups_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool, kf_delete_groups_req_t *req)
{
    int rc = kf_req_begin(r, KF_API_DeleteGroups, ver);
    if (rc)
        return rc;
    kf_rd_strs(r, pool, &req->groups_names);
    if (req->groups_names.n < 0)
        mq_rd_fail(r, MQ_EPROTO);
    return kf_req_end(r);
}

int
kf_delete_groups_resp_encode(mq_wr_t *w, int16_t ver, const kf_delete_groups_resp_t *resp)
{
    int fx, rc = kf_resp_begin(KF_API_DeleteGroups, ver, &fx);
    if (rc)
        return rc;
    mq_wr_i32(w, resp->throttle_time_ms);
    kf_wr_array(w, fx, MQ_MAX(resp->n_results, 0));
    for (int32_t i = 0; i < resp->n_results; i++) {
        kf_wr_string(w, fx, kf_nn(resp->results[i].group_id));
        mq_wr_i16(w, resp->results[i].error_code);
        kf_wr_tags(w, fx);
    }
    return kf_resp_end(w, fx);
}
