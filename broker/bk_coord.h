/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_coord.h -- private structures of the group coordinator (Kafka's classic consumer-group
 * protocol as a protocol-neutral broker service), shared by broker/bk_coord*.c and the unit
 * tests. The operations are the COORD_* ops of include/mq/req.h; bk_int.h declares the
 * functions the rest of the broker calls.
 *
 * Everything here is touched on the loop thread only. The coordinator owns its groups; a group
 * owns its members (a list in join order, so the first member is the leader candidate) and the
 * pending member ids it handed out with MEMBER_ID_REQUIRED. Parked JOIN and SYNC requests are
 * referenced by their member until answered (exactly once, by the coordinator).
 */
#ifndef MQ_BK_COORD_H
#define MQ_BK_COORD_H

#include <stddef.h>
#include <stdint.h>

#include "mq/req.h"
#include "mq/strmap.h"

typedef struct bk_s bk_t;

/* A protocol a member supports (heap copies). */
typedef struct bk_cproto_s {
    char *name;    /* assignor name */
    uint8_t *meta; /* opaque metadata, meta_len bytes (NULL when 0) */
    size_t meta_len;
} bk_cproto_t;

/* A member of a coordinated group. */
typedef struct bk_cmember_s bk_cmember_t;
struct bk_cmember_s {
    char *id;             /* member id: client_id + "-" + uuid */
    char *instance_id;    /* group.instance.id of a static member, NULL for dynamic ones */
    char *client_id;      /* client.id */
    char *client_host;    /* peer, for DESCRIBE */
    int32_t session_ms;   /* session timeout */
    int32_t rebalance_ms; /* rebalance timeout */
    bk_cproto_t *protos;  /* supported protocols in preference order */
    int n_protos;
    uint8_t *assignment; /* what the leader assigned it (NULL when none) */
    size_t assignment_len;
    int64_t deadline_ms; /* session expiry (not while a JOIN or SYNC is parked) */
    mq_req_t *join;      /* parked JOIN, answered when the rebalance completes */
    mq_req_t *sync;      /* parked SYNC, answered when the leader's arrives */
    bk_cmember_t *next;  /* join order */
};

/* A member id given out with MEMBER_ID_REQUIRED, valid until it rejoins or times out. */
typedef struct bk_cpending_s bk_cpending_t;
struct bk_cpending_s {
    char *id;
    int64_t deadline_ms; /* forgotten then (session timeout of the first join) */
    bk_cpending_t *next;
};

/* A coordinated group (Kafka GroupMetadata). */
typedef struct bk_cgroup_s {
    char *id;              /* group id */
    int state;             /* mq_coord_state_t */
    char *protocol_type;   /* "consumer"; NULL until a member joined */
    char *protocol;        /* chosen assignor; NULL when Empty */
    int32_t generation;    /* bumped by every completed rebalance */
    char *leader;          /* leader's member id, NULL when none */
    bk_cmember_t *members; /* join order */
    int n_members;
    bk_cpending_t *pending; /* MEMBER_ID_REQUIRED ids */
    int n_pending;
    int64_t rebalance_deadline_ms; /* PreparingRebalance: complete then; Completing: sync by */
    int initial_delay;             /* PreparingRebalance from Empty: the initial delayed join */
    int64_t delay_remaining_ms;    /* initial delay: how much more it may be extended */
    int new_member_added;          /* initial delay: a member joined during this delay */
} bk_cgroup_t;

/* Leader epoch and metadata of a committed offset (Kafka), valid while the group's committed
 * offset is still `offset`. */
typedef struct bk_coffmeta_s {
    int64_t offset;       /* the offset they were committed with */
    int32_t leader_epoch; /* committed_leader_epoch, -1 = none */
    char *metadata;       /* committed_metadata (heap), "" = none */
} bk_coffmeta_t;

/* The coordinator (bk_t.coord). */
typedef struct bk_coord_s {
    bk_t *bk;                /* owner */
    mq_strmap_t groups;      /* group id -> bk_cgroup_t */
    int64_t (*now)(void);    /* clock (ms); tests put a fake one here */
    mq_strmap_t offset_meta; /* "group\1topic\1qid" -> bk_coffmeta_t */
    int dirty;               /* groups changed since the last persist */
    int meta_dirty;          /* offset_meta changed (persisted by the tick, at most every 5 s) */
    int64_t persisted_ms;    /* last persist */
    uint64_t rnd;            /* xorshift state for member ids */
    char path[600];          /* <root>/config/groupCoordinator.json */
} bk_coord_t;

/* Functions used across the coordinator's files. */
bk_cgroup_t *bk_coord_group_get(bk_coord_t *co, mq_str_t id);
bk_cmember_t *bk_coord_member_get(bk_cgroup_t *g, mq_str_t id);
bk_cmember_t *bk_coord_member_by_instance(bk_cgroup_t *g, mq_str_t instance_id);
/* Creates an Empty group with the given id (owned by the coordinator). */
bk_cgroup_t *bk_coord_group_new(bk_coord_t *co, mq_str_t id);
void bk_coord_group_free(bk_cgroup_t *g); /* answers nothing: callers answer parked requests */
void bk_coord_member_free(bk_cmember_t *m);
/* The chosen protocol's metadata of a member, or an empty view. */
mq_str_t bk_coord_member_meta(const bk_cmember_t *m, const char *protocol);
/* Replaces the clock (tests: a fake one), moving every pending deadline onto it. */
void bk_coord_set_clock(bk_coord_t *co, int64_t (*now)(void));
/* Kafka's OffsetCommit checks for a committer; MQ_COORD_NONE when it may commit (and then its
 * session timer is reset). */
int32_t bk_coord_commit_validate(bk_t *bk, mq_str_t group, int32_t generation, mq_str_t member_id,
                                 mq_str_t instance_id);
/* Maps a coordinator error to the reply status. */
int bk_coord_status(int32_t err);

/* Persistence (bk_coord_store.c): groups, generation, leader, members and assignments. */
int bk_coord_load(bk_coord_t *co);    /* MQ_OK (also when no file), MQ_ECORRUPT */
int bk_coord_persist(bk_coord_t *co); /* writes the file atomically; clears dirty */

/* Queries and admin (bk_coord_admin.c). */
void bk_coord_handle_list(bk_t *bk, mq_req_t *req);
void bk_coord_handle_describe(bk_t *bk, mq_req_t *req);
void bk_coord_handle_delete(bk_t *bk, mq_req_t *req);

/* Offsets with metadata (bk_coord_offsets.c). */
void bk_coord_handle_offset_commit(bk_t *bk, mq_req_t *req);
void bk_coord_handle_offset_fetch(bk_t *bk, mq_req_t *req);
void bk_coord_offsets_forget(bk_coord_t *co, mq_str_t group); /* a deleted group's metadata */
void bk_coord_offsets_fini(bk_coord_t *co);

#endif /* MQ_BK_COORD_H */
