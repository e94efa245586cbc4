/* SPDX-License-Identifier: Apache-2.0
 *
 * test_kf_msgmap.c -- the Kafka <-> RocketMQ message mapping (kf_msgmap.h) and name mapping
 * (kf_names.h): byte-identical round trips through a real stored record, the documented
 * fields of RocketMQ-native messages, and exhaustive + random checks that the name schemes are
 * injective and reversible.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "kf_msgmap.h"
#include "kf_names.h"
#include "mq_test.h"

/* ---- helpers ---- */

#define S(lit) ((mq_str_t){(lit), sizeof(lit) - 1})
#define EMPTY ((mq_str_t){"", 0})

static int
str_same(mq_str_t a, mq_str_t b)
{
    if ((a.p == NULL) != (b.p == NULL))
        return 0; /* null differs from empty */
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* Encodes m as a stored record, decodes it again (as the store and Fetch would), and returns
 * the decoded message; rec_buf receives the record bytes. */
static mq_msg_t
store_roundtrip(const mq_msg_t *m, mq_buf_t *rec_buf)
{
    mq_msg_t in = *m, out;
    int64_t size;

    in.queue_offset = 42;
    size = mq_msg_record_size(&in);
    cr_assert_gt(size, 0);
    mq_buf_reset(rec_buf);
    mq_buf_reserve(rec_buf, (size_t)size);
    cr_assert_eq(mq_msg_record_write(rec_buf->data, (size_t)size, &in), MQ_OK);
    rec_buf->len = (size_t)size;
    cr_assert_eq(mq_msg_record_decode(rec_buf->data, rec_buf->len, &out), MQ_OK);
    return out;
}

/* Produce -> store -> Fetch; asserts the record comes back byte-identical. */
static void
check_roundtrip(const kf_record_t *rec, const kf_batch_info_t *batch)
{
    mq_buf_t props = MQ_BUF_INIT, stored = MQ_BUF_INIT;
    mq_pool_t pool;
    mq_msg_t m, back;
    kf_record_t r;
    kf_msgmap_info_t info;

    mq_pool_init(&pool, 0);
    cr_assert_eq(kf_msgmap_to_mq(rec, batch, S("T"), 3, &props, &m), MQ_OK);
    cr_assert_eq(m.props.n, props.len);
    cr_assert_eq(m.props.n, kf_msgmap_props_len(rec, batch));
    back = store_roundtrip(&m, &stored);
    cr_assert_eq(kf_msgmap_from_mq(&back, &pool, &r, &info), MQ_OK);
    cr_expect_eq(info.from_kafka, 1);
    cr_expect_eq(r.offset, 42);
    cr_expect_eq(r.timestamp, rec->timestamp);
    cr_expect(str_same(r.key, rec->key), "key differs");
    cr_expect(str_same(r.value, rec->value), "value differs");
    cr_assert_eq(r.n_headers, rec->n_headers);
    for (int i = 0; i < r.n_headers; i++) {
        cr_expect(str_same(r.headers[i].key, rec->headers[i].key), "header %d key differs", i);
        cr_expect(str_same(r.headers[i].value, rec->headers[i].value), "header %d value differs",
                  i);
    }
    mq_pool_fini(&pool);
    mq_buf_fini(&props);
    mq_buf_fini(&stored);
}

static int
count_pairs(mq_str_t props)
{
    mq_props_iter_t it;
    mq_str_t k, v;
    int n = 0;
    mq_props_iter_init(&it, props);
    while (mq_props_next(&it, &k, &v))
        n++;
    return n;
}

/* ---- record -> message -> record ---- */

Test(kf_msgmap, null_and_empty_key_and_value_differ)
{
    mq_str_t choices[] = {MQ_STR_NULL, EMPTY, S("x")};
    for (int k = 0; k < 3; k++) {
        for (int v = 0; v < 3; v++) {
            kf_record_t rec = {.timestamp = 1700000000123, .key = choices[k], .value = choices[v]};
            check_roundtrip(&rec, NULL);
        }
    }
}

Test(kf_msgmap, key_is_one_escaped_rocketmq_key)
{
    static const char key[] =
        "a b\0c\001d\002e%f\xff\xc0\x80\xed\xa0\x80\x80 \xc3\xa9\xf0\x9f\x98\x80"
        "\xe2\x82";
    kf_record_t rec = {.timestamp = 5, .key = {key, sizeof(key) - 1}, .value = S("v")};
    mq_buf_t props = MQ_BUF_INIT;
    mq_msg_t m;
    mq_str_t keys;

    cr_assert_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_OK);
    cr_assert(mq_props_get(m.props, MQ_PROP_KEYS, &keys));
    /* spaces, separators, '%' and every byte outside well-formed UTF-8 become %HH; é and the
     * emoji stay; the truncated 3-byte sequence at the end is escaped byte by byte */
    cr_expect(str_same(keys, S("a%20b%00c%01d%02e%25f%FF%C0%80%ED%A0%80%80%20\xc3\xa9"
                               "\xf0\x9f\x98\x80%E2%82")),
              "KEYS = %.*s", (int)keys.n, keys.p);
    cr_expect_eq(count_pairs(m.props), 2); /* marker + KEYS */
    check_roundtrip(&rec, NULL);
    mq_buf_fini(&props);
}

Test(kf_msgmap, null_and_empty_keys_set_no_keys_property)
{
    kf_record_t rec = {.key = MQ_STR_NULL, .value = S("v")};
    mq_buf_t props = MQ_BUF_INIT;
    mq_msg_t m;
    mq_str_t v;

    cr_assert_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_OK);
    cr_expect_not(mq_props_get(m.props, MQ_PROP_KEYS, &v));
    cr_assert(mq_props_get(m.props, KF_PROP_MARK, &v));
    cr_expect(str_same(v, S("1")));
    mq_buf_reset(&props);
    rec.key = EMPTY;
    rec.value = MQ_STR_NULL;
    cr_assert_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_OK);
    cr_expect_not(mq_props_get(m.props, MQ_PROP_KEYS, &v));
    cr_assert(mq_props_get(m.props, KF_PROP_MARK, &v));
    cr_expect(str_same(v, S("1et")));
    cr_expect_eq(m.body.n, 0);
    mq_buf_fini(&props);
}

Test(kf_msgmap, headers_with_reserved_names_keep_rocketmq_semantics_and_round_trip)
{
    static const char bin[] = "\x00\x01\x02%zz\xff";
    kf_header_t h[] = {
        {S("KEYS"), S("not a key")},
        {S("TAGS"), S("not a tag")},
        {S("UNIQ_KEY"), S("u")},
        {S("DELAY"), S("3")},
        {S("__RMQ.TRANSIENT.X"), S("t")},
        {S("%KF"), S("1et")},
        {S("%KF%x"), S("y")},
        {S("rocketmq.UNIQ_KEY"), S("u2")},
        {S("rocketmq.TAGS"), MQ_STR_NULL}, /* a null tag cannot set TAGS */
        {S("rocketmq.other"), S("o")},
        {EMPTY, S("empty key")},
        {S("trace"), MQ_STR_NULL},
        {S("trace"), EMPTY},
        {S("trace"), S("%null")},
        {S("trace"), S("%empty")},
        {S("bin\x01name"), {bin, sizeof(bin) - 1}},
        {S("caf\xc3\xa9"), S("ok")},
    };
    kf_record_t rec = {.timestamp = -1,
                       .key = S("k"),
                       .value = S("v"),
                       .headers = h,
                       .n_headers = (int)MQ_ARRAY_LEN(h)};
    mq_buf_t props = MQ_BUF_INIT;
    mq_msg_t m;
    mq_str_t v;

    cr_assert_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_OK);
    /* none of them sets a RocketMQ system property */
    cr_expect(mq_props_get(m.props, MQ_PROP_KEYS, &v) && str_same(v, S("k")));
    cr_expect_not(mq_props_get(m.props, MQ_PROP_TAGS, &v));
    cr_expect_not(mq_props_get(m.props, MQ_PROP_UNIQ_KEY, &v));
    cr_expect_not(mq_props_get(m.props, MQ_PROP_DELAY, &v));
    cr_expect_not(mq_props_get(m.props, "__RMQ.TRANSIENT.X", &v));
    cr_expect(mq_props_get(m.props, KF_PROP_MARK, &v) && str_same(v, S("1")));
    /* documented spellings */
    cr_expect(mq_props_get(m.props, "%KF%TAGS", &v) && str_same(v, S("not a tag")));
    cr_expect(mq_props_get(m.props, "%KF%%25KF%25x", &v) && str_same(v, S("y")));
    cr_expect(mq_props_get(m.props, "%KF%bin%01name", &v) && str_same(v, S("%00%01%02%25zz%FF")));
    cr_expect(mq_props_get(m.props, "caf\xc3\xa9", &v) && str_same(v, S("ok")));
    cr_expect(mq_props_get(m.props, "rocketmq.other", &v) == 0);
    /* every pair survives Java's parser: marker + KEYS + one per header */
    cr_expect_eq(count_pairs(m.props), 2 + rec.n_headers);
    check_roundtrip(&rec, NULL);
    mq_buf_fini(&props);
}

Test(kf_msgmap, header_rocketmq_tags_sets_the_tag)
{
    kf_header_t h[] = {{S("a"), S("1")}, {S("rocketmq.TAGS"), S("TagA")}, {S("a"), S("2")}};
    kf_record_t rec = {.key = MQ_STR_NULL, .value = S("v"), .headers = h, .n_headers = 3};
    mq_buf_t props = MQ_BUF_INIT;
    mq_msg_t m;
    mq_str_t v;

    cr_assert_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_OK);
    cr_assert(mq_props_get(m.props, MQ_PROP_TAGS, &v));
    cr_expect(str_same(v, S("TagA")));
    cr_expect_eq(mq_tags_code(v), 2598919); /* "TagA".hashCode(): broker-side filtering works */
    cr_expect(mq_props_get(m.props, "a", &v) && str_same(v, S("2"))); /* Java: last wins */
    check_roundtrip(&rec, NULL); /* order and duplicates kept for Kafka consumers */
    mq_buf_fini(&props);
}

Test(kf_msgmap, broker_added_system_properties_are_not_headers)
{
    kf_header_t h[] = {{S("x"), S("1")}};
    kf_record_t rec = {
        .timestamp = 77, .key = S("k"), .value = S("v"), .headers = h, .n_headers = 1};
    mq_buf_t props = MQ_BUF_INIT;
    mq_pool_t pool;
    mq_msg_t m;
    kf_record_t r;

    mq_pool_init(&pool, 0);
    cr_assert_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_OK);
    mq_props_put(&props, S("UNIQ_KEY"), S("7F0000010001000000000000000A0000"));
    mq_props_put(&props, S("WAIT"), S("true"));
    m.props = mq_buf_view(&props);
    cr_assert_eq(kf_msgmap_from_mq(&m, &pool, &r, NULL), MQ_OK);
    cr_assert_eq(r.n_headers, 1);
    cr_expect(str_same(r.headers[0].key, S("x")) && str_same(r.headers[0].value, S("1")));
    cr_expect(str_same(r.key, S("k")));
    mq_pool_fini(&pool);
    mq_buf_fini(&props);
}

Test(kf_msgmap, timestamps_and_log_append_time)
{
    kf_batch_info_t b = {.attributes = KF_ATTR_LOG_APPEND_TIME, .producer_id = -1};
    kf_record_t rec = {.timestamp = 1732406400000, .key = MQ_STR_NULL, .value = S("v")};
    mq_buf_t props = MQ_BUF_INIT;
    mq_pool_t pool;
    mq_msg_t m;
    kf_record_t r;
    kf_msgmap_info_t info;

    mq_pool_init(&pool, 0);
    cr_assert_eq(kf_msgmap_to_mq(&rec, &b, S("T"), 1, &props, &m), MQ_OK);
    cr_expect_eq(m.born_ts, 1732406400000);
    cr_expect_eq(m.queue_id, 1);
    cr_assert_eq(kf_msgmap_from_mq(&m, &pool, &r, &info), MQ_OK);
    cr_expect_eq(info.log_append_time, 1);
    cr_expect_eq(r.timestamp, 1732406400000);
    check_roundtrip(&rec, &b);
    b.attributes = KF_ATTR_CONTROL;
    cr_expect_eq(kf_msgmap_to_mq(&rec, &b, S("T"), 1, &props, &m), MQ_EINVAL);
    mq_pool_fini(&pool);
    mq_buf_fini(&props);
}

Test(kf_msgmap, oversized_properties_are_refused_and_leave_the_buffer)
{
    size_t big = 40000;
    char *val = malloc(big);
    memset(val, 'a', big);
    kf_header_t h[] = {{S("h"), {val, big}}};
    kf_record_t rec = {.key = S("k"), .value = S("v"), .headers = h, .n_headers = 1};
    mq_buf_t props = MQ_BUF_INIT;
    mq_msg_t m;

    mq_buf_append(&props, "xyz", 3);
    cr_expect_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_ETOOBIG);
    cr_expect_eq(props.len, 3);
    /* marker "%KF\1" "1\2" 6 + "KEYS\1k\2" 7 + "h\1" "...\2" 3 + value: just fits */
    h[0].value.n = KF_MSGMAP_PROPS_MAX - 16;
    cr_expect_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_OK);
    cr_expect_eq(m.props.n, KF_MSGMAP_PROPS_MAX);
    cr_expect_eq(props.len, 3 + KF_MSGMAP_PROPS_MAX);
    h[0].value.n++;
    cr_expect_eq(kf_msgmap_to_mq(&rec, NULL, S("T"), 0, &props, &m), MQ_ETOOBIG);
    free(val);
    mq_buf_fini(&props);
}

Test(kf_msgmap, many_records_in_one_reserved_buffer_keep_their_views)
{
    kf_record_t recs[50];
    mq_msg_t msgs[50];
    char keys[50][8];
    mq_buf_t props = MQ_BUF_INIT;
    mq_pool_t pool;
    size_t total = 0;

    mq_pool_init(&pool, 0);
    for (int i = 0; i < 50; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k %d", i);
        recs[i] = (kf_record_t){
            .offset = i, .timestamp = i, .key = mq_str_from_cstr(keys[i]), .value = S("value")};
        total += kf_msgmap_props_len(&recs[i], NULL);
    }
    mq_buf_reserve(&props, total);
    for (int i = 0; i < 50; i++)
        cr_assert_eq(kf_msgmap_to_mq(&recs[i], NULL, S("T"), 0, &props, &msgs[i]), MQ_OK);
    cr_expect_eq(props.len, total);
    for (int i = 0; i < 50; i++) {
        kf_record_t r;
        cr_assert_eq(kf_msgmap_from_mq(&msgs[i], &pool, &r, NULL), MQ_OK);
        cr_expect(str_same(r.key, recs[i].key));
    }
    mq_pool_fini(&pool);
    mq_buf_fini(&props);
}

/* Random bytes biased towards the troublesome ones. */
static void
rand_bytes(char *p, size_t n)
{
    static const char special[] = {'\0',   '\001', '\002', '%', ' ', '\xff', '\xc3', '\xa9',
                                   '\xed', '\x80', 'A',    '0', 'F', 'n',    'u',    'l'};
    for (size_t i = 0; i < n; i++)
        p[i] = (rand() & 1) ? special[rand() % (int)sizeof(special)] : (char)(rand() & 0xff);
}

static mq_str_t
rand_str(char *buf, size_t max, int nullable)
{
    int r = rand() % 8;
    size_t n;
    if (nullable && r == 0)
        return MQ_STR_NULL;
    if (r == 1)
        return (mq_str_t){buf, 0};
    n = (size_t)rand() % (max + 1);
    rand_bytes(buf, n);
    return (mq_str_t){buf, n};
}

Test(kf_msgmap, random_records_round_trip_byte_identical)
{
    static const char *names[] = {"KEYS", "TAGS", "rocketmq.TAGS", "%KF", "%KF%", "x", "UNIQ_KEY"};
    srand(12345);
    for (int iter = 0; iter < 3000; iter++) {
        char kb[24], vb[24], hk[8][16], hv[8][16];
        kf_header_t h[8];
        kf_record_t rec = {.timestamp = (int64_t)rand() << 12};
        rec.key = rand_str(kb, sizeof(kb), 1);
        rec.value = rand_str(vb, sizeof(vb), 1);
        rec.n_headers = rand() % 9;
        rec.headers = h;
        for (int i = 0; i < rec.n_headers; i++) {
            if (rand() % 3 == 0)
                h[i].key = mq_str_from_cstr(names[rand() % (int)MQ_ARRAY_LEN(names)]);
            else
                h[i].key = rand_str(hk[i], sizeof(hk[i]), 0);
            h[i].value = rand_str(hv[i], sizeof(hv[i]), 1);
        }
        check_roundtrip(&rec, NULL);
    }
}

/* ---- native RocketMQ message -> record ---- */

Test(kf_msgmap, native_message_gives_documented_fields)
{
    static const char props[] = "TAGS\001TagA\002KEYS\001k1 k2\002UNIQ_KEY\001AC11\002"
                                "orderId\001 42%\002WAIT\001true\002";
    mq_msg_t m = {.queue_offset = 9,
                  .born_ts = 1700000000000,
                  .store_ts = 1700000000500,
                  .body = S("hello"),
                  .topic = S("TopicTest"),
                  .props = {props, sizeof(props) - 1}};
    mq_buf_t stored = MQ_BUF_INIT;
    mq_pool_t pool;
    kf_record_t r;
    kf_msgmap_info_t info;
    mq_msg_t back = store_roundtrip(&m, &stored);

    mq_pool_init(&pool, 0);
    cr_assert_eq(kf_msgmap_from_mq(&back, &pool, &r, &info), MQ_OK);
    cr_expect_eq(info.from_kafka, 0);
    cr_expect_eq(info.body_compressed, 0);
    cr_expect_eq(r.offset, 42); /* the stored queue offset */
    cr_expect_eq(r.timestamp, 1700000000000);
    cr_expect(str_same(r.key, S("k1 k2")));
    cr_expect(str_same(r.value, S("hello")));
    cr_assert_eq(r.n_headers, 5);
    cr_expect(str_same(r.headers[0].key, S("rocketmq.TAGS")));
    cr_expect(str_same(r.headers[0].value, S("TagA")));
    cr_expect(str_same(r.headers[1].key, S("rocketmq.KEYS")));
    cr_expect(str_same(r.headers[1].value, S("k1 k2")));
    cr_expect(str_same(r.headers[2].key, S("rocketmq.UNIQ_KEY")));
    cr_expect(str_same(r.headers[2].value, S("AC11")));
    cr_expect(str_same(r.headers[3].key, S("orderId")));
    cr_expect(str_same(r.headers[3].value, S(" 42%"))); /* verbatim: no unescaping */
    cr_expect(str_same(r.headers[4].key, S("rocketmq.WAIT")));
    mq_pool_fini(&pool);
    mq_buf_fini(&stored);
}

Test(kf_msgmap, native_message_without_keys_or_properties)
{
    mq_msg_t m = {.born_ts = 3, .body = EMPTY, .sys_flag = MQ_SYSFLAG_COMPRESSED};
    mq_pool_t pool;
    kf_record_t r;
    kf_msgmap_info_t info;

    mq_pool_init(&pool, 0);
    cr_assert_eq(kf_msgmap_from_mq(&m, &pool, &r, &info), MQ_OK);
    cr_expect(r.key.p == NULL);
    cr_expect(r.value.p != NULL && r.value.n == 0);
    cr_expect_eq(r.n_headers, 0);
    cr_expect(r.headers == NULL);
    cr_expect_eq(info.body_compressed, 1);
    mq_pool_fini(&pool);
}

Test(kf_msgmap, hostile_properties_never_crash)
{
    srand(777);
    for (int iter = 0; iter < 5000; iter++) {
        char raw[64];
        size_t n = (size_t)rand() % sizeof(raw);
        mq_test_guard_t g;
        mq_pool_t pool;
        kf_record_t r;
        rand_bytes(raw, n);
        if (iter % 2 && n >= 6)
            memcpy(raw, "%KF\0011\002", 6); /* half of them claim to be Kafka messages */
        mq_pool_init(&pool, 0);
        uint8_t *p = mq_test_guarded(&g, raw, n);
        mq_msg_t m = {.props = {(const char *)p, n}, .body = EMPTY};
        cr_assert_eq(kf_msgmap_from_mq(&m, &pool, &r, NULL), MQ_OK);
        for (int i = 0; i < r.n_headers; i++) /* touch every byte */
            for (size_t j = 0; j < r.headers[i].key.n + r.headers[i].value.n; j++)
                (void)(j < r.headers[i].key.n ? r.headers[i].key.p[j]
                                              : r.headers[i].value.p[j - r.headers[i].key.n]);
        mq_test_unguard(&g);
        mq_pool_fini(&pool);
    }
}

Test(kf_msgmap, unesc_is_lenient_and_esc_reversible)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_pool_init(&pool, 0);
    cr_expect(str_same(kf_unesc(S("a%2"), &pool), S("a%2")));
    cr_expect(str_same(kf_unesc(S("%zz%41"), &pool), S("%zzA")));
    cr_expect(str_same(kf_unesc(S("%4a"), &pool), S("%4a"))); /* lower case is not ours */
    cr_expect(str_same(kf_unesc(S("plain"), &pool), S("plain")));
    kf_esc_append(&b, S("a b%"), KF_ESC_VALUE);
    cr_expect(str_same(mq_buf_view(&b), S("a b%25")));
    cr_expect_eq(kf_esc_len(S("a b%"), KF_ESC_KEY), 8);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

/* ---- names ---- */

static mq_str_t
topic_to_rmq(mq_str_t k, char *buf, int *rc)
{
    *rc = kf_topic_to_rmq(k, buf, KF_NAME_TOPIC_MAX);
    return (mq_str_t){buf, *rc > 0 ? (size_t)*rc : 0};
}

static mq_str_t
topic_from_rmq(mq_str_t r, char *buf, int *rc)
{
    *rc = kf_topic_from_rmq(r, buf, KF_NAME_TOPIC_MAX);
    return (mq_str_t){buf, *rc > 0 ? (size_t)*rc : 0};
}

static void
expect_topic_pair(mq_str_t kafka, mq_str_t rmq)
{
    char a[256], b[256];
    int rc;
    mq_str_t r = topic_to_rmq(kafka, a, &rc);
    cr_expect(rc > 0 && str_same(r, rmq), "%.*s -> %.*s (rc %d)", (int)kafka.n, kafka.p, (int)r.n,
              r.p, rc);
    mq_str_t k = topic_from_rmq(rmq, b, &rc);
    cr_expect(rc > 0 && str_same(k, kafka), "%.*s <- %.*s (rc %d)", (int)kafka.n, kafka.p, (int)k.n,
              k.p, rc);
}

Test(kf_names, documented_topic_examples)
{
    expect_topic_pair(S("TopicTest"), S("TopicTest"));
    expect_topic_pair(S("my_topic-1"), S("my_topic-1"));
    expect_topic_pair(S("orders.v1"), S("orders|v1"));
    expect_topic_pair(S("a.b.c"), S("a|b|c"));
    expect_topic_pair(S(".hidden"), S("|hidden"));
    expect_topic_pair(S("..RETRY..my-group"), S("%RETRY%my-group"));
    expect_topic_pair(S("..DLQ..g"), S("%DLQ%g"));
    expect_topic_pair(S("..RETRY..a.-b"), S("%RETRY%a|b"));
    expect_topic_pair(S("a..b"), S("a%b"));
    expect_topic_pair(S("a.-.-b"), S("a||b")); /* "a..b" is taken by "a%b" */
    expect_topic_pair(S("a.-b"), S("a|-b"));
    expect_topic_pair(S("..."), S("|||"));
    expect_topic_pair(S(".-.-"), S("||"));
}

Test(kf_names, invalid_topics_are_refused)
{
    char buf[600];
    static const char *bad_kafka[] = {"", ".", "..", "a b", "a|b", "a%b", "caf\xc3\xa9", "a/b"};
    static const char *bad_rmq[] = {"", "a.b", "a b", "|", "%"};
    for (size_t i = 0; i < MQ_ARRAY_LEN(bad_kafka); i++)
        cr_expect_eq(kf_topic_to_rmq(mq_str_from_cstr(bad_kafka[i]), buf, sizeof(buf)), MQ_EINVAL,
                     "%s", bad_kafka[i]);
    for (size_t i = 0; i < MQ_ARRAY_LEN(bad_rmq); i++)
        cr_expect_eq(kf_topic_from_rmq(mq_str_from_cstr(bad_rmq[i]), buf, sizeof(buf)), MQ_EINVAL,
                     "%s", bad_rmq[i]);
    memset(buf, 'a', 250);
    cr_expect_eq(kf_topic_to_rmq((mq_str_t){buf, 250}, buf + 300, 300), MQ_EINVAL);
    cr_expect_eq(kf_topic_to_rmq((mq_str_t){buf, 249}, buf + 300, 300), 249);
    cr_expect_eq(kf_topic_from_rmq((mq_str_t){buf, 249}, buf + 300, 300), 249);
    cr_expect_eq(kf_topic_from_rmq((mq_str_t){buf, 250}, buf + 300, 300), MQ_ETOOBIG);
    cr_expect_eq(kf_topic_from_rmq((mq_str_t){buf, 256}, buf + 300, 300), MQ_EINVAL);
    memset(buf, '%', 200); /* %RETRY%-style names whose Kafka form exceeds 249 bytes */
    cr_expect_eq(kf_topic_from_rmq((mq_str_t){buf, 200}, buf + 300, 300), MQ_ETOOBIG);
    cr_expect_eq(kf_topic_to_rmq(S("abc"), buf, 2), MQ_ETOOBIG);
}

/* Every string of length 1..maxlen over alpha, in order; returns 0 when done. */
static int
next_string(char *s, size_t *n, const char *alpha, size_t maxlen)
{
    size_t k = strlen(alpha), i;
    for (i = *n; i > 0; i--) {
        const char *pos = strchr(alpha, s[i - 1]);
        if ((size_t)(pos - alpha) + 1 < k) {
            s[i - 1] = pos[1];
            for (size_t j = i; j < *n; j++)
                s[j] = alpha[0];
            return 1;
        }
    }
    if (*n == maxlen)
        return 0;
    (*n)++;
    for (size_t j = 0; j < *n; j++)
        s[j] = alpha[0];
    return 1;
}

Test(kf_names, topic_mapping_is_a_bijection_on_short_names)
{
    char s[16], a[256], b[256];
    size_t n;
    int rc, count = 0, refused = 0;

    /* Kafka -> RocketMQ -> Kafka over every name of up to 9 bytes from {a, -, .} */
    n = 0;
    while (next_string(s, &n, "a-.", 9)) {
        mq_str_t k = {s, n};
        if (!kf_name_kafka_topic_valid(k))
            continue;
        mq_str_t r = topic_to_rmq(k, a, &rc);
        cr_assert_gt(rc, 0, "%.*s", (int)n, s);
        cr_assert(kf_name_rmq_valid(r, KF_NAME_RMQ_TOPIC_XMAX));
        mq_str_t k2 = topic_from_rmq(r, b, &rc);
        cr_assert(rc > 0 && str_same(k, k2), "%.*s -> %.*s -> %.*s", (int)n, s, (int)r.n, r.p,
                  (int)k2.n, k2.p);
        count++;
    }
    cr_expect_gt(count, 29000);
    /* RocketMQ -> Kafka -> RocketMQ over every name of up to 8 bytes from {a, -, |, %} */
    n = 0;
    while (next_string(s, &n, "a-|%", 8)) {
        mq_str_t r = {s, n};
        mq_str_t k = topic_from_rmq(r, a, &rc);
        if (rc < 0) {
            refused++; /* only names whose Kafka form would be "." or ".." */
            cr_assert(n == 1 && (s[0] == '|' || s[0] == '%'), "%.*s refused", (int)n, s);
            continue;
        }
        cr_assert(kf_name_kafka_topic_valid(k));
        mq_str_t r2 = topic_to_rmq(k, b, &rc);
        cr_assert(rc > 0 && str_same(r, r2), "%.*s -> %.*s -> %.*s", (int)n, s, (int)k.n, k.p,
                  (int)r2.n, r2.p);
    }
    cr_expect_eq(refused, 2);
}

Test(kf_names, topic_mapping_round_trips_random_long_names)
{
    static const char ka[] = "ab-_.Z9..";
    static const char ra[] = "ab-_|%Z9%|";
    char s[256], a[256], b[256];
    int rc;

    srand(4242);
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 1 + (size_t)rand() % KF_NAME_TOPIC_MAX;
        for (size_t i = 0; i < n; i++)
            s[i] = ka[rand() % (int)(sizeof(ka) - 1)];
        mq_str_t k = {s, n};
        if (kf_name_kafka_topic_valid(k)) {
            mq_str_t r = topic_to_rmq(k, a, &rc);
            cr_assert_gt(rc, 0);
            cr_assert_leq(r.n, k.n);
            mq_str_t k2 = topic_from_rmq(r, b, &rc);
            cr_assert(rc > 0 && str_same(k, k2));
        }
        n = 1 + (size_t)rand() % 127;
        for (size_t i = 0; i < n; i++)
            s[i] = ra[rand() % (int)(sizeof(ra) - 1)];
        mq_str_t r = {s, n};
        mq_str_t k3 = topic_from_rmq(r, a, &rc);
        if (rc > 0) {
            mq_str_t r2 = topic_to_rmq(k3, b, &rc);
            cr_assert(rc > 0 && str_same(r, r2));
        } else {
            cr_assert(rc == MQ_ETOOBIG || n == 1);
        }
    }
}

static void
expect_group_pair(mq_str_t kafka, mq_str_t rmq)
{
    char a[300], b[300];
    int rc = kf_group_to_rmq(kafka, a, sizeof(a));
    cr_expect(rc > 0 && str_same((mq_str_t){a, (size_t)rc}, rmq), "group %.*s -> %.*s",
              (int)kafka.n, kafka.p, rc > 0 ? rc : 0, a);
    rc = kf_group_from_rmq(rmq, b, sizeof(b));
    cr_expect(rc > 0 && str_same((mq_str_t){b, (size_t)rc}, kafka), "group %.*s <-", (int)kafka.n,
              kafka.p);
}

Test(kf_names, documented_group_examples)
{
    char buf[300];
    expect_group_pair(S("CID_RMQ_SYS_TRANS"), S("CID_RMQ_SYS_TRANS"));
    expect_group_pair(S("my-group_1"), S("my-group_1"));
    expect_group_pair(S("my.group"), S("my|group"));
    expect_group_pair(S("g:1/x y"), S("g%3A1%2Fx%20y"));
    expect_group_pair(S("a|b%c"), S("a%7Cb%25c"));
    expect_group_pair(S("gr\xc3\xbcppe"), S("gr%C3%BCppe"));
    expect_group_pair(S("\x00"), S("%00"));
    cr_expect_eq(kf_group_to_rmq(EMPTY, buf, sizeof(buf)), MQ_EINVAL);
    cr_expect_eq(kf_group_from_rmq(S("%41"), buf, sizeof(buf)), MQ_EINVAL); /* 'A' */
    cr_expect_eq(kf_group_from_rmq(S("%2E"), buf, sizeof(buf)), MQ_EINVAL); /* '.' is '|' */
    cr_expect_eq(kf_group_from_rmq(S("%3a"), buf, sizeof(buf)), MQ_EINVAL);
    cr_expect_eq(kf_group_from_rmq(S("ab%3"), buf, sizeof(buf)), MQ_EINVAL);
    cr_expect_eq(kf_group_from_rmq(S("a.b"), buf, sizeof(buf)), MQ_EINVAL);
    cr_expect_eq(kf_group_from_rmq(EMPTY, buf, sizeof(buf)), MQ_EINVAL);
    char big[600];
    memset(buf, '/', 86);
    cr_expect_eq(kf_group_to_rmq((mq_str_t){buf, 85}, big, sizeof(big)), 255);
    cr_expect_eq(kf_group_to_rmq((mq_str_t){buf, 86}, big, sizeof(big)), MQ_ETOOBIG);
    cr_expect_eq(kf_group_to_rmq((mq_str_t){buf, 85}, big, 254), MQ_ETOOBIG);
}

Test(kf_names, group_mapping_round_trips_random_ids)
{
    char s[64], a[300], b[300];
    srand(99);
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 1 + (size_t)rand() % sizeof(s);
        int rc;
        rand_bytes(s, n);
        for (size_t i = 0; i < n; i++) /* mix in ordinary group-id characters */
            if (rand() % 2)
                s[i] = "ab.-_|%9"[rand() % 8];
        rc = kf_group_to_rmq((mq_str_t){s, n}, a, sizeof(a));
        if (rc == MQ_ETOOBIG)
            continue;
        cr_assert_gt(rc, 0);
        cr_assert(kf_name_rmq_valid((mq_str_t){a, (size_t)rc}, KF_NAME_GROUP_MAX));
        int rc2 = kf_group_from_rmq((mq_str_t){a, (size_t)rc}, b, sizeof(b));
        cr_assert(rc2 > 0 && str_same((mq_str_t){b, (size_t)rc2}, (mq_str_t){s, n}));
    }
    /* injective on all RocketMQ names it accepts: from_rmq then to_rmq gives the name back */
    size_t n = 0;
    while (next_string(s, &n, "a|%3C", 5)) {
        int rc = kf_group_from_rmq((mq_str_t){s, n}, a, sizeof(a));
        if (rc < 0)
            continue;
        int rc2 = kf_group_to_rmq((mq_str_t){a, (size_t)rc}, b, sizeof(b));
        cr_assert(rc2 > 0 && str_same((mq_str_t){b, (size_t)rc2}, (mq_str_t){s, n}));
    }
}
