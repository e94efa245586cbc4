/* SPDX-License-Identifier: Apache-2.0
 *
 * store_config.c -- the store's configuration keys (MessageStoreConfig), their defaults and
 * their parsing. The key table is data: one row per key, with RocketMQ's spelling, so the
 * broker's broker.conf loader and `mqbroker -p` go through the same rows.
 *
 * Deviations from RocketMQ, on purpose:
 *   - fileReservedTime accepts fractional hours (tests use seconds);
 *   - deleteWhen also accepts "*" (any hour);
 *   - storeCapacity (new) caps the store's own bytes, e.g. "64m": usage ratios are computed
 *     against it as well as against the filesystem;
 *   - flushIntervalIndex (new, 10 s) flushes the index less often than the queues;
 *   - warmMapedFileEnable defaults to true: we prefault a window ahead of the writer rather
 *     than the whole file, which costs little and keeps page faults off the append path;
 *   - transientStorePoolEnable (RocketMQ: write into off-heap buffers, commit them to the
 *     file channel) makes ASYNC_FLUSH append with pwrite() instead of through the mapping, as
 *     SYNC_FLUSH always does; reads still use the mapping.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mq/store.h"

typedef enum store_key_type_e {
    STORE_KEY_STR,
    STORE_KEY_INT,
    STORE_KEY_I64,
    STORE_KEY_SIZE,
    STORE_KEY_BOOL,
    STORE_KEY_DOUBLE,
    STORE_KEY_FLUSH,
    STORE_KEY_RATIO,
} store_key_type_t;

typedef struct store_key_s {
    const char *name;      /* RocketMQ key */
    store_key_type_t type; /* how to parse it */
    size_t off;            /* field in store_config_t */
    size_t len;            /* field size (strings) */
    int64_t min, max;      /* accepted range for numbers */
} store_key_t;

#define K(name, type, field, min, max)                                                             \
    {                                                                                              \
        name, type, offsetof(store_config_t, field), sizeof(((store_config_t *)0)->field), min,    \
            max                                                                                    \
    }

static const store_key_t store_keys[] = {
    K("storePathRootDir", STORE_KEY_STR, root_dir, 0, 0),
    K("storePathCommitLog", STORE_KEY_STR, commitlog_dir, 0, 0),
    K("mappedFileSizeCommitLog", STORE_KEY_I64, commitlog_file_size, 4096, (int64_t)1 << 40),
    K("mapedFileSizeCommitLog", STORE_KEY_I64, commitlog_file_size, 4096, (int64_t)1 << 40),
    K("mappedFileSizeConsumeQueue", STORE_KEY_I64, cq_file_size, 20, (int64_t)1 << 32),
    K("flushDiskType", STORE_KEY_FLUSH, flush_mode, 0, 0),
    K("flushIntervalCommitLog", STORE_KEY_INT, flush_interval_ms, 1, 3600000),
    K("flushCommitLogLeastPages", STORE_KEY_INT, flush_least_pages, 0, 1 << 20),
    K("flushCommitLogThoroughInterval", STORE_KEY_INT, flush_thorough_interval_ms, 1, 86400000),
    K("flushIntervalConsumeQueue", STORE_KEY_INT, flush_cq_interval_ms, 1, 3600000),
    K("flushIntervalIndex", STORE_KEY_INT, flush_index_interval_ms, 1, 3600000),
    K("syncFlushTimeout", STORE_KEY_INT, sync_flush_timeout_ms, 1, 3600000),
    K("maxMessageSize", STORE_KEY_INT, max_message_size, 1, 1 << 30),
    K("messageIndexEnable", STORE_KEY_BOOL, message_index_enable, 0, 1),
    K("maxHashSlotNum", STORE_KEY_INT, index_slots, 1, 100000000),
    K("maxIndexNum", STORE_KEY_INT, index_max_entries, 2, 100000000),
    K("fileReservedTime", STORE_KEY_DOUBLE, file_reserved_hours, 0, 1000000),
    K("deleteWhen", STORE_KEY_STR, delete_when, 0, 0),
    K("diskMaxUsedSpaceRatio", STORE_KEY_RATIO, disk_max_used_ratio, 10, 95),
    K("diskSpaceCleanForciblyRatio", STORE_KEY_RATIO, disk_clean_forcibly_ratio, 1, 100),
    K("diskSpaceWarningLevelRatio", STORE_KEY_RATIO, disk_warning_ratio, 1, 100),
    K("storeCapacity", STORE_KEY_SIZE, capacity_bytes, 0, INT64_MAX),
    K("cleanFileForciblyEnable", STORE_KEY_BOOL, clean_forcibly_enable, 0, 1),
    K("cleanResourceInterval", STORE_KEY_INT, clean_interval_ms, 1, 86400000),
    K("deleteCommitLogFilesInterval", STORE_KEY_INT, delete_files_interval_ms, 0, 60000),
    K("checkCRCOnRecover", STORE_KEY_BOOL, check_crc_on_recover, 0, 1),
    K("warmMapedFileEnable", STORE_KEY_BOOL, warm_mapped_file, 0, 1),
    K("transientStorePoolEnable", STORE_KEY_BOOL, write_not_mapped, 0, 1),
};

#undef K

void
store_config_defaults(store_config_t *cfg)
{
    const char *home = getenv("HOME");
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->root_dir, sizeof(cfg->root_dir), "%s/store", home && *home ? home : "/tmp");
    cfg->commitlog_file_size = 1073741824;
    cfg->cq_file_size = 300000 * 20;
    cfg->flush_mode = STORE_ASYNC_FLUSH;
    cfg->flush_interval_ms = 500;
    cfg->flush_least_pages = 4;
    cfg->flush_thorough_interval_ms = 10000;
    cfg->flush_cq_interval_ms = 1000;
    cfg->flush_index_interval_ms = 10000;
    cfg->sync_flush_timeout_ms = 5000;
    cfg->max_message_size = 4194304;
    cfg->message_index_enable = 1;
    cfg->index_slots = 5000000;
    cfg->index_max_entries = 20000000;
    cfg->file_reserved_hours = 72;
    snprintf(cfg->delete_when, sizeof(cfg->delete_when), "04");
    cfg->disk_max_used_ratio = 75;
    cfg->disk_clean_forcibly_ratio = 85;
    cfg->disk_warning_ratio = 90;
    cfg->capacity_bytes = 0;
    cfg->clean_forcibly_enable = 1;
    cfg->clean_interval_ms = 10000;
    cfg->delete_files_interval_ms = 100;
    cfg->check_crc_on_recover = 1;
    cfg->warm_mapped_file = 1;
    cfg->store_host = (mq_host_t){{127, 0, 0, 1}, 10911, 0};
}

static int
store_parse_i64(const char *v, int64_t *out, int sizes)
{
    char *end;
    long double mult = 1;
    long double x;

    errno = 0;
    x = strtold(v, &end);
    if (end == v || errno)
        return 0;
    if (sizes) {
        switch (*end) {
        case 'k':
        case 'K':
            mult = 1024.0L;
            end++;
            break;
        case 'm':
        case 'M':
            mult = 1024.0L * 1024;
            end++;
            break;
        case 'g':
        case 'G':
            mult = 1024.0L * 1024 * 1024;
            end++;
            break;
        case 't':
        case 'T':
            mult = 1024.0L * 1024 * 1024 * 1024;
            end++;
            break;
        default:
            break;
        }
        if (*end == 'b' || *end == 'B')
            end++;
    }
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end)
        return 0;
    x *= mult;
    if (!sizes && x != floorl(x))
        return 0;
    if (x > (long double)INT64_MAX || x < (long double)INT64_MIN)
        return 0;
    *out = (int64_t)x;
    return 1;
}

int
store_config_set(store_config_t *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    const store_key_t *k = NULL;
    char *field;
    int64_t n;

    for (size_t i = 0; i < MQ_ARRAY_LEN(store_keys); i++) {
        if (strcmp(store_keys[i].name, key) == 0) {
            k = &store_keys[i];
            break;
        }
    }
    if (!k)
        return MQ_ENOENT;
    field = (char *)cfg + k->off;
    switch (k->type) {
    case STORE_KEY_STR:
        if (strlen(value) >= k->len)
            goto bad;
        memcpy(field, value, strlen(value) + 1);
        return MQ_OK;
    case STORE_KEY_BOOL:
        if (strcasecmp(value, "true") == 0)
            *(int *)field = 1;
        else if (strcasecmp(value, "false") == 0)
            *(int *)field = 0;
        else
            goto bad;
        return MQ_OK;
    case STORE_KEY_FLUSH:
        if (strcmp(value, "ASYNC_FLUSH") == 0)
            *(store_flush_mode_t *)field = STORE_ASYNC_FLUSH;
        else if (strcmp(value, "SYNC_FLUSH") == 0)
            *(store_flush_mode_t *)field = STORE_SYNC_FLUSH;
        else
            goto bad;
        return MQ_OK;
    case STORE_KEY_DOUBLE: {
        char *end;
        double d = strtod(value, &end);
        if (end == value || *end || !isfinite(d) || d < (double)k->min || d > (double)k->max)
            goto bad;
        *(double *)field = d;
        return MQ_OK;
    }
    case STORE_KEY_INT:
    case STORE_KEY_RATIO:
        if (!store_parse_i64(value, &n, 0) || n < k->min || n > k->max)
            goto bad;
        *(int *)field = (int)n;
        return MQ_OK;
    case STORE_KEY_I64:
    case STORE_KEY_SIZE:
        if (!store_parse_i64(value, &n, k->type == STORE_KEY_SIZE) || n < k->min || n > k->max)
            goto bad;
        if (k->off == offsetof(store_config_t, cq_file_size))
            n = (n + 19) / 20 * 20; /* whole entries, as RocketMQ's getter rounds */
        *(int64_t *)field = n;
        return MQ_OK;
    }
bad:
    if (err && errlen) {
        if (k->type == STORE_KEY_BOOL)
            snprintf(err, errlen, "%s=%s: expected true or false", key, value);
        else if (k->type == STORE_KEY_FLUSH)
            snprintf(err, errlen, "%s=%s: expected ASYNC_FLUSH or SYNC_FLUSH", key, value);
        else if (k->type == STORE_KEY_STR)
            snprintf(err, errlen, "%s: value too long (max %zu bytes)", key, k->len - 1);
        else
            snprintf(err, errlen, "%s=%s: expected a number in [%" PRId64 ", %" PRId64 "]%s", key,
                     value, k->min, k->max,
                     k->type == STORE_KEY_SIZE ? " (suffix k, m, g or t allowed)" : "");
    }
    return MQ_EINVAL;
}

void
store_config_foreach(const store_config_t *cfg,
                     void (*fn)(void *arg, const char *key, const char *value), void *arg)
{
    char v[600];
    for (size_t i = 0; i < MQ_ARRAY_LEN(store_keys); i++) {
        const store_key_t *k = &store_keys[i];
        const char *field = (const char *)cfg + k->off;
        if (strcmp(k->name, "mapedFileSizeCommitLog") == 0)
            continue; /* legacy alias */
        switch (k->type) {
        case STORE_KEY_STR:
            snprintf(v, sizeof(v), "%s", field);
            break;
        case STORE_KEY_BOOL:
            snprintf(v, sizeof(v), "%s", *(const int *)field ? "true" : "false");
            break;
        case STORE_KEY_FLUSH:
            snprintf(v, sizeof(v), "%s",
                     *(const store_flush_mode_t *)field == STORE_SYNC_FLUSH ? "SYNC_FLUSH"
                                                                            : "ASYNC_FLUSH");
            break;
        case STORE_KEY_DOUBLE:
            snprintf(v, sizeof(v), "%g", *(const double *)field);
            break;
        case STORE_KEY_INT:
        case STORE_KEY_RATIO:
            snprintf(v, sizeof(v), "%d", *(const int *)field);
            break;
        case STORE_KEY_I64:
        case STORE_KEY_SIZE:
            snprintf(v, sizeof(v), "%" PRId64, *(const int64_t *)field);
            break;
        }
        fn(arg, k->name, v);
    }
}

int
store_config_check(const store_config_t *cfg, char *err, size_t errlen)
{
    if (cfg->root_dir[0] == '\0') {
        snprintf(err, errlen, "storePathRootDir is empty");
        return MQ_EINVAL;
    }
    if (cfg->commitlog_file_size % 4096 != 0) {
        snprintf(err, errlen, "mappedFileSizeCommitLog=%" PRId64 " must be a multiple of 4096",
                 cfg->commitlog_file_size);
        return MQ_EINVAL;
    }
    if ((int64_t)cfg->max_message_size + 4096 > cfg->commitlog_file_size) {
        snprintf(err, errlen,
                 "maxMessageSize=%d does not fit in a CommitLog segment of %" PRId64
                 " bytes (mappedFileSizeCommitLog)",
                 cfg->max_message_size, cfg->commitlog_file_size);
        return MQ_EINVAL;
    }
    if (cfg->cq_file_size % 20 != 0) {
        snprintf(err, errlen, "mappedFileSizeConsumeQueue must be a multiple of 20");
        return MQ_EINVAL;
    }
    if (cfg->disk_warning_ratio < cfg->disk_clean_forcibly_ratio) {
        snprintf(err, errlen,
                 "diskSpaceWarningLevelRatio=%d is below diskSpaceCleanForciblyRatio=%d",
                 cfg->disk_warning_ratio, cfg->disk_clean_forcibly_ratio);
        return MQ_EINVAL;
    }
    return MQ_OK;
}
