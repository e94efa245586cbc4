/* SPDX-License-Identifier: Apache-2.0
 *
 * bench_wakeup.c -- `mqbench wakeup`: long-polling wake-up latency. A waiter thread holds a
 * PULL_MESSAGE (suspend flag, 10 s hold) on one queue at its end offset; once the pull has had
 * -p ms to be parked by the broker, the main thread sends one message to that queue. Measured
 * on one monotonic clock:
 *   Wakeup RT: from the send being acknowledged to the held pull returning with the message
 *              (0 when the pull's answer overtook the send's acknowledgement);
 *   Send-to-arrival RT: from just before the send to the pull returning.
 * Repeated -c times; prints p50/p99/p999 of both and how many pulls returned empty.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "mqc.h"

typedef struct bench_wake_s {
    mqc_pull_t *consumer;
    mqc_mq_t mq;
    int64_t offset; /* the waiter's next pull offset */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int round;           /* the round the main thread asked for */
    int started;         /* the round the waiter has issued its pull for */
    int finished;        /* the round whose pull has returned */
    uint64_t arrived_ns; /* when the pull of round `finished` returned */
    int got;             /* messages in that pull */
    int quit;
} bench_wake_t;

static bench_wake_t bench_wake;
static bench_hist_t bench_wake_ack; /* ack -> arrival, ns */
static bench_hist_t bench_wake_snd; /* send start -> arrival, ns */

static void *
bench_wake_waiter(void *arg)
{
    bench_wake_t *w = arg;
    mq_pool_t pool;
    mq_pool_init(&pool, 64 * 1024);
    for (int r = 1;; r++) {
        pthread_mutex_lock(&w->mu);
        while (w->round < r && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        int quit = w->quit;
        w->started = r;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        if (quit)
            break;
        mqc_pull_result_t res;
        mq_pool_reset(&pool);
        int rc = mqc_pull(w->consumer, &w->mq, "*", w->offset, 32, 10000, &pool, &res);
        uint64_t t = bench_now_ns();
        int got = 0;
        if (rc == MQ_OK && res.status == MQC_PULL_FOUND) {
            got = res.n_msgs;
            w->offset = res.next_offset;
        } else if (rc == MQ_OK) {
            w->offset = res.next_offset;
        }
        pthread_mutex_lock(&w->mu);
        w->arrived_ns = t;
        w->got = got;
        w->finished = r;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    mq_pool_fini(&pool);
    return NULL;
}

int
bench_wakeup_run(const bench_opts_t *o)
{
    bench_wake_t *w = &bench_wake;
    char err[256] = "";
    int rc = 1;
    memset(w, 0, sizeof(*w));
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    bench_hist_init(&bench_wake_ack);
    bench_hist_init(&bench_wake_snd);

    mqc_producer_config_t pcfg;
    mqc_producer_config_defaults(&pcfg);
    pcfg.namesrv = o->namesrv;
    pcfg.group = "benchmark_producer";
    mqc_producer_t *producer = NULL;
    if (mqc_producer_new(&pcfg, &producer, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: producer: %s\n", err);
        return 1;
    }
    char body[64];
    memset(body, 'w', sizeof(body));
    mqc_message_t msg = {.topic = o->topic, .body = body, .body_len = sizeof(body)};
    mqc_send_result_t sr;
    /* one send first: creates the topic when the broker auto-creates, warms the connection */
    if (mqc_producer_send(producer, &msg, o->queue, &sr, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: first send to %s queue %d: %s\n", o->topic, o->queue, err);
        mqc_producer_free(producer);
        return 1;
    }
    if (mqc_pull_new(o->namesrv, "benchmark_wakeup", &w->consumer, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: pull: %s\n", err);
        mqc_producer_free(producer);
        return 1;
    }
    snprintf(w->mq.topic, sizeof(w->mq.topic), "%s", o->topic);
    snprintf(w->mq.broker_name, sizeof(w->mq.broker_name), "%s", sr.broker_name);
    w->mq.queue_id = sr.queue_id;
    /* The first message counts only once it is visible (the broker acknowledges a send before
     * its dispatcher indexes it): start after it, or the first pull would return it early and
     * every round would then read the previous round's message. */
    for (int tries = 0;; tries++) {
        if (mqc_pull_max_offset(w->consumer, &w->mq, &w->offset) != MQ_OK) {
            fprintf(stderr, "mqbench: GET_MAX_OFFSET failed\n");
            goto out;
        }
        if (w->offset > sr.queue_offset)
            break;
        if (tries == 5000) {
            fprintf(stderr, "mqbench: the first message did not become visible in 5 s\n");
            goto out;
        }
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    printf("topic: %s broker: %s queue: %d count: %lld park: %d ms\n", o->topic, sr.broker_name,
           sr.queue_id, (long long)o->count, o->park_ms);

    pthread_t tid;
    pthread_create(&tid, NULL, bench_wake_waiter, w);
    int64_t empty = 0, early = 0, failed = 0;
    uint64_t start = bench_now_ns(), next_line = start + 1000000000ull;
    uint64_t prev_n = 0;
    for (int64_t r = 1; r <= o->count && !bench_stop && !bench_expired(o, start); r++) {
        pthread_mutex_lock(&w->mu);
        w->round = (int)r;
        pthread_cond_broadcast(&w->cv);
        while (w->started < r)
            pthread_cond_wait(&w->cv, &w->mu);
        pthread_mutex_unlock(&w->mu);
        /* give the pull time to reach the broker and be parked */
        struct timespec park = {o->park_ms / 1000, (long)(o->park_ms % 1000) * 1000000L};
        nanosleep(&park, NULL);
        uint64_t t0 = bench_now_ns();
        int src = mqc_producer_send(producer, &msg, sr.queue_id, &sr, err, sizeof(err));
        uint64_t t1 = bench_now_ns();
        pthread_mutex_lock(&w->mu);
        while (w->finished < r)
            pthread_cond_wait(&w->cv, &w->mu);
        uint64_t arrived = w->arrived_ns;
        int got = w->got;
        pthread_mutex_unlock(&w->mu);
        if (src != MQ_OK) {
            failed++;
            continue;
        }
        if (got == 0) {
            empty++; /* the pull was not woken: hold timed out or error */
            continue;
        }
        if (arrived < t1)
            early++;
        bench_hist_record(&bench_wake_ack, arrived > t1 ? arrived - t1 : 0);
        bench_hist_record(&bench_wake_snd, arrived > t0 ? arrived - t0 : 0);
        uint64_t now = bench_now_ns();
        if (!o->quiet && now >= next_line) {
            char when[64];
            bench_human_time(when, sizeof(when));
            printf("Current Time: %s | Wakeups/s: %llu | Wakeup p50(us): %.1f | Max(us): %.1f\n",
                   when, (unsigned long long)(bench_wake_ack.n - prev_n),
                   (double)bench_hist_quantile(&bench_wake_ack, 0.5) / 1e3,
                   (double)bench_hist_take_window_max(&bench_wake_ack) / 1e3);
            prev_n = bench_wake_ack.n;
            next_line += 1000000000ull;
        }
    }
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(tid, NULL);

    printf("[Complete] Wakeups: %llu | Empty: %lld | Early: %lld | Send Failed: %lld\n",
           (unsigned long long)bench_wake_ack.n, (long long)empty, (long long)early,
           (long long)failed);
    bench_print_percentiles("Wakeup", &bench_wake_ack);
    bench_print_percentiles("Send-to-arrival", &bench_wake_snd);
    rc = bench_wake_ack.n > 0 && empty == 0 && failed == 0 ? 0 : 1;
out:
    mqc_pull_free(w->consumer);
    mqc_producer_free(producer);
    return rc;
}
