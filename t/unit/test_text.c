/* SPDX-License-Identifier: Apache-2.0 */
/* The text rendering of categories: exact output, round trips, hostile input. */
#include <apr_time.h>

#include "tap.h"
#include "compare.h"
#include "fixtures.h"
#include "occi_text.h"

#define INFRA OCCI_SCHEME_INFRA
#define COMPUTE_ACTION "http://schemas.ogf.org/occi/infrastructure/compute/action#"

/* A parser that scans each byte a bounded number of times handles the big
 * inputs below in milliseconds; a quadratic one would take hours. */
#define PROMPTLY apr_time_from_sec(5)

static const char compute_text[] =
    "compute; scheme=\"" INFRA "\"; class=\"kind\"; title=\"Compute Resource\"; "
    "rel=\"" OCCI_SCHEME_CORE "resource\"; location=\"%s/compute/\"; "
    "attributes=\"occi.compute.architecture occi.compute.cores occi.compute.hostname "
    "occi.compute.share occi.compute.memory occi.compute.state{immutable} "
    "occi.compute.state.message{immutable}\"; "
    "actions=\"" COMPUTE_ACTION "start " COMPUTE_ACTION "stop " COMPUTE_ACTION "restart "
    COMPUTE_ACTION "suspend " COMPUTE_ACTION "save\"";

/* Parses value, expecting exactly one category; NULL on any failure. */
static occi_category *parse_single(apr_pool_t *pool, const char *value, const char **error)
{
    apr_array_header_t *out = apr_array_make(pool, 1, sizeof(occi_category *));

    *error = occi_text_parse_categories(pool, value, 10, out);
    if (*error || out->nelts != 1) {
        return NULL;
    }
    return APR_ARRAY_IDX(out, 0, occi_category *);
}

static void test_rendering(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    const occi_category *compute = occi_model_find(model, INFRA "compute");
    const occi_category *stop = occi_model_find(model, COMPUTE_ACTION "stop");
    const occi_category *debian = occi_model_find(model, TEST_PROVIDER "os_tpl#debian12");
    const occi_category *small = occi_model_find(model, TEST_PROVIDER "resource_tpl#small");
    const occi_category *entity = occi_model_find(model, OCCI_SCHEME_CORE "entity");
    const occi_category *storage = occi_model_find(model, INFRA "storage");

    tap_is_str(occi_text_category(pool, compute, ""), apr_psprintf(pool, compute_text, ""),
               "compute renders with parent, location, attributes and actions");
    tap_is_str(occi_text_category(pool, compute, "/occi"),
               apr_psprintf(pool, compute_text, "/occi"),
               "below /occi the location gets the prefix and nothing else changes");
    tap_is_str(occi_text_category(pool, stop, "/occi"),
               "stop; scheme=\"" COMPUTE_ACTION "\"; class=\"action\"; "
               "title=\"Stop the compute instance\"; attributes=\"method\"",
               "an action has no rel, location or actions");
    tap_is_str(occi_text_category(pool, debian, ""),
               "debian12; scheme=\"" TEST_PROVIDER "os_tpl#\"; class=\"mixin\"; "
               "title=\"Debian 12 \\\"bookworm\\\"\"; rel=\"" INFRA "os_tpl\"; "
               "location=\"/mixin/os_tpl/debian12/\"",
               "an OS template: quotes in the title are escaped, rel is what it depends on");
    tap_is_str(occi_text_category(pool, debian, "/occi"),
               "debian12; scheme=\"" TEST_PROVIDER "os_tpl#\"; class=\"mixin\"; "
               "title=\"Debian 12 \\\"bookworm\\\"\"; rel=\"" INFRA "os_tpl\"; "
               "location=\"/occi/mixin/os_tpl/debian12/\"",
               "an OS template below /occi");
    tap_is_str(occi_text_category(pool, small, ""),
               "small; scheme=\"" TEST_PROVIDER "resource_tpl#\"; class=\"mixin\"; "
               "title=\"Small\"; rel=\"" INFRA "resource_tpl\"; "
               "location=\"/mixin/resource_tpl/small/\"; "
               "attributes=\"occi.compute.cores occi.compute.memory\"",
               "a resource template lists its mutable attributes without properties");
    tap_is_str(occi_text_category(pool, entity, "/occi"),
               "entity; scheme=\"" OCCI_SCHEME_CORE "\"; class=\"kind\"; title=\"Entity\"; "
               "location=\"/occi/entity/\"; "
               "attributes=\"occi.core.id{immutable} occi.core.title\"",
               "core#entity has no parent, and a location");
    tap_like(occi_text_category(pool, storage, ""), "occi.storage.size{required} ",
             "a required mutable attribute is marked {required}");
}

static void test_lines(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    apr_array_header_t *all = apr_array_make(pool, 32, sizeof(const occi_category *));
    apr_array_header_t *none = apr_array_make(pool, 1, sizeof(const occi_category *));
    const char *text, *expected = "";
    int i, lines = 0, prefixed = 0;
    const char *p;

    for (i = 0; i < occi_model_count(model); i++) {
        APR_ARRAY_PUSH(all, const occi_category *) = occi_model_at(model, i);
        expected = apr_pstrcat(pool, expected, "Category: ",
                               occi_text_category(pool, occi_model_at(model, i), "/occi"),
                               "\n", NULL);
    }
    text = occi_text_category_lines(pool, all, "/occi");
    for (p = text; *p; p++) {
        if (p == text || p[-1] == '\n') {         /* the start of a line */
            lines++;
            prefixed += !strncmp(p, "Category: ", 10);
        }
    }
    tap_is_int(lines, occi_model_count(model), "one line per category");
    tap_is_int(prefixed, occi_model_count(model), "every line starts with 'Category: '");
    tap_ok(text[strlen(text) - 1] == '\n', "the last line ends with a newline too");
    tap_is_str(text, expected, "each line is the category's rendering, in model order");
    tap_is_str(occi_text_category_lines(pool, none, ""), "", "no categories, no lines");
}

static void test_round_trip(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    int i;

    for (i = 0; i < occi_model_count(model); i++) {
        const occi_category *original = occi_model_at(model, i);
        const char *text = occi_text_category(pool, original, "");
        const char *error, *difference;
        occi_category *parsed = parse_single(pool, text, &error);
        const char *name = occi_category_type_id(pool, original);

        if (!tap_ok(parsed != NULL, apr_psprintf(pool, "%s parses back", name))) {
            printf("#   %s\n", error ? error : "not exactly one category");
            continue;
        }
        difference = category_difference(pool, original, parsed, 0);
        if (!tap_ok(difference == NULL, apr_psprintf(pool, "%s survives the round trip", name))) {
            printf("#   differs in %s\n", difference);
        }
        tap_is_str(occi_text_category(pool, parsed, ""), text,
                   apr_psprintf(pool, "%s renders the same once parsed", name));
    }
}

static void test_parsing(apr_pool_t *pool)
{
    apr_array_header_t *out = apr_array_make(pool, 4, sizeof(occi_category *));
    const char *error;
    occi_category *c;

    error = occi_text_parse_categories(
        pool, "compute; scheme=\"" INFRA "\"; class=\"kind\"; rel=\"" OCCI_SCHEME_CORE
        "resource\",os_tpl;scheme=" INFRA ";class=mixin;rel=" INFRA "resource_tpl ,  "
        "stop ; scheme=\"" COMPUTE_ACTION "\" ; class=action;", 10, out);
    tap_is_str(error, NULL, "three values, quoted and bare, with a trailing ';'");
    tap_is_int(out->nelts, 3, "three categories come out");
    if (out->nelts == 3) {
        c = APR_ARRAY_IDX(out, 0, occi_category *);
        tap_ok(c->cls == OCCI_CLASS_KIND && !strcmp(c->term, "compute")
               && !strcmp(c->scheme, INFRA), "the first is the compute kind");
        tap_is_str(c->parent, OCCI_SCHEME_CORE "resource", "a kind's rel is its parent");
        c = APR_ARRAY_IDX(out, 1, occi_category *);
        tap_ok(c->cls == OCCI_CLASS_MIXIN && !strcmp(c->term, "os_tpl")
               && !strcmp(c->scheme, INFRA), "the second, all bare, is the os_tpl mixin");
        tap_ok(c->depends && c->depends[0] && !strcmp(c->depends[0], INFRA "resource_tpl")
               && c->depends[1] == NULL, "a mixin's rel is its only depends");
        tap_ok(c->parent == NULL, "a mixin has no parent");
        c = APR_ARRAY_IDX(out, 2, occi_category *);
        tap_ok(c->cls == OCCI_CLASS_ACTION && !strcmp(c->term, "stop")
               && !strcmp(c->scheme, COMPUTE_ACTION),
               "the third is the stop action, whitespace around ';' allowed");
    }

    c = parse_single(pool, "x; scheme=\"http://a.example/s#\"; class=\"mixin\"; "
                     "title=\"say \\\"hi\\\" or \\\\ not\"", &error);
    tap_is_str(c ? c->title : error, "say \"hi\" or \\ not", "\\\" and \\\\ are unescaped");
    tap_is_str(c ? occi_text_category(pool, c, "") : error,
               "x; scheme=\"http://a.example/s#\"; class=\"mixin\"; "
               "title=\"say \\\"hi\\\" or \\\\ not\"",
               "and escaped again when rendered");
    c = parse_single(pool, "x; scheme=\"http://a.example/s#\"; class=\"mixin\"; title=\"a\\bc\"",
                     &error);
    tap_is_str(c ? c->title : error, "abc", "a quoted-pair of another character is that character");

    c = parse_single(pool, "k; scheme=\"http://a.example/s#\"; class=\"kind\"; "
                     "attributes=\"a.b{immutable required}  c{required} d{immutable} e\"; "
                     "location=\"/somewhere/\"", &error);
    tap_ok(c && c->n_attributes == 4, "attributes are separated by one or more spaces");
    if (c && c->n_attributes == 4) {
        tap_ok(!c->attributes[0].is_mutable && c->attributes[0].is_required,
               "{immutable required}");
        tap_ok(c->attributes[1].is_mutable && c->attributes[1].is_required, "{required}");
        tap_ok(!c->attributes[2].is_mutable && !c->attributes[2].is_required, "{immutable}");
        tap_ok(c->attributes[3].is_mutable && !c->attributes[3].is_required, "no properties");
    }
    tap_is_str(c ? c->location : error, "/somewhere/", "the location is kept as written");

    c = parse_single(pool, "compute; scheme=\"" INFRA "\"; class=\"kind\"; location=\"/occi/compute/\"",
                     &error);
    tap_is_str(c ? c->location : error, "/occi/compute/",
               "a location rendered below a base keeps that base when parsed");
    c = parse_single(pool, "x; scheme=\"http://a.example/s#\"; class=\"mixin\"; future=\"1\"",
                     &error);
    tap_ok(c != NULL, "unknown parameters are extensions and ignored");
}

/* Each hostile value must be refused with a message containing phrase. */
static void refused(apr_pool_t *pool, const char *value, int max_values, const char *phrase,
                    const char *name)
{
    apr_array_header_t *out = apr_array_make(pool, 4, sizeof(occi_category *));

    tap_like(occi_text_parse_categories(pool, value, max_values, out), phrase, name);
}

static void test_hostile(apr_pool_t *pool)
{
    refused(pool, "compute; scheme=\"" INFRA "; class=kind", 10, "unbalanced quotes",
            "unbalanced quotes");
    refused(pool, "compute; scheme=\"" INFRA "\"; class=\"foo\"", 10, "class 'foo' is unknown",
            "an unknown class");
    refused(pool, "compute; class=\"kind\"", 10, "lacks the scheme parameter",
            "a missing scheme");
    refused(pool, "compute; scheme=\"\"; class=\"kind\"", 10, "lacks the scheme parameter",
            "an empty scheme");
    refused(pool, "compute; scheme=\"" INFRA "\"", 10, "lacks the class parameter",
            "a missing class");
    refused(pool, "compute; scheme=\"" INFRA "\"; class=\"kind\"; title=\"\xff\"", 10,
            "not valid UTF-8", "invalid UTF-8");
    refused(pool, "compute; scheme=\"" INFRA "\"; class=\"kind\"; title=\"abc\\", 10,
            "lone backslash", "a lone backslash ending a quoted string");
    refused(pool, "compute; scheme=\"" INFRA "\"; class=\"kind\"; title=\"a\x01z\"", 10,
            "control character", "a control character in a quoted string");
    refused(pool, "compute; scheme=\"" INFRA "\"; class=\"kind\"; title=\"a\nz\"", 10,
            "control character", "a newline in a quoted string");
    refused(pool, "a; scheme=\"s#\"; class=kind, b; scheme=\"s#\"; class=kind, "
            "c; scheme=\"s#\"; class=kind", 2, "more than 2 categories",
            "more values than max_values");
    refused(pool, "-compute; scheme=\"" INFRA "\"; class=\"kind\"", 10,
            "'-compute' is not a valid category term", "a term starting with '-'");
    refused(pool, "; scheme=\"" INFRA "\"; class=\"kind\"", 10, "a category term is expected",
            "a missing term");
    refused(pool, "", 10, "a category term is expected", "an empty value");
    refused(pool, "compute; scheme=\"" INFRA "\"; class=\"kind\",", 10,
            "a category term is expected", "a trailing comma");
    refused(pool, "compute; scheme=\"" INFRA "\"; class=kind extra=1", 10,
            "unexpected 'e' after category 'compute'", "a missing ';'");
    refused(pool, "compute; scheme", 10, "has no '=' and value", "a parameter without value");
    refused(pool, "compute; scheme=\"a#\"; scheme=\"b#\"; class=kind", 10, "given twice",
            "a repeated scheme");
    refused(pool, "compute; scheme=\"a#\"; class=kind; class=mixin", 10, "given twice",
            "a repeated class");
    refused(pool, "k; scheme=\"a#\"; class=kind; attributes=\"x{immutable\"", 10,
            "lack a closing '}'", "an attribute property list without '}'");
    refused(pool, "k; scheme=\"a#\"; class=kind; attributes=\"x{final}\"", 10,
            "unknown property 'final'", "an unknown attribute property");
    refused(pool, "k; scheme=\"a#\"; class=kind; attributes=\"x !y\"", 10,
            "attribute name '!y' is not valid", "an invalid attribute name");
}

static void test_big_input(apr_pool_t *pool)
{
    apr_size_t title_len = 1024 * 1024, n = 200000, i;
    const char *head = "x; scheme=\"http://a.example/s#\"; class=\"mixin\"; title=\"";
    char *value = apr_palloc(pool, strlen(head) + title_len + 2), *p;
    const char *one = "a; scheme=s#; class=kind, ";
    apr_array_header_t *out = apr_array_make(pool, 64, sizeof(occi_category *));
    const char *error;
    occi_category *c;
    apr_time_t start;

    p = apr_cpystrn(value, head, strlen(head) + 1);
    memset(p, 'a', title_len);
    strcpy(p + title_len, "\"");
    start = apr_time_now();
    c = parse_single(pool, value, &error);
    tap_ok(c && strlen(c->title) == title_len, "a 1 MB title is parsed whole");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");

    /* 200,000 values: refused at the limit without reading the rest. */
    value = apr_palloc(pool, n * strlen(one) + 1);
    for (i = 0, p = value; i < n; i++, p += strlen(one)) {
        memcpy(p, one, strlen(one));
    }
    p[-2] = '\0';                               /* drop the last ", " */
    start = apr_time_now();
    error = occi_text_parse_categories(pool, value, 64, out);
    tap_like(error, "more than 64 categories", "200,000 values against a limit of 64 are refused");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");

    /* With a limit that allows them all, the scan stays linear. */
    out = apr_array_make(pool, 64, sizeof(occi_category *));
    start = apr_time_now();
    error = occi_text_parse_categories(pool, value, (int)n, out);
    tap_ok(error == NULL && out->nelts == (int)n, "200,000 values within the limit all parse");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_rendering(pool);
    test_lines(pool);
    test_round_trip(pool);
    test_parsing(pool);
    test_hostile(pool);
    test_big_input(pool);
    return tap_done(pool);
}
