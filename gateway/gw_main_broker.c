/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_main_broker.c -- `mqbroker`: the broker (listenPort, 10911, and the "VIP" channel
 * listenPort-2) on one event loop, with the store under storePathRootDir ($HOME/store).
 *
 *   mqbroker -n "host:9876;host2:9876" [-c broker.conf] [--key=value ...] [-p]
 *   mqbroker --all-in-one [-n ...] [-c broker.conf] [--key=value ...] [-p]
 *
 * Standalone, as RocketMQ's mqbroker: the NameServer list comes from -n, else the namesrvAddr
 * key, else the NAMESRV_ADDR environment variable; the broker registers with every NameServer
 * at start, every registerNameServerPeriod (30 s, 10-60 s) and whenever its topics change, and
 * unregisters on SIGTERM/SIGINT (gw_nsreg.c). --all-in-one also runs an embedded NameServer
 * (namesrvListenPort, 9876) the broker registers with in process, on the same schedule; with
 * -n or namesrvAddr it registers with those NameServers too. The embedded NameServer's KV
 * config is kept in <storePathRootDir>/namesrv/kvConfig.json (--kvConfigPath=... to move it).
 *
 * Every broker.conf key may be given as --key=value (after -c, so it wins). -p prints the
 * configuration and exits, as RocketMQ's mqbroker -p does. UPDATE_BROKER_CONFIG (mqadmin
 * updateBrokerConfig) writes the keys it changes back into the -c file, so a restart keeps
 * them; without -c into <storePathRootDir>/config/broker.properties (brokerConfigPath moves it).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk.h"
#include "gw.h"
#include "gw_kafka.h"
#include "gw_klayout.h"
#include "gw_kvfile.h"
#include "gw_nsreg.h"
#include "gw_rclient.h"
#include "gw_rmq.h"
#include "mq/crc.h"
#include "mq/log.h"
#include "mq/store_meta.h"
#include "ns.h"

typedef struct bm_ctx_s {
    bk_t *bk;        /* the broker */
    ns_t *ns;        /* --all-in-one: the embedded NameServer, else NULL */
    gw_nsreg_t *reg; /* the remote NameServers' client, or NULL */
} bm_ctx_t;

static void
bm_print_key(void *arg, const char *key, const char *value)
{
    (void)arg;
    printf("%s=%s\n", key, value);
}

static void
bm_register_done(mq_req_t *req, int status, const mq_rep_t *rep)
{
    (void)rep;
    if (status != MQ_OK)
        MQ_LOG_ERROR("broker", "registration with the embedded NameServer failed: %s",
                     mq_err_name(status));
    mq_pool_fini(req->pool);
}

/* Registers the broker with the embedded NameServer, in process. */
static void
bm_register(void *arg)
{
    bm_ctx_t *ctx = arg;
    mq_service_t *ns = ns_service(ctx->ns);
    mq_pool_t pool;
    mq_req_t req;

    mq_pool_init(&pool, 0);
    memset(&req, 0, sizeof(req));
    req.op = MQ_OP_REGISTER_BROKER;
    req.pool = &pool;
    req.reply = bm_register_done;
    req.session = NULL; /* not tied to a connection: expires only by the heartbeat timeout */
    bk_registration(ctx->bk, &pool, &req.u.register_broker);
    ns->handle(ns, &req);
}

/* gw_nsreg_build_fn: what the broker announces to remote NameServers. */
static void
bm_build(void *arg, mq_pool_t *pool, mq_register_broker_t *out)
{
    bm_ctx_t *ctx = arg;
    bk_registration(ctx->bk, pool, out);
}

static void
bm_topics_changed(void *arg)
{
    bm_ctx_t *ctx = arg;
    if (ctx->ns)
        bm_register(ctx);
    if (ctx->reg)
        gw_nsreg_topics_changed(ctx->reg);
}

/* registerNameServerPeriod as BrokerController uses it: max(10 s, min(period, 60 s)). */
static int64_t
bm_register_period(const bk_config_t *cfg)
{
    int64_t p = cfg->reg_period_ms;
    return p < 10000 ? 10000 : p > 60000 ? 60000 : p;
}

static void
bm_housekeep(void *arg)
{
    bm_ctx_t *ctx = arg;
    ns_housekeep(ctx->ns, mq_now_ms());
}

/* Opens the Kafka listener (`listeners`, before the broker opens: the advertised address goes
 * into its registration) and settles the advertised host:port and the node id into cfg.
 * Returns MQ_OK (fe->proto is listening, or cfg->kafka_listeners is empty: no listener). */
static int
bm_kafka_listen(gw_t *gw, bk_config_t *cfg, gw_kafka_t *fe, int *enabled)
{
    char host[200], adv_host[200];
    int port = 0, adv_port = 0, bound = 0, rc;

    *enabled = 0;
    rc = gw_kafka_parse_listener(cfg->kafka_listeners, host, sizeof(host), &port);
    if (rc == MQ_ENOENT) {
        cfg->kafka_advertised[0] = '\0';
        return MQ_OK;
    }
    if (rc != MQ_OK) {
        fprintf(stderr, "mqbroker: listeners=%s: expected PLAINTEXT://host:port\n",
                cfg->kafka_listeners);
        return MQ_EINVAL;
    }
    if (gw_listen(gw, host[0] ? host : "0.0.0.0", port, &fe->proto, fe, &bound) != MQ_OK)
        return MQ_EIO;
    snprintf(adv_host, sizeof(adv_host), "%s",
             host[0] && strcmp(host, "0.0.0.0") != 0 && strcmp(host, "::") != 0 ? host : cfg->ip1);
    adv_port = bound;
    if (cfg->kafka_advertised[0]) {
        rc = gw_kafka_parse_listener(cfg->kafka_advertised, adv_host, sizeof(adv_host), &adv_port);
        if (rc != MQ_OK || !adv_host[0]) {
            fprintf(stderr, "mqbroker: advertised.listeners=%s: expected PLAINTEXT://host:port\n",
                    cfg->kafka_advertised);
            return MQ_EINVAL;
        }
        if (adv_port == 0)
            adv_port = bound;
    }
    if (cfg->kafka_node_id < 0) /* stable across restarts, distinct per broker name and id */
        cfg->kafka_node_id = (int64_t)(mq_crc32(0, cfg->name, strlen(cfg->name)) % 100000u) * 10 +
                             (cfg->id < 9 ? cfg->id : 9);
    snprintf(cfg->kafka_advertised, sizeof(cfg->kafka_advertised), "%s:%d", adv_host, adv_port);
    snprintf(fe->conf.host, sizeof(fe->conf.host), "%s", adv_host);
    fe->conf.port = adv_port;
    fe->conf.node_id = (int32_t)cfg->kafka_node_id;
    snprintf(fe->conf.cluster_id, sizeof(fe->conf.cluster_id), "%s", cfg->cluster);
    snprintf(fe->conf.broker_name, sizeof(fe->conf.broker_name), "%s", cfg->name);
    fe->conf.auto_create = cfg->kafka_auto_create;
    fe->conf.num_partitions = (int32_t)cfg->kafka_num_partitions;
    *enabled = 1;
    return MQ_OK;
}

/* The Kafka front-end sees the cluster through ns (NameServer routes) and numbers partitions
 * over several brokers in <storePathRootDir>/config/kafkaPartitions.json. */
static void
bm_kafka_cluster(gw_t *gw, gw_kafka_t *fe, const bk_config_t *cfg, mq_service_t *ns)
{
    char path[1100];
    snprintf(path, sizeof(path), "%s/config/kafkaPartitions.json", cfg->store.root_dir);
    fe->ns = ns;
    fe->layout = gw_klayout_open(path, store_json_file_write);
    fe->peers = gw_rclient_new(gw); /* offsets of other brokers' queues (gw_kafka_forward.c) */
}

/* After gw_free (bm_serve): what bm_kafka_cluster made. */
static void
bm_kafka_cluster_free(gw_kafka_t *fe)
{
    gw_rclient_free(fe->peers);
    gw_klayout_free(fe->layout);
    gw_kcluster_free(&fe->cluster);
}

static void
bm_kafka_banner(const bk_config_t *cfg, int enabled)
{
    if (enabled)
        printf("The Kafka listener boot success: %s (node id %lld)\n", cfg->kafka_advertised,
               (long long)cfg->kafka_node_id);
}

/* The standalone broker: listeners, store, registration with the remote NameServers. */
/* Serves until SIGINT/SIGTERM, then stops in order: unregister from the NameServers, close the
 * broker (held pulls answered, store closed), run what is still queued, free. */
static void
bm_serve(gw_t *gw, bm_ctx_t *ctx)
{
    gw_run(gw);
    MQ_LOG_INFO("broker", "shutting down");
    gw_nsreg_shutdown(ctx->reg, 3000);
    bk_close(ctx->bk);
    gw_drain(gw);
    gw_free(gw);
    gw_nsreg_free(ctx->reg);
    bk_free(ctx->bk);
}

static int
bm_standalone(bk_config_t *cfg)
{
    bm_ctx_t ctx = {NULL, NULL, NULL};
    gw_rmq_t fe_bk;
    gw_kafka_t fe_kafka;
    gw_t *gw = gw_new();
    int bk_bound = 0, kafka = 0;

    if (!gw)
        return 1;
    gw_rmq_init(&fe_bk, NULL);
    if (gw_listen(gw, "0.0.0.0", cfg->listen_port, &fe_bk.proto, &fe_bk, &bk_bound) != MQ_OK)
        return 1;
    if (cfg->listen_port != 0 && cfg->listen_port >= 2) {
        int vip = 0; /* the "VIP" channel RocketMQ listens on too (optional) */
        if (gw_listen(gw, "0.0.0.0", cfg->listen_port - 2, &fe_bk.proto, &fe_bk, &vip) != MQ_OK)
            MQ_LOG_WARN("broker", "cannot listen on the VIP port %d; continuing without it",
                        cfg->listen_port - 2);
    }
    cfg->listen_port = bk_bound; /* announced to the NameServers, written into records */
    gw_kafka_init(&fe_kafka, NULL);
    if (bm_kafka_listen(gw, cfg, &fe_kafka, &kafka) != MQ_OK)
        return 1;
    if (bk_open(cfg, gw_exec(gw), &ctx.bk) != MQ_OK)
        return 1;
    fe_bk.svc = bk_service(ctx.bk);
    fe_kafka.svc = bk_service(ctx.bk);
    ctx.reg = gw_nsreg_new(gw, cfg->namesrv_addr, bm_register_period(cfg), bm_build, &ctx);
    if (!ctx.reg)
        return 1;
    bm_kafka_cluster(gw, &fe_kafka, cfg, gw_nsreg_service(ctx.reg));
    bk_on_topics_changed(ctx.bk, bm_topics_changed, &ctx);
    gw_set_idle_timeout(gw, 120000);
    printf("The broker[%s, %s:%d] boot success. serializeType=JSON and name server is %s\n",
           cfg->name, cfg->ip1, bk_bound, cfg->namesrv_addr);
    bm_kafka_banner(cfg, kafka);
    printf("store: %s (%s)\n", cfg->store.root_dir,
           cfg->store.flush_mode == STORE_SYNC_FLUSH ? "SYNC_FLUSH" : "ASYNC_FLUSH");
    fflush(stdout);
    bm_serve(gw, &ctx);
    bm_kafka_cluster_free(&fe_kafka);
    MQ_LOG_INFO("broker", "The broker[%s] shut down", cfg->name);
    return 0;
}

static int
bm_usage(void)
{
    fprintf(stderr,
            "usage: mqbroker -n \"host:9876;host2:9876\" [-c broker.conf] [--key=value ...] "
            "[-p]\n"
            "       mqbroker --all-in-one [-n ...] [-c broker.conf] [--key=value ...] "
            "[-p]\n"
            "  broker.conf keys as in RocketMQ (brokerName, listenPort, namesrvAddr, "
            "storePathRootDir, flushDiskType, ...)\n"
            "  NAMESRV_ADDR: the NameServer list when neither -n nor namesrvAddr is set\n"
            "  namesrvListenPort (9876): --all-in-one: the embedded NameServer's port\n"
            "  kvConfigPath (<storePathRootDir>/namesrv/kvConfig.json): --all-in-one: its KV "
            "config\n"
            "  listeners (PLAINTEXT://:9092, empty: none), advertised.listeners, node.id, "
            "num.partitions, auto.create.topics.enable: the Kafka listener\n");
    return 1;
}

int
main(int argc, char **argv)
{
    bk_config_t cfg;
    bm_ctx_t ctx = {NULL, NULL, NULL};
    gw_rmq_t fe_ns, fe_bk;
    gw_kafka_t fe_kafka;
    gw_t *gw;
    int all_in_one = 0, print = 0, ns_port = 9876, ns_bound = 0, bk_bound = 0, kafka = 0;
    char err[256], kv_path[1024] = "";
    const char *conf_file = NULL; /* -c: where UPDATE_BROKER_CONFIG writes updated keys back */
    gw_kvfile_t *kvf = NULL;

    /* Requests allocate their frames, pools and batches per request. glibc would map blocks
     * above 128 KiB afresh and give freed heap back to the kernel after each request, so every
     * request faulted its memory in again (measured: produce 2x, fetch 5-6x slower;
     * docs/benchmarks.md, Kafka front-end). Keep that memory in the process instead. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    bk_config_defaults(&cfg);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--all-in-one") == 0) {
            all_in_one = 1;
        } else if (strcmp(argv[i], "-p") == 0) {
            print = 1;
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            conf_file = argv[++i];
            if (bk_config_load(&cfg, conf_file) != MQ_OK)
                return 1;
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            snprintf(cfg.namesrv_addr, sizeof(cfg.namesrv_addr), "%s", argv[++i]);
        } else if (strncmp(argv[i], "--", 2) == 0 && strchr(argv[i], '=')) {
            char key[128];
            const char *eq = strchr(argv[i], '=');
            int rc;
            snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i] - 2), argv[i] + 2);
            if (strcmp(key, "namesrvListenPort") == 0) {
                ns_port = atoi(eq + 1);
                continue;
            }
            if (strcmp(key, "kvConfigPath") == 0) { /* the embedded NameServer's */
                snprintf(kv_path, sizeof(kv_path), "%s", eq + 1);
                continue;
            }
            if (strcmp(key, "logLevel") == 0) {
                mq_log_level_t l;
                if (mq_log_level_parse(eq + 1, &l) == MQ_OK)
                    mq_log_set_level(l);
                continue;
            }
            rc = bk_config_set(&cfg, key, eq + 1, err, sizeof(err));
            if (rc == MQ_ENOENT) {
                fprintf(stderr, "mqbroker: unknown key %s\n", key);
                return 1;
            }
            if (rc != MQ_OK) {
                fprintf(stderr, "mqbroker: %s\n", err);
                return 1;
            }
        } else {
            return bm_usage();
        }
    }
    /* As RocketMQ: a brokerConfigPath key wins, else the -c file, else (empty) the default under
     * the store, which is written but not read at start (start with -c to use it). */
    if (!cfg.config_path[0] && conf_file)
        snprintf(cfg.config_path, sizeof(cfg.config_path), "%s", conf_file);
    if (!all_in_one && cfg.namesrv_addr[0] == '\0' && getenv("NAMESRV_ADDR"))
        snprintf(cfg.namesrv_addr, sizeof(cfg.namesrv_addr), "%s", getenv("NAMESRV_ADDR"));
    if (print) {
        bk_config_foreach(&cfg, bm_print_key, NULL);
        return 0;
    }
    if (cfg.namesrv_addr[0] != '\0') {
        gw_nsreg_addr_t addrs[GW_NSREG_MAX];
        if (gw_nsreg_parse(cfg.namesrv_addr, addrs, GW_NSREG_MAX) < 0) {
            fprintf(stderr,
                    "The Name Server Address[%s] illegal, please set it as follows, "
                    "\"127.0.0.1:9876;192.168.0.1:9876\"\n",
                    cfg.namesrv_addr);
            return 1;
        }
    } else if (!all_in_one) {
        fprintf(stderr, "mqbroker: no NameServer address. Please set it with -n "
                        "\"127.0.0.1:9876;192.168.0.1:9876\", the namesrvAddr key in "
                        "broker.conf or the NAMESRV_ADDR environment variable (or run "
                        "mqbroker --all-in-one with an embedded NameServer)\n");
        return 1;
    }
    if (!all_in_one)
        return bm_standalone(&cfg);
    gw = gw_new();
    ctx.ns = ns_new(NULL);
    if (!gw)
        return 1;
    /* The embedded NameServer keeps its KV config beside the store (one data directory). */
    if (!kv_path[0])
        snprintf(kv_path, sizeof(kv_path), "%s/namesrv/kvConfig.json", cfg.store.root_dir);
    if (gw_kvfile_attach(ctx.ns, kv_path, &kvf) != MQ_OK)
        return 1;
    /* Bind first: with listenPort=0 the broker must know its port before it opens (it is
     * written into every stored record and announced to the NameServer). */
    gw_rmq_init(&fe_ns, ns_service(ctx.ns));
    gw_rmq_init(&fe_bk, NULL);
    if (gw_listen(gw, "0.0.0.0", ns_port, &fe_ns.proto, &fe_ns, &ns_bound) != MQ_OK ||
        gw_listen(gw, "0.0.0.0", cfg.listen_port, &fe_bk.proto, &fe_bk, &bk_bound) != MQ_OK)
        return 1;
    if (cfg.listen_port != 0 && cfg.listen_port >= 2) {
        int vip = 0; /* the "VIP" channel RocketMQ listens on too (optional) */
        if (gw_listen(gw, "0.0.0.0", cfg.listen_port - 2, &fe_bk.proto, &fe_bk, &vip) != MQ_OK)
            MQ_LOG_WARN("broker", "cannot listen on the VIP port %d; continuing without it",
                        cfg.listen_port - 2);
    }
    cfg.listen_port = bk_bound;
    gw_kafka_init(&fe_kafka, NULL);
    if (bm_kafka_listen(gw, &cfg, &fe_kafka, &kafka) != MQ_OK)
        return 1;
    if (bk_open(&cfg, gw_exec(gw), &ctx.bk) != MQ_OK)
        return 1;
    fe_bk.svc = bk_service(ctx.bk);
    fe_kafka.svc = bk_service(ctx.bk);
    bm_kafka_cluster(gw, &fe_kafka, &cfg, ns_service(ctx.ns));
    if (cfg.namesrv_addr[0] != '\0') {
        ctx.reg = gw_nsreg_new(gw, cfg.namesrv_addr, bm_register_period(&cfg), bm_build, &ctx);
        if (!ctx.reg)
            return 1;
    }
    bk_on_topics_changed(ctx.bk, bm_topics_changed, &ctx);
    bm_register(&ctx);
    gw_timer_start(gw, 30.0, bm_register, &ctx);
    gw_timer_start(gw, 5.0, bm_housekeep, &ctx);
    gw_set_idle_timeout(gw, 120000);
    printf("The Name Server boot success. serializeType=JSON, address 0.0.0.0:%d\n", ns_bound);
    printf("The broker[%s, %s:%d] boot success. serializeType=JSON and name server is "
           "127.0.0.1:%d\n",
           cfg.name, cfg.ip1, bk_bound, ns_bound);
    bm_kafka_banner(&cfg, kafka);
    printf("store: %s (%s)\n", cfg.store.root_dir,
           cfg.store.flush_mode == STORE_SYNC_FLUSH ? "SYNC_FLUSH" : "ASYNC_FLUSH");
    printf("next: export NAMESRV_ADDR=127.0.0.1:%d  (RocketMQ clients)\n", ns_bound);
    if (kafka)
        printf("next: bootstrap.servers=%s  (Kafka clients)\n", cfg.kafka_advertised);
    fflush(stdout);
    bm_serve(gw, &ctx);
    bm_kafka_cluster_free(&fe_kafka);
    gw_kvfile_free(kvf);
    ns_free(ctx.ns);
    MQ_LOG_INFO("broker", "The broker[%s] shut down", cfg.name);
    return 0;
}
