/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the JSON text the store itself wrote into a row (an entity's
 * attributes, its mixins), without building a json-c tree: a page of 100
 * computes spent a third of its instructions in json-c's parser, most of
 * it setting up a tokener and a locale for each of 200 small texts.
 *
 * Only the forms the store writes are read here: an object of scalar
 * values, an array of strings, with the escapes json-c writes. Anything
 * else (a nested array or object, null, a \u escape above U+001F, a
 * duplicate name, a number beyond a long long's or a double's range) answers
 * "not mine", and the caller
 * reads the text with json-c as before, so that what a row means never
 * depends on which reader read it.
 */
#ifndef OCCI_STORED_JSON_H
#define OCCI_STORED_JSON_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Appends to attributes (occi_attribute_value) the members of a stored
 * object, in order. 0 when read; -1 when the text is not of the forms above (attributes
 * may then hold some members: the caller starts again with a fresh one). */
int occi_stored_attributes_read(apr_pool_t *pool, const char *text,
                                apr_array_header_t *attributes);

/* Appends to strings (const char *) the items of a stored array of
 * strings. 0 when read; -1 when the text is not of that form. */
int occi_stored_strings_read(apr_pool_t *pool, const char *text, apr_array_header_t *strings);

#endif
