/* SPDX-License-Identifier: Apache-2.0
 *
 * test_stats_group.c -- the per (group, topic) pull counters behind GET_CONSUME_STATS'
 * consumeTps (broker/bk_stats_group.c) on a bare bk_t, with the tick times given by the test:
 * the first figure spans one tick, the rate is over the last minute, groups and topics are
 * counted apart, and a counter that stood still for a minute is dropped.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "bk_int.h"

#define T_TICK 5000

static bk_t *
t_bk(void)
{
    return mq_xcalloc(1, sizeof(bk_t)); /* group_gets: a zeroed map is an empty one */
}

static void
t_bk_free(bk_t *bk)
{
    bk_stats_group_fini(bk);
    free(bk);
}

Test(bk_stats_group, first_figure_spans_one_tick)
{
    bk_t *bk = t_bk();
    int64_t t0 = mq_now_ms();
    double tps;

    bk_stats_group_pulled(bk, MQ_STR("g"), MQ_STR("T"), 10);
    tps = bk_stats_group_tps(bk, MQ_STR("g"), MQ_STR("T"), t0);
    cr_expect(tps > 1.9 && tps <= 2.0, "10 messages over one 5 s tick: %f", tps);
    cr_expect_eq(bk_stats_group_tps(bk, MQ_STR("g"), MQ_STR("U"), t0), 0.0, "another topic");
    cr_expect_eq(bk_stats_group_tps(bk, MQ_STR("h"), MQ_STR("T"), t0), 0.0, "another group");
    t_bk_free(bk);
}

Test(bk_stats_group, nothing_counted_without_messages_or_group)
{
    bk_t *bk = t_bk();
    bk_stats_group_pulled(bk, MQ_STR("g"), MQ_STR("T"), 0);
    bk_stats_group_pulled(bk, MQ_STR(""), MQ_STR("T"), 5);
    cr_expect_eq(bk->group_gets.count, 0);
    t_bk_free(bk);
}

Test(bk_stats_group, rate_over_the_last_minute)
{
    bk_t *bk = t_bk();
    int64_t t0 = mq_now_ms();
    double tps;

    bk_stats_group_pulled(bk, MQ_STR("g"), MQ_STR("T"), 10);
    for (int i = 1; i <= 12; i++)
        bk_stats_group_tick(bk, t0 + i * T_TICK);
    bk_stats_group_pulled(bk, MQ_STR("g"), MQ_STR("T"), 6);
    tps = bk_stats_group_tps(bk, MQ_STR("g"), MQ_STR("T"), t0 + 60000);
    cr_expect(tps > 16.0 / 65.5 && tps < 16.0 / 64.5, "16 since the zero sample 65 s back: %f",
              tps);
    bk_stats_group_tick(bk, t0 + 65000);
    bk_stats_group_tick(bk, t0 + 70000);
    tps = bk_stats_group_tps(bk, MQ_STR("g"), MQ_STR("T"), t0 + 70000);
    cr_expect(tps > 0.099 && tps < 0.101, "6 over the minute since the 10 s sample: %f", tps);
    cr_expect_eq(bk->group_gets.count, 1, "a counter that moved is kept");
    t_bk_free(bk);
}

Test(bk_stats_group, still_counter_dropped_after_a_minute)
{
    bk_t *bk = t_bk();
    int64_t t0 = mq_now_ms();

    bk_stats_group_pulled(bk, MQ_STR("g"), MQ_STR("T"), 10);
    bk_stats_group_pulled(bk, MQ_STR("g2"), MQ_STR("T"), 1);
    for (int i = 1; i <= 12; i++)
        bk_stats_group_tick(bk, t0 + i * T_TICK);
    cr_expect_eq(bk->group_gets.count, 2, "the minute still holds the zero sample");
    bk_stats_group_pulled(bk, MQ_STR("g2"), MQ_STR("T"), 1);
    bk_stats_group_tick(bk, t0 + 13 * T_TICK);
    cr_expect_eq(bk->group_gets.count, 1, "g stood still for a minute: dropped, g2 kept");
    cr_expect_eq(bk_stats_group_tps(bk, MQ_STR("g"), MQ_STR("T"), t0 + 13 * T_TICK), 0.0);
    bk_stats_group_pulled(bk, MQ_STR("g"), MQ_STR("T"), 5);
    cr_expect(bk_stats_group_tps(bk, MQ_STR("g"), MQ_STR("T"), mq_now_ms()) > 0.9,
              "the next pull makes it again");
    t_bk_free(bk);
}
