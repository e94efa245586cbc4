/* SPDX-License-Identifier: Apache-2.0
 *
 * test_admin.c -- unit tests of mqadmin's pure helpers (adm_util.c): the fastjson-tolerant JSON
 * reader on the bodies Java brokers send (numeric and object map keys), MessageQueue keys,
 * properties text, timestamps, MQVersion names and stored-record walking, including truncated
 * and hostile input.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "admin.h"
#include "mq/msg.h"

Test(adm_json, standard_json_unchanged)
{
    const char *s = "{\"a\":\"{x:1}\",\"b\":[1,2,{\"c\":\"d:e\"}],\"e\":-1.5}";
    json_t *j = adm_json_parse(s, strlen(s));
    cr_assert_not_null(j);
    cr_expect_str_eq(adm_json_str(j, "a", ""), "{x:1}");
    cr_expect_eq(json_array_size(json_object_get(j, "b")), 3);
    cr_expect_float_eq(adm_json_f64(j, "e", 0), -1.5, 1e-9);
    json_decref(j);
}

Test(adm_json, numeric_keys)
{
    const char *s = "{\"brokerAddrs\":{0:\"127.0.0.1:10911\", 1 : \"127.0.0.1:10921\"}}";
    json_t *j = adm_json_parse(s, strlen(s));
    cr_assert_not_null(j);
    json_t *addrs = json_object_get(j, "brokerAddrs");
    cr_expect_str_eq(adm_json_str(addrs, "0", ""), "127.0.0.1:10911");
    cr_expect_str_eq(adm_json_str(addrs, "1", ""), "127.0.0.1:10921");
    json_decref(j);
}

Test(adm_json, message_queue_keys)
{
    const char *s = "{\"consumeTps\":1.5,\"offsetTable\":{"
                    "{\"brokerName\":\"broker-a\",\"queueId\":3,\"topic\":\"T\"}:"
                    "{\"brokerOffset\":10,\"consumerOffset\":\"4\"},"
                    "{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"T\"}:{}}}";
    json_t *j = adm_json_parse(s, strlen(s));
    cr_assert_not_null(j);
    json_t *t = json_object_get(j, "offsetTable");
    cr_assert_eq(json_object_size(t), 2);
    int seen = 0;
    const char *k;
    json_t *v;
    json_object_foreach(t, k, v)
    {
        adm_mq_t mq;
        cr_assert_eq(adm_mq_parse(k, &mq), MQ_OK);
        cr_expect_str_eq(mq.topic, "T");
        cr_expect_str_eq(mq.broker_name, "broker-a");
        if (mq.queue_id == 3) {
            cr_expect_eq(adm_json_i64(v, "brokerOffset", -1), 10);
            cr_expect_eq(adm_json_i64(v, "consumerOffset", -1), 4); /* numbers as strings */
            seen++;
        }
    }
    cr_expect_eq(seen, 1);
    json_decref(j);
}

Test(adm_json, malformed_is_rejected)
{
    const char *bad[] = {"{", "}", "{{:1}", "{\"a\":1", "[1,2", "{\"a\"", "{1}", "{{\"a\":}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *j = adm_json_parse(bad[i], strlen(bad[i]));
        cr_expect_null(j, "accepted %s", bad[i]);
        json_decref(j);
    }
    char deep[300];
    memset(deep, '[', 150);
    memset(deep + 150, ']', 150);
    cr_expect_null(adm_json_parse(deep, sizeof(deep)), "nesting over the limit");
    cr_expect_null(adm_json_parse(NULL, 0));
}

Test(adm_json, truncation_sweep)
{
    const char *s = "{\"offsetTable\":{{\"brokerName\":\"b\",\"queueId\":1,\"topic\":\"T\"}:"
                    "{\"maxOffset\":3}},\"brokerAddrs\":{0:\"x\"},\"s\":\"a\\\"b\"}";
    size_t n = strlen(s);
    json_t *full = adm_json_parse(s, n);
    cr_assert_not_null(full);
    json_decref(full);
    for (size_t k = 0; k < n; k++) {
        json_t *j = adm_json_parse(s, k); /* never crashes; a prefix is never a whole doc */
        cr_expect_null(j, "prefix of %zu bytes accepted", k);
        json_decref(j);
    }
}

Test(adm_mq, bad_keys)
{
    adm_mq_t mq;
    cr_expect_neq(adm_mq_parse("T@broker-a@1", &mq), MQ_OK);
    cr_expect_neq(adm_mq_parse("{\"topic\":\"T\"}", &mq), MQ_OK);
    cr_expect_neq(adm_mq_parse("{\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":-1}", &mq),
                  MQ_OK);
    cr_expect_neq(adm_mq_parse("", &mq), MQ_OK);
}

Test(adm_mq, order)
{
    adm_mq_t m[3] = {{"T", "b", 2}, {"T", "a", 5}, {"S", "z", 0}};
    qsort(m, 3, sizeof(m[0]), adm_mq_cmp);
    cr_expect_str_eq(m[0].topic, "S");
    cr_expect_str_eq(m[1].broker_name, "a");
    cr_expect_eq(m[2].queue_id, 2);
}

Test(adm_props, properties_text)
{
    adm_t a;
    memset(&a, 0, sizeof(a));
    mq_pool_init(&a.pool, 0);
    const char *s = "brokerName=broker-a\n listenPort = 10911 \r\n#comment=1\n\nflag\nz=a=b";
    adm_kv_t *kv;
    int n;
    cr_assert_eq(adm_props_text_parse(&a, mq_str_from_cstr(s), &kv, &n), MQ_OK);
    cr_assert_eq(n, 4);
    cr_expect_str_eq(kv[0].key, "brokerName"); /* sorted */
    cr_expect_str_eq(adm_kv_get(kv, n, "listenPort"), "10911");
    cr_expect_str_eq(adm_kv_get(kv, n, "flag"), "");
    cr_expect_str_eq(adm_kv_get(kv, n, "z"), "a=b");
    cr_expect_null(adm_kv_get(kv, n, "#comment"));
    mq_pool_fini(&a.pool);
}

Test(adm_props, kvtable)
{
    adm_t a;
    memset(&a, 0, sizeof(a));
    mq_pool_init(&a.pool, 0);
    const char *s = "{\"table\":{\"putTps\":\"1.0 2.0\",\"b\":7}}";
    adm_kv_t *kv;
    int n;
    cr_assert_eq(adm_kvtable_parse(&a, mq_str_from_cstr(s), &kv, &n), MQ_OK);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(kv[0].key, "b");
    cr_expect_str_eq(kv[0].val, "7");
    cr_expect_str_eq(kv[1].val, "1.0 2.0");
    cr_expect_neq(adm_kvtable_parse(&a, mq_str_from_cstr("[1]"), &kv, &n), MQ_OK);
    mq_pool_fini(&a.pool);
}

Test(adm_time, parse)
{
    int64_t t;
    cr_assert_eq(adm_time_parse("1700000000123", &t), MQ_OK);
    cr_expect_eq(t, 1700000000123LL);
    int64_t before = mq_now_ms();
    cr_assert_eq(adm_time_parse("now", &t), MQ_OK);
    cr_expect(t >= before && t <= mq_now_ms());
    cr_assert_eq(adm_time_parse("2024-01-02#03:04:05:006", &t), MQ_OK);
    struct tm tm = {.tm_year = 124,
                    .tm_mon = 0,
                    .tm_mday = 2,
                    .tm_hour = 3,
                    .tm_min = 4,
                    .tm_sec = 5,
                    .tm_isdst = -1};
    cr_expect_eq(t, (int64_t)mktime(&tm) * 1000 + 6);
    char h[32];
    adm_time_human2(t, h);
    cr_expect_str_eq(h, "2024-01-02 03:04:05,006");
    adm_time_plain(t, h);
    cr_expect_str_eq(h, "2024-01-02 03:04:05");
    cr_expect_eq(adm_time_parse("yesterday", &t), MQ_EINVAL);
    cr_expect_eq(adm_time_parse("", &t), MQ_EINVAL);
}

Test(adm_version, names)
{
    char v[32];
    adm_version_desc(479, v);
    cr_expect_str_eq(v, "V5_3_3");
    adm_version_desc(0, v);
    cr_expect_str_eq(v, "V3_0_0_SNAPSHOT");
    adm_version_desc(15, v);
    cr_expect_str_eq(v, "V3_0_0_FINAL");
    adm_version_desc(17, v);
    cr_expect_str_eq(v, "V3_0_1");
    adm_version_desc(46, v);
    cr_expect_str_eq(v, "V3_1_0_SNAPSHOT");
    adm_version_desc(611, v);
    cr_expect_str_eq(v, "V5_9_9");
    adm_version_desc(612, v);
    cr_expect_str_eq(v, "HIGHER_VERSION");
}

static void
adm_count_cb(void *arg, const mq_msg_t *m)
{
    int *n = arg;
    cr_expect_eq(m->queue_offset, *n);
    (*n)++;
}

Test(adm_records, walk_and_truncate)
{
    mq_msg_t m;
    memset(&m, 0, sizeof(m));
    m.topic = MQ_STR("T");
    m.body = MQ_STR("hello");
    m.props = MQ_STR("KEYS\001k\002");
    uint8_t buf[1024];
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        m.queue_offset = i;
        int64_t sz = mq_msg_record_size(&m);
        cr_assert(sz > 0 && off + (size_t)sz <= sizeof(buf));
        cr_assert_eq(mq_msg_record_write(buf + off, (size_t)sz, &m), MQ_OK);
        off += (size_t)sz;
    }
    int n = 0;
    cr_expect_eq(adm_records_each((mq_str_t){(const char *)buf, off}, adm_count_cb, &n), 3);
    for (size_t k = 0; k < off; k++) { /* every prefix: only whole records */
        n = 0;
        int got = adm_records_each((mq_str_t){(const char *)buf, k}, adm_count_cb, &n);
        cr_expect(got >= 0 && got <= 2 && got == n);
    }
}

Test(adm_records, inflate)
{
    mq_pool_t pool;
    mq_pool_init(&pool, 0);
    char plain[5000];
    for (size_t i = 0; i < sizeof(plain); i++) {
        plain[i] = (char)('a' + i % 7);
    }
    uLongf zlen = compressBound(sizeof(plain));
    Bytef *z = mq_palloc(&pool, zlen);
    cr_assert_eq(compress(z, &zlen, (const Bytef *)plain, sizeof(plain)), Z_OK);
    mq_msg_t m;
    memset(&m, 0, sizeof(m));
    m.sys_flag = MQ_SYSFLAG_COMPRESSED;
    m.body = (mq_str_t){(const char *)z, zlen};
    cr_assert_eq(adm_msg_inflate(&pool, &m), MQ_OK);
    cr_expect_eq(m.body.n, sizeof(plain)); /* more than 4x the compressed size: grows */
    cr_expect_eq(memcmp(m.body.p, plain, sizeof(plain)), 0);
    mq_msg_t bad;
    memset(&bad, 0, sizeof(bad));
    bad.sys_flag = MQ_SYSFLAG_COMPRESSED;
    bad.body = MQ_STR("not zlib");
    cr_expect_eq(adm_msg_inflate(&pool, &bad), MQ_ECORRUPT);
    cr_expect_eq(bad.body.n, 8); /* left as stored */
    mq_pool_fini(&pool);
}
