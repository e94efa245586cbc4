/* SPDX-License-Identifier: Apache-2.0
 *
 * crc.h -- the checksums the formats need.
 *
 * - CRC-32 (IEEE 802.3, zlib's crc32): RocketMQ's BODYCRC (masked with 0x7FFFFFFF by the
 *   caller of the record codec) and the REGISTER_BROKER bodyCrc32.
 * - CRC-32C (Castagnoli): Kafka record batch v2. Uses the SSE4.2 instruction when the CPU has it.
 * Both are pure functions; pass crc = 0 to start and the previous result to continue.
 */
#ifndef MQ_CRC_H
#define MQ_CRC_H

#include <stddef.h>
#include <stdint.h>

uint32_t mq_crc32(uint32_t crc, const void *data, size_t n);
uint32_t mq_crc32c(uint32_t crc, const void *data, size_t n);

/* RocketMQ's stored body CRC: crc32(body) & 0x7FFFFFFF (UtilAll.crc32). */
static inline int32_t
mq_body_crc(const void *body, size_t n)
{
    return (int32_t)(mq_crc32(0, body, n) & 0x7FFFFFFFu);
}

#endif /* MQ_CRC_H */
