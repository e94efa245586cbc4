/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_klayout.h -- the Kafka partition layout of topics spread over several brokers
 * (docs/kafka-compatibility.md, "Several brokers"). A topic's partitions are its queues on
 * every broker that hosts it, numbered in a stable order: a list of segments (broker name,
 * first queue, count) laid end to end. A broker seen for the first time, or a broker whose
 * queue count grew, appends a segment; nothing is ever renumbered, and a broker that is away
 * keeps its segments (its partitions then have no leader). The layout is remembered in
 * <storePathRootDir>/config/kafkaPartitions.json so a restart numbers partitions the same way.
 *
 * Loop thread only.
 */
#ifndef MQ_GW_KLAYOUT_H
#define MQ_GW_KLAYOUT_H

#include <stdint.h>

#include "mq/req.h"

typedef struct gw_klayout_s gw_klayout_t;

/* One run of partitions: queues [first_queue, first_queue + count) of broker. */
typedef struct gw_kseg_s {
    char broker[128];    /* brokerName */
    int32_t first_queue; /* its first queue in this run */
    int32_t count;       /* partitions in this run */
    int64_t node_id;     /* the broker's Kafka node id when last seen (-1: unknown) */
} gw_kseg_t;

typedef struct gw_ktopic_layout_s {
    gw_kseg_t *segs;
    int n_segs, cap;
    int32_t n_partitions; /* sum of the counts */
} gw_ktopic_layout_t;

/* Saves text at path atomically (the store's store_json_file_write). */
typedef int (*gw_klayout_save_fn)(const char *path, const char *text, size_t len);

/* Loads path (a missing file is an empty layout). NULL path: kept in memory only. */
gw_klayout_t *gw_klayout_open(const char *path, gw_klayout_save_fn save);
void gw_klayout_free(gw_klayout_t *l);

/* Merges what the route says (the queue datas; brokers gives node ids, may be NULL) into the
 * topic's layout, appending segments for new brokers (sorted by name among themselves) and
 * for grown queue counts; saves the file when it changed. Returns the layout. */
const gw_ktopic_layout_t *gw_klayout_update(gw_klayout_t *l, mq_str_t topic,
                                            const mq_route_t *route);
/* The topic's layout, or NULL when none is known. */
const gw_ktopic_layout_t *gw_klayout_get(const gw_klayout_t *l, mq_str_t topic);
/* The segment holding partition p of lay and the queue it is on it. NULL when out of range. */
const gw_kseg_t *gw_klayout_locate(const gw_ktopic_layout_t *lay, int32_t p, int32_t *queue);
/* Calls fn for every topic with a layout. */
void gw_klayout_each(const gw_klayout_t *l, void (*fn)(void *arg, mq_str_t topic), void *arg);
/* Forgets a topic (deleted). */
void gw_klayout_forget(gw_klayout_t *l, mq_str_t topic);

#endif /* MQ_GW_KLAYOUT_H */
