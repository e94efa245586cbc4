/* SPDX-License-Identifier: Apache-2.0
 *
 * common.h -- error codes, branch hints and small macros shared by every part of rocketmq-c.
 *
 * Errors are plain ints: MQ_OK (0) or a negative mq_err_t (nginx return codes, libuv-style
 * negatives). Wire protocols map these to their own codes in one table each; C code never
 * returns a RocketMQ ResponseCode or a Kafka ErrorCode directly.
 */
#ifndef MQ_COMMON_H
#define MQ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Return codes. mq_err_name() in protocols/core/mq_common.c expands this same list. */
#define MQ_ERR_MAP(XX)                                                                             \
    XX(MQ_OK, 0, "ok")                                                                             \
    XX(MQ_ERR, -1, "generic error")                                                                \
    XX(MQ_AGAIN, -2, "need more bytes or would block")                                             \
    XX(MQ_DECLINED, -3, "not handled here")                                                        \
    XX(MQ_EPROTO, -4, "malformed input")                                                           \
    XX(MQ_ENOSPC, -5, "no space: disk full or store capacity reached")                             \
    XX(MQ_EIO, -6, "i/o error")                                                                    \
    XX(MQ_ENOENT, -7, "not found")                                                                 \
    XX(MQ_EEXIST, -8, "already exists")                                                            \
    XX(MQ_EINVAL, -9, "invalid argument")                                                          \
    XX(MQ_ETOOBIG, -10, "too large")                                                               \
    XX(MQ_ECORRUPT, -11, "corrupt data")                                                           \
    XX(MQ_ETIMEDOUT, -12, "timed out")                                                             \
    XX(MQ_EPERM, -13, "not permitted")                                                             \
    XX(MQ_ENOMEM, -14, "out of memory")                                                            \
    XX(MQ_EBUSY, -15, "busy")                                                                      \
    XX(MQ_ECLOSED, -16, "closed or shutting down")                                                 \
    XX(MQ_ERANGE, -17, "offset out of range")

typedef enum mq_err_e {
#define MQ_ERR_ENUM(name, val, text) name = (val),
    MQ_ERR_MAP(MQ_ERR_ENUM)
#undef MQ_ERR_ENUM
} mq_err_t;

/* Functions used to describe errors. */
const char *mq_err_name(int err); /* "MQ_ENOSPC"; static string, never NULL */
const char *mq_err_text(int err); /* "no space: ..."; static string, never NULL */

#if defined(__GNUC__)
#define mq_likely(x) __builtin_expect(!!(x), 1)
#define mq_unlikely(x) __builtin_expect(!!(x), 0)
#define MQ_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define MQ_UNUSED __attribute__((unused))
#else
#define mq_likely(x) (x)
#define mq_unlikely(x) (x)
#define MQ_PRINTF(fmt, args)
#define MQ_UNUSED
#endif

/* Recover the enclosing struct from a pointer to one of its members (libev "custom data"). */
#define MQ_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define MQ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MQ_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MQ_MAX(a, b) ((a) > (b) ? (a) : (b))

/* SQLite-style defensive checks: assert in debug builds, plain condition otherwise. */
#ifdef NDEBUG
#define MQ_ALWAYS(x) (x)
#define MQ_NEVER(x) (x)
#else
#include <assert.h>
#define MQ_ALWAYS(x) ((x) ? 1 : (assert(0), 0))
#define MQ_NEVER(x) ((x) ? (assert(0), 1) : 0)
#endif

/* A view of bytes owned by someone else (a receive chunk, a mapped segment, a literal). */
typedef struct mq_str_s {
    const char *p; /* first byte; may be NULL when n == 0 */
    size_t n;      /* length in bytes */
} mq_str_t;

#define MQ_STR(lit) ((mq_str_t){(lit), sizeof(lit) - 1})
#define MQ_STR_NULL ((mq_str_t){NULL, 0})

/* Functions used to handle views. */
mq_str_t mq_str_from_cstr(const char *s);
/* Writes v in decimal at out (room for 21 bytes) with a NUL; returns the digits' length. */
size_t mq_fmt_i64(char *out, int64_t v);
int mq_str_eq(mq_str_t a, mq_str_t b);
int mq_str_eq_cstr(mq_str_t a, const char *s);
/* Decodes one UTF-8 sequence at p (n > 0 bytes): returns the code point and sets *used; an
 * invalid sequence (overlong, surrogate, cut short, > U+10FFFF) yields U+FFFD with *used = 1. */
uint32_t mq_utf8_decode(const uint8_t *p, size_t n, size_t *used);
char *mq_str_dup(mq_str_t s); /* NUL-terminated heap copy; caller frees */

/* Allocation that never returns NULL: out of memory aborts (Redis zmalloc). */
void *mq_xmalloc(size_t n);
void *mq_xcalloc(size_t count, size_t n);
void *mq_xrealloc(void *p, size_t n);
char *mq_xstrdup(const char *s);

/* Wall clock in milliseconds since the epoch, and a monotonic clock in nanoseconds. */
int64_t mq_now_ms(void);
int64_t mq_mono_ns(void);

#endif /* MQ_COMMON_H */
