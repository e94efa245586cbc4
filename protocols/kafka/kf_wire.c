/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_wire.c -- Kafka primitive types (kf_wire.h): varints, strings, bytes, arrays, tags.
 */
#include "kf_wire.h"

/* ---------------------------------------------------------------------------------------------
 * Varints
 * ------------------------------------------------------------------------------------------- */

uint64_t
kf_rd_uvarlong(mq_rd_t *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        const uint8_t *p = mq_rd_take(r, 1);
        if (!p)
            return 0;
        v |= (uint64_t)(p[0] & 0x7f) << shift;
        if (!(p[0] & 0x80))
            return v;
    }
    return (uint64_t)mq_rd_fail(r, MQ_EPROTO);
}

uint32_t
kf_rd_uvarint(mq_rd_t *r)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        const uint8_t *p = mq_rd_take(r, 1);
        if (!p)
            return 0;
        v |= (uint32_t)(p[0] & 0x7f) << shift;
        if (!(p[0] & 0x80))
            return v;
    }
    return (uint32_t)mq_rd_fail(r, MQ_EPROTO);
}

int32_t
kf_rd_varint(mq_rd_t *r)
{
    uint32_t u = kf_rd_uvarint(r);
    return (int32_t)((u >> 1) ^ (uint32_t) - (int32_t)(u & 1));
}

int64_t
kf_rd_varlong(mq_rd_t *r)
{
    uint64_t u = kf_rd_uvarlong(r);
    return (int64_t)((u >> 1) ^ (uint64_t) - (int64_t)(u & 1));
}

void
kf_wr_uvarint(mq_wr_t *w, uint32_t v)
{
    uint8_t tmp[5];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    mq_wr_bytes(w, tmp, n);
}

void
kf_wr_varint(mq_wr_t *w, int32_t v)
{
    kf_wr_uvarint(w, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

void
kf_wr_varlong(mq_wr_t *w, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t tmp[10];
    size_t n = 0;
    while (u >= 0x80) {
        tmp[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    tmp[n++] = (uint8_t)u;
    mq_wr_bytes(w, tmp, n);
}

/* ---------------------------------------------------------------------------------------------
 * Strings, bytes, uuids
 * ------------------------------------------------------------------------------------------- */

/* A view of n bytes that is never NULL when the read succeeds (empty differs from null). */
static mq_str_t
kf_rd_view(mq_rd_t *r, size_t n)
{
    const uint8_t *p = mq_rd_take(r, n);
    return p ? (mq_str_t){(const char *)p, n} : MQ_STR_NULL;
}

mq_str_t
kf_rd_string16(mq_rd_t *r)
{
    int16_t n = mq_rd_i16(r);
    if (n < 0) {
        if (n != -1)
            mq_rd_fail(r, MQ_EPROTO);
        return MQ_STR_NULL;
    }
    return kf_rd_view(r, (size_t)n);
}

mq_str_t
kf_rd_cstring(mq_rd_t *r)
{
    uint32_t n = kf_rd_uvarint(r);
    if (n == 0)
        return MQ_STR_NULL;
    return kf_rd_view(r, n - 1);
}

mq_str_t
kf_rd_cbytes(mq_rd_t *r)
{
    return kf_rd_cstring(r);
}

mq_str_t
kf_rd_string(mq_rd_t *r)
{
    return r->flex ? kf_rd_cstring(r) : kf_rd_string16(r);
}

mq_str_t
kf_rd_bytes(mq_rd_t *r)
{
    int32_t n;
    if (r->flex)
        return kf_rd_cbytes(r);
    n = mq_rd_i32(r);
    if (n < 0) {
        if (n != -1)
            mq_rd_fail(r, MQ_EPROTO);
        return MQ_STR_NULL;
    }
    return kf_rd_view(r, (size_t)n);
}

kf_uuid_t
kf_rd_uuid(mq_rd_t *r)
{
    kf_uuid_t u;
    const uint8_t *p = mq_rd_take(r, 16);
    if (p)
        memcpy(u.b, p, 16);
    else
        memset(u.b, 0, 16);
    return u;
}

void
kf_wr_string16(mq_wr_t *w, mq_str_t s)
{
    if (!s.p) {
        mq_wr_i16(w, -1);
        return;
    }
    if (s.n > INT16_MAX) {
        w->err = w->err ? w->err : MQ_ETOOBIG;
        return;
    }
    mq_wr_i16(w, (int16_t)s.n);
    mq_wr_bytes(w, s.p, s.n);
}

void
kf_wr_string(mq_wr_t *w, int flex, mq_str_t s)
{
    if (!flex) {
        kf_wr_string16(w, s);
        return;
    }
    if (!s.p) {
        kf_wr_uvarint(w, 0);
        return;
    }
    if (s.n >= UINT32_MAX) {
        w->err = w->err ? w->err : MQ_ETOOBIG;
        return;
    }
    kf_wr_uvarint(w, (uint32_t)s.n + 1);
    mq_wr_bytes(w, s.p, s.n);
}

void
kf_wr_bytes(mq_wr_t *w, int flex, mq_str_t s)
{
    if (flex) {
        kf_wr_string(w, 1, s);
        return;
    }
    if (!s.p) {
        mq_wr_i32(w, -1);
        return;
    }
    if (s.n > INT32_MAX) {
        w->err = w->err ? w->err : MQ_ETOOBIG;
        return;
    }
    mq_wr_i32(w, (int32_t)s.n);
    mq_wr_bytes(w, s.p, s.n);
}

void
kf_wr_uuid(mq_wr_t *w, const kf_uuid_t *u)
{
    mq_wr_bytes(w, u->b, 16);
}

/* ---------------------------------------------------------------------------------------------
 * Arrays and tagged fields
 * ------------------------------------------------------------------------------------------- */

int32_t
kf_rd_array(mq_rd_t *r, size_t min_elem)
{
    int64_t n;
    if (r->flex) {
        uint32_t u = kf_rd_uvarint(r);
        if (!mq_rd_ok(r))
            return 0;
        if (u == 0)
            return -1;
        n = (int64_t)u - 1;
    } else {
        n = mq_rd_i32(r);
        if (!mq_rd_ok(r))
            return 0;
        if (n == -1)
            return -1;
        if (n < 0)
            return mq_rd_fail(r, MQ_EPROTO);
    }
    if (n > KF_ARRAY_MAX)
        return mq_rd_fail(r, MQ_ETOOBIG);
    return mq_rd_count_check(r, n, KF_ARRAY_MAX, min_elem ? min_elem : 1);
}

void
kf_rd_tags(mq_rd_t *r)
{
    uint32_t n, last = 0;
    if (!r->flex)
        return;
    n = kf_rd_uvarint(r);
    if (n > mq_rd_left(r) / 2) { /* each tag needs at least tag + size bytes */
        mq_rd_fail(r, MQ_EPROTO);
        return;
    }
    for (uint32_t i = 0; i < n && mq_rd_ok(r); i++) {
        uint32_t tag = kf_rd_uvarint(r);
        uint32_t size = kf_rd_uvarint(r);
        if (i > 0 && tag <= last) {
            mq_rd_fail(r, MQ_EPROTO);
            return;
        }
        last = tag;
        mq_rd_skip(r, size);
    }
}

void
kf_wr_array(mq_wr_t *w, int flex, int32_t n)
{
    if (flex)
        kf_wr_uvarint(w, n < 0 ? 0 : (uint32_t)n + 1);
    else
        mq_wr_i32(w, n < 0 ? -1 : n);
}

void
kf_wr_tags(mq_wr_t *w, int flex)
{
    if (flex)
        mq_wr_u8(w, 0);
}
