/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Changes that span the hypervisor and the store, and what is done when
 * the process making one dies half-way.
 *
 * Such a change cannot be one transaction: a process killed between
 * libvirt's part and the commit would leave a domain, volume or network
 * the store does not know (a create), a row whose object is gone (a
 * delete), sizes the store does not hold (an update) or a stale stored
 * state (an action). So before it touches the hypervisor, a process
 * records the change as an intent in the store (verb OCCI_CHANGE_VERB),
 * held by the process for a lease it renews while it lives, and deletes
 * the intent once its transaction has committed or rolled back; just
 * before committing it checks that it still holds it. An intent whose
 * lease ran out (or whose process, on the same node, is gone) is an
 * interrupted change, which any process of any node finishes: a create
 * that did not commit is undone on the hypervisor, a delete that did not
 * commit is carried out, an action has its state written from the
 * hypervisor, an update that did not commit is changed back on the
 * hypervisor.
 */
#ifndef OCCI_RECOVERY_H
#define OCCI_RECOVERY_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_hypervisor.h"
#include "occi_model.h"
#include "occi_store.h"

#define OCCI_CHANGE_VERB "change"

/* How long an intent stays its process's without being renewed; the
 * process renews it every third of this. */
#define OCCI_CHANGE_LEASE_SECONDS 15

/* The intent's detail: what the change is ("create", "delete", "action",
 * "update <revision of each entity, in order>", "save <the templates'
 * terms>"), on which hypervisor, and
 * the entities as the store keeps them. */
const char *occi_change_describe(apr_pool_t *pool, const occi_model *model, const char *what,
                                 const char *hypervisor_uri,
                                 const apr_array_header_t *entities);

/* Records a change (what, on the entities) as an intent held by holder,
 * committed on its own (outside any transaction of store's): its id, or
 * NULL when the store refused it (the change then goes on without one). */
const char *occi_change_begin(occi_store *store, apr_pool_t *pool, const occi_model *model,
                              const char *owner, const char *holder, const char *hypervisor_uri,
                              const char *what, const apr_array_header_t *entities);

/* Inside the change's transaction, just before its commit: whether holder
 * still holds intent id (extending its lease); otherwise another process
 * finished the change, and the transaction must not commit. */
int occi_change_kept(occi_store *store, const char *id, const char *holder);

/* Deletes the intent once the change's transaction has ended. Left behind
 * (the store failed), it is found done by another process once its lease
 * runs out. */
occi_store_status occi_change_end(occi_store *store, const char *id, const char *holder);

typedef enum {
    OCCI_RECOVERY_NOTICE,          /* an interrupted change finished */
    OCCI_RECOVERY_WARNING,         /* one that cannot be finished yet, or not undone */
    OCCI_RECOVERY_ERROR            /* one that cannot be read: dropped */
} occi_recovery_level;

typedef void occi_recovery_report(void *data, occi_recovery_level level, int number,
                                  const char *message);

typedef struct occi_recovery_context {
    occi_store *store;
    occi_hypervisor *hypervisor;
    const occi_model *model;
    const char *hypervisor_uri;    /* the intents of this hypervisor are ours */
    const char *holder;            /* this process: "<node> <pid>" */
    occi_recovery_report *report;  /* number: the log number of the message */
    void *report_data;
} occi_recovery_context;

/* A holder name of this process on node: "<node> <pid>", the holder of
 * the intents of its requests' changes, or "<node> <pid> <role>" for work
 * another thread of the same process must not take for its own (a claim
 * succeeds for the holder that has it already). */
const char *occi_holder_name(apr_pool_t *pool, const char *node, const char *role);

/* Whether holder names a process of the node of mine (a holder name) that
 * is gone (another than this one): its intents need not wait for their
 * leases to run out. */
int occi_holder_died_here(const char *holder, const char *mine);

/* Finishes the interrupted changes of context's hypervisor: the intents
 * whose lease ran out or whose process died on this node, each claimed
 * first so that one process of one node does it. *finished (may be NULL)
 * receives how many were finished. OCCI_STORE_ERROR when the store failed. */
occi_store_status occi_changes_recover(const occi_recovery_context *context, apr_pool_t *pool,
                                       int *finished);

/* The store's message after occi_changes_recover failed. */
const char *occi_changes_error(const occi_recovery_context *context);

/* Renews the leases of the changes holder holds, by
 * OCCI_CHANGE_LEASE_SECONDS from now: NULL, or the store's message. */
const char *occi_changes_renew(occi_store *store, apr_pool_t *pool, const char *holder);

#endif
