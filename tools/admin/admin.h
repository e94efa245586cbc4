/* SPDX-License-Identifier: Apache-2.0
 *
 * admin.h -- what the mqadmin subcommands share: the command table, RocketMQ-style option
 * parsing (commons-cli "-t value", "-tvalue", "--topic value", "--topic=value"), calls to the
 * NameServer and brokers, the fastjson-tolerant JSON reader, the bodies of the admin codes
 * (ClusterInfo, KVTable, ConsumeStats, TopicStatsTable, ResetOffsetBody), and output helpers
 * with RocketMQ's formats (timestamps, MessageExt printing).
 *
 * Not the client library: connections and NameServer fail-over come from tools/client/mqc.h
 * when it is built (adm_net.c otherwise). mqadmin is single-threaded and exits after one
 * command, so everything a command allocates lives in the context's pool.
 */
#ifndef MQ_ADMIN_H
#define MQ_ADMIN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mq/common.h"
#include "mq/msg.h"
#include "mq/pool.h"
#include "rmq_cmd.h"

#define ADM_TIMEOUT_MS 5000 /* per call; Java admin default is 5000 too */
#define ADM_MAX_OPTS 24     /* options per subcommand */

/* ---- Options and the command table ---- */

typedef struct adm_opt_s {
    char short_name;       /* 'n' for -n; 0 for a long-only option */
    const char *long_name; /* "namesrvAddr" for --namesrvAddr */
    int has_arg;           /* 1: takes a value */
    int required;          /* 1: the command fails without it */
    const char *desc;      /* help text (RocketMQ's wording) */
} adm_opt_t;

/* Parsed options: value (or "" for flags) per entry of the command's option table. */
typedef struct adm_args_s {
    const adm_opt_t *opts;          /* the table parsed against (global options first) */
    int n_opts;                     /* entries in opts */
    const char *vals[ADM_MAX_OPTS]; /* NULL when absent */
} adm_args_t;

typedef struct adm_s adm_t;
typedef int (*adm_cmd_fn)(adm_t *a, const adm_args_t *args);

typedef struct adm_cmd_s {
    const char *name;        /* "updateTopic" */
    const char *desc;        /* "Update or create topic." */
    const adm_opt_t *opts;   /* terminated by an entry with desc == NULL */
    const char *require_one; /* short names of which one is required ("bc"), or NULL */
    adm_cmd_fn run;          /* returns 0 on success */
} adm_cmd_t;

/* Subcommand tables of the command group files (terminated by name == NULL). */
extern const adm_cmd_t adm_topic_cmds[];
extern const adm_cmd_t adm_cluster_cmds[];
extern const adm_cmd_t adm_broker_cmds[];
extern const adm_cmd_t adm_consumer_cmds[];
extern const adm_cmd_t adm_message_cmds[];
extern const adm_cmd_t adm_offset_cmds[];

/* Functions used to read parsed options. */
const char *adm_arg(const adm_args_t *args, char short_name); /* NULL when absent */
int adm_has(const adm_args_t *args, char short_name);
/* Integer value of an option, def when absent; returns MQ_EINVAL (after a message on stderr)
 * when present but not a number. */
int adm_arg_i64(const adm_args_t *args, char short_name, int64_t def, int64_t *out);
int adm_arg_bool(const adm_args_t *args, char short_name, int def); /* "true" (any case) */

/* ---- The context: NameServer, broker connections, pool ---- */

struct adm_s {
    const char *namesrv; /* "h1:p1;h2:p2" from -n or NAMESRV_ADDR; NULL if neither */
    mq_pool_t pool;      /* everything a command allocates */
    void *net;           /* adm_net.c state (connections) */
    const char *cmd;     /* subcommand name, for messages */
    int quiet_enoent;    /* adm_route_get: no message for a topic without a route */
};

/* Prints "mqadmin <cmd>: <message>" on stderr; returns 1 (the exit status). */
int adm_fail(adm_t *a, const char *fmt, ...) MQ_PRINTF(2, 3);

/* Functions used to call servers (adm_net.c). */
int adm_net_init(adm_t *a);
void adm_net_fini(adm_t *a);
/* A call to a broker (or any server) at addr; resp's strings and body live in a->pool.
 * Returns MQ_OK (whatever resp->code says) or a transport error, with a message on stderr. */
int adm_call(adm_t *a, const char *addr, rmq_cmd_t *req, rmq_cmd_t *resp);
/* A call to the first NameServer that answers. MQ_EINVAL when no NameServer is set. */
int adm_ns_call(adm_t *a, rmq_cmd_t *req, rmq_cmd_t *resp);
/* A request with the next opaque, code set, ready for rmq_cmd_add. */
void adm_req(adm_t *a, rmq_cmd_t *req, int32_t code);
/* Adds a string/int ext field (copied into the pool). */
void adm_add(adm_t *a, rmq_cmd_t *req, const char *key, const char *val);
void adm_add_i64(adm_t *a, rmq_cmd_t *req, const char *key, int64_t val);
/* Checks a response: 0 when code == SUCCESS, else prints "CODE: n DESC: remark" and returns 1.
 * what names the request for the message. */
int adm_resp_ok(adm_t *a, const rmq_cmd_t *resp, const char *what);
/* An ext field of a response as a NUL-terminated string in the pool, or NULL. */
const char *adm_ext(adm_t *a, const rmq_cmd_t *resp, const char *key);

/* ---- JSON (fastjson tolerant) ---- */

/* Parses a fastjson body: standard JSON plus maps whose keys are numbers or objects
 * ({0:"a"}, {{"brokerName":...}:{...}}), which become string keys holding the key's text.
 * Returns a new reference or NULL (malformed, nesting deeper than 64). */
json_t *adm_json_parse(const char *p, size_t n);
/* Accessors that tolerate missing fields and numbers sent as strings. */
int64_t adm_json_i64(const json_t *obj, const char *key, int64_t def);
double adm_json_f64(const json_t *obj, const char *key, double def);
const char *adm_json_str(const json_t *obj, const char *key, const char *def);

/* ---- Bodies and lookups ---- */

/* A message queue parsed from a ConsumeStats / TopicStatsTable / ResetOffsetBody key. */
typedef struct adm_mq_s {
    char topic[256];       /* MessageQueue.topic */
    char broker_name[128]; /* MessageQueue.brokerName */
    int queue_id;          /* MessageQueue.queueId */
} adm_mq_t;

/* Parses a map key holding MessageQueue JSON text. Returns MQ_OK or MQ_EPROTO. */
int adm_mq_parse(const char *key, adm_mq_t *out);
/* MessageQueue order (topic, brokerName, queueId), for qsort over arrays of structs that
 * start with an adm_mq_t. */
int adm_mq_cmp(const void *x, const void *y);

/* A broker known to the NameServer: one row per (brokerName, id). */
typedef struct adm_broker_s {
    const char *cluster; /* clusterName */
    const char *name;    /* brokerName */
    int64_t id;          /* 0 = master */
    const char *addr;    /* host:port */
} adm_broker_t;

/* GET_BROKER_CLUSTER_INFO: every broker, sorted by cluster, name, id. cluster != NULL keeps
 * that cluster only. Returns MQ_OK or an error (message printed). */
int adm_cluster_brokers(adm_t *a, const char *cluster, adm_broker_t **out, int *n);
/* Masters (id 0) of a cluster as addresses. MQ_ENOENT (printed) if the cluster is unknown. */
int adm_cluster_masters(adm_t *a, const char *cluster, const char ***addrs, int *n);
/* The broker addresses a -b / -c pair selects: -b as given, else the cluster's masters. */
int adm_target_brokers(adm_t *a, const adm_args_t *args, const char ***addrs, int *n);

/* A topic route (GET_ROUTEINFO_BY_TOPIC). */
typedef struct adm_route_s {
    json_t *json;     /* the parsed body (owned; freed with the pool) */
    const char *body; /* the body text as received (NUL-terminated, in the pool) */
    struct adm_route_queue_s {
        const char *broker_name; /* QueueData.brokerName */
        int read_queues;         /* readQueueNums */
        int write_queues;        /* writeQueueNums */
        int perm;                /* PermName bits */
    } * queues;                  /* sorted by broker name */
    int n_queues;
    adm_broker_t *brokers; /* one row per broker address, sorted */
    int n_brokers;
} adm_route_t;

/* Returns MQ_OK, MQ_ENOENT (topic has no route; printed) or another error (printed). */
int adm_route_get(adm_t *a, const char *topic, adm_route_t *out);
/* The master address of broker_name in a route, or NULL. */
const char *adm_route_master(const adm_route_t *r, const char *broker_name);

/* GET_BROKER_RUNTIME_INFO's KVTable / a KVTable body: sorted key/value pairs in the pool. */
typedef struct adm_kv_s {
    const char *key;
    const char *val;
} adm_kv_t;
int adm_kvtable_parse(adm_t *a, mq_str_t body, adm_kv_t **out, int *n);
/* A java.util.Properties text ("k=v" lines): sorted pairs. */
int adm_props_text_parse(adm_t *a, mq_str_t body, adm_kv_t **out, int *n);
const char *adm_kv_get(const adm_kv_t *kv, int n, const char *key);

/* ---- Output ---- */

/* MQVersion.getVersionDesc: 479 -> "V5_3_3". */
void adm_version_desc(int v, char out[32]);
/* UtilAll.timeMillisToHumanString2: "yyyy-MM-dd HH:mm:ss,SSS" (local time). */
void adm_time_human2(int64_t ms, char out[32]);
/* "yyyy-MM-dd HH:mm:ss" (UtilAll.YYYY_MM_DD_HH_MM_SS, local time). */
void adm_time_plain(int64_t ms, char out[32]);
/* Parses -s/-e timestamps: "now", milliseconds, or yyyy-MM-dd#HH:mm:ss:SSS. */
int adm_time_parse(const char *s, int64_t *out);

/* Decodes stored records (VIEW_MESSAGE_BY_ID / QUERY_MESSAGE / PULL bodies): calls fn for each
 * well-formed record; stops at the first malformed one. Returns the records seen. */
int adm_records_each(mq_str_t body, void (*fn)(void *arg, const mq_msg_t *m), void *arg);
/* Replaces a compressed body (sysflag COMPRESSED) by its zlib inflation, in pool. MQ_OK (also
 * when not compressed) or MQ_ECORRUPT (body left as stored). */
int adm_msg_inflate(mq_pool_t *pool, mq_msg_t *m);
/* The offset msgId (store host + commit-log offset) of a record. */
void adm_msg_offset_id(const mq_msg_t *m, char out[57]);
/* A property of a record as a pool string ("" when absent). */
const char *adm_msg_prop(adm_t *a, const mq_msg_t *m, const char *name);
/* The message id Java's MessageClientExt.getMsgId() returns: UNIQ_KEY, else the offset id. */
void adm_msg_id(adm_t *a, const mq_msg_t *m, char out[57]);
/* QueryMsgByIdSubCommand.printMsg: the field list (writes the body to
 * /tmp/rocketmq/msgbodys/<offsetId> as Java does); print_body adds "Message Body:" (-f). */
void adm_msg_print(adm_t *a, const mq_msg_t *m, int print_body);
/* PULL_MESSAGE (cmd_message.c): up to max messages of a queue from offset, no long polling,
 * subscription "*"; resp as received (code 0 FOUND, 19 NOT_FOUND, 20 RETRY, 21 MOVED). */
int adm_pull(adm_t *a, const char *addr, const char *group, const char *topic, int queue_id,
             int64_t offset, int max, rmq_cmd_t *resp);
/* GET_MIN_OFFSET / GET_MAX_OFFSET / SEARCH_OFFSET_BY_TIMESTAMP / QUERY_CONSUMER_OFFSET
 * (cmd_offset.c). MQ_ENOENT for a group without an offset; other errors printed. */
int adm_queue_offset(adm_t *a, const char *addr, int32_t code, const char *topic, int queue_id,
                     int64_t ts, int64_t *out);
int adm_consumer_offset(adm_t *a, const char *addr, const char *group, const char *topic,
                        int queue_id, int64_t *out);
/* Java's Double.toString for the TPS figures ("0.0", "12.5"). */
void adm_double_str(double d, char out[32]);
/* "127.0.0.1:10911" for a stored host. */
void adm_host_format(const mq_host_t *h, char out[64]);

#endif /* MQ_ADMIN_H */
