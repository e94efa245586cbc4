/* SPDX-License-Identifier: Apache-2.0
 *
 * store_inspect.c -- mqstoreinspect, a read-only dump of a store directory: CommitLog records,
 * ConsumeQueue entries, IndexFile headers and key chains, and the checkpoint, in the layouts
 * described in broker/store/store_int.h, store_cq.c, store_index.c and store_checkpoint.c.
 *
 * It is not a client of the store: it never calls store_open(), takes no lock, and opens every
 * file O_RDONLY and maps it PROT_READ, so it can look at the store of a running broker (the
 * broker's page cache is what it reads) and can never change a byte. Every byte is untrusted:
 * records go through the bounds-checked mq_msg_record_decode(), every length and chain link is
 * checked against the file before it is followed, and a file that shrinks under the mapping
 * (SIGBUS) ends the command with a message instead of a crash. At the first bytes that are not
 * a record it stops and says where (offset and file), with exit status 3.
 *
 * Subcommands: commitlog, cq, index, checkpoint (see insp_usage()).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "mq/common.h"
#include "mq/crc.h"
#include "mq/msg.h"
#include "mq/rd.h"

#define INSP_EXIT_OK 0
#define INSP_EXIT_IO 1 /* cannot read the directory or a file */
#define INSP_EXIT_USAGE 2
#define INSP_EXIT_CORRUPT 3 /* bytes that are not what the layout says */

#define INSP_CQ_UNIT 20
#define INSP_IX_HEADER 40
#define INSP_IX_ENTRY 20

/* ---- Usage ---- */

static void
insp_usage(FILE *f)
{
    fprintf(f, "usage: mqstoreinspect SUBCOMMAND DIR [options]   (DIR = the store root)\n"
               "  commitlog DIR [--from OFFSET] [--limit N] [--body]\n"
               "        one line per record and BLANK filler; stops at the first invalid bytes\n"
               "  cq DIR TOPIC QID [--from N] [--limit N] [--check]\n"
               "        ConsumeQueue entries and min/max logical offsets; --check compares each\n"
               "        entry with the CommitLog record it points at\n"
               "  index DIR [--key TOPIC#KEY] [--slots N] [--entries N]\n"
               "        index file headers; --key walks that key's hash chain in each file\n"
               "        (--slots/--entries: maxHashSlotNum/maxIndexNum, default 5000000/20000000)\n"
               "  checkpoint DIR\n"
               "        the checkpoint fields and the abort marker\n"
               "Read-only (O_RDONLY, PROT_READ; no lock taken): safe on a running broker's store.\n"
               "Exit status: 0 ok, 1 cannot read, 2 usage, 3 invalid data found.\n");
}

/* ---- Read-only mappings, guarded against SIGBUS ---- */

static sigjmp_buf insp_jmp;
static volatile sig_atomic_t insp_jmp_armed;
static const char *volatile insp_cur_path; /* file being read, for the SIGBUS message */

static void
insp_on_sigbus(int sig)
{
    if (insp_jmp_armed)
        siglongjmp(insp_jmp, 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* One file mapped PROT_READ; p is NULL for an empty file. */
typedef struct insp_map_s {
    const uint8_t *p; /* mapping of the whole file */
    int64_t size;     /* file size at open */
    char *path;       /* owned, for messages */
} insp_map_t;

/* Maps path read-only. Returns 0, or -1 with a message on stderr. */
static int
insp_map_open(const char *path, insp_map_t *m)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    memset(m, 0, sizeof(*m));
    if (fd < 0) {
        fprintf(stderr, "mqstoreinspect: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "mqstoreinspect: %s is not a regular file\n", path);
        close(fd);
        return -1;
    }
    m->size = (int64_t)st.st_size;
    m->path = mq_xstrdup(path);
    if (m->size > 0) {
        void *p = mmap(NULL, (size_t)m->size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            fprintf(stderr, "mqstoreinspect: cannot map %s: %s\n", path, strerror(errno));
            close(fd);
            free(m->path);
            m->path = NULL;
            return -1;
        }
        m->p = p;
    }
    close(fd);
    insp_cur_path = m->path;
    return 0;
}

static void
insp_map_close(insp_map_t *m)
{
    if (m->p)
        munmap((void *)m->p, (size_t)m->size);
    free(m->path);
    memset(m, 0, sizeof(*m));
}

/* ---- Directory listings ---- */

/* A file named by a number: CommitLog/ConsumeQueue segments (20 digits) or index files
 * (17 digits, a timestamp). */
typedef struct insp_file_s {
    int64_t start; /* the number in the name */
    int64_t size;  /* bytes, from stat */
    char *name;    /* owned */
} insp_file_t;

typedef struct insp_dir_s {
    char path[1100]; /* the directory */
    insp_file_t *v;  /* ascending by name */
    int n;           /* files */
} insp_dir_t;

static int
insp_file_cmp(const void *a, const void *b)
{
    const insp_file_t *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* Lists the files of dir whose names are `digits` decimal digits, sorted by name (which is
 * numeric order at a fixed width). Other names are mentioned on stderr unless quiet. Returns
 * 0, or -1 if the directory cannot be read (message printed). */
static int
insp_dir_list(insp_dir_t *d, const char *dir, int digits, int quiet)
{
    DIR *dp;
    struct dirent *e;
    int cap = 0;

    memset(d, 0, sizeof(*d));
    snprintf(d->path, sizeof(d->path), "%s", dir);
    dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "mqstoreinspect: cannot read directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(dp)) != NULL) {
        char full[1400];
        struct stat st;
        int64_t v = 0;
        int ok = (int)strlen(e->d_name) == digits;
        if (e->d_name[0] == '.')
            continue;
        for (int i = 0; ok && i < digits; i++) {
            if (!isdigit((unsigned char)e->d_name[i]) || v > (INT64_MAX - 9) / 10)
                ok = 0;
            else
                v = v * 10 + (e->d_name[i] - '0');
        }
        snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
        if (ok && (stat(full, &st) != 0 || !S_ISREG(st.st_mode)))
            ok = 0;
        if (!ok) {
            if (!quiet)
                fprintf(stderr, "mqstoreinspect: note: ignoring %s (not a %d-digit file name)\n",
                        full, digits);
            continue;
        }
        if (d->n == cap) {
            cap = cap ? cap * 2 : 16;
            d->v = mq_xrealloc(d->v, (size_t)cap * sizeof(*d->v));
        }
        d->v[d->n].start = v;
        d->v[d->n].size = (int64_t)st.st_size;
        d->v[d->n].name = mq_xstrdup(e->d_name);
        d->n++;
    }
    closedir(dp);
    if (d->n > 1)
        qsort(d->v, (size_t)d->n, sizeof(*d->v), insp_file_cmp);
    return 0;
}

static void
insp_dir_free(insp_dir_t *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->v[i].name);
    free(d->v);
    memset(d, 0, sizeof(*d));
}

/* Full path of file i (a name too long for buf yields a path that fails to open). */
static void
insp_dir_file_path(const insp_dir_t *d, int i, char *buf, size_t len)
{
    if (snprintf(buf, len, "%s/%s", d->path, d->v[i].name) >= (int)len)
        buf[0] = '\0';
}

/* ---- Formatting ---- */

/* Prints bytes with non-printable ones escaped; in properties mode \x01 and \x02 print as '='
 * and ';' (name=value;). */
static void
insp_print_escaped(const char *p, size_t n, int props)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (props && ch == MQ_PROP_NAME_SEP)
            putchar('=');
        else if (props && ch == MQ_PROP_PAIR_SEP)
            putchar(';');
        else if (ch == '\\')
            fputs("\\\\", stdout);
        else if (ch == '\n')
            fputs("\\n", stdout);
        else if (ch == '\r')
            fputs("\\r", stdout);
        else if (ch == '\t')
            fputs("\\t", stdout);
        else if (ch < 0x20 || ch >= 0x7f)
            printf("\\x%02x", ch);
        else
            putchar(ch);
    }
}

static void
insp_print_host(const mq_host_t *h)
{
    char buf[INET6_ADDRSTRLEN];
    if (h->v6 && inet_ntop(AF_INET6, h->addr, buf, sizeof(buf)))
        printf("[%s]:%d", buf, (int)h->port);
    else if (!h->v6 && inet_ntop(AF_INET, h->addr, buf, sizeof(buf)))
        printf("%s:%d", buf, (int)h->port);
    else
        printf("?:%d", (int)h->port);
}

/* Formats a millisecond timestamp as local time, or "-" when it is not a plausible one. */
static const char *
insp_time(int64_t ms, char *buf, size_t len)
{
    struct tm tm;
    time_t sec;
    size_t n;

    if (ms <= 0 || ms > (int64_t)253402300799000) { /* after 9999-12-31 */
        snprintf(buf, len, "-");
        return buf;
    }
    sec = (time_t)(ms / 1000);
    if (!localtime_r(&sec, &tm)) {
        snprintf(buf, len, "-");
        return buf;
    }
    n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03d", (int)(ms % 1000));
    return buf;
}

static void
insp_hexdump(const uint8_t *p, int64_t avail)
{
    int64_t n = MQ_MIN(avail, 32);
    printf("  bytes:");
    for (int64_t i = 0; i < n; i++)
        printf(" %02x", p[i]);
    printf("%s\n", n < avail ? " ..." : "");
}

/* ---- Number options ---- */

static int
insp_parse_i64(const char *s, const char *what, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < min || v > max) {
        fprintf(stderr, "mqstoreinspect: %s: expected a number in [%" PRId64 ", %" PRId64 "]: %s\n",
                what, min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* ---- CommitLog access by offset (for cq --check and index --key) ---- */

typedef struct insp_cl_s {
    insp_dir_t dir; /* commitlog/ */
    int listed;     /* dir was read */
    int cur;        /* index of the mapped segment, -1 for none */
    insp_map_t map; /* the mapped segment */
} insp_cl_t;

static void
insp_cl_init(insp_cl_t *cl, const char *root)
{
    char path[1100];
    memset(cl, 0, sizeof(*cl));
    cl->cur = -1;
    snprintf(path, sizeof(path), "%s/commitlog", root);
    cl->listed = insp_dir_list(&cl->dir, path, 20, 1) == 0;
}

static void
insp_cl_fini(insp_cl_t *cl)
{
    if (cl->cur >= 0)
        insp_map_close(&cl->map);
    if (cl->listed)
        insp_dir_free(&cl->dir);
}

/* Decodes the record at CommitLog offset phys into m (views into the mapping, valid until the
 * next call). Returns NULL on success or a static reason. */
static const char *
insp_cl_record(insp_cl_t *cl, int64_t phys, mq_msg_t *m)
{
    int i;
    int64_t rel;
    int rc;

    if (!cl->listed)
        return "commitlog/ is unreadable";
    for (i = cl->dir.n - 1; i >= 0; i--)
        if (cl->dir.v[i].start <= phys)
            break;
    if (i < 0 || phys - cl->dir.v[i].start >= cl->dir.v[i].size)
        return "no CommitLog segment holds this offset";
    if (cl->cur != i) {
        char path[1400];
        if (cl->cur >= 0)
            insp_map_close(&cl->map);
        cl->cur = -1;
        insp_dir_file_path(&cl->dir, i, path, sizeof(path));
        if (insp_map_open(path, &cl->map) != 0)
            return "cannot map the CommitLog segment";
        cl->cur = i;
    }
    rel = phys - cl->dir.v[i].start;
    if (rel >= cl->map.size)
        return "offset past the end of its segment";
    rc = mq_msg_record_decode(cl->map.p + rel, (size_t)(cl->map.size - rel), m);
    if (rc == MQ_DECLINED)
        return "a BLANK filler, not a record";
    if (rc == MQ_AGAIN)
        return "a record that runs past the end of its segment";
    if (rc != MQ_OK)
        return "not a record (bad magic or lengths)";
    if (m->phys_offset != phys)
        return "a record whose PHYSICALOFFSET is another offset";
    return NULL;
}

/* Returns 1 if the record's KEYS (space-separated) or UNIQ_KEY holds key. */
static int
insp_record_has_key(const mq_msg_t *m, mq_str_t key)
{
    mq_str_t v;
    if (mq_props_get(m->props, MQ_PROP_UNIQ_KEY, &v) && mq_str_eq(v, key))
        return 1;
    if (!mq_props_get(m->props, MQ_PROP_KEYS, &v))
        return 0;
    while (v.n) {
        const char *sp = memchr(v.p, ' ', v.n);
        size_t len = sp ? (size_t)(sp - v.p) : v.n;
        if (mq_str_eq((mq_str_t){v.p, len}, key))
            return 1;
        if (!sp)
            break;
        v.p = sp + 1;
        v.n -= len + 1;
    }
    return 0;
}

/* ---- commitlog ---- */

static void
insp_print_record(int64_t pos, const mq_msg_t *m, int body)
{
    int crc_ok = mq_msg_body_crc_ok(m);

    printf("%" PRId64 " size=%d topic=", pos, (int)m->store_size);
    insp_print_escaped(m->topic.p, m->topic.n, 0);
    printf(" qid=%d qoff=%" PRId64 " sysflag=0x%x born=%" PRId64 " store=%" PRId64 " bornhost=",
           (int)m->queue_id, m->queue_offset, (unsigned)m->sys_flag, m->born_ts, m->store_ts);
    insp_print_host(&m->born_host);
    printf(" storehost=");
    insp_print_host(&m->store_host);
    if (m->flag)
        printf(" flag=%d", (int)m->flag);
    if (m->reconsume_times)
        printf(" reconsume=%d", (int)m->reconsume_times);
    if (m->prepared_tx_offset)
        printf(" preparedTxOffset=%" PRId64, m->prepared_tx_offset);
    printf(" body=%zu crc=%s props=", m->body.n, crc_ok ? "OK" : "BAD");
    insp_print_escaped(m->props.p, m->props.n, 1);
    putchar('\n');
    if (body) {
        printf("    body: ");
        insp_print_escaped(m->body.p, m->body.n, 0);
        putchar('\n');
    }
}

typedef struct insp_cl_walk_s {
    int64_t records; /* records printed */
    int64_t blanks;  /* BLANK fillers printed */
    int64_t bad_crc; /* records whose body CRC is wrong */
    int64_t limit;   /* lines to print, 0 = all */
    int body;        /* --body */
    int64_t from;    /* --from (to hint when it is not a record start) */
} insp_cl_walk_t;

/* Reports the first invalid bytes and returns INSP_EXIT_CORRUPT. */
static int insp_cl_stop(const insp_cl_walk_t *w, const insp_map_t *m, int64_t start, int64_t rel,
                        int last_seg, const char *fmt, ...) MQ_PRINTF(6, 7);

static int
insp_cl_stop(const insp_cl_walk_t *w, const insp_map_t *m, int64_t start, int64_t rel, int last_seg,
             const char *fmt, ...)
{
    va_list ap;
    printf("STOP: invalid bytes at CommitLog offset %" PRId64 " (%s, byte %" PRId64 "): ",
           start + rel, m->path, rel);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    insp_hexdump(m->p + rel, m->size - rel);
    if (start + rel == w->from && w->records == 0 && w->blanks == 0)
        printf("  (or --from %" PRId64 " is not a record start)\n", w->from);
    else if (last_seg)
        printf("  (this is the last segment: if a broker is appending right now, this may be "
               "a record being written)\n");
    fflush(stdout);
    fprintf(stderr, "mqstoreinspect: invalid CommitLog bytes at offset %" PRId64 " in %s\n",
            start + rel, m->path);
    return INSP_EXIT_CORRUPT;
}

/* Counts the segments after i that start with zeros (allocated ahead, never written) and
 * returns the index of the first one holding data, or -1. */
static int
insp_cl_later_data(const insp_dir_t *d, int i, int *empty)
{
    *empty = 0;
    for (int j = i + 1; j < d->n; j++) {
        char path[1400];
        insp_map_t m;
        int zero;
        insp_dir_file_path(d, j, path, sizeof(path));
        if (insp_map_open(path, &m) != 0)
            continue;
        zero = m.size < 8 || (mq_load_be32(m.p) == 0 && mq_load_be32(m.p + 4) == 0);
        insp_map_close(&m);
        if (!zero)
            return j;
        (*empty)++;
    }
    return -1;
}

/* Walks segment i from relative offset rel. Returns 0 to go on with the next segment, 1 when
 * the walk is over (end of data or limit), or INSP_EXIT_CORRUPT. */
static int
insp_cl_walk_seg(insp_cl_walk_t *w, const insp_dir_t *d, int i, int64_t rel)
{
    char path[1400];
    insp_map_t m;
    int64_t start = d->v[i].start;
    int last = i == d->n - 1;
    int ret = 0;

    insp_dir_file_path(d, i, path, sizeof(path));
    if (insp_map_open(path, &m) != 0)
        return INSP_EXIT_IO;
    printf("== %s: offsets %" PRId64 "..%" PRId64 " (%" PRId64 " bytes)\n", path, start,
           start + m.size, m.size);
    if (m.p)
        (void)madvise((void *)m.p, (size_t)m.size, MADV_SEQUENTIAL);
    while (rel < m.size) {
        const uint8_t *p = m.p + rel;
        int64_t left = m.size - rel;
        mq_msg_t msg;
        int rc;

        if (w->limit && w->records + w->blanks >= w->limit) {
            printf("-- limit reached; next offset %" PRId64 "\n", start + rel);
            ret = 1;
            break;
        }
        if (left < 8) {
            ret = insp_cl_stop(w, &m, start, rel, last,
                               "%" PRId64 " bytes left in the segment: "
                               "too few for a record or a BLANK filler",
                               left);
            break;
        }
        if (mq_load_be32(p) == 0 && mq_load_be32(p + 4) == 0) {
            int empty, j = last ? -1 : insp_cl_later_data(d, i, &empty);
            if (j >= 0) {
                ret = insp_cl_stop(w, &m, start, rel, last,
                                   "zero bytes, but the later segment "
                                   "%s holds data (a hole in the log)",
                                   d->v[j].name);
                break;
            }
            printf("-- end of data at offset %" PRId64 " (zero bytes follow in %s", start + rel,
                   m.path);
            if (!last)
                printf("; %d later segment(s) allocated ahead, still empty", empty);
            printf(")\n");
            ret = 1;
            break;
        }
        rc = mq_msg_record_decode(p, (size_t)left, &msg);
        if (rc == MQ_DECLINED) {
            if (msg.store_size != left) {
                ret = insp_cl_stop(w, &m, start, rel, last,
                                   "BLANK filler of %d bytes, but %" PRId64
                                   " bytes remain in the segment",
                                   (int)msg.store_size, left);
                break;
            }
            printf("%" PRId64 " BLANK size=%d (end of segment)\n", start + rel,
                   (int)msg.store_size);
            w->blanks++;
            rel = m.size;
            break;
        }
        if (rc == MQ_AGAIN) {
            ret = insp_cl_stop(w, &m, start, rel, last,
                               "TOTALSIZE %d runs past the end of the "
                               "segment (%" PRId64 " bytes left)",
                               (int)mq_load_be32(p), left);
            break;
        }
        if (rc != MQ_OK) {
            int32_t magic = (int32_t)mq_load_be32(p + 4);
            if (magic != MQ_MSG_MAGIC_V1 && magic != MQ_MSG_MAGIC_V2)
                ret = insp_cl_stop(w, &m, start, rel, last,
                                   "MAGICCODE 0x%08x is neither a "
                                   "record (0x%08x/0x%08x) nor BLANK (0x%08x)",
                                   (unsigned)magic, (unsigned)MQ_MSG_MAGIC_V1,
                                   (unsigned)MQ_MSG_MAGIC_V2, (unsigned)MQ_MSG_BLANK_MAGIC);
            else if ((int32_t)mq_load_be32(p) < MQ_MSG_MIN_SIZE)
                ret = insp_cl_stop(w, &m, start, rel, last,
                                   "TOTALSIZE %d is smaller than any "
                                   "record (%d)",
                                   (int)mq_load_be32(p), MQ_MSG_MIN_SIZE);
            else
                ret = insp_cl_stop(w, &m, start, rel, last,
                                   "record fields disagree with "
                                   "TOTALSIZE %d (%s)",
                                   (int)mq_load_be32(p), mq_err_name(rc));
            break;
        }
        if (msg.phys_offset != start + rel) {
            ret = insp_cl_stop(w, &m, start, rel, last, "record says PHYSICALOFFSET %" PRId64,
                               msg.phys_offset);
            break;
        }
        insp_print_record(start + rel, &msg, w->body);
        w->records++;
        if (!mq_msg_body_crc_ok(&msg))
            w->bad_crc++;
        rel += msg.store_size;
    }
    if (ret == 0 && rel >= m.size && last)
        ret = 1;
    insp_map_close(&m);
    return ret;
}

/* Checks that exactly `need` positional arguments follow the options; returns them. */
static const char **
insp_positionals(int argc, char **argv, int need)
{
    if (argc - optind != need) {
        insp_usage(stderr);
        return NULL;
    }
    return (const char **)(argv + optind);
}

static int
insp_cmd_commitlog(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"limit", required_argument, NULL, 'l'},
        {"body", no_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    insp_cl_walk_t w;
    insp_dir_t d;
    const char **pos_args;
    char path[1100];
    int64_t pos;
    int have_from = 0, ch, i, ret = 0;

    memset(&w, 0, sizeof(w));
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (insp_parse_i64(optarg, "--from", 0, INT64_MAX, &w.from))
                return INSP_EXIT_USAGE;
            have_from = 1;
            break;
        case 'l':
            if (insp_parse_i64(optarg, "--limit", 1, INT64_MAX, &w.limit))
                return INSP_EXIT_USAGE;
            break;
        case 'b':
            w.body = 1;
            break;
        default:
            return INSP_EXIT_USAGE;
        }
    }
    if (!(pos_args = insp_positionals(argc, argv, 1)))
        return INSP_EXIT_USAGE;
    snprintf(path, sizeof(path), "%s/commitlog", pos_args[0]);
    if (insp_dir_list(&d, path, 20, 0) != 0)
        return INSP_EXIT_IO;
    if (d.n == 0) {
        printf("no CommitLog segments in %s\n", path);
        insp_dir_free(&d);
        return INSP_EXIT_OK;
    }
    pos = have_from ? w.from : d.v[0].start;
    w.from = pos;
    for (i = d.n - 1; i >= 0 && d.v[i].start > pos; i--)
        ;
    if (i < 0) {
        printf("offset %" PRId64 " is below the first segment (%" PRId64 "): older data was "
               "deleted\n",
               pos, d.v[0].start);
        insp_dir_free(&d);
        return INSP_EXIT_OK;
    }
    if (pos >= d.v[i].start + d.v[i].size) {
        printf("offset %" PRId64 " is past the end of %s/%s\n", pos, path, d.v[i].name);
        insp_dir_free(&d);
        return INSP_EXIT_OK;
    }
    for (; i < d.n; i++) {
        ret = insp_cl_walk_seg(&w, &d, i, pos - d.v[i].start);
        if (ret != 0)
            break;
        if (i + 1 < d.n && d.v[i + 1].start != d.v[i].start + d.v[i].size) {
            printf("note: %s/%s starts at %" PRId64 ", but the previous segment ends at %" PRId64
                   "\n",
                   path, d.v[i + 1].name, d.v[i + 1].start, d.v[i].start + d.v[i].size);
        }
        if (i + 1 < d.n)
            pos = d.v[i + 1].start;
    }
    if (ret == 1)
        ret = INSP_EXIT_OK;
    printf("-- %" PRId64 " record(s), %" PRId64 " BLANK filler(s), %" PRId64 " with a bad body "
           "CRC\n",
           w.records, w.blanks, w.bad_crc);
    insp_dir_free(&d);
    if (ret == INSP_EXIT_OK && w.bad_crc)
        ret = INSP_EXIT_CORRUPT;
    return ret;
}

/* ---- cq ---- */

static int
insp_cq_empty(const uint8_t *p)
{
    for (int i = 0; i < INSP_CQ_UNIT; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Finds the first (dir > 0) or last (dir < 0) non-empty entry over all files. Returns the
 * logical offset (the last one + 1 for dir < 0), or -1 when every entry is empty. */
static int64_t
insp_cq_bound(const insp_dir_t *d, int dir)
{
    for (int k = 0; k < d->n; k++) {
        int i = dir > 0 ? k : d->n - 1 - k;
        char path[1400];
        insp_map_t m;
        int64_t nent, found = -1;
        if (d->v[i].start % INSP_CQ_UNIT)
            continue;
        insp_dir_file_path(d, i, path, sizeof(path));
        if (insp_map_open(path, &m) != 0)
            continue;
        nent = m.size / INSP_CQ_UNIT;
        if (dir > 0) {
            for (int64_t e = 0; e < nent && found < 0; e++)
                if (!insp_cq_empty(m.p + e * INSP_CQ_UNIT))
                    found = d->v[i].start / INSP_CQ_UNIT + e;
        } else {
            for (int64_t e = nent - 1; e >= 0 && found < 0; e--)
                if (!insp_cq_empty(m.p + e * INSP_CQ_UNIT))
                    found = d->v[i].start / INSP_CQ_UNIT + e + 1;
        }
        insp_map_close(&m);
        if (found >= 0)
            return found;
    }
    return -1;
}

/* Checks a ConsumeQueue entry against the CommitLog record it points at. Returns NULL or a
 * reason (in buf). */
static const char *
insp_cq_check(insp_cl_t *cl, mq_str_t topic, int32_t qid, int64_t n, int64_t phys, int32_t size,
              int64_t tags_code, char *buf, size_t len)
{
    mq_msg_t m;
    mq_str_t tags = MQ_STR_NULL;
    const char *why = insp_cl_record(cl, phys, &m);

    if (why)
        return why;
    if (m.store_size != size)
        snprintf(buf, len, "record size is %d", (int)m.store_size);
    else if (!mq_str_eq(m.topic, topic) || m.queue_id != qid)
        snprintf(buf, len, "record belongs to another queue (qid %d)", (int)m.queue_id);
    else if (m.queue_offset != n)
        snprintf(buf, len, "record's QUEUEOFFSET is %" PRId64, m.queue_offset);
    else if (!mq_str_eq(topic, MQ_STR("SCHEDULE_TOPIC_XXXX")) &&
             (mq_props_get(m.props, MQ_PROP_TAGS, &tags), mq_tags_code(tags) != tags_code))
        snprintf(buf, len, "record's tags hash to %" PRId64, mq_tags_code(tags));
    else
        return NULL;
    return buf;
}

static int
insp_cmd_cq(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"limit", required_argument, NULL, 'l'},
        {"check", no_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    insp_dir_t d;
    insp_cl_t cl;
    insp_map_t m;
    const char **pos_args, *root, *topic;
    char path[1100];
    int64_t qid, from = -1, limit = 0, min, max, printed = 0, bad = 0, fsize;
    int ch, check = 0, cur = -1, ret = INSP_EXIT_OK;

    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (insp_parse_i64(optarg, "--from", 0, INT64_MAX / INSP_CQ_UNIT, &from))
                return INSP_EXIT_USAGE;
            break;
        case 'l':
            if (insp_parse_i64(optarg, "--limit", 1, INT64_MAX, &limit))
                return INSP_EXIT_USAGE;
            break;
        case 'c':
            check = 1;
            break;
        default:
            return INSP_EXIT_USAGE;
        }
    }
    if (!(pos_args = insp_positionals(argc, argv, 3)))
        return INSP_EXIT_USAGE;
    root = pos_args[0];
    topic = pos_args[1];
    if (!topic[0] || strchr(topic, '/') || strcmp(topic, ".") == 0 || strcmp(topic, "..") == 0 ||
        strlen(topic) > MQ_MSG_MAX_TOPIC) {
        fprintf(stderr, "mqstoreinspect: bad topic name: %s\n", topic);
        return INSP_EXIT_USAGE;
    }
    if (insp_parse_i64(pos_args[2], "QID", 0, INT32_MAX, &qid))
        return INSP_EXIT_USAGE;
    snprintf(path, sizeof(path), "%s/consumequeue/%s/%d", root, topic, (int)qid);
    if (insp_dir_list(&d, path, 20, 0) != 0)
        return INSP_EXIT_IO;
    if (d.n == 0) {
        printf("no ConsumeQueue files in %s\n", path);
        insp_dir_free(&d);
        return INSP_EXIT_OK;
    }
    fsize = d.v[0].size;
    for (int i = 0; i < d.n; i++) {
        const insp_file_t *f = &d.v[i];
        if (f->start % INSP_CQ_UNIT || f->size % INSP_CQ_UNIT || f->size != fsize) {
            printf("note: %s/%s: start %" PRId64 " or size %" PRId64 " is not a whole number of "
                   "20-byte entries, or differs from the first file's %" PRId64 "\n",
                   path, f->name, f->start, f->size, fsize);
            ret = INSP_EXIT_CORRUPT;
        }
        if (i + 1 < d.n && d.v[i + 1].start != f->start + f->size)
            printf("note: %s/%s starts at byte %" PRId64 ", the previous file ends at %" PRId64
                   "\n",
                   path, d.v[i + 1].name, d.v[i + 1].start, f->start + f->size);
    }
    min = insp_cq_bound(&d, 1);
    max = insp_cq_bound(&d, -1);
    if (min < 0) {
        printf("ConsumeQueue %s/%d: %d file(s) of %" PRId64 " bytes, no entries\n", topic, (int)qid,
               d.n, fsize);
        insp_dir_free(&d);
        return ret;
    }
    printf("ConsumeQueue %s/%d: %d file(s) of %" PRId64 " bytes; min offset %" PRId64
           ", max offset %" PRId64 " (%" PRId64 " entries)\n",
           topic, (int)qid, d.n, fsize, min, max, max - min);
    if (from < 0)
        from = min;
    if (from >= max)
        printf("-- --from %" PRId64 " is at or past the max offset\n", from);
    if (check)
        insp_cl_init(&cl, root);
    memset(&m, 0, sizeof(m));
    for (int64_t n = from; n < max && (!limit || printed < limit); n++) {
        int64_t pos = n * INSP_CQ_UNIT;
        const uint8_t *p;
        int64_t phys, tags;
        int32_t size;
        if (cur < 0 || pos < d.v[cur].start || pos >= d.v[cur].start + m.size) {
            int i;
            if (cur >= 0)
                insp_map_close(&m);
            cur = -1;
            for (i = d.n - 1; i >= 0 && d.v[i].start > pos; i--)
                ;
            if (i < 0 || d.v[i].start % INSP_CQ_UNIT || pos >= d.v[i].start + d.v[i].size) {
                int64_t next = INT64_MAX;
                for (int j = 0; j < d.n; j++)
                    if (d.v[j].start > pos && d.v[j].start % INSP_CQ_UNIT == 0 &&
                        d.v[j].start < next)
                        next = d.v[j].start;
                if (next == INT64_MAX)
                    break;
                printf("%" PRId64 "..%" PRId64 " (no file)\n", n, next / INSP_CQ_UNIT - 1);
                printed++;
                n = next / INSP_CQ_UNIT - 1;
                continue;
            }
            insp_dir_file_path(&d, i, path, sizeof(path));
            if (insp_map_open(path, &m) != 0) {
                ret = INSP_EXIT_IO;
                break;
            }
            cur = i;
            if (pos >= d.v[cur].start + m.size) {
                printf("-- %s shrank while being read; stop\n", path);
                break;
            }
        }
        p = m.p + (pos - d.v[cur].start);
        printed++;
        if (insp_cq_empty(p)) {
            printf("%" PRId64 " (empty)\n", n);
            continue;
        }
        phys = (int64_t)mq_load_be64(p);
        size = (int32_t)mq_load_be32(p + 8);
        tags = (int64_t)mq_load_be64(p + 12);
        printf("%" PRId64 " phys=%" PRId64 " size=%d tagsCode=%" PRId64, n, phys, (int)size, tags);
        if (phys < 0 || size <= 0) {
            printf(" INVALID");
            bad++;
        } else if (check) {
            char why[128];
            const char *r = insp_cq_check(&cl, mq_str_from_cstr(topic), (int32_t)qid, n, phys, size,
                                          tags, why, sizeof(why));
            if (r) {
                printf(" check=BAD (%s)", r);
                bad++;
            } else {
                printf(" check=OK");
            }
        }
        putchar('\n');
    }
    if (cur >= 0)
        insp_map_close(&m);
    if (check)
        insp_cl_fini(&cl);
    if (bad) {
        printf("-- %" PRId64 " invalid entr%s\n", bad, bad == 1 ? "y" : "ies");
        ret = INSP_EXIT_CORRUPT;
    }
    insp_dir_free(&d);
    return ret;
}

/* ---- index ---- */

typedef struct insp_ix_opts_s {
    int64_t slots;   /* maxHashSlotNum */
    int64_t entries; /* maxIndexNum */
    const char *key; /* "topic#key" or NULL */
} insp_ix_opts_t;

/* Walks the chain of key in one index file. Returns the number of damaged links found. */
static int
insp_ix_walk(const insp_ix_opts_t *o, const insp_map_t *m, insp_cl_t *cl, int32_t key_hash,
             int64_t *matches)
{
    int64_t slot = key_hash % o->slots;
    int64_t entries_at = INSP_IX_HEADER + o->slots * 4;
    int64_t begin = (int64_t)mq_load_be64(m->p);
    int32_t count = (int32_t)mq_load_be32(m->p + 36);
    int32_t cur = (int32_t)mq_load_be32(m->p + INSP_IX_HEADER + slot * 4);
    const char *hash_at = strchr(o->key, '#');
    mq_str_t topic = {o->key, (size_t)(hash_at - o->key)};
    mq_str_t key = mq_str_from_cstr(hash_at + 1);
    int64_t steps = 0;
    char tbuf[64];

    printf("   key %s: keyHash %d, slot %" PRId64 " -> entry %d\n", o->key, (int)key_hash, slot,
           (int)cur);
    while (cur != 0) {
        const uint8_t *e;
        int32_t h, diff, prev;
        int64_t phy;
        if (cur < 0 || cur >= count || cur >= o->entries) {
            printf("   entry %d is outside 1..indexCount-1 (%d): chain damaged or being "
                   "written; stop\n",
                   (int)cur, (int)count - 1);
            return 1;
        }
        if (++steps > o->entries) {
            printf("   chain longer than maxIndexNum: loop; stop\n");
            return 1;
        }
        e = m->p + entries_at + (int64_t)cur * INSP_IX_ENTRY;
        h = (int32_t)mq_load_be32(e);
        phy = (int64_t)mq_load_be64(e + 4);
        diff = (int32_t)mq_load_be32(e + 12);
        prev = (int32_t)mq_load_be32(e + 16);
        printf("   entry %d keyHash=%d%s phyOffset=%" PRId64 " timeDiff=%ds (%s) prev=%d", (int)cur,
               (int)h, h == key_hash ? " (match)" : " (other key)", phy, (int)diff,
               insp_time(begin + (int64_t)diff * 1000, tbuf, sizeof(tbuf)), (int)prev);
        if (h == key_hash) {
            mq_msg_t rec;
            const char *why = insp_cl_record(cl, phy, &rec);
            (*matches)++;
            if (why)
                printf(" record: %s", why);
            else if (!mq_str_eq(rec.topic, topic) || !insp_record_has_key(&rec, key))
                printf(" record: does not carry this key (hash collision)");
            else
                printf(" record: OK qid=%d qoff=%" PRId64 " store=%" PRId64, (int)rec.queue_id,
                       rec.queue_offset, rec.store_ts);
        }
        putchar('\n');
        if (prev != 0 && (prev < 0 || prev >= cur)) {
            printf("   prev %d does not go back: chain damaged; stop\n", (int)prev);
            return 1;
        }
        cur = prev;
    }
    return 0;
}

static int
insp_cmd_index(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"slots", required_argument, NULL, 's'},
        {"entries", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    insp_ix_opts_t o = {5000000, 20000000, NULL};
    insp_dir_t d;
    insp_cl_t cl;
    const char **pos_args, *root;
    char path[1100];
    int64_t expect, matches = 0;
    int32_t key_hash = 0;
    int ch, ret = INSP_EXIT_OK;

    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'k':
            o.key = optarg;
            break;
        case 's':
            if (insp_parse_i64(optarg, "--slots", 1, INT32_MAX, &o.slots))
                return INSP_EXIT_USAGE;
            break;
        case 'e':
            if (insp_parse_i64(optarg, "--entries", 2, INT32_MAX, &o.entries))
                return INSP_EXIT_USAGE;
            break;
        default:
            return INSP_EXIT_USAGE;
        }
    }
    if (!(pos_args = insp_positionals(argc, argv, 1)))
        return INSP_EXIT_USAGE;
    root = pos_args[0];
    if (o.key) {
        const char *h = strchr(o.key, '#');
        int32_t jh;
        if (!h || h == o.key || !h[1]) {
            fprintf(stderr, "mqstoreinspect: --key: expected TOPIC#KEY\n");
            return INSP_EXIT_USAGE;
        }
        /* store_index.c: keyHash = abs(Java hashCode of "topic#key"), 0 for MIN_VALUE. */
        jh = mq_java_hash(mq_str_from_cstr(o.key));
        key_hash = jh == INT32_MIN ? 0 : (jh < 0 ? -jh : jh);
    }
    expect = INSP_IX_HEADER + o.slots * 4 + o.entries * INSP_IX_ENTRY;
    snprintf(path, sizeof(path), "%s/index", root);
    if (insp_dir_list(&d, path, 17, 0) != 0)
        return INSP_EXIT_IO;
    if (d.n == 0)
        printf("no index files in %s\n", path);
    if (o.key)
        insp_cl_init(&cl, root);
    for (int i = 0; i < d.n; i++) {
        insp_map_t m;
        char fpath[1400], t1[64], t2[64];
        int32_t slot_count, count;
        insp_dir_file_path(&d, i, fpath, sizeof(fpath));
        if (insp_map_open(fpath, &m) != 0) {
            ret = INSP_EXIT_IO;
            continue;
        }
        printf("== %s (%" PRId64 " bytes)\n", fpath, m.size);
        if (m.size < INSP_IX_HEADER) {
            printf("   too short for the 40-byte header\n");
            ret = INSP_EXIT_CORRUPT;
            insp_map_close(&m);
            continue;
        }
        slot_count = (int32_t)mq_load_be32(m.p + 32);
        count = (int32_t)mq_load_be32(m.p + 36);
        printf("   beginTimestamp %" PRId64 " (%s)  endTimestamp %" PRId64 " (%s)\n",
               (int64_t)mq_load_be64(m.p), insp_time((int64_t)mq_load_be64(m.p), t1, sizeof(t1)),
               (int64_t)mq_load_be64(m.p + 8),
               insp_time((int64_t)mq_load_be64(m.p + 8), t2, sizeof(t2)));
        printf("   beginPhyOffset %" PRId64 "  endPhyOffset %" PRId64 "\n",
               (int64_t)mq_load_be64(m.p + 16), (int64_t)mq_load_be64(m.p + 24));
        printf("   hashSlotCount %d  indexCount %d (%d entries used)\n", (int)slot_count,
               (int)count, count > 0 ? (int)count - 1 : 0);
        if (m.size != expect) {
            printf("   size differs from 40 + slots*4 + entries*20 = %" PRId64 " (--slots %" PRId64
                   " --entries %" PRId64 "): pass the broker's maxHashSlotNum and "
                   "maxIndexNum\n",
                   expect, o.slots, o.entries);
            ret = INSP_EXIT_CORRUPT;
        } else if (count < 0 || count > o.entries || slot_count < 0 || slot_count > o.slots) {
            printf("   impossible hashSlotCount/indexCount for this geometry\n");
            ret = INSP_EXIT_CORRUPT;
        } else if (o.key && insp_ix_walk(&o, &m, &cl, key_hash, &matches)) {
            ret = INSP_EXIT_CORRUPT;
        }
        insp_map_close(&m);
    }
    if (o.key) {
        printf("-- %" PRId64 " entr%s with keyHash %d for %s\n", matches,
               matches == 1 ? "y" : "ies", (int)key_hash, o.key);
        insp_cl_fini(&cl);
    }
    insp_dir_free(&d);
    return ret;
}

/* ---- checkpoint ---- */

static int
insp_cmd_checkpoint(int argc, char **argv)
{
    static const char *const names[] = {
        "physicMsgTimestamp", "logicsMsgTimestamp", "indexMsgTimestamp", "masterFlushedOffset",
        "confirmPhyOffset",   "logicsPhyOffset",    "indexPhyOffset",
    };
    static const struct option longopts[] = {{NULL, 0, NULL, 0}};
    const char **pos_args, *root;
    char path[1100], tbuf[64];
    uint8_t buf[64];
    struct stat st;
    ssize_t n;
    int fd, ext;

    if (getopt_long(argc, argv, "", longopts, NULL) != -1)
        return INSP_EXIT_USAGE;
    if (!(pos_args = insp_positionals(argc, argv, 1)))
        return INSP_EXIT_USAGE;
    root = pos_args[0];
    snprintf(path, sizeof(path), "%s/checkpoint", root);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "mqstoreinspect: cannot open %s: %s\n", path, strerror(errno));
        return INSP_EXIT_IO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "mqstoreinspect: %s is not a regular file\n", path);
        close(fd);
        return INSP_EXIT_IO;
    }
    n = pread(fd, buf, sizeof(buf), 0);
    close(fd);
    if (n < 0) {
        fprintf(stderr, "mqstoreinspect: cannot read %s: %s\n", path, strerror(errno));
        return INSP_EXIT_IO;
    }
    printf("%s (%lld bytes)\n", path, (long long)st.st_size);
    if (n < 40) {
        printf("STOP: %zd bytes: too short for the 40-byte RocketMQ checkpoint\n", n);
        return INSP_EXIT_CORRUPT;
    }
    ext = n >= 64 && mq_load_be32(buf + 56) == 0x524D5143u;
    for (int i = 0; i < 7; i++) {
        int64_t v;
        if (i >= 5 && !ext)
            break;
        v = (int64_t)mq_load_be64(buf + i * 8);
        printf("  @%-2d %-20s %" PRId64, i * 8, names[i], v);
        if (i < 3)
            printf(" (%s)", insp_time(v, tbuf, sizeof(tbuf)));
        putchar('\n');
    }
    if (ext)
        printf("  @56 magic \"RMQC\" version %u%s\n", (unsigned)mq_load_be32(buf + 60),
               mq_load_be32(buf + 60) == 1 ? "" : " (unknown version: the store ignores @40/@48)");
    else
        printf("  @56 no \"RMQC\" magic: an Apache RocketMQ checkpoint (the store rebuilds every "
               "queue from the start of the CommitLog)\n");
    snprintf(path, sizeof(path), "%s/abort", root);
    printf("  abort marker: %s\n", access(path, F_OK) == 0
                                       ? "present (a broker has the store open, or crashed)"
                                       : "absent (last shutdown was clean)");
    return INSP_EXIT_OK;
}

/* ---- main ---- */

/* Runs one subcommand: argv[0] is the subcommand's name, so getopt_long (which permutes)
 * leaves the positional arguments at argv[optind..]. */
static int
insp_dispatch(int argc, char **argv)
{
    const char *cmd = argv[0];
    if (strcmp(cmd, "commitlog") == 0)
        return insp_cmd_commitlog(argc, argv);
    if (strcmp(cmd, "cq") == 0)
        return insp_cmd_cq(argc, argv);
    if (strcmp(cmd, "index") == 0)
        return insp_cmd_index(argc, argv);
    if (strcmp(cmd, "checkpoint") == 0)
        return insp_cmd_checkpoint(argc, argv);
    fprintf(stderr, "mqstoreinspect: unknown subcommand %s\n", cmd);
    insp_usage(stderr);
    return INSP_EXIT_USAGE;
}

/* insp_dispatch() with SIGBUS turned into an error exit: a file truncated under our mapping
 * (or an I/O error on a mapped page) must not kill the tool. */
static int
insp_guarded(int argc, char **argv)
{
    struct sigaction sa;
    int ret;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = insp_on_sigbus;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
    if (sigsetjmp(insp_jmp, 1)) {
        insp_jmp_armed = 0;
        fflush(stdout);
        fprintf(stderr, "mqstoreinspect: %s shrank or could not be read (SIGBUS); stopped\n",
                insp_cur_path ? insp_cur_path : "a file");
        return INSP_EXIT_IO;
    }
    insp_jmp_armed = 1;
    ret = insp_dispatch(argc, argv);
    insp_jmp_armed = 0;
    return ret;
}

int
main(int argc, char **argv)
{
    int ret;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        insp_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? INSP_EXIT_USAGE : INSP_EXIT_OK;
    }
    ret = insp_guarded(argc - 1, argv + 1);
    if (fflush(stdout) != 0 && ret == INSP_EXIT_OK)
        ret = INSP_EXIT_IO;
    return ret;
}
