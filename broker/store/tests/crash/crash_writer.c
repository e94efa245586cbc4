/* SPDX-License-Identifier: Apache-2.0
 *
 * crash_writer.c -- the process the crash test kills (test program, not installed). It opens
 * a SYNC_FLUSH store with small segments and appends self-describing messages (crash_common.h)
 * from several threads to several queues with store_put_wait(), until it is killed or has
 * appended -n messages. It is not a checker: crash_check.c verifies what survives.
 *
 * Output on stdout, one write(2) per line:
 *   FLUSHED <offset>                                 from the flush hook: [0, offset) is durable
 *   ACK <topic> <qid> <queue_offset> <phys> <seq>    a put that store_put_wait() acknowledged
 *   READY <commitlog max>                            the store is open
 * The flush hook runs before the waiters it covers complete, so every ACK line follows a
 * FLUSHED line whose offset covers the message (the test's power-loss mode relies on it).
 *
 * usage: crash_writer <store dir> [-t threads] [-s first seq] [-b min body] [-B max body]
 *                     [-T topics] [-q queues per topic] [-n messages] [-r seed]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_common.h"
#include "mq/log.h"

#define CRASH_MAX_BATCH 4
#define CRASH_MAX_THREADS 32

typedef struct crash_writer_s {
    store_t *store;    /* the open store */
    int threads;       /* appender threads */
    int topics;        /* CrashT0 .. CrashT<topics-1> */
    int queues;        /* queue ids 0 .. queues-1 per topic */
    uint32_t min_body; /* body sizes, bytes */
    uint32_t max_body;
    uint64_t seed;             /* random choices */
    int64_t limit;             /* messages to append in all, 0 = until killed */
    _Atomic uint64_t next_seq; /* next sequence number to hand out */
    uint64_t end_seq;          /* first seq past the limit (limit > 0) */
    _Atomic int failed;        /* a put failed with something other than a timeout */
} crash_writer_t;

typedef struct crash_thread_s {
    crash_writer_t *w; /* shared state */
    int id;            /* thread number */
    pthread_t tid;
} crash_thread_t;

static void
crash_flush_hook(void *arg, int64_t flushed_offset)
{
    (void)arg;
    crash_line(STDOUT_FILENO, "FLUSHED %lld\n", (long long)flushed_offset);
}

/* Picks a body size: mostly small, some medium, a few large enough to roll a 1 MiB segment
 * after a handful of records. */
static uint32_t
crash_pick_size(crash_writer_t *w, uint64_t *rng)
{
    uint64_t r = crash_rand(rng) % 100;
    uint32_t lo = w->min_body, hi = w->max_body;
    if (r < 75)
        hi = MQ_MIN(hi, MQ_MAX(lo, 2048u));
    else if (r < 95)
        hi = MQ_MIN(hi, MQ_MAX(lo, 16384u));
    return lo + (uint32_t)(crash_rand(rng) % (uint64_t)(hi - lo + 1));
}

static void *
crash_thread_main(void *arg)
{
    crash_thread_t *t = arg;
    crash_writer_t *w = t->w;
    uint64_t rng = crash_seed(w->seed * 131 + (uint64_t)t->id);
    mq_msg_t msgs[CRASH_MAX_BATCH];
    uint8_t *bodies[CRASH_MAX_BATCH];
    char props[CRASH_MAX_BATCH][256], topics[CRASH_MAX_BATCH][32];
    uint64_t seqs[CRASH_MAX_BATCH];

    for (int i = 0; i < CRASH_MAX_BATCH; i++)
        bodies[i] = mq_xmalloc(w->max_body);
    while (!atomic_load(&w->failed)) {
        int n = crash_rand(&rng) % 4 == 0 ? 2 + (int)(crash_rand(&rng) % (CRASH_MAX_BATCH - 1)) : 1;
        int rc;
        for (int i = 0; i < n; i++) {
            mq_msg_t *m = &msgs[i];
            uint32_t len = crash_pick_size(w, &rng);
            uint64_t seq = atomic_fetch_add(&w->next_seq, 1);
            if (w->limit > 0 && seq >= w->end_seq) {
                n = i;
                break;
            }
            seqs[i] = seq;
            crash_body_fill(bodies[i], len, seq);
            snprintf(topics[i], sizeof(topics[i]), CRASH_TOPIC_FMT,
                     (int)(crash_rand(&rng) % (uint64_t)w->topics));
            memset(m, 0, sizeof(*m));
            m->topic = mq_str_from_cstr(topics[i]);
            m->queue_id = (int32_t)(crash_rand(&rng) % (uint64_t)w->queues);
            m->body = (mq_str_t){(const char *)bodies[i], len};
            m->props = (mq_str_t){props[i], crash_props(seq, props[i], sizeof(props[i]))};
            m->born_ts = mq_now_ms();
            m->born_host = (mq_host_t){{127, 0, 0, 1}, 40000 + t->id, 0};
        }
        if (n == 0)
            break;
        rc = store_put_wait(w->store, msgs, n);
        if (rc == MQ_OK) {
            for (int i = 0; i < n; i++)
                crash_line(STDOUT_FILENO, "ACK %.*s %d %lld %lld %llu\n", (int)msgs[i].topic.n,
                           msgs[i].topic.p, msgs[i].queue_id, (long long)msgs[i].queue_offset,
                           (long long)msgs[i].phys_offset, (unsigned long long)seqs[i]);
        } else if (rc != MQ_ETIMEDOUT) {
            /* Not acknowledged: the checker expects nothing of these. */
            crash_line(STDERR_FILENO, "crash_writer: store_put_wait: %s\n", mq_err_name(rc));
            atomic_store(&w->failed, 1);
        }
    }
    for (int i = 0; i < CRASH_MAX_BATCH; i++)
        free(bodies[i]);
    return NULL;
}

static int
crash_usage(void)
{
    fprintf(stderr, "usage: crash_writer <store dir> [-t threads] [-s first seq] [-b min body] "
                    "[-B max body] [-T topics] [-q queues] [-n messages] [-r seed]\n");
    return 2;
}

int
main(int argc, char **argv)
{
    crash_writer_t w;
    crash_thread_t th[CRASH_MAX_THREADS];
    store_config_t cfg;
    store_stats_t st;
    uint64_t first = 1;
    int opt, rc;

    memset(&w, 0, sizeof(w));
    w.threads = 4;
    w.topics = 2;
    w.queues = 4;
    w.min_body = 16;
    w.max_body = 128 * 1024;
    w.seed = (uint64_t)getpid();
    while ((opt = getopt(argc, argv, "t:s:b:B:T:q:n:r:")) != -1) {
        switch (opt) {
        case 't':
            w.threads = atoi(optarg);
            break;
        case 's':
            first = strtoull(optarg, NULL, 10);
            break;
        case 'b':
            w.min_body = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'B':
            w.max_body = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'T':
            w.topics = atoi(optarg);
            break;
        case 'q':
            w.queues = atoi(optarg);
            break;
        case 'n':
            w.limit = strtoll(optarg, NULL, 10);
            break;
        case 'r':
            w.seed = strtoull(optarg, NULL, 10);
            break;
        default:
            return crash_usage();
        }
    }
    if (optind + 1 != argc || w.threads < 1 || w.threads > CRASH_MAX_THREADS || w.topics < 1 ||
        w.queues < 1 || w.min_body < CRASH_BODY_MIN || w.max_body < w.min_body ||
        w.max_body > CRASH_SEGMENT_SIZE / (2 * CRASH_MAX_BATCH))
        return crash_usage();
    atomic_init(&w.next_seq, first);
    w.end_seq = first + (uint64_t)(w.limit > 0 ? w.limit : 0);

    mq_log_set_level(MQ_LOG_WARN);
    crash_config(&cfg, argv[optind]);
    rc = store_open(&cfg, &w.store);
    if (rc != MQ_OK) {
        fprintf(stderr, "crash_writer: store_open(%s): %s\n", argv[optind], mq_err_name(rc));
        return 1;
    }
    store_set_flush_hook(w.store, crash_flush_hook, NULL);
    store_get_stats(w.store, &st);
    crash_line(STDOUT_FILENO, "READY %lld\n", (long long)st.commitlog_max);

    for (int i = 0; i < w.threads; i++) {
        th[i].w = &w;
        th[i].id = i;
        if (pthread_create(&th[i].tid, NULL, crash_thread_main, &th[i]) != 0) {
            fprintf(stderr, "crash_writer: cannot start thread %d\n", i);
            return 1;
        }
    }
    for (int i = 0; i < w.threads; i++)
        pthread_join(th[i].tid, NULL);
    store_get_stats(w.store, &st);
    store_close(w.store);
    crash_line(STDOUT_FILENO, "CLOSED %lld\n", (long long)st.commitlog_max);
    return atomic_load(&w.failed) ? 1 : 0;
}
