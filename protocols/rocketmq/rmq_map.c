/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map.c -- the entry points of the RemotingCommand <-> request model translation
 * (rmq_map.h). Each family of codes has its own file (rmq_map_broker.c, rmq_map_namesrv.c,
 * rmq_map_admin.c) and this one asks them in turn (client-facing broker codes, broker admin
 * codes, NameServer codes), so a front-end serving either service sees one pair of calls.
 * The mapping accepts every code it knows, whichever service is behind the front-end; a service
 * without the operation answers MQ_DECLINED, which becomes REQUEST_CODE_NOT_SUPPORTED.
 */

#include "rmq_codes.h"
#include "rmq_map.h"
#include "rmq_map_admin.h"

int
rmq_map_request(const rmq_cmd_t *c, mq_pool_t *pool, mq_req_t *req, const char **why)
{
    int rc = rmq_map_broker_request(c, pool, req, why);
    if (rc == MQ_DECLINED)
        rc = rmq_map_admin_request(c, pool, req, why);
    if (rc == MQ_DECLINED)
        rc = rmq_map_namesrv_request(c, pool, req, why);
    return rc;
}

void
rmq_map_reply(const mq_req_t *req, int status, const mq_rep_t *rep, int32_t opaque, mq_pool_t *pool,
              mq_buf_t *out)
{
    if (status == MQ_DECLINED) {
        /* a service without this operation (a broker code sent to the NameServer, or the
         * reverse): what a Java server answers for a code it has no processor for */
        rmq_map_error(RMQ_RC_REQUEST_CODE_NOT_SUPPORTED, opaque,
                      rep && rep->text ? rep->text : " request type not supported", out);
        return;
    }
    if (rmq_map_broker_reply(req, status, rep, opaque, pool, out) == MQ_DECLINED &&
        rmq_map_admin_reply(req, status, rep, opaque, pool, out) == MQ_DECLINED)
        rmq_map_namesrv_reply(req, status, rep, opaque, pool, out);
}

void
rmq_map_notice(const mq_notice_t *n, int32_t opaque, mq_pool_t *pool, mq_buf_t *out)
{
    rmq_cmd_t c;
    switch (n->kind) {
    case MQ_NOTICE_CONSUMER_IDS_CHANGED:
        /* Broker2Client.notifyConsumerIdsChanged: one-way, header consumerGroup */
        rmq_cmd_init(&c, RMQ_NOTIFY_CONSUMER_IDS_CHANGED, opaque, RMQ_FLAG_ONEWAY);
        rmq_cmd_add(&c, pool, "consumerGroup", n->group);
        break;
    case MQ_NOTICE_RESET_OFFSET: {
        /* Broker2Client.resetOffset: one-way, ResetOffsetRequestHeader + ResetOffsetBody */
        mq_buf_t body = MQ_BUF_INIT;
        rmq_cmd_init(&c, RMQ_RESET_CONSUMER_CLIENT_OFFSET, opaque, RMQ_FLAG_ONEWAY);
        rmq_cmd_add(&c, pool, "topic", n->topic);
        rmq_cmd_add(&c, pool, "group", n->group);
        rmq_cmd_add_i64(&c, pool, "timestamp", n->timestamp);
        rmq_cmd_add(&c, pool, "isForce", n->force ? MQ_STR("true") : MQ_STR("false"));
        if (n->reset)
            rmq_admin_reset_body(&body, n->reset);
        rmq_cmd_encode_head(&c, body.len, out); /* the body is written once, after the head */
        mq_buf_append(out, body.data, body.len);
        mq_buf_fini(&body);
        return;
    }
    case MQ_NOTICE_CHECK_TRANSACTION: /* rmq_map_txn.c */
        rmq_map_check_txn(n, opaque, pool, out);
        return;
    default:
        return;
    }
    rmq_cmd_encode(&c, out);
}
