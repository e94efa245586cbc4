/* SPDX-License-Identifier: Apache-2.0
 *
 * store.c -- opening and closing the store: directories, the `lock` file (one broker per
 * store), the `abort` marker, the checkpoint file, and the store's threads; plus statistics.
 *
 *   store_open:  check config -> mkdir -> flock(lock) -> recover -> flush recovered state ->
 *                create `abort` -> start alloc, flush, flush-cq, dispatch, clean threads
 *   store_close: stop puts -> flush CommitLog (waiters complete) -> finish dispatch -> stop
 *                threads -> flush queues, index, checkpoint (confirmPhyOffset = end) ->
 *                remove `abort` -> unlock
 * A clean close leaves no `abort` file, so the next open skips the walk (instant restart).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "mq/log.h"
#include "store_int.h"

static void
store_paths(store_t *s)
{
    const store_config_t *c = &s->cfg;
    if (c->commitlog_dir[0])
        snprintf(s->cl_dir, sizeof(s->cl_dir), "%s", c->commitlog_dir);
    else
        snprintf(s->cl_dir, sizeof(s->cl_dir), "%s/commitlog", c->root_dir);
    snprintf(s->cq_dir, sizeof(s->cq_dir), "%s/consumequeue", c->root_dir);
    snprintf(s->index_dir, sizeof(s->index_dir), "%s/index", c->root_dir);
}

static int
store_lock_root(store_t *s)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/lock", s->cfg.root_dir);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        MQ_LOG_ERROR("store", "cannot open %s: %s", path, strerror(errno));
        return MQ_EIO;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        MQ_LOG_ERROR("store", "%s is locked: another broker is using the store %s", path,
                     s->cfg.root_dir);
        close(s->lock_fd);
        s->lock_fd = -1;
        return MQ_EBUSY;
    }
    if (pwrite(s->lock_fd, "lock", 4, 0) != 4)
        MQ_LOG_WARN("store", "cannot write %s", path);
    return MQ_OK;
}

static void
store_init_sync(store_t *s)
{
    pthread_mutex_init(&s->put_lock, NULL);
    pthread_mutex_init(&s->dispatch_mu, NULL);
    pthread_mutex_init(&s->dispatch_work_mu, NULL);
    store_cond_init(&s->dispatch_cv);
    store_cond_init(&s->dispatched_cv);
    pthread_mutex_init(&s->flush_mu, NULL);
    pthread_mutex_init(&s->flush_cl_mu, NULL);
    store_cond_init(&s->flush_cv);
    pthread_mutex_init(&s->flush_cq_mu, NULL);
    store_cond_init(&s->flush_cq_cv);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_mutex_init(&s->alloc_mu, NULL);
    store_cond_init(&s->alloc_cv);
    store_cond_init(&s->alloc_done_cv);
    s->alloc_busy = -1;
    pthread_mutex_init(&s->clean_run_mu, NULL);
    pthread_mutex_init(&s->clean_mu, NULL);
    store_cond_init(&s->clean_cv);
    pthread_mutex_init(&s->status_mu, NULL);
    s->waiters = NULL;
    s->waiters_tail = &s->waiters;
}

static void
store_free(store_t *s)
{
    store_seg_release(s->cl_cur);
    store_qtable_fini(&s->queues);
    store_index_close(s->index);
    store_mfq_fini(&s->cl);
    store_dispatch_fini(s);
    mq_buf_fini(&s->put_buf);
    if (s->ckpt_fd >= 0)
        close(s->ckpt_fd);
    if (s->lock_fd >= 0) {
        flock(s->lock_fd, LOCK_UN);
        close(s->lock_fd);
    }
    free(s);
}

static int
store_start_thread(pthread_t *t, void *(*fn)(void *), store_t *s, const char *name)
{
    if (pthread_create(t, NULL, fn, s) != 0) {
        MQ_LOG_ERROR("store", "cannot start thread %s", name);
        return MQ_ERR;
    }
    pthread_setname_np(*t, name);
    return MQ_OK;
}

int
store_open(const store_config_t *cfg, store_t **out)
{
    store_t *s;
    char err[256], path[700];
    int rc, fd;

    *out = NULL;
    if (store_config_check(cfg, err, sizeof(err)) != MQ_OK) {
        MQ_LOG_ERROR("store", "bad store configuration: %s", err);
        return MQ_EINVAL;
    }
    s = mq_xcalloc(1, sizeof(*s));
    s->cfg = *cfg;
    s->lock_fd = s->ckpt_fd = -1;
    store_paths(s);
    store_init_sync(s);
    store_qtable_init(&s->queues);
    store_dispatch_init(s);
    s->cl_pwrite = cfg->flush_mode == STORE_SYNC_FLUSH || cfg->write_not_mapped;
    store_mfq_init(&s->cl, s->cl_dir, cfg->commitlog_file_size, 1,
                   s->cl_pwrite ? STORE_SEG_SMALL_PAGES : 0);
    if (s->cl_pwrite)
        s->cfg.warm_mapped_file = 0; /* nothing is written through the mapping */
    mq_buf_init(&s->put_buf);
    s->test_skip_flush = getenv("MQ_STORE_TEST_SKIP_FLUSH") != NULL;
    if (s->test_skip_flush)
        MQ_LOG_WARN("store", "MQ_STORE_TEST_SKIP_FLUSH is set: nothing is flushed (tests only)");
    atomic_init(&s->running, 1);

    snprintf(path, sizeof(path), "%s/config", cfg->root_dir);
    if (store_mkdirs(cfg->root_dir) != MQ_OK || store_mkdirs(s->cl_dir) != MQ_OK ||
        store_mkdirs(s->cq_dir) != MQ_OK || store_mkdirs(path) != MQ_OK) {
        rc = MQ_EIO;
        goto err;
    }
    rc = store_lock_root(s);
    if (rc != MQ_OK)
        goto err;
    rc = store_recover(s);
    if (rc != MQ_OK)
        goto err;

    snprintf(path, sizeof(path), "%s/checkpoint", cfg->root_dir);
    s->ckpt_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->ckpt_fd < 0) {
        MQ_LOG_ERROR("store", "cannot open %s: %s", path, strerror(errno));
        rc = MQ_EIO;
        goto err;
    }
    /* Recovery left s->ckpt claiming only what is known durable (store_recover.c); what it
     * rebuilt is flushed by the threads within their first interval, not here, so that a
     * restart does not wait for it. */
    rc = store_ckpt_write(s->ckpt_fd, &s->ckpt);
    if (rc != MQ_OK) {
        MQ_LOG_ERROR("store", "cannot write %s", path);
        goto err;
    }

    snprintf(path, sizeof(path), "%s/abort", cfg->root_dir);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        MQ_LOG_ERROR("store", "cannot create %s: %s", path, strerror(errno));
        rc = MQ_EIO;
        goto err;
    }
    close(fd);
    store_fsync_dir(cfg->root_dir);
    atomic_store(&s->warm_trigger, cfg->warm_mapped_file ? 0 : INT64_MAX);

    if (store_start_thread(&s->alloc_thread, store_alloc_main, s, "mq-alloc") != MQ_OK ||
        store_start_thread(&s->flush_thread, store_flush_main, s, "mq-flush") != MQ_OK ||
        store_start_thread(&s->flush_cq_thread, store_flush_cq_main, s, "mq-flush-cq") != MQ_OK ||
        store_start_thread(&s->dispatch_thread, store_dispatch_main, s, "mq-dispatch") != MQ_OK ||
        store_start_thread(&s->clean_thread, store_clean_main, s, "mq-clean") != MQ_OK)
        abort(); /* cannot run without them; pthread_create fails only without resources */
    store_clean_now(s, 0); /* measure the disk before the first put */
    *out = s;
    return MQ_OK;
err:
    store_free(s);
    return rc;
}

static void
store_wake_all(store_t *s)
{
    pthread_mutex_lock(&s->alloc_mu);
    pthread_cond_broadcast(&s->alloc_cv);
    pthread_mutex_unlock(&s->alloc_mu);
    pthread_mutex_lock(&s->flush_mu);
    pthread_cond_broadcast(&s->flush_cv);
    pthread_mutex_unlock(&s->flush_mu);
    pthread_mutex_lock(&s->flush_cq_mu);
    pthread_cond_broadcast(&s->flush_cq_cv);
    pthread_mutex_unlock(&s->flush_cq_mu);
    pthread_mutex_lock(&s->dispatch_mu);
    pthread_cond_broadcast(&s->dispatch_cv);
    pthread_mutex_unlock(&s->dispatch_mu);
    pthread_mutex_lock(&s->clean_mu);
    pthread_cond_broadcast(&s->clean_cv);
    pthread_mutex_unlock(&s->clean_mu);
}

void
store_close(store_t *s)
{
    char path[700];
    if (!s)
        return;
    /* No new puts: wait for the one in progress, if any. */
    pthread_mutex_lock(&s->put_lock);
    atomic_store(&s->running, 0);
    pthread_mutex_unlock(&s->put_lock);
    store_wake_all(s);
    pthread_join(s->flush_thread, NULL);
    pthread_join(s->flush_cq_thread, NULL);
    pthread_join(s->alloc_thread, NULL);
    pthread_join(s->clean_thread, NULL);
    pthread_join(s->dispatch_thread, NULL);

    /* Everything appended becomes durable and dispatched. */
    store_flush_commitlog(s, atomic_load(&s->cl_max));
    store_waiters_complete_upto(s, atomic_load(&s->cl_flushed));
    store_waiters_fail_all(s, MQ_ECLOSED);
    if (atomic_load(&s->dispatched) < atomic_load(&s->cl_max))
        store_dispatch_range(s, atomic_load(&s->dispatched), atomic_load(&s->cl_max));
    store_vis_waiters_complete(s, atomic_load(&s->dispatched), 0, MQ_OK);
    store_vis_waiters_complete(s, 0, 1, MQ_ECLOSED);
    store_flush_queues_and_checkpoint(s, 1);

    snprintf(path, sizeof(path), "%s/abort", s->cfg.root_dir);
    if (atomic_load(&s->dispatched) == atomic_load(&s->cl_max)) {
        unlink(path);
        store_fsync_dir(s->cfg.root_dir);
    } else {
        MQ_LOG_WARN("store",
                    "dispatch did not reach the end of the CommitLog; leaving %s so the "
                    "next start rebuilds",
                    path);
    }
    MQ_LOG_INFO("store", "store %s closed at CommitLog offset %lld", s->cfg.root_dir,
                (long long)atomic_load(&s->cl_max));
    store_free(s);
}

void
store_set_arrival_cb(store_t *s, store_arrival_fn fn, void *arg)
{
    /* The dispatcher snapshots (callback, argument) per run; clearing the callback first and
     * setting it last keeps it from ever pairing a callback with another's argument. */
    atomic_store(&s->arrival_cb, NULL);
    atomic_store(&s->arrival_arg, arg);
    atomic_store(&s->arrival_cb, fn);
}

void
store_set_flush_hook(store_t *s, store_flush_hook_fn fn, void *arg)
{
    pthread_mutex_lock(&s->flush_cl_mu);
    s->flush_hook_arg = arg;
    s->flush_hook = fn;
    pthread_mutex_unlock(&s->flush_cl_mu);
}

void
store_get_stats(store_t *s, store_stats_t *st)
{
    memset(st, 0, sizeof(*st));
    st->commitlog_min = atomic_load(&s->cl_min);
    st->commitlog_max = atomic_load(&s->cl_max);
    st->commitlog_flushed = atomic_load(&s->cl_flushed);
    st->dispatched = atomic_load(&s->dispatched);
    st->put_msgs = atomic_load(&s->put_msgs);
    st->put_bytes = atomic_load(&s->put_bytes);
    pthread_rwlock_rdlock(&s->queues.lock);
    st->queues = (int64_t)s->queues.count;
    pthread_rwlock_unlock(&s->queues.lock);
    st->disk_ratio = (double)atomic_load(&s->disk_ratio_ppm) / 1e6;
    st->disk_full = atomic_load(&s->disk_full);
    st->recovered_abnormally = s->recovered_abnormally;
}
