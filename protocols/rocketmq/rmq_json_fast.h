/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_json_fast.h -- the fast decoder for the common shape of JSON remoting headers
 * (rmq_json_fast.c) and, for tests and the fuzz target that compare the two, the jansson
 * decoder rmq_cmd.c falls back to.
 */
#ifndef MQ_RMQ_JSON_FAST_H
#define MQ_RMQ_JSON_FAST_H

#include <stddef.h>

#include "mq/pool.h"
#include "rmq_cmd.h"

/* Decodes the header text p[0..n) into c (fields zeroed by the caller; strings in pool).
 * MQ_OK, or MQ_DECLINED for anything outside the subset it handles (c is then partly written:
 * zero it again before another decoder runs). Never an error of its own. */
int rmq_json_fast_decode(const char *p, size_t n, mq_pool_t *pool, rmq_cmd_t *c);

/* The general decoder (jansson): MQ_OK or MQ_EPROTO. Same contract for c. */
int rmq_json_slow_decode(const char *p, size_t n, mq_pool_t *pool, rmq_cmd_t *c);

#endif /* MQ_RMQ_JSON_FAST_H */
