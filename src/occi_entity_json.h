/* SPDX-License-Identifier: Apache-2.0 */
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
 * Returns NULL or a message naming what is wrong.
 *
 * Details: an object with "kind" is an entity (a resource's "links" do
 * not make it a collection); "kind" is required. source and target are a
 * location string or {"location": ..., "kind": ...}; their kinds become
 * occi.core.source.kind / occi.core.target.kind. id may be urn:uuid:<uuid>,
 * a UUID or a location. Attribute values keep their JSON type (integers
 * INTEGER, other numbers FLOAT, arrays and objects their JSON text); null
 * is refused. NaN, Infinity, integers beyond 64 bits, invalid UTF-8, a
 * NUL in a string, nesting deeper than OCCI_JSON_MAX_DEPTH and trailing
 * data are refused. A link carrying "links" is refused. Inline links may
 * lack a source (the caller fills it). Unknown members (actions,
 * location) are ignored. Messages name the place: "resources[1].links[0]:
 * attribute x is null". */
const char *occi_json_parse_entities(apr_pool_t *pool, const char *text, apr_size_t len,
                                     apr_array_header_t *entities);

/* {"action": "<type id>", "attributes": {...}} */
const char *occi_json_parse_action(apr_pool_t *pool, const char *text, apr_size_t len,
                                   const char **action_type_id,
                                   apr_array_header_t **parameters /* occi_attribute_value */);

/* A mixin association body: {"resources":[{"id"|"location":...}],
 * "links":[...]} or a bare array of locations (strings). Appends each
 * reference (const char *) as given (an item's "id" when it has one, else
 * its "location"; items may also be plain strings). */
const char *occi_json_parse_locations(apr_pool_t *pool, const char *text, apr_size_t len,
                                      apr_array_header_t *locations);

/* One entity as a JSON object: kind, mixins, id, title, summary (or
 * source and target for a link), attributes, actions (type ids), links
 * (a resource's inline links, rendered fully).
 *
 * Details: mixins is left out when there are none; actions is present
 * whenever actions is non-NULL (maybe empty); links is present for every
 * entity whose kind is not a link kind (one whose parents reach
 * core#link). source/target are {"location", "kind"}: local paths below
 * context->base; the source's kind is occi.core.source.kind, else the
 * kind of its collection; an inline link without a source gets its
 * resource's. "location" (an extension) is the entity's URL when known.
 * Floats are written in the shortest form that reads back exactly, always
 * with a '.' or an exponent (2.0, not 2). */
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
