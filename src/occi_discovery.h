/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The query interface (GFD.223 §3.5): which categories GET /-/ answers
 * with, whole or filtered by Category.
 */
#ifndef OCCI_DISCOVERY_H
#define OCCI_DISCOVERY_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_model.h"

/* Most categories a client may name in one filter. */
#define OCCI_FILTER_MAX_CATEGORIES 64

/* One category a client asks for. A Category header always names a
 * class, which must then match; ?category= names only a type id. */
typedef struct occi_category_filter {
    const char *type_id;
    int match_class;
    occi_category_class cls;
} occi_category_filter;

/* Appends a filter entry (occi_category_filter) for "?category=<type id>".
 * Returns NULL or a message naming the fault. */
const char *occi_discovery_filter_type_id(apr_pool_t *pool, const char *type_id,
                                          apr_array_header_t *filter);

/* Appends a filter entry for each parsed Category (occi_category *). */
void occi_discovery_filter_categories(apr_pool_t *pool, const apr_array_header_t *categories,
                                      apr_array_header_t *filter);

/* Returns the categories (const occi_category *) to answer with, in model
 * order. With no filter (NULL or empty), all of them; otherwise each named
 * category plus the actions it defines. Unknown names match nothing. */
apr_array_header_t *occi_discovery_select(apr_pool_t *pool, const occi_model *model,
                                          const apr_array_header_t *filter);

#endif
