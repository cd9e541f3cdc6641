/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entities and listings as answers (mod_occi_render.c).
 */
#ifndef MOD_OCCI_RENDER_H
#define MOD_OCCI_RENDER_H

#include "mod_occi.h"

/* Sends an entity (with its links, live state, actions and ETag), or a
 * listing of entities, in the negotiated rendering. */
int occi_send_entity(occi_request *req, int status, occi_entity *entity);
int occi_send_collection(occi_request *req, int http_status, apr_array_header_t *entities);

/* Answers a GET of a whole collection (no page, no number) a chunk of
 * members at a time, in bounded memory whatever its size
 * (mod_occi_collections.h); text/occi, whose locations are headers, is
 * answered whole. */
int occi_stream_collection(occi_request *req, const occi_route *route);

/* The entity's absolute URL: origin, mount path, kind location, id. */
const char *occi_absolute_location(occi_request *req, const occi_entity *entity);

#endif
