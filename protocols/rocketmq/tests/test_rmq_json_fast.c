/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_json_fast.c -- the fast JSON header decoder: every golden request header (ali-ons,
 * C++ client) takes the fast path and decodes exactly as jansson does; the shapes it must leave
 * to jansson are declined, and the full decoder still gets them right.
 */
#include <criterion/criterion.h>

#include "rmq_frame.h"
#include "rmq_golden.h"
#include "rmq_json_fast.h"

static void
expect_equal(const rmq_cmd_t *a, const rmq_cmd_t *b, const char *what)
{
    cr_expect_eq(a->code, b->code, "%s", what);
    cr_expect_eq(a->opaque, b->opaque, "%s", what);
    cr_expect_eq(a->flag, b->flag, "%s", what);
    cr_expect_eq(a->version, b->version, "%s", what);
    cr_expect_eq(a->language, b->language, "%s", what);
    cr_expect(mq_str_eq(a->remark, b->remark) && (a->remark.p == NULL) == (b->remark.p == NULL),
              "%s: remark", what);
    cr_assert_eq(a->n_ext, b->n_ext, "%s", what);
    for (int i = 0; i < a->n_ext; i++) {
        cr_expect(mq_str_eq(a->ext[i].key, b->ext[i].key), "%s: key %d", what, i);
        cr_expect(mq_str_eq(a->ext[i].val, b->ext[i].val), "%s: value of %.*s", what,
                  (int)a->ext[i].key.n, a->ext[i].key.p);
    }
}

Test(rmq_json_fast, golden_headers_take_the_fast_path_and_match_jansson)
{
    rmq_golden_t g;
    int json = 0;
    rmq_golden_load(&g);
    for (int i = 0; i < g.n; i++) {
        rmq_frame_t f;
        rmq_cmd_t a, b;
        mq_pool_t pool;
        cr_assert_eq(rmq_frame_parse(g.data[i], g.len[i], RMQ_FRAME_MAX_DEFAULT, &f, NULL),
                     (ssize_t)g.len[i]);
        if (f.serialize_type != RMQ_SERIALIZE_JSON)
            continue;
        json++;
        mq_pool_init(&pool, 0);
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        cr_expect_eq(rmq_json_fast_decode(f.header.p, f.header.n, &pool, &a), MQ_OK, "%s",
                     g.name[i]);
        cr_assert_eq(rmq_json_slow_decode(f.header.p, f.header.n, &pool, &b), MQ_OK);
        expect_equal(&a, &b, g.name[i]);
        mq_pool_fini(&pool);
    }
    cr_expect_gt(json, 20);
    rmq_golden_free(&g);
}

Test(rmq_json_fast, escapes_numbers_booleans_and_nulls)
{
    static const char h[] = " {\"code\":10,\"flag\":0,\"language\":\"CPP\",\"opaque\":-7,"
                            "\"remark\":\"a\\\"b\\\\c\\/\\n\\u00e9\\u20ac\\u0000\","
                            "\"extFields\":{\"n\":-42,\"t\":true,\"f\":false,\"z\":null,"
                            "\"s\":\"x y\",\"e\":\"\"},\"serializeTypeCurrentRPC\":\"JSON\","
                            "\"version\":317} ";
    mq_pool_t pool;
    rmq_cmd_t a, b;
    mq_pool_init(&pool, 0);
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    cr_assert_eq(rmq_json_fast_decode(h, sizeof(h) - 1, &pool, &a), MQ_OK);
    cr_assert_eq(rmq_json_slow_decode(h, sizeof(h) - 1, &pool, &b), MQ_OK);
    expect_equal(&a, &b, "mixed");
    cr_expect_eq(a.opaque, -7);
    cr_expect_eq(a.n_ext, 5); /* the null is not a header value */
    cr_expect(mq_str_eq(a.remark, (mq_str_t){"a\"b\\c/\n\xc3\xa9\xe2\x82\xac\0", 13}));
    mq_pool_fini(&pool);
}

Test(rmq_json_fast, leaves_other_shapes_to_jansson)
{
    static const char *const declined[] = {
        "{\"code\":1,\"opaque\":1,\"extFields\":{\"a\":1.5}}",               /* a real */
        "{\"code\":1,\"opaque\":1,\"extFields\":{\"a\":\"1\",\"a\":\"2\"}}", /* repeated */
        "{\"code\":1,\"opaque\":1,\"remark\":\"\xc3\xa9\"}",                 /* raw UTF-8 */
        "{\"code\":1,\"opaque\":1,\"remark\":\"\\ud83d\\ude00\"}",           /* surrogates */
        "{\"code\":1,\"opaque\":1,\"x\":[1]}",                               /* an array */
        "{\"code\":1,\"opaque\":1} x",                                       /* trailing bytes */
        "{\"code\":1,\"opaque\":1,}",                                        /* trailing comma */
        "{\"code\":01,\"opaque\":1}",                                        /* leading zero */
        "{\"code\":\"1\",\"opaque\":1}",                                     /* code as text */
        "{\"code\":1}",                                                      /* no opaque */
        "{\"code\":1,\"opaque\":1,\"extFields\":{\"k\\u0000\":\"v\"}}",      /* NUL in a name */
        "{\"code\":1,\"opaque\":1,\"remark\":\"abc",                         /* cut */
        "{\"code\":1,\"opaque\":1,\"remark\":\"abc\\",                       /* cut in an escape */
        "{\"code\":1,\"opaque\":1,\"remark\":\"\\u12\"}",                    /* short \\u */
        "{\"code\":1,\"opaque\":99999999999}",                               /* not an int32 */
        "{\"code\":1,\"opaque\":1,\"remark\":\"a\x01b\"}",                   /* raw control */
    };
    for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
        mq_pool_t pool;
        rmq_cmd_t a;
        mq_pool_init(&pool, 0);
        memset(&a, 0, sizeof(a));
        cr_expect_eq(rmq_json_fast_decode(declined[i], strlen(declined[i]), &pool, &a), MQ_DECLINED,
                     "%s", declined[i]);
        mq_pool_fini(&pool);
    }
    /* and the full decoder still reads what jansson reads */
    {
        static const char h[] = "{\"code\":1,\"opaque\":1,\"extFields\":{\"a\":\"1\",\"a\":\"2\","
                                "\"r\":1.5}}";
        mq_buf_t b = MQ_BUF_INIT;
        mq_pool_t pool;
        rmq_frame_t f;
        rmq_cmd_t c;
        mq_str_t v;
        mq_pool_init(&pool, 0);
        rmq_frame_put_prefix(&b, RMQ_SERIALIZE_JSON, sizeof(h) - 1, 0);
        mq_buf_append(&b, h, sizeof(h) - 1);
        cr_assert_eq(rmq_frame_parse(b.data, b.len, RMQ_FRAME_MAX_DEFAULT, &f, NULL),
                     (ssize_t)b.len);
        cr_assert_eq(rmq_cmd_decode(&f, &pool, &c), MQ_OK);
        cr_expect_eq(c.n_ext, 2);
        cr_expect(rmq_cmd_ext(&c, "a", &v) == 1 && mq_str_eq(v, MQ_STR("2")));
        cr_expect(rmq_cmd_ext(&c, "r", &v) == 1 && mq_str_eq(v, MQ_STR("1.5")));
        mq_buf_fini(&b);
        mq_pool_fini(&pool);
    }
}

/* The repeated-key check filters by a hash of each name: names that collide in it must still
 * decode, and a repeat anywhere among many names must still be declined. */
Test(rmq_json_fast, many_names_with_and_without_a_repeat)
{
    for (int repeat = 0; repeat < 2; repeat++) {
        mq_buf_t h = MQ_BUF_INIT;
        mq_pool_t pool;
        rmq_cmd_t a;
        mq_pool_init(&pool, 0);
        mq_buf_append_cstr(&h, "{\"code\":1,\"opaque\":1,\"extFields\":{");
        for (int i = 0; i < 60; i++) /* 60 two-letter names: several share a filter bit */
            mq_buf_printf(&h, "%s\"%c%c\":\"%d\"", i ? "," : "", 'a' + i % 26, 'a' + i / 26, i);
        if (repeat)
            mq_buf_append_cstr(&h, ",\"hb\":\"again\"");
        mq_buf_append_cstr(&h, "}}");
        memset(&a, 0, sizeof(a));
        cr_expect_eq(rmq_json_fast_decode((const char *)h.data, h.len, &pool, &a),
                     repeat ? MQ_DECLINED : MQ_OK, "repeat=%d", repeat);
        if (!repeat) {
            cr_expect_eq(a.n_ext, 60);
            cr_expect(mq_str_eq(a.ext[59].key, MQ_STR("hc")) &&
                      mq_str_eq(a.ext[59].val, MQ_STR("59")));
        }
        mq_buf_fini(&h);
        mq_pool_fini(&pool);
    }
}
