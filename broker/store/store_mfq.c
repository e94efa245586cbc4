/* SPDX-License-Identifier: Apache-2.0
 *
 * store_mfq.c -- an ordered list of segments in one directory (RocketMQ's MappedFileQueue):
 * the CommitLog's commitlog/ and each ConsumeQueue's consumequeue/<topic>/<qid>/.
 *
 * Segments are named by their 20-digit zero-padded start offset and are contiguous: each starts
 * where the previous one ends. Loading distrusts the directory: a name that is not 20 digits is
 * a stray file (logged, left alone); a file of the wrong size or out of sequence is renamed
 * <name>.corrupt (logged) so that it neither aborts start-up nor gets overwritten.
 * The list is guarded by a rwlock; lookups return the segment with a reference held.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq/log.h"
#include "store_int.h"

void
store_mfq_init(store_mfq_t *q, const char *dir, int64_t file_size, int64_t unit, int flags)
{
    memset(q, 0, sizeof(*q));
    q->dir = mq_xstrdup(dir);
    q->file_size = file_size;
    q->unit = unit > 0 ? unit : 1;
    q->flags = flags;
    pthread_rwlock_init(&q->lock, NULL);
}

void
store_mfq_fini(store_mfq_t *q)
{
    for (int i = 0; i < q->nsegs; i++)
        store_seg_release(q->segs[i]);
    free(q->segs);
    free(q->dir);
    pthread_rwlock_destroy(&q->lock);
    memset(q, 0, sizeof(*q));
}

void
store_mfq_path(const store_mfq_t *q, int64_t start, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%020" PRId64, q->dir, start);
}

static int
store_mfq_name_offset(const char *name, int64_t *out)
{
    int64_t v = 0;
    if (strlen(name) != 20)
        return 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        if (v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (name[i] - '0');
    }
    *out = v;
    return 1;
}

static int
store_mfq_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void
store_mfq_quarantine(const char *path, const char *why)
{
    char bad[1300];
    snprintf(bad, sizeof(bad), "%s.corrupt", path);
    if (rename(path, bad) == 0)
        MQ_LOG_ERROR("store", "%s: %s; moved aside to %s", path, why, bad);
    else
        MQ_LOG_ERROR("store", "%s: %s; cannot move it aside: %s", path, why, strerror(errno));
}

static void
store_mfq_grow(store_mfq_t *q)
{
    if (q->nsegs == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 8;
        q->segs = mq_xrealloc(q->segs, (size_t)q->cap * sizeof(*q->segs));
    }
}

int
store_mfq_load(store_mfq_t *q, int *found_corrupt)
{
    DIR *d = opendir(q->dir);
    struct dirent *e;
    int64_t *offs = NULL;
    int n = 0, cap = 0, loaded = 0;

    if (!d)
        return errno == ENOENT ? 0 : MQ_EIO;
    while ((e = readdir(d)) != NULL) {
        int64_t off;
        if (e->d_name[0] == '.')
            continue;
        if (!store_mfq_name_offset(e->d_name, &off)) {
            size_t len = strlen(e->d_name);
            if (len < 8 || strcmp(e->d_name + len - 8, ".corrupt") != 0)
                MQ_LOG_WARN("store", "ignoring stray file %s/%s (not a 20-digit segment name)",
                            q->dir, e->d_name);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            offs = mq_xrealloc(offs, (size_t)cap * sizeof(*offs));
        }
        offs[n++] = off;
    }
    closedir(d);
    if (n > 1)
        qsort(offs, (size_t)n, sizeof(*offs), store_mfq_cmp);

    for (int i = 0; i < n; i++) {
        char path[1100];
        store_seg_t *seg;
        int rc;
        store_mfq_path(q, offs[i], path, sizeof(path));
        if (q->nsegs > 0) {
            store_seg_t *prev = q->segs[q->nsegs - 1];
            if (offs[i] != prev->start + prev->size) {
                /* A gap or an overlap: nothing after it can be placed. */
                for (int j = i; j < n; j++) {
                    store_mfq_path(q, offs[j], path, sizeof(path));
                    store_mfq_quarantine(path, "does not follow the previous segment");
                }
                if (found_corrupt)
                    *found_corrupt = 1;
                break;
            }
        }
        /* Existing segments keep their own size (mappedFileSizeCommitLog may have changed since
         * they were written); only a size that cannot hold whole units is corrupt. */
        rc = store_seg_open(path, offs[i], 0, q->flags, &seg);
        if (rc == MQ_OK && seg->size % q->unit != 0) {
            store_seg_release(seg);
            rc = MQ_ECORRUPT;
        }
        if (rc == MQ_ECORRUPT) {
            struct stat st;
            /* An empty file is a creation cut short by a crash: nothing to lose. */
            if (stat(path, &st) == 0 && st.st_size == 0 && i == n - 1) {
                MQ_LOG_WARN("store", "removing empty segment %s left by an interrupted creation",
                            path);
                unlink(path);
                continue;
            }
            store_mfq_quarantine(path, "has a size that cannot hold whole entries");
            if (found_corrupt)
                *found_corrupt = 1;
            for (int j = i + 1; j < n; j++) {
                store_mfq_path(q, offs[j], path, sizeof(path));
                store_mfq_quarantine(path, "follows a corrupt segment");
            }
            break;
        }
        if (rc != MQ_OK) {
            free(offs);
            return rc;
        }
        store_mfq_grow(q);
        q->segs[q->nsegs++] = seg;
        loaded++;
    }
    free(offs);
    return loaded;
}

store_seg_t *
store_mfq_find(store_mfq_t *q, int64_t offset)
{
    store_seg_t *found = NULL;
    int lo, hi;

    pthread_rwlock_rdlock(&q->lock);
    lo = 0;
    hi = q->nsegs - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        store_seg_t *s = q->segs[mid];
        if (offset < s->start) {
            hi = mid - 1;
        } else if (offset >= s->start + s->size) {
            lo = mid + 1;
        } else {
            found = s;
            store_seg_hold(found);
            break;
        }
    }
    pthread_rwlock_unlock(&q->lock);
    return found;
}

store_seg_t *
store_mfq_last(store_mfq_t *q)
{
    store_seg_t *s = NULL;
    pthread_rwlock_rdlock(&q->lock);
    if (q->nsegs > 0) {
        s = q->segs[q->nsegs - 1];
        store_seg_hold(s);
    }
    pthread_rwlock_unlock(&q->lock);
    return s;
}

store_seg_t *
store_mfq_first(store_mfq_t *q)
{
    store_seg_t *s = NULL;
    pthread_rwlock_rdlock(&q->lock);
    if (q->nsegs > 0) {
        s = q->segs[0];
        store_seg_hold(s);
    }
    pthread_rwlock_unlock(&q->lock);
    return s;
}

int
store_mfq_push(store_mfq_t *q, store_seg_t *seg)
{
    int rc = MQ_OK;
    pthread_rwlock_wrlock(&q->lock);
    if (q->nsegs > 0) {
        store_seg_t *prev = q->segs[q->nsegs - 1];
        if (seg->start != prev->start + prev->size)
            rc = MQ_EINVAL;
    }
    if (rc == MQ_OK) {
        store_mfq_grow(q);
        q->segs[q->nsegs++] = seg;
    }
    pthread_rwlock_unlock(&q->lock);
    return rc;
}

store_seg_t *
store_mfq_create(store_mfq_t *q, int64_t start)
{
    char path[1100];
    store_seg_t *seg;

    store_mfq_path(q, start, path, sizeof(path));
    if (store_seg_create(path, start, q->file_size, q->flags, &seg) != MQ_OK)
        return NULL;
    if (store_mfq_push(q, seg) != MQ_OK) {
        MQ_LOG_ERROR("store", "segment %s does not follow the last one", path);
        store_seg_delete(seg);
        return NULL;
    }
    store_seg_hold(seg);
    return seg;
}

void
store_mfq_truncate_from(store_mfq_t *q, int64_t offset)
{
    pthread_rwlock_wrlock(&q->lock);
    while (q->nsegs > 0 && q->segs[q->nsegs - 1]->start >= offset) {
        store_seg_t *s = q->segs[--q->nsegs];
        MQ_LOG_INFO("store", "deleting %s: it lies past the recovered end %lld", s->path,
                    (long long)offset);
        store_seg_delete(s);
    }
    pthread_rwlock_unlock(&q->lock);
}

void
store_mfq_delete_first(store_mfq_t *q)
{
    store_seg_t *s = NULL;
    pthread_rwlock_wrlock(&q->lock);
    if (q->nsegs > 0) {
        s = q->segs[0];
        memmove(q->segs, q->segs + 1, (size_t)(q->nsegs - 1) * sizeof(*q->segs));
        q->nsegs--;
    }
    pthread_rwlock_unlock(&q->lock);
    if (s)
        store_seg_delete(s);
}

int
store_mfq_count(store_mfq_t *q)
{
    int n;
    pthread_rwlock_rdlock(&q->lock);
    n = q->nsegs;
    pthread_rwlock_unlock(&q->lock);
    return n;
}

int64_t
store_mfq_min(store_mfq_t *q)
{
    int64_t v = -1;
    pthread_rwlock_rdlock(&q->lock);
    if (q->nsegs > 0)
        v = q->segs[0]->start;
    pthread_rwlock_unlock(&q->lock);
    return v;
}
