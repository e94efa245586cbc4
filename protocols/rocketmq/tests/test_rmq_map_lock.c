/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_map_lock.c -- LOCK_BATCH_MQ / UNLOCK_BATCH_MQ <-> QUEUE_LOCK / QUEUE_UNLOCK
 * (rmq_map_lock.c): bodies as the Java client writes them (queueId as a number or a string),
 * malformed bodies refused with the field named, replies decoded back (lockOKMQSet, the empty
 * unlock reply), and the client-side encoder read back by the broker-side decoder.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_map.h"
#include "rmq_map_lock.h"
#include "rmq_test.h"

/* A request command of `code` with body (NUL-terminated text). */
static rmq_cmd_t
lock_cmd(int32_t code, const char *body)
{
    rmq_cmd_t c;
    rmq_cmd_init(&c, code, 9, 0);
    c.body = body ? mq_str_from_cstr(body) : MQ_STR_NULL;
    return c;
}

Test(rmq_map_lock, lock_request_as_java_writes_it)
{
    mq_pool_t pool;
    mq_req_t req;
    const char *why = NULL;
    rmq_cmd_t c = lock_cmd(RMQ_LOCK_BATCH_MQ,
                           "{\"clientId\":\"127.0.0.1@42#1\",\"consumerGroup\":\"cg\","
                           "\"mqSet\":[{\"brokerName\":\"broker-a\",\"queueId\":3,\"topic\":\"T\"},"
                           "{\"brokerName\":\"broker-b\",\"queueId\":\"7\",\"topic\":\"U\","
                           "\"extra\":1}],\"onlyThisBroker\":true}");
    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    cr_assert_eq(rmq_map_request(&c, &pool, &req, &why), MQ_OK, "why: %s", why ? why : "");
    cr_expect_eq(req.op, MQ_OP_QUEUE_LOCK);
    expect_str(req.u.queue_lock.group, "cg");
    expect_str(req.u.queue_lock.client_id, "127.0.0.1@42#1");
    cr_expect_eq(req.u.queue_lock.only_this_broker, 1);
    cr_assert_eq(req.u.queue_lock.n_mqs, 2);
    expect_str(req.u.queue_lock.mqs[0].topic, "T");
    expect_str(req.u.queue_lock.mqs[0].broker_name, "broker-a");
    cr_expect_eq(req.u.queue_lock.mqs[0].queue_id, 3);
    expect_str(req.u.queue_lock.mqs[1].topic, "U");
    expect_str(req.u.queue_lock.mqs[1].broker_name, "broker-b");
    cr_expect_eq(req.u.queue_lock.mqs[1].queue_id, 7);
    mq_pool_fini(&pool);
}

Test(rmq_map_lock, unlock_request_and_empty_set)
{
    mq_pool_t pool;
    mq_req_t req;
    const char *why = NULL;
    rmq_cmd_t c = lock_cmd(RMQ_UNLOCK_BATCH_MQ, "{\"clientId\":\"c1\",\"consumerGroup\":\"cg\","
                                                "\"mqSet\":[],\"onlyThisBroker\":false}");
    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    cr_assert_eq(rmq_map_request(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_QUEUE_UNLOCK);
    cr_expect_eq(req.u.queue_lock.n_mqs, 0);
    cr_expect_eq(req.u.queue_lock.only_this_broker, 0);
    mq_pool_fini(&pool);
}

Test(rmq_map_lock, malformed_bodies_name_the_field)
{
    static const struct {
        const char *body, *why;
    } cases[] = {
        {NULL, "lock body"},
        {"[1,2]", "lock body"},
        {"{\"clientId\":\"c\",", "lock body"},
        {"{\"clientId\":\"c\",\"mqSet\":[]}", "consumerGroup"},
        {"{\"consumerGroup\":\"g\",\"mqSet\":[]}", "clientId"},
        {"{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":{}}", "mqSet"},
        {"{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":[{\"brokerName\":\"b\","
         "\"queueId\":1}]}",
         "mqSet.topic"},
        {"{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":[{\"topic\":\"T\","
         "\"queueId\":1}]}",
         "mqSet.brokerName"},
        {"{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":[{\"topic\":\"T\","
         "\"brokerName\":\"b\"}]}",
         "mqSet.queueId"},
        {"{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":[{\"topic\":\"T\","
         "\"brokerName\":\"b\",\"queueId\":-1}]}",
         "mqSet.queueId"},
        {"{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":[{\"topic\":\"T\","
         "\"brokerName\":\"b\",\"queueId\":\"1x\"}]}",
         "mqSet.queueId"},
        {"{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":[7]}", "mqSet.topic"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mq_pool_t pool;
        mq_req_t req;
        const char *why = NULL;
        rmq_cmd_t c = lock_cmd(RMQ_LOCK_BATCH_MQ, cases[i].body);
        mq_pool_init(&pool, 0);
        cr_expect_eq(rmq_map_request(&c, &pool, &req, &why), MQ_EINVAL, "case %zu", i);
        cr_expect(why && strcmp(why, cases[i].why) == 0, "case %zu: why '%s', want '%s'", i,
                  why ? why : "(null)", cases[i].why);
        mq_pool_fini(&pool);
    }
}

Test(rmq_map_lock, other_codes_declined)
{
    mq_pool_t pool;
    mq_req_t req;
    const char *why = NULL;
    rmq_cmd_t c = lock_cmd(RMQ_HEART_BEAT, "{}");
    mq_pool_init(&pool, 0);
    cr_expect_eq(rmq_map_lock_request(&c, &pool, &req, &why), MQ_DECLINED);
    mq_pool_fini(&pool);
}

Test(rmq_map_lock, lock_reply_carries_the_granted_set)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_req_t req;
    mq_rep_t rep;
    rmq_cmd_t out;
    mq_queue_refs_t back;
    mq_queue_ref_t granted[2] = {{MQ_STR("T"), MQ_STR("broker-a"), 0},
                                 {MQ_STR("T\"q"), MQ_STR("broker-a"), 5}};
    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    req.op = MQ_OP_QUEUE_LOCK;
    rep.u.locked.mqs = granted;
    rep.u.locked.n = 2;
    rmq_map_reply(&req, MQ_OK, &rep, 31, &pool, &b);
    cr_assert_eq(rmq_test_decode(b.data, b.len, &pool, &out), MQ_OK);
    cr_expect(rmq_cmd_is_response(&out));
    cr_expect_eq(out.code, RMQ_RC_SUCCESS);
    cr_expect_eq(out.opaque, 31);
    cr_assert_eq(rmq_lock_reply_parse(out.body, &pool, &back), MQ_OK);
    cr_assert_eq(back.n, 2);
    expect_str(back.mqs[0].topic, "T");
    expect_str(back.mqs[0].broker_name, "broker-a");
    cr_expect_eq(back.mqs[0].queue_id, 0);
    expect_str(back.mqs[1].topic, "T\"q");
    cr_expect_eq(back.mqs[1].queue_id, 5);

    /* nothing granted: an empty set, not an absent one (Java's clients iterate it) */
    rep.u.locked.n = 0;
    mq_buf_reset(&b);
    rmq_map_reply(&req, MQ_OK, &rep, 32, &pool, &b);
    cr_assert_eq(rmq_test_decode(b.data, b.len, &pool, &out), MQ_OK);
    cr_expect(mq_str_eq_cstr(out.body, "{\"lockOKMQSet\":[]}"), "body '%.*s'", (int)out.body.n,
              out.body.p);

    /* unlock: SUCCESS without a body */
    req.op = MQ_OP_QUEUE_UNLOCK;
    mq_buf_reset(&b);
    rmq_map_reply(&req, MQ_OK, NULL, 33, &pool, &b);
    cr_assert_eq(rmq_test_decode(b.data, b.len, &pool, &out), MQ_OK);
    cr_expect_eq(out.code, RMQ_RC_SUCCESS);
    cr_expect_eq(out.body.n, 0);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_map_lock, reply_parse_refuses_garbage)
{
    mq_pool_t pool;
    mq_queue_refs_t r;
    mq_pool_init(&pool, 0);
    cr_expect_eq(rmq_lock_reply_parse(MQ_STR("nope"), &pool, &r), MQ_EPROTO);
    cr_expect_eq(rmq_lock_reply_parse(MQ_STR("{\"lockOKMQSet\":[{\"topic\":\"T\"}]}"), &pool, &r),
                 MQ_EPROTO);
    cr_expect_eq(rmq_lock_reply_parse(MQ_STR("{}"), &pool, &r), MQ_OK);
    cr_expect_eq(r.n, 0);
    mq_pool_fini(&pool);
}

Test(rmq_map_lock, client_encoder_reads_back)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_req_t req;
    const char *why = NULL;
    mq_queue_ref_t mqs[3] = {{MQ_STR("Orders"), MQ_STR("broker-a"), 0},
                             {MQ_STR("Orders"), MQ_STR("broker-a"), 1},
                             {MQ_STR("Orders"), MQ_STR("broker-b"), 2}};
    mq_queue_lock_t q = {MQ_STR("cg\\1"), MQ_STR("10.0.0.1@7#2"), 0, mqs, 3};
    rmq_cmd_t c;
    mq_pool_init(&pool, 0);
    rmq_lock_request_json(&q, &b);
    c = lock_cmd(RMQ_UNLOCK_BATCH_MQ, NULL);
    c.body = mq_buf_view(&b);
    cr_assert_eq(rmq_map_lock_request(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.op, MQ_OP_QUEUE_UNLOCK);
    expect_str(req.u.queue_lock.group, "cg\\1");
    expect_str(req.u.queue_lock.client_id, "10.0.0.1@7#2");
    cr_assert_eq(req.u.queue_lock.n_mqs, 3);
    expect_str(req.u.queue_lock.mqs[2].broker_name, "broker-b");
    cr_expect_eq(req.u.queue_lock.mqs[2].queue_id, 2);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}
