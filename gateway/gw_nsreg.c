/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_nsreg.c -- the broker's NameServer client (gw_nsreg.h): one outbound remoting connection
 * per NameServer, each with its own state, so one NameServer that is down or slow never holds
 * up registration with the others (RocketMQ registers with each in parallel and waits at most
 * registerBrokerTimeoutMills, 24 s, for each answer).
 *
 * Per NameServer:
 *
 *   IDLE --(tick, retry time reached: gw_connect)--> CONNECTING
 *   CONNECTING --(on_connect: REGISTER_BROKER sent)--> UP
 *   CONNECTING --(on_close: refused, unreachable, timeout)--> IDLE, retry after backoff
 *   UP --(on_close: NameServer gone)--> IDLE, retry after backoff
 *   UP --(period, topics changed)--> UP (REGISTER_BROKER sent again)
 *   UP --(gw_nsreg_shutdown: UNREGISTER_BROKER, answer or timeout)--> closed for good
 *
 * The backoff starts at 0.5 s and doubles up to 5 s; it resets once a registration has been
 * acknowledged, so a peer that accepts connections and then breaks them is retried no faster
 * than a NameServer that refuses them. One log line per state change: registered (again), lost
 * (after a successful registration), unreachable (once per outage, whatever the reason:
 * refused, timeout, name not resolved, bad answer). Responses are matched to requests by
 * opaque; a failure code is logged with its remark.
 *
 * Queries: gw_nsreg_service() is a request-model service answering GET_ROUTE and
 * GET_CLUSTER_INFO by asking one connected NameServer (GET_ROUTEINFO_BY_TOPIC,
 * GET_BROKER_CLUSTER_INFO; the next one in turn each time), so a broker's Kafka front-end sees
 * the whole cluster. A query is answered MQ_EIO when no NameServer is connected or the
 * connection drops, MQ_ETIMEDOUT after GW_NS_QUERY_TIMEOUT_MS, MQ_ENOENT for an unknown topic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_nsreg.h"
#include "mq/log.h"
#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_frame.h"
#include "rmq_map.h"
#include "rmq_route.h"

#define GW_NS_TICK_S 0.5                  /* how often connections and deadlines are checked */
#define GW_NS_BACKOFF_MIN_MS 500          /* first retry after a failure */
#define GW_NS_BACKOFF_MAX_MS 5000         /* retries at most this far apart */
#define GW_NS_CONNECT_TIMEOUT_MS 3000     /* connectTimeoutMillis */
#define GW_NS_REQUEST_TIMEOUT_MS 24000    /* registerBrokerTimeoutMills */
#define GW_NS_PENDING 64                  /* requests awaiting an answer, per NameServer */
#define GW_NS_QUERY_TIMEOUT_MS 3000       /* a route or cluster query (clientCallbackExecutor) */
#define GW_NS_MAX_FRAME (4 * 1024 * 1024) /* answers are small; anything larger is wrong */

typedef enum gw_ns_state_e {
    GW_NS_IDLE = 0,   /* not connected; retry_at says when to try */
    GW_NS_CONNECTING, /* gw_connect issued */
    GW_NS_UP,         /* connected; registrations flow */
} gw_ns_state_t;

/* A request sent and not answered yet. */
typedef struct gw_ns_pending_s {
    int32_t opaque;  /* 0 = free slot */
    int32_t code;    /* REGISTER_BROKER or UNREGISTER_BROKER */
    int64_t sent_ms; /* for the timeout */
    mq_req_t *query; /* a query to answer (gw_nsreg_service), or NULL */
} gw_ns_pending_t;

/* One NameServer. Owned by the gw_nsreg_t; its connection by the gateway. */
typedef struct gw_ns_s {
    gw_nsreg_t *reg;      /* owner */
    gw_nsreg_addr_t addr; /* where it listens */
    char name[280];       /* "host:port", for logs */
    gw_ns_state_t state;  /* see the diagram above */
    gw_conn_t *conn;      /* CONNECTING/UP, else NULL */
    int64_t backoff_ms;   /* next delay after a failure */
    int64_t retry_at_ms;  /* IDLE: connect again at this time */
    int outage_logged;    /* this outage has been logged */
    const char *why;      /* protocol error that closed the connection */
    int registered;       /* a registration on this connection succeeded */
    int unregistered;     /* shutdown: 1 UNREGISTER_BROKER acknowledged, -1 refused, 0 no answer */
    gw_ns_pending_t pending[GW_NS_PENDING]; /* unanswered requests */
} gw_ns_t;

struct gw_nsreg_s {
    gw_t *gw;                 /* the loop */
    gw_proto_t proto;         /* on_data / on_close / on_connect of our connections */
    gw_nsreg_build_fn build;  /* what to announce */
    void *build_arg;          /* its argument */
    int64_t period_ms;        /* registerNameServerPeriod */
    int64_t next_register_ms; /* when the periodic registration is due */
    int32_t next_opaque;      /* of our requests */
    int change_posted;        /* a topics-changed registration is queued on the loop */
    int closing;              /* gw_nsreg_shutdown called: no reconnects, no registrations */
    int waiting;              /* shutdown: the loop runs until unregisters are answered */
    int64_t wait_deadline_ms; /* ... or until this time */
    gw_ns_t ns[GW_NSREG_MAX]; /* the NameServers */
    int n_ns;                 /* how many of ns[] are in use */
    int next_query;           /* the NameServer the next query tries first */
    mq_service_t svc;         /* gw_nsreg_service */
};

/* ---- Parsing namesrvAddr ---- */

int
gw_nsreg_parse(const char *list, gw_nsreg_addr_t *out, int max)
{
    int n = 0;
    const char *p = list;
    if (!list)
        return -1;
    while (*p) {
        const char *end = strchr(p, ';'), *b = p, *e, *colon;
        char *tail;
        long port;
        char num[16];
        if (!end)
            end = p + strlen(p);
        e = end;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            e--;
        p = *end ? end + 1 : end;
        if (b == e)
            continue;
        colon = NULL;
        for (const char *q = b; q < e; q++)
            if (*q == ':')
                colon = q;
        if (!colon || colon == b || e - colon - 1 <= 0 || e - colon - 1 >= (long)sizeof(num) ||
            (size_t)(colon - b) >= sizeof(out->host) || n == max)
            return -1;
        memcpy(num, colon + 1, (size_t)(e - colon - 1));
        num[e - colon - 1] = '\0';
        errno = 0;
        port = strtol(num, &tail, 10);
        if (*tail || errno || port < 1 || port > 65535)
            return -1;
        memcpy(out[n].host, b, (size_t)(colon - b));
        out[n].host[colon - b] = '\0';
        out[n].port = (int)port;
        n++;
    }
    return n > 0 ? n : -1;
}

/* ---- Requests and answers ---- */

/* Ends a pending query with status (no answer body). */
static void
gw_ns_query_fail(gw_ns_pending_t *pd, int status)
{
    mq_req_t *q = pd->query;
    pd->query = NULL;
    if (q)
        q->reply(q, status, NULL);
}

static void
gw_ns_track(gw_ns_t *ns, int32_t opaque, int32_t code, mq_req_t *query)
{
    gw_ns_pending_t *slot = &ns->pending[0];
    for (int i = 0; i < GW_NS_PENDING; i++) {
        if (ns->pending[i].opaque == 0) {
            slot = &ns->pending[i];
            break;
        }
        if (ns->pending[i].sent_ms < slot->sent_ms)
            slot = &ns->pending[i]; /* all busy: forget the oldest */
    }
    gw_ns_query_fail(slot, MQ_ETIMEDOUT);
    slot->opaque = opaque;
    slot->code = code;
    slot->sent_ms = mq_now_ms();
    slot->query = query;
}

static int32_t
gw_nsreg_opaque(gw_nsreg_t *reg)
{
    int32_t o = reg->next_opaque++;
    if (reg->next_opaque <= 0)
        reg->next_opaque = 1;
    return o;
}

/* Sends the registration rb to one connected NameServer. */
static void
gw_ns_send_register(gw_ns_t *ns, const mq_register_broker_t *rb, mq_pool_t *pool)
{
    mq_buf_t out = MQ_BUF_INIT;
    int32_t opaque = gw_nsreg_opaque(ns->reg);
    rmq_register_broker_encode(rb, opaque, pool, &out);
    gw_ns_track(ns, opaque, RMQ_REGISTER_BROKER, NULL);
    gw_conn_send(ns->conn, &out);
    mq_buf_fini(&out);
}

/* Registers with one NameServer (only) or, when only is NULL, every connected one. */
static void
gw_nsreg_register(gw_nsreg_t *reg, gw_ns_t *only)
{
    mq_pool_t pool;
    mq_register_broker_t rb;
    if (reg->closing)
        return;
    mq_pool_init(&pool, 0);
    reg->build(reg->build_arg, &pool, &rb);
    for (int i = 0; i < reg->n_ns; i++) {
        gw_ns_t *ns = &reg->ns[i];
        if ((only && ns != only) || ns->state != GW_NS_UP || !ns->conn)
            continue;
        gw_ns_send_register(ns, &rb, &pool);
    }
    mq_pool_fini(&pool);
}

/* Shutdown: is every NameServer that was asked done (answered or gone)? */
static int
gw_nsreg_all_done(const gw_nsreg_t *reg)
{
    for (int i = 0; i < reg->n_ns; i++) {
        const gw_ns_t *ns = &reg->ns[i];
        if (ns->state == GW_NS_UP && ns->conn && ns->unregistered == 0)
            return 0;
    }
    return 1;
}

/* A NameServer's answer to a query: decoded into the query's pool and replied. */
static void
gw_ns_query_answer(mq_req_t *q, const rmq_cmd_t *cmd)
{
    mq_rep_t rep;
    int rc;
    memset(&rep, 0, sizeof(rep));
    if (cmd->code == RMQ_RC_TOPIC_NOT_EXIST) {
        q->reply(q, MQ_ENOENT, NULL);
        return;
    }
    if (cmd->code != RMQ_RC_SUCCESS) {
        q->reply(q, MQ_EIO, NULL);
        return;
    }
    rc = q->op == MQ_OP_GET_ROUTE ? rmq_route_decode(cmd->body, q->pool, &rep.u.route)
                                  : rmq_cluster_info_decode(cmd->body, q->pool, &rep.u.cluster);
    q->reply(q, rc, rc == MQ_OK ? &rep : NULL);
}

static void
gw_ns_answer(gw_ns_t *ns, const rmq_cmd_t *cmd)
{
    gw_nsreg_t *reg = ns->reg;
    int32_t code = 0;
    mq_req_t *query = NULL;
    for (int i = 0; i < GW_NS_PENDING; i++) {
        if (ns->pending[i].opaque == cmd->opaque && cmd->opaque != 0) {
            code = ns->pending[i].code;
            query = ns->pending[i].query;
            ns->pending[i].opaque = 0;
            ns->pending[i].query = NULL;
            break;
        }
    }
    if (query) {
        gw_ns_query_answer(query, cmd);
        return;
    }
    if (code == 0) {
        MQ_LOG_DEBUG("nsreg", "NameServer %s: answer to an unknown request (opaque %d)", ns->name,
                     cmd->opaque);
        return;
    }
    if (cmd->code != RMQ_RC_SUCCESS) {
        MQ_LOG_WARN("nsreg", "NameServer %s refused %s: code %d%s%.*s", ns->name,
                    rmq_request_name(code), cmd->code, cmd->remark.p ? ", " : "",
                    (int)cmd->remark.n, cmd->remark.p ? cmd->remark.p : "");
        if (code == RMQ_REGISTER_BROKER)
            ns->registered = 0;
    } else if (code == RMQ_REGISTER_BROKER && !ns->registered) {
        ns->registered = 1;
        ns->backoff_ms = GW_NS_BACKOFF_MIN_MS;
        MQ_LOG_INFO("nsreg", "registered with NameServer %s%s", ns->name,
                    ns->outage_logged ? " again" : "");
        ns->outage_logged = 0;
    }
    if (code == RMQ_UNREGISTER_BROKER) {
        ns->unregistered = cmd->code == RMQ_RC_SUCCESS ? 1 : -1;
        if (reg->waiting && gw_nsreg_all_done(reg))
            gw_stop(reg->gw);
    }
}

/* ---- Connection callbacks ---- */

static ssize_t
gw_ns_on_data(gw_conn_t *c, const uint8_t *p, size_t n)
{
    gw_ns_t *ns = gw_conn_data(c);
    rmq_frame_t f;
    rmq_cmd_t cmd;
    mq_pool_t pool;
    ssize_t used = rmq_frame_parse(p, n, GW_NS_MAX_FRAME, &f, NULL);

    if (used == MQ_AGAIN)
        return 0;
    if (used < 0) { /* on_close logs it, once per outage */
        ns->why = used == MQ_ETOOBIG ? "oversized answer" : "malformed answer";
        return used;
    }
    mq_pool_init(&pool, 1024);
    if (rmq_cmd_decode(&f, &pool, &cmd) != MQ_OK)
        MQ_LOG_WARN("nsreg", "NameServer %s: undecodable header; ignored", ns->name);
    else if (rmq_cmd_is_response(&cmd))
        gw_ns_answer(ns, &cmd);
    else
        MQ_LOG_DEBUG("nsreg", "NameServer %s sent request code %d; ignored", ns->name, cmd.code);
    mq_pool_fini(&pool);
    return used;
}

static void
gw_ns_on_connect(gw_conn_t *c)
{
    gw_ns_t *ns = gw_conn_data(c);
    ns->state = GW_NS_UP;
    ns->registered = 0;
    MQ_LOG_DEBUG("nsreg", "connected to NameServer %s", ns->name);
    gw_nsreg_register(ns->reg, ns);
}

static void
gw_ns_on_close(gw_conn_t *c)
{
    gw_ns_t *ns = gw_conn_data(c);
    gw_nsreg_t *reg = ns->reg;
    int err = gw_conn_errno(c);
    int was_registered = ns->registered;
    const char *why = ns->why ? ns->why : err ? strerror(err) : "closed by the peer";

    ns->conn = NULL;
    ns->state = GW_NS_IDLE;
    ns->registered = 0;
    ns->why = NULL;
    for (int i = 0; i < GW_NS_PENDING; i++)
        gw_ns_query_fail(&ns->pending[i], MQ_EIO);
    memset(ns->pending, 0, sizeof(ns->pending));
    if (reg->closing) {
        if (reg->waiting && gw_nsreg_all_done(reg))
            gw_stop(reg->gw);
        return;
    }
    if (was_registered) {
        MQ_LOG_WARN("nsreg", "lost the connection to NameServer %s: %s; reconnecting", ns->name,
                    why);
        ns->outage_logged = 1;
    } else if (!ns->outage_logged) {
        MQ_LOG_WARN("nsreg", "cannot register with NameServer %s: %s; retrying every %d ms at most",
                    ns->name, why, GW_NS_BACKOFF_MAX_MS);
        ns->outage_logged = 1;
    }
    ns->retry_at_ms = mq_now_ms() + ns->backoff_ms;
    ns->backoff_ms =
        ns->backoff_ms * 2 > GW_NS_BACKOFF_MAX_MS ? GW_NS_BACKOFF_MAX_MS : ns->backoff_ms * 2;
}

static void
gw_ns_connect(gw_ns_t *ns)
{
    gw_nsreg_t *reg = ns->reg;
    gw_conn_t *c;
    if (gw_connect(reg->gw, ns->addr.host, ns->addr.port, &reg->proto, reg,
                   GW_NS_CONNECT_TIMEOUT_MS, &c) != MQ_OK) {
        /* the name does not resolve (or no socket): try again later, it may resolve then */
        if (!ns->outage_logged)
            MQ_LOG_WARN("nsreg", "cannot resolve NameServer %s; retrying every %d ms", ns->name,
                        GW_NS_BACKOFF_MAX_MS);
        ns->outage_logged = 1;
        ns->retry_at_ms = mq_now_ms() + GW_NS_BACKOFF_MAX_MS;
        return;
    }
    gw_conn_set_data(c, ns);
    ns->conn = c;
    ns->state = GW_NS_CONNECTING;
}

/* ---- Timers and hooks ---- */

static void
gw_nsreg_tick(void *arg)
{
    gw_nsreg_t *reg = arg;
    int64_t now = mq_now_ms();

    if (reg->closing) {
        if (reg->waiting && now >= reg->wait_deadline_ms)
            gw_stop(reg->gw);
        return;
    }
    for (int i = 0; i < reg->n_ns; i++) {
        gw_ns_t *ns = &reg->ns[i];
        if (ns->state == GW_NS_IDLE && now >= ns->retry_at_ms)
            gw_ns_connect(ns);
        for (int j = 0; j < GW_NS_PENDING; j++) {
            gw_ns_pending_t *pd = &ns->pending[j];
            if (pd->opaque != 0 && pd->query && now - pd->sent_ms > GW_NS_QUERY_TIMEOUT_MS) {
                pd->opaque = 0;
                gw_ns_query_fail(pd, MQ_ETIMEDOUT);
            } else if (pd->opaque != 0 && now - pd->sent_ms > GW_NS_REQUEST_TIMEOUT_MS) {
                MQ_LOG_WARN("nsreg", "NameServer %s: no answer to %s in %d ms", ns->name,
                            rmq_request_name(pd->code), GW_NS_REQUEST_TIMEOUT_MS);
                pd->opaque = 0;
            }
        }
    }
    if (now >= reg->next_register_ms) {
        reg->next_register_ms = now + reg->period_ms;
        gw_nsreg_register(reg, NULL);
    }
}

static void
gw_nsreg_changed_cb(void *arg)
{
    gw_nsreg_t *reg = arg;
    reg->change_posted = 0;
    gw_nsreg_register(reg, NULL);
}

void
gw_nsreg_topics_changed(void *arg)
{
    gw_nsreg_t *reg = arg;
    mq_exec_t *ex = gw_exec(reg->gw);
    if (reg->closing || reg->change_posted)
        return;
    reg->change_posted = 1;
    ex->post(ex, gw_nsreg_changed_cb, reg);
}

/* ---- Queries (gw_nsreg_service) ---- */

static void
gw_nsreg_svc_handle(mq_service_t *svc, mq_req_t *req)
{
    gw_nsreg_t *reg = svc->ctx;
    gw_ns_t *ns = NULL;
    rmq_cmd_t cmd;
    mq_buf_t out = MQ_BUF_INIT;
    int32_t opaque;

    if (req->op != MQ_OP_GET_ROUTE && req->op != MQ_OP_GET_CLUSTER_INFO) {
        req->reply(req, MQ_EINVAL, NULL);
        return;
    }
    for (int i = 0; i < reg->n_ns && !ns && !reg->closing; i++) {
        gw_ns_t *c = &reg->ns[(reg->next_query + i) % reg->n_ns];
        if (c->state == GW_NS_UP && c->conn)
            ns = c;
    }
    if (!ns) {
        req->reply(req, MQ_EIO, NULL);
        return;
    }
    reg->next_query = (int)(ns - reg->ns + 1) % reg->n_ns;
    opaque = gw_nsreg_opaque(reg);
    if (req->op == MQ_OP_GET_ROUTE) {
        rmq_cmd_init(&cmd, RMQ_GET_ROUTEINFO_BY_TOPIC, opaque, 0);
        rmq_cmd_add(&cmd, req->pool, "topic", req->u.get_route.topic);
    } else {
        rmq_cmd_init(&cmd, RMQ_GET_BROKER_CLUSTER_INFO, opaque, 0);
    }
    rmq_cmd_encode(&cmd, &out);
    gw_ns_track(ns, opaque, cmd.code, req);
    gw_conn_send(ns->conn, &out);
    mq_buf_fini(&out);
}

mq_service_t *
gw_nsreg_service(gw_nsreg_t *reg)
{
    return &reg->svc;
}

/* ---- Life cycle ---- */

gw_nsreg_t *
gw_nsreg_new(gw_t *gw, const char *list, int64_t period_ms, gw_nsreg_build_fn build,
             void *build_arg)
{
    gw_nsreg_addr_t addrs[GW_NSREG_MAX];
    int n = gw_nsreg_parse(list, addrs, GW_NSREG_MAX);
    gw_nsreg_t *reg;

    if (n < 0) {
        MQ_LOG_ERROR("nsreg", "bad NameServer address list \"%s\" (want host:port;host:port)",
                     list ? list : "");
        return NULL;
    }
    reg = mq_xcalloc(1, sizeof(*reg));
    reg->gw = gw;
    reg->build = build;
    reg->build_arg = build_arg;
    reg->period_ms = period_ms > 0 ? period_ms : 30000;
    reg->next_opaque = 1;
    reg->proto.name = "rocketmq-nsreg";
    reg->proto.on_data = gw_ns_on_data;
    reg->proto.on_close = gw_ns_on_close;
    reg->proto.on_connect = gw_ns_on_connect;
    reg->proto.max_buffer = GW_NS_MAX_FRAME + 8;
    reg->n_ns = n;
    reg->svc.name = "namesrv-client";
    reg->svc.handle = gw_nsreg_svc_handle;
    reg->svc.ctx = reg;
    for (int i = 0; i < n; i++) {
        gw_ns_t *ns = &reg->ns[i];
        ns->reg = reg;
        ns->addr = addrs[i];
        snprintf(ns->name, sizeof(ns->name), "%.255s:%d", addrs[i].host, addrs[i].port);
        ns->backoff_ms = GW_NS_BACKOFF_MIN_MS;
        gw_ns_connect(ns); /* each registers once connected (on_connect) */
    }
    /* the first periodic registration is one period after start: on_connect did the first */
    reg->next_register_ms = mq_now_ms() + reg->period_ms;
    gw_timer_start(gw, GW_NS_TICK_S, gw_nsreg_tick, reg);
    return reg;
}

int
gw_nsreg_shutdown(gw_nsreg_t *reg, int64_t timeout_ms)
{
    mq_pool_t pool;
    mq_register_broker_t rb;
    mq_unregister_broker_t ub;
    int sent = 0, acked = 0;

    if (!reg || reg->closing)
        return 0;
    mq_pool_init(&pool, 0);
    reg->build(reg->build_arg, &pool, &rb);
    reg->closing = 1;
    ub.cluster = rb.cluster;
    ub.broker_name = rb.broker_name;
    ub.broker_addr = rb.broker_addr;
    ub.broker_id = rb.broker_id;
    for (int i = 0; i < reg->n_ns; i++) {
        gw_ns_t *ns = &reg->ns[i];
        mq_buf_t out = MQ_BUF_INIT;
        int32_t opaque;
        if (ns->state != GW_NS_UP || !ns->conn)
            continue;
        opaque = gw_nsreg_opaque(reg);
        rmq_unregister_broker_encode(&ub, opaque, &pool, &out);
        gw_ns_track(ns, opaque, RMQ_UNREGISTER_BROKER, NULL);
        gw_conn_send(ns->conn, &out);
        mq_buf_fini(&out);
        sent++;
    }
    mq_pool_fini(&pool);
    if (sent > 0 && !gw_nsreg_all_done(reg)) {
        reg->waiting = 1;
        reg->wait_deadline_ms = mq_now_ms() + timeout_ms;
        gw_run(reg->gw); /* until every answer came (gw_ns_answer) or the deadline (tick) */
        reg->waiting = 0;
    }
    for (int i = 0; i < reg->n_ns; i++) {
        gw_ns_t *ns = &reg->ns[i];
        if (ns->unregistered > 0) {
            acked++;
            MQ_LOG_INFO("nsreg", "unregistered from NameServer %s", ns->name);
        } else if (ns->state == GW_NS_UP && ns->unregistered == 0) {
            MQ_LOG_WARN("nsreg", "NameServer %s did not acknowledge the unregistration", ns->name);
        }
        if (ns->conn)
            gw_conn_close(ns->conn); /* on_close clears ns->conn */
    }
    return acked;
}

void
gw_nsreg_free(gw_nsreg_t *reg)
{
    free(reg);
}
