/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement: which hypervisor host a new compute, storage or network goes
 * to. The caller gathers what each host offers and holds (from the store
 * and the hypervisors); this module only decides, as nova's scheduler
 * does: filters turn hosts away, then a weigher picks among the rest.
 *
 * Filters, in this order, each host keeping the first that turns it away:
 * enabled, reachable, the required host, domain type, architecture, the
 * base image present, anti-affinity, free cores, free memory, free disk.
 * A resource filter applies only when the request asks for some of that
 * resource, so that a network (which asks for none) still goes to a host
 * over-committed by a change of configuration.
 *
 * Pure functions of their arguments: no global state, safe from any thread.
 */
#ifndef OCCI_PLACEMENT_H
#define OCCI_PLACEMENT_H

#include <apr_pools.h>
#include <apr_tables.h>

/* The ratios a host has when its facts leave them at 0 (or negative). */
#define OCCI_PLACEMENT_DEFAULT_CPU_RATIO 4.0
#define OCCI_PLACEMENT_DEFAULT_MEMORY_RATIO 1.0

/* What a host offers and holds, as gathered by the caller. */
typedef struct occi_host_facts {
    const char *name;               /* the operator's name for the host */
    int enabled;                    /* 0: disabled by configuration or an administrator */
    int reachable;                  /* 0: its hypervisor did not answer */
    const char *domain_type;        /* "kvm", "qemu", "test" ... (NULL: unknown, matches any) */
    const char *arch;               /* "x86_64" ... (NULL: unknown, matches any) */
    int cores;                      /* physical cores (logical CPUs libvirt reports) */
    double cpu_ratio;               /* vCPUs per physical core (default 4; 0 means the default) */
    long long memory_mib;           /* physical memory */
    double memory_ratio;            /* default 1.0 (0 means the default) */
    long long reserved_memory_mib;  /* kept for the host itself */
    long long disk_capacity_mib;    /* its storage pool's capacity */
    long long disk_available_mib;   /* what the pool says is free now */
    int allocated_cores;            /* sums of what the store has placed there */
    long long allocated_memory_mib;
    long long allocated_disk_mib;
    int computes;                   /* computes placed there */
    const apr_array_header_t *images;   /* const char *: base images present in its pool; NULL: unknown (matches any) */
    const apr_array_header_t *groups;   /* const char *: anti-affinity groups with a member there; NULL: none */
} occi_host_facts;

/* What a new entity asks for. */
typedef struct occi_placement_request {
    int cores;
    long long memory_mib;
    long long disk_mib;
    const char *domain_type;        /* NULL: any */
    const char *arch;               /* NULL: any */
    const char *image;              /* a base image it needs in the host's pool, or NULL */
    const char *group;              /* anti-affinity group, or NULL */
    const char *host;               /* it must go on this host (a private network's, its compute's), or NULL */
    const char *host_role;          /* what host is to the client, the subject of *why when it
                                     * refuses: "its compute's host" ...; NULL: "its private
                                     * network's host" */
} occi_placement_request;

typedef enum {
    OCCI_PLACEMENT_SPREAD,          /* the host with the most free memory (default) */
    OCCI_PLACEMENT_PACK             /* the first host, in the configured order, that has room */
} occi_placement_policy;

/* The host (an index into hosts, occi_host_facts) the request goes to, or -1
 * with *why: a sentence a client may read, saying what was asked (cores,
 * memory in GiB, disk in GiB) and why no host can take it, WITHOUT any host name
 * (tenants never see host names). *detail (may be NULL) receives, for the
 * operator's log, which filter turned each host away, with host names
 * ("h2: 3 cores free, 4 asked; h3: disabled"); when a host is chosen it
 * also names the hosts that would have fitted ("h1: fits, chosen").
 * hosts may be NULL (no host); why may be NULL; *why is NULL on success. */
int occi_placement_choose(apr_pool_t *pool, const apr_array_header_t *hosts,
                          const occi_placement_request *request,
                          occi_placement_policy policy,
                          const char **why, const char **detail);

/* Free resources of a host after ratios, reservations and allocations (may be
 * negative when over-committed by configuration changes). */
int occi_host_free_cores(const occi_host_facts *host);
long long occi_host_free_memory_mib(const occi_host_facts *host);
long long occi_host_free_disk_mib(const occi_host_facts *host);

#endif
