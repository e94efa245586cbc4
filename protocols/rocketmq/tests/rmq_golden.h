/* SPDX-License-Identifier: Apache-2.0
 *
 * rmq_golden.h -- loads the golden request frames under RMQ_GOLDEN_DIR (test code only).
 */
#ifndef RMQ_GOLDEN_H
#define RMQ_GOLDEN_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RMQ_GOLDEN_MAX 256

typedef struct rmq_golden_s {
    int n;
    char *name[RMQ_GOLDEN_MAX];
    unsigned char *data[RMQ_GOLDEN_MAX];
    size_t len[RMQ_GOLDEN_MAX];
} rmq_golden_t;

static inline void
rmq_golden_scan(rmq_golden_t *g, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && g->n < RMQ_GOLDEN_MAX) {
        char path[1024];
        FILE *f;
        long sz;
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
            continue;
        if (e->d_type == DT_DIR) {
            rmq_golden_scan(g, path);
            continue;
        }
        if (!strstr(e->d_name, ".bin"))
            continue;
        f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        g->data[g->n] = malloc((size_t)sz + 1);
        g->len[g->n] = fread(g->data[g->n], 1, (size_t)sz, f);
        fclose(f);
        g->name[g->n] = strdup(path);
        g->n++;
    }
    if (d)
        closedir(d);
}

static inline void
rmq_golden_load(rmq_golden_t *g)
{
    memset(g, 0, sizeof(*g));
    rmq_golden_scan(g, RMQ_GOLDEN_DIR);
}

static inline void
rmq_golden_free(rmq_golden_t *g)
{
    for (int i = 0; i < g->n; i++) {
        free(g->data[i]);
        free(g->name[i]);
    }
}

#endif /* RMQ_GOLDEN_H */
