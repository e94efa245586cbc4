/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_pool.c -- per-request arena (pool.h). Chunks are carved front to back; a request larger
 * than a quarter of the chunk size gets a chunk of its own so it wastes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "mq/pool.h"

struct mq_pool_chunk_s {
    mq_pool_chunk_t *next; /* older chunk */
    size_t size;           /* usable bytes in data */
    size_t used;           /* bytes handed out */
    _Alignas(16) unsigned char data[];
};

struct mq_pool_cleanup_s {
    mq_pool_cleanup_t *next; /* registered earlier */
    void (*fn)(void *arg);
    void *arg;
};

void
mq_pool_init(mq_pool_t *p, size_t chunk_size)
{
    p->chunks = NULL;
    p->chunk_size = chunk_size ? chunk_size : 4096;
    p->cleanups = NULL;
}

static void
mq_pool_run_cleanups(mq_pool_t *p)
{
    mq_pool_cleanup_t *c = p->cleanups;
    p->cleanups = NULL;
    for (; c; c = c->next)
        c->fn(c->arg);
}

void
mq_pool_fini(mq_pool_t *p)
{
    mq_pool_run_cleanups(p);
    while (p->chunks) {
        mq_pool_chunk_t *next = p->chunks->next;
        free(p->chunks);
        p->chunks = next;
    }
}

void
mq_pool_reset(mq_pool_t *p)
{
    mq_pool_chunk_t *keep = NULL;
    mq_pool_run_cleanups(p);
    while (p->chunks) {
        mq_pool_chunk_t *next = p->chunks->next;
        if (!keep && p->chunks->size == p->chunk_size) {
            keep = p->chunks;
            keep->used = 0;
            keep->next = NULL;
        } else {
            free(p->chunks);
        }
        p->chunks = next;
    }
    p->chunks = keep;
}

static mq_pool_chunk_t *
mq_pool_chunk_new(size_t size)
{
    mq_pool_chunk_t *c = mq_xmalloc(sizeof(*c) + size);
    c->size = size;
    c->used = 0;
    c->next = NULL;
    return c;
}

void *
mq_palloc(mq_pool_t *p, size_t n)
{
    mq_pool_chunk_t *c = p->chunks;
    size_t need = (n + 15) & ~(size_t)15;

    if (need == 0)
        need = 16;
    if (need > p->chunk_size / 4) { /* big: its own chunk, behind the current one */
        mq_pool_chunk_t *big = mq_pool_chunk_new(need);
        big->used = need;
        if (c) {
            big->next = c->next;
            c->next = big;
        } else {
            p->chunks = big;
        }
        return big->data;
    }
    if (!c || c->size - c->used < need) {
        c = mq_pool_chunk_new(p->chunk_size);
        c->next = p->chunks;
        p->chunks = c;
    }
    c->used += need;
    return c->data + c->used - need;
}

void *
mq_pcalloc(mq_pool_t *p, size_t n)
{
    void *m = mq_palloc(p, n);
    memset(m, 0, n);
    return m;
}

char *
mq_pstrdup(mq_pool_t *p, mq_str_t s)
{
    char *d = mq_palloc(p, s.n + 1);
    if (s.n)
        memcpy(d, s.p, s.n);
    d[s.n] = '\0';
    return d;
}

void
mq_pool_cleanup_add(mq_pool_t *p, void (*fn)(void *arg), void *arg)
{
    mq_pool_cleanup_t *c = mq_palloc(p, sizeof(*c));
    c->fn = fn;
    c->arg = arg;
    c->next = p->cleanups;
    p->cleanups = c;
}
