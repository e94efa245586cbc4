/* SPDX-License-Identifier: Apache-2.0
 *
 * bench_consume.c -- `mqbench consumer`: a push consumer (mqc_push_*) that counts what it
 * receives and measures, per message, born-to-consume (B2C: producer's born timestamp) and
 * store-to-consume (S2C: the broker's store timestamp) latency, as RocketMQ's benchmark
 * Consumer does. Live line every second:
 *   Current Time: ... | Consume TPS: N | Average(B2C) RT(ms): x | Average(S2C) RT(ms): x |
 *   Max(B2C) RT(ms): N | Max(S2C) RT(ms): N
 * then "[Complete] ..." and the S2C/B2C percentiles. The timestamps on the wire are in
 * milliseconds, so these latencies have millisecond resolution (the wakeup mode measures the
 * same path with a monotonic clock).
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "mqc.h"

typedef struct bench_cons_s {
    bench_hist_t b2c; /* ns */
    bench_hist_t s2c; /* ns */
    uint64_t n;       /* messages consumed */
    int64_t limit;    /* -c */
} bench_cons_t;

static bench_cons_t bench_cons; /* 60 KiB of histograms */

static int
bench_cons_listener_cb(void *arg, const mqc_received_t *msg)
{
    bench_cons_t *bc = arg;
    int64_t now_us = bench_wall_us();
    int64_t b2c = now_us - msg->born_ts * 1000;
    int64_t s2c = now_us - msg->store_ts * 1000;
    bench_hist_record(&bc->b2c, (uint64_t)(b2c > 0 ? b2c : 0) * 1000);
    bench_hist_record(&bc->s2c, (uint64_t)(s2c > 0 ? s2c : 0) * 1000);
    uint64_t n = __atomic_add_fetch(&bc->n, 1, __ATOMIC_RELAXED);
    if (bc->limit > 0 && (int64_t)n >= bc->limit)
        bench_stop = 1;
    return 0;
}

int
bench_consume_run(const bench_opts_t *o)
{
    bench_cons_t *bc = &bench_cons;
    char err[256] = "";
    memset(bc, 0, sizeof(*bc));
    bench_hist_init(&bc->b2c);
    bench_hist_init(&bc->s2c);
    bc->limit = o->count;

    mqc_push_config_t cfg;
    mqc_push_config_defaults(&cfg);
    cfg.namesrv = o->namesrv;
    cfg.group = o->group;
    cfg.topic = o->topic;
    cfg.sub_expr = "*";
    cfg.from = o->from_first ? MQC_FROM_FIRST_OFFSET : MQC_FROM_LAST_OFFSET;
    if (o->batch > 0)
        cfg.pull_batch = o->batch;
    if (o->threads > 0)
        cfg.threads = o->threads;
    printf("topic: %s group: %s from: %s\n", o->topic, o->group, o->from_first ? "first" : "last");

    mqc_push_t *push = NULL;
    uint64_t start = bench_now_ns();
    if (mqc_push_start(&cfg, bench_cons_listener_cb, bc, &push, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: consumer: %s\n", err);
        return 1;
    }
    uint64_t prev_n = 0, prev_ns = start, prev_b2c_sum = 0, prev_s2c_sum = 0;
    for (int k = 1;; k++) {
        if (bench_tick(start, k) || bench_expired(o, start))
            break;
        uint64_t now_ns = bench_now_ns();
        uint64_t n = __atomic_load_n(&bc->b2c.n, __ATOMIC_RELAXED);
        uint64_t bsum = __atomic_load_n(&bc->b2c.sum, __ATOMIC_RELAXED);
        uint64_t ssum = __atomic_load_n(&bc->s2c.sum, __ATOMIC_RELAXED);
        uint64_t d = n - prev_n;
        uint64_t bmax = bench_hist_take_window_max(&bc->b2c);
        uint64_t smax = bench_hist_take_window_max(&bc->s2c);
        if (!o->quiet) {
            char when[64];
            bench_human_time(when, sizeof(when));
            printf("Current Time: %s | Consume TPS: %lld | Average(B2C) RT(ms): %7.3f | "
                   "Average(S2C) RT(ms): %7.3f | Max(B2C) RT(ms): %llu | Max(S2C) RT(ms): %llu\n",
                   when, (long long)((double)d / ((double)(now_ns - prev_ns) / 1e9)),
                   d ? (double)(bsum - prev_b2c_sum) / (double)d / 1e6 : 0.0,
                   d ? (double)(ssum - prev_s2c_sum) / (double)d / 1e6 : 0.0,
                   (unsigned long long)(bmax / 1000000), (unsigned long long)(smax / 1000000));
        }
        prev_n = n;
        prev_ns = now_ns;
        prev_b2c_sum = bsum;
        prev_s2c_sum = ssum;
    }
    uint64_t end = bench_now_ns();
    mqc_push_shutdown(push);
    double secs = (double)(end - start) / 1e9;
    uint64_t n = bc->b2c.n;
    printf("[Complete] Consume Total: %llu | Consume TPS: %lld | Average(B2C) RT(ms): %7.3f | "
           "Average(S2C) RT(ms): %7.3f | Max(B2C) RT(ms): %llu | Max(S2C) RT(ms): %llu\n",
           (unsigned long long)n, (long long)((double)n / secs), bench_hist_mean(&bc->b2c) / 1e6,
           bench_hist_mean(&bc->s2c) / 1e6, (unsigned long long)(bc->b2c.max / 1000000),
           (unsigned long long)(bc->s2c.max / 1000000));
    bench_print_percentiles("S2C", &bc->s2c);
    bench_print_percentiles("B2C", &bc->b2c);
    return n > 0 ? 0 : 1;
}
