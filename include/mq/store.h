/* SPDX-License-Identifier: Apache-2.0
 *
 * store.h -- the message store interface (RocketMQ's MessageStore): CommitLog + ConsumeQueue +
 * IndexFile on disk, as RocketMQ lays them out (rocketmq-protocol.md section 5).
 *
 * Who calls what, from which thread:
 *   - store_put() is called by any thread (network threads); it copies the records into the
 *     mapped CommitLog under one lock and returns at once. Under SYNC_FLUSH, durability is
 *     reported later through the caller's store_waiter_t callback, from the store's flush
 *     thread: the network layer never blocks while a flush is pending.
 *   - Reads (store_get_messages, store_read_record, offsets, queries) may be called from any
 *     thread. They return slices that point into the mapped segment and hold a reference on it:
 *     a segment deleted by retention stays mapped until its last slice is released.
 *   - A message becomes visible to readers once the dispatcher thread has written its
 *     ConsumeQueue entry; the arrival callback tells the broker (long-poll wake-ups).
 * The implementation lives in broker/store/ and depends on mq_core only.
 */
#ifndef MQ_STORE_H
#define MQ_STORE_H

#include <stdint.h>

#include "mq/common.h"
#include "mq/msg.h"

typedef struct store_s store_t;
typedef struct store_seg_s store_seg_t;

/* ---- Configuration (MessageStoreConfig keys; see store_config.c for the table) ---- */

typedef enum store_flush_mode_e {
    STORE_ASYNC_FLUSH = 0, /* flushDiskType=ASYNC_FLUSH: background flush by interval/pages */
    STORE_SYNC_FLUSH = 1,  /* flushDiskType=SYNC_FLUSH: a put completes once a flush covers it */
} store_flush_mode_t;

typedef struct store_config_s {
    char root_dir[512];             /* storePathRootDir */
    char commitlog_dir[512];        /* storePathCommitLog ("" = <root>/commitlog) */
    int64_t commitlog_file_size;    /* mappedFileSizeCommitLog, bytes */
    int64_t cq_file_size;           /* mappedFileSizeConsumeQueue, bytes (multiple of 20) */
    store_flush_mode_t flush_mode;  /* flushDiskType */
    int flush_interval_ms;          /* flushIntervalCommitLog */
    int flush_least_pages;          /* flushCommitLogLeastPages */
    int flush_thorough_interval_ms; /* flushCommitLogThoroughInterval */
    int flush_cq_interval_ms;       /* flushIntervalConsumeQueue */
    int flush_index_interval_ms;    /* flushIntervalIndex (rocketmq-c): index flush period */
    int sync_flush_timeout_ms;      /* syncFlushTimeout */
    int32_t max_message_size;       /* maxMessageSize, bytes of body */
    int message_index_enable;       /* messageIndexEnable */
    int32_t index_slots;            /* maxHashSlotNum */
    int32_t index_max_entries;      /* maxIndexNum */
    double file_reserved_hours;     /* fileReservedTime (fractional hours accepted) */
    char delete_when[128];          /* deleteWhen: hours "04;05"; "*" = any hour */
    int disk_max_used_ratio;        /* diskMaxUsedSpaceRatio, % */
    int disk_clean_forcibly_ratio;  /* diskSpaceCleanForciblyRatio, % */
    int disk_warning_ratio;         /* diskSpaceWarningLevelRatio, %: writes refused above */
    int64_t capacity_bytes;         /* storeCapacity: cap on the store's own bytes, 0 = none */
    int clean_forcibly_enable;      /* cleanFileForciblyEnable: delete unexpired files when full */
    int clean_interval_ms;          /* cleanResourceInterval */
    int delete_files_interval_ms;   /* deleteCommitLogFilesInterval: pause between deletions */
    int check_crc_on_recover;       /* checkCRCOnRecover */
    int warm_mapped_file;           /* warmMapedFileEnable: prefault segments ahead of writes */
    int write_not_mapped; /* transientStorePoolEnable: append with pwrite, not the mapping */
    mq_host_t store_host; /* brokerIP1 + listenPort, written into each record */
} store_config_t;

/* Functions used to build a configuration. */
void store_config_defaults(store_config_t *cfg);
/* Sets one key by its RocketMQ name (also the legacy spelling mapedFileSizeCommitLog). Returns
 * MQ_OK, MQ_ENOENT for a key the store does not know, MQ_EINVAL for a bad value (err filled). */
int store_config_set(store_config_t *cfg, const char *key, const char *value, char *err,
                     size_t errlen);
/* Calls fn for each store key with its current value as text (for -p printing and
 * GET_BROKER_CONFIG). */
void store_config_foreach(const store_config_t *cfg,
                          void (*fn)(void *arg, const char *key, const char *value), void *arg);
/* Checks cross-key constraints; returns MQ_OK or MQ_EINVAL with err filled. */
int store_config_check(const store_config_t *cfg, char *err, size_t errlen);

/* ---- Lifecycle ---- */

/* Opens (creating if needed) the store under cfg->root_dir: takes the `lock` file, recovers
 * (normal or abnormal, see store_recover.c), and starts the flush, dispatch, allocation and
 * clean threads. Returns MQ_OK and *out, or an error with a log line saying why. */
int store_open(const store_config_t *cfg, store_t **out);
/* Clean shutdown: stops the threads, flushes everything, writes the checkpoint, removes the
 * `abort` marker. Pending sync waiters complete with MQ_ECLOSED. */
void store_close(store_t *s);

/* ---- Appending ---- */

/* Caller-owned completion record for SYNC_FLUSH puts; embed it in the request. */
typedef struct store_waiter_s store_waiter_t;
typedef void (*store_waiter_fn)(store_waiter_t *w, int status);
struct store_waiter_s {
    store_waiter_fn cb; /* called once, from the flush thread (or inside store_put) */
    void *arg;          /* caller data */
    /* -- owned by the store while pending -- */
    int64_t target;      /* CommitLog offset that must be flushed */
    int64_t deadline_ns; /* monotonic; past it the put completes with MQ_ETIMEDOUT */
    store_waiter_t *next;
};

/* Appends n messages (all to the same or different queues) in one locked copy; a batch gets
 * consecutive queue offsets per queue and never straddles a segment. The store fills, in each
 * msgs[i]: body_crc, queue_offset, phys_offset, store_ts, store_size (and the store host).
 * Returns:
 *   MQ_OK     appended, and durable as far as the flush mode promises (ASYNC_FLUSH, or
 *             SYNC_FLUSH with w == NULL meaning "don't wait", like WAIT=false);
 *   MQ_AGAIN  appended under SYNC_FLUSH; w->cb will be called with MQ_OK once flushed,
 *             MQ_ETIMEDOUT after syncFlushTimeout, or MQ_ECLOSED on shutdown;
 *   MQ_ENOSPC nothing appended: disk over diskSpaceWarningLevelRatio or capacity reached
 *             (store_status_text() says which path, ratio and key);
 *   MQ_ETOOBIG / MQ_EINVAL nothing appended: a message breaks a size limit or a field range;
 *   MQ_ECLOSED / MQ_EIO nothing appended. */
int store_put(store_t *s, mq_msg_t *msgs, int n, store_waiter_t *w);

/* Waits until everything before CommitLog offset target is visible to readers (dispatched into
 * the ConsumeQueues: a Kafka acknowledgement promises the record can be fetched, and the high
 * watermark covers it). Returns MQ_OK at once when it already is; else MQ_AGAIN, and w->cb is
 * called once from the dispatcher thread with MQ_OK, MQ_ETIMEDOUT after timeout_ms, or
 * MQ_ECLOSED when the store closes first. Under SYNC_FLUSH, visible implies flushed. */
int store_wait_visible(store_t *s, int64_t target, int64_t timeout_ms, store_waiter_t *w);

/* Batches the dispatcher's wake-ups of the calling thread (an event loop that appends many
 * requests per iteration): after store_defer_kicks(s), store_put() and store_wait_visible() on
 * this thread no longer wake the dispatcher each time; the thread must call
 * store_kick_deferred(s) before it blocks (once per loop iteration), which wakes it once if
 * anything is pending. Other threads are unaffected. */
void store_defer_kicks(store_t *s);
void store_kick_deferred(store_t *s);

/* store_put() that blocks until durable (for tools and tests). */
int store_put_wait(store_t *s, mq_msg_t *msgs, int n);

/* ---- Reading ---- */

/* A slice of a mapped segment, with a reference held on it. */
typedef struct store_slice_s {
    store_seg_t *seg; /* referenced segment; NULL for an empty slice */
    const uint8_t *p; /* first byte */
    uint32_t len;     /* bytes */
    int64_t offset;   /* CommitLog offset of p */
} store_slice_t;

void store_slice_release(store_slice_t *sl);
/* Segment access for zero-copy senders: an extra hold, and the fd + file offset for sendfile. */
void store_seg_hold(store_seg_t *seg);
void store_seg_release(store_seg_t *seg);
int store_seg_fd(const store_seg_t *seg);
int64_t store_seg_file_offset(const store_seg_t *seg, const uint8_t *p);

/* Reads the record at CommitLog offset `offset`. Returns MQ_OK with *out held, MQ_ERANGE if the
 * offset is outside [min, max) or not a record start, MQ_ECORRUPT if the bytes are not one. */
int store_read_record(store_t *s, int64_t offset, store_slice_t *out);

/* GetMessageStatus, as RocketMQ names them (the broker maps them to pull response codes). */
typedef enum store_get_status_e {
    STORE_GET_FOUND = 0,
    STORE_GET_NO_MATCHED_MESSAGE,
    STORE_GET_MESSAGE_WAS_REMOVING,
    STORE_GET_OFFSET_FOUND_NULL,
    STORE_GET_OFFSET_OVERFLOW_BADLY,
    STORE_GET_OFFSET_OVERFLOW_ONE,
    STORE_GET_OFFSET_TOO_SMALL,
    STORE_GET_NO_MATCHED_LOGIC_QUEUE,
    STORE_GET_NO_MESSAGE_IN_QUEUE,
} store_get_status_t;

const char *store_get_status_name(store_get_status_t st);

/* Optional filter for store_get_messages: match_cq sees the ConsumeQueue tagsCode (cheap,
 * may be NULL); match_msg sees the whole record (may be NULL). Both return 1 to keep. */
typedef struct store_filter_s {
    int (*match_cq)(void *arg, int64_t tags_code);
    int (*match_msg)(void *arg, const uint8_t *record, uint32_t len);
    void *arg;
} store_filter_t;

typedef struct store_get_result_s {
    store_get_status_t status;
    int64_t next_offset; /* where the next pull should start */
    int64_t min_offset;  /* queue min logical offset */
    int64_t max_offset;  /* queue max logical offset (next to be written) */
    int count;           /* slices filled */
    uint64_t bytes;      /* total bytes in the slices */
} store_get_result_t;

/* Reads up to max_msgs records (and about max_bytes; the first one always fits) of queue
 * (topic, qid) starting at logical offset `offset` into slices[0..count). The caller releases
 * every slice. Returns MQ_OK (res->status says what was found) or MQ_ECLOSED. */
int store_get_messages(store_t *s, mq_str_t topic, int32_t qid, int64_t offset, int max_msgs,
                       uint64_t max_bytes, const store_filter_t *filter, store_slice_t *slices,
                       store_get_result_t *res);

/* One ConsumeQueue entry. */
typedef struct store_cq_entry_s {
    int64_t phys_offset; /* CommitLog offset of the record */
    int32_t size;        /* record size */
    int64_t tags_code;   /* tag hash, or delivery time for SCHEDULE_TOPIC_XXXX */
} store_cq_entry_t;

/* Reads the entry at logical offset `offset`. Returns MQ_OK, MQ_ERANGE or MQ_ENOENT (no queue). */
int store_cq_get(store_t *s, mq_str_t topic, int32_t qid, int64_t offset, store_cq_entry_t *e);

/* Queue bounds: min/max logical offsets (0/0 for an unknown queue). */
int64_t store_min_offset(store_t *s, mq_str_t topic, int32_t qid);
int64_t store_max_offset(store_t *s, mq_str_t topic, int32_t qid);

typedef enum store_boundary_e {
    STORE_BOUNDARY_LOWER = 0, /* first offset whose store time >= ts */
    STORE_BOUNDARY_UPPER = 1, /* last offset whose store time <= ts */
} store_boundary_t;

/* Logical offset by store timestamp (binary search over the queue's records). */
int64_t store_offset_by_time(store_t *s, mq_str_t topic, int32_t qid, int64_t ts_ms,
                             store_boundary_t boundary);
/* Store time of the queue's first available message, or -1. */
int64_t store_earliest_time(store_t *s, mq_str_t topic, int32_t qid);

/* Index queries. store_query_by_key fills up to max CommitLog offsets of records whose KEYS
 * hold `key` (newest first, de-duplicated, each record checked to really carry the key) and
 * returns the count or a negative mq_err_t; begin/end bound the store time (ms, inclusive;
 * pass 0 and INT64_MAX). store_query_by_uniq_key returns MQ_OK with the newest record whose
 * UNIQ_KEY is `uniq`, MQ_ENOENT, or MQ_EPERM when the index is off. */
int store_query_by_key(store_t *s, mq_str_t topic, mq_str_t key, int max, int64_t begin_ms,
                       int64_t end_ms, int64_t *offsets);
int store_query_by_uniq_key(store_t *s, mq_str_t topic, mq_str_t uniq, int64_t *offset);

/* ---- Topics and queues ---- */

/* Visits every queue the store holds (topic, qid). */
void store_foreach_queue(store_t *s, void (*fn)(void *arg, mq_str_t topic, int32_t qid), void *arg);
/* Deletes every ConsumeQueue of a topic (the CommitLog records age out with retention). */
int store_delete_topic(store_t *s, mq_str_t topic);

/* ---- Notifications and state ---- */

/* Called from the dispatcher thread after a record's ConsumeQueue entry is written. Must be
 * quick and must not call back into store_put(). props is a view into the mapped record. */
typedef void (*store_arrival_fn)(void *arg, mq_str_t topic, int32_t qid, int64_t queue_offset,
                                 int64_t tags_code, int64_t store_ts, mq_str_t props);
void store_set_arrival_cb(store_t *s, store_arrival_fn fn, void *arg);

/* Test hook: called from the flush thread right after a CommitLog flush made [0, offset)
 * durable, before any put waiting for it completes. */
typedef void (*store_flush_hook_fn)(void *arg, int64_t flushed_offset);
void store_set_flush_hook(store_t *s, store_flush_hook_fn fn, void *arg);

typedef struct store_stats_s {
    int64_t commitlog_min;     /* first readable CommitLog offset */
    int64_t commitlog_max;     /* end of the last appended record */
    int64_t commitlog_flushed; /* durable up to here */
    int64_t dispatched;        /* ConsumeQueue/index built up to here */
    int64_t put_msgs;          /* messages appended since open */
    int64_t put_bytes;         /* record bytes appended since open */
    int64_t queues;            /* ConsumeQueues */
    double disk_ratio;         /* last measured usage ratio (0..1) of the store's disk/capacity */
    int disk_full;             /* 1 while writes are refused */
    int recovered_abnormally;  /* 1 if the last open found an `abort` marker */
} store_stats_t;

void store_get_stats(store_t *s, store_stats_t *st);
/* Why writes are refused right now ("" when they are not). Copies into buf. */
void store_status_text(store_t *s, char *buf, size_t len);
/* Runs one retention/disk check now (tests, mqadmin deleteExpiredCommitLog). */
void store_clean_now(store_t *s, int manual);
/* Blocks until the dispatcher has caught up with everything appended so far (tests, tools). */
void store_wait_dispatched(store_t *s);
/* Flushes CommitLog, ConsumeQueues, index and checkpoint now, synchronously. */
int store_flush_all(store_t *s);

#endif /* MQ_STORE_H */
