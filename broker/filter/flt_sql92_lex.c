/* SPDX-License-Identifier: Apache-2.0
 *
 * flt_sql92_lex.c -- the tokens of RocketMQ's SQL92 filter (SelectorParser.jj "Tokens"): blanks,
 * "--" line and block comments, case-insensitive keywords, identifiers [a-zA-Z_$][a-zA-Z0-9_$]*,
 * decimal literals with an optional L, float literals, 'quoted' strings with '' for a quote,
 * and the operators ( ) , = <> > >= < <= + -. Like JavaCC, a number takes the longest match
 * (so "0123" is "0" then "123", and "1e" is "1" then the identifier "e"). Only splits: the
 * parser (flt_sql92_parse.c) gives the tokens their values. Interface: flt_sql92_int.h.
 */
#include <string.h>
#include <strings.h>

#include "flt_sql92_int.h"

static const struct {
    const char *word;
    flt_tok_type_t type;
} flt_lex_keywords[] = {
    {"NOT", FLT_T_NOT},
    {"AND", FLT_T_AND},
    {"OR", FLT_T_OR},
    {"BETWEEN", FLT_T_BETWEEN},
    {"IN", FLT_T_IN},
    {"TRUE", FLT_T_TRUE},
    {"FALSE", FLT_T_FALSE},
    {"NULL", FLT_T_NULL},
    {"IS", FLT_T_IS},
    {"CONTAINS", FLT_T_CONTAINS},
    {"STARTSWITH", FLT_T_STARTSWITH},
    {"ENDSWITH", FLT_T_ENDSWITH},
};

static int
flt_lex_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
flt_lex_is_id_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static int
flt_lex_is_id_part(int c)
{
    return flt_lex_is_id_start(c) || flt_lex_is_digit(c);
}

static int
flt_lex_is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Length of an exponent ([eE][+-]?[0-9]+) at s[i..n), or 0 when there is none. */
static size_t
flt_lex_exponent(const char *s, size_t n, size_t i)
{
    size_t j = i;
    if (j >= n || (s[j] != 'e' && s[j] != 'E'))
        return 0;
    j++;
    if (j < n && (s[j] == '+' || s[j] == '-'))
        j++;
    if (j >= n || !flt_lex_is_digit(s[j]))
        return 0;
    while (j < n && flt_lex_is_digit(s[j]))
        j++;
    return j - i;
}

/* A number starting at s[i] (a digit, or '.' followed by a digit): the longest of the decimal
 * and float literals that match there. */
static void
flt_lex_number(const char *s, size_t n, size_t i, flt_tok_t *t)
{
    size_t j = i, dec_len = 0, flt_len = 0, e;

    while (j < n && flt_lex_is_digit(s[j]))
        j++;
    if (j > i) { /* "0" | [1-9][0-9]*[lL]? */
        if (s[i] == '0')
            dec_len = 1;
        else
            dec_len = j - i + (j < n && (s[j] == 'l' || s[j] == 'L'));
    }
    if (j < n && s[j] == '.') {
        size_t k = j + 1;
        while (k < n && flt_lex_is_digit(s[k]))
            k++;
        if (j > i || k > j + 1) /* digits before or after the point */
            flt_len = k + flt_lex_exponent(s, n, k) - i;
    } else if (j > i && (e = flt_lex_exponent(s, n, j)) > 0) {
        flt_len = j + e - i;
    }
    t->pos = i;
    if (flt_len > dec_len) {
        t->type = FLT_T_FLOAT;
        t->len = flt_len;
    } else {
        t->type = FLT_T_DECIMAL;
        t->len = dec_len;
    }
}

static void
flt_lex_error(flt_lex_t *lx, flt_tok_t *t, size_t pos, const char *why)
{
    lx->err = why;
    lx->pos = lx->len; /* nothing after an error */
    t->type = FLT_T_ERROR;
    t->pos = pos;
    t->len = pos < lx->len ? 1 : 0;
}

void
flt_lex_init(flt_lex_t *lx, const char *src, size_t len)
{
    lx->src = src;
    lx->len = src ? len : 0;
    lx->pos = 0;
    lx->err = NULL;
}

void
flt_lex_next(flt_lex_t *lx, flt_tok_t *t)
{
    const char *s = lx->src;
    size_t n = lx->len, i = lx->pos;
    int c;

    for (;;) { /* blanks and comments */
        if (i >= n)
            break;
        if (flt_lex_is_blank(s[i])) {
            i++;
        } else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
            i += 2;
            while (i < n && s[i] != '\n' && s[i] != '\r')
                i++;
        } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            const char *end = i + 2 < n ? memmem(s + i + 2, n - i - 2, "*/", 2) : NULL;
            if (end == NULL) {
                flt_lex_error(lx, t, i, "unterminated comment");
                return;
            }
            i = (size_t)(end - s) + 2;
        } else {
            break;
        }
    }
    t->pos = i;
    t->len = 1;
    if (i >= n) {
        t->type = FLT_T_EOF;
        t->len = 0;
        lx->pos = n;
        return;
    }
    c = (unsigned char)s[i];
    switch (c) {
    case '(':
        t->type = FLT_T_LPAREN;
        break;
    case ')':
        t->type = FLT_T_RPAREN;
        break;
    case ',':
        t->type = FLT_T_COMMA;
        break;
    case '=':
        t->type = FLT_T_EQ;
        break;
    case '+':
        t->type = FLT_T_PLUS;
        break;
    case '-':
        t->type = FLT_T_MINUS;
        break;
    case '<':
        t->type = FLT_T_LT;
        if (i + 1 < n && s[i + 1] == '>') {
            t->type = FLT_T_NE;
            t->len = 2;
        } else if (i + 1 < n && s[i + 1] == '=') {
            t->type = FLT_T_LE;
            t->len = 2;
        }
        break;
    case '>':
        t->type = FLT_T_GT;
        if (i + 1 < n && s[i + 1] == '=') {
            t->type = FLT_T_GE;
            t->len = 2;
        }
        break;
    case '\'': {
        size_t j = i + 1;
        for (;;) {
            if (j >= n) {
                flt_lex_error(lx, t, i, "unterminated string literal");
                return;
            }
            if (s[j] == '\'') {
                if (j + 1 < n && s[j + 1] == '\'') {
                    j += 2;
                    continue;
                }
                break;
            }
            j++;
        }
        t->type = FLT_T_STRING;
        t->len = j + 1 - i;
        break;
    }
    default:
        if (flt_lex_is_digit(c) || (c == '.' && i + 1 < n && flt_lex_is_digit(s[i + 1]))) {
            flt_lex_number(s, n, i, t);
        } else if (flt_lex_is_id_start(c)) {
            size_t j = i + 1;
            while (j < n && flt_lex_is_id_part(s[j]))
                j++;
            t->type = FLT_T_ID;
            t->len = j - i;
            for (size_t k = 0; k < MQ_ARRAY_LEN(flt_lex_keywords); k++) {
                if (strlen(flt_lex_keywords[k].word) == t->len &&
                    strncasecmp(s + i, flt_lex_keywords[k].word, t->len) == 0) {
                    t->type = flt_lex_keywords[k].type;
                    break;
                }
            }
        } else {
            flt_lex_error(lx, t, i, "unexpected character");
            return;
        }
        break;
    }
    lx->pos = i + t->len;
}
