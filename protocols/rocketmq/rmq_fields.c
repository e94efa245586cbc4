/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_fields.c -- typed reads of a request's extFields for the request mappings
 * (rmq_fields.h): presence, numbers, Java's Boolean.parseBoolean, and the field name to blame.
 */
#include <stdint.h>
#include <strings.h>

#include "rmq_fields.h"

/* A string field; absent reads as empty. */
mq_str_t
rmq_field_str(const rmq_cmd_t *c, const char *key)
{
    mq_str_t v;
    return rmq_cmd_ext(c, key, &v) ? v : MQ_STR_NULL;
}

/* A string field that must be present (it may be empty). */
int
rmq_field_have(const rmq_cmd_t *c, const char *key, const char *name, mq_str_t *out,
               const char **why)
{
    if (rmq_cmd_ext(c, key, out))
        return 1;
    *why = name;
    return 0;
}

/* A string field that must be present and non-empty. */
int
rmq_field_need(const rmq_cmd_t *c, const char *key, const char *name, mq_str_t *out,
               const char **why)
{
    if (rmq_cmd_ext(c, key, out) && out->n > 0)
        return 1;
    *why = name;
    return 0;
}

/* An integer field: when absent, dflt (or a failure if required); when present, it must be a
 * number. Returns 1, or 0 with *why = name. */
int
rmq_field_i64(const rmq_cmd_t *c, const char *key, const char *name, int required, int64_t dflt,
              int64_t *out, const char **why)
{
    int rc = rmq_cmd_ext_i64(c, key, out);
    if (rc == MQ_OK)
        return 1;
    if (rc == MQ_ENOENT && !required) {
        *out = dflt;
        return 1;
    }
    *why = name;
    return 0;
}

int
rmq_field_i32(const rmq_cmd_t *c, const char *key, const char *name, int required, int32_t dflt,
              int32_t *out, const char **why)
{
    int64_t x;
    if (!rmq_field_i64(c, key, name, required, dflt, &x, why))
        return 0;
    if (x < INT32_MIN || x > INT32_MAX) {
        *why = name;
        return 0;
    }
    *out = (int32_t)x;
    return 1;
}

/* A boolean field read as Java's Boolean.parseBoolean does: "true" in any case is true, any
 * other value false; dflt when absent. */
int
rmq_field_bool(const rmq_cmd_t *c, const char *key, int dflt)
{
    mq_str_t v;
    if (!rmq_cmd_ext(c, key, &v))
        return dflt;
    return v.n == 4 && strncasecmp(v.p, "true", 4) == 0;
}
