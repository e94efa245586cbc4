/* SPDX-License-Identifier: Apache-2.0
 *
 * bench_rtt.c -- `mqbench rtt`: the round trip of a small remoting request (GET_MAX_OFFSET,
 * code 30) on one connection, one call at a time, so the other figures can be read against
 * the machine's loopback and scheduling cost. The broker is -a host:port, or the master of
 * the topic's first broker found through -n. Prints p50/p99/p999 in microseconds.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "mqc.h"

static bench_hist_t bench_rtt_hist;

/* The master address of topic's first broker, through the NameServer; into buf. */
static int
bench_rtt_lookup(const bench_opts_t *o, char *buf, size_t len)
{
    mqc_namesrv_t *ns = NULL;
    mqc_route_t route;
    char err[256] = "";
    if (mqc_namesrv_new(o->namesrv, &ns, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: namesrv: %s\n", err);
        return MQ_ERR;
    }
    int rc = mqc_route_get(ns, o->topic, &route);
    if (rc == MQ_OK) {
        const char *addr =
            route.n_queues > 0 ? mqc_route_master(&route, route.queues[0].broker_name) : NULL;
        if (addr != NULL)
            snprintf(buf, len, "%s", addr);
        else
            rc = MQ_ENOENT;
        mqc_route_fini(&route);
    }
    mqc_namesrv_free(ns);
    if (rc != MQ_OK)
        fprintf(stderr, "mqbench: no route for topic %s: %s\n", o->topic, mq_err_name(rc));
    return rc;
}

int
bench_rtt_run(const bench_opts_t *o)
{
    char addr[256], err[256] = "";
    if (o->addr != NULL)
        snprintf(addr, sizeof(addr), "%s", o->addr);
    else if (bench_rtt_lookup(o, addr, sizeof(addr)) != MQ_OK)
        return 1;
    mqc_conn_t *c = NULL;
    if (mqc_conn_open(addr, 3000, &c, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: connect %s: %s\n", addr, err);
        return 1;
    }
    bench_hist_init(&bench_rtt_hist);
    mq_pool_t req_pool, resp_pool;
    mq_pool_init(&req_pool, 0);
    mq_pool_init(&resp_pool, 0);
    printf("addr: %s count: %lld request: GET_MAX_OFFSET topic %s queue 0\n", addr,
           (long long)o->count, o->topic);
    int64_t failed = 0;
    uint64_t start = bench_now_ns(), next_line = start + 1000000000ull, prev_n = 0;
    for (int64_t i = 0; i < o->count && !bench_stop && !bench_expired(o, start); i++) {
        rmq_cmd_t req, resp;
        mq_pool_reset(&req_pool);
        mq_pool_reset(&resp_pool);
        rmq_cmd_init(&req, RMQ_GET_MAX_OFFSET, 0, 0);
        rmq_cmd_add(&req, &req_pool, "topic", (mq_str_t){o->topic, strlen(o->topic)});
        rmq_cmd_add(&req, &req_pool, "queueId", (mq_str_t){"0", 1});
        uint64_t t0 = bench_now_ns();
        int rc = mqc_call(c, &req, 3000, &resp_pool, &resp);
        uint64_t t1 = bench_now_ns();
        if (rc != MQ_OK) {
            failed++;
            if (!mqc_conn_is_open(c))
                break;
            continue;
        }
        bench_hist_record(&bench_rtt_hist, t1 - t0);
        if (!o->quiet && t1 >= next_line) {
            char when[64];
            bench_human_time(when, sizeof(when));
            printf("Current Time: %s | Calls/s: %llu | p50(us): %.1f | Max(us): %.1f\n", when,
                   (unsigned long long)(bench_rtt_hist.n - prev_n),
                   (double)bench_hist_quantile(&bench_rtt_hist, 0.5) / 1e3,
                   (double)bench_hist_take_window_max(&bench_rtt_hist) / 1e3);
            prev_n = bench_rtt_hist.n;
            next_line += 1000000000ull;
        }
    }
    double secs = (double)(bench_now_ns() - start) / 1e9;
    printf("[Complete] Calls: %llu | Calls/s: %lld | Failed: %lld\n",
           (unsigned long long)bench_rtt_hist.n, (long long)((double)bench_rtt_hist.n / secs),
           (long long)failed);
    bench_print_percentiles("RTT", &bench_rtt_hist);
    mq_pool_fini(&req_pool);
    mq_pool_fini(&resp_pool);
    mqc_conn_close(c);
    return bench_rtt_hist.n > 0 && failed == 0 ? 0 : 1;
}
