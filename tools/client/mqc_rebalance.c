/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_rebalance.c -- which queues a push consumer owns, and from which offset it consumes them.
 *
 * Clustering: every member sorts the topic's readable queues (MessageQueue order: topic,
 * broker name, queue id) and the group's client ids (GET_CONSUMER_LIST_BY_GROUP), and takes
 * its share by AllocateMessageQueueAveragely, so the members agree without talking to each
 * other. A new queue starts at the group's committed offset (QUERY_CONSUMER_OFFSET, sent without
 * setZeroIfNotFound as the Java client does, so a young queue still holding its first message
 * answers 0); when there is none (QUERY_NOT_FOUND) at the CONSUME_FROM_* rule: last ->
 * GET_MAX_OFFSET, first -> 0, timestamp -> SEARCH_OFFSET_BY_TIMESTAMP. A dropped queue's offset is
 * committed (UPDATE_CONSUMER_OFFSET) once no listener is inside it, so the next owner resumes
 * exactly.
 *
 * Orderly consumers lock a queue on its broker before taking it and unlock it after the commit
 * of a dropped one (mqc_orderly.c).
 *
 * Broadcasting: every member owns every queue; offsets live in a local JSON file,
 * <offset_store_dir>/<client id or DEFAULT>/<group>/offsets.json, {"offsetTable":{"topic@broker@
 * queueId":offset}}, written every persist interval and at shutdown.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mqc_push_int.h"

#define MQC_RB_TIMEOUT_MS 3000
#define MQC_MAX_CIDS 4096

/* ---- Pure pieces ---- */

int
mqc_mq_cmp(const void *a, const void *b)
{
    const mqc_mq_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (!c)
        c = strcmp(x->broker_name, y->broker_name);
    return c ? c : (x->queue_id > y->queue_id) - (x->queue_id < y->queue_id);
}

int
mqc_allocate_averagely(int n_all, int n_cids, int me, int *out_idx)
{
    int mod, avg, start, range;
    if (n_all <= 0 || n_cids <= 0 || me < 0 || me >= n_cids)
        return 0;
    mod = n_all % n_cids;
    if (n_all <= n_cids)
        avg = 1;
    else
        avg = (mod > 0 && me < mod) ? n_all / n_cids + 1 : n_all / n_cids;
    start = (mod > 0 && me < mod) ? me * avg : me * avg + mod;
    range = MQ_MIN(avg, n_all - start);
    for (int i = 0; i < range; i++)
        out_idx[i] = (start + i) % n_all;
    return range > 0 ? range : 0;
}

static int
mqc_str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void
mqc_pq_free(mqc_pq_t *pq)
{
    mq_pool_fini(&pq->req_pool);
    mq_buf_fini(&pq->resp_body);
    free(pq);
}

/* ---- Broker calls ---- */

/* A call to mq's broker (mqc_queue_call), with the group for the offset codes. */
static int
mqc_rb_query(mqc_push_t *c, const mqc_mq_t *mq, int code, const char *extra_key, int64_t extra_val,
             const char *field, int64_t *out)
{
    mqc_conn_t *conn = mqc_push_conn(c, mq->broker_name);
    int with_group = code == RMQ_QUERY_CONSUMER_OFFSET || code == RMQ_UPDATE_CONSUMER_OFFSET;
    if (!conn)
        return MQ_EIO;
    return mqc_queue_call(conn, mq, code, with_group ? c->group : NULL, extra_key, extra_val, field,
                          out);
}

static void
mqc_offset_key(const mqc_mq_t *mq, char *key, size_t n)
{
    snprintf(key, n, "%s@%s@%d", mq->topic, mq->broker_name, mq->queue_id);
}

/* The offset a newly assigned queue starts at. MQ_OK or a transport error (retried later). */
static int
mqc_start_offset(mqc_push_t *c, const mqc_mq_t *mq, int64_t *out)
{
    int rc;
    if (c->cfg.model == MQC_BROADCASTING) {
        char key[512];
        void *v;
        mqc_offset_key(mq, key, sizeof(key));
        pthread_mutex_lock(&c->lock);
        v = mq_strmap_get(&c->file_offsets, mq_str_from_cstr(key));
        pthread_mutex_unlock(&c->lock);
        if (v) {
            *out = (int64_t)(intptr_t)v - 1;
            return MQ_OK;
        }
        rc = MQ_ENOENT;
    } else {
        rc = mqc_rb_query(c, mq, RMQ_QUERY_CONSUMER_OFFSET, NULL, 0, "offset", out);
        if (rc == MQ_OK && *out < 0)
            rc = MQ_ENOENT;
    }
    if (rc != MQ_ENOENT)
        return rc;
    switch (c->cfg.from) {
    case MQC_FROM_FIRST_OFFSET:
        *out = 0;
        return MQ_OK;
    case MQC_FROM_TIMESTAMP:
        return mqc_rb_query(c, mq, RMQ_SEARCH_OFFSET_BY_TIMESTAMP, "timestamp",
                            c->cfg.from_timestamp_ms, "offset", out);
    default:
        if (mqc_retry_is(c, mq)) { /* the retry topic from its start, as Java clients do */
            *out = 0;
            return MQ_OK;
        }
        return mqc_rb_query(c, mq, RMQ_GET_MAX_OFFSET, NULL, 0, "offset", out);
    }
}

/* GET_CONSUMER_LIST_BY_GROUP: sorted heap copies of the ids in *cids. Returns the count or an
 * error. */
static int
mqc_group_members(mqc_push_t *c, const char *broker_name, char ***cids)
{
    mq_pool_t pool;
    rmq_cmd_t req, resp;
    mqc_conn_t *conn = mqc_push_conn(c, broker_name);
    json_t *root = NULL, *list;
    int rc, n = 0;
    *cids = NULL;
    if (!conn)
        return MQ_EIO;
    mq_pool_init(&pool, 0);
    rmq_cmd_init(&req, RMQ_GET_CONSUMER_LIST_BY_GROUP, 0, 0);
    rmq_cmd_add(&req, &pool, "consumerGroup", mq_str_from_cstr(c->group));
    rc = mqc_call(conn, &req, MQC_RB_TIMEOUT_MS, &pool, &resp);
    if (rc == MQ_OK && resp.code != RMQ_RC_SUCCESS)
        rc = MQ_ERR;
    if (rc == MQ_OK) {
        root = json_loadb(resp.body.p, resp.body.n, 0, NULL);
        list = json_object_get(root, "consumerIdList");
        if (!json_is_array(list) || json_array_size(list) > MQC_MAX_CIDS) {
            rc = MQ_EPROTO;
        } else {
            size_t i;
            json_t *v;
            *cids = mq_xcalloc(json_array_size(list) + 1, sizeof(**cids));
            json_array_foreach(list, i, v)
            {
                if (json_is_string(v))
                    (*cids)[n++] = mq_xstrdup(json_string_value(v));
            }
            if (n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
                qsort(*cids, (size_t)n, sizeof(**cids), mqc_str_ptr_cmp);
        }
    }
    json_decref(root);
    mq_pool_fini(&pool);
    return rc == MQ_OK ? n : rc;
}

/* ---- Offsets ---- */

static int
mqc_mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            *p = '/';
            return MQ_EIO;
        }
        *p = '/';
    }
    return MQ_OK;
}

static void
mqc_offsets_path(mqc_push_t *c, char *path, size_t n)
{
    char who[128];
    const char *id = c->cfg.client_id && *c->cfg.client_id ? c->client_id : "DEFAULT";
    size_t i;
    for (i = 0; id[i] && i < sizeof(who) - 1; i++)
        who[i] = id[i] == '/' || (i == 0 && id[i] == '.') ? '_' : id[i];
    who[i] = '\0';
    snprintf(path, n, "%s/%s/%s/offsets.json", c->offset_dir, who, c->group);
}

void
mqc_offsets_load(mqc_push_t *c)
{
    char path[1024];
    json_t *root, *table, *v;
    const char *key;
    mqc_offsets_path(c, path, sizeof(path));
    root = json_load_file(path, 0, NULL);
    table = json_object_get(root, "offsetTable");
    if (json_is_object(table)) {
        json_object_foreach(table, key, v)
        {
            if (json_is_integer(v) && json_integer_value(v) >= 0)
                mq_strmap_put(&c->file_offsets, mq_str_from_cstr(key),
                              (void *)(intptr_t)(json_integer_value(v) + 1));
        }
    }
    json_decref(root);
}

/* Writes the whole offset table (broadcasting); under no lock. */
static void
mqc_offsets_write(mqc_push_t *c)
{
    char path[1024], tmp[1100];
    json_t *root = json_object(), *table = json_object();
    mq_str_t k;
    void *v;
    pthread_mutex_lock(&c->lock);
    for (size_t it = 0; mq_strmap_next(&c->file_offsets, &it, &k, &v);) {
        char key[512];
        snprintf(key, sizeof(key), "%.*s", (int)k.n, k.p);
        json_object_set_new(table, key, json_integer((json_int_t)(intptr_t)v - 1));
    }
    pthread_mutex_unlock(&c->lock);
    json_object_set_new(root, "offsetTable", table);
    mqc_offsets_path(c, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (mqc_mkdirs(path) == MQ_OK && json_dump_file(root, tmp, JSON_COMPACT) == 0)
        (void)rename(tmp, path);
    json_decref(root);
}

/* Commits one queue's offset. MQ_OK or an error. */
static int
mqc_offset_commit(mqc_push_t *c, const mqc_mq_t *mq, int64_t offset)
{
    if (c->cfg.model == MQC_BROADCASTING) {
        char key[512];
        mqc_offset_key(mq, key, sizeof(key));
        pthread_mutex_lock(&c->lock);
        mq_strmap_put(&c->file_offsets, mq_str_from_cstr(key), (void *)(intptr_t)(offset + 1));
        pthread_mutex_unlock(&c->lock);
        return MQ_OK;
    }
    return mqc_rb_query(c, mq, RMQ_UPDATE_CONSUMER_OFFSET, "commitOffset", offset, NULL, NULL);
}

void
mqc_offsets_persist(mqc_push_t *c, int all)
{
    /* Only the maintenance thread (or shutdown, after it ended) frees pqs, so the pointers
     * collected here stay valid while the lock is dropped. */
    mqc_pq_t **todo;
    int64_t *vals;
    int n = 0, cap = 0;
    pthread_mutex_lock(&c->lock);
    for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next)
        cap++;
    todo = mq_xcalloc((size_t)cap + 1, sizeof(*todo));
    vals = mq_xcalloc((size_t)cap + 1, sizeof(*vals));
    for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next) {
        if (pq->consumed >= 0 && (all || pq->consumed != pq->committed) && (!pq->dropped || all) &&
            pq->reset_to < 0 && !pq->lk.released) {
            todo[n] = pq;
            vals[n++] = pq->consumed;
        }
    }
    pthread_mutex_unlock(&c->lock);
    for (int i = 0; i < n; i++) {
        if (mqc_offset_commit(c, &todo[i]->mq, vals[i]) == MQ_OK) {
            pthread_mutex_lock(&c->lock);
            todo[i]->committed = vals[i];
            pthread_mutex_unlock(&c->lock);
        }
    }
    if (c->cfg.model == MQC_BROADCASTING && (n > 0 || all))
        mqc_offsets_write(c);
    free(todo);
    free(vals);
}

/* ---- Rebalance ---- */

void
mqc_rebalance_run(mqc_push_t *c)
{
    mqc_wq_t *wq = NULL;
    mqc_mq_t *all = NULL, *mine = NULL;
    int *idx = NULL, n_all, n_mine = 0;
    char **cids = NULL;
    int n_cids = 0;

    pthread_mutex_lock(&c->lock);
    c->lock_refused = 0;
    n_all = mqc_route_queues(&c->route, MQC_PERM_READ, 0, &wq);
    pthread_mutex_unlock(&c->lock);
    if (n_all > 0) {
        all = mq_xcalloc((size_t)n_all, sizeof(*all));
        mine = mq_xcalloc((size_t)n_all, sizeof(*mine));
        idx = mq_xcalloc((size_t)n_all, sizeof(*idx));
        for (int i = 0; i < n_all; i++) {
            snprintf(all[i].topic, sizeof(all[i].topic), "%s", c->topic);
            memcpy(all[i].broker_name, wq[i].broker_name, sizeof(all[i].broker_name));
            all[i].queue_id = wq[i].queue_id;
        }
        n_all = mqc_retry_queues(c, &all, n_all); /* and %RETRY%<group>'s (mqc_retry.c) */
        mine = mq_xrealloc(mine, (size_t)n_all * sizeof(*mine));
        idx = mq_xrealloc(idx, (size_t)n_all * sizeof(*idx));
        if (n_all > 1)
            qsort(all, (size_t)n_all, sizeof(*all), mqc_mq_cmp);
    }
    if (c->cfg.model == MQC_BROADCASTING) {
        for (int i = 0; i < n_all; i++)
            mine[n_mine++] = all[i];
    } else if (n_all > 0) {
        int me = -1;
        n_cids = mqc_group_members(c, all[0].broker_name, &cids);
        if (n_cids <= 0)
            goto out; /* keep what we have; try again later */
        for (int i = 0; i < n_cids && me < 0; i++)
            if (strcmp(cids[i], c->client_id) == 0)
                me = i;
        if (me < 0) { /* the broker lost or has not seen our heartbeat (restart?) */
            mqc_push_heartbeat(c);
            goto out; /* the membership change notification brings us back here */
        }
        n_mine = mqc_retry_allocate(all, n_all, n_cids, me, idx); /* per topic, as Java */
        for (int i = 0; i < n_mine; i++)
            mine[i] = all[idx[i]];
    }

    /* drop what is no longer ours: wait for its listener, then commit its offset */
    pthread_mutex_lock(&c->lock);
    for (mqc_pq_t *pq = c->pqs; pq; pq = pq->next) {
        int keep = 0;
        if (pq->dropped)
            continue;
        for (int i = 0; i < n_mine && !keep; i++)
            keep = mqc_mq_cmp(&pq->mq, &mine[i]) == 0;
        if (keep)
            continue;
        pq->dropped = 1;
        while (pq->processing)
            pthread_cond_wait(&c->cond, &c->lock);
        if (pq->consumed >= 0 && pq->consumed != pq->committed) {
            int64_t off = pq->consumed;
            pthread_mutex_unlock(&c->lock);
            if (mqc_offset_commit(c, &pq->mq, off) == MQ_OK) {
                pthread_mutex_lock(&c->lock);
                pq->committed = off;
            } else {
                pthread_mutex_lock(&c->lock);
            }
        }
        if (mqc_orderly_on(c)) { /* the next owner may start: after the commit */
            pthread_mutex_unlock(&c->lock);
            mqc_orderly_release(c, pq);
            pthread_mutex_lock(&c->lock);
        }
    }
    /* free dropped queues nothing refers to any more */
    for (mqc_pq_t **pp = &c->pqs; *pp;) {
        mqc_pq_t *pq = *pp;
        if (pq->dropped && !pq->inflight && !pq->ready && !pq->processing) {
            *pp = pq->next;
            mqc_pq_free(pq);
        } else {
            pp = &pq->next;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (c->cfg.model == MQC_BROADCASTING)
        mqc_offsets_write(c);

    /* take what is newly ours */
    for (int i = 0; i < n_mine; i++) {
        int owned = 0;
        int64_t off;
        mqc_pq_t *pq;
        mqc_qlock_t lk;
        pthread_mutex_lock(&c->lock);
        for (mqc_pq_t *q = c->pqs; q && !owned; q = q->next)
            owned = !q->dropped && mqc_mq_cmp(&q->mq, &mine[i]) == 0;
        pthread_mutex_unlock(&c->lock);
        /* orderly: the lock first, then the offset its previous owner committed */
        if (owned || !mqc_orderly_lock_new(c, &mine[i], &lk) ||
            mqc_start_offset(c, &mine[i], &off) != MQ_OK)
            continue;
        pq = mq_xcalloc(1, sizeof(*pq));
        pq->owner = c;
        pq->mq = mine[i];
        pq->next_offset = off;
        pq->consumed = off;
        pq->committed = c->cfg.model == MQC_CLUSTERING ? -1 : off;
        pq->reset_to = -1;
        pq->lk = lk;
        mq_pool_init(&pq->req_pool, 2048);
        mq_buf_init(&pq->resp_body);
        pthread_mutex_lock(&c->lock);
        if (c->stopping) {
            pthread_mutex_unlock(&c->lock);
            mqc_pq_free(pq);
            break;
        }
        pq->next = c->pqs;
        c->pqs = pq;
        mqc_push_pull_issue(c, pq);
        pthread_mutex_unlock(&c->lock);
    }
out:
    for (int i = 0; i < n_cids; i++)
        free(cids[i]);
    free(cids);
    free(wq);
    free(all);
    free(mine);
    free(idx);
}
