/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta_table.c -- a persisted table of named configs (store_meta_int.h): the common
 * part of topics.json and subscriptionGroup.json. Items are copied in and out under a mutex;
 * persisting serialises a snapshot and writes it atomically (store_meta_json.c).
 */
#include <stdlib.h>
#include <string.h>

#include "store_meta_int.h"

int
store_meta_table_load(store_meta_table_t *t, const store_meta_type_t *type, const char *root)
{
    json_t *j = NULL, *val;
    const char *key;
    int rc;

    memset(t, 0, sizeof(*t));
    t->type = type;
    pthread_mutex_init(&t->mu, NULL);
    pthread_mutex_init(&t->persist_mu, NULL);
    t->root = mq_xstrdup(root);
    mq_strmap_init(&t->map);
    rc = store_meta_load(root, type->file, &j);
    if (rc == MQ_ECORRUPT)
        return rc;
    if (j) {
        store_meta_version_read(json_object_get(j, "dataVersion"), &t->dv);
        json_object_foreach(json_object_get(j, type->table_key), key, val)
        {
            void *item;
            if (!json_is_object(val))
                continue;
            item = mq_xcalloc(1, type->item_size);
            type->from_json(item, key, val);
            free(mq_strmap_put(&t->map, mq_str_from_cstr(type->name_of(item)), item));
        }
        json_decref(j);
    }
    return MQ_OK;
}

void
store_meta_table_fini(store_meta_table_t *t)
{
    mq_strmap_fini(&t->map, free);
    free(t->root);
    pthread_mutex_destroy(&t->mu);
    pthread_mutex_destroy(&t->persist_mu);
}

int
store_meta_table_get(store_meta_table_t *t, const char *name, void *out)
{
    void *item;
    pthread_mutex_lock(&t->mu);
    item = mq_strmap_get(&t->map, mq_str_from_cstr(name));
    if (item)
        memcpy(out, item, t->type->item_size);
    pthread_mutex_unlock(&t->mu);
    return item ? MQ_OK : MQ_ENOENT;
}

void
store_meta_table_put(store_meta_table_t *t, const void *item)
{
    void *copy = mq_xmalloc(t->type->item_size);
    memcpy(copy, item, t->type->item_size);
    pthread_mutex_lock(&t->mu);
    free(mq_strmap_put(&t->map, mq_str_from_cstr(t->type->name_of(copy)), copy));
    store_meta_version_bump(&t->dv);
    pthread_mutex_unlock(&t->mu);
}

int
store_meta_table_remove(store_meta_table_t *t, const char *name)
{
    void *item;
    pthread_mutex_lock(&t->mu);
    item = mq_strmap_remove(&t->map, mq_str_from_cstr(name));
    if (item)
        store_meta_version_bump(&t->dv);
    pthread_mutex_unlock(&t->mu);
    free(item);
    return item ? MQ_OK : MQ_ENOENT;
}

int
store_meta_table_count(store_meta_table_t *t)
{
    int n;
    pthread_mutex_lock(&t->mu);
    n = (int)t->map.count;
    pthread_mutex_unlock(&t->mu);
    return n;
}

void
store_meta_table_foreach(store_meta_table_t *t, void (*fn)(void *arg, const void *item), void *arg)
{
    size_t it = 0;
    mq_str_t k;
    void *v;
    pthread_mutex_lock(&t->mu);
    while (mq_strmap_next(&t->map, &it, &k, &v))
        fn(arg, v);
    pthread_mutex_unlock(&t->mu);
}

void
store_meta_table_version(store_meta_table_t *t, store_data_version_t *dv)
{
    pthread_mutex_lock(&t->mu);
    *dv = t->dv;
    pthread_mutex_unlock(&t->mu);
}

/* The wrapper object; mu held. */
static json_t *
store_meta_table_json(store_meta_table_t *t)
{
    json_t *table = json_object();
    size_t it = 0;
    mq_str_t k;
    void *v;
    while (mq_strmap_next(&t->map, &it, &k, &v))
        json_object_set_new(table, t->type->name_of(v), t->type->to_json(v));
    return json_pack("{soso}", "dataVersion", store_meta_version_json(&t->dv), t->type->table_key,
                     table);
}

void
store_meta_table_encode(store_meta_table_t *t, mq_buf_t *out)
{
    json_t *j;
    pthread_mutex_lock(&t->mu);
    j = store_meta_table_json(t);
    pthread_mutex_unlock(&t->mu);
    store_meta_dump(j, out, 0);
}

int
store_meta_table_persist(store_meta_table_t *t)
{
    json_t *j;
    int rc;
    pthread_mutex_lock(&t->persist_mu);
    pthread_mutex_lock(&t->mu);
    j = store_meta_table_json(t);
    pthread_mutex_unlock(&t->mu);
    rc = store_meta_save(t->root, t->type->file, j);
    pthread_mutex_unlock(&t->persist_mu);
    return rc;
}
