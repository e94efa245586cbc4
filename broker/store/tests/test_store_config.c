/* SPDX-License-Identifier: Apache-2.0
 *
 * test_store_config.c -- store configuration keys: RocketMQ defaults, parsing, the legacy
 * spelling, fractional hours, sizes with suffixes, errors that explain themselves.
 */
#include <criterion/criterion.h>

#include "mq/store.h"

Test(store_config, rocketmq_defaults)
{
    store_config_t c;
    store_config_defaults(&c);
    cr_expect_eq(c.commitlog_file_size, 1073741824);
    cr_expect_eq(c.cq_file_size, 6000000);
    cr_expect_eq(c.flush_mode, STORE_ASYNC_FLUSH);
    cr_expect_eq(c.flush_interval_ms, 500);
    cr_expect_eq(c.flush_least_pages, 4);
    cr_expect_eq(c.sync_flush_timeout_ms, 5000);
    cr_expect_eq(c.max_message_size, 4194304);
    cr_expect_eq(c.index_slots, 5000000);
    cr_expect_eq(c.index_max_entries, 20000000);
    cr_expect_eq(c.file_reserved_hours, 72);
    cr_expect_str_eq(c.delete_when, "04");
    cr_expect_eq(c.disk_max_used_ratio, 75);
    cr_expect_eq(c.disk_clean_forcibly_ratio, 85);
    cr_expect_eq(c.disk_warning_ratio, 90);
}

Test(store_config, keys_parse_and_errors_explain)
{
    store_config_t c;
    char err[256];
    store_config_defaults(&c);
    cr_expect_eq(store_config_set(&c, "flushDiskType", "SYNC_FLUSH", err, sizeof(err)), MQ_OK);
    cr_expect_eq(c.flush_mode, STORE_SYNC_FLUSH);
    cr_expect_eq(store_config_set(&c, "mapedFileSizeCommitLog", "1048576", err, sizeof(err)),
                 MQ_OK);
    cr_expect_eq(c.commitlog_file_size, 1048576);
    cr_expect_eq(store_config_set(&c, "fileReservedTime", "0.001", err, sizeof(err)), MQ_OK);
    cr_expect_float_eq(c.file_reserved_hours, 0.001, 1e-9);
    cr_expect_eq(store_config_set(&c, "storeCapacity", "64m", err, sizeof(err)), MQ_OK);
    cr_expect_eq(c.capacity_bytes, 64 << 20);
    cr_expect_eq(store_config_set(&c, "mappedFileSizeConsumeQueue", "1001", err, sizeof(err)),
                 MQ_OK);
    cr_expect_eq(c.cq_file_size, 1020, "rounded up to whole entries");
    cr_expect_eq(store_config_set(&c, "messageIndexEnable", "false", err, sizeof(err)), MQ_OK);
    cr_expect_eq(c.message_index_enable, 0);
    cr_expect_eq(store_config_set(&c, "noSuchKey", "1", err, sizeof(err)), MQ_ENOENT);
    cr_expect_eq(store_config_set(&c, "flushDiskType", "SOMETIMES", err, sizeof(err)), MQ_EINVAL);
    cr_expect(strstr(err, "ASYNC_FLUSH") != NULL, "%s", err);
    cr_expect_eq(store_config_set(&c, "diskMaxUsedSpaceRatio", "120", err, sizeof(err)), MQ_EINVAL);
    cr_expect(strstr(err, "diskMaxUsedSpaceRatio") != NULL, "%s", err);
    cr_expect_eq(store_config_set(&c, "flushIntervalCommitLog", "12x", err, sizeof(err)),
                 MQ_EINVAL);
    cr_expect_eq(store_config_set(&c, "messageIndexEnable", "yes", err, sizeof(err)), MQ_EINVAL);
}

Test(store_config, cross_key_checks)
{
    store_config_t c;
    char err[256];
    store_config_defaults(&c);
    cr_expect_eq(store_config_check(&c, err, sizeof(err)), MQ_OK);
    c.commitlog_file_size = 1 << 20; /* smaller than maxMessageSize (4 MiB) */
    cr_expect_eq(store_config_check(&c, err, sizeof(err)), MQ_EINVAL);
    cr_expect(strstr(err, "maxMessageSize") != NULL, "%s", err);
}

static void
count_key(void *arg, const char *k, const char *v)
{
    (*(int *)arg)++;
    cr_expect_neq(strcmp(k, "mapedFileSizeCommitLog"), 0);
    (void)v;
}

Test(store_config, foreach_lists_every_key_once)
{
    store_config_t c;
    int n = 0;
    store_config_defaults(&c);
    store_config_foreach(&c, count_key, &n);
    cr_expect_gt(n, 20);
}
