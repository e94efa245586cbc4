/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map.h -- translation between RemotingCommands and the common request model (req.h):
 * a decoded request becomes an mq_req_t, and a service's reply becomes a response frame with
 * RocketMQ's codes, extFields and JSON bodies (rocketmq-protocol.md sections 2-3).
 * Pure functions; the gateway's RocketMQ front-end (gateway/gw_rmq.c) calls them.
 */
#ifndef MQ_RMQ_MAP_H
#define MQ_RMQ_MAP_H

#include "mq/buf.h"
#include "mq/pool.h"
#include "mq/req.h"
#include "rmq_cmd.h"

/* Fills req (op and u) from a request command. Returns MQ_OK, MQ_DECLINED when the code is
 * not one the model knows (answer REQUEST_CODE_NOT_SUPPORTED), or MQ_EINVAL when a required
 * field is missing or malformed (answer INVALID_PARAMETER / SYSTEM_ERROR with *why set). */
int rmq_map_request(const rmq_cmd_t *cmd, mq_pool_t *pool, mq_req_t *req, const char **why);

/* Appends the response frame for a service's reply to out. */
void rmq_map_reply(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                   mq_pool_t *pool, mq_buf_t *out);

/* Appends a bare response frame: code, opaque and remark. */
void rmq_map_error(int32_t code, int32_t opaque, const char *remark, mq_buf_t *out);

/* The JSON bodies, exposed for tests and for the broker's client side. */
void rmq_route_json(const mq_route_t *r, mq_buf_t *out);                /* TopicRouteData */
void rmq_cluster_info_json(const mq_cluster_info_t *ci, mq_buf_t *out); /* ClusterInfo */
void rmq_topic_list_json(const mq_str_list_t *l, mq_buf_t *out);        /* TopicList */
/* Parses a RegisterBrokerBody (uncompressed JSON) into rb's version and topics. */
int rmq_register_body_parse(mq_str_t body, mq_pool_t *pool, mq_register_broker_t *rb);

#endif /* MQ_RMQ_MAP_H */
