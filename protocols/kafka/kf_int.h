/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_int.h -- private helpers shared by the per-API codecs (kf_api_*.c): version checks,
 * pool-backed array reads, int32/string array codecs. Not for use outside protocols/kafka.
 */
#ifndef MQ_KF_INT_H
#define MQ_KF_INT_H

#include "kf_api.h"

/* Starts a request decoder: checks the version against the table and sets r->flex. */
static inline int
kf_req_begin(mq_rd_t *r, int16_t key, int16_t ver)
{
    const kf_api_info_t *a = kf_api_info(key);
    if (!a || ver < a->min_version || ver > a->max_version)
        return KF_EVERSION;
    r->flex = ver >= a->flex_min;
    return MQ_OK;
}

/* Ends a request decoder: the body's tagged fields, then the cursor's verdict. Trailing bytes
 * are ignored. */
static inline int
kf_req_end(mq_rd_t *r)
{
    kf_rd_tags(r);
    return mq_rd_ok(r) ? MQ_OK : (r->err ? r->err : MQ_EPROTO);
}

/* Starts a response encoder: versions 0..max can be written (below min only for errors). */
static inline int
kf_resp_begin(int16_t key, int16_t ver, int *flex)
{
    const kf_api_info_t *a = kf_api_info(key);
    if (!a || ver < 0 || ver > a->max_version)
        return KF_EVERSION;
    *flex = ver >= a->flex_min;
    return MQ_OK;
}

static inline int
kf_resp_end(mq_wr_t *w, int flex)
{
    kf_wr_tags(w, flex);
    return mq_wr_ok(w) ? MQ_OK : w->err;
}

/* Reads an array count and allocates that many zeroed elements from the pool. Returns the
 * count (-1 null, 0 empty, with *out NULL) -- only when the cursor is still good. */
static inline int32_t
kf_rd_parray(mq_rd_t *r, mq_pool_t *pool, size_t min_elem, size_t elem_size, void **out)
{
    int32_t n = kf_rd_array(r, min_elem);
    *out = NULL;
    if (n > 0)
        *out = mq_pcalloc(pool, (size_t)n * elem_size);
    return n;
}

#define KF_RD_ARRAY(r, pool, min_elem, ptr)                                                        \
    kf_rd_parray((r), (pool), (min_elem), sizeof(*(ptr)), (void **)&(ptr))

static inline uint8_t
kf_rd_bool(mq_rd_t *r)
{
    return mq_rd_u8(r) ? 1 : 0;
}

/* [int32] and [STRING] arrays, nullable. */
static inline void
kf_rd_i32s(mq_rd_t *r, mq_pool_t *pool, kf_i32s_t *a)
{
    a->n = KF_RD_ARRAY(r, pool, 4, a->v);
    for (int32_t i = 0; i < a->n && mq_rd_ok(r); i++)
        a->v[i] = mq_rd_i32(r);
}

static inline void
kf_rd_strs(mq_rd_t *r, mq_pool_t *pool, kf_strs_t *a)
{
    a->n = KF_RD_ARRAY(r, pool, r->flex ? 1 : 2, a->v);
    for (int32_t i = 0; i < a->n && mq_rd_ok(r); i++)
        a->v[i] = kf_rd_string(r);
}

static inline void
kf_wr_i32s(mq_wr_t *w, int flex, const kf_i32s_t *a)
{
    kf_wr_array(w, flex, a->n);
    for (int32_t i = 0; i < a->n; i++)
        mq_wr_i32(w, a->v[i]);
}

static inline void
kf_wr_strs(mq_wr_t *w, int flex, const kf_strs_t *a)
{
    kf_wr_array(w, flex, a->n);
    for (int32_t i = 0; i < a->n; i++)
        kf_wr_string(w, flex, a->v[i]);
}

/* A non-null string ("" when the view is null): for fields the version makes non-nullable. */
static inline mq_str_t
kf_nn(mq_str_t s)
{
    return s.p ? s : MQ_STR("");
}

#endif /* MQ_KF_INT_H */
