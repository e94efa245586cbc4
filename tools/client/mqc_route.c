/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_route.c -- topic routes from the NameServer (GET_ROUTEINFO_BY_TOPIC, code 105) parsed
 * into mqc_route_t (rocketmq-protocol.md section 3.1), and the queue lists producers and
 * consumers build from them. The body is read by rmq_route_decode (protocols/rocketmq), the
 * decoder a broker uses for the same answer: lenient the way RocketMQ clients are (bare
 * integer brokerAddrs keys, unknown fields ignored, numbers as strings).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqc_int.h"
#include "rmq_route.h"

#define MQC_ROUTE_TIMEOUT_MS 3000

/* ---- Parsing ---- */

int
mqc_route_parse(mq_str_t body, mqc_route_t *out)
{
    mq_pool_t pool;
    mq_route_t r;
    int total = 0, rc;
    memset(out, 0, sizeof(*out));
    mq_pool_init(&pool, 0);
    rc = rmq_route_decode(body, &pool, &r); /* the broker's decoder: one lenient reading */
    if (rc != MQ_OK) {
        mq_pool_fini(&pool);
        return rc;
    }
    if (r.n_queues > 0)
        out->queues = mq_xcalloc((size_t)r.n_queues, sizeof(*out->queues));
    for (int i = 0; i < r.n_queues; i++) {
        mqc_queue_data_t *d = &out->queues[out->n_queues++];
        snprintf(d->broker_name, sizeof(d->broker_name), "%.*s", (int)r.queues[i].broker_name.n,
                 r.queues[i].broker_name.p);
        d->read_queues = r.queues[i].read_queues;
        d->write_queues = r.queues[i].write_queues;
        d->perm = r.queues[i].perm;
    }
    for (int i = 0; i < r.n_brokers; i++)
        total += r.brokers[i].n_addrs;
    if (total > 0)
        out->brokers = mq_xcalloc((size_t)total, sizeof(*out->brokers));
    for (int i = 0; i < r.n_brokers; i++) {
        const mq_route_broker_t *b = &r.brokers[i];
        for (int a = 0; a < b->n_addrs; a++) {
            mqc_broker_addr_t *ba = &out->brokers[out->n_brokers++];
            snprintf(ba->cluster, sizeof(ba->cluster), "%.*s", (int)b->cluster.n, b->cluster.p);
            snprintf(ba->name, sizeof(ba->name), "%.*s", (int)b->broker_name.n, b->broker_name.p);
            snprintf(ba->addr, sizeof(ba->addr), "%.*s", (int)b->addrs[a].n, b->addrs[a].p);
            ba->id = b->ids[a];
        }
    }
    out->json = mq_str_dup(body);
    mq_pool_fini(&pool);
    return MQ_OK;
}

void
mqc_route_fini(mqc_route_t *r)
{
    if (!r)
        return;
    free(r->queues);
    free(r->brokers);
    free(r->json);
    memset(r, 0, sizeof(*r));
}

const char *
mqc_route_master(const mqc_route_t *r, const char *broker_name)
{
    for (int i = 0; i < r->n_brokers; i++)
        if (r->brokers[i].id == 0 && strcmp(r->brokers[i].name, broker_name) == 0)
            return r->brokers[i].addr;
    return NULL;
}

int
mqc_route_get(mqc_namesrv_t *ns, const char *topic, mqc_route_t *out)
{
    mq_pool_t pool;
    rmq_cmd_t req, resp;
    int rc;
    memset(out, 0, sizeof(*out));
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&req, RMQ_GET_ROUTEINFO_BY_TOPIC, 0, 0);
    rmq_cmd_add(&req, &pool, "topic", mq_str_from_cstr(topic));
    rmq_cmd_add(&req, &pool, "acceptStandardJsonOnly", MQ_STR("true"));
    rc = mqc_namesrv_call(ns, &req, MQC_ROUTE_TIMEOUT_MS, &pool, &resp);
    if (rc == MQ_OK) {
        if (resp.code == RMQ_RC_TOPIC_NOT_EXIST)
            rc = MQ_ENOENT;
        else if (resp.code != RMQ_RC_SUCCESS)
            rc = MQ_ERR;
        else
            rc = mqc_route_parse(resp.body, out);
    }
    mq_pool_fini(&pool);
    return rc;
}

/* ---- Queue lists ---- */

static int
mqc_wq_cmp(const void *a, const void *b)
{
    const mqc_wq_t *x = a, *y = b;
    int c = strcmp(x->broker_name, y->broker_name);
    return c ? c : (x->queue_id > y->queue_id) - (x->queue_id < y->queue_id);
}

int
mqc_route_queues(const mqc_route_t *r, int want, int max_per_broker, mqc_wq_t **out)
{
    int total = 0, n = 0;
    *out = NULL;
    for (int i = 0; i < r->n_queues; i++)
        total += want == MQC_PERM_WRITE ? r->queues[i].write_queues : r->queues[i].read_queues;
    if (total == 0)
        return 0;
    *out = mq_xcalloc((size_t)total, sizeof(**out));
    for (int i = 0; i < r->n_queues; i++) {
        const mqc_queue_data_t *q = &r->queues[i];
        int count = want == MQC_PERM_WRITE ? q->write_queues : q->read_queues;
        int dup = 0;
        if (!(q->perm & want) || !mqc_route_master(r, q->broker_name))
            continue;
        for (int k = 0; k < i; k++)
            dup |= strcmp(r->queues[k].broker_name, q->broker_name) == 0;
        if (dup)
            continue;
        if (max_per_broker > 0 && count > max_per_broker)
            count = max_per_broker;
        for (int qid = 0; qid < count; qid++) {
            snprintf((*out)[n].broker_name, sizeof((*out)[n].broker_name), "%s", q->broker_name);
            (*out)[n].queue_id = qid;
            n++;
        }
    }
    if (n == 0) {
        free(*out);
        *out = NULL;
        return 0;
    }
    if (n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(*out, (size_t)n, sizeof(**out), mqc_wq_cmp);
    return n;
}
