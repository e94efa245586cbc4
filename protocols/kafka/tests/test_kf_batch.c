/* SPDX-License-Identifier: Apache-2.0
 *
 * test_kf_batch.c -- record batch v2 and compression: batches in golden Produce requests of
 * every codec decode to the records the clients sent; batches in the mock broker's Fetch
 * responses decode; write -> read round trips with every codec (null/empty keys and values,
 * binary headers, LogAppendTime, multi-block payloads); malformed input (bad CRC, magic 0/1,
 * truncation, absurd counts, bad compressed payloads, decompression bombs) gives the documented
 * error and never crashes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kf_api.h"
#include "kf_batch.h"
#include "kf_compress.h"
#include "mq/crc.h"
#include "mq_test.h"

static uint8_t *
kb_slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    uint8_t *p;
    long n;
    snprintf(path, sizeof(path), "%s/%s%s", KF_GOLDEN_DIR, dir, name);
    f = fopen(path, "rb");
    cr_assert_not_null(f, "open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)n + 1);
    cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Everything read from one set of records. */
typedef struct kb_seen_s {
    int records, batches;
    int codecs; /* bit per codec */
    kf_record_t rec[16];
    kf_batch_info_t info[8];
} kb_seen_t;

/* Reads every batch of a RECORDS blob into seen; returns the first error or MQ_OK. */
static int
kb_read_records(mq_str_t recs, mq_buf_t *scratch, mq_pool_t *pool, int flags, kb_seen_t *seen)
{
    mq_rd_t r;
    const uint8_t *batch;
    size_t blen;
    int rc;

    mq_rd_init(&r, recs.p, recs.n);
    while ((rc = kf_batches_next(&r, &batch, &blen)) == 1) {
        kf_batch_reader_t br;
        kf_record_t rec;
        rc = kf_batch_open(&br, batch, blen, NULL, scratch, 1 << 20, pool, flags);
        if (rc)
            return rc;
        if (seen->batches < 8)
            seen->info[seen->batches] = br.info;
        seen->batches++;
        seen->codecs |= 1 << (br.info.attributes & KF_COMPRESSION_MASK);
        while ((rc = kf_batch_next(&br, &rec)) == 1) {
            if (seen->records < 16)
                seen->rec[seen->records] = rec;
            seen->records++;
        }
        if (rc)
            return rc;
    }
    return rc;
}

/* Decodes a golden Produce request and reads all of its records. */
static void
kb_read_produce(const char *name, mq_buf_t *scratch, mq_pool_t *pool, kb_seen_t *seen)
{
    size_t len;
    uint8_t *frame = kb_slurp("", name, &len);
    uint8_t *copy = mq_palloc(pool, len);
    kf_request_t req;
    mq_rd_t r;

    memcpy(copy, frame, len); /* views must outlive the file buffer */
    free(frame);
    mq_rd_init(&r, copy + 4, len - 4);
    cr_assert_eq(kf_req_hdr_decode(&r, &req.hdr), MQ_OK);
    cr_assert_eq(kf_request_decode(&r, &req.hdr, pool, &req), MQ_OK);
    cr_assert_eq(req.hdr.api_key, KF_API_Produce);
    for (int32_t i = 0; i < req.u.produce.n_topics; i++)
        for (int32_t j = 0; j < req.u.produce.topics[i].n_partitions; j++)
            cr_assert_eq(kb_read_records(req.u.produce.topics[i].partitions[j].records, scratch,
                                         pool, KF_BATCH_STRICT, seen),
                         0, "%s", name);
}

static int
kb_eq(mq_str_t s, const char *c)
{
    return s.p && mq_str_eq_cstr(s, c);
}

Test(kf_batch, kcat_produce_every_codec)
{
    static const struct {
        const char *scenario;
        int codec;
    } sc[] = {{"none", KF_COMPRESSION_NONE},
              {"gzip", KF_COMPRESSION_GZIP},
              {"snappy", KF_COMPRESSION_SNAPPY},
              {"lz4", KF_COMPRESSION_LZ4},
              {"zstd", KF_COMPRESSION_ZSTD}};

    for (size_t s = 0; s < MQ_ARRAY_LEN(sc); s++) {
        char n4[128], n5[128];
        kb_seen_t seen;
        mq_buf_t scratch;
        mq_pool_t pool;
        int keys = 0;

        memset(&seen, 0, sizeof(seen));
        mq_buf_init(&scratch);
        (void)mq_buf_reserve(&scratch, 4 << 20); /* record views point into it: no realloc */
        mq_pool_init(&pool, 0);
        snprintf(n4, sizeof(n4), "kcat-produce-%s-0004-req-Produce-v7.bin", sc[s].scenario);
        snprintf(n5, sizeof(n5), "kcat-produce-%s-0005-req-Produce-v7.bin", sc[s].scenario);
        kb_read_produce(n4, &scratch, &pool, &seen);
        kb_read_produce(n5, &scratch, &pool, &seen);
        cr_assert_eq(seen.records, 3, "%s: %d records", sc[s].scenario, seen.records);
        cr_assert_eq(seen.codecs, 1 << sc[s].codec, "%s: codec", sc[s].scenario);
        for (int i = 0; i < 3; i++) {
            kf_record_t *rec = &seen.rec[i];
            char key[16], tail[8];
            cr_assert_eq(rec->key.n, 5);
            memcpy(key, rec->key.p, 5);
            key[5] = 0;
            cr_assert_eq(strncmp(key, "key-", 4), 0, "%s: %s", sc[s].scenario, key);
            keys |= 1 << (key[4] - '0');
            snprintf(tail, sizeof(tail), " %c", key[4]);
            cr_assert_gt(rec->value.n, 60);
            cr_assert_eq(memcmp(rec->value.p, "repetitive payload", 18), 0);
            cr_assert_eq(memcmp(rec->value.p + rec->value.n - 2, tail, 2), 0);
            cr_assert_eq(rec->n_headers, 2);
            cr_assert(kb_eq(rec->headers[0].key, "h1") && kb_eq(rec->headers[0].value, "hv1"));
            cr_assert(kb_eq(rec->headers[1].key, "h2") && kb_eq(rec->headers[1].value, "hv2"));
            cr_assert_gt(rec->timestamp, 1600000000000LL);
        }
        cr_assert_eq(keys, 7, "key-0, key-1, key-2");
        cr_assert_eq(seen.info[0].producer_id, -1);
        mq_pool_fini(&pool);
        mq_buf_fini(&scratch);
    }
}

Test(kf_batch, kafkajs_gzip_kafka_python_and_idempotent_batches)
{
    kb_seen_t seen;
    mq_buf_t scratch;
    mq_pool_t pool;
    static const uint8_t trace2[] = {0, 1, 2, 2};

    memset(&seen, 0, sizeof(seen));
    mq_buf_init(&scratch);
    (void)mq_buf_reserve(&scratch, 4 << 20); /* record views point into it: no realloc */
    mq_pool_init(&pool, 0);
    kb_read_produce("kafkajs-producer-gzip-0003-req-Produce-v7.bin", &scratch, &pool, &seen);
    cr_assert_eq(seen.records, 3);
    cr_assert_eq(seen.batches, 3, "one batch per partition: %d", seen.batches);
    cr_assert_eq(seen.codecs, 1 << KF_COMPRESSION_GZIP);
    {
        int k2 = -1;
        for (int i = 0; i < 3; i++)
            if (kb_eq(seen.rec[i].key, "key-2"))
                k2 = i;
        cr_assert_geq(k2, 0);
        cr_assert(kb_eq(seen.rec[k2].value, "kafkajs value 2"));
        cr_assert_eq(seen.rec[k2].n_headers, 2);
        cr_assert(kb_eq(seen.rec[k2].headers[0].key, "h2") &&
                  kb_eq(seen.rec[k2].headers[0].value, "hv2"));
        cr_assert(kb_eq(seen.rec[k2].headers[1].key, "trace"));
        cr_assert_eq(seen.rec[k2].headers[1].value.n, 4);
        cr_assert_eq(memcmp(seen.rec[k2].headers[1].value.p, trace2, 4), 0, "binary header");
    }

    memset(&seen, 0, sizeof(seen));
    kb_read_produce("kafka-python-producer-0004-req-Produce-v7.bin", &scratch, &pool, &seen);
    kb_read_produce("kafka-python-producer-0005-req-Produce-v7.bin", &scratch, &pool, &seen);
    kb_read_produce("kafka-python-producer-0006-req-Produce-v7.bin", &scratch, &pool, &seen);
    cr_assert_eq(seen.records, 3);
    for (int i = 0; i < 3; i++) {
        char k[8], v[32], h[4], hv[4];
        snprintf(k, sizeof(k), "key-%d", i);
        snprintf(v, sizeof(v), "kafka-python value %d", i);
        snprintf(h, sizeof(h), "h%d", i);
        snprintf(hv, sizeof(hv), "hv%d", i);
        cr_assert(kb_eq(seen.rec[i].key, k));
        cr_assert(kb_eq(seen.rec[i].value, v));
        cr_assert_eq(seen.rec[i].n_headers, 1);
        cr_assert(kb_eq(seen.rec[i].headers[0].key, h) && kb_eq(seen.rec[i].headers[0].value, hv));
    }

    memset(&seen, 0, sizeof(seen));
    kb_read_produce("kcat-produce-idempotent-0005-req-Produce-v7.bin", &scratch, &pool, &seen);
    kb_read_produce("kcat-produce-idempotent-0006-req-Produce-v7.bin", &scratch, &pool, &seen);
    cr_assert_eq(seen.records, 3);
    for (int b = 0; b < seen.batches; b++) {
        cr_assert_eq(seen.info[b].producer_id, 0x32fb1620, "the InitProducerId answer");
        cr_assert_eq(seen.info[b].producer_epoch, 0);
        cr_assert_eq(seen.info[b].base_sequence, 0, "first batch of each partition");
    }
    mq_pool_fini(&pool);
    mq_buf_fini(&scratch);
}

/* Walks a Fetch v11 response (the mock's) and reads every partition's records. */
static void
kb_read_fetch_v11(const char *name, kb_seen_t *seen, mq_buf_t *scratch, mq_pool_t *pool)
{
    size_t len;
    uint8_t *frame = kb_slurp("../golden-resp/", name, &len);
    uint8_t *copy = mq_palloc(pool, len);
    mq_rd_t r;
    int32_t nt;

    memcpy(copy, frame, len);
    free(frame);
    mq_rd_init(&r, copy + 8, len - 8); /* size, correlation id */
    (void)mq_rd_i32(&r);               /* throttle */
    cr_assert_eq(mq_rd_i16(&r), 0);
    (void)mq_rd_i32(&r); /* session */
    nt = kf_rd_array(&r, 1);
    for (int32_t i = 0; i < nt; i++) {
        int32_t np;
        (void)kf_rd_string(&r);
        np = kf_rd_array(&r, 1);
        for (int32_t j = 0; j < np; j++) {
            int32_t na;
            mq_str_t recs;
            int rc;
            mq_rd_skip(&r, 4 + 2 + 8 + 8 + 8);
            na = kf_rd_array(&r, 16);
            mq_rd_skip(&r, (size_t)MQ_MAX(na, 0) * 16);
            mq_rd_skip(&r, 4);
            recs = kf_rd_bytes(&r);
            rc = kb_read_records(recs, scratch, pool, 0, seen);
            cr_assert(rc == 0 || rc == MQ_AGAIN, "%s: %s", name, mq_err_name(rc));
        }
    }
    cr_assert(mq_rd_ok(&r));
}

Test(kf_batch, mock_fetch_responses_decode)
{
    kb_seen_t seen;
    mq_buf_t scratch;
    mq_pool_t pool;

    memset(&seen, 0, sizeof(seen));
    mq_buf_init(&scratch);
    (void)mq_buf_reserve(&scratch, 4 << 20); /* record views point into it: no realloc */
    mq_pool_init(&pool, 0);
    kb_read_fetch_v11("kcat-consume-0009-resp-Fetch-v11.bin", &seen, &scratch, &pool);
    kb_read_fetch_v11("kcat-group-consume-0020-resp-Fetch-v11.bin", &seen, &scratch, &pool);
    cr_assert_geq(seen.records, 3, "%d records", seen.records);
    cr_assert(seen.codecs & (1 << KF_COMPRESSION_NONE));
    for (int i = 0; i < MQ_MIN(seen.records, 16); i++) {
        cr_assert_eq(memcmp(seen.rec[i].key.p, "fill-", 5), 0);
        cr_assert_eq(seen.rec[i].n_headers, 1);
        cr_assert(kb_eq(seen.rec[i].headers[0].key, "src") &&
                  kb_eq(seen.rec[i].headers[0].value, "prefill"));
    }
    mq_pool_fini(&pool);
    mq_buf_fini(&scratch);
}

/* ---------------------------------------------------------------------------------------------
 * Round trips
 * ------------------------------------------------------------------------------------------- */

static kf_header_t kb_hdrs[] = {{MQ_STR("a"), MQ_STR("1")},
                                {MQ_STR("bin"), {"\0\xff\x01", 3}},
                                {MQ_STR("nullv"), MQ_STR_NULL},
                                {MQ_STR(""), MQ_STR("")}};

static kf_codec_t kb_codec; /* reused across round trips: contexts live between batches */

static void
kb_round_trip(int attributes, const kf_record_t *recs, int n, size_t max_out)
{
    kf_batch_info_t info = {1000, 7, (int16_t)attributes, 0, 0, 1700000000999LL, 42, 3, 17, 0};
    mq_buf_t out, scratch, dscratch;
    mq_pool_t pool;
    kf_batch_reader_t br;
    kf_record_t rec;
    const uint8_t *batch;
    size_t blen;
    mq_rd_t r;
    int i, rc;

    mq_buf_init(&out);
    mq_buf_init(&scratch);
    mq_buf_init(&dscratch);
    mq_pool_init(&pool, 0);
    cr_assert_eq(kf_batch_write(&out, &info, recs, n, &kb_codec, &scratch), MQ_OK);
    mq_rd_init(&r, out.data, out.len);
    cr_assert_eq(kf_batches_next(&r, &batch, &blen), 1);
    cr_assert_eq(blen, out.len);
    cr_assert_eq(kf_batches_next(&r, &batch, &blen), 0);
    cr_assert_eq(kf_batch_open(&br, out.data, out.len, &kb_codec, &dscratch, max_out, &pool,
                               KF_BATCH_STRICT),
                 MQ_OK, "codec %d", attributes & 7);
    cr_assert_eq(br.info.base_offset, 1000);
    cr_assert_eq(br.info.partition_leader_epoch, 7);
    cr_assert_eq(br.info.attributes, attributes);
    cr_assert_eq(br.info.records_count, n);
    cr_assert_eq(br.info.last_offset_delta, n - 1);
    cr_assert_eq(br.info.producer_id, 42);
    cr_assert_eq(br.info.producer_epoch, 3);
    cr_assert_eq(br.info.base_sequence, 17);
    cr_assert_eq(br.info.base_timestamp, recs[0].timestamp);
    for (i = 0; (rc = kf_batch_next(&br, &rec)) == 1; i++) {
        cr_assert_eq(rec.offset, recs[i].offset);
        if (attributes & KF_ATTR_LOG_APPEND_TIME)
            cr_assert_eq(rec.timestamp, info.max_timestamp);
        else
            cr_assert_eq(rec.timestamp, recs[i].timestamp);
        cr_assert_eq(rec.key.p == NULL, recs[i].key.p == NULL, "null key kept");
        cr_assert_eq(rec.key.n, recs[i].key.n);
        cr_assert_eq(
            memcmp(rec.key.p ? rec.key.p : "", recs[i].key.p ? recs[i].key.p : "", rec.key.n), 0);
        cr_assert_eq(rec.value.p == NULL, recs[i].value.p == NULL, "null value kept");
        cr_assert_eq(rec.value.n, recs[i].value.n);
        if (rec.value.n)
            cr_assert_eq(memcmp(rec.value.p, recs[i].value.p, rec.value.n), 0);
        cr_assert_eq(rec.n_headers, recs[i].n_headers);
        for (int h = 0; h < rec.n_headers; h++) {
            cr_assert(mq_str_eq(rec.headers[h].key, recs[i].headers[h].key));
            cr_assert_eq(rec.headers[h].value.p == NULL, recs[i].headers[h].value.p == NULL);
            cr_assert(mq_str_eq(rec.headers[h].value, recs[i].headers[h].value));
        }
    }
    cr_assert_eq(rc, 0);
    cr_assert_eq(i, n);
    mq_pool_fini(&pool);
    mq_buf_fini(&out);
    mq_buf_fini(&scratch);
    mq_buf_fini(&dscratch);
}

Test(kf_batch, write_read_round_trip_every_codec)
{
    kf_record_t recs[4];
    memset(recs, 0, sizeof(recs));
    recs[0] = (kf_record_t){1000, 1700000000000LL, MQ_STR("k0"), MQ_STR("v0"), kb_hdrs, 4};
    recs[1] = (kf_record_t){1001, 1699999999000LL, MQ_STR_NULL, MQ_STR(""), NULL, 0};
    recs[2] = (kf_record_t){1002, 1700000005000LL, MQ_STR(""), MQ_STR_NULL, kb_hdrs + 1, 2};
    recs[3] = (kf_record_t){1003, 1700000000001LL, {"\0\1", 2}, {"\xff\0\xfe", 3}, NULL, 0};
    for (int codec = 0; codec <= KF_COMPRESSION_ZSTD; codec++) {
        kb_round_trip(codec, recs, 4, 1 << 20);
        kb_round_trip(codec | KF_ATTR_LOG_APPEND_TIME | KF_ATTR_TRANSACTIONAL, recs, 1, 1 << 20);
    }
    kf_codec_fini(&kb_codec);
}

Test(kf_batch, large_multi_block_payloads_every_codec)
{
    size_t n = 300 * 1024;
    char *big = malloc(n);
    kf_record_t recs[2];
    uint32_t x = 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (char)(i % 7 == 0 ? (int)(x >> 16) : 'a' + (int)(i % 13));
    }
    recs[0] = (kf_record_t){1000, 10, MQ_STR("big"), {big, n}, NULL, 0};
    recs[1] = (kf_record_t){1001, 11, MQ_STR("big2"), {big + 1, n - 1}, NULL, 0};
    for (int codec = 0; codec <= KF_COMPRESSION_ZSTD; codec++) {
        kf_batch_info_t info = {1000, -1, (int16_t)codec, 0, 0, 0, -1, -1, -1, 0};
        mq_buf_t out, scratch, dscratch;
        kf_batch_reader_t br;
        mq_buf_init(&out);
        mq_buf_init(&scratch);
        mq_buf_init(&dscratch);
        cr_assert_eq(kf_batch_write(&out, &info, recs, 2, NULL, &scratch), MQ_OK);
        if (codec == KF_COMPRESSION_SNAPPY)
            cr_assert_eq(memcmp(out.data + KF_BATCH_HEADER_SIZE, "\x82SNAPPY\0", 8), 0,
                         "xerial framing as Java writes it");
        /* a limit below the records' size refuses the batch; one above accepts it */
        cr_assert_eq(
            kf_batch_open(&br, out.data, out.len, NULL, &dscratch, n, NULL, KF_BATCH_STRICT),
            codec ? MQ_ETOOBIG : MQ_OK, "codec %d", codec);
        cr_assert_eq(dscratch.len, 0, "scratch restored on error");
        kb_round_trip(codec, recs, 2, 4 * n);
        kb_round_trip(codec, recs, 2, 4 * n);
        mq_buf_fini(&out);
        mq_buf_fini(&scratch);
        mq_buf_fini(&dscratch);
    }
    free(big);
    kf_codec_fini(&kb_codec);
}

/* ---------------------------------------------------------------------------------------------
 * Malformed input
 * ------------------------------------------------------------------------------------------- */

static void
kb_fix_crc(uint8_t *batch, size_t len)
{
    mq_store_be32(batch + KF_BATCH_CRC_OFFSET,
                  mq_crc32c(0, batch + KF_BATCH_ATTR_OFFSET, len - KF_BATCH_ATTR_OFFSET));
}

static int
kb_open_all(uint8_t *batch, size_t len, int flags, size_t max_out)
{
    kf_batch_reader_t br;
    kf_record_t rec;
    mq_buf_t scratch;
    mq_pool_t pool;
    int rc;
    mq_buf_init(&scratch);
    mq_pool_init(&pool, 0);
    rc = kf_batch_open(&br, batch, len, NULL, &scratch, max_out, &pool, flags);
    if (rc == MQ_OK)
        while ((rc = kf_batch_next(&br, &rec)) == 1)
            ;
    mq_pool_fini(&pool);
    mq_buf_fini(&scratch);
    return rc;
}

static mq_buf_t
kb_sample(int codec)
{
    kf_record_t recs[2] = {{0, 100, MQ_STR("key"), MQ_STR("value value value"), kb_hdrs, 2},
                           {1, 101, MQ_STR_NULL, MQ_STR("v2"), NULL, 0}};
    kf_batch_info_t info = {0, -1, (int16_t)codec, 0, 0, 0, -1, -1, -1, 0};
    mq_buf_t out, scratch;
    mq_buf_init(&out);
    mq_buf_init(&scratch);
    cr_assert_eq(kf_batch_write(&out, &info, recs, 2, NULL, &scratch), MQ_OK);
    mq_buf_fini(&scratch);
    return out;
}

Test(kf_batch, bad_crc_and_old_magics)
{
    mq_buf_t b = kb_sample(KF_COMPRESSION_NONE);
    kf_batch_info_t info;
    mq_rd_t r;
    const uint8_t *batch;
    size_t blen;
    /* a magic 1 message set entry: offset, size 14+..., crc, magic 1 */
    uint8_t v1[8 + 4 + 4 + 1 + 1 + 8 + 4 + 4] = {0};

    cr_assert_eq(kb_open_all(b.data, b.len, KF_BATCH_STRICT, 1 << 20), 0);
    b.data[b.len - 1] ^= 0x40;
    cr_assert_eq(kb_open_all(b.data, b.len, 0, 1 << 20), MQ_ECORRUPT);
    cr_assert_eq(kf_batch_kafka_error(MQ_ECORRUPT), KF_ERR_CORRUPT_MESSAGE);
    b.data[b.len - 1] ^= 0x40;
    b.data[16] = 1;
    cr_assert_eq(kf_batch_header(b.data, b.len, &info), KF_BATCH_EMAGIC);
    cr_assert_eq(kb_open_all(b.data, b.len, 0, 1 << 20), KF_BATCH_EMAGIC);
    b.data[16] = 0;
    cr_assert_eq(kb_open_all(b.data, b.len, 0, 1 << 20), KF_BATCH_EMAGIC);
    cr_assert_eq(kf_batch_kafka_error(KF_BATCH_EMAGIC), KF_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT);

    mq_store_be32(v1 + 8, sizeof(v1) - 12);
    v1[16] = 1;
    mq_rd_init(&r, v1, sizeof(v1));
    cr_assert_eq(kf_batches_next(&r, &batch, &blen), KF_BATCH_EMAGIC, "short magic-1 message");
    mq_buf_fini(&b);
}

Test(kf_batch, truncation_and_lengths)
{
    mq_buf_t b = kb_sample(KF_COMPRESSION_NONE);
    mq_rd_t r;
    const uint8_t *batch;
    size_t blen;

    for (size_t cut = 0; cut < b.len; cut++) {
        mq_test_guard_t g;
        uint8_t *p = mq_test_guarded(&g, b.data, cut);
        kf_batch_info_t info;
        mq_rd_init(&r, p, cut);
        cr_assert_eq(kf_batches_next(&r, &batch, &blen), cut == 0 ? 0 : MQ_AGAIN, "cut %zu", cut);
        cr_assert_neq(kf_batch_header(p, cut, &info), MQ_OK);
        /* claim the cut length in the header: CRC skipped, the records are short */
        if (cut >= KF_BATCH_HEADER_SIZE) {
            mq_store_be32(p + 8, (uint32_t)(cut - 12));
            cr_assert_lt(kb_open_all(p, cut, KF_BATCH_NO_CRC, 1 << 20), 0, "cut %zu", cut);
        }
        mq_test_unguard(&g);
    }
    /* batchLength below the header */
    mq_store_be32(b.data + 8, 10);
    mq_rd_init(&r, b.data, b.len);
    cr_assert_eq(kf_batches_next(&r, &batch, &blen), MQ_EPROTO);
    mq_buf_fini(&b);
}

Test(kf_batch, lying_counts_and_records)
{
    mq_buf_t b = kb_sample(KF_COMPRESSION_NONE);
    uint8_t *c = malloc(b.len + 8);

    /* more records declared than present */
    memcpy(c, b.data, b.len);
    mq_store_be32(c + 57, 3);
    mq_store_be32(c + 23, 2);
    kb_fix_crc(c, b.len);
    cr_assert_eq(kb_open_all(c, b.len, 0, 1 << 20), MQ_EPROTO);
    /* absurd count */
    mq_store_be32(c + 57, 0x7fffffff);
    kb_fix_crc(c, b.len);
    cr_assert_eq(kb_open_all(c, b.len, 0, 1 << 20), MQ_EPROTO);
    mq_store_be32(c + 57, 0xffffffff);
    kb_fix_crc(c, b.len);
    cr_assert_eq(kb_open_all(c, b.len, 0, 1 << 20), MQ_EPROTO);
    /* fewer declared than present: leftover bytes */
    memcpy(c, b.data, b.len);
    mq_store_be32(c + 57, 1);
    mq_store_be32(c + 23, 0);
    kb_fix_crc(c, b.len);
    cr_assert_eq(kb_open_all(c, b.len, 0, 1 << 20), MQ_EPROTO);
    /* lastOffsetDelta disagrees with the count (strict) */
    memcpy(c, b.data, b.len);
    mq_store_be32(c + 23, 5);
    kb_fix_crc(c, b.len);
    cr_assert_eq(kb_open_all(c, b.len, KF_BATCH_STRICT, 1 << 20), MQ_EPROTO);
    cr_assert_eq(kb_open_all(c, b.len, 0, 1 << 20), 0, "fetched batches may have gaps");
    /* first record's length varint made huge */
    memcpy(c, b.data, b.len);
    c[KF_BATCH_HEADER_SIZE] = 0x7e;
    kb_fix_crc(c, b.len);
    cr_assert_eq(kb_open_all(c, b.len, 0, 1 << 20), MQ_EPROTO);
    /* header count made huge: record = len, attr, tsd, od, keylen 3 "key", vallen 17 ..., hc */
    memcpy(c, b.data, b.len);
    {
        uint8_t *rec = c + KF_BATCH_HEADER_SIZE + 1;
        size_t hc_at = 1 + 1 + 1 + 1 + 3 + 1 + 17;
        cr_assert_eq(rec[hc_at], 4, "two headers, zig-zag");
        rec[hc_at] = 0x7e;
        kb_fix_crc(c, b.len);
        cr_assert_eq(kb_open_all(c, b.len, 0, 1 << 20), MQ_EPROTO);
    }
    /* unknown codec 5 */
    memcpy(c, b.data, b.len);
    c[22] = (uint8_t)((c[22] & ~7) | 5);
    kb_fix_crc(c, b.len);
    cr_assert_eq(kb_open_all(c, b.len, 0, 1 << 20), MQ_EINVAL);
    free(c);
    mq_buf_fini(&b);
}

Test(kf_batch, bad_compressed_payloads_every_codec)
{
    for (int codec = 1; codec <= KF_COMPRESSION_ZSTD; codec++) {
        mq_buf_t b = kb_sample(codec);
        size_t clen = b.len - KF_BATCH_HEADER_SIZE;
        /* garbage of the same length */
        for (size_t i = KF_BATCH_HEADER_SIZE; i < b.len; i++)
            b.data[i] = (uint8_t)(i * 37 + 11);
        if (codec == KF_COMPRESSION_SNAPPY)
            b.data[KF_BATCH_HEADER_SIZE] = 0x7f; /* raw block claiming 127 bytes */
        kb_fix_crc(b.data, b.len);
        cr_assert_lt(kb_open_all(b.data, b.len, 0, 1 << 20), 0, "codec %d garbage", codec);
        mq_buf_fini(&b);

        /* truncated compressed stream, CRC fixed: must fail, not crash */
        b = kb_sample(codec);
        for (size_t keep = 0; keep < clen; keep++) {
            size_t len = KF_BATCH_HEADER_SIZE + keep;
            mq_test_guard_t g;
            uint8_t *p = mq_test_guarded(&g, b.data, len);
            mq_store_be32(p + 8, (uint32_t)(len - 12));
            kb_fix_crc(p, len);
            cr_assert_lt(kb_open_all(p, len, 0, 1 << 20), 0, "codec %d keep %zu", codec, keep);
            mq_test_unguard(&g);
        }
        mq_buf_fini(&b);
    }
}

Test(kf_batch, decompression_bombs_are_refused)
{
    size_t n = 8 << 20;
    char *zeros = calloc(1, n);
    for (int codec = 1; codec <= KF_COMPRESSION_ZSTD; codec++) {
        mq_buf_t c, out;
        mq_buf_init(&c);
        mq_buf_init(&out);
        cr_assert_eq(kf_compress(NULL, codec, zeros, n, &c), MQ_OK);
        cr_assert_lt(c.len, n / 16, "%s compresses zeros", kf_compression_name(codec));
        cr_assert_eq(kf_decompress(NULL, codec, c.data, c.len, &out, 1 << 20), MQ_ETOOBIG, "%s",
                     kf_compression_name(codec));
        cr_assert_eq(out.len, 0);
        cr_assert_eq(kf_decompress(NULL, codec, c.data, c.len, &out, n), MQ_OK, "%s exact limit",
                     kf_compression_name(codec));
        cr_assert_eq(out.len, n);
        mq_buf_fini(&c);
        mq_buf_fini(&out);
    }
    free(zeros);
}

Test(kf_batch, snappy_raw_and_xerial_both_decode)
{
    static const char text[] = "raw snappy as librdkafka writes it, xerial as Java writes it";
    mq_buf_t x, out;
    mq_buf_init(&x);
    mq_buf_init(&out);
    cr_assert_eq(kf_compress(NULL, KF_COMPRESSION_SNAPPY, text, sizeof(text), &x), MQ_OK);
    cr_assert_eq(memcmp(x.data, "\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16), 0);
    cr_assert_eq(kf_decompress(NULL, KF_COMPRESSION_SNAPPY, x.data, x.len, &out, 1024), MQ_OK);
    cr_assert_eq(out.len, sizeof(text));
    cr_assert_eq(memcmp(out.data, text, sizeof(text)), 0);
    /* the first xerial block alone is a raw snappy stream */
    out.len = 0;
    cr_assert_eq(kf_decompress(NULL, KF_COMPRESSION_SNAPPY, x.data + 20, x.len - 20, &out, 1024),
                 MQ_OK);
    cr_assert_eq(memcmp(out.data, text, sizeof(text)), 0);
    /* xerial with a block length past the end */
    x.data[19] = 0xff;
    out.len = 0;
    cr_assert_eq(kf_decompress(NULL, KF_COMPRESSION_SNAPPY, x.data, x.len, &out, 1024),
                 MQ_ECORRUPT);
    mq_buf_fini(&x);
    mq_buf_fini(&out);
}

Test(kf_batch, set_base_offset_keeps_crc_valid)
{
    mq_buf_t b = kb_sample(KF_COMPRESSION_LZ4);
    kf_batch_reader_t br;
    mq_buf_t scratch;
    kf_record_t rec;
    mq_buf_init(&scratch);
    kf_batch_set_base_offset(b.data, 123456789, 4);
    cr_assert_eq(kf_batch_open(&br, b.data, b.len, NULL, &scratch, 1 << 20, NULL, 0), MQ_OK);
    cr_assert_eq(br.info.base_offset, 123456789);
    cr_assert_eq(br.info.partition_leader_epoch, 4);
    cr_assert_eq(kf_batch_next(&br, &rec), MQ_EINVAL, "headers need a pool");
    mq_buf_fini(&scratch);
    mq_buf_fini(&b);
}

Test(kf_batch, reused_codec_contexts_survive_errors)
{
    static const char text[] = "the same context decodes again after a failure, and again";
    kf_codec_t c;
    memset(&c, 0, sizeof(c));
    for (int round = 0; round < 3; round++) {
        for (int codec = 1; codec <= KF_COMPRESSION_ZSTD; codec++) {
            mq_buf_t z, out, bomb;
            uint8_t junk[64];
            static char zeros[1 << 16];
            mq_buf_init(&z);
            mq_buf_init(&out);
            mq_buf_init(&bomb);
            cr_assert_eq(kf_compress(&c, codec, text, sizeof(text), &z), MQ_OK);
            /* a failure part-way: the stream truncated */
            cr_assert_lt(kf_decompress(&c, codec, z.data, z.len / 2, &out, 1024), 0, "%s",
                         kf_compression_name(codec));
            for (size_t i = 0; i < sizeof(junk); i++)
                junk[i] = (uint8_t)(i * 91 + round);
            (void)kf_decompress(&c, codec, junk, sizeof(junk), &out, 1024);
            cr_assert_eq(kf_compress(&c, codec, zeros, sizeof(zeros), &bomb), MQ_OK);
            cr_assert_eq(kf_decompress(&c, codec, bomb.data, bomb.len, &out, 100), MQ_ETOOBIG);
            cr_assert_eq(out.len, 0);
            cr_assert_eq(kf_decompress(&c, codec, z.data, z.len, &out, 1024), MQ_OK, "%s again",
                         kf_compression_name(codec));
            cr_assert_eq(out.len, sizeof(text));
            cr_assert_eq(memcmp(out.data, text, sizeof(text)), 0);
            mq_buf_fini(&z);
            mq_buf_fini(&out);
            mq_buf_fini(&bomb);
        }
    }
    kf_codec_fini(&c);
    cr_assert_null(c.zstd_d);
}

Test(kf_batch, platformatic_flexible_produce_batches)
{
    static const char *files[] = {"platformatic-flex-0001-req-Produce-v9.bin",
                                  "platformatic-flex-0003-req-Produce-v11.bin",
                                  "platformatic-flex-0004-req-Produce-v11.bin"};
    for (size_t f = 0; f < MQ_ARRAY_LEN(files); f++) {
        kb_seen_t seen;
        mq_buf_t scratch;
        mq_pool_t pool;
        int keys = 0;
        memset(&seen, 0, sizeof(seen));
        mq_buf_init(&scratch);
        (void)mq_buf_reserve(&scratch, 4 << 20); /* record views point into it: no realloc */
        mq_pool_init(&pool, 0);
        kb_read_produce(files[f], &scratch, &pool, &seen);
        cr_assert_eq(seen.records, 3, "%s", files[f]);
        cr_assert_eq(seen.batches, 2, "one batch per partition");
        cr_assert_eq(seen.codecs, f == 2 ? 1 << KF_COMPRESSION_GZIP : 1 << KF_COMPRESSION_NONE);
        for (int i = 0; i < 3; i++) {
            const kf_record_t *rec = &seen.rec[i];
            char v[32];
            int k;
            cr_assert_eq(rec->key.n, 5);
            k = rec->key.p[4] - '0';
            keys |= 1 << k;
            snprintf(v, sizeof(v), "platformatic value %d", k);
            cr_assert(kb_eq(rec->value, v));
            cr_assert_eq(rec->n_headers, 2);
            cr_assert(kb_eq(rec->headers[0].key, "h1") && kb_eq(rec->headers[0].value, "hv1"));
            cr_assert(kb_eq(rec->headers[1].key, "bin"));
            cr_assert_eq(memcmp(rec->headers[1].value.p, "\0\xff\x01", 3), 0);
        }
        cr_assert_eq(keys, 7);
        mq_pool_fini(&pool);
        mq_buf_fini(&scratch);
    }
}
