/* SPDX-License-Identifier: Apache-2.0
 *
 * test_ns_perm.c -- SET_BROKER_WRITABLE (ns_route_set_writable): wiping and adding the write
 * bit of one broker name's queue data, the counts returned and the perm bits left.
 */
#include <criterion/criterion.h>

#include "ns_test.h"

TestSuite(ns_perm, .init = nst_setup, .fini = nst_teardown);

static int32_t
perm_of(const char *topic, const char *broker_name)
{
    nst_reply_t r = nst_get_route(topic);
    cr_assert_eq(r.status, MQ_OK);
    const mq_route_queue_t *q = nst_queue(&r.rep.u.route, broker_name);
    cr_assert_not_null(q);
    return q->perm;
}

Test(ns_perm, wipe_and_add_write_permission)
{
    NST_REG(.name = "broker-a", .addr = "10.0.0.1:10911", .counter = 1,
            .topics = "T1:4:4:6 T2:4:4:7 T3:4:4:4");
    NST_REG(.name = "broker-b", .addr = "10.0.0.3:10911", .counter = 1, .topics = "T1:4:4:6");

    nst_reply_t r = nst_set_writable("broker-a", 0);
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.count, 2, "T3 was read-only already");
    cr_expect_eq(perm_of("T1", "broker-a"), 4);
    cr_expect_eq(perm_of("T2", "broker-a"), 5, "inherit bit kept");
    cr_expect_eq(perm_of("T3", "broker-a"), 4);
    cr_expect_eq(perm_of("T1", "broker-b"), 6, "other brokers untouched");
    cr_expect(nst_log_has("wiped write permission of broker broker-a: 2 queue data changed"));

    cr_expect_eq(nst_set_writable("broker-a", 0).rep.u.count, 0, "nothing left to wipe");

    r = nst_set_writable("broker-a", 1);
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.count, 3);
    cr_expect_eq(perm_of("T1", "broker-a"), 6);
    cr_expect_eq(perm_of("T2", "broker-a"), 7);
    cr_expect_eq(perm_of("T3", "broker-a"), 6);
    cr_expect_eq(nst_set_writable("broker-a", 1).rep.u.count, 0);
}

Test(ns_perm, unknown_broker_name_changes_nothing)
{
    NST_REG(.name = "broker-a", .addr = "10.0.0.1:10911", .counter = 1, .topics = "T1");
    nst_reply_t r = nst_set_writable("broker-x", 0);
    cr_expect_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.count, 0);
    cr_expect_eq(perm_of("T1", "broker-a"), 6);
}

Test(ns_perm, registration_with_a_new_version_restores_the_brokers_perm)
{
    NST_REG(.name = "broker-a", .addr = "10.0.0.1:10911", .counter = 1, .topics = "T1");
    nst_set_writable("broker-a", 0);
    NST_REG(.name = "broker-a", .addr = "10.0.0.1:10911", .counter = 1, .topics = "T1");
    cr_expect_eq(perm_of("T1", "broker-a"), 4, "same version: kept wiped");
    NST_REG(.name = "broker-a", .addr = "10.0.0.1:10911", .counter = 2, .topics = "T1");
    cr_expect_eq(perm_of("T1", "broker-a"), 6);
}
