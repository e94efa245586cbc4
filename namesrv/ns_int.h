/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_int.h -- the NameServer object, shared by the files of namesrv/ (SQLite's *Int.h). The
 * public interface is ns.h; the tables are ns_route.h and ns_kv.h.
 */
#ifndef MQ_NAMESRV_NS_INT_H
#define MQ_NAMESRV_NS_INT_H

#include <pthread.h>

#include "ns.h"
#include "ns_kv.h"
#include "ns_route.h"

/* A NameServer. Owner: whoever called ns_new(). */
struct ns_s {
    mq_service_t svc;              /* what ns_service() returns; svc.ctx = this */
    ns_config_t cfg;               /* copy of the configuration, defaults filled in */
    pthread_mutex_t lock;          /* guards route and kv; never held while a reply() runs */
    ns_route_t route;              /* RouteInfoManager tables */
    ns_kv_t kv;                    /* KVConfigManager table */
    void (*kv_changed)(void *arg); /* ns_on_kv_changed(); called without the lock */
    void *kv_changed_arg;
};

#endif /* MQ_NAMESRV_NS_INT_H */
