/* SPDX-License-Identifier: Apache-2.0
 *
 * flt_sql92_parse.c -- compiles an SQL92 filter expression: a recursive-descent parser over
 * RocketMQ's grammar (SelectorParser.jj, rocketmq-protocol.md section 7) that writes the
 * postfix program of flt_sql92_int.h as it goes, with RocketMQ's parse-time checks:
 *
 *     or         := and ( OR and )*
 *     and        := equality ( AND equality )*
 *     equality   := comparison ( ('=' | '<>') comparison | IS NULL | IS NOT NULL )*
 *     comparison := unary ( ('>' | '>=' | '<' | '<=') unary
 *                         | [NOT] BETWEEN unary AND unary
 *                         | [NOT] IN '(' string (',' string)* ')'
 *                         | [NOT] (CONTAINS | STARTSWITH | ENDSWITH) string )*
 *     unary      := '+' unary | '-' unary | NOT unary | primary
 *     primary    := literal | identifier | '(' or ')'
 *
 * Each subexpression reports what RocketMQ's expression classes would make of it (a property,
 * a constant, a boolean expression, or another value) so the checks of ComparisonExpression
 * (checkLessThanOperand, checkEqualOperand, createBetween, createInFilter) and
 * SelectorParser.asBooleanExpression apply to the same cases. Recursion is bounded by
 * FLT_SQL92_MAX_DEPTH (parentheses and unary operators). Interface: flt_sql92.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flt_sql92_int.h"
#include "mq/buf.h"

/* What a subexpression is, in RocketMQ's terms. */
typedef enum flt_kind_e {
    FLT_K_PROP,  /* PropertyExpression (possibly parenthesized or after '+') */
    FLT_K_CONST, /* ConstantExpression: a literal */
    FLT_K_BOOL,  /* BooleanExpression: comparison, logic, NOT, IN, CONTAINS... */
    FLT_K_OTHER, /* anything else: a negation */
} flt_kind_t;

typedef struct flt_expr_s {
    size_t pos;      /* first byte, for error positions */
    flt_kind_t kind; /* FLT_K_* */
    uint32_t cidx;   /* FLT_K_CONST: its constant */
} flt_expr_t;

typedef struct flt_parser_s {
    flt_lex_t lx;    /* the token source */
    flt_tok_t tok;   /* current token */
    flt_tok_t next;  /* the token after it, when have_next */
    int have_next;   /* next is valid */
    mq_buf_t ops;    /* flt_op_t[] being written */
    mq_buf_t consts; /* flt_val_t[]; a string's u.l is its offset in pool until the end */
    mq_buf_t pool;   /* string bytes */
    unsigned depth;  /* current nesting of parentheses and unary operators */
    int64_t sp;      /* stack height after the last instruction */
    int64_t max_sp;  /* highest sp */
    int failed;      /* an error was reported (only the first counts) */
    size_t err_pos;  /* its byte offset */
    char msg[256];   /* its text */
} flt_parser_t;

static int flt_parse_or(flt_parser_t *p, flt_expr_t *e);

/* ---- Errors ---- */

/* 1-based line and column (in characters) of byte offset pos. */
static void
flt_parse_line_col(const flt_parser_t *p, size_t pos, size_t *line, size_t *col)
{
    const char *s = p->lx.src;
    size_t l = 1, c = 1;

    for (size_t i = 0; i < pos && i < p->lx.len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n' && i > 0 && s[i - 1] == '\r')
            continue; /* \r\n is one break */
        if (ch == '\n' || ch == '\r') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* Reports "<what> at line L, column C" for byte offset pos; returns -1. */
static int flt_parse_fail(flt_parser_t *p, size_t pos, const char *fmt, ...) MQ_PRINTF(3, 4);

static int
flt_parse_fail(flt_parser_t *p, size_t pos, const char *fmt, ...)
{
    char what[192];
    size_t line, col;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    flt_parse_line_col(p, pos, &line, &col);
    if (!p->failed) {
        p->failed = 1;
        p->err_pos = pos;
        snprintf(p->msg, sizeof(p->msg), "%s at line %zu, column %zu", what, line, col);
    }
    return -1;
}

/* The token's text for a message, at most ~40 bytes: control, non-ASCII, quote and backslash
 * bytes as \xNN, so the message is plain ASCII (it ends up in a JSON remark). */
static void
flt_parse_tok_text(const flt_parser_t *p, const flt_tok_t *t, char *out, size_t cap)
{
    size_t o = 0, n = MQ_MIN(t->len, (size_t)40);

    if (t->type == FLT_T_EOF) {
        snprintf(out, cap, "<EOF>");
        return;
    }
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)p->lx.src[t->pos + i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    if (n < t->len && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* The current token is not what the grammar wants here; returns -1. */
static int
flt_parse_unexpected(flt_parser_t *p, const char *expected)
{
    char text[200];
    size_t line, col;

    if (p->failed)
        return -1;
    flt_parse_tok_text(p, &p->tok, text, sizeof(text));
    flt_parse_line_col(p, p->tok.pos, &line, &col);
    p->failed = 1;
    p->err_pos = p->tok.pos;
    if (p->tok.type == FLT_T_ERROR)
        snprintf(p->msg, sizeof(p->msg), "Lexical error at line %zu, column %zu: %s \"%s\"", line,
                 col, p->lx.err, text);
    else
        snprintf(p->msg, sizeof(p->msg),
                 "Encountered \"%s\" at line %zu, column %zu. Was expecting: %s", text, line, col,
                 expected);
    return -1;
}

/* ---- Tokens, instructions, constants ---- */

static void
flt_parse_advance(flt_parser_t *p)
{
    if (p->have_next) {
        p->tok = p->next;
        p->have_next = 0;
    } else {
        flt_lex_next(&p->lx, &p->tok);
    }
}

static flt_tok_type_t
flt_parse_peek(flt_parser_t *p)
{
    if (!p->have_next) {
        flt_lex_next(&p->lx, &p->next);
        p->have_next = 1;
    }
    return p->next.type;
}

static uint32_t
flt_parse_n_ops(const flt_parser_t *p)
{
    return (uint32_t)(p->ops.len / sizeof(flt_op_t));
}

static uint32_t
flt_parse_n_consts(const flt_parser_t *p)
{
    return (uint32_t)(p->consts.len / sizeof(flt_val_t));
}

/* Appends an instruction that changes the stack height by delta; returns its index. */
static uint32_t
flt_parse_emit(flt_parser_t *p, flt_opcode_t code, uint32_t a, uint32_t b, int delta)
{
    flt_op_t op = {(uint32_t)code, a, b};
    uint32_t at = flt_parse_n_ops(p);

    mq_buf_append(&p->ops, &op, sizeof(op));
    p->sp += delta;
    if (p->sp > p->max_sp)
        p->max_sp = p->sp;
    return at;
}

static void
flt_parse_patch(flt_parser_t *p, uint32_t at, uint32_t target)
{
    ((flt_op_t *)(void *)p->ops.data)[at].a = target;
}

static uint32_t
flt_parse_add_const(flt_parser_t *p, const flt_val_t *v)
{
    uint32_t at = flt_parse_n_consts(p);
    mq_buf_append(&p->consts, v, sizeof(*v));
    return at;
}

/* A string constant from n bytes (NUL-terminated in the pool when nul). */
static uint32_t
flt_parse_add_str(flt_parser_t *p, const char *s, size_t n, int nul)
{
    flt_val_t v = {.type = FLT_V_STR, .n = n};
    v.u.l = (int64_t)p->pool.len;
    mq_buf_append(&p->pool, s, n);
    if (nul)
        mq_buf_append(&p->pool, "", 1);
    return flt_parse_add_const(p, &v);
}

/* The value of a string literal token ('it''s' -> it's) as a constant. */
static uint32_t
flt_parse_add_string_literal(flt_parser_t *p, const flt_tok_t *t)
{
    const char *s = p->lx.src + t->pos + 1, *end = p->lx.src + t->pos + t->len - 1;
    flt_val_t v = {.type = FLT_V_STR};

    v.u.l = (int64_t)p->pool.len;
    while (s < end) {
        const char *q = memchr(s, '\'', (size_t)(end - s));
        size_t run = q ? (size_t)(q - s) + 1 : (size_t)(end - s); /* keep one quote of '' */
        mq_buf_append(&p->pool, s, run);
        v.n += run;
        s += run + (q != NULL);
    }
    return flt_parse_add_const(p, &v);
}

/* Constant i with a usable string pointer (the pool may still move). */
static flt_val_t
flt_parse_const(const flt_parser_t *p, uint32_t i)
{
    flt_val_t v = ((const flt_val_t *)(const void *)p->consts.data)[i];
    if (v.type == FLT_V_STR) /* an empty pool (only '' so far) has no data pointer yet */
        v.u.s = p->pool.data ? (const char *)p->pool.data + v.u.l : "";
    return v;
}

static flt_val_type_t
flt_parse_const_type(const flt_parser_t *p, const flt_expr_t *e)
{
    return flt_parse_const(p, e->cidx).type;
}

/* ---- RocketMQ's parse-time checks ---- */

/* A BooleanExpression: boolean operators, and the TRUE, FALSE and NULL literals. */
static int
flt_parse_is_bool(const flt_parser_t *p, const flt_expr_t *e)
{
    if (e->kind == FLT_K_BOOL)
        return 1;
    if (e->kind == FLT_K_CONST) {
        flt_val_type_t t = flt_parse_const_type(p, e);
        return t == FLT_V_BOOL || t == FLT_V_NULL;
    }
    return 0;
}

/* SelectorParser.asBooleanExpression: a property becomes a boolean cast, others fail. */
static int
flt_parse_to_bool(flt_parser_t *p, flt_expr_t *e)
{
    if (flt_parse_is_bool(p, e))
        return 0;
    if (e->kind == FLT_K_PROP) {
        flt_parse_emit(p, FLT_OP_BOOLCAST, 0, 0, 0);
        e->kind = FLT_K_BOOL;
        return 0;
    }
    return flt_parse_fail(p, e->pos, "Expression will not result in a boolean value");
}

/* ComparisonExpression.checkLessThanOperand: operands of > >= < <= and BETWEEN. */
static int
flt_parse_check_order_operand(flt_parser_t *p, const flt_expr_t *e)
{
    if (e->kind == FLT_K_CONST) {
        switch (flt_parse_const_type(p, e)) {
        case FLT_V_INT:
        case FLT_V_LONG:
        case FLT_V_DOUBLE:
            return 0;
        case FLT_V_STR:
            return flt_parse_fail(p, e->pos,
                                  "A string literal cannot be compared with >, >=, <, <= or "
                                  "BETWEEN");
        default:
            return flt_parse_fail(p, e->pos,
                                  "TRUE, FALSE or NULL cannot be compared with >, >=, <, <= or "
                                  "BETWEEN");
        }
    }
    if (e->kind == FLT_K_BOOL)
        return flt_parse_fail(p, e->pos,
                              "A boolean expression cannot be compared with >, >=, <, <= or "
                              "BETWEEN");
    return 0;
}

/* checkEqualOperand and checkEqualOperandCompatability: operands of = and <>. */
static int
flt_parse_check_equal(flt_parser_t *p, const flt_expr_t *l, const flt_expr_t *r)
{
    if (l->kind == FLT_K_CONST && flt_parse_const_type(p, l) == FLT_V_NULL)
        return flt_parse_fail(p, l->pos, "NULL cannot be compared with = or <> (use IS NULL)");
    if (r->kind == FLT_K_CONST && flt_parse_const_type(p, r) == FLT_V_NULL)
        return flt_parse_fail(p, r->pos, "NULL cannot be compared with = or <> (use IS NULL)");
    if (l->kind == FLT_K_CONST && r->kind == FLT_K_CONST && flt_parse_is_bool(p, l) &&
        !flt_parse_is_bool(p, r))
        return flt_parse_fail(p, r->pos, "A boolean literal cannot be compared with this value");
    return 0;
}

/* ComparisonExpression.createBetween / createNotBetween. */
static int
flt_parse_check_between(flt_parser_t *p, const flt_expr_t *v, const flt_expr_t *lo,
                        const flt_expr_t *hi, int negate)
{
    if (!negate && lo->kind == FLT_K_CONST && hi->kind == FLT_K_CONST) {
        flt_val_t a = flt_parse_const(p, lo->cidx), b = flt_parse_const(p, hi->cidx);
        int c;
        if (a.type == FLT_V_NULL || b.type == FLT_V_NULL)
            return flt_parse_fail(p, a.type == FLT_V_NULL ? lo->pos : hi->pos,
                                  "Illegal values of between, values can not be null");
        if (flt_val_compare(&b, &a, &c) != 0 || c < 0)
            return flt_parse_fail(p, lo->pos,
                                  "Illegal values of between, the low value must be less than "
                                  "or equal to the high value");
    }
    if (flt_parse_check_order_operand(p, v) != 0 || flt_parse_check_order_operand(p, lo) != 0)
        return -1;
    return flt_parse_check_order_operand(p, hi);
}

/* ---- Grammar ---- */

static int
flt_parse_primary(flt_parser_t *p, flt_expr_t *e)
{
    flt_tok_t t = p->tok;
    const char *text = p->lx.src + t.pos;
    flt_val_t v = {.type = FLT_V_NULL};

    e->pos = t.pos;
    e->kind = FLT_K_CONST;
    switch (t.type) {
    case FLT_T_STRING:
        e->cidx = flt_parse_add_string_literal(p, &t);
        break;
    case FLT_T_DECIMAL: { /* ConstantExpression.createFromDecimal: int if it fits, else long */
        size_t n = t.len - (text[t.len - 1] == 'l' || text[t.len - 1] == 'L');
        if (flt_num_parse_long(text, n, &v.u.l) != 0)
            return flt_parse_fail(p, t.pos, "Decimal literal out of the long range");
        v.type = v.u.l <= INT32_MAX ? FLT_V_INT : FLT_V_LONG;
        e->cidx = flt_parse_add_const(p, &v);
        break;
    }
    case FLT_T_FLOAT: /* ConstantExpression.createFloat */
        v.type = FLT_V_DOUBLE;
        if (flt_num_parse_double(text, t.len, &v.u.d) != 0 || isinf(v.u.d))
            return flt_parse_fail(p, t.pos, "Float literal out of the double range");
        e->cidx = flt_parse_add_const(p, &v);
        break;
    case FLT_T_TRUE:
    case FLT_T_FALSE:
        v.type = FLT_V_BOOL;
        v.u.l = t.type == FLT_T_TRUE;
        e->cidx = flt_parse_add_const(p, &v);
        break;
    case FLT_T_NULL:
        e->cidx = flt_parse_add_const(p, &v);
        break;
    case FLT_T_ID:
        e->kind = FLT_K_PROP;
        flt_parse_emit(p, FLT_OP_PROP, flt_parse_add_str(p, text, t.len, 1), 0, 1);
        flt_parse_advance(p);
        return 0;
    case FLT_T_LPAREN:
        if (p->depth >= FLT_SQL92_MAX_DEPTH)
            return flt_parse_fail(p, t.pos, "Expression nested deeper than %d levels",
                                  FLT_SQL92_MAX_DEPTH);
        p->depth++;
        flt_parse_advance(p);
        if (flt_parse_or(p, e) != 0)
            return -1;
        p->depth--;
        if (p->tok.type != FLT_T_RPAREN)
            return flt_parse_unexpected(p, "\")\"");
        flt_parse_advance(p);
        e->pos = t.pos;
        return 0;
    default:
        return flt_parse_unexpected(p, "a literal, an identifier, \"(\", \"+\", \"-\" or NOT");
    }
    flt_parse_emit(p, FLT_OP_CONST, e->cidx, 0, 1);
    flt_parse_advance(p);
    return 0;
}

static int
flt_parse_unary(flt_parser_t *p, flt_expr_t *e)
{
    flt_tok_t t = p->tok;

    if (t.type != FLT_T_PLUS && t.type != FLT_T_MINUS && t.type != FLT_T_NOT)
        return flt_parse_primary(p, e);
    if (p->depth >= FLT_SQL92_MAX_DEPTH)
        return flt_parse_fail(p, t.pos, "Expression nested deeper than %d levels",
                              FLT_SQL92_MAX_DEPTH);
    p->depth++;
    flt_parse_advance(p);
    if (flt_parse_unary(p, e) != 0)
        return -1;
    p->depth--;
    if (t.type == FLT_T_MINUS) { /* UnaryExpression.createNegate: never a constant */
        flt_parse_emit(p, FLT_OP_NEG, 0, 0, 0);
        e->kind = FLT_K_OTHER;
    } else if (t.type == FLT_T_NOT) {
        if (flt_parse_to_bool(p, e) != 0)
            return -1;
        flt_parse_emit(p, FLT_OP_NOT, 0, 0, 0);
        e->kind = FLT_K_BOOL;
    } /* '+' returns its operand unchanged */
    e->pos = t.pos;
    return 0;
}

/* [NOT] IN ( 'a', 'b', ... ) after the left operand e. */
static int
flt_parse_in_list(flt_parser_t *p, flt_expr_t *e, int negate)
{
    uint32_t first = flt_parse_n_consts(p), count = 0;

    if (p->tok.type != FLT_T_LPAREN)
        return flt_parse_unexpected(p, "\"(\"");
    flt_parse_advance(p);
    for (;;) {
        if (p->tok.type != FLT_T_STRING)
            return flt_parse_unexpected(p, "a string literal");
        flt_parse_add_string_literal(p, &p->tok);
        count++;
        flt_parse_advance(p);
        if (p->tok.type == FLT_T_RPAREN)
            break;
        if (p->tok.type != FLT_T_COMMA)
            return flt_parse_unexpected(p, "\",\" or \")\"");
        flt_parse_advance(p);
    }
    flt_parse_advance(p);
    if (e->kind != FLT_K_PROP) /* ComparisonExpression.createInFilter */
        return flt_parse_fail(p, e->pos, "Expected a property for IN expression");
    flt_parse_emit(p, negate ? FLT_OP_NIN : FLT_OP_IN, first, count, 0);
    return 0;
}

static int
flt_parse_comparison(flt_parser_t *p, flt_expr_t *e)
{
    if (flt_parse_unary(p, e) != 0)
        return -1;
    for (;;) {
        flt_tok_type_t t = p->tok.type;
        int negate = 0;
        flt_expr_t r, hi;

        if (t == FLT_T_NOT) { /* LOOKAHEAD(2): NOT BETWEEN / IN / CONTAINS / ... */
            t = flt_parse_peek(p);
            if (t != FLT_T_BETWEEN && t != FLT_T_IN && t != FLT_T_CONTAINS &&
                t != FLT_T_STARTSWITH && t != FLT_T_ENDSWITH)
                return 0;
            negate = 1;
            flt_parse_advance(p);
        }
        switch (t) {
        case FLT_T_GT:
        case FLT_T_GE:
        case FLT_T_LT:
        case FLT_T_LE:
            flt_parse_advance(p);
            if (flt_parse_unary(p, &r) != 0 || flt_parse_check_order_operand(p, e) != 0 ||
                flt_parse_check_order_operand(p, &r) != 0)
                return -1;
            flt_parse_emit(p,
                           t == FLT_T_GT   ? FLT_OP_GT
                           : t == FLT_T_GE ? FLT_OP_GE
                           : t == FLT_T_LT ? FLT_OP_LT
                                           : FLT_OP_LE,
                           0, 0, -1);
            break;
        case FLT_T_CONTAINS:
        case FLT_T_STARTSWITH:
        case FLT_T_ENDSWITH: {
            flt_opcode_t code = t == FLT_T_CONTAINS     ? FLT_OP_CONTAINS
                                : t == FLT_T_STARTSWITH ? FLT_OP_STARTS
                                                        : FLT_OP_ENDS;
            flt_parse_advance(p);
            if (p->tok.type != FLT_T_STRING)
                return flt_parse_unexpected(p, "a string literal");
            /* the N* opcode follows each positive one */
            flt_parse_emit(p, (flt_opcode_t)(code + negate),
                           flt_parse_add_string_literal(p, &p->tok), 0, 0);
            flt_parse_advance(p);
            break;
        }
        case FLT_T_BETWEEN:
            flt_parse_advance(p);
            if (flt_parse_unary(p, &r) != 0)
                return -1;
            if (p->tok.type != FLT_T_AND)
                return flt_parse_unexpected(p, "AND");
            flt_parse_advance(p);
            if (flt_parse_unary(p, &hi) != 0 || flt_parse_check_between(p, e, &r, &hi, negate))
                return -1;
            flt_parse_emit(p, negate ? FLT_OP_NBETWEEN : FLT_OP_BETWEEN, 0, 0, -2);
            break;
        case FLT_T_IN:
            flt_parse_advance(p);
            if (flt_parse_in_list(p, e, negate) != 0)
                return -1;
            break;
        default:
            return 0;
        }
        e->kind = FLT_K_BOOL;
    }
}

static int
flt_parse_equality(flt_parser_t *p, flt_expr_t *e)
{
    if (flt_parse_comparison(p, e) != 0)
        return -1;
    for (;;) {
        flt_tok_type_t t = p->tok.type;
        flt_expr_t r;

        if (t == FLT_T_EQ || t == FLT_T_NE) {
            flt_parse_advance(p);
            if (flt_parse_comparison(p, &r) != 0 || flt_parse_check_equal(p, e, &r) != 0)
                return -1;
            flt_parse_emit(p, t == FLT_T_EQ ? FLT_OP_EQ : FLT_OP_NE, 0, 0, -1);
        } else if (t == FLT_T_IS) {
            flt_parse_advance(p);
            if (p->tok.type == FLT_T_NOT) {
                flt_parse_advance(p);
                if (p->tok.type != FLT_T_NULL)
                    return flt_parse_unexpected(p, "NULL");
                flt_parse_emit(p, FLT_OP_ISNOTNULL, 0, 0, 0);
            } else if (p->tok.type == FLT_T_NULL) {
                flt_parse_emit(p, FLT_OP_ISNULL, 0, 0, 0);
            } else {
                return flt_parse_unexpected(p, "NULL or NOT NULL");
            }
            flt_parse_advance(p);
        } else {
            return 0;
        }
        e->kind = FLT_K_BOOL;
    }
}

typedef int (*flt_parse_fn)(flt_parser_t *p, flt_expr_t *e);

/* operand ( word operand )*: AND or OR chains, left to right. Each left value is followed by
 * a jump that keeps it when it decides the result (FALSE for AND, TRUE for OR). */
static int
flt_parse_chain(flt_parser_t *p, flt_expr_t *e, flt_parse_fn operand, flt_tok_type_t word,
                flt_opcode_t jump_op, flt_opcode_t op)
{
    flt_expr_t r;

    if (operand(p, e) != 0)
        return -1;
    while (p->tok.type == word) {
        uint32_t jump;
        if (flt_parse_to_bool(p, e) != 0)
            return -1;
        jump = flt_parse_emit(p, jump_op, 0, 0, 0);
        flt_parse_advance(p);
        if (operand(p, &r) != 0 || flt_parse_to_bool(p, &r) != 0)
            return -1;
        flt_parse_emit(p, op, 0, 0, -1);
        flt_parse_patch(p, jump, flt_parse_n_ops(p));
        e->kind = FLT_K_BOOL;
    }
    return 0;
}

static int
flt_parse_and(flt_parser_t *p, flt_expr_t *e)
{
    return flt_parse_chain(p, e, flt_parse_equality, FLT_T_AND, FLT_OP_JF, FLT_OP_AND);
}

static int
flt_parse_or(flt_parser_t *p, flt_expr_t *e)
{
    return flt_parse_chain(p, e, flt_parse_and, FLT_T_OR, FLT_OP_JT, FLT_OP_OR);
}

/* ---- The compiled filter ---- */

static int
flt_parse_cmp_str(const void *a, const void *b)
{
    return flt_val_str_order(a, b);
}

/* Copies the program into one allocation and fixes string pointers; sorts IN lists. */
static flt_sql92_t *
flt_parse_finish(flt_parser_t *p)
{
    size_t hdr = (sizeof(flt_sql92_t) + 15) & ~(size_t)15;
    size_t csz = p->consts.len, osz = p->ops.len;
    char *mem = mq_xmalloc(hdr + csz + osz + p->pool.len + 1);
    flt_sql92_t *f = (flt_sql92_t *)(void *)mem;
    flt_val_t *consts = (flt_val_t *)(void *)(mem + hdr);
    flt_op_t *ops = (flt_op_t *)(void *)(mem + hdr + csz);
    char *pool = mem + hdr + csz + osz;

    if (csz)
        memcpy(consts, p->consts.data, csz);
    if (osz)
        memcpy(ops, p->ops.data, osz);
    if (p->pool.len)
        memcpy(pool, p->pool.data, p->pool.len);
    pool[p->pool.len] = '\0';
    f->consts = consts;
    f->ops = ops;
    f->n_consts = flt_parse_n_consts(p);
    f->n_ops = flt_parse_n_ops(p);
    f->max_stack = (uint32_t)p->max_sp;
    for (uint32_t i = 0; i < f->n_consts; i++)
        if (consts[i].type == FLT_V_STR)
            consts[i].u.s = pool + consts[i].u.l;
    for (uint32_t i = 0; i < f->n_ops; i++)
        if ((ops[i].code == FLT_OP_IN || ops[i].code == FLT_OP_NIN) && ops[i].b > 1)
            qsort(consts + ops[i].a, ops[i].b, sizeof(flt_val_t), flt_parse_cmp_str);
    return f;
}

int
flt_sql92_compile(const char *expr, size_t len, flt_sql92_t **out, char *err, size_t errlen,
                  size_t *err_pos)
{
    flt_parser_t p;
    flt_expr_t e;

    memset(&p, 0, sizeof(p));
    mq_buf_init(&p.ops);
    mq_buf_init(&p.consts);
    mq_buf_init(&p.pool);
    if (expr == NULL)
        len = 0;
    flt_lex_init(&p.lx, expr, len);
    *out = NULL;

    if (len > FLT_SQL92_MAX_LEN) {
        p.failed = 1;
        p.err_pos = FLT_SQL92_MAX_LEN;
        snprintf(p.msg, sizeof(p.msg), "Expression longer than %d bytes", FLT_SQL92_MAX_LEN);
    } else {
        flt_parse_advance(&p);
        if (flt_parse_or(&p, &e) == 0) {
            if (p.tok.type != FLT_T_EOF)
                flt_parse_unexpected(&p, "AND, OR, a comparison or the end of the expression");
            else if (flt_parse_to_bool(&p, &e) == 0 && p.max_sp > FLT_SQL92_STACK_MAX)
                flt_parse_fail(&p, 0, "Expression too complex");
        }
    }
    if (!p.failed)
        *out = flt_parse_finish(&p);
    if (err_pos)
        *err_pos = p.failed ? p.err_pos : 0;
    if (err && errlen)
        snprintf(err, errlen, "%s", p.failed ? p.msg : "");
    mq_buf_fini(&p.ops);
    mq_buf_fini(&p.consts);
    mq_buf_fini(&p.pool);
    return p.failed ? MQ_EINVAL : MQ_OK;
}

void
flt_sql92_free(flt_sql92_t *f)
{
    free(f);
}
