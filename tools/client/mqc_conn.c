/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_conn.c -- one remoting connection of the client library (mqc.h, "One connection"): a
 * blocking TCP socket, writes serialised by a mutex, and one reader thread that parses frames
 * (rmq_frame_parse + rmq_cmd_decode), matches responses to pending calls by opaque, hands
 * server-initiated requests to a callback and expires calls whose time is up.
 *
 * Lifecycle:
 *
 *   mqc_conn_open --> OPEN --(read error / EOF / bad frame)--> BROKEN --mqc_conn_close--> freed
 *                      |                                                     ^
 *                      +-------------------------mqc_conn_close--------------+
 *
 *   OPEN -> BROKEN   mqc_reader_main: every pending call fails with MQ_EIO
 *   * -> freed       mqc_conn_close: shutdown(), join the reader, fail the rest with
 *                    MQ_ECLOSED, close the socket
 *
 * Pending calls live in a hash of lists keyed by opaque. A sync call's entry is on the caller's
 * stack; an async call's entry comes from a free list (no malloc per call once warm). The
 * reader's recv times out every 50 ms (SO_RCVTIMEO) so it can expire async calls without
 * another thread; it scans for them at most every 10 ms, not after every read.
 *
 * Writes: a sync call writes its frame itself when nothing is queued. An async call appends
 * its frame to a queue that the connection's writer thread (started on the first async call)
 * writes out; while the writer writes one batch, later calls gather into the next, so
 * pipelined sends cost one writev per batch instead of one per frame. Anything written while
 * frames are queued goes through the queue too, so frames leave in call order.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "mq/buf.h"
#include "mqc_int.h"
#include "rmq_frame.h"

#define MQC_BUCKETS 256          /* pending-call hash buckets (power of two) */
#define MQC_POLL_MS 50           /* reader wake-up period for async expiry (SO_RCVTIMEO) */
#define MQC_EXPIRE_MS 10         /* the reader scans for expired calls at most this often */
#define MQC_RX_CHUNK (64 * 1024) /* bytes read per recv */
#define MQC_MAX_FRAME RMQ_FRAME_MAX_DEFAULT

typedef struct mqc_pending_s mqc_pending_t;

struct mqc_pending_s {
    mqc_pending_t *next; /* bucket list or free list */
    int32_t opaque;      /* request id */
    int64_t deadline_ns; /* mq_mono_ns() when the call times out */
    int sync;            /* 1: a waiting caller (fields below), 0: async (fn/arg) */
    int done;            /* sync: set once status/resp are final */
    int status;          /* sync: MQ_OK, MQ_EIO, MQ_ECLOSED, MQ_ETIMEDOUT */
    mq_pool_t *pool;     /* sync: where the response is copied */
    rmq_cmd_t *resp;     /* sync: the caller's response */
    mqc_done_fn fn;      /* async: completion */
    void *arg;           /* async: fn's argument */
};

struct mqc_conn_s {
    int fd;                              /* the socket; -1 after close */
    char addr[128];                      /* "host:port" as given */
    pthread_mutex_t wlock;               /* serialises writes (and wbuf) */
    mq_buf_t wbuf;                       /* frame prefix + header scratch; under wlock */
    pthread_mutex_t lock;                /* pending table, state, callback */
    pthread_cond_t cond;                 /* sync waiters */
    mqc_pending_t *buckets[MQC_BUCKETS]; /* pending calls by opaque */
    mqc_pending_t *free_list;            /* spare async entries */
    int n_pending;                       /* entries in buckets */
    int32_t next_opaque;                 /* last opaque handed out */
    int open;                            /* 1 until the reader saw an error or close began */
    int closing;                         /* mqc_conn_close in progress */
    mqc_server_request_fn on_request;    /* server-initiated requests */
    void *on_request_arg;                /* its argument */
    pthread_t reader;                    /* mqc_reader_main */
    mq_buf_t outq;                       /* frames for the writer thread; under wlock */
    mq_buf_t outw;                       /* the batch being written (writer thread only) */
    pthread_cond_t wcond;                /* wakes the writer */
    int writer_on;                       /* the writer thread was started */
    int writer_busy;                     /* it writes a batch (outside wlock) */
    int writer_idle;                     /* it waits on wcond */
    int writer_stop;                     /* mqc_conn_close: drain and leave */
    pthread_t writer;                    /* mqc_writer_main */
    int binary;                          /* requests carry ROCKETMQ binary headers */
    _Atomic int usable;                  /* open && !closing, readable without the lock */
};

int
mqc_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* ---- Pending calls (under c->lock) ---- */

static void
mqc_pending_add(mqc_conn_t *c, mqc_pending_t *p)
{
    mqc_pending_t **b = &c->buckets[(uint32_t)p->opaque & (MQC_BUCKETS - 1)];
    p->next = *b;
    *b = p;
    c->n_pending++;
}

/* Unlinks and returns the entry for opaque, or NULL. */
static mqc_pending_t *
mqc_pending_take(mqc_conn_t *c, int32_t opaque)
{
    mqc_pending_t **pp = &c->buckets[(uint32_t)opaque & (MQC_BUCKETS - 1)];
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->opaque == opaque) {
            mqc_pending_t *p = *pp;
            *pp = p->next;
            c->n_pending--;
            return p;
        }
    }
    return NULL;
}

static int
mqc_pending_unlink(mqc_conn_t *c, mqc_pending_t *p)
{
    return mqc_pending_take(c, p->opaque) == p;
}

/* Finishes an async entry outside the lock: calls fn, returns the entry to the free list. */
static void
mqc_async_finish(mqc_conn_t *c, mqc_pending_t *p, int status, const rmq_cmd_t *resp)
{
    p->fn(p->arg, status, resp);
    pthread_mutex_lock(&c->lock);
    p->next = c->free_list;
    c->free_list = p;
    pthread_mutex_unlock(&c->lock);
}

/* Entries the reader finished and has not yet given back (reader thread only): they go back
 * to the free list with the next frame's lookup, or at the end of a read, so a response costs
 * one acquisition of c->lock instead of two. */
typedef struct mqc_spent_s {
    mqc_pending_t *head;
} mqc_spent_t;

static void
mqc_spent_return(mqc_conn_t *c, mqc_spent_t *sp) /* c->lock held */
{
    while (sp->head) {
        mqc_pending_t *p = sp->head;
        sp->head = p->next;
        p->next = c->free_list;
        c->free_list = p;
    }
}

/* Fails every pending call with status (sync ones are woken, async ones called back). */
static void
mqc_fail_all(mqc_conn_t *c, int status)
{
    mqc_pending_t *async = NULL;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < MQC_BUCKETS; i++) {
        mqc_pending_t *p = c->buckets[i];
        c->buckets[i] = NULL;
        while (p) {
            mqc_pending_t *next = p->next;
            if (p->sync) {
                p->status = status;
                p->done = 1;
            } else {
                p->next = async;
                async = p;
            }
            p = next;
        }
    }
    c->n_pending = 0;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    while (async) {
        mqc_pending_t *next = async->next;
        mqc_async_finish(c, async, status, NULL);
        async = next;
    }
}

/* Expires async calls whose deadline passed (sync callers time themselves out). */
static void
mqc_expire(mqc_conn_t *c)
{
    int64_t now = mq_mono_ns();
    mqc_pending_t *expired = NULL;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < MQC_BUCKETS && c->n_pending; i++) {
        mqc_pending_t **pp = &c->buckets[i];
        while (*pp) {
            mqc_pending_t *p = *pp;
            if (!p->sync && p->deadline_ns <= now) {
                *pp = p->next;
                c->n_pending--;
                p->next = expired;
                expired = p;
            } else {
                pp = &p->next;
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
    while (expired) {
        mqc_pending_t *next = expired->next;
        mqc_async_finish(c, expired, MQ_ETIMEDOUT, NULL);
        expired = next;
    }
}

/* ---- Reader thread ---- */

/* Copies the frame into the waiting caller's pool and decodes it there. */
static int
mqc_sync_deliver(mqc_pending_t *p, const uint8_t *frame, size_t n)
{
    rmq_frame_t f;
    uint8_t *copy = mq_palloc(p->pool, n ? n : 1);
    memcpy(copy, frame, n);
    if (rmq_frame_parse(copy, n, MQC_MAX_FRAME, &f, NULL) != (ssize_t)n)
        return MQ_EPROTO;
    return rmq_cmd_decode(&f, p->pool, p->resp) == MQ_OK ? MQ_OK : MQ_EPROTO;
}

/* Handles one complete frame. Returns MQ_OK or MQ_EPROTO (the connection is then dropped). */
static int
mqc_on_frame(mqc_conn_t *c, const uint8_t *frame, size_t n, mq_pool_t *pool, mqc_spent_t *sp)
{
    rmq_frame_t f;
    rmq_cmd_t cmd;
    mqc_pending_t *p;
    if (rmq_frame_parse(frame, n, MQC_MAX_FRAME, &f, NULL) != (ssize_t)n)
        return MQ_EPROTO;
    if (rmq_cmd_decode(&f, pool, &cmd) != MQ_OK)
        return MQ_EPROTO;
    if (!rmq_cmd_is_response(&cmd)) {
        mqc_server_request_fn fn;
        void *arg;
        pthread_mutex_lock(&c->lock);
        fn = c->on_request;
        arg = c->on_request_arg;
        pthread_mutex_unlock(&c->lock);
        if (fn) {
            fn(arg, c, &cmd);
        } else if (!rmq_cmd_is_oneway(&cmd)) {
            rmq_cmd_t resp;
            rmq_cmd_init(&resp, RMQ_RC_REQUEST_CODE_NOT_SUPPORTED, cmd.opaque, RMQ_FLAG_RESPONSE);
            (void)mqc_conn_respond(c, &resp);
        }
        return MQ_OK;
    }
    pthread_mutex_lock(&c->lock);
    mqc_spent_return(c, sp);
    p = mqc_pending_take(c, cmd.opaque);
    if (p && p->sync) {
        p->status = mqc_sync_deliver(p, frame, n) == MQ_OK ? MQ_OK : MQ_EIO;
        p->done = 1;
        pthread_cond_broadcast(&c->cond);
        p = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (p) {
        p->fn(p->arg, MQ_OK, &cmd);
        p->next = sp->head;
        sp->head = p;
    }
    return MQ_OK; /* a late response (caller timed out) is dropped */
}

static void *
mqc_reader_main(void *arg)
{
    mqc_conn_t *c = arg;
    mq_buf_t rx = MQ_BUF_INIT;
    mq_pool_t pool;
    size_t start = 0; /* first unparsed byte in rx */
    mqc_spent_t spent = {NULL};
    int status = MQ_EIO;
    mq_pool_init(&pool, 16 * 1024);
    int64_t expired_ns = 0;
    for (;;) {
        ssize_t got;
        int64_t now = mq_mono_ns();
        if (!atomic_load(&c->usable)) { /* only mqc_conn_close clears it while we run */
            status = MQ_ECLOSED;
            break;
        }
        if (now - expired_ns >= (int64_t)MQC_EXPIRE_MS * 1000000) { /* not on every read */
            mqc_expire(c);
            expired_ns = now;
        }
        if (start > 0 && start == rx.len) {
            rx.len = 0;
            start = 0;
        } else if (start > rx.cap / 2) { /* slide the partial frame to the front */
            memmove(rx.data, rx.data + start, rx.len - start);
            rx.len -= start;
            start = 0;
        }
        mq_buf_reserve(&rx, MQC_RX_CHUNK);
        got = recv(c->fd, rx.data + rx.len, rx.cap - rx.len, 0); /* SO_RCVTIMEO: MQC_POLL_MS */
        if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (got <= 0)
            break;
        rx.len += (size_t)got;
        for (;;) {
            rmq_frame_t f;
            size_t need = 0;
            ssize_t used =
                rmq_frame_parse(rx.data + start, rx.len - start, MQC_MAX_FRAME, &f, &need);
            if (used == MQ_AGAIN) {
                if (need > rx.len - start)
                    mq_buf_reserve(&rx, need - (rx.len - start));
                break;
            }
            if (used < 0 ||
                mqc_on_frame(c, rx.data + start, (size_t)used, &pool, &spent) != MQ_OK)
                goto out;
            start += (size_t)used;
            mq_pool_reset(&pool);
        }
        if (spent.head) {
            pthread_mutex_lock(&c->lock);
            mqc_spent_return(c, &spent);
            pthread_mutex_unlock(&c->lock);
        }
    }
out:
    if (spent.head) {
        pthread_mutex_lock(&c->lock);
        mqc_spent_return(c, &spent);
        pthread_mutex_unlock(&c->lock);
    }
    pthread_mutex_lock(&c->lock);
    c->open = 0;
    atomic_store(&c->usable, 0);
    if (c->closing)
        status = MQ_ECLOSED;
    pthread_mutex_unlock(&c->lock);
    mqc_fail_all(c, status);
    mq_pool_fini(&pool);
    mq_buf_fini(&rx);
    return NULL;
}

/* The header type of the frames this client sends: ROCKETMQ binary (cheaper to write and to
 * read than JSON; Apache RocketMQ servers and ours accept both) unless the environment says
 * ROCKETMQ_SERIALIZE_TYPE=JSON, the variable Java clients read. Answers and server requests
 * arrive in whatever type the server writes. */
static int
mqc_want_binary(void)
{
    const char *v = getenv("ROCKETMQ_SERIALIZE_TYPE");
    return !(v && strcasecmp(v, "JSON") == 0);
}

/* ---- Open / close ---- */

static int
mqc_split_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon = strrchr(addr, ':');
    size_t hl;
    if (!colon || colon == addr || !colon[1])
        return MQ_EINVAL;
    hl = (size_t)(colon - addr);
    if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') { /* [v6]:port */
        addr++;
        hl -= 2;
    }
    if (hl >= hostlen || strlen(colon + 1) >= portlen)
        return MQ_EINVAL;
    memcpy(host, addr, hl);
    host[hl] = '\0';
    strcpy(port, colon + 1);
    return MQ_OK;
}

/* Non-blocking connect bounded by timeout_ms; returns a blocking socket or -1. */
static int
mqc_connect(const struct addrinfo *ai, int timeout_ms)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0)
        return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (errno != EINPROGRESS || poll(&pfd, 1, timeout_ms) != 1 ||
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            close(fd);
            return -1;
        }
    }
    /* back to blocking: the reader's recv and writers under wlock block, bounded by
     * SO_RCVTIMEO and SO_SNDTIMEO */
    {
        struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
            close(fd);
            return -1;
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        tv.tv_sec = MQC_POLL_MS / 1000; /* the reader's recv returns at least this often */
        tv.tv_usec = (MQC_POLL_MS % 1000) * 1000;
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int
mqc_conn_open(const char *addr, int timeout_ms, mqc_conn_t **out, char *err, size_t errlen)
{
    char host[256], port[16];
    struct addrinfo hints, *res = NULL;
    mqc_conn_t *c;
    int fd = -1;
    *out = NULL;
    if (!addr || mqc_split_addr(addr, host, sizeof(host), port, sizeof(port)) != MQ_OK)
        return mqc_fail(err, errlen, MQ_EINVAL, "bad address '%s' (want host:port)",
                        addr ? addr : "");
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return mqc_fail(err, errlen, MQ_EIO, "cannot resolve %s", addr);
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
        fd = mqc_connect(ai, timeout_ms > 0 ? timeout_ms : 3000);
    freeaddrinfo(res);
    if (fd < 0)
        return mqc_fail(err, errlen, MQ_EIO, "cannot connect to %s: %s", addr, strerror(errno));
    c = mq_xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->binary = mqc_want_binary();
    snprintf(c->addr, sizeof(c->addr), "%s", addr);
    pthread_mutex_init(&c->wlock, NULL);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    pthread_cond_init(&c->wcond, NULL);
    mq_buf_init(&c->wbuf);
    mq_buf_init(&c->outq);
    mq_buf_init(&c->outw);
    c->open = 1;
    atomic_store(&c->usable, 1);
    if (pthread_create(&c->reader, NULL, mqc_reader_main, c) != 0) {
        close(fd);
        pthread_mutex_destroy(&c->wlock);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->cond);
        pthread_cond_destroy(&c->wcond);
        free(c);
        return mqc_fail(err, errlen, MQ_ERR, "cannot start the reader thread");
    }
    *out = c;
    return MQ_OK;
}

void
mqc_conn_close(mqc_conn_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->closing = 1;
    atomic_store(&c->usable, 0);
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_lock(&c->wlock);
    c->writer_stop = 1;
    pthread_cond_signal(&c->wcond);
    pthread_mutex_unlock(&c->wlock);
    if (c->writer_on)
        pthread_join(c->writer, NULL); /* queued frames go out first */
    shutdown(c->fd, SHUT_RDWR);
    pthread_join(c->reader, NULL);
    mqc_fail_all(c, MQ_ECLOSED); /* calls started while the reader was leaving */
    close(c->fd);
    while (c->free_list) {
        mqc_pending_t *p = c->free_list;
        c->free_list = p->next;
        free(p);
    }
    mq_buf_fini(&c->wbuf);
    mq_buf_fini(&c->outq);
    mq_buf_fini(&c->outw);
    pthread_mutex_destroy(&c->wlock);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    pthread_cond_destroy(&c->wcond);
    free(c);
}

int
mqc_conn_is_open(const mqc_conn_t *c)
{
    return atomic_load(&c->usable); /* senders ask per message: no lock shared with the reader */
}

const char *
mqc_conn_addr(const mqc_conn_t *c)
{
    return c->addr;
}

void
mqc_conn_on_server_request(mqc_conn_t *c, mqc_server_request_fn fn, void *arg)
{
    pthread_mutex_lock(&c->lock);
    c->on_request = fn;
    c->on_request_arg = arg;
    pthread_mutex_unlock(&c->lock);
}

/* ---- Writing ---- */

/* Writes the n iovecs whole (blocking, bounded by SO_SNDTIMEO). MQ_OK or MQ_EIO. */
static int
mqc_writev_all(int fd, struct iovec *iov, int n)
{
    for (int i = 0; i < n;) {
        ssize_t w;
        if (iov[i].iov_len == 0) {
            i++;
            continue;
        }
        w = writev(fd, iov + i, n - i);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return MQ_EIO;
        while (w > 0 && i < n) {
            size_t k = MQ_MIN((size_t)w, iov[i].iov_len);
            iov[i].iov_base = (char *)iov[i].iov_base + k;
            iov[i].iov_len -= k;
            w -= (ssize_t)k;
            if (iov[i].iov_len == 0)
                i++;
        }
    }
    return MQ_OK;
}

/* The writer thread: writes what async calls queued, a batch at a time, until close. */
static void *
mqc_writer_main(void *arg)
{
    mqc_conn_t *c = arg;
    pthread_mutex_lock(&c->wlock);
    for (;;) {
        mq_buf_t batch;
        struct iovec iov;
        int rc;
        while (c->outq.len == 0 && !c->writer_stop) {
            c->writer_idle = 1;
            pthread_cond_wait(&c->wcond, &c->wlock);
            c->writer_idle = 0;
        }
        if (c->outq.len == 0)
            break;
        batch = c->outq; /* swap: calls gather into the other buffer meanwhile */
        c->outq = c->outw;
        c->outw = batch;
        c->writer_busy = 1;
        pthread_mutex_unlock(&c->wlock);
        iov.iov_base = c->outw.data;
        iov.iov_len = c->outw.len;
        rc = mqc_writev_all(c->fd, &iov, 1);
        mq_buf_reset(&c->outw);
        if (rc != MQ_OK)
            shutdown(c->fd, SHUT_RDWR); /* the reader notices and fails the pending calls */
        pthread_mutex_lock(&c->wlock);
        c->writer_busy = 0;
        if (c->outw.cap > (size_t)4 << 20) { /* a burst of big frames: give the memory back */
            mq_buf_fini(&c->outw);
            mq_buf_init(&c->outw);
        }
    }
    pthread_mutex_unlock(&c->wlock);
    return NULL;
}

/* Writes cmd (header JSON + body) as one frame: itself, or through the writer thread when
 * queue is set or frames are already queued (order is kept). MQ_OK or MQ_EIO; a queued
 * frame's write error shows as the connection breaking. */
/* Appends cmd's frame prefix and header (its body follows) in the connection's header type. */
static void
mqc_encode_head(const mqc_conn_t *c, const rmq_cmd_t *cmd, mq_buf_t *out)
{
    if (c->binary)
        rmq_cmd_encode_head_binary(cmd, cmd->body.n, out);
    else
        rmq_cmd_encode_head(cmd, cmd->body.n, out);
}

/* Per-thread scratch for encoding a queued frame's header outside wlock; freed when the
 * thread exits. */
static pthread_key_t mqc_head_key;
static pthread_once_t mqc_head_once = PTHREAD_ONCE_INIT;

static void
mqc_head_free(void *b)
{
    mq_buf_fini(b);
    free(b);
}

static void
mqc_head_key_init(void)
{
    (void)pthread_key_create(&mqc_head_key, mqc_head_free);
}

static mq_buf_t *
mqc_head_buf(void)
{
    mq_buf_t *b;
    (void)pthread_once(&mqc_head_once, mqc_head_key_init);
    b = pthread_getspecific(mqc_head_key);
    if (!b) {
        b = mq_xcalloc(1, sizeof(*b));
        mq_buf_init(b);
        (void)pthread_setspecific(mqc_head_key, b);
    }
    return b;
}

static int
mqc_write(mqc_conn_t *c, const rmq_cmd_t *cmd, int queue)
{
    /* A queued frame's header is encoded before taking wlock, so the writer thread, which
     * takes wlock between batches, does not wait for the JSON encoder. */
    mq_buf_t *head = queue ? mqc_head_buf() : NULL;
    struct iovec iov[2];
    int rc;
    if (head) {
        mq_buf_reset(head);
        mqc_encode_head(c, cmd, head);
    }
    pthread_mutex_lock(&c->wlock);
    if ((queue || c->writer_busy || c->outq.len) && !c->writer_stop) {
        if (!c->writer_on && pthread_create(&c->writer, NULL, mqc_writer_main, c) == 0)
            c->writer_on = 1;
        if (c->writer_on) {
            if (head)
                mq_buf_append(&c->outq, head->data, head->len);
            else
                mqc_encode_head(c, cmd, &c->outq);
            mq_buf_append(&c->outq, cmd->body.p, cmd->body.n);
            if (c->writer_idle)
                pthread_cond_signal(&c->wcond); /* a futex wake only when the writer sleeps */
            pthread_mutex_unlock(&c->wlock);
            return MQ_OK;
        }
    }
    mq_buf_reset(&c->wbuf);
    mqc_encode_head(c, cmd, &c->wbuf);
    iov[0].iov_base = c->wbuf.data;
    iov[0].iov_len = c->wbuf.len;
    iov[1].iov_base = (void *)cmd->body.p;
    iov[1].iov_len = cmd->body.n;
    rc = mqc_writev_all(c->fd, iov, 2);
    pthread_mutex_unlock(&c->wlock);
    if (rc != MQ_OK)
        shutdown(c->fd, SHUT_RDWR); /* the reader notices and fails the pending calls */
    return rc;
}

int
mqc_conn_respond(mqc_conn_t *c, rmq_cmd_t *resp)
{
    resp->flag |= RMQ_FLAG_RESPONSE;
    return mqc_write(c, resp, 0);
}

int
mqc_send_oneway(mqc_conn_t *c, rmq_cmd_t *req)
{
    pthread_mutex_lock(&c->lock);
    req->opaque = ++c->next_opaque;
    if (!c->open || c->closing) {
        pthread_mutex_unlock(&c->lock);
        return MQ_EIO;
    }
    pthread_mutex_unlock(&c->lock);
    req->flag = RMQ_FLAG_ONEWAY;
    return mqc_write(c, req, 0);
}

int
mqc_call(mqc_conn_t *c, rmq_cmd_t *req, int timeout_ms, mq_pool_t *pool, rmq_cmd_t *resp)
{
    mqc_pending_t p;
    struct timespec ts;
    int rc;
    memset(&p, 0, sizeof(p));
    p.sync = 1;
    p.pool = pool;
    p.resp = resp;
    p.deadline_ns = mq_mono_ns() + (int64_t)timeout_ms * 1000000;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    req->flag &= ~(RMQ_FLAG_RESPONSE | RMQ_FLAG_ONEWAY);
    pthread_mutex_lock(&c->lock);
    if (!c->open || c->closing) {
        pthread_mutex_unlock(&c->lock);
        return MQ_EIO;
    }
    req->opaque = p.opaque = ++c->next_opaque;
    mqc_pending_add(c, &p);
    pthread_mutex_unlock(&c->lock);

    if (mqc_write(c, req, 0) != MQ_OK) {
        pthread_mutex_lock(&c->lock);
        if (mqc_pending_unlink(c, &p)) {
            pthread_mutex_unlock(&c->lock);
            return MQ_EIO;
        }
        while (!p.done) /* the reader is failing it right now */
            pthread_cond_wait(&c->cond, &c->lock);
        pthread_mutex_unlock(&c->lock);
        return MQ_EIO;
    }
    pthread_mutex_lock(&c->lock);
    while (!p.done) {
        if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT && !p.done) {
            if (mqc_pending_unlink(c, &p)) {
                p.done = 1;
                p.status = MQ_ETIMEDOUT;
            }
        }
    }
    rc = p.status;
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int
mqc_call_async(mqc_conn_t *c, rmq_cmd_t *req, int timeout_ms, mqc_done_fn done, void *arg)
{
    mqc_pending_t *p;
    req->flag &= ~(RMQ_FLAG_RESPONSE | RMQ_FLAG_ONEWAY);
    pthread_mutex_lock(&c->lock);
    if (!c->open || c->closing) {
        pthread_mutex_unlock(&c->lock);
        return MQ_EIO;
    }
    p = c->free_list;
    if (p)
        c->free_list = p->next;
    else
        p = mq_xmalloc(sizeof(*p));
    memset(p, 0, sizeof(*p));
    p->fn = done;
    p->arg = arg;
    p->deadline_ns = mq_mono_ns() + (int64_t)timeout_ms * 1000000;
    req->opaque = p->opaque = ++c->next_opaque;
    mqc_pending_add(c, p);
    pthread_mutex_unlock(&c->lock);
    /* on a write error the reader fails every pending call (this one included) once it sees
     * the shutdown, so done still runs exactly once */
    (void)mqc_write(c, req, 1);
    return MQ_OK;
}
