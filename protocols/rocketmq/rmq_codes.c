/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_codes.c -- names of request/response codes and languages (rmq_codes.h).
 */
#include <stddef.h>
#include <string.h>

#include "rmq_codes.h"

const char *
rmq_request_name(int32_t code)
{
    switch (code) {
#define RMQ_REQUEST(name, c)                                                                       \
    case c:                                                                                        \
        return #name;
#include "rmq_codes.def"
    default:
        return "UNKNOWN";
    }
}

const char *
rmq_response_name(int32_t code)
{
    switch (code) {
#define RMQ_RESPONSE(name, c)                                                                      \
    case c:                                                                                        \
        return #name;
#include "rmq_codes.def"
    default:
        return "UNKNOWN";
    }
}

static const char *const rmq_languages[RMQ_LANGUAGE_COUNT] = {
    "JAVA",  "CPP",  "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY",
    "OTHER", "HTTP", "GO",     "PHP",    "OMS",    "RUST",   "NODE_JS",
};

const char *
rmq_language_name(int32_t lang)
{
    return lang >= 0 && lang < RMQ_LANGUAGE_COUNT ? rmq_languages[lang] : "OTHER";
}

int32_t
rmq_language_parse(const char *name, size_t n)
{
    for (int32_t i = 0; i < RMQ_LANGUAGE_COUNT; i++)
        if (strlen(rmq_languages[i]) == n && memcmp(rmq_languages[i], name, n) == 0)
            return i;
    return -1;
}
