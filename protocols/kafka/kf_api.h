/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_api.h -- the Kafka API table (kf_api.def), request/response headers, error codes and the
 * per-API decode/encode entry points (kafka-protocol.md sections 1, 3, 4, 12).
 *
 * A request frame's payload (after the int32 size) goes through kf_req_hdr_decode(), which
 * says whether the API is known and the version implemented; then kf_request_decode() fills
 * a kf_request_t from a pool. A response goes out through kf_response_encode() (size, header
 * in the version the request implies, body), or kf_response_encode_error() when the request
 * could not be served at all. Unknown api key: the caller closes the connection (Kafka does).
 * Pure code: no I/O, no globals besides constant tables.
 */
#ifndef MQ_KF_API_H
#define MQ_KF_API_H

#include <stdint.h>

#include "kf_msgs.h"
#include "kf_wire.h"
#include "mq/pool.h"
#include "mq/rd.h"
#include "mq/wr.h"

typedef enum kf_api_key_e {
#define KF_API(Name, key, min, max, flex, amin, amax, member) KF_API_##Name = key,
#include "kf_api.def"
#undef KF_API
} kf_api_key_t;

typedef struct kf_api_info_s {
    int16_t key;
    const char *name;
    int16_t min_version, max_version; /* implemented */
    int16_t flex_min;                 /* first flexible version */
    int16_t adv_min, adv_max;         /* advertised in ApiVersions */
} kf_api_info_t;

/* Functions used to read the table. */
const kf_api_info_t *kf_api_info(int16_t key); /* NULL: unknown api key */
const kf_api_info_t *kf_api_table(int *n);     /* all rows, by ascending key */
int kf_api_is_flex(int16_t key, int16_t version);
const char *kf_api_name(int16_t key); /* "Unknown" when not in the table */

/* Kafka error codes (section 12). */
#define KF_ERR_UNKNOWN_SERVER_ERROR (-1)
#define KF_ERR_NONE 0
#define KF_ERR_OFFSET_OUT_OF_RANGE 1
#define KF_ERR_CORRUPT_MESSAGE 2
#define KF_ERR_UNKNOWN_TOPIC_OR_PARTITION 3
#define KF_ERR_LEADER_NOT_AVAILABLE 5
#define KF_ERR_NOT_LEADER_OR_FOLLOWER 6
#define KF_ERR_REQUEST_TIMED_OUT 7
#define KF_ERR_MESSAGE_TOO_LARGE 10
#define KF_ERR_OFFSET_METADATA_TOO_LARGE 12
#define KF_ERR_COORDINATOR_LOAD_IN_PROGRESS 14
#define KF_ERR_COORDINATOR_NOT_AVAILABLE 15
#define KF_ERR_NOT_COORDINATOR 16
#define KF_ERR_INVALID_TOPIC_EXCEPTION 17
#define KF_ERR_INVALID_REQUIRED_ACKS 21
#define KF_ERR_ILLEGAL_GENERATION 22
#define KF_ERR_INCONSISTENT_GROUP_PROTOCOL 23
#define KF_ERR_INVALID_GROUP_ID 24
#define KF_ERR_UNKNOWN_MEMBER_ID 25
#define KF_ERR_INVALID_SESSION_TIMEOUT 26
#define KF_ERR_REBALANCE_IN_PROGRESS 27
#define KF_ERR_UNSUPPORTED_VERSION 35
#define KF_ERR_TOPIC_ALREADY_EXISTS 36
#define KF_ERR_INVALID_PARTITIONS 37
#define KF_ERR_INVALID_REPLICATION_FACTOR 38
#define KF_ERR_INVALID_CONFIG 40
#define KF_ERR_NOT_CONTROLLER 41
#define KF_ERR_INVALID_REQUEST 42
#define KF_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT 43
#define KF_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER 45
#define KF_ERR_DUPLICATE_SEQUENCE_NUMBER 46
#define KF_ERR_INVALID_PRODUCER_EPOCH 47
#define KF_ERR_KAFKA_STORAGE_ERROR 56
#define KF_ERR_UNSUPPORTED_COMPRESSION_TYPE 76
#define KF_ERR_MEMBER_ID_REQUIRED 79
#define KF_ERR_FENCED_INSTANCE_ID 82
#define KF_ERR_GROUP_ID_NOT_FOUND 69
#define KF_ERR_NON_EMPTY_GROUP 68
#define KF_ERR_INVALID_RECORD 87

/* Request header v1/v2 (v0 only for ControlledShutdown, not served). */
typedef struct kf_req_hdr_s {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    mq_str_t client_id; /* nullable; always an int16-length string */
    uint8_t flex;       /* the request (header v2 and body) uses flexible encodings */
} kf_req_hdr_t;

/* Results of kf_req_hdr_decode besides MQ_OK (the body can be decoded) and MQ_EPROTO. */
#define KF_EUNKNOWN_API MQ_ENOENT /* unknown api key: close the connection */
#define KF_EVERSION MQ_DECLINED   /* known api, version not implemented: answer the error */

/* Decodes the request header from r (positioned after the frame size). On MQ_OK the header,
 * and its tagged fields when flexible, have been read and r->flex is set for the body. On
 * KF_EVERSION only api_key, api_version, correlation_id and client_id were read (the KIP-511
 * rule: no tagged fields are parsed for a version we do not know). */
int kf_req_hdr_decode(mq_rd_t *r, kf_req_hdr_t *h);

/* Writes the response header for the request: correlation id, plus an empty tagged-fields
 * block when flexible -- except ApiVersions, whose response header is always v0. */
void kf_resp_hdr_encode(mq_wr_t *w, const kf_req_hdr_t *h);

/* Finds the first whole frame ([int32 size][size bytes]) at the start of buf: MQ_OK with
 * *frame_len = 4 + size; MQ_AGAIN when more bytes are needed; MQ_ETOOBIG when size exceeds
 * max (Kafka's socket.request.max.bytes, 100 MiB by default); MQ_EPROTO when size is negative
 * or too small to hold a request header (8 bytes + client id length). */
int kf_frame_split(const uint8_t *buf, size_t len, size_t max, size_t *frame_len);

/* Functions used to frame a response: begin reserves the int32 size, end patches it. */
size_t kf_frame_begin(mq_wr_t *w);
void kf_frame_end(mq_wr_t *w, size_t at);

/* One decoded request: the header and the body of its API. */
typedef struct kf_request_s {
    kf_req_hdr_t hdr;
    union {
#define KF_API(Name, key, min, max, flex, amin, amax, member) kf_##member##_req_t member;
#include "kf_api.def"
#undef KF_API
    } u;
} kf_request_t;

/* One response body; the api and version come from the request header it answers. */
typedef struct kf_response_s {
    union {
#define KF_API(Name, key, min, max, flex, amin, amax, member) kf_##member##_resp_t member;
#include "kf_api.def"
#undef KF_API
    } u;
} kf_response_t;

/* Per-API codecs: body only (no header). Decoders return MQ_OK, MQ_EPROTO/MQ_ETOOBIG on
 * malformed input, KF_EVERSION for a version outside the table. Encoders return MQ_OK or the
 * writer's error (KF_EVERSION for a version they cannot express). */
#define KF_API(Name, key, min, max, flex, amin, amax, member)                                      \
    int kf_##member##_req_decode(mq_rd_t *r, int16_t ver, mq_pool_t *pool,                         \
                                 kf_##member##_req_t *req);                                        \
    int kf_##member##_resp_encode(mq_wr_t *w, int16_t ver, const kf_##member##_resp_t *resp);
#include "kf_api.def"
#undef KF_API

/* Decodes the body of the request whose header h was decoded with MQ_OK. Trailing bytes after
 * the known fields are ignored (librdkafka 2.0.2's ListGroups v3 sends one extra byte).
 * Allocation bound: every array count is checked against the bytes left at the smallest
 * encoding of one element, so the pool grows by at most ~16 bytes per input byte (pointer
 * views per 1-byte compact string are the worst case). Bound frames per API accordingly:
 * only Produce needs Kafka's 100 MiB; other requests are small. */
int kf_request_decode(mq_rd_t *r, const kf_req_hdr_t *h, mq_pool_t *pool, kf_request_t *req);

/* Writes a whole response frame (size, header, body) answering h. */
int kf_response_encode(mq_wr_t *w, const kf_req_hdr_t *h, const kf_response_t *resp);

/* Writes a whole response frame answering h with error_code at every level the version has
 * a top-level error field (and an empty body otherwise). For ApiVersions this is the KIP-511
 * answer: v0 header, v0 body with the error and the advertised api_keys, whatever version was
 * asked. Used for KF_EVERSION (error_code 35). */
int kf_response_encode_error(mq_wr_t *w, const kf_req_hdr_t *h, int16_t error_code);

#endif /* MQ_KF_API_H */
