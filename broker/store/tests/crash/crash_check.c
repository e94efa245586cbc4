/* SPDX-License-Identifier: Apache-2.0
 *
 * crash_check.c -- the crash test's verifier (test program, not installed). It opens a store
 * that crash_writer left behind (store_open runs recovery) and checks, through the public API
 * only (include/mq/store.h):
 *
 *   (1) every acknowledged message (ACK lines of the ack file) is at its queue offset with the
 *       same CommitLog offset and is intact: it decodes, its body CRC holds, its body and
 *       properties are what crash_common.h derives from its seq; the queue's max offset is past
 *       it; its UNIQ_KEY finds it through the index;
 *   (2) every ConsumeQueue entry in [min, max) of every queue points at a whole, intact record
 *       of that queue with that queue offset, in ascending CommitLog order, and pulling the
 *       queue with store_get_messages returns the same records (no half record is visible);
 *   (3) no message is visible twice;
 *   (4) new appends work after recovery: one message per queue lands at or past the recovered
 *       end, at the queue's max offset, and reads back intact.
 * The appended messages are printed as ACK lines, so later rounds verify them too.
 *
 * Output: RECOVERED, LOST / DAMAGED / BAD / INDEX lines (first few of each), ACK lines, then
 *   END <commitlog max>
 *   CHECK acked=<n> verified=<n> lost=<n> damaged=<n> bad_visible=<n> index_missing=<n>
 *         queues=<n> entries=<n> appended=<n>
 * Exit status: 0 when everything holds, 1 when a check failed, 2 when the store cannot be
 * opened or the arguments are wrong.
 *
 * usage: crash_check <store dir> <ack file or -> [-s first seq for appends] [-a 0|1]
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_common.h"
#include "mq/log.h"

#define CRASH_REPORT_MAX 20 /* detail lines per kind of failure */
#define CRASH_PULL_BATCH 32

typedef struct crash_ack_s {
    char topic[32];       /* NUL-terminated */
    int32_t qid;          /* queue id */
    int64_t queue_offset; /* acknowledged queue offset */
    int64_t phys;         /* acknowledged CommitLog offset */
    uint64_t seq;         /* message sequence number */
} crash_ack_t;

typedef struct crash_queue_s {
    char topic[MQ_MSG_MAX_TOPIC_V1 + 1];
    int32_t qid;
} crash_queue_t;

typedef struct crash_check_s {
    store_t *store;    /* the recovered store */
    crash_ack_t *acks; /* from the ack file */
    size_t nacks;
    crash_queue_t *queues; /* every queue of the store */
    size_t nqueues, cap_queues;
    uint64_t *seen; /* seqs of every visible record */
    size_t nseen, cap_seen;
    long verified, lost, damaged, bad, index_missing, appended;
    long long entries;
} crash_check_t;

static void crash_report(long *counter, const char *kind, const char *fmt, ...) MQ_PRINTF(3, 4);

static void
crash_report(long *counter, const char *kind, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    if (++*counter > CRASH_REPORT_MAX)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    crash_line(STDOUT_FILENO, "%s %s\n", kind, msg);
}

/* Reads ACK lines (other lines are ignored: the driver may hand over raw writer output). */
static int
crash_load_acks(crash_check_t *c, const char *path)
{
    FILE *f;
    char line[512];
    size_t cap = 0;

    if (strcmp(path, "-") == 0)
        return 0;
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "crash_check: cannot open %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        crash_ack_t a;
        long long qoff, phys;
        unsigned long long seq;
        if (!strchr(line, '\n')) /* a torn last line was never acknowledged to anyone */
            continue;
        if (sscanf(line, "ACK %31s %d %lld %lld %llu", a.topic, &a.qid, &qoff, &phys, &seq) != 5)
            continue;
        a.queue_offset = qoff;
        a.phys = phys;
        a.seq = seq;
        if (c->nacks == cap) {
            cap = cap ? cap * 2 : 1024;
            c->acks = mq_xrealloc(c->acks, cap * sizeof(*c->acks));
        }
        c->acks[c->nacks++] = a;
    }
    fclose(f);
    return 0;
}

static void
crash_collect_queue(void *arg, mq_str_t topic, int32_t qid)
{
    crash_check_t *c = arg;
    crash_queue_t *q;
    if (c->nqueues == c->cap_queues) {
        c->cap_queues = c->cap_queues ? c->cap_queues * 2 : 16;
        c->queues = mq_xrealloc(c->queues, c->cap_queues * sizeof(*c->queues));
    }
    q = &c->queues[c->nqueues++];
    snprintf(q->topic, sizeof(q->topic), "%.*s", (int)MQ_MIN(topic.n, MQ_MSG_MAX_TOPIC_V1),
             topic.p);
    q->qid = qid;
}

static void
crash_saw(crash_check_t *c, uint64_t seq)
{
    if (c->nseen == c->cap_seen) {
        c->cap_seen = c->cap_seen ? c->cap_seen * 2 : 4096;
        c->seen = mq_xrealloc(c->seen, c->cap_seen * sizeof(*c->seen));
    }
    c->seen[c->nseen++] = seq;
}

/* (1) One acknowledged message. */
static void
crash_check_ack(crash_check_t *c, const crash_ack_t *a)
{
    mq_str_t topic = mq_str_from_cstr(a->topic);
    store_cq_entry_t e;
    store_slice_t sl;
    const char *why;
    uint64_t seq = 0;
    int64_t max = store_max_offset(c->store, topic, a->qid), found;
    char uniq[33];
    int rc;

    if (max <= a->queue_offset) {
        crash_report(&c->lost, "LOST", "seq %llu %s/%d@%lld phys %lld: queue max offset is %lld",
                     (unsigned long long)a->seq, a->topic, a->qid, (long long)a->queue_offset,
                     (long long)a->phys, (long long)max);
        return;
    }
    rc = store_cq_get(c->store, topic, a->qid, a->queue_offset, &e);
    if (rc != MQ_OK || e.phys_offset != a->phys) {
        crash_report(&c->lost, "LOST",
                     "seq %llu %s/%d@%lld phys %lld: consume queue entry %s "
                     "(phys %lld)",
                     (unsigned long long)a->seq, a->topic, a->qid, (long long)a->queue_offset,
                     (long long)a->phys, mq_err_name(rc),
                     rc == MQ_OK ? (long long)e.phys_offset : -1LL);
        return;
    }
    rc = store_read_record(c->store, a->phys, &sl);
    if (rc != MQ_OK) {
        crash_report(&c->lost, "LOST", "seq %llu %s/%d@%lld phys %lld: store_read_record: %s",
                     (unsigned long long)a->seq, a->topic, a->qid, (long long)a->queue_offset,
                     (long long)a->phys, mq_err_name(rc));
        return;
    }
    why = crash_record_check(sl.p, sl.len, a->topic, a->qid, a->queue_offset, a->phys, &seq);
    if (!why && seq != a->seq)
        why = "another message took its place";
    if (!why && (int64_t)sl.len != e.size)
        why = "consume queue entry size differs from the record";
    store_slice_release(&sl);
    if (why) {
        crash_report(&c->damaged, "DAMAGED", "seq %llu %s/%d@%lld phys %lld: %s",
                     (unsigned long long)a->seq, a->topic, a->qid, (long long)a->queue_offset,
                     (long long)a->phys, why);
        return;
    }
    crash_uniq(a->seq, uniq);
    rc = store_query_by_uniq_key(c->store, topic, mq_str_from_cstr(uniq), &found);
    if (rc != MQ_OK || found != a->phys)
        crash_report(&c->index_missing, "INDEX",
                     "seq %llu phys %lld: UNIQ_KEY %s query: %s "
                     "(offset %lld)",
                     (unsigned long long)a->seq, (long long)a->phys, uniq, mq_err_name(rc),
                     rc == MQ_OK ? (long long)found : -1LL);
    c->verified++;
}

/* (2) Every entry of one queue, by ConsumeQueue lookups and by pulling. */
static void
crash_check_queue(crash_check_t *c, const crash_queue_t *q)
{
    mq_str_t topic = mq_str_from_cstr(q->topic);
    int64_t min = store_min_offset(c->store, topic, q->qid);
    int64_t max = store_max_offset(c->store, topic, q->qid);
    int64_t prev_phys = -1, off;
    store_slice_t slices[CRASH_PULL_BATCH];

    for (off = min; off < max; off++) {
        store_cq_entry_t e;
        store_slice_t sl;
        const char *why;
        uint64_t seq;
        int rc = store_cq_get(c->store, topic, q->qid, off, &e);
        c->entries++;
        if (rc != MQ_OK) {
            crash_report(&c->bad, "BAD", "%s/%d@%lld in [%lld, %lld): store_cq_get: %s", q->topic,
                         q->qid, (long long)off, (long long)min, (long long)max, mq_err_name(rc));
            continue;
        }
        if (e.phys_offset <= prev_phys)
            crash_report(&c->bad, "BAD",
                         "%s/%d@%lld: phys %lld not after the previous entry's "
                         "%lld",
                         q->topic, q->qid, (long long)off, (long long)e.phys_offset,
                         (long long)prev_phys);
        prev_phys = e.phys_offset;
        rc = store_read_record(c->store, e.phys_offset, &sl);
        if (rc != MQ_OK) {
            crash_report(&c->bad, "BAD", "%s/%d@%lld: entry points at phys %lld size %d: %s",
                         q->topic, q->qid, (long long)off, (long long)e.phys_offset, e.size,
                         mq_err_name(rc));
            continue;
        }
        why = crash_record_check(sl.p, sl.len, q->topic, q->qid, off, e.phys_offset, &seq);
        if (!why && (int64_t)sl.len != e.size)
            why = "entry size differs from the record";
        store_slice_release(&sl);
        if (why)
            crash_report(&c->bad, "BAD", "%s/%d@%lld phys %lld: %s", q->topic, q->qid,
                         (long long)off, (long long)e.phys_offset, why);
        else
            crash_saw(c, seq);
    }

    off = min;
    while (off < max) {
        store_get_result_t r;
        int rc = store_get_messages(c->store, topic, q->qid, off, CRASH_PULL_BATCH, 4 << 20, NULL,
                                    slices, &r);
        if (rc != MQ_OK || r.status != STORE_GET_FOUND || r.count <= 0) {
            crash_report(&c->bad, "BAD", "%s/%d pull at %lld of [%lld, %lld): %s %s", q->topic,
                         q->qid, (long long)off, (long long)min, (long long)max, mq_err_name(rc),
                         store_get_status_name(r.status));
            for (int i = 0; i < r.count; i++)
                store_slice_release(&slices[i]);
            break;
        }
        for (int i = 0; i < r.count; i++) {
            uint64_t seq;
            const char *why = crash_record_check(slices[i].p, slices[i].len, q->topic, q->qid,
                                                 off + i, slices[i].offset, &seq);
            if (why)
                crash_report(&c->bad, "BAD", "%s/%d@%lld pulled at phys %lld: %s", q->topic, q->qid,
                             (long long)(off + i), (long long)slices[i].offset, why);
            store_slice_release(&slices[i]);
        }
        if (r.next_offset != off + r.count) {
            crash_report(&c->bad, "BAD",
                         "%s/%d pull at %lld returned %d records but next offset "
                         "%lld",
                         q->topic, q->qid, (long long)off, r.count, (long long)r.next_offset);
            break;
        }
        off = r.next_offset;
    }
}

static int
crash_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* (3) No seq twice among the visible records. */
static void
crash_check_duplicates(crash_check_t *c)
{
    if (c->nseen < 2)
        return;
    qsort(c->seen, c->nseen, sizeof(*c->seen), crash_cmp_u64);
    for (size_t i = 1; i < c->nseen; i++)
        if (c->seen[i] == c->seen[i - 1])
            crash_report(&c->bad, "BAD", "seq %llu is visible more than once",
                         (unsigned long long)c->seen[i]);
}

/* (4) One new message per queue (at most 16 queues) after the recovered end. */
static void
crash_check_append(crash_check_t *c, uint64_t seq)
{
    store_stats_t st;
    size_t n = MQ_MIN(c->nqueues, (size_t)16);
    crash_queue_t fallback = {"CrashT0", 0};
    const crash_queue_t *qs = c->nqueues ? c->queues : &fallback;
    int64_t recovered_end;

    if (n == 0)
        n = 1;
    store_get_stats(c->store, &st);
    recovered_end = st.commitlog_max;
    for (size_t i = 0; i < n; i++, seq++) {
        const crash_queue_t *q = &qs[i];
        mq_str_t topic = mq_str_from_cstr(q->topic);
        int64_t max = store_max_offset(c->store, topic, q->qid);
        char props[256];
        uint8_t body[300];
        uint32_t len = CRASH_BODY_MIN + (uint32_t)(seq % 256);
        store_cq_entry_t e;
        store_slice_t sl;
        const char *why = NULL;
        uint64_t got = 0;
        mq_msg_t m;
        int rc;

        crash_body_fill(body, len, seq);
        memset(&m, 0, sizeof(m));
        m.topic = topic;
        m.queue_id = q->qid;
        m.body = (mq_str_t){(const char *)body, len};
        m.props = (mq_str_t){props, crash_props(seq, props, sizeof(props))};
        m.born_ts = mq_now_ms();
        m.born_host = (mq_host_t){{127, 0, 0, 1}, 39999, 0};
        rc = store_put_wait(c->store, &m, 1);
        if (rc != MQ_OK) {
            crash_report(&c->bad, "BAD", "append to %s/%d after recovery: %s", q->topic, q->qid,
                         mq_err_name(rc));
            continue;
        }
        crash_line(STDOUT_FILENO, "ACK %s %d %lld %lld %llu\n", q->topic, q->qid,
                   (long long)m.queue_offset, (long long)m.phys_offset, (unsigned long long)seq);
        c->appended++;
        if (m.phys_offset < recovered_end)
            crash_report(&c->bad, "BAD",
                         "append landed at phys %lld, before the recovered end "
                         "%lld",
                         (long long)m.phys_offset, (long long)recovered_end);
        if (m.queue_offset != max)
            crash_report(&c->bad, "BAD", "append to %s/%d got queue offset %lld, max was %lld",
                         q->topic, q->qid, (long long)m.queue_offset, (long long)max);
        store_wait_dispatched(c->store);
        rc = store_cq_get(c->store, topic, q->qid, m.queue_offset, &e);
        if (rc != MQ_OK || e.phys_offset != m.phys_offset) {
            crash_report(&c->bad, "BAD", "appended %s/%d@%lld not in its consume queue: %s",
                         q->topic, q->qid, (long long)m.queue_offset, mq_err_name(rc));
            continue;
        }
        rc = store_read_record(c->store, m.phys_offset, &sl);
        if (rc == MQ_OK) {
            why = crash_record_check(sl.p, sl.len, q->topic, q->qid, m.queue_offset, m.phys_offset,
                                     &got);
            store_slice_release(&sl);
        }
        if (rc != MQ_OK || why || got != seq)
            crash_report(&c->bad, "BAD", "appended %s/%d@%lld reads back wrong: %s", q->topic,
                         q->qid, (long long)m.queue_offset,
                         rc != MQ_OK ? mq_err_name(rc)
                         : why       ? why
                                     : "another seq");
    }
}

static int
crash_usage(void)
{
    fprintf(stderr, "usage: crash_check <store dir> <ack file or -> [-s first append seq] "
                    "[-a 0|1]\n");
    return 2;
}

int
main(int argc, char **argv)
{
    crash_check_t c;
    store_config_t cfg;
    store_stats_t st;
    uint64_t append_seq = 1000000000ULL;
    int opt, rc, do_append = 1;

    memset(&c, 0, sizeof(c));
    while ((opt = getopt(argc, argv, "s:a:")) != -1) {
        switch (opt) {
        case 's':
            append_seq = strtoull(optarg, NULL, 10);
            break;
        case 'a':
            do_append = atoi(optarg);
            break;
        default:
            return crash_usage();
        }
    }
    if (optind + 2 != argc)
        return crash_usage();
    if (crash_load_acks(&c, argv[optind + 1]) != 0)
        return 2;

    mq_log_set_level(MQ_LOG_WARN);
    crash_config(&cfg, argv[optind]);
    rc = store_open(&cfg, &c.store);
    if (rc != MQ_OK) {
        fprintf(stderr, "crash_check: store_open(%s): %s\n", argv[optind], mq_err_name(rc));
        return 2;
    }
    store_get_stats(c.store, &st);
    crash_line(STDOUT_FILENO, "RECOVERED %lld %lld abnormal=%d\n", (long long)st.commitlog_min,
               (long long)st.commitlog_max, st.recovered_abnormally);

    for (size_t i = 0; i < c.nacks; i++)
        crash_check_ack(&c, &c.acks[i]);
    store_foreach_queue(c.store, crash_collect_queue, &c);
    for (size_t i = 0; i < c.nqueues; i++)
        crash_check_queue(&c, &c.queues[i]);
    crash_check_duplicates(&c);
    if (do_append)
        crash_check_append(&c, append_seq);

    store_get_stats(c.store, &st);
    store_close(c.store);
    crash_line(STDOUT_FILENO, "END %lld\n", (long long)st.commitlog_max);
    crash_line(STDOUT_FILENO,
               "CHECK acked=%zu verified=%ld lost=%ld damaged=%ld bad_visible=%ld "
               "index_missing=%ld queues=%zu entries=%lld appended=%ld\n",
               c.nacks, c.verified, c.lost, c.damaged, c.bad, c.index_missing, c.nqueues, c.entries,
               c.appended);
    free(c.acks);
    free(c.queues);
    free(c.seen);
    return c.lost || c.damaged || c.bad || c.index_missing ? 1 : 0;
}
