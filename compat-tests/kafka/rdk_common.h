/* SPDX-License-Identifier: Apache-2.0
 *
 * rdk_common.h -- what the librdkafka compatibility programs (rdk_produce_consume.c,
 * rdk_group.c) share: case bookkeeping (`ok - name`, `not ok - name: why`, `skip - name: reason`
 * and the closing `N passed, N failed, N skipped`), the skip list (MQ_KAFKA_SKIP=a,b: cases the
 * broker does not support yet; run.py sets it and prints each reason), a log callback that keeps
 * librdkafka's log lines for inspection (feature list, "not compressing" warnings), and small
 * helpers. Header-only: each program is one translation unit.
 */
#ifndef RDK_COMMON_H
#define RDK_COMMON_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int rdk_passed, rdk_failed, rdk_skipped;
static int rdk_case_failures; /* FAIL lines of the running case */
static const char *rdk_case_name;

/* Starts a case; returns 0 when it is on the skip list (and says so). */
static inline int
rdk_case_begin(const char *name)
{
    const char *skip = getenv("MQ_KAFKA_SKIP");
    size_t n = strlen(name);

    rdk_case_name = name;
    rdk_case_failures = 0;
    if (skip && !getenv("MQ_KAFKA_NO_SKIP")) {
        const char *p = skip;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len == n && memcmp(p, name, n) == 0) {
                printf("skip - %s: on the skip list (MQ_KAFKA_SKIP)\n", name);
                fflush(stdout);
                rdk_skipped++;
                return 0;
            }
            p += len + (e ? 1 : 0);
        }
    }
    printf("# case %s\n", name);
    fflush(stdout);
    return 1;
}

/* One assertion inside the running case: prints a FAIL line when it does not hold. */
static inline int
rdk_check(int cond, const char *fmt, ...)
{
    va_list ap;

    if (cond)
        return 1;
    if (++rdk_case_failures > 30) {
        if (rdk_case_failures == 31)
            printf("FAIL: %s: (further failures of this case not shown)\n", rdk_case_name);
        return 0;
    }
    printf("FAIL: %s: ", rdk_case_name ? rdk_case_name : "?");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return 0;
}

/* Ends the running case: ok when no assertion failed. */
static inline int
rdk_case_end(void)
{
    if (rdk_case_failures == 0) {
        printf("ok - %s\n", rdk_case_name);
        rdk_passed++;
    } else {
        printf("not ok - %s: %d check(s) failed\n", rdk_case_name, rdk_case_failures);
        rdk_failed++;
    }
    fflush(stdout);
    return rdk_case_failures == 0;
}

static inline int
rdk_summary(const char *prog)
{
    printf("%s: %d passed, %d failed, %d skipped\n", prog, rdk_passed, rdk_failed, rdk_skipped);
    fflush(stdout);
    return rdk_failed ? 1 : 0;
}

static inline int64_t
rdk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- librdkafka's log lines, kept for inspection -------------------------------------- */

#define RDK_LOG_MAX 4096
static char *rdk_log_lines[RDK_LOG_MAX];
static int rdk_log_n;
static pthread_mutex_t rdk_log_mu = PTHREAD_MUTEX_INITIALIZER;

static inline void
rdk_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    pthread_mutex_lock(&rdk_log_mu);
    if (rdk_log_n < RDK_LOG_MAX) {
        size_t n = strlen(fac) + strlen(buf) + 4;
        char *s = malloc(n);
        if (s) {
            snprintf(s, n, "%s: %s", fac, buf);
            rdk_log_lines[rdk_log_n++] = s;
        }
    }
    pthread_mutex_unlock(&rdk_log_mu);
    if (level <= 4 || getenv("MQ_KAFKA_VERBOSE"))
        fprintf(stderr, "rdkafka %d %s: %s\n", level, fac, buf);
}

/* Index of the first kept log line at or after `from` containing `needle`, or -1. */
static inline int
rdk_log_find(int from, const char *needle)
{
    int i, found = -1;

    pthread_mutex_lock(&rdk_log_mu);
    for (i = from < 0 ? 0 : from; i < rdk_log_n; i++) {
        if (strstr(rdk_log_lines[i], needle)) {
            found = i;
            break;
        }
    }
    pthread_mutex_unlock(&rdk_log_mu);
    return found;
}

static inline int
rdk_log_count(void)
{
    int n;
    pthread_mutex_lock(&rdk_log_mu);
    n = rdk_log_n;
    pthread_mutex_unlock(&rdk_log_mu);
    return n;
}

static inline const char *
rdk_log_line(int i)
{
    const char *s;
    pthread_mutex_lock(&rdk_log_mu);
    s = i >= 0 && i < rdk_log_n ? rdk_log_lines[i] : "";
    pthread_mutex_unlock(&rdk_log_mu);
    return s;
}

static inline void
rdk_log_free(void)
{
    pthread_mutex_lock(&rdk_log_mu);
    for (int i = 0; i < rdk_log_n; i++)
        free(rdk_log_lines[i]);
    rdk_log_n = 0;
    pthread_mutex_unlock(&rdk_log_mu);
}

/* A configuration with the bootstrap, our log callback and the given "k=v" pairs (NULL-ended).
 * Exits on a bad property: that is a bug of the test, not of the broker. */
static inline rd_kafka_conf_t *
rdk_conf(const char *bootstrap, ...)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    va_list ap;
    const char *k;

    rd_kafka_conf_set_log_cb(conf, rdk_log_cb);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err)) != 0 ||
        rd_kafka_conf_set(conf, "broker.address.family", "v4", err, sizeof(err)) != 0) {
        fprintf(stderr, "conf: %s\n", err);
        exit(2);
    }
    va_start(ap, bootstrap);
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "conf %s=%s: %s\n", k, v, err);
            exit(2);
        }
    }
    va_end(ap);
    return conf;
}

static inline rd_kafka_t *
rdk_new(rd_kafka_type_t type, rd_kafka_conf_t *conf)
{
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", err);
        exit(2);
    }
    return rk;
}

/* Waits until the topic's metadata lists `want` partitions, each with a leader and no error.
 * Returns the partition count seen last (or -1 on error). */
static inline int
rdk_wait_partitions(rd_kafka_t *rk, const char *topic, int want, int timeout_ms)
{
    int64_t deadline = rdk_now_ms() + timeout_ms;
    int seen = -1;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);

    while (rdk_now_ms() < deadline) {
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata(rk, 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                int ok = 1;
                seen = md->topics[0].partition_cnt;
                for (int i = 0; i < seen; i++)
                    if (md->topics[0].partitions[i].err || md->topics[0].partitions[i].leader < 0)
                        ok = 0;
                if (ok && seen == want) {
                    rd_kafka_metadata_destroy(md);
                    break;
                }
            }
            rd_kafka_metadata_destroy(md);
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    rd_kafka_topic_destroy(rkt);
    return seen;
}

/* Creates `topic` with `partitions` partitions through the admin API (CreateTopics).
 * Returns the error (NO_ERROR, TOPIC_ALREADY_EXISTS, or why it failed) and the message. */
static inline rd_kafka_resp_err_t
rdk_create_topic(rd_kafka_t *rk, const char *topic, int partitions, char *why, size_t whylen)
{
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof(err));
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_resp_err_t res = RD_KAFKA_RESP_ERR__TIMED_OUT;

    snprintf(why, whylen, "no result");
    rd_kafka_AdminOptions_set_request_timeout(opt, 10000, err, sizeof(err));
    rd_kafka_AdminOptions_set_operation_timeout(opt, 10000, err, sizeof(err));
    rd_kafka_CreateTopics(rk, &nt, 1, opt, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    if (ev) {
        if (rd_kafka_event_error(ev)) {
            res = rd_kafka_event_error(ev);
            snprintf(why, whylen, "%s", rd_kafka_event_error_string(ev));
        } else {
            const rd_kafka_CreateTopics_result_t *r = rd_kafka_event_CreateTopics_result(ev);
            size_t n = 0;
            const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(r, &n);
            if (n == 1) {
                res = rd_kafka_topic_result_error(tr[0]);
                snprintf(why, whylen, "%s: %s", rd_kafka_err2name(res),
                         rd_kafka_topic_result_error_string(tr[0])
                             ? rd_kafka_topic_result_error_string(tr[0])
                             : "");
            } else {
                res = RD_KAFKA_RESP_ERR__BAD_MSG;
                snprintf(why, whylen, "%zu topic results", n);
            }
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return res;
}

#endif /* RDK_COMMON_H */
