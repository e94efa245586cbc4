/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_crc.c -- CRC-32 (IEEE) and CRC-32C (Castagnoli) (crc.h).
 *
 * CRC-32 is on the append hot path (one body CRC per stored message). zlib's crc32 costs about
 * 150 ns for a 100-byte body on the reference machine (docs/benchmarks.md), more than the whole
 * rest of an append, so short inputs use slicing-by-8 tables here (about 4x faster at 100 bytes)
 * and long ones go to zlib, which is faster past a few hundred bytes.
 * CRC-32C uses the SSE4.2 crc32 instruction when the CPU has it, slicing-by-8 otherwise.
 * Tables are computed once, thread-safely, on first use.
 */
#include <pthread.h>
#include <string.h>
#include <zlib.h>

#include "mq/crc.h"

#define MQ_CRC32_POLY 0xEDB88320u  /* reflected IEEE 802.3 */
#define MQ_CRC32C_POLY 0x82F63B78u /* reflected Castagnoli */
#define MQ_CRC32_ZLIB_MIN 512      /* from here on zlib is faster (measured) */

static uint32_t mq_crc32_tab[8][256];
static uint32_t mq_crc32c_tab[8][256];
static pthread_once_t mq_crc_once = PTHREAD_ONCE_INIT;
static int mq_crc32c_hw;

static void
mq_crc_table_build(uint32_t tab[8][256], uint32_t poly)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
        tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = tab[0][i];
        for (int t = 1; t < 8; t++) {
            c = tab[0][c & 0xff] ^ (c >> 8);
            tab[t][i] = c;
        }
    }
}

static void
mq_crc_init(void)
{
    mq_crc_table_build(mq_crc32_tab, MQ_CRC32_POLY);
    mq_crc_table_build(mq_crc32c_tab, MQ_CRC32C_POLY);
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    mq_crc32c_hw = __builtin_cpu_supports("sse4.2");
#endif
}

/* Slicing-by-8 over a reflected table set; crc is the running (inverted) register. */
static uint32_t
mq_crc_slice8(uint32_t tab[8][256], uint32_t crc, const uint8_t *p, size_t n)
{
    while (n && ((uintptr_t)p & 7)) {
        crc = tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        n--;
    }
    while (n >= 8) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        lo = __builtin_bswap32(lo);
        hi = __builtin_bswap32(hi);
#endif
        lo ^= crc;
        crc = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^ tab[5][(lo >> 16) & 0xff] ^
              tab[4][lo >> 24] ^ tab[3][hi & 0xff] ^ tab[2][(hi >> 8) & 0xff] ^
              tab[1][(hi >> 16) & 0xff] ^ tab[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

uint32_t
mq_crc32(uint32_t crc, const void *data, size_t n)
{
    if (n >= MQ_CRC32_ZLIB_MIN) {
        const uint8_t *p = data;
        while (n > 0) { /* zlib takes a uInt length */
            uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
            crc = (uint32_t)crc32(crc, p, chunk);
            p += chunk;
            n -= chunk;
        }
        return crc;
    }
    pthread_once(&mq_crc_once, mq_crc_init);
    return ~mq_crc_slice8(mq_crc32_tab, ~crc, data, n);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("sse4.2"))) static uint32_t
mq_crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n)
{
    uint64_t c = crc;
    while (n && ((uintptr_t)p & 7)) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
        n--;
    }
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        n -= 8;
    }
    while (n--)
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
    return (uint32_t)c;
}
#endif

uint32_t
mq_crc32c(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&mq_crc_once, mq_crc_init);
#if defined(__x86_64__) && defined(__GNUC__)
    if (mq_crc32c_hw)
        return ~mq_crc32c_sse42(~crc, data, n);
#endif
    return ~mq_crc_slice8(mq_crc32c_tab, ~crc, data, n);
}
