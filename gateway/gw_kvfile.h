/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kvfile.h -- keeps a NameServer's KV config in RocketMQ's kvConfig.json: loaded when the
 * process starts, rewritten atomically after every change (namesrv/ itself does no file I/O).
 */
#ifndef MQ_GW_KVFILE_H
#define MQ_GW_KVFILE_H

#include "ns.h"

typedef struct gw_kvfile_s gw_kvfile_t;

/* Loads path into ns (a missing file is an empty table) and rewrites it on every change until
 * gw_kvfile_free(). Returns MQ_OK, or MQ_ECORRUPT when the file and its .tmp/.bak copies are all
 * unreadable (logged; the process should not start and then overwrite it). */
int gw_kvfile_attach(ns_t *ns, const char *path, gw_kvfile_t **out);
void gw_kvfile_free(gw_kvfile_t *f); /* detaches from the NameServer; NULL is fine */

#endif /* MQ_GW_KVFILE_H */
