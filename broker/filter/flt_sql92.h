/* SPDX-License-Identifier: Apache-2.0
 *
 * flt_sql92.h -- RocketMQ's SQL92 message filter (ExpressionType.SQL92): an expression over the
 * message properties is compiled once and evaluated on every pulled message. The grammar and
 * the semantics are those of rocketmq-protocol.md section 7 and org.apache.rocketmq.filter
 * (SelectorParser.jj, ComparisonExpression, LogicExpression, UnaryExpression).
 *
 * Pure code: no I/O, no global state. A compiled filter is immutable, so any number of threads
 * may evaluate it at once; evaluation allocates nothing and uses a bounded stack.
 *
 * Behaviour in short (the unit tests in tests/test_sql92.c pin each point):
 *  - Values are NULL, booleans, int (32-bit), long, double and strings. A missing property is
 *    NULL; a present one is a string. Only TRUE matches; FALSE, NULL and evaluation errors do not.
 *  - AND/OR/NOT are three-valued and evaluate left to right with short-circuit (an error in a
 *    right operand that is not evaluated does not count).
 *  - A decimal literal is an int when it fits, else a long (an L suffix does not change this);
 *    a float literal is a double. A string compared with a number is converted to that number's
 *    type with Java's rules (Integer.parseInt, Long.parseLong, Double.valueOf); a failed
 *    conversion is an evaluation error. `>`, `>=`, `<`, `<=` between two strings compare them as
 *    doubles. `=`/`<>` compare strings exactly; a string equals TRUE when it is "true" in any case.
 *  - Comparisons (=, <>, >, >=, <, <=, BETWEEN, IN, CONTAINS, STARTSWITH, ENDSWITH and their NOT
 *    forms) with a NULL operand are NULL. CONTAINS/STARTSWITH/ENDSWITH with an empty string are
 *    FALSE (RocketMQ). A property used as a boolean (`a AND b`) is NULL when missing, else FALSE.
 *  - Parse-time errors as in RocketMQ: string, boolean or NULL literals and boolean expressions
 *    as operands of > >= < <= (and BETWEEN); `= NULL`; TRUE/FALSE on the left of `=` with a
 *    non-boolean literal on the right; IN on anything but a property; BETWEEN with literal
 *    bounds low > high; a decimal literal beyond the long range; a non-boolean whole expression.
 *
 * Where this deliberately differs from RocketMQ 5 (its behaviour is an accident there):
 *  - Tokens after a complete expression are an error (RocketMQ's parser stops and ignores them,
 *    so `a = 1 b = 2` silently filters on `a = 1`).
 *  - `=`/`<>` and CONTAINS & co. with a NULL operand are NULL, as the spec says (RocketMQ: a
 *    NULL right operand of `=` gives FALSE, two NULLs give TRUE, CONTAINS on NULL gives FALSE).
 *  - `TRUE = a` converts a like `a = TRUE` (RocketMQ throws a ClassCastException: no match).
 *  - The float literal 0.0 is accepted (RocketMQ rejects it as "less than Double.MIN_VALUE");
 *    a float literal that overflows to infinity is rejected like RocketMQ does.
 *  - Number conversion accepts ASCII digits only (Java's parseInt also takes other Unicode
 *    decimal digits); identifiers are ASCII as in RocketMQ's grammar.
 */
#ifndef MQ_FLT_SQL92_H
#define MQ_FLT_SQL92_H

#include <stddef.h>

#include "mq/common.h"

#define FLT_SQL92_MAX_LEN 65536 /* longest expression accepted, bytes */
#define FLT_SQL92_MAX_DEPTH 64  /* deepest nesting of parentheses and unary operators */

typedef struct flt_sql92_s flt_sql92_t;

/* Result of flt_sql92_eval(); only FLT_SQL92_TRUE is a match. */
typedef enum flt_sql92_result_e {
    FLT_SQL92_FALSE = 0,
    FLT_SQL92_TRUE = 1,
    FLT_SQL92_NULL = 2,  /* unknown: a NULL operand reached the top */
    FLT_SQL92_ERROR = 3, /* evaluation error, e.g. `a > 5` with a = "abc" (RocketMQ: exception) */
} flt_sql92_result_t;

/* Property lookup: returns the value of property `name` (name_len bytes, also NUL-terminated)
 * and sets *val_len, or returns NULL when the message has no such property. The value must stay
 * valid until the evaluation returns. Called from inside flt_sql92_match/eval only. */
typedef const char *(*flt_get_fn)(void *arg, const char *name, size_t name_len, size_t *val_len);

/* Functions used to compile and free a filter. */

/* Compiles expr (len bytes, need not be NUL-terminated, may hold any bytes). On success returns
 * MQ_OK and sets *out (the caller frees it with flt_sql92_free). On a bad expression returns
 * MQ_EINVAL, leaves *out NULL, writes a message naming the line and column (1-based, in
 * characters, as RocketMQ's "Encountered ... at line 1, column N") into err (errlen bytes,
 * always NUL-terminated; err may be NULL) and sets *err_pos (may be NULL) to the 0-based byte
 * offset of the error in expr. Never crashes: nesting deeper than FLT_SQL92_MAX_DEPTH and
 * expressions longer than FLT_SQL92_MAX_LEN are errors too. */
int flt_sql92_compile(const char *expr, size_t len, flt_sql92_t **out, char *err, size_t errlen,
                      size_t *err_pos);
void flt_sql92_free(flt_sql92_t *f); /* NULL is fine */

/* Functions used to evaluate a filter against one message. None allocates. */

/* Evaluates f with properties from get(arg, ...): the three-valued result, or an error. */
flt_sql92_result_t flt_sql92_eval(const flt_sql92_t *f, flt_get_fn get, void *arg);
/* 1 when f evaluates to TRUE, else 0 (FALSE, NULL or an evaluation error). */
int flt_sql92_match(const flt_sql92_t *f, flt_get_fn get, void *arg);
/* flt_sql92_match over a stored properties string (name \1 value \2 ..., msg.h), looked up with
 * mq_props_get: a duplicate name yields its last value, an empty value counts as missing. */
int flt_sql92_match_props(const flt_sql92_t *f, const char *props, size_t len);

#endif /* MQ_FLT_SQL92_H */
