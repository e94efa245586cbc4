/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta_common.c -- helpers shared by the metadata tables: DataVersion, tolerant field
 * readers (fastjson writes numbers; hand-edited files may quote them), load and save.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mq/log.h"
#include "store_meta_int.h"

void
store_meta_path(char *buf, size_t len, const char *root, const char *file)
{
    snprintf(buf, len, "%s/config/%s", root, file);
}

void
store_meta_version_bump(store_data_version_t *dv)
{
    int64_t now = mq_now_ms();
    dv->counter++;
    dv->timestamp = now > dv->timestamp ? now : dv->timestamp + 1;
}

json_t *
store_meta_version_json(const store_data_version_t *dv)
{
    return json_pack("{sIsIsI}", "counter", (json_int_t)dv->counter, "stateVersion",
                     (json_int_t)dv->state_version, "timestamp", (json_int_t)dv->timestamp);
}

void
store_meta_version_read(json_t *j, store_data_version_t *dv)
{
    memset(dv, 0, sizeof(*dv));
    if (!json_is_object(j))
        return;
    dv->counter = store_meta_int(j, "counter", 0);
    dv->state_version = store_meta_int(j, "stateVersion", 0);
    dv->timestamp = store_meta_int(j, "timestamp", 0);
}

int64_t
store_meta_int(json_t *obj, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_string(v)) {
        char *end;
        long long x = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0')
            return x;
    }
    return dflt;
}

int
store_meta_bool(json_t *obj, const char *key, int dflt)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_string(v))
        return strcasecmp(json_string_value(v), "true") == 0;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    return dflt;
}

void
store_meta_dump(json_t *j, mq_buf_t *out, int pretty)
{
    char *s = json_dumps(j, JSON_SORT_KEYS | (pretty ? JSON_INDENT(4) : JSON_COMPACT));
    if (s) {
        mq_buf_append_cstr(out, s);
        free(s);
    }
    json_decref(j);
}

int
store_meta_load(const char *root, const char *file, json_t **out)
{
    char path[1100], *text;
    json_error_t err;
    int rc;

    *out = NULL;
    store_meta_path(path, sizeof(path), root, file);
    rc = store_json_file_read(path, &text);
    if (rc != MQ_OK)
        return rc;
    *out = json_loads(text, 0, &err);
    free(text);
    return *out ? MQ_OK : MQ_ECORRUPT;
}

int
store_meta_save(const char *root, const char *file, json_t *j)
{
    char path[1100];
    mq_buf_t b = MQ_BUF_INIT;
    int rc;
    store_meta_path(path, sizeof(path), root, file);
    store_meta_dump(j, &b, 1);
    mq_buf_append(&b, "\n", 1);
    rc = store_json_file_write(path, (const char *)b.data, b.len);
    mq_buf_fini(&b);
    return rc;
}
