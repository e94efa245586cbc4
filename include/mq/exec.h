/* SPDX-License-Identifier: Apache-2.0
 *
 * exec.h -- how a service gets work onto the thread that owns its requests (the gateway's
 * loop), and timers there. The store calls back from its own threads (a message dispatched, a
 * sync flush done); the broker posts those events to the loop before touching requests or
 * connections. The gateway implements this with an ev_async and a locked queue.
 */
#ifndef MQ_EXEC_H
#define MQ_EXEC_H

typedef struct mq_exec_s mq_exec_t;
struct mq_exec_s {
    /* Runs fn(arg) on the loop thread soon. Thread-safe; never runs fn inline. */
    void (*post)(mq_exec_t *ex, void (*fn)(void *arg), void *arg);
    /* Calls fn(arg) every interval_s seconds on the loop thread (loop thread only). */
    void (*every)(mq_exec_t *ex, double interval_s, void (*fn)(void *arg), void *arg);
    /* Calls fn(arg) on the loop thread each time the loop is about to wait for events, i.e.
     * once after each batch of work (loop thread only). May be NULL. */
    void (*before_wait)(mq_exec_t *ex, void (*fn)(void *arg), void *arg);
    void *ctx; /* the implementation's */
};

#endif /* MQ_EXEC_H */
