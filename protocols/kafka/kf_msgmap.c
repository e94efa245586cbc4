/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_msgmap.c -- Kafka record <-> stored RocketMQ message (interface and the full mapping:
 * kf_msgmap.h; operator's view: docs/kafka-compatibility.md). Pure code: no I/O, no globals.
 *
 * The properties string is sized first (kf_msgmap_props_len) and then written into room
 * reserved once, so producing a record costs no allocation once the caller's buffer has grown.
 * Reading a message back allocates from the caller's pool only the headers array and the
 * strings that hold escapes; everything else is a view into the stored message.
 */
#include <string.h>

#include "kf_msgmap.h"

/* RocketMQ system property names (MessageConst PROPERTY_* and DUP_INFO). A Kafka header with
 * one of these names is carried escaped; a native message's property with one of these names
 * becomes the header "rocketmq." + name. XX(name, settable): settable names may be set by a
 * Kafka producer through the header "rocketmq." + name. */
#define KF_SYSPROP_MAP(XX)                                                                         \
    XX("KEYS", 0)                                                                                  \
    XX("TAGS", 1)                                                                                  \
    XX("WAIT", 0)                                                                                  \
    XX("DELAY", 1)                                                                                 \
    XX("RETRY_TOPIC", 0)                                                                           \
    XX("REAL_TOPIC", 0)                                                                            \
    XX("REAL_QID", 0)                                                                              \
    XX("TRAN_MSG", 0)                                                                              \
    XX("PGROUP", 0)                                                                                \
    XX("MIN_OFFSET", 0)                                                                            \
    XX("MAX_OFFSET", 0)                                                                            \
    XX("BUYER_ID", 0)                                                                              \
    XX("ORIGIN_MESSAGE_ID", 0)                                                                     \
    XX("TRANSFER_FLAG", 0)                                                                         \
    XX("CORRECTION_FLAG", 0)                                                                       \
    XX("MQ2_FLAG", 0)                                                                              \
    XX("RECONSUME_TIME", 0)                                                                        \
    XX("MSG_REGION", 0)                                                                            \
    XX("TRACE_ON", 0)                                                                              \
    XX("UNIQ_KEY", 0)                                                                              \
    XX("EXTEND_UNIQ_INFO", 0)                                                                      \
    XX("MAX_RECONSUME_TIMES", 0)                                                                   \
    XX("CONSUME_START_TIME", 0)                                                                    \
    XX("INNER_NUM", 0)                                                                             \
    XX("INNER_BASE", 0)                                                                            \
    XX("CHECK_IMMUNITY_TIME_IN_SECONDS", 0)                                                        \
    XX("TRAN_PREPARED_QUEUE_OFFSET", 0)                                                            \
    XX("__transactionId__", 0)                                                                     \
    XX("TRANSACTION_CHECK_TIMES", 0)                                                               \
    XX("INSTANCE_ID", 0)                                                                           \
    XX("CORRELATION_ID", 0)                                                                        \
    XX("REPLY_TO_CLIENT", 0)                                                                       \
    XX("TTL", 0)                                                                                   \
    XX("ARRIVE_TIME", 0)                                                                           \
    XX("PUSH_REPLY_TIME", 0)                                                                       \
    XX("CLUSTER", 0)                                                                               \
    XX("MSG_TYPE", 0)                                                                              \
    XX("POP_CK", 0)                                                                                \
    XX("POP_CK_OFFSET", 0)                                                                         \
    XX("1ST_POP_TIME", 0)                                                                          \
    XX("__SHARDINGKEY", 0)                                                                         \
    XX("PROPERTY_FORWARD_QUEUE_ID", 0)                                                             \
    XX("REDIRECT", 0)                                                                              \
    XX("INNER_MULTI_DISPATCH", 0)                                                                  \
    XX("INNER_MULTI_QUEUE_OFFSET", 0)                                                              \
    XX("TRACE_CONTEXT", 0)                                                                         \
    XX("TIMER_DELAY_SEC", 1)                                                                       \
    XX("TIMER_DELIVER_MS", 1)                                                                      \
    XX("TIMER_DELAY_MS", 0)                                                                        \
    XX("TIMER_ENQUEUE_MS", 0)                                                                      \
    XX("TIMER_DEQUEUE_MS", 0)                                                                      \
    XX("TIMER_ROLL_TIMES", 0)                                                                      \
    XX("TIMER_OUT_MS", 0)                                                                          \
    XX("TIMER_DEL_UNIQKEY", 0)                                                                     \
    XX("TIMER_DELAY_LEVEL", 0)                                                                     \
    XX("__BORNHOST", 0)                                                                            \
    XX("BORN_TIMESTAMP", 0)                                                                        \
    XX("__CRC32#", 0)                                                                              \
    XX("DLQ_ORIGIN_TOPIC", 0)                                                                      \
    XX("DLQ_ORIGIN_MESSAGE_ID", 0)                                                                 \
    XX("DUP_INFO", 0)

typedef struct kf_sysprop_s {
    mq_str_t name;    /* the property name */
    mq_str_t header;  /* "rocketmq." + name */
    uint8_t settable; /* 1: a Kafka producer may set it through the header */
} kf_sysprop_t;

static const kf_sysprop_t kf_sysprops[] = {
#define KF_SYSPROP_ROW(n, s)                                                                       \
    {{n, sizeof(n) - 1}, {KF_HDR_RMQ_PREFIX n, sizeof(KF_HDR_RMQ_PREFIX n) - 1}, s},
    KF_SYSPROP_MAP(KF_SYSPROP_ROW)
#undef KF_SYSPROP_ROW
};

#define KF_TRANSIENT_PREFIX "__RMQ.TRANSIENT." /* MessageConst.PROPERTY_TRANSIENT_PREFIX */

static const char kf_msgmap_hex[] = "0123456789ABCDEF";

/* ---- Escaping ---- */

/* Length of the well-formed UTF-8 sequence at p (n > 0 bytes, p[0] >= 0x80), or 0. */
static size_t
kf_utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;

    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* <= U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Byte classes for esc: 0 copied, 1 escaped in keys only (the space), 2 escaped always
 * (\0 \1 \2 %) or, at 0x80 and above, copied only inside well-formed UTF-8. A byte is copied
 * without a second look when its class is below the limit of its escape class. */
/* clang-format off */
#define KF_ESC_R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const uint8_t kf_esc_class[256] = {
    2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00: \0 \1 \2 */
    KF_ESC_R16(0),                                  /* 0x10 */
    1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: ' ' and '%' */
    KF_ESC_R16(0), KF_ESC_R16(0), KF_ESC_R16(0),    /* 0x30 - 0x5F */
    KF_ESC_R16(0), KF_ESC_R16(0),                   /* 0x60 - 0x7F */
    KF_ESC_R16(2), KF_ESC_R16(2), KF_ESC_R16(2), KF_ESC_R16(2), /* 0x80 - 0xFF */
    KF_ESC_R16(2), KF_ESC_R16(2), KF_ESC_R16(2), KF_ESC_R16(2),
};
/* clang-format on */
#undef KF_ESC_R16

/* Writes esc(s) to dst when dst != NULL; returns its length either way. Runs of plain ASCII
 * are copied in one go: escapes are rare, and this is on the Produce and Fetch paths. */
static size_t
kf_esc_write(uint8_t *dst, mq_str_t s, int cls)
{
    const uint8_t *p = (const uint8_t *)s.p;
    size_t i = 0, n = 0;
    uint8_t lim = cls == KF_ESC_KEY ? 1 : 2;

    while (i < s.n) {
        size_t run = i, len;
        uint8_t c;
        while (run < s.n && kf_esc_class[p[run]] < lim)
            run++;
        if (run > i) {
            if (dst)
                memcpy(dst + n, p + i, run - i);
            n += run - i;
            i = run;
            if (i == s.n)
                break;
        }
        c = p[i];
        if (c >= 0x80 && (len = kf_utf8_len(p + i, s.n - i)) > 0) {
            if (dst)
                memcpy(dst + n, p + i, len);
            n += len;
            i += len;
            continue;
        }
        if (dst) {
            dst[n] = '%';
            dst[n + 1] = (uint8_t)kf_msgmap_hex[c >> 4];
            dst[n + 2] = (uint8_t)kf_msgmap_hex[c & 15];
        }
        n += 3;
        i++;
    }
    return n;
}

size_t
kf_esc_len(mq_str_t s, int cls)
{
    return kf_esc_write(NULL, s, cls);
}

void
kf_esc_append(mq_buf_t *b, mq_str_t s, int cls)
{
    uint8_t *dst = mq_buf_reserve(b, s.n * 3);
    b->len += kf_esc_write(dst, s, cls);
}

static int
kf_hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

mq_str_t
kf_unesc(mq_str_t s, mq_pool_t *pool)
{
    const uint8_t *p = (const uint8_t *)s.p;
    uint8_t *out;
    size_t n = 0;

    if (s.n == 0)
        return (mq_str_t){"", 0};
    if (memchr(s.p, '%', s.n) == NULL)
        return s;
    out = mq_palloc(pool, s.n);
    for (size_t i = 0; i < s.n; i++) {
        int hi, lo;
        if (p[i] == '%' && i + 2 < s.n && (hi = kf_hexval(p[i + 1])) >= 0 &&
            (lo = kf_hexval(p[i + 2])) >= 0) {
            out[n++] = (uint8_t)(hi << 4 | lo);
            i += 2;
        } else {
            out[n++] = p[i]; /* not ours: keep verbatim */
        }
    }
    return (mq_str_t){(const char *)out, n};
}

/* ---- Names ---- */

static const kf_sysprop_t *
kf_sysprop_find(mq_str_t name)
{
    /* every system name starts with an upper-case letter, a digit or '_': most header names
     * (lower case) are rejected at once */
    if (name.n == 0 || !((name.p[0] >= 'A' && name.p[0] <= 'Z') || name.p[0] == '_' ||
                         (name.p[0] >= '0' && name.p[0] <= '9')))
        return NULL;
    for (size_t i = 0; i < MQ_ARRAY_LEN(kf_sysprops); i++)
        if (kf_sysprops[i].name.n == name.n && memcmp(kf_sysprops[i].name.p, name.p, name.n) == 0)
            return &kf_sysprops[i];
    return NULL;
}

static int
kf_has_prefix(mq_str_t s, const char *prefix, size_t n)
{
    return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

#define KF_HAS_PREFIX(s, lit) kf_has_prefix((s), (lit), sizeof(lit) - 1)

/* How a header name travels: under a settable system name, as itself, or escaped. */
enum { KF_HDR_SETTABLE, KF_HDR_PLAIN, KF_HDR_ESCAPED };

static int
kf_hdr_kind(const kf_header_t *h, const kf_sysprop_t **sp)
{
    mq_str_t k = h->key;

    *sp = NULL;
    if (KF_HAS_PREFIX(k, KF_HDR_RMQ_PREFIX)) {
        mq_str_t rest = {k.p + sizeof(KF_HDR_RMQ_PREFIX) - 1,
                         k.n - (sizeof(KF_HDR_RMQ_PREFIX) - 1)};
        const kf_sysprop_t *p = kf_sysprop_find(rest);
        if (p && p->settable && h->value.p != NULL && h->value.n > 0) {
            *sp = p;
            return KF_HDR_SETTABLE;
        }
        return KF_HDR_ESCAPED;
    }
    if (k.n == 0 || k.p == NULL || kf_esc_len(k, KF_ESC_VALUE) != k.n)
        return KF_HDR_ESCAPED;
    if (kf_sysprop_find(k) != NULL || KF_HAS_PREFIX(k, KF_TRANSIENT_PREFIX))
        return KF_HDR_ESCAPED;
    return KF_HDR_PLAIN;
}

/* ---- Record -> message ---- */

/* Appends (dst != NULL) or counts the properties of rec; returns the length. dst has room. */
static size_t
kf_msgmap_put_props(uint8_t *dst, const kf_record_t *rec, const kf_batch_info_t *batch)
{
    size_t n = 0;

#define KF_PUT(ptr, len)                                                                           \
    do {                                                                                           \
        if (dst && (len) > 0)                                                                      \
            memcpy(dst + n, (ptr), (len));                                                         \
        n += (len);                                                                                \
    } while (0)
#define KF_PUT_LIT(lit) KF_PUT(lit, sizeof(lit) - 1)
#define KF_PUT_ESC(s, cls) (n += kf_esc_write(dst ? dst + n : NULL, (s), (cls)))

    /* marker */
    KF_PUT_LIT(KF_PROP_MARK "\001"
                            "1");
    if (rec->key.p != NULL && rec->key.n == 0)
        KF_PUT_LIT("e");
    if (rec->value.p == NULL)
        KF_PUT_LIT("t");
    if (batch && (batch->attributes & KF_ATTR_LOG_APPEND_TIME))
        KF_PUT_LIT("l");
    KF_PUT_LIT("\002");

    /* key */
    if (rec->key.p != NULL && rec->key.n > 0) {
        KF_PUT_LIT(MQ_PROP_KEYS "\001");
        KF_PUT_ESC(rec->key, KF_ESC_KEY);
        KF_PUT_LIT("\002");
    }

    /* headers, in order */
    for (int i = 0; i < rec->n_headers; i++) {
        const kf_header_t *h = &rec->headers[i];
        const kf_sysprop_t *sp;
        switch (kf_hdr_kind(h, &sp)) {
        case KF_HDR_SETTABLE:
            KF_PUT(sp->name.p, sp->name.n);
            KF_PUT_LIT("\001");
            KF_PUT_ESC(h->value, KF_ESC_VALUE);
            KF_PUT_LIT("\002");
            continue;
        case KF_HDR_PLAIN:
            KF_PUT(h->key.p, h->key.n);
            break;
        default:
            KF_PUT_LIT(KF_PROP_HDR_PREFIX);
            KF_PUT_ESC(h->key, KF_ESC_VALUE);
            break;
        }
        KF_PUT_LIT("\001");
        if (h->value.p == NULL)
            KF_PUT_LIT(KF_HDR_VAL_NULL);
        else if (h->value.n == 0)
            KF_PUT_LIT(KF_HDR_VAL_EMPTY);
        else
            KF_PUT_ESC(h->value, KF_ESC_VALUE);
        KF_PUT_LIT("\002");
    }
#undef KF_PUT
#undef KF_PUT_LIT
#undef KF_PUT_ESC
    return n;
}

size_t
kf_msgmap_props_len(const kf_record_t *rec, const kf_batch_info_t *batch)
{
    return kf_msgmap_put_props(NULL, rec, batch);
}

int
kf_msgmap_to_mq(const kf_record_t *rec, const kf_batch_info_t *batch, mq_str_t topic,
                int32_t queue_id, mq_buf_t *props, mq_msg_t *out)
{
    size_t need, start = props->len;
    uint8_t *dst;

    if (batch && (batch->attributes & KF_ATTR_CONTROL))
        return MQ_EINVAL; /* control records are the front end's business, never stored */
    need = kf_msgmap_props_len(rec, batch);
    if (need > KF_MSGMAP_PROPS_MAX)
        return MQ_ETOOBIG;
    dst = mq_buf_reserve(props, need);
    props->len += kf_msgmap_put_props(dst, rec, batch);
    (void)MQ_ALWAYS(props->len - start == need);

    memset(out, 0, sizeof(*out));
    out->topic = topic;
    out->queue_id = queue_id;
    out->born_ts = rec->timestamp;
    out->body = rec->value.p != NULL ? rec->value : (mq_str_t){"", 0};
    out->props = (mq_str_t){(const char *)props->data + start, need};
    return MQ_OK;
}

/* ---- Message -> record ---- */

static mq_str_t
kf_hdr_value_get(mq_str_t v, mq_pool_t *pool)
{
    if (v.n == sizeof(KF_HDR_VAL_NULL) - 1 && memcmp(v.p, KF_HDR_VAL_NULL, v.n) == 0)
        return MQ_STR_NULL;
    if (v.n == sizeof(KF_HDR_VAL_EMPTY) - 1 && memcmp(v.p, KF_HDR_VAL_EMPTY, v.n) == 0)
        return (mq_str_t){"", 0};
    return kf_unesc(v, pool);
}

int
kf_msgmap_from_mq(const mq_msg_t *m, mq_pool_t *pool, kf_record_t *out, kf_msgmap_info_t *info)
{
    kf_msgmap_info_t dummy;
    mq_props_iter_t it;
    mq_str_t mark = MQ_STR_NULL, keys = MQ_STR_NULL, name, val;
    int kafka, has_mark = 0, has_keys = 0, count = 0, flag_e = 0, flag_t = 0;

    if (info == NULL)
        info = &dummy;
    memset(info, 0, sizeof(*info));
    memset(out, 0, sizeof(*out));
    out->offset = m->queue_offset;
    out->timestamp = m->born_ts;
    info->body_compressed = (m->sys_flag & MQ_SYSFLAG_COMPRESSED) != 0;

    /* one pass: count the pairs, find the marker and KEYS (the last of each, as Java) */
    mq_props_iter_init(&it, m->props);
    while (mq_props_next(&it, &name, &val)) {
        count++;
        if (mq_str_eq(name, MQ_STR(KF_PROP_MARK))) {
            mark = val;
            has_mark = 1;
        } else if (mq_str_eq(name, MQ_STR(MQ_PROP_KEYS))) {
            keys = val;
            has_keys = 1;
        }
    }
    kafka = has_mark && mark.n >= 1 && mark.p[0] == KF_MARK_VERSION;
    if (kafka) {
        info->from_kafka = 1;
        for (size_t i = 1; i < mark.n; i++) {
            flag_e |= mark.p[i] == KF_MARK_EMPTY_KEY;
            flag_t |= mark.p[i] == KF_MARK_NULL_VALUE;
            info->log_append_time |= mark.p[i] == KF_MARK_LOG_APPEND;
        }
    }

    /* value */
    out->value = m->body.p != NULL ? m->body : (mq_str_t){"", 0};
    if (flag_t)
        out->value = MQ_STR_NULL;

    /* key */
    if (has_keys)
        out->key = kafka ? kf_unesc(keys, pool) : keys;
    else if (flag_e)
        out->key = (mq_str_t){"", 0};

    /* headers */
    if (count == 0)
        return MQ_OK;
    out->headers = mq_palloc(pool, (size_t)count * sizeof(kf_header_t));
    mq_props_iter_init(&it, m->props);
    while (mq_props_next(&it, &name, &val)) {
        kf_header_t *h = &out->headers[out->n_headers];
        const kf_sysprop_t *sp;
        if (!kafka) {
            sp = kf_sysprop_find(name);
            h->key = sp ? sp->header : name;
            h->value = val;
            out->n_headers++;
            continue;
        }
        if (KF_HAS_PREFIX(name, KF_PROP_HDR_PREFIX)) {
            size_t skip = sizeof(KF_PROP_HDR_PREFIX) - 1;
            h->key = kf_unesc((mq_str_t){name.p + skip, name.n - skip}, pool);
            h->value = kf_hdr_value_get(val, pool);
        } else if ((sp = kf_sysprop_find(name)) != NULL) {
            if (!sp->settable)
                continue; /* KEYS (the key) or added by the broker: not a header */
            h->key = sp->header;
            h->value = kf_unesc(val, pool);
        } else if (mq_str_eq(name, MQ_STR(KF_PROP_MARK)) ||
                   KF_HAS_PREFIX(name, KF_TRANSIENT_PREFIX)) {
            continue;
        } else {
            h->key = name;
            h->value = kf_hdr_value_get(val, pool);
        }
        out->n_headers++;
    }
    if (out->n_headers == 0)
        out->headers = NULL;
    return MQ_OK;
}
