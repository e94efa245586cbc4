/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_register.c -- the broker's requests to its NameServers (rmq_map_namesrv.c):
 * REGISTER_BROKER and UNREGISTER_BROKER frames written by rmq_register_broker_encode() /
 * rmq_unregister_broker_encode() decode, through the NameServer mapping that serves real Java
 * brokers, to the same fields; the extFields and body carry the names and the CRC the Java
 * broker sends (BrokerOuterAPI.registerBrokerAll, RegisterBrokerBody, TopicConfig).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "mq/crc.h"
#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_map.h"
#include "rmq_test.h"

TestSuite(rmq_register);

static mq_topic_conf_t topics[] = {
    {MQ_STR("TopicTest"), 4, 4, 6, 0, 0},
    {MQ_STR("Orders"), 8, 16, 7, 0, 1},
    {MQ_STR("%RETRY%cg \"quoted\"\\"), 1, 1, 6, 1, 0},
};

static void
sample(mq_register_broker_t *rb)
{
    memset(rb, 0, sizeof(*rb));
    rb->cluster = MQ_STR("DefaultCluster");
    rb->broker_name = MQ_STR("broker-a");
    rb->broker_addr = MQ_STR("127.0.0.1:10911");
    rb->ha_addr = MQ_STR("127.0.0.1:10912");
    rb->broker_id = 0;
    rb->heartbeat_timeout = 120000;
    rb->version = (mq_data_version_t){42, 3, 1700000000123};
    rb->topics = topics;
    rb->n_topics = 3;
    rb->kafka_node_id = -1;
}

Test(rmq_register, round_trip_through_the_namesrv_mapping)
{
    mq_pool_t pool;
    mq_register_broker_t rb;
    mq_buf_t out = MQ_BUF_INIT;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why = NULL;

    sample(&rb);
    mq_pool_init(&pool, 0);
    rmq_register_broker_encode(&rb, 77, &pool, &out);
    rmq_test_decode_frame(&out, &pool, &c);
    cr_expect_eq(c.code, RMQ_REGISTER_BROKER);
    cr_expect_eq(c.opaque, 77);
    cr_expect_not(rmq_cmd_is_response(&c));
    cr_expect_not(rmq_cmd_is_oneway(&c));
    memset(&req, 0, sizeof(req));
    cr_assert_eq(rmq_map_request(&c, &pool, &req, &why), MQ_OK, "why: %s", why ? why : "-");
    cr_assert_eq(req.op, MQ_OP_REGISTER_BROKER);
    {
        const mq_register_broker_t *d = &req.u.register_broker;
        expect_str(d->cluster, "DefaultCluster");
        expect_str(d->broker_name, "broker-a");
        expect_str(d->broker_addr, "127.0.0.1:10911");
        expect_str(d->ha_addr, "127.0.0.1:10912");
        cr_expect_eq(d->broker_id, 0);
        cr_expect_eq(d->heartbeat_timeout, 120000);
        cr_expect_eq(d->version.counter, 42);
        cr_expect_eq(d->version.state_version, 3);
        cr_expect_eq(d->version.timestamp, 1700000000123);
        cr_expect_eq(d->kafka_listener.n, 0);
        cr_expect_eq(d->kafka_node_id, -1);
        cr_assert_eq(d->n_topics, 3);
        for (int i = 0; i < 3; i++) {
            /* the table is a JSON object: find each topic by name, whatever the order */
            const mq_topic_conf_t *t = NULL;
            for (int j = 0; j < d->n_topics && !t; j++)
                if (mq_str_eq(d->topics[j].name, topics[i].name))
                    t = &d->topics[j];
            cr_assert_not_null(t, "topic %d found", i);
            cr_expect_eq(t->read_queues, topics[i].read_queues);
            cr_expect_eq(t->write_queues, topics[i].write_queues);
            cr_expect_eq(t->perm, topics[i].perm);
            cr_expect_eq(t->topic_sys_flag, topics[i].topic_sys_flag);
            cr_expect_eq(t->order, topics[i].order);
        }
    }
    mq_buf_fini(&out);
    mq_pool_fini(&pool);
}

Test(rmq_register, ext_fields_and_body_as_the_java_broker_sends)
{
    mq_pool_t pool;
    mq_register_broker_t rb;
    mq_buf_t out = MQ_BUF_INIT;
    rmq_cmd_t c;
    mq_str_t v;
    int64_t crc = 0;
    json_t *root, *wrapper, *tc;

    sample(&rb);
    rb.broker_id = 1;
    mq_pool_init(&pool, 0);
    rmq_register_broker_encode(&rb, 5, &pool, &out);
    rmq_test_decode_frame(&out, &pool, &c);
    cr_assert(rmq_cmd_ext(&c, "brokerId", &v));
    expect_str(v, "1");
    cr_assert(rmq_cmd_ext(&c, "compressed", &v));
    expect_str(v, "false");
    cr_assert(rmq_cmd_ext(&c, "enableActingMaster", &v));
    expect_str(v, "false");
    cr_expect_not(rmq_cmd_ext(&c, "heartbeatTimeoutMillis", &v), "default timeout not sent");
    cr_expect_not(rmq_cmd_ext(&c, "kafkaListener", &v), "no Kafka listener announced");
    cr_assert_eq(rmq_cmd_ext_i64(&c, "bodyCrc32", &crc), MQ_OK);
    cr_expect_eq(crc, mq_body_crc(c.body.p, c.body.n), "bodyCrc32 = crc32(body) & 0x7fffffff");
    cr_expect_gt(crc, 0);

    root = json_loadb(c.body.p, c.body.n, 0, NULL);
    cr_assert(json_is_object(root), "body is JSON: %.*s", (int)c.body.n, c.body.p);
    cr_expect(json_is_array(json_object_get(root, "filterServerList")));
    cr_expect_eq(json_array_size(json_object_get(root, "filterServerList")), 0);
    wrapper = json_object_get(root, "topicConfigSerializeWrapper");
    cr_assert(json_is_object(wrapper));
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(wrapper, "dataVersion"), "counter")),
        42);
    tc = json_object_get(json_object_get(wrapper, "topicConfigTable"), "Orders");
    cr_assert(json_is_object(tc));
    cr_expect_str_eq(json_string_value(json_object_get(tc, "topicName")), "Orders");
    cr_expect_str_eq(json_string_value(json_object_get(tc, "topicFilterType")), "SINGLE_TAG");
    cr_expect_eq(json_integer_value(json_object_get(tc, "readQueueNums")), 8);
    cr_expect_eq(json_integer_value(json_object_get(tc, "writeQueueNums")), 16);
    cr_expect_eq(json_integer_value(json_object_get(tc, "perm")), 7);
    cr_expect(json_is_true(json_object_get(tc, "order")));
    cr_expect(json_is_object(json_object_get(tc, "attributes")));
    json_decref(root);
    mq_buf_fini(&out);
    mq_pool_fini(&pool);
}

Test(rmq_register, optional_fields_round_trip)
{
    mq_pool_t pool;
    mq_register_broker_t rb;
    mq_buf_t out = MQ_BUF_INIT;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why = NULL;

    sample(&rb);
    rb.n_topics = 0;
    rb.broker_id = 2;
    rb.heartbeat_timeout = 10000;
    rb.kafka_listener = MQ_STR("127.0.0.1:9092");
    rb.kafka_node_id = 3;
    mq_pool_init(&pool, 0);
    rmq_register_broker_encode(&rb, 9, &pool, &out);
    rmq_test_decode_frame(&out, &pool, &c);
    cr_assert_eq(rmq_map_request(&c, &pool, &req, &why), MQ_OK, "why: %s", why ? why : "-");
    cr_expect_eq(req.u.register_broker.broker_id, 2);
    cr_expect_eq(req.u.register_broker.heartbeat_timeout, 10000);
    expect_str(req.u.register_broker.kafka_listener, "127.0.0.1:9092");
    cr_expect_eq(req.u.register_broker.kafka_node_id, 3);
    cr_expect_eq(req.u.register_broker.n_topics, 0, "an empty topic table is still valid");
    mq_buf_fini(&out);
    mq_pool_fini(&pool);
}

Test(rmq_register, unregister_round_trip)
{
    mq_pool_t pool;
    mq_unregister_broker_t ub = {MQ_STR("DefaultCluster"), MQ_STR("broker-b"),
                                 MQ_STR("10.0.0.7:10911"), 0};
    mq_buf_t out = MQ_BUF_INIT;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why = NULL;

    mq_pool_init(&pool, 0);
    rmq_unregister_broker_encode(&ub, 1234, &pool, &out);
    rmq_test_decode_frame(&out, &pool, &c);
    cr_expect_eq(c.code, RMQ_UNREGISTER_BROKER);
    cr_expect_eq(c.opaque, 1234);
    cr_expect_eq(c.body.n, 0);
    cr_assert_eq(rmq_map_request(&c, &pool, &req, &why), MQ_OK, "why: %s", why ? why : "-");
    cr_assert_eq(req.op, MQ_OP_UNREGISTER_BROKER);
    expect_str(req.u.unregister_broker.cluster, "DefaultCluster");
    expect_str(req.u.unregister_broker.broker_name, "broker-b");
    expect_str(req.u.unregister_broker.broker_addr, "10.0.0.7:10911");
    cr_expect_eq(req.u.unregister_broker.broker_id, 0);
    mq_buf_fini(&out);
    mq_pool_fini(&pool);
}

Test(rmq_register, frames_reencode_byte_identical)
{
    /* our own frames: encode -> decode -> encode gives the same bytes */
    mq_pool_t pool;
    mq_register_broker_t rb;
    mq_buf_t a = MQ_BUF_INIT, b = MQ_BUF_INIT;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why = NULL;

    sample(&rb);
    rb.n_topics = 1; /* one topic: object member order cannot differ */
    mq_pool_init(&pool, 0);
    rmq_register_broker_encode(&rb, 3, &pool, &a);
    rmq_test_decode_frame(&a, &pool, &c);
    cr_assert_eq(rmq_map_request(&c, &pool, &req, &why), MQ_OK);
    rmq_register_broker_encode(&req.u.register_broker, 3, &pool, &b);
    cr_assert_eq(a.len, b.len);
    cr_expect_eq(memcmp(a.data, b.data, a.len), 0);
    mq_buf_fini(&a);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}
