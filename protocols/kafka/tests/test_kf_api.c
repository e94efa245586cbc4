/* SPDX-License-Identifier: Apache-2.0
 *
 * test_kf_api.c -- the API table, headers and per-API codecs against the golden frames captured
 * from kcat (librdkafka 2.0.2), kafkajs 2.2.4 and kafka-python 2.0.2 (tests/golden, copied from
 * shared/golden/kafka): every request decodes completely, every truncation fails cleanly,
 * responses built from them encode to well-formed frames, and the responses whose content we
 * can reproduce match librdkafka's mock broker byte for byte (tests/golden-resp). Also the
 * ApiVersions rules (KIP-511 answer, v0 response header for flexible versions), the advertised
 * ranges librdkafka 2.0.2's exact-version features need, and hand-built flexible requests.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kf_api.h"
#include "kf_batch.h"
#include "kf_echo.h"
#include "mq_test.h"

static uint8_t *
kt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long n;
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

/* Decodes a whole request frame (with its int32 size). Returns the header result, or the body
 * result when the header was MQ_OK; *left gets the bytes the body decoder did not read. */
static int
kt_decode(const uint8_t *frame, size_t len, mq_pool_t *pool, kf_request_t *req, size_t *left)
{
    mq_rd_t r;
    int rc;
    mq_rd_init(&r, frame + 4, len - 4);
    rc = kf_req_hdr_decode(&r, &req->hdr);
    if (rc != MQ_OK)
        return rc;
    rc = kf_request_decode(&r, &req->hdr, pool, req);
    if (left)
        *left = mq_rd_left(&r);
    return rc;
}

/* Checks the frame a response encoder produced: size prefix, correlation id, header form. */
static void
kt_check_response_frame(const mq_buf_t *b, const kf_req_hdr_t *h)
{
    cr_assert_geq(b->len, 8);
    cr_assert_eq(mq_load_be32(b->data), b->len - 4, "%s v%d: size prefix", kf_api_name(h->api_key),
                 h->api_version);
    cr_assert_eq((int32_t)mq_load_be32(b->data + 4), h->correlation_id);
    if (h->flex && h->api_key != KF_API_ApiVersions)
        cr_assert_eq(b->data[8], 0, "flexible response header carries an empty tag block");
}

Test(kf_api, every_golden_request_decodes_completely_and_answers)
{
    DIR *d = opendir(KF_GOLDEN_DIR);
    struct dirent *e;
    int files = 0, produce_records = 0;
    mq_buf_t out, scratch;

    cr_assert_not_null(d);
    mq_buf_init(&out);
    mq_buf_init(&scratch);
    while ((e = readdir(d)) != NULL) {
        char path[1024], api[64];
        const char *req_at = strstr(e->d_name, "-req-");
        int ver;
        size_t len, left = 99;
        uint8_t *frame;
        kf_request_t req;
        kf_response_t resp;
        mq_pool_t pool;
        int rc;

        if (!req_at || !strstr(e->d_name, ".bin"))
            continue;
        cr_assert_eq(sscanf(req_at, "-req-%63[A-Za-z]-v%d.bin", api, &ver), 2, "%s", e->d_name);
        snprintf(path, sizeof(path), "%s/%s", KF_GOLDEN_DIR, e->d_name);
        frame = kt_slurp(path, &len);
        cr_assert_eq(mq_load_be32(frame), len - 4, "%s: frame size", e->d_name);
        mq_pool_init(&pool, 0);
        rc = kt_decode(frame, len, &pool, &req, &left);
        cr_assert_eq(rc, MQ_OK, "%s: %s", e->d_name, mq_err_name(rc));
        cr_assert_str_eq(kf_api_name(req.hdr.api_key), api, "%s", e->d_name);
        cr_assert_eq(req.hdr.api_version, ver);
        cr_assert_eq(left, 0, "%s: %zu bytes not decoded", e->d_name, left);

        if (req.hdr.api_key == KF_API_Produce) {
            for (int32_t i = 0; i < req.u.produce.n_topics; i++) {
                cr_assert(mq_str_eq_cstr(req.u.produce.topics[i].name, "golden"));
                for (int32_t j = 0; j < req.u.produce.topics[i].n_partitions; j++) {
                    mq_str_t recs = req.u.produce.topics[i].partitions[j].records;
                    const uint8_t *batch;
                    size_t blen;
                    mq_rd_t rr;
                    mq_rd_init(&rr, recs.p, recs.n);
                    while ((rc = kf_batches_next(&rr, &batch, &blen)) == 1) {
                        kf_batch_reader_t br;
                        kf_record_t rec;
                        cr_assert_eq(kf_batch_open(&br, batch, blen, NULL, &scratch, 1 << 20, &pool,
                                                   KF_BATCH_STRICT),
                                     MQ_OK, "%s", e->d_name);
                        while ((rc = kf_batch_next(&br, &rec)) == 1)
                            produce_records++;
                        cr_assert_eq(rc, 0, "%s", e->d_name);
                    }
                    cr_assert_eq(rc, 0);
                }
            }
        }

        kf_echo_response(&req, &pool, &resp);
        out.len = 0;
        {
            mq_wr_t w;
            mq_wr_init_buf(&w, &out);
            rc = kf_response_encode(&w, &req.hdr, &resp);
            cr_assert_eq(rc, MQ_OK, "%s: encode %s", e->d_name, mq_err_name(rc));
            kt_check_response_frame(&out, &req.hdr);
        }
        mq_pool_fini(&pool);
        free(frame);
        files++;
    }
    closedir(d);
    mq_buf_fini(&out);
    mq_buf_fini(&scratch);
    cr_assert_eq(files, 154, "golden request files: %d", files);
    cr_assert_gt(produce_records, 0);
}

Test(kf_api, every_truncation_of_every_golden_request_fails_cleanly)
{
    DIR *d = opendir(KF_GOLDEN_DIR);
    struct dirent *e;
    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        size_t len;
        uint8_t *frame;
        if (!strstr(e->d_name, "-req-"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", KF_GOLDEN_DIR, e->d_name);
        frame = kt_slurp(path, &len);
        for (size_t cut = 4; cut < len; cut++) {
            mq_test_guard_t g;
            mq_pool_t pool;
            kf_request_t req;
            size_t left = 0;
            uint8_t *p = mq_test_guarded(&g, frame, cut);
            int rc;
            mq_pool_init(&pool, 0);
            mq_store_be32(p, (uint32_t)(cut - 4));
            rc = kt_decode(p, cut, &pool, &req, &left);
            /* Only a cut that removes nothing the decoder needs may succeed: the last tagged
             * block of a flexible request is the one such case ... and none else. */
            if (rc == MQ_OK)
                cr_assert(req.hdr.flex || cut == len, "%s cut at %zu decoded", e->d_name, cut);
            mq_pool_fini(&pool);
            mq_test_unguard(&g);
        }
        free(frame);
    }
    closedir(d);
}

/* Encodes resp for the request in golden file req_name and compares with resp_name. */
static void
kt_match_golden(const char *req_name, const char *resp_name,
                void (*fill)(const kf_request_t *, mq_pool_t *, kf_response_t *))
{
    char path[1024];
    size_t qlen, rlen;
    uint8_t *q, *want;
    kf_request_t req;
    kf_response_t resp;
    mq_pool_t pool;
    mq_buf_t out;
    mq_wr_t w;

    snprintf(path, sizeof(path), "%s/%s", KF_GOLDEN_DIR, req_name);
    q = kt_slurp(path, &qlen);
    snprintf(path, sizeof(path), "%s/../golden-resp/%s", KF_GOLDEN_DIR, resp_name);
    want = kt_slurp(path, &rlen);
    mq_pool_init(&pool, 0);
    cr_assert_eq(kt_decode(q, qlen, &pool, &req, NULL), MQ_OK);
    memset(&resp, 0, sizeof(resp));
    fill(&req, &pool, &resp);
    mq_buf_init(&out);
    mq_wr_init_buf(&w, &out);
    cr_assert_eq(kf_response_encode(&w, &req.hdr, &resp), MQ_OK);
    cr_assert_eq(out.len, rlen, "%s: %zu bytes, want %zu", resp_name, out.len, rlen);
    cr_assert_eq(memcmp(out.data, want, rlen), 0, "%s differs", resp_name);
    mq_buf_fini(&out);
    mq_pool_fini(&pool);
    free(q);
    free(want);
}

static kf_coordinator_t kt_coord = {MQ_STR_NULL, 1, MQ_STR("127.0.0.1"), 19092, 0, MQ_STR_NULL};

static void
kt_fill_coordinator(const kf_request_t *q, mq_pool_t *pool, kf_response_t *r)
{
    r->u.find_coordinator.coordinators = &kt_coord;
    r->u.find_coordinator.n_coordinators = 1;
}

static void
kt_fill_none(const kf_request_t *q, mq_pool_t *pool, kf_response_t *r)
{
    (void)r;
}

/* The mock answers these exactly as the echo helper does. */
static void
kt_fill_echo(const kf_request_t *q, mq_pool_t *pool, kf_response_t *r)
{
    kf_echo_response(q, pool, r);
}

static void
kt_fill_list_offsets(const kf_request_t *q, mq_pool_t *pool, kf_response_t *r)
{
    kf_echo_response(q, pool, r);
    r->u.list_offsets.topics[0].partitions[0].timestamp = -1;
    r->u.list_offsets.topics[0].partitions[0].offset = 0; /* empty partition */
}

static void
kt_fill_offset_fetch(const kf_request_t *q, mq_pool_t *pool, kf_response_t *r)
{
    kf_echo_response(q, pool, r);
    for (int32_t i = 0; i < r->u.offset_fetch.groups[0].topics[0].n_partitions; i++)
        r->u.offset_fetch.groups[0].topics[0].partitions[i].metadata = MQ_STR_NULL;
}

static void
kt_fill_metadata(const kf_request_t *q, mq_pool_t *pool, kf_response_t *r)
{
    static int32_t one[1] = {1};
    static kf_broker_t b = {1, MQ_STR("127.0.0.1"), 19092, MQ_STR_NULL};
    static kf_metadata_resp_part_t parts[4];
    static kf_metadata_resp_topic_t t;
    for (int i = 0; i < 4; i++) {
        memset(&parts[i], 0, sizeof(parts[i]));
        parts[i].partition_index = i;
        parts[i].leader_id = 1;
        parts[i].replica_nodes = (kf_i32s_t){one, 1};
        parts[i].isr_nodes = (kf_i32s_t){one, 1};
    }
    memset(&t, 0, sizeof(t));
    t.name = MQ_STR("golden");
    t.partitions = parts;
    t.n_partitions = 4;
    r->u.metadata.brokers = &b;
    r->u.metadata.n_brokers = 1;
    r->u.metadata.cluster_id = MQ_STR("mockCluster157c6fce9ca8");
    r->u.metadata.controller_id = 0; /* the mock's choice */
    r->u.metadata.topics = &t;
    r->u.metadata.n_topics = 1;
}

static void
kt_fill_pid(const kf_request_t *q, mq_pool_t *pool, kf_response_t *r)
{
    r->u.init_producer_id.producer_id = 0x32fb1620;
    r->u.init_producer_id.producer_epoch = 0;
}

static int32_t kt_part;

static void
kt_fill_produce(const kf_request_t *q, mq_pool_t *pool, kf_response_t *r)
{
    static kf_produce_resp_part_t p;
    static kf_produce_resp_topic_t t;
    memset(&p, 0, sizeof(p));
    p.index = kt_part;
    p.log_append_time_ms = 1234; /* the mock's LogAppendTime quirk */
    t.name = MQ_STR("golden");
    t.partitions = &p;
    t.n_partitions = 1;
    r->u.produce.topics = &t;
    r->u.produce.n_topics = 1;
}

Test(kf_api, responses_match_the_mock_broker_byte_for_byte)
{
    kt_match_golden("kafka-python-consumer-group-0003-req-FindCoordinator-v0.bin",
                    "kafka-python-consumer-group-0003-resp-FindCoordinator-v0.bin",
                    kt_fill_coordinator);
    kt_match_golden("kafkajs-consumer-group-0003-req-FindCoordinator-v2.bin",
                    "kafkajs-consumer-group-0003-resp-FindCoordinator-v2.bin", kt_fill_coordinator);
    kt_match_golden("kafka-python-consumer-group-0015-req-Heartbeat-v1.bin",
                    "kafka-python-consumer-group-0015-resp-Heartbeat-v1.bin", kt_fill_none);
    kt_match_golden("kafkajs-consumer-group-0010-req-Heartbeat-v3.bin",
                    "kafkajs-consumer-group-0010-resp-Heartbeat-v3.bin", kt_fill_none);
    kt_match_golden("kcat-produce-idempotent-0004-req-InitProducerId-v4.bin",
                    "kcat-produce-idempotent-0004-resp-InitProducerId-v4.bin", kt_fill_pid);
    kt_part = 0;
    kt_match_golden("kcat-produce-none-0004-req-Produce-v7.bin",
                    "kcat-produce-none-0004-resp-Produce-v7.bin", kt_fill_produce);
    kt_part = 2;
    kt_match_golden("kcat-produce-gzip-0005-req-Produce-v7.bin",
                    "kcat-produce-gzip-0005-resp-Produce-v7.bin", kt_fill_produce);
    kt_match_golden("kafka-python-consumer-group-0014-req-OffsetCommit-v2.bin",
                    "kafka-python-consumer-group-0014-resp-OffsetCommit-v2.bin", kt_fill_echo);
    kt_match_golden("kafka-python-consumer-group-0017-req-LeaveGroup-v1.bin",
                    "kafka-python-consumer-group-0017-resp-LeaveGroup-v1.bin", kt_fill_echo);
    kt_match_golden("kafka-python-consumer-group-0009-req-ListOffsets-v1.bin",
                    "kafka-python-consumer-group-0009-resp-ListOffsets-v1.bin",
                    kt_fill_list_offsets);
    kt_match_golden("kafkajs-consumer-group-0007-req-OffsetFetch-v4.bin",
                    "kafkajs-consumer-group-0007-resp-OffsetFetch-v4.bin", kt_fill_offset_fetch);
    kt_match_golden("kcat-produce-none-0003-req-Metadata-v2.bin",
                    "kcat-produce-none-0003-resp-Metadata-v2.bin", kt_fill_metadata);
}

Test(kf_api, api_versions_v3_request_and_flexible_response_keep_header_v0)
{
    char path[1024];
    size_t len;
    uint8_t *q;
    kf_request_t req;
    mq_pool_t pool;
    kf_response_t resp;
    mq_buf_t out;
    mq_wr_t w;
    int n;

    snprintf(path, sizeof(path), "%s/kcat-produce-none-0001-req-ApiVersions-v3.bin", KF_GOLDEN_DIR);
    q = kt_slurp(path, &len);
    mq_pool_init(&pool, 0);
    cr_assert_eq(kt_decode(q, len, &pool, &req, NULL), MQ_OK);
    cr_assert(req.hdr.flex);
    cr_assert(mq_str_eq_cstr(req.hdr.client_id, "rdkafka"));
    cr_assert(mq_str_eq_cstr(req.u.api_versions.client_software_name, "librdkafka"));
    cr_assert(mq_str_eq_cstr(req.u.api_versions.client_software_version, "2.0.2"));

    memset(&resp, 0, sizeof(resp));
    mq_buf_init(&out);
    mq_wr_init_buf(&w, &out);
    cr_assert_eq(kf_response_encode(&w, &req.hdr, &resp), MQ_OK);
    (void)kf_api_table(&n);
    /* size, corr id, NO tag byte, error 0, compact count n+1, n x (6 + tag), throttle, tags */
    cr_assert_eq(out.len, 4 + 4 + 2 + 1 + (size_t)n * 7 + 4 + 1);
    cr_assert_eq(out.data[8], 0);
    cr_assert_eq(out.data[9], 0);
    cr_assert_eq(out.data[10], n + 1);
    mq_buf_fini(&out);
    mq_pool_fini(&pool);
    free(q);
}

Test(kf_api, api_versions_unknown_version_gets_the_kip511_v0_answer)
{
    /* ApiVersions v9, client "x", then bytes we must not parse */
    static const uint8_t frame[] = {0, 0, 0, 13, 0, 18, 0, 9, 0, 0, 0, 42, 0, 1, 'x', 0xde, 0xad};
    kf_req_hdr_t h;
    mq_rd_t r;
    mq_buf_t out;
    mq_wr_t w;
    int n;
    const kf_api_info_t *t = kf_api_table(&n);

    mq_rd_init(&r, frame + 4, sizeof(frame) - 4);
    cr_assert_eq(kf_req_hdr_decode(&r, &h), KF_EVERSION);
    cr_assert_eq(h.correlation_id, 42);
    mq_buf_init(&out);
    mq_wr_init_buf(&w, &out);
    cr_assert_eq(kf_response_encode_error(&w, &h, KF_ERR_UNSUPPORTED_VERSION), MQ_OK);
    cr_assert_eq(out.len, 4 + 4 + 2 + 4 + (size_t)n * 6, "v0 body, v0 header, no throttle");
    cr_assert_eq(mq_load_be32(out.data + 4), 42);
    cr_assert_eq(out.data[8], 0);
    cr_assert_eq(out.data[9], 35);
    cr_assert_eq(mq_load_be32(out.data + 10), (uint32_t)n);
    for (int i = 0; i < n; i++) {
        const uint8_t *e = out.data + 14 + i * 6;
        cr_assert_eq((int16_t)((e[0] << 8) | e[1]), t[i].key);
        cr_assert_eq((int16_t)((e[4] << 8) | e[5]), t[i].adv_max);
    }
    mq_buf_fini(&out);
}

Test(kf_api, unknown_key_and_unsupported_versions)
{
    static const uint8_t unknown[] = {0, 99, 0, 0, 0, 0, 0, 1, 0xff, 0xff};
    static const uint8_t produce2[] = {0, 0, 0, 2, 0, 0, 0, 7, 0xff, 0xff, 0, 1};
    static const uint8_t fetch13[] = {0, 1, 0, 13, 0, 0, 0, 8, 0xff, 0xff};
    kf_req_hdr_t h;
    mq_rd_t r;
    mq_buf_t out;
    mq_wr_t w;

    mq_rd_init(&r, unknown, sizeof(unknown));
    cr_assert_eq(kf_req_hdr_decode(&r, &h), KF_EUNKNOWN_API);

    mq_rd_init(&r, produce2, sizeof(produce2));
    cr_assert_eq(kf_req_hdr_decode(&r, &h), KF_EVERSION, "Produce v0-2 are advertised, refused");
    mq_buf_init(&out);
    mq_wr_init_buf(&w, &out);
    cr_assert_eq(kf_response_encode_error(&w, &h, KF_ERR_UNSUPPORTED_VERSION), MQ_OK);
    /* v2: empty topics array + throttle */
    cr_assert_eq(out.len, 4 + 4 + 4 + 4);
    cr_assert_eq(mq_load_be32(out.data + 4), 7);

    mq_rd_init(&r, fetch13, sizeof(fetch13));
    cr_assert_eq(kf_req_hdr_decode(&r, &h), KF_EVERSION);
    out.len = 0;
    mq_wr_init_buf(&w, &out);
    cr_assert_eq(kf_response_encode_error(&w, &h, KF_ERR_UNSUPPORTED_VERSION), KF_EVERSION,
                 "no layout for Fetch 13: the caller closes");
    mq_buf_fini(&out);
}

Test(kf_api, error_response_in_a_flexible_version)
{
    kf_req_hdr_t h = {KF_API_Heartbeat, 4, 5, MQ_STR("c"), 1};
    static const uint8_t want[] = {0, 0, 0, 12, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 27, 0};
    mq_buf_t out;
    mq_wr_t w;
    mq_buf_init(&out);
    mq_wr_init_buf(&w, &out);
    cr_assert_eq(kf_response_encode_error(&w, &h, KF_ERR_REBALANCE_IN_PROGRESS), MQ_OK);
    cr_assert_eq(out.len, sizeof(want));
    cr_assert_eq(memcmp(out.data, want, sizeof(want)), 0);
    mq_buf_fini(&out);
}

static int
kt_adv(int16_t key, int16_t v)
{
    const kf_api_info_t *a = kf_api_info(key);
    return a && v >= a->adv_min && v <= a->adv_max;
}

Test(kf_api, advertised_ranges_satisfy_librdkafka_202_exact_version_features)
{
    cr_assert(kt_adv(KF_API_Produce, 3) && kt_adv(KF_API_Fetch, 4), "MSGVER2");
    cr_assert(kt_adv(KF_API_Produce, 0), "compression gate (KAFKA-18659)");
    cr_assert(kt_adv(KF_API_Produce, 7) && kt_adv(KF_API_Fetch, 10), "ZSTD");
    cr_assert(kt_adv(KF_API_FindCoordinator, 0) && kt_adv(KF_API_OffsetFetch, 1) &&
                  kt_adv(KF_API_JoinGroup, 0) && kt_adv(KF_API_SyncGroup, 0) &&
                  kt_adv(KF_API_Heartbeat, 0) && kt_adv(KF_API_LeaveGroup, 0) &&
                  (kt_adv(KF_API_OffsetCommit, 1) || kt_adv(KF_API_OffsetCommit, 2)),
              "BROKER_BALANCED_CONSUMER");
    cr_assert(kt_adv(KF_API_ListOffsets, 1), "OFFSET_TIME");
    cr_assert(kt_adv(KF_API_InitProducerId, 0), "IDEMPOTENT_PRODUCER");
    cr_assert(kt_adv(KF_API_ApiVersions, 3) && kt_adv(KF_API_Metadata, 12) &&
                  kt_adv(KF_API_Fetch, 12) && kt_adv(KF_API_JoinGroup, 6) &&
                  kt_adv(KF_API_OffsetCommit, 8) && kt_adv(KF_API_OffsetFetch, 8) &&
                  kt_adv(KF_API_FindCoordinator, 4) && kt_adv(KF_API_CreateTopics, 7) &&
                  kt_adv(KF_API_DeleteTopics, 6) && kt_adv(KF_API_InitProducerId, 3),
              "@platformatic/kafka's flexible needs");
    cr_assert_not(kt_adv(KF_API_Fetch, 13), "no topic-id Fetch");
    cr_assert_not(kt_adv(KF_API_Produce, 12), "no transactions v2 Produce");
    /* everything advertised above the refused floor is implemented */
    {
        int n;
        const kf_api_info_t *t = kf_api_table(&n);
        for (int i = 0; i < n; i++) {
            cr_assert_eq(t[i].adv_max, t[i].max_version, "%s", t[i].name);
            if (t[i].key != KF_API_Produce)
                cr_assert_geq(t[i].adv_min, t[i].min_version, "%s", t[i].name);
            if (i > 0)
                cr_assert_gt(t[i].key, t[i - 1].key);
        }
    }
}

/* Writes a request header for (key, ver) into w, flexible per the table. */
static size_t
kt_req_begin(mq_wr_t *w, int16_t key, int16_t ver)
{
    size_t at = kf_frame_begin(w);
    mq_wr_i16(w, key);
    mq_wr_i16(w, ver);
    mq_wr_i32(w, 77);
    kf_wr_string16(w, MQ_STR("hand"));
    if (kf_api_is_flex(key, ver))
        mq_wr_u8(w, 0);
    return at;
}

Test(kf_api, hand_built_flexible_requests)
{
    mq_buf_t b;
    mq_wr_t w;
    size_t at, parts_at;
    kf_request_t req;
    mq_pool_t pool;
    size_t left;
    kf_uuid_t id;

    mq_buf_init(&b);
    mq_pool_init(&pool, 0);

    /* Produce v9: compact strings, tagged fields per element and at the end (one unknown tag) */
    mq_wr_init_buf(&w, &b);
    at = kt_req_begin(&w, KF_API_Produce, 9);
    kf_wr_string(&w, 1, MQ_STR_NULL); /* transactional_id */
    mq_wr_i16(&w, -1);
    mq_wr_i32(&w, 30000);
    kf_wr_array(&w, 1, 1);
    kf_wr_string(&w, 1, MQ_STR("orders.v1"));
    kf_wr_array(&w, 1, 1);
    mq_wr_i32(&w, 3);
    kf_wr_bytes(&w, 1, MQ_STR("RECS"));
    kf_wr_tags(&w, 1);
    kf_wr_tags(&w, 1);
    kf_wr_uvarint(&w, 1); /* one tag: 7, 2 bytes */
    kf_wr_uvarint(&w, 7);
    kf_wr_uvarint(&w, 2);
    mq_wr_u16(&w, 0xbeef);
    kf_frame_end(&w, at);
    cr_assert_eq(kt_decode(b.data, b.len, &pool, &req, &left), MQ_OK);
    cr_assert_eq(left, 0);
    cr_assert_null(req.u.produce.transactional_id.p);
    cr_assert_eq(req.u.produce.acks, -1);
    cr_assert(mq_str_eq_cstr(req.u.produce.topics[0].name, "orders.v1"));
    cr_assert_eq(req.u.produce.topics[0].partitions[0].index, 3);
    cr_assert(mq_str_eq_cstr(req.u.produce.topics[0].partitions[0].records, "RECS"));

    /* Metadata v12: topic ids, nullable names, auto-create flag */
    for (int i = 0; i < 16; i++)
        id.b[i] = (uint8_t)(0xa0 + i);
    b.len = 0;
    mq_wr_init_buf(&w, &b);
    at = kt_req_begin(&w, KF_API_Metadata, 12);
    kf_wr_array(&w, 1, 2);
    kf_wr_uuid(&w, &id);
    kf_wr_string(&w, 1, MQ_STR_NULL);
    kf_wr_tags(&w, 1);
    memset(id.b, 0, 16);
    kf_wr_uuid(&w, &id);
    kf_wr_string(&w, 1, MQ_STR("t"));
    kf_wr_tags(&w, 1);
    mq_wr_u8(&w, 0); /* allow_auto_topic_creation */
    mq_wr_u8(&w, 1); /* include_topic_authorized_operations */
    kf_wr_tags(&w, 1);
    kf_frame_end(&w, at);
    cr_assert_eq(kt_decode(b.data, b.len, &pool, &req, &left), MQ_OK);
    cr_assert_eq(left, 0);
    cr_assert_eq(req.u.metadata.n_topics, 2);
    cr_assert_eq(req.u.metadata.topics[0].topic_id.b[15], 0xaf);
    cr_assert_null(req.u.metadata.topics[0].name.p);
    cr_assert(mq_str_eq_cstr(req.u.metadata.topics[1].name, "t"));
    cr_assert_eq(req.u.metadata.allow_auto_topic_creation, 0);
    cr_assert_eq(req.u.metadata.include_topic_authorized_operations, 1);

    /* OffsetFetch v8: groups array, null topics = all */
    b.len = 0;
    mq_wr_init_buf(&w, &b);
    at = kt_req_begin(&w, KF_API_OffsetFetch, 8);
    kf_wr_array(&w, 1, 1);
    kf_wr_string(&w, 1, MQ_STR("g1"));
    kf_wr_array(&w, 1, -1);
    kf_wr_tags(&w, 1);
    mq_wr_u8(&w, 1);
    kf_wr_tags(&w, 1);
    kf_frame_end(&w, at);
    cr_assert_eq(kt_decode(b.data, b.len, &pool, &req, &left), MQ_OK);
    cr_assert_eq(req.u.offset_fetch.n_groups, 1);
    cr_assert(mq_str_eq_cstr(req.u.offset_fetch.groups[0].group_id, "g1"));
    cr_assert_eq(req.u.offset_fetch.groups[0].n_topics, -1);
    cr_assert_eq(req.u.offset_fetch.require_stable, 1);

    /* Fetch v12: last_fetched_epoch, forgotten topics, rack, a cluster_id tag in the body */
    b.len = 0;
    mq_wr_init_buf(&w, &b);
    at = kt_req_begin(&w, KF_API_Fetch, 12);
    mq_wr_i32(&w, -1);
    mq_wr_i32(&w, 500);
    mq_wr_i32(&w, 1);
    mq_wr_i32(&w, 52428800);
    mq_wr_u8(&w, 1);
    mq_wr_i32(&w, 0);
    mq_wr_i32(&w, -1);
    kf_wr_array(&w, 1, 1);
    kf_wr_string(&w, 1, MQ_STR("golden"));
    parts_at = mq_wr_len(&w);
    kf_wr_array(&w, 1, 1);
    mq_wr_i32(&w, 2);
    mq_wr_i32(&w, -1);
    mq_wr_i64(&w, 1234567);
    mq_wr_i32(&w, -1);
    mq_wr_i64(&w, -1);
    mq_wr_i32(&w, 1048576);
    kf_wr_tags(&w, 1);
    kf_wr_tags(&w, 1);
    kf_wr_array(&w, 1, 0);
    kf_wr_string(&w, 1, MQ_STR(""));
    kf_wr_uvarint(&w, 1);
    kf_wr_uvarint(&w, 0);
    kf_wr_uvarint(&w, 2);
    kf_wr_uvarint(&w, 1); /* cluster_id: compact string "" */
    mq_wr_u8(&w, 0);
    kf_frame_end(&w, at);
    cr_assert_eq(kt_decode(b.data, b.len, &pool, &req, &left), MQ_OK);
    cr_assert_eq(left, 0);
    cr_assert_eq(req.u.fetch.isolation_level, 1);
    cr_assert_eq(req.u.fetch.topics[0].partitions[0].partition, 2);
    cr_assert_eq(req.u.fetch.topics[0].partitions[0].fetch_offset, 1234567);
    cr_assert_eq(req.u.fetch.topics[0].partitions[0].partition_max_bytes, 1048576);

    /* the same Fetch with an absurd partitions count fails without allocating it */
    b.data[parts_at] = 0x7f; /* 126 partitions of >= 16 bytes in what is left */
    cr_assert_neq(kt_decode(b.data, b.len, &pool, &req, NULL), MQ_OK);

    mq_pool_fini(&pool);
    mq_buf_fini(&b);
}

Test(kf_api, flexible_response_encodings)
{
    kf_req_hdr_t h = {KF_API_Metadata, 12, 9, MQ_STR_NULL, 1};
    kf_response_t resp;
    kf_broker_t br = {1, MQ_STR("h"), 9092, MQ_STR_NULL};
    kf_metadata_resp_topic_t t;
    mq_buf_t out;
    mq_wr_t w;
    memset(&resp, 0, sizeof(resp));
    memset(&t, 0, sizeof(t));
    t.error_code = KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    t.name = MQ_STR("a");
    t.topic_authorized_operations = KF_AUTHORIZED_OPS_NONE;
    resp.u.metadata.brokers = &br;
    resp.u.metadata.n_brokers = 1;
    resp.u.metadata.controller_id = 1;
    resp.u.metadata.topics = &t;
    resp.u.metadata.n_topics = 1;
    mq_buf_init(&out);
    mq_wr_init_buf(&w, &out);
    cr_assert_eq(kf_response_encode(&w, &h, &resp), MQ_OK);
    {
        /* walk it back with the flexible reader */
        mq_rd_t r;
        mq_rd_init(&r, out.data + 4, out.len - 4);
        r.flex = 1;
        cr_assert_eq(mq_rd_i32(&r), 9);
        kf_rd_tags(&r);
        cr_assert_eq(mq_rd_i32(&r), 0);
        cr_assert_eq(kf_rd_array(&r, 1), 1);
        cr_assert_eq(mq_rd_i32(&r), 1);
        cr_assert(mq_str_eq_cstr(kf_rd_string(&r), "h"));
        cr_assert_eq(mq_rd_i32(&r), 9092);
        cr_assert_null(kf_rd_string(&r).p);
        kf_rd_tags(&r);
        cr_assert_null(kf_rd_string(&r).p, "cluster_id null");
        cr_assert_eq(mq_rd_i32(&r), 1);
        cr_assert_eq(kf_rd_array(&r, 1), 1);
        cr_assert_eq(mq_rd_i16(&r), 3);
        cr_assert(mq_str_eq_cstr(kf_rd_string(&r), "a"));
        (void)kf_rd_uuid(&r);
        cr_assert_eq(mq_rd_u8(&r), 0);
        cr_assert_eq(kf_rd_array(&r, 1), 0);
        cr_assert_eq(mq_rd_i32(&r), INT32_MIN);
        kf_rd_tags(&r);
        kf_rd_tags(&r);
        cr_assert(mq_rd_ok(&r));
        cr_assert_eq(mq_rd_left(&r), 0);
    }
    mq_buf_fini(&out);
}

Test(kf_api, frame_split)
{
    static const uint8_t two[] = {0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff,
                                  0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 2, 0xff};
    size_t fl = 0;
    cr_assert_eq(kf_frame_split(two, 3, 1 << 20, &fl), MQ_AGAIN);
    cr_assert_eq(kf_frame_split(two, 13, 1 << 20, &fl), MQ_AGAIN);
    cr_assert_eq(kf_frame_split(two, sizeof(two), 1 << 20, &fl), MQ_OK);
    cr_assert_eq(fl, 14);
    cr_assert_eq(kf_frame_split(two + 14, sizeof(two) - 14, 1 << 20, &fl), MQ_AGAIN);
    cr_assert_eq(kf_frame_split(two, sizeof(two), 9, &fl), MQ_ETOOBIG);
    cr_assert_eq(kf_frame_split((const uint8_t *)"\xff\xff\xff\xff", 4, 1 << 20, &fl), MQ_EPROTO);
    cr_assert_eq(kf_frame_split((const uint8_t *)"\0\0\0\3abc", 7, 1 << 20, &fl), MQ_EPROTO);
}
