/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quotas per tenant (OCCIQuota): what a tenant may hold at most of cores,
 * memory, storage, computes and networks, the lines of the configuration
 * that say so, and the decision whether a change that grows what a tenant
 * holds stays within them. Nothing here reads the store: the store keeps
 * each tenant's usage (occi_store_read_tenant_usage), the service layer
 * reads it and asks occi_quota_check.
 *
 * Amounts are counted as the store counts them: cores, memory and storage
 * in MiB (a GiB of the configuration or of an attribute is 1024 MiB, rounded
 * to the nearest MiB), computes, networks.
 */
#ifndef OCCI_QUOTA_H
#define OCCI_QUOTA_H

#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "occi_entity.h"

typedef enum {
    OCCI_QUOTA_CORES,
    OCCI_QUOTA_MEMORY,             /* MiB */
    OCCI_QUOTA_STORAGE,            /* MiB */
    OCCI_QUOTA_COMPUTES,
    OCCI_QUOTA_NETWORKS,
    OCCI_QUOTA_DIMENSIONS
} occi_quota_dimension;

/* An amount of each dimension: what a tenant holds, or what a change asks. */
typedef struct occi_quota_amounts {
    long long amount[OCCI_QUOTA_DIMENSIONS];
} occi_quota_amounts;

/* A limit that is not set: no limit. */
#define OCCI_QUOTA_UNLIMITED (-1LL)

/* The most of each dimension, OCCI_QUOTA_UNLIMITED where none is set. */
typedef struct occi_quota_limits {
    long long limit[OCCI_QUOTA_DIMENSIONS];
} occi_quota_limits;

/* The OCCIQuota lines of one scope of the configuration: the default line's
 * limits and each named tenant's, key by key. */
typedef struct occi_quota_set {
    occi_quota_limits defaults;
    apr_hash_t *tenants;           /* tenant -> occi_quota_limits * */
} occi_quota_set;

/* The key of a dimension in the configuration and in the quota resources
 * ("cores", "memory", "storage", "computes", "networks"). */
const char *occi_quota_key(occi_quota_dimension dimension);

/* Limits with nothing set. */
void occi_quota_limits_clear(occi_quota_limits *limits);

/* A set with no line in it. */
occi_quota_set *occi_quota_set_make(apr_pool_t *pool);

/* Reads one line of the directive named directive (its arguments argv[0
 * .. argc - 1]: an optional tenant, the first argument when it has no '=',
 * then key=value pairs) into set: the default's limits, or the tenant's; a
 * key given again replaces the earlier value. NULL, or the message of a
 * start-up error naming the directive and the value: an unknown key, a
 * value that is not a number or is negative (or past the largest accepted),
 * no key at all. cores, computes and networks take whole numbers, memory
 * and storage GiB (decimals allowed). */
const char *occi_quota_parse(apr_pool_t *pool, occi_quota_set *set, const char *directive,
                             int argc, char *const argv[]);

/* The set of an inner scope (add) over an outer one (base): the inner
 * values win key by key, for the default and for each tenant. Either may
 * be NULL (the other is returned). */
occi_quota_set *occi_quota_merge(apr_pool_t *pool, const occi_quota_set *base,
                                 const occi_quota_set *add);

/* The limits of tenant: the default line's, with the tenant's own values
 * over them key by key. All unlimited when set is NULL. */
void occi_quota_resolve(const occi_quota_set *set, const char *tenant,
                        occi_quota_limits *limits);

/* Whether any limit is set. */
int occi_quota_limited(const occi_quota_limits *limits);

/* The tenants set names (const char *), in order of their names. */
apr_array_header_t *occi_quota_tenants(apr_pool_t *pool, const occi_quota_set *set);

/* Adds to *demand what entity holds: a compute (kind
 * http://schemas.ogf.org/occi/infrastructure#compute) one compute, its
 * occi.compute.cores (default 1) and occi.compute.memory in GiB (default
 * 1); a storage its occi.storage.size in GiB (default 0); a network one
 * network; anything else nothing. The schema's triggers count the same. */
void occi_quota_add_demand(const occi_entity *entity, occi_quota_amounts *demand);

/* Adds to *growth what changed holds more than current, dimension by
 * dimension (nothing for a dimension that shrinks). */
void occi_quota_add_growth(const occi_entity *current, const occi_entity *changed,
                           occi_quota_amounts *growth);

/* Whether asked asks for anything. */
int occi_quota_asks(const occi_quota_amounts *asked);

/* The decision on a change of tenant's that asks asked and brings what the
 * tenant holds to after: NULL when it stays within limits in every
 * dimension it asks for (a dimension it does not ask for is never a reason
 * to refuse, even when it is over its limit already), else the sentence of
 * the refusal, e.g. "over the quota of tenant blue: cores: 6 in use, 4
 * asked, 8 allowed" (what was in use before it: after less asked), one
 * clause per dimension over its limit. */
const char *occi_quota_check(apr_pool_t *pool, const char *tenant,
                             const occi_quota_limits *limits, const occi_quota_amounts *after,
                             const occi_quota_amounts *asked);

#endif
