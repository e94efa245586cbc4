/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_req.c -- names of the request model's operations (req.h).
 */
#include "mq/req.h"

const char *
mq_op_name(mq_op_t op)
{
    switch (op) {
#define MQ_OP_CASE(name)                                                                           \
    case MQ_OP_##name:                                                                             \
        return #name;
        MQ_OP_MAP(MQ_OP_CASE)
#undef MQ_OP_CASE
    default:
        return "UNKNOWN";
    }
}
