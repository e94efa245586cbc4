/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_msgid.c -- offset message ids and the UNIQ_KEY generator (msg.h, section 4.5).
 */
#include <string.h>
#include <time.h>

#include "mq/msg.h"
#include "mq/rd.h"

static const char mq_hex_digits[] = "0123456789ABCDEF";

static char *
mq_hex_put(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *out++ = mq_hex_digits[p[i] >> 4];
        *out++ = mq_hex_digits[p[i] & 15];
    }
    return out;
}

static int
mq_hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

size_t
mq_msgid_format(char *out, const mq_host_t *store_host, int64_t phys_offset)
{
    uint8_t raw[28];
    size_t alen = store_host->v6 ? 16 : 4;
    char *end;

    memcpy(raw, store_host->addr, alen);
    mq_store_be32(raw + alen, (uint32_t)store_host->port);
    mq_store_be64(raw + alen + 4, (uint64_t)phys_offset);
    end = mq_hex_put(out, raw, alen + 12);
    *end = '\0';
    return (size_t)(end - out);
}

int
mq_msgid_parse(mq_str_t id, mq_host_t *store_host, int64_t *phys_offset)
{
    uint8_t raw[28];
    size_t n, alen;

    if (id.n != 32 && id.n != 56)
        return MQ_EINVAL;
    n = id.n / 2;
    for (size_t i = 0; i < n; i++) {
        int hi = mq_hex_val(id.p[2 * i]), lo = mq_hex_val(id.p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return MQ_EINVAL;
        raw[i] = (uint8_t)(hi << 4 | lo);
    }
    alen = n - 12;
    memset(store_host, 0, sizeof(*store_host));
    memcpy(store_host->addr, raw, alen);
    store_host->v6 = (uint8_t)(alen == 16);
    store_host->port = (int32_t)mq_load_be32(raw + alen);
    *phys_offset = (int64_t)mq_load_be64(raw + alen + 4);
    return MQ_OK;
}

/* Start of the month containing t_ms and of the next one, in UTC. */
static void
mq_month_bounds(int64_t t_ms, int64_t *start, int64_t *next)
{
    time_t t = (time_t)(t_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    *start = (int64_t)timegm(&tm) * 1000;
    tm.tm_mon += 1;
    *next = (int64_t)timegm(&tm) * 1000;
}

void
mq_uniq_gen_init(mq_uniq_gen_t *g, const uint8_t ip4[4], uint16_t pid, uint32_t seed)
{
    uint8_t raw[10];
    memcpy(raw, ip4, 4);
    mq_store_be16(raw + 4, pid);
    mq_store_be32(raw + 6, seed);
    *mq_hex_put(g->prefix, raw, 10) = '\0';
    g->month_start = g->next_month = 0;
    g->counter = 0;
}

void
mq_uniq_gen_next(mq_uniq_gen_t *g, int64_t now_ms, char out[33])
{
    uint8_t raw[6];
    if (now_ms >= g->next_month || now_ms < g->month_start)
        mq_month_bounds(now_ms, &g->month_start, &g->next_month);
    mq_store_be32(raw, (uint32_t)(now_ms - g->month_start));
    mq_store_be16(raw + 4, g->counter++);
    memcpy(out, g->prefix, 20);
    *mq_hex_put(out + 20, raw, 6) = '\0';
}
