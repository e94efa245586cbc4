/* SPDX-License-Identifier: Apache-2.0
 *
 * test_config.c -- writing UPDATE_BROKER_CONFIG's keys back into broker.conf
 * (bk_config_persist in broker/bk_config.c) in a temp directory: lines kept, keys changed in
 * place or appended, repeated keys, CRLF files, a missing file, a symlinked file, the .bak copy,
 * and that bk_config_load reads the result back.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bk.h"

static char t_dir[256];

static void
t_setup(void)
{
    snprintf(t_dir, sizeof(t_dir), "/tmp/test-bk-config-XXXXXX");
    cr_assert_not_null(mkdtemp(t_dir));
}

static void
t_teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t_dir);
    cr_expect_eq(system(cmd), 0);
}

static void
t_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* The file's text (static buffer). */
static const char *
t_read(const char *path)
{
    static char buf[4096];
    size_t n;
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int
t_persist(const char *path, const char *const *keys, const char *const *values, int n)
{
    char err[256] = "";
    int rc = bk_config_persist(path, keys, values, n, err, sizeof(err));
    cr_expect(rc == MQ_OK || err[0], "an error says why");
    return rc;
}

TestSuite(bk_config, .init = t_setup, .fini = t_teardown);

Test(bk_config, keys_changed_in_place_and_appended)
{
    char path[300], bak[310], tmp[310];
    const char *keys[] = {"shortPollingTimeMills", "autoCreateTopicEnable", "brokerName"};
    const char *values[] = {"500", "false", "broker-b"};
    bk_config_t cfg;

    snprintf(path, sizeof(path), "%s/broker.conf", t_dir);
    snprintf(bak, sizeof(bak), "%s.bak", path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    t_write(path, "# mine\n\nbrokerClusterName = C1\n  autoCreateTopicEnable : true\n"
                  "deleteWhen=04\nautoCreateTopicEnable=true");
    chmod(path, 0600);
    cr_assert_eq(t_persist(path, keys, values, 3), MQ_OK);
    cr_expect_str_eq(t_read(path), "# mine\n\nbrokerClusterName = C1\nautoCreateTopicEnable=false\n"
                                   "deleteWhen=04\nautoCreateTopicEnable=false\n"
                                   "shortPollingTimeMills=500\nbrokerName=broker-b\n");
    cr_expect_str_eq(t_read(bak),
                     "# mine\n\nbrokerClusterName = C1\n  autoCreateTopicEnable : true\n"
                     "deleteWhen=04\nautoCreateTopicEnable=true");
    cr_expect_eq(access(tmp, F_OK), -1, "no .tmp left");
    {
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_expect_eq(st.st_mode & 0777, 0600, "the file keeps its mode");
    }
    bk_config_defaults(&cfg);
    cr_assert_eq(bk_config_load(&cfg, path), MQ_OK);
    cr_expect_eq(cfg.short_polling_ms, 500);
    cr_expect_eq(cfg.auto_create_topic, 0);
    cr_expect_str_eq(cfg.name, "broker-b");
    cr_expect_str_eq(cfg.cluster, "C1");
}

Test(bk_config, last_of_repeated_keys_wins)
{
    char path[300];
    const char *keys[] = {"shortPollingTimeMills", "shortPollingTimeMills"};
    const char *values[] = {"1", "2"};
    snprintf(path, sizeof(path), "%s/broker.conf", t_dir);
    t_write(path, "a=1\r\nshortPollingTimeMills=9\r\n");
    cr_assert_eq(t_persist(path, keys, values, 2), MQ_OK);
    cr_expect_str_eq(t_read(path), "a=1\r\nshortPollingTimeMills=2\n");
    cr_assert_eq(t_persist(path, keys + 1, values, 1), MQ_OK);
    cr_expect_str_eq(t_read(path), "a=1\r\nshortPollingTimeMills=1\n");
}

Test(bk_config, missing_file_created_with_a_comment)
{
    char path[300];
    const char *keys[] = {"longPollingEnable"};
    const char *values[] = {"false"};
    const char *text;
    snprintf(path, sizeof(path), "%s/broker.properties", t_dir);
    cr_assert_eq(t_persist(path, keys, values, 1), MQ_OK);
    text = t_read(path);
    cr_assert_not_null(text);
    cr_expect(text[0] == '#' && strstr(text, "\nlongPollingEnable=false\n") != NULL, "%s", text);
}

Test(bk_config, symlinked_file_written_through_the_link)
{
    char real[300], link_path[300];
    const char *keys[] = {"brokerName"};
    const char *values[] = {"b2"};
    struct stat st;
    snprintf(real, sizeof(real), "%s/real.conf", t_dir);
    snprintf(link_path, sizeof(link_path), "%s/broker.conf", t_dir);
    t_write(real, "brokerName=b1\n");
    cr_assert_eq(symlink(real, link_path), 0);
    cr_assert_eq(t_persist(link_path, keys, values, 1), MQ_OK);
    cr_expect_eq(lstat(link_path, &st), 0);
    cr_expect(S_ISLNK(st.st_mode), "still a link");
    cr_expect_str_eq(t_read(real), "brokerName=b2\n");
}

Test(bk_config, unwritable_directory_is_an_error)
{
    char path[300];
    const char *keys[] = {"brokerName"};
    const char *values[] = {"b2"};
    snprintf(path, sizeof(path), "%s/no/such/dir/broker.conf", t_dir);
    cr_expect_eq(t_persist(path, keys, values, 1), MQ_EIO);
}

Test(bk_config, default_file_under_the_store)
{
    bk_config_t cfg;
    char out[1100];
    bk_config_defaults(&cfg);
    snprintf(cfg.store.root_dir, sizeof(cfg.store.root_dir), "/data/store");
    bk_config_file(&cfg, out, sizeof(out));
    cr_expect_str_eq(out, "/data/store/config/broker.properties");
    cr_assert_eq(bk_config_set(&cfg, "brokerConfigPath", "/etc/broker.conf", out, 100), MQ_OK);
    bk_config_file(&cfg, out, sizeof(out));
    cr_expect_str_eq(out, "/etc/broker.conf");
}
