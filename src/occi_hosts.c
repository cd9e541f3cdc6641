/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Several hypervisor hosts behind one handle: see occi_hosts.h.
 */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "occi_hosts.h"
#include "occi_model.h"
#include "occi_provider_network.h"
#include "occi_store.h"
#include "occi_state.h"
#include "occi_unmanaged.h"

/* What a host offered when last asked. */
typedef struct {
    apr_time_t asked;              /* 0: never */
    occi_hv_capacity capacity;     /* its strings are literals or the provider's */
} known_capacity;

/* The hosts' usage as this process last read it or made it, with the
 * store's count of changes it goes with (occi_hosts_remember_usage): one
 * entry per host, in the hosts' order, so that a placement copies an array
 * and looks nothing up. */
typedef struct {
    apr_pool_t *pool;              /* its own (unmanaged): replaced whole; NULL: none */
    long long generation;
    struct occi_store_host_usage *usage;   /* one per host */
} known_usage;

typedef struct {
    apr_array_header_t *hosts;     /* occi_host */
    const char *provider_network_scheme;   /* NULL: none */
    apr_hash_t *index;             /* name -> int * (its place in hosts); read only */
    known_capacity *known;         /* one per host, under lock */
    known_usage usage;             /* under lock */
    apr_thread_mutex_t *lock;
} hosts_hv;

static const occi_hypervisor_provider hosts_provider;

/* Where the host named name is in hv->hosts, or -1: a lookup, not a walk,
 * so that a request about one entity costs the same with many hosts. */
static int index_of(const hosts_hv *hv, const char *name)
{
    const int *i = name ? apr_hash_get(hv->index, name, APR_HASH_KEY_STRING) : NULL;

    return i ? *i : -1;
}

static const occi_host *find(const hosts_hv *hv, const char *name)
{
    int i = index_of(hv, name);

    return i < 0 ? NULL : &APR_ARRAY_IDX(hv->hosts, i, occi_host);
}

/* The host entity lives on: its recorded one, else the first. NULL (with
 * *error) when the recorded host is not configured here any more. */
static const occi_host *host_of(const hosts_hv *hv, apr_pool_t *pool,
                                const occi_entity *entity, occi_hv_error *error)
{
    const occi_host *host;

    if (!entity->host) {
        return &APR_ARRAY_IDX(hv->hosts, 0, occi_host);
    }
    host = find(hv, entity->host);
    if (!host) {
        /* The operator's words, not a tenant's: no host name. */
        error->status = OCCI_HV_UNAVAILABLE;
        error->message = apr_pstrdup(pool, "the host this entity lives on is not configured "
                                           "on this server");
    }
    return host;
}

/* The first host not known to be down (the first of all when none is):
 * what is on every host is told by one that answers. */
static int answering_host(const hosts_hv *hv)
{
    int i;

    for (i = 0; i < hv->hosts->nelts; i++) {
        if (!occi_hypervisor_known_down(APR_ARRAY_IDX(hv->hosts, i, occi_host).hypervisor)) {
            return i;
        }
    }
    return 0;
}

static occi_hv_status hosts_observe(void *impl, apr_pool_t *pool, apr_array_header_t *entities,
                                    occi_hv_error *error)
{
    hosts_hv *hv = impl;
    /* The entities of each host that has some, in the order the hosts
     * first appear: a page of entities costs the hosts it touches, not
     * every host. */
    apr_array_header_t **owns = apr_pcalloc(pool, (apr_size_t)hv->hosts->nelts
                                                  * sizeof(*owns));
    apr_array_header_t *order = apr_array_make(pool, 4, sizeof(int));
    int i, j, k;

    for (j = 0; j < entities->nelts; j++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, j, occi_entity *);

        i = entity->host ? index_of(hv, entity->host)
            /* A provider network is on every host, recorded on none. */
            : occi_is_provider_network(hv->provider_network_scheme, entity) ? answering_host(hv)
            : 0;
        if (i < 0) {
            continue;                  /* told below */
        }
        if (!owns[i]) {
            owns[i] = apr_array_make(pool, entities->nelts, sizeof(occi_entity *));
            APR_ARRAY_PUSH(order, int) = i;
        }
        APR_ARRAY_PUSH(owns[i], occi_entity *) = entity;
    }
    /* Each host is asked once, about its own entities. */
    for (k = 0; k < order->nelts; k++) {
        const occi_host *host;
        apr_array_header_t *own;

        i = APR_ARRAY_IDX(order, k, int);
        host = &APR_ARRAY_IDX(hv->hosts, i, occi_host);
        own = owns[i];
        if (occi_hypervisor_observe(host->hypervisor, pool, own, error) == OCCI_HV_OK) {
            continue;
        }
        if (error->status != OCCI_HV_UNAVAILABLE) {
            return error->status;
        }
        /* A host that does not answer costs only its own entities their
         * live state; the answer goes on for the others. libvirt's words
         * would name the host, which tenants are not told. */
        for (j = 0; j < own->nelts; j++) {
            occi_entity *entity = APR_ARRAY_IDX(own, j, occi_entity *);
            const char *attribute = occi_state_attribute(entity->kind);

            if (attribute) {
                occi_entity_set_string(pool, entity, attribute, "error");
                occi_entity_set_string(pool, entity,
                                       apr_pstrcat(pool, attribute, ".message", NULL),
                                       "its host cannot be reached now; its state is not "
                                       "known");
            }
        }
    }
    for (j = 0; j < entities->nelts; j++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, j, occi_entity *);

        if (!host_of(hv, pool, entity, error)) {
            return error->status;
        }
    }
    return OCCI_HV_OK;
}

static occi_hv_status hosts_create(void *impl, apr_pool_t *pool, occi_entity *entity,
                                   const occi_entity *source, const occi_entity *target,
                                   occi_hv_error *error)
{
    const occi_host *host = host_of(impl, pool, entity, error);

    return host ? occi_hypervisor_create_entity(host->hypervisor, pool, entity, source, target,
                                                error)
                : error->status;
}

static occi_hv_status hosts_delete(void *impl, apr_pool_t *pool, const occi_entity *entity,
                                   const occi_entity *source, occi_hv_error *error)
{
    hosts_hv *hv = impl;
    const occi_host *host;
    int i;

    if (entity->host) {
        host = host_of(hv, pool, entity, error);
        return host ? occi_hypervisor_delete_entity(host->hypervisor, pool, entity, source,
                                                    error)
                    : error->status;
    }
    /* Where it was made is not known: wherever it is. */
    for (i = 0; i < hv->hosts->nelts; i++) {
        host = &APR_ARRAY_IDX(hv->hosts, i, occi_host);
        if (occi_hypervisor_delete_entity(host->hypervisor, pool, entity, source, error)
            != OCCI_HV_OK) {
            return error->status;
        }
    }
    return OCCI_HV_OK;
}

static occi_hv_status hosts_act(void *impl, apr_pool_t *pool, occi_entity *entity,
                                const char *action, const apr_array_header_t *parameters,
                                occi_hv_error *error)
{
    const occi_host *host = host_of(impl, pool, entity, error);

    return host ? occi_hypervisor_act(host->hypervisor, pool, entity, action, parameters, error)
                : error->status;
}

static occi_hv_status hosts_update(void *impl, apr_pool_t *pool, const occi_entity *current,
                                   occi_entity *updated, occi_hv_error *error)
{
    const occi_host *host = host_of(impl, pool, current->host ? current : updated, error);

    return host ? occi_hypervisor_update(host->hypervisor, pool, current, updated, error)
                : error->status;
}

static occi_hv_status hosts_join_network(void *impl, apr_pool_t *pool, const occi_entity *link,
                                         const occi_entity *network, occi_hv_error *error)
{
    const occi_host *host = host_of(impl, pool, link, error);

    return host ? occi_hypervisor_join_network(host->hypervisor, pool, link, network, error)
                : error->status;
}

static occi_hv_status hosts_screen(void *impl, apr_pool_t *pool, const occi_entity *compute,
                                   const char *password, int seconds, occi_hv_screen *screen,
                                   occi_hv_error *error)
{
    const occi_host *host = host_of(impl, pool, compute, error);

    return host ? occi_hypervisor_screen(host->hypervisor, pool, compute, password, seconds,
                                         screen, error)
                : error->status;
}

/* Each host's computes; a host that does not answer is left out of this
 * reading (its computes show a gap), unless no host answers. */
static occi_hv_status hosts_usage(void *impl, apr_pool_t *pool, apr_array_header_t **usages,
                                  occi_hv_error *error)
{
    hosts_hv *hv = impl;
    int i, answered = 0;

    *usages = apr_array_make(pool, 16, sizeof(occi_hv_usage));
    for (i = 0; i < hv->hosts->nelts; i++) {
        const occi_host *host = &APR_ARRAY_IDX(hv->hosts, i, occi_host);
        apr_array_header_t *own;

        if (occi_hypervisor_known_down(host->hypervisor)
            || occi_hypervisor_usage(host->hypervisor, pool, &own, error) != OCCI_HV_OK) {
            continue;
        }
        apr_array_cat(*usages, own);
        answered++;
    }
    if (!answered && hv->hosts->nelts) {
        error->status = OCCI_HV_UNAVAILABLE;
        error->message = "no host answered";
        return error->status;
    }
    return OCCI_HV_OK;
}

static int hosts_can_save(const void *impl, const occi_entity *compute)
{
    const hosts_hv *hv = impl;
    const occi_host *host = compute->host ? find(hv, compute->host)
                                          : &APR_ARRAY_IDX(hv->hosts, 0, occi_host);

    return host && occi_hypervisor_can_save(host->hypervisor, compute);
}

static occi_hv_status hosts_save(void *impl, apr_pool_t *pool, const occi_entity *compute,
                                 const char *term, const char *method, int *later,
                                 occi_hv_error *error)
{
    const occi_host *host = host_of(impl, pool, compute, error);

    return host ? occi_hypervisor_save(host->hypervisor, pool, compute, term, method, later,
                                       error)
                : error->status;
}

/* A saved image lives on the host of the compute it was copied from,
 * which the template does not record: every host is asked. */
static occi_hv_status hosts_delete_saved(void *impl, apr_pool_t *pool, const char *term,
                                         occi_hv_error *error)
{
    hosts_hv *hv = impl;
    int i;

    for (i = 0; i < hv->hosts->nelts; i++) {
        const occi_host *host = &APR_ARRAY_IDX(hv->hosts, i, occi_host);

        if (occi_hypervisor_delete_saved(host->hypervisor, pool, term, error) != OCCI_HV_OK) {
            return error->status;
        }
    }
    return OCCI_HV_OK;
}

static occi_hv_status hosts_list(void *impl, apr_pool_t *pool, apr_array_header_t **objects,
                                 occi_hv_error *error)
{
    hosts_hv *hv = impl;
    int i;

    *objects = apr_array_make(pool, 16, sizeof(occi_hv_object));
    for (i = 0; i < hv->hosts->nelts; i++) {
        const occi_host *host = &APR_ARRAY_IDX(hv->hosts, i, occi_host);
        apr_array_header_t *own;

        if (occi_hypervisor_list_objects(host->hypervisor, pool, &own, error) != OCCI_HV_OK) {
            return error->status;
        }
        apr_array_cat(*objects, own);
    }
    return OCCI_HV_OK;
}

static occi_hv_status hosts_capacity(void *impl, apr_pool_t *pool, occi_hv_capacity *capacity,
                                     occi_hv_error *error)
{
    (void)impl;
    (void)capacity;
    error->status = OCCI_HV_FAILED;
    error->message = apr_pstrdup(pool, "the capacity of several hosts is each host's");
    return error->status;
}

static const occi_hypervisor_provider hosts_provider = {
    "hosts", hosts_observe, hosts_create, hosts_delete, hosts_act, hosts_update, hosts_can_save,
    hosts_save, hosts_delete_saved, hosts_list, hosts_capacity, NULL,
    NULL,       /* a migration names its target host: occi_hosts_migrate() */
    hosts_join_network, hosts_screen, hosts_usage,
};

static apr_status_t forget_usage(void *data)
{
    hosts_hv *hv = data;

    if (hv->usage.pool) {
        apr_pool_destroy(hv->usage.pool);
        hv->usage.pool = NULL;
    }
    return APR_SUCCESS;
}

occi_hypervisor *occi_hosts_create(apr_pool_t *pool, const apr_array_header_t *hosts,
                                   const char *provider_network_scheme)
{
    hosts_hv *hv = apr_pcalloc(pool, sizeof(*hv));

    int i;

    hv->hosts = apr_array_copy(pool, hosts);
    hv->provider_network_scheme = provider_network_scheme;
    hv->index = apr_hash_make(pool);
    for (i = 0; i < hosts->nelts; i++) {
        int *at = apr_palloc(pool, sizeof(*at));

        *at = i;
        apr_hash_set(hv->index, APR_ARRAY_IDX(hv->hosts, i, occi_host).name,
                     APR_HASH_KEY_STRING, at);
    }
    hv->known = apr_pcalloc(pool, (apr_size_t)hosts->nelts * sizeof(*hv->known));
    if (apr_thread_mutex_create(&hv->lock, APR_THREAD_MUTEX_DEFAULT, pool) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_cleanup_register(pool, hv, forget_usage, apr_pool_cleanup_null);
    return occi_hypervisor_make(pool, &hosts_provider, hv);
}

/* Asks host i what it offers, and keeps the answer. */
static occi_hv_status ask_capacity(hosts_hv *hv, int i, apr_pool_t *pool,
                                   occi_hv_capacity *capacity, occi_hv_error *error)
{
    const occi_host *host = &APR_ARRAY_IDX(hv->hosts, i, occi_host);
    apr_time_t now = apr_time_now();

    if (occi_hypervisor_capacity(host->hypervisor, pool, capacity, error) != OCCI_HV_OK) {
        return error->status;
    }
    /* Kept beyond the request: only what outlives its pool. */
    apr_thread_mutex_lock(hv->lock);
    hv->known[i].capacity = *capacity;
    hv->known[i].capacity.arch = NULL;
    hv->known[i].asked = now;
    apr_thread_mutex_unlock(hv->lock);
    return OCCI_HV_OK;
}

void occi_hosts_capacities(const occi_hypervisor *handle, apr_pool_t *pool,
                           apr_interval_time_t max_age, occi_hv_capacity *capacities,
                           int *reachable)
{
    hosts_hv *hv = occi_hypervisor_impl_of(handle, &hosts_provider);
    apr_time_t now = apr_time_now();
    int i;

    if (!hv) {
        return;
    }
    /* One lock for all the hosts whose answer is recent... */
    apr_thread_mutex_lock(hv->lock);
    for (i = 0; i < hv->hosts->nelts; i++) {
        reachable[i] = hv->known[i].asked && now - hv->known[i].asked <= max_age;
        if (reachable[i]) {
            capacities[i] = hv->known[i].capacity;
        }
    }
    apr_thread_mutex_unlock(hv->lock);
    /* ...and a question, outside it, to each of the others, and to those
     * known not to answer now. */
    for (i = 0; i < hv->hosts->nelts; i++) {
        occi_hv_error error;

        if (!reachable[i]
            || occi_hypervisor_known_down(APR_ARRAY_IDX(hv->hosts, i, occi_host).hypervisor)) {
            reachable[i] = ask_capacity(hv, i, pool, &capacities[i], &error) == OCCI_HV_OK;
        }
    }
}

const apr_array_header_t *occi_hosts_of(const occi_hypervisor *hv)
{
    const hosts_hv *hosts = hv ? occi_hypervisor_impl_of(hv, &hosts_provider) : NULL;

    return hosts ? hosts->hosts : NULL;
}

const occi_host *occi_hosts_find(const occi_hypervisor *hv, const char *name)
{
    const hosts_hv *hosts = hv ? occi_hypervisor_impl_of(hv, &hosts_provider) : NULL;

    return hosts ? find(hosts, name) : NULL;
}

occi_hv_status occi_hosts_migrate(occi_hypervisor *handle, apr_pool_t *pool,
                                  const occi_entity *compute,
                                  const apr_array_header_t *storages, const char *to_name,
                                  occi_hv_error *error)
{
    hosts_hv *hv = occi_hypervisor_impl_of(handle, &hosts_provider);
    const occi_host *from, *to;

    if (!hv) {
        error->status = OCCI_HV_CONFLICT;
        error->message = apr_pstrdup(pool, "this server has one hypervisor host");
        return error->status;
    }
    if (!(from = host_of(hv, pool, compute, error))) {
        return error->status;
    }
    if (!(to = find(hv, to_name))) {
        error->status = OCCI_HV_INVALID;
        error->message = apr_psprintf(pool, "there is no host %s", to_name);
        return error->status;
    }
    return occi_hypervisor_migrate(from->hypervisor, pool, compute, storages, to->hypervisor,
                                   error);
}

/* The affinity groups of one host's usage, copied into pool; NULL when
 * there are none, so that hosts without groups cost no allocation. */
static apr_array_header_t *copy_groups(apr_pool_t *pool, const apr_array_header_t *groups)
{
    apr_array_header_t *copy;
    int i;

    if (!groups || !groups->nelts) {
        return NULL;
    }
    copy = apr_array_make(pool, groups->nelts, sizeof(const char *));
    for (i = 0; i < groups->nelts; i++) {
        APR_ARRAY_PUSH(copy, const char *) =
            apr_pstrdup(pool, APR_ARRAY_IDX(groups, i, const char *));
    }
    return copy;
}

/* Copies usage (one per host) into to, its groups into pool. */
static void copy_usage(apr_pool_t *pool, int hosts, struct occi_store_host_usage *to,
                       const struct occi_store_host_usage *from)
{
    int i;

    memcpy(to, from, (apr_size_t)hosts * sizeof(*to));
    for (i = 0; i < hosts; i++) {
        to[i].groups = copy_groups(pool, from[i].groups);
    }
}

int occi_hosts_known_usage(const occi_hypervisor *handle, apr_pool_t *pool,
                           long long generation, struct occi_store_host_usage *usage)
{
    hosts_hv *hv = handle ? occi_hypervisor_impl_of(handle, &hosts_provider) : NULL;
    int known = 0;

    if (!hv) {
        return 0;
    }
    apr_thread_mutex_lock(hv->lock);
    if (hv->usage.pool && hv->usage.generation == generation) {
        copy_usage(pool, hv->hosts->nelts, usage, hv->usage.usage);
        known = 1;
    }
    apr_thread_mutex_unlock(hv->lock);
    return known;
}

void occi_hosts_usage_by_host(const occi_hypervisor *handle, const apr_hash_t *by_name,
                              struct occi_store_host_usage *usage)
{
    hosts_hv *hv = handle ? occi_hypervisor_impl_of(handle, &hosts_provider) : NULL;
    int i;

    for (i = 0; hv && i < hv->hosts->nelts; i++) {
        const struct occi_store_host_usage *used = apr_hash_get(
            (apr_hash_t *)by_name, APR_ARRAY_IDX(hv->hosts, i, occi_host).name,
            APR_HASH_KEY_STRING);

        if (used) {
            usage[i] = *used;
        }
        else {
            memset(&usage[i], 0, sizeof(usage[i]));
        }
    }
}

void occi_hosts_remember_usage(const occi_hypervisor *handle, long long generation,
                               const struct occi_store_host_usage *usage)
{
    hosts_hv *hv = handle ? occi_hypervisor_impl_of(handle, &hosts_provider) : NULL;
    struct occi_store_host_usage *copy;
    apr_pool_t *pool;

    /* Its own pool, not one of the child pool's: threads replace it at any
     * time, and a parent's allocator is not theirs to share. */
    if (!hv || generation < 0 || apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    /* Copied before the lock: other threads' placements wait only for the
     * exchange. */
    copy = apr_palloc(pool, (apr_size_t)hv->hosts->nelts * sizeof(*copy));
    copy_usage(pool, hv->hosts->nelts, copy, usage);
    apr_thread_mutex_lock(hv->lock);
    /* Counts only grow: an older one than what is kept is stale. */
    if (hv->usage.pool && hv->usage.generation > generation) {
        apr_thread_mutex_unlock(hv->lock);
        apr_pool_destroy(pool);
        return;
    }
    forget_usage(hv);
    hv->usage.pool = pool;
    hv->usage.generation = generation;
    hv->usage.usage = copy;
    apr_thread_mutex_unlock(hv->lock);
}

/* Adds allocation to the kept usage (in its pool), as the store's
 * triggers add it to theirs. */
static void count_allocation(hosts_hv *hv, const occi_store_allocation *allocation)
{
    int i = index_of(hv, allocation->host), j;
    struct occi_store_host_usage *host;
    apr_array_header_t *groups;

    if (i < 0) {
        return;                        /* a host no longer configured: nothing to place on */
    }
    host = &hv->usage.usage[i];
    host->cores += allocation->cores;
    host->memory_mib += allocation->memory_mib;
    host->disk_mib += allocation->disk_mib;
    host->computes += allocation->kind && !strcmp(allocation->kind, OCCI_SCHEME_INFRA "compute");
    if (!allocation->affinity_group) {
        return;
    }
    for (j = 0; host->groups && j < host->groups->nelts; j++) {
        if (!strcmp(APR_ARRAY_IDX(host->groups, j, const char *), allocation->affinity_group)) {
            return;
        }
    }
    /* Only this cache sees its arrays (requests get copies), so the array
     * grows where it is. */
    groups = host->groups ? (apr_array_header_t *)host->groups
                          : apr_array_make(hv->usage.pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(groups, const char *) = apr_pstrdup(hv->usage.pool,
                                                       allocation->affinity_group);
    host->groups = groups;
}

void occi_hosts_count_allocations(const occi_hypervisor *handle, long long before,
                                  long long after, const apr_array_header_t *allocations)
{
    hosts_hv *hv = handle ? occi_hypervisor_impl_of(handle, &hosts_provider) : NULL;
    int i;

    if (!hv) {
        return;
    }
    apr_thread_mutex_lock(hv->lock);
    if (hv->usage.pool && hv->usage.generation == before && after >= before) {
        for (i = 0; i < allocations->nelts; i++) {
            count_allocation(hv, &APR_ARRAY_IDX(allocations, i, occi_store_allocation));
        }
        hv->usage.generation = after;
    }
    apr_thread_mutex_unlock(hv->lock);
}
