/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_coord_admin.c -- the group coordinator's queries: COORD_LIST (Kafka ListGroups),
 * COORD_DESCRIBE (DescribeGroups) and COORD_DELETE (DeleteGroups). A group the coordinator
 * does not run but that has committed offsets (Kafka commits without membership, a RocketMQ
 * consumer group) or live RocketMQ clients is shown with an empty protocol type, Stable while
 * RocketMQ clients are registered and Empty otherwise (Kafka lists offset-only groups as Empty);
 * DELETE removes its offsets, unless RocketMQ clients are still registered (NON_EMPTY_GROUP).
 * The state machine is bk_coord.c.
 */
#include <string.h>
#include <strings.h>

#include "bk_coord.h"
#include "bk_int.h"
#include "mq/log.h"

static mq_str_t
bk_coord_pview(mq_pool_t *pool, const char *s)
{
    if (!s)
        return MQ_STR_NULL;
    return (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(s)), strlen(s)};
}

/* Group names that have committed offsets, as a set (values unused). */
static void
bk_coord_offset_group_cb(void *arg, const char *group, const char *topic, int32_t qid,
                         int64_t offset)
{
    (void)topic;
    (void)qid;
    (void)offset;
    mq_strmap_put(arg, mq_str_from_cstr(group), (void *)1);
}

static int
bk_coord_has_offsets(bk_t *bk, mq_str_t group, mq_strmap_t *cache)
{
    if (!cache->cap)
        store_offsets_foreach(bk->offsets, bk_coord_offset_group_cb, cache);
    return mq_strmap_get(cache, group) != NULL;
}

/* State of a name the coordinator does not run: Stable with RocketMQ clients, Empty with only
 * offsets, Dead otherwise. */
static int
bk_coord_foreign_state(bk_t *bk, mq_str_t group, mq_strmap_t *offsets)
{
    const bk_group_t *rg = mq_strmap_get(&bk->groups, group);
    if (rg && rg->n_clients > 0)
        return MQ_COORD_STABLE;
    return bk_coord_has_offsets(bk, group, offsets) ? MQ_COORD_EMPTY : MQ_COORD_DEAD;
}

static int
bk_coord_filter(const mq_str_t *items, int n, const char *value)
{
    if (n <= 0 || !items)
        return 1;
    for (int i = 0; i < n; i++)
        if (items[i].n == strlen(value) && strncasecmp(items[i].p, value, items[i].n) == 0)
            return 1;
    return 0;
}

void
bk_coord_handle_list(bk_t *bk, mq_req_t *req)
{
    const mq_coord_list_t *l = &req->u.coord_list;
    mq_strmap_t others; /* names with offsets or RocketMQ clients */
    mq_rep_t rep;
    mq_coord_groups_t *out = &rep.u.coord_groups;
    size_t it = 0;
    mq_str_t k;
    void *v;

    memset(&rep, 0, sizeof(rep));
    mq_strmap_init(&others);
    store_offsets_foreach(bk->offsets, bk_coord_offset_group_cb, &others);
    while (mq_strmap_next(&bk->groups, &it, &k, &v))
        if (((const bk_group_t *)v)->n_clients > 0)
            mq_strmap_put(&others, k, (void *)1);
    out->groups =
        mq_pcalloc(req->pool, (bk->coord->groups.count + others.count + 1) * sizeof(*out->groups));
    if (bk_coord_filter(l->types, l->n_types, "classic")) {
        it = 0;
        while (mq_strmap_next(&bk->coord->groups, &it, &k, &v)) {
            const bk_cgroup_t *g = v;
            mq_coord_group_t *o;
            if (!bk_coord_filter(l->states, l->n_states, mq_coord_state_name(g->state)))
                continue;
            o = &out->groups[out->n++];
            o->group_id = bk_coord_pview(req->pool, g->id);
            o->state = g->state;
            o->protocol_type = bk_coord_pview(req->pool, g->protocol_type ? g->protocol_type : "");
        }
        it = 0;
        while (mq_strmap_next(&others, &it, &k, &v)) {
            mq_coord_group_t *o;
            int state;
            if (bk_coord_group_get(bk->coord, k))
                continue;
            state = bk_coord_foreign_state(bk, k, &others);
            if (!bk_coord_filter(l->states, l->n_states, mq_coord_state_name(state)))
                continue;
            o = &out->groups[out->n++];
            o->group_id = (mq_str_t){mq_pstrdup(req->pool, k), k.n};
            o->state = state;
            o->protocol_type = MQ_STR("");
        }
    }
    mq_strmap_fini(&others, NULL);
    req->reply(req, MQ_OK, &rep);
}

void
bk_coord_handle_describe(bk_t *bk, mq_req_t *req)
{
    const mq_str_list_t *ids = &req->u.coord_groups;
    int n = ids->n > 0 && ids->items ? ids->n : 0;
    mq_strmap_t offsets;
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    mq_strmap_init(&offsets);
    rep.u.coord_groups.groups = mq_pcalloc(req->pool, (size_t)(n + 1) * sizeof(mq_coord_group_t));
    rep.u.coord_groups.n = n;
    for (int i = 0; i < n; i++) {
        mq_coord_group_t *o = &rep.u.coord_groups.groups[i];
        const bk_cgroup_t *g = bk_coord_group_get(bk->coord, ids->items[i]);
        int j = 0;

        o->group_id = ids->items[i];
        o->protocol_type = MQ_STR("");
        o->protocol_name = MQ_STR("");
        if (!g) { /* Kafka: unknown groups are Dead with no error */
            o->state = bk_coord_foreign_state(bk, ids->items[i], &offsets);
            continue;
        }
        o->state = g->state;
        o->protocol_type = bk_coord_pview(req->pool, g->protocol_type ? g->protocol_type : "");
        if (g->state == MQ_COORD_STABLE)
            o->protocol_name = bk_coord_pview(req->pool, g->protocol ? g->protocol : "");
        o->members = mq_pcalloc(req->pool, (size_t)(g->n_members + 1) * sizeof(*o->members));
        for (const bk_cmember_t *m = g->members; m; m = m->next, j++) {
            mq_coord_member_t *om = &o->members[j];
            om->member_id = bk_coord_pview(req->pool, m->id);
            om->group_instance_id = bk_coord_pview(req->pool, m->instance_id);
            om->client_id = bk_coord_pview(req->pool, m->client_id);
            om->client_host = bk_coord_pview(req->pool, m->client_host);
            if (g->state == MQ_COORD_STABLE) { /* Kafka: metadata only once Stable */
                om->metadata = bk_coord_member_meta(m, g->protocol);
                om->assignment = (mq_str_t){(const char *)m->assignment, m->assignment_len};
            }
        }
        o->n_members = j;
    }
    mq_strmap_fini(&offsets, NULL);
    req->reply(req, MQ_OK, &rep);
}

void
bk_coord_handle_delete(bk_t *bk, mq_req_t *req)
{
    const mq_str_list_t *ids = &req->u.coord_groups;
    int n = ids->n > 0 && ids->items ? ids->n : 0, offsets_changed = 0;
    mq_strmap_t offsets;
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    mq_strmap_init(&offsets);
    rep.u.coord_groups.groups = mq_pcalloc(req->pool, (size_t)(n + 1) * sizeof(mq_coord_group_t));
    rep.u.coord_groups.n = n;
    for (int i = 0; i < n; i++) {
        mq_coord_group_t *o = &rep.u.coord_groups.groups[i];
        mq_str_t id = ids->items[i];
        bk_cgroup_t *g = bk_coord_group_get(bk->coord, id);
        bk_group_t *rg = mq_strmap_get(&bk->groups, id);
        int has_offsets = bk_coord_has_offsets(bk, id, &offsets);

        o->group_id = id;
        o->state = MQ_COORD_DEAD;
        if (id.n == 0 || memchr(id.p, '\0', id.n)) {
            o->error = MQ_COORD_INVALID_GROUP_ID;
            continue;
        }
        if ((g && g->state != MQ_COORD_EMPTY) || (rg && rg->n_clients > 0)) {
            o->error = MQ_COORD_NON_EMPTY_GROUP;
            o->state = g ? g->state : MQ_COORD_STABLE;
            continue;
        }
        if (!g && !has_offsets) {
            o->error = MQ_COORD_GROUP_ID_NOT_FOUND;
            continue;
        }
        if (g) {
            mq_strmap_remove(&bk->coord->groups, id);
            bk_coord_group_free(g);
            bk->coord->dirty = 1;
        }
        bk_coord_offsets_forget(bk->coord, id);
        if (has_offsets) {
            char *name = mq_pstrdup(req->pool, id);
            store_offsets_remove_group(bk->offsets, name);
            mq_strmap_remove(&offsets, id);
            offsets_changed = 1;
        }
        MQ_LOG_INFO("coord", "group %.*s deleted", (int)id.n, id.p);
    }
    mq_strmap_fini(&offsets, NULL);
    if (offsets_changed)
        store_offsets_persist(bk->offsets);
    req->reply(req, MQ_OK, &rep);
}
