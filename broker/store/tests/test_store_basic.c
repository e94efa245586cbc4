/* SPDX-License-Identifier: Apache-2.0
 *
 * test_store_basic.c -- append, read, pull statuses, segment roll with BLANK padding, batches,
 * reopen after a clean close, offsets by time, key queries, topic deletion, slices that
 * outlive their segment.
 */
#include <dirent.h>
#include <stdlib.h>

#include "mq/rd.h"
#include "store_test_util.h"

static char *dir;
static store_t *st;
static store_config_t cfg;

static void
setup(void)
{
    st_quiet();
    dir = mq_test_tmpdir("basic");
    st_config(&cfg, dir);
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
}

static void
teardown(void)
{
    if (st)
        store_close(st);
    st = NULL;
    mq_test_rmtree(dir);
    free(dir);
}

TestSuite(store_basic, .init = setup, .fini = teardown);

Test(store_basic, put_then_pull_returns_the_stored_record)
{
    mq_msg_t m;
    store_slice_t sl[4];
    store_get_result_t r;
    mq_msg_t d;

    st_msg(&m, "TopicTest", 1, "hello", "TAGS\001TagA\002KEYS\001k1\002");
    cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    cr_expect_eq(m.queue_offset, 0);
    cr_expect_eq(m.phys_offset, 0);
    cr_expect_gt(m.store_ts, 0);
    store_wait_dispatched(st);
    cr_expect_eq(store_max_offset(st, MQ_STR("TopicTest"), 1), 1);
    cr_expect_eq(store_min_offset(st, MQ_STR("TopicTest"), 1), 0);

    cr_assert_eq(store_get_messages(st, MQ_STR("TopicTest"), 1, 0, 4, 1 << 20, NULL, sl, &r),
                 MQ_OK);
    cr_assert_eq(r.status, STORE_GET_FOUND);
    cr_assert_eq(r.count, 1);
    cr_expect_eq(r.next_offset, 1);
    cr_assert_eq(mq_msg_record_decode(sl[0].p, sl[0].len, &d), MQ_OK);
    cr_expect(mq_str_eq(d.body, MQ_STR("hello")));
    cr_expect(mq_str_eq(d.topic, MQ_STR("TopicTest")));
    cr_expect_eq(d.queue_id, 1);
    cr_expect(mq_msg_body_crc_ok(&d));
    cr_expect_eq(d.store_host.port, cfg.store_host.port);
    store_slice_release(&sl[0]);
}

Test(store_basic, pull_statuses_match_rocketmq)
{
    mq_msg_t m[3];
    store_slice_t sl[4];
    store_get_result_t r;

    store_get_messages(st, MQ_STR("Nope"), 0, 0, 4, 1 << 20, NULL, sl, &r);
    cr_expect_eq(r.status, STORE_GET_NO_MATCHED_LOGIC_QUEUE);
    for (int i = 0; i < 3; i++)
        st_msg(&m[i], "T", 0, "x", "");
    cr_assert_eq(store_put(st, m, 3, NULL), MQ_OK);
    store_wait_dispatched(st);
    store_get_messages(st, MQ_STR("T"), 0, 3, 4, 1 << 20, NULL, sl, &r);
    cr_expect_eq(r.status, STORE_GET_OFFSET_OVERFLOW_ONE);
    cr_expect_eq(r.next_offset, 3);
    store_get_messages(st, MQ_STR("T"), 0, 9, 4, 1 << 20, NULL, sl, &r);
    cr_expect_eq(r.status, STORE_GET_OFFSET_OVERFLOW_BADLY);
    cr_expect_eq(r.next_offset, 3);
    store_get_messages(st, MQ_STR("T"), 0, 1, 1, 1 << 20, NULL, sl, &r);
    cr_expect_eq(r.status, STORE_GET_FOUND);
    cr_expect_eq(r.count, 1);
    cr_expect_eq(r.next_offset, 2);
    store_slice_release(&sl[0]);
}

static int
only_tag_b(void *arg, int64_t tags_code)
{
    return tags_code == mq_tags_code(MQ_STR("TagB"));
}

Test(store_basic, tag_filter_skips_and_reports_no_match)
{
    mq_msg_t m[4];
    store_slice_t sl[4];
    store_get_result_t r;
    store_filter_t f = {only_tag_b, NULL, NULL};
    st_msg(&m[0], "T", 0, "a", "TAGS\001TagA\002");
    st_msg(&m[1], "T", 0, "b", "TAGS\001TagB\002");
    st_msg(&m[2], "T", 0, "c", "TAGS\001TagA\002");
    cr_assert_eq(store_put(st, m, 3, NULL), MQ_OK);
    store_wait_dispatched(st);
    store_get_messages(st, MQ_STR("T"), 0, 0, 4, 1 << 20, &f, sl, &r);
    cr_expect_eq(r.status, STORE_GET_FOUND);
    cr_expect_eq(r.count, 1);
    cr_expect_eq(r.next_offset, 3);
    store_slice_release(&sl[0]);
    store_get_messages(st, MQ_STR("T"), 0, 2, 4, 1 << 20, &f, sl, &r);
    cr_expect_eq(r.status, STORE_GET_NO_MATCHED_MESSAGE);
    cr_expect_eq(r.count, 0);
    cr_expect_eq(r.next_offset, 3);
}

Test(store_basic, roll_writes_blank_filler_and_records_never_straddle)
{
    char body[1500];
    mq_msg_t m;
    int64_t prev_end = 0;
    memset(body, 'b', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    for (int i = 0; i < 20; i++) {
        st_msg(&m, "Roll", 0, body, "");
        cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
        cr_expect_eq(m.queue_offset, i);
        /* never crosses an 8 KiB segment boundary */
        cr_expect_eq(m.phys_offset / 8192, (m.phys_offset + m.store_size - 1) / 8192);
        if (m.phys_offset != prev_end) {
            /* a jump is a roll: the previous segment ends with a BLANK filler */
            store_slice_t sl;
            cr_expect_eq(m.phys_offset % 8192, 0);
            cr_expect_eq(store_read_record(st, prev_end, &sl), MQ_ERANGE);
        }
        prev_end = m.phys_offset + m.store_size;
    }
    store_wait_dispatched(st);
    cr_expect_eq(store_max_offset(st, MQ_STR("Roll"), 0), 20);
    /* all twenty readable, in order */
    for (int i = 0; i < 20; i++) {
        store_cq_entry_t e;
        store_slice_t sl;
        cr_assert_eq(store_cq_get(st, MQ_STR("Roll"), 0, i, &e), MQ_OK);
        cr_assert_eq(store_read_record(st, e.phys_offset, &sl), MQ_OK);
        cr_expect_eq((int32_t)sl.len, e.size);
        store_slice_release(&sl);
    }
}

Test(store_basic, batch_gets_consecutive_offsets_in_one_segment)
{
    mq_msg_t m[10];
    for (int i = 0; i < 10; i++)
        st_msg(&m[i], "Batch", 2, "payload", "KEYS\001bk\002");
    cr_assert_eq(store_put(st, m, 10, NULL), MQ_OK);
    for (int i = 0; i < 10; i++) {
        cr_expect_eq(m[i].queue_offset, i);
        if (i)
            cr_expect_eq(m[i].phys_offset, m[i - 1].phys_offset + m[i - 1].store_size);
    }
    cr_assert_eq(store_put(st, m, 3, NULL), MQ_OK);
    cr_expect_eq(m[0].queue_offset, 10);
}

Test(store_basic, oversized_messages_are_refused_whole)
{
    char *big = malloc(4000);
    mq_msg_t m[2];
    memset(big, 'x', 3999);
    big[3999] = '\0';
    st_msg(&m[0], "T", 0, "small", "");
    st_msg(&m[1], "T", 0, big, "");
    cr_expect_eq(store_put(st, m, 2, NULL), MQ_ETOOBIG);
    store_wait_dispatched(st);
    cr_expect_eq(store_max_offset(st, MQ_STR("T"), 0), 0);
    st_msg(&m[0], "", 0, "x", "");
    cr_expect_eq(store_put(st, m, 1, NULL), MQ_EINVAL);
    free(big);
}

Test(store_basic, reopen_after_clean_close_keeps_everything)
{
    mq_msg_t m;
    char body[64];
    for (int i = 0; i < 100; i++) {
        snprintf(body, sizeof(body), "message-%d", i);
        st_msg(&m, i % 2 ? "Odd" : "Even", i % 3, body, "TAGS\001t\002");
        cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    }
    store_close(st);
    st = NULL;
    cr_assert_eq(store_open(&cfg, &st), MQ_OK);
    store_stats_t ss;
    store_get_stats(st, &ss);
    cr_expect_eq(ss.recovered_abnormally, 0);
    int64_t total = 0;
    for (int q = 0; q < 3; q++)
        total += store_max_offset(st, MQ_STR("Odd"), q) + store_max_offset(st, MQ_STR("Even"), q);
    cr_expect_eq(total, 100);
    /* appends continue after the old end with the next queue offsets */
    int64_t before = store_max_offset(st, MQ_STR("Odd"), 1);
    st_msg(&m, "Odd", 1, "after", "");
    cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    cr_expect_eq(m.queue_offset, before);
    cr_expect_eq(m.phys_offset, ss.commitlog_max);
}

Test(store_basic, offset_by_time_lower_and_upper)
{
    mq_msg_t m;
    int64_t t[6];
    for (int i = 0; i < 6; i++) {
        st_msg(&m, "Time", 0, "x", "");
        cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
        t[i] = m.store_ts;
        usleep(3000);
    }
    store_wait_dispatched(st);
    mq_str_t T = MQ_STR("Time");
    cr_expect_eq(store_offset_by_time(st, T, 0, t[2], STORE_BOUNDARY_LOWER), 2);
    cr_expect_eq(store_offset_by_time(st, T, 0, t[2], STORE_BOUNDARY_UPPER), 2);
    cr_expect_eq(store_offset_by_time(st, T, 0, t[2] + 1, STORE_BOUNDARY_LOWER), 3);
    cr_expect_eq(store_offset_by_time(st, T, 0, t[2] + 1, STORE_BOUNDARY_UPPER), 2);
    cr_expect_eq(store_offset_by_time(st, T, 0, 0, STORE_BOUNDARY_LOWER), 0);
    cr_expect_eq(store_offset_by_time(st, T, 0, 0, STORE_BOUNDARY_UPPER), 0);
    cr_expect_eq(store_offset_by_time(st, T, 0, t[5] + 1000, STORE_BOUNDARY_LOWER), 6);
    cr_expect_eq(store_offset_by_time(st, T, 0, t[5] + 1000, STORE_BOUNDARY_UPPER), 5);
    cr_expect_eq(store_earliest_time(st, T, 0), t[0]);
    cr_expect_eq(store_offset_by_time(st, MQ_STR("Nope"), 0, t[0], STORE_BOUNDARY_LOWER), 0);
}

Test(store_basic, query_by_key_and_uniq_key)
{
    mq_msg_t m;
    int64_t offs[8], first = -1, uniq_off;
    for (int i = 0; i < 30; i++) {
        char props[128];
        snprintf(props, sizeof(props), "KEYS\001order-%d shared\002UNIQ_KEY\001U%04d\002", i % 5,
                 i);
        st_msg(&m, i % 2 ? "Q1" : "Q2", 0, "x", props);
        cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
        if (i == 7)
            first = m.phys_offset;
    }
    store_wait_dispatched(st);
    /* order-2 in Q1: i in {7, 17, 27} */
    int n = store_query_by_key(st, MQ_STR("Q1"), MQ_STR("order-2"), 8, 0, INT64_MAX, offs);
    cr_expect_eq(n, 3);
    int seen = 0;
    for (int i = 0; i < n; i++)
        seen |= offs[i] == first;
    cr_expect(seen);
    cr_expect_eq(store_query_by_key(st, MQ_STR("Q1"), MQ_STR("shared"), 4, 0, INT64_MAX, offs), 4);
    cr_expect_eq(store_query_by_key(st, MQ_STR("Q1"), MQ_STR("nothing"), 8, 0, INT64_MAX, offs), 0);
    cr_expect_eq(store_query_by_key(st, MQ_STR("Q3"), MQ_STR("order-2"), 8, 0, INT64_MAX, offs), 0);
    cr_assert_eq(store_query_by_uniq_key(st, MQ_STR("Q1"), MQ_STR("U0007"), &uniq_off), MQ_OK);
    cr_expect_eq(uniq_off, first);
    cr_expect_eq(store_query_by_uniq_key(st, MQ_STR("Q2"), MQ_STR("U0007"), &uniq_off), MQ_ENOENT);
}

Test(store_basic, delete_topic_removes_its_queues_and_files)
{
    mq_msg_t m;
    char path[1200];
    for (int q = 0; q < 3; q++) {
        st_msg(&m, "Doomed", q, "x", "");
        cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    }
    st_msg(&m, "Kept", 0, "x", "");
    cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    store_wait_dispatched(st);
    snprintf(path, sizeof(path), "%s/consumequeue/Doomed", dir);
    cr_assert_eq(access(path, F_OK), 0);
    cr_expect_eq(store_delete_topic(st, MQ_STR("Doomed")), MQ_OK);
    cr_expect_neq(access(path, F_OK), 0);
    cr_expect_eq(store_max_offset(st, MQ_STR("Doomed"), 0), 0);
    cr_expect_eq(store_max_offset(st, MQ_STR("Kept"), 0), 1);
    cr_expect_eq(store_delete_topic(st, MQ_STR("Doomed")), MQ_ENOENT);
}

Test(store_basic, read_record_rejects_offsets_that_are_not_record_starts)
{
    mq_msg_t m;
    store_slice_t sl;
    st_msg(&m, "T", 0, "hello", "");
    cr_assert_eq(store_put(st, &m, 1, NULL), MQ_OK);
    cr_expect_eq(store_read_record(st, 0, &sl), MQ_OK);
    store_slice_release(&sl);
    cr_expect_neq(store_read_record(st, 4, &sl), MQ_OK);
    cr_expect_neq(store_read_record(st, 1 << 20, &sl), MQ_OK);
    cr_expect_neq(store_read_record(st, -8, &sl), MQ_OK);
}

Test(store_basic, second_open_of_the_same_store_is_refused)
{
    store_t *other = NULL;
    cr_expect_eq(store_open(&cfg, &other), MQ_EBUSY);
    cr_expect_null(other);
}

Test(store_basic, topics_that_are_not_safe_directory_names_are_refused)
{
    const char *bad[] = {"../../escape", "a/b", "..", "."};
    mq_msg_t m;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        st_msg(&m, bad[i], 0, "x", "");
        cr_expect_eq(store_put(st, &m, 1, NULL), MQ_EINVAL, "topic %s", bad[i]);
    }
    st_msg(&m, "%RETRY%group-1", 0, "x", "");
    cr_expect_eq(store_put(st, &m, 1, NULL), MQ_OK);
}
