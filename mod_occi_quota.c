/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Each tenant's quota and usage as resources: the provider kind quota at
 * /quota/ (src/occi_quota_kind.h), one resource per tenant, made at each
 * request from the store's usage and the OCCIQuota lines of the request's
 * location. Read only.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_quota.h"
#include "mod_occi_render.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "occi_quota_kind.h"

static const char *provider_scheme_of(const occi_request *req)
{
    return req->conf->provider_scheme ? req->conf->provider_scheme
                                      : OCCI_DEFAULT_PROVIDER_SCHEME;
}

int occi_is_quota_route(const occi_request *req, const occi_route *route)
{
    return (route->type == OCCI_ROUTE_KIND_COLLECTION || route->type == OCCI_ROUTE_ENTITY)
           && route->category
           && occi_quota_category(provider_scheme_of(req),
                                  occi_category_type_id(req->r->pool, route->category));
}

void occi_handle_quota(occi_request *req, const occi_route *route)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *quotas;
    occi_result result;
    int i;

    if (occi_store_acquire(req) != OK) {
        return;
    }
    result = occi_service_quotas(occi_service_for(req), pool,
                                 occi_category_type_id(pool, route->category), &quotas);
    if (result.cls != OCCI_RESULT_OK) {
        occi_refuse_result(req, &result);
        return;
    }
    if (route->type != OCCI_ROUTE_ENTITY) {
        occi_send_collection(req, HTTP_OK, quotas);
        return;
    }
    /* Another tenant's quota does not exist for a tenant. */
    for (i = 0; i < quotas->nelts; i++) {
        occi_entity *quota = APR_ARRAY_IDX(quotas, i, occi_entity *);

        if (!strcmp(quota->id, route->entity_uuid)) {
            occi_send_entity(req, HTTP_OK, quota);
            return;
        }
    }
    occi_send_error(req, HTTP_NOT_FOUND, apr_psprintf(pool, "there is no quota at %s",
                                                      req->r->uri));
}
