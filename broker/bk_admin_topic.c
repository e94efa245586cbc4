/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_admin_topic.c -- the broker's admin operations on its configuration tables (RocketMQ's
 * AdminBrokerProcessor): topics (create/update, delete, list, get) and subscription groups
 * (create/update, list, delete). Changes are persisted at once (topics.json,
 * subscriptionGroup.json); a topic change also fires the topics-changed hook so the embedding
 * process re-registers with its NameServers. Replies are structured (req.h); the wire bodies
 * are written by the front-end (protocols/rocketmq/rmq_map_admin.c).
 */
#include <stdio.h>
#include <string.h>

#include "bk_int.h"
#include "mq/log.h"

/* Topics RocketMQ reserves: they cannot be deleted, and UPDATE_AND_CREATE_TOPIC may not
 * redefine them. */
static int
bk_topic_is_system(bk_t *bk, const char *name)
{
    return mq_topic_is_system(mq_str_from_cstr(name), bk->cfg.cluster, bk->cfg.name);
}

/* TopicValidator.validateTopic's charset [%|a-zA-Z0-9_-], 1..255 bytes: RocketMQ allows 127
 * (255 for retry and DLQ topics); the longer names are Kafka topics (up to 249 bytes, stored
 * with record magic v2; docs/kafka-compatibility.md). Copies into name. */
static int
bk_topic_name(mq_str_t topic, char name[256])
{
    if (topic.n == 0 || topic.n > 255)
        return 0;
    for (size_t i = 0; i < topic.n; i++) {
        char ch = topic.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '%' || ch == '|'))
            return 0;
    }
    memcpy(name, topic.p, topic.n);
    name[topic.n] = '\0';
    return 1;
}

static void
bk_topic_info_fill(mq_pool_t *pool, const store_topic_config_t *tc, mq_topic_info_t *out)
{
    memset(out, 0, sizeof(*out));
    out->conf.name = bk_pstr(pool, tc->name);
    out->conf.read_queues = tc->read_queues;
    out->conf.write_queues = tc->write_queues;
    out->conf.perm = tc->perm;
    out->conf.topic_sys_flag = tc->topic_sys_flag;
    out->conf.order = tc->order;
    out->filter_type = bk_pstr(pool, tc->filter_type[0] ? tc->filter_type : "SINGLE_TAG");
    out->attributes = bk_pstr(pool, tc->attributes[0] ? tc->attributes : "{}");
}

static void
bk_topic_upsert(bk_t *bk, mq_req_t *req)
{
    const mq_topic_info_t *ti = &req->u.topic_info;
    store_topic_config_t tc, old;
    char name[256];

    if (!bk_topic_name(ti->conf.name, name)) {
        bk_reply(req, MQ_EINVAL,
                 "The specified topic contains illegal characters or is longer "
                 "than 255 characters");
        return;
    }
    if (bk_topic_is_system(bk, name)) {
        bk_reply(req, MQ_EINVAL, "The topic is conflict with system topic.");
        return;
    }
    if (ti->conf.read_queues <= 0 || ti->conf.write_queues <= 0 || ti->conf.read_queues > 65535 ||
        ti->conf.write_queues > 65535) {
        bk_reply(req, MQ_EINVAL, "readQueueNums and writeQueueNums must be in [1, 65535]");
        return;
    }
    if (ti->conf.perm &
        ~(STORE_PERM_PRIORITY | STORE_PERM_READ | STORE_PERM_WRITE | STORE_PERM_INHERIT)) {
        bk_reply(req, MQ_EINVAL, "perm is not a PermName value");
        return;
    }
    if (ti->filter_type.n && !mq_str_eq(ti->filter_type, MQ_STR("SINGLE_TAG")) &&
        !mq_str_eq(ti->filter_type, MQ_STR("MULTI_TAG"))) {
        bk_reply(req, MQ_EINVAL, "topicFilterType must be SINGLE_TAG or MULTI_TAG");
        return;
    }
    store_topic_config_init(&tc, name, ti->conf.write_queues);
    if (store_topics_get(bk->topics, name, &old) == MQ_OK)
        memcpy(tc.attributes, old.attributes, sizeof(tc.attributes)); /* kept as they were */
    tc.read_queues = ti->conf.read_queues;
    tc.write_queues = ti->conf.write_queues;
    tc.perm = ti->conf.perm;
    tc.topic_sys_flag = ti->conf.topic_sys_flag;
    tc.order = ti->conf.order;
    if (ti->filter_type.n)
        snprintf(tc.filter_type, sizeof(tc.filter_type), "%.*s", (int)ti->filter_type.n,
                 ti->filter_type.p);
    store_topics_put(bk->topics, &tc);
    MQ_LOG_INFO("broker", "topic %s created or updated by an admin (%d/%d queues, perm %d)", name,
                tc.read_queues, tc.write_queues, tc.perm);
    bk_topics_changed(bk);
    bk_reply(req, MQ_OK, NULL);
}

static void
bk_topic_delete(bk_t *bk, mq_req_t *req)
{
    char name[256];

    if (!bk_topic_name(req->u.topic, name)) {
        bk_reply(req, MQ_EINVAL, "The specified topic is blank or illegal.");
        return;
    }
    if (bk_topic_is_system(bk, name)) {
        bk_reply(req, MQ_EINVAL, "The topic is conflict with system topic.");
        return;
    }
    /* as Java: deleting an unknown topic succeeds (mqadmin deletes on every broker) */
    if (store_topics_remove(bk->topics, name) == MQ_OK) {
        store_offsets_remove_topic(bk->offsets, name);
        store_offsets_persist(bk->offsets);
        store_delete_topic(bk->store, req->u.topic);
        MQ_LOG_INFO("broker", "topic %s deleted by an admin", name);
        bk_topics_changed(bk);
    }
    bk_reply(req, MQ_OK, NULL);
}

typedef struct bk_topic_list_s {
    mq_pool_t *pool;
    mq_topic_table_t *t;
    int cap;
} bk_topic_list_t;

static void
bk_topic_list_cb(void *arg, const store_topic_config_t *tc)
{
    bk_topic_list_t *l = arg;
    if (l->t->n < l->cap)
        bk_topic_info_fill(l->pool, tc, &l->t->topics[l->t->n++]);
}

static void
bk_topic_list(bk_t *bk, mq_req_t *req)
{
    mq_rep_t rep;
    store_data_version_t dv;
    bk_topic_list_t l;

    memset(&rep, 0, sizeof(rep));
    store_topics_version(bk->topics, &dv);
    rep.u.topics.version.counter = dv.counter;
    rep.u.topics.version.state_version = dv.state_version;
    rep.u.topics.version.timestamp = dv.timestamp;
    l.pool = req->pool;
    l.t = &rep.u.topics;
    l.cap = store_topics_count(bk->topics) + 16; /* the table is ours: it cannot grow meanwhile */
    rep.u.topics.topics = mq_pcalloc(req->pool, (size_t)l.cap * sizeof(mq_topic_info_t));
    store_topics_foreach(bk->topics, bk_topic_list_cb, &l);
    req->reply(req, MQ_OK, &rep);
}

static void
bk_topic_get_one(bk_t *bk, mq_req_t *req)
{
    store_topic_config_t tc;
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    if (bk_topic_get(bk, req->u.topic, &tc) != MQ_OK) {
        bk_reply(req, MQ_ENOENT, "No topic in this broker.");
        return;
    }
    rep.u.topics.topics = mq_pcalloc(req->pool, sizeof(mq_topic_info_t));
    bk_topic_info_fill(req->pool, &tc, &rep.u.topics.topics[0]);
    rep.u.topics.n = 1;
    req->reply(req, MQ_OK, &rep);
}

/* ---- Subscription groups ---- */

static void
bk_groups_changed(bk_t *bk)
{
    bk->groups_version.counter++;
    bk->groups_version.timestamp = mq_now_ms();
    store_groups_persist(bk->groups_cfg);
}

static void
bk_group_upsert(bk_t *bk, mq_req_t *req)
{
    const mq_group_conf_t *g = &req->u.group_conf;
    store_group_config_t gc;
    char name[256];

    if (g->name.n == 0 || g->name.n > 255 || memchr(g->name.p, '\0', g->name.n)) {
        bk_reply(req, MQ_EINVAL, "groupName is blank or longer than 255 bytes");
        return;
    }
    if (g->retry_queue_nums < 0 || g->retry_max_times < -1 || g->consume_timeout_minute < 0) {
        bk_reply(req, MQ_EINVAL,
                 "retryQueueNums, retryMaxTimes or consumeTimeoutMinute out of "
                 "range");
        return;
    }
    memcpy(name, g->name.p, g->name.n);
    name[g->name.n] = '\0';
    store_group_config_init(&gc, name);
    gc.consume_enable = g->consume_enable;
    gc.consume_from_min_enable = g->consume_from_min_enable;
    gc.consume_broadcast_enable = g->consume_broadcast_enable;
    gc.consume_message_orderly = g->consume_message_orderly;
    gc.retry_queue_nums = g->retry_queue_nums;
    gc.retry_max_times = g->retry_max_times;
    gc.broker_id = g->broker_id;
    gc.which_broker_when_slow = g->which_broker_when_slow;
    gc.notify_consumer_ids_changed = g->notify_consumer_ids_changed;
    gc.group_sys_flag = g->group_sys_flag;
    gc.consume_timeout_minute = g->consume_timeout_minute;
    store_groups_put(bk->groups_cfg, &gc);
    MQ_LOG_INFO("broker", "subscription group %s created or updated by an admin", name);
    bk_groups_changed(bk);
    bk_reply(req, MQ_OK, NULL);
}

typedef struct bk_group_list_s {
    mq_pool_t *pool;
    mq_group_table_t *t;
    int cap;
} bk_group_list_t;

static void
bk_group_list_cb(void *arg, const store_group_config_t *gc)
{
    bk_group_list_t *l = arg;
    mq_group_conf_t *g;
    if (l->t->n == l->cap) { /* grow: the table has no count accessor */
        mq_group_conf_t *bigger = mq_pcalloc(l->pool, (size_t)l->cap * 2 * sizeof(*bigger));
        memcpy(bigger, l->t->groups, (size_t)l->cap * sizeof(*bigger));
        l->t->groups = bigger;
        l->cap *= 2;
    }
    g = &l->t->groups[l->t->n++];
    g->name = bk_pstr(l->pool, gc->name);
    g->consume_enable = gc->consume_enable;
    g->consume_from_min_enable = gc->consume_from_min_enable;
    g->consume_broadcast_enable = gc->consume_broadcast_enable;
    g->consume_message_orderly = gc->consume_message_orderly;
    g->retry_queue_nums = gc->retry_queue_nums;
    g->retry_max_times = gc->retry_max_times;
    g->broker_id = gc->broker_id;
    g->which_broker_when_slow = gc->which_broker_when_slow;
    g->notify_consumer_ids_changed = gc->notify_consumer_ids_changed;
    g->group_sys_flag = gc->group_sys_flag;
    g->consume_timeout_minute = gc->consume_timeout_minute;
}

static void
bk_group_list(bk_t *bk, mq_req_t *req)
{
    mq_rep_t rep;
    bk_group_list_t l;

    memset(&rep, 0, sizeof(rep));
    rep.u.groups.version = bk->groups_version;
    l.pool = req->pool;
    l.t = &rep.u.groups;
    l.cap = 16;
    rep.u.groups.groups = mq_pcalloc(req->pool, (size_t)l.cap * sizeof(mq_group_conf_t));
    store_groups_foreach(bk->groups_cfg, bk_group_list_cb, &l);
    req->reply(req, MQ_OK, &rep);
}

static void
bk_group_delete(bk_t *bk, mq_req_t *req)
{
    const mq_group_delete_t *d = &req->u.group_delete;
    char *name = mq_pstrdup(req->pool, d->group);

    if (d->group.n == 0 || d->group.n > 255) {
        bk_reply(req, MQ_EINVAL, "groupName is blank or longer than 255 bytes");
        return;
    }
    /* as Java: deleting an unknown group succeeds */
    if (store_groups_remove(bk->groups_cfg, name) == MQ_OK) {
        MQ_LOG_INFO("broker", "subscription group %s deleted by an admin", name);
        bk_groups_changed(bk);
    }
    if (d->clean_offset) {
        store_offsets_remove_group(bk->offsets, name);
        store_offsets_persist(bk->offsets);
    }
    bk_reply(req, MQ_OK, NULL);
}

void
bk_handle_admin_topic(bk_t *bk, mq_req_t *req)
{
    switch (req->op) {
    case MQ_OP_TOPIC_UPSERT:
        bk_topic_upsert(bk, req);
        break;
    case MQ_OP_TOPIC_DELETE:
        bk_topic_delete(bk, req);
        break;
    case MQ_OP_TOPIC_CONFIG_LIST:
        bk_topic_list(bk, req);
        break;
    case MQ_OP_TOPIC_CONFIG_GET:
        bk_topic_get_one(bk, req);
        break;
    case MQ_OP_GROUP_UPSERT:
        bk_group_upsert(bk, req);
        break;
    case MQ_OP_GROUP_CONFIG_LIST:
        bk_group_list(bk, req);
        break;
    case MQ_OP_GROUP_DELETE:
        bk_group_delete(bk, req);
        break;
    default:
        bk_reply(req, MQ_DECLINED, "operation not served by the broker");
        break;
    }
}
