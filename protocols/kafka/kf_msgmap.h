/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_msgmap.h -- one Kafka record <-> one stored RocketMQ message (docs/kafka-compatibility.md,
 * "Messages"). Pure functions: no I/O, no globals, safe on hostile stored data.
 *
 * Produce (kf_msgmap_to_mq): the record becomes a message whose properties string starts with
 * a marker pair "%KF" = "1<flags>", then KEYS (the key, escaped), then one pair per header in
 * record order (duplicates kept):
 *
 *   record field            message field
 *   key (non-empty)         KEYS = esc_key(key)                    (one RocketMQ key)
 *   key empty / null        no KEYS; flag 'e' for empty, nothing for null
 *   value                   body; a null value (tombstone) is an empty body + flag 't'
 *   timestamp               born timestamp; flag 'l' when the batch says LogAppendTime
 *   header "rocketmq.TAGS"  TAGS = esc(value) (value non-null, non-empty): sets the tag
 *   header, plain name      name = value mapping below
 *   header, other name      "%KF%" + esc(name)
 *
 * A header name is plain when it is non-empty, needs no escaping, is not a RocketMQ system
 * property name (MessageConst: KEYS, TAGS, UNIQ_KEY, DELAY, ... and "__RMQ.TRANSIENT.*") and
 * does not start with "rocketmq.". Header values: non-empty -> esc(value); empty -> "%empty";
 * null -> "%null" (esc output never has a '%' without two hex digits after it).
 *
 * esc(x) writes the bytes \x00 \x01 \x02 '%' and every byte that is not part of well-formed
 * UTF-8 as "%HH" (upper-case hex), others as themselves; esc_key also escapes ' ' (RocketMQ
 * splits KEYS on spaces). unesc reverses it, so a record comes back byte-identical.
 *
 * Fetch (kf_msgmap_from_mq): a message with the marker is turned back exactly (system
 * properties the broker added, such as UNIQ_KEY, are left out). A message without it
 * (RocketMQ-native) gives: key = KEYS as stored (null if none), value = body, timestamp = born
 * timestamp, and one header per property in stored order, system properties named
 * "rocketmq." + name ("rocketmq.TAGS", "rocketmq.KEYS", "rocketmq.UNIQ_KEY"), values verbatim.
 */
#ifndef MQ_KF_MSGMAP_H
#define MQ_KF_MSGMAP_H

#include <stdint.h>

#include "kf_record.h"
#include "mq/buf.h"
#include "mq/msg.h"
#include "mq/pool.h"

#define KF_PROP_MARK "%KF"            /* marker property of a Kafka-produced message */
#define KF_PROP_HDR_PREFIX "%KF%"     /* property name prefix of an escaped header name */
#define KF_HDR_RMQ_PREFIX "rocketmq." /* header name prefix of a RocketMQ system property */
#define KF_HDR_VAL_NULL "%null"       /* property value of a null header value */
#define KF_HDR_VAL_EMPTY "%empty"     /* property value of an empty header value */
#define KF_MARK_VERSION '1'           /* first byte of the marker value */
#define KF_MARK_EMPTY_KEY 'e'         /* flag: key is empty (non-null, 0 bytes) */
#define KF_MARK_NULL_VALUE 't'        /* flag: value is null (tombstone) */
#define KF_MARK_LOG_APPEND 'l'        /* flag: the batch had timestamp type LogAppendTime */

/* Room left in the properties string for what the broker adds (UNIQ_KEY, WAIT, CLUSTER...). */
#define KF_MSGMAP_PROPS_MAX (MQ_MSG_MAX_PROPS - 256)

/* esc classes */
#define KF_ESC_VALUE 0 /* \0 \1 \2 % and bytes outside well-formed UTF-8 */
#define KF_ESC_KEY 1   /* KF_ESC_VALUE plus ' ' */

/* What from_mq learnt besides the record. */
typedef struct kf_msgmap_info_s {
    uint8_t from_kafka;      /* 1: the message carries the Kafka marker */
    uint8_t log_append_time; /* 1: the producing batch said LogAppendTime (attribute bit 3) */
    uint8_t body_compressed; /* 1: sysflag COMPRESSED, the value is the zlib-compressed body:
                                the caller inflates it before building a batch */
} kf_msgmap_info_t;

/* Functions used to escape (exposed for the front end and tests). */

/* Appends esc(s) of class cls (KF_ESC_*) to b. */
void kf_esc_append(mq_buf_t *b, mq_str_t s, int cls);
/* Length of esc(s) of class cls, without writing it. */
size_t kf_esc_len(mq_str_t s, int cls);
/* Returns unesc(s): s itself when it holds no '%', else a copy from pool (malformed escapes
 * are copied verbatim). Never returns p == NULL (empty stays a non-null empty view). */
mq_str_t kf_unesc(mq_str_t s, mq_pool_t *pool);

/* Functions used to map messages. */

/* Exact number of bytes kf_msgmap_to_mq appends to props for rec: lets a caller reserve a
 * whole batch at once (mq_buf_reserve) so that earlier views stay valid. */
size_t kf_msgmap_props_len(const kf_record_t *rec, const kf_batch_info_t *batch);

/* Builds in *out the message to store for rec (batch may be NULL: CreateTime). Appends the
 * properties string to props; out->props views it and stays valid until props grows again.
 * Views in out (body, topic) point into rec and topic; hosts, flag, store fields are zero for
 * the caller to fill. Returns MQ_OK, MQ_EINVAL for a record of a control batch, or
 * MQ_ETOOBIG when the properties would exceed KF_MSGMAP_PROPS_MAX (props is left as it was). */
int kf_msgmap_to_mq(const kf_record_t *rec, const kf_batch_info_t *batch, mq_str_t topic,
                    int32_t queue_id, mq_buf_t *props, mq_msg_t *out);

/* Builds in *out the Kafka record for a stored message m (offset = queue offset). The headers
 * array and unescaped strings come from pool (nothing when there are no headers and nothing
 * to unescape); other views point into m. info may be NULL. Returns MQ_OK. */
int kf_msgmap_from_mq(const mq_msg_t *m, mq_pool_t *pool, kf_record_t *out, kf_msgmap_info_t *info);

#endif /* MQ_KF_MSGMAP_H */
