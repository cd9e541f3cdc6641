/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quotas as resources: the provider kind quota (scheme <provider
 * scheme>quota#, location /quota/) and one resource per tenant with what it
 * holds and what it may hold (occi_quota.h). The resources are made from
 * the store's usage and the configuration at each request; no row holds
 * them, and their ids come from the tenants' names.
 */
#ifndef OCCI_QUOTA_KIND_H
#define OCCI_QUOTA_KIND_H

#include <apr_pools.h>

#include "occi_entity.h"
#include "occi_model.h"
#include "occi_quota.h"

/* The kind quota of a provider scheme, to add to a model. Its attributes
 * are quota.tenant and, for each dimension KEY (cores, memory, storage,
 * computes, networks), quota.KEY.used and quota.KEY.limit (absent without
 * a limit); memory and storage in GiB. None is set by clients. */
occi_category *occi_quota_kind(apr_pool_t *pool, const char *provider_scheme);

/* Whether type_id is the quota kind's. */
int occi_quota_category(const char *provider_scheme, const char *type_id);

/* The id of the quota resource of tenant: a UUID made from the name, the
 * same on every API node. */
const char *occi_quota_id(apr_pool_t *pool, const char *tenant);

/* The quota resource of tenant, of kind kind_id: what it holds (used) and
 * may hold (limits). Its revision changes with any of them. */
occi_entity *occi_quota_entity(apr_pool_t *pool, const char *kind_id, const char *tenant,
                               const occi_quota_amounts *used,
                               const occi_quota_limits *limits);

#endif
