/* SPDX-License-Identifier: Apache-2.0
 *
 * store_mapped.c -- one memory-mapped, refcounted store file (RocketMQ's MappedFile plus
 * ReferenceResource).
 *
 * A segment is created preallocated (fallocate; CommitLog) or sparse (ftruncate; ConsumeQueue
 * and index, so 10,000 queues do not claim 60 GB), mapped shared and read-write in one piece.
 * Its owner list holds one reference; readers take more with store_seg_hold(). Deleting unlinks
 * the file at once and drops the owner's reference; the mapping lives until the last release.
 *
 * Page-cache granularity matters for flushing: with large folios an msync of a few bytes writes
 * the whole folio (measured: ~800 KB written per 13 KB flushed), so files flushed in small
 * pieces (SYNC_FLUSH CommitLog, ConsumeQueue, index) are advised MADV_RANDOM, which keeps 4 KiB
 * folios. Prefaulting with MADV_POPULATE_WRITE takes page faults off the append path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq/log.h"
#include "store_int.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

static int
store_seg_map(store_seg_t *seg)
{
    seg->base = mmap(NULL, (size_t)seg->size, PROT_READ | PROT_WRITE, MAP_SHARED, seg->fd, 0);
    if (seg->base == MAP_FAILED) {
        seg->base = NULL;
        MQ_LOG_ERROR("store", "cannot map %s (%lld bytes): %s", seg->path, (long long)seg->size,
                     strerror(errno));
        return MQ_EIO;
    }
    if (seg->flags & STORE_SEG_SMALL_PAGES)
        (void)madvise(seg->base, (size_t)seg->size, MADV_RANDOM);
    return MQ_OK;
}

static store_seg_t *
store_seg_alloc(const char *path, int64_t start, int64_t size, int flags, int fd)
{
    store_seg_t *seg = mq_xcalloc(1, sizeof(*seg));
    atomic_init(&seg->refs, 1);
    seg->fd = fd;
    seg->start = start;
    seg->size = size;
    seg->path = mq_xstrdup(path);
    seg->flags = flags;
    atomic_init(&seg->wrote, 0);
    atomic_init(&seg->flushed, 0);
    atomic_init(&seg->warmed, 0);
    atomic_init(&seg->deleted, 0);
    return seg;
}

static void
store_seg_destroy(store_seg_t *seg)
{
    if (seg->base)
        munmap(seg->base, (size_t)seg->size);
    if (seg->fd >= 0)
        close(seg->fd);
    free(seg->path);
    free(seg);
}

int
store_seg_create(const char *path, int64_t start, int64_t size, int flags, store_seg_t **out)
{
    store_seg_t *seg;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    *out = NULL;
    if (fd < 0) {
        MQ_LOG_ERROR("store", "cannot create %s: %s", path, strerror(errno));
        return errno == ENOSPC ? MQ_ENOSPC : MQ_EIO;
    }
    if (flags & STORE_SEG_SPARSE) {
        if (ftruncate(fd, size) != 0)
            goto err;
    } else {
        int rc = posix_fallocate(fd, 0, size);
        if (rc == EOPNOTSUPP || rc == EINVAL) {
            if (ftruncate(fd, size) != 0) /* filesystem without fallocate */
                goto err;
        } else if (rc != 0) {
            errno = rc;
            goto err;
        }
    }
    seg = store_seg_alloc(path, start, size, flags, fd);
    if (store_seg_map(seg) != MQ_OK) {
        unlink(path);
        seg->fd = -1;
        close(fd);
        store_seg_destroy(seg);
        return MQ_EIO;
    }
    *out = seg;
    return MQ_OK;
err:
    MQ_LOG_ERROR("store", "cannot size %s to %lld bytes: %s", path, (long long)size,
                 strerror(errno));
    {
        int nospace = errno == ENOSPC;
        close(fd);
        unlink(path);
        return nospace ? MQ_ENOSPC : MQ_EIO;
    }
}

int
store_seg_open(const char *path, int64_t start, int64_t expect_size, int flags, store_seg_t **out)
{
    struct stat st;
    store_seg_t *seg;
    int fd = open(path, O_RDWR | O_CLOEXEC);

    *out = NULL;
    if (fd < 0) {
        MQ_LOG_ERROR("store", "cannot open %s: %s", path, strerror(errno));
        return MQ_EIO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return MQ_ECORRUPT;
    }
    if (expect_size > 0 && st.st_size != expect_size) {
        MQ_LOG_ERROR("store", "%s has %lld bytes, expected %lld", path, (long long)st.st_size,
                     (long long)expect_size);
        close(fd);
        return MQ_ECORRUPT;
    }
    if (st.st_size <= 0) {
        close(fd);
        return MQ_ECORRUPT;
    }
    seg = store_seg_alloc(path, start, st.st_size, flags, fd);
    if (store_seg_map(seg) != MQ_OK) {
        store_seg_destroy(seg);
        return MQ_EIO;
    }
    *out = seg;
    return MQ_OK;
}

void
store_seg_hold(store_seg_t *seg)
{
    atomic_fetch_add_explicit(&seg->refs, 1, memory_order_relaxed);
}

void
store_seg_release(store_seg_t *seg)
{
    if (seg && atomic_fetch_sub_explicit(&seg->refs, 1, memory_order_acq_rel) == 1)
        store_seg_destroy(seg);
}

int
store_seg_fd(const store_seg_t *seg)
{
    return seg->fd;
}

int64_t
store_seg_file_offset(const store_seg_t *seg, const uint8_t *p)
{
    return (int64_t)(p - seg->base);
}

void
store_seg_prefault(store_seg_t *seg, int64_t from, int64_t len)
{
    int64_t page_from = from & ~(int64_t)(STORE_PAGE - 1);
    if (page_from >= seg->size)
        return;
    if (page_from + len > seg->size)
        len = seg->size - page_from;
    if (len <= 0)
        return;
    /* Content is untouched: this only maps the pages writable ahead of the appender. Errors
     * (old kernels: EINVAL) just leave the faults to the appender. */
    (void)madvise(seg->base + page_from, (size_t)len, MADV_POPULATE_WRITE);
}

int
store_seg_flush(store_seg_t *seg, int64_t from, int64_t to, int wait)
{
    int64_t a = from & ~(int64_t)(STORE_PAGE - 1);
    if (to > seg->size)
        to = seg->size;
    if (to <= a)
        return MQ_OK;
    if (!wait) {
        /* Start writeback of the range without waiting (phase 1 of a multi-file flush). */
        (void)sync_file_range(seg->fd, a, to - a, SYNC_FILE_RANGE_WRITE);
        return MQ_OK;
    }
    if (msync(seg->base + a, (size_t)(to - a), MS_SYNC) != 0) {
        MQ_LOG_ERROR("store", "msync %s [%lld, %lld): %s", seg->path, (long long)a, (long long)to,
                     strerror(errno));
        return MQ_EIO;
    }
    return MQ_OK;
}

int
store_seg_zero_range(store_seg_t *seg, int64_t from, int64_t to)
{
    if (to > seg->size)
        to = seg->size;
    if (to <= from)
        return MQ_OK;
    /* Converting the range to unwritten extents is a metadata operation: cheap even for a
     * whole GiB, and the file stays preallocated. Fall back to writing zeros. */
    if (fallocate(seg->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, from, to - from) != 0)
        memset(seg->base + from, 0, (size_t)(to - from));
    return MQ_OK;
}

void
store_seg_delete(store_seg_t *seg)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&seg->deleted, &expected, 1)) {
        if (unlink(seg->path) != 0 && errno != ENOENT)
            MQ_LOG_WARN("store", "cannot delete %s: %s", seg->path, strerror(errno));
    }
    store_seg_release(seg);
}
