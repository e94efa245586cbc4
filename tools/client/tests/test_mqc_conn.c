/* SPDX-License-Identifier: Apache-2.0
 *
 * test_mqc_conn.c -- the connection layer against a scripted server on loopback: responses
 * matched by opaque when they come back out of order, sync and async timeouts, server-initiated
 * requests handed to the callback, a malformed frame that drops the connection (pending calls
 * fail, nothing crashes), and close failing what is still pending.
 *
 * The server answers by request code: 1 echo at once, 2 never, 3 garbage bytes, 4 a
 * NOTIFY_CONSUMER_IDS_CHANGED request first and then the answer, 5 held until two have come
 * and then answered in reverse order.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqc_int.h"

typedef struct srv_s {
    int lfd;          /* listening socket */
    int port;         /* its port */
    pthread_t thread; /* srv_main */
} srv_t;

static void
srv_send(int fd, rmq_cmd_t *c)
{
    mq_buf_t b = MQ_BUF_INIT;
    rmq_cmd_encode(c, &b);
    cr_assert_eq(write(fd, b.data, b.len), (ssize_t)b.len);
    mq_buf_fini(&b);
}

static void
srv_reply(int fd, int32_t opaque, const char *echo)
{
    mq_pool_t pool;
    rmq_cmd_t r;
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&r, 0, opaque, RMQ_FLAG_RESPONSE);
    rmq_cmd_add(&r, &pool, "echo", mq_str_from_cstr(echo));
    r.body = MQ_STR("body!");
    srv_send(fd, &r);
    mq_pool_fini(&pool);
}

static void *
srv_main(void *arg)
{
    srv_t *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    uint8_t buf[65536];
    size_t len = 0;
    int32_t held[2];
    int n_held = 0;
    if (fd < 0)
        return NULL;
    for (;;) {
        ssize_t got = read(fd, buf + len, sizeof(buf) - len);
        if (got <= 0)
            break;
        len += (size_t)got;
        for (;;) {
            rmq_frame_t f;
            rmq_cmd_t c;
            mq_pool_t pool;
            mq_str_t v;
            char echo[64] = "";
            ssize_t used = rmq_frame_parse(buf, len, RMQ_FRAME_MAX_DEFAULT, &f, NULL);
            if (used <= 0)
                break;
            mq_pool_init(&pool, 0);
            cr_assert_eq(rmq_cmd_decode(&f, &pool, &c), MQ_OK);
            if (rmq_cmd_ext(&c, "v", &v))
                snprintf(echo, sizeof(echo), "%.*s", (int)v.n, v.p);
            switch (c.code) {
            case 1:
                srv_reply(fd, c.opaque, echo);
                break;
            case 3:
                cr_assert_eq(write(fd, "\0\0\0\x05\xff\xff\xff\xff\0", 9), 9);
                break;
            case 4: {
                rmq_cmd_t n;
                rmq_cmd_init(&n, RMQ_NOTIFY_CONSUMER_IDS_CHANGED, 77, RMQ_FLAG_ONEWAY);
                rmq_cmd_add(&n, &pool, "consumerGroup", MQ_STR("g"));
                srv_send(fd, &n);
                srv_reply(fd, c.opaque, echo);
                break;
            }
            case 5:
                held[n_held++] = c.opaque;
                if (n_held == 2) {
                    srv_reply(fd, held[1], "second");
                    srv_reply(fd, held[0], "first");
                    n_held = 0;
                }
                break;
            default:
                break; /* 2: never answered */
            }
            mq_pool_fini(&pool);
            memmove(buf, buf + used, len - (size_t)used);
            len -= (size_t)used;
        }
    }
    close(fd);
    return NULL;
}

static void
srv_start(srv_t *s)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(s->lfd, 4), 0);
    cr_assert_eq(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    cr_assert_eq(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void
srv_stop(srv_t *s)
{
    pthread_join(s->thread, NULL);
    close(s->lfd);
}

static mqc_conn_t *
open_to(srv_t *s)
{
    char addr[64], err[128];
    mqc_conn_t *c;
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
    cr_assert_eq(mqc_conn_open(addr, 1000, &c, err, sizeof(err)), MQ_OK, "%s", err);
    cr_assert(mqc_conn_is_open(c));
    cr_assert_str_eq(mqc_conn_addr(c), addr);
    return c;
}

static int
call(mqc_conn_t *c, int code, const char *v, int timeout_ms, mq_pool_t *pool, rmq_cmd_t *resp)
{
    rmq_cmd_t req;
    rmq_cmd_init(&req, code, 0, 0);
    rmq_cmd_add(&req, pool, "v", mq_str_from_cstr(v));
    return mqc_call(c, &req, timeout_ms, pool, resp);
}

typedef struct async_s {
    atomic_int calls;  /* completions seen */
    atomic_int status; /* last status */
} async_t;

static void
async_done(void *arg, int status, const rmq_cmd_t *resp)
{
    async_t *a = arg;
    mq_str_t v;
    if (status == MQ_OK)
        cr_assert(rmq_cmd_ext(resp, "echo", &v) && mq_str_eq_cstr(v, "async"));
    else
        cr_assert_null(resp);
    atomic_store(&a->status, status);
    atomic_fetch_add(&a->calls, 1);
}

static void
wait_calls(async_t *a, int n)
{
    for (int i = 0; i < 300 && atomic_load(&a->calls) < n; i++)
        usleep(10000);
}

Test(mqc_conn, sync_calls_match_by_opaque)
{
    srv_t s;
    mq_pool_t pool;
    rmq_cmd_t resp;
    mq_str_t v;
    srv_start(&s);
    mqc_conn_t *c = open_to(&s);
    mq_pool_init(&pool, 0);
    cr_assert_eq(call(c, 1, "hello", 2000, &pool, &resp), MQ_OK);
    cr_assert(rmq_cmd_is_response(&resp));
    cr_assert(rmq_cmd_ext(&resp, "echo", &v) && mq_str_eq_cstr(v, "hello"));
    cr_assert(mq_str_eq_cstr(resp.body, "body!"));
    mqc_conn_close(c);
    mq_pool_fini(&pool);
    srv_stop(&s);
}

typedef struct held_s {
    mqc_conn_t *c; /* connection */
    int rc;        /* call result */
    char echo[16]; /* what came back */
} held_t;

static void *
held_call(void *arg)
{
    held_t *h = arg;
    mq_pool_t pool;
    rmq_cmd_t resp;
    mq_str_t v;
    mq_pool_init(&pool, 0);
    h->rc = call(h->c, 5, "x", 3000, &pool, &resp);
    if (h->rc == MQ_OK && rmq_cmd_ext(&resp, "echo", &v))
        snprintf(h->echo, sizeof(h->echo), "%.*s", (int)v.n, v.p);
    mq_pool_fini(&pool);
    return NULL;
}

Test(mqc_conn, out_of_order_responses_reach_their_callers)
{
    srv_t s;
    pthread_t t1, t2;
    held_t h1 = {0}, h2 = {0};
    srv_start(&s);
    h1.c = h2.c = open_to(&s);
    pthread_create(&t1, NULL, held_call, &h1);
    usleep(100000); /* h1 is the first request the server sees */
    pthread_create(&t2, NULL, held_call, &h2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    cr_assert_eq(h1.rc, MQ_OK);
    cr_assert_eq(h2.rc, MQ_OK);
    cr_assert_str_eq(h1.echo, "first");
    cr_assert_str_eq(h2.echo, "second");
    mqc_conn_close(h1.c);
    srv_stop(&s);
}

Test(mqc_conn, timeouts_sync_and_async)
{
    srv_t s;
    mq_pool_t pool;
    rmq_cmd_t resp, req;
    async_t a = {0};
    int64_t t0;
    srv_start(&s);
    mqc_conn_t *c = open_to(&s);
    mq_pool_init(&pool, 0);
    t0 = mq_mono_ns();
    cr_assert_eq(call(c, 2, "x", 200, &pool, &resp), MQ_ETIMEDOUT);
    cr_assert_geq(mq_mono_ns() - t0, 150 * 1000000LL);
    rmq_cmd_init(&req, 2, 0, 0);
    cr_assert_eq(mqc_call_async(c, &req, 200, async_done, &a), MQ_OK);
    wait_calls(&a, 1);
    usleep(100000);
    cr_assert_eq(atomic_load(&a.calls), 1, "done runs exactly once");
    cr_assert_eq(atomic_load(&a.status), MQ_ETIMEDOUT);
    /* the connection still works */
    cr_assert_eq(call(c, 1, "again", 2000, &pool, &resp), MQ_OK);
    rmq_cmd_init(&req, 1, 0, 0);
    rmq_cmd_add(&req, &pool, "v", MQ_STR("async"));
    cr_assert_eq(mqc_call_async(c, &req, 2000, async_done, &a), MQ_OK);
    wait_calls(&a, 2);
    cr_assert_eq(atomic_load(&a.status), MQ_OK);
    mqc_conn_close(c);
    mq_pool_fini(&pool);
    srv_stop(&s);
}

static atomic_int notified;

static void
on_request(void *arg, mqc_conn_t *conn, const rmq_cmd_t *cmd)
{
    mq_str_t v;
    cr_assert_eq(arg, (void *)&notified);
    cr_assert_not_null(conn);
    if (cmd->code == RMQ_NOTIFY_CONSUMER_IDS_CHANGED && rmq_cmd_ext(cmd, "consumerGroup", &v) &&
        mq_str_eq_cstr(v, "g"))
        atomic_fetch_add(&notified, 1);
}

Test(mqc_conn, server_requests_go_to_the_callback)
{
    srv_t s;
    mq_pool_t pool;
    rmq_cmd_t resp;
    srv_start(&s);
    mqc_conn_t *c = open_to(&s);
    mqc_conn_on_server_request(c, on_request, &notified);
    mq_pool_init(&pool, 0);
    cr_assert_eq(call(c, 4, "n", 2000, &pool, &resp), MQ_OK);
    cr_assert_eq(atomic_load(&notified), 1, "the request came before the reply");
    cr_assert(rmq_cmd_is_response(&resp));
    mqc_conn_close(c);
    mq_pool_fini(&pool);
    srv_stop(&s);
}

Test(mqc_conn, malformed_frame_drops_the_connection)
{
    srv_t s;
    mq_pool_t pool;
    rmq_cmd_t resp, req;
    async_t a = {0};
    srv_start(&s);
    mqc_conn_t *c = open_to(&s);
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&req, 2, 0, 0);
    cr_assert_eq(mqc_call_async(c, &req, 5000, async_done, &a), MQ_OK);
    cr_assert_eq(call(c, 3, "bad", 2000, &pool, &resp), MQ_EIO);
    wait_calls(&a, 1);
    cr_assert_eq(atomic_load(&a.status), MQ_EIO, "pending calls fail at once");
    cr_assert_not(mqc_conn_is_open(c));
    cr_assert_eq(call(c, 1, "late", 200, &pool, &resp), MQ_EIO);
    mqc_conn_close(c);
    mq_pool_fini(&pool);
    srv_stop(&s);
}

Test(mqc_conn, close_fails_pending_calls)
{
    srv_t s;
    rmq_cmd_t req;
    async_t a = {0};
    srv_start(&s);
    mqc_conn_t *c = open_to(&s);
    rmq_cmd_init(&req, 2, 0, 0);
    cr_assert_eq(mqc_call_async(c, &req, 60000, async_done, &a), MQ_OK);
    mqc_conn_close(c);
    cr_assert_eq(atomic_load(&a.calls), 1);
    cr_assert_eq(atomic_load(&a.status), MQ_ECLOSED);
    srv_stop(&s);
}

Test(mqc_conn, bad_addresses_are_refused)
{
    mqc_conn_t *c;
    char err[128];
    cr_assert_eq(mqc_conn_open("nohostport", 100, &c, err, sizeof(err)), MQ_EINVAL);
    cr_assert_null(c);
    cr_assert_eq(mqc_conn_open("127.0.0.1:", 100, &c, err, sizeof(err)), MQ_EINVAL);
    cr_assert_eq(mqc_conn_open("127.0.0.1:1", 500, &c, err, sizeof(err)), MQ_EIO);
    cr_assert_null(c);
}
