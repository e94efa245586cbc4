/* SPDX-License-Identifier: Apache-2.0
 *
 * rdk_group.c -- librdkafka's balanced consumer (subscribe(), the classic group protocol)
 * against the broker's Kafka listener: 2-3 members in one process (separate rd_kafka_t
 * handles, polled in turns) share a 3-partition topic.
 *
 *   group_features    ApiVersions turns on BrokerBalancedConsumer and BrokerGroupCoordinator
 *   group_assign      3 members: each partition assigned to exactly one member
 *   group_consume     30 records consumed once each, by the partition's owner, each committed
 *                     (OffsetCommit, synchronous); OffsetFetch (committed()) gives 10 per partition
 *   member_leave      a member closes (LeaveGroup): the 2 others take its partition; 30 more
 *                     records consumed once each
 *   member_join       a new member joins: back to one partition each; 30 more consumed once each
 *   restart_resume    all members close, 15 records are produced, the broker is restarted on
 *                     the same store (SIGTERM; the runner passes the new bootstrap on stdin);
 *                     committed() still gives the committed offsets, and a new member of the
 *                     group gets exactly the uncommitted records (nothing lost, nothing
 *                     committed repeated), then records produced after the restart
 *
 * A record whose commit succeeded must never be delivered again; a record never delivered is
 * lost. Both are failures.
 *
 * Usage: rdk_group BOOTSTRAP TOPIC_PREFIX
 *   For restart_resume the program prints "#restart-broker" and reads the new bootstrap
 *   (host:port) from stdin; without one on stdin that case is reported as skipped.
 * Environment: MQ_KAFKA_SKIP=case,case (skip list), MQ_KAFKA_VERBOSE=1.
 * Prints one line per case and "N passed, N failed, N skipped"; exits 1 on a failure.
 */
#include "rdk_common.h"

#define NPART 3
#define MAXOFF 256
#define NMEM 5

static char bootstrap[256];
static char topic[256], group[256];

/* what happened to each record: produced, deliveries, commit succeeded */
static int produced[NPART];
static int delivered[NPART][MAXOFF];
static int commit_ok[NPART][MAXOFF];
static int redelivered_committed, commit_failures;

typedef struct {
    const char *name;
    rd_kafka_t *rk;
    int live;
    int owns[NPART]; /* current assignment */
    int rebalances;
    int consumed;
} member_t;

static member_t mem[NMEM];

static void
rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
             void *opaque)
{
    member_t *m = opaque;

    memset(m->owns, 0, sizeof(m->owns));
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].partition >= 0 && parts->elems[i].partition < NPART &&
                strcmp(parts->elems[i].topic, topic) == 0)
                m->owns[parts->elems[i].partition] = 1;
        rd_kafka_assign(rk, parts);
        m->rebalances++;
        printf("# %s assigned:", m->name);
        for (int i = 0; i < parts->cnt; i++)
            printf(" %d", parts->elems[i].partition);
        printf("\n");
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

static void
member_start(member_t *m, const char *name)
{
    memset(m, 0, sizeof(*m));
    m->name = name;
    rd_kafka_conf_t *conf =
        rdk_conf(bootstrap, "group.id", group, "client.id", name, "enable.auto.commit", "false",
                 "auto.offset.reset", "earliest", "session.timeout.ms", "10000",
                 "heartbeat.interval.ms", "500", "fetch.wait.max.ms", "200", NULL);
    if (m == &mem[0] && rd_kafka_conf_set(conf, "debug", "feature", NULL, 0) != 0)
        exit(2);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, m);
    m->rk = rdk_new(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(m->rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(m->rk, l);
    rdk_check(err == 0, "%s subscribe: %s", name, rd_kafka_err2name(err));
    rd_kafka_topic_partition_list_destroy(l);
    m->live = 1;
}

static void
member_close(member_t *m)
{
    if (!m->live)
        return;
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(m->rk);
    rdk_check(err == 0, "%s close: %s", m->name, rd_kafka_err2name(err));
    rd_kafka_destroy(m->rk);
    m->rk = NULL;
    m->live = 0;
    memset(m->owns, 0, sizeof(m->owns));
}

/* One message from member m: checks and counts it, commits it synchronously. */
static void
handle(member_t *m, rd_kafka_message_t *msg)
{
    if (msg->err) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            printf("# %s: consumer event %s\n", m->name, rd_kafka_message_errstr(msg));
        return;
    }
    int p = msg->partition;
    int64_t o = msg->offset;
    char want[64];
    if (!rdk_check(p >= 0 && p < NPART && o >= 0 && o < MAXOFF, "%s: record p%d@%lld out of range",
                   m->name, p, (long long)o))
        return;
    snprintf(want, sizeof(want), "grp p=%d n=%lld", p, (long long)o);
    rdk_check(msg->len == strlen(want) && memcmp(msg->payload, want, msg->len) == 0,
              "%s: p%d@%lld value '%.*s', want '%s'", m->name, p, (long long)o, (int)msg->len,
              (const char *)msg->payload, want);
    rdk_check(m->owns[p], "%s got p%d@%lld but does not own p%d", m->name, p, (long long)o, p);
    if (delivered[p][o] && commit_ok[p][o]) {
        redelivered_committed++;
        rdk_check(0, "%s: p%d@%lld delivered again after its commit succeeded", m->name, p,
                  (long long)o);
    } else if (delivered[p][o]) {
        printf("# %s: p%d@%lld delivered again (its commit had failed: allowed)\n", m->name, p,
               (long long)o);
    }
    delivered[p][o]++;
    m->consumed++;
    rd_kafka_resp_err_t err = rd_kafka_commit_message(m->rk, msg, 0);
    if (err == 0) {
        commit_ok[p][o] = 1;
    } else {
        commit_failures++;
        printf("# %s: commit of p%d@%lld failed: %s\n", m->name, p, (long long)o,
               rd_kafka_err2name(err));
    }
}

/* Polls the live members in turns for up to ms, until cond() holds (cond may be NULL). */
static int
poll_turns(int ms, int (*cond)(void))
{
    int64_t deadline = rdk_now_ms() + ms;
    while (rdk_now_ms() < deadline) {
        for (int i = 0; i < NMEM; i++) {
            if (!mem[i].live)
                continue;
            rd_kafka_message_t *msg = rd_kafka_consumer_poll(mem[i].rk, 20);
            if (msg) {
                handle(&mem[i], msg);
                rd_kafka_message_destroy(msg);
            }
        }
        if (cond && cond())
            return 1;
    }
    return cond ? cond() : 1;
}

/* Each partition owned by exactly one live member and every live member owns one. */
static int
balanced(void)
{
    int owners[NPART] = {0};
    for (int i = 0; i < NMEM; i++) {
        int n = 0;
        if (!mem[i].live)
            continue;
        for (int p = 0; p < NPART; p++) {
            owners[p] += mem[i].owns[p];
            n += mem[i].owns[p];
        }
        if (n == 0)
            return 0;
    }
    for (int p = 0; p < NPART; p++)
        if (owners[p] != 1)
            return 0;
    return 1;
}

static int
all_delivered(void)
{
    for (int p = 0; p < NPART; p++)
        for (int o = 0; o < produced[p]; o++)
            if (!delivered[p][o])
                return 0;
    return 1;
}

static void
print_owners(const char *when)
{
    printf("# %s:", when);
    for (int i = 0; i < NMEM; i++) {
        if (!mem[i].live)
            continue;
        printf(" %s{", mem[i].name);
        for (int p = 0; p < NPART; p++)
            if (mem[i].owns[p])
                printf("%d", p);
        printf("}");
    }
    printf("\n");
}

/* Produces n records to each partition ("grp p=P n=OFFSET"), acks=all. */
static void
produce_each(int n)
{
    rd_kafka_t *pr =
        rdk_new(RD_KAFKA_PRODUCER, rdk_conf(bootstrap, "acks", "all", "linger.ms", "5", NULL));
    for (int p = 0; p < NPART; p++) {
        for (int i = 0; i < n && produced[p] < MAXOFF; i++) {
            char v[64];
            int len = snprintf(v, sizeof(v), "grp p=%d n=%d", p, produced[p]);
            rd_kafka_resp_err_t err =
                rd_kafka_producev(pr, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(p),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_VALUE(v, (size_t)len), RD_KAFKA_V_END);
            rdk_check(err == 0, "producev: %s", rd_kafka_err2name(err));
            produced[p]++;
        }
    }
    rdk_check(rd_kafka_flush(pr, 20000) == 0, "flush within 20 s");
    /* the records are numbered by offset: check the broker agrees (visibility right after
     * the ack is rdk_produce_consume's produce_visible; here allow 3 s) */
    for (int p = 0; p < NPART; p++) {
        int64_t lo = -1, hi = -1, deadline = rdk_now_ms() + 3000;
        rd_kafka_resp_err_t err;
        do {
            err = rd_kafka_query_watermark_offsets(pr, topic, p, &lo, &hi, 5000);
            if (err == 0 && hi == produced[p])
                break;
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        } while (rdk_now_ms() < deadline);
        rdk_check(err == 0 && hi == produced[p], "p%d high watermark %lld (%s), want %d", p,
                  (long long)hi, rd_kafka_err2name(err), produced[p]);
    }
    rd_kafka_destroy(pr);
}

/* Every record produced so far delivered once (exactly once unless a commit failed). */
static void
check_exactly_once(const char *when)
{
    int lost = 0, dup = 0;
    for (int p = 0; p < NPART; p++) {
        for (int o = 0; o < produced[p]; o++) {
            if (!delivered[p][o] && lost++ < 5)
                rdk_check(0, "%s: p%d@%d lost (never delivered)", when, p, o);
            if (delivered[p][o] > 1)
                dup++;
        }
        for (int o = produced[p]; o < MAXOFF; o++)
            rdk_check(!delivered[p][o], "%s: p%d@%d delivered but never produced", when, p, o);
    }
    printf("# %s: %d lost, %d delivered twice, %d commits failed\n", when, lost, dup,
           commit_failures);
}

/* committed() (OffsetFetch) of the group, through handle rk, equals produced[]. */
static void
check_committed(rd_kafka_t *rk, const char *when)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(NPART);
    for (int p = 0; p < NPART; p++)
        rd_kafka_topic_partition_list_add(l, topic, p);
    rd_kafka_resp_err_t err = rd_kafka_committed(rk, l, 10000);
    rdk_check(err == 0, "%s: committed(): %s", when, rd_kafka_err2name(err));
    for (int i = 0; err == 0 && i < l->cnt; i++) {
        int p = l->elems[i].partition;
        int want = 0;
        while (want < produced[p] && commit_ok[p][want])
            want++;
        rdk_check(l->elems[i].err == 0 && l->elems[i].offset == want,
                  "%s: p%d committed %lld (%s), want %d", when, p, (long long)l->elems[i].offset,
                  rd_kafka_err2name(l->elems[i].err), want);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static void
consume_phase(const char *when, int n)
{
    produce_each(n);
    rdk_check(poll_turns(30000, all_delivered), "%s: all records delivered within 30 s", when);
    poll_turns(1000, NULL); /* anything delivered twice shows now */
    check_exactly_once(when);
}

int
main(int argc, char **argv)
{
    int mark;

    if (argc != 3) {
        fprintf(stderr, "usage: %s BOOTSTRAP TOPIC_PREFIX\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(bootstrap, sizeof(bootstrap), "%s", argv[1]);
    snprintf(topic, sizeof(topic), "%s-grp", argv[2]);
    snprintf(group, sizeof(group), "%s-group", argv[2]);
    printf("# librdkafka %s, bootstrap %s, topic %s, group %s\n", rd_kafka_version_str(), bootstrap,
           topic, group);

    /* the topic: CreateTopics, or auto-creation (--num.partitions=3) while that is missing */
    {
        char why[512];
        rdk_case_name = "setup";
        rd_kafka_t *rk = rdk_new(RD_KAFKA_PRODUCER, rdk_conf(bootstrap, NULL));
        rd_kafka_resp_err_t err = rdk_create_topic(rk, topic, NPART, why, sizeof(why));
        if (err)
            printf("# CreateTopics: %s; relying on auto-creation\n", why);
        int n = rdk_wait_partitions(rk, topic, NPART, 15000);
        rd_kafka_destroy(rk);
        if (n != NPART) {
            printf("not ok - setup: %s has %d partitions, want %d\n", topic, n, NPART);
            rdk_failed++;
            return rdk_summary("rdk_group");
        }
    }

    mark = rdk_log_count();
    produce_each(10);
    member_start(&mem[0], "A");
    member_start(&mem[1], "B");
    member_start(&mem[2], "C");

    if (rdk_case_begin("group_features")) {
        poll_turns(3000, NULL);
        rdk_check(rdk_log_find(mark, "Enabling feature BrokerBalancedConsumer") >= 0,
                  "feature BrokerBalancedConsumer (FindCoordinator 0, OffsetCommit 1|2, "
                  "OffsetFetch 1, JoinGroup 0, SyncGroup 0, Heartbeat 0, LeaveGroup 0)");
        rdk_check(rdk_log_find(mark, "Enabling feature BrokerGroupCoordinator") >= 0,
                  "feature BrokerGroupCoordinator (FindCoordinator 0)");
        rdk_case_end();
    }

    if (rdk_case_begin("group_assign")) {
        int64_t t0 = rdk_now_ms();
        rdk_check(poll_turns(40000, balanced), "3 members share the 3 partitions within 40 s");
        print_owners("after join");
        printf("# group_assign: balanced after %lld ms\n", (long long)(rdk_now_ms() - t0));
        rdk_case_end();
    }

    if (rdk_case_begin("group_consume")) {
        consume_phase("group_consume", 0);
        check_committed(mem[0].rk, "group_consume");
        rdk_case_end();
    }

    if (rdk_case_begin("member_leave")) {
        int64_t t0 = rdk_now_ms();
        member_close(&mem[2]);
        rdk_check(poll_turns(40000, balanced), "2 members share the 3 partitions within 40 s");
        print_owners("after leave");
        printf("# member_leave: balanced after %lld ms\n", (long long)(rdk_now_ms() - t0));
        consume_phase("member_leave", 10);
        rdk_case_end();
    }

    if (rdk_case_begin("member_join")) {
        int64_t t0 = rdk_now_ms();
        member_start(&mem[3], "D");
        rdk_check(poll_turns(40000, balanced), "3 members share the 3 partitions within 40 s");
        print_owners("after join");
        printf("# member_join: balanced after %lld ms\n", (long long)(rdk_now_ms() - t0));
        consume_phase("member_join", 10);
        check_committed(mem[0].rk, "member_join");
        rdk_case_end();
    }

    for (int i = 0; i < NMEM; i++)
        member_close(&mem[i]);

    if (rdk_case_begin("restart_resume")) {
        char line[256];
        int before[NPART];
        for (int p = 0; p < NPART; p++)
            before[p] = produced[p];
        produce_each(5);
        printf("#restart-broker\n");
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin) || strchr(line, ':') == NULL) {
            printf("skip - restart_resume: no new bootstrap on stdin (run it from run.py)\n");
            rdk_skipped++;
            return rdk_summary("rdk_group");
        }
        line[strcspn(line, "\r\n")] = 0;
        snprintf(bootstrap, sizeof(bootstrap), "%s", line);
        printf("# broker restarted: bootstrap %s\n", bootstrap);
        member_start(&mem[4], "E");
        check_committed(mem[4].rk, "after restart");
        for (int p = 0; p < NPART; p++)
            rdk_check(before[p] > 0 && commit_ok[p][before[p] - 1], "p%d: committed up to %d", p,
                      before[p]);
        rdk_check(poll_turns(40000, all_delivered),
                  "after restart: the uncommitted records delivered within 40 s");
        consume_phase("restart_resume", 4);
        check_committed(mem[4].rk, "restart_resume");
        member_close(&mem[4]);
        rdk_case_end();
    }
    printf("# %d committed records delivered again\n", redelivered_committed);
    rdk_log_free();
    return rdk_summary("rdk_group");
}
