/* SPDX-License-Identifier: Apache-2.0
 *
 * bench_pull.c -- `mqbench pull`: consumption throughput with raw pulls. Every readable queue
 * of the topic is read from its min offset to the max offset seen at the start, -b messages
 * per PULL_MESSAGE (32, as push consumers ask), no long polling; -w threads share the queues.
 * Live line every second ("Current Time: ... | Pull TPS: N | Pulls/s: N | MB/s: x"), then
 *   [Complete] Pull Total: N | Pull TPS: N | Pulls: N | Average Batch: x | MB/s: x
 * plus the per-pull round-trip percentiles. MB/s counts message bodies with -i 1 and whole
 * stored records (the bytes on the wire) with -i N.
 *
 * Two ways to pull:
 *   -i 1 (default)  mqc_pull: one pull at a time per thread, each message decoded by the client
 *                   library as a consumer would; bounded by the loopback round trip (32 per RTT).
 *   -i N (N > 1)    raw pipelined pulls: N PULL_MESSAGE requests in flight on one connection
 *                   (mqc_call_async), for consecutive offset ranges of each queue (no filter, so
 *                   offsets are known in advance); a response's records are counted by walking
 *                   their totalSize fields, not decoded. A short answer (the broker's per-pull
 *                   byte limit) queues the rest of its range again. This measures the broker.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "mq/rd.h"
#include "mqc.h"

typedef struct bench_pull_s {
    const bench_opts_t *o;
    mqc_pull_t *consumer;
    mqc_mq_t *mqs; /* readable queues */
    int n_mqs;
    int next_mq;       /* next queue to hand out (atomic); pipelined: round-robin cursor */
    int finished;      /* pipelined: the pipeline has drained */
    uint64_t msgs;     /* messages received */
    uint64_t bytes;    /* body bytes received */
    uint64_t pulls;    /* PULL_MESSAGE round trips */
    uint64_t errors;   /* failed pulls */
    bench_hist_t hist; /* pull RT, ns */
} bench_pull_t;

static bench_pull_t bench_pull;

/* ---- Raw pipelined pulls (-i > 1) ---- */

typedef struct bench_rp_range_s {
    int mq;      /* index into bp->mqs */
    int64_t off; /* first offset */
    int n;       /* messages asked for */
} bench_rp_range_t;

typedef struct bench_rp_slot_s {
    struct bench_rp_s *rp; /* back pointer for the callback */
    int idx;               /* own index */
    bench_rp_range_t r;    /* what this pull asked for */
    uint64_t t0;           /* sent at, ns */
} bench_rp_slot_t;

typedef struct bench_rp_s {
    bench_pull_t *bp;
    int64_t *next; /* per queue: next offset to ask for */
    int64_t *max;  /* per queue: end offset at the start */
    bench_rp_slot_t *slots;
    int *free_stack;
    int n_free;
    bench_rp_range_t *gaps; /* short answers to ask again (at most one per slot) */
    int n_gaps;
    int waiting;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} bench_rp_t;

/* Counts the stored records in a PULL_MESSAGE body by their leading totalSize. */
static int
bench_rp_count(mq_str_t body)
{
    int n = 0;
    size_t pos = 0;
    while (body.n - pos >= 4) {
        mq_rd_t r;
        mq_rd_init(&r, (const uint8_t *)body.p + pos, body.n - pos);
        int32_t total = mq_rd_i32(&r);
        if (!mq_rd_ok(&r) || total < 4 || (size_t)total > body.n - pos)
            break;
        pos += (size_t)total;
        n++;
    }
    return n;
}

static void
bench_rp_done_cb(void *arg, int status, const rmq_cmd_t *resp)
{
    bench_rp_slot_t *s = arg;
    bench_rp_t *rp = s->rp;
    bench_pull_t *bp = rp->bp;
    int got = 0;
    bench_hist_record(&bp->hist, bench_now_ns() - s->t0);
    __atomic_fetch_add(&bp->pulls, 1, __ATOMIC_RELAXED);
    if (status == MQ_OK && resp->code == 0) {
        got = bench_rp_count(resp->body);
        __atomic_fetch_add(&bp->msgs, (uint64_t)got, __ATOMIC_RELAXED);
        __atomic_fetch_add(&bp->bytes, resp->body.n, __ATOMIC_RELAXED);
    } else {
        __atomic_fetch_add(&bp->errors, 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_lock(&rp->mu);
    if (status == MQ_OK && resp->code == 0 && got > 0 && got < s->r.n) {
        bench_rp_range_t g = {s->r.mq, s->r.off + got, s->r.n - got};
        rp->gaps[rp->n_gaps++] = g;
    }
    rp->free_stack[rp->n_free++] = s->idx;
    if (rp->waiting)
        pthread_cond_signal(&rp->cv);
    pthread_mutex_unlock(&rp->mu);
}

/* The next range to ask for: a gap first, then the queues in turn. Under rp->mu. */
static int
bench_rp_next(bench_rp_t *rp, bench_rp_range_t *out)
{
    bench_pull_t *bp = rp->bp;
    if (rp->n_gaps > 0) {
        *out = rp->gaps[--rp->n_gaps];
        return 1;
    }
    for (int i = 0; i < bp->n_mqs; i++) {
        int q = (bp->next_mq + i) % bp->n_mqs;
        if (rp->next[q] < rp->max[q]) {
            int64_t left = rp->max[q] - rp->next[q];
            out->mq = q;
            out->off = rp->next[q];
            out->n = left < bp->o->batch ? (int)left : bp->o->batch;
            rp->next[q] += out->n;
            bp->next_mq = q + 1; /* round robin over the queues */
            return 1;
        }
    }
    return 0;
}

static int
bench_pull_pipelined(bench_pull_t *bp)
{
    static bench_rp_t rp;
    const bench_opts_t *o = bp->o;
    int w = o->inflight, rc = MQ_OK;
    char addr[256] = "", err[256] = "";
    mqc_namesrv_t *ns = NULL;
    mqc_route_t route;
    mqc_conn_t *conn = NULL;
    mq_pool_t pool;

    memset(&rp, 0, sizeof(rp));
    rp.bp = bp;
    if (mqc_namesrv_new(o->namesrv, &ns, err, sizeof(err)) != MQ_OK ||
        mqc_route_get(ns, o->topic, &route) != MQ_OK) {
        fprintf(stderr, "mqbench: pull: no route for %s %s\n", o->topic, err);
        mqc_namesrv_free(ns);
        return MQ_ENOENT;
    }
    const char *a = mqc_route_master(&route, bp->mqs[0].broker_name);
    snprintf(addr, sizeof(addr), "%s", a ? a : "");
    mqc_route_fini(&route);
    mqc_namesrv_free(ns);
    for (int i = 1; i < bp->n_mqs; i++) /* one broker: the pipeline runs on one connection */
        if (strcmp(bp->mqs[i].broker_name, bp->mqs[0].broker_name) != 0)
            bp->n_mqs = i;
    if (mqc_conn_open(addr, 3000, &conn, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: pull: connect %s: %s\n", addr, err);
        return MQ_EIO;
    }
    rp.next = calloc((size_t)bp->n_mqs, sizeof(*rp.next));
    rp.max = calloc((size_t)bp->n_mqs, sizeof(*rp.max));
    rp.slots = calloc((size_t)w, sizeof(*rp.slots));
    rp.free_stack = calloc((size_t)w, sizeof(*rp.free_stack));
    rp.gaps = calloc((size_t)w, sizeof(*rp.gaps));
    if (!rp.next || !rp.max || !rp.slots || !rp.free_stack || !rp.gaps) {
        rc = MQ_ENOMEM;
        goto out;
    }
    for (int i = 0; i < bp->n_mqs; i++)
        if (mqc_pull_min_offset(bp->consumer, &bp->mqs[i], &rp.next[i]) != MQ_OK ||
            mqc_pull_max_offset(bp->consumer, &bp->mqs[i], &rp.max[i]) != MQ_OK) {
            rc = MQ_EIO;
            goto out;
        }
    for (int i = 0; i < w; i++) {
        rp.slots[i].rp = &rp;
        rp.slots[i].idx = i;
        rp.free_stack[i] = i;
    }
    rp.n_free = w;
    pthread_mutex_init(&rp.mu, NULL);
    pthread_cond_init(&rp.cv, NULL);
    mq_pool_init(&pool, 0);
    for (;;) {
        bench_rp_range_t r;
        int have = 0;
        pthread_mutex_lock(&rp.mu);
        for (;;) {
            if (bench_stop)
                break;
            if (rp.n_free > 0 && (have = bench_rp_next(&rp, &r)))
                break;
            if (rp.n_free == w)
                break; /* nothing left to ask, nothing in flight */
            rp.waiting = 1;
            pthread_cond_wait(&rp.cv, &rp.mu);
            rp.waiting = 0;
        }
        if (!have) {
            pthread_mutex_unlock(&rp.mu);
            break;
        }
        bench_rp_slot_t *s = &rp.slots[rp.free_stack[--rp.n_free]];
        pthread_mutex_unlock(&rp.mu);
        s->r = r;
        rmq_cmd_t req;
        const mqc_mq_t *mq = &bp->mqs[r.mq];
        mq_pool_reset(&pool);
        rmq_cmd_init(&req, RMQ_PULL_MESSAGE, 0, 0);
        rmq_cmd_add(&req, &pool, "consumerGroup", (mq_str_t){o->group, strlen(o->group)});
        rmq_cmd_add(&req, &pool, "topic", (mq_str_t){mq->topic, strlen(mq->topic)});
        rmq_cmd_add_i64(&req, &pool, "queueId", mq->queue_id);
        rmq_cmd_add_i64(&req, &pool, "queueOffset", r.off);
        rmq_cmd_add_i64(&req, &pool, "maxMsgNums", r.n);
        rmq_cmd_add_i64(&req, &pool, "sysFlag", o->filter ? 4 : 0); /* 4: subscription here */
        if (o->filter) { /* the broker evaluates it on every message (enablePropertyFilter) */
            rmq_cmd_add(&req, &pool, "subscription", mq_str_from_cstr(o->filter));
            rmq_cmd_add(&req, &pool, "expressionType", MQ_STR("SQL92"));
        }
        rmq_cmd_add_i64(&req, &pool, "commitOffset", 0);
        rmq_cmd_add_i64(&req, &pool, "suspendTimeoutMillis", 0);
        rmq_cmd_add_i64(&req, &pool, "subVersion", 0);
        s->t0 = bench_now_ns();
        if (mqc_call_async(conn, &req, 10000, bench_rp_done_cb, s) != MQ_OK) {
            __atomic_fetch_add(&bp->errors, 1, __ATOMIC_RELAXED);
            pthread_mutex_lock(&rp.mu);
            rp.free_stack[rp.n_free++] = s->idx;
            pthread_mutex_unlock(&rp.mu);
            break;
        }
    }
    mq_pool_fini(&pool);
out:
    mqc_conn_close(conn); /* fails whatever is still in flight, so every callback has run */
    free(rp.next);
    free(rp.max);
    free(rp.slots);
    free(rp.free_stack);
    free(rp.gaps);
    return rc;
}

static void *
bench_pull_pipelined_thread(void *arg)
{
    bench_pull_t *bp = arg;
    if (bench_pull_pipelined(bp) != MQ_OK)
        __atomic_fetch_add(&bp->errors, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&bp->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void
bench_pull_queue(bench_pull_t *bp, const mqc_mq_t *mq, mq_pool_t *pool)
{
    int64_t off = 0, max = 0;
    if (mqc_pull_min_offset(bp->consumer, mq, &off) != MQ_OK ||
        mqc_pull_max_offset(bp->consumer, mq, &max) != MQ_OK) {
        __atomic_fetch_add(&bp->errors, 1, __ATOMIC_RELAXED);
        return;
    }
    while (off < max && !bench_stop) {
        mqc_pull_result_t res;
        mq_pool_reset(pool);
        uint64_t t0 = bench_now_ns();
        int rc = mqc_pull(bp->consumer, mq, "*", off, bp->o->batch, 0, pool, &res);
        bench_hist_record(&bp->hist, bench_now_ns() - t0);
        __atomic_fetch_add(&bp->pulls, 1, __ATOMIC_RELAXED);
        if (rc != MQ_OK || res.status == MQC_PULL_OFFSET_ILLEGAL || res.next_offset <= off) {
            __atomic_fetch_add(&bp->errors, 1, __ATOMIC_RELAXED);
            if (rc != MQ_OK || res.next_offset <= off)
                return; /* no progress possible on this queue */
        }
        uint64_t b = 0;
        for (int i = 0; i < res.n_msgs; i++)
            b += res.msgs[i].body_len;
        __atomic_fetch_add(&bp->msgs, (uint64_t)res.n_msgs, __ATOMIC_RELAXED);
        __atomic_fetch_add(&bp->bytes, b, __ATOMIC_RELAXED);
        off = res.next_offset;
    }
}

static void *
bench_pull_thread(void *arg)
{
    bench_pull_t *bp = arg;
    mq_pool_t pool;
    mq_pool_init(&pool, 512 * 1024);
    for (;;) {
        int i = __atomic_fetch_add(&bp->next_mq, 1, __ATOMIC_RELAXED);
        if (i >= bp->n_mqs || bench_stop)
            break;
        bench_pull_queue(bp, &bp->mqs[i], &pool);
    }
    mq_pool_fini(&pool);
    return NULL;
}

int
bench_pull_run(const bench_opts_t *o)
{
    bench_pull_t *bp = &bench_pull;
    char err[256] = "";
    mq_pool_t pool;
    memset(bp, 0, sizeof(*bp));
    bp->o = o;
    bench_hist_init(&bp->hist);
    mq_pool_init(&pool, 0);
    if (mqc_pull_new(o->namesrv, o->group, &bp->consumer, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqbench: pull: %s\n", err);
        return 1;
    }
    if (mqc_pull_queues(bp->consumer, o->topic, &bp->mqs, &bp->n_mqs, &pool) != MQ_OK ||
        bp->n_mqs == 0) {
        fprintf(stderr, "mqbench: pull: no route for topic %s\n", o->topic);
        mqc_pull_free(bp->consumer);
        mq_pool_fini(&pool);
        return 1;
    }
    if (o->queue >= 0) { /* -q: that queue only */
        int k = 0;
        for (int i = 0; i < bp->n_mqs; i++)
            if (bp->mqs[i].queue_id == o->queue)
                bp->mqs[k++] = bp->mqs[i];
        bp->n_mqs = k;
    }
    int pipelined = o->inflight > 1;
    int nthreads = pipelined ? 1 : (o->threads > 0 ? o->threads : 1);
    printf("topic: %s queues: %d batch: %d threads: %d inflight: %d\n", o->topic, bp->n_mqs,
           o->batch, nthreads, pipelined ? o->inflight : 1);

    pthread_t tids[64];
    if (nthreads > 64)
        nthreads = 64;
    uint64_t start = bench_now_ns();
    for (int i = 0; i < nthreads; i++)
        pthread_create(&tids[i], NULL, pipelined ? bench_pull_pipelined_thread : bench_pull_thread,
                       bp);
    /* the reporter: polls the threads' progress every 10 ms, prints once a second */
    int done = 0;
    uint64_t prev_ns = start, prev_msgs = 0, prev_pulls = 0, prev_bytes = 0;
    uint64_t next_line = start + 1000000000ull;
    while (!done) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        done = bench_stop || (pipelined ? __atomic_load_n(&bp->finished, __ATOMIC_ACQUIRE)
                                        : __atomic_load_n(&bp->next_mq, __ATOMIC_RELAXED) >=
                                              bp->n_mqs + nthreads);
        uint64_t now = bench_now_ns();
        if (now < next_line || o->quiet || done)
            continue;
        next_line += 1000000000ull;
        uint64_t m = bp->msgs, p = bp->pulls, b = bp->bytes;
        double secs = (double)(now - prev_ns) / 1e9;
        char when[64];
        bench_human_time(when, sizeof(when));
        printf("Current Time: %s | Pull TPS: %lld | Pulls/s: %lld | MB/s: %.1f\n", when,
               (long long)((double)(m - prev_msgs) / secs),
               (long long)((double)(p - prev_pulls) / secs), (double)(b - prev_bytes) / secs / 1e6);
        prev_ns = now;
        prev_msgs = m;
        prev_pulls = p;
        prev_bytes = b;
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(tids[i], NULL);
    uint64_t end = bench_now_ns();
    double secs = (double)(end - start) / 1e9;
    printf("[Complete] Pull Total: %llu | Pull TPS: %lld | Pulls: %llu | Average Batch: %.1f | "
           "MB/s: %.1f | Errors: %llu | Seconds: %.3f\n",
           (unsigned long long)bp->msgs, (long long)((double)bp->msgs / secs),
           (unsigned long long)bp->pulls, bp->pulls ? (double)bp->msgs / (double)bp->pulls : 0.0,
           (double)bp->bytes / secs / 1e6, (unsigned long long)bp->errors, secs);
    bench_print_percentiles("Pull", &bp->hist);
    mqc_pull_free(bp->consumer);
    mq_pool_fini(&pool);
    return bp->msgs > 0 && bp->errors == 0 ? 0 : 1;
}
