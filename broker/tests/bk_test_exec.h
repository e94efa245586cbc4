/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_test_exec.h -- an executor for broker unit tests that call handlers directly (header-only,
 * test code only): posts and timers are dropped, so nothing runs behind the test's back.
 */
#ifndef BK_TEST_EXEC_H
#define BK_TEST_EXEC_H

#include "mq/exec.h"

static void
bk_test_post(mq_exec_t *ex, void (*fn)(void *arg), void *arg)
{
    (void)ex;
    (void)fn;
    (void)arg;
}

static void
bk_test_every(mq_exec_t *ex, double interval_s, void (*fn)(void *arg), void *arg)
{
    (void)ex;
    (void)interval_s;
    (void)fn;
    (void)arg;
}

static mq_exec_t bk_test_exec = {.post = bk_test_post, .every = bk_test_every};

#endif /* BK_TEST_EXEC_H */
