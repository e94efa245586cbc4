/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_msg.c -- messages on the client side: the properties string and SEND_MESSAGE_V2 header a
 * producer sends (rocketmq-protocol.md sections 2.3 and 4.1), tag expressions, and the decoding
 * of PULL_MESSAGE bodies (stored records, section 4.2) into mqc_received_t with zlib bodies
 * inflated and the client-side tag filter applied. Pure functions: no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mqc_int.h"

#define MQC_MAX_INFLATED (64 * 1024 * 1024) /* largest body we inflate */

/* ---- Properties and the send header ---- */

void
mqc_msg_props(const mqc_message_t *m, const char *uniq_key, mq_buf_t *out)
{
    if (m->keys && *m->keys)
        mq_props_put(out, MQ_STR(MQ_PROP_KEYS), mq_str_from_cstr(m->keys));
    if (m->tags && *m->tags)
        mq_props_put(out, MQ_STR(MQ_PROP_TAGS), mq_str_from_cstr(m->tags));
    mq_props_put(out, MQ_STR(MQ_PROP_WAIT), MQ_STR("true"));
    if (uniq_key && *uniq_key)
        mq_props_put(out, MQ_STR(MQ_PROP_UNIQ_KEY), mq_str_from_cstr(uniq_key));
    if (m->delay_level > 0) {
        char lvl[16];
        int n = snprintf(lvl, sizeof(lvl), "%d", m->delay_level);
        mq_props_put(out, MQ_STR(MQ_PROP_DELAY), (mq_str_t){lvl, (size_t)n});
    }
    if (m->deliver_ms > 0) {
        char ms[24];
        int n = snprintf(ms, sizeof(ms), "%lld", (long long)m->deliver_ms);
        mq_props_put(out, MQ_STR("TIMER_DELIVER_MS"), (mq_str_t){ms, (size_t)n});
    }
    if (m->properties && *m->properties)
        mq_buf_append_cstr(out, m->properties);
}

void
mqc_msg_send_header(rmq_cmd_t *c, mq_pool_t *pool, const char *group, const char *topic,
                    int queue_id, int sys_flag, int64_t born_ts, mq_str_t props, int batch,
                    const char *broker_name)
{
    rmq_cmd_init(c, batch ? RMQ_SEND_BATCH_MESSAGE : RMQ_SEND_MESSAGE_V2, 0, 0);
    rmq_cmd_add(c, pool, "a", mq_str_from_cstr(group));
    rmq_cmd_add(c, pool, "b", mq_str_from_cstr(topic));
    rmq_cmd_add(c, pool, "c", MQ_STR(MQC_DEFAULT_TOPIC));
    rmq_cmd_add_i64(c, pool, "d", MQC_DEFAULT_TOPIC_QUEUES);
    rmq_cmd_add_i64(c, pool, "e", queue_id);
    rmq_cmd_add_i64(c, pool, "f", sys_flag);
    rmq_cmd_add_i64(c, pool, "g", born_ts);
    rmq_cmd_add_i64(c, pool, "h", 0);
    rmq_cmd_add(c, pool, "i", props);
    rmq_cmd_add_i64(c, pool, "j", 0);
    rmq_cmd_add(c, pool, "k", MQ_STR("false"));
    rmq_cmd_add(c, pool, "m", batch ? MQ_STR("true") : MQ_STR("false"));
    if (broker_name && *broker_name)
        rmq_cmd_add(c, pool, "n", mq_str_from_cstr(broker_name));
}

/* ---- Tag expressions ---- */

int
mqc_tags_parse(const char *expr, mqc_tags_t *out)
{
    const char *p = expr;
    memset(out, 0, sizeof(*out));
    if (!expr || !*expr || strcmp(expr, "*") == 0) {
        out->all = 1;
        return MQ_OK;
    }
    while (*p) {
        const char *end = strstr(p, "||");
        const char *s = p, *e = end ? end : p + strlen(p);
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > s) {
            if (out->n == MQC_MAX_TAGS || (size_t)(e - s) >= sizeof(out->tag[0]))
                return MQ_EINVAL;
            memcpy(out->tag[out->n], s, (size_t)(e - s));
            out->tag[out->n][e - s] = '\0';
            if (strcmp(out->tag[out->n], "*") == 0)
                out->all = 1;
            out->n++;
        }
        if (!end)
            break;
        p = end + 2;
    }
    if (out->n == 0)
        out->all = 1;
    return MQ_OK;
}

int
mqc_tags_match(const mqc_tags_t *t, mq_str_t tag)
{
    if (t->all)
        return 1;
    for (int i = 0; i < t->n; i++)
        if (mq_str_eq_cstr(tag, t->tag[i]))
            return 1;
    return 0;
}

/* ---- Pull bodies ---- */

/* Inflates a zlib body into pool. MQ_OK or MQ_ECORRUPT. */
static int
mqc_inflate(mq_str_t in, mq_pool_t *pool, mq_str_t *out)
{
    size_t cap = in.n * 4 + 64;
    for (;;) {
        uLongf len = (uLongf)cap;
        uint8_t *dst = mq_palloc(pool, cap);
        int zrc = uncompress(dst, &len, (const Bytef *)in.p, (uLong)in.n);
        if (zrc == Z_OK) {
            *out = (mq_str_t){(const char *)dst, (size_t)len};
            return MQ_OK;
        }
        if (zrc != Z_BUF_ERROR || cap >= MQC_MAX_INFLATED)
            return MQ_ECORRUPT;
        cap = MQ_MIN(cap * 4, (size_t)MQC_MAX_INFLATED);
    }
}

static void
mqc_copy_id(char dst[33], mq_str_t s)
{
    size_t n = MQ_MIN(s.n, (size_t)32);
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

/* A NUL-terminated copy of a property (or ""), in pool. */
static const char *
mqc_prop_cstr(mq_str_t props, const char *name, mq_pool_t *pool)
{
    mq_str_t v;
    if (!mq_props_get(props, name, &v))
        return "";
    return mq_pstrdup(pool, v);
}

int
mqc_msg_decode_pull(mq_str_t body, const char *expr, mq_pool_t *pool, mqc_received_t **msgs,
                    int64_t *last_offset)
{
    mqc_tags_t tags;
    const uint8_t *p = (const uint8_t *)body.p;
    size_t left = body.n, count = 0, off = 0;
    int n = 0;
    *msgs = NULL;
    *last_offset = -1;
    if (mqc_tags_parse(expr, &tags) != MQ_OK)
        tags.all = 1;
    /* first pass: count records so the array is allocated once */
    while (off < left) {
        mq_msg_t m;
        if (mq_msg_record_decode(p + off, left - off, &m) != MQ_OK)
            return MQ_EPROTO;
        off += (size_t)m.store_size;
        count++;
    }
    if (count == 0)
        return 0;
    *msgs = mq_pcalloc(pool, count * sizeof(**msgs));
    for (off = 0; off < left;) {
        mq_msg_t m;
        mqc_received_t *r = &(*msgs)[n];
        mq_str_t tag = MQ_STR_NULL, uniq;
        char id[57];
        (void)mq_msg_record_decode(p + off, left - off, &m);
        off += (size_t)m.store_size;
        *last_offset = m.queue_offset;
        (void)mq_props_get(m.props, MQ_PROP_TAGS, &tag);
        if (!mqc_tags_match(&tags, tag))
            continue;
        r->topic = mq_pstrdup(pool, m.topic);
        r->queue_id = m.queue_id;
        r->queue_offset = m.queue_offset;
        r->commitlog_offset = m.phys_offset;
        r->born_ts = m.born_ts;
        r->store_ts = m.store_ts;
        r->reconsume_times = m.reconsume_times;
        mq_msgid_format(id, &m.store_host, m.phys_offset);
        mqc_copy_id(r->offset_msg_id, mq_str_from_cstr(id));
        if (mq_props_get(m.props, MQ_PROP_UNIQ_KEY, &uniq) && uniq.n > 0)
            mqc_copy_id(r->msg_id, uniq);
        else
            memcpy(r->msg_id, r->offset_msg_id, sizeof(r->msg_id));
        r->tags = mqc_prop_cstr(m.props, MQ_PROP_TAGS, pool);
        r->keys = mqc_prop_cstr(m.props, MQ_PROP_KEYS, pool);
        r->properties = m.props;
        if (m.sys_flag & MQ_SYSFLAG_COMPRESSED) {
            mq_str_t plain;
            if (mqc_inflate(m.body, pool, &plain) != MQ_OK)
                return MQ_ECORRUPT;
            r->body = plain.p;
            r->body_len = plain.n;
        } else {
            r->body = m.body.p;
            r->body_len = m.body.n;
        }
        n++;
    }
    return n;
}
