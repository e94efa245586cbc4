/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_nsreg.h -- a broker's NameServer client (gw_nsreg.c): one remoting connection per
 * NameServer of namesrvAddr ("host:port;host:port"), REGISTER_BROKER (103) to every one of them
 * at start, every registerNameServerPeriod, whenever the broker's topics change and after each
 * reconnect, and UNREGISTER_BROKER (104) on a clean shutdown (RocketMQ's
 * BrokerOuterAPI.registerBrokerAll / unregisterBrokerAll). A NameServer that is down never
 * delays the others: every connection is non-blocking and retried on its own, with backoff.
 *
 * The client knows nothing of the broker: what to announce comes from a callback (the broker's
 * bk_registration), so the gateway library does not depend on the broker's. Loop thread only.
 */
#ifndef MQ_GW_NSREG_H
#define MQ_GW_NSREG_H

#include <stddef.h>
#include <stdint.h>

#include "gw.h"
#include "mq/pool.h"
#include "mq/req.h"

#define GW_NSREG_MAX 32 /* NameServers in one namesrvAddr list */

typedef struct gw_nsreg_s gw_nsreg_t;

/* Fills *out (allocations in pool) with what to announce; called at each registration. */
typedef void (*gw_nsreg_build_fn)(void *arg, mq_pool_t *pool, mq_register_broker_t *out);

/* One host:port of a namesrvAddr list. */
typedef struct gw_nsreg_addr_s {
    char host[256];
    int port;
} gw_nsreg_addr_t;

/* Functions used to parse a namesrvAddr list. */

/* Splits "host:port;host:port" (spaces around entries allowed, empty entries skipped) into at
 * most max addresses. Returns how many (>= 1), or -1 when an entry is not host:port with a
 * port in 1..65535, or the list is empty or too long. */
int gw_nsreg_parse(const char *list, gw_nsreg_addr_t *out, int max);

/* Functions used to run the client. */

/* A client for the NameServers in list (gw_nsreg_parse's syntax). period_ms is the
 * re-registration interval (RocketMQ clamps registerNameServerPeriod to 10..60 s; the caller
 * does). Connects to every NameServer at once; each registers as soon as it is connected.
 * Returns NULL (logged) on a bad list. */
gw_nsreg_t *gw_nsreg_new(gw_t *gw, const char *list, int64_t period_ms, gw_nsreg_build_fn build,
                         void *build_arg);
/* Registers again with every connected NameServer now (the topics changed). Coalesced: calls
 * in the same loop iteration send one registration. void * argument so it can be handed to
 * bk_on_topics_changed directly. */
void gw_nsreg_topics_changed(void *reg);
/* Clean shutdown, after gw_run returned: sends UNREGISTER_BROKER to every connected
 * NameServer, runs the loop until each has answered or closed or timeout_ms passed, then closes
 * the connections; no reconnects after this. Returns how many NameServers acknowledged. */
int gw_nsreg_shutdown(gw_nsreg_t *reg, int64_t timeout_ms);
/* A request-model service answering GET_ROUTE and GET_CLUSTER_INFO from a connected
 * NameServer (any other op: MQ_EINVAL). Lives as long as the client. */
mq_service_t *gw_nsreg_service(gw_nsreg_t *reg);
/* Frees the client: after gw_free (which may still call its on_close handlers). */
void gw_nsreg_free(gw_nsreg_t *reg);

#endif /* MQ_GW_NSREG_H */
