/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_int.h -- private structures of the broker service, shared by broker/bk_*.c.
 *
 * Everything here is touched on the loop thread only, except the fields marked "any thread"
 * (the dispatcher's arrival callback reads held_count and fills the dirty-queue set).
 */
#ifndef MQ_BK_INT_H
#define MQ_BK_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "bk.h"
#include "mq/store_meta.h"
#include "mq/strmap.h"

/* A pull parked until a message arrives for its queue or it times out. */
typedef struct bk_hold_s bk_hold_t;
struct bk_hold_s {
    mq_req_t *req;       /* the pull (its pool holds everything) */
    int64_t deadline_ms; /* answer NOT_FOUND then */
    bk_hold_t *next;     /* same queue */
};

/* A client of a consumer group. */
typedef struct bk_client_s {
    char *client_id;      /* clientID */
    void *session;        /* its connection */
    mq_notify_fn notify;  /* sends notices to session (NULL: cannot) */
    int64_t last_seen_ms; /* last heartbeat */
    char **sub_topics;    /* subscribed topics */
    char **sub_exprs;     /* their expressions */
    int n_subs;
} bk_client_t;

typedef struct bk_group_s {
    char *name;
    bk_client_t *clients;
    int n_clients, cap;
} bk_group_t;

struct bk_s {
    bk_config_t cfg;
    mq_exec_t *exec;
    store_t *store;
    store_topics_t *topics;
    store_offsets_t *offsets;
    store_groups_t *groups_cfg;
    mq_service_t svc;
    mq_uniq_gen_t uniq; /* UNIQ_KEYs for messages sent without one */
    uint32_t rr;        /* round robin for queue selection */
    void (*topics_changed)(void *arg);
    void *topics_changed_arg;

    mq_strmap_t holds;        /* "topic\1qid" -> bk_hold_t list */
    _Atomic int held_count;   /* any thread: held pulls */
    pthread_mutex_t dirty_mu; /* guards dirty and dirty_posted */
    mq_strmap_t dirty;        /* queues with new messages since the last wake-up */
    int dirty_posted;         /* a wake-up is posted */

    mq_strmap_t groups; /* consumer group -> bk_group_t */
    int closing;        /* bk_close began: answer held pulls, hold no more */
    int closed;         /* the store is closed: timers and posts do nothing */
};

/* Functions used across the broker's files. */
void bk_reply(mq_req_t *req, int status, const char *text);
int bk_topic_get(bk_t *bk, mq_str_t topic, store_topic_config_t *tc);
int bk_topic_auto_create(bk_t *bk, mq_str_t topic, mq_str_t tmpl, int32_t queues,
                         store_topic_config_t *tc);
void bk_topic_ensure(bk_t *bk, const char *name, int32_t queues, int32_t perm);
void bk_topics_changed(bk_t *bk);

void bk_handle_produce(bk_t *bk, mq_req_t *req);
void bk_handle_pull(bk_t *bk, mq_req_t *req);
void bk_pull_init(bk_t *bk);
void bk_pull_fini(bk_t *bk);
void bk_handle_queue_offset(bk_t *bk, mq_req_t *req);
void bk_handle_group_offset(bk_t *bk, mq_req_t *req);
void bk_handle_heartbeat(bk_t *bk, mq_req_t *req);
void bk_handle_unregister(bk_t *bk, mq_req_t *req);
void bk_handle_members(bk_t *bk, mq_req_t *req);
void bk_clients_session_closed(bk_t *bk, void *session);
void bk_clients_expire(bk_t *bk, int64_t now_ms);
void bk_clients_fini(bk_t *bk);
/* The subscription expression a group's client registered for a topic, or NULL. */
const char *bk_clients_subscription(bk_t *bk, mq_str_t group, mq_str_t topic);

#endif /* MQ_BK_INT_H */
