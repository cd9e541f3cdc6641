/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entities and listings as answers: each entity with its links, its live
 * state, the actions it can run now and its ETag, in the rendering the
 * client negotiated; a listing as JSON, text/occi, text/plain or a list of
 * URIs.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_collections.h"
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
        if (http_status != HTTP_CREATED && (status = occi_load_links_of_all(req, entities)) != OK) {
            return status;
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

/* ---- Listings a chunk at a time ---------------------------------------- */

/* A streamed listing reads, observes and renders its members a chunk at a
 * time, each chunk's memory freed before the next. A chunk is as many
 * rows as about STREAM_CHUNK_BYTES of rendering, judged by the chunk
 * before (entities of a few hundred bytes go 100 at a time, entities with
 * 60 KB summaries 2 at a time; the first chunk, of unknown size, is 2), so
 * that a request holds about that much whatever the listing's size and
 * its entities'. */
#define STREAM_CHUNK_BYTES (256 * 1024)
#define STREAM_ROWS_FIRST 2
#define STREAM_ROWS_MAX 100

/* The rows of the next chunk, after members: as many as fit in
 * STREAM_CHUNK_BYTES at the size of these (their attributes' text, which
 * their rendering about doubles). */
static int next_rows(const apr_array_header_t *members)
{
    apr_size_t bytes = 0, each, fit;
    int i, j;

    for (i = 0; i < members->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(members, i, const occi_entity *);

        bytes += 256;
        for (j = 0; j < entity->attributes->nelts; j++) {
            const occi_attribute_value *attribute = &APR_ARRAY_IDX(entity->attributes, j,
                                                                   occi_attribute_value);

            bytes += strlen(attribute->name)
                     + (attribute->value.string ? strlen(attribute->value.string) : 16);
        }
    }
    if (!members->nelts) {
        return STREAM_ROWS_MAX;
    }
    each = 2 * bytes / (apr_size_t)members->nelts;
    fit = STREAM_CHUNK_BYTES / each;
    return fit < 1 ? 1 : fit > STREAM_ROWS_MAX ? STREAM_ROWS_MAX : (int)fit;
}

/* A listing on its way to the client. */
typedef struct {
    occi_request *req;
    occi_media_type type;
    int started;                   /* the status and the first bytes are sent */
    int items;                     /* items written into the current JSON array */
    int arrays;                    /* JSON arrays opened so far */
} stream;

static void stream_write(stream *out, const char *text)
{
    request_rec *r = out->req->r;

    if (!out->started) {
        r->status = HTTP_OK;
        ap_set_content_type(r, occi_media_type_name(out->type));
        out->started = 1;
    }
    if (!r->header_only && *text) {
        ap_rputs(text, r);
    }
}

/* A failure once the answer has begun: no status can tell it any more, so
 * the connection is cut before the last chunk, which a client reads as an
 * incomplete answer (as mod_proxy does for a backend that fails mid-way). */
static int stream_fail(stream *out, int status)
{
    request_rec *r = out->req->r;
    apr_bucket_brigade *bb;

    if (!out->started) {
        return status;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "OCCI166: %s %s: the listing failed after "
                  "its first entities were sent (%d); the answer is cut short",
                  r->method, r->uri, status);
    r->connection->keepalive = AP_CONN_CLOSE;
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    APR_BRIGADE_INSERT_TAIL(bb, ap_bucket_error_create(HTTP_BAD_GATEWAY, NULL, r->pool,
                                                       r->connection->bucket_alloc));
    ap_pass_brigade(r->output_filters, bb);
    return OK;
}

/* The JSON items of a chunk of members of one class (resources or links),
 * as a collection renders them: links loaded, live states asked once for
 * the chunk, actions runnable now, the host for administrators. */
static int write_json_chunk(stream *out, apr_pool_t *pool, apr_array_header_t *members,
                            int links, const char *array_name)
{
    occi_request *req = out->req;
    const occi_service *service = occi_service_for(req);
    occi_render_context context = render_context(req);
    apr_array_header_t *chosen = apr_array_make(pool, members->nelts, sizeof(occi_entity *));
    occi_result result;
    int i;

    for (i = 0; i < members->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(members, i, occi_entity *);

        if (!entity->kind || occi_kind_is_link(req->model, entity->kind) != links) {
            continue;
        }
        result = occi_service_load_links(service, pool, entity);
        if (result.cls != OCCI_RESULT_OK) {
            return occi_refuse_result(req, &result);
        }
        APR_ARRAY_PUSH(chosen, occi_entity *) = entity;
    }
    if (!chosen->nelts) {
        return OK;
    }
    result = occi_service_observe(service, pool, chosen);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    for (i = 0; i < chosen->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(chosen, i, occi_entity *);
        occi_entity *seen = !req->conf->hosts || req->scope ? entity : occi_host_shown(
            pool, req->conf->provider_scheme ? req->conf->provider_scheme
                                             : OCCI_DEFAULT_PROVIDER_SCHEME, entity);
        const char *item = occi_json_render_entity(
            pool, &context, seen, occi_service_runnable_actions(service, pool, entity));

        if (!out->items++) {
            stream_write(out, apr_pstrcat(pool, out->arrays++ ? "," : "{", "\"", array_name,
                                          "\":[", item, NULL));
        }
        else {
            stream_write(out, apr_pstrcat(pool, ",", item, NULL));
        }
    }
    return OK;
}

/* One pass over the listing for JSON: the resources, or the links. */
static int stream_json_pass(stream *out, occi_listing *listing, int links, int *others)
{
    apr_pool_t *chunk;
    int status = OK;

    int rows = STREAM_ROWS_FIRST;

    apr_pool_create(&chunk, out->req->r->pool);
    out->items = 0;
    while (status == OK && !occi_listing_done(listing)) {
        apr_array_header_t *members;
        int i;

        apr_pool_clear(chunk);
        if ((status = occi_listing_next(out->req, listing, chunk, rows, &members)) != OK) {
            break;
        }
        for (i = 0; others && i < members->nelts; i++) {
            const occi_entity *entity = APR_ARRAY_IDX(members, i, occi_entity *);

            *others |= entity->kind && occi_kind_is_link(out->req->model, entity->kind) != links;
        }
        status = write_json_chunk(out, chunk, members, links, links ? "links" : "resources");
        rows = next_rows(members);
    }
    if (status == OK && out->items) {
        stream_write(out, "]");
    }
    apr_pool_destroy(chunk);
    return status;
}

/* One pass for text/plain or text/uri-list: a line per member. */
static int stream_locations(stream *out, occi_listing *listing)
{
    occi_request *req = out->req;
    const char *prefix = apr_pstrcat(req->r->pool, occi_request_origin(req), req->base, NULL);
    apr_pool_t *chunk;
    int status = OK;

    int rows = STREAM_ROWS_FIRST;

    apr_pool_create(&chunk, req->r->pool);
    stream_write(out, "");
    while (status == OK && !occi_listing_done(listing)) {
        apr_array_header_t *members, *locations;
        int i;

        apr_pool_clear(chunk);
        if ((status = occi_listing_next(req, listing, chunk, rows, &members)) != OK) {
            break;
        }
        rows = next_rows(members);
        locations = apr_array_make(chunk, members->nelts, sizeof(const char *));
        for (i = 0; i < members->nelts; i++) {
            APR_ARRAY_PUSH(locations, const char *) = apr_pstrcat(
                chunk, prefix, occi_entity_location(chunk, req->model,
                                                    APR_ARRAY_IDX(members, i, occi_entity *)),
                NULL);
        }
        if (out->type == OCCI_MEDIA_URI_LIST) {
            stream_write(out, occi_text_uri_list(chunk, locations));
        }
        else {
            apr_array_header_t *fields = apr_array_make(chunk, members->nelts,
                                                        sizeof(occi_text_field));

            occi_text_render_locations(chunk, locations, fields);
            stream_write(out, occi_text_fields_to_body(chunk, fields));
        }
    }
    apr_pool_destroy(chunk);
    return status;
}

int occi_stream_collection(occi_request *req, const occi_route *route)
{
    stream out;
    occi_listing *listing;
    int status, others = 0;

    memset(&out, 0, sizeof(out));
    out.req = req;
    status = occi_negotiate(req, occi_listing_renderings, occi_listing_renderings_count,
                            &out.type);
    if (status != OK) {
        return status;
    }
    if (out.type == OCCI_MEDIA_TEXT_OCCI) {
        /* Locations in headers: bounded by the headers' limits, not
         * streamed. */
        apr_array_header_t *members;

        if ((status = occi_list_members(req, route, 0, &members)) != OK) {
            return status;
        }
        return occi_send_collection(req, HTTP_OK, members);
    }
    if ((status = occi_listing_open(req, route, &listing)) != OK) {
        return status;
    }
    if (!occi_media_type_is_json(out.type)) {
        status = stream_locations(&out, listing);
        return status == OK ? OK : stream_fail(&out, status);
    }
    if (route->type == OCCI_ROUTE_KIND_COLLECTION
        && occi_kind_is_link(req->model, occi_category_type_id(req->r->pool, route->category))) {
        /* A link kind's collection holds links only. */
        status = stream_json_pass(&out, listing, 1, NULL);
    }
    else {
        /* The resources, then the links: a second pass only when the
         * first met any. */
        status = stream_json_pass(&out, listing, 0, &others);
        if (status == OK && others) {
            occi_listing_rewind(listing);
            status = stream_json_pass(&out, listing, 1, NULL);
        }
    }
    if (status != OK) {
        return stream_fail(&out, status);
    }
    /* An empty collection is {}: rOCCI-core's schema wants at least one
     * item in each array given. */
    stream_write(&out, out.arrays ? "}" : "{}");
    return OK;
}
