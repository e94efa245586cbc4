/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_frame.c -- remoting framing: every golden request frame parses whole; every prefix
 * asks for more bytes without reading past the end; oversized and inconsistent lengths are
 * refused before buffering.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "mq/rd.h"
#include "mq_test.h"
#include "rmq_codes.h"
#include "rmq_frame.h"
#include "rmq_golden.h"

Test(rmq_frame, every_golden_frame_parses_and_every_prefix_is_again)
{
    rmq_golden_t g;
    int files = 0;
    rmq_golden_load(&g);
    cr_assert_gt(g.n, 20, "golden frames found: %d", g.n);
    for (int i = 0; i < g.n; i++) {
        rmq_frame_t f;
        size_t need = 0;
        ssize_t rc = rmq_frame_parse(g.data[i], g.len[i], RMQ_FRAME_MAX_DEFAULT, &f, &need);
        cr_assert_eq(rc, (ssize_t)g.len[i], "%s", g.name[i]);
        cr_expect_eq(f.serialize_type, RMQ_SERIALIZE_JSON);
        cr_expect_eq(f.header.n + f.body.n + 8, g.len[i]);
        for (size_t n = 0; n < g.len[i]; n++) {
            mq_test_guard_t gd;
            uint8_t *p = mq_test_guarded(&gd, g.data[i], n);
            cr_assert_eq(rmq_frame_parse(p, n, RMQ_FRAME_MAX_DEFAULT, &f, NULL), MQ_AGAIN,
                         "%s prefix %zu", g.name[i], n);
            mq_test_unguard(&gd);
        }
        files++;
    }
    rmq_golden_free(&g);
    cr_expect_gt(files, 0);
}

Test(rmq_frame, bad_lengths_are_refused_early)
{
    uint8_t b[16] = {0};
    rmq_frame_t f;
    mq_store_be32(b, 17 * 1024 * 1024); /* over 16 MiB: refused from the first 4 bytes */
    cr_expect_eq(rmq_frame_parse(b, 4, RMQ_FRAME_MAX_DEFAULT, &f, NULL), MQ_ETOOBIG);
    mq_store_be32(b, 2); /* shorter than headerLenAndType */
    cr_expect_eq(rmq_frame_parse(b, 8, RMQ_FRAME_MAX_DEFAULT, &f, NULL), MQ_EPROTO);
    mq_store_be32(b, 8);
    mq_store_be32(b + 4, 100); /* header longer than the frame */
    cr_expect_eq(rmq_frame_parse(b, 12, RMQ_FRAME_MAX_DEFAULT, &f, NULL), MQ_EPROTO);
    mq_store_be32(b + 4, (7u << 24) | 2); /* unknown serialize type */
    cr_expect_eq(rmq_frame_parse(b, 12, RMQ_FRAME_MAX_DEFAULT, &f, NULL), MQ_EPROTO);
    mq_store_be32(b + 4, (1u << 24) | 2);
    cr_expect_eq(rmq_frame_parse(b, 12, RMQ_FRAME_MAX_DEFAULT, &f, NULL), 12);
    cr_expect_eq(f.serialize_type, RMQ_SERIALIZE_ROCKETMQ);
    cr_expect_eq(f.header.n, 2);
    cr_expect_eq(f.body.n, 2);
}

Test(rmq_frame, two_frames_back_to_back)
{
    mq_buf_t b = MQ_BUF_INIT;
    rmq_frame_t f;
    ssize_t n1;
    rmq_frame_put_prefix(&b, RMQ_SERIALIZE_JSON, 2, 3);
    mq_buf_append(&b, "{}abc", 5);
    rmq_frame_put_prefix(&b, RMQ_SERIALIZE_JSON, 2, 0);
    mq_buf_append(&b, "{}", 2);
    n1 = rmq_frame_parse(b.data, b.len, RMQ_FRAME_MAX_DEFAULT, &f, NULL);
    cr_assert_eq(n1, 13);
    cr_expect(mq_str_eq(f.body, MQ_STR("abc")));
    cr_expect_eq(rmq_frame_parse(b.data + n1, b.len - (size_t)n1, RMQ_FRAME_MAX_DEFAULT, &f, NULL),
                 10);
    cr_expect_eq(f.body.n, 0);
    mq_buf_fini(&b);
}
