/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_push_int.h -- the push consumer's private state, shared by mqc_push.c (threads, pulls,
 * listener calls, heartbeats, shutdown) and mqc_rebalance.c (queue allocation, offsets at
 * assignment, commits, the broadcasting offset file).
 *
 * A process queue (mqc_pq_t) moves through these states, all under mqc_push_t.lock:
 *
 *   WAITING --issue pull--> INFLIGHT --response--> READY --worker--> PROCESSING --+
 *      ^   (pull_at_ms due)                (on the ready list)                    |
 *      +--------------------- next pull issued, or a delayed one scheduled <------+
 *
 *   mqc_pull_issue       WAITING -> INFLIGHT (mqc_call_async)
 *   mqc_push_pull_done   INFLIGHT -> READY (copies the response; reader thread)
 *   mqc_push_worker_main READY -> PROCESSING -> INFLIGHT or WAITING
 *   mqc_rebalance_*      sets dropped; the offset is committed once not PROCESSING, and the
 *                        pq is freed once neither INFLIGHT, READY nor PROCESSING.
 */
#ifndef MQ_MQC_PUSH_INT_H
#define MQ_MQC_PUSH_INT_H

#include <pthread.h>

#include "mq/strmap.h"
#include "mqc_int.h"

#define MQC_PULL_HOLD_MS 15000     /* suspendTimeoutMillis (Java push) */
#define MQC_PULL_TIMEOUT_MS 20000  /* client timeout of a held pull (> hold) */
#define MQC_PULL_DELAY_ERR_MS 1000 /* retry delay after an error */

typedef struct mqc_pq_s mqc_pq_t;

/* An orderly consumer's hold on a queue's broker lock (mqc_orderly.c). */
typedef struct mqc_qlock_s {
    int locked;       /* the broker granted it */
    int64_t lock_ms;  /* when it was last granted */
    mqc_conn_t *conn; /* the connection it was granted on: the broker drops our locks when it
                         closes (owned by mqc_push_t.brokers, which keeps replaced ones) */
    int released;     /* lost or unlocked: the queue's offset is the next owner's to commit */
} mqc_qlock_t;

struct mqc_pq_s {
    mqc_pq_t *next;       /* consumer's list of queues */
    mqc_pq_t *ready_next; /* ready list */
    mqc_push_t *owner;    /* the consumer */
    mqc_mq_t mq;          /* the queue */
    int64_t next_offset;  /* next offset to pull */
    int64_t consumed;     /* offset after the last consumed message (-1: unknown) */
    int64_t committed;    /* last offset committed or written (-1: none) */
    int dropped;          /* no longer ours (rebalance or shutdown) */
    int inflight;         /* an async pull is outstanding */
    int ready;            /* on the ready list with a response */
    int processing;       /* a worker holds it */
    int64_t pull_at_ms;   /* WAITING: when to pull (0: not scheduled) */
    int64_t reset_to;     /* dropped by RESET_CONSUMER_CLIENT_OFFSET (-1: no): its old
                             position is never committed */
    mq_pool_t req_pool;   /* the pull request being built (one pull at a time) */
    int resp_status;      /* MQ_OK or the transport error of the last pull */
    int resp_code;        /* its response code */
    int64_t resp_next;    /* nextBeginOffset */
    mq_buf_t resp_body;   /* copied body of the last response */
    mqc_qlock_t lk;       /* orderly: the queue's lock */
};

struct mqc_push_s {
    mqc_push_config_t cfg;                                 /* copy; strings owned below */
    char *namesrv, *group, *topic, *sub_expr, *offset_dir; /* copies */
    char client_id[128];                                   /* "ip@pid#n" */
    int64_t sub_version;                                   /* subVersion (ms at start) */
    mqc_tags_t tags;                                       /* parsed sub_expr */
    int sql92;                                             /* sub_expr is SQL92 (sub_type) */
    mqc_listener_fn fn;                                    /* listener */
    void *arg;                                             /* its argument */
    mqc_namesrv_t *ns;                                     /* NameServer list */
    mqc_brokers_t *brokers; /* broker connections (own cache: server requests come here) */

    pthread_mutex_t lock;              /* everything below */
    pthread_cond_t cond;               /* workers: ready list; maintenance: wake-ups */
    mqc_pq_t *pqs;                     /* queues (owned and dropped-but-busy) */
    mqc_pq_t *ready_head, *ready_tail; /* pqs with a response to process */
    int stopping;                      /* shutdown started */
    int rebalance_now;                 /* NOTIFY_CONSUMER_IDS_CHANGED arrived */
    int lock_refused;         /* orderly: the last rebalance could not lock a queue it was given */
    mqc_route_t route;        /* the topic's last route (broker addresses, heartbeat targets) */
    char retry_topic[256];    /* %RETRY%<group> (mqc_retry.c) */
    mqc_route_t retry_route;  /* its last route (empty until the broker created it) */
    mq_strmap_t file_offsets; /* broadcasting: "topic@broker@qid" -> offset+1 (as pointer) */

    pthread_t maint;    /* heartbeat, rebalance, persist, delayed pulls */
    pthread_t *workers; /* cfg.threads listener threads */
    int n_workers;      /* started */
};

/* Functions of mqc_push.c used by mqc_rebalance.c. */
mqc_conn_t *mqc_push_conn(mqc_push_t *c, const char *broker_name);
/* Issues the next pull of pq now (called with c->lock held; the lock is dropped and retaken
 * around the network write). */
void mqc_push_pull_issue(mqc_push_t *c, mqc_pq_t *pq);

/* Sends HEART_BEAT to every master of the topic's route (without c->lock). */
void mqc_push_heartbeat(mqc_push_t *c);

/* Functions of mqc_orderly.c (orderly consumption, clustering; each does nothing otherwise). */
int mqc_orderly_on(const mqc_push_t *c); /* cfg.orderly and clustering */
/* Locks a newly assigned queue before its first pull (without c->lock); fills *lk. Returns 1
 * when the queue may be taken (granted, or not orderly), 0 when another client holds it (then
 * c->lock_refused is set: rebalance again soon). */
int mqc_orderly_lock_new(mqc_push_t *c, const mqc_mq_t *mq, mqc_qlock_t *lk);
/* With c->lock held: 1 if pq may be pulled or consumed now. Otherwise the lock is lost (renewal
 * overdue or its connection closed): pq is dropped without committing its offset, and a
 * rebalance is asked for, which takes the queue again through the broker if it is still ours. */
int mqc_orderly_check(mqc_push_t *c, mqc_pq_t *pq);
/* Unlocks a queue rebalance dropped, after its offset was committed (without c->lock). */
void mqc_orderly_release(mqc_push_t *c, mqc_pq_t *pq);
void mqc_orderly_lock_all(mqc_push_t *c);   /* renews every held lock; without c->lock */
void mqc_orderly_unlock_all(mqc_push_t *c); /* at shutdown, after the offsets were committed */

/* Functions of mqc_retry.c (the retry topic; clustering, not orderly). */
void mqc_retry_init(mqc_push_t *c);    /* sets retry_topic */
int mqc_retry_on(const mqc_push_t *c); /* failed messages are sent back */
int mqc_retry_is(const mqc_push_t *c, const mqc_mq_t *mq);
const char *mqc_retry_expr(const mqc_push_t *c, const mqc_mq_t *mq); /* mq's subscription */
void mqc_retry_refresh_route(mqc_push_t *c);                         /* without c->lock */
/* Appends the retry topic's readable queues to *all (heap, grown); returns the new count. */
int mqc_retry_queues(mqc_push_t *c, mqc_mq_t **all, int n_all);
/* AllocateMessageQueueAveragely per topic over all (sorted): as mqc_allocate_averagely. */
int mqc_retry_allocate(const mqc_mq_t *all, int n_all, int n_cids, int me, int *out_idx);
/* Shows messages of the retry topic with their original topic (RETRY_TOPIC). */
void mqc_retry_restore(const mqc_push_t *c, const mqc_mq_t *mq, mqc_received_t *msgs, int n,
                       mq_pool_t *pool);
/* CONSUMER_SEND_MSG_BACK of a message the listener refused: MQ_OK when the broker took it,
 * MQ_DECLINED when this consumer retries locally, or an error. Without c->lock. */
int mqc_retry_send_back(mqc_push_t *c, const mqc_mq_t *mq, const mqc_received_t *m);

/* Functions of mqc_rebalance.c. */
void mqc_rebalance_run(mqc_push_t *c);            /* without c->lock */
void mqc_offsets_persist(mqc_push_t *c, int all); /* commit changed offsets; without lock */
void mqc_offsets_load(mqc_push_t *c);             /* broadcasting file; at start */
void mqc_pq_free(mqc_pq_t *pq);

#endif /* MQ_MQC_PUSH_INT_H */
