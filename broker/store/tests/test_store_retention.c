/* SPDX-License-Identifier: Apache-2.0
 *
 * test_store_retention.c -- retention (fileReservedTime, deleteWhen, never the last segment,
 * ConsumeQueue and index files trimmed with the CommitLog), slices that outlive a deleted
 * segment, and disk-full: refusal with a message naming path, ratio and key, then acceptance
 * again once space is back.
 */
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "mq/rd.h"
#include "store_test_util.h"

static int
count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    if (d)
        closedir(d);
    return n;
}

/* Sets the mtime of every CommitLog segment but the newest `keep` to `age_s` seconds ago. */
static void
age_segments(const char *root, int keep, int age_s)
{
    char dir[1100];
    DIR *d;
    struct dirent *e;
    char *names[256];
    int n = 0;
    snprintf(dir, sizeof(dir), "%s/commitlog", root);
    d = opendir(dir);
    while (d && (e = readdir(d)) != NULL && n < 256)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    for (int i = 0; i < n; i++) {
        int newer = 0;
        for (int j = 0; j < n; j++)
            newer += strcmp(names[j], names[i]) > 0;
        if (newer >= keep) {
            char path[1400];
            struct timeval tv[2];
            gettimeofday(&tv[0], NULL);
            tv[0].tv_sec -= age_s;
            tv[1] = tv[0];
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
            cr_assert_eq(utimes(path, tv), 0);
        }
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
}

static void
fill(store_t *st, const char *topic, int n, int body_len)
{
    char *body = malloc((size_t)body_len + 1);
    memset(body, 'r', (size_t)body_len);
    body[body_len] = '\0';
    for (int i = 0; i < n; i++) {
        mq_msg_t m;
        char props[64];
        snprintf(props, sizeof(props), "KEYS\001k%d\002", i);
        st_msg(&m, topic, 0, body, props);
        int rc = store_put(st, &m, 1, NULL);
        cr_assert_eq(rc, MQ_OK, "put %d: %s", i, mq_err_name(rc));
    }
    free(body);
    store_wait_dispatched(st);
    store_flush_all(st);
}

Test(store_retention, expired_segments_go_but_never_the_last)
{
    char *dir = mq_test_tmpdir("ret");
    char cldir[1100], cqdir[1100], ixdir[1100];
    store_config_t cfg;
    store_t *st;
    store_get_result_t r;
    store_slice_t sl[4], old;
    store_stats_t ss;

    st_quiet();
    st_config(&cfg, dir);
    cfg.file_reserved_hours = 0.0005; /* 1.8 s: fractional hours are accepted */
    snprintf(cfg.delete_when, sizeof(cfg.delete_when), "*");
    cfg.index_max_entries = 64;
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    fill(st, "Ret", 80, 1000); /* ~11 segments of 8 KiB, ~2 CQ files, several index files */
    snprintf(cldir, sizeof(cldir), "%s/commitlog", dir);
    snprintf(cqdir, sizeof(cqdir), "%s/consumequeue/Ret/0", dir);
    snprintf(ixdir, sizeof(ixdir), "%s/index", dir);
    int segs = count_files(cldir), ixs = count_files(ixdir);
    cr_assert_geq(segs, 6);
    cr_assert_geq(count_files(cqdir), 2);
    cr_assert_geq(ixs, 2);

    /* a reader holds the first record across its deletion */
    cr_assert_eq(store_read_record(st, 0, &old), MQ_OK);

    /* fresh files are kept even though deleteWhen matches */
    store_clean_now(st, 0);
    store_get_stats(st, &ss);
    cr_expect_eq(ss.commitlog_min, 0);

    age_segments(dir, 0, 10); /* even the last one looks expired */
    store_clean_now(st, 0);   /* at most 10 segments go per run, as in RocketMQ */
    store_clean_now(st, 0);
    store_get_stats(st, &ss);
    cr_expect_eq(ss.commitlog_min, ss.commitlog_max - ss.commitlog_max % 8192,
                 "all expired segments but the last are deleted (min %lld max %lld)",
                 (long long)ss.commitlog_min, (long long)ss.commitlog_max);
    cr_expect_eq(count_files(cqdir), 1, "consume queue files below the new minimum are deleted");
    cr_expect_lt(count_files(ixdir), ixs, "index files below the new minimum are deleted");

    /* the held slice is still readable, then released */
    mq_msg_t d;
    cr_expect_eq(mq_msg_record_decode(old.p, old.len, &d), MQ_OK);
    cr_expect_eq(d.body.n, 1000);
    store_slice_release(&old);

    int64_t min = store_min_offset(st, MQ_STR("Ret"), 0);
    cr_expect_gt(min, 0);
    store_get_messages(st, MQ_STR("Ret"), 0, 0, 4, 1 << 20, NULL, sl, &r);
    cr_expect_eq(r.status, STORE_GET_OFFSET_TOO_SMALL);
    cr_expect_eq(r.next_offset, min);
    store_get_messages(st, MQ_STR("Ret"), 0, min, 4, 1 << 20, NULL, sl, &r);
    cr_expect_eq(r.status, STORE_GET_FOUND);
    for (int i = 0; i < r.count; i++)
        store_slice_release(&sl[i]);
    store_slice_t gone;
    cr_expect_neq(store_read_record(st, 0, &gone), MQ_OK);

    /* the minimum survives a restart */
    store_close(st);
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    cr_expect_eq(store_min_offset(st, MQ_STR("Ret"), 0), min, "min %lld after restart, %lld before",
                 (long long)store_min_offset(st, MQ_STR("Ret"), 0), (long long)min);
    store_close(st);
    mq_test_rmtree(dir);
    free(dir);
}

Test(store_retention, nothing_is_deleted_outside_delete_when)
{
    char *dir = mq_test_tmpdir("when");
    char cldir[1100];
    store_config_t cfg;
    store_t *st;
    time_t now = time(NULL);
    struct tm tm;

    st_quiet();
    localtime_r(&now, &tm);
    st_config(&cfg, dir);
    cfg.file_reserved_hours = 0.0005;
    snprintf(cfg.delete_when, sizeof(cfg.delete_when), "%02d", (tm.tm_hour + 12) % 24);
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    fill(st, "W", 30, 1000);
    snprintf(cldir, sizeof(cldir), "%s/commitlog", dir);
    store_stats_t ss;
    age_segments(dir, 0, 10); /* all of them: the last one is never deleted anyway */
    store_clean_now(st, 0);
    store_get_stats(st, &ss);
    cr_expect_eq(ss.commitlog_min, 0, "deleteWhen does not match: nothing deleted");
    store_clean_now(st, 1); /* a manual deletion ignores deleteWhen */
    store_get_stats(st, &ss);
    cr_expect_eq(ss.commitlog_min, ss.commitlog_max - ss.commitlog_max % 8192);
    store_close(st);
    mq_test_rmtree(dir);
    free(dir);
}

Test(store_retention, disk_full_refuses_writes_then_recovers_by_itself, .timeout = 60)
{
    char *dir = mq_test_tmpdir("full");
    store_config_t cfg;
    store_t *st;
    char text[512];
    int rc = MQ_OK, i;
    char body[1001];

    st_quiet();
    memset(body, 'f', 1000);
    body[1000] = '\0';
    st_config(&cfg, dir);
    cfg.capacity_bytes = 160 * 1024;
    cfg.clean_forcibly_enable = 0; /* keep data: only expired files may go */
    cfg.file_reserved_hours = 1;
    snprintf(cfg.delete_when, sizeof(cfg.delete_when), "*");
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    for (i = 0; i < 1000 && rc == MQ_OK; i++) {
        mq_msg_t m;
        st_msg(&m, "Full", 0, body, "");
        rc = store_put(st, &m, 1, NULL);
        if (i % 4 == 3) {
            store_wait_dispatched(st);
            store_flush_all(st);
            store_clean_now(st, 0);
        }
    }
    cr_assert_eq(rc, MQ_ENOSPC, "writes are refused once the capacity is used (after %d puts)", i);
    store_status_text(st, text, sizeof(text));
    cr_expect(strstr(text, dir) != NULL, "status names the path: %s", text);
    cr_expect(strstr(text, "diskSpaceWarningLevelRatio") != NULL, "status names the key: %s", text);
    cr_expect(strstr(text, "storeCapacity") != NULL, "status names the capacity key: %s", text);
    cr_expect(strstr(text, "%") != NULL, "status gives the ratio: %s", text);
    store_stats_t ss;
    store_get_stats(st, &ss);
    cr_expect_eq(ss.disk_full, 1);
    cr_expect_gt(ss.disk_ratio, 0.9);

    /* space comes back: the segments expire; the clean thread notices on its own */
    store_close(st);
    age_segments(dir, 1, 7200);
    cfg.clean_interval_ms = 50;
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    for (i = 0; i < 1000; i++) {
        mq_msg_t m;
        st_msg(&m, "Full", 0, "again", "");
        rc = store_put(st, &m, 1, NULL);
        if (rc == MQ_OK)
            break;
        usleep(20000);
    }
    cr_expect_eq(rc, MQ_OK, "writes are accepted again once space is back");
    store_status_text(st, text, sizeof(text));
    cr_expect_str_eq(text, "");
    store_close(st);
    mq_test_rmtree(dir);
    free(dir);
}

Test(store_retention, ten_thousand_queues_stay_sparse, .timeout = 120)
{
    char *dir = mq_test_tmpdir("sparse");
    char cqdir[1100];
    store_config_t cfg;
    store_t *st;
    st_quiet();
    st_config(&cfg, dir);
    cfg.cq_file_size = 300000 * 20; /* RocketMQ's default: 6 MB per file */
    cfg.commitlog_file_size = 64 << 20;
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    for (int q = 0; q < 10000; q++) {
        mq_msg_t m;
        st_msg(&m, "Sparse", q, "x", "");
        cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    }
    store_wait_dispatched(st);
    store_flush_all(st);
    snprintf(cqdir, sizeof(cqdir), "%s/consumequeue/Sparse", dir);
    /* allocated bytes: a few KiB per queue, not 6 MB (that would be 60 GB) */
    char cmd[1300];
    snprintf(cmd, sizeof(cmd), "du -sk %s", cqdir);
    FILE *p = popen(cmd, "r");
    long kb = 0;
    cr_assert(fscanf(p, "%ld", &kb) == 1);
    pclose(p);
    cr_expect_lt(kb, 10000L * 16, "10,000 queues allocate %ld KiB", kb);
    cr_expect_eq(store_max_offset(st, MQ_STR("Sparse"), 9999), 1);
    store_close(st);
    mq_test_rmtree(dir);
    free(dir);
}

Test(store_retention, above_the_forcible_ratio_unexpired_segments_go_too, .timeout = 60)
{
    char *dir = mq_test_tmpdir("force");
    store_config_t cfg;
    store_t *st;
    store_stats_t ss;
    char body[1001];
    int deleted = 0;

    st_quiet();
    memset(body, 'g', 1000);
    body[1000] = '\0';
    st_config(&cfg, dir);
    cfg.capacity_bytes = 160 * 1024;
    cfg.file_reserved_hours = 1000; /* nothing is expired */
    snprintf(cfg.delete_when, sizeof(cfg.delete_when), "*");
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    for (int i = 0; i < 400 && !deleted; i++) {
        mq_msg_t m;
        int rc;
        st_msg(&m, "Force", 0, body, "");
        rc = store_put(st, &m, 1, NULL);
        cr_assert(rc == MQ_OK || rc == MQ_ENOSPC, "put: %s", mq_err_name(rc));
        if (i % 4 == 3) {
            store_wait_dispatched(st);
            store_flush_all(st);
            store_clean_now(st, 0);
            store_get_stats(st, &ss);
            deleted = ss.commitlog_min > 0;
        }
    }
    cr_expect(deleted, "usage above diskSpaceCleanForciblyRatio deletes unexpired segments");
    store_get_stats(st, &ss);
    cr_expect_lt(ss.disk_ratio, 0.9, "and brings usage back under the warning ratio");
    store_close(st);
    mq_test_rmtree(dir);
    free(dir);
}
