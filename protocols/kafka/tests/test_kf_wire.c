/* SPDX-License-Identifier: Apache-2.0
 *
 * test_kf_wire.c -- Kafka primitives: varints (zig-zag and unsigned) round trips and limits,
 * classic vs compact strings and bytes, null vs empty, array counts against absurd values,
 * tagged-field skipping.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "kf_wire.h"
#include "mq_test.h"

static mq_buf_t kt_buf;

static void
kt_setup(void)
{
    mq_buf_init(&kt_buf);
}

static void
kt_teardown(void)
{
    mq_buf_fini(&kt_buf);
}

TestSuite(kf_wire, .init = kt_setup, .fini = kt_teardown);

Test(kf_wire, varint_round_trip_and_known_bytes)
{
    static const int32_t v32[] = {0, 1, -1, 63, -64, 64, 300, INT32_MAX, INT32_MIN};
    static const int64_t v64[] = {0, -1, 1, INT64_MAX, INT64_MIN, 1234567890123LL};
    mq_wr_t w;
    mq_rd_t r;

    mq_wr_init_buf(&w, &kt_buf);
    for (size_t i = 0; i < MQ_ARRAY_LEN(v32); i++)
        kf_wr_varint(&w, v32[i]);
    for (size_t i = 0; i < MQ_ARRAY_LEN(v64); i++)
        kf_wr_varlong(&w, v64[i]);
    kf_wr_uvarint(&w, UINT32_MAX);
    cr_assert(mq_wr_ok(&w));
    /* zig-zag: 0 -> 00, 1 -> 02, -1 -> 01 */
    cr_assert_eq(kt_buf.data[0], 0x00);
    cr_assert_eq(kt_buf.data[1], 0x02);
    cr_assert_eq(kt_buf.data[2], 0x01);
    mq_rd_init(&r, kt_buf.data, kt_buf.len);
    for (size_t i = 0; i < MQ_ARRAY_LEN(v32); i++)
        cr_assert_eq(kf_rd_varint(&r), v32[i], "varint %zu", i);
    for (size_t i = 0; i < MQ_ARRAY_LEN(v64); i++)
        cr_assert_eq(kf_rd_varlong(&r), v64[i], "varlong %zu", i);
    cr_assert_eq(kf_rd_uvarint(&r), UINT32_MAX);
    cr_assert(mq_rd_ok(&r));
    cr_assert_eq(mq_rd_left(&r), 0);
}

Test(kf_wire, varint_overlong_and_truncated_fail)
{
    static const uint8_t overlong[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    static const uint8_t truncated[] = {0x80, 0x80};
    mq_test_guard_t g;
    mq_rd_t r;

    mq_rd_init(&r, mq_test_guarded(&g, overlong, sizeof(overlong)), sizeof(overlong));
    (void)kf_rd_uvarint(&r);
    cr_assert_not(mq_rd_ok(&r));
    mq_test_unguard(&g);
    mq_rd_init(&r, mq_test_guarded(&g, truncated, sizeof(truncated)), sizeof(truncated));
    (void)kf_rd_varlong(&r);
    cr_assert_not(mq_rd_ok(&r));
    mq_test_unguard(&g);
}

Test(kf_wire, strings_null_empty_classic_and_compact)
{
    mq_wr_t w;
    mq_rd_t r;
    mq_str_t s;

    mq_wr_init_buf(&w, &kt_buf);
    kf_wr_string(&w, 0, MQ_STR_NULL);
    kf_wr_string(&w, 0, MQ_STR(""));
    kf_wr_string(&w, 0, MQ_STR("abc"));
    kf_wr_string(&w, 1, MQ_STR_NULL);
    kf_wr_string(&w, 1, MQ_STR(""));
    kf_wr_string(&w, 1, MQ_STR("abc"));
    kf_wr_bytes(&w, 0, MQ_STR_NULL);
    kf_wr_bytes(&w, 1, MQ_STR("xy"));
    cr_assert(mq_wr_ok(&w));
    cr_assert_eq(kt_buf.len, 2 + 2 + 5 + 1 + 1 + 4 + 4 + 3);
    cr_assert_eq(memcmp(kt_buf.data,
                        "\xff\xff\x00\x00\x00\x03"
                        "abc\x00\x01\x04"
                        "abc",
                        15),
                 0);

    mq_rd_init(&r, kt_buf.data, kt_buf.len);
    s = kf_rd_string(&r);
    cr_assert_null(s.p);
    s = kf_rd_string(&r);
    cr_assert_not_null(s.p);
    cr_assert_eq(s.n, 0);
    s = kf_rd_string(&r);
    cr_assert(mq_str_eq_cstr(s, "abc"));
    r.flex = 1;
    cr_assert_null(kf_rd_string(&r).p);
    s = kf_rd_string(&r);
    cr_assert(s.p && s.n == 0);
    cr_assert(mq_str_eq_cstr(kf_rd_string(&r), "abc"));
    r.flex = 0;
    cr_assert_null(kf_rd_bytes(&r).p);
    r.flex = 1;
    cr_assert(mq_str_eq_cstr(kf_rd_bytes(&r), "xy"));
    cr_assert(mq_rd_ok(&r));
    cr_assert_eq(mq_rd_left(&r), 0);
}

Test(kf_wire, string_longer_than_input_fails)
{
    static const uint8_t in[] = {0x00, 0x10, 'a', 'b'};
    static const uint8_t neg[] = {0xff, 0xfe};
    mq_rd_t r;

    mq_rd_init(&r, in, sizeof(in));
    (void)kf_rd_string(&r);
    cr_assert_not(mq_rd_ok(&r));
    mq_rd_init(&r, neg, sizeof(neg));
    (void)kf_rd_string(&r);
    cr_assert_not(mq_rd_ok(&r), "length -2 is malformed");
}

Test(kf_wire, array_counts)
{
    static const uint8_t absurd[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    static const uint8_t null_classic[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t compact[] = {0x00, 0x03, 1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xfe};
    mq_rd_t r;

    mq_rd_init(&r, absurd, sizeof(absurd));
    cr_assert_eq(kf_rd_array(&r, 4), 0);
    cr_assert_not(mq_rd_ok(&r));

    mq_rd_init(&r, null_classic, sizeof(null_classic));
    cr_assert_eq(kf_rd_array(&r, 4), -1);
    cr_assert(mq_rd_ok(&r));

    mq_rd_init(&r, neg, sizeof(neg));
    (void)kf_rd_array(&r, 1);
    cr_assert_not(mq_rd_ok(&r));

    mq_rd_init(&r, compact, sizeof(compact));
    r.flex = 1;
    cr_assert_eq(kf_rd_array(&r, 1), -1); /* 0 = null */
    cr_assert_eq(kf_rd_array(&r, 4), 2);  /* 3 = two elements of >= 4 bytes: 8 left */
    cr_assert(mq_rd_ok(&r));
    mq_rd_init(&r, compact + 1, sizeof(compact) - 1);
    r.flex = 1;
    (void)kf_rd_array(&r, 5); /* two of 5 bytes do not fit in 8 */
    cr_assert_not(mq_rd_ok(&r));
}

Test(kf_wire, tagged_fields_skipped_and_checked)
{
    /* two tags: 0 (2 bytes), 5 (1 byte), then a marker byte */
    static const uint8_t ok[] = {0x02, 0x00, 0x02, 0xaa, 0xbb, 0x05, 0x01, 0xcc, 0x42};
    static const uint8_t desc[] = {0x02, 0x05, 0x00, 0x01, 0x00};
    static const uint8_t big[] = {0x01, 0x00, 0x7f};
    mq_rd_t r;

    mq_rd_init(&r, ok, sizeof(ok));
    r.flex = 1;
    kf_rd_tags(&r);
    cr_assert(mq_rd_ok(&r));
    cr_assert_eq(mq_rd_u8(&r), 0x42);

    mq_rd_init(&r, desc, sizeof(desc));
    r.flex = 1;
    kf_rd_tags(&r);
    cr_assert_not(mq_rd_ok(&r), "tags must ascend");

    mq_rd_init(&r, big, sizeof(big));
    r.flex = 1;
    kf_rd_tags(&r);
    cr_assert_not(mq_rd_ok(&r), "tag size past the end");

    mq_rd_init(&r, ok, sizeof(ok));
    r.flex = 0;
    kf_rd_tags(&r); /* not flexible: nothing read */
    cr_assert_eq(mq_rd_left(&r), sizeof(ok));
}

Test(kf_wire, uuid_and_empty_tags_written)
{
    kf_uuid_t u;
    mq_wr_t w;
    mq_rd_t r;

    for (int i = 0; i < 16; i++)
        u.b[i] = (uint8_t)i;
    mq_wr_init_buf(&w, &kt_buf);
    kf_wr_uuid(&w, &u);
    kf_wr_tags(&w, 1);
    kf_wr_tags(&w, 0);
    kf_wr_array(&w, 1, -1);
    kf_wr_array(&w, 1, 2);
    kf_wr_array(&w, 0, -1);
    cr_assert_eq(kt_buf.len, 16 + 1 + 1 + 1 + 4);
    mq_rd_init(&r, kt_buf.data, kt_buf.len);
    cr_assert_eq(memcmp(kf_rd_uuid(&r).b, u.b, 16), 0);
    cr_assert_eq(mq_rd_u8(&r), 0);
    cr_assert_eq(mq_rd_u8(&r), 0);
    cr_assert_eq(mq_rd_u8(&r), 3);
    cr_assert_eq(mq_rd_i32(&r), -1);
}
