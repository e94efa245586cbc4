/* SPDX-License-Identifier: Apache-2.0
 *
 * flt_sql92_num.c -- Java's number formats, as the SQL92 filter needs them: Integer.parseInt and
 * Long.parseLong for string properties compared with int and long literals, Double.valueOf for
 * those compared with doubles (and for float literals), and Double.compare. Pure functions over
 * byte ranges that need not be NUL-terminated; nothing allocates. Interface: flt_sql92_int.h.
 *
 * Double.valueOf is correctly rounded. strtod is too, but wants a NUL-terminated string in the
 * C locale's format, so the input is first checked against Java's grammar and rewritten into a
 * bounded stack buffer as "<digits>e<exp>" (or "0x<hexdigits>p<exp>"): leading zeros and the
 * point are folded into the exponent, and digits past the first FLT_NUM_DEC_KEEP (hex:
 * FLT_NUM_HEX_KEEP) are replaced by one sticky '1' when any of them is not zero. A double's
 * halfway points have at most 767 significant decimal digits (54 bits: 14 hex digits), so the
 * rounding cannot change. The rewritten form has no '.', so the locale does not matter.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flt_sql92_int.h"

#define FLT_NUM_DEC_KEEP 800     /* significant decimal digits kept */
#define FLT_NUM_HEX_KEEP 24      /* significant hex digits kept */
#define FLT_NUM_EXP_CLAMP 100000 /* |exponent| beyond which every value is 0 or infinite */

static int
flt_num_parse_i64(const char *p, size_t n, int64_t min, int64_t max, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0, limit;

    if (n == 0)
        return -1;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        if (n == 1)
            return -1;
        i = 1;
    }
    limit = neg ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)max;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)p[i] - '0';
        if (d > 9 || v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (!neg)
        *out = (int64_t)v;
    else if (v == (uint64_t)INT64_MAX + 1)
        *out = INT64_MIN;
    else
        *out = -(int64_t)v;
    return 0;
}

int
flt_num_parse_int(const char *p, size_t n, int32_t *out)
{
    int64_t v;
    if (flt_num_parse_i64(p, n, INT32_MIN, INT32_MAX, &v) != 0)
        return -1;
    *out = (int32_t)v;
    return 0;
}

int
flt_num_parse_long(const char *p, size_t n, int64_t *out)
{
    return flt_num_parse_i64(p, n, INT64_MIN, INT64_MAX, out);
}

static int
flt_num_digit(int c, int hex)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (hex && c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
flt_num_parse_double(const char *s, size_t n, double *out)
{
    char buf[2 + FLT_NUM_DEC_KEEP + 1 + 24]; /* "0x" digits sticky "e-100000" NUL */
    size_t i = 0, nd = 0, pfx = 0, keep;
    int neg = 0, hex = 0, seen_digit = 0, seen_dot = 0, sticky = 0;
    int64_t scale = 0, exp = 0;
    double v;

    while (n > 0 && (unsigned char)s[0] <= ' ') { /* String.trim() */
        s++;
        n--;
    }
    while (n > 0 && (unsigned char)s[n - 1] <= ' ')
        n--;
    if (n == 0)
        return -1;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i < n && (s[i] == 'N' || s[i] == 'I')) {
        if (n - i == 3 && memcmp(s + i, "NaN", 3) == 0)
            v = NAN;
        else if (n - i == 8 && memcmp(s + i, "Infinity", 8) == 0)
            v = INFINITY;
        else
            return -1;
        *out = neg ? -v : v;
        return 0;
    }
    if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        hex = 1;
        i += 2;
        memcpy(buf, "0x", 2);
        pfx = 2;
    }
    keep = hex ? FLT_NUM_HEX_KEEP : FLT_NUM_DEC_KEEP;

    /* mantissa: value = buf digits * base^scale */
    for (; i < n; i++) {
        int d;
        if (s[i] == '.') {
            if (seen_dot)
                return -1;
            seen_dot = 1;
            continue;
        }
        if ((d = flt_num_digit((unsigned char)s[i], hex)) < 0)
            break;
        seen_digit = 1;
        if (nd == 0 && d == 0) {
            scale -= seen_dot;
        } else if (nd < keep) {
            buf[pfx + nd++] = s[i];
            scale -= seen_dot;
        } else {
            sticky |= d != 0;
            scale += !seen_dot;
        }
    }
    if (!seen_digit)
        return -1;

    /* exponent: decimal e/E, mandatory binary p/P for hex */
    if (i < n && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
        int eneg = 0;
        size_t start;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        start = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (exp < 100000000)
                exp = exp * 10 + (s[i] - '0');
        if (i == start)
            return -1;
        if (eneg)
            exp = -exp;
    } else if (hex) {
        return -1;
    }
    if (i < n) { /* one type suffix, last */
        if (i != n - 1 || (s[i] != 'f' && s[i] != 'F' && s[i] != 'd' && s[i] != 'D'))
            return -1;
    }

    if (nd == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (sticky) {
        buf[pfx + nd++] = '1';
        scale--;
    }
    exp += hex ? 4 * scale : scale;
    if (exp > FLT_NUM_EXP_CLAMP)
        exp = FLT_NUM_EXP_CLAMP;
    if (exp < -FLT_NUM_EXP_CLAMP)
        exp = -FLT_NUM_EXP_CLAMP;
    snprintf(buf + pfx + nd, sizeof(buf) - pfx - nd, "%c%" PRId64, hex ? 'p' : 'e', exp);
    v = strtod(buf, NULL);
    *out = neg ? -v : v;
    return 0;
}

int
flt_num_double_cmp(double a, double b)
{
    int64_t ba, bb;

    if (a < b)
        return -1;
    if (a > b)
        return 1;
    /* equal, NaN or signed zeros: Java compares doubleToLongBits (one canonical NaN) */
    if (isnan(a))
        a = NAN;
    if (isnan(b))
        b = NAN;
    memcpy(&ba, &a, sizeof(ba));
    memcpy(&bb, &b, sizeof(bb));
    return ba == bb ? 0 : (ba < bb ? -1 : 1);
}
