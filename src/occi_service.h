/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service layer: the operations that change entities, over the store
 * and the hypervisor (any provider), with no HTTP in them. Each takes a
 * context and returns a result class and a message; the glue maps the class
 * to an HTTP status (one table, mod_occi_response.c) and logs the result's
 * number.
 *
 * Here: creation (with inline links), deletion (with the links that
 * depend on what goes), actions, updates and replacements, storing changed
 * entities, and the locks a change takes on what it relies on. Save and
 * user mixins still live in the glue (mod_occi_actions.c,
 * mod_occi_discovery.c).
 */
#ifndef OCCI_SERVICE_H
#define OCCI_SERVICE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_hypervisor.h"
#include "occi_model.h"
#include "occi_store.h"

typedef enum {
    OCCI_RESULT_OK,
    OCCI_RESULT_INVALID,           /* the request cannot be carried out as asked */
    OCCI_RESULT_NOT_FOUND,         /* what it names is not there (any more) */
    OCCI_RESULT_CONFLICT,          /* the state of things forbids it, or a concurrent change */
    OCCI_RESULT_STALE,             /* the entity changed since the client read it */
    OCCI_RESULT_UNAVAILABLE,       /* the hypervisor cannot be reached */
    OCCI_RESULT_STORE_FAILED,      /* the store failed: see occi_store_error() */
    OCCI_RESULT_FAILED             /* anything else the hypervisor refused */
} occi_result_class;

typedef struct occi_result {
    occi_result_class cls;
    const char *message;           /* NULL for OK */
    int number;                    /* the log number of this failure (OCCI<n>) */
    int retry_after;               /* seconds after which trying again may succeed; 0: - */
} occi_result;

typedef struct occi_service {
    occi_store *store;
    occi_hypervisor *hypervisor;   /* NULL: entities live in the store alone */
    const occi_model *model;
    const char *owner;             /* who asks: owns what it makes */
    const char *scope;             /* whose entities it may touch; NULL: anyone's */
    const char *hypervisor_uri;    /* recorded in intents (src/occi_recovery.h) */
    const char *holder;            /* this process, as the holder of intents */
    int max_links;                 /* the most links a resource may have */
    const char *origin;            /* "scheme://host:port" for locations in
                                    * messages; NULL: paths */
    /* Told when the process takes (+1) or lets go of (-1) an intent: its
     * lease must be renewed while it holds any. */
    void (*intents_held)(void *data, int change);
    void *data;
} occi_service;

/* The result of what the hypervisor said, logged under number. */
occi_result occi_result_of_hypervisor(const occi_hv_error *error, int number);

/* A resource holds at most max_links links, as many as one request may
 * carry: its rendering, which lists them all, must be accepted back by a
 * PUT. CONFLICT when resource has no room for link (which may be one of
 * its links already: a replacement). */
occi_result occi_service_check_room(const occi_service *service, apr_pool_t *pool,
                                    const occi_entity *resource, const occi_entity *link);

/* Inside the caller's transaction: locks what entity relies on and a
 * concurrent request may delete (a link's source and target, the user
 * mixins it is a member of: mixins the model lacks), so that the change and
 * such a deletion happen one after the other; a link's source is skipped
 * when it is created in the same transaction (source_is_new), and counted
 * again under its lock against max_links. CONFLICT when one is gone or
 * the source is full; the caller rolls back. */
occi_result occi_service_lock_relied_on(const occi_service *service, apr_pool_t *pool,
                                        const occi_entity *entity, int source_is_new);

/* Stores changed entities (each at the revision it was read at) in one
 * transaction, with what they rely on locked first; intent (may be NULL) is
 * the change's, checked before the commit. CONFLICT when one changed
 * meanwhile. */
occi_result occi_service_store(const occi_service *service, apr_pool_t *pool,
                               apr_array_header_t *entities, const char *intent);

/* Carries out action (with its parameters) on entities whose life cycles
 * allow it; afters holds each one's state afterwards by the life cycle's
 * table (const char *), used where no hypervisor backs the entity. The
 * hypervisor acts first, under an intent, then the states it reports are
 * stored (occi_service_store). */
occi_result occi_service_act(const occi_service *service, apr_pool_t *pool,
                             apr_array_header_t *entities, const char *action,
                             const apr_array_header_t *parameters,
                             const apr_array_header_t *afters);

/* Creates entities (validated, with their inline links): on the hypervisor
 * first (which may choose attributes, such as a MAC address, that the
 * store then keeps), under an intent; then the rows, with what they rely
 * on locked, in one transaction. A failure anywhere undoes what the
 * hypervisor made. CONFLICT with retry_after when a change of one of their
 * ids, begun by a process that may have died, is not finished yet (its
 * objects may still be on the hypervisor); CONFLICT when an id is taken. */
occi_result occi_service_create(const occi_service *service, apr_pool_t *pool,
                                apr_array_header_t *entities);

/* Applies a change of one entity (an update or a replacement: what, for
 * the messages): current as read, changed as validated. On the hypervisor
 * inside the store's transaction (a redefinition keeps the links'
 * devices), under an intent; if the commit fails after the hypervisor
 * changed, the hypervisor is changed back. STALE when the entity changed
 * since it was read, NOT_FOUND when it was deleted. */
occi_result occi_service_update(const occi_service *service, apr_pool_t *pool,
                                occi_entity *current, occi_entity *changed, const char *what);

/* Deletes entities (occi_entity *, as read for the owner), each with the
 * links that start or end at it, in one transaction: on the hypervisor the
 * links' devices are detached and the objects removed, then the rows go.
 * The change is recorded as an intent first, so that another process
 * finishes it if this one dies. With skip_gone, an entity deleted
 * meanwhile (a link that went with an earlier one) is skipped; otherwise it
 * is OCCI_RESULT_NOT_FOUND. Nothing is committed unless everything
 * succeeded; when the change fails after the hypervisor removed something
 * (which cannot be made again), its intent is left, held by nobody, for
 * recovery to carry the deletion through. */
occi_result occi_service_delete(const occi_service *service, apr_pool_t *pool,
                                const apr_array_header_t *entities, int skip_gone);

#endif
