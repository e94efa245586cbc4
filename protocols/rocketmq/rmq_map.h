/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map.h -- translation between RemotingCommands and the common request model (req.h):
 * a decoded request becomes an mq_req_t, and a service's reply becomes a response frame with
 * RocketMQ's codes, extFields and JSON bodies (rocketmq-protocol.md sections 2-3).
 * Pure functions; the gateway's RocketMQ front-end (gateway/gw_rmq.c) calls them. The entry
 * points live in rmq_map.c and dispatch to one file per family of codes.
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
/* Encodes a notice (a server-initiated one-way request: NOTIFY_CONSUMER_IDS_CHANGED) with the
 * given opaque into out. */
void rmq_map_notice(const mq_notice_t *n, int32_t opaque, mq_pool_t *pool, mq_buf_t *out);

/* Transaction codes (rmq_map_txn.c): END_TRANSACTION (37) -> END_TRANSACTION (called by
 * rmq_map_broker_request), and the CHECK_TRANSACTION_STATE (39) frame of a CHECK_TRANSACTION
 * notice (called by rmq_map_notice). */
int rmq_map_end_txn(const rmq_cmd_t *cmd, mq_req_t *req, const char **why);
void rmq_map_check_txn(const mq_notice_t *n, int32_t opaque, mq_pool_t *pool, mq_buf_t *out);

/* Functions used per family of codes. rmq_map.c's rmq_map_request() / rmq_map_reply() try the
 * broker family first, then the NameServer's; each family declines what it does not know. */

/* NameServer codes (rmq_map_namesrv.c): MQ_DECLINED for any other code. */
int rmq_map_namesrv_request(const rmq_cmd_t *cmd, mq_pool_t *pool, mq_req_t *req, const char **why);
void rmq_map_namesrv_reply(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                           mq_pool_t *pool, mq_buf_t *out);

/* Broker client-facing codes (rmq_map_broker.c): SEND_MESSAGE (10), SEND_MESSAGE_V2 (310),
 * SEND_BATCH_MESSAGE (320) -> PRODUCE; PULL_MESSAGE (11), LITE_PULL_MESSAGE (361) -> PULL;
 * QUERY_CONSUMER_OFFSET (14) -> QUERY_GROUP_OFFSET; UPDATE_CONSUMER_OFFSET (15) ->
 * COMMIT_GROUP_OFFSET; SEARCH_OFFSET_BY_TIMESTAMP (29), GET_MAX_OFFSET (30), GET_MIN_OFFSET
 * (31), GET_EARLIEST_MSG_STORETIME (32) -> GET_QUEUE_OFFSET; HEART_BEAT (34) ->
 * CLIENT_HEARTBEAT; UNREGISTER_CLIENT (35) -> CLIENT_UNREGISTER; GET_CONSUMER_LIST_BY_GROUP
 * (38) -> GET_GROUP_MEMBERS. Same contract as rmq_map_request(); MQ_DECLINED for other codes.
 * Strings are views into cmd (its ext values and body) or copies in pool (heartbeat JSON). */
int rmq_map_broker_request(const rmq_cmd_t *cmd, mq_pool_t *pool, mq_req_t *req, const char **why);

/* Fills r (initialised here: response code, opaque, remark, extFields copied into pool) for
 * the reply to a broker operation, and appends its JSON body, if any, to body. The records of a
 * successful pull are NOT appended: they follow the header as they are, so a sender may write
 * them without copying (rmq_cmd_encode_head() with rmq_map_pull_bytes()). Returns MQ_OK, or
 * MQ_DECLINED when req->op is not a broker operation. */
int rmq_map_broker_cmd(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                       mq_pool_t *pool, rmq_cmd_t *r, mq_buf_t *body);
/* Bytes of records a pull reply carries after its header (0 unless the code is SUCCESS). */
size_t rmq_map_pull_bytes(const mq_req_t *req, int status, const mq_rep_t *rep);
/* Appends the whole response frame (records copied in). Returns MQ_OK or MQ_DECLINED as
 * rmq_map_broker_cmd(). */
int rmq_map_broker_reply(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                         mq_pool_t *pool, mq_buf_t *out);

/* GetMessageStatus values carried in mq_pull_result_t.status: the same numbers as
 * store_get_status_t (mq/store.h, which codecs may not include; the tests check they agree). */
typedef enum rmq_get_status_e {
    RMQ_GET_FOUND = 0,
    RMQ_GET_NO_MATCHED_MESSAGE,
    RMQ_GET_MESSAGE_WAS_REMOVING,
    RMQ_GET_OFFSET_FOUND_NULL,
    RMQ_GET_OFFSET_OVERFLOW_BADLY,
    RMQ_GET_OFFSET_OVERFLOW_ONE,
    RMQ_GET_OFFSET_TOO_SMALL,
    RMQ_GET_NO_MATCHED_LOGIC_QUEUE,
    RMQ_GET_NO_MESSAGE_IN_QUEUE,
    RMQ_GET__COUNT
} rmq_get_status_t;

/* The response code of a pull that found `status` at request offset `offset` (section 2.4, as
 * the Java PullMessageProcessor), and the status name Java puts in the remark ("UNKNOWN" for a
 * value outside the table). */
int32_t rmq_pull_code(int status, int64_t offset);
const char *rmq_get_status_name(int status);

/* The JSON bodies, exposed for tests and for the broker's client side. */
void rmq_route_json(const mq_route_t *r, mq_buf_t *out);                /* TopicRouteData */
void rmq_cluster_info_json(const mq_cluster_info_t *ci, mq_buf_t *out); /* ClusterInfo */
void rmq_topic_list_json(const mq_str_list_t *l, mq_buf_t *out);        /* TopicList */
/* Parses a RegisterBrokerBody (uncompressed JSON) into rb's version and topics. */
int rmq_register_body_parse(mq_str_t body, mq_pool_t *pool, mq_register_broker_t *rb);

/* Functions used by a broker towards its NameServers (rmq_map_namesrv.c). */

/* Appends rb's RegisterBrokerBody (uncompressed JSON, as the Java broker writes it) to out. */
void rmq_register_body_json(const mq_register_broker_t *rb, mq_buf_t *out);
/* Appends a REGISTER_BROKER (103) request frame for rb with the given opaque to out: extFields
 * brokerAddr, brokerId, brokerName, clusterName, haServerAddr, enableActingMaster=false,
 * compressed=false, bodyCrc32 (+ heartbeatTimeoutMillis when not 120000, kafkaListener and
 * kafkaNodeId when set); pool holds the header's scratch. rmq_map_namesrv_request() decodes it. */
void rmq_register_broker_encode(const mq_register_broker_t *rb, int32_t opaque, mq_pool_t *pool,
                                mq_buf_t *out);
/* Appends an UNREGISTER_BROKER (104) request frame for ub to out. */
void rmq_unregister_broker_encode(const mq_unregister_broker_t *ub, int32_t opaque, mq_pool_t *pool,
                                  mq_buf_t *out);

#endif /* MQ_RMQ_MAP_H */
