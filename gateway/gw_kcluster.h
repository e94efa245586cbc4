/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kcluster.h -- the cluster as the Kafka front-end sees it: the brokers of this broker's
 * cluster that have a Kafka listener (node id, Kafka host:port, master remoting address), as
 * the last GET_CLUSTER_INFO answer said, plus this broker. It chooses each group's coordinator:
 * the brokers sorted by node id, the group name's Java hash modulo their number (as Kafka
 * picks the __consumer_offsets partition of a group), so every broker chooses the same one
 * while they see the same brokers. Loop thread only.
 */
#ifndef MQ_GW_KCLUSTER_H
#define MQ_GW_KCLUSTER_H

#include <stdint.h>

#include "mq/req.h"

typedef struct gw_kafka_s gw_kafka_t;

typedef struct gw_kbroker_s {
    char name[128];     /* brokerName */
    int32_t node_id;    /* Kafka node id */
    char host[256];     /* Kafka listener host */
    int32_t port;       /* Kafka listener port */
    char rmq_addr[280]; /* master remoting address ("" for this broker) */
} gw_kbroker_t;

typedef struct gw_kcluster_s {
    gw_kbroker_t *brokers; /* other brokers, sorted by node id */
    int n_brokers;
    int known; /* a GET_CLUSTER_INFO answer arrived at least once */
} gw_kcluster_t;

/* Replaces the view with what ci says (brokers of fe's cluster with a Kafka listener). */
void gw_kcluster_update(gw_kafka_t *fe, const mq_cluster_info_t *ci);
void gw_kcluster_free(gw_kcluster_t *kc);
/* The coordinator of group: NULL for this broker (also while nothing is known). */
const gw_kbroker_t *gw_kcluster_coordinator(const gw_kafka_t *fe, mq_str_t group);
/* The broker called name, or NULL (this broker, or one not known). */
const gw_kbroker_t *gw_kcluster_broker(const gw_kafka_t *fe, const char *name);

#endif /* MQ_GW_KCLUSTER_H */
