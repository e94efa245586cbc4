/* SPDX-License-Identifier: Apache-2.0
 *
 * test_store_meta.c -- metadata tables under config/: topics.json, consumerOffset.json and
 * subscriptionGroup.json round trips, RocketMQ's unquoted integer keys, atomic writes with .bak
 * and .tmp fallbacks, data versions, corrupt files.
 */
#include <jansson.h>
#include <stdlib.h>

#include "mq/store_meta.h"
#include "store_test_util.h"

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 1 << 16);
    if (f) {
        size_t n = fread(buf, 1, (1 << 16) - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

Test(store_meta, quote_int_keys_only_where_keys_are)
{
    char *s = store_json_quote_int_keys(
        "{\"offsetTable\":{\"T@g\":{0:12,1:7, 12 :3}},\"a\":[1,2],\"s\":\"{0:1}\",\"n\":-1}");
    cr_expect_str_eq(s, "{\"offsetTable\":{\"T@g\":{\"0\":12,\"1\":7, \"12\" :3}},\"a\":[1,2],"
                        "\"s\":\"{0:1}\",\"n\":-1}");
    free(s);
}

Test(store_meta, topics_round_trip_and_survive_reload)
{
    char *dir = mq_test_tmpdir("topics");
    store_topics_t *t;
    store_topic_config_t tc, got;
    store_data_version_t dv1, dv2;
    mq_buf_t body = MQ_BUF_INIT;

    cr_assert_eq(store_topics_load(dir, &t), MQ_OK);
    cr_expect_eq(store_topics_count(t), 0);
    store_topic_config_init(&tc, "TopicTest", 4);
    tc.perm = STORE_PERM_READ;
    tc.order = 1;
    snprintf(tc.attributes, sizeof(tc.attributes), "{\"+message.type\":\"FIFO\"}");
    store_topics_version(t, &dv1);
    store_topics_put(t, &tc);
    store_topics_version(t, &dv2);
    cr_expect_gt(dv2.counter, dv1.counter);
    store_topic_config_init(&tc, "Other", 8);
    store_topics_put(t, &tc);
    cr_assert_eq(store_topics_persist(t), MQ_OK);
    store_topics_encode(t, &body);
    json_t *j = json_loads(mq_buf_cstr(&body), 0, NULL);
    cr_assert(j);
    cr_expect_eq(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(j, "topicConfigTable"), "Other"), "writeQueueNums")),
        8);
    json_decref(j);
    mq_buf_fini(&body);
    store_topics_free(t);

    cr_assert_eq(store_topics_load(dir, &t), MQ_OK);
    cr_assert_eq(store_topics_get(t, "TopicTest", &got), MQ_OK);
    cr_expect_eq(got.read_queues, 4);
    cr_expect_eq(got.perm, STORE_PERM_READ);
    cr_expect_eq(got.order, 1);
    cr_expect_str_eq(got.filter_type, "SINGLE_TAG");
    cr_expect_str_eq(got.attributes, "{\"+message.type\":\"FIFO\"}");
    store_topics_version(t, &dv1);
    cr_expect_eq(dv1.counter, dv2.counter + 1);
    cr_expect_eq(store_topics_remove(t, "Other"), MQ_OK);
    cr_expect_eq(store_topics_get(t, "Other", &got), MQ_ENOENT);
    store_topics_free(t);
    mq_test_rmtree(dir);
    free(dir);
}

Test(store_meta, offsets_read_rocketmq_files_and_write_standard_json)
{
    char *dir = mq_test_tmpdir("offsets");
    char path[1100], *text;
    store_offsets_t *o;

    st_quiet();
    snprintf(path, sizeof(path), "%s/config", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/config/consumerOffset.json", dir);
    /* what RocketMQ 4.x writes: pretty, unquoted integer keys */
    write_file(path, "{\n\t\"offsetTable\":{\n\t\t\"TopicTest@cg1\":{0:12,1:7},\n"
                     "\t\t\"%RETRY%cg1@cg1\":{0:3}\n\t}\n}");
    cr_assert_eq(store_offsets_load(dir, &o), MQ_OK);
    cr_expect_eq(store_offsets_query(o, "cg1", "TopicTest", 0), 12);
    cr_expect_eq(store_offsets_query(o, "cg1", "TopicTest", 1), 7);
    cr_expect_eq(store_offsets_query(o, "cg1", "TopicTest", 2), -1);
    cr_expect_eq(store_offsets_query(o, "cg1", "%RETRY%cg1", 0), 3);
    store_offsets_commit(o, "cg1", "TopicTest", 5, 99);
    store_offsets_commit(o, "cg1", "TopicTest", 0, -1); /* ignored, as ali-ons sends it */
    cr_expect_eq(store_offsets_query(o, "cg1", "TopicTest", 0), 12);
    cr_assert_eq(store_offsets_persist(o), MQ_OK);
    store_offsets_free(o);

    text = read_file(path);
    json_error_t err;
    json_t *j = json_loads(text, 0, &err); /* standard JSON now */
    cr_assert(j, "%s", err.text);
    cr_expect_eq(json_integer_value(json_object_get(
                     json_object_get(json_object_get(j, "offsetTable"), "TopicTest@cg1"), "5")),
                 99);
    json_decref(j);
    free(text);
    snprintf(path, sizeof(path), "%s/config/consumerOffset.json.bak", dir);
    cr_expect_eq(access(path, F_OK), 0, "the previous version is kept as .bak");

    cr_assert_eq(store_offsets_load(dir, &o), MQ_OK);
    cr_expect_eq(store_offsets_query(o, "cg1", "TopicTest", 5), 99);
    store_offsets_remove_group(o, "cg1");
    cr_expect_eq(store_offsets_query(o, "cg1", "TopicTest", 5), -1);
    store_offsets_free(o);
    mq_test_rmtree(dir);
    free(dir);
}

Test(store_meta, unreadable_file_falls_back_to_tmp_then_bak)
{
    char *dir = mq_test_tmpdir("fallback");
    char path[1100], bak[1200], tmp[1200];
    store_groups_t *g;
    store_group_config_t gc;

    st_quiet();
    cr_assert_eq(store_groups_load(dir, &g), MQ_OK);
    store_group_config_init(&gc, "cgA");
    gc.retry_max_times = 3;
    store_groups_put(g, &gc);
    cr_assert_eq(store_groups_persist(g), MQ_OK);
    gc.retry_max_times = 5;
    store_groups_put(g, &gc);
    cr_assert_eq(store_groups_persist(g), MQ_OK); /* .bak holds retryMaxTimes 3 */
    store_groups_free(g);

    snprintf(path, sizeof(path), "%s/config/subscriptionGroup.json", dir);
    snprintf(bak, sizeof(bak), "%s.bak", path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    write_file(path, "{ torn wri");
    cr_assert_eq(store_groups_load(dir, &g), MQ_OK);
    cr_assert_eq(store_groups_get(g, "cgA", &gc), MQ_OK);
    cr_expect_eq(gc.retry_max_times, 3, "loaded from .bak");
    store_groups_free(g);

    /* a crash between the two renames: no file, a complete .tmp */
    unlink(path);
    write_file(
        tmp, "{\"subscriptionGroupTable\":{\"cgA\":{\"groupName\":\"cgA\",\"retryMaxTimes\":7}}}");
    cr_assert_eq(store_groups_load(dir, &g), MQ_OK);
    cr_assert_eq(store_groups_get(g, "cgA", &gc), MQ_OK);
    cr_expect_eq(gc.retry_max_times, 7, "loaded from .tmp");
    cr_expect_eq(gc.retry_queue_nums, 1, "missing fields take RocketMQ defaults");
    store_groups_free(g);

    write_file(tmp, "garbage");
    write_file(bak, "garbage");
    write_file(path, "garbage");
    cr_expect_eq(store_groups_load(dir, &g), MQ_ECORRUPT);
    mq_test_rmtree(dir);
    free(dir);
}
