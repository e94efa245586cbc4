/* SPDX-License-Identifier: Apache-2.0
 *
 * req.h -- THE COMMON REQUEST MODEL: protocol-neutral operations that the broker and the
 * NameServer implement, and that every wire front-end (RocketMQ remoting, Kafka) translates
 * its frames into (RocketMQ proxy's MessagingProcessor, h2o's h2o_req_t).
 *
 * A front-end decodes a frame into its own struct whose first member is an mq_req_t
 * (libev's "custom data"): `struct rmq_req { mq_req_t base; int32_t opaque; ... }`. It fills
 * base.op and the matching member of base.u, then hands the request to a service. The service
 * answers exactly once through req->reply(req, status, rep), at once or later (a long poll, a
 * sync flush), from the thread that owns the request's connection (services that finish on
 * another thread hand the reply back to that thread first). The front-end recovers its struct
 * with MQ_CONTAINER_OF and encodes the reply. Services never see wire formats; names here are
 * operations, never wire opcodes.
 *
 * Ownership: strings and arrays in a request are views into the receive buffer or allocations
 * in req->pool, valid until the reply has been encoded. A reply's data belongs to the service
 * and only needs to live until reply() returns (front-ends encode it synchronously).
 */
#ifndef MQ_REQ_H
#define MQ_REQ_H

#include <stdint.h>

#include "mq/buf.h"
#include "mq/common.h"
#include "mq/msg.h"
#include "mq/pool.h"

/* Operations. Keep mq_op_name() (protocols/core/mq_req.c) in step: it expands this list. */
#define MQ_OP_MAP(XX)                                                                              \
    XX(REGISTER_BROKER)     /* a broker announces itself and its topics (NameServer) */            \
    XX(UNREGISTER_BROKER)   /* a broker leaves (NameServer) */                                     \
    XX(QUERY_DATA_VERSION)  /* has the NameServer got this broker's latest topics? */              \
    XX(GET_ROUTE)           /* brokers and queues of a topic (NameServer) */                       \
    XX(GET_CLUSTER_INFO)    /* brokers by cluster (NameServer) */                                  \
    XX(GET_TOPIC_LIST)      /* every topic, or a cluster's topics (NameServer) */                  \
    XX(DELETE_TOPIC_ROUTE)  /* forget a topic's route (NameServer) */                              \
    XX(KV_PUT)              /* namespace/key = value (NameServer) */                               \
    XX(KV_GET)              /* value of namespace/key (NameServer) */                              \
    XX(KV_DELETE)           /* remove namespace/key (NameServer) */                                \
    XX(KV_LIST)             /* all keys of a namespace (NameServer) */                             \
    XX(SET_BROKER_WRITABLE) /* wipe or add the write permission of a broker name (NameServer) */   \
    XX(PRODUCE)             /* append messages to a queue (broker) */                              \
    XX(PULL)                /* read messages of a queue from an offset; may be held (broker) */    \
    XX(SEND_BACK)           /* a consumer hands a message back: retry later or DLQ (broker) */     \
    XX(GET_QUEUE_OFFSET)   /* min/max offset, offset by time, earliest time of a queue (broker) */ \
    XX(QUERY_GROUP_OFFSET) /* a group's committed offset on a queue (broker) */                    \
    XX(COMMIT_GROUP_OFFSET)  /* commit a group's offset on a queue (broker) */                     \
    XX(CLIENT_HEARTBEAT)     /* a client announces its producer/consumer groups (broker) */        \
    XX(CLIENT_UNREGISTER)    /* a client leaves its groups (broker) */                             \
    XX(END_TRANSACTION)      /* commit or roll back a transactional half message (broker) */       \
    XX(GET_GROUP_MEMBERS)    /* client ids of a consumer group (broker) */                         \
    XX(TOPIC_UPSERT)         /* create or update a topic's config (broker admin) */                \
    XX(TOPIC_DELETE)         /* delete a topic: config, queues, offsets (broker admin) */          \
    XX(TOPIC_CONFIG_LIST)    /* every topic config + the table's DataVersion (broker admin) */     \
    XX(TOPIC_CONFIG_GET)     /* one topic's config (broker admin) */                               \
    XX(GROUP_UPSERT)         /* create or update a subscription group (broker admin) */            \
    XX(GROUP_CONFIG_LIST)    /* every subscription group config (broker admin) */                  \
    XX(GROUP_DELETE)         /* delete a subscription group (broker admin) */                      \
    XX(RUNTIME_INFO)         /* counters and store figures as key/values (broker admin) */         \
    XX(CONSUME_STATS)        /* a group's offsets against the queues' ends (broker admin) */       \
    XX(TOPIC_STATS)          /* a topic's queues: min/max offset, last store time (broker) */      \
    XX(GROUP_CONNECTIONS)    /* a consumer group's clients and subscriptions (broker admin) */     \
    XX(VIEW_MESSAGE)         /* the stored record at a CommitLog offset (broker) */                \
    XX(QUERY_MESSAGE)        /* stored records by KEYS or UNIQ_KEY through the index (broker) */   \
    XX(BROKER_CONFIG_GET)    /* the broker's config keys and values (broker admin) */              \
    XX(BROKER_CONFIG_UPDATE) /* change config keys at run time (broker admin) */                   \
    XX(RESET_GROUP_OFFSET)   /* move a group's committed offsets on a topic to a time (broker) */  \
    XX(COORD_JOIN)           /* join a coordinated group; parked until the rebalance ends */       \
    XX(COORD_SYNC)           /* fetch this member's assignment; the leader hands them out */       \
    XX(COORD_HEARTBEAT)      /* a member is alive; tells it when to rejoin */                      \
    XX(COORD_LEAVE)          /* members leave a coordinated group */                               \
    XX(COORD_LIST)           /* coordinated groups with their state */                             \
    XX(COORD_DESCRIBE)       /* groups' state, protocol, members and assignments */                \
    XX(COORD_DELETE)         /* delete empty groups and their committed offsets */                 \
    XX(COORD_OFFSET_COMMIT)  /* commit offsets + metadata, checking the member */                  \
    XX(COORD_OFFSET_FETCH)   /* committed offsets + metadata of a group (Kafka OffsetFetch) */    \
    XX(CHECK_CLIENT_CONFIG)  /* validate a consumer's subscription (SQL92) before it starts */     \
    XX(QUEUE_LOCK)           /* lock a group's queues for one client (orderly consumption) */      \
    XX(QUEUE_UNLOCK)         /* release a client's queue locks (orderly consumption) */

typedef enum mq_op_e {
#define MQ_OP_ENUM(name) MQ_OP_##name,
    MQ_OP_MAP(MQ_OP_ENUM)
#undef MQ_OP_ENUM
        MQ_OP__COUNT
} mq_op_t;

const char *mq_op_name(mq_op_t op); /* "GET_ROUTE"; static */

/* ---- Shared pieces ---- */

/* DataVersion of a broker's topic table (RocketMQ DataVersion). */
typedef struct mq_data_version_s {
    int64_t counter;       /* bumped on every change */
    int64_t state_version; /* RocketMQ 5 stateVersion */
    int64_t timestamp;     /* ms of the last change */
} mq_data_version_t;

/* One topic as a broker announces it (TopicConfig). */
typedef struct mq_topic_conf_s {
    mq_str_t name;          /* topicName */
    int32_t read_queues;    /* readQueueNums */
    int32_t write_queues;   /* writeQueueNums */
    int32_t perm;           /* PermName bits: 4 read, 2 write, 1 inherit */
    int32_t topic_sys_flag; /* topicSysFlag */
    int order;              /* order */
} mq_topic_conf_t;

/* A topic config as the broker's admin codes read and write it (TopicConfig, all fields). */
typedef struct mq_topic_info_s {
    mq_topic_conf_t conf; /* name, queue counts, perm, sys flag, order */
    mq_str_t filter_type; /* topicFilterType: SINGLE_TAG or MULTI_TAG */
    mq_str_t attributes;  /* replies: attributes as JSON object text ("{}" when none) */
} mq_topic_info_t;

/* A subscription group config (SubscriptionGroupConfig). */
typedef struct mq_group_conf_s {
    mq_str_t name;                   /* groupName */
    int consume_enable;              /* consumeEnable */
    int consume_from_min_enable;     /* consumeFromMinEnable */
    int consume_broadcast_enable;    /* consumeBroadcastEnable */
    int consume_message_orderly;     /* consumeMessageOrderly */
    int32_t retry_queue_nums;        /* retryQueueNums */
    int32_t retry_max_times;         /* retryMaxTimes */
    int64_t broker_id;               /* brokerId */
    int64_t which_broker_when_slow;  /* whichBrokerWhenConsumeSlowly */
    int notify_consumer_ids_changed; /* notifyConsumerIdsChangedEnable */
    int32_t group_sys_flag;          /* groupSysFlag */
    int32_t consume_timeout_minute;  /* consumeTimeoutMinute */
} mq_group_conf_t;

/* ---- Requests ---- */

typedef struct mq_register_broker_s {
    mq_str_t cluster;          /* clusterName */
    mq_str_t broker_name;      /* brokerName */
    mq_str_t broker_addr;      /* brokerAddr "ip:port", what clients connect to */
    mq_str_t ha_addr;          /* haServerAddr */
    int64_t broker_id;         /* 0 master, > 0 slave */
    int64_t heartbeat_timeout; /* ms after which a silent broker is dropped (120000) */
    mq_data_version_t version; /* of the topic table below */
    mq_topic_conf_t *topics;   /* the broker's topics */
    int n_topics;
    mq_str_t kafka_listener; /* rocketmq-c: the broker's Kafka listener, "" if none */
    int64_t kafka_node_id;   /* rocketmq-c: stable Kafka node id, -1 if none */
} mq_register_broker_t;

typedef struct mq_unregister_broker_s {
    mq_str_t cluster, broker_name, broker_addr; /* as registered */
    int64_t broker_id;
} mq_unregister_broker_t;

typedef struct mq_query_data_version_s {
    mq_str_t cluster, broker_name, broker_addr; /* as registered */
    int64_t broker_id;
    mq_data_version_t version; /* the broker's current one */
} mq_query_data_version_t;

typedef struct mq_get_route_s {
    mq_str_t topic;
} mq_get_route_t;

typedef struct mq_get_topic_list_s {
    mq_str_t cluster; /* empty = every topic */
} mq_get_topic_list_t;

typedef struct mq_kv_s {
    mq_str_t ns, key, value; /* namespace, key, value (value for KV_PUT only) */
} mq_kv_t;

typedef struct mq_set_broker_writable_s {
    mq_str_t broker_name;
    int writable; /* 1 add the write permission back, 0 wipe it */
} mq_set_broker_writable_t;

/* A message of a PRODUCE: the front-end fills topic, queue id, flag, sys flag, born time and
 * host, body, properties; the service does the rest. */
typedef struct mq_produce_s {
    mq_str_t producer_group; /* producerGroup */
    mq_str_t topic;          /* target topic */
    int32_t queue_id;        /* < 0: the broker picks */
    mq_str_t default_topic;  /* auto-creation template (TBW102), may be empty */
    int32_t default_queues;  /* queues for an auto-created topic */
    mq_msg_t *msgs;          /* n_msgs messages (a batch: all to the same queue) */
    int n_msgs;
    int batch;             /* sent as a batch (per-message ids in the reply) */
    int32_t max_reconsume; /* for retry topics, -1 when not given */
    int no_auto_create;    /* an unknown topic is an error (Kafka creates topics elsewhere) */
    int no_wait;           /* reply once stored, before a SYNC_FLUSH flush (Kafka acks=1) */
    int wait_visible;      /* reply once readers can see the messages (Kafka acks 1 and all: the
                              high watermark covers them); under SYNC_FLUSH that is after the flush */
    /* An idempotent producer (Kafka): the broker refuses sequence gaps and stale epochs
     * (rep.detail = mq_idem_err_t) and acknowledges a resent batch without storing it again.
     * idempotent == 0: none (the fields below are ignored). */
    int idempotent;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence; /* of msgs[0]; the others follow (n_msgs sequences) */
} mq_produce_t;

/* Why a PRODUCE of an idempotent producer was refused (rep.detail; Kafka's ErrorCode values). */
typedef enum mq_idem_err_e {
    MQ_IDEM_OK = 0,
    MQ_IDEM_OUT_OF_ORDER_SEQUENCE = 45,  /* a gap: an earlier batch is missing */
    MQ_IDEM_DUPLICATE_SEQUENCE = 46,     /* internal: answered as a success (duplicate) */
    MQ_IDEM_INVALID_PRODUCER_EPOCH = 47, /* a newer epoch of this producer exists */
} mq_idem_err_t;

/* Pull flags (PullSysFlag). */
#define MQ_PULL_COMMIT_OFFSET 0x1
#define MQ_PULL_SUSPEND 0x2
#define MQ_PULL_SUBSCRIPTION 0x4

typedef struct mq_pull_s {
    mq_str_t group;           /* consumerGroup */
    mq_str_t topic;           /* topic */
    int32_t queue_id;         /* queueId */
    int64_t offset;           /* queueOffset to start at */
    int32_t max_msgs;         /* maxMsgNums */
    int32_t flags;            /* MQ_PULL_* */
    int64_t commit_offset;    /* with MQ_PULL_COMMIT_OFFSET */
    int64_t suspend_ms;       /* with MQ_PULL_SUSPEND: hold up to this long */
    mq_str_t subscription;    /* with MQ_PULL_SUBSCRIPTION: tag expression or SQL92 */
    mq_str_t expression_type; /* "TAG" (default) or "SQL92" */
    int64_t sub_version;      /* subscription version */
    int32_t max_bytes;        /* 0 = broker default */
} mq_pull_t;

typedef enum mq_offset_kind_e {
    MQ_OFFSET_MAX = 0,            /* next offset to be written */
    MQ_OFFSET_MIN = 1,            /* first available */
    MQ_OFFSET_BY_TIME = 2,        /* by store timestamp (boundary lower/upper) */
    MQ_OFFSET_EARLIEST_TIME = 3,  /* store time of the first available message */
    MQ_OFFSET_BY_RECORD_TIME = 4, /* the first offset whose born (record) timestamp is >= the
                                     time, found by binary search (born times are taken to grow
                                     along the queue, as Kafka's CreateTime index assumes); the
                                     max offset when there is none */
} mq_offset_kind_t;

typedef struct mq_queue_offset_s {
    mq_str_t topic;
    int32_t queue_id;
    mq_offset_kind_t kind;
    int64_t timestamp; /* MQ_OFFSET_BY_TIME */
    int upper;         /* MQ_OFFSET_BY_TIME: boundary upper (last <= ts) instead of lower */
} mq_queue_offset_t;

typedef struct mq_group_offset_s {
    mq_str_t group, topic;
    int32_t queue_id;
    int64_t offset;   /* COMMIT_GROUP_OFFSET */
    int zero_if_none; /* QUERY_GROUP_OFFSET: setZeroIfNotFound */
    /* COMMIT_GROUP_OFFSET from a coordinated (Kafka) consumer: with coord_check set, the
     * coordinator validates the committer first (Kafka's OffsetCommit rules: generation < 0 on
     * an empty or unknown group is a "simple" commit; otherwise member and generation must
     * match) and answers with rep.detail (mq_coord_err_t) when it refuses. RocketMQ leaves
     * coord_check 0. */
    int coord_check;            /* validate against the group coordinator */
    int32_t generation;         /* generation_id_or_member_epoch, -1 = none */
    mq_str_t member_id;         /* "" = none */
    mq_str_t group_instance_id; /* "" = none (dynamic member) */
} mq_group_offset_t;

/* One subscription of a consumer group in a heartbeat. */
typedef struct mq_subscription_s {
    mq_str_t topic;
    mq_str_t expression;      /* subString */
    mq_str_t expression_type; /* TAG or SQL92 */
    int64_t version;          /* subVersion */
} mq_subscription_t;

typedef struct mq_consumer_group_s {
    mq_str_t group;
    int broadcasting;      /* messageModel BROADCASTING */
    int push;              /* consumeType CONSUME_PASSIVELY */
    mq_str_t consume_from; /* consumeFromWhere name */
    mq_subscription_t *subs;
    int n_subs;
} mq_consumer_group_t;

typedef struct mq_heartbeat_s {
    mq_str_t client_id;   /* clientID */
    mq_str_t client_addr; /* the connection's peer "ip:port" (front-end), "" if unknown */
    mq_str_t language;    /* the client's LanguageCode name ("JAVA", "CPP"), "" if unknown */
    int32_t version;      /* the client's version ordinal (MQVersion), 0 if unknown */
    mq_str_t *producer_groups;
    int n_producer_groups;
    mq_consumer_group_t *consumer_groups;
    int n_consumer_groups;
} mq_heartbeat_t;

typedef struct mq_group_delete_s {
    mq_str_t group;   /* groupName */
    int clean_offset; /* also drop the group's committed offsets */
} mq_group_delete_t;

typedef struct mq_group_topic_s {
    mq_str_t group; /* consumerGroup */
    mq_str_t topic; /* CONSUME_STATS: empty = every topic the group has offsets on */
} mq_group_topic_t;

typedef struct mq_view_message_s {
    int64_t offset; /* CommitLog offset of the record */
    mq_str_t topic; /* optional (RocketMQ 5): the record must belong to it */
} mq_view_message_t;

typedef struct mq_query_message_s {
    mq_str_t topic;
    mq_str_t key;     /* a KEYS value, or a UNIQ_KEY when uniq is set */
    int32_t max;      /* maxNum */
    int64_t begin_ms; /* beginTimestamp (store time, inclusive) */
    int64_t end_ms;   /* endTimestamp */
    int uniq;         /* look the key up as a UNIQ_KEY (_UNIQUE_KEY_QUERY) */
} mq_query_message_t;

typedef struct mq_reset_offset_s {
    mq_str_t group, topic;
    int64_t timestamp; /* store time to move to; -1 = the queues' max offsets */
    int force;         /* isForce: also move offsets forward */
    int32_t queue_id;  /* RocketMQ 5: one queue only, -1 = every queue */
    int64_t offset;    /* with queue_id >= 0: this offset instead of by time, -1 = by time */
} mq_reset_offset_t;

/* SEND_BACK (CONSUMER_SEND_MSG_BACK): a consumer failed to consume a message; the broker puts
 * a copy into %RETRY%<group> with a delay level, or into %DLQ%<group> once it was retried
 * max_reconsume times (or delay_level < 0). */
typedef struct mq_send_back_s {
    mq_str_t group;         /* group */
    int64_t offset;         /* offset: CommitLog offset of the failed message */
    int32_t delay_level;    /* delayLevel: 0 = 3 + reconsume times, < 0 = straight to DLQ */
    mq_str_t origin_msg_id; /* originMsgId: UNIQ_KEY or offset msgId, "" if not given */
    mq_str_t origin_topic;  /* originTopic, "" if not given */
    int32_t max_reconsume;  /* maxReconsumeTimes, -1 = the group's retryMaxTimes */
    int unit_mode;          /* unitMode (ignored) */
} mq_send_back_t;

typedef struct mq_client_unregister_s {
    mq_str_t client_id, producer_group, consumer_group;
} mq_client_unregister_t;

/* CHECK_CLIENT_CONFIG: a consumer's subscription, checked before it subscribes. */
typedef struct mq_check_client_s {
    mq_str_t client_id, group, topic;
    mq_str_t expression;      /* subString */
    mq_str_t expression_type; /* TAG (default) or SQL92 */
} mq_check_client_t;

/* END_TRANSACTION: a producer decides a half message (docs/transactions.md). */
typedef struct mq_end_txn_s {
    mq_str_t producer_group;    /* producerGroup: must be the half's PGROUP */
    int64_t tran_state_offset;  /* tranStateTableOffset: the half's queue offset */
    int64_t commit_log_offset;  /* commitLogOffset: the half's CommitLog offset */
    int32_t commit_or_rollback; /* commitOrRollback: MQ_TXN_COMMIT, MQ_TXN_ROLLBACK, 0 unknown */
    int from_check;             /* fromTransactionCheck: the answer to a CHECK notice */
    mq_str_t msg_id;            /* msgId (UNIQ_KEY), for logs */
    mq_str_t transaction_id;    /* transactionId, for logs */
} mq_end_txn_t;

/* commitOrRollback values (MessageSysFlag transaction types). */
#define MQ_TXN_UNKNOWN 0
#define MQ_TXN_COMMIT 8
#define MQ_TXN_ROLLBACK 12

/* A queue as RocketMQ clients name it (MessageQueue). */
typedef struct mq_queue_ref_s {
    mq_str_t topic;       /* topic */
    mq_str_t broker_name; /* brokerName */
    int32_t queue_id;     /* queueId */
} mq_queue_ref_t;

/* QUEUE_LOCK / QUEUE_UNLOCK (LockBatchRequestBody / UnlockBatchRequestBody): a consumer group's
 * queues locked by one client, so that only one member consumes a queue at a time. */
typedef struct mq_queue_lock_s {
    mq_str_t group;       /* consumerGroup */
    mq_str_t client_id;   /* clientId: the owner */
    int only_this_broker; /* onlyThisBroker (no effect on a single broker) */
    mq_queue_ref_t *mqs;  /* mqSet */
    int n_mqs;
} mq_queue_lock_t;

/* The queues a QUEUE_LOCK granted (lockOKMQSet). */
typedef struct mq_queue_refs_s {
    mq_queue_ref_t *mqs;
    int n;
} mq_queue_refs_t;

/* ---- Group coordinator (Kafka's classic consumer-group protocol, protocol-neutral) ----
 *
 * A coordinated group is Kafka's GroupMetadata: members join with the protocols they support
 * (name + opaque metadata), the coordinator picks one, makes one member the leader, and hands
 * out the assignments the leader computed (opaque bytes). Committed offsets are not here: they
 * are COMMIT_GROUP_OFFSET / QUERY_GROUP_OFFSET, shared with the RocketMQ group of that name.
 *
 * Errors: the reply's status is MQ_OK or an mq_err_t, and rep.detail carries the precise
 * mq_coord_err_t, whose values are Kafka's ErrorCode numbers so that a Kafka front-end copies
 * it as is; other front-ends map it. Per-item errors (LEAVE members, DESCRIBE and DELETE
 * groups) are in the items. For COORD_* ops the union member is filled even when status is not
 * MQ_OK (a MEMBER_ID_REQUIRED join carries the member id to rejoin with).
 *
 * Strings that Kafka allows to be null (group_instance_id, protocol_type/name on SYNC) are
 * "absent" when empty (n == 0).
 *
 * Kafka APIs: JoinGroup -> COORD_JOIN (require_member_id from v4), SyncGroup -> COORD_SYNC,
 * Heartbeat -> COORD_HEARTBEAT, LeaveGroup -> COORD_LEAVE (v0-2: one leaver, its error at top
 * level), ListGroups -> COORD_LIST, DescribeGroups -> COORD_DESCRIBE, DeleteGroups ->
 * COORD_DELETE, OffsetCommit -> COORD_OFFSET_COMMIT, OffsetFetch -> COORD_OFFSET_FETCH (null
 * topics: n_items = -1). The broker times rebalances and sessions itself (no tick to call). */
typedef enum mq_coord_err_e {
    MQ_COORD_NONE = 0,
    MQ_COORD_UNKNOWN_SERVER_ERROR = -1,
    MQ_COORD_UNKNOWN_TOPIC_OR_PARTITION = 3,   /* OFFSET_COMMIT: no such topic or queue */
    MQ_COORD_OFFSET_METADATA_TOO_LARGE = 12,   /* OFFSET_COMMIT: metadata over 4096 bytes */
    MQ_COORD_COORDINATOR_NOT_AVAILABLE = 15,   /* shutting down, group being deleted */
    MQ_COORD_ILLEGAL_GENERATION = 22,          /* generation is not the group's */
    MQ_COORD_INCONSISTENT_GROUP_PROTOCOL = 23, /* protocol type or names do not fit the group */
    MQ_COORD_INVALID_GROUP_ID = 24,            /* empty group id */
    MQ_COORD_UNKNOWN_MEMBER_ID = 25,           /* not a member (expired, left, never joined) */
    MQ_COORD_INVALID_SESSION_TIMEOUT = 26,     /* outside the broker's min..max */
    MQ_COORD_REBALANCE_IN_PROGRESS = 27,       /* rejoin: the group is rebalancing */
    MQ_COORD_NON_EMPTY_GROUP = 68,             /* DELETE of a group that has members */
    MQ_COORD_GROUP_ID_NOT_FOUND = 69,          /* DELETE of a group nobody knows */
    MQ_COORD_GROUP_MAX_SIZE_REACHED = 81,      /* too many members */
    MQ_COORD_MEMBER_ID_REQUIRED = 79,          /* rejoin with the member id given (JoinGroup v4+) */
    MQ_COORD_FENCED_INSTANCE_ID = 82,          /* a newer member took this group instance id */
} mq_coord_err_t;

/* Group states (Kafka's ClassicGroupState), for LIST and DESCRIBE. */
typedef enum mq_coord_state_e {
    MQ_COORD_EMPTY = 0,                /* no members (may hold committed offsets) */
    MQ_COORD_PREPARING_REBALANCE = 1,  /* collecting joins */
    MQ_COORD_COMPLETING_REBALANCE = 2, /* joins answered, waiting for the leader's sync */
    MQ_COORD_STABLE = 3,               /* assignments handed out */
    MQ_COORD_DEAD = 4,                 /* gone (DESCRIBE of an unknown group) */
} mq_coord_state_t;

/* "PreparingRebalance" (Kafka's spelling); a static string, "Dead" for unknown values. */
static inline const char *
mq_coord_state_name(int state)
{
    static const char *const names[] = {"Empty", "PreparingRebalance", "CompletingRebalance",
                                        "Stable", "Dead"};
    return state >= 0 && state <= MQ_COORD_DEAD ? names[state] : "Dead";
}

/* One protocol a member supports: assignor name and opaque subscription metadata. */
typedef struct mq_coord_protocol_s {
    mq_str_t name;     /* "range", "roundrobin", "cooperative-sticky", ... */
    mq_str_t metadata; /* ConsumerProtocol subscription bytes, opaque here */
} mq_coord_protocol_t;

typedef struct mq_coord_join_s {
    mq_str_t group_id;
    mq_str_t member_id;             /* "" on the first join */
    mq_str_t group_instance_id;     /* static member id (KIP-345), "" = dynamic member */
    mq_str_t client_id;             /* the client's client.id (prefix of new member ids) */
    mq_str_t client_host;           /* the peer, "/127.0.0.1" style, for DESCRIBE */
    mq_str_t protocol_type;         /* "consumer", "connect", ... */
    mq_coord_protocol_t *protocols; /* in the member's order of preference */
    int n_protocols;
    int32_t session_timeout_ms;   /* expiry without heartbeat */
    int32_t rebalance_timeout_ms; /* how long a rebalance waits for this member (v0: session) */
    int require_member_id;        /* JoinGroup v4+: new dynamic members get MEMBER_ID_REQUIRED */
    mq_str_t reason;              /* why it (re)joins (v8+), logged */
} mq_coord_join_t;

/* An assignment the leader hands out. */
typedef struct mq_coord_assignment_s {
    mq_str_t member_id;
    mq_str_t assignment; /* ConsumerProtocol assignment bytes, opaque here */
} mq_coord_assignment_t;

typedef struct mq_coord_sync_s {
    mq_str_t group_id;
    int32_t generation;
    mq_str_t member_id;
    mq_str_t group_instance_id;            /* "" = none */
    mq_str_t protocol_type, protocol_name; /* v5+, "" = not given */
    mq_coord_assignment_t *assignments;    /* only the leader's sync has any */
    int n_assignments;
} mq_coord_sync_t;

typedef struct mq_coord_heartbeat_s {
    mq_str_t group_id;
    int32_t generation;
    mq_str_t member_id;
    mq_str_t group_instance_id; /* "" = none */
} mq_coord_heartbeat_t;

/* A member leaving (v3+ batches; v0-2 is a batch of one). */
typedef struct mq_coord_leaver_s {
    mq_str_t member_id;         /* "" with a group_instance_id: whoever holds that instance */
    mq_str_t group_instance_id; /* "" = none */
    mq_str_t reason;            /* v5+, logged */
} mq_coord_leaver_t;

typedef struct mq_coord_leave_s {
    mq_str_t group_id;
    mq_coord_leaver_t *members;
    int n_members;
} mq_coord_leave_t;

typedef struct mq_coord_list_s {
    mq_str_t *states; /* Kafka state names to keep (case-insensitive), none = every state */
    int n_states;
    mq_str_t *types; /* group types to keep ("classic"), none = every type */
    int n_types;
} mq_coord_list_t;

/* A committed offset as coordinated consumers see it (Kafka OffsetCommit/OffsetFetch). The
 * offset itself is the one COMMIT_GROUP_OFFSET/QUERY_GROUP_OFFSET see (shared with RocketMQ);
 * leader epoch and metadata are kept by the coordinator and returned only while the offset is
 * still the one they were committed with. */
typedef struct mq_coord_offset_s {
    mq_str_t topic;
    int32_t queue_id;     /* partition */
    int64_t offset;       /* committed offset; FETCH replies -1 when none */
    int32_t leader_epoch; /* committed_leader_epoch, -1 = none */
    mq_str_t metadata;    /* committed_metadata, "" = none */
    int32_t error;        /* replies: mq_coord_err_t of this partition */
} mq_coord_offset_t;

typedef struct mq_coord_offsets_s {
    mq_str_t group_id;
    int32_t generation;         /* COMMIT: generation_id_or_member_epoch, -1 = simple commit */
    mq_str_t member_id;         /* COMMIT: "" = none */
    mq_str_t group_instance_id; /* COMMIT: "" = none */
    mq_coord_offset_t *items;   /* COMMIT: what to commit; FETCH: which partitions */
    int n_items;                /* FETCH: -1 = every partition the group committed */
} mq_coord_offsets_t;

/* ---- Replies ---- */

/* One broker of a route (BrokerData): its addresses by broker id. */
typedef struct mq_route_broker_s {
    mq_str_t cluster;     /* cluster */
    mq_str_t broker_name; /* brokerName */
    int64_t *ids;         /* broker ids, n_addrs of them */
    mq_str_t *addrs;      /* their addresses */
    int n_addrs;
    mq_str_t kafka_listener; /* rocketmq-c extension, "" if none */
    int64_t kafka_node_id;   /* -1 if none */
} mq_route_broker_t;

/* The queues one broker name hosts for a topic (QueueData). */
typedef struct mq_route_queue_s {
    mq_str_t broker_name;
    int32_t read_queues, write_queues, perm, topic_sys_flag;
} mq_route_queue_t;

typedef struct mq_route_s {
    mq_route_broker_t *brokers;
    int n_brokers;
    mq_route_queue_t *queues;
    int n_queues;
    mq_str_t order_topic_conf; /* "broker-a:4;broker-b:4" or empty */
} mq_route_t;

typedef struct mq_cluster_info_s {
    mq_route_broker_t *brokers; /* every live broker name */
    int n_brokers;
} mq_cluster_info_t;

typedef struct mq_str_list_s {
    mq_str_t *items;
    int n;
} mq_str_list_t;

typedef struct mq_register_result_s {
    mq_str_t master_addr; /* for slaves: the master's address, else empty */
    mq_str_t ha_addr;     /* the master's HA address */
} mq_register_result_t;

typedef struct mq_produce_result_s {
    int32_t queue_id;      /* where the messages went */
    int64_t queue_offset;  /* offset of the first */
    int64_t *phys_offsets; /* CommitLog offset of each message (for msgIds) */
    int n;                 /* messages */
    mq_str_t uniq_key;     /* the first message's UNIQ_KEY (transactionId) */
    mq_host_t store_host;  /* for offset msgIds */
    int flush_timeout;     /* stored, but the sync flush did not complete in time */
    int duplicate;         /* an idempotent producer resent a stored batch: queue_offset is
                              where it was stored, nothing was stored now */
    int delayed;           /* a message was scheduled (delay or delivery time): it has no
                              offset in its queue until it is delivered */
} mq_produce_result_t;

/* What a pull found (store_get_messages' GetMessageStatus, see store.h). */
typedef struct mq_pull_result_s {
    int status; /* store_get_status_t */
    int64_t next_offset, min_offset, max_offset;
    int64_t suggest_broker;  /* suggestWhichBrokerId */
    const mq_str_t *records; /* stored records, n_records of them, in queue order */
    int n_records;
} mq_pull_result_t;

/* Topic configs with the table's version (TOPIC_CONFIG_LIST; TOPIC_CONFIG_GET: n == 1). */
typedef struct mq_topic_table_s {
    mq_data_version_t version;
    mq_topic_info_t *topics;
    int n;
} mq_topic_table_t;

typedef struct mq_group_table_s {
    mq_data_version_t version;
    mq_group_conf_t *groups;
    int n;
} mq_group_table_t;

/* Key/value pairs (RUNTIME_INFO, BROKER_CONFIG_GET) and the config's version. */
typedef struct mq_kv_table_s {
    mq_str_t *kv; /* keys and values alternating, 2 * n entries */
    int n;
    mq_data_version_t version; /* BROKER_CONFIG_GET: bumped by every update */
} mq_kv_table_t;

/* One queue in CONSUME_STATS, TOPIC_STATS and RESET_GROUP_OFFSET replies. */
typedef struct mq_queue_stat_s {
    mq_str_t topic;
    int32_t queue_id;
    int64_t min_offset;   /* TOPIC_STATS: first available */
    int64_t max_offset;   /* TOPIC_STATS, CONSUME_STATS (brokerOffset): next to be written */
    int64_t group_offset; /* CONSUME_STATS: committed (consumerOffset); RESET: the new one */
    int64_t last_ts;      /* store time of the last message (TOPIC_STATS) or of the last
                             consumed one (CONSUME_STATS), 0 if none */
} mq_queue_stat_t;

typedef struct mq_queue_stats_s {
    mq_str_t broker_name; /* the queues' brokerName */
    mq_queue_stat_t *queues;
    int n;
    double tps; /* CONSUME_STATS: consumeTps */
} mq_queue_stats_t;

/* A client connection of a consumer group (GROUP_CONNECTIONS). */
typedef struct mq_connection_s {
    mq_str_t client_id, client_addr, language; /* as the heartbeat gave them */
    int32_t version;
} mq_connection_t;

typedef struct mq_group_connections_s {
    mq_connection_t *conns;
    int n_conns;
    mq_subscription_t *subs; /* one per topic (the latest heartbeat's) */
    int n_subs;
    int push;              /* consumeType CONSUME_PASSIVELY (else CONSUME_ACTIVELY) */
    int broadcasting;      /* messageModel */
    mq_str_t consume_from; /* consumeFromWhere name */
} mq_group_connections_t;

/* Stored records (VIEW_MESSAGE, QUERY_MESSAGE), copied into the request's pool. */
typedef struct mq_records_s {
    const mq_str_t *records;
    int n;
    int64_t index_last_ts;   /* QUERY_MESSAGE: indexLastUpdateTimestamp */
    int64_t index_last_phys; /* QUERY_MESSAGE: indexLastUpdatePhyoffset */
} mq_records_t;

/* A member of a coordinated group as JOIN (leader's list), LEAVE and DESCRIBE report it. */
typedef struct mq_coord_member_s {
    mq_str_t member_id;
    mq_str_t group_instance_id; /* "" = dynamic */
    mq_str_t client_id;         /* DESCRIBE */
    mq_str_t client_host;       /* DESCRIBE */
    mq_str_t metadata;   /* JOIN (leader), DESCRIBE (Stable only): the chosen protocol's bytes */
    mq_str_t assignment; /* DESCRIBE (Stable only) */
    int32_t error;       /* LEAVE: mq_coord_err_t of this member */
} mq_coord_member_t;

typedef struct mq_coord_join_result_s {
    int32_t generation;         /* generation the member is in, -1 on errors */
    mq_str_t protocol_type;     /* the group's */
    mq_str_t protocol_name;     /* the chosen assignor, "" on errors */
    mq_str_t leader;            /* leader's member id */
    mq_str_t member_id;         /* this member's id (also on MEMBER_ID_REQUIRED) */
    int skip_assignment;        /* v9: a static leader rejoined; keep the current assignment */
    mq_coord_member_t *members; /* leader only: every member with its metadata */
    int n_members;
} mq_coord_join_result_t;

typedef struct mq_coord_sync_result_s {
    mq_str_t protocol_type, protocol_name; /* the group's */
    mq_str_t assignment;                   /* this member's, empty on errors */
} mq_coord_sync_result_t;

typedef struct mq_coord_leave_result_s {
    mq_coord_member_t *members; /* one per leaver, in request order, with its error */
    int n_members;
} mq_coord_leave_result_t;

/* A group as LIST (no members) and DESCRIBE report it. */
typedef struct mq_coord_group_s {
    int32_t error; /* DESCRIBE, DELETE: mq_coord_err_t of this group */
    mq_str_t group_id;
    int state;                  /* mq_coord_state_t (MQ_COORD_DEAD when unknown) */
    mq_str_t protocol_type;     /* "consumer", "" for offset-only groups */
    mq_str_t protocol_name;     /* DESCRIBE: chosen assignor (Stable only) */
    mq_coord_member_t *members; /* DESCRIBE */
    int n_members;
} mq_coord_group_t;

typedef struct mq_coord_groups_s {
    mq_coord_group_t *groups;
    int n;
} mq_coord_groups_t;

/* COORD_OFFSET_COMMIT: each item with its error; COORD_OFFSET_FETCH: the offsets found. */
typedef struct mq_coord_offset_list_s {
    mq_coord_offset_t *items;
    int n;
} mq_coord_offset_list_t;

/* A reply: the member that matches the request's op (when status is MQ_OK; COORD_* ops: always). */
typedef struct mq_rep_s {
    const char *text; /* optional detail for errors (the RocketMQ remark), may be NULL */
    int32_t detail;   /* COORD_* and coordinator-checked commits: mq_coord_err_t, 0 otherwise */
    union {
        mq_register_result_t reg;       /* REGISTER_BROKER */
        int changed;                    /* QUERY_DATA_VERSION: 1 if the NameServer is behind */
        mq_route_t route;               /* GET_ROUTE */
        mq_cluster_info_t cluster;      /* GET_CLUSTER_INFO */
        mq_str_list_t list;             /* GET_TOPIC_LIST; KV_LIST: keys and values alternating;
                                           GET_GROUP_MEMBERS: client ids */
        mq_str_t value;                 /* KV_GET */
        int32_t count;                  /* SET_BROKER_WRITABLE: topics changed */
        mq_produce_result_t produce;    /* PRODUCE */
        mq_pull_result_t pull;          /* PULL */
        int64_t offset;                 /* GET_QUEUE_OFFSET, QUERY_GROUP_OFFSET (or a time) */
        mq_topic_table_t topics;        /* TOPIC_CONFIG_LIST, TOPIC_CONFIG_GET */
        mq_group_table_t groups;        /* GROUP_CONFIG_LIST */
        mq_kv_table_t kv;               /* RUNTIME_INFO, BROKER_CONFIG_GET */
        mq_queue_stats_t stats;         /* CONSUME_STATS, TOPIC_STATS, RESET_GROUP_OFFSET */
        mq_group_connections_t conns;   /* GROUP_CONNECTIONS */
        mq_records_t records;           /* VIEW_MESSAGE, QUERY_MESSAGE */
        mq_coord_join_result_t join;    /* COORD_JOIN */
        mq_coord_sync_result_t sync;    /* COORD_SYNC */
        mq_coord_leave_result_t leave;  /* COORD_LEAVE */
        mq_coord_groups_t coord_groups; /* COORD_LIST, COORD_DESCRIBE, COORD_DELETE */
        mq_coord_offset_list_t coord_offsets; /* COORD_OFFSET_COMMIT, COORD_OFFSET_FETCH */
        mq_queue_refs_t locked;               /* QUEUE_LOCK: the queues granted */
    } u;
} mq_rep_t;

/* ---- Notices: requests a service sends to a client on its connection ---- */

typedef enum mq_notice_kind_e {
    MQ_NOTICE_CONSUMER_IDS_CHANGED, /* a consumer group's members changed: rebalance now */
    MQ_NOTICE_RESET_OFFSET,         /* an admin moved the group's offsets: continue from them */
    MQ_NOTICE_CHECK_TRANSACTION,    /* a half message is undecided: ask its producer group */
} mq_notice_kind_t;

/* CHECK_TRANSACTION_STATE: what the broker tells a producer about an undecided half message. */
typedef struct mq_txn_check_s {
    mq_str_t topic;            /* the real topic */
    int64_t tran_state_offset; /* tranStateTableOffset: the half's queue offset */
    int64_t commit_log_offset; /* commitLogOffset: the half's CommitLog offset */
    mq_str_t msg_id;           /* msgId: the UNIQ_KEY */
    mq_str_t transaction_id;   /* transactionId */
    mq_str_t offset_msg_id;    /* offsetMsgId: store host + commitLogOffset */
    mq_str_t broker_name;      /* brokerName */
    mq_str_t record;           /* the half as a stored record, real topic and queue restored */
} mq_txn_check_t;

typedef struct mq_notice_s {
    mq_notice_kind_t kind;
    mq_str_t group;                /* the consumer group */
    mq_str_t topic;                /* RESET_OFFSET: the topic */
    int64_t timestamp;             /* RESET_OFFSET: the time asked for (-1: the ends) */
    int force;                     /* RESET_OFFSET: isForce */
    const mq_queue_stats_t *reset; /* RESET_OFFSET: the queues' new offsets (group_offset) */
    const mq_txn_check_t *check;   /* CHECK_TRANSACTION: the half message */
} mq_notice_t;

/* Sends a notice on a session's connection (one-way; dropped if the connection closed). The
 * service keeps the function with the session (from a request) and may call it until the
 * service's session_closed() has been told the session is gone. Loop thread only. */
typedef void (*mq_notify_fn)(void *session, const mq_notice_t *notice);

/* ---- The request ---- */

typedef struct mq_req_s mq_req_t;

/* Answers a request; status is MQ_OK or an mq_err_t the front-end maps to its wire code
 * (MQ_ENOENT: topic/key not found, MQ_EPERM: no permission, MQ_EINVAL: bad field, ...). */
typedef void (*mq_reply_fn)(mq_req_t *req, int status, const mq_rep_t *rep);

struct mq_req_s {
    mq_op_t op;          /* which member of u is set */
    mq_pool_t *pool;     /* the request's arena */
    mq_reply_fn reply;   /* set by the front-end; called once */
    void *session;       /* the connection, opaque to services (identity, liveness) */
    mq_notify_fn notify; /* sends notices to session; NULL when the front-end cannot */
    union {
        mq_register_broker_t register_broker;
        mq_unregister_broker_t unregister_broker;
        mq_query_data_version_t query_data_version;
        mq_get_route_t get_route;
        mq_get_topic_list_t get_topic_list;
        mq_kv_t kv;
        mq_set_broker_writable_t set_broker_writable;
        mq_produce_t produce;
        mq_pull_t pull;
        mq_queue_offset_t queue_offset;
        mq_group_offset_t group_offset;
        mq_heartbeat_t heartbeat;
        mq_client_unregister_t client_unregister;
        mq_end_txn_t end_txn;
        mq_send_back_t send_back;
        mq_str_t group;             /* GET_GROUP_MEMBERS, GROUP_CONNECTIONS */
        mq_str_t topic;             /* TOPIC_DELETE, TOPIC_CONFIG_GET, TOPIC_STATS */
        mq_topic_info_t topic_info; /* TOPIC_UPSERT */
        mq_group_conf_t group_conf; /* GROUP_UPSERT */
        mq_group_delete_t group_delete;
        mq_check_client_t check_client; /* CHECK_CLIENT_CONFIG */
        mq_group_topic_t group_topic; /* CONSUME_STATS */
        mq_view_message_t view_message;
        mq_query_message_t query_message;
        mq_str_list_t config; /* BROKER_CONFIG_UPDATE: keys and values alternating */
        mq_reset_offset_t reset_offset;
        mq_coord_join_t join;             /* COORD_JOIN */
        mq_coord_sync_t sync;             /* COORD_SYNC */
        mq_coord_heartbeat_t coord_hb;    /* COORD_HEARTBEAT */
        mq_coord_leave_t leave;           /* COORD_LEAVE */
        mq_coord_list_t coord_list;       /* COORD_LIST */
        mq_str_list_t coord_groups;       /* COORD_DESCRIBE, COORD_DELETE: group ids */
        mq_coord_offsets_t coord_offsets; /* COORD_OFFSET_COMMIT, COORD_OFFSET_FETCH */
        mq_queue_lock_t queue_lock;       /* QUEUE_LOCK, QUEUE_UNLOCK */
    } u;
};

/* A service: what the gateway hands decoded requests to (service.h in house-style terms). */
typedef struct mq_service_s mq_service_t;
struct mq_service_s {
    const char *name;                                         /* "namesrv", "broker" */
    void (*handle)(mq_service_t *svc, mq_req_t *req);         /* must reply, now or later */
    void (*session_closed)(mq_service_t *svc, void *session); /* a connection went away */
    void *ctx;                                                /* the service's state */
};

#endif /* MQ_REQ_H */
