/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_retry.c -- consumer retries and the dead-letter queue (RocketMQ's
 * SendMessageProcessor.consumerSendMsgBack and handleRetryAndDLQ, rocketmq-protocol.md section
 * 6.4).
 *
 * SEND_BACK (CONSUMER_SEND_MSG_BACK): a consumer of group G could not consume the message at
 * CommitLog offset `offset`. The broker reads it (by offset, else by originMsgId as an offset
 * msgId or a UNIQ_KEY) and stores a copy with reconsume times + 1 and the properties
 * RETRY_TOPIC (the first topic) and ORIGIN_MESSAGE_ID (the first offset msgId) kept from the
 * first delivery:
 *
 *   reconsume times >= max (request's maxReconsumeTimes, else G's retryMaxTimes, else 16)
 *   or delayLevel < 0                     -> %DLQ%G queue 0 (created readable and writable)
 *   otherwise                             -> %RETRY%G, DELAY = delayLevel, or 3 + reconsume
 *                                            times when 0: the schedule path (bk_delay.c)
 *
 * so the n-th retry waits level 3+n. A client that cannot send back re-sends the message
 * itself to %RETRY%G (SEND_MESSAGE with reconsumeTimes and maxReconsumeTimes):
 * bk_retry_on_produce sends it to the DLQ once reconsume times > max, or at once while members
 * of G hold queue locks (an orderly consumer, which retries locally first). Loop thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_delay_int.h"
#include "mq/log.h"
#include "mq/store_meta.h"

#define BK_RETRY_PREFIX "%RETRY%"
#define BK_DLQ_PREFIX "%DLQ%"
#define BK_RETRY_MAX_DEFAULT 16 /* SubscriptionGroupConfig.retryMaxTimes */

/* The group's subscription config, created with the defaults when autoCreateSubscriptionGroup
 * allows (as RocketMQ's getSubscriptionGroupConfig does). MQ_OK or MQ_ENOENT. */
static int
bk_retry_group(bk_t *bk, mq_str_t group, store_group_config_t *gc)
{
    char name[256];
    if (group.n == 0 || group.n >= sizeof(name))
        return MQ_ENOENT;
    memcpy(name, group.p, group.n);
    name[group.n] = '\0';
    if (store_groups_get(bk->groups_cfg, name, gc) == MQ_OK)
        return MQ_OK;
    if (!bk->cfg.auto_create_group)
        return MQ_ENOENT;
    store_group_config_init(gc, name);
    store_groups_put(bk->groups_cfg, gc);
    bk->groups_version.counter++;
    bk->groups_version.timestamp = mq_now_ms();
    store_groups_persist(bk->groups_cfg);
    MQ_LOG_INFO("broker", "auto-created subscription group %s", name);
    return MQ_OK;
}

static int32_t
bk_retry_max(int32_t asked, const store_group_config_t *gc)
{
    if (asked >= 0)
        return asked;
    return gc->retry_max_times >= 0 ? gc->retry_max_times : BK_RETRY_MAX_DEFAULT;
}

/* "%DLQ%<group>" (or another prefix) as a pool string; the topic is created readable and
 * writable (RocketMQ 5) with `queues` queues when missing. */
static mq_str_t
bk_retry_topic(bk_t *bk, mq_pool_t *pool, const char *prefix, mq_str_t group, int32_t queues)
{
    size_t n = strlen(prefix) + group.n;
    char *name = mq_palloc(pool, n + 1);
    snprintf(name, n + 1, "%s%.*s", prefix, (int)group.n, group.p);
    bk_topic_ensure(bk, name, queues, STORE_PERM_READ | STORE_PERM_WRITE);
    return (mq_str_t){name, n};
}

/* ---- Retry topics on PRODUCE ---- */

int
bk_is_retry_topic(mq_str_t topic)
{
    size_t pre = sizeof(BK_RETRY_PREFIX) - 1;
    return topic.n > pre && memcmp(topic.p, BK_RETRY_PREFIX, pre) == 0;
}

int
bk_retry_on_produce(bk_t *bk, mq_req_t *req, mq_msg_t *m)
{
    static const char *const no_delay[] = {MQ_PROP_DELAY};
    mq_produce_t *p = &req->u.produce;
    store_group_config_t gc;
    mq_str_t group;
    mq_buf_t b = MQ_BUF_INIT;
    size_t pre = sizeof(BK_RETRY_PREFIX) - 1;

    if (!bk_is_retry_topic(m->topic))
        return 0;
    group = (mq_str_t){m->topic.p + pre, m->topic.n - pre};
    if (bk_retry_group(bk, group, &gc) != MQ_OK) {
        bk_reply(req, MQ_ENOENT, "subscription group not exist");
        return 1;
    }
    /* over the max, or an orderly group holding queue locks (its client retried locally up to
     * its limit already: RocketMQ 5's sendRetryMessageToDeadLetterQueueDirectly) */
    if (m->reconsume_times <= bk_retry_max(p->max_reconsume, &gc) &&
        !bk_locks_group_holds(bk, group))
        return 0;
    m->topic = bk_retry_topic(bk, req->pool, BK_DLQ_PREFIX, group, 1);
    m->queue_id = 0;
    mq_props_without_any(&b, m->props, no_delay, 1);
    m->props = (mq_str_t){mq_pstrdup(req->pool, mq_buf_view(&b)), b.len};
    mq_buf_fini(&b);
    MQ_LOG_DEBUG("broker", "a message re-sent %d time(s) went to %.*s", m->reconsume_times,
                 (int)m->topic.n, m->topic.p);
    return 0;
}

/* ---- SEND_BACK ---- */

/* Reads the message the consumer names: by CommitLog offset, else by originMsgId. */
static int
bk_retry_lookup(bk_t *bk, const mq_send_back_t *b, store_slice_t *sl, mq_msg_t *m, int64_t *phys)
{
    mq_host_t host;
    int64_t off;
    *phys = b->offset;
    if (b->offset >= 0 && store_read_record(bk->store, b->offset, sl) == MQ_OK) {
        if (mq_msg_record_decode(sl->p, sl->len, m) == MQ_OK)
            return MQ_OK;
        store_slice_release(sl);
    }
    if (b->origin_msg_id.n == 0)
        return MQ_ENOENT;
    if (mq_msgid_parse(b->origin_msg_id, &host, &off) != MQ_OK &&
        store_query_by_uniq_key(bk->store, b->origin_topic, b->origin_msg_id, &off) != MQ_OK)
        return MQ_ENOENT;
    if (store_read_record(bk->store, off, sl) != MQ_OK)
        return MQ_ENOENT;
    if (mq_msg_record_decode(sl->p, sl->len, m) != MQ_OK) {
        store_slice_release(sl);
        return MQ_ENOENT;
    }
    *phys = off;
    return MQ_OK;
}

void
bk_handle_send_back(bk_t *bk, mq_req_t *req)
{
    static const char *const drop[] = {MQ_PROP_DELAY};
    mq_send_back_t *b = &req->u.send_back;
    store_group_config_t gc;
    store_slice_t sl;
    mq_msg_t orig, m;
    mq_str_t v;
    mq_buf_t props = MQ_BUF_INIT;
    char text[160], id[57];
    int64_t phys;
    int dlq, rc;

    if (bk_retry_group(bk, b->group, &gc) != MQ_OK) {
        snprintf(text, sizeof(text), "subscription group not exist, %.*s", (int)b->group.n,
                 b->group.p);
        bk_reply(req, MQ_ENOENT, mq_pstrdup(req->pool, mq_str_from_cstr(text)));
        return;
    }
    if (gc.retry_queue_nums <= 0) { /* retries are off for this group: the message is dropped */
        bk_reply(req, MQ_OK, NULL);
        return;
    }
    if (bk_retry_lookup(bk, b, &sl, &orig, &phys) != MQ_OK) {
        snprintf(text, sizeof(text), "look message by offset failed, %lld", (long long)b->offset);
        bk_reply(req, MQ_ERR, mq_pstrdup(req->pool, mq_str_from_cstr(text)));
        return;
    }
    dlq = orig.reconsume_times >= bk_retry_max(b->max_reconsume, &gc) || b->delay_level < 0;

    mq_props_without_any(&props, orig.props, drop, 1);
    if (!mq_props_get(orig.props, MQ_PROP_RETRY_TOPIC, &v))
        mq_props_put(&props, MQ_STR(MQ_PROP_RETRY_TOPIC), orig.topic);
    if (!mq_props_get(orig.props, BK_PROP_ORIGIN_MSG_ID, &v)) {
        size_t n = mq_msgid_format(id, &orig.store_host, phys);
        mq_props_put(&props, MQ_STR(BK_PROP_ORIGIN_MSG_ID), (mq_str_t){id, n});
    }
    m = orig;
    m.reconsume_times = orig.reconsume_times + 1;
    m.store_host = bk->cfg.store.store_host;
    m.prepared_tx_offset = 0;
    if (dlq) {
        m.topic = bk_retry_topic(bk, req->pool, BK_DLQ_PREFIX, b->group, 1);
        m.queue_id = 0;
    } else {
        int32_t level = b->delay_level > 0 ? b->delay_level : 3 + orig.reconsume_times;
        char num[24];
        num[mq_fmt_i64(num, level)] = '\0';
        mq_props_put(&props, MQ_STR(MQ_PROP_DELAY), mq_str_from_cstr(num));
        m.topic = bk_retry_topic(bk, req->pool, BK_RETRY_PREFIX, b->group, gc.retry_queue_nums);
        m.queue_id = (int32_t)(bk->rr++ % (uint32_t)gc.retry_queue_nums);
    }
    m.props = mq_buf_view(&props);
    if (!dlq && bk->delay) {
        const char *why = NULL;
        (void)bk_delay_divert(bk->delay, req->pool, &m, mq_now_ms(), &why);
    }
    rc = store_put(bk->store, &m, 1, NULL);
    store_slice_release(&sl);
    mq_buf_fini(&props);
    if (rc != MQ_OK) {
        snprintf(text, sizeof(text), "store put failed: %s", mq_err_text(rc));
        bk_reply(req, rc, mq_pstrdup(req->pool, mq_str_from_cstr(text)));
        return;
    }
    MQ_LOG_DEBUG("broker", "message %lld sent back by %.*s: %.*s (reconsume %d)", (long long)phys,
                 (int)b->group.n, b->group.p, (int)m.topic.n, m.topic.p, m.reconsume_times);
    bk_reply(req, MQ_OK, NULL);
}
