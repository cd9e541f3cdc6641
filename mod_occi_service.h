/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service layer in requests (mod_occi_service.c): a request's
 * context for src/occi_service.h, and the reads every handler needs,
 * their failures answered.
 */
#ifndef MOD_OCCI_SERVICE_H
#define MOD_OCCI_SERVICE_H

#include "mod_occi.h"

/* Acquires the request's store; on failure answers 503 and returns it. */
int occi_store_acquire(occi_request *req);

/* The service-layer context of a request: its store, hypervisor, model,
 * owner and scope, and this process as the holder of intents. */
void occi_request_service(occi_request *req, occi_service *service);

/* The request's service-layer context, made once (its store is the one
 * acquired last). */
occi_service *occi_service_for(occi_request *req);

/* Loads the owner's user mixins into req->validation (once). OK or an
 * error already sent. */
int occi_load_user_mixins(occi_request *req);

/* Writes the live state of entities (occi_entity *, with their inline
 * links) from the hypervisor, in one round of questions. OK, or the status
 * of the error sent. No-op without a hypervisor. */
int occi_observe(occi_request *req, apr_array_header_t *entities);

/* Reads a resource's links from the store into entity->links. OK, or the
 * status of the error sent. */
int occi_load_links(occi_request *req, occi_entity *entity);

/* The same for every resource of entities (occi_entity *), at once. */
int occi_load_links_of_all(occi_request *req, apr_array_header_t *entities);

#endif
