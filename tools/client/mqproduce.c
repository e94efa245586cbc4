/* SPDX-License-Identifier: Apache-2.0
 *
 * mqproduce.c -- a producer CLI on libmqclient: sends `count` messages to a topic, sync (one
 * line per message), async, one-way or in batches, optionally choosing the queue by key the
 * way SelectMessageQueueByHash does. Used by tools/client/tests/it_client.py.
 *
 *   mqproduce -n ns -t topic [-g group] [-c count] [-s size] [-k key] [-T tag]
 *             [-m sync|async|oneway|batch] [-b batch_size] [-q queue] [-p body_prefix]
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

static void
mqp_usage(void)
{
    fprintf(stderr,
            "usage: mqproduce [-n namesrv (NAMESRV_ADDR)] -t topic [-g group] [-c count] [-s size] "
            "[-k key] [-T tag] [-m sync|async|oneway|batch] [-b batch] [-q queue] "
            "[-p prefix]\n");
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
    mqc_producer_config_defaults(&cfg);
    cfg.group = "mqproduce";
    while ((opt = getopt(argc, argv, "n:t:g:c:s:k:T:m:b:q:p:h")) != -1) {
        switch (opt) {
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
