/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta_int.h -- helpers shared by the metadata tables (store_meta_*.c): data versions in
 * JSON, file paths, and jansson field readers that accept numbers or numeric strings.
 */
#ifndef MQ_STORE_META_INT_H
#define MQ_STORE_META_INT_H

#include <jansson.h>
#include <pthread.h>

#include "mq/store_meta.h"
#include "mq/strmap.h"

void store_meta_path(char *buf, size_t len, const char *root, const char *file);
void store_meta_version_bump(store_data_version_t *dv);
json_t *store_meta_version_json(const store_data_version_t *dv);
void store_meta_version_read(json_t *j, store_data_version_t *dv);
int64_t store_meta_int(json_t *obj, const char *key, int64_t dflt);
int store_meta_bool(json_t *obj, const char *key, int dflt);
/* Serialises j (stolen) into out: compact for wire bodies, indented for files. */
void store_meta_dump(json_t *j, mq_buf_t *out, int pretty);
/* Loads <root>/config/<file> into a JSON object (NULL with rc MQ_ENOENT when absent). */
int store_meta_load(const char *root, const char *file, json_t **out);
int store_meta_save(const char *root, const char *file, json_t *j); /* steals j */

/* A table of named configs persisted as {"dataVersion":..,"<table_key>":{name: item}}: the
 * shape of topics.json and subscriptionGroup.json. Items are fixed-size structs copied in and
 * out; the type supplies its JSON conversion. */
typedef struct store_meta_type_s {
    const char *file;                         /* e.g. "topics.json" */
    const char *table_key;                    /* e.g. "topicConfigTable" */
    size_t item_size;                         /* sizeof the item struct */
    const char *(*name_of)(const void *item); /* the item's name (its key) */
    json_t *(*to_json)(const void *item);     /* new reference */
    void (*from_json)(void *item, const char *key, json_t *obj);
} store_meta_type_t;

typedef struct store_meta_table_s {
    const store_meta_type_t *type; /* what the items are */
    pthread_mutex_t persist_mu;    /* one file write at a time */
    pthread_mutex_t mu;            /* guards map and dv */
    char *root;                    /* store root */
    mq_strmap_t map;               /* name -> heap copy of an item */
    store_data_version_t dv;       /* dataVersion */
} store_meta_table_t;

int store_meta_table_load(store_meta_table_t *t, const store_meta_type_t *type, const char *root);
void store_meta_table_fini(store_meta_table_t *t);
int store_meta_table_get(store_meta_table_t *t, const char *name, void *out);
void store_meta_table_put(store_meta_table_t *t, const void *item);
int store_meta_table_remove(store_meta_table_t *t, const char *name);
int store_meta_table_count(store_meta_table_t *t);
void store_meta_table_foreach(store_meta_table_t *t, void (*fn)(void *arg, const void *item),
                              void *arg);
void store_meta_table_version(store_meta_table_t *t, store_data_version_t *dv);
void store_meta_table_encode(store_meta_table_t *t, mq_buf_t *out);
int store_meta_table_persist(store_meta_table_t *t);

#endif /* MQ_STORE_META_INT_H */
