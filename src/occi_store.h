/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entity store: entities, mixin memberships, user mixins, intents, and
 * what each hypervisor host holds (allocations).
 *
 * A store is a provider (a table of operations, occi_store_provider) and
 * the provider's own state, as a hypervisor is (occi_hypervisor.h). The
 * occi_store_* functions that take an open store only dispatch to its
 * provider, so callers never know which one serves them. The provider
 * httpd uses is "sql": an SQL database reached through apr_dbd (SQLite or
 * PostgreSQL), opened by occi_store_open(); unit tests wrap it in
 * providers of their own (t/unit/fault_store.c fails chosen calls).
 * The schema, its migration and the statements below belong to the SQL
 * provider and take no store.
 *
 * The store knows nothing of httpd. The module prepares the statements of
 * occi_store_statements() through mod_dbd at configuration time, creates
 * and upgrades the schema with occi_store_migrate() on a connection of its
 * own as each child process starts (before mod_dbd opens its connections
 * and prepares the statements), and opens a store over
 * the connection mod_dbd lends a request. Unit tests do the same with
 * apr_dbd directly.
 *
 * Every row carries its owner (the authenticated user, "" without
 * authentication); queries take an owner to see only that user's rows, or
 * NULL to see everything.
 *
 * Databases: the sqlite3 driver (SQLite 3.24 or later) and the pgsql
 * driver (PostgreSQL 9.5 or later). With PostgreSQL, custom plans suit the
 * collection statements best, as kinds, mixins and owners differ widely in
 * size: DBDInitSQL "SET plan_cache_mode = force_custom_plan" (PostgreSQL
 * 12 or later). The sqlite3 driver prepares with SQLite's legacy interface,
 * whose statements fail for good once another connection changes the
 * schema: connections opened before a migration must be reopened.
 */
#ifndef OCCI_STORE_H
#define OCCI_STORE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_hash.h>
#include <apr_dbd.h>

#include "occi_entity.h"
#include "occi_group_sync.h"
#include "occi_write_gate.h"
#include "occi_model.h"
#include "occi_read_cache.h"
#include "occi_usage.h"

/* A statement the store uses: a label (prefixed "occi_") and its SQL in
 * apr_dbd's format (%s for text, %d and %lld for integers). */
typedef struct occi_statement {
    const char *label;
    const char *sql;
} occi_statement;

/* The statements to prepare on every connection; *count receives their
 * number. The same SQL serves SQLite and PostgreSQL. */
const occi_statement *occi_store_statements(int *count);

/* The schema version this code writes and reads. */
#define OCCI_SCHEMA_VERSION 10

/* The PostgreSQL channel on which the database announces each committed
 * change of the entities (a trigger of the schema). */
#define OCCI_CHANGES_CHANNEL "occi_entity_changed"

/* Creates the schema on an empty database, or upgrades an older one, in a
 * transaction that other processes doing the same wait for. Returns NULL,
 * or a message (with the database's words) when the database refuses, or
 * holds a newer schema than this code knows, or the driver is neither
 * sqlite3 nor pgsql. A current schema costs one SELECT. */
const char *occi_store_migrate(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                               apr_dbd_t *handle);

/* Gives a connection of the caller's own what mod_dbd gives each of its
 * connections: on SQLite a busy timeout first, so that the statements
 * wait for another process's lock instead of failing, then the operator's
 * statements (DBDInitSQL: statements[count], e.g. the switch of the
 * journal to WAL, which takes SQLite's exclusive lock). Returns NULL, or
 * which statement failed and the database's words. */
const char *occi_store_init_session(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                                    apr_dbd_t *handle, const char *const *statements,
                                    int count);

typedef enum {
    OCCI_STORE_OK,
    OCCI_STORE_NOT_FOUND,       /* no such row (for this owner) */
    OCCI_STORE_CONFLICT,        /* the id or location exists, or the revision moved */
    OCCI_STORE_ERROR            /* the database failed; see occi_store_error() */
} occi_store_status;

typedef struct occi_store occi_store;

/* ---- Providers -------------------------------------------------------
 * What the functions below that take an open store do, for one kind of
 * store. Each operation receives the provider's own state, impl, and does
 * what the function of the same name documents (delete_entity is
 * occi_store_delete). */

typedef struct occi_store_query occi_store_query;
typedef struct occi_store_intent occi_store_intent;
typedef struct occi_store_allocation occi_store_allocation;
typedef struct occi_store_tenant_usage occi_store_tenant_usage;

typedef struct occi_store_provider {
    const char *name;
    const char *(*error)(const void *impl);
    occi_store_status (*begin)(void *impl);
    occi_store_status (*commit)(void *impl);
    void (*rollback)(void *impl);
    occi_store_status (*insert)(void *impl, const occi_entity *entity);
    occi_store_status (*get)(void *impl, apr_pool_t *pool, const char *id, const char *owner,
                             occi_entity **entity);
    occi_store_status (*update)(void *impl, occi_entity *entity, long long expected_revision);
    occi_store_status (*delete_entity)(void *impl, const char *id, const char *owner);
    occi_store_status (*links_from)(void *impl, apr_pool_t *pool, const char *source_id,
                                    apr_array_header_t **links);
    occi_store_status (*links_to)(void *impl, apr_pool_t *pool, const char *target_location,
                                  apr_array_header_t **links);
    occi_store_status (*list)(void *impl, apr_pool_t *pool, const occi_store_query *query,
                              apr_array_header_t **entities);
    occi_store_status (*count)(void *impl, const occi_store_query *query, long long *count);
    occi_store_status (*add_mixin)(void *impl, const char *entity_id, const char *mixin);
    occi_store_status (*remove_mixin)(void *impl, const char *entity_id, const char *mixin);
    occi_store_status (*insert_mixin)(void *impl, const occi_category *mixin,
                                      const char *owner);
    occi_store_status (*delete_mixin)(void *impl, const char *type_id, const char *owner);
    occi_store_status (*list_mixins)(void *impl, apr_pool_t *pool, const char *owner,
                                     apr_array_header_t **mixins, apr_array_header_t **owners);
    occi_store_status (*lock_entity)(void *impl, const char *id);
    occi_store_status (*lock_mixin)(void *impl, const char *type_id, const char *owner);
    occi_store_status (*insert_intent)(void *impl, const occi_store_intent *intent);
    occi_store_status (*list_intents)(void *impl, apr_pool_t *pool, const char *verb,
                                      const char *entity_id, const char *detail,
                                      apr_array_header_t **intents);
    occi_store_status (*claim_intent)(void *impl, const char *id, const char *holder,
                                      long long lease_until, long long now);
    occi_store_status (*release_intent)(void *impl, const char *id, const char *holder);
    occi_store_status (*renew_intents)(void *impl, const char *verb, const char *holder,
                                       long long lease_until);
    occi_store_status (*set_intent_detail)(void *impl, const char *id, const char *holder,
                                           const char *detail);
    occi_store_status (*delete_intent)(void *impl, const char *id, const char *holder);
    occi_store_status (*delete_intents_with)(void *impl, const char *verb, const char *detail);
    occi_store_status (*set_host)(void *impl, const char *id, const char *host);
    occi_store_status (*lock_placement)(void *impl);
    occi_store_status (*host_usage)(void *impl, apr_pool_t *pool, apr_hash_t **usage);
    occi_store_status (*usage_generation)(void *impl, long long *generation);
    occi_store_status (*allocate)(void *impl, const occi_store_allocation *allocation);
    occi_store_status (*get_allocation)(void *impl, apr_pool_t *pool, const char *entity_id,
                                        occi_store_allocation **allocation);
    occi_store_status (*release_allocation)(void *impl, const char *entity_id);
    occi_store_status (*disabled_hosts)(void *impl, apr_pool_t *pool, apr_hash_t **disabled);
    occi_store_status (*set_host_disabled)(void *impl, const char *host, int disabled);
    /* Optional (NULL: links_from for each source, one after the other). */
    occi_store_status (*links_from_many)(void *impl, apr_pool_t *pool,
                                         const apr_array_header_t *source_ids,
                                         apr_hash_t **links);
    occi_store_status (*tenant_usage)(void *impl, const char *owner,
                                      occi_store_tenant_usage *usage);
    occi_store_status (*tenant_usages)(void *impl, apr_pool_t *pool,
                                       apr_array_header_t **usages);
    occi_store_status (*lock_tenant)(void *impl, const char *owner);
    occi_store_status (*claim_usage_sampler)(void *impl, const char *holder,
                                             long long lease_until, long long now);
    occi_store_status (*record_usage)(void *impl, const apr_array_header_t *samples,
                                      long long older_than);
    occi_store_status (*list_usage)(void *impl, apr_pool_t *pool, const char *entity_id,
                                    long long since, apr_array_header_t **samples);
} occi_store_provider;

/* A store made of a provider and its state, allocated from pool. */
occi_store *occi_store_make(apr_pool_t *pool, const occi_store_provider *provider, void *impl);

/* The provider of a store and its state: a provider that wraps another
 * store (to observe or alter its calls) delegates through them. */
const occi_store_provider *occi_store_provider_of(const occi_store *store);
void *occi_store_impl(const occi_store *store);

/* ---- The SQL provider ------------------------------------------------ */

/* A store over one connection, served by the "sql" provider. prepared
 * maps labels to the statements prepared on that connection (mod_dbd's
 * ap_dbd_t.prepared). Allocations for the store's own use come from pool
 * (the request's). */
occi_store *occi_store_open(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                            apr_dbd_t *handle, apr_hash_t *prepared);

/* The two functions below apply to a store of the SQL provider only
 * (occi_store_open()); for a store of any other provider they do nothing. */

/* Each change the store commits is told to cache (see occi_read_cache.h);
 * with read_from_it, reads of one entity and of its links outside a
 * transaction are answered from cache while it holds them. For a store
 * that other processes or nodes change, only when the database announces
 * their changes to cache. */
void occi_store_use_read_cache(occi_store *store, occi_read_cache *cache, int read_from_it);

/* On SQLite: the process's writers take turns at gate before each
 * transaction (see occi_write_gate.h). Without a gate they meet at
 * SQLite's lock, which is correct but slow under concurrent writes. */
void occi_store_use_write_gate(occi_store *store, occi_write_gate *gate);

/* Told why the log could not be synced after a commit: the change is
 * committed (the commit returns OCCI_STORE_OK), but whether it would
 * outlive a power cut is not known. */
typedef void occi_store_sync_failed(void *data, const char *reason);

/* On an SQLite connection in WAL mode that commits with
 * synchronous=NORMAL: each commit, whether the caller's transaction or a
 * change's own, then waits for a sync of the log (see occi_group_sync.h)
 * before it returns, and a failed sync is told to failed(data, reason). */
void occi_store_use_group_sync(occi_store *store, occi_group_sync *sync,
                               occi_store_sync_failed *failed, void *data);

/* ---- Operations on an open store (through its provider) ------------- */

/* The database's message for the last OCCI_STORE_ERROR. */
const char *occi_store_error(const occi_store *store);

/* Transactions. Changes of several rows happen inside one; on any failure
 * the caller rolls back. Nesting is not supported. Every change below is
 * atomic by itself: it joins the caller's transaction when one is open
 * (after an ERROR the transaction can only be rolled back: commit then
 * rolls back and returns ERROR), else it runs in its own. A CONFLICT or
 * NOT_FOUND writes nothing and leaves the caller's transaction usable. */
occi_store_status occi_store_begin(occi_store *store);
occi_store_status occi_store_commit(occi_store *store);
void occi_store_rollback(occi_store *store);

/* ---- Entities --------------------------------------------------------
 * An entity row holds its id, kind, owner, revision, its host, its link
 * source and target (links only), its mixins in order and its attributes;
 * membership and attribute rows index them for the collection queries.
 * Inline links (entity->links) are separate entities: insert each. Every
 * entity read fills entity->host (NULL when none is recorded). */

/* Inserts a new entity (its id and kind set; stored at revision 1, with
 * entity->owner, "" when NULL, and entity->host). CONFLICT if the id exists
 * for any owner. A mixin or attribute named twice is stored once (an
 * attribute with its last value). ARRAY and OBJECT values must be valid
 * JSON (else ERROR). */
occi_store_status occi_store_insert(occi_store *store, const occi_entity *entity);

/* Reads one entity of owner (NULL: any owner), without its links. */
occi_store_status occi_store_get(occi_store *store, apr_pool_t *pool, const char *id,
                                 const char *owner, occi_entity **entity);

/* Replaces kind-independent content (mixins, attributes, link source and
 * target) of an existing entity and increments its revision, which is
 * written back into entity->revision. With expected_revision >= 0 the row
 * must still be at that revision, else CONFLICT. NOT_FOUND if absent. The
 * entity is found by id alone, whoever owns it; kind, owner and host stay
 * (an update never moves an entity: occi_store_set_host() does). */
occi_store_status occi_store_update(occi_store *store, occi_entity *entity,
                                    long long expected_revision);

/* Deletes an entity, its mixin memberships and its allocation, and, for a
 * resource, the links whose source it is (with theirs). NOT_FOUND if
 * absent. */
occi_store_status occi_store_delete(occi_store *store, const char *id, const char *owner);

/* The links whose source is the resource id (occi_entity *), oldest first. */
occi_store_status occi_store_links_from(occi_store *store, apr_pool_t *pool,
                                        const char *source_id,
                                        apr_array_header_t **links);

/* The links of each resource of source_ids (const char *), as
 * occi_store_links_from gives them, in *links: source id -> array of
 * occi_entity *, an empty array for a source without links. A page's in a
 * few statements rather than one per resource. */
occi_store_status occi_store_links_from_many(occi_store *store, apr_pool_t *pool,
                                             const apr_array_header_t *source_ids,
                                             apr_hash_t **links);

/* The links whose occi.core.target is target_location (a location below
 * the mount, "/network/<id>"), of any owner, oldest first. */
occi_store_status occi_store_links_to(occi_store *store, apr_pool_t *pool,
                                      const char *target_location,
                                      apr_array_header_t **links);

/* What a collection request asks for. Unset members (NULL) do not filter. */
struct occi_store_query {
    const char *owner;             /* NULL: every owner */
    const char *kind;              /* entities of exactly this kind */
    const char *mixin;             /* members of this mixin */
    const char *attribute;         /* with this attribute ... */
    const char *value;             /* ... whose text form is exactly this:
                                    * strings unquoted, other values as
                                    * occi_value_to_text() prints them ("4",
                                    * "2.0", "true"); a caller knowing the
                                    * attribute's type should canonicalise
                                    * the value that way. ARRAY and OBJECT
                                    * values never match. attribute and
                                    * value come together (else ERROR). */
    int offset;                    /* rows to skip */
    int limit;                     /* at most this many rows; <= 0: all */
    /* Only the rows after this position: *last of the previous chunk of
     * the same query (0: from the first). A collection read a chunk at a
     * time so costs each chunk the same. */
    long long after;
    long long *last;               /* not NULL: receives the last row's position (0: none) */
};

/* The entities (occi_entity *, without links) matching query, oldest
 * first, a page of them when limit > 0. */
occi_store_status occi_store_list(occi_store *store, apr_pool_t *pool,
                                  const occi_store_query *query,
                                  apr_array_header_t **entities);

/* How many entities match query (offset and limit ignored). */
occi_store_status occi_store_count(occi_store *store, const occi_store_query *query,
                                   long long *count);

/* Moves entity id to host, its row and its allocation if it has one (a
 * migration); host is required (else ERROR). The revision stays: what the
 * API shows of the entity does not change. NOT_FOUND when there is no such
 * entity. */
occi_store_status occi_store_set_host(occi_store *store, const char *id, const char *host);

/* ---- Mixin membership ------------------------------------------------ */

/* Adds (at the end of the entity's mixins) or removes one membership and
 * increments the entity's revision. Adding an existing membership, or
 * removing an absent one, is OK and changes nothing. NOT_FOUND if the
 * entity is absent. */
occi_store_status occi_store_add_mixin(occi_store *store, const char *entity_id,
                                       const char *mixin);
occi_store_status occi_store_remove_mixin(occi_store *store, const char *entity_id,
                                          const char *mixin);

/* ---- User mixins -----------------------------------------------------
 * Mixins clients define at /-/. Kept as occi_category (class mixin) with
 * scheme, term, title, location, depends and applies; no attributes. */

/* Inserts a user mixin of owner. CONFLICT if its type id or its location
 * is taken by another user mixin of the same owner: each owner has a
 * namespace of its own. (Clashes with the model's own categories are the
 * caller's to check.) */
occi_store_status occi_store_insert_mixin(occi_store *store, const occi_category *mixin,
                                          const char *owner);

/* Deletes a user mixin and every membership of it (each member's revision
 * grows). NOT_FOUND if absent (for this owner; NULL: the mixins of that
 * type id of every owner). */
occi_store_status occi_store_delete_mixin(occi_store *store, const char *type_id,
                                          const char *owner);

/* The user mixins of owner (NULL: all), oldest first, as occi_category *;
 * *owners, when not NULL, receives their owners in the same order. */
occi_store_status occi_store_list_mixins(occi_store *store, apr_pool_t *pool,
                                         const char *owner,
                                         apr_array_header_t **mixins,
                                         apr_array_header_t **owners);

/* ---- Locks -----------------------------------------------------------
 * Inside a transaction, before a change that relies on a row another
 * request may delete meanwhile (a link's ends, a user mixin an entity
 * joins): NOT_FOUND when the row is gone; otherwise the row stays until
 * the transaction ends, since its deletion waits for it (PostgreSQL locks
 * the row; SQLite has one writer at a time). A deletion takes the same
 * lock first, so it sees whatever such a change added. */
occi_store_status occi_store_lock_entity(occi_store *store, const char *id);
occi_store_status occi_store_lock_mixin(occi_store *store, const char *type_id,
                                        const char *owner);

/* ---- Intents ---------------------------------------------------------
 * Work that outlives the request that asked for it. Whoever works on an
 * intent holds it (holder names the process) until lease_until (seconds
 * since the epoch); when the lease has run out, anyone may take it over. */

struct occi_store_intent {
    const char *id;
    const char *verb;              /* what to do, e.g. "save" */
    const char *entity_id;         /* the entity it is about */
    const char *owner;             /* that entity's owner */
    const char *detail;            /* the verb's argument, e.g. a template term */
    const char *holder;            /* NULL: nobody works on it */
    long long lease_until;
};

/* Inserts an intent, held by intent->holder (NULL: nobody) until
 * intent->lease_until. */
occi_store_status occi_store_insert_intent(occi_store *store, const occi_store_intent *intent);

/* The intents of verb (occi_store_intent *), about entity_id (NULL: any)
 * or with detail (NULL: any). */
occi_store_status occi_store_list_intents(occi_store *store, apr_pool_t *pool,
                                          const char *verb, const char *entity_id,
                                          const char *detail, apr_array_header_t **intents);

/* Takes intent id for holder until lease_until, if nobody holds it or its
 * lease ran out before now (or holder already holds it); CONFLICT when
 * another holds it, NOT_FOUND when it is gone. */
occi_store_status occi_store_claim_intent(occi_store *store, const char *id,
                                          const char *holder, long long lease_until,
                                          long long now);

/* Lets go of an intent holder holds, undone, for anyone to take. */
occi_store_status occi_store_release_intent(occi_store *store, const char *id,
                                            const char *holder);

/* Extends the leases of holder's intents of verb to lease_until: the
 * holder lives on. */
occi_store_status occi_store_renew_intents(occi_store *store, const char *verb,
                                           const char *holder, long long lease_until);

/* Replaces the detail of an intent holder holds; NOT_FOUND when it does
 * not hold it (any more). */
occi_store_status occi_store_set_intent_detail(occi_store *store, const char *id,
                                               const char *holder, const char *detail);

/* Deletes an intent: done, or given up. holder NULL: whoever holds it.
 * NOT_FOUND when it was gone (or held by another). */
occi_store_status occi_store_delete_intent(occi_store *store, const char *id,
                                           const char *holder);

/* Deletes the intents of verb with detail (their object was deleted). */
occi_store_status occi_store_delete_intents_with(occi_store *store, const char *verb,
                                                 const char *detail);

/* ---- Hosts and allocations -------------------------------------------
 * With several hypervisor hosts, a placement chooses the host of a new
 * entity from what every host already holds. The API nodes share the
 * database, so the allocations, the placement lock and the hosts an
 * administrator disabled live here. A host is named as the configuration
 * names it (OCCIHypervisorHost); "" is no host's name. */

/* What an entity holds of a host's capacity: placed, it is counted against
 * the host whether or not its row is committed yet (a create reserves first,
 * makes the hypervisor's objects, then commits its rows). */
struct occi_store_allocation {
    const char *entity_id;
    const char *host;
    const char *kind;              /* the entity's kind type id */
    const char *owner;
    int cores;
    long long memory_mib;
    long long disk_mib;
    const char *affinity_group;    /* NULL: none */
};

/* The sums of one host's allocations. A struct without a typedef: the
 * name occi_store_host_usage is the function's below (C has one namespace
 * for both), so callers write struct occi_store_host_usage. */
struct occi_store_host_usage {
    int cores;
    long long memory_mib;
    long long disk_mib;
    int computes;                  /* allocations of kind ...infrastructure#compute */
    apr_array_header_t *groups;    /* const char *: distinct affinity groups with a member there */
};

/* Inside the caller's transaction: serialises placements across processes
 * and API nodes (a lock on occi_host's '' row), until commit or rollback.
 * ERROR when no transaction is open, as the lock would end at once. */
occi_store_status occi_store_lock_placement(occi_store *store);

/* Every host's usage, as *usage: host name -> struct occi_store_host_usage *.
 * Hosts without allocations are absent. Groups come in the database's
 * order of their names. */
occi_store_status occi_store_host_usage(occi_store *store, apr_pool_t *pool,
                                        apr_hash_t **usage);

/* How many times the hosts' usage has changed (any allocation made, moved or
 * released, by any process): the same number means the same usage. */
occi_store_status occi_store_usage_generation(occi_store *store, long long *generation);

/* Records (or replaces: same entity_id) an allocation. entity_id, host and
 * kind are required (else ERROR); a NULL owner is "". */
occi_store_status occi_store_allocate(occi_store *store,
                                      const occi_store_allocation *allocation);

/* The allocation of entity_id (NOT_FOUND when it has none). */
occi_store_status occi_store_get_allocation(occi_store *store, apr_pool_t *pool,
                                            const char *entity_id,
                                            occi_store_allocation **allocation);

/* Removes entity_id's allocation (OK when it had none). */
occi_store_status occi_store_release_allocation(occi_store *store, const char *entity_id);

/* Hosts an administrator disabled (name -> "1"), and setting it (ERROR for
 * the name "" or NULL). A disabled host keeps its allocations; placement
 * only stops choosing it. */
occi_store_status occi_store_disabled_hosts(occi_store *store, apr_pool_t *pool,
                                            apr_hash_t **disabled);
occi_store_status occi_store_set_host_disabled(occi_store *store, const char *host,
                                               int disabled);

/* ---- What each tenant holds ------------------------------------------
 * The store keeps, for each owner, the sums of what its entities hold
 * (schema version 9): triggers on the entities change them in the same
 * statement as the entity's own row, whoever writes it. A compute holds a
 * compute, its cores and its memory, a storage its size, a network a
 * network (see occi_quota.h). The sums are spread over rows (slots) that
 * different database sessions write, so that changes of one owner do not
 * wait for each other; a check that must see every other change of the
 * owner takes the owner's lock first (occi_store_lock_tenant). */

struct occi_store_tenant_usage {
    const char *owner;
    long long cores;
    long long memory_mib;
    long long storage_mib;
    long long computes;
    long long networks;
};

/* What owner holds now, as *usage (zeros when it holds nothing); inside a
 * transaction, with that transaction's own changes. */
occi_store_status occi_store_read_tenant_usage(occi_store *store, const char *owner,
                                               occi_store_tenant_usage *usage);

/* What every owner that holds anything holds (occi_store_tenant_usage *),
 * in order of the owners' names. */
occi_store_status occi_store_list_tenant_usages(occi_store *store, apr_pool_t *pool,
                                                apr_array_header_t **usages);

/* Inside the caller's transaction: owner's lock, until commit or rollback.
 * Checks of one owner's usage that take it take turns across processes
 * and API nodes: one that takes it after writing its change, then reads
 * the usage (occi_store_read_tenant_usage), counts every change of the
 * owner committed before, and the next waits until this one has ended.
 * ERROR when no transaction is open. */
occi_store_status occi_store_lock_tenant(occi_store *store, const char *owner);

/* ---- What computes use (occi_usage.h) ---------------------------------- */

/* Takes or renews the lease of the process that reads computes' usage:
 * OK when holder now holds it until lease_until (Unix seconds), CONFLICT
 * when another holder's lease runs past now. */
occi_store_status occi_store_claim_usage_sampler(occi_store *store, const char *holder,
                                                 long long lease_until, long long now);

/* Records the readings of samples (occi_usage_sample), a reading already
 * recorded for the same compute and moment left as it is, and forgets
 * every reading from before older_than (Unix seconds): in one transaction
 * of its own. */
occi_store_status occi_store_record_usage(occi_store *store, const apr_array_header_t *samples,
                                          long long older_than);

/* The readings of entity_id from since on (occi_usage_sample, in order of
 * time), from pool. */
occi_store_status occi_store_list_usage(occi_store *store, apr_pool_t *pool,
                                        const char *entity_id, long long since,
                                        apr_array_header_t **samples);

#endif
