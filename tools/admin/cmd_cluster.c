/* SPDX-License-Identifier: Apache-2.0
 *
 * cmd_cluster.c -- mqadmin clusterList, after RocketMQ's ClusterListSubCommand: the brokers of
 * GET_BROKER_CLUSTER_INFO with figures from each broker's GET_BROKER_RUNTIME_INFO KVTable
 * (version, put/get TPS, queue waits, hours of messages kept, disk ratio). A broker that does
 * not answer keeps its row with empty figures, as in Java. -m prints yesterday's and today's
 * in/out totals instead; -i repeats every N seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"

static const adm_opt_t adm_cluster_list_opts[] = {
    {'m', "moreStats", 0, 0, "Print more stats"},
    {'i', "interval", 1, 0, "specify intervals numbers, it is in seconds"},
    {'c', "clusterName", 1, 0, "which cluster"},
    {0, NULL, 0, 0, NULL},
};

/* GET_BROKER_RUNTIME_INFO; *n = 0 when the broker cannot say. */
static void
adm_runtime(adm_t *a, const char *addr, adm_kv_t **kv, int *n)
{
    rmq_cmd_t req, resp;
    *kv = NULL;
    *n = 0;
    adm_req(a, &req, RMQ_GET_BROKER_RUNTIME_INFO);
    if (adm_call(a, addr, &req, &resp) == MQ_OK && resp.code == RMQ_RC_SUCCESS) {
        adm_kvtable_parse(a, resp.body, kv, n);
    }
}

static const char *
adm_kv_or(const adm_kv_t *kv, int n, const char *key, const char *def)
{
    const char *v = adm_kv_get(kv, n, key);
    return v ? v : def;
}

static void
adm_cluster_more(adm_t *a, const adm_broker_t *rows, int n)
{
    printf("%-16s  %-32s %14s %14s %14s %14s\n", "#Cluster Name", "#Broker Name", "#InTotalYest",
           "#OutTotalYest", "#InTotalToday", "#OutTotalToday");
    for (int i = 0; i < n; i++) {
        adm_kv_t *kv;
        int nk;
        adm_runtime(a, rows[i].addr, &kv, &nk);
        long long in_y = atoll(adm_kv_or(kv, nk, "msgPutTotalTodayMorning", "0")) -
                         atoll(adm_kv_or(kv, nk, "msgPutTotalYesterdayMorning", "0"));
        long long out_y = atoll(adm_kv_or(kv, nk, "msgGetTotalTodayMorning", "0")) -
                          atoll(adm_kv_or(kv, nk, "msgGetTotalYesterdayMorning", "0"));
        long long in_t = atoll(adm_kv_or(kv, nk, "msgPutTotalTodayNow", "0")) -
                         atoll(adm_kv_or(kv, nk, "msgPutTotalTodayMorning", "0"));
        long long out_t = atoll(adm_kv_or(kv, nk, "msgGetTotalTodayNow", "0")) -
                          atoll(adm_kv_or(kv, nk, "msgGetTotalTodayMorning", "0"));
        printf("%-16s  %-32s %14lld %14lld %14lld %14lld\n", rows[i].cluster, rows[i].name, in_y,
               out_y, in_t, out_t);
    }
}

static void
adm_cluster_base(adm_t *a, const adm_broker_t *rows, int n)
{
    printf("%-22s  %-22s  %-4s  %-22s %-16s  %16s  %30s  %-22s  %-11s  %-12s  %-8s  %-10s\n",
           "#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS(LOAD)",
           "#OutTPS(LOAD)", "#Timer(Progress)", "#PCWait(ms)", "#Hour", "#SPACE", "#ACTIVATED");
    for (int i = 0; i < n; i++) {
        adm_kv_t *kv;
        int nk;
        adm_runtime(a, rows[i].addr, &kv, &nk);
        const char *null = "null"; /* Java prints absent map values as "null" */
        double in = atof(adm_kv_or(kv, nk, "putTps", "0"));
        double out = atof(adm_kv_or(kv, nk, "getTransferredTps", "0"));
        const char *earliest = adm_kv_get(kv, nk, "earliestMessageTimeStamp");
        double hour = 0, space = atof(adm_kv_or(kv, nk, "commitLogDiskRatio", "0"));
        if (earliest != NULL && atoll(earliest) > 0) { /* no message yet: 0 hours */
            hour = (double)(mq_now_ms() - atoll(earliest)) / 1000.0 / 60.0 / 60.0;
        }
        char bid[24], in_s[96], out_s[160], timer[96], hour_s[32], space_s[32];
        snprintf(bid, sizeof(bid), "%lld", (long long)rows[i].id);
        snprintf(in_s, sizeof(in_s), "%9.2f(%s,%sms)", in,
                 adm_kv_or(kv, nk, "sendThreadPoolQueueSize", null),
                 adm_kv_or(kv, nk, "sendThreadPoolQueueHeadWaitTimeMills", null));
        snprintf(out_s, sizeof(out_s), "%9.2f(%s,%sms|%s,%sms)", out,
                 adm_kv_or(kv, nk, "pullThreadPoolQueueSize", null),
                 adm_kv_or(kv, nk, "pullThreadPoolQueueHeadWaitTimeMills", null),
                 adm_kv_or(kv, nk, "ackThreadPoolQueueSize", "N"),
                 adm_kv_or(kv, nk, "ackThreadPoolQueueHeadWaitTimeMills", "N"));
        snprintf(timer, sizeof(timer), "%lld-%lld(%.1fw, %.1f, %.1f)",
                 atoll(adm_kv_or(kv, nk, "timerReadBehind", "0")),
                 atoll(adm_kv_or(kv, nk, "timerOffsetBehind", "0")),
                 atof(adm_kv_or(kv, nk, "timerCongestNum", "0")) / 10000.0,
                 atof(adm_kv_or(kv, nk, "timerEnqueueTps", "0")),
                 atof(adm_kv_or(kv, nk, "timerDequeueTps", "0")));
        snprintf(hour_s, sizeof(hour_s), "%2.2f", hour);
        snprintf(space_s, sizeof(space_s), "%.4f", space);
        const char *active = adm_kv_or(kv, nk, "brokerActive", "false");
        printf("%-22s  %-22s  %-4s  %-22s %-16s  %16s  %30s  %-22s  %11s  %-12s  %-8s  %10s\n",
               rows[i].cluster, rows[i].name, bid, rows[i].addr,
               adm_kv_or(kv, nk, "brokerVersionDesc", nk ? null : ""), in_s, out_s, timer,
               adm_kv_or(kv, nk, "pageCacheLockTimeMills", null), hour_s, space_s,
               strcmp(active, "true") == 0 ? "true" : "false");
    }
}

static int
adm_cluster_list(adm_t *a, const adm_args_t *args)
{
    int64_t interval;
    if (adm_arg_i64(args, 'i', 0, &interval)) {
        return 1;
    }
    for (;;) {
        adm_broker_t *rows;
        int n;
        if (adm_cluster_brokers(a, adm_arg(args, 'c'), &rows, &n) != MQ_OK) {
            return 1;
        }
        if (adm_has(args, 'm')) {
            adm_cluster_more(a, rows, n);
        } else {
            adm_cluster_base(a, rows, n);
        }
        if (interval <= 0) {
            return 0;
        }
        fflush(stdout);
        sleep((unsigned)interval);
        mq_pool_reset(&a->pool);
    }
}

const adm_cmd_t adm_cluster_cmds[] = {
    {"clusterList", "List cluster infos.", adm_cluster_list_opts, NULL, adm_cluster_list},
    {NULL, NULL, NULL, NULL, NULL},
};
