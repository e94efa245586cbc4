/* SPDX-License-Identifier: Apache-2.0
 *
 * flt_sql92_int.h -- private structures of the SQL92 filter, shared by broker/filter/flt_sql92_*.c
 * and the unit tests: tokens (flt_sql92_lex.c), Java number formats (flt_sql92_num.c), values and
 * their comparison, and the compiled program (flt_sql92_parse.c writes it, flt_sql92_eval.c runs
 * it). The interface is flt_sql92.h.
 *
 * The compiled form is a postfix program over a value stack, in one allocation:
 *
 *     [flt_sql92_t][consts: flt_val_t x n_consts][ops: flt_op_t x n_ops][string pool]
 *
 * Literal strings, IN lists and property names are flt_val_t constants whose bytes live in the
 * pool (property names NUL-terminated); each IN list is a run of consecutive constants sorted by
 * flt_val_str_order() so evaluation can binary-search it. AND/OR compile to
 * `left JF/JT(end) right AND/OR`, the jump keeping the left value on the stack, which gives
 * Java's left-to-right short-circuit. The compiler tracks the stack height, so evaluation uses
 * a fixed array of FLT_SQL92_STACK_MAX values and never checks for overflow.
 */
#ifndef MQ_FLT_SQL92_INT_H
#define MQ_FLT_SQL92_INT_H

#include <stddef.h>
#include <stdint.h>

#include "flt_sql92.h"

/* Highest value-stack use a program may have; more is refused as "too complex". The nesting
 * limit keeps programs far below it: a nesting level leaves at most three operands pending
 * (the left sides of OR, AND and =), so 64 levels need about 200 (tests: deepest_stack_fits). */
#define FLT_SQL92_STACK_MAX 384

/* ---- Tokens (flt_sql92_lex.c) ---- */

/* Token types; keywords are matched case-insensitively (SelectorParser.jj "Reserved Words"). */
typedef enum flt_tok_type_e {
    FLT_T_EOF,
    FLT_T_ERROR, /* lexical error: flt_lex_t.err says why, the token's pos says where */
    FLT_T_ID,
    FLT_T_DECIMAL, /* "0" | [1-9][0-9]*[lL]? */
    FLT_T_FLOAT,   /* 5.5  5.  .5  5e10  5.5E-3 */
    FLT_T_STRING,  /* 'it''s', quotes included */
    FLT_T_LPAREN,
    FLT_T_RPAREN,
    FLT_T_COMMA,
    FLT_T_EQ, /* = */
    FLT_T_NE, /* <> */
    FLT_T_GT,
    FLT_T_GE,
    FLT_T_LT,
    FLT_T_LE,
    FLT_T_PLUS,
    FLT_T_MINUS,
    FLT_T_NOT,
    FLT_T_AND,
    FLT_T_OR,
    FLT_T_BETWEEN,
    FLT_T_IN,
    FLT_T_TRUE,
    FLT_T_FALSE,
    FLT_T_NULL,
    FLT_T_IS,
    FLT_T_CONTAINS,
    FLT_T_STARTSWITH,
    FLT_T_ENDSWITH,
} flt_tok_type_t;

typedef struct flt_tok_s {
    flt_tok_type_t type; /* FLT_T_* */
    size_t pos;          /* byte offset of the first byte in the source */
    size_t len;          /* bytes (0 for EOF) */
} flt_tok_t;

typedef struct flt_lex_s {
    const char *src; /* the expression (not NUL-terminated) */
    size_t len;      /* its length */
    size_t pos;      /* next byte to scan */
    const char *err; /* static text of the last lexical error */
} flt_lex_t;

/* Functions used to split an expression into tokens. */
void flt_lex_init(flt_lex_t *lx, const char *src, size_t len);
/* Skips blanks (space, \t, \n, \r, \f), "--" line comments and block comments, then reads one
 * token into *t. At the end of input returns FLT_T_EOF (again and again); on a lexical error
 * FLT_T_ERROR with lx->err set and t->pos at the offending byte. */
void flt_lex_next(flt_lex_t *lx, flt_tok_t *t);

/* ---- Java number formats (flt_sql92_num.c) ---- */

/* Integer.parseInt / Long.parseLong: optional sign, ASCII digits, no blanks, in range.
 * Return 0 and set *out, or -1. */
int flt_num_parse_int(const char *p, size_t n, int32_t *out);
int flt_num_parse_long(const char *p, size_t n, int64_t *out);
/* Double.valueOf: blanks (bytes <= ' ') trimmed, optional sign, "NaN", "Infinity", decimal
 * digits with an optional '.' and exponent, or a hex float (0x1.8p3), then an optional
 * f/F/d/D suffix. Correctly rounded; over- and underflow give infinity and zero.
 * Returns 0 and sets *out, or -1. */
int flt_num_parse_double(const char *p, size_t n, double *out);
/* Double.compare: -1, 0 or 1; -0.0 < 0.0 and NaN equals itself and is above everything. */
int flt_num_double_cmp(double a, double b);

/* ---- Values and comparison (flt_sql92_eval.c) ---- */

typedef enum flt_val_type_e {
    FLT_V_NULL,
    FLT_V_BOOL,   /* u.l is 0 or 1 */
    FLT_V_INT,    /* u.l in the int32 range (Java Integer) */
    FLT_V_LONG,   /* u.l (Java Long) */
    FLT_V_DOUBLE, /* u.d */
    FLT_V_STR,    /* u.s, n bytes */
} flt_val_type_t;

typedef struct flt_val_s {
    union {
        int64_t l;     /* BOOL, INT, LONG */
        double d;      /* DOUBLE */
        const char *s; /* STR: bytes (not NUL-terminated) */
    } u;
    size_t n;            /* STR: length */
    flt_val_type_t type; /* FLT_V_* */
} flt_val_t;

/* ComparisonExpression.__compare with string conversion on: types are promoted (int -> long
 * -> double), a string facing a number is parsed as that number's type, a string facing a
 * boolean is "true" (any case) or not. Sets *res to <0, 0 or >0 and returns 0; returns -1 when
 * a conversion fails. Incomparable types (a number and a boolean) give *res = -1 as in Java.
 * Neither value may be NULL. */
int flt_val_compare(const flt_val_t *l, const flt_val_t *r, int *res);
/* The order IN lists are sorted and searched in: by length, then bytes. */
int flt_val_str_order(const flt_val_t *a, const flt_val_t *b);

/* ---- The compiled program ---- */

typedef enum flt_opcode_e {
    FLT_OP_CONST,     /* push consts[a] */
    FLT_OP_PROP,      /* push the property named consts[a] (NULL when missing) */
    FLT_OP_NEG,       /* numeric negation (Java wraps int/long); non-numbers become NULL */
    FLT_OP_BOOLCAST,  /* property used as a boolean: NULL stays, a string is FALSE */
    FLT_OP_NOT,       /* three-valued NOT */
    FLT_OP_EQ,        /* pop r, l: l = r */
    FLT_OP_NE,        /* l <> r */
    FLT_OP_GT,        /* l > r */
    FLT_OP_GE,        /* l >= r */
    FLT_OP_LT,        /* l < r */
    FLT_OP_LE,        /* l <= r */
    FLT_OP_ISNULL,    /* v IS NULL */
    FLT_OP_ISNOTNULL, /* v IS NOT NULL */
    FLT_OP_BETWEEN,   /* pop high, low, v: v >= low AND v <= high */
    FLT_OP_NBETWEEN,  /* v < low OR v > high */
    FLT_OP_IN,        /* v IN consts[a .. a+b) */
    FLT_OP_NIN,       /* v NOT IN consts[a .. a+b) */
    FLT_OP_CONTAINS,  /* v CONTAINS consts[a] */
    FLT_OP_NCONTAINS, /* v NOT CONTAINS consts[a] */
    FLT_OP_STARTS,    /* v STARTSWITH consts[a] */
    FLT_OP_NSTARTS,   /* v NOT STARTSWITH consts[a] */
    FLT_OP_ENDS,      /* v ENDSWITH consts[a] */
    FLT_OP_NENDS,     /* v NOT ENDSWITH consts[a] */
    FLT_OP_JF,        /* top is FALSE: jump to a, keeping it (AND's short-circuit) */
    FLT_OP_JT,        /* top is TRUE: jump to a, keeping it (OR's short-circuit) */
    FLT_OP_AND,       /* pop r, l (l not FALSE): three-valued AND */
    FLT_OP_OR,        /* pop r, l (l not TRUE): three-valued OR */
} flt_opcode_t;

typedef struct flt_op_s {
    uint32_t code; /* flt_opcode_t */
    uint32_t a;    /* constant index or jump target, see flt_opcode_t */
    uint32_t b;    /* IN list length */
} flt_op_t;

struct flt_sql92_s {
    const flt_val_t *consts; /* n_consts constants (strings point into the pool) */
    const flt_op_t *ops;     /* the program */
    uint32_t n_consts;       /* constants */
    uint32_t n_ops;          /* instructions */
    uint32_t max_stack;      /* highest stack use, <= FLT_SQL92_STACK_MAX */
};

#endif /* MQ_FLT_SQL92_INT_H */
