/* SPDX-License-Identifier: Apache-2.0
 *
 * store_meta_json.c -- atomic JSON config files (store_meta.h): write to <file>.tmp, fsync,
 * keep the previous version as <file>.bak, rename into place, fsync the directory; read with
 * fallbacks; and accept RocketMQ's fastjson files, whose integer map keys are unquoted.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq/buf.h"
#include "mq/log.h"
#include "mq/store_meta.h"
#include "store_int.h"

static int
store_json_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int
store_json_file_write(const char *path, const char *text, size_t len)
{
    char tmp[1200], bak[1200], dir[1200];
    int fd;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
        snprintf(bak, sizeof(bak), "%s.bak", path) >= (int)sizeof(bak))
        return MQ_EINVAL;
    snprintf(dir, sizeof(dir), "%s", path);
    if (store_mkdirs(dirname(dir)) != MQ_OK)
        return MQ_EIO;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto err;
    if (store_json_write_all(fd, text, len) != 0 || fsync(fd) != 0) {
        close(fd);
        goto err;
    }
    close(fd);
    if (rename(path, bak) != 0 && errno != ENOENT)
        goto err;
    if (rename(tmp, path) != 0)
        goto err;
    snprintf(dir, sizeof(dir), "%s", path);
    store_fsync_dir(dirname(dir));
    return MQ_OK;
err:
    MQ_LOG_ERROR("store", "cannot write %s: %s", path, strerror(errno));
    return MQ_EIO;
}

char *
store_json_quote_int_keys(const char *json)
{
    mq_buf_t b = MQ_BUF_INIT;
    const char *p = json;
    int in_str = 0;
    char expect_key = 0; /* after '{' or ',' inside an object */
    int depth_obj[256];
    int depth = 0;

    while (*p) {
        char c = *p;
        if (in_str) {
            mq_buf_append(&b, p, 1);
            if (c == '\\' && p[1]) {
                mq_buf_append(&b, p + 1, 1);
                p += 2;
                continue;
            }
            if (c == '"')
                in_str = 0;
            p++;
            continue;
        }
        if (c == '"') {
            in_str = 1;
            expect_key = 0;
        } else if (c == '{' || c == '[') {
            if (depth < 256)
                depth_obj[depth] = c == '{';
            depth++;
            expect_key = c == '{';
        } else if (c == '}' || c == ']') {
            depth = depth > 0 ? depth - 1 : 0;
            expect_key = 0;
        } else if (c == ',') {
            expect_key = depth > 0 && depth <= 256 && depth_obj[depth - 1];
        } else if (expect_key && (c == '-' || (c >= '0' && c <= '9'))) {
            const char *q = p + 1;
            while (*q >= '0' && *q <= '9')
                q++;
            const char *r = q;
            while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
                r++;
            if (*r == ':') {
                mq_buf_append(&b, "\"", 1);
                mq_buf_append(&b, p, (size_t)(q - p));
                mq_buf_append(&b, "\"", 1);
                p = q;
                expect_key = 0;
                continue;
            }
            expect_key = 0;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            expect_key = 0;
        }
        mq_buf_append(&b, p, 1);
        p++;
    }
    return (char *)mq_buf_cstr(&b);
}

/* Reads one candidate file; returns a heap string that parses, or NULL. */
static char *
store_json_try(const char *path, int *exists)
{
    FILE *f = fopen(path, "rb");
    mq_buf_t b = MQ_BUF_INIT;
    char chunk[65536];
    size_t n;
    char *fixed;
    json_t *j;
    json_error_t jerr;

    if (!f)
        return NULL;
    *exists = 1;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        mq_buf_append(&b, chunk, n);
    fclose(f);
    fixed = store_json_quote_int_keys(mq_buf_cstr(&b));
    mq_buf_fini(&b);
    j = json_loads(fixed, 0, &jerr);
    if (!j || !json_is_object(j)) {
        MQ_LOG_WARN("store", "%s is not a JSON object (%s, line %d)", path,
                    j ? "not an object" : jerr.text, jerr.line);
        json_decref(j);
        free(fixed);
        return NULL;
    }
    json_decref(j);
    return fixed;
}

int
store_json_file_read(const char *path, char **text)
{
    static const char *const suffix[] = {"", ".tmp", ".bak"};
    int exists = 0;
    *text = NULL;
    for (int i = 0; i < 3; i++) {
        char p[1200];
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        *text = store_json_try(p, &exists);
        if (*text) {
            if (i > 0)
                MQ_LOG_WARN("store", "%s is missing or unreadable; loaded %s instead", path, p);
            return MQ_OK;
        }
    }
    if (exists) {
        MQ_LOG_ERROR("store", "%s and its .tmp/.bak copies are unreadable", path);
        return MQ_ECORRUPT;
    }
    return MQ_ENOENT;
}
