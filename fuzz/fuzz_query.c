/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The query string of a request: decoded into parameters, whose category=
 * values then filter the query interface as GET /-/?category=... does.
 */
#include "fuzz.h"
#include "occi_discovery.h"
#include "occi_query.h"

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *filter;
} filter_walk;

static int add_category(void *data, const char *name, const char *value)
{
    filter_walk *walk = data;

    occi_discovery_filter_type_id(walk->pool, value, walk->filter);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool = fuzz_begin();
    char *args = fuzz_string(data, size);
    apr_table_t *params;
    filter_walk walk = { pool, apr_array_make(pool, 2, sizeof(occi_category_filter)) };

    if (!occi_query_parse(pool, args, &params)) {
        apr_table_do(add_category, &walk, params, "category", NULL);
        occi_discovery_select(pool, fuzz_model(), walk.filter);
    }
    return fuzz_end(pool, args);
}
