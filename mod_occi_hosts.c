/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor hosts as resources, for administrators: the provider kind
 * host at /host/ (src/occi_host_kind.h), one resource per configured host,
 * made at each request from the configuration, libvirt and the store, and
 * the actions enable and disable, which decide whether new entities are
 * placed on a host, and evacuate, which migrates its computes away.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_config.h"
#include "mod_occi_hosts.h"
#include "mod_occi_render.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "occi_host_kind.h"

static const char *provider_scheme_of(const occi_request *req)
{
    return req->conf->provider_scheme ? req->conf->provider_scheme
                                      : OCCI_DEFAULT_PROVIDER_SCHEME;
}

int occi_is_host_category(const occi_request *req, const occi_category *category)
{
    return req->conf->hosts
           && occi_host_category(provider_scheme_of(req),
                                 occi_category_type_id(req->r->pool, category));
}

int occi_is_host_route(const occi_request *req, const occi_route *route)
{
    return (route->type == OCCI_ROUTE_KIND_COLLECTION || route->type == OCCI_ROUTE_ENTITY
            || route->type == OCCI_ROUTE_MIXIN_COLLECTION)
           && route->category && occi_is_host_category(req, route->category);
}

/* The hosts as they are now, and the one route names (NULL: none). OK or
 * the status of the error sent. */
static int read_hosts(occi_request *req, const occi_route *route, apr_array_header_t **hosts,
                      occi_entity **host)
{
    apr_pool_t *pool = req->r->pool;
    occi_result result;
    int i;

    result = occi_service_hosts(occi_service_for(req), pool,
                                occi_category_type_id(pool, route->category), hosts);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    *host = NULL;
    for (i = 0; route->entity_uuid && i < (*hosts)->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(*hosts, i, occi_entity *)->id, route->entity_uuid)) {
            *host = APR_ARRAY_IDX(*hosts, i, occi_entity *);
        }
    }
    return OK;
}

void occi_handle_hosts(occi_request *req, const occi_route *route)
{
    apr_pool_t *pool = req->r->pool;
    const char *action = apr_table_get(req->query, "action");
    apr_array_header_t *hosts;
    occi_entity *host;
    occi_result result;

    /* The mixin placed has no members of its own: it only shows an
     * entity's host (occi_host_kind.h). */
    if (route->type == OCCI_ROUTE_MIXIN_COLLECTION) {
        occi_send_error(req, HTTP_NOT_FOUND, apr_psprintf(
                            pool, "%s lists nothing: each entity shows its host", req->r->uri));
        return;
    }
    if (occi_store_acquire(req) != OK || read_hosts(req, route, &hosts, &host) != OK) {
        return;
    }
    if (route->type != OCCI_ROUTE_ENTITY) {
        occi_send_collection(req, HTTP_OK, hosts);
        return;
    }
    if (!host) {
        occi_send_error(req, HTTP_NOT_FOUND, apr_psprintf(pool, "there is no host at %s",
                                                          req->r->uri));
        return;
    }
    if (req->r->method_number == M_POST) {
        const char *name = occi_entity_get_string(host, "host.name");
        int moved = 0, left = 0;

        if (!action || (strcmp(action, "enable") && strcmp(action, "disable")
                        && strcmp(action, "evacuate"))) {
            occi_refuse(req, HTTP_BAD_REQUEST, "a host takes ?action=enable, ?action=disable "
                        "or ?action=evacuate");
            return;
        }
        result = !strcmp(action, "evacuate")
                 ? occi_service_evacuate(occi_service_for(req), pool, name, &moved, &left)
                 : occi_service_set_host_enabled(occi_service_for(req), pool, name,
                                                 !strcmp(action, "enable"));
        if (!strcmp(action, "evacuate")) {
            ap_log_rerror(APLOG_MARK, left ? APLOG_WARNING : APLOG_NOTICE, 0, req->r,
                          OCCI_LOGNO(162) "host %s evacuated by %s: %d computes moved, %d "
                          "could not", name, req->owner && *req->owner ? req->owner
                                                                       : "an administrator",
                          moved, left);
        }
        if (result.cls != OCCI_RESULT_OK) {
            occi_refuse_result(req, &result);
            return;
        }
        if (strcmp(action, "evacuate")) {
            ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, req->r, OCCI_LOGNO(155)
                          "host %s %sd by %s", name, action,
                          req->owner && *req->owner ? req->owner : "an administrator");
        }
        /* The answer shows the host as it is now. */
        if (read_hosts(req, route, &hosts, &host) != OK || !host) {
            return;
        }
    }
    occi_send_entity(req, HTTP_OK, host);
}
