/* SPDX-License-Identifier: Apache-2.0
 *
 * test_ns.c -- NameServer registration and lookups (ns_route.c, ns_route_read.c,
 * ns_service.c): master and slave registration, routes, unknown topics, several brokers per
 * topic, re-registration with a changed topic set, cluster info, topic lists, order topic
 * config, the Kafka extension fields and bad requests.
 */
#include <criterion/criterion.h>

#include "ns_test.h"

TestSuite(ns_route, .init = nst_setup, .fini = nst_teardown);

#define MASTER_A "10.0.0.1:10911"
#define SLAVE_A "10.0.0.2:10911"
#define MASTER_B "10.0.0.3:10911"

Test(ns_route, register_master_then_slave)
{
    nst_reply_t r = NST_REG(.name = "broker-a", .addr = MASTER_A, .ha_addr = "10.0.0.1:10912",
                            .counter = 1, .topics = "TopicA");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.reg.master_addr.n, 0, "a master gets no master address");
    cr_expect(nst_log_has("new broker registered: " MASTER_A));
    cr_expect(nst_log_has("new topic registered: TopicA broker=broker-a"));

    r = NST_REG(.name = "broker-a", .addr = SLAVE_A, .ha_addr = "10.0.0.2:10912", .id = 1,
                .counter = 1, .topics = "TopicA");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_str_eq(r.rep.u.reg.master_addr.p, MASTER_A);
    cr_expect_str_eq(r.rep.u.reg.ha_addr.p, "10.0.0.1:10912");
    cr_expect(nst_log_has("new broker registered: " SLAVE_A));
}

Test(ns_route, route_has_queue_data_and_both_addresses)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA:8:4:6");
    NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 1, .topics = "TopicA");

    nst_reply_t r = nst_get_route("TopicA");
    cr_assert_eq(r.status, MQ_OK);
    cr_assert_eq(r.rep.u.route.n_queues, 1);
    const mq_route_queue_t *q = nst_queue(&r.rep.u.route, "broker-a");
    cr_assert_not_null(q);
    cr_expect_eq(q->read_queues, 8);
    cr_expect_eq(q->write_queues, 4);
    cr_expect_eq(q->perm, 6);
    cr_expect_eq(q->topic_sys_flag, 0);

    cr_assert_eq(r.rep.u.route.n_brokers, 1);
    const mq_route_broker_t *b = &r.rep.u.route.brokers[0];
    cr_expect_str_eq(b->broker_name.p, "broker-a");
    cr_expect_str_eq(b->cluster.p, "DefaultCluster");
    cr_assert_eq(b->n_addrs, 2);
    cr_expect_eq(b->ids[0], 0, "addresses are sorted by broker id");
    cr_expect_str_eq(nst_addr(b, 0), MASTER_A);
    cr_expect_str_eq(nst_addr(b, 1), SLAVE_A);
    cr_expect_eq(r.rep.u.route.order_topic_conf.n, 0);
    cr_expect_eq(b->kafka_listener.n, 0);
    cr_expect_eq(b->kafka_node_id, -1);
}

Test(ns_route, unknown_topic_is_enoent_with_remark)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");

    nst_reply_t r = nst_get_route("Nope");
    cr_assert_eq(r.status, MQ_ENOENT);
    cr_assert_not_null(r.text);
    cr_expect_str_eq(r.text, "No topic route info in name server for the topic: Nope");

    r = nst_get_route(NULL); /* an empty topic view with a NULL pointer */
    cr_expect_eq(r.status, MQ_ENOENT);
}

Test(ns_route, two_brokers_of_one_cluster_host_the_same_topic)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "Shared OnlyA");
    NST_REG(.name = "broker-b", .addr = MASTER_B, .counter = 1, .topics = "Shared:2:2:6");

    nst_reply_t r = nst_get_route("Shared");
    cr_assert_eq(r.status, MQ_OK);
    cr_assert_eq(r.rep.u.route.n_queues, 2);
    cr_assert_eq(r.rep.u.route.n_brokers, 2);
    cr_expect_str_eq(r.rep.u.route.queues[0].broker_name.p, "broker-a", "sorted by name");
    cr_expect_eq(nst_queue(&r.rep.u.route, "broker-a")->write_queues, 4);
    cr_expect_eq(nst_queue(&r.rep.u.route, "broker-b")->write_queues, 2);
    const mq_route_broker_t *b =
        nst_broker(r.rep.u.route.brokers, r.rep.u.route.n_brokers, "broker-b");
    cr_assert_not_null(b);
    cr_expect_str_eq(nst_addr(b, 0), MASTER_B);

    r = nst_get_route("OnlyA");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.route.n_queues, 1);
    cr_expect_eq(r.rep.u.route.n_brokers, 1, "only the broker datas of the topic's brokers");
}

Test(ns_route, slave_registration_leaves_queue_data_alone)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");
    NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 7,
            .topics = "TopicA:16:16:6 SlaveOnly");

    cr_expect_eq(nst_get_route("SlaveOnly").status, MQ_ENOENT);
    nst_reply_t r = nst_get_route("TopicA");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.route.queues[0].read_queues, 4);
}

Test(ns_route, slave_before_master_has_no_route_nor_master)
{
    nst_reply_t r =
        NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 1, .topics = "TopicA");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.reg.master_addr.n, 0);
    cr_expect_eq(nst_get_route("TopicA").status, MQ_ENOENT);

    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");
    r = nst_get_route("TopicA");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.route.brokers[0].n_addrs, 2);
}

Test(ns_route, reregistration_with_changed_topics_drops_the_missing_one)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "Keep Gone");
    NST_REG(.name = "broker-b", .addr = MASTER_B, .counter = 1, .topics = "Keep");
    cr_assert_eq(nst_get_route("Gone").status, MQ_OK);

    /* same DataVersion: nothing changes, even if the topic set differs */
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "Keep");
    cr_expect_eq(nst_get_route("Gone").status, MQ_OK);

    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 2, .topics = "Keep:8:8:6 New");
    cr_expect_eq(nst_get_route("Gone").status, MQ_ENOENT);
    cr_expect(nst_log_has("topic removed: Gone"));
    cr_expect_eq(nst_get_route("New").status, MQ_OK);
    nst_reply_t r = nst_get_route("Keep");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.route.n_queues, 2);
    cr_expect_eq(nst_queue(&r.rep.u.route, "broker-a")->read_queues, 8, "queue data updated");
    cr_expect_eq(nst_queue(&r.rep.u.route, "broker-b")->read_queues, 4);
}

Test(ns_route, slave_promoted_keeps_one_record_per_address)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");
    NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 1);
    nst_unregister("broker-a", MASTER_A, 0);
    NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 0, .counter = 1, .topics = "TopicA");

    nst_reply_t r = nst_get_route("TopicA");
    cr_assert_eq(r.status, MQ_OK);
    cr_assert_eq(r.rep.u.route.brokers[0].n_addrs, 1);
    cr_expect_str_eq(nst_addr(&r.rep.u.route.brokers[0], 0), SLAVE_A);
}

Test(ns_route, address_moving_to_another_broker_name)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");
    NST_REG(.name = "broker-z", .addr = MASTER_A, .counter = 1, .topics = "TopicZ");

    cr_expect_eq(nst_get_route("TopicA").status, MQ_ENOENT);
    nst_reply_t r = nst_cluster_info();
    cr_assert_eq(r.rep.u.cluster.n_brokers, 1);
    cr_expect_str_eq(r.rep.u.cluster.brokers[0].broker_name.p, "broker-z");
}

Test(ns_route, cluster_info_lists_every_broker_name)
{
    nst_reply_t r = nst_cluster_info();
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.cluster.n_brokers, 0);

    NST_REG(.cluster = "c1", .name = "broker-b", .addr = MASTER_B, .counter = 1);
    NST_REG(.cluster = "c1", .name = "broker-a", .addr = MASTER_A, .counter = 1);
    NST_REG(.cluster = "c1", .name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 1);
    NST_REG(.cluster = "c2", .name = "broker-x", .addr = "10.0.1.1:10911", .counter = 1);

    r = nst_cluster_info();
    cr_assert_eq(r.status, MQ_OK);
    cr_assert_eq(r.rep.u.cluster.n_brokers, 3);
    const mq_route_broker_t *v = r.rep.u.cluster.brokers;
    cr_expect_str_eq(v[0].broker_name.p, "broker-a");
    cr_expect_str_eq(v[0].cluster.p, "c1");
    cr_expect_eq(v[0].n_addrs, 2);
    cr_expect_str_eq(v[1].broker_name.p, "broker-b");
    cr_expect_str_eq(v[2].broker_name.p, "broker-x");
    cr_expect_str_eq(v[2].cluster.p, "c2");
}

Test(ns_route, broker_name_moving_cluster)
{
    NST_REG(.cluster = "c1", .name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "T");
    NST_REG(.cluster = "c2", .name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "T");

    nst_reply_t r = nst_topic_list("c1");
    cr_expect_eq(r.rep.u.list.n, 0);
    r = nst_topic_list("c2");
    cr_expect_eq(r.rep.u.list.n, 1);
    r = nst_cluster_info();
    cr_expect_str_eq(r.rep.u.cluster.brokers[0].cluster.p, "c2");
}

Test(ns_route, topic_list_all_and_by_cluster)
{
    NST_REG(.cluster = "c1", .name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "T3 T1");
    NST_REG(.cluster = "c2", .name = "broker-b", .addr = MASTER_B, .counter = 1, .topics = "T2 T1");

    nst_reply_t r = nst_topic_list(NULL);
    cr_assert_eq(r.status, MQ_OK);
    cr_assert_eq(r.rep.u.list.n, 3);
    cr_expect_str_eq(r.rep.u.list.items[0].p, "T1");
    cr_expect_str_eq(r.rep.u.list.items[1].p, "T2");
    cr_expect_str_eq(r.rep.u.list.items[2].p, "T3");

    r = nst_topic_list("c1");
    cr_assert_eq(r.rep.u.list.n, 2);
    cr_expect(nst_list_has(&r.rep.u.list, "T1"));
    cr_expect(nst_list_has(&r.rep.u.list, "T3"));

    r = nst_topic_list("c2");
    cr_assert_eq(r.rep.u.list.n, 2);
    cr_expect(nst_list_has(&r.rep.u.list, "T2"));

    r = nst_topic_list("nope");
    cr_expect_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.list.n, 0);
}

Test(ns_route, delete_topic_route)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "T1 T2");

    cr_expect_eq(nst_delete_topic("T1").status, MQ_OK);
    cr_expect_eq(nst_get_route("T1").status, MQ_ENOENT);
    cr_expect_eq(nst_get_route("T2").status, MQ_OK);
    cr_expect_eq(nst_delete_topic("T1").status, MQ_OK, "deleting an unknown topic is fine");
    nst_reply_t r = nst_topic_list(NULL);
    cr_expect_eq(r.rep.u.list.n, 1);
}

Test(ns_route, order_topic_conf_only_when_enabled)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "Ordered");
    nst_kv(MQ_OP_KV_PUT, NS_KV_ORDER_TOPIC_CONFIG, "Ordered", "broker-a:4");
    cr_expect_eq(nst_get_route("Ordered").rep.u.route.order_topic_conf.n, 0);

    ns_config_t cfg;
    ns_config_defaults(&cfg);
    cfg.order_message_enable = 1;
    nst_restart(&cfg);
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "Ordered Plain");
    nst_kv(MQ_OP_KV_PUT, NS_KV_ORDER_TOPIC_CONFIG, "Ordered", "broker-a:4");
    nst_reply_t r = nst_get_route("Ordered");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_str_eq(r.rep.u.route.order_topic_conf.p, "broker-a:4");
    cr_expect_eq(nst_get_route("Plain").rep.u.route.order_topic_conf.n, 0);
}

Test(ns_route, kafka_listener_fields_reach_the_route)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA",
            .kafka = "10.0.0.1:9092", .kafka_node_id = 7);
    NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 1, .kafka = "10.0.0.2:9092",
            .kafka_node_id = 8);
    NST_REG(.name = "broker-b", .addr = MASTER_B, .counter = 1, .topics = "TopicA");

    nst_reply_t r = nst_get_route("TopicA");
    cr_assert_eq(r.status, MQ_OK);
    const mq_route_broker_t *a =
        nst_broker(r.rep.u.route.brokers, r.rep.u.route.n_brokers, "broker-a");
    const mq_route_broker_t *b =
        nst_broker(r.rep.u.route.brokers, r.rep.u.route.n_brokers, "broker-b");
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_expect_str_eq(a->kafka_listener.p, "10.0.0.1:9092", "the master's listener");
    cr_expect_eq(a->kafka_node_id, 7);
    cr_expect_eq(b->kafka_listener.n, 0);
    cr_expect_eq(b->kafka_node_id, -1);

    /* the master leaves: the slave's listener is the broker name's now */
    nst_unregister("broker-a", MASTER_A, 0);
    r = nst_cluster_info();
    a = nst_broker(r.rep.u.cluster.brokers, r.rep.u.cluster.n_brokers, "broker-a");
    cr_assert_not_null(a);
    cr_expect_str_eq(a->kafka_listener.p, "10.0.0.2:9092");
    cr_expect_eq(a->kafka_node_id, 8);
}

Test(ns_route, bad_requests_are_einval)
{
    nst_reply_t r = NST_REG(.name = "", .addr = MASTER_A, .counter = 1);
    cr_expect_eq(r.status, MQ_EINVAL);
    cr_expect_not_null(r.text);
    cr_expect_eq(NST_REG(.name = "broker-a", .addr = "", .counter = 1).status, MQ_EINVAL);
    cr_expect_eq(NST_REG(.name = "broker-a", .addr = MASTER_A, .id = -1).status, MQ_EINVAL);
    cr_expect_eq(nst_cluster_info().rep.u.cluster.n_brokers, 0, "nothing was registered");

    /* operations the NameServer does not serve: "not supported" (REQUEST_CODE_NOT_SUPPORTED) */
    r = nst_op(MQ_OP__COUNT);
    cr_expect_eq(r.status, MQ_DECLINED);
    cr_expect_not_null(r.text);
    cr_expect_eq(nst_op((mq_op_t)-1).status, MQ_DECLINED);
    cr_expect_eq(nst_op(MQ_OP_PRODUCE).status, MQ_DECLINED);
}

/* A front-end that passes no pool still gets a reply (the service uses a pool of its own). */
static int nopool_status = 1;
static int nopool_topics = -1;

static void
nopool_reply(mq_req_t *req, int status, const mq_rep_t *rep)
{
    nopool_status = status;
    nopool_topics = rep->u.list.n;
}

Test(ns_route, request_without_pool)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "T1 T2");
    mq_req_t req = {.op = MQ_OP_GET_TOPIC_LIST, .reply = nopool_reply};
    nst.svc->handle(nst.svc, &req);
    cr_expect_eq(nopool_status, MQ_OK);
    cr_expect_eq(nopool_topics, 2);
}
