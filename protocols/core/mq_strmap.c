/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_strmap.c -- byte-string keyed hash map (strmap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mq/strmap.h"

static char mq_strmap_tomb_mark;
#define MQ_STRMAP_TOMB (&mq_strmap_tomb_mark)

uint64_t
mq_hash_bytes(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

void
mq_strmap_init(mq_strmap_t *m)
{
    memset(m, 0, sizeof(*m));
}

void
mq_strmap_fini(mq_strmap_t *m, void (*free_value)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        mq_strmap_slot_t *s = &m->slots[i];
        if (s->key && s->key != MQ_STRMAP_TOMB) {
            if (free_value)
                free_value(s->value);
            free(s->key);
        }
    }
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static mq_strmap_slot_t *
mq_strmap_find(const mq_strmap_t *m, mq_str_t key, uint64_t h)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = h & (m->cap - 1), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
        mq_strmap_slot_t *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != MQ_STRMAP_TOMB && s->hash == h && s->key_len == key.n &&
            memcmp(s->key, key.p, key.n) == 0)
            return s;
    }
    return NULL;
}

static void
mq_strmap_grow(mq_strmap_t *m)
{
    size_t old_cap = m->cap;
    mq_strmap_slot_t *old = m->slots;
    m->cap = old_cap ? (m->count * 2 >= old_cap ? old_cap * 2 : old_cap) : 16;
    m->slots = mq_xcalloc(m->cap, sizeof(*m->slots));
    m->used = m->count;
    for (size_t i = 0; i < old_cap; i++) {
        mq_strmap_slot_t *s = &old[i];
        size_t j;
        if (!s->key || s->key == MQ_STRMAP_TOMB)
            continue;
        for (j = s->hash & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1))
            ;
        m->slots[j] = *s;
    }
    free(old);
}

void *
mq_strmap_get(const mq_strmap_t *m, mq_str_t key)
{
    mq_strmap_slot_t *s = mq_strmap_find(m, key, mq_hash_bytes(key.p, key.n));
    return s ? s->value : NULL;
}

void *
mq_strmap_put(mq_strmap_t *m, mq_str_t key, void *value)
{
    uint64_t h = mq_hash_bytes(key.p, key.n);
    mq_strmap_slot_t *s = mq_strmap_find(m, key, h);
    size_t i;
    if (s) {
        void *old = s->value;
        s->value = value;
        return old;
    }
    if ((m->used + 1) * 4 > m->cap * 3)
        mq_strmap_grow(m);
    for (i = h & (m->cap - 1); m->slots[i].key && m->slots[i].key != MQ_STRMAP_TOMB;
         i = (i + 1) & (m->cap - 1))
        ;
    if (!m->slots[i].key)
        m->used++;
    m->slots[i].key = mq_str_dup(key);
    m->slots[i].key_len = key.n;
    m->slots[i].hash = h;
    m->slots[i].value = value;
    m->count++;
    return NULL;
}

void *
mq_strmap_remove(mq_strmap_t *m, mq_str_t key)
{
    mq_strmap_slot_t *s = mq_strmap_find(m, key, mq_hash_bytes(key.p, key.n));
    void *v;
    if (!s)
        return NULL;
    v = s->value;
    free(s->key);
    s->key = MQ_STRMAP_TOMB;
    s->value = NULL;
    m->count--;
    return v;
}

int
mq_strmap_next(const mq_strmap_t *m, size_t *iter, mq_str_t *key, void **value)
{
    while (*iter < m->cap) {
        mq_strmap_slot_t *s = &m->slots[(*iter)++];
        if (s->key && s->key != MQ_STRMAP_TOMB) {
            *key = (mq_str_t){s->key, s->key_len};
            *value = s->value;
            return 1;
        }
    }
    return 0;
}
