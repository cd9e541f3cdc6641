/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Objects of the hypervisor the store does not know
 * (mod_occi_unmanaged.c).
 */
#ifndef MOD_OCCI_UNMANAGED_H
#define MOD_OCCI_UNMANAGED_H

#include "mod_occi.h"

/* Sets up the start-up report, on a thread of mod_watchdog (post_config). */
void occi_unmanaged_configure(apr_pool_t *pconf, server_rec *main_server);

/* GET OCCI_UNMANAGED_PATH, for administrators: the hypervisor's objects
 * with the module's names that the store does not know. */
void occi_handle_unmanaged(occi_request *req);

#endif
