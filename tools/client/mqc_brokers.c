/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_brokers.c -- a cache of broker connections by address (mqc.h, mqc_brokers_*), shared by
 * the producers and consumers that hold it. A connection is opened on first use and replaced
 * when it has dropped; a replaced connection is kept until the cache is freed, because another
 * thread may still be inside a call on it (its calls have already failed with MQ_EIO).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mq/strmap.h"
#include "mqc_int.h"

#define MQC_BROKER_CONNECT_MS 3000

struct mqc_brokers_s {
    pthread_mutex_t lock; /* everything below */
    mq_strmap_t conns;    /* addr -> mqc_conn_t*, open or broken */
    mqc_conn_t **dead;    /* replaced connections, closed by mqc_brokers_free */
    int n_dead;           /* entries in dead */
    int cap_dead;         /* room in dead */
};

mqc_brokers_t *
mqc_brokers_new(void)
{
    mqc_brokers_t *b = mq_xcalloc(1, sizeof(*b));
    pthread_mutex_init(&b->lock, NULL);
    mq_strmap_init(&b->conns);
    return b;
}

static void
mqc_brokers_close_cb(void *v)
{
    mqc_conn_close(v);
}

void
mqc_brokers_free(mqc_brokers_t *b)
{
    if (!b)
        return;
    mq_strmap_fini(&b->conns, mqc_brokers_close_cb);
    for (int i = 0; i < b->n_dead; i++)
        mqc_conn_close(b->dead[i]);
    free(b->dead);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

int
mqc_brokers_get(mqc_brokers_t *b, const char *addr, mqc_conn_t **out)
{
    mq_str_t key = mq_str_from_cstr(addr);
    mqc_conn_t *c;
    int rc = MQ_OK;
    pthread_mutex_lock(&b->lock);
    c = mq_strmap_get(&b->conns, key);
    if (c && !mqc_conn_is_open(c)) {
        if (b->n_dead == b->cap_dead) {
            b->cap_dead = b->cap_dead ? b->cap_dead * 2 : 8;
            b->dead = mq_xrealloc(b->dead, (size_t)b->cap_dead * sizeof(*b->dead));
        }
        b->dead[b->n_dead++] = c;
        mq_strmap_remove(&b->conns, key);
        c = NULL;
    }
    if (!c) {
        rc = mqc_conn_open(addr, MQC_BROKER_CONNECT_MS, &c, NULL, 0);
        if (rc == MQ_OK)
            mq_strmap_put(&b->conns, key, c);
    }
    pthread_mutex_unlock(&b->lock);
    *out = rc == MQ_OK ? c : NULL;
    return rc;
}
