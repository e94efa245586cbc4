/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map_broker.c -- the broker's client-facing request codes <-> the request model
 * (rmq_map.h), rocketmq-protocol.md sections 2.3-2.5, 3.2-3.3, 4.4 and 4.5:
 *
 *   SEND_MESSAGE (10, V1 names), SEND_MESSAGE_V2 (310, a..n),
 *   SEND_BATCH_MESSAGE (320)                                        -> PRODUCE
 *   PULL_MESSAGE (11), LITE_PULL_MESSAGE (361)                      -> PULL
 *   QUERY_CONSUMER_OFFSET (14)                                      -> QUERY_GROUP_OFFSET
 *   UPDATE_CONSUMER_OFFSET (15)                                     -> COMMIT_GROUP_OFFSET
 *   SEARCH_OFFSET_BY_TIMESTAMP (29), GET_MAX_OFFSET (30),
 *   GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32)            -> GET_QUEUE_OFFSET
 *   HEART_BEAT (34)                                                 -> CLIENT_HEARTBEAT
 *   UNREGISTER_CLIENT (35)                                          -> CLIENT_UNREGISTER
 *   GET_CONSUMER_LIST_BY_GROUP (38)                                 -> GET_GROUP_MEMBERS
 *   LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42)         -> QUEUE_LOCK, QUEUE_UNLOCK (rmq_map_lock.c)
 *   CONSUMER_SEND_MSG_BACK (36)                                     -> SEND_BACK
 *   END_TRANSACTION (37)                               -> END_TRANSACTION (rmq_map_txn.c)
 *
 * Requests are read the way real clients write them: numbers as JSON numbers or strings
 * (rmq_cmd.c turns both into text), optional fields absent, HeartbeatData enums as names (Java,
 * ali-ons) or ordinals (C++), subVersion as a number or a string (C++). This file checks shapes
 * (present, numeric), never whether a topic exists or a queue id is in range: that is the
 * broker's job. The born host of a message is not in the frame; the front-end fills it in.
 *
 * Replies follow the Java broker: send results in extFields (msgId = offset msgIds,
 * comma-joined for a batch), pull results with all four offsets whatever the code (ali-ons reads
 * them on PULL_NOT_FOUND too) and the GetMessageStatus name as remark, heartbeats answered
 * without IS_SUPPORT_HEART_BEAT_V2. Pure functions: no I/O, no globals.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rmq_batch.h"
#include "rmq_codes.h"
#include "rmq_fields.h"
#include "rmq_map.h"
#include "rmq_map_lock.h"

/* MQVersion.Version.V3_4_9: older clients' maxReconsumeTimes is ignored, as Java does. */
#define RMQ_VERSION_V3_4_9 121

/* ---- SEND_MESSAGE, SEND_MESSAGE_V2, SEND_BATCH_MESSAGE (section 2.3) ---- */

enum rmq_send_field_e {
    RMQ_SF_GROUP,
    RMQ_SF_TOPIC,
    RMQ_SF_DEFAULT_TOPIC,
    RMQ_SF_DEFAULT_QUEUES,
    RMQ_SF_QUEUE_ID,
    RMQ_SF_SYS_FLAG,
    RMQ_SF_BORN_TS,
    RMQ_SF_FLAG,
    RMQ_SF_PROPS,
    RMQ_SF_RECONSUME,
    RMQ_SF_MAX_RECONSUME,
    RMQ_SF_BATCH,
    RMQ_SF__COUNT
};

/* The send header's fields by their V1 name (SEND_MESSAGE) and V2 name (SEND_MESSAGE_V2,
 * SEND_BATCH_MESSAGE); `why` is what an error remark calls a V2 field. */
static const struct rmq_send_field_s {
    const char *v1, *v2, *why;
} rmq_send_fields[RMQ_SF__COUNT] = {
    [RMQ_SF_GROUP] = {"producerGroup", "a", "a (producerGroup)"},
    [RMQ_SF_TOPIC] = {"topic", "b", "b (topic)"},
    [RMQ_SF_DEFAULT_TOPIC] = {"defaultTopic", "c", "c (defaultTopic)"},
    [RMQ_SF_DEFAULT_QUEUES] = {"defaultTopicQueueNums", "d", "d (defaultTopicQueueNums)"},
    [RMQ_SF_QUEUE_ID] = {"queueId", "e", "e (queueId)"},
    [RMQ_SF_SYS_FLAG] = {"sysFlag", "f", "f (sysFlag)"},
    [RMQ_SF_BORN_TS] = {"bornTimestamp", "g", "g (bornTimestamp)"},
    [RMQ_SF_FLAG] = {"flag", "h", "h (flag)"},
    [RMQ_SF_PROPS] = {"properties", "i", "i (properties)"},
    [RMQ_SF_RECONSUME] = {"reconsumeTimes", "j", "j (reconsumeTimes)"},
    [RMQ_SF_MAX_RECONSUME] = {"maxReconsumeTimes", "l", "l (maxReconsumeTimes)"},
    [RMQ_SF_BATCH] = {"batch", "m", "m (batch)"},
};

#define RMQ_SF_KEY(v2, f) ((v2) ? rmq_send_fields[f].v2 : rmq_send_fields[f].v1)
#define RMQ_SF_WHY(v2, f) ((v2) ? rmq_send_fields[f].why : rmq_send_fields[f].v1)

static int
rmq_map_send(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    const int v2 = c->code != RMQ_SEND_MESSAGE;
    mq_produce_t *p = &req->u.produce;
    int32_t sys_flag, flag, reconsume;
    int64_t born_ts;

#define RMQ_SF(f) RMQ_SF_KEY(v2, RMQ_SF_##f), RMQ_SF_WHY(v2, RMQ_SF_##f)
    req->op = MQ_OP_PRODUCE;
    memset(p, 0, sizeof(*p));
    if (!rmq_field_have(c, RMQ_SF(GROUP), &p->producer_group, why) ||
        !rmq_field_need(c, RMQ_SF(TOPIC), &p->topic, why) ||
        !rmq_field_i32(c, RMQ_SF(QUEUE_ID), 1, 0, &p->queue_id, why) ||
        !rmq_field_i32(c, RMQ_SF(DEFAULT_QUEUES), 0, 4, &p->default_queues, why) ||
        !rmq_field_i32(c, RMQ_SF(SYS_FLAG), 0, 0, &sys_flag, why) ||
        !rmq_field_i64(c, RMQ_SF(BORN_TS), 0, 0, &born_ts, why) ||
        !rmq_field_i32(c, RMQ_SF(FLAG), 0, 0, &flag, why) ||
        !rmq_field_i32(c, RMQ_SF(RECONSUME), 0, 0, &reconsume, why) ||
        !rmq_field_i32(c, RMQ_SF(MAX_RECONSUME), 0, -1, &p->max_reconsume, why))
        return MQ_EINVAL;
#undef RMQ_SF
    p->default_topic = rmq_field_str(c, RMQ_SF_KEY(v2, RMQ_SF_DEFAULT_TOPIC));
    if (c->version < RMQ_VERSION_V3_4_9)
        p->max_reconsume = -1;
    p->batch =
        c->code == RMQ_SEND_BATCH_MESSAGE || rmq_field_bool(c, RMQ_SF_KEY(v2, RMQ_SF_BATCH), 0);
    if (p->batch) {
        /* each element has its own flag, body and properties (section 4.4) */
        int n = rmq_batch_decode(c->body, pool, &p->msgs);
        if (n < 0) {
            *why = "batch body";
            return MQ_EINVAL;
        }
        p->n_msgs = n;
    } else {
        p->msgs = mq_pcalloc(pool, sizeof(*p->msgs));
        p->n_msgs = 1;
        p->msgs[0].flag = flag;
        p->msgs[0].body = c->body;
        p->msgs[0].props = rmq_field_str(c, RMQ_SF_KEY(v2, RMQ_SF_PROPS));
    }
    for (int i = 0; i < p->n_msgs; i++) {
        mq_msg_t *m = &p->msgs[i];
        m->topic = p->topic;
        m->queue_id = p->queue_id;
        m->sys_flag = sys_flag;
        m->born_ts = born_ts;
        m->reconsume_times = reconsume;
    }
    return MQ_OK;
}

/* ---- PULL_MESSAGE, LITE_PULL_MESSAGE (section 2.4) ---- */

static int
rmq_map_pull(const rmq_cmd_t *c, mq_req_t *req, const char **why)
{
    mq_pull_t *p = &req->u.pull;

    req->op = MQ_OP_PULL;
    memset(p, 0, sizeof(*p));
    if (!rmq_field_need(c, "consumerGroup", "consumerGroup", &p->group, why) ||
        !rmq_field_need(c, "topic", "topic", &p->topic, why) ||
        !rmq_field_i32(c, "queueId", "queueId", 1, 0, &p->queue_id, why) ||
        !rmq_field_i64(c, "queueOffset", "queueOffset", 1, 0, &p->offset, why) ||
        !rmq_field_i32(c, "maxMsgNums", "maxMsgNums", 0, 32, &p->max_msgs, why) ||
        !rmq_field_i32(c, "sysFlag", "sysFlag", 0, 0, &p->flags, why) ||
        !rmq_field_i64(c, "commitOffset", "commitOffset", 0, 0, &p->commit_offset, why) ||
        !rmq_field_i64(c, "suspendTimeoutMillis", "suspendTimeoutMillis", 0, 0, &p->suspend_ms,
                       why) ||
        !rmq_field_i64(c, "subVersion", "subVersion", 0, 0, &p->sub_version, why) ||
        !rmq_field_i32(c, "maxMsgBytes", "maxMsgBytes", 0, 0, &p->max_bytes, why))
        return MQ_EINVAL;
    /* meaningful only with MQ_PULL_SUBSCRIPTION, but copied whatever the flags say */
    p->subscription = rmq_field_str(c, "subscription");
    p->expression_type = rmq_field_str(c, "expressionType");
    if (p->expression_type.n == 0)
        p->expression_type = MQ_STR("TAG");
    return MQ_OK;
}

/* ---- CONSUMER_SEND_MSG_BACK (section 6.4) ---- */

static int
rmq_map_send_back(const rmq_cmd_t *c, mq_req_t *req, const char **why)
{
    mq_send_back_t *b = &req->u.send_back;

    req->op = MQ_OP_SEND_BACK;
    memset(b, 0, sizeof(*b));
    if (!rmq_field_need(c, "group", "group", &b->group, why) ||
        !rmq_field_i64(c, "offset", "offset", 1, 0, &b->offset, why) ||
        !rmq_field_i32(c, "delayLevel", "delayLevel", 0, 0, &b->delay_level, why) ||
        !rmq_field_i32(c, "maxReconsumeTimes", "maxReconsumeTimes", 0, -1, &b->max_reconsume, why))
        return MQ_EINVAL;
    if (c->version < RMQ_VERSION_V3_4_9)
        b->max_reconsume = -1;
    b->origin_msg_id = rmq_field_str(c, "originMsgId");
    b->origin_topic = rmq_field_str(c, "originTopic");
    b->unit_mode = rmq_field_bool(c, "unitMode", 0);
    return MQ_OK;
}

/* ---- Offsets (sections 2.2 and 2.5) ---- */

static int
rmq_map_group_offset(const rmq_cmd_t *c, mq_req_t *req, const char **why)
{
    mq_group_offset_t *g = &req->u.group_offset;
    int commit = c->code == RMQ_UPDATE_CONSUMER_OFFSET;

    req->op = commit ? MQ_OP_COMMIT_GROUP_OFFSET : MQ_OP_QUERY_GROUP_OFFSET;
    memset(g, 0, sizeof(*g));
    if (!rmq_field_need(c, "consumerGroup", "consumerGroup", &g->group, why) ||
        !rmq_field_need(c, "topic", "topic", &g->topic, why) ||
        !rmq_field_i32(c, "queueId", "queueId", 1, 0, &g->queue_id, why))
        return MQ_EINVAL;
    if (commit)
        return rmq_field_i64(c, "commitOffset", "commitOffset", 1, 0, &g->offset, why) ? MQ_OK
                                                                                       : MQ_EINVAL;
    /* Java treats an absent setZeroIfNotFound as true */
    g->zero_if_none = rmq_field_bool(c, "setZeroIfNotFound", 1);
    return MQ_OK;
}

static int
rmq_map_queue_offset(const rmq_cmd_t *c, mq_req_t *req, const char **why)
{
    mq_queue_offset_t *q = &req->u.queue_offset;
    mq_str_t boundary;

    req->op = MQ_OP_GET_QUEUE_OFFSET;
    memset(q, 0, sizeof(*q));
    if (!rmq_field_need(c, "topic", "topic", &q->topic, why) ||
        !rmq_field_i32(c, "queueId", "queueId", 1, 0, &q->queue_id, why))
        return MQ_EINVAL;
    switch (c->code) {
    case RMQ_GET_MAX_OFFSET:
        q->kind = MQ_OFFSET_MAX;
        break;
    case RMQ_GET_MIN_OFFSET:
        q->kind = MQ_OFFSET_MIN;
        break;
    case RMQ_GET_EARLIEST_MSG_STORETIME:
        q->kind = MQ_OFFSET_EARLIEST_TIME;
        break;
    default: /* RMQ_SEARCH_OFFSET_BY_TIMESTAMP */
        q->kind = MQ_OFFSET_BY_TIME;
        if (!rmq_field_i64(c, "timestamp", "timestamp", 1, 0, &q->timestamp, why))
            return MQ_EINVAL;
        /* BoundaryType.getType(): "upper" in any case, anything else is lower */
        boundary = rmq_field_str(c, "boundaryType");
        q->upper = boundary.n == 5 && strncasecmp(boundary.p, "upper", 5) == 0;
        break;
    }
    return MQ_OK;
}

/* ---- HEART_BEAT body: HeartbeatData (section 3.2) ---- */

/* Enum names by ordinal: Java and ali-ons send names, the C++ client ordinals. */
static const char *const rmq_consume_types[] = {"CONSUME_ACTIVELY", "CONSUME_PASSIVELY",
                                                "CONSUME_POP"};
static const char *const rmq_message_models[] = {"BROADCASTING", "CLUSTERING"};
static const char *const rmq_consume_froms[] = {
    "CONSUME_FROM_LAST_OFFSET",                              /* 0 */
    "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST", /* 1, deprecated */
    "CONSUME_FROM_MIN_OFFSET",                               /* 2, deprecated */
    "CONSUME_FROM_MAX_OFFSET",                               /* 3, deprecated */
    "CONSUME_FROM_FIRST_OFFSET",                             /* 4 */
    "CONSUME_FROM_TIMESTAMP",                                /* 5 */
};

#define RMQ_CONSUME_PASSIVELY 1
#define RMQ_BROADCASTING 0
#define RMQ_CLUSTERING 1
#define RMQ_CONSUME_FROM_LAST_OFFSET 0

/* A JSON string copied into the pool; anything else reads as empty. */
static mq_str_t
rmq_hb_str(mq_pool_t *pool, json_t *v)
{
    mq_str_t s;
    if (!json_is_string(v))
        return MQ_STR_NULL;
    s.n = json_string_length(v);
    s.p = mq_pstrdup(pool, (mq_str_t){json_string_value(v), s.n});
    return s;
}

/* An integer given as a JSON number or a numeric string. Returns 1 with *out set, else 0. */
static int
rmq_hb_int(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 24) {
        char *end;
        long long x;
        errno = 0;
        x = strtoll(json_string_value(v), &end, 10);
        if (*end == '\0' && errno == 0) {
            *out = x;
            return 1;
        }
    }
    return 0;
}

/* An enum given by name or ordinal (number or numeric string). Returns the ordinal, dflt when
 * v is absent or null, -1 when v is neither a known name nor an ordinal in range. */
static int
rmq_hb_enum(json_t *v, const char *const *names, int n, int dflt)
{
    int64_t x;
    if (!v || json_is_null(v))
        return dflt;
    if (json_is_string(v))
        for (int i = 0; i < n; i++)
            if (strcmp(json_string_value(v), names[i]) == 0)
                return i;
    if (rmq_hb_int(v, &x) && x >= 0 && x < n)
        return (int)x;
    return -1;
}

/* An array member, or absent/null; anything else is malformed. */
static int
rmq_hb_array_ok(json_t *v)
{
    return !v || json_is_null(v) || json_is_array(v);
}

static int
rmq_hb_subscription(mq_pool_t *pool, json_t *o, mq_subscription_t *sd, const char **why)
{
    json_t *ver = json_object_get(o, "subVersion");

    memset(sd, 0, sizeof(*sd));
    sd->topic = rmq_hb_str(pool, json_object_get(o, "topic"));
    if (sd->topic.n == 0) {
        *why = "subscriptionDataSet.topic";
        return 0;
    }
    sd->expression = rmq_hb_str(pool, json_object_get(o, "subString"));
    sd->expression_type = rmq_hb_str(pool, json_object_get(o, "expressionType"));
    if (sd->expression_type.n == 0)
        sd->expression_type = MQ_STR("TAG");
    if (ver && !json_is_null(ver) && !rmq_hb_int(ver, &sd->version)) {
        *why = "subscriptionDataSet.subVersion";
        return 0;
    }
    /* tagsSet and codeSet are derived from subString; C++ sends a bogus codeSet: ignored */
    return 1;
}

static int
rmq_hb_consumer(mq_pool_t *pool, json_t *o, mq_consumer_group_t *cg, const char **why)
{
    json_t *subs = json_object_get(o, "subscriptionDataSet"), *s;
    const char *bad = NULL;
    int type, model, from;
    size_t i;

    memset(cg, 0, sizeof(*cg));
    cg->group = rmq_hb_str(pool, json_object_get(o, "groupName"));
    type = rmq_hb_enum(json_object_get(o, "consumeType"), rmq_consume_types,
                       (int)MQ_ARRAY_LEN(rmq_consume_types), RMQ_CONSUME_PASSIVELY);
    model = rmq_hb_enum(json_object_get(o, "messageModel"), rmq_message_models,
                        (int)MQ_ARRAY_LEN(rmq_message_models), RMQ_CLUSTERING);
    from = rmq_hb_enum(json_object_get(o, "consumeFromWhere"), rmq_consume_froms,
                       (int)MQ_ARRAY_LEN(rmq_consume_froms), RMQ_CONSUME_FROM_LAST_OFFSET);
    if (cg->group.n == 0)
        bad = "consumerDataSet.groupName";
    else if (type < 0)
        bad = "consumerDataSet.consumeType";
    else if (model < 0)
        bad = "consumerDataSet.messageModel";
    else if (from < 0)
        bad = "consumerDataSet.consumeFromWhere";
    else if (!rmq_hb_array_ok(subs))
        bad = "consumerDataSet.subscriptionDataSet";
    if (bad) {
        *why = bad;
        return 0;
    }
    cg->push = type == RMQ_CONSUME_PASSIVELY;
    cg->broadcasting = model == RMQ_BROADCASTING;
    cg->consume_from = mq_str_from_cstr(rmq_consume_froms[from]); /* static */
    cg->subs = mq_palloc(pool, (json_array_size(subs) + 1) * sizeof(*cg->subs));
    json_array_foreach(subs, i, s)
    {
        if (!rmq_hb_subscription(pool, s, &cg->subs[cg->n_subs], why))
            return 0;
        cg->n_subs++;
    }
    return 1;
}

/* Fills hb from a HeartbeatData body; every string is copied into pool. */
static int
rmq_map_heartbeat(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    mq_heartbeat_t *hb = &req->u.heartbeat;
    json_t *root, *producers, *consumers, *v;
    int rc = MQ_EINVAL;
    size_t i;

    req->op = MQ_OP_CLIENT_HEARTBEAT;
    memset(hb, 0, sizeof(*hb));
    root = json_loadb(c->body.p, c->body.n, 0, NULL);
    producers = json_object_get(root, "producerDataSet");
    consumers = json_object_get(root, "consumerDataSet");
    if (!json_is_object(root) || !rmq_hb_array_ok(producers) || !rmq_hb_array_ok(consumers)) {
        *why = "heartbeat body";
        goto out;
    }
    hb->client_id = rmq_hb_str(pool, json_object_get(root, "clientID"));
    if (hb->client_id.n == 0) {
        *why = "clientID";
        goto out;
    }
    /* for GET_CONSUMER_CONNECTION_LIST: the header's language and version (the front-end
     * fills client_addr from the connection) */
    hb->language = mq_str_from_cstr(rmq_language_name(c->language)); /* static */
    hb->version = c->version;
    hb->producer_groups =
        mq_palloc(pool, (json_array_size(producers) + 1) * sizeof(*hb->producer_groups));
    json_array_foreach(producers, i, v)
    {
        mq_str_t g = rmq_hb_str(pool, json_object_get(v, "groupName"));
        if (g.n == 0) {
            *why = "producerDataSet.groupName";
            goto out;
        }
        hb->producer_groups[hb->n_producer_groups++] = g;
    }
    hb->consumer_groups =
        mq_palloc(pool, (json_array_size(consumers) + 1) * sizeof(*hb->consumer_groups));
    json_array_foreach(consumers, i, v)
    {
        if (!rmq_hb_consumer(pool, v, &hb->consumer_groups[hb->n_consumer_groups], why))
            goto out;
        hb->n_consumer_groups++;
    }
    rc = MQ_OK;
out:
    json_decref(root);
    return rc;
}

/* CheckClientRequestBody: {clientId, group, subscriptionData: {topic, subString,
 * expressionType, ...}}. */
static int
rmq_map_check_client(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    mq_check_client_t *cc = &req->u.check_client;
    json_t *root = json_loadb(c->body.p, c->body.n, 0, NULL), *sub;
    int rc = MQ_EINVAL;

    req->op = MQ_OP_CHECK_CLIENT_CONFIG;
    memset(cc, 0, sizeof(*cc));
    sub = json_object_get(root, "subscriptionData");
    if (!json_is_object(root) || !json_is_object(sub)) {
        *why = "CheckClientRequestBody";
        goto out;
    }
    cc->client_id = rmq_hb_str(pool, json_object_get(root, "clientId"));
    cc->group = rmq_hb_str(pool, json_object_get(root, "group"));
    cc->topic = rmq_hb_str(pool, json_object_get(sub, "topic"));
    cc->expression = rmq_hb_str(pool, json_object_get(sub, "subString"));
    cc->expression_type = rmq_hb_str(pool, json_object_get(sub, "expressionType"));
    rc = MQ_OK;
out:
    json_decref(root);
    return rc;
}

/* ---- Requests ---- */

int
rmq_map_broker_request(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    *why = NULL;
    switch (c->code) {
    case RMQ_SEND_MESSAGE:
    case RMQ_SEND_MESSAGE_V2:
    case RMQ_SEND_BATCH_MESSAGE:
        return rmq_map_send(c, pool, req, why);
    case RMQ_PULL_MESSAGE:
    case RMQ_LITE_PULL_MESSAGE:
        return rmq_map_pull(c, req, why);
    case RMQ_QUERY_CONSUMER_OFFSET:
    case RMQ_UPDATE_CONSUMER_OFFSET:
        return rmq_map_group_offset(c, req, why);
    case RMQ_SEARCH_OFFSET_BY_TIMESTAMP:
    case RMQ_GET_MAX_OFFSET:
    case RMQ_GET_MIN_OFFSET:
    case RMQ_GET_EARLIEST_MSG_STORETIME:
        return rmq_map_queue_offset(c, req, why);
    case RMQ_HEART_BEAT:
        return rmq_map_heartbeat(c, pool, req, why);
    case RMQ_CHECK_CLIENT_CONFIG:
        return rmq_map_check_client(c, pool, req, why);
    case RMQ_CONSUMER_SEND_MSG_BACK:
        return rmq_map_send_back(c, req, why);
    case RMQ_UNREGISTER_CLIENT: {
        mq_client_unregister_t *u = &req->u.client_unregister;
        req->op = MQ_OP_CLIENT_UNREGISTER;
        memset(u, 0, sizeof(*u));
        if (!rmq_field_need(c, "clientID", "clientID", &u->client_id, why)) /* capital ID */
            return MQ_EINVAL;
        u->producer_group = rmq_field_str(c, "producerGroup");
        u->consumer_group = rmq_field_str(c, "consumerGroup");
        return MQ_OK;
    }
    case RMQ_LOCK_BATCH_MQ:
    case RMQ_UNLOCK_BATCH_MQ:
        return rmq_map_lock_request(c, pool, req, why);
    case RMQ_END_TRANSACTION: /* rmq_map_txn.c */
        return rmq_map_end_txn(c, req, why);
    case RMQ_GET_CONSUMER_LIST_BY_GROUP:
        req->op = MQ_OP_GET_GROUP_MEMBERS;
        return rmq_field_need(c, "consumerGroup", "consumerGroup", &req->u.group, why) ? MQ_OK
                                                                                       : MQ_EINVAL;
    default:
        return MQ_DECLINED;
    }
}

/* ---- Pull status (section 2.4) ---- */

static const char *const rmq_get_status_names[RMQ_GET__COUNT] = {
    [RMQ_GET_FOUND] = "FOUND",
    [RMQ_GET_NO_MATCHED_MESSAGE] = "NO_MATCHED_MESSAGE",
    [RMQ_GET_MESSAGE_WAS_REMOVING] = "MESSAGE_WAS_REMOVING",
    [RMQ_GET_OFFSET_FOUND_NULL] = "OFFSET_FOUND_NULL",
    [RMQ_GET_OFFSET_OVERFLOW_BADLY] = "OFFSET_OVERFLOW_BADLY",
    [RMQ_GET_OFFSET_OVERFLOW_ONE] = "OFFSET_OVERFLOW_ONE",
    [RMQ_GET_OFFSET_TOO_SMALL] = "OFFSET_TOO_SMALL",
    [RMQ_GET_NO_MATCHED_LOGIC_QUEUE] = "NO_MATCHED_LOGIC_QUEUE",
    [RMQ_GET_NO_MESSAGE_IN_QUEUE] = "NO_MESSAGE_IN_QUEUE",
};

const char *
rmq_get_status_name(int status)
{
    if (status >= 0 && status < RMQ_GET__COUNT)
        return rmq_get_status_names[status];
    return "UNKNOWN";
}

int32_t
rmq_pull_code(int status, int64_t offset)
{
    switch (status) {
    case RMQ_GET_FOUND:
        return RMQ_RC_SUCCESS;
    case RMQ_GET_NO_MATCHED_MESSAGE:   /* scanned, nothing matched: re-pull from next at once */
    case RMQ_GET_MESSAGE_WAS_REMOVING: /* CommitLog data already deleted */
    case RMQ_GET_OFFSET_FOUND_NULL:    /* a ConsumeQueue file is missing: skip to the next one.
                                        * Java answers PULL_NOT_FOUND, which parks a long poll
                                        * first; every client moves to nextBeginOffset either
                                        * way, so we let it do so at once. */
        return RMQ_RC_PULL_RETRY_IMMEDIATELY;
    case RMQ_GET_OFFSET_OVERFLOW_ONE: /* caught up: the long-polling case */
        return RMQ_RC_PULL_NOT_FOUND;
    case RMQ_GET_OFFSET_OVERFLOW_BADLY:
    case RMQ_GET_OFFSET_TOO_SMALL:
        return RMQ_RC_PULL_OFFSET_MOVED;
    case RMQ_GET_NO_MATCHED_LOGIC_QUEUE:
    case RMQ_GET_NO_MESSAGE_IN_QUEUE: /* queue empty or unknown: moved unless asked for 0 */
        return offset != 0 ? RMQ_RC_PULL_OFFSET_MOVED : RMQ_RC_PULL_NOT_FOUND;
    default:
        return RMQ_RC_SYSTEM_ERROR;
    }
}

/* ---- Replies ---- */

static int
rmq_is_broker_op(mq_op_t op)
{
    switch (op) {
    case MQ_OP_PRODUCE:
    case MQ_OP_PULL:
    case MQ_OP_GET_QUEUE_OFFSET:
    case MQ_OP_QUERY_GROUP_OFFSET:
    case MQ_OP_COMMIT_GROUP_OFFSET:
    case MQ_OP_CLIENT_HEARTBEAT:
    case MQ_OP_CLIENT_UNREGISTER:
    case MQ_OP_GET_GROUP_MEMBERS:
    case MQ_OP_SEND_BACK:
    case MQ_OP_QUEUE_LOCK:
    case MQ_OP_QUEUE_UNLOCK:
    case MQ_OP_END_TRANSACTION:
    case MQ_OP_CHECK_CLIENT_CONFIG:
        return 1;
    default:
        return 0;
    }
}

/* The response code of a failed broker operation. */
static int32_t
rmq_broker_error_code(mq_op_t op, int status)
{
    switch (status) {
    case MQ_ENOENT:
        if (op == MQ_OP_QUERY_GROUP_OFFSET)
            return RMQ_RC_QUERY_NOT_FOUND;
        if (op == MQ_OP_GET_GROUP_MEMBERS)
            return RMQ_RC_SYSTEM_ERROR; /* Java: "no consumer for this group" */
        if (op == MQ_OP_SEND_BACK)
            return RMQ_RC_SUBSCRIPTION_GROUP_NOT_EXIST;
        return RMQ_RC_TOPIC_NOT_EXIST;
    case MQ_EPERM:
        return RMQ_RC_NO_PERMISSION;
    case MQ_ETOOBIG:
        return RMQ_RC_MESSAGE_ILLEGAL;
    case MQ_ENOSPC:
    case MQ_ECLOSED:
        return RMQ_RC_SERVICE_NOT_AVAILABLE;
    case MQ_EINVAL:
        if (op == MQ_OP_PULL || op == MQ_OP_CHECK_CLIENT_CONFIG)
            return RMQ_RC_SUBSCRIPTION_PARSE_FAILED; /* a SQL92 expression that does not parse */
        return RMQ_RC_INVALID_PARAMETER;
    case MQ_EBUSY:
        return RMQ_RC_SYSTEM_BUSY;
    case MQ_DECLINED:
        return RMQ_RC_REQUEST_CODE_NOT_SUPPORTED;
    default:
        return RMQ_RC_SYSTEM_ERROR;
    }
}

/* The four offsets every pull response carries (PullMessageResponseHeader). */
static void
rmq_pull_offsets(rmq_cmd_t *r, mq_pool_t *pool, int64_t suggest, int64_t next, int64_t min,
                 int64_t max)
{
    rmq_cmd_add_i64(r, pool, "suggestWhichBrokerId", suggest);
    rmq_cmd_add_i64(r, pool, "nextBeginOffset", next);
    rmq_cmd_add_i64(r, pool, "minOffset", min);
    rmq_cmd_add_i64(r, pool, "maxOffset", max);
}

/* SendMessageResponseHeader: offset msgIds (section 4.5), queue, first offset, UNIQ_KEY. */
static void
rmq_produce_ext(rmq_cmd_t *r, mq_pool_t *pool, const mq_produce_result_t *pr)
{
    int n = pr->phys_offsets && pr->n > 0 ? pr->n : 0;
    char *ids = mq_palloc(pool, (size_t)n * 57 + 1), *w = ids;

    for (int i = 0; i < n; i++) {
        if (i)
            *w++ = ',';
        w += mq_msgid_format(w, &pr->store_host, pr->phys_offsets[i]);
    }
    rmq_cmd_add(r, pool, "msgId", (mq_str_t){ids, (size_t)(w - ids)});
    rmq_cmd_add_i64(r, pool, "queueId", pr->queue_id);
    rmq_cmd_add_i64(r, pool, "queueOffset", pr->queue_offset);
    if (pr->uniq_key.n)
        rmq_cmd_add(r, pool, "transactionId", pr->uniq_key);
    if (pr->flush_timeout)
        r->code = RMQ_RC_FLUSH_DISK_TIMEOUT; /* stored: clients count it as sent */
}

static void
rmq_b_json_str(mq_buf_t *b, mq_str_t s)
{
    static const char hex[] = "0123456789abcdef";
    mq_buf_append(b, "\"", 1);
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            mq_buf_append(b, e, 2);
        } else if (ch < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            mq_buf_append(b, e, 6);
        } else {
            mq_buf_append(b, &s.p[i], 1);
        }
    }
    mq_buf_append(b, "\"", 1);
}

int
rmq_map_broker_cmd(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                   mq_pool_t *pool, rmq_cmd_t *r, mq_buf_t *body)
{
    mq_rep_t none;

    if (!rmq_is_broker_op(req->op))
        return MQ_DECLINED;
    if (!rep) {
        memset(&none, 0, sizeof(none));
        rep = &none;
    }
    rmq_cmd_init(r, RMQ_RC_SUCCESS, opaque, RMQ_FLAG_RESPONSE);
    if (status != MQ_OK) {
        const char *text = rep->text ? rep->text : mq_err_text(status);
        r->code = rmq_broker_error_code(req->op, status);
        r->remark = (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(text)), strlen(text)};
        if (req->op == MQ_OP_PULL) /* always there: some clients read them whatever the code */
            rmq_pull_offsets(r, pool, 0, req->u.pull.offset, 0, 0);
        return MQ_OK;
    }
    switch (req->op) {
    case MQ_OP_PRODUCE:
        rmq_produce_ext(r, pool, &rep->u.produce);
        break;
    case MQ_OP_PULL: {
        const mq_pull_result_t *pl = &rep->u.pull;
        r->code = rmq_pull_code(pl->status, req->u.pull.offset);
        r->remark = mq_str_from_cstr(rmq_get_status_name(pl->status)); /* static */
        rmq_pull_offsets(r, pool, pl->suggest_broker, pl->next_offset, pl->min_offset,
                         pl->max_offset);
        break;
    }
    case MQ_OP_QUERY_GROUP_OFFSET:
        rmq_cmd_add_i64(r, pool, "offset", rep->u.offset);
        break;
    case MQ_OP_GET_QUEUE_OFFSET:
        rmq_cmd_add_i64(
            r, pool, req->u.queue_offset.kind == MQ_OFFSET_EARLIEST_TIME ? "timestamp" : "offset",
            rep->u.offset);
        break;
    case MQ_OP_GET_GROUP_MEMBERS:
        mq_buf_append_cstr(body, "{\"consumerIdList\":[");
        for (int i = 0; i < rep->u.list.n; i++) {
            if (i)
                mq_buf_append(body, ",", 1);
            rmq_b_json_str(body, rep->u.list.items[i]);
        }
        mq_buf_append_cstr(body, "]}");
        break;
    case MQ_OP_QUEUE_LOCK:
        rmq_lock_reply_json(&rep->u.locked, body);
        break;
    default: /* COMMIT_GROUP_OFFSET, CLIENT_HEARTBEAT, CLIENT_UNREGISTER: the code says it */
        break;
    }
    return MQ_OK;
}

size_t
rmq_map_pull_bytes(const mq_req_t *req, int status, const mq_rep_t *rep)
{
    size_t n = 0;
    if (req->op != MQ_OP_PULL || status != MQ_OK || !rep ||
        rmq_pull_code(rep->u.pull.status, req->u.pull.offset) != RMQ_RC_SUCCESS)
        return 0;
    for (int i = 0; i < rep->u.pull.n_records; i++)
        n += rep->u.pull.records[i].n;
    return n;
}

int
rmq_map_broker_reply(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                     mq_pool_t *pool, mq_buf_t *out)
{
    rmq_cmd_t r;
    mq_buf_t body = MQ_BUF_INIT;
    size_t records = rmq_map_pull_bytes(req, status, rep);

    if (rmq_map_broker_cmd(req, status, rep, opaque, pool, &r, &body) != MQ_OK)
        return MQ_DECLINED;
    if (records > 0) {
        /* the stored records, back to back, exactly as the store holds them */
        rmq_cmd_encode_head(&r, records, out);
        for (int i = 0; i < rep->u.pull.n_records; i++)
            mq_buf_append_str(out, rep->u.pull.records[i]);
    } else {
        r.body = mq_buf_view(&body);
        rmq_cmd_encode(&r, out);
    }
    mq_buf_fini(&body);
    return MQ_OK;
}
