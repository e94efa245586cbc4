/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_test.c -- helpers for the NameServer unit tests (ns_test.h): the fixture, request
 * builders and the reply callback that deep-copies what a front-end would encode.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
#include "ns_test.h"

nst_t nst;

/* A test request: the front-end struct around the shared request. */
typedef struct nst_req_s {
    mq_req_t base;     /* what the service sees */
    mq_pool_t pool;    /* the request's arena */
    nst_reply_t reply; /* filled by nst_reply_cb */
} nst_req_t;

/* ---- Fixture ---- */

static int64_t
nst_clock(void *arg)
{
    return ((nst_t *)arg)->now;
}

static void
nst_log_sink(mq_log_level_t level, const char *line, size_t n, void *arg)
{
    nst_t *t = arg;
    t->log = mq_xrealloc(t->log, t->log_n + n + 2);
    memcpy(t->log + t->log_n, line, n);
    t->log_n += n;
    t->log[t->log_n++] = '\n';
    t->log[t->log_n] = '\0';
}

void
nst_restart(const ns_config_t *cfg)
{
    ns_config_t c;

    if (cfg)
        c = *cfg;
    else
        ns_config_defaults(&c);
    c.clock_ms = nst_clock;
    c.clock_arg = &nst;
    ns_free(nst.ns);
    nst.ns = ns_new(&c);
    nst.svc = ns_service(nst.ns);
}

void
nst_setup(void)
{
    memset(&nst, 0, sizeof(nst));
    nst.now = 1700000000000LL;
    mq_pool_init(&nst.keep, 0);
    mq_log_set_sink(nst_log_sink, &nst);
    nst_restart(NULL);
}

void
nst_teardown(void)
{
    ns_free(nst.ns);
    mq_log_set_sink(NULL, NULL);
    mq_pool_fini(&nst.keep);
    free(nst.log);
    memset(&nst, 0, sizeof(nst));
}

int
nst_log_has(const char *needle)
{
    return nst.log && strstr(nst.log, needle) != NULL;
}

/* ---- Deep copies (into nst.keep) ---- */

static mq_str_t
nst_copy_str(mq_str_t s)
{
    cr_assert(s.n == 0 || s.p != NULL);
    return (mq_str_t){mq_pstrdup(&nst.keep, s), s.n};
}

static void
nst_copy_broker(mq_route_broker_t *d, const mq_route_broker_t *s)
{
    *d = *s;
    d->cluster = nst_copy_str(s->cluster);
    d->broker_name = nst_copy_str(s->broker_name);
    d->kafka_listener = nst_copy_str(s->kafka_listener);
    d->ids = mq_palloc(&nst.keep, (size_t)(s->n_addrs + 1) * sizeof(*d->ids));
    d->addrs = mq_palloc(&nst.keep, (size_t)(s->n_addrs + 1) * sizeof(*d->addrs));
    for (int i = 0; i < s->n_addrs; i++) {
        d->ids[i] = s->ids[i];
        d->addrs[i] = nst_copy_str(s->addrs[i]);
    }
}

static void
nst_copy_brokers(mq_route_broker_t **d, const mq_route_broker_t *s, int n)
{
    *d = mq_palloc(&nst.keep, (size_t)(n + 1) * sizeof(**d));
    for (int i = 0; i < n; i++)
        nst_copy_broker(&(*d)[i], &s[i]);
}

static void
nst_copy_list(mq_str_list_t *d, const mq_str_list_t *s)
{
    d->n = s->n;
    d->items = mq_palloc(&nst.keep, (size_t)(s->n + 1) * sizeof(*d->items));
    for (int i = 0; i < s->n; i++)
        d->items[i] = nst_copy_str(s->items[i]);
}

static void
nst_copy_rep(mq_op_t op, mq_rep_t *d, const mq_rep_t *s)
{
    switch (op) {
    case MQ_OP_REGISTER_BROKER:
        d->u.reg.master_addr = nst_copy_str(s->u.reg.master_addr);
        d->u.reg.ha_addr = nst_copy_str(s->u.reg.ha_addr);
        break;
    case MQ_OP_QUERY_DATA_VERSION:
        d->u.changed = s->u.changed;
        break;
    case MQ_OP_GET_ROUTE:
        d->u.route = s->u.route;
        nst_copy_brokers(&d->u.route.brokers, s->u.route.brokers, s->u.route.n_brokers);
        d->u.route.queues =
            mq_palloc(&nst.keep, (size_t)(s->u.route.n_queues + 1) * sizeof(mq_route_queue_t));
        for (int i = 0; i < s->u.route.n_queues; i++) {
            d->u.route.queues[i] = s->u.route.queues[i];
            d->u.route.queues[i].broker_name = nst_copy_str(s->u.route.queues[i].broker_name);
        }
        d->u.route.order_topic_conf = nst_copy_str(s->u.route.order_topic_conf);
        break;
    case MQ_OP_GET_CLUSTER_INFO:
        d->u.cluster.n_brokers = s->u.cluster.n_brokers;
        nst_copy_brokers(&d->u.cluster.brokers, s->u.cluster.brokers, s->u.cluster.n_brokers);
        break;
    case MQ_OP_GET_TOPIC_LIST:
    case MQ_OP_KV_LIST:
        nst_copy_list(&d->u.list, &s->u.list);
        break;
    case MQ_OP_KV_GET:
        d->u.value = nst_copy_str(s->u.value);
        break;
    case MQ_OP_SET_BROKER_WRITABLE:
        d->u.count = s->u.count;
        break;
    default:
        break;
    }
}

/* ---- Requests ---- */

static void
nst_reply_cb(mq_req_t *req, int status, const mq_rep_t *rep)
{
    nst_req_t *r = MQ_CONTAINER_OF(req, nst_req_t, base);

    r->reply.called++;
    r->reply.status = status;
    r->reply.text = rep->text ? mq_pstrdup(&nst.keep, mq_str_from_cstr(rep->text)) : NULL;
    memset(&r->reply.rep, 0, sizeof(r->reply.rep));
    if (status == MQ_OK)
        nst_copy_rep(req->op, &r->reply.rep, rep);
}

static void
nst_req_init(nst_req_t *r, mq_op_t op)
{
    memset(r, 0, sizeof(*r));
    mq_pool_init(&r->pool, 0);
    r->base.op = op;
    r->base.pool = &r->pool;
    r->base.reply = nst_reply_cb;
}

/* Runs the request, checks it was answered exactly once, before handle() returned. */
static nst_reply_t
nst_run(nst_req_t *r)
{
    nst_reply_t out;

    nst.svc->handle(nst.svc, &r->base);
    out = r->reply;
    mq_pool_fini(&r->pool); /* the reply copy must not depend on the request's memory */
    cr_assert_eq(out.called, 1, "%s answered %d times", mq_op_name(r->base.op), out.called);
    return out;
}

static mq_str_t
nst_s(const char *s)
{
    return mq_str_from_cstr(s ? s : "");
}

/* "T1 T2:8:4:6" -> topic configs in pool. */
static int
nst_parse_topics(mq_pool_t *pool, const char *spec, mq_topic_conf_t **out)
{
    char *copy = mq_pstrdup(pool, nst_s(spec)), *save = NULL;
    int n = 0;

    *out = mq_pcalloc(pool, (strlen(copy) / 2 + 1) * sizeof(**out));
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        mq_topic_conf_t *tc = &(*out)[n++];
        char *colon = strchr(tok, ':');
        tc->read_queues = tc->write_queues = 4;
        tc->perm = 6;
        if (colon) {
            int r, w, p;
            cr_assert_eq(sscanf(colon + 1, "%d:%d:%d", &r, &w, &p), 3, "bad topic spec %s", tok);
            *colon = '\0';
            tc->read_queues = r;
            tc->write_queues = w;
            tc->perm = p;
        }
        tc->name = mq_str_from_cstr(tok);
    }
    return n;
}

nst_reply_t
nst_register(const nst_reg_t *s)
{
    nst_req_t r;
    mq_register_broker_t *rb = &r.base.u.register_broker;

    nst_req_init(&r, MQ_OP_REGISTER_BROKER);
    r.base.session = s->session;
    rb->cluster = nst_s(s->cluster ? s->cluster : "DefaultCluster");
    rb->broker_name = nst_s(s->name);
    rb->broker_addr = nst_s(s->addr);
    rb->ha_addr = nst_s(s->ha_addr);
    rb->broker_id = s->id;
    rb->heartbeat_timeout = s->timeout;
    rb->version = (mq_data_version_t){s->counter, 0, s->counter * 1000};
    rb->n_topics = nst_parse_topics(&r.pool, s->topics, &rb->topics);
    rb->kafka_listener = nst_s(s->kafka);
    rb->kafka_node_id = s->kafka ? s->kafka_node_id : -1;
    return nst_run(&r);
}

nst_reply_t
nst_unregister(const char *name, const char *addr, int64_t id)
{
    nst_req_t r;

    nst_req_init(&r, MQ_OP_UNREGISTER_BROKER);
    r.base.u.unregister_broker = (mq_unregister_broker_t){
        .cluster = MQ_STR("DefaultCluster"),
        .broker_name = nst_s(name),
        .broker_addr = nst_s(addr),
        .broker_id = id,
    };
    return nst_run(&r);
}

nst_reply_t
nst_query_version(const char *addr, int64_t counter)
{
    nst_req_t r;

    nst_req_init(&r, MQ_OP_QUERY_DATA_VERSION);
    r.base.u.query_data_version.broker_addr = nst_s(addr);
    r.base.u.query_data_version.version = (mq_data_version_t){counter, 0, counter * 1000};
    return nst_run(&r);
}

nst_reply_t
nst_get_route(const char *topic)
{
    nst_req_t r;

    nst_req_init(&r, MQ_OP_GET_ROUTE);
    r.base.u.get_route.topic = nst_s(topic);
    return nst_run(&r);
}

nst_reply_t
nst_cluster_info(void)
{
    return nst_op(MQ_OP_GET_CLUSTER_INFO);
}

nst_reply_t
nst_topic_list(const char *cluster)
{
    nst_req_t r;

    nst_req_init(&r, MQ_OP_GET_TOPIC_LIST);
    r.base.u.get_topic_list.cluster = cluster ? nst_s(cluster) : MQ_STR_NULL;
    return nst_run(&r);
}

nst_reply_t
nst_delete_topic(const char *topic)
{
    nst_req_t r;

    nst_req_init(&r, MQ_OP_DELETE_TOPIC_ROUTE);
    r.base.u.get_route.topic = nst_s(topic);
    return nst_run(&r);
}

nst_reply_t
nst_kv(mq_op_t op, const char *ns, const char *key, const char *value)
{
    nst_req_t r;

    nst_req_init(&r, op);
    r.base.u.kv = (mq_kv_t){nst_s(ns), nst_s(key), value ? nst_s(value) : MQ_STR_NULL};
    return nst_run(&r);
}

nst_reply_t
nst_set_writable(const char *name, int writable)
{
    nst_req_t r;

    nst_req_init(&r, MQ_OP_SET_BROKER_WRITABLE);
    r.base.u.set_broker_writable = (mq_set_broker_writable_t){nst_s(name), writable};
    return nst_run(&r);
}

nst_reply_t
nst_op(mq_op_t op)
{
    nst_req_t r;

    nst_req_init(&r, op);
    return nst_run(&r);
}

/* ---- Looking into replies ---- */

const mq_route_queue_t *
nst_queue(const mq_route_t *r, const char *broker_name)
{
    for (int i = 0; i < r->n_queues; i++) {
        if (mq_str_eq_cstr(r->queues[i].broker_name, broker_name))
            return &r->queues[i];
    }
    return NULL;
}

const mq_route_broker_t *
nst_broker(const mq_route_broker_t *v, int n, const char *broker_name)
{
    for (int i = 0; i < n; i++) {
        if (mq_str_eq_cstr(v[i].broker_name, broker_name))
            return &v[i];
    }
    return NULL;
}

const char *
nst_addr(const mq_route_broker_t *b, int64_t id)
{
    for (int i = 0; i < b->n_addrs; i++) {
        if (b->ids[i] == id)
            return b->addrs[i].p;
    }
    return NULL;
}

int
nst_list_has(const mq_str_list_t *l, const char *s)
{
    for (int i = 0; i < l->n; i++) {
        if (mq_str_eq_cstr(l->items[i], s))
            return 1;
    }
    return 0;
}
