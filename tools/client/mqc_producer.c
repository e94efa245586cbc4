/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_producer.c -- the producer of the client library (mqc.h, "Producer"): per-topic publish
 * info from the NameServer (the TBW102 route while a topic does not exist yet, so the broker
 * auto-creates it, as DefaultMQProducerImpl does), round-robin queue selection, SEND_MESSAGE_V2
 * and SEND_BATCH_MESSAGE requests, sync sends retried on another broker, async and one-way
 * sends, zlib compression of large bodies and UNIQ_KEY message ids.
 *
 * Each send uses a context (pool, properties and body scratch) from a free list, so a warm
 * producer allocates nothing per message. Async contexts are returned by the completion.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "mq/strmap.h"
#include "mqc_int.h"
#include "rmq_batch.h"

#define MQC_ROUTE_TTL_MS 30000  /* publish info refresh (Java pollNameServerInterval) */
#define MQC_NOROUTE_TTL_MS 1000 /* while the topic only exists through TBW102 */
#define MQC_MAX_INFLIGHT 4096   /* async sends in flight per producer (Java's semaphore) */

typedef struct mqc_pub_s {
    mqc_route_t route;  /* the route the queues come from */
    mqc_wq_t *wq;       /* writable queues, sorted */
    int n_wq;           /* entries in wq */
    int via_default;    /* 1: queues of TBW102 (topic not created yet) */
    int64_t fetched_ms; /* when the route was fetched */
    uint32_t rr;        /* round-robin position */
} mqc_pub_t;

typedef struct mqc_send_ctx_s mqc_send_ctx_t;

struct mqc_send_ctx_s {
    mqc_send_ctx_t *next;  /* free list */
    mqc_producer_t *p;     /* owner */
    mq_pool_t pool;        /* request (and sync response) memory; reset per attempt */
    mq_buf_t props;        /* properties string */
    mq_buf_t body;         /* compressed body or batch body */
    char uniq[33];         /* UNIQ_KEY of the (first) message */
    char broker_name[128]; /* where it went */
    mqc_send_fn fn;        /* async completion */
    void *arg;             /* its argument */
};

struct mqc_producer_s {
    mqc_producer_config_t cfg; /* copy; strings below */
    char *namesrv;             /* cfg.namesrv copy */
    char *group;               /* cfg.group copy */
    mqc_namesrv_t *ns;         /* NameServer list */
    mqc_brokers_t *brokers;    /* broker connections */
    pthread_mutex_t lock;      /* free, inflight (senders and the reader threads) */
    pthread_mutex_t route_lock; /* topics (senders only) */
    pthread_mutex_t uniq_lock; /* uniq: senders only, so the reader thread never waits on it */
    pthread_cond_t idle;       /* inflight dropped (below the cap, or to 0) */
    mq_strmap_t topics;        /* topic -> mqc_pub_t* */
    mq_uniq_gen_t uniq;        /* UNIQ_KEY generator */
    mqc_send_ctx_t *free_ctx;  /* spare contexts */
    int inflight;              /* async sends not yet completed */
};

void
mqc_producer_config_defaults(mqc_producer_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->namesrv = mqc_default_namesrv();
    cfg->group = "DEFAULT_PRODUCER";
    cfg->send_timeout_ms = 3000;
    cfg->retry_times = 2;
    cfg->max_message_size = 4 * 1024 * 1024;
    cfg->compress_over = 4096;
}

int
mqc_producer_new(const mqc_producer_config_t *cfg, mqc_producer_t **out, char *err, size_t errlen)
{
    mqc_producer_t *p;
    uint8_t ip[4];
    int rc;
    *out = NULL;
    if (!cfg || !cfg->namesrv || !cfg->group || !*cfg->group)
        return mqc_fail(err, errlen, MQ_EINVAL, "producer needs a NameServer and a group");
    p = mq_xcalloc(1, sizeof(*p));
    p->cfg = *cfg;
    if (p->cfg.send_timeout_ms <= 0)
        p->cfg.send_timeout_ms = 3000;
    if (p->cfg.retry_times < 0)
        p->cfg.retry_times = 0;
    if (p->cfg.max_message_size <= 0)
        p->cfg.max_message_size = 4 * 1024 * 1024;
    p->namesrv = mq_xstrdup(cfg->namesrv);
    p->group = mq_xstrdup(cfg->group);
    p->cfg.namesrv = p->namesrv;
    p->cfg.group = p->group;
    rc = mqc_namesrv_new(p->namesrv, &p->ns, err, errlen);
    if (rc != MQ_OK) {
        free(p->namesrv);
        free(p->group);
        free(p);
        return rc;
    }
    p->brokers = mqc_brokers_new();
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->uniq_lock, NULL);
    pthread_mutex_init(&p->route_lock, NULL);
    pthread_cond_init(&p->idle, NULL);
    mq_strmap_init(&p->topics);
    mqc_local_ip4(ip);
    mq_uniq_gen_init(&p->uniq, ip, (uint16_t)getpid(),
                     (uint32_t)(uintptr_t)p ^ (uint32_t)mq_mono_ns());
    *out = p;
    return MQ_OK;
}

static void
mqc_pub_free(void *v)
{
    mqc_pub_t *pub = v;
    mqc_route_fini(&pub->route);
    free(pub->wq);
    free(pub);
}

void
mqc_producer_free(mqc_producer_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    while (p->inflight > 0)
        pthread_cond_wait(&p->idle, &p->lock);
    pthread_mutex_unlock(&p->lock);
    mqc_brokers_free(p->brokers); /* no callbacks can run after this */
    mqc_namesrv_free(p->ns);
    mq_strmap_fini(&p->topics, mqc_pub_free);
    while (p->free_ctx) {
        mqc_send_ctx_t *x = p->free_ctx;
        p->free_ctx = x->next;
        mq_pool_fini(&x->pool);
        mq_buf_fini(&x->props);
        mq_buf_fini(&x->body);
        free(x);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->uniq_lock);
    pthread_mutex_destroy(&p->route_lock);
    pthread_cond_destroy(&p->idle);
    free(p->namesrv);
    free(p->group);
    free(p);
}

/* ---- Contexts ---- */

/* Makes x (from the free list, or NULL for a new one) ready for a send. */
static mqc_send_ctx_t *
mqc_ctx_ready(mqc_producer_t *p, mqc_send_ctx_t *x)
{
    if (!x) {
        x = mq_xcalloc(1, sizeof(*x));
        x->p = p;
        mq_pool_init(&x->pool, 8192);
        mq_buf_init(&x->props);
        mq_buf_init(&x->body);
    }
    mq_pool_reset(&x->pool);
    mq_buf_reset(&x->props);
    mq_buf_reset(&x->body);
    x->uniq[0] = x->broker_name[0] = '\0';
    return x;
}

static mqc_send_ctx_t *
mqc_ctx_get(mqc_producer_t *p)
{
    mqc_send_ctx_t *x;
    pthread_mutex_lock(&p->lock);
    x = p->free_ctx;
    if (x)
        p->free_ctx = x->next;
    pthread_mutex_unlock(&p->lock);
    return mqc_ctx_ready(p, x);
}

/* For an async send: waits (until the send timeout) for room under MQC_MAX_INFLIGHT, counts
 * the send in flight and takes a context, in one locked section. NULL: no room in time. */
static mqc_send_ctx_t *
mqc_ctx_get_inflight(mqc_producer_t *p)
{
    mqc_send_ctx_t *x;
    struct timespec ts;
    pthread_mutex_lock(&p->lock);
    if (p->inflight >= MQC_MAX_INFLIGHT) {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += p->cfg.send_timeout_ms / 1000 + 1;
        while (p->inflight >= MQC_MAX_INFLIGHT) /* back-pressure, bounded by the timeout */
            if (pthread_cond_timedwait(&p->idle, &p->lock, &ts) != 0)
                break;
        if (p->inflight >= MQC_MAX_INFLIGHT) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
    }
    p->inflight++;
    x = p->free_ctx;
    if (x)
        p->free_ctx = x->next;
    pthread_mutex_unlock(&p->lock);
    return mqc_ctx_ready(p, x);
}

/* Undoes mqc_ctx_get_inflight for a send that did not go out. */
static void
mqc_ctx_put_inflight(mqc_producer_t *p, mqc_send_ctx_t *x)
{
    pthread_mutex_lock(&p->lock);
    x->next = p->free_ctx;
    p->free_ctx = x;
    if (--p->inflight == 0 || p->inflight == MQC_MAX_INFLIGHT - 1)
        pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->lock);
}

static void
mqc_ctx_put(mqc_producer_t *p, mqc_send_ctx_t *x)
{
    pthread_mutex_lock(&p->lock);
    x->next = p->free_ctx;
    p->free_ctx = x;
    pthread_mutex_unlock(&p->lock);
}

/* ---- Publish info ---- */

/* Fetches the route of topic (or of TBW102 when the topic does not exist). Called under
 * p->route_lock. Returns MQ_OK with *out set (owned by p->topics). */
static int
mqc_pub_refresh(mqc_producer_t *p, const char *topic, mqc_pub_t **out)
{
    mq_str_t key = mq_str_from_cstr(topic);
    mqc_pub_t *pub = mq_strmap_get(&p->topics, key);
    int64_t now = mq_now_ms();
    mqc_route_t r;
    int rc, via_default = 0;
    if (pub && now - pub->fetched_ms < (pub->via_default ? MQC_NOROUTE_TTL_MS : MQC_ROUTE_TTL_MS)) {
        *out = pub;
        return MQ_OK;
    }
    rc = mqc_route_get(p->ns, topic, &r);
    if (rc == MQ_ENOENT) {
        rc = mqc_route_get(p->ns, MQC_DEFAULT_TOPIC, &r);
        via_default = 1;
    }
    if (rc != MQ_OK) {
        if (pub) { /* keep using the old route */
            *out = pub;
            return MQ_OK;
        }
        return rc;
    }
    if (!pub) {
        pub = mq_xcalloc(1, sizeof(*pub));
        mq_strmap_put(&p->topics, key, pub);
    }
    mqc_route_fini(&pub->route);
    free(pub->wq);
    pub->route = r;
    pub->n_wq =
        mqc_route_queues(&r, MQC_PERM_WRITE, via_default ? MQC_DEFAULT_TOPIC_QUEUES : 0, &pub->wq);
    pub->via_default = via_default;
    pub->fetched_ms = now;
    *out = pub;
    return MQ_OK;
}

/* Picks a queue (queue >= 0: that id on the first broker that has it; else round robin,
 * avoiding broker `avoid` when another exists) and copies its broker name and master address.
 * MQ_OK, MQ_ENOENT (no writable queue) or a NameServer error. */
static int
mqc_pick(mqc_producer_t *p, const char *topic, int queue, const char *avoid, char *broker,
         char *addr, int *qid)
{
    mqc_pub_t *pub;
    const mqc_wq_t *w = NULL;
    int rc;
    pthread_mutex_lock(&p->route_lock);
    rc = mqc_pub_refresh(p, topic, &pub);
    if (rc == MQ_OK && pub->n_wq == 0)
        rc = MQ_ENOENT;
    if (rc == MQ_OK) {
        if (queue >= 0) {
            for (int i = 0; i < pub->n_wq && !w; i++)
                if (pub->wq[i].queue_id == queue)
                    w = &pub->wq[i];
            if (!w)
                rc = MQ_ENOENT;
        } else {
            for (int i = 0; i < pub->n_wq; i++) {
                const mqc_wq_t *c = &pub->wq[pub->rr++ % (uint32_t)pub->n_wq];
                if (!avoid || strcmp(c->broker_name, avoid) != 0) {
                    w = c;
                    break;
                }
            }
            if (!w)
                w = &pub->wq[pub->rr++ % (uint32_t)pub->n_wq];
        }
    }
    if (w) {
        const char *a = mqc_route_master(&pub->route, w->broker_name);
        snprintf(broker, 128, "%s", w->broker_name);
        snprintf(addr, 128, "%s", a ? a : "");
        *qid = w->queue_id;
    }
    pthread_mutex_unlock(&p->route_lock);
    return rc;
}

/* Forgets the route of topic so the next send fetches it again. */
static void
mqc_pub_expire(mqc_producer_t *p, const char *topic)
{
    mqc_pub_t *pub;
    pthread_mutex_lock(&p->route_lock);
    pub = mq_strmap_get(&p->topics, mq_str_from_cstr(topic));
    if (pub)
        pub->fetched_ms = 0;
    pthread_mutex_unlock(&p->route_lock);
}

/* ---- Building and answering requests ---- */

/* Fills ctx->props and ctx->body for one message; returns the sysFlag or an error. */
static int
mqc_prepare_one(mqc_producer_t *p, mqc_send_ctx_t *x, const mqc_message_t *m, mq_str_t *body)
{
    int sys_flag = 0;
    if (!m || !m->topic || !*m->topic || strlen(m->topic) > MQ_MSG_MAX_TOPIC_V1)
        return MQ_EINVAL;
    if (m->body_len > (size_t)p->cfg.max_message_size)
        return MQ_ETOOBIG;
    pthread_mutex_lock(&p->uniq_lock);
    mq_uniq_gen_next(&p->uniq, mq_now_ms(), x->uniq);
    pthread_mutex_unlock(&p->uniq_lock);
    mqc_msg_props(m, x->uniq, &x->props);
    if (x->props.len > MQ_MSG_MAX_PROPS)
        return MQ_ETOOBIG;
    *body = (mq_str_t){m->body, m->body_len};
    if (p->cfg.compress_over > 0 && m->body_len > (size_t)p->cfg.compress_over) {
        uLongf len = compressBound((uLong)m->body_len);
        uint8_t *dst = mq_buf_reserve(&x->body, len);
        if (compress2(dst, &len, m->body, (uLong)m->body_len, 5) == Z_OK && len < m->body_len) {
            x->body.len = len;
            *body = mq_buf_view(&x->body);
            sys_flag |= MQ_SYSFLAG_COMPRESSED;
        }
    }
    return sys_flag;
}

/* Reads a send response into res. Returns MQ_OK, or an error with retry set when another
 * broker may succeed (RocketMQ's retryResponseCodes). */
static int
mqc_send_parse(const rmq_cmd_t *resp, mqc_send_ctx_t *x, mqc_send_result_t *res, int *retry)
{
    mq_str_t v;
    int32_t i32;
    int64_t i64;
    *retry = 0;
    memset(res, 0, sizeof(*res));
    switch (resp->code) {
    case RMQ_RC_SUCCESS:
        res->status = 0;
        break;
    case RMQ_RC_FLUSH_DISK_TIMEOUT:
        res->status = 1;
        break;
    case RMQ_RC_FLUSH_SLAVE_TIMEOUT:
        res->status = 2;
        break;
    case RMQ_RC_SLAVE_NOT_AVAILABLE:
        res->status = 3;
        break;
    case RMQ_RC_SYSTEM_ERROR:
    case RMQ_RC_SYSTEM_BUSY:
    case RMQ_RC_SERVICE_NOT_AVAILABLE:
    case RMQ_RC_NO_PERMISSION:
    case RMQ_RC_TOPIC_NOT_EXIST:
    case RMQ_RC_NO_BUYER_ID:
    case RMQ_RC_NOT_IN_CURRENT_UNIT:
        *retry = 1;
        return MQ_ERR;
    default:
        return MQ_ERR;
    }
    snprintf(res->msg_id, sizeof(res->msg_id), "%s", x->uniq);
    snprintf(res->broker_name, sizeof(res->broker_name), "%s", x->broker_name);
    if (rmq_cmd_ext(resp, "msgId", &v)) {
        size_t n = MQ_MIN(v.n, (size_t)32);
        const char *comma = memchr(v.p, ',', n);
        if (comma)
            n = (size_t)(comma - v.p);
        memcpy(res->offset_msg_id, v.p, n);
        res->offset_msg_id[n] = '\0';
    }
    if (rmq_cmd_ext_i32(resp, "queueId", &i32) == MQ_OK)
        res->queue_id = i32;
    if (rmq_cmd_ext_i64(resp, "queueOffset", &i64) == MQ_OK)
        res->queue_offset = i64;
    return MQ_OK;
}

static void
mqc_remark(const rmq_cmd_t *resp, char *err, size_t errlen)
{
    mqc_fail(err, errlen, 0, "broker answered %d (%s): %.*s", resp->code,
             rmq_response_name(resp->code), resp->remark.p ? (int)MQ_MIN(resp->remark.n, 200) : 0,
             resp->remark.p ? resp->remark.p : "");
}

/* A sync send of a prepared request body with retries. */
static int
mqc_send_sync(mqc_producer_t *p, mqc_send_ctx_t *x, const char *topic, int queue, int sys_flag,
              mq_str_t body, int batch, mqc_send_result_t *res, char *err, size_t errlen)
{
    char avoid[128] = "", addr[128];
    int rc = MQ_EIO;
    mqc_send_result_t tmp;
    if (!res)
        res = &tmp;
    for (int attempt = 0; attempt <= p->cfg.retry_times; attempt++) {
        rmq_cmd_t req, resp;
        mqc_conn_t *c;
        int qid, retry;
        rc = mqc_pick(p, topic, queue, avoid[0] ? avoid : NULL, x->broker_name, addr, &qid);
        if (rc != MQ_OK) {
            mqc_fail(err, errlen, rc, "no route to topic %s: %s", topic, mq_err_text(rc));
            if (rc == MQ_ENOENT)
                return rc;
            continue;
        }
        mq_pool_reset(&x->pool);
        mqc_msg_send_header(&req, &x->pool, p->group, topic, qid, sys_flag, mq_now_ms(),
                            batch ? MQ_STR("WAIT\001true\002") : mq_buf_view(&x->props), batch,
                            x->broker_name);
        req.body = body;
        rc = mqc_brokers_get(p->brokers, addr, &c);
        if (rc == MQ_OK)
            rc = mqc_call(c, &req, p->cfg.send_timeout_ms, &x->pool, &resp);
        if (rc != MQ_OK) {
            mqc_fail(err, errlen, rc, "send to %s (%s) failed: %s", x->broker_name, addr,
                     mq_err_text(rc));
            snprintf(avoid, sizeof(avoid), "%s", x->broker_name);
            mqc_pub_expire(p, topic);
            continue;
        }
        rc = mqc_send_parse(&resp, x, res, &retry);
        if (rc == MQ_OK)
            return MQ_OK;
        mqc_remark(&resp, err, errlen);
        if (!retry)
            return rc;
        snprintf(avoid, sizeof(avoid), "%s", x->broker_name);
        mqc_pub_expire(p, topic);
    }
    return rc;
}

int
mqc_producer_send(mqc_producer_t *p, const mqc_message_t *m, int queue, mqc_send_result_t *res,
                  char *err, size_t errlen)
{
    mqc_send_ctx_t *x = mqc_ctx_get(p);
    mq_str_t body;
    int rc = mqc_prepare_one(p, x, m, &body);
    if (rc < 0)
        mqc_fail(err, errlen, rc, "bad message: %s", mq_err_text(rc));
    else
        rc = mqc_send_sync(p, x, m->topic, queue, rc, body, 0, res, err, errlen);
    mqc_ctx_put(p, x);
    return rc;
}

int
mqc_producer_send_batch(mqc_producer_t *p, const mqc_message_t *msgs, int n, int queue,
                        mqc_send_result_t *res, char *err, size_t errlen)
{
    mqc_send_ctx_t *x;
    int rc = MQ_OK;
    char first_uniq[33] = "";
    if (!msgs || n <= 0 || n > RMQ_BATCH_MAX)
        return mqc_fail(err, errlen, MQ_EINVAL, "a batch needs 1..%d messages", RMQ_BATCH_MAX);
    x = mqc_ctx_get(p);
    for (int i = 0; i < n && rc == MQ_OK; i++) {
        mq_msg_t mm;
        if (!msgs[i].topic || !msgs[0].topic || strcmp(msgs[i].topic, msgs[0].topic) != 0 ||
            msgs[i].delay_level > 0) {
            rc = mqc_fail(err, errlen, MQ_EINVAL, "batch messages need one topic and no delay");
            break;
        }
        pthread_mutex_lock(&p->uniq_lock);
        mq_uniq_gen_next(&p->uniq, mq_now_ms(), x->uniq);
        pthread_mutex_unlock(&p->uniq_lock);
        if (i == 0)
            memcpy(first_uniq, x->uniq, sizeof(first_uniq));
        mq_buf_reset(&x->props);
        mqc_msg_props(&msgs[i], x->uniq, &x->props);
        memset(&mm, 0, sizeof(mm));
        mm.body = (mq_str_t){msgs[i].body, msgs[i].body_len};
        mm.props = mq_buf_view(&x->props);
        rmq_batch_put(&x->body, &mm);
    }
    if (rc == MQ_OK && x->body.len > (size_t)p->cfg.max_message_size)
        rc = mqc_fail(err, errlen, MQ_ETOOBIG, "batch of %zu bytes is too big", x->body.len);
    if (rc == MQ_OK) {
        memcpy(x->uniq, first_uniq, sizeof(first_uniq));
        rc = mqc_send_sync(p, x, msgs[0].topic, queue, 0, mq_buf_view(&x->body), 1, res, err,
                           errlen);
    }
    mqc_ctx_put(p, x);
    return rc;
}

/* ---- Async and one-way ---- */

static void
mqc_async_done(void *arg, int status, const rmq_cmd_t *resp)
{
    mqc_send_ctx_t *x = arg;
    mqc_producer_t *p = x->p;
    mqc_send_result_t res;
    int retry;
    if (status == MQ_OK)
        status = mqc_send_parse(resp, x, &res, &retry);
    if (x->fn)
        x->fn(x->arg, status, status == MQ_OK ? &res : NULL);
    pthread_mutex_lock(&p->lock); /* mqc_ctx_put and the in-flight count in one section */
    x->next = p->free_ctx;
    p->free_ctx = x;
    if (--p->inflight == 0 || p->inflight == MQC_MAX_INFLIGHT - 1)
        pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->lock);
}

/* Prepares and picks; for async (fn != NULL or oneway == 0) or one-way sends. */
static int
mqc_send_nowait(mqc_producer_t *p, const mqc_message_t *m, int queue, int oneway, mqc_send_fn fn,
                void *arg)
{
    mqc_send_ctx_t *x = oneway ? mqc_ctx_get(p) : mqc_ctx_get_inflight(p);
    rmq_cmd_t req;
    mqc_conn_t *c;
    mq_str_t body;
    char addr[128];
    int qid, rc;
    if (!x)
        return MQ_EBUSY;
    rc = mqc_prepare_one(p, x, m, &body);
    if (rc >= 0) {
        int sys_flag = rc;
        rc = mqc_pick(p, m->topic, queue, NULL, x->broker_name, addr, &qid);
        if (rc == MQ_OK)
            rc = mqc_brokers_get(p->brokers, addr, &c);
        if (rc == MQ_OK) {
            mqc_msg_send_header(&req, &x->pool, p->group, m->topic, qid, sys_flag, mq_now_ms(),
                                mq_buf_view(&x->props), 0, x->broker_name);
            req.body = body;
        }
        if (rc == MQ_OK && oneway) {
            rc = mqc_send_oneway(c, &req);
        } else if (rc == MQ_OK) {
            x->fn = fn;
            x->arg = arg;
            rc = mqc_call_async(c, &req, p->cfg.send_timeout_ms, mqc_async_done, x);
            if (rc == MQ_OK)
                return MQ_OK; /* x now belongs to the completion */
        }
        if (rc != MQ_OK)
            mqc_pub_expire(p, m->topic);
    }
    if (oneway)
        mqc_ctx_put(p, x);
    else
        mqc_ctx_put_inflight(p, x);
    return rc;
}

int
mqc_producer_send_async(mqc_producer_t *p, const mqc_message_t *m, int queue, mqc_send_fn fn,
                        void *arg)
{
    return mqc_send_nowait(p, m, queue, 0, fn, arg);
}

int
mqc_producer_send_oneway(mqc_producer_t *p, const mqc_message_t *m, int queue)
{
    return mqc_send_nowait(p, m, queue, 1, NULL, NULL);
}

int
mqc_queue_for_key(const char *key, int n_queues)
{
    int32_t h, v;
    if (n_queues <= 0)
        return 0;
    h = mq_java_hash(mq_str_from_cstr(key ? key : ""));
    v = h % n_queues; /* Java: hashCode() % size, then Math.abs */
    return v < 0 ? -v : v;
}

int
mqc_producer_queue_count(mqc_producer_t *p, const char *topic, int *n)
{
    mqc_pub_t *pub;
    int rc;
    pthread_mutex_lock(&p->route_lock);
    rc = mqc_pub_refresh(p, topic, &pub);
    *n = rc == MQ_OK ? pub->n_wq : 0;
    pthread_mutex_unlock(&p->route_lock);
    return rc;
}
