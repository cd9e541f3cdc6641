/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text rendering (GFD.229) of entities, action invocations and entity
 * collections, for text/plain (lines in the body) and text/occi (the same
 * fields as HTTP headers).
 *
 * Both media types are handled as a list of fields (name, value): a
 * text/plain body is split into fields, text/occi request headers are
 * gathered into fields by the caller; rendering produces fields the caller
 * writes as body lines or as headers.
 */
#ifndef OCCI_ENTITY_TEXT_H
#define OCCI_ENTITY_TEXT_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_entity.h"
#include "occi_model.h"

typedef struct occi_text_field {
    const char *name;       /* "Category", "Link", "X-OCCI-Attribute", "X-OCCI-Location" */
    const char *value;
} occi_text_field;

/* Most fields and values a parser accepts from one request: enough for
 * the rendering of a resource with the most links it may have (256, each
 * a value with its attributes), so that what GET renders, PUT takes. */
#define OCCI_TEXT_MAX_FIELDS 4096

/* Splits a text/plain body ("Name: value" lines, CRLF or LF; blank lines
 * ignored) into occi_text_field entries appended to fields. Only the four
 * OCCI field names are kept (case-insensitively, stored in the canonical
 * spelling above); other lines are an error. Returns NULL or a message
 * naming the line: an unknown field, a line without ':', invalid UTF-8 (or
 * a NUL byte), more than OCCI_TEXT_MAX_FIELDS fields. Values keep their
 * comma lists; the parsers below split them. */
const char *occi_text_parse_body(apr_pool_t *pool, const char *body, apr_size_t len,
                                 apr_array_header_t *fields);

/* Parses an entity from fields: the first Category of class kind names
 * the kind, Categories of class mixin the mixins, X-OCCI-Attribute values
 * the attributes (quoted values are strings; bare integers INTEGER, bare
 * decimals FLOAT, true/false BOOLEAN), and, for a resource, Link values
 * its inline links (each an occi_entity of the link kind named by
 * category=, with occi.core.target from <...>, occi.core.target.kind from
 * rel=, and its own attributes). occi.core.id, when given, sets the id.
 * Returns NULL or a message naming what is wrong.
 *
 * Details: every field may hold a comma list (commas inside quotes and
 * <...> do not split). Numbers may carry a '-' and an exponent; any other
 * bare value is refused, naming the attribute. An attribute given twice,
 * a second kind, a mixin given twice, an action Category, X-OCCI-Location
 * or more than OCCI_TEXT_MAX_FIELDS values in all are refused. Without a
 * Category of class kind, entity->kind stays NULL (a partial update): the
 * caller decides whether that is acceptable. A Link whose URI holds
 * "?action=" is an ActionLink and is skipped. An inline link takes its id
 * from self= (or occi.core.id among its attributes) when that ends in a
 * UUID; its occi.core.source is left for the caller to fill. */
const char *occi_text_parse_entity(apr_pool_t *pool, const apr_array_header_t *fields,
                                   occi_entity **entity);

/* Parses an action invocation: exactly one Category of class action and
 * its parameters as X-OCCI-Attribute (typed as for entities). A Category
 * of another class, a second action, Link or X-OCCI-Location fields are
 * refused. *parameters is a new array. */
const char *occi_text_parse_action(apr_pool_t *pool, const apr_array_header_t *fields,
                                   const char **action_type_id,
                                   apr_array_header_t **parameters /* occi_attribute_value */);

/* The X-OCCI-Location values (each may hold several, comma-separated;
 * a value may be written <URI>), appended as written. Fields of other
 * names are not looked at. */
const char *occi_text_parse_locations(apr_pool_t *pool, const apr_array_header_t *fields,
                                      apr_array_header_t *locations /* const char * */);

/* A text/uri-list body (RFC 2483: one URI per line, '#' comments; blank
 * lines and surrounding whitespace ignored; at most OCCI_TEXT_MAX_FIELDS). */
const char *occi_text_parse_uri_list(apr_pool_t *pool, const char *body, apr_size_t len,
                                     apr_array_header_t *locations /* const char * */);

/* What rendering an entity needs besides the entity. */
typedef struct occi_render_context {
    const occi_model *model;
    const char *base;              /* mount path without trailing '/' */
    const char *origin;            /* "scheme://host[:port]" of the request, written
                                    * before every entity's location; NULL or "":
                                    * locations stay paths (what the store keeps) */
} occi_render_context;

/* How a reference to an entity is written: a local path ("/compute/<id>",
 * below the mount) becomes origin + base + path, an absolute URL; anything
 * else (a remote URL, a urn) is written as it is. Clients such as rOCCI
 * and pOCCI accept only absolute URLs where an entity is named. */
const char *occi_render_reference(apr_pool_t *pool, const occi_render_context *context,
                                  const char *reference);

/* The location of an entity below the mount: the location of its kind
 * followed by its id ("/compute/<id>"), without the base. */
const char *occi_entity_location(apr_pool_t *pool, const occi_model *model,
                                 const occi_entity *entity);

/* Appends the fields of an entity's rendering: Category for the kind then
 * each mixin, Link for each inline link and for each action in actions
 * (type ids, as ActionLinks), X-OCCI-Attribute for occi.core.id and every
 * attribute. One field per value (no comma lists).
 *
 * Categories are the short form (term, scheme, class) plus location= when
 * the model knows one. An inline link is <target>; rel="<target kind>";
 * self="<link URL>"; category="<kind> <mixins>"; then its attributes but
 * source, target, target.kind and id. rel= is occi.core.target.kind, else
 * the kind bound to a local target's collection, else core#resource.
 * Local paths (link targets, occi.core.source/target, self=, ActionLinks,
 * locations) are written below context->base; absolute URLs as they are.
 * ActionLinks need the entity's URL, so an entity without one has none.
 * Control characters, which no header value can carry, become spaces. */
void occi_text_render_entity(apr_pool_t *pool, const occi_render_context *context,
                             const occi_entity *entity, const apr_array_header_t *actions,
                             apr_array_header_t *fields);

/* Appends X-OCCI-Location fields for the locations (already absolute
 * paths or URLs). */
void occi_text_render_locations(apr_pool_t *pool, const apr_array_header_t *locations,
                                apr_array_header_t *fields);

/* The text/plain body for fields: "Name: value" lines, each ending in LF
 * (control characters in values become spaces). */
const char *occi_text_fields_to_body(apr_pool_t *pool, const apr_array_header_t *fields);

/* A text/uri-list body for locations: each followed by CRLF (RFC 2483). */
const char *occi_text_uri_list(apr_pool_t *pool, const apr_array_header_t *locations);

#endif
