/* SPDX-License-Identifier: Apache-2.0
 *
 * test_ns_kv.c -- the NameServer's KV config through the service (ns_kv.c, ns_service.c):
 * put, get, overwrite, delete, list (keys and values alternating, sorted by key) and the
 * errors for absent items.
 */
#include <criterion/criterion.h>

#include "ns_test.h"

TestSuite(ns_kv, .init = nst_setup, .fini = nst_teardown);

Test(ns_kv, put_get_overwrite_delete)
{
    cr_expect_eq(nst_kv(MQ_OP_KV_PUT, "ns1", "k1", "v1").status, MQ_OK);
    nst_reply_t r = nst_kv(MQ_OP_KV_GET, "ns1", "k1", NULL);
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_str_eq(r.rep.u.value.p, "v1");

    nst_kv(MQ_OP_KV_PUT, "ns1", "k1", "v2");
    cr_expect_str_eq(nst_kv(MQ_OP_KV_GET, "ns1", "k1", NULL).rep.u.value.p, "v2");

    nst_kv(MQ_OP_KV_PUT, "ns1", "empty", "");
    r = nst_kv(MQ_OP_KV_GET, "ns1", "empty", NULL);
    cr_assert_eq(r.status, MQ_OK);
    cr_expect_eq(r.rep.u.value.n, 0);

    cr_expect_eq(nst_kv(MQ_OP_KV_DELETE, "ns1", "k1", NULL).status, MQ_OK);
    cr_expect_eq(nst_kv(MQ_OP_KV_GET, "ns1", "k1", NULL).status, MQ_ENOENT);
    cr_expect_eq(nst_kv(MQ_OP_KV_DELETE, "ns1", "k1", NULL).status, MQ_OK, "absent is fine");
    cr_expect_eq(nst_kv(MQ_OP_KV_DELETE, "nope", "k1", NULL).status, MQ_OK);
}

Test(ns_kv, get_absent_is_enoent_with_remark)
{
    nst_reply_t r = nst_kv(MQ_OP_KV_GET, "ns1", "k1", NULL);
    cr_expect_eq(r.status, MQ_ENOENT);
    cr_assert_not_null(r.text);
    cr_expect_str_eq(r.text, "No config item, Namespace: ns1 Key: k1");

    nst_kv(MQ_OP_KV_PUT, "ns1", "k1", "v1");
    cr_expect_eq(nst_kv(MQ_OP_KV_GET, "ns1", "k2", NULL).status, MQ_ENOENT);
    cr_expect_eq(nst_kv(MQ_OP_KV_GET, "ns2", "k1", NULL).status, MQ_ENOENT);
}

Test(ns_kv, list_alternates_keys_and_values)
{
    nst_kv(MQ_OP_KV_PUT, "ns1", "b", "2");
    nst_kv(MQ_OP_KV_PUT, "ns1", "a", "1");
    nst_kv(MQ_OP_KV_PUT, "ns1", "c", "3");
    nst_kv(MQ_OP_KV_PUT, "ns2", "z", "26");

    nst_reply_t r = nst_kv(MQ_OP_KV_LIST, "ns1", NULL, NULL);
    cr_assert_eq(r.status, MQ_OK);
    cr_assert_eq(r.rep.u.list.n, 6);
    const char *want[] = {"a", "1", "b", "2", "c", "3"};
    for (int i = 0; i < 6; i++)
        cr_expect_str_eq(r.rep.u.list.items[i].p, want[i]);

    r = nst_kv(MQ_OP_KV_LIST, "nope", NULL, NULL);
    cr_expect_eq(r.status, MQ_ENOENT);
    cr_assert_not_null(r.text);
    cr_expect_str_eq(r.text, "No config item, Namespace: nope");
}

Test(ns_kv, deleting_the_last_key_removes_the_namespace)
{
    nst_kv(MQ_OP_KV_PUT, "ns1", "k1", "v1");
    nst_kv(MQ_OP_KV_DELETE, "ns1", "k1", NULL);
    cr_expect_eq(nst_kv(MQ_OP_KV_LIST, "ns1", NULL, NULL).status, MQ_ENOENT);
}

Test(ns_kv, put_needs_namespace_and_key)
{
    cr_expect_eq(nst_kv(MQ_OP_KV_PUT, "", "k1", "v1").status, MQ_EINVAL);
    cr_expect_eq(nst_kv(MQ_OP_KV_PUT, "ns1", "", "v1").status, MQ_EINVAL);
    cr_expect_eq(nst_kv(MQ_OP_KV_PUT, "ns1", "k1", NULL).status, MQ_OK, "NULL value = empty");
    cr_expect_eq(nst_kv(MQ_OP_KV_GET, "ns1", "k1", NULL).rep.u.value.n, 0);
}
