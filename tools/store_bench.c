/* SPDX-License-Identifier: Apache-2.0
 *
 * store_bench.c -- mqstorebench, a benchmark of the message store (include/mq/store.h) without
 * any network in front of it: N appender threads call store_put() (ASYNC_FLUSH) or
 * store_put_wait() (SYNC_FLUSH) for a fixed time with messages shaped like a Java producer's
 * (TAGS, KEYS, UNIQ_KEY, WAIT, born host and timestamp), then it waits for the dispatcher to
 * build every ConsumeQueue and index entry and prints throughput, latency percentiles and how
 * far dispatch lagged behind. It is a measuring tool, not a test: it checks only that every put
 * succeeded, that the ConsumeQueues gained one entry per message and that the index finds the
 * last message by KEYS and by UNIQ_KEY.
 *
 * Threads: the main thread opens the store, prints a RocketMQ-benchmark-style progress line to
 * stderr every second and stops the appenders; each appender owns its messages, body and
 * properties buffers, UNIQ_KEY generator and latency histogram, so the hot path allocates
 * nothing and shares nothing but the store. Histograms are merged after the threads joined.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mq/buf.h"
#include "mq/common.h"
#include "mq/log.h"
#include "mq/msg.h"
#include "mq/store.h"

#define BENCH_TOPIC "BenchTopic_0001"
#define BENCH_MAX_THREADS 4096
#define BENCH_MAX_BATCH 100000
#define BENCH_PROPS_PER_MSG 160 /* room reserved per message for TAGS/KEYS/UNIQ_KEY/WAIT */

/* ---- Latency histogram (log-linear: 32 sub-buckets per power of two, ~3% precision) ---- */

#define BENCH_HIST_SUB_BITS 5
#define BENCH_HIST_SUB (1 << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_BUCKETS (64 * BENCH_HIST_SUB)

/* Bucket of a latency in nanoseconds: exact below 64 ns, then 32 buckets per doubling. */
static int
bench_hist_index(uint64_t v)
{
    int msb, shift;
    if (v < 2 * BENCH_HIST_SUB)
        return (int)v;
    msb = 63 - __builtin_clzll(v);
    shift = msb - BENCH_HIST_SUB_BITS;
    return (shift + 1) * BENCH_HIST_SUB + (int)((v >> shift) - BENCH_HIST_SUB);
}

/* Smallest value (ns) that falls into bucket idx, and the bucket's width. */
static uint64_t
bench_hist_low(int idx, uint64_t *width)
{
    int shift;
    if (idx < 2 * BENCH_HIST_SUB) {
        *width = 1;
        return (uint64_t)idx;
    }
    shift = idx / BENCH_HIST_SUB - 1;
    *width = (uint64_t)1 << shift;
    return (uint64_t)(BENCH_HIST_SUB + idx % BENCH_HIST_SUB) << shift;
}

/* Value (ns) at quantile q of a histogram holding total samples: the middle of the bucket
 * holding the ceil(q * total)-th sample, capped by the exact maximum. 0 for no samples. */
static double
bench_hist_quantile(const uint64_t *hist, uint64_t total, double q, uint64_t max_ns)
{
    uint64_t rank, seen = 0, width, low;
    if (total == 0)
        return 0;
    rank = (uint64_t)(q * (double)total);
    if ((double)rank < q * (double)total)
        rank++;
    if (rank == 0)
        rank = 1;
    for (int i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += hist[i];
        if (seen >= rank) {
            double mid;
            low = bench_hist_low(i, &width);
            mid = (double)low + (double)(width - 1) / 2.0;
            return mid > (double)max_ns ? (double)max_ns : mid;
        }
    }
    return (double)max_ns;
}

/* ---- Options and per-thread state ---- */

typedef struct bench_opts_s {
    char dir[512];            /* store root */
    int dir_given;            /* --dir was passed */
    int keep;                 /* --keep: leave the store directory */
    int size;                 /* --size: body bytes */
    int batch;                /* --batch: messages per put */
    int queues;               /* --queues: queue ids 0..queues-1 of one topic */
    store_flush_mode_t flush; /* --flush */
    int threads;              /* --threads: appenders */
    int seconds;              /* --seconds: run length */
    int64_t segment_size;     /* --segment-size: mappedFileSizeCommitLog */
    int index;                /* 0 with --no-index */
    int json;                 /* --json */
    int inflight;             /* --inflight: puts each thread keeps in flight (sync) */
    int64_t crash_after;      /* --crash-after-mb: SIGKILL itself once this many bytes are in */
    int recover_only;         /* --recover-only: time store_open (recovery), close, exit */
} bench_opts_t;

typedef struct bench_ctx_s bench_ctx_t;

typedef struct bench_thread_s bench_thread_t;

/* One in-flight put of --inflight mode: its completion record and start time. */
typedef struct bench_slot_s {
    store_waiter_t w;     /* completion, called from the store's flush thread */
    bench_thread_t *t;    /* owner */
    int64_t t0;           /* when the put was issued */
    int status;           /* completion status */
} bench_slot_t;

struct bench_thread_s {
    bench_ctx_t *ctx;                  /* the run */
    pthread_t tid;                     /* the appender */
    int index;                         /* 0..threads-1 */
    mq_msg_t *msgs;                    /* one batch, reused for every put */
    uint8_t *bodies;                   /* batch * size bytes */
    size_t *props_off;                 /* start of each message's properties in props */
    mq_buf_t props;                    /* the batch's properties, rebuilt in place for every put */
    mq_uniq_gen_t uniq;                /* this thread's UNIQ_KEY generator */
    uint64_t next_seq;                 /* per-thread message counter */
    uint64_t hist[BENCH_HIST_BUCKETS]; /* put latency, ns; merged after the join */
    int64_t last_end_ns;               /* monotonic time the last put returned */
    int first_err;                     /* first failed put's return code, MQ_OK if none */
    uint64_t last_key;                 /* key number of the last message filled */
    char last_uniq[33];                /* UNIQ_KEY of the last message filled */
    uint64_t ok_key;                   /* key number of the last message stored (index check) */
    char ok_uniq[33];                  /* its UNIQ_KEY, "" before the first successful put */
    /* -- read by the reporter while running (only this thread writes) -- */
    _Atomic uint64_t puts;    /* successful puts */
    _Atomic uint64_t msgs_ok; /* messages in successful puts */
    _Atomic uint64_t fails;   /* failed puts */
    _Atomic uint64_t rt_sum;  /* sum of put latencies, ns */
    _Atomic uint64_t rt_max;  /* largest put latency, ns */
    /* -- --inflight mode: completions handed over by the flush thread -- */
    bench_slot_t *slots;      /* o.inflight slots */
    bench_slot_t **done;      /* completed slots not yet seen by the thread */
    int ndone;                /* how many; mu */
    int waiting;              /* the thread sleeps on cv; mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

struct bench_ctx_s {
    bench_opts_t o;          /* options */
    store_t *store;          /* the store under test */
    bench_thread_t *th;      /* threads[o.threads] */
    pthread_barrier_t start; /* appenders + main start together */
    int64_t start_ns;        /* monotonic start of the timed run */
};

static _Atomic int bench_stop; /* appenders stop when set */
static volatile sig_atomic_t bench_signalled;

static void
bench_on_signal(int sig)
{
    (void)sig;
    bench_signalled = 1;
    atomic_store(&bench_stop, 1);
}

static int64_t
bench_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Writes the decimal digits of v at p; returns the count (at most 20). */
static size_t
bench_u64_str(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

/* ---- The appender ---- */

static const char *const bench_tags[] = {"TagA", "TagB", "TagC", "TagD"};

/* Fills the thread's batch for one put: one queue per put (as a Java batch send), a fresh
 * KEYS and UNIQ_KEY per message, the born timestamp. Allocates nothing once props has grown
 * to its working size (reserved at start-up). */
static void
bench_fill_batch(bench_ctx_t *c, bench_thread_t *t, uint64_t put_no)
{
    int64_t now_ms = mq_now_ms();
    /* Every thread cycles through all queues, threads staggered by their index. */
    int32_t qid = (int32_t)((put_no + (uint64_t)t->index) % (uint64_t)c->o.queues);
    char key[32];
    size_t klen;

    mq_buf_reset(&t->props);
    for (int i = 0; i < c->o.batch; i++) {
        mq_msg_t *m = &t->msgs[i];
        uint64_t seq = t->next_seq++;
        uint64_t keyno = seq * (uint64_t)c->o.threads + (uint64_t)t->index;
        uint8_t *body = t->bodies + (size_t)i * (size_t)c->o.size;

        memcpy(key, "order-", 6);
        klen = 6 + bench_u64_str(key + 6, keyno);
        mq_uniq_gen_next(&t->uniq, now_ms, t->last_uniq);
        t->props_off[i] = t->props.len;
        mq_props_put(&t->props, MQ_STR(MQ_PROP_TAGS), mq_str_from_cstr(bench_tags[seq & 3]));
        mq_props_put(&t->props, MQ_STR(MQ_PROP_KEYS), (mq_str_t){key, klen});
        mq_props_put(&t->props, MQ_STR(MQ_PROP_UNIQ_KEY), (mq_str_t){t->last_uniq, 32});
        mq_props_put(&t->props, MQ_STR(MQ_PROP_WAIT), MQ_STR("true"));
        /* Make each body (and so its CRC) differ: the key number in the first bytes. */
        for (int b = 0; b < 8 && b < c->o.size; b++)
            body[b] = (uint8_t)('a' + ((keyno >> (4 * b)) & 15));
        m->queue_id = qid;
        m->born_ts = now_ms;
        t->last_key = keyno;
    }
    for (int i = 0; i < c->o.batch; i++) {
        size_t end = i + 1 < c->o.batch ? t->props_off[i + 1] : t->props.len;
        t->msgs[i].props =
            (mq_str_t){(const char *)t->props.data + t->props_off[i], end - t->props_off[i]};
    }
}

/* Accounts one finished put. */
static void
bench_account(bench_thread_t *t, int rc, int64_t t0, int64_t t1, uint64_t *puts, uint64_t *msgs,
              uint64_t *fails, uint64_t *rt_sum, uint64_t *rt_max)
{
    bench_ctx_t *c = t->ctx;
    uint64_t rt = (uint64_t)(t1 - t0);
    t->last_end_ns = t1;
    if (rc != MQ_OK) {
        if (t->first_err == MQ_OK) {
            t->first_err = rc;
            fprintf(stderr, "mqstorebench: thread %d: put failed: %s (%s)\n", t->index,
                    mq_err_name(rc), mq_err_text(rc));
        }
        atomic_store_explicit(&t->fails, ++*fails, memory_order_relaxed);
        return;
    }
    t->hist[bench_hist_index(rt)]++;
    *rt_sum += rt;
    if (rt > *rt_max)
        *rt_max = rt;
    (*puts)++;
    *msgs += (uint64_t)c->o.batch;
    atomic_store_explicit(&t->puts, *puts, memory_order_relaxed);
    atomic_store_explicit(&t->msgs_ok, *msgs, memory_order_relaxed);
    atomic_store_explicit(&t->rt_sum, *rt_sum, memory_order_relaxed);
    atomic_store_explicit(&t->rt_max, *rt_max, memory_order_relaxed);
}

static void
bench_slot_done(store_waiter_t *w, int status)
{
    bench_slot_t *sl = MQ_CONTAINER_OF(w, bench_slot_t, w);
    bench_thread_t *t = sl->t;
    sl->status = status;
    pthread_mutex_lock(&t->mu);
    t->done[t->ndone++] = sl;
    if (t->waiting)
        pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

/* --inflight N: one thread keeps N puts in flight and is woken once per group commit with
 * all the completions it brought, as a broker's event loop would be. */
static void *
bench_thread_inflight(bench_thread_t *t)
{
    bench_ctx_t *c = t->ctx;
    int n = c->o.inflight, nfree = n, pending = 0;
    bench_slot_t **freel = mq_xcalloc((size_t)n, sizeof(*freel));
    uint64_t put_no = 0, puts = 0, msgs = 0, fails = 0, rt_sum = 0, rt_max = 0;

    for (int i = 0; i < n; i++)
        freel[i] = &t->slots[i];
    pthread_barrier_wait(&c->start);
    for (;;) {
        int stop = atomic_load_explicit(&bench_stop, memory_order_relaxed);
        while (!stop && nfree > 0) {
            bench_slot_t *sl = freel[--nfree];
            int rc;
            bench_fill_batch(c, t, put_no++);
            sl->t0 = bench_mono_ns();
            rc = store_put(c->store, t->msgs, c->o.batch, &sl->w);
            if (rc == MQ_AGAIN) {
                pending++;
                t->ok_key = t->last_key;
                memcpy(t->ok_uniq, t->last_uniq, sizeof(t->ok_uniq));
                continue;
            }
            bench_account(t, rc, sl->t0, bench_mono_ns(), &puts, &msgs, &fails, &rt_sum, &rt_max);
            if (rc == MQ_OK) {
                t->ok_key = t->last_key;
                memcpy(t->ok_uniq, t->last_uniq, sizeof(t->ok_uniq));
            } else {
                usleep(1000);
            }
            freel[nfree++] = sl;
        }
        if (stop && pending == 0)
            break;
        pthread_mutex_lock(&t->mu);
        while (t->ndone == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            t->waiting = 1;
            pthread_cond_timedwait(&t->cv, &t->mu, &ts);
            t->waiting = 0;
            if (atomic_load(&bench_stop) && t->ndone == 0 && pending == 0)
                break;
        }
        {
            int64_t t1 = bench_mono_ns();
            while (t->ndone > 0) {
                bench_slot_t *sl = t->done[--t->ndone];
                bench_account(t, sl->status, sl->t0, t1, &puts, &msgs, &fails, &rt_sum, &rt_max);
                freel[nfree++] = sl;
                pending--;
            }
        }
        pthread_mutex_unlock(&t->mu);
    }
    free(freel);
    return NULL;
}

static void *
bench_thread_main(void *arg)
{
    bench_thread_t *t = arg;
    bench_ctx_t *c = t->ctx;
    int sync = c->o.flush == STORE_SYNC_FLUSH;
    if (c->o.inflight > 0)
        return bench_thread_inflight(t);
    uint64_t put_no = 0, puts = 0, msgs = 0, fails = 0, rt_sum = 0, rt_max = 0;

    pthread_barrier_wait(&c->start);
    while (!atomic_load_explicit(&bench_stop, memory_order_relaxed)) {
        int64_t t0, t1;
        uint64_t rt;
        int rc;

        bench_fill_batch(c, t, put_no++);
        t0 = bench_mono_ns();
        if (sync)
            rc = store_put_wait(c->store, t->msgs, c->o.batch);
        else
            rc = store_put(c->store, t->msgs, c->o.batch, NULL);
        t1 = bench_mono_ns();
        t->last_end_ns = t1;
        if (rc != MQ_OK) {
            if (t->first_err == MQ_OK) {
                char why[256];
                t->first_err = rc;
                store_status_text(c->store, why, sizeof(why));
                fprintf(stderr, "mqstorebench: thread %d: put failed: %s (%s)%s%s\n", t->index,
                        mq_err_name(rc), mq_err_text(rc), why[0] ? ": " : "", why);
            }
            atomic_store_explicit(&t->fails, ++fails, memory_order_relaxed);
            if (rc == MQ_ENOSPC || rc == MQ_EIO || rc == MQ_ECLOSED)
                usleep(1000); /* do not spin on a store that refuses everything */
            continue;
        }
        rt = (uint64_t)(t1 - t0);
        t->hist[bench_hist_index(rt)]++;
        rt_sum += rt;
        if (rt > rt_max)
            rt_max = rt;
        puts++;
        msgs += (uint64_t)c->o.batch;
        t->ok_key = t->last_key;
        memcpy(t->ok_uniq, t->last_uniq, sizeof(t->ok_uniq));
        atomic_store_explicit(&t->puts, puts, memory_order_relaxed);
        atomic_store_explicit(&t->msgs_ok, msgs, memory_order_relaxed);
        atomic_store_explicit(&t->rt_sum, rt_sum, memory_order_relaxed);
        atomic_store_explicit(&t->rt_max, rt_max, memory_order_relaxed);
    }
    return NULL;
}

static void
bench_thread_init(bench_ctx_t *c, bench_thread_t *t, int index)
{
    const bench_opts_t *o = &c->o;
    static const uint8_t ip[4] = {127, 0, 0, 1};
    size_t nbody = (size_t)o->batch * (size_t)o->size;

    t->ctx = c;
    t->index = index;
    t->first_err = MQ_OK;
    t->msgs = mq_xcalloc((size_t)o->batch, sizeof(*t->msgs));
    t->bodies = mq_xmalloc(nbody ? nbody : 1);
    t->props_off = mq_xcalloc((size_t)o->batch, sizeof(*t->props_off));
    mq_buf_init(&t->props);
    mq_buf_reserve(&t->props, (size_t)o->batch * BENCH_PROPS_PER_MSG);
    mq_uniq_gen_init(&t->uniq, ip, (uint16_t)getpid(),
                     (uint32_t)index * 2654435761u ^ (uint32_t)mq_now_ms());
    /* Printable, incompressible-looking bodies (a xorshift stream mapped to letters). */
    uint64_t x = 0x9E3779B97F4A7C15ull ^ (uint64_t)(index + 1);
    for (size_t i = 0; i < nbody; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        t->bodies[i] = (uint8_t)(' ' + x % 95);
    }
    if (o->inflight > 0) {
        t->slots = mq_xcalloc((size_t)o->inflight, sizeof(*t->slots));
        t->done = mq_xcalloc((size_t)o->inflight, sizeof(*t->done));
        for (int i = 0; i < o->inflight; i++) {
            t->slots[i].w.cb = bench_slot_done;
            t->slots[i].t = t;
        }
        pthread_mutex_init(&t->mu, NULL);
        pthread_cond_init(&t->cv, NULL);
    }
    for (int i = 0; i < o->batch; i++) {
        mq_msg_t *m = &t->msgs[i];
        m->topic = MQ_STR(BENCH_TOPIC);
        m->body =
            (mq_str_t){(const char *)t->bodies + (size_t)i * (size_t)o->size, (size_t)o->size};
        memcpy(m->born_host.addr, ip, 4);
        m->born_host.port = 40000 + index % 20000;
    }
}

static void
bench_thread_fini(bench_thread_t *t)
{
    free(t->msgs);
    free(t->bodies);
    free(t->props_off);
    free(t->slots);
    free(t->done);
    mq_buf_fini(&t->props);
}

/* ---- Results ---- */

typedef struct bench_result_s {
    double run_s;      /* first put to last put return */
    uint64_t puts;     /* successful puts */
    uint64_t msgs;     /* messages stored */
    uint64_t fails;    /* failed puts */
    int64_t put_bytes; /* CommitLog record bytes (store_get_stats put_bytes) */
    double p50_us, p99_us, p999_us, max_us, avg_us; /* put latency */
    int64_t backlog_bytes;     /* CommitLog bytes not yet dispatched when the last put returned */
    double lag_ms;             /* last put return -> store_wait_dispatched() returned */
    double dispatch_all_s;     /* run start -> everything dispatched */
    int64_t max_backlog_bytes; /* largest undispatched backlog seen by the 1 s samples */
    int64_t cq_entries;        /* ConsumeQueue entries added over all queues */
    int key_checked;           /* an index lookup was made */
    int key_found;             /* store_query_by_key found the last key */
    int uniq_found;            /* store_query_by_uniq_key found the last UNIQ_KEY */
    double key_us, uniq_us;    /* their latency */
    double open_ms, close_ms;  /* store_open / store_close */
    int64_t commitlog_end;     /* CommitLog max offset after the run */
} bench_result_t;

/* Sums the live counters of every thread. */
static void
bench_sample(bench_ctx_t *c, uint64_t *msgs, uint64_t *puts, uint64_t *fails, uint64_t *rt_sum,
             uint64_t *rt_max)
{
    *msgs = *puts = *fails = *rt_sum = *rt_max = 0;
    for (int i = 0; i < c->o.threads; i++) {
        bench_thread_t *t = &c->th[i];
        uint64_t m = atomic_load_explicit(&t->rt_max, memory_order_relaxed);
        *msgs += atomic_load_explicit(&t->msgs_ok, memory_order_relaxed);
        *puts += atomic_load_explicit(&t->puts, memory_order_relaxed);
        *fails += atomic_load_explicit(&t->fails, memory_order_relaxed);
        *rt_sum += atomic_load_explicit(&t->rt_sum, memory_order_relaxed);
        if (m > *rt_max)
            *rt_max = m;
    }
}

/* Sleeps until `deadline` (monotonic ns) or a signal. */
static void
bench_sleep_until(int64_t deadline)
{
    struct timespec ts = {(time_t)(deadline / 1000000000), (long)(deadline % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        if (bench_signalled)
            return;
}

/* The main thread during the run: one progress line per second, in the format of RocketMQ's
 * benchmark Producer (TPS and Average RT over the last second, Max RT over the whole run). */
static void
bench_progress_loop(bench_ctx_t *c, bench_result_t *r)
{
    int64_t deadline = c->start_ns + (int64_t)c->o.seconds * 1000000000;
    int64_t tick = c->start_ns, prev_now = c->start_ns;
    uint64_t prev_msgs = 0, prev_puts = 0, prev_sum = 0;

    while (!atomic_load(&bench_stop)) {
        uint64_t msgs, puts, fails, sum, max;
        int64_t now;
        store_stats_t st;
        double secs;

        tick += 1000000000;
        bench_sleep_until(MQ_MIN(tick, deadline));
        if (bench_signalled)
            break;
        now = bench_mono_ns();
        bench_sample(c, &msgs, &puts, &fails, &sum, &max);
        store_get_stats(c->store, &st);
        if (st.commitlog_max - st.dispatched > r->max_backlog_bytes)
            r->max_backlog_bytes = st.commitlog_max - st.dispatched;
        secs = (double)(now - prev_now) / 1e9;
        fprintf(stderr,
                "Current Time: %" PRId64 " | Send TPS: %" PRIu64 " | Max RT(ms): %" PRIu64
                " | Average RT(ms): %7.3f | Send Failed: %" PRIu64 " | Response Failed: 0\n",
                mq_now_ms(), (uint64_t)((double)(msgs - prev_msgs) / (secs > 0 ? secs : 1)),
                max / 1000000,
                puts > prev_puts ? (double)(sum - prev_sum) / (double)(puts - prev_puts) / 1e6
                                 : 0.0,
                fails);
        prev_msgs = msgs;
        prev_puts = puts;
        prev_sum = sum;
        prev_now = now;
        if (now >= deadline)
            break;
    }
    atomic_store(&bench_stop, 1);
}

static void
bench_json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void
bench_print_json(const bench_ctx_t *c, const bench_result_t *r)
{
    const bench_opts_t *o = &c->o;
    double mps = r->run_s > 0 ? (double)r->msgs / r->run_s : 0;
    double body_mb = r->run_s > 0 ? (double)r->msgs * o->size / 1e6 / r->run_s : 0;
    double cl_mb = r->run_s > 0 ? (double)r->put_bytes / 1e6 / r->run_s : 0;
    double rec = r->msgs ? (double)r->put_bytes / (double)r->msgs : 0;
    double backlog_msgs = rec > 0 ? (double)r->backlog_bytes / rec : 0;

    printf("{\"tool\":\"mqstorebench\",\"config\":{\"dir\":");
    bench_json_str(o->dir);
    printf(",\"flush\":\"%s\",\"threads\":%d,\"batch\":%d,\"queues\":%d,\"size\":%d,"
           "\"seconds\":%d,\"segment_size\":%" PRId64 ",\"index\":%s,\"topic\":\"%s\"},",
           o->flush == STORE_SYNC_FLUSH ? "SYNC_FLUSH" : "ASYNC_FLUSH", o->threads, o->batch,
           o->queues, o->size, o->seconds, o->segment_size, o->index ? "true" : "false",
           BENCH_TOPIC);
    printf("\"run_s\":%.3f,\"messages\":%" PRIu64 ",\"puts\":%" PRIu64 ",\"failed_puts\":%" PRIu64
           ",\"msgs_per_s\":%.0f,\"body_mb_per_s\":%.2f,"
           "\"commitlog_mb_per_s\":%.2f,\"commitlog_bytes\":%" PRId64 ",\"record_bytes_avg\":%.1f,",
           r->run_s, r->msgs, r->puts, r->fails, mps, body_mb, cl_mb, r->put_bytes, rec);
    printf("\"latency_us\":{\"op\":\"%s\",\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,"
           "\"max\":%.2f,\"avg\":%.2f},",
           o->flush == STORE_SYNC_FLUSH ? "store_put_wait" : "store_put", r->p50_us, r->p99_us,
           r->p999_us, r->max_us, r->avg_us);
    printf("\"dispatch\":{\"backlog_at_end_bytes\":%" PRId64 ",\"backlog_at_end_msgs\":%.0f,"
           "\"lag_at_end_ms\":%.3f,\"catchup_msgs_per_s\":%.0f,\"all_dispatched_msgs_per_s\":%.0f,"
           "\"max_backlog_bytes\":%" PRId64 "},",
           r->backlog_bytes, backlog_msgs, r->lag_ms,
           r->lag_ms > 0 ? backlog_msgs / (r->lag_ms / 1e3) : 0,
           r->dispatch_all_s > 0 ? (double)r->msgs / r->dispatch_all_s : 0, r->max_backlog_bytes);
    printf("\"check\":{\"cq_entries_added\":%" PRId64 ",\"cq_entries_expected\":%" PRIu64,
           r->cq_entries, r->msgs);
    if (r->key_checked)
        printf(",\"key_found\":%s,\"key_query_us\":%.1f,\"uniq_found\":%s,\"uniq_query_us\":%.1f",
               r->key_found ? "true" : "false", r->key_us, r->uniq_found ? "true" : "false",
               r->uniq_us);
    printf("},\"store\":{\"open_ms\":%.2f,\"close_ms\":%.2f,\"commitlog_end\":%" PRId64 "}}\n",
           r->open_ms, r->close_ms, r->commitlog_end);
}

static void
bench_print_text(const bench_ctx_t *c, const bench_result_t *r)
{
    const bench_opts_t *o = &c->o;
    double mps = r->run_s > 0 ? (double)r->msgs / r->run_s : 0;
    double rec = r->msgs ? (double)r->put_bytes / (double)r->msgs : 0;
    double backlog_msgs = rec > 0 ? (double)r->backlog_bytes / rec : 0;

    printf("mqstorebench: %s, %d thread(s), batch %d, %d queue(s) of %s, body %d B, index %s\n",
           o->flush == STORE_SYNC_FLUSH ? "SYNC_FLUSH" : "ASYNC_FLUSH", o->threads, o->batch,
           o->queues, BENCH_TOPIC, o->size, o->index ? "on" : "off");
    printf("  store            %s (segment %" PRId64 " B)\n", o->dir, o->segment_size);
    printf("  run              %.3f s: %" PRIu64 " messages in %" PRIu64 " puts, %" PRIu64
           " failed\n",
           r->run_s, r->msgs, r->puts, r->fails);
    printf("  throughput       %.0f msg/s | bodies %.2f MB/s | CommitLog %.2f MB/s "
           "(%.1f B/record)\n",
           mps, r->run_s > 0 ? (double)r->msgs * o->size / 1e6 / r->run_s : 0,
           r->run_s > 0 ? (double)r->put_bytes / 1e6 / r->run_s : 0, rec);
    printf("  latency (us)     %s: p50 %.2f | p99 %.2f | p999 %.2f | max %.2f | avg %.2f\n",
           o->flush == STORE_SYNC_FLUSH ? "store_put_wait" : "store_put", r->p50_us, r->p99_us,
           r->p999_us, r->max_us, r->avg_us);
    printf("  dispatch         backlog at last put %.0f msgs (%" PRId64 " B); "
           "lag at end %.3f ms",
           backlog_msgs, r->backlog_bytes, r->lag_ms);
    if (r->backlog_bytes > 0 && r->lag_ms > 0)
        printf(" (catch-up %.0f msg/s)", backlog_msgs / (r->lag_ms / 1e3));
    printf("\n                   all dispatched at %.0f msg/s overall; max backlog sampled "
           "%" PRId64 " B\n",
           r->dispatch_all_s > 0 ? (double)r->msgs / r->dispatch_all_s : 0, r->max_backlog_bytes);
    printf("  check            ConsumeQueue entries added %" PRId64 " (expected %" PRIu64 ")%s",
           r->cq_entries, r->msgs, r->cq_entries == (int64_t)r->msgs ? "" : "  MISMATCH");
    if (r->key_checked)
        printf("; last KEYS %s (%.1f us), last UNIQ_KEY %s (%.1f us)",
               r->key_found ? "found" : "NOT FOUND", r->key_us,
               r->uniq_found ? "found" : "NOT FOUND", r->uniq_us);
    printf("\n  store            open %.1f ms | close %.1f ms | CommitLog end offset %" PRId64 "\n",
           r->open_ms, r->close_ms, r->commitlog_end);
}

/* ---- Set-up and tear-down ---- */

static int
bench_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0)
        fprintf(stderr, "mqstorebench: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

static void
bench_usage(FILE *f)
{
    fprintf(f,
            "usage: mqstorebench [options]\n"
            "  --dir PATH            store root (default: a fresh /tmp/mqstorebench.XXXXXX);\n"
            "                        removed at exit unless --keep, and only if this run\n"
            "                        created it\n"
            "  --keep                keep the store directory\n"
            "  --size N              message body bytes (default 100)\n"
            "  --batch N             messages per store_put call (default 1)\n"
            "  --queues N            queue ids 0..N-1 of topic " BENCH_TOPIC ", round-robin\n"
            "                        per put (default 1)\n"
            "  --flush async|sync    flushDiskType (default async); sync: each thread waits\n"
            "                        with store_put_wait\n"
            "  --threads N           appender threads (default 1)\n"
            "  --seconds N           run length (default 10)\n"
            "  --segment-size BYTES  mappedFileSizeCommitLog, k/m/g suffixes (default 1g)\n"
            "  --no-index            messageIndexEnable=false\n"
            "  --json                print one JSON object on stdout instead of text\n"
            "  --inflight N          sync: each thread keeps N puts in flight and is woken once\n"
            "                        per group commit (a broker event loop); default: threads\n"
            "                        wait for each put (store_put_wait)\n"
            "  --crash-after-mb N    kill -9 itself once N MB of records are appended (keeps\n"
            "                        the store: a crash to recover from)\n"
            "  --recover-only        open the store at --dir (timing recovery), close, exit\n"
            "Progress goes to stderr every second (Send TPS counts messages; Max RT is over the\n"
            "whole run, as in RocketMQ's benchmark). MB = 10^6 bytes. Exit status: 0, or 1 if a\n"
            "put failed or the ConsumeQueues did not gain one entry per message, 2 for usage.\n");
}

static int
bench_parse_int(const char *s, const char *what, int64_t min, int64_t max, int sizes, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || errno) {
        fprintf(stderr, "mqstorebench: %s: not a number: %s\n", what, s);
        return -1;
    }
    if (sizes && *end) {
        int64_t mult = 0;
        switch (*end) {
        case 'k':
        case 'K':
            mult = 1024;
            break;
        case 'm':
        case 'M':
            mult = 1024 * 1024;
            break;
        case 'g':
        case 'G':
            mult = 1024 * 1024 * 1024;
            break;
        default:
            break;
        }
        if (mult && v <= INT64_MAX / mult) {
            v *= mult;
            end++;
        }
    }
    if (*end || v < min || v > max) {
        fprintf(stderr, "mqstorebench: %s: expected a number in [%" PRId64 ", %" PRId64 "]: %s\n",
                what, min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int
bench_parse_args(int argc, char **argv, bench_opts_t *o)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"keep", no_argument, NULL, 'k'},
        {"size", required_argument, NULL, 's'},
        {"batch", required_argument, NULL, 'b'},
        {"queues", required_argument, NULL, 'q'},
        {"flush", required_argument, NULL, 'f'},
        {"threads", required_argument, NULL, 't'},
        {"seconds", required_argument, NULL, 'S'},
        {"segment-size", required_argument, NULL, 'g'},
        {"no-index", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"crash-after-mb", required_argument, NULL, 'C'},
        {"inflight", required_argument, NULL, 'I'},
        {"recover-only", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    int64_t v;

    memset(o, 0, sizeof(*o));
    o->size = 100;
    o->batch = 1;
    o->queues = 1;
    o->flush = STORE_ASYNC_FLUSH;
    o->threads = 1;
    o->seconds = 10;
    o->segment_size = (int64_t)1 << 30;
    o->index = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            if (strlen(optarg) == 0 || strlen(optarg) >= sizeof(o->dir) - 64) {
                fprintf(stderr, "mqstorebench: --dir: empty or too long\n");
                return -1;
            }
            snprintf(o->dir, sizeof(o->dir), "%s", optarg);
            o->dir_given = 1;
            break;
        case 'k':
            o->keep = 1;
            break;
        case 'n':
            o->index = 0;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'C':
            if (bench_parse_int(optarg, "--crash-after-mb", 1, 1 << 30, 0, &v))
                return -1;
            o->crash_after = v * 1000000;
            o->keep = 1;
            break;
        case 'I':
            if (bench_parse_int(optarg, "--inflight", 1, 100000, 0, &v))
                return -1;
            o->inflight = (int)v;
            break;
        case 'R':
            o->recover_only = 1;
            o->keep = 1;
            break;
        case 's':
            if (bench_parse_int(optarg, "--size", 0, 64 << 20, 1, &v))
                return -1;
            o->size = (int)v;
            break;
        case 'b':
            if (bench_parse_int(optarg, "--batch", 1, BENCH_MAX_BATCH, 0, &v))
                return -1;
            o->batch = (int)v;
            break;
        case 'q':
            if (bench_parse_int(optarg, "--queues", 1, 1 << 20, 0, &v))
                return -1;
            o->queues = (int)v;
            break;
        case 't':
            if (bench_parse_int(optarg, "--threads", 1, BENCH_MAX_THREADS, 0, &v))
                return -1;
            o->threads = (int)v;
            break;
        case 'S':
            if (bench_parse_int(optarg, "--seconds", 1, 86400, 0, &v))
                return -1;
            o->seconds = (int)v;
            break;
        case 'g':
            if (bench_parse_int(optarg, "--segment-size", 65536, (int64_t)1 << 40, 1, &v))
                return -1;
            if (v % 4096) {
                fprintf(stderr, "mqstorebench: --segment-size must be a multiple of 4096\n");
                return -1;
            }
            o->segment_size = v;
            break;
        case 'f':
            if (strcmp(optarg, "async") == 0)
                o->flush = STORE_ASYNC_FLUSH;
            else if (strcmp(optarg, "sync") == 0)
                o->flush = STORE_SYNC_FLUSH;
            else {
                fprintf(stderr, "mqstorebench: --flush: expected async or sync\n");
                return -1;
            }
            break;
        case 'h':
            bench_usage(stdout);
            exit(0);
        default:
            bench_usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mqstorebench: unexpected argument: %s\n", argv[optind]);
        return -1;
    }
    /* A put must fit in one segment (with its 8-byte BLANK filler); ~300 B of header,
     * topic and properties per record is an upper bound for these messages. */
    if ((int64_t)o->batch * (o->size + 300) + 8 > o->segment_size) {
        fprintf(stderr,
                "mqstorebench: a batch of %d x %d B does not fit in a %" PRId64 " B segment\n",
                o->batch, o->size, o->segment_size);
        return -1;
    }
    return 0;
}

/* Checks the ConsumeQueues and the index after the run. base[q] is each queue's max offset
 * before the run. */
static void
bench_check(bench_ctx_t *c, const int64_t *base, bench_result_t *r)
{
    mq_str_t topic = MQ_STR(BENCH_TOPIC);
    bench_thread_t *t = NULL;

    r->cq_entries = 0;
    for (int q = 0; q < c->o.queues; q++)
        r->cq_entries += store_max_offset(c->store, topic, q) - base[q];
    for (int i = 0; i < c->o.threads && !t; i++)
        if (c->th[i].ok_uniq[0])
            t = &c->th[i];
    if (!c->o.index || !t)
        return;
    {
        char key[32];
        int64_t offs[4], off = -1, t0;
        size_t klen;
        int n;

        memcpy(key, "order-", 6);
        klen = 6 + bench_u64_str(key + 6, t->ok_key);
        r->key_checked = 1;
        t0 = bench_mono_ns();
        n = store_query_by_key(c->store, topic, (mq_str_t){key, klen}, 4, 0, INT64_MAX, offs);
        r->key_us = (double)(bench_mono_ns() - t0) / 1e3;
        r->key_found = n >= 1; /* more than one when --dir reuses a store */
        t0 = bench_mono_ns();
        n = store_query_by_uniq_key(c->store, topic, (mq_str_t){t->ok_uniq, 32}, &off);
        r->uniq_us = (double)(bench_mono_ns() - t0) / 1e3;
        r->uniq_found = n == MQ_OK && off >= 0; /* MQ_OK, not a count */
    }
}

int
main(int argc, char **argv)
{
    bench_ctx_t c;
    bench_result_t r;
    store_config_t cfg;
    struct sigaction sa;
    struct stat sb;
    int created = 0, rc, status = 0;
    int64_t t0, *base;
    uint64_t hist_total = 0, rt_sum = 0, rt_max = 0;
    uint64_t *hist;
    store_stats_t st;

    memset(&c, 0, sizeof(c));
    memset(&r, 0, sizeof(r));
    if (bench_parse_args(argc, argv, &c.o) != 0)
        return 2;
    mq_log_set_level(MQ_LOG_WARN);

    if (!c.o.dir_given) {
        snprintf(c.o.dir, sizeof(c.o.dir), "/tmp/mqstorebench.XXXXXX");
        if (!mkdtemp(c.o.dir)) {
            fprintf(stderr, "mqstorebench: mkdtemp: %s\n", strerror(errno));
            return 1;
        }
        created = 1;
    } else if (stat(c.o.dir, &sb) != 0) {
        created = 1; /* store_open creates it */
    }

    store_config_defaults(&cfg);
    snprintf(cfg.root_dir, sizeof(cfg.root_dir), "%s", c.o.dir);
    cfg.commitlog_file_size = c.o.segment_size;
    if ((int64_t)cfg.max_message_size + 4096 > cfg.commitlog_file_size)
        cfg.max_message_size = (int32_t)(cfg.commitlog_file_size - 4096);
    if (c.o.size > cfg.max_message_size)
        cfg.max_message_size = c.o.size;
    cfg.flush_mode = c.o.flush;
    cfg.message_index_enable = c.o.index;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = bench_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    t0 = bench_mono_ns();
    rc = store_open(&cfg, &c.store);
    r.open_ms = (double)(bench_mono_ns() - t0) / 1e6;
    if (rc != MQ_OK) {
        fprintf(stderr, "mqstorebench: store_open %s: %s\n", c.o.dir, mq_err_name(rc));
        status = 1;
        goto out;
    }
    if (c.o.recover_only) {
        store_get_stats(c.store, &st);
        printf("mqstorebench: %s recovery of %s in %.1f ms: CommitLog [%" PRId64 ", %" PRId64
               ") (%.1f MB), %" PRId64 " queue(s)\n",
               st.recovered_abnormally ? "abnormal" : "normal", c.o.dir, r.open_ms,
               st.commitlog_min, st.commitlog_max,
               (double)(st.commitlog_max - st.commitlog_min) / 1e6, st.queues);
        store_close(c.store);
        return 0;
    }
    base = mq_xcalloc((size_t)c.o.queues, sizeof(*base));
    for (int q = 0; q < c.o.queues; q++)
        base[q] = store_max_offset(c.store, MQ_STR(BENCH_TOPIC), q);

    c.th = mq_xcalloc((size_t)c.o.threads, sizeof(*c.th));
    pthread_barrier_init(&c.start, NULL, (unsigned)c.o.threads + 1);
    for (int i = 0; i < c.o.threads; i++) {
        bench_thread_init(&c, &c.th[i], i);
        if (pthread_create(&c.th[i].tid, NULL, bench_thread_main, &c.th[i]) != 0) {
            fprintf(stderr, "mqstorebench: cannot start thread %d\n", i);
            abort();
        }
    }
    if (!c.o.json)
        fprintf(stderr, "mqstorebench: %d s on %s\n", c.o.seconds, c.o.dir);
    c.start_ns = bench_mono_ns();
    pthread_barrier_wait(&c.start);
    if (c.o.crash_after > 0) {
        for (;;) {
            store_get_stats(c.store, &st);
            if (st.put_bytes >= c.o.crash_after) {
                fprintf(stderr, "mqstorebench: %" PRId64 " bytes appended: kill -9 now\n",
                        st.put_bytes);
                raise(SIGKILL);
            }
            usleep(2000);
        }
    }
    bench_progress_loop(&c, &r);
    for (int i = 0; i < c.o.threads; i++)
        pthread_join(c.th[i].tid, NULL);

    /* Dispatch catch-up: from the last put's return to the last ConsumeQueue entry. */
    {
        int64_t last = c.start_ns, done;
        for (int i = 0; i < c.o.threads; i++)
            if (c.th[i].last_end_ns > last)
                last = c.th[i].last_end_ns;
        store_get_stats(c.store, &st);
        r.backlog_bytes = st.commitlog_max - st.dispatched;
        store_wait_dispatched(c.store);
        done = bench_mono_ns();
        r.lag_ms = (double)(done - last) / 1e6;
        r.run_s = (double)(last - c.start_ns) / 1e9;
        r.dispatch_all_s = (double)(done - c.start_ns) / 1e9;
    }
    store_get_stats(c.store, &st);
    r.put_bytes = st.put_bytes;
    r.commitlog_end = st.commitlog_max;

    hist = mq_xcalloc(BENCH_HIST_BUCKETS, sizeof(*hist));
    for (int i = 0; i < c.o.threads; i++) {
        bench_thread_t *t = &c.th[i];
        r.puts += atomic_load(&t->puts);
        r.msgs += atomic_load(&t->msgs_ok);
        r.fails += atomic_load(&t->fails);
        rt_sum += atomic_load(&t->rt_sum);
        if (atomic_load(&t->rt_max) > rt_max)
            rt_max = atomic_load(&t->rt_max);
        for (int b = 0; b < BENCH_HIST_BUCKETS; b++)
            hist[b] += t->hist[b];
    }
    hist_total = r.puts;
    r.p50_us = bench_hist_quantile(hist, hist_total, 0.50, rt_max) / 1e3;
    r.p99_us = bench_hist_quantile(hist, hist_total, 0.99, rt_max) / 1e3;
    r.p999_us = bench_hist_quantile(hist, hist_total, 0.999, rt_max) / 1e3;
    r.max_us = (double)rt_max / 1e3;
    r.avg_us = hist_total ? (double)rt_sum / (double)hist_total / 1e3 : 0;
    free(hist);

    bench_check(&c, base, &r);
    free(base);

    fprintf(stderr,
            "[Complete] Send Total: %" PRIu64 " | Send TPS: %.0f | Max RT(ms): %" PRIu64
            " | Average RT(ms): %7.3f | Send Failed: %" PRIu64 " | Response Failed: 0\n",
            r.msgs + r.fails * (uint64_t)c.o.batch, r.run_s > 0 ? (double)r.msgs / r.run_s : 0,
            rt_max / 1000000, r.avg_us / 1e3, r.fails);

    t0 = bench_mono_ns();
    store_close(c.store);
    r.close_ms = (double)(bench_mono_ns() - t0) / 1e6;
    for (int i = 0; i < c.o.threads; i++)
        bench_thread_fini(&c.th[i]);
    free(c.th);
    pthread_barrier_destroy(&c.start);

    if (c.o.json)
        bench_print_json(&c, &r);
    else
        bench_print_text(&c, &r);
    if (r.fails > 0 || bench_signalled)
        status = 1;
    if (r.cq_entries != (int64_t)r.msgs) {
        fprintf(stderr,
                "mqstorebench: ConsumeQueues gained %" PRId64 " entries for %" PRIu64 " messages\n",
                r.cq_entries, r.msgs);
        status = 1;
    }
    if (r.key_checked && (!r.key_found || !r.uniq_found)) {
        fprintf(stderr, "mqstorebench: the index did not find the last message's %s\n",
                !r.key_found ? "KEYS" : "UNIQ_KEY");
        status = 1;
    }
out:
    if (created && !c.o.keep)
        nftw(c.o.dir, bench_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    else if (!created && !c.o.keep && c.o.dir_given)
        fprintf(stderr, "mqstorebench: %s existed before the run: left in place\n", c.o.dir);
    else if (c.o.keep && !c.o.json)
        fprintf(stderr, "mqstorebench: store kept in %s\n", c.o.dir);
    return status;
}
