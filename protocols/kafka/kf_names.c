/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_names.c -- Kafka <-> RocketMQ topic and group names (interface: kf_names.h). Pure code.
 *
 * NOTES ON THE TOPIC RULE
 *
 * Write K for strings over the Kafka alphabet B + '.', R for strings over the RocketMQ
 * alphabet B + '|' + '%', where B = [a-zA-Z0-9_-] is common to both. Three helpers:
 *
 *   O(w)   replaces every '.' by '|' (a bijection K -> R-without-'%'; O^-1 does the reverse)
 *   E(r)   writes '%' as "..", '|' as ".-", other bytes as themselves (injective R -> K)
 *   D(w)   the inverse of E: defined only when every '.' of w starts ".." or ".-"
 *
 * The set S of "escaped" Kafka names is defined by induction on length:
 *
 *   w is in S  iff  w holds a '.', D(w) is defined, and either D(w) holds a '%' or
 *                   O^-1(D(w)) is in S (a shorter string: D shrinks any w holding a '.').
 *
 * and T = { r : r holds a '%' } + O(S). Then
 *
 *   kafka -> rocketmq:   K2R(w) = D(w) if w is in S, else O(w)
 *   rocketmq -> kafka:   R2K(r) = E(r) if r is in T, else O^-1(r)
 *
 * are inverse bijections between K and R:
 *   (1) w in S: D(w) is in T by definition, and E(D(w)) = w.
 *   (2) w not in S: O(w) holds no '%' and O^-1(O(w)) = w is not in S, so O(w) is not in T.
 *   (3) r in T: E(r) holds a '.' (r holds a '%' or a '|', as O^-1(r) in S holds a '.'),
 *       D(E(r)) = r is in T, so E(r) is in S and K2R(E(r)) = r.
 *   (4) r not in T: O^-1(r) is not in S, so K2R(O^-1(r)) = O(O^-1(r)) = r.
 * Names over B alone hold neither '.', '|' nor '%' and pass unchanged. In practice S holds
 * only names with ".." or ".-" in them ("..RETRY..group"), which Kafka users do not pick.
 *
 * Length limits are checked on top: a Kafka name (1..249) maps to a RocketMQ name no longer
 * than itself; a RocketMQ name whose Kafka form is longer than 249, "." or ".." has none.
 */
#include <string.h>

#include "kf_names.h"

#define KF_NAMES_WORK 256 /* > KF_NAME_RMQ_TOPIC_XMAX and > KF_NAME_TOPIC_MAX */

static const char kf_names_hex[] = "0123456789ABCDEF";

static int
kf_names_is_base(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

int
kf_name_kafka_topic_valid(mq_str_t name)
{
    if (name.n == 0 || name.n > KF_NAME_TOPIC_MAX || name.p == NULL)
        return 0;
    if ((name.n == 1 && name.p[0] == '.') || (name.n == 2 && name.p[0] == '.' && name.p[1] == '.'))
        return 0;
    for (size_t i = 0; i < name.n; i++) {
        unsigned char c = (unsigned char)name.p[i];
        if (!kf_names_is_base(c) && c != '.')
            return 0;
    }
    return 1;
}

int
kf_name_rmq_valid(mq_str_t name, size_t max)
{
    if (name.n == 0 || name.n > max || name.p == NULL)
        return 0;
    for (size_t i = 0; i < name.n; i++) {
        unsigned char c = (unsigned char)name.p[i];
        if (!kf_names_is_base(c) && c != '%' && c != '|')
            return 0;
    }
    return 1;
}

/* D in place: returns the new length, or -1 when w is not in E's image. */
static int
kf_names_unescape_inplace(char *w, size_t n)
{
    size_t i = 0, j = 0;

    while (i < n) {
        if (w[i] != '.') {
            w[j++] = w[i++];
            continue;
        }
        if (i + 1 >= n)
            return -1;
        if (w[i + 1] == '.')
            w[j++] = '%';
        else if (w[i + 1] == '-')
            w[j++] = '|';
        else
            return -1;
        i += 2;
    }
    return (int)j;
}

static void
kf_names_swap(char *s, size_t n, char from, char to)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == from)
            s[i] = to;
}

/* Membership of w (n <= KF_NAMES_WORK bytes) in S, iteratively (see the notes above). */
static int
kf_names_in_s(const char *w, size_t n)
{
    char t[KF_NAMES_WORK];
    int m;

    if (MQ_NEVER(n > sizeof(t)))
        return 0;
    memcpy(t, w, n);
    for (;;) {
        if (memchr(t, '.', n) == NULL)
            return 0;
        m = kf_names_unescape_inplace(t, n);
        if (m < 0)
            return 0;
        n = (size_t)m;
        if (memchr(t, '%', n) != NULL)
            return 1;
        kf_names_swap(t, n, '|', '.');
    }
}

int
kf_topic_to_rmq(mq_str_t kafka, char *out, size_t cap)
{
    int m;

    if (!kf_name_kafka_topic_valid(kafka))
        return MQ_EINVAL;
    if (cap < kafka.n) /* the result is never longer than the input */
        return MQ_ETOOBIG;
    memcpy(out, kafka.p, kafka.n);
    if (kf_names_in_s(kafka.p, kafka.n)) {
        m = kf_names_unescape_inplace(out, kafka.n);
        return MQ_ALWAYS(m > 0) ? m : MQ_EINVAL;
    }
    kf_names_swap(out, kafka.n, '.', '|');
    return (int)kafka.n;
}

int
kf_topic_from_rmq(mq_str_t rmq, char *out, size_t cap)
{
    char t[KF_NAMES_WORK];
    size_t n = 0, lim = MQ_MIN(cap, (size_t)KF_NAME_TOPIC_MAX);
    int special;

    if (!kf_name_rmq_valid(rmq, KF_NAME_RMQ_TOPIC_XMAX))
        return MQ_EINVAL;
    memcpy(t, rmq.p, rmq.n);
    kf_names_swap(t, rmq.n, '|', '.'); /* O^-1(r) */
    special = memchr(rmq.p, '%', rmq.n) != NULL || kf_names_in_s(t, rmq.n);
    if (!special) {
        if (rmq.n > lim)
            return MQ_ETOOBIG;
        memcpy(out, t, rmq.n);
        n = rmq.n;
    } else {
        for (size_t i = 0; i < rmq.n; i++) {
            char c = rmq.p[i];
            size_t need = (c == '%' || c == '|') ? 2 : 1;
            if (n + need > lim)
                return MQ_ETOOBIG;
            if (need == 1) {
                out[n++] = c;
            } else {
                out[n++] = '.';
                out[n++] = c == '%' ? '.' : '-';
            }
        }
    }
    if (!kf_name_kafka_topic_valid((mq_str_t){out, n}))
        return MQ_EINVAL; /* "." or ".." */
    return (int)n;
}

int
kf_group_to_rmq(mq_str_t kafka, char *out, size_t cap)
{
    size_t n = 0, lim = MQ_MIN(cap, (size_t)KF_NAME_GROUP_MAX);

    if (kafka.n == 0 || kafka.p == NULL)
        return MQ_EINVAL;
    for (size_t i = 0; i < kafka.n; i++) {
        unsigned char c = (unsigned char)kafka.p[i];
        if (kf_names_is_base(c) || c == '.') {
            if (n + 1 > lim)
                return MQ_ETOOBIG;
            out[n++] = c == '.' ? '|' : (char)c;
        } else {
            if (n + 3 > lim)
                return MQ_ETOOBIG;
            out[n++] = '%';
            out[n++] = kf_names_hex[c >> 4];
            out[n++] = kf_names_hex[c & 15];
        }
    }
    return (int)n;
}

static int
kf_names_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1; /* lower case is not canonical */
}

int
kf_group_from_rmq(mq_str_t rmq, char *out, size_t cap)
{
    size_t n = 0;

    if (!kf_name_rmq_valid(rmq, KF_NAME_GROUP_MAX))
        return MQ_EINVAL;
    for (size_t i = 0; i < rmq.n; i++) {
        char c = rmq.p[i];
        if (n >= cap)
            return MQ_ETOOBIG;
        if (c == '|') {
            out[n++] = '.';
        } else if (c == '%') {
            int hi, lo;
            unsigned char b;
            if (i + 2 >= rmq.n) /* needs two hex digits */
                return MQ_EINVAL;
            hi = kf_names_hexval(rmq.p[i + 1]);
            lo = kf_names_hexval(rmq.p[i + 2]);
            if (hi < 0 || lo < 0)
                return MQ_EINVAL;
            b = (unsigned char)(hi << 4 | lo);
            if (kf_names_is_base(b) || b == '.')
                return MQ_EINVAL; /* to_rmq never escapes these */
            out[n++] = (char)b;
            i += 2;
        } else {
            out[n++] = c;
        }
    }
    return (int)n;
}
