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
    store_meta_table_t table; /* the generic named table */
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
    return json_pack(
        "{sIsbsbsbsbsisssbsisisIsi}", "brokerId", (json_int_t)gc->broker_id,
        "consumeBroadcastEnable", gc->consume_broadcast_enable != 0, "consumeEnable",
        gc->consume_enable != 0, "consumeFromMinEnable", gc->consume_from_min_enable != 0,
        "consumeMessageOrderly", gc->consume_message_orderly != 0, "consumeTimeoutMinute",
        gc->consume_timeout_minute, "groupName", gc->name, "notifyConsumerIdsChangedEnable",
        gc->notify_consumer_ids_changed != 0, "retryMaxTimes", gc->retry_max_times,
        "retryQueueNums", gc->retry_queue_nums, "whichBrokerWhenConsumeSlowly",
        (json_int_t)gc->which_broker_when_slow, "groupSysFlag", gc->group_sys_flag);
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

static const char *
store_group_name(const void *item)
{
    return ((const store_group_config_t *)item)->name;
}

static json_t *
store_group_to_json(const void *item)
{
    return store_group_json(item);
}

static void
store_group_from_json_cb(void *item, const char *key, json_t *obj)
{
    store_group_from_json(item, key, obj);
}

static const store_meta_type_t store_groups_type = {
    "subscriptionGroup.json", "subscriptionGroupTable", sizeof(store_group_config_t),
    store_group_name,         store_group_to_json,      store_group_from_json_cb,
};

int
store_groups_load(const char *root_dir, store_groups_t **out)
{
    store_groups_t *t = mq_xcalloc(1, sizeof(*t));
    int rc = store_meta_table_load(&t->table, &store_groups_type, root_dir);
    if (rc != MQ_OK) {
        store_groups_free(t);
        t = NULL;
    }
    *out = t;
    return rc;
}

void
store_groups_free(store_groups_t *t)
{
    if (t) {
        store_meta_table_fini(&t->table);
        free(t);
    }
}

int
store_groups_get(store_groups_t *t, const char *name, store_group_config_t *out)
{
    return store_meta_table_get(&t->table, name, out);
}

void
store_groups_put(store_groups_t *t, const store_group_config_t *c)
{
    store_meta_table_put(&t->table, c);
}

int
store_groups_remove(store_groups_t *t, const char *name)
{
    return store_meta_table_remove(&t->table, name);
}

typedef struct store_groups_visit_s {
    void (*fn)(void *arg, const store_group_config_t *c); /* the caller's visitor */
    void *arg;                                            /* its argument */
} store_groups_visit_t;

static void
store_groups_visit(void *arg, const void *item)
{
    store_groups_visit_t *v = arg;
    v->fn(v->arg, item);
}

void
store_groups_foreach(store_groups_t *t, void (*fn)(void *arg, const store_group_config_t *c),
                     void *arg)
{
    store_groups_visit_t v = {fn, arg};
    store_meta_table_foreach(&t->table, store_groups_visit, &v);
}

void
store_groups_encode(store_groups_t *t, mq_buf_t *out)
{
    store_meta_table_encode(&t->table, out);
}

int
store_groups_persist(store_groups_t *t)
{
    return store_meta_table_persist(&t->table);
}
