/* SPDX-License-Identifier: Apache-2.0
 *
 * test_lock.c -- queue locks of orderly consumption (broker/bk_lock.c) driven through the
 * broker's mq_service_t with fake QUEUE_LOCK / QUEUE_UNLOCK / CLIENT_UNREGISTER requests and
 * fake sessions: grants and refusals, renewal, groups and broker names kept apart, unlock of
 * one's own locks only, expiry (a 300 ms live time), locks released when a session closes or its
 * client unregisters, and bk_locks_group_holds.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bk_int.h"
#include "bk_test_exec.h"
#include "mq/log.h"
#include "mq_test.h"

/* A fake request and what its reply said. */
typedef struct l_req_s {
    mq_req_t base;
    mq_pool_t pool;
    int replied;
    int status;
    int n_granted;
    int32_t granted[16]; /* queue ids of lockOKMQSet */
    char brokers[16][32];
} l_req_t;

static bk_t *l_bk;
static char *l_dir;
static int l_session_a, l_session_b; /* their addresses are the sessions */

static void
l_reply(mq_req_t *r, int status, const mq_rep_t *rep)
{
    l_req_t *t = MQ_CONTAINER_OF(r, l_req_t, base);
    t->replied++;
    t->status = status;
    if (r->op == MQ_OP_QUEUE_LOCK && status == MQ_OK) {
        t->n_granted = rep->u.locked.n;
        for (int i = 0; i < rep->u.locked.n && i < 16; i++) {
            t->granted[i] = rep->u.locked.mqs[i].queue_id;
            snprintf(t->brokers[i], sizeof(t->brokers[i]), "%.*s",
                     (int)rep->u.locked.mqs[i].broker_name.n, rep->u.locked.mqs[i].broker_name.p);
        }
    }
}

static void
l_setup(void)
{
    bk_config_t cfg;
    mq_log_set_level(MQ_LOG_WARN);
    l_dir = mq_test_tmpdir("lock");
    bk_config_defaults(&cfg);
    snprintf(cfg.store.root_dir, sizeof(cfg.store.root_dir), "%s", l_dir);
    cfg.store.commitlog_file_size = 65536;
    cfg.store.max_message_size = 2048;
    cfg.store.cq_file_size = 20 * 64;
    cfg.store.index_slots = 64;
    cfg.store.index_max_entries = 512;
    cfg.store.clean_interval_ms = 3600000;
    cfg.store.warm_mapped_file = 0;
    cfg.lock_max_live_ms = 300;
    cr_assert_eq(bk_open(&cfg, &bk_test_exec, &l_bk), MQ_OK);
}

static void
l_teardown(void)
{
    bk_close(l_bk);
    bk_free(l_bk);
    mq_test_rmtree(l_dir);
    free(l_dir);
}

TestSuite(bk_lock, .init = l_setup, .fini = l_teardown);

/* Sends a lock (op QUEUE_LOCK) or unlock of queues qids[0..n) of topic T on broker-a (a
 * negative id: that queue on broker-b) for client in group, on session; returns a bitmask of
 * the granted ids (broker-b ones shifted by 16). */
static unsigned
l_call(mq_op_t op, void *session, const char *group, const char *client, const int *qids, int n)
{
    l_req_t t;
    mq_queue_lock_t *q = &t.base.u.queue_lock;
    unsigned mask = 0;
    memset(&t, 0, sizeof(t));
    mq_pool_init(&t.pool, 0);
    t.base.op = op;
    t.base.pool = &t.pool;
    t.base.reply = l_reply;
    t.base.session = session;
    q->group = mq_str_from_cstr(group);
    q->client_id = mq_str_from_cstr(client);
    q->mqs = mq_pcalloc(&t.pool, (size_t)n * sizeof(*q->mqs) + 1);
    for (int i = 0; i < n; i++) {
        q->mqs[i].topic = MQ_STR("T");
        q->mqs[i].broker_name = qids[i] < 0 ? MQ_STR("broker-b") : MQ_STR("broker-a");
        q->mqs[i].queue_id = qids[i] < 0 ? -qids[i] : qids[i];
    }
    q->n_mqs = n;
    bk_service(l_bk)->handle(bk_service(l_bk), &t.base);
    cr_assert_eq(t.replied, 1);
    cr_assert_eq(t.status, MQ_OK);
    for (int i = 0; i < t.n_granted; i++)
        mask |= 1u << (t.granted[i] + (strcmp(t.brokers[i], "broker-b") == 0 ? 16 : 0));
    mq_pool_fini(&t.pool);
    return mask;
}

#define LOCK(s, g, c, ...)                                                                         \
    l_call(MQ_OP_QUEUE_LOCK, (s), (g), (c), (const int[]){__VA_ARGS__},                            \
           (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)))
#define UNLOCK(s, g, c, ...)                                                                       \
    (void)l_call(MQ_OP_QUEUE_UNLOCK, (s), (g), (c), (const int[]){__VA_ARGS__},                    \
                 (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)))

static void
l_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

Test(bk_lock, grant_refuse_renew)
{
    void *a = &l_session_a, *b = &l_session_b;
    cr_expect_eq(LOCK(a, "g", "A", 0, 1), 0x3u);
    cr_expect_eq(LOCK(b, "g", "B", 1, 2), 0x4u, "1 is A's");
    cr_expect_eq(LOCK(a, "g", "A", 0, 1, 2), 0x3u, "A renews its own, not B's");
    cr_expect_eq(LOCK(b, "g2", "B", 0, 1), 0x3u, "another group, other locks");
    cr_expect_eq(LOCK(b, "g", "B", -1, 1, 1), 1u << 17, "broker-b:1 is another queue; set");
    cr_expect(bk_locks_group_holds(l_bk, MQ_STR("g")));
    cr_expect(!bk_locks_group_holds(l_bk, MQ_STR("gx")));
}

Test(bk_lock, unlock_own_only)
{
    void *a = &l_session_a, *b = &l_session_b;
    cr_expect_eq(LOCK(a, "g", "A", 0, 1), 0x3u);
    UNLOCK(b, "g", "B", 0, 1);
    cr_expect_eq(LOCK(b, "g", "B", 0, 1), 0u, "B cannot unlock A's queues");
    UNLOCK(a, "g", "A", 1);
    cr_expect_eq(LOCK(b, "g", "B", 0, 1), 0x2u, "A's unlocked queue is free");
    UNLOCK(a, "g", "A", 0);
    UNLOCK(b, "g", "B", 1);
    cr_expect(!bk_locks_group_holds(l_bk, MQ_STR("g")), "no lock left");
}

Test(bk_lock, expiry)
{
    void *a = &l_session_a, *b = &l_session_b;
    int64_t renewed;
    unsigned got;
    cr_expect_eq(LOCK(a, "g", "A", 0, 1), 0x3u);
    l_sleep_ms(200);
    cr_expect_eq(LOCK(a, "g", "A", 1), 0x2u, "renew 1 only");
    renewed = mq_now_ms();
    l_sleep_ms(200); /* 0 last granted 400 ms ago: expired; 1 200 ms ago */
    got = LOCK(b, "g", "B", 0, 1);
    if (mq_now_ms() - renewed < 290) /* a slow machine may have slept past 1's expiry too */
        cr_expect_eq(got, 0x1u, "expired 0 taken over, 1 still A's");
    else
        cr_expect(got & 0x1u, "expired 0 taken over");
    cr_expect_eq(LOCK(a, "g", "A", 0), 0u, "A lost 0");
    l_sleep_ms(350);
    cr_expect(!bk_locks_group_holds(l_bk, MQ_STR("g")), "all expired");
}

Test(bk_lock, session_close_releases)
{
    void *a = &l_session_a, *b = &l_session_b;
    int other;
    cr_expect_eq(LOCK(a, "g", "A", 0, 1), 0x3u);
    cr_expect_eq(LOCK(a, "g2", "A", 0), 0x1u);
    cr_expect_eq(LOCK(b, "g", "B", 2), 0x4u);
    bk_service(l_bk)->session_closed(bk_service(l_bk), &other); /* an unrelated connection */
    cr_expect_eq(LOCK(b, "g", "B", 0, 1), 0u);
    bk_service(l_bk)->session_closed(bk_service(l_bk), a);
    cr_expect_eq(LOCK(b, "g", "B", 0, 1, 2), 0x7u, "A's locks went with its connection");
    cr_expect_eq(LOCK(b, "g2", "B", 0), 0x1u, "in every group");
}

Test(bk_lock, renewal_moves_the_session)
{
    void *a = &l_session_a, *b = &l_session_b;
    cr_expect_eq(LOCK(a, "g", "A", 0), 0x1u);
    cr_expect_eq(LOCK(b, "g", "A", 0), 0x1u, "A renews on another connection");
    bk_service(l_bk)->session_closed(bk_service(l_bk), a);
    cr_expect_eq(LOCK(a, "g", "C", 0), 0u, "held through A's newer connection");
}

Test(bk_lock, unregister_releases_in_group)
{
    void *a = &l_session_a, *b = &l_session_b;
    l_req_t t;
    cr_expect_eq(LOCK(a, "g", "A", 0), 0x1u);
    cr_expect_eq(LOCK(a, "g2", "A", 0), 0x1u);
    memset(&t, 0, sizeof(t));
    mq_pool_init(&t.pool, 0);
    t.base.op = MQ_OP_CLIENT_UNREGISTER;
    t.base.pool = &t.pool;
    t.base.reply = l_reply;
    t.base.session = a;
    t.base.u.client_unregister.client_id = MQ_STR("A");
    t.base.u.client_unregister.consumer_group = MQ_STR("g");
    bk_service(l_bk)->handle(bk_service(l_bk), &t.base);
    cr_expect_eq(t.replied, 1);
    mq_pool_fini(&t.pool);
    cr_expect_eq(LOCK(b, "g", "B", 0), 0x1u, "free in the group A left");
    cr_expect_eq(LOCK(b, "g2", "B", 0), 0u, "still A's in the other group");
}
