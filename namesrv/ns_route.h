/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_route.h -- the route tables of the NameServer (RocketMQ RouteInfoManager), internal to
 * namesrv/: the interface of ns_route.c (changes), ns_route_read.c (copies for replies) and
 * ns_housekeep.c (expiry). Nothing here locks: callers hold ns_t.lock (ns_int.h).
 *
 * Tables and the invariants every function keeps:
 *   topics   topic -> ns_topic_t, whose queues map brokerName -> ns_queue_t (QueueData).
 *            (1) a topic exists only while it has at least one queue data;
 *            (2) a queue data exists only for a broker name present in brokers.
 *   brokers  brokerName -> ns_broker_t (BrokerData): cluster and addresses by broker id.
 *            (3) a broker name exists only while it has at least one address;
 *            (4) an address appears at most once in a broker name (one id per address).
 *   clusters cluster -> set of broker names (values: the ns_broker_t).
 *            (5) a broker name is in exactly one set, its ns_broker_t.cluster; empty sets go.
 *   live     brokerAddr -> ns_live_t (BrokerLiveInfo): last update, DataVersion, session...
 *            Every address of brokers has a live entry, except briefly while a replaced
 *            master's address expires (an address may be live without being in brokers).
 */
#ifndef MQ_NAMESRV_NS_ROUTE_H
#define MQ_NAMESRV_NS_ROUTE_H

#include <stdint.h>

#include "mq/pool.h"
#include "mq/req.h"
#include "mq/strmap.h"

/* QueueData: the queues one broker name hosts for a topic. Owner: its ns_topic_t. */
typedef struct ns_queue_s {
    int32_t read_queues;    /* readQueueNums */
    int32_t write_queues;   /* writeQueueNums */
    int32_t perm;           /* PermName bits: 4 read, 2 write, 1 inherit */
    int32_t topic_sys_flag; /* topicSysFlag */
} ns_queue_t;

/* A topic's route. Owner: ns_route_t.topics. */
typedef struct ns_topic_s {
    mq_strmap_t queues; /* brokerName -> ns_queue_t (owned) */
} ns_topic_t;

/* One address of a broker name. */
typedef struct ns_addr_s {
    int64_t id; /* brokerId: 0 master, > 0 slave */
    char *addr; /* "ip:port" (owned) */
} ns_addr_t;

/* BrokerData. Owner: ns_route_t.brokers. */
typedef struct ns_broker_s {
    char *cluster;    /* clusterName (owned) */
    char *name;       /* brokerName (owned) */
    ns_addr_t *addrs; /* sorted by id, ids unique, addresses unique */
    int n_addrs;      /* entries used */
    int cap_addrs;    /* entries allocated */
} ns_broker_t;

/* BrokerLiveInfo. Owner: ns_route_t.live. */
typedef struct ns_live_s {
    char *addr;                /* brokerAddr, the table key (owned) */
    char *cluster;             /* clusterName it registered with (owned) */
    char *broker_name;         /* brokerName it registered with (owned) */
    int64_t broker_id;         /* brokerId it registered with */
    int64_t last_update_ms;    /* wall clock of the last REGISTER_BROKER / QUERY_DATA_VERSION */
    int64_t timeout_ms;        /* heartbeatTimeoutMillis */
    mq_data_version_t version; /* DataVersion of the topic table last registered */
    void *session;             /* the connection it last registered through */
    char *ha_addr;             /* haServerAddr, "" if none (owned) */
    char *kafka_listener;      /* rocketmq-c extension, "" if none (owned) */
    int64_t kafka_node_id;     /* rocketmq-c extension, -1 if none */
} ns_live_t;

typedef struct ns_route_s {
    mq_strmap_t topics;   /* topic -> ns_topic_t */
    mq_strmap_t brokers;  /* brokerName -> ns_broker_t */
    mq_strmap_t clusters; /* cluster -> mq_strmap_t (brokerName -> ns_broker_t, not owned) */
    mq_strmap_t live;     /* brokerAddr -> ns_live_t */
} ns_route_t;

/* A growable list of owned names, for changes decided while iterating a map. */
typedef struct ns_names_s {
    char **v; /* owned copies */
    int n;    /* used */
    int cap;  /* allocated */
} ns_names_t;

/* Functions used to manage the tables (ns_route.c). */
void ns_route_init(ns_route_t *rt);
void ns_route_fini(ns_route_t *rt);

/* Functions used to change the tables (ns_route.c). Each returns an mq_err_t. */

/* REGISTER_BROKER as of `now_ms`; timeout_ms is the broker's heartbeat timeout (resolved by the
 * caller). Fills out (strings copied into pool) with the master's addresses for slaves. */
int ns_route_register(ns_route_t *rt, const mq_register_broker_t *rb, void *session, int64_t now_ms,
                      int64_t timeout_ms, mq_pool_t *pool, mq_register_result_t *out);
/* Removes one broker address from the live table and from its broker name; a broker name left
 * without addresses goes with its cluster membership and queue data (topics left without
 * queue data go too). `reason` is logged. Returns 1 if anything was removed, else 0. */
int ns_route_remove_addr(ns_route_t *rt, mq_str_t addr, const char *reason);
/* QUERY_DATA_VERSION: *changed = 1 when addr is unknown or its version differs from `version`;
 * refreshes the last-update time of a known addr. Returns MQ_OK. */
int ns_route_query_version(ns_route_t *rt, mq_str_t addr, const mq_data_version_t *version,
                           int64_t now_ms, int *changed);
/* DELETE_TOPIC_ROUTE: forgets the topic. Returns 1 if it existed, else 0. */
int ns_route_delete_topic(ns_route_t *rt, mq_str_t topic);
/* SET_BROKER_WRITABLE: sets or clears the write bit of every queue data of broker_name.
 * Returns how many perms changed. */
int32_t ns_route_set_writable(ns_route_t *rt, mq_str_t broker_name, int writable);

/* Functions used to copy the tables into replies (ns_route_read.c). Everything the outputs
 * point to is allocated in pool; arrays are sorted by name (addresses by id). */

/* GET_ROUTE: MQ_OK, or MQ_ENOENT when no queue data (or none of its brokers) is known. */
int ns_route_get(const ns_route_t *rt, mq_str_t topic, mq_pool_t *pool, mq_route_t *out);
void ns_route_cluster_info(const ns_route_t *rt, mq_pool_t *pool, mq_cluster_info_t *out);
/* GET_TOPIC_LIST: every topic when cluster is empty, else those hosted by its broker names. */
void ns_route_topic_list(const ns_route_t *rt, mq_str_t cluster, mq_pool_t *pool,
                         mq_str_list_t *out);

/* Functions used to expire brokers (ns_housekeep.c). Each returns how many addresses went. */
int ns_route_expire(ns_route_t *rt, int64_t now_ms);
int ns_route_drop_session(ns_route_t *rt, void *session);

/* Functions used to collect names (ns_route.c). */
void ns_names_push(ns_names_t *l, mq_str_t name);
void ns_names_free(ns_names_t *l);

#endif /* MQ_NAMESRV_NS_ROUTE_H */
