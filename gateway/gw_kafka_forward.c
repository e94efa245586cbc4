/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_forward.c -- committed offsets of queues another broker owns. A Kafka group's
 * coordinator is one broker (gw_kcluster.h), but RocketMQ keeps a group's offset of a queue at
 * the broker that owns the queue; so OffsetCommit and OffsetFetch send those partitions to
 * their owner as RocketMQ clients would: UPDATE_CONSUMER_OFFSET (15) and
 * QUERY_CONSUMER_OFFSET (14), through the gateway's broker-to-broker client (gw_rclient.h).
 * The owner's RocketMQ consumers of the same group see these offsets, and the other way round.
 * Kafka's commit metadata and leader epoch are not kept for such partitions (RocketMQ's offset
 * table has no place for them).
 */
#include <stdlib.h>
#include <string.h>

#include "gw_kafka_int.h"
#include "gw_rclient.h"
#include "rmq_codes.h"

#define GW_KFWD_TIMEOUT_MS 3000

typedef struct gw_kfwd_s {
    gw_kreq_t *kr;
    int16_t *err;                     /* commit: the partition's error */
    kf_offset_fetch_resp_part_t *out; /* fetch: the partition's answer */
} gw_kfwd_t;

static void
gw_kfwd_done(void *arg, int status, const rmq_cmd_t *resp)
{
    gw_kfwd_t *f = arg;
    if (f->err) {
        *f->err = status == MQ_OK && resp->code == RMQ_RC_SUCCESS
                      ? KF_ERR_NONE
                      : KF_ERR_COORDINATOR_NOT_AVAILABLE; /* retriable: the client commits again */
    } else if (status != MQ_OK ||
               (resp->code != RMQ_RC_SUCCESS && resp->code != RMQ_RC_QUERY_NOT_FOUND)) {
        f->out->error_code = KF_ERR_COORDINATOR_NOT_AVAILABLE;
    } else if (resp->code == RMQ_RC_SUCCESS) {
        int64_t off;
        if (rmq_cmd_ext_i64(resp, "offset", &off) == MQ_OK && off >= 0)
            f->out->committed_offset = off;
    }
    gw_kreq_release(f->kr);
}

/* Sends req for kr to broker's master; answers f at once (COORDINATOR_NOT_AVAILABLE) when
 * the broker is not known. */
static void
gw_kfwd_send(gw_kreq_t *kr, gw_kfwd_t *f, const char *broker, rmq_cmd_t *req)
{
    gw_kafka_t *fe = kr->kc->fe;
    const gw_kbroker_t *b = gw_kcluster_broker(fe, broker);
    gw_kreq_hold(kr);
    if (!b || !b->rmq_addr[0] || !fe->peers) {
        gw_kfwd_done(f, MQ_EIO, NULL);
        return;
    }
    gw_rclient_call(fe->peers, b->rmq_addr, req, GW_KFWD_TIMEOUT_MS, gw_kfwd_done, f);
}

void
gw_kafka_forward_commit(gw_kreq_t *kr, const char *broker, mq_str_t group, mq_str_t topic,
                        int32_t queue, int64_t offset, int16_t *err)
{
    gw_kfwd_t *f = mq_pcalloc(&kr->pool, sizeof(*f));
    rmq_cmd_t req;
    f->kr = kr;
    f->err = err;
    rmq_cmd_init(&req, RMQ_UPDATE_CONSUMER_OFFSET, 0, 0);
    rmq_cmd_add(&req, &kr->pool, "consumerGroup", group);
    rmq_cmd_add(&req, &kr->pool, "topic", topic);
    rmq_cmd_add_i64(&req, &kr->pool, "queueId", queue);
    rmq_cmd_add_i64(&req, &kr->pool, "commitOffset", offset);
    gw_kfwd_send(kr, f, broker, &req);
}

void
gw_kafka_forward_fetch(gw_kreq_t *kr, const char *broker, mq_str_t group, mq_str_t topic,
                       int32_t queue, kf_offset_fetch_resp_part_t *out)
{
    gw_kfwd_t *f = mq_pcalloc(&kr->pool, sizeof(*f));
    rmq_cmd_t req;
    f->kr = kr;
    f->out = out;
    rmq_cmd_init(&req, RMQ_QUERY_CONSUMER_OFFSET, 0, 0);
    rmq_cmd_add(&req, &kr->pool, "consumerGroup", group);
    rmq_cmd_add(&req, &kr->pool, "topic", topic);
    rmq_cmd_add_i64(&req, &kr->pool, "queueId", queue);
    gw_kfwd_send(kr, f, broker, &req);
}
