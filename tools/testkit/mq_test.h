/* SPDX-License-Identifier: Apache-2.0
 *
 * mq_test.h -- helpers shared by the unit tests (header-only, test code only).
 *
 * mq_test_guarded() copies an input so that its last byte sits right before a PROT_NONE page
 * (picohttpparser's test.c trick): a decoder that reads one byte too far crashes, and
 * Criterion reports the crash as a failed test. mq_test_tmpdir() makes a fresh directory.
 */
#ifndef MQ_TEST_H
#define MQ_TEST_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct mq_test_guard_s {
    uint8_t *map;   /* whole mapping */
    size_t map_len; /* mapping length */
    uint8_t *data;  /* the copy, ending at the guard page */
} mq_test_guard_t;

static inline uint8_t *
mq_test_guarded(mq_test_guard_t *g, const void *src, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (n + page - 1) / page + 1;
    g->map_len = pages * page;
    g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED)
        abort();
    mprotect(g->map + (pages - 1) * page, page, PROT_NONE);
    g->data = g->map + (pages - 1) * page - n;
    if (n)
        memcpy(g->data, src, n);
    return g->data;
}

static inline void
mq_test_unguard(mq_test_guard_t *g)
{
    munmap(g->map, g->map_len);
}

/* Creates a unique empty directory under $TMPDIR (or /tmp); returns a heap path. */
static inline char *
mq_test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(512);
    snprintf(path, 512, "%s/mqtest-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(path))
        abort();
    return path;
}

/* Removes a directory tree (test scratch only). */
static inline void
mq_test_rmtree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    if (!d) {
        unlink(path);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char sub[1024];
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= (int)sizeof(sub))
            continue;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            mq_test_rmtree(sub);
        else
            unlink(sub);
    }
    closedir(d);
    rmdir(path);
}

#endif /* MQ_TEST_H */
