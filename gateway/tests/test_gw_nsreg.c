/* SPDX-License-Identifier: Apache-2.0
 *
 * test_gw_nsreg.c -- the gateway's outbound side: gw_connect (gw_conn.c) on a real loop over
 * loopback (output queued while connecting, on_connect, data both ways, refusal reported by
 * on_close from the loop and never from inside gw_connect, unresolvable names), and the
 * namesrvAddr list parser of the NameServer client (gw_nsreg_parse).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw.h"
#include "gw_nsreg.h"

TestSuite(gw_nsreg);

/* ---- gw_nsreg_parse ---- */

Test(gw_nsreg, parse_lists)
{
    gw_nsreg_addr_t a[4];
    cr_assert_eq(gw_nsreg_parse("127.0.0.1:9876", a, 4), 1);
    cr_expect_str_eq(a[0].host, "127.0.0.1");
    cr_expect_eq(a[0].port, 9876);
    cr_assert_eq(gw_nsreg_parse(" ns1:1 ;ns2.example.com:65535; ;", a, 4), 2);
    cr_expect_str_eq(a[0].host, "ns1");
    cr_expect_eq(a[0].port, 1);
    cr_expect_str_eq(a[1].host, "ns2.example.com");
    cr_expect_eq(a[1].port, 65535);
    cr_assert_eq(gw_nsreg_parse("::1:9876", a, 4), 1, "the last colon separates the port");
    cr_expect_str_eq(a[0].host, "::1");
}

Test(gw_nsreg, parse_rejects)
{
    gw_nsreg_addr_t a[2];
    static const char *bad[] = {"",
                                " ; ",
                                "host",
                                "host:",
                                ":9876",
                                "h:0",
                                "h:65536",
                                "h:98x",
                                "h:-1",
                                "a:1;b",
                                "a:1;b:2;c:3", /* more than max */
                                "h:99999999999999999999"};
    cr_expect_eq(gw_nsreg_parse(NULL, a, 2), -1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(gw_nsreg_parse(bad[i], a, 2), -1, "\"%s\" rejected", bad[i]);
}

/* ---- gw_connect ---- */

typedef struct probe_s {
    gw_t *gw;
    int in_connect;  /* inside gw_connect(): on_close must not run now */
    int connects;    /* on_connect calls */
    int closes;      /* on_close calls */
    int close_errno; /* gw_conn_errno() in on_close */
    int reentrant;   /* on_close ran inside gw_connect */
    char got[64];    /* what the client read */
    size_t got_n;    /* bytes of it */
    gw_conn_t *conn; /* the outbound connection */
} probe_t;

static probe_t probe;

/* The server side echoes what it reads. */
static ssize_t
echo_on_data(gw_conn_t *c, const uint8_t *p, size_t n)
{
    mq_buf_t b = MQ_BUF_INIT;
    mq_buf_append(&b, p, n);
    gw_conn_send(c, &b);
    mq_buf_fini(&b);
    return (ssize_t)n;
}

static void
noop_on_close(gw_conn_t *c)
{
    (void)c;
}

static const gw_proto_t echo_proto = {
    .name = "echo", .on_data = echo_on_data, .on_close = noop_on_close, .max_buffer = 1024};

static ssize_t
client_on_data(gw_conn_t *c, const uint8_t *p, size_t n)
{
    (void)c;
    if (probe.got_n + n <= sizeof(probe.got)) {
        memcpy(probe.got + probe.got_n, p, n);
        probe.got_n += n;
    }
    if (probe.got_n >= 10)
        gw_stop(probe.gw);
    return (ssize_t)n;
}

static void
client_on_connect(gw_conn_t *c)
{
    (void)c;
    probe.connects++;
}

static void
client_on_close(gw_conn_t *c)
{
    probe.closes++;
    probe.close_errno = gw_conn_errno(c);
    if (probe.in_connect)
        probe.reentrant = 1;
    gw_stop(probe.gw);
}

static const gw_proto_t client_proto = {.name = "client",
                                        .on_data = client_on_data,
                                        .on_close = client_on_close,
                                        .max_buffer = 1024,
                                        .on_connect = client_on_connect};

static void
timeout_cb(void *arg)
{
    gw_stop(arg);
}

static void
setup(void)
{
    memset(&probe, 0, sizeof(probe));
    probe.gw = gw_new();
    cr_assert_not_null(probe.gw);
    gw_timer_start(probe.gw, 5.0, timeout_cb, probe.gw); /* a hung test ends */
}

Test(gw_nsreg, connect_send_before_connected_and_echo, .init = setup)
{
    int port = 0;
    mq_buf_t b = MQ_BUF_INIT;
    cr_assert_eq(gw_listen(probe.gw, "127.0.0.1", 0, &echo_proto, NULL, &port), MQ_OK);
    probe.in_connect = 1;
    cr_assert_eq(gw_connect(probe.gw, "127.0.0.1", port, &client_proto, NULL, 3000, &probe.conn),
                 MQ_OK);
    probe.in_connect = 0;
    cr_assert_not_null(probe.conn);
    cr_expect(gw_conn_is_connecting(probe.conn));
    cr_expect_eq(strncmp(gw_conn_peer(probe.conn), "127.0.0.1:", 10), 0, "peer %s",
                 gw_conn_peer(probe.conn));
    mq_buf_append(&b, "0123456789", 10); /* queued until the connect completes */
    gw_conn_send(probe.conn, &b);
    mq_buf_fini(&b);
    gw_run(probe.gw);
    cr_expect_eq(probe.connects, 1);
    cr_expect_eq(probe.closes, 0);
    cr_assert_eq(probe.got_n, 10);
    cr_expect_eq(memcmp(probe.got, "0123456789", 10), 0);
    cr_expect_not(gw_conn_is_connecting(probe.conn));
    cr_expect(gw_conn_is_open(probe.conn));
    gw_free(probe.gw); /* closes the connection: on_close once, errno 0 */
    cr_expect_eq(probe.closes, 1);
    cr_expect_eq(probe.close_errno, 0);
}

Test(gw_nsreg, connect_refused_reported_by_on_close, .init = setup)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;
    mq_buf_t b = MQ_BUF_INIT;

    /* a port nobody listens on: bind one, note it, close it */
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    port = ntohs(sin.sin_port);
    close(fd);

    probe.in_connect = 1;
    cr_assert_eq(gw_connect(probe.gw, "127.0.0.1", port, &client_proto, NULL, 3000, &probe.conn),
                 MQ_OK);
    probe.in_connect = 0;
    gw_conn_hold(probe.conn); /* the refused connection is freed on close unless held */
    mq_buf_append(&b, "lost", 4);
    gw_conn_send(probe.conn, &b); /* dropped with the connection, not leaked */
    mq_buf_fini(&b);
    cr_expect_eq(probe.closes, 0, "not reported from inside gw_connect");
    gw_run(probe.gw);
    cr_expect_eq(probe.reentrant, 0);
    cr_expect_eq(probe.connects, 0);
    cr_expect_eq(probe.closes, 1);
    cr_expect_eq(probe.close_errno, ECONNREFUSED, "errno %d", probe.close_errno);
    cr_expect_not(gw_conn_is_open(probe.conn));
    gw_conn_release(probe.conn);
    gw_free(probe.gw);
    cr_expect_eq(probe.closes, 1, "on_close only once");
}

Test(gw_nsreg, connect_unresolvable, .init = setup)
{
    gw_conn_t *c = (gw_conn_t *)&probe; /* must be reset to NULL */
    cr_expect_eq(gw_connect(probe.gw, "no-such-host.invalid", 9876, &client_proto, NULL, 3000, &c),
                 MQ_EINVAL);
    cr_expect_null(c);
    cr_expect_eq(gw_connect(probe.gw, "127.0.0.1", 0, &client_proto, NULL, 3000, &c), MQ_EINVAL);
    cr_expect_eq(probe.closes, 0);
    gw_free(probe.gw);
}
