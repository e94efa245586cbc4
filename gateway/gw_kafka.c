/* SPDX-License-Identifier: Apache-2.0
 *
 * gw_kafka.c -- the Kafka front-end of the gateway: frames in, one gw_kreq_t per request, the
 * API's handler (gw_kafka_<api>.c) turns it into operations of the request model, and the
 * responses go out in request order (Kafka's per-connection rule).
 *
 *   bytes --kf_frame_split--> frame (copied into the request's pool) --kf_req_hdr_decode,
 *   kf_request_decode--> kf_request_t --handler--> gw_ksub_t operations --svc->handle-->
 *   ... done() callbacks --finish--> kf_response_t --kf_response_encode--> in-order send
 *
 * Bad input, as Kafka treats it: an unknown api key, a malformed header or body, or a frame
 * above socket.request.max.bytes (8 MiB for anything but Produce) closes the connection with a
 * log line; a known API in a version we do not implement gets UNSUPPORTED_VERSION in the header
 * that version implies (ApiVersions: the KIP-511 v0 answer listing our versions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_kafka_int.h"
#include "mq/log.h"

#define GW_KAFKA_SMALL_FRAME_MAX (8u << 20) /* any request but Produce */

static void gw_kreq_done_one(gw_kreq_t *kr);

static gw_kconn_t *
gw_kconn_get(gw_conn_t *c)
{
    gw_kconn_t *kc = gw_conn_data(c);
    if (!kc) {
        kc = mq_xcalloc(1, sizeof(*kc));
        kc->conn = c;
        kc->fe = gw_conn_proto_ctx(c);
        mq_buf_init(&kc->scratch);
        mq_buf_init(&kc->props);
        gw_conn_set_data(c, kc);
    }
    return kc;
}

static void
gw_kconn_free(gw_kconn_t *kc)
{
    kf_codec_fini(&kc->codec);
    mq_buf_fini(&kc->scratch);
    mq_buf_fini(&kc->props);
    free(kc);
}

/* Frees a request; returns 1 when it was the last of a closed connection (kc is gone too). */
static int
gw_kreq_free(gw_kreq_t *kr)
{
    gw_kconn_t *kc = kr->kc;
    mq_buf_fini(&kr->out);
    mq_pool_fini(&kr->pool);
    free(kr);
    kc->nreqs--;
    if (kc->closed && kc->nreqs == 0) {
        gw_conn_t *c = kc->conn;
        gw_kconn_free(kc);
        gw_conn_release(c);
        return 1;
    }
    return 0;
}

/* Sends every finished response at the head of the connection's queue, in order. */
static void
gw_kconn_flush(gw_kconn_t *kc)
{
    while (kc->head && kc->head->responded) {
        gw_kreq_t *kr = kc->head;
        kc->head = kr->next;
        if (!kc->head)
            kc->tail = NULL;
        if (kr->out.len > 0 && !kc->closed && gw_conn_is_open(kc->conn))
            gw_conn_send(kc->conn, &kr->out);
        kr->on_wire = 1;
        if (kr->pending == 0 && gw_kreq_free(kr))
            return; /* the connection's state went with it */
    }
}

static void
gw_kreq_encode(gw_kreq_t *kr)
{
    mq_wr_t w;
    if (kr->no_response)
        return;
    mq_wr_init_buf(&w, &kr->out);
    if (kf_response_encode(&w, &kr->req.hdr, &kr->resp) != MQ_OK) {
        /* Our own response does not fit its version: a bug, never a client's doing. */
        MQ_LOG_ERROR("kafka", "%s: cannot encode the %s v%d response; closing",
                     gw_conn_peer(kr->kc->conn), kf_api_name(kr->req.hdr.api_key),
                     kr->req.hdr.api_version);
        mq_buf_reset(&kr->out);
        if (gw_conn_is_open(kr->kc->conn))
            gw_conn_close(kr->kc->conn);
    }
}

void
gw_kreq_respond(gw_kreq_t *kr)
{
    if (kr->responded)
        return;
    kr->responded = 1;
    gw_kreq_encode(kr);
    gw_kconn_flush(kr->kc);
}

static void
gw_kreq_done_one(gw_kreq_t *kr)
{
    if (--kr->pending > 0)
        return;
    if (kr->responded) {
        if (kr->on_wire)
            gw_kreq_free(kr);
        return;
    }
    /* finish() may start operations that in-process services answer before it returns: hold
     * the count meanwhile (no re-entry), and call it again while it starts more. */
    while (kr->finish) {
        uint64_t sent = kr->sent;
        kr->pending++;
        kr->finish(kr);
        kr->pending--;
        if (kr->responded) { /* it answered early */
            if (kr->pending == 0 && kr->on_wire)
                gw_kreq_free(kr);
            return;
        }
        if (kr->pending > 0)
            return;
        if (kr->sent == sent)
            break;
    }
    gw_kreq_respond(kr);
}

void
gw_kreq_hold(gw_kreq_t *kr)
{
    kr->pending++;
    kr->sent++;
}

void
gw_kreq_release(gw_kreq_t *kr)
{
    gw_kreq_done_one(kr);
}

static void
gw_ksub_reply(mq_req_t *req, int status, const mq_rep_t *rep)
{
    gw_ksub_t *s = MQ_CONTAINER_OF(req, gw_ksub_t, base);
    gw_kreq_t *kr = s->kr;
    if (s->done && !kr->responded)
        s->done(s, status, rep);
    gw_kreq_done_one(kr);
}

gw_ksub_t *
gw_ksub_new(gw_kreq_t *kr, mq_op_t op, gw_ksub_fn done, void *arg, int index)
{
    gw_ksub_t *s = mq_pcalloc(&kr->pool, sizeof(*s));
    s->kr = kr;
    s->done = done;
    s->arg = arg;
    s->index = index;
    s->base.op = op;
    s->base.pool = &kr->pool;
    s->base.reply = gw_ksub_reply;
    s->base.session = kr->kc->conn;
    s->base.notify = NULL; /* Kafka has no server-initiated requests */
    return s;
}

void
gw_ksub_send(gw_ksub_t *s, mq_service_t *svc)
{
    gw_kreq_t *kr = s->kr;
    if (!svc)
        svc = kr->kc->fe->svc;
    kr->pending++;
    kr->sent++;
    svc->handle(svc, &s->base);
}

static void
gw_kafka_dispatch(gw_kreq_t *kr)
{
    switch (kr->req.hdr.api_key) {
    case KF_API_ApiVersions:
        gw_kafka_api_versions(kr);
        break;
    case KF_API_Metadata:
        gw_kafka_metadata(kr);
        break;
    case KF_API_Produce:
        gw_kafka_produce(kr);
        break;
    case KF_API_Fetch:
        gw_kafka_fetch(kr);
        break;
    case KF_API_ListOffsets:
        gw_kafka_list_offsets(kr);
        break;
    case KF_API_InitProducerId:
        gw_kafka_init_producer_id(kr);
        break;
    case KF_API_FindCoordinator:
        gw_kafka_find_coordinator(kr);
        break;
    case KF_API_JoinGroup:
        gw_kafka_join_group(kr);
        break;
    case KF_API_SyncGroup:
        gw_kafka_sync_group(kr);
        break;
    case KF_API_Heartbeat:
        gw_kafka_heartbeat(kr);
        break;
    case KF_API_LeaveGroup:
        gw_kafka_leave_group(kr);
        break;
    case KF_API_OffsetCommit:
        gw_kafka_offset_commit(kr);
        break;
    case KF_API_OffsetFetch:
        gw_kafka_offset_fetch(kr);
        break;
    case KF_API_ListGroups:
        gw_kafka_list_groups(kr);
        break;
    case KF_API_DescribeGroups:
        gw_kafka_describe_groups(kr);
        break;
    case KF_API_DeleteGroups:
        gw_kafka_delete_groups(kr);
        break;
    case KF_API_CreateTopics:
        gw_kafka_create_topics(kr);
        break;
    case KF_API_DeleteTopics:
        gw_kafka_delete_topics(kr);
        break;
    case KF_API_CreatePartitions:
        gw_kafka_create_partitions(kr);
        break;
    case KF_API_DescribeConfigs:
        gw_kafka_describe_configs(kr);
        break;
    case KF_API_DescribeCluster:
        gw_kafka_describe_cluster(kr);
        break;
    default:
        break; /* unreachable: the header decoder knows only these */
    }
}

/* A response frame for a request we refuse as a whole (an unsupported version). */
static void
gw_kreq_refuse(gw_kreq_t *kr, int16_t error)
{
    mq_wr_t w;
    mq_wr_init_buf(&w, &kr->out);
    if (kf_response_encode_error(&w, &kr->req.hdr, error) != MQ_OK)
        mq_buf_reset(&kr->out);
    kr->responded = 1;
}

static ssize_t
gw_kafka_on_data(gw_conn_t *c, const uint8_t *p, size_t n)
{
    gw_kafka_t *fe = gw_conn_proto_ctx(c);
    gw_kconn_t *kc = gw_kconn_get(c);
    gw_kreq_t *kr;
    size_t flen;
    uint8_t *copy;
    mq_rd_t r;
    int rc = kf_frame_split(p, n, fe->conf.max_frame, &flen);

    if (rc == MQ_AGAIN)
        return 0;
    if (rc != MQ_OK) {
        MQ_LOG_WARN("kafka", "%s: %s frame (%s); closing the connection", gw_conn_peer(c),
                    rc == MQ_ETOOBIG ? "oversized" : "malformed", mq_err_name(rc));
        return rc;
    }
    if (flen > GW_KAFKA_SMALL_FRAME_MAX && n >= 6 && (p[4] != 0 || p[5] != KF_API_Produce)) {
        MQ_LOG_WARN("kafka",
                    "%s: a %zu-byte request of api key %d (only Produce may exceed %u "
                    "bytes); closing the connection",
                    gw_conn_peer(c), flen, (int)(int16_t)((p[4] << 8) | p[5]),
                    GW_KAFKA_SMALL_FRAME_MAX);
        return MQ_ETOOBIG;
    }
    kr = mq_xcalloc(1, sizeof(*kr));
    kr->kc = kc;
    kc->nreqs++;
    mq_pool_init(&kr->pool, 4096);
    mq_buf_init(&kr->out);
    copy = mq_palloc(&kr->pool, flen);
    memcpy(copy, p, flen);
    mq_rd_init(&r, copy + 4, flen - 4);
    rc = kf_req_hdr_decode(&r, &kr->req.hdr);
    if (rc == KF_EUNKNOWN_API || (rc != MQ_OK && rc != KF_EVERSION)) {
        MQ_LOG_WARN("kafka", "%s: %s (api key %d); closing the connection", gw_conn_peer(c),
                    rc == KF_EUNKNOWN_API ? "unknown api key" : "malformed request header",
                    (int)kr->req.hdr.api_key);
        kr->responded = kr->on_wire = 1;
        gw_kreq_free(kr);
        return rc == MQ_OK ? MQ_EPROTO : rc;
    }
    if (!kc->tail)
        kc->head = kc->tail = kr;
    else
        kc->tail = kc->tail->next = kr;
    if (rc == KF_EVERSION) {
        MQ_LOG_DEBUG("kafka", "%s: %s v%d is not supported; UNSUPPORTED_VERSION", gw_conn_peer(c),
                     kf_api_name(kr->req.hdr.api_key), kr->req.hdr.api_version);
        gw_kreq_refuse(kr, KF_ERR_UNSUPPORTED_VERSION);
        gw_kconn_flush(kc);
        return (ssize_t)flen;
    }
    rc = kf_request_decode(&r, &kr->req.hdr, &kr->pool, &kr->req);
    if (rc != MQ_OK) {
        MQ_LOG_WARN("kafka", "%s: malformed %s v%d request (%s); closing the connection",
                    gw_conn_peer(c), kf_api_name(kr->req.hdr.api_key), kr->req.hdr.api_version,
                    mq_err_name(rc));
        kr->responded = 1; /* nothing more goes out on this connection */
        gw_kconn_flush(kc);
        return rc == MQ_OK ? MQ_EPROTO : rc;
    }
    kr->pending = 1; /* the handler itself */
    gw_kafka_dispatch(kr);
    gw_kreq_done_one(kr);
    return (ssize_t)flen;
}

static void
gw_kafka_on_close(gw_conn_t *c)
{
    gw_kafka_t *fe = gw_conn_proto_ctx(c);
    gw_kconn_t *kc = gw_conn_data(c);
    if (fe->svc && fe->svc->session_closed)
        fe->svc->session_closed(fe->svc, c);
    if (!kc)
        return;
    kc->closed = 1;
    if (kc->nreqs == 0) {
        gw_conn_set_data(c, NULL);
        gw_kconn_free(kc);
        return;
    }
    /* Requests still wait for services: the last one to go frees kc and this reference. */
    gw_conn_hold(c);
}

void
gw_kafka_init(gw_kafka_t *fe, mq_service_t *svc)
{
    memset(fe, 0, sizeof(*fe));
    fe->svc = svc;
    fe->conf.node_id = 0;
    snprintf(fe->conf.host, sizeof(fe->conf.host), "127.0.0.1");
    fe->conf.port = 9092;
    snprintf(fe->conf.cluster_id, sizeof(fe->conf.cluster_id), "DefaultCluster");
    snprintf(fe->conf.broker_name, sizeof(fe->conf.broker_name), "broker-a");
    fe->conf.auto_create = 1;
    fe->conf.num_partitions = 1;
    fe->conf.max_frame = 100u << 20;         /* socket.request.max.bytes */
    fe->next_producer_id = mq_now_ms() << 8; /* unique across restarts of this broker */
    fe->proto.name = "kafka";
    fe->proto.on_data = gw_kafka_on_data;
    fe->proto.on_close = gw_kafka_on_close;
    fe->proto.max_buffer = fe->conf.max_frame + 4;
}

int
gw_kafka_parse_listener(const char *list, char *host, size_t host_len, int *port)
{
    const char *p = list;
    while (*p == ' ')
        p++;
    if (!*p)
        return MQ_ENOENT;
    while (*p) {
        const char *end = strchr(p, ','), *sep = strstr(p, "://"), *colon;
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (sep && sep < p + len && (size_t)(sep - p) == 9 && strncmp(p, "PLAINTEXT", 9) == 0) {
            const char *h = sep + 3, *stop = p + len;
            char num[16];
            long v;
            char *e;
            colon = NULL;
            for (const char *q = h; q < stop; q++)
                if (*q == ':')
                    colon = q;
            if (!colon || (size_t)(stop - colon - 1) >= sizeof(num) || colon + 1 == stop)
                return MQ_EINVAL;
            if (*h == '[' && colon > h && colon[-1] == ']') /* [::1]:9092 */
                h++;
            if ((size_t)(colon - h) >= host_len)
                return MQ_EINVAL;
            memcpy(host, h, (size_t)(colon - h));
            host[colon - h] = '\0';
            if (host[0] && host[strlen(host) - 1] == ']')
                host[strlen(host) - 1] = '\0';
            memcpy(num, colon + 1, (size_t)(stop - colon - 1));
            num[stop - colon - 1] = '\0';
            v = strtol(num, &e, 10);
            if (*e || v < 0 || v > 65535)
                return MQ_EINVAL;
            *port = (int)v;
            return MQ_OK;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return MQ_EINVAL;
}
