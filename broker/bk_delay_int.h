/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_delay_int.h -- private state of delayed delivery, shared by bk_delay.c (delay levels, the
 * delivery thread, the produce hook), bk_timer.c (arbitrary delivery times) and bk_retry.c
 * (CONSUMER_SEND_MSG_BACK). The broker's other files see only the functions in bk_int.h.
 *
 * One thread ("delivery thread") owns the levels' progress and the timer heap. It sleeps on
 * `cond` until the earliest due time it knows of; the store's dispatcher thread (the arrival
 * hook) marks what arrived and wakes it when the new message is due earlier than that. Fields
 * marked "mu" are shared with the dispatcher thread; the rest belong to the delivery thread
 * (or to bk_open/bk_close while the thread does not run).
 */
#ifndef MQ_BK_DELAY_INT_H
#define MQ_BK_DELAY_INT_H

#include <pthread.h>

#include "bk_int.h"

#define BK_SCHEDULE_TOPIC "SCHEDULE_TOPIC_XXXX" /* TopicValidator.RMQ_SYS_SCHEDULE_TOPIC */
#define BK_TIMER_TOPIC "rmq_sys_wheel_timer"    /* TimerMessageStore.TIMER_TOPIC */
#define BK_DELAY_NONE INT64_MAX                 /* a level with no message waiting */
#define BK_DELAY_UNKNOWN -1                     /* a level whose head must be looked up */

/* Property names of delayed, timed and retried messages (MessageConst). */
#define BK_PROP_TIMER_DELIVER_MS "TIMER_DELIVER_MS"
#define BK_PROP_TIMER_DELAY_SEC "TIMER_DELAY_SEC"
#define BK_PROP_TIMER_DELAY_MS "TIMER_DELAY_MS"
#define BK_PROP_TIMER_OUT_MS "TIMER_OUT_MS"        /* the due time, set by the broker */
#define BK_PROP_START_DELIVER "__STARTDELIVERTIME" /* ali-ons (Aliyun ONS) */
#define BK_PROP_ORIGIN_MSG_ID "ORIGIN_MESSAGE_ID"
#define BK_PROP_RECONSUME_TIME "RECONSUME_TIME"
#define BK_PROP_MAX_RECONSUME "MAX_RECONSUME_TIMES"

/* One delay level: queue level-1 of SCHEDULE_TOPIC_XXXX. */
typedef struct bk_delay_level_s {
    int64_t delay_ms;  /* from messageDelayLevel */
    int64_t offset;    /* next queue offset to deliver (delayOffset.json) */
    int64_t head_due;  /* due time of the message at offset, BK_DELAY_NONE or BK_DELAY_UNKNOWN */
    int64_t head_phys; /* its CommitLog offset (when head_due is a time) */
} bk_delay_level_t;

/* A pending timed message. */
typedef struct bk_timer_ent_s {
    int64_t due;    /* TIMER_OUT_MS */
    int64_t offset; /* its rmq_sys_wheel_timer queue offset */
    int64_t phys;   /* its CommitLog offset, -1 until looked up */
} bk_timer_ent_t;

struct bk_delay_s {
    bk_t *bk;       /* owner */
    store_t *store; /* bk->store */
    int n_levels;   /* messageDelayLevel entries */
    bk_delay_level_t levels[BK_DELAY_LEVELS_MAX];
    char offset_path[1100]; /* <root>/config/delayOffset.json */

    /* the timer (bk_timer.c) */
    bk_timer_ent_t *heap; /* min-heap on due, then offset */
    int heap_n, heap_cap;
    int64_t timer_read;    /* next timer queue offset to load into the heap */
    int64_t timer_low;     /* persisted: every offset below it was delivered */
    int64_t timer_done_ms; /* persisted: offsets below timer_upto due by then were delivered */
    int64_t timer_upto;    /* persisted: the timer_read of that round */
    char timer_path[1100]; /* <root>/config/timerCheckpoint.json */

    int64_t persist_at; /* delivered since the last snapshot: take one by then (0: no) */
    int64_t delivered;  /* messages delivered since open */

    /* Progress files are written by a writer thread from a snapshot, so that the delivery
     * thread never waits for an fsync. */
    pthread_t writer;                          /* the writer thread */
    pthread_mutex_t wmu;                       /* guards the snapshot */
    pthread_cond_t wcond;                      /* a snapshot is ready, or stop */
    int wdirty;                                /* wmu: snapshot not written yet */
    int wstop;                                 /* wmu: write what is left and end */
    int64_t snap_offsets[BK_DELAY_LEVELS_MAX]; /* wmu: level offsets */
    int64_t snap_low, snap_upto, snap_done;    /* wmu: the timer checkpoint */

    pthread_t thread;                              /* the delivery thread */
    pthread_mutex_t mu;                            /* guards the "mu" fields */
    pthread_cond_t cond;                           /* CLOCK_MONOTONIC */
    int stop;                                      /* mu: bk_delay_close asked the thread to end */
    uint64_t levels_new[BK_DELAY_LEVELS_MAX / 64]; /* mu: levels with arrivals */
    bk_timer_ent_t *arrived; /* mu: timer messages dispatched since the last merge (phys -1) */
    int n_arrived, cap_arrived;
    int64_t wake_at; /* mu: the sleeping thread's due time (INT64_MIN while it runs) */
};

/* Functions of bk_delay.c used by the other two files. */

/* Rewrites a message that must wait (DELAY level, or a delivery time) into its system topic,
 * allocating in pool. Returns 0 when m goes out as it is, 1 when diverted, or MQ_ETOOBIG with
 * *why set when the delivery time is illegal. now_ms: the send time. */
int bk_delay_divert(bk_delay_t *d, mq_pool_t *pool, mq_msg_t *m, int64_t now_ms, const char **why);
/* Parses a decimal int64 view; 1 if it is one. */
int bk_delay_parse_i64(mq_str_t v, int64_t *out);
/* Delivers the stored message at CommitLog offset phys to its REAL_TOPIC/REAL_QID. Returns
 * MQ_OK (also for a record that cannot be delivered and is skipped, logged) or a store error
 * to retry later. Delivery thread. */
int bk_delay_deliver(bk_delay_t *d, int64_t phys);
/* Asks the thread to write its progress soon. */
void bk_delay_touch(bk_delay_t *d, int64_t now_ms);

/* Functions of bk_retry.c. */

/* PRODUCE to a %RETRY% topic (a client that re-sends a failed message itself): past the max
 * reconsume times the message goes to the group's DLQ instead (m is rewritten). Returns
 * non-zero when the request was refused (and replied). */
int bk_retry_on_produce(bk_t *bk, mq_req_t *req, mq_msg_t *m);

/* Functions of bk_timer.c. */
void bk_timer_load_checkpoint(bk_delay_t *d); /* bk_delay_open, before the thread starts */
void bk_timer_rebuild(bk_delay_t *d);         /* the pending messages into the heap */
/* Merges arrivals (taken from d->arrived) into the heap; reads the store only to fill a gap. */
void bk_timer_merge(bk_delay_t *d, const bk_timer_ent_t *a, int n);
/* Delivers what is due at now; returns the next due time or BK_DELAY_NONE. */
int64_t bk_timer_run(bk_delay_t *d, int64_t now_ms);
/* The checkpoint values as of now (invariants in bk_timer.c), and the file write. */
void bk_timer_snapshot(const bk_delay_t *d, int64_t *low, int64_t *upto, int64_t *done);
void bk_timer_write(const char *path, int64_t low, int64_t upto, int64_t done);
void bk_timer_fini(bk_delay_t *d);

#endif /* MQ_BK_DELAY_INT_H */
