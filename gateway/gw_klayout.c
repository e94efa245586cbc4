/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_klayout.c -- stable Kafka partition numbering over several brokers (gw_klayout.h), kept
 * in kafkaPartitions.json: {"version":1,"topics":{"T":[["broker-a",0,4,40],["broker-b",0,4,50]]}}
 * (broker name, first queue, count, node id).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_klayout.h"
#include "mq/log.h"
#include "mq/strmap.h"

#define GW_KLAYOUT_MAX_PARTITIONS 65536 /* more than any sane topic; a file saying more is bad */

struct gw_klayout_s {
    char *path;              /* NULL: memory only */
    gw_klayout_save_fn save; /* atomic write */
    mq_strmap_t topics;      /* topic -> gw_ktopic_layout_t */
};

static void
gw_klayout_topic_free(void *v)
{
    gw_ktopic_layout_t *t = v;
    free(t->segs);
    free(t);
}

static void
gw_klayout_append(gw_ktopic_layout_t *t, const char *broker, size_t broker_len, int32_t first,
                  int32_t count, int64_t node_id)
{
    gw_kseg_t *s;
    if (t->n_segs == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4;
        t->segs = mq_xrealloc(t->segs, (size_t)t->cap * sizeof(*t->segs));
    }
    s = &t->segs[t->n_segs++];
    memset(s, 0, sizeof(*s));
    snprintf(s->broker, sizeof(s->broker), "%.*s", (int)broker_len, broker);
    s->first_queue = first;
    s->count = count;
    s->node_id = node_id;
    t->n_partitions += count;
}

static gw_ktopic_layout_t *
gw_klayout_topic(gw_klayout_t *l, mq_str_t topic)
{
    gw_ktopic_layout_t *t = mq_strmap_get(&l->topics, topic);
    if (!t) {
        t = mq_xcalloc(1, sizeof(*t));
        mq_strmap_put(&l->topics, topic, t);
    }
    return t;
}

static void
gw_klayout_load(gw_klayout_t *l)
{
    json_error_t err;
    json_t *root = json_load_file(l->path, 0, &err), *topics, *segs;
    const char *name;
    if (!root)
        return; /* missing (first start) or unreadable: numbering restarts from the routes */
    topics = json_object_get(root, "topics");
    json_object_foreach(topics, name, segs)
    {
        size_t i;
        json_t *s;
        gw_ktopic_layout_t *t = gw_klayout_topic(l, mq_str_from_cstr(name));
        json_array_foreach(segs, i, s)
        {
            json_t *b = json_array_get(s, 0);
            json_int_t first = json_integer_value(json_array_get(s, 1));
            json_int_t count = json_integer_value(json_array_get(s, 2));
            json_int_t node = json_integer_value(json_array_get(s, 3));
            if (!json_is_string(b) || first < 0 || count <= 0 ||
                first + count > GW_KLAYOUT_MAX_PARTITIONS ||
                t->n_partitions + count > GW_KLAYOUT_MAX_PARTITIONS) {
                MQ_LOG_WARN("kafka", "%s: bad segment %zu of topic %s; ignored", l->path, i, name);
                continue;
            }
            gw_klayout_append(t, json_string_value(b), json_string_length(b), (int32_t)first,
                              (int32_t)count, node);
        }
    }
    json_decref(root);
}

static void
gw_klayout_persist(gw_klayout_t *l)
{
    json_t *root, *topics = json_object();
    size_t it = 0;
    mq_str_t k;
    void *v;
    char *text;
    if (!l->path || !l->save) {
        json_decref(topics);
        return;
    }
    while (mq_strmap_next(&l->topics, &it, &k, &v)) {
        const gw_ktopic_layout_t *t = v;
        json_t *segs = json_array();
        for (int i = 0; i < t->n_segs; i++)
            json_array_append_new(segs, json_pack("[s, i, i, I]", t->segs[i].broker,
                                                  t->segs[i].first_queue, t->segs[i].count,
                                                  (json_int_t)t->segs[i].node_id));
        json_object_setn_new(topics, k.p, k.n, segs);
    }
    root = json_pack("{s:i, s:o}", "version", 1, "topics", topics);
    text = root ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (!text || l->save(l->path, text, strlen(text)) != MQ_OK)
        MQ_LOG_WARN("kafka", "cannot write %s; the partition layout is kept in memory", l->path);
    free(text);
}

gw_klayout_t *
gw_klayout_open(const char *path, gw_klayout_save_fn save)
{
    gw_klayout_t *l = mq_xcalloc(1, sizeof(*l));
    mq_strmap_init(&l->topics);
    l->save = save;
    if (path) {
        l->path = mq_str_dup(mq_str_from_cstr(path));
        gw_klayout_load(l);
    }
    return l;
}

void
gw_klayout_free(gw_klayout_t *l)
{
    if (!l)
        return;
    mq_strmap_fini(&l->topics, gw_klayout_topic_free);
    free(l->path);
    free(l);
}

const gw_ktopic_layout_t *
gw_klayout_get(const gw_klayout_t *l, mq_str_t topic)
{
    return mq_strmap_get(&l->topics, topic);
}

const gw_kseg_t *
gw_klayout_locate(const gw_ktopic_layout_t *lay, int32_t p, int32_t *queue)
{
    if (!lay || p < 0)
        return NULL;
    for (int i = 0; i < lay->n_segs; i++) {
        if (p < lay->segs[i].count) {
            *queue = lay->segs[i].first_queue + p;
            return &lay->segs[i];
        }
        p -= lay->segs[i].count;
    }
    return NULL;
}

/* Queues of broker already numbered: the end of its highest segment. */
static int32_t
gw_klayout_covered(const gw_ktopic_layout_t *t, mq_str_t broker)
{
    int32_t end = 0;
    for (int i = 0; i < t->n_segs; i++)
        if (mq_str_eq_cstr(broker, t->segs[i].broker) &&
            t->segs[i].first_queue + t->segs[i].count > end)
            end = t->segs[i].first_queue + t->segs[i].count;
    return end;
}

static int64_t
gw_klayout_node_of(const mq_route_t *route, mq_str_t broker)
{
    for (int i = 0; i < route->n_brokers; i++)
        if (mq_str_eq(route->brokers[i].broker_name, broker))
            return route->brokers[i].kafka_node_id;
    return -1;
}

static int
gw_klayout_qcmp(const void *a, const void *b)
{
    const mq_route_queue_t *x = *(const mq_route_queue_t *const *)a;
    const mq_route_queue_t *y = *(const mq_route_queue_t *const *)b;
    size_t n = x->broker_name.n < y->broker_name.n ? x->broker_name.n : y->broker_name.n;
    int c = n ? memcmp(x->broker_name.p, y->broker_name.p, n) : 0;
    if (c)
        return c;
    return x->broker_name.n < y->broker_name.n ? -1 : x->broker_name.n > y->broker_name.n;
}

const gw_ktopic_layout_t *
gw_klayout_update(gw_klayout_t *l, mq_str_t topic, const mq_route_t *route)
{
    gw_ktopic_layout_t *t = gw_klayout_topic(l, topic);
    const mq_route_queue_t **q;
    int changed = 0;
    if (route->n_queues <= 0)
        return t;
    q = mq_xcalloc((size_t)route->n_queues, sizeof(*q));
    for (int i = 0; i < route->n_queues; i++)
        q[i] = &route->queues[i];
    qsort(q, (size_t)route->n_queues, sizeof(*q), gw_klayout_qcmp);
    for (int i = 0; i < route->n_queues; i++) {
        int32_t n = q[i]->read_queues > q[i]->write_queues ? q[i]->read_queues : q[i]->write_queues;
        int32_t have = gw_klayout_covered(t, q[i]->broker_name);
        int64_t node = gw_klayout_node_of(route, q[i]->broker_name);
        if (n > have && t->n_partitions + (n - have) <= GW_KLAYOUT_MAX_PARTITIONS) {
            gw_klayout_append(t, q[i]->broker_name.p, q[i]->broker_name.n, have, n - have, node);
            changed = 1;
        }
        for (int s = 0; s < t->n_segs; s++) /* remember the latest node id */
            if (node >= 0 && mq_str_eq_cstr(q[i]->broker_name, t->segs[s].broker) &&
                t->segs[s].node_id != node) {
                t->segs[s].node_id = node;
                changed = 1;
            }
    }
    free(q);
    if (changed)
        gw_klayout_persist(l);
    return t;
}

void
gw_klayout_each(const gw_klayout_t *l, void (*fn)(void *arg, mq_str_t topic), void *arg)
{
    size_t it = 0;
    mq_str_t k;
    void *v;
    while (mq_strmap_next(&l->topics, &it, &k, &v))
        fn(arg, k);
}

void
gw_klayout_forget(gw_klayout_t *l, mq_str_t topic)
{
    gw_ktopic_layout_t *t = mq_strmap_remove(&l->topics, topic);
    if (t) {
        gw_klayout_topic_free(t);
        gw_klayout_persist(l);
    }
}
