/* SPDX-License-Identifier: Apache-2.0
 *
 * crash_common.h -- what the crash writer and the crash checker must agree on (test code only,
 * header-only): the store configuration, the self-describing message (body, KEYS, UNIQ_KEY all
 * derived from a sequence number), its verification, and torn-free line output.
 *
 * Body layout, so that any record found in the store can be checked without knowing which
 * process wrote it:
 *
 *   off  size  field
 *     0     8  seq (big-endian)
 *     8     4  body length (big-endian), >= CRASH_BODY_MIN
 *    12     .  crash_stream(seq): xorshift64* bytes seeded by seq
 *
 * Properties: KEYS "k<seq> c<seq mod 97>", UNIQ_KEY = crash_uniq(seq), TAGS "tag<seq mod 5>".
 * Lines go to a file descriptor with one write(2) each (see crash_line), never through stdio,
 * so a SIGKILL leaves whole lines, at most one unterminated last line, and the order in which
 * threads wrote them.
 */
#ifndef CRASH_COMMON_H
#define CRASH_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mq/common.h"
#include "mq/msg.h"
#include "mq/rd.h"
#include "mq/store.h"

#define CRASH_BODY_MIN 12
#define CRASH_SEGMENT_SIZE (1 << 20) /* mappedFileSizeCommitLog: rolls every few hundred msgs */
#define CRASH_TOPIC_FMT "CrashT%d"

/* The configuration both programs open the store with (the segment sizes must agree). */
static inline void
crash_config(store_config_t *cfg, const char *dir)
{
    store_config_defaults(cfg);
    snprintf(cfg->root_dir, sizeof(cfg->root_dir), "%s", dir);
    cfg->flush_mode = STORE_SYNC_FLUSH;
    cfg->commitlog_file_size = CRASH_SEGMENT_SIZE;
    cfg->cq_file_size = 20 * 256; /* a ConsumeQueue file per 256 entries */
    cfg->max_message_size = 512 * 1024;
    cfg->index_slots = 1024;
    cfg->index_max_entries = 4096;      /* an index file per ~1,300 messages (3 keys each) */
    cfg->flush_cq_interval_ms = 50;     /* checkpoints often, so recovery starts mid-log */
    cfg->sync_flush_timeout_ms = 20000; /* a slow disk must not turn into false failures */
    cfg->clean_interval_ms = 3600000;   /* no retention during the test */
    cfg->file_reserved_hours = 1000;
    cfg->disk_warning_ratio = 99;
    cfg->disk_clean_forcibly_ratio = 99;
    cfg->disk_max_used_ratio = 99;
}

/* Writes one whole line to fd with a single write(2) when possible (lines are far shorter than
 * PIPE_BUF; the loop only covers a signal-interrupted short write). */
static inline void MQ_PRINTF(2, 3) crash_line(int fd, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;
    size_t off = 0;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf))
        n = (int)sizeof(buf) - 1;
    while (off < (size_t)n) {
        ssize_t w = write(fd, buf + off, (size_t)n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

/* xorshift64*: the body filler and the writer's random choices. */
static inline uint64_t
crash_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t
crash_seed(uint64_t seq)
{
    uint64_t z = seq + 0x9E3779B97F4A7C15ULL; /* splitmix64 finaliser: never 0 in practice */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z ? z : 1;
}

/* Fills body[0..len) for seq (len >= CRASH_BODY_MIN). */
static inline void
crash_body_fill(uint8_t *body, uint32_t len, uint64_t seq)
{
    uint64_t st = crash_seed(seq);
    mq_store_be32(body, (uint32_t)(seq >> 32));
    mq_store_be32(body + 4, (uint32_t)seq);
    mq_store_be32(body + 8, len);
    for (uint32_t i = CRASH_BODY_MIN; i < len; i += 8) {
        uint64_t r = crash_rand(&st);
        for (uint32_t j = 0; j < 8 && i + j < len; j++)
            body[i + j] = (uint8_t)(r >> (8 * j));
    }
}

/* Checks a body against its own header. Returns 1 and *seq when it is what crash_body_fill
 * would have written, 0 otherwise. */
static inline int
crash_body_check(mq_str_t body, uint64_t *seq)
{
    const uint8_t *p = (const uint8_t *)body.p;
    uint64_t st, s;

    if (body.n < CRASH_BODY_MIN || mq_load_be32(p + 8) != body.n)
        return 0;
    s = ((uint64_t)mq_load_be32(p) << 32) | mq_load_be32(p + 4);
    st = crash_seed(s);
    for (size_t i = CRASH_BODY_MIN; i < body.n; i += 8) {
        uint64_t r = crash_rand(&st);
        for (size_t j = 0; j < 8 && i + j < body.n; j++)
            if (p[i + j] != (uint8_t)(r >> (8 * j)))
                return 0;
    }
    *seq = s;
    return 1;
}

/* The UNIQ_KEY of seq: 32 upper-case hex digits, like a client-generated one. */
static inline void
crash_uniq(uint64_t seq, char out[33])
{
    snprintf(out, 33, "%016" PRIX64 "%016" PRIX64, seq, crash_seed(seq ^ 0x5555));
}

/* Builds the properties of seq into buf; returns the length. */
static inline size_t
crash_props(uint64_t seq, char *buf, size_t cap)
{
    char uniq[33];
    int n;
    crash_uniq(seq, uniq);
    n = snprintf(buf, cap,
                 "KEYS\001k%" PRIu64 " c%" PRIu64 "\002UNIQ_KEY\001%s\002TAGS\001tag%d\002", seq,
                 seq % 97, uniq, (int)(seq % 5));
    return n < 0 ? 0 : MQ_MIN((size_t)n, cap - 1);
}

/* Verifies a whole stored record: codec, body CRC, body content, properties, and (when the
 * expectations are >= 0 / non-NULL) topic, queue id, queue offset and physical offset. Returns
 * NULL and *seq when it is intact, else a static reason. */
static inline const char *
crash_record_check(const uint8_t *p, uint32_t len, const char *topic, int32_t qid,
                   int64_t queue_offset, int64_t phys, uint64_t *seq)
{
    mq_msg_t m;
    mq_str_t v;
    char props[256], uniq[33], key[32];
    size_t plen;

    if (mq_msg_record_decode(p, len, &m) != MQ_OK)
        return "record does not decode";
    if ((uint32_t)m.store_size != len)
        return "record size differs from its slice";
    if (!mq_msg_body_crc_ok(&m))
        return "body CRC mismatch";
    if (!crash_body_check(m.body, seq))
        return "body content is not what the writer wrote";
    if (topic && !mq_str_eq_cstr(m.topic, topic))
        return "record belongs to another topic";
    if (qid >= 0 && m.queue_id != qid)
        return "record belongs to another queue";
    if (queue_offset >= 0 && m.queue_offset != queue_offset)
        return "record has another queue offset";
    if (phys >= 0 && m.phys_offset != phys)
        return "record has another physical offset";
    plen = crash_props(*seq, props, sizeof(props));
    if (!mq_str_eq(m.props, (mq_str_t){props, plen}))
        return "properties differ";
    crash_uniq(*seq, uniq);
    if (!mq_props_get(m.props, MQ_PROP_UNIQ_KEY, &v) || !mq_str_eq_cstr(v, uniq))
        return "UNIQ_KEY differs";
    snprintf(key, sizeof(key), "k%" PRIu64, *seq);
    if (!mq_props_get(m.props, MQ_PROP_KEYS, &v) || v.n < strlen(key) ||
        memcmp(v.p, key, strlen(key)) != 0)
        return "KEYS differ";
    return NULL;
}

#endif /* CRASH_COMMON_H */
