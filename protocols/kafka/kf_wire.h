/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_wire.h -- Kafka primitive types (kafka-protocol.md section 2) over the bounds-checked
 * cursors of mq/rd.h and mq/wr.h: varints, classic and compact strings, bytes and arrays,
 * uuids and tagged fields.
 *
 * Readers follow the cursor's sticky-error rule: read every field in spec order, check
 * mq_rd_ok() once. The reader's `flex` flag (set by the request-header decoder) selects the
 * compact encodings; writers take the flag as an argument. A null string, bytes or array is a
 * view with p == NULL; an empty one has p != NULL and n == 0 (kf_record.h's convention).
 */
#ifndef MQ_KF_WIRE_H
#define MQ_KF_WIRE_H

#include <stdint.h>

#include "mq/common.h"
#include "mq/rd.h"
#include "mq/wr.h"

/* Largest element count any array may declare, whatever the bytes left (librdkafka caps at
 * similar limits). A count above the bytes left is malformed anyway. */
#define KF_ARRAY_MAX 1000000

typedef struct kf_uuid_s {
    uint8_t b[16];
} kf_uuid_t;

/* Functions used to read varints. Overlong encodings (more than 5 / 10 bytes) fail. */
uint32_t kf_rd_uvarint(mq_rd_t *r);
int32_t kf_rd_varint(mq_rd_t *r);  /* zig-zag */
int64_t kf_rd_varlong(mq_rd_t *r); /* zig-zag */
uint64_t kf_rd_uvarlong(mq_rd_t *r);

/* Functions used to read strings and bytes; classic or compact per r->flex. */
mq_str_t kf_rd_string(mq_rd_t *r);   /* nullable: null gives p == NULL */
mq_str_t kf_rd_bytes(mq_rd_t *r);    /* nullable: null gives p == NULL */
mq_str_t kf_rd_cstring(mq_rd_t *r);  /* always compact (COMPACT_STRING) */
mq_str_t kf_rd_cbytes(mq_rd_t *r);   /* always compact */
mq_str_t kf_rd_string16(mq_rd_t *r); /* always classic int16 length (header client_id) */
kf_uuid_t kf_rd_uuid(mq_rd_t *r);
/* Reads an array count (classic or compact per r->flex): -1 for null, else a count checked
 * against KF_ARRAY_MAX and the bytes left at min_elem bytes per element. */
int32_t kf_rd_array(mq_rd_t *r, size_t min_elem);
/* Skips a tagged-fields block when r->flex (no-op otherwise). Tags must be ascending. */
void kf_rd_tags(mq_rd_t *r);

/* Functions used to write. flex selects the compact forms; null views write null. */
void kf_wr_uvarint(mq_wr_t *w, uint32_t v);
void kf_wr_varint(mq_wr_t *w, int32_t v);
void kf_wr_varlong(mq_wr_t *w, int64_t v);
void kf_wr_string(mq_wr_t *w, int flex, mq_str_t s);
void kf_wr_bytes(mq_wr_t *w, int flex, mq_str_t s);
void kf_wr_string16(mq_wr_t *w, mq_str_t s);
void kf_wr_uuid(mq_wr_t *w, const kf_uuid_t *u);
void kf_wr_array(mq_wr_t *w, int flex, int32_t n); /* n == -1: null */
void kf_wr_tags(mq_wr_t *w, int flex);             /* an empty tagged-fields block if flex */

static inline void
kf_wr_i8(mq_wr_t *w, int8_t v)
{
    mq_wr_u8(w, (uint8_t)v);
}

static inline int
kf_varint_size(uint32_t v)
{
    int n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

#endif /* MQ_KF_WIRE_H */
