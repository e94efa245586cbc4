/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_rmq.h -- the RocketMQ remoting front-end of the gateway (gw_rmq.c).
 */
#ifndef MQ_GW_RMQ_H
#define MQ_GW_RMQ_H

#include "gw.h"
#include "mq/req.h"

typedef struct gw_rmq_s {
    gw_proto_t proto;     /* pass &proto to gw_listen, with this struct as proto_ctx */
    mq_service_t *svc;    /* where requests go */
    size_t max_frame;     /* frames above this close the connection */
    uint32_t next_opaque; /* of the requests this side sends (notices) */
} gw_rmq_t;

void gw_rmq_init(gw_rmq_t *fe, mq_service_t *svc);

#endif /* MQ_GW_RMQ_H */
