/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service layer: see occi_service.h.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "occi_deferred_save.h"
#include "occi_entity_text.h"
#include "occi_host_kind.h"
#include "occi_hosts.h"
#include "occi_placement.h"
#include "occi_provider_network.h"
#include "occi_quota_kind.h"
#include "occi_recovery.h"
#include "occi_service.h"
#include "occi_state.h"
#include "occi_unmanaged.h"
#include "occi_validate.h"

static const occi_result done = { OCCI_RESULT_OK, NULL, 0, 0, NULL };

static occi_result result(occi_result_class cls, int number, const char *message)
{
    occi_result r;

    r.cls = cls;
    r.number = number;
    r.message = message;
    r.retry_after = 0;
    r.log_detail = NULL;
    return r;
}

static occi_result store_failed(const occi_service *service, int number)
{
    return result(OCCI_RESULT_STORE_FAILED, number, occi_store_error(service->store));
}

/* The source of a link, as an entity with only its id. */
static const occi_entity *source_of(apr_pool_t *pool, const occi_entity *link)
{
    occi_entity *source = occi_entity_create(pool);

    source->id = occi_entity_id_from_reference(pool,
                                               occi_entity_get_string(link, "occi.core.source"));
    return source;
}

occi_result occi_result_of_hypervisor(const occi_hv_error *error, int number)
{
    switch (error->status) {
    case OCCI_HV_UNAVAILABLE:
        return result(OCCI_RESULT_UNAVAILABLE, number, error->message);
    case OCCI_HV_CONFLICT:
        return result(OCCI_RESULT_CONFLICT, number, error->message);
    case OCCI_HV_INVALID:
        return result(OCCI_RESULT_INVALID, number, error->message);
    default:
        return result(OCCI_RESULT_FAILED, number, error->message);
    }
}

/* ---- Intents: see occi_recovery.h ------------------------------------- */

/* Records a change before the hypervisor is touched (NULL without a
 * hypervisor, or when the store refused it). */
static const char *intent_begin(const occi_service *service, apr_pool_t *pool, const char *what,
                                const apr_array_header_t *entities)
{
    const char *id;

    if (!service->hypervisor) {
        return NULL;
    }
    id = occi_change_begin(service->store, pool, service->model, service->owner,
                           service->holder, service->hypervisor_uri, what, entities);
    if (id && service->intents_held) {
        service->intents_held(service->data, 1);
    }
    return id;
}

static void intent_end(const occi_service *service, const char *id)
{
    if (!id) {
        return;
    }
    occi_change_end(service->store, id, service->holder);
    if (service->intents_held) {
        service->intents_held(service->data, -1);
    }
}

/* Lets go of an intent without deleting it: the change is left for
 * recovery to finish (src/occi_recovery.h). */
static void intent_leave(const occi_service *service, const char *id)
{
    occi_store_release_intent(service->store, id, service->holder);
    if (service->intents_held) {
        service->intents_held(service->data, -1);
    }
}

/* A change whose intent another process took: its lease ran out. */
static occi_result lease_lost(void)
{
    return result(OCCI_RESULT_UNAVAILABLE, 116, "this change outlived its lease and another "
                  "process has finished or undone it; read the entity to see which");
}

/* Commits when r is OK, rolls back otherwise. */
static occi_result commit_or_roll_back(const occi_service *service, occi_result r)
{
    if (r.cls != OCCI_RESULT_OK) {
        occi_store_rollback(service->store);
        return r;
    }
    if (occi_store_commit(service->store) != OCCI_STORE_OK) {
        return store_failed(service, 117);
    }
    return done;
}

/* Ends the transaction: commits when r is OK and the intent is still this
 * process's, rolls back otherwise. */
static occi_result finish(const occi_service *service, const char *intent, occi_result r)
{
    if (r.cls == OCCI_RESULT_OK && !occi_change_kept(service->store, intent, service->holder)) {
        r = lease_lost();
    }
    return commit_or_roll_back(service, r);
}

/* Ends a creation's transaction: commits when r is OK and the intent is
 * still this process's, deleting the intent in the same commit (one
 * transaction fewer than finish() and intent_end(), and no moment where
 * both the entities and their intent are in the store); rolls back
 * otherwise. *ended says whether the intent went with the commit. */
static occi_result finish_with_intent(const occi_service *service, const char *intent,
                                      occi_result r, int *ended)
{
    occi_store_status status;

    *ended = 0;
    if (r.cls == OCCI_RESULT_OK && intent) {
        status = occi_store_delete_intent(service->store, intent, service->holder);
        r = status == OCCI_STORE_OK ? r
            : status == OCCI_STORE_NOT_FOUND ? lease_lost() : store_failed(service, 117);
    }
    r = commit_or_roll_back(service, r);
    *ended = r.cls == OCCI_RESULT_OK && intent != NULL;
    return r;
}

/* ---- What a change relies on -------------------------------------------- */

static const char *location_of(const occi_service *service, apr_pool_t *pool,
                               const occi_entity *entity)
{
    return apr_pstrcat(pool, service->origin ? service->origin : "",
                       occi_entity_location(pool, service->model, entity), NULL);
}

occi_result occi_service_check_room(const occi_service *service, apr_pool_t *pool,
                                    const occi_entity *resource, const occi_entity *link)
{
    apr_array_header_t *links;
    int i, others = 0;

    if (occi_store_links_from(service->store, pool, resource->id, &links) != OCCI_STORE_OK) {
        return store_failed(service, 121);
    }
    for (i = 0; i < links->nelts; i++) {
        const occi_entity *existing = APR_ARRAY_IDX(links, i, const occi_entity *);

        others += !link->id || strcmp(existing->id, link->id);
    }
    if (service->max_links > 0 && others >= service->max_links) {
        return result(OCCI_RESULT_CONFLICT, 122, apr_psprintf(
                          pool, "%s has %d links, the most a resource may have (OCCIMaxLinks)",
                          location_of(service, pool, resource), others));
    }
    return done;
}

occi_result occi_service_lock_relied_on(const occi_service *service, apr_pool_t *pool,
                                        const occi_entity *entity, int source_is_new)
{
    occi_store_status status;
    occi_result r;
    int i;

    for (i = 0; i < entity->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(entity->mixins, i, const char *);

        if (occi_model_find(service->model, mixin)) {
            continue;
        }
        status = occi_store_lock_mixin(service->store, mixin, service->scope);
        if (status == OCCI_STORE_NOT_FOUND) {
            return result(OCCI_RESULT_CONFLICT, 123, apr_psprintf(
                              pool, "mixin %s was deleted meanwhile", mixin));
        }
        if (status != OCCI_STORE_OK) {
            return store_failed(service, 121);
        }
    }
    if (occi_kind_is_link(service->model, entity->kind)) {
        for (i = source_is_new ? 1 : 0; i < 2; i++) {
            const char *end = i ? "occi.core.target" : "occi.core.source";
            const char *reference = occi_entity_get_string(entity, end);
            const char *id = reference ? occi_entity_id_from_reference(pool, reference) : NULL;
            occi_entity *source;

            /* A target outside this server is not ours to keep. */
            if (!id || (i && strstr(reference, "://"))) {
                continue;
            }
            status = occi_store_lock_entity(service->store, id);
            if (status == OCCI_STORE_NOT_FOUND) {
                return result(OCCI_RESULT_CONFLICT, 123, apr_psprintf(
                                  pool, "the %s of the link, %s, was deleted meanwhile",
                                  i ? "target" : "source", reference));
            }
            if (status != OCCI_STORE_OK) {
                return store_failed(service, 121);
            }
            if (i == 0) {
                /* Counted again under the lock: links added to the same
                 * source at once are counted one after the other. */
                if (occi_store_get(service->store, pool, id, NULL, &source) != OCCI_STORE_OK) {
                    return store_failed(service, 121);
                }
                if ((r = occi_service_check_room(service, pool, source, entity)).cls
                    != OCCI_RESULT_OK) {
                    return r;
                }
            }
        }
    }
    for (i = 0; entity->links && i < entity->links->nelts; i++) {
        r = occi_service_lock_relied_on(service, pool,
                                        APR_ARRAY_IDX(entity->links, i, const occi_entity *), 1);
        if (r.cls != OCCI_RESULT_OK) {
            return r;
        }
    }
    return done;
}

/* ---- Storing changed entities, and actions ---------------------------- */

occi_result occi_service_store(const occi_service *service, apr_pool_t *pool,
                               apr_array_header_t *entities, const char *intent)
{
    occi_store_status status = OCCI_STORE_OK;
    occi_result r = done;
    int i;

    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        return store_failed(service, 121);
    }
    for (i = 0; r.cls == OCCI_RESULT_OK && i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        r = occi_service_lock_relied_on(service, pool, entity, 0);
        if (r.cls == OCCI_RESULT_OK) {
            status = occi_store_update(service->store, entity, entity->revision);
            r = status == OCCI_STORE_OK ? done
                : status == OCCI_STORE_CONFLICT || status == OCCI_STORE_NOT_FOUND
                    ? result(OCCI_RESULT_CONFLICT, 124, "an entity changed meanwhile; try again")
                    : store_failed(service, 121);
        }
    }
    return finish(service, intent, r);
}

occi_result occi_service_act(const occi_service *service, apr_pool_t *pool,
                             apr_array_header_t *entities, const char *action,
                             const apr_array_header_t *parameters,
                             const apr_array_header_t *afters)
{
    /* Recorded first: if this process is killed before the states are
     * stored, another stores them from the hypervisor. */
    const char *intent = intent_begin(service, pool, "action", entities);
    occi_result r = done;
    occi_hv_error error;
    int i;

    for (i = 0; r.cls == OCCI_RESULT_OK && i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        const char *after = APR_ARRAY_IDX(afters, i, const char *);

        if (service->hypervisor && occi_hypervisor_backs(entity->kind)) {
            /* A domain defined again (start of a vanished one) keeps its
             * links' devices. */
            if (!occi_kind_is_link(service->model, entity->kind)
                && occi_store_links_from(service->store, pool, entity->id, &entity->links)
                       != OCCI_STORE_OK) {
                r = store_failed(service, 121);
            }
            else if (occi_hypervisor_act(service->hypervisor, pool, entity, action, parameters,
                                         &error) != OCCI_HV_OK) {
                if (i > 0) {
                    error.message = apr_psprintf(pool, "%s (after it ran on %d of %d members)",
                                                 error.message, i, entities->nelts);
                }
                r = occi_result_of_hypervisor(&error, 125);
            }
        }
        else if (after && *after) {
            occi_entity_set_string(pool, entity, occi_state_attribute(entity->kind), after);
        }
    }
    if (r.cls == OCCI_RESULT_OK) {
        r = occi_service_store(service, pool, entities, intent);
    }
    intent_end(service, intent);
    return r;
}

/* ---- Placement on several hosts ----------------------------------------- */

#define KIND_COMPUTE OCCI_SCHEME_INFRA "compute"
#define KIND_STORAGE OCCI_SCHEME_INFRA "storage"
#define KIND_NETWORK OCCI_SCHEME_INFRA "network"

/* What a new resource holds of its host: a compute its cores and memory,
 * a storage its size; a network nothing. */
static void demand_of(const occi_entity *entity, occi_store_allocation *allocation)
{
    if (!strcmp(entity->kind, KIND_COMPUTE)) {
        allocation->cores = (int)occi_entity_get_number(entity, "occi.compute.cores", 1);
        allocation->memory_mib
            = (long long)(occi_entity_get_number(entity, "occi.compute.memory", 1) * 1024 + 0.5);
    }
    else if (!strcmp(entity->kind, KIND_STORAGE)) {
        allocation->disk_mib
            = (long long)(occi_entity_get_number(entity, "occi.storage.size", 0) * 1024 + 0.5);
    }
}

/* The host an existing entity named by reference lives on (NULL: not
 * recorded, or no such entity). */
static const char *host_of_reference(const occi_service *service, apr_pool_t *pool,
                                     const char *reference)
{
    const char *id = reference ? occi_entity_id_from_reference(pool, reference) : NULL;
    occi_entity *entity;

    if (!id || occi_store_get(service->store, pool, id, NULL, &entity) != OCCI_STORE_OK) {
        return NULL;
    }
    return entity->host;
}

/* How long what a host offers is trusted: its processors, memory and pool
 * size change rarely, and placement counts allocations from the store. */
#define CAPACITY_MAX_AGE apr_time_from_sec(10)

/* What each host offers now, asked outside any transaction: a host that
 * does not answer is only left out. */
static apr_array_header_t *host_facts(const occi_service *service, apr_pool_t *pool,
                                      const apr_array_header_t *hosts)
{
    /* Each element is set below: apr_array_make's clearing of the whole
     * array would cost as much again. */
    apr_array_header_t *facts = apr_array_make(pool, 0, sizeof(occi_host_facts));
    occi_hv_capacity *capacities = apr_palloc(pool, (apr_size_t)hosts->nelts
                                                    * sizeof(*capacities));
    int *reachable = apr_palloc(pool, (apr_size_t)hosts->nelts * sizeof(*reachable));
    int i;

    occi_hosts_capacities(service->hypervisor, pool, CAPACITY_MAX_AGE, capacities, reachable);
    facts->elts = apr_palloc(pool, (apr_size_t)hosts->nelts * sizeof(occi_host_facts));
    facts->nalloc = facts->nelts = hosts->nelts;
    for (i = 0; i < hosts->nelts; i++) {
        const occi_host *host = &APR_ARRAY_IDX(hosts, i, occi_host);
        occi_host_facts *f = &APR_ARRAY_IDX(facts, i, occi_host_facts);

        memset(f, 0, sizeof(*f));
        f->name = host->name;
        f->enabled = !host->disabled;
        f->cpu_ratio = host->cpu_ratio;
        f->memory_ratio = host->memory_ratio;
        f->reserved_memory_mib = host->reserved_memory_mib;
        f->reachable = reachable[i];
        if (f->reachable) {
            f->cores = capacities[i].cores;
            f->memory_mib = capacities[i].memory_mib;
            f->disk_capacity_mib = capacities[i].disk_capacity_mib;
            f->disk_available_mib = capacities[i].disk_available_mib;
        }
    }
    return facts;
}

/* The saved OS template a new compute is made from (its term), or NULL. */
static const char *saved_template_of(const occi_service *service, const occi_entity *entity)
{
    size_t length = service->saved_template_scheme ? strlen(service->saved_template_scheme) : 0;
    int i;

    for (i = 0; length && i < entity->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(entity->mixins, i, const char *);

        if (!strncmp(mixin, service->saved_template_scheme, length)) {
            return mixin + length;
        }
    }
    return NULL;
}

/* Which hosts hold the image of saved template term: a saved image lives
 * in the pool of the host its compute was on, and computes made from it
 * overlay it there. Asked only for creates that need one. */
static void add_saved_images(const occi_service *service, apr_pool_t *pool,
                             const apr_array_header_t *hosts, apr_array_header_t *facts,
                             const char *term)
{
    int i, j;

    for (i = 0; i < hosts->nelts; i++) {
        occi_host_facts *f = &APR_ARRAY_IDX(facts, i, occi_host_facts);
        apr_array_header_t *objects, *images = f->images ? apr_array_copy(pool, f->images)
                                                        : apr_array_make(pool, 1,
                                                                         sizeof(const char *));
        occi_hv_error error;

        if (occi_hypervisor_list_objects(APR_ARRAY_IDX(hosts, i, occi_host).hypervisor, pool,
                                         &objects, &error) == OCCI_HV_OK) {
            for (j = 0; j < objects->nelts; j++) {
                const occi_hv_object *object = &APR_ARRAY_IDX(objects, j, occi_hv_object);

                if (!strcmp(object->kind, "os_tpl") && !strcmp(object->id, term)) {
                    APR_ARRAY_PUSH(images, const char *) = term;
                }
            }
        }
        f->images = images;
    }
    (void)service;
}

/* The key of an owner's anti-affinity group in the store: each owner's
 * groups are its own. */
static const char *group_key(const occi_service *service, apr_pool_t *pool, const char *group)
{
    return group ? apr_pstrcat(pool, service->owner ? service->owner : "", "\n", group, NULL)
                 : NULL;
}

/* The groups (keys, as group_key makes them) that are the owner's, by
 * their names (prefix: group_key of ""); NULL when there are none. */
static apr_array_header_t *own_groups(apr_pool_t *pool, const char *prefix,
                                      const apr_array_header_t *keys)
{
    size_t length = strlen(prefix);
    apr_array_header_t *groups = NULL;
    int i;

    for (i = 0; keys && i < keys->nelts; i++) {
        const char *key = APR_ARRAY_IDX(keys, i, const char *);

        if (!strncmp(key, prefix, length)) {
            if (!groups) {
                groups = apr_array_make(pool, 2, sizeof(const char *));
            }
            APR_ARRAY_PUSH(groups, const char *) = key + length;
        }
    }
    return groups;
}

/* The hosts' usage (one struct occi_store_host_usage per host, in their
 * order): the copy this process keeps while the store's count of usage
 * changes is the one it goes with, else read anew (and kept). The count
 * is read first, so that a change committed meanwhile makes the copy newer
 * than its count, never older. *generation receives the count. */
static occi_store_status read_usage(const occi_service *service, apr_pool_t *pool,
                                    int hosts, struct occi_store_host_usage **usage,
                                    long long *generation)
{
    apr_hash_t *by_name;

    *usage = apr_palloc(pool, (apr_size_t)hosts * sizeof(**usage));
    if (occi_store_usage_generation(service->store, generation) != OCCI_STORE_OK) {
        return OCCI_STORE_ERROR;
    }
    if (occi_hosts_known_usage(service->hypervisor, pool, *generation, *usage)) {
        return OCCI_STORE_OK;
    }
    if (occi_store_host_usage(service->store, pool, &by_name) != OCCI_STORE_OK) {
        return OCCI_STORE_ERROR;
    }
    occi_hosts_usage_by_host(service->hypervisor, by_name, *usage);
    occi_hosts_remember_usage(service->hypervisor, *generation, *usage);
    return OCCI_STORE_OK;
}

/* Adds what the store has placed (and administrators disabled) to facts
 * (one per host, in their order); *generation (may be NULL) receives the
 * store's count of usage changes it goes with. */
static occi_store_status add_usage(const occi_service *service, apr_pool_t *pool,
                                   apr_array_header_t *facts, long long *generation)
{
    struct occi_store_host_usage *usage;
    const char *prefix = group_key(service, pool, "");
    apr_hash_t *disabled;
    long long read_at;
    int i;

    if (read_usage(service, pool, facts->nelts, &usage, &read_at) != OCCI_STORE_OK
        || occi_store_disabled_hosts(service->store, pool, &disabled) != OCCI_STORE_OK) {
        return OCCI_STORE_ERROR;
    }
    if (generation) {
        *generation = read_at;
    }
    for (i = 0; i < facts->nelts; i++) {
        occi_host_facts *f = &APR_ARRAY_IDX(facts, i, occi_host_facts);

        if (apr_hash_count(disabled) && apr_hash_get(disabled, f->name, APR_HASH_KEY_STRING)) {
            f->enabled = 0;
        }
        f->allocated_cores = usage[i].cores;
        f->allocated_memory_mib = usage[i].memory_mib;
        f->allocated_disk_mib = usage[i].disk_mib;
        f->computes = usage[i].computes;
        f->groups = own_groups(pool, prefix, usage[i].groups);
    }
    return OCCI_STORE_OK;
}

/* The host a new resource must go on: that of the networks and storages
 * its inline links reach (NULL: any). CONFLICT when they are on different
 * hosts. */
static occi_result required_host(const occi_service *service, apr_pool_t *pool,
                                 const occi_entity *resource, const char **host)
{
    int i;

    *host = NULL;
    for (i = 0; i < resource->links->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(resource->links, i, occi_entity *);
        const char *there = host_of_reference(service, pool,
                                              occi_entity_get_string(link, "occi.core.target"));

        if (there && *host && strcmp(there, *host)) {
            return result(OCCI_RESULT_CONFLICT, 148, "its links reach networks or storages "
                          "on different hosts, which one compute cannot join: a private "
                          "network and a storage live on one host");
        }
        if (there) {
            *host = there;
        }
    }
    return done;
}

/* A standalone link lives on its source's host, and may only reach a
 * target on the same host. */
static occi_result place_link(const occi_service *service, apr_pool_t *pool, occi_entity *link)
{
    const char *source = host_of_reference(service, pool,
                                           occi_entity_get_string(link, "occi.core.source"));
    const char *target = host_of_reference(service, pool,
                                           occi_entity_get_string(link, "occi.core.target"));

    if (source && target && strcmp(source, target)) {
        return result(OCCI_RESULT_CONFLICT, 148, "this link would join a compute and a "
                      "network or storage that live on different hosts: a private network "
                      "and a storage live on one host, with the computes that use them");
    }
    link->host = source;
    return done;
}

/* Chooses a host for each new resource and records its allocation, in one
 * transaction under the placement lock; *placed receives the ids
 * allocated. */
static occi_result place(const occi_service *service, apr_pool_t *pool,
                         apr_array_header_t *entities, apr_array_header_t *placed)
{
    const apr_array_header_t *hosts = occi_hosts_of(service->hypervisor);
    apr_array_header_t *facts, *allocations;
    long long before = -1, after = -1;
    occi_result r = done;
    int i, j, resources = 0;

    if (!hosts) {
        return done;
    }
    for (i = 0; r.cls == OCCI_RESULT_OK && i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        if (occi_kind_is_link(service->model, entity->kind)) {
            r = place_link(service, pool, entity);
        }
        /* A provider network's bridge is on every host: it belongs to
         * none (occi_provider_network.h). */
        else if (!occi_is_provider_network(service->provider_network_scheme, entity)) {
            resources++;
        }
    }
    /* Links take nothing of a host: they need neither its facts nor the
     * lock that every placement waits for. */
    if (r.cls != OCCI_RESULT_OK || !resources) {
        return r;
    }
    facts = host_facts(service, pool, hosts);
    for (i = 0; i < entities->nelts; i++) {
        const char *term = saved_template_of(service, APR_ARRAY_IDX(entities, i, occi_entity *));

        if (term) {
            add_saved_images(service, pool, hosts, facts, term);
        }
    }
    allocations = apr_array_make(pool, resources, sizeof(occi_store_allocation));
    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        return store_failed(service, 149);
    }
    if (occi_store_lock_placement(service->store) != OCCI_STORE_OK
        || add_usage(service, pool, facts, &before) != OCCI_STORE_OK) {
        r = store_failed(service, 149);
    }
    for (i = 0; r.cls == OCCI_RESULT_OK && i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        occi_placement_request request;
        occi_store_allocation allocation;
        const char *why = NULL, *detail = NULL;
        int chosen;

        if (occi_kind_is_link(service->model, entity->kind)
            || occi_is_provider_network(service->provider_network_scheme, entity)) {
            continue;
        }
        memset(&allocation, 0, sizeof(allocation));
        memset(&request, 0, sizeof(request));
        demand_of(entity, &allocation);
        r = required_host(service, pool, entity, &request.host);
        if (r.cls != OCCI_RESULT_OK) {
            break;
        }
        request.cores = allocation.cores;
        request.memory_mib = allocation.memory_mib;
        request.disk_mib = allocation.disk_mib;
        request.image = saved_template_of(service, entity);
        request.group = occi_entity_get_string(entity, OCCI_ANTI_AFFINITY_GROUP);
        allocation.affinity_group = group_key(service, pool, request.group);
        /* The operator's detail names every host: only a refusal is
         * worth its cost. */
        chosen = occi_placement_choose(pool, facts, &request,
                                       service->pack ? OCCI_PLACEMENT_PACK
                                                     : OCCI_PLACEMENT_SPREAD, &why, NULL);
        if (chosen < 0) {
            occi_placement_choose(pool, facts, &request,
                                  service->pack ? OCCI_PLACEMENT_PACK : OCCI_PLACEMENT_SPREAD,
                                  NULL, &detail);
            r = result(OCCI_RESULT_CONFLICT, 147, why);
            r.log_detail = detail;
            break;
        }
        entity->host = APR_ARRAY_IDX(facts, chosen, occi_host_facts).name;
        for (j = 0; j < entity->links->nelts; j++) {
            APR_ARRAY_IDX(entity->links, j, occi_entity *)->host = entity->host;
        }
        allocation.entity_id = entity->id;
        allocation.host = entity->host;
        allocation.kind = entity->kind;
        allocation.owner = service->owner;
        /* Another create of this id came first (a client that repeats a
         * create whose answer it lost): its allocation is its own, and
         * this one stops here without taking or giving back anything. */
        {
            occi_store_allocation *held;
            occi_store_status held_status = occi_store_get_allocation(
                service->store, pool, entity->id, &held);

            if (held_status == OCCI_STORE_OK) {
                r = result(OCCI_RESULT_CONFLICT, 132, "an entity with one of these ids exists "
                           "already, or is being made");
                break;
            }
            if (held_status != OCCI_STORE_NOT_FOUND) {
                r = store_failed(service, 149);
                break;
            }
        }
        if (occi_store_allocate(service->store, &allocation) != OCCI_STORE_OK) {
            r = store_failed(service, 149);
            break;
        }
        APR_ARRAY_PUSH(allocations, occi_store_allocation) = allocation;
        APR_ARRAY_PUSH(placed, const char *) = entity->id;
        /* The next resource of this request sees this one's share. */
        {
            occi_host_facts *f = &APR_ARRAY_IDX(facts, chosen, occi_host_facts);

            f->allocated_cores += allocation.cores;
            f->allocated_memory_mib += allocation.memory_mib;
            f->allocated_disk_mib += allocation.disk_mib;
            f->computes += !strcmp(entity->kind, KIND_COMPUTE);
            if (request.group) {
                apr_array_header_t *groups = f->groups
                    ? apr_array_copy(pool, f->groups)
                    : apr_array_make(pool, 1, sizeof(const char *));

                APR_ARRAY_PUSH(groups, const char *) = request.group;
                f->groups = groups;
            }
        }
    }
    /* The count these allocations brought the usage to, read under the
     * lock: once committed, the next placement of this process reads no
     * more than the count. */
    if (r.cls == OCCI_RESULT_OK
        && occi_store_usage_generation(service->store, &after) != OCCI_STORE_OK) {
        r = store_failed(service, 149);
    }
    r = finish(service, NULL, r);
    if (r.cls != OCCI_RESULT_OK) {
        placed->nelts = 0;
        return r;
    }
    occi_hosts_count_allocations(service->hypervisor, before, after, allocations);
    return r;
}

/* Gives back what a failed create had placed. */
static void unplace(const occi_service *service, const apr_array_header_t *placed)
{
    int i;

    for (i = 0; i < placed->nelts; i++) {
        occi_store_release_allocation(service->store, APR_ARRAY_IDX(placed, i, const char *));
    }
}

/* Whether changed holds more of its host than current. */
static int grows(const occi_entity *current, const occi_entity *changed)
{
    occi_store_allocation before, after;

    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    demand_of(current, &before);
    demand_of(changed, &after);
    return after.cores > before.cores || after.memory_mib > before.memory_mib
           || after.disk_mib > before.disk_mib;
}

/* What the hosts offer, for changes of entities placed on one (currents
 * as read, changeds as they become) when one of them grows; NULL
 * otherwise. Asked before any transaction. */
static apr_array_header_t *facts_for_resize(const occi_service *service, apr_pool_t *pool,
                                            const apr_array_header_t *currents,
                                            const apr_array_header_t *changeds)
{
    const apr_array_header_t *hosts = occi_hosts_of(service->hypervisor);
    int i;

    for (i = 0; hosts && i < changeds->nelts; i++) {
        const occi_entity *current = APR_ARRAY_IDX(currents, i, const occi_entity *);

        if (current->host && grows(current, APR_ARRAY_IDX(changeds, i, const occi_entity *))) {
            return host_facts(service, pool, hosts);
        }
    }
    return NULL;
}

/* Inside the caller's transaction: records what changed now holds of its
 * host, after checking, under the placement lock, that the host has room
 * for what it grows by. CONFLICT when it has not. */
static occi_result resize_allocation(const occi_service *service, apr_pool_t *pool,
                                     const occi_entity *changed, apr_array_header_t *facts)
{
    occi_store_allocation *held, wanted;
    occi_placement_request request;
    const char *why = NULL, *detail = NULL;
    occi_store_status status;

    if (!changed->host || !occi_hosts_of(service->hypervisor)) {
        return done;
    }
    status = occi_store_get_allocation(service->store, pool, changed->id, &held);
    if (status == OCCI_STORE_NOT_FOUND) {
        return done;                   /* placed before hosts were counted */
    }
    if (status != OCCI_STORE_OK) {
        return store_failed(service, 150);
    }
    wanted = *held;
    wanted.cores = 0;
    wanted.memory_mib = wanted.disk_mib = 0;
    demand_of(changed, &wanted);
    if (wanted.cores == held->cores && wanted.memory_mib == held->memory_mib
        && wanted.disk_mib == held->disk_mib) {
        return done;
    }
    memset(&request, 0, sizeof(request));
    request.cores = wanted.cores > held->cores ? wanted.cores - held->cores : 0;
    request.memory_mib = wanted.memory_mib > held->memory_mib
                         ? wanted.memory_mib - held->memory_mib : 0;
    request.disk_mib = wanted.disk_mib > held->disk_mib ? wanted.disk_mib - held->disk_mib : 0;
    request.host = changed->host;
    request.host_role = "its host";
    if (facts && (request.cores || request.memory_mib || request.disk_mib)) {
        if (occi_store_lock_placement(service->store) != OCCI_STORE_OK
            || add_usage(service, pool, facts, NULL) != OCCI_STORE_OK) {
            return store_failed(service, 150);
        }
        if (occi_placement_choose(pool, facts, &request, OCCI_PLACEMENT_SPREAD, &why, &detail)
            < 0) {
            occi_result r = result(OCCI_RESULT_CONFLICT, 151, why);

            r.log_detail = detail;
            return r;
        }
    }
    return occi_store_allocate(service->store, &wanted) == OCCI_STORE_OK
           ? done : store_failed(service, 150);
}

/* ---- Quotas ------------------------------------------------------------ */

static void amounts_of(const occi_store_tenant_usage *usage, occi_quota_amounts *amounts)
{
    amounts->amount[OCCI_QUOTA_CORES] = usage->cores;
    amounts->amount[OCCI_QUOTA_MEMORY] = usage->memory_mib;
    amounts->amount[OCCI_QUOTA_STORAGE] = usage->storage_mib;
    amounts->amount[OCCI_QUOTA_COMPUTES] = usage->computes;
    amounts->amount[OCCI_QUOTA_NETWORKS] = usage->networks;
}

/* The quota decision on a change of owner's that asks asked, from what
 * the store says owner holds: before the change is written (written 0),
 * what it asks is added; once written, inside its transaction, the store
 * counts it already, and the owner's lock, taken first, makes the checks
 * of one owner take turns until their transactions end, each counting
 * what those before it committed. FORBIDDEN when over a limit; OK at once
 * when owner has no limit or the change asks for nothing. */
static occi_result check_quota(const occi_service *service, apr_pool_t *pool,
                               const char *owner, const occi_quota_amounts *asked, int written)
{
    occi_store_tenant_usage usage;
    occi_quota_limits limits;
    occi_quota_amounts after;
    const char *over;
    int i;

    if (!service->quotas || !occi_quota_asks(asked)) {
        return done;
    }
    occi_quota_resolve(service->quotas, owner, &limits);
    if (!occi_quota_limited(&limits)) {
        return done;
    }
    if ((written && occi_store_lock_tenant(service->store, owner ? owner : "")
                        != OCCI_STORE_OK)
        || occi_store_read_tenant_usage(service->store, owner ? owner : "", &usage)
               != OCCI_STORE_OK) {
        return store_failed(service, 177);
    }
    amounts_of(&usage, &after);
    for (i = 0; !written && i < OCCI_QUOTA_DIMENSIONS; i++) {
        after.amount[i] += asked->amount[i];
    }
    over = occi_quota_check(pool, owner ? owner : "", &limits, &after, asked);
    return over ? result(OCCI_RESULT_FORBIDDEN, 176, over) : done;
}

/* What new entities (with their inline links) ask of their owner's quota. */
static void demand_of_all(const apr_array_header_t *entities, occi_quota_amounts *asked)
{
    int i, j;

    memset(asked, 0, sizeof(*asked));
    for (i = 0; i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, const occi_entity *);

        occi_quota_add_demand(entity, asked);
        for (j = 0; entity->links && j < entity->links->nelts; j++) {
            occi_quota_add_demand(APR_ARRAY_IDX(entity->links, j, const occi_entity *), asked);
        }
    }
}

/* What changes (currents as read, changeds as they become) grow, per
 * owner: owner -> occi_quota_amounts *; NULL when nothing grows or no
 * quota is in force. */
static apr_hash_t *growth_by_owner(const occi_service *service, apr_pool_t *pool,
                                   const apr_array_header_t *currents,
                                   const apr_array_header_t *changeds)
{
    apr_hash_t *growth = NULL;
    int i;

    for (i = 0; service->quotas && i < currents->nelts; i++) {
        const occi_entity *current = APR_ARRAY_IDX(currents, i, const occi_entity *);
        const char *owner = current->owner ? current->owner : "";
        occi_quota_amounts grown, *sum;
        int d;

        memset(&grown, 0, sizeof(grown));
        occi_quota_add_growth(current, APR_ARRAY_IDX(changeds, i, const occi_entity *), &grown);
        if (!occi_quota_asks(&grown)) {
            continue;
        }
        growth = growth ? growth : apr_hash_make(pool);
        if (!(sum = apr_hash_get(growth, owner, APR_HASH_KEY_STRING))) {
            sum = apr_pcalloc(pool, sizeof(*sum));
            apr_hash_set(growth, owner, APR_HASH_KEY_STRING, sum);
        }
        for (d = 0; d < OCCI_QUOTA_DIMENSIONS; d++) {
            sum->amount[d] += grown.amount[d];
        }
    }
    return growth;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* check_quota for each owner of growth (may be NULL), in order of their
 * names, so that the sentence does not depend on a hash's order. */
static occi_result check_growth(const occi_service *service, apr_pool_t *pool,
                                apr_hash_t *growth, int written)
{
    apr_array_header_t *owners;
    apr_hash_index_t *each;
    occi_result r = done;
    int i;

    if (!growth) {
        return done;
    }
    owners = apr_array_make(pool, (int)apr_hash_count(growth), sizeof(const char *));
    for (each = apr_hash_first(pool, growth); each; each = apr_hash_next(each)) {
        const void *owner;

        apr_hash_this(each, &owner, NULL, NULL);
        APR_ARRAY_PUSH(owners, const char *) = owner;
    }
    qsort(owners->elts, (size_t)owners->nelts, sizeof(const char *), by_name);
    for (i = 0; r.cls == OCCI_RESULT_OK && i < owners->nelts; i++) {
        const char *owner = APR_ARRAY_IDX(owners, i, const char *);

        r = check_quota(service, pool, owner, apr_hash_get(growth, owner, APR_HASH_KEY_STRING),
                        written);
    }
    return r;
}

occi_result occi_service_quotas(const occi_service *service, apr_pool_t *pool,
                                const char *kind_id, apr_array_header_t **quotas)
{
    const char *own = service->owner ? service->owner : "";
    apr_hash_t *used = apr_hash_make(pool);
    apr_array_header_t *tenants = apr_array_make(pool, 4, sizeof(const char *)), *usages;
    occi_store_tenant_usage mine;
    int i;

    if (service->scope) {
        if (occi_store_read_tenant_usage(service->store, own, &mine) != OCCI_STORE_OK) {
            return store_failed(service, 177);
        }
        apr_hash_set(used, own, APR_HASH_KEY_STRING, &mine);
        APR_ARRAY_PUSH(tenants, const char *) = own;
    }
    else {
        apr_array_header_t *named = occi_quota_tenants(pool, service->quotas);

        if (occi_store_list_tenant_usages(service->store, pool, &usages) != OCCI_STORE_OK) {
            return store_failed(service, 177);
        }
        for (i = 0; i < usages->nelts; i++) {
            occi_store_tenant_usage *usage = APR_ARRAY_IDX(usages, i, occi_store_tenant_usage *);

            apr_hash_set(used, usage->owner, APR_HASH_KEY_STRING, usage);
        }
        APR_ARRAY_PUSH(named, const char *) = own;
        for (i = 0; i < named->nelts; i++) {
            const char *tenant = APR_ARRAY_IDX(named, i, const char *);

            if (!apr_hash_get(used, tenant, APR_HASH_KEY_STRING)) {
                occi_store_tenant_usage *none = apr_pcalloc(pool, sizeof(*none));

                none->owner = tenant;
                apr_hash_set(used, tenant, APR_HASH_KEY_STRING, none);
            }
        }
        for (i = 0; i < usages->nelts; i++) {
            APR_ARRAY_PUSH(tenants, const char *) =
                APR_ARRAY_IDX(usages, i, occi_store_tenant_usage *)->owner;
        }
        /* The named tenants without usage, and the requester's own, among
         * them in order of their names. */
        for (i = 0; i < named->nelts; i++) {
            const char *tenant = APR_ARRAY_IDX(named, i, const char *);
            int j, known = 0;

            for (j = 0; !known && j < tenants->nelts; j++) {
                known = !strcmp(APR_ARRAY_IDX(tenants, j, const char *), tenant);
            }
            if (!known) {
                APR_ARRAY_PUSH(tenants, const char *) = tenant;
                for (j = tenants->nelts - 1;
                     j > 0 && strcmp(APR_ARRAY_IDX(tenants, j - 1, const char *), tenant) > 0;
                     j--) {
                    APR_ARRAY_IDX(tenants, j, const char *) =
                        APR_ARRAY_IDX(tenants, j - 1, const char *);
                    APR_ARRAY_IDX(tenants, j - 1, const char *) = tenant;
                }
            }
        }
    }
    *quotas = apr_array_make(pool, tenants->nelts, sizeof(occi_entity *));
    for (i = 0; i < tenants->nelts; i++) {
        const char *tenant = APR_ARRAY_IDX(tenants, i, const char *);
        occi_quota_limits limits;
        occi_quota_amounts amounts;

        amounts_of(apr_hash_get(used, tenant, APR_HASH_KEY_STRING), &amounts);
        occi_quota_resolve(service->quotas, tenant, &limits);
        APR_ARRAY_PUSH(*quotas, occi_entity *) = occi_quota_entity(pool, kind_id, tenant,
                                                                  &amounts, &limits);
    }
    return done;
}

/* ---- Create ------------------------------------------------------------ */

/* What a creation made on the hypervisor, to undo it. */
typedef struct {
    const occi_entity *entity;
    const occi_entity *source;     /* a link's compute */
} made_object;

/* What a new link reaches, when the hypervisor needs it to make the
 * device: a network interface's network (a provider network's bridge is
 * made known to the host on first use). NULL otherwise, or when it is not
 * stored yet. */
static const occi_entity *target_of(const occi_service *service, apr_pool_t *pool,
                                    const occi_entity *link)
{
    const char *target = occi_entity_get_string(link, "occi.core.target");
    occi_entity *found;

    if (!service->provider_network_scheme
        || strcmp(link->kind, OCCI_SCHEME_INFRA "networkinterface") || !target
        || occi_store_get(service->store, pool, occi_entity_id_from_reference(pool, target),
                          NULL, &found) != OCCI_STORE_OK) {
        return NULL;
    }
    return found;
}

static occi_hv_status make(const occi_service *service, apr_pool_t *pool,
                           apr_array_header_t *made, occi_entity *entity,
                           const occi_entity *source, occi_hv_error *error)
{
    made_object *m;
    const occi_entity *target = NULL;

    if (occi_kind_is_link(service->model, entity->kind)) {
        source = source ? source : source_of(pool, entity);
        target = target_of(service, pool, entity);
    }
    if (occi_hypervisor_create_entity(service->hypervisor, pool, entity, source, target, error)
        != OCCI_HV_OK) {
        return error->status;
    }
    m = apr_array_push(made);
    m->entity = entity;
    m->source = source;
    return OCCI_HV_OK;
}

static void unmake_all(const occi_service *service, apr_pool_t *pool,
                       const apr_array_header_t *made)
{
    occi_hv_error ignored;
    int i;

    for (i = made->nelts - 1; i >= 0; i--) {
        const made_object *m = &APR_ARRAY_IDX(made, i, made_object);

        occi_hypervisor_delete_entity(service->hypervisor, pool, m->entity, m->source,
                                      &ignored);
    }
}

/* A create of an id the client chose (PUT) may repeat one whose process
 * died: its objects may still be on the hypervisor until that change is
 * undone. */
static occi_result check_no_change_under_way(const occi_service *service, apr_pool_t *pool,
                                             const apr_array_header_t *entities)
{
    apr_array_header_t *intents;
    occi_result r;
    int i;

    for (i = 0; i < entities->nelts; i++) {
        if (occi_store_list_intents(service->store, pool, OCCI_CHANGE_VERB,
                                    APR_ARRAY_IDX(entities, i, occi_entity *)->id, NULL,
                                    &intents) != OCCI_STORE_OK) {
            return store_failed(service, 131);
        }
        if (intents->nelts) {
            r = result(OCCI_RESULT_CONFLICT, 129, "a change of this entity that another "
                       "process began is not finished yet (a process that dies is replaced "
                       "within about 20 s); try again after Retry-After");
            r.retry_after = OCCI_CHANGE_LEASE_SECONDS + 2;
            return r;
        }
    }
    return done;
}

static int any_links(const occi_service *service, const apr_array_header_t *entities)
{
    int i;

    for (i = 0; i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        if (entity->links->nelts > 0 || occi_kind_is_link(service->model, entity->kind)) {
            return 1;
        }
    }
    return 0;
}

static occi_result insert(const occi_service *service, const occi_entity *entity)
{
    occi_store_status status = occi_store_insert(service->store, entity);

    return status == OCCI_STORE_OK ? done
           : status == OCCI_STORE_CONFLICT
               ? result(OCCI_RESULT_CONFLICT, 132, "an entity with one of these ids exists "
                        "already")
           : store_failed(service, 131);
}

occi_result occi_service_create(const occi_service *service, apr_pool_t *pool,
                                apr_array_header_t *entities)
{
    apr_array_header_t *made = apr_array_make(pool, 4, sizeof(made_object));
    apr_array_header_t *placed = apr_array_make(pool, 4, sizeof(const char *));
    occi_result r = done;
    occi_quota_amounts asked;
    occi_hv_error error;
    const char *intent;
    int i, j, ended = 0;

    /* Over the quota already: refused before anything is made. */
    demand_of_all(entities, &asked);
    if ((r = check_quota(service, pool, service->owner, &asked, 0)).cls != OCCI_RESULT_OK) {
        return r;
    }
    if (service->hypervisor
        && (r = check_no_change_under_way(service, pool, entities)).cls != OCCI_RESULT_OK) {
        return r;
    }
    /* Recorded first: a process killed before the commit leaves objects
     * on the hypervisor (and their allocations) that another process then
     * removes. The hypervisor's part is done before the transaction
     * begins: on SQLite a transaction holds the database's only write lock,
     * and defining a domain or copying a disk must not keep every other
     * writer waiting. */
    intent = intent_begin(service, pool, "create", entities);
    if (service->hypervisor) {
        r = place(service, pool, entities, placed);
    }
    for (i = 0; service->hypervisor && r.cls == OCCI_RESULT_OK && i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        if (make(service, pool, made, entity, NULL, &error) != OCCI_HV_OK) {
            r = occi_result_of_hypervisor(&error, 130);
        }
        for (j = 0; r.cls == OCCI_RESULT_OK && j < entity->links->nelts; j++) {
            if (make(service, pool, made, APR_ARRAY_IDX(entity->links, j, occi_entity *),
                     entity, &error) != OCCI_HV_OK) {
                r = occi_result_of_hypervisor(&error, 130);
            }
        }
    }
    if (r.cls == OCCI_RESULT_OK && intent && any_links(service, entities)) {
        /* Again, with what the hypervisor chose for links (a MAC finds a
         * device); resources alone are found by their ids. */
        occi_store_set_intent_detail(service->store, intent, service->holder,
                                     occi_change_describe(pool, service->model, "create",
                                                          service->hypervisor_uri, entities));
    }
    if (r.cls == OCCI_RESULT_OK && occi_store_begin(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 131);
    }
    else if (r.cls == OCCI_RESULT_OK) {
        for (i = 0; r.cls == OCCI_RESULT_OK && i < entities->nelts; i++) {
            occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

            r = occi_service_lock_relied_on(service, pool, entity, 0);
            if (r.cls == OCCI_RESULT_OK) {
                r = insert(service, entity);
            }
            for (j = 0; r.cls == OCCI_RESULT_OK && j < entity->links->nelts; j++) {
                r = insert(service, APR_ARRAY_IDX(entity->links, j, occi_entity *));
            }
        }
        /* The rows are written: the owner's usage counts them, with what
         * every creation committed before the owner's lock was taken. */
        if (r.cls == OCCI_RESULT_OK) {
            r = check_quota(service, pool, service->owner, &asked, 1);
        }
        r = finish_with_intent(service, intent, r, &ended);
    }
    if (r.cls != OCCI_RESULT_OK && service->hypervisor) {
        unmake_all(service, pool, made);
        unplace(service, placed);
    }
    if (ended && service->intents_held) {
        service->intents_held(service->data, -1);
    }
    else {
        intent_end(service, intent);
    }
    return r;
}

/* ---- Update ------------------------------------------------------------ */

/* The row first, inside the transaction, checking that the entity is still
 * at the revision read; then the hypervisor (a change it refuses rolls the
 * row back); then the commit. A concurrent change of the same entity waits
 * for the row or finds its revision moved on, so the hypervisor is never
 * changed to what the store then refuses. */
/* A network interface changed to reach another network: that network made
 * known to the host of its compute first (a provider network's host
 * learns of it when a compute there first joins it). */
static occi_result join_new_target(const occi_service *service, apr_pool_t *pool,
                                   const occi_entity *current, const occi_entity *changed)
{
    const char *before = occi_entity_get_string(current, "occi.core.target");
    const char *after = occi_entity_get_string(changed, "occi.core.target");
    const char *id = after ? occi_entity_id_from_reference(pool, after) : NULL;
    occi_entity *network;
    occi_hv_error error;

    if (strcmp(changed->kind, OCCI_SCHEME_INFRA "networkinterface") || !id
        || (before && !strcmp(before, after))) {
        return done;
    }
    if (occi_store_get(service->store, pool, id, NULL, &network) != OCCI_STORE_OK) {
        return done;                   /* the update itself says what is wrong */
    }
    if (occi_hypervisor_join_network(service->hypervisor, pool, changed, network, &error)
        != OCCI_HV_OK) {
        return occi_result_of_hypervisor(&error, 128);
    }
    return done;
}

occi_result occi_service_update(const occi_service *service, apr_pool_t *pool,
                                occi_entity *current, occi_entity *changed, const char *what)
{
    apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *)), *facts;
    occi_store_status status;
    occi_result r = done;
    occi_hv_error error;
    const char *intent;
    apr_hash_t *growth;
    int hypervisor_changed = 0;

    {
        apr_array_header_t *read = apr_array_make(pool, 1, sizeof(occi_entity *));
        apr_array_header_t *becomes = apr_array_make(pool, 1, sizeof(occi_entity *));

        APR_ARRAY_PUSH(read, occi_entity *) = current;
        APR_ARRAY_PUSH(becomes, occi_entity *) = changed;
        growth = growth_by_owner(service, pool, read, becomes);
    }
    /* Over the quota already: refused before the hypervisor is asked. */
    if ((r = check_growth(service, pool, growth, 0)).cls != OCCI_RESULT_OK) {
        return r;
    }
    if (service->hypervisor && current->links->nelts == 0
        && !occi_kind_is_link(service->model, current->kind)) {
        /* A redefinition (new sizes) keeps the links' devices. */
        if (occi_store_links_from(service->store, pool, current->id, &current->links)
            != OCCI_STORE_OK) {
            return store_failed(service, 126);
        }
        changed->links = current->links;
    }
    /* If this process is killed before the commit, another one changes
     * the hypervisor back to what the store holds. */
    APR_ARRAY_PUSH(one, occi_entity *) = changed;
    {
        apr_array_header_t *read = apr_array_make(pool, 1, sizeof(occi_entity *));

        APR_ARRAY_PUSH(read, occi_entity *) = current;
        facts = facts_for_resize(service, pool, read, one);
    }
    intent = intent_begin(service, pool, apr_psprintf(pool, "update %" APR_INT64_T_FMT,
                                                      (apr_int64_t)current->revision), one);
    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 126);
        intent_end(service, intent);
        return r;
    }
    r = occi_service_lock_relied_on(service, pool, changed, 0);
    if (r.cls == OCCI_RESULT_OK) {
        status = occi_store_update(service->store, changed, current->revision);
        r = status == OCCI_STORE_OK ? done
            : status == OCCI_STORE_CONFLICT
                ? result(OCCI_RESULT_STALE, 127, apr_psprintf(
                             pool, "the entity changed while it was %s; read it again", what))
            : status == OCCI_STORE_NOT_FOUND
                ? result(OCCI_RESULT_NOT_FOUND, 119, "the entity was deleted meanwhile")
            : store_failed(service, 126);
    }
    if (r.cls == OCCI_RESULT_OK) {
        r = check_growth(service, pool, growth, 1);
    }
    if (r.cls == OCCI_RESULT_OK) {
        r = resize_allocation(service, pool, changed, facts);
    }
    if (r.cls == OCCI_RESULT_OK && service->hypervisor) {
        r = join_new_target(service, pool, current, changed);
    }
    if (r.cls == OCCI_RESULT_OK && service->hypervisor) {
        if (occi_hypervisor_update(service->hypervisor, pool, current, changed, &error)
            != OCCI_HV_OK) {
            r = occi_result_of_hypervisor(&error, 128);
        }
        else {
            hypervisor_changed = 1;
        }
    }
    r = finish(service, intent, r);
    if (r.cls != OCCI_RESULT_OK && hypervisor_changed) {
        /* The commit failed after the hypervisor changed: back. */
        occi_hv_error ignored;

        occi_hypervisor_update(service->hypervisor, pool, changed,
                               occi_entity_copy(pool, current), &ignored);
    }
    intent_end(service, intent);
    return r;
}

/* ---- Delete ------------------------------------------------------------ */

/* Removes what entity stands for from the hypervisor, if there is one;
 * *removed is set once it has. */
static occi_hv_status unmake(const occi_service *service, apr_pool_t *pool,
                             const occi_entity *entity, const occi_entity *source,
                             int *removed, occi_hv_error *error)
{
    if (!service->hypervisor) {
        return OCCI_HV_OK;
    }
    if (occi_hypervisor_delete_entity(service->hypervisor, pool, entity, source, error)
        != OCCI_HV_OK) {
        return error->status;
    }
    *removed = 1;
    return OCCI_HV_OK;
}

/* One entity, inside the caller's transaction: the links that point at it
 * (they would name a resource that is gone), the devices of the links that
 * start at it (the store deletes their rows with it), then itself. */
static occi_result delete_one(const occi_service *service, apr_pool_t *pool,
                              const occi_entity *entity, int *removed)
{
    occi_store *store = service->store;
    apr_array_header_t *links;
    occi_store_status status;
    occi_hv_error error;
    int i, is_link = occi_kind_is_link(service->model, entity->kind);

    /* First, so that a link created meanwhile to or from it is either
     * committed and found below, or waits and finds it gone. */
    status = occi_store_lock_entity(store, entity->id);
    if (status == OCCI_STORE_OK) {
        status = occi_store_links_to(store, pool,
                                     occi_entity_location(pool, service->model, entity), &links);
    }
    for (i = 0; status == OCCI_STORE_OK && i < links->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(links, i, occi_entity *);

        if (unmake(service, pool, link, source_of(pool, link), removed, &error)
            != OCCI_HV_OK) {
            return occi_result_of_hypervisor(&error, 118);
        }
        status = occi_store_delete(store, link->id, NULL);
        status = status == OCCI_STORE_NOT_FOUND ? OCCI_STORE_OK : status;
    }
    /* On the hypervisor the links that start at it may hold more than the
     * domain, such as a network's DHCP reservation. */
    if (status == OCCI_STORE_OK && service->hypervisor && !is_link) {
        status = occi_store_links_from(store, pool, entity->id, &links);
        for (i = 0; status == OCCI_STORE_OK && i < links->nelts; i++) {
            if (unmake(service, pool, APR_ARRAY_IDX(links, i, occi_entity *), entity, removed,
                       &error) != OCCI_HV_OK) {
                return occi_result_of_hypervisor(&error, 118);
            }
        }
    }
    if (status == OCCI_STORE_OK) {
        if (unmake(service, pool, entity, is_link ? source_of(pool, entity) : NULL, removed,
                   &error) != OCCI_HV_OK) {
            return occi_result_of_hypervisor(&error, 118);
        }
        status = occi_store_delete(store, entity->id, service->scope);
    }
    if (status == OCCI_STORE_NOT_FOUND) {
        return result(OCCI_RESULT_NOT_FOUND, 119, "the entity was deleted meanwhile");
    }
    return status == OCCI_STORE_OK ? done : store_failed(service, 120);
}

occi_result occi_service_delete(const occi_service *service, apr_pool_t *pool,
                                const apr_array_header_t *entities, int skip_gone)
{
    /* A process killed before the commit leaves the rest to another. */
    const char *intent = intent_begin(service, pool, "delete", entities);
    occi_result r = done;
    int i, removed = 0;

    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 120);
        intent_end(service, intent);
        return r;
    }
    for (i = 0; r.cls == OCCI_RESULT_OK && i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        occi_entity *still;

        /* An earlier one's deletion may have taken this one (a link). */
        if (skip_gone && occi_store_get(service->store, pool, entity->id, service->scope,
                                        &still) != OCCI_STORE_OK) {
            continue;
        }
        r = delete_one(service, pool, entity, &removed);
    }
    r = finish(service, intent, r);
    if (r.cls != OCCI_RESULT_OK && removed && intent) {
        /* The hypervisor has removed objects that the rows, rolled back,
         * still name, and they cannot be made again: recovery carries the
         * deletion through. */
        intent_leave(service, intent);
        return r;
    }
    intent_end(service, intent);
    return r;
}

/* ---- Reads ------------------------------------------------------------ */

occi_result occi_service_get(const occi_service *service, apr_pool_t *pool, const char *id,
                             int any_owner, occi_entity **entity)
{
    switch (occi_store_get(service->store, pool, id, any_owner ? NULL : service->scope,
                           entity)) {
    case OCCI_STORE_OK:
        return done;
    case OCCI_STORE_NOT_FOUND:
        return result(OCCI_RESULT_NOT_FOUND, 146, apr_psprintf(pool, "there is no entity %s",
                                                               id));
    default:
        return store_failed(service, 133);
    }
}

/* The compute id, as the service's requester may see it; NOT_FOUND (log
 * number) for another kind's entity of that id as for none. */
static occi_result visible_compute(const occi_service *service, apr_pool_t *pool, const char *id,
                                   int number, occi_entity **compute)
{
    occi_result r = occi_service_get(service, pool, id, 0, compute);

    if (r.cls == OCCI_RESULT_OK && strcmp((*compute)->kind, OCCI_SCHEME_INFRA "compute")) {
        return result(OCCI_RESULT_NOT_FOUND, number, apr_psprintf(pool, "there is no compute %s",
                                                                  id));
    }
    return r;
}

occi_result occi_service_screen(const occi_service *service, apr_pool_t *pool, const char *id,
                                int seconds, occi_hv_screen *screen)
{
    occi_entity *compute = NULL;
    occi_result r = visible_compute(service, pool, id, 179, &compute);
    const char *password = NULL;
    occi_hv_error error;

    memset(screen, 0, sizeof(*screen));
    if (r.cls != OCCI_RESULT_OK) {
        return r;
    }
    if (!service->hypervisor) {
        return result(OCCI_RESULT_CONFLICT, 179, "computes have no screen here: they live in "
                      "the store alone (OCCILibvirtURI none)");
    }
    if (seconds > 0 && !(password = occi_hypervisor_screen_password(pool))) {
        return result(OCCI_RESULT_FAILED, 179, "no random bytes for the screen's password");
    }
    if (occi_hypervisor_screen(service->hypervisor, pool, compute, password, seconds, screen,
                               &error) != OCCI_HV_OK) {
        return occi_result_of_hypervisor(&error, 179);
    }
    return done;
}

occi_result occi_service_usage(const occi_service *service, apr_pool_t *pool, const char *id,
                               long long now, int interval, apr_array_header_t **points)
{
    occi_entity *compute = NULL;
    occi_result r = visible_compute(service, pool, id, 181, &compute);
    apr_array_header_t *samples, *all;
    long long since = now - OCCI_USAGE_KEPT_SECONDS;
    int i;

    *points = NULL;
    if (r.cls != OCCI_RESULT_OK) {
        return r;
    }
    if (!service->hypervisor) {
        return result(OCCI_RESULT_CONFLICT, 181, "computes' usage is not recorded here: they "
                      "live in the store alone (OCCILibvirtURI none)");
    }
    /* One reading more than the hour: the first point's rate needs it. */
    if (occi_store_list_usage(service->store, pool, id, since - interval, &samples)
        != OCCI_STORE_OK) {
        return store_failed(service, 181);
    }
    all = occi_usage_points(pool, samples, interval);
    *points = apr_array_make(pool, all->nelts ? all->nelts : 1, sizeof(occi_usage_point));
    for (i = 0; i < all->nelts; i++) {
        const occi_usage_point *point = &APR_ARRAY_IDX(all, i, occi_usage_point);

        if (point->at >= since) {
            APR_ARRAY_PUSH(*points, occi_usage_point) = *point;
        }
    }
    return done;
}

occi_result occi_service_load_links(const occi_service *service, apr_pool_t *pool,
                                    occi_entity *resource)
{
    if (occi_kind_is_link(service->model, resource->kind)) {
        return done;
    }
    if (occi_store_links_from(service->store, pool, resource->id, &resource->links)
        != OCCI_STORE_OK) {
        return store_failed(service, 133);
    }
    return done;
}

occi_result occi_service_load_links_of_all(const occi_service *service, apr_pool_t *pool,
                                           apr_array_header_t *entities)
{
    apr_array_header_t *sources = apr_array_make(pool, entities->nelts, sizeof(const char *));
    apr_hash_t *links;
    int i;

    for (i = 0; i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        if (!occi_kind_is_link(service->model, entity->kind)) {
            APR_ARRAY_PUSH(sources, const char *) = entity->id;
        }
    }
    if (sources->nelts == 0) {
        return done;
    }
    if (occi_store_links_from_many(service->store, pool, sources, &links) != OCCI_STORE_OK) {
        return store_failed(service, 133);
    }
    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        apr_array_header_t *of_entity = apr_hash_get(links, entity->id, APR_HASH_KEY_STRING);

        if (of_entity) {
            entity->links = of_entity;
        }
    }
    return done;
}

occi_result occi_service_list(const occi_service *service, apr_pool_t *pool,
                              const occi_store_query *query, apr_array_header_t **found)
{
    if (occi_store_list(service->store, pool, query, found) != OCCI_STORE_OK) {
        return store_failed(service, 133);
    }
    return done;
}

occi_result occi_service_user_mixins(const occi_service *service, apr_pool_t *pool,
                                     apr_array_header_t **mixins)
{
    apr_hash_t *seen = apr_hash_make(pool);
    apr_array_header_t *all;
    int i;

    if (occi_store_list_mixins(service->store, pool, service->scope, &all, NULL)
        != OCCI_STORE_OK) {
        return store_failed(service, 133);
    }
    /* Owners each have their own type ids; an administrator, who sees them
     * all, sees the oldest definition of each. */
    *mixins = apr_array_make(pool, all->nelts, sizeof(occi_category *));
    for (i = 0; i < all->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(all, i, const occi_category *);
        const char *type_id = occi_category_type_id(pool, mixin);

        if (!apr_hash_get(seen, type_id, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, type_id, APR_HASH_KEY_STRING, mixin);
            APR_ARRAY_PUSH(*mixins, const occi_category *) = mixin;
        }
    }
    return done;
}

occi_result occi_service_observe(const occi_service *service, apr_pool_t *pool,
                                 apr_array_header_t *entities)
{
    apr_array_header_t *all;
    occi_hv_error error;
    int i;

    if (!service->hypervisor || !entities->nelts) {
        return done;
    }
    /* Resources with their inline links, asked about in one go. */
    all = apr_array_copy(pool, entities);
    for (i = 0; i < entities->nelts; i++) {
        apr_array_cat(all, APR_ARRAY_IDX(entities, i, occi_entity *)->links);
    }
    if (occi_hypervisor_observe(service->hypervisor, pool, all, &error) != OCCI_HV_OK) {
        return occi_result_of_hypervisor(&error, 134);
    }
    return done;
}

apr_array_header_t *occi_service_runnable_actions(const occi_service *service,
                                                  apr_pool_t *pool,
                                                  const occi_entity *entity)
{
    return occi_hypervisor_runnable_actions(service->hypervisor, pool, service->model, entity);
}

/* ---- Changes of several entities at once ------------------------------ */

occi_result occi_service_update_all(const occi_service *service, apr_pool_t *pool,
                                    apr_array_header_t *currents,
                                    apr_array_header_t *changeds)
{
    const char *what = "update";
    const char *intent;
    apr_array_header_t *facts;
    occi_store_status status;
    occi_result r = done;
    occi_hv_error error;
    apr_hash_t *growth = growth_by_owner(service, pool, currents, changeds);
    int i, changed_on_hypervisor = 0;

    /* Over a quota already: refused before the hypervisor is asked. */
    if ((r = check_growth(service, pool, growth, 0)).cls != OCCI_RESULT_OK) {
        return r;
    }
    for (i = 0; service->hypervisor && i < currents->nelts; i++) {
        occi_entity *current = APR_ARRAY_IDX(currents, i, occi_entity *);

        /* A redefinition (new sizes) keeps the links' devices. */
        r = occi_service_load_links(service, pool, current);
        if (r.cls != OCCI_RESULT_OK) {
            return r;
        }
        APR_ARRAY_IDX(changeds, i, occi_entity *)->links = current->links;
    }
    /* The revision each was read at, in order: if this process is killed
     * before the commit, another one changes the hypervisor back to what
     * the store holds for those that are still at it. */
    for (i = 0; i < currents->nelts; i++) {
        what = apr_psprintf(pool, "%s %" APR_INT64_T_FMT, what,
                            (apr_int64_t)APR_ARRAY_IDX(currents, i, occi_entity *)->revision);
    }
    facts = facts_for_resize(service, pool, currents, changeds);
    intent = intent_begin(service, pool, what, changeds);
    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 121);
        intent_end(service, intent);
        return r;
    }
    for (i = 0; r.cls == OCCI_RESULT_OK && i < changeds->nelts; i++) {
        occi_entity *changed = APR_ARRAY_IDX(changeds, i, occi_entity *);

        r = occi_service_lock_relied_on(service, pool, changed, 0);
        if (r.cls == OCCI_RESULT_OK) {
            status = occi_store_update(service->store, changed,
                                       APR_ARRAY_IDX(currents, i, occi_entity *)->revision);
            r = status == OCCI_STORE_OK ? done
                : status == OCCI_STORE_CONFLICT || status == OCCI_STORE_NOT_FOUND
                    ? result(OCCI_RESULT_CONFLICT, 124, "an entity changed meanwhile; try again")
                    : store_failed(service, 121);
        }
    }
    /* The owners' usage counts the rows written: the quotas (each owner's
     * lock, in order of their names), then the hosts' room, whose lock
     * every writer takes after its owners' rows and locks. */
    if (r.cls == OCCI_RESULT_OK) {
        r = check_growth(service, pool, growth, 1);
    }
    for (i = 0; r.cls == OCCI_RESULT_OK && i < changeds->nelts; i++) {
        r = resize_allocation(service, pool, APR_ARRAY_IDX(changeds, i, occi_entity *), facts);
    }
    for (i = 0; service->hypervisor && r.cls == OCCI_RESULT_OK && i < changeds->nelts; i++) {
        if (occi_hypervisor_update(service->hypervisor, pool,
                                   APR_ARRAY_IDX(currents, i, occi_entity *),
                                   APR_ARRAY_IDX(changeds, i, occi_entity *), &error)
            != OCCI_HV_OK) {
            r = occi_result_of_hypervisor(&error, 145);
        }
        else {
            changed_on_hypervisor = i + 1;
        }
    }
    r = finish(service, intent, r);
    for (i = 0; r.cls != OCCI_RESULT_OK && i < changed_on_hypervisor; i++) {
        /* Something failed after the hypervisor changed: back. */
        occi_hv_error ignored;

        occi_hypervisor_update(service->hypervisor, pool, APR_ARRAY_IDX(changeds, i, occi_entity *),
                               occi_entity_copy(pool, APR_ARRAY_IDX(currents, i, occi_entity *)),
                               &ignored);
    }
    intent_end(service, intent);
    return r;
}

/* ---- Save -------------------------------------------------------------- */

/* A new OS template for a copy of compute's root disk. */
static occi_category *new_template(const occi_service *service, apr_pool_t *pool,
                                   const occi_entity *compute, const char *name)
{
    static const char *const depends[] = { OCCI_SCHEME_INFRA "os_tpl", NULL };
    static const char *const applies[] = { OCCI_SCHEME_INFRA "compute", NULL };
    const char *title = occi_entity_get_string(compute, "occi.core.title");
    occi_category *template = apr_pcalloc(pool, sizeof(*template));
    const char *uuid = occi_uuid_generate(pool);

    if (!uuid) {
        return NULL;
    }
    template->cls = OCCI_CLASS_MIXIN;
    template->scheme = service->saved_template_scheme;
    template->term = apr_pstrcat(pool, "saved-", apr_pstrmemdup(pool, uuid, 8), NULL);
    template->title = name ? name : apr_psprintf(pool, "Saved from %s",
                                                 title ? title
                                                       : location_of(service, pool, compute));
    template->location = apr_pstrcat(pool, "/mixin/os_tpl/", template->term, "/", NULL);
    template->depends = depends;
    template->applies = applies;
    return template;
}

occi_result occi_service_save(const occi_service *service, apr_pool_t *pool,
                              const apr_array_header_t *computes, const char *method,
                              const char *name, apr_array_header_t **templates)
{
    apr_array_header_t *waiting = apr_array_make(pool, computes->nelts, sizeof(int));
    apr_array_header_t *named = apr_array_make(pool, computes->nelts, sizeof(occi_category *));
    occi_store_status status = OCCI_STORE_OK;
    const char *what = "save", *intent;
    occi_result r = done;
    occi_hv_error error;
    int i, later = 0;

    *templates = apr_array_make(pool, computes->nelts, sizeof(occi_category *));
    if (!service->hypervisor || !service->saved_template_scheme) {
        return result(OCCI_RESULT_CONFLICT, 135, "save copies a compute's root disk, which "
                      "needs a hypervisor (OCCILibvirtURI is none)");
    }
    for (i = 0; i < computes->nelts; i++) {
        occi_category *template = new_template(service, pool,
                                               APR_ARRAY_IDX(computes, i, const occi_entity *),
                                               name);

        if (!template) {
            return result(OCCI_RESULT_FAILED, 136, "no random numbers to name a template");
        }
        APR_ARRAY_PUSH(named, occi_category *) = template;
        what = apr_pstrcat(pool, what, " ", template->term, NULL);
    }
    /* The copies' names first: if this process dies before the templates
     * are committed, another one removes the copies. */
    intent = intent_begin(service, pool, what, computes);
    for (i = 0; r.cls == OCCI_RESULT_OK && i < computes->nelts; i++) {
        const occi_entity *compute = APR_ARRAY_IDX(computes, i, const occi_entity *);
        occi_category *template = APR_ARRAY_IDX(named, i, occi_category *);

        if (occi_hypervisor_save(service->hypervisor, pool, compute, template->term, method,
                                 &later, &error) != OCCI_HV_OK) {
            r = occi_result_of_hypervisor(&error, 136);
        }
        else {
            APR_ARRAY_PUSH(*templates, occi_category *) = template;
            APR_ARRAY_PUSH(waiting, int) = later;
        }
    }
    if (r.cls == OCCI_RESULT_OK && occi_store_begin(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 137);
    }
    else if (r.cls == OCCI_RESULT_OK) {
        for (i = 0; status == OCCI_STORE_OK && i < (*templates)->nelts; i++) {
            const occi_category *template = APR_ARRAY_IDX(*templates, i, occi_category *);

            status = occi_store_insert_mixin(service->store, template, service->owner);
            if (status == OCCI_STORE_OK && APR_ARRAY_IDX(waiting, i, int)) {
                status = occi_deferred_save_record(
                    service->store, pool, APR_ARRAY_IDX(computes, i, occi_entity *)->id,
                    service->owner, template->term);
            }
        }
        r = status == OCCI_STORE_OK ? done
            : status == OCCI_STORE_CONFLICT
                ? result(OCCI_RESULT_CONFLICT, 138, "a template of that name exists")
                : store_failed(service, 137);
        r = finish(service, intent, r);
    }
    if (r.cls != OCCI_RESULT_OK) {
        /* Copies made for a save that failed are not left behind. */
        for (i = 0; i < (*templates)->nelts; i++) {
            occi_hv_error ignored;

            occi_hypervisor_delete_saved(service->hypervisor, pool,
                                         APR_ARRAY_IDX(*templates, i, occi_category *)->term,
                                         &ignored);
        }
        (*templates)->nelts = 0;
    }
    intent_end(service, intent);
    return r;
}

/* ---- User mixins ------------------------------------------------------- */

occi_result occi_service_define_mixins(const occi_service *service, apr_pool_t *pool,
                                       const apr_array_header_t *mixins)
{
    occi_store_status status;
    int i;

    (void)pool;
    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        return store_failed(service, 139);
    }
    status = OCCI_STORE_OK;
    for (i = 0; status == OCCI_STORE_OK && i < mixins->nelts; i++) {
        status = occi_store_insert_mixin(service->store,
                                         APR_ARRAY_IDX(mixins, i, const occi_category *),
                                         service->owner);
    }
    return finish(service, NULL,
                  status == OCCI_STORE_OK ? done
                  : status == OCCI_STORE_CONFLICT
                      ? result(OCCI_RESULT_CONFLICT, 140, "one of these mixins, or its "
                               "location, exists already")
                      : store_failed(service, 139));
}

/* Inside the caller's transaction: a saved OS template's image is the
 * base of its computes' root disks, so it goes only when no compute uses
 * it, and with any save that waits for a compute's stop. */
static occi_result delete_saved_template(const occi_service *service, apr_pool_t *pool,
                                         const occi_category *template, const char *type_id)
{
    occi_store_query query;
    long long users = 0;

    memset(&query, 0, sizeof(query));
    query.mixin = type_id;
    if (occi_store_count(service->store, &query, &users) != OCCI_STORE_OK) {
        return store_failed(service, 143);
    }
    if (users > 0) {
        return result(OCCI_RESULT_CONFLICT, 141, apr_psprintf(
                          pool, "%s is the OS template of %" APR_INT64_T_FMT " compute(s): "
                          "delete them first", type_id, (apr_int64_t)users));
    }
    if (occi_store_delete_intents_with(service->store, OCCI_DEFERRED_SAVE_VERB,
                                       template->term) != OCCI_STORE_OK) {
        return store_failed(service, 143);
    }
    return done;
}

static int is_saved_template(const occi_service *service, const occi_category *mixin)
{
    return service->hypervisor && service->saved_template_scheme
           && !strcmp(mixin->scheme, service->saved_template_scheme);
}

occi_result occi_service_delete_mixins(const occi_service *service, apr_pool_t *pool,
                                       const apr_array_header_t *mixins)
{
    apr_array_header_t *none = apr_array_make(pool, 0, sizeof(occi_entity *));
    const char *what = "save", *intent = NULL;
    occi_store_status status;
    occi_result r = done;
    occi_hv_error error;
    int i, images = 0;

    /* Saved templates' images go once their rows have: if this process
     * dies before they do, or the hypervisor cannot remove them now, the
     * intent has another process remove the images whose template is gone
     * (as after an interrupted save). */
    for (i = 0; i < mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(mixins, i, const occi_category *);

        if (is_saved_template(service, mixin)) {
            what = apr_pstrcat(pool, what, " ", mixin->term, NULL);
            images++;
        }
    }
    if (images) {
        intent = intent_begin(service, pool, what, none);
    }
    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 143);
        intent_end(service, intent);
        return r;
    }
    for (i = 0; r.cls == OCCI_RESULT_OK && i < mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(mixins, i, const occi_category *);
        const char *type_id = occi_category_type_id(pool, mixin);

        if (is_saved_template(service, mixin)) {
            r = delete_saved_template(service, pool, mixin, type_id);
        }
        if (r.cls == OCCI_RESULT_OK) {
            status = occi_store_delete_mixin(service->store, type_id, service->scope);
            r = status == OCCI_STORE_OK ? done
                : status == OCCI_STORE_ERROR ? store_failed(service, 143)
                : result(OCCI_RESULT_CONFLICT, 144, "a mixin changed meanwhile; try again");
        }
    }
    r = finish(service, intent, r);
    for (i = 0; r.cls == OCCI_RESULT_OK && i < mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(mixins, i, const occi_category *);

        if (is_saved_template(service, mixin)
            && occi_hypervisor_delete_saved(service->hypervisor, pool, mixin->term, &error)
                   != OCCI_HV_OK && intent) {
            /* The templates are gone; their images follow when the
             * hypervisor can remove them. */
            intent_leave(service, intent);
            return r;
        }
    }
    intent_end(service, intent);
    return r;
}

/* ---- Migration, for administrators ---------------------------------------- */

#define KIND_STORAGELINK OCCI_SCHEME_INFRA "storagelink"

/* What moves with compute: its links (read into compute->links) and the
 * storages they attach (*storages). CONFLICT when something cannot leave
 * its host: a private network, a storage another compute uses too. */
static occi_result migration_set(const occi_service *service, apr_pool_t *pool,
                                 occi_entity *compute, apr_array_header_t **storages)
{
    int i, j;

    *storages = apr_array_make(pool, 2, sizeof(occi_entity *));
    if (occi_store_links_from(service->store, pool, compute->id, &compute->links)
        != OCCI_STORE_OK) {
        return store_failed(service, 156);
    }
    for (i = 0; i < compute->links->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(compute->links, i, occi_entity *);
        const char *target = occi_entity_get_string(link, "occi.core.target");
        apr_array_header_t *users;
        occi_entity *storage;
        occi_store_status status;

        if (!strcmp(link->kind, OCCI_SCHEME_INFRA "networkinterface")) {
            const occi_entity *network = target_of(service, pool, link);

            /* A provider network's bridge is on every host. */
            if (network && occi_is_provider_network(service->provider_network_scheme, network)) {
                continue;
            }
        }
        if (strcmp(link->kind, KIND_STORAGELINK)) {
            return result(OCCI_RESULT_CONFLICT, 157, apr_psprintf(
                              pool, "the compute is attached to the network %s, a private "
                              "network that lives on the compute's host: remove its "
                              "networkinterface %s first", target ? target : "(unknown)",
                              location_of(service, pool, link)));
        }
        status = target ? occi_store_get(service->store, pool,
                                         occi_entity_id_from_reference(pool, target), NULL,
                                         &storage)
                        : OCCI_STORE_NOT_FOUND;
        if (status == OCCI_STORE_NOT_FOUND) {
            continue;                  /* a link to something outside: nothing moves */
        }
        if (status != OCCI_STORE_OK) {
            return store_failed(service, 156);
        }
        if (occi_store_links_to(service->store, pool, target, &users) != OCCI_STORE_OK) {
            return store_failed(service, 156);
        }
        for (j = 0; j < users->nelts; j++) {
            const occi_entity *user = APR_ARRAY_IDX(users, j, occi_entity *);
            const char *source = occi_entity_id_from_reference(
                pool, occi_entity_get_string(user, "occi.core.source"));

            if (source && strcmp(source, compute->id)) {
                return result(OCCI_RESULT_CONFLICT, 157, apr_psprintf(
                                  pool, "the storage %s is attached to another compute too "
                                  "(%s), which stays on this host",
                                  location_of(service, pool, storage),
                                  occi_entity_get_string(user, "occi.core.source")));
            }
        }
        APR_ARRAY_PUSH(*storages, occi_entity *) = storage;
    }
    return done;
}

/* Inside the caller's transaction: moves the allocations of ids to host. */
static occi_result move_allocations(const occi_service *service, apr_pool_t *pool,
                                    const apr_array_header_t *ids, const char *host)
{
    int i;

    for (i = 0; i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        occi_store_allocation *held;
        occi_store_status status = occi_store_get_allocation(service->store, pool, id, &held);

        if (status == OCCI_STORE_NOT_FOUND) {
            continue;
        }
        if (status != OCCI_STORE_OK || occi_store_release_allocation(service->store, id)
                                           != OCCI_STORE_OK) {
            return store_failed(service, 158);
        }
        held->host = host;
        if (occi_store_allocate(service->store, held) != OCCI_STORE_OK) {
            return store_failed(service, 158);
        }
    }
    return done;
}

/* Chooses where compute (on from) and storages go, the named target if
 * any, and moves their allocations there, under the placement lock, in a
 * transaction of its own: the room is taken before the hypervisor copies
 * anything, so that no create fills it meanwhile. */
static occi_result reserve_target(const occi_service *service, apr_pool_t *pool,
                                  const occi_entity *compute, const char *from,
                                  const apr_array_header_t *storages, const char *target,
                                  const apr_array_header_t *ids,
                                  const apr_array_header_t *moving, const char **to,
                                  const char **intent)
{
    const apr_array_header_t *hosts = occi_hosts_of(service->hypervisor);
    apr_array_header_t *facts = host_facts(service, pool, hosts);
    occi_placement_request request;
    occi_store_allocation *held = NULL;
    occi_service scoped = *service;
    occi_result r = done;
    const char *why = NULL, *detail = NULL;
    int i, chosen;

    memset(&request, 0, sizeof(request));
    for (i = 0; i < storages->nelts; i++) {
        occi_store_allocation disk;

        memset(&disk, 0, sizeof(disk));
        demand_of(APR_ARRAY_IDX(storages, i, const occi_entity *), &disk);
        request.disk_mib += disk.disk_mib;
    }
    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        return store_failed(service, 158);
    }
    if (occi_store_lock_placement(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 158);
    }
    else {
        occi_store_status status = occi_store_get_allocation(service->store, pool, compute->id,
                                                             &held);

        if (status == OCCI_STORE_OK && held->host && strcmp(held->host, from)) {
            /* Another migration took room for it elsewhere and has not
             * finished: the store says it is still on from until it has.
             * Two at once would each give back the other's room. */
            r = result(OCCI_RESULT_CONFLICT, 165,
                       apr_psprintf(pool, "this compute is being migrated to %s, or was moved there "
                                    "meanwhile",
                                    held->host));
        }
        else if (status == OCCI_STORE_OK && held->owner) {
            /* Anti-affinity groups are the compute's owner's. */
            scoped.owner = held->owner;
            if (held->affinity_group && strchr(held->affinity_group, '\n')) {
                request.group = strchr(held->affinity_group, '\n') + 1;
            }
        }
        else if (status != OCCI_STORE_OK && status != OCCI_STORE_NOT_FOUND) {
            r = store_failed(service, 158);
        }
    }
    if (r.cls == OCCI_RESULT_OK && add_usage(&scoped, pool, facts, NULL) != OCCI_STORE_OK) {
        r = store_failed(service, 158);
    }
    if (r.cls == OCCI_RESULT_OK) {
        occi_store_allocation own;

        memset(&own, 0, sizeof(own));
        demand_of(compute, &own);
        request.cores = own.cores;
        request.memory_mib = own.memory_mib;
        request.host = target;
        request.host_role = "the host asked for";
        for (i = 0; i < facts->nelts; i++) {
            occi_host_facts *f = &APR_ARRAY_IDX(facts, i, occi_host_facts);

            /* Its own host is not somewhere to go. */
            if (!strcmp(f->name, from)) {
                f->enabled = 0;
            }
        }
        chosen = occi_placement_choose(pool, facts, &request,
                                       service->pack ? OCCI_PLACEMENT_PACK
                                                     : OCCI_PLACEMENT_SPREAD, &why, &detail);
        if (chosen < 0) {
            /* Only administrators migrate: the hosts may be named. */
            r = result(OCCI_RESULT_CONFLICT, 159, detail ? apr_psprintf(pool, "%s (%s)", why,
                                                                        detail) : why);
        }
        else {
            *to = APR_ARRAY_IDX(facts, chosen, occi_host_facts).name;
            r = move_allocations(service, pool, ids, *to);
        }
    }
    /* Committed with the room it takes: should this process die at any
     * point from here on, another looks where the compute ended up and
     * makes the store (and the room) say so (src/occi_recovery.c). */
    if (r.cls == OCCI_RESULT_OK) {
        *intent = intent_begin(service, pool, apr_psprintf(pool, "migrate %s %s", from, *to),
                               moving);
    }
    r = finish(service, *intent, r);
    if (r.cls != OCCI_RESULT_OK && *intent) {
        /* Rolled back with the reservation: nothing to let go of but the
         * count of intents held. */
        if (service->intents_held) {
            service->intents_held(service->data, -1);
        }
        *intent = NULL;
    }
    return r;
}

occi_result occi_service_migrate(const occi_service *service, apr_pool_t *pool,
                                 occi_entity *compute, const char *target, const char **to)
{
    const apr_array_header_t *hosts = occi_hosts_of(service->hypervisor);
    apr_array_header_t *storages, *moving, *ids;
    const char *from, *intent;
    occi_hv_error error;
    occi_result r;
    int i;

    *to = NULL;
    if (!hosts) {
        return result(OCCI_RESULT_CONFLICT, 156, "this server has one hypervisor host: "
                      "there is nowhere to migrate to");
    }
    if (target && !occi_hosts_find(service->hypervisor, target)) {
        return result(OCCI_RESULT_INVALID, 156, apr_psprintf(pool, "there is no host %s",
                                                             target));
    }
    from = compute->host ? compute->host : APR_ARRAY_IDX(hosts, 0, occi_host).name;
    if (target && !strcmp(target, from)) {
        return result(OCCI_RESULT_CONFLICT, 156, apr_psprintf(
                          pool, "the compute is on host %s already", target));
    }
    r = migration_set(service, pool, compute, &storages);
    if (r.cls != OCCI_RESULT_OK) {
        return r;
    }
    moving = apr_array_make(pool, 2 + storages->nelts, sizeof(occi_entity *));
    ids = apr_array_make(pool, 2 + storages->nelts, sizeof(const char *));
    APR_ARRAY_PUSH(moving, occi_entity *) = compute;
    APR_ARRAY_PUSH(ids, const char *) = compute->id;
    for (i = 0; i < storages->nelts; i++) {
        occi_entity *storage = APR_ARRAY_IDX(storages, i, occi_entity *);

        APR_ARRAY_PUSH(moving, occi_entity *) = storage;
        APR_ARRAY_PUSH(ids, const char *) = storage->id;
    }
    intent = NULL;
    r = reserve_target(service, pool, compute, from, storages, target, ids, moving, to,
                       &intent);
    if (r.cls != OCCI_RESULT_OK) {
        return r;
    }
    if (occi_hosts_migrate(service->hypervisor, pool, compute, storages, *to, &error)
        != OCCI_HV_OK) {
        /* Still where it was: its room there back. */
        r = occi_result_of_hypervisor(&error, 160);
        if (occi_store_begin(service->store) != OCCI_STORE_OK
            || finish(service, NULL, move_allocations(service, pool, ids, from)).cls
                   != OCCI_RESULT_OK) {
            intent_leave(service, intent);
            return r;
        }
        intent_end(service, intent);
        return r;
    }
    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 158);
    }
    else {
        for (i = 0; r.cls == OCCI_RESULT_OK && i < moving->nelts; i++) {
            if (occi_store_set_host(service->store, APR_ARRAY_IDX(moving, i, occi_entity *)->id,
                                    *to) != OCCI_STORE_OK) {
                r = store_failed(service, 158);
            }
        }
        for (i = 0; r.cls == OCCI_RESULT_OK && i < compute->links->nelts; i++) {
            if (occi_store_set_host(service->store,
                                    APR_ARRAY_IDX(compute->links, i, occi_entity *)->id, *to)
                != OCCI_STORE_OK) {
                r = store_failed(service, 158);
            }
        }
        r = finish(service, intent, r);
    }
    if (r.cls != OCCI_RESULT_OK) {
        /* The compute is on *to; recovery makes the store say so. */
        intent_leave(service, intent);
        return r;
    }
    intent_end(service, intent);
    compute->host = *to;
    return done;
}

occi_result occi_service_evacuate(const occi_service *service, apr_pool_t *pool,
                                  const char *name, int *moved, int *left)
{
    const occi_host *host = occi_hosts_find(service->hypervisor, name);
    const apr_array_header_t *hosts = occi_hosts_of(service->hypervisor);
    occi_store_query query;
    apr_array_header_t *page;
    const char *first_failure = NULL;
    occi_result r;
    int i;

    *moved = *left = 0;
    if (!host) {
        return result(OCCI_RESULT_NOT_FOUND, 153, apr_psprintf(pool, "there is no host %s",
                                                               name));
    }
    /* Nothing new lands on it while it empties, nor after. */
    if (occi_store_set_host_disabled(service->store, name, 1) != OCCI_STORE_OK) {
        return store_failed(service, 152);
    }
    memset(&query, 0, sizeof(query));
    query.kind = KIND_COMPUTE;
    query.limit = 100;
    /* A page at a time, so that a host of many computes costs no more
     * memory than a page; the computes that stay are skipped by offset. */
    for (;;) {
        apr_pool_t *page_pool, *each;
        int full;

        apr_pool_create(&page_pool, pool);
        if (occi_store_list(service->store, page_pool, &query, &page) != OCCI_STORE_OK) {
            apr_pool_destroy(page_pool);
            return store_failed(service, 156);
        }
        apr_pool_create(&each, page_pool);
        for (i = 0; i < page->nelts; i++) {
            occi_entity *compute = APR_ARRAY_IDX(page, i, occi_entity *);
            const char *to;

            if (compute->host ? strcmp(compute->host, name)
                              : strcmp(APR_ARRAY_IDX(hosts, 0, occi_host).name, name)) {
                query.offset++;
                continue;
            }
            r = occi_service_migrate(service, each, compute, NULL, &to);
            if (r.cls == OCCI_RESULT_OK) {
                ++*moved;
            }
            else {
                ++*left;
                query.offset++;
                if (!first_failure) {
                    first_failure = apr_psprintf(pool, "%s: %s", location_of(service, pool,
                                                                             compute),
                                                 r.message);
                }
            }
            apr_pool_clear(each);
        }
        full = page->nelts == query.limit;
        apr_pool_destroy(page_pool);
        if (!full) {
            break;
        }
    }
    if (*left) {
        return result(OCCI_RESULT_CONFLICT, 161, apr_psprintf(
                          pool, "host %s is disabled; %d of its computes moved, %d could not "
                          "(the first: %s)", name, *moved, *left, first_failure));
    }
    return done;
}

/* ---- Hosts, for administrators ------------------------------------------ */

occi_result occi_service_hosts(const occi_service *service, apr_pool_t *pool,
                               const char *kind_id, apr_array_header_t **entities)
{
    const apr_array_header_t *hosts = occi_hosts_of(service->hypervisor);
    apr_array_header_t *facts;
    int i;

    *entities = apr_array_make(pool, hosts ? hosts->nelts : 0, sizeof(occi_entity *));
    if (!hosts) {
        return done;
    }
    facts = host_facts(service, pool, hosts);
    if (add_usage(service, pool, facts, NULL) != OCCI_STORE_OK) {
        return store_failed(service, 152);
    }
    for (i = 0; i < facts->nelts; i++) {
        APR_ARRAY_PUSH(*entities, occi_entity *) = occi_host_entity(
            pool, kind_id, &APR_ARRAY_IDX(facts, i, occi_host_facts));
    }
    return done;
}

occi_result occi_service_set_host_enabled(const occi_service *service, apr_pool_t *pool,
                                          const char *name, int enabled)
{
    const occi_host *host = occi_hosts_find(service->hypervisor, name);

    if (!host) {
        return result(OCCI_RESULT_NOT_FOUND, 153, apr_psprintf(pool, "there is no host %s",
                                                               name));
    }
    if (enabled && host->disabled) {
        return result(OCCI_RESULT_CONFLICT, 154, apr_psprintf(
                          pool, "host %s is disabled by the configuration (OCCIHypervisorHost "
                          "... disabled); change it there", name));
    }
    if (occi_store_set_host_disabled(service->store, name, !enabled) != OCCI_STORE_OK) {
        return store_failed(service, 152);
    }
    return done;
}
