/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kcluster.c -- the Kafka front-end's view of the cluster and the choice of a group's
 * coordinator (gw_kcluster.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_kafka.h"
#include "gw_kcluster.h"
#include "mq/msg.h"

static int
gw_kcluster_cmp(const void *a, const void *b)
{
    const gw_kbroker_t *x = a, *y = b;
    return x->node_id < y->node_id ? -1 : x->node_id > y->node_id;
}

void
gw_kcluster_update(gw_kafka_t *fe, const mq_cluster_info_t *ci)
{
    const gw_kafka_conf_t *conf = &fe->conf;
    gw_kcluster_t *kc = &fe->cluster;
    gw_kbroker_t *list = mq_xcalloc((size_t)ci->n_brokers + 1, sizeof(*list));
    int n = 0;
    for (int i = 0; i < ci->n_brokers; i++) {
        const mq_route_broker_t *b = &ci->brokers[i];
        const char *colon;
        gw_kbroker_t *o = &list[n];
        long port;
        if (!b->kafka_listener.n || b->kafka_node_id < 0 || b->kafka_node_id > INT32_MAX ||
            b->kafka_node_id == conf->node_id || !mq_str_eq_cstr(b->cluster, conf->cluster_id) ||
            mq_str_eq_cstr(b->broker_name, conf->broker_name))
            continue; /* no Kafka listener, this broker, or another cluster */
        colon = memrchr(b->kafka_listener.p, ':', b->kafka_listener.n);
        if (!colon || (size_t)(colon - b->kafka_listener.p) >= sizeof(o->host))
            continue;
        port = strtol(colon + 1, NULL, 10);
        if (port <= 0 || port > 65535)
            continue;
        snprintf(o->name, sizeof(o->name), "%.*s", (int)b->broker_name.n, b->broker_name.p);
        snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - b->kafka_listener.p),
                 b->kafka_listener.p);
        o->port = (int32_t)port;
        o->node_id = (int32_t)b->kafka_node_id;
        for (int a = 0; a < b->n_addrs; a++)
            if (b->ids[a] == 0)
                snprintf(o->rmq_addr, sizeof(o->rmq_addr), "%.*s", (int)b->addrs[a].n,
                         b->addrs[a].p);
        n++;
    }
    qsort(list, (size_t)n, sizeof(*list), gw_kcluster_cmp);
    free(kc->brokers);
    kc->brokers = list;
    kc->n_brokers = n;
    kc->known = 1;
}

void
gw_kcluster_free(gw_kcluster_t *kc)
{
    free(kc->brokers);
    memset(kc, 0, sizeof(*kc));
}

const gw_kbroker_t *
gw_kcluster_coordinator(const gw_kafka_t *fe, mq_str_t group)
{
    const gw_kcluster_t *kc = &fe->cluster;
    int32_t h;
    int n = kc->n_brokers + 1, self = 0, pick;
    if (!kc->known || kc->n_brokers == 0)
        return NULL;
    /* this broker's place in node-id order among the others */
    while (self < kc->n_brokers && kc->brokers[self].node_id < fe->conf.node_id)
        self++;
    h = mq_java_hash(group);
    pick = (int)((h == INT32_MIN ? 0 : (h < 0 ? -h : h)) % n);
    if (pick == self)
        return NULL;
    return &kc->brokers[pick < self ? pick : pick - 1];
}

const gw_kbroker_t *
gw_kcluster_broker(const gw_kafka_t *fe, const char *name)
{
    for (int i = 0; i < fe->cluster.n_brokers; i++)
        if (strcmp(fe->cluster.brokers[i].name, name) == 0)
            return &fe->cluster.brokers[i];
    return NULL;
}
