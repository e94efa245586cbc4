/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta_offsets.c -- committed consumer offsets and config/consumerOffset.json
 * (RocketMQ's ConsumerOffsetManager): {"dataVersion":{...},"offsetTable":{"topic@group":
 * {"0":12,"1":7}}}. The offset stored is the next one to consume. RocketMQ writes the queue
 * ids unquoted; we write standard JSON and read both.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
#include "mq/strmap.h"
#include "store_meta_int.h"

typedef struct store_offset_row_s {
    char *topic;     /* owned */
    char *group;     /* owned */
    int64_t *offs;   /* per queue id; -1 = none */
    int32_t nqueues; /* allocated entries */
} store_offset_row_t;

struct store_offsets_s {
    pthread_mutex_t persist_mu; /* one file write at a time */
    pthread_mutex_t mu;         /* guards everything below */
    char *root;                 /* store root */
    mq_strmap_t map;            /* "topic@group" -> row */
    store_data_version_t dv;    /* dataVersion */
};

static void
store_offset_row_free(void *p)
{
    store_offset_row_t *r = p;
    if (!r)
        return;
    free(r->topic);
    free(r->group);
    free(r->offs);
    free(r);
}

/* Returns the row for topic@group, creating it when `create`; mu held. */
static store_offset_row_t *
store_offset_row(store_offsets_t *o, const char *group, const char *topic, int create)
{
    mq_buf_t key = MQ_BUF_INIT;
    store_offset_row_t *r;
    mq_buf_printf(&key, "%s@%s", topic, group);
    r = mq_strmap_get(&o->map, mq_buf_view(&key));
    if (!r && create) {
        r = mq_xcalloc(1, sizeof(*r));
        r->topic = mq_xstrdup(topic);
        r->group = mq_xstrdup(group);
        mq_strmap_put(&o->map, mq_buf_view(&key), r);
    }
    mq_buf_fini(&key);
    return r;
}

static void
store_offset_row_set(store_offset_row_t *r, int32_t qid, int64_t offset)
{
    if (qid >= r->nqueues) {
        int32_t n = qid + 1;
        r->offs = mq_xrealloc(r->offs, (size_t)n * sizeof(*r->offs));
        for (int32_t i = r->nqueues; i < n; i++)
            r->offs[i] = -1;
        r->nqueues = n;
    }
    r->offs[qid] = offset;
}

int
store_offsets_load(const char *root_dir, store_offsets_t **out)
{
    store_offsets_t *o = mq_xcalloc(1, sizeof(*o));
    json_t *j = NULL, *table, *row;
    const char *key;
    int rc;

    pthread_mutex_init(&o->mu, NULL);
    pthread_mutex_init(&o->persist_mu, NULL);
    o->root = mq_xstrdup(root_dir);
    mq_strmap_init(&o->map);
    rc = store_meta_load(root_dir, "consumerOffset.json", &j);
    if (rc == MQ_ECORRUPT) {
        store_offsets_free(o);
        *out = NULL;
        return rc;
    }
    if (j) {
        store_meta_version_read(json_object_get(j, "dataVersion"), &o->dv);
        table = json_object_get(j, "offsetTable");
        json_object_foreach(table, key, row)
        {
            const char *at = strrchr(key, '@');
            const char *qkey;
            json_t *v;
            char *topic;
            store_offset_row_t *r;
            if (!at || at == key || !at[1] || !json_is_object(row)) {
                MQ_LOG_WARN("store", "consumerOffset.json: skipping malformed entry \"%s\"", key);
                continue;
            }
            topic = mq_str_dup((mq_str_t){key, (size_t)(at - key)});
            r = store_offset_row(o, at + 1, topic, 1);
            free(topic);
            json_object_foreach(row, qkey, v)
            {
                char *end;
                long qid = strtol(qkey, &end, 10);
                if (*end || qid < 0 || qid > 65535 || !json_is_integer(v))
                    continue;
                if (json_integer_value(v) >= 0)
                    store_offset_row_set(r, (int32_t)qid, (int64_t)json_integer_value(v));
            }
        }
        json_decref(j);
    }
    *out = o;
    return MQ_OK;
}

void
store_offsets_free(store_offsets_t *o)
{
    if (!o)
        return;
    mq_strmap_fini(&o->map, store_offset_row_free);
    free(o->root);
    pthread_mutex_destroy(&o->mu);
    pthread_mutex_destroy(&o->persist_mu);
    free(o);
}

void
store_offsets_commit(store_offsets_t *o, const char *group, const char *topic, int32_t qid,
                     int64_t offset)
{
    if (offset < 0 || qid < 0 || qid > 65535)
        return;
    pthread_mutex_lock(&o->mu);
    store_offset_row_set(store_offset_row(o, group, topic, 1), qid, offset);
    store_meta_version_bump(&o->dv);
    pthread_mutex_unlock(&o->mu);
}

int64_t
store_offsets_query(store_offsets_t *o, const char *group, const char *topic, int32_t qid)
{
    store_offset_row_t *r;
    int64_t v = -1;
    pthread_mutex_lock(&o->mu);
    r = store_offset_row(o, group, topic, 0);
    if (r && qid >= 0 && qid < r->nqueues)
        v = r->offs[qid];
    pthread_mutex_unlock(&o->mu);
    return v;
}

static void
store_offsets_remove_if(store_offsets_t *o, const char *group, const char *topic)
{
    size_t it = 0;
    mq_str_t k;
    void *v;
    mq_buf_t keys = MQ_BUF_INIT; /* NUL-separated keys to remove */
    pthread_mutex_lock(&o->mu);
    while (mq_strmap_next(&o->map, &it, &k, &v)) {
        store_offset_row_t *r = v;
        if ((group && strcmp(r->group, group) == 0) || (topic && strcmp(r->topic, topic) == 0)) {
            mq_buf_append_str(&keys, k);
            mq_buf_append(&keys, "", 1);
        }
    }
    for (size_t off = 0; off < keys.len;) {
        const char *key = (const char *)keys.data + off;
        store_offset_row_free(mq_strmap_remove(&o->map, mq_str_from_cstr(key)));
        off += strlen(key) + 1;
    }
    if (keys.len)
        store_meta_version_bump(&o->dv);
    pthread_mutex_unlock(&o->mu);
    mq_buf_fini(&keys);
}

void
store_offsets_remove_group(store_offsets_t *o, const char *group)
{
    store_offsets_remove_if(o, group, NULL);
}

void
store_offsets_remove_topic(store_offsets_t *o, const char *topic)
{
    store_offsets_remove_if(o, NULL, topic);
}

void
store_offsets_foreach(store_offsets_t *o,
                      void (*fn)(void *arg, const char *group, const char *topic, int32_t qid,
                                 int64_t offset),
                      void *arg)
{
    size_t it = 0;
    mq_str_t k;
    void *v;
    pthread_mutex_lock(&o->mu);
    while (mq_strmap_next(&o->map, &it, &k, &v)) {
        store_offset_row_t *r = v;
        for (int32_t q = 0; q < r->nqueues; q++)
            if (r->offs[q] >= 0)
                fn(arg, r->group, r->topic, q, r->offs[q]);
    }
    pthread_mutex_unlock(&o->mu);
}

/* mu held */
static json_t *
store_offsets_json(store_offsets_t *o)
{
    json_t *table = json_object();
    size_t it = 0;
    mq_str_t k;
    void *v;
    while (mq_strmap_next(&o->map, &it, &k, &v)) {
        store_offset_row_t *r = v;
        json_t *row = json_object();
        char qkey[16];
        for (int32_t q = 0; q < r->nqueues; q++) {
            if (r->offs[q] < 0)
                continue;
            snprintf(qkey, sizeof(qkey), "%d", q);
            json_object_set_new(row, qkey, json_integer((json_int_t)r->offs[q]));
        }
        json_object_set_new(table, k.p, row);
    }
    return json_pack("{soso}", "dataVersion", store_meta_version_json(&o->dv), "offsetTable",
                     table);
}

void
store_offsets_encode(store_offsets_t *o, mq_buf_t *out)
{
    json_t *j;
    pthread_mutex_lock(&o->mu);
    j = store_offsets_json(o);
    pthread_mutex_unlock(&o->mu);
    store_meta_dump(j, out, 0);
}

int
store_offsets_persist(store_offsets_t *o)
{
    json_t *j;
    int rc;
    pthread_mutex_lock(&o->persist_mu);
    pthread_mutex_lock(&o->mu);
    j = store_offsets_json(o);
    pthread_mutex_unlock(&o->mu);
    rc = store_meta_save(o->root, "consumerOffset.json", j);
    pthread_mutex_unlock(&o->persist_mu);
    return rc;
}
