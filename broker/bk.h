/* SPDX-License-Identifier: Apache-2.0
 *
 * bk.h -- the broker service: the request model's broker operations (produce, pull with long
 * polling, offsets, client heartbeats) on top of the message store and the metadata tables.
 *
 * Threads: every request is handled and answered on the loop thread of the gateway that
 * delivered it. The store's callbacks (a message dispatched, a sync flush done) arrive on
 * store threads and are posted to the loop through mq_exec_t.
 */
#ifndef MQ_BK_H
#define MQ_BK_H

#include <stdint.h>

#include "mq/exec.h"
#include "mq/req.h"
#include "mq/store.h"

/* broker.conf keys the broker itself reads (the store's keys are in store_config.c). */
typedef struct bk_config_s {
    char cluster[128];        /* brokerClusterName (DefaultCluster) */
    char name[128];           /* brokerName (broker-a) */
    int64_t id;               /* brokerId (0 = master) */
    char ip1[64];             /* brokerIP1: the address clients are told (127.0.0.1) */
    int listen_port;          /* listenPort (10911) */
    char namesrv_addr[512];   /* namesrvAddr: "host:port;host:port" */
    int64_t reg_period_ms;    /* registerNameServerPeriod (30000; 10-60 s used) */
    int auto_create_topic;    /* autoCreateTopicEnable (true) */
    int auto_create_group;    /* autoCreateSubscriptionGroup (true) */
    int default_topic_queues; /* defaultTopicQueueNums (8) */
    int long_polling;         /* longPollingEnable (true) */
    int property_filter;      /* enablePropertyFilter: SQL92 subscriptions (false) */
    int filter_retry;         /* filterSupportRetry: SQL92 also on %RETRY% topics (false) */
    int64_t short_polling_ms; /* shortPollingTimeMills (1000) */
    int64_t max_hold_ms;      /* cap on a held pull (25000: clients give up at 30 s) */
    int64_t lock_max_live_ms; /* rocketmq.broker.rebalance.lockMaxLiveTime: queue lock expiry
                                 (60000) */
    char config_path[1024];   /* brokerConfigPath: the file UPDATE_BROKER_CONFIG rewrites; mqbroker
                                 sets the -c file ("": <storePathRootDir>/config/broker.properties) */
    /* The group coordinator (Kafka's group.* broker settings, camelCase or Kafka's name). */
    int64_t group_initial_delay_ms; /* groupInitialRebalanceDelayMs (3000; 0 in tests) */
    int64_t group_min_session_ms;   /* groupMinSessionTimeoutMs (6000) */
    int64_t group_max_session_ms;   /* groupMaxSessionTimeoutMs (1800000) */
    int64_t group_max_size;         /* groupMaxSize: members per group (INT32_MAX) */
    /* The Kafka front-end (Kafka's broker setting names; docs/kafka-compatibility.md). */
    char kafka_listeners[256];    /* listeners (PLAINTEXT://:9092; empty: no Kafka listener) */
    char kafka_advertised[256];   /* advertised.listeners (default: brokerIP1 and the bound
                                     port); after start: the "host:port" announced */
    int64_t kafka_node_id;        /* node.id or broker.id (-1: derived from brokerName/Id) */
    int kafka_auto_create;        /* auto.create.topics.enable (true) */
    int64_t kafka_num_partitions; /* num.partitions (1) */
    /* Delayed messages (docs/delay-retry.md). */
    char delay_levels[512];    /* messageDelayLevel ("1s 5s 10s 30s 1m 2m ... 1h 2h") */
    int timer_enable;          /* timerWheelEnable (true): TIMER_* and __STARTDELIVERTIME */
    int64_t timer_max_delay_s; /* timerMaxDelaySec (259200: 3 days) */
    /* Transactional messages (docs/transactions.md). */
    int64_t txn_timeout_ms;        /* transactionTimeOut: a half is checked after (6000) */
    int64_t txn_check_interval_ms; /* transactionCheckInterval: check passes (60000) */
    int64_t txn_check_max;         /* transactionCheckMax: checks before discarding (15) */
    store_config_t store;          /* the store's keys */
} bk_config_t;

typedef struct bk_s bk_t;

/* Functions used to configure a broker. */
void bk_config_defaults(bk_config_t *cfg);
/* Sets a broker.conf key (the broker's or the store's). Returns MQ_OK, MQ_ENOENT for a key
 * nobody knows (the caller warns), MQ_EINVAL with err filled. */
int bk_config_set(bk_config_t *cfg, const char *key, const char *value, char *err, size_t errlen);
/* messageDelayLevel: RocketMQ's default list, and its parser (bk_delay.c): fills ms[] with each
 * level's delay ("1s", "5m", "2h", "1d", space-separated) and returns the level count, or -1 for
 * a malformed list or one longer than max. */
#define BK_DELAY_LEVELS_DEFAULT "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"
#define BK_DELAY_LEVELS_MAX 64
int bk_delay_levels_parse(const char *spec, int64_t *ms, int max);
/* Loads a Java-style properties file; unknown keys are logged as warnings. */
int bk_config_load(bk_config_t *cfg, const char *path);
void bk_config_foreach(const bk_config_t *cfg,
                       void (*fn)(void *arg, const char *key, const char *value), void *arg);
/* The file UPDATE_BROKER_CONFIG writes: cfg->config_path, else
 * <storePathRootDir>/config/broker.properties (RocketMQ's BrokerPathConfigHelper default). */
void bk_config_file(const bk_config_t *cfg, char *out, size_t n);
/* Rewrites the properties file at path with keys[i]=values[i] (the last of repeated keys wins):
 * a line setting one of the keys gets the new value, every other line stays as it was, keys the
 * file lacks are appended; a missing file is created with a comment line on top. Atomic: a
 * .tmp copy is fsynced and renamed over the file (the old one stays as <path>.bak). Returns
 * MQ_OK or MQ_EIO with err filled. */
int bk_config_persist(const char *path, const char *const *keys, const char *const *values, int n,
                      char *err, size_t errlen);

/* Functions used to run a broker. */
int bk_open(const bk_config_t *cfg, mq_exec_t *exec, bk_t **out); /* opens the store too */
/* Answers held pulls, persists, closes the store. Work it posted may still be queued on the
 * loop: drain the loop (gw_drain) before bk_free. */
void bk_close(bk_t *bk);
void bk_free(bk_t *bk);
mq_service_t *bk_service(bk_t *bk);
store_t *bk_store(bk_t *bk);

/* Builds the REGISTER_BROKER request that announces this broker (its topics and address) into
 * req (allocations in pool). The embedding process sends it to its NameServers every 30 s and
 * whenever the hook set with bk_on_topics_changed fires. */
void bk_registration(bk_t *bk, mq_pool_t *pool, mq_register_broker_t *out);
void bk_on_topics_changed(bk_t *bk, void (*fn)(void *arg), void *arg);

#endif /* MQ_BK_H */
