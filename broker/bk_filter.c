/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_filter.c -- SQL92 subscriptions on the broker (RocketMQ's ConsumerFilterManager and
 * ExpressionMessageFilter), with enablePropertyFilter=true. A group's expression for a topic
 * (from the pull itself or from the group's heartbeat) is compiled once (broker/filter/) and
 * kept per (group, topic) until the text changes; each candidate record is decoded and its
 * properties (TAGS and KEYS included) evaluated. Only TRUE delivers: NULL (a missing
 * property) and evaluation errors do not, as in RocketMQ.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_int.h"
#include "flt_sql92.h"
#include "mq/log.h"
#include "mq/msg.h"

typedef struct bk_sql_entry_s {
    char *expr;     /* the text compiled */
    flt_sql92_t *f; /* compiled */
} bk_sql_entry_t;

static void
bk_sql_entry_free(void *v)
{
    bk_sql_entry_t *e = v;
    flt_sql92_free(e->f);
    free(e->expr);
    free(e);
}

int
bk_filter_sql92(bk_t *bk, mq_str_t group, mq_str_t topic, mq_str_t expr, const flt_sql92_t **out,
                char *err, size_t errlen)
{
    char key[512];
    int n =
        snprintf(key, sizeof(key), "%.*s\001%.*s", (int)group.n, group.p, (int)topic.n, topic.p);
    mq_str_t k = {key, n > 0 && (size_t)n < sizeof(key) ? (size_t)n : sizeof(key) - 1};
    bk_sql_entry_t *e = mq_strmap_get(&bk->sql_filters, k);
    flt_sql92_t *f;
    size_t pos;

    if (e && mq_str_eq_cstr(expr, e->expr)) {
        *out = e->f;
        return MQ_OK;
    }
    if (flt_sql92_compile(expr.p ? expr.p : "", expr.n, &f, err, errlen, &pos) != MQ_OK)
        return MQ_EINVAL;
    e = mq_xcalloc(1, sizeof(*e));
    e->expr = mq_str_dup(expr);
    e->f = f;
    {
        bk_sql_entry_t *old = mq_strmap_put(&bk->sql_filters, k, e);
        if (old)
            bk_sql_entry_free(old);
    }
    MQ_LOG_INFO("broker", "group %.*s: SQL92 filter on %.*s: %.*s", (int)group.n, group.p,
                (int)topic.n, topic.p, (int)expr.n, expr.p ? expr.p : "");
    *out = f;
    return MQ_OK;
}

int
bk_filter_sql92_record(void *arg, const uint8_t *record, uint32_t len)
{
    mq_msg_t m;
    if (mq_msg_record_decode(record, len, &m) != MQ_OK)
        return 0;
    return flt_sql92_match_props(arg, m.props.p, m.props.n);
}

void
bk_filter_check_client(bk_t *bk, mq_req_t *req)
{
    const mq_check_client_t *cc = &req->u.check_client;
    const flt_sql92_t *f;
    char err[512];
    if (cc->expression_type.n == 0 || mq_str_eq(cc->expression_type, MQ_STR("TAG"))) {
        bk_reply(req, MQ_OK, NULL);
        return;
    }
    if (!mq_str_eq(cc->expression_type, MQ_STR("SQL92")) || !bk->cfg.property_filter) {
        char *why = mq_palloc(req->pool, 80 + cc->expression_type.n);
        snprintf(why, 80 + cc->expression_type.n,
                 "The broker does not support consumer to filter message by %.*s",
                 (int)cc->expression_type.n, cc->expression_type.p);
        bk_reply(req, MQ_ERR, why);
        return;
    }
    if (bk_filter_sql92(bk, cc->group, cc->topic, cc->expression, &f, err, sizeof(err)) !=
        MQ_OK) {
        bk_reply(req, MQ_EINVAL, mq_pstrdup(req->pool, mq_str_from_cstr(err)));
        return;
    }
    bk_reply(req, MQ_OK, NULL);
}

void
bk_filter_fini(bk_t *bk)
{
    mq_strmap_fini(&bk->sql_filters, bk_sql_entry_free);
}
