/* SPDX-License-Identifier: Apache-2.0
 *
 * bench_hist.c -- fixed-size log-linear latency histogram (interface: bench_hist.h).
 *
 * Bucket layout: values v < 128 have a bucket each. For larger v with highest bit e (7..63),
 * the top 7 bits of v (64..127) pick one of 64 sub-buckets of the group for e:
 *   idx = 128 + (e - 7) * 64 + ((v >> (e - 6)) - 64)
 * so a bucket covers [sub << (e-6), ((sub+1) << (e-6)) - 1], a width under v/64.
 */
#include "bench_hist.h"

#include <math.h>
#include <string.h>

#define BENCH_SUB (1u << BENCH_HIST_SUB_BITS)

void
bench_hist_init(bench_hist_t *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

uint32_t
bench_hist_index(uint64_t v)
{
    if (v < BENCH_HIST_EXACT)
        return (uint32_t)v;
    int e = 63 - __builtin_clzll(v);
    uint64_t sub = v >> (e - BENCH_HIST_SUB_BITS);
    return BENCH_HIST_EXACT + (uint32_t)(e - BENCH_HIST_SUB_BITS - 1) * BENCH_SUB +
           (uint32_t)(sub - BENCH_SUB);
}

uint64_t
bench_hist_lower(uint32_t idx)
{
    if (idx < BENCH_HIST_EXACT)
        return idx;
    uint32_t e = (idx - BENCH_HIST_EXACT) / BENCH_SUB + BENCH_HIST_SUB_BITS + 1;
    uint64_t sub = BENCH_SUB + (idx - BENCH_HIST_EXACT) % BENCH_SUB;
    return sub << (e - BENCH_HIST_SUB_BITS);
}

uint64_t
bench_hist_upper(uint32_t idx)
{
    if (idx < BENCH_HIST_EXACT)
        return idx;
    uint32_t e = (idx - BENCH_HIST_EXACT) / BENCH_SUB + BENCH_HIST_SUB_BITS + 1;
    uint64_t sub = BENCH_SUB + (idx - BENCH_HIST_EXACT) % BENCH_SUB;
    return ((sub + 1) << (e - BENCH_HIST_SUB_BITS)) - 1;
}

static void
bench_hist_atomic_max(uint64_t *slot, uint64_t v)
{
    uint64_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
    while (v > cur &&
           !__atomic_compare_exchange_n(slot, &cur, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static void
bench_hist_atomic_min(uint64_t *slot, uint64_t v)
{
    uint64_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
    while (v < cur &&
           !__atomic_compare_exchange_n(slot, &cur, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

void
bench_hist_record(bench_hist_t *h, uint64_t v)
{
    __atomic_fetch_add(&h->counts[bench_hist_index(v)], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->n, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->sum, v, __ATOMIC_RELAXED);
    bench_hist_atomic_min(&h->min, v);
    bench_hist_atomic_max(&h->max, v);
    bench_hist_atomic_max(&h->window_max, v);
}

void
bench_hist_merge(bench_hist_t *dst, const bench_hist_t *src)
{
    for (uint32_t i = 0; i < BENCH_HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->n += src->n;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    if (src->window_max > dst->window_max)
        dst->window_max = src->window_max;
}

uint64_t
bench_hist_quantile(const bench_hist_t *h, double q)
{
    uint64_t n = __atomic_load_n(&h->n, __ATOMIC_RELAXED);
    if (n == 0)
        return 0;
    if (q > 1.0)
        q = 1.0;
    uint64_t rank = (uint64_t)ceil(q * (double)n);
    if (rank == 0)
        rank = 1;
    if (rank >= n)
        return h->max; /* the top sample is known exactly */
    uint64_t seen = 0;
    for (uint32_t i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += __atomic_load_n(&h->counts[i], __ATOMIC_RELAXED);
        if (seen >= rank) {
            uint64_t lo = bench_hist_lower(i), hi = bench_hist_upper(i);
            uint64_t v = lo + (hi - lo) / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}

double
bench_hist_mean(const bench_hist_t *h)
{
    return h->n ? (double)h->sum / (double)h->n : 0.0;
}

uint64_t
bench_hist_take_window_max(bench_hist_t *h)
{
    return __atomic_exchange_n(&h->window_max, 0, __ATOMIC_RELAXED);
}
