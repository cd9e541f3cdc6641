/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Objects of the hypervisor that carry mod_occi's names but that the store
 * does not know (src/occi_unmanaged.h): reported once at start-up in the
 * error log, and to administrators at OCCI_UNMANAGED_PATH.
 *
 * The start-up check runs on a thread of mod_watchdog in one child only
 * (a singleton watchdog), never in a client's request: it lists every
 * domain, network and volume, which on a busy host takes a while. A flag in
 * shared memory, made anew by each start or restart of httpd, keeps a
 * child that takes over the watchdog later from reporting again.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_background.h"
#include "mod_occi_config.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "mod_occi_unmanaged.h"
#include "apr_atomic.h"
#include "apr_shm.h"
#include "mod_watchdog.h"
#include "occi_unmanaged.h"

/* Seconds between attempts while the hypervisor or the store is away. */
#define UNMANAGED_RETRY_SECONDS 30

static apr_shm_t *checked_shm;
static apr_uint32_t *checked;          /* in checked_shm: 1 once reported */
static apr_time_t next_attempt;        /* the watchdog thread's own */
static int told_of_failure;            /* the watchdog thread's own */

/* The objects of server s's hypervisor that the store does not know. */
static const char *find_unmanaged(apr_pool_t *pool, server_rec *s, occi_store *store,
                                  apr_array_header_t **unmanaged)
{
    return occi_unmanaged_find(store, occi_server_config(s)->hypervisor, pool,
                               occi_saved_template_scheme(pool, s), unmanaged);
}

/* Reports the unmanaged objects of one hypervisor and store; *all_done
 * (data) is cleared when that cannot be done yet. */
static void report_unmanaged_in(apr_pool_t *pool, server_rec *s, occi_store *store,
                                const char *error, void *data)
{
    apr_array_header_t *unmanaged = NULL;
    int *all_done = data;

    error = store ? find_unmanaged(pool, s, store, &unmanaged)
                  : apr_pstrcat(pool, "the entity store is unavailable: ", error, NULL);
    if (error) {
        if (!told_of_failure) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(104)
                         "cannot yet look for objects of the hypervisor that the store "
                         "does not know: %s; trying again every %d s", error,
                         UNMANAGED_RETRY_SECONDS);
            told_of_failure = 1;
        }
        *all_done = 0;
        return;
    }
    if (unmanaged->nelts) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(102)
                     "%d objects of the hypervisor carry mod_occi's names but the store "
                     "does not know them (made with another store, or removed from "
                     "it); no API call can see them: %s. Administrators read the list "
                     "at %s; see docs/production.md", unmanaged->nelts,
                     occi_unmanaged_summary(pool, unmanaged, 10), OCCI_UNMANAGED_PATH);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, OCCI_LOGNO(103)
                     "every object of the hypervisor with mod_occi's names is in the "
                     "store");
    }
}

/* Reports the unmanaged objects of every hypervisor; 1 when done. */
static int report_unmanaged(apr_pool_t *pool, server_rec *main_server)
{
    int all_done = 1;

    occi_for_each_hypervisor_store(pool, main_server, 1, report_unmanaged_in, &all_done);
    return all_done;
}

static apr_status_t unmanaged_tick(int state, void *data, apr_pool_t *pool)
{
    server_rec *main_server = data;
    apr_time_t now = apr_time_now();

    if (state != AP_WATCHDOG_STATE_RUNNING || !checked || apr_atomic_read32(checked)
        || now < next_attempt) {
        return APR_SUCCESS;
    }
    if (report_unmanaged(pool, main_server)) {
        apr_atomic_set32(checked, 1);
    }
    else {
        next_attempt = now + apr_time_from_sec(UNMANAGED_RETRY_SECONDS);
    }
    return APR_SUCCESS;
}

void occi_unmanaged_configure(apr_pool_t *pconf, server_rec *main_server)
{
    apr_status_t rv;

    checked = NULL;
    if (!occi_any_hypervisor(pconf, main_server)) {
        return;
    }
    /* Anonymous shared memory, inherited by the children, made anew with
     * pconf at every start or restart. */
    rv = apr_shm_create(&checked_shm, sizeof(apr_uint32_t), NULL, pconf);
    if (rv == APR_SUCCESS) {
        checked = apr_shm_baseaddr_get(checked_shm);
        *checked = 0;
        rv = occi_watchdog_every(pconf, main_server, "_occi_unmanaged", 1, apr_time_from_sec(1),
                                 unmanaged_tick);
    }
    if (rv == APR_ENOTIMPL) {
        checked = NULL;
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, main_server, OCCI_LOGNO(105)
                     "mod_watchdog is not loaded: objects of the hypervisor that the store "
                     "does not know are not reported at start-up (administrators can still "
                     "read them at %s)", OCCI_UNMANAGED_PATH);
    }
    else if (rv != APR_SUCCESS) {
        checked = NULL;
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, main_server, OCCI_LOGNO(106)
                     "cannot set up the start-up check for objects of the hypervisor that "
                     "the store does not know; administrators can still read them at %s",
                     OCCI_UNMANAGED_PATH);
    }
}

void occi_handle_unmanaged(occi_request *req)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *unmanaged;
    occi_media_type type;
    const char *error, *body;

    if (occi_negotiate(req, occi_entity_renderings, occi_entity_renderings_count, &type) != OK) {
        return;
    }
    if (!req->conf->hypervisor) {
        unmanaged = apr_array_make(pool, 0, sizeof(occi_hv_object));
    }
    else if (occi_store_acquire(req) != OK) {
        return;
    }
    else if ((error = find_unmanaged(pool, req->r->server, req->store, &unmanaged))) {
        occi_send_error(req, HTTP_SERVICE_UNAVAILABLE, error);
        return;
    }
    body = occi_media_type_is_json(type) ? occi_unmanaged_json(pool, unmanaged)
                                         : occi_unmanaged_text(pool, unmanaged);
    occi_send_body(req, HTTP_OK, occi_media_type_is_json(type) ? type : OCCI_MEDIA_TEXT_PLAIN,
                   body, strlen(body));
}
