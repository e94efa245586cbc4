/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_pull.c -- PULL with tag filtering and long polling (RocketMQ's PullMessageProcessor and
 * PullRequestHoldService).
 *
 * A pull reads up to max_msgs records from the store. When it finds nothing at the end of the
 * queue and the client allows suspension, it is held: parked per queue until the dispatcher
 * reports a message for that queue (the arrival callback, from the dispatcher's thread, marks
 * the queue and posts one wake-up to the loop) or until its deadline (min(suspend, 25 s);
 * shortPollingTimeMills when long polling is off), when it is answered PULL_NOT_FOUND.
 *
 *   pull --found--> reply
 *        --nothing, may suspend--> held[topic\1qid] --arrival--> retry (no hold) --> reply
 *                                                   --deadline--> retry --> reply
 *
 * Tag filtering uses the ConsumeQueue tag hash against the subscription's tags (the pull's own
 * expression, or the one its group registered by heartbeat); clients filter tags again. A SQL92
 * subscription (enablePropertyFilter=true) is evaluated on each record's properties
 * (bk_filter.c); without enablePropertyFilter it is refused, as RocketMQ does, never served
 * unfiltered; a bad expression gets SUBSCRIPTION_PARSE_FAILED with the parser's message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_int.h"
#include "mq/log.h"

#define BK_PULL_MAX_BYTES (256 * 1024)
#define BK_PULL_MAX_MSGS 1024 /* per pull (RocketMQ clients ask 32; Kafka fetches ask more) */
#define BK_PULL_STACK_MSGS 64 /* slices on the stack; more come from the request's pool */
#define BK_PULL_MAX_TAGS 64

typedef struct bk_tag_filter_s {
    int all; /* "*" or empty */
    int n;   /* tag hash codes */
    int64_t codes[BK_PULL_MAX_TAGS];
} bk_tag_filter_t;

static void
bk_tag_filter_parse(const char *expr, size_t len, bk_tag_filter_t *f)
{
    size_t i = 0;
    f->all = 1;
    f->n = 0;
    while (i < len) {
        size_t start, end;
        while (i < len && (expr[i] == ' ' || expr[i] == '|'))
            i++;
        start = i;
        while (i < len && !(expr[i] == '|' && i + 1 < len && expr[i + 1] == '|'))
            i++;
        end = i;
        while (end > start && expr[end - 1] == ' ')
            end--;
        if (end > start) {
            if (end - start == 1 && expr[start] == '*')
                return; /* matches everything */
            if (f->n < BK_PULL_MAX_TAGS)
                f->codes[f->n++] = mq_tags_code((mq_str_t){expr + start, end - start});
            f->all = 0;
        }
    }
}

static int
bk_tag_match(void *arg, int64_t tags_code)
{
    bk_tag_filter_t *f = arg;
    for (int i = 0; i < f->n; i++)
        if (f->codes[i] == tags_code)
            return 1;
    return 0;
}

static void
bk_hold_key(char *key, size_t len, mq_str_t topic, int32_t qid)
{
    snprintf(key, len, "%.*s\001%d", (int)topic.n, topic.p, qid);
}

/* Runs the pull once; returns 1 if it replied, 0 if it found nothing (and did not reply). */
static int
bk_pull_try(bk_t *bk, mq_req_t *req, int may_hold)
{
    mq_pull_t *p = &req->u.pull;
    store_slice_t stack_slices[BK_PULL_STACK_MSGS], *slices = stack_slices;
    store_get_result_t res;
    store_filter_t filter, *fp = NULL;
    bk_tag_filter_t tags;
    mq_rep_t rep;
    mq_str_t *records;
    mq_str_t expr = p->subscription, type = p->expression_type;
    const struct flt_sql92_s *sql = NULL;
    int max = p->max_msgs > 0 ? MQ_MIN(p->max_msgs, BK_PULL_MAX_MSGS) : 32;

    if (!(p->flags & MQ_PULL_SUBSCRIPTION)) {
        const char *e = bk_clients_subscription(bk, p->group, p->topic);
        const char *t = bk_clients_subscription_type(bk, p->group, p->topic);
        expr = e ? mq_str_from_cstr(e) : MQ_STR_NULL;
        type = t ? mq_str_from_cstr(t) : MQ_STR_NULL;
    }
    if (type.n > 0 && !mq_str_eq(type, MQ_STR("TAG"))) {
        char err[512];
        if (!mq_str_eq(type, MQ_STR("SQL92")) || !bk->cfg.property_filter) {
            /* RocketMQ with enablePropertyFilter=false (its default): refuse, never deliver
             * unfiltered */
            char *why = mq_palloc(req->pool, 80 + type.n);
            snprintf(why, 80 + type.n,
                     "The broker does not support consumer to filter message by %.*s",
                     (int)type.n, type.p);
            bk_reply(req, MQ_ERR, why);
            return 1;
        }
        if (bk_filter_sql92(bk, p->group, p->topic, expr, &sql, err, sizeof(err)) != MQ_OK) {
            bk_reply(req, MQ_EINVAL, mq_pstrdup(req->pool, mq_str_from_cstr(err)));
            return 1;
        }
        if (!bk->cfg.filter_retry && p->topic.n > 7 && memcmp(p->topic.p, "%RETRY%", 7) == 0)
            sql = NULL; /* RocketMQ: retry topics are not SQL-filtered (filterSupportRetry) */
        expr = MQ_STR("*");
    }
    if (max > BK_PULL_STACK_MSGS) /* not from the pool: the reply may free it before release */
        slices = mq_xmalloc((size_t)max * sizeof(*slices));
    bk_tag_filter_parse(expr.p, expr.n, &tags);
    if (sql) {
        filter.match_cq = NULL;
        filter.match_msg = bk_filter_sql92_record;
        filter.arg = (void *)sql;
        fp = &filter;
    } else if (!tags.all) {
        filter.match_cq = bk_tag_match;
        filter.match_msg = NULL;
        filter.arg = &tags;
        fp = &filter;
    }
    if (store_get_messages(bk->store, p->topic, p->queue_id, p->offset, max,
                           p->max_bytes > 0 ? (uint64_t)p->max_bytes : BK_PULL_MAX_BYTES, fp,
                           slices, &res) != MQ_OK) {
        if (slices != stack_slices)
            free(slices);
        bk_reply(req, MQ_ECLOSED, "the store is shutting down");
        return 1;
    }
    /* Hold what would be PULL_NOT_FOUND: caught up, or a queue with nothing yet. */
    if (may_hold && res.count == 0 &&
        (res.status == STORE_GET_OFFSET_OVERFLOW_ONE ||
         res.status == STORE_GET_NO_MATCHED_LOGIC_QUEUE ||
         (res.status == STORE_GET_NO_MESSAGE_IN_QUEUE && p->offset == 0))) {
        if (slices != stack_slices)
            free(slices);
        return 0;
    }
    memset(&rep, 0, sizeof(rep));
    /* The records are views into the mapped CommitLog: the slices keep their segments mapped
     * until the reply has been encoded (req.h: reply data lives until reply() returns). */
    records = mq_palloc(req->pool, (size_t)(res.count ? res.count : 1) * sizeof(*records));
    for (int i = 0; i < res.count; i++)
        records[i] = (mq_str_t){(const char *)slices[i].p, slices[i].len};
    rep.u.pull.status = (int)res.status;
    rep.u.pull.next_offset = res.next_offset;
    rep.u.pull.min_offset = res.min_offset;
    rep.u.pull.max_offset = res.max_offset;
    rep.u.pull.records = records;
    rep.u.pull.n_records = res.count;
    bk->get_msgs += res.count; /* GET_BROKER_RUNTIME_INFO's msgGetTotal* and getTransferedTps */
    bk_stats_group_pulled(bk, p->group, p->topic, res.count); /* GET_CONSUME_STATS' consumeTps */
    {
        int n = res.count;
        req->reply(req, MQ_OK, &rep); /* may free req and its pool: slices is read first */
        for (int i = 0; i < n; i++)
            store_slice_release(&slices[i]);
    }
    if (slices != stack_slices)
        free(slices);
    return 1;
}

void
bk_handle_pull(bk_t *bk, mq_req_t *req)
{
    mq_pull_t *p = &req->u.pull;
    int may_hold = (p->flags & MQ_PULL_SUSPEND) && !bk->closing;
    char key[320];
    bk_hold_t *h;

    if (p->flags & MQ_PULL_COMMIT_OFFSET && p->commit_offset >= 0) {
        char *g = mq_pstrdup(req->pool, p->group), *t = mq_pstrdup(req->pool, p->topic);
        store_offsets_commit(bk->offsets, g, t, p->queue_id, p->commit_offset);
    }
    if (bk_pull_try(bk, req, may_hold))
        return;
    h = mq_palloc(req->pool, sizeof(*h));
    h->req = req;
    h->deadline_ms =
        mq_now_ms() + (bk->cfg.long_polling
                           ? MQ_MIN(p->suspend_ms > 0 ? p->suspend_ms : 15000, bk->cfg.max_hold_ms)
                           : bk->cfg.short_polling_ms);
    bk_hold_key(key, sizeof(key), p->topic, p->queue_id);
    h->next = mq_strmap_get(&bk->holds, mq_str_from_cstr(key));
    mq_strmap_put(&bk->holds, mq_str_from_cstr(key), h);
    atomic_fetch_add(&bk->held_count, 1);
}

/* Re-runs the held pulls of one queue (all of them when force, on deadline or shutdown). */
static void
bk_holds_run(bk_t *bk, mq_str_t key, int64_t now_ms, int on_arrival)
{
    bk_hold_t *h = mq_strmap_remove(&bk->holds, key), *keep = NULL;
    while (h) {
        bk_hold_t *next = h->next;
        int expired = now_ms >= h->deadline_ms || bk->closing;
        if (on_arrival || expired) {
            if (bk_pull_try(bk, h->req, !expired)) {
                atomic_fetch_sub(&bk->held_count, 1);
                h = next;
                continue;
            }
        }
        h->next = keep;
        keep = h;
        h = next;
    }
    if (keep)
        mq_strmap_put(&bk->holds, key, keep);
}

static void
bk_pull_wake(void *arg)
{
    bk_t *bk = arg;
    mq_strmap_t dirty;
    size_t it = 0;
    mq_str_t k;
    void *v;

    pthread_mutex_lock(&bk->dirty_mu);
    dirty = bk->dirty;
    mq_strmap_init(&bk->dirty);
    bk->dirty_posted = 0;
    pthread_mutex_unlock(&bk->dirty_mu);
    if (bk->closing) { /* posted before the close: the held pulls are already answered */
        mq_strmap_fini(&dirty, NULL);
        return;
    }
    while (mq_strmap_next(&dirty, &it, &k, &v))
        bk_holds_run(bk, k, mq_now_ms(), 1);
    mq_strmap_fini(&dirty, NULL);
}

/* Store dispatcher thread: a message is visible. Cheap unless somebody waits. */
static void
bk_pull_arrival(void *arg, mq_str_t topic, int32_t qid, int64_t queue_offset, int64_t tags_code,
                int64_t store_ts, mq_str_t props)
{
    bk_t *bk = arg;
    char key[320];
    int post;
    (void)queue_offset;
    (void)tags_code;
    /* delayed and timed messages (bk_delay.c) */
    bk_delay_arrival(bk, topic, qid, queue_offset, store_ts, props);
    if (atomic_load_explicit(&bk->held_count, memory_order_relaxed) == 0)
        return;
    bk_hold_key(key, sizeof(key), topic, qid);
    pthread_mutex_lock(&bk->dirty_mu);
    mq_strmap_put(&bk->dirty, mq_str_from_cstr(key), (void *)1);
    post = !bk->dirty_posted;
    bk->dirty_posted = 1;
    pthread_mutex_unlock(&bk->dirty_mu);
    if (post)
        bk->exec->post(bk->exec, bk_pull_wake, bk);
}

static void
bk_pull_tick(void *arg)
{
    bk_t *bk = arg;
    if (bk->closed)
        return;
    int64_t now = mq_now_ms();
    size_t it = 0, n = 0;
    mq_str_t k;
    void *v;
    char **keys;
    if (bk->holds.count == 0)
        return;
    keys = mq_xcalloc(bk->holds.count, sizeof(*keys));
    while (mq_strmap_next(&bk->holds, &it, &k, &v))
        keys[n++] = mq_str_dup(k);
    for (size_t i = 0; i < n; i++) {
        bk_holds_run(bk, mq_str_from_cstr(keys[i]), now, 0);
        free(keys[i]);
    }
    free(keys);
}

void
bk_pull_init(bk_t *bk)
{
    mq_strmap_init(&bk->holds);
    mq_strmap_init(&bk->sql_filters);
    mq_strmap_init(&bk->dirty);
    pthread_mutex_init(&bk->dirty_mu, NULL);
    atomic_init(&bk->held_count, 0);
    store_set_arrival_cb(bk->store, bk_pull_arrival, bk);
    bk->exec->every(bk->exec, 0.2, bk_pull_tick, bk);
}

void
bk_pull_fini(bk_t *bk)
{
    store_set_arrival_cb(bk->store, NULL, NULL);
    bk_pull_tick(bk); /* closing: every held pull is answered */
    mq_strmap_fini(&bk->holds, NULL);
    mq_strmap_init(&bk->holds);
}
