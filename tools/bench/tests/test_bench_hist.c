/* SPDX-License-Identifier: Apache-2.0
 *
 * test_bench_hist.c -- unit tests of mqbench's latency histogram (bench_hist.h): bucket
 * arithmetic, percentiles on known data, merging, and recording from several threads.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>

#include "bench_hist.h"

static bench_hist_t h; /* 30 KiB: static, not on the stack */

static double
rel_err(uint64_t got, uint64_t want)
{
    double d = (double)got - (double)want;
    return (d < 0 ? -d : d) / (double)want;
}

Test(bench_hist, small_values_are_exact)
{
    for (uint64_t v = 0; v < 128; v++) {
        cr_assert_eq(bench_hist_index(v), v);
        cr_assert_eq(bench_hist_lower((uint32_t)v), v);
        cr_assert_eq(bench_hist_upper((uint32_t)v), v);
    }
}

Test(bench_hist, buckets_tile_the_range)
{
    /* each bucket starts right after the previous one ends, and every value maps into the
     * bucket whose bounds contain it */
    for (uint32_t i = 1; i < BENCH_HIST_BUCKETS; i++)
        cr_assert_eq(bench_hist_lower(i), bench_hist_upper(i - 1) + 1, "bucket %u", i);
    cr_assert_eq(bench_hist_upper(BENCH_HIST_BUCKETS - 1), UINT64_MAX);
    uint64_t probes[] = {128, 129, 255, 256, 1000, 123456789, 1ull << 40, UINT64_MAX};
    for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
        uint32_t i = bench_hist_index(probes[k]);
        cr_assert(i < BENCH_HIST_BUCKETS);
        cr_assert(bench_hist_lower(i) <= probes[k] && probes[k] <= bench_hist_upper(i));
        /* width below 1/64 of the value */
        cr_assert((bench_hist_upper(i) - bench_hist_lower(i)) <= probes[k] / 64);
    }
}

Test(bench_hist, empty)
{
    bench_hist_init(&h);
    cr_assert_eq(bench_hist_quantile(&h, 0.5), 0);
    cr_assert_eq(bench_hist_mean(&h), 0.0);
}

Test(bench_hist, percentiles_of_1_to_100000)
{
    bench_hist_init(&h);
    /* shuffled order must not matter */
    for (uint64_t i = 0; i < 100000; i++)
        bench_hist_record(&h, (i * 7919) % 100000 + 1);
    cr_assert_eq(h.n, 100000);
    cr_assert_eq(h.min, 1);
    cr_assert_eq(h.max, 100000);
    cr_assert_float_eq(bench_hist_mean(&h), 50000.5, 1e-6);
    cr_assert(rel_err(bench_hist_quantile(&h, 0.50), 50000) < 0.016, "p50 %lu",
              (unsigned long)bench_hist_quantile(&h, 0.50));
    cr_assert(rel_err(bench_hist_quantile(&h, 0.99), 99000) < 0.016, "p99 %lu",
              (unsigned long)bench_hist_quantile(&h, 0.99));
    cr_assert(rel_err(bench_hist_quantile(&h, 0.999), 99900) < 0.016, "p999 %lu",
              (unsigned long)bench_hist_quantile(&h, 0.999));
    cr_assert_eq(bench_hist_quantile(&h, 1.0), 100000);
}

Test(bench_hist, exact_percentiles_on_small_values)
{
    bench_hist_init(&h);
    /* 90 samples of 10, 9 of 50, 1 of 100: p50 = 10, p90 = 10, p91 = 50, p99 = 50, max 100 */
    for (int i = 0; i < 90; i++)
        bench_hist_record(&h, 10);
    for (int i = 0; i < 9; i++)
        bench_hist_record(&h, 50);
    bench_hist_record(&h, 100);
    cr_assert_eq(bench_hist_quantile(&h, 0.5), 10);
    cr_assert_eq(bench_hist_quantile(&h, 0.90), 10);
    cr_assert_eq(bench_hist_quantile(&h, 0.91), 50);
    cr_assert_eq(bench_hist_quantile(&h, 0.99), 50);
    cr_assert_eq(bench_hist_quantile(&h, 0.999), 100);
}

Test(bench_hist, outlier_is_seen_at_p999_not_p99)
{
    bench_hist_init(&h);
    for (int i = 0; i < 999; i++)
        bench_hist_record(&h, 20000); /* 20 us in ns */
    bench_hist_record(&h, 5000000);   /* one 5 ms stall */
    cr_assert(rel_err(bench_hist_quantile(&h, 0.99), 20000) < 0.016);
    cr_assert(rel_err(bench_hist_quantile(&h, 0.999), 20000) < 0.016);
    cr_assert_eq(bench_hist_quantile(&h, 1.0), 5000000);
    cr_assert_eq(bench_hist_take_window_max(&h), 5000000);
    cr_assert_eq(bench_hist_take_window_max(&h), 0, "window max resets");
}

Test(bench_hist, merge_adds_samples)
{
    static bench_hist_t a, b;
    bench_hist_init(&a);
    bench_hist_init(&b);
    for (uint64_t v = 1; v <= 500; v++)
        bench_hist_record(&a, v);
    for (uint64_t v = 501; v <= 1000; v++)
        bench_hist_record(&b, v);
    bench_hist_merge(&a, &b);
    cr_assert_eq(a.n, 1000);
    cr_assert_eq(a.min, 1);
    cr_assert_eq(a.max, 1000);
    cr_assert(rel_err(bench_hist_quantile(&a, 0.5), 500) < 0.016);
}

static void *
record_many(void *arg)
{
    (void)arg;
    for (uint64_t i = 1; i <= 100000; i++)
        bench_hist_record(&h, i % 1000 + 1);
    return NULL;
}

Test(bench_hist, concurrent_recording_loses_nothing)
{
    pthread_t t[4];
    bench_hist_init(&h);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, record_many, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(h.n, 400000);
    uint64_t total = 0;
    for (uint32_t i = 0; i < BENCH_HIST_BUCKETS; i++)
        total += h.counts[i];
    cr_assert_eq(total, 400000);
    cr_assert_eq(h.max, 1000);
    cr_assert_eq(h.min, 1);
}
