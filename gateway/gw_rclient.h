/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_rclient.h -- a remoting client on the gateway's loop, for requests a broker sends to
 * other brokers (the Kafka front-end's offset commits and fetches for queues another broker
 * owns). One connection per peer address, opened on first use and again after it breaks;
 * requests are matched to answers by opaque; each call is answered exactly once, on the loop:
 * with the peer's response, MQ_EIO when the connection fails or closes first, MQ_ETIMEDOUT
 * after its timeout. Loop thread only.
 */
#ifndef MQ_GW_RCLIENT_H
#define MQ_GW_RCLIENT_H

#include "gw.h"
#include "rmq_cmd.h"

typedef struct gw_rclient_s gw_rclient_t;

/* resp is valid during the call only (NULL unless status is MQ_OK). */
typedef void (*gw_rclient_fn)(void *arg, int status, const rmq_cmd_t *resp);

gw_rclient_t *gw_rclient_new(gw_t *gw);
/* Fails every outstanding call with MQ_ECLOSED and frees the client: after gw_free (which
 * closes its connections and stops its timer). */
void gw_rclient_free(gw_rclient_t *rc);
/* Sends req (its opaque is set here) to addr "host:port". fn runs later, never inside this
 * call. */
void gw_rclient_call(gw_rclient_t *rc, const char *addr, rmq_cmd_t *req, int64_t timeout_ms,
                     gw_rclient_fn fn, void *arg);

#endif /* MQ_GW_RCLIENT_H */
