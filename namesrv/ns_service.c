/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_service.c -- the NameServer as an mq_service_t (RocketMQ's DefaultRequestProcessor): its
 * life cycle, and the dispatch of each mq_op_t to the tables under the lock, replying after
 * the lock is released. One handler per op, found in a table indexed by op; ops without one
 * get MQ_DECLINED. Interface: ns.h (the op/reply table is there).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
#include "ns_int.h"

/* Answers one op with the lock held; fills rep (copies in pool) and returns the status. */
typedef int (*ns_op_fn)(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep);

/* ---- Helpers ---- */

static int64_t
ns_clock_default(void *arg)
{
    return mq_now_ms();
}

/* A view that never has a NULL pointer (maps memcmp their keys). */
static mq_str_t
ns_service_str(mq_str_t s)
{
    return s.p ? s : MQ_STR("");
}

static const char *ns_service_text(mq_pool_t *pool, const char *fmt, ...) MQ_PRINTF(2, 3);

/* A formatted message in pool (for rep.text). */
static const char *
ns_service_text(mq_pool_t *pool, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    s = mq_palloc(pool, (size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- Broker ops ---- */

static int
ns_op_register_broker(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    const mq_register_broker_t *rb = &req->u.register_broker;
    int64_t timeout =
        rb->heartbeat_timeout > 0 ? rb->heartbeat_timeout : ns->cfg.heartbeat_timeout_ms;
    int rc = ns_route_register(&ns->route, rb, req->session, ns->cfg.clock_ms(ns->cfg.clock_arg),
                               timeout, pool, &rep->u.reg);
    if (rc != MQ_OK)
        rep->text = "register broker: empty cluster, broker name, address or topic name";
    return rc;
}

static int
ns_op_unregister_broker(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    ns_route_remove_addr(&ns->route, ns_service_str(req->u.unregister_broker.broker_addr),
                         "unregister");
    return MQ_OK;
}

static int
ns_op_query_data_version(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    const mq_query_data_version_t *q = &req->u.query_data_version;
    return ns_route_query_version(&ns->route, ns_service_str(q->broker_addr), &q->version,
                                  ns->cfg.clock_ms(ns->cfg.clock_arg), &rep->u.changed);
}

/* ---- Client and admin ops ---- */

static int
ns_op_get_route(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    mq_str_t topic = ns_service_str(req->u.get_route.topic), conf;

    if (ns_route_get(&ns->route, topic, pool, &rep->u.route) != MQ_OK) {
        rep->text = ns_service_text(pool, "No topic route info in name server for the topic: %.*s",
                                    (int)topic.n, topic.p);
        return MQ_ENOENT;
    }
    if (ns->cfg.order_message_enable &&
        ns_kv_get(&ns->kv, MQ_STR(NS_KV_ORDER_TOPIC_CONFIG), topic, &conf) == MQ_OK)
        rep->u.route.order_topic_conf = (mq_str_t){mq_pstrdup(pool, conf), conf.n};
    return MQ_OK;
}

static int
ns_op_get_cluster_info(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    ns_route_cluster_info(&ns->route, pool, &rep->u.cluster);
    return MQ_OK;
}

static int
ns_op_get_topic_list(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    ns_route_topic_list(&ns->route, ns_service_str(req->u.get_topic_list.cluster), pool,
                        &rep->u.list);
    return MQ_OK;
}

static int
ns_op_delete_topic_route(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    ns_route_delete_topic(&ns->route, ns_service_str(req->u.get_route.topic));
    return MQ_OK;
}

static int
ns_op_set_broker_writable(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    const mq_set_broker_writable_t *w = &req->u.set_broker_writable;
    rep->u.count = ns_route_set_writable(&ns->route, ns_service_str(w->broker_name), w->writable);
    return MQ_OK;
}

/* ---- KV ops ---- */

static int
ns_op_kv_put(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    const mq_kv_t *kv = &req->u.kv;

    if (kv->ns.n == 0 || kv->key.n == 0) {
        rep->text = "put kv config: empty namespace or key";
        return MQ_EINVAL;
    }
    ns_kv_put(&ns->kv, kv->ns, kv->key, ns_service_str(kv->value));
    return MQ_OK;
}

static int
ns_op_kv_get(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    mq_str_t space = ns_service_str(req->u.kv.ns), key = ns_service_str(req->u.kv.key), v;

    if (ns_kv_get(&ns->kv, space, key, &v) != MQ_OK) {
        rep->text = ns_service_text(pool, "No config item, Namespace: %.*s Key: %.*s", (int)space.n,
                                    space.p, (int)key.n, key.p);
        return MQ_ENOENT;
    }
    rep->u.value = (mq_str_t){mq_pstrdup(pool, v), v.n};
    return MQ_OK;
}

static int
ns_op_kv_delete(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    ns_kv_delete(&ns->kv, ns_service_str(req->u.kv.ns), ns_service_str(req->u.kv.key));
    return MQ_OK;
}

static int
ns_op_kv_list(ns_t *ns, const mq_req_t *req, mq_pool_t *pool, mq_rep_t *rep)
{
    mq_str_t space = ns_service_str(req->u.kv.ns);

    if (ns_kv_list(&ns->kv, space, pool, &rep->u.list) != MQ_OK) {
        rep->text = ns_service_text(pool, "No config item, Namespace: %.*s", (int)space.n, space.p);
        return MQ_ENOENT;
    }
    return MQ_OK;
}

static const ns_op_fn ns_ops[MQ_OP__COUNT] = {
    [MQ_OP_REGISTER_BROKER] = ns_op_register_broker,
    [MQ_OP_UNREGISTER_BROKER] = ns_op_unregister_broker,
    [MQ_OP_QUERY_DATA_VERSION] = ns_op_query_data_version,
    [MQ_OP_GET_ROUTE] = ns_op_get_route,
    [MQ_OP_GET_CLUSTER_INFO] = ns_op_get_cluster_info,
    [MQ_OP_GET_TOPIC_LIST] = ns_op_get_topic_list,
    [MQ_OP_DELETE_TOPIC_ROUTE] = ns_op_delete_topic_route,
    [MQ_OP_KV_PUT] = ns_op_kv_put,
    [MQ_OP_KV_GET] = ns_op_kv_get,
    [MQ_OP_KV_DELETE] = ns_op_kv_delete,
    [MQ_OP_KV_LIST] = ns_op_kv_list,
    [MQ_OP_SET_BROKER_WRITABLE] = ns_op_set_broker_writable,
};

/* ---- The service ---- */

static void
ns_service_handle(mq_service_t *svc, mq_req_t *req)
{
    ns_t *ns = svc->ctx;
    mq_pool_t own, *pool = req->pool;
    ns_op_fn fn = (unsigned)req->op < (unsigned)MQ_OP__COUNT ? ns_ops[req->op] : NULL;
    mq_rep_t rep;
    int status;

    memset(&rep, 0, sizeof(rep));
    if (!pool) {
        mq_pool_init(&own, 0);
        pool = &own;
    }
    if (fn) {
        pthread_mutex_lock(&ns->lock);
        status = fn(ns, req, pool, &rep);
        pthread_mutex_unlock(&ns->lock);
        if (status == MQ_OK && (req->op == MQ_OP_KV_PUT || req->op == MQ_OP_KV_DELETE) &&
            ns->kv_changed)
            ns->kv_changed(ns->kv_changed_arg);
    } else {
        rep.text = ns_service_text(pool, "namesrv: unsupported operation %s (%d)",
                                   mq_op_name(req->op), (int)req->op);
        status = MQ_DECLINED; /* the front-end answers "not supported" */
    }
    req->reply(req, status, &rep); /* may free req: not touched after this */
    if (pool == &own)
        mq_pool_fini(&own);
}

static void
ns_service_session_closed(mq_service_t *svc, void *session)
{
    ns_t *ns = svc->ctx;

    pthread_mutex_lock(&ns->lock);
    ns_route_drop_session(&ns->route, session);
    pthread_mutex_unlock(&ns->lock);
}

void
ns_config_defaults(ns_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->order_message_enable = 0;
    cfg->heartbeat_timeout_ms = NS_HEARTBEAT_TIMEOUT_MS;
    cfg->clock_ms = ns_clock_default;
    cfg->clock_arg = NULL;
}

ns_t *
ns_new(const ns_config_t *cfg)
{
    ns_t *ns = mq_xcalloc(1, sizeof(*ns));

    if (cfg)
        ns->cfg = *cfg;
    else
        ns_config_defaults(&ns->cfg);
    if (ns->cfg.heartbeat_timeout_ms <= 0)
        ns->cfg.heartbeat_timeout_ms = NS_HEARTBEAT_TIMEOUT_MS;
    if (!ns->cfg.clock_ms)
        ns->cfg.clock_ms = ns_clock_default;
    pthread_mutex_init(&ns->lock, NULL);
    ns_route_init(&ns->route);
    ns_kv_init(&ns->kv);
    ns->svc = (mq_service_t){
        .name = "namesrv",
        .handle = ns_service_handle,
        .session_closed = ns_service_session_closed,
        .ctx = ns,
    };
    return ns;
}

void
ns_free(ns_t *ns)
{
    if (!ns)
        return;
    ns_route_fini(&ns->route);
    ns_kv_fini(&ns->kv);
    pthread_mutex_destroy(&ns->lock);
    free(ns);
}

mq_service_t *
ns_service(ns_t *ns)
{
    return &ns->svc;
}

void
ns_kv_save(ns_t *ns, mq_buf_t *out)
{
    pthread_mutex_lock(&ns->lock);
    ns_kv_to_json(&ns->kv, out);
    pthread_mutex_unlock(&ns->lock);
}

int
ns_kv_load(ns_t *ns, const char *text, size_t len)
{
    int rc;
    pthread_mutex_lock(&ns->lock);
    rc = ns_kv_from_json(&ns->kv, text, len);
    pthread_mutex_unlock(&ns->lock);
    return rc;
}

void
ns_on_kv_changed(ns_t *ns, void (*fn)(void *arg), void *arg)
{
    ns->kv_changed = fn;
    ns->kv_changed_arg = arg;
}
