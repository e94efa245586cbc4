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
    char *client_id;       /* clientID */
    void *session;         /* its connection */
    mq_notify_fn notify;   /* sends notices to session (NULL: cannot) */
    int64_t last_seen_ms;  /* last heartbeat */
    char **sub_topics;     /* subscribed topics */
    char **sub_exprs;      /* their expressions */
    char **sub_types;      /* their expression types (TAG, SQL92) */
    int64_t *sub_versions; /* their subVersions */
    int n_subs;
    char client_addr[64]; /* the connection's peer, "" if the front-end did not say */
    char language[16];    /* LanguageCode name */
    int32_t version;      /* MQVersion ordinal */
} bk_client_t;

typedef struct bk_coord_s bk_coord_t; /* bk_coord.h */
typedef struct bk_txn_s bk_txn_t;     /* bk_txn.h */
typedef struct bk_delay_s bk_delay_t; /* bk_delay_int.h */

typedef struct bk_group_s {
    char *name;
    bk_client_t *clients;
    int n_clients, cap;
    int push;              /* consumeType of the latest heartbeat: CONSUME_PASSIVELY */
    int broadcasting;      /* messageModel of the latest heartbeat */
    char consume_from[64]; /* consumeFromWhere of the latest heartbeat */
} bk_group_t;

/* Counters sampled every tick (5 s) for the runtime info's TPS figures. */
#define BK_SAMPLES 121 /* 600 s of 5 s ticks, plus the newest */
typedef struct bk_sample_s {
    int64_t ms;       /* when */
    int64_t put_msgs; /* store_stats_t.put_msgs then */
    int64_t get_msgs; /* bk_t.get_msgs then */
} bk_sample_t;

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
    mq_strmap_t sql_filters;  /* "group\1topic" -> compiled SQL92 subscription (bk_filter.c) */
    _Atomic int held_count;   /* any thread: held pulls */
    pthread_mutex_t dirty_mu; /* guards dirty and dirty_posted */
    mq_strmap_t dirty;        /* queues with new messages since the last wake-up */
    int dirty_posted;         /* a wake-up is posted */

    mq_strmap_t groups; /* consumer group -> bk_group_t */
    bk_coord_t *coord;  /* the group coordinator (COORD_* ops), bk_coord.c */
    bk_txn_t *txn;      /* transactional messages, bk_txn.c */
    mq_strmap_t idem;   /* "pid\1topic\1qid" -> idempotent producer state, bk_idem.c */
    mq_strmap_t locks;  /* "group\1topic\1broker\1qid" -> queue lock, bk_lock.c */
    int idem_dirty;     /* idem changed since it was last written */
    bk_delay_t *delay;  /* delay levels, timer, retries: bk_delay.c, bk_timer.c, bk_retry.c */

    /* admin figures (loop thread) */
    int64_t boot_ms;                              /* bk_open time */
    int64_t get_msgs;                             /* messages returned by pulls since boot */
    bk_sample_t samples[BK_SAMPLES];              /* ring of tick samples */
    int n_samples, sample_pos;                    /* filled entries; next slot */
    mq_strmap_t group_gets;                       /* "group\1topic" -> pulled, bk_stats_group.c */
    int64_t today;                                /* local day number of the counters below */
    int64_t put_today_morning, get_today_morning; /* totals at today's 00:00 */
    int64_t put_yesterday_morning, get_yesterday_morning; /* totals at yesterday's 00:00 */
    mq_data_version_t groups_version;                     /* subscription group table */
    mq_data_version_t config_version;                     /* broker config (UPDATE_BROKER_CONFIG) */
    int closing; /* bk_close began: answer held pulls, hold no more */
    int closed;  /* the store is closed: timers and posts do nothing */
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
/* Admin operations (bk_admin_topic.c, bk_admin_stats.c, bk_query.c). */
void bk_handle_admin_topic(bk_t *bk, mq_req_t *req); /* TOPIC_*, GROUP_UPSERT/LIST/DELETE */
void bk_handle_admin_stats(bk_t *bk, mq_req_t *req); /* RUNTIME_INFO, CONSUME_STATS, ... */
void bk_handle_query(bk_t *bk, mq_req_t *req);       /* VIEW_MESSAGE, QUERY_MESSAGE */
void bk_stats_init(bk_t *bk);
void bk_stats_tick(bk_t *bk, int64_t now_ms);
/* The clients of a consumer group as GROUP_CONNECTIONS reports them; MQ_ENOENT if none. */
int bk_clients_connections(bk_t *bk, mq_str_t group, mq_pool_t *pool, mq_group_connections_t *out);
/* Tells the group's online clients (RESET_CONSUMER_CLIENT_OFFSET) to continue from offsets;
 * returns how many connections were told. */
int bk_clients_notify_reset(bk_t *bk, mq_str_t group, mq_str_t topic, int64_t timestamp, int force,
                            const mq_queue_stats_t *offsets);
/* Store time of the record at (topic, qid, offset), 0 if none. */
int64_t bk_store_time_at(bk_t *bk, mq_str_t topic, int32_t qid, int64_t offset);
/* Store (born == 0) or born time of the record at (topic, qid, offset), -1 if none. */
int64_t bk_record_time_at(bk_t *bk, mq_str_t topic, int32_t qid, int64_t offset, int born);
/* The group coordinator (bk_coord.c). */
int bk_coord_open(bk_t *bk);                        /* loads the groups; MQ_ECORRUPT */
void bk_handle_coord(bk_t *bk, mq_req_t *req);      /* COORD_* */
int bk_coord_commit_check(bk_t *bk, mq_req_t *req); /* 1 if it refused (and replied) */
void bk_coord_tick(bk_t *bk);                       /* timeouts; every 100 ms */
void bk_coord_close(bk_t *bk);                      /* answers parked requests, persists */
void bk_coord_free(bk_t *bk);
/* Idempotent producers (bk_idem.c): check a PRODUCE carrying a producer id before the put
 * (0, or an mq_idem_err_t; *dup_offset is set for MQ_IDEM_DUPLICATE_SEQUENCE), record it
 * after. */
int bk_idem_check(bk_t *bk, const mq_produce_t *p, int32_t qid, int64_t *dup_offset);
void bk_idem_record(bk_t *bk, const mq_produce_t *p, int32_t qid, int64_t base_offset);
void bk_idem_expire(bk_t *bk, int64_t now_ms);
void bk_idem_load(bk_t *bk);    /* config/producerState.json, after the store recovered */
void bk_idem_persist(bk_t *bk); /* when it changed */
void bk_idem_fini(bk_t *bk);
/* Messages returned by pulls per (group, topic), for CONSUME_STATS' consumeTps
 * (bk_stats_group.c; RocketMQ's GROUP_GET_NUMS): counted once per pull reply, sampled by
 * bk_stats_tick, read as messages per second over the last minute. */
void bk_stats_group_pulled(bk_t *bk, mq_str_t group, mq_str_t topic, int msgs);
void bk_stats_group_tick(bk_t *bk, int64_t now_ms);
double bk_stats_group_tps(bk_t *bk, mq_str_t group, mq_str_t topic, int64_t now_ms);
void bk_stats_group_fini(bk_t *bk);
/* Queue locks of orderly consumption (bk_lock.c): QUEUE_LOCK / QUEUE_UNLOCK; a client's locks go
 * when its connection closes or it leaves the group; group_holds is 1 while any member of the
 * group holds an unexpired lock. */
void bk_handle_lock(bk_t *bk, mq_req_t *req);
void bk_locks_session_closed(bk_t *bk, void *session);
void bk_locks_client_left(bk_t *bk, mq_str_t group, mq_str_t client_id);
int bk_locks_group_holds(bk_t *bk, mq_str_t group);
void bk_locks_fini(bk_t *bk);
/* Delayed messages and retries (bk_delay.c, bk_timer.c, bk_retry.c; docs/delay-retry.md).
 * bk_delay_open starts the delivery thread (after the store and the topics are loaded);
 * bk_delay_close stops it and writes its progress (before the store closes). bk_delay_produce
 * runs before store_put on a PRODUCE whose properties name a delay or a delivery time, or whose
 * topic is a %RETRY% topic (bk_is_retry_topic): it diverts delayed and timed messages to their
 * system topic and sends over-retried %RETRY% messages to the DLQ; it returns non-zero when it
 * refused the request (and replied). bk_delay_arrival is the store's arrival hook (dispatcher
 * thread). */
int bk_delay_open(bk_t *bk);
void bk_delay_close(bk_t *bk);
void bk_delay_free(bk_t *bk); /* after the store closed: the dispatcher may still call the hook */
int bk_delay_produce(bk_t *bk, mq_req_t *req, int *diverted); /* *diverted: one was scheduled */
void bk_delay_arrival(bk_t *bk, mq_str_t topic, int32_t qid, int64_t queue_offset, int64_t store_ts,
                      mq_str_t props);
void bk_handle_send_back(bk_t *bk, mq_req_t *req); /* SEND_BACK */
int bk_is_retry_topic(mq_str_t topic);             /* "%RETRY%..." */
/* A pool copy of a C string as a view. */
mq_str_t bk_pstr(mq_pool_t *pool, const char *s);

/* The subscription expression a group's client registered for a topic, or NULL. */
const char *bk_clients_subscription(bk_t *bk, mq_str_t group, mq_str_t topic);
/* Its expression type ("TAG", "SQL92"), or NULL. */
const char *bk_clients_subscription_type(bk_t *bk, mq_str_t group, mq_str_t topic);

/* SQL92 subscriptions (bk_filter.c). */
struct flt_sql92_s;
/* The compiled expression for (group, topic), compiled once per expression text. MQ_OK, or
 * MQ_EINVAL with err (RocketMQ's parse message). */
int bk_filter_sql92(bk_t *bk, mq_str_t group, mq_str_t topic, mq_str_t expr,
                    const struct flt_sql92_s **out, char *err, size_t errlen);
/* store_filter_t.match_msg for a compiled expression: the record's properties match. */
int bk_filter_sql92_record(void *arg, const uint8_t *record, uint32_t len);
void bk_filter_fini(bk_t *bk);
/* CHECK_CLIENT_CONFIG: TAG subscriptions pass; SQL92 ones compile (MQ_EINVAL with the parser's
 * message) or, without enablePropertyFilter, are refused as a pull would be. */
void bk_filter_check_client(bk_t *bk, mq_req_t *req);

#endif /* MQ_BK_INT_H */
