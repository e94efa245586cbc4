/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_rmq.c -- the RocketMQ remoting front-end of the gateway: frames in, requests to a
 * service, replies out (in whatever order the service answers, matched by opaque).
 *
 *   bytes --rmq_frame_parse--> frame (copied into the request's pool: the receive buffer
 *   moves on) --rmq_cmd_decode--> command --rmq_map_request--> mq_req_t --svc->handle-->
 *   ... reply(req) --rmq_map_reply--> response frame --gw_conn_send
 *
 * Bad input: an oversized or inconsistent frame closes the connection with one log line; a
 * header that does not decode gets SYSTEM_ERROR; an unknown code gets
 * REQUEST_CODE_NOT_SUPPORTED; a one-way request gets no reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_rmq.h"
#include "mq/log.h"
#include "rmq_codes.h"
#include "rmq_map.h"

typedef struct gw_rmq_req_s {
    mq_req_t base;   /* what the service sees */
    mq_pool_t pool;  /* everything the request allocates */
    gw_conn_t *conn; /* held until the reply */
    int32_t opaque;  /* echoed by the response */
    int32_t code;    /* request code, for logs */
    int oneway;      /* no response */
} gw_rmq_req_t;

static void
gw_rmq_send(gw_conn_t *c, mq_buf_t *out)
{
    gw_conn_send(c, out);
    mq_buf_fini(out);
}

static void
gw_rmq_reply(mq_req_t *req, int status, const mq_rep_t *rep)
{
    gw_rmq_req_t *rq = MQ_CONTAINER_OF(req, gw_rmq_req_t, base);
    if (!rq->oneway && gw_conn_is_open(rq->conn)) {
        mq_buf_t out = MQ_BUF_INIT;
        rmq_map_reply(req, status, rep, rq->opaque, &rq->pool, &out);
        gw_rmq_send(rq->conn, &out);
    }
    gw_conn_release(rq->conn);
    mq_pool_fini(&rq->pool);
    free(rq);
}

static void
gw_rmq_error(gw_conn_t *c, int32_t code, int32_t opaque, const char *remark)
{
    mq_buf_t out = MQ_BUF_INIT;
    rmq_map_error(code, opaque, remark, &out);
    gw_rmq_send(c, &out);
}

/* The producer's address as the store records it (BORNHOST). */
static void
gw_rmq_born_host(gw_conn_t *c, mq_produce_t *p)
{
    mq_host_t h;
    gw_conn_peer_host(c, &h);
    for (int i = 0; i < p->n_msgs; i++)
        p->msgs[i].born_host = h;
}

/* mq_notify_fn: a server-initiated one-way request on the session's connection. */
static void
gw_rmq_notify(void *session, const mq_notice_t *n)
{
    gw_conn_t *c = session;
    gw_rmq_t *fe = gw_conn_proto_ctx(c);
    mq_pool_t pool;
    mq_buf_t out = MQ_BUF_INIT;
    if (!gw_conn_is_open(c))
        return;
    mq_pool_init(&pool, 512);
    rmq_map_notice(n, (int32_t)(fe->next_opaque++ & 0x7fffffff), &pool, &out);
    if (out.len > 0)
        gw_rmq_send(c, &out);
    mq_buf_fini(&out);
    mq_pool_fini(&pool);
}

static ssize_t
gw_rmq_on_data(gw_conn_t *c, const uint8_t *p, size_t n)
{
    gw_rmq_t *fe = gw_conn_proto_ctx(c);
    rmq_frame_t f;
    rmq_cmd_t cmd;
    gw_rmq_req_t *rq;
    const char *why = NULL;
    uint8_t *copy;
    ssize_t used = rmq_frame_parse(p, n, fe->max_frame, &f, NULL);
    int rc;

    if (used == MQ_AGAIN)
        return 0;
    if (used < 0) {
        MQ_LOG_WARN("rocketmq", "%s: %s frame (%s); closing the connection", gw_conn_peer(c),
                    used == MQ_ETOOBIG ? "oversized" : "malformed", mq_err_name((int)used));
        return used;
    }
    rq = mq_xcalloc(1, sizeof(*rq));
    mq_pool_init(&rq->pool, 4096);
    copy = mq_palloc(&rq->pool, (size_t)used);
    memcpy(copy, p, (size_t)used);
    rmq_frame_parse(copy, (size_t)used, fe->max_frame, &f, NULL);
    if (rmq_cmd_decode(&f, &rq->pool, &cmd) != MQ_OK) {
        MQ_LOG_WARN("rocketmq", "%s: undecodable header (%zu bytes); answering SYSTEM_ERROR",
                    gw_conn_peer(c), f.header.n);
        gw_rmq_error(c, RMQ_RC_SYSTEM_ERROR, cmd.opaque, "cannot decode the request header");
        goto done;
    }
    if (rmq_cmd_is_response(&cmd))
        goto done; /* answers to our requests: only one-way notices are sent so far */
    rq->opaque = cmd.opaque;
    rq->code = cmd.code;
    rq->oneway = rmq_cmd_is_oneway(&cmd);
    rc = rmq_map_request(&cmd, &rq->pool, &rq->base, &why);
    if (rc == MQ_DECLINED) {
        char remark[64];
        snprintf(remark, sizeof(remark), " request type %d not supported", cmd.code);
        MQ_LOG_DEBUG("rocketmq", "%s: %s", gw_conn_peer(c), remark);
        if (!rq->oneway)
            gw_rmq_error(c, RMQ_RC_REQUEST_CODE_NOT_SUPPORTED, cmd.opaque, remark);
        goto done;
    }
    if (rc != MQ_OK) {
        char remark[256];
        snprintf(remark, sizeof(remark), "%s: missing or invalid field %s",
                 rmq_request_name(cmd.code), why ? why : "?");
        MQ_LOG_WARN("rocketmq", "%s: %s", gw_conn_peer(c), remark);
        if (!rq->oneway)
            gw_rmq_error(c, RMQ_RC_SYSTEM_ERROR, cmd.opaque, remark);
        goto done;
    }
    if (rq->base.op == MQ_OP_PRODUCE)
        gw_rmq_born_host(c, &rq->base.u.produce);
    else if (rq->base.op == MQ_OP_CLIENT_HEARTBEAT) /* GET_CONSUMER_CONNECTION_LIST clientAddr */
        rq->base.u.heartbeat.client_addr = mq_str_from_cstr(gw_conn_peer(c));
    rq->base.pool = &rq->pool;
    rq->base.reply = gw_rmq_reply;
    rq->base.session = c;
    rq->base.notify = gw_rmq_notify;
    rq->conn = c;
    gw_conn_hold(c);
    fe->svc->handle(fe->svc, &rq->base); /* replies now or later; frees rq */
    return used;
done:
    mq_pool_fini(&rq->pool);
    free(rq);
    return used;
}

static void
gw_rmq_on_close(gw_conn_t *c)
{
    gw_rmq_t *fe = gw_conn_proto_ctx(c);
    if (fe->svc->session_closed)
        fe->svc->session_closed(fe->svc, c);
}

void
gw_rmq_init(gw_rmq_t *fe, mq_service_t *svc)
{
    fe->svc = svc;
    fe->next_opaque = 1;
    fe->max_frame = RMQ_FRAME_MAX_DEFAULT;
    fe->proto.name = "rocketmq";
    fe->proto.on_data = gw_rmq_on_data;
    fe->proto.on_close = gw_rmq_on_close;
    fe->proto.max_buffer = fe->max_frame + 8;
}
