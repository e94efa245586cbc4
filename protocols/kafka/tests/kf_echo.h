/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_echo.h -- test and fuzz helper (header-only): builds a plausible response for any decoded
 * request from the request's own fields (topics, partitions, groups, members, keys), so every
 * response encoder runs over the strings and counts a request carried.
 */
#ifndef MQ_KF_ECHO_H
#define MQ_KF_ECHO_H

#include <string.h>

#include "kf_api.h"

#define KF_ECHO_NEW(pool, n, ptr)                                                                  \
    ((ptr) = (n) > 0 ? mq_pcalloc((pool), (size_t)(n) * sizeof(*(ptr))) : NULL)

static inline int32_t
kf_echo_n(int32_t n)
{
    return n < 0 ? 0 : n;
}

static inline void
kf_echo_response(const kf_request_t *rq, mq_pool_t *pool, kf_response_t *rs)
{
    static int32_t one[1] = {1};
    kf_broker_t *broker = mq_pcalloc(pool, sizeof(*broker));

    memset(rs, 0, sizeof(*rs));
    broker->node_id = 1;
    broker->host = MQ_STR("127.0.0.1");
    broker->port = 9092;
    switch (rq->hdr.api_key) {
    case KF_API_Produce: {
        const kf_produce_req_t *q = &rq->u.produce;
        kf_produce_resp_t *p = &rs->u.produce;
        p->n_topics = kf_echo_n(q->n_topics);
        KF_ECHO_NEW(pool, p->n_topics, p->topics);
        for (int32_t i = 0; i < p->n_topics; i++) {
            p->topics[i].name = q->topics[i].name;
            p->topics[i].n_partitions = kf_echo_n(q->topics[i].n_partitions);
            KF_ECHO_NEW(pool, p->topics[i].n_partitions, p->topics[i].partitions);
            for (int32_t j = 0; j < p->topics[i].n_partitions; j++) {
                kf_produce_resp_part_t *pp = &p->topics[i].partitions[j];
                pp->index = q->topics[i].partitions[j].index;
                pp->base_offset = j;
                pp->log_append_time_ms = -1;
                pp->error_message = q->transactional_id;
            }
        }
        break;
    }
    case KF_API_Fetch: {
        const kf_fetch_req_t *q = &rq->u.fetch;
        kf_fetch_resp_t *p = &rs->u.fetch;
        p->n_topics = kf_echo_n(q->n_topics);
        KF_ECHO_NEW(pool, p->n_topics, p->topics);
        for (int32_t i = 0; i < p->n_topics; i++) {
            p->topics[i].topic = q->topics[i].topic;
            p->topics[i].n_partitions = kf_echo_n(q->topics[i].n_partitions);
            KF_ECHO_NEW(pool, p->topics[i].n_partitions, p->topics[i].partitions);
            for (int32_t j = 0; j < p->topics[i].n_partitions; j++) {
                kf_fetch_resp_part_t *pp = &p->topics[i].partitions[j];
                pp->partition_index = q->topics[i].partitions[j].partition;
                pp->high_watermark = q->topics[i].partitions[j].fetch_offset;
                pp->last_stable_offset = pp->high_watermark;
                pp->n_aborted_transactions = j % 2 ? -1 : 0;
                pp->preferred_read_replica = -1;
                pp->records = j % 2 ? MQ_STR_NULL : q->rack_id;
            }
        }
        break;
    }
    case KF_API_ListOffsets: {
        const kf_list_offsets_req_t *q = &rq->u.list_offsets;
        kf_list_offsets_resp_t *p = &rs->u.list_offsets;
        p->n_topics = kf_echo_n(q->n_topics);
        KF_ECHO_NEW(pool, p->n_topics, p->topics);
        for (int32_t i = 0; i < p->n_topics; i++) {
            p->topics[i].name = q->topics[i].name;
            p->topics[i].n_partitions = kf_echo_n(q->topics[i].n_partitions);
            KF_ECHO_NEW(pool, p->topics[i].n_partitions, p->topics[i].partitions);
            for (int32_t j = 0; j < p->topics[i].n_partitions; j++) {
                kf_list_offsets_resp_part_t *pp = &p->topics[i].partitions[j];
                pp->partition_index = q->topics[i].partitions[j].partition_index;
                pp->timestamp = q->topics[i].partitions[j].timestamp;
                pp->offset = 7;
                pp->leader_epoch = -1;
            }
        }
        break;
    }
    case KF_API_Metadata: {
        const kf_metadata_req_t *q = &rq->u.metadata;
        kf_metadata_resp_t *p = &rs->u.metadata;
        p->brokers = broker;
        p->n_brokers = 1;
        p->cluster_id = MQ_STR("rocketmq-c");
        p->controller_id = 1;
        p->cluster_authorized_operations = KF_AUTHORIZED_OPS_NONE;
        p->n_topics = q->n_topics < 0 ? 1 : q->n_topics;
        KF_ECHO_NEW(pool, p->n_topics, p->topics);
        for (int32_t i = 0; i < p->n_topics; i++) {
            kf_metadata_resp_topic_t *t = &p->topics[i];
            t->name = q->n_topics < 0 ? MQ_STR("golden") : q->topics[i].name;
            t->topic_id = q->n_topics < 0 ? t->topic_id : q->topics[i].topic_id;
            t->topic_authorized_operations = KF_AUTHORIZED_OPS_NONE;
            t->n_partitions = 2;
            KF_ECHO_NEW(pool, 2, t->partitions);
            for (int32_t j = 0; j < 2; j++) {
                t->partitions[j].partition_index = j;
                t->partitions[j].leader_id = 1;
                t->partitions[j].replica_nodes = (kf_i32s_t){one, 1};
                t->partitions[j].isr_nodes = (kf_i32s_t){one, 1};
            }
        }
        break;
    }
    case KF_API_OffsetCommit: {
        const kf_offset_commit_req_t *q = &rq->u.offset_commit;
        kf_offset_commit_resp_t *p = &rs->u.offset_commit;
        p->n_topics = kf_echo_n(q->n_topics);
        KF_ECHO_NEW(pool, p->n_topics, p->topics);
        for (int32_t i = 0; i < p->n_topics; i++) {
            p->topics[i].name = q->topics[i].name;
            p->topics[i].n_partitions = kf_echo_n(q->topics[i].n_partitions);
            KF_ECHO_NEW(pool, p->topics[i].n_partitions, p->topics[i].partitions);
            for (int32_t j = 0; j < p->topics[i].n_partitions; j++)
                p->topics[i].partitions[j].partition_index =
                    q->topics[i].partitions[j].partition_index;
        }
        break;
    }
    case KF_API_OffsetFetch: {
        const kf_offset_fetch_req_t *q = &rq->u.offset_fetch;
        kf_offset_fetch_resp_t *p = &rs->u.offset_fetch;
        p->n_groups = kf_echo_n(q->n_groups);
        KF_ECHO_NEW(pool, p->n_groups, p->groups);
        for (int32_t g = 0; g < p->n_groups; g++) {
            const kf_offset_fetch_req_group_t *qg = &q->groups[g];
            kf_offset_fetch_resp_group_t *pg = &p->groups[g];
            pg->group_id = qg->group_id;
            pg->n_topics = kf_echo_n(qg->n_topics);
            KF_ECHO_NEW(pool, pg->n_topics, pg->topics);
            for (int32_t i = 0; i < pg->n_topics; i++) {
                pg->topics[i].name = qg->topics[i].name;
                pg->topics[i].n_partitions = kf_echo_n(qg->topics[i].partition_indexes.n);
                KF_ECHO_NEW(pool, pg->topics[i].n_partitions, pg->topics[i].partitions);
                for (int32_t j = 0; j < pg->topics[i].n_partitions; j++) {
                    kf_offset_fetch_resp_part_t *pp = &pg->topics[i].partitions[j];
                    pp->partition_index = qg->topics[i].partition_indexes.v[j];
                    pp->committed_offset = -1;
                    pp->committed_leader_epoch = -1;
                    pp->metadata = MQ_STR("");
                }
            }
        }
        break;
    }
    case KF_API_FindCoordinator: {
        const kf_find_coordinator_req_t *q = &rq->u.find_coordinator;
        kf_find_coordinator_resp_t *p = &rs->u.find_coordinator;
        p->n_coordinators = kf_echo_n(q->coordinator_keys.n);
        KF_ECHO_NEW(pool, p->n_coordinators, p->coordinators);
        for (int32_t i = 0; i < p->n_coordinators; i++) {
            p->coordinators[i].key = q->coordinator_keys.v[i];
            p->coordinators[i].node_id = 1;
            p->coordinators[i].host = broker->host;
            p->coordinators[i].port = broker->port;
        }
        break;
    }
    case KF_API_JoinGroup: {
        const kf_join_group_req_t *q = &rq->u.join_group;
        kf_join_group_resp_t *p = &rs->u.join_group;
        p->generation_id = 1;
        p->protocol_type = q->protocol_type;
        p->protocol_name = q->n_protocols > 0 ? q->protocols[0].name : MQ_STR_NULL;
        p->leader = q->member_id;
        p->member_id = q->member_id;
        p->n_members = kf_echo_n(q->n_protocols);
        KF_ECHO_NEW(pool, p->n_members, p->members);
        for (int32_t i = 0; i < p->n_members; i++) {
            p->members[i].member_id = q->protocols[i].name;
            p->members[i].group_instance_id = q->group_instance_id;
            p->members[i].metadata = q->protocols[i].metadata;
        }
        break;
    }
    case KF_API_SyncGroup: {
        const kf_sync_group_req_t *q = &rq->u.sync_group;
        kf_sync_group_resp_t *p = &rs->u.sync_group;
        p->protocol_type = q->protocol_type;
        p->protocol_name = q->protocol_name;
        p->assignment = q->n_assignments > 0 ? q->assignments[0].assignment : MQ_STR("");
        break;
    }
    case KF_API_LeaveGroup: {
        const kf_leave_group_req_t *q = &rq->u.leave_group;
        kf_leave_group_resp_t *p = &rs->u.leave_group;
        p->n_members = kf_echo_n(q->n_members);
        p->members = q->members;
        break;
    }
    case KF_API_DescribeGroups: {
        const kf_describe_groups_req_t *q = &rq->u.describe_groups;
        kf_describe_groups_resp_t *p = &rs->u.describe_groups;
        p->n_groups = kf_echo_n(q->groups.n);
        KF_ECHO_NEW(pool, p->n_groups, p->groups);
        for (int32_t i = 0; i < p->n_groups; i++) {
            kf_described_group_t *g = &p->groups[i];
            g->group_id = q->groups.v[i];
            g->group_state = MQ_STR("Dead");
            g->n_members = 1;
            KF_ECHO_NEW(pool, 1, g->members);
            g->members[0].member_id = q->groups.v[i];
            g->members[0].client_host = MQ_STR("/127.0.0.1");
            g->authorized_operations = KF_AUTHORIZED_OPS_NONE;
        }
        break;
    }
    case KF_API_ListGroups: {
        const kf_list_groups_req_t *q = &rq->u.list_groups;
        kf_list_groups_resp_t *p = &rs->u.list_groups;
        p->n_groups = kf_echo_n(q->states_filter.n);
        KF_ECHO_NEW(pool, p->n_groups, p->groups);
        for (int32_t i = 0; i < p->n_groups; i++) {
            p->groups[i].group_id = q->states_filter.v[i];
            p->groups[i].protocol_type = MQ_STR("consumer");
            p->groups[i].group_state = q->states_filter.v[i];
        }
        break;
    }
    case KF_API_DeleteGroups: {
        const kf_delete_groups_req_t *q = &rq->u.delete_groups;
        kf_delete_groups_resp_t *p = &rs->u.delete_groups;
        p->n_results = kf_echo_n(q->groups_names.n);
        KF_ECHO_NEW(pool, p->n_results, p->results);
        for (int32_t i = 0; i < p->n_results; i++)
            p->results[i].group_id = q->groups_names.v[i];
        break;
    }
    case KF_API_CreateTopics: {
        const kf_create_topics_req_t *q = &rq->u.create_topics;
        kf_create_topics_resp_t *p = &rs->u.create_topics;
        p->n_topics = kf_echo_n(q->n_topics);
        KF_ECHO_NEW(pool, p->n_topics, p->topics);
        for (int32_t i = 0; i < p->n_topics; i++) {
            kf_created_topic_t *t = &p->topics[i];
            t->name = q->topics[i].name;
            t->num_partitions = q->topics[i].num_partitions;
            t->replication_factor = q->topics[i].replication_factor;
            t->n_configs = q->topics[i].n_configs;
            KF_ECHO_NEW(pool, t->n_configs, t->configs);
            for (int32_t j = 0; j < t->n_configs; j++) {
                t->configs[j].name = q->topics[i].configs[j].name;
                t->configs[j].value = q->topics[i].configs[j].value;
            }
        }
        break;
    }
    case KF_API_DeleteTopics: {
        const kf_delete_topics_req_t *q = &rq->u.delete_topics;
        kf_delete_topics_resp_t *p = &rs->u.delete_topics;
        p->n_responses = kf_echo_n(q->n_topics);
        KF_ECHO_NEW(pool, p->n_responses, p->responses);
        for (int32_t i = 0; i < p->n_responses; i++) {
            p->responses[i].name = q->topics[i].name;
            p->responses[i].topic_id = q->topics[i].topic_id;
        }
        break;
    }
    case KF_API_CreatePartitions: {
        const kf_create_partitions_req_t *q = &rq->u.create_partitions;
        kf_create_partitions_resp_t *p = &rs->u.create_partitions;
        p->n_results = kf_echo_n(q->n_topics);
        KF_ECHO_NEW(pool, p->n_results, p->results);
        for (int32_t i = 0; i < p->n_results; i++)
            p->results[i].name = q->topics[i].name;
        break;
    }
    case KF_API_InitProducerId:
        rs->u.init_producer_id.producer_id = 1000;
        rs->u.init_producer_id.producer_epoch = 0;
        break;
    case KF_API_DescribeConfigs: {
        const kf_describe_configs_req_t *q = &rq->u.describe_configs;
        kf_describe_configs_resp_t *p = &rs->u.describe_configs;
        p->n_results = kf_echo_n(q->n_resources);
        KF_ECHO_NEW(pool, p->n_results, p->results);
        for (int32_t i = 0; i < p->n_results; i++) {
            kf_config_result_t *res = &p->results[i];
            const kf_config_resource_t *qr = &q->resources[i];
            res->resource_type = qr->resource_type;
            res->resource_name = qr->resource_name;
            res->n_configs = kf_echo_n(qr->configuration_keys.n);
            KF_ECHO_NEW(pool, res->n_configs, res->configs);
            for (int32_t j = 0; j < res->n_configs; j++) {
                res->configs[j].name = qr->configuration_keys.v[j];
                res->configs[j].value = MQ_STR("1");
                res->configs[j].config_source = 5;
                res->configs[j].config_type = 3;
            }
        }
        break;
    }
    case KF_API_DescribeCluster:
        rs->u.describe_cluster.cluster_id = MQ_STR("rocketmq-c");
        rs->u.describe_cluster.controller_id = 1;
        rs->u.describe_cluster.brokers = broker;
        rs->u.describe_cluster.n_brokers = 1;
        rs->u.describe_cluster.cluster_authorized_operations = KF_AUTHORIZED_OPS_NONE;
        break;
    default:
        break; /* ApiVersions, Heartbeat: the zeroed body is right */
    }
}

#endif /* MQ_KF_ECHO_H */
