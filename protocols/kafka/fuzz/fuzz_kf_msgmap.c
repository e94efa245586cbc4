/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_kf_msgmap.c -- libFuzzer target for the Kafka <-> RocketMQ mapping (kf_msgmap.h,
 * kf_names.h): the input is taken as a stored properties string (as Fetch reads it from the
 * CommitLog) and as topic/group names. From a Kafka-marked message, re-producing the record
 * must give a record that maps back to itself (the mapping is stable after one round).
 */
#include <stdlib.h>
#include <string.h>

#include "kf_msgmap.h"
#include "kf_names.h"

static int
kf_fuzz_same(mq_str_t a, mq_str_t b)
{
    return (a.p == NULL) == (b.p == NULL) && a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mq_pool_t pool;
    mq_buf_t props = MQ_BUF_INIT;
    mq_msg_t m = {.props = {(const char *)data, size}, .body = {"", 0}}, m2;
    kf_record_t r, r2;
    char a[300], b[300];
    int n, n2;

    mq_pool_init(&pool, 0);
    kf_msgmap_from_mq(&m, &pool, &r, NULL);
    if (kf_msgmap_to_mq(&r, NULL, MQ_STR("T"), 0, &props, &m2) == MQ_OK) {
        kf_msgmap_from_mq(&m2, &pool, &r2, NULL);
        if (!kf_fuzz_same(r.key, r2.key) || !kf_fuzz_same(r.value, r2.value) ||
            r.n_headers != r2.n_headers)
            abort();
        for (int i = 0; i < r.n_headers; i++)
            if (!kf_fuzz_same(r.headers[i].key, r2.headers[i].key) ||
                !kf_fuzz_same(r.headers[i].value, r2.headers[i].value))
                abort();
    }
    n = kf_topic_to_rmq((mq_str_t){(const char *)data, size}, a, sizeof(a));
    if (n > 0 && ((n2 = kf_topic_from_rmq((mq_str_t){a, (size_t)n}, b, sizeof(b))) != (int)size ||
                  memcmp(b, data, size) != 0))
        abort();
    n = kf_topic_from_rmq((mq_str_t){(const char *)data, size}, a, sizeof(a));
    if (n > 0 && ((n2 = kf_topic_to_rmq((mq_str_t){a, (size_t)n}, b, sizeof(b))) != (int)size ||
                  memcmp(b, data, size) != 0))
        abort();
    n = kf_group_to_rmq((mq_str_t){(const char *)data, size}, a, sizeof(a));
    if (n > 0 && ((n2 = kf_group_from_rmq((mq_str_t){a, (size_t)n}, b, sizeof(b))) != (int)size ||
                  memcmp(b, data, size) != 0))
        abort();
    n = kf_group_from_rmq((mq_str_t){(const char *)data, size}, a, sizeof(a));
    if (n > 0 && ((n2 = kf_group_to_rmq((mq_str_t){a, (size_t)n}, b, sizeof(b))) != (int)size ||
                  memcmp(b, data, size) != 0))
        abort();
    mq_buf_fini(&props);
    mq_pool_fini(&pool);
    return 0;
}
