/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_housekeep.c -- dropping brokers that went away (RouteInfoManager.scanNotActiveBroker and
 * onChannelDestroy): those silent for longer than their heartbeat timeout, and those whose
 * connection closed. Removal itself is ns_route_remove_addr() (ns_route.c). The gateway calls
 * ns_housekeep() every 5 s; session_closed is wired in ns_service.c. Interface: ns.h for
 * ns_housekeep(), ns_route.h for the rest.
 */
#include <stdio.h>

#include "ns_int.h"

int
ns_route_expire(ns_route_t *rt, int64_t now_ms)
{
    ns_names_t expired = {0};
    int removed = 0;
    mq_str_t addr;
    void *v;

    for (size_t it = 0; mq_strmap_next(&rt->live, &it, &addr, &v);) {
        const ns_live_t *l = v;
        if (now_ms - l->last_update_ms > l->timeout_ms)
            ns_names_push(&expired, addr);
    }
    for (int i = 0; i < expired.n; i++) {
        mq_str_t a = mq_str_from_cstr(expired.v[i]);
        const ns_live_t *l = mq_strmap_get(&rt->live, a);
        char reason[64];

        if (MQ_NEVER(!l)) /* removal is per address: an earlier one cannot take it */
            continue;
        snprintf(reason, sizeof(reason), "timeout after %lld ms",
                 (long long)(now_ms - l->last_update_ms));
        removed += ns_route_remove_addr(rt, a, reason);
    }
    ns_names_free(&expired);
    return removed;
}

int
ns_route_drop_session(ns_route_t *rt, void *session)
{
    ns_names_t gone = {0};
    int removed = 0;
    mq_str_t addr;
    void *v;

    if (!session)
        return 0;
    for (size_t it = 0; mq_strmap_next(&rt->live, &it, &addr, &v);) {
        if (((const ns_live_t *)v)->session == session)
            ns_names_push(&gone, addr);
    }
    for (int i = 0; i < gone.n; i++)
        removed += ns_route_remove_addr(rt, mq_str_from_cstr(gone.v[i]), "connection closed");
    ns_names_free(&gone);
    return removed;
}

int
ns_housekeep(ns_t *ns, int64_t now_ms)
{
    int removed;

    pthread_mutex_lock(&ns->lock);
    removed = ns_route_expire(&ns->route, now_ms);
    pthread_mutex_unlock(&ns->lock);
    return removed;
}
