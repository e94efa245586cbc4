/* SPDX-License-Identifier: Apache-2.0
 *
 * test_ns_expiry.c -- how brokers leave the NameServer (ns_route.c, ns_housekeep.c):
 * UNREGISTER_BROKER, a closed connection, the 120 s heartbeat timeout, and how
 * QUERY_DATA_VERSION and re-registration keep a broker alive.
 */
#include <criterion/criterion.h>

#include "ns_int.h"
#include "ns_test.h"

TestSuite(ns_expiry, .init = nst_setup, .fini = nst_teardown);

#define MASTER_A "10.0.0.1:10911"
#define SLAVE_A "10.0.0.2:10911"
#define MASTER_B "10.0.0.3:10911"

static int session_1, session_2; /* their addresses are the sessions */

Test(ns_expiry, unregister_slave_keeps_the_broker)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");
    NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 1);

    cr_expect_eq(nst_unregister("broker-a", SLAVE_A, 1).status, MQ_OK);
    cr_expect(nst_log_has("broker removed (unregister): " SLAVE_A));
    nst_reply_t r = nst_get_route("TopicA");
    cr_assert_eq(r.status, MQ_OK);
    cr_assert_eq(r.rep.u.route.brokers[0].n_addrs, 1);
    cr_expect_str_eq(nst_addr(&r.rep.u.route.brokers[0], 0), MASTER_A);
}

Test(ns_expiry, unregister_of_the_last_address_removes_broker_and_topics)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "OnlyA Shared");
    NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 1);
    NST_REG(.name = "broker-b", .addr = MASTER_B, .counter = 1, .topics = "Shared");

    nst_unregister("broker-a", MASTER_A, 0);
    cr_expect_eq(nst_get_route("OnlyA").status, MQ_OK, "the slave still holds broker-a");
    nst_unregister("broker-a", SLAVE_A, 1);

    cr_expect_eq(nst_get_route("OnlyA").status, MQ_ENOENT);
    nst_reply_t r = nst_get_route("Shared");
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.route.n_queues, 1);
    cr_expect_str_eq(r.rep.u.route.queues[0].broker_name.p, "broker-b");
    cr_expect_eq(r.rep.u.route.n_brokers, 1);
    r = nst_cluster_info();
    cr_expect_eq(r.rep.u.cluster.n_brokers, 1);
    cr_expect(nst_log_has("broker name broker-a left cluster DefaultCluster"));

    cr_expect_eq(nst_unregister("broker-a", SLAVE_A, 1).status, MQ_OK, "unknown is fine");
}

Test(ns_expiry, last_broker_of_a_cluster_takes_the_cluster)
{
    NST_REG(.cluster = "c1", .name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "T");
    nst_unregister("broker-a", MASTER_A, 0);

    cr_expect_eq(nst.ns->route.clusters.count, 0);
    cr_expect_eq(nst.ns->route.topics.count, 0);
    cr_expect_eq(nst.ns->route.brokers.count, 0);
    cr_expect_eq(nst.ns->route.live.count, 0);
    cr_expect_eq(nst_topic_list("c1").rep.u.list.n, 0);
}

Test(ns_expiry, session_closed_removes_the_brokers_of_that_session_only)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA",
            .session = &session_1);
    NST_REG(.name = "broker-a", .addr = SLAVE_A, .id = 1, .counter = 1, .session = &session_1);
    NST_REG(.name = "broker-b", .addr = MASTER_B, .counter = 1, .topics = "TopicB",
            .session = &session_2);

    nst.svc->session_closed(nst.svc, NULL); /* ignored */
    nst.svc->session_closed(nst.svc, &session_1);

    cr_expect_eq(nst_get_route("TopicA").status, MQ_ENOENT);
    cr_expect_eq(nst_get_route("TopicB").status, MQ_OK);
    cr_expect(nst_log_has("broker removed (connection closed): " MASTER_A));
    cr_expect(nst_log_has("broker removed (connection closed): " SLAVE_A));
    cr_expect_eq(nst.ns->route.live.count, 1);

    nst.svc->session_closed(nst.svc, &session_1); /* again: nothing left */
    cr_expect_eq(nst.ns->route.live.count, 1);
}

Test(ns_expiry, reregistration_through_another_session_moves_the_broker)
{
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA",
            .session = &session_1);
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA",
            .session = &session_2);

    nst.svc->session_closed(nst.svc, &session_1);
    cr_expect_eq(nst_get_route("TopicA").status, MQ_OK);
    nst.svc->session_closed(nst.svc, &session_2);
    cr_expect_eq(nst_get_route("TopicA").status, MQ_ENOENT);
}

Test(ns_expiry, housekeeping_expires_after_120_s_and_not_before)
{
    int64_t t0 = nst.now;
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");
    nst.now = t0 + 60000;
    NST_REG(.name = "broker-b", .addr = MASTER_B, .counter = 1, .topics = "TopicB");

    cr_expect_eq(ns_housekeep(nst.ns, t0 + 119999), 0);
    cr_expect_eq(ns_housekeep(nst.ns, t0 + 120000), 0, "exactly the timeout is still alive");
    cr_expect_eq(nst_get_route("TopicA").status, MQ_OK);

    cr_expect_eq(ns_housekeep(nst.ns, t0 + 120001), 1);
    cr_expect_eq(nst_get_route("TopicA").status, MQ_ENOENT);
    cr_expect_eq(nst_get_route("TopicB").status, MQ_OK);
    cr_expect(nst_log_has("broker removed (timeout after 120001 ms): " MASTER_A));

    cr_expect_eq(ns_housekeep(nst.ns, t0 + 180001), 1);
    cr_expect_eq(nst_get_route("TopicB").status, MQ_ENOENT);
    cr_expect_eq(ns_housekeep(nst.ns, t0 + 999999), 0);
}

Test(ns_expiry, registration_refreshes_and_carries_its_own_timeout)
{
    int64_t t0 = nst.now;
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");
    NST_REG(.name = "broker-b", .addr = MASTER_B, .counter = 1, .topics = "TopicB",
            .timeout = 10000);

    cr_expect_eq(ns_housekeep(nst.ns, t0 + 10001), 1);
    cr_expect_eq(nst_get_route("TopicB").status, MQ_ENOENT);

    nst.now = t0 + 100000; /* the 30 s heartbeat */
    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 1, .topics = "TopicA");
    cr_expect_eq(ns_housekeep(nst.ns, t0 + 200000), 0);
    cr_expect_eq(ns_housekeep(nst.ns, t0 + 220001), 1);
}

Test(ns_expiry, query_data_version_changed_unchanged_and_refresh)
{
    int64_t t0 = nst.now;

    nst_reply_t r = nst_query_version(MASTER_A, 1);
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.changed, 1, "unknown broker");

    NST_REG(.name = "broker-a", .addr = MASTER_A, .counter = 5, .topics = "TopicA");
    cr_expect_eq(nst_query_version(MASTER_A, 5).rep.u.changed, 0);
    cr_expect_eq(nst_query_version(MASTER_A, 6).rep.u.changed, 1);
    cr_expect_eq(nst_query_version(MASTER_A, 4).rep.u.changed, 1);

    /* a query refreshes the last-update time */
    nst.now = t0 + 100000;
    nst_query_version(MASTER_A, 5);
    cr_expect_eq(ns_housekeep(nst.ns, t0 + 200000), 0);
    cr_expect_eq(nst_get_route("TopicA").status, MQ_OK);
    cr_expect_eq(ns_housekeep(nst.ns, t0 + 220001), 1);
    cr_expect_eq(nst_query_version(MASTER_A, 5).rep.u.changed, 1, "gone again");
}
