/* SPDX-License-Identifier: Apache-2.0
 *
 * store_recover.c -- start-up recovery: find where valid CommitLog data ends, cut the torn
 * tail, make ConsumeQueues and the index agree with the CommitLog, and set every position.
 * Runs in store_open() before any thread starts.
 *
 *   1. Load the CommitLog segments (stray and corrupt files are logged and set aside).
 *   2. Pick the walk start W and the rebuild start R:
 *        checkpoint with rocketmq-c fields: R = min(logicsPhyOffset, indexPhyOffset),
 *                                           W = min(R, masterFlushedOffset)
 *        clean shutdown (no `abort`):       W = R = confirmPhyOffset normally (nothing to do)
 *        no usable checkpoint:              W = R = the first segment (rebuild everything)
 *   3. Walk records from W to R while each is whole: magic, lengths, PHYSICALOFFSET ==
 *      position, body CRC (checkCRCOnRecover); a BLANK filler jumps to the next segment. If
 *      the walk stops before R, that is T, the end of valid data, and R = T.
 *   4. Load each ConsumeQueue dropping entries at or past R, and the index likewise.
 *   5. Re-dispatch from R with the same checks (s->recovering): ConsumeQueue and index entries
 *      are rebuilt from the CommitLog, and the first bad record is T. One read of the log.
 *   6. Cut at T: zero the rest of T's segment (a metadata-only fallocate), delete later
 *      segments.
 *
 * Walking starts at the checkpoint, not at the start of the log, so restart time depends on
 * how far the checkpoint lagged (about flushIntervalConsumeQueue of traffic), not on the store
 * size. Losing bytes below masterFlushedOffset means acknowledged data was damaged on disk:
 * that is logged as an error naming the file and offset.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq/log.h"
#include "mq/rd.h"
#include "store_int.h"

/* Walks valid records from `from`; returns the end of valid data. */
static int64_t
store_recover_walk(store_t *s, int64_t from, int64_t limit, int64_t *records)
{
    int64_t pos = from;
    store_seg_t *seg = NULL;

    *records = 0;
    while (pos < limit) {
        mq_msg_t m;
        int64_t rel;
        int rc;
        if (!seg || pos >= seg->start + seg->size) {
            store_seg_t *next = store_mfq_find(&s->cl, pos);
            if (!next)
                break;
            store_seg_release(seg);
            seg = next;
        }
        rel = pos - seg->start;
        if (seg->size - rel < STORE_BLANK_MIN) { /* tail too short for a filler */
            pos = seg->start + seg->size;
            continue;
        }
        rc = mq_msg_record_decode(seg->base + rel, (size_t)(seg->size - rel), &m);
        if (rc == MQ_DECLINED) {
            if (m.store_size != seg->size - rel)
                break;
            pos = seg->start + seg->size;
            continue;
        }
        if (rc != MQ_OK || m.phys_offset != pos)
            break;
        if (s->cfg.check_crc_on_recover && !mq_msg_body_crc_ok(&m)) {
            MQ_LOG_WARN("store", "recovery: body CRC mismatch at offset %lld in %s", (long long)pos,
                        seg->path);
            break;
        }
        pos += m.store_size;
        (*records)++;
    }
    store_seg_release(seg);
    return pos;
}

/* Cuts the CommitLog at t: zero the rest of its segment, delete later segments. */
static void
store_recover_cut(store_t *s, int64_t t, int had_garbage)
{
    store_seg_t *seg = store_mfq_find(&s->cl, t);
    if (!seg) {
        /* t is the end of the last segment (or the log is empty) */
        store_mfq_truncate_from(&s->cl, t);
        return;
    }
    if (had_garbage) {
        MQ_LOG_INFO("store",
                    "recovery: cutting %s at %lld (%lld bytes past the last whole record "
                    "zeroed)",
                    seg->path, (long long)(t - seg->start),
                    (long long)(seg->size - (t - seg->start)));
        store_seg_zero_range(seg, t - seg->start, seg->size);
    }
    store_mfq_truncate_from(&s->cl, seg->start + seg->size);
    store_seg_release(seg);
}

/* Is there anything that looks like data at t (a record or filler magic)? */
static int
store_recover_garbage_at(store_t *s, int64_t t)
{
    store_seg_t *seg = store_mfq_find(&s->cl, t);
    int garbage = 0;
    if (seg) {
        int64_t rel = t - seg->start;
        int64_t n = MQ_MIN(seg->size - rel, (int64_t)STORE_PAGE);
        static const uint8_t zero[STORE_PAGE];
        garbage = n > 0 && memcmp(seg->base + rel, zero, (size_t)n) != 0;
        store_seg_release(seg);
    }
    return garbage;
}

static int
store_recover_qid(const char *name, int32_t *qid)
{
    char *end;
    long v;
    if (!name[0])
        return 0;
    errno = 0;
    v = strtol(name, &end, 10);
    if (*end || errno || v < 0 || v > INT32_MAX)
        return 0;
    *qid = (int32_t)v;
    return 1;
}

/* Loads every consumequeue/<topic>/<qid>. Queues with a corrupt file are destroyed and
 * reported in *rebuild so that the caller replays the whole CommitLog for them. */
static int
store_recover_queues(store_t *s, int64_t r, int *rebuild)
{
    DIR *td = opendir(s->cq_dir);
    struct dirent *te;
    int loaded = 0;

    if (!td)
        return 0;
    while ((te = readdir(td)) != NULL) {
        char tdir[1200];
        DIR *qd;
        struct dirent *qe;
        struct stat st;
        if (te->d_name[0] == '.')
            continue;
        snprintf(tdir, sizeof(tdir), "%s/%s", s->cq_dir, te->d_name);
        if (stat(tdir, &st) != 0 || !S_ISDIR(st.st_mode) || strlen(te->d_name) > MQ_MSG_MAX_TOPIC) {
            MQ_LOG_WARN("store", "ignoring stray entry %s in the consume queue directory", tdir);
            continue;
        }
        qd = opendir(tdir);
        while (qd && (qe = readdir(qd)) != NULL) {
            int32_t qid;
            int corrupt = 0;
            store_cq_t *cq;
            if (qe->d_name[0] == '.')
                continue;
            if (!store_recover_qid(qe->d_name, &qid)) {
                MQ_LOG_WARN("store", "ignoring stray entry %s/%s (not a queue id)", tdir,
                            qe->d_name);
                continue;
            }
            cq = store_cq_new(s->cq_dir, mq_str_from_cstr(te->d_name), qid, s->cfg.cq_file_size);
            if (store_cq_load(cq, r, &corrupt) != MQ_OK) {
                MQ_LOG_ERROR("store", "cannot load consume queue %s/%d", cq->topic, qid);
                corrupt = 1;
            }
            if (corrupt) {
                MQ_LOG_WARN("store",
                            "consume queue %s/%d is damaged: rebuilding it from the "
                            "CommitLog",
                            cq->topic, qid);
                store_cq_destroy_files(cq);
                store_cq_free(cq);
                cq =
                    store_cq_new(s->cq_dir, mq_str_from_cstr(te->d_name), qid, s->cfg.cq_file_size);
                *rebuild = 1;
            }
            pthread_mutex_lock(&s->put_lock);
            store_qtable_insert(&s->queues, cq);
            pthread_mutex_unlock(&s->put_lock);
            loaded++;
        }
        if (qd)
            closedir(qd);
    }
    closedir(td);
    return loaded;
}

int
store_recover(store_t *s)
{
    char path[1200];
    store_ckpt_t ck;
    int ck_rc, abort_present, corrupt = 0, rebuild = 0, nsegs, nqueues;
    int64_t cl_min, w, r, t, records, log_end;
    int t_known;
    int64_t t0 = mq_mono_ns();

    snprintf(path, sizeof(path), "%s/abort", s->cfg.root_dir);
    abort_present = access(path, F_OK) == 0;
    snprintf(path, sizeof(path), "%s/checkpoint", s->cfg.root_dir);
    ck_rc = store_ckpt_read(path, &ck);
    if (ck_rc == MQ_ECORRUPT)
        MQ_LOG_ERROR("store", "checkpoint file %s is unreadable: rebuilding all queues", path);

    nsegs = store_mfq_load(&s->cl, &corrupt);
    if (nsegs < 0) {
        MQ_LOG_ERROR("store", "cannot read the CommitLog directory %s", s->cl_dir);
        return nsegs;
    }
    cl_min = nsegs > 0 ? store_mfq_min(&s->cl) : 0;

    if (ck_rc == MQ_OK && ck.valid_ext) {
        r = MQ_MIN(ck.logics_phys, ck.index_phys);
        w = abort_present ? MQ_MIN(r, ck.flushed_phys) : MQ_MIN(r, ck.confirm_phys);
    } else {
        r = w = cl_min;
        if (nsegs > 0 && ck_rc != MQ_ENOENT)
            MQ_LOG_WARN("store", "checkpoint has no rocketmq-c offsets: rebuilding all queues "
                                 "from the CommitLog");
    }
    if (w < cl_min)
        w = cl_min;
    if (r < cl_min)
        r = cl_min;
    s->recovered_abnormally = abort_present;

    log_end = 0;
    if (nsegs > 0) {
        store_seg_t *last = store_mfq_last(&s->cl);
        log_end = last->start + last->size;
        store_seg_release(last);
    }
    if (r > log_end)
        r = log_end;
    /* Check [w, r) only: from r on, the rebuilding dispatch below validates each record (magic,
     * lengths, offset, CRC) and stops at the first bad one, so the log is read once. */
    t = store_recover_walk(s, w, r, &records);
    t_known = t < r;
    if (t_known)
        r = t; /* damage below the checkpoint: nothing of the queues past it is valid */

    if (s->cfg.message_index_enable) {
        s->index = store_index_open(s->index_dir, s->cfg.index_slots, s->cfg.index_max_entries, r);
        if (!s->index)
            return MQ_EIO;
    }
    nqueues = store_recover_queues(s, r, &rebuild);
    if (rebuild && r > cl_min) {
        MQ_LOG_WARN("store",
                    "recovery: replaying the CommitLog from %lld to rebuild damaged "
                    "consume queues",
                    (long long)cl_min);
        r = cl_min; /* intact queues skip what they already have */
    }
    atomic_store(&s->cl_min, cl_min);
    if (!t_known || r < t) {
        int64_t t1 = mq_mono_ns(), from = r;
        s->recovering = 1;
        store_dispatch_range(s, r, t_known ? t : log_end);
        s->recovering = 0;
        if (!t_known)
            t = atomic_load(&s->dispatched);
        if (t > from)
            MQ_LOG_INFO("store", "recovery: checked and re-dispatched [%lld, %lld) in %.0f ms",
                        (long long)from, (long long)t, (double)(mq_mono_ns() - t1) / 1e6);
    }
    if (ck_rc == MQ_OK && ck.valid_ext && t < ck.flushed_phys)
        MQ_LOG_ERROR("store",
                     "recovery: CommitLog data below the flushed offset %lld is damaged: "
                     "valid data ends at %lld; acknowledged messages after it are lost",
                     (long long)ck.flushed_phys, (long long)t);
    store_recover_cut(s, t, abort_present || store_recover_garbage_at(s, t));

    /* What is known durable: the checkpoint's offsets, never past t. The flush threads make
     * the rest durable (and write a new checkpoint) within their first interval. */
    memset(&s->ckpt, 0, sizeof(s->ckpt));
    if (ck_rc == MQ_OK && ck.valid_ext) {
        s->ckpt = ck;
        s->ckpt.flushed_phys = MQ_MAX(cl_min, MQ_MIN(ck.flushed_phys, t));
        s->ckpt.logics_phys = MQ_MIN(ck.logics_phys, r);
        s->ckpt.index_phys = MQ_MIN(ck.index_phys, r);
        s->ckpt.confirm_phys = s->ckpt.flushed_phys;
    } else {
        s->ckpt.flushed_phys = s->ckpt.logics_phys = s->ckpt.index_phys = cl_min;
        s->ckpt.confirm_phys = cl_min;
    }
    atomic_store(&s->cl_max, t);
    atomic_store(&s->cl_flushed, s->ckpt.flushed_phys);

    /* Set each segment's write position and pick the current one. */
    pthread_rwlock_rdlock(&s->cl.lock);
    for (int i = 0; i < s->cl.nsegs; i++) {
        store_seg_t *seg = s->cl.segs[i];
        int64_t wr = t - seg->start;
        wr = wr < 0 ? 0 : (wr > seg->size ? seg->size : wr);
        atomic_store(&seg->wrote, wr);
        atomic_store(&seg->flushed, wr);
    }
    pthread_rwlock_unlock(&s->cl.lock);
    s->cl_cur = s->cl.nsegs > 0 ? store_mfq_last(&s->cl) : NULL;
    if (!s->cl_cur) {
        if (store_mkdirs(s->cl_dir) != MQ_OK)
            return MQ_EIO;
        s->cl_cur = store_mfq_create(&s->cl, t);
        if (!s->cl_cur)
            return MQ_EIO;
    }

    atomic_store(&s->dispatched, t);
    pthread_rwlock_rdlock(&s->queues.lock);
    for (size_t i = 0; i < s->queues.nbuckets; i++)
        for (store_cq_t *cq = s->queues.buckets[i]; cq; cq = cq->hnext) {
            cq->next_offset = atomic_load(&cq->max_offset);
            store_cq_trim(cq, cl_min);
        }
    pthread_rwlock_unlock(&s->queues.lock);

    MQ_LOG_INFO("store",
                "%s recovery of %s: %d segment(s), %d queue(s), CommitLog [%lld, %lld), "
                "%lld record(s) checked, %.0f ms",
                abort_present ? "abnormal" : "normal", s->cfg.root_dir, nsegs, nqueues,
                (long long)cl_min, (long long)t, (long long)records,
                (double)(mq_mono_ns() - t0) / 1e6);
    return MQ_OK;
}
