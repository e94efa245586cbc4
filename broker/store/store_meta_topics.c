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
    pthread_mutex_t persist_mu; /* one file write at a time */
    pthread_mutex_t mu;       /* guards everything below */
    char *root;               /* store root */
    mq_strmap_t map;          /* name -> store_topic_config_t* (owned) */
    store_data_version_t dv;  /* dataVersion */
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
    return json_pack("{sosbsisisssssisi}", "attributes", attrs, "order", tc->order != 0,
                     "perm", tc->perm, "readQueueNums", tc->read_queues, "topicFilterType",
                     tc->filter_type, "topicName", tc->name, "topicSysFlag", tc->topic_sys_flag,
                     "writeQueueNums", tc->write_queues);
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

int
store_topics_load(const char *root_dir, store_topics_t **out)
{
    store_topics_t *t = mq_xcalloc(1, sizeof(*t));
    json_t *j = NULL, *table;
    const char *key;
    json_t *val;
    int rc;

    pthread_mutex_init(&t->mu, NULL);
    pthread_mutex_init(&t->persist_mu, NULL);
    t->root = mq_xstrdup(root_dir);
    mq_strmap_init(&t->map);
    rc = store_meta_load(root_dir, "topics.json", &j);
    if (rc == MQ_ECORRUPT) {
        store_topics_free(t);
        *out = NULL;
        return rc;
    }
    if (j) {
        store_meta_version_read(json_object_get(j, "dataVersion"), &t->dv);
        table = json_object_get(j, "topicConfigTable");
        json_object_foreach(table, key, val) {
            store_topic_config_t *tc = mq_xmalloc(sizeof(*tc));
            if (!json_is_object(val)) {
                free(tc);
                continue;
            }
            store_topic_from_json(tc, key, val);
            free(mq_strmap_put(&t->map, mq_str_from_cstr(tc->name), tc));
        }
        json_decref(j);
    }
    *out = t;
    return MQ_OK;
}

void
store_topics_free(store_topics_t *t)
{
    if (!t)
        return;
    mq_strmap_fini(&t->map, free);
    free(t->root);
    pthread_mutex_destroy(&t->mu);
    pthread_mutex_destroy(&t->persist_mu);
    free(t);
}

int
store_topics_get(store_topics_t *t, const char *name, store_topic_config_t *out)
{
    store_topic_config_t *tc;
    pthread_mutex_lock(&t->mu);
    tc = mq_strmap_get(&t->map, mq_str_from_cstr(name));
    if (tc)
        *out = *tc;
    pthread_mutex_unlock(&t->mu);
    return tc ? MQ_OK : MQ_ENOENT;
}

void
store_topics_put(store_topics_t *t, const store_topic_config_t *tc)
{
    store_topic_config_t *copy = mq_xmalloc(sizeof(*copy));
    *copy = *tc;
    pthread_mutex_lock(&t->mu);
    free(mq_strmap_put(&t->map, mq_str_from_cstr(copy->name), copy));
    store_meta_version_bump(&t->dv);
    pthread_mutex_unlock(&t->mu);
}

int
store_topics_remove(store_topics_t *t, const char *name)
{
    store_topic_config_t *tc;
    pthread_mutex_lock(&t->mu);
    tc = mq_strmap_remove(&t->map, mq_str_from_cstr(name));
    if (tc)
        store_meta_version_bump(&t->dv);
    pthread_mutex_unlock(&t->mu);
    free(tc);
    return tc ? MQ_OK : MQ_ENOENT;
}

int
store_topics_count(store_topics_t *t)
{
    int n;
    pthread_mutex_lock(&t->mu);
    n = (int)t->map.count;
    pthread_mutex_unlock(&t->mu);
    return n;
}

void
store_topics_foreach(store_topics_t *t, void (*fn)(void *arg, const store_topic_config_t *tc),
                     void *arg)
{
    size_t it = 0;
    mq_str_t k;
    void *v;
    pthread_mutex_lock(&t->mu);
    while (mq_strmap_next(&t->map, &it, &k, &v))
        fn(arg, v);
    pthread_mutex_unlock(&t->mu);
}

void
store_topics_version(store_topics_t *t, store_data_version_t *dv)
{
    pthread_mutex_lock(&t->mu);
    *dv = t->dv;
    pthread_mutex_unlock(&t->mu);
}

/* Builds the wrapper object; t->mu held. */
static json_t *
store_topics_json(store_topics_t *t)
{
    json_t *table = json_object();
    size_t it = 0;
    mq_str_t k;
    void *v;
    while (mq_strmap_next(&t->map, &it, &k, &v))
        json_object_set_new(table, ((store_topic_config_t *)v)->name, store_topic_json(v));
    return json_pack("{soso}", "dataVersion", store_meta_version_json(&t->dv),
                     "topicConfigTable", table);
}

void
store_topics_encode(store_topics_t *t, mq_buf_t *out)
{
    json_t *j;
    pthread_mutex_lock(&t->mu);
    j = store_topics_json(t);
    pthread_mutex_unlock(&t->mu);
    store_meta_dump(j, out, 0);
}

int
store_topics_persist(store_topics_t *t)
{
    json_t *j;
    int rc;
    pthread_mutex_lock(&t->persist_mu);
    pthread_mutex_lock(&t->mu);
    j = store_topics_json(t);
    pthread_mutex_unlock(&t->mu);
    rc = store_meta_save(t->root, "topics.json", j);
    pthread_mutex_unlock(&t->persist_mu);
    return rc;
}
