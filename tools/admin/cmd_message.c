/* SPDX-License-Identifier: Apache-2.0
 *
 * cmd_message.c -- mqadmin message commands, after RocketMQ's tools/command/message/:
 * sendMessage (SEND_MESSAGE_V2 to a queue of the topic's route), consumeMessage (PULL_MESSAGE
 * over the queues, printed like PrintMessageByQueueCommand), queryMsgById (VIEW_MESSAGE_BY_ID
 * for an offset id, QUERY_MESSAGE by UNIQ_KEY for a client id), queryMsgByKey (QUERY_MESSAGE on
 * every broker of the topic) and queryMsgByOffset (one pull at a queue offset).
 * Bodies are stored records (include/mq/msg.h decodes them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "mq/buf.h"

#define ADM_TOOLS_CONSUMER "TOOLS_CONSUMER"     /* MixAll.TOOLS_CONSUMER_GROUP */
#define ADM_DEFAULT_PRODUCER "DEFAULT_PRODUCER" /* MixAll.DEFAULT_PRODUCER_GROUP */

int
adm_pull(adm_t *a, const char *addr, const char *group, const char *topic, int queue_id,
         int64_t offset, int max, rmq_cmd_t *resp)
{
    rmq_cmd_t req;
    adm_req(a, &req, RMQ_PULL_MESSAGE);
    adm_add(a, &req, "consumerGroup", group);
    adm_add(a, &req, "topic", topic);
    adm_add_i64(a, &req, "queueId", queue_id);
    adm_add_i64(a, &req, "queueOffset", offset);
    adm_add_i64(a, &req, "maxMsgNums", max);
    adm_add_i64(a, &req, "sysFlag", 0x4); /* PullSysFlag SUBSCRIPTION: ours, not a heartbeat's */
    adm_add_i64(a, &req, "commitOffset", 0);
    adm_add_i64(a, &req, "suspendTimeoutMillis", 0);
    adm_add(a, &req, "subscription", "*");
    adm_add_i64(a, &req, "subVersion", 0);
    adm_add(a, &req, "expressionType", "TAG");
    return adm_call(a, addr, &req, resp);
}

void
adm_double_str(double d, char out[32])
{
    if (d == (double)(long long)d && d < 1e15 && d > -1e15) {
        snprintf(out, 32, "%.1f", d);
    } else {
        snprintf(out, 32, "%g", d);
    }
}

/* ---- sendMessage ---- */

static const adm_opt_t adm_send_opts[] = {
    {'t', "topic", 1, 1, "Topic name"},
    {'p', "body", 1, 1, "UTF-8 string format of the message body"},
    {'k', "key", 1, 0, "Message keys"},
    {'c', "tags", 1, 0, "Message tags"},
    {'b', "broker", 1, 0, "Send message to target broker"},
    {'i', "qid", 1, 0, "Send message to target queue"},
    {'m', "msgTraceEnable", 1, 0, "Message Trace Enable, Default: false"},
    {0, NULL, 0, 0, NULL},
};

static const char *
adm_send_status(int code)
{
    switch (code) {
    case RMQ_RC_SUCCESS:
        return "SEND_OK";
    case RMQ_RC_FLUSH_DISK_TIMEOUT:
        return "FLUSH_DISK_TIMEOUT";
    case RMQ_RC_FLUSH_SLAVE_TIMEOUT:
        return "FLUSH_SLAVE_TIMEOUT";
    case RMQ_RC_SLAVE_NOT_AVAILABLE:
        return "SLAVE_NOT_AVAILABLE";
    default:
        return NULL;
    }
}

static int
adm_send_message(adm_t *a, const adm_args_t *args)
{
    const char *topic = adm_arg(args, 't');
    const char *broker = adm_arg(args, 'b');
    int64_t qid;
    if (adm_arg_i64(args, 'i', -1, &qid)) {
        return 1;
    }
    if (qid >= 0 && broker == NULL) {
        return adm_fail(a, "Broker name must be set if the queue is chosen!");
    }
    adm_route_t r;
    const char *default_topic = "TBW102";
    a->quiet_enoent = 1;
    int rc = adm_route_get(a, topic, &r);
    a->quiet_enoent = 0;
    if (rc == MQ_ENOENT) {
        /* as a producer does: send through the auto-create template's route */
        rc = adm_route_get(a, default_topic, &r);
        /* the producer's view of a template route: min(defaultTopicQueueNums, queues) */
        for (int i = 0; rc == MQ_OK && i < r.n_queues; i++) {
            r.queues[i].write_queues = MQ_MIN(r.queues[i].write_queues, 4);
            r.queues[i].read_queues = MQ_MIN(r.queues[i].read_queues, 4);
        }
    }
    if (rc != MQ_OK) {
        return 1;
    }
    /* the writable queues of brokers with a master; pick one (or the one asked for) */
    int total = 0;
    for (int i = 0; i < r.n_queues; i++) {
        if ((r.queues[i].perm & 2) && adm_route_master(&r, r.queues[i].broker_name)) {
            total += r.queues[i].write_queues;
        }
    }
    const char *bname = NULL;
    int q = -1;
    if (broker != NULL) {
        bname = broker;
        q = qid >= 0 ? (int)qid : 0;
        if (qid < 0) {
            for (int i = 0; i < r.n_queues; i++) {
                if (strcmp(r.queues[i].broker_name, broker) == 0 && r.queues[i].write_queues > 0) {
                    q = (int)(mq_now_ms() % r.queues[i].write_queues);
                }
            }
        }
    } else if (total > 0) {
        int pick = (int)((mq_now_ms() ^ getpid()) % total);
        for (int i = 0; i < r.n_queues && bname == NULL; i++) {
            if (!(r.queues[i].perm & 2) || !adm_route_master(&r, r.queues[i].broker_name)) {
                continue;
            }
            if (pick < r.queues[i].write_queues) {
                bname = r.queues[i].broker_name;
                q = pick;
            }
            pick -= r.queues[i].write_queues;
        }
    }
    const char *addr = bname ? adm_route_master(&r, bname) : NULL;
    if (addr == NULL) {
        return adm_fail(a, "no writable queue for topic %s%s%s", topic, broker ? " on " : "",
                        broker ? broker : "");
    }

    mq_uniq_gen_t gen;
    const uint8_t ip[4] = {127, 0, 0, 1};
    mq_uniq_gen_init(&gen, ip, (uint16_t)getpid(), (uint32_t)mq_mono_ns());
    char uniq[33];
    mq_uniq_gen_next(&gen, mq_now_ms(), uniq);
    mq_buf_t props = MQ_BUF_INIT;
    if (adm_has(args, 'k')) {
        mq_props_put(&props, MQ_STR(MQ_PROP_KEYS), mq_str_from_cstr(adm_arg(args, 'k')));
    }
    if (adm_has(args, 'c')) {
        mq_props_put(&props, MQ_STR(MQ_PROP_TAGS), mq_str_from_cstr(adm_arg(args, 'c')));
    }
    mq_props_put(&props, MQ_STR(MQ_PROP_WAIT), MQ_STR("true"));
    mq_props_put(&props, MQ_STR(MQ_PROP_UNIQ_KEY), mq_str_from_cstr(uniq));

    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_SEND_MESSAGE_V2);
    adm_add(a, &req, "a", ADM_DEFAULT_PRODUCER);
    adm_add(a, &req, "b", topic);
    adm_add(a, &req, "c", default_topic);
    adm_add_i64(a, &req, "d", 4);
    adm_add_i64(a, &req, "e", q);
    adm_add_i64(a, &req, "f", 0);
    adm_add_i64(a, &req, "g", mq_now_ms());
    adm_add_i64(a, &req, "h", 0);
    rmq_cmd_add(&req, &a->pool, "i", mq_buf_view(&props));
    adm_add_i64(a, &req, "j", 0);
    adm_add(a, &req, "k", "false");
    adm_add_i64(a, &req, "l", 16);
    req.body = mq_str_from_cstr(adm_arg(args, 'p'));
    rc = adm_call(a, addr, &req, &resp);
    mq_buf_fini(&props);
    if (rc != MQ_OK) {
        return 1;
    }
    const char *status = adm_send_status(resp.code);
    if (status == NULL) {
        adm_resp_ok(a, &resp, "SEND_MESSAGE_V2");
        return 1;
    }
    const char *rq = adm_ext(a, &resp, "queueId");
    printf("%-32s  %-4s  %-20s    %s\n", "#Broker Name", "#QID", "#Send Result", "#MsgId");
    char qs[16];
    snprintf(qs, sizeof(qs), "%d", rq ? atoi(rq) : q);
    printf("%-32s  %-4s  %-20s    %s\n", bname, qs, status, uniq);
    return 0;
}

/* ---- consumeMessage ---- */

static const adm_opt_t adm_consume_opts[] = {
    {'t', "topic", 1, 1, "Topic name"},
    {'b', "brokerName", 1, 0, "Broker name"},
    {'i', "queueId", 1, 0, "Queue Id"},
    {'o', "offset", 1, 0, "Queue offset"},
    {'g', "consumerGroup", 1, 0, "Consumer group name"},
    {'s', "beginTimestamp", 1, 0, "Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]"},
    {'e', "endTimestamp", 1, 0, "End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]"},
    {'c', "MessageNumber", 1, 0, "Number of message to be consumed"},
    {0, NULL, 0, 0, NULL},
};

typedef struct adm_consume_s {
    adm_t *a;
    const char *broker_name; /* of the queue being read */
    int64_t last_offset;     /* queue offset of the last printed message */
} adm_consume_t;

/* PrintMessageByQueueCommand.printMessage: "MSGID: id MessageExt [...] BODY: text". */
static void
adm_consume_print_cb(void *arg, const mq_msg_t *stored)
{
    adm_consume_t *c = arg;
    mq_msg_t copy = *stored, *m = &copy;
    adm_msg_inflate(&c->a->pool, m);
    char id[57], off_id[57], bh[64], sh[64];
    adm_msg_id(c->a, m, id);
    adm_msg_offset_id(m, off_id);
    adm_host_format(&m->born_host, bh);
    adm_host_format(&m->store_host, sh);
    printf("MSGID: %s MessageExt [brokerName=%s, queueId=%d, storeSize=%d, queueOffset=%lld, "
           "sysFlag=%d, bornTimestamp=%lld, bornHost=/%s, storeTimestamp=%lld, storeHost=/%s, "
           "msgId=%s, commitLogOffset=%lld, bodyCRC=%d, reconsumeTimes=%d, "
           "preparedTransactionOffset=%lld, toString()=Message{topic='%.*s', flag=%d, "
           "properties={",
           id, c->broker_name, m->queue_id, m->store_size, (long long)m->queue_offset, m->sys_flag,
           (long long)m->born_ts, bh, (long long)m->store_ts, sh, off_id, (long long)m->phys_offset,
           m->body_crc, m->reconsume_times, (long long)m->prepared_tx_offset, (int)m->topic.n,
           m->topic.p, m->flag);
    mq_props_iter_t it;
    mq_str_t k, v;
    int first = 1;
    mq_props_iter_init(&it, m->props);
    while (mq_props_next(&it, &k, &v)) {
        printf("%s%.*s=%.*s", first ? "" : ", ", (int)k.n, k.p, (int)v.n, v.p);
        first = 0;
    }
    printf("}, body=[");
    for (size_t i = 0; i < m->body.n; i++) {
        printf("%s%d", i ? ", " : "", (int)(int8_t)m->body.p[i]);
    }
    printf("], transactionId='null'}] BODY: %.*s\n", (int)m->body.n, m->body.p);
    c->last_offset = m->queue_offset;
}

static const char *
adm_pull_status(int code)
{
    switch (code) {
    case RMQ_RC_SUCCESS:
        return "FOUND";
    case RMQ_RC_PULL_NOT_FOUND:
        return "NO_NEW_MSG";
    case RMQ_RC_PULL_RETRY_IMMEDIATELY:
        return "NO_MATCHED_MSG";
    default:
        return "OFFSET_ILLEGAL";
    }
}

/* pullMessageByQueue: prints the messages of one queue from min to max (inclusive). */
static int
adm_consume_queue(adm_t *a, const char *addr, const char *group, const char *topic,
                  const char *bname, int qid, int64_t min, int64_t max)
{
    adm_consume_t c = {a, bname, -1};
    for (int64_t off = min; off <= max;) {
        rmq_cmd_t resp;
        int want = (int)MQ_MIN(max - off + 1, 32);
        if (adm_pull(a, addr, group, topic, qid, off, want, &resp) != MQ_OK) {
            return 1;
        }
        int64_t next = off;
        rmq_cmd_ext_i64(&resp, "nextBeginOffset", &next);
        const char *status = adm_pull_status(resp.code);
        if (resp.code == RMQ_RC_SUCCESS) {
            printf("Consume ok\n");
            adm_records_each(resp.body, adm_consume_print_cb, &c);
        } else if (resp.code == RMQ_RC_PULL_RETRY_IMMEDIATELY) {
            printf("MessageQueue [topic=%s, brokerName=%s, queueId=%d] no matched msg. "
                   "status=%s, offset=%lld\n",
                   topic, bname, qid, status, (long long)next);
        } else {
            printf("MessageQueue [topic=%s, brokerName=%s, queueId=%d] print msg finished. "
                   "status=%s, offset=%lld\n",
                   topic, bname, qid, status, (long long)next);
            break;
        }
        if (next <= off) {
            break; /* no progress: stop rather than spin */
        }
        off = next;
    }
    return 0;
}

static int
adm_consume_message(adm_t *a, const adm_args_t *args)
{
    const char *topic = adm_arg(args, 't');
    const char *group = adm_has(args, 'g') ? adm_arg(args, 'g') : ADM_TOOLS_CONSUMER;
    int64_t count, qid, offset, begin = 0, end = 0;
    if (adm_arg_i64(args, 'c', 128, &count) || adm_arg_i64(args, 'i', -1, &qid) ||
        adm_arg_i64(args, 'o', 0, &offset)) {
        return 1;
    }
    if (count <= 0) {
        return adm_fail(a, "Please input a positive messageNumber!");
    }
    if (qid >= 0 && !adm_has(args, 'b')) {
        return adm_fail(a, "Please set the brokerName before queueId!");
    }
    if (adm_has(args, 'o') && qid < 0) {
        return adm_fail(a, "Please set queueId before offset!");
    }
    int64_t now = mq_now_ms();
    if (adm_has(args, 's') &&
        (adm_time_parse(adm_arg(args, 's'), &begin) != MQ_OK || begin > now)) {
        return adm_fail(a, "Please set the beginTimestamp before now!");
    }
    if (adm_has(args, 'e') &&
        (adm_time_parse(adm_arg(args, 'e'), &end) != MQ_OK || end > now || begin > end)) {
        return adm_fail(a, "Please make sure that the endTimestamp is before now and not "
                           "before the beginTimestamp");
    }
    adm_route_t r;
    if (adm_route_get(a, topic, &r) != MQ_OK) {
        return 1;
    }
    int64_t left = count;
    for (int i = 0; i < r.n_queues; i++) {
        const char *bname = r.queues[i].broker_name;
        const char *addr = adm_route_master(&r, bname);
        if (addr == NULL || (adm_has(args, 'b') && strcmp(adm_arg(args, 'b'), bname) != 0)) {
            continue;
        }
        for (int q = 0; q < r.queues[i].read_queues; q++) {
            if (qid >= 0 && q != qid) {
                continue;
            }
            int64_t min, max;
            if (adm_queue_offset(a, addr, RMQ_GET_MIN_OFFSET, topic, q, 0, &min) ||
                adm_queue_offset(a, addr, RMQ_GET_MAX_OFFSET, topic, q, 0, &max)) {
                return 1;
            }
            if ((begin > 0 && adm_queue_offset(a, addr, RMQ_SEARCH_OFFSET_BY_TIMESTAMP, topic, q,
                                               begin, &min)) ||
                (end > 0 &&
                 adm_queue_offset(a, addr, RMQ_SEARCH_OFFSET_BY_TIMESTAMP, topic, q, end, &max))) {
                return 1;
            }
            if (qid >= 0) { /* executeByCondition */
                if (offset > max) {
                    printf("MessageQueue [topic=%s, brokerName=%s, queueId=%d] no matched msg, "
                           "offset=%lld\n",
                           topic, bname, q, (long long)offset);
                    return 0;
                }
                min = MQ_MAX(min, offset);
                if (max - min > count) {
                    printf("The oldler %lld message will be provided\n", (long long)count);
                    max = min + count - 1;
                }
            } else { /* executeDefault */
                if (left == 0) {
                    return 0;
                }
                /* Java's countLeft arithmetic is off by one (-c 2 printed 1); count the
                 * messages instead */
                if (max - min > left) {
                    printf("The older %lld message of the %d queue will be provided\n",
                           (long long)left, q);
                    max = min + left - 1;
                    left = 0;
                } else {
                    left -= max - min;
                }
            }
            if (adm_consume_queue(a, addr, group, topic, bname, q, min, max)) {
                return 1;
            }
        }
    }
    return 0;
}

/* ---- queryMsgByKey ---- */

static const adm_opt_t adm_query_key_opts[] = {
    {'t', "topic", 1, 1, "Topic name"},
    {'k', "msgKey", 1, 1, "Message Key"},
    {'b', "beginTimestamp", 1, 0, "Begin timestamp(ms). default:0, eg:1676730526212"},
    {'e', "endTimestamp", 1, 0, "End timestamp(ms). default:Long.MAX_VALUE, eg:1676730526212"},
    {'m', "maxNum", 1, 0, "The maximum number of messages returned by the query, default:64"},
    {'c', "cluster", 1, 0, "Cluster name or lmq parent topic, lmq is used to find the route."},
    {0, NULL, 0, 0, NULL},
};

typedef struct adm_query_s {
    adm_t *a;
    const char *key; /* the key asked for */
    int unique;      /* key is a UNIQ_KEY (queryMsgById) */
    int max;         /* maxNum */
    int found;       /* messages kept */
    mq_msg_t first;  /* first match (views into the pool) */
    int print_rows;  /* print "#Message ID #QID #Offset" rows */
} adm_query_t;

/* Keeps records whose KEYS (or UNIQ_KEY) really hold the key: the index is a hash. */
static void
adm_query_cb(void *arg, const mq_msg_t *m)
{
    adm_query_t *q = arg;
    if (q->found >= q->max) {
        return;
    }
    const char *keys = adm_msg_prop(q->a, m, q->unique ? MQ_PROP_UNIQ_KEY : MQ_PROP_KEYS);
    size_t kl = strlen(q->key);
    int match = 0;
    for (const char *p = keys; *p && !match;) {
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        match = (n == kl && memcmp(p, q->key, kl) == 0);
        p += n + (e != NULL);
    }
    if (!match) {
        return;
    }
    if (q->found == 0) {
        q->first = *m;
    }
    q->found++;
    if (q->print_rows) {
        char id[57];
        adm_msg_offset_id(m, id);
        printf("%-50s %4d %40lld\n", id, m->queue_id, (long long)m->queue_offset);
    }
}

/* QUERY_MESSAGE on every master of topic's route; matches go to q. */
static int
adm_query(adm_t *a, const char *topic, int64_t begin, int64_t end, adm_query_t *q)
{
    adm_route_t r;
    if (adm_route_get(a, topic, &r) != MQ_OK) {
        return 1;
    }
    for (int b = 0; b < r.n_brokers; b++) {
        if (r.brokers[b].id != 0) {
            continue;
        }
        rmq_cmd_t req, resp;
        adm_req(a, &req, RMQ_QUERY_MESSAGE);
        adm_add(a, &req, "topic", topic);
        adm_add(a, &req, "key", q->key);
        adm_add_i64(a, &req, "maxNum", q->max);
        adm_add_i64(a, &req, "beginTimestamp", begin);
        adm_add_i64(a, &req, "endTimestamp", end);
        if (q->unique) {
            adm_add(a, &req, "_UNIQUE_KEY_QUERY", "true");
        }
        if (adm_call(a, r.brokers[b].addr, &req, &resp) != MQ_OK) {
            return 1;
        }
        if (resp.code == RMQ_RC_QUERY_NOT_FOUND) {
            continue;
        }
        if (adm_resp_ok(a, &resp, "QUERY_MESSAGE")) {
            return 1;
        }
        adm_records_each(resp.body, adm_query_cb, q);
    }
    return 0;
}

static int
adm_query_by_key(adm_t *a, const adm_args_t *args)
{
    int64_t begin, end, max;
    if (adm_arg_i64(args, 'b', 0, &begin) || adm_arg_i64(args, 'e', INT64_MAX, &end) ||
        adm_arg_i64(args, 'm', 64, &max)) {
        return 1;
    }
    adm_query_t q = {a, adm_arg(args, 'k'), 0, (int)MQ_MIN(MQ_MAX(max, 1), 65536), 0, {0}, 1};
    printf("%-50s %4s %40s\n", "#Message ID", "#QID", "#Offset");
    if (adm_query(a, adm_arg(args, 't'), begin, end, &q)) {
        return 1;
    }
    if (q.found == 0) {
        return adm_fail(a, "query message by key finished, but no message.");
    }
    return 0;
}

/* ---- queryMsgById ---- */

static const adm_opt_t adm_query_id_opts[] = {
    {'t', "topic", 1, 0, "topic name"},
    {'i', "msgId", 1, 1, "Message Id"},
    {'f', "bodyFormat", 1, 0, "print message body by the specified format"},
    {'c', "cluster", 1, 0, "Cluster name or lmq parent topic, lmq is used to find the route."},
    {'s', "sendMessage", 1, 0, "resend message"},
    {0, NULL, 0, 0, NULL},
};

/* queryMsgById -s true: sends the message again, as Java's mqadmin does with its producer,
 * keeping body, flag and properties (so UNIQ_KEY, the msgId clients show, stays). A dead letter
 * (topic %DLQ%<group>) goes to %RETRY%<group> with its reconsume count reset, so that only the
 * group that gave up on it gets it again (Java would resend it into the DLQ itself). */
static int
adm_resend(adm_t *a, const mq_msg_t *m, const char *id)
{
    const char *topic = mq_pstrdup(&a->pool, m->topic);
    int dlq = strncmp(topic, "%DLQ%", 5) == 0;
    adm_route_t r;
    const char *bname = NULL, *addr = NULL;
    int q = 0, rc;
    rmq_cmd_t req, resp;

    if (dlq) {
        char *t = mq_palloc(&a->pool, strlen(topic) + 3);
        snprintf(t, strlen(topic) + 3, "%%RETRY%%%s", topic + 5);
        topic = t;
    }
    printf("prepare resend msg. originalMsgId=%s\n", id);
    a->quiet_enoent = dlq; /* a retry topic nobody consumed yet: its DLQ's broker creates it */
    rc = adm_route_get(a, topic, &r);
    a->quiet_enoent = 0;
    if (rc == MQ_ENOENT && dlq)
        rc = adm_route_get(a, mq_pstrdup(&a->pool, m->topic), &r);
    if (rc != MQ_OK) {
        return 1;
    }
    for (int i = 0; i < r.n_queues && !addr; i++) {
        if ((r.queues[i].perm & 2) && r.queues[i].write_queues > 0 &&
            (addr = adm_route_master(&r, r.queues[i].broker_name)) != NULL) {
            bname = r.queues[i].broker_name;
            q = (int)(mq_now_ms() % r.queues[i].write_queues);
        }
    }
    if (!addr) {
        return adm_fail(a, "no writable queue for topic %s", topic);
    }
    adm_req(a, &req, RMQ_SEND_MESSAGE_V2);
    adm_add(a, &req, "a", ADM_DEFAULT_PRODUCER);
    adm_add(a, &req, "b", topic);
    adm_add(a, &req, "c", "TBW102");
    adm_add_i64(a, &req, "d", 4);
    adm_add_i64(a, &req, "e", q);
    adm_add_i64(a, &req, "f", m->sys_flag & MQ_SYSFLAG_COMPRESSED);
    adm_add_i64(a, &req, "g", mq_now_ms());
    adm_add_i64(a, &req, "h", m->flag);
    rmq_cmd_add(&req, &a->pool, "i", m->props);
    adm_add_i64(a, &req, "j", dlq ? 0 : m->reconsume_times);
    adm_add(a, &req, "k", "false");
    adm_add_i64(a, &req, "l", 16);
    req.body = m->body;
    if (adm_call(a, addr, &req, &resp) != MQ_OK) {
        return 1;
    }
    if (adm_send_status(resp.code) == NULL) {
        adm_resp_ok(a, &resp, "SEND_MESSAGE_V2");
        return 1;
    }
    printf("SendResult [sendStatus=%s, msgId=%s, messageQueue=MessageQueue [topic=%s, "
           "brokerName=%s, queueId=%s], queueOffset=%s]\n",
           adm_send_status(resp.code), adm_msg_prop(a, m, MQ_PROP_UNIQ_KEY), topic, bname,
           adm_ext(a, &resp, "queueId") ? adm_ext(a, &resp, "queueId") : "?",
           adm_ext(a, &resp, "queueOffset") ? adm_ext(a, &resp, "queueOffset") : "?");
    return 0;
}

/* VIEW_MESSAGE_BY_ID at the store host an offset msgId names. */
static int
adm_view_by_offset_id(adm_t *a, const char *topic, const char *id, mq_msg_t *out)
{
    mq_host_t host;
    int64_t phys;
    if (mq_msgid_parse(mq_str_from_cstr(id), &host, &phys) != MQ_OK) {
        return MQ_EINVAL;
    }
    char addr[64];
    adm_host_format(&host, addr);
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_VIEW_MESSAGE_BY_ID);
    adm_add_i64(a, &req, "offset", phys);
    if (topic != NULL) {
        adm_add(a, &req, "topic", topic);
    }
    if (adm_call(a, addr, &req, &resp) != MQ_OK) {
        return MQ_EIO;
    }
    if (adm_resp_ok(a, &resp, "VIEW_MESSAGE_BY_ID")) {
        return MQ_ERR;
    }
    if (mq_msg_record_decode((const uint8_t *)resp.body.p, resp.body.n, out) != MQ_OK) {
        adm_fail(a, "VIEW_MESSAGE_BY_ID: malformed message body");
        return MQ_EPROTO;
    }
    return MQ_OK;
}

static int
adm_query_by_id(adm_t *a, const adm_args_t *args)
{
    const char *topic = adm_arg(args, 't');
    char *ids = mq_pstrdup(&a->pool, mq_str_from_cstr(adm_arg(args, 'i')));
    char *save = NULL;
    int rc = 0;
    for (char *id = strtok_r(ids, ",", &save); id != NULL; id = strtok_r(NULL, ",", &save)) {
        while (*id == ' ') {
            id++;
        }
        mq_msg_t m;
        int found = 0;
        if (topic != NULL) { /* a client id (UNIQ_KEY) first */
            adm_query_t q = {a, id, 1, 32, 0, {0}, 0};
            if (adm_query(a, topic, 0, INT64_MAX, &q)) {
                return 1;
            }
            if (q.found > 0) {
                m = q.first;
                found = 1;
            }
        }
        if (!found) {
            int vr = adm_view_by_offset_id(a, topic, id, &m);
            if (vr == MQ_EINVAL) {
                rc = adm_fail(a, "message %s not found%s", id,
                              topic ? ""
                                    : " (a client msgId "
                                      "needs -t topic)");
                continue;
            }
            if (vr != MQ_OK) {
                rc = 1;
                continue;
            }
        }
        adm_msg_print(a, &m, adm_has(args, 'f'));
        if (adm_arg_bool(args, 's', 0) && adm_resend(a, &m, id)) {
            rc = 1;
        }
    }
    return rc;
}

/* ---- queryMsgByOffset ---- */

static const adm_opt_t adm_query_offset_opts[] = {
    {'t', "topic", 1, 1, "topic name"},
    {'b', "brokerName", 1, 1, "Broker Name"},
    {'i', "queueId", 1, 1, "Queue Id"},
    {'o', "offset", 1, 1, "Queue Offset"},
    {'f', "bodyFormat", 1, 0, "print message body by the specified format"},
    {0, NULL, 0, 0, NULL},
};

static int
adm_query_by_offset(adm_t *a, const adm_args_t *args)
{
    const char *topic = adm_arg(args, 't');
    const char *bname = adm_arg(args, 'b');
    int64_t qid, offset;
    if (adm_arg_i64(args, 'i', 0, &qid) || adm_arg_i64(args, 'o', 0, &offset)) {
        return 1;
    }
    adm_route_t r;
    if (adm_route_get(a, topic, &r) != MQ_OK) {
        return 1;
    }
    const char *addr = adm_route_master(&r, bname);
    if (addr == NULL) {
        return adm_fail(a, "broker %s has no master in the route of %s", bname, topic);
    }
    rmq_cmd_t resp;
    if (adm_pull(a, addr, ADM_TOOLS_CONSUMER, topic, (int)qid, offset, 1, &resp) != MQ_OK) {
        return 1;
    }
    mq_msg_t m;
    if (resp.code != RMQ_RC_SUCCESS ||
        mq_msg_record_decode((const uint8_t *)resp.body.p, resp.body.n, &m) != MQ_OK) {
        return adm_fail(a, "no message at %s:%s:%lld offset %lld (pull status %s)", topic, bname,
                        (long long)qid, (long long)offset, adm_pull_status(resp.code));
    }
    adm_msg_print(a, &m, adm_has(args, 'f'));
    return 0;
}

const adm_cmd_t adm_message_cmds[] = {
    {"queryMsgById", "Query Message by Id.", adm_query_id_opts, NULL, adm_query_by_id},
    {"queryMsgByKey", "Query Message by Key.", adm_query_key_opts, NULL, adm_query_by_key},
    {"queryMsgByOffset", "Query Message by offset.", adm_query_offset_opts, NULL,
     adm_query_by_offset},
    {"sendMessage", "Send a message.", adm_send_opts, NULL, adm_send_message},
    {"consumeMessage", "Consume message.", adm_consume_opts, NULL, adm_consume_message},
    {NULL, NULL, NULL, NULL, NULL},
};
