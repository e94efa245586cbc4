/* SPDX-License-Identifier: Apache-2.0
 *
 * wr.h -- bounds-checked writer cursor.
 *
 * A writer fills either a fixed region (a slot in a mapped segment, a stack buffer) or a
 * growable mq_buf_t. Writes past the end of a fixed region set a sticky MQ_ETOOBIG and write
 * nothing, so an encoder writes every field and checks mq_wr_ok() once. mq_wr_reserve() hands
 * out a position to back-fill later (a length or a CRC; librdkafka's write_update).
 * Integers are written big-endian.
 */
#ifndef MQ_WR_H
#define MQ_WR_H

#include <stdint.h>
#include <string.h>

#include "mq/buf.h"
#include "mq/common.h"
#include "mq/rd.h"

typedef struct mq_wr_s {
    uint8_t *base; /* start of the region (fixed mode) or NULL (buffer mode) */
    uint8_t *p;    /* fixed mode: next byte to write */
    uint8_t *end;  /* fixed mode: one past the last writable byte */
    mq_buf_t *buf; /* buffer mode: appends go here and grow it */
    int err;       /* MQ_OK or the first error (sticky) */
} mq_wr_t;

/* Functions used to set up a writer. */
static inline void
mq_wr_init_fixed(mq_wr_t *w, void *p, size_t n)
{
    w->base = w->p = (uint8_t *)p;
    w->end = w->p + n;
    w->buf = NULL;
    w->err = MQ_OK;
}

static inline void
mq_wr_init_buf(mq_wr_t *w, mq_buf_t *b)
{
    w->base = w->p = w->end = NULL;
    w->buf = b;
    w->err = MQ_OK;
}

static inline int
mq_wr_ok(const mq_wr_t *w)
{
    return w->err == MQ_OK;
}

/* Bytes written so far. */
static inline size_t
mq_wr_len(const mq_wr_t *w)
{
    return w->buf ? w->buf->len : (size_t)(w->p - w->base);
}

/* Returns room for n bytes and advances past them, or NULL (and fails) when the fixed region
 * is too small. In buffer mode the pointer is valid only until the next write. */
static inline uint8_t *
mq_wr_take(mq_wr_t *w, size_t n)
{
    uint8_t *p;
    if (mq_unlikely(w->err))
        return NULL;
    if (w->buf) {
        p = mq_buf_reserve(w->buf, n);
        w->buf->len += n;
        return p;
    }
    if (mq_unlikely((size_t)(w->end - w->p) < n)) {
        w->err = MQ_ETOOBIG;
        return NULL;
    }
    p = w->p;
    w->p += n;
    return p;
}

static inline void
mq_wr_bytes(mq_wr_t *w, const void *src, size_t n)
{
    uint8_t *p = mq_wr_take(w, n);
    if (p && n)
        memcpy(p, src, n);
}

static inline void
mq_wr_u8(mq_wr_t *w, uint8_t v)
{
    uint8_t *p = mq_wr_take(w, 1);
    if (p)
        p[0] = v;
}

static inline void
mq_wr_u16(mq_wr_t *w, uint16_t v)
{
    uint8_t *p = mq_wr_take(w, 2);
    if (p)
        mq_store_be16(p, v);
}

static inline void
mq_wr_u32(mq_wr_t *w, uint32_t v)
{
    uint8_t *p = mq_wr_take(w, 4);
    if (p)
        mq_store_be32(p, v);
}

static inline void
mq_wr_u64(mq_wr_t *w, uint64_t v)
{
    uint8_t *p = mq_wr_take(w, 8);
    if (p)
        mq_store_be64(p, v);
}

static inline void
mq_wr_i16(mq_wr_t *w, int16_t v)
{
    mq_wr_u16(w, (uint16_t)v);
}
static inline void
mq_wr_i32(mq_wr_t *w, int32_t v)
{
    mq_wr_u32(w, (uint32_t)v);
}
static inline void
mq_wr_i64(mq_wr_t *w, int64_t v)
{
    mq_wr_u64(w, (uint64_t)v);
}

/* Reserves n bytes to be patched later; returns their offset from the start of the output
 * (stable in both modes), or (size_t)-1 on failure. */
static inline size_t
mq_wr_reserve(mq_wr_t *w, size_t n)
{
    size_t at = mq_wr_len(w);
    return mq_wr_take(w, n) ? at : (size_t)-1;
}

/* Returns a pointer to the byte at offset `at` of the output (for patching), or NULL. */
static inline uint8_t *
mq_wr_at(mq_wr_t *w, size_t at)
{
    if (w->err || at == (size_t)-1)
        return NULL;
    return w->buf ? w->buf->data + at : w->base + at;
}

static inline void
mq_wr_patch_i32(mq_wr_t *w, size_t at, int32_t v)
{
    uint8_t *p = mq_wr_at(w, at);
    if (p)
        mq_store_be32(p, (uint32_t)v);
}

#endif /* MQ_WR_H */
