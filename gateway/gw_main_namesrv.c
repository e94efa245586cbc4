/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_main_namesrv.c -- `mqnamesrv`: a NameServer process (namesrv/ behind the RocketMQ
 * front-end). Options follow RocketMQ's mqnamesrv where they exist:
 *
 *   mqnamesrv [-c namesrv.properties] [--listenPort=9876] [--bindAddress=0.0.0.0]
 *             [--kvConfigPath=$HOME/namesrv/kvConfig.json] [--logLevel=info] [-p]
 *
 * Prints RocketMQ's boot banner ("The Name Server boot success...") with the bound address, so
 * scripts that wait for it keep working; --listenPort=0 picks a free port (tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw.h"
#include "gw_kvfile.h"
#include "gw_rmq.h"
#include "mq/log.h"
#include "ns.h"

typedef struct ns_main_opts_s {
    int port;
    char bind[64];
    char kv_path[1024]; /* kvConfigPath */
    int print;
} ns_main_opts_t;

static int
ns_main_set(ns_main_opts_t *o, const char *key, const char *val)
{
    if (strcmp(key, "listenPort") == 0) {
        char *end;
        long v = strtol(val, &end, 10);
        if (*end || v < 0 || v > 65535)
            return -1;
        o->port = (int)v;
    } else if (strcmp(key, "bindAddress") == 0) {
        snprintf(o->bind, sizeof(o->bind), "%s", val);
    } else if (strcmp(key, "kvConfigPath") == 0) {
        snprintf(o->kv_path, sizeof(o->kv_path), "%s", val);
    } else if (strcmp(key, "logLevel") == 0) {
        mq_log_level_t l;
        if (mq_log_level_parse(val, &l) != MQ_OK)
            return -1;
        mq_log_set_level(l);
    } else {
        fprintf(stderr, "mqnamesrv: warning: unknown key %s ignored\n", key);
    }
    return 0;
}

static int
ns_main_load(ns_main_opts_t *o, const char *path)
{
    char line[1024];
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mqnamesrv: cannot read %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *k = line, *eq, *v, *end;
        while (*k == ' ' || *k == '\t')
            k++;
        if (*k == '#' || *k == '!' || *k == '\n' || *k == '\0')
            continue;
        eq = strchr(k, '=');
        if (!eq)
            continue;
        *eq = '\0';
        v = eq + 1;
        for (end = eq - 1; end >= k && (*end == ' ' || *end == '\t'); end--)
            *end = '\0';
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\r\n")] = '\0';
        if (ns_main_set(o, k, v) != 0) {
            fprintf(stderr, "mqnamesrv: %s: bad value for %s: %s\n", path, k, v);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

static void
ns_main_housekeep(void *arg)
{
    ns_housekeep(arg, mq_now_ms());
}

int
main(int argc, char **argv)
{
    ns_main_opts_t o = {9876, "0.0.0.0", "", 0};
    ns_config_t cfg;
    gw_kvfile_t *kvf = NULL;
    gw_rmq_t fe;
    gw_t *gw;
    ns_t *ns;
    int bound = 0;

    snprintf(o.kv_path, sizeof(o.kv_path), "%s/namesrv/kvConfig.json",
             getenv("HOME") ? getenv("HOME") : ".");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            if (ns_main_load(&o, argv[++i]) != 0)
                return 1;
        } else if (strcmp(argv[i], "-p") == 0) {
            o.print = 1;
        } else if (strncmp(argv[i], "--", 2) == 0 && strchr(argv[i], '=')) {
            char key[128];
            const char *eq = strchr(argv[i], '=');
            snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i] - 2), argv[i] + 2);
            if (ns_main_set(&o, key, eq + 1) != 0) {
                fprintf(stderr, "mqnamesrv: bad value in %s\n", argv[i]);
                return 1;
            }
        } else {
            fprintf(stderr, "usage: mqnamesrv [-c file] [--listenPort=9876] "
                            "[--bindAddress=0.0.0.0] [--kvConfigPath=file] [--logLevel=info] "
                            "[-p]\n");
            return 1;
        }
    }
    if (o.print) {
        printf("listenPort=%d\nbindAddress=%s\nkvConfigPath=%s\n", o.port, o.bind, o.kv_path);
        return 0;
    }
    ns_config_defaults(&cfg);
    ns = ns_new(&cfg);
    gw = gw_new();
    if (!ns || !gw)
        return 1;
    if (gw_kvfile_attach(ns, o.kv_path, &kvf) != MQ_OK)
        return 1;
    gw_rmq_init(&fe, ns_service(ns));
    if (gw_listen(gw, o.bind, o.port, &fe.proto, &fe, &bound) != MQ_OK)
        return 1;
    gw_set_idle_timeout(gw, 120000);
    gw_timer_start(gw, 5.0, ns_main_housekeep, ns);
    printf("The Name Server boot success. serializeType=JSON, address %s:%d\n", o.bind, bound);
    fflush(stdout);
    MQ_LOG_INFO("namesrv", "The Name Server boot success. serializeType=JSON, address %s:%d",
                o.bind, bound);
    gw_run(gw);
    gw_free(gw);
    gw_kvfile_free(kvf);
    ns_free(ns);
    MQ_LOG_INFO("namesrv", "The Name Server shut down");
    return 0;
}
