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
#include "mod_occi_background.h"
#include "mod_occi_config.h"
#include "mod_occi_deferred_save.h"
#include "mod_occi_intents.h"
#include "apr_atomic.h"
#include "mod_watchdog.h"
#include "occi_deferred_save.h"

#define OCCI_DEFERRED_SAVE_TICK 2

static int told_unavailable;           /* the watchdog thread's own */
static volatile apr_uint32_t request_serial;

/* The log level and number of each event. */
static void event_log(occi_deferred_event event, int *level, int *number)
{
    switch (event) {
    case OCCI_DEFERRED_SAVED:
        *level = APLOG_INFO, *number = 107;
        break;
    case OCCI_DEFERRED_FAILED:
        *level = APLOG_ERR, *number = 108;
        break;
    case OCCI_DEFERRED_ORPHANED:
        *level = APLOG_WARNING, *number = 109;
        break;
    default:
        *level = APLOG_WARNING, *number = 110;
        break;
    }
}

static void report_to_server(void *data, occi_deferred_event event, const char *message)
{
    int level, number;

    event_log(event, &level, &number);
    if (event == OCCI_DEFERRED_SAVED) {
        told_unavailable = 0;
    }
    /* An absent hypervisor is said once until a save succeeds again. */
    if (event == OCCI_DEFERRED_UNAVAILABLE && told_unavailable++) {
        return;
    }
    ap_log_error(APLOG_MARK, level, 0, (server_rec *)data, "OCCI%d: %s", number, message);
}

static void report_to_request(void *data, occi_deferred_event event, const char *message)
{
    request_rec *r = data;
    int level, number;

    event_log(event, &level, &number);
    ap_log_rerror(APLOG_MARK, level, 0, r, "OCCI%d: %s", number, message);
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
                      occi_deferred_saves_error(&context));
    }
}

void occi_deferred_saves_before_delete(occi_request *req, const apr_array_header_t *entities)
{
    occi_deferred_context context;
    int i;

    if (!req->conf->hypervisor || !req->store) {
        return;
    }
    context = request_context(req);
    for (i = 0; i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, const occi_entity *);

        if (occi_deferred_saves_stop_for_delete(&context, req->r->pool, entity)) {
            occi_deferred_saves_now(req, entity->id);
        }
    }
}

/* The pending saves of one hypervisor and store. */
static void run_in(apr_pool_t *pool, server_rec *s, occi_store *store, const char *error,
                   void *data)
{
    occi_deferred_context context;

    (void)error;
    (void)data;
    if (!store) {
        return;             /* the store is away: the next tick tries again */
    }
    context.store = store;
    context.hypervisor = occi_server_config(s)->hypervisor;
    context.saved_scheme = occi_saved_template_scheme(pool, s);
    context.holder = occi_process_holder(pool, "saves");
    context.report = report_to_server;
    context.report_data = s;
    if (occi_deferred_saves_run(&context, pool, NULL, NULL, NULL) != OCCI_STORE_OK
        && !told_unavailable) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(111)
                     "cannot yet make the deferred saves: the entity store failed: %s; "
                     "trying again every %d s", occi_deferred_saves_error(&context),
                     OCCI_DEFERRED_SAVE_TICK);
        told_unavailable = 1;
    }
}

static apr_status_t deferred_tick(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING && !occi_child_stopping()) {
        occi_for_each_hypervisor_store(pool, data, 1, run_in, NULL);
    }
    return APR_SUCCESS;
}

void occi_deferred_saves_configure(apr_pool_t *pconf, server_rec *main_server)
{
    apr_status_t rv;

    if (!occi_any_hypervisor(pconf, main_server)) {
        return;
    }
    rv = occi_watchdog_every(pconf, main_server, "_occi_deferred_saves", 0,
                             apr_time_from_sec(OCCI_DEFERRED_SAVE_TICK), deferred_tick);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, rv, main_server, OCCI_LOGNO(112)
                     "no background thread for deferred saves (mod_watchdog %s): a compute "
                     "that stops other than through the API is saved when it is next "
                     "started, stopped or deleted through it",
                     rv == APR_ENOTIMPL ? "is not loaded" : "failed");
    }
}
