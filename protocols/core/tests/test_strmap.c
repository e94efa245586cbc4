/* SPDX-License-Identifier: Apache-2.0
 *
 * test_strmap.c -- the string-keyed hash map (strmap.h): put/get/replace/remove, growth,
 * tombstone reuse, iteration, binary keys.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "mq/strmap.h"

Test(mq_strmap, put_get_replace_remove_many)
{
    mq_strmap_t m;
    char k[32];
    mq_strmap_init(&m);
    cr_expect_null(mq_strmap_get(&m, MQ_STR("none")));
    for (intptr_t i = 0; i < 5000; i++) {
        snprintf(k, sizeof(k), "topic-%ld", (long)i);
        cr_assert_null(mq_strmap_put(&m, mq_str_from_cstr(k), (void *)(i + 1)));
    }
    cr_expect_eq(m.count, 5000);
    for (intptr_t i = 0; i < 5000; i++) {
        snprintf(k, sizeof(k), "topic-%ld", (long)i);
        cr_assert_eq(mq_strmap_get(&m, mq_str_from_cstr(k)), (void *)(i + 1));
    }
    cr_expect_eq(mq_strmap_put(&m, MQ_STR("topic-7"), (void *)99), (void *)8);
    cr_expect_eq(mq_strmap_get(&m, MQ_STR("topic-7")), (void *)99);
    for (intptr_t i = 0; i < 5000; i += 2) {
        snprintf(k, sizeof(k), "topic-%ld", (long)i);
        cr_assert_neq(mq_strmap_remove(&m, mq_str_from_cstr(k)), NULL);
    }
    cr_expect_eq(m.count, 2500);
    cr_expect_null(mq_strmap_get(&m, MQ_STR("topic-0")));
    cr_expect_eq(mq_strmap_get(&m, MQ_STR("topic-1")), (void *)2);
    size_t it = 0, seen = 0;
    mq_str_t key;
    void *v;
    while (mq_strmap_next(&m, &it, &key, &v))
        seen++;
    cr_expect_eq(seen, 2500);
    /* churn reuses tombstones without unbounded growth */
    size_t cap = m.cap;
    for (int r = 0; r < 20000; r++) {
        mq_strmap_put(&m, MQ_STR("churn"), (void *)1);
        mq_strmap_remove(&m, MQ_STR("churn"));
    }
    cr_expect_leq(m.cap, cap * 2);
    mq_strmap_fini(&m, NULL);
}

Test(mq_strmap, binary_keys_with_nul_bytes)
{
    mq_strmap_t m;
    mq_strmap_init(&m);
    mq_strmap_put(&m, (mq_str_t){"a\0b", 3}, (void *)1);
    mq_strmap_put(&m, (mq_str_t){"a\0c", 3}, (void *)2);
    cr_expect_eq(mq_strmap_get(&m, (mq_str_t){"a\0b", 3}), (void *)1);
    cr_expect_eq(mq_strmap_get(&m, (mq_str_t){"a\0c", 3}), (void *)2);
    cr_expect_null(mq_strmap_get(&m, (mq_str_t){"a", 1}));
    mq_strmap_fini(&m, NULL);
}
