/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intents of the changes that span the hypervisor and the store
 * (src/occi_recovery.h): written to the store by the request before it
 * touches the hypervisor, kept by the process while it lives, finished by
 * any process of any node once it dies.
 *
 * Two threads of mod_watchdog carry this, never a client's request:
 *   - in every child, one renews the leases of the intents the child holds
 *     (only while it holds some: an idle child writes nothing);
 *   - in every child, one looks every second for intents whose lease ran
 *     out or whose process on this machine is gone, and finishes them; the
 *     store's claim lets one process of one node take each.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_background.h"
#include "mod_occi_config.h"
#include "mod_occi_intents.h"
#include "apr_atomic.h"
#include "apr_network_io.h"
#include "mod_watchdog.h"
#include "occi_recovery.h"

/* Seconds between looks for interrupted changes. */
#define RECOVERY_TICK 1

static const char *node_name;              /* this machine, in holder names */
static volatile apr_uint32_t held;         /* intents this process holds */
static int told_store_failed;              /* the recovery thread's own */

const char *occi_process_holder(apr_pool_t *pool, const char *role)
{
    return occi_holder_name(pool, node_name ? node_name : "localhost", role);
}

const char *occi_intents_hypervisor_uri(const occi_server_conf *conf)
{
    return conf->libvirt_uri ? conf->libvirt_uri : OCCI_DEFAULT_LIBVIRT_URI;
}

void occi_intents_held(void *data, int change)
{
    (void)data;
    if (change > 0) {
        apr_atomic_inc32(&held);
    }
    else {
        apr_atomic_dec32(&held);
    }
}

/* Says once, until the store answers again, that it does not. */
static void store_unavailable(server_rec *s, const char *error)
{
    if (!told_store_failed) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(113)
                     "cannot look after the intents of changes: the entity store is "
                     "unavailable: %s; trying again", error);
        told_store_failed = 1;
    }
}

static void renew_in(apr_pool_t *pool, server_rec *s, occi_store *store, const char *error,
                     void *data)
{
    (void)data;
    if (!store) {
        store_unavailable(s, error);
    }
    else if ((error = occi_changes_renew(store, pool, occi_process_holder(pool, NULL)))) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(114)
                     "cannot renew the leases of this process's changes: %s; if that lasts "
                     "%d s, another process may finish them", error,
                     OCCI_CHANGE_LEASE_SECONDS);
    }
}

static apr_status_t renew_tick(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING && !occi_child_stopping()
        && apr_atomic_read32(&held) > 0) {
        occi_for_each_hypervisor_store(pool, data, 0, renew_in, NULL);
    }
    return APR_SUCCESS;
}

static void report_to_server(void *data, occi_recovery_level level, int number,
                             const char *message)
{
    server_rec *s = data;
    int log_level = level == OCCI_RECOVERY_NOTICE ? APLOG_NOTICE
                    : level == OCCI_RECOVERY_WARNING ? APLOG_WARNING : APLOG_ERR;

    ap_log_error(APLOG_MARK, log_level, 0, s, "OCCI%d: %s", number, message);
}

static void recover_in(apr_pool_t *pool, server_rec *s, occi_store *store, const char *error,
                       void *data)
{
    occi_server_conf *conf = occi_server_config(s);
    occi_recovery_context context;

    (void)data;
    if (!store) {
        store_unavailable(s, error);
        return;
    }
    context.store = store;
    context.hypervisor = conf->hypervisor;
    context.model = conf->model;
    context.hypervisor_uri = occi_intents_hypervisor_uri(conf);
    context.holder = occi_process_holder(pool, "recovery");
    context.report = report_to_server;
    context.report_data = s;
    if (occi_changes_recover(&context, pool, NULL) != OCCI_STORE_OK) {
        store_unavailable(s, occi_changes_error(&context));
        return;
    }
    told_store_failed = 0;
}

static apr_status_t recover_tick(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING && !occi_child_stopping()) {
        occi_for_each_hypervisor_store(pool, data, 1, recover_in, NULL);
    }
    return APR_SUCCESS;
}

void occi_intents_configure(apr_pool_t *pconf, server_rec *main_server)
{
    char host[APRMAXHOSTLEN + 1];
    apr_status_t rv;

    node_name = occi_server_config(main_server)->node_name;
    if (!node_name) {
        node_name = apr_gethostname(host, sizeof(host), pconf) == APR_SUCCESS
                        ? apr_pstrdup(pconf, host) : "localhost";
    }
    if (!occi_any_hypervisor(pconf, main_server)) {
        return;
    }
    rv = occi_watchdog_every(pconf, main_server, "_occi_intent_leases", 0,
                             apr_time_from_sec(OCCI_CHANGE_LEASE_SECONDS / 3), renew_tick);
    /* The look for interrupted changes runs in every child, not a
     * singleton: mod_watchdog hands a singleton over slowly when its child
     * is killed (seconds), and the store already lets one process finish
     * each intent. */
    if (rv == APR_SUCCESS) {
        rv = occi_watchdog_every(pconf, main_server, "_occi_recovery", 0,
                                 apr_time_from_sec(RECOVERY_TICK), recover_tick);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, main_server, OCCI_LOGNO(90)
                     "mod_watchdog %s: changes interrupted by a process that dies are not "
                     "finished, and a change that takes longer than %d s may be finished by "
                     "another node while it runs", rv == APR_ENOTIMPL ? "is not loaded" : "failed",
                     OCCI_CHANGE_LEASE_SECONDS);
    }
}
