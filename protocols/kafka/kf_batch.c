/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_batch.c -- record batch v2 reader and writer (kf_batch.h).
 */
#include <string.h>

#include "kf_api.h"
#include "kf_batch.h"
#include "kf_compress.h"
#include "kf_wire.h"
#include "mq/crc.h"
#include "mq/wr.h"

/* ---------------------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------------------- */

int
kf_batches_next(mq_rd_t *r, const uint8_t **batch, size_t *len)
{
    size_t left = mq_rd_left(r);
    int32_t blen;

    if (!mq_rd_ok(r))
        return MQ_EPROTO;
    if (left == 0)
        return 0;
    if (left < KF_BATCH_OVERHEAD)
        return MQ_AGAIN;
    blen = (int32_t)mq_load_be32(r->p + 8);
    if (blen < KF_BATCH_HEADER_SIZE - KF_BATCH_OVERHEAD) {
        /* A magic 0/1 message can be shorter than our header; say which. */
        if (blen >= 5 && left >= 17 && r->p[16] < 2)
            return KF_BATCH_EMAGIC;
        return MQ_EPROTO;
    }
    if ((size_t)blen > left - KF_BATCH_OVERHEAD)
        return MQ_AGAIN;
    *len = (size_t)blen + KF_BATCH_OVERHEAD;
    *batch = mq_rd_take(r, *len);
    return 1;
}

int
kf_batch_header(const uint8_t *p, size_t n, kf_batch_info_t *info)
{
    mq_rd_t r;
    int32_t blen;
    int8_t magic;

    if (n < KF_BATCH_OVERHEAD + 5)
        return MQ_EPROTO;
    blen = (int32_t)mq_load_be32(p + 8);
    magic = (int8_t)p[16];
    if (magic != 2)
        return KF_BATCH_EMAGIC;
    if (n < KF_BATCH_HEADER_SIZE || blen < KF_BATCH_HEADER_SIZE - KF_BATCH_OVERHEAD ||
        (size_t)blen > n - KF_BATCH_OVERHEAD)
        return MQ_EPROTO;
    mq_rd_init(&r, p, KF_BATCH_HEADER_SIZE);
    info->base_offset = mq_rd_i64(&r);
    (void)mq_rd_i32(&r); /* batchLength */
    info->partition_leader_epoch = mq_rd_i32(&r);
    (void)mq_rd_i8(&r);  /* magic */
    (void)mq_rd_u32(&r); /* crc */
    info->attributes = mq_rd_i16(&r);
    info->last_offset_delta = mq_rd_i32(&r);
    info->base_timestamp = mq_rd_i64(&r);
    info->max_timestamp = mq_rd_i64(&r);
    info->producer_id = mq_rd_i64(&r);
    info->producer_epoch = mq_rd_i16(&r);
    info->base_sequence = mq_rd_i32(&r);
    info->records_count = mq_rd_i32(&r);
    if (info->records_count < 0 || info->last_offset_delta < 0)
        return MQ_EPROTO;
    return MQ_OK;
}

int
kf_batch_open(kf_batch_reader_t *br, const uint8_t *batch, size_t len, kf_codec_t *codec,
              mq_buf_t *scratch, size_t max_out, mq_pool_t *pool, int flags)
{
    int rc = kf_batch_header(batch, len, &br->info);
    size_t total;
    int algo;

    memset(&br->recs, 0, sizeof(br->recs));
    br->index = 0;
    br->flags = flags;
    br->pool = pool;
    if (rc)
        return rc;
    total = (size_t)mq_load_be32(batch + 8) + KF_BATCH_OVERHEAD;
    if (!(flags & KF_BATCH_NO_CRC)) {
        uint32_t want = mq_load_be32(batch + KF_BATCH_CRC_OFFSET);
        uint32_t got = mq_crc32c(0, batch + KF_BATCH_ATTR_OFFSET, total - KF_BATCH_ATTR_OFFSET);
        if (want != got)
            return MQ_ECORRUPT;
    }
    if ((flags & KF_BATCH_STRICT) &&
        (br->info.records_count == 0 || br->info.last_offset_delta != br->info.records_count - 1))
        return MQ_EPROTO;
    /* Every record takes at least 7 bytes uncompressed: a count beyond that is a lie. */
    if ((uint64_t)br->info.records_count * 7 > (uint64_t)MQ_MAX(max_out, total))
        return MQ_EPROTO;
    algo = br->info.attributes & KF_COMPRESSION_MASK;
    if (algo == KF_COMPRESSION_NONE) {
        mq_rd_init(&br->recs, batch + KF_BATCH_HEADER_SIZE, total - KF_BATCH_HEADER_SIZE);
        return MQ_OK;
    }
    {
        size_t base = scratch->len;
        rc = kf_decompress(codec, algo, batch + KF_BATCH_HEADER_SIZE, total - KF_BATCH_HEADER_SIZE,
                           scratch, max_out);
        if (rc)
            return rc;
        mq_rd_init(&br->recs, scratch->data + base, scratch->len - base);
    }
    return MQ_OK;
}

/* A varint length for a key/value/header value: -1 null, else that many bytes (never NULL). */
static mq_str_t
kf_batch_rd_blob(mq_rd_t *r, int nullable)
{
    int32_t n = kf_rd_varint(r);
    const uint8_t *p;
    if (n < 0) {
        if (n != -1 || !nullable)
            mq_rd_fail(r, MQ_EPROTO);
        return MQ_STR_NULL;
    }
    p = mq_rd_take(r, (size_t)n);
    return p ? (mq_str_t){(const char *)p, (size_t)n} : MQ_STR_NULL;
}

int
kf_batch_next(kf_batch_reader_t *br, kf_record_t *rec)
{
    mq_rd_t r;
    int32_t len, nh, delta;
    const uint8_t *body;
    int64_t ts_delta;

    if (!mq_rd_ok(&br->recs))
        return MQ_EPROTO;
    if (br->index >= br->info.records_count)
        return mq_rd_left(&br->recs) == 0 ? 0 : MQ_EPROTO;
    len = kf_rd_varint(&br->recs);
    if (len < 0)
        return mq_rd_fail(&br->recs, MQ_EPROTO), MQ_EPROTO;
    body = mq_rd_take(&br->recs, (size_t)len);
    if (!body)
        return MQ_EPROTO;
    mq_rd_init(&r, body, (size_t)len);
    (void)mq_rd_i8(&r); /* attributes, unused */
    ts_delta = kf_rd_varlong(&r);
    delta = kf_rd_varint(&r);
    rec->key = kf_batch_rd_blob(&r, 1);
    rec->value = kf_batch_rd_blob(&r, 1);
    nh = kf_rd_varint(&r);
    rec->headers = NULL;
    rec->n_headers = 0;
    if (nh < 0 || (size_t)nh > mq_rd_left(&r) / 2)
        mq_rd_fail(&r, MQ_EPROTO);
    if (nh > 0 && mq_rd_ok(&r)) {
        if (!br->pool)
            return mq_rd_fail(&br->recs, MQ_EINVAL), MQ_EINVAL;
        rec->headers = mq_palloc(br->pool, (size_t)nh * sizeof(*rec->headers));
        for (int32_t i = 0; i < nh && mq_rd_ok(&r); i++) {
            rec->headers[i].key = kf_batch_rd_blob(&r, 0);
            rec->headers[i].value = kf_batch_rd_blob(&r, 1);
        }
        rec->n_headers = nh;
    }
    if (!mq_rd_ok(&r) || mq_rd_left(&r) != 0) {
        mq_rd_fail(&br->recs, MQ_EPROTO);
        return MQ_EPROTO;
    }
    if ((br->flags & KF_BATCH_STRICT) && delta != br->index) {
        mq_rd_fail(&br->recs, MQ_EPROTO);
        return MQ_EPROTO;
    }
    rec->offset = (int64_t)((uint64_t)br->info.base_offset + (uint64_t)(int64_t)delta);
    rec->timestamp = (br->info.attributes & KF_ATTR_LOG_APPEND_TIME)
                         ? br->info.max_timestamp
                         : (int64_t)((uint64_t)br->info.base_timestamp + (uint64_t)ts_delta);
    br->index++;
    return 1;
}

int16_t
kf_batch_kafka_error(int err)
{
    switch (err) {
    case MQ_OK:
        return KF_ERR_NONE;
    case KF_BATCH_EMAGIC:
        return KF_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT;
    case MQ_ETOOBIG:
        return KF_ERR_MESSAGE_TOO_LARGE;
    case MQ_EPROTO:
    case MQ_ECORRUPT:
    case MQ_EINVAL:
    case MQ_AGAIN:
        return KF_ERR_CORRUPT_MESSAGE;
    default:
        return KF_ERR_UNKNOWN_SERVER_ERROR;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------------------- */

static int
kf_blob_size(mq_str_t s)
{
    return s.p ? kf_varint_size(((uint32_t)s.n << 1)) + (int)s.n : 1;
}

static void
kf_wr_blob(mq_wr_t *w, mq_str_t s)
{
    if (!s.p) {
        kf_wr_varint(w, -1);
        return;
    }
    kf_wr_varint(w, (int32_t)s.n);
    mq_wr_bytes(w, s.p, s.n);
}

static void
kf_record_write(mq_wr_t *w, const kf_record_t *rec, int64_t base_offset, int64_t base_ts)
{
    int64_t ts_delta = (int64_t)((uint64_t)rec->timestamp - (uint64_t)base_ts);
    int32_t delta = (int32_t)(rec->offset - base_offset);
    uint64_t zz = ((uint64_t)ts_delta << 1) ^ (uint64_t)(ts_delta >> 63);
    int size = 1, tsz = 1;

    while (zz >= 0x80) {
        zz >>= 7;
        tsz++;
    }
    size += tsz;
    size += kf_varint_size(((uint32_t)delta << 1) ^ (uint32_t)(delta >> 31));
    size += kf_blob_size(rec->key) + kf_blob_size(rec->value);
    size += kf_varint_size((uint32_t)rec->n_headers << 1);
    for (int i = 0; i < rec->n_headers; i++)
        size += kf_blob_size(rec->headers[i].key) + kf_blob_size(rec->headers[i].value);
    kf_wr_varint(w, size);
    mq_wr_u8(w, 0);
    kf_wr_varlong(w, ts_delta);
    kf_wr_varint(w, delta);
    kf_wr_blob(w, rec->key);
    kf_wr_blob(w, rec->value);
    kf_wr_varint(w, rec->n_headers);
    for (int i = 0; i < rec->n_headers; i++) {
        kf_wr_blob(w, rec->headers[i].key.p ? rec->headers[i].key : MQ_STR(""));
        kf_wr_blob(w, rec->headers[i].value);
    }
}

int
kf_batch_write(mq_buf_t *out, const kf_batch_info_t *info, const kf_record_t *recs, int n,
               kf_codec_t *codec, mq_buf_t *scratch)
{
    int algo = info->attributes & KF_COMPRESSION_MASK;
    size_t start = out->len, total;
    int64_t base_ts, max_ts;
    mq_wr_t w;
    uint8_t *h;
    int rc = MQ_OK;

    if (n <= 0 || algo > KF_COMPRESSION_ZSTD || (algo != KF_COMPRESSION_NONE && !scratch))
        return MQ_EINVAL;
    base_ts = recs[0].timestamp;
    max_ts = base_ts;
    for (int i = 1; i < n; i++)
        max_ts = MQ_MAX(max_ts, recs[i].timestamp);
    if (info->attributes & KF_ATTR_LOG_APPEND_TIME)
        max_ts = info->max_timestamp;

    (void)mq_buf_reserve(out, KF_BATCH_HEADER_SIZE);
    out->len += KF_BATCH_HEADER_SIZE;
    if (algo == KF_COMPRESSION_NONE) {
        mq_wr_init_buf(&w, out);
        for (int i = 0; i < n; i++)
            kf_record_write(&w, &recs[i], info->base_offset, base_ts);
    } else {
        size_t sbase = scratch->len;
        mq_wr_init_buf(&w, scratch);
        for (int i = 0; i < n; i++)
            kf_record_write(&w, &recs[i], info->base_offset, base_ts);
        rc = kf_compress(codec, algo, scratch->data + sbase, scratch->len - sbase, out);
        scratch->len = sbase;
    }
    if (rc != MQ_OK || !mq_wr_ok(&w) || out->len - start - KF_BATCH_OVERHEAD > INT32_MAX) {
        out->len = start;
        return rc != MQ_OK ? rc : MQ_ERR;
    }
    total = out->len - start;
    h = out->data + start;
    mq_store_be64(h, (uint64_t)info->base_offset);
    mq_store_be32(h + 8, (uint32_t)(total - KF_BATCH_OVERHEAD));
    mq_store_be32(h + 12, (uint32_t)info->partition_leader_epoch);
    h[16] = 2;
    mq_store_be16(h + 21, (uint16_t)info->attributes);
    mq_store_be32(h + 23, (uint32_t)(recs[n - 1].offset - info->base_offset));
    mq_store_be64(h + 27, (uint64_t)base_ts);
    mq_store_be64(h + 35, (uint64_t)max_ts);
    mq_store_be64(h + 43, (uint64_t)info->producer_id);
    mq_store_be16(h + 51, (uint16_t)info->producer_epoch);
    mq_store_be32(h + 53, (uint32_t)info->base_sequence);
    mq_store_be32(h + 57, (uint32_t)n);
    mq_store_be32(h + KF_BATCH_CRC_OFFSET,
                  mq_crc32c(0, h + KF_BATCH_ATTR_OFFSET, total - KF_BATCH_ATTR_OFFSET));
    return MQ_OK;
}

void
kf_batch_set_base_offset(uint8_t *batch, int64_t base_offset, int32_t leader_epoch)
{
    mq_store_be64(batch, (uint64_t)base_offset);
    mq_store_be32(batch + 12, (uint32_t)leader_epoch);
}
