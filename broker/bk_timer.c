/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_timer.c -- messages with an arbitrary delivery time (RocketMQ 5's TimerMessageStore, with
 * a min-heap in place of the timing wheel): TIMER_DELIVER_MS (absolute ms), TIMER_DELAY_SEC,
 * TIMER_DELAY_MS (relative) and ali-ons' __STARTDELIVERTIME (absolute ms). bk_delay.c diverts
 * them on PRODUCE into rmq_sys_wheel_timer queue 0 with REAL_TOPIC, REAL_QID and TIMER_OUT_MS
 * (the due time); the delivery thread keeps every pending one in a heap ordered by due time
 * and delivers each when due, to the millisecond (RocketMQ rounds to timerPrecisionMs and may
 * deliver up to a second early; we never deliver early).
 *
 * Progress, written to <root>/config/timerCheckpoint.json with the level offsets
 * ({"low":L,"upto":R,"doneMs":T}):
 *   (1) every timer queue offset below L was delivered;
 *   (2) every offset in [L, R) whose due time is <= T was delivered;
 *   (3) nothing at or above R, nor due after T, was delivered when the file was written.
 * A pass of the delivery thread at time `now` loads the arrivals (R = the next offset to load),
 * delivers everything due <= now, and sets T = now (or just below the first entry it could not
 * deliver). At open the heap is rebuilt from [L, end) minus (2): thousands of pending messages
 * cost memory (24 bytes each) and no CPU until they are due.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_delay_int.h"
#include "mq/log.h"

#define BK_TIMER_RUN_MAX 4096 /* deliveries per pass */
#define BK_TIMER_RETRY_MS 1000

/* ---- The heap ---- */

static int
bk_timer_less(const bk_timer_ent_t *a, const bk_timer_ent_t *b)
{
    return a->due < b->due || (a->due == b->due && a->offset < b->offset);
}

static void
bk_timer_push(bk_delay_t *d, int64_t due, int64_t offset, int64_t phys)
{
    bk_timer_ent_t *h;
    int i;
    if (d->heap_n == d->heap_cap) {
        d->heap_cap = d->heap_cap ? d->heap_cap * 2 : 1024;
        d->heap = mq_xrealloc(d->heap, (size_t)d->heap_cap * sizeof(*d->heap));
    }
    h = d->heap;
    i = d->heap_n++;
    h[i] = (bk_timer_ent_t){due, offset, phys};
    while (i > 0) {
        int up = (i - 1) / 2;
        bk_timer_ent_t t;
        if (!bk_timer_less(&h[i], &h[up]))
            break;
        t = h[i];
        h[i] = h[up];
        h[up] = t;
        i = up;
    }
}

static void
bk_timer_pop(bk_delay_t *d)
{
    bk_timer_ent_t *h = d->heap;
    int i = 0, n = --d->heap_n;
    h[0] = h[n];
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        bk_timer_ent_t t;
        if (l < n && bk_timer_less(&h[l], &h[m]))
            m = l;
        if (r < n && bk_timer_less(&h[r], &h[m]))
            m = r;
        if (m == i)
            break;
        t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* ---- Loading stored timer messages ---- */

/* The due time and CommitLog offset of timer queue entry `offset`. Returns 1, 0 when there is
 * no such entry (end of the queue), -1 for an unreadable record (skip it). */
static int
bk_timer_entry(bk_delay_t *d, int64_t offset, int64_t *due, int64_t *phys)
{
    store_cq_entry_t e;
    store_slice_t sl;
    mq_msg_t m;
    mq_str_t v;
    int ok;
    if (store_cq_get(d->store, MQ_STR(BK_TIMER_TOPIC), 0, offset, &e) != MQ_OK)
        return 0;
    if (store_read_record(d->store, e.phys_offset, &sl) != MQ_OK)
        return -1;
    ok = mq_msg_record_decode(sl.p, sl.len, &m) == MQ_OK;
    if (ok && !(mq_props_get(m.props, BK_PROP_TIMER_OUT_MS, &v) && bk_delay_parse_i64(v, due)))
        *due = m.store_ts; /* no due time: deliver at once */
    store_slice_release(&sl);
    *phys = e.phys_offset;
    return ok ? 1 : -1;
}

/* Loads [from, end of queue) into the heap, skipping what the checkpoint says was delivered. */
static void
bk_timer_load_from(bk_delay_t *d, int64_t from, int checkpoint)
{
    int64_t off = MQ_MAX(from, store_min_offset(d->store, MQ_STR(BK_TIMER_TOPIC), 0));
    for (;; off++) {
        int64_t due = 0, phys = 0;
        int rc = bk_timer_entry(d, off, &due, &phys);
        if (rc == 0)
            break;
        if (rc < 0) {
            MQ_LOG_WARN("timer", "timer message %lld is unreadable: skipped", (long long)off);
            continue;
        }
        if (checkpoint && off < d->timer_upto && due <= d->timer_done_ms)
            continue; /* delivered before the restart */
        bk_timer_push(d, due, off, phys);
    }
    d->timer_read = MQ_MAX(off, d->timer_read);
}

void
bk_timer_load_checkpoint(bk_delay_t *d)
{
    char *text = NULL;
    json_t *root;
    d->timer_low = d->timer_upto = d->timer_read = 0;
    d->timer_done_ms = INT64_MIN;
    if (store_json_file_read(d->timer_path, &text) != MQ_OK)
        return;
    root = json_loads(text, 0, NULL);
    if (json_is_integer(json_object_get(root, "low")) &&
        json_is_integer(json_object_get(root, "upto")) &&
        json_is_integer(json_object_get(root, "doneMs"))) {
        d->timer_low = json_integer_value(json_object_get(root, "low"));
        d->timer_upto = json_integer_value(json_object_get(root, "upto"));
        d->timer_done_ms = json_integer_value(json_object_get(root, "doneMs"));
    } else {
        MQ_LOG_WARN("timer", "%s is not a timer checkpoint: every stored timer message is pending",
                    d->timer_path);
    }
    json_decref(root);
    free(text);
}

void
bk_timer_rebuild(bk_delay_t *d)
{
    bk_timer_load_from(d, d->timer_low, 1);
    if (d->heap_n)
        MQ_LOG_INFO("timer", "%d timer message(s) pending", d->heap_n);
}

void
bk_timer_merge(bk_delay_t *d, const bk_timer_ent_t *a, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].offset > d->timer_read) /* missed some (at open): read them from the store */
            bk_timer_load_from(d, d->timer_read, 0);
        if (a[i].offset == d->timer_read) {
            bk_timer_push(d, a[i].due, a[i].offset, -1);
            d->timer_read++;
        }
    }
}

/* ---- Delivery and the checkpoint ---- */

int64_t
bk_timer_run(bk_delay_t *d, int64_t now_ms)
{
    int64_t next;
    int n = 0, failed = 0;
    while (d->heap_n && d->heap[0].due <= now_ms && n < BK_TIMER_RUN_MAX) {
        store_cq_entry_t e;
        if (d->heap[0].phys < 0) {
            if (store_cq_get(d->store, MQ_STR(BK_TIMER_TOPIC), 0, d->heap[0].offset, &e) != MQ_OK) {
                MQ_LOG_WARN("timer", "timer message %lld is gone: skipped",
                            (long long)d->heap[0].offset);
                bk_timer_pop(d);
                continue;
            }
            d->heap[0].phys = e.phys_offset;
        }
        if (bk_delay_deliver(d, d->heap[0].phys) != MQ_OK) {
            failed = 1;
            break;
        }
        bk_timer_pop(d);
        bk_delay_touch(d, now_ms);
        n++;
    }
    /* invariant (2) as of this pass */
    d->timer_upto = d->timer_read;
    d->timer_done_ms = d->heap_n && d->heap[0].due <= now_ms ? d->heap[0].due - 1 : now_ms;
    if (failed)
        return now_ms + BK_TIMER_RETRY_MS;
    next = d->heap_n ? d->heap[0].due : BK_DELAY_NONE;
    return next <= now_ms ? now_ms : next;
}

void
bk_timer_snapshot(const bk_delay_t *d, int64_t *low, int64_t *upto, int64_t *done)
{
    *low = d->timer_read;
    for (int i = 0; i < d->heap_n; i++)
        *low = MQ_MIN(*low, d->heap[i].offset);
    *upto = d->timer_upto;
    *done = d->timer_done_ms;
}

void
bk_timer_write(const char *path, int64_t low, int64_t upto, int64_t done)
{
    char text[160];
    snprintf(text, sizeof(text), "{\"low\":%lld,\"upto\":%lld,\"doneMs\":%lld}", (long long)low,
             (long long)upto, (long long)done);
    if (store_json_file_write(path, text, strlen(text)) != MQ_OK)
        MQ_LOG_WARN("timer", "cannot write %s", path);
}

void
bk_timer_fini(bk_delay_t *d)
{
    free(d->heap);
    d->heap = NULL;
    d->heap_n = d->heap_cap = 0;
}
