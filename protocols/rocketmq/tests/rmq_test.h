/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_test.h -- helpers shared by the remoting codec's tests (test code only): decoding one
 * whole frame, and comparing a decoded string with a literal.
 */
#ifndef RMQ_TEST_H
#define RMQ_TEST_H

#include <criterion/criterion.h>

#include "rmq_cmd.h"
#include "rmq_frame.h"

/* Decodes b (exactly one frame) into c: MQ_OK, MQ_EPROTO for anything but one whole frame,
 * or rmq_cmd_decode's error. */
static inline int
rmq_test_decode(const uint8_t *b, size_t n, mq_pool_t *pool, rmq_cmd_t *c)
{
    rmq_frame_t f;
    if (rmq_frame_parse(b, n, RMQ_FRAME_MAX_DEFAULT, &f, NULL) != (ssize_t)n)
        return MQ_EPROTO;
    return rmq_cmd_decode(&f, pool, c);
}

/* Asserts that the buffer buf holds one whole frame that decodes into c. */
#define rmq_test_decode_frame(buf, pool, c)                                                        \
    cr_assert_eq(rmq_test_decode((buf)->data, (buf)->len, (pool), (c)), MQ_OK,                     \
                 "one whole frame that decodes")

#define expect_str(s, lit)                                                                         \
    do {                                                                                           \
        mq_str_t s_ = (s);                                                                         \
        cr_expect(mq_str_eq_cstr(s_, (lit)), "%s: got '%.*s', want '%s'", #s, (int)s_.n,           \
                  s_.p ? s_.p : "", (lit));                                                        \
    } while (0)

#endif /* RMQ_TEST_H */
