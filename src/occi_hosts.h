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

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_hypervisor.h"

typedef struct occi_host {
    const char *name;              /* the operator's name (OCCIHypervisorHost) */
    occi_hypervisor *hypervisor;   /* the host's own */
    double cpu_ratio;              /* vCPUs per core; 0: the default */
    double memory_ratio;           /* 0: the default */
    long long reserved_memory_mib; /* kept for the host itself */
    int disabled;                  /* by configuration: no new placements */
} occi_host;

/* A hypervisor over hosts (occi_host, in the operator's order; at least
 * one), allocated from pool. */
occi_hypervisor *occi_hosts_create(apr_pool_t *pool, const apr_array_header_t *hosts);

/* The hosts of hv (occi_host), or NULL when hv is a single hypervisor. */
const apr_array_header_t *occi_hosts_of(const occi_hypervisor *hv);

/* What host i of hv offers, as its hypervisor said at most max_age ago
 * (asked again when older, or when the host is known not to answer): a
 * create on many hosts costs no round trip to each. */
occi_hv_status occi_hosts_capacity(const occi_hypervisor *hv, int i, apr_pool_t *pool,
                                   apr_interval_time_t max_age, occi_hv_capacity *capacity,
                                   occi_hv_error *error);

/* Moves compute and storages (occi_entity *) from the host compute lives
 * on to the host named to_name (occi_hypervisor_migrate); the caller
 * records the move in the store. */
occi_hv_status occi_hosts_migrate(occi_hypervisor *hv, apr_pool_t *pool,
                                  const occi_entity *compute,
                                  const apr_array_header_t *storages, const char *to_name,
                                  occi_hv_error *error);

/* The hosts' usage (host -> struct occi_store_host_usage *, occi_store.h),
 * copied into pool, as this process knows it at the store's count of usage
 * changes generation (occi_store_usage_generation); NULL when it knows
 * another count's, or none, or hv is a single hypervisor. A placement then
 * reads one row of the store instead of one per host. */
apr_hash_t *occi_hosts_known_usage(const occi_hypervisor *hv, apr_pool_t *pool,
                                   long long generation);

/* Keeps a copy of usage as the usage at count generation. The caller read
 * generation before usage (or both under the placement lock), so that the
 * pair is never older usage filed under a newer count: newer usage under
 * an older count is never used, as counts only grow. */
void occi_hosts_remember_usage(const occi_hypervisor *hv, long long generation,
                               const apr_hash_t *usage);

/* The host named name among hv's, or NULL. */
const occi_host *occi_hosts_find(const occi_hypervisor *hv, const char *name);

#endif
