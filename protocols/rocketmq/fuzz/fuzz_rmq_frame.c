/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_rmq_frame.c -- libFuzzer target for the remoting codec: frames parsed back to back from
 * the input, each header decoded (JSON or binary), batch bodies decoded, typed extField reads,
 * and every decoded command re-encoded and decoded again with the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmq_batch.h"
#include "rmq_cmd.h"
#include "rmq_codes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        rmq_frame_t f;
        rmq_cmd_t c, c2;
        mq_pool_t pool;
        mq_buf_t b = MQ_BUF_INIT;
        ssize_t n = rmq_frame_parse(data + off, size - off, 1 << 20, &f, NULL);
        if (n <= 0)
            break;
        off += (size_t)n;
        mq_pool_init(&pool, 0);
        if (rmq_cmd_decode(&f, &pool, &c) == MQ_OK) {
            mq_msg_t *msgs;
            int64_t x;
            int bo;
            (void)rmq_cmd_ext_i64(&c, "queueOffset", &x);
            (void)rmq_cmd_ext_bool(&c, "m", &bo);
            (void)rmq_batch_decode(c.body, &pool, &msgs);
            (void)rmq_request_name(c.code);
            rmq_cmd_encode(&c, &b);
            {
                rmq_frame_t f2;
                if (rmq_frame_parse(b.data, b.len, 1 << 30, &f2, NULL) != (ssize_t)b.len ||
                    rmq_cmd_decode(&f2, &pool, &c2) != MQ_OK || c2.code != c.code ||
                    c2.opaque != c.opaque || c2.n_ext != c.n_ext || !mq_str_eq(c2.body, c.body))
                    abort(); /* what we encode we must decode to the same fields */
            }
        }
        mq_buf_fini(&b);
        mq_pool_fini(&pool);
    }
    return 0;
}
