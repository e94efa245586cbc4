/* SPDX-License-Identifier: Apache-2.0
 *
 * test_msgid.c -- offset message ids and the UNIQ_KEY generator (msg.h).
 */
#include <criterion/criterion.h>

#include "mq/msg.h"

Test(mq_msgid, ipv4_format_and_parse)
{
    mq_host_t h = {{127, 0, 0, 1}, 10911, 0}, back;
    char id[57];
    int64_t off;
    cr_expect_eq(mq_msgid_format(id, &h, 0), 32);
    /* the Java example response: 7F000001 00002A9F 0000000000000000 */
    cr_expect_str_eq(id, "7F00000100002A9F0000000000000000");
    mq_msgid_format(id, &h, 0x123456789aLL);
    cr_assert_eq(mq_msgid_parse(mq_str_from_cstr(id), &back, &off), MQ_OK);
    cr_expect_eq(off, 0x123456789aLL);
    cr_expect_eq(back.port, 10911);
    cr_expect_eq(back.v6, 0);
    cr_expect_arr_eq(back.addr, h.addr, 4);
}

Test(mq_msgid, ipv6_and_bad_input)
{
    mq_host_t h = {{0}, 10911, 1}, back;
    char id[57];
    int64_t off;
    h.addr[15] = 1;
    cr_expect_eq(mq_msgid_format(id, &h, 5), 56);
    cr_assert_eq(mq_msgid_parse(mq_str_from_cstr(id), &back, &off), MQ_OK);
    cr_expect_eq(back.v6, 1);
    cr_expect_eq(off, 5);
    cr_expect_eq(mq_msgid_parse(MQ_STR("XYZ"), &back, &off), MQ_EINVAL);
    cr_expect_eq(mq_msgid_parse(MQ_STR("7F00000100002A9F000000000000000G"), &back, &off),
                 MQ_EINVAL);
}

Test(mq_uniq, ids_are_32_hex_and_distinct)
{
    mq_uniq_gen_t g;
    const uint8_t ip[4] = {127, 0, 0, 1};
    char a[33], b[33];
    mq_uniq_gen_init(&g, ip, 0x16B2, 0x5F2E06F1);
    mq_uniq_gen_next(&g, 1700000000000LL, a);
    mq_uniq_gen_next(&g, 1700000000000LL, b);
    cr_expect_eq(strlen(a), 32);
    cr_expect_eq(strncmp(a, "7F00000116B25F2E06F1", 20), 0);
    cr_expect_str_neq(a, b);
    /* 2023-11-14T22:13:20Z is 13 days 22:13:20 into November: 1203200000 ms = 0x47B76000 */
    cr_expect_eq(strncmp(a + 20, "47B760000000", 12), 0);
    cr_expect_eq(strncmp(b + 20, "47B760000001", 12), 0);
}
