/* SPDX-License-Identifier: Apache-2.0
 *
 * store_int.h -- private structures of the message store, shared by the files of broker/store/
 * (SQLite's btreeInt.h pattern). The public interface is include/mq/store.h.
 *
 * Layout on disk (rocketmq-protocol.md section 5), under the root directory:
 *   commitlog/<20-digit start offset>          segments of mappedFileSizeCommitLog bytes
 *   consumequeue/<topic>/<qid>/<20-digit off>  sparse files of 20-byte entries
 *   index/<yyyyMMddHHmmssSSS>                  hash index files
 *   checkpoint, abort, lock, config/<name>.json
 *
 * Threads and what they own:
 *   appenders (any caller of store_put)  hold put_lock; write records into the current segment,
 *                                         assign queue offsets (cq->next_offset), publish cl_max
 *   "mq-flush"     CommitLog flush: group commit (SYNC_FLUSH) or interval (ASYNC_FLUSH)
 *   "mq-flush-cq"  ConsumeQueue + index flush, then the checkpoint
 *   "mq-dispatch"  reads records up to the dispatch limit, writes CQ and index entries
 *   "mq-alloc"     creates and prefaults the next CommitLog segment and the window ahead
 *   "mq-clean"     retention and disk-usage checks
 *
 * Invariants:
 *   (1) A record never spans two segments; a segment's unused tail starts with a BLANK filler.
 *   (2) cl_max is published (release) only after every byte below it is written.
 *   (3) Under SYNC_FLUSH the dispatcher stops at cl_flushed, so a ConsumeQueue entry (what a
 *       consumer can see) always points at durable bytes; under ASYNC_FLUSH it stops at cl_max.
 *   (4) The checkpoint's logics offset L is written only after every CQ and index entry for
 *       records below L has been flushed; recovery rebuilds entries from L on.
 *   (5) Segments are freed by their last holder: deleting a segment unlinks the file at once
 *       but readers keep their mapping until they release it.
 *   (6) The queue table changes only with put_lock and the table's write lock held, so an
 *       appender (holding put_lock) reads it without the table lock.
 */
#ifndef MQ_STORE_INT_H
#define MQ_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "mq/buf.h"
#include "mq/common.h"
#include "mq/msg.h"
#include "mq/store.h"

#define STORE_CQ_UNIT 20    /* bytes per ConsumeQueue entry */
#define STORE_CQ_PEND 128   /* entries a queue stages before writing them */
#define STORE_CQ_MMAP_MAX 4 /* fewer staged entries are copied through the mapping */
#define STORE_PAGE 4096
#define STORE_CKPT_SIZE 4096
#define STORE_BLANK_MIN 8 /* room always left for an end-of-segment filler */
/* Largest queue offset the store accepts (keeps offset * 20 far from overflow). */
#define STORE_CQ_MAX_OFFSET ((int64_t)1 << 56)

/* ---- store_mapped.c: one memory-mapped file, refcounted ---- */

#define STORE_SEG_SMALL_PAGES 0x1 /* MADV_RANDOM: 4 KiB folios, so a flush writes 4 KiB pages */
#define STORE_SEG_SPARSE 0x2      /* ftruncate instead of fallocate (ConsumeQueue, index) */

struct store_seg_s {
    _Atomic int32_t refs;    /* the owning list holds one; every slice holds one */
    int fd;                  /* open file */
    uint8_t *base;           /* mapping of the whole file */
    int64_t start;           /* offset of byte 0 in the owner's address space (file name) */
    int64_t size;            /* file and mapping size */
    char *path;              /* full path, for logs */
    _Atomic int64_t wrote;   /* bytes from base that hold data (owner's writer) */
    _Atomic int64_t flushed; /* bytes from base known durable */
    _Atomic int64_t warmed;  /* bytes from base prefaulted for writing */
    _Atomic int deleted;     /* unlinked; the last release only unmaps and closes */
    int flags;               /* STORE_SEG_* */
};

/* Functions used to manage one segment. */
int store_seg_create(const char *path, int64_t start, int64_t size, int flags, store_seg_t **out);
int store_seg_open(const char *path, int64_t start, int64_t expect_size, int flags,
                   store_seg_t **out); /* MQ_ECORRUPT if the size differs */
void store_seg_prefault(store_seg_t *seg, int64_t from, int64_t len);
int store_seg_flush(store_seg_t *seg, int64_t from, int64_t to, int wait); /* bytes from base */
void store_seg_delete(store_seg_t *seg); /* unlink now; drops the owner's reference */
int store_seg_zero_range(store_seg_t *seg, int64_t from, int64_t to);

/* ---- store_mfq.c: an ordered list of segments in one directory (MappedFileQueue) ---- */

typedef struct store_mfq_s {
    char *dir;             /* directory holding the segments */
    int64_t file_size;     /* size of new segments */
    int64_t unit;          /* a segment's size must be a multiple of this (CQ: 20) */
    int flags;             /* STORE_SEG_* for new segments */
    pthread_rwlock_t lock; /* guards segs/nsegs */
    store_seg_t **segs;    /* ascending start offsets, contiguous */
    int nsegs;             /* segments in use */
    int cap;               /* allocated slots */
} store_mfq_t;

/* Functions used to manage a segment list. */
void store_mfq_init(store_mfq_t *q, const char *dir, int64_t file_size, int64_t unit, int flags);
void store_mfq_fini(store_mfq_t *q); /* drops the list's references */
/* Loads the 20-digit-named files of dir (stray names are logged and skipped; files of the wrong
 * size or out of sequence are renamed *.corrupt and logged). Returns the number loaded or <0. */
int store_mfq_load(store_mfq_t *q, int *found_corrupt);
/* Returns the segment holding `offset`, with a reference held, or NULL. */
store_seg_t *store_mfq_find(store_mfq_t *q, int64_t offset);
/* Returns the last segment (held) or NULL. */
store_seg_t *store_mfq_last(store_mfq_t *q);
/* Returns the first segment (held) or NULL. */
store_seg_t *store_mfq_first(store_mfq_t *q);
/* Appends seg (its start must follow the last one); the list takes over the caller's ref. */
int store_mfq_push(store_mfq_t *q, store_seg_t *seg);
/* Creates and appends a new segment starting at `start`; returns it held, or NULL. */
store_seg_t *store_mfq_create(store_mfq_t *q, int64_t start);
/* Deletes segments that start at or after `offset`. */
void store_mfq_truncate_from(store_mfq_t *q, int64_t offset);
/* Removes and deletes the first segment. */
void store_mfq_delete_first(store_mfq_t *q);
int store_mfq_count(store_mfq_t *q);
int64_t store_mfq_min(store_mfq_t *q); /* start of the first segment, or -1 */
/* Path of the segment that would start at `start`. */
void store_mfq_path(const store_mfq_t *q, int64_t start, char *buf, size_t len);

/* ---- store_cq.c: one ConsumeQueue ---- */

typedef struct store_cq_s store_cq_t;
struct store_cq_s {
    char *topic;                /* owned, NUL-terminated */
    size_t topic_len;           /* bytes of topic */
    int32_t qid;                /* queue id */
    uint64_t hash;              /* table hash of (topic, qid) */
    int32_t key_hash_prefix;    /* Java hash of "topic#", for index keys */
    store_mfq_t files;          /* consumequeue/<topic>/<qid>/ */
    int64_t next_offset;        /* next queue offset to assign; put_lock */
    _Atomic int64_t max_offset; /* entries written (next logical offset); dispatcher */
    _Atomic int64_t min_offset; /* first valid logical offset */
    int64_t flushed_offset;     /* entries flushed; flush-cq thread */
    store_seg_t *tail;          /* dispatcher's cached last segment (held) */
    uint8_t *pend;              /* dispatcher: staged entries, not yet in the file */
    int npend;                  /* staged entries */
    int64_t pend_first;         /* queue offset of the first staged entry */
    int in_run;                 /* listed in the current dispatch run */
    store_cq_t *hnext;          /* hash chain */
};

/* Functions used on a ConsumeQueue (the dispatcher writes; anyone reads). */
store_cq_t *store_cq_new(const char *root, mq_str_t topic, int32_t qid, int64_t file_size);
void store_cq_free(store_cq_t *cq);
int store_cq_load(store_cq_t *cq, int64_t redispatch_from, int *corrupt);
/* Stages an entry (MQ_OK), or MQ_EEXIST (already there), MQ_ERANGE, MQ_EIO. Staged entries
 * become visible with store_cq_commit(), which writes them with one pwrite: the mapping is
 * only read, so flushing never has to write-protect our pages (a TLB shootdown each). */
int store_cq_put(store_cq_t *cq, int64_t queue_offset, int64_t phys, int32_t size,
                 int64_t tags_code);
int store_cq_commit(store_cq_t *cq);
int store_cq_read(store_cq_t *cq, int64_t offset, store_cq_entry_t *e);
/* Reads up to n entries from offset; returns how many (stops at max_offset or a file end). */
int store_cq_read_many(store_cq_t *cq, int64_t offset, store_cq_entry_t *e, int n);
/* Drops files wholly below commit-log offset min_phys and moves min_offset up. */
void store_cq_trim(store_cq_t *cq, int64_t min_phys);
int store_cq_flush(store_cq_t *cq, int phase); /* phase 0: start writeback, 1: wait */
void store_cq_destroy_files(store_cq_t *cq);

/* ---- store_qtable.c: (topic, qid) -> ConsumeQueue ---- */

typedef struct store_qtable_s {
    pthread_rwlock_t lock; /* readers outside put_lock take it shared */
    store_cq_t **buckets;  /* hash buckets */
    size_t nbuckets;       /* power of two */
    size_t count;          /* queues */
} store_qtable_t;

void store_qtable_init(store_qtable_t *t);
void store_qtable_fini(store_qtable_t *t); /* frees the queues */
uint64_t store_qtable_hash(mq_str_t topic, int32_t qid);
/* Lookup without locking (caller holds put_lock or the table lock). */
store_cq_t *store_qtable_find(store_qtable_t *t, mq_str_t topic, int32_t qid, uint64_t h);
/* Inserts (caller holds put_lock; takes the write lock itself). */
void store_qtable_insert(store_qtable_t *t, store_cq_t *cq);
/* Removes every queue of topic into *out (a NULL-terminated heap array); write lock inside. */
store_cq_t **store_qtable_remove_topic(store_qtable_t *t, mq_str_t topic);

/* ---- store_index.c: IndexFile ---- */

typedef struct store_index_s store_index_t;

store_index_t *store_index_open(const char *dir, int32_t slots, int32_t max_entries,
                                int64_t truncate_from);
void store_index_close(store_index_t *ix);
/* Adds `key` (already prefixed by the topic hash; the full key is topic#key) for the record
 * at phys stored at store_ts. */
void store_index_put(store_index_t *ix, int32_t key_hash, int64_t phys, int64_t store_ts);
/* Collects up to max offsets whose key hash matches within [begin, end]; newest first. */
/* One pending index entry; the dispatcher batches them so slot cache misses overlap. */
typedef struct store_index_item_s {
    int32_t key_hash; /* store_index_key_hash() */
    int64_t phys;     /* record offset */
    int64_t store_ts; /* record store time */
} store_index_item_t;
/* store_index_put() for n items in order, prefetching their hash slots first. */
void store_index_put_many(store_index_t *ix, const store_index_item_t *items, int n);
int store_index_query(store_index_t *ix, int32_t key_hash, int max, int64_t begin_ms,
                      int64_t end_ms, int64_t *offsets);
int store_index_flush(store_index_t *ix, int phase);
void store_index_trim(store_index_t *ix, int64_t min_phys);
int32_t store_index_key_hash(int32_t prefix_hash, mq_str_t key);

/* ---- store_checkpoint.c ---- */

typedef struct store_ckpt_s {
    int64_t physic_ts;    /* @0  store time of the last flushed CommitLog record */
    int64_t logics_ts;    /* @8  store time of the last record with durable CQ entries */
    int64_t index_ts;     /* @16 same for the index */
    int64_t flushed_phys; /* @24 masterFlushedOffset: CommitLog durable up to here */
    int64_t confirm_phys; /* @32 confirmPhyOffset: end of valid data at clean shutdown */
    int64_t logics_phys;  /* @40 (rocketmq-c) CQ entries durable below this offset */
    int64_t index_phys;   /* @48 (rocketmq-c) index entries durable below this offset */
    int valid_ext;        /* the rocketmq-c fields were present (magic @56) */
} store_ckpt_t;

int store_ckpt_read(const char *path, store_ckpt_t *c); /* MQ_ENOENT if absent */
int store_ckpt_write(int fd, const store_ckpt_t *c);    /* pwrite + fdatasync */

/* ---- The store ---- */

struct store_s {
    store_config_t cfg;  /* copy of the configuration */
    char cl_dir[600];    /* commitlog directory */
    char cq_dir[600];    /* consumequeue directory */
    char index_dir[600]; /* index directory */
    int lock_fd;         /* `lock` file, flock()ed */
    int ckpt_fd;         /* `checkpoint` file */

    /* CommitLog */
    store_mfq_t cl;             /* segments */
    pthread_mutex_t put_lock;   /* serialises appends */
    int cl_pwrite;              /* SYNC_FLUSH: records go through put_buf and pwrite */
    mq_buf_t put_buf;           /* encoding buffer for cl_pwrite; put_lock */
    store_seg_t *cl_cur;        /* current segment (held); put_lock */
    _Atomic int64_t cl_max;     /* end of the last appended record (invariant 2) */
    _Atomic int64_t cl_flushed; /* durable up to here */
    _Atomic int64_t cl_min;     /* first readable offset */
    _Atomic int64_t cl_last_ts; /* store time of the last appended record */
    _Atomic int64_t put_msgs;   /* statistics */
    _Atomic int64_t put_calls;  /* store_put calls: the flusher's measure of concurrency */
    _Atomic int64_t put_bytes;

    store_qtable_t queues; /* ConsumeQueues */
    store_index_t *index;  /* NULL when messageIndexEnable=false */

    /* dispatcher */
    pthread_t dispatch_thread;
    pthread_mutex_t dispatch_work_mu; /* held while dispatching a batch (topic deletion waits) */
    pthread_mutex_t dispatch_mu;      /* with dispatch_cv: sleeping and waiting for progress */
    pthread_cond_t dispatch_cv;
    pthread_cond_t dispatched_cv;              /* broadcast after each dispatched batch */
    store_waiter_t *vis_waiters;               /* store_wait_visible; dispatch_mu */
    _Atomic int n_vis;                         /* how many; read without the lock */
    _Atomic int dispatch_idle;                 /* the dispatcher sleeps and wants a signal */
    _Atomic int64_t dispatched;                /* CQ/index built below this offset */
    _Atomic int64_t dispatched_ts;             /* store time of the last dispatched record */
    struct store_dispatch_ctx_s *dispatch_ctx; /* per-run scratch (dispatcher or recovery) */
    _Atomic store_arrival_fn arrival_cb;       /* read once per dispatch run */
    void *_Atomic arrival_arg;

    /* CommitLog flush and group commit */
    pthread_t flush_thread;
    pthread_mutex_t flush_cl_mu; /* serialises CommitLog flushes (thread, close, tools) */
    pthread_mutex_t flush_mu;    /* guards the waiter list */
    pthread_cond_t flush_cv;
    store_waiter_t *waiters; /* pending SYNC_FLUSH puts, ascending targets */
    store_waiter_t **waiters_tail;
    int nwaiters;    /* pending waiters; flush_mu */
    int gather_want; /* the flusher waits for this many (0: not gathering) */
    _Atomic int flush_idle;
    store_flush_hook_fn flush_hook;
    void *flush_hook_arg;
    int test_skip_flush; /* MQ_STORE_TEST_SKIP_FLUSH: mutation check for crash tests */

    /* ConsumeQueue/index flush and checkpoint */
    pthread_t flush_cq_thread;
    pthread_mutex_t flush_cq_mu; /* with flush_cq_cv: the queue flush thread's sleep */
    pthread_cond_t flush_cq_cv;
    pthread_mutex_t ckpt_mu;  /* serialises checkpoint writes */
    store_ckpt_t ckpt;        /* last written checkpoint */
    int64_t index_flushed_ns; /* when the index was last flushed; flush-cq thread */

    /* allocation and warming */
    pthread_t alloc_thread;
    pthread_mutex_t alloc_mu;
    pthread_cond_t alloc_cv;
    pthread_cond_t alloc_done_cv; /* broadcast when a segment creation finishes */
    store_seg_t *alloc_next;      /* prepared next segment (held) or NULL; alloc_mu */
    int64_t alloc_busy;           /* start of the segment being created, or -1; alloc_mu */
    _Atomic int64_t warm_trigger; /* appender signals the allocator past this offset */

    /* retention */
    pthread_t clean_thread;
    pthread_mutex_t clean_run_mu; /* one retention run at a time (thread or store_clean_now) */
    pthread_mutex_t clean_mu;
    pthread_cond_t clean_cv;
    _Atomic int disk_full;          /* writes refused */
    _Atomic int64_t disk_ratio_ppm; /* last measured usage, parts per million */
    pthread_mutex_t status_mu;
    char status_text[512]; /* why writes are refused */
    int clean_manual;      /* a manual deletion was requested; clean_mu */

    _Atomic int running; /* 0 once store_close began */
    int recovered_abnormally;
    int recovering; /* store_recover's dispatch: check CRCs, stop quietly */
};

/* Functions used across the store's files. */
int store_recover(store_t *s); /* store_recover.c, before threads start */
void store_dispatch_range(store_t *s, int64_t from, int64_t to); /* synchronous (recovery) */
void store_dispatch_init(store_t *s);
void store_dispatch_fini(store_t *s);
void *store_dispatch_main(void *arg); /* store_dispatch.c */
/* Wakes the dispatcher if it sleeps; deferred to store_kick_deferred() on a thread that
 * called store_defer_kicks(). */
void store_dispatch_kick(store_t *s);
void store_dispatch_kick_now(store_t *s); /* never deferred */
void *store_flush_main(void *arg);        /* store_flush.c */
void *store_flush_cq_main(void *arg);
void store_flush_kick(store_t *s);
int store_flush_commitlog(store_t *s, int64_t upto);
int store_flush_queues_and_checkpoint(store_t *s, int final);
void store_waiters_fail_all(store_t *s, int status);
/* Completes the visibility waiters covered by `dispatched` (MQ_OK), past their deadline
 * (MQ_ETIMEDOUT), or all with status when all is set (store_dispatch.c). */
void store_vis_waiters_complete(store_t *s, int64_t dispatched, int all, int status);
void store_waiters_complete_upto(store_t *s, int64_t flushed); /* MQ_OK to those covered */
void *store_alloc_main(void *arg);                             /* store_alloc.c */
/* Returns the segment starting at `start`: the prepared one, or one created now (waiting for
 * the allocator if it is creating that very file). NULL on failure (logged). */
store_seg_t *store_alloc_take(store_t *s, int64_t start);
void store_alloc_kick(store_t *s);
void *store_clean_main(void *arg); /* store_clean.c */
store_cq_t *store_queue_get(store_t *s, mq_str_t topic, int32_t qid, int create);
int64_t store_record_store_ts(store_t *s, int64_t phys); /* -1 if unreadable */
void store_set_status(store_t *s, const char *fmt, ...) MQ_PRINTF(2, 3);

/* Functions used everywhere in the store (store_util.c). */
/* A topic usable as a directory name: 1..255 bytes, no '/' or NUL, not "." or "..". */
int store_topic_name_ok(mq_str_t topic);
void store_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms); /* mu held */
void store_cond_wait_ns(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ns); /* mu held */
void store_cond_init(pthread_cond_t *cv); /* CLOCK_MONOTONIC condition variable */
int store_mkdirs(const char *path);       /* mkdir -p; MQ_OK or MQ_EIO (logged) */
int store_fsync_dir(const char *path);
int store_pwrite_all(int fd, const void *buf, size_t len, int64_t off); /* MQ_OK/ENOSPC/EIO */

#endif /* MQ_STORE_INT_H */
