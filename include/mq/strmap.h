/* SPDX-License-Identifier: Apache-2.0
 *
 * strmap.h -- a hash map from byte-string keys to pointers (open addressing, linear probing,
 * tombstones, doubling at 3/4 load). Keys are copied and owned by the map; values are the
 * caller's. Not thread-safe: the owner of a map locks around it.
 */
#ifndef MQ_STRMAP_H
#define MQ_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "mq/common.h"

typedef struct mq_strmap_slot_s {
    char *key;      /* owned copy (NUL-terminated), NULL = empty, MQ_STRMAP_TOMB = deleted */
    size_t key_len; /* bytes of key */
    uint64_t hash;  /* full hash */
    void *value;    /* caller's */
} mq_strmap_slot_t;

typedef struct mq_strmap_s {
    mq_strmap_slot_t *slots; /* cap slots */
    size_t cap;              /* power of two, or 0 */
    size_t count;            /* live entries */
    size_t used;             /* live + tombstones */
} mq_strmap_t;

/* Functions used to manage a map. */
void mq_strmap_init(mq_strmap_t *m);
/* Frees the keys (and values with free_value, when not NULL). */
void mq_strmap_fini(mq_strmap_t *m, void (*free_value)(void *));
void *mq_strmap_get(const mq_strmap_t *m, mq_str_t key);
/* Sets key -> value; returns the previous value or NULL. */
void *mq_strmap_put(mq_strmap_t *m, mq_str_t key, void *value);
/* Removes key; returns its value or NULL. */
void *mq_strmap_remove(mq_strmap_t *m, mq_str_t key);
/* Iteration: for (size_t i = 0; mq_strmap_next(m, &i, &k, &v);) ...; do not modify meanwhile. */
int mq_strmap_next(const mq_strmap_t *m, size_t *iter, mq_str_t *key, void **value);
uint64_t mq_hash_bytes(const void *p, size_t n);

#endif /* MQ_STRMAP_H */
