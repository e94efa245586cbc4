/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_route_read.c -- copies of the NameServer route tables for replies: a topic's route
 * (RouteInfoManager.pickupTopicRouteData), cluster info and topic lists. Everything is copied
 * into the request's pool so the reply outlives the lock; nothing here changes the tables.
 * Output is sorted by name (addresses by broker id) so replies are stable. Interface:
 * ns_route.h. Callers hold the NameServer lock.
 */
#include <stdlib.h>
#include <string.h>

#include "ns_route.h"

/* A name and what it names, for sorting map entries. */
typedef struct ns_entry_s {
    mq_str_t name; /* the map's key */
    void *value;   /* the map's value */
} ns_entry_t;

static int
ns_entry_cmp(const void *a, const void *b)
{
    const ns_entry_t *x = a, *y = b;
    int c = memcmp(x->name.p, y->name.p, MQ_MIN(x->name.n, y->name.n));
    return c ? c : (x->name.n > y->name.n) - (x->name.n < y->name.n);
}

/* The entries of m, sorted by key, in pool; *n gets their count. */
static ns_entry_t *
ns_route_sorted(const mq_strmap_t *m, mq_pool_t *pool, int *n)
{
    ns_entry_t *e = mq_palloc(pool, (m->count ? m->count : 1) * sizeof(*e));
    int i = 0;

    for (size_t it = 0; mq_strmap_next(m, &it, &e[i].name, &e[i].value);)
        i++;
    qsort(e, (size_t)i, sizeof(*e), ns_entry_cmp);
    *n = i;
    return e;
}

static mq_str_t
ns_route_pstr(mq_pool_t *pool, const char *s)
{
    mq_str_t v = mq_str_from_cstr(s ? s : "");
    return (mq_str_t){mq_pstrdup(pool, v), v.n};
}

/* The Kafka listener of a broker name: that of its lowest-id live address that has one. */
static const ns_live_t *
ns_route_kafka_of(const ns_route_t *rt, const ns_broker_t *bd)
{
    for (int i = 0; i < bd->n_addrs; i++) {
        const ns_live_t *l = mq_strmap_get(&rt->live, mq_str_from_cstr(bd->addrs[i].addr));
        if (l && l->kafka_listener && l->kafka_listener[0])
            return l;
    }
    return NULL;
}

/* BrokerData -> mq_route_broker_t, copied into pool. */
static void
ns_route_copy_broker(const ns_route_t *rt, const ns_broker_t *bd, mq_pool_t *pool,
                     mq_route_broker_t *out)
{
    const ns_live_t *k = ns_route_kafka_of(rt, bd);
    size_t n = (size_t)(bd->n_addrs ? bd->n_addrs : 1);

    out->cluster = ns_route_pstr(pool, bd->cluster);
    out->broker_name = ns_route_pstr(pool, bd->name);
    out->ids = mq_palloc(pool, n * sizeof(*out->ids));
    out->addrs = mq_palloc(pool, n * sizeof(*out->addrs));
    out->n_addrs = bd->n_addrs;
    for (int i = 0; i < bd->n_addrs; i++) {
        out->ids[i] = bd->addrs[i].id;
        out->addrs[i] = ns_route_pstr(pool, bd->addrs[i].addr);
    }
    out->kafka_listener = ns_route_pstr(pool, k ? k->kafka_listener : "");
    out->kafka_node_id = k ? k->kafka_node_id : -1;
}

int
ns_route_get(const ns_route_t *rt, mq_str_t topic, mq_pool_t *pool, mq_route_t *out)
{
    const ns_topic_t *t = mq_strmap_get(&rt->topics, topic);
    ns_entry_t *e;
    int n;

    memset(out, 0, sizeof(*out));
    if (!t)
        return MQ_ENOENT;
    e = ns_route_sorted(&t->queues, pool, &n);
    out->queues = mq_palloc(pool, (size_t)(n ? n : 1) * sizeof(*out->queues));
    out->brokers = mq_palloc(pool, (size_t)(n ? n : 1) * sizeof(*out->brokers));
    for (int i = 0; i < n; i++) {
        const ns_queue_t *q = e[i].value;
        const ns_broker_t *bd = mq_strmap_get(&rt->brokers, e[i].name);
        out->queues[i] = (mq_route_queue_t){
            .broker_name = {mq_pstrdup(pool, e[i].name), e[i].name.n},
            .read_queues = q->read_queues,
            .write_queues = q->write_queues,
            .perm = q->perm,
            .topic_sys_flag = q->topic_sys_flag,
        };
        if (bd)
            ns_route_copy_broker(rt, bd, pool, &out->brokers[out->n_brokers++]);
    }
    out->n_queues = n;
    return out->n_queues > 0 && out->n_brokers > 0 ? MQ_OK : MQ_ENOENT;
}

void
ns_route_cluster_info(const ns_route_t *rt, mq_pool_t *pool, mq_cluster_info_t *out)
{
    int n;
    ns_entry_t *e = ns_route_sorted(&rt->brokers, pool, &n);

    out->brokers = mq_palloc(pool, (size_t)(n ? n : 1) * sizeof(*out->brokers));
    out->n_brokers = n;
    for (int i = 0; i < n; i++)
        ns_route_copy_broker(rt, e[i].value, pool, &out->brokers[i]);
}

/* Whether topic t has queue data of a broker name in set. */
static int
ns_route_topic_in(const ns_topic_t *t, const mq_strmap_t *set)
{
    mq_str_t name;
    void *v;

    for (size_t it = 0; mq_strmap_next(&t->queues, &it, &name, &v);) {
        if (mq_strmap_get(set, name))
            return 1;
    }
    return 0;
}

void
ns_route_topic_list(const ns_route_t *rt, mq_str_t cluster, mq_pool_t *pool, mq_str_list_t *out)
{
    const mq_strmap_t *set = cluster.n ? mq_strmap_get(&rt->clusters, cluster) : NULL;
    int n;
    ns_entry_t *e = ns_route_sorted(&rt->topics, pool, &n);

    out->items = mq_palloc(pool, (size_t)(n ? n : 1) * sizeof(*out->items));
    out->n = 0;
    if (cluster.n && !set)
        return;
    for (int i = 0; i < n; i++) {
        if (set && !ns_route_topic_in(e[i].value, set))
            continue;
        out->items[out->n++] = (mq_str_t){mq_pstrdup(pool, e[i].name), e[i].name.n};
    }
}
