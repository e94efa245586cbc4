/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_coord_store.c -- persistence of the group coordinator: <storePathRootDir>/config/
 * groupCoordinator.json, next to consumerOffset.json, written atomically with
 * store_json_file_write (include/mq/store_meta.h). It keeps what Kafka keeps in its group
 * metadata records: protocol type, chosen protocol, generation, leader and every member (id,
 * group.instance.id, client id and host, timeouts, protocols, assignment); opaque bytes are
 * base64, and the leader epoch and metadata of Kafka commits (bk_coord_offsets.c). Committed
 * offsets themselves are not here (consumerOffset.json). bk_coord_tick() writes the file about a
 * second after a group change (metadata-only changes: within 5 s), bk_coord_close() at shutdown;
 * a write of 1,000 one-member groups took ~50 ms here (fsyncs included).
 *
 *   {"version":1,"groups":{"g":{"state":"Stable","protocolType":"consumer","protocol":"range",
 *     "generation":3,"leader":"c-…","members":[{"memberId":"c-…","groupInstanceId":null,
 *     "clientId":"c","clientHost":"/127.0.0.1","sessionTimeoutMs":45000,
 *     "rebalanceTimeoutMs":300000,"protocols":[{"name":"range","metadata":"AAE="}],
 *     "assignment":"AAE="}]}}}
 *
 * On load a group with members is Stable again (members' session timers restart), as Kafka
 * does after a coordinator move; one saved in the middle of a rebalance restarts the rebalance
 * (PreparingRebalance: members rejoin). Malformed entries are skipped with a log line.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bk_coord.h"
#include "bk_int.h"
#include "mq/log.h"
#include "mq/store_meta.h"

static const char bk_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of n bytes into a heap string. */
static char *
bk_coord_b64_encode(const uint8_t *p, size_t n)
{
    char *out = mq_xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = bk_b64[v >> 18];
        *o++ = bk_b64[(v >> 12) & 63];
        *o++ = bk_b64[(v >> 6) & 63];
        *o++ = bk_b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = bk_b64[v >> 18];
        *o++ = bk_b64[(v >> 12) & 63];
        *o++ = i + 1 < n ? bk_b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int
bk_coord_b64_val(char c)
{
    const char *p = c ? strchr(bk_b64, c) : NULL;
    return p ? (int)(p - bk_b64) : -1;
}

/* Decodes base64 text into a heap buffer (NULL when empty); MQ_ECORRUPT on bad input. */
static int
bk_coord_b64_decode(const char *s, uint8_t **out, size_t *out_len)
{
    size_t n = strlen(s), len = 0;
    uint8_t *b;
    *out = NULL;
    *out_len = 0;
    if (n % 4)
        return MQ_ECORRUPT;
    if (n == 0)
        return MQ_OK;
    b = mq_xmalloc(n / 4 * 3);
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = s[i + k] == '=' && i + 4 == n && k >= 2 ? 0 : bk_coord_b64_val(s[i + k]);
            if (v[k] < 0 || (k == 2 && s[i + 2] == '=' && s[i + 3] != '=')) {
                free(b);
                return MQ_ECORRUPT;
            }
        }
        b[len++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
        if (s[i + 2] != '=')
            b[len++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
        if (s[i + 3] != '=')
            b[len++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
    }
    *out = b;
    *out_len = len;
    return MQ_OK;
}

static json_t *
bk_coord_jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *
bk_coord_jbytes(const uint8_t *p, size_t n)
{
    char *t = bk_coord_b64_encode(p, n);
    json_t *j = json_string(t);
    free(t);
    return j;
}

static json_t *
bk_coord_member_json(const bk_cmember_t *m)
{
    json_t *o = json_object(), *protos = json_array();
    json_object_set_new(o, "memberId", json_string(m->id));
    json_object_set_new(o, "groupInstanceId", bk_coord_jstr(m->instance_id));
    json_object_set_new(o, "clientId", bk_coord_jstr(m->client_id));
    json_object_set_new(o, "clientHost", bk_coord_jstr(m->client_host));
    json_object_set_new(o, "sessionTimeoutMs", json_integer(m->session_ms));
    json_object_set_new(o, "rebalanceTimeoutMs", json_integer(m->rebalance_ms));
    for (int i = 0; i < m->n_protos; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string(m->protos[i].name));
        json_object_set_new(p, "metadata",
                            bk_coord_jbytes(m->protos[i].meta, m->protos[i].meta_len));
        json_array_append_new(protos, p);
    }
    json_object_set_new(o, "protocols", protos);
    json_object_set_new(o, "assignment", bk_coord_jbytes(m->assignment, m->assignment_len));
    return o;
}

static int bk_coord_jbytes_get(json_t *o, const char *key, uint8_t **out, size_t *len);

/* offsetMetadata: [{"group","topic","queueId","offset","leaderEpoch","metadata"(base64)}]; the
 * map key is group \1 topic \1 queue id. */
static json_t *
bk_coord_meta_json(bk_coord_t *co)
{
    json_t *arr = json_array();
    size_t it = 0;
    mq_str_t k;
    void *v;

    while (mq_strmap_next(&co->offset_meta, &it, &k, &v)) {
        const bk_coffmeta_t *m = v;
        const char *s1 = memchr(k.p, '\001', k.n), *s2 = NULL;
        json_t *o;
        for (const char *p = k.p + k.n; p > k.p; p--)
            if (p[-1] == '\001') {
                s2 = p - 1;
                break;
            }
        if (!s1 || s2 == s1)
            continue;
        o = json_object();
        json_object_set_new(o, "group", json_stringn(k.p, (size_t)(s1 - k.p)));
        json_object_set_new(o, "topic", json_stringn(s1 + 1, (size_t)(s2 - s1 - 1)));
        json_object_set_new(o, "queueId", json_integer(atoi(s2 + 1)));
        json_object_set_new(o, "offset", json_integer(m->offset));
        json_object_set_new(o, "leaderEpoch", json_integer(m->leader_epoch));
        json_object_set_new(o, "metadata",
                            bk_coord_jbytes((const uint8_t *)m->metadata, strlen(m->metadata)));
        json_array_append_new(arr, o);
    }
    return arr;
}

static void
bk_coord_meta_load(bk_coord_t *co, json_t *arr)
{
    size_t i;
    json_t *o;

    json_array_foreach(arr, i, o)
    {
        json_t *g = json_object_get(o, "group"), *t = json_object_get(o, "topic");
        json_t *q = json_object_get(o, "queueId"), *off = json_object_get(o, "offset");
        json_t *ep = json_object_get(o, "leaderEpoch");
        bk_coffmeta_t *m;
        uint8_t *meta;
        size_t len;
        char key[1024];
        int n;

        if (!json_is_string(g) || !json_is_string(t) || !json_is_integer(q) ||
            !json_is_integer(off) || !json_is_integer(ep) ||
            bk_coord_jbytes_get(o, "metadata", &meta, &len) != MQ_OK) {
            MQ_LOG_WARN("coord", "%s: offset metadata %zu malformed, skipped", co->path, i);
            continue;
        }
        n = snprintf(key, sizeof(key), "%s\001%s\001%d", json_string_value(g), json_string_value(t),
                     (int)json_integer_value(q));
        if (n < 0 || (size_t)n >= sizeof(key) || (meta && memchr(meta, '\0', len))) {
            free(meta);
            continue;
        }
        m = mq_xcalloc(1, sizeof(*m));
        m->metadata = mq_str_dup((mq_str_t){(const char *)meta, len});
        free(meta);
        m->offset = json_integer_value(off);
        m->leader_epoch = (int32_t)MQ_MAX(MQ_MIN(json_integer_value(ep), INT32_MAX), -1);
        m = mq_strmap_put(&co->offset_meta, (mq_str_t){key, (size_t)n}, m);
        if (m) { /* a duplicate entry: the later one wins */
            free(m->metadata);
            free(m);
        }
    }
}

int
bk_coord_persist(bk_coord_t *co)
{
    json_t *root = json_object(), *groups = json_object();
    size_t it = 0;
    mq_str_t k;
    void *v;
    char *text, dir[600];
    int rc;

    json_object_set_new(root, "version", json_integer(1));
    while (mq_strmap_next(&co->groups, &it, &k, &v)) {
        const bk_cgroup_t *g = v;
        json_t *o = json_object(), *members = json_array();
        json_object_set_new(o, "state", json_string(mq_coord_state_name(g->state)));
        json_object_set_new(o, "protocolType", bk_coord_jstr(g->protocol_type));
        json_object_set_new(o, "protocol", bk_coord_jstr(g->protocol));
        json_object_set_new(o, "generation", json_integer(g->generation));
        json_object_set_new(o, "leader", bk_coord_jstr(g->leader));
        for (const bk_cmember_t *m = g->members; m; m = m->next)
            json_array_append_new(members, bk_coord_member_json(m));
        json_object_set_new(o, "members", members);
        json_object_set_new(groups, g->id, o);
    }
    json_object_set_new(root, "groups", groups);
    json_object_set_new(root, "offsetMetadata", bk_coord_meta_json(co));
    text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (!text)
        return MQ_ENOMEM;
    snprintf(dir, sizeof(dir), "%s/config", co->bk->cfg.store.root_dir);
    mkdir(dir, 0755);
    rc = store_json_file_write(co->path, text, strlen(text));
    free(text);
    if (rc != MQ_OK) {
        MQ_LOG_ERROR("coord", "cannot write %s: %s", co->path, mq_err_name(rc));
        return rc;
    }
    co->dirty = 0;
    co->meta_dirty = 0;
    co->persisted_ms = co->now();
    return MQ_OK;
}

/* A string member as a heap copy, NULL when absent or null; *bad when of another type. */
static char *
bk_coord_jget(json_t *o, const char *key, int *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return mq_xstrdup(json_string_value(v));
}

static int
bk_coord_jbytes_get(json_t *o, const char *key, uint8_t **out, size_t *len)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    *len = 0;
    if (!v || json_is_null(v))
        return MQ_OK;
    if (!json_is_string(v))
        return MQ_ECORRUPT;
    return bk_coord_b64_decode(json_string_value(v), out, len);
}

static bk_cmember_t *
bk_coord_member_load(bk_coord_t *co, json_t *o)
{
    bk_cmember_t *m = mq_xcalloc(1, sizeof(*m));
    json_t *protos = json_object_get(o, "protocols"), *p;
    json_t *st = json_object_get(o, "sessionTimeoutMs"),
           *rt = json_object_get(o, "rebalanceTimeoutMs");
    size_t i;
    int bad = !json_is_object(o);

    if (bad)
        goto err;
    m->id = bk_coord_jget(o, "memberId", &bad);
    m->instance_id = bk_coord_jget(o, "groupInstanceId", &bad);
    m->client_id = bk_coord_jget(o, "clientId", &bad);
    m->client_host = bk_coord_jget(o, "clientHost", &bad);
    if (bad || !m->id || !json_is_integer(st) || !json_is_integer(rt) || !json_is_array(protos))
        goto err;
    m->session_ms = (int32_t)MQ_MIN(MQ_MAX(json_integer_value(st), 1), INT32_MAX);
    m->rebalance_ms = (int32_t)MQ_MIN(MQ_MAX(json_integer_value(rt), 1), INT32_MAX);
    if (!m->client_id)
        m->client_id = mq_xstrdup("");
    if (!m->client_host)
        m->client_host = mq_xstrdup("");
    m->protos = mq_xcalloc(json_array_size(protos) + 1, sizeof(*m->protos));
    json_array_foreach(protos, i, p)
    {
        bk_cproto_t *bp = &m->protos[m->n_protos];
        json_t *name = json_object_get(p, "name");
        if (!json_is_string(name))
            goto err;
        if (bk_coord_jbytes_get(p, "metadata", &bp->meta, &bp->meta_len) != MQ_OK)
            goto err;
        bp->name = mq_xstrdup(json_string_value(name));
        m->n_protos++;
    }
    if (bk_coord_jbytes_get(o, "assignment", &m->assignment, &m->assignment_len) != MQ_OK)
        goto err;
    m->deadline_ms = co->now() + m->session_ms;
    return m;
err:
    bk_coord_member_free(m);
    return NULL;
}

static void
bk_coord_group_load(bk_coord_t *co, const char *id, json_t *o)
{
    json_t *members = json_object_get(o, "members"), *gen = json_object_get(o, "generation"), *mj;
    bk_cgroup_t *g;
    bk_cmember_t **tail;
    const char *state;
    size_t i;
    int bad = 0;

    if (!json_is_object(o) || !json_is_integer(gen) || !json_is_array(members) || !*id) {
        MQ_LOG_WARN("coord", "%s: group %s malformed, skipped", co->path, id);
        return;
    }
    g = bk_coord_group_new(co, mq_str_from_cstr(id));
    g->generation = (int32_t)MQ_MIN(MQ_MAX(json_integer_value(gen), 0), INT32_MAX);
    g->protocol_type = bk_coord_jget(o, "protocolType", &bad);
    g->protocol = bk_coord_jget(o, "protocol", &bad);
    g->leader = bk_coord_jget(o, "leader", &bad);
    tail = &g->members;
    json_array_foreach(members, i, mj)
    {
        bk_cmember_t *m = bk_coord_member_load(co, mj);
        if (!m) {
            MQ_LOG_WARN("coord", "%s: group %s: member %zu malformed, skipped", co->path, id, i);
            continue;
        }
        *tail = m;
        tail = &m->next;
        g->n_members++;
    }
    if (!g->members) {
        g->state = MQ_COORD_EMPTY;
        free(g->protocol);
        g->protocol = NULL;
        free(g->leader);
        g->leader = NULL;
        return;
    }
    if (!g->leader || !bk_coord_member_get(g, mq_str_from_cstr(g->leader))) {
        free(g->leader);
        g->leader = mq_xstrdup(g->members->id);
    }
    state = json_string_value(json_object_get(o, "state"));
    if (state && strcmp(state, "Stable") == 0 && g->protocol && !bad) {
        g->state = MQ_COORD_STABLE;
        return;
    }
    /* Saved mid-rebalance: start it over; members rejoin when their heartbeat says so. */
    g->state = MQ_COORD_PREPARING_REBALANCE;
    g->initial_delay = 0;
    g->rebalance_deadline_ms = co->now();
    for (bk_cmember_t *m = g->members; m; m = m->next)
        g->rebalance_deadline_ms = MQ_MAX(g->rebalance_deadline_ms, co->now() + m->rebalance_ms);
}

int
bk_coord_load(bk_coord_t *co)
{
    char *text = NULL;
    json_t *root, *groups, *o;
    json_error_t jerr;
    const char *id;
    int rc = store_json_file_read(co->path, &text);

    if (rc == MQ_ENOENT)
        return MQ_OK;
    if (rc != MQ_OK)
        return rc;
    root = json_loads(text, 0, &jerr);
    free(text);
    if (!root || !json_is_object(root)) {
        MQ_LOG_ERROR("coord", "%s: not a JSON object (%s)", co->path, root ? "" : jerr.text);
        json_decref(root);
        return MQ_ECORRUPT;
    }
    groups = json_object_get(root, "groups");
    if (groups && json_is_object(groups))
        json_object_foreach(groups, id, o) bk_coord_group_load(co, id, o);
    if (json_is_array(json_object_get(root, "offsetMetadata")))
        bk_coord_meta_load(co, json_object_get(root, "offsetMetadata"));
    json_decref(root);
    MQ_LOG_INFO("coord", "%s: %zu group(s) loaded", co->path, co->groups.count);
    return MQ_OK;
}
