/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_codes.h -- RocketMQ request codes (RMQ_<NAME>), response codes (RMQ_RC_<NAME>) and
 * LanguageCode names, expanded from rmq_codes.def.
 */
#ifndef MQ_RMQ_CODES_H
#define MQ_RMQ_CODES_H

#include <stddef.h>
#include <stdint.h>

enum rmq_request_code_e {
#define RMQ_REQUEST(name, code) RMQ_##name = (code),
#include "rmq_codes.def"
};

enum rmq_response_code_e {
#define RMQ_RESPONSE(name, code) RMQ_RC_##name = (code),
#include "rmq_codes.def"
};

/* Functions used to name codes (static strings; "UNKNOWN" when not in the table). */
const char *rmq_request_name(int32_t code);
const char *rmq_response_name(int32_t code);

/* LanguageCode: JAVA=0, CPP=1, DOTNET=2, PYTHON=3, DELPHI=4, ERLANG=5, RUBY=6, OTHER=7, HTTP=8,
 * GO=9, PHP=10, OMS=11, RUST=12, NODE_JS=13. */
#define RMQ_LANGUAGE_COUNT 14
const char *rmq_language_name(int32_t lang);
int32_t rmq_language_parse(const char *name, size_t n); /* -1 if unknown */

/* Header flag bits. */
#define RMQ_FLAG_RESPONSE 0x1 /* RPC_TYPE */
#define RMQ_FLAG_ONEWAY 0x2   /* RPC_ONEWAY */

/* serializeType in the high byte of headerLenAndType. */
#define RMQ_SERIALIZE_JSON 0
#define RMQ_SERIALIZE_ROCKETMQ 1

#endif /* MQ_RMQ_CODES_H */
