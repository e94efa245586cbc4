/* SPDX-License-Identifier: Apache-2.0
 *
 * test_crc.c -- CRC-32 against zlib and known vectors; CRC-32C against RFC 3720 vectors.
 */
#include <criterion/criterion.h>
#include <zlib.h>

#include "mq/crc.h"

Test(mq_crc, crc32_check_value)
{
    cr_expect_eq(mq_crc32(0, "123456789", 9), 0xCBF43926u);
    cr_expect_eq(mq_crc32(0, "", 0), 0);
}

Test(mq_crc, crc32_matches_zlib_at_every_length_and_alignment)
{
    uint8_t buf[2100];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= sizeof(buf); n += (n < 600 ? 1 : 97))
            cr_assert_eq(mq_crc32(0, buf + off, n), (uint32_t)crc32(0, buf + off, (uInt)n),
                         "len %zu off %zu", n, off);
}

Test(mq_crc, crc32_is_incremental)
{
    const char *s = "The quick brown fox jumps over the lazy dog";
    uint32_t whole = mq_crc32(0, s, 43);
    uint32_t part = mq_crc32(mq_crc32(0, s, 10), s + 10, 33);
    cr_expect_eq(whole, 0x414FA339u);
    cr_expect_eq(part, whole);
}

Test(mq_crc, body_crc_is_masked)
{
    cr_expect_eq(mq_body_crc("123456789", 9), (int32_t)(0xCBF43926u & 0x7FFFFFFFu));
}

Test(mq_crc, crc32c_vectors)
{
    uint8_t zeros[32] = {0}, ones[32], inc[32];
    memset(ones, 0xff, sizeof(ones));
    for (int i = 0; i < 32; i++)
        inc[i] = (uint8_t)i;
    cr_expect_eq(mq_crc32c(0, "123456789", 9), 0xE3069283u);
    cr_expect_eq(mq_crc32c(0, zeros, 32), 0x8A9136AAu);
    cr_expect_eq(mq_crc32c(0, ones, 32), 0x62A8AB43u);
    cr_expect_eq(mq_crc32c(0, inc, 32), 0x46DD794Eu);
    cr_expect_eq(mq_crc32c(mq_crc32c(0, inc, 5), inc + 5, 27), 0x46DD794Eu);
}
