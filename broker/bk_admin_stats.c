/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_admin_stats.c -- the broker's admin figures and run-time controls (RocketMQ's
 * AdminBrokerProcessor and Broker2Client): runtime info (the keys mqadmin brokerStatus prints
 * that we can fill honestly), consume stats, topic stats, a consumer group's connections,
 * broker config get/update, and reset-offset-by-time.
 *
 * Figures come from the store (store_get_stats, queue offsets, record store times) and from
 * counters sampled every 5 s (bk_stats_tick): TPS over 10 s, 60 s and 600 s as Java prints
 * them ("1.00 2.00 3.00"), totals at today's and yesterday's local midnight.
 *
 * consumeTps is what the group's pulls returned per second over the last minute, per topic
 * reported (bk_stats_group.c; Java's tpsGroupGetNums).
 *
 * Config updates are checked as a whole, written back into the file the broker was started with
 * (-c, or brokerConfigPath; without either <storePathRootDir>/config/broker.properties, which,
 * like RocketMQ's ~/store/config/broker.properties, is written but not read at start), then
 * applied: the run-time keys at once, the others at the next start. Unlike Java, which shows
 * the new value at once, GET_BROKER_CONFIG shows the value in effect until then. Not done:
 * brokerPermission (Java re-registers with the new permission at once); we have no such key.
 *
 * Reset offset by time commits the new offsets itself (so it holds for clients offline now) and
 * tells the group's online clients with RESET_CONSUMER_CLIENT_OFFSET (Broker2Client.resetOffset,
 * bk_clients_notify_reset in bk_client.c), which would otherwise commit their old positions
 * over it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "bk_int.h"
#include "mq/log.h"

#define BK_VERSION_DESC "V5_3_3" /* MQVersion.Version we speak as (rmq_cmd.c writes 479) */
#define BK_VERSION 479

mq_str_t
bk_pstr(mq_pool_t *pool, const char *s)
{
    mq_str_t v = mq_str_from_cstr(s ? s : "");
    v.p = mq_pstrdup(pool, v);
    return v;
}

/* ---- Counters ---- */

static int64_t
bk_local_day(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    return (int64_t)tm.tm_year * 1000 + tm.tm_yday;
}

static int64_t
bk_put_msgs(bk_t *bk)
{
    store_stats_t st;
    store_get_stats(bk->store, &st);
    return st.put_msgs;
}

void
bk_stats_init(bk_t *bk)
{
    bk->boot_ms = mq_now_ms();
    bk->today = bk_local_day(bk->boot_ms);
    bk->groups_version.timestamp = bk->boot_ms; /* DataVersion starts at 0, stamped now */
    bk->config_version.timestamp = bk->boot_ms;
    bk_stats_tick(bk, bk->boot_ms);
}

void
bk_stats_tick(bk_t *bk, int64_t now_ms)
{
    bk_sample_t *s = &bk->samples[bk->sample_pos];
    int64_t day = bk_local_day(now_ms);

    s->ms = now_ms;
    s->put_msgs = bk_put_msgs(bk);
    s->get_msgs = bk->get_msgs;
    bk->sample_pos = (bk->sample_pos + 1) % BK_SAMPLES;
    if (bk->n_samples < BK_SAMPLES)
        bk->n_samples++;
    bk_stats_group_tick(bk, now_ms);
    if (day != bk->today) {
        bk->put_yesterday_morning = bk->put_today_morning;
        bk->get_yesterday_morning = bk->get_today_morning;
        bk->put_today_morning = s->put_msgs;
        bk->get_today_morning = s->get_msgs;
        bk->today = day;
    }
}

/* Messages per second over the last window_ms: the current count against the newest sample
 * at least that old (or the oldest one, early after boot). */
static double
bk_tps(bk_t *bk, int64_t now_ms, int64_t now_count, int get, int64_t window_ms)
{
    const bk_sample_t *best = NULL, *oldest = NULL;
    for (int i = 0; i < bk->n_samples; i++) {
        const bk_sample_t *s = &bk->samples[i];
        if (!oldest || s->ms < oldest->ms)
            oldest = s;
        if (s->ms <= now_ms - window_ms && (!best || s->ms > best->ms))
            best = s;
    }
    if (!best)
        best = oldest;
    if (!best || now_ms <= best->ms)
        return 0.0;
    return (double)(now_count - (get ? best->get_msgs : best->put_msgs)) * 1000.0 /
           (double)(now_ms - best->ms);
}

/* Java's MixAll.humanReadableByteCount(bytes, false): "1.5 GiB". */
static void
bk_human_bytes(char *out, size_t n, uint64_t bytes)
{
    static const char units[] = "KMGTPE";
    double v = (double)bytes;
    int e = 0;
    if (bytes < 1024) {
        snprintf(out, n, "%" PRIu64 " B", bytes);
        return;
    }
    while (v >= 1024.0 && e < 6) {
        v /= 1024.0;
        e++;
    }
    snprintf(out, n, "%.1f %ciB", v, units[e - 1]);
}

/* ---- RUNTIME_INFO (GET_BROKER_RUNTIME_INFO) ---- */

typedef struct bk_kv_s {
    mq_pool_t *pool;
    mq_kv_table_t *t;
    int cap;
} bk_kv_t;

static void
bk_kv_add(void *arg, const char *key, const char *value)
{
    bk_kv_t *kv = arg;
    if (kv->t->n == kv->cap) {
        mq_str_t *bigger = mq_palloc(kv->pool, (size_t)kv->cap * 4 * sizeof(*bigger));
        memcpy(bigger, kv->t->kv, (size_t)kv->cap * 2 * sizeof(*bigger));
        kv->t->kv = bigger;
        kv->cap *= 2;
    }
    kv->t->kv[2 * kv->t->n] = bk_pstr(kv->pool, key);
    kv->t->kv[2 * kv->t->n + 1] = bk_pstr(kv->pool, value);
    kv->t->n++;
}

static void
bk_kv_init(bk_kv_t *kv, mq_pool_t *pool, mq_kv_table_t *t)
{
    kv->pool = pool;
    kv->t = t;
    kv->cap = 32;
    t->kv = mq_palloc(pool, (size_t)kv->cap * 2 * sizeof(mq_str_t));
    t->n = 0;
}

static void
bk_kv_i64(bk_kv_t *kv, const char *key, int64_t v)
{
    char s[32];
    snprintf(s, sizeof(s), "%" PRId64, v);
    bk_kv_add(kv, key, s);
}

static void
bk_runtime_info(bk_t *bk, mq_req_t *req)
{
    int64_t now = mq_now_ms(), up = (now - bk->boot_ms) / 1000, earliest = 0;
    store_stats_t st;
    store_slice_t sl;
    struct statvfs vfs;
    mq_rep_t rep;
    bk_kv_t kv;
    char s[160], a[32], b[32];

    memset(&rep, 0, sizeof(rep));
    bk_kv_init(&kv, req->pool, &rep.u.kv);
    store_get_stats(bk->store, &st);
    bk_kv_add(&kv, "brokerVersionDesc", BK_VERSION_DESC);
    bk_kv_i64(&kv, "brokerVersion", BK_VERSION);
    bk_kv_i64(&kv, "bootTimestamp", bk->boot_ms);
    snprintf(s, sizeof(s),
             "[ %" PRId64 " days, %" PRId64 " hours, %" PRId64 " minutes, %" PRId64 " seconds ]",
             up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
    bk_kv_add(&kv, "runtime", s);
    bk_kv_i64(&kv, "msgPutTotalYesterdayMorning", bk->put_yesterday_morning);
    bk_kv_i64(&kv, "msgPutTotalTodayMorning", bk->put_today_morning);
    bk_kv_i64(&kv, "msgPutTotalTodayNow", st.put_msgs);
    bk_kv_i64(&kv, "msgGetTotalYesterdayMorning", bk->get_yesterday_morning);
    bk_kv_i64(&kv, "msgGetTotalTodayMorning", bk->get_today_morning);
    bk_kv_i64(&kv, "msgGetTotalTodayNow", bk->get_msgs);
    snprintf(s, sizeof(s), "%.2f %.2f %.2f", bk_tps(bk, now, st.put_msgs, 0, 10000),
             bk_tps(bk, now, st.put_msgs, 0, 60000), bk_tps(bk, now, st.put_msgs, 0, 600000));
    bk_kv_add(&kv, "putTps", s);
    snprintf(s, sizeof(s), "%.2f %.2f %.2f", bk_tps(bk, now, bk->get_msgs, 1, 10000),
             bk_tps(bk, now, bk->get_msgs, 1, 60000), bk_tps(bk, now, bk->get_msgs, 1, 600000));
    bk_kv_add(&kv, "getTransferedTps", s);
    bk_kv_i64(&kv, "putMessageTimesTotal", st.put_msgs);
    bk_kv_i64(&kv, "putMessageSizeTotal", st.put_bytes);
    bk_kv_i64(&kv, "putMessageAverageSize", st.put_msgs ? st.put_bytes / st.put_msgs : 0);
    bk_kv_i64(&kv, "commitLogMinOffset", st.commitlog_min);
    bk_kv_i64(&kv, "commitLogMaxOffset", st.commitlog_max);
    bk_kv_i64(&kv, "dispatchBehindBytes", MQ_MAX(st.commitlog_max - st.dispatched, 0));
    bk_human_bytes(a, sizeof(a), (uint64_t)MQ_MAX(st.commitlog_max - st.commitlog_flushed, 0));
    bk_kv_add(&kv, "remainHowManyDataToFlush", a);
    snprintf(s, sizeof(s), "%g", st.disk_ratio);
    bk_kv_add(&kv, "commitLogDiskRatio", s);
    if (statvfs(bk->cfg.store.root_dir, &vfs) == 0) {
        bk_human_bytes(a, sizeof(a), (uint64_t)vfs.f_blocks * vfs.f_frsize);
        bk_human_bytes(b, sizeof(b), (uint64_t)vfs.f_bavail * vfs.f_frsize);
        snprintf(s, sizeof(s), "Total : %s, Free : %s.", a, b);
        bk_kv_add(&kv, "commitLogDirCapacity", s);
    }
    if (st.commitlog_max > st.commitlog_min &&
        store_read_record(bk->store, st.commitlog_min, &sl) == MQ_OK) {
        mq_msg_t m;
        if (mq_msg_record_decode(sl.p, sl.len, &m) == MQ_OK)
            earliest = m.store_ts;
        store_slice_release(&sl);
    }
    bk_kv_i64(&kv, "earliestMessageTimeStamp", earliest);
    bk_kv_i64(&kv, "startAcceptSendRequestTimeStamp", 0);
    bk_kv_add(&kv, "brokerActive", "true");
    /* No request thread pools to queue in: requests are handled as they are read (the Java
     * broker reports its send/pull/ack pool backlogs here; mqadmin clusterList prints them). */
    bk_kv_add(&kv, "sendThreadPoolQueueSize", "0");
    bk_kv_add(&kv, "sendThreadPoolQueueHeadWaitTimeMills", "0");
    bk_kv_add(&kv, "pullThreadPoolQueueSize", "0");
    bk_kv_add(&kv, "pullThreadPoolQueueHeadWaitTimeMills", "0");
    bk_kv_add(&kv, "ackThreadPoolQueueSize", "0");
    bk_kv_add(&kv, "ackThreadPoolQueueHeadWaitTimeMills", "0");
    bk_kv_add(&kv, "pageCacheLockTimeMills", "0");
    req->reply(req, MQ_OK, &rep);
}

/* ---- Store times ---- */

int64_t
bk_store_time_at(bk_t *bk, mq_str_t topic, int32_t qid, int64_t offset)
{
    int64_t ts = bk_record_time_at(bk, topic, qid, offset, 0);
    return ts < 0 ? 0 : ts;
}

int64_t
bk_record_time_at(bk_t *bk, mq_str_t topic, int32_t qid, int64_t offset, int born)
{
    store_cq_entry_t e;
    store_slice_t sl;
    mq_msg_t m;
    int64_t ts = -1;

    if (offset < 0 || store_cq_get(bk->store, topic, qid, offset, &e) != MQ_OK)
        return -1;
    if (store_read_record(bk->store, e.phys_offset, &sl) != MQ_OK)
        return -1;
    if (mq_msg_record_decode(sl.p, sl.len, &m) == MQ_OK)
        ts = born ? m.born_ts : m.store_ts;
    store_slice_release(&sl);
    return ts;
}

/* ---- CONSUME_STATS (GET_CONSUME_STATS) ---- */

typedef struct bk_topics_of_s {
    const char *group;
    mq_pool_t *pool;
    mq_str_t *topics;
    int n, cap;
} bk_topics_of_t;

static void
bk_topics_of_cb(void *arg, const char *group, const char *topic, int32_t qid, int64_t offset)
{
    bk_topics_of_t *t = arg;
    (void)qid;
    (void)offset;
    if (strcmp(group, t->group) != 0)
        return;
    for (int i = 0; i < t->n; i++)
        if (mq_str_eq_cstr(t->topics[i], topic))
            return;
    if (t->n == t->cap) {
        mq_str_t *bigger = mq_palloc(t->pool, (size_t)t->cap * 2 * sizeof(*bigger));
        memcpy(bigger, t->topics, (size_t)t->n * sizeof(*bigger));
        t->topics = bigger;
        t->cap *= 2;
    }
    t->topics[t->n++] = bk_pstr(t->pool, topic);
}

/* Appends a stats row per queue of each topic to rep (queues counted first). */
static void
bk_consume_stats(bk_t *bk, mq_req_t *req)
{
    mq_group_topic_t *q = &req->u.group_topic;
    char *group = mq_pstrdup(req->pool, q->group);
    bk_topics_of_t of = {group, req->pool, NULL, 0, 8};
    mq_group_connections_t conns;
    int online, total = 0;
    int64_t now = mq_now_ms();
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    of.topics = mq_palloc(req->pool, (size_t)of.cap * sizeof(mq_str_t));
    if (q->topic.n) {
        of.topics[of.n++] = q->topic;
    } else {
        store_offsets_foreach(bk->offsets, bk_topics_of_cb, &of);
    }
    online = bk_clients_connections(bk, q->group, req->pool, &conns) == MQ_OK && conns.n_subs;
    for (int i = 0; i < of.n; i++) {
        store_topic_config_t tc;
        if (bk_topic_get(bk, of.topics[i], &tc) == MQ_OK)
            total += tc.read_queues;
    }
    rep.u.stats.queues =
        mq_pcalloc(req->pool, (size_t)(total ? total : 1) * sizeof(mq_queue_stat_t));
    rep.u.stats.broker_name = bk_pstr(req->pool, bk->cfg.name);
    for (int i = 0; i < of.n; i++) {
        store_topic_config_t tc;
        char *topic = mq_pstrdup(req->pool, of.topics[i]);
        /* Java skips topics an online group does not subscribe to */
        if (bk_topic_get(bk, of.topics[i], &tc) != MQ_OK ||
            (online && !bk_clients_subscription(bk, q->group, of.topics[i])))
            continue;
        for (int qid = 0; qid < tc.read_queues && rep.u.stats.n < total; qid++) {
            mq_queue_stat_t *s = &rep.u.stats.queues[rep.u.stats.n++];
            s->topic = of.topics[i];
            s->queue_id = qid;
            s->min_offset = store_min_offset(bk->store, of.topics[i], qid);
            s->max_offset = MQ_MAX(store_max_offset(bk->store, of.topics[i], qid), 0);
            s->group_offset = MQ_MAX(store_offsets_query(bk->offsets, group, topic, qid), 0);
            s->last_ts = s->group_offset > 0
                             ? bk_store_time_at(bk, of.topics[i], qid, s->group_offset - 1)
                             : 0;
        }
        /* Java adds tpsGroupGetNums(group, topic) of every topic it reports */
        rep.u.stats.tps += bk_stats_group_tps(bk, q->group, of.topics[i], now);
    }
    req->reply(req, MQ_OK, &rep);
}

/* ---- TOPIC_STATS (GET_TOPIC_STATS_INFO) ---- */

static void
bk_topic_stats(bk_t *bk, mq_req_t *req)
{
    store_topic_config_t tc;
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    if (bk_topic_get(bk, req->u.topic, &tc) != MQ_OK) {
        bk_reply(req, MQ_ENOENT, "topic not exist, apply first please!");
        return;
    }
    rep.u.stats.broker_name = bk_pstr(req->pool, bk->cfg.name);
    rep.u.stats.queues = mq_pcalloc(req->pool, (size_t)(tc.write_queues ? tc.write_queues : 1) *
                                                   sizeof(mq_queue_stat_t));
    for (int qid = 0; qid < tc.write_queues; qid++) {
        mq_queue_stat_t *s = &rep.u.stats.queues[rep.u.stats.n++];
        s->topic = req->u.topic;
        s->queue_id = qid;
        s->min_offset = MQ_MAX(store_min_offset(bk->store, req->u.topic, qid), 0);
        s->max_offset = MQ_MAX(store_max_offset(bk->store, req->u.topic, qid), 0);
        s->last_ts =
            s->max_offset > 0 ? bk_store_time_at(bk, req->u.topic, qid, s->max_offset - 1) : 0;
    }
    req->reply(req, MQ_OK, &rep);
}

/* ---- GROUP_CONNECTIONS (GET_CONSUMER_CONNECTION_LIST) ---- */

static void
bk_group_connections(bk_t *bk, mq_req_t *req)
{
    mq_rep_t rep;
    memset(&rep, 0, sizeof(rep));
    if (bk_clients_connections(bk, req->u.group, req->pool, &rep.u.conns) != MQ_OK) {
        bk_reply(req, MQ_ENOENT, "the consumer group not online");
        return;
    }
    req->reply(req, MQ_OK, &rep);
}

/* ---- BROKER_CONFIG_GET / BROKER_CONFIG_UPDATE ---- */

static void
bk_config_get(bk_t *bk, mq_req_t *req)
{
    mq_rep_t rep;
    bk_kv_t kv;
    memset(&rep, 0, sizeof(rep));
    bk_kv_init(&kv, req->pool, &rep.u.kv);
    bk_config_foreach(&bk->cfg, bk_kv_add, &kv);
    rep.u.kv.version = bk->config_version;
    req->reply(req, MQ_OK, &rep);
}

/* Keys whose new value takes effect at once (the others are written to the config file and
 * take effect at the next start). */
static int
bk_config_is_runtime(const char *key)
{
    static const char *const keys[] = {"autoCreateTopicEnable", "autoCreateSubscriptionGroup",
                                       "longPollingEnable", "shortPollingTimeMills"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

/* As Java's AdminBrokerProcessor.updateBrokerConfig + Configuration.update/persist: every key
 * is checked first (all or nothing), the keys are written back to the config file (the -c
 * file), and then the run-time keys are applied. Keys that need a restart are only written:
 * GET_BROKER_CONFIG goes on showing the value in effect (Java shows the new one at once). When
 * the file cannot be written nothing changes and the reply says why (Java logs it and applies
 * the keys anyway, so a restart would lose them silently). */
static void
bk_config_update(bk_t *bk, mq_req_t *req)
{
    const mq_str_list_t *l = &req->u.config;
    int n = l->n / 2, later = 0;
    bk_config_t *check = mq_palloc(req->pool, sizeof(*check));
    bk_config_t *live = mq_palloc(req->pool, sizeof(*live));
    const char **keys = mq_palloc(req->pool, (size_t)(n ? n : 1) * sizeof(char *));
    const char **values = mq_palloc(req->pool, (size_t)(n ? n : 1) * sizeof(char *));
    char err[256], path[1100], *text;
    int rc;

    *check = bk->cfg; /* every key is checked on a copy first */
    *live = bk->cfg;  /* what the broker runs with afterwards */
    for (int i = 0; i < n; i++) {
        char *key = mq_pstrdup(req->pool, l->items[2 * i]);
        char *value = mq_pstrdup(req->pool, l->items[2 * i + 1]);
        keys[i] = key;
        values[i] = value;
        err[0] = '\0';
        if (strcmp(key, "brokerConfigPath") == 0 || strcmp(key, "configBlackList") == 0) {
            snprintf(err, sizeof(err), "Can not update config in black list.");
            rc = MQ_EPERM; /* Java's default configBlackList */
        } else if (strpbrk(value, "\r\n") || strlen(value) != l->items[2 * i + 1].n) {
            rc = MQ_EINVAL; /* would break the properties file */
        } else if ((rc = bk_config_set(check, key, value, err, sizeof(err))) == MQ_ENOENT) {
            snprintf(err, sizeof(err), "unknown broker config key %s", key);
        } else if (rc == MQ_OK && bk_config_is_runtime(key)) {
            (void)bk_config_set(live, key, value, err, sizeof(err));
        } else if (rc == MQ_OK) {
            later++;
        }
        if (rc != MQ_OK) {
            if (!err[0])
                snprintf(err, sizeof(err), "%s=%s: bad value", key, value);
            text = mq_pstrdup(req->pool, mq_str_from_cstr(err));
            bk_reply(req, rc == MQ_ENOENT || rc == MQ_EPERM ? rc : MQ_EINVAL, text);
            return;
        }
    }
    if (n == 0) {
        bk_reply(req, MQ_OK, NULL);
        return;
    }
    bk_config_file(&bk->cfg, path, sizeof(path));
    if (bk_config_persist(path, keys, values, n, err, sizeof(err)) != MQ_OK) {
        MQ_LOG_ERROR("broker", "broker config update not applied: %s", err);
        bk_reply(req, MQ_EIO, mq_pstrdup(req->pool, mq_str_from_cstr(err)));
        return;
    }
    bk->cfg = *live;
    bk->config_version.counter++;
    bk->config_version.timestamp = mq_now_ms();
    MQ_LOG_INFO("broker", "broker config updated by an admin (%d key(s), written to %s)", n, path);
    if (later)
        MQ_LOG_WARN("broker", "%d updated key(s) take effect when the broker restarts with -c %s",
                    later, path);
    bk_reply(req, MQ_OK, NULL);
}

/* ---- RESET_GROUP_OFFSET (INVOKE_BROKER_TO_RESET_OFFSET) ---- */

static void
bk_reset_offset(bk_t *bk, mq_req_t *req)
{
    const mq_reset_offset_t *r = &req->u.reset_offset;
    char *group = mq_pstrdup(req->pool, r->group), *topic = mq_pstrdup(req->pool, r->topic);
    store_topic_config_t tc;
    int any = 0, told;
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    if (bk_topic_get(bk, r->topic, &tc) != MQ_OK) {
        bk_reply(req, MQ_ENOENT, "[reset-offset] reset offset failed, no topic in this broker.");
        return;
    }
    rep.u.stats.broker_name = bk_pstr(req->pool, bk->cfg.name);
    rep.u.stats.queues = mq_pcalloc(req->pool, (size_t)(tc.write_queues ? tc.write_queues : 1) *
                                                   sizeof(mq_queue_stat_t));
    /* first pass: compute, as Java's Broker2Client.resetOffset */
    for (int qid = 0; qid < tc.write_queues; qid++) {
        int64_t cur = store_offsets_query(bk->offsets, group, topic, qid), to;
        int64_t min = store_min_offset(bk->store, r->topic, qid);
        int64_t max = store_max_offset(bk->store, r->topic, qid);
        mq_queue_stat_t *s;
        if (r->queue_id >= 0 && qid != r->queue_id)
            continue;
        any |= cur >= 0;
        if (r->queue_id >= 0 && r->offset >= 0)
            to = MQ_MIN(MQ_MAX(r->offset, min), max);
        else if (r->timestamp < 0)
            to = max;
        else
            to = store_offset_by_time(bk->store, r->topic, qid, r->timestamp, STORE_BOUNDARY_LOWER);
        if (to < 0)
            to = 0;
        if (!r->force && cur >= 0 && to >= cur)
            to = cur; /* without isForce, offsets only move back */
        s = &rep.u.stats.queues[rep.u.stats.n++];
        s->topic = r->topic;
        s->queue_id = qid;
        s->min_offset = min;
        s->max_offset = max;
        s->group_offset = to;
    }
    if (!any) {
        bk_reply(req, MQ_ENOENT, "THe consumer group not exist");
        return;
    }
    /* second pass: commit, so the reset holds for clients that are offline now, and tell the
     * online ones (Broker2Client.resetOffset), which would otherwise commit over it */
    for (int i = 0; i < rep.u.stats.n; i++)
        store_offsets_commit(bk->offsets, group, topic, rep.u.stats.queues[i].queue_id,
                             rep.u.stats.queues[i].group_offset);
    store_offsets_persist(bk->offsets);
    told = bk_clients_notify_reset(bk, r->group, r->topic, r->timestamp, r->force, &rep.u.stats);
    MQ_LOG_INFO("broker", "offsets of group %s on topic %s reset by an admin; %d client(s) told",
                group, topic, told);
    req->reply(req, MQ_OK, &rep);
}

void
bk_handle_admin_stats(bk_t *bk, mq_req_t *req)
{
    switch (req->op) {
    case MQ_OP_RUNTIME_INFO:
        bk_runtime_info(bk, req);
        break;
    case MQ_OP_CONSUME_STATS:
        bk_consume_stats(bk, req);
        break;
    case MQ_OP_TOPIC_STATS:
        bk_topic_stats(bk, req);
        break;
    case MQ_OP_GROUP_CONNECTIONS:
        bk_group_connections(bk, req);
        break;
    case MQ_OP_BROKER_CONFIG_GET:
        bk_config_get(bk, req);
        break;
    case MQ_OP_BROKER_CONFIG_UPDATE:
        bk_config_update(bk, req);
        break;
    case MQ_OP_RESET_GROUP_OFFSET:
        bk_reset_offset(bk, req);
        break;
    default:
        bk_reply(req, MQ_DECLINED, "operation not served by the broker");
        break;
    }
}
