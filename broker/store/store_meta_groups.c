/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta_groups.c -- consumer group configs and config/subscriptionGroup.json (RocketMQ's
 * SubscriptionGroupManager): {"dataVersion":{...},"subscriptionGroupTable":{"g":{...}}} with
 * SubscriptionGroupConfig's fields and defaults.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
#include "mq/strmap.h"
#include "store_meta_int.h"

struct store_groups_s {
    pthread_mutex_t persist_mu; /* one file write at a time */
    pthread_mutex_t mu;         /* guards everything below */
    char *root;                 /* store root */
    mq_strmap_t map;            /* name -> store_group_config_t* (owned) */
    store_data_version_t dv;    /* dataVersion */
};

void
store_group_config_init(store_group_config_t *gc, const char *name)
{
    memset(gc, 0, sizeof(*gc));
    snprintf(gc->name, sizeof(gc->name), "%s", name);
    gc->consume_enable = 1;
    gc->consume_from_min_enable = 1;
    gc->consume_broadcast_enable = 1;
    gc->retry_queue_nums = 1;
    gc->retry_max_times = 16;
    gc->broker_id = 0;
    gc->which_broker_when_slow = 1;
    gc->notify_consumer_ids_changed = 1;
    gc->consume_timeout_minute = 15;
}

static json_t *
store_group_json(const store_group_config_t *gc)
{
    return json_pack("{sIsbsbsbsbsisssbsisisIsi}", "brokerId", (json_int_t)gc->broker_id,
                     "consumeBroadcastEnable", gc->consume_broadcast_enable != 0, "consumeEnable",
                     gc->consume_enable != 0, "consumeFromMinEnable",
                     gc->consume_from_min_enable != 0, "consumeMessageOrderly",
                     gc->consume_message_orderly != 0, "consumeTimeoutMinute",
                     gc->consume_timeout_minute, "groupName", gc->name,
                     "notifyConsumerIdsChangedEnable", gc->notify_consumer_ids_changed != 0,
                     "retryMaxTimes", gc->retry_max_times, "retryQueueNums", gc->retry_queue_nums,
                     "whichBrokerWhenConsumeSlowly", (json_int_t)gc->which_broker_when_slow,
                     "groupSysFlag", gc->group_sys_flag);
}

static void
store_group_from_json(store_group_config_t *gc, const char *key, json_t *o)
{
    json_t *name = json_object_get(o, "groupName");
    store_group_config_init(gc, json_is_string(name) ? json_string_value(name) : key);
    gc->consume_enable = store_meta_bool(o, "consumeEnable", 1);
    gc->consume_from_min_enable = store_meta_bool(o, "consumeFromMinEnable", 1);
    gc->consume_broadcast_enable = store_meta_bool(o, "consumeBroadcastEnable", 1);
    gc->consume_message_orderly = store_meta_bool(o, "consumeMessageOrderly", 0);
    gc->retry_queue_nums = (int32_t)store_meta_int(o, "retryQueueNums", 1);
    gc->retry_max_times = (int32_t)store_meta_int(o, "retryMaxTimes", 16);
    gc->broker_id = store_meta_int(o, "brokerId", 0);
    gc->which_broker_when_slow = store_meta_int(o, "whichBrokerWhenConsumeSlowly", 1);
    gc->notify_consumer_ids_changed = store_meta_bool(o, "notifyConsumerIdsChangedEnable", 1);
    gc->group_sys_flag = (int32_t)store_meta_int(o, "groupSysFlag", 0);
    gc->consume_timeout_minute = (int32_t)store_meta_int(o, "consumeTimeoutMinute", 15);
}

int
store_groups_load(const char *root_dir, store_groups_t **out)
{
    store_groups_t *g = mq_xcalloc(1, sizeof(*g));
    json_t *j = NULL, *table, *val;
    const char *key;
    int rc;

    pthread_mutex_init(&g->mu, NULL);
    pthread_mutex_init(&g->persist_mu, NULL);
    g->root = mq_xstrdup(root_dir);
    mq_strmap_init(&g->map);
    rc = store_meta_load(root_dir, "subscriptionGroup.json", &j);
    if (rc == MQ_ECORRUPT) {
        store_groups_free(g);
        *out = NULL;
        return rc;
    }
    if (j) {
        store_meta_version_read(json_object_get(j, "dataVersion"), &g->dv);
        table = json_object_get(j, "subscriptionGroupTable");
        json_object_foreach(table, key, val) {
            store_group_config_t *gc;
            if (!json_is_object(val))
                continue;
            gc = mq_xmalloc(sizeof(*gc));
            store_group_from_json(gc, key, val);
            free(mq_strmap_put(&g->map, mq_str_from_cstr(gc->name), gc));
        }
        json_decref(j);
    }
    *out = g;
    return MQ_OK;
}

void
store_groups_free(store_groups_t *g)
{
    if (!g)
        return;
    mq_strmap_fini(&g->map, free);
    free(g->root);
    pthread_mutex_destroy(&g->mu);
    pthread_mutex_destroy(&g->persist_mu);
    free(g);
}

int
store_groups_get(store_groups_t *g, const char *name, store_group_config_t *out)
{
    store_group_config_t *gc;
    pthread_mutex_lock(&g->mu);
    gc = mq_strmap_get(&g->map, mq_str_from_cstr(name));
    if (gc)
        *out = *gc;
    pthread_mutex_unlock(&g->mu);
    return gc ? MQ_OK : MQ_ENOENT;
}

void
store_groups_put(store_groups_t *g, const store_group_config_t *gc)
{
    store_group_config_t *copy = mq_xmalloc(sizeof(*copy));
    *copy = *gc;
    pthread_mutex_lock(&g->mu);
    free(mq_strmap_put(&g->map, mq_str_from_cstr(copy->name), copy));
    store_meta_version_bump(&g->dv);
    pthread_mutex_unlock(&g->mu);
}

int
store_groups_remove(store_groups_t *g, const char *name)
{
    store_group_config_t *gc;
    pthread_mutex_lock(&g->mu);
    gc = mq_strmap_remove(&g->map, mq_str_from_cstr(name));
    if (gc)
        store_meta_version_bump(&g->dv);
    pthread_mutex_unlock(&g->mu);
    free(gc);
    return gc ? MQ_OK : MQ_ENOENT;
}

void
store_groups_foreach(store_groups_t *g, void (*fn)(void *arg, const store_group_config_t *gc),
                     void *arg)
{
    size_t it = 0;
    mq_str_t k;
    void *v;
    pthread_mutex_lock(&g->mu);
    while (mq_strmap_next(&g->map, &it, &k, &v))
        fn(arg, v);
    pthread_mutex_unlock(&g->mu);
}

/* mu held */
static json_t *
store_groups_json(store_groups_t *g)
{
    json_t *table = json_object();
    size_t it = 0;
    mq_str_t k;
    void *v;
    while (mq_strmap_next(&g->map, &it, &k, &v))
        json_object_set_new(table, ((store_group_config_t *)v)->name, store_group_json(v));
    return json_pack("{soso}", "dataVersion", store_meta_version_json(&g->dv),
                     "subscriptionGroupTable", table);
}

void
store_groups_encode(store_groups_t *g, mq_buf_t *out)
{
    json_t *j;
    pthread_mutex_lock(&g->mu);
    j = store_groups_json(g);
    pthread_mutex_unlock(&g->mu);
    store_meta_dump(j, out, 0);
}

int
store_groups_persist(store_groups_t *g)
{
    json_t *j;
    int rc;
    pthread_mutex_lock(&g->persist_mu);
    pthread_mutex_lock(&g->mu);
    j = store_groups_json(g);
    pthread_mutex_unlock(&g->mu);
    rc = store_meta_save(g->root, "subscriptionGroup.json", j);
    pthread_mutex_unlock(&g->persist_mu);
    return rc;
}
