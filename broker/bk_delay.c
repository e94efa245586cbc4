/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_delay.c -- delayed messages (RocketMQ's ScheduleMessageService, rocketmq-protocol.md
 * section 6.3) and the delivery thread shared with the timer (bk_timer.c).
 *
 * On PRODUCE (bk_delay_produce, loop thread) a message whose DELAY property names level L > 0
 * is stored in SCHEDULE_TOPIC_XXXX queue L-1 with REAL_TOPIC/REAL_QID (levels above the last
 * are clamped); one with TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS / __STARTDELIVERTIME
 * in the future goes to rmq_sys_wheel_timer (bk_timer.c). Messages of one level share one delay,
 * so each level queue is due in queue order: its head (the record at the level's progress
 * offset) is due at its store time + the level's delay. The delivery thread sleeps until the
 * earliest head or timer entry is due, delivers (a new record in the real topic and queue: same
 * body, flag, born time and host, reconsume times, properties minus DELAY and the timer keys, so
 * the UNIQ_KEY that clients show as msgId stays the same), and advances the level's offset.
 *
 *   arrival (dispatcher) --mark level/timer, signal if due earlier than the sleep--+
 *   thread: look up unknown heads -> deliver the due ones -> snapshot (<= 200 ms late)
 *           -> sleep until min(heads, timer heap, persist) or a signal <---------+
 *
 * Invariants: (1) a level's offset only moves past a record once that record was delivered
 * (or is unreadable, logged); (2) progress is written to <root>/config/delayOffset.json
 * (RocketMQ's {"offsetTable":{level:offset}}, offset = next one to deliver) at most 200 ms
 * after a delivery and at close, so a crash redelivers at most those 200 ms (at least once).
 * Nothing runs while nothing is due: no polling.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bk_delay_int.h"
#include "mq/log.h"

#define BK_DELAY_PERSIST_MS 200   /* progress written at most this long after a delivery */
#define BK_DELAY_RETRY_MS 1000    /* a failed put is retried after this */
#define BK_DELAY_RUN_MAX 4096     /* deliveries per level per pass (fairness) */
#define BK_DELAY_MERGE_EVERY 1024 /* timer arrivals that wake the thread to merge them */

/* ---- messageDelayLevel ---- */

int
bk_delay_levels_parse(const char *spec, int64_t *ms, int max)
{
    const char *p = spec;
    int n = 0;
    while (*p) {
        char *end;
        long long v;
        int64_t unit;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        errno = 0;
        v = strtoll(p, &end, 10);
        if (end == p || errno || v < 0 || v > 1000000000LL)
            return -1;
        switch (*end) {
        case 's':
            unit = 1000;
            break;
        case 'm':
            unit = 60 * 1000;
            break;
        case 'h':
            unit = 3600 * 1000;
            break;
        case 'd':
            unit = 24 * 3600 * 1000;
            break;
        default:
            return -1;
        }
        p = end + 1;
        if (*p && *p != ' ' && *p != '\t')
            return -1;
        if (n == max)
            return -1;
        ms[n++] = v * unit;
    }
    return n > 0 ? n : -1;
}

/* ---- Properties ---- */

int
bk_delay_parse_i64(mq_str_t v, int64_t *out)
{
    char tmp[32];
    char *end;
    long long x;
    if (v.n == 0 || v.n >= sizeof(tmp))
        return 0;
    memcpy(tmp, v.p, v.n);
    tmp[v.n] = '\0';
    errno = 0;
    x = strtoll(tmp, &end, 10);
    if (*end || errno)
        return 0;
    *out = x;
    return 1;
}

/* What the produce hook looks at in a message's properties. */
typedef struct bk_delay_scan_s {
    int64_t level;      /* DELAY, 0 if none */
    int64_t deliver_ms; /* from the timer keys, 0 if none */
    int has_timer;      /* a timer key is there */
    int tran;           /* TRAN_MSG=true: a half message, not ours */
} bk_delay_scan_t;

static void
bk_delay_scan(mq_str_t props, int64_t now_ms, bk_delay_scan_t *s)
{
    mq_props_iter_t it;
    mq_str_t k, v;
    int64_t x;
    memset(s, 0, sizeof(*s));
    mq_props_iter_init(&it, props);
    while (mq_props_next(&it, &k, &v)) {
        if (mq_str_eq_cstr(k, MQ_PROP_DELAY)) {
            if (bk_delay_parse_i64(v, &x) && x > 0)
                s->level = x;
        } else if (mq_str_eq_cstr(k, BK_PROP_TIMER_DELIVER_MS) ||
                   mq_str_eq_cstr(k, BK_PROP_START_DELIVER)) {
            s->has_timer = 1;
            if (bk_delay_parse_i64(v, &x))
                s->deliver_ms = x;
        } else if (mq_str_eq_cstr(k, BK_PROP_TIMER_DELAY_SEC)) {
            s->has_timer = 1;
            if (bk_delay_parse_i64(v, &x) && x > 0 && x < INT32_MAX)
                s->deliver_ms = now_ms + x * 1000;
        } else if (mq_str_eq_cstr(k, BK_PROP_TIMER_DELAY_MS)) {
            s->has_timer = 1;
            if (bk_delay_parse_i64(v, &x) && x > 0 && x < INT64_MAX / 2)
                s->deliver_ms = now_ms + x;
        } else if (mq_str_eq_cstr(k, MQ_PROP_TRAN_MSG) && mq_str_eq_cstr(v, "true")) {
            s->tran = 1;
        }
    }
}

/* ---- Diverting on produce ---- */

int
bk_delay_divert(bk_delay_t *d, mq_pool_t *pool, mq_msg_t *m, int64_t now_ms, const char **why)
{
    static const char *const parked[] = {MQ_PROP_REAL_TOPIC, MQ_PROP_REAL_QID, MQ_PROP_DELAY,
                                         BK_PROP_TIMER_OUT_MS};
    int tx = m->sys_flag & MQ_SYSFLAG_TRANSACTION_MASK;
    bk_delay_scan_t s;
    mq_buf_t b = MQ_BUF_INIT;
    char num[24];
    int timer;

    if (tx == MQ_SYSFLAG_TRANSACTION_PREPARED || tx == MQ_SYSFLAG_TRANSACTION_ROLLBACK)
        return 0;
    bk_delay_scan(m->props, now_ms, &s);
    if (s.tran)
        return 0;
    timer = s.has_timer && s.deliver_ms > now_ms; /* a time already past: sent as it is */
    if (timer) {
        if (!d->bk->cfg.timer_enable) {
            *why = "accurate timer message is not enabled, timerWheelEnable is false";
            return MQ_ETOOBIG;
        }
        if (s.level > 0) {
            *why = "a timer message cannot have a delay level (DELAY) too";
            return MQ_ETOOBIG;
        }
        if (s.deliver_ms - now_ms > d->bk->cfg.timer_max_delay_s * 1000) {
            *why = "timer message delivery time is beyond timerMaxDelaySec";
            return MQ_ETOOBIG;
        }
    } else if (s.level <= 0) {
        return 0;
    }
    if (s.level > d->n_levels)
        s.level = d->n_levels;
    mq_props_without_any(&b, m->props, parked, (int)MQ_ARRAY_LEN(parked));
    if (!timer) {
        num[mq_fmt_i64(num, s.level)] = '\0';
        mq_props_put(&b, MQ_STR(MQ_PROP_DELAY), mq_str_from_cstr(num));
    }
    mq_props_put(&b, MQ_STR(MQ_PROP_REAL_TOPIC), m->topic);
    num[mq_fmt_i64(num, m->queue_id)] = '\0';
    mq_props_put(&b, MQ_STR(MQ_PROP_REAL_QID), mq_str_from_cstr(num));
    if (timer) {
        num[mq_fmt_i64(num, s.deliver_ms)] = '\0';
        mq_props_put(&b, MQ_STR(BK_PROP_TIMER_OUT_MS), mq_str_from_cstr(num));
        m->topic = MQ_STR(BK_TIMER_TOPIC);
        m->queue_id = 0;
    } else {
        m->topic = MQ_STR(BK_SCHEDULE_TOPIC);
        m->queue_id = (int32_t)s.level - 1;
    }
    m->props = (mq_str_t){mq_pstrdup(pool, mq_buf_view(&b)), b.len};
    mq_buf_fini(&b);
    return 1;
}

int
bk_delay_produce(bk_t *bk, mq_req_t *req, int *diverted)
{
    mq_produce_t *p = &req->u.produce;
    int64_t now = mq_now_ms();
    const char *why = NULL;

    if (!bk->delay)
        return 0;
    for (int i = 0; i < p->n_msgs; i++) {
        mq_msg_t *m = &p->msgs[i];
        int rc;
        if (bk_retry_on_produce(bk, req, m))
            return 1; /* replied */
        rc = bk_delay_divert(bk->delay, req->pool, m, now, &why);
        if (rc < 0) {
            bk_reply(req, rc, why);
            return 1;
        }
        if (rc > 0)
            *diverted = 1;
    }
    return 0;
}

/* ---- Delivery ---- */

int
bk_delay_deliver(bk_delay_t *d, int64_t phys)
{
    static const char *const gone[] = {MQ_PROP_DELAY, BK_PROP_TIMER_DELIVER_MS,
                                       BK_PROP_TIMER_DELAY_SEC, BK_PROP_TIMER_DELAY_MS,
                                       BK_PROP_START_DELIVER};
    store_slice_t sl;
    mq_msg_t m, out;
    mq_str_t topic, qid_s;
    mq_buf_t b = MQ_BUF_INIT;
    int64_t qid;
    int rc = store_read_record(d->store, phys, &sl);

    if (rc != MQ_OK) {
        MQ_LOG_WARN("delay", "cannot read the delayed message at %lld (%s): skipped",
                    (long long)phys, mq_err_name(rc));
        return rc == MQ_ECLOSED ? rc : MQ_OK;
    }
    if (mq_msg_record_decode(sl.p, sl.len, &m) != MQ_OK ||
        !mq_props_get(m.props, MQ_PROP_REAL_TOPIC, &topic) || topic.n == 0 ||
        !mq_props_get(m.props, MQ_PROP_REAL_QID, &qid_s) || !bk_delay_parse_i64(qid_s, &qid) ||
        qid < 0 || qid > INT32_MAX) {
        MQ_LOG_WARN("delay", "the delayed message at %lld has no REAL_TOPIC/REAL_QID: skipped",
                    (long long)phys);
        store_slice_release(&sl);
        return MQ_OK;
    }
    mq_props_without_any(&b, m.props, gone, (int)MQ_ARRAY_LEN(gone));
    out = m;
    out.topic = topic;
    out.queue_id = (int32_t)qid;
    out.props = mq_buf_view(&b);
    out.store_host = d->bk->cfg.store.store_host;
    rc = store_put(d->store, &out, 1, NULL);
    store_slice_release(&sl);
    mq_buf_fini(&b);
    if (rc == MQ_EINVAL || rc == MQ_ETOOBIG) {
        MQ_LOG_WARN("delay", "the delayed message at %lld cannot be stored (%s): skipped",
                    (long long)phys, mq_err_name(rc));
        rc = MQ_OK;
    }
    if (rc == MQ_OK)
        d->delivered++;
    return rc;
}

void
bk_delay_touch(bk_delay_t *d, int64_t now_ms)
{
    if (!d->persist_at)
        d->persist_at = now_ms + BK_DELAY_PERSIST_MS;
}

/* Finds the due time of level i's head (the record at its offset). */
static void
bk_delay_level_head(bk_delay_t *d, int i)
{
    bk_delay_level_t *l = &d->levels[i];
    mq_str_t topic = MQ_STR(BK_SCHEDULE_TOPIC);
    for (;;) {
        store_cq_entry_t e;
        store_slice_t sl;
        mq_msg_t m;
        int64_t min = store_min_offset(d->store, topic, i);
        if (l->offset < min)
            l->offset = min; /* deleted by retention */
        if (store_cq_get(d->store, topic, i, l->offset, &e) != MQ_OK) {
            l->head_due = BK_DELAY_NONE;
            return;
        }
        if (store_read_record(d->store, e.phys_offset, &sl) == MQ_OK) {
            int ok = mq_msg_record_decode(sl.p, sl.len, &m) == MQ_OK;
            store_slice_release(&sl);
            if (ok) {
                l->head_due = m.store_ts + l->delay_ms;
                l->head_phys = e.phys_offset;
                return;
            }
        }
        MQ_LOG_WARN("delay", "level %d offset %lld: unreadable record, skipped", i + 1,
                    (long long)l->offset);
        l->offset++;
    }
}

/* Delivers level i's due messages; returns its next due time (or BK_DELAY_NONE). */
static int64_t
bk_delay_level_run(bk_delay_t *d, int i, int64_t now_ms)
{
    bk_delay_level_t *l = &d->levels[i];
    for (int n = 0; n < BK_DELAY_RUN_MAX; n++) {
        if (l->head_due == BK_DELAY_UNKNOWN)
            bk_delay_level_head(d, i);
        if (l->head_due == BK_DELAY_NONE || l->head_due > now_ms)
            return l->head_due;
        if (bk_delay_deliver(d, l->head_phys) != MQ_OK)
            return now_ms + BK_DELAY_RETRY_MS;
        l->offset++;
        l->head_due = BK_DELAY_UNKNOWN;
        bk_delay_touch(d, now_ms);
    }
    return now_ms; /* more is due: come back after the other levels */
}

/* ---- delayOffset.json and the writer thread ---- */

static void
bk_delay_write(const char *path, const int64_t *offsets, int n)
{
    mq_buf_t b = MQ_BUF_INIT;
    mq_buf_append_cstr(&b, "{\"offsetTable\":{");
    for (int i = 0; i < n; i++)
        mq_buf_printf(&b, "%s%d:%lld", i ? "," : "", i + 1, (long long)offsets[i]);
    mq_buf_append_cstr(&b, "}}");
    if (store_json_file_write(path, (const char *)b.data, b.len) != MQ_OK)
        MQ_LOG_WARN("delay", "cannot write %s", path);
    mq_buf_fini(&b);
}

/* Hands the current progress to the writer thread (delivery thread, or close after it ended). */
static void
bk_delay_snapshot(bk_delay_t *d)
{
    pthread_mutex_lock(&d->wmu);
    for (int i = 0; i < d->n_levels; i++)
        d->snap_offsets[i] = d->levels[i].offset;
    bk_timer_snapshot(d, &d->snap_low, &d->snap_upto, &d->snap_done);
    d->wdirty = 1;
    pthread_cond_signal(&d->wcond);
    pthread_mutex_unlock(&d->wmu);
    d->persist_at = 0;
}

static void *
bk_delay_writer_main(void *arg)
{
    bk_delay_t *d = arg;
    int64_t offsets[BK_DELAY_LEVELS_MAX], low, upto, done;
    pthread_mutex_lock(&d->wmu);
    for (;;) {
        while (!d->wdirty && !d->wstop)
            pthread_cond_wait(&d->wcond, &d->wmu);
        if (!d->wdirty)
            break; /* stopped with everything written */
        memcpy(offsets, d->snap_offsets, sizeof(offsets));
        low = d->snap_low;
        upto = d->snap_upto;
        done = d->snap_done;
        d->wdirty = 0;
        pthread_mutex_unlock(&d->wmu);
        bk_delay_write(d->offset_path, offsets, d->n_levels);
        bk_timer_write(d->timer_path, low, upto, done);
        pthread_mutex_lock(&d->wmu);
    }
    pthread_mutex_unlock(&d->wmu);
    return NULL;
}

static void
bk_delay_load(bk_delay_t *d)
{
    char *text = NULL, *quoted;
    json_t *root, *table, *v;
    const char *key;
    if (store_json_file_read(d->offset_path, &text) != MQ_OK)
        return;
    quoted = store_json_quote_int_keys(text);
    root = json_loads(quoted ? quoted : text, 0, NULL);
    table = json_object_get(root, "offsetTable");
    json_object_foreach(table, key, v)
    {
        long level = strtol(key, NULL, 10);
        if (level >= 1 && level <= d->n_levels && json_is_integer(v) && json_integer_value(v) >= 0)
            d->levels[level - 1].offset = (int64_t)json_integer_value(v);
    }
    if (!json_is_object(table))
        MQ_LOG_WARN("delay", "%s has no offsetTable: delay levels start from their queues' start",
                    d->offset_path);
    json_decref(root);
    free(quoted);
    free(text);
}

/* ---- The delivery thread ---- */

static void
bk_delay_sleep(bk_delay_t *d, int64_t due_ms)
{
    struct timespec ts;
    int64_t wait_ms;
    if (due_ms == BK_DELAY_NONE) {
        pthread_cond_wait(&d->cond, &d->mu);
        return;
    }
    wait_ms = due_ms - mq_now_ms();
    if (wait_ms <= 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&d->cond, &d->mu, &ts);
}

static void *
bk_delay_main(void *arg)
{
    bk_delay_t *d = arg;
    uint64_t fresh[BK_DELAY_LEVELS_MAX / 64];
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        int64_t now, next = BK_DELAY_NONE, due;
        bk_timer_ent_t *arrived = d->arrived;
        int n_arrived = d->n_arrived, pending = 0;
        memcpy(fresh, d->levels_new, sizeof(fresh));
        memset(d->levels_new, 0, sizeof(d->levels_new));
        d->arrived = NULL;
        d->n_arrived = d->cap_arrived = 0;
        d->wake_at = INT64_MIN;
        pthread_mutex_unlock(&d->mu);

        now = mq_now_ms();
        for (int i = 0; i < d->n_levels; i++)
            if ((fresh[i / 64] >> (i % 64) & 1) && d->levels[i].head_due == BK_DELAY_NONE)
                d->levels[i].head_due = BK_DELAY_UNKNOWN;
        if (arrived) {
            bk_timer_merge(d, arrived, n_arrived);
            free(arrived);
        }
        for (int i = 0; i < d->n_levels; i++) {
            due = bk_delay_level_run(d, i, now);
            next = MQ_MIN(next, due);
        }
        due = bk_timer_run(d, now);
        next = MQ_MIN(next, due);
        if (d->persist_at && now >= d->persist_at)
            bk_delay_snapshot(d);
        if (d->persist_at)
            next = MQ_MIN(next, d->persist_at);

        pthread_mutex_lock(&d->mu);
        for (size_t k = 0; k < MQ_ARRAY_LEN(d->levels_new); k++)
            pending |= d->levels_new[k] != 0;
        if (d->stop || pending || d->n_arrived || next <= mq_now_ms())
            continue;
        d->wake_at = next;
        bk_delay_sleep(d, next);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* ---- Lifecycle and the arrival hook ---- */

void
bk_delay_arrival(bk_t *bk, mq_str_t topic, int32_t qid, int64_t queue_offset, int64_t store_ts,
                 mq_str_t props)
{
    bk_delay_t *d = __atomic_load_n(&bk->delay, __ATOMIC_ACQUIRE);
    int64_t due;
    mq_str_t v;
    if (!d || topic.n < sizeof(BK_TIMER_TOPIC) - 1)
        return;
    if (mq_str_eq(topic, MQ_STR(BK_SCHEDULE_TOPIC))) {
        if (qid < 0 || qid >= d->n_levels)
            return;
        due = store_ts + d->levels[qid].delay_ms;
        pthread_mutex_lock(&d->mu);
        d->levels_new[qid / 64] |= (uint64_t)1 << (qid % 64);
    } else if (mq_str_eq(topic, MQ_STR(BK_TIMER_TOPIC))) {
        if (!mq_props_get(props, BK_PROP_TIMER_OUT_MS, &v) || !bk_delay_parse_i64(v, &due))
            due = store_ts;
        pthread_mutex_lock(&d->mu);
        if (d->n_arrived == d->cap_arrived) {
            d->cap_arrived = d->cap_arrived ? d->cap_arrived * 2 : 256;
            d->arrived = mq_xrealloc(d->arrived, (size_t)d->cap_arrived * sizeof(*d->arrived));
        }
        d->arrived[d->n_arrived++] = (bk_timer_ent_t){due, queue_offset, -1};
        if (d->n_arrived % BK_DELAY_MERGE_EVERY == 0)
            due = INT64_MIN; /* merge into the heap now, not all at once when due */
    } else {
        return;
    }
    if (due < d->wake_at && !d->stop)
        pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

int
bk_delay_open(bk_t *bk)
{
    bk_delay_t *d = mq_xcalloc(1, sizeof(*d));
    int64_t ms[BK_DELAY_LEVELS_MAX];
    pthread_condattr_t ca;
    int rw = STORE_PERM_READ | STORE_PERM_WRITE;

    d->bk = bk;
    d->store = bk->store;
    d->n_levels = bk_delay_levels_parse(bk->cfg.delay_levels, ms, BK_DELAY_LEVELS_MAX);
    if (d->n_levels <= 0) {
        MQ_LOG_ERROR("delay", "bad messageDelayLevel \"%s\"", bk->cfg.delay_levels);
        free(d);
        return MQ_EINVAL;
    }
    for (int i = 0; i < d->n_levels; i++) {
        d->levels[i].delay_ms = ms[i];
        d->levels[i].head_due = BK_DELAY_UNKNOWN;
    }
    snprintf(d->offset_path, sizeof(d->offset_path), "%s/config/delayOffset.json",
             bk->cfg.store.root_dir);
    snprintf(d->timer_path, sizeof(d->timer_path), "%s/config/timerCheckpoint.json",
             bk->cfg.store.root_dir);
    bk_topic_ensure(bk, BK_SCHEDULE_TOPIC, MQ_MAX(18, d->n_levels), rw);
    bk_topic_ensure(bk, BK_TIMER_TOPIC, 1, rw);
    bk_delay_load(d);
    bk_timer_load_checkpoint(d);
    bk_timer_rebuild(d);
    pthread_mutex_init(&d->mu, NULL);
    pthread_mutex_init(&d->wmu, NULL);
    pthread_cond_init(&d->wcond, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cond, &ca);
    pthread_condattr_destroy(&ca);
    d->wake_at = INT64_MIN;
    __atomic_store_n(&bk->delay, d, __ATOMIC_RELEASE);
    if (pthread_create(&d->writer, NULL, bk_delay_writer_main, d) != 0) {
        MQ_LOG_ERROR("delay", "cannot start the delay progress writer");
        goto err;
    }
    if (pthread_create(&d->thread, NULL, bk_delay_main, d) != 0) {
        MQ_LOG_ERROR("delay", "cannot start the delivery thread");
        pthread_mutex_lock(&d->wmu);
        d->wstop = 1;
        pthread_cond_signal(&d->wcond);
        pthread_mutex_unlock(&d->wmu);
        pthread_join(d->writer, NULL);
        goto err;
    }
    return MQ_OK;
err:
    __atomic_store_n(&bk->delay, NULL, __ATOMIC_RELEASE);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->wmu);
    pthread_cond_destroy(&d->wcond);
    bk_timer_fini(d);
    free(d);
    return MQ_ERR;
}

void
bk_delay_close(bk_t *bk)
{
    bk_delay_t *d = bk->delay;
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->stop = 1;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    bk_delay_snapshot(d); /* the final progress; the writer writes it before it ends */
    pthread_mutex_lock(&d->wmu);
    d->wstop = 1;
    pthread_cond_signal(&d->wcond);
    pthread_mutex_unlock(&d->wmu);
    pthread_join(d->writer, NULL);
    bk_timer_fini(d);
}

void
bk_delay_free(bk_t *bk)
{
    bk_delay_t *d = bk->delay;
    if (!d)
        return;
    bk->delay = NULL;
    free(d->arrived);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->wmu);
    pthread_cond_destroy(&d->wcond);
    free(d);
}
