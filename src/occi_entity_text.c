/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text rendering (GFD.229) of entities. Every parser here is a single
 * left-to-right scan with no backtracking, like the Category parser of
 * occi_text.c, so its time is linear in the input whatever a client sends;
 * every refusal is a sentence naming the field, attribute or value at
 * fault, because it becomes the body of a 400 response.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "occi_entity_text.h"
#include "occi_buf.h"
#include "occi_text.h"
#include "occi_utf8.h"

#define CORE_LINK OCCI_SCHEME_CORE "link"

/* Longest piece of client input quoted back in an error message: enough
 * to recognise it, and a 1 MB value does not come back as a 1 MB error. */
#define QUOTE_MAX 200

static const char *quote_input(apr_pool_t *pool, const char *s)
{
    apr_size_t len = strlen(s), cut = QUOTE_MAX;

    if (len <= QUOTE_MAX) {
        return s;
    }
    /* Do not cut a UTF-8 sequence in two: back up to a lead byte. */
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) {
        cut--;
    }
    return apr_pstrcat(pool, apr_pstrmemdup(pool, s, cut), "...", NULL);
}

/* ---- Parsing: values ----------------------------------------------- */

typedef struct {
    apr_pool_t *pool;
    const char *p;
    const char *error;
} scanner;

static void skip_ows(scanner *s)
{
    while (*s->p == ' ' || *s->p == '\t') {
        s->p++;
    }
}

/* A parameter or attribute name: the term characters, scanned loosely so
 * that a bad name is reported whole rather than cut at the first odd
 * character. */
static const char *scan_name(scanner *s)
{
    const char *start = s->p;

    while (*s->p && !strchr(" \t=,;\"<>", *s->p)) {
        s->p++;
    }
    return apr_pstrmemdup(s->pool, start, (apr_size_t)(s->p - start));
}

/* A bare (unquoted) value: everything up to whitespace or a separator. */
static const char *scan_bare(scanner *s)
{
    const char *start = s->p;

    while (*s->p && !strchr(" \t,;\"", *s->p)) {
        s->p++;
    }
    return apr_pstrmemdup(s->pool, start, (apr_size_t)(s->p - start));
}

/* A bare value that may hold several space-separated words, as the
 * unquoted category= of a Link does (link-type = type-identifier
 * *( 1*SP type-identifier )). It ends at ';', ',' or the end. */
static const char *scan_bare_words(scanner *s)
{
    const char *start = s->p, *end = s->p;

    for (;;) {
        while (*s->p && !strchr(" \t,;\"", *s->p)) {
            s->p++;
        }
        end = s->p;
        skip_ows(s);
        if (!*s->p || strchr(",;\"", *s->p)) {
            break;
        }
    }
    s->p = end;
    return apr_pstrmemdup(s->pool, start, (apr_size_t)(end - start));
}

static const char *skip_digits(const char *p)
{
    while (apr_isdigit(*p)) {
        p++;
    }
    return p;
}

/* Types a bare value: true or false, an integer, or a decimal. GFD.229
 * numbers have neither sign nor exponent; both are accepted, as the
 * reference recommends, so that "-1" and "1e3" do not need quoting.
 * Returns NULL or what is wrong with the value. */
static const char *type_bare_value(const char *text, occi_value *value)
{
    const char *p = text, *start;
    int digits, is_float = 0;
    char *end;

    memset(value, 0, sizeof(*value));
    if (!strcmp(text, "true") || !strcmp(text, "false")) {
        value->type = OCCI_TYPE_BOOLEAN;
        value->boolean = text[0] == 't';
        return NULL;
    }
    if (*p == '-') {
        p++;
    }
    start = p;
    p = skip_digits(p);
    digits = p > start;
    if (*p == '.') {
        is_float = 1;
        start = ++p;
        p = skip_digits(p);
        digits = digits || p > start;
    }
    if (digits && (*p == 'e' || *p == 'E')) {
        is_float = 1;
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        start = p;
        p = skip_digits(p);
        digits = p > start;
    }
    if (!digits || *p) {
        return "is not a quoted string, a number, true or false";
    }
    errno = 0;
    if (is_float) {
        value->type = OCCI_TYPE_FLOAT;
        value->number = strtod(text, &end);
        if (!isfinite(value->number)) {
            return "is beyond the range of a floating-point number";
        }
    }
    else {
        value->type = OCCI_TYPE_INTEGER;
        value->integer = strtoll(text, &end, 10);
        if (errno == ERANGE) {
            return "is beyond the 64-bit integer range";
        }
    }
    return NULL;
}

/* attribute-value = quoted-string | number | bool. Sets *value; returns
 * NULL or a message naming the attribute. */
static const char *scan_attribute_value(scanner *s, const char *field, const char *name,
                                        occi_value *value)
{
    const char *bare, *problem;

    memset(value, 0, sizeof(*value));
    if (*s->p == '"') {
        value->type = OCCI_TYPE_STRING;
        value->string = occi_text_scan_quoted(s->pool, &s->p, &s->error);
        if (!value->string) {
            return apr_psprintf(s->pool, "%s: the value of attribute %s: %s", field, name,
                                s->error);
        }
        return NULL;
    }
    bare = scan_bare(s);
    if (!*bare) {
        return apr_psprintf(s->pool, "%s: attribute %s has no value after '='", field, name);
    }
    problem = type_bare_value(bare, value);
    if (problem) {
        return apr_psprintf(s->pool, "%s: the value %s of attribute %s %s (strings must be "
                            "quoted)", field, quote_input(s->pool, bare), name, problem);
    }
    return NULL;
}

/* After one value of a comma list: the end, or a comma and more. */
static const char *next_in_list(scanner *s, const char *field, const char *what, int *more)
{
    skip_ows(s);
    if (*s->p == '\0') {
        *more = 0;
        return NULL;
    }
    if (*s->p != ',') {
        return apr_psprintf(s->pool, "%s: unexpected '%c' after %s", field, *s->p, what);
    }
    s->p++;
    *more = 1;
    return NULL;
}

/* ---- Parsing: the parse state shared by the field kinds ------------- */

typedef struct {
    apr_pool_t *pool;
    int values;             /* values read so far, for OCCI_TEXT_MAX_FIELDS */
} parse_state;

static const char *count_value(parse_state *state)
{
    if (++state->values > OCCI_TEXT_MAX_FIELDS) {
        return apr_psprintf(state->pool, "more than %d values in one request",
                            OCCI_TEXT_MAX_FIELDS);
    }
    return NULL;
}

static const char *check_field_utf8(apr_pool_t *pool, const occi_text_field *field)
{
    if (!occi_utf8_is_valid(field->value, strlen(field->value))) {
        return apr_psprintf(pool, "a %s value is not valid UTF-8", field->name);
    }
    return NULL;
}

/* Parses an X-OCCI-Attribute value (a comma list of name=value) and
 * appends occi_attribute_value entries to out; seen holds the names
 * already given in this request. */
static const char *parse_attributes(parse_state *state, const char *text, apr_hash_t *seen,
                                    apr_array_header_t *out)
{
    scanner s;
    int more = 1;

    s.pool = state->pool;
    s.p = text;
    s.error = NULL;
    while (more) {
        occi_attribute_value *attribute;
        const char *name, *shown, *error;
        occi_value value;

        if ((error = count_value(state))) {
            return error;
        }
        skip_ows(&s);
        name = scan_name(&s);
        if (!*name) {
            return *s.p ? apr_psprintf(s.pool, "X-OCCI-Attribute: an attribute name is "
                                       "expected before '%c'", *s.p)
                        : "X-OCCI-Attribute: an attribute name is expected";
        }
        if (!occi_term_is_valid(name)) {
            return apr_psprintf(s.pool, "X-OCCI-Attribute: '%s' is not a valid attribute "
                                "name", quote_input(s.pool, name));
        }
        shown = quote_input(s.pool, name);
        skip_ows(&s);
        if (*s.p != '=') {
            return apr_psprintf(s.pool, "X-OCCI-Attribute: attribute %s has no '=' and value",
                                shown);
        }
        s.p++;
        skip_ows(&s);
        if ((error = scan_attribute_value(&s, "X-OCCI-Attribute", shown, &value))) {
            return error;
        }
        if (apr_hash_get(seen, name, APR_HASH_KEY_STRING)) {
            return apr_psprintf(s.pool, "attribute %s is given twice", shown);
        }
        apr_hash_set(seen, name, APR_HASH_KEY_STRING, name);
        attribute = apr_array_push(out);
        attribute->name = name;
        attribute->value = value;
        if ((error = next_in_list(&s, "X-OCCI-Attribute",
                                  apr_psprintf(s.pool, "the value of attribute %s", shown),
                                  &more))) {
            return error;
        }
    }
    return NULL;
}

/* Parses the Category values of all fields into categories. */
static const char *parse_category_fields(parse_state *state, const apr_array_header_t *fields,
                                         apr_array_header_t *categories)
{
    int i;

    for (i = 0; i < fields->nelts; i++) {
        const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);
        int before = categories->nelts;
        const char *error;

        if (strcasecmp(field->name, "Category")) {
            continue;
        }
        /* Each call is bounded by the limit itself; the overall count is
         * checked right after, so the total never runs far past it. */
        error = occi_text_parse_categories(state->pool, field->value, OCCI_TEXT_MAX_FIELDS,
                                           categories);
        if (error) {
            return apr_pstrcat(state->pool, "Category: ", error, NULL);
        }
        state->values += categories->nelts - before;
        if (state->values > OCCI_TEXT_MAX_FIELDS) {
            return apr_psprintf(state->pool, "more than %d values in one request",
                                OCCI_TEXT_MAX_FIELDS);
        }
    }
    return NULL;
}

/* Splits a list of space-separated type identifiers. */
static apr_array_header_t *split_type_ids(apr_pool_t *pool, const char *list)
{
    apr_array_header_t *ids = apr_array_make(pool, 4, sizeof(const char *));
    char *copy = apr_pstrdup(pool, list), *state, *word;

    for (word = apr_strtok(copy, " \t", &state); word; word = apr_strtok(NULL, " \t", &state)) {
        APR_ARRAY_PUSH(ids, const char *) = word;
    }
    return ids;
}

/* A URI reference as the text rendering carries it: no whitespace, no
 * control characters, nothing that would end or split the value. */
static int is_uri_reference(const char *uri)
{
    if (!*uri) {
        return 0;
    }
    for (; *uri; uri++) {
        unsigned char c = (unsigned char)*uri;

        if (c <= 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>') {
            return 0;
        }
    }
    return 1;
}

/* The pieces of one Link value. */
typedef struct {
    const char *uri;
    const char *rel;
    const char *self;
    const char *category;
    apr_array_header_t *attributes;     /* occi_attribute_value */
} link_value;

/* link-value = "<" URI-reference ">" ";" "rel" "=" <"> resource-type <">
 *              [ ";" "self" "=" <"> link-instance <"> ]
 *              [ ";" "category" "=" link-type *( ";" link-attribute ) ]
 * Parameters are accepted in any order, quoted or bare. */
static const char *parse_link_value(parse_state *state, scanner *s, link_value *link)
{
    const char *start, *error, *what;
    apr_hash_t *seen = apr_hash_make(s->pool);

    memset(link, 0, sizeof(*link));
    link->attributes = apr_array_make(s->pool, 4, sizeof(occi_attribute_value));
    skip_ows(s);
    if (*s->p != '<') {
        return *s->p ? apr_psprintf(s->pool, "Link: a Link value must start with '<', "
                                    "not '%c'", *s->p)
                     : "Link: a Link value is expected";
    }
    start = ++s->p;
    while (*s->p && *s->p != '>' && *s->p != '<') {
        s->p++;
    }
    if (*s->p != '>') {
        return apr_psprintf(s->pool, "Link: the URI <%s lacks its closing '>'",
                            quote_input(s->pool, apr_pstrmemdup(s->pool, start,
                                                                (apr_size_t)(s->p - start))));
    }
    link->uri = apr_pstrmemdup(s->pool, start, (apr_size_t)(s->p - start));
    s->p++;
    if (!is_uri_reference(link->uri)) {
        return apr_psprintf(s->pool, "Link: <%s> is not a URI reference",
                            quote_input(s->pool, link->uri));
    }
    what = apr_psprintf(s->pool, "Link to <%s>", quote_input(s->pool, link->uri));
    for (;;) {
        const char *name;

        skip_ows(s);
        if (*s->p != ';') {
            break;
        }
        s->p++;
        skip_ows(s);
        if (*s->p == ',' || *s->p == '\0') {
            break;                              /* tolerated trailing ';' */
        }
        name = scan_name(s);
        if (!*name) {
            return apr_psprintf(s->pool, "%s: a parameter name is expected before '%c'",
                                what, *s->p);
        }
        skip_ows(s);
        if (*s->p != '=') {
            return apr_psprintf(s->pool, "%s: parameter '%s' has no '=' and value", what,
                                quote_input(s->pool, name));
        }
        s->p++;
        skip_ows(s);
        if (!strcmp(name, "rel") || !strcmp(name, "self") || !strcmp(name, "category")) {
            const char **slot = name[0] == 'r' ? &link->rel
                                : name[0] == 's' ? &link->self : &link->category;
            const char *value;

            if (*slot) {
                return apr_psprintf(s->pool, "%s: the %s parameter is given twice", what, name);
            }
            value = *s->p == '"' ? occi_text_scan_quoted(s->pool, &s->p, &s->error)
                                 : scan_bare_words(s);
            if (!value) {
                return apr_psprintf(s->pool, "%s: the %s parameter: %s", what, name, s->error);
            }
            *slot = value;
        }
        else {
            occi_attribute_value *attribute;
            occi_value value;

            if (!occi_term_is_valid(name)) {
                return apr_psprintf(s->pool, "%s: '%s' is not a valid attribute name", what,
                                    quote_input(s->pool, name));
            }
            if ((error = scan_attribute_value(s, what, quote_input(s->pool, name), &value))) {
                return error;
            }
            if (apr_hash_get(seen, name, APR_HASH_KEY_STRING)) {
                return apr_psprintf(s->pool, "%s: attribute %s is given twice", what,
                                    quote_input(s->pool, name));
            }
            apr_hash_set(seen, name, APR_HASH_KEY_STRING, name);
            if ((error = count_value(state))) {
                return error;
            }
            attribute = apr_array_push(link->attributes);
            attribute->name = name;
            attribute->value = value;
        }
    }
    return NULL;
}

static int is_action_link(const link_value *link)
{
    return strstr(link->uri, "?action=") != NULL;
}

/* The inline link entity a Link value describes. */
static const char *link_entity(apr_pool_t *pool, const link_value *link, occi_entity **out)
{
    const char *what = apr_psprintf(pool, "Link to <%s>", quote_input(pool, link->uri));
    occi_entity *entity = occi_entity_create(pool);
    apr_array_header_t *types, *targets;
    apr_hash_t *seen;
    occi_value value;
    int i;

    if (!link->rel) {
        return apr_psprintf(pool, "%s lacks rel= (the kind of its target)", what);
    }
    if (!link->category) {
        return apr_psprintf(pool, "%s lacks category= (the kind of the link)", what);
    }
    types = split_type_ids(pool, link->category);
    if (!types->nelts) {
        return apr_psprintf(pool, "%s has an empty category=", what);
    }
    targets = split_type_ids(pool, link->rel);
    if (!targets->nelts) {
        return apr_psprintf(pool, "%s has an empty rel=", what);
    }
    entity->kind = APR_ARRAY_IDX(types, 0, const char *);
    /* category= is one value however many ids it lists, so the list has
     * no limit but the field's length: a hash keeps the check linear. */
    seen = apr_hash_make(pool);
    apr_hash_set(seen, entity->kind, APR_HASH_KEY_STRING, entity->kind);
    for (i = 1; i < types->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(types, i, const char *);

        if (apr_hash_get(seen, mixin, APR_HASH_KEY_STRING)) {
            return apr_psprintf(pool, "%s: category %s is given twice", what,
                                quote_input(pool, mixin));
        }
        apr_hash_set(seen, mixin, APR_HASH_KEY_STRING, mixin);
        APR_ARRAY_PUSH(entity->mixins, const char *) = mixin;
    }
    /* self= is the server's to write. One that ends in an entity id names
     * the link; any other (GFD.229's own example writes
     * self="/networkinterface/456") cannot name a link of this server, so
     * it is passed over and the link counts as one without an id. */
    if (link->self) {
        entity->id = occi_entity_id_from_reference(pool, link->self);
    }
    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_STRING;
    value.string = link->uri;
    occi_entity_set(entity, "occi.core.target", &value);
    value.string = APR_ARRAY_IDX(targets, 0, const char *);
    occi_entity_set(entity, "occi.core.target.kind", &value);
    for (i = 0; i < link->attributes->nelts; i++) {
        const occi_attribute_value *attribute = &APR_ARRAY_IDX(link->attributes, i,
                                                               occi_attribute_value);

        if (!strcmp(attribute->name, "occi.core.id")) {
            const char *id = attribute->value.type == OCCI_TYPE_STRING
                ? occi_entity_id_from_reference(pool, attribute->value.string) : NULL;

            if (!id && attribute->value.type == OCCI_TYPE_STRING
                && occi_entity_foreign_id_acceptable(attribute->value.string)) {
                entity->foreign_id = attribute->value.string;
                continue;
            }
            if (!id) {
                return apr_psprintf(pool, "%s: occi.core.id is not a valid entity id "
                                    "(expected \"urn:uuid:<uuid>\")", what);
            }
            if (entity->id && strcmp(entity->id, id)) {
                return apr_psprintf(pool, "%s: occi.core.id and self= name different links",
                                    what);
            }
            entity->id = id;
        }
        else if (!strcmp(attribute->name, "occi.core.target")
                 || !strcmp(attribute->name, "occi.core.target.kind")) {
            /* The <URI> and rel= already say these; a second, different
             * value would leave it unclear which one counts. */
            if (!occi_value_equal(occi_entity_get(entity, attribute->name), &attribute->value)) {
                return apr_psprintf(pool, "%s: attribute %s contradicts the Link's %s", what,
                                    attribute->name,
                                    attribute->name[16] ? "rel=" : "<URI>");
            }
        }
        else {
            /* Names are unique (checked while scanning): no lookup needed. */
            APR_ARRAY_PUSH(entity->attributes, occi_attribute_value) = *attribute;
        }
    }
    *out = entity;
    return NULL;
}

/* Parses the Link values of one field into inline link entities (action
 * links are read and dropped). */
static const char *parse_links(parse_state *state, const char *text, apr_array_header_t *links)
{
    scanner s;
    int more = 1;

    s.pool = state->pool;
    s.p = text;
    s.error = NULL;
    while (more) {
        link_value link;
        occi_entity *entity = NULL;
        const char *error;

        if ((error = count_value(state))
            || (error = parse_link_value(state, &s, &link))) {
            return error;
        }
        if (!is_action_link(&link)) {
            if ((error = link_entity(state->pool, &link, &entity))) {
                return error;
            }
            APR_ARRAY_PUSH(links, occi_entity *) = entity;
        }
        if ((error = next_in_list(&s, "Link", apr_psprintf(
                                      s.pool, "the Link to <%s>",
                                      quote_input(s.pool, link.uri)), &more))) {
            return error;
        }
    }
    return NULL;
}

/* Parses every X-OCCI-Attribute field into attributes. */
static const char *parse_attribute_fields(parse_state *state, const apr_array_header_t *fields,
                                          apr_array_header_t *attributes)
{
    apr_hash_t *seen = apr_hash_make(state->pool);
    int i;

    for (i = 0; i < fields->nelts; i++) {
        const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);
        const char *error;

        if (strcasecmp(field->name, "X-OCCI-Attribute")) {
            continue;
        }
        if ((error = check_field_utf8(state->pool, field))
            || (error = parse_attributes(state, field->value, seen, attributes))) {
            return error;
        }
    }
    return NULL;
}

const char *occi_text_parse_entity(apr_pool_t *pool, const apr_array_header_t *fields,
                                   occi_entity **out)
{
    parse_state state = { pool, 0 };
    apr_array_header_t *categories = apr_array_make(pool, 4, sizeof(occi_category *));
    apr_array_header_t *attributes = apr_array_make(pool, 8, sizeof(occi_attribute_value));
    occi_entity *entity = occi_entity_create(pool);
    const char *error;
    int i;

    *out = NULL;
    if ((error = parse_category_fields(&state, fields, categories))) {
        return error;
    }
    for (i = 0; i < categories->nelts; i++) {
        const occi_category *category = APR_ARRAY_IDX(categories, i, const occi_category *);
        const char *type_id = occi_category_type_id(pool, category);

        switch (category->cls) {
        case OCCI_CLASS_KIND:
            if (entity->kind) {
                return apr_psprintf(pool, "two kinds are given, %s and %s; an entity has "
                                    "exactly one", quote_input(pool, entity->kind),
                                    quote_input(pool, type_id));
            }
            entity->kind = type_id;
            break;
        case OCCI_CLASS_MIXIN:
            if (occi_entity_has_mixin(entity, type_id)) {
                return apr_psprintf(pool, "mixin %s is given twice", quote_input(pool, type_id));
            }
            APR_ARRAY_PUSH(entity->mixins, const char *) = type_id;
            break;
        case OCCI_CLASS_ACTION:
            return apr_psprintf(pool, "category %s is an action, which has no place in an "
                                "entity rendering", quote_input(pool, type_id));
        }
    }
    for (i = 0; i < fields->nelts; i++) {
        const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

        if (!strcasecmp(field->name, "Link")) {
            if ((error = check_field_utf8(pool, field))
                || (error = parse_links(&state, field->value, entity->links))) {
                return error;
            }
        }
        else if (!strcasecmp(field->name, "X-OCCI-Location")) {
            return "X-OCCI-Location names entities for a mixin collection; it has no place "
                   "in an entity rendering";
        }
        else if (strcasecmp(field->name, "Category")
                 && strcasecmp(field->name, "X-OCCI-Attribute")) {
            return apr_psprintf(pool, "unknown field '%s'", quote_input(pool, field->name));
        }
    }
    if ((error = parse_attribute_fields(&state, fields, attributes))) {
        return error;
    }
    for (i = 0; i < attributes->nelts; i++) {
        const occi_attribute_value *attribute = &APR_ARRAY_IDX(attributes, i,
                                                               occi_attribute_value);

        if (!strcmp(attribute->name, "occi.core.id")) {
            entity->id = attribute->value.type == OCCI_TYPE_STRING
                ? occi_entity_id_from_reference(pool, attribute->value.string) : NULL;
            if (!entity->id && attribute->value.type == OCCI_TYPE_STRING
                && occi_entity_foreign_id_acceptable(attribute->value.string)) {
                entity->foreign_id = attribute->value.string;
            }
            else if (!entity->id) {
                return apr_psprintf(pool, "occi.core.id %s is not a valid entity id (expected "
                                    "\"urn:uuid:<uuid>\")",
                                    quote_input(pool, occi_value_to_text(pool,
                                                                         &attribute->value)));
            }
        }
        else {
            APR_ARRAY_PUSH(entity->attributes, occi_attribute_value) = *attribute;
        }
    }
    *out = entity;
    return NULL;
}

const char *occi_text_parse_action(apr_pool_t *pool, const apr_array_header_t *fields,
                                   const char **action_type_id,
                                   apr_array_header_t **parameters)
{
    parse_state state = { pool, 0 };
    apr_array_header_t *categories = apr_array_make(pool, 2, sizeof(occi_category *));
    const char *error, *action = NULL;
    int i;

    *action_type_id = NULL;
    *parameters = apr_array_make(pool, 4, sizeof(occi_attribute_value));
    for (i = 0; i < fields->nelts; i++) {
        const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

        if (!strcasecmp(field->name, "Link") || !strcasecmp(field->name, "X-OCCI-Location")) {
            return apr_psprintf(pool, "%s has no place in an action invocation, which is one "
                                "action Category and its X-OCCI-Attribute parameters",
                                field->name);
        }
        if (strcasecmp(field->name, "Category") && strcasecmp(field->name, "X-OCCI-Attribute")) {
            return apr_psprintf(pool, "unknown field '%s'", quote_input(pool, field->name));
        }
    }
    if ((error = parse_category_fields(&state, fields, categories))) {
        return error;
    }
    for (i = 0; i < categories->nelts; i++) {
        const occi_category *category = APR_ARRAY_IDX(categories, i, const occi_category *);
        const char *type_id = occi_category_type_id(pool, category);

        if (category->cls != OCCI_CLASS_ACTION) {
            return apr_psprintf(pool, "category %s is of class %s; an action invocation takes "
                                "one Category of class action", quote_input(pool, type_id),
                                occi_category_class_name(category->cls));
        }
        if (action) {
            return apr_psprintf(pool, "two actions are given, %s and %s; an action invocation "
                                "takes exactly one", quote_input(pool, action),
                                quote_input(pool, type_id));
        }
        action = type_id;
    }
    if (!action) {
        return "the action invocation lacks its Category of class action";
    }
    if ((error = parse_attribute_fields(&state, fields, *parameters))) {
        return error;
    }
    *action_type_id = action;
    return NULL;
}

/* One comma list of locations (URI references, optionally in <...>). */
static const char *parse_location_list(parse_state *state, const char *text,
                                       apr_array_header_t *locations)
{
    scanner s;
    int more = 1;

    s.pool = state->pool;
    s.p = text;
    s.error = NULL;
    while (more) {
        const char *start, *location, *error;

        if ((error = count_value(state))) {
            return error;
        }
        skip_ows(&s);
        if (*s.p == '<') {
            start = ++s.p;
            while (*s.p && *s.p != '>') {
                s.p++;
            }
            if (!*s.p) {
                return "X-OCCI-Location: a '<' is not closed by '>'";
            }
            location = apr_pstrmemdup(s.pool, start, (apr_size_t)(s.p - start));
            s.p++;
        }
        else {
            start = s.p;
            while (*s.p && *s.p != ',' && *s.p != ' ' && *s.p != '\t') {
                s.p++;
            }
            location = apr_pstrmemdup(s.pool, start, (apr_size_t)(s.p - start));
        }
        if (!*location) {
            return "X-OCCI-Location: a location is expected (empty value)";
        }
        if (!is_uri_reference(location)) {
            return apr_psprintf(s.pool, "X-OCCI-Location: '%s' is not a URI reference",
                                quote_input(s.pool, location));
        }
        APR_ARRAY_PUSH(locations, const char *) = location;
        if ((error = next_in_list(&s, "X-OCCI-Location",
                                  apr_psprintf(s.pool, "location %s",
                                               quote_input(s.pool, location)), &more))) {
            return error;
        }
    }
    return NULL;
}

const char *occi_text_parse_locations(apr_pool_t *pool, const apr_array_header_t *fields,
                                      apr_array_header_t *locations)
{
    parse_state state = { pool, 0 };
    int i;

    for (i = 0; i < fields->nelts; i++) {
        const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);
        const char *error;

        if (strcasecmp(field->name, "X-OCCI-Location")) {
            continue;
        }
        if ((error = check_field_utf8(pool, field))
            || (error = parse_location_list(&state, field->value, locations))) {
            return error;
        }
    }
    return NULL;
}

/* ---- Parsing: bodies ----------------------------------------------- */

static const char *const field_names[] = {
    "Category", "Link", "X-OCCI-Attribute", "X-OCCI-Location", NULL
};

/* The next line of a body: [*p, *end) without its CR LF or LF. */
static const char *next_line(const char *p, const char *limit, const char **line_end)
{
    const char *nl = memchr(p, '\n', (size_t)(limit - p));
    const char *end = nl ? nl : limit;

    *line_end = end > p && end[-1] == '\r' ? end - 1 : end;
    return nl ? nl + 1 : limit;
}

static const char *trim_end(const char *start, const char *end)
{
    while (end > start && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    return end;
}

static int is_blank(const char *start, const char *end)
{
    return trim_end(start, end) == start;
}

const char *occi_text_parse_body(apr_pool_t *pool, const char *body, apr_size_t len,
                                 apr_array_header_t *fields)
{
    const char *p = body, *limit = body + len;
    int line_number = 0, count = 0;

    while (p < limit) {
        const char *start = p, *end, *colon, *name_end, *value;
        const char *const *known;
        occi_text_field *field;

        p = next_line(p, limit, &end);
        line_number++;
        if (!occi_utf8_is_valid(start, (apr_size_t)(end - start))) {
            return apr_psprintf(pool, "line %d is not valid UTF-8 (or holds a NUL byte)",
                                line_number);
        }
        if (is_blank(start, end)) {
            continue;
        }
        if (++count > OCCI_TEXT_MAX_FIELDS) {
            return apr_psprintf(pool, "more than %d fields in one request",
                                OCCI_TEXT_MAX_FIELDS);
        }
        colon = memchr(start, ':', (size_t)(end - start));
        if (!colon) {
            return apr_psprintf(pool, "line %d has no ':' (expected 'Name: value')",
                                line_number);
        }
        name_end = trim_end(start, colon);
        for (known = field_names; *known; known++) {
            if ((apr_size_t)(name_end - start) == strlen(*known)
                && !strncasecmp(start, *known, strlen(*known))) {
                break;
            }
        }
        if (!*known) {
            return apr_psprintf(pool, "line %d: unknown field '%s' (expected Category, Link, "
                                "X-OCCI-Attribute or X-OCCI-Location)", line_number,
                                quote_input(pool, apr_pstrmemdup(
                                                pool, start, (apr_size_t)(name_end - start))));
        }
        value = colon + 1;
        while (value < end && (*value == ' ' || *value == '\t')) {
            value++;
        }
        field = apr_array_push(fields);
        field->name = *known;
        field->value = apr_pstrmemdup(pool, value, (apr_size_t)(trim_end(value, end) - value));
    }
    return NULL;
}

const char *occi_text_parse_uri_list(apr_pool_t *pool, const char *body, apr_size_t len,
                                     apr_array_header_t *locations)
{
    const char *p = body, *limit = body + len;
    int line_number = 0, count = 0;

    while (p < limit) {
        const char *start = p, *end, *uri;

        p = next_line(p, limit, &end);
        line_number++;
        if (!occi_utf8_is_valid(start, (apr_size_t)(end - start))) {
            return apr_psprintf(pool, "line %d of the URI list is not valid UTF-8",
                                line_number);
        }
        while (start < end && (*start == ' ' || *start == '\t')) {
            start++;
        }
        end = trim_end(start, end);
        if (start == end || *start == '#') {
            continue;                           /* blank, or an RFC 2483 comment */
        }
        if (++count > OCCI_TEXT_MAX_FIELDS) {
            return apr_psprintf(pool, "more than %d locations in one request",
                                OCCI_TEXT_MAX_FIELDS);
        }
        uri = apr_pstrmemdup(pool, start, (apr_size_t)(end - start));
        if (!is_uri_reference(uri)) {
            return apr_psprintf(pool, "line %d of the URI list: '%s' is not a URI reference",
                                line_number, quote_input(pool, uri));
        }
        APR_ARRAY_PUSH(locations, const char *) = uri;
    }
    return NULL;
}

/* ---- Rendering ----------------------------------------------------- */

const char *occi_entity_location(apr_pool_t *pool, const occi_model *model,
                                 const occi_entity *entity)
{
    const occi_category *kind = entity->kind ? occi_model_find(model, entity->kind) : NULL;

    if (!kind || !kind->location || !entity->id) {
        return NULL;
    }
    return apr_pstrcat(pool, kind->location, entity->id, NULL);
}

const char *occi_render_reference(apr_pool_t *pool, const occi_render_context *context,
                                  const char *reference)
{
    if (reference[0] != '/') {
        return reference;
    }
    return apr_pstrcat(pool, context->origin ? context->origin : "", context->base, reference,
                       NULL);
}

/* Splits a type id at its last '#' into scheme and term. */
static void split_type_id(apr_pool_t *pool, const char *type_id, const char **scheme,
                          const char **term)
{
    const char *hash = strrchr(type_id, '#');

    if (!hash) {
        *scheme = "";
        *term = type_id;
        return;
    }
    *scheme = apr_pstrmemdup(pool, type_id, (apr_size_t)(hash + 1 - type_id));
    *term = hash + 1;
}

/* GFD.229 values are header values: a quoted-string cannot carry CR, LF
 * or other control characters, and one written out raw would end the
 * header (text/occi) or the line (text/plain) and let a stored value
 * forge fields. They become spaces; the JSON rendering keeps them. */
static const char *header_safe(apr_pool_t *pool, const char *value)
{
    const char *p;
    char *copy, *c;

    for (p = value; *p; p++) {
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7F) {
            break;
        }
    }
    if (!*p) {
        return value;
    }
    copy = apr_pstrdup(pool, value);
    for (c = copy + (p - value); *c; c++) {
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7F) {
            *c = ' ';
        }
    }
    return copy;
}

static void add_field(apr_pool_t *pool, apr_array_header_t *fields, const char *name,
                      const char *value)
{
    occi_text_field *field = apr_array_push(fields);

    field->name = name;
    field->value = header_safe(pool, value);
}

static const char *category_value(apr_pool_t *pool, const occi_render_context *context,
                                  const char *type_id, const char *cls)
{
    const occi_category *known = occi_model_find(context->model, type_id);
    const char *scheme, *term;
    occi_buf buf;

    split_type_id(pool, type_id, &scheme, &term);
    occi_buf_init(&buf, pool, 128);
    occi_buf_puts(&buf, term);
    occi_buf_put_param(&buf, "scheme", scheme);
    occi_buf_put_param(&buf, "class", cls);
    if (known && known->location) {
        occi_buf_put_param(&buf, "location", apr_pstrcat(pool, context->base, known->location, NULL));
    }
    return buf.data;
}

/* The kind of a link's target: occi.core.target.kind when set, else the
 * kind bound to the target's collection for a local target, else plain
 * resource (rel= is required, and a link always points at something). */
static const char *target_kind(apr_pool_t *pool, const occi_model *model,
                               const occi_entity *link)
{
    const char *kind = occi_entity_get_string(link, "occi.core.target.kind");
    const char *target = occi_entity_get_string(link, "occi.core.target");

    if (kind) {
        return kind;
    }
    if (target && target[0] == '/') {
        const char *slash = strrchr(target, '/');
        const occi_category *category = occi_model_find_location(
            model, apr_pstrmemdup(pool, target, (apr_size_t)(slash - target + 1)));

        if (category && category->cls == OCCI_CLASS_KIND) {
            return occi_category_type_id(pool, category);
        }
    }
    return OCCI_SCHEME_CORE "resource";
}

static int is_link_structure_attribute(const char *name)
{
    return !strcmp(name, "occi.core.source") || !strcmp(name, "occi.core.target")
           || !strcmp(name, "occi.core.target.kind") || !strcmp(name, "occi.core.id");
}

static const char *link_value_text(apr_pool_t *pool, const occi_render_context *context,
                                   const occi_entity *link)
{
    const char *target = occi_entity_get_string(link, "occi.core.target");
    const char *location = occi_entity_location(pool, context->model, link);
    const char *types = link->kind ? link->kind : CORE_LINK;
    occi_buf buf;
    int i;

    for (i = 0; i < link->mixins->nelts; i++) {
        types = apr_pstrcat(pool, types, " ", APR_ARRAY_IDX(link->mixins, i, const char *),
                            NULL);
    }
    occi_buf_init(&buf, pool, 256);
    occi_buf_putc(&buf, '<');
    occi_buf_puts(&buf, occi_render_reference(pool, context, target ? target : ""));
    occi_buf_putc(&buf, '>');
    occi_buf_put_param(&buf, "rel", target_kind(pool, context->model, link));
    if (location) {
        occi_buf_put_param(&buf, "self", occi_render_reference(pool, context, location));
    }
    occi_buf_put_param(&buf, "category", types);
    for (i = 0; i < link->attributes->nelts; i++) {
        const occi_attribute_value *attribute = &APR_ARRAY_IDX(link->attributes, i,
                                                               occi_attribute_value);

        if (is_link_structure_attribute(attribute->name)) {
            continue;
        }
        occi_buf_puts(&buf, "; ");
        occi_buf_puts(&buf, attribute->name);
        occi_buf_putc(&buf, '=');
        occi_buf_puts(&buf, occi_value_to_text(pool, &attribute->value));
    }
    return buf.data;
}

static const char *attribute_text(apr_pool_t *pool, const occi_render_context *context,
                                  const occi_attribute_value *attribute)
{
    occi_value value = attribute->value;

    /* A link's source and a local target are written as URLs. */
    if ((!strcmp(attribute->name, "occi.core.source")
         || !strcmp(attribute->name, "occi.core.target"))
        && value.type == OCCI_TYPE_STRING && value.string) {
        value.string = occi_render_reference(pool, context, value.string);
    }
    return apr_pstrcat(pool, attribute->name, "=", occi_value_to_text(pool, &value), NULL);
}

void occi_text_render_entity(apr_pool_t *pool, const occi_render_context *context,
                             const occi_entity *entity, const apr_array_header_t *actions,
                             apr_array_header_t *fields)
{
    const char *location = occi_entity_location(pool, context->model, entity);
    int i;

    if (entity->kind) {
        add_field(pool, fields, "Category", category_value(pool, context, entity->kind,
                                                           "kind"));
    }
    for (i = 0; i < entity->mixins->nelts; i++) {
        add_field(pool, fields, "Category",
                  category_value(pool, context, APR_ARRAY_IDX(entity->mixins, i, const char *),
                                 "mixin"));
    }
    for (i = 0; entity->links && i < entity->links->nelts; i++) {
        add_field(pool, fields, "Link",
                  link_value_text(pool, context, APR_ARRAY_IDX(entity->links, i,
                                                               const occi_entity *)));
    }
    /* ActionLinks need the entity's URL; an entity without one has none. */
    for (i = 0; location && actions && i < actions->nelts; i++) {
        const char *action = APR_ARRAY_IDX(actions, i, const char *);
        const char *scheme, *term;
        occi_buf buf;

        split_type_id(pool, action, &scheme, &term);
        occi_buf_init(&buf, pool, 256);
        occi_buf_putc(&buf, '<');
        occi_buf_puts(&buf, occi_render_reference(pool, context, location));
        occi_buf_puts(&buf, "?action=");
        occi_buf_puts(&buf, term);
        occi_buf_putc(&buf, '>');
        occi_buf_put_param(&buf, "rel", action);
        add_field(pool, fields, "Link", buf.data);
    }
    if (entity->id) {
        occi_buf buf;

        occi_buf_init(&buf, pool, 64);
        occi_buf_puts(&buf, "occi.core.id=");
        occi_buf_put_quoted(&buf, apr_pstrcat(pool, "urn:uuid:", entity->id, NULL));
        add_field(pool, fields, "X-OCCI-Attribute", buf.data);
    }
    for (i = 0; i < entity->attributes->nelts; i++) {
        add_field(pool, fields, "X-OCCI-Attribute",
                  attribute_text(pool, context, &APR_ARRAY_IDX(entity->attributes, i,
                                                               occi_attribute_value)));
    }
}

void occi_text_render_locations(apr_pool_t *pool, const apr_array_header_t *locations,
                                apr_array_header_t *fields)
{
    int i;

    for (i = 0; i < locations->nelts; i++) {
        add_field(pool, fields, "X-OCCI-Location", APR_ARRAY_IDX(locations, i, const char *));
    }
}

const char *occi_text_fields_to_body(apr_pool_t *pool, const apr_array_header_t *fields)
{
    occi_buf buf;
    int i;

    occi_buf_init(&buf, pool, 1024);
    for (i = 0; i < fields->nelts; i++) {
        const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

        occi_buf_puts(&buf, field->name);
        occi_buf_puts(&buf, ": ");
        occi_buf_puts(&buf, header_safe(pool, field->value));
        occi_buf_putc(&buf, '\n');
    }
    return buf.data;
}

const char *occi_text_uri_list(apr_pool_t *pool, const apr_array_header_t *locations)
{
    occi_buf buf;
    int i;

    occi_buf_init(&buf, pool, 1024);
    for (i = 0; i < locations->nelts; i++) {
        /* A URI list cannot carry a line break inside a URI either. */
        occi_buf_puts(&buf, header_safe(pool, APR_ARRAY_IDX(locations, i, const char *)));
        occi_buf_puts(&buf, "\r\n");
    }
    return buf.data;
}
