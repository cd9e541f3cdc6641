/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON rendering of categories. Attribute definitions carry a "pattern"
 * for enumerated strings and for integers (both are "number" in OCCI's own
 * type list): a regular expression, which rOCCI-core requires, or, as
 * GFD.226 has it, a JSON Schema with the enumeration, type "integer" and
 * the bounds (OCCIJSONPattern).
 */
#include <string.h>
#include <stdlib.h>
#include <stdint.h>
#include <apr_strings.h>
#include <json.h>

#include "occi_buf.h"
#include "occi_json.h"
#include "occi_utf8.h"

#define OCCI_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static apr_status_t release_json(void *object)
{
    json_object_put(object);
    return APR_SUCCESS;
}

/* Serialises object into pool memory and releases it. */
const char *occi_json_release_to_string(apr_pool_t *pool, json_object *object)
{
    size_t len;
    const char *text = json_object_to_json_string_length(object, OCCI_JSON_FLAGS, &len);
    const char *copy = apr_pstrmemdup(pool, text, len);

    json_object_put(object);
    return copy;
}

static const char *json_type_name(occi_value_type type)
{
    switch (type) {
    case OCCI_TYPE_STRING:  return "string";
    case OCCI_TYPE_INTEGER:
    case OCCI_TYPE_FLOAT:   return "number";
    case OCCI_TYPE_BOOLEAN: return "boolean";
    case OCCI_TYPE_ARRAY:   return "array";
    case OCCI_TYPE_OBJECT:  return "object";
    }
    return "string";
}

/* The default, as a JSON value of the attribute's type. */
static json_object *default_value(const occi_attribute_def *attr)
{
    switch (attr->type) {
    case OCCI_TYPE_INTEGER:
        return json_object_new_int64(strtoll(attr->default_value, NULL, 10));
    case OCCI_TYPE_FLOAT:
        return json_object_new_double_s(strtod(attr->default_value, NULL), attr->default_value);
    case OCCI_TYPE_BOOLEAN:
        return json_object_new_boolean(!strcmp(attr->default_value, "true"));
    case OCCI_TYPE_ARRAY:
    case OCCI_TYPE_OBJECT:
        return json_tokener_parse(attr->default_value);
    case OCCI_TYPE_STRING:
        break;
    }
    return json_object_new_string(attr->default_value);
}

/* value with the characters of a regular expression's syntax escaped. */
static void regex_literal(occi_buf *out, const char *value)
{
    for (; *value; value++) {
        if (strchr("\\^$.|?*+()[]{}", *value)) {
            occi_buf_putc(out, '\\');
        }
        occi_buf_putc(out, *value);
    }
}

/* The pattern as a regular expression: the enumeration's values, or a
 * whole number. Bounds have no regular expression worth writing; they
 * stay in the schema form and in the server's checks. */
static json_object *pattern_regex(apr_pool_t *pool, const occi_attribute_def *attr)
{
    occi_buf regex;
    const char *const *v;

    if (attr->enum_values) {
        occi_buf_init(&regex, pool, 64);
        occi_buf_puts(&regex, "^(");
        for (v = attr->enum_values; *v; v++) {
            if (v != attr->enum_values) {
                occi_buf_putc(&regex, '|');
            }
            regex_literal(&regex, *v);
        }
        occi_buf_puts(&regex, ")$");
        return json_object_new_string(regex.data);
    }
    if (attr->type == OCCI_TYPE_INTEGER) {
        return json_object_new_string("^[+-]?[0-9]+$");
    }
    return NULL;
}

static json_object *pattern(apr_pool_t *pool, const occi_attribute_def *attr,
                            occi_json_pattern_style style)
{
    json_object *schema;

    if (style == OCCI_JSON_PATTERN_REGEX) {
        return pattern_regex(pool, attr);
    }
    if (!attr->enum_values && !attr->has_range && attr->type != OCCI_TYPE_INTEGER) {
        return NULL;
    }
    schema = json_object_new_object();
    json_object_object_add(schema, "$schema", json_object_new_string(OCCI_SCHEMA_DRAFT4));
    if (attr->type == OCCI_TYPE_INTEGER) {
        json_object_object_add(schema, "type", json_object_new_string("integer"));
        if (attr->has_range) {
            json_object_object_add(schema, "minimum", json_object_new_int64(attr->minimum));
            json_object_object_add(schema, "maximum", json_object_new_int64(attr->maximum));
        }
    }
    else {
        json_object_object_add(schema, "type", json_object_new_string(json_type_name(attr->type)));
    }
    if (attr->enum_values) {
        json_object *values = json_object_new_array();
        const char *const *v;

        for (v = attr->enum_values; *v; v++) {
            json_object_array_add(values, json_object_new_string(*v));
        }
        json_object_object_add(schema, "enum", values);
    }
    return schema;
}

static json_object *attribute_description(apr_pool_t *pool, const occi_attribute_def *attr,
                                          occi_json_pattern_style style)
{
    json_object *desc = json_object_new_object();
    json_object *schema = pattern(pool, attr, style);

    json_object_object_add(desc, "type", json_object_new_string(json_type_name(attr->type)));
    json_object_object_add(desc, "mutable", json_object_new_boolean(attr->is_mutable));
    json_object_object_add(desc, "required", json_object_new_boolean(attr->is_required));
    if (attr->default_value) {
        json_object_object_add(desc, "default", default_value(attr));
    }
    if (schema) {
        json_object_object_add(desc, "pattern", schema);
    }
    if (attr->description) {
        json_object_object_add(desc, "description", json_object_new_string(attr->description));
    }
    return desc;
}

static json_object *string_array(const char *const *values)
{
    json_object *array = json_object_new_array();

    for (; values && *values; values++) {
        json_object_array_add(array, json_object_new_string(*values));
    }
    return array;
}

static json_object *category_object(apr_pool_t *pool, const occi_category *category,
                                     const char *base, occi_json_pattern_style style)
{
    json_object *object = json_object_new_object();

    json_object_object_add(object, "term", json_object_new_string(category->term));
    json_object_object_add(object, "scheme", json_object_new_string(category->scheme));
    if (category->title) {
        json_object_object_add(object, "title", json_object_new_string(category->title));
    }
    if (category->n_attributes) {
        json_object *attributes = json_object_new_object();
        int i;

        for (i = 0; i < category->n_attributes; i++) {
            json_object_object_add(attributes, category->attributes[i].name,
                                   attribute_description(pool, &category->attributes[i],
                                                         style));
        }
        json_object_object_add(object, "attributes", attributes);
    }
    if (category->actions && category->actions[0]) {
        json_object_object_add(object, "actions", string_array(category->actions));
    }
    if (category->parent) {
        json_object_object_add(object, "parent", json_object_new_string(category->parent));
    }
    if (category->depends && category->depends[0]) {
        json_object_object_add(object, "depends", string_array(category->depends));
    }
    if (category->applies && category->applies[0]) {
        json_object_object_add(object, "applies", string_array(category->applies));
    }
    if (category->location) {
        json_object_object_add(object, "location", json_object_new_string(
                                   apr_pstrcat(pool, base, category->location, NULL)));
    }
    return object;
}

const char *occi_json_categories(apr_pool_t *pool, const apr_array_header_t *categories,
                                 const char *base, occi_json_pattern_style patterns)
{
    json_object *document = json_object_new_object();
    json_object *lists[3];
    int i;

    lists[OCCI_CLASS_KIND] = json_object_new_array();
    lists[OCCI_CLASS_MIXIN] = json_object_new_array();
    lists[OCCI_CLASS_ACTION] = json_object_new_array();
    for (i = 0; i < categories->nelts; i++) {
        const occi_category *category = APR_ARRAY_IDX(categories, i, const occi_category *);

        json_object_array_add(lists[category->cls],
                              category_object(pool, category, base, patterns));
    }
    /* A filtered model may lack a class: its array is left out, as
     * rOCCI-core's schema wants at least one item in each. */
    for (i = 0; i < 3; i++) {
        static const char *const names[3] = { "kinds", "mixins", "actions" };
        static const occi_category_class classes[3] = {
            OCCI_CLASS_KIND, OCCI_CLASS_MIXIN, OCCI_CLASS_ACTION
        };

        if (json_object_array_length(lists[classes[i]])) {
            json_object_object_add(document, names[i], lists[classes[i]]);
        }
        else {
            json_object_put(lists[classes[i]]);
        }
    }
    return occi_json_release_to_string(pool, document);
}

const char *occi_json_string(apr_pool_t *pool, const char *s)
{
    return occi_json_release_to_string(pool, json_object_new_string(s));
}

const char *occi_json_error(apr_pool_t *pool, int code, const char *message)
{
    json_object *error = json_object_new_object();

    json_object_object_add(error, "code", json_object_new_int(code));
    json_object_object_add(error, "message", json_object_new_string(message));
    return occi_json_release_to_string(pool, error);
}

/* ---- Parsing ------------------------------------------------------- */

static unsigned hex4(const char *p)
{
    unsigned value = 0;
    int i;

    for (i = 0; i < 4; i++) {
        char c = p[i];

        value = value * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return value;
}

/* Appends c to the member name being read, when a name is. */
static apr_size_t put(char *name, apr_size_t n, int keep, char c)
{
    if (keep) {
        name[n++] = c;
    }
    return n;
}

/* What json-c lets through in a document it parsed: a member named twice
 * in one object (json-c keeps the last, so the client would not learn
 * which value counts), a NUL in a member name (json-c cuts the name
 * there) and an unpaired UTF-16 surrogate escape (json-c turns it into
 * U+FFFD, so the bytes would not come back as sent). text is known to be
 * well-formed JSON nesting at most OCCI_JSON_MAX_DEPTH levels. Returns
 * NULL or a message for the client. */
static const char *check_members(apr_pool_t *pool, const char *text, apr_size_t len)
{
    apr_hash_t *objects[OCCI_JSON_MAX_DEPTH + 1];
    int depth = 0, expect_name = 0;
    apr_size_t i = 0;

    while (i < len) {
        char c = text[i];

        if (c == '{' || c == '[') {
            if (depth > OCCI_JSON_MAX_DEPTH) {
                return "the JSON document nests too deeply";
            }
            objects[depth++] = c == '{' ? apr_hash_make(pool) : NULL;
            expect_name = c == '{';
            i++;
        }
        else if (c == '}' || c == ']') {
            depth--;
            i++;
        }
        else if (c == ',') {
            expect_name = depth > 0 && objects[depth - 1] != NULL;
            i++;
        }
        else if (c == '"') {
            /* A member name is kept, its escapes resolved, for comparing;
             * resolving never makes it longer. */
            apr_size_t end = i + 1, n = 0;
            char *name;
            int has_nul = 0;

            while (end < len && text[end] != '"') {
                end += text[end] == '\\' ? 2 : 1;
            }
            if (end >= len) {
                return apr_psprintf(pool, "the JSON document is malformed at byte %lu: "
                                    "a string does not end", (unsigned long)i);
            }
            name = apr_palloc(pool, expect_name ? end - i : 1);
            for (i++; text[i] != '"'; i++) {
                unsigned code;

                if (text[i] != '\\') {
                    n = put(name, n, expect_name, text[i]);
                    continue;
                }
                i++;
                if (text[i] != 'u') {
                    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
                    const char *escape = text[i] ? strchr(from, text[i]) : NULL;

                    if (!escape) {
                        return apr_psprintf(pool, "the JSON document is malformed at byte %lu: "
                                            "an unknown escape", (unsigned long)i - 1);
                    }
                    n = put(name, n, expect_name, to[escape - from]);
                    continue;
                }
                if (i + 4 >= end) {
                    return apr_psprintf(pool, "the JSON document is malformed at byte %lu: "
                                        "a short \\u escape", (unsigned long)i - 1);
                }
                code = hex4(text + i + 1);
                i += 4;
                if (code >= 0xdc00 && code <= 0xdfff) {
                    return apr_psprintf(pool, "the JSON document holds an unpaired surrogate "
                                        "\\u%04x at byte %lu", code, (unsigned long)i - 5);
                }
                if (code >= 0xd800 && code <= 0xdbff) {
                    unsigned low = i + 6 < end && text[i + 1] == '\\' && text[i + 2] == 'u'
                                       ? hex4(text + i + 3) : 0;

                    if (low < 0xdc00 || low > 0xdfff) {
                        return apr_psprintf(pool, "the JSON document holds an unpaired "
                                            "surrogate \\u%04x at byte %lu", code,
                                            (unsigned long)i - 5);
                    }
                    i += 6;
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                }
                has_nul |= code == 0;
                /* Any distinct bytes will do for comparing: UTF-8. */
                if (code < 0x80) {
                    n = put(name, n, expect_name, (char)code);
                }
                else if (code < 0x800) {
                    n = put(name, n, expect_name, (char)(0xc0 | code >> 6));
                    n = put(name, n, expect_name, (char)(0x80 | (code & 0x3f)));
                }
                else if (code < 0x10000) {
                    n = put(name, n, expect_name, (char)(0xe0 | code >> 12));
                    n = put(name, n, expect_name, (char)(0x80 | ((code >> 6) & 0x3f)));
                    n = put(name, n, expect_name, (char)(0x80 | (code & 0x3f)));
                }
                else {
                    n = put(name, n, expect_name, (char)(0xf0 | code >> 18));
                    n = put(name, n, expect_name, (char)(0x80 | ((code >> 12) & 0x3f)));
                    n = put(name, n, expect_name, (char)(0x80 | ((code >> 6) & 0x3f)));
                    n = put(name, n, expect_name, (char)(0x80 | (code & 0x3f)));
                }
            }
            i++;
            if (expect_name) {
                expect_name = 0;
                if (has_nul) {
                    return "a member name of the JSON document contains a NUL character";
                }
                if (apr_hash_get(objects[depth - 1], name, (apr_ssize_t)n)) {
                    return apr_psprintf(pool, "member '%.*s' appears twice in one JSON object",
                                        (int)n, name);
                }
                apr_hash_set(objects[depth - 1], name, (apr_ssize_t)n, name);
            }
        }
        else if (c == '\'') {
            /* json-c takes single-quoted strings even in strict mode;
             * JSON has none (and this scan would not know where they end). */
            return apr_psprintf(pool, "the JSON document is malformed at byte %lu: strings "
                                "are written in double quotes", (unsigned long)i);
        }
        else {
            i++;
        }
    }
    return NULL;
}

json_object *occi_json_parse_document(apr_pool_t *pool, const char *text, apr_size_t len,
                                      const char **error)
{
    json_tokener *tokener;
    json_object *root;
    enum json_tokener_error status;
    size_t consumed;

    if (!occi_utf8_is_valid(text, len)) {
        *error = "the JSON document is not valid UTF-8";
        return NULL;
    }
    if (len > INT32_MAX) {
        *error = "the JSON document is too large";
        return NULL;
    }
    tokener = json_tokener_new_ex(OCCI_JSON_MAX_DEPTH);
    if (!tokener) {
        *error = "out of memory parsing JSON";
        return NULL;
    }
    /* Strict mode alone reports trailing data as a bare "unexpected
     * character"; allowing it here lets the check below name it. */
    json_tokener_set_flags(tokener, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
    root = json_tokener_parse_ex(tokener, text, (int)len);
    status = json_tokener_get_error(tokener);
    if (!root && status == json_tokener_continue) {
        /* All of text was read. A number at its very end is complete only
         * once the tokener sees what follows: the terminating NUL says so
         * (as in json_tokener_parse), and anything truly unfinished is then
         * reported as an early end. */
        root = json_tokener_parse_ex(tokener, "", 1);
        status = json_tokener_get_error(tokener);
        consumed = len;
    }
    else {
        consumed = json_tokener_get_parse_end(tokener);
    }
    if (!root && status == json_tokener_success) {
        *error = "the JSON document is null, not an object";
    }
    else if (!root && (status == json_tokener_continue || status == json_tokener_error_parse_eof)) {
        *error = "the JSON document ends before it is complete";
    }
    else if (!root || status != json_tokener_success) {
        if (status == json_tokener_error_depth) {
            *error = apr_psprintf(pool, "the JSON document nests deeper than %d levels",
                                  OCCI_JSON_MAX_DEPTH);
        }
        else {
            *error = apr_psprintf(pool, "the JSON document is malformed at byte %lu: %s",
                                  (unsigned long)json_tokener_get_parse_end(tokener),
                                  json_tokener_error_desc(status));
        }
        json_object_put(root);
        root = NULL;
    }
    else if (consumed < len) {
        *error = apr_psprintf(pool, "unexpected data after the JSON document at byte %lu",
                              (unsigned long)consumed);
        json_object_put(root);
        root = NULL;
    }
    json_tokener_free(tokener);
    if (root && (*error = check_members(pool, text, consumed)) != NULL) {
        json_object_put(root);
        root = NULL;
    }
    if (root) {
        apr_pool_cleanup_register(pool, root, release_json, apr_pool_cleanup_null);
    }
    return root;
}

/* True when a JSON string holds a NUL (written \u0000): as a C string it
 * would be silently cut short, so "x\u0000y" would pass for "x". */
static int has_nul(json_object *string)
{
    return strlen(json_object_get_string(string)) != (size_t)json_object_get_string_len(string);
}

static const char *member_string(apr_pool_t *pool, json_object *object, const char *name,
                                 const char **out, const char *context)
{
    json_object *value;

    *out = NULL;
    if (!json_object_object_get_ex(object, name, &value)) {
        return NULL;
    }
    if (!json_object_is_type(value, json_type_string)) {
        return apr_psprintf(pool, "%s: member '%s' must be a string", context, name);
    }
    if (has_nul(value)) {
        return apr_psprintf(pool, "%s: member '%s' contains a NUL character", context, name);
    }
    *out = apr_pstrdup(pool, json_object_get_string(value));
    return NULL;
}

static const char *member_strings(apr_pool_t *pool, json_object *object, const char *name,
                                  const char *const **out, const char *context)
{
    json_object *value;
    const char **strings;
    size_t i, n;

    *out = NULL;
    if (!json_object_object_get_ex(object, name, &value)) {
        return NULL;
    }
    if (!json_object_is_type(value, json_type_array)) {
        return apr_psprintf(pool, "%s: member '%s' must be an array of strings", context, name);
    }
    n = json_object_array_length(value);
    strings = apr_pcalloc(pool, (n + 1) * sizeof(*strings));
    for (i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(value, i);

        if (!json_object_is_type(item, json_type_string)) {
            return apr_psprintf(pool, "%s: member '%s' must be an array of strings",
                                context, name);
        }
        if (has_nul(item)) {
            return apr_psprintf(pool, "%s: member '%s' contains a NUL character",
                                context, name);
        }
        strings[i] = apr_pstrdup(pool, json_object_get_string(item));
    }
    *out = strings;
    return NULL;
}

static const char *parse_type(apr_pool_t *pool, const char *name, occi_value_type *type,
                              const char *context)
{
    static const struct { const char *name; occi_value_type type; } types[] = {
        { "string", OCCI_TYPE_STRING }, { "number", OCCI_TYPE_FLOAT },
        { "boolean", OCCI_TYPE_BOOLEAN }, { "array", OCCI_TYPE_ARRAY },
        { "object", OCCI_TYPE_OBJECT },
    };
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (!strcmp(name, types[i].name)) {
            *type = types[i].type;
            return NULL;
        }
    }
    return apr_psprintf(pool, "%s: type '%s' is not one of string, number, boolean, "
                        "array, object", context, name);
}

static const char *parse_pattern(apr_pool_t *pool, json_object *schema,
                                 occi_attribute_def *attr, const char *context)
{
    json_object *value;

    /* A regular expression, as rOCCI-core writes it, says nothing this
     * server keeps: it is accepted and left aside. */
    if (json_object_is_type(schema, json_type_string)) {
        return NULL;
    }
    if (!json_object_is_type(schema, json_type_object)) {
        return apr_psprintf(pool, "%s: 'pattern' must be a JSON Schema object or a regular "
                            "expression", context);
    }
    if (json_object_object_get_ex(schema, "type", &value)
        && json_object_is_type(value, json_type_string)
        && !strcmp(json_object_get_string(value), "integer")) {
        attr->type = OCCI_TYPE_INTEGER;
    }
    if (json_object_object_get_ex(schema, "minimum", &value)
        && json_object_is_type(value, json_type_int)) {
        attr->has_range = 1;
        attr->minimum = json_object_get_int64(value);
        attr->maximum = INT64_MAX;
        if (json_object_object_get_ex(schema, "maximum", &value)
            && json_object_is_type(value, json_type_int)) {
            attr->maximum = json_object_get_int64(value);
        }
    }
    return member_strings(pool, schema, "enum", &attr->enum_values, context);
}

static const char *parse_attribute(apr_pool_t *pool, const char *name, json_object *desc,
                                   occi_attribute_def *attr)
{
    const char *context = apr_psprintf(pool, "attribute '%s'", name);
    const char *type_name, *error;
    json_object *value;

    memset(attr, 0, sizeof(*attr));
    attr->name = apr_pstrdup(pool, name);
    attr->type = OCCI_TYPE_STRING;
    if (!json_object_is_type(desc, json_type_object)) {
        return apr_psprintf(pool, "%s: the description must be an object", context);
    }
    if ((error = member_string(pool, desc, "type", &type_name, context))) {
        return error;
    }
    if (type_name && (error = parse_type(pool, type_name, &attr->type, context))) {
        return error;
    }
    if (json_object_object_get_ex(desc, "mutable", &value)) {
        if (!json_object_is_type(value, json_type_boolean)) {
            return apr_psprintf(pool, "%s: 'mutable' must be true or false", context);
        }
        attr->is_mutable = json_object_get_boolean(value);
    }
    if (json_object_object_get_ex(desc, "required", &value)) {
        if (!json_object_is_type(value, json_type_boolean)) {
            return apr_psprintf(pool, "%s: 'required' must be true or false", context);
        }
        attr->is_required = json_object_get_boolean(value);
    }
    if (json_object_object_get_ex(desc, "pattern", &value)
        && (error = parse_pattern(pool, value, attr, context))) {
        return error;
    }
    if (json_object_object_get_ex(desc, "default", &value)) {
        if (json_object_is_type(value, json_type_string) && has_nul(value)) {
            return apr_psprintf(pool, "%s: 'default' contains a NUL character", context);
        }
        attr->default_value = json_object_is_type(value, json_type_string)
            ? apr_pstrdup(pool, json_object_get_string(value))
            : apr_pstrdup(pool, json_object_to_json_string_ext(value, OCCI_JSON_FLAGS));
    }
    return member_string(pool, desc, "description", &attr->description, context);
}

static const char *parse_category(apr_pool_t *pool, json_object *object,
                                  occi_category_class cls, occi_category **out)
{
    occi_category *category = apr_pcalloc(pool, sizeof(*category));
    const char *context = apr_psprintf(pool, "a %s", occi_category_class_name(cls));
    const char *error;
    json_object *attributes;

    if (!json_object_is_type(object, json_type_object)) {
        return apr_psprintf(pool, "%s must be a JSON object", context);
    }
    category->cls = cls;
    if ((error = member_string(pool, object, "term", &category->term, context))
        || (error = member_string(pool, object, "scheme", &category->scheme, context))) {
        return error;
    }
    if (!category->term || !category->scheme) {
        return apr_psprintf(pool, "%s lacks its '%s' member", context,
                            category->term ? "scheme" : "term");
    }
    if (!occi_term_is_valid(category->term)) {
        return apr_psprintf(pool, "'%s' is not a valid category term", category->term);
    }
    context = apr_psprintf(pool, "category '%s%s'", category->scheme, category->term);
    if ((error = member_string(pool, object, "title", &category->title, context))
        || (error = member_string(pool, object, "location", &category->location, context))
        || (error = member_string(pool, object, "parent", &category->parent, context))
        || (error = member_strings(pool, object, "depends", &category->depends, context))
        || (error = member_strings(pool, object, "applies", &category->applies, context))
        || (error = member_strings(pool, object, "actions", &category->actions, context))) {
        return error;
    }
    if (json_object_object_get_ex(object, "attributes", &attributes)) {
        occi_attribute_def *defs;
        int n = 0;

        if (!json_object_is_type(attributes, json_type_object)) {
            return apr_psprintf(pool, "%s: 'attributes' must be an object", context);
        }
        defs = apr_pcalloc(pool, (size_t)json_object_object_length(attributes) * sizeof(*defs)
                                 + 1);
        json_object_object_foreach(attributes, name, desc) {
            if ((error = parse_attribute(pool, name, desc, &defs[n]))) {
                return apr_psprintf(pool, "%s: %s", context, error);
            }
            n++;
        }
        category->attributes = defs;
        category->n_attributes = n;
    }
    *out = category;
    return NULL;
}

const char *occi_json_parse_categories(apr_pool_t *pool, const char *text, apr_size_t len,
                                       apr_array_header_t *out)
{
    static const struct { const char *member; occi_category_class cls; } lists[] = {
        { "kinds", OCCI_CLASS_KIND }, { "mixins", OCCI_CLASS_MIXIN },
        { "actions", OCCI_CLASS_ACTION },
    };
    const char *error = NULL;
    json_object *root = occi_json_parse_document(pool, text, len, &error);
    int found = 0;
    size_t l;

    if (!root) {
        return error;
    }
    if (!json_object_is_type(root, json_type_object)) {
        return "the JSON document must be an object";
    }
    for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        json_object *array;
        size_t i, n;

        if (!json_object_object_get_ex(root, lists[l].member, &array)) {
            continue;
        }
        found = 1;
        if (!json_object_is_type(array, json_type_array)) {
            return apr_psprintf(pool, "member '%s' must be an array", lists[l].member);
        }
        n = json_object_array_length(array);
        for (i = 0; i < n; i++) {
            occi_category *category;

            error = parse_category(pool, json_object_array_get_idx(array, i), lists[l].cls,
                                   &category);
            if (error) {
                return error;
            }
            APR_ARRAY_PUSH(out, occi_category *) = category;
        }
    }
    if (!found) {
        occi_category *category;

        if ((error = parse_category(pool, root, OCCI_CLASS_MIXIN, &category))) {
            return error;
        }
        APR_ARRAY_PUSH(out, occi_category *) = category;
    }
    return NULL;
}
