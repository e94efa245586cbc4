/* SPDX-License-Identifier: Apache-2.0
 *
 * test_pool.c -- the per-request arena (pool.h): alignment, big allocations, cleanups run once
 * in reverse order, reset keeps working.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "mq/pool.h"

static int order[4], norder;

static void
note(void *arg)
{
    order[norder++] = (int)(intptr_t)arg;
}

Test(mq_pool, aligned_small_and_big_allocations)
{
    mq_pool_t p;
    mq_pool_init(&p, 1024);
    for (int i = 1; i < 300; i++) {
        char *m = mq_palloc(&p, (size_t)i);
        cr_assert_eq((uintptr_t)m % 16, 0);
        memset(m, 0xab, (size_t)i);
    }
    char *big = mq_palloc(&p, 100000);
    memset(big, 1, 100000);
    char *z = mq_pcalloc(&p, 64);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(z[i], 0);
    cr_expect_str_eq(mq_pstrdup(&p, MQ_STR("topic")), "topic");
    mq_pool_fini(&p);
}

Test(mq_pool, cleanups_run_once_in_reverse_order)
{
    mq_pool_t p;
    mq_pool_init(&p, 0);
    norder = 0;
    mq_pool_cleanup_add(&p, note, (void *)1);
    mq_pool_cleanup_add(&p, note, (void *)2);
    mq_pool_reset(&p);
    cr_expect_eq(norder, 2);
    cr_expect_eq(order[0], 2);
    cr_expect_eq(order[1], 1);
    mq_palloc(&p, 10);
    mq_pool_cleanup_add(&p, note, (void *)3);
    mq_pool_fini(&p);
    cr_expect_eq(norder, 3);
    cr_expect_eq(order[2], 3);
}
