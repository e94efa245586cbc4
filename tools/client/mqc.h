/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc.h -- the RocketMQ client library used by the tools (mqadmin, mqbench, the producer and
 * consumer CLIs) and the tests. It speaks the remoting protocol through the codec in
 * protocols/rocketmq/ and works against rocketmq-c or any RocketMQ 4.x/5.x NameServer+broker.
 *
 * Layers, bottom up:
 *   mqc_conn_*      one remoting connection: requests matched by opaque, sync and async calls,
 *                   one-way sends, server-initiated requests handed to a callback.
 *   mqc_route_*     NameServer lookups (topic routes, cluster info) over a list "h1:p1;h2:p2".
 *   mqc_producer_*  sync / async / one-way sends, batches, queue selection by key.
 *   mqc_pull_*      a pull consumer: queues of a topic, pulls with long polling, offsets.
 *   mqc_push_*      a push consumer: heartbeats, rebalance (clustering) or every queue
 *                   (broadcasting), long-polling pulls, offset commits, a listener callback.
 *
 * Threads: every object is safe to use from several threads. Callbacks (async send results,
 * server requests, push listeners) run on the library's threads; they must not block for long.
 * Errors are mq_err_t values (include/mq/common.h); functions that can fail return MQ_OK or one
 * of them, and fill `err` (when given) with a line for a human.
 */
#ifndef MQ_MQC_H
#define MQ_MQC_H

#include <stddef.h>
#include <stdint.h>

#include "mq/common.h"
#include "mq/pool.h"
#include "rmq_cmd.h"

/* ---- One connection ---- */

typedef struct mqc_conn_s mqc_conn_t;

/* A request the server sent us (NOTIFY_CONSUMER_IDS_CHANGED, ...); cmd is valid during the
 * call only. Runs on the connection's reader thread. */
typedef void (*mqc_server_request_fn)(void *arg, mqc_conn_t *conn, const rmq_cmd_t *cmd);
/* An async call finished: status MQ_OK with resp set, or MQ_ETIMEDOUT / MQ_EIO / MQ_ECLOSED
 * with resp NULL. resp (and what it points to) is valid during the call only. */
typedef void (*mqc_done_fn)(void *arg, int status, const rmq_cmd_t *resp);

/* Connects to "host:port" within timeout_ms. Requests go out with ROCKETMQ binary headers
 * (JSON when the environment has ROCKETMQ_SERIALIZE_TYPE=JSON, the variable Java clients
 * read); servers answer in their own type, which is read either way. */
int mqc_conn_open(const char *addr, int timeout_ms, mqc_conn_t **out, char *err, size_t errlen);
void mqc_conn_close(mqc_conn_t *c); /* fails pending calls with MQ_ECLOSED, joins threads */
int mqc_conn_is_open(const mqc_conn_t *c);
const char *mqc_conn_addr(const mqc_conn_t *c);
void mqc_conn_on_server_request(mqc_conn_t *c, mqc_server_request_fn fn, void *arg);

/* Sends req (its opaque is assigned here) and waits for the response. resp's strings and body
 * point into pool. Returns MQ_OK (whatever resp->code says), MQ_ETIMEDOUT or MQ_EIO. */
int mqc_call(mqc_conn_t *c, rmq_cmd_t *req, int timeout_ms, mq_pool_t *pool, rmq_cmd_t *resp);
/* As mqc_call, without waiting: done runs once on the reader thread (or the timeout thread). */
int mqc_call_async(mqc_conn_t *c, rmq_cmd_t *req, int timeout_ms, mqc_done_fn done, void *arg);
/* One-way: flag RMQ_FLAG_ONEWAY, no response. */
int mqc_send_oneway(mqc_conn_t *c, rmq_cmd_t *req);
/* Answers a server-initiated request: resp->opaque must be the request's; the response flag is
 * set here. For use from an mqc_server_request_fn (which must not make sync calls on the same
 * connection: its reader thread is the one running the callback). */
int mqc_conn_respond(mqc_conn_t *c, rmq_cmd_t *resp);

/* ---- NameServer lookups ---- */

typedef struct mqc_broker_addr_s {
    char cluster[128];
    char name[128]; /* brokerName */
    int64_t id;     /* 0 = master */
    char addr[128]; /* host:port */
} mqc_broker_addr_t;

typedef struct mqc_queue_data_s {
    char broker_name[128];
    int read_queues;
    int write_queues;
    int perm; /* 6 = read+write (PermName) */
} mqc_queue_data_t;

typedef struct mqc_route_s {
    mqc_queue_data_t *queues; /* per broker name */
    int n_queues;
    mqc_broker_addr_t *brokers;
    int n_brokers;
    char *json; /* the NameServer's body as received (mqadmin topicRoute prints it) */
} mqc_route_t;

typedef struct mqc_namesrv_s mqc_namesrv_t;

/* addrs: "h1:p1;h2:p2" (NAMESRV_ADDR form). Connections are made lazily and reused; a
 * NameServer that fails is skipped for the next one. */
int mqc_namesrv_new(const char *addrs, mqc_namesrv_t **out, char *err, size_t errlen);
void mqc_namesrv_free(mqc_namesrv_t *ns);
/* A call to the first NameServer that answers. */
int mqc_namesrv_call(mqc_namesrv_t *ns, rmq_cmd_t *req, int timeout_ms, mq_pool_t *pool,
                     rmq_cmd_t *resp);
/* GET_ROUTEINFO_BY_TOPIC: MQ_OK, MQ_ENOENT (TOPIC_NOT_EXIST) or a transport error. */
int mqc_route_get(mqc_namesrv_t *ns, const char *topic, mqc_route_t *out);
void mqc_route_fini(mqc_route_t *r);
/* The master (id 0) address of a broker name in r, or NULL. */
const char *mqc_route_master(const mqc_route_t *r, const char *broker_name);

/* A cache of connections to brokers by address, shared by producers and consumers. */
typedef struct mqc_brokers_s mqc_brokers_t;
mqc_brokers_t *mqc_brokers_new(void);
void mqc_brokers_free(mqc_brokers_t *b);
/* A connected connection to addr (opened on first use, reopened after it dropped). The
 * connection stays owned by the cache. */
int mqc_brokers_get(mqc_brokers_t *b, const char *addr, mqc_conn_t **out);

/* ---- Messages ---- */

typedef struct mqc_message_s {
    const char *topic;
    const char *tags; /* or NULL */
    const char *keys; /* space-separated, or NULL */
    const void *body;
    size_t body_len;
    const char *properties; /* extra "k\x01v\x02" pairs in RocketMQ's encoding, or NULL */
    int delay_level;        /* 0 = none */
    int64_t deliver_ms;     /* TIMER_DELIVER_MS: absolute delivery time (ms), 0 = none */
} mqc_message_t;

/* A message as consumed (fields point into the pull response; valid during the callback). */
typedef struct mqc_received_s {
    const char *topic;
    int queue_id;
    int64_t queue_offset;
    int64_t commitlog_offset;
    int64_t born_ts;  /* ms */
    int64_t store_ts; /* ms */
    int reconsume_times;
    char msg_id[33];        /* UNIQ_KEY, or the offset id when the producer set none */
    char offset_msg_id[33]; /* store host + commit-log offset */
    const char *tags;       /* "" when none */
    const char *keys;       /* "" when none */
    const void *body;
    size_t body_len;
    mq_str_t properties; /* raw properties string */
} mqc_received_t;

/* ---- Producer ---- */

typedef struct mqc_send_result_s {
    int status; /* 0 SEND_OK, 1 FLUSH_DISK_TIMEOUT, 2 FLUSH_SLAVE_TIMEOUT, 3 SLAVE_NOT_AVAILABLE */
    char msg_id[33];
    char offset_msg_id[33];
    char broker_name[128];
    int queue_id;
    int64_t queue_offset;
} mqc_send_result_t;

typedef void (*mqc_send_fn)(void *arg, int status, const mqc_send_result_t *res);

typedef struct mqc_producer_s mqc_producer_t;

typedef struct mqc_producer_config_s {
    const char *namesrv;  /* "h1:p1;h2:p2" */
    const char *group;    /* producer group */
    int send_timeout_ms;  /* 3000 */
    int retry_times;      /* 2: a failed sync send is retried on another queue/broker */
    int max_message_size; /* 4 MiB */
    int compress_over;    /* bodies larger than this are zlib-compressed (4096); 0 = never */
} mqc_producer_config_t;

void mqc_producer_config_defaults(mqc_producer_config_t *cfg);
int mqc_producer_new(const mqc_producer_config_t *cfg, mqc_producer_t **out, char *err,
                     size_t errlen);
void mqc_producer_free(mqc_producer_t *p); /* waits for in-flight async sends */

/* queue < 0: round robin over writable queues; otherwise that queue of the first broker that
 * has it. mqc_queue_for_key() gives the queue a key hashes to (ordered messages). */
int mqc_producer_send(mqc_producer_t *p, const mqc_message_t *m, int queue, mqc_send_result_t *res,
                      char *err, size_t errlen);
/* Async: when it returns MQ_OK, fn runs exactly once on a library thread. At most 4096 sends
 * are in flight per producer; beyond that the call waits up to the send timeout, then gives
 * MQ_EBUSY. No retries (as in the Java client's async path with retries off). */
int mqc_producer_send_async(mqc_producer_t *p, const mqc_message_t *m, int queue, mqc_send_fn fn,
                            void *arg);
int mqc_producer_send_oneway(mqc_producer_t *p, const mqc_message_t *m, int queue);
/* A batch (SEND_BATCH_MESSAGE): all messages to the same topic, one queue. */
int mqc_producer_send_batch(mqc_producer_t *p, const mqc_message_t *msgs, int n, int queue,
                            mqc_send_result_t *res, char *err, size_t errlen);
/* The queue a key selects among n writable queues (Java String.hashCode, as
 * SelectMessageQueueByHash does). */
int mqc_queue_for_key(const char *key, int n_queues);
/* The number of writable queues of topic as this producer sees them (fetching the route when
 * needed), for mqc_queue_for_key(). MQ_OK or a route error. */
int mqc_producer_queue_count(mqc_producer_t *p, const char *topic, int *n);

/* ---- Pull consumer ---- */

typedef struct mqc_mq_s {
    char topic[256];
    char broker_name[128];
    int queue_id;
} mqc_mq_t;

typedef enum mqc_pull_status_e {
    MQC_PULL_FOUND,
    MQC_PULL_NO_NEW_MSG,
    MQC_PULL_NO_MATCHED_MSG,
    MQC_PULL_OFFSET_ILLEGAL
} mqc_pull_status_t;

typedef struct mqc_pull_result_s {
    mqc_pull_status_t status;
    int64_t next_offset;
    int64_t min_offset;
    int64_t max_offset;
    mqc_received_t *msgs; /* in pool */
    int n_msgs;
} mqc_pull_result_t;

typedef struct mqc_pull_s mqc_pull_t;

int mqc_pull_new(const char *namesrv, const char *group, mqc_pull_t **out, char *err,
                 size_t errlen);
void mqc_pull_free(mqc_pull_t *c);
/* The readable queues of topic (from the route), in a stable order. */
int mqc_pull_queues(mqc_pull_t *c, const char *topic, mqc_mq_t **mqs, int *n, mq_pool_t *pool);
/* One pull: sub_expr "*" or "TagA || TagB"; hold_ms > 0 long-polls up to that long. Messages
 * whose tag does not match are dropped here too (the client-side filter RocketMQ clients
 * apply). */
int mqc_pull(mqc_pull_t *c, const mqc_mq_t *mq, const char *sub_expr, int64_t offset, int max_msgs,
             int hold_ms, mq_pool_t *pool, mqc_pull_result_t *out);
int mqc_pull_min_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t *out);
int mqc_pull_max_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t *out);
int mqc_pull_search_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t ts_ms, int64_t *out);
int mqc_pull_fetch_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t *out); /* committed */
int mqc_pull_commit_offset(mqc_pull_t *c, const mqc_mq_t *mq, int64_t offset);

/* ---- Push consumer ---- */

typedef enum mqc_model_e { MQC_CLUSTERING, MQC_BROADCASTING } mqc_model_t;
typedef enum mqc_from_e {
    MQC_FROM_LAST_OFFSET,
    MQC_FROM_FIRST_OFFSET,
    MQC_FROM_TIMESTAMP
} mqc_from_t;

/* Returns 0 when consumed (CONSUME_SUCCESS); non-zero to have the message redelivered later
 * (RECONSUME_LATER: sent back to the group's retry topic, mqc_retry.c). */
typedef int (*mqc_listener_fn)(void *arg, const mqc_received_t *msg);

typedef struct mqc_push_config_s {
    const char *namesrv;
    const char *group;
    const char *topic;
    const char *sub_expr; /* "*" */
    const char *sub_type; /* "TAG" (NULL) or "SQL92": sub_expr is then a SQL92 expression the
                             broker evaluates (enablePropertyFilter) and nothing is filtered
                             here */
    mqc_model_t model;
    mqc_from_t from;
    int64_t from_timestamp_ms;    /* MQC_FROM_TIMESTAMP */
    const char *client_id;        /* NULL: "ip@pid#n" as RocketMQ builds it */
    int pull_batch;               /* 32 */
    int threads;                  /* listener threads (1) */
    int rebalance_interval_ms;    /* 20000, and on NOTIFY_CONSUMER_IDS_CHANGED */
    int heartbeat_interval_ms;    /* 30000 */
    int persist_interval_ms;      /* 5000: offsets committed (clustering) or written to
                                     offset_store_dir (broadcasting) */
    const char *offset_store_dir; /* broadcasting offsets (NULL: $HOME/.rocketmq_offsets) */
    int max_reconsume_times;      /* failed messages go back to %RETRY%<group> this many times,
                                     then to %DLQ%<group> (0: 16, maxReconsumeTimes) */
    int orderly;          /* MessageListenerOrderly (clustering): a queue is consumed only while
                             this client holds its broker lock (LOCK_BATCH_MQ, taken before the
                             first pull, renewed every lock_interval_ms, released with
                             UNLOCK_BATCH_MQ after the in-flight message when rebalance drops
                             the queue); docs/ordered-consumption.md */
    int lock_interval_ms; /* orderly: lock renewal period (20000; keep it under 30 s, after
                             which an unrenewed lock is taken as lost) */
} mqc_push_config_t;

typedef struct mqc_push_s mqc_push_t;

void mqc_push_config_defaults(mqc_push_config_t *cfg);
int mqc_push_start(const mqc_push_config_t *cfg, mqc_listener_fn fn, void *arg, mqc_push_t **out,
                   char *err, size_t errlen);
/* Stops pulling, waits for listeners, commits offsets, unregisters, frees. */
void mqc_push_shutdown(mqc_push_t *c);
/* The queues this consumer owns now (a copy into *mqs, allocated in pool). */
int mqc_push_assigned(mqc_push_t *c, mqc_mq_t **mqs, int *n, mq_pool_t *pool);

#endif /* MQ_MQC_H */
