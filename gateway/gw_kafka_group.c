/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_group.c -- consumer-group APIs: not served yet (COORDINATOR_NOT_AVAILABLE), so Kafka
 * clients fall back to assigned partitions. Being replaced by the coordinator mapping.
 */
#include "gw_kafka_int.h"

void
gw_kafka_find_coordinator(gw_kreq_t *kr)
{
    kr->resp.u.find_coordinator.error_code = KF_ERR_COORDINATOR_NOT_AVAILABLE;
}

void
gw_kafka_join_group(gw_kreq_t *kr)
{
    kr->resp.u.join_group.error_code = KF_ERR_COORDINATOR_NOT_AVAILABLE;
}

void
gw_kafka_sync_group(gw_kreq_t *kr)
{
    kr->resp.u.sync_group.error_code = KF_ERR_COORDINATOR_NOT_AVAILABLE;
}

void
gw_kafka_heartbeat(gw_kreq_t *kr)
{
    kr->resp.u.heartbeat.error_code = KF_ERR_COORDINATOR_NOT_AVAILABLE;
}

void
gw_kafka_leave_group(gw_kreq_t *kr)
{
    kr->resp.u.leave_group.error_code = KF_ERR_COORDINATOR_NOT_AVAILABLE;
}

void
gw_kafka_offset_commit(gw_kreq_t *kr)
{
    (void)kr;
}

void
gw_kafka_offset_fetch(gw_kreq_t *kr)
{
    (void)kr;
}

void
gw_kafka_list_groups(gw_kreq_t *kr)
{
    (void)kr;
}

void
gw_kafka_describe_groups(gw_kreq_t *kr)
{
    (void)kr;
}

void
gw_kafka_delete_groups(gw_kreq_t *kr)
{
    (void)kr;
}
