/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hosts as resources, for administrators: the provider kind host (scheme
 * <provider scheme>host#, location /host/) and its actions enable and
 * disable, and one resource per configured hypervisor host with what it
 * offers, what is placed on it and its state. The resources are made from
 * the configuration, libvirt and the store at each request; no row holds
 * them, and their ids come from the hosts' names.
 */
#ifndef OCCI_HOST_KIND_H
#define OCCI_HOST_KIND_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_entity.h"
#include "occi_model.h"
#include "occi_placement.h"

/* The kind (host), then its actions (enable, disable, evacuate), to add to a
 * model, as *kind and *actions (occi_category *). */
void occi_host_categories(apr_pool_t *pool, const char *provider_scheme,
                          occi_category **kind, apr_array_header_t **actions);

/* The attribute that shows administrators an entity's host. */
#define OCCI_PLACED_HOST "placement.host"

/* The attribute that names a compute's anti-affinity group. */
#define OCCI_ANTI_AFFINITY_GROUP "placement.group"

/* The anti-affinity mixin of a server with several hosts: scheme
 * <provider scheme>placement#, term anti_affinity, location
 * /mixin/placement/anti_affinity/, applying to computes, with the required
 * attribute placement.group: computes of one owner's group are placed on
 * different hosts (when they are made; a later change moves nothing). */
occi_category *occi_anti_affinity_mixin(apr_pool_t *pool, const char *provider_scheme);

/* The mixin placed (scheme <provider scheme>placement#), which carries
 * placement.host: shown to administrators on each entity placed on a
 * host, never stored, and dropped from what clients send. */
occi_category *occi_placed_mixin(apr_pool_t *pool, const char *provider_scheme);

/* The action migrate of the mixin placed (<provider scheme>placement/action#
 * migrate, for computes, administrators only), with the optional attribute
 * host naming where to; and its type id. */
occi_category *occi_migrate_action(apr_pool_t *pool, const char *provider_scheme);
const char *occi_migrate_action_id(apr_pool_t *pool, const char *provider_scheme);

/* entity as an administrator sees it: a copy with the placed mixin and
 * its host (entity itself when it has no host). */
occi_entity *occi_host_shown(apr_pool_t *pool, const char *provider_scheme,
                             occi_entity *entity);

/* Drops the placed mixin and placement.host from what a client sent
 * (entity and its inline links): where an entity lives is the
 * provider's to say. */
void occi_host_strip_placed(apr_pool_t *pool, const char *provider_scheme,
                            occi_entity *entity);

/* Whether type_id is the host kind's, one of its actions' or the placed
 * mixin's (the administrators' categories). */
int occi_host_category(const char *provider_scheme, const char *type_id);

/* The id of the resource of the host named name: a UUID made from the
 * name, the same on every API node. */
const char *occi_host_id(apr_pool_t *pool, const char *name);

/* The resource of a host (facts as placement sees them, with
 * administrators' and the configuration's disabling in enabled), of kind
 * kind_id. Its state: "up", "unreachable" or "disabled". */
occi_entity *occi_host_entity(apr_pool_t *pool, const char *kind_id,
                              const occi_host_facts *facts);

#endif
