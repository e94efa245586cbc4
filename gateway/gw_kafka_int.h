/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_int.h -- inside the Kafka front-end: one in-flight Kafka request (gw_kreq_t), the
 * operations it sends to services (gw_ksub_t), and the per-API handlers (gw_kafka_<api>.c).
 *
 * Life of a request:
 *   gw_kafka.c decodes the frame into kr->req (views into kr's copy of the frame, arrays in
 *   kr->pool) and calls the API's handler. The handler fills kr->resp directly, or starts
 *   operations with gw_ksub_new() + gw_ksub_send(); each operation's done() callback runs on
 *   the loop when the service answers, and may start more. When nothing is outstanding the
 *   request's finish() (if set) completes kr->resp and the response is encoded. A handler may
 *   also answer early with gw_kreq_respond() (Fetch after its wait) while operations are still
 *   outstanding: their late answers then only release what they hold.
 *   Responses leave in request order (Kafka's rule): a finished response waits for the ones
 *   before it on the connection.
 */
#ifndef MQ_GW_KAFKA_INT_H
#define MQ_GW_KAFKA_INT_H

#include "gw_kafka.h"
#include "kf_api.h"
#include "kf_compress.h"
#include "mq/buf.h"
#include "mq/pool.h"

typedef struct gw_kreq_s gw_kreq_t;
typedef struct gw_ksub_s gw_ksub_t;

/* One client connection. */
typedef struct gw_kconn_s {
    gw_conn_t *conn;
    gw_kafka_t *fe;
    gw_kreq_t *head, *tail; /* requests not yet answered on the wire, in arrival order */
    kf_codec_t codec;       /* compression contexts, reused */
    mq_buf_t scratch;       /* decompression / batch building, reused */
    mq_buf_t props;         /* Produce: properties strings of a partition's messages */
    int closed;             /* the connection closed: free when the last request goes */
    int nreqs;              /* requests alive (answered or not) */
} gw_kconn_t;

typedef void (*gw_kreq_fn)(gw_kreq_t *kr);
typedef void (*gw_ksub_fn)(gw_ksub_t *s, int status, const mq_rep_t *rep);

struct gw_kreq_s {
    gw_kconn_t *kc;
    gw_kreq_t *next;    /* in kc's order */
    mq_pool_t pool;     /* the frame copy, the decoded request, the response */
    kf_request_t req;   /* decoded */
    kf_response_t resp; /* filled by the handler */
    gw_kreq_fn finish;  /* completes resp once nothing is outstanding (may be NULL) */
    void *state;        /* the handler's */
    int pending;        /* operations outstanding (+1 while the handler or finish runs) */
    uint64_t sent;      /* operations started so far */
    int responded;      /* resp is final (or no response is due) */
    int no_response;    /* Produce acks=0 */
    int on_wire;        /* its bytes went to the connection (or were dropped) */
    mq_buf_t out;       /* the encoded response frame */
};

/* One operation of the request model sent on behalf of a Kafka request. */
struct gw_ksub_s {
    mq_req_t base;   /* what the service sees; base.pool is kr->pool */
    gw_kreq_t *kr;   /* the Kafka request */
    gw_ksub_fn done; /* called with the service's answer (loop thread) */
    void *arg;       /* the handler's, for done */
    int index;       /* the handler's, for done (a partition's slot) */
};

/* Functions used by handlers. */

/* A new operation for kr (zeroed, from kr->pool), op set; fill base.u then gw_ksub_send. */
gw_ksub_t *gw_ksub_new(gw_kreq_t *kr, mq_op_t op, gw_ksub_fn done, void *arg, int index);
/* Sends it to the broker service (svc NULL) or to svc. The answer may come before this
 * returns. */
void gw_ksub_send(gw_ksub_t *s, mq_service_t *svc);
/* An operation outside the request model (a request to another broker): hold before starting
 * it, release once it answered (finish runs when nothing is outstanding, as for gw_ksub). */
void gw_kreq_hold(gw_kreq_t *kr);
void gw_kreq_release(gw_kreq_t *kr);
/* Marks resp final now (operations may still be outstanding); finish is not called. */
void gw_kreq_respond(gw_kreq_t *kr);

/* The handlers (one per API; gw_kafka.c dispatches on the api key). Each fills kr->resp now
 * or sets kr->finish and starts operations. */
void gw_kafka_api_versions(gw_kreq_t *kr);
void gw_kafka_metadata(gw_kreq_t *kr);
void gw_kafka_produce(gw_kreq_t *kr);
void gw_kafka_fetch(gw_kreq_t *kr);
void gw_kafka_list_offsets(gw_kreq_t *kr);
void gw_kafka_init_producer_id(gw_kreq_t *kr);
void gw_kafka_find_coordinator(gw_kreq_t *kr);
void gw_kafka_join_group(gw_kreq_t *kr);
void gw_kafka_sync_group(gw_kreq_t *kr);
void gw_kafka_heartbeat(gw_kreq_t *kr);
void gw_kafka_leave_group(gw_kreq_t *kr);
void gw_kafka_offset_commit(gw_kreq_t *kr);
void gw_kafka_offset_fetch(gw_kreq_t *kr);
void gw_kafka_list_groups(gw_kreq_t *kr);
void gw_kafka_describe_groups(gw_kreq_t *kr);
void gw_kafka_delete_groups(gw_kreq_t *kr);
void gw_kafka_create_topics(gw_kreq_t *kr);
void gw_kafka_delete_topics(gw_kreq_t *kr);
void gw_kafka_create_partitions(gw_kreq_t *kr);
void gw_kafka_describe_configs(gw_kreq_t *kr);
void gw_kafka_describe_cluster(gw_kreq_t *kr);

/* Shared helpers (gw_kafka_util.c). */

/* The stored (RocketMQ) name of a Kafka topic, NUL-terminated in kr->pool; MQ_STR_NULL when
 * the name is not a valid Kafka topic name. */
mq_str_t gw_kafka_topic_to_rmq(gw_kreq_t *kr, mq_str_t kafka);
/* The Kafka name of a stored topic, in kr->pool; MQ_STR_NULL when it has none. */
mq_str_t gw_kafka_topic_from_rmq(gw_kreq_t *kr, mq_str_t rmq);
/* The stored name of a Kafka group id, in kr->pool; MQ_STR_NULL when it cannot be mapped. */
mq_str_t gw_kafka_group_to_rmq(gw_kreq_t *kr, mq_str_t kafka);
/* The Kafka group id of a stored group name, in kr->pool; MQ_STR_NULL when it has none. */
mq_str_t gw_kafka_group_from_rmq(gw_kreq_t *kr, mq_str_t rmq);
/* A copy of s in kr->pool (replies' data does not outlive the reply callback). */
mq_str_t gw_kafka_dup(gw_kreq_t *kr, mq_str_t s);
/* s, or "" for a null s (a non-nullable response field echoing a request's). */
mq_str_t gw_kafka_nonnull(mq_str_t s);
/* A reply's text as a Kafka error message in kr->pool; null when there is none. */
mq_str_t gw_kafka_rep_text(gw_kreq_t *kr, const mq_rep_t *rep);
/* A topic's partition count: its read or write queues, whichever is larger. */
int32_t gw_kafka_partitions(const mq_topic_conf_t *t);
/* Where partition p of a stored topic lives: 1 on this broker, *queue set; 0 on another broker
 * or on none (the caller answers NOT_LEADER_OR_FOLLOWER). Without a layout for the topic
 * (a single broker), partition p is queue p here. */
int gw_kafka_local_queue(const gw_kafka_t *fe, mq_str_t rmq, int32_t p, int32_t *queue);
/* The broker that owns partition p of a stored topic (fe->conf.broker_name for this one, as
 * for every partition of a topic without a layout), and the queue there; NULL when no broker
 * does (beyond the layout). */
const char *gw_kafka_partition_owner(const gw_kafka_t *fe, mq_str_t rmq, int32_t p, int32_t *queue);
/* Forwarding of committed offsets of another broker's queue (gw_kafka_forward.c): the
 * owner's UPDATE_CONSUMER_OFFSET / QUERY_CONSUMER_OFFSET. The result lands in *err / *out
 * before kr finishes. */
void gw_kafka_forward_commit(gw_kreq_t *kr, const char *broker, mq_str_t group, mq_str_t topic,
                             int32_t queue, int64_t offset, int16_t *err);
void gw_kafka_forward_fetch(gw_kreq_t *kr, const char *broker, mq_str_t group, mq_str_t topic,
                            int32_t queue, kf_offset_fetch_resp_part_t *out);
/* The Kafka error code for an mq_err_t status of an operation on a partition. */
int16_t gw_kafka_error(int status);
/* 1 when the topic is one of RocketMQ's system topics (TBW102, SCHEDULE_TOPIC_XXXX, RMQ_SYS_*,
 * the cluster's and broker's own names...): listed to Kafka as internal. */
int gw_kafka_topic_is_internal(const gw_kafka_t *fe, mq_str_t rmq);

#endif /* MQ_GW_KAFKA_INT_H */
