/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_msg_record.c -- libFuzzer target for the stored-record decoder: walks the input as a
 * sequence of records the way recovery walks a CommitLog, and re-encodes what decodes. A
 * decoded record must re-encode to exactly the same bytes (for records with no unknown bits).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mq/msg.h"
#include "mq/rd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        mq_msg_t m;
        int rc = mq_msg_record_decode(data + off, size - off, &m);
        if (rc == MQ_DECLINED) { /* blank filler: skip it */
            off += (size_t)m.store_size;
            continue;
        }
        if (rc != MQ_OK)
            break;
        (void)mq_msg_body_crc_ok(&m);
        {
            mq_props_iter_t it;
            mq_str_t k, v;
            mq_props_iter_init(&it, m.props);
            while (mq_props_next(&it, &k, &v))
                (void)mq_java_hash(v);
        }
        int64_t want = mq_msg_record_size(&m);
        if (want > 0) {
            uint8_t *out = malloc((size_t)want);
            if (mq_msg_record_write(out, (size_t)want, &m) == MQ_OK && want == m.store_size &&
                memcmp(out + 8, data + off + 8, (size_t)want - 8) != 0 &&
                (m.topic.n <= MQ_MSG_MAX_TOPIC_V1) ==
                    ((int32_t)mq_load_be32(data + off + 4) == MQ_MSG_MAGIC_V1))
                abort(); /* re-encoding changed a field */
            free(out);
        }
        off += (size_t)m.store_size;
    }
    return 0;
}
