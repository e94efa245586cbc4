/* SPDX-License-Identifier: Apache-2.0
 *
 * test_store_recover.c -- recovery: cut the CommitLog at every record boundary and in the middle
 * of every record, with and without a usable checkpoint, flip a body bit (CRC), leave stray and
 * corrupt files around; after each, exactly the complete records before the damage survive,
 * ConsumeQueue entries and index hits match them, and appends continue at the cut.
 */
#include <stdlib.h>

#include "mq/rd.h"
#include "store_int.h"
#include "store_test_util.h"

#define NREC 40

typedef struct rec_s {
    char topic[16];
    int32_t qid;
    int64_t qo, phys;
    int32_t size;
    char body[1200];
    char key[32];
} rec_t;

static rec_t recs[NREC];
static char *golden;
static store_config_t gcfg;

/* Writes NREC records of varied sizes to three queues of two topics, crossing segments. */
static void
make_golden(void)
{
    store_t *st;
    st_quiet();
    golden = mq_test_tmpdir("golden");
    st_config(&gcfg, golden);
    gcfg.index_max_entries = 24; /* several index files */
    cr_assert_eq(store_open(&gcfg, &st), MQ_OK);
    srand(7);
    for (int i = 0; i < NREC; i++) {
        rec_t *r = &recs[i];
        char props[96];
        mq_msg_t m;
        size_t len = (size_t)(rand() % 1100) + 1;
        snprintf(r->topic, sizeof(r->topic), "%s", i % 3 == 2 ? "Other" : "Main");
        r->qid = i % 2;
        for (size_t k = 0; k < len; k++)
            r->body[k] = (char)('a' + (i + k) % 26);
        r->body[len] = '\0';
        snprintf(r->key, sizeof(r->key), "key-%d", i);
        snprintf(props, sizeof(props), "KEYS\001%s\002TAGS\001t%d\002", r->key, i % 4);
        st_msg(&m, r->topic, r->qid, r->body, props);
        cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
        r->qo = m.queue_offset;
        r->phys = m.phys_offset;
        r->size = m.store_size;
    }
    store_close(st);
}

static void
drop_golden(void)
{
    mq_test_rmtree(golden);
    free(golden);
}

/* Damages a copy of the golden store at CommitLog offset `cut` (zeros or garbage to the end
 * of that segment, later segments deleted), marks a crash, and sets the checkpoint. */
static void
damage(const char *d, int64_t cut, int garbage, int64_t ckpt_at)
{
    char path[1200];
    int64_t seg_start = cut - cut % gcfg.commitlog_file_size;
    int fd;

    for (int64_t s = seg_start + gcfg.commitlog_file_size; s < 64 * gcfg.commitlog_file_size;
         s += gcfg.commitlog_file_size) {
        snprintf(path, sizeof(path), "%s/commitlog/%020lld", d, (long long)s);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/commitlog/%020lld", d, (long long)seg_start);
    fd = open(path, O_RDWR);
    if (fd >= 0) {
        int64_t n = seg_start + gcfg.commitlog_file_size - cut;
        uint8_t *junk = malloc((size_t)n);
        for (int64_t k = 0; k < n; k++)
            junk[k] = garbage ? (uint8_t)rand() : 0;
        cr_assert_eq(pwrite(fd, junk, (size_t)n, cut - seg_start), n);
        free(junk);
        close(fd);
    }
    snprintf(path, sizeof(path), "%s/abort", d);
    close(open(path, O_WRONLY | O_CREAT, 0644));
    snprintf(path, sizeof(path), "%s/checkpoint", d);
    if (ckpt_at < 0) {
        unlink(path);
    } else {
        store_ckpt_t ck = {0};
        ck.flushed_phys = ck.logics_phys = ck.index_phys = ck.confirm_phys = ckpt_at;
        fd = open(path, O_RDWR | O_CREAT, 0644);
        cr_assert_eq(store_ckpt_write(fd, &ck), MQ_OK);
        close(fd);
    }
}

/* Opens the damaged copy and checks that exactly records [0, keep) survive. */
static void
check_survivors(const char *d, int keep, int64_t expect_end)
{
    store_config_t cfg = gcfg;
    store_t *st;
    int64_t max[2][2] = {{0, 0}, {0, 0}};
    mq_msg_t m;

    snprintf(cfg.root_dir, sizeof(cfg.root_dir), "%s", d);
    cr_assert_eq(store_open(&cfg, &st), MQ_OK, "open after cut at %lld", (long long)expect_end);
    for (int i = 0; i < NREC; i++) {
        rec_t *r = &recs[i];
        store_slice_t sl;
        store_cq_entry_t e;
        int rc = store_read_record(st, r->phys, &sl);
        int t = strcmp(r->topic, "Main") != 0;
        if (i < keep) {
            mq_msg_t dm;
            cr_assert_eq(rc, MQ_OK, "record %d lost (cut %lld)", i, (long long)expect_end);
            cr_assert_eq(mq_msg_record_decode(sl.p, sl.len, &dm), MQ_OK);
            cr_expect(mq_str_eq(dm.body, mq_str_from_cstr(r->body)));
            cr_expect(mq_msg_body_crc_ok(&dm));
            store_slice_release(&sl);
            cr_assert_eq(store_cq_get(st, mq_str_from_cstr(r->topic), r->qid, r->qo, &e), MQ_OK);
            cr_expect_eq(e.phys_offset, r->phys);
            cr_expect_eq(e.size, r->size);
            max[t][r->qid] = r->qo + 1;
        } else {
            cr_expect_neq(rc, MQ_OK, "record %d past the cut is visible", i);
            if (rc == MQ_OK)
                store_slice_release(&sl);
        }
    }
    for (int t = 0; t < 2; t++)
        for (int q = 0; q < 2; q++)
            cr_expect_eq(store_max_offset(st, t ? MQ_STR("Other") : MQ_STR("Main"), q), max[t][q],
                         "queue %d/%d max after cut at %lld", t, q, (long long)expect_end);
    /* the index finds survivors and nothing past the cut */
    for (int i = 0; i < NREC; i += 7) {
        int64_t offs[4];
        int n = store_query_by_key(st, mq_str_from_cstr(recs[i].topic),
                                   mq_str_from_cstr(recs[i].key), 4, 0, INT64_MAX, offs);
        cr_expect_eq(n, i < keep ? 1 : 0, "key %s after cut at %lld", recs[i].key,
                     (long long)expect_end);
    }
    /* appends continue exactly at the cut, with the next queue offset */
    st_msg(&m, "Main", 0, "after", "");
    cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    cr_expect_eq(m.phys_offset, expect_end, "new record at %lld, cut at %lld",
                 (long long)m.phys_offset, (long long)expect_end);
    cr_expect_eq(m.queue_offset, max[0][0]);
    store_close(st);
}

TestSuite(store_recover, .init = make_golden, .fini = drop_golden);

static void
cut_sweep(int with_ckpt)
{
    for (int i = 0; i <= NREC; i++) {
        for (int mid = 0; mid < 2; mid++) {
            int64_t cut;
            char *d;
            if (i == NREC && mid)
                continue;
            cut = i < NREC ? recs[i].phys + (mid ? recs[i].size / 2 : 0)
                           : recs[NREC - 1].phys + recs[NREC - 1].size;
            d = mq_test_tmpdir("cut");
            st_copy_tree(golden, d);
            /* with_ckpt: the checkpoint claims durable queues up to record i/2 */
            damage(d, cut, (i + mid) % 2, with_ckpt ? (i / 2 < NREC ? recs[i / 2].phys : 0) : -1);
            check_survivors(d, i, i < NREC ? recs[i].phys : cut);
            mq_test_rmtree(d);
            free(d);
        }
    }
}

Test(store_recover, cut_at_every_boundary_and_mid_record_without_checkpoint, .timeout = 120)
{
    cut_sweep(0);
}

Test(store_recover, cut_at_every_boundary_and_mid_record_with_older_checkpoint, .timeout = 120)
{
    cut_sweep(1);
}

Test(store_recover, body_crc_mismatch_ends_valid_data)
{
    char *d = mq_test_tmpdir("crc");
    char path[1200];
    int fd;
    int victim = 25;
    uint8_t b;
    int64_t seg = recs[victim].phys - recs[victim].phys % gcfg.commitlog_file_size;
    st_copy_tree(golden, d);
    snprintf(path, sizeof(path), "%s/commitlog/%020lld", d, (long long)seg);
    fd = open(path, O_RDWR);
    /* body starts 88 bytes into a record with IPv4 hosts */
    cr_assert_eq(pread(fd, &b, 1, recs[victim].phys - seg + 88), 1);
    b ^= 0x40;
    cr_assert_eq(pwrite(fd, &b, 1, recs[victim].phys - seg + 88), 1);
    close(fd);
    /* crash with no checkpoint: the walk covers everything and stops at the bad CRC */
    snprintf(path, sizeof(path), "%s/abort", d);
    close(open(path, O_WRONLY | O_CREAT, 0644));
    snprintf(path, sizeof(path), "%s/checkpoint", d);
    unlink(path);
    check_survivors(d, victim, recs[victim].phys);
    mq_test_rmtree(d);
    free(d);
}

Test(store_recover, clean_restart_keeps_all_and_skips_the_walk)
{
    char *d = mq_test_tmpdir("clean");
    st_copy_tree(golden, d);
    check_survivors(d, NREC, recs[NREC - 1].phys + recs[NREC - 1].size);
    mq_test_rmtree(d);
    free(d);
}

Test(store_recover, stray_and_corrupt_files_are_logged_not_fatal)
{
    char *d = mq_test_tmpdir("stray");
    char path[1200];
    int fd;
    st_copy_tree(golden, d);
    snprintf(path, sizeof(path), "%s/commitlog/notes.txt", d);
    close(open(path, O_WRONLY | O_CREAT, 0644));
    snprintf(path, sizeof(path), "%s/consumequeue/Main/0/README", d);
    close(open(path, O_WRONLY | O_CREAT, 0644));
    snprintf(path, sizeof(path), "%s/consumequeue/Main/zero", d);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/index/00000000000000000", d);
    fd = open(path, O_WRONLY | O_CREAT, 0644); /* index file of the wrong size */
    cr_assert_eq(write(fd, "x", 1), 1);
    close(fd);
    /* a ConsumeQueue file with a size that cannot hold whole entries: rebuilt */
    snprintf(path, sizeof(path), "%s/consumequeue/Other/1/%020d", d, 0);
    cr_assert_eq(truncate(path, 1001), 0);
    check_survivors(d, NREC, recs[NREC - 1].phys + recs[NREC - 1].size);
    snprintf(path, sizeof(path), "%s/commitlog/notes.txt", d);
    cr_expect_eq(access(path, F_OK), 0, "stray files are left alone");
    snprintf(path, sizeof(path), "%s/index/00000000000000000.corrupt", d);
    cr_expect_eq(access(path, F_OK), 0, "corrupt index file moved aside");
    mq_test_rmtree(d);
    free(d);
}

Test(store_recover, lost_consume_queue_directory_is_rebuilt_from_the_commitlog)
{
    char *d = mq_test_tmpdir("nocq");
    char path[1200];
    st_copy_tree(golden, d);
    snprintf(path, sizeof(path), "%s/consumequeue", d);
    mq_test_rmtree(path);
    snprintf(path, sizeof(path), "%s/abort", d);
    close(open(path, O_WRONLY | O_CREAT, 0644));
    snprintf(path, sizeof(path), "%s/checkpoint", d);
    unlink(path);
    check_survivors(d, NREC, recs[NREC - 1].phys + recs[NREC - 1].size);
    mq_test_rmtree(d);
    free(d);
}
