/* SPDX-License-Identifier: Apache-2.0
 *
 * test_sql92.c -- the SQL92 filter (flt_sql92.h): every grammar construct with TRUE, FALSE and
 * NULL outcomes, precedence, RocketMQ's numeric conversions and parse-time checks, error
 * positions, the nesting and length limits, and matching a stored properties string. Every
 * expression is compiled from a copy that ends at a PROT_NONE page, so a read past its end
 * crashes the test.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "flt_sql92.h"
#include "flt_sql92_int.h"
#include "mq/buf.h"
#include "mq/msg.h"
#include "mq_test.h"

typedef struct test_kv_s {
    const char *name;  /* property name */
    const char *value; /* its value */
} test_kv_t;

/* The message every evaluation test sees. */
static const test_kv_t test_props[] = {
    {"a", "10"},
    {"b", "abc"},
    {"s", "hello world"},
    {"t", "TagA"},
    {"f", "2.5"},
    {"big", "3000000000"},
    {"tr", "TRUE"},
    {"neg", "-7"},
    {"sp", " 10"},
    {"q", "it's"},
    {"hex", "0x1p3"},
    {"nan", "NaN"},
    {"inf", "Infinity"},
    {"e", ""},
    {"quote", "'"},
    {"nl", "a\nb"},
    {"uni", "caf\xc3\xa9"},
    {NULL, NULL},
};

static const char *
test_get(void *arg, const char *name, size_t name_len, size_t *val_len)
{
    const test_kv_t *kv = arg;
    cr_assert_eq(strlen(name), name_len, "property names are NUL-terminated");
    for (size_t i = 0; kv[i].name; i++) {
        if (strlen(kv[i].name) == name_len && memcmp(kv[i].name, name, name_len) == 0) {
            *val_len = strlen(kv[i].value);
            return kv[i].value;
        }
    }
    return NULL;
}

/* Compiles expr from a guarded copy; returns the result code and fills the outputs. */
static int
test_compile(const char *expr, flt_sql92_t **f, char *err, size_t errlen, size_t *pos)
{
    mq_test_guard_t g;
    size_t n = strlen(expr);
    const char *copy = (const char *)mq_test_guarded(&g, expr, n);
    int rc = flt_sql92_compile(copy, n, f, err, errlen, pos);
    mq_test_unguard(&g);
    return rc;
}

static flt_sql92_result_t
test_eval(const char *expr)
{
    flt_sql92_t *f = NULL;
    char err[256];
    size_t pos;
    flt_sql92_result_t r;

    cr_assert_eq(test_compile(expr, &f, err, sizeof(err), &pos), MQ_OK, "compile [%s]: %s", expr,
                 err);
    cr_assert_not_null(f);
    r = flt_sql92_eval(f, test_get, (void *)test_props);
    cr_assert_eq(flt_sql92_match(f, test_get, (void *)test_props), r == FLT_SQL92_TRUE);
    flt_sql92_free(f);
    return r;
}

#define RT FLT_SQL92_TRUE
#define RF FLT_SQL92_FALSE
#define RN FLT_SQL92_NULL
#define RE FLT_SQL92_ERROR

#define EXPECT(expr, want)                                                                         \
    do {                                                                                           \
        flt_sql92_result_t got_ = test_eval(expr);                                                 \
        cr_expect_eq(got_, (want), "[%s] gave %d, expected %d", (expr), (int)got_, (int)(want));   \
    } while (0)

/* The expression must not compile; checks the error position (0-based byte offset) and that
 * the message names the 1-based column and contains `part`. */
static void
test_bad(const char *expr, size_t want_pos, size_t want_line, size_t want_col, const char *part)
{
    flt_sql92_t *f = (flt_sql92_t *)0x1;
    char err[256], where[64];
    size_t pos = 12345;

    cr_assert_eq(test_compile(expr, &f, err, sizeof(err), &pos), MQ_EINVAL, "[%s] compiled", expr);
    cr_expect_null(f);
    cr_expect_eq(pos, want_pos, "[%s] error at %zu, expected %zu (%s)", expr, pos, want_pos, err);
    snprintf(where, sizeof(where), "line %zu, column %zu", want_line, want_col);
    cr_expect(strstr(err, where) != NULL, "[%s] message [%s] lacks [%s]", expr, err, where);
    if (part)
        cr_expect(strstr(err, part) != NULL, "[%s] message [%s] lacks [%s]", expr, err, part);
}

static void
test_bad_any(const char *expr)
{
    flt_sql92_t *f = NULL;
    char err[256];
    size_t pos;
    cr_expect_eq(test_compile(expr, &f, err, sizeof(err), &pos), MQ_EINVAL, "[%s] compiled", expr);
    cr_expect_null(f);
}

Test(flt_sql92, literals_true_false_null)
{
    EXPECT("TRUE", RT);
    EXPECT("FALSE", RF);
    EXPECT("NULL", RN);
    EXPECT("NOT TRUE", RF);
    EXPECT("NOT FALSE", RT);
    EXPECT("NOT NULL", RN);
    EXPECT("(TRUE)", RT);
    EXPECT("TRUE = TRUE", RT);
    EXPECT("TRUE <> FALSE", RT);
    EXPECT("1 = 1", RT);
    EXPECT("'x' = 'x'", RT);
    EXPECT("1 = TRUE", RF); /* a number and a boolean are never equal */
}

Test(flt_sql92, string_equality_is_exact)
{
    EXPECT("b = 'abc'", RT);
    EXPECT("b = 'ABC'", RF);
    EXPECT("b = 'abc '", RF);
    EXPECT("b <> 'abc'", RF);
    EXPECT("b <> 'x'", RT);
    EXPECT("'abc' = b", RT);
    EXPECT("missing = 'x'", RN);
    EXPECT("missing <> 'x'", RN);
    EXPECT("'x' = missing", RN);
    EXPECT("missing = other", RN);
    EXPECT("uni = 'caf\xc3\xa9'", RT);
    EXPECT("e = ''", RT); /* present but empty */
    EXPECT("a = b", RF);
}

Test(flt_sql92, strings_convert_to_the_literal_number_type)
{
    EXPECT("a > 5", RT); /* "10" > 5 */
    EXPECT("a < 5", RF);
    EXPECT("a = 10", RT);
    EXPECT("a <> 10", RF);
    EXPECT("a >= 10", RT);
    EXPECT("a <= 9", RF);
    EXPECT("5 < a", RT);
    EXPECT("b > 5", RE); /* "abc" does not convert: not matched */
    EXPECT("b = 5", RE);
    EXPECT("f > 2", RE);   /* Integer.parseInt("2.5") fails */
    EXPECT("f > 2.0", RT); /* Double.valueOf */
    EXPECT("f = 2.5", RT);
    EXPECT("big > 5", RE); /* 3000000000 is no int */
    EXPECT("big > 2147483648", RT);
    EXPECT("big = 3000000000", RT);
    EXPECT("neg < 0", RT);
    EXPECT("sp = 10", RE);   /* parseInt does not trim */
    EXPECT("sp = 10.0", RT); /* Double.valueOf does */
    EXPECT("hex = 8.0", RT);
    EXPECT("nan > 1.0", RT); /* Double.compare puts NaN above everything */
    EXPECT("inf > 1.0E300", RT);
    EXPECT("missing > 5", RN);
    EXPECT("a > missing", RN);
}

Test(flt_sql92, two_strings_order_as_doubles)
{
    EXPECT("a > f", RT); /* 10 > 2.5 */
    EXPECT("f < a", RT);
    EXPECT("a >= sp", RT);
    EXPECT("a > b", RE);
}

Test(flt_sql92, long_and_double_literals)
{
    EXPECT("3000000000 > 2147483647", RT);
    EXPECT("10L = 10", RT);
    EXPECT("a = 10L", RT);
    EXPECT("9223372036854775807 > 0", RT);
    EXPECT("-9223372036854775807 < 0", RT);
    EXPECT("-2147483648 < 0", RT);
    EXPECT("1.5e3 = 1500", RT);
    EXPECT("1.5E+3 = 1500", RT);
    EXPECT("15e-1 = 1.5", RT);
    EXPECT(".5 = 0.5", RT);
    EXPECT("5. = 5", RT);
}

Test(flt_sql92, number_literal_errors)
{
    test_bad("a > 9223372036854775808", 4, 1, 5, "long range");
    test_bad("a > 1e400", 4, 1, 5, "double range");
    test_bad("a = 0123", 5, 1, 6, "\"123\""); /* "0" then "123", as JavaCC splits it */
    test_bad("a > 1e", 5, 1, 6, "\"e\"");
    test_bad("a > 0L", 5, 1, 6, "\"L\"");
    EXPECT("a > 0.0", RT); /* accepted here, RocketMQ rejects it */
}

Test(flt_sql92, booleans_and_strings)
{
    EXPECT("tr = TRUE", RT); /* Boolean.valueOf("TRUE") */
    EXPECT("b = TRUE", RF);
    EXPECT("b = FALSE", RT);
    EXPECT("TRUE = tr", RT);
    EXPECT("a", RF); /* a present property used as a boolean */
    EXPECT("missing", RN);
    EXPECT("NOT a", RT);
    EXPECT("NOT missing", RN);
    EXPECT("a AND TRUE", RF);
    EXPECT("missing OR TRUE", RT);
    EXPECT("+a", RF);
}

Test(flt_sql92, is_null_and_is_not_null)
{
    EXPECT("missing IS NULL", RT);
    EXPECT("a IS NULL", RF);
    EXPECT("a IS NOT NULL", RT);
    EXPECT("missing IS NOT NULL", RF);
    EXPECT("e IS NOT NULL", RT);
    EXPECT("(missing = 'x') IS NULL", RT);
    EXPECT("(a = '10') IS NOT NULL", RT);
    EXPECT("NULL IS NULL", RT);
    EXPECT("5 IS NULL", RF);
    test_bad("a IS 5", 5, 1, 6, "NULL or NOT NULL");
    test_bad("a IS NOT 5", 9, 1, 10, "NULL");
}

Test(flt_sql92, between_and_not_between)
{
    EXPECT("a BETWEEN 5 AND 10", RT);
    EXPECT("a BETWEEN 10 AND 10", RT);
    EXPECT("a BETWEEN 11 AND 20", RF);
    EXPECT("a BETWEEN 1 AND 9", RF);
    EXPECT("a BETWEEN 1.5 AND 10L", RT);
    EXPECT("missing BETWEEN 1 AND 2", RN);
    EXPECT("a BETWEEN missing AND 20", RN);
    EXPECT("a BETWEEN 20 AND missing", RF); /* 10 >= 20 is FALSE: decided before the NULL */
    EXPECT("a NOT BETWEEN 5 AND 10", RF);
    EXPECT("a NOT BETWEEN 11 AND 20", RT);
    EXPECT("a NOT BETWEEN 1 AND 9", RT);
    EXPECT("missing NOT BETWEEN 1 AND 2", RN);
    EXPECT("a NOT BETWEEN 5 AND 1", RT); /* RocketMQ checks the bounds for BETWEEN only */
    EXPECT("a BETWEEN -5 AND -10", RF);  /* negations are not literals: no check */
    EXPECT("b BETWEEN 1 AND 2", RE);
    EXPECT("a BETWEEN 11 AND b", RF); /* the first half decides: b is never converted */
    EXPECT("a BETWEEN 1 AND b", RE);
    EXPECT("a BETWEEN 5 AND 10 AND b = 'abc'", RT);
    test_bad("a BETWEEN 5 AND 1", 10, 1, 11, "between");
    test_bad("a BETWEEN 'x' AND 'y'", 10, 1, 11, "string literal");
    test_bad("a BETWEEN NULL AND 5", 10, 1, 11, "null");
    test_bad("a BETWEEN 1 OR 5", 12, 1, 13, "AND");
    test_bad("(a > 1) BETWEEN 1 AND 5", 0, 1, 1, "boolean expression");
}

Test(flt_sql92, in_and_not_in)
{
    EXPECT("t IN ('TagA', 'TagB')", RT);
    EXPECT("t IN ('TagB')", RF);
    EXPECT("t NOT IN ('TagB', 'TagC')", RT);
    EXPECT("t NOT IN ('TagA')", RF);
    EXPECT("missing IN ('x')", RN);
    EXPECT("missing NOT IN ('x')", RN);
    EXPECT("(t) IN ('TagA')", RT);
    EXPECT("q IN ('it''s')", RT);
    EXPECT("e IN ('')", RT);
    test_bad("'a' IN ('a')", 0, 1, 1, "property");
    test_bad("t IN (1)", 6, 1, 7, "string literal");
    test_bad("t IN ('a', 1)", 11, 1, 12, "string literal");
    test_bad("t IN ()", 6, 1, 7, "string literal");
    test_bad("t IN 'a'", 5, 1, 6, "\"(\"");
    test_bad("t IN ('a' 'b')", 10, 1, 11, "\",\" or \")\"");
}

Test(flt_sql92, in_with_a_long_list_is_searched)
{
    mq_buf_t b = MQ_BUF_INIT;
    flt_sql92_t *f = NULL;
    char err[256], val[16];
    size_t pos;
    test_kv_t kv[] = {{"k", val}, {NULL, NULL}};

    mq_buf_append_cstr(&b, "k IN (");
    for (int i = 0; i < 300; i++)
        mq_buf_printf(&b, "%s'v%d'", i ? ", " : "", (i * 7919) % 300);
    mq_buf_append_cstr(&b, ")");
    cr_assert_eq(flt_sql92_compile((const char *)b.data, b.len, &f, err, sizeof(err), &pos), MQ_OK,
                 "%s", err);
    for (int i = 0; i < 300; i++) {
        snprintf(val, sizeof(val), "v%d", i);
        cr_expect(flt_sql92_match(f, test_get, kv), "%s", val);
    }
    snprintf(val, sizeof(val), "v300");
    cr_expect_not(flt_sql92_match(f, test_get, kv));
    snprintf(val, sizeof(val), "v");
    cr_expect_not(flt_sql92_match(f, test_get, kv));
    snprintf(val, sizeof(val), "v1000");
    cr_expect_not(flt_sql92_match(f, test_get, kv));
    flt_sql92_free(f);
    mq_buf_fini(&b);
}

Test(flt_sql92, contains_startswith_endswith)
{
    EXPECT("s CONTAINS 'lo w'", RT);
    EXPECT("s CONTAINS 'xyz'", RF);
    EXPECT("s NOT CONTAINS 'xyz'", RT);
    EXPECT("s NOT CONTAINS 'hello'", RF);
    EXPECT("s STARTSWITH 'hello'", RT);
    EXPECT("s STARTSWITH 'world'", RF);
    EXPECT("s NOT STARTSWITH 'x'", RT);
    EXPECT("s NOT STARTSWITH 'hell'", RF);
    EXPECT("s ENDSWITH 'world'", RT);
    EXPECT("s ENDSWITH 'hello'", RF);
    EXPECT("s NOT ENDSWITH 'world'", RF);
    EXPECT("s NOT ENDSWITH 'x'", RT);
    EXPECT("s STARTSWITH 'hello world'", RT);
    EXPECT("s STARTSWITH 'hello world!'", RF);
    EXPECT("missing CONTAINS 'x'", RN);
    EXPECT("missing NOT CONTAINS 'x'", RN);
    EXPECT("missing STARTSWITH 'x'", RN);
    EXPECT("missing NOT ENDSWITH 'x'", RN);
    EXPECT("s CONTAINS ''", RF); /* RocketMQ: an empty search never matches */
    EXPECT("s NOT CONTAINS ''", RF);
    EXPECT("5 CONTAINS '5'", RF); /* not a string */
    EXPECT("quote CONTAINS ''''", RT);
    EXPECT("nl CONTAINS 'a\nb'", RT);
    test_bad("s CONTAINS 1", 11, 1, 12, "string literal");
    test_bad("s STARTSWITH b", 13, 1, 14, "string literal");
    test_bad("s ENDSWITH", 10, 1, 11, "<EOF>");
    test_bad("s NOT LIKE 'x'", 2, 1, 3, "\"NOT\"");
}

Test(flt_sql92, three_valued_logic)
{
    EXPECT("NULL AND FALSE", RF);
    EXPECT("FALSE AND NULL", RF);
    EXPECT("NULL AND TRUE", RN);
    EXPECT("TRUE AND NULL", RN);
    EXPECT("NULL OR TRUE", RT);
    EXPECT("TRUE OR NULL", RT);
    EXPECT("NULL OR FALSE", RN);
    EXPECT("FALSE OR NULL", RN);
    EXPECT("TRUE AND TRUE AND TRUE", RT);
    EXPECT("FALSE OR FALSE OR FALSE", RF);
    EXPECT("missing = 'x' OR a = '10'", RT);
    EXPECT("NOT (missing = 'x')", RN);
}

Test(flt_sql92, errors_end_evaluation_but_short_circuit_skips_them)
{
    EXPECT("FALSE AND b > 1", RF);
    EXPECT("TRUE OR b > 1", RT);
    EXPECT("b > 1 OR TRUE", RE);
    EXPECT("TRUE AND b > 1", RE);
    EXPECT("NOT (b > 1)", RE);
    EXPECT("(b > 1) IS NULL", RE);
}

Test(flt_sql92, precedence)
{
    EXPECT("TRUE OR TRUE AND FALSE", RT); /* AND binds tighter than OR */
    EXPECT("(TRUE OR TRUE) AND FALSE", RF);
    EXPECT("FALSE AND FALSE OR TRUE", RT);
    EXPECT("NOT FALSE AND FALSE", RF); /* (NOT FALSE) AND FALSE */
    EXPECT("NOT (FALSE AND FALSE)", RT);
    EXPECT("NOT NOT TRUE", RT);
    EXPECT("a > 5 = TRUE", RT); /* comparisons bind tighter than = */
    EXPECT("TRUE = a > 5", RT);
    EXPECT("a = '10' = TRUE", RT);
    EXPECT("a = '10' AND b = 'abc' OR FALSE", RT);
    EXPECT("-(5) = -5", RT);
    EXPECT("- -5 = 5", RT);
    EXPECT("+a = '10'", RT);
    EXPECT("-a = -10", RN); /* negating a string gives NULL */
    EXPECT("-a > 5", RN);
    EXPECT("-2147483648 = -(2147483648)", RT); /* int and long compare as numbers */
    /* NOT is unary, tighter than comparisons: NOT a > 5 is (NOT a) > 5, refused */
    test_bad("NOT a > 5", 0, 1, 1, "boolean expression");
    EXPECT("NOT a = TRUE", RT); /* (NOT a) = TRUE, with NOT a TRUE for a present a */
}

Test(flt_sql92, keywords_are_case_insensitive_names_are_not)
{
    EXPECT("a between 5 and 10 AnD t in ('TagA') oR FaLsE", RT);
    EXPECT("t iS nOt NuLl", RT);
    EXPECT("s contains 'hello' and s startsWith 'he' AND s endswith 'ld'", RT);
    EXPECT("s not Contains 'x'", RT);
    EXPECT("true AND not false", RT);
    EXPECT("A = '10'", RN);   /* property names keep their case */
    EXPECT("$x IS NULL", RT); /* $ and _ start names */
    EXPECT("_a1 IS NULL", RT);
    test_bad("in = 1", 0, 1, 1, "\"in\"");
}

Test(flt_sql92, comments_and_blanks)
{
    EXPECT("a = '10' -- the rest is a comment", RT);
    EXPECT("a = '10' -- comment\n AND b = 'abc'", RT);
    EXPECT("a = '10' -- comment\r\n AND b = 'x'", RF);
    EXPECT("/* c */ a /* x */ = '10'", RT);
    EXPECT("/**/TRUE", RT);
    EXPECT("/* a * / b ** */ TRUE", RT);
    EXPECT("\t\r\n\fTRUE\n", RT);
    EXPECT("a='10'AND(b='abc')", RT);
    test_bad("a = '10' /* unterminated", 9, 1, 10, "unterminated comment");
    test_bad("/*/ TRUE", 0, 1, 1, "unterminated comment");
    test_bad("-- only a comment", 17, 1, 18, "<EOF>");
}

Test(flt_sql92, string_literals_double_their_quotes)
{
    EXPECT("q = 'it''s'", RT);
    EXPECT("quote = ''''", RT);
    EXPECT("'' = ''", RT);
    EXPECT("e = ''", RT);
    EXPECT("nl = 'a\nb'", RT);
    EXPECT("'a''''b' = 'a''''b'", RT);
    EXPECT("'a''b' = 'a''''b'", RF);
    test_bad("q = 'it''s", 4, 1, 5, "unterminated string");
}

Test(flt_sql92, error_positions)
{
    test_bad("", 0, 1, 1, "<EOF>");
    test_bad("   ", 3, 1, 4, "<EOF>");
    test_bad("a = ", 4, 1, 5, "Encountered \"<EOF>\"");
    test_bad("a = 1 b", 6, 1, 7, "Encountered \"b\"");
    test_bad("a = 1 b = 2", 6, 1, 7, "end of the expression");
    test_bad("a > 'x'", 4, 1, 5, "string literal");
    test_bad("'x' < a", 0, 1, 1, "string literal");
    test_bad("a >= TRUE", 5, 1, 6, "TRUE");
    test_bad("a # 1", 2, 1, 3, "Lexical error");
    test_bad("a = 1 AND\n  b <> )", 17, 2, 8, "\")\"");
    test_bad("a = 1 AND\r\n  b <> )", 18, 2, 8, "\")\"");
    test_bad("a = NULL", 4, 1, 5, "IS NULL");
    test_bad("NULL <> a", 0, 1, 1, "IS NULL");
    test_bad("TRUE = 1", 7, 1, 8, "boolean literal");
    test_bad("5", 0, 1, 1, "boolean value");
    test_bad("'x'", 0, 1, 1, "boolean value");
    test_bad("-a", 0, 1, 1, "boolean value");
    test_bad("a = 1 AND 5", 10, 1, 11, "boolean value");
    test_bad("NOT 'x'", 4, 1, 5, "boolean value");
    test_bad("(a = 1", 6, 1, 7, "\")\"");
    test_bad("a = 1)", 5, 1, 6, "\")\"");
    test_bad("a == 1", 3, 1, 4, "\"=\"");
    test_bad("a != 1", 2, 1, 3, "Lexical error");
    test_bad("a = .", 4, 1, 5, "Lexical error");
    test_bad("a + 1 > 2", 2, 1, 3, "\"+\""); /* no arithmetic: '+' and '-' are unary */
    test_bad("a = 1 AND b = \x01", 14, 1, 15, "\\x01");
    /* columns count characters: the 2-byte e-acute is one column */
    test_bad("'\xc3\xa9' = a AND #", 13, 1, 13, "Lexical error");
    test_bad("a = '\xc3\xa9' \xc3\xa9", 9, 1, 9, "Lexical error");
}

Test(flt_sql92, malformed_expressions_are_refused)
{
    static const char *const bad[] = {
        "(",
        ")",
        "()",
        "AND",
        "a AND",
        "a = 1 OR",
        "IS NULL",
        "a IS",
        "a NOT",
        "NOT",
        ",",
        "a, b",
        "a IN",
        "a IN (",
        "a IN ('x'",
        "a IN ('x',)",
        "a BETWEEN",
        "a BETWEEN 1",
        "a BETWEEN 1 AND",
        "a NOT IN 'x'",
        "a CONTAINS",
        "'x",
        "a = 'x' 'y'",
        "a = 1 = ",
        "TRUE FALSE",
        "a > > 1",
        "a <",
        "- ",
        "a = 1 -",
        "a.b = 1",
        "a = 1;",
        "\"a\" = 1",
        "a = 1e+",
        "a = 1 AND AND b = 2",
        "a @ b",
    };
    for (size_t i = 0; i < MQ_ARRAY_LEN(bad); i++)
        test_bad_any(bad[i]);
}

Test(flt_sql92, nul_bytes_are_ordinary_bytes)
{
    static const char in_string[] = "s = 'a\0b' OR e = 'x\0'";
    static const char outside[] = "s = 'x' AND\0 TRUE";
    static const test_kv_t kv[] = {{"s", "a"}, {NULL, NULL}};
    flt_sql92_t *f = NULL;
    char err[256];
    size_t pos;

    cr_assert_eq(flt_sql92_compile(in_string, sizeof(in_string) - 1, &f, err, sizeof(err), &pos),
                 MQ_OK, "%s", err);
    cr_expect_eq(flt_sql92_eval(f, test_get, (void *)kv), RN); /* "a" <> "a\0b", e missing */
    flt_sql92_free(f);
    cr_expect_eq(flt_sql92_compile(outside, sizeof(outside) - 1, &f, err, sizeof(err), &pos),
                 MQ_EINVAL);
    cr_expect_eq(pos, 11);
    cr_expect(strstr(err, "\\x00") != NULL, "%s", err);
}

Test(flt_sql92, error_buffer_may_be_small_or_absent)
{
    flt_sql92_t *f = NULL;
    char err[8];
    size_t pos = 99;

    cr_expect_eq(flt_sql92_compile("a = ", 4, &f, err, sizeof(err), NULL), MQ_EINVAL);
    cr_expect_eq(strlen(err), sizeof(err) - 1);
    cr_expect_eq(flt_sql92_compile("a = ", 4, &f, NULL, 0, &pos), MQ_EINVAL);
    cr_expect_eq(pos, 4);
    cr_expect_eq(flt_sql92_compile(NULL, 0, &f, NULL, 0, NULL), MQ_EINVAL);
    cr_expect_eq(flt_sql92_compile("TRUE", 4, &f, err, sizeof(err), &pos), MQ_OK);
    cr_expect_eq(err[0], '\0');
    cr_expect_eq(pos, 0);
    flt_sql92_free(f);
    flt_sql92_free(NULL);
}

Test(flt_sql92, depth_limit)
{
    mq_buf_t b = MQ_BUF_INIT;
    flt_sql92_t *f = NULL;
    char err[256];
    size_t pos;

    for (int i = 0; i < FLT_SQL92_MAX_DEPTH; i++)
        mq_buf_append_cstr(&b, "(");
    mq_buf_append_cstr(&b, "a = '10'");
    for (int i = 0; i < FLT_SQL92_MAX_DEPTH; i++)
        mq_buf_append_cstr(&b, ")");
    cr_assert_eq(flt_sql92_compile((const char *)b.data, b.len, &f, err, sizeof(err), &pos), MQ_OK,
                 "%s", err);
    cr_expect(flt_sql92_match(f, test_get, (void *)test_props));
    flt_sql92_free(f);

    mq_buf_reset(&b);
    for (int i = 0; i <= FLT_SQL92_MAX_DEPTH; i++)
        mq_buf_append_cstr(&b, "(");
    mq_buf_append_cstr(&b, "TRUE");
    for (int i = 0; i <= FLT_SQL92_MAX_DEPTH; i++)
        mq_buf_append_cstr(&b, ")");
    cr_expect_eq(flt_sql92_compile((const char *)b.data, b.len, &f, err, sizeof(err), &pos),
                 MQ_EINVAL);
    cr_expect_eq(pos, FLT_SQL92_MAX_DEPTH);
    cr_expect(strstr(err, "nested deeper than 64") != NULL, "%s", err);

    mq_buf_reset(&b); /* unary operators count too */
    for (int i = 0; i < FLT_SQL92_MAX_DEPTH; i++)
        mq_buf_append_cstr(&b, "NOT ");
    mq_buf_append_cstr(&b, "TRUE");
    cr_assert_eq(flt_sql92_compile((const char *)b.data, b.len, &f, err, sizeof(err), &pos), MQ_OK,
                 "%s", err);
    cr_expect_eq(flt_sql92_eval(f, test_get, (void *)test_props), RT); /* 64 NOTs */
    flt_sql92_free(f);
    mq_buf_reset(&b);
    for (int i = 0; i <= FLT_SQL92_MAX_DEPTH; i++)
        mq_buf_append_cstr(&b, "- ");
    mq_buf_append_cstr(&b, "1 = 1");
    cr_expect_eq(flt_sql92_compile((const char *)b.data, b.len, &f, err, sizeof(err), &pos),
                 MQ_EINVAL);

    mq_buf_reset(&b); /* a long run of parentheses is refused, not a stack overflow */
    for (int i = 0; i < 60000; i++)
        mq_buf_append_cstr(&b, "(");
    cr_expect_eq(flt_sql92_compile((const char *)b.data, b.len, &f, err, sizeof(err), &pos),
                 MQ_EINVAL);
    mq_buf_fini(&b);
}

Test(flt_sql92, deepest_stack_fits)
{
    /* three pending operands per level (OR, AND and = left sides), 64 levels; nothing
     * short-circuits (NULL OR NULL AND ...), so the run goes all the way down */
    mq_buf_t b = MQ_BUF_INIT;
    flt_sql92_t *f = NULL;
    char err[256];
    size_t pos;

    for (int i = 0; i < FLT_SQL92_MAX_DEPTH; i++)
        mq_buf_append_cstr(&b, "missing OR missing AND TRUE = (");
    mq_buf_append_cstr(&b, "TRUE");
    for (int i = 0; i < FLT_SQL92_MAX_DEPTH; i++)
        mq_buf_append_cstr(&b, ")");
    cr_assert_eq(flt_sql92_compile((const char *)b.data, b.len, &f, err, sizeof(err), &pos), MQ_OK,
                 "%s", err);
    cr_expect_leq(f->max_stack, FLT_SQL92_STACK_MAX);
    cr_expect_geq(f->max_stack, 3 * FLT_SQL92_MAX_DEPTH);
    cr_expect_eq(flt_sql92_eval(f, test_get, (void *)test_props), RN);
    flt_sql92_free(f);
    mq_buf_fini(&b);
}

Test(flt_sql92, length_limit)
{
    char *s = malloc(FLT_SQL92_MAX_LEN + 1);
    flt_sql92_t *f = NULL;
    char err[256];
    size_t pos;

    memset(s, ' ', FLT_SQL92_MAX_LEN + 1);
    memcpy(s, "TRUE", 4);
    cr_expect_eq(flt_sql92_compile(s, FLT_SQL92_MAX_LEN, &f, err, sizeof(err), &pos), MQ_OK);
    flt_sql92_free(f);
    cr_expect_eq(flt_sql92_compile(s, FLT_SQL92_MAX_LEN + 1, &f, err, sizeof(err), &pos),
                 MQ_EINVAL);
    cr_expect_null(f);
    cr_expect(strstr(err, "longer than 65536") != NULL, "%s", err);
    free(s);
}

Test(flt_sql92, every_prefix_compiles_or_fails_cleanly)
{
    static const char *const exprs[] = {
        "(TAGS IN ('TagA', 'TagB')) AND (c1 BETWEEN 4 AND 7) AND (c2 = 'v6')",
        "a IS NOT NULL AND a NOT BETWEEN -1.5e3 AND 3000000000L -- c\n OR NOT s CONTAINS 'x'",
        "/* x */ s NOT STARTSWITH 'it''s' OR s ENDSWITH '' OR +b <> 'q' OR t NOT IN ('a')",
    };
    for (size_t i = 0; i < MQ_ARRAY_LEN(exprs); i++) {
        size_t n = strlen(exprs[i]);
        for (size_t k = 0; k <= n; k++) {
            mq_test_guard_t g;
            const char *copy = (const char *)mq_test_guarded(&g, exprs[i], k);
            flt_sql92_t *f = NULL;
            char err[256];
            size_t pos = 0;
            int rc = flt_sql92_compile(copy, k, &f, err, sizeof(err), &pos);
            cr_expect(rc == MQ_OK || rc == MQ_EINVAL);
            if (rc == MQ_OK)
                (void)flt_sql92_eval(f, test_get, (void *)test_props);
            else
                cr_expect_leq(pos, k, "%zu > %zu: %s", pos, k, err);
            flt_sql92_free(f);
            mq_test_unguard(&g);
        }
    }
}

Test(flt_sql92, match_props_on_a_stored_properties_string)
{
    mq_buf_t b = MQ_BUF_INIT;
    flt_sql92_t *f = NULL;
    char err[256];
    size_t pos;
    mq_str_t props;

    mq_props_put(&b, MQ_STR("TAGS"), MQ_STR("TagA"));
    mq_props_put(&b, MQ_STR("KEYS"), MQ_STR("order-1 order-2"));
    mq_props_put(&b, MQ_STR("UNIQ_KEY"), MQ_STR("7F0000010001"));
    mq_props_put(&b, MQ_STR("price"), MQ_STR("40"));
    mq_props_put(&b, MQ_STR("region"), MQ_STR("eu-west"));
    mq_props_put(&b, MQ_STR("price"), MQ_STR("50")); /* a duplicate: the last one counts */
    mq_buf_append(&b, "empty\001\002", 7);           /* no value: no property */
    props = mq_buf_view(&b);

    static const struct {
        const char *expr;
        int match;
    } cases[] = {
        {"TAGS = 'TagA' AND price > 10 AND region STARTSWITH 'eu'", 1},
        {"TAGS IN ('TagB', 'TagC')", 0},
        {"price = 50", 1},
        {"price BETWEEN 41 AND 49", 0},
        {"KEYS CONTAINS 'order-2'", 1},
        {"UNIQ_KEY IS NOT NULL AND missing IS NULL", 1},
        {"empty IS NULL", 1},
        {"region > 5", 0}, /* "eu-west" is no number: an evaluation error */
    };
    for (size_t i = 0; i < MQ_ARRAY_LEN(cases); i++) {
        cr_assert_eq(
            flt_sql92_compile(cases[i].expr, strlen(cases[i].expr), &f, err, sizeof(err), &pos),
            MQ_OK, "%s: %s", cases[i].expr, err);
        cr_expect_eq(flt_sql92_match_props(f, props.p, props.n), cases[i].match, "%s",
                     cases[i].expr);
        flt_sql92_free(f);
    }
    /* no properties at all */
    cr_assert_eq(flt_sql92_compile("TAGS IS NULL", 12, &f, err, sizeof(err), &pos), MQ_OK);
    cr_expect(flt_sql92_match_props(f, NULL, 0));
    cr_expect(flt_sql92_match_props(f, "", 0));
    flt_sql92_free(f);
    mq_buf_fini(&b);
}

Test(flt_sql92_num, java_integer_and_long_formats)
{
    int32_t i;
    int64_t l;

    cr_expect(flt_num_parse_int("2147483647", 10, &i) == 0 && i == INT32_MAX);
    cr_expect(flt_num_parse_int("-2147483648", 11, &i) == 0 && i == INT32_MIN);
    cr_expect(flt_num_parse_int("+007", 4, &i) == 0 && i == 7);
    cr_expect_neq(flt_num_parse_int("2147483648", 10, &i), 0);
    cr_expect_neq(flt_num_parse_int("-2147483649", 11, &i), 0);
    cr_expect_neq(flt_num_parse_int("", 0, &i), 0);
    cr_expect_neq(flt_num_parse_int("-", 1, &i), 0);
    cr_expect_neq(flt_num_parse_int("1 ", 2, &i), 0);
    cr_expect_neq(flt_num_parse_int("1.0", 3, &i), 0);
    cr_expect(flt_num_parse_long("-9223372036854775808", 20, &l) == 0 && l == INT64_MIN);
    cr_expect(flt_num_parse_long("9223372036854775807", 19, &l) == 0 && l == INT64_MAX);
    cr_expect_neq(flt_num_parse_long("9223372036854775808", 19, &l), 0);
    cr_expect_neq(flt_num_parse_long("99999999999999999999", 20, &l), 0);
}

Test(flt_sql92_num, java_double_format)
{
    static const struct {
        const char *s;
        double v;
    } ok[] = {
        {"1", 1.0},
        {"-2.5", -2.5},
        {"+.5", 0.5},
        {"5.", 5.0},
        {" 1e3\t", 1000.0},
        {"1E-2", 0.01},
        {"2.5f", 2.5},
        {"7D", 7.0},
        {"0x1p3", 8.0},
        {"0X1.8P1", 3.0},
        {"-0x.8p0d", -0.5},
        {"1e400", INFINITY},
        {"1e-400", 0.0},
        {"Infinity", INFINITY},
        {"-Infinity", -INFINITY},
        {"0.1", 0.1},
        {"000123.4500", 123.45},
        {"4.9e-324", 4.9e-324},
        {"1.7976931348623157e308", 1.7976931348623157e308},
    };
    static const char *const bad[] = {"",      " ",    ".",     "e5",    "1e",        "1e+", "0x1",
                                      "0x",    "0xp1", "1.2.3", "1ff",   "nan",       "inf", "NaN1",
                                      "1_000", "- 1",  "1 0",   "0x1.8", "Infinityd", "++1"};
    double d;

    for (size_t i = 0; i < MQ_ARRAY_LEN(ok); i++) {
        cr_expect_eq(flt_num_parse_double(ok[i].s, strlen(ok[i].s), &d), 0, "%s", ok[i].s);
        cr_expect_eq(d, ok[i].v, "%s gave %.17g", ok[i].s, d);
    }
    for (size_t i = 0; i < MQ_ARRAY_LEN(bad); i++)
        cr_expect_neq(flt_num_parse_double(bad[i], strlen(bad[i]), &d), 0, "%s", bad[i]);
    cr_expect(flt_num_parse_double("NaN", 3, &d) == 0 && isnan(d));
    cr_expect(flt_num_parse_double("-0", 2, &d) == 0 && d == 0.0 && signbit(d));
}

Test(flt_sql92_num, long_decimal_strings_round_correctly)
{
    /* 2^-1074 * 1.5 written out: a halfway case decided by a digit far to the right */
    mq_buf_t b = MQ_BUF_INIT;
    double d;

    /* 1 followed by 2000 zeros then 1, scaled: "0.000...0001" is 1e-2001 -> 0 */
    mq_buf_append_cstr(&b, "0.");
    for (int i = 0; i < 2000; i++)
        mq_buf_append_cstr(&b, "0");
    mq_buf_append_cstr(&b, "1");
    cr_expect(flt_num_parse_double((const char *)b.data, b.len, &d) == 0 && d == 0.0);
    /* 1.0000...0001 with 1500 zeros rounds to 1 */
    mq_buf_reset(&b);
    mq_buf_append_cstr(&b, "1.");
    for (int i = 0; i < 1500; i++)
        mq_buf_append_cstr(&b, "0");
    mq_buf_append_cstr(&b, "1");
    cr_expect(flt_num_parse_double((const char *)b.data, b.len, &d) == 0 && d == 1.0);
    /* 1 + 2^-53 exactly is halfway between 1 and the next double: ties to even gives 1;
     * any nonzero digit after it, however far, must round up */
    mq_buf_reset(&b);
    mq_buf_append_cstr(&b, "1.00000000000000011102230246251565404236316680908203125");
    cr_expect(flt_num_parse_double((const char *)b.data, b.len, &d) == 0 && d == 1.0);
    for (int i = 0; i < 1000; i++)
        mq_buf_append_cstr(&b, "0");
    mq_buf_append_cstr(&b, "1");
    cr_expect(flt_num_parse_double((const char *)b.data, b.len, &d) == 0 &&
              d == 1.0000000000000002);
    /* 3000 digits before the point */
    mq_buf_reset(&b);
    mq_buf_append_cstr(&b, "1");
    for (int i = 0; i < 3000; i++)
        mq_buf_append_cstr(&b, "0");
    cr_expect(flt_num_parse_double((const char *)b.data, b.len, &d) == 0 && d == INFINITY);
    mq_buf_fini(&b);
}

Test(flt_sql92_num, java_double_compare)
{
    cr_expect_eq(flt_num_double_cmp(1.0, 2.0), -1);
    cr_expect_eq(flt_num_double_cmp(2.0, 1.0), 1);
    cr_expect_eq(flt_num_double_cmp(1.0, 1.0), 0);
    cr_expect_eq(flt_num_double_cmp(-0.0, 0.0), -1);
    cr_expect_eq(flt_num_double_cmp(NAN, NAN), 0);
    cr_expect_eq(flt_num_double_cmp(NAN, INFINITY), 1);
    cr_expect_eq(flt_num_double_cmp(-INFINITY, NAN), -1);
}
