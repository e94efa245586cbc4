/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_coord.c -- the group coordinator: Kafka's classic consumer-group state machine (Kafka's
 * GroupCoordinator/GroupMetadata) behind the protocol-neutral COORD_* operations of req.h.
 * JOIN and SYNC are parked on their member and answered when the rebalance gets there;
 * HEARTBEAT and LEAVE answer at once. Timeouts (initial delay, rebalance, session, pending
 * member ids, the leader's SYNC) are driven by bk_coord_tick(), every 100 ms on the loop.
 * Persistence is bk_coord_store.c, LIST/DESCRIBE/DELETE are bk_coord_admin.c, the structures
 * are bk_coord.h. Committed offsets are the broker's offset table (shared with RocketMQ).
 *
 *                 join                 all joined / rebalance timeout
 *   Empty ---------------------> PreparingRebalance ----------------------> CompletingRebalance
 *     ^  (initial delay first)     ^   |  no member left                        |   |
 *     |                            |   +----------------> Empty (generation+1)  |   | leader's
 *     |                            +--------------------------------------------+   | SYNC
 *     |   last member gone            join (new/changed), leave, expiry,            v
 *     +------------------------------ leader rejoin, sync timeout <---------------- Stable
 *
 * Transitions and the functions performing them:
 *   Empty/Stable/Completing -> Preparing   bk_coord_prepare()    (answers parked SYNCs with
 *                                                                  REBALANCE_IN_PROGRESS)
 *   Preparing -> Completing / Empty        bk_coord_complete()   (drops members that did not
 *                                                                  rejoin, generation + 1,
 *                                                                  leader, protocol, answers
 *                                                                  every parked JOIN)
 *   Completing -> Stable                   bk_coord_sync()       (the leader's assignments)
 *   member removal (leave, expiry)          bk_coord_remove()
 *
 * Errors are mq_coord_err_t (Kafka's ErrorCode numbers) in rep.detail, with the reply status
 * from bk_coord_status(): MEMBER_ID_REQUIRED -> MQ_AGAIN, UNKNOWN_MEMBER_ID and
 * GROUP_ID_NOT_FOUND -> MQ_ENOENT, ILLEGAL_GENERATION -> MQ_ERANGE, REBALANCE_IN_PROGRESS and
 * NON_EMPTY_GROUP -> MQ_EBUSY, FENCED_INSTANCE_ID -> MQ_EPERM, COORDINATOR_NOT_AVAILABLE ->
 * MQ_ECLOSED, GROUP_MAX_SIZE_REACHED -> MQ_ETOOBIG, the INVALID_* and INCONSISTENT_* ones ->
 * MQ_EINVAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bk_coord.h"
#include "bk_int.h"
#include "mq/log.h"

#define BK_COORD_TICK_S 0.1
#define BK_COORD_PERSIST_MS 1000      /* group changes: written at most once a second */
#define BK_COORD_META_PERSIST_MS 5000 /* commit metadata only: as often as consumerOffset.json */
#define BK_COORD_ID_MAX 256           /* client id bytes kept in a member id */

/* ---- Small helpers ---- */

static mq_str_t
bk_coord_view(const char *s)
{
    return s ? mq_str_from_cstr(s) : MQ_STR_NULL;
}

static int
bk_coord_eq(const char *a, mq_str_t b)
{
    return a && strlen(a) == b.n && (b.n == 0 || memcmp(a, b.p, b.n) == 0);
}

static char *
bk_coord_dup_opt(mq_str_t s)
{
    return s.n ? mq_str_dup(s) : NULL;
}

static uint8_t *
bk_coord_bytes(mq_str_t s)
{
    uint8_t *b;
    if (s.n == 0)
        return NULL;
    b = mq_xmalloc(s.n);
    memcpy(b, s.p, s.n);
    return b;
}

/* Valid UTF-8 without NUL: what group ids and names must be to go into the JSON file. */
static int
bk_coord_text_ok(mq_str_t s)
{
    const uint8_t *p = (const uint8_t *)s.p, *end;
    if (s.n == 0)
        return 1;
    end = p + s.n;
    while (p < end) {
        int extra = *p < 0x80         ? 0
                    : (*p >> 5) == 6  ? 1
                    : (*p >> 4) == 14 ? 2
                    : (*p >> 3) == 30 ? 3
                                      : -1;
        if (*p == 0 || extra < 0 || end - p <= extra)
            return 0;
        for (int i = 1; i <= extra; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += extra + 1;
    }
    return 1;
}

int
bk_coord_status(int32_t err)
{
    switch (err) {
    case MQ_COORD_NONE:
        return MQ_OK;
    case MQ_COORD_MEMBER_ID_REQUIRED:
        return MQ_AGAIN;
    case MQ_COORD_UNKNOWN_MEMBER_ID:
    case MQ_COORD_GROUP_ID_NOT_FOUND:
        return MQ_ENOENT;
    case MQ_COORD_ILLEGAL_GENERATION:
        return MQ_ERANGE;
    case MQ_COORD_REBALANCE_IN_PROGRESS:
    case MQ_COORD_NON_EMPTY_GROUP:
        return MQ_EBUSY;
    case MQ_COORD_FENCED_INSTANCE_ID:
        return MQ_EPERM;
    case MQ_COORD_COORDINATOR_NOT_AVAILABLE:
        return MQ_ECLOSED;
    case MQ_COORD_GROUP_MAX_SIZE_REACHED:
        return MQ_ETOOBIG;
    case MQ_COORD_UNKNOWN_SERVER_ERROR:
        return MQ_ERR;
    default:
        return MQ_EINVAL;
    }
}

/* xorshift64*: member ids only need to be unique, not secret. */
static uint64_t
bk_coord_rand(bk_coord_t *co)
{
    co->rnd ^= co->rnd >> 12;
    co->rnd ^= co->rnd << 25;
    co->rnd ^= co->rnd >> 27;
    return co->rnd * 0x2545F4914F6CDD1DULL;
}

/* client_id + "-" + a UUID, as Kafka names members; written into a pool. */
static mq_str_t
bk_coord_new_member_id(bk_coord_t *co, mq_pool_t *pool, mq_str_t client_id)
{
    uint64_t a = bk_coord_rand(co), b = bk_coord_rand(co);
    size_t cn = MQ_MIN(client_id.n, BK_COORD_ID_MAX), len = cn + 38;
    char *s = mq_palloc(pool, len);
    char prefix[BK_COORD_ID_MAX + 1];
    int n;
    for (size_t i = 0; i < cn; i++) /* printable ASCII only: ids travel and persist as text */
        prefix[i] = client_id.p[i] > 0x20 && client_id.p[i] < 0x7f ? client_id.p[i] : '_';
    n = snprintf(s, len, "%.*s-%08x-%04x-4%03x-%04x-%012llx", (int)cn, prefix, (unsigned)(a >> 32),
                 (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xfff),
                 (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
                 (unsigned long long)(b & 0xffffffffffffULL));
    return (mq_str_t){s, (size_t)n};
}

bk_cgroup_t *
bk_coord_group_get(bk_coord_t *co, mq_str_t id)
{
    return mq_strmap_get(&co->groups, id);
}

bk_cmember_t *
bk_coord_member_get(bk_cgroup_t *g, mq_str_t id)
{
    for (bk_cmember_t *m = g->members; m; m = m->next)
        if (bk_coord_eq(m->id, id))
            return m;
    return NULL;
}

bk_cmember_t *
bk_coord_member_by_instance(bk_cgroup_t *g, mq_str_t instance_id)
{
    for (bk_cmember_t *m = g->members; m; m = m->next)
        if (bk_coord_eq(m->instance_id, instance_id))
            return m;
    return NULL;
}

bk_cgroup_t *
bk_coord_group_new(bk_coord_t *co, mq_str_t id)
{
    bk_cgroup_t *g = mq_xcalloc(1, sizeof(*g));
    g->id = mq_str_dup(id);
    g->state = MQ_COORD_EMPTY;
    mq_strmap_put(&co->groups, id, g);
    return g;
}

static void
bk_coord_protos_free(bk_cmember_t *m)
{
    for (int i = 0; i < m->n_protos; i++) {
        free(m->protos[i].name);
        free(m->protos[i].meta);
    }
    free(m->protos);
    m->protos = NULL;
    m->n_protos = 0;
}

void
bk_coord_member_free(bk_cmember_t *m)
{
    if (!m)
        return;
    bk_coord_protos_free(m);
    free(m->id);
    free(m->instance_id);
    free(m->client_id);
    free(m->client_host);
    free(m->assignment);
    free(m);
}

void
bk_coord_group_free(bk_cgroup_t *g)
{
    if (!g)
        return;
    while (g->members) {
        bk_cmember_t *m = g->members;
        g->members = m->next;
        bk_coord_member_free(m);
    }
    while (g->pending) {
        bk_cpending_t *p = g->pending;
        g->pending = p->next;
        free(p->id);
        free(p);
    }
    free(g->id);
    free(g->protocol_type);
    free(g->protocol);
    free(g->leader);
    free(g);
}

mq_str_t
bk_coord_member_meta(const bk_cmember_t *m, const char *protocol)
{
    if (!protocol)
        return MQ_STR_NULL;
    for (int i = 0; i < m->n_protos; i++)
        if (strcmp(m->protos[i].name, protocol) == 0)
            return (mq_str_t){(const char *)m->protos[i].meta, m->protos[i].meta_len};
    return MQ_STR_NULL;
}

static int
bk_coord_supports(const bk_cmember_t *m, mq_str_t name)
{
    for (int i = 0; i < m->n_protos; i++)
        if (bk_coord_eq(m->protos[i].name, name))
            return 1;
    return 0;
}

/* Kafka's supportsProtocols: an empty group takes any non-empty type and protocol list;
 * otherwise the type must be the group's and one of the protocols supported by every other
 * member (self, being updated, does not vote). */
static int
bk_coord_fits(bk_cgroup_t *g, const mq_coord_join_t *j, const bk_cmember_t *self)
{
    int others = g->n_members - (self ? 1 : 0);
    if (j->protocol_type.n == 0 || j->n_protocols == 0)
        return 0;
    if (others == 0)
        return !g->protocol_type || g->n_members == 0 ||
               bk_coord_eq(g->protocol_type, j->protocol_type);
    if (!bk_coord_eq(g->protocol_type, j->protocol_type))
        return 0;
    for (int i = 0; i < j->n_protocols; i++) {
        int all = 1;
        for (bk_cmember_t *m = g->members; m && all; m = m->next)
            if (m != self && !bk_coord_supports(m, j->protocols[i].name))
                all = 0;
        if (all)
            return 1;
    }
    return 0;
}

static int
bk_coord_protos_equal(const bk_cmember_t *m, const mq_coord_join_t *j)
{
    if (m->n_protos != j->n_protocols)
        return 0;
    for (int i = 0; i < m->n_protos; i++) {
        mq_str_t meta = {(const char *)m->protos[i].meta, m->protos[i].meta_len};
        if (!bk_coord_eq(m->protos[i].name, j->protocols[i].name) ||
            !mq_str_eq(meta, j->protocols[i].metadata))
            return 0;
    }
    return 1;
}

static void
bk_coord_protos_set(bk_cmember_t *m, const mq_coord_join_t *j)
{
    bk_coord_protos_free(m);
    m->protos = mq_xcalloc((size_t)(j->n_protocols ? j->n_protocols : 1), sizeof(*m->protos));
    for (int i = 0; i < j->n_protocols; i++) {
        m->protos[i].name = mq_str_dup(j->protocols[i].name);
        m->protos[i].meta = bk_coord_bytes(j->protocols[i].metadata);
        m->protos[i].meta_len = j->protocols[i].metadata.n;
    }
    m->n_protos = j->n_protocols;
}

/* Kafka's selectProtocol: among the protocols every member supports, each member votes for
 * its most preferred one; most votes wins (ties: the first member's preference). Returns a
 * string owned by the first member, or NULL when no protocol is common. */
static const char *
bk_coord_select(bk_cgroup_t *g)
{
    const bk_cmember_t *first = g->members;
    const char *best = NULL;
    int best_votes = 0;
    if (!first)
        return NULL;
    for (int i = 0; i < first->n_protos; i++) {
        const char *cand = first->protos[i].name;
        mq_str_t cv = mq_str_from_cstr(cand);
        int votes = 0, common = 1;
        for (bk_cmember_t *m = g->members; m && common; m = m->next)
            common = bk_coord_supports(m, cv);
        if (!common)
            continue;
        for (bk_cmember_t *m = g->members; m; m = m->next)
            for (int k = 0; k < m->n_protos; k++) {
                mq_str_t pv = mq_str_from_cstr(m->protos[k].name);
                int all = 1;
                for (bk_cmember_t *o = g->members; o && all; o = o->next)
                    all = bk_coord_supports(o, pv);
                if (all) { /* m's first common protocol */
                    votes += strcmp(m->protos[k].name, cand) == 0;
                    break;
                }
            }
        if (votes > best_votes) {
            best = cand;
            best_votes = votes;
        }
    }
    return best;
}

static int32_t
bk_coord_rebalance_ms(bk_cgroup_t *g)
{
    int32_t ms = 0;
    for (bk_cmember_t *m = g->members; m; m = m->next)
        ms = MQ_MAX(ms, m->rebalance_ms);
    return ms;
}

static int64_t
bk_coord_now(bk_coord_t *co)
{
    return co->now();
}

static void
bk_coord_touch(bk_coord_t *co, bk_cmember_t *m)
{
    m->deadline_ms = bk_coord_now(co) + m->session_ms;
}

static void
bk_coord_set_leader(bk_cgroup_t *g, const char *id)
{
    free(g->leader);
    g->leader = id ? mq_xstrdup(id) : NULL;
}

static int
bk_coord_is_leader(bk_cgroup_t *g, const bk_cmember_t *m)
{
    return g->leader && strcmp(g->leader, m->id) == 0;
}

/* ---- Replies ---- */

static void
bk_coord_reply_err(mq_req_t *req, int32_t err)
{
    mq_rep_t rep;
    memset(&rep, 0, sizeof(rep));
    rep.detail = err;
    req->reply(req, bk_coord_status(err), &rep);
}

static void
bk_coord_join_error(mq_req_t *req, int32_t err, mq_str_t member_id)
{
    mq_rep_t rep;
    memset(&rep, 0, sizeof(rep));
    rep.detail = err;
    rep.u.join.generation = -1;
    rep.u.join.member_id = member_id;
    req->reply(req, bk_coord_status(err), &rep);
}

/* Answers a member's JOIN with the group's current generation; the leader gets the members
 * and their metadata for the chosen protocol. */
static void
bk_coord_join_answer(bk_cgroup_t *g, const bk_cmember_t *m, mq_req_t *req, int skip_assignment)
{
    mq_rep_t rep;
    mq_coord_join_result_t *j = &rep.u.join;
    memset(&rep, 0, sizeof(rep));
    j->generation = g->generation;
    j->protocol_type = bk_coord_view(g->protocol_type);
    j->protocol_name = bk_coord_view(g->protocol);
    j->leader = bk_coord_view(g->leader);
    j->member_id = bk_coord_view(m->id);
    if (bk_coord_is_leader(g, m)) {
        int i = 0;
        j->skip_assignment = skip_assignment;
        j->members = mq_pcalloc(req->pool, (size_t)(g->n_members + 1) * sizeof(*j->members));
        for (bk_cmember_t *o = g->members; o; o = o->next, i++) {
            j->members[i].member_id = bk_coord_view(o->id);
            j->members[i].group_instance_id = bk_coord_view(o->instance_id);
            j->members[i].client_id = bk_coord_view(o->client_id);
            j->members[i].client_host = bk_coord_view(o->client_host);
            j->members[i].metadata = bk_coord_member_meta(o, g->protocol);
        }
        j->n_members = i;
    }
    req->reply(req, MQ_OK, &rep);
}

static void
bk_coord_sync_answer(bk_cgroup_t *g, const bk_cmember_t *m, mq_req_t *req, int32_t err)
{
    mq_rep_t rep;
    memset(&rep, 0, sizeof(rep));
    rep.detail = err;
    rep.u.sync.protocol_type = bk_coord_view(g->protocol_type);
    rep.u.sync.protocol_name = bk_coord_view(g->protocol);
    if (err == MQ_COORD_NONE && m)
        rep.u.sync.assignment = (mq_str_t){(const char *)m->assignment, m->assignment_len};
    req->reply(req, bk_coord_status(err), &rep);
}

/* ---- Transitions ---- */

static void bk_coord_complete(bk_coord_t *co, bk_cgroup_t *g);

/* -> PreparingRebalance. From CompletingRebalance the assignments are void: parked SYNCs get
 * REBALANCE_IN_PROGRESS. From Empty the first rebalance waits group.initial.rebalance.delay.ms
 * (extended while members keep arriving, up to the rebalance timeout). */
static void
bk_coord_prepare(bk_coord_t *co, bk_cgroup_t *g, const char *why)
{
    int64_t now = bk_coord_now(co), rb = bk_coord_rebalance_ms(g);
    int64_t delay = co->bk->cfg.group_initial_delay_ms;

    if (g->state == MQ_COORD_COMPLETING_REBALANCE || g->state == MQ_COORD_STABLE) {
        for (bk_cmember_t *m = g->members; m; m = m->next) {
            if (g->state == MQ_COORD_COMPLETING_REBALANCE) {
                free(m->assignment);
                m->assignment = NULL;
                m->assignment_len = 0;
            }
            if (m->sync) {
                mq_req_t *r = m->sync;
                m->sync = NULL;
                bk_coord_sync_answer(g, m, r, MQ_COORD_REBALANCE_IN_PROGRESS);
            }
        }
    }
    if (g->state == MQ_COORD_EMPTY && delay > 0) {
        delay = MQ_MIN(delay, rb);
        g->initial_delay = 1;
        g->delay_remaining_ms = MQ_MAX(rb - delay, 0);
        g->new_member_added = 0;
        g->rebalance_deadline_ms = now + delay;
    } else {
        g->initial_delay = 0;
        g->rebalance_deadline_ms = now + rb;
    }
    MQ_LOG_INFO("coord", "group %s: %s -> PreparingRebalance (generation %d): %s", g->id,
                mq_coord_state_name(g->state), g->generation, why);
    g->state = MQ_COORD_PREPARING_REBALANCE;
    co->dirty = 1;
}

static int
bk_coord_all_joined(bk_cgroup_t *g)
{
    if (g->n_pending)
        return 0;
    for (bk_cmember_t *m = g->members; m; m = m->next)
        if (!m->join)
            return 0;
    return 1;
}

static void
bk_coord_try_complete(bk_coord_t *co, bk_cgroup_t *g)
{
    if (g->state == MQ_COORD_PREPARING_REBALANCE && !g->initial_delay && bk_coord_all_joined(g))
        bk_coord_complete(co, g);
}

static void
bk_coord_unlink(bk_cgroup_t *g, bk_cmember_t *m)
{
    for (bk_cmember_t **pp = &g->members; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            g->n_members--;
            break;
        }
    if (bk_coord_is_leader(g, m))
        bk_coord_set_leader(g, g->members ? g->members->id : NULL);
}

/* PreparingRebalance -> CompletingRebalance (or Empty when nobody is left): members that did
 * not rejoin are dropped, the generation moves on, and every parked JOIN is answered. */
static void
bk_coord_complete(bk_coord_t *co, bk_cgroup_t *g)
{
    bk_cmember_t *m, *next;
    const char *proto;

    for (m = g->members; m; m = next) {
        next = m->next;
        if (m->join)
            continue;
        MQ_LOG_INFO("coord", "group %s: member %s did not rejoin in time, removed", g->id, m->id);
        bk_coord_unlink(g, m);
        if (m->sync) /* cannot be: PreparingRebalance answered it */
            bk_coord_sync_answer(g, m, m->sync, MQ_COORD_UNKNOWN_MEMBER_ID);
        bk_coord_member_free(m);
    }
    g->generation++;
    g->initial_delay = 0;
    co->dirty = 1;
    free(g->protocol);
    g->protocol = NULL;
    if (!g->members) {
        bk_coord_set_leader(g, NULL);
        g->state = MQ_COORD_EMPTY;
        MQ_LOG_INFO("coord", "group %s: no members left, Empty (generation %d)", g->id,
                    g->generation);
        return;
    }
    if (!g->leader || !bk_coord_member_get(g, mq_str_from_cstr(g->leader)))
        bk_coord_set_leader(g, g->members->id);
    proto = bk_coord_select(g);
    g->protocol = proto ? mq_xstrdup(proto) : NULL;
    g->state = MQ_COORD_COMPLETING_REBALANCE;
    g->rebalance_deadline_ms = bk_coord_now(co) + bk_coord_rebalance_ms(g);
    MQ_LOG_INFO("coord", "group %s: generation %d with %d member(s), leader %s, protocol %s", g->id,
                g->generation, g->n_members, g->leader, g->protocol ? g->protocol : "-");
    for (m = g->members; m; m = m->next) {
        mq_req_t *r = m->join;
        m->join = NULL;
        bk_coord_touch(co, m);
        bk_coord_join_answer(g, m, r, 0);
    }
}

/* Removes a member (leave, expiry) and moves the group on. Parked requests get err. */
static void
bk_coord_remove(bk_coord_t *co, bk_cgroup_t *g, bk_cmember_t *m, int32_t err, const char *why)
{
    MQ_LOG_INFO("coord", "group %s: member %s removed: %s", g->id, m->id, why);
    bk_coord_unlink(g, m);
    if (m->join)
        bk_coord_join_error(m->join, err, bk_coord_view(m->id));
    if (m->sync)
        bk_coord_sync_answer(g, m, m->sync, err);
    bk_coord_member_free(m);
    co->dirty = 1;
    switch (g->state) {
    case MQ_COORD_STABLE:
    case MQ_COORD_COMPLETING_REBALANCE:
        bk_coord_prepare(co, g, why);
        bk_coord_try_complete(co, g);
        break;
    case MQ_COORD_PREPARING_REBALANCE:
        bk_coord_try_complete(co, g);
        break;
    default:
        break;
    }
}

static bk_cpending_t *
bk_coord_pending_take(bk_cgroup_t *g, mq_str_t id)
{
    for (bk_cpending_t **pp = &g->pending; *pp; pp = &(*pp)->next)
        if (bk_coord_eq((*pp)->id, id)) {
            bk_cpending_t *p = *pp;
            *pp = p->next;
            g->n_pending--;
            return p;
        }
    return NULL;
}

/* ---- JOIN ---- */

static void
bk_coord_member_update(bk_coord_t *co, bk_cmember_t *m, const mq_coord_join_t *j)
{
    m->session_ms = j->session_timeout_ms;
    m->rebalance_ms = j->rebalance_timeout_ms > 0 ? j->rebalance_timeout_ms : j->session_timeout_ms;
    free(m->client_id);
    m->client_id = mq_str_dup(j->client_id);
    free(m->client_host);
    m->client_host = mq_str_dup(j->client_host);
    bk_coord_protos_set(m, j);
    bk_coord_touch(co, m);
}

/* Parks req on m; a JOIN already parked (a client that resent) gets REBALANCE_IN_PROGRESS. */
static void
bk_coord_park_join(bk_cmember_t *m, mq_req_t *req)
{
    if (m->join && m->join != req)
        bk_coord_join_error(m->join, MQ_COORD_REBALANCE_IN_PROGRESS, bk_coord_view(m->id));
    m->join = req;
}

static void
bk_coord_add_member(bk_coord_t *co, bk_cgroup_t *g, mq_req_t *req, mq_str_t id)
{
    const mq_coord_join_t *j = &req->u.join;
    bk_cmember_t *m = mq_xcalloc(1, sizeof(*m)), **tail = &g->members;

    m->id = mq_str_dup(id);
    m->instance_id = bk_coord_dup_opt(j->group_instance_id);
    bk_coord_member_update(co, m, j);
    while (*tail)
        tail = &(*tail)->next;
    *tail = m;
    if (g->n_members++ == 0) { /* an Empty group takes the first member's protocol type */
        free(g->protocol_type);
        g->protocol_type = mq_str_dup(j->protocol_type);
    }
    if (!g->leader)
        bk_coord_set_leader(g, m->id);
    if (g->state == MQ_COORD_PREPARING_REBALANCE && g->initial_delay)
        g->new_member_added = 1;
    m->join = req;
    co->dirty = 1;
    if (g->state != MQ_COORD_PREPARING_REBALANCE)
        bk_coord_prepare(co, g, "a new member joined");
    bk_coord_try_complete(co, g);
}

/* A known group.instance.id joins with no member id: it replaces the old member id (which is
 * now fenced) and, in a Stable group whose chosen protocol would not change, gets the current
 * generation and assignment back without a rebalance (KIP-345). */
static void
bk_coord_static_rejoin(bk_coord_t *co, bk_cgroup_t *g, bk_cmember_t *m, mq_req_t *req,
                       mq_str_t new_id)
{
    const mq_coord_join_t *j = &req->u.join;
    int was_leader = bk_coord_is_leader(g, m);
    const char *sel;

    if (m->join) {
        bk_coord_join_error(m->join, MQ_COORD_FENCED_INSTANCE_ID, bk_coord_view(m->id));
        m->join = NULL;
    }
    if (m->sync) {
        bk_coord_sync_answer(g, m, m->sync, MQ_COORD_FENCED_INSTANCE_ID);
        m->sync = NULL;
    }
    MQ_LOG_INFO("coord", "group %s: static member %s now %.*s (was %s)", g->id, m->instance_id,
                (int)new_id.n, new_id.p, m->id);
    free(m->id);
    m->id = mq_str_dup(new_id);
    if (was_leader)
        bk_coord_set_leader(g, m->id);
    bk_coord_member_update(co, m, j);
    co->dirty = 1;
    switch (g->state) {
    case MQ_COORD_STABLE:
        sel = bk_coord_select(g);
        if (sel && g->protocol && strcmp(sel, g->protocol) == 0) {
            bk_coord_join_answer(g, m, req, bk_coord_is_leader(g, m));
            return;
        }
        m->join = req;
        bk_coord_prepare(co, g, "a static member rejoined with other protocols");
        break;
    case MQ_COORD_COMPLETING_REBALANCE:
        m->join = req;
        bk_coord_prepare(co, g, "a static member rejoined during the sync");
        break;
    default:
        m->join = req;
        break;
    }
    bk_coord_try_complete(co, g);
}

static void
bk_coord_join_new(bk_coord_t *co, bk_cgroup_t *g, mq_req_t *req)
{
    const mq_coord_join_t *j = &req->u.join;
    bk_cmember_t *old;
    mq_str_t id;

    if (!bk_coord_fits(g, j, NULL)) {
        bk_coord_join_error(req, MQ_COORD_INCONSISTENT_GROUP_PROTOCOL, MQ_STR_NULL);
        return;
    }
    id = bk_coord_new_member_id(co, req->pool, j->client_id);
    if (j->group_instance_id.n && (old = bk_coord_member_by_instance(g, j->group_instance_id))) {
        bk_coord_static_rejoin(co, g, old, req, id);
        return;
    }
    if (g->n_members + g->n_pending >= co->bk->cfg.group_max_size) {
        bk_coord_join_error(req, MQ_COORD_GROUP_MAX_SIZE_REACHED, MQ_STR_NULL);
        return;
    }
    if (!j->group_instance_id.n && j->require_member_id) {
        bk_cpending_t *p = mq_xcalloc(1, sizeof(*p));
        p->id = mq_str_dup(id);
        p->deadline_ms = bk_coord_now(co) + j->session_timeout_ms;
        p->next = g->pending;
        g->pending = p;
        g->n_pending++;
        bk_coord_join_error(req, MQ_COORD_MEMBER_ID_REQUIRED, id);
        return;
    }
    bk_coord_add_member(co, g, req, id);
}

static void
bk_coord_join_known(bk_coord_t *co, bk_cgroup_t *g, mq_req_t *req)
{
    const mq_coord_join_t *j = &req->u.join;
    bk_cpending_t *p;
    bk_cmember_t *m;
    int same;

    if (!bk_coord_member_get(g, j->member_id) && (p = bk_coord_pending_take(g, j->member_id))) {
        free(p->id);
        free(p);
        if (!bk_coord_fits(g, j, NULL)) {
            bk_coord_join_error(req, MQ_COORD_INCONSISTENT_GROUP_PROTOCOL, j->member_id);
            bk_coord_try_complete(co, g);
            return;
        }
        bk_coord_add_member(co, g, req, j->member_id);
        return;
    }
    if (j->group_instance_id.n) {
        bk_cmember_t *s = bk_coord_member_by_instance(g, j->group_instance_id);
        if (!s) {
            bk_coord_join_error(req, MQ_COORD_UNKNOWN_MEMBER_ID, j->member_id);
            return;
        }
        if (!bk_coord_eq(s->id, j->member_id)) {
            bk_coord_join_error(req, MQ_COORD_FENCED_INSTANCE_ID, j->member_id);
            return;
        }
    }
    m = bk_coord_member_get(g, j->member_id);
    if (!m) {
        bk_coord_join_error(req, MQ_COORD_UNKNOWN_MEMBER_ID, j->member_id);
        return;
    }
    if (!bk_coord_fits(g, j, m)) {
        bk_coord_join_error(req, MQ_COORD_INCONSISTENT_GROUP_PROTOCOL, j->member_id);
        return;
    }
    same = bk_coord_protos_equal(m, j);
    switch (g->state) {
    case MQ_COORD_PREPARING_REBALANCE:
        bk_coord_member_update(co, m, j);
        bk_coord_park_join(m, req);
        bk_coord_try_complete(co, g);
        break;
    case MQ_COORD_COMPLETING_REBALANCE:
        if (same) { /* the JOIN answer was lost: send it again */
            bk_coord_touch(co, m);
            bk_coord_join_answer(g, m, req, 0);
            break;
        }
        bk_coord_member_update(co, m, j);
        bk_coord_park_join(m, req);
        bk_coord_prepare(co, g, "a member changed its protocols");
        bk_coord_try_complete(co, g);
        break;
    case MQ_COORD_STABLE:
        if (same && !bk_coord_is_leader(g, m)) { /* a follower rejoining changes nothing */
            bk_coord_touch(co, m);
            bk_coord_join_answer(g, m, req, 0);
            break;
        }
        bk_coord_member_update(co, m, j);
        bk_coord_park_join(m, req);
        bk_coord_prepare(co, g, same ? "the leader rejoined" : "a member changed its protocols");
        bk_coord_try_complete(co, g);
        break;
    default:
        bk_coord_join_error(req, MQ_COORD_UNKNOWN_MEMBER_ID, j->member_id);
        break;
    }
}

static void
bk_coord_join(bk_t *bk, mq_req_t *req)
{
    bk_coord_t *co = bk->coord;
    const mq_coord_join_t *j = &req->u.join;
    bk_cgroup_t *g;
    int created = 0, bad;

    if (j->group_id.n == 0) {
        bk_coord_join_error(req, MQ_COORD_INVALID_GROUP_ID, j->member_id);
        return;
    }
    if (j->session_timeout_ms < bk->cfg.group_min_session_ms ||
        j->session_timeout_ms > bk->cfg.group_max_session_ms) {
        bk_coord_join_error(req, MQ_COORD_INVALID_SESSION_TIMEOUT, j->member_id);
        return;
    }
    if (!bk_coord_text_ok(j->group_id)) {
        bk_coord_join_error(req, MQ_COORD_INVALID_GROUP_ID, j->member_id);
        return;
    }
    bad = j->n_protocols < 0 || (j->n_protocols > 0 && !j->protocols) ||
          !bk_coord_text_ok(j->protocol_type) || !bk_coord_text_ok(j->group_instance_id) ||
          !bk_coord_text_ok(j->client_id) || !bk_coord_text_ok(j->client_host) ||
          !bk_coord_text_ok(j->member_id);
    for (int i = 0; !bad && i < j->n_protocols; i++)
        bad = !bk_coord_text_ok(j->protocols[i].name);
    if (bad) {
        bk_coord_join_error(req, MQ_COORD_INCONSISTENT_GROUP_PROTOCOL, j->member_id);
        return;
    }
    g = bk_coord_group_get(co, j->group_id);
    if (!g) {
        if (j->member_id.n) {
            bk_coord_join_error(req, MQ_COORD_UNKNOWN_MEMBER_ID, j->member_id);
            return;
        }
        g = bk_coord_group_new(co, j->group_id);
        created = 1;
    }
    if (j->member_id.n == 0)
        bk_coord_join_new(co, g, req);
    else
        bk_coord_join_known(co, g, req);
    if (created && !g->members && !g->pending) { /* refused: leave no trace */
        mq_strmap_remove(&co->groups, mq_str_from_cstr(g->id));
        bk_coord_group_free(g);
    }
}

/* ---- SYNC, HEARTBEAT, LEAVE ---- */

/* Kafka's member checks: the instance id must be held by this member id, the member must be
 * known, and (gen >= -1 is checked by the caller) the generation must be the group's. */
static int32_t
bk_coord_check(bk_cgroup_t *g, mq_str_t member_id, mq_str_t instance_id, bk_cmember_t **out)
{
    bk_cmember_t *m;
    *out = NULL;
    if (!g)
        return MQ_COORD_UNKNOWN_MEMBER_ID;
    if (instance_id.n) {
        bk_cmember_t *s = bk_coord_member_by_instance(g, instance_id);
        if (s && !bk_coord_eq(s->id, member_id))
            return MQ_COORD_FENCED_INSTANCE_ID;
    }
    m = bk_coord_member_get(g, member_id);
    if (!m)
        return MQ_COORD_UNKNOWN_MEMBER_ID;
    *out = m;
    return MQ_COORD_NONE;
}

static void
bk_coord_sync(bk_t *bk, mq_req_t *req)
{
    bk_coord_t *co = bk->coord;
    const mq_coord_sync_t *s = &req->u.sync;
    bk_cgroup_t *g = bk_coord_group_get(co, s->group_id);
    bk_cmember_t *m;
    int32_t err = bk_coord_check(g, s->member_id, s->group_instance_id, &m);

    if (err == MQ_COORD_NONE && s->generation != g->generation)
        err = MQ_COORD_ILLEGAL_GENERATION;
    if (err == MQ_COORD_NONE &&
        ((s->protocol_type.n && !bk_coord_eq(g->protocol_type, s->protocol_type)) ||
         (s->protocol_name.n && !bk_coord_eq(g->protocol, s->protocol_name))))
        err = MQ_COORD_INCONSISTENT_GROUP_PROTOCOL;
    if (err == MQ_COORD_NONE && g->state == MQ_COORD_EMPTY)
        err = MQ_COORD_UNKNOWN_MEMBER_ID;
    if (err == MQ_COORD_NONE && g->state == MQ_COORD_PREPARING_REBALANCE)
        err = MQ_COORD_REBALANCE_IN_PROGRESS;
    if (err != MQ_COORD_NONE) {
        mq_rep_t rep;
        memset(&rep, 0, sizeof(rep));
        rep.detail = err;
        req->reply(req, bk_coord_status(err), &rep);
        return;
    }
    bk_coord_touch(co, m);
    if (g->state == MQ_COORD_STABLE) {
        bk_coord_sync_answer(g, m, req, MQ_COORD_NONE);
        return;
    }
    /* CompletingRebalance: park; the leader's SYNC stores the assignments and answers all. */
    if (m->sync && m->sync != req)
        bk_coord_sync_answer(g, m, m->sync, MQ_COORD_REBALANCE_IN_PROGRESS);
    m->sync = req;
    if (!bk_coord_is_leader(g, m))
        return;
    for (bk_cmember_t *o = g->members; o; o = o->next) {
        free(o->assignment);
        o->assignment = NULL;
        o->assignment_len = 0;
        for (int i = 0; s->assignments && i < s->n_assignments; i++)
            if (bk_coord_eq(o->id, s->assignments[i].member_id)) {
                o->assignment = bk_coord_bytes(s->assignments[i].assignment);
                o->assignment_len = s->assignments[i].assignment.n;
                break;
            }
    }
    g->state = MQ_COORD_STABLE;
    co->dirty = 1;
    MQ_LOG_INFO("coord", "group %s: generation %d Stable (%d assignment(s) from %s)", g->id,
                g->generation, s->n_assignments, m->id);
    for (bk_cmember_t *o = g->members; o; o = o->next)
        if (o->sync) {
            mq_req_t *r = o->sync;
            o->sync = NULL;
            bk_coord_sync_answer(g, o, r, MQ_COORD_NONE);
        }
}

static void
bk_coord_heartbeat(bk_t *bk, mq_req_t *req)
{
    bk_coord_t *co = bk->coord;
    const mq_coord_heartbeat_t *h = &req->u.coord_hb;
    bk_cgroup_t *g = bk_coord_group_get(co, h->group_id);
    bk_cmember_t *m;
    int32_t err;

    if (g && g->state == MQ_COORD_EMPTY) {
        bk_coord_reply_err(req, MQ_COORD_UNKNOWN_MEMBER_ID);
        return;
    }
    err = bk_coord_check(g, h->member_id, h->group_instance_id, &m);
    if (err == MQ_COORD_NONE && h->generation != g->generation)
        err = MQ_COORD_ILLEGAL_GENERATION;
    if (err == MQ_COORD_NONE) {
        bk_coord_touch(co, m);
        if (g->state == MQ_COORD_PREPARING_REBALANCE)
            err = MQ_COORD_REBALANCE_IN_PROGRESS;
    }
    bk_coord_reply_err(req, err);
}

static void
bk_coord_leave(bk_t *bk, mq_req_t *req)
{
    bk_coord_t *co = bk->coord;
    const mq_coord_leave_t *l = &req->u.leave;
    bk_cgroup_t *g = bk_coord_group_get(co, l->group_id);
    int n = l->n_members > 0 && l->members ? l->n_members : 0;
    mq_rep_t rep;

    memset(&rep, 0, sizeof(rep));
    rep.u.leave.members = mq_pcalloc(req->pool, (size_t)(n + 1) * sizeof(mq_coord_member_t));
    rep.u.leave.n_members = n;
    for (int i = 0; i < n; i++) {
        const mq_coord_leaver_t *lv = &l->members[i];
        mq_coord_member_t *out = &rep.u.leave.members[i];
        bk_cmember_t *m = NULL;
        bk_cpending_t *p;

        out->member_id = lv->member_id;
        out->group_instance_id = lv->group_instance_id;
        if (!g) {
            out->error = MQ_COORD_UNKNOWN_MEMBER_ID;
            continue;
        }
        if (lv->group_instance_id.n) {
            m = bk_coord_member_by_instance(g, lv->group_instance_id);
            if (m && lv->member_id.n && !bk_coord_eq(m->id, lv->member_id)) {
                out->error = MQ_COORD_FENCED_INSTANCE_ID;
                continue;
            }
        } else if ((p = bk_coord_pending_take(g, lv->member_id))) {
            free(p->id);
            free(p);
            bk_coord_try_complete(co, g);
            continue;
        } else {
            m = bk_coord_member_get(g, lv->member_id);
        }
        if (!m) {
            out->error = MQ_COORD_UNKNOWN_MEMBER_ID;
            continue;
        }
        out->member_id = (mq_str_t){mq_pstrdup(req->pool, mq_str_from_cstr(m->id)), strlen(m->id)};
        if (lv->reason.n) {
            char *why = mq_palloc(req->pool, lv->reason.n + 32);
            snprintf(why, lv->reason.n + 32, "left the group (%.*s)", (int)lv->reason.n,
                     lv->reason.p);
            bk_coord_remove(co, g, m, MQ_COORD_UNKNOWN_MEMBER_ID, why);
        } else {
            bk_coord_remove(co, g, m, MQ_COORD_UNKNOWN_MEMBER_ID, "left the group");
        }
    }
    req->reply(req, MQ_OK, &rep);
}

/* ---- Offset commits, timers, lifecycle ---- */

int32_t
bk_coord_commit_validate(bk_t *bk, mq_str_t group, int32_t generation, mq_str_t member_id,
                         mq_str_t instance_id)
{
    bk_cgroup_t *g = bk_coord_group_get(bk->coord, group);
    bk_cmember_t *m;
    int32_t err;

    if (group.n == 0 || !bk_coord_text_ok(group))
        return MQ_COORD_INVALID_GROUP_ID;
    if (!g || g->state == MQ_COORD_EMPTY) /* a "simple" commit, or an error */
        return generation < 0 ? MQ_COORD_NONE
                              : (g ? MQ_COORD_UNKNOWN_MEMBER_ID : MQ_COORD_ILLEGAL_GENERATION);
    if ((err = bk_coord_check(g, member_id, instance_id, &m)) != MQ_COORD_NONE)
        return err;
    if (generation != g->generation)
        return MQ_COORD_ILLEGAL_GENERATION;
    if (g->state == MQ_COORD_COMPLETING_REBALANCE)
        return MQ_COORD_REBALANCE_IN_PROGRESS;
    bk_coord_touch(bk->coord, m);
    return MQ_COORD_NONE;
}

int
bk_coord_commit_check(bk_t *bk, mq_req_t *req)
{
    const mq_group_offset_t *o = &req->u.group_offset;
    int32_t err;

    if (!o->coord_check)
        return 0;
    err = bk_coord_commit_validate(bk, o->group, o->generation, o->member_id, o->group_instance_id);
    if (err == MQ_COORD_NONE)
        return 0;
    bk_coord_reply_err(req, err);
    return 1;
}

static void
bk_coord_tick_group(bk_coord_t *co, bk_cgroup_t *g, int64_t now)
{
    int removed = 0;
again:
    for (bk_cpending_t **pp = &g->pending; *pp;) {
        bk_cpending_t *p = *pp;
        if (now < p->deadline_ms) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        g->n_pending--;
        free(p->id);
        free(p);
        removed = 1;
    }
    if (removed) {
        removed = 0;
        bk_coord_try_complete(co, g);
    }
    for (bk_cmember_t *m = g->members; m; m = m->next)
        if (!m->join && !m->sync && now >= m->deadline_ms) {
            bk_coord_remove(co, g, m, MQ_COORD_UNKNOWN_MEMBER_ID, "session timed out");
            goto again;
        }
    if (g->state == MQ_COORD_PREPARING_REBALANCE && now >= g->rebalance_deadline_ms) {
        if (g->initial_delay && g->new_member_added && g->delay_remaining_ms > 0) {
            int64_t d = MQ_MIN(co->bk->cfg.group_initial_delay_ms, g->delay_remaining_ms);
            g->new_member_added = 0;
            g->delay_remaining_ms -= d;
            g->rebalance_deadline_ms = now + d;
        } else {
            bk_coord_complete(co, g);
        }
    } else if (g->state == MQ_COORD_COMPLETING_REBALANCE && now >= g->rebalance_deadline_ms) {
        /* The leader never sent its assignments: drop whoever did not sync, and rebalance. */
        for (bk_cmember_t *m = g->members; m; m = m->next)
            if (!m->sync) {
                bk_coord_remove(co, g, m, MQ_COORD_REBALANCE_IN_PROGRESS,
                                "no SyncGroup within the rebalance timeout");
                goto again;
            }
    }
}

void
bk_coord_tick(bk_t *bk)
{
    bk_coord_t *co = bk->coord;
    int64_t now;
    size_t it = 0;
    mq_str_t k;
    void *v;

    if (!co || bk->closed)
        return;
    now = bk_coord_now(co);
    while (mq_strmap_next(&co->groups, &it, &k, &v))
        bk_coord_tick_group(co, v, now);
    if ((co->dirty && now - co->persisted_ms >= BK_COORD_PERSIST_MS) ||
        (co->meta_dirty && now - co->persisted_ms >= BK_COORD_META_PERSIST_MS))
        bk_coord_persist(co);
}

void
bk_coord_set_clock(bk_coord_t *co, int64_t (*now)(void))
{
    int64_t shift = now() - co->now();
    size_t it = 0;
    mq_str_t k;
    void *v;

    co->now = now;
    co->persisted_ms += shift;
    while (mq_strmap_next(&co->groups, &it, &k, &v)) {
        bk_cgroup_t *g = v;
        g->rebalance_deadline_ms += shift;
        for (bk_cmember_t *m = g->members; m; m = m->next)
            m->deadline_ms += shift;
        for (bk_cpending_t *p = g->pending; p; p = p->next)
            p->deadline_ms += shift;
    }
}

static void
bk_coord_tick_cb(void *arg)
{
    bk_coord_tick(arg);
}

void
bk_handle_coord(bk_t *bk, mq_req_t *req)
{
    switch (req->op) {
    case MQ_OP_COORD_JOIN:
        bk_coord_join(bk, req);
        break;
    case MQ_OP_COORD_SYNC:
        bk_coord_sync(bk, req);
        break;
    case MQ_OP_COORD_HEARTBEAT:
        bk_coord_heartbeat(bk, req);
        break;
    case MQ_OP_COORD_LEAVE:
        bk_coord_leave(bk, req);
        break;
    case MQ_OP_COORD_LIST:
        bk_coord_handle_list(bk, req);
        break;
    case MQ_OP_COORD_DESCRIBE:
        bk_coord_handle_describe(bk, req);
        break;
    case MQ_OP_COORD_DELETE:
        bk_coord_handle_delete(bk, req);
        break;
    case MQ_OP_COORD_OFFSET_COMMIT:
        bk_coord_handle_offset_commit(bk, req);
        break;
    case MQ_OP_COORD_OFFSET_FETCH:
        bk_coord_handle_offset_fetch(bk, req);
        break;
    default:
        bk_reply(req, MQ_DECLINED, "not a coordinator operation");
        break;
    }
    /* Changes are persisted by the tick (within about a second), not here: one write covers a
     * burst of joins, and the loop does not wait for an fsync per request. A crash in between
     * loses at most the latest generations, and their members rejoin (ILLEGAL_GENERATION), as
     * Kafka members do after a coordinator failover. */
}

int
bk_coord_open(bk_t *bk)
{
    bk_coord_t *co = mq_xcalloc(1, sizeof(*co));
    int rc;

    co->bk = bk;
    co->now = mq_now_ms;
    co->rnd = (uint64_t)mq_mono_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)co;
    if (co->rnd == 0)
        co->rnd = 0x9E3779B97F4A7C15ULL;
    mq_strmap_init(&co->groups);
    mq_strmap_init(&co->offset_meta);
    snprintf(co->path, sizeof(co->path), "%s/config/groupCoordinator.json", bk->cfg.store.root_dir);
    bk->coord = co;
    rc = bk_coord_load(co);
    if (rc != MQ_OK)
        return rc;
    bk->exec->every(bk->exec, BK_COORD_TICK_S, bk_coord_tick_cb, bk);
    return MQ_OK;
}

void
bk_coord_close(bk_t *bk)
{
    bk_coord_t *co = bk->coord;
    size_t it = 0;
    mq_str_t k;
    void *v;

    if (!co)
        return;
    while (mq_strmap_next(&co->groups, &it, &k, &v)) {
        bk_cgroup_t *g = v;
        for (bk_cmember_t *m = g->members; m; m = m->next) {
            if (m->join) {
                mq_req_t *r = m->join;
                m->join = NULL;
                bk_coord_join_error(r, MQ_COORD_COORDINATOR_NOT_AVAILABLE, bk_coord_view(m->id));
            }
            if (m->sync) {
                mq_req_t *r = m->sync;
                m->sync = NULL;
                bk_coord_sync_answer(g, m, r, MQ_COORD_COORDINATOR_NOT_AVAILABLE);
            }
        }
    }
    bk_coord_persist(co);
}

static void
bk_coord_group_free_cb(void *v)
{
    bk_coord_group_free(v);
}

void
bk_coord_free(bk_t *bk)
{
    if (!bk->coord)
        return;
    mq_strmap_fini(&bk->coord->groups, bk_coord_group_free_cb);
    bk_coord_offsets_fini(bk->coord);
    free(bk->coord);
    bk->coord = NULL;
}
