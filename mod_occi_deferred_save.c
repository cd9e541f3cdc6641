/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Saves deferred to a compute's next stop (src/occi_deferred_save.h): made
 * by the request that stops, starts or deletes the compute, and by a
 * background thread for computes that stopped another way.
 *
 * The thread is a watchdog of mod_watchdog in every child (a singleton
 * would be handed over slowly when its child is killed); the store's
 * leases keep two processes, of one node or several, from copying the same
 * disk. It looks every OCCI_DEFERRED_SAVE_TICK seconds:
 * one query of a small table when nothing waits.
 */
#include <string.h>

#include "mod_occi.h"
#include "apr_atomic.h"
#include "apr_optional.h"
#include "mod_watchdog.h"
#include "occi_deferred_save.h"

#define OCCI_DEFERRED_SAVE_TICK 2

static int told_unavailable;           /* the watchdog thread's own */
static volatile apr_uint32_t request_serial;

static void report_to_server(void *data, occi_deferred_event event, const char *message)
{
    server_rec *s = data;

    switch (event) {
    case OCCI_DEFERRED_SAVED:
        told_unavailable = 0;
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, OCCI_LOGNO(107) "%s", message);
        break;
    case OCCI_DEFERRED_FAILED:
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, OCCI_LOGNO(108) "%s", message);
        break;
    case OCCI_DEFERRED_ORPHANED:
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(109) "%s", message);
        break;
    case OCCI_DEFERRED_UNAVAILABLE:
        /* Said once until a save succeeds again, not every tick. */
        if (!told_unavailable) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(110) "%s", message);
            told_unavailable = 1;
        }
        break;
    }
}

static void report_to_request(void *data, occi_deferred_event event, const char *message)
{
    request_rec *r = data;

    switch (event) {
    case OCCI_DEFERRED_SAVED:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, OCCI_LOGNO(107) "%s", message);
        break;
    case OCCI_DEFERRED_FAILED:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OCCI_LOGNO(108) "%s", message);
        break;
    case OCCI_DEFERRED_ORPHANED:
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OCCI_LOGNO(109) "%s", message);
        break;
    case OCCI_DEFERRED_UNAVAILABLE:
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OCCI_LOGNO(110) "%s", message);
        break;
    }
}

static occi_deferred_context request_context(occi_request *req)
{
    occi_deferred_context context;

    context.store = req->store;
    context.hypervisor = req->conf->hypervisor;
    context.saved_scheme = occi_saved_template_scheme(req->r->pool, req->r->server);
    /* A holder of its own: no other thread of this process may think it
     * holds what this request holds. */
    context.holder = occi_process_holder(req->r->pool, apr_psprintf(
                                             req->r->pool, "save-%u",
                                             apr_atomic_inc32(&request_serial)));
    context.report = report_to_request;
    context.report_data = req->r;
    return context;
}

/* How long a request waits for another process that holds one of its
 * compute's saves: 100 ms a try, as long as the longest copy. */
#define WAIT_FOR_HOLDER_TRIES (OCCI_DEFERRED_SAVE_LEASE_SECONDS * 10)

void occi_deferred_saves_now(occi_request *req, const char *compute_id)
{
    occi_deferred_context context;
    occi_store_status status = OCCI_STORE_OK;
    int tries, held = 0;

    if (!req->conf->hypervisor || !req->store) {
        return;
    }
    context = request_context(req);
    /* A background thread may hold one for a moment (or be copying it):
     * the request waits for it, so that its answer comes once the copies
     * are made. */
    for (tries = 0; tries < WAIT_FOR_HOLDER_TRIES; tries++) {
        status = occi_deferred_saves_run(&context, req->r->pool, compute_id, NULL, &held);
        if (status != OCCI_STORE_OK || !held) {
            break;
        }
        apr_sleep(apr_time_from_msec(100));
    }
    if (status != OCCI_STORE_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, req->r, OCCI_LOGNO(111)
                      "cannot yet make the deferred saves of compute %s (the background "
                      "thread tries again): the entity store failed: %s", compute_id,
                      occi_store_error(req->store));
    }
}

void occi_deferred_saves_before_delete(occi_request *req, const apr_array_header_t *entities)
{
    static const char stop[] = "http://schemas.ogf.org/occi/infrastructure/compute/action#stop";
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *parameters;
    occi_attribute_value *poweroff;
    int i;

    if (!req->conf->hypervisor || !req->store) {
        return;
    }
    parameters = apr_array_make(pool, 1, sizeof(occi_attribute_value));
    poweroff = apr_array_push(parameters);
    memset(poweroff, 0, sizeof(*poweroff));
    poweroff->name = "method";
    poweroff->value.type = OCCI_TYPE_STRING;
    poweroff->value.string = "poweroff";
    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        occi_hv_error ignored;
        int pending = 0;

        if (strcmp(entity->kind, OCCI_SCHEME_INFRA "compute")
            || occi_deferred_saves_pending(req->store, pool, entity->id, &pending)
                   != OCCI_STORE_OK
            || !pending) {
            continue;
        }
        /* A compute already stopped refuses the stop: it is what is asked. */
        occi_hypervisor_act(req->conf->hypervisor, pool, entity, stop, parameters, &ignored);
        occi_deferred_saves_now(req, entity->id);
    }
}

/* The pending saves of every hypervisor, each once. */
static void run_everywhere(apr_pool_t *pool, server_rec *main_server)
{
    apr_hash_t *seen = apr_hash_make(pool);
    server_rec *s;

    for (s = main_server; s; s = s->next) {
        occi_server_conf *conf = occi_server_config(s);
        occi_deferred_context context;
        ap_dbd_t *connection;
        const char *pair, *error;

        if (!conf->hypervisor) {
            continue;
        }
        pair = apr_pstrcat(pool, occi_hypervisor_settings(pool, s)->uri, "\n",
                           occi_store_identity(pool, s), NULL);
        if (apr_hash_get(seen, pair, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(seen, pair, APR_HASH_KEY_STRING, "");
        context.store = occi_store_open_outside_requests(pool, s, &connection, &error);
        if (!context.store) {
            continue;       /* the store is away: the next tick tries again */
        }
        context.hypervisor = conf->hypervisor;
        context.saved_scheme = occi_saved_template_scheme(pool, s);
        context.holder = occi_process_holder(pool, "saves");
        context.report = report_to_server;
        context.report_data = s;
        if (occi_deferred_saves_run(&context, pool, NULL, NULL, NULL) != OCCI_STORE_OK
            && !told_unavailable) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(111)
                         "cannot yet make the deferred saves: the entity store failed: %s; "
                         "trying again every %d s", occi_store_error(context.store),
                         OCCI_DEFERRED_SAVE_TICK);
            told_unavailable = 1;
        }
        occi_store_close_outside_requests(s, connection);
    }
}

static apr_status_t deferred_tick(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING) {
        run_everywhere(pool, data);
    }
    return APR_SUCCESS;
}

void occi_deferred_saves_configure(apr_pool_t *pconf, server_rec *main_server)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    ap_watchdog_t *watchdog;
    apr_status_t rv;
    server_rec *s;
    int any = 0;

    for (s = main_server; s; s = s->next) {
        any |= occi_hypervisor_settings(pconf, s) != NULL;
    }
    if (!any) {
        return;
    }
    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    rv = get_instance && register_callback
             ? get_instance(&watchdog, "_occi_deferred_saves", 0, 0, pconf) : APR_ENOTIMPL;
    if (rv == APR_SUCCESS) {
        rv = register_callback(watchdog, apr_time_from_sec(OCCI_DEFERRED_SAVE_TICK),
                               main_server, deferred_tick);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, rv, main_server, OCCI_LOGNO(112)
                     "no background thread for deferred saves (mod_watchdog %s): a compute "
                     "that stops other than through the API is saved when it is next "
                     "started, stopped or deleted through it",
                     get_instance ? "failed" : "is not loaded");
    }
}
