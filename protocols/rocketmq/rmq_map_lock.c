/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map_lock.c -- LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42) <-> QUEUE_LOCK / QUEUE_UNLOCK,
 * and the JSON bodies of both directions (rmq_map_lock.h). The request body is fastjson's
 * LockBatchRequestBody, {"clientId":"..","consumerGroup":"..","mqSet":[{"brokerName":"..",
 * "queueId":0,"topic":".."}],"onlyThisBroker":false}; queueId is read as a JSON number or a
 * numeric string, unknown members are ignored. Whether a queue exists is the broker's business,
 * not this file's.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmq_codes.h"
#include "rmq_map_lock.h"

/* A JSON string copied into pool; an empty view for anything else. */
static mq_str_t
rmq_lock_str(mq_pool_t *pool, json_t *v)
{
    mq_str_t s = MQ_STR_NULL;
    if (json_is_string(v)) {
        s.n = json_string_length(v);
        s.p = mq_pstrdup(pool, (mq_str_t){json_string_value(v), s.n});
    }
    return s;
}

/* A queue id given as a JSON integer or a numeric string, 0..INT32_MAX. Returns 1 or 0. */
static int
rmq_lock_qid(json_t *v, int32_t *out)
{
    long long x;
    if (json_is_integer(v)) {
        x = json_integer_value(v);
    } else if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 12) {
        char *end;
        errno = 0;
        x = strtoll(json_string_value(v), &end, 10);
        if (*end != '\0' || errno != 0)
            return 0;
    } else {
        return 0;
    }
    if (x < 0 || x > INT32_MAX)
        return 0;
    *out = (int32_t)x;
    return 1;
}

/* Reads a MessageQueue array (mqSet, lockOKMQSet) into *mqs / *n. Returns 1, or 0 with *why. */
static int
rmq_lock_mqs(mq_pool_t *pool, json_t *arr, mq_queue_ref_t **mqs, int *n, const char **why)
{
    size_t i;
    json_t *o;

    *mqs = NULL;
    *n = 0;
    if (!arr || json_is_null(arr))
        return 1;
    if (!json_is_array(arr)) {
        *why = "mqSet";
        return 0;
    }
    *mqs = mq_pcalloc(pool, (json_array_size(arr) + 1) * sizeof(**mqs));
    json_array_foreach(arr, i, o)
    {
        mq_queue_ref_t *q = &(*mqs)[*n];
        q->topic = rmq_lock_str(pool, json_object_get(o, "topic"));
        q->broker_name = rmq_lock_str(pool, json_object_get(o, "brokerName"));
        if (q->topic.n == 0) {
            *why = "mqSet.topic";
            return 0;
        }
        if (q->broker_name.n == 0) {
            *why = "mqSet.brokerName";
            return 0;
        }
        if (!rmq_lock_qid(json_object_get(o, "queueId"), &q->queue_id)) {
            *why = "mqSet.queueId";
            return 0;
        }
        (*n)++;
    }
    return 1;
}

int
rmq_map_lock_request(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    mq_queue_lock_t *q = &req->u.queue_lock;
    json_t *root, *only;
    int rc = MQ_EINVAL;

    if (c->code != RMQ_LOCK_BATCH_MQ && c->code != RMQ_UNLOCK_BATCH_MQ)
        return MQ_DECLINED;
    req->op = c->code == RMQ_LOCK_BATCH_MQ ? MQ_OP_QUEUE_LOCK : MQ_OP_QUEUE_UNLOCK;
    memset(q, 0, sizeof(*q));
    root = c->body.n ? json_loadb(c->body.p, c->body.n, 0, NULL) : NULL;
    if (!json_is_object(root)) {
        *why = "lock body";
        goto out;
    }
    q->group = rmq_lock_str(pool, json_object_get(root, "consumerGroup"));
    q->client_id = rmq_lock_str(pool, json_object_get(root, "clientId"));
    if (q->group.n == 0) {
        *why = "consumerGroup";
        goto out;
    }
    if (q->client_id.n == 0) {
        *why = "clientId";
        goto out;
    }
    only = json_object_get(root, "onlyThisBroker");
    q->only_this_broker = json_is_true(only) ||
                          (json_is_string(only) && strcmp(json_string_value(only), "true") == 0);
    if (rmq_lock_mqs(pool, json_object_get(root, "mqSet"), &q->mqs, &q->n_mqs, why))
        rc = MQ_OK;
out:
    json_decref(root);
    return rc;
}

static json_t *
rmq_lock_mqs_json(const mq_queue_ref_t *mqs, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(
            o, "brokerName",
            json_stringn(mqs[i].broker_name.p ? mqs[i].broker_name.p : "", mqs[i].broker_name.n));
        json_object_set_new(o, "queueId", json_integer(mqs[i].queue_id));
        json_object_set_new(o, "topic",
                            json_stringn(mqs[i].topic.p ? mqs[i].topic.p : "", mqs[i].topic.n));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* Appends root's compact JSON to out and drops root. */
static void
rmq_lock_dump(json_t *root, mq_buf_t *out)
{
    char *s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (s)
        mq_buf_append_cstr(out, s);
    free(s);
    json_decref(root);
}

void
rmq_lock_reply_json(const mq_queue_refs_t *granted, mq_buf_t *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "lockOKMQSet", rmq_lock_mqs_json(granted->mqs, granted->n));
    rmq_lock_dump(root, out);
}

void
rmq_lock_request_json(const mq_queue_lock_t *q, mq_buf_t *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "clientId",
                        json_stringn(q->client_id.p ? q->client_id.p : "", q->client_id.n));
    json_object_set_new(root, "consumerGroup",
                        json_stringn(q->group.p ? q->group.p : "", q->group.n));
    json_object_set_new(root, "mqSet", rmq_lock_mqs_json(q->mqs, q->n_mqs));
    json_object_set_new(root, "onlyThisBroker", json_boolean(q->only_this_broker));
    rmq_lock_dump(root, out);
}

int
rmq_lock_reply_parse(mq_str_t body, mq_pool_t *pool, mq_queue_refs_t *out)
{
    json_t *root = body.n ? json_loadb(body.p, body.n, 0, NULL) : NULL;
    const char *why = NULL;
    int rc = MQ_EPROTO;

    memset(out, 0, sizeof(*out));
    if (json_is_object(root) &&
        rmq_lock_mqs(pool, json_object_get(root, "lockOKMQSet"), &out->mqs, &out->n, &why))
        rc = MQ_OK;
    json_decref(root);
    return rc;
}
