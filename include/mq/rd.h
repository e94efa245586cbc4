/* SPDX-License-Identifier: Apache-2.0
 *
 * rd.h -- bounds-checked reader cursor over bytes we do not trust.
 *
 * Every read checks the remaining length; on underflow the cursor records a *sticky* error and
 * later reads return 0 or an empty view, so a decoder reads all fields in spec order and checks
 * mq_rd_ok() once at the end (librdkafka rd_kafka_buf_read_*, but without the hidden goto).
 * Integers are big-endian (Java ByteBuffer and Kafka order). The cursor never owns the bytes.
 */
#ifndef MQ_RD_H
#define MQ_RD_H

#include <stdint.h>
#include <string.h>

#include "mq/common.h"

typedef struct mq_rd_s {
    const uint8_t *p;   /* next byte to read */
    const uint8_t *end; /* one past the last readable byte */
    int err;            /* MQ_OK, or the first error seen (sticky) */
    uint8_t flex;       /* Kafka: compact/flexible encodings in force */
} mq_rd_t;

static inline void
mq_rd_init(mq_rd_t *r, const void *p, size_t n)
{
    r->p = (const uint8_t *)p;
    r->end = r->p + n;
    r->err = MQ_OK;
    r->flex = 0;
}

static inline int
mq_rd_ok(const mq_rd_t *r)
{
    return r->err == MQ_OK;
}

static inline size_t
mq_rd_left(const mq_rd_t *r)
{
    return r->err ? 0 : (size_t)(r->end - r->p);
}

/* Marks the cursor failed with err (the first error wins) and returns 0. */
static inline int
mq_rd_fail(mq_rd_t *r, int err)
{
    if (r->err == MQ_OK)
        r->err = err;
    r->p = r->end;
    return 0;
}

/* Returns a pointer to n readable bytes and advances, or NULL (and fails) if fewer remain. */
static inline const uint8_t *
mq_rd_take(mq_rd_t *r, size_t n)
{
    const uint8_t *p;
    if (mq_unlikely(r->err || (size_t)(r->end - r->p) < n)) {
        mq_rd_fail(r, MQ_EPROTO);
        return NULL;
    }
    p = r->p;
    r->p += n;
    return p;
}

static inline void
mq_rd_skip(mq_rd_t *r, size_t n)
{
    (void)mq_rd_take(r, n);
}

static inline uint8_t
mq_rd_u8(mq_rd_t *r)
{
    const uint8_t *p = mq_rd_take(r, 1);
    return p ? p[0] : 0;
}

static inline uint16_t
mq_rd_u16(mq_rd_t *r)
{
    const uint8_t *p = mq_rd_take(r, 2);
    return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline uint32_t
mq_rd_u32(mq_rd_t *r)
{
    const uint8_t *p = mq_rd_take(r, 4);
    return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
}

static inline uint64_t
mq_rd_u64(mq_rd_t *r)
{
    const uint8_t *p = mq_rd_take(r, 8);
    uint64_t v = 0;
    if (p)
        for (int i = 0; i < 8; i++)
            v = (v << 8) | p[i];
    return v;
}

static inline int8_t
mq_rd_i8(mq_rd_t *r)
{
    return (int8_t)mq_rd_u8(r);
}
static inline int16_t
mq_rd_i16(mq_rd_t *r)
{
    return (int16_t)mq_rd_u16(r);
}
static inline int32_t
mq_rd_i32(mq_rd_t *r)
{
    return (int32_t)mq_rd_u32(r);
}
static inline int64_t
mq_rd_i64(mq_rd_t *r)
{
    return (int64_t)mq_rd_u64(r);
}

/* Returns a view of the next n bytes (empty view on failure). */
static inline mq_str_t
mq_rd_str(mq_rd_t *r, size_t n)
{
    const uint8_t *p = mq_rd_take(r, n);
    return p ? (mq_str_t){(const char *)p, n} : MQ_STR_NULL;
}

/* Reads an element count and checks it against max and against the bytes left, assuming each
 * element needs at least min_elem_size bytes, so a hostile count cannot drive a big allocation.
 * Returns the count, or 0 with the cursor failed (MQ_ETOOBIG / MQ_EPROTO). */
static inline int32_t
mq_rd_count_check(mq_rd_t *r, int64_t count, int64_t max, size_t min_elem_size)
{
    if (r->err)
        return 0;
    if (count < 0 || count > max)
        return mq_rd_fail(r, MQ_ETOOBIG);
    if (min_elem_size && (uint64_t)count > (size_t)(r->end - r->p) / min_elem_size)
        return mq_rd_fail(r, MQ_EPROTO);
    return (int32_t)count;
}

/* Big-endian loads and stores on raw memory the caller has already bounds-checked. */
static inline uint32_t
mq_load_be32(const void *v)
{
    const uint8_t *p = (const uint8_t *)v;
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t
mq_load_be64(const void *v)
{
    const uint8_t *p = (const uint8_t *)v;
    return ((uint64_t)mq_load_be32(p) << 32) | mq_load_be32(p + 4);
}

static inline void
mq_store_be16(void *v, uint16_t x)
{
    uint8_t *p = (uint8_t *)v;
    p[0] = (uint8_t)(x >> 8);
    p[1] = (uint8_t)x;
}

static inline void
mq_store_be32(void *v, uint32_t x)
{
    uint8_t *p = (uint8_t *)v;
    p[0] = (uint8_t)(x >> 24);
    p[1] = (uint8_t)(x >> 16);
    p[2] = (uint8_t)(x >> 8);
    p[3] = (uint8_t)x;
}

static inline void
mq_store_be64(void *v, uint64_t x)
{
    mq_store_be32(v, (uint32_t)(x >> 32));
    mq_store_be32((uint8_t *)v + 4, (uint32_t)x);
}

#endif /* MQ_RD_H */
