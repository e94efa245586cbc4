/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_txn.c -- the transactional producer (mqc_txn.h), as DefaultMQProducerImpl's
 * sendMessageInTransaction / endTransaction / checkTransactionState do it:
 *
 *   half:  SEND_MESSAGE_V2 with sysFlag PREPARED and properties TRAN_MSG=true, PGROUP=group
 *   local: the caller's function gives COMMIT, ROLLBACK or UNKNOWN
 *   end:   END_TRANSACTION (one-way) producerGroup, tranStateTableOffset (the half's queue
 *          offset), commitLogOffset (from the half's offset msgId), commitOrRollback, msgId,
 *          transactionId, fromTransactionCheck=false
 *   check: the broker sends CHECK_TRANSACTION_STATE on a connection this producer heartbeats
 *          on; the check listener's answer goes back as END_TRANSACTION fromTransactionCheck=true
 *
 * The producer keeps its own broker connections (checks arrive on them) and a heartbeat thread
 * that sends HEART_BEAT with its producer group to every broker it sent to or watches.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mqc_int.h"
#include "mqc_txn.h"

#define MQC_TXN_MAX_BROKERS 64

struct mqc_txn_producer_s {
    mqc_txn_config_t cfg;                 /* copy; strings below */
    char *namesrv;                        /* cfg.namesrv copy */
    char *group;                          /* cfg.group copy */
    char client_id[128];                  /* clientID of the heartbeats */
    mqc_namesrv_t *ns;                    /* NameServer list */
    mqc_brokers_t *brokers;               /* broker connections (checks arrive on them) */
    pthread_mutex_t lock;                 /* everything below */
    pthread_cond_t cond;                  /* stop, checks */
    char addrs[MQC_TXN_MAX_BROKERS][128]; /* brokers to heartbeat */
    int n_addrs;                          /* entries in addrs */
    mq_uniq_gen_t uniq;                   /* UNIQ_KEYs */
    uint32_t rr;                          /* round robin over queues */
    int64_t checks;                       /* checks answered */
    int stop;                             /* the heartbeat thread leaves */
    pthread_t hb;                         /* heartbeat thread */
};

void
mqc_txn_config_defaults(mqc_txn_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->namesrv = mqc_default_namesrv();
    cfg->group = "DEFAULT_TXN_PRODUCER";
    cfg->send_timeout_ms = 3000;
    cfg->heartbeat_interval_ms = 30000;
}

/* ---- Checks from the broker ---- */

/* Sends END_TRANSACTION (one-way) on conn. */
static int
mqc_txn_end(mqc_txn_producer_t *tp, mqc_conn_t *conn, int64_t state_off, int64_t phys_off,
            mqc_txn_state_t state, const char *msg_id, const char *txn_id, int from_check)
{
    mq_pool_t pool;
    rmq_cmd_t req;
    int rc;

    mq_pool_init(&pool, 0);
    rmq_cmd_init(&req, RMQ_END_TRANSACTION, 0, 0);
    rmq_cmd_add(&req, &pool, "producerGroup", mq_str_from_cstr(tp->group));
    rmq_cmd_add_i64(&req, &pool, "tranStateTableOffset", state_off);
    rmq_cmd_add_i64(&req, &pool, "commitLogOffset", phys_off);
    rmq_cmd_add_i64(&req, &pool, "commitOrRollback", state);
    rmq_cmd_add(&req, &pool, "fromTransactionCheck", from_check ? MQ_STR("true") : MQ_STR("false"));
    rmq_cmd_add(&req, &pool, "msgId", mq_str_from_cstr(msg_id));
    rmq_cmd_add(&req, &pool, "transactionId", mq_str_from_cstr(txn_id));
    rc = mqc_send_oneway(conn, &req);
    mq_pool_fini(&pool);
    return rc;
}

/* An ext field copied into buf ("" when absent). */
static void
mqc_txn_ext(const rmq_cmd_t *cmd, const char *key, char *buf, size_t n)
{
    mq_str_t v;
    if (rmq_cmd_ext(cmd, key, &v))
        snprintf(buf, n, "%.*s", (int)v.n, v.p);
    else
        buf[0] = '\0';
}

/* mqc_server_request_fn: CHECK_TRANSACTION_STATE (reader thread). */
static void
mqc_txn_on_request(void *arg, mqc_conn_t *conn, const rmq_cmd_t *cmd)
{
    mqc_txn_producer_t *tp = arg;
    mqc_txn_state_t state = MQC_TXN_UNKNOWN;
    mqc_received_t *msgs = NULL;
    int64_t state_off, phys_off, last;
    char msg_id[128], txn_id[128];
    mq_pool_t pool;
    int n;

    if (cmd->code != RMQ_CHECK_TRANSACTION_STATE) {
        if (!rmq_cmd_is_oneway(cmd)) {
            rmq_cmd_t resp;
            rmq_cmd_init(&resp, RMQ_RC_REQUEST_CODE_NOT_SUPPORTED, cmd->opaque, 0);
            (void)mqc_conn_respond(conn, &resp);
        }
        return;
    }
    if (rmq_cmd_ext_i64(cmd, "tranStateTableOffset", &state_off) != MQ_OK ||
        rmq_cmd_ext_i64(cmd, "commitLogOffset", &phys_off) != MQ_OK)
        return;
    mqc_txn_ext(cmd, "msgId", msg_id, sizeof(msg_id));
    mqc_txn_ext(cmd, "transactionId", txn_id, sizeof(txn_id));
    mq_pool_init(&pool, 0);
    n = mqc_msg_decode_pull(cmd->body, NULL, &pool, &msgs, &last);
    if (n == 1 && tp->cfg.check)
        state = tp->cfg.check(tp->cfg.check_arg, &msgs[0]);
    if (n == 1) {
        if (!msg_id[0])
            snprintf(msg_id, sizeof(msg_id), "%s", msgs[0].msg_id);
        (void)mqc_txn_end(tp, conn, state_off, phys_off, state, msg_id, txn_id[0] ? txn_id : msg_id,
                          1);
    }
    mq_pool_fini(&pool);
    pthread_mutex_lock(&tp->lock);
    tp->checks++;
    pthread_cond_broadcast(&tp->cond);
    pthread_mutex_unlock(&tp->lock);
}

int64_t
mqc_txn_checks_wait(mqc_txn_producer_t *tp, int64_t want, int timeout_ms)
{
    struct timespec ts;
    int64_t n;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&tp->lock);
    while (tp->checks < want && !tp->stop)
        if (pthread_cond_timedwait(&tp->cond, &tp->lock, &ts) != 0)
            break;
    n = tp->checks;
    pthread_mutex_unlock(&tp->lock);
    return n;
}

/* ---- Connections and heartbeats ---- */

/* A connection to addr with our check handler on it. */
static int
mqc_txn_conn(mqc_txn_producer_t *tp, const char *addr, mqc_conn_t **out)
{
    int rc = mqc_brokers_get(tp->brokers, addr, out);
    if (rc == MQ_OK)
        mqc_conn_on_server_request(*out, mqc_txn_on_request, tp);
    return rc;
}

/* HeartbeatData with our producer group only (section 3.2). */
static char *
mqc_txn_heartbeat_body(const mqc_txn_producer_t *tp)
{
    json_t *root = json_object(), *pds = json_array(), *pd = json_object();
    char *out;
    json_object_set_new(pd, "groupName", json_string(tp->group));
    json_array_append_new(pds, pd);
    json_object_set_new(root, "clientID", json_string(tp->client_id));
    json_object_set_new(root, "consumerDataSet", json_array());
    json_object_set_new(root, "heartbeatFingerprint", json_integer(0));
    json_object_set_new(root, "producerDataSet", pds);
    json_object_set_new(root, "withoutSub", json_false());
    out = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return out;
}

static int
mqc_txn_heartbeat_one(mqc_txn_producer_t *tp, const char *addr, int code)
{
    mq_pool_t pool;
    rmq_cmd_t req, resp;
    mqc_conn_t *conn;
    char *body = NULL;
    int rc = mqc_txn_conn(tp, addr, &conn);
    if (rc != MQ_OK)
        return rc;
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&req, code, 0, 0);
    if (code == RMQ_HEART_BEAT) {
        body = mqc_txn_heartbeat_body(tp);
        req.body = mq_str_from_cstr(body);
    } else { /* UNREGISTER_CLIENT */
        rmq_cmd_add(&req, &pool, "clientID", mq_str_from_cstr(tp->client_id));
        rmq_cmd_add(&req, &pool, "producerGroup", mq_str_from_cstr(tp->group));
    }
    rc = mqc_call(conn, &req, tp->cfg.send_timeout_ms, &pool, &resp);
    if (rc == MQ_OK && resp.code != RMQ_RC_SUCCESS)
        rc = MQ_ERR;
    mq_pool_fini(&pool);
    free(body);
    return rc;
}

/* Adds addr to the heartbeat list; heartbeats at once when it is new. */
static void
mqc_txn_track(mqc_txn_producer_t *tp, const char *addr)
{
    int known = 0;
    pthread_mutex_lock(&tp->lock);
    for (int i = 0; i < tp->n_addrs && !known; i++)
        known = strcmp(tp->addrs[i], addr) == 0;
    if (!known && tp->n_addrs < MQC_TXN_MAX_BROKERS)
        snprintf(tp->addrs[tp->n_addrs++], 128, "%s", addr);
    pthread_mutex_unlock(&tp->lock);
    if (!known)
        (void)mqc_txn_heartbeat_one(tp, addr, RMQ_HEART_BEAT);
}

/* Sends code (HEART_BEAT or UNREGISTER_CLIENT) to every tracked broker. */
static void
mqc_txn_heartbeat_all(mqc_txn_producer_t *tp, int code)
{
    char addrs[MQC_TXN_MAX_BROKERS][128];
    int n;
    pthread_mutex_lock(&tp->lock);
    n = tp->n_addrs;
    memcpy(addrs, tp->addrs, sizeof(addrs[0]) * (size_t)n);
    pthread_mutex_unlock(&tp->lock);
    for (int i = 0; i < n; i++)
        (void)mqc_txn_heartbeat_one(tp, addrs[i], code);
}

static void *
mqc_txn_hb_main(void *arg)
{
    mqc_txn_producer_t *tp = arg;
    for (;;) {
        struct timespec ts;
        int stop;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += tp->cfg.heartbeat_interval_ms / 1000;
        ts.tv_nsec += (long)(tp->cfg.heartbeat_interval_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&tp->lock);
        while (!tp->stop && pthread_cond_timedwait(&tp->cond, &tp->lock, &ts) == 0)
            ;
        stop = tp->stop;
        pthread_mutex_unlock(&tp->lock);
        if (stop)
            return NULL;
        mqc_txn_heartbeat_all(tp, RMQ_HEART_BEAT);
    }
}

/* ---- Lifecycle ---- */

int
mqc_txn_producer_new(const mqc_txn_config_t *cfg, mqc_txn_producer_t **out, char *err,
                     size_t errlen)
{
    mqc_txn_producer_t *tp;
    uint8_t ip[4];
    int rc;

    *out = NULL;
    if (!cfg || !cfg->namesrv || !cfg->group || !*cfg->group)
        return mqc_fail(err, errlen, MQ_EINVAL, "producer needs a NameServer and a group");
    tp = mq_xcalloc(1, sizeof(*tp));
    tp->cfg = *cfg;
    if (tp->cfg.send_timeout_ms <= 0)
        tp->cfg.send_timeout_ms = 3000;
    if (tp->cfg.heartbeat_interval_ms <= 0)
        tp->cfg.heartbeat_interval_ms = 30000;
    tp->namesrv = mq_xstrdup(cfg->namesrv);
    tp->group = mq_xstrdup(cfg->group);
    tp->cfg.namesrv = tp->namesrv;
    tp->cfg.group = tp->group;
    rc = mqc_namesrv_new(tp->namesrv, &tp->ns, err, errlen);
    if (rc != MQ_OK) {
        free(tp->namesrv);
        free(tp->group);
        free(tp);
        return rc;
    }
    mqc_client_id(tp->client_id, sizeof(tp->client_id));
    tp->brokers = mqc_brokers_new();
    pthread_mutex_init(&tp->lock, NULL);
    pthread_cond_init(&tp->cond, NULL);
    mqc_local_ip4(ip);
    mq_uniq_gen_init(&tp->uniq, ip, (uint16_t)getpid(),
                     (uint32_t)(uintptr_t)tp ^ (uint32_t)mq_mono_ns());
    if (pthread_create(&tp->hb, NULL, mqc_txn_hb_main, tp) != 0)
        abort();
    *out = tp;
    return MQ_OK;
}

void
mqc_txn_producer_free(mqc_txn_producer_t *tp)
{
    if (!tp)
        return;
    pthread_mutex_lock(&tp->lock);
    tp->stop = 1;
    pthread_cond_broadcast(&tp->cond);
    pthread_mutex_unlock(&tp->lock);
    pthread_join(tp->hb, NULL);
    mqc_txn_heartbeat_all(tp, RMQ_UNREGISTER_CLIENT);
    mqc_brokers_free(tp->brokers); /* no check can run after this */
    mqc_namesrv_free(tp->ns);
    pthread_mutex_destroy(&tp->lock);
    pthread_cond_destroy(&tp->cond);
    free(tp->namesrv);
    free(tp->group);
    free(tp);
}

/* ---- Sending ---- */

/* The writable queues of topic (TBW102's while the topic does not exist). *via_default is set
 * when the default topic's route was used. */
static int
mqc_txn_route(mqc_txn_producer_t *tp, const char *topic, mqc_route_t *r, mqc_wq_t **wq, int *n)
{
    int via_default = 0, rc = mqc_route_get(tp->ns, topic, r);
    if (rc == MQ_ENOENT) {
        rc = mqc_route_get(tp->ns, MQC_DEFAULT_TOPIC, r);
        via_default = 1;
    }
    if (rc != MQ_OK)
        return rc;
    *n = mqc_route_queues(r, MQC_PERM_WRITE, via_default ? MQC_DEFAULT_TOPIC_QUEUES : 0, wq);
    return MQ_OK;
}

int
mqc_txn_producer_watch(mqc_txn_producer_t *tp, const char *topic, char *err, size_t errlen)
{
    mqc_route_t r;
    mqc_wq_t *wq = NULL;
    int n = 0, rc = mqc_txn_route(tp, topic, &r, &wq, &n);
    if (rc != MQ_OK)
        return mqc_fail(err, errlen, rc, "no route to topic %s: %s", topic, mq_err_text(rc));
    for (int i = 0; i < r.n_brokers; i++)
        if (r.brokers[i].id == 0)
            mqc_txn_track(tp, r.brokers[i].addr);
    free(wq);
    mqc_route_fini(&r);
    return MQ_OK;
}

/* Sends the half message; fills res, *phys (its CommitLog offset), txn_id and addr. */
static int
mqc_txn_send_half(mqc_txn_producer_t *tp, const mqc_message_t *m, int queue, mqc_send_result_t *res,
                  int64_t *phys, char *txn_id, char *addr, char *err, size_t errlen)
{
    mqc_message_t mm = *m;
    mqc_route_t r;
    mqc_wq_t *wq = NULL, *w = NULL;
    mq_buf_t props = MQ_BUF_INIT;
    mq_pool_t pool;
    rmq_cmd_t req, resp;
    mqc_conn_t *conn;
    mq_host_t host;
    mq_str_t v;
    const char *a;
    int n = 0, rc;

    if (!m->topic || !*m->topic || strlen(m->topic) > MQ_MSG_MAX_TOPIC_V1)
        return mqc_fail(err, errlen, MQ_EINVAL, "bad topic");
    rc = mqc_txn_route(tp, m->topic, &r, &wq, &n);
    if (rc != MQ_OK)
        return mqc_fail(err, errlen, rc, "no route to topic %s: %s", m->topic, mq_err_text(rc));
    for (int i = 0; i < n && queue >= 0 && !w; i++)
        if (wq[i].queue_id == queue)
            w = &wq[i];
    if (queue < 0 && n > 0) {
        pthread_mutex_lock(&tp->lock);
        w = &wq[tp->rr++ % (uint32_t)n];
        pthread_mutex_unlock(&tp->lock);
    }
    a = w ? mqc_route_master(&r, w->broker_name) : NULL;
    if (!w || !a) {
        free(wq);
        mqc_route_fini(&r);
        return mqc_fail(err, errlen, MQ_ENOENT, "no writable queue for topic %s", m->topic);
    }
    snprintf(addr, 128, "%s", a);
    snprintf(res->broker_name, sizeof(res->broker_name), "%s", w->broker_name);
    res->queue_id = w->queue_id;
    mqc_txn_track(tp, addr); /* the broker knows us before it could check */

    mm.delay_level = 0; /* transactional messages are never delayed (as the Java client) */
    pthread_mutex_lock(&tp->lock);
    mq_uniq_gen_next(&tp->uniq, mq_now_ms(), res->msg_id);
    pthread_mutex_unlock(&tp->lock);
    mqc_msg_props(&mm, res->msg_id, &props);
    mq_props_put(&props, MQ_STR(MQ_PROP_TRAN_MSG), MQ_STR("true"));
    mq_props_put(&props, MQ_STR(MQ_PROP_PGROUP), mq_str_from_cstr(tp->group));
    mq_pool_init(&pool, 0);
    mqc_msg_send_header(&req, &pool, tp->group, m->topic, w->queue_id,
                        MQ_SYSFLAG_TRANSACTION_PREPARED, mq_now_ms(), mq_buf_view(&props), 0,
                        w->broker_name);
    req.body = (mq_str_t){m->body, m->body_len};
    rc = mqc_txn_conn(tp, addr, &conn);
    if (rc == MQ_OK)
        rc = mqc_call(conn, &req, tp->cfg.send_timeout_ms, &pool, &resp);
    if (rc != MQ_OK) {
        mqc_fail(err, errlen, rc, "send to %s failed: %s", addr, mq_err_text(rc));
    } else if (resp.code != RMQ_RC_SUCCESS && resp.code != RMQ_RC_FLUSH_DISK_TIMEOUT) {
        rc = mqc_fail(err, errlen, MQ_ERR, "broker answered %d (%s): %.*s", resp.code,
                      rmq_response_name(resp.code), resp.remark.p ? (int)resp.remark.n : 0,
                      resp.remark.p ? resp.remark.p : "");
    } else {
        int64_t i64;
        res->status = resp.code == RMQ_RC_SUCCESS ? 0 : 1;
        if (rmq_cmd_ext(&resp, "msgId", &v))
            snprintf(res->offset_msg_id, sizeof(res->offset_msg_id), "%.*s",
                     (int)MQ_MIN(v.n, (size_t)32), v.p);
        if (rmq_cmd_ext_i64(&resp, "queueOffset", &i64) == MQ_OK)
            res->queue_offset = i64;
        if (!rmq_cmd_ext(&resp, "transactionId", &v) || v.n == 0 || v.n > 127)
            v = mq_str_from_cstr(res->msg_id);
        snprintf(txn_id, 128, "%.*s", (int)v.n, v.p);
        if (mq_msgid_parse(mq_str_from_cstr(res->offset_msg_id), &host, phys) != MQ_OK)
            rc = mqc_fail(err, errlen, MQ_EPROTO, "bad offset msgId %s", res->offset_msg_id);
    }
    mq_pool_fini(&pool);
    mq_buf_fini(&props);
    free(wq);
    mqc_route_fini(&r);
    return rc;
}

int
mqc_txn_send(mqc_txn_producer_t *tp, const mqc_message_t *m, int queue, mqc_txn_local_fn fn,
             void *arg, mqc_send_result_t *res, mqc_txn_state_t *state, char *err, size_t errlen)
{
    mqc_send_result_t tmp;
    mqc_txn_state_t st = MQC_TXN_UNKNOWN;
    char txn_id[128], addr[128];
    mqc_conn_t *conn;
    int64_t phys = 0;
    int rc;

    if (!res)
        res = &tmp;
    memset(res, 0, sizeof(*res));
    rc = mqc_txn_send_half(tp, m, queue, res, &phys, txn_id, addr, err, errlen);
    if (rc != MQ_OK)
        return rc; /* nothing to decide: the half was not stored */
    if (fn)
        st = fn(arg, m, res);
    if (st != MQC_TXN_COMMIT && st != MQC_TXN_ROLLBACK)
        st = MQC_TXN_UNKNOWN;
    if (state)
        *state = st;
    rc = mqc_txn_conn(tp, addr, &conn);
    if (rc == MQ_OK)
        rc = mqc_txn_end(tp, conn, res->queue_offset, phys, st, res->msg_id, txn_id, 0);
    if (rc != MQ_OK)
        return mqc_fail(err, errlen, rc, "END_TRANSACTION to %s failed: %s", addr, mq_err_text(rc));
    return MQ_OK;
}
