/* SPDX-License-Identifier: Apache-2.0
 *
 * adm_net.c -- how mqadmin reaches servers: adm_call (a broker by address) and adm_ns_call
 * (the first NameServer of -n / NAMESRV_ADDR that answers), plus request helpers.
 *
 * Calls go through the client library (tools/client: mqc_conn / mqc_namesrv). Responses are
 * copied into the context's pool, so their views outlive the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

#include "mqc.h"


typedef struct adm_net_s {
    int32_t next_opaque; /* opaques of our requests */
    mqc_namesrv_t *ns;   /* NameServer list (lazy connections) */
    mqc_brokers_t *bks;  /* broker connections by address */
} adm_net_t;

/* ---- The calls ---- */

int
adm_net_init(adm_t *a)
{
    adm_net_t *net = mq_xcalloc(1, sizeof(*net));
    net->next_opaque = 1;
    a->net = net;
    net->bks = mqc_brokers_new();
    if (a->namesrv != NULL) {
        char err[256] = "";
        if (mqc_namesrv_new(a->namesrv, &net->ns, err, sizeof(err)) != MQ_OK) {
            adm_fail(a, "bad NameServer address '%s': %s", a->namesrv, err);
            adm_net_fini(a);
            return MQ_EINVAL;
        }
    }
    return MQ_OK;
}

void
adm_net_fini(adm_t *a)
{
    adm_net_t *net = a->net;
    if (net == NULL) {
        return;
    }
    if (net->ns != NULL) {
        mqc_namesrv_free(net->ns);
    }
    mqc_brokers_free(net->bks);
    free(net);
    a->net = NULL;
}

void
adm_req(adm_t *a, rmq_cmd_t *req, int32_t code)
{
    adm_net_t *net = a->net;
    rmq_cmd_init(req, code, net->next_opaque++, 0);
}

void
adm_add(adm_t *a, rmq_cmd_t *req, const char *key, const char *val)
{
    rmq_cmd_add(req, &a->pool, key, mq_str_from_cstr(val));
}

void
adm_add_i64(adm_t *a, rmq_cmd_t *req, const char *key, int64_t val)
{
    rmq_cmd_add_i64(req, &a->pool, key, val);
}

int
adm_call(adm_t *a, const char *addr, rmq_cmd_t *req, rmq_cmd_t *resp)
{
    adm_net_t *net = a->net;
    int rc;
    mqc_conn_t *c = NULL;
    rc = mqc_brokers_get(net->bks, addr, &c);
    if (rc == MQ_OK) {
        rc = mqc_call(c, req, ADM_TIMEOUT_MS, &a->pool, resp);
    } else {
        fprintf(stderr, "mqadmin %s: connect to %s failed\n", a->cmd, addr);
        return rc;
    }
    if (rc != MQ_OK) {
        fprintf(stderr, "mqadmin %s: request %d to %s failed: %s\n", a->cmd, req->code, addr,
                mq_err_text(rc));
    }
    return rc;
}

int
adm_ns_call(adm_t *a, rmq_cmd_t *req, rmq_cmd_t *resp)
{
    if (a->namesrv == NULL) {
        fprintf(stderr,
                "mqadmin %s: connect to <null> failed: no NameServer address; set "
                "NAMESRV_ADDR or pass -n host:port\n",
                a->cmd);
        return MQ_EINVAL;
    }
    adm_net_t *net = a->net;
    int rc = mqc_namesrv_call(net->ns, req, ADM_TIMEOUT_MS, &a->pool, resp);
    if (rc != MQ_OK) {
        fprintf(stderr, "mqadmin %s: no NameServer of '%s' answered: %s\n", a->cmd, a->namesrv,
                mq_err_text(rc));
    }
    return rc;
}

int
adm_resp_ok(adm_t *a, const rmq_cmd_t *resp, const char *what)
{
    if (resp->code == RMQ_RC_SUCCESS) {
        return 0;
    }
    fprintf(stderr, "mqadmin %s: %s: CODE: %d DESC: %.*s\n", a->cmd, what, resp->code,
            (int)resp->remark.n, resp->remark.p ? resp->remark.p : "");
    return 1;
}

const char *
adm_ext(adm_t *a, const rmq_cmd_t *resp, const char *key)
{
    mq_str_t v;
    if (!rmq_cmd_ext(resp, key, &v)) {
        return NULL;
    }
    return mq_pstrdup(&a->pool, v);
}
