/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map_lock.h -- the queue-lock codes of orderly consumption <-> the request model
 * (rmq_map_lock.c), rocketmq-protocol.md sections 2.2, 3.3 and 6.7:
 *
 *   LOCK_BATCH_MQ (41)   body LockBatchRequestBody   -> QUEUE_LOCK, reply {"lockOKMQSet":[...]}
 *   UNLOCK_BATCH_MQ (42) body UnlockBatchRequestBody -> QUEUE_UNLOCK, empty reply
 *
 * rmq_map_broker.c hands these two codes here. Both directions of each body are coded, so the
 * client library (tools/client/mqc_orderly.c) builds its requests and reads the replies with
 * the same functions the broker's front-end uses. Pure functions: no I/O, no globals.
 */
#ifndef MQ_RMQ_MAP_LOCK_H
#define MQ_RMQ_MAP_LOCK_H

#include "mq/buf.h"
#include "mq/pool.h"
#include "mq/req.h"
#include "rmq_cmd.h"

/* Functions used by the broker's front-end. */

/* Fills req (QUEUE_LOCK or QUEUE_UNLOCK) from a LOCK_BATCH_MQ / UNLOCK_BATCH_MQ command; the
 * strings are copied into pool. Returns MQ_OK, MQ_DECLINED for any other code, or MQ_EINVAL
 * with *why naming what is wrong (not a JSON object, no consumerGroup or clientId, an mqSet
 * entry without topic, brokerName or an integer queueId). */
int rmq_map_lock_request(const rmq_cmd_t *cmd, mq_pool_t *pool, mq_req_t *req, const char **why);

/* Appends a LockBatchResponseBody, {"lockOKMQSet":[{"brokerName":..,"queueId":..,"topic":..}]},
 * to out. */
void rmq_lock_reply_json(const mq_queue_refs_t *granted, mq_buf_t *out);

/* Functions used by clients. */

/* Appends a LockBatchRequestBody / UnlockBatchRequestBody (the same fields) for q to out, as
 * the Java client writes it: clientId, consumerGroup, mqSet, onlyThisBroker. */
void rmq_lock_request_json(const mq_queue_lock_t *q, mq_buf_t *out);
/* Parses a LockBatchResponseBody into out (strings copied into pool). Returns MQ_OK or
 * MQ_EPROTO. */
int rmq_lock_reply_parse(mq_str_t body, mq_pool_t *pool, mq_queue_refs_t *out);

#endif /* MQ_RMQ_MAP_LOCK_H */
