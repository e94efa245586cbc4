/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_batch.c -- batch body codec (rmq_batch.h).
 */
#include <string.h>

#include "mq/rd.h"
#include "mq/wr.h"
#include "rmq_batch.h"

int
rmq_batch_decode(mq_str_t body, mq_pool_t *pool, mq_msg_t **msgs)
{
    mq_rd_t r;
    int n = 0, cap = 0;
    mq_msg_t *out = NULL;

    mq_rd_init(&r, body.p, body.n);
    while (mq_rd_left(&r) > 0) {
        int32_t total = mq_rd_i32(&r), body_len, props_len;
        mq_msg_t *m;
        (void)mq_rd_i32(&r); /* MAGICCODE, 0 */
        (void)mq_rd_i32(&r); /* BODYCRC, 0: the broker computes it */
        if (n == cap) {
            mq_msg_t *bigger;
            if (n == RMQ_BATCH_MAX)
                return MQ_EPROTO;
            cap = cap ? cap * 2 : 16;
            bigger = mq_palloc(pool, (size_t)cap * sizeof(*bigger));
            if (n)
                memcpy(bigger, out, (size_t)n * sizeof(*bigger));
            out = bigger;
        }
        m = &out[n];
        memset(m, 0, sizeof(*m));
        m->flag = mq_rd_i32(&r);
        body_len = mq_rd_i32(&r);
        if (body_len < 0)
            return MQ_EPROTO;
        m->body = mq_rd_str(&r, (size_t)body_len);
        props_len = mq_rd_i16(&r);
        if (props_len < 0)
            return MQ_EPROTO;
        m->props = mq_rd_str(&r, (size_t)props_len);
        if (!mq_rd_ok(&r) || (int64_t)total != 20 + (int64_t)body_len + 2 + props_len)
            return MQ_EPROTO;
        n++;
    }
    if (n == 0)
        return MQ_EPROTO;
    *msgs = out;
    return n;
}

void
rmq_batch_put(mq_buf_t *out, const mq_msg_t *m)
{
    mq_wr_t w;
    mq_wr_init_buf(&w, out);
    mq_wr_i32(&w, (int32_t)(20 + m->body.n + 2 + m->props.n));
    mq_wr_i32(&w, 0);
    mq_wr_i32(&w, 0);
    mq_wr_i32(&w, m->flag);
    mq_wr_i32(&w, (int32_t)m->body.n);
    mq_wr_bytes(&w, m->body.p, m->body.n);
    mq_wr_i16(&w, (int16_t)m->props.n);
    mq_wr_bytes(&w, m->props.p, m->props.n);
}
