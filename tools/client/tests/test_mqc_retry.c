/* SPDX-License-Identifier: Apache-2.0
 *
 * test_mqc_retry.c -- the push consumer's retry topic (tools/client/mqc_retry.c) without a
 * broker: queues allocated per topic as AllocateMessageQueueAveragely does for each subscribed
 * topic, retried messages shown with their original topic, which consumers send back, and the
 * TIMER_DELIVER_MS property of a timed send. The send-back itself is exercised end to end by
 * gateway/tests/it_delay_retry.py.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mqc_push_int.h"

static mqc_mq_t
t_mq(const char *topic, int qid)
{
    mqc_mq_t mq;
    memset(&mq, 0, sizeof(mq));
    snprintf(mq.topic, sizeof(mq.topic), "%s", topic);
    snprintf(mq.broker_name, sizeof(mq.broker_name), "broker-a");
    mq.queue_id = qid;
    return mq;
}

Test(mqc_retry, allocate_per_topic)
{
    /* 4 queues of T and 1 of %RETRY%g, sorted; 2 consumers: each topic split on its own */
    mqc_mq_t all[5] = {t_mq("%RETRY%g", 0), t_mq("T", 0), t_mq("T", 1), t_mq("T", 2), t_mq("T", 3)};
    int idx[5], n;
    n = mqc_retry_allocate(all, 5, 2, 0, idx);
    cr_assert_eq(n, 3);
    cr_expect_eq(idx[0], 0, "the retry queue goes to the first consumer");
    cr_expect(idx[1] == 1 && idx[2] == 2);
    n = mqc_retry_allocate(all, 5, 2, 1, idx);
    cr_assert_eq(n, 2);
    cr_expect(idx[0] == 3 && idx[1] == 4);
}

Test(mqc_retry, restore_topic_and_expr)
{
    mqc_push_t c;
    mqc_received_t msgs[2];
    mqc_mq_t retry = t_mq("%RETRY%g", 0), plain = t_mq("T", 0);
    mq_pool_t pool;
    memset(&c, 0, sizeof(c));
    c.group = "g";
    c.sub_expr = "TagA";
    c.cfg.model = MQC_CLUSTERING;
    mqc_retry_init(&c);
    cr_expect_str_eq(c.retry_topic, "%RETRY%g");
    cr_expect(mqc_retry_on(&c));
    cr_expect_str_eq(mqc_retry_expr(&c, &retry), "*");
    cr_expect_str_eq(mqc_retry_expr(&c, &plain), "TagA");
    memset(msgs, 0, sizeof(msgs));
    msgs[0].topic = "%RETRY%g";
    msgs[0].properties = MQ_STR("RETRY_TOPIC\001T\002UNIQ_KEY\001U\002");
    msgs[1].topic = "%RETRY%g";
    msgs[1].properties = MQ_STR("UNIQ_KEY\001V\002");
    mq_pool_init(&pool, 0);
    mqc_retry_restore(&c, &retry, msgs, 2, &pool);
    cr_expect_str_eq(msgs[0].topic, "T");
    cr_expect_str_eq(msgs[1].topic, "%RETRY%g", "no RETRY_TOPIC: left as it is");
    msgs[0].topic = "X";
    mqc_retry_restore(&c, &plain, msgs, 1, &pool);
    cr_expect_str_eq(msgs[0].topic, "X", "only messages of the retry topic");
    mq_pool_fini(&pool);
    c.cfg.model = MQC_BROADCASTING;
    cr_expect(!mqc_retry_on(&c), "broadcasting retries locally");
    cr_expect_eq(mqc_retry_send_back(&c, &plain, &msgs[0]), MQ_DECLINED);
}

Test(mqc_retry, timed_send_property)
{
    mqc_message_t m;
    mq_buf_t b = MQ_BUF_INIT;
    mq_str_t v;
    memset(&m, 0, sizeof(m));
    m.topic = "T";
    m.delay_level = 3;
    m.deliver_ms = 1700000000123LL;
    mqc_msg_props(&m, "U1", &b);
    cr_expect(mq_props_get(mq_buf_view(&b), "DELAY", &v) && mq_str_eq_cstr(v, "3"));
    cr_expect(mq_props_get(mq_buf_view(&b), "TIMER_DELIVER_MS", &v) &&
              mq_str_eq_cstr(v, "1700000000123"));
    mq_buf_fini(&b);
}
