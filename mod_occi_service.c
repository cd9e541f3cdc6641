/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service layer (src/occi_service.h) in requests: the context of a
 * request (its store, acquired through mod_dbd, its hypervisor, owner and
 * scope), and the reads most handlers need, answered as HTTP errors when
 * they fail.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_config.h"
#include "mod_occi_intents.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "mod_occi_store.h"

int occi_store_acquire(occi_request *req)
{
    const char *error = occi_store_connect(req);

    if (error) {
        occi_send_error(req, HTTP_SERVICE_UNAVAILABLE,
                        apr_pstrcat(req->r->pool, "the entity store is unavailable: ", error,
                                    NULL));
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return OK;
}

void occi_request_service(occi_request *req, occi_service *service)
{
    memset(service, 0, sizeof(*service));
    service->store = req->store;
    service->hypervisor = req->conf->hypervisor;
    service->model = req->model;
    service->owner = req->owner;
    service->scope = req->scope;
    service->hypervisor_uri = occi_intents_hypervisor_uri(req->conf);
    service->holder = occi_process_holder(req->r->pool, NULL);
    service->intents_held = occi_intents_held;
    service->max_links = req->conf->max_links;
    service->origin = occi_request_origin(req);
    service->saved_template_scheme = occi_saved_template_scheme(req->r->pool, req->r->server);
    service->pack = req->conf->placement == 2;
    service->quotas = ((const occi_dir_conf *)ap_get_module_config(req->r->per_dir_config,
                                                                   &occi_module))->quota;
    service->provider_network_scheme = req->conf->provider_networks
                                       ? occi_provider_network_scheme(req->r->pool,
                                                                      req->r->server)
                                       : NULL;
}

occi_service *occi_service_for(occi_request *req)
{
    if (!req->service) {
        req->service = apr_palloc(req->r->pool, sizeof(*req->service));
        occi_request_service(req, req->service);
    }
    req->service->store = req->store;
    return req->service;
}

int occi_load_user_mixins(occi_request *req)
{
    occi_result result;
    int i;

    if (req->user_mixins_loaded) {
        return OK;
    }
    if (occi_store_acquire(req) != OK) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    result = occi_service_user_mixins(occi_service_for(req), req->r->pool, &req->user_mixins);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    req->validation.user_mixins = apr_hash_make(req->r->pool);
    for (i = 0; i < req->user_mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(req->user_mixins, i, const occi_category *);

        apr_hash_set(req->validation.user_mixins, occi_category_type_id(req->r->pool, mixin),
                     APR_HASH_KEY_STRING, mixin);
    }
    req->user_mixins_loaded = 1;
    return OK;
}

int occi_observe(occi_request *req, apr_array_header_t *entities)
{
    occi_result result = occi_service_observe(occi_service_for(req), req->r->pool, entities);

    return result.cls == OCCI_RESULT_OK ? OK : occi_refuse_result(req, &result);
}

/* Reads a resource's links from the store into entity->links. */
int occi_load_links(occi_request *req, occi_entity *entity)
{
    occi_result result = occi_service_load_links(occi_service_for(req), req->r->pool, entity);

    return result.cls == OCCI_RESULT_OK ? OK : occi_refuse_result(req, &result);
}

int occi_load_links_of_all(occi_request *req, apr_array_header_t *entities)
{
    occi_result result = occi_service_load_links_of_all(occi_service_for(req), req->r->pool,
                                                        entities);

    return result.cls == OCCI_RESULT_OK ? OK : occi_refuse_result(req, &result);
}
