/*
 * The JSON rendering (GFD.226) of entities, entity collections, action
 * invocations and mixin association bodies.
 */
#ifndef OCCI_ENTITY_JSON_H
#define OCCI_ENTITY_JSON_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_entity.h"
#include "occi_entity_text.h"

/* Parses a resource or link object, or a collection {"resources":[...],
 * "links":[...]} of them, appending an occi_entity * per entity to
 * entities. occi.core.* values are read from the top-level members (id,
 * title, summary, source, target) or from "attributes" (if both, they must
 * agree). A resource's "links" become its inline links. id is optional.
 * Returns NULL or a message naming what is wrong. */
const char *occi_json_parse_entities(apr_pool_t *pool, const char *text, apr_size_t len,
                                     apr_array_header_t *entities);

/* {"action": "<type id>", "attributes": {...}} */
const char *occi_json_parse_action(apr_pool_t *pool, const char *text, apr_size_t len,
                                   const char **action_type_id,
                                   apr_array_header_t **parameters /* occi_attribute_value */);

/* A mixin association body: {"resources":[{"id"|"location":...}],
 * "links":[...]} or a bare array of locations (strings). Appends each
 * reference (const char *) as given. */
const char *occi_json_parse_locations(apr_pool_t *pool, const char *text, apr_size_t len,
                                      apr_array_header_t *locations);

/* One entity as a JSON object: kind, mixins, id, title, summary (or
 * source and target for a link), attributes, actions (type ids), links
 * (a resource's inline links, rendered fully). */
const char *occi_json_render_entity(apr_pool_t *pool, const occi_render_context *context,
                                    const occi_entity *entity,
                                    const apr_array_header_t *actions);

/* A collection {"resources":[...],"links":[...]} of entities
 * (occi_entity *), each rendered as occi_json_render_entity does; actions
 * is NULL or an array parallel to entities of per-entity action arrays. */
const char *occi_json_render_collection(apr_pool_t *pool, const occi_render_context *context,
                                        const apr_array_header_t *entities,
                                        const apr_array_header_t *actions);

#endif
