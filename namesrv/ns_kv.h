/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_kv.h -- the NameServer's namespaced key/value config (RocketMQ KVConfigManager), internal
 * to namesrv/: the interface of ns_kv.c. Values are byte strings; a namespace exists while it
 * has keys. The table converts to and from RocketMQ's kvConfig.json text; the process that owns
 * the NameServer writes the file (namesrv/ does no file I/O). Nothing here locks: callers hold
 * ns_t.lock (ns_int.h).
 */
#ifndef MQ_NAMESRV_NS_KV_H
#define MQ_NAMESRV_NS_KV_H

#include "mq/buf.h"
#include "mq/pool.h"
#include "mq/req.h"
#include "mq/strmap.h"

typedef struct ns_kv_s {
    mq_strmap_t spaces; /* namespace -> mq_strmap_t (key -> ns_kv_value_t, owned) */
} ns_kv_t;

/* Functions used to manage the store. */
void ns_kv_init(ns_kv_t *kv);
void ns_kv_fini(ns_kv_t *kv);

/* Functions used to read and change it. Namespace and key must not be empty (callers check). */
void ns_kv_put(ns_kv_t *kv, mq_str_t ns, mq_str_t key, mq_str_t value);
/* MQ_OK with *value viewing the store's copy (valid until the next change), or MQ_ENOENT. */
int ns_kv_get(const ns_kv_t *kv, mq_str_t ns, mq_str_t key, mq_str_t *value);
/* Returns 1 if the key existed, else 0; an emptied namespace goes. */
int ns_kv_delete(ns_kv_t *kv, mq_str_t ns, mq_str_t key);
/* MQ_OK with out = key, value, key, value... sorted by key, copied into pool; or MQ_ENOENT
 * when the namespace does not exist. */
int ns_kv_list(const ns_kv_t *kv, mq_str_t ns, mq_pool_t *pool, mq_str_list_t *out);

/* kvConfig.json: {"configTable":{"<namespace>":{"<key>":"<value>"}}}, sorted. */
void ns_kv_to_json(const ns_kv_t *kv, mq_buf_t *out);
/* Adds every entry of such a text (RocketMQ's own files included); MQ_EPROTO if it is not one. */
int ns_kv_from_json(ns_kv_t *kv, const char *text, size_t len);

#endif /* MQ_NAMESRV_NS_KV_H */
