/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_store_seeds.c -- writes the seed corpus of fuzz_store_recover (a tool, not installed).
 * It runs a real store through the public API (include/mq/store.h) in temp dirs, then packs
 * the files it left into fuzz_store_recover's input layout (see the head of that file): the
 * first CommitLog segment with its trailing zeros trimmed, a ConsumeQueue file, the first 64
 * bytes of the checkpoint. Every seed stays below 64 KiB.
 *
 *   clean_full.bin   clean shutdown: segment + CQ + checkpoint (normal recovery)
 *   abort_walk.bin   `abort` marker, no checkpoint: rebuild every queue from the CommitLog
 *   abort_ckpt.bin   `abort` + CQ + checkpoint, CRC check off, SYNC_FLUSH
 *   torn_tail.bin    the last record cut in half (a crash in the middle of a copy)
 *   odd_size.bin     a segment file exactly as long as its records (no padding)
 *   rolled.bin       a full segment closed by a BLANK filler
 *   v2_topic.bin     records with a 200-byte topic (magic v2) between normal ones
 *
 * usage: fuzz_store_seeds <output dir>     (regenerate: the output is deterministic but for
 *                                            timestamps)
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq/log.h"
#include "mq/rd.h"
#include "mq/store.h"
#include "mq_test.h"

#define FZ_SEGMENT (64 * 1024)
#define FZ_CQ_FILE (20 * 64)
#define FZ_TOPIC "FuzzT"

/* Flags of fuzz_store_recover.c's header byte. */
#define FZ_ABORT 0x01
#define FZ_SYNC 0x02
#define FZ_NO_CRC 0x04
#define FZ_NO_PAD 0x08
#define FZ_CQ 0x10
#define FZ_CKPT 0x20

typedef struct fz_files_s {
    uint8_t cl[FZ_SEGMENT]; /* first CommitLog segment */
    size_t n_cl;            /* bytes up to the last non-zero one */
    uint8_t cq[FZ_CQ_FILE]; /* consumequeue/FuzzT/0/0 */
    size_t n_cq;
    uint8_t ck[64]; /* head of the checkpoint */
    size_t n_ck;
} fz_files_t;

static size_t
fz_read_file(const char *path, uint8_t *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;
    if (fd < 0)
        return 0;
    n = read(fd, buf, cap);
    close(fd);
    return n > 0 ? (size_t)n : 0;
}

static size_t
fz_trim(const uint8_t *p, size_t n)
{
    while (n > 0 && p[n - 1] == 0)
        n--;
    return n;
}

/* mkdir -p */
static void
fz_mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

static void
fz_put(store_t *s, const char *topic, int32_t qid, size_t body_len, int i)
{
    static char body[16384];
    char props[200];
    mq_msg_t m;
    int rc;

    for (size_t j = 0; j < body_len && j < sizeof(body); j++)
        body[j] = (char)('a' + (j + (size_t)i) % 26);
    snprintf(props, sizeof(props), "KEYS\001k%d k%d\002UNIQ_KEY\001%032X\002TAGS\001tag%d\002", i,
             i % 3, i, i % 2);
    memset(&m, 0, sizeof(m));
    m.topic = mq_str_from_cstr(topic);
    m.queue_id = qid;
    m.body = (mq_str_t){body, MQ_MIN(body_len, sizeof(body))};
    m.props = mq_str_from_cstr(props);
    m.born_ts = 1700000000000LL + i;
    m.born_host = (mq_host_t){{127, 0, 0, 1}, 5555, 0};
    rc = store_put_wait(s, &m, 1);
    if (rc != MQ_OK) {
        fprintf(stderr, "fuzz_store_seeds: put: %s\n", mq_err_name(rc));
        exit(1);
    }
}

/* Runs `fill` against a fresh store, closes it cleanly and collects its files. */
static void
fz_make_store(void (*fill)(store_t *s), fz_files_t *f)
{
    char dir[] = "/tmp/fuzz-seeds-XXXXXX", path[1024];
    store_config_t cfg;
    store_t *s;

    if (!mkdtemp(dir))
        exit(1);
    store_config_defaults(&cfg);
    snprintf(cfg.root_dir, sizeof(cfg.root_dir), "%s", dir);
    cfg.commitlog_file_size = FZ_SEGMENT;
    cfg.cq_file_size = FZ_CQ_FILE;
    cfg.max_message_size = 32 * 1024;
    cfg.flush_mode = STORE_SYNC_FLUSH;
    cfg.index_slots = 16;
    cfg.index_max_entries = 64;
    cfg.warm_mapped_file = 0;
    cfg.disk_warning_ratio = 99;
    if (store_open(&cfg, &s) != MQ_OK)
        exit(1);
    fill(s);
    store_close(s);

    memset(f, 0, sizeof(*f));
    snprintf(path, sizeof(path), "%s/commitlog/%020d", dir, 0);
    f->n_cl = fz_trim(f->cl, fz_read_file(path, f->cl, sizeof(f->cl)));
    snprintf(path, sizeof(path), "%s/consumequeue/%s/0/%020d", dir, FZ_TOPIC, 0);
    f->n_cq = fz_trim(f->cq, fz_read_file(path, f->cq, sizeof(f->cq)));
    snprintf(path, sizeof(path), "%s/checkpoint", dir);
    f->n_ck = fz_read_file(path, f->ck, sizeof(f->ck));
    mq_test_rmtree(dir);
}

static void
fz_fill_small(store_t *s)
{
    for (int i = 0; i < 24; i++)
        fz_put(s, FZ_TOPIC, i % 3 == 2 ? 1 : 0, 10 + (size_t)i * 37, i);
}

static void
fz_fill_rolled(store_t *s)
{
    /* ~5.9 KB records: the 11th does not fit in 64 KiB and closes the segment with a filler;
     * the first segment then holds about 59 KiB. */
    for (int i = 0; i < 12; i++)
        fz_put(s, FZ_TOPIC, 0, 5800, i);
}

static void
fz_fill_v2(store_t *s)
{
    char longtopic[201];
    memset(longtopic, 'L', 200);
    longtopic[200] = '\0';
    for (int i = 0; i < 9; i++)
        fz_put(s, i % 3 == 1 ? longtopic : FZ_TOPIC, 0, 40, i);
}

static void
fz_write_seed(const char *outdir, const char *name, uint8_t flags, const fz_files_t *f, size_t n_cl,
              int with_cq, int with_ck)
{
    char path[1024];
    uint8_t hdr[5];
    FILE *out;
    size_t n_cq = with_cq ? f->n_cq : 0;

    hdr[0] = flags | (with_cq ? FZ_CQ : 0) | (with_ck ? FZ_CKPT : 0);
    mq_store_be16(hdr + 1, (uint16_t)n_cl);
    mq_store_be16(hdr + 3, (uint16_t)n_cq);
    snprintf(path, sizeof(path), "%s/%s", outdir, name);
    out = fopen(path, "wb");
    if (!out) {
        perror(path);
        exit(1);
    }
    fwrite(hdr, 1, sizeof(hdr), out);
    fwrite(f->cl, 1, n_cl, out);
    if (n_cq)
        fwrite(f->cq, 1, n_cq, out);
    if (with_ck)
        fwrite(f->ck, 1, f->n_ck, out);
    fclose(out);
    printf("%s: %zu bytes\n", path, sizeof(hdr) + n_cl + n_cq + (with_ck ? f->n_ck : 0));
}

int
main(int argc, char **argv)
{
    static fz_files_t small, rolled, v2;
    mq_msg_t m;
    size_t last = 0, pos = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_store_seeds <output dir>\n");
        return 2;
    }
    mq_log_set_level(MQ_LOG_WARN);
    fz_mkdirs(argv[1]);
    fz_make_store(fz_fill_small, &small);
    fz_make_store(fz_fill_rolled, &rolled);
    fz_make_store(fz_fill_v2, &v2);

    /* Where the last record of `small` starts: cut it in half for torn_tail. */
    while (pos < small.n_cl &&
           mq_msg_record_decode(small.cl + pos, small.n_cl - pos, &m) == MQ_OK) {
        last = pos;
        pos += (size_t)m.store_size;
    }

    fz_write_seed(argv[1], "clean_full.bin", 0, &small, small.n_cl, 1, 1);
    fz_write_seed(argv[1], "abort_walk.bin", FZ_ABORT, &small, small.n_cl, 0, 0);
    fz_write_seed(argv[1], "abort_ckpt.bin", FZ_ABORT | FZ_NO_CRC | FZ_SYNC, &small, small.n_cl, 1,
                  1);
    fz_write_seed(argv[1], "torn_tail.bin", FZ_ABORT | FZ_SYNC, &small, last + (pos - last) / 2, 1,
                  0);
    fz_write_seed(argv[1], "odd_size.bin", FZ_ABORT | FZ_NO_PAD, &small, pos, 0, 0);
    fz_write_seed(argv[1], "rolled.bin", FZ_ABORT | FZ_SYNC, &rolled, rolled.n_cl, 0, 1);
    fz_write_seed(argv[1], "v2_topic.bin", FZ_ABORT, &v2, v2.n_cl, 0, 0);
    return 0;
}
