/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_batch.h -- Kafka record batch v2 (magic 2) reader and writer (kafka-protocol.md 7.1-7.4).
 *
 * Reading: kf_batches_next() cuts a RECORDS blob (a Produce partition's records) into whole
 * batches; kf_batch_open() checks one batch (length, magic 2 only, CRC-32C over attributes..end),
 * decompresses its records into a caller-owned scratch buffer when needed, and kf_batch_next()
 * then yields kf_record_t views (into the batch or the scratch buffer; header arrays from the
 * pool). Writing: kf_batch_write() builds one batch from records, compresses, fills the CRC.
 *
 * Errors (mq_err_t) and the Kafka error code kf_batch_kafka_error() gives for them:
 *   KF_BATCH_EMAGIC  (MQ_EPERM)    magic 0/1 or unknown   -> UNSUPPORTED_FOR_MESSAGE_FORMAT 43
 *   MQ_ECORRUPT                    CRC mismatch, bad compressed payload -> CORRUPT_MESSAGE 2
 *   MQ_EPROTO                      lengths/records inconsistent         -> CORRUPT_MESSAGE 2 /
 *                                  INVALID_RECORD 87 (strict checks)
 *   MQ_ETOOBIG                     decompressed size over the limit     -> MESSAGE_TOO_LARGE 10
 *   MQ_EINVAL                      unknown compression codec (5..7)     -> CORRUPT_MESSAGE 2
 */
#ifndef MQ_KF_BATCH_H
#define MQ_KF_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "kf_compress.h"
#include "kf_record.h"
#include "mq/buf.h"
#include "mq/pool.h"
#include "mq/rd.h"

#define KF_BATCH_HEADER_SIZE 61 /* baseOffset .. recordsCount */
#define KF_BATCH_OVERHEAD 12    /* baseOffset + batchLength: not counted by batchLength */
#define KF_BATCH_CRC_OFFSET 17
#define KF_BATCH_ATTR_OFFSET 21
#define KF_BATCH_EMAGIC MQ_EPERM

/* Flags for kf_batch_open. */
#define KF_BATCH_STRICT                                                                            \
    0x1                     /* offset deltas must be 0..n-1 and lastOffsetDelta == n-1 (Produce)   \
                             */
#define KF_BATCH_NO_CRC 0x2 /* skip the CRC check (batches the broker wrote itself) */

typedef struct kf_batch_reader_s {
    kf_batch_info_t info;
    mq_rd_t recs;  /* over the (decompressed) records section */
    int32_t index; /* records returned so far */
    int flags;
    mq_pool_t *pool; /* header arrays; NULL: records with headers are refused */
} kf_batch_reader_t;

/* Functions used to walk a RECORDS blob. kf_batches_next() returns 1 with the next whole batch
 * in *batch and *len, 0 at the end, or a negative error for a truncated or malformed length
 * (a trailing partial batch is MQ_AGAIN: legal in Fetch responses, malformed in Produce). */
int kf_batches_next(mq_rd_t *r, const uint8_t **batch, size_t *len);

/* Parses the 61-byte header of the batch at p (n bytes; n >= the batch's total size). Checks
 * batchLength and magic only. */
int kf_batch_header(const uint8_t *p, size_t n, kf_batch_info_t *info);

/* Opens one whole batch (as kf_batches_next returns it) for reading: header, CRC, and for a
 * compressed batch decompression into scratch (appended; at most max_out bytes) with the
 * reusable contexts of codec (may be NULL). Record views
 * point into the batch or into scratch: they stay valid until scratch is reset, freed or
 * reallocated by a later append (reserve enough, or consume records batch by batch). */
int kf_batch_open(kf_batch_reader_t *br, const uint8_t *batch, size_t len, kf_codec_t *codec,
                  mq_buf_t *scratch, size_t max_out, mq_pool_t *pool, int flags);

/* Reads the next record: 1 and *rec filled, 0 when all recordsCount records were read and
 * nothing is left over, or a negative error. */
int kf_batch_next(kf_batch_reader_t *br, kf_record_t *rec);

/* Appends one batch holding recs[0..n) to out. From info it takes base_offset,
 * partition_leader_epoch, attributes (compression and flags), producer_id/epoch and
 * base_sequence; it computes records_count, last_offset_delta (from the records' offsets),
 * base_timestamp (first record) and max_timestamp (max of the records, or info->max_timestamp
 * under LogAppendTime). scratch (may be NULL without compression) holds the uncompressed
 * records while compressing; codec (may be NULL) holds reusable compression contexts. Returns
 * MQ_OK, MQ_EINVAL (bad codec or n <= 0) or MQ_ERR. */
int kf_batch_write(mq_buf_t *out, const kf_batch_info_t *info, const kf_record_t *recs, int n,
                   kf_codec_t *codec, mq_buf_t *scratch);

/* Stamps a batch in place: base offset and leader epoch lie outside the CRC. */
void kf_batch_set_base_offset(uint8_t *batch, int64_t base_offset, int32_t leader_epoch);

/* The Kafka ErrorCode for an error of this module (see the table above). */
int16_t kf_batch_kafka_error(int err);

#endif /* MQ_KF_BATCH_H */
