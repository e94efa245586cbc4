/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_coord_offsets.c -- committed offsets as coordinated (Kafka) consumers see them:
 * COORD_OFFSET_COMMIT (OffsetCommit: the committer is checked against the group once, then
 * each partition is committed) and COORD_OFFSET_FETCH (OffsetFetch: given partitions, or all
 * the group committed). The offsets themselves live in the broker's offset table
 * (consumerOffset.json), shared with the RocketMQ consumer group of the same name; Kafka's
 * extras, committed leader epoch and metadata string, are kept here per group/topic/queue
 * with the offset they came with, persisted with the groups (bk_coord_store.c), and returned
 * only while that offset is still the committed one (a RocketMQ commit in between voids them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_coord.h"
#include "bk_int.h"

#define BK_COORD_META_MAX 4096 /* Kafka's offset.metadata.max.bytes */

static size_t
bk_coord_meta_key(char *key, size_t cap, mq_str_t group, mq_str_t topic, int32_t qid)
{
    int n = snprintf(key, cap, "%.*s\001%.*s\001%d", (int)group.n, group.p ? group.p : "",
                     (int)topic.n, topic.p ? topic.p : "", qid);
    return n < 0 ? 0 : MQ_MIN((size_t)n, cap - 1);
}

static void
bk_coord_meta_free(void *v)
{
    bk_coffmeta_t *m = v;
    if (!m)
        return;
    free(m->metadata);
    free(m);
}

/* Remembers (or forgets, when there is nothing to keep) epoch and metadata of a commit. */
static void
bk_coord_meta_set(bk_coord_t *co, mq_str_t group, const mq_coord_offset_t *it)
{
    char key[1024];
    size_t n = bk_coord_meta_key(key, sizeof(key), group, it->topic, it->queue_id);
    bk_coffmeta_t *m;

    if (it->metadata.n == 0 && it->leader_epoch < 0) {
        m = mq_strmap_remove(&co->offset_meta, (mq_str_t){key, n});
        if (m) {
            bk_coord_meta_free(m);
            co->meta_dirty = 1;
        }
        return;
    }
    m = mq_strmap_get(&co->offset_meta, (mq_str_t){key, n});
    if (!m) {
        m = mq_xcalloc(1, sizeof(*m));
        mq_strmap_put(&co->offset_meta, (mq_str_t){key, n}, m);
    }
    free(m->metadata);
    m->metadata = mq_str_dup(it->metadata);
    m->leader_epoch = it->leader_epoch < 0 ? -1 : it->leader_epoch;
    m->offset = it->offset;
    co->meta_dirty = 1;
}

void
bk_coord_handle_offset_commit(bk_t *bk, mq_req_t *req)
{
    const mq_coord_offsets_t *o = &req->u.coord_offsets;
    int n = o->n_items > 0 && o->items ? o->n_items : 0;
    char *group = mq_pstrdup(req->pool, o->group_id);
    int32_t err = bk_coord_commit_validate(bk, o->group_id, o->generation, o->member_id,
                                           o->group_instance_id);
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    rep.detail = err;
    rep.u.coord_offsets.items = mq_pcalloc(req->pool, (size_t)(n + 1) * sizeof(mq_coord_offset_t));
    rep.u.coord_offsets.n = n;
    for (int i = 0; i < n; i++) {
        const mq_coord_offset_t *it = &o->items[i];
        mq_coord_offset_t *out = &rep.u.coord_offsets.items[i];
        store_topic_config_t tc;

        *out = *it;
        out->error = err;
        if (err != MQ_COORD_NONE)
            continue;
        if (it->metadata.n > BK_COORD_META_MAX) {
            out->error = MQ_COORD_OFFSET_METADATA_TOO_LARGE;
            continue;
        }
        if (bk_topic_get(bk, it->topic, &tc) != MQ_OK || it->queue_id < 0 ||
            it->queue_id >= MQ_MAX(tc.read_queues, tc.write_queues)) {
            out->error = MQ_COORD_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        store_offsets_commit(bk->offsets, group, mq_pstrdup(req->pool, it->topic), it->queue_id,
                             it->offset);
        bk_coord_meta_set(bk->coord, o->group_id, it);
    }
    req->reply(req, bk_coord_status(err), &rep);
}

/* Fills one FETCH item: the committed offset, and epoch/metadata if they belong to it. */
static void
bk_coord_fetch_one(bk_t *bk, mq_str_t group, const char *cgroup, mq_pool_t *pool,
                   mq_coord_offset_t *out)
{
    char key[1024];
    size_t n = bk_coord_meta_key(key, sizeof(key), group, out->topic, out->queue_id);
    bk_coffmeta_t *m;

    out->offset =
        store_offsets_query(bk->offsets, cgroup, mq_pstrdup(pool, out->topic), out->queue_id);
    out->leader_epoch = -1;
    out->metadata = MQ_STR("");
    out->error = MQ_COORD_NONE;
    m = mq_strmap_get(&bk->coord->offset_meta, (mq_str_t){key, n});
    if (m && out->offset >= 0 && m->offset == out->offset) {
        out->leader_epoch = m->leader_epoch;
        out->metadata =
            (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(m->metadata)), strlen(m->metadata)};
    }
}

typedef struct bk_coord_fetch_all_s {
    const char *group;      /* whose offsets */
    mq_pool_t *pool;        /* of the request */
    mq_coord_offset_t *out; /* grown by doubling */
    int n, cap;
} bk_coord_fetch_all_t;

static void
bk_coord_fetch_all_cb(void *arg, const char *group, const char *topic, int32_t qid, int64_t offset)
{
    bk_coord_fetch_all_t *f = arg;
    (void)offset;
    if (strcmp(group, f->group) != 0)
        return;
    if (f->n == f->cap) {
        int cap = f->cap ? 2 * f->cap : 16;
        mq_coord_offset_t *grown = mq_pcalloc(f->pool, (size_t)cap * sizeof(*grown));
        if (f->n)
            memcpy(grown, f->out, (size_t)f->n * sizeof(*grown));
        f->out = grown;
        f->cap = cap;
    }
    f->out[f->n].topic = (mq_str_t){mq_pstrdup(f->pool, mq_str_from_cstr(topic)), strlen(topic)};
    f->out[f->n].queue_id = qid;
    f->n++;
}

void
bk_coord_handle_offset_fetch(bk_t *bk, mq_req_t *req)
{
    const mq_coord_offsets_t *o = &req->u.coord_offsets;
    char *group = mq_pstrdup(req->pool, o->group_id);
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    if (o->n_items < 0) { /* every partition the group committed */
        bk_coord_fetch_all_t f = {group, req->pool, NULL, 0, 0};
        store_offsets_foreach(bk->offsets, bk_coord_fetch_all_cb, &f);
        rep.u.coord_offsets.items = f.out;
        rep.u.coord_offsets.n = f.n;
    } else {
        int n = o->items ? o->n_items : 0;
        rep.u.coord_offsets.items =
            mq_pcalloc(req->pool, (size_t)(n + 1) * sizeof(mq_coord_offset_t));
        rep.u.coord_offsets.n = n;
        for (int i = 0; i < n; i++) {
            rep.u.coord_offsets.items[i].topic = o->items[i].topic;
            rep.u.coord_offsets.items[i].queue_id = o->items[i].queue_id;
        }
    }
    for (int i = 0; i < rep.u.coord_offsets.n; i++)
        bk_coord_fetch_one(bk, o->group_id, group, req->pool, &rep.u.coord_offsets.items[i]);
    req->reply(req, MQ_OK, &rep);
}

void
bk_coord_offsets_forget(bk_coord_t *co, mq_str_t group)
{
    size_t it = 0, n = 0;
    mq_str_t k, *keys;
    void *v;

    if (co->offset_meta.count == 0 || group.n == 0)
        return;
    keys = mq_xcalloc(co->offset_meta.count, sizeof(*keys));
    while (mq_strmap_next(&co->offset_meta, &it, &k, &v))
        if (k.n > group.n && k.p[group.n] == '\001' && memcmp(k.p, group.p, group.n) == 0)
            keys[n++] = (mq_str_t){mq_str_dup(k), k.n};
    for (size_t i = 0; i < n; i++) {
        bk_coord_meta_free(mq_strmap_remove(&co->offset_meta, keys[i]));
        free((char *)keys[i].p);
        co->meta_dirty = 1;
    }
    free(keys);
}

void
bk_coord_offsets_fini(bk_coord_t *co)
{
    mq_strmap_fini(&co->offset_meta, bk_coord_meta_free);
}
