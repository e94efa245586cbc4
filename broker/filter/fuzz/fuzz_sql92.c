/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_sql92.c -- libFuzzer target for the SQL92 filter (flt_sql92.h): the input is compiled as
 * an expression; a refusal must come with MQ_EINVAL, no filter, an ASCII message and a position
 * inside the input. A compiled filter is evaluated against a few fixed property sets, through
 * match_props and through a second lookup written here (they must agree), and the input wrapped
 * as "NOT (<input>\n)" must evaluate to the three-valued negation (errors stay errors).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flt_sql92.h"
#include "mq/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Property strings as stored (name \1 value \2), with short names the fuzzer finds. */
static const char fuzz_props_rich[] = "TAGS\001TagA\002KEYS\001k1 k2\002a\00110\002b\001abc\002"
                                      "c\0012.5\002d\001-7\002s\001hello world\002t\001TRUE\002"
                                      "n\001NaN\002x\0013000000000\002q\001it's\002a\0011\002";
static const char fuzz_props_nums[] = "a\0011\002b\0012\002c\0013\002d\0014.5e1\002"
                                      "e\001 0x1p-2 \002TAGS\001TagB\002";

static const char *
fuzz_get(void *arg, const char *name, size_t name_len, size_t *val_len)
{
    const mq_str_t *props = arg;
    mq_props_iter_t it;
    mq_str_t k, v;
    const char *found = NULL;

    if (strlen(name) != name_len)
        abort();
    mq_props_iter_init(&it, *props);
    while (mq_props_next(&it, &k, &v)) {
        if (k.n == name_len && memcmp(k.p, name, name_len) == 0) {
            found = v.p; /* the last one counts, as in a Java HashMap */
            *val_len = v.n;
        }
    }
    return found;
}

static flt_sql92_result_t
fuzz_not(flt_sql92_result_t r)
{
    if (r == FLT_SQL92_TRUE)
        return FLT_SQL92_FALSE;
    if (r == FLT_SQL92_FALSE)
        return FLT_SQL92_TRUE;
    return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mq_str_t sets[] = {
        {fuzz_props_rich, sizeof(fuzz_props_rich) - 1},
        {fuzz_props_nums, sizeof(fuzz_props_nums) - 1},
        {"", 0},
    };
    flt_sql92_t *f = NULL, *nf = NULL;
    char err[256], *wrapped;
    size_t pos = 0;
    int rc;

    rc = flt_sql92_compile((const char *)data, size, &f, err, sizeof(err), &pos);
    if (rc != MQ_OK) {
        if (rc != MQ_EINVAL || f != NULL || err[0] == '\0' || pos > size)
            abort();
        for (const char *c = err; *c; c++)
            if ((unsigned char)*c >= 0x80)
                abort();
        return 0;
    }
    if (f == NULL)
        abort();

    wrapped = malloc(size + 8);
    memcpy(wrapped, "NOT (", 5);
    memcpy(wrapped + 5, data, size);
    memcpy(wrapped + 5 + size, "\n)", 2);
    if (flt_sql92_compile(wrapped, size + 7, &nf, err, sizeof(err), NULL) != MQ_OK) {
        /* only the nesting or length limit can refuse it */
        if (!strstr(err, "nested deeper") && !strstr(err, "longer than"))
            abort();
        nf = NULL;
    }

    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        mq_str_t props = sets[i];
        flt_sql92_result_t r = flt_sql92_eval(f, fuzz_get, &props);
        if (r != FLT_SQL92_TRUE && r != FLT_SQL92_FALSE && r != FLT_SQL92_NULL &&
            r != FLT_SQL92_ERROR)
            abort();
        if (flt_sql92_match_props(f, props.p, props.n) != (r == FLT_SQL92_TRUE))
            abort();
        if (nf && flt_sql92_eval(nf, fuzz_get, &props) != fuzz_not(r))
            abort();
    }
    flt_sql92_free(nf);
    flt_sql92_free(f);
    free(wrapped);
    return 0;
}
