/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Saves deferred to a compute's next stop (GFD.224's save with method
 * "deferred"). The save action on a running compute makes its OS template
 * at once and records an intent (verb "save", detail the template's term)
 * in the store; the copy of the root disk is made here once the compute
 * has stopped, by whoever comes first: the request that stops, starts or
 * deletes the compute through the API, or a background thread that looks
 * for computes stopped another way (the guest powered itself off, virsh).
 * The store decides who works on an intent (a lease), so any process of
 * any API node finishes what another began or left.
 */
#ifndef OCCI_DEFERRED_SAVE_H
#define OCCI_DEFERRED_SAVE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_hypervisor.h"
#include "occi_store.h"

/* The intents' verb. */
#define OCCI_DEFERRED_SAVE_VERB "save"

/* How long a copy may hold its intent: the longest a copy of a disk may
 * take. A holder that dies is replaced after this, or at once by a process
 * of the same node that sees it gone. */
#define OCCI_DEFERRED_SAVE_LEASE_SECONDS 1800

typedef enum {
    OCCI_DEFERRED_SAVED,       /* the copy is made: the template is ready */
    OCCI_DEFERRED_FAILED,      /* the hypervisor refused it: the template is removed */
    OCCI_DEFERRED_ORPHANED,    /* the compute is gone: the template is removed */
    OCCI_DEFERRED_UNAVAILABLE, /* the hypervisor or store could not be reached: later */
} occi_deferred_event;

/* Told of each outcome; message names the compute and the template. */
typedef void occi_deferred_report(void *data, occi_deferred_event event,
                                  const char *message);

typedef struct occi_deferred_context {
    occi_store *store;
    occi_hypervisor *hypervisor;
    const char *saved_scheme;      /* the scheme of saved OS templates */
    const char *holder;            /* this process: "<node> <pid>" */
    occi_deferred_report *report;
    void *report_data;
} occi_deferred_context;

/* Records a save of compute (of owner) deferred to its next stop, into the
 * OS template term, inside the caller's transaction. */
occi_store_status occi_deferred_save_record(occi_store *store, apr_pool_t *pool,
                                            const char *compute_id, const char *owner,
                                            const char *term);

/* Makes the pending saves of compute_id (NULL: of every compute) whose
 * compute has stopped; *pending (may be NULL) receives how many are left
 * waiting (running computes, or held by another process), and
 * *held_elsewhere (may be NULL) how many of those another process holds
 * (it is looking at them, or copying). Outside any transaction: a copy
 * takes as long as the disk. OCCI_STORE_ERROR when the store failed (see
 * occi_store_error()). */
occi_store_status occi_deferred_saves_run(const occi_deferred_context *context,
                                          apr_pool_t *pool, const char *compute_id,
                                          int *pending, int *held_elsewhere);

/* Before entity is deleted: a compute with saves waiting for its next
 * stop is powered off (one already stopped refuses, which is what is
 * asked), so that the caller can make them (occi_deferred_saves_run)
 * before its disk goes. 1 when it has saves waiting, 0 otherwise or when
 * the store cannot say (the template then goes with its compute). */
int occi_deferred_saves_stop_for_delete(const occi_deferred_context *context,
                                        apr_pool_t *pool, const occi_entity *entity);

/* The store's message after a run that failed. */
const char *occi_deferred_saves_error(const occi_deferred_context *context);

/* Whether compute_id has saves waiting for its next stop. */
occi_store_status occi_deferred_saves_pending(occi_store *store, apr_pool_t *pool,
                                              const char *compute_id, int *count);

#endif
