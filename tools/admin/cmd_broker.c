/* SPDX-License-Identifier: Apache-2.0
 *
 * cmd_broker.c -- mqadmin broker commands, after RocketMQ's tools/command/broker/:
 * brokerStatus (GET_BROKER_RUNTIME_INFO KVTable, sorted), getBrokerConfig (GET_BROKER_CONFIG,
 * a java.util.Properties text body) and updateBrokerConfig (UPDATE_BROKER_CONFIG with a
 * "key=value" body), each for -b one broker or -c every broker of a cluster.
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"

/* ---- brokerStatus ---- */

static const adm_opt_t adm_broker_status_opts[] = {
    {'b', "brokerAddr", 1, 0, "Broker address"},
    {'c', "clusterName", 1, 0, "which cluster"},
    {0, NULL, 0, 0, NULL},
};

static int
adm_broker_status_one(adm_t *a, const char *addr, int print_broker)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_GET_BROKER_RUNTIME_INFO);
    if (adm_call(a, addr, &req, &resp) != MQ_OK ||
        adm_resp_ok(a, &resp, "GET_BROKER_RUNTIME_INFO")) {
        return 1;
    }
    adm_kv_t *kv;
    int n;
    if (adm_kvtable_parse(a, resp.body, &kv, &n) != MQ_OK) {
        return adm_fail(a, "malformed KVTable body from %s", addr);
    }
    for (int i = 0; i < n; i++) {
        if (print_broker) {
            printf("%-24s %-32s: %s\n", addr, kv[i].key, kv[i].val);
        } else {
            printf("%-32s: %s\n", kv[i].key, kv[i].val);
        }
    }
    return 0;
}

static int
adm_broker_status(adm_t *a, const adm_args_t *args)
{
    if (adm_has(args, 'b')) {
        return adm_broker_status_one(a, adm_arg(args, 'b'), 0);
    }
    adm_broker_t *rows;
    int n, rc = 0;
    if (adm_cluster_brokers(a, adm_arg(args, 'c'), &rows, &n) != MQ_OK) {
        return 1;
    }
    if (n == 0) {
        return adm_fail(a, "cluster [%s] not found or has no broker", adm_arg(args, 'c'));
    }
    for (int i = 0; i < n; i++) {
        rc |= adm_broker_status_one(a, rows[i].addr, 1);
    }
    return rc;
}

/* ---- getBrokerConfig ---- */

static const adm_opt_t adm_get_broker_config_opts[] = {
    {'b', "brokerAddr", 1, 0, "get which broker"},
    {'c', "clusterName", 1, 0, "get which cluster"},
    {0, NULL, 0, 0, NULL},
};

static int
adm_get_and_print(adm_t *a, const char *prefix, const char *addr)
{
    fputs(prefix, stdout);
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_GET_BROKER_CONFIG);
    if (adm_call(a, addr, &req, &resp) != MQ_OK || adm_resp_ok(a, &resp, "GET_BROKER_CONFIG")) {
        return 1;
    }
    adm_kv_t *kv;
    int n;
    adm_props_text_parse(a, resp.body, &kv, &n);
    if (n == 0) {
        printf("Broker[%s] has no config property!\n", addr);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        printf("%-50s=  %s\n", kv[i].key, kv[i].val);
    }
    printf("\n");
    return 0;
}

static int
adm_get_broker_config(adm_t *a, const adm_args_t *args)
{
    char prefix[512];
    if (adm_has(args, 'b')) {
        const char *addr = adm_arg(args, 'b');
        snprintf(prefix, sizeof(prefix), "============%s============\n", addr);
        return adm_get_and_print(a, prefix, addr);
    }
    adm_broker_t *rows;
    int n, rc = 0;
    if (adm_cluster_brokers(a, adm_arg(args, 'c'), &rows, &n) != MQ_OK) {
        return 1;
    }
    if (n == 0) {
        return adm_fail(a, "cluster [%s] not found or has no broker", adm_arg(args, 'c'));
    }
    /* rows are sorted by broker name then id: each master comes before its slaves */
    const char *master = NULL;
    for (int i = 0; i < n; i++) {
        if (rows[i].id == 0) {
            master = rows[i].addr;
            snprintf(prefix, sizeof(prefix), "============Master: %s============\n", master);
        } else {
            snprintf(prefix, sizeof(prefix),
                     "============My Master: %s=====Slave: %s============\n",
                     master ? master : "NO_MASTER", rows[i].addr);
        }
        rc |= adm_get_and_print(a, prefix, rows[i].addr);
    }
    return rc;
}

/* ---- updateBrokerConfig ---- */

static const adm_opt_t adm_update_broker_config_opts[] = {
    {'b', "brokerAddr", 1, 0, "update which broker"},
    {'c', "clusterName", 1, 0, "update which cluster"},
    {'a', "updateAllBroker", 1, 0, "update all brokers include slave"},
    {'k', "key", 1, 1, "config key"},
    {'v', "value", 1, 1, "config value"},
    {0, NULL, 0, 0, NULL},
};

static int
adm_update_one(adm_t *a, const char *addr, const char *body)
{
    rmq_cmd_t req, resp;
    adm_req(a, &req, RMQ_UPDATE_BROKER_CONFIG);
    req.body = mq_str_from_cstr(body);
    if (adm_call(a, addr, &req, &resp) != MQ_OK || adm_resp_ok(a, &resp, "UPDATE_BROKER_CONFIG")) {
        return 1;
    }
    printf("update broker config success, %s\n", addr);
    return 0;
}

static int
adm_update_broker_config(adm_t *a, const adm_args_t *args)
{
    const char *key = adm_arg(args, 'k'), *val = adm_arg(args, 'v');
    if (key[0] == 0 || strpbrk(key, "=\n\r") != NULL || strpbrk(val, "\n\r") != NULL) {
        return adm_fail(a, "bad key or value");
    }
    size_t blen = strlen(key) + strlen(val) + 3;
    char *body = mq_palloc(&a->pool, blen);
    snprintf(body, blen, "%s=%s\n", key, val);
    if (adm_has(args, 'b')) {
        return adm_update_one(a, adm_arg(args, 'b'), body);
    }
    adm_broker_t *rows;
    int n, rc = 0;
    if (adm_cluster_brokers(a, adm_arg(args, 'c'), &rows, &n) != MQ_OK) {
        return 1;
    }
    if (n == 0) {
        return adm_fail(a, "cluster [%s] not found or has no broker", adm_arg(args, 'c'));
    }
    int all = adm_arg_bool(args, 'a', 0);
    for (int i = 0; i < n; i++) {
        if (rows[i].id == 0 || all) {
            rc |= adm_update_one(a, rows[i].addr, body);
        }
    }
    return rc;
}

const adm_cmd_t adm_broker_cmds[] = {
    {"brokerStatus", "Fetch broker runtime status data.", adm_broker_status_opts, "bc",
     adm_broker_status},
    {"getBrokerConfig", "Get broker config by cluster or special broker.",
     adm_get_broker_config_opts, "bc", adm_get_broker_config},
    {"updateBrokerConfig", "Update broker's config.", adm_update_broker_config_opts, "bc",
     adm_update_broker_config},
    {NULL, NULL, NULL, NULL, NULL},
};
