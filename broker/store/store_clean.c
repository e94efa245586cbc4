/* SPDX-License-Identifier: Apache-2.0
 *
 * store_clean.c -- retention and disk safety (RocketMQ's CleanCommitLogService and
 * CleanConsumeQueueService), run by the "mq-clean" thread every cleanResourceInterval ms.
 *
 * Usage ratio = the highest of: the filesystems holding commitlog/, consumequeue/ and index/
 * (used / size, as `df`), and the store's own allocated bytes / storeCapacity when set.
 *
 *   ratio > diskSpaceWarningLevelRatio   writes refused (MQ_ENOSPC, status text names the path,
 *                                        the ratio and the keys); clean at once
 *   ratio > diskSpaceCleanForciblyRatio  clean at once: delete segments even if not expired
 *   ratio <= diskSpaceCleanForciblyRatio writes accepted again (RocketMQ's hysteresis)
 *   ratio > diskMaxUsedSpaceRatio        delete expired segments now, whatever deleteWhen says
 *   hour in deleteWhen                   delete expired segments (older than fileReservedTime)
 *
 * At most 10 segments go per run, oldest first, never the last one, never one the dispatcher
 * or the flusher has not finished with, pausing deleteCommitLogFilesInterval ms between them.
 * Then ConsumeQueue and index files that only point below the new minimum are deleted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "mq/log.h"
#include "store_int.h"

#define STORE_DELETE_BATCH_MAX 10

void
store_set_status(store_t *s, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&s->status_mu);
    va_start(ap, fmt);
    vsnprintf(s->status_text, sizeof(s->status_text), fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&s->status_mu);
}

void
store_status_text(store_t *s, char *buf, size_t len)
{
    pthread_mutex_lock(&s->status_mu);
    snprintf(buf, len, "%s", atomic_load(&s->disk_full) ? s->status_text : "");
    pthread_mutex_unlock(&s->status_mu);
}

static double
store_fs_ratio(const char *path)
{
    struct statvfs v;
    if (statvfs(path, &v) != 0 || v.f_blocks == 0)
        return -1;
    return (double)(v.f_blocks - v.f_bfree) / (double)v.f_blocks;
}

/* Allocated bytes of every file under path (recursive). */
static int64_t
store_du(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int64_t total = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char sub[1200];
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        if (lstat(sub, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            total += store_du(sub);
        else if (S_ISREG(st.st_mode))
            total += (int64_t)st.st_blocks * 512;
    }
    closedir(d);
    return total;
}

/* Returns the usage ratio (0..1) and describes its source in `what`. */
static double
store_usage(store_t *s, char *what, size_t len)
{
    const char *paths[3] = {s->cl_dir, s->cq_dir, s->index_dir};
    double worst = -1;
    for (int i = 0; i < 3; i++) {
        double r = store_fs_ratio(paths[i]);
        if (r > worst) {
            worst = r;
            snprintf(what, len, "the filesystem of %s", paths[i]);
        }
    }
    if (s->cfg.capacity_bytes > 0) {
        int64_t used = store_du(s->cl_dir) + store_du(s->cq_dir) + store_du(s->index_dir);
        double r = (double)used / (double)s->cfg.capacity_bytes;
        if (r > worst) {
            worst = r;
            snprintf(what, len, "%s (%lld of storeCapacity=%lld bytes)", s->cfg.root_dir,
                     (long long)used, (long long)s->cfg.capacity_bytes);
        }
    }
    return worst;
}

static int
store_time_to_delete(const char *when)
{
    time_t now = time(NULL);
    struct tm tm;
    const char *p = when;
    if (strcmp(when, "*") == 0)
        return 1;
    localtime_r(&now, &tm);
    while (*p) {
        char *end;
        long h = strtol(p, &end, 10);
        if (end == p)
            break;
        if (h == tm.tm_hour)
            return 1;
        p = end;
        while (*p == ';' || *p == ' ' || *p == ',')
            p++;
    }
    return 0;
}

/* Deletes up to STORE_DELETE_BATCH_MAX segments from the front. Returns how many. */
static int
store_clean_commitlog(store_t *s, int force)
{
    int64_t reserved_ms = (int64_t)(s->cfg.file_reserved_hours * 3600.0 * 1000.0);
    int deleted = 0;

    while (deleted < STORE_DELETE_BATCH_MAX && store_mfq_count(&s->cl) > 1) {
        store_seg_t *seg = store_mfq_first(&s->cl);
        struct stat st;
        int64_t end, mtime_ms;
        if (!seg)
            break;
        end = seg->start + seg->size;
        if (end > atomic_load(&s->dispatched) || end > atomic_load(&s->cl_flushed) ||
            fstat(seg->fd, &st) != 0) {
            store_seg_release(seg);
            break;
        }
        mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        if (!force && mq_now_ms() < mtime_ms + reserved_ms) {
            store_seg_release(seg);
            break;
        }
        MQ_LOG_INFO("store", "retention: deleting %s (%s)", seg->path,
                    force ? "disk usage above diskSpaceCleanForciblyRatio"
                          : "older than fileReservedTime");
        store_seg_release(seg);
        atomic_store(&s->cl_min, end);
        store_mfq_delete_first(&s->cl);
        deleted++;
        if (s->cfg.delete_files_interval_ms > 0 && store_mfq_count(&s->cl) > 1)
            usleep((useconds_t)s->cfg.delete_files_interval_ms * 1000);
    }
    return deleted;
}

/* Drops ConsumeQueue and index files that only point below the CommitLog minimum. */
static void
store_clean_queues(store_t *s)
{
    int64_t min = atomic_load(&s->cl_min);
    pthread_rwlock_rdlock(&s->queues.lock);
    for (size_t i = 0; i < s->queues.nbuckets; i++)
        for (store_cq_t *cq = s->queues.buckets[i]; cq; cq = cq->hnext)
            store_cq_trim(cq, min);
    pthread_rwlock_unlock(&s->queues.lock);
    if (s->index)
        store_index_trim(s->index, min);
}

/* Measures usage and sets or clears the disk-full flag. Returns the ratio. */
static double
store_clean_check(store_t *s, int *force)
{
    char what[900];
    double ratio = store_usage(s, what, sizeof(what));
    double warn = s->cfg.disk_warning_ratio / 100.0;
    double forcibly = s->cfg.disk_clean_forcibly_ratio / 100.0;

    atomic_store(&s->disk_ratio_ppm, (int64_t)(ratio * 1e6));
    *force = 0;
    if (ratio > warn) {
        *force = 1;
        store_set_status(s,
                         "the broker's disk is full: %s is %.1f%% used, above "
                         "diskSpaceWarningLevelRatio=%d; writes resume at or below "
                         "diskSpaceCleanForciblyRatio=%d%% (free space, lower fileReservedTime, "
                         "or raise diskSpaceWarningLevelRatio%s)",
                         what, ratio * 100, s->cfg.disk_warning_ratio,
                         s->cfg.disk_clean_forcibly_ratio,
                         s->cfg.capacity_bytes > 0 ? " or storeCapacity" : "");
        if (!atomic_exchange(&s->disk_full, 1))
            MQ_LOG_ERROR("store",
                         "disk full, refusing writes: %s is %.1f%% used "
                         "(diskSpaceWarningLevelRatio=%d)",
                         what, ratio * 100, s->cfg.disk_warning_ratio);
    } else if (ratio > forcibly) {
        *force = 1;
    } else if (atomic_exchange(&s->disk_full, 0)) {
        MQ_LOG_INFO("store", "disk space OK again: %s is %.1f%% used; accepting writes", what,
                    ratio * 100);
    }
    return ratio;
}

void
store_clean_now(store_t *s, int manual)
{
    int force;
    double ratio;
    int time_up, space, deleted = 0;

    pthread_mutex_lock(&s->clean_run_mu);
    ratio = store_clean_check(s, &force);
    time_up = store_time_to_delete(s->cfg.delete_when);
    space = ratio > s->cfg.disk_max_used_ratio / 100.0;
    force = force && s->cfg.clean_forcibly_enable;
    if (time_up || space || manual || force) {
        deleted = store_clean_commitlog(s, force);
        if (space && deleted == 0)
            MQ_LOG_WARN("store",
                        "disk space will be full soon (%.1f%% used), but no CommitLog "
                        "segment could be deleted",
                        ratio * 100);
    }
    if (deleted > 0) {
        store_clean_queues(s);
        store_clean_check(s, &force); /* measure again: resume writes at once if space is back */
    }
    pthread_mutex_unlock(&s->clean_run_mu);
}

void *
store_clean_main(void *arg)
{
    store_t *s = arg;
    while (atomic_load(&s->running)) {
        int manual;
        pthread_mutex_lock(&s->clean_mu);
        if (atomic_load(&s->running) && !s->clean_manual)
            store_cond_wait_ms(&s->clean_cv, &s->clean_mu, s->cfg.clean_interval_ms);
        manual = s->clean_manual;
        s->clean_manual = 0;
        pthread_mutex_unlock(&s->clean_mu);
        if (!atomic_load(&s->running))
            break;
        store_clean_now(s, manual);
    }
    return NULL;
}
