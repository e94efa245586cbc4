/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_kv.c -- the NameServer's namespaced key/value config (RocketMQ KVConfigManager): put,
 * get, delete and list by namespace. Admin tools use it, and GET_ROUTE reads the namespace
 * ORDER_TOPIC_CONFIG. In memory only. Interface: ns_kv.h. Callers hold the NameServer lock.
 */
#include <stdlib.h>
#include <string.h>

#include "ns_kv.h"

/* A stored value: length-prefixed so it may hold any byte. */
typedef struct ns_kv_value_s {
    size_t n;    /* bytes in data */
    char data[]; /* the value, NUL-terminated for convenience */
} ns_kv_value_t;

static void
ns_kv_space_free(void *p)
{
    mq_strmap_fini(p, free);
    free(p);
}

void
ns_kv_init(ns_kv_t *kv)
{
    mq_strmap_init(&kv->spaces);
}

void
ns_kv_fini(ns_kv_t *kv)
{
    mq_strmap_fini(&kv->spaces, ns_kv_space_free);
}

void
ns_kv_put(ns_kv_t *kv, mq_str_t ns, mq_str_t key, mq_str_t value)
{
    mq_strmap_t *space = mq_strmap_get(&kv->spaces, ns);
    ns_kv_value_t *v = mq_xmalloc(sizeof(*v) + value.n + 1);

    v->n = value.n;
    if (value.n)
        memcpy(v->data, value.p, value.n);
    v->data[value.n] = '\0';
    if (!space) {
        space = mq_xmalloc(sizeof(*space));
        mq_strmap_init(space);
        mq_strmap_put(&kv->spaces, ns, space);
    }
    free(mq_strmap_put(space, key, v));
}

int
ns_kv_get(const ns_kv_t *kv, mq_str_t ns, mq_str_t key, mq_str_t *value)
{
    const mq_strmap_t *space = mq_strmap_get(&kv->spaces, ns);
    const ns_kv_value_t *v = space ? mq_strmap_get(space, key) : NULL;

    if (!v)
        return MQ_ENOENT;
    *value = (mq_str_t){v->data, v->n};
    return MQ_OK;
}

int
ns_kv_delete(ns_kv_t *kv, mq_str_t ns, mq_str_t key)
{
    mq_strmap_t *space = mq_strmap_get(&kv->spaces, ns);
    ns_kv_value_t *v = space ? mq_strmap_remove(space, key) : NULL;

    if (!v)
        return 0;
    free(v);
    if (space->count == 0)
        ns_kv_space_free(mq_strmap_remove(&kv->spaces, ns));
    return 1;
}

static int
ns_kv_cmp(const void *a, const void *b)
{
    const mq_str_t *x = a, *y = b; /* keys: even items of the list */
    int c = memcmp(x->p, y->p, MQ_MIN(x->n, y->n));
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

int
ns_kv_list(const ns_kv_t *kv, mq_str_t ns, mq_pool_t *pool, mq_str_list_t *out)
{
    const mq_strmap_t *space = mq_strmap_get(&kv->spaces, ns);
    mq_str_t key;
    void *p;

    memset(out, 0, sizeof(*out));
    if (!space)
        return MQ_ENOENT;
    out->items = mq_palloc(pool, (space->count ? space->count : 1) * 2 * sizeof(*out->items));
    for (size_t it = 0; mq_strmap_next(space, &it, &key, &p);) {
        const ns_kv_value_t *v = p;
        out->items[out->n++] = (mq_str_t){mq_pstrdup(pool, key), key.n};
        out->items[out->n++] = (mq_str_t){mq_pstrdup(pool, (mq_str_t){v->data, v->n}), v->n};
    }
    /* sort (key, value) pairs: each element of size 2 * sizeof(mq_str_t), compared by key */
    qsort(out->items, (size_t)out->n / 2, 2 * sizeof(*out->items), ns_kv_cmp);
    return MQ_OK;
}
