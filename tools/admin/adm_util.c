/* SPDX-License-Identifier: Apache-2.0
 *
 * adm_util.c -- the helpers admin.h declares: the fastjson-tolerant JSON reader, parsers of the
 * admin bodies (ClusterInfo, TopicRouteData, KVTable, properties text, MessageQueue keys),
 * NameServer lookups (brokers of a cluster, routes), time formats and message printing in
 * QueryMsgByIdSubCommand's layout. Every body comes from the network and is distrusted: bad
 * input gives an error, never a crash.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "admin.h"
#include "mq/buf.h"

int
adm_fail(adm_t *a, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mqadmin %s: ", a->cmd ? a->cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    return 1;
}

/* ---- Parsed options ---- */

const char *
adm_arg(const adm_args_t *args, char short_name)
{
    for (int i = 0; i < args->n_opts; i++) {
        if (args->opts[i].short_name == short_name) {
            return args->vals[i];
        }
    }
    return NULL;
}

int
adm_has(const adm_args_t *args, char short_name)
{
    return adm_arg(args, short_name) != NULL;
}

int
adm_arg_i64(const adm_args_t *args, char short_name, int64_t def, int64_t *out)
{
    const char *v = adm_arg(args, short_name);
    *out = def;
    if (v == NULL) {
        return MQ_OK;
    }
    while (*v == ' ') {
        v++;
    }
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    while (end && *end == ' ') {
        end++;
    }
    if (*v == 0 || end == NULL || *end != 0) {
        fprintf(stderr, "mqadmin: option -%c: not a number: '%s'\n", short_name, v);
        return MQ_EINVAL;
    }
    *out = x;
    return MQ_OK;
}

int
adm_arg_bool(const adm_args_t *args, char short_name, int def)
{
    const char *v = adm_arg(args, short_name);
    if (v == NULL) {
        return def;
    }
    return strcasecmp(v, "true") == 0; /* Boolean.parseBoolean */
}

/* ---- JSON ---- */

#define ADM_JSON_MAX_DEPTH 64

/* Copies the string literal starting at s[i] == '"' to out; returns the index after it. */
static size_t
adm_json_copy_string(const char *s, size_t n, size_t i, mq_buf_t *out)
{
    size_t start = i++;
    while (i < n && s[i] != '"') {
        i += (s[i] == '\\') ? 2 : 1;
    }
    i = MQ_MIN(i + 1, n);
    mq_buf_append(out, s + start, i - start);
    return i;
}

/* Appends text as a JSON string literal. */
static void
adm_json_quote(const char *p, size_t n, mq_buf_t *out)
{
    mq_buf_append(out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            mq_buf_append(out, "\\", 1);
            mq_buf_append(out, &p[i], 1);
        } else if (c < 0x20) {
            mq_buf_printf(out, "\\u%04x", c);
        } else {
            mq_buf_append(out, &p[i], 1);
        }
    }
    mq_buf_append(out, "\"", 1);
}

/* Rewrites fastjson's non-string object keys as strings: {0:"a"} -> {"0":"a"} and
 * {{"topic":"T"}:1} -> {"{\"topic\":\"T\"}":1}. Returns MQ_OK or MQ_EPROTO. */
static int
adm_json_normalize(const char *s, size_t n, mq_buf_t *out)
{
    char stack[ADM_JSON_MAX_DEPTH];
    int depth = 0;
    int want_key = 0; /* next token in an object is a key */
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            mq_buf_append(out, &c, 1);
            i++;
            continue;
        }
        if (want_key && c != '"' && c != '}') {
            /* a non-string key: take its text up to the ':' at this level */
            size_t start = i;
            int d = 0;
            while (i < n) {
                if (s[i] == '"') {
                    while (++i < n && s[i] != '"') {
                        if (s[i] == '\\') {
                            i++;
                        }
                    }
                } else if (s[i] == '{' || s[i] == '[') {
                    d++;
                } else if (s[i] == '}' || s[i] == ']') {
                    if (--d < 0) {
                        return MQ_EPROTO;
                    }
                } else if (s[i] == ':' && d == 0) {
                    break;
                }
                i++;
            }
            if (i >= n) {
                return MQ_EPROTO;
            }
            size_t end = i;
            while (end > start && isspace((unsigned char)s[end - 1])) {
                end--;
            }
            adm_json_quote(s + start, end - start, out);
            want_key = 0;
            continue;
        }
        want_key = 0;
        if (c == '"') {
            i = adm_json_copy_string(s, n, i, out);
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == ADM_JSON_MAX_DEPTH) {
                return MQ_EPROTO;
            }
            stack[depth++] = c;
            want_key = (c == '{');
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return MQ_EPROTO;
            }
            depth--;
        } else if (c == ',') {
            want_key = depth > 0 && stack[depth - 1] == '{';
        }
        mq_buf_append(out, &c, 1);
        i++;
    }
    return depth == 0 ? MQ_OK : MQ_EPROTO;
}

json_t *
adm_json_parse(const char *p, size_t n)
{
    mq_buf_t b = MQ_BUF_INIT;
    json_t *j = NULL;
    if (p != NULL && adm_json_normalize(p, n, &b) == MQ_OK && b.len > 0) {
        j = json_loadb((const char *)b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    }
    mq_buf_fini(&b);
    return j;
}

int64_t
adm_json_i64(const json_t *obj, const char *key, int64_t def)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v)) {
        return json_integer_value(v);
    }
    if (json_is_real(v)) {
        return (int64_t)json_real_value(v);
    }
    if (json_is_string(v)) {
        char *end = NULL;
        long long x = strtoll(json_string_value(v), &end, 10);
        return (end && *end == 0) ? x : def;
    }
    return def;
}

double
adm_json_f64(const json_t *obj, const char *key, double def)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_number(v)) {
        return json_number_value(v);
    }
    if (json_is_string(v)) {
        return strtod(json_string_value(v), NULL);
    }
    return def;
}

const char *
adm_json_str(const json_t *obj, const char *key, const char *def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : def;
}

static void
adm_json_decref_cb(void *arg)
{
    json_decref(arg);
}

/* Parses a body and ties the result's lifetime to the pool. */
static json_t *
adm_json_pooled(adm_t *a, mq_str_t body)
{
    json_t *j = adm_json_parse(body.p, body.n);
    if (j != NULL) {
        mq_pool_cleanup_add(&a->pool, adm_json_decref_cb, j);
    }
    return j;
}

/* ---- MessageQueue keys ---- */

int
adm_mq_parse(const char *key, adm_mq_t *out)
{
    json_t *j = adm_json_parse(key, strlen(key));
    int rc = MQ_EPROTO;
    memset(out, 0, sizeof(*out));
    if (json_is_object(j)) {
        const char *t = adm_json_str(j, "topic", NULL);
        const char *b = adm_json_str(j, "brokerName", NULL);
        int64_t q = adm_json_i64(j, "queueId", -1);
        if (t && b && q >= 0 && q <= INT32_MAX) {
            snprintf(out->topic, sizeof(out->topic), "%s", t);
            snprintf(out->broker_name, sizeof(out->broker_name), "%s", b);
            out->queue_id = (int)q;
            rc = MQ_OK;
        }
    }
    json_decref(j);
    return rc;
}

int
adm_mq_cmp(const void *x, const void *y)
{
    const adm_mq_t *a = x, *b = y;
    int c = strcmp(a->topic, b->topic);
    if (c == 0) {
        c = strcmp(a->broker_name, b->broker_name);
    }
    if (c == 0) {
        c = (a->queue_id > b->queue_id) - (a->queue_id < b->queue_id);
    }
    return c;
}

/* ---- Brokers and routes ---- */

static int
adm_broker_cmp(const void *x, const void *y)
{
    const adm_broker_t *a = x, *b = y;
    int c = strcmp(a->cluster, b->cluster);
    if (c == 0) {
        c = strcmp(a->name, b->name);
    }
    if (c == 0) {
        c = (a->id > b->id) - (a->id < b->id);
    }
    return c;
}

/* Appends the rows of a BrokerData object to out (capacity cap). */
static int
adm_broker_rows(adm_t *a, json_t *bd, const char *cluster, adm_broker_t *out, int n, int cap)
{
    const char *name = adm_json_str(bd, "brokerName", "");
    if (cluster == NULL) {
        cluster = adm_json_str(bd, "cluster", "");
    }
    json_t *addrs = json_object_get(bd, "brokerAddrs");
    const char *id;
    json_t *v;
    json_object_foreach(addrs, id, v)
    {
        if (!json_is_string(v) || n >= cap) {
            continue;
        }
        out[n].cluster = mq_pstrdup(&a->pool, mq_str_from_cstr(cluster));
        out[n].name = mq_pstrdup(&a->pool, mq_str_from_cstr(name));
        out[n].id = strtoll(id, NULL, 10);
        out[n].addr = mq_pstrdup(&a->pool, mq_str_from_cstr(json_string_value(v)));
        n++;
    }
    return n;
}

int
adm_cluster_brokers(adm_t *a, const char *cluster, adm_broker_t **out, int *n)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_GET_BROKER_CLUSTER_INFO);
    int rc = adm_ns_call(a, &req, &resp);
    if (rc != MQ_OK) {
        return rc;
    }
    if (adm_resp_ok(a, &resp, "GET_BROKER_CLUSTER_INFO")) {
        return MQ_ERR;
    }
    json_t *j = adm_json_pooled(a, resp.body);
    json_t *bat = json_object_get(j, "brokerAddrTable");
    json_t *cat = json_object_get(j, "clusterAddrTable");
    if (!json_is_object(bat) || !json_is_object(cat)) {
        adm_fail(a, "malformed ClusterInfo body");
        return MQ_EPROTO;
    }
    int cap = 0;
    const char *k;
    json_t *v;
    json_object_foreach(bat, k, v)
    {
        cap += (int)json_object_size(json_object_get(v, "brokerAddrs"));
    }
    adm_broker_t *rows = mq_pcalloc(&a->pool, sizeof(*rows) * (size_t)(cap + 1));
    int cnt = 0;
    const char *cname;
    json_t *names;
    json_object_foreach(cat, cname, names)
    {
        if (cluster != NULL && strcmp(cluster, cname) != 0) {
            continue;
        }
        size_t i;
        json_t *bn;
        json_array_foreach(names, i, bn)
        {
            json_t *bd = json_is_string(bn) ? json_object_get(bat, json_string_value(bn)) : NULL;
            if (json_is_object(bd)) {
                cnt = adm_broker_rows(a, bd, cname, rows, cnt, cap);
            }
        }
    }
    if (cnt > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(rows, (size_t)cnt, sizeof(*rows), adm_broker_cmp);
    *out = rows;
    *n = cnt;
    return MQ_OK;
}

int
adm_cluster_masters(adm_t *a, const char *cluster, const char ***addrs, int *n)
{
    adm_broker_t *rows;
    int cnt;
    int rc = adm_cluster_brokers(a, cluster, &rows, &cnt);
    if (rc != MQ_OK) {
        return rc;
    }
    const char **out = mq_pcalloc(&a->pool, sizeof(*out) * (size_t)(cnt + 1));
    int m = 0;
    for (int i = 0; i < cnt; i++) {
        if (rows[i].id == 0) {
            out[m++] = rows[i].addr;
        }
    }
    if (cnt == 0) {
        adm_fail(a, "cluster [%s] not found or has no broker", cluster);
        return MQ_ENOENT;
    }
    *addrs = out;
    *n = m;
    return MQ_OK;
}

int
adm_target_brokers(adm_t *a, const adm_args_t *args, const char ***addrs, int *n)
{
    const char *b = adm_arg(args, 'b');
    if (b != NULL) {
        const char **out = mq_palloc(&a->pool, sizeof(*out));
        out[0] = b;
        *addrs = out;
        *n = 1;
        return MQ_OK;
    }
    return adm_cluster_masters(a, adm_arg(args, 'c'), addrs, n);
}

static int
adm_queue_cmp(const void *x, const void *y)
{
    const struct adm_route_queue_s *a = x, *b = y;
    return strcmp(a->broker_name, b->broker_name);
}

int
adm_route_get(adm_t *a, const char *topic, adm_route_t *out)
{
    memset(out, 0, sizeof(*out));
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_GET_ROUTEINFO_BY_TOPIC);
    adm_add(a, &req, "topic", topic);
    int rc = adm_ns_call(a, &req, &resp);
    if (rc != MQ_OK) {
        return rc;
    }
    if (resp.code == RMQ_RC_TOPIC_NOT_EXIST) {
        if (!a->quiet_enoent) {
            adm_fail(a, "No topic route info in name server for the topic: %s", topic);
        }
        return MQ_ENOENT;
    }
    if (adm_resp_ok(a, &resp, "GET_ROUTEINFO_BY_TOPIC")) {
        return MQ_ERR;
    }
    out->body = mq_pstrdup(&a->pool, resp.body);
    out->json = adm_json_pooled(a, resp.body);
    json_t *qds = json_object_get(out->json, "queueDatas");
    json_t *bds = json_object_get(out->json, "brokerDatas");
    if (!json_is_array(qds) || !json_is_array(bds)) {
        adm_fail(a, "malformed TopicRouteData body");
        return MQ_EPROTO;
    }
    size_t nq = json_array_size(qds);
    out->queues = mq_pcalloc(&a->pool, sizeof(*out->queues) * (nq + 1));
    size_t i;
    json_t *v;
    json_array_foreach(qds, i, v)
    {
        struct adm_route_queue_s *q = &out->queues[out->n_queues++];
        q->broker_name = mq_pstrdup(&a->pool, mq_str_from_cstr(adm_json_str(v, "brokerName", "")));
        q->read_queues = (int)adm_json_i64(v, "readQueueNums", 0);
        q->write_queues = (int)adm_json_i64(v, "writeQueueNums", 0);
        q->perm = (int)adm_json_i64(v, "perm", 0);
    }
    if (out->n_queues > 1)
        qsort(out->queues, (size_t)out->n_queues, sizeof(*out->queues), adm_queue_cmp);
    int cap = 0;
    json_array_foreach(bds, i, v)
    {
        cap += (int)json_object_size(json_object_get(v, "brokerAddrs"));
    }
    out->brokers = mq_pcalloc(&a->pool, sizeof(*out->brokers) * (size_t)(cap + 1));
    json_array_foreach(bds, i, v)
    {
        out->n_brokers = adm_broker_rows(a, v, NULL, out->brokers, out->n_brokers, cap);
    }
    if (out->n_brokers > 1)
        qsort(out->brokers, (size_t)out->n_brokers, sizeof(*out->brokers), adm_broker_cmp);
    return MQ_OK;
}

const char *
adm_route_master(const adm_route_t *r, const char *broker_name)
{
    for (int i = 0; i < r->n_brokers; i++) {
        if (r->brokers[i].id == 0 && strcmp(r->brokers[i].name, broker_name) == 0) {
            return r->brokers[i].addr;
        }
    }
    return NULL;
}

/* ---- Key/value bodies ---- */

static int
adm_kv_cmp(const void *x, const void *y)
{
    return strcmp(((const adm_kv_t *)x)->key, ((const adm_kv_t *)y)->key);
}

int
adm_kvtable_parse(adm_t *a, mq_str_t body, adm_kv_t **out, int *n)
{
    json_t *j = adm_json_pooled(a, body);
    json_t *t = json_object_get(j, "table");
    if (!json_is_object(t)) {
        return MQ_EPROTO;
    }
    adm_kv_t *kv = mq_pcalloc(&a->pool, sizeof(*kv) * (json_object_size(t) + 1));
    int cnt = 0;
    const char *k;
    json_t *v;
    json_object_foreach(t, k, v)
    {
        kv[cnt].key = mq_pstrdup(&a->pool, mq_str_from_cstr(k));
        if (json_is_string(v)) {
            kv[cnt].val = mq_pstrdup(&a->pool, mq_str_from_cstr(json_string_value(v)));
        } else {
            char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            kv[cnt].val = mq_pstrdup(&a->pool, mq_str_from_cstr(s ? s : ""));
            free(s);
        }
        cnt++;
    }
    if (cnt > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(kv, (size_t)cnt, sizeof(*kv), adm_kv_cmp);
    *out = kv;
    *n = cnt;
    return MQ_OK;
}

int
adm_props_text_parse(adm_t *a, mq_str_t body, adm_kv_t **out, int *n)
{
    int cap = 1;
    for (size_t i = 0; i < body.n; i++) {
        cap += body.p[i] == '\n';
    }
    adm_kv_t *kv = mq_pcalloc(&a->pool, sizeof(*kv) * (size_t)cap);
    int cnt = 0;
    const char *p = body.p, *end = body.p + body.n;
    while (p != NULL && p < end && cnt < cap) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p;
        while (s < le && (*s == ' ' || *s == '\t')) {
            s++;
        }
        const char *e = le;
        while (e > s && (e[-1] == '\r' || e[-1] == ' ')) {
            e--;
        }
        if (s < e && *s != '#' && *s != '!') {
            const char *eq = memchr(s, '=', (size_t)(e - s));
            const char *ke = eq ? eq : e;
            const char *vs = eq ? eq + 1 : e;
            while (ke > s && ke[-1] == ' ') {
                ke--;
            }
            while (vs < e && *vs == ' ') {
                vs++;
            }
            kv[cnt].key = mq_pstrdup(&a->pool, (mq_str_t){s, (size_t)(ke - s)});
            kv[cnt].val = mq_pstrdup(&a->pool, (mq_str_t){vs, (size_t)(e - vs)});
            cnt++;
        }
        p = nl ? nl + 1 : NULL;
    }
    if (cnt > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(kv, (size_t)cnt, sizeof(*kv), adm_kv_cmp);
    *out = kv;
    *n = cnt;
    return MQ_OK;
}

const char *
adm_kv_get(const adm_kv_t *kv, int n, const char *key)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(kv[i].key, key) == 0) {
            return kv[i].val;
        }
    }
    return NULL;
}

/* ---- Versions ---- */

void
adm_version_desc(int v, char out[32])
{
    /* MQVersion.Version ordinals: 16 V3_0_0 pre-releases, V3_0_1..V3_0_15, then a
     * (_SNAPSHOT, release) pair per version from V3_1_0 to V5_9_9 without V3_3_0..V3_9_0, then
     * HIGHER_VERSION. */
    static const char *const first[] = {
        "V3_0_0_SNAPSHOT", "V3_0_0_ALPHA1",         "V3_0_0_BETA1", "V3_0_0_BETA2",
        "V3_0_0_BETA3",    "V3_0_0_BETA4",          "V3_0_0_BETA5", "V3_0_0_BETA6_SNAPSHOT",
        "V3_0_0_BETA6",    "V3_0_0_BETA7_SNAPSHOT", "V3_0_0_BETA7", "V3_0_0_BETA8_SNAPSHOT",
        "V3_0_0_BETA8",    "V3_0_0_BETA9_SNAPSHOT", "V3_0_0_BETA9", "V3_0_0_FINAL"};
    if (v < 0) {
        snprintf(out, 32, "%d", v);
        return;
    }
    if (v < 16) {
        snprintf(out, 32, "%s", first[v]);
        return;
    }
    if (v < 46) {
        snprintf(out, 32, "V3_0_%d%s", (v - 16) / 2 + 1, (v % 2) ? "" : "_SNAPSHOT");
        return;
    }
    int rank = (v - 46) / 2;
    for (int n = 310; n <= 599; n++) {
        if (n >= 330 && n <= 390 && n % 10 == 0) {
            continue;
        }
        if (rank-- == 0) {
            snprintf(out, 32, "V%d_%d_%d%s", n / 100, n / 10 % 10, n % 10,
                     (v % 2) ? "" : "_SNAPSHOT");
            return;
        }
    }
    snprintf(out, 32, "HIGHER_VERSION");
}

/* ---- Time ---- */

void
adm_time_human2(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    snprintf(out, 32, "%04u-%02u-%02u %02u:%02u:%02u,%03u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
             (unsigned)((ms % 1000 + 1000) % 1000));
}

void
adm_time_plain(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    snprintf(out, 32, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

int
adm_time_parse(const char *s, int64_t *out)
{
    if (strcmp(s, "now") == 0) {
        *out = mq_now_ms();
        return MQ_OK;
    }
    char *end = NULL;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*s != 0 && end != NULL && *end == 0 && errno == 0) {
        *out = x;
        return MQ_OK;
    }
    struct tm tm;
    int msec = 0;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%d-%d-%d#%d:%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &msec) != 7) {
        return MQ_EINVAL;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1) {
        return MQ_EINVAL;
    }
    *out = (int64_t)t * 1000 + msec;
    return MQ_OK;
}

/* ---- Messages ---- */

int
adm_records_each(mq_str_t body, void (*fn)(void *arg, const mq_msg_t *m), void *arg)
{
    const uint8_t *p = (const uint8_t *)body.p;
    size_t left = body.n;
    int cnt = 0;
    while (left > 0) {
        mq_msg_t m;
        if (mq_msg_record_decode(p, left, &m) != MQ_OK || m.store_size <= 0 ||
            (size_t)m.store_size > left) {
            break;
        }
        fn(arg, &m);
        cnt++;
        p += m.store_size;
        left -= (size_t)m.store_size;
    }
    return cnt;
}

#define ADM_MAX_INFLATED (64 * 1024 * 1024) /* largest body we inflate */

int
adm_msg_inflate(mq_pool_t *pool, mq_msg_t *m)
{
    if (!(m->sys_flag & MQ_SYSFLAG_COMPRESSED) || m->body.n == 0) {
        return MQ_OK;
    }
    for (uLongf cap = (uLongf)MQ_MAX(m->body.n * 4, 256); cap <= ADM_MAX_INFLATED; cap *= 2) {
        Bytef *dst = mq_palloc(pool, cap);
        uLongf len = cap;
        int zrc = uncompress(dst, &len, (const Bytef *)m->body.p, (uLong)m->body.n);
        if (zrc == Z_OK) {
            m->body = (mq_str_t){(const char *)dst, (size_t)len};
            return MQ_OK;
        }
        if (zrc != Z_BUF_ERROR) {
            break;
        }
    }
    return MQ_ECORRUPT; /* printed as stored */
}

void
adm_msg_offset_id(const mq_msg_t *m, char out[57])
{
    mq_msgid_format(out, &m->store_host, m->phys_offset);
}

const char *
adm_msg_prop(adm_t *a, const mq_msg_t *m, const char *name)
{
    mq_str_t v;
    if (!mq_props_get(m->props, name, &v)) {
        return "";
    }
    return mq_pstrdup(&a->pool, v);
}

void
adm_msg_id(adm_t *a, const mq_msg_t *m, char out[57])
{
    const char *u = adm_msg_prop(a, m, MQ_PROP_UNIQ_KEY);
    if (u[0] != 0 && strlen(u) < 57) {
        snprintf(out, 57, "%s", u);
    } else {
        adm_msg_offset_id(m, out);
    }
}

void
adm_host_format(const mq_host_t *h, char out[64])
{
    if (h->v6) {
        char s[48] = "";
        size_t k = 0;
        for (int i = 0; i < 16; i += 2) {
            k += (size_t)snprintf(s + k, sizeof(s) - k, "%s%x", i ? ":" : "",
                                  (unsigned)(h->addr[i] << 8 | h->addr[i + 1]));
        }
        snprintf(out, 64, "%s:%d", s, (int)h->port);
    } else {
        snprintf(out, 64, "%u.%u.%u.%u:%d", h->addr[0], h->addr[1], h->addr[2], h->addr[3],
                 (int)h->port);
    }
}

/* Writes the body where QueryMsgByIdSubCommand.createBodyFile does; returns the path. */
static const char *
adm_msg_body_file(adm_t *a, const mq_msg_t *m, const char *msg_id)
{
    const char *dir = "/tmp/rocketmq/msgbodys";
    mkdir("/tmp/rocketmq", 0755);
    mkdir(dir, 0755);
    char *path = mq_palloc(&a->pool, 128);
    snprintf(path, 128, "%s/%s", dir, msg_id);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return "";
    }
    fwrite(m->body.p, 1, m->body.n, f);
    fclose(f);
    return path;
}

void
adm_msg_print(adm_t *a, const mq_msg_t *stored, int print_body)
{
    mq_msg_t copy = *stored, *m = &copy;
    adm_msg_inflate(&a->pool, m); /* MessageDecoder deCompressBody */
    char offset_id[57], born[32], store[32], bh[64], sh[64];
    adm_msg_offset_id(m, offset_id);
    adm_time_human2(m->born_ts, born);
    adm_time_human2(m->store_ts, store);
    adm_host_format(&m->born_host, bh);
    adm_host_format(&m->store_host, sh);
    const char *tags = adm_msg_prop(a, m, MQ_PROP_TAGS);
    const char *keys = adm_msg_prop(a, m, MQ_PROP_KEYS);

    printf("%-20s %s\n", "OffsetID:", offset_id);
    printf("%-20s %.*s\n", "Topic:", (int)m->topic.n, m->topic.p);
    printf("%-20s [%s]\n", "Tags:", tags[0] ? tags : "null");
    printf("%-20s [%s]\n", "Keys:", keys[0] ? keys : "null");
    printf("%-20s %d\n", "Queue ID:", m->queue_id);
    printf("%-20s %lld\n", "Queue Offset:", (long long)m->queue_offset);
    printf("%-20s %lld\n", "CommitLog Offset:", (long long)m->phys_offset);
    printf("%-20s %d\n", "Reconsume Times:", m->reconsume_times);
    printf("%-20s %s\n", "Born Timestamp:", born);
    printf("%-20s %s\n", "Store Timestamp:", store);
    printf("%-20s %s\n", "Born Host:", bh);
    printf("%-20s %s\n", "Store Host:", sh);
    printf("%-20s %d\n", "System Flag:", m->sys_flag);
    printf("%-20s {", "Properties:");
    mq_props_iter_t it;
    mq_str_t k, v;
    int first = 1;
    mq_props_iter_init(&it, m->props);
    while (mq_props_next(&it, &k, &v)) {
        printf("%s%.*s=%.*s", first ? "" : ", ", (int)k.n, k.p, (int)v.n, v.p);
        first = 0;
    }
    printf("}\n");
    printf("%-20s %s\n", "Message Body Path:", adm_msg_body_file(a, m, offset_id));
    if (print_body) {
        printf("%-20s %.*s\n", "Message Body:", (int)m->body.n, m->body.p);
    }
}
