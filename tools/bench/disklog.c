/* SPDX-License-Identifier: Apache-2.0
 *
 * disklog.c -- the disk's own floor for a durable log: what the latency of a message would be
 * if a log did nothing but append it and fdatasync (the baseline of the SYNC_FLUSH figures in
 * docs/benchmarks.md).
 *
 *   disklog [-d dir] [-r msgs/s] [-n msgs] [-s size] [--prealloc]
 *
 * One thread produces `size`-byte records at a steady rate into a buffer; a flusher thread
 * loops: take everything produced so far, append it with one pwrite, fdatasync, and mark those
 * records durable (group commit, as a broker's flush thread does). A record's latency is
 * durable time minus produce time, so a slow fdatasync counts once for every record that
 * waited on it, as it does for a producer. It prints per-record p50/p99/p999/max and the
 * per-fdatasync figures. --prealloc fallocates 1 GiB first (a CommitLog segment is
 * preallocated); without it the file grows with each append.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct dl_s {
    int fd;
    long size, n, rate;
    int64_t *born;      /* produce time of record i */
    int64_t *lat;       /* latency of record i */
    int64_t *sync_lat;  /* latency of fdatasync j */
    long nsync;
    _Atomic long made;  /* records produced */
    _Atomic int done;
} dl_t;

static int64_t
dl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
dl_sleep_until(int64_t t)
{
    struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void *
dl_flusher(void *arg)
{
    dl_t *d = arg;
    char *buf = malloc((size_t)d->size * 4096);
    long synced = 0;
    off_t off = 0;
    if (!buf)
        abort();
    memset(buf, 'x', (size_t)d->size * 4096);
    while (synced < d->n) {
        long upto = atomic_load(&d->made), k = upto - synced;
        int64_t t0, t1;
        if (k == 0) {
            if (atomic_load(&d->done))
                break;
            sched_yield();
            continue;
        }
        if (k > 4096)
            k = 4096, upto = synced + k;
        t0 = dl_now();
        if (pwrite(d->fd, buf, (size_t)(k * d->size), off) != (ssize_t)(k * d->size) ||
            fdatasync(d->fd) != 0) {
            perror("disklog: pwrite/fdatasync");
            exit(1);
        }
        t1 = dl_now();
        off += k * d->size;
        d->sync_lat[d->nsync++] = t1 - t0;
        for (long i = synced; i < upto; i++)
            d->lat[i] = t1 - d->born[i];
        synced = upto;
    }
    free(buf);
    return NULL;
}

static int
dl_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void
dl_print(const char *what, int64_t *v, long n)
{
    if (n == 0)
        return;
    qsort(v, (size_t)n, sizeof(*v), dl_cmp);
    printf(" | %s n=%ld p50=%lld p99=%lld p999=%lld max=%lld us", what, n,
           (long long)v[n / 2] / 1000, (long long)v[n * 99 / 100] / 1000,
           (long long)v[n * 999 / 1000] / 1000, (long long)v[n - 1] / 1000);
}

int
main(int argc, char **argv)
{
    dl_t d = {.size = 100, .n = 30000, .rate = 10000};
    const char *dir = "/tmp";
    int prealloc = 0;
    char path[4096];
    pthread_t th;
    int64_t t0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--prealloc")) {
            prealloc = 1;
            continue;
        }
        if (!v || (strcmp(a, "-d") && strcmp(a, "-r") && strcmp(a, "-n") && strcmp(a, "-s"))) {
            fprintf(stderr, "usage: disklog [-d dir] [-r msgs/s] [-n msgs] [-s size] [--prealloc]\n");
            return 2;
        }
        if (!strcmp(a, "-d"))
            dir = v;
        else if (!strcmp(a, "-r"))
            d.rate = atol(v);
        else if (!strcmp(a, "-n"))
            d.n = atol(v);
        else
            d.size = atol(v);
        i++;
    }
    if (d.rate <= 0 || d.n <= 0 || d.size <= 0 || d.size > 1 << 20) {
        fprintf(stderr, "disklog: -r, -n and -s must be positive (-s at most 1 MiB)\n");
        return 2;
    }
    snprintf(path, sizeof(path), "%s/disklog.%d", dir, (int)getpid());
    d.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (d.fd < 0) {
        perror(path);
        return 1;
    }
    if (prealloc && fallocate(d.fd, 0, 0, (off_t)1 << 30) != 0)
        perror("disklog: fallocate");
    d.born = calloc((size_t)d.n, sizeof(int64_t));
    d.lat = calloc((size_t)d.n, sizeof(int64_t));
    d.sync_lat = calloc((size_t)d.n, sizeof(int64_t));
    if (!d.born || !d.lat || !d.sync_lat)
        return 1;
    if (pthread_create(&th, NULL, dl_flusher, &d) != 0)
        return 1;
    t0 = dl_now();
    for (long i = 0; i < d.n; i++) {
        dl_sleep_until(t0 + (int64_t)((double)i * 1e9 / (double)d.rate));
        d.born[i] = dl_now();
        atomic_store(&d.made, i + 1);
    }
    atomic_store(&d.done, 1);
    pthread_join(th, NULL);
    close(d.fd);
    unlink(path);
    printf("disklog: %ld records of %ld B at %ld/s%s", d.n, d.size, d.rate,
           prealloc ? ", preallocated file" : ", growing file");
    dl_print("record latency", d.lat, d.n);
    dl_print("fdatasync", d.sync_lat, d.nsync);
    printf("\n");
    return 0;
}
