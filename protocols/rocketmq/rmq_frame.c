/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_frame.c -- RocketMQ remoting framing (rmq_frame.h).
 */
#include "rmq_frame.h"
#include "mq/rd.h"
#include "rmq_codes.h"

ssize_t
rmq_frame_parse(const uint8_t *b, size_t n, size_t max_frame, rmq_frame_t *out, size_t *need)
{
    uint32_t length, hl_type, header_len;
    uint8_t type;

    if (n < 4)
        return MQ_AGAIN;
    length = mq_load_be32(b);
    if (length > max_frame || length > INT32_MAX)
        return MQ_ETOOBIG;
    if (length < 4)
        return MQ_EPROTO;
    if (need)
        *need = (size_t)length + 4;
    if (n < 8)
        return MQ_AGAIN;
    hl_type = mq_load_be32(b + 4);
    type = (uint8_t)(hl_type >> 24);
    header_len = hl_type & 0x00FFFFFFu;
    if (type != RMQ_SERIALIZE_JSON && type != RMQ_SERIALIZE_ROCKETMQ)
        return MQ_EPROTO;
    if (header_len > length - 4)
        return MQ_EPROTO;
    if (n < (size_t)length + 4)
        return MQ_AGAIN;
    out->serialize_type = type;
    out->header = (mq_str_t){(const char *)b + 8, header_len};
    out->body = (mq_str_t){(const char *)b + 8 + header_len, length - 4 - header_len};
    return (ssize_t)length + 4;
}

void
rmq_frame_put_prefix(mq_buf_t *out, uint8_t serialize_type, size_t header_len, size_t body_len)
{
    uint8_t p[8];
    mq_store_be32(p, (uint32_t)(4 + header_len + body_len));
    mq_store_be32(p + 4, ((uint32_t)serialize_type << 24) | ((uint32_t)header_len & 0xFFFFFFu));
    mq_buf_append(out, p, sizeof(p));
}
