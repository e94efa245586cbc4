/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_cmd.c -- RemotingCommand headers: every golden request decodes with the fields the
 * clients sent (numbers and booleans in extFields included); decode -> encode -> decode keeps
 * the fields; binary headers round-trip; malformed headers are refused.
 */
#include <criterion/criterion.h>

#include "mq/rd.h"
#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_golden.h"
#include "rmq_test.h"

static void
expect_same(const rmq_cmd_t *a, const rmq_cmd_t *b, const char *what)
{
    cr_expect_eq(a->code, b->code, "%s", what);
    cr_expect_eq(a->opaque, b->opaque, "%s", what);
    cr_expect_eq(a->flag, b->flag, "%s", what);
    cr_expect_eq(a->language, b->language, "%s", what);
    cr_expect_eq(a->version, b->version, "%s", what);
    cr_expect_eq(a->n_ext, b->n_ext, "%s", what);
    for (int i = 0; i < a->n_ext; i++) {
        mq_str_t v;
        char *k = strndup(a->ext[i].key.p, a->ext[i].key.n);
        cr_expect(rmq_cmd_ext(b, k, &v) && mq_str_eq(v, a->ext[i].val), "%s: %s", what, k);
        free(k);
    }
    cr_expect(mq_str_eq(a->body, b->body), "%s", what);
}

Test(rmq_cmd, every_golden_request_decodes_and_round_trips)
{
    rmq_golden_t g;
    rmq_golden_load(&g);
    cr_assert_gt(g.n, 20);
    for (int i = 0; i < g.n; i++) {
        mq_pool_t pool;
        rmq_cmd_t c, c2, c3;
        mq_buf_t b = MQ_BUF_INIT, b2 = MQ_BUF_INIT;
        mq_pool_init(&pool, 0);
        cr_assert_eq(rmq_test_decode(g.data[i], g.len[i], &pool, &c), MQ_OK, "%s", g.name[i]);
        cr_expect_not(rmq_cmd_is_response(&c), "%s", g.name[i]);
        cr_expect_str_neq((char *)rmq_request_name(c.code), "UNKNOWN", "%s", g.name[i]);
        /* the file name carries the code */
        cr_expect(strstr(g.name[i], rmq_request_name(c.code)) != NULL, "%s", g.name[i]);
        rmq_cmd_encode(&c, &b);
        cr_assert_eq(rmq_test_decode(b.data, b.len, &pool, &c2), MQ_OK, "%s re-encoded", g.name[i]);
        expect_same(&c, &c2, g.name[i]);
        rmq_cmd_encode_binary(&c, &b2);
        cr_assert_eq(rmq_test_decode(b2.data, b2.len, &pool, &c3), MQ_OK, "%s binary", g.name[i]);
        expect_same(&c, &c3, g.name[i]);
        mq_buf_fini(&b);
        mq_buf_fini(&b2);
        mq_pool_fini(&pool);
    }
    rmq_golden_free(&g);
}

Test(rmq_cmd, cpp_numbers_and_alions_booleans_are_read_as_text)
{
    /* the C++ client's SEND_MESSAGE_V2 batch (captured): "d":4,"e":0,"l":16,"m":"true" */
    rmq_golden_t g;
    int seen_cpp = 0, seen_alions = 0;
    rmq_golden_load(&g);
    for (int i = 0; i < g.n; i++) {
        mq_pool_t pool;
        rmq_cmd_t c;
        int32_t qid, d;
        int b;
        mq_pool_init(&pool, 0);
        cr_assert_eq(rmq_test_decode(g.data[i], g.len[i], &pool, &c), MQ_OK);
        if (c.code == RMQ_SEND_MESSAGE_V2 && strstr(g.name[i], "cpp/batch-producer")) {
            cr_expect_eq(rmq_cmd_ext_i32(&c, "d", &d), MQ_OK);
            cr_expect_eq(d, 4);
            cr_expect_eq(rmq_cmd_ext_i32(&c, "e", &qid), MQ_OK);
            cr_expect_eq(rmq_cmd_ext_bool(&c, "m", &b), MQ_OK);
            cr_expect_eq(b, 1);
            cr_expect_eq(c.language, 1); /* CPP */
            cr_expect_eq(c.version, 333);
            seen_cpp = 1;
        }
        if (c.code == RMQ_HEART_BEAT && strstr(g.name[i], "ali-ons")) {
            cr_expect_eq(c.version, 121);
            cr_expect_gt(c.body.n, 0);
            seen_alions = 1;
        }
        mq_pool_fini(&pool);
    }
    rmq_golden_free(&g);
    cr_expect(seen_cpp && seen_alions);
}

Test(rmq_cmd, encode_writes_compact_json_with_string_values)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_buf_t b = MQ_BUF_INIT;
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&c, RMQ_RC_SUCCESS, 7, RMQ_FLAG_RESPONSE);
    rmq_cmd_add(&c, &pool, "msgId", MQ_STR("7F00000100002A9F0000000000000000"));
    rmq_cmd_add_i64(&c, &pool, "queueOffset", 42);
    c.remark = MQ_STR("quote \" and \\ and \x01");
    rmq_cmd_encode(&c, &b);
    const char *h = (const char *)b.data + 8;
    size_t hl = mq_load_be32(b.data + 4) & 0xFFFFFF;
    cr_expect_eq(mq_load_be32(b.data), 4 + hl);
    cr_expect(memmem(h, hl, "\"queueOffset\":\"42\"", 18) != NULL);
    cr_expect(memmem(h, hl, "\"flag\":1", 8) != NULL);
    cr_expect(memmem(h, hl, "\\\" and \\\\ and \\u0001", 20) != NULL);
    cr_expect(memmem(h, hl, ": ", 2) == NULL && memmem(h, hl, ", ", 2) == NULL); /* compact */
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_cmd, malformed_headers_are_refused)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{",
        "{\"code\":\"x\",\"opaque\":1}",
        "{\"code\":1}",
        "{\"code\":1,\"opaque\":1,\"extFields\":[1]}",
        "{\"code\":99999999999,\"opaque\":1}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mq_buf_t b = MQ_BUF_INIT;
        mq_pool_t pool;
        rmq_cmd_t c;
        mq_pool_init(&pool, 0);
        rmq_frame_put_prefix(&b, RMQ_SERIALIZE_JSON, strlen(bad[i]), 0);
        mq_buf_append_cstr(&b, bad[i]);
        cr_expect_eq(rmq_test_decode(b.data, b.len, &pool, &c), MQ_EPROTO, "%s", bad[i]);
        mq_buf_fini(&b);
        mq_pool_fini(&pool);
    }
    /* a binary header cut short */
    {
        uint8_t hdr[10] = {0};
        mq_buf_t b = MQ_BUF_INIT;
        mq_pool_t pool;
        rmq_cmd_t c;
        mq_pool_init(&pool, 0);
        rmq_frame_put_prefix(&b, RMQ_SERIALIZE_ROCKETMQ, sizeof(hdr), 0);
        mq_buf_append(&b, hdr, sizeof(hdr));
        cr_expect_eq(rmq_test_decode(b.data, b.len, &pool, &c), MQ_EPROTO);
        mq_buf_fini(&b);
        mq_pool_fini(&pool);
    }
    /* binary field names that are not UTF-8: two of them would merge once written as JSON */
    {
        static const uint8_t hdr[] = {0, 10, 0,   0, 0, 0,    0, 0,  1, 0, 0,    0, 0,
                                      0, 0,  0,   0, 0, 0,    0, 16, 0, 1, 0xFF, 0, 0,
                                      0, 1,  'x', 0, 1, 0xFE, 0, 0,  0, 1, 'y'};
        mq_buf_t b = MQ_BUF_INIT;
        mq_pool_t pool;
        rmq_cmd_t c;
        mq_pool_init(&pool, 0);
        rmq_frame_put_prefix(&b, RMQ_SERIALIZE_ROCKETMQ, sizeof(hdr), 0);
        mq_buf_append(&b, hdr, sizeof(hdr));
        cr_expect_eq(rmq_test_decode(b.data, b.len, &pool, &c), MQ_EPROTO);
        mq_buf_fini(&b);
        mq_pool_fini(&pool);
    }
}

Test(rmq_cmd, nulls_are_skipped_and_unknown_language_is_other)
{
    const char *h = "{\"code\":11,\"opaque\":3,\"language\":\"KLINGON\",\"remark\":null,"
                    "\"extFields\":{\"a\":null,\"b\":1.5,\"c\":false}}";
    mq_buf_t b = MQ_BUF_INIT;
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_str_t v;
    mq_pool_init(&pool, 0);
    rmq_frame_put_prefix(&b, RMQ_SERIALIZE_JSON, strlen(h), 0);
    mq_buf_append_cstr(&b, h);
    cr_assert_eq(rmq_test_decode(b.data, b.len, &pool, &c), MQ_OK);
    cr_expect_eq(c.language, 7);
    cr_expect_null(c.remark.p);
    cr_expect_not(rmq_cmd_ext(&c, "a", &v));
    cr_expect(rmq_cmd_ext(&c, "b", &v) && mq_str_eq(v, MQ_STR("1.5")));
    cr_expect(rmq_cmd_ext(&c, "c", &v) && mq_str_eq(v, MQ_STR("false")));
    int64_t x;
    cr_expect_eq(rmq_cmd_ext_i64(&c, "b", &x), MQ_EINVAL);
    cr_expect_eq(rmq_cmd_ext_i64(&c, "zz", &x), MQ_ENOENT);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_cmd, binary_header_appends_after_existing_bytes_with_remark_and_body)
{
    /* the C client writes binary headers into a queue that already holds earlier frames */
    mq_pool_t pool;
    rmq_cmd_t c, d;
    mq_buf_t b = MQ_BUF_INIT;
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&c, RMQ_SEND_MESSAGE_V2, 77, 0);
    c.remark = MQ_STR("a remark");
    rmq_cmd_add(&c, &pool, "a", MQ_STR("group"));
    rmq_cmd_add(&c, &pool, "b", MQ_STR("topic"));
    rmq_cmd_add_i64(&c, &pool, "e", 3);
    c.body = MQ_STR("body!");
    mq_buf_append(&b, "xyz", 3);
    rmq_cmd_encode_head_binary(&c, c.body.n, &b);
    mq_buf_append_str(&b, c.body);
    cr_assert_eq(b.data[3 + 4], RMQ_SERIALIZE_ROCKETMQ, "the serialize-type byte");
    cr_assert_eq(rmq_test_decode(b.data + 3, b.len - 3, &pool, &d), MQ_OK);
    expect_same(&c, &d, "binary after 3 bytes");
    cr_expect(mq_str_eq(d.remark, c.remark));
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}
