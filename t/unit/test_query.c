/* SPDX-License-Identifier: Apache-2.0 */
/* The query string, and which categories the query interface answers with. */
#include "tap.h"
#include "fixtures.h"
#include "occi_query.h"
#include "occi_discovery.h"
#include "occi_text.h"

#define INFRA OCCI_SCHEME_INFRA
#define COMPUTE_ACTION "http://schemas.ogf.org/occi/infrastructure/compute/action#"

/* All values of name, joined by '|', or NULL when there are none. */
static const char *values_of(apr_pool_t *pool, const apr_table_t *table, const char *name)
{
    const apr_array_header_t *elts = apr_table_elts(table);
    const char *joined = NULL;
    int i;

    for (i = 0; i < elts->nelts; i++) {
        const apr_table_entry_t *e = &APR_ARRAY_IDX(elts, i, apr_table_entry_t);

        if (!strcmp(e->key, name)) {
            joined = joined ? apr_pstrcat(pool, joined, "|", e->val, NULL) : e->val;
        }
    }
    return joined;
}

static void test_query(apr_pool_t *pool)
{
    apr_table_t *params;
    const char *error;

    params = NULL;
    tap_is_str(occi_query_parse(pool, NULL, &params), NULL, "no query string parses");
    tap_ok(params && apr_is_empty_table(params), "into an empty table");
    params = NULL;
    tap_is_str(occi_query_parse(pool, "", &params), NULL, "an empty query string parses");
    tap_ok(params && apr_is_empty_table(params), "into an empty table");

    error = occi_query_parse(pool, "a=1&b=2;c=3", &params);
    tap_is_str(error, NULL, "'&' and ';' both separate");
    tap_is_int(apr_table_elts(params)->nelts, 3, "three parameters");
    tap_is_str(apr_table_get(params, "a"), "1", "a=1");
    tap_is_str(apr_table_get(params, "b"), "2", "b=2");
    tap_is_str(apr_table_get(params, "c"), "3", "c=3");

    occi_query_parse(pool, "category=x&page=2&category=y", &params);
    tap_is_str(values_of(pool, params, "category"), "x|y", "a repeated name keeps both values, in order");

    occi_query_parse(pool, "flag&empty=&&=v", &params);
    tap_is_str(apr_table_get(params, "flag"), "", "a name without '=' has an empty value");
    tap_is_str(apr_table_get(params, "empty"), "", "so does one with nothing after '='");
    tap_is_str(apr_table_get(params, ""), "v", "an empty name is kept");
    tap_is_int(apr_table_elts(params)->nelts, 3, "empty pairs are skipped");

    occi_query_parse(pool, "q=a+b+%2B", &params);
    tap_is_str(apr_table_get(params, "q"), "a b +", "'+' is a space, %2B a plus");
    occi_query_parse(pool, "category=http%3A%2F%2Fschemas.ogf.org%2Focci%2Finfrastructure%23compute",
                     &params);
    tap_is_str(apr_table_get(params, "category"), INFRA "compute", "%3A %2F %23 are decoded");
    occi_query_parse(pool, "t%69tle=caf%C3%A9&x=%2f%2F", &params);
    tap_is_str(apr_table_get(params, "title"), "caf\xc3\xa9", "names are decoded; UTF-8 in escapes");
    tap_is_str(apr_table_get(params, "x"), "//", "hex digits in either case");
    occi_query_parse(pool, "a=b=c", &params);
    tap_is_str(apr_table_get(params, "a"), "b=c", "the value runs from the first '='");

    tap_like(occi_query_parse(pool, "a=%zz", &params), "not followed by two hex digits",
             "%zz is refused");
    tap_like(occi_query_parse(pool, "a=%2", &params), "not followed by two hex digits",
             "a trailing %2 is refused");
    tap_like(occi_query_parse(pool, "a=%", &params), "not followed by two hex digits",
             "a trailing % is refused");
    tap_like(occi_query_parse(pool, "a=%2&b=1", &params), "not followed by two hex digits",
             "%2 before '&' is refused");
    tap_like(occi_query_parse(pool, "n%g=1", &params), "not followed by two hex digits",
             "a bad escape in a name is refused");
    tap_like(occi_query_parse(pool, "a=x%00y", &params), "NUL", "%00 is refused");
    tap_like(occi_query_parse(pool, "a=%ff", &params), "not valid UTF-8",
             "%ff, not UTF-8 once decoded, is refused");
    tap_like(occi_query_parse(pool, "a=%C3", &params), "not valid UTF-8",
             "a truncated UTF-8 sequence is refused");
    tap_like(occi_query_parse(pool, "%ED%A0%80=1", &params), "not valid UTF-8",
             "an encoded surrogate in a name is refused");
    tap_like(occi_query_parse(pool, "a=%E0%80%AF", &params), "not valid UTF-8",
             "an overlong form is refused");
    tap_like(occi_query_parse(pool, "a=%F4%90%80%80", &params), "not valid UTF-8",
             "a code point above U+10FFFF is refused");
    tap_is_str(occi_query_parse(pool, "a=%F0%9F%98%80", &params), NULL,
               "a four-byte character at the very end is valid");
    tap_is_str(apr_table_get(params, "a"), "\xf0\x9f\x98\x80", "and decoded");
}

static const char *names_of(apr_pool_t *pool, const apr_array_header_t *categories)
{
    const char *names = "";
    int i;

    for (i = 0; i < categories->nelts; i++) {
        names = apr_pstrcat(pool, names, i ? " " : "",
                            APR_ARRAY_IDX(categories, i, const occi_category *)->term, NULL);
    }
    return names;
}

/* Selects from the test model with the ?category= values given. */
static const char *select_type_ids(apr_pool_t *pool, const occi_model *model,
                                   const char *const *type_ids)
{
    apr_array_header_t *filter = apr_array_make(pool, 4, sizeof(occi_category_filter));

    for (; *type_ids; type_ids++) {
        const char *error = occi_discovery_filter_type_id(pool, *type_ids, filter);

        if (error) {
            return error;
        }
    }
    return names_of(pool, occi_discovery_select(pool, model, filter));
}

/* Selects with the categories of a Category header value. */
static const char *select_header(apr_pool_t *pool, const occi_model *model, const char *value)
{
    apr_array_header_t *parsed = apr_array_make(pool, 4, sizeof(occi_category *));
    apr_array_header_t *filter = apr_array_make(pool, 4, sizeof(occi_category_filter));
    const char *error = occi_text_parse_categories(pool, value, OCCI_FILTER_MAX_CATEGORIES, parsed);

    if (error) {
        return error;
    }
    occi_discovery_filter_categories(pool, parsed, filter);
    return names_of(pool, occi_discovery_select(pool, model, filter));
}

static void test_discovery(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    apr_array_header_t *filter = apr_array_make(pool, 4, sizeof(occi_category_filter));
    apr_array_header_t *all;
    const char *all_names = "";
    int i, same = 1;
    static const char *const compute[] = { INFRA "compute", NULL };
    static const char *const twice[] = {
        COMPUTE_ACTION "stop", INFRA "compute", INFRA "compute", TEST_PROVIDER "os_tpl#cirros",
        NULL
    };
    static const char *const unknown[] = { "http://nowhere.example/x#compute", NULL };
    static const char *const mixed[] = { INFRA "storage", "http://nowhere.example/x#y", NULL };

    tap_is_str(occi_discovery_filter_type_id(pool, INFRA "compute", filter), NULL,
               "a type identifier is a valid filter");
    tap_ok(filter->nelts == 1
           && !strcmp(APR_ARRAY_IDX(filter, 0, occi_category_filter).type_id, INFRA "compute")
           && !APR_ARRAY_IDX(filter, 0, occi_category_filter).match_class,
           "it names the type id and no class");
    tap_like(occi_discovery_filter_type_id(pool, "compute", filter), "is not a type identifier",
             "a bare term is not");
    tap_like(occi_discovery_filter_type_id(pool, "#compute", filter), "is not a type identifier",
             "nor a term without scheme");
    tap_like(occi_discovery_filter_type_id(pool, INFRA, filter), "is not a type identifier",
             "nor a scheme without term");
    tap_like(occi_discovery_filter_type_id(pool, INFRA "com pute", filter),
             "is not a type identifier", "nor an invalid term");
    tap_is_int(filter->nelts, 1, "refused ids are not added");
    for (i = 1; i < OCCI_FILTER_MAX_CATEGORIES; i++) {
        occi_discovery_filter_type_id(pool, INFRA "compute", filter);
    }
    tap_like(occi_discovery_filter_type_id(pool, INFRA "compute", filter),
             apr_psprintf(pool, "more than %d categories", OCCI_FILTER_MAX_CATEGORIES),
             "the filter is bounded");

    all = occi_discovery_select(pool, model, NULL);
    for (i = 0; i < occi_model_count(model); i++) {
        all_names = apr_pstrcat(pool, all_names, i ? " " : "", occi_model_at(model, i)->term, NULL);
        same = same && i < all->nelts
               && APR_ARRAY_IDX(all, i, const occi_category *) == occi_model_at(model, i);
    }
    tap_ok(same && all->nelts == occi_model_count(model), "no filter: every category in model order");
    tap_is_str(names_of(pool, occi_discovery_select(
                            pool, model, apr_array_make(pool, 1, sizeof(occi_category_filter)))),
               all_names, "an empty filter: every category too");

    tap_is_str(select_type_ids(pool, model, compute), "compute start stop restart suspend save",
               "compute: the kind and its five actions, in model order");
    tap_is_str(select_type_ids(pool, model, twice), "compute start stop restart suspend save cirros",
               "duplicates are listed once, in model order whatever the filter's order");
    tap_is_str(select_type_ids(pool, model, unknown), "", "an unknown category matches nothing");
    tap_is_str(select_type_ids(pool, model, mixed), "storage online offline",
               "unknown names are dropped, known ones kept");

    tap_is_str(select_header(pool, model, "compute; scheme=\"" INFRA "\"; class=\"kind\""),
               "compute start stop restart suspend save", "a Category header naming compute");
    tap_is_str(select_header(pool, model, "compute; scheme=\"" INFRA "\"; class=\"mixin\""), "",
               "a Category whose class does not match selects nothing");
    tap_is_str(select_header(pool, model, "stop; scheme=\"" COMPUTE_ACTION "\"; class=\"action\", "
                             "os_tpl; scheme=\"" INFRA "\"; class=\"mixin\""),
               "stop os_tpl", "an action and a mixin by header");
    tap_is_str(select_header(pool, model, "nothing; scheme=\"" INFRA "\"; class=\"kind\""), "",
               "an unknown Category selects nothing");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_query(pool);
    test_discovery(pool);
    return tap_done(pool);
}
