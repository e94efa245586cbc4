/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_kf_batch.c -- libFuzzer target for the record batch reader and the compression codecs.
 * Input: one selector byte, then a RECORDS blob (concatenated record batches). The selector
 * picks the reader flags (strict or not, CRC checked or skipped so mutations reach the
 * decompressors and the record parser) and the decompression limit. Every batch that reads
 * completely is written again with the same header fields and codec, and must read back to
 * the same records (round-trip invariant). The blob is also fed straight to kf_decompress
 * with a codec from the selector.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kf_batch.h"
#include "kf_compress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Contexts reused across inputs, as a connection reuses them across batches: every run also
 * checks that state left by an earlier failure does not leak into the next batch. */
static kf_codec_t fz_codec;

#define FZ_MAX_RECS 256

static int
fz_same(mq_str_t a, mq_str_t b)
{
    return (a.p == NULL) == (b.p == NULL) && a.n == b.n && (a.n == 0 || !memcmp(a.p, b.p, a.n));
}

static void
fz_round_trip(const kf_batch_info_t *info, const kf_record_t *recs, int n, mq_pool_t *pool)
{
    mq_buf_t out = MQ_BUF_INIT, scratch = MQ_BUF_INIT, dscratch = MQ_BUF_INIT;
    kf_batch_reader_t br;
    kf_record_t rec;
    int i = 0, rc;

    /* The writer derives offsets from the records: give it what a broker would. */
    if (kf_batch_write(&out, info, recs, n, &fz_codec, &scratch) != MQ_OK)
        abort();
    if (kf_batch_open(&br, out.data, out.len, &fz_codec, &dscratch, 64 << 20, pool, 0) != MQ_OK)
        abort();
    while ((rc = kf_batch_next(&br, &rec)) == 1) {
        if (i >= n || rec.offset != recs[i].offset || !fz_same(rec.key, recs[i].key) ||
            !fz_same(rec.value, recs[i].value) || rec.n_headers != recs[i].n_headers)
            abort();
        for (int h = 0; h < rec.n_headers; h++)
            if (!fz_same(rec.headers[h].value, recs[i].headers[h].value) ||
                rec.headers[h].key.n != recs[i].headers[h].key.n)
                abort();
        i++;
    }
    if (rc != 0 || i != n)
        abort();
    mq_buf_fini(&out);
    mq_buf_fini(&scratch);
    mq_buf_fini(&dscratch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int flag_sets[4] = {0, KF_BATCH_STRICT, KF_BATCH_NO_CRC,
                                     KF_BATCH_NO_CRC | KF_BATCH_STRICT};
    mq_buf_t scratch = MQ_BUF_INIT;
    mq_pool_t pool;
    mq_rd_t r;
    const uint8_t *batch;
    size_t blen, max_out;
    int flags, nb = 0;

    if (size < 1)
        return 0;
    flags = flag_sets[data[0] & 3];
    max_out = (data[0] & 4) ? 4096 : (4 << 20);
    mq_pool_init(&pool, 0);

    {
        mq_buf_t d = MQ_BUF_INIT;
        (void)kf_decompress(&fz_codec, (data[0] >> 3) % 6, data + 1, size - 1, &d, max_out);
        if (d.len > max_out)
            abort();
        mq_buf_fini(&d);
    }

    mq_rd_init(&r, data + 1, size - 1);
    while (nb++ < 32 && kf_batches_next(&r, &batch, &blen) == 1) {
        kf_batch_reader_t br;
        kf_record_t *recs = mq_palloc(&pool, FZ_MAX_RECS * sizeof(*recs));
        int n = 0, rc;

        scratch.len = 0;
        if (kf_batch_open(&br, batch, blen, &fz_codec, &scratch, max_out, &pool, flags) != MQ_OK)
            continue;
        if (scratch.len > max_out)
            abort();
        while (n < FZ_MAX_RECS && (rc = kf_batch_next(&br, &recs[n])) == 1)
            n++;
        if (n > 0 && n < FZ_MAX_RECS && rc == 0 &&
            !(br.info.attributes & KF_ATTR_LOG_APPEND_TIME)) {
            kf_batch_info_t info = br.info;
            int ok = 1;
            /* offsets must be writable as deltas from the base */
            for (int i = 0; i < n; i++)
                if (recs[i].offset < info.base_offset || recs[i].n_headers < 0 ||
                    (uint64_t)recs[i].offset - (uint64_t)info.base_offset > INT32_MAX)
                    ok = 0; /* (unsigned: base INT64_MIN, offset INT64_MAX must not overflow) */
            if (ok && recs[n - 1].offset >= info.base_offset)
                fz_round_trip(&info, recs, n, &pool);
        }
    }
    mq_pool_fini(&pool);
    mq_buf_fini(&scratch);
    return 0;
}
