/* SPDX-License-Identifier: Apache-2.0
 *
 * store_util.c -- small helpers shared by the store's files: timed condition waits on the
 * monotonic clock, mkdir -p, directory fsync.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mq/log.h"
#include "store_int.h"

void
store_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

void
store_cond_wait_ns(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ns / 1000000000);
    ts.tv_nsec += (long)(ns % 1000000000);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cv, mu, &ts);
}

void
store_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms)
{
    store_cond_wait_ns(cv, mu, ms * 1000000);
}

int
store_mkdirs(const char *path)
{
    char buf[1200];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf))
        return MQ_EINVAL;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                MQ_LOG_ERROR("store", "cannot create directory %s: %s", buf, strerror(errno));
                return MQ_EIO;
            }
            buf[i] = c;
        }
    }
    return MQ_OK;
}

int
store_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;
    if (fd < 0)
        return MQ_EIO;
    rc = fsync(fd);
    close(fd);
    return rc == 0 ? MQ_OK : MQ_EIO;
}

int
store_topic_name_ok(mq_str_t topic)
{
    if (topic.n == 0 || topic.n > 255)
        return 0;
    if ((topic.n == 1 && topic.p[0] == '.') ||
        (topic.n == 2 && topic.p[0] == '.' && topic.p[1] == '.'))
        return 0;
    return memchr(topic.p, '/', topic.n) == NULL && memchr(topic.p, '\0', topic.n) == NULL;
}

int
store_pwrite_all(int fd, const void *buf, size_t len, int64_t off)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = pwrite(fd, p, len, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int nospace = errno == ENOSPC || errno == EDQUOT;
            MQ_LOG_ERROR("store", "write of %zu bytes at %lld failed: %s", len, (long long)off,
                         strerror(errno));
            return nospace ? MQ_ENOSPC : MQ_EIO;
        }
        p += w;
        len -= (size_t)w;
        off += w;
    }
    return MQ_OK;
}
