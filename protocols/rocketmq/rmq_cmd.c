/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_cmd.c -- RemotingCommand header codec (rmq_cmd.h): JSON headers through the fast decoder
 * for their common shape (rmq_json_fast.c) and jansson for everything else, the ROCKETMQ binary
 * header with the bounds-checked cursor, and a compact JSON writer for replies.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq/rd.h"
#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_json_fast.h"

/* ---- Decoding ---- */

/* Length of the valid UTF-8 sequence at p (n > 0 bytes left), or 0 if invalid. */
static size_t
rmq_utf8_len(const unsigned char *p, size_t n)
{
    size_t used;
    uint32_t cp = mq_utf8_decode(p, n, &used);
    return cp == 0xFFFD && used == 1 ? 0 : used;
}

/* Whether all n bytes at p are valid UTF-8. */
static int
rmq_utf8_valid(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0, len; i < n; i += len)
        if ((len = rmq_utf8_len(u + i, n - i)) == 0)
            return 0;
    return 1;
}

static int
rmq_json_int(json_t *v, int32_t *out)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < INT32_MIN || x > INT32_MAX)
            return 0;
        *out = (int32_t)x;
        return 1;
    }
    return 0;
}

int
rmq_json_slow_decode(const char *p, size_t len, mq_pool_t *pool, rmq_cmd_t *c)
{
    json_error_t err;
    json_t *root = json_loadb(p, len, JSON_ALLOW_NUL, &err);
    json_t *v, *ext;
    const char *key;
    int rc = MQ_EPROTO;

    if (!json_is_object(root))
        goto out;
    if (!rmq_json_int(json_object_get(root, "code"), &c->code))
        goto out;
    v = json_object_get(root, "language");
    if (json_is_string(v)) {
        int32_t l = rmq_language_parse(json_string_value(v), json_string_length(v));
        c->language = l >= 0 ? l : 7;
    } else if (!rmq_json_int(v, &c->language)) {
        c->language = 7;
    }
    (void)rmq_json_int(json_object_get(root, "version"), &c->version);
    if (!rmq_json_int(json_object_get(root, "opaque"), &c->opaque))
        goto out;
    (void)rmq_json_int(json_object_get(root, "flag"), &c->flag);
    v = json_object_get(root, "remark");
    if (json_is_string(v))
        c->remark =
            (mq_str_t){mq_pstrdup(pool, (mq_str_t){json_string_value(v), json_string_length(v)}),
                       json_string_length(v)};
    ext = json_object_get(root, "extFields");
    if (ext && !json_is_null(ext)) {
        size_t n = 0;
        if (!json_is_object(ext) || json_object_size(ext) > RMQ_EXT_MAX)
            goto out;
        c->ext =
            mq_palloc(pool, (json_object_size(ext) ? json_object_size(ext) : 1) * sizeof(*c->ext));
        json_object_foreach(ext, key, v)
        {
            char num[32];
            mq_str_t val;
            if (json_is_string(v))
                val = (mq_str_t){json_string_value(v), json_string_length(v)};
            else if (json_is_integer(v))
                val = (mq_str_t){num, (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                                                       json_integer_value(v))};
            else if (json_is_real(v))
                val = (mq_str_t){num,
                                 (size_t)snprintf(num, sizeof(num), "%.17g", json_real_value(v))};
            else if (json_is_boolean(v))
                val = json_is_true(v) ? MQ_STR("true") : MQ_STR("false");
            else
                continue; /* null, arrays, objects: not a header value */
            c->ext[n].key = (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(key)), strlen(key)};
            c->ext[n].val = (mq_str_t){mq_pstrdup(pool, val), val.n};
            n++;
        }
        c->n_ext = (int)n;
    }
    rc = MQ_OK;
out:
    json_decref(root);
    return rc;
}

static int
rmq_decode_binary(const rmq_frame_t *f, mq_pool_t *pool, rmq_cmd_t *c)
{
    mq_rd_t r, er;
    int32_t remark_len, ext_len;
    int cap = 8;

    mq_rd_init(&r, f->header.p, f->header.n);
    c->code = mq_rd_i16(&r);
    c->language = mq_rd_u8(&r);
    c->version = mq_rd_i16(&r);
    c->opaque = mq_rd_i32(&r);
    c->flag = mq_rd_i32(&r);
    remark_len = mq_rd_i32(&r);
    if (remark_len < 0)
        return MQ_EPROTO;
    if (remark_len > 0)
        c->remark = mq_rd_str(&r, (size_t)remark_len);
    ext_len = mq_rd_i32(&r);
    if (!mq_rd_ok(&r) || ext_len < 0 || (size_t)ext_len > mq_rd_left(&r))
        return MQ_EPROTO;
    mq_rd_init(&er, r.p, (size_t)ext_len);
    c->ext = mq_palloc(pool, (size_t)cap * sizeof(*c->ext));
    while (mq_rd_left(&er) > 0) {
        int16_t kl = mq_rd_i16(&er);
        mq_str_t k = mq_rd_str(&er, kl > 0 ? (size_t)kl : 0);
        int32_t vl = mq_rd_i32(&er);
        mq_str_t v = mq_rd_str(&er, vl > 0 ? (size_t)vl : 0);
        if (!mq_rd_ok(&er) || kl < 0 || vl < 0)
            return MQ_EPROTO;
        if (c->n_ext == RMQ_EXT_MAX)
            return MQ_EPROTO;
        if (k.n == 0)
            continue; /* a zero-length key decodes as null: skip */
        if (memchr(k.p, '\0', k.n) || !rmq_utf8_valid(k.p, k.n))
            return MQ_EPROTO; /* a field name is text: no NUL, valid UTF-8 (else two names
                                 could become one once written as JSON) */
        {
            int dup = 0; /* a repeated name replaces the earlier value, as a Java map does */
            for (int i = 0; i < c->n_ext && !dup; i++)
                if (c->ext[i].key.n == k.n && c->ext[i].key.p[0] == k.p[0] &&
                    memcmp(c->ext[i].key.p, k.p, k.n) == 0) {
                    c->ext[i].val = v;
                    dup = 1;
                }
            if (dup)
                continue;
        }
        if (c->n_ext == cap) {
            rmq_ext_t *bigger = mq_palloc(pool, (size_t)cap * 2 * sizeof(*bigger));
            memcpy(bigger, c->ext, (size_t)cap * sizeof(*bigger));
            c->ext = bigger;
            cap *= 2;
        }
        c->ext[c->n_ext].key = k;
        c->ext[c->n_ext].val = v;
        c->n_ext++;
    }
    if (c->language < 0 || c->language >= RMQ_LANGUAGE_COUNT)
        c->language = 7;
    return MQ_OK;
}

int
rmq_cmd_decode(const rmq_frame_t *f, mq_pool_t *pool, rmq_cmd_t *out)
{
    memset(out, 0, sizeof(*out));
    out->serialize_type = f->serialize_type;
    out->body = f->body;
    if (f->serialize_type == RMQ_SERIALIZE_ROCKETMQ)
        return rmq_decode_binary(f, pool, out);
    if (rmq_json_fast_decode(f->header.p, f->header.n, pool, out) == MQ_OK)
        return MQ_OK;
    memset(out, 0, sizeof(*out)); /* declined: jansson decides, from scratch */
    out->serialize_type = f->serialize_type;
    out->body = f->body;
    return rmq_json_slow_decode(f->header.p, f->header.n, pool, out);
}

int
rmq_cmd_ext(const rmq_cmd_t *c, const char *key, mq_str_t *val)
{
    size_t n = strlen(key);
    /* Most lookups are for SEND_MESSAGE_V2's one-letter names among a dozen fields: compare
     * the first byte before calling memcmp. */
    for (int i = 0; i < c->n_ext; i++) {
        const mq_str_t *k = &c->ext[i].key;
        if (k->n == n && (n == 0 || (k->p[0] == key[0] && memcmp(k->p + 1, key + 1, n - 1) == 0))) {
            *val = c->ext[i].val;
            return 1;
        }
    }
    return 0;
}

int
rmq_cmd_ext_i64(const rmq_cmd_t *c, const char *key, int64_t *out)
{
    mq_str_t v;
    char buf[32], *end;
    long long x;

    if (!rmq_cmd_ext(c, key, &v))
        return MQ_ENOENT;
    if (v.n == 0 || v.n >= sizeof(buf))
        return MQ_EINVAL;
    memcpy(buf, v.p, v.n);
    buf[v.n] = '\0';
    errno = 0;
    x = strtoll(buf, &end, 10);
    if (*end || errno)
        return MQ_EINVAL;
    *out = x;
    return MQ_OK;
}

int
rmq_cmd_ext_i32(const rmq_cmd_t *c, const char *key, int32_t *out)
{
    int64_t x;
    int rc = rmq_cmd_ext_i64(c, key, &x);
    if (rc != MQ_OK)
        return rc;
    if (x < INT32_MIN || x > INT32_MAX)
        return MQ_EINVAL;
    *out = (int32_t)x;
    return MQ_OK;
}

int
rmq_cmd_ext_bool(const rmq_cmd_t *c, const char *key, int *out)
{
    mq_str_t v;
    if (!rmq_cmd_ext(c, key, &v))
        return MQ_ENOENT;
    if (mq_str_eq(v, MQ_STR("true")))
        *out = 1;
    else if (mq_str_eq(v, MQ_STR("false")))
        *out = 0;
    else
        return MQ_EINVAL;
    return MQ_OK;
}

/* ---- Encoding ---- */

void
rmq_cmd_init(rmq_cmd_t *c, int32_t code, int32_t opaque, int32_t flag)
{
    memset(c, 0, sizeof(*c));
    c->code = code;
    c->language = 0;  /* JAVA: what the Java broker says, what every client expects */
    c->version = 479; /* V5_3_3 */
    c->opaque = opaque;
    c->flag = flag;
}

void
rmq_cmd_add(rmq_cmd_t *c, mq_pool_t *pool, const char *key, mq_str_t val)
{
    if (c->n_ext % 8 == 0) {
        rmq_ext_t *bigger = mq_palloc(pool, (size_t)(c->n_ext + 8) * sizeof(*bigger));
        if (c->n_ext)
            memcpy(bigger, c->ext, (size_t)c->n_ext * sizeof(*bigger));
        c->ext = bigger;
    }
    c->ext[c->n_ext].key = (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(key)), strlen(key)};
    c->ext[c->n_ext].val = (mq_str_t){mq_pstrdup(pool, val), val.n};
    c->n_ext++;
}

void
rmq_cmd_add_i64(rmq_cmd_t *c, mq_pool_t *pool, const char *key, int64_t val)
{
    char num[24];
    size_t n = mq_fmt_i64(num, val);
    rmq_cmd_add(c, pool, key, (mq_str_t){num, n});
}

/* Appends s as a JSON string literal; bytes that are not UTF-8 become U+FFFD, as a Java
 * decoder would make them. */
static void
rmq_json_str(mq_buf_t *b, mq_str_t s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s.p;
    mq_buf_append(b, "\"", 1);
    for (size_t i = 0; i < s.n;) {
        unsigned char ch = p[i];
        size_t len, run = i;
        while (run < s.n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) { /* a run of plain ASCII: one copy */
            mq_buf_append(b, p + i, run - i);
            i = run;
            continue;
        }
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            mq_buf_append(b, e, 2);
            i++;
        } else if (ch < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            mq_buf_append(b, e, 6);
            i++;
        } else if ((len = rmq_utf8_len(p + i, s.n - i)) > 0) {
            mq_buf_append(b, p + i, len);
            i += len;
        } else {
            mq_buf_append(b, "\\ufffd", 6);
            i++;
        }
    }
    mq_buf_append(b, "\"", 1);
}

/* Appends the JSON header; returns its length. */
static size_t
rmq_json_header(const rmq_cmd_t *c, mq_buf_t *b)
{
    size_t start = b->len;
    mq_buf_append_cstr(b, "{\"code\":");
    mq_buf_append_i64(b, c->code);
    if (c->n_ext > 0) {
        mq_buf_append_cstr(b, ",\"extFields\":{");
        for (int i = 0; i < c->n_ext; i++) {
            if (i)
                mq_buf_append(b, ",", 1);
            rmq_json_str(b, c->ext[i].key);
            mq_buf_append(b, ":", 1);
            rmq_json_str(b, c->ext[i].val);
        }
        mq_buf_append(b, "}", 1);
    }
    mq_buf_append_cstr(b, ",\"flag\":");
    mq_buf_append_i64(b, c->flag);
    mq_buf_append_cstr(b, ",\"language\":\"");
    mq_buf_append_cstr(b, rmq_language_name(c->language));
    mq_buf_append_cstr(b, "\",\"opaque\":");
    mq_buf_append_i64(b, c->opaque);
    if (c->remark.p) {
        mq_buf_append_cstr(b, ",\"remark\":");
        rmq_json_str(b, c->remark);
    }
    mq_buf_append_cstr(b, ",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":");
    mq_buf_append_i64(b, c->version);
    mq_buf_append(b, "}", 1);
    return b->len - start;
}

void
rmq_cmd_encode_head(const rmq_cmd_t *c, size_t body_len, mq_buf_t *out)
{
    size_t at = out->len, hl;
    uint8_t *p;
    mq_buf_append(out, "\0\0\0\0\0\0\0\0", 8); /* prefix, patched below */
    hl = rmq_json_header(c, out);
    p = out->data + at;
    mq_store_be32(p, (uint32_t)(4 + hl + body_len));
    mq_store_be32(p + 4, (uint32_t)hl & 0xFFFFFFu);
}

void
rmq_cmd_encode(const rmq_cmd_t *c, mq_buf_t *out)
{
    rmq_cmd_encode_head(c, c->body.n, out);
    mq_buf_append_str(out, c->body);
}

void
rmq_cmd_encode_head_binary(const rmq_cmd_t *c, size_t body_len, mq_buf_t *out)
{
    size_t remark = c->remark.p ? c->remark.n : 0, ext_len = 0, head_len;
    uint8_t *w;

    for (int i = 0; i < c->n_ext; i++)
        ext_len += 2 + c->ext[i].key.n + 4 + c->ext[i].val.n;
    head_len = 13 + 4 + remark + 4 + ext_len;
    rmq_frame_put_prefix(out, RMQ_SERIALIZE_ROCKETMQ, head_len, body_len);
    w = mq_buf_reserve(out, head_len); /* sized above: written in place, no scratch buffer */
    mq_store_be16(w, (uint16_t)c->code);
    w[2] = (uint8_t)c->language;
    mq_store_be16(w + 3, (uint16_t)c->version);
    mq_store_be32(w + 5, (uint32_t)c->opaque);
    mq_store_be32(w + 9, (uint32_t)c->flag);
    mq_store_be32(w + 13, (uint32_t)remark);
    w += 17;
    if (remark) {
        memcpy(w, c->remark.p, remark);
        w += remark;
    }
    mq_store_be32(w, (uint32_t)ext_len);
    w += 4;
    for (int i = 0; i < c->n_ext; i++) {
        const rmq_ext_t *e = &c->ext[i];
        mq_store_be16(w, (uint16_t)e->key.n);
        if (e->key.n)
            memcpy(w + 2, e->key.p, e->key.n);
        w += 2 + e->key.n;
        mq_store_be32(w, (uint32_t)e->val.n);
        if (e->val.n)
            memcpy(w + 4, e->val.p, e->val.n);
        w += 4 + e->val.n;
    }
    out->len += head_len;
}

void
rmq_cmd_encode_binary(const rmq_cmd_t *c, mq_buf_t *out)
{
    rmq_cmd_encode_head_binary(c, c->body.n, out);
    mq_buf_append_str(out, c->body);
}
