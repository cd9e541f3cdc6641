/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Saves deferred to a compute's next stop, in requests and on a
 * background thread (mod_occi_deferred_save.c; src/occi_deferred_save.h).
 */
#ifndef MOD_OCCI_DEFERRED_SAVE_H
#define MOD_OCCI_DEFERRED_SAVE_H

#include "mod_occi.h"

/* Sets up the background look for stopped computes with saves waiting
 * (post_config), on a thread of mod_watchdog. */
void occi_deferred_saves_configure(apr_pool_t *pconf, server_rec *main_server);

/* Makes the saves of compute_id deferred to its next stop if it has
 * stopped, in the request (outside any transaction of its store). The
 * store's failures are logged, not answered: the background thread tries
 * again. */
void occi_deferred_saves_now(occi_request *req, const char *compute_id);

/* Before computes are deleted: those with saves waiting are powered off
 * and their saves made (the deletion is the stop the saves waited for). */
void occi_deferred_saves_before_delete(occi_request *req,
                                       const apr_array_header_t *entities);

#endif
