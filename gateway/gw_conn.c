/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_conn.c -- listeners and connections of the gateway (gw.h): accept or connect, read into
 * the receive buffer and hand it to the front-end, queue replies and send them with writev,
 * close on error, peer close or idle timeout, and free once the last reference goes.
 *
 *   accept -> OPEN: ev_io read on; on_data(bytes) consumes whole frames
 *   gw_connect -> CONNECTING: non-blocking connect, ev_io write on; writable -> SO_ERROR:
 *     0 -> OPEN (read on, on_connect, queued output flushed); else -> CLOSED (on_close)
 *   gw_conn_send: append to the send queue; try writev at once; ev_io write on if blocked
 *   send queue over GW_TX_HIGH: stop reading (a slow reader cannot make us buffer without end)
 *   error / EOF / idle / gw_conn_close -> CLOSED: fd closed, on_close(), drop our reference
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "gw.h"
#include "mq/log.h"

#define GW_RX_CHUNK 65536
#define GW_TX_HIGH (64u << 20) /* stop reading above this much unsent output */
#define GW_IOV_MAX 64
/* Replies to the frames of one read go out together (one writev), but not later than every
 * GW_FLUSH_EVERY frames: a client pipelining many requests gets its first answers while the
 * rest are still being handled. */
#define GW_FLUSH_EVERY 16

typedef struct gw_txbuf_s gw_txbuf_t;
struct gw_txbuf_s {
    gw_txbuf_t *next; /* queue link */
    uint8_t *data;    /* owned */
    size_t len;       /* bytes */
    size_t off;       /* bytes already sent */
};

typedef struct gw_listener_s gw_listener_t;
struct gw_listener_s {
    ev_io io;                /* accept watcher */
    gw_t *gw;                /* owner */
    const gw_proto_t *proto; /* front-end */
    void *proto_ctx;         /* its context */
    int fd;
    gw_listener_t *next;
};

struct gw_conn_s {
    ev_io rio, wio;              /* read / write watchers */
    gw_t *gw;                    /* owner */
    const gw_proto_t *proto;     /* front-end */
    void *proto_ctx;             /* its context */
    void *data;                  /* front-end state */
    int in_read;                 /* in gw_conn_read_cb: replies queue, flushed once at its end */
    int fd;                      /* -1 once closed */
    int refs;                    /* the open socket holds one; requests hold more */
    uint64_t id;                 /* unique */
    char peer[64];               /* "ip:port" */
    mq_buf_t rx;                 /* unread bytes */
    gw_txbuf_t *txq, **txq_tail; /* unsent output */
    size_t tx_bytes;             /* bytes queued */
    ev_tstamp last_rx;           /* for the idle timeout */
    int connecting;              /* outbound, connect in progress */
    int err;                     /* errno that closed it (gw_conn_errno), or the connect's */
    ev_tstamp connect_deadline;  /* CONNECTING: give up after this (0 = never) */
    gw_conn_t *prev, *next;      /* the gateway's list of open connections */
};

struct gw_timer_s {
    ev_timer t;
    void (*cb)(void *arg);
    void *arg;
    gw_timer_t *next;
};

/* A before_wait hook (mq_exec_t): an ev_prepare, run before the loop blocks. */
typedef struct gw_prepare_s gw_prepare_t;
struct gw_prepare_s {
    ev_prepare p;
    void (*fn)(void *arg);
    void *arg;
    gw_prepare_t *next;
};

typedef struct gw_post_s gw_post_t;
struct gw_post_s {
    gw_post_t *next;
    void (*fn)(void *arg);
    void *arg;
};

struct gw_s {
    struct ev_loop *loop;
    ev_async wake;           /* post() from other threads */
    pthread_mutex_t post_mu; /* guards posts */
    gw_post_t *posts, **posts_tail;
    mq_exec_t exec; /* gw_exec() */
    gw_listener_t *listeners;
    gw_conn_t *conns; /* open connections */
    gw_timer_t *timers;
    gw_prepare_t *prepares;
    uint64_t next_id;
    int64_t idle_ms;
    ev_timer idle_timer;
    ev_signal sigint, sigterm;
};

/* ---- Connections ---- */

static void gw_conn_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void gw_conn_write_cb(struct ev_loop *loop, ev_io *w, int revents);

static void
gw_conn_free(gw_conn_t *c)
{
    while (c->txq) {
        gw_txbuf_t *b = c->txq;
        c->txq = b->next;
        free(b->data);
        free(b);
    }
    mq_buf_fini(&c->rx);
    free(c);
}

void
gw_conn_hold(gw_conn_t *c)
{
    c->refs++;
}

void
gw_conn_release(gw_conn_t *c)
{
    if (--c->refs == 0)
        gw_conn_free(c);
}

int
gw_conn_is_open(const gw_conn_t *c)
{
    return c->fd >= 0;
}

void *
gw_conn_proto_ctx(const gw_conn_t *c)
{
    return c->proto_ctx;
}

void
gw_conn_set_data(gw_conn_t *c, void *data)
{
    c->data = data;
}

void *
gw_conn_data(const gw_conn_t *c)
{
    return c->data;
}

const char *
gw_conn_peer(const gw_conn_t *c)
{
    return c->peer;
}

uint64_t
gw_conn_id(const gw_conn_t *c)
{
    return c->id;
}

gw_t *
gw_conn_gw(const gw_conn_t *c)
{
    return c->gw;
}

int
gw_conn_errno(const gw_conn_t *c)
{
    return c->err;
}

int
gw_conn_is_connecting(const gw_conn_t *c)
{
    return c->connecting;
}

void
gw_conn_close(gw_conn_t *c)
{
    gw_t *gw = c->gw;
    if (c->fd < 0)
        return;
    ev_io_stop(gw->loop, &c->rio);
    ev_io_stop(gw->loop, &c->wio);
    close(c->fd);
    c->fd = -1;
    if (c->prev)
        c->prev->next = c->next;
    else
        gw->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    if (c->proto->on_close)
        c->proto->on_close(c);
    gw_conn_release(c);
}

/* Writes as much of the send queue as the socket takes. Returns -1 if the connection broke. */
static int
gw_conn_flush(gw_conn_t *c)
{
    if (c->connecting) { /* output waits in the queue; the write watcher reports the connect */
        ev_io_start(c->gw->loop, &c->wio);
        return 0;
    }
    while (c->txq) {
        struct iovec iov[GW_IOV_MAX];
        int n = 0;
        ssize_t w;
        for (gw_txbuf_t *b = c->txq; b && n < GW_IOV_MAX; b = b->next, n++) {
            iov[n].iov_base = b->data + b->off;
            iov[n].iov_len = b->len - b->off;
        }
        w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            MQ_LOG_INFO("gateway", "%s connection %s: write failed: %s", c->proto->name, c->peer,
                        strerror(errno));
            c->err = errno;
            return -1;
        }
        c->tx_bytes -= (size_t)w;
        while (w > 0 && c->txq) {
            gw_txbuf_t *b = c->txq;
            size_t left = b->len - b->off;
            if ((size_t)w < left) {
                b->off += (size_t)w;
                w = 0;
            } else {
                w -= (ssize_t)left;
                c->txq = b->next;
                free(b->data);
                free(b);
            }
        }
        if (!c->txq)
            c->txq_tail = &c->txq;
    }
    if (c->txq)
        ev_io_start(c->gw->loop, &c->wio);
    else
        ev_io_stop(c->gw->loop, &c->wio);
    /* Backpressure: read again once the queue drained below the mark. */
    if (c->tx_bytes < GW_TX_HIGH && !ev_is_active(&c->rio))
        ev_io_start(c->gw->loop, &c->rio);
    return 0;
}

void
gw_conn_send(gw_conn_t *c, mq_buf_t *data)
{
    gw_txbuf_t *b;
    if (c->fd < 0 || data->len == 0) {
        mq_buf_reset(data);
        return;
    }
    b = mq_xmalloc(sizeof(*b));
    b->data = data->data;
    b->len = data->len;
    b->off = 0;
    b->next = NULL;
    mq_buf_init(data);
    *c->txq_tail = b;
    c->txq_tail = &b->next;
    c->tx_bytes += b->len;
    if (c->tx_bytes > GW_TX_HIGH)
        ev_io_stop(c->gw->loop, &c->rio);
    if (c->in_read)
        return; /* one writev for every reply to the frames of this read (gw_conn_read_cb) */
    if (gw_conn_flush(c) < 0)
        gw_conn_close(c);
}

/* CONNECTING and the socket became writable (or gw_connect fed a failure): OPEN or CLOSED. */
static void
gw_conn_connected(gw_conn_t *c)
{
    int err = c->err;
    socklen_t sl = sizeof(err);
    if (err == 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
        err = errno;
    if (err == EINPROGRESS || err == EALREADY)
        return; /* spurious wake-up: still connecting */
    c->connecting = 0;
    if (err != 0) {
        c->err = err;
        MQ_LOG_DEBUG("gateway", "%s connection to %s failed: %s", c->proto->name, c->peer,
                     strerror(err));
        gw_conn_close(c);
        return;
    }
    c->last_rx = ev_now(c->gw->loop);
    ev_io_start(c->gw->loop, &c->rio);
    MQ_LOG_DEBUG("gateway", "%s connection to %s established", c->proto->name, c->peer);
    if (c->proto->on_connect)
        c->proto->on_connect(c);
    if (c->fd >= 0 && gw_conn_flush(c) < 0)
        gw_conn_close(c);
}

static void
gw_conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    gw_conn_t *c = MQ_CONTAINER_OF(w, gw_conn_t, wio);
    (void)loop;
    (void)revents;
    gw_conn_hold(c);
    if (c->connecting)
        gw_conn_connected(c);
    else if (gw_conn_flush(c) < 0)
        gw_conn_close(c);
    gw_conn_release(c);
}

static void
gw_conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    gw_conn_t *c = MQ_CONTAINER_OF(w, gw_conn_t, rio);
    (void)revents;
    unsigned frames = 0;
    gw_conn_hold(c); /* the front-end may close it under us */
    c->in_read = 1;
    for (int rounds = 0; rounds < 16 && c->fd >= 0; rounds++) {
        uint8_t *dst = mq_buf_reserve(&c->rx, GW_RX_CHUNK);
        ssize_t n = read(c->fd, dst, GW_RX_CHUNK);
        size_t off = 0;
        if (n == 0) {
            gw_conn_close(c);
            break;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                MQ_LOG_INFO("gateway", "%s connection %s: read failed: %s", c->proto->name, c->peer,
                            strerror(errno));
                c->err = errno;
                gw_conn_close(c);
            }
            break;
        }
        c->rx.len += (size_t)n;
        c->last_rx = ev_now(loop);
        while (c->fd >= 0 && off < c->rx.len) {
            ssize_t used = c->proto->on_data(c, c->rx.data + off, c->rx.len - off);
            if (used < 0) {
                gw_conn_close(c);
                break;
            }
            if (used == 0)
                break;
            off += (size_t)used;
            if (++frames % GW_FLUSH_EVERY == 0 && c->txq && gw_conn_flush(c) < 0) {
                gw_conn_close(c);
                break;
            }
        }
        if (off > 0 && c->fd >= 0) {
            memmove(c->rx.data, c->rx.data + off, c->rx.len - off);
            c->rx.len -= off;
        }
        if (c->fd >= 0 && c->rx.len > c->proto->max_buffer) {
            MQ_LOG_WARN("gateway",
                        "%s connection %s: %zu unparsed bytes exceed the frame limit; "
                        "closing",
                        c->proto->name, c->peer, c->rx.len);
            gw_conn_close(c);
        }
        if (n < GW_RX_CHUNK)
            break;
    }
    c->in_read = 0;
    if (c->fd >= 0 && c->txq && gw_conn_flush(c) < 0)
        gw_conn_close(c);
    gw_conn_release(c);
}

/* A connection on fd (non-blocking), linked into the gateway's list; watchers not started. */
static gw_conn_t *
gw_conn_new(gw_t *gw, int fd, const gw_proto_t *proto, void *proto_ctx)
{
    gw_conn_t *c = mq_xcalloc(1, sizeof(*c));
    c->gw = gw;
    c->proto = proto;
    c->proto_ctx = proto_ctx;
    c->fd = fd;
    c->refs = 1;
    c->id = ++gw->next_id;
    mq_buf_init(&c->rx);
    c->txq_tail = &c->txq;
    c->last_rx = ev_now(gw->loop);
    c->next = gw->conns;
    if (gw->conns)
        gw->conns->prev = c;
    gw->conns = c;
    ev_io_init(&c->rio, gw_conn_read_cb, fd, EV_READ);
    ev_io_init(&c->wio, gw_conn_write_cb, fd, EV_WRITE);
    return c;
}

int
gw_connect(gw_t *gw, const char *host, int port, const gw_proto_t *proto, void *proto_ctx,
           int64_t timeout_ms, gw_conn_t **out)
{
    struct addrinfo hints, *ai = NULL;
    char service[16];
    gw_conn_t *c;
    int one = 1, fd, rc;

    *out = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET; /* listeners are IPv4: prefer it for names with both */
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof(service), "%d", port);
    rc = port <= 0 || port > 65535 ? EAI_SERVICE : getaddrinfo(host, service, &hints, &ai);
    if (rc != 0 && port > 0 && port <= 65535) {
        hints.ai_family = AF_UNSPEC; /* an IPv6 literal or an IPv6-only name */
        rc = getaddrinfo(host, service, &hints, &ai);
    }
    if (rc != 0 || !ai) { /* not logged: a caller retrying would repeat the line */
        if (ai)
            freeaddrinfo(ai);
        return MQ_EINVAL;
    }
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        MQ_LOG_ERROR("gateway", "%s: socket for %s:%d: %s", proto->name, host, port,
                     strerror(errno));
        freeaddrinfo(ai);
        return MQ_EIO;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c = gw_conn_new(gw, fd, proto, proto_ctx);
    snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
    c->connecting = 1;
    if (timeout_ms > 0)
        c->connect_deadline = ev_now(gw->loop) + (double)timeout_ms / 1000.0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
        ev_io_start(gw->loop, &c->wio); /* writable = connected or failed */
    } else {
        /* failed at once (refused on loopback, no route): report it from the loop, as a
         * failure found later would be, so on_close never runs inside gw_connect */
        c->err = errno;
        ev_feed_event(gw->loop, &c->wio, EV_WRITE);
    }
    freeaddrinfo(ai);
    *out = c;
    return MQ_OK;
}

/* ---- Listeners ---- */

static void
gw_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    gw_listener_t *l = MQ_CONTAINER_OF(w, gw_listener_t, io);
    gw_t *gw = l->gw;
    (void)revents;
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int one = 1, fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        gw_conn_t *c;
        char ip[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                MQ_LOG_WARN("gateway", "accept on %s listener: %s", l->proto->name,
                            strerror(errno));
            return;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
            port = ntohs(sin->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
            port = ntohs(sin6->sin6_port);
        }
        c = gw_conn_new(gw, fd, l->proto, l->proto_ctx);
        snprintf(c->peer, sizeof(c->peer), "%s:%d", ip, port);
        ev_io_start(loop, &c->rio);
        MQ_LOG_DEBUG("gateway", "%s connection from %s", l->proto->name, c->peer);
    }
}

int
gw_listen(gw_t *gw, const char *host, int port, const gw_proto_t *proto, void *proto_ctx,
          int *bound)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    gw_listener_t *l;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host && *host ? host : "0.0.0.0", &sin.sin_addr) != 1) {
        MQ_LOG_ERROR("gateway", "%s listener: bad address %s", proto->name, host);
        if (fd >= 0)
            close(fd);
        return MQ_EINVAL;
    }
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
        MQ_LOG_ERROR("gateway", "cannot listen on %s:%d for %s: %s", host ? host : "0.0.0.0", port,
                     proto->name, strerror(errno));
        if (fd >= 0)
            close(fd);
        return MQ_EIO;
    }
    l = mq_xcalloc(1, sizeof(*l));
    l->gw = gw;
    l->proto = proto;
    l->proto_ctx = proto_ctx;
    l->fd = fd;
    l->next = gw->listeners;
    gw->listeners = l;
    ev_io_init(&l->io, gw_accept_cb, fd, EV_READ);
    ev_io_start(gw->loop, &l->io);
    if (bound)
        *bound = ntohs(sin.sin_port);
    return MQ_OK;
}

/* ---- The loop ---- */

static void
gw_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    gw_t *gw = MQ_CONTAINER_OF(w, gw_t, idle_timer);
    ev_tstamp now = ev_now(loop);
    gw_conn_t *c = gw->conns;
    (void)revents;
    while (c) {
        gw_conn_t *next = c->next;
        if (c->connecting) {
            if (c->connect_deadline > 0 && now > c->connect_deadline) {
                c->connecting = 0;
                c->err = ETIMEDOUT;
                gw_conn_close(c);
            }
        } else if (gw->idle_ms > 0 && (now - c->last_rx) * 1000 > (double)gw->idle_ms) {
            MQ_LOG_INFO("gateway", "%s connection %s idle for %lld ms: closing", c->proto->name,
                        c->peer, (long long)gw->idle_ms);
            c->err = ETIMEDOUT;
            gw_conn_close(c);
        }
        c = next;
    }
}

static void
gw_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)w;
    (void)revents;
    MQ_LOG_INFO("gateway", "signal received, shutting down");
    ev_break(loop, EVBREAK_ALL);
}

static void
gw_wake_cb(struct ev_loop *loop, ev_async *w, int revents)
{
    gw_t *gw = MQ_CONTAINER_OF(w, gw_t, wake);
    gw_post_t *p;
    (void)loop;
    (void)revents;
    pthread_mutex_lock(&gw->post_mu);
    p = gw->posts;
    gw->posts = NULL;
    gw->posts_tail = &gw->posts;
    pthread_mutex_unlock(&gw->post_mu);
    while (p) {
        gw_post_t *next = p->next;
        p->fn(p->arg);
        free(p);
        p = next;
    }
}

static void
gw_exec_post(mq_exec_t *ex, void (*fn)(void *arg), void *arg)
{
    gw_t *gw = ex->ctx;
    gw_post_t *p = mq_xmalloc(sizeof(*p));
    p->fn = fn;
    p->arg = arg;
    p->next = NULL;
    pthread_mutex_lock(&gw->post_mu);
    *gw->posts_tail = p;
    gw->posts_tail = &p->next;
    pthread_mutex_unlock(&gw->post_mu);
    ev_async_send(gw->loop, &gw->wake);
}

static void
gw_exec_every(mq_exec_t *ex, double interval_s, void (*fn)(void *arg), void *arg)
{
    gw_timer_start(ex->ctx, interval_s, fn, arg);
}

static void
gw_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    gw_prepare_t *p = MQ_CONTAINER_OF(w, gw_prepare_t, p);
    (void)loop;
    (void)revents;
    p->fn(p->arg);
}

static void
gw_exec_before_wait(mq_exec_t *ex, void (*fn)(void *arg), void *arg)
{
    gw_t *gw = ex->ctx;
    gw_prepare_t *p = mq_xcalloc(1, sizeof(*p));
    p->fn = fn;
    p->arg = arg;
    p->next = gw->prepares;
    gw->prepares = p;
    ev_prepare_init(&p->p, gw_prepare_cb);
    ev_prepare_start(gw->loop, &p->p);
    ev_unref(gw->loop); /* does not keep the loop running */
}

mq_exec_t *
gw_exec(gw_t *gw)
{
    return &gw->exec;
}

void
gw_drain(gw_t *gw)
{
    gw_wake_cb(gw->loop, &gw->wake, 0);
}

gw_t *
gw_new(void)
{
    gw_t *gw = mq_xcalloc(1, sizeof(*gw));
    gw->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
    if (!gw->loop) {
        free(gw);
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&gw->post_mu, NULL);
    gw->posts_tail = &gw->posts;
    gw->exec.post = gw_exec_post;
    gw->exec.every = gw_exec_every;
    gw->exec.before_wait = gw_exec_before_wait;
    gw->exec.ctx = gw;
    ev_async_init(&gw->wake, gw_wake_cb);
    ev_async_start(gw->loop, &gw->wake);
    ev_unref(gw->loop);
    ev_timer_init(&gw->idle_timer, gw_idle_cb, 5.0, 5.0);
    ev_timer_start(gw->loop, &gw->idle_timer);
    ev_unref(gw->loop);
    ev_signal_init(&gw->sigint, gw_signal_cb, SIGINT);
    ev_signal_init(&gw->sigterm, gw_signal_cb, SIGTERM);
    return gw;
}

void
gw_set_idle_timeout(gw_t *gw, int64_t ms)
{
    gw->idle_ms = ms;
}

static void
gw_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    gw_timer_t *t = MQ_CONTAINER_OF(w, gw_timer_t, t);
    (void)loop;
    (void)revents;
    t->cb(t->arg);
}

gw_timer_t *
gw_timer_start(gw_t *gw, double interval_s, void (*cb)(void *arg), void *arg)
{
    gw_timer_t *t = mq_xcalloc(1, sizeof(*t));
    t->cb = cb;
    t->arg = arg;
    t->next = gw->timers;
    gw->timers = t;
    ev_timer_init(&t->t, gw_timer_cb, interval_s, interval_s);
    ev_timer_start(gw->loop, &t->t);
    ev_unref(gw->loop); /* timers alone do not keep the loop running */
    return t;
}

int
gw_run(gw_t *gw)
{
    ev_signal_start(gw->loop, &gw->sigint);
    ev_signal_start(gw->loop, &gw->sigterm);
    ev_run(gw->loop, 0);
    return 0;
}

void
gw_stop(gw_t *gw)
{
    ev_break(gw->loop, EVBREAK_ALL);
}

void
gw_free(gw_t *gw)
{
    if (!gw)
        return;
    while (gw->conns)
        gw_conn_close(gw->conns);
    while (gw->listeners) {
        gw_listener_t *l = gw->listeners;
        gw->listeners = l->next;
        ev_io_stop(gw->loop, &l->io);
        close(l->fd);
        free(l);
    }
    while (gw->timers) {
        gw_timer_t *t = gw->timers;
        gw->timers = t->next;
        ev_ref(gw->loop);
        ev_timer_stop(gw->loop, &t->t);
        free(t);
    }
    while (gw->prepares) {
        gw_prepare_t *p = gw->prepares;
        gw->prepares = p->next;
        ev_ref(gw->loop);
        ev_prepare_stop(gw->loop, &p->p);
        free(p);
    }
    ev_ref(gw->loop);
    ev_timer_stop(gw->loop, &gw->idle_timer);
    ev_signal_stop(gw->loop, &gw->sigint);
    ev_signal_stop(gw->loop, &gw->sigterm);
    ev_ref(gw->loop);
    ev_async_stop(gw->loop, &gw->wake);
    gw_wake_cb(gw->loop, &gw->wake, 0); /* run what is still queued */
    pthread_mutex_destroy(&gw->post_mu);
    ev_loop_destroy(gw->loop);
    free(gw);
}

void
gw_conn_peer_host(const gw_conn_t *c, mq_host_t *h)
{
    const char *peer = gw_conn_peer(c), *colon = strrchr(peer, ':');
    char ip[64];
    memset(h, 0, sizeof(*h));
    if (!colon || (size_t)(colon - peer) >= sizeof(ip))
        return;
    memcpy(ip, peer, (size_t)(colon - peer));
    ip[colon - peer] = '\0';
    if (inet_pton(AF_INET, ip, h->addr) != 1) {
        struct in6_addr a6;
        if (inet_pton(AF_INET6, ip, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6))
            memcpy(h->addr, a6.s6_addr + 12, 4);
    }
    h->port = atoi(colon + 1);
}
