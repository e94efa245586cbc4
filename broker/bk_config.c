/* SPDX-License-Identifier: Apache-2.0
 *
 * bk_config.c -- broker.conf: RocketMQ's keys and defaults for the broker itself, delegating
 * the store's keys to store_config_set(). Java-style properties files (`key=value`, `#` and
 * `!` comments, spaces around `=`). Unlike RocketMQ, which ignores unknown keys silently,
 * unknown keys and bad values are reported with the file and line.
 *
 * bk_config_persist writes UPDATE_BROKER_CONFIG's keys back into the file the broker was started
 * with (RocketMQ's Configuration.persist): RocketMQ dumps every key it has; we keep the file as
 * the operator wrote it (comments, order, keys) and change or append only the updated keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bk.h"
#include "mq/buf.h"
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
    cfg->lock_max_live_ms = 60000;
    cfg->reg_period_ms = 30000;
    cfg->group_initial_delay_ms = 3000;
    cfg->group_min_session_ms = 6000;
    cfg->group_max_session_ms = 1800000;
    cfg->group_max_size = INT32_MAX;
    snprintf(cfg->kafka_listeners, sizeof(cfg->kafka_listeners), "PLAINTEXT://:9092");
    cfg->kafka_node_id = -1;
    cfg->kafka_auto_create = 1;
    cfg->kafka_num_partitions = 1;
    cfg->txn_timeout_ms = 6000;
    cfg->txn_check_interval_ms = 60000;
    cfg->txn_check_max = 15;
    snprintf(cfg->delay_levels, sizeof(cfg->delay_levels), "%s", BK_DELAY_LEVELS_DEFAULT);
    cfg->timer_enable = 1;
    cfg->timer_max_delay_s = 259200;
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
    else if (strcmp(key, "brokerConfigPath") == 0)
        snprintf(cfg->config_path, sizeof(cfg->config_path), "%s", value);
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
    else if (strcmp(key, "rocketmq.broker.rebalance.lockMaxLiveTime") == 0 ||
             strcmp(key, "rebalanceLockMaxLiveTime") == 0)
        bad = bk_parse_i64(value, 1, INT32_MAX, &cfg->lock_max_live_ms);
    else if (strcmp(key, "transactionTimeOut") == 0)
        bad = bk_parse_i64(value, 0, INT32_MAX, &cfg->txn_timeout_ms);
    else if (strcmp(key, "transactionCheckInterval") == 0)
        bad = bk_parse_i64(value, 10, INT32_MAX, &cfg->txn_check_interval_ms);
    else if (strcmp(key, "transactionCheckMax") == 0)
        bad = bk_parse_i64(value, 0, INT32_MAX, &cfg->txn_check_max);
    else if (strcmp(key, "autoCreateTopicEnable") == 0)
        bad = bk_parse_bool(value, &cfg->auto_create_topic);
    else if (strcmp(key, "autoCreateSubscriptionGroup") == 0)
        bad = bk_parse_bool(value, &cfg->auto_create_group);
    else if (strcmp(key, "messageDelayLevel") == 0) {
        int64_t ms[BK_DELAY_LEVELS_MAX];
        if (!(bad = bk_delay_levels_parse(value, ms, BK_DELAY_LEVELS_MAX) <= 0))
            snprintf(cfg->delay_levels, sizeof(cfg->delay_levels), "%s", value);
    } else if (strcmp(key, "timerWheelEnable") == 0)
        bad = bk_parse_bool(value, &cfg->timer_enable);
    else if (strcmp(key, "timerMaxDelaySec") == 0)
        bad = bk_parse_i64(value, 1, INT32_MAX, &cfg->timer_max_delay_s);
    else if (strcmp(key, "longPollingEnable") == 0) {
        if (!(bad = bk_parse_bool(value, &b)))
            cfg->long_polling = b;
    } else if (strcmp(key, "enablePropertyFilter") == 0) {
        if (!(bad = bk_parse_bool(value, &b)))
            cfg->property_filter = b;
    } else if (strcmp(key, "filterSupportRetry") == 0) {
        if (!(bad = bk_parse_bool(value, &b)))
            cfg->filter_retry = b;
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
    fn(arg, "brokerConfigPath", cfg->config_path);
    snprintf(v, sizeof(v), "%" PRId64, cfg->reg_period_ms);
    fn(arg, "registerNameServerPeriod", v);
    fn(arg, "autoCreateTopicEnable", cfg->auto_create_topic ? "true" : "false");
    fn(arg, "autoCreateSubscriptionGroup", cfg->auto_create_group ? "true" : "false");
    snprintf(v, sizeof(v), "%d", cfg->default_topic_queues);
    fn(arg, "defaultTopicQueueNums", v);
    fn(arg, "longPollingEnable", cfg->long_polling ? "true" : "false");
    fn(arg, "enablePropertyFilter", cfg->property_filter ? "true" : "false");
    fn(arg, "filterSupportRetry", cfg->filter_retry ? "true" : "false");
    snprintf(v, sizeof(v), "%" PRId64, cfg->short_polling_ms);
    fn(arg, "shortPollingTimeMills", v);
    snprintf(v, sizeof(v), "%" PRId64, cfg->lock_max_live_ms);
    fn(arg, "rocketmq.broker.rebalance.lockMaxLiveTime", v);
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
    snprintf(v, sizeof(v), "%" PRId64, cfg->txn_timeout_ms);
    fn(arg, "transactionTimeOut", v);
    snprintf(v, sizeof(v), "%" PRId64, cfg->txn_check_interval_ms);
    fn(arg, "transactionCheckInterval", v);
    snprintf(v, sizeof(v), "%" PRId64, cfg->txn_check_max);
    fn(arg, "transactionCheckMax", v);
    fn(arg, "messageDelayLevel", cfg->delay_levels);
    fn(arg, "timerWheelEnable", cfg->timer_enable ? "true" : "false");
    snprintf(v, sizeof(v), "%" PRId64, cfg->timer_max_delay_s);
    fn(arg, "timerMaxDelaySec", v);
    store_config_foreach(&cfg->store, fn, arg);
}

/* ---- Writing updated keys back (UPDATE_BROKER_CONFIG) ---- */

void
bk_config_file(const bk_config_t *cfg, char *out, size_t n)
{
    if (cfg->config_path[0])
        snprintf(out, n, "%s", cfg->config_path);
    else
        snprintf(out, n, "%s/config/broker.properties", cfg->store.root_dir);
}

/* The key of a `key=value` line as bk_config_load reads it; 0 for comments, blank lines and
 * lines without a separator. */
static int
bk_config_line_key(const char *line, size_t n, mq_str_t *key)
{
    const char *end = line + n, *k = line, *sep;
    while (k < end && (*k == ' ' || *k == '\t'))
        k++;
    if (k == end || *k == '#' || *k == '!' || *k == '\r')
        return 0;
    sep = memchr(k, '=', (size_t)(end - k));
    if (!sep)
        sep = memchr(k, ':', (size_t)(end - k));
    if (!sep)
        return 0;
    while (sep > k && (sep[-1] == ' ' || sep[-1] == '\t'))
        sep--;
    *key = (mq_str_t){k, (size_t)(sep - k)};
    return 1;
}

/* The index of the last keys[i] equal to key, or -1. */
static int
bk_config_find(const char *const *keys, int n, mq_str_t key)
{
    for (int i = n - 1; i >= 0; i--)
        if (mq_str_eq_cstr(key, keys[i]))
            return i;
    return -1;
}

/* Reads the whole file into b; MQ_OK, MQ_ENOENT or MQ_EIO. */
static int
bk_config_read(const char *path, mq_buf_t *b)
{
    char chunk[4096];
    size_t got;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? MQ_ENOENT : MQ_EIO;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        mq_buf_append(b, chunk, got);
    if (ferror(f)) {
        fclose(f);
        return MQ_EIO;
    }
    fclose(f);
    return MQ_OK;
}

static int
bk_config_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes text to path through path.tmp: fsync, link the old file to path.bak, rename over it,
 * fsync the directory. A crash leaves the old file or the new one, never a part. */
static int
bk_config_replace(const char *path, mq_str_t text, mode_t mode)
{
    char tmp[PATH_MAX + 8], bak[PATH_MAX + 8], dir[PATH_MAX];
    int fd, dfd;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    snprintf(bak, sizeof(bak), "%s.bak", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    if (fchmod(fd, mode) != 0 || bk_config_write_all(fd, text.p, text.n) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    close(fd);
    (void)unlink(bak); /* RocketMQ's MixAll.string2File keeps the previous text as .bak too */
    (void)link(path, bak);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    snprintf(dir, sizeof(dir), "%s", path);
    dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

int
bk_config_persist(const char *path, const char *const *keys, const char *const *values, int n,
                  char *err, size_t errlen)
{
    mq_buf_t old = MQ_BUF_INIT, out = MQ_BUF_INIT;
    char real[PATH_MAX];
    const char *target = realpath(path, real) ? real : path; /* a symlinked file stays linked */
    char *done = mq_xcalloc((size_t)(n > 0 ? n : 1), 1);
    struct stat st;
    mode_t mode = 0644;
    int rc = bk_config_read(target, &old), ret = MQ_OK;

    if (rc == MQ_EIO) {
        snprintf(err, errlen, "cannot read %s: %s", target, strerror(errno));
        ret = MQ_EIO;
        goto out;
    }
    if (rc == MQ_ENOENT)
        mq_buf_printf(&out,
                      "# broker.conf keys set by UPDATE_BROKER_CONFIG (mqadmin "
                      "updateBrokerConfig); start with: mqbroker -c %s\n",
                      target);
    else if (stat(target, &st) == 0)
        mode = st.st_mode & 07777;
    for (size_t pos = 0; pos < old.len;) {
        const char *line = (const char *)old.data + pos;
        const char *nl = memchr(line, '\n', old.len - pos);
        size_t len = nl ? (size_t)(nl - line) : old.len - pos;
        mq_str_t key;
        int i = -1;
        pos += len + (nl ? 1 : 0);
        if (bk_config_line_key(line, len, &key))
            i = bk_config_find(keys, n, key);
        if (i >= 0) { /* every line setting the key: the loader takes the last one */
            mq_buf_printf(&out, "%s=%s\n", keys[i], values[i]);
            done[i] = 1;
        } else {
            mq_buf_append(&out, line, len);
            mq_buf_append(&out, "\n", 1);
        }
    }
    for (int i = 0; i < n; i++)
        if (!done[i] && bk_config_find(keys, n, mq_str_from_cstr(keys[i])) == i)
            mq_buf_printf(&out, "%s=%s\n", keys[i], values[i]);
    if (bk_config_replace(target, mq_buf_view(&out), mode) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", target, strerror(errno));
        ret = MQ_EIO;
    }
out:
    free(done);
    mq_buf_fini(&old);
    mq_buf_fini(&out);
    return ret;
}
