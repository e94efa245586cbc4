/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map_admin.h -- the broker's admin request codes <-> the request model (rmq_map_admin.c).
 * rmq_map.c asks this family after the client-facing broker codes (rmq_map_broker.c) and
 * before the NameServer's; each declines what it does not know.
 *
 *   UPDATE_AND_CREATE_TOPIC (17) -> TOPIC_UPSERT        DELETE_TOPIC_IN_BROKER (215) ->
 * TOPIC_DELETE GET_ALL_TOPIC_CONFIG (21) -> TOPIC_CONFIG_LIST      GET_TOPIC_CONFIG (351) ->
 * TOPIC_CONFIG_GET UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200) -> GROUP_UPSERT
 *   GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) -> GROUP_CONFIG_LIST
 *   DELETE_SUBSCRIPTIONGROUP (207) -> GROUP_DELETE      GET_BROKER_RUNTIME_INFO (28) ->
 * RUNTIME_INFO GET_CONSUME_STATS (208) -> CONSUME_STATS            GET_TOPIC_STATS_INFO (202) ->
 * TOPIC_STATS GET_CONSUMER_CONNECTION_LIST (203) -> GROUP_CONNECTIONS VIEW_MESSAGE_BY_ID (33) ->
 * VIEW_MESSAGE             QUERY_MESSAGE (12) -> QUERY_MESSAGE GET_BROKER_CONFIG (26) ->
 * BROKER_CONFIG_GET         UPDATE_BROKER_CONFIG (25) -> BROKER_CONFIG_UPDATE
 *   INVOKE_BROKER_TO_RESET_OFFSET (222) -> RESET_GROUP_OFFSET
 */
#ifndef MQ_RMQ_MAP_ADMIN_H
#define MQ_RMQ_MAP_ADMIN_H

#include "mq/buf.h"
#include "mq/pool.h"
#include "mq/req.h"
#include "rmq_cmd.h"

/* Fills req from an admin request command. Same contract as rmq_map_request(): MQ_OK,
 * MQ_DECLINED for a code of another family, MQ_EINVAL with *why naming the field. Strings are
 * views into cmd or copies in pool. */
int rmq_map_admin_request(const rmq_cmd_t *cmd, mq_pool_t *pool, mq_req_t *req, const char **why);

/* Appends the response frame for the reply to an admin operation. Returns MQ_OK, or
 * MQ_DECLINED when req->op is not an admin operation. */
int rmq_map_admin_reply(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                        mq_pool_t *pool, mq_buf_t *out);

/* Appends a ResetOffsetBody ({"offsetTable":{<MessageQueue>:offset,...}}, fastjson's object
 * keys) for the queues' group_offset: the body of RESET_CONSUMER_CLIENT_OFFSET and of the reply
 * to INVOKE_BROKER_TO_RESET_OFFSET. */
void rmq_admin_reset_body(mq_buf_t *b, const mq_queue_stats_t *s);

/* Functions exposed for tests. */

/* Parses Java properties text (key=value or key:value lines; '#'/'!' comments; spaces around
 * the separator trimmed; no escapes) into keys and values alternating, views into text.
 * Returns the number of pairs, or -1 for a line without a separator or over max_pairs pairs. */
int rmq_properties_parse(mq_str_t text, mq_pool_t *pool, int max_pairs, mq_str_list_t *out);

#endif /* MQ_RMQ_MAP_ADMIN_H */
