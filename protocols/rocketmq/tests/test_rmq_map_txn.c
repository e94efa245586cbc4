/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_map_txn.c -- the transaction codes (rmq_map_txn.c): END_TRANSACTION as the Java and
 * C++ clients send it (numbers as strings, fromTransactionCheck optional) maps to its fields,
 * required fields are enforced, the reply is a bare SUCCESS; a CHECK_TRANSACTION_STATE notice
 * encodes to a one-way request 39 with the header fields and the record as body.
 */
#include <criterion/criterion.h>

#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_map.h"
#include "rmq_test.h"

static void
end_txn_cmd(rmq_cmd_t *c, mq_pool_t *pool, int with_check)
{
    rmq_cmd_init(c, RMQ_END_TRANSACTION, 7, RMQ_FLAG_ONEWAY);
    rmq_cmd_add(c, pool, "producerGroup", MQ_STR("pg1"));
    rmq_cmd_add(c, pool, "tranStateTableOffset", MQ_STR("12"));
    rmq_cmd_add(c, pool, "commitLogOffset", MQ_STR("4096"));
    rmq_cmd_add(c, pool, "commitOrRollback", MQ_STR("8"));
    if (with_check)
        rmq_cmd_add(c, pool, "fromTransactionCheck", MQ_STR("true"));
    rmq_cmd_add(c, pool, "msgId", MQ_STR("7F00000100002A9F0000000000001000"));
    rmq_cmd_add(c, pool, "transactionId", MQ_STR("C0A80001000012340000000000000000"));
}

Test(rmq_map_txn, end_transaction_fields)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    rmq_cmd_t c, d;
    mq_req_t req;
    const char *why = NULL;

    mq_pool_init(&pool, 0);
    end_txn_cmd(&c, &pool, 1);
    rmq_cmd_encode(&c, &b);
    rmq_test_decode_frame(&b, &pool, &d);
    memset(&req, 0, sizeof(req));
    cr_assert_eq(rmq_map_request(&d, &pool, &req, &why), MQ_OK, "%s", why ? why : "");
    cr_assert_eq(req.op, MQ_OP_END_TRANSACTION);
    expect_str(req.u.end_txn.producer_group, "pg1");
    cr_expect_eq(req.u.end_txn.tran_state_offset, 12);
    cr_expect_eq(req.u.end_txn.commit_log_offset, 4096);
    cr_expect_eq(req.u.end_txn.commit_or_rollback, MQ_TXN_COMMIT);
    cr_expect_eq(req.u.end_txn.from_check, 1);
    expect_str(req.u.end_txn.msg_id, "7F00000100002A9F0000000000001000");
    expect_str(req.u.end_txn.transaction_id, "C0A80001000012340000000000000000");

    /* fromTransactionCheck is optional (false) */
    end_txn_cmd(&c, &pool, 0);
    cr_assert_eq(rmq_map_request(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.u.end_txn.from_check, 0);

    /* the reply: SUCCESS without fields */
    mq_buf_reset(&b);
    rmq_map_reply(&req, MQ_OK, NULL, 7, &pool, &b);
    rmq_test_decode_frame(&b, &pool, &d);
    cr_expect_eq(d.code, RMQ_RC_SUCCESS);
    cr_expect(rmq_cmd_is_response(&d));
    cr_expect_eq(d.opaque, 7);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_map_txn, end_transaction_required_fields)
{
    static const char *const need[] = {"producerGroup", "tranStateTableOffset", "commitLogOffset",
                                       "commitOrRollback"};
    mq_pool_t pool;
    mq_pool_init(&pool, 0);
    for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
        rmq_cmd_t c, full;
        mq_req_t req;
        const char *why = NULL;
        end_txn_cmd(&full, &pool, 0);
        rmq_cmd_init(&c, RMQ_END_TRANSACTION, 1, 0);
        for (int i = 0; i < full.n_ext; i++)
            if (!mq_str_eq_cstr(full.ext[i].key, need[k]))
                rmq_cmd_add(&c, &pool, mq_pstrdup(&pool, full.ext[i].key), full.ext[i].val);
        memset(&req, 0, sizeof(req));
        cr_expect_eq(rmq_map_request(&c, &pool, &req, &why), MQ_EINVAL, "without %s", need[k]);
        cr_expect(why && strstr(why, need[k]), "why names %s: %s", need[k], why ? why : "");
    }
    /* a non-numeric offset is refused */
    {
        rmq_cmd_t c;
        mq_req_t req;
        const char *why = NULL;
        rmq_cmd_init(&c, RMQ_END_TRANSACTION, 1, 0);
        rmq_cmd_add(&c, &pool, "producerGroup", MQ_STR("pg"));
        rmq_cmd_add(&c, &pool, "tranStateTableOffset", MQ_STR("x1"));
        rmq_cmd_add(&c, &pool, "commitLogOffset", MQ_STR("1"));
        rmq_cmd_add(&c, &pool, "commitOrRollback", MQ_STR("12"));
        cr_expect_eq(rmq_map_request(&c, &pool, &req, &why), MQ_EINVAL);
    }
    mq_pool_fini(&pool);
}

Test(rmq_map_txn, check_transaction_notice)
{
    static const uint8_t record[] = {0, 0, 0, 9, 1, 2, 3, 4, 5};
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_txn_check_t k;
    mq_notice_t n;
    rmq_cmd_t d;
    mq_str_t v;
    int64_t x;

    mq_pool_init(&pool, 0);
    memset(&k, 0, sizeof(k));
    k.topic = MQ_STR("Orders");
    k.tran_state_offset = 42;
    k.commit_log_offset = 123456789012LL;
    k.msg_id = MQ_STR("UNIQ1");
    k.transaction_id = MQ_STR("TX1");
    k.offset_msg_id = MQ_STR("7F00000100002A9F0000001CBE991A14");
    k.broker_name = MQ_STR("broker-a");
    k.record = (mq_str_t){(const char *)record, sizeof(record)};
    memset(&n, 0, sizeof(n));
    n.kind = MQ_NOTICE_CHECK_TRANSACTION;
    n.check = &k;
    rmq_map_notice(&n, 99, &pool, &b);
    rmq_test_decode_frame(&b, &pool, &d);
    cr_expect_eq(d.code, RMQ_CHECK_TRANSACTION_STATE);
    cr_expect(rmq_cmd_is_oneway(&d) && !rmq_cmd_is_response(&d));
    cr_expect_eq(d.opaque, 99);
    cr_expect(rmq_cmd_ext(&d, "topic", &v));
    expect_str(v, "Orders");
    cr_expect_eq(rmq_cmd_ext_i64(&d, "tranStateTableOffset", &x), MQ_OK);
    cr_expect_eq(x, 42);
    cr_expect_eq(rmq_cmd_ext_i64(&d, "commitLogOffset", &x), MQ_OK);
    cr_expect_eq(x, 123456789012LL);
    cr_expect(rmq_cmd_ext(&d, "msgId", &v));
    expect_str(v, "UNIQ1");
    cr_expect(rmq_cmd_ext(&d, "transactionId", &v));
    expect_str(v, "TX1");
    cr_expect(rmq_cmd_ext(&d, "offsetMsgId", &v));
    expect_str(v, "7F00000100002A9F0000001CBE991A14");
    cr_expect(rmq_cmd_ext(&d, "brokerName", &v));
    expect_str(v, "broker-a");
    cr_expect_eq(d.body.n, sizeof(record));
    cr_expect(d.body.n == sizeof(record) && memcmp(d.body.p, record, sizeof(record)) == 0);

    /* a notice without its check encodes nothing */
    mq_buf_reset(&b);
    n.check = NULL;
    rmq_map_notice(&n, 100, &pool, &b);
    cr_expect_eq(b.len, 0);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}
