/* SPDX-License-Identifier: Apache-2.0
 *
 * log.h -- leveled logging, one line per event.
 *
 * Lines look like `2026-11-23 20:01:02.123 WARN  [store] text`. By default they go to stderr
 * (journald picks them up); a program may install its own sink (a file, syslog, a test buffer).
 * The logger is thread-safe: each line is formatted into a local buffer and handed to the sink
 * in one call.
 */
#ifndef MQ_LOG_H
#define MQ_LOG_H

#include <stdarg.h>

#include "mq/common.h"

typedef enum mq_log_level_e {
    MQ_LOG_ERROR = 0,
    MQ_LOG_WARN = 1,
    MQ_LOG_INFO = 2,
    MQ_LOG_DEBUG = 3,
} mq_log_level_t;

/* A sink receives one complete line (without trailing newline) of length n. */
typedef void (*mq_log_sink_fn)(mq_log_level_t level, const char *line, size_t n, void *arg);

/* Functions used to configure logging (call at start-up, before threads start). */
void mq_log_set_level(mq_log_level_t level);
mq_log_level_t mq_log_get_level(void);
int mq_log_level_parse(const char *s,
                       mq_log_level_t *out);        /* "info", "DEBUG"...; MQ_OK/MQ_EINVAL */
void mq_log_set_sink(mq_log_sink_fn fn, void *arg); /* NULL restores the stderr sink */

/* Functions used to write a line. `module` is a short tag such as "store" or "broker". */
void mq_log(mq_log_level_t level, const char *module, const char *fmt, ...) MQ_PRINTF(3, 4);
void mq_logv(mq_log_level_t level, const char *module, const char *fmt, va_list ap);

#define mq_log_enabled(level) ((level) <= mq_log_get_level())
#define MQ_LOG_ERROR(mod, ...) mq_log(MQ_LOG_ERROR, mod, __VA_ARGS__)
#define MQ_LOG_WARN(mod, ...) mq_log(MQ_LOG_WARN, mod, __VA_ARGS__)
#define MQ_LOG_INFO(mod, ...) mq_log(MQ_LOG_INFO, mod, __VA_ARGS__)
#define MQ_LOG_DEBUG(mod, ...)                                                                     \
    do {                                                                                           \
        if (mq_log_enabled(MQ_LOG_DEBUG))                                                          \
            mq_log(MQ_LOG_DEBUG, mod, __VA_ARGS__);                                                \
    } while (0)

#endif /* MQ_LOG_H */
