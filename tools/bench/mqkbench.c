/* SPDX-License-Identifier: Apache-2.0
 *
 * mqkbench.c -- the Kafka front-end benchmark, driven by librdkafka (a benchmark, not a test;
 * built only when pkg-config finds rdkafka).
 *
 *   mqkbench produce -b host:port -t topic [-n msgs] [-s size] [--acks 1|all|0] [--linger ms]
 *                    [--compression none|gzip|snappy|lz4|zstd] [--partitions N] [--rate R]
 *                    [--warmup n] [--max-inflight N]
 *   mqkbench consume -b host:port -t topic [-n msgs] [--timeout s]
 *
 * produce sends as fast as librdkafka accepts (or at --rate R msg/s, paced against the clock)
 * and prints one line: msgs/s, MB/s and the delivery latency percentiles (send call to delivery
 * report). The send time of message i is kept in a table of n entries allocated once, indexed
 * by the message's opaque; the delivery callback turns it into a latency, and the table is
 * sorted at the end. --partitions N creates the topic with N partitions first (CreateTopics;
 * an existing topic is kept). --warmup messages (default 1000) are sent and flushed before the
 * clock starts, so metadata and connection set-up are not counted. --max-inflight sets
 * max.in.flight.requests.per.connection (default 5, the Java client's; librdkafka's own default
 * is 1000000).
 *
 * consume assigns every partition of the topic from the beginning (no group coordination) and
 * reads n messages, printing msgs/s and MB/s from the assignment and from the first message.
 *
 * The tool allocates nothing per message; librdkafka does its own (one allocation per produced
 * message with RD_KAFKA_MSG_F_COPY).
 */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct kb_opts_s {
    const char *brokers;
    const char *topic;
    const char *acks;
    const char *compression;
    long n;
    long size;
    long linger_ms;
    long partitions;
    long rate;
    long max_inflight;
    long warmup;
    long timeout_s;
} kb_opts_t;

typedef struct kb_prod_s {
    int64_t *lat;   /* send time in ns, then latency in ns, per message (index = opaque) */
    long n;         /* messages measured */
    long delivered; /* reports received, measured messages only */
    long failed;
    int64_t last_ns; /* time of the last delivery report */
} kb_prod_t;

static int64_t
kb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
kb_die(const char *what, const char *why)
{
    fprintf(stderr, "mqkbench: %s: %s\n", what, why);
    exit(1);
}

static void
kb_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char err[512];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        kb_die(name, err);
}

static void
kb_conf_setl(rd_kafka_conf_t *conf, const char *name, long value)
{
    char v[32];
    snprintf(v, sizeof(v), "%ld", value);
    kb_conf_set(conf, name, v);
}

static int
kb_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v[0..n), in microseconds. */
static double
kb_pct_us(const int64_t *v, long n, double q)
{
    long i;
    if (n <= 0)
        return 0;
    i = (long)(q * (double)n);
    if (i >= n)
        i = n - 1;
    return (double)v[i] / 1000.0;
}

/* Delivery report: a measured message's opaque is its index + 1 (0 marks warm-up). */
static void
kb_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    kb_prod_t *p = opaque;
    uintptr_t idx = (uintptr_t)m->_private;
    int64_t now = kb_now_ns();
    (void)rk;
    if (idx == 0)
        return;
    if (m->err) {
        if (p->failed++ < 5)
            fprintf(stderr, "mqkbench: delivery failed: %s\n", rd_kafka_err2str(m->err));
        p->lat[idx - 1] = -1;
        return;
    }
    p->lat[idx - 1] = now - p->lat[idx - 1];
    p->delivered++;
    p->last_ns = now;
}

static void
kb_create_topic(rd_kafka_t *rk, const kb_opts_t *o)
{
    char err[512];
    rd_kafka_NewTopic_t *nt =
        rd_kafka_NewTopic_new(o->topic, (int)o->partitions, 1, err, sizeof(err));
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_event_t *ev;
    if (!nt)
        kb_die("NewTopic", err);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    ev = rd_kafka_queue_poll(q, 15000);
    if (!ev)
        kb_die("CreateTopics", "no answer in 15 s");
    if (rd_kafka_event_error(ev))
        kb_die("CreateTopics", rd_kafka_event_error_string(ev));
    {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t cnt;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &cnt);
        for (size_t i = 0; i < cnt; i++) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
            if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                kb_die("CreateTopics", rd_kafka_err2str(e));
        }
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
}

/* Sends one message, waiting while the local queue is full. */
static void
kb_send(rd_kafka_t *rk, rd_kafka_topic_t *rkt, void *payload, size_t len, uintptr_t opaque)
{
    for (;;) {
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, len, NULL, 0,
                             (void *)opaque) == 0)
            return;
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            kb_die("produce", rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_poll(rk, 1);
    }
}

static void
kb_sleep_until(int64_t t)
{
    int64_t now = kb_now_ns();
    if (t - now > 60000) { /* sleep coarse, spin the last ~60 us */
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(t - now - 50000)};
        nanosleep(&ts, NULL);
    }
    while (kb_now_ns() < t)
        ;
}

static int
kb_produce(const kb_opts_t *o)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    kb_prod_t p = {0};
    char *payload;
    int64_t t0, t1;
    long i, ok;
    double secs;

    kb_conf_set(conf, "bootstrap.servers", o->brokers);
    kb_conf_set(conf, "acks", !strcmp(o->acks, "all") ? "-1" : o->acks);
    kb_conf_setl(conf, "linger.ms", o->linger_ms);
    kb_conf_set(conf, "compression.codec", o->compression);
    kb_conf_set(conf, "queue.buffering.max.messages", "2000000");
    kb_conf_set(conf, "queue.buffering.max.kbytes", "2097151");
    kb_conf_set(conf, "batch.num.messages", "10000");
    kb_conf_set(conf, "batch.size", "1000000");
    kb_conf_set(conf, "message.max.bytes", "4000000");
    kb_conf_set(conf, "enable.idempotence", "false");
    kb_conf_setl(conf, "max.in.flight.requests.per.connection", o->max_inflight);
    if (o->rate > 0)
        kb_conf_set(conf, "socket.nagle.disable", "true");
    rd_kafka_conf_set_dr_msg_cb(conf, kb_dr_cb);
    rd_kafka_conf_set_opaque(conf, &p);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk)
        kb_die("rd_kafka_new", err);
    if (o->partitions > 0)
        kb_create_topic(rk, o);
    rkt = rd_kafka_topic_new(rk, o->topic, NULL);

    payload = malloc((size_t)o->size + 1);
    p.lat = malloc((size_t)o->n * sizeof(*p.lat));
    if (!payload || !p.lat)
        kb_die("malloc", strerror(errno));
    memset(payload, 'x', (size_t)o->size);
    memset(p.lat, 0, (size_t)o->n * sizeof(*p.lat)); /* touch the pages before the clock */
    p.n = o->n;

    for (i = 0; i < o->warmup; i++)
        kb_send(rk, rkt, payload, (size_t)o->size, 0);
    if (rd_kafka_flush(rk, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        kb_die("warm-up", "flush timed out");

    t0 = kb_now_ns();
    for (i = 0; i < o->n; i++) {
        if (o->rate > 0) {
            kb_sleep_until(t0 + (int64_t)((double)i * 1e9 / (double)o->rate));
            p.lat[i] = kb_now_ns();
            kb_send(rk, rkt, payload, (size_t)o->size, (uintptr_t)i + 1);
            rd_kafka_poll(rk, 0);
        } else {
            p.lat[i] = kb_now_ns();
            kb_send(rk, rkt, payload, (size_t)o->size, (uintptr_t)i + 1);
            if ((i & 1023) == 0)
                rd_kafka_poll(rk, 0);
        }
    }
    t1 = kb_now_ns();
    if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        fprintf(stderr, "mqkbench: flush timed out, %d messages left\n", rd_kafka_outq_len(rk));

    /* Latencies of delivered messages, sorted (failed ones are -1, undelivered are send times:
     * both are dropped). */
    ok = 0;
    for (i = 0; i < o->n; i++)
        if (p.lat[i] >= 0 && p.lat[i] < (int64_t)600 * 1000000000)
            p.lat[ok++] = p.lat[i];
    qsort(p.lat, (size_t)ok, sizeof(*p.lat), kb_cmp_i64);
    secs = (double)((p.last_ns > t0 ? p.last_ns : t1) - t0) / 1e9;
    printf("produce: n=%ld size=%ld acks=%s linger=%ld compression=%s rate=%ld | "
           "%.0f msg/s %.2f MB/s (send loop %.0f msg/s) | latency us p50=%.0f p99=%.0f "
           "p999=%.0f max=%.0f | delivered=%ld failed=%ld\n",
           o->n, o->size, o->acks, o->linger_ms, o->compression, o->rate,
           (double)p.delivered / secs, (double)p.delivered * (double)o->size / secs / 1e6,
           (double)o->n / ((double)(t1 - t0) / 1e9), kb_pct_us(p.lat, ok, 0.5),
           kb_pct_us(p.lat, ok, 0.99), kb_pct_us(p.lat, ok, 0.999),
           ok ? (double)p.lat[ok - 1] / 1000.0 : 0.0, p.delivered, p.failed);
    free(payload);
    free(p.lat);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return p.delivered == o->n ? 0 : 1;
}

static int
kb_consume(const kb_opts_t *o)
{
    char err[512], group[64];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_partition_list_t *parts;
    rd_kafka_queue_t *q;
    rd_kafka_message_t *batch[1024];
    long got = 0, errs = 0;
    uint64_t bytes = 0;
    int64_t t0, tfirst = 0, tlast = 0, idle_since;
    int np;

    snprintf(group, sizeof(group), "mqkbench-%ld", (long)getpid());
    kb_conf_set(conf, "bootstrap.servers", o->brokers);
    kb_conf_set(conf, "group.id", group);
    kb_conf_set(conf, "enable.auto.commit", "false");
    kb_conf_set(conf, "enable.partition.eof", "false");
    kb_conf_set(conf, "fetch.wait.max.ms", "100");
    kb_conf_set(conf, "fetch.min.bytes", "1");
    kb_conf_set(conf, "fetch.max.bytes", "52428800");
    kb_conf_set(conf, "fetch.message.max.bytes", "4194304");
    kb_conf_set(conf, "queued.min.messages", "1000000");
    kb_conf_set(conf, "queued.max.messages.kbytes", "1048576");
    kb_conf_set(conf, "check.crcs", "false");
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk)
        kb_die("rd_kafka_new", err);
    rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 15000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topic_cnt != 1 || md->topics[0].err)
        kb_die("metadata", "the topic is unknown");
    np = md->topics[0].partition_cnt;
    parts = rd_kafka_topic_partition_list_new(np);
    for (int i = 0; i < np; i++)
        rd_kafka_topic_partition_list_add(parts, o->topic, md->topics[0].partitions[i].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);

    q = rd_kafka_queue_get_consumer(rk);
    t0 = idle_since = kb_now_ns();
    if (rd_kafka_assign(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        kb_die("assign", "failed");
    while (got < o->n) {
        ssize_t k = rd_kafka_consume_batch_queue(q, 100, batch, 1024);
        int64_t now = kb_now_ns();
        if (k <= 0) {
            if (now - idle_since > (int64_t)o->timeout_s * 1000000000) {
                fprintf(stderr, "mqkbench: nothing for %ld s, stopping at %ld\n", o->timeout_s,
                        got);
                break;
            }
            continue;
        }
        idle_since = now;
        for (ssize_t i = 0; i < k; i++) {
            if (batch[i]->err) {
                if (errs++ < 5)
                    fprintf(stderr, "mqkbench: consume error: %s\n",
                            rd_kafka_message_errstr(batch[i]));
            } else {
                got++;
                bytes += batch[i]->len;
            }
            rd_kafka_message_destroy(batch[i]);
        }
        if (!tfirst)
            tfirst = now;
        tlast = now;
    }
    {
        double all = (double)((tlast ? tlast : kb_now_ns()) - t0) / 1e9;
        double data = tfirst && tlast > tfirst ? (double)(tlast - tfirst) / 1e9 : all;
        printf("consume: n=%ld partitions=%d | %.0f msg/s %.2f MB/s (from assign) | %.0f msg/s "
               "%.2f MB/s (from first message) | first after %.1f ms | errors=%ld\n",
               got, np, (double)got / all, (double)bytes / all / 1e6, (double)got / data,
               (double)bytes / data / 1e6, tfirst ? (double)(tfirst - t0) / 1e6 : -1.0, errs);
    }
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return got >= o->n ? 0 : 1;
}

static void
kb_usage(void)
{
    fprintf(stderr,
            "usage: mqkbench produce -b host:port -t topic [-n msgs] [-s size] [--acks 1|all|0]\n"
            "                        [--linger ms] [--compression none|gzip|snappy|lz4|zstd]\n"
            "                        [--partitions N] [--rate msgs/s] [--warmup n]\n"
            "                        [--max-inflight N]\n"
            "       mqkbench consume -b host:port -t topic [-n msgs] [--timeout s]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    kb_opts_t o = {.acks = "1",
                   .compression = "none",
                   .n = 1000000,
                   .size = 100,
                   .linger_ms = 5,
                   .warmup = 1000,
                   .max_inflight = 5,
                   .timeout_s = 10};
    int produce;

    if (argc < 2)
        kb_usage();
    if (strcmp(argv[1], "produce") == 0)
        produce = 1;
    else if (strcmp(argv[1], "consume") == 0)
        produce = 0;
    else
        kb_usage();
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            kb_usage();
        i++;
        if (!strcmp(a, "-b"))
            o.brokers = v;
        else if (!strcmp(a, "-t"))
            o.topic = v;
        else if (!strcmp(a, "-n"))
            o.n = atol(v);
        else if (!strcmp(a, "-s"))
            o.size = atol(v);
        else if (!strcmp(a, "--acks"))
            o.acks = v;
        else if (!strcmp(a, "--linger"))
            o.linger_ms = atol(v);
        else if (!strcmp(a, "--compression"))
            o.compression = v;
        else if (!strcmp(a, "--partitions"))
            o.partitions = atol(v);
        else if (!strcmp(a, "--rate"))
            o.rate = atol(v);
        else if (!strcmp(a, "--warmup"))
            o.warmup = atol(v);
        else if (!strcmp(a, "--max-inflight"))
            o.max_inflight = atol(v);
        else if (!strcmp(a, "--timeout"))
            o.timeout_s = atol(v);
        else
            kb_usage();
    }
    if (!o.brokers || !o.topic || o.n <= 0 || o.size < 0 || o.warmup < 0 || o.max_inflight < 1)
        kb_usage();
    return produce ? kb_produce(&o) : kb_consume(&o);
}
