/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_client.c -- clients of consumer groups (RocketMQ's ConsumerManager): heartbeats register
 * a client's subscriptions and create the group's %RETRY% topic; a client leaves by
 * UNREGISTER_CLIENT, by closing its connection, or after 120 s without a heartbeat.
 * GET_CONSUMER_LIST_BY_GROUP answers the group's client ids.
 *
 * When a group's membership or subscriptions change, every remaining member is sent
 * NOTIFY_CONSUMER_IDS_CHANGED so it rebalances at once instead of within its 20 s period
 * (RocketMQ's notifyConsumerIdsChangedEnable, on by default).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_int.h"
#include "mq/log.h"

#define BK_CLIENT_TIMEOUT_MS 120000

static void
bk_client_clear_subs(bk_client_t *c)
{
    for (int i = 0; i < c->n_subs; i++) {
        free(c->sub_topics[i]);
        free(c->sub_exprs[i]);
        free(c->sub_types[i]);
    }
    free(c->sub_topics);
    free(c->sub_exprs);
    free(c->sub_types);
    free(c->sub_versions);
    c->sub_topics = c->sub_exprs = c->sub_types = NULL;
    c->sub_versions = NULL;
    c->n_subs = 0;
}

static void
bk_group_remove_at(bk_group_t *g, int i)
{
    bk_client_clear_subs(&g->clients[i]);
    free(g->clients[i].client_id);
    g->clients[i] = g->clients[--g->n_clients];
}

/* Sends n to every member of g (once per connection); returns how many connections. */
static int
bk_group_send(bk_group_t *g, const mq_notice_t *n)
{
    int sent = 0;
    for (int i = 0; i < g->n_clients; i++) {
        bk_client_t *c = &g->clients[i];
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = g->clients[k].session == c->session;
        if (!seen && c->notify && c->session) {
            c->notify(c->session, n);
            sent++;
        }
    }
    return sent;
}

/* Tells every member of g that the group changed. */
static void
bk_group_notify(bk_group_t *g)
{
    mq_notice_t n;
    memset(&n, 0, sizeof(n));
    n.kind = MQ_NOTICE_CONSUMER_IDS_CHANGED;
    n.group = mq_str_from_cstr(g->name);
    (void)bk_group_send(g, &n);
}

/* Do the heartbeat's subscriptions differ from what the client had? */
static int
bk_client_subs_differ(const bk_client_t *c, const mq_consumer_group_t *cg)
{
    if (c->n_subs != cg->n_subs)
        return 1;
    for (int s = 0; s < cg->n_subs; s++)
        if (!mq_str_eq_cstr(cg->subs[s].topic, c->sub_topics[s]) ||
            !mq_str_eq_cstr(cg->subs[s].expression, c->sub_exprs[s]))
            return 1;
    return 0;
}

static bk_group_t *
bk_group_get(bk_t *bk, mq_str_t name, int create)
{
    bk_group_t *g = mq_strmap_get(&bk->groups, name);
    if (!g && create) {
        g = mq_xcalloc(1, sizeof(*g));
        g->name = mq_str_dup(name);
        mq_strmap_put(&bk->groups, name, g);
    }
    return g;
}

void
bk_handle_heartbeat(bk_t *bk, mq_req_t *req)
{
    mq_heartbeat_t *hb = &req->u.heartbeat;
    int64_t now = mq_now_ms();

    for (int i = 0; i < hb->n_consumer_groups; i++) {
        mq_consumer_group_t *cg = &hb->consumer_groups[i];
        bk_group_t *g;
        bk_client_t *c = NULL;
        char retry[300];
        int changed = 0;
        if (cg->group.n == 0 || cg->group.n > 200)
            continue;
        g = bk_group_get(bk, cg->group, 1);
        for (int k = 0; k < g->n_clients && !c; k++)
            if (mq_str_eq_cstr(hb->client_id, g->clients[k].client_id))
                c = &g->clients[k];
        if (!c) {
            if (g->n_clients == g->cap) {
                g->cap = g->cap ? g->cap * 2 : 4;
                g->clients = mq_xrealloc(g->clients, (size_t)g->cap * sizeof(*g->clients));
            }
            c = &g->clients[g->n_clients++];
            memset(c, 0, sizeof(*c));
            c->client_id = mq_str_dup(hb->client_id);
            MQ_LOG_INFO("broker", "consumer %s joined group %s", c->client_id, g->name);
            changed = 1;
        }
        changed |= c->session != req->session || bk_client_subs_differ(c, cg);
        c->session = req->session;
        c->notify = req->notify;
        c->last_seen_ms = now;
        snprintf(c->client_addr, sizeof(c->client_addr), "%.*s", (int)hb->client_addr.n,
                 hb->client_addr.p ? hb->client_addr.p : "");
        snprintf(c->language, sizeof(c->language), "%.*s", (int)hb->language.n,
                 hb->language.p ? hb->language.p : "");
        c->version = hb->version;
        g->push = cg->push;
        g->broadcasting = cg->broadcasting;
        snprintf(g->consume_from, sizeof(g->consume_from), "%.*s", (int)cg->consume_from.n,
                 cg->consume_from.p ? cg->consume_from.p : "");
        bk_client_clear_subs(c);
        if (cg->n_subs > 0) {
            c->sub_topics = mq_xcalloc((size_t)cg->n_subs, sizeof(char *));
            c->sub_exprs = mq_xcalloc((size_t)cg->n_subs, sizeof(char *));
            c->sub_types = mq_xcalloc((size_t)cg->n_subs, sizeof(char *));
            c->sub_versions = mq_xcalloc((size_t)cg->n_subs, sizeof(int64_t));
            for (int s = 0; s < cg->n_subs; s++) {
                c->sub_topics[s] = mq_str_dup(cg->subs[s].topic);
                c->sub_exprs[s] = mq_str_dup(cg->subs[s].expression);
                c->sub_types[s] = mq_str_dup(cg->subs[s].expression_type);
                c->sub_versions[s] = cg->subs[s].version;
            }
            c->n_subs = cg->n_subs;
        }
        if (!cg->broadcasting) {
            snprintf(retry, sizeof(retry), "%%RETRY%%%s", g->name);
            bk_topic_ensure(bk, retry, 1, STORE_PERM_READ | STORE_PERM_WRITE);
        }
        if (changed)
            bk_group_notify(g);
    }
    bk_reply(req, MQ_OK, NULL);
}

void
bk_handle_unregister(bk_t *bk, mq_req_t *req)
{
    mq_client_unregister_t *u = &req->u.client_unregister;
    bk_group_t *g = u->consumer_group.n ? bk_group_get(bk, u->consumer_group, 0) : NULL;
    bk_locks_client_left(bk, u->consumer_group, u->client_id); /* its queues are free at once */
    for (int i = 0; g && i < g->n_clients; i++) {
        if (mq_str_eq_cstr(u->client_id, g->clients[i].client_id)) {
            MQ_LOG_INFO("broker", "consumer %s left group %s", g->clients[i].client_id, g->name);
            bk_group_remove_at(g, i);
            bk_group_notify(g);
            break;
        }
    }
    bk_reply(req, MQ_OK, NULL);
}

void
bk_handle_members(bk_t *bk, mq_req_t *req)
{
    bk_group_t *g = bk_group_get(bk, req->u.group, 0);
    mq_rep_t rep;
    memset(&rep, 0, sizeof(rep));
    if (!g || g->n_clients == 0) {
        bk_reply(req, MQ_ENOENT, "no consumer in this group");
        return;
    }
    rep.u.list.items = mq_palloc(req->pool, (size_t)g->n_clients * sizeof(mq_str_t));
    for (int i = 0; i < g->n_clients; i++)
        rep.u.list.items[i] =
            (mq_str_t){mq_pstrdup(req->pool, mq_str_from_cstr(g->clients[i].client_id)),
                       strlen(g->clients[i].client_id)};
    rep.u.list.n = g->n_clients;
    req->reply(req, MQ_OK, &rep);
}

/* Removes clients matching (session == s) or (last_seen < cutoff). */
static void
bk_clients_remove(bk_t *bk, void *s, int64_t cutoff, const char *why)
{
    size_t it = 0;
    mq_str_t k;
    void *v;
    while (mq_strmap_next(&bk->groups, &it, &k, &v)) {
        bk_group_t *g = v;
        int removed = 0;
        for (int i = 0; i < g->n_clients;) {
            bk_client_t *c = &g->clients[i];
            if ((s && c->session == s) || (!s && c->last_seen_ms < cutoff)) {
                MQ_LOG_INFO("broker", "consumer %s left group %s (%s)", c->client_id, g->name, why);
                bk_group_remove_at(g, i);
                removed = 1;
            } else {
                i++;
            }
        }
        if (removed)
            bk_group_notify(g);
    }
}

void
bk_clients_session_closed(bk_t *bk, void *session)
{
    bk_clients_remove(bk, session, 0, "connection closed");
}

void
bk_clients_expire(bk_t *bk, int64_t now_ms)
{
    bk_clients_remove(bk, NULL, now_ms - BK_CLIENT_TIMEOUT_MS, "no heartbeat for 120 s");
}

const char *
bk_clients_subscription(bk_t *bk, mq_str_t group, mq_str_t topic)
{
    bk_group_t *g = bk_group_get(bk, group, 0);
    for (int i = 0; g && i < g->n_clients; i++)
        for (int s = 0; s < g->clients[i].n_subs; s++)
            if (mq_str_eq_cstr(topic, g->clients[i].sub_topics[s]))
                return g->clients[i].sub_exprs[s];
    return NULL;
}

const char *
bk_clients_subscription_type(bk_t *bk, mq_str_t group, mq_str_t topic)
{
    bk_group_t *g = bk_group_get(bk, group, 0);
    for (int i = 0; g && i < g->n_clients; i++)
        for (int s = 0; s < g->clients[i].n_subs; s++)
            if (mq_str_eq_cstr(topic, g->clients[i].sub_topics[s]))
                return g->clients[i].sub_types[s];
    return NULL;
}

int
bk_clients_connections(bk_t *bk, mq_str_t group, mq_pool_t *pool, mq_group_connections_t *out)
{
    bk_group_t *g = bk_group_get(bk, group, 0);
    int cap = 0;

    memset(out, 0, sizeof(*out));
    if (!g || g->n_clients == 0)
        return MQ_ENOENT;
    for (int i = 0; i < g->n_clients; i++)
        cap += g->clients[i].n_subs;
    out->conns = mq_pcalloc(pool, (size_t)g->n_clients * sizeof(*out->conns));
    out->subs = mq_pcalloc(pool, (size_t)(cap ? cap : 1) * sizeof(*out->subs));
    for (int i = 0; i < g->n_clients; i++) {
        const bk_client_t *c = &g->clients[i];
        mq_connection_t *cn = &out->conns[out->n_conns++];
        cn->client_id = bk_pstr(pool, c->client_id);
        cn->client_addr = bk_pstr(pool, c->client_addr);
        cn->language = bk_pstr(pool, c->language);
        cn->version = c->version;
        for (int s = 0; s < c->n_subs; s++) { /* one entry per topic, as Java's table */
            int dup = 0;
            for (int k = 0; k < out->n_subs && !dup; k++)
                dup = mq_str_eq_cstr(out->subs[k].topic, c->sub_topics[s]);
            if (dup)
                continue;
            out->subs[out->n_subs].topic = bk_pstr(pool, c->sub_topics[s]);
            out->subs[out->n_subs].expression = bk_pstr(pool, c->sub_exprs[s]);
            out->subs[out->n_subs].expression_type = bk_pstr(pool, c->sub_types[s]);
            out->subs[out->n_subs].version = c->sub_versions[s];
            out->n_subs++;
        }
    }
    out->push = g->push;
    out->broadcasting = g->broadcasting;
    out->consume_from = bk_pstr(pool, g->consume_from);
    return MQ_OK;
}

static void
bk_group_free(void *p)
{
    bk_group_t *g = p;
    while (g->n_clients > 0)
        bk_group_remove_at(g, g->n_clients - 1);
    free(g->clients);
    free(g->name);
    free(g);
}

void
bk_clients_fini(bk_t *bk)
{
    mq_strmap_fini(&bk->groups, bk_group_free);
}

int
bk_clients_notify_reset(bk_t *bk, mq_str_t group, mq_str_t topic, int64_t timestamp, int force,
                        const mq_queue_stats_t *offsets)
{
    bk_group_t *g = bk_group_get(bk, group, 0);
    mq_notice_t n;

    if (!g)
        return 0;
    memset(&n, 0, sizeof(n));
    n.kind = MQ_NOTICE_RESET_OFFSET;
    n.group = group;
    n.topic = topic;
    n.timestamp = timestamp;
    n.force = force;
    n.reset = offsets;
    return bk_group_send(g, &n);
}
