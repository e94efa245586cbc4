/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map_namesrv.c -- NameServer request codes <-> the request model (rmq_map.h):
 * REGISTER_BROKER (103), UNREGISTER_BROKER (104), QUERY_DATA_VERSION (322),
 * GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106),
 * GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), GET_TOPICS_BY_CLUSTER (224),
 * DELETE_TOPIC_IN_NAMESRV (216), PUT/GET/DELETE_KV_CONFIG (100-102), GET_KVLIST_BY_NAMESPACE
 * (219), WIPE/ADD_WRITE_PERM_OF_BROKER (205/327).
 *
 * Route data is written as compact JSON with quoted broker-id keys, which every client reads
 * (the Go client breaks on whitespace; C++ and ali-ons accept quoted keys; section 3.1).
 *
 * The broker's side of REGISTER_BROKER and UNREGISTER_BROKER is here too (the requests a broker
 * sends its NameServers, encoded as BrokerOuterAPI.registerBrokerAll / unregisterBroker do),
 * so the decoder above and the encoder below are kept in step by one round-trip test.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mq/crc.h"
#include "rmq_codes.h"
#include "rmq_map.h"

/* ---- JSON writing helpers ---- */

static void
rmq_j_str(mq_buf_t *b, mq_str_t s)
{
    /* the same escaping as headers: reuse through a one-field command would be heavier */
    static const char hex[] = "0123456789abcdef";
    mq_buf_append(b, "\"", 1);
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            mq_buf_append(b, e, 2);
        } else if (ch < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            mq_buf_append(b, e, 6);
        } else {
            mq_buf_append(b, &s.p[i], 1);
        }
    }
    mq_buf_append(b, "\"", 1);
}

static void
rmq_broker_data_json(const mq_route_broker_t *bd, mq_buf_t *b)
{
    mq_buf_append_cstr(b, "{\"brokerAddrs\":{");
    for (int i = 0; i < bd->n_addrs; i++) {
        mq_buf_printf(b, "%s\"%" PRId64 "\":", i ? "," : "", bd->ids[i]);
        rmq_j_str(b, bd->addrs[i]);
    }
    mq_buf_append_cstr(b, "},\"brokerName\":");
    rmq_j_str(b, bd->broker_name);
    mq_buf_append_cstr(b, ",\"cluster\":");
    rmq_j_str(b, bd->cluster);
    mq_buf_append_cstr(b, ",\"enableActingMaster\":false");
    if (bd->kafka_listener.n) { /* rocketmq-c extension; RocketMQ clients ignore it */
        mq_buf_append_cstr(b, ",\"kafkaListener\":");
        rmq_j_str(b, bd->kafka_listener);
        mq_buf_printf(b, ",\"kafkaNodeId\":%" PRId64, bd->kafka_node_id);
    }
    mq_buf_append(b, "}", 1);
}

void
rmq_route_json(const mq_route_t *r, mq_buf_t *b)
{
    mq_buf_append_cstr(b, "{\"brokerDatas\":[");
    for (int i = 0; i < r->n_brokers; i++) {
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_broker_data_json(&r->brokers[i], b);
    }
    mq_buf_append_cstr(b, "],\"filterServerTable\":{}");
    if (r->order_topic_conf.n) {
        mq_buf_append_cstr(b, ",\"orderTopicConf\":");
        rmq_j_str(b, r->order_topic_conf);
    }
    mq_buf_append_cstr(b, ",\"queueDatas\":[");
    for (int i = 0; i < r->n_queues; i++) {
        const mq_route_queue_t *q = &r->queues[i];
        mq_buf_append_cstr(b, i ? ",{\"brokerName\":" : "{\"brokerName\":");
        rmq_j_str(b, q->broker_name);
        mq_buf_printf(b,
                      ",\"perm\":%d,\"readQueueNums\":%d,\"topicSysFlag\":%d,"
                      "\"writeQueueNums\":%d}",
                      q->perm, q->read_queues, q->topic_sys_flag, q->write_queues);
    }
    mq_buf_append_cstr(b, "]}");
}

void
rmq_cluster_info_json(const mq_cluster_info_t *ci, mq_buf_t *b)
{
    mq_buf_append_cstr(b, "{\"brokerAddrTable\":{");
    for (int i = 0; i < ci->n_brokers; i++) {
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_j_str(b, ci->brokers[i].broker_name);
        mq_buf_append(b, ":", 1);
        rmq_broker_data_json(&ci->brokers[i], b);
    }
    mq_buf_append_cstr(b, "},\"clusterAddrTable\":{");
    /* clusters in order of first appearance, each with its broker names */
    for (int i = 0, nc = 0; i < ci->n_brokers; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = mq_str_eq(ci->brokers[j].cluster, ci->brokers[i].cluster);
        if (seen)
            continue;
        if (nc++)
            mq_buf_append(b, ",", 1);
        rmq_j_str(b, ci->brokers[i].cluster);
        mq_buf_append_cstr(b, ":[");
        for (int j = i, nb = 0; j < ci->n_brokers; j++) {
            if (!mq_str_eq(ci->brokers[j].cluster, ci->brokers[i].cluster))
                continue;
            if (nb++)
                mq_buf_append(b, ",", 1);
            rmq_j_str(b, ci->brokers[j].broker_name);
        }
        mq_buf_append(b, "]", 1);
    }
    mq_buf_append_cstr(b, "}}");
}

void
rmq_topic_list_json(const mq_str_list_t *l, mq_buf_t *b)
{
    mq_buf_append_cstr(b, "{\"topicList\":[");
    for (int i = 0; i < l->n; i++) {
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_j_str(b, l->items[i]);
    }
    mq_buf_append_cstr(b, "]}");
}

/* ---- REGISTER_BROKER body ---- */

static mq_str_t
rmq_pstr(mq_pool_t *pool, json_t *v)
{
    if (!json_is_string(v))
        return MQ_STR_NULL;
    return (mq_str_t){mq_pstrdup(pool, (mq_str_t){json_string_value(v), json_string_length(v)}),
                      json_string_length(v)};
}

static int64_t
rmq_jint(json_t *obj, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_string(v)) {
        long long x;
        char tail;
        if (sscanf(json_string_value(v), "%lld%c", &x, &tail) == 1)
            return x;
    }
    return dflt;
}

int
rmq_register_body_parse(mq_str_t body, mq_pool_t *pool, mq_register_broker_t *rb)
{
    json_error_t err;
    json_t *root, *wrapper, *table, *dv, *tc;
    const char *key;
    int n = 0, rc = MQ_EINVAL;

    rb->topics = NULL;
    rb->n_topics = 0;
    if (body.n == 0)
        return MQ_OK;
    root = json_loadb(body.p, body.n, 0, &err);
    if (!json_is_object(root))
        goto out;
    wrapper = json_object_get(root, "topicConfigSerializeWrapper");
    if (!json_is_object(wrapper))
        goto out;
    dv = json_object_get(wrapper, "dataVersion");
    rb->version.counter = rmq_jint(dv, "counter", 0);
    rb->version.state_version = rmq_jint(dv, "stateVersion", 0);
    rb->version.timestamp = rmq_jint(dv, "timestamp", 0);
    table = json_object_get(wrapper, "topicConfigTable");
    if (table && !json_is_object(table))
        goto out;
    if (json_object_size(table) > 1000000)
        goto out;
    rb->topics = mq_palloc(pool, (json_object_size(table) + 1) * sizeof(*rb->topics));
    json_object_foreach(table, key, tc)
    {
        mq_topic_conf_t *t = &rb->topics[n];
        json_t *name;
        if (!json_is_object(tc))
            continue;
        name = json_object_get(tc, "topicName");
        t->name = json_is_string(name)
                      ? rmq_pstr(pool, name)
                      : (mq_str_t){mq_pstrdup(pool, mq_str_from_cstr(key)), strlen(key)};
        t->read_queues = (int32_t)rmq_jint(tc, "readQueueNums", 0);
        t->write_queues = (int32_t)rmq_jint(tc, "writeQueueNums", 0);
        t->perm = (int32_t)rmq_jint(tc, "perm", 6);
        t->topic_sys_flag = (int32_t)rmq_jint(tc, "topicSysFlag", 0);
        t->order = json_is_true(json_object_get(tc, "order"));
        if (t->name.n == 0 || t->read_queues < 0 || t->write_queues < 0 || t->read_queues > 65535 ||
            t->write_queues > 65535)
            goto out;
        n++;
    }
    rb->n_topics = n;
    rc = MQ_OK;
out:
    json_decref(root);
    return rc;
}

/* ---- The broker's requests to a NameServer ---- */

void
rmq_register_body_json(const mq_register_broker_t *rb, mq_buf_t *b)
{
    /* RegisterBrokerBody as fastjson writes it: fields sorted by name, TopicConfig included */
    mq_buf_printf(b,
                  "{\"filterServerList\":[],\"topicConfigSerializeWrapper\":{\"dataVersion\":"
                  "{\"counter\":%" PRId64 ",\"stateVersion\":%" PRId64 ",\"timestamp\":%" PRId64
                  "},\"topicConfigTable\":{",
                  rb->version.counter, rb->version.state_version, rb->version.timestamp);
    for (int i = 0; i < rb->n_topics; i++) {
        const mq_topic_conf_t *t = &rb->topics[i];
        if (i)
            mq_buf_append(b, ",", 1);
        rmq_j_str(b, t->name);
        mq_buf_printf(b, ":{\"attributes\":{},\"order\":%s,\"perm\":%d,\"readQueueNums\":%d,",
                      t->order ? "true" : "false", t->perm, t->read_queues);
        mq_buf_append_cstr(b, "\"topicFilterType\":\"SINGLE_TAG\",\"topicName\":");
        rmq_j_str(b, t->name);
        mq_buf_printf(b, ",\"topicSysFlag\":%d,\"writeQueueNums\":%d}", t->topic_sys_flag,
                      t->write_queues);
    }
    mq_buf_append_cstr(b, "}}}");
}

void
rmq_register_broker_encode(const mq_register_broker_t *rb, int32_t opaque, mq_pool_t *pool,
                           mq_buf_t *out)
{
    rmq_cmd_t c;
    mq_buf_t body = MQ_BUF_INIT;

    rmq_register_body_json(rb, &body);
    rmq_cmd_init(&c, RMQ_REGISTER_BROKER, opaque, 0);
    rmq_cmd_add(&c, pool, "brokerAddr", rb->broker_addr);
    rmq_cmd_add_i64(&c, pool, "brokerId", rb->broker_id);
    rmq_cmd_add(&c, pool, "brokerName", rb->broker_name);
    rmq_cmd_add(&c, pool, "clusterName", rb->cluster);
    rmq_cmd_add(&c, pool, "haServerAddr", rb->ha_addr);
    rmq_cmd_add(&c, pool, "enableActingMaster", MQ_STR("false"));
    rmq_cmd_add(&c, pool, "compressed", MQ_STR("false"));
    /* Java sends heartbeatTimeoutMillis only when it is not the NameServer's default */
    if (rb->heartbeat_timeout > 0 && rb->heartbeat_timeout != 120000)
        rmq_cmd_add_i64(&c, pool, "heartbeatTimeoutMillis", rb->heartbeat_timeout);
    rmq_cmd_add_i64(&c, pool, "bodyCrc32", mq_body_crc(body.data, body.len));
    if (rb->kafka_listener.n) { /* rocketmq-c extension; Java NameServers ignore it */
        rmq_cmd_add(&c, pool, "kafkaListener", rb->kafka_listener);
        rmq_cmd_add_i64(&c, pool, "kafkaNodeId", rb->kafka_node_id);
    }
    c.body = mq_buf_view(&body);
    rmq_cmd_encode(&c, out);
    mq_buf_fini(&body);
}

void
rmq_unregister_broker_encode(const mq_unregister_broker_t *ub, int32_t opaque, mq_pool_t *pool,
                             mq_buf_t *out)
{
    rmq_cmd_t c;
    rmq_cmd_init(&c, RMQ_UNREGISTER_BROKER, opaque, 0);
    rmq_cmd_add(&c, pool, "brokerAddr", ub->broker_addr);
    rmq_cmd_add_i64(&c, pool, "brokerId", ub->broker_id);
    rmq_cmd_add(&c, pool, "brokerName", ub->broker_name);
    rmq_cmd_add(&c, pool, "clusterName", ub->cluster);
    rmq_cmd_encode(&c, out);
}

/* ---- Requests ---- */

static mq_str_t
rmq_ext_str(const rmq_cmd_t *c, const char *key)
{
    mq_str_t v;
    return rmq_cmd_ext(c, key, &v) ? v : MQ_STR_NULL;
}

static int
rmq_need(const rmq_cmd_t *c, const char *key, mq_str_t *out, const char **why)
{
    if (!rmq_cmd_ext(c, key, out) || out->n == 0) {
        *why = key;
        return 0;
    }
    return 1;
}

int
rmq_map_namesrv_request(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    int64_t id = 0;
    *why = NULL;
    switch (c->code) {
    case RMQ_REGISTER_BROKER: {
        mq_register_broker_t *rb = &req->u.register_broker;
        int compressed = 0;
        req->op = MQ_OP_REGISTER_BROKER;
        memset(rb, 0, sizeof(*rb));
        if (!rmq_need(c, "brokerName", &rb->broker_name, why) ||
            !rmq_need(c, "brokerAddr", &rb->broker_addr, why) ||
            !rmq_need(c, "clusterName", &rb->cluster, why))
            return MQ_EINVAL;
        rb->ha_addr = rmq_ext_str(c, "haServerAddr");
        if (rmq_cmd_ext_i64(c, "brokerId", &rb->broker_id) != MQ_OK) {
            *why = "brokerId";
            return MQ_EINVAL;
        }
        if (rmq_cmd_ext_i64(c, "heartbeatTimeoutMillis", &rb->heartbeat_timeout) != MQ_OK ||
            rb->heartbeat_timeout <= 0)
            rb->heartbeat_timeout = 120000;
        rb->kafka_listener = rmq_ext_str(c, "kafkaListener");
        if (rmq_cmd_ext_i64(c, "kafkaNodeId", &rb->kafka_node_id) != MQ_OK)
            rb->kafka_node_id = -1;
        if (rmq_cmd_ext_bool(c, "compressed", &compressed) == MQ_OK && compressed) {
            *why = "compressed registration bodies are not supported; set compressedRegister=false";
            return MQ_EINVAL;
        }
        if (rmq_register_body_parse(c->body, pool, rb) != MQ_OK) {
            *why = "register body";
            return MQ_EINVAL;
        }
        return MQ_OK;
    }
    case RMQ_UNREGISTER_BROKER:
    case RMQ_QUERY_DATA_VERSION: {
        mq_unregister_broker_t *ub = &req->u.unregister_broker;
        int is_query = c->code == RMQ_QUERY_DATA_VERSION;
        memset(&req->u, 0, sizeof(req->u));
        req->op = is_query ? MQ_OP_QUERY_DATA_VERSION : MQ_OP_UNREGISTER_BROKER;
        if (!rmq_need(c, "brokerName", &ub->broker_name, why) ||
            !rmq_need(c, "brokerAddr", &ub->broker_addr, why) ||
            !rmq_need(c, "clusterName", &ub->cluster, why))
            return MQ_EINVAL;
        (void)rmq_cmd_ext_i64(c, "brokerId", &id);
        ub->broker_id = id;
        if (is_query) {
            mq_query_data_version_t *q = &req->u.query_data_version;
            json_t *dv = json_loadb(c->body.p, c->body.n, 0, NULL);
            /* the first members are laid out alike: copy them over explicitly */
            mq_unregister_broker_t tmp = *ub;
            q->cluster = tmp.cluster;
            q->broker_name = tmp.broker_name;
            q->broker_addr = tmp.broker_addr;
            q->broker_id = tmp.broker_id;
            q->version.counter = rmq_jint(dv, "counter", -1);
            q->version.state_version = rmq_jint(dv, "stateVersion", 0);
            q->version.timestamp = rmq_jint(dv, "timestamp", -1);
            json_decref(dv);
        }
        return MQ_OK;
    }
    case RMQ_GET_ROUTEINFO_BY_TOPIC:
        req->op = MQ_OP_GET_ROUTE;
        return rmq_need(c, "topic", &req->u.get_route.topic, why) ? MQ_OK : MQ_EINVAL;
    case RMQ_GET_BROKER_CLUSTER_INFO:
        req->op = MQ_OP_GET_CLUSTER_INFO;
        return MQ_OK;
    case RMQ_GET_ALL_TOPIC_LIST_FROM_NAMESERVER:
        req->op = MQ_OP_GET_TOPIC_LIST;
        req->u.get_topic_list.cluster = MQ_STR_NULL;
        return MQ_OK;
    case RMQ_GET_TOPICS_BY_CLUSTER:
        req->op = MQ_OP_GET_TOPIC_LIST;
        return rmq_need(c, "cluster", &req->u.get_topic_list.cluster, why) ? MQ_OK : MQ_EINVAL;
    case RMQ_DELETE_TOPIC_IN_NAMESRV:
        req->op = MQ_OP_DELETE_TOPIC_ROUTE;
        return rmq_need(c, "topic", &req->u.get_route.topic, why) ? MQ_OK : MQ_EINVAL;
    case RMQ_PUT_KV_CONFIG:
    case RMQ_GET_KV_CONFIG:
    case RMQ_DELETE_KV_CONFIG:
    case RMQ_GET_KVLIST_BY_NAMESPACE:
        req->op = c->code == RMQ_PUT_KV_CONFIG      ? MQ_OP_KV_PUT
                  : c->code == RMQ_GET_KV_CONFIG    ? MQ_OP_KV_GET
                  : c->code == RMQ_DELETE_KV_CONFIG ? MQ_OP_KV_DELETE
                                                    : MQ_OP_KV_LIST;
        memset(&req->u.kv, 0, sizeof(req->u.kv));
        if (!rmq_need(c, "namespace", &req->u.kv.ns, why))
            return MQ_EINVAL;
        if (req->op != MQ_OP_KV_LIST && !rmq_need(c, "key", &req->u.kv.key, why))
            return MQ_EINVAL;
        if (req->op == MQ_OP_KV_PUT)
            req->u.kv.value = rmq_ext_str(c, "value");
        return MQ_OK;
    case RMQ_WIPE_WRITE_PERM_OF_BROKER:
    case RMQ_ADD_WRITE_PERM_OF_BROKER:
        req->op = MQ_OP_SET_BROKER_WRITABLE;
        req->u.set_broker_writable.writable = c->code == RMQ_ADD_WRITE_PERM_OF_BROKER;
        return rmq_need(c, "brokerName", &req->u.set_broker_writable.broker_name, why) ? MQ_OK
                                                                                       : MQ_EINVAL;
    default:
        return MQ_DECLINED;
    }
}

/* ---- Replies ---- */

void
rmq_map_error(int32_t code, int32_t opaque, const char *remark, mq_buf_t *out)
{
    rmq_cmd_t r;
    rmq_cmd_init(&r, code, opaque, RMQ_FLAG_RESPONSE);
    if (remark)
        r.remark = mq_str_from_cstr(remark);
    rmq_cmd_encode(&r, out);
}

static int32_t
rmq_status_code(const mq_req_t *req, int status)
{
    switch (status) {
    case MQ_OK:
        return RMQ_RC_SUCCESS;
    case MQ_ENOENT:
        return req->op == MQ_OP_GET_ROUTE ? RMQ_RC_TOPIC_NOT_EXIST : RMQ_RC_QUERY_NOT_FOUND;
    case MQ_EPERM:
        return RMQ_RC_NO_PERMISSION;
    case MQ_EINVAL:
        return RMQ_RC_INVALID_PARAMETER;
    case MQ_EBUSY:
        return RMQ_RC_SYSTEM_BUSY;
    case MQ_ENOSPC:
    case MQ_ECLOSED:
        return RMQ_RC_SERVICE_NOT_AVAILABLE;
    default:
        return RMQ_RC_SYSTEM_ERROR;
    }
}

void
rmq_map_namesrv_reply(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque,
                      mq_pool_t *pool, mq_buf_t *out)
{
    rmq_cmd_t r;
    mq_buf_t body = MQ_BUF_INIT;

    rmq_cmd_init(&r, rmq_status_code(req, status), opaque, RMQ_FLAG_RESPONSE);
    if (status != MQ_OK) {
        r.remark = mq_str_from_cstr(rep && rep->text ? rep->text : mq_err_text(status));
        rmq_cmd_encode(&r, out);
        return;
    }
    switch (req->op) {
    case MQ_OP_REGISTER_BROKER:
        rmq_cmd_add(&r, pool, "masterAddr", rep->u.reg.master_addr);
        rmq_cmd_add(&r, pool, "haServerAddr", rep->u.reg.ha_addr);
        mq_buf_append_cstr(&body, "{\"table\":{}}");
        break;
    case MQ_OP_QUERY_DATA_VERSION:
        rmq_cmd_add(&r, pool, "changed", rep->u.changed ? MQ_STR("true") : MQ_STR("false"));
        break;
    case MQ_OP_GET_ROUTE:
        rmq_route_json(&rep->u.route, &body);
        break;
    case MQ_OP_GET_CLUSTER_INFO:
        rmq_cluster_info_json(&rep->u.cluster, &body);
        break;
    case MQ_OP_GET_TOPIC_LIST:
        rmq_topic_list_json(&rep->u.list, &body);
        break;
    case MQ_OP_KV_GET:
        rmq_cmd_add(&r, pool, "value", rep->u.value);
        break;
    case MQ_OP_KV_LIST:
        mq_buf_append_cstr(&body, "{\"table\":{");
        for (int i = 0; i + 1 < rep->u.list.n; i += 2) {
            if (i)
                mq_buf_append(&body, ",", 1);
            rmq_j_str(&body, rep->u.list.items[i]);
            mq_buf_append(&body, ":", 1);
            rmq_j_str(&body, rep->u.list.items[i + 1]);
        }
        mq_buf_append_cstr(&body, "}}");
        break;
    case MQ_OP_SET_BROKER_WRITABLE:
        rmq_cmd_add_i64(&r, pool,
                        req->u.set_broker_writable.writable ? "addTopicCount" : "wipeTopicCount",
                        rep->u.count);
        break;
    default:
        break;
    }
    r.body = mq_buf_view(&body);
    rmq_cmd_encode(&r, out);
    mq_buf_fini(&body);
}
