/* SPDX-License-Identifier: Apache-2.0
 *
 * store_test_util.h -- helpers for the store's unit tests: a small-file configuration, message
 * builders and a directory copier (test code only).
 */
#ifndef STORE_TEST_UTIL_H
#define STORE_TEST_UTIL_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq/log.h"
#include "mq/store.h"
#include "mq_test.h"

/* A store with tiny files so that tests cross segment boundaries quickly. */
static inline void
st_config(store_config_t *cfg, const char *dir)
{
    store_config_defaults(cfg);
    snprintf(cfg->root_dir, sizeof(cfg->root_dir), "%s", dir);
    cfg->commitlog_file_size = 8192;
    cfg->max_message_size = 2048;
    cfg->cq_file_size = 20 * 64;
    cfg->index_slots = 64;
    cfg->index_max_entries = 512;
    cfg->flush_interval_ms = 20;
    cfg->flush_cq_interval_ms = 50;
    cfg->clean_interval_ms = 3600000; /* tests call store_clean_now() */
    cfg->delete_files_interval_ms = 0;
    cfg->warm_mapped_file = 0;
}

/* Fills m for topic/qid with body and props (views: keep the strings alive). */
static inline void
st_msg(mq_msg_t *m, const char *topic, int32_t qid, const char *body, const char *props)
{
    memset(m, 0, sizeof(*m));
    m->topic = mq_str_from_cstr(topic);
    m->queue_id = qid;
    m->body = mq_str_from_cstr(body);
    m->props = mq_str_from_cstr(props);
    m->born_ts = mq_now_ms();
    m->born_host = (mq_host_t){{127, 0, 0, 1}, 5555, 0};
}

/* cp -r src dst (regular files and directories only). */
static inline void
st_copy_tree(const char *src, const char *dst)
{
    DIR *d = opendir(src);
    struct dirent *e;
    mkdir(dst, 0755);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        char s[1024], t[1024];
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (snprintf(s, sizeof(s), "%s/%s", src, e->d_name) >= (int)sizeof(s) ||
            snprintf(t, sizeof(t), "%s/%s", dst, e->d_name) >= (int)sizeof(t))
            continue;
        if (lstat(s, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            st_copy_tree(s, t);
        } else if (S_ISREG(st.st_mode)) {
            int in = open(s, O_RDONLY), out = open(t, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            char buf[65536];
            ssize_t n;
            while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, (size_t)n) != n)
                    break;
            close(in);
            close(out);
        }
    }
    closedir(d);
}

static inline void
st_quiet(void)
{
    mq_log_set_level(getenv("MQ_TEST_LOG") ? MQ_LOG_DEBUG : MQ_LOG_ERROR);
}

#endif /* STORE_TEST_UTIL_H */
