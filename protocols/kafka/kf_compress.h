/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_compress.h -- the compression codecs of a record batch's records section
 * (kafka-protocol.md section 7.3): gzip (zlib), snappy (raw blocks as librdkafka writes them,
 * and snappy-java's "xerial" framing as the Java client writes them), the LZ4 frame format and
 * zstd. Output goes to a caller-owned growable buffer (reused per connection: no per-message
 * allocation beyond the codec libraries' own contexts); decompression refuses to grow past
 * max_out bytes, so a small hostile payload cannot expand into gigabytes.
 */
#ifndef MQ_KF_COMPRESS_H
#define MQ_KF_COMPRESS_H

#include <stddef.h>

#include "kf_record.h"
#include "mq/buf.h"

/* Reusable codec state, one per connection or worker thread (not thread-safe): keeps the zlib,
 * lz4 and zstd contexts between batches so that, once warm, a batch costs no allocation in
 * those libraries. Zero-initialise it; kf_codec_fini() frees what was created. Every function
 * taking a kf_codec_t * also accepts NULL (contexts are then created and freed per call). */
typedef struct kf_codec_s {
    void *gz_in;  /* z_stream for inflate */
    void *gz_out; /* z_stream for deflate */
    void *lz4_d;  /* LZ4F_dctx */
    void *lz4_c;  /* LZ4F_cctx */
    void *zstd_d; /* ZSTD_DStream */
    void *zstd_c; /* ZSTD_CCtx */
} kf_codec_t;

void kf_codec_fini(kf_codec_t *c);

/* Appends the decompressed bytes of src to out. Returns MQ_OK; MQ_ECORRUPT for a payload the
 * codec rejects (or trailing garbage in a framed format); MQ_ETOOBIG when the output would
 * exceed max_out; MQ_EINVAL for an unknown codec (KF_COMPRESSION_NONE just copies). On error
 * out->len is restored. */
int kf_decompress(kf_codec_t *c, int codec, const void *src, size_t n, mq_buf_t *out,
                  size_t max_out);

/* Appends the compressed form of src to out (snappy: xerial framing with 32 KiB blocks, as
 * Java's snappy-java). Returns MQ_OK or MQ_EINVAL (unknown codec) / MQ_ERR (library error). */
int kf_compress(kf_codec_t *c, int codec, const void *src, size_t n, mq_buf_t *out);

/* The name Kafka uses for a codec ("none", "gzip", "snappy", "lz4", "zstd"), or "unknown". */
const char *kf_compression_name(int codec);

#endif /* MQ_KF_COMPRESS_H */
