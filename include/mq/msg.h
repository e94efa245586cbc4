/* SPDX-License-Identifier: Apache-2.0
 *
 * msg.h -- the message type and RocketMQ's stored-record codec.
 *
 * One record layout serves the CommitLog, PULL_MESSAGE bodies, QUERY_MESSAGE / VIEW_MESSAGE_BY_ID
 * bodies and CHECK_TRANSACTION_STATE bodies (rocketmq-protocol.md section 4.2). All integers are
 * big-endian. We write magic v1 (1-byte topic length) whenever the topic fits in 127 bytes,
 * because the C++ client, Go and ali-ons only decode v1; v2 (2-byte topic length) is written only
 * for longer topics and is always decoded.
 *
 *   off  size  field
 *     0     4  TOTALSIZE                  whole record, this field included
 *     4     4  MAGICCODE                  MQ_MSG_MAGIC_V1 / _V2
 *     8     4  BODYCRC                    crc32(body) & 0x7FFFFFFF
 *    12     4  QUEUEID
 *    16     4  FLAG                       user flag
 *    20     8  QUEUEOFFSET                logical offset in the ConsumeQueue
 *    28     8  PHYSICALOFFSET             CommitLog offset of this record
 *    36     4  SYSFLAG                    MQ_SYSFLAG_*
 *    40     8  BORNTIMESTAMP
 *    48   8|20 BORNHOST                   ip (4 or 16) + port int
 *     .     8  STORETIMESTAMP
 *     .   8|20 STOREHOST
 *     .     4  RECONSUMETIMES
 *     .     8  PREPARED TRANSACTION OFFSET
 *     .   4+n  BODYLENGTH + BODY
 *     . 1|2+n  TOPICLENGTH + TOPIC          1 byte for v1, 2 for v2
 *     .   2+n  PROPERTIESLENGTH + PROPERTIES
 *
 * A record never spans two CommitLog segments: a segment ends with a BLANK filler whose first
 * 8 bytes are (remaining length, MQ_MSG_BLANK_MAGIC).
 *
 * Everything here is pure: no I/O, no globals, safe on hostile input.
 */
#ifndef MQ_MSG_H
#define MQ_MSG_H

#include <stdint.h>

#include "mq/buf.h"
#include "mq/common.h"

#define MQ_MSG_MAGIC_V1 ((int32_t)0xDAA320A7)    /* -626843481 */
#define MQ_MSG_MAGIC_V2 ((int32_t)0xDAA320AB)    /* -626843477 */
#define MQ_MSG_BLANK_MAGIC ((int32_t)0xCBD43194) /* -875286124, end-of-segment filler */

/* MessageSysFlag bits (section 4.3). */
#define MQ_SYSFLAG_COMPRESSED 0x1
#define MQ_SYSFLAG_MULTI_TAGS 0x2
#define MQ_SYSFLAG_TRANSACTION_NOT_TYPE 0x0
#define MQ_SYSFLAG_TRANSACTION_PREPARED 0x4
#define MQ_SYSFLAG_TRANSACTION_COMMIT 0x8
#define MQ_SYSFLAG_TRANSACTION_ROLLBACK 0xC
#define MQ_SYSFLAG_TRANSACTION_MASK 0xC
#define MQ_SYSFLAG_BORNHOST_V6 0x10
#define MQ_SYSFLAG_STOREHOST_V6 0x20
#define MQ_SYSFLAG_NEED_UNWRAP 0x40
#define MQ_SYSFLAG_INNER_BATCH 0x80

/* Fixed positions (valid for every record: they precede the first variable-size field). */
#define MQ_MSG_POS_TOTALSIZE 0
#define MQ_MSG_POS_MAGIC 4
#define MQ_MSG_POS_BODYCRC 8
#define MQ_MSG_POS_QUEUEID 12
#define MQ_MSG_POS_FLAG 16
#define MQ_MSG_POS_QUEUEOFFSET 20
#define MQ_MSG_POS_PHYSOFFSET 28
#define MQ_MSG_POS_SYSFLAG 36
#define MQ_MSG_POS_BORNTS 40
#define MQ_MSG_POS_BORNHOST 48

#define MQ_MSG_MAX_TOPIC_V1 127
#define MQ_MSG_MAX_TOPIC 32767 /* v2 short length */
#define MQ_MSG_MAX_PROPS 32767 /* stored as a signed short */
#define MQ_MSG_MIN_SIZE (4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + 1 + 2)

/* Property names the broker and store look at (MessageConst). */
#define MQ_PROP_KEYS "KEYS"
#define MQ_PROP_TAGS "TAGS"
#define MQ_PROP_UNIQ_KEY "UNIQ_KEY"
#define MQ_PROP_WAIT "WAIT"
#define MQ_PROP_DELAY "DELAY"
#define MQ_PROP_REAL_TOPIC "REAL_TOPIC"
#define MQ_PROP_REAL_QID "REAL_QID"
#define MQ_PROP_TRAN_MSG "TRAN_MSG"
#define MQ_PROP_PGROUP "PGROUP"
#define MQ_PROP_CLUSTER "CLUSTER"
#define MQ_PROP_RETRY_TOPIC "RETRY_TOPIC"

/* Separators of the properties string: name \x01 value \x02 (section 4.1). */
#define MQ_PROP_NAME_SEP '\001'
#define MQ_PROP_PAIR_SEP '\002'

/* A host as stored in a record: IPv4 (4 bytes) or IPv6 (16 bytes), plus a port. */
typedef struct mq_host_s {
    uint8_t addr[16]; /* network order; the first 4 bytes for IPv4 */
    int32_t port;     /* stored as a Java int */
    uint8_t v6;       /* 1 if addr holds 16 bytes (sysflag BORNHOST_V6 / STOREHOST_V6) */
} mq_host_t;

/* A message: the fields of one stored record. Views point into whoever owns the bytes (the
 * request's receive chunk when producing, the mapped segment when reading). */
typedef struct mq_msg_s {
    int32_t store_size;         /* TOTALSIZE; set by the codec */
    int32_t body_crc;           /* BODYCRC; the store computes it before appending */
    int32_t queue_id;           /* QUEUEID */
    int32_t flag;               /* FLAG, user flag stored verbatim */
    int64_t queue_offset;       /* QUEUEOFFSET; assigned by the store */
    int64_t phys_offset;        /* PHYSICALOFFSET; assigned by the store */
    int32_t sys_flag;           /* SYSFLAG; host bits are derived from born/store host */
    int64_t born_ts;            /* BORNTIMESTAMP, ms */
    mq_host_t born_host;        /* BORNHOST */
    int64_t store_ts;           /* STORETIMESTAMP, ms; assigned by the store */
    mq_host_t store_host;       /* STOREHOST */
    int32_t reconsume_times;    /* RECONSUMETIMES */
    int64_t prepared_tx_offset; /* PREPARED TRANSACTION OFFSET */
    mq_str_t body;              /* BODY (as stored: maybe compressed) */
    mq_str_t topic;             /* TOPIC */
    mq_str_t props;             /* PROPERTIES, the raw name\1value\2 string */
} mq_msg_t;

/* Functions used to encode and decode stored records. */

/* Returns the record size for m (v1 or v2 chosen by topic length), or a negative mq_err_t when
 * a field is out of range (topic empty or > 32767 bytes, properties > 32767, body > INT32_MAX). */
int64_t mq_msg_record_size(const mq_msg_t *m);

/* Writes m as one record into dst, which must hold mq_msg_record_size(m) bytes (size passed for
 * checking). Host sysflag bits are set from m's hosts. Returns MQ_OK or MQ_EINVAL. The body CRC
 * is written as given in m->body_crc. */
int mq_msg_record_write(uint8_t *dst, size_t size, const mq_msg_t *m);

/* Decodes one record at p (n bytes available). Views in out point into p. Returns MQ_OK,
 * MQ_AGAIN when n is shorter than the record says, MQ_DECLINED for a BLANK filler (out->
 * store_size = its length), or MQ_EPROTO/MQ_ECORRUPT for anything malformed: wrong magic,
 * lengths that disagree with TOTALSIZE. Does not check the body CRC. */
int mq_msg_record_decode(const uint8_t *p, size_t n, mq_msg_t *out);

/* Returns 1 if the body CRC in the record matches crc32(body) & 0x7FFFFFFF. */
int mq_msg_body_crc_ok(const mq_msg_t *m);

/* Offset of STORETIMESTAMP within a record with this sysflag. */
static inline size_t
mq_msg_store_ts_pos(int32_t sys_flag)
{
    return MQ_MSG_POS_BORNHOST + ((sys_flag & MQ_SYSFLAG_BORNHOST_V6) ? 20 : 8);
}

/* Functions used to read and build the properties string. */

typedef struct mq_props_iter_s {
    const char *p;   /* next unread byte */
    const char *end; /* end of the properties string */
} mq_props_iter_t;

void mq_props_iter_init(mq_props_iter_t *it, mq_str_t props);
/* Yields the next well-formed pair (Java's rule: chunk of >= 3 bytes with a \1 neither first
 * nor last; other chunks are skipped). Returns 1 with name/value set, 0 at the end. */
int mq_props_next(mq_props_iter_t *it, mq_str_t *name, mq_str_t *value);
/* Finds the last value of name (Java's HashMap keeps the last). Returns 1 if found. */
int mq_props_get(mq_str_t props, const char *name, mq_str_t *value);
/* Appends name\1value\2 to b. */
void mq_props_put(mq_buf_t *b, mq_str_t name, mq_str_t value);
/* Copies props into b without the pairs named `name`. */
void mq_props_without(mq_buf_t *b, mq_str_t props, const char *name);
/* Copies props into b without the pairs named by any of names[0..n). */
void mq_props_without_any(mq_buf_t *b, mq_str_t props, const char *const *names, int n);

/* Functions used for hash codes (Java String.hashCode over the UTF-16 form of UTF-8 bytes;
 * invalid UTF-8 counts as U+FFFD per byte, as Java's decoder does). */
int32_t mq_java_hash_update(int32_t h, const char *p, size_t n);
static inline int32_t
mq_java_hash(mq_str_t s)
{
    return mq_java_hash_update(0, s.p, s.n);
}
/* ConsumeQueue tagsCode of a TAGS value: its hash sign-extended, 0 for an empty tag. */
int64_t mq_tags_code(mq_str_t tags);

/* 1 when topic is one RocketMQ reserves (TopicValidator.isSystemTopic): TBW102,
 * SCHEDULE_TOPIC_XXXX, the RMQ_SYS_* and rmq_sys_* topics, ..., and the cluster's and the
 * broker's own names (either may be NULL). */
int mq_topic_is_system(mq_str_t topic, const char *cluster, const char *broker_name);

/* Functions used for message ids (section 4.5). */

/* Offset msgId: uppercase hex of store ip + port + physical offset; 32 chars for IPv4, 56 for
 * IPv6. out must hold 57 bytes; returns the length written (NUL-terminated). */
size_t mq_msgid_format(char *out, const mq_host_t *store_host, int64_t phys_offset);
/* Parses an offset msgId. Returns MQ_OK or MQ_EINVAL. */
int mq_msgid_parse(mq_str_t id, mq_host_t *store_host, int64_t *phys_offset);

/* UNIQ_KEY generator (Java MessageClientIDSetter layout: ip + pid + hash prefix, then ms since
 * the start of the month + a counter). Not thread-safe: one per thread or under a lock. */
typedef struct mq_uniq_gen_s {
    char prefix[21];     /* hex of ip(4) + pid(2) + seed(4), NUL-terminated */
    int64_t month_start; /* ms at the start of the current month (UTC) */
    int64_t next_month;  /* ms at the start of the next month */
    uint16_t counter;    /* wraps */
} mq_uniq_gen_t;

void mq_uniq_gen_init(mq_uniq_gen_t *g, const uint8_t ip4[4], uint16_t pid, uint32_t seed);
/* Writes 32 hex chars + NUL into out; now_ms is the wall clock. */
void mq_uniq_gen_next(mq_uniq_gen_t *g, int64_t now_ms, char out[33]);

#endif /* MQ_MSG_H */
