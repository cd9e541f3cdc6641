/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Several hypervisor hosts behind one hypervisor handle: a provider
 * (occi_hypervisor_provider) whose every call goes to the host the entity
 * lives on (occi_entity.host, which placement chose and the store keeps),
 * as mod_proxy_balancer hands a request to one of its members. An entity
 * whose host is not recorded (a row from before there were several hosts)
 * lives on the first host; the deletion of one whose host is not known (an
 * interrupted create, read back from its intent) is asked of every host,
 * where it is not an error to find nothing.
 *
 * Each host is a hypervisor of its own (libvirt: its own connection, event
 * callbacks and state cache), so a host that does not answer costs only
 * the requests about its entities.
 */
#ifndef OCCI_HOSTS_H
#define OCCI_HOSTS_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_hypervisor.h"

struct occi_store_host_usage;     /* occi_store.h */

typedef struct occi_host {
    const char *name;              /* the operator's name (OCCIHypervisorHost) */
    occi_hypervisor *hypervisor;   /* the host's own */
    double cpu_ratio;              /* vCPUs per core; 0: the default */
    double memory_ratio;           /* 0: the default */
    long long reserved_memory_mib; /* kept for the host itself */
    int disabled;                  /* by configuration: no new placements */
} occi_host;

/* A hypervisor over hosts (occi_host, in the operator's order; at least
 * one), allocated from pool. provider_network_scheme (may be NULL) is the
 * scheme of the provider networks' mixins: their networks live on no host,
 * and any host that answers tells their state. */
occi_hypervisor *occi_hosts_create(apr_pool_t *pool, const apr_array_header_t *hosts,
                                   const char *provider_network_scheme);

/* The hosts of hv (occi_host), or NULL when hv is a single hypervisor. */
const apr_array_header_t *occi_hosts_of(const occi_hypervisor *hv);

/* What each host of hv offers (capacities[i] when reachable[i], both one
 * per host in hv's order), as its hypervisor said at most max_age ago:
 * asked again when older, or when the host is known not to answer, so
 * that a create on many hosts costs no round trip to each. */
void occi_hosts_capacities(const occi_hypervisor *hv, apr_pool_t *pool,
                           apr_interval_time_t max_age, occi_hv_capacity *capacities,
                           int *reachable);

/* Moves compute and storages (occi_entity *) from the host compute lives
 * on to the host named to_name (occi_hypervisor_migrate); the caller
 * records the move in the store. */
occi_hv_status occi_hosts_migrate(occi_hypervisor *hv, apr_pool_t *pool,
                                  const occi_entity *compute,
                                  const apr_array_header_t *storages, const char *to_name,
                                  occi_hv_error *error);

/* The hosts' usage is kept per process with the store's count of usage
 * changes it goes with (occi_store_usage_generation): while the count is
 * the same, a placement reads one row of the store instead of one per
 * host. Usage here is an array of struct occi_store_host_usage
 * (occi_store.h), one per host in hv's order. None of these do anything
 * when hv is a single hypervisor. */

/* Fills usage with the kept usage (its groups copied into pool) and
 * returns 1 when it goes with count generation; 0 otherwise. */
int occi_hosts_known_usage(const occi_hypervisor *hv, apr_pool_t *pool,
                           long long generation, struct occi_store_host_usage *usage);

/* Fills usage from by_name (host name -> struct occi_store_host_usage *,
 * as occi_store_host_usage reads it), sharing its groups; hosts it does
 * not name hold nothing. */
void occi_hosts_usage_by_host(const occi_hypervisor *hv, const apr_hash_t *by_name,
                              struct occi_store_host_usage *usage);

/* Keeps a copy of usage as the usage at count generation. The caller read
 * generation before usage (or both under the placement lock), so that the
 * pair is never older usage filed under a newer count: newer usage under
 * an older count is never used, as counts only grow. */
void occi_hosts_remember_usage(const occi_hypervisor *hv, long long generation,
                               const struct occi_store_host_usage *usage);

/* The caller, holding the placement lock from when the count was before
 * until it was after, added allocations (occi_store_allocation) and
 * nothing else changed: the kept usage, when it goes with before, gains
 * them and goes with after. No copy: a placement costs the same with many
 * hosts. */
void occi_hosts_count_allocations(const occi_hypervisor *hv, long long before,
                                  long long after, const apr_array_header_t *allocations);

/* The host named name among hv's, or NULL. */
const occi_host *occi_hosts_find(const occi_hypervisor *hv, const char *name);

#endif
