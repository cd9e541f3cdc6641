/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCCI text rendering (GFD.229) of categories: Category header values
 * as they appear in text/plain bodies and text/occi headers.
 */
#ifndef OCCI_TEXT_H
#define OCCI_TEXT_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_model.h"

/* One Category value, without the "Category: " prefix. Locations are
 * written below base, the mount path without its trailing slash ("" at
 * the root, "/occi" under /occi/). */
const char *occi_text_category(apr_pool_t *pool, const occi_category *category,
                               const char *base);

/* A text/plain body: one "Category: ..." line per category. */
const char *occi_text_category_lines(apr_pool_t *pool,
                                     const apr_array_header_t *categories,
                                     const char *base);

/* Parses a Category header value (one or several comma-separated values)
 * and appends an occi_category * for each to out. Returns NULL, or a
 * message naming what is wrong. At most max_values values are accepted.
 * A parsed category's rel becomes the parent of a kind or the first depends
 * of a mixin; its location is kept as written. */
const char *occi_text_parse_categories(apr_pool_t *pool, const char *value,
                                       int max_values, apr_array_header_t *out);

/* Scans the RFC 7230 quoted-string that starts at *p (which points at its
 * opening quote): returns the content with quoted-pairs undone and moves
 * *p past the closing quote, or returns NULL and sets *error (unbalanced
 * quotes, a lone trailing backslash, a control character other than tab).
 * Shared with the entity parsers (Link and X-OCCI-Attribute values). */
const char *occi_text_scan_quoted(apr_pool_t *pool, const char **p, const char **error);

#endif
