/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_log.c -- leveled logging (log.h). Formats each line into a stack buffer and hands it to the
 * sink in one call, so concurrent lines never interleave. The default sink writes to stderr
 * with a single write(2).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mq/log.h"

static _Atomic int mq_log_level = MQ_LOG_INFO;
static mq_log_sink_fn mq_log_sink = NULL;
static void *mq_log_sink_arg = NULL;

static const char *const mq_log_names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

void
mq_log_set_level(mq_log_level_t level)
{
    atomic_store(&mq_log_level, (int)level);
}

mq_log_level_t
mq_log_get_level(void)
{
    return (mq_log_level_t)atomic_load_explicit(&mq_log_level, memory_order_relaxed);
}

int
mq_log_level_parse(const char *s, mq_log_level_t *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *out = (mq_log_level_t)i;
            return MQ_OK;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = MQ_LOG_WARN;
        return MQ_OK;
    }
    return MQ_EINVAL;
}

void
mq_log_set_sink(mq_log_sink_fn fn, void *arg)
{
    mq_log_sink = fn;
    mq_log_sink_arg = arg;
}

static void
mq_log_stderr(const char *line, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, line, n);
        if (w <= 0)
            return;
        line += w;
        n -= (size_t)w;
    }
}

void
mq_logv(mq_log_level_t level, const char *module, const char *fmt, va_list ap)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int w;

    if (!mq_log_enabled(level))
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
    w = snprintf(line + n, sizeof(line) - n, ".%03ld %s [%s] ", ts.tv_nsec / 1000000L,
                 mq_log_names[level < 0 || level > 3 ? 0 : level], module ? module : "-");
    n += (w > 0) ? (size_t)w : 0;
    w = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    if (w > 0)
        n += MQ_MIN((size_t)w, sizeof(line) - n - 2);
    if (mq_log_sink) {
        line[n] = '\0';
        mq_log_sink(level, line, n, mq_log_sink_arg);
        return;
    }
    line[n++] = '\n';
    mq_log_stderr(line, n);
}

void
mq_log(mq_log_level_t level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mq_logv(level, module, fmt, ap);
    va_end(ap);
}
