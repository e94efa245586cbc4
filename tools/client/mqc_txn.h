/* SPDX-License-Identifier: Apache-2.0
 *
 * mqc_txn.h -- the transactional producer of the client library (RocketMQ's
 * TransactionMQProducer): it sends a half message (TRAN_MSG=true, sysFlag PREPARED), runs the
 * caller's local transaction, and tells the broker its outcome with END_TRANSACTION; it
 * heartbeats its producer group to the brokers it used, so that a broker can ask it about a
 * half message left undecided (CHECK_TRANSACTION_STATE), which the check listener answers.
 * docs/transactions.md describes the broker's side.
 *
 * Threads: as mqc.h. The check listener runs on a connection's reader thread: it must be quick
 * and must not use this producer's sync calls.
 */
#ifndef MQ_MQC_TXN_H
#define MQ_MQC_TXN_H

#include <stdint.h>

#include "mqc.h"

/* A local transaction's outcome (commitOrRollback values: LocalTransactionState). */
typedef enum mqc_txn_state_e {
    MQC_TXN_UNKNOWN = 0,   /* UNKNOW: the broker will check back later */
    MQC_TXN_COMMIT = 8,    /* COMMIT_MESSAGE: consumers get the message */
    MQC_TXN_ROLLBACK = 12, /* ROLLBACK_MESSAGE: the message is dropped */
} mqc_txn_state_t;

/* Runs the local transaction once the half message is stored (half: where it went). */
typedef mqc_txn_state_t (*mqc_txn_local_fn)(void *arg, const mqc_message_t *msg,
                                            const mqc_send_result_t *half);
/* Answers a broker's check about a half message (msg: the half, with its real topic). */
typedef mqc_txn_state_t (*mqc_txn_check_fn)(void *arg, const mqc_received_t *msg);

typedef struct mqc_txn_config_s {
    const char *namesrv;       /* "h1:p1;h2:p2" */
    const char *group;         /* producer group (the half's PGROUP; checks go to the group) */
    int send_timeout_ms;       /* 3000 */
    int heartbeat_interval_ms; /* 30000 */
    mqc_txn_check_fn check;    /* NULL: checks are answered UNKNOWN */
    void *check_arg;
} mqc_txn_config_t;

typedef struct mqc_txn_producer_s mqc_txn_producer_t;

void mqc_txn_config_defaults(mqc_txn_config_t *cfg);
int mqc_txn_producer_new(const mqc_txn_config_t *cfg, mqc_txn_producer_t **out, char *err,
                         size_t errlen);
/* Stops heartbeats, unregisters from the brokers, closes the connections. */
void mqc_txn_producer_free(mqc_txn_producer_t *tp);
/* Heartbeats to the brokers of topic from now on (without sending), so that their checks
 * reach this producer: a producer restarted after a crash answers for halves sent before. */
int mqc_txn_producer_watch(mqc_txn_producer_t *tp, const char *topic, char *err, size_t errlen);
/* Sends m as a half message (queue < 0: round robin), runs fn (NULL: UNKNOWN), and sends
 * END_TRANSACTION with its outcome (one-way, as the Java client). *state gets the outcome.
 * Returns MQ_OK once the half is stored and the outcome sent, or an error (nothing stored, or
 * the half stored but END_TRANSACTION not sent: the broker will check). */
int mqc_txn_send(mqc_txn_producer_t *tp, const mqc_message_t *m, int queue, mqc_txn_local_fn fn,
                 void *arg, mqc_send_result_t *res, mqc_txn_state_t *state, char *err,
                 size_t errlen);
/* Checks answered so far; waits up to timeout_ms for the count to reach at least `want`. */
int64_t mqc_txn_checks_wait(mqc_txn_producer_t *tp, int64_t want, int timeout_ms);

#endif /* MQ_MQC_TXN_H */
