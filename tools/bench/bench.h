/* SPDX-License-Identifier: Apache-2.0
 *
 * bench.h -- what the parts of mqbench share: the parsed options, the mode entry points
 * (bench_<mode>_run in bench_<mode>.c), the clock, the stop flag and the output helpers that
 * print RocketMQ benchmark-style lines ("Current Time: ... | Send TPS: ...").
 */
#ifndef MQ_BENCH_H
#define MQ_BENCH_H

#include <stdint.h>

#include "bench_hist.h"

typedef struct bench_opts_s {
    const char *namesrv; /* -n "h1:p1;h2:p2" */
    const char *topic;   /* -t, "BenchmarkTest" */
    const char *group;   /* -g, consumer group */
    const char *addr;    /* -a host:port (rtt) */
    int threads;         /* -w, sender / puller threads */
    int size;            /* -s, body bytes (128) */
    int async;           /* -a in producer mode: async sends */
    int inflight;        /* -i, async sends outstanding (64) */
    int duration_s;      /* -d, 0 = until the count or SIGINT */
    int64_t count;       /* -c, messages (producer, consumer, wakeup) or calls (rtt) */
    int batch;           /* -b, messages per pull (32) */
    int send_batch;      /* -B, producer: messages per SEND_BATCH_MESSAGE (0 = single sends) */
    int queue;           /* -q, queue id (-1 = round robin / all) */
    int from_first;      /* -f, push consumer starts at the first offset */
    int park_ms;         /* -p, wakeup: pause before the send so the pull is held */
    int quiet;           /* -Q, no per-second lines */
    const char *filter;  /* -e, pull: a subscription the broker filters with (SQL92) */
} bench_opts_t;

/* Mode entry points: return the process exit status (0 ok, 1 failure). */
int bench_produce_run(const bench_opts_t *o);
int bench_consume_run(const bench_opts_t *o);
int bench_pull_run(const bench_opts_t *o);
int bench_wakeup_run(const bench_opts_t *o);
int bench_rtt_run(const bench_opts_t *o);

/* Set by SIGINT/SIGTERM or when -d runs out; loops check it. */
extern volatile int bench_stop;

/* Functions used by every mode (mqbench.c). */
uint64_t bench_now_ns(void); /* CLOCK_MONOTONIC */
int64_t bench_wall_us(void); /* CLOCK_REALTIME, for store/born timestamps */
/* "2026-11-24 00:05:01,123" (RocketMQ's UtilAll.timeMillisToHumanString2) into buf. */
void bench_human_time(char *buf, size_t len);
/* Prints "<label> RT(us): p50 N | p99 N | p999 N | max N | samples N" from h (nanoseconds). */
void bench_print_percentiles(const char *label, const bench_hist_t *h);
/* Sleeps until the next whole second after start_ns + k s; returns 0, or 1 when stopping. */
int bench_tick(uint64_t start_ns, int k);
/* True once duration_s has passed since start_ns (0 = never). */
int bench_expired(const bench_opts_t *o, uint64_t start_ns);

#endif /* MQ_BENCH_H */
