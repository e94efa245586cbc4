/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_fields.h -- typed reads of a request's extFields shared by the request mappings
 * (rmq_map_broker.c, rmq_map_admin.c). A failed read sets *why to the field's name as the
 * refusal should print it, and returns 0.
 */
#ifndef MQ_RMQ_FIELDS_H
#define MQ_RMQ_FIELDS_H

#include <stdint.h>

#include "rmq_cmd.h"

/* A string field; absent reads as empty. */
mq_str_t rmq_field_str(const rmq_cmd_t *c, const char *key);
/* A string field that must be present (it may be empty). */
int rmq_field_have(const rmq_cmd_t *c, const char *key, const char *name, mq_str_t *out,
                   const char **why);
/* A string field that must be present and non-empty. */
int rmq_field_need(const rmq_cmd_t *c, const char *key, const char *name, mq_str_t *out,
                   const char **why);
/* An integer field: when absent, dflt (or a failure if required); when present, it must be a
 * number (in range, for the 32-bit read). */
int rmq_field_i64(const rmq_cmd_t *c, const char *key, const char *name, int required, int64_t dflt,
                  int64_t *out, const char **why);
int rmq_field_i32(const rmq_cmd_t *c, const char *key, const char *name, int required, int32_t dflt,
                  int32_t *out, const char **why);
/* Java's Boolean.parseBoolean: "true" in any case is true, anything else false; dflt when
 * absent. */
int rmq_field_bool(const rmq_cmd_t *c, const char *key, int dflt);

#endif /* MQ_RMQ_FIELDS_H */
