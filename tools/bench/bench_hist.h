/* SPDX-License-Identifier: Apache-2.0
 *
 * bench_hist.h -- the latency histogram of mqbench: a fixed array of log-linear buckets
 * (HdrHistogram's layout with 64 sub-buckets per power of two), so recording a sample is an
 * index computation and one relaxed atomic add, never an allocation. Values below 128 are
 * exact; above that a bucket spans at most 1/64 of its value (relative error < 1.6 %).
 *
 * Units are the caller's (mqbench records nanoseconds and prints microseconds). Recording is
 * safe from several threads at once; reading (percentiles, merge) wants the writers stopped or
 * accepts a slightly torn view.
 */
#ifndef MQ_BENCH_HIST_H
#define MQ_BENCH_HIST_H

#include <stdint.h>

#define BENCH_HIST_SUB_BITS 6                        /* 64 sub-buckets per power of two */
#define BENCH_HIST_EXACT (2u << BENCH_HIST_SUB_BITS) /* values below 128 are exact */
#define BENCH_HIST_BUCKETS (BENCH_HIST_EXACT + (64 - 7) * (1u << BENCH_HIST_SUB_BITS))

typedef struct bench_hist_s {
    uint64_t counts[BENCH_HIST_BUCKETS]; /* samples per bucket */
    uint64_t n;                          /* samples recorded */
    uint64_t sum;                        /* sum of the samples (for the mean) */
    uint64_t min;                        /* smallest sample, UINT64_MAX while empty */
    uint64_t max;                        /* largest sample */
    uint64_t window_max;                 /* largest since the last bench_hist_take_window_max */
} bench_hist_t;

/* Functions used to record. */
void bench_hist_init(bench_hist_t *h); /* empty histogram (embedded or static; 30 KiB) */
void bench_hist_record(bench_hist_t *h, uint64_t v);
/* Adds every sample of src to dst (dst += src). */
void bench_hist_merge(bench_hist_t *dst, const bench_hist_t *src);

/* Functions used to read. */
/* The value at quantile q (0 < q <= 1): the first bucket where the running count reaches
 * ceil(q * n), reported as its middle clamped to [min, max]; the max itself when that rank is
 * the last sample; 0 when empty. */
uint64_t bench_hist_quantile(const bench_hist_t *h, double q);
double bench_hist_mean(const bench_hist_t *h); /* 0 when empty */
/* The largest sample since the previous call (the per-second "Max RT"); resets it. */
uint64_t bench_hist_take_window_max(bench_hist_t *h);

/* Bucket arithmetic, exposed for the unit test. */
uint32_t bench_hist_index(uint64_t v);
uint64_t bench_hist_lower(uint32_t idx); /* smallest value of bucket idx */
uint64_t bench_hist_upper(uint32_t idx); /* largest value of bucket idx */

#endif /* MQ_BENCH_HIST_H */
