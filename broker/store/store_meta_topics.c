/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta_topics.c -- the topic table and config/topics.json (RocketMQ's TopicConfigManager
 * file): {"dataVersion":{...},"topicConfigTable":{"T":{"attributes":{},"order":false,"perm":6,
 * "readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,
 * "writeQueueNums":4}}}. The same wrapper is the GET_ALL_TOPIC_CONFIG body.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
#include "mq/strmap.h"
#include "store_meta_int.h"

struct store_topics_s {
    store_meta_table_t table; /* the generic named table */
};

void
store_topic_config_init(store_topic_config_t *tc, const char *name, int32_t queues)
{
    memset(tc, 0, sizeof(*tc));
    snprintf(tc->name, sizeof(tc->name), "%s", name);
    tc->read_queues = tc->write_queues = queues;
    tc->perm = STORE_PERM_READ | STORE_PERM_WRITE;
    snprintf(tc->filter_type, sizeof(tc->filter_type), "SINGLE_TAG");
    snprintf(tc->attributes, sizeof(tc->attributes), "{}");
}

static json_t *
store_topic_json(const store_topic_config_t *tc)
{
    json_t *attrs = json_loads(tc->attributes, 0, NULL);
    if (!json_is_object(attrs)) {
        json_decref(attrs);
        attrs = json_object();
    }
    return json_pack("{sosbsisisssssisi}", "attributes", attrs, "order", tc->order != 0, "perm",
                     tc->perm, "readQueueNums", tc->read_queues, "topicFilterType", tc->filter_type,
                     "topicName", tc->name, "topicSysFlag", tc->topic_sys_flag, "writeQueueNums",
                     tc->write_queues);
}

static void
store_topic_from_json(store_topic_config_t *tc, const char *key, json_t *o)
{
    json_t *name = json_object_get(o, "topicName");
    json_t *ft = json_object_get(o, "topicFilterType");
    json_t *attrs = json_object_get(o, "attributes");
    store_topic_config_init(tc, json_is_string(name) ? json_string_value(name) : key, 0);
    tc->read_queues = (int32_t)store_meta_int(o, "readQueueNums", 16);
    tc->write_queues = (int32_t)store_meta_int(o, "writeQueueNums", 16);
    tc->perm = (int32_t)store_meta_int(o, "perm", 6);
    tc->topic_sys_flag = (int32_t)store_meta_int(o, "topicSysFlag", 0);
    tc->order = store_meta_bool(o, "order", 0);
    if (json_is_string(ft))
        snprintf(tc->filter_type, sizeof(tc->filter_type), "%s", json_string_value(ft));
    if (json_is_object(attrs)) {
        char *s = json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
        if (s && strlen(s) < sizeof(tc->attributes))
            snprintf(tc->attributes, sizeof(tc->attributes), "%s", s);
        free(s);
    }
}

static const char *
store_topic_name(const void *item)
{
    return ((const store_topic_config_t *)item)->name;
}

static json_t *
store_topic_to_json(const void *item)
{
    return store_topic_json(item);
}

static void
store_topic_from_json_cb(void *item, const char *key, json_t *obj)
{
    store_topic_from_json(item, key, obj);
}

static const store_meta_type_t store_topics_type = {
    "topics.json",    "topicConfigTable",  sizeof(store_topic_config_t),
    store_topic_name, store_topic_to_json, store_topic_from_json_cb,
};

int
store_topics_load(const char *root_dir, store_topics_t **out)
{
    store_topics_t *t = mq_xcalloc(1, sizeof(*t));
    int rc = store_meta_table_load(&t->table, &store_topics_type, root_dir);
    if (rc != MQ_OK) {
        store_topics_free(t);
        t = NULL;
    }
    *out = t;
    return rc;
}

void
store_topics_free(store_topics_t *t)
{
    if (t) {
        store_meta_table_fini(&t->table);
        free(t);
    }
}

int
store_topics_get(store_topics_t *t, const char *name, store_topic_config_t *out)
{
    return store_meta_table_get(&t->table, name, out);
}

void
store_topics_put(store_topics_t *t, const store_topic_config_t *c)
{
    store_meta_table_put(&t->table, c);
}

int
store_topics_remove(store_topics_t *t, const char *name)
{
    return store_meta_table_remove(&t->table, name);
}

typedef struct store_topics_visit_s {
    void (*fn)(void *arg, const store_topic_config_t *c); /* the caller's visitor */
    void *arg;                                            /* its argument */
} store_topics_visit_t;

static void
store_topics_visit(void *arg, const void *item)
{
    store_topics_visit_t *v = arg;
    v->fn(v->arg, item);
}

void
store_topics_foreach(store_topics_t *t, void (*fn)(void *arg, const store_topic_config_t *c),
                     void *arg)
{
    store_topics_visit_t v = {fn, arg};
    store_meta_table_foreach(&t->table, store_topics_visit, &v);
}

void
store_topics_encode(store_topics_t *t, mq_buf_t *out)
{
    store_meta_table_encode(&t->table, out);
}

int
store_topics_persist(store_topics_t *t)
{
    return store_meta_table_persist(&t->table);
}

int
store_topics_count(store_topics_t *t)
{
    return store_meta_table_count(&t->table);
}

void
store_topics_version(store_topics_t *t, store_data_version_t *dv)
{
    store_meta_table_version(&t->table, dv);
}
