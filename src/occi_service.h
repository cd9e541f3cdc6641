/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service layer: the operations that change entities, over the store
 * and the hypervisor (any provider), with no HTTP in them. Each takes a
 * context and returns a result class and a message; the glue maps the class
 * to an HTTP status (one table, mod_occi_response.c) and logs the result's
 * number.
 *
 * Here: reading entities, their links, collections and user mixins (for
 * the owner in scope), the live states of entities and the actions they
 * can run now; creation (with inline links), deletion (with the links that
 * depend on what goes), actions, the save action, updates, replacements
 * and mixin memberships, user mixins defined and deleted, and the locks a
 * change takes on what it relies on. Nothing here knows of HTTP: the glue
 * parses, calls one of these and renders what it returns.
 */
#ifndef OCCI_SERVICE_H
#define OCCI_SERVICE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_hypervisor.h"
#include "occi_model.h"
#include "occi_quota.h"
#include "occi_store.h"

typedef enum {
    OCCI_RESULT_OK,
    OCCI_RESULT_INVALID,           /* the request cannot be carried out as asked */
    OCCI_RESULT_NOT_FOUND,         /* what it names is not there (any more) */
    OCCI_RESULT_CONFLICT,          /* the state of things forbids it, or a concurrent change */
    OCCI_RESULT_STALE,             /* the entity changed since the client read it */
    OCCI_RESULT_FORBIDDEN,         /* allowed to nobody in its place: over a quota */
    OCCI_RESULT_UNAVAILABLE,       /* the hypervisor cannot be reached */
    OCCI_RESULT_STORE_FAILED,      /* the store failed: see occi_store_error() */
    OCCI_RESULT_FAILED             /* anything else the hypervisor refused */
} occi_result_class;

typedef struct occi_result {
    occi_result_class cls;
    const char *message;           /* NULL for OK */
    int number;                    /* the log number of this failure (OCCI<n>) */
    int retry_after;               /* seconds after which trying again may succeed; 0: - */
    const char *log_detail;        /* for the operator's log only (host names); NULL: - */
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
    const char *saved_template_scheme; /* the scheme of OS templates that save makes */
    int pack;                      /* OCCIPlacement pack: fill hosts in turn (else spread) */
    const char *provider_network_scheme;  /* the provider networks' mixins' scheme: their
                                           * networks belong to no host (NULL: none) */
    /* The quotas (OCCIQuota lines) in force; NULL: none. A change is held
     * to the limits of the tenant whose entities grow: the owner for a
     * creation, the entity's owner for a change (an administrator changing
     * another tenant's entity is held to that tenant's). */
    const occi_quota_set *quotas;
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

/* Creates entities (validated, with their inline links). Within the
 * owner's quota (service->quotas): FORBIDDEN at once when what the store
 * says the owner holds plus what they ask is over a limit, before anything
 * is made; and again, authoritatively, inside the transaction once their
 * rows are written and the owner's lock is taken (the owner's usage then
 * counts them with every change committed before, and another check of
 * the same owner waits for this one's end), when the creation is rolled
 * back and what the hypervisor made is undone. With several
 * hosts (occi_hosts.h) each new resource is placed first: a host is chosen
 * by its capacity and what the store has placed on it (occi_placement.h),
 * and the resource's cores, memory and disk are recorded against it in one
 * transaction that serialises placements across processes and API nodes;
 * a compute whose inline links reach a network or storage goes on their
 * host, and links live on their compute's host. CONFLICT when no host can
 * take it, saying what was asked and never naming a host (log_detail
 * does, for the operator). Then on the hypervisor (which may choose attributes, such as a MAC address, that the
 * store then keeps), under an intent; then the rows, with what they rely
 * on locked, in one transaction. A failure anywhere undoes what the
 * hypervisor made. CONFLICT with retry_after when a change of one of their
 * ids, begun by a process that may have died, is not finished yet (its
 * objects may still be on the hypervisor); CONFLICT when an id is taken. */
occi_result occi_service_create(const occi_service *service, apr_pool_t *pool,
                                apr_array_header_t *entities);

/* Applies a change of one entity (an update or a replacement: what, for
 * the messages): current as read, changed as validated. A change that
 * grows what the entity holds (cores, memory, a storage's size) is held to
 * its owner's quota as a creation is, checked before the hypervisor is
 * touched and again once the row is written; one that grows nothing is
 * never refused for a quota. On the hypervisor
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

/* ---- Reads ------------------------------------------------------------ */

/* The entity id, as *entity: of the owner in scope, or of anyone with
 * any_owner (ids are one namespace for every owner). NOT_FOUND when there
 * is none. */
occi_result occi_service_get(const occi_service *service, apr_pool_t *pool, const char *id,
                             int any_owner, occi_entity **entity);

/* What compute id used over the last hour, as the service's requester
 * sees it: the points (occi_usage_point, oldest first) between the
 * readings the sampler recorded every interval seconds until now (Unix
 * seconds). NOT_FOUND when the requester may not see a compute of that
 * id; CONFLICT without a hypervisor (nothing is read). */
occi_result occi_service_usage(const occi_service *service, apr_pool_t *pool, const char *id,
                               long long now, int interval, apr_array_header_t **points);

/* A session on the screen of compute id, as the service's requester sees
 * it: where its VNC WebSocket is and, for seconds > 0, a new password
 * (screen->password) valid that long, from now on the only one it
 * accepts (seconds 0: where it is, alone).
 * NOT_FOUND when the requester may not see a compute of that id;
 * CONFLICT when it does not run or has no screen. */
occi_result occi_service_screen(const occi_service *service, apr_pool_t *pool, const char *id,
                                int seconds, occi_hv_screen *screen);

/* Reads a resource's links into resource->links (nothing for a link). */
occi_result occi_service_load_links(const occi_service *service, apr_pool_t *pool,
                                    occi_entity *resource);

/* The same for each resource of entities (occi_entity *; links are left
 * as they are), in a few statements for the whole array. */
occi_result occi_service_load_links_of_all(const occi_service *service, apr_pool_t *pool,
                                           apr_array_header_t *entities);

/* The entities query selects (its owner is the caller's to set), as
 * *found. */
occi_result occi_service_list(const occi_service *service, apr_pool_t *pool,
                              const occi_store_query *query, apr_array_header_t **found);

/* The user mixins the owner in scope may use, oldest first, one
 * definition of each type id (an administrator sees every owner's, and
 * the oldest definition of each), as *mixins (occi_category *). */
occi_result occi_service_user_mixins(const occi_service *service, apr_pool_t *pool,
                                     apr_array_header_t **mixins);

/* Asks the hypervisor for the live state of entities and of their inline
 * links, in one go, and writes it into them. OK at once without a
 * hypervisor. */
occi_result occi_service_observe(const occi_service *service, apr_pool_t *pool,
                                 apr_array_header_t *entities);

/* The actions entity can run now (const char *), by its life cycle and
 * what the hypervisor can do with it. */
apr_array_header_t *occi_service_runnable_actions(const occi_service *service,
                                                  apr_pool_t *pool,
                                                  const occi_entity *entity);

/* ---- Changes of several entities at once ------------------------------ */

/* Applies changes of several entities (currents as read, changeds as
 * validated, in the same order: mixin memberships of a collection) in one
 * transaction, what they grow held to their owners' quotas as in
 * occi_service_update: on the hypervisor under one intent (a new resource
 * template resizes a domain; a redefinition keeps the links' devices),
 * then the rows; if anything fails, what the hypervisor changed is
 * changed back. CONFLICT when one changed meanwhile. */
occi_result occi_service_update_all(const occi_service *service, apr_pool_t *pool,
                                    apr_array_header_t *currents,
                                    apr_array_header_t *changeds);

/* ---- Save -------------------------------------------------------------- */

/* The save action on computes (observed, allowed by their life cycles):
 * each one's root disk becomes the image of a new OS template of the
 * owner's, named name (NULL: "Saved from <the compute's title or
 * location>"), returned in *templates (occi_category *). method is the
 * action's parameter (NULL, "hot" or "deferred"): a deferred save of a
 * running compute makes the template now and its image at the compute's
 * next stop (occi_deferred_save.h). CONFLICT without a hypervisor. On
 * any failure no template is left, and no image. */
occi_result occi_service_save(const occi_service *service, apr_pool_t *pool,
                              const apr_array_header_t *computes, const char *method,
                              const char *name, apr_array_header_t **templates);

/* ---- User mixins ------------------------------------------------------- */

/* Defines user mixins (checked by the caller against the model and the
 * owner's mixins), all or none. CONFLICT when one of them, or its location,
 * was defined meanwhile. */
occi_result occi_service_define_mixins(const occi_service *service, apr_pool_t *pool,
                                       const apr_array_header_t *mixins);

/* Deletes user mixins of the owner in scope (known to exist), all or none;
 * their members lose them. A saved OS template goes only when no compute
 * uses it (CONFLICT), with its image and any save waiting for a compute's
 * stop. */
occi_result occi_service_delete_mixins(const occi_service *service, apr_pool_t *pool,
                                       const apr_array_header_t *mixins);

/* ---- Migration, for administrators -------------------------------------- */

/* Moves compute (as read, with its host) to the host named target, or,
 * when target is NULL, to the host placement chooses among the others;
 * the storages its storagelinks attach go with it. The room is taken on
 * the new host before anything moves; the store says where it is once the
 * hypervisor has moved it. *to receives the new host's name. CONFLICT when
 * it cannot move (a private network, a storage shared with another
 * compute, no host with room, what the hypervisor refuses, in its words);
 * on any failure the compute stays where it was. */
occi_result occi_service_migrate(const occi_service *service, apr_pool_t *pool,
                                 occi_entity *compute, const char *target, const char **to);

/* Disables the host named name, then migrates each of its computes to the
 * host placement chooses, one after the other; *moved and *left count
 * them. NOT_FOUND when there is no such host; CONFLICT, saying how many
 * could not move and why the first could not, when some stay. */
occi_result occi_service_evacuate(const occi_service *service, apr_pool_t *pool,
                                  const char *name, int *moved, int *left);

/* ---- Quotas -------------------------------------------------------------- */

/* The quota resources (occi_entity *, of kind kind_id, occi_quota_kind.h)
 * the requester may read: the owner's own; for an administrator (scope
 * NULL), also every tenant that holds anything or has a quota line of its
 * own, in order of the tenants' names. */
occi_result occi_service_quotas(const occi_service *service, apr_pool_t *pool,
                                const char *kind_id, apr_array_header_t **quotas);

/* ---- Hosts, for administrators ------------------------------------------ */

/* The resources (occi_entity *, of kind kind_id) of the configured hosts,
 * in their order, with what each offers now, what is placed on it and its
 * state (occi_host_kind.h); an empty array with a single hypervisor. */
occi_result occi_service_hosts(const occi_service *service, apr_pool_t *pool,
                               const char *kind_id, apr_array_header_t **hosts);

/* Lets new entities be placed on the host named name again (enabled), or
 * not. NOT_FOUND when there is no such host; CONFLICT when enabling a host
 * the configuration disables. */
occi_result occi_service_set_host_enabled(const occi_service *service, apr_pool_t *pool,
                                          const char *name, int enabled);

#endif
