/* SPDX-License-Identifier: Apache-2.0
 *
 * test_store_flush.c -- flush modes: SYNC_FLUSH completes puts asynchronously once a flush
 * covers them, concurrent puts share flushes (group commit), WAIT=false puts do not wait;
 * ASYNC_FLUSH writes out within the interval; the flush hook reports growing extents.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "store_test_util.h"

typedef struct hook_s {
    pthread_mutex_t mu;
    int calls;
    int64_t last;
    int went_back;
} hook_t;

static void
count_hook(void *arg, int64_t off)
{
    hook_t *h = arg;
    pthread_mutex_lock(&h->mu);
    h->calls++;
    if (off < h->last)
        h->went_back = 1;
    h->last = off;
    pthread_mutex_unlock(&h->mu);
}

typedef struct done_s {
    store_waiter_t w;
    _Atomic int status;
    _Atomic int called;
} done_t;

static void
done_cb(store_waiter_t *w, int status)
{
    done_t *d = MQ_CONTAINER_OF(w, done_t, w);
    atomic_store(&d->status, status);
    atomic_fetch_add(&d->called, 1);
}

Test(store_flush, sync_put_completes_later_through_the_waiter)
{
    char *dir = mq_test_tmpdir("sync");
    store_config_t cfg;
    store_t *st;
    hook_t h = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
    done_t d;
    mq_msg_t m;
    int rc;

    st_quiet();
    st_config(&cfg, dir);
    cfg.flush_mode = STORE_SYNC_FLUSH;
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    store_set_flush_hook(st, count_hook, &h);
    memset(&d, 0, sizeof(d));
    d.w.cb = done_cb;
    st_msg(&m, "S", 0, "durable", "");
    rc = store_put(st, &m, 1, &d.w);
    cr_assert(rc == MQ_AGAIN || rc == MQ_OK);
    for (int i = 0; i < 2500 && rc == MQ_AGAIN && !atomic_load(&d.called); i++)
        usleep(2000);
    if (rc == MQ_AGAIN) {
        cr_expect_eq(atomic_load(&d.called), 1);
        cr_expect_eq(atomic_load(&d.status), MQ_OK);
    }
    pthread_mutex_lock(&h.mu);
    cr_expect_geq(h.last, m.phys_offset + m.store_size, "the flush covered the put");
    pthread_mutex_unlock(&h.mu);
    /* WAIT=false: no waiter, returns at once */
    st_msg(&m, "S", 0, "nowait", "");
    cr_expect_eq(store_put(st, &m, 1, NULL), MQ_OK);
    store_wait_dispatched(st);
    cr_expect_eq(store_max_offset(st, MQ_STR("S"), 0), 2);
    store_close(st);
    mq_test_rmtree(dir);
    free(dir);
}

typedef struct worker_s {
    store_t *st;
    int id;
    int failures;
} worker_t;

static void *
put_many(void *arg)
{
    worker_t *w = arg;
    char topic[16];
    snprintf(topic, sizeof(topic), "G%d", w->id % 4);
    for (int i = 0; i < 150; i++) {
        mq_msg_t m;
        st_msg(&m, topic, w->id, "group commit", "");
        if (store_put_wait(w->st, &m, 1) != MQ_OK)
            w->failures++;
    }
    return NULL;
}

Test(store_flush, concurrent_sync_puts_share_flushes, .timeout = 60)
{
    char *dir = mq_test_tmpdir("group");
    store_config_t cfg;
    store_t *st;
    hook_t h = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
    pthread_t t[16];
    worker_t w[16];
    store_stats_t ss;

    st_quiet();
    st_config(&cfg, dir);
    cfg.flush_mode = STORE_SYNC_FLUSH;
    cfg.commitlog_file_size = 1 << 20;
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    store_set_flush_hook(st, count_hook, &h);
    for (int i = 0; i < 16; i++) {
        w[i] = (worker_t){st, i, 0};
        pthread_create(&t[i], NULL, put_many, &w[i]);
    }
    for (int i = 0; i < 16; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(w[i].failures, 0);
    }
    store_get_stats(st, &ss);
    cr_expect_eq(ss.put_msgs, 16 * 150);
    cr_expect_eq(ss.commitlog_flushed, ss.commitlog_max);
    pthread_mutex_lock(&h.mu);
    cr_expect_lt(h.calls, 16 * 150, "%d flushes for %d puts: flushes are shared", h.calls,
                 16 * 150);
    cr_expect_eq(h.went_back, 0);
    pthread_mutex_unlock(&h.mu);
    store_close(st);
    mq_test_rmtree(dir);
    free(dir);
}

Test(store_flush, async_flush_catches_up_within_the_interval)
{
    char *dir = mq_test_tmpdir("async");
    store_config_t cfg;
    store_t *st;
    store_stats_t ss;
    mq_msg_t m;
    st_quiet();
    st_config(&cfg, dir);
    cfg.flush_interval_ms = 20;
    cfg.flush_least_pages = 0;
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    st_msg(&m, "A", 0, "later", "");
    cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    for (int i = 0; i < 200; i++) {
        store_get_stats(st, &ss);
        if (ss.commitlog_flushed >= m.phys_offset + m.store_size)
            break;
        usleep(5000);
    }
    cr_expect_geq(ss.commitlog_flushed, m.phys_offset + m.store_size);
    store_close(st);
    mq_test_rmtree(dir);
    free(dir);
}
