/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_map_txn.c -- the transaction codes <-> the request model (rmq_map.h), rocketmq-protocol.md
 * sections 2.2 and 6.5:
 *
 *   END_TRANSACTION (37, producer -> broker)                        -> END_TRANSACTION
 *   CHECK_TRANSACTION_STATE (39, broker -> producer, one-way)       <- notice CHECK_TRANSACTION
 *
 * END_TRANSACTION is EndTransactionRequestHeader: producerGroup, tranStateTableOffset,
 * commitLogOffset, commitOrRollback (0 unknown, 8 commit, 12 rollback), fromTransactionCheck,
 * msgId, transactionId. The check is CheckTransactionStateRequestHeader (topic,
 * tranStateTableOffset, commitLogOffset, msgId, transactionId, offsetMsgId, brokerName) with the
 * half message as a stored record for body. Pure functions: no I/O, no globals.
 */
#include <string.h>

#include "rmq_codes.h"
#include "rmq_fields.h"
#include "rmq_map.h"

int
rmq_map_end_txn(const rmq_cmd_t *c, mq_req_t *req, const char **why)
{
    mq_end_txn_t *e = &req->u.end_txn;

    req->op = MQ_OP_END_TRANSACTION;
    memset(e, 0, sizeof(*e));
    if (!rmq_field_have(c, "producerGroup", "producerGroup", &e->producer_group, why) ||
        !rmq_field_i64(c, "tranStateTableOffset", "tranStateTableOffset", 1, 0,
                       &e->tran_state_offset, why) ||
        !rmq_field_i64(c, "commitLogOffset", "commitLogOffset", 1, 0, &e->commit_log_offset, why) ||
        !rmq_field_i32(c, "commitOrRollback", "commitOrRollback", 1, 0, &e->commit_or_rollback,
                       why))
        return MQ_EINVAL;
    e->from_check = rmq_field_bool(c, "fromTransactionCheck", 0);
    e->msg_id = rmq_field_str(c, "msgId");
    e->transaction_id = rmq_field_str(c, "transactionId");
    return MQ_OK;
}

void
rmq_map_check_txn(const mq_notice_t *n, int32_t opaque, mq_pool_t *pool, mq_buf_t *out)
{
    const mq_txn_check_t *k = n->check;
    rmq_cmd_t c;

    if (!k)
        return;
    /* Broker2Client.checkProducerTransactionState: one-way, the message as body */
    rmq_cmd_init(&c, RMQ_CHECK_TRANSACTION_STATE, opaque, RMQ_FLAG_ONEWAY);
    rmq_cmd_add(&c, pool, "topic", k->topic);
    rmq_cmd_add_i64(&c, pool, "tranStateTableOffset", k->tran_state_offset);
    rmq_cmd_add_i64(&c, pool, "commitLogOffset", k->commit_log_offset);
    rmq_cmd_add(&c, pool, "msgId", k->msg_id);
    rmq_cmd_add(&c, pool, "transactionId", k->transaction_id);
    rmq_cmd_add(&c, pool, "offsetMsgId", k->offset_msg_id);
    rmq_cmd_add(&c, pool, "brokerName", k->broker_name);
    c.body = k->record;
    rmq_cmd_encode(&c, out);
}
