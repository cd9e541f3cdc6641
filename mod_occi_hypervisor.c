/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor in requests: its errors as HTTP answers, and the live
 * state of entities before they are shown or acted on.
 */
#include "mod_occi.h"

int occi_refuse_hv(occi_request *req, const occi_hv_error *error)
{
    switch (error->status) {
    case OCCI_HV_UNAVAILABLE:
        return occi_refuse(req, HTTP_SERVICE_UNAVAILABLE, error->message);
    case OCCI_HV_CONFLICT:
        return occi_refuse(req, HTTP_CONFLICT, error->message);
    case OCCI_HV_INVALID:
        return occi_refuse(req, HTTP_BAD_REQUEST, error->message);
    default:
        return occi_refuse(req, HTTP_INTERNAL_SERVER_ERROR, error->message);
    }
}

int occi_observe(occi_request *req, apr_array_header_t *entities)
{
    occi_hypervisor *hv = req->conf->hypervisor;
    apr_array_header_t *all;
    occi_hv_error error;
    int i;

    if (!hv || !entities->nelts) {
        return OK;
    }
    /* Resources with their inline links, asked about in one go. */
    all = apr_array_copy(req->r->pool, entities);
    for (i = 0; i < entities->nelts; i++) {
        apr_array_cat(all, APR_ARRAY_IDX(entities, i, occi_entity *)->links);
    }
    if (occi_hypervisor_observe(hv, req->r->pool, all, &error) != OCCI_HV_OK) {
        return occi_refuse_hv(req, &error);
    }
    return OK;
}

occi_entity *occi_link_source(apr_pool_t *pool, const occi_entity *link)
{
    occi_entity *source = occi_entity_create(pool);

    source->id = occi_entity_id_from_reference(
        pool, occi_entity_get_string(link, "occi.core.source"));
    return source;
}
