/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks what a client sends against the model (GFD.221 rules) and
 * completes it: kinds and mixins must exist and apply, attributes must be
 * defined, writable and of the right type; defaults fill what is missing,
 * a mixin's default winning over its kind's; templates replace templates.
 *
 * Every refusal is a sentence naming the attribute, category or rule, for
 * a 400 response. Nothing here touches the store: references between
 * entities (a link's source and target) are the caller's to check.
 */
#ifndef OCCI_VALIDATE_H
#define OCCI_VALIDATE_H

#include <apr_pools.h>
#include <apr_hash.h>

#include "occi_entity.h"
#include "occi_model.h"

typedef struct occi_validation {
    const occi_model *model;
    /* The user mixins visible to the client: type id -> const occi_category *,
     * or NULL when there are none. */
    apr_hash_t *user_mixins;
} occi_validation;

/* The category (model or user mixin) of a type id, or NULL. */
const occi_category *occi_validation_find(const occi_validation *validation,
                                          const char *type_id);

/* The template family (the type id of os_tpl or resource_tpl) mixin
 * belongs to through what it depends on, or NULL. */
const char *occi_mixin_template_family(const occi_validation *validation,
                                       const occi_category *mixin);

/* True when kind is ancestor or descends from it. */
int occi_kind_is(const occi_model *model, const char *kind, const char *ancestor);

/* True when entities of kind are links (kind descends from core#link). */
int occi_kind_is_link(const occi_model *model, const char *kind);

/* A new entity, as POST to a collection or PUT at a new URL gives it.
 * collection_kind, when not NULL, is the kind whose collection receives
 * it. On success the entity has its defaults and initial state. */
const char *occi_validate_create(apr_pool_t *pool, const occi_validation *validation,
                                 const char *collection_kind, occi_entity *entity);

/* A full replacement (PUT on an existing entity): checked as a creation of
 * the same kind; the id, owner and server-managed state carry over from
 * existing. */
const char *occi_validate_replace(apr_pool_t *pool, const occi_validation *validation,
                                  const occi_entity *existing, occi_entity *replacement);

/* A partial update (POST on an entity): changes names a kind (optional,
 * must be the same), mixins to add and attributes to set. On success
 * *updated is existing with the changes applied: a new OS or resource
 * template replaces the old one, and a new resource template resizes. */
const char *occi_validate_update(apr_pool_t *pool, const occi_validation *validation,
                                 const occi_entity *existing, const occi_entity *changes,
                                 occi_entity **updated);

/* Adds mixin to a copy of existing, as associating it with a mixin
 * collection does (same rules as an update adding that mixin). */
const char *occi_validate_add_mixin(apr_pool_t *pool, const occi_validation *validation,
                                    const occi_entity *existing, const char *mixin,
                                    occi_entity **updated);

/* Removes mixin from a copy of existing, with the attributes only it
 * defined, as dissociating it from a mixin collection does. */
occi_entity *occi_validate_remove_mixin(apr_pool_t *pool, const occi_validation *validation,
                                        const occi_entity *existing, const char *mixin);

/* Whether the links of a replacement's body (sent) are the links the
 * resource has (current): as many, each naming one of them by its id, or
 * else by its kind and target. A client that PUTs back what it read sends
 * them all; the replacement then keeps them, as it keeps them when the
 * body has none. */
int occi_links_unchanged(apr_pool_t *pool, const apr_array_header_t *sent,
                         const apr_array_header_t *current);

/* A network interface with a static address (ipnetworkinterface, allocation
 * static) needs an IP range on its network (the ipnetwork mixin's
 * occi.network.address) that holds the address. NULL, or why not. Any
 * other link passes. */
const char *occi_validate_interface_address(apr_pool_t *pool, const occi_entity *link,
                                            const occi_entity *network);

/* Checks action parameters against the action's definition: known names,
 * types and enumerations; fills defaults. */
const char *occi_validate_action(apr_pool_t *pool, const occi_validation *validation,
                                 const char *action, apr_array_header_t *parameters);

#endif
