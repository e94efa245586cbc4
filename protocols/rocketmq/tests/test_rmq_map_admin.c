/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_map_admin.c -- the broker's admin request codes <-> request model
 * (rmq_map_admin.c): each code maps to its operation with the header fields Java names
 * (numbers as strings, booleans as text, defaults when optional fields are absent), malformed
 * or missing fields are refused with the field named, and every reply decodes back with the
 * codes, extFields and bodies (fastjson layout, MessageQueue object keys) Java writes.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_map.h"
#include "rmq_map_admin.h"
#include "rmq_test.h"

/* ---- Helpers ---- */

static void
cmd_new(rmq_cmd_t *c, int32_t code)
{
    rmq_cmd_init(c, code, 1, 0);
    c->version = 479;
}

static int
map_cmd(rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    memset(req, 0, sizeof(*req));
    *why = NULL;
    return rmq_map_request(c, pool, req, why);
}

/* rmq_map_reply() into b, decoded back into out. */
static void
reply_decode(const mq_req_t *req, int status, const mq_rep_t *rep, mq_pool_t *pool, mq_buf_t *b,
             rmq_cmd_t *out)
{
    mq_buf_reset(b);
    rmq_map_reply(req, status, rep, 77, pool, b);
    cr_assert_eq(rmq_test_decode(b->data, b->len, pool, out), MQ_OK);
    cr_expect_eq(out->opaque, 77);
    cr_expect(rmq_cmd_is_response(out));
}

static void
expect_body(const rmq_cmd_t *c, const char *want)
{
    cr_expect(mq_str_eq_cstr(c->body, want), "body:\n got  %.*s\n want %s", (int)c->body.n,
              c->body.p ? c->body.p : "", want);
}

static json_t *
body_json(const rmq_cmd_t *c)
{
    json_error_t err;
    json_t *j = json_loadb(c->body.p, c->body.n, 0, &err);
    cr_assert(j, "body is not JSON (%s): %.*s", err.text, (int)c->body.n, c->body.p);
    return j;
}

TestSuite(rmq_map_admin);

/* ---- Requests ---- */

Test(rmq_map_admin, create_topic_header)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;

    mq_pool_init(&pool, 0);
    cmd_new(&c, RMQ_UPDATE_AND_CREATE_TOPIC);
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T1"));
    rmq_cmd_add(&c, &pool, "defaultTopic", MQ_STR("TBW102"));
    rmq_cmd_add(&c, &pool, "readQueueNums", MQ_STR("4"));
    rmq_cmd_add(&c, &pool, "writeQueueNums", MQ_STR("8"));
    rmq_cmd_add(&c, &pool, "perm", MQ_STR("6"));
    rmq_cmd_add(&c, &pool, "topicFilterType", MQ_STR("MULTI_TAG"));
    rmq_cmd_add(&c, &pool, "order", MQ_STR("True"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_TOPIC_UPSERT);
    expect_str(req.u.topic_info.conf.name, "T1");
    cr_expect_eq(req.u.topic_info.conf.read_queues, 4);
    cr_expect_eq(req.u.topic_info.conf.write_queues, 8);
    cr_expect_eq(req.u.topic_info.conf.perm, 6);
    cr_expect_eq(req.u.topic_info.conf.order, 1);
    cr_expect_eq(req.u.topic_info.conf.topic_sys_flag, 0);
    expect_str(req.u.topic_info.filter_type, "MULTI_TAG");

    /* perm missing, then not a number */
    cmd_new(&c, RMQ_UPDATE_AND_CREATE_TOPIC);
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T1"));
    rmq_cmd_add(&c, &pool, "readQueueNums", MQ_STR("4"));
    rmq_cmd_add(&c, &pool, "writeQueueNums", MQ_STR("4"));
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "perm");
    rmq_cmd_add(&c, &pool, "perm", MQ_STR("rw"));
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "perm");
    cmd_new(&c, RMQ_UPDATE_AND_CREATE_TOPIC);
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "topic");
    mq_pool_fini(&pool);
}

Test(rmq_map_admin, topic_and_group_codes)
{
    static const struct {
        int32_t code;
        mq_op_t op;
    } simple[] = {
        {RMQ_GET_ALL_TOPIC_CONFIG, MQ_OP_TOPIC_CONFIG_LIST},
        {RMQ_GET_ALL_SUBSCRIPTIONGROUP_CONFIG, MQ_OP_GROUP_CONFIG_LIST},
        {RMQ_GET_BROKER_RUNTIME_INFO, MQ_OP_RUNTIME_INFO},
        {RMQ_GET_BROKER_CONFIG, MQ_OP_BROKER_CONFIG_GET},
    };
    static const struct {
        int32_t code;
        mq_op_t op;
    } by_topic[] = {
        {RMQ_DELETE_TOPIC_IN_BROKER, MQ_OP_TOPIC_DELETE},
        {RMQ_GET_TOPIC_CONFIG, MQ_OP_TOPIC_CONFIG_GET},
        {RMQ_GET_TOPIC_STATS_INFO, MQ_OP_TOPIC_STATS},
    };
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;

    mq_pool_init(&pool, 0);
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        cmd_new(&c, simple[i].code);
        cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
        cr_expect_eq(req.op, simple[i].op, "code %d", simple[i].code);
    }
    for (size_t i = 0; i < sizeof(by_topic) / sizeof(by_topic[0]); i++) {
        cmd_new(&c, by_topic[i].code);
        cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL, "code %d", by_topic[i].code);
        cr_expect_str_eq(why, "topic");
        rmq_cmd_add(&c, &pool, "topic", MQ_STR("Tx"));
        cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
        cr_expect_eq(req.op, by_topic[i].op);
        expect_str(req.u.topic, "Tx");
    }
    cmd_new(&c, RMQ_DELETE_SUBSCRIPTIONGROUP);
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "groupName");
    rmq_cmd_add(&c, &pool, "groupName", MQ_STR("g1"));
    rmq_cmd_add(&c, &pool, "cleanOffset", MQ_STR("true"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_GROUP_DELETE);
    expect_str(req.u.group_delete.group, "g1");
    cr_expect_eq(req.u.group_delete.clean_offset, 1);

    cmd_new(&c, RMQ_GET_CONSUME_STATS);
    rmq_cmd_add(&c, &pool, "consumerGroup", MQ_STR("g1"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_CONSUME_STATS);
    expect_str(req.u.group_topic.group, "g1");
    cr_expect_eq(req.u.group_topic.topic.n, 0, "topic is optional");
    cmd_new(&c, RMQ_GET_CONSUMER_CONNECTION_LIST);
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "consumerGroup");
    mq_pool_fini(&pool);
}

Test(rmq_map_admin, subscription_group_body)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;
    static const char body[] = "{\"groupName\":\"sg\",\"retryMaxTimes\":3,"
                               "\"consumeBroadcastEnable\":false,\"brokerId\":1}";

    mq_pool_init(&pool, 0);
    cmd_new(&c, RMQ_UPDATE_AND_CREATE_SUBSCRIPTIONGROUP);
    c.body = MQ_STR(body);
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_GROUP_UPSERT);
    expect_str(req.u.group_conf.name, "sg");
    cr_expect_eq(req.u.group_conf.retry_max_times, 3);
    cr_expect_eq(req.u.group_conf.consume_broadcast_enable, 0);
    cr_expect_eq(req.u.group_conf.broker_id, 1);
    /* SubscriptionGroupConfig defaults for what the body leaves out */
    cr_expect_eq(req.u.group_conf.consume_enable, 1);
    cr_expect_eq(req.u.group_conf.retry_queue_nums, 1);
    cr_expect_eq(req.u.group_conf.which_broker_when_slow, 1);
    cr_expect_eq(req.u.group_conf.consume_timeout_minute, 15);
    cr_expect_eq(req.u.group_conf.notify_consumer_ids_changed, 1);

    c.body = MQ_STR("{\"retryMaxTimes\":3}");
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "body groupName");
    c.body = MQ_STR("not json");
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    c.body = MQ_STR_NULL;
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    mq_pool_fini(&pool);
}

Test(rmq_map_admin, query_view_and_reset_headers)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;

    mq_pool_init(&pool, 0);
    cmd_new(&c, RMQ_QUERY_MESSAGE);
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
    rmq_cmd_add(&c, &pool, "key", MQ_STR("k1"));
    rmq_cmd_add(&c, &pool, "maxNum", MQ_STR("5"));
    rmq_cmd_add(&c, &pool, "beginTimestamp", MQ_STR("10"));
    rmq_cmd_add(&c, &pool, "endTimestamp", MQ_STR("20"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_QUERY_MESSAGE);
    expect_str(req.u.query_message.key, "k1");
    cr_expect_eq(req.u.query_message.max, 5);
    cr_expect_eq(req.u.query_message.begin_ms, 10);
    cr_expect_eq(req.u.query_message.end_ms, 20);
    cr_expect_eq(req.u.query_message.uniq, 0);
    rmq_cmd_add(&c, &pool, "_UNIQUE_KEY_QUERY", MQ_STR("true"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.u.query_message.uniq, 1);
    cr_expect_eq(req.u.query_message.max, 32, "Java's defaultQueryMaxNum for UNIQ_KEY queries");
    cmd_new(&c, RMQ_QUERY_MESSAGE);
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
    rmq_cmd_add(&c, &pool, "key", MQ_STR("k1"));
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "maxNum");

    cmd_new(&c, RMQ_VIEW_MESSAGE_BY_ID);
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "offset");
    rmq_cmd_add(&c, &pool, "offset", MQ_STR("123456"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_VIEW_MESSAGE);
    cr_expect_eq(req.u.view_message.offset, 123456);

    cmd_new(&c, RMQ_INVOKE_BROKER_TO_RESET_OFFSET);
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
    rmq_cmd_add(&c, &pool, "group", MQ_STR("g"));
    rmq_cmd_add(&c, &pool, "timestamp", MQ_STR("-1"));
    rmq_cmd_add(&c, &pool, "isForce", MQ_STR("true"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_RESET_GROUP_OFFSET);
    cr_expect_eq(req.u.reset_offset.timestamp, -1);
    cr_expect_eq(req.u.reset_offset.force, 1);
    cr_expect_eq(req.u.reset_offset.queue_id, -1, "absent queueId: every queue");
    cr_expect_eq(req.u.reset_offset.offset, -1);
    rmq_cmd_add(&c, &pool, "queueId", MQ_STR("x"));
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq(why, "queueId");
    mq_pool_fini(&pool);
}

Test(rmq_map_admin, update_broker_config_properties)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;
    mq_str_list_t l;

    mq_pool_init(&pool, 0);
    cmd_new(&c, RMQ_UPDATE_BROKER_CONFIG);
    c.body = MQ_STR("# comment\r\n a = 1 \r\n\r\n!x\nb:two words\nc=\n");
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_BROKER_CONFIG_UPDATE);
    cr_assert_eq(req.u.config.n, 6, "three pairs, keys and values alternating");
    expect_str(req.u.config.items[0], "a");
    expect_str(req.u.config.items[1], "1");
    expect_str(req.u.config.items[2], "b");
    expect_str(req.u.config.items[3], "two words");
    expect_str(req.u.config.items[4], "c");
    expect_str(req.u.config.items[5], "");
    c.body = MQ_STR("novalue\n");
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    c.body = MQ_STR("# only a comment\n");
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL, "nothing to update");
    cr_expect_eq(rmq_properties_parse(MQ_STR("a=1\nb=2\nc=3\n"), &pool, 2, &l), -1,
                 "more pairs than allowed");
    cr_expect_eq(rmq_properties_parse(MQ_STR("=1\n"), &pool, 8, &l), -1, "empty key");
    cr_expect_eq(rmq_properties_parse(MQ_STR("\r: 500\n"), &pool, 8, &l), -1,
                 "a key of white space only (fuzz_rmq_frame found it)");
    mq_pool_fini(&pool);
}

/* ---- Replies ---- */

Test(rmq_map_admin, topic_config_replies)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_req_t req;
    mq_rep_t rep;
    rmq_cmd_t r;
    mq_topic_info_t t[2];
    json_t *j;

    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    memset(t, 0, sizeof(t));
    t[0].conf = (mq_topic_conf_t){MQ_STR("A"), 4, 4, 6, 0, 0};
    t[0].attributes = MQ_STR("{\"+queue.type\":\"Normal\"}");
    t[1].conf = (mq_topic_conf_t){MQ_STR("q\"x"), 1, 2, 4, 1, 1};
    t[1].filter_type = MQ_STR("MULTI_TAG");
    rep.u.topics.topics = t;
    rep.u.topics.n = 2;
    rep.u.topics.version = (mq_data_version_t){3, 0, 1700000000000};
    req.op = MQ_OP_TOPIC_CONFIG_LIST;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SUCCESS);
    expect_body(&r, "{\"dataVersion\":{\"counter\":3,\"stateVersion\":0,\"timestamp\":"
                    "1700000000000},\"mappingDataVersion\":{\"counter\":0,\"stateVersion\":0,"
                    "\"timestamp\":1700000000000},\"topicConfigTable\":{\"A\":{\"attributes\":{"
                    "\"+queue.type\":\"Normal\"},\"order\":false,\"perm\":6,\"readQueueNums\":4,"
                    "\"topicFilterType\":\"SINGLE_TAG\",\"topicName\":\"A\",\"topicSysFlag\":0,"
                    "\"writeQueueNums\":4},\"q\\\"x\":{\"attributes\":{},\"order\":true,\"perm\":4,"
                    "\"readQueueNums\":1,\"topicFilterType\":\"MULTI_TAG\",\"topicName\":"
                    "\"q\\\"x\",\"topicSysFlag\":1,\"writeQueueNums\":2}},"
                    "\"topicQueueMappingDetailMap\":{},\"topicQueueMappingInfoMap\":{}}");
    j = body_json(&r);
    json_decref(j);

    req.op = MQ_OP_TOPIC_CONFIG_GET;
    rep.u.topics.n = 1;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    j = body_json(&r);
    cr_expect_str_eq(json_string_value(json_object_get(j, "topicName")), "A");
    json_decref(j);
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_TOPIC_NOT_EXIST);
    cr_expect(r.remark.n > 0);

    req.op = MQ_OP_TOPIC_UPSERT;
    reply_decode(&req, MQ_OK, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SUCCESS);
    cr_expect_eq(r.body.n, 0);
    rep.text = "The topic is conflict with system topic.";
    reply_decode(&req, MQ_EINVAL, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SYSTEM_ERROR, "Java's admin refusals are SYSTEM_ERROR");
    expect_str(r.remark, "The topic is conflict with system topic.");
    req.op = MQ_OP_BROKER_CONFIG_UPDATE;
    reply_decode(&req, MQ_EPERM, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_NO_PERMISSION, "a key that cannot change: Java's black list code");
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_map_admin, stats_replies_use_message_queue_keys)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_req_t req;
    mq_rep_t rep;
    rmq_cmd_t r;
    mq_queue_stat_t q[2] = {{MQ_STR("T"), 0, 1, 10, 7, 1700000000123},
                            {MQ_STR("T"), 1, 0, 0, 0, 0}};

    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    rep.u.stats = (mq_queue_stats_t){MQ_STR("broker-a"), q, 2, 0.0};
    req.op = MQ_OP_CONSUME_STATS;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_body(&r, "{\"consumeTps\":0.0,\"offsetTable\":{"
                    "{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"T\"}:{\"brokerOffset\":"
                    "10,\"consumerOffset\":7,\"lastTimestamp\":1700000000123,\"pullOffset\":7},"
                    "{\"brokerName\":\"broker-a\",\"queueId\":1,\"topic\":\"T\"}:{\"brokerOffset\":"
                    "0,\"consumerOffset\":0,\"lastTimestamp\":0,\"pullOffset\":0}}}");
    req.op = MQ_OP_TOPIC_STATS;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_body(&r, "{\"offsetTable\":{"
                    "{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"T\"}:{"
                    "\"lastUpdateTimestamp\":1700000000123,\"maxOffset\":10,\"minOffset\":1},"
                    "{\"brokerName\":\"broker-a\",\"queueId\":1,\"topic\":\"T\"}:{"
                    "\"lastUpdateTimestamp\":0,\"maxOffset\":0,\"minOffset\":0}}}");
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_TOPIC_NOT_EXIST);
    req.op = MQ_OP_RESET_GROUP_OFFSET;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_body(&r, "{\"offsetTable\":{"
                    "{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"T\"}:7,"
                    "{\"brokerName\":\"broker-a\",\"queueId\":1,\"topic\":\"T\"}:0}}");
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SYSTEM_ERROR);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_map_admin, connections_reply)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_req_t req;
    mq_rep_t rep;
    rmq_cmd_t r;
    mq_connection_t conn = {MQ_STR("1.2.3.4@1"), MQ_STR("1.2.3.4:5555"), MQ_STR("CPP"), 333};
    mq_subscription_t sub = {MQ_STR("T"), MQ_STR("a || b"), MQ_STR("TAG"), 9};
    json_t *j, *s;

    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    req.op = MQ_OP_GROUP_CONNECTIONS;
    rep.u.conns =
        (mq_group_connections_t){&conn, 1, &sub, 1, 1, 0, MQ_STR("CONSUME_FROM_TIMESTAMP")};
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    j = body_json(&r);
    cr_expect_str_eq(json_string_value(json_object_get(j, "consumeType")), "CONSUME_PASSIVELY");
    cr_expect_str_eq(json_string_value(json_object_get(j, "messageModel")), "CLUSTERING");
    cr_expect_str_eq(json_string_value(json_object_get(j, "consumeFromWhere")),
                     "CONSUME_FROM_TIMESTAMP");
    s = json_array_get(json_object_get(j, "connectionSet"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(s, "clientAddr")), "1.2.3.4:5555");
    cr_expect_str_eq(json_string_value(json_object_get(s, "language")), "CPP");
    cr_expect_eq(json_integer_value(json_object_get(s, "version")), 333);
    s = json_object_get(json_object_get(j, "subscriptionTable"), "T");
    cr_expect_str_eq(json_string_value(json_object_get(s, "subString")), "a || b");
    cr_expect_eq(json_array_size(json_object_get(s, "tagsSet")), 2);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(s, "tagsSet"), 1)), "b");
    /* codeSet: Java "a".hashCode() == 97, "b".hashCode() == 98 */
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(s, "codeSet"), 0)), 97);
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(s, "codeSet"), 1)), 98);
    cr_expect_eq(json_integer_value(json_object_get(s, "subVersion")), 9);
    json_decref(j);
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_CONSUMER_NOT_ONLINE);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_map_admin, records_runtime_and_config_replies)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_req_t req;
    mq_rep_t rep;
    rmq_cmd_t r;
    mq_str_t recs[2] = {MQ_STR("record-one"), MQ_STR("record-two")};
    mq_str_t kv[4] = {MQ_STR("msgPutTotalTodayNow"), MQ_STR("12"), MQ_STR("runtime"),
                      MQ_STR("[ 0 days ]")};
    mq_str_t v;
    json_t *j;

    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    req.op = MQ_OP_QUERY_MESSAGE;
    rep.u.records = (mq_records_t){recs, 2, 1700000000000, 4096};
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_body(&r, "record-onerecord-two");
    cr_assert(rmq_cmd_ext(&r, "indexLastUpdateTimestamp", &v));
    expect_str(v, "1700000000000");
    cr_assert(rmq_cmd_ext(&r, "indexLastUpdatePhyoffset", &v));
    expect_str(v, "4096");
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_QUERY_NOT_FOUND);
    req.op = MQ_OP_VIEW_MESSAGE;
    rep.u.records.n = 1;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_body(&r, "record-one");
    cr_expect(!rmq_cmd_ext(&r, "indexLastUpdatePhyoffset", &v));
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SYSTEM_ERROR);

    req.op = MQ_OP_RUNTIME_INFO;
    rep.u.kv = (mq_kv_table_t){kv, 2, {0, 0, 0}};
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_body(&r, "{\"table\":{\"msgPutTotalTodayNow\":\"12\",\"runtime\":\"[ 0 days ]\"}}");

    req.op = MQ_OP_BROKER_CONFIG_GET;
    rep.u.kv.version = (mq_data_version_t){2, 0, 5};
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_body(&r, "msgPutTotalTodayNow=12\nruntime=[ 0 days ]\n");
    cr_assert(rmq_cmd_ext(&r, "version", &v));
    j = json_loadb(v.p, v.n, 0, NULL);
    cr_expect_eq(json_integer_value(json_object_get(j, "counter")), 2);
    json_decref(j);

    req.op = MQ_OP_GROUP_CONFIG_LIST;
    {
        mq_group_conf_t g = {MQ_STR("g1"), 1, 1, 0, 0, 1, 16, 0, 1, 1, 0, 15};
        rep.u.groups = (mq_group_table_t){{1, 0, 9}, &g, 1};
        reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
        j = body_json(&r);
        json_t *gj = json_object_get(json_object_get(j, "subscriptionGroupTable"), "g1");
        cr_expect_str_eq(json_string_value(json_object_get(gj, "groupName")), "g1");
        cr_expect(json_is_false(json_object_get(gj, "consumeBroadcastEnable")));
        cr_expect_eq(json_integer_value(json_object_get(gj, "retryMaxTimes")), 16);
        json_decref(j);
    }
    /* a non-admin op is not this family's */
    req.op = MQ_OP_PRODUCE;
    mq_buf_reset(&b);
    cr_expect_eq(rmq_map_admin_reply(&req, MQ_OK, NULL, 1, &pool, &b), MQ_DECLINED);
    cr_expect_eq(b.len, 0);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}
