/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka.h -- the Kafka front-end of the gateway (gw_kafka*.c): Kafka frames in, operations
 * of the common request model (mq/req.h) to the broker service, Kafka responses out in request
 * order per connection (docs/kafka-compatibility.md says how Kafka maps onto RocketMQ).
 */
#ifndef MQ_GW_KAFKA_H
#define MQ_GW_KAFKA_H

#include <stdint.h>

#include "gw.h"
#include "gw_kcluster.h"
#include "mq/req.h"

/* What the front-end tells Kafka clients about this broker and the cluster. */
typedef struct gw_kafka_conf_s {
    int32_t node_id;        /* this broker's Kafka node id */
    char host[256];         /* advertised host of the Kafka listener */
    int port;               /* advertised port */
    char cluster_id[128];   /* Metadata / DescribeCluster cluster id (brokerClusterName) */
    char broker_name[128];  /* this broker's RocketMQ brokerName (partition layout) */
    int auto_create;        /* auto.create.topics.enable */
    int32_t num_partitions; /* num.partitions: queues of a topic Metadata or Produce creates */
    size_t max_frame;       /* socket.request.max.bytes (100 MiB) */
} gw_kafka_conf_t;

typedef struct gw_kafka_s {
    gw_proto_t proto;            /* pass &proto to gw_listen, with this struct as proto_ctx */
    mq_service_t *svc;           /* the broker: every operation goes there */
    mq_service_t *ns;            /* NameServer routes for cluster-wide Metadata (the embedded one
                                    of --all-in-one, or gw_nsreg_service), or NULL: this broker
                                    alone */
    struct gw_klayout_s *layout; /* partition numbering over several brokers (with ns) */
    gw_kcluster_t cluster;       /* the other brokers, from the last GET_CLUSTER_INFO */
    struct gw_rclient_s *peers;  /* requests to other brokers (commits for their queues) */
    gw_kafka_conf_t conf;        /* filled by the caller before the first connection */
    int64_t next_producer_id;    /* InitProducerId: ids handed out by this broker */
} gw_kafka_t;

/* Sets the defaults (node id 0, port 9092, auto-create on, 1 partition) and the callbacks. */
void gw_kafka_init(gw_kafka_t *fe, mq_service_t *svc);

/* Parses a Kafka listener list ("PLAINTEXT://host:port,..."): the first PLAINTEXT entry's
 * host (empty = every address) and port. Returns MQ_OK, MQ_ENOENT for an empty list (no Kafka
 * listener) or MQ_EINVAL. */
int gw_kafka_parse_listener(const char *list, char *host, size_t host_len, int *port);

#endif /* MQ_GW_KAFKA_H */
