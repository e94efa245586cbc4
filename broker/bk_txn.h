/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_txn.h -- transactional (half) messages, RocketMQ's TransactionalMessageService: the hooks
 * the broker's other files call (bk_send.c, bk_broker.c), and the state bk_txn.c (half
 * messages, END_TRANSACTION, op messages, recovery) shares with bk_txn_check.c (the check-back
 * service and the producer groups it asks). docs/transactions.md describes the design.
 *
 * Everything here runs on the loop thread.
 */
#ifndef MQ_BK_TXN_H
#define MQ_BK_TXN_H

#include "bk_int.h"

#define BK_TXN_HALF_TOPIC "RMQ_SYS_TRANS_HALF_TOPIC"  /* TransactionalMessageUtil.buildHalfTopic */
#define BK_TXN_OP_TOPIC "RMQ_SYS_TRANS_OP_HALF_TOPIC" /* buildOpTopic */
#define BK_TXN_GROUP "CID_RMQ_SYS_TRANS"              /* buildConsumerGroup: the progress offsets */
#define BK_TXN_OP_TAG "d"                             /* REMOVETAG */
#define BK_TXN_PROP_ID "__transactionId__"
#define BK_TXN_PROP_CHECK_TIMES "TRANSACTION_CHECK_TIMES"
#define BK_TXN_PROP_IMMUNITY "CHECK_IMMUNITY_TIME_IN_SECONDS"

/* A decided transaction, as the two maps below remember it. */
typedef struct bk_txn_done_s {
    int64_t op_offset; /* queue offset of its op message (the op queue is replayed from the
                          smallest one still remembered after a restart) */
    int64_t limit;     /* done_uniq: every copy of the half lies below this half-queue offset, so
                          the entry is dropped once the checker's scan passes it */
} bk_txn_done_t;

/* A producer connection of a group (ProducerManager's channel table). */
typedef struct bk_producer_s {
    char *client_id;      /* clientID of its heartbeat */
    void *session;        /* its connection */
    mq_notify_fn notify;  /* sends CHECK_TRANSACTION notices on it */
    int64_t last_seen_ms; /* last heartbeat */
} bk_producer_t;

typedef struct bk_pgroup_s {
    bk_producer_t *v; /* the group's connections */
    int n, cap;
    uint32_t rr; /* round robin over them for checks */
} bk_pgroup_t;

/* The transaction service's state (bk_t.txn). */
typedef struct bk_txn_s {
    mq_strmap_t done_off;  /* decimal half-queue offset -> bk_txn_done_t: decided halves at or
                              after `scan` (an op message names them) */
    mq_strmap_t done_uniq; /* transaction id -> bk_txn_done_t: decided transactions; a half
                              re-put for a check is a copy with the same id */
    int64_t scan;          /* the checker continues from this half-queue offset */
    int64_t op_from;       /* op-queue offset to replay from after a restart */
    mq_strmap_t producers; /* producer group -> bk_pgroup_t */
    int running;           /* a check pass was posted and has not finished */
    int64_t committed, rolled_back, checks_sent, discarded; /* counters, for logs and tests */
} bk_txn_t;

/* Functions used by the broker's other files (hooks). */

/* Opens the service: replays the op queue from the saved progress, starts the check timer. */
void bk_txn_open(bk_t *bk);
/* Saves the progress offsets into the consumer offset table (bk_close persists it). */
void bk_txn_close(bk_t *bk);
void bk_txn_free(bk_t *bk);
/* PRODUCE: turns a message marked TRAN_MSG=true (or sysFlag PREPARED) into a half message in
 * RMQ_SYS_TRANS_HALF_TOPIC queue 0 (REAL_TOPIC, REAL_QID, __transactionId__ added). Called
 * after the topic checks and UNIQ_KEYs. Returns MQ_OK (nothing else to do, or rewritten), or an
 * error after replying (a transactional batch). */
int bk_txn_half(bk_t *bk, mq_req_t *req);
/* END_TRANSACTION: commit (the message goes to its real queue) or roll back a half message;
 * both write an op message. Replies. */
void bk_handle_end_txn(bk_t *bk, mq_req_t *req);
/* Producer groups from heartbeats, UNREGISTER_CLIENT, closed connections, silence (120 s). */
void bk_txn_heartbeat(bk_t *bk, const mq_req_t *req);
void bk_txn_unregister(bk_t *bk, const mq_req_t *req);
void bk_txn_session_closed(bk_t *bk, void *session);
void bk_txn_expire(bk_t *bk, int64_t now_ms);

/* Functions shared by bk_txn.c and bk_txn_check.c. */

/* The transaction id of a half (__transactionId__, else UNIQ_KEY); empty when neither. */
mq_str_t bk_txn_id(mq_str_t props);
/* 1 when the half at queue offset `off` with transaction id `id` was decided. */
int bk_txn_is_done(bk_txn_t *t, int64_t off, mq_str_t id);
/* Fills *out with the op message of the half at `half_off`: RMQ_SYS_TRANS_OP_HALF_TOPIC queue 0,
 * body "off,", tag d, __transactionId__ = id (memory from pool). */
void bk_txn_op_msg(bk_t *bk, mq_pool_t *pool, int64_t half_off, mq_str_t id, mq_msg_t *out);
/* Remembers a decision whose op message was stored at op_off. */
void bk_txn_mark_done(bk_t *bk, int64_t half_off, mq_str_t id, int64_t op_off);
/* One check pass now (the timer's, and tests'). */
void bk_txn_check_now(bk_t *bk, int64_t now_ms);
/* Drops what the scan has passed and computes the op-queue replay offset. */
void bk_txn_prune(bk_t *bk);
/* Starts the check timer (bk_txn_check.c). */
void bk_txn_check_start(bk_t *bk);
/* A live producer of group, or NULL. */
bk_producer_t *bk_txn_producer_pick(bk_t *bk, mq_str_t group);
void bk_txn_producers_fini(bk_t *bk);

#endif /* MQ_BK_TXN_H */
