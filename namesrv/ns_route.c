/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_route.c -- changes to the NameServer route tables (RocketMQ RouteInfoManager):
 * registration, removal of broker addresses, DataVersion checks, topic deletion and write
 * permission. Reading the tables into replies is ns_route_read.c; expiry is ns_housekeep.c.
 * Interface and invariants: ns_route.h. Callers hold the NameServer lock.
 *
 * REGISTER_BROKER, as RouteInfoManager.registerBroker does it:
 *   1. an address that registered under another broker name is removed first;
 *   2. the broker name joins its cluster (leaving its previous one) and records addr at its id,
 *      dropping any other id the same address held ("one record per IP:PORT");
 *   3. a master (id 0) whose registration is its first, or whose DataVersion differs from the
 *      stored one, replaces its queue data: topics it no longer sends lose this broker name's
 *      queue data, the topics it sends get theirs created or updated; slaves never touch
 *      queue data;
 *   4. the live entry is created or refreshed (time, timeout, version, session, HA address);
 *   5. a slave learns its master's address and HA address, when the master is live.
 */
#include <stdlib.h>
#include <string.h>

#include "mq/log.h"
#include "ns_route.h"

#define NS_LOG "namesrv"
#define NS_PERM_WRITE 2

/* ---- Small helpers ---- */

void
ns_names_push(ns_names_t *l, mq_str_t name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = mq_xrealloc(l->v, (size_t)l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = mq_str_dup(name);
}

void
ns_names_free(ns_names_t *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Replaces *dst with a copy of s unless it already holds s. */
static void
ns_route_str_set(char **dst, mq_str_t s)
{
    if (*dst && mq_str_eq_cstr(s, *dst))
        return;
    free(*dst);
    *dst = mq_str_dup(s);
}

static int
ns_route_version_eq(const mq_data_version_t *a, const mq_data_version_t *b)
{
    return a->counter == b->counter && a->state_version == b->state_version &&
           a->timestamp == b->timestamp;
}

/* A name we can store and print: not empty, no NUL byte. */
static int
ns_route_name_ok(mq_str_t s)
{
    return s.n > 0 && s.p && memchr(s.p, '\0', s.n) == NULL;
}

/* ---- Tables: life cycle ---- */

static void
ns_topic_free(void *p)
{
    ns_topic_t *t = p;
    mq_strmap_fini(&t->queues, free);
    free(t);
}

static void
ns_broker_free(void *p)
{
    ns_broker_t *bd = p;
    for (int i = 0; i < bd->n_addrs; i++)
        free(bd->addrs[i].addr);
    free(bd->addrs);
    free(bd->cluster);
    free(bd->name);
    free(bd);
}

static void
ns_cluster_free(void *p)
{
    mq_strmap_fini(p, NULL);
    free(p);
}

static void
ns_live_free(void *p)
{
    ns_live_t *l = p;
    free(l->addr);
    free(l->cluster);
    free(l->broker_name);
    free(l->ha_addr);
    free(l->kafka_listener);
    free(l);
}

void
ns_route_init(ns_route_t *rt)
{
    mq_strmap_init(&rt->topics);
    mq_strmap_init(&rt->brokers);
    mq_strmap_init(&rt->clusters);
    mq_strmap_init(&rt->live);
}

void
ns_route_fini(ns_route_t *rt)
{
    mq_strmap_fini(&rt->topics, ns_topic_free);
    mq_strmap_fini(&rt->clusters, ns_cluster_free);
    mq_strmap_fini(&rt->brokers, ns_broker_free);
    mq_strmap_fini(&rt->live, ns_live_free);
}

/* ---- BrokerData addresses ---- */

static const char *
ns_broker_addr_of(const ns_broker_t *bd, int64_t id)
{
    for (int i = 0; i < bd->n_addrs; i++) {
        if (bd->addrs[i].id == id)
            return bd->addrs[i].addr;
    }
    return NULL;
}

/* Records addr at id (replacing what id held), keeping the array sorted by id. Returns 1 when
 * id had no address before. */
static int
ns_broker_set_addr(ns_broker_t *bd, int64_t id, mq_str_t addr)
{
    int i;
    for (i = 0; i < bd->n_addrs && bd->addrs[i].id < id; i++)
        ;
    if (i < bd->n_addrs && bd->addrs[i].id == id) {
        ns_route_str_set(&bd->addrs[i].addr, addr);
        return 0;
    }
    if (bd->n_addrs == bd->cap_addrs) {
        bd->cap_addrs = bd->cap_addrs ? bd->cap_addrs * 2 : 2;
        bd->addrs = mq_xrealloc(bd->addrs, (size_t)bd->cap_addrs * sizeof(*bd->addrs));
    }
    memmove(&bd->addrs[i + 1], &bd->addrs[i], (size_t)(bd->n_addrs - i) * sizeof(*bd->addrs));
    bd->addrs[i] = (ns_addr_t){id, mq_str_dup(addr)};
    bd->n_addrs++;
    return 1;
}

/* Removes addr from bd, except at id keep_id (-1: everywhere). Returns how many went. */
static int
ns_broker_remove_addr(ns_broker_t *bd, mq_str_t addr, int64_t keep_id)
{
    int removed = 0, j = 0;
    for (int i = 0; i < bd->n_addrs; i++) {
        if (bd->addrs[i].id != keep_id && mq_str_eq_cstr(addr, bd->addrs[i].addr)) {
            free(bd->addrs[i].addr);
            removed++;
            continue;
        }
        bd->addrs[j++] = bd->addrs[i];
    }
    bd->n_addrs = j;
    return removed;
}

/* ---- Cluster membership ---- */

static void
ns_cluster_add(ns_route_t *rt, ns_broker_t *bd)
{
    mq_str_t cluster = mq_str_from_cstr(bd->cluster);
    mq_strmap_t *set = mq_strmap_get(&rt->clusters, cluster);
    if (!set) {
        set = mq_xmalloc(sizeof(*set));
        mq_strmap_init(set);
        mq_strmap_put(&rt->clusters, cluster, set);
    }
    mq_strmap_put(set, mq_str_from_cstr(bd->name), bd);
}

static void
ns_cluster_remove(ns_route_t *rt, const char *cluster, const char *name)
{
    mq_strmap_t *set = mq_strmap_get(&rt->clusters, mq_str_from_cstr(cluster));
    if (!set)
        return;
    mq_strmap_remove(set, mq_str_from_cstr(name));
    if (set->count == 0)
        ns_cluster_free(mq_strmap_remove(&rt->clusters, mq_str_from_cstr(cluster)));
}

/* ---- Queue data ---- */

/* Creates or updates broker_name's queue data of topic tc->name. */
static void
ns_topic_put_queue(ns_route_t *rt, const mq_topic_conf_t *tc, const char *broker_name)
{
    ns_topic_t *t = mq_strmap_get(&rt->topics, tc->name);
    ns_queue_t *q;

    if (!t) {
        t = mq_xcalloc(1, sizeof(*t));
        mq_strmap_init(&t->queues);
        mq_strmap_put(&rt->topics, tc->name, t);
        mq_log(MQ_LOG_INFO, NS_LOG,
               "new topic registered: %.*s broker=%s read=%d write=%d perm=%d sysflag=%d",
               (int)tc->name.n, tc->name.p, broker_name, (int)tc->read_queues,
               (int)tc->write_queues, (int)tc->perm, (int)tc->topic_sys_flag);
    }
    q = mq_strmap_get(&t->queues, mq_str_from_cstr(broker_name));
    if (!q) {
        q = mq_xmalloc(sizeof(*q));
        mq_strmap_put(&t->queues, mq_str_from_cstr(broker_name), q);
    }
    q->read_queues = tc->read_queues;
    q->write_queues = tc->write_queues;
    q->perm = tc->perm;
    q->topic_sys_flag = tc->topic_sys_flag;
}

/* Removes broker_name's queue data of topic; the topic goes with its last queue data. */
static void
ns_topic_remove_queue(ns_route_t *rt, mq_str_t topic, const char *broker_name)
{
    ns_topic_t *t = mq_strmap_get(&rt->topics, topic);
    if (!t)
        return;
    free(mq_strmap_remove(&t->queues, mq_str_from_cstr(broker_name)));
    if (t->queues.count == 0) {
        ns_topic_free(mq_strmap_remove(&rt->topics, topic));
        mq_log(MQ_LOG_INFO, NS_LOG, "topic removed: %.*s (no queue data left after %s)",
               (int)topic.n, topic.p, broker_name);
    }
}

/* Removes broker_name's queue data of every topic not in keep (NULL: of every topic). */
static void
ns_route_drop_queues(ns_route_t *rt, const char *broker_name, const mq_strmap_t *keep)
{
    ns_names_t drop = {0};
    mq_str_t topic, name = mq_str_from_cstr(broker_name);
    void *v;

    for (size_t it = 0; mq_strmap_next(&rt->topics, &it, &topic, &v);) {
        ns_topic_t *t = v;
        if (mq_strmap_get(&t->queues, name) && !(keep && mq_strmap_get(keep, topic)))
            ns_names_push(&drop, topic);
    }
    for (int i = 0; i < drop.n; i++)
        ns_topic_remove_queue(rt, mq_str_from_cstr(drop.v[i]), broker_name);
    ns_names_free(&drop);
}

/* A master's new topic table: drop what it no longer has, then create or update the rest. */
static void
ns_route_apply_topics(ns_route_t *rt, const char *broker_name, const mq_topic_conf_t *topics,
                      int n_topics)
{
    mq_strmap_t keep;

    mq_strmap_init(&keep);
    for (int i = 0; i < n_topics; i++)
        mq_strmap_put(&keep, topics[i].name, (void *)&topics[i]);
    ns_route_drop_queues(rt, broker_name, &keep);
    mq_strmap_fini(&keep, NULL);
    for (int i = 0; i < n_topics; i++)
        ns_topic_put_queue(rt, &topics[i], broker_name);
}

/* A broker name without addresses: forget it, its cluster membership and its queue data. */
static void
ns_route_drop_broker(ns_route_t *rt, const char *name)
{
    ns_broker_t *bd = mq_strmap_remove(&rt->brokers, mq_str_from_cstr(name));
    if (!bd)
        return;
    ns_cluster_remove(rt, bd->cluster, bd->name);
    ns_route_drop_queues(rt, bd->name, NULL);
    mq_log(MQ_LOG_INFO, NS_LOG, "broker name %s left cluster %s: no address left", bd->name,
           bd->cluster);
    ns_broker_free(bd);
}

/* ---- Changes ---- */

static int
ns_route_register_ok(const mq_register_broker_t *rb)
{
    if (!ns_route_name_ok(rb->cluster) || !ns_route_name_ok(rb->broker_name) ||
        !ns_route_name_ok(rb->broker_addr) || rb->broker_id < 0 || rb->n_topics < 0 ||
        (rb->n_topics > 0 && !rb->topics))
        return 0;
    for (int i = 0; i < rb->n_topics; i++) {
        if (!ns_route_name_ok(rb->topics[i].name))
            return 0;
    }
    return 1;
}

/* Finds or creates the BrokerData of rb, in rb's cluster. */
static ns_broker_t *
ns_route_broker_for(ns_route_t *rt, const mq_register_broker_t *rb, int *first)
{
    ns_broker_t *bd = mq_strmap_get(&rt->brokers, rb->broker_name);

    if (!bd) {
        bd = mq_xcalloc(1, sizeof(*bd));
        bd->cluster = mq_str_dup(rb->cluster);
        bd->name = mq_str_dup(rb->broker_name);
        mq_strmap_put(&rt->brokers, rb->broker_name, bd);
        *first = 1;
    } else if (!mq_str_eq_cstr(rb->cluster, bd->cluster)) {
        mq_log(MQ_LOG_WARN, NS_LOG, "broker name %s moves from cluster %s to %.*s", bd->name,
               bd->cluster, (int)rb->cluster.n, rb->cluster.p);
        ns_cluster_remove(rt, bd->cluster, bd->name);
        ns_route_str_set(&bd->cluster, rb->cluster);
    }
    ns_cluster_add(rt, bd);
    return bd;
}

static ns_live_t *
ns_route_live_for(ns_route_t *rt, const mq_register_broker_t *rb, int64_t timeout_ms)
{
    ns_live_t *l = mq_strmap_get(&rt->live, rb->broker_addr);

    if (l)
        return l;
    l = mq_xcalloc(1, sizeof(*l));
    l->addr = mq_str_dup(rb->broker_addr);
    mq_strmap_put(&rt->live, rb->broker_addr, l);
    mq_log(MQ_LOG_INFO, NS_LOG,
           "new broker registered: %s cluster=%.*s broker=%.*s id=%lld ha=%.*s timeout=%lldms "
           "topics=%d",
           l->addr, (int)rb->cluster.n, rb->cluster.p, (int)rb->broker_name.n, rb->broker_name.p,
           (long long)rb->broker_id, (int)rb->ha_addr.n, rb->ha_addr.p ? rb->ha_addr.p : "",
           (long long)timeout_ms, rb->n_topics);
    return l;
}

int
ns_route_register(ns_route_t *rt, const mq_register_broker_t *rb, void *session, int64_t now_ms,
                  int64_t timeout_ms, mq_pool_t *pool, mq_register_result_t *out)
{
    ns_live_t *l;
    ns_broker_t *bd;
    const char *master;
    int first = 0;

    if (!ns_route_register_ok(rb))
        return MQ_EINVAL;

    /* 1. the address moved to another broker name */
    l = mq_strmap_get(&rt->live, rb->broker_addr);
    if (l && !mq_str_eq_cstr(rb->broker_name, l->broker_name))
        ns_route_remove_addr(rt, rb->broker_addr, "re-registered under another broker name");
    l = mq_strmap_get(&rt->live, rb->broker_addr);

    /* 2. broker name, cluster, address */
    bd = ns_route_broker_for(rt, rb, &first);
    ns_broker_remove_addr(bd, rb->broker_addr, rb->broker_id);
    first |= ns_broker_set_addr(bd, rb->broker_id, rb->broker_addr);

    /* 3. a master's topics */
    if (rb->broker_id == 0 && (first || !l || !ns_route_version_eq(&l->version, &rb->version)))
        ns_route_apply_topics(rt, bd->name, rb->topics, rb->n_topics);

    /* 4. liveness */
    l = ns_route_live_for(rt, rb, timeout_ms);
    ns_route_str_set(&l->cluster, rb->cluster);
    ns_route_str_set(&l->broker_name, rb->broker_name);
    ns_route_str_set(&l->ha_addr, rb->ha_addr);
    ns_route_str_set(&l->kafka_listener, rb->kafka_listener);
    l->broker_id = rb->broker_id;
    l->last_update_ms = now_ms;
    l->timeout_ms = timeout_ms;
    l->version = rb->version;
    l->session = session;
    l->kafka_node_id = rb->kafka_listener.n ? rb->kafka_node_id : -1;

    /* 5. a slave's master */
    memset(out, 0, sizeof(*out));
    master = rb->broker_id != 0 ? ns_broker_addr_of(bd, 0) : NULL;
    if (master) {
        ns_live_t *ml = mq_strmap_get(&rt->live, mq_str_from_cstr(master));
        if (ml) {
            out->master_addr =
                (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(master)), strlen(master)};
            out->ha_addr =
                (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(ml->ha_addr)), strlen(ml->ha_addr)};
        }
    }
    return MQ_OK;
}

int
ns_route_remove_addr(ns_route_t *rt, mq_str_t addr, const char *reason)
{
    ns_live_t *l = mq_strmap_remove(&rt->live, addr);
    ns_names_t empty = {0};
    mq_str_t name;
    void *v;
    int removed = l != NULL;

    for (size_t it = 0; mq_strmap_next(&rt->brokers, &it, &name, &v);) {
        ns_broker_t *bd = v;
        if (ns_broker_remove_addr(bd, addr, -1) > 0) {
            removed = 1;
            if (bd->n_addrs == 0)
                ns_names_push(&empty, name);
        }
    }
    if (removed) {
        mq_log(MQ_LOG_INFO, NS_LOG, "broker removed (%s): %.*s cluster=%s broker=%s id=%lld",
               reason, (int)addr.n, addr.p, l ? l->cluster : "?", l ? l->broker_name : "?",
               l ? (long long)l->broker_id : -1LL);
    }
    for (int i = 0; i < empty.n; i++)
        ns_route_drop_broker(rt, empty.v[i]);
    ns_names_free(&empty);
    if (l)
        ns_live_free(l);
    return removed;
}

int
ns_route_query_version(ns_route_t *rt, mq_str_t addr, const mq_data_version_t *version,
                       int64_t now_ms, int *changed)
{
    ns_live_t *l = mq_strmap_get(&rt->live, addr);

    *changed = !l || !ns_route_version_eq(&l->version, version);
    if (l)
        l->last_update_ms = now_ms;
    return MQ_OK;
}

int
ns_route_delete_topic(ns_route_t *rt, mq_str_t topic)
{
    ns_topic_t *t = mq_strmap_remove(&rt->topics, topic);
    if (!t)
        return 0;
    ns_topic_free(t);
    mq_log(MQ_LOG_INFO, NS_LOG, "topic route deleted: %.*s", (int)topic.n, topic.p);
    return 1;
}

int32_t
ns_route_set_writable(ns_route_t *rt, mq_str_t broker_name, int writable)
{
    int32_t changed = 0;
    mq_str_t topic;
    void *v;

    for (size_t it = 0; mq_strmap_next(&rt->topics, &it, &topic, &v);) {
        ns_queue_t *q = mq_strmap_get(&((ns_topic_t *)v)->queues, broker_name);
        int32_t perm;
        if (!q)
            continue;
        perm = writable ? (q->perm | NS_PERM_WRITE) : (q->perm & ~NS_PERM_WRITE);
        if (perm != q->perm) {
            q->perm = perm;
            changed++;
        }
    }
    mq_log(MQ_LOG_INFO, NS_LOG, "%s write permission of broker %.*s: %d queue data changed",
           writable ? "added" : "wiped", (int)broker_name.n, broker_name.p ? broker_name.p : "",
           (int)changed);
    return changed;
}
