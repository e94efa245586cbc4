/* SPDX-License-Identifier: Apache-2.0
 *
 * pool.h -- a per-request arena (nginx's ngx_pool_t, h2o's h2o_mem_pool_t): everything decoding
 * a request allocates comes from here and is freed in one call when the reply is queued.
 * Cleanup handlers release what is not memory (segment references, fds). Not thread-safe: a
 * pool belongs to one request at a time.
 */
#ifndef MQ_POOL_H
#define MQ_POOL_H

#include <stddef.h>

#include "mq/common.h"

typedef struct mq_pool_chunk_s mq_pool_chunk_t;
typedef struct mq_pool_cleanup_s mq_pool_cleanup_t;

typedef struct mq_pool_s {
    mq_pool_chunk_t *chunks;     /* newest first; the first one is being carved */
    size_t chunk_size;           /* size of new chunks */
    mq_pool_cleanup_t *cleanups; /* run in reverse order of registration by fini/reset */
} mq_pool_t;

/* Functions used to manage a pool (embedded or on the stack). */
void mq_pool_init(mq_pool_t *p, size_t chunk_size); /* 0 = 4 KiB */
void mq_pool_fini(mq_pool_t *p);                    /* runs cleanups, frees everything */
void mq_pool_reset(mq_pool_t *p);                   /* as fini, keeps the first chunk */

/* Functions used to allocate. Memory is 16-byte aligned and lives until fini/reset. */
void *mq_palloc(mq_pool_t *p, size_t n);
void *mq_pcalloc(mq_pool_t *p, size_t n);
char *mq_pstrdup(mq_pool_t *p, mq_str_t s); /* NUL-terminated copy */
/* Registers fn(arg) to run at fini/reset. */
void mq_pool_cleanup_add(mq_pool_t *p, void (*fn)(void *arg), void *arg);

#endif /* MQ_POOL_H */
