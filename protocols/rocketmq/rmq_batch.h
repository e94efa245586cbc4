/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_batch.h -- the batch body of SEND_BATCH_MESSAGE (and SEND_MESSAGE_V2 with m=true),
 * rocketmq-protocol.md section 4.4. Each element:
 *
 *   int TOTALSIZE (= 20 + bodyLen + 2 + propsLen) | int MAGICCODE (0) | int BODYCRC (0) |
 *   int FLAG | int BODYLEN | BODY | short PROPLEN | PROPERTIES
 *
 * All elements share the request header's topic and queue id.
 */
#ifndef MQ_RMQ_BATCH_H
#define MQ_RMQ_BATCH_H

#include "mq/buf.h"
#include "mq/msg.h"
#include "mq/pool.h"

#define RMQ_BATCH_MAX 65536 /* messages accepted in one batch */

/* Decodes the batch body into *msgs (pool-allocated; views into body). Only flag, body and
 * props are set in each message; the caller fills topic, queue id, hosts and timestamps.
 * Returns the count (>= 1) or MQ_EPROTO (a length that disagrees, trailing bytes, empty). */
int rmq_batch_decode(mq_str_t body, mq_pool_t *pool, mq_msg_t **msgs);

/* Appends one element for m (flag, body, props) to out. */
void rmq_batch_put(mq_buf_t *out, const mq_msg_t *m);

#endif /* MQ_RMQ_BATCH_H */
