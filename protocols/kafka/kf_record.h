/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_record.h -- one Kafka record as the codec hands it around (kafka-protocol.md section 6):
 * what the record-batch reader produces for each record and the writer consumes, and what the
 * Kafka <-> RocketMQ message mapping (kf_msgmap.h) converts from and to. Views only: every
 * pointer points into the batch (after decompression) or into a pool; nothing here owns memory.
 *
 * Null and empty differ: a null key or value has p == NULL (n == 0); an empty one has p != NULL
 * and n == 0. Header values may be null the same way; header keys are never null.
 */
#ifndef MQ_KF_RECORD_H
#define MQ_KF_RECORD_H

#include <stdint.h>

#include "mq/common.h"

typedef struct kf_header_s {
    mq_str_t key;   /* UTF-8 per the spec, but carried as bytes */
    mq_str_t value; /* p == NULL: null */
} kf_header_t;

typedef struct kf_record_s {
    int64_t offset;    /* absolute: batch baseOffset + offsetDelta */
    int64_t timestamp; /* absolute ms: baseTimestamp + timestampDelta (or the batch's
                          maxTimestamp under LogAppendTime) */
    mq_str_t key;      /* p == NULL: null key */
    mq_str_t value;    /* p == NULL: null value (a tombstone) */
    kf_header_t *headers;
    int n_headers;
} kf_record_t;

/* What a batch says about all its records (the batch header, kafka-protocol.md section 6). */
typedef struct kf_batch_info_s {
    int64_t base_offset;
    int32_t partition_leader_epoch;
    int16_t attributes; /* bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control */
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;    /* -1: none */
    int16_t producer_epoch; /* -1: none */
    int32_t base_sequence;  /* -1: none */
    int32_t records_count;
} kf_batch_info_t;

#define KF_COMPRESSION_MASK 0x07
#define KF_COMPRESSION_NONE 0
#define KF_COMPRESSION_GZIP 1
#define KF_COMPRESSION_SNAPPY 2
#define KF_COMPRESSION_LZ4 3
#define KF_COMPRESSION_ZSTD 4
#define KF_ATTR_LOG_APPEND_TIME 0x08
#define KF_ATTR_TRANSACTIONAL 0x10
#define KF_ATTR_CONTROL 0x20

#endif /* MQ_KF_RECORD_H */
