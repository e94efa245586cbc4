/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_util.c -- helpers every Kafka handler uses: topic and group names between Kafka and
 * the store (kf_names.h schemes), copies into the request's pool, error codes, and which
 * topics are RocketMQ's own (listed to Kafka as internal).
 */
#include <string.h>

#include "gw_kafka_int.h"
#include "gw_klayout.h"
#include "kf_names.h"

static mq_str_t
gw_kafka_name(gw_kreq_t *kr, mq_str_t in, int (*fn)(mq_str_t, char *, size_t))
{
    char buf[KF_NAME_GROUP_MAX + KF_NAME_TOPIC_MAX + 8];
    int n;
    if (!in.p)
        return MQ_STR_NULL;
    n = fn(in, buf, sizeof(buf));
    if (n <= 0)
        return MQ_STR_NULL;
    return (mq_str_t){mq_pstrdup(&kr->pool, (mq_str_t){buf, (size_t)n}), (size_t)n};
}

mq_str_t
gw_kafka_topic_to_rmq(gw_kreq_t *kr, mq_str_t kafka)
{
    return gw_kafka_name(kr, kafka, kf_topic_to_rmq);
}

mq_str_t
gw_kafka_topic_from_rmq(gw_kreq_t *kr, mq_str_t rmq)
{
    return gw_kafka_name(kr, rmq, kf_topic_from_rmq);
}

mq_str_t
gw_kafka_group_to_rmq(gw_kreq_t *kr, mq_str_t kafka)
{
    return gw_kafka_name(kr, kafka, kf_group_to_rmq);
}

mq_str_t
gw_kafka_group_from_rmq(gw_kreq_t *kr, mq_str_t rmq)
{
    return gw_kafka_name(kr, rmq, kf_group_from_rmq);
}

mq_str_t
gw_kafka_dup(gw_kreq_t *kr, mq_str_t s)
{
    if (!s.p)
        return MQ_STR_NULL;
    return (mq_str_t){mq_pstrdup(&kr->pool, s), s.n};
}

mq_str_t
gw_kafka_nonnull(mq_str_t s)
{
    return s.p ? s : MQ_STR("");
}

mq_str_t
gw_kafka_rep_text(gw_kreq_t *kr, const mq_rep_t *rep)
{
    return rep && rep->text && rep->text[0] ? gw_kafka_dup(kr, mq_str_from_cstr(rep->text))
                                            : MQ_STR_NULL;
}

int32_t
gw_kafka_partitions(const mq_topic_conf_t *t)
{
    return MQ_MAX(t->read_queues, t->write_queues);
}

int16_t
gw_kafka_error(int status)
{
    switch (status) {
    case MQ_OK:
        return KF_ERR_NONE;
    case MQ_ENOENT:
        return KF_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    case MQ_EPERM:
        return KF_ERR_UNKNOWN_TOPIC_OR_PARTITION; /* Kafka has no "not writable" */
    case MQ_ERANGE:
        return KF_ERR_OFFSET_OUT_OF_RANGE;
    case MQ_ETOOBIG:
        return KF_ERR_MESSAGE_TOO_LARGE;
    case MQ_ECORRUPT:
        return KF_ERR_CORRUPT_MESSAGE;
    case MQ_ETIMEDOUT:
        return KF_ERR_REQUEST_TIMED_OUT;
    case MQ_ENOSPC:
    case MQ_EIO:
        return KF_ERR_KAFKA_STORAGE_ERROR;
    case MQ_ECLOSED:
        return KF_ERR_NOT_LEADER_OR_FOLLOWER; /* shutting down: go elsewhere */
    case MQ_EINVAL:
        return KF_ERR_INVALID_REQUEST;
    default:
        return KF_ERR_UNKNOWN_SERVER_ERROR;
    }
}

int
gw_kafka_topic_is_internal(const gw_kafka_t *fe, mq_str_t t)
{
    return mq_topic_is_system(t, fe->conf.cluster_id, fe->conf.broker_name);
}

const char *
gw_kafka_partition_owner(const gw_kafka_t *fe, mq_str_t rmq, int32_t p, int32_t *queue)
{
    const gw_ktopic_layout_t *lay = fe->layout ? gw_klayout_get(fe->layout, rmq) : NULL;
    const gw_kseg_t *seg;
    if (!lay || lay->n_segs == 0) {
        *queue = p;
        return fe->conf.broker_name;
    }
    seg = gw_klayout_locate(lay, p, queue);
    return seg ? seg->broker : NULL;
}

int
gw_kafka_local_queue(const gw_kafka_t *fe, mq_str_t rmq, int32_t p, int32_t *queue)
{
    const char *owner = gw_kafka_partition_owner(fe, rmq, p, queue);
    return owner && strcmp(owner, fe->conf.broker_name) == 0;
}
