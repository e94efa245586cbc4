/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_rmq_frame.c -- libFuzzer target for the remoting codec: frames parsed back to back from
 * the input, each header decoded (JSON or binary), batch bodies decoded, typed extField reads,
 * and every decoded command re-encoded and decoded again with the same fields. Every decoded
 * command also goes through rmq_map_request(); what maps is answered through rmq_map_reply()
 * with a reply made up from the request, and that response must decode again. JSON headers the
 * fast decoder accepts must decode to the same fields through jansson. Admin operations
 * (rmq_map_admin.c) are answered with bodies built from the request's own strings (topic names,
 * groups, keys, subscription expressions), so their JSON writers see hostile bytes too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmq_batch.h"
#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_json_fast.h"
#include "rmq_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Maps c to a request and answers it with a reply derived from the request's own fields. */
/* Reply data for the admin operations, from the request's own strings. */
static void
fuzz_admin_rep(mq_req_t *req, mq_rep_t *rep, mq_pool_t *pool)
{
    mq_topic_info_t *ti = mq_pcalloc(pool, sizeof(*ti));
    mq_group_conf_t *gc = mq_pcalloc(pool, sizeof(*gc));
    mq_queue_stat_t *qs = mq_pcalloc(pool, sizeof(*qs));
    mq_connection_t *cn = mq_pcalloc(pool, sizeof(*cn));
    mq_subscription_t *sb = mq_pcalloc(pool, sizeof(*sb));
    mq_str_t *strs = mq_pcalloc(pool, 4 * sizeof(*strs));
    mq_str_t any = MQ_STR("x");

    switch (req->op) {
    case MQ_OP_TOPIC_CONFIG_GET:
    case MQ_OP_TOPIC_STATS:
    case MQ_OP_TOPIC_DELETE:
        any = req->u.topic;
        break;
    case MQ_OP_GROUP_CONNECTIONS:
        any = req->u.group;
        break;
    case MQ_OP_CONSUME_STATS:
        any = req->u.group_topic.topic.n ? req->u.group_topic.topic : req->u.group_topic.group;
        break;
    case MQ_OP_RESET_GROUP_OFFSET:
        any = req->u.reset_offset.group;
        break;
    case MQ_OP_QUERY_MESSAGE:
        any = req->u.query_message.key;
        break;
    case MQ_OP_TOPIC_UPSERT:
        any = req->u.topic_info.conf.name;
        if (any.n == 0)
            abort(); /* topic is required */
        break;
    case MQ_OP_GROUP_UPSERT:
        any = req->u.group_conf.name;
        if (any.n == 0)
            abort(); /* groupName is required */
        break;
    case MQ_OP_BROKER_CONFIG_UPDATE:
        if (req->u.config.n < 2 || req->u.config.n % 2)
            abort(); /* pairs, at least one */
        for (int i = 0; i < req->u.config.n; i += 2)
            if (req->u.config.items[i].n == 0)
                abort(); /* keys are never empty */
        any = req->u.config.items[1];
        break;
    default:
        break;
    }
    ti->conf.name = any;
    ti->conf.read_queues = (int32_t)any.n;
    ti->filter_type = any;
    ti->attributes = any; /* embedded as is when it looks like an object */
    gc->name = any;
    qs->topic = any;
    qs->queue_id = (int32_t)any.n;
    qs->max_offset = -1;
    cn->client_id = cn->client_addr = cn->language = any;
    sb->topic = sb->expression = any; /* the tag splitter sees hostile expressions */
    sb->expression_type = any.n & 1 ? MQ_STR("TAG") : any;
    strs[0] = strs[1] = strs[2] = strs[3] = any;
    switch (req->op) {
    case MQ_OP_TOPIC_CONFIG_LIST:
    case MQ_OP_TOPIC_CONFIG_GET:
        rep->u.topics.topics = ti;
        rep->u.topics.n = 1;
        break;
    case MQ_OP_GROUP_CONFIG_LIST:
        rep->u.groups.groups = gc;
        rep->u.groups.n = 1;
        break;
    case MQ_OP_RUNTIME_INFO:
    case MQ_OP_BROKER_CONFIG_GET:
        rep->u.kv.kv = strs;
        rep->u.kv.n = 2;
        break;
    case MQ_OP_CONSUME_STATS:
    case MQ_OP_TOPIC_STATS:
    case MQ_OP_RESET_GROUP_OFFSET:
        rep->u.stats.broker_name = any;
        rep->u.stats.queues = qs;
        rep->u.stats.n = 1;
        break;
    case MQ_OP_GROUP_CONNECTIONS:
        rep->u.conns.conns = cn;
        rep->u.conns.n_conns = 1;
        rep->u.conns.subs = sb;
        rep->u.conns.n_subs = 1;
        rep->u.conns.consume_from = any;
        break;
    case MQ_OP_VIEW_MESSAGE:
    case MQ_OP_QUERY_MESSAGE:
        rep->u.records.records = strs;
        rep->u.records.n = 2;
        break;
    default:
        break;
    }
}

static void
fuzz_map(const rmq_cmd_t *c, mq_pool_t *pool)
{
    mq_req_t req;
    mq_rep_t rep;
    const char *why = NULL;
    mq_buf_t out = MQ_BUF_INIT;
    rmq_frame_t f;
    rmq_cmd_t back;
    int rc;

    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    rc = rmq_map_request(c, pool, &req, &why);
    if (rc != MQ_OK) {
        if (rc != MQ_DECLINED && rc != MQ_EINVAL)
            abort();
        if (rc == MQ_EINVAL && !why)
            abort(); /* a refusal always names the field */
        return;
    }
    switch (req.op) {
    case MQ_OP_PRODUCE: {
        int64_t *phys;
        if (req.u.produce.n_msgs < 1 || !req.u.produce.msgs)
            abort();
        phys = mq_palloc(pool, (size_t)req.u.produce.n_msgs * sizeof(*phys));
        for (int i = 0; i < req.u.produce.n_msgs; i++)
            phys[i] = req.u.produce.msgs[i].born_ts + i;
        rep.u.produce.phys_offsets = phys;
        rep.u.produce.n = req.u.produce.n_msgs;
        rep.u.produce.queue_id = req.u.produce.queue_id;
        rep.u.produce.uniq_key = req.u.produce.producer_group;
        rep.u.produce.store_host.v6 = (uint8_t)(req.u.produce.queue_id & 1);
        rep.u.produce.flush_timeout = req.u.produce.batch;
        break;
    }
    case MQ_OP_PULL:
        rep.u.pull.status = (int)((uint64_t)req.u.pull.offset % (RMQ_GET__COUNT + 1));
        rep.u.pull.next_offset = req.u.pull.commit_offset;
        rep.u.pull.records = &req.u.pull.subscription;
        rep.u.pull.n_records = 1;
        break;
    case MQ_OP_GET_GROUP_MEMBERS:
        rep.u.list.items = &req.u.group;
        rep.u.list.n = 1;
        break;
    case MQ_OP_CLIENT_HEARTBEAT:
        if (req.u.heartbeat.client_id.n == 0)
            abort();
        break;
    default:
        fuzz_admin_rep(&req, &rep, pool);
        break;
    }
    rmq_map_reply(&req, MQ_OK, &rep, c->opaque, pool, &out);
    if (rmq_frame_parse(out.data, out.len, 1 << 30, &f, NULL) != (ssize_t)out.len ||
        rmq_cmd_decode(&f, pool, &back) != MQ_OK || back.opaque != c->opaque)
        abort(); /* every reply we write must decode */
    mq_buf_reset(&out);
    rmq_map_reply(&req, MQ_ENOSPC, NULL, c->opaque, pool, &out);
    mq_buf_fini(&out);
}

/* What the fast JSON header decoder accepts, jansson must decode to the same fields. */
static void
fuzz_json_paths(const rmq_frame_t *f, mq_pool_t *pool)
{
    rmq_cmd_t a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    if (rmq_json_fast_decode(f->header.p, f->header.n, pool, &a) != MQ_OK)
        return;
    if (rmq_json_slow_decode(f->header.p, f->header.n, pool, &b) != MQ_OK || a.code != b.code ||
        a.opaque != b.opaque || a.flag != b.flag || a.version != b.version ||
        a.language != b.language || (a.remark.p == NULL) != (b.remark.p == NULL) ||
        !mq_str_eq(a.remark, b.remark) || a.n_ext != b.n_ext)
        abort();
    for (int i = 0; i < a.n_ext; i++)
        if (!mq_str_eq(a.ext[i].key, b.ext[i].key) || !mq_str_eq(a.ext[i].val, b.ext[i].val))
            abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        rmq_frame_t f;
        rmq_cmd_t c, c2;
        mq_pool_t pool;
        mq_buf_t b = MQ_BUF_INIT;
        ssize_t n = rmq_frame_parse(data + off, size - off, 1 << 20, &f, NULL);
        if (n <= 0)
            break;
        off += (size_t)n;
        mq_pool_init(&pool, 0);
        if (f.serialize_type == RMQ_SERIALIZE_JSON)
            fuzz_json_paths(&f, &pool);
        if (rmq_cmd_decode(&f, &pool, &c) == MQ_OK) {
            mq_msg_t *msgs;
            int64_t x;
            int bo;
            (void)rmq_cmd_ext_i64(&c, "queueOffset", &x);
            (void)rmq_cmd_ext_bool(&c, "m", &bo);
            (void)rmq_batch_decode(c.body, &pool, &msgs);
            (void)rmq_request_name(c.code);
            if (!rmq_cmd_is_response(&c))
                fuzz_map(&c, &pool);
            rmq_cmd_encode(&c, &b);
            {
                rmq_frame_t f2;
                if (rmq_frame_parse(b.data, b.len, 1 << 30, &f2, NULL) != (ssize_t)b.len ||
                    rmq_cmd_decode(&f2, &pool, &c2) != MQ_OK || c2.code != c.code ||
                    c2.opaque != c.opaque || c2.n_ext != c.n_ext || !mq_str_eq(c2.body, c.body))
                    abort(); /* what we encode we must decode to the same fields */
            }
        }
        mq_buf_fini(&b);
        mq_pool_fini(&pool);
    }
    return 0;
}
