/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_stats_group.c -- messages returned by pulls per (consumer group, topic), for the
 * consumeTps of GET_CONSUME_STATS (RocketMQ's BrokerStatsManager GROUP_GET_NUMS, which
 * getConsumeStats reads as tpsGroupGetNums(group, topic) "in minute").
 *
 * The pull path bumps a counter once per reply (bk_stats_group_pulled: one map lookup, nothing
 * per message); bk_stats_tick samples every counter every 5 s into a ring covering the last
 * minute. The rate is the count now against the newest sample at least a minute old (or the
 * oldest one kept). A counter made by a pull starts with a zero sample one tick before it, as
 * Java's StatsItem starts its minute list 10 s back, so the first figure is messages over about
 * one tick, not over the few milliseconds since the pull. A counter that did not move for a
 * whole minute reports 0 and is dropped; the next pull makes it again.
 *
 * Loop thread only. The table is bk_t.group_gets; interface in bk_int.h.
 */
#include <stdlib.h>
#include <string.h>

#include "bk_int.h"

#define BK_GG_TICK_MS 5000    /* bk_tick's period */
#define BK_GG_WINDOW_MS 60000 /* getStatsDataInMinute */
#define BK_GG_SAMPLES 13      /* a minute of ticks, plus the newest */

typedef struct bk_group_gets_s {
    int64_t msgs;                 /* messages pulled since the counter was made */
    int64_t ms[BK_GG_SAMPLES];    /* sample times, a ring */
    int64_t count[BK_GG_SAMPLES]; /* msgs at those times */
    int n;                        /* filled samples */
    int pos;                      /* next slot */
} bk_group_gets_t;

/* "group\1topic" into key; returns its length, 0 if it does not fit. */
static size_t
bk_gg_key(char *key, size_t cap, mq_str_t group, mq_str_t topic)
{
    if (group.n + topic.n + 1 > cap)
        return 0;
    memcpy(key, group.p, group.n);
    key[group.n] = '\001';
    memcpy(key + group.n + 1, topic.p, topic.n);
    return group.n + 1 + topic.n;
}

static void
bk_gg_sample(bk_group_gets_t *g, int64_t ms, int64_t count)
{
    g->ms[g->pos] = ms;
    g->count[g->pos] = count;
    g->pos = (g->pos + 1) % BK_GG_SAMPLES;
    if (g->n < BK_GG_SAMPLES)
        g->n++;
}

void
bk_stats_group_pulled(bk_t *bk, mq_str_t group, mq_str_t topic, int msgs)
{
    char key[512];
    size_t n;
    bk_group_gets_t *g;

    if (msgs <= 0 || group.n == 0 || (n = bk_gg_key(key, sizeof(key), group, topic)) == 0)
        return;
    g = mq_strmap_get(&bk->group_gets, (mq_str_t){key, n});
    if (!g) {
        g = mq_xcalloc(1, sizeof(*g));
        bk_gg_sample(g, mq_now_ms() - BK_GG_TICK_MS, 0);
        mq_strmap_put(&bk->group_gets, (mq_str_t){key, n}, g);
    }
    g->msgs += msgs;
}

void
bk_stats_group_tick(bk_t *bk, int64_t now_ms)
{
    size_t it = 0, n_idle = 0;
    mq_str_t *idle = NULL, k; /* keys to drop, copied: the map must not change while iterated */
    void *v;

    while (mq_strmap_next(&bk->group_gets, &it, &k, &v)) {
        bk_group_gets_t *g = v;
        int moved = 0;
        bk_gg_sample(g, now_ms, g->msgs);
        for (int i = 0; i < g->n && !moved; i++)
            moved = g->count[i] != g->msgs;
        if (!moved && g->n == BK_GG_SAMPLES) { /* a whole minute without a message */
            if (!idle)
                idle = mq_xcalloc(bk->group_gets.count, sizeof(*idle));
            idle[n_idle++] = (mq_str_t){mq_str_dup(k), k.n};
        }
    }
    for (size_t i = 0; i < n_idle; i++) {
        free(mq_strmap_remove(&bk->group_gets, idle[i]));
        free((char *)idle[i].p);
    }
    free(idle);
}

double
bk_stats_group_tps(bk_t *bk, mq_str_t group, mq_str_t topic, int64_t now_ms)
{
    char key[512];
    size_t n = bk_gg_key(key, sizeof(key), group, topic);
    const bk_group_gets_t *g = n ? mq_strmap_get(&bk->group_gets, (mq_str_t){key, n}) : NULL;
    int best = -1, oldest = -1;

    for (int i = 0; g && i < g->n; i++) {
        if (oldest < 0 || g->ms[i] < g->ms[oldest])
            oldest = i;
        if (g->ms[i] <= now_ms - BK_GG_WINDOW_MS && (best < 0 || g->ms[i] > g->ms[best]))
            best = i;
    }
    if (best < 0)
        best = oldest;
    if (best < 0 || now_ms <= g->ms[best])
        return 0.0;
    return (double)(g->msgs - g->count[best]) * 1000.0 / (double)(now_ms - g->ms[best]);
}

void
bk_stats_group_fini(bk_t *bk)
{
    mq_strmap_fini(&bk->group_gets, free);
}
