/* SPDX-License-Identifier: Apache-2.0
 *
 * test_rmq_map_broker.c -- the broker's request codes <-> request model (rmq_map_broker.c):
 * every captured ali-ons and C++ broker request maps to the fields its header JSON and body
 * say (V2 short names, numbers as strings, m=true batches, heartbeat enums as names or
 * ordinals); V1 names, batches, defaults and malformed fields on hand-made commands; and every
 * reply, decoded back with rmq_cmd_decode, carries the codes, extFields and bodies clients read.
 */
#include <criterion/criterion.h>

#include "mq/store.h" /* only to check that the pull status numbers agree */
#include "rmq_batch.h"
#include "rmq_cmd.h"
#include "rmq_codes.h"
#include "rmq_golden.h"
#include "rmq_map.h"
#include "rmq_test.h"

static rmq_golden_t golden;

static void
golden_setup(void)
{
    rmq_golden_load(&golden);
}

static void
golden_teardown(void)
{
    rmq_golden_free(&golden);
}

TestSuite(rmq_map_broker, .init = golden_setup, .fini = golden_teardown);

/* ---- Helpers ---- */

/* Decodes the golden frame whose path ends with suffix and maps it; asserts both succeed. */
static void
map_golden(const char *suffix, mq_pool_t *pool, rmq_cmd_t *c, mq_req_t *req)
{
    size_t sl = strlen(suffix);
    const char *why = NULL;
    for (int i = 0; i < golden.n; i++) {
        size_t nl = strlen(golden.name[i]);
        if (nl < sl || strcmp(golden.name[i] + nl - sl, suffix) != 0)
            continue;
        cr_assert_eq(rmq_test_decode(golden.data[i], golden.len[i], pool, c), MQ_OK, "%s", suffix);
        memset(req, 0, sizeof(*req));
        cr_assert_eq(rmq_map_request(c, pool, req, &why), MQ_OK, "%s: %s", suffix, why ? why : "");
        return;
    }
    cr_assert_fail("golden frame %s not found", suffix);
}

static void
expect_prop(mq_str_t props, const char *name, const char *value)
{
    mq_str_t v;
    cr_expect(mq_props_get(props, name, &v), "property %s missing", name);
    expect_str(v, value);
}

/* Maps a hand-made command; returns the status and leaves why for the caller. */
static int
map_cmd(rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    memset(req, 0, sizeof(*req));
    return rmq_map_request(c, pool, req, why);
}

/* rmq_map_reply() into b, decoded back into out (whose views point into b). */
static void
reply_decode(const mq_req_t *req, int status, const mq_rep_t *rep, mq_pool_t *pool, mq_buf_t *b,
             rmq_cmd_t *out)
{
    mq_buf_reset(b);
    rmq_map_reply(req, status, rep, 77, pool, b);
    cr_assert_eq(rmq_test_decode(b->data, b->len, pool, out), MQ_OK);
    cr_expect_eq(out->opaque, 77);
    cr_expect(rmq_cmd_is_response(out));
}

static void
expect_ext(const rmq_cmd_t *c, const char *key, const char *value)
{
    mq_str_t v;
    cr_expect(rmq_cmd_ext(c, key, &v), "ext %s missing (code %d)", key, c->code);
    expect_str(v, value);
}

static int
has_ext(const rmq_cmd_t *c, const char *key)
{
    mq_str_t v;
    return rmq_cmd_ext(c, key, &v);
}

/* ---- Golden requests ---- */

Test(rmq_map_broker, every_golden_broker_request_maps)
{
    static const struct {
        int32_t code;
        mq_op_t op;
    } want[] = {
        {RMQ_SEND_MESSAGE_V2, MQ_OP_PRODUCE},
        {RMQ_PULL_MESSAGE, MQ_OP_PULL},
        {RMQ_QUERY_CONSUMER_OFFSET, MQ_OP_QUERY_GROUP_OFFSET},
        {RMQ_UPDATE_CONSUMER_OFFSET, MQ_OP_COMMIT_GROUP_OFFSET},
        {RMQ_HEART_BEAT, MQ_OP_CLIENT_HEARTBEAT},
        {RMQ_UNREGISTER_CLIENT, MQ_OP_CLIENT_UNREGISTER},
        {RMQ_GET_CONSUMER_LIST_BY_GROUP, MQ_OP_GET_GROUP_MEMBERS},
        {RMQ_GET_ROUTEINFO_BY_TOPIC, MQ_OP_GET_ROUTE}, /* the NameServer's, still mapped */
    };
    int seen[MQ_ARRAY_LEN(want)] = {0};

    cr_assert_gt(golden.n, 40);
    for (int i = 0; i < golden.n; i++) {
        mq_pool_t pool;
        rmq_cmd_t c;
        mq_req_t req;
        const char *why = NULL;
        size_t k;
        int rc;

        mq_pool_init(&pool, 0);
        cr_assert_eq(rmq_test_decode(golden.data[i], golden.len[i], &pool, &c), MQ_OK);
        rc = map_cmd(&c, &pool, &req, &why);
        for (k = 0; k < MQ_ARRAY_LEN(want) && want[k].code != c.code; k++)
            ;
        cr_assert_lt(k, MQ_ARRAY_LEN(want), "%s: unexpected code %d", golden.name[i], c.code);
        cr_expect_eq(rc, MQ_OK, "%s: %s", golden.name[i], why ? why : "");
        cr_expect_eq(req.op, want[k].op, "%s", golden.name[i]);
        cr_expect_null(why, "%s", golden.name[i]);
        seen[k]++;
        mq_pool_fini(&pool);
    }
    for (size_t k = 0; k < MQ_ARRAY_LEN(want); k++)
        cr_expect_gt(seen[k], 0, "no golden frame with code %d", want[k].code);
}

Test(rmq_map_broker, ali_ons_send_v2)
{
    static const struct {
        const char *file;
        int32_t queue;
        int64_t born;
        const char *tag, *key, *body;
    } f[] = {
        {"ali-ons/producer/0002-req-310-SEND_MESSAGE_V2.bin", 1, 1795463385235, "TagA", "key-ons-0",
         "hello from ali-ons 0"},
        {"ali-ons/producer/0003-req-310-SEND_MESSAGE_V2.bin", 2, 1795463385243, "TagB", "key-ons-1",
         "hello from ali-ons 1"},
        {"ali-ons/producer/0004-req-310-SEND_MESSAGE_V2.bin", 3, 1795463385246, "TagA", "key-ons-2",
         "hello from ali-ons 2"},
    };
    for (size_t i = 0; i < MQ_ARRAY_LEN(f); i++) {
        mq_pool_t pool;
        rmq_cmd_t c;
        mq_req_t req;
        const mq_produce_t *p = &req.u.produce;
        const mq_msg_t *m;
        static const mq_host_t zero_host;

        mq_pool_init(&pool, 0);
        map_golden(f[i].file, &pool, &c, &req);
        cr_assert_eq(req.op, MQ_OP_PRODUCE);
        expect_str(p->producer_group, "pg_golden_ons");
        expect_str(p->topic, "TopicTest");
        expect_str(p->default_topic, "TBW102");
        cr_expect_eq(p->default_queues, 4);
        cr_expect_eq(p->queue_id, f[i].queue);
        cr_expect_eq(p->max_reconsume, -1, "no l field");
        cr_expect_eq(p->batch, 0);
        cr_assert_eq(p->n_msgs, 1);
        m = &p->msgs[0];
        expect_str(m->topic, "TopicTest");
        cr_expect_eq(m->queue_id, f[i].queue);
        cr_expect_eq(m->born_ts, f[i].born);
        cr_expect_eq(m->flag, 0);
        cr_expect_eq(m->sys_flag, 0);
        cr_expect_eq(m->reconsume_times, 0);
        expect_str(m->body, f[i].body);
        expect_prop(m->props, "TAGS", f[i].tag);
        expect_prop(m->props, "KEYS", f[i].key);
        cr_expect(!mq_props_get(m->props, MQ_PROP_UNIQ_KEY, &(mq_str_t){0}), "ali-ons sets none");
        cr_expect_eq(memcmp(&m->born_host, &zero_host, sizeof(zero_host)), 0, "born host unset");
        mq_pool_fini(&pool);
    }
}

Test(rmq_map_broker, cpp_send_v2_single)
{
    static const struct {
        const char *file;
        int32_t queue;
        int64_t born;
        const char *uniq, *body;
    } f[] = {
        {"cpp/producer/0002-req-310-SEND_MESSAGE_V2.bin", 0, 1795463409518,
         "7F000001143E0F4B6414758D876E0000", "hello from C API 0"},
        {"cpp/producer/0004-req-310-SEND_MESSAGE_V2.bin", 1, 1795463409523,
         "7F000001143E0F4B6414758D87730001", "hello from C API 1"},
        {"cpp/producer/0005-req-310-SEND_MESSAGE_V2.bin", 2, 1795463409526,
         "7F000001143E0F4B6414758D87760002", "hello from C API 2"},
    };
    for (size_t i = 0; i < MQ_ARRAY_LEN(f); i++) {
        mq_pool_t pool;
        rmq_cmd_t c;
        mq_req_t req;
        const mq_produce_t *p = &req.u.produce;

        mq_pool_init(&pool, 0);
        map_golden(f[i].file, &pool, &c, &req);
        expect_str(p->producer_group, "pg_cpp");
        expect_str(p->topic, "TopicTest");
        expect_str(p->default_topic, "TBW102");
        cr_expect_eq(p->default_queues, 4);
        cr_expect_eq(p->queue_id, f[i].queue);
        cr_expect_eq(p->max_reconsume, 16, "l=16 from a version-333 client");
        cr_expect_eq(p->batch, 0, "m=\"false\"");
        cr_assert_eq(p->n_msgs, 1);
        cr_expect_eq(p->msgs[0].born_ts, f[i].born, "g sent as a string");
        expect_str(p->msgs[0].body, f[i].body);
        expect_prop(p->msgs[0].props, "UNIQ_KEY", f[i].uniq);
        expect_prop(p->msgs[0].props, "TAGS", "TagA");
        expect_prop(p->msgs[0].props, "KEYS", "key-cpp");
        expect_prop(p->msgs[0].props, "WAIT", "true");
        mq_pool_fini(&pool);
    }
}

Test(rmq_map_broker, cpp_batch_on_send_v2)
{
    static const char *const uniq[] = {"7F00000114FF2AD5651D758D90480000",
                                       "7F00000114FF2AD5651D758D90480001",
                                       "7F00000114FF2AD5651D758D90480002"};
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const mq_produce_t *p = &req.u.produce;

    mq_pool_init(&pool, 0);
    map_golden("cpp/batch-producer/0002-req-310-SEND_MESSAGE_V2.bin", &pool, &c, &req);
    cr_assert_eq(req.op, MQ_OP_PRODUCE);
    expect_str(p->producer_group, "pg_cpp_batch");
    expect_str(p->topic, "TopicTest");
    cr_expect_eq(p->batch, 1, "m=\"true\"");
    cr_expect_eq(p->queue_id, 0);
    cr_expect_eq(p->max_reconsume, 16);
    cr_assert_eq(p->n_msgs, 3);
    for (int i = 0; i < 3; i++) {
        const mq_msg_t *m = &p->msgs[i];
        char body[16];
        snprintf(body, sizeof(body), "batch %d", i);
        expect_str(m->topic, "TopicTest");
        cr_expect_eq(m->queue_id, 0);
        cr_expect_eq(m->born_ts, 1795463411793);
        cr_expect_eq(m->sys_flag, 0);
        cr_expect_eq(m->flag, 0);
        expect_str(m->body, body);
        expect_prop(m->props, "UNIQ_KEY", uniq[i]);
        expect_prop(m->props, "TAGS", "TagB");
    }
    mq_pool_fini(&pool);
}

static void
expect_ali_ons_consumer(const mq_heartbeat_t *hb, int n_subs)
{
    const mq_consumer_group_t *cg;
    expect_str(hb->client_id, "192.0.2.2@4991");
    cr_expect_eq(hb->n_producer_groups, 0, "producerDataSet is []");
    cr_assert_eq(hb->n_consumer_groups, 1);
    cg = &hb->consumer_groups[0];
    expect_str(cg->group, "cg_golden_ons");
    cr_expect_eq(cg->push, 1);
    cr_expect_eq(cg->broadcasting, 0);
    expect_str(cg->consume_from, "CONSUME_FROM_FIRST_OFFSET");
    cr_assert_eq(cg->n_subs, n_subs);
    expect_str(cg->subs[0].topic, "TopicTest");
    expect_str(cg->subs[0].expression, "TagA || TagB");
    expect_str(cg->subs[0].expression_type, "TAG");
    cr_expect_eq(cg->subs[0].version, 1795463389099);
}

Test(rmq_map_broker, ali_ons_heartbeat)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;

    mq_pool_init(&pool, 0);
    map_golden("ali-ons/push-consumer/0002-req-34-HEART_BEAT.bin", &pool, &c, &req);
    cr_assert_eq(req.op, MQ_OP_CLIENT_HEARTBEAT);
    expect_ali_ons_consumer(&req.u.heartbeat, 1);

    map_golden("ali-ons/push-consumer/0016-req-34-HEART_BEAT.bin", &pool, &c, &req);
    expect_ali_ons_consumer(&req.u.heartbeat, 2);
    expect_str(req.u.heartbeat.consumer_groups[0].subs[1].topic, "%RETRY%cg_golden_ons");
    expect_str(req.u.heartbeat.consumer_groups[0].subs[1].expression, "*");
    cr_expect_eq(req.u.heartbeat.consumer_groups[0].subs[1].version, 1795463389145);
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, cpp_heartbeat_ordinals_and_string_sub_version)
{
    static const char *const files[] = {"cpp/push-consumer/0003-req-34-HEART_BEAT.bin",
                                        "cpp/push-consumer/0073-req-34-HEART_BEAT.bin",
                                        "cpp/push-consumer/0147-req-34-HEART_BEAT.bin"};
    for (size_t i = 0; i < MQ_ARRAY_LEN(files); i++) {
        mq_pool_t pool;
        rmq_cmd_t c;
        mq_req_t req;
        const mq_heartbeat_t *hb = &req.u.heartbeat;
        const mq_consumer_group_t *cg;

        mq_pool_init(&pool, 0);
        map_golden(files[i], &pool, &c, &req);
        expect_str(hb->client_id, "127.0.0.1@5629#DEFAULT");
        cr_expect_eq(hb->n_producer_groups, 0, "producerDataSet omitted");
        cr_assert_eq(hb->n_consumer_groups, 1);
        cg = &hb->consumer_groups[0];
        expect_str(cg->group, "cg_cpp");
        cr_expect_eq(cg->push, 1, "consumeType 1 = CONSUME_PASSIVELY");
        cr_expect_eq(cg->broadcasting, 0, "messageModel 1 = CLUSTERING");
        expect_str(cg->consume_from, "CONSUME_FROM_LAST_OFFSET"); /* ordinal 0 */
        cr_assert_eq(cg->n_subs, 2);
        expect_str(cg->subs[0].topic, "%RETRY%cg_cpp");
        expect_str(cg->subs[0].expression, "*");
        expect_str(cg->subs[0].expression_type, "TAG");
        cr_expect_eq(cg->subs[0].version, 1795463415152, "subVersion sent as a string");
        expect_str(cg->subs[1].topic, "TopicTest");
        expect_str(cg->subs[1].expression, "TagA || TagB");
        cr_expect_eq(cg->subs[1].version, 1795463415152);
        mq_pool_fini(&pool);
    }
}

Test(rmq_map_broker, cpp_producer_heartbeat)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;

    mq_pool_init(&pool, 0);
    map_golden("cpp/producer/0003-req-34-HEART_BEAT.bin", &pool, &c, &req);
    expect_str(req.u.heartbeat.client_id, "127.0.0.1@5182#DEFAULT");
    cr_assert_eq(req.u.heartbeat.n_producer_groups, 1);
    expect_str(req.u.heartbeat.producer_groups[0], "pg_cpp");
    cr_expect_eq(req.u.heartbeat.n_consumer_groups, 0, "consumerDataSet omitted");
    map_golden("cpp/batch-producer/0003-req-34-HEART_BEAT.bin", &pool, &c, &req);
    cr_assert_eq(req.u.heartbeat.n_producer_groups, 1);
    expect_str(req.u.heartbeat.producer_groups[0], "pg_cpp_batch");
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, golden_pulls)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const mq_pull_t *p = &req.u.pull;

    mq_pool_init(&pool, 0);
    map_golden("ali-ons/push-consumer/0006-req-11-PULL_MESSAGE.bin", &pool, &c, &req);
    cr_assert_eq(req.op, MQ_OP_PULL);
    expect_str(p->group, "cg_golden_ons");
    expect_str(p->topic, "TopicTest");
    cr_expect_eq(p->queue_id, 0);
    cr_expect_eq(p->offset, 0);
    cr_expect_eq(p->max_msgs, 32);
    cr_expect_eq(p->flags, MQ_PULL_SUSPEND | MQ_PULL_SUBSCRIPTION);
    cr_expect_eq(p->commit_offset, -1);
    cr_expect_eq(p->suspend_ms, 15000);
    expect_str(p->subscription, "TagA || TagB");
    cr_expect_eq(p->sub_version, 1795463389099);
    expect_str(p->expression_type, "TAG"); /* the default: ali-ons sends none */
    cr_expect_eq(p->max_bytes, 0);

    map_golden("ali-ons/push-consumer/0010-req-11-PULL_MESSAGE.bin", &pool, &c, &req);
    cr_expect_eq(p->queue_id, 2);

    map_golden("cpp/push-consumer/0012-req-11-PULL_MESSAGE.bin", &pool, &c, &req);
    expect_str(p->group, "cg_cpp");
    expect_str(p->topic, "%RETRY%cg_cpp");
    cr_expect_eq(p->commit_offset, -1, "\"-1\" as a string");
    expect_str(p->subscription, "*");
    cr_expect_eq(p->suspend_ms, 15000);

    map_golden("cpp/push-consumer/0022-req-11-PULL_MESSAGE.bin", &pool, &c, &req);
    expect_str(p->topic, "TopicTest");
    cr_expect_eq(p->queue_id, 3);
    cr_expect_eq(p->offset, 0);
    cr_expect_eq(p->commit_offset, 0);
    cr_expect_eq(p->flags, 6);
    expect_str(p->subscription, "TagA || TagB");
    cr_expect_eq(p->sub_version, 1795463415152);
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, golden_group_offsets)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const mq_group_offset_t *g = &req.u.group_offset;

    mq_pool_init(&pool, 0);
    map_golden("ali-ons/push-consumer/0005-req-14-QUERY_CONSUMER_OFFSET.bin", &pool, &c, &req);
    cr_assert_eq(req.op, MQ_OP_QUERY_GROUP_OFFSET);
    expect_str(g->group, "cg_golden_ons");
    expect_str(g->topic, "TopicTest");
    cr_expect_eq(g->queue_id, 1);
    cr_expect_eq(g->zero_if_none, 1, "absent setZeroIfNotFound reads as true");

    map_golden("cpp/push-consumer/0006-req-14-QUERY_CONSUMER_OFFSET.bin", &pool, &c, &req);
    expect_str(g->group, "cg_cpp");
    expect_str(g->topic, "%RETRY%cg_cpp");
    cr_expect_eq(g->queue_id, 0);

    map_golden("ali-ons/push-consumer/0029-req-15-UPDATE_CONSUMER_OFFSET.bin", &pool, &c, &req);
    cr_assert_eq(req.op, MQ_OP_COMMIT_GROUP_OFFSET);
    expect_str(g->group, "cg_golden_ons");
    expect_str(g->topic, "TopicTest");
    cr_expect_eq(g->queue_id, 1);
    cr_expect_eq(g->offset, 1);

    map_golden("ali-ons/push-consumer/0028-req-15-UPDATE_CONSUMER_OFFSET.bin", &pool, &c, &req);
    cr_expect_eq(g->offset, -1);

    map_golden("cpp/push-consumer/0029-req-15-UPDATE_CONSUMER_OFFSET.bin", &pool, &c, &req);
    expect_str(g->group, "cg_cpp");
    cr_expect_eq(g->offset, 1, "\"1\" as a string");
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, golden_members_and_unregister)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const mq_client_unregister_t *u = &req.u.client_unregister;

    mq_pool_init(&pool, 0);
    map_golden("ali-ons/push-consumer/0003-req-38-GET_CONSUMER_LIST_BY_GROUP.bin", &pool, &c, &req);
    cr_assert_eq(req.op, MQ_OP_GET_GROUP_MEMBERS);
    expect_str(req.u.group, "cg_golden_ons");
    map_golden("cpp/push-consumer/0005-req-38-GET_CONSUMER_LIST_BY_GROUP.bin", &pool, &c, &req);
    expect_str(req.u.group, "cg_cpp");

    map_golden("ali-ons/producer/0005-req-35-UNREGISTER_CLIENT.bin", &pool, &c, &req);
    cr_assert_eq(req.op, MQ_OP_CLIENT_UNREGISTER);
    expect_str(u->client_id, "192.0.2.2@4741");
    expect_str(u->producer_group, "pg_golden_ons");
    cr_expect_eq(u->consumer_group.n, 0);
    map_golden("ali-ons/push-consumer/0070-req-35-UNREGISTER_CLIENT.bin", &pool, &c, &req);
    expect_str(u->client_id, "192.0.2.2@4991");
    expect_str(u->consumer_group, "cg_golden_ons");
    cr_expect_eq(u->producer_group.n, 0);
    map_golden("cpp/push-consumer/0174-req-35-UNREGISTER_CLIENT.bin", &pool, &c, &req);
    expect_str(u->client_id, "127.0.0.1@5629#DEFAULT");
    expect_str(u->consumer_group, "cg_cpp");
    cr_expect_eq(u->producer_group.n, 0, "sent as \"\"");
    map_golden("cpp/batch-producer/0004-req-35-UNREGISTER_CLIENT.bin", &pool, &c, &req);
    expect_str(u->producer_group, "pg_cpp_batch");
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, golden_frames_with_binary_headers_map_alike)
{
    /* the same requests with ROCKETMQ binary headers (ext values become views into the frame) */
    for (int i = 0; i < golden.n; i++) {
        mq_pool_t pool;
        rmq_cmd_t c, c2;
        mq_req_t a, b;
        mq_buf_t bin = MQ_BUF_INIT;
        const char *why;

        mq_pool_init(&pool, 0);
        cr_assert_eq(rmq_test_decode(golden.data[i], golden.len[i], &pool, &c), MQ_OK);
        rmq_cmd_encode_binary(&c, &bin);
        cr_assert_eq(rmq_test_decode(bin.data, bin.len, &pool, &c2), MQ_OK);
        cr_assert_eq(map_cmd(&c, &pool, &a, &why), MQ_OK, "%s", golden.name[i]);
        cr_assert_eq(map_cmd(&c2, &pool, &b, &why), MQ_OK, "%s binary", golden.name[i]);
        cr_expect_eq(a.op, b.op);
        if (a.op == MQ_OP_PRODUCE) {
            cr_expect(mq_str_eq(a.u.produce.topic, b.u.produce.topic));
            cr_expect_eq(a.u.produce.n_msgs, b.u.produce.n_msgs);
            cr_expect_eq(a.u.produce.queue_id, b.u.produce.queue_id);
            cr_expect(mq_str_eq(a.u.produce.msgs[0].props, b.u.produce.msgs[0].props));
            cr_expect_eq(a.u.produce.msgs[0].born_ts, b.u.produce.msgs[0].born_ts);
        } else if (a.op == MQ_OP_PULL) {
            cr_expect_eq(a.u.pull.offset, b.u.pull.offset);
            cr_expect_eq(a.u.pull.sub_version, b.u.pull.sub_version);
            cr_expect(mq_str_eq(a.u.pull.subscription, b.u.pull.subscription));
        } else if (a.op == MQ_OP_CLIENT_HEARTBEAT) {
            cr_expect(mq_str_eq(a.u.heartbeat.client_id, b.u.heartbeat.client_id));
            cr_expect_eq(a.u.heartbeat.n_consumer_groups, b.u.heartbeat.n_consumer_groups);
        }
        mq_buf_fini(&bin);
        mq_pool_fini(&pool);
    }
}

/* ---- Hand-made requests ---- */

static void
cmd_new(rmq_cmd_t *c, int32_t code)
{
    rmq_cmd_init(c, code, 1, 0);
    c->version = 479;
}

Test(rmq_map_broker, send_v1_long_names)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;
    const mq_produce_t *p = &req.u.produce;

    mq_pool_init(&pool, 0);
    cmd_new(&c, RMQ_SEND_MESSAGE);
    rmq_cmd_add(&c, &pool, "producerGroup", MQ_STR("pg1"));
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T1"));
    rmq_cmd_add(&c, &pool, "defaultTopic", MQ_STR("TBW102"));
    rmq_cmd_add(&c, &pool, "defaultTopicQueueNums", MQ_STR("8"));
    rmq_cmd_add(&c, &pool, "queueId", MQ_STR("-1"));
    rmq_cmd_add(&c, &pool, "sysFlag", MQ_STR("1"));
    rmq_cmd_add(&c, &pool, "bornTimestamp", MQ_STR("1712345678901"));
    rmq_cmd_add(&c, &pool, "flag", MQ_STR("7"));
    rmq_cmd_add(&c, &pool, "properties", MQ_STR("TAGS\001x\002"));
    rmq_cmd_add(&c, &pool, "reconsumeTimes", MQ_STR("2"));
    rmq_cmd_add(&c, &pool, "maxReconsumeTimes", MQ_STR("5"));
    /* V2 names mean nothing on code 10 */
    rmq_cmd_add(&c, &pool, "b", MQ_STR("other"));
    c.body = MQ_STR("payload");
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK, "%s", why ? why : "");
    cr_assert_eq(req.op, MQ_OP_PRODUCE);
    expect_str(p->producer_group, "pg1");
    expect_str(p->topic, "T1");
    expect_str(p->default_topic, "TBW102");
    cr_expect_eq(p->default_queues, 8);
    cr_expect_eq(p->queue_id, -1);
    cr_expect_eq(p->max_reconsume, 5);
    cr_expect_eq(p->batch, 0);
    cr_assert_eq(p->n_msgs, 1);
    cr_expect_eq(p->msgs[0].sys_flag, 1);
    cr_expect_eq(p->msgs[0].flag, 7);
    cr_expect_eq(p->msgs[0].born_ts, 1712345678901);
    cr_expect_eq(p->msgs[0].reconsume_times, 2);
    expect_str(p->msgs[0].props, "TAGS\001x\002");
    expect_str(p->msgs[0].body, "payload");

    /* clients older than V3_4_9 (121) do not get their maxReconsumeTimes honoured */
    c.version = 120;
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(p->max_reconsume, -1);
    mq_pool_fini(&pool);
}

static void
add_v2_header(rmq_cmd_t *c, mq_pool_t *pool)
{
    rmq_cmd_add(c, pool, "a", MQ_STR("pg"));
    rmq_cmd_add(c, pool, "b", MQ_STR("T"));
    rmq_cmd_add(c, pool, "c", MQ_STR("TBW102"));
    rmq_cmd_add(c, pool, "d", MQ_STR("4"));
    rmq_cmd_add(c, pool, "e", MQ_STR("3"));
    rmq_cmd_add(c, pool, "f", MQ_STR("0"));
    rmq_cmd_add(c, pool, "g", MQ_STR("1000"));
    rmq_cmd_add(c, pool, "h", MQ_STR("0"));
}

Test(rmq_map_broker, send_batch_320_and_v2_flag)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;
    mq_buf_t body = MQ_BUF_INIT;
    mq_msg_t in[2];
    const mq_produce_t *p = &req.u.produce;

    mq_pool_init(&pool, 0);
    memset(in, 0, sizeof(in));
    in[0].flag = 1;
    in[0].body = MQ_STR("one");
    in[0].props = MQ_STR("UNIQ_KEY\001A\002");
    in[1].flag = 2;
    in[1].body = MQ_STR("two");
    in[1].props = MQ_STR("UNIQ_KEY\001B\002");
    rmq_batch_put(&body, &in[0]);
    rmq_batch_put(&body, &in[1]);

    cmd_new(&c, RMQ_SEND_BATCH_MESSAGE); /* a batch without m */
    add_v2_header(&c, &pool);
    rmq_cmd_add(&c, &pool, "j", MQ_STR("1"));
    rmq_cmd_add(&c, &pool, "l", MQ_STR("3"));
    c.body = mq_buf_view(&body);
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK, "%s", why ? why : "");
    cr_expect_eq(p->batch, 1);
    cr_expect_eq(p->max_reconsume, 3);
    cr_assert_eq(p->n_msgs, 2);
    for (int i = 0; i < 2; i++) {
        expect_str(p->msgs[i].topic, "T");
        cr_expect_eq(p->msgs[i].queue_id, 3);
        cr_expect_eq(p->msgs[i].born_ts, 1000);
        cr_expect_eq(p->msgs[i].reconsume_times, 1);
        cr_expect_eq(p->msgs[i].flag, i + 1);
    }
    expect_str(p->msgs[1].body, "two");
    expect_prop(p->msgs[1].props, "UNIQ_KEY", "B");

    /* the same body on 310 with m=true; with m=false it is one opaque message */
    cmd_new(&c, RMQ_SEND_MESSAGE_V2);
    add_v2_header(&c, &pool);
    rmq_cmd_add(&c, &pool, "m", MQ_STR("TRUE"));
    c.body = mq_buf_view(&body);
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(p->batch, 1);
    cr_expect_eq(p->n_msgs, 2);
    cmd_new(&c, RMQ_SEND_MESSAGE_V2);
    add_v2_header(&c, &pool);
    rmq_cmd_add(&c, &pool, "m", MQ_STR("false"));
    c.body = mq_buf_view(&body);
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(p->batch, 0);
    cr_expect_eq(p->n_msgs, 1);
    cr_expect_eq(p->msgs[0].body.n, body.len);

    /* a broken batch body */
    cmd_new(&c, RMQ_SEND_BATCH_MESSAGE);
    add_v2_header(&c, &pool);
    c.body = (mq_str_t){(const char *)body.data, body.len - 1};
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq((char *)why, "batch body");
    mq_buf_fini(&body);
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, send_missing_and_malformed_fields)
{
    static const struct {
        const char *drop, *key, *value, *why;
    } cases[] = {
        {"b", NULL, NULL, "b (topic)"},           {"a", NULL, NULL, "a (producerGroup)"},
        {"e", NULL, NULL, "e (queueId)"},         {NULL, "e", "x", "e (queueId)"},
        {NULL, "g", "12ab", "g (bornTimestamp)"}, {NULL, "f", "99999999999", "f (sysFlag)"},
        {NULL, "l", "", "l (maxReconsumeTimes)"},
    };
    for (size_t i = 0; i < MQ_ARRAY_LEN(cases); i++) {
        mq_pool_t pool;
        rmq_cmd_t c, full;
        mq_req_t req;
        const char *why = NULL;

        mq_pool_init(&pool, 0);
        cmd_new(&full, RMQ_SEND_MESSAGE_V2);
        add_v2_header(&full, &pool);
        cmd_new(&c, RMQ_SEND_MESSAGE_V2); /* the full header without `drop`, `key` replaced */
        for (int k = 0; k < full.n_ext; k++) {
            char *key = mq_pstrdup(&pool, full.ext[k].key);
            if ((cases[i].drop && strcmp(key, cases[i].drop) == 0) ||
                (cases[i].key && strcmp(key, cases[i].key) == 0))
                continue;
            rmq_cmd_add(&c, &pool, key, full.ext[k].val);
        }
        if (cases[i].key)
            rmq_cmd_add(&c, &pool, cases[i].key, mq_str_from_cstr(cases[i].value));
        cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL, "case %zu", i);
        cr_expect(why && strcmp(why, cases[i].why) == 0, "case %zu: why %s", i, why ? why : "-");
        mq_pool_fini(&pool);
    }
}

Test(rmq_map_broker, pull_defaults_and_errors)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;

    mq_pool_init(&pool, 0);
    cmd_new(&c, RMQ_LITE_PULL_MESSAGE);
    rmq_cmd_add(&c, &pool, "consumerGroup", MQ_STR("g"));
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
    rmq_cmd_add(&c, &pool, "queueId", MQ_STR("1"));
    rmq_cmd_add(&c, &pool, "queueOffset", MQ_STR("42"));
    rmq_cmd_add(&c, &pool, "sysFlag", MQ_STR("16"));
    rmq_cmd_add(&c, &pool, "subscription", MQ_STR("a"));
    rmq_cmd_add(&c, &pool, "expressionType", MQ_STR("SQL92"));
    rmq_cmd_add(&c, &pool, "maxMsgBytes", MQ_STR("65536"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK, "%s", why ? why : "");
    cr_assert_eq(req.op, MQ_OP_PULL);
    cr_expect_eq(req.u.pull.offset, 42);
    cr_expect_eq(req.u.pull.max_msgs, 32, "default maxMsgNums");
    cr_expect_eq(req.u.pull.flags, 16, "flags copied as sent");
    expect_str(req.u.pull.subscription, "a"); /* copied without the subscription bit */
    expect_str(req.u.pull.expression_type, "SQL92");
    cr_expect_eq(req.u.pull.max_bytes, 65536);
    cr_expect_eq(req.u.pull.suspend_ms, 0);

    cmd_new(&c, RMQ_PULL_MESSAGE);
    rmq_cmd_add(&c, &pool, "consumerGroup", MQ_STR("g"));
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
    rmq_cmd_add(&c, &pool, "queueId", MQ_STR("1"));
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq((char *)why, "queueOffset");
    rmq_cmd_add(&c, &pool, "queueOffset", MQ_STR("0"));
    rmq_cmd_add(&c, &pool, "maxMsgNums", MQ_STR("lots"));
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq((char *)why, "maxMsgNums");
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, queue_offset_kinds)
{
    static const struct {
        int32_t code;
        mq_offset_kind_t kind;
    } k[] = {
        {RMQ_GET_MAX_OFFSET, MQ_OFFSET_MAX},
        {RMQ_GET_MIN_OFFSET, MQ_OFFSET_MIN},
        {RMQ_GET_EARLIEST_MSG_STORETIME, MQ_OFFSET_EARLIEST_TIME},
        {RMQ_SEARCH_OFFSET_BY_TIMESTAMP, MQ_OFFSET_BY_TIME},
    };
    mq_pool_t pool;
    mq_req_t req;
    const char *why;

    mq_pool_init(&pool, 0);
    for (size_t i = 0; i < MQ_ARRAY_LEN(k); i++) {
        rmq_cmd_t c;
        cmd_new(&c, k[i].code);
        rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
        rmq_cmd_add(&c, &pool, "queueId", MQ_STR("2"));
        rmq_cmd_add(&c, &pool, "timestamp", MQ_STR("1700000000000"));
        cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
        cr_expect_eq(req.op, MQ_OP_GET_QUEUE_OFFSET);
        cr_expect_eq(req.u.queue_offset.kind, k[i].kind);
        cr_expect_eq(req.u.queue_offset.queue_id, 2);
        expect_str(req.u.queue_offset.topic, "T");
        cr_expect_eq(req.u.queue_offset.upper, 0, "boundaryType defaults to lower");
        if (k[i].kind == MQ_OFFSET_BY_TIME) {
            cr_expect_eq(req.u.queue_offset.timestamp, 1700000000000);
            rmq_cmd_add(&c, &pool, "boundaryType", MQ_STR("UPPER"));
            cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
            cr_expect_eq(req.u.queue_offset.upper, 1);
        }
    }
    {
        rmq_cmd_t c;
        cmd_new(&c, RMQ_SEARCH_OFFSET_BY_TIMESTAMP);
        rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
        rmq_cmd_add(&c, &pool, "queueId", MQ_STR("2"));
        cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
        cr_expect_str_eq((char *)why, "timestamp");
    }
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, group_offsets_and_members_errors)
{
    mq_pool_t pool;
    rmq_cmd_t c;
    mq_req_t req;
    const char *why;

    mq_pool_init(&pool, 0);
    cmd_new(&c, RMQ_QUERY_CONSUMER_OFFSET);
    rmq_cmd_add(&c, &pool, "consumerGroup", MQ_STR("g"));
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
    rmq_cmd_add(&c, &pool, "queueId", MQ_STR("0"));
    rmq_cmd_add(&c, &pool, "setZeroIfNotFound", MQ_STR("false"));
    cr_assert_eq(map_cmd(&c, &pool, &req, &why), MQ_OK);
    cr_expect_eq(req.u.group_offset.zero_if_none, 0);

    cmd_new(&c, RMQ_UPDATE_CONSUMER_OFFSET);
    rmq_cmd_add(&c, &pool, "consumerGroup", MQ_STR("g"));
    rmq_cmd_add(&c, &pool, "topic", MQ_STR("T"));
    rmq_cmd_add(&c, &pool, "queueId", MQ_STR("0"));
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq((char *)why, "commitOffset");

    cmd_new(&c, RMQ_GET_CONSUMER_LIST_BY_GROUP);
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq((char *)why, "consumerGroup");

    cmd_new(&c, RMQ_UNREGISTER_CLIENT);
    rmq_cmd_add(&c, &pool, "clientId", MQ_STR("x")); /* the name is clientID */
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_EINVAL);
    cr_expect_str_eq((char *)why, "clientID");

    cmd_new(&c, 4242);
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_DECLINED);
    cmd_new(&c, RMQ_GET_ALL_DELAY_OFFSET); /* a broker code the model has no operation for */
    cr_expect_eq(map_cmd(&c, &pool, &req, &why), MQ_DECLINED);
    mq_pool_fini(&pool);
}

static int
map_heartbeat(const char *json, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    rmq_cmd_t c;
    cmd_new(&c, RMQ_HEART_BEAT);
    c.body = mq_str_from_cstr(json);
    return map_cmd(&c, pool, req, why);
}

Test(rmq_map_broker, heartbeat_variants)
{
    mq_pool_t pool;
    mq_req_t req;
    const char *why;
    const mq_heartbeat_t *hb = &req.u.heartbeat;
    char json[1024];

    mq_pool_init(&pool, 0);
    /* Java 5.x: names, expressionType, fingerprint fields, a Java-style producer list */
    cr_assert_eq(
        map_heartbeat(
            "{\"clientID\":\"192.168.0.10@12345#1712345678901\",\"consumerDataSet\":[{"
            "\"consumeFromWhere\":\"CONSUME_FROM_TIMESTAMP\",\"consumeType\":\"CONSUME_ACTIVELY\","
            "\"groupName\":\"cg1\",\"messageModel\":\"BROADCASTING\",\"subscriptionDataSet\":[{"
            "\"classFilterMode\":false,\"codeSet\":[2598919],\"expressionType\":\"SQL92\","
            "\"subString\":\"a > 1\",\"subVersion\":1712345678901,\"tagsSet\":[],"
            "\"topic\":\"TopicTest\"}],\"unitMode\":false}],\"heartbeatFingerprint\":0,"
            "\"producerDataSet\":[{\"groupName\":\"pg1\"},{\"groupName\":"
            "\"CLIENT_INNER_PRODUCER\"}],\"withoutSub\":false}",
            &pool, &req, &why),
        MQ_OK, "%s", why ? why : "");
    cr_assert_eq(hb->n_producer_groups, 2);
    expect_str(hb->producer_groups[1], "CLIENT_INNER_PRODUCER");
    cr_assert_eq(hb->n_consumer_groups, 1);
    cr_expect_eq(hb->consumer_groups[0].push, 0);
    cr_expect_eq(hb->consumer_groups[0].broadcasting, 1);
    expect_str(hb->consumer_groups[0].consume_from, "CONSUME_FROM_TIMESTAMP");
    expect_str(hb->consumer_groups[0].subs[0].expression_type, "SQL92");
    expect_str(hb->consumer_groups[0].subs[0].expression, "a > 1");

    /* ordinals as numeric strings; CONSUME_POP; everything optional left out */
    cr_assert_eq(map_heartbeat("{\"clientID\":\"c\",\"consumerDataSet\":[{\"groupName\":\"g\","
                               "\"consumeType\":\"2\",\"messageModel\":\"0\","
                               "\"consumeFromWhere\":\"4\"},{\"groupName\":\"h\"}]}",
                               &pool, &req, &why),
                 MQ_OK, "%s", why ? why : "");
    cr_assert_eq(hb->n_consumer_groups, 2);
    cr_expect_eq(hb->consumer_groups[0].push, 0);
    cr_expect_eq(hb->consumer_groups[0].broadcasting, 1);
    expect_str(hb->consumer_groups[0].consume_from, "CONSUME_FROM_FIRST_OFFSET");
    cr_expect_eq(hb->consumer_groups[0].n_subs, 0);
    cr_expect_eq(hb->consumer_groups[1].push, 1, "defaults: push, clustering, last offset");
    cr_expect_eq(hb->consumer_groups[1].broadcasting, 0);
    expect_str(hb->consumer_groups[1].consume_from, "CONSUME_FROM_LAST_OFFSET");

    /* null sets; a bare client */
    cr_assert_eq(map_heartbeat("{\"clientID\":\"c\",\"producerDataSet\":null,"
                               "\"consumerDataSet\":null}",
                               &pool, &req, &why),
                 MQ_OK);
    cr_expect_eq(hb->n_producer_groups + hb->n_consumer_groups, 0);

    /* malformed */
    static const struct {
        const char *json, *why;
    } bad[] = {
        {"", "heartbeat body"},
        {"[1]", "heartbeat body"},
        {"{\"clientID\":\"c\",\"consumerDataSet\":{}}", "heartbeat body"},
        {"{\"producerDataSet\":[]}", "clientID"},
        {"{\"clientID\":\"c\",\"producerDataSet\":[{}]}", "producerDataSet.groupName"},
        {"{\"clientID\":\"c\",\"consumerDataSet\":[{\"groupName\":\"g\",\"consumeType\":7}]}",
         "consumerDataSet.consumeType"},
        {"{\"clientID\":\"c\",\"consumerDataSet\":[{\"groupName\":\"g\",\"messageModel\":"
         "\"ONE\"}]}",
         "consumerDataSet.messageModel"},
        {"{\"clientID\":\"c\",\"consumerDataSet\":[{\"groupName\":\"g\",\"consumeFromWhere\":"
         "6}]}",
         "consumerDataSet.consumeFromWhere"},
        {"{\"clientID\":\"c\",\"consumerDataSet\":[{\"groupName\":\"g\",\"subscriptionDataSet\":"
         "[{\"subString\":\"*\"}]}]}",
         "subscriptionDataSet.topic"},
        {"{\"clientID\":\"c\",\"consumerDataSet\":[{\"groupName\":\"g\",\"subscriptionDataSet\":"
         "[{\"topic\":\"T\",\"subVersion\":\"soon\"}]}]}",
         "subscriptionDataSet.subVersion"},
    };
    for (size_t i = 0; i < MQ_ARRAY_LEN(bad); i++) {
        why = NULL;
        cr_expect_eq(map_heartbeat(bad[i].json, &pool, &req, &why), MQ_EINVAL, "%s", bad[i].json);
        cr_expect(why && strcmp(why, bad[i].why) == 0, "%s: why %s", bad[i].json, why ? why : "-");
    }
    /* strings outlive the parsed document: they are pool copies */
    snprintf(json, sizeof(json),
             "{\"clientID\":\"copy-me\",\"producerDataSet\":[{"
             "\"groupName\":\"pgx\"}]}");
    cr_assert_eq(map_heartbeat(json, &pool, &req, &why), MQ_OK);
    memset(json, 'X', sizeof(json) - 1);
    expect_str(hb->client_id, "copy-me");
    expect_str(hb->producer_groups[0], "pgx");
    mq_pool_fini(&pool);
}

/* ---- Replies ---- */

Test(rmq_map_broker, pull_status_numbers_agree_with_the_store)
{
    cr_expect_eq(RMQ_GET_FOUND, STORE_GET_FOUND);
    cr_expect_eq(RMQ_GET_NO_MATCHED_MESSAGE, STORE_GET_NO_MATCHED_MESSAGE);
    cr_expect_eq(RMQ_GET_MESSAGE_WAS_REMOVING, STORE_GET_MESSAGE_WAS_REMOVING);
    cr_expect_eq(RMQ_GET_OFFSET_FOUND_NULL, STORE_GET_OFFSET_FOUND_NULL);
    cr_expect_eq(RMQ_GET_OFFSET_OVERFLOW_BADLY, STORE_GET_OFFSET_OVERFLOW_BADLY);
    cr_expect_eq(RMQ_GET_OFFSET_OVERFLOW_ONE, STORE_GET_OFFSET_OVERFLOW_ONE);
    cr_expect_eq(RMQ_GET_OFFSET_TOO_SMALL, STORE_GET_OFFSET_TOO_SMALL);
    cr_expect_eq(RMQ_GET_NO_MATCHED_LOGIC_QUEUE, STORE_GET_NO_MATCHED_LOGIC_QUEUE);
    cr_expect_eq(RMQ_GET_NO_MESSAGE_IN_QUEUE, STORE_GET_NO_MESSAGE_IN_QUEUE);
}

static void
produce_req(mq_req_t *req, int n)
{
    memset(req, 0, sizeof(*req));
    req->op = MQ_OP_PRODUCE;
    req->u.produce.n_msgs = n;
    req->u.produce.batch = n > 1;
}

static int
is_upper_hex(mq_str_t s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!((s.p[i] >= '0' && s.p[i] <= '9') || (s.p[i] >= 'A' && s.p[i] <= 'F')))
            return 0;
    return 1;
}

Test(rmq_map_broker, produce_replies)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_req_t req;
    mq_rep_t rep;
    rmq_cmd_t r;
    int64_t phys[3] = {0x1234, 0x2000, 0x2100};
    mq_str_t id;
    mq_host_t host;
    int64_t off;

    mq_pool_init(&pool, 0);
    memset(&rep, 0, sizeof(rep));
    rep.u.produce.queue_id = 2;
    rep.u.produce.queue_offset = 41;
    rep.u.produce.phys_offsets = phys;
    rep.u.produce.n = 1;
    rep.u.produce.uniq_key = MQ_STR("7F000001143E0F4B6414758D876E0000");
    rep.u.produce.store_host.addr[0] = 127;
    rep.u.produce.store_host.addr[3] = 1;
    rep.u.produce.store_host.port = 10911;
    produce_req(&req, 1);
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SUCCESS);
    cr_assert(rmq_cmd_ext(&r, "msgId", &id));
    cr_expect_eq(id.n, 32);
    cr_expect(is_upper_hex(id));
    expect_str(id, "7F00000100002A9F0000000000001234");
    cr_assert_eq(mq_msgid_parse(id, &host, &off), MQ_OK);
    cr_expect_eq(off, 0x1234);
    cr_expect_eq(host.port, 10911);
    expect_ext(&r, "queueId", "2");
    expect_ext(&r, "queueOffset", "41");
    expect_ext(&r, "transactionId", "7F000001143E0F4B6414758D876E0000");
    cr_expect_eq(r.body.n, 0);

    /* a batch: comma-joined ids, the first offset; no uniq key => no transactionId */
    rep.u.produce.n = 3;
    rep.u.produce.uniq_key = MQ_STR_NULL;
    produce_req(&req, 3);
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    cr_assert(rmq_cmd_ext(&r, "msgId", &id));
    cr_expect_eq(id.n, 3 * 32 + 2);
    expect_str(id, "7F00000100002A9F0000000000001234,7F00000100002A9F0000000000002000,"
                   "7F00000100002A9F0000000000002100");
    expect_ext(&r, "queueOffset", "41");
    cr_expect_not(has_ext(&r, "transactionId"));

    /* stored, but the flush timed out */
    rep.u.produce.flush_timeout = 1;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_FLUSH_DISK_TIMEOUT);
    cr_expect(has_ext(&r, "msgId"));

    /* errors */
    static const struct {
        int status;
        int32_t code;
    } e[] = {
        {MQ_ENOENT, RMQ_RC_TOPIC_NOT_EXIST},
        {MQ_EPERM, RMQ_RC_NO_PERMISSION},
        {MQ_ETOOBIG, RMQ_RC_MESSAGE_ILLEGAL},
        {MQ_ENOSPC, RMQ_RC_SERVICE_NOT_AVAILABLE},
        {MQ_ECLOSED, RMQ_RC_SERVICE_NOT_AVAILABLE},
        {MQ_EINVAL, RMQ_RC_INVALID_PARAMETER},
        {MQ_EBUSY, RMQ_RC_SYSTEM_BUSY},
        {MQ_EIO, RMQ_RC_SYSTEM_ERROR},
        {MQ_DECLINED, RMQ_RC_REQUEST_CODE_NOT_SUPPORTED},
    };
    for (size_t i = 0; i < MQ_ARRAY_LEN(e); i++) {
        memset(&rep, 0, sizeof(rep));
        reply_decode(&req, e[i].status, &rep, &pool, &b, &r);
        cr_expect_eq(r.code, e[i].code, "%s", mq_err_name(e[i].status));
        expect_str(r.remark, e[i].status == MQ_DECLINED ? " request type not supported"
                                                        : mq_err_text(e[i].status));
        cr_expect_not(has_ext(&r, "msgId"));
        rep.text = "[REJECTREQUEST]system busy";
        reply_decode(&req, e[i].status, &rep, &pool, &b, &r);
        expect_str(r.remark, "[REJECTREQUEST]system busy");
    }
    /* no rep at all */
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_TOPIC_NOT_EXIST);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, pull_replies)
{
    static const struct {
        int status;
        int64_t offset;
        int32_t code;
    } t[] = {
        {RMQ_GET_FOUND, 5, RMQ_RC_SUCCESS},
        {RMQ_GET_NO_MATCHED_MESSAGE, 5, RMQ_RC_PULL_RETRY_IMMEDIATELY},
        {RMQ_GET_MESSAGE_WAS_REMOVING, 5, RMQ_RC_PULL_RETRY_IMMEDIATELY},
        {RMQ_GET_OFFSET_FOUND_NULL, 5, RMQ_RC_PULL_RETRY_IMMEDIATELY},
        {RMQ_GET_OFFSET_OVERFLOW_ONE, 5, RMQ_RC_PULL_NOT_FOUND},
        {RMQ_GET_OFFSET_OVERFLOW_BADLY, 9, RMQ_RC_PULL_OFFSET_MOVED},
        {RMQ_GET_OFFSET_TOO_SMALL, 1, RMQ_RC_PULL_OFFSET_MOVED},
        {RMQ_GET_NO_MESSAGE_IN_QUEUE, 0, RMQ_RC_PULL_NOT_FOUND},
        {RMQ_GET_NO_MESSAGE_IN_QUEUE, 3, RMQ_RC_PULL_OFFSET_MOVED},
        {RMQ_GET_NO_MATCHED_LOGIC_QUEUE, 0, RMQ_RC_PULL_NOT_FOUND},
        {RMQ_GET_NO_MATCHED_LOGIC_QUEUE, 3, RMQ_RC_PULL_OFFSET_MOVED},
        {RMQ_GET__COUNT, 0, RMQ_RC_SYSTEM_ERROR},
    };
    const mq_str_t records[2] = {MQ_STR("AAAA"), MQ_STR("BBBBBB")};
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;

    mq_pool_init(&pool, 0);
    for (size_t i = 0; i < MQ_ARRAY_LEN(t); i++) {
        mq_req_t req;
        mq_rep_t rep;
        rmq_cmd_t r;

        memset(&req, 0, sizeof(req));
        memset(&rep, 0, sizeof(rep));
        req.op = MQ_OP_PULL;
        req.u.pull.offset = t[i].offset;
        rep.u.pull.status = t[i].status;
        rep.u.pull.next_offset = 7;
        rep.u.pull.min_offset = 2;
        rep.u.pull.max_offset = 8;
        rep.u.pull.suggest_broker = 1;
        rep.u.pull.records = records;
        rep.u.pull.n_records = t[i].status == RMQ_GET_FOUND ? 2 : 0;
        cr_expect_eq(rmq_pull_code(t[i].status, t[i].offset), t[i].code, "case %zu", i);
        reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
        cr_expect_eq(r.code, t[i].code, "case %zu (%s)", i, rmq_get_status_name(t[i].status));
        expect_str(r.remark, rmq_get_status_name(t[i].status));
        expect_ext(&r, "suggestWhichBrokerId", "1");
        expect_ext(&r, "nextBeginOffset", "7");
        expect_ext(&r, "minOffset", "2");
        expect_ext(&r, "maxOffset", "8");
        if (t[i].code == RMQ_RC_SUCCESS) {
            expect_str(r.body, "AAAABBBBBB");
            cr_expect_eq(rmq_map_pull_bytes(&req, MQ_OK, &rep), 10);
        } else {
            cr_expect_eq(r.body.n, 0);
            cr_expect_eq(rmq_map_pull_bytes(&req, MQ_OK, &rep), 0);
        }
    }
    expect_str(mq_str_from_cstr(rmq_get_status_name(RMQ_GET_OFFSET_OVERFLOW_ONE)),
               "OFFSET_OVERFLOW_ONE");
    expect_str(mq_str_from_cstr(rmq_get_status_name(-1)), "UNKNOWN");

    /* failures still carry the four offsets */
    {
        mq_req_t req;
        mq_rep_t rep;
        rmq_cmd_t r;
        memset(&req, 0, sizeof(req));
        memset(&rep, 0, sizeof(rep));
        req.op = MQ_OP_PULL;
        req.u.pull.offset = 12;
        rep.text = "subscription group [g] does not exist";
        reply_decode(&req, MQ_ENOENT, &rep, &pool, &b, &r);
        cr_expect_eq(r.code, RMQ_RC_TOPIC_NOT_EXIST);
        expect_str(r.remark, "subscription group [g] does not exist");
        expect_ext(&r, "nextBeginOffset", "12");
        expect_ext(&r, "suggestWhichBrokerId", "0");
        cr_expect(has_ext(&r, "minOffset") && has_ext(&r, "maxOffset"));
        cr_expect_eq(r.body.n, 0);
    }
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, pull_reply_head_for_zero_copy)
{
    const mq_str_t records[2] = {MQ_STR("xyz"), MQ_STR("12")};
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT, body = MQ_BUF_INIT;
    mq_req_t req;
    mq_rep_t rep;
    rmq_cmd_t r, back;
    size_t n;

    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    req.op = MQ_OP_PULL;
    rep.u.pull.status = RMQ_GET_FOUND;
    rep.u.pull.records = records;
    rep.u.pull.n_records = 2;
    cr_assert_eq(rmq_map_broker_cmd(&req, MQ_OK, &rep, 5, &pool, &r, &body), MQ_OK);
    cr_expect_eq(body.len, 0, "records are not copied");
    n = rmq_map_pull_bytes(&req, MQ_OK, &rep);
    cr_assert_eq(n, 5);
    rmq_cmd_encode_head(&r, n, &b);
    mq_buf_append_str(&b, records[0]);
    mq_buf_append_str(&b, records[1]);
    cr_assert_eq(rmq_test_decode(b.data, b.len, &pool, &back), MQ_OK);
    expect_str(back.body, "xyz12");
    cr_expect_eq(back.opaque, 5);

    req.op = MQ_OP_GET_ROUTE;
    cr_expect_eq(rmq_map_broker_cmd(&req, MQ_OK, &rep, 5, &pool, &r, &body), MQ_DECLINED);
    cr_expect_eq(rmq_map_pull_bytes(&req, MQ_OK, &rep), 0);
    mq_buf_fini(&body);
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}

Test(rmq_map_broker, offset_client_and_member_replies)
{
    mq_pool_t pool;
    mq_buf_t b = MQ_BUF_INIT;
    mq_req_t req;
    mq_rep_t rep;
    rmq_cmd_t r;
    mq_str_t ids[3] = {MQ_STR("127.0.0.1@1#DEFAULT"), MQ_STR("q\"uote"), MQ_STR("c\001")};

    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));

    req.op = MQ_OP_QUERY_GROUP_OFFSET;
    rep.u.offset = 17;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SUCCESS);
    expect_ext(&r, "offset", "17");
    reply_decode(&req, MQ_ENOENT, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_QUERY_NOT_FOUND);
    cr_expect_not(has_ext(&r, "offset"));

    req.op = MQ_OP_GET_QUEUE_OFFSET;
    req.u.queue_offset.kind = MQ_OFFSET_MAX;
    rep.u.offset = 100;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_ext(&r, "offset", "100");
    req.u.queue_offset.kind = MQ_OFFSET_BY_TIME;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_ext(&r, "offset", "100");
    req.u.queue_offset.kind = MQ_OFFSET_EARLIEST_TIME;
    rep.u.offset = 1712345678901;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_ext(&r, "timestamp", "1712345678901");
    cr_expect_not(has_ext(&r, "offset"));

    req.op = MQ_OP_COMMIT_GROUP_OFFSET;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SUCCESS);
    cr_expect_eq(r.n_ext, 0);

    req.op = MQ_OP_CLIENT_HEARTBEAT;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SUCCESS);
    cr_expect_eq(r.body.n, 0);
    cr_expect_not(has_ext(&r, "IS_SUPPORT_HEART_BEAT_V2"));
    cr_expect_eq(r.n_ext, 0);

    req.op = MQ_OP_CLIENT_UNREGISTER;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SUCCESS);

    req.op = MQ_OP_GET_GROUP_MEMBERS;
    rep.u.list.items = ids;
    rep.u.list.n = 3;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_str(r.body, "{\"consumerIdList\":[\"127.0.0.1@1#DEFAULT\",\"q\\\"uote\",\"c\\u0001\"]}");
    rep.u.list.n = 0;
    reply_decode(&req, MQ_OK, &rep, &pool, &b, &r);
    expect_str(r.body, "{\"consumerIdList\":[]}");
    reply_decode(&req, MQ_ENOENT, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_SYSTEM_ERROR);

    /* NameServer operations still answered by their own mapping */
    req.op = MQ_OP_GET_ROUTE;
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_TOPIC_NOT_EXIST);
    req.op = MQ_OP_KV_GET;
    reply_decode(&req, MQ_ENOENT, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_QUERY_NOT_FOUND);
    /* a service without the operation declines it, whichever family it belongs to */
    reply_decode(&req, MQ_DECLINED, NULL, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_REQUEST_CODE_NOT_SUPPORTED);
    req.op = MQ_OP_PULL;
    rep.text = "broker: no PULL here";
    reply_decode(&req, MQ_DECLINED, &rep, &pool, &b, &r);
    cr_expect_eq(r.code, RMQ_RC_REQUEST_CODE_NOT_SUPPORTED);
    expect_str(r.remark, "broker: no PULL here");
    mq_buf_fini(&b);
    mq_pool_fini(&pool);
}
