/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The intents that outlive a killed process (mod_occi_intents.c).
 */
#ifndef MOD_OCCI_INTENTS_H
#define MOD_OCCI_INTENTS_H

#include "mod_occi.h"

/* Intents (src/occi_recovery.h): a change about to be made on the
 * hypervisor and in the store is recorded in the store before the
 * hypervisor is touched (by the service layer, src/occi_service.c), held by
 * this process while it lives, so that any process of any node can finish
 * it if this one dies. occi_intents_configure sets up the threads that
 * renew this process's leases and finish the interrupted changes
 * (post_config). */
void occi_intents_configure(apr_pool_t *pconf, server_rec *s);

/* This process's name as the holder of intents: "<host name> <pid>" for
 * its requests' changes, with " <role>" for other work (role not NULL),
 * which another thread must not take for its own. */
const char *occi_process_holder(apr_pool_t *pool, const char *role);


/* The libvirt URI intents record for a server (the default when unset). */
const char *occi_intents_hypervisor_uri(const occi_server_conf *conf);

/* Told by the service layer when a request takes (+1) or lets go of (-1)
 * an intent: the leases are renewed while this process holds any. */
void occi_intents_held(void *data, int change);

#endif
