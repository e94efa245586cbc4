/* SPDX-License-Identifier: Apache-2.0
 *
 * test_coord.c -- the group coordinator (broker/bk_coord*.c) driven through the broker's
 * mq_service_t handle() with fake COORD_* requests, a fake clock and an executor that never
 * fires: time moves only when a test says so (t_advance runs bk_coord_tick). Covers joins and
 * leader election with the initial delay, MEMBER_ID_REQUIRED, sync, rebalances on join, leave
 * and session expiry, static members, generation/member errors, offset commit checks,
 * list/describe/delete, and a restart on the same store directory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_coord.h"
#include "bk_int.h"
#include "bk_test_exec.h"
#include "mq/log.h"
#include "mq_test.h"

#define T_SESSION 10000
#define T_REBALANCE 20000
#define T_MAX_REQS 256

/* A fake request: what the reply said, copied out of the reply (its data only lives during
 * reply()). */
typedef struct t_req_s {
    mq_req_t base;
    mq_pool_t pool;
    int replied; /* reply() calls: must end at exactly 1 */
    int status;
    int32_t detail;
    int32_t generation;
    char member_id[256], leader[256], protocol[64], protocol_type[64];
    int skip;
    int n_members;        /* JOIN leader list; LEAVE results */
    char members[8][256]; /* their ids */
    char metas[8][64];    /* JOIN: their metadata */
    int32_t errs[8];      /* LEAVE: per member */
    char assignment[256]; /* SYNC */
    int n_groups;         /* LIST, DESCRIBE, DELETE */
    char gid[8][64];
    int gstate[8];
    int32_t gerr[8];
    char gproto[8][64];
    int gmembers[8];
    char gassign[8][8][64]; /* DESCRIBE: each member's assignment */
    char gmember[8][8][256];
    int64_t offset;
    int n_offs; /* COORD_OFFSET_COMMIT, COORD_OFFSET_FETCH */
    struct {
        char topic[64];
        int32_t qid, epoch, error;
        int64_t offset;
        char meta[64];
    } offs[8];
} t_req_t;

static bk_t *t_bk;
static char *t_dir;
static int64_t t_now;
static t_req_t *t_reqs[T_MAX_REQS];
static int t_nreqs;

static int64_t
t_clock(void)
{
    return t_now;
}

static void
t_copy(char *dst, size_t cap, mq_str_t s)
{
    size_t n = MQ_MIN(s.n, cap - 1);
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static void
t_reply(mq_req_t *r, int status, const mq_rep_t *rep)
{
    t_req_t *t = MQ_CONTAINER_OF(r, t_req_t, base);
    t->replied++;
    t->status = status;
    t->detail = rep->detail;
    switch (r->op) {
    case MQ_OP_COORD_JOIN:
        t->generation = rep->u.join.generation;
        t_copy(t->member_id, sizeof(t->member_id), rep->u.join.member_id);
        t_copy(t->leader, sizeof(t->leader), rep->u.join.leader);
        t_copy(t->protocol, sizeof(t->protocol), rep->u.join.protocol_name);
        t_copy(t->protocol_type, sizeof(t->protocol_type), rep->u.join.protocol_type);
        t->skip = rep->u.join.skip_assignment;
        t->n_members = rep->u.join.n_members;
        for (int i = 0; i < rep->u.join.n_members && i < 8; i++) {
            t_copy(t->members[i], sizeof(t->members[i]), rep->u.join.members[i].member_id);
            t_copy(t->metas[i], sizeof(t->metas[i]), rep->u.join.members[i].metadata);
        }
        break;
    case MQ_OP_COORD_SYNC:
        t_copy(t->assignment, sizeof(t->assignment), rep->u.sync.assignment);
        t_copy(t->protocol, sizeof(t->protocol), rep->u.sync.protocol_name);
        break;
    case MQ_OP_COORD_LEAVE:
        t->n_members = rep->u.leave.n_members;
        for (int i = 0; i < rep->u.leave.n_members && i < 8; i++) {
            t_copy(t->members[i], sizeof(t->members[i]), rep->u.leave.members[i].member_id);
            t->errs[i] = rep->u.leave.members[i].error;
        }
        break;
    case MQ_OP_COORD_LIST:
    case MQ_OP_COORD_DESCRIBE:
    case MQ_OP_COORD_DELETE:
        t->n_groups = rep->u.coord_groups.n;
        for (int i = 0; i < rep->u.coord_groups.n && i < 8; i++) {
            const mq_coord_group_t *g = &rep->u.coord_groups.groups[i];
            t_copy(t->gid[i], sizeof(t->gid[i]), g->group_id);
            t->gstate[i] = g->state;
            t->gerr[i] = g->error;
            t_copy(t->gproto[i], sizeof(t->gproto[i]), g->protocol_name);
            t->gmembers[i] = g->n_members;
            for (int k = 0; k < g->n_members && k < 8; k++) {
                t_copy(t->gassign[i][k], sizeof(t->gassign[i][k]), g->members[k].assignment);
                t_copy(t->gmember[i][k], sizeof(t->gmember[i][k]), g->members[k].member_id);
            }
        }
        break;
    case MQ_OP_QUERY_GROUP_OFFSET:
        t->offset = rep->u.offset;
        break;
    case MQ_OP_COORD_OFFSET_COMMIT:
    case MQ_OP_COORD_OFFSET_FETCH:
        t->n_offs = rep->u.coord_offsets.n;
        for (int i = 0; i < rep->u.coord_offsets.n && i < 8; i++) {
            const mq_coord_offset_t *o = &rep->u.coord_offsets.items[i];
            t_copy(t->offs[i].topic, sizeof(t->offs[i].topic), o->topic);
            t_copy(t->offs[i].meta, sizeof(t->offs[i].meta), o->metadata);
            t->offs[i].qid = o->queue_id;
            t->offs[i].epoch = o->leader_epoch;
            t->offs[i].error = o->error;
            t->offs[i].offset = o->offset;
        }
        break;
    default:
        break;
    }
}

static t_req_t *
t_new(mq_op_t op)
{
    t_req_t *t = calloc(1, sizeof(*t));
    cr_assert(t_nreqs < T_MAX_REQS);
    t_reqs[t_nreqs++] = t;
    mq_pool_init(&t->pool, 0);
    t->base.op = op;
    t->base.pool = &t->pool;
    t->base.reply = t_reply;
    return t;
}

static void
t_handle(t_req_t *t)
{
    mq_service_t *svc = bk_service(t_bk);
    svc->handle(svc, &t->base);
}

static mq_str_t
t_s(const char *s)
{
    return s ? mq_str_from_cstr(s) : MQ_STR_NULL;
}

/* A JOIN with one protocol ("range" unless proto says otherwise, metadata meta). */
static t_req_t *
t_join_p(const char *group, const char *member, const char *instance, const char *proto,
         const char *meta, int require_id)
{
    t_req_t *t = t_new(MQ_OP_COORD_JOIN);
    mq_coord_join_t *j = &t->base.u.join;
    mq_coord_protocol_t *p = mq_palloc(&t->pool, sizeof(*p));
    p->name = t_s(proto);
    p->metadata = t_s(meta);
    j->group_id = t_s(group);
    j->member_id = t_s(member);
    j->group_instance_id = t_s(instance);
    j->client_id = MQ_STR("rdkafka");
    j->client_host = MQ_STR("/127.0.0.1");
    j->protocol_type = MQ_STR("consumer");
    j->protocols = p;
    j->n_protocols = 1;
    j->session_timeout_ms = T_SESSION;
    j->rebalance_timeout_ms = T_REBALANCE;
    j->require_member_id = require_id;
    t_handle(t);
    return t;
}

static t_req_t *
t_join(const char *group, const char *member, const char *instance, const char *meta)
{
    return t_join_p(group, member, instance, "range", meta, 0);
}

/* A SYNC; the leader passes n assignments as member id / bytes pairs. */
static t_req_t *
t_sync(const char *group, int32_t gen, const char *member, const char *instance, int n,
       const char **pairs)
{
    t_req_t *t = t_new(MQ_OP_COORD_SYNC);
    mq_coord_sync_t *s = &t->base.u.sync;
    s->group_id = t_s(group);
    s->generation = gen;
    s->member_id = t_s(member);
    s->group_instance_id = t_s(instance);
    s->assignments = mq_pcalloc(&t->pool, (size_t)(n + 1) * sizeof(*s->assignments));
    for (int i = 0; i < n; i++) {
        s->assignments[i].member_id = t_s(pairs[2 * i]);
        s->assignments[i].assignment = t_s(pairs[2 * i + 1]);
    }
    s->n_assignments = n;
    t_handle(t);
    return t;
}

static int32_t
t_hb_i(const char *group, int32_t gen, const char *member, const char *instance)
{
    t_req_t *t = t_new(MQ_OP_COORD_HEARTBEAT);
    t->base.u.coord_hb.group_id = t_s(group);
    t->base.u.coord_hb.generation = gen;
    t->base.u.coord_hb.member_id = t_s(member);
    t->base.u.coord_hb.group_instance_id = t_s(instance);
    t_handle(t);
    cr_assert_eq(t->replied, 1, "a heartbeat is answered at once");
    return t->detail;
}

static int32_t
t_hb(const char *group, int32_t gen, const char *member)
{
    return t_hb_i(group, gen, member, NULL);
}

static t_req_t *
t_leave(const char *group, const char *member, const char *instance)
{
    t_req_t *t = t_new(MQ_OP_COORD_LEAVE);
    mq_coord_leaver_t *l = mq_pcalloc(&t->pool, sizeof(*l));
    l->member_id = t_s(member);
    l->group_instance_id = t_s(instance);
    t->base.u.leave.group_id = t_s(group);
    t->base.u.leave.members = l;
    t->base.u.leave.n_members = 1;
    t_handle(t);
    cr_assert_eq(t->replied, 1);
    return t;
}

static t_req_t *
t_groups(mq_op_t op, const char *g1, const char *g2)
{
    t_req_t *t = t_new(op);
    mq_str_t *items = mq_pcalloc(&t->pool, 2 * sizeof(*items));
    int n = 0;
    if (g1)
        items[n++] = t_s(g1);
    if (g2)
        items[n++] = t_s(g2);
    t->base.u.coord_groups.items = items;
    t->base.u.coord_groups.n = n;
    t_handle(t);
    cr_assert_eq(t->replied, 1);
    return t;
}

static t_req_t *
t_commit(const char *group, int coord, int32_t gen, const char *member, int64_t offset)
{
    t_req_t *t = t_new(MQ_OP_COMMIT_GROUP_OFFSET);
    mq_group_offset_t *o = &t->base.u.group_offset;
    o->group = t_s(group);
    o->topic = MQ_STR("TopicK");
    o->queue_id = 0;
    o->offset = offset;
    o->coord_check = coord;
    o->generation = gen;
    o->member_id = t_s(member);
    t_handle(t);
    cr_assert_eq(t->replied, 1);
    return t;
}

static int64_t
t_query(const char *group)
{
    t_req_t *t = t_new(MQ_OP_QUERY_GROUP_OFFSET);
    t->base.u.group_offset.group = t_s(group);
    t->base.u.group_offset.topic = MQ_STR("TopicK");
    t->base.u.group_offset.queue_id = 0;
    t_handle(t);
    cr_assert_eq(t->replied, 1);
    return t->status == MQ_OK ? t->offset : -1;
}

static void
t_advance(int64_t ms)
{
    t_now += ms;
    bk_coord_tick(t_bk);
}

static void
t_open(int64_t initial_delay_ms)
{
    bk_config_t cfg;
    bk_config_defaults(&cfg);
    snprintf(cfg.store.root_dir, sizeof(cfg.store.root_dir), "%s", t_dir);
    cfg.store.commitlog_file_size = 65536;
    cfg.store.max_message_size = 2048;
    cfg.store.cq_file_size = 20 * 64;
    cfg.store.index_slots = 64;
    cfg.store.index_max_entries = 512;
    cfg.store.clean_interval_ms = 3600000;
    cfg.store.warm_mapped_file = 0;
    cfg.group_initial_delay_ms = initial_delay_ms;
    cr_assert_eq(bk_open(&cfg, &bk_test_exec, &t_bk), MQ_OK);
    bk_coord_set_clock(t_bk->coord, t_clock);
}

static void
t_close(void)
{
    bk_close(t_bk);
    bk_free(t_bk);
    t_bk = NULL;
}

static void
t_setup(void)
{
    mq_log_set_level(MQ_LOG_WARN);
    t_dir = mq_test_tmpdir("coord");
    t_now = 1000000;
    t_nreqs = 0;
    t_open(0);
}

static void
t_teardown(void)
{
    if (t_bk)
        t_close();
    for (int i = 0; i < t_nreqs; i++) {
        cr_expect_eq(t_reqs[i]->replied, 1, "request %d (%s) answered %d times", i,
                     mq_op_name(t_reqs[i]->base.op), t_reqs[i]->replied);
        mq_pool_fini(&t_reqs[i]->pool);
        free(t_reqs[i]);
    }
    mq_test_rmtree(t_dir);
    free(t_dir);
}

/* Two members A and B in a Stable group "g" at generation 1, A the leader, assignments
 * "asg-A" and "asg-B". Returns the generation; ids in a and b. */
static int32_t
t_stable_pair(char *a, char *b, const char *ia, const char *ib)
{
    t_req_t *ja = t_join("g", NULL, ia, "meta-A"), *jb;
    t_req_t *sa, *sb;
    const char *pairs[4];

    cr_assert_eq(ja->replied, 1, "no initial delay: the only member completes the join");
    cr_assert_eq(ja->generation, 1);
    strcpy(a, ja->member_id);
    /* B joins: a rebalance A has to rejoin */
    jb = t_join("g", NULL, ib, "meta-B");
    cr_assert_eq(jb->replied, 0);
    cr_assert_eq(t_hb("g", ja->generation, a), MQ_COORD_REBALANCE_IN_PROGRESS);
    ja = t_join("g", a, ia, "meta-A");
    cr_assert_eq(ja->replied, 1, "all members joined: the rebalance completes at once");
    cr_assert_eq(jb->replied, 1);
    strcpy(b, jb->member_id);
    cr_assert_eq(ja->generation, 2);
    cr_assert_str_eq(ja->leader, a);
    sb = t_sync("g", 2, b, ib, 0, NULL);
    cr_assert_eq(sb->replied, 0, "a follower's SYNC waits for the leader's");
    pairs[0] = a;
    pairs[1] = "asg-A";
    pairs[2] = b;
    pairs[3] = "asg-B";
    sa = t_sync("g", 2, a, ia, 2, pairs);
    cr_assert_eq(sa->replied, 1);
    cr_assert_eq(sb->replied, 1);
    cr_assert_str_eq(sa->assignment, "asg-A");
    cr_assert_str_eq(sb->assignment, "asg-B");
    return 2;
}

TestSuite(bk_coord, .init = t_setup, .fini = t_teardown);

Test(bk_coord, two_members_one_leader_with_initial_delay)
{
    t_req_t *ja, *ja2, *jb, *sa, *sb, *d;
    const char *pairs[4];
    char a[256];

    t_close();
    t_open(3000); /* Kafka's default group.initial.rebalance.delay.ms */
    ja = t_join_p("g", NULL, NULL, "range", "meta-A", 1);
    cr_assert_eq(ja->replied, 1);
    cr_assert_eq(ja->detail, MQ_COORD_MEMBER_ID_REQUIRED);
    cr_assert_eq(ja->status, MQ_AGAIN);
    cr_assert_eq(ja->generation, -1);
    cr_assert(strncmp(ja->member_id, "rdkafka-", 8) == 0, "member id %s", ja->member_id);
    strcpy(a, ja->member_id);
    ja2 = t_join_p("g", a, NULL, "range", "meta-A", 1);
    cr_assert_eq(ja2->replied, 0, "parked during the initial delay");
    t_advance(1000);
    jb = t_join_p("g", NULL, NULL, "range", "meta-B", 0); /* v0-3: no MEMBER_ID_REQUIRED */
    cr_assert_eq(jb->replied, 0);
    t_advance(2001); /* the delay ends, but a member arrived: extended by another 3 s */
    cr_assert_eq(ja2->replied, 0);
    cr_assert_eq(jb->replied, 0);
    d = t_groups(MQ_OP_COORD_DESCRIBE, "g", NULL);
    cr_assert_eq(d->gstate[0], MQ_COORD_PREPARING_REBALANCE);
    t_advance(3000);
    cr_assert_eq(ja2->replied, 1);
    cr_assert_eq(jb->replied, 1);
    cr_assert_eq(ja2->detail, MQ_COORD_NONE);
    cr_assert_eq(ja2->generation, 1);
    cr_assert_eq(jb->generation, 1);
    cr_assert_str_eq(ja2->leader, a, "the first member leads");
    cr_assert_str_eq(jb->leader, a);
    cr_assert_str_eq(ja2->protocol, "range");
    cr_assert_str_eq(ja2->protocol_type, "consumer");
    cr_assert_eq(ja2->n_members, 2, "the leader gets every member");
    cr_assert_str_eq(ja2->metas[0], "meta-A");
    cr_assert_str_eq(ja2->metas[1], "meta-B");
    cr_assert_eq(jb->n_members, 0, "followers get none");
    cr_assert_neq(strcmp(jb->member_id, a), 0);
    /* heartbeats while CompletingRebalance are fine */
    cr_assert_eq(t_hb("g", 1, jb->member_id), MQ_COORD_NONE);
    sb = t_sync("g", 1, jb->member_id, NULL, 0, NULL);
    cr_assert_eq(sb->replied, 0);
    pairs[0] = a;
    pairs[1] = "asg-A";
    pairs[2] = jb->member_id;
    pairs[3] = "asg-B";
    sa = t_sync("g", 1, a, NULL, 2, pairs);
    cr_assert_eq(sa->replied, 1);
    cr_assert_eq(sb->replied, 1);
    cr_assert_str_eq(sa->assignment, "asg-A");
    cr_assert_str_eq(sb->assignment, "asg-B");
    cr_assert_str_eq(sb->protocol, "range");
    d = t_groups(MQ_OP_COORD_DESCRIBE, "g", NULL);
    cr_assert_eq(d->gstate[0], MQ_COORD_STABLE);
    cr_assert_str_eq(d->gproto[0], "range");
    cr_assert_eq(d->gmembers[0], 2);
    cr_assert_str_eq(d->gassign[0][0], "asg-A");
    cr_assert_str_eq(d->gassign[0][1], "asg-B");
    /* a SYNC in Stable returns the current assignment */
    sb = t_sync("g", 1, jb->member_id, NULL, 0, NULL);
    cr_assert_eq(sb->replied, 1);
    cr_assert_str_eq(sb->assignment, "asg-B");
}

Test(bk_coord, third_member_triggers_rebalance)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *jc = t_join("g", NULL, NULL, "meta-C"), *ja, *jb, *sa;

    cr_assert_eq(jc->replied, 0);
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_REBALANCE_IN_PROGRESS);
    cr_assert_eq(t_hb("g", gen, b), MQ_COORD_REBALANCE_IN_PROGRESS);
    sa = t_sync("g", gen, a, NULL, 0, NULL);
    cr_assert_eq(sa->detail, MQ_COORD_REBALANCE_IN_PROGRESS);
    cr_assert_eq(sa->status, MQ_EBUSY);
    ja = t_join("g", a, NULL, "meta-A");
    cr_assert_eq(ja->replied, 0, "B has not rejoined yet");
    jb = t_join("g", b, NULL, "meta-B");
    cr_assert_eq(ja->replied, 1);
    cr_assert_eq(jb->replied, 1);
    cr_assert_eq(jc->replied, 1);
    cr_assert_eq(ja->generation, gen + 1);
    cr_assert_eq(jc->generation, gen + 1);
    cr_assert_str_eq(ja->leader, a, "the leader stays the leader");
    cr_assert_eq(ja->n_members, 3);
    cr_assert_eq(t_hb("g", gen + 1, jc->member_id), MQ_COORD_NONE);
}

Test(bk_coord, rebalance_timeout_drops_members_that_do_not_rejoin)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *jc = t_join("g", NULL, NULL, "meta-C"), *ja;

    ja = t_join("g", a, NULL, "meta-A");
    for (int i = 0; i < 19; i++) { /* B keeps heartbeating but never rejoins */
        t_advance(1000);
        cr_assert_eq(t_hb("g", gen, b), MQ_COORD_REBALANCE_IN_PROGRESS);
    }
    cr_assert_eq(ja->replied, 0);
    t_advance(1001); /* rebalance timeout (20 s) */
    cr_assert_eq(ja->replied, 1);
    cr_assert_eq(jc->replied, 1);
    cr_assert_eq(ja->n_members, 2);
    cr_assert_eq(t_hb("g", gen + 1, b), MQ_COORD_UNKNOWN_MEMBER_ID);
}

Test(bk_coord, session_timeout_expels_silent_member)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *ja, *d;

    for (int i = 0; i < 3; i++) {
        t_advance(3000);
        cr_assert_eq(t_hb("g", gen, a), MQ_COORD_NONE);
    }
    t_advance(1001); /* B silent for 10001 ms > session timeout */
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_REBALANCE_IN_PROGRESS);
    cr_assert_eq(t_hb("g", gen, b), MQ_COORD_UNKNOWN_MEMBER_ID);
    ja = t_join("g", a, NULL, "meta-A");
    cr_assert_eq(ja->replied, 1, "the only member left rejoined");
    cr_assert_eq(ja->generation, gen + 1);
    cr_assert_eq(ja->n_members, 1);
    d = t_groups(MQ_OP_COORD_DESCRIBE, "g", NULL);
    cr_assert_eq(d->gstate[0], MQ_COORD_COMPLETING_REBALANCE);
    cr_assert_eq(d->gmembers[0], 1);
    cr_assert_str_eq(d->gmember[0][0], a);
}

Test(bk_coord, leave_triggers_rebalance_and_last_leave_empties)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *l, *ja, *d;

    l = t_leave("g", b, NULL);
    cr_assert_eq(l->n_members, 1);
    cr_assert_eq(l->errs[0], MQ_COORD_NONE);
    cr_assert_str_eq(l->members[0], b);
    l = t_leave("g", "nobody", NULL);
    cr_assert_eq(l->errs[0], MQ_COORD_UNKNOWN_MEMBER_ID);
    l = t_leave("nogroup", a, NULL);
    cr_assert_eq(l->errs[0], MQ_COORD_UNKNOWN_MEMBER_ID);
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_REBALANCE_IN_PROGRESS);
    ja = t_join("g", a, NULL, "meta-A");
    cr_assert_eq(ja->replied, 1);
    cr_assert_eq(ja->generation, gen + 1);
    l = t_leave("g", a, NULL);
    cr_assert_eq(l->errs[0], MQ_COORD_NONE);
    d = t_groups(MQ_OP_COORD_DESCRIBE, "g", NULL);
    cr_assert_eq(d->gstate[0], MQ_COORD_EMPTY);
    cr_assert_eq(d->gmembers[0], 0);
    cr_assert_eq(t_hb("g", gen + 2, a), MQ_COORD_UNKNOWN_MEMBER_ID);
}

Test(bk_coord, static_member_rejoins_without_rebalance)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, "inst-a", "inst-b");
    t_req_t *jb, *sb, *d, *l;

    /* B restarts: same instance id, no member id, same protocols */
    jb = t_join("g", NULL, "inst-b", "meta-B");
    cr_assert_eq(jb->replied, 1, "answered at once");
    cr_assert_eq(jb->detail, MQ_COORD_NONE);
    cr_assert_eq(jb->generation, gen, "no new generation");
    cr_assert_neq(strcmp(jb->member_id, b), 0, "a new member id");
    cr_assert_str_eq(jb->leader, a);
    cr_assert_eq(jb->n_members, 0);
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_NONE, "the others see no rebalance");
    cr_assert_eq(t_hb_i("g", gen, b, "inst-b"), MQ_COORD_FENCED_INSTANCE_ID);
    sb = t_sync("g", gen, jb->member_id, "inst-b", 0, NULL);
    cr_assert_eq(sb->replied, 1);
    cr_assert_str_eq(sb->assignment, "asg-B", "the assignment is kept");
    d = t_groups(MQ_OP_COORD_DESCRIBE, "g", NULL);
    cr_assert_eq(d->gstate[0], MQ_COORD_STABLE);
    /* the static leader rejoining gets skip_assignment and the member list */
    {
        t_req_t *ja = t_join("g", NULL, "inst-a", "meta-A");
        cr_assert_eq(ja->replied, 1);
        cr_assert_eq(ja->generation, gen);
        cr_assert_str_eq(ja->leader, ja->member_id);
        cr_assert_eq(ja->skip, 1);
        cr_assert_eq(ja->n_members, 2);
        strcpy(a, ja->member_id);
    }
    /* a static member leaves by instance id: rebalance */
    l = t_leave("g", NULL, "inst-b");
    cr_assert_eq(l->errs[0], MQ_COORD_NONE);
    cr_assert_str_eq(l->members[0], jb->member_id);
    cr_assert_eq(t_hb_i("g", gen, a, "inst-a"), MQ_COORD_REBALANCE_IN_PROGRESS);
}

Test(bk_coord, member_id_required_and_pending_expiry)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *jx, *jy, *jx2, *ja, *jb;
    char y[256];

    jx = t_join_p("g", NULL, NULL, "range", "meta-X", 1);
    cr_assert_eq(jx->detail, MQ_COORD_MEMBER_ID_REQUIRED);
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_NONE, "a pending id does not rebalance yet");
    jy = t_join_p("g", NULL, NULL, "range", "meta-Y", 1);
    cr_assert_eq(jy->detail, MQ_COORD_MEMBER_ID_REQUIRED);
    strcpy(y, jy->member_id);
    jx2 = t_join_p("g", jx->member_id, NULL, "range", "meta-X", 1);
    cr_assert_eq(jx2->replied, 0);
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_REBALANCE_IN_PROGRESS);
    ja = t_join("g", a, NULL, "meta-A");
    jb = t_join("g", b, NULL, "meta-B");
    cr_assert_eq(ja->replied, 0, "Y's pending id holds the rebalance");
    t_advance(T_SESSION + 1); /* Y never came back */
    cr_assert_eq(ja->replied, 1);
    cr_assert_eq(jb->replied, 1);
    cr_assert_eq(jx2->replied, 1);
    cr_assert_eq(ja->n_members, 3);
    cr_assert_str_eq(jx2->member_id, jx->member_id);
    jy = t_join_p("g", y, NULL, "range", "meta-Y", 1);
    cr_assert_eq(jy->detail, MQ_COORD_UNKNOWN_MEMBER_ID);
}

Test(bk_coord, errors_generation_member_protocol)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *t;

    cr_assert_eq(t_hb("g", gen + 1, a), MQ_COORD_ILLEGAL_GENERATION);
    cr_assert_eq(t_hb("g", gen, "stranger"), MQ_COORD_UNKNOWN_MEMBER_ID);
    cr_assert_eq(t_hb("nogroup", 1, a), MQ_COORD_UNKNOWN_MEMBER_ID);
    t = t_sync("g", gen - 1, b, NULL, 0, NULL);
    cr_assert_eq(t->detail, MQ_COORD_ILLEGAL_GENERATION);
    cr_assert_eq(t->status, MQ_ERANGE);
    t = t_sync("g", gen, "stranger", NULL, 0, NULL);
    cr_assert_eq(t->detail, MQ_COORD_UNKNOWN_MEMBER_ID);
    /* a protocol nobody else supports */
    t = t_join_p("g", NULL, NULL, "roundrobin", "m", 0);
    cr_assert_eq(t->detail, MQ_COORD_INCONSISTENT_GROUP_PROTOCOL);
    t = t_join("g", "stranger", NULL, "m");
    cr_assert_eq(t->detail, MQ_COORD_UNKNOWN_MEMBER_ID);
    t = t_join("", NULL, NULL, "m");
    cr_assert_eq(t->detail, MQ_COORD_INVALID_GROUP_ID);
    t = t_new(MQ_OP_COORD_JOIN);
    t->base.u.join.group_id = MQ_STR("g2");
    t->base.u.join.protocol_type = MQ_STR("consumer");
    t->base.u.join.session_timeout_ms = 1000; /* below group.min.session.timeout.ms */
    t_handle(t);
    cr_assert_eq(t->detail, MQ_COORD_INVALID_SESSION_TIMEOUT);
    t = t_join("g2", "someone", NULL, "m");
    cr_assert_eq(t->detail, MQ_COORD_UNKNOWN_MEMBER_ID);
    t = t_groups(MQ_OP_COORD_DESCRIBE, "g2", NULL);
    cr_assert_eq(t->gstate[0], MQ_COORD_DEAD, "refused joins leave no group behind");
    /* offset commits checked against the group */
    cr_assert_eq(t_commit("g", 1, gen, a, 5)->status, MQ_OK);
    cr_assert_eq(t_commit("g", 1, gen + 1, a, 6)->detail, MQ_COORD_ILLEGAL_GENERATION);
    cr_assert_eq(t_commit("g", 1, -1, "", 7)->detail, MQ_COORD_UNKNOWN_MEMBER_ID);
    cr_assert_eq(t_commit("g", 1, gen, "stranger", 8)->detail, MQ_COORD_UNKNOWN_MEMBER_ID);
    cr_assert_eq(t_commit("g", 0, 0, NULL, 9)->status, MQ_OK, "RocketMQ commits are unchecked");
    cr_assert_eq(t_query("g"), 9);
    cr_assert_eq(t_commit("simple", 1, -1, "", 3)->status, MQ_OK, "simple commit");
    cr_assert_eq(t_commit("nogroup", 1, 4, "x", 3)->detail, MQ_COORD_ILLEGAL_GENERATION);
    cr_assert_eq(t_query("simple"), 3);
    cr_assert_eq(t_query("nogroup"), -1);
    /* during CompletingRebalance commits are refused */
    t_join("g", NULL, NULL, "meta-C");
    t_join("g", a, NULL, "meta-A");
    t_join("g", b, NULL, "meta-B");
    cr_assert_eq(t_commit("g", 1, gen + 1, a, 10)->detail, MQ_COORD_REBALANCE_IN_PROGRESS);
}

Test(bk_coord, list_describe_delete)
{
    char a[256], b[256];
    t_req_t *t, *l;
    mq_str_t states[1] = {MQ_STR("stable")};

    t_stable_pair(a, b, NULL, NULL);
    cr_assert_eq(t_commit("g", 0, 0, NULL, 42)->status, MQ_OK);
    cr_assert_eq(t_commit("rmq-only", 0, 0, NULL, 7)->status, MQ_OK);
    t = t_new(MQ_OP_COORD_LIST);
    t_handle(t);
    cr_assert_eq(t->n_groups, 2);
    for (int i = 0; i < 2; i++) {
        if (strcmp(t->gid[i], "g") == 0)
            cr_assert_eq(t->gstate[i], MQ_COORD_STABLE);
        else {
            cr_assert_str_eq(t->gid[i], "rmq-only");
            cr_assert_eq(t->gstate[i], MQ_COORD_EMPTY);
        }
    }
    t = t_new(MQ_OP_COORD_LIST);
    t->base.u.coord_list.states = states;
    t->base.u.coord_list.n_states = 1;
    t_handle(t);
    cr_assert_eq(t->n_groups, 1, "state filter (case-insensitive)");
    cr_assert_str_eq(t->gid[0], "g");
    t = t_groups(MQ_OP_COORD_DESCRIBE, "g", "unknown");
    cr_assert_eq(t->n_groups, 2);
    cr_assert_eq(t->gstate[1], MQ_COORD_DEAD);
    cr_assert_eq(t->gerr[1], MQ_COORD_NONE, "Kafka: unknown groups are Dead, no error");
    t = t_groups(MQ_OP_COORD_DELETE, "g", "unknown");
    cr_assert_eq(t->gerr[0], MQ_COORD_NON_EMPTY_GROUP);
    cr_assert_eq(t->gerr[1], MQ_COORD_GROUP_ID_NOT_FOUND);
    cr_assert_eq(t_query("g"), 42, "a refused delete keeps the offsets");
    l = t_leave("g", a, NULL);
    cr_assert_eq(l->errs[0], MQ_COORD_NONE);
    l = t_leave("g", b, NULL);
    cr_assert_eq(l->errs[0], MQ_COORD_NONE);
    t = t_groups(MQ_OP_COORD_DELETE, "g", "rmq-only");
    cr_assert_eq(t->gerr[0], MQ_COORD_NONE);
    cr_assert_eq(t->gerr[1], MQ_COORD_NONE);
    cr_assert_eq(t_query("g"), -1, "offsets deleted with the group");
    cr_assert_eq(t_query("rmq-only"), -1);
    t = t_groups(MQ_OP_COORD_DESCRIBE, "g", NULL);
    cr_assert_eq(t->gstate[0], MQ_COORD_DEAD);
    t = t_groups(MQ_OP_COORD_DELETE, "g", NULL);
    cr_assert_eq(t->gerr[0], MQ_COORD_GROUP_ID_NOT_FOUND);
    t = t_new(MQ_OP_COORD_LIST);
    t_handle(t);
    cr_assert_eq(t->n_groups, 0);
}

Test(bk_coord, restart_keeps_group_and_offsets)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, "inst-b");
    t_req_t *t, *jb, *sb;

    cr_assert_eq(t_commit("g", 1, gen, a, 1234)->status, MQ_OK);
    t_close();
    t_open(0);
    t = t_groups(MQ_OP_COORD_DESCRIBE, "g", NULL);
    cr_assert_eq(t->gstate[0], MQ_COORD_STABLE);
    cr_assert_str_eq(t->gproto[0], "range");
    cr_assert_eq(t->gmembers[0], 2);
    cr_assert_str_eq(t->gmember[0][0], a);
    cr_assert_str_eq(t->gmember[0][1], b);
    cr_assert_str_eq(t->gassign[0][0], "asg-A");
    cr_assert_str_eq(t->gassign[0][1], "asg-B");
    cr_assert_eq(t_query("g"), 1234);
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_NONE, "members carry on after the restart");
    cr_assert_eq(t_hb("g", gen + 1, a), MQ_COORD_ILLEGAL_GENERATION);
    /* the static member restarts too and gets its assignment back */
    jb = t_join("g", NULL, "inst-b", "meta-B");
    cr_assert_eq(jb->replied, 1);
    cr_assert_eq(jb->generation, gen);
    sb = t_sync("g", gen, jb->member_id, "inst-b", 0, NULL);
    cr_assert_str_eq(sb->assignment, "asg-B");
    /* members that never come back expire after their session timeout */
    t_advance(T_SESSION + 1);
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_UNKNOWN_MEMBER_ID);
}

Test(bk_coord, restart_mid_rebalance_restarts_it)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *jc = t_join("g", NULL, NULL, "meta-C"), *ja, *jb;

    cr_assert_eq(jc->replied, 0);
    t_close(); /* the parked JOIN is answered at shutdown */
    cr_assert_eq(jc->replied, 1);
    cr_assert_eq(jc->detail, MQ_COORD_COORDINATOR_NOT_AVAILABLE);
    t_open(0);
    cr_assert_eq(t_hb("g", gen, a), MQ_COORD_REBALANCE_IN_PROGRESS);
    ja = t_join("g", a, NULL, "meta-A");
    jb = t_join("g", b, NULL, "meta-B");
    cr_assert_eq(ja->replied, 0, "C (saved mid-join) is still a member");
    t_advance(T_REBALANCE + 1);
    cr_assert_eq(ja->replied, 1);
    cr_assert_eq(jb->replied, 1);
    cr_assert_eq(ja->n_members, 2, "C did not rejoin and is gone");
    cr_assert_eq(ja->generation, gen + 1);
}

Test(bk_coord, leader_never_syncs)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *ja, *jb, *sb;

    ja = t_join("g", a, NULL, "meta-A"); /* leader rejoin: rebalance */
    jb = t_join("g", b, NULL, "meta-B");
    cr_assert_eq(ja->replied, 1);
    cr_assert_eq(jb->replied, 1);
    sb = t_sync("g", gen + 1, b, NULL, 0, NULL);
    cr_assert_eq(sb->replied, 0);
    t_advance(T_REBALANCE + 1);
    cr_assert_eq(sb->replied, 1);
    cr_assert_eq(sb->detail, MQ_COORD_REBALANCE_IN_PROGRESS);
    cr_assert_eq(t_hb("g", gen + 1, a), MQ_COORD_UNKNOWN_MEMBER_ID, "the leader was dropped");
}

/* COORD_OFFSET_COMMIT / COORD_OFFSET_FETCH items: topic, queue, offset, epoch, metadata. */
typedef struct t_off_s {
    const char *topic;
    int32_t qid;
    int64_t offset;
    int32_t epoch;
    const char *meta;
} t_off_t;

static t_req_t *
t_offsets(mq_op_t op, const char *group, int32_t gen, const char *member, int n,
          const t_off_t *offs)
{
    t_req_t *t = t_new(op);
    mq_coord_offsets_t *o = &t->base.u.coord_offsets;
    o->group_id = t_s(group);
    o->generation = gen;
    o->member_id = t_s(member);
    o->n_items = n;
    if (n > 0) {
        o->items = mq_pcalloc(&t->pool, (size_t)n * sizeof(*o->items));
        for (int i = 0; i < n; i++) {
            o->items[i].topic = t_s(offs[i].topic);
            o->items[i].queue_id = offs[i].qid;
            o->items[i].offset = offs[i].offset;
            o->items[i].leader_epoch = offs[i].epoch;
            o->items[i].metadata = t_s(offs[i].meta);
        }
    }
    t_handle(t);
    cr_assert_eq(t->replied, 1);
    return t;
}

Test(bk_coord, offset_commit_fetch_with_metadata)
{
    static char big[5000];
    char a[256], b[256];
    int32_t gen;
    t_req_t *t;
    t_off_t want[3] = {
        {"TopicK", 0, 0, 0, NULL}, {"TopicK", 1, 0, 0, NULL}, {"TopicK", 2, 0, 0, NULL}};

    bk_topic_ensure(t_bk, "TopicK", 4, STORE_PERM_READ | STORE_PERM_WRITE);
    gen = t_stable_pair(a, b, NULL, NULL);
    memset(big, 'x', 4999);
    big[4999] = '\0';
    {
        t_off_t c[5] = {{"TopicK", 0, 100, 3, "meta0"},
                        {"TopicK", 1, 200, -1, ""},
                        {"TopicK", 9, 5, -1, ""},
                        {"Nope", 0, 1, -1, ""},
                        {"TopicK", 3, 7, -1, big}};
        t = t_offsets(MQ_OP_COORD_OFFSET_COMMIT, "g", gen, a, 5, c);
        cr_assert_eq(t->status, MQ_OK);
        cr_assert_eq(t->n_offs, 5);
        cr_assert_eq(t->offs[0].error, MQ_COORD_NONE);
        cr_assert_eq(t->offs[1].error, MQ_COORD_NONE);
        cr_assert_eq(t->offs[2].error, MQ_COORD_UNKNOWN_TOPIC_OR_PARTITION);
        cr_assert_eq(t->offs[3].error, MQ_COORD_UNKNOWN_TOPIC_OR_PARTITION);
        cr_assert_eq(t->offs[4].error, MQ_COORD_OFFSET_METADATA_TOO_LARGE);
        t = t_offsets(MQ_OP_COORD_OFFSET_COMMIT, "g", gen + 1, a, 1, c);
        cr_assert_eq(t->detail, MQ_COORD_ILLEGAL_GENERATION);
        cr_assert_eq(t->offs[0].error, MQ_COORD_ILLEGAL_GENERATION);
    }
    t = t_offsets(MQ_OP_COORD_OFFSET_FETCH, "g", -1, NULL, 3, want);
    cr_assert_eq(t->n_offs, 3);
    cr_assert_eq(t->offs[0].offset, 100);
    cr_assert_eq(t->offs[0].epoch, 3);
    cr_assert_str_eq(t->offs[0].meta, "meta0");
    cr_assert_eq(t->offs[1].offset, 200);
    cr_assert_eq(t->offs[1].epoch, -1);
    cr_assert_str_eq(t->offs[1].meta, "");
    cr_assert_eq(t->offs[2].offset, -1, "nothing committed");
    t = t_offsets(MQ_OP_COORD_OFFSET_FETCH, "g", -1, NULL, -1, NULL);
    cr_assert_eq(t->n_offs, 2, "all partitions the group committed");
    /* the offsets are RocketMQ's too */
    {
        t_req_t *q = t_new(MQ_OP_QUERY_GROUP_OFFSET);
        q->base.u.group_offset.group = MQ_STR("g");
        q->base.u.group_offset.topic = MQ_STR("TopicK");
        q->base.u.group_offset.queue_id = 1;
        t_handle(q);
        cr_assert_eq(q->offset, 200);
    }
    /* restart: metadata survives */
    t_close();
    t_open(0);
    t = t_offsets(MQ_OP_COORD_OFFSET_FETCH, "g", -1, NULL, 1, want);
    cr_assert_eq(t->offs[0].offset, 100);
    cr_assert_eq(t->offs[0].epoch, 3);
    cr_assert_str_eq(t->offs[0].meta, "meta0");
    /* a RocketMQ commit moves the offset: the Kafka metadata no longer applies */
    cr_assert_eq(t_commit("g", 0, 0, NULL, 150)->status, MQ_OK);
    t = t_offsets(MQ_OP_COORD_OFFSET_FETCH, "g", -1, NULL, 1, want);
    cr_assert_eq(t->offs[0].offset, 150);
    cr_assert_str_eq(t->offs[0].meta, "");
    cr_assert_eq(t->offs[0].epoch, -1);
    /* simple commit (no membership) to a group nobody coordinates */
    {
        t_off_t c[1] = {{"TopicK", 0, 9, 1, "m"}};
        t = t_offsets(MQ_OP_COORD_OFFSET_COMMIT, "solo", -1, "", 1, c);
        cr_assert_eq(t->offs[0].error, MQ_COORD_NONE);
        t = t_groups(MQ_OP_COORD_DELETE, "solo", NULL);
        cr_assert_eq(t->gerr[0], MQ_COORD_NONE);
        t = t_offsets(MQ_OP_COORD_OFFSET_FETCH, "solo", -1, NULL, -1, NULL);
        cr_assert_eq(t->n_offs, 0, "deleted with the group");
        /* the same offset committed again by RocketMQ after the delete: no stale metadata */
        cr_assert_eq(t_commit("solo", 0, 0, NULL, 9)->status, MQ_OK);
        t = t_offsets(MQ_OP_COORD_OFFSET_FETCH, "solo", -1, NULL, -1, NULL);
        cr_assert_eq(t->n_offs, 1);
        cr_assert_eq(t->offs[0].qid, 0);
        cr_assert_eq(t->offs[0].offset, 9);
        cr_assert_str_eq(t->offs[0].meta, "", "metadata of the deleted group is gone");
    }
}

Test(bk_coord, bad_text_is_refused)
{
    t_req_t *t = t_join("g\xff", NULL, NULL, "m");
    cr_assert_eq(t->detail, MQ_COORD_INVALID_GROUP_ID, "not UTF-8");
    t = t_new(MQ_OP_COORD_JOIN);
    t->base.u.join.group_id = (mq_str_t){"g\0x", 3};
    t->base.u.join.protocol_type = MQ_STR("consumer");
    t->base.u.join.session_timeout_ms = T_SESSION;
    t_handle(t);
    cr_assert_eq(t->detail, MQ_COORD_INVALID_GROUP_ID, "embedded NUL");
    t = t_groups(MQ_OP_COORD_LIST, NULL, NULL);
    cr_assert_eq(t->n_groups, 0);
}

Test(bk_coord, load_skips_malformed_entries)
{
    char path[1024];
    const char *text =
        "{\"version\":1,\"groups\":{"
        "\"good\":{\"state\":\"Stable\",\"protocolType\":\"consumer\",\"protocol\":\"range\","
        "\"generation\":7,\"leader\":\"m1\",\"members\":["
        "{\"memberId\":\"m1\",\"sessionTimeoutMs\":10000,\"rebalanceTimeoutMs\":20000,"
        "\"protocols\":[{\"name\":\"range\",\"metadata\":\"bWV0YQ==\"}],\"assignment\":\"YXNn\"},"
        "{\"memberId\":\"m2\",\"sessionTimeoutMs\":\"x\"},"
        "{\"memberId\":\"m3\",\"sessionTimeoutMs\":1,\"rebalanceTimeoutMs\":1,"
        "\"protocols\":[{\"name\":\"range\",\"metadata\":\"!!!\"}]}]},"
        "\"bad\":{\"generation\":\"seven\"},\"worse\":42},"
        "\"offsetMetadata\":[{\"group\":1},{\"group\":\"good\",\"topic\":\"T\",\"queueId\":0,"
        "\"offset\":5,\"leaderEpoch\":2,\"metadata\":\"bQ==\"}]}";
    FILE *f;
    t_req_t *t;

    t_close();
    snprintf(path, sizeof(path), "%s/config/groupCoordinator.json", t_dir);
    f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    t_open(0);
    t = t_groups(MQ_OP_COORD_DESCRIBE, "good", "bad");
    cr_assert_eq(t->gstate[0], MQ_COORD_STABLE);
    cr_assert_eq(t->gmembers[0], 1, "malformed members are skipped");
    cr_assert_str_eq(t->gmember[0][0], "m1");
    cr_assert_str_eq(t->gassign[0][0], "asg");
    cr_assert_eq(t->gstate[1], MQ_COORD_DEAD);
    cr_assert_eq(t_hb("good", 7, "m1"), MQ_COORD_NONE);
    /* a file that is not JSON at all refuses to start, like the other config tables */
    t_close();
    f = fopen(path, "w");
    fputs("{not json", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/config/groupCoordinator.json.bak", t_dir);
    unlink(path);
    {
        bk_config_t cfg;
        bk_t *bk = NULL;
        bk_config_defaults(&cfg);
        snprintf(cfg.store.root_dir, sizeof(cfg.store.root_dir), "%s", t_dir);
        cfg.store.commitlog_file_size = 65536;
        cfg.store.max_message_size = 2048;
        cfg.store.cq_file_size = 20 * 64;
        cr_assert_eq(bk_open(&cfg, &bk_test_exec, &bk), MQ_ECORRUPT);
    }
}

Test(bk_config, coordinator_keys)
{
    bk_config_t cfg;
    char err[128];
    bk_config_defaults(&cfg);
    cr_assert_eq(cfg.group_initial_delay_ms, 3000, "Kafka's default");
    cr_assert_eq(cfg.group_min_session_ms, 6000);
    cr_assert_eq(cfg.group_max_session_ms, 1800000);
    cr_assert_eq(bk_config_set(&cfg, "group.initial.rebalance.delay.ms", "0", err, sizeof(err)),
                 MQ_OK);
    cr_assert_eq(cfg.group_initial_delay_ms, 0);
    cr_assert_eq(bk_config_set(&cfg, "groupInitialRebalanceDelayMs", "250", err, sizeof(err)),
                 MQ_OK);
    cr_assert_eq(cfg.group_initial_delay_ms, 250);
    cr_assert_eq(bk_config_set(&cfg, "groupMinSessionTimeoutMs", "100", err, sizeof(err)), MQ_OK);
    cr_assert_eq(bk_config_set(&cfg, "group.max.session.timeout.ms", "9000", err, sizeof(err)),
                 MQ_OK);
    cr_assert_eq(bk_config_set(&cfg, "group.max.size", "3", err, sizeof(err)), MQ_OK);
    cr_assert_eq(cfg.group_max_size, 3);
    cr_assert_eq(bk_config_set(&cfg, "groupInitialRebalanceDelayMs", "-1", err, sizeof(err)),
                 MQ_EINVAL);
}

/* The generation the group file says "g" has, -1 if none. */
static int
t_file_generation(void)
{
    char path[1024], *text = NULL, *p;
    int gen = -1;
    snprintf(path, sizeof(path), "%s/config/groupCoordinator.json", t_dir);
    if (store_json_file_read(path, &text) != MQ_OK)
        return -1;
    p = strstr(text, "\"generation\": ");
    if (p)
        gen = atoi(p + 14);
    free(text);
    return gen;
}

Test(bk_coord, tick_persists_about_a_second_after_a_change)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, NULL);
    t_req_t *jc;

    cr_assert_eq(t_file_generation(), -1, "nothing written by the requests themselves");
    t_advance(1);
    cr_assert_eq(t_file_generation(), gen);
    jc = t_join("g", NULL, NULL, "meta-C");
    t_join("g", a, NULL, "meta-A");
    t_join("g", b, NULL, "meta-B");
    cr_assert_eq(jc->generation, gen + 1);
    t_advance(500);
    cr_assert_eq(t_file_generation(), gen, "at most one write a second");
    t_advance(500);
    cr_assert_eq(t_file_generation(), gen + 1);
}

Test(bk_coord, batch_leave_sync_protocol_check_and_max_size)
{
    char a[256], b[256];
    int32_t gen = t_stable_pair(a, b, NULL, "inst-b");
    t_req_t *t = t_new(MQ_OP_COORD_SYNC), *l;
    mq_coord_leaver_t *lv;

    t->base.u.sync.group_id = MQ_STR("g");
    t->base.u.sync.generation = gen;
    t->base.u.sync.member_id = t_s(a);
    t->base.u.sync.protocol_type = MQ_STR("connect");
    t_handle(t);
    cr_assert_eq(t->detail, MQ_COORD_INCONSISTENT_GROUP_PROTOCOL);
    t = t_new(MQ_OP_COORD_SYNC);
    t->base.u.sync.group_id = MQ_STR("g");
    t->base.u.sync.generation = gen;
    t->base.u.sync.member_id = t_s(a);
    t->base.u.sync.protocol_type = MQ_STR("consumer");
    t->base.u.sync.protocol_name = MQ_STR("range");
    t_handle(t);
    cr_assert_eq(t->detail, MQ_COORD_NONE);
    cr_assert_str_eq(t->assignment, "asg-A");
    /* group.max.size */
    t_bk->cfg.group_max_size = 2;
    t = t_join("g", NULL, NULL, "meta-C");
    cr_assert_eq(t->detail, MQ_COORD_GROUP_MAX_SIZE_REACHED);
    t_bk->cfg.group_max_size = INT32_MAX;
    /* LeaveGroup v3+: several members at once, each with its own error */
    l = t_new(MQ_OP_COORD_LEAVE);
    lv = mq_pcalloc(&l->pool, 3 * sizeof(*lv));
    lv[0].member_id = t_s(a);
    lv[1].member_id = MQ_STR("ghost");
    lv[2].group_instance_id = MQ_STR("inst-b");
    lv[2].member_id = MQ_STR("not-b"); /* the instance is held by another member id */
    l->base.u.leave.group_id = MQ_STR("g");
    l->base.u.leave.members = lv;
    l->base.u.leave.n_members = 3;
    t_handle(l);
    cr_assert_eq(l->n_members, 3);
    cr_assert_eq(l->errs[0], MQ_COORD_NONE);
    cr_assert_eq(l->errs[1], MQ_COORD_UNKNOWN_MEMBER_ID);
    cr_assert_eq(l->errs[2], MQ_COORD_FENCED_INSTANCE_ID);
    lv[1].member_id = t_s(b);
    lv[1].group_instance_id = MQ_STR("inst-b");
    l = t_new(MQ_OP_COORD_LEAVE);
    l->base.u.leave.group_id = MQ_STR("g");
    l->base.u.leave.members = &lv[1];
    l->base.u.leave.n_members = 1;
    t_handle(l);
    cr_assert_eq(l->errs[0], MQ_COORD_NONE);
    t = t_groups(MQ_OP_COORD_DESCRIBE, "g", NULL);
    cr_assert_eq(t->gstate[0], MQ_COORD_EMPTY, "both gone");
}

Test(bk_coord, rocketmq_groups_are_visible_and_protected)
{
    t_req_t *h = t_new(MQ_OP_CLIENT_HEARTBEAT), *t;
    mq_consumer_group_t *cg = mq_pcalloc(&h->pool, sizeof(*cg));
    mq_str_t states[1] = {MQ_STR("Stable")};

    cg->group = MQ_STR("rmq-live");
    h->base.u.heartbeat.client_id = MQ_STR("127.0.0.1@1");
    h->base.u.heartbeat.consumer_groups = cg;
    h->base.u.heartbeat.n_consumer_groups = 1;
    t_handle(h);
    cr_assert_eq(h->status, MQ_OK);
    t = t_new(MQ_OP_COORD_LIST);
    t->base.u.coord_list.states = states;
    t->base.u.coord_list.n_states = 1;
    t_handle(t);
    cr_assert_eq(t->n_groups, 1);
    cr_assert_str_eq(t->gid[0], "rmq-live");
    t = t_groups(MQ_OP_COORD_DESCRIBE, "rmq-live", NULL);
    cr_assert_eq(t->gstate[0], MQ_COORD_STABLE, "RocketMQ clients are registered");
    cr_assert_eq(t->gmembers[0], 0);
    t = t_groups(MQ_OP_COORD_DELETE, "rmq-live", NULL);
    cr_assert_eq(t->gerr[0], MQ_COORD_NON_EMPTY_GROUP);
}
