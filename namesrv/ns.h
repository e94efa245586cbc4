/* SPDX-License-Identifier: Apache-2.0
 *
 * ns.h -- the NameServer service: RocketMQ's RouteInfoManager and KVConfigManager behind the
 * common request model (include/mq/req.h). It keeps topic routes from broker registrations,
 * answers route, cluster and topic-list queries, stores namespaced key/value config and drops
 * brokers whose connection closed or whose registrations stopped. It owns no socket and knows
 * no wire format: the gateway decodes frames into mq_req_t and hands them to ns_service().
 * Internals: ns_int.h (the ns_t struct), ns_route.h (tables), ns_kv.h (KV store).
 *
 * Every op of req.h is answered synchronously, before handle() returns, through
 * req->reply(req, status, &rep). Reply data is copied into req->pool (or a pool of the call's
 * own when req->pool is NULL) and stays valid until reply() returns; reply() runs with no
 * NameServer lock held, so it may call back into the service.
 *
 *   op                   request member          status / reply member (when MQ_OK)
 *   REGISTER_BROKER      u.register_broker       MQ_EINVAL on empty/bad names; rep.u.reg: for
 *                                                slaves the master's address and HA address
 *                                                (empty for masters or when no live master)
 *   UNREGISTER_BROKER    u.unregister_broker     MQ_OK even when the broker is unknown
 *   QUERY_DATA_VERSION   u.query_data_version    rep.u.changed: 1 when the broker is unknown or
 *                                                its stored DataVersion differs; a known broker's
 *                                                last-update time is refreshed either way
 *   GET_ROUTE            u.get_route             MQ_ENOENT + rep.text "No topic route info in
 *                                                name server for the topic: <topic>"; rep.u.route
 *                                                (queues sorted by broker name, brokers by name,
 *                                                addresses by id; order_topic_conf from KV
 *                                                ORDER_TOPIC_CONFIG when order_message_enable)
 *   GET_CLUSTER_INFO     -                       rep.u.cluster: every broker name (BrokerData),
 *                                                each with its cluster; sorted by broker name
 *   GET_TOPIC_LIST       u.get_topic_list        rep.u.list: every topic, or those hosted by the
 *                                                cluster's broker names; sorted; unknown
 *                                                cluster = empty list
 *   DELETE_TOPIC_ROUTE   u.get_route (topic)     MQ_OK even when the topic is unknown
 *   KV_PUT               u.kv (ns, key, value)   MQ_EINVAL on an empty namespace or key
 *   KV_GET               u.kv (ns, key)          MQ_ENOENT + rep.text; rep.u.value
 *   KV_DELETE            u.kv (ns, key)          MQ_OK even when absent
 *   KV_LIST              u.kv (ns)               MQ_ENOENT + rep.text for an unknown (or emptied)
 *                                                namespace; rep.u.list holds keys and values
 *                                                ALTERNATING: items[2i] = key, items[2i+1] = its
 *                                                value, n = 2 * entries, sorted by key
 *   SET_BROKER_WRITABLE  u.set_broker_writable   rep.u.count: queue datas of that broker name
 *                                                whose perm changed (write bit 2 set or cleared)
 *   anything else        -                       MQ_EINVAL + rep.text
 *
 * Thread safety: one mutex guards all tables; every function here may be called from any
 * thread. The gateway calls them from its loop thread.
 */
#ifndef MQ_NAMESRV_NS_H
#define MQ_NAMESRV_NS_H

#include <stdint.h>

#include "mq/buf.h"
#include "mq/req.h"

typedef struct ns_s ns_t;

/* KV namespace whose key <topic> holds a topic's orderTopicConf ("broker-a:4;broker-b:4"). */
#define NS_KV_ORDER_TOPIC_CONFIG "ORDER_TOPIC_CONFIG"

/* Default heartbeatTimeoutMillis: a broker silent this long is dropped by ns_housekeep(). */
#define NS_HEARTBEAT_TIMEOUT_MS 120000

typedef struct ns_config_s {
    int order_message_enable;       /* orderMessageEnable: GET_ROUTE carries orderTopicConf */
    int64_t heartbeat_timeout_ms;   /* for registrations that carry none (120000) */
    int64_t (*clock_ms)(void *arg); /* wall clock in ms for last-update times (mq_now_ms) */
    void *clock_arg;                /* passed to clock_ms */
} ns_config_t;

/* Functions used to configure and own a NameServer. */
void ns_config_defaults(ns_config_t *cfg); /* order off, 120000 ms, mq_now_ms */
ns_t *ns_new(const ns_config_t *cfg);      /* cfg NULL = defaults; copied; never NULL */
void ns_free(ns_t *ns);                    /* NULL is fine; the service must be idle */

/* The service the gateway hands requests to. It belongs to ns (valid until ns_free):
 * handle() answers every op above before it returns; session_closed(svc, session) removes
 * every broker that registered through that connection (a NULL session is ignored). */
mq_service_t *ns_service(ns_t *ns);

/* Removes every broker whose last registration (or QUERY_DATA_VERSION) is more than its
 * heartbeat timeout before now_ms (now_ms - last > timeout, as RocketMQ's scanNotActiveBroker),
 * with its queue data when its broker name has no address left. Returns how many brokers
 * (addresses) were removed. The gateway calls it every 5 s with mq_now_ms(). */
int ns_housekeep(ns_t *ns, int64_t now_ms);

/* The KV table as RocketMQ's kvConfig.json text, and back (entries are added; MQ_EPROTO for a
 * text that is not such a file). The owner of the process reads the file at start and writes
 * it when the hook set by ns_on_kv_changed() fires (after a put or delete, from the thread that
 * handled it, without the NameServer lock held). */
void ns_kv_save(ns_t *ns, mq_buf_t *out);
int ns_kv_load(ns_t *ns, const char *text, size_t len);
void ns_on_kv_changed(ns_t *ns, void (*fn)(void *arg), void *arg);

#endif /* MQ_NAMESRV_NS_H */
