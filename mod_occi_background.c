/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor in requests: its errors as HTTP answers, and the live
 * state of entities before they are shown or acted on.
 */
#include "mod_occi.h"
#include "mod_occi_background.h"
#include "mod_occi_config.h"
#include "mod_occi_store.h"
#include "ap_mpm.h"
#include "apr_optional.h"
#include "mod_watchdog.h"

int occi_any_hypervisor(apr_pool_t *pool, server_rec *main_server)
{
    server_rec *s;

    for (s = main_server; s; s = s->next) {
        if (occi_hypervisor_settings(pool, s)) {
            return 1;
        }
    }
    return 0;
}

int occi_child_stopping(void)
{
    int state = AP_MPMQ_RUNNING;

    return ap_mpm_query(AP_MPMQ_MPM_STATE, &state) == APR_SUCCESS
           && state == AP_MPMQ_STOPPING;
}

apr_status_t occi_watchdog_every(apr_pool_t *pconf, server_rec *main_server, const char *name,
                                 int singleton, apr_interval_time_t interval,
                                 occi_watchdog_callback *callback)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance
        = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback
        = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    ap_watchdog_t *watchdog;
    apr_status_t rv;

    if (!get_instance || !register_callback) {
        return APR_ENOTIMPL;
    }
    rv = get_instance(&watchdog, name, 0, singleton, pconf);
    return rv == APR_SUCCESS ? register_callback(watchdog, interval, main_server, callback) : rv;
}

void occi_for_each_hypervisor_store(apr_pool_t *pool, server_rec *main_server, int by_hypervisor,
                                    occi_store_work *work, void *data)
{
    apr_hash_t *seen = apr_hash_make(pool);
    server_rec *s;

    for (s = main_server; s; s = s->next) {
        occi_server_conf *conf = occi_server_config(s);
        ap_dbd_t *connection;
        occi_store *store;
        const char *key, *error = NULL;

        /* Virtual hosts with directives of their own have configurations
         * of their own, yet usually the same hypervisor and store. */
        if (!conf->hypervisor) {
            continue;
        }
        key = apr_pstrcat(pool, by_hypervisor ? occi_hypervisor_settings(pool, s)->uri : "",
                          "\n", occi_store_identity(pool, s), NULL);
        if (apr_hash_get(seen, key, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(seen, key, APR_HASH_KEY_STRING, "");
        store = occi_store_open_outside_requests(pool, s, &connection, &error);
        work(pool, s, store, error, data);
        occi_store_close_outside_requests(s, connection);
    }
}
