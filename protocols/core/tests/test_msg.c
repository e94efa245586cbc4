/* SPDX-License-Identifier: Apache-2.0
 *
 * test_msg.c -- the stored-record codec (msg.h): layout positions from the spec, round trips,
 * v1/v2 magic boundary, IPv6 hosts, BLANK fillers, truncation sweeps, corrupt lengths, CRC.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "mq/crc.h"
#include "mq/msg.h"
#include "mq/rd.h"
#include "mq_test.h"

static mq_msg_t
sample_msg(const char *topic, const char *body, const char *props)
{
    mq_msg_t m;
    memset(&m, 0, sizeof(m));
    m.topic = mq_str_from_cstr(topic);
    m.body = mq_str_from_cstr(body);
    m.props = mq_str_from_cstr(props);
    m.body_crc = mq_body_crc(m.body.p, m.body.n);
    m.queue_id = 3;
    m.flag = 7;
    m.queue_offset = 12345;
    m.phys_offset = 1073741824LL + 99;
    m.sys_flag = MQ_SYSFLAG_TRANSACTION_COMMIT;
    m.born_ts = 1700000000123LL;
    m.born_host = (mq_host_t){{192, 168, 0, 2}, 40001, 0};
    m.store_ts = 1700000000456LL;
    m.store_host = (mq_host_t){{10, 0, 0, 1}, 10911, 0};
    m.reconsume_times = 2;
    m.prepared_tx_offset = 777;
    return m;
}

static void
expect_same(const mq_msg_t *a, const mq_msg_t *b)
{
    cr_expect_eq(a->body_crc, b->body_crc);
    cr_expect_eq(a->queue_id, b->queue_id);
    cr_expect_eq(a->flag, b->flag);
    cr_expect_eq(a->queue_offset, b->queue_offset);
    cr_expect_eq(a->phys_offset, b->phys_offset);
    cr_expect_eq(a->born_ts, b->born_ts);
    cr_expect_eq(a->store_ts, b->store_ts);
    cr_expect_eq(a->born_host.port, b->born_host.port);
    cr_expect_eq(a->born_host.v6, b->born_host.v6);
    cr_expect_arr_eq(a->born_host.addr, b->born_host.addr, a->born_host.v6 ? 16 : 4);
    cr_expect_eq(a->store_host.port, b->store_host.port);
    cr_expect_arr_eq(a->store_host.addr, b->store_host.addr, a->store_host.v6 ? 16 : 4);
    cr_expect_eq(a->reconsume_times, b->reconsume_times);
    cr_expect_eq(a->prepared_tx_offset, b->prepared_tx_offset);
    cr_expect(mq_str_eq(a->body, b->body));
    cr_expect(mq_str_eq(a->topic, b->topic));
    cr_expect(mq_str_eq(a->props, b->props));
}

Test(mq_msg, layout_matches_the_spec_positions)
{
    mq_msg_t m = sample_msg("TopicTest", "hello", "TAGS\001TagA\002");
    int64_t size = mq_msg_record_size(&m);
    /* 84 fixed + 4+5 body + 1+9 topic + 2+10 props */
    cr_assert_eq(size, 84 + 4 + 5 + 1 + 9 + 2 + 10);
    uint8_t *rec = malloc((size_t)size);
    cr_assert_eq(mq_msg_record_write(rec, (size_t)size, &m), MQ_OK);
    cr_expect_eq(mq_load_be32(rec + 0), (uint32_t)size);
    cr_expect_eq((int32_t)mq_load_be32(rec + 4), -626843481);
    cr_expect_eq((int32_t)mq_load_be32(rec + 8), m.body_crc);
    cr_expect_eq(mq_load_be32(rec + 12), 3);
    cr_expect_eq(mq_load_be32(rec + 16), 7);
    cr_expect_eq(mq_load_be64(rec + 20), 12345);
    cr_expect_eq(mq_load_be64(rec + 28), 1073741824ULL + 99);
    cr_expect_eq(mq_load_be32(rec + 36), MQ_SYSFLAG_TRANSACTION_COMMIT);
    cr_expect_eq(mq_load_be64(rec + 40), 1700000000123ULL);
    cr_expect_eq(rec[48], 192);
    cr_expect_eq(mq_load_be32(rec + 52), 40001);
    cr_expect_eq(mq_load_be64(rec + 56), 1700000000456ULL);
    cr_expect_eq(mq_msg_store_ts_pos(m.sys_flag), 56);
    cr_expect_eq(rec[64], 10);
    cr_expect_eq(mq_load_be32(rec + 68), 10911);
    cr_expect_eq(mq_load_be32(rec + 72), 2);
    cr_expect_eq(mq_load_be64(rec + 76), 777);
    cr_expect_eq(mq_load_be32(rec + 84), 5);
    cr_expect_eq(memcmp(rec + 88, "hello", 5), 0);
    cr_expect_eq(rec[93], 9);
    cr_expect_eq(memcmp(rec + 94, "TopicTest", 9), 0);
    cr_expect_eq(mq_load_be32(rec + 103) >> 16, 10);
    free(rec);
}

Test(mq_msg, round_trip_v1)
{
    mq_msg_t m = sample_msg("T", "", ""), d;
    int64_t size = mq_msg_record_size(&m);
    uint8_t *rec = malloc((size_t)size);
    cr_assert_eq(mq_msg_record_write(rec, (size_t)size, &m), MQ_OK);
    cr_assert_eq(mq_msg_record_decode(rec, (size_t)size, &d), MQ_OK);
    cr_expect_eq(d.store_size, size);
    expect_same(&m, &d);
    cr_expect(mq_msg_body_crc_ok(&d));
    free(rec);
}

Test(mq_msg, magic_switches_to_v2_above_127_byte_topics)
{
    char topic[300];
    for (size_t len = 126; len <= 129; len++) {
        memset(topic, 'a', len);
        topic[len] = '\0';
        mq_msg_t m = sample_msg(topic, "b", "K\001V\002"), d;
        int64_t size = mq_msg_record_size(&m);
        uint8_t *rec = malloc((size_t)size);
        cr_assert_eq(mq_msg_record_write(rec, (size_t)size, &m), MQ_OK);
        cr_expect_eq((int32_t)mq_load_be32(rec + 4),
                     len <= 127 ? MQ_MSG_MAGIC_V1 : MQ_MSG_MAGIC_V2);
        cr_assert_eq(mq_msg_record_decode(rec, (size_t)size, &d), MQ_OK);
        expect_same(&m, &d);
        free(rec);
    }
}

Test(mq_msg, ipv6_hosts_set_sysflag_bits)
{
    mq_msg_t m = sample_msg("T6", "body", ""), d;
    memset(m.born_host.addr, 0x20, 16);
    m.born_host.v6 = 1;
    memset(m.store_host.addr, 0xfe, 16);
    m.store_host.v6 = 1;
    int64_t size = mq_msg_record_size(&m);
    cr_expect_eq(size, 84 + 24 + 4 + 4 + 1 + 2 + 2);
    uint8_t *rec = malloc((size_t)size);
    cr_assert_eq(mq_msg_record_write(rec, (size_t)size, &m), MQ_OK);
    cr_assert_eq(mq_msg_record_decode(rec, (size_t)size, &d), MQ_OK);
    cr_expect(d.sys_flag & MQ_SYSFLAG_BORNHOST_V6);
    cr_expect(d.sys_flag & MQ_SYSFLAG_STOREHOST_V6);
    cr_expect_eq(mq_msg_store_ts_pos(d.sys_flag), 68);
    expect_same(&m, &d);
    free(rec);
}

Test(mq_msg, rejects_out_of_range_fields)
{
    mq_msg_t m = sample_msg("", "x", "");
    cr_expect_eq(mq_msg_record_size(&m), MQ_EINVAL);
    char *props = malloc(40000);
    memset(props, 'p', 39999);
    props[39999] = '\0';
    m = sample_msg("T", "x", props);
    cr_expect_eq(mq_msg_record_size(&m), MQ_ETOOBIG);
    free(props);
    m = sample_msg("T", "x", "");
    uint8_t buf[200];
    cr_expect_eq(mq_msg_record_write(buf, 10, &m), MQ_EINVAL); /* wrong size given */
}

Test(mq_msg, blank_filler_is_declined)
{
    uint8_t blank[64] = {0};
    mq_msg_t d;
    mq_store_be32(blank, 64);
    mq_store_be32(blank + 4, (uint32_t)MQ_MSG_BLANK_MAGIC);
    cr_expect_eq(mq_msg_record_decode(blank, 8, &d), MQ_DECLINED);
    cr_expect_eq(d.store_size, 64);
}

Test(mq_msg, every_prefix_is_again_and_never_overreads)
{
    mq_msg_t m = sample_msg("TopicTest", "hello world", "TAGS\001a\002KEYS\001k1 k2\002"), d;
    int64_t size = mq_msg_record_size(&m);
    uint8_t *rec = malloc((size_t)size);
    cr_assert_eq(mq_msg_record_write(rec, (size_t)size, &m), MQ_OK);
    for (int64_t n = 0; n < size; n++) {
        mq_test_guard_t g;
        uint8_t *in = mq_test_guarded(&g, rec, (size_t)n);
        int rc = mq_msg_record_decode(in, (size_t)n, &d);
        cr_expect(rc == MQ_AGAIN, "prefix %ld gave %d", (long)n, rc);
        mq_test_unguard(&g);
    }
    free(rec);
}

Test(mq_msg, inconsistent_lengths_are_corrupt)
{
    mq_msg_t m = sample_msg("TopicTest", "hello", "A\001B\002"), d;
    int64_t size = mq_msg_record_size(&m);
    uint8_t *rec = malloc((size_t)size + 16);
    cr_assert_eq(mq_msg_record_write(rec, (size_t)size, &m), MQ_OK);
    /* body length claims more than the record holds */
    mq_store_be32(rec + 84, 1000);
    cr_expect_eq(mq_msg_record_decode(rec, (size_t)size, &d), MQ_ECORRUPT);
    mq_store_be32(rec + 84, (uint32_t)-5);
    cr_expect_eq(mq_msg_record_decode(rec, (size_t)size, &d), MQ_ECORRUPT);
    mq_store_be32(rec + 84, 5);
    /* total size larger than the fields: trailing garbage inside the record */
    mq_store_be32(rec, (uint32_t)size + 16);
    memset(rec + size, 0, 16);
    cr_expect_eq(mq_msg_record_decode(rec, (size_t)size + 16, &d), MQ_ECORRUPT);
    /* total size smaller than the minimum */
    mq_store_be32(rec, 20);
    cr_expect_eq(mq_msg_record_decode(rec, (size_t)size, &d), MQ_ECORRUPT);
    /* wrong magic */
    mq_store_be32(rec, (uint32_t)size);
    mq_store_be32(rec + 4, 0x12345678);
    cr_expect_eq(mq_msg_record_decode(rec, (size_t)size, &d), MQ_EPROTO);
    free(rec);
}

Test(mq_msg, crc_mismatch_is_detected)
{
    mq_msg_t m = sample_msg("TopicTest", "hello", ""), d;
    int64_t size = mq_msg_record_size(&m);
    uint8_t *rec = malloc((size_t)size);
    cr_assert_eq(mq_msg_record_write(rec, (size_t)size, &m), MQ_OK);
    rec[88] ^= 1; /* flip a body bit */
    cr_assert_eq(mq_msg_record_decode(rec, (size_t)size, &d), MQ_OK);
    cr_expect_not(mq_msg_body_crc_ok(&d));
    free(rec);
}
