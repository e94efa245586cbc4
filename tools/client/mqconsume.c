/* SPDX-License-Identifier: Apache-2.0
 *
 * mqconsume.c -- a push-consumer CLI on libmqclient: subscribes a group to a topic (clustering
 * or broadcasting) and prints one line per message, until it has seen the expected count, the
 * time is up, or SIGTERM/SIGINT (then it shuts down cleanly: offsets committed, client
 * unregistered). Used by tools/client/tests/it_client.py.
 *
 *   mqconsume -n ns -t topic -g group [--broadcast] [-e tag-expr] [-c expected] [-w seconds]
 *             [-f first|last] [-o offset-dir] [-i client-id] [-r rebalance-ms] [--pull]
 *             [-F n] [--orderly] [-L lock-ms] [--sleep-ms ms] [--timing] [--sql]
 *
 * --sql: -e is a SQL92 expression over the message properties (TAGS, KEYS, user properties),
 * evaluated by the broker (enablePropertyFilter=true; docs/filtering.md).
 * --orderly consumes as RocketMQ's MessageListenerOrderly: a queue only while this client holds
 * its broker lock, one message at a time (docs/ordered-consumption.md); -L sets how often its
 * locks are renewed (20000 ms). --sleep-ms makes the listener take that long per message;
 * --timing adds when the listener started and returned (wall clock, microseconds) to each
 * message line, so that tests can check that no two consumers of a group were inside one queue
 * at the same time.
 *
 * --pull uses the pull consumer instead (mqc_pull_*): every queue from the group's committed
 * offset (0 when none), long polls of 1 s, offsets committed at the end.
 *
 * Output: `queueId offset msgId tags keys body` per message (with --timing: `queueId offset msgId
 * tags keys start_us end_us body`); `ASSIGNED b:q b:q ...` whenever
 * the owned queues change (the topic's, not the retry topic's); `RETRY queueId offset msgId` for
 * each of the first n deliveries that -F makes the listener refuse (they come again, through the
 * group's retry topic); last line `consumed N`. Exit 0 when -c was reached
 * (or not given).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mqc.h"

static volatile sig_atomic_t mqs_stop;

typedef struct mqs_state_s {
    pthread_mutex_t lock; /* count and stdout */
    long count;           /* messages consumed */
    int fail_left;        /* -F: deliveries still to refuse (RECONSUME_LATER) */
    int sleep_ms;         /* --sleep-ms: time the listener takes per message */
    int timing;           /* --timing: print start and end of each listener call */
} mqs_state_t;

static void
mqs_on_signal(int sig)
{
    (void)sig;
    mqs_stop = 1;
}

/* Wall-clock microseconds (comparable across processes). */
static long long
mqs_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
mqs_listener(void *arg, const mqc_received_t *m)
{
    mqs_state_t *s = arg;
    int n = (int)(m->body_len > 200 ? 200 : m->body_len);
    long long start = mqs_now_us(), end;
    if (s->sleep_ms > 0) {
        struct timespec ts = {s->sleep_ms / 1000, (long)(s->sleep_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    end = mqs_now_us();
    pthread_mutex_lock(&s->lock);
    if (s->fail_left > 0) {
        s->fail_left--;
        printf("RETRY %d %lld %s\n", m->queue_id, (long long)m->queue_offset, m->msg_id);
        pthread_mutex_unlock(&s->lock);
        return 1;
    }
    if (s->timing)
        printf("%d %lld %s %s %s %lld %lld %.*s\n", m->queue_id, (long long)m->queue_offset,
               m->msg_id, *m->tags ? m->tags : "-", *m->keys ? m->keys : "-", start, end, n,
               (const char *)m->body);
    else
        printf("%d %lld %s %s %s %.*s\n", m->queue_id, (long long)m->queue_offset, m->msg_id,
               *m->tags ? m->tags : "-", *m->keys ? m->keys : "-", n, (const char *)m->body);
    s->count++;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* The --pull mode: returns the exit status. */
static int
mqs_pull_main(const mqc_push_config_t *cfg, long expected, int wait_s, mqs_state_t *st)
{
    mqc_pull_t *c;
    mq_pool_t qpool;
    mqc_mq_t *mqs;
    int64_t *offs, deadline = mq_now_ms() + (int64_t)wait_s * 1000;
    int n = 0, rc;
    char err[256];
    if (mqc_pull_new(cfg->namesrv, cfg->group, &c, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqconsume: %s\n", err);
        return 1;
    }
    mq_pool_init(&qpool, 0);
    rc = mqc_pull_queues(c, cfg->topic, &mqs, &n, &qpool);
    if (rc != MQ_OK || n == 0) {
        fprintf(stderr, "mqconsume: no queues for %s: %s\n", cfg->topic, mq_err_text(rc));
        mq_pool_fini(&qpool);
        mqc_pull_free(c);
        return 1;
    }
    offs = calloc((size_t)n, sizeof(*offs));
    for (int i = 0; i < n; i++)
        if (mqc_pull_fetch_offset(c, &mqs[i], &offs[i]) != MQ_OK || offs[i] < 0)
            offs[i] = 0;
    while (!mqs_stop && mq_now_ms() < deadline && (expected < 0 || st->count < expected)) {
        for (int i = 0; i < n && !mqs_stop; i++) {
            mq_pool_t pool;
            mqc_pull_result_t r;
            mq_pool_init(&pool, 0);
            if (mqc_pull(c, &mqs[i], cfg->sub_expr, offs[i], 32, n == 1 ? 1000 : 100, &pool, &r) ==
                MQ_OK) {
                for (int k = 0; k < r.n_msgs; k++)
                    (void)mqs_listener(st, &r.msgs[k]);
                if (r.next_offset >= 0)
                    offs[i] = r.next_offset;
            }
            mq_pool_fini(&pool);
        }
    }
    for (int i = 0; i < n; i++)
        (void)mqc_pull_commit_offset(c, &mqs[i], offs[i]);
    free(offs);
    mq_pool_fini(&qpool);
    mqc_pull_free(c);
    printf("consumed %ld\n", st->count);
    return expected < 0 || st->count >= expected ? 0 : 1;
}

static void
mqs_usage(void)
{
    fprintf(
        stderr,
        "usage: mqconsume [-n namesrv (NAMESRV_ADDR)] -t topic -g group [--broadcast] [-e expr] "
        "[-c expected] [-w seconds] [-f first|last] [-o offset-dir] [-i client-id] "
        "[-r rebalance-ms] [--pull] [-F fail-n] [--orderly] [-L lock-ms] [--sleep-ms ms] "
        "[--timing] [--sql]\n");
}

int
main(int argc, char **argv)
{
    static const struct option longs[] = {{"broadcast", no_argument, NULL, 'B'},
                                          {"pull", no_argument, NULL, 'P'},
                                          {"orderly", no_argument, NULL, 'O'},
                                          {"sleep-ms", required_argument, NULL, 'S'},
                                          {"timing", no_argument, NULL, 'M'},
                                          {"sql", no_argument, NULL, 'Q'},
                                          {NULL, 0, NULL, 0}};
    mqc_push_config_t cfg;
    mqc_push_t *c;
    mqs_state_t st = {.lock = PTHREAD_MUTEX_INITIALIZER};
    long expected = -1;
    int wait_s = 30, opt, pull_mode = 0;
    char err[256], last_assigned[4096] = "";
    int64_t deadline;
    struct sigaction sa;
    mqc_push_config_defaults(&cfg);
    cfg.from = MQC_FROM_FIRST_OFFSET;
    cfg.rebalance_interval_ms = 2000;
    while ((opt = getopt_long(argc, argv, "n:t:g:e:c:w:f:o:i:r:F:L:h", longs, NULL)) != -1) {
        switch (opt) {
        case 'n':
            cfg.namesrv = optarg;
            break;
        case 't':
            cfg.topic = optarg;
            break;
        case 'g':
            cfg.group = optarg;
            break;
        case 'e':
            cfg.sub_expr = optarg;
            break;
        case 'c':
            expected = atol(optarg);
            break;
        case 'w':
            wait_s = atoi(optarg);
            break;
        case 'f':
            cfg.from = strcmp(optarg, "last") == 0 ? MQC_FROM_LAST_OFFSET : MQC_FROM_FIRST_OFFSET;
            break;
        case 'o':
            cfg.offset_store_dir = optarg;
            break;
        case 'i':
            cfg.client_id = optarg;
            break;
        case 'r':
            cfg.rebalance_interval_ms = atoi(optarg);
            break;
        case 'B':
            cfg.model = MQC_BROADCASTING;
            break;
        case 'P':
            pull_mode = 1;
            break;
        case 'F':
            st.fail_left = atoi(optarg);
            break;
        case 'O':
            cfg.orderly = 1;
            break;
        case 'Q':
            cfg.sub_type = "SQL92";
            break;
        case 'L':
            cfg.lock_interval_ms = atoi(optarg);
            break;
        case 'S':
            st.sleep_ms = atoi(optarg);
            break;
        case 'M':
            st.timing = 1;
            break;
        default:
            mqs_usage();
            return 2;
        }
    }
    if (!cfg.topic || !cfg.group) {
        mqs_usage();
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = mqs_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (pull_mode)
        return mqs_pull_main(&cfg, expected, wait_s, &st);
    if (mqc_push_start(&cfg, mqs_listener, &st, &c, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqconsume: %s\n", err);
        return 1;
    }
    deadline = mq_now_ms() + (int64_t)wait_s * 1000;
    while (!mqs_stop && mq_now_ms() < deadline) {
        struct timespec ts = {0, 50 * 1000000L};
        mq_pool_t pool;
        mqc_mq_t *mqs;
        int n;
        char line[4096] = "ASSIGNED";
        long count;
        mq_pool_init(&pool, 0);
        mqc_push_assigned(c, &mqs, &n, &pool);
        for (int i = 0; i < n; i++) {
            size_t len = strlen(line);
            if (strcmp(mqs[i].topic, cfg.topic) != 0)
                continue; /* the group's %RETRY% queues */
            snprintf(line + len, sizeof(line) - len, " %s:%d", mqs[i].broker_name, mqs[i].queue_id);
        }
        mq_pool_fini(&pool);
        if (strcmp(line, last_assigned) != 0) {
            pthread_mutex_lock(&st.lock);
            printf("%s\n", line);
            pthread_mutex_unlock(&st.lock);
            snprintf(last_assigned, sizeof(last_assigned), "%s", line);
        }
        pthread_mutex_lock(&st.lock);
        count = st.count;
        pthread_mutex_unlock(&st.lock);
        if (expected >= 0 && count >= expected)
            break;
        nanosleep(&ts, NULL);
    }
    mqc_push_shutdown(c);
    printf("consumed %ld\n", st.count);
    return expected < 0 || st.count >= expected ? 0 : 1;
}
