/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_config.c -- broker.conf: RocketMQ's keys and defaults for the broker itself, delegating
 * the store's keys to store_config_set(). Java-style properties files (`key=value`, `#` and
 * `!` comments, spaces around `=`). Unlike RocketMQ, which ignores unknown keys silently,
 * unknown keys and bad values are reported with the file and line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bk.h"
#include "mq/log.h"

void
bk_config_defaults(bk_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->cluster, sizeof(cfg->cluster), "DefaultCluster");
    snprintf(cfg->name, sizeof(cfg->name), "broker-a");
    cfg->id = 0;
    snprintf(cfg->ip1, sizeof(cfg->ip1), "127.0.0.1");
    cfg->listen_port = 10911;
    cfg->auto_create_topic = 1;
    cfg->auto_create_group = 1;
    cfg->default_topic_queues = 8;
    cfg->long_polling = 1;
    cfg->short_polling_ms = 1000;
    cfg->max_hold_ms = 25000;
    cfg->reg_period_ms = 30000;
    cfg->group_initial_delay_ms = 3000;
    cfg->group_min_session_ms = 6000;
    cfg->group_max_session_ms = 1800000;
    cfg->group_max_size = INT32_MAX;
    snprintf(cfg->kafka_listeners, sizeof(cfg->kafka_listeners), "PLAINTEXT://:9092");
    cfg->kafka_node_id = -1;
    cfg->kafka_auto_create = 1;
    cfg->kafka_num_partitions = 1;
    store_config_defaults(&cfg->store);
}

static int
bk_parse_bool(const char *v, int *out)
{
    if (strcasecmp(v, "true") == 0)
        *out = 1;
    else if (strcasecmp(v, "false") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

static int
bk_parse_i64(const char *v, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long x;
    errno = 0;
    x = strtoll(v, &end, 10);
    if (end == v || *end || errno || x < min || x > max)
        return -1;
    *out = x;
    return 0;
}

int
bk_config_set(bk_config_t *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    int64_t n = 0;
    int b = 0, bad = 0;
    if (strcmp(key, "brokerClusterName") == 0)
        snprintf(cfg->cluster, sizeof(cfg->cluster), "%s", value);
    else if (strcmp(key, "brokerName") == 0)
        snprintf(cfg->name, sizeof(cfg->name), "%s", value);
    else if (strcmp(key, "brokerIP1") == 0)
        snprintf(cfg->ip1, sizeof(cfg->ip1), "%s", value);
    else if (strcmp(key, "namesrvAddr") == 0)
        snprintf(cfg->namesrv_addr, sizeof(cfg->namesrv_addr), "%s", value);
    else if (strcmp(key, "registerNameServerPeriod") == 0)
        bad = bk_parse_i64(value, 1, INT32_MAX, &cfg->reg_period_ms);
    else if (strcmp(key, "brokerId") == 0)
        bad = bk_parse_i64(value, 0, INT32_MAX, &cfg->id);
    else if (strcmp(key, "listenPort") == 0) {
        if (!(bad = bk_parse_i64(value, 0, 65535, &n)))
            cfg->listen_port = (int)n;
    } else if (strcmp(key, "groupInitialRebalanceDelayMs") == 0 ||
               strcmp(key, "group.initial.rebalance.delay.ms") == 0)
        bad = bk_parse_i64(value, 0, 3600000, &cfg->group_initial_delay_ms);
    else if (strcmp(key, "groupMinSessionTimeoutMs") == 0 ||
             strcmp(key, "group.min.session.timeout.ms") == 0)
        bad = bk_parse_i64(value, 1, INT32_MAX, &cfg->group_min_session_ms);
    else if (strcmp(key, "groupMaxSessionTimeoutMs") == 0 ||
             strcmp(key, "group.max.session.timeout.ms") == 0)
        bad = bk_parse_i64(value, 1, INT32_MAX, &cfg->group_max_session_ms);
    else if (strcmp(key, "groupMaxSize") == 0 || strcmp(key, "group.max.size") == 0)
        bad = bk_parse_i64(value, 1, INT32_MAX, &cfg->group_max_size);
    else if (strcmp(key, "listeners") == 0 || strcmp(key, "kafkaListeners") == 0)
        snprintf(cfg->kafka_listeners, sizeof(cfg->kafka_listeners), "%s", value);
    else if (strcmp(key, "advertised.listeners") == 0 ||
             strcmp(key, "kafkaAdvertisedListeners") == 0)
        snprintf(cfg->kafka_advertised, sizeof(cfg->kafka_advertised), "%s", value);
    else if (strcmp(key, "node.id") == 0 || strcmp(key, "broker.id") == 0 ||
             strcmp(key, "kafkaNodeId") == 0)
        bad = bk_parse_i64(value, 0, INT32_MAX, &cfg->kafka_node_id);
    else if (strcmp(key, "auto.create.topics.enable") == 0)
        bad = bk_parse_bool(value, &cfg->kafka_auto_create);
    else if (strcmp(key, "num.partitions") == 0)
        bad = bk_parse_i64(value, 1, 65535, &cfg->kafka_num_partitions);
    else if (strcmp(key, "defaultTopicQueueNums") == 0) {
        if (!(bad = bk_parse_i64(value, 1, 65535, &n)))
            cfg->default_topic_queues = (int)n;
    } else if (strcmp(key, "shortPollingTimeMills") == 0)
        bad = bk_parse_i64(value, 1, 3600000, &cfg->short_polling_ms);
    else if (strcmp(key, "autoCreateTopicEnable") == 0)
        bad = bk_parse_bool(value, &cfg->auto_create_topic);
    else if (strcmp(key, "autoCreateSubscriptionGroup") == 0)
        bad = bk_parse_bool(value, &cfg->auto_create_group);
    else if (strcmp(key, "longPollingEnable") == 0) {
        if (!(bad = bk_parse_bool(value, &b)))
            cfg->long_polling = b;
    } else
        return store_config_set(&cfg->store, key, value, err, errlen);
    if (bad) {
        snprintf(err, errlen, "%s=%s: bad value", key, value);
        return MQ_EINVAL;
    }
    return MQ_OK;
}

int
bk_config_load(bk_config_t *cfg, const char *path)
{
    char line[2048], err[256];
    int lineno = 0, rc = MQ_OK;
    FILE *f = fopen(path, "r");
    if (!f) {
        MQ_LOG_ERROR("broker", "cannot read %s: %s", path, strerror(errno));
        return MQ_EIO;
    }
    while (fgets(line, sizeof(line), f)) {
        char *k = line, *eq, *v, *end;
        lineno++;
        while (*k == ' ' || *k == '\t')
            k++;
        if (*k == '#' || *k == '!' || *k == '\n' || *k == '\r' || *k == '\0')
            continue;
        eq = strchr(k, '=');
        if (!eq)
            eq = strchr(k, ':');
        if (!eq) {
            MQ_LOG_WARN("broker", "%s:%d: not a key=value line, ignored", path, lineno);
            continue;
        }
        *eq = '\0';
        v = eq + 1;
        for (end = eq - 1; end >= k && (*end == ' ' || *end == '\t'); end--)
            *end = '\0';
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\r\n")] = '\0';
        for (end = v + strlen(v) - 1; end >= v && (*end == ' ' || *end == '\t'); end--)
            *end = '\0';
        switch (bk_config_set(cfg, k, v, err, sizeof(err))) {
        case MQ_OK:
            break;
        case MQ_ENOENT:
            MQ_LOG_WARN("broker", "%s:%d: unknown key %s ignored", path, lineno, k);
            break;
        default:
            MQ_LOG_ERROR("broker", "%s:%d: %s", path, lineno, err);
            rc = MQ_EINVAL;
        }
    }
    fclose(f);
    return rc;
}

void
bk_config_foreach(const bk_config_t *cfg, void (*fn)(void *arg, const char *key, const char *value),
                  void *arg)
{
    char v[64];
    fn(arg, "brokerClusterName", cfg->cluster);
    fn(arg, "brokerName", cfg->name);
    snprintf(v, sizeof(v), "%" PRId64, cfg->id);
    fn(arg, "brokerId", v);
    fn(arg, "brokerIP1", cfg->ip1);
    snprintf(v, sizeof(v), "%d", cfg->listen_port);
    fn(arg, "listenPort", v);
    fn(arg, "namesrvAddr", cfg->namesrv_addr);
    snprintf(v, sizeof(v), "%" PRId64, cfg->reg_period_ms);
    fn(arg, "registerNameServerPeriod", v);
    fn(arg, "autoCreateTopicEnable", cfg->auto_create_topic ? "true" : "false");
    fn(arg, "autoCreateSubscriptionGroup", cfg->auto_create_group ? "true" : "false");
    snprintf(v, sizeof(v), "%d", cfg->default_topic_queues);
    fn(arg, "defaultTopicQueueNums", v);
    fn(arg, "longPollingEnable", cfg->long_polling ? "true" : "false");
    snprintf(v, sizeof(v), "%" PRId64, cfg->short_polling_ms);
    fn(arg, "shortPollingTimeMills", v);
    snprintf(v, sizeof(v), "%" PRId64, cfg->group_initial_delay_ms);
    fn(arg, "groupInitialRebalanceDelayMs", v);
    snprintf(v, sizeof(v), "%" PRId64, cfg->group_min_session_ms);
    fn(arg, "groupMinSessionTimeoutMs", v);
    snprintf(v, sizeof(v), "%" PRId64, cfg->group_max_session_ms);
    fn(arg, "groupMaxSessionTimeoutMs", v);
    snprintf(v, sizeof(v), "%" PRId64, cfg->group_max_size);
    fn(arg, "groupMaxSize", v);
    fn(arg, "listeners", cfg->kafka_listeners);
    fn(arg, "advertised.listeners", cfg->kafka_advertised);
    snprintf(v, sizeof(v), "%" PRId64, cfg->kafka_node_id);
    fn(arg, "node.id", v);
    fn(arg, "auto.create.topics.enable", cfg->kafka_auto_create ? "true" : "false");
    snprintf(v, sizeof(v), "%" PRId64, cfg->kafka_num_partitions);
    fn(arg, "num.partitions", v);
    store_config_foreach(&cfg->store, fn, arg);
}
