/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_kv.c -- the NameServer's namespaced key/value config (RocketMQ KVConfigManager): put,
 * get, delete and list by namespace. Admin tools use it, and GET_ROUTE reads the namespace
 * ORDER_TOPIC_CONFIG; and its kvConfig.json form (RocketMQ's KVConfigSerializeWrapper). Interface:
 * ns_kv.h. Callers hold the NameServer lock.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
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

/* Appends every (key, value) of a namespace's list as JSON members. An entry that is not UTF-8
 * text (a binary remoting header could carry one) is left out of the file rather than making
 * the whole file unreadable. */
static void
ns_kv_json_members(json_t *obj, const mq_str_list_t *l)
{
    for (int i = 0; i + 1 < l->n; i += 2) {
        json_t *v = json_stringn(l->items[i + 1].p, l->items[i + 1].n);
        if (!v || json_object_setn_new(obj, l->items[i].p, l->items[i].n, v) != 0)
            MQ_LOG_WARN("namesrv", "kv config %.*s is not UTF-8 text: not persisted",
                        (int)l->items[i].n, l->items[i].p);
    }
}

void
ns_kv_to_json(const ns_kv_t *kv, mq_buf_t *out)
{
    json_t *root = json_object(), *table = json_object();
    mq_pool_t pool;
    mq_str_t space;
    void *p;
    char *text;

    mq_pool_init(&pool, 0);
    for (size_t it = 0; mq_strmap_next(&kv->spaces, &it, &space, &p);) {
        mq_str_list_t l;
        json_t *obj = json_object();
        if (ns_kv_list(kv, space, &pool, &l) == MQ_OK)
            ns_kv_json_members(obj, &l);
        if (json_object_setn_new(table, space.p, space.n, obj) != 0)
            MQ_LOG_WARN("namesrv", "kv namespace %.*s is not UTF-8 text: not persisted",
                        (int)space.n, space.p);
    }
    json_object_set_new(root, "configTable", table);
    text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(1));
    if (text)
        mq_buf_append_cstr(out, text);
    free(text);
    json_decref(root);
    mq_pool_fini(&pool);
}

int
ns_kv_from_json(ns_kv_t *kv, const char *text, size_t len)
{
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &err), *table, *space;
    const char *name;

    table = json_object_get(root, "configTable");
    if (!json_is_object(table)) {
        json_decref(root);
        return MQ_EPROTO;
    }
    json_object_foreach(table, name, space)
    {
        const char *key;
        json_t *v;
        if (!json_is_object(space) || !*name)
            continue;
        json_object_foreach(space, key, v)
        {
            if (json_is_string(v) && *key)
                ns_kv_put(kv, mq_str_from_cstr(name), mq_str_from_cstr(key),
                          (mq_str_t){json_string_value(v), json_string_length(v)});
        }
    }
    json_decref(root);
    return MQ_OK;
}
