/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entities and listings as answers: each entity with its links, its live
 * state, the actions it can run now and its ETag, in the rendering the
 * client negotiated; a listing as JSON, text/occi, text/plain or a list of
 * URIs.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_render.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "occi_entity_json.h"
#include "occi_host_kind.h"
#include "occi_json.h"
#include "occi_text.h"

static occi_render_context render_context(occi_request *req)
{
    occi_render_context context = { req->model, req->base, occi_request_origin(req) };

    return context;
}

static void set_etag(occi_request *req, const occi_entity *entity)
{
    apr_table_setn(req->r->headers_out, "ETag",
                   apr_psprintf(req->r->pool, "\"%" APR_INT64_T_FMT "\"",
                                (apr_int64_t)entity->revision));
}

/* Whether the states of entities must be asked of the hypervisor before
 * they are shown. Resources this request has just created are in their
 * initial states, which their validation set: a domain or a network
 * defined and not started, a volume just made, and the inline links of a
 * compute that does not run. A link created on its own may have joined
 * a running compute. */
static int states_unknown(const occi_request *req, int http_status,
                          const apr_array_header_t *entities)
{
    int i;

    for (i = 0; http_status == HTTP_CREATED && i < entities->nelts; i++) {
        if (occi_kind_is_link(req->model, APR_ARRAY_IDX(entities, i, occi_entity *)->kind)) {
            return 1;
        }
    }
    return http_status != HTTP_CREATED;
}

/* entity as the requester sees it: administrators also see its host. */
static occi_entity *as_seen(occi_request *req, occi_entity *entity)
{
    if (!req->conf->hosts || req->scope) {
        return entity;
    }
    return occi_host_shown(req->r->pool, req->conf->provider_scheme
                           ? req->conf->provider_scheme : OCCI_DEFAULT_PROVIDER_SCHEME, entity);
}

int occi_send_entity(occi_request *req, int status, occi_entity *entity)
{
    apr_pool_t *pool = req->r->pool;
    occi_render_context context = render_context(req);
    apr_array_header_t *actions;
    occi_media_type type;
    int negotiated;

    /* A resource this request created has the links it was created
     * with. */
    if (status != HTTP_CREATED && (negotiated = occi_load_links(req, entity)) != OK) {
        return negotiated;
    }
    {
        apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *));

        APR_ARRAY_PUSH(one, occi_entity *) = entity;
        if (states_unknown(req, status, one) && (negotiated = occi_observe(req, one)) != OK) {
            return negotiated;
        }
    }
    negotiated = occi_negotiate(req, occi_entity_renderings, occi_entity_renderings_count,
                                &type);
    if (negotiated != OK) {
        return negotiated;
    }
    actions = occi_service_runnable_actions(occi_service_for(req), pool, entity);
    set_etag(req, entity);
    if (occi_media_type_is_json(type)) {
        const char *body = occi_json_render_entity(pool, &context, as_seen(req, entity),
                                                   actions);

        return occi_send_body(req, status, type, body, strlen(body));
    }
    else {
        apr_array_header_t *fields = apr_array_make(pool, 16, sizeof(occi_text_field));

        occi_text_render_entity(pool, &context, as_seen(req, entity), actions, fields);
        return occi_send_fields(req, status, type, fields);
    }
}

const char *occi_absolute_location(occi_request *req, const occi_entity *entity)
{
    return apr_pstrcat(req->r->pool, occi_request_origin(req), req->base,
                       occi_entity_location(req->r->pool, req->model, entity), NULL);
}

/* Sends a listing of entities in the negotiated rendering. */
int occi_send_collection(occi_request *req, int http_status, apr_array_header_t *entities)
{
    apr_pool_t *pool = req->r->pool;
    occi_render_context context = render_context(req);
    apr_array_header_t *locations = apr_array_make(pool, entities->nelts, sizeof(const char *));
    occi_media_type type;
    int status, i;

    status = occi_negotiate(req, occi_listing_renderings, occi_listing_renderings_count, &type);
    if (status != OK) {
        return status;
    }
    for (i = 0; i < entities->nelts; i++) {
        APR_ARRAY_PUSH(locations, const char *) =
            occi_absolute_location(req, APR_ARRAY_IDX(entities, i, occi_entity *));
    }
    if (occi_media_type_is_json(type)) {
        apr_array_header_t *actions = apr_array_make(pool, entities->nelts,
                                                     sizeof(apr_array_header_t *)), *seen;
        const char *body;

        /* Resources this request created have the links they were
         * created with. */
        for (i = 0; http_status != HTTP_CREATED && i < entities->nelts; i++) {
            occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

            if ((status = occi_load_links(req, entity)) != OK) {
                return status;
            }
        }
        /* One round of questions to the hypervisor for the whole page. */
        if (states_unknown(req, http_status, entities)
            && (status = occi_observe(req, entities)) != OK) {
            return status;
        }
        seen = apr_array_make(pool, entities->nelts, sizeof(occi_entity *));
        for (i = 0; i < entities->nelts; i++) {
            APR_ARRAY_PUSH(actions, apr_array_header_t *) = occi_service_runnable_actions(
                occi_service_for(req), pool, APR_ARRAY_IDX(entities, i, occi_entity *));
            APR_ARRAY_PUSH(seen, occi_entity *) = as_seen(req, APR_ARRAY_IDX(entities, i,
                                                                             occi_entity *));
        }
        body = occi_json_render_collection(pool, &context, seen, actions);
        return occi_send_body(req, http_status, type, body, strlen(body));
    }
    if (type == OCCI_MEDIA_URI_LIST) {
        const char *body = occi_text_uri_list(pool, locations);

        return occi_send_body(req, http_status, type, body, strlen(body));
    }
    else {
        apr_array_header_t *fields = apr_array_make(pool, entities->nelts,
                                                    sizeof(occi_text_field));

        occi_text_render_locations(pool, locations, fields);
        return occi_send_fields(req, http_status, type, fields);
    }
}
