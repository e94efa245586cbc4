/* SPDX-License-Identifier: Apache-2.0
 *
 * gw.h -- the gateway: the only server-side code that touches sockets and libev.
 *
 * A gateway is one libev loop. Listeners map a port to a protocol front-end (gw_proto_t);
 * each accepted connection owns a receive buffer and a send queue. The front-end is handed
 * the unread bytes, answers frames in any order (matched by its own ids) with gw_conn_send(),
 * and may send requests of its own on the connection. Connections are refcounted: a request
 * waiting for a late reply (long poll, sync flush) holds a reference, so a connection that
 * closes meanwhile stays allocated, and a reply sent to it is dropped.
 *
 * Outbound connections (gw_connect) are the same gw_conn_t, driven by the same loop, on_data,
 * on_close and send queue; they start CONNECTING, and what is sent meanwhile waits in the queue.
 *
 * Connection states:
 *   gw_connect -> CONNECTING --(connected: on_connect)--> OPEN
 *   accept -> OPEN --(peer closes, error, idle timeout, gw_conn_close)--> CLOSED
 *   CONNECTING --(refused, unreachable, connect timeout, gw_conn_close)--> CLOSED
 *   CLOSED (socket closed, on_close called once; gw_conn_errno says why) --(last reference
 *   released)--> freed.
 */
#ifndef MQ_GW_H
#define MQ_GW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mq/buf.h"
#include "mq/common.h"
#include "mq/exec.h"
#include "mq/msg.h"

typedef struct gw_s gw_t;
typedef struct gw_conn_s gw_conn_t;
typedef struct gw_timer_s gw_timer_t;

/* A protocol front-end. */
typedef struct gw_proto_s {
    const char *name; /* "rocketmq", "kafka" */
    /* The connection's unread bytes: returns how many were consumed (0 = need more), or a
     * negative mq_err_t to close the connection (the front-end has logged why). */
    ssize_t (*on_data)(gw_conn_t *c, const uint8_t *p, size_t n);
    /* Called once when the connection is closed (before the last reference goes), also when
     * an outbound connection could not be established. */
    void (*on_close)(gw_conn_t *c);
    size_t max_buffer; /* receive-buffer limit (a frame cannot be larger) */
    /* Outbound connections only (read by gw_connect's connections, never for accepted ones):
     * the connection is established. May be NULL. */
    void (*on_connect)(gw_conn_t *c);
} gw_proto_t;

/* Functions used to run a gateway. */
gw_t *gw_new(void);
void gw_free(gw_t *gw);
/* Listens on host:port (port 0 = any; *bound gets the port). proto_ctx is handed back by
 * gw_conn_proto_ctx(). Returns MQ_OK or MQ_EIO (logged). */
int gw_listen(gw_t *gw, const char *host, int port, const gw_proto_t *proto, void *proto_ctx,
              int *bound);
/* Opens a connection to host:port (an IP address, or a name resolved at once, blocking) without
 * waiting: returns MQ_OK with *out in state CONNECTING, owned by the gateway as an accepted
 * connection is (the socket holds one reference). Success is reported by proto->on_connect,
 * failure (refused, unreachable, no answer within timeout_ms, checked every few seconds; 0 = the
 * kernel's timeout) by proto->on_close, never re-entrantly from gw_connect itself. Returns
 * MQ_EINVAL (not logged; nothing to close) when host:port does not resolve, MQ_EIO (logged)
 * if no socket can be had. */
int gw_connect(gw_t *gw, const char *host, int port, const gw_proto_t *proto, void *proto_ctx,
               int64_t timeout_ms, gw_conn_t **out);
int gw_run(gw_t *gw);   /* until gw_stop() or SIGINT/SIGTERM; returns 0; may be called again */
void gw_stop(gw_t *gw); /* from the loop thread or a signal handler context via the loop */
/* Closes connections idle for longer than ms (0 = never; RocketMQ closes after 120 s). */
void gw_set_idle_timeout(gw_t *gw, int64_t ms);

/* The gateway as an executor for services (exec.h): post() is thread-safe. */
mq_exec_t *gw_exec(gw_t *gw);
/* Runs what other threads posted and is still queued (shutdown: after services close). */
void gw_drain(gw_t *gw);

/* A repeating timer on the loop (housekeeping). */
gw_timer_t *gw_timer_start(gw_t *gw, double interval_s, void (*cb)(void *arg), void *arg);

/* Functions used by front-ends on a connection (loop thread only). */
void gw_conn_send(gw_conn_t *c, mq_buf_t *data); /* takes data's memory; data is reset */
void gw_conn_close(gw_conn_t *c);
void gw_conn_hold(gw_conn_t *c);
void gw_conn_release(gw_conn_t *c);
int gw_conn_is_open(const gw_conn_t *c);
void *gw_conn_proto_ctx(const gw_conn_t *c);
void gw_conn_set_data(gw_conn_t *c, void *data); /* the front-end's per-connection state */
void *gw_conn_data(const gw_conn_t *c);
const char *gw_conn_peer(const gw_conn_t *c); /* "ip:port" */
/* The peer as stored records carry it (BORNHOST): IPv4 and port; a v4-mapped IPv6 peer as
 * IPv4 (clients only decode 4-byte hosts); zero when unknown. */
void gw_conn_peer_host(const gw_conn_t *c, mq_host_t *h);
uint64_t gw_conn_id(const gw_conn_t *c); /* unique per gateway */
gw_t *gw_conn_gw(const gw_conn_t *c);
/* Why a closed connection closed: the errno of the failed connect, read or write, ETIMEDOUT for
 * a connect or idle timeout, 0 for a peer close or gw_conn_close. */
int gw_conn_errno(const gw_conn_t *c);
int gw_conn_is_connecting(const gw_conn_t *c);

#endif /* MQ_GW_H */
