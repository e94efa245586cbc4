/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_store_recover.c -- libFuzzer target: recovery and reads over hostile store files. The
 * input becomes the first CommitLog segment (and optionally a ConsumeQueue file and the
 * checkpoint) of a store in a fresh temp dir; the target opens it (recovery walks and
 * dispatches the bytes), pulls every queue with store_get_messages, reads every record with
 * store_read_record, queries a key, appends one message, closes and removes the dir. Any
 * crash, sanitizer report, leak or hang is a finding. It checks no results: that is the job
 * of the unit and crash tests.
 *
 * Input layout (all optional; an input shorter than the header is CommitLog bytes only):
 *
 *   off  size  field
 *     0     1  flags: FZ_ABORT .. FZ_NO_INDEX below
 *     1     2  n_cl  CommitLog bytes that follow (big-endian)
 *     3     2  n_cq  ConsumeQueue bytes after them (used with FZ_CQ)
 *     5  n_cl  CommitLog segment 0, zero-padded to FZ_SEGMENT (unless FZ_NO_PAD)
 *     .  n_cq  consumequeue/FuzzT/0/00000000000000000000, zero-padded to FZ_CQ_FILE
 *     .  rest  checkpoint file (used with FZ_CKPT), written as is
 *
 * Safety of the host: the store refuses topics that are not safe directory names (a '/', "."
 * or ".."), so a hostile topic cannot create directories outside the temp dir; the corpus has
 * inputs that try.
 *
 * Resources: the process runs with at most FZ_NOFILE open files, so an input that made the
 * store open files without bound would fail fast instead of slowly filling the corpus.
 *
 * Build: CC=clang-14 cmake -S . -B build-fuzz -DMQ_FUZZ=ON -DBUILD_TESTING=OFF
 * Run:   build-fuzz/broker/store/fuzz/fuzz_store_recover -max_total_time=60 <corpus copy>
 * Seeds: broker/store/fuzz/corpus/fuzz_store_recover/ (made by fuzz_store_seeds.c).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq/log.h"
#include "mq/msg.h"
#include "mq/rd.h"
#include "mq/store.h"
#include "mq_test.h"

#define FZ_SEGMENT (64 * 1024) /* mappedFileSizeCommitLog of the fuzzed store */
#define FZ_CQ_FILE (20 * 64)   /* mappedFileSizeConsumeQueue */
#define FZ_HEADER 5
#define FZ_TOPIC "FuzzT"
#define FZ_PULL_BATCH 16
#define FZ_MAX_QUEUES 64
#define FZ_NOFILE 256 /* RLIMIT_NOFILE of the fuzzing process */

#define FZ_ABORT 0x01    /* leave an `abort` marker: abnormal recovery */
#define FZ_SYNC 0x02     /* SYNC_FLUSH (else ASYNC_FLUSH) */
#define FZ_NO_CRC 0x04   /* checkCRCOnRecover=false */
#define FZ_NO_PAD 0x08   /* the segment file is exactly n_cl bytes long */
#define FZ_CQ 0x10       /* write the ConsumeQueue file */
#define FZ_CKPT 0x20     /* write the checkpoint file */
#define FZ_NO_INDEX 0x40 /* messageIndexEnable=false */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct fz_queue_s {
    mq_str_t topic; /* heap copy (hostile topics may hold NULs or be 32 KiB long) */
    int32_t qid;    /* queue id */
} fz_queue_t;

typedef struct fz_queues_s {
    fz_queue_t *q;
    int n;
} fz_queues_t;

static char fz_base[256]; /* parent of the per-input directories */

static uint16_t
fz_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static void
fz_log_discard(mq_log_level_t level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)line;
    (void)len;
    (void)arg;
}

static void
fz_cleanup(void)
{
    rmdir(fz_base);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    struct stat st;
    struct rlimit rl;
    (void)argc;
    (void)argv;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > FZ_NOFILE) {
        rl.rlim_cur = FZ_NOFILE;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getenv("MQ_FUZZ_LOG"))
        mq_log_set_level(MQ_LOG_DEBUG);
    else
        mq_log_set_sink(fz_log_discard, NULL); /* recovery logs every hostile byte it meets */
    /* tmpfs keeps the store's fsyncs cheap; the dir is unique to this process. */
    if (!tmp || !*tmp)
        tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                  ? "/dev/shm"
                  : "/tmp";
    snprintf(fz_base, sizeof(fz_base), "%s/fuzz-store-XXXXXX", tmp);
    if (!mkdtemp(fz_base))
        abort();
    atexit(fz_cleanup);
    return 0;
}

static int
fz_write_file(const char *path, const uint8_t *p, size_t n, size_t pad_to)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ok;
    if (fd < 0)
        return -1;
    ok = n == 0 || write(fd, p, n) == (ssize_t)n;
    if (ok && pad_to > n)
        ok = ftruncate(fd, (off_t)pad_to) == 0;
    close(fd);
    return ok ? 0 : -1;
}

static void
fz_collect_queue(void *arg, mq_str_t topic, int32_t qid)
{
    fz_queues_t *qs = arg;
    fz_queue_t *q;
    if (qs->n >= FZ_MAX_QUEUES)
        return;
    q = &qs->q[qs->n++];
    q->topic.p = mq_str_dup(topic);
    q->topic.n = topic.n;
    q->qid = qid;
}

/* Pulls a whole queue and reads each record again by its offset. */
static void
fz_read_queue(store_t *s, const fz_queue_t *q)
{
    mq_str_t topic = q->topic;
    int64_t off = store_min_offset(s, topic, q->qid);
    int64_t max = store_max_offset(s, topic, q->qid);
    store_slice_t sl[FZ_PULL_BATCH];

    for (int rounds = 0; off < max && rounds < 64; rounds++) {
        store_get_result_t r;
        store_cq_entry_t e;
        if (store_get_messages(s, topic, q->qid, off, FZ_PULL_BATCH, 1 << 20, NULL, sl, &r) !=
            MQ_OK)
            break;
        for (int i = 0; i < r.count; i++) {
            store_slice_t again;
            mq_msg_t m;
            if (mq_msg_record_decode(sl[i].p, sl[i].len, &m) == MQ_OK)
                (void)mq_msg_body_crc_ok(&m);
            if (store_read_record(s, sl[i].offset, &again) == MQ_OK)
                store_slice_release(&again);
            store_slice_release(&sl[i]);
        }
        (void)store_cq_get(s, topic, q->qid, off, &e);
        if (r.next_offset <= off)
            off++; /* a hole or a bad entry: step over it */
        else
            off = r.next_offset;
    }
    (void)store_offset_by_time(s, topic, q->qid, 0, STORE_BOUNDARY_LOWER);
    (void)store_offset_by_time(s, topic, q->qid, INT64_MAX, STORE_BOUNDARY_UPPER);
    (void)store_earliest_time(s, topic, q->qid);
}

/* Follows the CommitLog record by record with store_read_record. */
static void
fz_walk_log(store_t *s)
{
    store_stats_t st;
    int64_t pos;
    store_get_stats(s, &st);
    pos = st.commitlog_min;
    for (int i = 0; i < 4096 && pos < st.commitlog_max; i++) {
        store_slice_t sl;
        if (store_read_record(s, pos, &sl) != MQ_OK)
            break;
        pos += sl.len;
        store_slice_release(&sl);
    }
}

static void
fz_exercise(store_t *s)
{
    fz_queues_t qs = {mq_xcalloc(FZ_MAX_QUEUES, sizeof(fz_queue_t)), 0};
    int64_t offs[8];
    mq_msg_t m;
    char status[256];

    store_foreach_queue(s, fz_collect_queue, &qs);
    for (int i = 0; i < qs.n; i++) {
        fz_read_queue(s, &qs.q[i]);
        free((char *)qs.q[i].topic.p);
    }
    free(qs.q);
    fz_walk_log(s);
    (void)store_query_by_key(s, MQ_STR(FZ_TOPIC), MQ_STR("k1"), 8, 0, INT64_MAX, offs);
    (void)store_query_by_uniq_key(s, MQ_STR(FZ_TOPIC), MQ_STR("0123456789ABCDEF0123456789ABCDEF"),
                                  offs);
    store_status_text(s, status, sizeof(status));

    memset(&m, 0, sizeof(m));
    m.topic = MQ_STR(FZ_TOPIC);
    m.body = MQ_STR("after recovery");
    m.props = MQ_STR("KEYS\001k1\002UNIQ_KEY\0010123456789ABCDEF0123456789ABCDEF\002");
    m.born_ts = 1;
    m.born_host = (mq_host_t){{127, 0, 0, 1}, 1, 0};
    if (store_put_wait(s, &m, 1) == MQ_OK) {
        store_slice_t sl;
        store_wait_dispatched(s);
        if (store_read_record(s, m.phys_offset, &sl) == MQ_OK)
            store_slice_release(&sl);
        fz_read_queue(s, &(fz_queue_t){MQ_STR(FZ_TOPIC), 0});
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned long iteration;
    char root[512], path[1024];
    const uint8_t *cl = data, *cq = NULL, *ck = NULL;
    size_t n_cl = size, n_cq = 0, n_ck = 0;
    uint8_t flags = 0, *seg;
    store_config_t cfg;
    store_t *s = NULL;

    if (size >= FZ_HEADER) {
        flags = data[0];
        n_cl = MQ_MIN((size_t)fz_be16(data + 1), size - FZ_HEADER);
        cl = data + FZ_HEADER;
        if (flags & FZ_CQ) {
            cq = cl + n_cl;
            n_cq = MQ_MIN((size_t)fz_be16(data + 3), size - FZ_HEADER - n_cl);
        }
        if (flags & FZ_CKPT) {
            ck = cl + n_cl + n_cq;
            n_ck = size - FZ_HEADER - n_cl - n_cq;
        }
    }
    n_cl = MQ_MIN(n_cl, (size_t)FZ_SEGMENT);
    n_cq = MQ_MIN(n_cq, (size_t)FZ_CQ_FILE);
    n_ck = MQ_MIN(n_ck, (size_t)4096);

    snprintf(root, sizeof(root), "%s/s%lu", fz_base, iteration++);
    snprintf(path, sizeof(path), "%s/commitlog", root);
    if (mkdir(root, 0755) != 0 || mkdir(path, 0755) != 0)
        abort();
    seg = calloc(1, FZ_SEGMENT);
    if (!seg)
        abort();
    memcpy(seg, cl, n_cl);
    snprintf(path, sizeof(path), "%s/commitlog/%020d", root, 0);
    if ((flags & FZ_NO_PAD) && n_cl == 0)
        ; /* no segment at all */
    else if (fz_write_file(path, seg, n_cl, (flags & FZ_NO_PAD) ? 0 : FZ_SEGMENT) != 0)
        abort();
    free(seg);
    if (flags & FZ_CQ) {
        snprintf(path, sizeof(path), "%s/consumequeue", root);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/consumequeue/%s", root, FZ_TOPIC);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/consumequeue/%s/0", root, FZ_TOPIC);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/consumequeue/%s/0/%020d", root, FZ_TOPIC, 0);
        if (fz_write_file(path, cq, n_cq, FZ_CQ_FILE) != 0)
            abort();
    }
    if (flags & FZ_CKPT) {
        snprintf(path, sizeof(path), "%s/checkpoint", root);
        if (fz_write_file(path, ck, n_ck, 0) != 0)
            abort();
    }
    if (flags & FZ_ABORT) {
        snprintf(path, sizeof(path), "%s/abort", root);
        if (fz_write_file(path, NULL, 0, 0) != 0)
            abort();
    }

    store_config_defaults(&cfg);
    snprintf(cfg.root_dir, sizeof(cfg.root_dir), "%s", root);
    cfg.commitlog_file_size = FZ_SEGMENT;
    cfg.cq_file_size = FZ_CQ_FILE;
    cfg.max_message_size = 32 * 1024;
    cfg.flush_mode = (flags & FZ_SYNC) ? STORE_SYNC_FLUSH : STORE_ASYNC_FLUSH;
    cfg.flush_interval_ms = 10;
    cfg.check_crc_on_recover = !(flags & FZ_NO_CRC);
    cfg.message_index_enable = !(flags & FZ_NO_INDEX);
    cfg.index_slots = 16;
    cfg.index_max_entries = 64;
    cfg.warm_mapped_file = 0;
    cfg.clean_interval_ms = 3600000;
    cfg.disk_warning_ratio = 99;
    cfg.disk_clean_forcibly_ratio = 99;
    cfg.disk_max_used_ratio = 99;
    if (store_open(&cfg, &s) == MQ_OK) {
        fz_exercise(s);
        store_close(s);
    }
    mq_test_rmtree(root);
    return 0;
}
