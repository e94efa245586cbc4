/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_util.c -- small process-level helpers of the client library: the local IPv4 address (for
 * UNIQ_KEY prefixes and client ids) and client ids in RocketMQ's "ip@pid#n" form.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqc_int.h"

void
mqc_local_ip4(uint8_t ip[4])
{
    /* connect() on a UDP socket sends nothing; it only picks the source address of the route */
    struct sockaddr_in dst, me;
    socklen_t len = sizeof(me);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    static const uint8_t loopback[4] = {127, 0, 0, 1};
    memcpy(ip, loopback, 4);
    if (fd < 0)
        return;
    memset(&dst, 0, sizeof(dst));
    dst.sin_family = AF_INET;
    dst.sin_port = htons(9);
    dst.sin_addr.s_addr = htonl(0x0A000001); /* 10.0.0.1: any routable address works */
    if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0 &&
        getsockname(fd, (struct sockaddr *)&me, &len) == 0 && me.sin_addr.s_addr != 0)
        memcpy(ip, &me.sin_addr.s_addr, 4);
    close(fd);
}

void
mqc_client_id(char *out, size_t n)
{
    static atomic_int seq;
    uint8_t ip[4];
    mqc_local_ip4(ip);
    snprintf(out, n, "%u.%u.%u.%u@%d#%lld%d", ip[0], ip[1], ip[2], ip[3], (int)getpid(),
             (long long)(mq_mono_ns() % 1000000000LL), atomic_fetch_add(&seq, 1));
}

const char *
mqc_default_namesrv(void)
{
    const char *env = getenv("NAMESRV_ADDR");
    return env && *env ? env : "127.0.0.1:9876";
}
