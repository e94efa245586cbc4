/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kvfile.c -- a NameServer's kvConfig.json (gw_kvfile.h), with the store's atomic JSON file
 * helpers (tmp + fsync + .bak + rename; reads fall back to .tmp and .bak).
 */
#include <stdlib.h>
#include <string.h>

#include "gw_kvfile.h"
#include "mq/buf.h"
#include "mq/log.h"
#include "mq/store_meta.h"

struct gw_kvfile_s {
    ns_t *ns;
    char *path;
};

static void
gw_kvfile_write(void *arg)
{
    gw_kvfile_t *f = arg;
    mq_buf_t b = MQ_BUF_INIT;

    ns_kv_save(f->ns, &b);
    if (store_json_file_write(f->path, (const char *)b.data, b.len) != MQ_OK)
        MQ_LOG_ERROR("namesrv", "kv config not persisted to %s", f->path);
    mq_buf_fini(&b);
}

int
gw_kvfile_attach(ns_t *ns, const char *path, gw_kvfile_t **out)
{
    gw_kvfile_t *f;
    char *text = NULL;
    int rc = store_json_file_read(path, &text);

    *out = NULL;
    if (rc == MQ_ECORRUPT)
        return rc;
    if (rc == MQ_OK) {
        rc = ns_kv_load(ns, text, strlen(text));
        free(text);
        if (rc != MQ_OK) {
            MQ_LOG_ERROR("namesrv", "%s is not a kvConfig.json file", path);
            return MQ_ECORRUPT;
        }
        MQ_LOG_INFO("namesrv", "load KV config table from %s", path);
    }
    f = mq_xmalloc(sizeof(*f));
    f->ns = ns;
    f->path = mq_xstrdup(path);
    ns_on_kv_changed(ns, gw_kvfile_write, f);
    *out = f;
    return MQ_OK;
}

void
gw_kvfile_free(gw_kvfile_t *f)
{
    if (!f)
        return;
    ns_on_kv_changed(f->ns, NULL, NULL);
    free(f->path);
    free(f);
}
