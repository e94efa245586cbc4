/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_buf.c -- growable byte buffer (buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq/buf.h"

void
mq_buf_init(mq_buf_t *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void
mq_buf_fini(mq_buf_t *b)
{
    free(b->data);
    mq_buf_init(b);
}

void
mq_buf_reset(mq_buf_t *b)
{
    b->len = 0;
}

uint8_t *
mq_buf_reserve(mq_buf_t *b, size_t n)
{
    if (b->cap - b->len < n + 1) { /* +1 keeps room for mq_buf_cstr's NUL */
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < n + 1)
            cap *= 2;
        b->data = mq_xrealloc(b->data, cap);
        b->cap = cap;
    }
    return b->data + b->len;
}

void
mq_buf_append(mq_buf_t *b, const void *p, size_t n)
{
    uint8_t *d = mq_buf_reserve(b, n);
    if (n)
        memcpy(d, p, n);
    b->len += n;
}

void
mq_buf_append_str(mq_buf_t *b, mq_str_t s)
{
    mq_buf_append(b, s.p, s.n);
}

void
mq_buf_append_cstr(mq_buf_t *b, const char *s)
{
    mq_buf_append(b, s, strlen(s));
}

void
mq_buf_printf(mq_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    mq_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *
mq_buf_cstr(mq_buf_t *b)
{
    mq_buf_reserve(b, 0);
    b->data[b->len] = '\0';
    return (const char *)b->data;
}

mq_str_t
mq_buf_view(const mq_buf_t *b)
{
    return (mq_str_t){(const char *)b->data, b->len};
}

void
mq_buf_append_i64(mq_buf_t *b, int64_t v)
{
    char tmp[24];
    mq_buf_append(b, tmp, mq_fmt_i64(tmp, v));
}
