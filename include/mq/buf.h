/* SPDX-License-Identifier: Apache-2.0
 *
 * buf.h -- a growable byte buffer (Redis sds without the header tricks).
 *
 * Used for encodings whose size is not known in advance: JSON documents, property strings,
 * response bodies. The buffer owns its memory; mq_buf_fini() frees it. Growth aborts on out of
 * memory like every mq_x* allocation.
 */
#ifndef MQ_BUF_H
#define MQ_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "mq/common.h"

typedef struct mq_buf_s {
    uint8_t *data; /* heap memory, NULL until the first append */
    size_t len;    /* bytes in use */
    size_t cap;    /* bytes allocated */
} mq_buf_t;

#define MQ_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Functions used to build a buffer. */
void mq_buf_init(mq_buf_t *b);
void mq_buf_fini(mq_buf_t *b);
void mq_buf_reset(mq_buf_t *b);                 /* len = 0, keeps the memory */
uint8_t *mq_buf_reserve(mq_buf_t *b, size_t n); /* room for n more bytes; returns end */
void mq_buf_append(mq_buf_t *b, const void *p, size_t n);
void mq_buf_append_str(mq_buf_t *b, mq_str_t s);
void mq_buf_append_cstr(mq_buf_t *b, const char *s);
void mq_buf_printf(mq_buf_t *b, const char *fmt, ...) MQ_PRINTF(2, 3);
void mq_buf_append_i64(mq_buf_t *b, int64_t v); /* decimal, without printf */
const char *mq_buf_cstr(mq_buf_t *b);           /* NUL-terminates (not counted in len) */
mq_str_t mq_buf_view(const mq_buf_t *b);

#endif /* MQ_BUF_H */
