/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_props.c -- the message properties string (name \1 value \2 ...) and Java hash codes
 * (msg.h). The parser follows Java's MessageDecoder.string2messageProperties: chunks split on
 * \2; a chunk counts only if it has >= 3 bytes and a \1 that is neither its first nor last byte.
 */
#include <string.h>

#include "mq/msg.h"

void
mq_props_iter_init(mq_props_iter_t *it, mq_str_t props)
{
    it->p = props.p;
    it->end = props.p ? props.p + props.n : NULL;
}

int
mq_props_next(mq_props_iter_t *it, mq_str_t *name, mq_str_t *value)
{
    while (it->p && it->p < it->end) {
        const char *start = it->p;
        const char *stop = memchr(start, MQ_PROP_PAIR_SEP, (size_t)(it->end - start));
        const char *sep;
        if (stop == NULL)
            stop = it->end;
        it->p = stop < it->end ? stop + 1 : it->end;
        if (stop - start < 3)
            continue;
        sep = memchr(start, MQ_PROP_NAME_SEP, (size_t)(stop - start));
        if (sep == NULL || sep == start || sep >= stop - 1)
            continue;
        *name = (mq_str_t){start, (size_t)(sep - start)};
        *value = (mq_str_t){sep + 1, (size_t)(stop - sep - 1)};
        return 1;
    }
    return 0;
}

int
mq_props_get(mq_str_t props, const char *name, mq_str_t *value)
{
    mq_props_iter_t it;
    mq_str_t k, v, want = mq_str_from_cstr(name);
    int found = 0;

    mq_props_iter_init(&it, props);
    while (mq_props_next(&it, &k, &v)) {
        if (mq_str_eq(k, want)) {
            *value = v;
            found = 1;
        }
    }
    return found;
}

void
mq_props_put(mq_buf_t *b, mq_str_t name, mq_str_t value)
{
    char sep;
    mq_buf_append_str(b, name);
    sep = MQ_PROP_NAME_SEP;
    mq_buf_append(b, &sep, 1);
    mq_buf_append_str(b, value);
    sep = MQ_PROP_PAIR_SEP;
    mq_buf_append(b, &sep, 1);
}

void
mq_props_without(mq_buf_t *b, mq_str_t props, const char *name)
{
    mq_props_iter_t it;
    mq_str_t k, v, drop = mq_str_from_cstr(name);

    mq_props_iter_init(&it, props);
    while (mq_props_next(&it, &k, &v))
        if (!mq_str_eq(k, drop))
            mq_props_put(b, k, v);
}

/* Decodes one UTF-8 sequence at p (n > 0 bytes). Returns the code point and sets *used; an
 * invalid sequence yields U+FFFD and consumes one byte. */
static uint32_t
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

int32_t
mq_java_hash_update(int32_t h, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t uh = (uint32_t)h;

    while (n > 0) {
        size_t used;
        uint32_t c;
        if (*p < 0x80) { /* ASCII fast path */
            uh = 31u * uh + *p;
            p++;
            n--;
            continue;
        }
        c = mq_utf8_decode(p, n, &used);
        p += used;
        n -= used;
        if (c >= 0x10000) { /* UTF-16 surrogate pair */
            c -= 0x10000;
            uh = 31u * uh + (0xD800 + (c >> 10));
            uh = 31u * uh + (0xDC00 + (c & 0x3FF));
        } else {
            uh = 31u * uh + c;
        }
    }
    return (int32_t)uh;
}

int64_t
mq_tags_code(mq_str_t tags)
{
    if (tags.n == 0)
        return 0;
    return (int64_t)mq_java_hash(tags);
}
