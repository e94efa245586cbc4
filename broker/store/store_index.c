/* SPDX-License-Identifier: Apache-2.0
 *
 * store_index.c -- the IndexFile: a hash index from message keys to CommitLog offsets
 * (rocketmq-protocol.md section 5.3), file for file what RocketMQ writes:
 *
 *   header (40 bytes)  long beginTimestamp | long endTimestamp | long beginPhyOffset |
 *                      long endPhyOffset | int hashSlotCount | int indexCount
 *   slots              maxHashSlotNum x int: number of the newest entry of the chain, 0 = empty
 *   entries            maxIndexNum x (int keyHash | long phyOffset | int timeDiff | int prev)
 *
 * Keys are "topic#key" for the UNIQ_KEY and each space-separated KEYS entry; keyHash is
 * abs(Java hashCode) (0 for MIN_VALUE); timeDiff is in seconds from beginTimestamp; entry 0 is
 * never used (indexCount starts at 1). Files are named by their creation time
 * (yyyyMMddHHmmssSSS, local time) and kept sparse. The dispatcher is the only writer; it writes
 * an entry before publishing it in its slot, and readers bound every number they follow, so a
 * torn or hostile file yields missing hits, never a crash or a loop.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mq/log.h"
#include "mq/rd.h"
#include "store_int.h"

#define IX_HEADER 40
#define IX_ENTRY 20

struct store_index_s {
    char *dir;             /* index/ */
    int32_t slots;         /* maxHashSlotNum */
    int32_t max_entries;   /* maxIndexNum */
    int64_t file_size;     /* 40 + slots*4 + max_entries*20 */
    pthread_rwlock_t lock; /* guards files/nfiles */
    store_seg_t **files;   /* ascending creation time */
    int nfiles;            /* files in use */
    int cap;               /* allocated */
    store_seg_t *cur;      /* the file being written (held); dispatcher only */
};

/* ---- Header access ---- */

static int64_t
ix_begin_ts(const store_seg_t *f)
{
    return (int64_t)mq_load_be64(f->base);
}
static int64_t
ix_end_ts(const store_seg_t *f)
{
    return (int64_t)mq_load_be64(f->base + 8);
}
static int64_t
ix_begin_phy(const store_seg_t *f)
{
    return (int64_t)mq_load_be64(f->base + 16);
}
static int64_t
ix_end_phy(const store_seg_t *f)
{
    return (int64_t)mq_load_be64(f->base + 24);
}
static int32_t
ix_slot_count(const store_seg_t *f)
{
    return (int32_t)mq_load_be32(f->base + 32);
}
static int32_t
ix_count(const store_seg_t *f)
{
    return (int32_t)mq_load_be32(f->base + 36);
}

static void
ix_set64(store_seg_t *f, int at, int64_t v)
{
    mq_store_be64(f->base + at, (uint64_t)v);
}
static void
ix_set32(store_seg_t *f, int at, int32_t v)
{
    mq_store_be32(f->base + at, (uint32_t)v);
}

static int64_t
ix_slot_pos(const store_index_t *ix, int32_t slot)
{
    return IX_HEADER + (int64_t)slot * 4;
}

static int64_t
ix_entry_pos(const store_index_t *ix, int32_t n)
{
    return IX_HEADER + (int64_t)ix->slots * 4 + (int64_t)n * IX_ENTRY;
}

int32_t
store_index_key_hash(int32_t prefix_hash, mq_str_t key)
{
    int32_t h = mq_java_hash_update(prefix_hash, key.p, key.n);
    if (h == INT32_MIN)
        return 0;
    return h < 0 ? -h : h;
}

/* ---- Files ---- */

static int
ix_name_ok(const char *name)
{
    if (strlen(name) != 17)
        return 0;
    for (int i = 0; i < 17; i++)
        if (name[i] < '0' || name[i] > '9')
            return 0;
    return 1;
}

static int
ix_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
ix_push(store_index_t *ix, store_seg_t *f)
{
    pthread_rwlock_wrlock(&ix->lock);
    if (ix->nfiles == ix->cap) {
        ix->cap = ix->cap ? ix->cap * 2 : 8;
        ix->files = mq_xrealloc(ix->files, (size_t)ix->cap * sizeof(*ix->files));
    }
    ix->files[ix->nfiles++] = f;
    pthread_rwlock_unlock(&ix->lock);
}

static void
ix_quarantine(const char *path, const char *why)
{
    char bad[1300];
    snprintf(bad, sizeof(bad), "%s.corrupt", path);
    if (rename(path, bad) == 0)
        MQ_LOG_ERROR("store",
                     "index file %s %s; moved aside to %s (key queries over its time "
                     "range will miss)",
                     path, why, bad);
    else
        MQ_LOG_ERROR("store", "index file %s %s; cannot move it aside: %s", path, why,
                     strerror(errno));
}

/* Removes entries whose phyOffset >= from, newest first, restoring each chain head (the
 * exact inverse of put). Returns 1 if the file is left without entries. */
static int
ix_truncate_file(store_index_t *ix, store_seg_t *f, int64_t from)
{
    int32_t count = ix_count(f);
    int64_t last_phy = -1, last_ts = ix_begin_ts(f);

    while (count > 1) {
        uint8_t *e = f->base + ix_entry_pos(ix, count - 1);
        int32_t hash = (int32_t)mq_load_be32(e);
        int64_t phy = (int64_t)mq_load_be64(e + 4);
        int32_t diff = (int32_t)mq_load_be32(e + 12);
        int32_t prev = (int32_t)mq_load_be32(e + 16);
        if (phy < from) {
            last_phy = phy;
            last_ts = ix_begin_ts(f) + (int64_t)diff * 1000;
            break;
        }
        if (hash >= 0) {
            int64_t sp = ix_slot_pos(ix, hash % ix->slots);
            if ((int32_t)mq_load_be32(f->base + sp) == count - 1) {
                mq_store_be32(f->base + sp, (uint32_t)(prev > 0 && prev < count - 1 ? prev : 0));
                if (prev <= 0 && ix_slot_count(f) > 0)
                    ix_set32(f, 32, ix_slot_count(f) - 1);
            }
        }
        memset(e, 0, IX_ENTRY);
        count--;
    }
    ix_set32(f, 36, count);
    if (count <= 1)
        return 1;
    ix_set64(f, 24, last_phy);
    ix_set64(f, 8, last_ts);
    return 0;
}

store_index_t *
store_index_open(const char *dir, int32_t slots, int32_t max_entries, int64_t truncate_from)
{
    store_index_t *ix = mq_xcalloc(1, sizeof(*ix));
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    int n = 0;

    ix->dir = mq_xstrdup(dir);
    ix->slots = slots;
    ix->max_entries = max_entries;
    ix->file_size = IX_HEADER + (int64_t)slots * 4 + (int64_t)max_entries * IX_ENTRY;
    pthread_rwlock_init(&ix->lock, NULL);
    if (store_mkdirs(dir) != MQ_OK) {
        store_index_close(ix);
        return NULL;
    }
    d = opendir(dir);
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (!ix_name_ok(de->d_name)) {
            size_t len = strlen(de->d_name);
            if (len < 8 || strcmp(de->d_name + len - 8, ".corrupt") != 0)
                MQ_LOG_WARN("store", "ignoring stray file %s/%s (not an index file name)", dir,
                            de->d_name);
            continue;
        }
        names = mq_xrealloc(names, (size_t)(n + 1) * sizeof(*names));
        names[n++] = mq_xstrdup(de->d_name);
    }
    if (d)
        closedir(d);
    if (n > 1)
        qsort(names, (size_t)n, sizeof(*names), ix_name_cmp);
    for (int i = 0; i < n; i++) {
        char path[1200];
        store_seg_t *f;
        int rc;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        rc = store_seg_open(path, 0, ix->file_size, STORE_SEG_SPARSE | STORE_SEG_SMALL_PAGES, &f);
        if (rc == MQ_ECORRUPT) {
            ix_quarantine(path, "does not match maxHashSlotNum/maxIndexNum");
            continue;
        }
        if (rc != MQ_OK)
            continue;
        if (ix_count(f) < 0 || ix_count(f) > max_entries) {
            store_seg_release(f);
            ix_quarantine(path, "has an impossible entry count");
            continue;
        }
        if (ix_count(f) == 0)
            ix_set32(f, 36, 1);
        ix_push(ix, f);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);

    /* Recovery: drop entries at or past truncate_from; they are rebuilt by the dispatcher. A
     * file whose first entry is already past it goes whole (cheaper than undoing each entry). */
    while (ix->nfiles > 0) {
        store_seg_t *f = ix->files[ix->nfiles - 1];
        if (ix_count(f) > 1 && ix_end_phy(f) < truncate_from)
            break;
        if (ix_count(f) <= 1 || ix_begin_phy(f) >= truncate_from) {
            ix->nfiles--;
            MQ_LOG_INFO("store",
                        "recovery: index file %s holds only entries at or past %lld; "
                        "deleted (rebuilt from the CommitLog)",
                        f->path, (long long)truncate_from);
            store_seg_delete(f);
            continue;
        }
        ix_truncate_file(ix, f, truncate_from);
        break;
    }
    for (int i = 0; i < ix->nfiles; i++) {
        atomic_store(&ix->files[i]->wrote, ix_count(ix->files[i]));
        atomic_store(&ix->files[i]->flushed, ix_count(ix->files[i]));
    }
    if (ix->nfiles > 0) {
        ix->cur = ix->files[ix->nfiles - 1];
        store_seg_hold(ix->cur);
    }
    return ix;
}

void
store_index_close(store_index_t *ix)
{
    if (!ix)
        return;
    store_seg_release(ix->cur);
    for (int i = 0; i < ix->nfiles; i++)
        store_seg_release(ix->files[i]);
    free(ix->files);
    free(ix->dir);
    pthread_rwlock_destroy(&ix->lock);
    free(ix);
}

/* Faults in the slots (once per file) and the next stretch of entries in one call each:
 * a page fault taken by the writer costs far more than populating from the kernel. */
static void
ix_warm(store_index_t *ix, store_seg_t *f, int64_t pos)
{
    int64_t slots_end = ix_entry_pos(ix, 0), from = atomic_load(&f->warmed), to;
    if (from < slots_end) {
        for (int64_t off = 0; off < slots_end; off += (int64_t)1 << 20)
            store_seg_prefault(f, off, MQ_MIN((int64_t)1 << 20, slots_end - off));
        from = slots_end;
    }
    if (from < pos)
        from = pos & ~(int64_t)(STORE_PAGE - 1);
    to = MQ_MIN(f->size, from + ((int64_t)1 << 20));
    store_seg_prefault(f, from, to - from);
    atomic_store(&f->warmed, to);
}

static store_seg_t *
ix_new_file(store_index_t *ix, int64_t seed_phy, int64_t seed_ts)
{
    char path[1200];
    struct timespec ts;
    struct tm tm;
    store_seg_t *f = NULL;

    clock_gettime(CLOCK_REALTIME, &ts);
    for (int attempt = 0; attempt < 1000 && !f; attempt++) {
        time_t sec = ts.tv_sec;
        long ms = ts.tv_nsec / 1000000 + attempt;
        sec += ms / 1000;
        ms %= 1000;
        localtime_r(&sec, &tm);
        snprintf(path, sizeof(path), "%s/%04d%02d%02d%02d%02d%02d%03ld", ix->dir, tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
        if (access(path, F_OK) == 0)
            continue;
        if (store_seg_create(path, 0, ix->file_size, STORE_SEG_SPARSE | STORE_SEG_SMALL_PAGES,
                             &f) != MQ_OK)
            return NULL;
    }
    if (!f)
        return NULL;
    ix_set32(f, 36, 1);
    if (seed_phy > 0) {
        ix_set64(f, 16, seed_phy);
        ix_set64(f, 24, seed_phy);
        ix_set64(f, 0, seed_ts);
        ix_set64(f, 8, seed_ts);
    }
    ix_push(ix, f);
    store_seg_release(ix->cur);
    store_seg_hold(f);
    ix->cur = f;
    return f;
}

void
store_index_put(store_index_t *ix, int32_t key_hash, int64_t phys, int64_t store_ts)
{
    store_seg_t *f = ix->cur;
    int32_t count, slot, slot_val;
    int64_t begin, diff;
    uint8_t *e;

    if (!f || ix_count(f) >= ix->max_entries) {
        int64_t seed_phy = f ? ix_end_phy(f) : 0, seed_ts = f ? ix_end_ts(f) : 0;
        f = ix_new_file(ix, seed_phy, seed_ts);
        if (!f) {
            MQ_LOG_ERROR("store",
                         "cannot create an index file in %s: key queries will miss "
                         "new messages",
                         ix->dir);
            return;
        }
    }
    count = ix_count(f);
    if (ix_entry_pos(ix, count) + IX_ENTRY > atomic_load_explicit(&f->warmed, memory_order_relaxed))
        ix_warm(ix, f, ix_entry_pos(ix, count));
    slot = key_hash % ix->slots;
    slot_val = (int32_t)mq_load_be32(f->base + ix_slot_pos(ix, slot));
    if (slot_val <= 0 || slot_val > count)
        slot_val = 0;
    begin = ix_begin_ts(f);
    diff = begin > 0 ? (store_ts - begin) / 1000 : 0;
    if (diff < 0)
        diff = 0;
    if (diff > INT32_MAX)
        diff = INT32_MAX;
    e = f->base + ix_entry_pos(ix, count);
    mq_store_be32(e, (uint32_t)key_hash);
    mq_store_be64(e + 4, (uint64_t)phys);
    mq_store_be32(e + 12, (uint32_t)diff);
    mq_store_be32(e + 16, (uint32_t)slot_val);
    atomic_thread_fence(memory_order_release); /* entry before slot (readers follow slots) */
    mq_store_be32(f->base + ix_slot_pos(ix, slot), (uint32_t)count);
    if (count <= 1) {
        ix_set64(f, 16, phys);
        ix_set64(f, 0, store_ts);
    }
    if (slot_val == 0)
        ix_set32(f, 32, ix_slot_count(f) + 1);
    ix_set32(f, 36, count + 1);
    ix_set64(f, 24, phys);
    ix_set64(f, 8, store_ts);
    atomic_store_explicit(&f->wrote, count + 1, memory_order_release);
}

void
store_index_put_many(store_index_t *ix, const store_index_item_t *items, int n)
{
    store_seg_t *f = ix->cur;
    if (f)
        for (int i = 0; i < n; i++)
            __builtin_prefetch(f->base + ix_slot_pos(ix, items[i].key_hash % ix->slots), 1);
    for (int i = 0; i < n; i++)
        store_index_put(ix, items[i].key_hash, items[i].phys, items[i].store_ts);
}

static int
ix_time_matched(store_seg_t *f, int64_t begin, int64_t end)
{
    int64_t fb = ix_begin_ts(f), fe = ix_end_ts(f);
    return (begin < fb && end > fe) || (begin >= fb && begin <= fe) || (end >= fb && end <= fe);
}

int
store_index_query(store_index_t *ix, int32_t key_hash, int max, int64_t begin_ms, int64_t end_ms,
                  int64_t *offsets)
{
    store_seg_t **files;
    int nfiles, got = 0;

    pthread_rwlock_rdlock(&ix->lock);
    nfiles = ix->nfiles;
    files = mq_xmalloc((size_t)(nfiles ? nfiles : 1) * sizeof(*files));
    for (int i = 0; i < nfiles; i++) {
        files[i] = ix->files[i];
        store_seg_hold(files[i]);
    }
    pthread_rwlock_unlock(&ix->lock);

    for (int i = nfiles - 1; i >= 0 && got < max; i--) {
        store_seg_t *f = files[i];
        int32_t count = ix_count(f), cur;
        int64_t fbegin = ix_begin_ts(f);
        int steps = 0;
        if (count <= 1 || !ix_time_matched(f, begin_ms, end_ms)) {
            if (fbegin < begin_ms && count > 1)
                break;
            continue;
        }
        cur = (int32_t)mq_load_be32(f->base + ix_slot_pos(ix, key_hash % ix->slots));
        while (cur > 0 && cur < count && got < max && steps++ < ix->max_entries) {
            atomic_thread_fence(memory_order_acquire);
            const uint8_t *e = f->base + ix_entry_pos(ix, cur);
            int32_t h = (int32_t)mq_load_be32(e);
            int64_t phy = (int64_t)mq_load_be64(e + 4);
            int32_t diff = (int32_t)mq_load_be32(e + 12);
            int32_t prev = (int32_t)mq_load_be32(e + 16);
            int64_t t;
            if (diff < 0)
                break;
            t = fbegin + (int64_t)diff * 1000;
            if (h == key_hash && t >= begin_ms && t <= end_ms)
                offsets[got++] = phy;
            if (prev <= 0 || prev >= cur || t < begin_ms)
                break; /* chains only go back; anything else is damage */
            cur = prev;
        }
        if (fbegin < begin_ms)
            break;
    }
    for (int i = 0; i < nfiles; i++)
        store_seg_release(files[i]);
    free(files);
    return got;
}

int
store_index_flush(store_index_t *ix, int phase)
{
    int rc = MQ_OK;
    pthread_rwlock_rdlock(&ix->lock);
    for (int i = ix->nfiles - 1; i >= 0; i--) {
        store_seg_t *f = ix->files[i];
        int64_t w = atomic_load_explicit(&f->wrote, memory_order_acquire);
        if (w == atomic_load(&f->flushed)) {
            if (i < ix->nfiles - 1)
                break;
            continue;
        }
        /* Header, slots and entries all change: flush the file (only dirty pages are written). */
        if (store_seg_flush(f, 0, ix_entry_pos(ix, (int32_t)MQ_MIN(w, ix->max_entries)), phase) !=
            MQ_OK)
            rc = MQ_EIO;
        else if (phase)
            atomic_store(&f->flushed, w);
    }
    pthread_rwlock_unlock(&ix->lock);
    return rc;
}

void
store_index_trim(store_index_t *ix, int64_t min_phys)
{
    for (;;) {
        store_seg_t *f = NULL;
        pthread_rwlock_wrlock(&ix->lock);
        if (ix->nfiles > 1 && ix_end_phy(ix->files[0]) < min_phys) {
            f = ix->files[0];
            memmove(ix->files, ix->files + 1, (size_t)(ix->nfiles - 1) * sizeof(*ix->files));
            ix->nfiles--;
        }
        pthread_rwlock_unlock(&ix->lock);
        if (!f)
            break;
        MQ_LOG_INFO("store", "retention: deleting index file %s (entries below %lld)", f->path,
                    (long long)min_phys);
        store_seg_delete(f);
    }
}
