/* SPDX-License-Identifier: Apache-2.0
 *
 * ns_test.h -- helpers for the NameServer unit tests: a fixture owning one ns_t with a fake
 * clock and a captured log, requests built by hand the way a front-end would (an mq_req_t
 * embedded in a test struct, recovered with MQ_CONTAINER_OF), and replies deep-copied by the
 * reply callback into the fixture's pool, so they stay valid after the request's pool is gone.
 */
#ifndef MQ_NAMESRV_NS_TEST_H
#define MQ_NAMESRV_NS_TEST_H

#include <stdint.h>

#include "ns.h"

/* The fixture (one per test: Criterion forks). */
typedef struct nst_s {
    ns_t *ns;          /* the NameServer under test */
    mq_service_t *svc; /* ns_service(ns) */
    int64_t now;       /* the fake wall clock, ms */
    mq_pool_t keep;    /* deep copies of replies */
    char *log;         /* captured log lines, '\n'-separated (heap) */
    size_t log_n;      /* bytes in log */
} nst_t;

extern nst_t nst;

/* A captured reply. */
typedef struct nst_reply_s {
    int called;       /* how many times reply() ran */
    int status;       /* its status */
    const char *text; /* copy of rep.text, or NULL */
    mq_rep_t rep;     /* deep copy of the member of the op (MQ_OK only); strings NUL-terminated */
} nst_reply_t;

/* A registration; NULL strings take defaults (cluster "DefaultCluster", others ""). */
typedef struct nst_reg_s {
    const char *cluster, *name, *addr, *ha_addr;
    int64_t id;            /* brokerId */
    int64_t counter;       /* DataVersion counter (timestamp = counter * 1000) */
    int64_t timeout;       /* heartbeatTimeoutMillis, 0 = default */
    const char *topics;    /* "T1 T2:8:4:6 ..." = name[:read:write:perm], default 4:4:6 */
    void *session;         /* the connection */
    const char *kafka;     /* kafka_listener, NULL = none */
    int64_t kafka_node_id; /* used when kafka is set */
} nst_reg_t;

/* Functions used as Criterion .init/.fini; nst_restart() replaces ns with one using cfg. */
void nst_setup(void);
void nst_teardown(void);
void nst_restart(const ns_config_t *cfg);
int nst_log_has(const char *needle);

/* Functions used to run requests. */
nst_reply_t nst_register(const nst_reg_t *r);
#define NST_REG(...) nst_register(&(nst_reg_t){__VA_ARGS__})
nst_reply_t nst_unregister(const char *name, const char *addr, int64_t id);
nst_reply_t nst_query_version(const char *addr, int64_t counter);
nst_reply_t nst_get_route(const char *topic);
nst_reply_t nst_cluster_info(void);
nst_reply_t nst_topic_list(const char *cluster);
nst_reply_t nst_delete_topic(const char *topic);
nst_reply_t nst_kv(mq_op_t op, const char *ns, const char *key, const char *value);
nst_reply_t nst_set_writable(const char *name, int writable);
nst_reply_t nst_op(mq_op_t op); /* an op with an all-zero request */

/* Functions used to look into replies (NULL when absent). */
const mq_route_queue_t *nst_queue(const mq_route_t *r, const char *broker_name);
const mq_route_broker_t *nst_broker(const mq_route_broker_t *v, int n, const char *broker_name);
const char *nst_addr(const mq_route_broker_t *b, int64_t id);
int nst_list_has(const mq_str_list_t *l, const char *s);

#endif /* MQ_NAMESRV_NS_TEST_H */
