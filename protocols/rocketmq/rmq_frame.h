/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_frame.h -- RocketMQ remoting framing (rocketmq-protocol.md section 1.1):
 *
 *   int length (excludes itself) | int (serializeType << 24 | headerLength) | header | body
 *
 * Parsing keeps no state (picohttpparser style): it returns the bytes consumed, MQ_AGAIN when
 * more bytes are needed, or an error for a frame that can never be valid. The length is
 * checked against the maximum before anything is buffered.
 */
#ifndef MQ_RMQ_FRAME_H
#define MQ_RMQ_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mq/buf.h"
#include "mq/common.h"

#define RMQ_FRAME_MAX_DEFAULT (16 * 1024 * 1024) /* com.rocketmq.remoting.frameMaxLength */

typedef struct rmq_frame_s {
    uint8_t serialize_type; /* RMQ_SERIALIZE_JSON or RMQ_SERIALIZE_ROCKETMQ */
    mq_str_t header;        /* header bytes (view into the input) */
    mq_str_t body;          /* body bytes (view into the input) */
} rmq_frame_t;

/* Parses one frame at b. Returns the frame's total size (4 + length) with *out filled,
 * MQ_AGAIN (need more bytes; *need, if not NULL, gets the total when known), MQ_ETOOBIG (length
 * over max_frame) or MQ_EPROTO (lengths that disagree, unknown serialize type). */
ssize_t rmq_frame_parse(const uint8_t *b, size_t n, size_t max_frame, rmq_frame_t *out,
                        size_t *need);

/* Appends the frame prefix (length and headerLenAndType) for a header of header_len bytes and
 * a body of body_len bytes; the caller appends the header and the body. */
void rmq_frame_put_prefix(mq_buf_t *out, uint8_t serialize_type, size_t header_len,
                          size_t body_len);

#endif /* MQ_RMQ_FRAME_H */
