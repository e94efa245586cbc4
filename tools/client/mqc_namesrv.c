/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_namesrv.c -- the NameServer list of the client library (mqc.h, "NameServer lookups"):
 * "h1:p1;h2:p2" parsed once, a connection per NameServer opened on first use and reopened after
 * it drops, and calls that go to the current NameServer and move on to the next one when it
 * does not answer. Route parsing is in mqc_route.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqc_int.h"

#define MQC_NS_MAX 16          /* NameServers in one list */
#define MQC_NS_CONNECT_MS 3000 /* connect timeout */

struct mqc_namesrv_s {
    pthread_mutex_t lock;             /* everything below */
    int n;                            /* NameServers in addr[] */
    char addr[MQC_NS_MAX][128];       /* "host:port" */
    mqc_conn_t *conn[MQC_NS_MAX];     /* open connection or NULL */
    mqc_conn_t *dead[MQC_NS_MAX * 8]; /* dropped connections, freed with the list (another
                                         thread may still be inside a call on them) */
    int n_dead;                       /* entries in dead[] */
    int current;                      /* index tried first */
};

int
mqc_namesrv_new(const char *addrs, mqc_namesrv_t **out, char *err, size_t errlen)
{
    mqc_namesrv_t *ns;
    const char *p = addrs;
    *out = NULL;
    if (!addrs || !*addrs)
        return mqc_fail(err, errlen, MQ_EINVAL, "no NameServer address");
    ns = mq_xcalloc(1, sizeof(*ns));
    while (*p) {
        const char *end = p + strcspn(p, ";, ");
        size_t len = (size_t)(end - p);
        if (len > 0) {
            if (ns->n == MQC_NS_MAX || len >= sizeof(ns->addr[0]) || !memchr(p, ':', len)) {
                free(ns);
                return mqc_fail(err, errlen, MQ_EINVAL, "bad NameServer list '%s'", addrs);
            }
            memcpy(ns->addr[ns->n], p, len);
            ns->addr[ns->n][len] = '\0';
            ns->n++;
        }
        p = *end ? end + 1 : end;
    }
    if (ns->n == 0) {
        free(ns);
        return mqc_fail(err, errlen, MQ_EINVAL, "no NameServer address in '%s'", addrs);
    }
    pthread_mutex_init(&ns->lock, NULL);
    *out = ns;
    return MQ_OK;
}

void
mqc_namesrv_free(mqc_namesrv_t *ns)
{
    if (!ns)
        return;
    for (int i = 0; i < ns->n; i++)
        mqc_conn_close(ns->conn[i]);
    for (int i = 0; i < ns->n_dead; i++)
        mqc_conn_close(ns->dead[i]);
    pthread_mutex_destroy(&ns->lock);
    free(ns);
}

/* The connection to NameServer i, (re)opened as needed; NULL if it cannot be reached. */
static mqc_conn_t *
mqc_namesrv_conn(mqc_namesrv_t *ns, int i)
{
    mqc_conn_t *c;
    pthread_mutex_lock(&ns->lock);
    c = ns->conn[i];
    if (c && !mqc_conn_is_open(c)) {
        if (ns->n_dead < (int)MQ_ARRAY_LEN(ns->dead))
            ns->dead[ns->n_dead++] = c;
        else
            mqc_conn_close(c); /* many drops: accept the small risk of a racing caller */
        ns->conn[i] = c = NULL;
    }
    if (!c && mqc_conn_open(ns->addr[i], MQC_NS_CONNECT_MS, &c, NULL, 0) == MQ_OK)
        ns->conn[i] = c;
    pthread_mutex_unlock(&ns->lock);
    return c;
}

int
mqc_namesrv_call(mqc_namesrv_t *ns, rmq_cmd_t *req, int timeout_ms, mq_pool_t *pool,
                 rmq_cmd_t *resp)
{
    int first, rc = MQ_EIO;
    pthread_mutex_lock(&ns->lock);
    first = ns->current;
    pthread_mutex_unlock(&ns->lock);
    for (int k = 0; k < ns->n; k++) {
        int i = (first + k) % ns->n;
        mqc_conn_t *c = mqc_namesrv_conn(ns, i);
        if (!c)
            continue;
        rc = mqc_call(c, req, timeout_ms, pool, resp);
        if (rc == MQ_OK) {
            pthread_mutex_lock(&ns->lock);
            ns->current = i;
            pthread_mutex_unlock(&ns->lock);
            return MQ_OK;
        }
    }
    return rc;
}
