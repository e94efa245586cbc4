/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_names.h -- Kafka <-> RocketMQ topic and consumer-group names (docs/kafka-compatibility.md,
 * "Names"). Pure functions: no I/O, no globals, safe on hostile input.
 *
 * The two protocols allow different names:
 *
 *   Kafka topic      [a-zA-Z0-9._-], 1..249 bytes, not "." or ".."      (Kafka Topic.validate)
 *   Kafka group id   any non-empty string                                (JoinGroup et al.)
 *   RocketMQ topic   [%|a-zA-Z0-9_-], 1..127 bytes; %RETRY%/%DLQ% topics up to 255
 *   RocketMQ group   [%|a-zA-Z0-9_-], 1..120 bytes                       (TopicValidator)
 *
 * Topics: one bijection between Kafka names and stored RocketMQ names. Each '.' of a Kafka name
 * becomes '|' ("orders.v1" <-> "orders|v1"); a RocketMQ name holding '%' (such as
 * "%RETRY%g") is shown to Kafka in an escaped form where '%' is ".." and '|' is ".-"
 * ("..RETRY..g"). A Kafka name is read in that escaped form exactly when it decodes to a name
 * the plain rule cannot produce (the full rule, with its proof, is in kf_names.c). Names
 * valid in both protocols pass unchanged; each direction returns the original bytes.
 *
 * Groups: each '.' becomes '|'; every byte outside [a-zA-Z0-9_.-] (including '%' and '|')
 * becomes "%HH" (two upper-case hex digits). Names over [a-zA-Z0-9_-] pass unchanged, so a
 * Kafka group shares committed offsets with the RocketMQ group of the same name. Every RocketMQ
 * group name is also a valid Kafka group id, so no injective rule can leave them all alone:
 * a RocketMQ group holding '|' is seen by Kafka with '.', and one holding a '%' that does not
 * start a canonical escape has no Kafka name.
 */
#ifndef MQ_KF_NAMES_H
#define MQ_KF_NAMES_H

#include <stddef.h>

#include "mq/common.h"

#define KF_NAME_TOPIC_MAX 249      /* Kafka Topic.MAX_NAME_LENGTH */
#define KF_NAME_RMQ_TOPIC_MAX 127  /* RocketMQ TopicValidator.TOPIC_MAX_LENGTH */
#define KF_NAME_RMQ_TOPIC_XMAX 255 /* RocketMQ RETRY_OR_DLQ_TOPIC_MAX_LENGTH; longest we accept */
#define KF_NAME_RMQ_GROUP_MAX 120  /* RocketMQ TopicValidator.GROUP_MAX_LENGTH */
#define KF_NAME_GROUP_MAX                                                                          \
    255 /* longest stored group name we produce (RocketMQ's                                        \
           CHARACTER_MAX_LENGTH); longer mapped groups are refused */

/* Functions used to check names. Each returns 1 if valid, 0 if not. */
int kf_name_kafka_topic_valid(mq_str_t name);
int kf_name_rmq_valid(mq_str_t name, size_t max); /* charset [%|a-zA-Z0-9_-], 1..max bytes */

/* Functions used to map topic names. Each writes into out (cap bytes, not NUL-terminated) and
 * returns the length written, or a negative mq_err_t:
 *   MQ_EINVAL  the input is not a valid name of its protocol, or (from_rmq) its Kafka form
 *              would be "." or ".."
 *   MQ_ETOOBIG (from_rmq) the Kafka form would exceed 249 bytes, or out is too small.
 * to_rmq never writes more bytes than it reads, so cap = KF_NAME_TOPIC_MAX always suffices;
 * from_rmq needs at most KF_NAME_TOPIC_MAX.
 * The stored name of a Kafka topic longer than 127 bytes is longer than RocketMQ clients
 * accept; the store keeps it (record magic v2) and only Kafka clients can use that topic. */
int kf_topic_to_rmq(mq_str_t kafka, char *out, size_t cap);
int kf_topic_from_rmq(mq_str_t rmq, char *out, size_t cap);

/* Functions used to map consumer group names, with the same return convention.
 * to_rmq: MQ_EINVAL for an empty id, MQ_ETOOBIG when the stored name would exceed
 * KF_NAME_GROUP_MAX bytes (or cap). from_rmq: MQ_EINVAL when the name is not a valid RocketMQ
 * group name or not one to_rmq produces; the result is at most as long as the input. */
int kf_group_to_rmq(mq_str_t kafka, char *out, size_t cap);
int kf_group_from_rmq(mq_str_t rmq, char *out, size_t cap);

#endif /* MQ_KF_NAMES_H */
