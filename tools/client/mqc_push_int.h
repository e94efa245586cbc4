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
};

struct mqc_push_s {
    mqc_push_config_t cfg;                                 /* copy; strings owned below */
    char *namesrv, *group, *topic, *sub_expr, *offset_dir; /* copies */
    char client_id[128];                                   /* "ip@pid#n" */
    int64_t sub_version;                                   /* subVersion (ms at start) */
    mqc_tags_t tags;                                       /* parsed sub_expr */
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
    mqc_route_t route;        /* the topic's last route (broker addresses, heartbeat targets) */
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

/* Functions of mqc_rebalance.c. */
void mqc_rebalance_run(mqc_push_t *c);            /* without c->lock */
void mqc_offsets_persist(mqc_push_t *c, int all); /* commit changed offsets; without lock */
void mqc_offsets_load(mqc_push_t *c);             /* broadcasting file; at start */
void mqc_pq_free(mqc_pq_t *pq);

#endif /* MQ_MQC_PUSH_INT_H */
