/* SPDX-License-Identifier: Apache-2.0
 *
 * test_cursor.c -- reader/writer cursors (rd.h, wr.h) and the growable buffer (buf.h).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>

#include "mq/buf.h"
#include "mq/rd.h"
#include "mq/wr.h"
#include "mq_test.h"

Test(mq_rd, reads_big_endian_in_order)
{
    const uint8_t in[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                          0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff, 'a',  'b'};
    mq_rd_t r;
    mq_rd_init(&r, in, sizeof(in));
    cr_expect_eq(mq_rd_u8(&r), 0x01);
    cr_expect_eq(mq_rd_u16(&r), 0x0203);
    cr_expect_eq(mq_rd_u32(&r), 0x04050607u);
    cr_expect_eq(mq_rd_u64(&r), 0x08090a0b0c0d0e0fULL);
    cr_expect_eq(mq_rd_i8(&r), -1);
    mq_str_t s = mq_rd_str(&r, 2);
    cr_expect(mq_str_eq(s, MQ_STR("ab")));
    cr_expect(mq_rd_ok(&r));
    cr_expect_eq(mq_rd_left(&r), 0);
}

Test(mq_rd, underflow_is_sticky_and_reads_nothing_past_end)
{
    mq_test_guard_t g;
    const uint8_t src[] = {0x00, 0x00, 0x00};
    uint8_t *in = mq_test_guarded(&g, src, sizeof(src));
    mq_rd_t r;
    mq_rd_init(&r, in, sizeof(src));
    cr_expect_eq(mq_rd_u32(&r), 0);
    cr_expect_not(mq_rd_ok(&r));
    cr_expect_eq(r.err, MQ_EPROTO);
    cr_expect_eq(mq_rd_u8(&r), 0); /* sticky: even a 1-byte read now fails */
    cr_expect_eq(mq_rd_str(&r, 1).n, 0);
    mq_test_unguard(&g);
}

Test(mq_rd, count_check_bounds_hostile_counts)
{
    const uint8_t in[16] = {0};
    mq_rd_t r;
    mq_rd_init(&r, in, sizeof(in));
    cr_expect_eq(mq_rd_count_check(&r, 4, 100, 4), 4);
    cr_expect(mq_rd_ok(&r));
    cr_expect_eq(mq_rd_count_check(&r, 5, 100, 4), 0); /* 5 * 4 > 16 bytes left */
    cr_expect_eq(r.err, MQ_EPROTO);
    mq_rd_init(&r, in, sizeof(in));
    cr_expect_eq(mq_rd_count_check(&r, 1000000000, 100, 1), 0);
    cr_expect_eq(r.err, MQ_ETOOBIG);
    mq_rd_init(&r, in, sizeof(in));
    cr_expect_eq(mq_rd_count_check(&r, -1, 100, 1), 0);
    cr_expect_not(mq_rd_ok(&r));
}

Test(mq_wr, fixed_region_overflow_is_sticky)
{
    uint8_t out[6];
    mq_wr_t w;
    mq_wr_init_fixed(&w, out, sizeof(out));
    mq_wr_u32(&w, 0xdeadbeef);
    cr_expect(mq_wr_ok(&w));
    mq_wr_u32(&w, 1); /* needs 4, has 2 */
    cr_expect_eq(w.err, MQ_ETOOBIG);
    mq_wr_u8(&w, 1);
    cr_expect_eq(mq_wr_len(&w), 4);
    cr_expect_eq(out[0], 0xde);
    cr_expect_eq(out[3], 0xef);
}

Test(mq_wr, buffer_mode_grows_and_patches)
{
    mq_buf_t b = MQ_BUF_INIT;
    mq_wr_t w;
    mq_wr_init_buf(&w, &b);
    size_t at = mq_wr_reserve(&w, 4);
    for (int i = 0; i < 1000; i++)
        mq_wr_u64(&w, (uint64_t)i);
    mq_wr_patch_i32(&w, at, (int32_t)(mq_wr_len(&w) - 4));
    cr_assert(mq_wr_ok(&w));
    cr_expect_eq(b.len, 4 + 8000);
    cr_expect_eq(mq_load_be32(b.data), 8000);
    cr_expect_eq(mq_load_be64(b.data + 4 + 8 * 999), 999);
    mq_buf_fini(&b);
}

Test(mq_buf, printf_and_cstr)
{
    mq_buf_t b = MQ_BUF_INIT;
    mq_buf_printf(&b, "%s-%d", "queue", 42);
    mq_buf_append_cstr(&b, "!");
    cr_expect_str_eq(mq_buf_cstr(&b), "queue-42!");
    mq_buf_reset(&b);
    cr_expect_str_eq(mq_buf_cstr(&b), "");
    mq_buf_fini(&b);
}

Test(mq_buf, append_i64_matches_printf)
{
    static const int64_t v[] = {0,         7,         -1,        10,        -10,
                                123456789, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char want[32], got[24];
        mq_buf_t b = MQ_BUF_INIT;
        int n = snprintf(want, sizeof(want), "%" PRId64, v[i]);
        cr_expect_eq(mq_fmt_i64(got, v[i]), (size_t)n);
        cr_expect_str_eq(got, want);
        mq_buf_append(&b, "x", 1);
        mq_buf_append_i64(&b, v[i]);
        cr_expect_str_eq(mq_buf_cstr(&b) + 1, want);
        mq_buf_fini(&b);
    }
}
