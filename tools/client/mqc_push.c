/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_push.c -- the push consumer of the client library (mqc.h, "Push consumer"): HEART_BEAT
 * with the group's subscription, one long-polling async pull per owned queue, listener threads
 * that consume each queue in order, a maintenance thread (heartbeats, rebalance on a timer and
 * on NOTIFY_CONSUMER_IDS_CHANGED, offset persistence, delayed pulls), and an orderly shutdown
 * that commits offsets and unregisters. Queue allocation and offsets are in mqc_rebalance.c;
 * the state of a queue is drawn in mqc_push_int.h.
 *
 * A message whose listener returns non-zero is sent back to the group's retry topic, which this
 * consumer also subscribes (mqc_retry.c); when that fails (and for broadcasting and orderly
 * consumers) it comes again after MQC_PULL_DELAY_ERR_MS: the queue is re-pulled from it.
 * Orderly consumers (cfg.orderly) also hold each queue's broker lock: mqc_orderly.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mqc_push_int.h"

#define MQC_MAINT_TICK_MS 20 /* maintenance thread period */

void
mqc_push_config_defaults(mqc_push_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->namesrv = mqc_default_namesrv();
    cfg->sub_expr = "*";
    cfg->model = MQC_CLUSTERING;
    cfg->from = MQC_FROM_LAST_OFFSET;
    cfg->pull_batch = 32;
    cfg->threads = 1;
    cfg->rebalance_interval_ms = 20000;
    cfg->heartbeat_interval_ms = 30000;
    cfg->persist_interval_ms = 5000;
    cfg->lock_interval_ms = 20000;
}

/* ---- Connections and server requests ---- */

/* Moves pq to offset (c->lock held). An idle queue continues from there at once. A busy one (a
 * held pull may not return for 15 s) is dropped without committing its old position, and the
 * next rebalance -- run at once -- takes the queue again from the broker's committed offset,
 * which the reset already set. */
static void
mqc_pq_reset(mqc_push_t *c, mqc_pq_t *pq, int64_t offset)
{
    if (pq->inflight || pq->ready || pq->processing) {
        pq->reset_to = offset;
        pq->dropped = 1;
        c->rebalance_now = 1;
        return;
    }
    pq->next_offset = pq->consumed = pq->committed = offset;
    pq->pull_at_ms = mq_now_ms();
}

/* RESET_CONSUMER_CLIENT_OFFSET (an admin's resetOffsetByTime): the body is a ResetOffsetBody,
 * {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5,...}} with fastjson's object
 * keys; each key object is standard JSON, read on its own. */
static void
mqc_push_reset_offsets(mqc_push_t *c, const rmq_cmd_t *cmd)
{
    mq_str_t group, topic;
    const char *p, *end;

    if (!rmq_cmd_ext(cmd, "group", &group) || !mq_str_eq_cstr(group, c->group) ||
        !rmq_cmd_ext(cmd, "topic", &topic) || !mq_str_eq_cstr(topic, c->topic) || !cmd->body.p)
        return;
    p = memchr(cmd->body.p, ':', cmd->body.n); /* after "offsetTable" */
    end = cmd->body.p + cmd->body.n;
    if (!p || (p = memchr(p, '{', (size_t)(end - p))) == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    while (++p < end && (p = memchr(p, '{', (size_t)(end - p))) != NULL) {
        const char *close = memchr(p, '}', (size_t)(end - p));
        json_t *key;
        char *num_end;
        long long off;
        if (!close || close + 1 >= end || close[1] != ':')
            break;
        key = json_loadb(p, (size_t)(close - p + 1), 0, NULL);
        off = strtoll(close + 2, &num_end, 10);
        if (key && num_end != close + 2 && off >= 0) {
            const char *bn = json_string_value(json_object_get(key, "brokerName"));
            const char *tp = json_string_value(json_object_get(key, "topic"));
            json_int_t qid = json_integer_value(json_object_get(key, "queueId"));
            for (mqc_pq_t *pq = c->pqs; pq && bn && tp; pq = pq->next)
                if (!pq->dropped && pq->mq.queue_id == qid && strcmp(pq->mq.broker_name, bn) == 0 &&
                    strcmp(pq->mq.topic, tp) == 0)
                    mqc_pq_reset(c, pq, off);
        }
        json_decref(key);
        p = close;
    }
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static void
mqc_push_on_request(void *arg, mqc_conn_t *conn, const rmq_cmd_t *cmd)
{
    mqc_push_t *c = arg;
    int known = cmd->code == RMQ_NOTIFY_CONSUMER_IDS_CHANGED ||
                cmd->code == RMQ_RESET_CONSUMER_CLIENT_OFFSET;
    if (cmd->code == RMQ_NOTIFY_CONSUMER_IDS_CHANGED) {
        pthread_mutex_lock(&c->lock);
        c->rebalance_now = 1;
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&c->lock);
    } else if (cmd->code == RMQ_RESET_CONSUMER_CLIENT_OFFSET) {
        mqc_push_reset_offsets(c, cmd);
    }
    if (!rmq_cmd_is_oneway(cmd)) {
        rmq_cmd_t resp;
        rmq_cmd_init(&resp, known ? RMQ_RC_SUCCESS : RMQ_RC_REQUEST_CODE_NOT_SUPPORTED, cmd->opaque,
                     RMQ_FLAG_RESPONSE);
        (void)mqc_conn_respond(conn, &resp);
    }
}

/* The connection to a broker address with our server-request callback installed. */
static mqc_conn_t *
mqc_push_conn_addr(mqc_push_t *c, const char *addr)
{
    mqc_conn_t *conn;
    if (mqc_brokers_get(c->brokers, addr, &conn) != MQ_OK)
        return NULL;
    mqc_conn_on_server_request(conn, mqc_push_on_request, c);
    return conn;
}

mqc_conn_t *
mqc_push_conn(mqc_push_t *c, const char *broker_name)
{
    char addr[128] = "";
    const char *a;
    pthread_mutex_lock(&c->lock);
    a = mqc_route_master(&c->route, broker_name);
    if (a)
        snprintf(addr, sizeof(addr), "%s", a);
    pthread_mutex_unlock(&c->lock);
    return addr[0] ? mqc_push_conn_addr(c, addr) : NULL;
}

/* ---- Pulls ---- */

static void
mqc_push_ready(mqc_push_t *c, mqc_pq_t *pq)
{
    pq->ready = 1;
    pq->ready_next = NULL;
    if (c->ready_tail)
        c->ready_tail->ready_next = pq;
    else
        c->ready_head = pq;
    c->ready_tail = pq;
    pthread_cond_broadcast(&c->cond);
}

/* Async completion of a pull (reader thread): keep what the worker needs, queue the pq. */
static void
mqc_push_pull_done(void *arg, int status, const rmq_cmd_t *resp)
{
    mqc_pq_t *pq = arg;
    mqc_push_t *c = pq->owner;
    int64_t v;
    pthread_mutex_lock(&c->lock);
    pq->inflight = 0;
    pq->resp_status = status;
    mq_buf_reset(&pq->resp_body);
    if (status == MQ_OK) {
        pq->resp_code = resp->code;
        pq->resp_next = rmq_cmd_ext_i64(resp, "nextBeginOffset", &v) == MQ_OK ? v : -1;
        if (resp->code == RMQ_RC_SUCCESS)
            mq_buf_append_str(&pq->resp_body, resp->body);
    }
    mqc_push_ready(c, pq);
    pthread_mutex_unlock(&c->lock);
}

void
mqc_push_pull_issue(mqc_push_t *c, mqc_pq_t *pq)
{
    rmq_cmd_t req;
    mqc_conn_t *conn;
    int flags = MQC_PULL_FLAG_SUSPEND | MQC_PULL_FLAG_SUBSCRIPTION, rc;
    int64_t commit = 0;
    if (pq->dropped || c->stopping || pq->inflight || pq->ready || pq->processing)
        return;
    if (!mqc_orderly_check(c, pq))
        return; /* orderly: no pull without the queue's lock */
    pq->inflight = 1;
    pq->pull_at_ms = 0;
    if (c->sql92 && !mqc_retry_is(c, &pq->mq))
        flags &= ~MQC_PULL_FLAG_SUBSCRIPTION; /* the broker uses the heartbeat's SQL92, as Java
                                                 does without postSubscriptionWhenPull */
    if (c->cfg.model == MQC_CLUSTERING && pq->consumed > 0) {
        flags |= MQC_PULL_FLAG_COMMIT;
        commit = pq->consumed;
    }
    mq_pool_reset(&pq->req_pool);
    mqc_pull_header(&req, &pq->req_pool, c->group, &pq->mq, mqc_retry_expr(c, &pq->mq),
                    pq->next_offset, c->cfg.pull_batch, flags, commit, MQC_PULL_HOLD_MS,
                    c->sub_version);
    pthread_mutex_unlock(&c->lock);
    conn = mqc_push_conn(c, pq->mq.broker_name);
    rc = conn ? mqc_call_async(conn, &req, MQC_PULL_TIMEOUT_MS, mqc_push_pull_done, pq) : MQ_EIO;
    pthread_mutex_lock(&c->lock);
    if (rc != MQ_OK) {
        pq->inflight = 0;
        pq->pull_at_ms = mq_now_ms() + MQC_PULL_DELAY_ERR_MS;
    }
}

/* ---- Listener threads ---- */

/* Sets pq's offsets under the lock (persist and rebalance read them from other threads). */
static void
mqc_pq_set(mqc_push_t *c, mqc_pq_t *pq, int64_t next, int64_t consumed)
{
    pthread_mutex_lock(&c->lock);
    if (next >= 0)
        pq->next_offset = next;
    if (consumed >= 0)
        pq->consumed = consumed;
    pthread_mutex_unlock(&c->lock);
}

/* Consumes pq's response (c->lock not held; pq is PROCESSING, so no pull touches it). Returns
 * the delay before the next pull in ms (0: at once, -1: shutting down) and updates the
 * offsets. */
static int
mqc_push_consume(mqc_push_t *c, mqc_pq_t *pq, mq_pool_t *pool)
{
    mqc_received_t *msgs;
    int64_t last;
    int n;
    if (pq->resp_status != MQ_OK)
        return MQC_PULL_DELAY_ERR_MS;
    switch (pq->resp_code) {
    case RMQ_RC_SUCCESS:
        break;
    case RMQ_RC_PULL_NOT_FOUND:
    case RMQ_RC_PULL_RETRY_IMMEDIATELY:
        mqc_pq_set(c, pq, pq->resp_next, -1);
        return 0;
    case RMQ_RC_PULL_OFFSET_MOVED: /* start again where the broker says, and remember it */
        mqc_pq_set(c, pq, pq->resp_next, pq->resp_next);
        return 0;
    default:
        return MQC_PULL_DELAY_ERR_MS; /* SUBSCRIPTION_NOT_LATEST, busy, ... */
    }
    n = mqc_msg_decode_pull(mq_buf_view(&pq->resp_body), mqc_retry_expr(c, &pq->mq), pool, &msgs,
                            &last);
    if (n < 0)
        return MQC_PULL_DELAY_ERR_MS;
    mqc_retry_restore(c, &pq->mq, msgs, n, pool); /* %RETRY%: the original topic */
    for (int i = 0; i < n; i++) {
        int stop;
        pthread_mutex_lock(&c->lock);
        if (i > 0)
            pq->consumed = msgs[i - 1].queue_offset + 1;
        /* orderly: stop after the in-flight message once dropped or without the lock */
        stop = (pq->dropped && c->stopping) || !mqc_orderly_check(c, pq);
        pthread_mutex_unlock(&c->lock);
        if (stop)
            return -1; /* the rest is consumed by whoever comes next */
        /* orderly: never sent back (it would come after later messages); local retry */
        if (c->fn(c->arg, &msgs[i]) != 0 &&
            (mqc_orderly_on(c) || mqc_retry_send_back(c, &pq->mq, &msgs[i]) != MQ_OK)) {
            mqc_pq_set(c, pq, msgs[i].queue_offset, msgs[i].queue_offset);
            return MQC_PULL_DELAY_ERR_MS;
        }
    }
    last = pq->resp_next >= 0 ? pq->resp_next : last + 1;
    mqc_pq_set(c, pq, last, last);
    return 0;
}

static void *
mqc_push_worker_main(void *arg)
{
    mqc_push_t *c = arg;
    mq_pool_t pool;
    mq_pool_init(&pool, 64 * 1024);
    pthread_mutex_lock(&c->lock);
    for (;;) {
        mqc_pq_t *pq;
        int delay;
        while (!c->stopping && !c->ready_head)
            pthread_cond_wait(&c->cond, &c->lock);
        if (c->stopping)
            break;
        pq = c->ready_head;
        c->ready_head = pq->ready_next;
        if (!c->ready_head)
            c->ready_tail = NULL;
        pq->ready = 0;
        if (pq->dropped)
            continue; /* rebalance frees it */
        pq->processing = 1;
        pthread_mutex_unlock(&c->lock);
        delay = mqc_push_consume(c, pq, &pool);
        mq_pool_reset(&pool);
        pthread_mutex_lock(&c->lock);
        pq->processing = 0;
        if (pq->dropped) {
            pthread_cond_broadcast(&c->cond); /* rebalance / shutdown may wait for this */
            continue;
        }

        if (delay == 0)
            mqc_push_pull_issue(c, pq);
        else if (delay > 0)
            pq->pull_at_ms = mq_now_ms() + delay;
    }
    pthread_mutex_unlock(&c->lock);
    mq_pool_fini(&pool);
    return NULL;
}

/* ---- Heartbeats ---- */

static json_t *
mqc_sub_json(const char *topic, const char *expr, const mqc_tags_t *tags, int sql92,
             int64_t version)
{
    json_t *sub = json_object(), *tset = json_array(), *cset = json_array();
    if (!tags->all) {
        for (int i = 0; i < tags->n; i++) {
            json_array_append_new(tset, json_string(tags->tag[i]));
            json_array_append_new(cset, json_integer(mq_java_hash(mq_str_from_cstr(tags->tag[i]))));
        }
    }
    json_object_set_new(sub, "classFilterMode", json_false());
    json_object_set_new(sub, "codeSet", cset);
    json_object_set_new(sub, "expressionType", json_string(sql92 ? "SQL92" : "TAG"));
    json_object_set_new(sub, "subString", json_string(tags->all && !sql92 ? "*" : expr));
    json_object_set_new(sub, "subVersion", json_integer(version));
    json_object_set_new(sub, "tagsSet", tset);
    json_object_set_new(sub, "topic", json_string(topic));
    return sub;
}

/* The HeartbeatData body (rocketmq-protocol.md section 3.2), as the Java client builds it. */
static char *
mqc_heartbeat_body(mqc_push_t *c)
{
    static const char *from[] = {"CONSUME_FROM_LAST_OFFSET", "CONSUME_FROM_FIRST_OFFSET",
                                 "CONSUME_FROM_TIMESTAMP"};
    json_t *root = json_object(), *cd = json_object(), *subs = json_array(), *cds = json_array();
    mqc_tags_t all = {.all = 1};
    char retry[300];
    char *out;
    json_array_append_new(subs,
                          mqc_sub_json(c->topic, c->sub_expr, &c->tags, c->sql92, c->sub_version));
    if (c->cfg.model == MQC_CLUSTERING) {
        snprintf(retry, sizeof(retry), "%%RETRY%%%s", c->group);
        json_array_append_new(subs, mqc_sub_json(retry, "*", &all, 0, c->sub_version));
    }
    json_object_set_new(cd, "consumeFromWhere", json_string(from[c->cfg.from]));
    json_object_set_new(cd, "consumeType", json_string("CONSUME_PASSIVELY"));
    json_object_set_new(cd, "groupName", json_string(c->group));
    json_object_set_new(
        cd, "messageModel",
        json_string(c->cfg.model == MQC_CLUSTERING ? "CLUSTERING" : "BROADCASTING"));
    json_object_set_new(cd, "subscriptionDataSet", subs);
    json_object_set_new(cd, "unitMode", json_false());
    json_array_append_new(cds, cd);
    json_object_set_new(root, "clientID", json_string(c->client_id));
    json_object_set_new(root, "consumerDataSet", cds);
    json_object_set_new(root, "heartbeatFingerprint", json_integer(0));
    json_object_set_new(root, "producerDataSet", json_array());
    json_object_set_new(root, "withoutSub", json_false());
    out = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return out;
}

/* Copies the master addresses of the current route (under no lock). */
static int
mqc_push_masters(mqc_push_t *c, char (*addrs)[128], int max)
{
    int n = 0;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < c->route.n_brokers && n < max; i++) {
        int dup = 0;
        if (c->route.brokers[i].id != 0)
            continue;
        for (int k = 0; k < n; k++)
            dup |= strcmp(addrs[k], c->route.brokers[i].addr) == 0;
        if (!dup)
            snprintf(addrs[n++], 128, "%s", c->route.brokers[i].addr);
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

void
mqc_push_heartbeat(mqc_push_t *c)
{
    char addrs[16][128];
    char *body = mqc_heartbeat_body(c);
    int n = mqc_push_masters(c, addrs, 16);
    for (int i = 0; i < n; i++) {
        mq_pool_t pool;
        rmq_cmd_t req, resp;
        mqc_conn_t *conn = mqc_push_conn_addr(c, addrs[i]);
        if (!conn)
            continue;
        mq_pool_init(&pool, 0);
        rmq_cmd_init(&req, RMQ_HEART_BEAT, 0, 0);
        req.body = mq_str_from_cstr(body);
        (void)mqc_call(conn, &req, 3000, &pool, &resp);
        mq_pool_fini(&pool);
    }
    free(body);
}

static void
mqc_push_unregister(mqc_push_t *c)
{
    char addrs[16][128];
    int n = mqc_push_masters(c, addrs, 16);
    for (int i = 0; i < n; i++) {
        mq_pool_t pool;
        rmq_cmd_t req, resp;
        mqc_conn_t *conn = mqc_push_conn_addr(c, addrs[i]);
        if (!conn)
            continue;
        mq_pool_init(&pool, 0);
        rmq_cmd_init(&req, RMQ_UNREGISTER_CLIENT, 0, 0);
        rmq_cmd_add(&req, &pool, "clientID", mq_str_from_cstr(c->client_id));
        rmq_cmd_add(&req, &pool, "consumerGroup", mq_str_from_cstr(c->group));
        (void)mqc_call(conn, &req, 3000, &pool, &resp);
        mq_pool_fini(&pool);
    }
}

/* Fetches the topic's route into c->route. */
static int
mqc_push_refresh_route(mqc_push_t *c)
{
    mqc_route_t r;
    int rc = mqc_route_get(c->ns, c->topic, &r);
    if (rc != MQ_OK)
        return rc;
    pthread_mutex_lock(&c->lock);
    mqc_route_fini(&c->route);
    c->route = r;
    pthread_mutex_unlock(&c->lock);
    mqc_retry_refresh_route(c);
    return MQ_OK;
}

/* ---- Maintenance thread ---- */

static void *
mqc_push_maint_main(void *arg)
{
    mqc_push_t *c = arg;
    int64_t now = mq_now_ms();
    int64_t next_hb = now + c->cfg.heartbeat_interval_ms;
    int64_t next_rb = now + c->cfg.rebalance_interval_ms;
    int64_t next_persist = now + c->cfg.persist_interval_ms;
    int64_t next_lock = now + c->cfg.lock_interval_ms; /* orderly lock renewal */
    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        struct timespec ts;
        int rebalance = c->rebalance_now;
        now = mq_now_ms();
        if (rebalance || now >= next_rb || now >= next_hb || now >= next_persist ||
            now >= next_lock) {
            int hb = now >= next_hb, persist = now >= next_persist;
            c->rebalance_now = 0;
            pthread_mutex_unlock(&c->lock);
            if (hb) {
                mqc_push_heartbeat(c);
                next_hb = now + c->cfg.heartbeat_interval_ms;
            }
            if (rebalance || now >= next_rb) {
                int masters = c->route.n_brokers;
                (void)mqc_push_refresh_route(c);
                if (c->route.n_brokers != masters) /* a broker came or went: tell it now */
                    mqc_push_heartbeat(c);
                mqc_rebalance_run(c);
                next_rb = now + (c->lock_refused ? MQC_PULL_DELAY_ERR_MS /* orderly: retry */
                                                 : c->cfg.rebalance_interval_ms);
            }
            if (now >= next_lock) {
                mqc_orderly_lock_all(c);
                next_lock = now + c->cfg.lock_interval_ms;
            }
            if (persist) {
                mqc_offsets_persist(c, 0);
                next_persist = now + c->cfg.persist_interval_ms;
            }
            pthread_mutex_lock(&c->lock);
            continue;
        }
        for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next) {
            if (pq->pull_at_ms && pq->pull_at_ms <= now && !c->stopping) {
                mqc_push_pull_issue(c, pq);
                break; /* the list may have changed while unlocked: rescan next tick */
            }
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += MQC_MAINT_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!c->stopping && !c->rebalance_now)
            pthread_cond_timedwait(&c->cond, &c->lock, &ts);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* ---- Start, shutdown ---- */

static char *
mqc_dup_or(const char *s, const char *def)
{
    return mq_xstrdup(s && *s ? s : def);
}

int
mqc_push_start(const mqc_push_config_t *cfg, mqc_listener_fn fn, void *arg, mqc_push_t **out,
               char *err, size_t errlen)
{
    mqc_push_t *c;
    int rc;
    *out = NULL;
    if (!cfg || !fn || !cfg->group || !*cfg->group || !cfg->topic || !*cfg->topic)
        return mqc_fail(err, errlen, MQ_EINVAL, "push consumer needs a group, a topic, a listener");
    if ((int)cfg->from < 0 || cfg->from > MQC_FROM_TIMESTAMP)
        return mqc_fail(err, errlen, MQ_EINVAL, "bad consume-from");
    c = mq_xcalloc(1, sizeof(*c));
    c->cfg = *cfg;
    c->namesrv = mqc_dup_or(cfg->namesrv, "127.0.0.1:9876");
    c->group = mq_xstrdup(cfg->group);
    c->topic = mq_xstrdup(cfg->topic);
    c->sub_expr = mqc_dup_or(cfg->sub_expr, "*");
    mqc_retry_init(c);
    if (cfg->offset_store_dir && *cfg->offset_store_dir) {
        c->offset_dir = mq_xstrdup(cfg->offset_store_dir);
    } else {
        const char *home = getenv("HOME");
        size_t n = strlen(home ? home : ".") + 32;
        c->offset_dir = mq_xmalloc(n);
        snprintf(c->offset_dir, n, "%s/.rocketmq_offsets", home ? home : ".");
    }
    if (c->cfg.pull_batch <= 0)
        c->cfg.pull_batch = 32;
    if (c->cfg.threads <= 0)
        c->cfg.threads = 1;
    if (c->cfg.rebalance_interval_ms <= 0)
        c->cfg.rebalance_interval_ms = 20000;
    if (c->cfg.heartbeat_interval_ms <= 0)
        c->cfg.heartbeat_interval_ms = 30000;
    if (c->cfg.persist_interval_ms <= 0)
        c->cfg.persist_interval_ms = 5000;
    if (c->cfg.lock_interval_ms <= 0)
        c->cfg.lock_interval_ms = 20000;
    if (cfg->client_id && *cfg->client_id)
        snprintf(c->client_id, sizeof(c->client_id), "%s", cfg->client_id);
    else
        mqc_client_id(c->client_id, sizeof(c->client_id));
    c->sub_version = mq_now_ms();
    c->fn = fn;
    c->arg = arg;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    mq_strmap_init(&c->file_offsets);
    c->brokers = mqc_brokers_new();
    c->sql92 = cfg->sub_type && strcmp(cfg->sub_type, "SQL92") == 0;
    rc = c->sql92 ? mqc_tags_parse("*", &c->tags) : mqc_tags_parse(c->sub_expr, &c->tags);
    if (rc != MQ_OK) {
        mqc_fail(err, errlen, rc, "bad subscription '%s'", c->sub_expr);
        goto fail;
    }
    rc = mqc_namesrv_new(c->namesrv, &c->ns, err, errlen);
    if (rc != MQ_OK)
        goto fail;
    rc = mqc_push_refresh_route(c);
    if (rc != MQ_OK) {
        mqc_fail(err, errlen, rc, "no route for topic %s: %s", c->topic, mq_err_text(rc));
        goto fail;
    }
    if (c->cfg.model == MQC_BROADCASTING)
        mqc_offsets_load(c);
    mqc_push_heartbeat(c);
    mqc_rebalance_run(c);
    c->workers = mq_xcalloc((size_t)c->cfg.threads, sizeof(*c->workers));
    for (; c->n_workers < c->cfg.threads; c->n_workers++)
        if (pthread_create(&c->workers[c->n_workers], NULL, mqc_push_worker_main, c) != 0)
            break;
    if (c->n_workers == 0 || pthread_create(&c->maint, NULL, mqc_push_maint_main, c) != 0) {
        rc = mqc_fail(err, errlen, MQ_ERR, "cannot start threads");
        goto fail;
    }
    *out = c;
    return MQ_OK;
fail:
    c->maint = 0;
    mqc_push_shutdown(c);
    return rc;
}

void
mqc_push_shutdown(mqc_push_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stopping = 1;
    for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next)
        pq->dropped = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    if (c->maint)
        pthread_join(c->maint, NULL);
    for (int i = 0; i < c->n_workers; i++)
        pthread_join(c->workers[i], NULL);
    /* nothing consumes any more: commit what was consumed, then leave the group */
    if (c->ns) {
        mqc_offsets_persist(c, 1);
        mqc_orderly_unlock_all(c); /* after the commits: the next owners start from them */
        mqc_push_unregister(c);
    }
    mqc_brokers_free(c->brokers); /* fails the held pulls; their callbacks only queue */
    while (c->pqs) {
        mqc_pq_t *pq = c->pqs;
        c->pqs = pq->next;
        mqc_pq_free(pq);
    }
    mqc_namesrv_free(c->ns);
    mqc_route_fini(&c->route);
    mqc_route_fini(&c->retry_route);
    mq_strmap_fini(&c->file_offsets, NULL);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c->workers);
    free(c->namesrv);
    free(c->group);
    free(c->topic);
    free(c->sub_expr);
    free(c->offset_dir);
    free(c);
}

int
mqc_push_assigned(mqc_push_t *c, mqc_mq_t **mqs, int *n, mq_pool_t *pool)
{
    int count = 0, i = 0;
    pthread_mutex_lock(&c->lock);
    for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next)
        count += !pq->dropped;
    *mqs = count ? mq_pcalloc(pool, (size_t)count * sizeof(**mqs)) : NULL;
    for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next)
        if (!pq->dropped)
            (*mqs)[i++] = pq->mq;
    pthread_mutex_unlock(&c->lock);
    if (count > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(*mqs, (size_t)count, sizeof(**mqs), mqc_mq_cmp);
    *n = count;
    return MQ_OK;
}
