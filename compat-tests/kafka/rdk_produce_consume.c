/* SPDX-License-Identifier: Apache-2.0
 *
 * rdk_produce_consume.c -- librdkafka (Debian's 2.0.2) against the broker's Kafka listener:
 * the producer and the partition-assigned consumer, byte for byte.
 *
 *   metadata_features   Metadata lists the broker at the bootstrap address; ApiVersions turns
 *                       on librdkafka's ApiVersion, MsgVer2, OffsetTime, LZ4 and ZSTD features
 *                       (each needs one exact API version inside the advertised range; MsgVer1
 *                       and ThrottleTime stay off: they need Fetch 2, below the advertised 4)
 *   create_topics       CreateTopics (admin API) makes a 3-partition topic; again: already exists
 *   auto_create         Metadata of an unknown topic creates it with --num.partitions (3)
 *   produce_acks<A>_<C> A in 1, all, 0; C in none, gzip, snappy, lz4, zstd: 12 records over
 *                       the 3 partitions (null/empty/binary keys, tombstone, empty and 64 KiB
 *                       values, null/empty/binary/duplicate headers, explicit timestamps), every
 *                       delivery report ok, offsets as expected, and librdkafka did not drop the
 *                       compression ("does not support compression")
 *   consume_assign      a consumer assigned the 3 partitions from the beginning reads every
 *                       stored record back: offsets dense from 0, key, value, headers (order,
 *                       nulls) and CreateTime timestamp identical, nothing more (partition EOF)
 *   watermarks          query_watermark_offsets: low 0, high = records stored
 *   offsets_for_times   ListOffsets by timestamp: first offset at/after it; -1 past the end;
 *                       the latest (-1) and earliest (-2) specials
 *   produce_visible     25 times: 6 records over the 3 partitions, acks=all, flushed; at once
 *                       ListOffsets (latest) and an assigned consumer see them (Kafka: an acked
 *                       record is readable)
 *   fetch_long_poll     a consumer parked at the end (fetch.wait.max.ms 5000) gets a new record
 *                       well before the wait ends
 *   idempotent_produce  enable.idempotence=true: InitProducerId, then every record stored once
 *   delete_topics       DeleteTopics (admin API) removes a topic: a consumer's Metadata (which
 *                       never auto-creates) then says UNKNOWN_TOPIC_OR_PART; deleting it again
 *                       says UNKNOWN_TOPIC_OR_PART
 *
 * Usage: rdk_produce_consume BOOTSTRAP TOPIC_PREFIX   (the broker runs with --num.partitions=3)
 * Environment: MQ_KAFKA_SKIP=case,case (skip list), MQ_KAFKA_VERBOSE=1 (librdkafka's log).
 * Prints one line per case and "N passed, N failed, N skipped"; exits 1 on a failure.
 */
#include "rdk_common.h"

#define NPART 3
#define PER_COMBO 12
#define MAX_STORED 1024
#define BIG_VALUE (64 * 1024)
#define AT_END (-100) /* new_assigned_consumer(): each partition at its stored count */

static const char *bootstrap;
static char topic[256], topic_auto[256], topic_idem[256], topic_del[256];
static int64_t base_ts;
static int next_g;                    /* the next record's number */
static int stored[NPART][MAX_STORED]; /* record numbers stored in each partition, in order */
static int nstored[NPART];
static unsigned char big[BIG_VALUE + 16];

/* ---- the records: everything derives from the record number g ------------------------- */

typedef struct {
    const void *key;
    size_t key_len;
    char keybuf[64];
    const void *val;
    size_t val_len;
    char valbuf[64];
    int64_t ts;
} rec_t;

static const unsigned char bin_hdr[] = {0x00, 0x01, 0x02, 0xff, 0x00};

static void
rec_make(int g, rec_t *r)
{
    memset(r, 0, sizeof(*r));
    switch (g % 8) {
    case 0: /* null key */
        break;
    case 1: /* empty key */
        r->key = "";
        break;
    case 2: /* binary key with NULs */
        r->key_len = (size_t)snprintf(r->keybuf, sizeof(r->keybuf), "%ck%c%d%c", 0, 0, g, 0xff);
        r->key = r->keybuf;
        break;
    default:
        r->key_len = (size_t)snprintf(r->keybuf, sizeof(r->keybuf), "key-%d", g);
        r->key = r->keybuf;
    }
    switch (g % 8) {
    case 3: /* tombstone */
        break;
    case 4: /* empty value */
        r->val = "";
        break;
    case 5:
        memcpy(big, &g, sizeof(g));
        r->val = big;
        r->val_len = BIG_VALUE;
        break;
    default:
        r->val_len = (size_t)snprintf(r->valbuf, sizeof(r->valbuf), "value-%d-%c-end", g, 0);
        r->val = r->valbuf;
    }
    r->ts = base_ts + (int64_t)g * 7;
}

/* Headers of record g (none for g % 8 == 0): h1, bin (binary), nul (null value), empty (""),
 * h1 again (a duplicate name, order kept). */
static rd_kafka_headers_t *
rec_headers(int g)
{
    char v[32];
    rd_kafka_headers_t *h;

    if (g % 8 == 0)
        return NULL;
    h = rd_kafka_headers_new(5);
    snprintf(v, sizeof(v), "v%d", g);
    rd_kafka_header_add(h, "h1", -1, v, -1);
    rd_kafka_header_add(h, "bin", -1, bin_hdr, sizeof(bin_hdr));
    rd_kafka_header_add(h, "nul", -1, NULL, 0);
    rd_kafka_header_add(h, "empty", -1, "", 0);
    rd_kafka_header_add(h, "h1", -1, "again", -1);
    return h;
}

static int
bytes_eq(const void *a, size_t alen, const void *b, size_t blen)
{
    if ((a == NULL) != (b == NULL))
        return 0;
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Compares a consumed message with record g; returns 1 when identical (FAIL lines otherwise). */
static int
rec_check(int g, rd_kafka_message_t *m)
{
    rec_t r;
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    rd_kafka_headers_t *got = NULL, *want = rec_headers(g);
    int ok = 1;

    rec_make(g, &r);
    ok &= rdk_check(bytes_eq(m->key, m->key_len, r.key, r.key_len),
                    "p%d@%lld key: got %s len %zu, want %s len %zu", m->partition,
                    (long long)m->offset, m->key ? "bytes" : "null", m->key_len,
                    r.key ? "bytes" : "null", r.key_len);
    ok &= rdk_check(bytes_eq(m->payload, m->len, r.val, r.val_len),
                    "p%d@%lld value: got %s len %zu, want %s len %zu", m->partition,
                    (long long)m->offset, m->payload ? "bytes" : "null", m->len,
                    r.val ? "bytes" : "null", r.val_len);
    ok &= rdk_check(ts == r.ts && tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME,
                    "p%d@%lld timestamp %lld type %d, want %lld CreateTime", m->partition,
                    (long long)m->offset, (long long)ts, (int)tstype, (long long)r.ts);
    if (rd_kafka_message_headers(m, &got) != RD_KAFKA_RESP_ERR_NO_ERROR)
        got = NULL;
    size_t ng = got ? rd_kafka_header_cnt(got) : 0, nw = want ? rd_kafka_header_cnt(want) : 0;
    ok &= rdk_check(ng == nw, "p%d@%lld %zu headers, want %zu", m->partition, (long long)m->offset,
                    ng, nw);
    for (size_t i = 0; ok && i < nw; i++) {
        const char *gn, *wn;
        const void *gv, *wv;
        size_t gl, wl;
        rd_kafka_header_get_all(got, i, &gn, &gv, &gl);
        rd_kafka_header_get_all(want, i, &wn, &wv, &wl);
        ok &= rdk_check(strcmp(gn, wn) == 0 && bytes_eq(gv, gl, wv, wl),
                        "p%d@%lld header %zu: got %s (%s, %zu bytes), want %s (%s, %zu bytes)",
                        m->partition, (long long)m->offset, i, gn, gv ? "value" : "null", gl, wn,
                        wv ? "value" : "null", wl);
    }
    if (want)
        rd_kafka_headers_destroy(want);
    return ok;
}

/* ---- producing ------------------------------------------------------------------------- */

typedef struct {
    int g, partition, done;
    rd_kafka_resp_err_t err;
    int64_t offset;
} dr_t;

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    dr_t *d = m->_private;
    (void)rk;
    (void)opaque;
    d->done = 1;
    d->err = m->err;
    d->offset = m->offset;
}

/* Produces record g to partition p with producer rk; returns the produce error. */
static rd_kafka_resp_err_t
produce_rec(rd_kafka_t *rk, const char *t, int g, int p, dr_t *d)
{
    rec_t r;
    rd_kafka_headers_t *h = rec_headers(g);
    rd_kafka_resp_err_t err;

    rec_make(g, &r);
    d->g = g;
    d->partition = p;
    if (h)
        err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(t), RD_KAFKA_V_PARTITION(p),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(r.key, r.key_len),
            RD_KAFKA_V_VALUE((void *)r.val, r.val_len), RD_KAFKA_V_TIMESTAMP(r.ts),
            RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
    else
        err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(t), RD_KAFKA_V_PARTITION(p),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(r.key, r.key_len),
                                RD_KAFKA_V_VALUE((void *)r.val, r.val_len),
                                RD_KAFKA_V_TIMESTAMP(r.ts), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
    if (err && h)
        rd_kafka_headers_destroy(h); /* ownership passes only on success */
    return err;
}

/* Waits until partition p's high watermark reaches `want` (acks=0 gives no offsets). */
static int64_t
wait_high(rd_kafka_t *rk, const char *t, int p, int64_t want, int timeout_ms)
{
    int64_t lo = -1, hi = -1, deadline = rdk_now_ms() + timeout_ms;
    do {
        if (rd_kafka_query_watermark_offsets(rk, t, p, &lo, &hi, 2000) == 0 && hi >= want)
            return hi;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    } while (rdk_now_ms() < deadline);
    return hi;
}

static void
case_produce(const char *acks, const char *codec)
{
    char name[64];
    dr_t d[PER_COMBO];
    int first = next_g;

    snprintf(name, sizeof(name), "produce_acks%s_%s", acks, codec);
    if (!rdk_case_begin(name))
        return;
    int logmark = rdk_log_count();
    rd_kafka_conf_t *conf = rdk_conf(bootstrap, "acks", acks, "compression.codec", codec,
                                     "linger.ms", "20", "message.timeout.ms", "15000", NULL);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rdk_new(RD_KAFKA_PRODUCER, conf);
    memset(d, 0, sizeof(d));
    next_g += PER_COMBO;
    for (int i = 0; i < PER_COMBO; i++) {
        rd_kafka_resp_err_t err = produce_rec(rk, topic, first + i, i % NPART, &d[i]);
        rdk_check(err == 0, "producev %d: %s", i, rd_kafka_err2str(err));
    }
    rdk_check(rd_kafka_flush(rk, 20000) == 0, "flush within 20 s");
    int64_t want[NPART];
    for (int p = 0; p < NPART; p++)
        want[p] = nstored[p];
    for (int i = 0; i < PER_COMBO; i++) {
        int p = d[i].partition;
        if (!rdk_check(d[i].done && d[i].err == 0, "record %d delivery: %s", d[i].g,
                       d[i].done ? rd_kafka_err2name(d[i].err) : "no report"))
            continue;
        if (strcmp(acks, "0") != 0)
            rdk_check(d[i].offset == want[p], "record %d offset %lld, want p%d@%lld", d[i].g,
                      (long long)d[i].offset, p, (long long)want[p]);
        want[p]++;
        if (nstored[p] < MAX_STORED)
            stored[p][nstored[p]++] = d[i].g;
    }
    if (strcmp(acks, "0") == 0) {
        /* no offsets in the reports: the records must still all arrive */
        for (int p = 0; p < NPART; p++) {
            int64_t hi = wait_high(rk, topic, p, nstored[p], 10000);
            rdk_check(hi == nstored[p], "acks=0: p%d high watermark %lld, want %d", p,
                      (long long)hi, nstored[p]);
        }
    }
    int bad = rdk_log_find(logmark, "compress");
    rdk_check(bad < 0, "librdkafka did not compress as asked: %s", rdk_log_line(bad));
    rd_kafka_destroy(rk);
    rdk_case_end();
}

/* ---- consuming -------------------------------------------------------------------------- */

static rd_kafka_t *
new_assigned_consumer(const char *t, int64_t offset, const char *wait_ms)
{
    char group[300];
    snprintf(group, sizeof(group), "%s-assign", t); /* assign() needs a group.id in 2.0.2 */
    rd_kafka_conf_t *conf = rdk_conf(bootstrap, "group.id", group, "enable.auto.commit", "false",
                                     "enable.partition.eof", "true", "auto.offset.reset", "error",
                                     "fetch.wait.max.ms", wait_ms, NULL);
    rd_kafka_t *rk = rdk_new(RD_KAFKA_CONSUMER, conf);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(NPART);
    for (int p = 0; p < NPART; p++)
        rd_kafka_topic_partition_list_add(l, t, p)->offset = offset == AT_END ? nstored[p] : offset;
    rdk_check(rd_kafka_assign(rk, l) == 0, "assign");
    rd_kafka_topic_partition_list_destroy(l);
    return rk;
}

/* Reads partitions 0..NPART-1 of t from the beginning until each is at EOF past `want[p]`
 * records; checks each record with check_fn. Returns records read. */
static int
consume_all(const char *t, const int *want, int (*check_fn)(int p, int idx, rd_kafka_message_t *m))
{
    rd_kafka_t *rk = new_assigned_consumer(t, RD_KAFKA_OFFSET_BEGINNING, "500");
    int got[NPART] = {0}, eof[NPART] = {0}, total = 0, reported = 0;
    int64_t deadline = rdk_now_ms() + 30000;

    while (rdk_now_ms() < deadline) {
        int done = 1;
        for (int p = 0; p < NPART; p++)
            done &= eof[p] && got[p] >= want[p];
        if (done)
            break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < NPART)
                eof[m->partition] = 1;
        } else if (m->err) {
            if (reported++ < 5)
                rdk_check(0, "consume error p%d: %s", m->partition, rd_kafka_message_errstr(m));
        } else if (m->partition >= 0 && m->partition < NPART) {
            int p = m->partition;
            eof[p] = 0;
            if (rdk_check(m->offset == got[p], "p%d: offset %lld after %d records (not dense)", p,
                          (long long)m->offset, got[p]) &&
                got[p] < want[p]) {
                if (!check_fn(p, got[p], m) && reported++ > 20) {
                    rd_kafka_message_destroy(m);
                    break;
                }
            }
            got[p]++;
            total++;
        }
        rd_kafka_message_destroy(m);
    }
    for (int p = 0; p < NPART; p++)
        rdk_check(got[p] == want[p] && eof[p], "p%d: read %d records%s, want %d", p, got[p],
                  eof[p] ? "" : " (no EOF)", want[p]);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return total;
}

static int
check_main(int p, int idx, rd_kafka_message_t *m)
{
    return rec_check(stored[p][idx], m);
}

static void
case_consume_assign(void)
{
    if (!rdk_case_begin("consume_assign"))
        return;
    int n = consume_all(topic, nstored, check_main);
    printf("# consume_assign: %d records read back\n", n);
    rdk_case_end();
}

static void
case_watermarks(void)
{
    if (!rdk_case_begin("watermarks"))
        return;
    rd_kafka_t *rk = rdk_new(RD_KAFKA_PRODUCER, rdk_conf(bootstrap, NULL));
    for (int p = 0; p < NPART; p++) {
        int64_t lo = -9, hi = -9;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000);
        rdk_check(err == 0 && lo == 0 && hi == nstored[p],
                  "p%d watermarks %lld..%lld (%s), want 0..%d", p, (long long)lo, (long long)hi,
                  rd_kafka_err2name(err), nstored[p]);
    }
    int64_t lo, hi;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, topic, NPART + 5, &lo, &hi, 5000);
    rdk_check(err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                  err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
              "a partition that does not exist: %s", rd_kafka_err2name(err));
    rd_kafka_destroy(rk);
    rdk_case_end();
}

static void
case_offsets_for_times(void)
{
    if (!rdk_case_begin("offsets_for_times"))
        return;
    rd_kafka_t *rk = rdk_new(RD_KAFKA_CONSUMER, rdk_conf(bootstrap, NULL));
    /* per partition: k = middle record; queries ts(k), ts(k)-1, ts(k)+1, before all, after all,
     * latest (-1), earliest (-2) */
    enum { Q = 7 };
    static const char *const what[Q] = {"ts(k)",     "ts(k)-1",   "ts(k)+1",    "before all",
                                        "after all", "latest -1", "earliest -2"};
    int64_t want[NPART * Q];
    for (int p = 0; p < NPART; p++) {
        int k = nstored[p] / 2;
        int64_t w[Q] = {k, k, k + 1, 0, -1, nstored[p], 0};
        for (int q = 0; q < Q; q++)
            want[p * Q + q] = w[q];
    }
    for (int q = 0; q < Q; q++) {
        rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(NPART);
        for (int p = 0; p < NPART; p++) {
            int k = nstored[p] / 2;
            rec_t r, last;
            rec_make(stored[p][k], &r);
            rec_make(stored[p][nstored[p] - 1], &last);
            int64_t ts[Q] = {r.ts, r.ts - 1, r.ts + 1, base_ts - 60000, last.ts + 1, -1, -2};
            rd_kafka_topic_partition_list_add(one, topic, p)->offset = ts[q];
        }
        rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, one, 10000);
        rdk_check(err == 0, "offsets_for_times %s: %s", what[q], rd_kafka_err2name(err));
        for (int i = 0; err == 0 && i < one->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &one->elems[i];
            int64_t w = want[tp->partition * Q + q];
            rdk_check(tp->err == 0 && tp->offset == w, "%s p%d: offset %lld (%s), want %lld",
                      what[q], tp->partition, (long long)tp->offset, rd_kafka_err2name(tp->err),
                      (long long)w);
        }
        rd_kafka_topic_partition_list_destroy(one);
    }
    rd_kafka_destroy(rk);
    rdk_case_end();
}

static void
case_produce_visible(void)
{
    enum { ROUNDS = 25, PER = 6 };
    int stale_hwm = 0, late_fetch = 0;
    if (!rdk_case_begin("produce_visible"))
        return;
    rd_kafka_conf_t *conf = rdk_conf(bootstrap, "acks", "all", "linger.ms", "5", NULL);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *pr = rdk_new(RD_KAFKA_PRODUCER, conf);
    rd_kafka_t *c = new_assigned_consumer(topic, AT_END, "100");
    for (int r = 0; r < ROUNDS && rdk_case_failures == 0; r++) {
        dr_t d[PER];
        memset(d, 0, sizeof(d));
        for (int i = 0; i < PER; i++)
            produce_rec(pr, topic, next_g++, i % NPART, &d[i]);
        rd_kafka_flush(pr, 10000);
        for (int i = 0; i < PER; i++) {
            int p = d[i].partition;
            if (!rdk_check(d[i].done && d[i].err == 0 && d[i].offset == nstored[p],
                           "record %d: %s offset %lld, want %d", d[i].g,
                           d[i].done ? rd_kafka_err2name(d[i].err) : "no report",
                           (long long)d[i].offset, nstored[p]))
                break;
            stored[p][nstored[p]++] = d[i].g;
        }
        /* acked: ListOffsets(latest) includes them at once */
        for (int p = 0; p < NPART; p++) {
            int64_t lo = -1, hi = -1;
            if (rd_kafka_query_watermark_offsets(pr, topic, p, &lo, &hi, 5000) == 0 &&
                hi < nstored[p]) {
                stale_hwm++;
                printf("# round %d: p%d high watermark %lld right after the ack, want %d\n", r, p,
                       (long long)hi, nstored[p]);
            }
        }
        /* and the assigned consumer (fetches wait at most 100 ms) gets them at once */
        int64_t t0 = rdk_now_ms();
        int got = 0;
        while (got < PER && rdk_now_ms() < t0 + 5000) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 50);
            if (!m)
                continue;
            got += !m->err;
            rd_kafka_message_destroy(m);
        }
        rdk_check(got == PER, "round %d: %d of %d records fetched within 5 s", r, got, PER);
        if (got == PER && rdk_now_ms() - t0 > 1000)
            late_fetch++;
    }
    printf("# produce_visible: %d stale high watermarks right after an ack, %d of %d rounds "
           "fetched only after > 1 s\n",
           stale_hwm, late_fetch, ROUNDS);
    rdk_check(stale_hwm == 0, "%d times ListOffsets(latest) missed acked records", stale_hwm);
    rdk_check(late_fetch == 0, "%d rounds fetched only after > 1 s", late_fetch);
    rd_kafka_destroy(pr);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rdk_case_end();
}

static void
case_fetch_long_poll(void)
{
    if (!rdk_case_begin("fetch_long_poll"))
        return;
    /* one partition only: librdkafka keeps one fetch in flight per broker, so partitions that
     * become fetchable later would wait for the parked fetch of the first */
    char group[300];
    snprintf(group, sizeof(group), "%s-longpoll", topic);
    rd_kafka_t *c =
        rdk_new(RD_KAFKA_CONSUMER,
                rdk_conf(bootstrap, "group.id", group, "enable.auto.commit", "false",
                         "enable.partition.eof", "true", "fetch.wait.max.ms", "5000", NULL));
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 1)->offset = nstored[1];
    rdk_check(rd_kafka_assign(c, l) == 0, "assign");
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_conf_t *conf = rdk_conf(bootstrap, "linger.ms", "0", NULL);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *pr = rdk_new(RD_KAFKA_PRODUCER, conf);
    int64_t deadline = rdk_now_ms() + 8000;
    int eof = 0;
    /* wait until the consumer reached the end of partition 1 (its next fetch parks) */
    while (!eof && rdk_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);
        if (m) {
            eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            rdk_check(eof, "before the send: %s", m->err ? rd_kafka_err2name(m->err) : "a record");
            rd_kafka_message_destroy(m);
        }
    }
    rdk_check(eof, "the consumer reached the end of partition 1 within 8 s");
    /* let the next fetch park on the broker */
    struct timespec ts = {0, 700 * 1000 * 1000};
    nanosleep(&ts, NULL);
    dr_t d;
    memset(&d, 0, sizeof(d));
    int g = next_g++;
    int64_t t0 = rdk_now_ms();
    rdk_check(produce_rec(pr, topic, g, 1, &d) == 0, "producev");
    rd_kafka_flush(pr, 10000);
    if (rdk_check(d.done && d.err == 0, "long-poll record delivered"))
        stored[1][nstored[1]++] = g;
    int64_t got_ms = -1;
    while (rdk_now_ms() < t0 + 10000) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (!m)
            continue;
        if (!m->err) {
            got_ms = rdk_now_ms() - t0;
            rdk_check(m->partition == 1 && rec_check(g, m), "the new record");
            rd_kafka_message_destroy(m);
            break;
        }
        rd_kafka_message_destroy(m);
    }
    printf("# fetch_long_poll: produce-to-consume %lld ms (fetch.wait.max.ms 5000)\n",
           (long long)got_ms);
    rdk_check(got_ms >= 0 && got_ms < 2500,
              "a parked fetch wakes on the append: %lld ms (want < 2500)", (long long)got_ms);
    rd_kafka_destroy(pr);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rdk_case_end();
}

/* ---- topics and features ---------------------------------------------------------------- */

static void
case_metadata_features(void)
{
    if (!rdk_case_begin("metadata_features"))
        return;
    int mark = rdk_log_count();
    rd_kafka_t *rk = rdk_new(RD_KAFKA_PRODUCER, rdk_conf(bootstrap, "debug", "feature", NULL));
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, 10000);
    if (rdk_check(err == 0, "metadata: %s", rd_kafka_err2name(err))) {
        char want[128];
        rdk_check(md->broker_cnt == 1, "%d brokers, want 1", md->broker_cnt);
        if (md->broker_cnt >= 1) {
            snprintf(want, sizeof(want), "%s:%d", md->brokers[0].host, md->brokers[0].port);
            rdk_check(strcmp(want, bootstrap) == 0, "broker %d at %s, want %s", md->brokers[0].id,
                      want, bootstrap);
            printf("# metadata: broker %d at %s, %d topics, orig broker %d\n", md->brokers[0].id,
                   want, md->topic_cnt, md->orig_broker_id);
        }
        rd_kafka_metadata_destroy(md);
    }
    /* with debug=feature librdkafka logs "Enabling feature X" for each feature the advertised
     * ApiVersions ranges switch on */
    static const char *const need[] = {"ApiVersion", "MsgVer2", "OffsetTime", "LZ4", "ZSTD"};
    printf("# features:");
    for (int i = mark; (i = rdk_log_find(i, "Enabling feature ")) >= 0; i++)
        printf(" %s", strstr(rdk_log_line(i), "Enabling feature ") + 17);
    printf("\n");
    for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
        char line[64];
        snprintf(line, sizeof(line), "Enabling feature %s", need[k]);
        rdk_check(rdk_log_find(mark, line) >= 0, "feature %s enabled", need[k]);
    }
    rd_kafka_destroy(rk);
    rdk_case_end();
}

static void
case_create_topics(int *have_topic)
{
    char why[512];
    if (!rdk_case_begin("create_topics"))
        return;
    rd_kafka_t *rk = rdk_new(RD_KAFKA_PRODUCER, rdk_conf(bootstrap, NULL));
    rd_kafka_resp_err_t err = rdk_create_topic(rk, topic, NPART, why, sizeof(why));
    if (rdk_check(err == 0, "CreateTopics %s: %s", topic, why)) {
        int n = rdk_wait_partitions(rk, topic, NPART, 10000);
        *have_topic = n == NPART;
        rdk_check(n == NPART, "metadata: %d partitions, want %d", n, NPART);
        err = rdk_create_topic(rk, topic, NPART, why, sizeof(why));
        rdk_check(err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                  "again: %s, want TOPIC_ALREADY_EXISTS", why);
    }
    rd_kafka_destroy(rk);
    rdk_case_end();
}

static void
case_auto_create(int *have_topic)
{
    if (!rdk_case_begin("auto_create"))
        return;
    rd_kafka_t *rk = rdk_new(RD_KAFKA_PRODUCER, rdk_conf(bootstrap, NULL));
    int n = rdk_wait_partitions(rk, topic_auto, NPART, 10000);
    rdk_check(n == NPART, "auto-created %s: %d partitions, want %d (--num.partitions=3)",
              topic_auto, n, NPART);
    if (!*have_topic) {
        /* CreateTopics did not make the main topic: auto-create it too */
        n = rdk_wait_partitions(rk, topic, NPART, 10000);
        *have_topic = n == NPART;
        rdk_check(n == NPART, "auto-created %s: %d partitions", topic, n);
    }
    rd_kafka_destroy(rk);
    rdk_case_end();
}

static int idem_nstored[NPART];
static int idem_first;

static int
check_idem(int p, int idx, rd_kafka_message_t *m)
{
    /* record idem_first + i went to partition i % NPART, so index idx of p is i = idx*NPART+p */
    return rec_check(idem_first + idx * NPART + p, m);
}

static void
case_idempotent_produce(void)
{
    enum { N = 30 };
    dr_t d[N];
    if (!rdk_case_begin("idempotent_produce"))
        return;
    int mark = rdk_log_count();
    rd_kafka_conf_t *conf = rdk_conf(bootstrap, "enable.idempotence", "true", "linger.ms", "5",
                                     "debug", "feature,eos", "message.timeout.ms", "15000", NULL);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rdk_new(RD_KAFKA_PRODUCER, conf);
    memset(d, 0, sizeof(d));
    idem_first = next_g;
    next_g += N;
    for (int i = 0; i < N; i++)
        rdk_check(produce_rec(rk, topic_idem, idem_first + i, i % NPART, &d[i]) == 0, "producev");
    rdk_check(rd_kafka_flush(rk, 20000) == 0, "flush within 20 s");
    int64_t next[NPART] = {0};
    int bad = 0;
    for (int i = 0; i < N; i++) {
        int p = i % NPART;
        if (!d[i].done || d[i].err || d[i].offset != next[p]) {
            if (bad++ < 5)
                rdk_check(0, "record %d: %s offset %lld, want p%d@%lld", i,
                          d[i].done ? rd_kafka_err2name(d[i].err) : "no report",
                          (long long)d[i].offset, p, (long long)next[p]);
        }
        next[p]++;
    }
    char errstr[256];
    rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk, errstr, sizeof(errstr));
    rdk_check(fatal == 0, "no fatal error: %s", fatal ? errstr : "");
    int pid = rdk_log_find(mark, "Acquired PID{");
    rdk_check(pid >= 0, "InitProducerId gave a producer id (log 'Acquired PID{')");
    if (pid >= 0)
        printf("# %s\n", rdk_log_line(pid));
    rdk_check(rdk_log_find(mark, "Enabling feature IdempotentProducer") >= 0,
              "feature IdempotentProducer enabled (InitProducerId 0 advertised)");
    rd_kafka_destroy(rk);
    if (bad == 0) {
        for (int p = 0; p < NPART; p++)
            idem_nstored[p] = N / NPART;
        consume_all(topic_idem, idem_nstored, check_idem);
    }
    rdk_case_end();
}

/* DeleteTopics of `t`; returns the topic's error and its message in why. */
static rd_kafka_resp_err_t
delete_topic(rd_kafka_t *rk, const char *t, char *why, size_t whylen)
{
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(t);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_resp_err_t res = RD_KAFKA_RESP_ERR__TIMED_OUT;

    snprintf(why, whylen, "no result");
    rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    if (ev) {
        if (rd_kafka_event_error(ev)) {
            res = rd_kafka_event_error(ev);
            snprintf(why, whylen, "%s", rd_kafka_event_error_string(ev));
        } else {
            size_t n = 0;
            const rd_kafka_topic_result_t **tr =
                rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
            res = n == 1 ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__BAD_MSG;
            snprintf(why, whylen, "%s", rd_kafka_err2name(res));
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy(dt);
    return res;
}

static void
case_delete_topics(void)
{
    char why[512];
    if (!rdk_case_begin("delete_topics"))
        return;
    rd_kafka_t *rk = rdk_new(RD_KAFKA_PRODUCER, rdk_conf(bootstrap, NULL));
    rd_kafka_resp_err_t err = rdk_create_topic(rk, topic_del, 1, why, sizeof(why));
    if (err) /* CreateTopics missing: auto-create it */
        rdk_wait_partitions(rk, topic_del, NPART, 10000);
    err = delete_topic(rk, topic_del, why, sizeof(why));
    rdk_check(err == 0, "DeleteTopics %s: %s", topic_del, why);
    rd_kafka_destroy(rk);

    /* a consumer's Metadata request does not auto-create the topic again */
    rd_kafka_t *c = rdk_new(RD_KAFKA_CONSUMER, rdk_conf(bootstrap, NULL));
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c, topic_del, NULL);
    int64_t deadline = rdk_now_ms() + 5000;
    rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR_NO_ERROR;
    do {
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata(c, 0, rkt, &md, 5000) == 0) {
            terr = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__BAD_MSG;
            rd_kafka_metadata_destroy(md);
        }
        if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    } while (rdk_now_ms() < deadline);
    rdk_check(terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
              "metadata of the deleted topic: %s, want UNKNOWN_TOPIC_OR_PART",
              rd_kafka_err2name(terr));
    rd_kafka_topic_destroy(rkt);
    err = delete_topic(c, topic_del, why, sizeof(why));
    rdk_check(err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
              "deleting it again: %s, want UNKNOWN_TOPIC_OR_PART", why);
    rd_kafka_destroy(c);
    rdk_case_end();
}

int
main(int argc, char **argv)
{
    static const char *const acks[] = {"1", "all", "0"};
    static const char *const codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    int have_topic = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: %s BOOTSTRAP TOPIC_PREFIX\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    bootstrap = argv[1];
    snprintf(topic, sizeof(topic), "%s-main", argv[2]);
    snprintf(topic_auto, sizeof(topic_auto), "%s-auto", argv[2]);
    snprintf(topic_idem, sizeof(topic_idem), "%s-idem", argv[2]);
    snprintf(topic_del, sizeof(topic_del), "%s-del", argv[2]);
    base_ts = (rdk_now_ms() - 600000) / 1000 * 1000;
    memset(big, 0xa5, sizeof(big));
    printf("# librdkafka %s, bootstrap %s, topic %s\n", rd_kafka_version_str(), bootstrap, topic);

    case_metadata_features();
    case_create_topics(&have_topic);
    case_auto_create(&have_topic);
    if (!have_topic) {
        printf("not ok - topic: %s has no 3 partitions; the produce/consume cases cannot run\n",
               topic);
        rdk_failed++;
        return rdk_summary("rdk_produce_consume");
    }
    for (size_t a = 0; a < 3; a++)
        for (size_t c = 0; c < 5; c++)
            case_produce(acks[a], codecs[c]);
    case_consume_assign();
    case_watermarks();
    case_offsets_for_times();
    case_produce_visible();
    case_fetch_long_poll();
    case_idempotent_produce();
    case_delete_topics();
    rdk_log_free();
    return rdk_summary("rdk_produce_consume");
}
