/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_props.c -- libFuzzer target for the properties parser, the Java hash (UTF-8 decoding)
 * and the message id parser. Rebuilding the parsed pairs and parsing again must give the same
 * pairs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mq/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mq_str_t in = {(const char *)data, size}, k, v, k2, v2, val;
    mq_props_iter_t it, it2;
    mq_buf_t b = MQ_BUF_INIT;
    mq_host_t h;
    int64_t off;

    mq_props_iter_init(&it, in);
    while (mq_props_next(&it, &k, &v)) {
        (void)mq_java_hash(k);
        (void)mq_tags_code(v);
        /* a value holding \002 cannot come out of the parser */
        if (memchr(v.p, MQ_PROP_PAIR_SEP, v.n))
            abort();
        mq_props_put(&b, k, v);
    }
    (void)mq_props_get(in, "TAGS", &val);
    mq_props_iter_init(&it, in);
    mq_props_iter_init(&it2, mq_buf_view(&b));
    while (mq_props_next(&it, &k, &v)) {
        if (!mq_props_next(&it2, &k2, &v2) || !mq_str_eq(k, k2) || !mq_str_eq(v, v2))
            abort();
    }
    (void)mq_msgid_parse(in, &h, &off);
    mq_buf_fini(&b);
    return 0;
}
