/* SPDX-License-Identifier: Apache-2.0
 *
 * test_mqc.c -- unit tests of libmqclient's pure pieces: route JSON parsing (standard and
 * fastjson's bare integer keys, hostile input), queue lists, the SEND_MESSAGE_V2 header and
 * properties, AllocateMessageQueueAveragely, queue selection by key (Java String.hashCode),
 * tag expressions, and PULL_MESSAGE body decoding (filter, compressed bodies, bad records).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "mqc_int.h"

static const char route_std[] =
    "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"127.0.0.1:10911\",\"1\":\"127.0.0.1:10921\"},"
    "\"brokerName\":\"broker-b\",\"cluster\":\"C1\"},{\"brokerAddrs\":{\"0\":\"127.0.0.1:20911\"},"
    "\"brokerName\":\"broker-a\",\"cluster\":\"C1\"}],\"filterServerTable\":{},"
    "\"queueDatas\":[{\"brokerName\":\"broker-b\",\"perm\":6,\"readQueueNums\":2,"
    "\"topicSysFlag\":0,\"writeQueueNums\":3},{\"brokerName\":\"broker-a\",\"perm\":6,"
    "\"readQueueNums\":4,\"topicSysFlag\":0,\"writeQueueNums\":4}]}";

static const char route_legacy[] =
    "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"10.0.0.1:10911\", 1 :\"10.0.0.2:10911\"},"
    "\"brokerName\":\"broker-a\",\"cluster\":\"DefaultCluster\",\"enableActingMaster\":false}],"
    "\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":\"4\",\"readQueueNums\":8,"
    "\"writeQueueNums\":8}]}";

Test(mqc_route, parses_standard_json)
{
    mqc_route_t r;
    cr_assert_eq(mqc_route_parse(mq_str_from_cstr(route_std), &r), MQ_OK);
    cr_assert_eq(r.n_queues, 2);
    cr_assert_eq(r.n_brokers, 3);
    cr_assert_str_eq(mqc_route_master(&r, "broker-b"), "127.0.0.1:10911");
    cr_assert_str_eq(mqc_route_master(&r, "broker-a"), "127.0.0.1:20911");
    cr_assert_null(mqc_route_master(&r, "broker-c"));
    cr_assert_eq(r.queues[0].write_queues, 3);
    cr_assert_eq(r.queues[0].read_queues, 2);
    cr_assert_str_eq(r.json, route_std);
    mqc_route_fini(&r);
}

Test(mqc_route, parses_fastjson_integer_keys)
{
    mqc_route_t r;
    cr_assert_eq(mqc_route_parse(mq_str_from_cstr(route_legacy), &r), MQ_OK);
    cr_assert_eq(r.n_brokers, 2);
    cr_assert_str_eq(mqc_route_master(&r, "broker-a"), "10.0.0.1:10911");
    cr_assert_eq(r.queues[0].perm, 4, "numeric strings are accepted");
    cr_assert_str_eq(r.brokers[0].cluster, "DefaultCluster");
    mqc_route_fini(&r);
}

Test(mqc_route, refuses_bad_bodies)
{
    mqc_route_t r;
    const char *bad[] = {"",
                         "[]",
                         "{\"queueDatas\":5}",
                         "{\"brokerDatas\":{}}",
                         "{\"queueDatas\":[{\"brokerName\":\"x\",\"readQueueNums\":-1}]}",
                         "{\"queueDatas\":[{\"readQueueNums\":99999999}]}",
                         "{\"a\":",
                         "\"str\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(mqc_route_parse(mq_str_from_cstr(bad[i]), &r), MQ_EPROTO, "%s", bad[i]);
        cr_assert_null(r.json);
    }
    /* odd but harmless: non-numeric broker ids and non-string addresses are skipped */
    cr_assert_eq(mqc_route_parse(mq_str_from_cstr("{\"brokerDatas\":[{\"brokerAddrs\":{\"x\":"
                                                  "\"a:1\",\"0\":5},\"brokerName\":\"b\"}]}"),
                                 &r),
                 MQ_OK);
    cr_assert_eq(r.n_brokers, 0);
    mqc_route_fini(&r);
}

Test(mqc_route, queue_lists_are_sorted_and_filtered)
{
    mqc_route_t r;
    mqc_wq_t *wq;
    cr_assert_eq(mqc_route_parse(mq_str_from_cstr(route_std), &r), MQ_OK);
    cr_assert_eq(mqc_route_queues(&r, MQC_PERM_WRITE, 0, &wq), 7);
    cr_assert_str_eq(wq[0].broker_name, "broker-a");
    cr_assert_eq(wq[3].queue_id, 3);
    cr_assert_str_eq(wq[4].broker_name, "broker-b");
    cr_assert_eq(wq[6].queue_id, 2);
    free(wq);
    cr_assert_eq(mqc_route_queues(&r, MQC_PERM_READ, 0, &wq), 6);
    free(wq);
    cr_assert_eq(mqc_route_queues(&r, MQC_PERM_WRITE, 2, &wq), 4, "capped per broker");
    free(wq);
    r.queues[1].perm = 4; /* broker-a read-only */
    cr_assert_eq(mqc_route_queues(&r, MQC_PERM_WRITE, 0, &wq), 3);
    cr_assert_str_eq(wq[0].broker_name, "broker-b");
    free(wq);
    mqc_route_fini(&r);
    cr_assert_eq(mqc_route_parse(mq_str_from_cstr(route_legacy), &r), MQ_OK);
    cr_assert_eq(mqc_route_queues(&r, MQC_PERM_WRITE, 0, &wq), 0, "perm 4 is not writable");
    cr_assert_null(wq);
    mqc_route_fini(&r);
}

Test(mqc_msg, send_header_has_java_fields)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_buf_t props = MQ_BUF_INIT;
    mqc_message_t m = {.topic = "T",
                       .tags = "TagA",
                       .keys = "k1 k2",
                       .delay_level = 3,
                       .properties = "x\001y\002"};
    mq_str_t v;
    int64_t i64;
    mq_pool_init(&pool, 0);
    mqc_msg_props(&m, "UNIQ1", &props);
    cr_assert(mq_props_get(mq_buf_view(&props), "KEYS", &v) && mq_str_eq_cstr(v, "k1 k2"));
    cr_assert(mq_props_get(mq_buf_view(&props), "TAGS", &v) && mq_str_eq_cstr(v, "TagA"));
    cr_assert(mq_props_get(mq_buf_view(&props), "UNIQ_KEY", &v) && mq_str_eq_cstr(v, "UNIQ1"));
    cr_assert(mq_props_get(mq_buf_view(&props), "WAIT", &v) && mq_str_eq_cstr(v, "true"));
    cr_assert(mq_props_get(mq_buf_view(&props), "DELAY", &v) && mq_str_eq_cstr(v, "3"));
    cr_assert(mq_props_get(mq_buf_view(&props), "x", &v) && mq_str_eq_cstr(v, "y"));
    mqc_msg_send_header(&c, &pool, "pg", "T", 2, 1, 1700000000123LL, mq_buf_view(&props), 0,
                        "broker-a");
    cr_assert_eq(c.code, RMQ_SEND_MESSAGE_V2);
    cr_assert(rmq_cmd_ext(&c, "a", &v) && mq_str_eq_cstr(v, "pg"));
    cr_assert(rmq_cmd_ext(&c, "b", &v) && mq_str_eq_cstr(v, "T"));
    cr_assert(rmq_cmd_ext(&c, "c", &v) && mq_str_eq_cstr(v, "TBW102"));
    cr_assert(rmq_cmd_ext(&c, "d", &v) && mq_str_eq_cstr(v, "4"));
    cr_assert(rmq_cmd_ext(&c, "e", &v) && mq_str_eq_cstr(v, "2"));
    cr_assert(rmq_cmd_ext(&c, "f", &v) && mq_str_eq_cstr(v, "1"));
    cr_assert_eq(rmq_cmd_ext_i64(&c, "g", &i64), MQ_OK);
    cr_assert_eq(i64, 1700000000123LL);
    cr_assert(rmq_cmd_ext(&c, "h", &v) && mq_str_eq_cstr(v, "0"));
    cr_assert(rmq_cmd_ext(&c, "i", &v) && mq_str_eq(v, mq_buf_view(&props)));
    cr_assert(rmq_cmd_ext(&c, "j", &v) && mq_str_eq_cstr(v, "0"));
    cr_assert(rmq_cmd_ext(&c, "k", &v) && mq_str_eq_cstr(v, "false"));
    cr_assert(rmq_cmd_ext(&c, "m", &v) && mq_str_eq_cstr(v, "false"));
    cr_assert(rmq_cmd_ext(&c, "n", &v) && mq_str_eq_cstr(v, "broker-a"));
    cr_assert_not(rmq_cmd_ext(&c, "l", &v), "maxReconsumeTimes only for retries");
    mqc_msg_send_header(&c, &pool, "pg", "T", -1, 0, 1, MQ_STR(""), 1, NULL);
    cr_assert_eq(c.code, RMQ_SEND_BATCH_MESSAGE);
    cr_assert(rmq_cmd_ext(&c, "m", &v) && mq_str_eq_cstr(v, "true"));
    cr_assert_not(rmq_cmd_ext(&c, "n", &v));
    mq_buf_fini(&props);
    mq_pool_fini(&pool);
}

Test(mqc_alloc, averagely_matches_java)
{
    int idx[16], n;
    /* 8 queues, 3 clients: 3 + 3 + 2 */
    n = mqc_allocate_averagely(8, 3, 0, idx);
    cr_assert_eq(n, 3);
    cr_assert(idx[0] == 0 && idx[1] == 1 && idx[2] == 2);
    n = mqc_allocate_averagely(8, 3, 1, idx);
    cr_assert(n == 3 && idx[0] == 3 && idx[2] == 5);
    n = mqc_allocate_averagely(8, 3, 2, idx);
    cr_assert(n == 2 && idx[0] == 6 && idx[1] == 7);
    /* 4 queues, 2 clients */
    n = mqc_allocate_averagely(4, 2, 1, idx);
    cr_assert(n == 2 && idx[0] == 2 && idx[1] == 3);
    /* more clients than queues: the last ones get nothing */
    cr_assert_eq(mqc_allocate_averagely(3, 5, 2, idx), 1);
    cr_assert_eq(idx[0], 2);
    cr_assert_eq(mqc_allocate_averagely(3, 5, 3, idx), 0);
    cr_assert_eq(mqc_allocate_averagely(3, 5, 4, idx), 0);
    cr_assert_eq(mqc_allocate_averagely(4, 2, 2, idx), 0, "not a member");
    cr_assert_eq(mqc_allocate_averagely(0, 2, 0, idx), 0);
    /* every queue exactly once over all clients, for many shapes */
    for (int q = 1; q <= 12; q++) {
        for (int k = 1; k <= 6; k++) {
            int seen[12] = {0};
            for (int me = 0; me < k; me++) {
                n = mqc_allocate_averagely(q, k, me, idx);
                for (int i = 0; i < n; i++)
                    seen[idx[i]]++;
            }
            for (int i = 0; i < q; i++)
                cr_assert_eq(seen[i], 1, "q=%d k=%d queue %d", q, k, i);
        }
    }
}

Test(mqc_alloc, mq_order_is_topic_broker_queue)
{
    mqc_mq_t a = {"T", "broker-a", 3}, b = {"T", "broker-b", 0}, c = {"T", "broker-a", 10};
    cr_assert_lt(mqc_mq_cmp(&a, &b), 0);
    cr_assert_lt(mqc_mq_cmp(&a, &c), 0);
    cr_assert_eq(mqc_mq_cmp(&a, &a), 0);
}

Test(mqc_key, queue_for_key_matches_java_hashcode)
{
    /* expected values: Math.abs("key".hashCode() % n), as SelectMessageQueueByHash */
    cr_assert_eq(mqc_queue_for_key("abc", 4), 2); /* 96354 */
    cr_assert_eq(mqc_queue_for_key("abc", 7), 6);
    cr_assert_eq(mqc_queue_for_key("order-42", 4), 1);
    cr_assert_eq(mqc_queue_for_key("zzzzzzzzzz", 7), 2); /* hashCode -1580979136 */
    cr_assert_eq(mqc_queue_for_key("zzzzzzzzzz", 4), 0);
    cr_assert_eq(mqc_queue_for_key("\xe4\xb8\xad\xe6\x96\x87", 4), 2); /* UTF-16 hash 646394 */
    cr_assert_eq(mqc_queue_for_key("x", 0), 0);
}

Test(mqc_tags, expressions)
{
    mqc_tags_t t;
    cr_assert_eq(mqc_tags_parse("*", &t), MQ_OK);
    cr_assert(t.all);
    cr_assert_eq(mqc_tags_parse(NULL, &t), MQ_OK);
    cr_assert(t.all);
    cr_assert_eq(mqc_tags_parse(" TagA || TagB ||", &t), MQ_OK);
    cr_assert_not(t.all);
    cr_assert_eq(t.n, 2);
    cr_assert(mqc_tags_match(&t, MQ_STR("TagB")));
    cr_assert_not(mqc_tags_match(&t, MQ_STR("TagC")));
    cr_assert_not(mqc_tags_match(&t, MQ_STR_NULL));
}

/* Appends one stored record (rocketmq-protocol.md 4.2) to b. */
static void
put_record(mq_buf_t *b, int qid, int64_t qoff, const char *tag, const void *body, size_t n,
           int sys_flag)
{
    mq_buf_t props = MQ_BUF_INIT;
    mq_msg_t m;
    int64_t size;
    memset(&m, 0, sizeof(m));
    if (tag)
        mq_props_put(&props, MQ_STR("TAGS"), mq_str_from_cstr(tag));
    mq_props_put(&props, MQ_STR("UNIQ_KEY"), MQ_STR("0A0B0C0D0E0F10111213141516171819"));
    m.queue_id = qid;
    m.queue_offset = qoff;
    m.phys_offset = 1000 + qoff;
    m.sys_flag = sys_flag;
    m.born_ts = 5;
    m.store_ts = 6;
    m.store_host.addr[0] = 127;
    m.store_host.addr[3] = 1;
    m.store_host.port = 10911;
    m.born_host = m.store_host;
    m.body = (mq_str_t){body, n};
    m.topic = MQ_STR("T");
    m.props = mq_buf_view(&props);
    size = mq_msg_record_size(&m);
    cr_assert_gt(size, 0);
    cr_assert_eq(mq_msg_record_write(mq_buf_reserve(b, (size_t)size), (size_t)size, &m), MQ_OK);
    b->len += (size_t)size;
    mq_buf_fini(&props);
}

Test(mqc_pull, decodes_filters_and_inflates)
{
    mq_buf_t b = MQ_BUF_INIT;
    mq_pool_t pool;
    mqc_received_t *msgs;
    int64_t last;
    char big[5000];
    uint8_t z[6000];
    uLongf zn = sizeof(z);
    memset(big, 'q', sizeof(big));
    cr_assert_eq(compress(z, &zn, (const Bytef *)big, sizeof(big)), Z_OK);
    size_t e1, e2;
    put_record(&b, 1, 7, "TagA", "one", 3, 0);
    e1 = b.len;
    put_record(&b, 1, 8, "TagB", "two", 3, 0);
    e2 = b.len;
    put_record(&b, 1, 9, "TagA", z, zn, MQ_SYSFLAG_COMPRESSED);
    mq_pool_init(&pool, 0);
    cr_assert_eq(mqc_msg_decode_pull(mq_buf_view(&b), "*", &pool, &msgs, &last), 3);
    cr_assert_eq(last, 9);
    cr_assert_eq(msgs[0].queue_offset, 7);
    cr_assert_eq(msgs[0].queue_id, 1);
    cr_assert_str_eq(msgs[0].tags, "TagA");
    cr_assert_str_eq(msgs[0].keys, "");
    cr_assert_str_eq(msgs[0].msg_id, "0A0B0C0D0E0F10111213141516171819");
    cr_assert_str_eq(msgs[0].offset_msg_id, "7F00000100002A9F00000000000003EF");
    cr_assert_eq(msgs[0].commitlog_offset, 1007);
    cr_assert_eq(msgs[2].body_len, sizeof(big));
    cr_assert_eq(memcmp(msgs[2].body, big, sizeof(big)), 0);
    cr_assert_eq(mqc_msg_decode_pull(mq_buf_view(&b), "TagB", &pool, &msgs, &last), 1);
    cr_assert_eq(msgs[0].queue_offset, 8);
    cr_assert_eq(last, 9, "filtered records still advance the offset");
    cr_assert_eq(mqc_msg_decode_pull(MQ_STR(""), "*", &pool, &msgs, &last), 0);
    cr_assert_eq(last, -1);
    /* every truncation of the body is refused, never read past */
    for (size_t n = 1; n < b.len; n++) {
        mq_str_t cut = {(const char *)b.data, n};
        int rc = mqc_msg_decode_pull(cut, "*", &pool, &msgs, &last);
        if (n == e1 || n == e2)
            cr_assert_eq(rc, n == e1 ? 1 : 2);
        else
            cr_assert(rc < 0, "prefix %zu gave %d", n, rc);
    }
    mq_pool_fini(&pool);
    mq_buf_fini(&b);
}

Test(mqc_pull, result_maps_codes)
{
    mq_pool_t pool;
    rmq_cmd_t resp;
    mqc_pull_result_t r;
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&resp, RMQ_RC_PULL_NOT_FOUND, 1, RMQ_FLAG_RESPONSE);
    rmq_cmd_add_i64(&resp, &pool, "nextBeginOffset", 12);
    rmq_cmd_add_i64(&resp, &pool, "minOffset", 0);
    rmq_cmd_add_i64(&resp, &pool, "maxOffset", 12);
    cr_assert_eq(mqc_pull_result(&resp, "*", &pool, &r), MQ_OK);
    cr_assert_eq(r.status, MQC_PULL_NO_NEW_MSG);
    cr_assert_eq(r.next_offset, 12);
    cr_assert_eq(r.max_offset, 12);
    resp.code = RMQ_RC_PULL_OFFSET_MOVED;
    cr_assert_eq(mqc_pull_result(&resp, "*", &pool, &r), MQ_OK);
    cr_assert_eq(r.status, MQC_PULL_OFFSET_ILLEGAL);
    resp.code = RMQ_RC_SUBSCRIPTION_NOT_EXIST;
    cr_assert_neq(mqc_pull_result(&resp, "*", &pool, &r), MQ_OK);
    mq_pool_fini(&pool);
}
