/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entities and collections (mod_occi_entities.c): the verbs of GFD.223
 * on entity URLs, kind and mixin collections and unbound paths.
 */
#ifndef MOD_OCCI_ENTITIES_H
#define MOD_OCCI_ENTITIES_H

#include "mod_occi.h"

/* Kind and mixin collections, unbound paths, entities. */
int occi_handle_collection(occi_request *req, const occi_route *route);
int occi_handle_entity(occi_request *req, const occi_route *route);

#endif
