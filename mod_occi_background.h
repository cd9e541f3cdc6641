/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Work outside requests (mod_occi_background.c): threads of
 * mod_watchdog, and the stores they work on.
 */
#ifndef MOD_OCCI_BACKGROUND_H
#define MOD_OCCI_BACKGROUND_H

#include "mod_occi.h"

/* Whether a server of this httpd has a hypervisor. */
int occi_any_hypervisor(apr_pool_t *pool, server_rec *main_server);

/* Whether this child is stopping: background work then waits for the
 * next child, so as not to hold up httpd's stop. */
int occi_child_stopping(void);

/* mod_watchdog's callback type, without its header. */
typedef apr_status_t occi_watchdog_callback(int state, void *data, apr_pool_t *pool);

/* Calls callback (with main_server) every interval on a thread of
 * mod_watchdog named name, in every child or, with singleton, in one
 * (post_config). APR_ENOTIMPL without mod_watchdog. */
apr_status_t occi_watchdog_every(apr_pool_t *pconf, server_rec *main_server, const char *name,
                                 int singleton, apr_interval_time_t interval,
                                 occi_watchdog_callback *callback);

/* Calls work once for each distinct store (with by_hypervisor: each
 * distinct hypervisor and store) of the servers that have a hypervisor,
 * with that store open outside requests, or NULL and error when it cannot
 * be opened. */
typedef void occi_store_work(apr_pool_t *pool, server_rec *s, occi_store *store,
                             const char *error, void *data);
void occi_for_each_hypervisor_store(apr_pool_t *pool, server_rec *main_server, int by_hypervisor,
                                    occi_store_work *work, void *data);

#endif
