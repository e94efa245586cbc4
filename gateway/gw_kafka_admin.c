/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka_admin.c -- topic admin APIs: not served yet (empty answers). Being replaced.
 */
#include "gw_kafka_int.h"

void
gw_kafka_create_topics(gw_kreq_t *kr)
{
    (void)kr;
}

void
gw_kafka_delete_topics(gw_kreq_t *kr)
{
    (void)kr;
}

void
gw_kafka_create_partitions(gw_kreq_t *kr)
{
    (void)kr;
}

void
gw_kafka_describe_configs(gw_kreq_t *kr)
{
    (void)kr;
}

void
gw_kafka_describe_cluster(gw_kreq_t *kr)
{
    (void)kr;
}
