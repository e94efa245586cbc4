/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_compress.c -- gzip, snappy (raw and xerial), lz4 frame and zstd for record batches
 * (kf_compress.h).
 */
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "kf_compress.h"
#include "mq/rd.h"

#define KF_XERIAL_BLOCK (32 * 1024)
static const uint8_t kf_xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

const char *
kf_compression_name(int codec)
{
    switch (codec) {
    case KF_COMPRESSION_NONE:
        return "none";
    case KF_COMPRESSION_GZIP:
        return "gzip";
    case KF_COMPRESSION_SNAPPY:
        return "snappy";
    case KF_COMPRESSION_LZ4:
        return "lz4";
    case KF_COMPRESSION_ZSTD:
        return "zstd";
    default:
        return "unknown";
    }
}

/* Room for at least `want` more output bytes, but never past max_out in total since `base`. */
static size_t
kf_out_room(mq_buf_t *out, size_t base, size_t max_out, size_t want)
{
    size_t used = out->len - base;
    size_t room = max_out - used;
    if (used >= max_out)
        return 0;
    if (want > room)
        want = room;
    (void)mq_buf_reserve(out, want);
    return want;
}

/* ---------------------------------------------------------------------------------------------
 * gzip
 * ------------------------------------------------------------------------------------------- */

/* The codec's inflate stream, created on first use and reset between batches; or a fresh
 * one in *tmp when there is no codec state. */
static z_stream *
kf_gz_in(kf_codec_t *c, z_stream *tmp)
{
    z_stream *z = c ? c->gz_in : NULL;
    if (z) {
        if (inflateReset(z) != Z_OK)
            return NULL;
        return z;
    }
    z = c ? mq_xcalloc(1, sizeof(*z)) : tmp;
    memset(z, 0, sizeof(*z));
    if (inflateInit2(z, 15 + 32) != Z_OK) {
        if (c)
            free(z);
        return NULL;
    }
    if (c)
        c->gz_in = z;
    return z;
}

static int
kf_gzip_decompress(kf_codec_t *c, const void *src, size_t n, mq_buf_t *out, size_t base,
                   size_t max_out)
{
    z_stream tmp, *zp = kf_gz_in(c, &tmp);
    int zr = Z_OK, rc = MQ_OK;

    if (!zp)
        return MQ_ERR;
    zp->next_in = (Bytef *)(uintptr_t)src;
    zp->avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
    while (zr != Z_STREAM_END) {
        size_t room = kf_out_room(out, base, max_out, MQ_MAX(n * 2, 4096));
        if (room == 0) {
            /* Full: the stream must end without producing more. */
            uint8_t probe;
            zp->next_out = &probe;
            zp->avail_out = 1;
            zr = inflate(zp, Z_NO_FLUSH);
            rc = (zr == Z_STREAM_END && zp->avail_out == 1) ? MQ_OK : MQ_ETOOBIG;
            if (zr != Z_STREAM_END && zr != Z_OK && zr != Z_BUF_ERROR)
                rc = MQ_ECORRUPT;
            break;
        }
        if (room > UINT32_MAX)
            room = UINT32_MAX;
        zp->next_out = out->data + out->len;
        zp->avail_out = (uInt)room;
        zr = inflate(zp, Z_NO_FLUSH);
        out->len += room - zp->avail_out;
        if (zr == Z_STREAM_END)
            break;
        if (zr != Z_OK || (zp->avail_in == 0 && zp->avail_out != 0)) {
            rc = MQ_ECORRUPT; /* error, or truncated input */
            break;
        }
    }
    if (!c)
        inflateEnd(zp);
    return rc;
}

static int
kf_gzip_compress(kf_codec_t *c, const void *src, size_t n, mq_buf_t *out)
{
    z_stream tmp, *zp = c ? c->gz_out : NULL;
    uLong bound;
    int zr;

    if (n > UINT32_MAX)
        return MQ_ETOOBIG;
    if (zp) {
        if (deflateReset(zp) != Z_OK)
            return MQ_ERR;
    } else {
        zp = c ? mq_xcalloc(1, sizeof(*zp)) : &tmp;
        memset(zp, 0, sizeof(*zp));
        if (deflateInit2(zp, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
            Z_OK) {
            if (c)
                free(zp);
            return MQ_ERR;
        }
        if (c)
            c->gz_out = zp;
    }
    bound = deflateBound(zp, (uLong)n) + 32;
    zp->next_in = (Bytef *)(uintptr_t)src;
    zp->avail_in = (uInt)n;
    zp->next_out = mq_buf_reserve(out, bound);
    zp->avail_out = (uInt)bound;
    zr = deflate(zp, Z_FINISH);
    if (zr == Z_STREAM_END)
        out->len += bound - zp->avail_out;
    if (!c)
        deflateEnd(zp);
    return zr == Z_STREAM_END ? MQ_OK : MQ_ERR;
}

/* ---------------------------------------------------------------------------------------------
 * snappy
 * ------------------------------------------------------------------------------------------- */

static int
kf_snappy_block(const uint8_t *src, size_t n, mq_buf_t *out, size_t base, size_t max_out)
{
    size_t ulen;
    if (snappy_uncompressed_length((const char *)src, n, &ulen) != SNAPPY_OK)
        return MQ_ECORRUPT;
    if (ulen > max_out - (out->len - base))
        return MQ_ETOOBIG;
    (void)mq_buf_reserve(out, ulen);
    if (snappy_uncompress((const char *)src, n, (char *)out->data + out->len, &ulen) != SNAPPY_OK)
        return MQ_ECORRUPT;
    out->len += ulen;
    return MQ_OK;
}

static int
kf_snappy_decompress(const void *src, size_t n, mq_buf_t *out, size_t base, size_t max_out)
{
    mq_rd_t r;
    if (n < 16 || memcmp(src, kf_xerial_magic, sizeof(kf_xerial_magic)) != 0)
        return kf_snappy_block(src, n, out, base, max_out);
    /* xerial: magic, int32 version, int32 min compatible version, then [int32 len, block]. */
    mq_rd_init(&r, (const uint8_t *)src + 16, n - 16);
    while (mq_rd_left(&r) > 0) {
        int32_t len = mq_rd_i32(&r);
        const uint8_t *blk;
        int rc;
        if (len < 0)
            return MQ_ECORRUPT;
        blk = mq_rd_take(&r, (size_t)len);
        if (!blk)
            return MQ_ECORRUPT;
        rc = kf_snappy_block(blk, (size_t)len, out, base, max_out);
        if (rc)
            return rc;
    }
    return mq_rd_ok(&r) ? MQ_OK : MQ_ECORRUPT;
}

static int
kf_snappy_compress(const void *src, size_t n, mq_buf_t *out)
{
    const char *p = src;
    mq_buf_append(out, kf_xerial_magic, sizeof(kf_xerial_magic));
    mq_store_be32(mq_buf_reserve(out, 8), 1);
    mq_store_be32(out->data + out->len + 4, 1);
    out->len += 8;
    for (size_t off = 0; off < n || (n == 0 && off == 0); off += KF_XERIAL_BLOCK) {
        size_t chunk = MQ_MIN((size_t)KF_XERIAL_BLOCK, n - off);
        size_t clen = snappy_max_compressed_length(chunk);
        uint8_t *d = mq_buf_reserve(out, 4 + clen);
        if (snappy_compress(p + off, chunk, (char *)d + 4, &clen) != SNAPPY_OK)
            return MQ_ERR;
        mq_store_be32(d, (uint32_t)clen);
        out->len += 4 + clen;
        if (n == 0)
            break;
    }
    return MQ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * lz4 (frame format)
 * ------------------------------------------------------------------------------------------- */

static int
kf_lz4_decompress(kf_codec_t *c, const void *src, size_t n, mq_buf_t *out, size_t base,
                  size_t max_out)
{
    LZ4F_dctx *dctx = c ? c->lz4_d : NULL;
    const uint8_t *in = src;
    size_t hint = 1;
    int rc = MQ_OK;

    if (dctx)
        LZ4F_resetDecompressionContext(dctx);
    else if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
        return MQ_ERR;
    else if (c)
        c->lz4_d = dctx;
    while (n > 0 && hint != 0) {
        size_t room = kf_out_room(out, base, max_out, 64 * 1024);
        size_t dst_size = room, src_size = n;
        uint8_t probe;
        hint = LZ4F_decompress(dctx, room ? out->data + out->len : &probe, &dst_size, in, &src_size,
                               NULL);
        if (LZ4F_isError(hint)) {
            rc = MQ_ECORRUPT;
            break;
        }
        if (!room && dst_size) {
            rc = MQ_ETOOBIG;
            break;
        }
        if (!room && src_size == 0 && hint != 0) {
            rc = MQ_ETOOBIG; /* it wants to write but may not */
            break;
        }
        out->len += dst_size;
        in += src_size;
        n -= src_size;
    }
    if (rc == MQ_OK && (hint != 0 || n != 0))
        rc = MQ_ECORRUPT; /* truncated frame, or bytes after it */
    if (!c)
        LZ4F_freeDecompressionContext(dctx);
    return rc;
}

static int
kf_lz4_compress(kf_codec_t *c, const void *src, size_t n, mq_buf_t *out)
{
    LZ4F_preferences_t prefs;
    LZ4F_cctx *cctx = c ? c->lz4_c : NULL;
    size_t bound, r, done = 0;
    uint8_t *d;
    int rc = MQ_ERR;

    memset(&prefs, 0, sizeof(prefs));
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    if (!cctx) {
        if (LZ4F_isError(LZ4F_createCompressionContext(&cctx, LZ4F_VERSION)))
            return MQ_ERR;
        if (c)
            c->lz4_c = cctx;
    }
    bound = LZ4F_compressFrameBound(n, &prefs);
    d = mq_buf_reserve(out, bound);
    r = LZ4F_compressBegin(cctx, d, bound, &prefs);
    if (LZ4F_isError(r))
        goto out;
    done += r;
    r = LZ4F_compressUpdate(cctx, d + done, bound - done, src, n, NULL);
    if (LZ4F_isError(r))
        goto out;
    done += r;
    r = LZ4F_compressEnd(cctx, d + done, bound - done, NULL);
    if (LZ4F_isError(r))
        goto out;
    out->len += done + r;
    rc = MQ_OK;
out:
    if (!c)
        LZ4F_freeCompressionContext(cctx);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * zstd
 * ------------------------------------------------------------------------------------------- */

static int
kf_zstd_decompress(kf_codec_t *c, const void *src, size_t n, mq_buf_t *out, size_t base,
                   size_t max_out)
{
    ZSTD_DStream *ds = c ? c->zstd_d : NULL;
    ZSTD_inBuffer in = {src, n, 0};
    size_t zr = 1;
    int rc = MQ_OK;

    if (!ds) {
        ds = ZSTD_createDStream();
        if (!ds)
            return MQ_ERR;
        if (c)
            c->zstd_d = ds;
    }
    ZSTD_initDStream(ds);
    while (zr != 0) {
        size_t room = kf_out_room(out, base, max_out, MQ_MAX(n * 2, 64 * 1024));
        uint8_t probe;
        ZSTD_outBuffer o = {room ? out->data + out->len : &probe, room ? room : 1, 0};
        size_t before = in.pos;
        zr = ZSTD_decompressStream(ds, &o, &in);
        if (ZSTD_isError(zr)) {
            rc = MQ_ECORRUPT;
            break;
        }
        if (!room && o.pos) {
            rc = MQ_ETOOBIG;
            break;
        }
        out->len += o.pos;
        if (zr != 0 && in.pos == in.size && o.pos < o.size) {
            rc = MQ_ECORRUPT; /* truncated */
            break;
        }
        if (!room && in.pos == before && zr != 0) {
            rc = MQ_ETOOBIG;
            break;
        }
        if (zr == 0 && in.pos < in.size) {
            /* Another frame follows (zstd allows concatenation): keep going. */
            ZSTD_initDStream(ds);
            zr = 1;
        }
    }
    if (!c)
        ZSTD_freeDStream(ds);
    return rc;
}

static int
kf_zstd_compress(kf_codec_t *c, const void *src, size_t n, mq_buf_t *out)
{
    size_t bound = ZSTD_compressBound(n);
    size_t r;
    ZSTD_CCtx *cc = c ? c->zstd_c : NULL;

    if (!cc) {
        cc = ZSTD_createCCtx();
        if (!cc)
            return MQ_ERR;
        if (c)
            c->zstd_c = cc;
    }
    r = ZSTD_compressCCtx(cc, mq_buf_reserve(out, bound), bound, src, n, 3);
    if (!c)
        ZSTD_freeCCtx(cc);
    if (ZSTD_isError(r))
        return MQ_ERR;
    out->len += r;
    return MQ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------------------------- */

void
kf_codec_fini(kf_codec_t *c)
{
    if (c->gz_in) {
        inflateEnd(c->gz_in);
        free(c->gz_in);
    }
    if (c->gz_out) {
        deflateEnd(c->gz_out);
        free(c->gz_out);
    }
    if (c->lz4_d)
        LZ4F_freeDecompressionContext(c->lz4_d);
    if (c->lz4_c)
        LZ4F_freeCompressionContext(c->lz4_c);
    if (c->zstd_d)
        ZSTD_freeDStream(c->zstd_d);
    if (c->zstd_c)
        ZSTD_freeCCtx(c->zstd_c);
    memset(c, 0, sizeof(*c));
}

int
kf_decompress(kf_codec_t *c, int codec, const void *src, size_t n, mq_buf_t *out, size_t max_out)
{
    size_t base = out->len;
    int rc;

    switch (codec) {
    case KF_COMPRESSION_NONE:
        if (n > max_out)
            return MQ_ETOOBIG;
        mq_buf_append(out, src, n);
        return MQ_OK;
    case KF_COMPRESSION_GZIP:
        rc = kf_gzip_decompress(c, src, n, out, base, max_out);
        break;
    case KF_COMPRESSION_SNAPPY:
        rc = kf_snappy_decompress(src, n, out, base, max_out);
        break;
    case KF_COMPRESSION_LZ4:
        rc = kf_lz4_decompress(c, src, n, out, base, max_out);
        break;
    case KF_COMPRESSION_ZSTD:
        rc = kf_zstd_decompress(c, src, n, out, base, max_out);
        break;
    default:
        return MQ_EINVAL;
    }
    if (rc != MQ_OK)
        out->len = base;
    return rc;
}

int
kf_compress(kf_codec_t *c, int codec, const void *src, size_t n, mq_buf_t *out)
{
    size_t base = out->len;
    int rc;

    switch (codec) {
    case KF_COMPRESSION_NONE:
        mq_buf_append(out, src, n);
        return MQ_OK;
    case KF_COMPRESSION_GZIP:
        rc = kf_gzip_compress(c, src, n, out);
        break;
    case KF_COMPRESSION_SNAPPY:
        rc = kf_snappy_compress(src, n, out);
        break;
    case KF_COMPRESSION_LZ4:
        rc = kf_lz4_compress(c, src, n, out);
        break;
    case KF_COMPRESSION_ZSTD:
        rc = kf_zstd_compress(c, src, n, out);
        break;
    default:
        return MQ_EINVAL;
    }
    if (rc != MQ_OK)
        out->len = base;
    return rc;
}
