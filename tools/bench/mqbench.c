/* SPDX-License-Identifier: Apache-2.0
 *
 * mqbench.c -- the end-to-end benchmark of a RocketMQ broker (ours or Apache's), in the manner of
 * RocketMQ's example/benchmark Producer and Consumer: live lines every second, then a summary
 * with p50/p99/p999 latencies in microseconds. This file parses the command line and holds the
 * helpers the modes share (bench.h); each mode lives in bench_<mode>.c.
 *
 *   mqbench producer -n ns [-t topic] [-w threads] [-s size] [-a [-i inflight] | -B batch]
 *                    [-d s | -c n]
 *   mqbench consumer -n ns [-t topic] [-g group] [-f] [-d s | -c n]
 *   mqbench pull     -n ns [-t topic] [-b batch] [-w threads | -i inflight] [-g group]
 *   mqbench wakeup   -n ns [-t topic] [-c count] [-q queue] [-p park_ms]
 *   mqbench rtt      -a host:port | -n ns [-t topic] [-c count]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

volatile int bench_stop;

uint64_t
bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t
bench_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
bench_human_time(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, len - n, ",%03ld", ts.tv_nsec / 1000000);
}

void
bench_print_percentiles(const char *label, const bench_hist_t *h)
{
    printf("%s RT(us): p50 %.1f | p99 %.1f | p999 %.1f | max %.1f | samples %llu\n", label,
           (double)bench_hist_quantile(h, 0.50) / 1e3, (double)bench_hist_quantile(h, 0.99) / 1e3,
           (double)bench_hist_quantile(h, 0.999) / 1e3, (double)h->max / 1e3,
           (unsigned long long)h->n);
}

int
bench_tick(uint64_t start_ns, int k)
{
    uint64_t due = start_ns + (uint64_t)k * 1000000000ull;
    for (;;) {
        if (bench_stop)
            return 1;
        uint64_t now = bench_now_ns();
        if (now >= due)
            return 0;
        uint64_t left = due - now;
        if (left > 50000000ull)
            left = 50000000ull; /* look at the stop flag every 50 ms */
        struct timespec ts = {(time_t)(left / 1000000000ull), (long)(left % 1000000000ull)};
        nanosleep(&ts, NULL);
    }
}

int
bench_expired(const bench_opts_t *o, uint64_t start_ns)
{
    return o->duration_s > 0 &&
           bench_now_ns() - start_ns >= (uint64_t)o->duration_s * 1000000000ull;
}

static void
bench_on_signal(int sig)
{
    (void)sig;
    bench_stop = 1;
}

static void
bench_usage(void)
{
    fprintf(
        stderr,
        "usage:\n"
        "  mqbench producer -n ns [-t topic] [-w threads(64)] [-s size(128)] [-a [-i "
        "inflight(64)] | -B batch] [-q queue] [-d seconds | -c count]\n"
        "  mqbench consumer -n ns [-t topic] [-g group] [-f (from first)] [-d seconds | -c "
        "count]\n"
        "  mqbench pull     -n ns [-t topic] [-b batch(32)] [-w threads(1) | -i inflight(1)] [-g "
        "group] [-e sql92]\n"
        "  mqbench wakeup   -n ns [-t topic] [-c count(1000)] [-q queue(0)] [-p park_ms(2)]\n"
        "  mqbench rtt      -a host:port | -n ns [-t topic]  [-c count(10000)]\n"
        "common: -Q (no per-second lines)\n");
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        bench_usage();
        return 2;
    }
    const char *mode = argv[1];
    bench_opts_t o = {
        .namesrv = getenv("NAMESRV_ADDR"),
        .topic = "BenchmarkTest",
        .group = "benchmark_consumer",
        .threads = -1,
        .size = 128,
        .batch = 32,
        .queue = -1,
        .park_ms = 2,
    };
    int is_rtt = strcmp(mode, "rtt") == 0;
    /* -a is "async" for the producer and "address" for rtt, as the task names them */
    const char *optstr = is_rtt ? "n:t:a:c:QH" : "n:t:g:w:s:ai:d:c:b:B:q:fp:e:QH";
    int ch;
    optind = 2;
    while ((ch = getopt(argc, argv, optstr)) != -1) {
        switch (ch) {
        case 'n':
            o.namesrv = optarg;
            break;
        case 't':
            o.topic = optarg;
            break;
        case 'g':
            o.group = optarg;
            break;
        case 'a':
            if (is_rtt)
                o.addr = optarg;
            else
                o.async = 1;
            break;
        case 'w':
            o.threads = atoi(optarg);
            break;
        case 's':
            o.size = atoi(optarg);
            break;
        case 'i':
            o.inflight = atoi(optarg);
            break;
        case 'd':
            o.duration_s = atoi(optarg);
            break;
        case 'c':
            o.count = atoll(optarg);
            break;
        case 'b':
            o.batch = atoi(optarg);
            break;
        case 'B':
            o.send_batch = atoi(optarg);
            break;
        case 'q':
            o.queue = atoi(optarg);
            break;
        case 'f':
            o.from_first = 1;
            break;
        case 'p':
            o.park_ms = atoi(optarg);
            break;
        case 'e':
            o.filter = optarg;
            break;
        case 'Q':
            o.quiet = 1;
            break;
        default:
            bench_usage();
            return 2;
        }
    }
    if (o.size < 0 || o.inflight < 0 || o.batch <= 0 || o.count < 0 || o.duration_s < 0 ||
        o.send_batch < 0 || (o.send_batch > 0 && o.async)) {
        fprintf(stderr, "mqbench: bad option value\n");
        return 2;
    }
    if (!is_rtt && (o.namesrv == NULL || *o.namesrv == '\0')) {
        fprintf(stderr, "mqbench: -n namesrv (or NAMESRV_ADDR) is required\n");
        return 2;
    }
    if (is_rtt && o.addr == NULL && o.namesrv == NULL) {
        fprintf(stderr, "mqbench: rtt needs -a host:port or -n namesrv\n");
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = bench_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (strcmp(mode, "producer") == 0) {
        if (o.threads < 0)
            o.threads = 64; /* RocketMQ's benchmark default */
        if (o.inflight == 0)
            o.inflight = 64;
        return bench_produce_run(&o);
    }
    if (strcmp(mode, "consumer") == 0)
        return bench_consume_run(&o);
    if (strcmp(mode, "pull") == 0) {
        if (o.threads < 0)
            o.threads = 1;
        return bench_pull_run(&o);
    }
    if (strcmp(mode, "wakeup") == 0) {
        if (o.count == 0)
            o.count = 1000;
        if (o.queue < 0)
            o.queue = 0;
        return bench_wakeup_run(&o);
    }
    if (is_rtt) {
        if (o.count == 0)
            o.count = 10000;
        return bench_rtt_run(&o);
    }
    bench_usage();
    return 2;
}
