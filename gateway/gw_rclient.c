/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_rclient.c -- remoting requests from this broker to other brokers (gw_rclient.h).
 *
 * Per peer:
 *   (none) --call--> CONNECTING (frames wait in the connection's send queue)
 *   CONNECTING --on_connect--> UP;  CONNECTING/UP --on_close--> (none): its calls fail MQ_EIO
 * A call whose peer cannot even be resolved fails from the next tick. Calls that time out are
 * answered MQ_ETIMEDOUT from the tick (every 0.25 s); a late answer is then ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_rclient.h"
#include "mq/log.h"
#include "rmq_frame.h"

#define GW_RC_TICK_S 0.25
#define GW_RC_CONNECT_TIMEOUT_MS 3000
#define GW_RC_MAX_FRAME (16 * 1024 * 1024)

typedef struct gw_rcall_s gw_rcall_t;
typedef struct gw_rpeer_s gw_rpeer_t;

struct gw_rcall_s {
    gw_rcall_t *next;
    gw_rpeer_t *peer; /* NULL: failed before it was sent (answered at the next tick) */
    int32_t opaque;
    int64_t deadline_ms;
    gw_rclient_fn fn;
    void *arg;
};

struct gw_rpeer_s {
    gw_rpeer_t *next;
    gw_rclient_t *rc;
    char addr[280];
    gw_conn_t *conn;
};

struct gw_rclient_s {
    gw_t *gw;
    gw_proto_t proto;
    gw_rpeer_t *peers;
    gw_rcall_t *calls; /* outstanding */
    int32_t next_opaque;
};

/* Unlinks the call and answers it. */
static void
gw_rcall_finish(gw_rclient_t *rc, gw_rcall_t *call, int status, const rmq_cmd_t *resp)
{
    for (gw_rcall_t **pp = &rc->calls; *pp; pp = &(*pp)->next) {
        if (*pp == call) {
            *pp = call->next;
            break;
        }
    }
    call->fn(call->arg, status, resp);
    free(call);
}

/* Answers every call of peer (all when peer is NULL) with status. */
static void
gw_rcall_fail_peer(gw_rclient_t *rc, gw_rpeer_t *peer, int status)
{
    gw_rcall_t **pp = &rc->calls;
    while (*pp) {
        gw_rcall_t *c = *pp;
        if (peer && c->peer != peer) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        c->fn(c->arg, status, NULL);
        free(c);
    }
}

static ssize_t
gw_rpeer_on_data(gw_conn_t *c, const uint8_t *p, size_t n)
{
    gw_rpeer_t *peer = gw_conn_data(c);
    gw_rclient_t *rc = gw_conn_proto_ctx(c);
    rmq_frame_t f;
    rmq_cmd_t cmd;
    mq_pool_t pool;
    ssize_t used = rmq_frame_parse(p, n, GW_RC_MAX_FRAME, &f, NULL);
    if (used == MQ_AGAIN)
        return 0;
    if (used < 0) {
        MQ_LOG_WARN("rclient", "broker %s sent a malformed frame; closing", peer->addr);
        return used;
    }
    mq_pool_init(&pool, 1024);
    if (rmq_cmd_decode(&f, &pool, &cmd) == MQ_OK && rmq_cmd_is_response(&cmd)) {
        for (gw_rcall_t *call = rc->calls; call; call = call->next) {
            if (call->peer == peer && call->opaque == cmd.opaque) {
                gw_rcall_finish(rc, call, MQ_OK, &cmd);
                break;
            }
        }
    }
    mq_pool_fini(&pool);
    return used;
}

static void
gw_rpeer_on_close(gw_conn_t *c)
{
    gw_rpeer_t *peer = gw_conn_data(c);
    gw_rclient_t *rc = gw_conn_proto_ctx(c);
    if (!peer)
        return;
    peer->conn = NULL;
    gw_rcall_fail_peer(rc, peer, MQ_EIO);
}

static gw_rpeer_t *
gw_rpeer_get(gw_rclient_t *rc, const char *addr)
{
    gw_rpeer_t *peer;
    const char *colon;
    char host[256];
    for (peer = rc->peers; peer; peer = peer->next)
        if (strcmp(peer->addr, addr) == 0)
            break;
    if (!peer) {
        peer = mq_xcalloc(1, sizeof(*peer));
        peer->rc = rc;
        snprintf(peer->addr, sizeof(peer->addr), "%s", addr);
        peer->next = rc->peers;
        rc->peers = peer;
    }
    if (peer->conn)
        return peer;
    colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof(host))
        return NULL;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
    if (gw_connect(rc->gw, host, atoi(colon + 1), &rc->proto, rc, GW_RC_CONNECT_TIMEOUT_MS,
                   &peer->conn) != MQ_OK) {
        peer->conn = NULL;
        return NULL;
    }
    gw_conn_set_data(peer->conn, peer);
    return peer;
}

static void
gw_rclient_tick(void *arg)
{
    gw_rclient_t *rc = arg;
    int64_t now = mq_now_ms();
    gw_rcall_t *c = rc->calls;
    while (c) {
        gw_rcall_t *next = c->next;
        if (!c->peer)
            gw_rcall_finish(rc, c, MQ_EIO, NULL);
        else if (now >= c->deadline_ms)
            gw_rcall_finish(rc, c, MQ_ETIMEDOUT, NULL);
        c = next;
    }
}

gw_rclient_t *
gw_rclient_new(gw_t *gw)
{
    gw_rclient_t *rc = mq_xcalloc(1, sizeof(*rc));
    rc->gw = gw;
    rc->next_opaque = 1;
    rc->proto.name = "rocketmq-broker-client";
    rc->proto.on_data = gw_rpeer_on_data;
    rc->proto.on_close = gw_rpeer_on_close;
    rc->proto.max_buffer = GW_RC_MAX_FRAME + 8;
    gw_timer_start(gw, GW_RC_TICK_S, gw_rclient_tick, rc);
    return rc;
}

void
gw_rclient_free(gw_rclient_t *rc)
{
    if (!rc)
        return;
    gw_rcall_fail_peer(rc, NULL, MQ_ECLOSED); /* gw_free closed the connections already */
    while (rc->peers) {
        gw_rpeer_t *p = rc->peers;
        rc->peers = p->next;
        free(p);
    }
    free(rc);
}

void
gw_rclient_call(gw_rclient_t *rc, const char *addr, rmq_cmd_t *req, int64_t timeout_ms,
                gw_rclient_fn fn, void *arg)
{
    gw_rcall_t *call = mq_xcalloc(1, sizeof(*call));
    call->fn = fn;
    call->arg = arg;
    call->deadline_ms = mq_now_ms() + timeout_ms;
    call->opaque = rc->next_opaque++;
    if (rc->next_opaque <= 0)
        rc->next_opaque = 1;
    call->peer = gw_rpeer_get(rc, addr);
    call->next = rc->calls;
    rc->calls = call;
    if (call->peer) {
        mq_buf_t out = MQ_BUF_INIT;
        req->opaque = call->opaque;
        rmq_cmd_encode(req, &out);
        gw_conn_send(call->peer->conn, &out);
        mq_buf_fini(&out);
    }
}
