/* SPDX-License-Identifier: Apache-2.0
 *
 * bench_produce.c -- `mqbench producer`: sync sends from -w threads, or async sends from one
 * thread keeping -i of them outstanding (RocketMQ's benchmark Producer with -y true uses one
 * thread too). Prints RocketMQ's live line every second,
 *   Current Time: ... | Send TPS: N | Max RT(ms): N | Average RT(ms): x | Send Failed: N |
 *   Response Failed: N
 * then "[Complete] ..." and the send latency percentiles (bench_hist.h, nanoseconds).
 * -B n sends batches of n messages (SEND_BATCH_MESSAGE, sync only): TPS and totals count
 * messages, the latencies are per request.
 *
 * No allocation per message: one body buffer, one mqc_message_t, and a fixed table of async
 * slots (send start time) handed out from a free stack. When all -i slots are out, the sender
 * sleeps until inflight/8 have come back (one wake-up per few completions rather than one
 * each), so between 7/8 and all of -i sends are outstanding.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "mqc.h"

typedef struct bench_slot_s {
    struct bench_prod_s *bp; /* back pointer for the callback */
    uint64_t t0;             /* send start, ns */
    int idx;                 /* own index in bp->slots */
} bench_slot_t;

typedef struct bench_prod_s {
    const bench_opts_t *o;
    mqc_producer_t *producer;
    mqc_message_t msg;    /* shared by every send: same topic and body */
    mqc_message_t *batch; /* -B: send_batch copies of msg */
    int per_req;          /* messages per request (1, or -B) */
    bench_hist_t hist;    /* send RT, ns */
    uint64_t send_failed; /* transport failures (no answer) */
    uint64_t resp_failed; /* the broker answered with an error */
    uint64_t start_ns;
    int64_t per_thread; /* sync: messages per thread with -c */
    int running;        /* sender threads still sending; the last one sets bench_stop */
    /* async */
    bench_slot_t *slots;
    int *free_stack;
    int n_free;
    int waiting; /* the sender sleeps until n_free reaches refill */
    int refill;  /* inflight / 8: wake the sender once per few completions */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} bench_prod_t;

static void
bench_prod_count_error(bench_prod_t *bp, int status)
{
    if (status == MQ_ETIMEDOUT || status == MQ_EIO || status == MQ_ECLOSED)
        __atomic_fetch_add(&bp->send_failed, 1, __ATOMIC_RELAXED);
    else
        __atomic_fetch_add(&bp->resp_failed, 1, __ATOMIC_RELAXED);
}

static int
bench_prod_done(const bench_prod_t *bp, int64_t sent, int64_t limit)
{
    return bench_stop || (limit > 0 && sent >= limit) || bench_expired(bp->o, bp->start_ns);
}

static void *
bench_prod_sync_thread(void *arg)
{
    bench_prod_t *bp = arg;
    mqc_send_result_t res;
    char err[256];
    int64_t sent = 0;
    while (!bench_prod_done(bp, sent, bp->per_thread)) {
        uint64_t t0 = bench_now_ns();
        int rc = bp->batch != NULL ? mqc_producer_send_batch(bp->producer, bp->batch, bp->per_req,
                                                             bp->o->queue, &res, err, sizeof(err))
                                   : mqc_producer_send(bp->producer, &bp->msg, bp->o->queue, &res,
                                                       err, sizeof(err));
        uint64_t t1 = bench_now_ns();
        if (rc == MQ_OK)
            bench_hist_record(&bp->hist, t1 - t0);
        else
            bench_prod_count_error(bp, rc);
        sent += bp->per_req;
    }
    if (__atomic_sub_fetch(&bp->running, 1, __ATOMIC_RELAXED) == 0)
        bench_stop = 1;
    return NULL;
}

static void
bench_prod_async_cb(void *arg, int status, const mqc_send_result_t *res)
{
    bench_slot_t *s = arg;
    bench_prod_t *bp = s->bp;
    (void)res;
    if (status == MQ_OK)
        bench_hist_record(&bp->hist, bench_now_ns() - s->t0);
    else
        bench_prod_count_error(bp, status);
    pthread_mutex_lock(&bp->mu);
    bp->free_stack[bp->n_free++] = s->idx;
    if (bp->waiting && (bp->n_free >= bp->refill || bench_stop))
        pthread_cond_signal(&bp->cv); /* a futex wake only when the sender sleeps */
    pthread_mutex_unlock(&bp->mu);
}

static void *
bench_prod_async_thread(void *arg)
{
    bench_prod_t *bp = arg;
    int64_t sent = 0;
    int *mine = malloc((size_t)bp->o->inflight * sizeof(*mine)); /* slots taken, not yet used */
    int n_mine = 0;
    if (!mine) {
        bench_stop = 1;
        return NULL;
    }
    while (!bench_prod_done(bp, sent, bp->o->count)) {
        if (n_mine == 0) { /* take every free slot at once: one lock per refill, not per send */
            pthread_mutex_lock(&bp->mu);
            if (bp->n_free == 0) {
                bp->waiting = 1;
                while (bp->n_free < bp->refill && !bench_stop)
                    pthread_cond_wait(&bp->cv, &bp->mu);
                bp->waiting = 0;
            }
            memcpy(mine, bp->free_stack, (size_t)bp->n_free * sizeof(*mine));
            n_mine = bp->n_free;
            bp->n_free = 0;
            pthread_mutex_unlock(&bp->mu);
            if (n_mine == 0)
                break;
        }
        bench_slot_t *s = &bp->slots[mine[--n_mine]];
        s->t0 = bench_now_ns();
        int rc =
            mqc_producer_send_async(bp->producer, &bp->msg, bp->o->queue, bench_prod_async_cb, s);
        if (rc != MQ_OK) {
            /* not sent: the callback will not run */
            bench_prod_count_error(bp, rc);
            pthread_mutex_lock(&bp->mu);
            bp->free_stack[bp->n_free++] = s->idx;
            pthread_mutex_unlock(&bp->mu);
        }
        sent++;
    }
    /* wait for the outstanding sends (the slots still taken here were never sent) */
    bench_stop = 1;
    pthread_mutex_lock(&bp->mu);
    memcpy(bp->free_stack + bp->n_free, mine, (size_t)n_mine * sizeof(*mine));
    bp->n_free += n_mine;
    free(mine);
    bp->waiting = 1;
    while (bp->n_free < bp->o->inflight)
        pthread_cond_wait(&bp->cv, &bp->mu);
    pthread_mutex_unlock(&bp->mu);
    return NULL;
}

typedef struct bench_snap_s {
    uint64_t ns, ok, sum, send_failed, resp_failed;
} bench_snap_t;

static bench_snap_t
bench_prod_snap(bench_prod_t *bp)
{
    bench_snap_t s = {
        .ns = bench_now_ns(),
        .ok = __atomic_load_n(&bp->hist.n, __ATOMIC_RELAXED) * (uint64_t)bp->per_req,
        .sum = __atomic_load_n(&bp->hist.sum, __ATOMIC_RELAXED),
        .send_failed = __atomic_load_n(&bp->send_failed, __ATOMIC_RELAXED) * (uint64_t)bp->per_req,
        .resp_failed = __atomic_load_n(&bp->resp_failed, __ATOMIC_RELAXED) * (uint64_t)bp->per_req,
    };
    return s;
}

/* One stats line between two snapshots: "Current Time" (live) or "[Complete]" (done). */
static void
bench_prod_line(bench_prod_t *bp, const bench_snap_t *a, const bench_snap_t *b, uint64_t max_ns,
                int done)
{
    double secs = (double)(b->ns - a->ns) / 1e9;
    uint64_t ok = b->ok - a->ok;
    long long tps = secs > 0 ? (long long)((double)ok / secs) : 0;
    uint64_t reqs = ok / (uint64_t)bp->per_req;
    double avg_ms = reqs ? (double)(b->sum - a->sum) / (double)reqs / 1e6 : 0.0;
    if (done) {
        printf("[Complete] Send Total: %llu | Send TPS: %lld | Max RT(ms): %llu | Average RT(ms): "
               "%7.3f | Send Failed: %llu | Response Failed: %llu\n",
               (unsigned long long)(b->ok + b->send_failed + b->resp_failed), tps,
               (unsigned long long)(max_ns / 1000000), avg_ms, (unsigned long long)b->send_failed,
               (unsigned long long)b->resp_failed);
    } else {
        char when[64];
        bench_human_time(when, sizeof(when));
        printf("Current Time: %s | Send TPS: %lld | Max RT(ms): %llu | Average RT(ms): %7.3f | "
               "Send Failed: %llu | Response Failed: %llu\n",
               when, tps, (unsigned long long)(max_ns / 1000000), avg_ms,
               (unsigned long long)b->send_failed, (unsigned long long)b->resp_failed);
    }
}

int
bench_produce_run(const bench_opts_t *o)
{
    static bench_prod_t bp; /* the histogram is 30 KiB */
    char err[256] = "";
    int nthreads = o->async ? 1 : (o->threads > 0 ? o->threads : 1);
    char *body = malloc((size_t)o->size + 1);
    pthread_t *tids = calloc((size_t)nthreads, sizeof(*tids));
    if (body == NULL || tids == NULL) {
        fprintf(stderr, "mqbench: out of memory\n");
        return 1;
    }
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    srand(42);
    for (int i = 0; i < o->size; i++)
        body[i] = alnum[rand() % (int)(sizeof(alnum) - 1)];

    memset(&bp, 0, sizeof(bp));
    bp.o = o;
    bench_hist_init(&bp.hist);
    pthread_mutex_init(&bp.mu, NULL);
    pthread_cond_init(&bp.cv, NULL);
    bp.msg.topic = o->topic;
    bp.msg.body = body;
    bp.msg.body_len = (size_t)o->size;
    bp.per_req = 1;
    if (o->send_batch > 0) {
        bp.per_req = o->send_batch;
        bp.batch = calloc((size_t)o->send_batch, sizeof(*bp.batch));
        if (bp.batch == NULL) {
            fprintf(stderr, "mqbench: out of memory\n");
            return 1;
        }
        for (int i = 0; i < o->send_batch; i++)
            bp.batch[i] = bp.msg;
    }

    mqc_producer_config_t cfg;
    mqc_producer_config_defaults(&cfg);
    cfg.namesrv = o->namesrv;
    cfg.group = "benchmark_producer";
    cfg.compress_over = 0; /* as RocketMQ's benchmark: never compress */
    cfg.max_message_size = o->size + 1024 > 4 * 1024 * 1024 ? o->size + 1024 : 4 * 1024 * 1024;
    if (mqc_producer_new(&cfg, &bp.producer, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: producer: %s\n", err);
        return 1;
    }
    printf("topic: %s threadCount: %d messageSize: %d messageQuantity: %lld asyncEnable: %s "
           "inflight: %d batch: %d duration: %ds\n",
           o->topic, nthreads, o->size, (long long)o->count, o->async ? "true" : "false",
           o->async ? o->inflight : 0, bp.per_req, o->duration_s);

    if (o->async) {
        bp.slots = calloc((size_t)o->inflight, sizeof(*bp.slots));
        bp.free_stack = calloc((size_t)o->inflight, sizeof(*bp.free_stack));
        if (bp.slots == NULL || bp.free_stack == NULL) {
            fprintf(stderr, "mqbench: out of memory\n");
            return 1;
        }
        for (int i = 0; i < o->inflight; i++) {
            bp.slots[i].bp = &bp;
            bp.slots[i].idx = i;
            bp.free_stack[i] = i;
        }
        bp.n_free = o->inflight;
        bp.refill = o->inflight / 8 > 0 ? o->inflight / 8 : 1;
    } else if (o->count > 0) {
        bp.per_thread = (o->count + nthreads - 1) / nthreads;
    }

    bp.start_ns = bench_now_ns();
    bp.running = nthreads;
    for (int i = 0; i < nthreads; i++)
        pthread_create(&tids[i], NULL, o->async ? bench_prod_async_thread : bench_prod_sync_thread,
                       &bp);

    /* the reporter: one line a second while the senders run */
    bench_snap_t first = bench_prod_snap(&bp), prev = first;
    for (int k = 1;; k++) {
        if (bench_tick(bp.start_ns, k))
            break; /* the senders are done (count, duration) or we were interrupted */
        bench_snap_t now = bench_prod_snap(&bp);
        if (!o->quiet)
            bench_prod_line(&bp, &prev, &now, bench_hist_take_window_max(&bp.hist), 0);
        prev = now;
    }
    bench_stop = 1;
    pthread_mutex_lock(&bp.mu);
    pthread_cond_broadcast(&bp.cv);
    pthread_mutex_unlock(&bp.mu);
    for (int i = 0; i < nthreads; i++)
        pthread_join(tids[i], NULL);
    uint64_t end_ns = bench_now_ns();
    bench_snap_t last = bench_prod_snap(&bp);
    last.ns = end_ns;
    bench_prod_line(&bp, &first, &last, bp.hist.max, 1);
    bench_print_percentiles("Send", &bp.hist);

    mqc_producer_free(bp.producer);
    free(bp.batch);
    free(bp.slots);
    free(bp.free_stack);
    free(tids);
    free(body);
    return last.ok > 0 ? 0 : 1;
}
