/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_json_fast.c -- a decoder for the common shape of a JSON remoting header, the measured
 * hot path of every request (jansson took 15-19 % of the broker's CPU per request,
 * docs/benchmarks.md). It accepts only a strict subset: one object whose values are integers,
 * true/false/null, ASCII strings (escapes included, \u0000 too) and an "extFields" object of
 * such scalars, without repeated field names there. Anything else -- raw bytes >= 0x80,
 * reals, arrays, nested objects elsewhere, surrogate escapes, trailing bytes, anything
 * malformed -- is declined, and rmq_cmd.c hands the header to jansson, which decides. So what
 * this file accepts decodes exactly as jansson + rmq_cmd.c would decode it, and it never has
 * to report an error itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_json_fast.h"

#define RMQ_FAST_EXT_MAX 64 /* more extFields: decline (keeps the duplicate check cheap) */
#define RMQ_FAST_INT_DIGITS 18

typedef struct rmq_jp_s {
    const char *p, *end;
    mq_pool_t *pool;
} rmq_jp_t;

typedef enum rmq_jv_kind_e { RMQ_JV_NULL, RMQ_JV_BOOL, RMQ_JV_INT, RMQ_JV_STR } rmq_jv_kind_t;

typedef struct rmq_jv_s {
    rmq_jv_kind_t kind;
    int64_t i;  /* RMQ_JV_INT, RMQ_JV_BOOL (0/1) */
    mq_str_t s; /* RMQ_JV_STR: decoded, NUL-terminated, in the pool */
} rmq_jv_t;

static void
rmq_jp_ws(rmq_jp_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int
rmq_jp_lit(rmq_jp_t *j, const char *lit, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return 0;
    j->p += n;
    return 1;
}

static int
rmq_jp_hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            v |= (unsigned)(ch - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* A string at j->p (the opening quote); decoded into the pool. 0: decline. */
static int
rmq_jp_str(rmq_jp_t *j, mq_str_t *out)
{
    const char *q = j->p + 1;
    char *dst, *w;
    const char *close = memchr(q, '"', (size_t)(j->end - q));

    /* The common case: no escape before the closing quote, plain ASCII: one copy. */
    if (close) {
        unsigned char bad = 0;
        size_t n = (size_t)(close - q);
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)q[i];
            bad |= (unsigned char)(ch < 0x20) | (unsigned char)(ch >= 0x80) |
                   (unsigned char)(ch == '\\');
        }
        if (!bad) {
            dst = mq_palloc(j->pool, n + 1);
            memcpy(dst, q, n);
            dst[n] = '\0';
            j->p = close + 1;
            *out = (mq_str_t){dst, n};
            return 1;
        }
    }
    /* Bound the decoded size first: escapes only shrink, so the raw span is enough. */
    while (q < j->end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
    }
    if (q >= j->end)
        return 0;
    w = dst = mq_palloc(j->pool, (size_t)(q - j->p));
    for (q = j->p + 1; *q != '"'; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch < 0x20 || ch >= 0x80)
            return 0; /* raw control bytes are invalid; raw UTF-8 goes to jansson */
        if (ch != '\\') {
            *w++ = (char)ch;
            continue;
        }
        switch (*++q) {
        case '"':
        case '\\':
        case '/':
            *w++ = *q;
            break;
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'u': {
            unsigned cp;
            if (j->end - q < 5 || !rmq_jp_hex4(q + 1, &cp) || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
            q += 4;
            if (cp < 0x80) {
                *w++ = (char)cp;
            } else if (cp < 0x800) {
                *w++ = (char)(0xC0 | (cp >> 6));
                *w++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *w++ = (char)(0xE0 | (cp >> 12));
                *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *w++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            return 0;
        }
    }
    *w = '\0';
    j->p = q + 1;
    *out = (mq_str_t){dst, (size_t)(w - dst)};
    return 1;
}

/* An integer token -?(0|[1-9][0-9]*) of at most 18 digits, not followed by a fraction or an
 * exponent (a real: declined). */
static int
rmq_jp_int(rmq_jp_t *j, int64_t *out)
{
    const char *q = j->p;
    int neg = 0, digits = 0;
    int64_t v = 0;

    if (q < j->end && *q == '-') {
        neg = 1;
        q++;
    }
    if (q >= j->end || *q < '0' || *q > '9' ||
        (*q == '0' && q + 1 < j->end && q[1] >= '0' && q[1] <= '9'))
        return 0;
    while (q < j->end && *q >= '0' && *q <= '9') {
        if (++digits > RMQ_FAST_INT_DIGITS)
            return 0;
        v = v * 10 + (*q++ - '0');
    }
    if (q < j->end && (*q == '.' || *q == 'e' || *q == 'E'))
        return 0;
    j->p = q;
    *out = neg ? -v : v;
    return 1;
}

static int
rmq_jp_scalar(rmq_jp_t *j, rmq_jv_t *v)
{
    if (j->p >= j->end)
        return 0;
    switch (*j->p) {
    case '"':
        v->kind = RMQ_JV_STR;
        return rmq_jp_str(j, &v->s);
    case 't':
        v->kind = RMQ_JV_BOOL;
        v->i = 1;
        return rmq_jp_lit(j, "true", 4);
    case 'f':
        v->kind = RMQ_JV_BOOL;
        v->i = 0;
        return rmq_jp_lit(j, "false", 5);
    case 'n':
        v->kind = RMQ_JV_NULL;
        return rmq_jp_lit(j, "null", 4);
    default:
        v->kind = RMQ_JV_INT;
        return rmq_jp_int(j, &v->i);
    }
}

/* A member name: a string without NUL (jansson refuses NUL in keys). */
static int
rmq_jp_key(rmq_jp_t *j, mq_str_t *key)
{
    if (j->p >= j->end || *j->p != '"' || !rmq_jp_str(j, key) ||
        (key->n > 0 && memchr(key->p, '\0', key->n)))
        return 0;
    rmq_jp_ws(j);
    if (j->p >= j->end || *j->p != ':')
        return 0;
    j->p++;
    rmq_jp_ws(j);
    return 1;
}

/* After a member: ',' (returns 1, more follow) or '}' (returns 0 with *done set). */
static int
rmq_jp_next(rmq_jp_t *j, int *done)
{
    rmq_jp_ws(j);
    if (j->p < j->end && *j->p == ',') {
        j->p++;
        rmq_jp_ws(j);
        return 1;
    }
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        *done = 1;
        return 0;
    }
    return 0;
}

static int
rmq_jp_ext(rmq_jp_t *j, rmq_cmd_t *c)
{
    int done = 0;
    uint64_t seen[4] = {0, 0, 0, 0}; /* a filter of the keys so far: most need no scan */

    j->p++; /* '{' */
    rmq_jp_ws(j);
    c->ext = mq_palloc(j->pool, RMQ_FAST_EXT_MAX * sizeof(*c->ext));
    c->n_ext = 0;
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return 1;
    }
    do {
        mq_str_t key;
        rmq_jv_t v;
        char num[24];
        if (!rmq_jp_key(j, &key) || !rmq_jp_scalar(j, &v))
            return 0;
        {
            unsigned h = key.n == 0 ? 0
                                    : ((unsigned)key.n * 31u + (unsigned char)key.p[0] +
                                       (unsigned char)key.p[key.n - 1] * 7u) &
                                          255u;
            if (seen[h >> 6] & (UINT64_C(1) << (h & 63))) {
                for (int i = 0; i < c->n_ext; i++)
                    if (mq_str_eq(c->ext[i].key, key))
                        return 0; /* jansson keeps the last one in place: leave that to it */
            }
            seen[h >> 6] |= UINT64_C(1) << (h & 63);
        }
        if (v.kind == RMQ_JV_NULL)
            continue; /* not a header value */
        if (c->n_ext == RMQ_FAST_EXT_MAX)
            return 0;
        if (v.kind == RMQ_JV_INT) {
            size_t n = mq_fmt_i64(num, v.i);
            v.s = (mq_str_t){mq_pstrdup(j->pool, (mq_str_t){num, n}), n};
        } else if (v.kind == RMQ_JV_BOOL) {
            v.s = v.i ? MQ_STR("true") : MQ_STR("false");
        }
        c->ext[c->n_ext].key = key;
        c->ext[c->n_ext].val = v.s;
        c->n_ext++;
    } while (rmq_jp_next(j, &done));
    return done;
}

static int
rmq_jp_i32(const rmq_jv_t *v, int32_t *out)
{
    if (v->kind != RMQ_JV_INT || v->i < INT32_MIN || v->i > INT32_MAX)
        return 0;
    *out = (int32_t)v->i;
    return 1;
}

int
rmq_json_fast_decode(const char *p, size_t n, mq_pool_t *pool, rmq_cmd_t *c)
{
    rmq_jp_t j = {p, p + n, pool};
    rmq_jv_t code = {RMQ_JV_NULL, 0, MQ_STR_NULL}, opaque = code, version = code, flag = code;
    rmq_jv_t language = code, remark = code;
    int done = 0, seen_ext = 0;

    rmq_jp_ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return MQ_DECLINED;
    j.p++;
    rmq_jp_ws(&j);
    if (j.p < j.end && *j.p == '}')
        return MQ_DECLINED; /* no code: jansson's path refuses it */
    do {
        mq_str_t key;
        rmq_jv_t v;
        if (!rmq_jp_key(&j, &key))
            return MQ_DECLINED;
        if (mq_str_eq(key, MQ_STR("extFields"))) {
            if (seen_ext++)
                return MQ_DECLINED;
            if (j.p < j.end && *j.p == '{') {
                if (!rmq_jp_ext(&j, c))
                    return MQ_DECLINED;
                continue;
            }
            if (!rmq_jp_scalar(&j, &v) || v.kind != RMQ_JV_NULL)
                return MQ_DECLINED; /* a scalar extFields: jansson's path refuses it */
            continue;
        }
        if (!rmq_jp_scalar(&j, &v))
            return MQ_DECLINED;
        if (mq_str_eq(key, MQ_STR("code")))
            code = v;
        else if (mq_str_eq(key, MQ_STR("opaque")))
            opaque = v;
        else if (mq_str_eq(key, MQ_STR("version")))
            version = v;
        else if (mq_str_eq(key, MQ_STR("flag")))
            flag = v;
        else if (mq_str_eq(key, MQ_STR("language")))
            language = v;
        else if (mq_str_eq(key, MQ_STR("remark")))
            remark = v;
    } while (rmq_jp_next(&j, &done));
    if (!done)
        return MQ_DECLINED;
    rmq_jp_ws(&j);
    if (j.p != j.end)
        return MQ_DECLINED; /* trailing bytes */
    if (!rmq_jp_i32(&code, &c->code) || !rmq_jp_i32(&opaque, &c->opaque))
        return MQ_DECLINED; /* refused on jansson's path */
    if (language.kind == RMQ_JV_STR) {
        int32_t l = rmq_language_parse(language.s.p, language.s.n);
        c->language = l >= 0 ? l : 7;
    } else if (!rmq_jp_i32(&language, &c->language)) {
        c->language = 7;
    }
    (void)rmq_jp_i32(&version, &c->version);
    (void)rmq_jp_i32(&flag, &c->flag);
    if (remark.kind == RMQ_JV_STR)
        c->remark = remark.s;
    return MQ_OK;
}
