/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_int.h -- private declarations shared by the files of libmqclient (tools/client/): pure
 * helpers the unit tests reach (route JSON parsing, SEND_MESSAGE_V2 header building, queue
 * allocation, tag expressions), and the small pieces several layers share (error text, client
 * ids, the pull request builder). Not part of the public API in mqc.h.
 */
#ifndef MQ_MQC_INT_H
#define MQ_MQC_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "mq/buf.h"
#include "mq/msg.h"
#include "mqc.h"

#define MQC_DEFAULT_TOPIC "TBW102" /* TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC */
#define MQC_DEFAULT_TOPIC_QUEUES 4 /* DefaultMQProducer.defaultTopicQueueNums */
#define MQC_PERM_READ 4            /* PermName.PERM_READ */
#define MQC_PERM_WRITE 2           /* PermName.PERM_WRITE */
#define MQC_MAX_TAGS 32            /* tags in one "A || B" expression */

/* PullSysFlag bits (rocketmq-protocol.md section 2.4). */
#define MQC_PULL_FLAG_COMMIT 0x1
#define MQC_PULL_FLAG_SUSPEND 0x2
#define MQC_PULL_FLAG_SUBSCRIPTION 0x4

/* Functions used for errors. */

/* snprintf into err (when err != NULL) and return rc. */
int mqc_fail(char *err, size_t errlen, int rc, const char *fmt, ...) MQ_PRINTF(4, 5);

/* ---- Routes (mqc_route.c) ---- */

/* Parses a TopicRouteData body into out (heap; mqc_route_fini frees). MQ_OK or MQ_EPROTO. */
int mqc_route_parse(mq_str_t body, mqc_route_t *out);

/* A queue a producer can write to or a consumer can read. */
typedef struct mqc_wq_s {
    char broker_name[128]; /* brokerName */
    int queue_id;          /* queue within that broker */
} mqc_wq_t;

/* The writable (want = MQC_PERM_WRITE) or readable (MQC_PERM_READ) queues of r, ordered by
 * broker name then queue id, only of brokers that have a master. Returns the count; *out is
 * heap-allocated (free()), NULL when 0. max_per_broker > 0 caps each broker's queue count (the
 * default-topic route gives at most defaultTopicQueueNums). */
int mqc_route_queues(const mqc_route_t *r, int want, int max_per_broker, mqc_wq_t **out);

/* ---- Messages (mqc_msg.c) ---- */

/* Builds the properties string of m (KEYS, TAGS, WAIT, UNIQ_KEY, DELAY, then m->properties). */
void mqc_msg_props(const mqc_message_t *m, const char *uniq_key, mq_buf_t *out);
/* Fills a SEND_MESSAGE_V2 request (code 310, or 320 for batch) the way the Java client does:
 * a producerGroup, b topic, c defaultTopic, d defaultTopicQueueNums, e queueId, f sysFlag,
 * g bornTimestamp, h flag, i properties, j reconsumeTimes, k unitMode, m batch, n brokerName. */
void mqc_msg_send_header(rmq_cmd_t *c, mq_pool_t *pool, const char *group, const char *topic,
                         int queue_id, int sys_flag, int64_t born_ts, mq_str_t props, int batch,
                         const char *broker_name);
/* Decodes a PULL_MESSAGE body (stored records) into msgs allocated from pool, inflating
 * compressed bodies and dropping messages whose tag does not match expr (NULL or "*": all).
 * Returns the count kept, MQ_EPROTO for a malformed body (all of it is refused) or MQ_ECORRUPT
 * for a body that does not inflate. *last_offset gets the queue offset of the last record
 * (kept or not), -1 when none. */
int mqc_msg_decode_pull(mq_str_t body, const char *expr, mq_pool_t *pool, mqc_received_t **msgs,
                        int64_t *last_offset);

/* Tag expressions: "*", "" (all) or "A || B". */
typedef struct mqc_tags_s {
    int all;                     /* 1 for "*" or empty */
    int n;                       /* tags in tag[] */
    char tag[MQC_MAX_TAGS][128]; /* trimmed tags */
} mqc_tags_t;

int mqc_tags_parse(const char *expr, mqc_tags_t *out); /* MQ_OK or MQ_EINVAL */
int mqc_tags_match(const mqc_tags_t *t, mq_str_t tag); /* 1 if a message with tag passes */

/* ---- Consumers (mqc_rebalance.c) ---- */

/* Compares queues as Java's MessageQueue.compareTo: topic, broker name, queue id. */
int mqc_mq_cmp(const void *a, const void *b);
/* AllocateMessageQueueAveragely: the queues of all (sorted, n_all) that client index `me` of
 * n_cids sorted client ids gets: the indexes into all are written to out_idx (room for n_all).
 * Returns the count. */
int mqc_allocate_averagely(int n_all, int n_cids, int me, int *out_idx);

/* Builds "ip@pid#n" (n from a process-wide counter plus the clock). */
void mqc_client_id(char *out, size_t n);
/* A request about one queue (topic, queueId, bname, + consumerGroup when group is set, + one
 * extra int field) on conn; ext `field` of a SUCCESS answer goes to *out. MQ_ENOENT for
 * QUERY_NOT_FOUND, MQ_ERR for another code, or the transport error (mqc_pull.c). */
int mqc_queue_call(mqc_conn_t *conn, const mqc_mq_t *mq, int code, const char *group,
                   const char *extra_key, int64_t extra_val, const char *field, int64_t *out);
/* The NameServer list a client uses unless told: $NAMESRV_ADDR as RocketMQ's clients read it,
 * else 127.0.0.1:9876. */
const char *mqc_default_namesrv(void);
/* The host's IPv4 address (network order) as seen on the default route, or 127.0.0.1. */
void mqc_local_ip4(uint8_t ip[4]);

/* ---- Pulls (mqc_pull.c) ---- */

/* Adds the PULL_MESSAGE (11) ext fields to c. */
void mqc_pull_header(rmq_cmd_t *c, mq_pool_t *pool, const char *group, const mqc_mq_t *mq,
                     const char *sub_expr, int64_t offset, int max_msgs, int sys_flag,
                     int64_t commit_offset, int hold_ms, int64_t sub_version);
/* Fills out from a PULL_MESSAGE response (codes 0, 19, 20, 21; others give MQ_ERR). */
int mqc_pull_result(const rmq_cmd_t *resp, const char *sub_expr, mq_pool_t *pool,
                    mqc_pull_result_t *out);

#endif /* MQ_MQC_INT_H */
