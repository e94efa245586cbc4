/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_broker.c -- the broker service's lifecycle and dispatch: opens the store and the
 * metadata tables, creates RocketMQ's system topics, routes each operation to its handler,
 * persists consumer offsets every 5 s (and samples the admin counters), and describes itself
 * for NameServer registration. Admin operations live in bk_admin_topic.c, bk_admin_stats.c and
 * bk_query.c; the group coordinator (COORD_* ops, Kafka consumer groups) in bk_coord*.c.
 * Topic lookup and auto-creation (from the TBW102 template) live here too.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bk_int.h"
#include "bk_txn.h"
#include "mq/log.h"

#define BK_TBW102 "TBW102"

void
bk_reply(mq_req_t *req, int status, const char *text)
{
    mq_rep_t rep;
    memset(&rep, 0, sizeof(rep));
    rep.text = text;
    req->reply(req, status, &rep);
}

/* ---- Topics ---- */

void
bk_topics_changed(bk_t *bk)
{
    store_topics_persist(bk->topics);
    if (bk->topics_changed)
        bk->topics_changed(bk->topics_changed_arg);
}

int
bk_topic_get(bk_t *bk, mq_str_t topic, store_topic_config_t *tc)
{
    char name[256];
    if (topic.n == 0 || topic.n >= sizeof(name))
        return MQ_ENOENT;
    memcpy(name, topic.p, topic.n);
    name[topic.n] = '\0';
    return store_topics_get(bk->topics, name, tc);
}

void
bk_topic_ensure(bk_t *bk, const char *name, int32_t queues, int32_t perm)
{
    store_topic_config_t tc;
    if (store_topics_get(bk->topics, name, &tc) == MQ_OK)
        return;
    store_topic_config_init(&tc, name, queues);
    tc.perm = perm;
    store_topics_put(bk->topics, &tc);
    MQ_LOG_INFO("broker", "created topic %s (%d queue(s), perm %d)", name, queues, perm);
    bk_topics_changed(bk);
}

int
bk_topic_auto_create(bk_t *bk, mq_str_t topic, mq_str_t tmpl, int32_t queues,
                     store_topic_config_t *tc)
{
    store_topic_config_t t;
    char name[256];

    if (!bk->cfg.auto_create_topic || topic.n == 0 || topic.n > 255)
        return MQ_ENOENT;
    for (size_t i = 0; i < topic.n; i++) { /* RocketMQ's TopicValidator: [%|a-zA-Z0-9_-] */
        char ch = topic.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '%' || ch == '|'))
            return MQ_EINVAL;
    }
    if (bk_topic_get(bk, tmpl.n ? tmpl : MQ_STR(BK_TBW102), &t) != MQ_OK ||
        !(t.perm & STORE_PERM_INHERIT))
        return MQ_ENOENT;
    memcpy(name, topic.p, topic.n);
    name[topic.n] = '\0';
    if (queues <= 0 || queues > t.write_queues)
        queues = t.write_queues;
    store_topic_config_init(tc, name, queues);
    tc->perm = t.perm & ~STORE_PERM_INHERIT;
    store_topics_put(bk->topics, tc);
    MQ_LOG_INFO("broker", "auto-created topic %s from %.*s (%d queues)", name,
                (int)(tmpl.n ? tmpl.n : 6), tmpl.n ? tmpl.p : BK_TBW102, queues);
    bk_topics_changed(bk);
    return MQ_OK;
}

static void
bk_system_topics(bk_t *bk)
{
    int rw = STORE_PERM_READ | STORE_PERM_WRITE;
    bk_topic_ensure(bk, "SELF_TEST_TOPIC", 1, rw);
    if (bk->cfg.auto_create_topic)
        bk_topic_ensure(bk, BK_TBW102, bk->cfg.default_topic_queues, rw | STORE_PERM_INHERIT);
    bk_topic_ensure(bk, "BenchmarkTest", 1024, rw);
    bk_topic_ensure(bk, bk->cfg.cluster, 16, rw);
    bk_topic_ensure(bk, bk->cfg.name, 1, rw);
    bk_topic_ensure(bk, "OFFSET_MOVED_EVENT", 1, rw);
    bk_topic_ensure(bk, "SCHEDULE_TOPIC_XXXX", 18, rw);
    bk_topic_ensure(bk, "RMQ_SYS_TRANS_HALF_TOPIC", 1, rw);
    bk_topic_ensure(bk, "RMQ_SYS_TRANS_OP_HALF_TOPIC", 1, rw);
}

/* ---- Dispatch ---- */

static void
bk_handle(mq_service_t *svc, mq_req_t *req)
{
    bk_t *bk = svc->ctx;
    if (bk->closing) {
        bk_reply(req, MQ_ECLOSED, "the broker is shutting down");
        return;
    }
    switch (req->op) {
    case MQ_OP_PRODUCE:
        bk_handle_produce(bk, req);
        break;
    case MQ_OP_PULL:
        bk_handle_pull(bk, req);
        break;
    case MQ_OP_GET_QUEUE_OFFSET:
        bk_handle_queue_offset(bk, req);
        break;
    case MQ_OP_QUERY_GROUP_OFFSET:
    case MQ_OP_COMMIT_GROUP_OFFSET:
        if (req->op == MQ_OP_COMMIT_GROUP_OFFSET && bk_coord_commit_check(bk, req))
            break; /* a coordinated member the coordinator refused (it replied) */
        bk_handle_group_offset(bk, req);
        break;
    case MQ_OP_COORD_JOIN:
    case MQ_OP_COORD_SYNC:
    case MQ_OP_COORD_HEARTBEAT:
    case MQ_OP_COORD_LEAVE:
    case MQ_OP_COORD_LIST:
    case MQ_OP_COORD_DESCRIBE:
    case MQ_OP_COORD_DELETE:
    case MQ_OP_COORD_OFFSET_COMMIT:
    case MQ_OP_COORD_OFFSET_FETCH:
        bk_handle_coord(bk, req);
        break;
    case MQ_OP_CLIENT_HEARTBEAT:
        bk_txn_heartbeat(bk, req); /* producer groups (bk_txn_check.c) */
        bk_handle_heartbeat(bk, req);
        break;
    case MQ_OP_CLIENT_UNREGISTER:
        bk_txn_unregister(bk, req);
        bk_handle_unregister(bk, req);
        break;
    case MQ_OP_CHECK_CLIENT_CONFIG:
        bk_filter_check_client(bk, req);
        break;
    case MQ_OP_END_TRANSACTION:
        bk_handle_end_txn(bk, req);
        break;
    case MQ_OP_GET_GROUP_MEMBERS:
        bk_handle_members(bk, req);
        break;
    case MQ_OP_SEND_BACK:
        bk_handle_send_back(bk, req); /* bk_retry.c */
        break;
    case MQ_OP_QUEUE_LOCK:
    case MQ_OP_QUEUE_UNLOCK:
        bk_handle_lock(bk, req);
        break;
    case MQ_OP_TOPIC_UPSERT:
    case MQ_OP_TOPIC_DELETE:
    case MQ_OP_TOPIC_CONFIG_LIST:
    case MQ_OP_TOPIC_CONFIG_GET:
    case MQ_OP_GROUP_UPSERT:
    case MQ_OP_GROUP_CONFIG_LIST:
    case MQ_OP_GROUP_DELETE:
        bk_handle_admin_topic(bk, req);
        break;
    case MQ_OP_RUNTIME_INFO:
    case MQ_OP_CONSUME_STATS:
    case MQ_OP_TOPIC_STATS:
    case MQ_OP_GROUP_CONNECTIONS:
    case MQ_OP_BROKER_CONFIG_GET:
    case MQ_OP_BROKER_CONFIG_UPDATE:
    case MQ_OP_RESET_GROUP_OFFSET:
        bk_handle_admin_stats(bk, req);
        break;
    case MQ_OP_VIEW_MESSAGE:
    case MQ_OP_QUERY_MESSAGE:
        bk_handle_query(bk, req);
        break;
    default:
        bk_reply(req, MQ_DECLINED, "operation not served by the broker");
        break;
    }
}

static void
bk_session_closed(mq_service_t *svc, void *session)
{
    bk_locks_session_closed(svc->ctx, session); /* before the group hears the client left */
    bk_clients_session_closed(svc->ctx, session);
    bk_txn_session_closed(svc->ctx, session);
}

static void
bk_before_wait(void *arg)
{
    bk_t *bk = arg;
    store_kick_deferred(bk->store);
}

static void
bk_tick(void *arg)
{
    bk_t *bk = arg;
    if (bk->closed)
        return;
    store_offsets_persist(bk->offsets);
    bk_clients_expire(bk, mq_now_ms());
    bk_txn_expire(bk, mq_now_ms());
    bk_idem_expire(bk, mq_now_ms());
    bk_idem_persist(bk);
    bk_stats_tick(bk, mq_now_ms());
}

int
bk_open(const bk_config_t *cfg, mq_exec_t *exec, bk_t **out)
{
    bk_t *bk = mq_xcalloc(1, sizeof(*bk));
    struct in_addr ip;
    int rc;

    *out = NULL;
    bk->cfg = *cfg;
    bk->exec = exec;
    if (inet_pton(AF_INET, cfg->ip1, &ip) == 1) {
        memcpy(bk->cfg.store.store_host.addr, &ip, 4);
        bk->cfg.store.store_host.v6 = 0;
    }
    bk->cfg.store.store_host.port = cfg->listen_port;
    rc = store_open(&bk->cfg.store, &bk->store);
    if (rc != MQ_OK)
        goto err;
    if (store_topics_load(bk->cfg.store.root_dir, &bk->topics) != MQ_OK ||
        store_offsets_load(bk->cfg.store.root_dir, &bk->offsets) != MQ_OK ||
        store_groups_load(bk->cfg.store.root_dir, &bk->groups_cfg) != MQ_OK) {
        MQ_LOG_ERROR("broker", "cannot load the config tables under %s/config",
                     bk->cfg.store.root_dir);
        rc = MQ_ECORRUPT;
        goto err;
    }
    mq_uniq_gen_init(&bk->uniq, bk->cfg.store.store_host.addr, (uint16_t)getpid(),
                     (uint32_t)mq_now_ms());
    mq_strmap_init(&bk->groups);
    mq_strmap_init(&bk->idem);
    bk_idem_load(bk);
    if (bk_coord_open(bk) != MQ_OK) {
        MQ_LOG_ERROR("broker", "cannot load the group coordinator's groups under %s/config",
                     bk->cfg.store.root_dir);
        rc = MQ_ECORRUPT;
        goto err;
    }
    bk_pull_init(bk);
    bk->svc.name = "broker";
    bk->svc.handle = bk_handle;
    bk->svc.session_closed = bk_session_closed;
    bk->svc.ctx = bk;
    bk_system_topics(bk);
    bk_txn_open(bk); /* replays the op queue, starts the check-back timer */
    bk_stats_init(bk);
    rc = bk_delay_open(bk); /* the delay levels' and timer's delivery thread */
    if (rc != MQ_OK)
        goto err;
    exec->every(exec, 5.0, bk_tick, bk);
    if (exec->before_wait) { /* one dispatcher wake-up per loop iteration, not per put */
        store_defer_kicks(bk->store);
        exec->before_wait(exec, bk_before_wait, bk);
    }
    *out = bk;
    return MQ_OK;
err:
    bk_coord_free(bk);
    bk_idem_fini(bk);
    mq_strmap_fini(&bk->groups, NULL);
    store_topics_free(bk->topics);
    store_offsets_free(bk->offsets);
    store_groups_free(bk->groups_cfg);
    if (bk->store)
        store_close(bk->store);
    free(bk);
    return rc;
}

void
bk_close(bk_t *bk)
{
    if (!bk)
        return;
    bk->closing = 1;
    bk_pull_fini(bk);
    bk_delay_close(bk); /* the delivery thread stopped, its progress persisted */
    bk_coord_close(bk); /* parked joins and syncs answered, groups persisted */
    bk_txn_close(bk);   /* the check-back progress, persisted with the offsets */
    store_offsets_persist(bk->offsets);
    store_topics_persist(bk->topics);
    store_groups_persist(bk->groups_cfg);
    bk_idem_persist(bk);
    store_kick_deferred(bk->store);
    store_defer_kicks(NULL);
    store_close(bk->store); /* pending sync puts complete (posted to the loop) */
    bk->store = NULL;
    bk->closed = 1;
}

void
bk_free(bk_t *bk)
{
    if (!bk)
        return;
    if (!bk->closed)
        bk_close(bk);
    bk_clients_fini(bk);
    bk_txn_free(bk);
    bk_locks_fini(bk);
    bk_delay_free(bk);
    bk_stats_group_fini(bk);
    bk_filter_fini(bk);
    bk_coord_free(bk);
    bk_idem_fini(bk);
    mq_strmap_fini(&bk->holds, NULL);
    mq_strmap_fini(&bk->dirty, NULL);
    pthread_mutex_destroy(&bk->dirty_mu);
    store_topics_free(bk->topics);
    store_offsets_free(bk->offsets);
    store_groups_free(bk->groups_cfg);
    free(bk);
}

mq_service_t *
bk_service(bk_t *bk)
{
    return &bk->svc;
}

store_t *
bk_store(bk_t *bk)
{
    return bk->store;
}

void
bk_on_topics_changed(bk_t *bk, void (*fn)(void *arg), void *arg)
{
    bk->topics_changed = fn;
    bk->topics_changed_arg = arg;
}

typedef struct bk_reg_ctx_s {
    mq_pool_t *pool;
    mq_register_broker_t *rb;
    int cap;
} bk_reg_ctx_t;

static void
bk_reg_topic(void *arg, const store_topic_config_t *tc)
{
    bk_reg_ctx_t *c = arg;
    mq_topic_conf_t *t;
    if (c->rb->n_topics == c->cap)
        return;
    t = &c->rb->topics[c->rb->n_topics++];
    t->name = (mq_str_t){mq_pstrdup(c->pool, mq_str_from_cstr(tc->name)), strlen(tc->name)};
    t->read_queues = tc->read_queues;
    t->write_queues = tc->write_queues;
    t->perm = tc->perm;
    t->topic_sys_flag = tc->topic_sys_flag;
    t->order = tc->order;
}

void
bk_registration(bk_t *bk, mq_pool_t *pool, mq_register_broker_t *rb)
{
    char addr[128];
    store_data_version_t dv;
    bk_reg_ctx_t c;

    memset(rb, 0, sizeof(*rb));
    snprintf(addr, sizeof(addr), "%s:%d", bk->cfg.ip1, bk->cfg.listen_port);
    rb->cluster =
        (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(bk->cfg.cluster)), strlen(bk->cfg.cluster)};
    rb->broker_name =
        (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(bk->cfg.name)), strlen(bk->cfg.name)};
    rb->broker_addr = (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(addr)), strlen(addr)};
    snprintf(addr, sizeof(addr), "%s:%d", bk->cfg.ip1, bk->cfg.listen_port + 1);
    rb->ha_addr = (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(addr)), strlen(addr)};
    rb->broker_id = bk->cfg.id;
    rb->heartbeat_timeout = 120000;
    rb->kafka_node_id = -1;
    if (bk->cfg.kafka_advertised[0]) {
        rb->kafka_listener =
            (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(bk->cfg.kafka_advertised)),
                       strlen(bk->cfg.kafka_advertised)};
        rb->kafka_node_id = bk->cfg.kafka_node_id;
    }
    store_topics_version(bk->topics, &dv);
    rb->version.counter = dv.counter;
    rb->version.state_version = dv.state_version;
    rb->version.timestamp = dv.timestamp;
    c.pool = pool;
    c.rb = rb;
    c.cap = store_topics_count(bk->topics) + 16;
    rb->topics = mq_palloc(pool, (size_t)c.cap * sizeof(*rb->topics));
    store_topics_foreach(bk->topics, bk_reg_topic, &c);
}
