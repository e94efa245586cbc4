/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_kf_request.c -- libFuzzer target for the Kafka request path: frames parsed back to back
 * from the input ([int32 size][payload], as on the wire), each header decoded, each body of a
 * known API decoded, the records of Produce requests walked batch by batch and record by
 * record (CRC checked, decompression bounded), then a response built from the request's own
 * fields (tests/kf_echo.h) encoded in the request's version, and an error response encoded for
 * every known api key. Invariants: encoders succeed on whatever decoded, and every response
 * frame's size prefix matches its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/kf_echo.h"
#include "kf_api.h"
#include "kf_batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Contexts reused across inputs, as a connection reuses them across batches: every run also
 * checks that state left by an earlier failure does not leak into the next batch. */
static kf_codec_t fz_codec;

static void
fz_check_frame(const mq_buf_t *b, size_t from)
{
    if (b->len - from < 8 || mq_load_be32(b->data + from) != b->len - from - 4)
        abort();
}

static void
fz_walk_records(mq_str_t recs, mq_buf_t *scratch, mq_pool_t *pool)
{
    mq_rd_t r;
    const uint8_t *batch;
    size_t blen;
    int n = 0;

    if (!recs.p)
        return;
    mq_rd_init(&r, recs.p, recs.n);
    while (n++ < 64 && kf_batches_next(&r, &batch, &blen) == 1) {
        kf_batch_reader_t br;
        kf_record_t rec;
        scratch->len = 0;
        if (kf_batch_open(&br, batch, blen, &fz_codec, scratch, 1 << 20, pool, KF_BATCH_STRICT) !=
            MQ_OK)
            continue;
        while (kf_batch_next(&br, &rec) == 1)
            if (rec.key.n > blen + scratch->len)
                abort(); /* a view can never be longer than what it points into */
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    mq_buf_t out = MQ_BUF_INIT, scratch = MQ_BUF_INIT;

    while (off < size) {
        size_t n, fl;
        kf_request_t req;
        kf_response_t resp;
        mq_pool_t pool;
        mq_rd_t r;
        mq_wr_t w;
        int rc;

        if (kf_frame_split(data + off, size - off, 1 << 20, &fl) != MQ_OK)
            break;
        n = fl - 4;
        mq_pool_init(&pool, 0);
        mq_rd_init(&r, data + off + 4, n);
        rc = kf_req_hdr_decode(&r, &req.hdr);
        if (rc == MQ_OK) {
            rc = kf_request_decode(&r, &req.hdr, &pool, &req);
            if (rc == MQ_OK) {
                if (req.hdr.api_key == KF_API_Produce)
                    for (int32_t i = 0; i < req.u.produce.n_topics; i++)
                        for (int32_t j = 0; j < req.u.produce.topics[i].n_partitions; j++)
                            fz_walk_records(req.u.produce.topics[i].partitions[j].records, &scratch,
                                            &pool);
                kf_echo_response(&req, &pool, &resp);
                out.len = 0;
                mq_wr_init_buf(&w, &out);
                if (kf_response_encode(&w, &req.hdr, &resp) != MQ_OK)
                    abort();
                fz_check_frame(&out, 0);
            }
        }
        if (rc != KF_EUNKNOWN_API && kf_api_info(req.hdr.api_key)) {
            out.len = 0;
            mq_wr_init_buf(&w, &out);
            rc = kf_response_encode_error(&w, &req.hdr, KF_ERR_UNSUPPORTED_VERSION);
            if (rc == MQ_OK)
                fz_check_frame(&out, 0);
            else if (rc != KF_EVERSION)
                abort();
        }
        mq_pool_fini(&pool);
        off += 4 + n;
    }
    mq_buf_fini(&out);
    mq_buf_fini(&scratch);
    return 0;
}
