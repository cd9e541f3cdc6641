/* SPDX-License-Identifier: Apache-2.0 */
/* The request's query string: ?category=...&page=...&action=... */
#ifndef OCCI_QUERY_H
#define OCCI_QUERY_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Decodes an application/x-www-form-urlencoded query string into a table
 * (names may repeat). Returns NULL and sets *params, or a message naming
 * the fault: bad %-escapes, NUL bytes, invalid UTF-8. NULL args give an
 * empty table. */
const char *occi_query_parse(apr_pool_t *pool, const char *args, apr_table_t **params);

#endif
