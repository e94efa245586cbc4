/* SPDX-License-Identifier: Apache-2.0
 *
 * test_props.c -- properties string parsing/building and Java hash codes (msg.h).
 */
#include <criterion/criterion.h>

#include "mq/msg.h"

Test(mq_props, iterates_pairs_and_skips_malformed_chunks_like_java)
{
    /* "ab" too short, "\001xy" empty name, "k\001" value-less, "noval" no separator */
    const char s[] =
        "TAGS\001TagA\002ab\002\001xy\002k\001\002noval\002KEYS\001k1 k2\002UNIQ_KEY\001X";
    mq_props_iter_t it;
    mq_str_t k, v;
    mq_props_iter_init(&it, (mq_str_t){s, sizeof(s) - 1});
    cr_assert(mq_props_next(&it, &k, &v));
    cr_expect(mq_str_eq(k, MQ_STR("TAGS")) && mq_str_eq(v, MQ_STR("TagA")));
    cr_assert(mq_props_next(&it, &k, &v));
    cr_expect(mq_str_eq(k, MQ_STR("KEYS")) && mq_str_eq(v, MQ_STR("k1 k2")));
    cr_assert(mq_props_next(&it, &k, &v)); /* last pair without trailing \002 */
    cr_expect(mq_str_eq(k, MQ_STR("UNIQ_KEY")) && mq_str_eq(v, MQ_STR("X")));
    cr_expect_not(mq_props_next(&it, &k, &v));
}

Test(mq_props, get_returns_the_last_duplicate_and_values_may_hold_name_sep)
{
    const char s[] = "A\0011\002B\001x\001y\002A\0012\002";
    mq_str_t v;
    cr_assert(mq_props_get((mq_str_t){s, sizeof(s) - 1}, "A", &v));
    cr_expect(mq_str_eq(v, MQ_STR("2")));
    cr_assert(mq_props_get((mq_str_t){s, sizeof(s) - 1}, "B", &v));
    cr_expect(mq_str_eq(v, MQ_STR("x\001y")));
    cr_expect_not(mq_props_get((mq_str_t){s, sizeof(s) - 1}, "C", &v));
    cr_expect_not(mq_props_get(MQ_STR_NULL, "A", &v));
}

Test(mq_props, put_and_without_build_the_wire_form)
{
    mq_buf_t b = MQ_BUF_INIT, c = MQ_BUF_INIT;
    mq_props_put(&b, MQ_STR("TAGS"), MQ_STR("t"));
    mq_props_put(&b, MQ_STR("DELAY"), MQ_STR("3"));
    mq_props_put(&b, MQ_STR("KEYS"), MQ_STR("k"));
    cr_expect_eq(b.len, 7 + 8 + 7);
    cr_expect_eq(memcmp(b.data, "TAGS\001t\002DELAY\0013\002KEYS\001k\002", b.len), 0);
    mq_props_without(&c, mq_buf_view(&b), "DELAY");
    cr_expect_eq(c.len, 14);
    cr_expect_eq(memcmp(c.data, "TAGS\001t\002KEYS\001k\002", c.len), 0);
    {
        const char *const drop[] = {"TAGS", "KEYS", "ABSENT"};
        mq_buf_reset(&c);
        mq_props_without_any(&c, mq_buf_view(&b), drop, 3);
        cr_expect_eq(c.len, 8);
        cr_expect_eq(memcmp(c.data, "DELAY\0013\002", c.len), 0);
    }
    mq_buf_fini(&b);
    mq_buf_fini(&c);
}

Test(mq_hash, java_string_hash_codes)
{
    /* Values of "...".hashCode() in Java. */
    cr_expect_eq(mq_java_hash(MQ_STR("")), 0);
    cr_expect_eq(mq_java_hash(MQ_STR("TagA")), 2598919);
    cr_expect_eq(mq_java_hash(MQ_STR("TagB")), 2598920);
    cr_expect_eq(mq_java_hash(MQ_STR("hello")), 99162322);
    cr_expect_eq(mq_java_hash(MQ_STR("TopicTest#key-1")),
                 mq_java_hash_update(mq_java_hash(MQ_STR("TopicTest#")), "key-1", 5));
    /* overflow wraps: "polygenelubricants".hashCode() == Integer.MIN_VALUE */
    cr_expect_eq(mq_java_hash(MQ_STR("polygenelubricants")), INT32_MIN);
    /* non-ASCII: "é" is U+00E9 (233); "€" U+20AC (8364); "😀" U+1F600 = D83D DE00 */
    cr_expect_eq(mq_java_hash(MQ_STR("\xc3\xa9")), 233);
    cr_expect_eq(mq_java_hash(MQ_STR("\xe2\x82\xac")), 8364);
    cr_expect_eq(mq_java_hash(MQ_STR("\xf0\x9f\x98\x80")), (int32_t)(31u * 0xD83Du + 0xDE00u));
    /* invalid UTF-8 byte becomes U+FFFD */
    cr_expect_eq(mq_java_hash(MQ_STR("\xff")), 0xFFFD);
}

Test(mq_hash, tags_code_is_sign_extended)
{
    cr_expect_eq(mq_tags_code(MQ_STR_NULL), 0);
    cr_expect_eq(mq_tags_code(MQ_STR("TagA")), 2598919);
    cr_expect_eq(mq_tags_code(MQ_STR("polygenelubricants")), (int64_t)INT32_MIN);
}

Test(mq_topic, system_topics_are_rocketmqs_reserved_names)
{
    cr_expect(mq_topic_is_system(MQ_STR("TBW102"), NULL, NULL));
    cr_expect(mq_topic_is_system(MQ_STR("RMQ_SYS_TRANS_HALF_TOPIC"), NULL, NULL));
    cr_expect(mq_topic_is_system(MQ_STR("rmq_sys_wheel"), NULL, NULL));
    cr_expect(mq_topic_is_system(MQ_STR("DefaultCluster"), "DefaultCluster", "broker-a"));
    cr_expect(mq_topic_is_system(MQ_STR("broker-a"), "DefaultCluster", "broker-a"));
    cr_expect_not(mq_topic_is_system(MQ_STR("broker-a"), NULL, NULL));
    cr_expect_not(mq_topic_is_system(MQ_STR("TBW10"), NULL, NULL));
    cr_expect_not(mq_topic_is_system(MQ_STR("orders|v1"), "DefaultCluster", "broker-a"));
    cr_expect_not(mq_topic_is_system(MQ_STR("rmq_sy"), NULL, NULL));
}
