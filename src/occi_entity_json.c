/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON rendering (GFD.226) of entities, collections, action
 * invocations and association bodies, with json-c. Documents are parsed
 * by occi_json_parse_document (strict, UTF-8 checked, depth-limited) and
 * the result is released with the pool; entities are rendered by writing
 * their JSON text straight into pool memory.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <json.h>

#include "occi_buf.h"
#include "occi_entity_json.h"
#include "occi_validate.h"
#include "occi_json.h"

#define OCCI_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Longest piece of client input quoted back in an error message. */
#define QUOTE_MAX 200


static const char *quote_input(apr_pool_t *pool, const char *s)
{
    apr_size_t len = strlen(s), cut = QUOTE_MAX;

    if (len <= QUOTE_MAX) {
        return s;
    }
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) {
        cut--;
    }
    return apr_pstrcat(pool, apr_pstrmemdup(pool, s, cut), "...", NULL);
}

/* "context: message", or the message alone at the top of the document. */
static const char *at(apr_pool_t *pool, const char *context, const char *message)
{
    return *context ? apr_pstrcat(pool, context, ": ", message, NULL) : message;
}

/* ---- Parsing: the document ------------------------------------------ */

static const char *scan_number(const char *p, const char *end, int *is_float)
{
    *is_float = 0;
    if (p < end && *p == '-') {
        p++;
    }
    while (p < end && isdigit((unsigned char)*p)) {
        p++;
    }
    if (p < end && *p == '.') {
        *is_float = 1;
        p++;
        while (p < end && isdigit((unsigned char)*p)) {
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *is_float = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        while (p < end && isdigit((unsigned char)*p)) {
            p++;
        }
    }
    return p;
}

/* json-c takes NaN and Infinity even in strict mode, and clamps integers
 * beyond 64 bits to the nearest bound without a word; either would store
 * a value the client did not send. The document is already known to be
 * JSON (json-c's kind), so outside strings only structure, the literals
 * true, false and null, numbers and those non-numbers remain: one pass
 * over the text finds them and names the offending value. */
static const char *check_numbers(apr_pool_t *pool, const char *text, apr_size_t len)
{
    const char *p = text, *end = text + len;

    while (p < end) {
        if (*p == '"') {
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\') {
                    p++;
                }
            }
            p++;
        }
        else if (*p == '-' || isdigit((unsigned char)*p)) {
            const char *start = p;
            const char *number;
            int is_float, out_of_range;

            p = scan_number(p, end, &is_float);
            number = apr_pstrmemdup(pool, start, (apr_size_t)(p - start));
            errno = 0;
            if (is_float) {
                out_of_range = !isfinite(strtod(number, NULL));
            }
            else {
                strtoll(number, NULL, 10);
                out_of_range = errno == ERANGE;
            }
            if (out_of_range) {
                return apr_psprintf(pool, "the number %s at byte %lu is beyond the range of "
                                    "a 64-bit %s", quote_input(pool, number),
                                    (unsigned long)(start - text),
                                    is_float ? "floating-point number" : "integer");
            }
        }
        else if (isalpha((unsigned char)*p)) {
            const char *start = p;
            apr_size_t n;

            while (p < end && isalpha((unsigned char)*p)) {
                p++;
            }
            n = (apr_size_t)(p - start);
            if (!((n == 4 && !memcmp(start, "true", 4)) || (n == 5 && !memcmp(start, "false", 5))
                  || (n == 4 && !memcmp(start, "null", 4)))) {
                return apr_psprintf(pool, "%s at byte %lu is not a JSON value (NaN and "
                                    "Infinity are not numbers in JSON)",
                                    quote_input(pool, apr_pstrmemdup(pool, start, n)),
                                    (unsigned long)(start - text));
            }
        }
        else {
            p++;
        }
    }
    return NULL;
}

static json_object *parse_root(apr_pool_t *pool, const char *text, apr_size_t len,
                               const char **error)
{
    json_object *root = occi_json_parse_document(pool, text, len, error);

    if (root && (*error = check_numbers(pool, text, len))) {
        return NULL;                            /* the pool releases root */
    }
    return root;
}

/* ---- Parsing: members and values ------------------------------------ */

/* True when a JSON string holds a NUL (written \u0000): as a C string it
 * would be silently cut short. */
static int has_nul(json_object *string)
{
    return strlen(json_object_get_string(string)) != (size_t)json_object_get_string_len(string);
}

/* A string (or absent) member; *out is NULL when absent. */
static const char *string_member(apr_pool_t *pool, json_object *object, const char *name,
                                 const char *context, const char **out)
{
    json_object *value;

    *out = NULL;
    if (!json_object_object_get_ex(object, name, &value)) {
        return NULL;
    }
    if (!json_object_is_type(value, json_type_string)) {
        return at(pool, context, apr_psprintf(pool, "'%s' must be a string", name));
    }
    if (has_nul(value)) {
        return at(pool, context, apr_psprintf(pool, "'%s' contains a NUL character", name));
    }
    *out = apr_pstrdup(pool, json_object_get_string(value));
    return NULL;
}

/* The typed value of attribute name. */
static const char *json_to_value(apr_pool_t *pool, json_object *json, const char *name,
                                 const char *context, occi_value *value)
{
    memset(value, 0, sizeof(*value));
    switch (json_object_get_type(json)) {
    case json_type_string:
        if (has_nul(json)) {
            return at(pool, context, apr_psprintf(pool, "the value of attribute %s contains "
                                                  "a NUL character", name));
        }
        value->type = OCCI_TYPE_STRING;
        value->string = apr_pstrdup(pool, json_object_get_string(json));
        return NULL;
    case json_type_int:
        value->type = OCCI_TYPE_INTEGER;
        value->integer = json_object_get_int64(json);
        return NULL;
    case json_type_double:
        value->type = OCCI_TYPE_FLOAT;
        value->number = json_object_get_double(json);
        if (!isfinite(value->number)) {
            return at(pool, context, apr_psprintf(pool, "attribute %s is not a finite number",
                                                  name));
        }
        return NULL;
    case json_type_boolean:
        value->type = OCCI_TYPE_BOOLEAN;
        value->boolean = json_object_get_boolean(json);
        return NULL;
    case json_type_array:
    case json_type_object:
        value->type = json_object_is_type(json, json_type_array) ? OCCI_TYPE_ARRAY
                                                                 : OCCI_TYPE_OBJECT;
        value->string = apr_pstrdup(pool, json_object_to_json_string_ext(json,
                                                                         OCCI_JSON_FLAGS));
        return NULL;
    case json_type_null:
        break;
    }
    return at(pool, context, apr_psprintf(pool, "attribute %s is null; give a value or leave "
                                          "the attribute out", name));
}

/* Sets attribute name, refusing a second, different value for it. */
static const char *merge(apr_pool_t *pool, occi_entity *entity, const char *name,
                         const occi_value *value, const char *context)
{
    const occi_value *existing = occi_entity_get(entity, name);

    if (existing && !occi_value_equal(existing, value)) {
        return at(pool, context, apr_psprintf(pool, "%s is given twice with different values",
                                              name));
    }
    if (!existing) {
        occi_entity_set(entity, name, value);
    }
    return NULL;
}

static const char *merge_string(apr_pool_t *pool, occi_entity *entity, const char *name,
                                const char *string, const char *context)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_STRING;
    value.string = string;
    return merge(pool, entity, name, &value, context);
}

static const char *set_id(apr_pool_t *pool, occi_entity *entity, const char *reference,
                          const char *context)
{
    const char *id = occi_entity_id_from_reference(pool, reference);

    if (!id && occi_entity_foreign_id_acceptable(reference)) {
        entity->foreign_id = apr_pstrdup(pool, reference);
        return NULL;
    }
    if (!id) {
        return at(pool, context, apr_psprintf(pool, "id '%s' is not a valid entity id "
                                              "(expected urn:uuid:<uuid>, a UUID or the "
                                              "entity's location)",
                                              quote_input(pool, reference)));
    }
    if (entity->id && strcmp(entity->id, id)) {
        return at(pool, context, "occi.core.id is given twice with different values");
    }
    entity->id = id;
    return NULL;
}

static const char *parse_attributes_member(apr_pool_t *pool, json_object *object,
                                           const char *context, occi_entity *entity,
                                           apr_array_header_t *out)
{
    json_object *attributes;

    if (!json_object_object_get_ex(object, "attributes", &attributes)) {
        return NULL;
    }
    if (!json_object_is_type(attributes, json_type_object)) {
        return at(pool, context, "'attributes' must be an object");
    }
    json_object_object_foreach(attributes, name, json) {
        occi_attribute_value *attribute;
        occi_value value;
        const char *error;

        if (!occi_term_is_valid(name)) {
            return at(pool, context, apr_psprintf(pool, "'%s' is not a valid attribute name",
                                                  quote_input(pool, name)));
        }
        if ((error = json_to_value(pool, json, quote_input(pool, name), context, &value))) {
            return error;
        }
        if (entity && !strcmp(name, "occi.core.id")) {
            if (value.type != OCCI_TYPE_STRING) {
                return at(pool, context, "attribute occi.core.id must be a string");
            }
            if ((error = set_id(pool, entity, value.string, context))) {
                return error;
            }
            continue;
        }
        /* json-c keeps one value per key, so names are unique here. */
        attribute = apr_array_push(out);
        attribute->name = apr_pstrdup(pool, name);
        attribute->value = value;
    }
    return NULL;
}

/* source / target: a location string, or {"location": ..., "kind": ...}. */
static const char *parse_end(apr_pool_t *pool, json_object *object, const char *member,
                             const char *context, occi_entity *entity)
{
    const char *attribute = apr_pstrcat(pool, "occi.core.", member, NULL);
    const char *location, *kind = NULL, *error;
    json_object *end;

    if (!json_object_object_get_ex(object, member, &end)) {
        return NULL;
    }
    if (json_object_is_type(end, json_type_string)) {
        if (has_nul(end)) {
            return at(pool, context, apr_psprintf(pool, "'%s' contains a NUL character",
                                                  member));
        }
        location = apr_pstrdup(pool, json_object_get_string(end));
    }
    else if (json_object_is_type(end, json_type_object)) {
        const char *inner = *context ? apr_pstrcat(pool, context, ".", member, NULL) : member;

        if ((error = string_member(pool, end, "location", inner, &location))
            || (error = string_member(pool, end, "kind", inner, &kind))) {
            return error;
        }
        if (!location) {
            return at(pool, inner, "'location' is missing");
        }
    }
    else {
        return at(pool, context, apr_psprintf(pool, "'%s' must be an object with a "
                                              "'location' (or a location string)", member));
    }
    if (!*location) {
        return at(pool, context, apr_psprintf(pool, "the %s location is empty", member));
    }
    if ((error = merge_string(pool, entity, attribute, location, context))) {
        return error;
    }
    if (kind) {
        return merge_string(pool, entity, apr_pstrcat(pool, attribute, ".kind", NULL), kind,
                            context);
    }
    return NULL;
}

static const char *parse_entity_object(apr_pool_t *pool, json_object *object,
                                       const char *context, int is_link, occi_entity **out);

static const char *parse_links_member(apr_pool_t *pool, json_object *object,
                                      const char *context, occi_entity *entity)
{
    json_object *links;
    size_t i, n;

    if (!json_object_object_get_ex(object, "links", &links)) {
        return NULL;
    }
    if (!json_object_is_type(links, json_type_array)) {
        return at(pool, context, "'links' must be an array of link objects");
    }
    n = json_object_array_length(links);
    for (i = 0; i < n; i++) {
        const char *inner = apr_psprintf(pool, "%s%slinks[%lu]", context, *context ? "." : "",
                                         (unsigned long)i);
        occi_entity *link;
        const char *error = parse_entity_object(pool, json_object_array_get_idx(links, i),
                                                inner, 1, &link);

        if (error) {
            return error;
        }
        APR_ARRAY_PUSH(entity->links, occi_entity *) = link;
    }
    return NULL;
}

/* One resource or link object. A link (is_link) cannot carry links of its
 * own, which also keeps the parse from descending any further. */
static const char *parse_entity_object(apr_pool_t *pool, json_object *object,
                                       const char *context, int is_link, occi_entity **out)
{
    static const char *const titles[][2] = {
        { "title", "occi.core.title" }, { "summary", "occi.core.summary" },
    };
    occi_entity *entity = occi_entity_create(pool);
    const char *kind, *id, *error;
    json_object *mixins;
    size_t i;

    *out = NULL;
    if (!json_object_is_type(object, json_type_object)) {
        return at(pool, context, "an entity must be a JSON object");
    }
    if ((error = string_member(pool, object, "kind", context, &kind))) {
        return error;
    }
    /* A partial update may leave the kind out; whoever creates an entity
     * checks that it names one. */
    if (kind && !*kind) {
        return at(pool, context, "'kind' is empty (it is the type identifier of the "
                  "entity's kind)");
    }
    entity->kind = kind;
    if (json_object_object_get_ex(object, "mixins", &mixins)) {
        /* A hash, not occi_entity_has_mixin: the list has no length limit
         * and a scan per item would make a long one quadratic. */
        apr_hash_t *seen = apr_hash_make(pool);
        size_t n;

        if (!json_object_is_type(mixins, json_type_array)) {
            return at(pool, context, "'mixins' must be an array of type identifiers");
        }
        n = json_object_array_length(mixins);
        for (i = 0; i < n; i++) {
            json_object *mixin = json_object_array_get_idx(mixins, i);
            const char *type_id;

            if (!json_object_is_type(mixin, json_type_string) || has_nul(mixin)) {
                return at(pool, context, apr_psprintf(pool, "mixins[%lu] must be a type "
                                                      "identifier string", (unsigned long)i));
            }
            type_id = apr_pstrdup(pool, json_object_get_string(mixin));
            if (apr_hash_get(seen, type_id, APR_HASH_KEY_STRING)) {
                return at(pool, context, apr_psprintf(pool, "mixin %s is given twice",
                                                      quote_input(pool, type_id)));
            }
            apr_hash_set(seen, type_id, APR_HASH_KEY_STRING, type_id);
            APR_ARRAY_PUSH(entity->mixins, const char *) = type_id;
        }
    }
    if ((error = parse_attributes_member(pool, object, context, entity, entity->attributes))) {
        return error;
    }
    if ((error = string_member(pool, object, "id", context, &id))
        || (id && (error = set_id(pool, entity, id, context)))) {
        return error;
    }
    for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
        const char *text;

        if ((error = string_member(pool, object, titles[i][0], context, &text))
            || (text && (error = merge_string(pool, entity, titles[i][1], text, context)))) {
            return error;
        }
    }
    if ((error = parse_end(pool, object, "source", context, entity))
        || (error = parse_end(pool, object, "target", context, entity))) {
        return error;
    }
    if (json_object_object_get_ex(object, "links", NULL)) {
        if (is_link) {
            return at(pool, context, "a link cannot carry 'links'");
        }
        if ((error = parse_links_member(pool, object, context, entity))) {
            return error;
        }
    }
    /* Other members (actions, location, rel) are the server's to say. */
    *out = entity;
    return NULL;
}

static const char *parse_entity_array(apr_pool_t *pool, json_object *root, const char *member,
                                      int is_link, apr_array_header_t *entities)
{
    json_object *array;
    size_t i, n;

    if (!json_object_object_get_ex(root, member, &array)) {
        return NULL;
    }
    if (!json_object_is_type(array, json_type_array)) {
        return apr_psprintf(pool, "'%s' must be an array", member);
    }
    n = json_object_array_length(array);
    for (i = 0; i < n; i++) {
        occi_entity *entity;
        const char *error = parse_entity_object(
            pool, json_object_array_get_idx(array, i),
            apr_psprintf(pool, "%s[%lu]", member, (unsigned long)i), is_link, &entity);

        if (error) {
            return error;
        }
        APR_ARRAY_PUSH(entities, occi_entity *) = entity;
    }
    return NULL;
}

const char *occi_json_parse_entities(apr_pool_t *pool, const char *text, apr_size_t len,
                                     apr_array_header_t *entities)
{
    const char *error = NULL;
    json_object *root = parse_root(pool, text, len, &error);
    occi_entity *entity;

    if (!root) {
        return error;
    }
    if (!json_object_is_type(root, json_type_object)) {
        return "the JSON document must be an object (an entity or {\"resources\":[...],"
               "\"links\":[...]})";
    }
    /* A resource may carry "links" too; "kind" tells an entity from a
     * collection. */
    if (!json_object_object_get_ex(root, "kind", NULL)
        && (json_object_object_get_ex(root, "resources", NULL)
            || json_object_object_get_ex(root, "links", NULL))) {
        if ((error = parse_entity_array(pool, root, "resources", 0, entities))) {
            return error;
        }
        return parse_entity_array(pool, root, "links", 1, entities);
    }
    /* A single object is a link when it says where it goes. */
    if ((error = parse_entity_object(pool, root, "",
                                     json_object_object_get_ex(root, "source", NULL)
                                     || json_object_object_get_ex(root, "target", NULL),
                                     &entity))) {
        return error;
    }
    APR_ARRAY_PUSH(entities, occi_entity *) = entity;
    return NULL;
}

const char *occi_json_parse_action(apr_pool_t *pool, const char *text, apr_size_t len,
                                   const char **action_type_id,
                                   apr_array_header_t **parameters)
{
    const char *error = NULL, *action, *hash;
    json_object *root = parse_root(pool, text, len, &error);

    *action_type_id = NULL;
    *parameters = apr_array_make(pool, 4, sizeof(occi_attribute_value));
    if (!root) {
        return error;
    }
    if (!json_object_is_type(root, json_type_object)) {
        return "an action invocation must be an object {\"action\": \"<type id>\", "
               "\"attributes\": {...}}";
    }
    if ((error = string_member(pool, root, "action", "", &action))) {
        return error;
    }
    if (!action) {
        return "the action invocation lacks 'action' (the action's type identifier)";
    }
    hash = strrchr(action, '#');
    if (!hash || hash == action || !occi_term_is_valid(hash + 1)) {
        return apr_psprintf(pool, "'action' %s is not a type identifier (scheme#term)",
                            quote_input(pool, action));
    }
    if ((error = parse_attributes_member(pool, root, "", NULL, *parameters))) {
        return error;
    }
    *action_type_id = action;
    return NULL;
}

/* One item of a location list: a string, or {"id": ...} / {"location": ...}. */
static const char *location_item(apr_pool_t *pool, json_object *item, const char *context,
                                 apr_array_header_t *locations)
{
    const char *reference = NULL, *error;

    if (json_object_is_type(item, json_type_string)) {
        if (has_nul(item)) {
            return apr_psprintf(pool, "%s contains a NUL character", context);
        }
        reference = apr_pstrdup(pool, json_object_get_string(item));
    }
    else if (json_object_is_type(item, json_type_object)) {
        if ((error = string_member(pool, item, "id", context, &reference))
            || (!reference && (error = string_member(pool, item, "location", context,
                                                     &reference)))) {
            return error;
        }
        if (!reference) {
            return apr_psprintf(pool, "%s has neither 'id' nor 'location'", context);
        }
    }
    else {
        return apr_psprintf(pool, "%s must be a location string or an object with 'id' or "
                            "'location'", context);
    }
    if (!*reference) {
        return apr_psprintf(pool, "%s is an empty reference", context);
    }
    APR_ARRAY_PUSH(locations, const char *) = reference;
    return NULL;
}

static const char *location_array(apr_pool_t *pool, json_object *array, const char *name,
                                  apr_array_header_t *locations)
{
    size_t i, n;

    if (!json_object_is_type(array, json_type_array)) {
        return apr_psprintf(pool, "'%s' must be an array", name);
    }
    n = json_object_array_length(array);
    for (i = 0; i < n; i++) {
        const char *error = location_item(pool, json_object_array_get_idx(array, i),
                                          apr_psprintf(pool, "%s[%lu]", name,
                                                       (unsigned long)i), locations);

        if (error) {
            return error;
        }
    }
    return NULL;
}

const char *occi_json_parse_locations(apr_pool_t *pool, const char *text, apr_size_t len,
                                      apr_array_header_t *locations)
{
    const char *error = NULL;
    json_object *root = parse_root(pool, text, len, &error);
    json_object *resources = NULL, *links = NULL;

    if (!root) {
        return error;
    }
    if (json_object_is_type(root, json_type_array)) {
        return location_array(pool, root, "locations", locations);
    }
    if (!json_object_is_type(root, json_type_object)) {
        return "expected {\"resources\":[...],\"links\":[...]} or an array of locations";
    }
    json_object_object_get_ex(root, "resources", &resources);
    json_object_object_get_ex(root, "links", &links);
    if (!resources && !links) {
        return "the body names no entities: expected 'resources' or 'links' (or an array "
               "of locations)";
    }
    if ((resources && (error = location_array(pool, resources, "resources", locations)))
        || (links && (error = location_array(pool, links, "links", locations)))) {
        return error;
    }
    return NULL;
}

/* ---- Rendering ----------------------------------------------------- */

/* Entities are written straight into a buffer rather than built as a
 * json-c tree and serialised: a page of 100 computes spent a third of its
 * instructions allocating, filling and freeing those trees. The bytes are
 * json-c's own with OCCI_JSON_FLAGS (plain, '/' unescaped), so that the
 * rendering does not depend on which of the two wrote it; test_entity_json
 * compares the two. */

static const char hex_digits[] = "0123456789abcdef";

/* The bytes a JSON string escapes: control characters, '"' and '\\'. */
static const unsigned char escaped[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/* s as a JSON string, escaped as json-c escapes it: the short escapes,
 * other control characters as \u00xx, everything else (UTF-8 too) as is. */
static void put_string(occi_buf *out, const char *s)
{
    const char *run = s;

    occi_buf_putc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *escape = NULL;
        char unicode[7];

        if (!escaped[c]) {
            continue;
        }
        switch (c) {
        case '\b': escape = "\\b"; break;
        case '\n': escape = "\\n"; break;
        case '\r': escape = "\\r"; break;
        case '\t': escape = "\\t"; break;
        case '\f': escape = "\\f"; break;
        case '"': escape = "\\\""; break;
        case '\\': escape = "\\\\"; break;
        default:
            memcpy(unicode, "\\u00", 4);
            unicode[4] = hex_digits[c >> 4];
            unicode[5] = hex_digits[c & 0xf];
            unicode[6] = '\0';
            escape = unicode;
        }
        occi_buf_append(out, run, (apr_size_t)(s - run));
        occi_buf_puts(out, escape);
        run = s + 1;
    }
    occi_buf_append(out, run, (apr_size_t)(s - run));
    occi_buf_putc(out, '"');
}

/* "name": (with the comma before it unless it is first). */
static void put_member(occi_buf *out, int *first, const char *name)
{
    if (!*first) {
        occi_buf_putc(out, ',');
    }
    *first = 0;
    put_string(out, name);
    occi_buf_putc(out, ':');
}

/* The JSON text of an ARRAY or OBJECT value, parsed and written again as
 * json-c writes it; a text that does not parse as that type is written as
 * a string rather than dropped. */
static void put_embedded_json(occi_buf *out, const occi_value *value)
{
    const char *text = value->string ? value->string : "";
    json_tokener *tokener = json_tokener_new_ex(OCCI_JSON_MAX_DEPTH);
    json_object *parsed = NULL;
    json_type expected = value->type == OCCI_TYPE_ARRAY ? json_type_array : json_type_object;

    if (tokener) {
        size_t len = strlen(text);

        parsed = json_tokener_parse_ex(tokener, text, (int)len);
        if (parsed && (json_tokener_get_error(tokener) != json_tokener_success
                       || json_tokener_get_parse_end(tokener) != len
                       || !json_object_is_type(parsed, expected))) {
            json_object_put(parsed);
            parsed = NULL;
        }
        json_tokener_free(tokener);
    }
    if (!parsed) {
        put_string(out, text);
        return;
    }
    occi_buf_puts(out, json_object_to_json_string_ext(parsed, OCCI_JSON_FLAGS));
    json_object_put(parsed);
}

static void put_value(occi_buf *out, const occi_value *value)
{
    char text[40];

    switch (value->type) {
    case OCCI_TYPE_INTEGER:
        snprintf(text, sizeof(text), "%lld", value->integer);
        occi_buf_puts(out, text);
        return;
    case OCCI_TYPE_FLOAT:
        /* The shortest exact form (json-c's own %.17g would write 0.1 as
         * 0.10000000000000001); JSON has no NaN or infinity: null. */
        if (!isfinite(value->number)) {
            occi_buf_puts(out, "null");
            return;
        }
        occi_format_double(text, sizeof(text), value->number);
        occi_buf_puts(out, text);
        return;
    case OCCI_TYPE_BOOLEAN:
        occi_buf_puts(out, value->boolean ? "true" : "false");
        return;
    case OCCI_TYPE_ARRAY:
    case OCCI_TYPE_OBJECT:
        put_embedded_json(out, value);
        return;
    case OCCI_TYPE_STRING:
        break;
    }
    put_string(out, value->string ? value->string : "");
}

/* The kind of the local entity at path ("/compute/<id>"), or NULL. */
static const char *kind_at(apr_pool_t *pool, const occi_model *model, const char *path)
{
    const char *slash = strrchr(path, '/');
    const occi_category *category;

    if (path[0] != '/' || !slash) {
        return NULL;
    }
    category = occi_model_find_location(model, apr_pstrmemdup(
                                            pool, path, (apr_size_t)(slash - path + 1)));
    return category && category->cls == OCCI_CLASS_KIND
        ? occi_category_type_id(pool, category) : NULL;
}

static void put_end(occi_buf *out, apr_pool_t *pool, const occi_render_context *context,
                    const char *location, const char *kind)
{
    occi_buf_puts(out, "{\"location\":");
    put_string(out, occi_render_reference(pool, context, location));
    if (kind) {
        occi_buf_puts(out, ",\"kind\":");
        put_string(out, kind);
    }
    occi_buf_putc(out, '}');
}

static void put_string_list(occi_buf *out, const apr_array_header_t *strings)
{
    int i;

    occi_buf_putc(out, '[');
    for (i = 0; strings && i < strings->nelts; i++) {
        if (i) {
            occi_buf_putc(out, ',');
        }
        put_string(out, APR_ARRAY_IDX(strings, i, const char *));
    }
    occi_buf_putc(out, ']');
}

/* One entity. is_link says whether its kind is a link's (the caller has
 * asked the model already); parent is the resource an inline link belongs
 * to, which supplies the link's source when the link does not name it. */
static void put_entity(occi_buf *out, apr_pool_t *pool, const occi_render_context *context,
                       const occi_entity *entity, int is_link,
                       const apr_array_header_t *actions, const occi_entity *parent)
{
    const char *title = occi_entity_get_string(entity, "occi.core.title");
    const char *summary = occi_entity_get_string(entity, "occi.core.summary");
    const char *source = occi_entity_get_string(entity, "occi.core.source");
    const char *target = occi_entity_get_string(entity, "occi.core.target");
    const char *source_kind = occi_entity_get_string(entity, "occi.core.source.kind");
    int first = 1, i;

    occi_buf_puts(out, "{\"kind\":");
    put_string(out, entity->kind ? entity->kind : "");
    if (entity->mixins->nelts) {
        occi_buf_puts(out, ",\"mixins\":");
        put_string_list(out, entity->mixins);
    }
    if (entity->id) {
        occi_buf_puts(out, ",\"id\":");
        put_string(out, apr_pstrcat(pool, "urn:uuid:", entity->id, NULL));
    }
    if (title) {
        occi_buf_puts(out, ",\"title\":");
        put_string(out, title);
    }
    if (summary) {
        occi_buf_puts(out, ",\"summary\":");
        put_string(out, summary);
    }
    if (!source && parent) {
        source = occi_entity_location(pool, context->model, parent);
        if (!source_kind) {
            source_kind = parent->kind;
        }
    }
    if (source) {
        occi_buf_puts(out, ",\"source\":");
        put_end(out, pool, context, source,
                source_kind ? source_kind : kind_at(pool, context->model, source));
    }
    if (target) {
        occi_buf_puts(out, ",\"target\":");
        put_end(out, pool, context, target,
                occi_entity_get_string(entity, "occi.core.target.kind"));
    }
    occi_buf_puts(out, ",\"attributes\":{");
    for (i = 0; i < entity->attributes->nelts; i++) {
        const occi_attribute_value *attribute = &APR_ARRAY_IDX(entity->attributes, i,
                                                               occi_attribute_value);
        const char *name = attribute->name;

        /* What the members above already say is not repeated. */
        if ((title && !strcmp(name, "occi.core.title"))
            || (summary && !strcmp(name, "occi.core.summary"))
            || (source && (!strcmp(name, "occi.core.source")
                           || !strcmp(name, "occi.core.source.kind")))
            || (target && (!strcmp(name, "occi.core.target")
                           || !strcmp(name, "occi.core.target.kind")))
            || !strcmp(name, "occi.core.id")) {
            continue;
        }
        put_member(out, &first, name);
        put_value(out, &attribute->value);
    }
    occi_buf_putc(out, '}');
    /* Empty arrays are left out and the entity's own location is not
     * written: rOCCI-core's schema refuses both (minItems 1, no member
     * "location"); a client finds an entity at its kind's location + id. */
    if (actions && actions->nelts) {
        occi_buf_puts(out, ",\"actions\":");
        put_string_list(out, actions);
    }
    if (!is_link && entity->links && entity->links->nelts) {
        occi_buf_puts(out, ",\"links\":[");
        for (i = 0; i < entity->links->nelts; i++) {
            if (i) {
                occi_buf_putc(out, ',');
            }
            /* A resource's links are links, whatever their kind says. */
            put_entity(out, pool, context, APR_ARRAY_IDX(entity->links, i, const occi_entity *),
                       1, NULL, entity);
        }
        occi_buf_putc(out, ']');
    }
    occi_buf_putc(out, '}');
}

const char *occi_json_render_entity(apr_pool_t *pool, const occi_render_context *context,
                                    const occi_entity *entity,
                                    const apr_array_header_t *actions)
{
    occi_buf out;

    occi_buf_init(&out, pool, 1024);
    put_entity(&out, pool, context, entity,
               entity->kind && occi_kind_is_link(context->model, entity->kind), actions, NULL);
    return out.data;
}

const char *occi_json_render_collection(apr_pool_t *pool, const occi_render_context *context,
                                        const apr_array_header_t *entities,
                                        const apr_array_header_t *actions)
{
    occi_buf document, links;
    int resources = 0, i;

    occi_buf_init(&document, pool, 1024 + 1024 * (apr_size_t)entities->nelts);
    occi_buf_init(&links, pool, 256);
    occi_buf_putc(&document, '{');
    for (i = 0; i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, const occi_entity *);
        const apr_array_header_t *entity_actions =
            actions && i < actions->nelts ? APR_ARRAY_IDX(actions, i, const apr_array_header_t *)
                                          : NULL;
        int is_link = entity->kind && occi_kind_is_link(context->model, entity->kind);

        if (is_link) {
            occi_buf_putc(&links, links.len ? ',' : '[');
            put_entity(&links, pool, context, entity, 1, entity_actions, NULL);
        }
        else {
            occi_buf_puts(&document, resources++ ? "," : "\"resources\":[");
            put_entity(&document, pool, context, entity, 0, entity_actions, NULL);
        }
    }
    /* An empty collection is {}: rOCCI-core's schema wants at least one
     * item in each array given. */
    if (resources) {
        occi_buf_putc(&document, ']');
    }
    if (links.len) {
        occi_buf_puts(&document, resources ? ",\"links\":" : "\"links\":");
        occi_buf_append(&document, links.data, links.len);
        occi_buf_putc(&document, ']');
    }
    occi_buf_putc(&document, '}');
    return document.data;
}
