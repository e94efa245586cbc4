/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_api.c -- the API table, request/response headers and the per-API dispatch (kf_api.h).
 */
#include "kf_api.h"

enum {
#define KF_API(Name, key, min, max, flex, amin, amax, member) KF_IDX_##Name,
#include "kf_api.def"
#undef KF_API
    KF_IDX__N
};

static const kf_api_info_t kf_api_rows[KF_IDX__N] = {
#define KF_API(Name, key, min, max, flex, amin, amax, member)                                      \
    {key, #Name, min, max, flex, amin, amax},
#include "kf_api.def"
#undef KF_API
};

const kf_api_info_t *
kf_api_info(int16_t key)
{
    switch (key) {
#define KF_API(Name, key, min, max, flex, amin, amax, member)                                      \
    case key:                                                                                      \
        return &kf_api_rows[KF_IDX_##Name];
#include "kf_api.def"
#undef KF_API
    default:
        return NULL;
    }
}

const kf_api_info_t *
kf_api_table(int *n)
{
    *n = KF_IDX__N;
    return kf_api_rows;
}

int
kf_api_is_flex(int16_t key, int16_t version)
{
    const kf_api_info_t *a = kf_api_info(key);
    return a && version >= a->flex_min;
}

const char *
kf_api_name(int16_t key)
{
    const kf_api_info_t *a = kf_api_info(key);
    return a ? a->name : "Unknown";
}

/* ---------------------------------------------------------------------------------------------
 * Headers and framing
 * ------------------------------------------------------------------------------------------- */

int
kf_req_hdr_decode(mq_rd_t *r, kf_req_hdr_t *h)
{
    const kf_api_info_t *a;

    r->flex = 0;
    h->api_key = mq_rd_i16(r);
    h->api_version = mq_rd_i16(r);
    h->correlation_id = mq_rd_i32(r);
    h->client_id = kf_rd_string16(r);
    h->flex = 0;
    if (!mq_rd_ok(r))
        return MQ_EPROTO;
    a = kf_api_info(h->api_key);
    if (!a)
        return KF_EUNKNOWN_API;
    h->flex = h->api_version >= a->flex_min;
    if (h->api_version < a->min_version || h->api_version > a->max_version)
        return KF_EVERSION;
    r->flex = h->flex;
    kf_rd_tags(r);
    return mq_rd_ok(r) ? MQ_OK : MQ_EPROTO;
}

void
kf_resp_hdr_encode(mq_wr_t *w, const kf_req_hdr_t *h)
{
    mq_wr_i32(w, h->correlation_id);
    if (h->flex && h->api_key != KF_API_ApiVersions)
        mq_wr_u8(w, 0);
}

int
kf_frame_split(const uint8_t *buf, size_t len, size_t max, size_t *frame_len)
{
    int32_t size;
    if (len < 4)
        return MQ_AGAIN;
    size = (int32_t)mq_load_be32(buf);
    if (size < 10)
        return MQ_EPROTO;
    if ((size_t)size > max)
        return MQ_ETOOBIG;
    if (len - 4 < (size_t)size)
        return MQ_AGAIN;
    *frame_len = 4 + (size_t)size;
    return MQ_OK;
}

size_t
kf_frame_begin(mq_wr_t *w)
{
    return mq_wr_reserve(w, 4);
}

void
kf_frame_end(mq_wr_t *w, size_t at)
{
    size_t len = mq_wr_len(w);
    if (at == (size_t)-1 || len - at - 4 > INT32_MAX) {
        if (!w->err)
            w->err = MQ_ETOOBIG;
        return;
    }
    mq_wr_patch_i32(w, at, (int32_t)(len - at - 4));
}

/* ---------------------------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------------------------- */

int
kf_request_decode(mq_rd_t *r, const kf_req_hdr_t *h, mq_pool_t *pool, kf_request_t *req)
{
    req->hdr = *h;
    r->flex = h->flex;
    switch (h->api_key) {
#define KF_API(Name, key, min, max, flex, amin, amax, member)                                      \
    case key:                                                                                      \
        memset(&req->u.member, 0, sizeof(req->u.member));                                          \
        return kf_##member##_req_decode(r, h->api_version, pool, &req->u.member);
#include "kf_api.def"
#undef KF_API
    default:
        return KF_EUNKNOWN_API;
    }
}

static int
kf_body_encode(mq_wr_t *w, const kf_req_hdr_t *h, const kf_response_t *resp)
{
    switch (h->api_key) {
#define KF_API(Name, key, min, max, flex, amin, amax, member)                                      \
    case key:                                                                                      \
        return kf_##member##_resp_encode(w, h->api_version, &resp->u.member);
#include "kf_api.def"
#undef KF_API
    default:
        return KF_EUNKNOWN_API;
    }
}

int
kf_response_encode(mq_wr_t *w, const kf_req_hdr_t *h, const kf_response_t *resp)
{
    size_t at = kf_frame_begin(w);
    int rc;

    kf_resp_hdr_encode(w, h);
    rc = kf_body_encode(w, h, resp);
    kf_frame_end(w, at);
    if (rc == MQ_OK && !mq_wr_ok(w))
        rc = w->err;
    return rc;
}

int
kf_response_encode_error(mq_wr_t *w, const kf_req_hdr_t *h, int16_t error_code)
{
    const kf_api_info_t *a = kf_api_info(h->api_key);
    kf_response_t resp;
    kf_req_hdr_t hh = *h;
    kf_offset_fetch_resp_group_t group;

    if (!a)
        return KF_EUNKNOWN_API;
    memset(&resp, 0, sizeof(resp));
    if (h->api_key == KF_API_ApiVersions) {
        /* KIP-511: the v0 body is understood by every client version. */
        hh.api_version = h->api_version > a->max_version ? 0 : h->api_version;
        hh.flex = hh.api_version >= a->flex_min;
        resp.u.api_versions.error_code = error_code;
        return kf_response_encode(w, &hh, &resp);
    }
    if (h->api_version < 0 || h->api_version > a->max_version)
        return KF_EVERSION; /* no layout known for it: the caller closes */
    hh.flex = h->api_version >= a->flex_min;
    switch (h->api_key) {
    case KF_API_Fetch:
        resp.u.fetch.error_code = error_code;
        break;
    case KF_API_FindCoordinator:
        resp.u.find_coordinator.error_code = error_code;
        break;
    case KF_API_JoinGroup:
        resp.u.join_group.error_code = error_code;
        resp.u.join_group.generation_id = -1;
        break;
    case KF_API_SyncGroup:
        resp.u.sync_group.error_code = error_code;
        break;
    case KF_API_Heartbeat:
        resp.u.heartbeat.error_code = error_code;
        break;
    case KF_API_LeaveGroup:
        resp.u.leave_group.error_code = error_code;
        break;
    case KF_API_ListGroups:
        resp.u.list_groups.error_code = error_code;
        break;
    case KF_API_InitProducerId:
        resp.u.init_producer_id.error_code = error_code;
        resp.u.init_producer_id.producer_id = -1;
        resp.u.init_producer_id.producer_epoch = -1;
        break;
    case KF_API_DescribeCluster:
        resp.u.describe_cluster.error_code = error_code;
        break;
    case KF_API_OffsetFetch:
        memset(&group, 0, sizeof(group));
        group.error_code = error_code;
        resp.u.offset_fetch.groups = &group;
        resp.u.offset_fetch.n_groups = 1;
        break;
    case KF_API_Metadata:
        resp.u.metadata.controller_id = -1;
        resp.u.metadata.cluster_authorized_operations = KF_AUTHORIZED_OPS_NONE;
        break;
    default:
        break; /* per-item errors only: an empty answer */
    }
    return kf_response_encode(w, &hh, &resp);
}
