/* SPDX-License-Identifier: Apache-2.0
 *
 * flt_sql92_eval.c -- runs a compiled SQL92 filter (flt_sql92_int.h) against one message's
 * properties, and the value comparison it shares with the compiler (ComparisonExpression's
 * __compare, LogicExpression, UnaryExpression in org.apache.rocketmq.filter.expression).
 *
 * A run is a loop over the postfix program with a fixed array as value stack: no allocation,
 * no recursion. Three-valued logic uses FLT_V_NULL as unknown; an evaluation error (a string
 * that does not convert to a number) ends the run at once, as the Java exception does, and
 * the message is not matched. Interface: flt_sql92.h.
 */
#include <string.h>
#include <strings.h>

#include "flt_sql92_int.h"
#include "mq/msg.h"

/* Outcome of one operator: a value pushed, or an evaluation error. */
#define FLT_EVAL_ERR (-1)

static int
flt_cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : (a > b);
}

static int
flt_cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, MQ_MIN(an, bn));
    if (c != 0)
        return c < 0 ? -1 : 1;
    return flt_cmp_i64((int64_t)an, (int64_t)bn);
}

static double
flt_val_as_double(const flt_val_t *v)
{
    return v->type == FLT_V_DOUBLE ? v->u.d : (double)v->u.l;
}

static int
flt_val_is_number(const flt_val_t *v)
{
    return v->type == FLT_V_INT || v->type == FLT_V_LONG || v->type == FLT_V_DOUBLE;
}

/* Boolean.valueOf(String): "true" in any case. */
static int
flt_str_is_true(const flt_val_t *v)
{
    return v->n == 4 && strncasecmp(v->u.s, "true", 4) == 0;
}

/* Converts string s to the type of number `like` (Integer/Long/Double.valueOf). */
static int
flt_str_to_number(const flt_val_t *s, const flt_val_t *like, flt_val_t *out)
{
    out->type = like->type;
    out->n = 0;
    if (like->type == FLT_V_INT) {
        int32_t i;
        if (flt_num_parse_int(s->u.s, s->n, &i) != 0)
            return -1;
        out->u.l = i;
        return 0;
    }
    if (like->type == FLT_V_LONG)
        return flt_num_parse_long(s->u.s, s->n, &out->u.l);
    return flt_num_parse_double(s->u.s, s->n, &out->u.d);
}

static int
flt_num_compare(const flt_val_t *l, const flt_val_t *r)
{
    if (l->type == FLT_V_DOUBLE || r->type == FLT_V_DOUBLE)
        return flt_num_double_cmp(flt_val_as_double(l), flt_val_as_double(r));
    return flt_cmp_i64(l->u.l, r->u.l); /* int and long: Integer widens to Long */
}

int
flt_val_compare(const flt_val_t *l, const flt_val_t *r, int *res)
{
    flt_val_t conv;

    if (l->type == r->type) {
        switch (l->type) {
        case FLT_V_STR:
            *res = flt_cmp_bytes(l->u.s, l->n, r->u.s, r->n);
            return 0;
        case FLT_V_DOUBLE:
            *res = flt_num_double_cmp(l->u.d, r->u.d);
            return 0;
        default: /* BOOL, INT, LONG (NULL is the caller's business) */
            *res = flt_cmp_i64(l->u.l, r->u.l);
            return 0;
        }
    }
    if (flt_val_is_number(l) && flt_val_is_number(r)) {
        *res = flt_num_compare(l, r);
        return 0;
    }
    if (l->type == FLT_V_STR && flt_val_is_number(r)) {
        if (flt_str_to_number(l, r, &conv) != 0)
            return -1;
        *res = flt_num_compare(&conv, r);
        return 0;
    }
    if (r->type == FLT_V_STR && flt_val_is_number(l)) {
        if (flt_str_to_number(r, l, &conv) != 0)
            return -1;
        *res = flt_num_compare(l, &conv);
        return 0;
    }
    if (l->type == FLT_V_STR && r->type == FLT_V_BOOL) {
        *res = flt_cmp_i64(flt_str_is_true(l), r->u.l);
        return 0;
    }
    if (l->type == FLT_V_BOOL && r->type == FLT_V_STR) {
        *res = flt_cmp_i64(l->u.l, flt_str_is_true(r));
        return 0;
    }
    *res = -1; /* a number and a boolean: Java's __compare gives up with -1 */
    return 0;
}

int
flt_val_str_order(const flt_val_t *a, const flt_val_t *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return a->n ? memcmp(a->u.s, b->u.s, a->n) : 0;
}

/* ---- Operators ---- */

static void
flt_set_bool(flt_val_t *v, int b)
{
    v->type = FLT_V_BOOL;
    v->u.l = b != 0;
    v->n = 0;
}

static void
flt_set_null(flt_val_t *v)
{
    v->type = FLT_V_NULL;
    v->u.l = 0;
    v->n = 0;
}

/* > >= < <= on two non-NULL values: sets *out to the boolean, or returns FLT_EVAL_ERR. Two
 * strings compare as doubles ("It's illegal to compare string by '>='..." otherwise). */
static int
flt_eval_order(flt_opcode_t op, const flt_val_t *l, const flt_val_t *r, int *out)
{
    int c;

    if (l->type == FLT_V_STR && r->type == FLT_V_STR) {
        double a, b;
        if (flt_num_parse_double(l->u.s, l->n, &a) != 0 ||
            flt_num_parse_double(r->u.s, r->n, &b) != 0)
            return FLT_EVAL_ERR;
        c = flt_num_double_cmp(a, b);
    } else if (flt_val_compare(l, r, &c) != 0) {
        return FLT_EVAL_ERR;
    }
    switch (op) {
    case FLT_OP_GT:
        *out = c > 0;
        break;
    case FLT_OP_GE:
        *out = c >= 0;
        break;
    case FLT_OP_LT:
        *out = c < 0;
        break;
    default:
        *out = c <= 0;
        break;
    }
    return 0;
}

/* BETWEEN as RocketMQ builds it: (v >= low) AND (v <= high); NOT BETWEEN: (v < low) OR
 * (v > high). The second comparison is skipped when the first decides, errors included. */
static int
flt_eval_between(int negate, const flt_val_t *v, const flt_val_t *lo, const flt_val_t *hi,
                 flt_val_t *out)
{
    int first_null = v->type == FLT_V_NULL || lo->type == FLT_V_NULL;
    int second_null = v->type == FLT_V_NULL || hi->type == FLT_V_NULL;
    int a = 0, b = 0;

    if (!first_null && flt_eval_order(negate ? FLT_OP_LT : FLT_OP_GE, v, lo, &a) != 0)
        return FLT_EVAL_ERR;
    if (!first_null && a == negate) { /* FALSE for BETWEEN, TRUE for NOT BETWEEN */
        flt_set_bool(out, a);
        return 0;
    }
    if (!second_null && flt_eval_order(negate ? FLT_OP_GT : FLT_OP_LE, v, hi, &b) != 0)
        return FLT_EVAL_ERR;
    if (!second_null && b == negate)
        flt_set_bool(out, b);
    else if (first_null || second_null)
        flt_set_null(out);
    else
        flt_set_bool(out, !negate);
    return 0;
}

static int
flt_eval_in(const flt_sql92_t *f, const flt_op_t *op, const flt_val_t *v)
{
    size_t lo = op->a, hi = (size_t)op->a + op->b;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = flt_val_str_order(v, &f->consts[mid]);
        if (c == 0)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

static int
flt_eval_text(flt_opcode_t code, const flt_val_t *v, const flt_val_t *needle)
{
    switch (code) {
    case FLT_OP_CONTAINS:
    case FLT_OP_NCONTAINS:
        return memmem(v->u.s, v->n, needle->u.s, needle->n) != NULL;
    case FLT_OP_STARTS:
    case FLT_OP_NSTARTS:
        return v->n >= needle->n && memcmp(v->u.s, needle->u.s, needle->n) == 0;
    default:
        return v->n >= needle->n && memcmp(v->u.s + v->n - needle->n, needle->u.s, needle->n) == 0;
    }
}

static void
flt_eval_negate(flt_val_t *v)
{
    switch (v->type) {
    case FLT_V_INT: /* Java int arithmetic wraps: -Integer.MIN_VALUE is itself */
        v->u.l = (int32_t)(uint32_t)(0u - (uint32_t)v->u.l);
        break;
    case FLT_V_LONG:
        v->u.l = (int64_t)(0u - (uint64_t)v->u.l);
        break;
    case FLT_V_DOUBLE:
        v->u.d = -v->u.d;
        break;
    default: /* UnaryExpression.createNegate: not a Number -> null */
        flt_set_null(v);
        break;
    }
}

/* ---- The run ---- */

flt_sql92_result_t
flt_sql92_eval(const flt_sql92_t *f, flt_get_fn get, void *arg)
{
    flt_val_t st[FLT_SQL92_STACK_MAX];
    size_t sp = 0;

    for (uint32_t pc = 0; pc < f->n_ops; pc++) {
        const flt_op_t *op = &f->ops[pc];
        flt_val_t *top = sp ? &st[sp - 1] : NULL;
        int b;

        switch ((flt_opcode_t)op->code) {
        case FLT_OP_CONST:
            st[sp++] = f->consts[op->a];
            break;
        case FLT_OP_PROP: {
            const flt_val_t *name = &f->consts[op->a];
            size_t n = 0;
            const char *p = get(arg, name->u.s, name->n, &n);
            if (p == NULL) {
                flt_set_null(&st[sp]);
            } else {
                st[sp].type = FLT_V_STR;
                st[sp].u.s = p;
                st[sp].n = n;
            }
            sp++;
            break;
        }
        case FLT_OP_NEG:
            flt_eval_negate(top);
            break;
        case FLT_OP_BOOLCAST:
            if (top->type != FLT_V_NULL && top->type != FLT_V_BOOL)
                flt_set_bool(top, 0);
            break;
        case FLT_OP_NOT:
            if (top->type == FLT_V_BOOL)
                top->u.l = !top->u.l;
            break;
        case FLT_OP_EQ:
        case FLT_OP_NE:
        case FLT_OP_GT:
        case FLT_OP_GE:
        case FLT_OP_LT:
        case FLT_OP_LE: {
            flt_val_t *l = &st[sp - 2], *r = &st[sp - 1];
            sp--;
            if (l->type == FLT_V_NULL || r->type == FLT_V_NULL) {
                flt_set_null(l);
                break;
            }
            if (op->code == FLT_OP_EQ || op->code == FLT_OP_NE) {
                int c;
                if (flt_val_compare(l, r, &c) != 0)
                    return FLT_SQL92_ERROR;
                b = (c == 0) == (op->code == FLT_OP_EQ);
            } else if (flt_eval_order((flt_opcode_t)op->code, l, r, &b) != 0) {
                return FLT_SQL92_ERROR;
            }
            flt_set_bool(l, b);
            break;
        }
        case FLT_OP_ISNULL:
        case FLT_OP_ISNOTNULL:
            flt_set_bool(top, (top->type == FLT_V_NULL) == (op->code == FLT_OP_ISNULL));
            break;
        case FLT_OP_BETWEEN:
        case FLT_OP_NBETWEEN:
            if (flt_eval_between(op->code == FLT_OP_NBETWEEN, &st[sp - 3], &st[sp - 2], &st[sp - 1],
                                 &st[sp - 3]) != 0)
                return FLT_SQL92_ERROR;
            sp -= 2;
            break;
        case FLT_OP_IN:
        case FLT_OP_NIN:
            if (top->type != FLT_V_STR)
                flt_set_null(top);
            else
                flt_set_bool(top, flt_eval_in(f, op, top) != (op->code == FLT_OP_NIN));
            break;
        case FLT_OP_CONTAINS:
        case FLT_OP_NCONTAINS:
        case FLT_OP_STARTS:
        case FLT_OP_NSTARTS:
        case FLT_OP_ENDS:
        case FLT_OP_NENDS: {
            const flt_val_t *needle = &f->consts[op->a];
            int negate = op->code == FLT_OP_NCONTAINS || op->code == FLT_OP_NSTARTS ||
                         op->code == FLT_OP_NENDS;
            if (needle->n == 0)
                flt_set_bool(top, 0); /* RocketMQ: an empty search never matches */
            else if (top->type == FLT_V_NULL)
                break;
            else if (top->type != FLT_V_STR)
                flt_set_bool(top, 0);
            else
                flt_set_bool(top, flt_eval_text((flt_opcode_t)op->code, top, needle) != negate);
            break;
        }
        case FLT_OP_JF:
            if (top->type == FLT_V_BOOL && !top->u.l)
                pc = op->a - 1;
            break;
        case FLT_OP_JT:
            if (top->type == FLT_V_BOOL && top->u.l)
                pc = op->a - 1;
            break;
        case FLT_OP_AND:
        case FLT_OP_OR: {
            flt_val_t *l = &st[sp - 2], *r = &st[sp - 1];
            int dominant = op->code == FLT_OP_OR; /* FALSE decides AND, TRUE decides OR */
            sp--;
            if (r->type == FLT_V_BOOL && r->u.l == dominant)
                flt_set_bool(l, dominant);
            else if (l->type == FLT_V_NULL || r->type == FLT_V_NULL)
                flt_set_null(l);
            else
                flt_set_bool(l, !dominant);
            break;
        }
        }
    }
    if (sp != 1 || st[0].type == FLT_V_NULL)
        return FLT_SQL92_NULL;
    return st[0].u.l ? FLT_SQL92_TRUE : FLT_SQL92_FALSE;
}

int
flt_sql92_match(const flt_sql92_t *f, flt_get_fn get, void *arg)
{
    return flt_sql92_eval(f, get, arg) == FLT_SQL92_TRUE;
}

static const char *
flt_props_get_cb(void *arg, const char *name, size_t name_len, size_t *val_len)
{
    const mq_str_t *props = arg;
    mq_str_t v;

    (void)name_len;
    if (!mq_props_get(*props, name, &v))
        return NULL;
    *val_len = v.n;
    return v.p;
}

int
flt_sql92_match_props(const flt_sql92_t *f, const char *props, size_t len)
{
    mq_str_t s = {props, props ? len : 0};
    return flt_sql92_match(f, flt_props_get_cb, &s);
}
