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
    mq_props_without_any(b, props, &name, 1);
}

void
mq_props_without_any(mq_buf_t *b, mq_str_t props, const char *const *names, int n)
{
    mq_props_iter_t it;
    mq_str_t k, v;

    mq_props_iter_init(&it, props);
    while (mq_props_next(&it, &k, &v)) {
        int keep = 1;
        for (int i = 0; i < n && keep; i++)
            keep = !mq_str_eq_cstr(k, names[i]);
        if (keep)
            mq_props_put(b, k, v);
    }
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

int
mq_topic_is_system(mq_str_t topic, const char *cluster, const char *broker_name)
{
    static const char *const sys[] = {"TBW102",
                                      "SCHEDULE_TOPIC_XXXX",
                                      "BenchmarkTest",
                                      "RMQ_SYS_TRANS_HALF_TOPIC",
                                      "RMQ_SYS_TRACE_TOPIC",
                                      "RMQ_SYS_TRANS_OP_HALF_TOPIC",
                                      "TRANS_CHECK_MAX_TIME_TOPIC",
                                      "SELF_TEST_TOPIC",
                                      "OFFSET_MOVED_EVENT"};
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
        if (mq_str_eq(topic, mq_str_from_cstr(sys[i])))
            return 1;
    return (topic.n >= 8 && memcmp(topic.p, "rmq_sys_", 8) == 0) ||
           (cluster && mq_str_eq(topic, mq_str_from_cstr(cluster))) ||
           (broker_name && mq_str_eq(topic, mq_str_from_cstr(broker_name)));
}
