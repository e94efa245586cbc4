/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_batch.c -- batch bodies: the C++ client's captured batch decodes into its three
 * messages; encode/decode round trip; inconsistent sizes and trailing bytes are refused.
 */
#include <criterion/criterion.h>

#include "rmq_batch.h"
#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_golden.h"

Test(rmq_batch, cpp_batch_frame_holds_three_messages)
{
    rmq_golden_t g;
    int found = 0;
    rmq_golden_load(&g);
    for (int i = 0; i < g.n; i++) {
        rmq_frame_t f;
        rmq_cmd_t c;
        mq_pool_t pool;
        mq_msg_t *msgs;
        int batch = 0;
        if (!strstr(g.name[i], "cpp/batch-producer"))
            continue;
        mq_pool_init(&pool, 0);
        cr_assert_eq(rmq_frame_parse(g.data[i], g.len[i], RMQ_FRAME_MAX_DEFAULT, &f, NULL),
                     (ssize_t)g.len[i]);
        cr_assert_eq(rmq_cmd_decode(&f, &pool, &c), MQ_OK);
        if (c.code == RMQ_SEND_MESSAGE_V2 && rmq_cmd_ext_bool(&c, "m", &batch) == MQ_OK && batch) {
            int n = rmq_batch_decode(c.body, &pool, &msgs);
            mq_str_t v;
            cr_assert_eq(n, 3);
            for (int k = 0; k < n; k++) {
                cr_expect_gt(msgs[k].body.n, 0);
                cr_expect(mq_props_get(msgs[k].props, MQ_PROP_UNIQ_KEY, &v), "message %d", k);
            }
            found = 1;
        }
        mq_pool_fini(&pool);
    }
    rmq_golden_free(&g);
    cr_expect(found, "the captured batch frame was found");
}

Test(rmq_batch, round_trip_and_refusals)
{
    mq_buf_t b = MQ_BUF_INIT;
    mq_pool_t pool;
    mq_msg_t in[2], *out;
    memset(in, 0, sizeof(in));
    in[0].flag = 5;
    in[0].body = MQ_STR("one");
    in[0].props = MQ_STR("KEYS\001k1\002");
    in[1].body = MQ_STR("");
    mq_pool_init(&pool, 0);
    rmq_batch_put(&b, &in[0]);
    rmq_batch_put(&b, &in[1]);
    cr_assert_eq(rmq_batch_decode(mq_buf_view(&b), &pool, &out), 2);
    cr_expect_eq(out[0].flag, 5);
    cr_expect(mq_str_eq(out[0].body, MQ_STR("one")));
    cr_expect(mq_str_eq(out[0].props, MQ_STR("KEYS\001k1\002")));
    cr_expect_eq(out[1].body.n, 0);
    /* every prefix is malformed (or, at an element boundary, shorter) */
    for (size_t n = 1; n < b.len; n++) {
        int rc = rmq_batch_decode((mq_str_t){(const char *)b.data, n}, &pool, &out);
        cr_expect(rc == MQ_EPROTO || (rc == 1 && n == 20 + 3 + 2 + 8), "prefix %zu: %d", n, rc);
    }
    cr_expect_eq(rmq_batch_decode(MQ_STR_NULL, &pool, &out), MQ_EPROTO);
    b.data[3] ^= 1; /* TOTALSIZE disagrees */
    cr_expect_eq(rmq_batch_decode(mq_buf_view(&b), &pool, &out), MQ_EPROTO);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}
