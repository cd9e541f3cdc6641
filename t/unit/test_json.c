/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON rendering of categories and errors, and parsing hostile JSON. */
#include <apr_time.h>
#include <json.h>

#include "tap.h"
#include "compare.h"
#include "fixtures.h"
#include "occi_json.h"

#define INFRA OCCI_SCHEME_INFRA
#define COMPUTE_ACTION "http://schemas.ogf.org/occi/infrastructure/compute/action#"
#define PROMPTLY apr_time_from_sec(5)

static apr_array_header_t *model_categories(apr_pool_t *pool, const occi_model *model)
{
    apr_array_header_t *all = apr_array_make(pool, 32, sizeof(const occi_category *));
    int i;

    for (i = 0; i < occi_model_count(model); i++) {
        APR_ARRAY_PUSH(all, const occi_category *) = occi_model_at(model, i);
    }
    return all;
}

/* The parsed category with the same scheme and term, or NULL. */
static const occi_category *find_parsed(const apr_array_header_t *parsed,
                                        const occi_category *wanted)
{
    int i;

    for (i = 0; i < parsed->nelts; i++) {
        const occi_category *c = APR_ARRAY_IDX(parsed, i, const occi_category *);

        if (!strcmp(c->scheme, wanted->scheme) && !strcmp(c->term, wanted->term)) {
            return c;
        }
    }
    return NULL;
}

/* Parses text with json-c itself, to look at the document's shape
 * independently of the code under test. The caller puts the result. */
static json_object *independent_parse(const char *text)
{
    return json_tokener_parse(text);
}

static void test_document(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    apr_array_header_t *all = model_categories(pool, model);
    const char *text = occi_json_categories(pool, all, "/occi", OCCI_JSON_PATTERN_SCHEMA);
    const char *regex_text = occi_json_categories(pool, all, "/occi", OCCI_JSON_PATTERN_REGEX);
    json_object *doc = independent_parse(text), *list, *item, *value;
    int kinds = 0, mixins = 0, actions = 0, i;
    size_t j, n;

    for (i = 0; i < all->nelts; i++) {
        switch (APR_ARRAY_IDX(all, i, const occi_category *)->cls) {
        case OCCI_CLASS_KIND: kinds++; break;
        case OCCI_CLASS_MIXIN: mixins++; break;
        case OCCI_CLASS_ACTION: actions++; break;
        }
    }
    tap_ok(doc && json_object_is_type(doc, json_type_object), "the document is a JSON object");
    tap_is_int(doc ? json_object_object_length(doc) : -1, 3, "with three members");
    tap_ok(json_object_object_get_ex(doc, "kinds", &list)
           && json_object_is_type(list, json_type_array)
           && (int)json_object_array_length(list) == kinds, "kinds: an array of every kind");
    tap_ok(json_object_object_get_ex(doc, "mixins", &list)
           && json_object_is_type(list, json_type_array)
           && (int)json_object_array_length(list) == mixins, "mixins: an array of every mixin");
    tap_ok(json_object_object_get_ex(doc, "actions", &list)
           && json_object_is_type(list, json_type_array)
           && (int)json_object_array_length(list) == actions,
           "actions: an array of every action");
    tap_ok(strstr(text, "\\/") == NULL, "slashes are not escaped");
    tap_like(text, "\"location\":\"/occi/compute/\"", "locations are written below the base");
    tap_like(text, "\"location\":\"/occi/mixin/os_tpl/debian12/\"", "template locations too");
    tap_like(text, "\"title\":\"Debian 12 \\\"bookworm\\\"\"", "quotes in a title are escaped");

    /* Every category with a location has it below the base. */
    n = 0;
    json_object_object_get_ex(doc, "kinds", &list);
    for (j = 0; list && j < json_object_array_length(list); j++) {
        item = json_object_array_get_idx(list, j);
        if (json_object_object_get_ex(item, "location", &value)
            && strncmp(json_object_get_string(value), "/occi/", 6)) {
            n++;
        }
    }
    tap_is_int((long long)n, 0, "no kind location lacks the base");

    /* The compute kind in detail. */
    item = NULL;
    for (j = 0; list && j < json_object_array_length(list); j++) {
        json_object *term;

        if (json_object_object_get_ex(json_object_array_get_idx(list, j), "term", &term)
            && !strcmp(json_object_get_string(term), "compute")) {
            item = json_object_array_get_idx(list, j);
        }
    }
    tap_ok(item && json_object_object_get_ex(item, "parent", &value)
           && !strcmp(json_object_get_string(value), OCCI_SCHEME_CORE "resource"),
           "compute's parent is core#resource");
    tap_ok(item && json_object_object_get_ex(item, "actions", &value)
           && json_object_array_length(value) == 5, "compute lists its five actions");
    tap_ok(item && json_object_object_get_ex(item, "attributes", &value)
           && json_object_object_get_ex(value, "occi.compute.cores", &value)
           && json_object_object_get_ex(value, "pattern", &value)
           && json_object_object_get_ex(value, "type", &value)
           && !strcmp(json_object_get_string(value), "integer"),
           "cores carries a JSON Schema pattern of type integer");
    tap_ok(item && json_object_object_get_ex(item, "attributes", &value)
           && json_object_object_get_ex(value, "occi.compute.memory", &value)
           && json_object_object_get_ex(value, "default", &value)
           && json_object_is_type(value, json_type_double),
           "the memory default is a JSON number");
    tap_like(text, "\"default\":1.0,", "and is printed as 1.0");
    json_object_put(doc);

    /* The default form: regular expressions, as rOCCI-core reads them. */
    tap_like(regex_text, "\"occi.compute.cores\":{\"type\":\"number\",\"mutable\":true,"
             "\"required\":false,\"default\":1,\"pattern\":\"^[+-]?[0-9]+$\"",
             "regex form: cores' pattern is a whole number");
    tap_like(regex_text, "\"pattern\":\"^(x86|x64)$\"",
             "regex form: an enumeration is an alternation of its values");
    tap_ok(!strstr(regex_text, "\"$schema\""), "regex form: no JSON Schema object is left");

    doc = independent_parse(occi_json_categories(pool, apr_array_make(pool, 1, sizeof(void *)),
                                                 "", OCCI_JSON_PATTERN_REGEX));
    tap_is_str(doc ? json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN) : NULL, "{}",
               "no categories: no empty arrays, an empty object");
    json_object_put(doc);
}

static void test_round_trip(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    apr_array_header_t *all = model_categories(pool, model);
    apr_array_header_t *parsed = apr_array_make(pool, 32, sizeof(occi_category *));
    const char *text = occi_json_categories(pool, all, "", OCCI_JSON_PATTERN_SCHEMA);
    const char *error = occi_json_parse_categories(pool, text, strlen(text), parsed);
    int i;

    tap_is_str(error, NULL, "the whole model parses back");
    tap_is_int(parsed->nelts, all->nelts, "with as many categories");
    for (i = 0; i < all->nelts; i++) {
        const occi_category *original = APR_ARRAY_IDX(all, i, const occi_category *);
        const occi_category *back = find_parsed(parsed, original);
        const char *name = occi_category_type_id(pool, original);
        const char *difference = back ? category_difference(pool, original, back, 1)
                                      : "missing";

        if (!tap_ok(difference == NULL, apr_psprintf(pool, "%s survives the round trip", name))) {
            printf("#   differs in %s\n", difference);
        }
    }

    /* Rendered again, the parsed model gives the same document. */
    tap_is_str(occi_json_categories(pool, parsed, "", OCCI_JSON_PATTERN_SCHEMA), text,
               "and renders the same once parsed");

    /* Trailing whitespace, as in a file sent with curl, is not garbage. */
    parsed = apr_array_make(pool, 32, sizeof(occi_category *));
    error = occi_json_parse_categories(pool, apr_pstrcat(pool, text, " \r\n", NULL),
                                       strlen(text) + 3, parsed);
    tap_ok(error == NULL && parsed->nelts == all->nelts, "a trailing newline is accepted");
}

static void test_error(apr_pool_t *pool)
{
    tap_is_str(occi_json_error(pool, 400, "bad request"),
               "{\"code\":400,\"message\":\"bad request\"}", "an error document");
    tap_is_str(occi_json_error(pool, 404, "no \"x\" at /a\\b\n"),
               "{\"code\":404,\"message\":\"no \\\"x\\\" at /a\\\\b\\n\"}",
               "quotes, backslashes and newlines are escaped, slashes are not");
}

static void test_parsing(apr_pool_t *pool)
{
    apr_array_header_t *out = apr_array_make(pool, 4, sizeof(occi_category *));
    const char *mixin = "{\"term\":\"mine\",\"scheme\":\"http://a.example/tags#\","
                        "\"title\":\"Mine\",\"location\":\"/mixin/mine/\","
                        "\"depends\":[\"" INFRA "os_tpl\"],\"applies\":[\"" INFRA "compute\"]}";
    const char *doc = "{\"kinds\":[{\"term\":\"k\",\"scheme\":\"http://a.example/s#\"}],"
                      "\"actions\":[{\"term\":\"go\",\"scheme\":\"http://a.example/s/action#\"}]}";
    const char *error = occi_json_parse_categories(pool, mixin, strlen(mixin), out);
    occi_category *c;

    tap_is_str(error, NULL, "a single mixin object (the POST /-/ form) parses");
    tap_is_int(out->nelts, 1, "as one category");
    if (out->nelts == 1) {
        c = APR_ARRAY_IDX(out, 0, occi_category *);
        tap_ok(c->cls == OCCI_CLASS_MIXIN && !strcmp(c->term, "mine")
               && !strcmp(c->scheme, "http://a.example/tags#"), "which is a mixin");
        tap_is_str(c->location, "/mixin/mine/", "with its location");
        tap_ok(c->depends && !strcmp(c->depends[0], INFRA "os_tpl") && !c->depends[1],
               "its depends");
        tap_ok(c->applies && !strcmp(c->applies[0], INFRA "compute") && !c->applies[1],
               "and applies");
    }
    out = apr_array_make(pool, 4, sizeof(occi_category *));
    error = occi_json_parse_categories(pool, doc, strlen(doc), out);
    tap_ok(error == NULL && out->nelts == 2
           && APR_ARRAY_IDX(out, 0, occi_category *)->cls == OCCI_CLASS_KIND
           && APR_ARRAY_IDX(out, 1, occi_category *)->cls == OCCI_CLASS_ACTION,
           "any of kinds, mixins and actions may be absent");
}

/* Each hostile document must be refused with a message containing phrase. */
static void refused_n(apr_pool_t *pool, const char *text, apr_size_t len, const char *phrase,
                      const char *name)
{
    apr_array_header_t *out = apr_array_make(pool, 4, sizeof(occi_category *));

    tap_like(occi_json_parse_categories(pool, text, len, out), phrase, name);
}

static void refused(apr_pool_t *pool, const char *text, const char *phrase, const char *name)
{
    refused_n(pool, text, strlen(text), phrase, name);
}

static void test_hostile(apr_pool_t *pool)
{
    apr_size_t depth = 10000, i;
    char *nested = apr_palloc(pool, 2 * depth + 1);
    apr_time_t start;

    refused(pool, "{\"kinds\":[}", "malformed", "malformed JSON");
    refused(pool, "{\"kinds\":[", "ends before it is complete", "a truncated document");
    refused(pool, "", "ends before it is complete", "an empty body");
    refused(pool, "{'term':'x'}", "malformed", "single quotes (strict JSON only)");

    for (i = 0; i < depth; i++) {
        nested[i] = '[';
        nested[depth + i] = ']';
    }
    nested[2 * depth] = '\0';
    start = apr_time_now();
    refused(pool, nested, "nests deeper than 32 levels", "10,000 nested arrays");
    tap_ok(apr_time_now() - start < PROMPTLY, "are refused promptly");
    nested[depth] = '\0';                       /* only the opening brackets */
    refused(pool, nested, "nests deeper than 32 levels", "10,000 unclosed arrays");

    /* The limit itself: 32 levels parse (and fail only for not being an
     * object), 33 do not. */
    memset(nested, '[', 32);
    memset(nested + 32, ']', 32);
    nested[64] = '\0';
    refused(pool, nested, "must be an object", "32 nested arrays are within the limit");
    memset(nested, '[', 33);
    memset(nested + 33, ']', 33);
    nested[66] = '\0';
    refused(pool, nested, "nests deeper than 32 levels", "33 are not");

    refused(pool, "{\"term\":\"x\xff\",\"scheme\":\"s#\"}", "not valid UTF-8", "invalid UTF-8");
    refused(pool, "{\"term\":\"x\xc0\xaf\",\"scheme\":\"s#\"}", "not valid UTF-8",
            "an overlong UTF-8 form");
    refused_n(pool, "{\"term\":\"x\0\",\"scheme\":\"s#\"}", 22, "not valid UTF-8",
              "a raw NUL byte");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\"} x", "unexpected data after the JSON document",
            "garbage after the document");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\"}{}", "unexpected data after the JSON document",
            "a second document");
    refused(pool, "{\"term\":\"x\\u0000y\",\"scheme\":\"s#\"}",
            "member 'term' contains a NUL character", "a term with \\u0000 is not cut short");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"title\":\"a\\u0000b\"}",
            "member 'title' contains a NUL character", "nor is a title");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"depends\":[\"a#b\\u0000\"]}",
            "member 'depends' contains a NUL character", "nor a depends entry");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"attributes\":"
            "{\"a\":{\"default\":\"1\\u00002\"}}}", "'default' contains a NUL character",
            "nor a default");
    refused(pool, "[{\"term\":\"x\",\"scheme\":\"s#\"}]", "must be an object", "an array root");
    refused(pool, "\"mixin\"", "must be an object", "a string root");
    refused(pool, "{\"kinds\":{}}", "member 'kinds' must be an array", "kinds as an object");
    refused(pool, "{\"mixins\":[1]}", "a mixin must be a JSON object", "a mixin as a number");
    refused(pool, "{\"term\":5,\"scheme\":\"s#\"}", "member 'term' must be a string",
            "term as a number");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"attributes\":[]}",
            "'attributes' must be an object", "attributes as an array");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"attributes\":{\"a\":{\"mutable\":\"yes\"}}}",
            "'mutable' must be true or false", "mutable as a string");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"attributes\":{\"a\":{\"required\":1}}}",
            "'required' must be true or false", "required as a number");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"attributes\":{\"a\":{\"type\":\"date\"}}}",
            "type 'date' is not one of", "an unknown attribute type");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"attributes\":{\"a\":[]}}",
            "the description must be an object", "an attribute description as an array");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"depends\":\"" INFRA "os_tpl\"}",
            "'depends' must be an array of strings", "depends as a string");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"applies\":[1]}",
            "'applies' must be an array of strings", "applies holding a number");
    refused(pool, "{\"kinds\":[{\"scheme\":\"s#\"}]}", "a kind lacks its 'term' member",
            "a category without a term");
    refused(pool, "{\"term\":\"x\"}", "a mixin lacks its 'scheme' member",
            "a category without a scheme");
    refused(pool, "{\"term\":\"not a term\",\"scheme\":\"s#\"}", "is not a valid category term",
            "an invalid term");
    refused(pool, "{}", "a mixin lacks its 'term' member", "an empty object");

    /* What json-c would let through silently. */
    refused(pool, "null", "the JSON document is null", "a null document");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"term\":\"y\"}",
            "member 'term' appears twice in one JSON object", "a member given twice");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"\\u0074erm\":\"y\"}",
            "member 'term' appears twice", "also when one of the two is escaped");
    refused(pool, "{\"mixins\":[{\"term\":\"x\",\"scheme\":\"s#\",\"title\":\"a\",\"title\":\"b\"}]}",
            "member 'title' appears twice", "in a nested object too");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"term\\u0000\":\"y\"}",
            "a member name of the JSON document contains a NUL character",
            "a member name with \\u0000 is not cut short");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"title\":\"\\ud800\"}",
            "unpaired surrogate \\ud800", "a lone high surrogate");
    refused(pool, "{\"term\":\"x\",\"scheme\":\"s#\",\"title\":\"\\udfff\\ud800\"}",
            "unpaired surrogate \\udfff", "a low surrogate before a high one");
    refused(pool, "{'W]\"':1}", "strings are written in double quotes",
            "a single-quoted member name holding a double quote (json-c takes it)");
    refused(pool, "{\"term\":'x',\"scheme\":\"s#\"}", "the JSON document is malformed",
            "a single-quoted value");
    {
        const char *paired = "{\"term\":\"x\",\"scheme\":\"s#\","
                             "\"title\":\"\\ud83d\\ude00 \\\"x\\\" \\\\\"}";
        apr_array_header_t *out = apr_array_make(pool, 1, sizeof(occi_category *));

        tap_is_str(occi_json_parse_categories(pool, paired, strlen(paired), out), NULL,
                   "a surrogate pair and escaped quotes are fine");
        tap_is_str(out->nelts == 1 ? APR_ARRAY_IDX(out, 0, occi_category *)->title : NULL,
                   "\xf0\x9f\x98\x80 \"x\" \\", "and decode as sent");
    }
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_document(pool);
    test_round_trip(pool);
    test_error(pool);
    test_parsing(pool);
    test_hostile(pool);
    return tap_done(pool);
}
