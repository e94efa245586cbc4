/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_cmd.h -- RemotingCommand: the header (JSON or ROCKETMQ binary) of a remoting frame plus
 * its body (rocketmq-protocol.md sections 1.2-1.3).
 *
 * Decoding accepts what real clients send: extFields values as JSON strings, numbers or
 * booleans (the C++ client and ali-ons send numbers), null values skipped, language as a name
 * or a number, unknown fields ignored. Encoding always writes compact JSON with string
 * extFields, which every client can read (the C++ client and ali-ons cannot read binary
 * headers: they do not mask the serialize-type byte).
 *
 * Decoded strings live in the caller's pool or point into the frame; the body is a view into
 * the frame. Pure functions: no I/O, no globals.
 */
#ifndef MQ_RMQ_CMD_H
#define MQ_RMQ_CMD_H

#include <stdint.h>

#include "mq/buf.h"
#include "mq/common.h"
#include "mq/pool.h"
#include "rmq_codes.h"
#include "rmq_frame.h"

#define RMQ_EXT_MAX 256 /* extFields accepted per header */

typedef struct rmq_ext_s {
    mq_str_t key; /* field name */
    mq_str_t val; /* value as text ("true"/"false" for booleans, digits for numbers) */
} rmq_ext_t;

typedef struct rmq_cmd_s {
    int32_t code;     /* request code, or response code in responses */
    int32_t language; /* LanguageCode (rmq_codes.h), 7 OTHER when unknown */
    int32_t version;  /* MQVersion ordinal */
    int32_t opaque;   /* request id, echoed by the response */
    int32_t flag;     /* RMQ_FLAG_RESPONSE | RMQ_FLAG_ONEWAY */
    mq_str_t remark;  /* error text; p == NULL when absent or null */
    rmq_ext_t *ext;   /* extFields, n_ext of them */
    int n_ext;
    mq_str_t body;          /* view into the frame, or the caller's bytes when encoding */
    uint8_t serialize_type; /* the type the request came in */
} rmq_cmd_t;

/* Functions used to decode. */

/* Decodes the header and body of a parsed frame. Returns MQ_OK or MQ_EPROTO (not a JSON
 * object / truncated binary header / wrong field types). */
int rmq_cmd_decode(const rmq_frame_t *f, mq_pool_t *pool, rmq_cmd_t *out);

/* Looks up an extField. Returns 1 and sets *val if present. */
int rmq_cmd_ext(const rmq_cmd_t *c, const char *key, mq_str_t *val);
/* Typed lookups: return MQ_OK, MQ_ENOENT (absent) or MQ_EINVAL (present but not of the type). */
int rmq_cmd_ext_i64(const rmq_cmd_t *c, const char *key, int64_t *out);
int rmq_cmd_ext_i32(const rmq_cmd_t *c, const char *key, int32_t *out);
int rmq_cmd_ext_bool(const rmq_cmd_t *c, const char *key, int *out);

static inline int
rmq_cmd_is_response(const rmq_cmd_t *c)
{
    return (c->flag & RMQ_FLAG_RESPONSE) != 0;
}

static inline int
rmq_cmd_is_oneway(const rmq_cmd_t *c)
{
    return (c->flag & RMQ_FLAG_ONEWAY) != 0;
}

/* Functions used to encode. */

/* Starts a command; ext fields are added with rmq_cmd_add_*, copied into the pool. */
void rmq_cmd_init(rmq_cmd_t *c, int32_t code, int32_t opaque, int32_t flag);
void rmq_cmd_add(rmq_cmd_t *c, mq_pool_t *pool, const char *key, mq_str_t val);
void rmq_cmd_add_i64(rmq_cmd_t *c, mq_pool_t *pool, const char *key, int64_t val);

/* Appends the whole frame (prefix, JSON header, body) to out. */
void rmq_cmd_encode(const rmq_cmd_t *c, mq_buf_t *out);
/* Appends prefix + JSON header for a body of body_len bytes sent separately (writev). */
void rmq_cmd_encode_head(const rmq_cmd_t *c, size_t body_len, mq_buf_t *out);
/* Appends the frame with a ROCKETMQ binary header (clients that ask for it; tests). */
void rmq_cmd_encode_binary(const rmq_cmd_t *c, mq_buf_t *out);
/* rmq_cmd_encode_head with a ROCKETMQ binary header: the frame prefix and the header of a
 * frame whose body_len-byte body the caller appends. */
void rmq_cmd_encode_head_binary(const rmq_cmd_t *c, size_t body_len, mq_buf_t *out);

#endif /* MQ_RMQ_CMD_H */
