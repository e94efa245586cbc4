/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_msg.c -- RocketMQ's stored-record codec (msg.h). Pure functions over bounds-checked
 * cursors; the layout table is at the top of msg.h.
 */
#include <string.h>

#include "mq/crc.h"
#include "mq/msg.h"
#include "mq/rd.h"
#include "mq/wr.h"

static size_t
mq_msg_host_len(const mq_host_t *h)
{
    return h->v6 ? 20 : 8;
}

int64_t
mq_msg_record_size(const mq_msg_t *m)
{
    int64_t size;

    if (m->topic.n == 0 || m->topic.n > MQ_MSG_MAX_TOPIC)
        return MQ_EINVAL;
    if (m->props.n > MQ_MSG_MAX_PROPS)
        return MQ_ETOOBIG;
    if (m->body.n > INT32_MAX - 4096)
        return MQ_ETOOBIG;
    size = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8;
    size += (int64_t)mq_msg_host_len(&m->born_host);
    size += 8;
    size += (int64_t)mq_msg_host_len(&m->store_host);
    size += 4 + 8;
    size += 4 + (int64_t)m->body.n;
    size += (m->topic.n > MQ_MSG_MAX_TOPIC_V1 ? 2 : 1) + (int64_t)m->topic.n;
    size += 2 + (int64_t)m->props.n;
    if (size > INT32_MAX)
        return MQ_ETOOBIG;
    return size;
}

static void
mq_msg_host_write(mq_wr_t *w, const mq_host_t *h)
{
    mq_wr_bytes(w, h->addr, h->v6 ? 16 : 4);
    mq_wr_i32(w, h->port);
}

int
mq_msg_record_write(uint8_t *dst, size_t size, const mq_msg_t *m)
{
    mq_wr_t w;
    int64_t want = mq_msg_record_size(m);
    int32_t sys_flag = m->sys_flag & ~(MQ_SYSFLAG_BORNHOST_V6 | MQ_SYSFLAG_STOREHOST_V6);
    int v2 = m->topic.n > MQ_MSG_MAX_TOPIC_V1;

    if (want < 0 || (size_t)want != size)
        return MQ_EINVAL;
    if (m->born_host.v6)
        sys_flag |= MQ_SYSFLAG_BORNHOST_V6;
    if (m->store_host.v6)
        sys_flag |= MQ_SYSFLAG_STOREHOST_V6;

    mq_wr_init_fixed(&w, dst, size);
    mq_wr_i32(&w, (int32_t)size);
    mq_wr_i32(&w, v2 ? MQ_MSG_MAGIC_V2 : MQ_MSG_MAGIC_V1);
    mq_wr_i32(&w, m->body_crc);
    mq_wr_i32(&w, m->queue_id);
    mq_wr_i32(&w, m->flag);
    mq_wr_i64(&w, m->queue_offset);
    mq_wr_i64(&w, m->phys_offset);
    mq_wr_i32(&w, sys_flag);
    mq_wr_i64(&w, m->born_ts);
    mq_msg_host_write(&w, &m->born_host);
    mq_wr_i64(&w, m->store_ts);
    mq_msg_host_write(&w, &m->store_host);
    mq_wr_i32(&w, m->reconsume_times);
    mq_wr_i64(&w, m->prepared_tx_offset);
    mq_wr_i32(&w, (int32_t)m->body.n);
    mq_wr_bytes(&w, m->body.p, m->body.n);
    if (v2)
        mq_wr_i16(&w, (int16_t)m->topic.n);
    else
        mq_wr_u8(&w, (uint8_t)m->topic.n);
    mq_wr_bytes(&w, m->topic.p, m->topic.n);
    mq_wr_i16(&w, (int16_t)m->props.n);
    mq_wr_bytes(&w, m->props.p, m->props.n);
    if (!mq_wr_ok(&w) || mq_wr_len(&w) != size)
        return MQ_EINVAL;
    return MQ_OK;
}

static void
mq_msg_host_read(mq_rd_t *r, mq_host_t *h, int v6)
{
    const uint8_t *a = mq_rd_take(r, v6 ? 16 : 4);
    memset(h, 0, sizeof(*h));
    h->v6 = (uint8_t)(v6 != 0);
    if (a)
        memcpy(h->addr, a, v6 ? 16 : 4);
    h->port = mq_rd_i32(r);
}

int
mq_msg_record_decode(const uint8_t *p, size_t n, mq_msg_t *out)
{
    mq_rd_t r;
    int32_t total, magic, body_len, topic_len, props_len;

    memset(out, 0, sizeof(*out));
    if (n < 8)
        return MQ_AGAIN;
    total = (int32_t)mq_load_be32(p);
    magic = (int32_t)mq_load_be32(p + 4);
    if (magic == MQ_MSG_BLANK_MAGIC) {
        if (total < 8)
            return MQ_ECORRUPT;
        out->store_size = total;
        return MQ_DECLINED;
    }
    if (magic != MQ_MSG_MAGIC_V1 && magic != MQ_MSG_MAGIC_V2)
        return MQ_EPROTO;
    if (total < MQ_MSG_MIN_SIZE)
        return MQ_ECORRUPT;
    if ((size_t)total > n)
        return MQ_AGAIN;

    mq_rd_init(&r, p + 8, (size_t)total - 8);
    out->store_size = total;
    out->body_crc = mq_rd_i32(&r);
    out->queue_id = mq_rd_i32(&r);
    out->flag = mq_rd_i32(&r);
    out->queue_offset = mq_rd_i64(&r);
    out->phys_offset = mq_rd_i64(&r);
    out->sys_flag = mq_rd_i32(&r);
    out->born_ts = mq_rd_i64(&r);
    mq_msg_host_read(&r, &out->born_host, out->sys_flag & MQ_SYSFLAG_BORNHOST_V6);
    out->store_ts = mq_rd_i64(&r);
    mq_msg_host_read(&r, &out->store_host, out->sys_flag & MQ_SYSFLAG_STOREHOST_V6);
    out->reconsume_times = mq_rd_i32(&r);
    out->prepared_tx_offset = mq_rd_i64(&r);
    body_len = mq_rd_i32(&r);
    if (body_len < 0)
        return MQ_ECORRUPT;
    out->body = mq_rd_str(&r, (size_t)body_len);
    topic_len = magic == MQ_MSG_MAGIC_V2 ? (int32_t)mq_rd_u16(&r) : (int32_t)mq_rd_u8(&r);
    out->topic = mq_rd_str(&r, (size_t)topic_len);
    props_len = (int32_t)mq_rd_i16(&r);
    if (props_len < 0)
        return MQ_ECORRUPT;
    out->props = mq_rd_str(&r, (size_t)props_len);
    if (!mq_rd_ok(&r) || mq_rd_left(&r) != 0 || topic_len == 0)
        return MQ_ECORRUPT;
    return MQ_OK;
}

int
mq_msg_body_crc_ok(const mq_msg_t *m)
{
    return mq_body_crc(m->body.p, m->body.n) == m->body_crc;
}
