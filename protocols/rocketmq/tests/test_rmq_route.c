/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_route.c -- the NameServer's route bodies decoded (rmq_route.c): what our own
 * encoders write round-trips, the Kafka listener extension included; fastjson's bare integer
 * keys are read; bodies that are not routes are refused.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rmq_map.h"
#include "rmq_route.h"

static int64_t ids_a[] = {0, 1};
static mq_str_t addrs_a[] = {MQ_STR("10.0.0.1:10911"), MQ_STR("10.0.0.2:10911")};
static int64_t ids_b[] = {0};
static mq_str_t addrs_b[] = {MQ_STR("10.0.0.3:10911")};

static mq_route_broker_t brokers[] = {
    {MQ_STR("C1"), MQ_STR("broker-a"), ids_a, addrs_a, 2, MQ_STR("10.0.0.1:9092"), 40},
    {MQ_STR("C1"), MQ_STR("broker-b"), ids_b, addrs_b, 1, MQ_STR(""), -1},
};

Test(rmq_route, topic_route_round_trips)
{
    mq_route_queue_t queues[] = {{MQ_STR("broker-a"), 4, 8, 6, 0},
                                 {MQ_STR("broker-b"), 2, 2, 4, 0}};
    mq_route_t in = {brokers, 2, queues, 2, MQ_STR("broker-a:4;broker-b:2")}, out;
    mq_buf_t b = MQ_BUF_INIT;
    mq_pool_t pool;
    mq_pool_init(&pool, 0);
    rmq_route_json(&in, &b);
    cr_assert_eq(rmq_route_decode(mq_buf_view(&b), &pool, &out), MQ_OK);
    cr_assert_eq(out.n_brokers, 2);
    cr_assert_eq(out.n_queues, 2);
    cr_expect(mq_str_eq(out.brokers[0].broker_name, MQ_STR("broker-a")));
    cr_expect(mq_str_eq(out.brokers[0].cluster, MQ_STR("C1")));
    cr_assert_eq(out.brokers[0].n_addrs, 2);
    cr_expect(mq_str_eq(out.brokers[0].kafka_listener, MQ_STR("10.0.0.1:9092")));
    cr_expect_eq(out.brokers[0].kafka_node_id, 40);
    cr_expect_eq(out.brokers[1].kafka_node_id, -1);
    cr_expect_eq(out.brokers[1].kafka_listener.n, 0);
    for (int i = 0; i < 2; i++) {
        int64_t id = out.brokers[0].ids[i];
        cr_expect(id == 0 || id == 1);
        cr_expect(mq_str_eq(out.brokers[0].addrs[i], addrs_a[id]));
    }
    cr_expect(mq_str_eq(out.queues[0].broker_name, MQ_STR("broker-a")));
    cr_expect_eq(out.queues[0].read_queues, 4);
    cr_expect_eq(out.queues[0].write_queues, 8);
    cr_expect_eq(out.queues[1].perm, 4);
    cr_expect(mq_str_eq(out.order_topic_conf, MQ_STR("broker-a:4;broker-b:2")));
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_route, cluster_info_round_trips)
{
    mq_cluster_info_t in = {brokers, 2}, out;
    mq_buf_t b = MQ_BUF_INIT;
    mq_pool_t pool;
    mq_pool_init(&pool, 0);
    rmq_cluster_info_json(&in, &b);
    cr_assert_eq(rmq_cluster_info_decode(mq_buf_view(&b), &pool, &out), MQ_OK);
    cr_assert_eq(out.n_brokers, 2);
    for (int i = 0; i < 2; i++) {
        const mq_route_broker_t *x = &out.brokers[i];
        int a = mq_str_eq(x->broker_name, MQ_STR("broker-a"));
        cr_expect(a || mq_str_eq(x->broker_name, MQ_STR("broker-b")));
        cr_expect_eq(x->n_addrs, a ? 2 : 1);
        cr_expect_eq(x->kafka_node_id, a ? 40 : -1);
    }
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_route, bare_integer_keys_and_string_numbers)
{
    static const char body[] =
        "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"1.2.3.4:10911\", 2 :\"1.2.3.5:10911\"},"
        "\"brokerName\":\"b\",\"cluster\":\"c\"}],"
        "\"queueDatas\":[{\"brokerName\":\"b\",\"readQueueNums\":\"3\",\"writeQueueNums\":3}]}";
    mq_pool_t pool;
    mq_route_t out;
    mq_buf_t q = MQ_BUF_INIT;
    mq_pool_init(&pool, 0);
    cr_assert_eq(rmq_route_decode(mq_str_from_cstr(body), &pool, &out), MQ_OK);
    cr_assert_eq(out.brokers[0].n_addrs, 2);
    cr_expect_eq(out.queues[0].read_queues, 3);
    cr_expect_eq(out.queues[0].perm, 6);
    rmq_json_quote_int_keys(mq_str_from_cstr("{\"a\":\"{0:1,\\\"2:3\",5:[1,2],-1:{7:8}}"), &q);
    cr_expect_str_eq(mq_buf_cstr(&q), "{\"a\":\"{0:1,\\\"2:3\",\"5\":[1,2],\"-1\":{\"7\":8}}");
    mq_buf_fini(&q);
    mq_pool_fini(&pool);
}

Test(rmq_route, refuses_what_is_not_a_route)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"queueDatas\":5}",
        "{\"brokerDatas\":{}}",
        "{\"queueDatas\":[{\"brokerName\":\"x\",\"readQueueNums\":-1}]}",
        "{\"queueDatas\":[{\"readQueueNums\":99999999}]}",
        "{\"brokerDatas\":[1,2",
        "null"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mq_pool_t pool;
        mq_route_t r;
        mq_cluster_info_t ci;
        mq_pool_init(&pool, 0);
        cr_expect_eq(rmq_route_decode(mq_str_from_cstr(bad[i]), &pool, &r), MQ_EPROTO, "%s",
                     bad[i]);
        if (i != 2 && i != 3 && i != 4 && i != 5)
            cr_expect_eq(rmq_cluster_info_decode(mq_str_from_cstr(bad[i]), &pool, &ci), MQ_EPROTO,
                         "%s", bad[i]);
        mq_pool_fini(&pool);
    }
}
