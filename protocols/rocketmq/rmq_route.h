/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_route.h -- decoders of the NameServer's route bodies, for a broker or client that asks a
 * NameServer: GET_ROUTEINFO_BY_TOPIC (TopicRouteData) into mq_route_t and
 * GET_BROKER_CLUSTER_INFO (ClusterInfo) into mq_cluster_info_t. The encoders are
 * rmq_route_json / rmq_cluster_info_json (rmq_map.h).
 *
 * Lenient the way RocketMQ clients are: fastjson's legacy form writes brokerAddrs with bare
 * integer keys ({0:"ip:port"}), which are quoted before jansson sees the text; unknown fields
 * are ignored; numbers may arrive as strings.
 */
#ifndef MQ_RMQ_ROUTE_H
#define MQ_RMQ_ROUTE_H

#include "mq/buf.h"
#include "mq/pool.h"
#include "mq/req.h"

/* Copies in to out with bare integer object keys quoted ({0:"a"} -> {"0":"a"}). */
void rmq_json_quote_int_keys(mq_str_t in, mq_buf_t *out);

/* Decode a body into pool-allocated structures. MQ_OK or MQ_EPROTO (not the expected JSON). */
int rmq_route_decode(mq_str_t body, mq_pool_t *pool, mq_route_t *out);
int rmq_cluster_info_decode(mq_str_t body, mq_pool_t *pool, mq_cluster_info_t *out);

#endif /* MQ_RMQ_ROUTE_H */
