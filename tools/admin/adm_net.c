/* SPDX-License-Identifier: Apache-2.0
 *
 * adm_net.c -- how mqadmin reaches servers: adm_call (a broker by address) and adm_ns_call
 * (the first NameServer of -n / NAMESRV_ADDR that answers), plus request helpers.
 *
 * With MQ_ADMIN_MQC (tools/client's mq_client library is built) calls go through mqc_conn /
 * mqc_namesrv. Without it a small blocking client is used: one connection per address, a
 * request, then frames read until the response with the same opaque (server-initiated requests
 * are skipped). Responses are copied into the context's pool, so their views outlive the call.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "mq/buf.h"
#include "rmq_frame.h"

#ifdef MQ_ADMIN_MQC
#include "mqc.h"
#else
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#define ADM_MAX_CONNS 32

typedef struct adm_net_s {
    int32_t next_opaque; /* opaques of our requests */
#ifdef MQ_ADMIN_MQC
    mqc_namesrv_t *ns;  /* NameServer list (lazy connections) */
    mqc_brokers_t *bks; /* broker connections by address */
#else
    struct {
        char addr[128]; /* host:port */
        int fd;         /* connected socket */
    } conns[ADM_MAX_CONNS];
    int n_conns;
    mq_buf_t rx; /* bytes read and not yet parsed (one connection at a time) */
#endif
} adm_net_t;

#ifndef MQ_ADMIN_MQC
/* ---- The blocking fallback client ---- */

static int
adm_sock_connect(const char *addr, int timeout_ms)
{
    char host[128];
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || (size_t)(colon - addr) >= sizeof(host)) {
        return -1;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = 0;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || res == NULL) {
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int err = 0;
        socklen_t len = sizeof(err);
        if (poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
            err == 0) {
            rc = 0;
        }
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fl);
    return fd;
}

static int
adm_sock_get(adm_net_t *net, const char *addr)
{
    for (int i = 0; i < net->n_conns; i++) {
        if (strcmp(net->conns[i].addr, addr) == 0) {
            return net->conns[i].fd;
        }
    }
    int fd = adm_sock_connect(addr, ADM_TIMEOUT_MS);
    if (fd < 0 || net->n_conns == ADM_MAX_CONNS || strlen(addr) >= sizeof(net->conns[0].addr)) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    snprintf(net->conns[net->n_conns].addr, sizeof(net->conns[0].addr), "%s", addr);
    net->conns[net->n_conns++].fd = fd;
    return fd;
}

static void
adm_sock_drop(adm_net_t *net, const char *addr)
{
    for (int i = 0; i < net->n_conns; i++) {
        if (strcmp(net->conns[i].addr, addr) == 0) {
            close(net->conns[i].fd);
            net->conns[i] = net->conns[--net->n_conns];
            return;
        }
    }
}

static int
adm_sock_write(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return MQ_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return MQ_OK;
}

/* Reads frames from fd until the response to opaque; copies it into the pool. */
static int
adm_sock_call(adm_t *a, int fd, rmq_cmd_t *req, rmq_cmd_t *resp)
{
    adm_net_t *net = a->net;
    mq_buf_t out = MQ_BUF_INIT;
    rmq_cmd_encode(req, &out);
    int rc = adm_sock_write(fd, out.data, out.len);
    mq_buf_fini(&out);
    if (rc != MQ_OK) {
        return rc;
    }
    mq_buf_reset(&net->rx);
    int64_t deadline = mq_mono_ns() + (int64_t)ADM_TIMEOUT_MS * 1000000;
    for (;;) {
        rmq_frame_t f;
        ssize_t used =
            rmq_frame_parse(net->rx.data, net->rx.len, RMQ_FRAME_MAX_DEFAULT * 4, &f, NULL);
        if (used > 0) {
            /* copy the frame into the pool so the decoded views outlive rx */
            uint8_t *copy = mq_palloc(&a->pool, (size_t)used);
            memcpy(copy, net->rx.data, (size_t)used);
            rmq_frame_parse(copy, (size_t)used, RMQ_FRAME_MAX_DEFAULT * 4, &f, NULL);
            memmove(net->rx.data, net->rx.data + used, net->rx.len - (size_t)used);
            net->rx.len -= (size_t)used;
            if (rmq_cmd_decode(&f, &a->pool, resp) != MQ_OK) {
                return MQ_EPROTO;
            }
            if (rmq_cmd_is_response(resp) && resp->opaque == req->opaque) {
                return MQ_OK;
            }
            continue; /* a server request or a stale response */
        }
        if (used != MQ_AGAIN) {
            return MQ_EPROTO;
        }
        int left = (int)((deadline - mq_mono_ns()) / 1000000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) != 1) {
            return MQ_ETIMEDOUT;
        }
        uint8_t *dst = mq_buf_reserve(&net->rx, 65536);
        ssize_t r = recv(fd, dst, 65536, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return MQ_EIO;
        }
        net->rx.len += (size_t)r;
    }
}
#endif /* !MQ_ADMIN_MQC */

/* ---- The calls ---- */

int
adm_net_init(adm_t *a)
{
    adm_net_t *net = mq_xcalloc(1, sizeof(*net));
    net->next_opaque = 1;
    a->net = net;
#ifdef MQ_ADMIN_MQC
    net->bks = mqc_brokers_new();
    if (a->namesrv != NULL) {
        char err[256] = "";
        if (mqc_namesrv_new(a->namesrv, &net->ns, err, sizeof(err)) != MQ_OK) {
            adm_fail(a, "bad NameServer address '%s': %s", a->namesrv, err);
            adm_net_fini(a);
            return MQ_EINVAL;
        }
    }
#else
    mq_buf_init(&net->rx);
#endif
    return MQ_OK;
}

void
adm_net_fini(adm_t *a)
{
    adm_net_t *net = a->net;
    if (net == NULL) {
        return;
    }
#ifdef MQ_ADMIN_MQC
    if (net->ns != NULL) {
        mqc_namesrv_free(net->ns);
    }
    mqc_brokers_free(net->bks);
#else
    for (int i = 0; i < net->n_conns; i++) {
        close(net->conns[i].fd);
    }
    mq_buf_fini(&net->rx);
#endif
    free(net);
    a->net = NULL;
}

void
adm_req(adm_t *a, rmq_cmd_t *req, int32_t code)
{
    adm_net_t *net = a->net;
    rmq_cmd_init(req, code, net->next_opaque++, 0);
}

void
adm_add(adm_t *a, rmq_cmd_t *req, const char *key, const char *val)
{
    rmq_cmd_add(req, &a->pool, key, mq_str_from_cstr(val));
}

void
adm_add_i64(adm_t *a, rmq_cmd_t *req, const char *key, int64_t val)
{
    rmq_cmd_add_i64(req, &a->pool, key, val);
}

int
adm_call(adm_t *a, const char *addr, rmq_cmd_t *req, rmq_cmd_t *resp)
{
    adm_net_t *net = a->net;
    int rc;
#ifdef MQ_ADMIN_MQC
    mqc_conn_t *c = NULL;
    rc = mqc_brokers_get(net->bks, addr, &c);
    if (rc == MQ_OK) {
        rc = mqc_call(c, req, ADM_TIMEOUT_MS, &a->pool, resp);
    } else {
        fprintf(stderr, "mqadmin %s: connect to %s failed\n", a->cmd, addr);
        return rc;
    }
#else
    int fd = adm_sock_get(net, addr);
    if (fd < 0) {
        fprintf(stderr, "mqadmin %s: connect to %s failed\n", a->cmd, addr);
        return MQ_EIO;
    }
    rc = adm_sock_call(a, fd, req, resp);
    if (rc != MQ_OK) {
        adm_sock_drop(net, addr);
    }
#endif
    if (rc != MQ_OK) {
        fprintf(stderr, "mqadmin %s: request %d to %s failed: %s\n", a->cmd, req->code, addr,
                mq_err_text(rc));
    }
    return rc;
}

int
adm_ns_call(adm_t *a, rmq_cmd_t *req, rmq_cmd_t *resp)
{
    if (a->namesrv == NULL) {
        fprintf(stderr,
                "mqadmin %s: connect to <null> failed: no NameServer address; set "
                "NAMESRV_ADDR or pass -n host:port\n",
                a->cmd);
        return MQ_EINVAL;
    }
#ifdef MQ_ADMIN_MQC
    adm_net_t *net = a->net;
    int rc = mqc_namesrv_call(net->ns, req, ADM_TIMEOUT_MS, &a->pool, resp);
    if (rc != MQ_OK) {
        fprintf(stderr, "mqadmin %s: no NameServer of '%s' answered: %s\n", a->cmd, a->namesrv,
                mq_err_text(rc));
    }
    return rc;
#else
    char list[1024];
    snprintf(list, sizeof(list), "%s", a->namesrv);
    char *save = NULL;
    for (char *addr = strtok_r(list, ";", &save); addr != NULL; addr = strtok_r(NULL, ";", &save)) {
        while (*addr == ' ') {
            addr++;
        }
        if (*addr == 0) {
            continue;
        }
        adm_net_t *net = a->net;
        int fd = adm_sock_get(net, addr);
        if (fd < 0) {
            continue;
        }
        if (adm_sock_call(a, fd, req, resp) == MQ_OK) {
            return MQ_OK;
        }
        adm_sock_drop(net, addr);
    }
    fprintf(stderr, "mqadmin %s: connect to %s failed\n", a->cmd, a->namesrv);
    return MQ_EIO;
#endif
}

int
adm_resp_ok(adm_t *a, const rmq_cmd_t *resp, const char *what)
{
    if (resp->code == RMQ_RC_SUCCESS) {
        return 0;
    }
    fprintf(stderr, "mqadmin %s: %s: CODE: %d DESC: %.*s\n", a->cmd, what, resp->code,
            (int)resp->remark.n, resp->remark.p ? resp->remark.p : "");
    return 1;
}

const char *
adm_ext(adm_t *a, const rmq_cmd_t *resp, const char *key)
{
    mq_str_t v;
    if (!rmq_cmd_ext(resp, key, &v)) {
        return NULL;
    }
    return mq_pstrdup(&a->pool, v);
}
