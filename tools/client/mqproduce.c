/* SPDX-License-Identifier: Apache-2.0
 *
 * mqproduce.c -- a producer CLI on libmqclient: sends `count` messages to a topic, sync (one
 * line per message), async, one-way or in batches, optionally choosing the queue by key the
 * way SelectMessageQueueByHash does. Used by tools/client/tests/it_client.py.
 *
 *   mqproduce -n ns -t topic [-g group] [-c count] [-s size] [-k key] [-T tag]
 *             [-m sync|async|oneway|batch] [-b batch_size] [-q queue] [-p body_prefix]
 *             [--txn commit|rollback|unknown] [--check-answer commit|rollback|unknown]
 *             [--checks N] [--linger ms] [--heartbeat ms] [--delay-level L] [--deliver-in-ms ms]
 *
 * --txn sends transactional messages (mqc_txn.h): each one as a half message whose local
 * transaction ends with the given outcome; the producer then stays up to answer the broker's
 * checks with --check-answer (printing `CHECK msgId topic -> answer`) until --checks were
 * answered or --linger ms passed. With -c 0 it only answers checks for the topic's brokers
 * (a producer of the group restarted after a crash). Output per message: the SEND_OK line plus
 * ` TXN outcome`; last line `sent N failed M checks K`.
 *
 * --delay-level sends with DELAY=L (a level of messageDelayLevel); --deliver-in-ms with
 * TIMER_DELIVER_MS = the send time + ms (docs/delay-retry.md).
 *
 * Output (sync and batch): `SEND_OK msgId offsetMsgId brokerName queueId queueOffset`; last line
 * `sent N failed M`. Exit status 0 when every message was sent.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqc.h"
#include "mqc_txn.h"

typedef struct mqp_async_s {
    pthread_mutex_t lock; /* counters */
    int ok;               /* completed with SEND_OK */
    int failed;           /* completed with an error */
} mqp_async_t;

static void
mqp_async_cb(void *arg, int status, const mqc_send_result_t *res)
{
    mqp_async_t *a = arg;
    pthread_mutex_lock(&a->lock);
    if (status == MQ_OK) {
        a->ok++;
        printf("SEND_OK %s %s %s %d %lld\n", res->msg_id, res->offset_msg_id, res->broker_name,
               res->queue_id, (long long)res->queue_offset);
    } else {
        a->failed++;
    }
    pthread_mutex_unlock(&a->lock);
}

/* ---- Transactional messages (--txn) ---- */

typedef struct mqp_txn_s {
    mqc_txn_state_t local; /* --txn: every local transaction's outcome */
    mqc_txn_state_t check; /* --check-answer */
} mqp_txn_t;

static int
mqp_txn_state(const char *s, mqc_txn_state_t *out)
{
    if (strcmp(s, "commit") == 0)
        *out = MQC_TXN_COMMIT;
    else if (strcmp(s, "rollback") == 0)
        *out = MQC_TXN_ROLLBACK;
    else if (strcmp(s, "unknown") == 0)
        *out = MQC_TXN_UNKNOWN;
    else
        return -1;
    return 0;
}

static const char *
mqp_txn_name(mqc_txn_state_t s)
{
    return s == MQC_TXN_COMMIT ? "commit" : s == MQC_TXN_ROLLBACK ? "rollback" : "unknown";
}

static mqc_txn_state_t
mqp_txn_local(void *arg, const mqc_message_t *msg, const mqc_send_result_t *half)
{
    (void)msg;
    (void)half;
    return ((mqp_txn_t *)arg)->local;
}

static mqc_txn_state_t
mqp_txn_check(void *arg, const mqc_received_t *msg)
{
    mqc_txn_state_t s = ((mqp_txn_t *)arg)->check;
    printf("CHECK %s %s -> %s\n", msg->msg_id, msg->topic, mqp_txn_name(s));
    fflush(stdout);
    return s;
}

/* --txn: sends msgs[0..count) as transactional messages, then answers checks. */
static int
mqp_txn_run(const mqc_producer_config_t *pc, mqp_txn_t *tx, const mqc_message_t *msgs, int count,
            int queue, int64_t want_checks, int linger_ms, int hb_ms)
{
    mqc_txn_config_t cfg;
    mqc_txn_producer_t *tp;
    int ok = 0, failed = 0;
    int64_t checks;
    char err[256];

    mqc_txn_config_defaults(&cfg);
    cfg.namesrv = pc->namesrv;
    cfg.group = pc->group;
    cfg.check = mqp_txn_check;
    cfg.check_arg = tx;
    if (hb_ms > 0)
        cfg.heartbeat_interval_ms = hb_ms;
    if (mqc_txn_producer_new(&cfg, &tp, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqproduce: %s\n", err);
        return 1;
    }
    if (count == 0 && mqc_txn_producer_watch(tp, msgs[0].topic, err, sizeof(err)) != MQ_OK)
        fprintf(stderr, "mqproduce: %s\n", err);
    for (int i = 0; i < count; i++) {
        mqc_send_result_t res;
        mqc_txn_state_t st;
        if (mqc_txn_send(tp, &msgs[i], queue, mqp_txn_local, tx, &res, &st, err, sizeof(err)) !=
            MQ_OK) {
            fprintf(stderr, "mqproduce: send %d: %s\n", i, err);
            failed++;
            continue;
        }
        printf("SEND_OK %s %s %s %d %lld TXN %s\n", res.msg_id, res.offset_msg_id, res.broker_name,
               res.queue_id, (long long)res.queue_offset, mqp_txn_name(st));
        fflush(stdout);
        ok++;
    }
    checks = mqc_txn_checks_wait(tp, want_checks > 0 ? want_checks : INT64_MAX,
                                 want_checks > 0 || linger_ms > 0 ? linger_ms : 0);
    mqc_txn_producer_free(tp);
    printf("sent %d failed %d checks %lld\n", ok, failed, (long long)checks);
    return failed ? 1 : 0;
}

static void
mqp_usage(void)
{
    fprintf(stderr,
            "usage: mqproduce [-n namesrv (NAMESRV_ADDR)] -t topic [-g group] [-c count] [-s size] "
            "[-k key] [-T tag] [-m sync|async|oneway|batch] [-b batch] [-q queue] "
            "[-p prefix] [--txn commit|rollback|unknown] [--check-answer commit|rollback|unknown] "
            "[--checks N] [--linger ms] [--heartbeat ms] [--delay-level L] [--deliver-in-ms ms]\n");
}

int
main(int argc, char **argv)
{
    mqc_producer_config_t cfg;
    mqc_producer_t *p;
    const char *topic = NULL, *key = NULL, *tag = NULL, *mode = "sync", *prefix = "msg-";
    int count = 1, size = 0, batch = 10, queue = -1, opt, ok = 0, failed = 0;
    char err[256], *body;
    mqc_message_t *msgs;
    mqp_async_t as = {.lock = PTHREAD_MUTEX_INITIALIZER};
    static const struct option longopts[] = {{"txn", required_argument, NULL, 1000},
                                             {"check-answer", required_argument, NULL, 1001},
                                             {"checks", required_argument, NULL, 1002},
                                             {"linger", required_argument, NULL, 1003},
                                             {"heartbeat", required_argument, NULL, 1004},
                                             {"delay-level", required_argument, NULL, 1100},
                                             {"deliver-in-ms", required_argument, NULL, 1101},
                                             {NULL, 0, NULL, 0}};
    int delay_level = 0;    /* --delay-level: DELAY (docs/delay-retry.md) */
    int64_t deliver_in = 0; /* --deliver-in-ms: TIMER_DELIVER_MS = send time + this */
    mqp_txn_t tx = {MQC_TXN_COMMIT, MQC_TXN_UNKNOWN};
    int txn = 0, linger_ms = 0, hb_ms = 0;
    int64_t want_checks = 0;
    mqc_producer_config_defaults(&cfg);
    cfg.group = "mqproduce";
    while ((opt = getopt_long(argc, argv, "n:t:g:c:s:k:T:m:b:q:p:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 1000:
            txn = 1;
            if (mqp_txn_state(optarg, &tx.local) != 0) {
                mqp_usage();
                return 2;
            }
            break;
        case 1001:
            if (mqp_txn_state(optarg, &tx.check) != 0) {
                mqp_usage();
                return 2;
            }
            break;
        case 1002:
            want_checks = atoll(optarg);
            break;
        case 1003:
            linger_ms = atoi(optarg);
            break;
        case 1004:
            hb_ms = atoi(optarg);
            break;
        case 'n':
            cfg.namesrv = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'g':
            cfg.group = optarg;
            break;
        case 'c':
            count = atoi(optarg);
            break;
        case 's':
            size = atoi(optarg);
            break;
        case 'k':
            key = optarg;
            break;
        case 'T':
            tag = optarg;
            break;
        case 'm':
            mode = optarg;
            break;
        case 'b':
            batch = atoi(optarg);
            break;
        case 'q':
            queue = atoi(optarg);
            break;
        case 'p':
            prefix = optarg;
            break;
        case 1100:
            delay_level = atoi(optarg);
            break;
        case 1101:
            deliver_in = atoll(optarg);
            break;
        default:
            mqp_usage();
            return 2;
        }
    }
    if (!topic || count < 0 || size < 0 || batch <= 0) {
        mqp_usage();
        return 2;
    }
    if (mqc_producer_new(&cfg, &p, err, sizeof(err)) != MQ_OK) {
        fprintf(stderr, "mqproduce: %s\n", err);
        return 1;
    }
    if (key && queue < 0) {
        int n = 0;
        if (mqc_producer_queue_count(p, topic, &n) != MQ_OK || n <= 0) {
            fprintf(stderr, "mqproduce: no route for %s\n", topic);
            mqc_producer_free(p);
            return 1;
        }
        queue = mqc_queue_for_key(key, n);
    }
    body = calloc((size_t)count, (size_t)size + 32);
    msgs = calloc((size_t)(count ? count : 1), sizeof(*msgs));
    for (int i = 0; i < count; i++) {
        char *b = body + (size_t)i * ((size_t)size + 32);
        int n = snprintf(b, 32, "%s%d", prefix, i);
        if (size > n) {
            memset(b + n, 'x', (size_t)(size - n));
            n = size;
        }
        msgs[i] = (mqc_message_t){
            .topic = topic, .tags = tag, .keys = key, .body = b, .body_len = (size_t)n};
        msgs[i].delay_level = delay_level;
        msgs[i].deliver_ms = deliver_in > 0 ? mq_now_ms() + deliver_in : 0;
    }
    if (txn) { /* --txn: mqp_txn_run */
        int rc;
        mqc_producer_free(p);
        msgs[0].topic = topic; /* -c 0: the topic whose brokers' checks it answers */
        rc = mqp_txn_run(&cfg, &tx, msgs, count, queue, want_checks,
                         want_checks > 0 && linger_ms <= 0 ? 60000 : linger_ms, hb_ms);
        free(body);
        free(msgs);
        return rc;
    }
    for (int i = 0; i < count;) {
        mqc_send_result_t res;
        int rc, k = 1;
        if (strcmp(mode, "batch") == 0) {
            k = count - i < batch ? count - i : batch;
            rc = mqc_producer_send_batch(p, msgs + i, k, queue, &res, err, sizeof(err));
        } else if (strcmp(mode, "async") == 0) {
            rc = mqc_producer_send_async(p, msgs + i, queue, mqp_async_cb, &as);
            if (rc != MQ_OK)
                snprintf(err, sizeof(err), "%s", mq_err_text(rc));
        } else if (strcmp(mode, "oneway") == 0) {
            rc = mqc_producer_send_oneway(p, msgs + i, queue);
            if (rc != MQ_OK)
                snprintf(err, sizeof(err), "%s", mq_err_text(rc));
        } else {
            rc = mqc_producer_send(p, msgs + i, queue, &res, err, sizeof(err));
        }
        if (rc != MQ_OK) {
            fprintf(stderr, "mqproduce: send %d: %s\n", i, err);
            failed += k;
        } else if (strcmp(mode, "sync") == 0 || strcmp(mode, "batch") == 0) {
            printf("SEND_OK %s %s %s %d %lld\n", res.msg_id, res.offset_msg_id, res.broker_name,
                   res.queue_id, (long long)res.queue_offset);
            ok += k;
        } else if (strcmp(mode, "oneway") == 0) {
            ok += k;
        }
        i += k;
    }
    mqc_producer_free(p); /* waits for the async completions */
    if (strcmp(mode, "async") == 0) {
        ok += as.ok;
        failed += as.failed;
    }
    printf("sent %d failed %d\n", ok, failed);
    free(body);
    free(msgs);
    return failed ? 1 : 0;
}
