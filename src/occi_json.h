/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCCI JSON rendering (GFD.226) of categories and errors, built with
 * json-c. Every json_object made here is released before the function
 * returns or is tied to the caller's pool, so nothing outlives a request.
 */
#ifndef OCCI_JSON_H
#define OCCI_JSON_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_model.h"

/* json-c's object, declared here so that users need not include json-c. */
struct json_object;

/* Deepest nesting the JSON parsers accept; deeper input is refused. */
#define OCCI_JSON_MAX_DEPTH 32

/* How an attribute definition's "pattern" is written. GFD.226 makes it a
 * JSON Schema object; rOCCI-core, the client most users run, refuses the
 * document unless it is a string, a regular expression (docs/api.md). */
typedef enum {
    OCCI_JSON_PATTERN_REGEX,     /* "^(graceful|acpioff|poweroff)$" */
    OCCI_JSON_PATTERN_SCHEMA     /* {"$schema":..., "type":..., "enum":[...]} */
} occi_json_pattern_style;

/* The query interface document {"kinds":[...],"mixins":[...],"actions":[...]}
 * for categories (const occi_category *), locations written below base;
 * a class without categories is left out. */
const char *occi_json_categories(apr_pool_t *pool, const apr_array_header_t *categories,
                                 const char *base, occi_json_pattern_style patterns);

/* Serialises object (compact, "/" unescaped) into pool memory and
 * releases it: every JSON document of the core is written this way. */
const char *occi_json_release_to_string(apr_pool_t *pool, struct json_object *object);

/* s as a JSON string literal, quotes included. */
const char *occi_json_string(apr_pool_t *pool, const char *s);

/* {"code":N,"message":"..."} */
const char *occi_json_error(apr_pool_t *pool, int code, const char *message);

/* Parses a category document: {"kinds":[...],"mixins":[...],"actions":[...]}
 * (any of the three may be absent), or one mixin object. Appends an
 * occi_category * per category to out. Returns NULL or a message naming
 * what is wrong. */
const char *occi_json_parse_categories(apr_pool_t *pool, const char *text, apr_size_t len,
                                       apr_array_header_t *out);

/* Parses a JSON document strictly (UTF-8 checked, nesting limited to
 * OCCI_JSON_MAX_DEPTH, nothing after the value) into a json-c object that
 * is released when pool is. Returns NULL and sets *error, a message for
 * the client, on any fault. Declared with the struct tag so that this
 * header does not pull json-c's headers into files that do not use them. */
struct json_object *occi_json_parse_document(apr_pool_t *pool, const char *text,
                                             apr_size_t len, const char **error);

#endif
