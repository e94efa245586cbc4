/* SPDX-License-Identifier: Apache-2.0
 *
 * kf_msgs.h -- the request and response bodies of every API in kf_api.def as plain C structs
 * (kafka-protocol.md section 5). Field names are the snake_case of the spec's field names.
 *
 * Decoders fill request structs with views into the request bytes and arrays from an
 * mq_pool_t; encoders read response structs the caller filled (arrays and views it owns).
 * Conventions: a string or bytes view with p == NULL is null; an array is a pointer plus an
 * int32 count where count -1 means a null array (only where the spec allows null). Fields a
 * version does not carry are decoded as their defaults and ignored by the encoder.
 * Versions differing in shape are normalised: LeaveGroup v0-2's single member becomes a
 * one-element `members`, OffsetFetch v0-7's group becomes a one-element `groups`,
 * DeleteTopics v0-5's names become `topics` entries, FindCoordinator v0-3's key becomes a
 * one-element `coordinator_keys` (and the v0-3 response uses coordinators[0]).
 */
#ifndef MQ_KF_MSGS_H
#define MQ_KF_MSGS_H

#include <stdint.h>

#include "kf_wire.h"
#include "mq/common.h"

typedef struct kf_i32s_s {
    int32_t *v;
    int32_t n; /* -1: null */
} kf_i32s_t;

typedef struct kf_strs_s {
    mq_str_t *v;
    int32_t n; /* -1: null */
} kf_strs_t;

/* ---------------------------------------------------------------------------------------------
 * Produce (0)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_produce_req_part_s {
    int32_t index;
    mq_str_t records; /* concatenated record batches, p == NULL: null */
} kf_produce_req_part_t;

typedef struct kf_produce_req_topic_s {
    mq_str_t name;
    kf_produce_req_part_t *partitions;
    int32_t n_partitions;
} kf_produce_req_topic_t;

typedef struct kf_produce_req_s {
    mq_str_t transactional_id; /* v3+ */
    int16_t acks;
    int32_t timeout_ms;
    kf_produce_req_topic_t *topics;
    int32_t n_topics;
} kf_produce_req_t;

typedef struct kf_record_error_s {
    int32_t batch_index;
    mq_str_t batch_index_error_message;
} kf_record_error_t;

typedef struct kf_produce_resp_part_s {
    int32_t index;
    int16_t error_code;
    int64_t base_offset;
    int64_t log_append_time_ms;       /* v2+, -1 unless LogAppendTime */
    int64_t log_start_offset;         /* v5+ */
    kf_record_error_t *record_errors; /* v8+ */
    int32_t n_record_errors;
    mq_str_t error_message; /* v8+ */
} kf_produce_resp_part_t;

typedef struct kf_produce_resp_topic_s {
    mq_str_t name;
    kf_produce_resp_part_t *partitions;
    int32_t n_partitions;
} kf_produce_resp_topic_t;

typedef struct kf_produce_resp_s {
    kf_produce_resp_topic_t *topics;
    int32_t n_topics;
    int32_t throttle_time_ms;
} kf_produce_resp_t;

/* ---------------------------------------------------------------------------------------------
 * Fetch (1)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_fetch_req_part_s {
    int32_t partition;
    int32_t current_leader_epoch; /* v9+, -1 */
    int64_t fetch_offset;
    int32_t last_fetched_epoch; /* v12+, -1 */
    int64_t log_start_offset;   /* v5+, -1 */
    int32_t partition_max_bytes;
} kf_fetch_req_part_t;

typedef struct kf_fetch_req_topic_s {
    mq_str_t topic;
    kf_fetch_req_part_t *partitions;
    int32_t n_partitions;
} kf_fetch_req_topic_t;

typedef struct kf_fetch_forgotten_s {
    mq_str_t topic;
    kf_i32s_t partitions;
} kf_fetch_forgotten_t;

typedef struct kf_fetch_req_s {
    int32_t replica_id;
    int32_t max_wait_ms;
    int32_t min_bytes;
    int32_t max_bytes;      /* v3+, INT32_MAX before */
    int8_t isolation_level; /* v4+ */
    int32_t session_id;     /* v7+ */
    int32_t session_epoch;  /* v7+, -1 */
    kf_fetch_req_topic_t *topics;
    int32_t n_topics;
    kf_fetch_forgotten_t *forgotten_topics_data; /* v7+ */
    int32_t n_forgotten_topics_data;
    mq_str_t rack_id; /* v11+ */
} kf_fetch_req_t;

typedef struct kf_aborted_txn_s {
    int64_t producer_id;
    int64_t first_offset;
} kf_aborted_txn_t;

typedef struct kf_fetch_resp_part_s {
    int32_t partition_index;
    int16_t error_code;
    int64_t high_watermark;
    int64_t last_stable_offset;             /* v4+ */
    int64_t log_start_offset;               /* v5+ */
    kf_aborted_txn_t *aborted_transactions; /* v4+ */
    int32_t n_aborted_transactions;         /* -1: null */
    int32_t preferred_read_replica;         /* v11+, must be -1 for librdkafka */
    mq_str_t records;                       /* p == NULL: null */
} kf_fetch_resp_part_t;

typedef struct kf_fetch_resp_topic_s {
    mq_str_t topic;
    kf_fetch_resp_part_t *partitions;
    int32_t n_partitions;
} kf_fetch_resp_topic_t;

typedef struct kf_fetch_resp_s {
    int32_t throttle_time_ms;
    int16_t error_code; /* v7+ */
    int32_t session_id; /* v7+ */
    kf_fetch_resp_topic_t *topics;
    int32_t n_topics;
} kf_fetch_resp_t;

/* ---------------------------------------------------------------------------------------------
 * ListOffsets (2)
 * ------------------------------------------------------------------------------------------- */

#define KF_OFFSET_LATEST (-1)
#define KF_OFFSET_EARLIEST (-2)
#define KF_OFFSET_MAX_TIMESTAMP (-3)

typedef struct kf_list_offsets_req_part_s {
    int32_t partition_index;
    int32_t current_leader_epoch; /* v4+, -1 */
    int64_t timestamp;
    int32_t max_num_offsets; /* v0 */
} kf_list_offsets_req_part_t;

typedef struct kf_list_offsets_req_topic_s {
    mq_str_t name;
    kf_list_offsets_req_part_t *partitions;
    int32_t n_partitions;
} kf_list_offsets_req_topic_t;

typedef struct kf_list_offsets_req_s {
    int32_t replica_id;
    int8_t isolation_level; /* v2+ */
    kf_list_offsets_req_topic_t *topics;
    int32_t n_topics;
} kf_list_offsets_req_t;

typedef struct kf_list_offsets_resp_part_s {
    int32_t partition_index;
    int16_t error_code;
    int64_t timestamp;    /* v1+ */
    int64_t offset;       /* v1+; v0 sends [offset] when offset >= 0, else [] */
    int32_t leader_epoch; /* v4+ */
} kf_list_offsets_resp_part_t;

typedef struct kf_list_offsets_resp_topic_s {
    mq_str_t name;
    kf_list_offsets_resp_part_t *partitions;
    int32_t n_partitions;
} kf_list_offsets_resp_topic_t;

typedef struct kf_list_offsets_resp_s {
    int32_t throttle_time_ms;
    kf_list_offsets_resp_topic_t *topics;
    int32_t n_topics;
} kf_list_offsets_resp_t;

/* ---------------------------------------------------------------------------------------------
 * Metadata (3)
 * ------------------------------------------------------------------------------------------- */

#define KF_AUTHORIZED_OPS_NONE INT32_MIN

typedef struct kf_metadata_req_topic_s {
    kf_uuid_t topic_id; /* v10+ */
    mq_str_t name;      /* nullable v10+ */
} kf_metadata_req_topic_t;

typedef struct kf_metadata_req_s {
    kf_metadata_req_topic_t *topics;
    int32_t n_topics;                              /* -1: all topics (v0: an empty array) */
    uint8_t allow_auto_topic_creation;             /* v4+; 1 before */
    uint8_t include_cluster_authorized_operations; /* v8-10 */
    uint8_t include_topic_authorized_operations;   /* v8+ */
} kf_metadata_req_t;

typedef struct kf_broker_s {
    int32_t node_id;
    mq_str_t host;
    int32_t port;
    mq_str_t rack; /* v1+, nullable */
} kf_broker_t;

typedef struct kf_metadata_resp_part_s {
    int16_t error_code;
    int32_t partition_index;
    int32_t leader_id;
    int32_t leader_epoch; /* v7+ */
    kf_i32s_t replica_nodes;
    kf_i32s_t isr_nodes;
    kf_i32s_t offline_replicas; /* v5+ */
} kf_metadata_resp_part_t;

typedef struct kf_metadata_resp_topic_s {
    int16_t error_code;
    mq_str_t name;
    kf_uuid_t topic_id;  /* v10+ */
    uint8_t is_internal; /* v1+ */
    kf_metadata_resp_part_t *partitions;
    int32_t n_partitions;
    int32_t topic_authorized_operations; /* v8+ */
} kf_metadata_resp_topic_t;

typedef struct kf_metadata_resp_s {
    int32_t throttle_time_ms; /* v3+ */
    kf_broker_t *brokers;
    int32_t n_brokers;
    mq_str_t cluster_id;   /* v2+, nullable */
    int32_t controller_id; /* v1+ */
    kf_metadata_resp_topic_t *topics;
    int32_t n_topics;
    int32_t cluster_authorized_operations; /* v8-10 */
} kf_metadata_resp_t;

/* ---------------------------------------------------------------------------------------------
 * OffsetCommit (8) / OffsetFetch (9)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_offset_commit_req_part_s {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /* v6+, -1 */
    int64_t commit_timestamp;       /* v1, -1 */
    mq_str_t committed_metadata;    /* nullable */
} kf_offset_commit_req_part_t;

typedef struct kf_offset_commit_req_topic_s {
    mq_str_t name;
    kf_offset_commit_req_part_t *partitions;
    int32_t n_partitions;
} kf_offset_commit_req_topic_t;

typedef struct kf_offset_commit_req_s {
    mq_str_t group_id;
    int32_t generation_id_or_member_epoch; /* v1+, -1 */
    mq_str_t member_id;                    /* v1+ */
    mq_str_t group_instance_id;            /* v7+, nullable */
    int64_t retention_time_ms;             /* v2-4, -1 */
    kf_offset_commit_req_topic_t *topics;
    int32_t n_topics;
} kf_offset_commit_req_t;

typedef struct kf_part_error_s {
    int32_t partition_index;
    int16_t error_code;
} kf_part_error_t;

typedef struct kf_topic_part_errors_s {
    mq_str_t name;
    kf_part_error_t *partitions;
    int32_t n_partitions;
} kf_topic_part_errors_t;

typedef struct kf_offset_commit_resp_s {
    int32_t throttle_time_ms; /* v3+ */
    kf_topic_part_errors_t *topics;
    int32_t n_topics;
} kf_offset_commit_resp_t;

typedef struct kf_offset_fetch_req_topic_s {
    mq_str_t name;
    kf_i32s_t partition_indexes;
} kf_offset_fetch_req_topic_t;

typedef struct kf_offset_fetch_req_group_s {
    mq_str_t group_id;
    mq_str_t member_id;   /* v9+ */
    int32_t member_epoch; /* v9+ */
    kf_offset_fetch_req_topic_t *topics;
    int32_t n_topics; /* -1: all (v2+) */
} kf_offset_fetch_req_group_t;

typedef struct kf_offset_fetch_req_s {
    kf_offset_fetch_req_group_t *groups; /* v0-7: exactly one */
    int32_t n_groups;
    uint8_t require_stable; /* v7+ */
} kf_offset_fetch_req_t;

typedef struct kf_offset_fetch_resp_part_s {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /* v5+ */
    mq_str_t metadata;              /* nullable */
    int16_t error_code;
} kf_offset_fetch_resp_part_t;

typedef struct kf_offset_fetch_resp_topic_s {
    mq_str_t name;
    kf_offset_fetch_resp_part_t *partitions;
    int32_t n_partitions;
} kf_offset_fetch_resp_topic_t;

typedef struct kf_offset_fetch_resp_group_s {
    mq_str_t group_id;
    kf_offset_fetch_resp_topic_t *topics;
    int32_t n_topics;
    int16_t error_code; /* v2+ */
} kf_offset_fetch_resp_group_t;

typedef struct kf_offset_fetch_resp_s {
    int32_t throttle_time_ms;             /* v3+ */
    kf_offset_fetch_resp_group_t *groups; /* v0-7: groups[0] is encoded (none: empty) */
    int32_t n_groups;
} kf_offset_fetch_resp_t;

/* ---------------------------------------------------------------------------------------------
 * FindCoordinator (10)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_find_coordinator_req_s {
    int8_t key_type;            /* v1+: 0 group, 1 transaction */
    kf_strs_t coordinator_keys; /* v4+; v0-3: the single key */
} kf_find_coordinator_req_t;

typedef struct kf_coordinator_s {
    mq_str_t key; /* v4+ */
    int32_t node_id;
    mq_str_t host;
    int32_t port;
    int16_t error_code;
    mq_str_t error_message; /* v1+, nullable */
} kf_coordinator_t;

typedef struct kf_find_coordinator_resp_s {
    int32_t throttle_time_ms;
    kf_coordinator_t *coordinators; /* v0-3: coordinators[0] (none: error_code below) */
    int32_t n_coordinators;
    int16_t error_code; /* v0-3 when n_coordinators == 0 */
} kf_find_coordinator_resp_t;

/* ---------------------------------------------------------------------------------------------
 * JoinGroup (11), SyncGroup (14), Heartbeat (12), LeaveGroup (13)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_join_protocol_s {
    mq_str_t name;
    mq_str_t metadata;
} kf_join_protocol_t;

typedef struct kf_join_group_req_s {
    mq_str_t group_id;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms; /* v1+; v0: session_timeout_ms */
    mq_str_t member_id;
    mq_str_t group_instance_id; /* v5+, nullable */
    mq_str_t protocol_type;
    kf_join_protocol_t *protocols;
    int32_t n_protocols;
    mq_str_t reason; /* v8+, nullable */
} kf_join_group_req_t;

typedef struct kf_join_member_s {
    mq_str_t member_id;
    mq_str_t group_instance_id; /* v5+ */
    mq_str_t metadata;
} kf_join_member_t;

typedef struct kf_join_group_resp_s {
    int32_t throttle_time_ms; /* v2+ */
    int16_t error_code;
    int32_t generation_id;
    mq_str_t protocol_type; /* v7+, nullable */
    mq_str_t protocol_name; /* nullable v7+ */
    mq_str_t leader;
    uint8_t skip_assignment; /* v9+ */
    mq_str_t member_id;
    kf_join_member_t *members;
    int32_t n_members;
} kf_join_group_resp_t;

typedef struct kf_sync_assignment_s {
    mq_str_t member_id;
    mq_str_t assignment;
} kf_sync_assignment_t;

typedef struct kf_sync_group_req_s {
    mq_str_t group_id;
    int32_t generation_id;
    mq_str_t member_id;
    mq_str_t group_instance_id; /* v3+ */
    mq_str_t protocol_type;     /* v5+ */
    mq_str_t protocol_name;     /* v5+ */
    kf_sync_assignment_t *assignments;
    int32_t n_assignments;
} kf_sync_group_req_t;

typedef struct kf_sync_group_resp_s {
    int32_t throttle_time_ms;
    int16_t error_code;
    mq_str_t protocol_type; /* v5+ */
    mq_str_t protocol_name; /* v5+ */
    mq_str_t assignment;
} kf_sync_group_resp_t;

typedef struct kf_heartbeat_req_s {
    mq_str_t group_id;
    int32_t generation_id;
    mq_str_t member_id;
    mq_str_t group_instance_id; /* v3+ */
} kf_heartbeat_req_t;

typedef struct kf_simple_resp_s {
    int32_t throttle_time_ms;
    int16_t error_code;
} kf_simple_resp_t;

typedef kf_simple_resp_t kf_heartbeat_resp_t;

typedef struct kf_leave_member_s {
    mq_str_t member_id;
    mq_str_t group_instance_id;
    mq_str_t reason;    /* v5+ (request) */
    int16_t error_code; /* response */
} kf_leave_member_t;

typedef struct kf_leave_group_req_s {
    mq_str_t group_id;
    kf_leave_member_t *members; /* v0-2: one member */
    int32_t n_members;
} kf_leave_group_req_t;

typedef struct kf_leave_group_resp_s {
    int32_t throttle_time_ms;
    int16_t error_code;
    kf_leave_member_t *members; /* v3+ */
    int32_t n_members;
} kf_leave_group_resp_t;

/* ---------------------------------------------------------------------------------------------
 * DescribeGroups (15), ListGroups (16), DeleteGroups (42)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_describe_groups_req_s {
    kf_strs_t groups;
    uint8_t include_authorized_operations; /* v3+ */
} kf_describe_groups_req_t;

typedef struct kf_described_member_s {
    mq_str_t member_id;
    mq_str_t group_instance_id; /* v4+ */
    mq_str_t client_id;
    mq_str_t client_host;
    mq_str_t member_metadata;
    mq_str_t member_assignment;
} kf_described_member_t;

typedef struct kf_described_group_s {
    int16_t error_code;
    mq_str_t group_id;
    mq_str_t group_state;
    mq_str_t protocol_type;
    mq_str_t protocol_data;
    kf_described_member_t *members;
    int32_t n_members;
    int32_t authorized_operations; /* v3+ */
} kf_described_group_t;

typedef struct kf_describe_groups_resp_s {
    int32_t throttle_time_ms;
    kf_described_group_t *groups;
    int32_t n_groups;
} kf_describe_groups_resp_t;

typedef struct kf_list_groups_req_s {
    kf_strs_t states_filter; /* v4+ */
    kf_strs_t types_filter;  /* v5+ */
} kf_list_groups_req_t;

typedef struct kf_listed_group_s {
    mq_str_t group_id;
    mq_str_t protocol_type;
    mq_str_t group_state; /* v4+ */
    mq_str_t group_type;  /* v5+ */
} kf_listed_group_t;

typedef struct kf_list_groups_resp_s {
    int32_t throttle_time_ms;
    int16_t error_code;
    kf_listed_group_t *groups;
    int32_t n_groups;
} kf_list_groups_resp_t;

typedef struct kf_delete_groups_req_s {
    kf_strs_t groups_names;
} kf_delete_groups_req_t;

typedef struct kf_group_result_s {
    mq_str_t group_id;
    int16_t error_code;
} kf_group_result_t;

typedef struct kf_delete_groups_resp_s {
    int32_t throttle_time_ms;
    kf_group_result_t *results;
    int32_t n_results;
} kf_delete_groups_resp_t;

/* ---------------------------------------------------------------------------------------------
 * ApiVersions (18)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_api_versions_req_s {
    mq_str_t client_software_name;    /* v3+ */
    mq_str_t client_software_version; /* v3+ */
} kf_api_versions_req_t;

/* The api_keys array comes from kf_api.def (advertised ranges). */
typedef kf_simple_resp_t kf_api_versions_resp_t;

/* ---------------------------------------------------------------------------------------------
 * CreateTopics (19), DeleteTopics (20), CreatePartitions (37)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_replica_assignment_s {
    int32_t partition_index;
    kf_i32s_t broker_ids;
} kf_replica_assignment_t;

typedef struct kf_config_kv_s {
    mq_str_t name;
    mq_str_t value; /* nullable */
} kf_config_kv_t;

typedef struct kf_create_topic_s {
    mq_str_t name;
    int32_t num_partitions;     /* -1: default */
    int16_t replication_factor; /* -1: default */
    kf_replica_assignment_t *assignments;
    int32_t n_assignments;
    kf_config_kv_t *configs;
    int32_t n_configs;
} kf_create_topic_t;

typedef struct kf_create_topics_req_s {
    kf_create_topic_t *topics;
    int32_t n_topics;
    int32_t timeout_ms;
    uint8_t validate_only; /* v1+ */
} kf_create_topics_req_t;

typedef struct kf_created_config_s {
    mq_str_t name;
    mq_str_t value; /* nullable */
    uint8_t read_only;
    int8_t config_source;
    uint8_t is_sensitive;
} kf_created_config_t;

typedef struct kf_created_topic_s {
    mq_str_t name;
    kf_uuid_t topic_id; /* v7+ */
    int16_t error_code;
    mq_str_t error_message;       /* v1+, nullable */
    int32_t num_partitions;       /* v5+ */
    int16_t replication_factor;   /* v5+ */
    kf_created_config_t *configs; /* v5+ */
    int32_t n_configs;            /* -1: null */
} kf_created_topic_t;

typedef struct kf_create_topics_resp_s {
    int32_t throttle_time_ms; /* v2+ */
    kf_created_topic_t *topics;
    int32_t n_topics;
} kf_create_topics_resp_t;

typedef struct kf_delete_topic_s {
    mq_str_t name;      /* nullable v6+ */
    kf_uuid_t topic_id; /* v6+ */
} kf_delete_topic_t;

typedef struct kf_delete_topics_req_s {
    kf_delete_topic_t *topics; /* v0-5: from topic_names */
    int32_t n_topics;
    int32_t timeout_ms;
} kf_delete_topics_req_t;

typedef struct kf_deleted_topic_s {
    mq_str_t name;
    kf_uuid_t topic_id; /* v6+ */
    int16_t error_code;
    mq_str_t error_message; /* v5+ */
} kf_deleted_topic_t;

typedef struct kf_delete_topics_resp_s {
    int32_t throttle_time_ms; /* v1+ */
    kf_deleted_topic_t *responses;
    int32_t n_responses;
} kf_delete_topics_resp_t;

typedef struct kf_create_partitions_topic_s {
    mq_str_t name;
    int32_t count;
    kf_i32s_t *assignments; /* each: broker ids */
    int32_t n_assignments;  /* -1: null */
} kf_create_partitions_topic_t;

typedef struct kf_create_partitions_req_s {
    kf_create_partitions_topic_t *topics;
    int32_t n_topics;
    int32_t timeout_ms;
    uint8_t validate_only;
} kf_create_partitions_req_t;

typedef struct kf_topic_result_s {
    mq_str_t name;
    int16_t error_code;
    mq_str_t error_message; /* nullable */
} kf_topic_result_t;

typedef struct kf_create_partitions_resp_s {
    int32_t throttle_time_ms;
    kf_topic_result_t *results;
    int32_t n_results;
} kf_create_partitions_resp_t;

/* ---------------------------------------------------------------------------------------------
 * InitProducerId (22)
 * ------------------------------------------------------------------------------------------- */

typedef struct kf_init_producer_id_req_s {
    mq_str_t transactional_id; /* nullable */
    int32_t transaction_timeout_ms;
    int64_t producer_id;    /* v3+, -1 */
    int16_t producer_epoch; /* v3+, -1 */
} kf_init_producer_id_req_t;

typedef struct kf_init_producer_id_resp_s {
    int32_t throttle_time_ms;
    int16_t error_code;
    int64_t producer_id;
    int16_t producer_epoch;
} kf_init_producer_id_resp_t;

/* ---------------------------------------------------------------------------------------------
 * DescribeConfigs (32), DescribeCluster (60)
 * ------------------------------------------------------------------------------------------- */

#define KF_RESOURCE_TOPIC 2
#define KF_RESOURCE_BROKER 4

typedef struct kf_config_resource_s {
    int8_t resource_type;
    mq_str_t resource_name;
    kf_strs_t configuration_keys; /* n == -1: all */
} kf_config_resource_t;

typedef struct kf_describe_configs_req_s {
    kf_config_resource_t *resources;
    int32_t n_resources;
    uint8_t include_synonyms;      /* v1+ */
    uint8_t include_documentation; /* v3+ */
} kf_describe_configs_req_t;

typedef struct kf_config_synonym_s {
    mq_str_t name;
    mq_str_t value;
    int8_t source;
} kf_config_synonym_t;

typedef struct kf_config_entry_s {
    mq_str_t name;
    mq_str_t value; /* nullable */
    uint8_t read_only;
    uint8_t is_default;   /* v0 */
    int8_t config_source; /* v1+ */
    uint8_t is_sensitive;
    kf_config_synonym_t *synonyms; /* v1+ */
    int32_t n_synonyms;
    int8_t config_type;     /* v3+ */
    mq_str_t documentation; /* v3+, nullable */
} kf_config_entry_t;

typedef struct kf_config_result_s {
    int16_t error_code;
    mq_str_t error_message; /* nullable */
    int8_t resource_type;
    mq_str_t resource_name;
    kf_config_entry_t *configs;
    int32_t n_configs;
} kf_config_result_t;

typedef struct kf_describe_configs_resp_s {
    int32_t throttle_time_ms;
    kf_config_result_t *results;
    int32_t n_results;
} kf_describe_configs_resp_t;

typedef struct kf_describe_cluster_req_s {
    uint8_t include_cluster_authorized_operations;
    int8_t endpoint_type; /* v1+, 1 = brokers */
} kf_describe_cluster_req_t;

typedef struct kf_describe_cluster_resp_s {
    int32_t throttle_time_ms;
    int16_t error_code;
    mq_str_t error_message; /* nullable */
    int8_t endpoint_type;   /* v1+ */
    mq_str_t cluster_id;
    int32_t controller_id;
    kf_broker_t *brokers;
    int32_t n_brokers;
    int32_t cluster_authorized_operations;
} kf_describe_cluster_resp_t;

#endif /* MQ_KF_MSGS_H */
