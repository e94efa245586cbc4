/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map_admin.c -- the broker's admin request codes <-> the request model (rmq_map_admin.h
 * lists them), answered the way the Java broker's AdminBrokerProcessor and
 * QueryMessageProcessor answer: request headers read by their Java field names (numbers as
 * JSON numbers or strings, booleans as Boolean.parseBoolean), bodies written as fastjson
 * writes them (fields in alphabetical order, no spaces).
 *
 * Maps keyed by MessageQueue (ConsumeStats, TopicStatsTable, ResetOffsetBody) are written as
 * fastjson does by default: the key is the MessageQueue's own JSON object, unquoted --
 * {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{...}}}. That is not standard
 * JSON, but it is what the Java broker sends for these Map<MessageQueue, ...> fields and what
 * Java's admin tools read back (fastjson accepts object keys); a client with a strict JSON
 * parser could not read the Java broker's answer either.
 *
 * Error codes follow Java: most admin refusals are SYSTEM_ERROR with a remark (MQ_EPERM, a config
 * key that cannot change at run time, is NO_PERMISSION as for Java's black list); an unknown topic
 * is TOPIC_NOT_EXIST for GET_TOPIC_CONFIG / GET_TOPIC_STATS_INFO, a group without clients is
 * CONSUMER_NOT_ONLINE, a query that found nothing is QUERY_NOT_FOUND. Pure functions.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rmq_codes.h"
#include "rmq_fields.h"
#include "rmq_map_admin.h"

#define RMQ_CONFIG_MAX_PAIRS 256 /* keys accepted in one UPDATE_BROKER_CONFIG */

/* ---- Bodies read: SubscriptionGroupConfig, properties ---- */

static int
rmq_j_bool(json_t *o, const char *key, int dflt)
{
    json_t *v = json_object_get(o, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_string(v))
        return strcasecmp(json_string_value(v), "true") == 0;
    return dflt;
}

static int64_t
rmq_j_int(json_t *o, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    return dflt;
}

static int32_t
rmq_j_i32(json_t *o, const char *key, int32_t dflt)
{
    int64_t x = rmq_j_int(o, key, dflt);
    return x < INT32_MIN || x > INT32_MAX ? dflt : (int32_t)x;
}

/* UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body; absent fields take SubscriptionGroupConfig's
 * defaults. */
static int
rmq_map_group_upsert(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    mq_group_conf_t *g = &req->u.group_conf;
    json_t *root = json_loadb(c->body.p, c->body.n, 0, NULL), *name;
    int rc = MQ_EINVAL;

    req->op = MQ_OP_GROUP_UPSERT;
    memset(g, 0, sizeof(*g));
    name = json_object_get(root, "groupName");
    if (!json_is_object(root) || !json_is_string(name) || json_string_length(name) == 0) {
        *why = "body groupName";
        goto out;
    }
    g->name.n = json_string_length(name);
    g->name.p = mq_pstrdup(pool, (mq_str_t){json_string_value(name), g->name.n});
    g->consume_enable = rmq_j_bool(root, "consumeEnable", 1);
    g->consume_from_min_enable = rmq_j_bool(root, "consumeFromMinEnable", 1);
    g->consume_broadcast_enable = rmq_j_bool(root, "consumeBroadcastEnable", 1);
    g->consume_message_orderly = rmq_j_bool(root, "consumeMessageOrderly", 0);
    g->retry_queue_nums = rmq_j_i32(root, "retryQueueNums", 1);
    g->retry_max_times = rmq_j_i32(root, "retryMaxTimes", 16);
    g->broker_id = rmq_j_int(root, "brokerId", 0);
    g->which_broker_when_slow = rmq_j_int(root, "whichBrokerWhenConsumeSlowly", 1);
    g->notify_consumer_ids_changed = rmq_j_bool(root, "notifyConsumerIdsChangedEnable", 1);
    g->group_sys_flag = rmq_j_i32(root, "groupSysFlag", 0);
    g->consume_timeout_minute = rmq_j_i32(root, "consumeTimeoutMinute", 15);
    rc = MQ_OK;
out:
    json_decref(root);
    return rc;
}

static mq_str_t
rmq_trim(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\f' || *p == '\r'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\f' || end[-1] == '\r'))
        end--;
    return (mq_str_t){p, (size_t)(end - p)};
}

int
rmq_properties_parse(mq_str_t text, mq_pool_t *pool, int max_pairs, mq_str_list_t *out)
{
    const char *p = text.p, *end = text.p + text.n;
    int cap = 16, pairs = 0;

    out->n = 0;
    out->items = mq_palloc(pool, (size_t)cap * 2 * sizeof(mq_str_t));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end, *sep;
        mq_str_t line = rmq_trim(p, eol);
        p = nl ? nl + 1 : end;
        if (line.n == 0 || line.p[0] == '#' || line.p[0] == '!')
            continue;
        sep = memchr(line.p, '=', line.n);
        if (!sep)
            sep = memchr(line.p, ':', line.n);
        if (!sep || sep == line.p || pairs >= max_pairs)
            return -1;
        if (pairs == cap) {
            mq_str_t *bigger = mq_palloc(pool, (size_t)cap * 4 * sizeof(*bigger));
            memcpy(bigger, out->items, (size_t)cap * 2 * sizeof(*bigger));
            out->items = bigger;
            cap *= 2;
        }
        out->items[2 * pairs] = rmq_trim(line.p, sep);
        out->items[2 * pairs + 1] = rmq_trim(sep + 1, line.p + line.n);
        if (out->items[2 * pairs].n == 0) /* defensive: a key of white space only */
            return -1;
        pairs++;
    }
    out->n = 2 * pairs; /* mq_str_list_t counts items: keys and values */
    return pairs;
}

/* ---- Requests ---- */

static int
rmq_map_topic_upsert(const rmq_cmd_t *c, mq_req_t *req, const char **why)
{
    mq_topic_info_t *t = &req->u.topic_info;

    req->op = MQ_OP_TOPIC_UPSERT;
    memset(t, 0, sizeof(*t));
    /* CreateTopicRequestHeader: defaultTopic is required in Java but never used; we accept
     * its absence */
    if (!rmq_field_need(c, "topic", "topic", &t->conf.name, why) ||
        !rmq_field_i32(c, "readQueueNums", "readQueueNums", 1, 0, &t->conf.read_queues, why) ||
        !rmq_field_i32(c, "writeQueueNums", "writeQueueNums", 1, 0, &t->conf.write_queues, why) ||
        !rmq_field_i32(c, "perm", "perm", 1, 0, &t->conf.perm, why) ||
        !rmq_field_i32(c, "topicSysFlag", "topicSysFlag", 0, 0, &t->conf.topic_sys_flag, why))
        return MQ_EINVAL;
    t->conf.order = rmq_field_bool(c, "order", 0);
    if (!rmq_cmd_ext(c, "topicFilterType", &t->filter_type))
        t->filter_type = MQ_STR_NULL;
    return MQ_OK;
}

static int
rmq_map_query_message(const rmq_cmd_t *c, mq_req_t *req, const char **why)
{
    mq_query_message_t *q = &req->u.query_message;

    req->op = MQ_OP_QUERY_MESSAGE;
    memset(q, 0, sizeof(*q));
    if (!rmq_field_need(c, "topic", "topic", &q->topic, why) ||
        !rmq_field_need(c, "key", "key", &q->key, why) ||
        !rmq_field_i32(c, "maxNum", "maxNum", 1, 0, &q->max, why) ||
        !rmq_field_i64(c, "beginTimestamp", "beginTimestamp", 1, 0, &q->begin_ms, why) ||
        !rmq_field_i64(c, "endTimestamp", "endTimestamp", 1, 0, &q->end_ms, why))
        return MQ_EINVAL;
    /* MixAll.UNIQUE_MSG_QUERY_FLAG: Java then uses defaultQueryMaxNum (32) */
    q->uniq = rmq_field_bool(c, "_UNIQUE_KEY_QUERY", 0);
    if (q->uniq)
        q->max = 32;
    return MQ_OK;
}

static int
rmq_map_reset_offset(const rmq_cmd_t *c, mq_req_t *req, const char **why)
{
    mq_reset_offset_t *r = &req->u.reset_offset;

    req->op = MQ_OP_RESET_GROUP_OFFSET;
    memset(r, 0, sizeof(*r));
    /* ResetOffsetRequestHeader; queueId and offset are RocketMQ 5 additions */
    if (!rmq_field_need(c, "topic", "topic", &r->topic, why) ||
        !rmq_field_need(c, "group", "group", &r->group, why) ||
        !rmq_field_i64(c, "timestamp", "timestamp", 1, 0, &r->timestamp, why) ||
        !rmq_field_i32(c, "queueId", "queueId", 0, -1, &r->queue_id, why) ||
        !rmq_field_i64(c, "offset", "offset", 0, -1, &r->offset, why))
        return MQ_EINVAL;
    r->force = rmq_field_bool(c, "isForce", 0);
    return MQ_OK;
}

int
rmq_map_admin_request(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    *why = NULL;
    switch (c->code) {
    case RMQ_UPDATE_AND_CREATE_TOPIC:
        return rmq_map_topic_upsert(c, req, why);
    case RMQ_DELETE_TOPIC_IN_BROKER:
        req->op = MQ_OP_TOPIC_DELETE;
        return rmq_field_need(c, "topic", "topic", &req->u.topic, why) ? MQ_OK : MQ_EINVAL;
    case RMQ_GET_TOPIC_CONFIG:
        req->op = MQ_OP_TOPIC_CONFIG_GET;
        return rmq_field_need(c, "topic", "topic", &req->u.topic, why) ? MQ_OK : MQ_EINVAL;
    case RMQ_GET_TOPIC_STATS_INFO:
        req->op = MQ_OP_TOPIC_STATS;
        return rmq_field_need(c, "topic", "topic", &req->u.topic, why) ? MQ_OK : MQ_EINVAL;
    case RMQ_GET_ALL_TOPIC_CONFIG:
        req->op = MQ_OP_TOPIC_CONFIG_LIST;
        return MQ_OK;
    case RMQ_UPDATE_AND_CREATE_SUBSCRIPTIONGROUP:
        return rmq_map_group_upsert(c, pool, req, why);
    case RMQ_GET_ALL_SUBSCRIPTIONGROUP_CONFIG:
        req->op = MQ_OP_GROUP_CONFIG_LIST;
        return MQ_OK;
    case RMQ_DELETE_SUBSCRIPTIONGROUP:
        req->op = MQ_OP_GROUP_DELETE;
        memset(&req->u.group_delete, 0, sizeof(req->u.group_delete));
        req->u.group_delete.clean_offset = rmq_field_bool(c, "cleanOffset", 0);
        return rmq_field_need(c, "groupName", "groupName", &req->u.group_delete.group, why)
                   ? MQ_OK
                   : MQ_EINVAL;
    case RMQ_GET_BROKER_RUNTIME_INFO:
        req->op = MQ_OP_RUNTIME_INFO;
        return MQ_OK;
    case RMQ_GET_CONSUME_STATS:
        req->op = MQ_OP_CONSUME_STATS;
        memset(&req->u.group_topic, 0, sizeof(req->u.group_topic));
        if (!rmq_cmd_ext(c, "topic", &req->u.group_topic.topic))
            req->u.group_topic.topic = MQ_STR_NULL;
        return rmq_field_need(c, "consumerGroup", "consumerGroup", &req->u.group_topic.group, why)
                   ? MQ_OK
                   : MQ_EINVAL;
    case RMQ_GET_CONSUMER_CONNECTION_LIST:
        req->op = MQ_OP_GROUP_CONNECTIONS;
        return rmq_field_need(c, "consumerGroup", "consumerGroup", &req->u.group, why) ? MQ_OK
                                                                                       : MQ_EINVAL;
    case RMQ_VIEW_MESSAGE_BY_ID:
        req->op = MQ_OP_VIEW_MESSAGE;
        memset(&req->u.view_message, 0, sizeof(req->u.view_message));
        if (!rmq_cmd_ext(c, "topic", &req->u.view_message.topic))
            req->u.view_message.topic = MQ_STR_NULL;
        return rmq_field_i64(c, "offset", "offset", 1, 0, &req->u.view_message.offset, why)
                   ? MQ_OK
                   : MQ_EINVAL;
    case RMQ_QUERY_MESSAGE:
        return rmq_map_query_message(c, req, why);
    case RMQ_GET_BROKER_CONFIG:
        req->op = MQ_OP_BROKER_CONFIG_GET;
        return MQ_OK;
    case RMQ_UPDATE_BROKER_CONFIG:
        req->op = MQ_OP_BROKER_CONFIG_UPDATE;
        if (c->body.n == 0 ||
            rmq_properties_parse(c->body, pool, RMQ_CONFIG_MAX_PAIRS, &req->u.config) <= 0) {
            *why = "body (properties text)";
            return MQ_EINVAL;
        }
        return MQ_OK;
    case RMQ_INVOKE_BROKER_TO_RESET_OFFSET:
        return rmq_map_reset_offset(c, req, why);
    default:
        return MQ_DECLINED;
    }
}

/* ---- JSON writing (fastjson style: sorted fields, no spaces) ---- */

static void
rmq_j_str(mq_buf_t *b, mq_str_t s)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    mq_buf_append(b, "\"", 1);
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch != '"' && ch != '\\' && ch >= 0x20)
            continue;
        mq_buf_append(b, s.p + run, i - run);
        run = i + 1;
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            mq_buf_append(b, e, 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            mq_buf_append(b, e, 6);
        }
    }
    if (s.n > run)
        mq_buf_append(b, s.p + run, s.n - run);
    mq_buf_append(b, "\"", 1);
}

static void
rmq_j_cstr(mq_buf_t *b, const char *s)
{
    rmq_j_str(b, mq_str_from_cstr(s));
}

static void
rmq_j_version(mq_buf_t *b, const mq_data_version_t *v)
{
    mq_buf_printf(
        b, "{\"counter\":%" PRId64 ",\"stateVersion\":%" PRId64 ",\"timestamp\":%" PRId64 "}",
        v->counter, v->state_version, v->timestamp);
}

/* An attributes object as stored ("{}" unless it looks like one). */
static void
rmq_j_object_text(mq_buf_t *b, mq_str_t s)
{
    if (s.n >= 2 && s.p[0] == '{' && s.p[s.n - 1] == '}')
        mq_buf_append_str(b, s);
    else
        mq_buf_append_cstr(b, "{}");
}

/* TopicConfig's fields, without the braces. */
static void
rmq_j_topic_fields(mq_buf_t *b, const mq_topic_info_t *t)
{
    mq_buf_append_cstr(b, "\"attributes\":");
    rmq_j_object_text(b, t->attributes);
    mq_buf_printf(b, ",\"order\":%s,\"perm\":%d,\"readQueueNums\":%d,\"topicFilterType\":",
                  t->conf.order ? "true" : "false", t->conf.perm, t->conf.read_queues);
    if (t->filter_type.n)
        rmq_j_str(b, t->filter_type);
    else
        mq_buf_append_cstr(b, "\"SINGLE_TAG\"");
    mq_buf_append_cstr(b, ",\"topicName\":");
    rmq_j_str(b, t->conf.name);
    mq_buf_printf(b, ",\"topicSysFlag\":%d,\"writeQueueNums\":%d", t->conf.topic_sys_flag,
                  t->conf.write_queues);
}

/* TopicConfigAndMappingSerializeWrapper (RocketMQ 5; 4.x readers ignore the mapping fields). */
static void
rmq_j_topic_table(mq_buf_t *b, const mq_topic_table_t *t)
{
    mq_data_version_t none = {0, 0, t->version.timestamp};
    mq_buf_append_cstr(b, "{\"dataVersion\":");
    rmq_j_version(b, &t->version);
    mq_buf_append_cstr(b, ",\"mappingDataVersion\":");
    rmq_j_version(b, &none);
    mq_buf_append_cstr(b, ",\"topicConfigTable\":{");
    for (int i = 0; i < t->n; i++) {
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_j_str(b, t->topics[i].conf.name);
        mq_buf_append(b, ":{", 2);
        rmq_j_topic_fields(b, &t->topics[i]);
        mq_buf_append(b, "}", 1);
    }
    mq_buf_append_cstr(b, "},\"topicQueueMappingDetailMap\":{},\"topicQueueMappingInfoMap\":{}}");
}

static void
rmq_j_group(mq_buf_t *b, const mq_group_conf_t *g)
{
    mq_buf_printf(b,
                  "{\"attributes\":{},\"brokerId\":%" PRId64 ",\"consumeBroadcastEnable\":%s,"
                  "\"consumeEnable\":%s,\"consumeFromMinEnable\":%s,\"consumeMessageOrderly\":%s,"
                  "\"consumeTimeoutMinute\":%d,\"groupName\":",
                  g->broker_id, g->consume_broadcast_enable ? "true" : "false",
                  g->consume_enable ? "true" : "false",
                  g->consume_from_min_enable ? "true" : "false",
                  g->consume_message_orderly ? "true" : "false", g->consume_timeout_minute);
    rmq_j_str(b, g->name);
    mq_buf_printf(b,
                  ",\"groupSysFlag\":%d,\"notifyConsumerIdsChangedEnable\":%s,"
                  "\"retryMaxTimes\":%d,\"retryQueueNums\":%d,\"subscriptionDataSet\":[],"
                  "\"whichBrokerWhenConsumeSlowly\":%" PRId64 "}",
                  g->group_sys_flag, g->notify_consumer_ids_changed ? "true" : "false",
                  g->retry_max_times, g->retry_queue_nums, g->which_broker_when_slow);
}

static void
rmq_j_kv_table(mq_buf_t *b, const mq_kv_table_t *t)
{
    mq_buf_append_cstr(b, "{\"table\":{");
    for (int i = 0; i < t->n; i++) {
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_j_str(b, t->kv[2 * i]);
        mq_buf_append(b, ":", 1);
        rmq_j_str(b, t->kv[2 * i + 1]);
    }
    mq_buf_append_cstr(b, "}}");
}

/* A MessageQueue as a fastjson map key: its JSON object, unquoted, then the colon. */
static void
rmq_j_mq_key(mq_buf_t *b, mq_str_t broker, const mq_queue_stat_t *q)
{
    mq_buf_append_cstr(b, "{\"brokerName\":");
    rmq_j_str(b, broker);
    mq_buf_printf(b, ",\"queueId\":%d,\"topic\":", q->queue_id);
    rmq_j_str(b, q->topic);
    mq_buf_append_cstr(b, "}:");
}

/* ConsumeStats, TopicStatsTable or ResetOffsetBody. */
static void
rmq_j_stats(mq_buf_t *b, mq_op_t op, const mq_queue_stats_t *s)
{
    if (op == MQ_OP_CONSUME_STATS)
        mq_buf_printf(b, "{\"consumeTps\":%.1f,\"offsetTable\":{", s->tps);
    else
        mq_buf_append_cstr(b, "{\"offsetTable\":{");
    for (int i = 0; i < s->n; i++) {
        const mq_queue_stat_t *q = &s->queues[i];
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_j_mq_key(b, s->broker_name, q);
        if (op == MQ_OP_CONSUME_STATS) /* OffsetWrapper */
            mq_buf_printf(b,
                          "{\"brokerOffset\":%" PRId64 ",\"consumerOffset\":%" PRId64
                          ",\"lastTimestamp\":%" PRId64 ",\"pullOffset\":%" PRId64 "}",
                          q->max_offset, q->group_offset, q->last_ts, q->group_offset);
        else if (op == MQ_OP_TOPIC_STATS) /* TopicOffset */
            mq_buf_printf(b,
                          "{\"lastUpdateTimestamp\":%" PRId64 ",\"maxOffset\":%" PRId64
                          ",\"minOffset\":%" PRId64 "}",
                          q->last_ts, q->max_offset, q->min_offset);
        else
            mq_buf_printf(b, "%" PRId64, q->group_offset);
    }
    mq_buf_append_cstr(b, "}}");
}

void
rmq_admin_reset_body(mq_buf_t *b, const mq_queue_stats_t *s)
{
    rmq_j_stats(b, MQ_OP_RESET_GROUP_OFFSET, s);
}

/* SubscriptionData: tagsSet / codeSet from a TAG expression ("a || b"; "*" has none). */
static void
rmq_j_subscription(mq_buf_t *b, const mq_subscription_t *s)
{
    mq_str_t tags[64];
    int n = 0;
    int tag = s->expression_type.n == 0 || mq_str_eq(s->expression_type, MQ_STR("TAG"));

    if (tag && s->expression.n && !mq_str_eq(s->expression, MQ_STR("*"))) {
        const char *p = s->expression.p, *end = p + s->expression.n;
        while (p < end && n < 64) {
            const char *bar = p;
            mq_str_t t;
            while (bar + 1 < end && !(bar[0] == '|' && bar[1] == '|'))
                bar++;
            if (bar + 1 >= end)
                bar = end;
            t = rmq_trim(p, bar);
            if (t.n)
                tags[n++] = t;
            p = bar < end ? bar + 2 : end;
        }
    }
    mq_buf_append_cstr(b, "{\"classFilterMode\":false,\"codeSet\":[");
    for (int i = 0; i < n; i++)
        mq_buf_printf(b, "%s%" PRId32, i ? "," : "", mq_java_hash(tags[i]));
    mq_buf_append_cstr(b, "],\"expressionType\":");
    rmq_j_str(b, s->expression_type.n ? s->expression_type : MQ_STR("TAG"));
    mq_buf_append_cstr(b, ",\"subString\":");
    rmq_j_str(b, s->expression);
    mq_buf_printf(b, ",\"subVersion\":%" PRId64 ",\"tagsSet\":[", s->version);
    for (int i = 0; i < n; i++) {
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_j_str(b, tags[i]);
    }
    mq_buf_append_cstr(b, "],\"topic\":");
    rmq_j_str(b, s->topic);
    mq_buf_append(b, "}", 1);
}

/* ConsumerConnection. */
static void
rmq_j_connections(mq_buf_t *b, const mq_group_connections_t *g)
{
    mq_buf_append_cstr(b, "{\"connectionSet\":[");
    for (int i = 0; i < g->n_conns; i++) {
        const mq_connection_t *c = &g->conns[i];
        mq_buf_append_cstr(b, i ? ",{\"clientAddr\":" : "{\"clientAddr\":");
        rmq_j_str(b, c->client_addr);
        mq_buf_append_cstr(b, ",\"clientId\":");
        rmq_j_str(b, c->client_id);
        mq_buf_append_cstr(b, ",\"language\":");
        rmq_j_str(b, c->language.n ? c->language : MQ_STR("OTHER"));
        mq_buf_printf(b, ",\"version\":%d}", c->version);
    }
    mq_buf_append_cstr(b, "],\"consumeFromWhere\":");
    rmq_j_str(b, g->consume_from.n ? g->consume_from : MQ_STR("CONSUME_FROM_LAST_OFFSET"));
    mq_buf_append_cstr(b, ",\"consumeType\":");
    rmq_j_cstr(b, g->push ? "CONSUME_PASSIVELY" : "CONSUME_ACTIVELY");
    mq_buf_append_cstr(b, ",\"messageModel\":");
    rmq_j_cstr(b, g->broadcasting ? "BROADCASTING" : "CLUSTERING");
    mq_buf_append_cstr(b, ",\"subscriptionTable\":{");
    for (int i = 0; i < g->n_subs; i++) {
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_j_str(b, g->subs[i].topic);
        mq_buf_append(b, ":", 1);
        rmq_j_subscription(b, &g->subs[i]);
    }
    mq_buf_append_cstr(b, "}}");
}

/* ---- Replies ---- */

static int
rmq_is_admin_op(mq_op_t op)
{
    switch (op) {
    case MQ_OP_TOPIC_UPSERT:
    case MQ_OP_TOPIC_DELETE:
    case MQ_OP_TOPIC_CONFIG_LIST:
    case MQ_OP_TOPIC_CONFIG_GET:
    case MQ_OP_GROUP_UPSERT:
    case MQ_OP_GROUP_CONFIG_LIST:
    case MQ_OP_GROUP_DELETE:
    case MQ_OP_RUNTIME_INFO:
    case MQ_OP_CONSUME_STATS:
    case MQ_OP_TOPIC_STATS:
    case MQ_OP_GROUP_CONNECTIONS:
    case MQ_OP_VIEW_MESSAGE:
    case MQ_OP_QUERY_MESSAGE:
    case MQ_OP_BROKER_CONFIG_GET:
    case MQ_OP_BROKER_CONFIG_UPDATE:
    case MQ_OP_RESET_GROUP_OFFSET:
        return 1;
    default:
        return 0;
    }
}

static int32_t
rmq_admin_error_code(mq_op_t op, int status)
{
    if (status == MQ_ENOENT) {
        switch (op) {
        case MQ_OP_TOPIC_CONFIG_GET:
        case MQ_OP_TOPIC_STATS:
            return RMQ_RC_TOPIC_NOT_EXIST;
        case MQ_OP_GROUP_CONNECTIONS:
            return RMQ_RC_CONSUMER_NOT_ONLINE;
        case MQ_OP_QUERY_MESSAGE:
            return RMQ_RC_QUERY_NOT_FOUND;
        default:
            return RMQ_RC_SYSTEM_ERROR;
        }
    }
    if (status == MQ_EPERM) /* Java: a key in the config black list, NO_PERMISSION */
        return RMQ_RC_NO_PERMISSION;
    if (status == MQ_ECLOSED || status == MQ_ENOSPC)
        return RMQ_RC_SERVICE_NOT_AVAILABLE;
    if (status == MQ_DECLINED)
        return RMQ_RC_REQUEST_CODE_NOT_SUPPORTED;
    return RMQ_RC_SYSTEM_ERROR; /* Java's admin processor refuses with SYSTEM_ERROR + remark */
}

/* The body of a successful reply (and the extFields some carry). */
static void
rmq_admin_body(const mq_req_t *req, const mq_rep_t *rep, mq_pool_t *pool, rmq_cmd_t *r,
               mq_buf_t *body)
{
    switch (req->op) {
    case MQ_OP_TOPIC_CONFIG_LIST:
        rmq_j_topic_table(body, &rep->u.topics);
        break;
    case MQ_OP_TOPIC_CONFIG_GET: /* TopicConfigAndQueueMapping (mappingDetail null: omitted) */
        if (rep->u.topics.n > 0) {
            mq_buf_append(body, "{", 1);
            rmq_j_topic_fields(body, &rep->u.topics.topics[0]);
            mq_buf_append(body, "}", 1);
        }
        break;
    case MQ_OP_GROUP_CONFIG_LIST: /* SubscriptionGroupWrapper */
        mq_buf_append_cstr(body, "{\"dataVersion\":");
        rmq_j_version(body, &rep->u.groups.version);
        mq_buf_append_cstr(body, ",\"subscriptionGroupTable\":{");
        for (int i = 0; i < rep->u.groups.n; i++) {
            if (i)
                mq_buf_append(body, ",", 1);
            rmq_j_str(body, rep->u.groups.groups[i].name);
            mq_buf_append(body, ":", 1);
            rmq_j_group(body, &rep->u.groups.groups[i]);
        }
        mq_buf_append_cstr(body, "}}");
        break;
    case MQ_OP_RUNTIME_INFO:
        rmq_j_kv_table(body, &rep->u.kv);
        break;
    case MQ_OP_CONSUME_STATS:
    case MQ_OP_TOPIC_STATS:
    case MQ_OP_RESET_GROUP_OFFSET:
        rmq_j_stats(body, req->op, &rep->u.stats);
        break;
    case MQ_OP_GROUP_CONNECTIONS:
        rmq_j_connections(body, &rep->u.conns);
        break;
    case MQ_OP_QUERY_MESSAGE: /* QueryMessageResponseHeader; the body is the records */
    case MQ_OP_VIEW_MESSAGE:
        if (req->op == MQ_OP_QUERY_MESSAGE) {
            rmq_cmd_add_i64(r, pool, "indexLastUpdateTimestamp", rep->u.records.index_last_ts);
            rmq_cmd_add_i64(r, pool, "indexLastUpdatePhyoffset", rep->u.records.index_last_phys);
        }
        for (int i = 0; i < rep->u.records.n; i++)
            mq_buf_append_str(body, rep->u.records.records[i]);
        break;
    case MQ_OP_BROKER_CONFIG_GET: { /* GetBrokerConfigResponseHeader.version + properties */
        mq_buf_t v = MQ_BUF_INIT;
        rmq_j_version(&v, &rep->u.kv.version);
        rmq_cmd_add(r, pool, "version", mq_buf_view(&v));
        mq_buf_fini(&v);
        for (int i = 0; i < rep->u.kv.n; i++) { /* MixAll.properties2String */
            mq_buf_append_str(body, rep->u.kv.kv[2 * i]);
            mq_buf_append(body, "=", 1);
            mq_buf_append_str(body, rep->u.kv.kv[2 * i + 1]);
            mq_buf_append(body, "\n", 1);
        }
        break;
    }
    default: /* TOPIC_UPSERT, TOPIC_DELETE, GROUP_UPSERT, GROUP_DELETE, BROKER_CONFIG_UPDATE */
        break;
    }
}

int
rmq_map_admin_reply(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                    mq_pool_t *pool, mq_buf_t *out)
{
    rmq_cmd_t r;
    mq_buf_t body = MQ_BUF_INIT;
    mq_rep_t none;

    if (!rmq_is_admin_op(req->op))
        return MQ_DECLINED;
    if (!rep) {
        memset(&none, 0, sizeof(none));
        rep = &none;
    }
    rmq_cmd_init(&r, RMQ_RC_SUCCESS, opaque, RMQ_FLAG_RESPONSE);
    if (status != MQ_OK) {
        const char *text = rep->text ? rep->text : mq_err_text(status);
        r.code = rmq_admin_error_code(req->op, status);
        r.remark = (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(text)), strlen(text)};
    } else {
        rmq_admin_body(req, rep, pool, &r, &body);
    }
    r.body = mq_buf_view(&body);
    rmq_cmd_encode(&r, out);
    mq_buf_fini(&body);
    return MQ_OK;
}
