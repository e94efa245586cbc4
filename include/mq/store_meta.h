/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta.h -- the broker's metadata tables, persisted as RocketMQ names them under
 * <storePathRootDir>/config/ (rocketmq-protocol.md section 5.6):
 *
 *   topics.json             topic configs: queue counts, permissions, order, attributes
 *   consumerOffset.json     committed consumer offsets: "topic@group" -> queue -> offset
 *   subscriptionGroup.json  consumer group configs: retry queues, max retries, ...
 *
 * Files are standard JSON (quoted keys; RocketMQ's fastjson writes integer map keys unquoted,
 * and we read that form too). Each write is atomic: write <file>.tmp, fsync, move the old file
 * to <file>.bak, rename the temp file into place, fsync the directory. Loading falls back to
 * .tmp then .bak when a file is missing or unreadable, with a log line naming the file.
 * Every table is thread-safe; persist() writes a consistent snapshot. The implementation is
 * in broker/store/store_meta_*.c and uses jansson, which this header does not expose.
 */
#ifndef MQ_STORE_META_H
#define MQ_STORE_META_H

#include <stdint.h>

#include "mq/buf.h"
#include "mq/common.h"

/* DataVersion: bumped on every change; brokers send it to the NameServer. */
typedef struct store_data_version_s {
    int64_t counter;       /* changes so far */
    int64_t state_version; /* RocketMQ 5 stateVersion (0) */
    int64_t timestamp;     /* ms of the last change */
} store_data_version_t;

/* PermName bits. */
#define STORE_PERM_PRIORITY 8
#define STORE_PERM_READ 4
#define STORE_PERM_WRITE 2
#define STORE_PERM_INHERIT 1

/* ---- topics.json ---- */

typedef struct store_topic_config_s {
    char name[256];         /* topicName */
    int32_t read_queues;    /* readQueueNums */
    int32_t write_queues;   /* writeQueueNums */
    int32_t perm;           /* perm: STORE_PERM_* bits */
    int32_t topic_sys_flag; /* topicSysFlag */
    int order;              /* order */
    char filter_type[16];   /* topicFilterType: SINGLE_TAG or MULTI_TAG */
    char attributes[1024];  /* attributes as a JSON object text, "{}" when none */
} store_topic_config_t;

typedef struct store_topics_s store_topics_t;

/* Functions used to manage the topic table. */
void store_topic_config_init(store_topic_config_t *tc, const char *name, int32_t queues);
int store_topics_load(const char *root_dir, store_topics_t **out); /* empty table if no file */
void store_topics_free(store_topics_t *t);
int store_topics_get(store_topics_t *t, const char *name,
                     store_topic_config_t *out);                          /* MQ_ENOENT */
void store_topics_put(store_topics_t *t, const store_topic_config_t *tc); /* insert or replace */
int store_topics_remove(store_topics_t *t, const char *name);
int store_topics_count(store_topics_t *t);
void store_topics_foreach(store_topics_t *t, void (*fn)(void *arg, const store_topic_config_t *tc),
                          void *arg);
void store_topics_version(store_topics_t *t, store_data_version_t *dv);
/* Appends the TopicConfigSerializeWrapper JSON ({"dataVersion":..,"topicConfigTable":..}). */
void store_topics_encode(store_topics_t *t, mq_buf_t *out);
int store_topics_persist(store_topics_t *t);

/* ---- consumerOffset.json ---- */

typedef struct store_offsets_s store_offsets_t;

int store_offsets_load(const char *root_dir, store_offsets_t **out);
void store_offsets_free(store_offsets_t *o);
/* Stores the next offset to consume; negative offsets are ignored (ali-ons commits -1). */
void store_offsets_commit(store_offsets_t *o, const char *group, const char *topic, int32_t qid,
                          int64_t offset);
int64_t store_offsets_query(store_offsets_t *o, const char *group, const char *topic,
                            int32_t qid); /* -1 when none */
void store_offsets_remove_group(store_offsets_t *o, const char *group);
void store_offsets_remove_topic(store_offsets_t *o, const char *topic);
void store_offsets_foreach(store_offsets_t *o,
                           void (*fn)(void *arg, const char *group, const char *topic, int32_t qid,
                                      int64_t offset),
                           void *arg);
void store_offsets_encode(store_offsets_t *o, mq_buf_t *out);
int store_offsets_persist(store_offsets_t *o);

/* ---- subscriptionGroup.json ---- */

typedef struct store_group_config_s {
    char name[256];                  /* groupName */
    int consume_enable;              /* consumeEnable (true) */
    int consume_from_min_enable;     /* consumeFromMinEnable (true) */
    int consume_broadcast_enable;    /* consumeBroadcastEnable (true) */
    int consume_message_orderly;     /* consumeMessageOrderly (false) */
    int32_t retry_queue_nums;        /* retryQueueNums (1) */
    int32_t retry_max_times;         /* retryMaxTimes (16) */
    int64_t broker_id;               /* brokerId (0) */
    int64_t which_broker_when_slow;  /* whichBrokerWhenConsumeSlowly (1) */
    int notify_consumer_ids_changed; /* notifyConsumerIdsChangedEnable (true) */
    int32_t group_sys_flag;          /* groupSysFlag (0) */
    int32_t consume_timeout_minute;  /* consumeTimeoutMinute (15) */
} store_group_config_t;

typedef struct store_groups_s store_groups_t;

void store_group_config_init(store_group_config_t *gc, const char *name);
int store_groups_load(const char *root_dir, store_groups_t **out);
void store_groups_free(store_groups_t *g);
int store_groups_get(store_groups_t *g, const char *name, store_group_config_t *out);
void store_groups_put(store_groups_t *g, const store_group_config_t *gc);
int store_groups_remove(store_groups_t *g, const char *name);
void store_groups_foreach(store_groups_t *g, void (*fn)(void *arg, const store_group_config_t *gc),
                          void *arg);
void store_groups_encode(store_groups_t *g, mq_buf_t *out);
int store_groups_persist(store_groups_t *g);

/* ---- Atomic JSON files (shared by the tables, usable for other config files) ---- */

/* Writes text to path atomically (tmp + fsync + .bak + rename + dir fsync). */
int store_json_file_write(const char *path, const char *text, size_t len);
/* Reads path (or, failing that, path.tmp then path.bak) into a NUL-terminated heap string that
 * parses as JSON once integer keys are quoted. Returns MQ_OK, MQ_ENOENT (none exists) or
 * MQ_ECORRUPT (all unreadable; logged). */
int store_json_file_read(const char *path, char **text);
/* Returns a heap copy of json with bare integer object keys quoted ({0:1} -> {"0":1}). */
char *store_json_quote_int_keys(const char *json);

#endif /* MQ_STORE_META_H */
