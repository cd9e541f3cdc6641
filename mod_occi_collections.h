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

/* A collection read a chunk at a time (a GET without page or number):
 * each chunk costs the same, and its memory is the caller's pool's, so
 * that a collection of any size is listed in bounded memory. */
typedef struct occi_listing occi_listing;

/* The listing of route for this request (its filters read), from the
 * first member. */
int occi_listing_open(occi_request *req, const occi_route *route, occi_listing **listing);

/* The next members of listing (occi_entity *, in pool), from at most rows
 * rows of the store: fewer when filters turn some away, none once the
 * listing is done (occi_listing_done). */
int occi_listing_next(occi_request *req, occi_listing *listing, apr_pool_t *pool, int rows,
                      apr_array_header_t **members);

/* Whether every member has been listed. */
int occi_listing_done(const occi_listing *listing);

/* Back to the first member, for another pass. */
void occi_listing_rewind(occi_listing *listing);

#endif
