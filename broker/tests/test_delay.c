/* SPDX-License-Identifier: Apache-2.0
 *
 * test_delay.c -- the pure parts of delayed delivery (broker/bk_delay.c): messageDelayLevel
 * parsing (and broker.conf refusing a bad list), and how the produce hook rewrites a message
 * that must wait: DELAY into SCHEDULE_TOPIC_XXXX queue L-1 (clamped), a future delivery time
 * into rmq_sys_wheel_timer with TIMER_OUT_MS, a past one left alone, illegal combinations
 * refused, half messages untouched. The delivery thread itself is covered by
 * gateway/tests/it_delay_retry.py.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bk_delay_int.h"

Test(bk_delay, levels_parse)
{
    int64_t ms[BK_DELAY_LEVELS_MAX];
    cr_assert_eq(bk_delay_levels_parse(BK_DELAY_LEVELS_DEFAULT, ms, BK_DELAY_LEVELS_MAX), 18);
    cr_expect_eq(ms[0], 1000);
    cr_expect_eq(ms[2], 10000);
    cr_expect_eq(ms[4], 60000);
    cr_expect_eq(ms[17], 2 * 3600 * 1000);
    cr_assert_eq(bk_delay_levels_parse("  1s 2m 1d ", ms, BK_DELAY_LEVELS_MAX), 3);
    cr_expect_eq(ms[2], 24LL * 3600 * 1000);
    cr_expect_eq(bk_delay_levels_parse("", ms, BK_DELAY_LEVELS_MAX), -1);
    cr_expect_eq(bk_delay_levels_parse("1s 5x", ms, BK_DELAY_LEVELS_MAX), -1);
    cr_expect_eq(bk_delay_levels_parse("1s5s", ms, BK_DELAY_LEVELS_MAX), -1);
    cr_expect_eq(bk_delay_levels_parse("s", ms, BK_DELAY_LEVELS_MAX), -1);
    cr_expect_eq(bk_delay_levels_parse("1s 2s 3s", ms, 2), -1);
}

Test(bk_delay, config_key)
{
    bk_config_t cfg;
    char err[128];
    bk_config_defaults(&cfg);
    cr_expect_str_eq(cfg.delay_levels, BK_DELAY_LEVELS_DEFAULT);
    cr_expect_eq(bk_config_set(&cfg, "messageDelayLevel", "1s 2s", err, sizeof(err)), MQ_OK);
    cr_expect_str_eq(cfg.delay_levels, "1s 2s");
    cr_expect_eq(bk_config_set(&cfg, "messageDelayLevel", "1q", err, sizeof(err)), MQ_EINVAL);
    cr_expect_str_eq(cfg.delay_levels, "1s 2s");
    cr_expect_eq(bk_config_set(&cfg, "timerMaxDelaySec", "60", err, sizeof(err)), MQ_OK);
    cr_expect_eq(cfg.timer_max_delay_s, 60);
}

/* A delay state with levels "1s 2s 3s" and no thread: enough for bk_delay_divert. */
static bk_t t_bk;
static bk_delay_t t_d;
static mq_pool_t t_pool;

static void
t_setup(void)
{
    memset(&t_bk, 0, sizeof(t_bk));
    memset(&t_d, 0, sizeof(t_d));
    bk_config_defaults(&t_bk.cfg);
    t_bk.cfg.timer_max_delay_s = 3600;
    t_d.bk = &t_bk;
    t_d.n_levels = 3;
    mq_pool_init(&t_pool, 0);
}

static void
t_teardown(void)
{
    mq_pool_fini(&t_pool);
}

static mq_msg_t
t_msg(const char *props)
{
    mq_msg_t m;
    memset(&m, 0, sizeof(m));
    m.topic = MQ_STR("Orders");
    m.queue_id = 5;
    m.props = mq_str_from_cstr(props);
    return m;
}

static int
t_prop(const mq_msg_t *m, const char *name, const char *want)
{
    mq_str_t v;
    if (!mq_props_get(m->props, name, &v))
        return want == NULL;
    return want && mq_str_eq_cstr(v, want);
}

Test(bk_delay, divert_level, .init = t_setup, .fini = t_teardown)
{
    const char *why = NULL;
    mq_msg_t m = t_msg("KEYS\001k1\002DELAY\0012\002UNIQ_KEY\001U1\002");
    cr_assert_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 1);
    cr_expect(mq_str_eq_cstr(m.topic, BK_SCHEDULE_TOPIC));
    cr_expect_eq(m.queue_id, 1);
    cr_expect(t_prop(&m, "REAL_TOPIC", "Orders"));
    cr_expect(t_prop(&m, "REAL_QID", "5"));
    cr_expect(t_prop(&m, "DELAY", "2"));
    cr_expect(t_prop(&m, "UNIQ_KEY", "U1") && t_prop(&m, "KEYS", "k1"));

    m = t_msg("DELAY\00199\002");
    cr_assert_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 1);
    cr_expect_eq(m.queue_id, 2, "levels past the last are clamped");
    cr_expect(t_prop(&m, "DELAY", "3"));

    m = t_msg("DELAY\0010\002");
    cr_expect_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 0);
    cr_expect(mq_str_eq_cstr(m.topic, "Orders"));
    m = t_msg("TAGS\001a\002");
    cr_expect_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 0);
}

Test(bk_delay, divert_level_again, .init = t_setup, .fini = t_teardown)
{
    /* a retried message delivered once already carries REAL_TOPIC/REAL_QID: replaced */
    const char *why = NULL;
    mq_msg_t m = t_msg("REAL_TOPIC\001Old\002REAL_QID\0017\002DELAY\0011\002");
    m.topic = MQ_STR("%RETRY%g");
    m.queue_id = 0;
    cr_assert_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 1);
    cr_expect(t_prop(&m, "REAL_TOPIC", "%RETRY%g") && t_prop(&m, "REAL_QID", "0"));
    cr_expect_null(strstr(mq_pstrdup(&t_pool, m.props), "Old"));
}

Test(bk_delay, divert_timer, .init = t_setup, .fini = t_teardown)
{
    const char *why = NULL;
    mq_msg_t m = t_msg("TIMER_DELIVER_MS\0015000\002");
    cr_assert_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 1);
    cr_expect(mq_str_eq_cstr(m.topic, BK_TIMER_TOPIC));
    cr_expect_eq(m.queue_id, 0);
    cr_expect(t_prop(&m, "TIMER_OUT_MS", "5000") && t_prop(&m, "REAL_TOPIC", "Orders"));

    m = t_msg("TIMER_DELAY_SEC\0013\002");
    cr_assert_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 1);
    cr_expect(t_prop(&m, "TIMER_OUT_MS", "4000"));
    m = t_msg("__STARTDELIVERTIME\0012500\002");
    cr_assert_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 1);
    cr_expect(t_prop(&m, "TIMER_OUT_MS", "2500"));
    m = t_msg("TIMER_DELAY_MS\001250\002");
    cr_assert_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 1);
    cr_expect(t_prop(&m, "TIMER_OUT_MS", "1250"));

    m = t_msg("TIMER_DELIVER_MS\001999\002");
    cr_expect_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 0, "the past: sent as it is");

    m = t_msg("TIMER_DELIVER_MS\0015000\002DELAY\0011\002");
    cr_expect_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), MQ_ETOOBIG);
    m = t_msg("TIMER_DELIVER_MS\0019999999\002");
    cr_expect_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), MQ_ETOOBIG, "past the max");
    t_bk.cfg.timer_enable = 0;
    m = t_msg("TIMER_DELIVER_MS\0015000\002");
    cr_expect_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), MQ_ETOOBIG, "timer off");
}

Test(bk_delay, divert_not_half_messages, .init = t_setup, .fini = t_teardown)
{
    const char *why = NULL;
    mq_msg_t m = t_msg("TRAN_MSG\001true\002DELAY\0011\002");
    cr_expect_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 0);
    m = t_msg("DELAY\0011\002");
    m.sys_flag = MQ_SYSFLAG_TRANSACTION_PREPARED;
    cr_expect_eq(bk_delay_divert(&t_d, &t_pool, &m, 1000, &why), 0);
}
