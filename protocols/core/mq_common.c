/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_common.c -- error names, string views, aborting allocators and clocks (common.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mq/common.h"

const char *
mq_err_name(int err)
{
    switch (err) {
#define MQ_ERR_CASE(name, val, text)                                                               \
    case val:                                                                                      \
        return #name;
        MQ_ERR_MAP(MQ_ERR_CASE)
#undef MQ_ERR_CASE
    default:
        return "MQ_ERR_UNKNOWN";
    }
}

const char *
mq_err_text(int err)
{
    switch (err) {
#define MQ_ERR_CASE(name, val, text)                                                               \
    case val:                                                                                      \
        return text;
        MQ_ERR_MAP(MQ_ERR_CASE)
#undef MQ_ERR_CASE
    default:
        return "unknown error";
    }
}

mq_str_t
mq_str_from_cstr(const char *s)
{
    return s ? (mq_str_t){s, strlen(s)} : MQ_STR_NULL;
}

size_t
mq_fmt_i64(char *out, int64_t v)
{
    char tmp[20];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0, len = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    out[len] = '\0';
    return len;
}

int
mq_str_eq(mq_str_t a, mq_str_t b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

int
mq_str_eq_cstr(mq_str_t a, const char *s)
{
    return mq_str_eq(a, mq_str_from_cstr(s));
}

char *
mq_str_dup(mq_str_t s)
{
    char *d = mq_xmalloc(s.n + 1);
    if (s.n)
        memcpy(d, s.p, s.n);
    d[s.n] = '\0';
    return d;
}

static void
mq_oom(size_t n)
{
    fprintf(stderr, "rocketmq-c: out of memory allocating %zu bytes\n", n);
    abort();
}

void *
mq_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (mq_unlikely(p == NULL))
        mq_oom(n);
    return p;
}

void *
mq_xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (mq_unlikely(p == NULL))
        mq_oom(count * n);
    return p;
}

void *
mq_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (mq_unlikely(q == NULL))
        mq_oom(n);
    return q;
}

char *
mq_xstrdup(const char *s)
{
    return mq_str_dup(mq_str_from_cstr(s));
}

int64_t
mq_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mq_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint32_t
mq_utf8_decode(const uint8_t *p, size_t n, size_t *used)
{
    uint32_t c = p[0], min;
    size_t len;

    if (c < 0x80) {
        *used = 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        *used = 1;
        return 0xFFFD;
    }
    if (n < len) {
        *used = 1;
        return 0xFFFD;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *used = 1;
            return 0xFFFD;
        }
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *used = 1;
        return 0xFFFD;
    }
    *used = len;
    return c;
}
