/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The members of collections (mod_occi_collections.c): filters, pages.
 */
#ifndef MOD_OCCI_COLLECTIONS_H
#define MOD_OCCI_COLLECTIONS_H

#include "mod_occi.h"

/* The entities (occi_entity *) a collection route holds for the client,
 * filtered by the request, and paged when paged is set. */
int occi_list_members(occi_request *req, const occi_route *route, int paged,
                      apr_array_header_t **members);

#endif
