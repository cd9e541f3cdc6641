/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entities and collections: the verbs of GFD.223 §3.3 on entity URLs,
 * kind collections, mixin collections and unbound paths, kept through the
 * store. Each request that changes several rows does so in one store
 * transaction, so a failure leaves nothing half done.
 */
#include <string.h>
#include <stdlib.h>

#include "mod_occi.h"
#include "mod_occi_actions.h"
#include "mod_occi_collections.h"
#include "mod_occi_deferred_save.h"
#include "mod_occi_entities.h"
#include "mod_occi_render.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "occi_entity_json.h"
#include "occi_json.h"
#include "occi_state.h"
#include "occi_text.h"
#include "occi_discovery.h"
#include "occi_host_kind.h"

#define LINK_KIND           OCCI_SCHEME_CORE "link"
#define COMPUTE_KIND        OCCI_SCHEME_INFRA "compute"
#define NETWORK_KIND        OCCI_SCHEME_INFRA "network"
#define STORAGE_KIND        OCCI_SCHEME_INFRA "storage"
#define NETWORKINTERFACE    OCCI_SCHEME_INFRA "networkinterface"
#define STORAGELINK         OCCI_SCHEME_INFRA "storagelink"

/* ---- Reading what the client sends --------------------------------- */

/* Checks an entity (and its links) against the limits of one request;
 * counts the categories and links it names into *categories and *links. */
static const char *over_limits(occi_request *req, const occi_entity *entity, int *categories,
                               int *links)
{
    int i;

    *categories += 1 + entity->mixins->nelts;
    *links += entity->links->nelts;
    if (*categories > req->conf->max_categories) {
        return apr_psprintf(req->r->pool, "the request names more than %d entities and mixins "
                            "(OCCIMaxCategories)", req->conf->max_categories);
    }
    if (*links > req->conf->max_links) {
        return apr_psprintf(req->r->pool, "the request carries more than %d links "
                            "(OCCIMaxLinks)", req->conf->max_links);
    }
    for (i = 0; i < entity->attributes->nelts; i++) {
        const occi_attribute_value *attribute = &APR_ARRAY_IDX(entity->attributes, i,
                                                               occi_attribute_value);
        size_t length = attribute->value.string ? strlen(attribute->value.string) : 0;

        if (length > (size_t)req->conf->max_attribute_length) {
            return apr_psprintf(req->r->pool, "%s is %lu bytes long; at most %d are accepted "
                                "(OCCIMaxAttributeLength)", attribute->name,
                                (unsigned long)length, req->conf->max_attribute_length);
        }
    }
    for (i = 0; i < entity->links->nelts; i++) {
        const char *error = over_limits(req, APR_ARRAY_IDX(entity->links, i, occi_entity *),
                                        categories, links);

        if (error) {
            return error;
        }
    }
    return NULL;
}

/* The entities a create, replace or update request carries. */
static int read_entities(occi_request *req, apr_array_header_t **entities)
{
    apr_pool_t *pool = req->r->pool;
    occi_media_type type;
    const char *body, *error;
    apr_size_t len;
    apr_array_header_t *fields;
    int status = occi_read_body(req, &type, &body, &len);

    if (status != OK) {
        return status;
    }
    *entities = apr_array_make(pool, 1, sizeof(occi_entity *));
    if (occi_media_type_is_json(type)) {
        error = occi_json_parse_entities(pool, body, len, *entities);
    }
    else if (type == OCCI_MEDIA_URI_LIST) {
        error = "text/uri-list cannot carry an entity";
    }
    else {
        occi_entity *entity;

        if ((status = occi_request_fields(req, type, body, len, &fields)) != OK) {
            return status;
        }
        error = occi_text_parse_entity(pool, fields, &entity);
        if (!error) {
            APR_ARRAY_PUSH(*entities, occi_entity *) = entity;
        }
    }
    if (error) {
        occi_send_error(req, HTTP_BAD_REQUEST, error);
        return HTTP_BAD_REQUEST;
    }
    if ((*entities)->nelts == 0) {
        occi_send_error(req, HTTP_BAD_REQUEST, "the request carries no entity");
        return HTTP_BAD_REQUEST;
    }
    /* What an administrator's GET showed of the host is not the client's
     * to set: dropped, so that the rendering can be sent back. */
    if (req->conf->hosts) {
        int i;

        for (i = 0; i < (*entities)->nelts; i++) {
            occi_host_strip_placed(pool, req->conf->provider_scheme
                                   ? req->conf->provider_scheme : OCCI_DEFAULT_PROVIDER_SCHEME,
                                   APR_ARRAY_IDX(*entities, i, occi_entity *));
        }
    }
    {
        int categories = 0, links = 0, i;

        for (i = 0; i < (*entities)->nelts; i++) {
            if ((error = over_limits(req, APR_ARRAY_IDX(*entities, i, occi_entity *),
                                     &categories, &links))) {
                return occi_refuse(req, HTTP_REQUEST_ENTITY_TOO_LARGE, error);
            }
        }
    }
    return OK;
}

/* The references (locations or ids) a mixin association request carries:
 * JSON, text/uri-list, or X-OCCI-Location. *given is 0 when the request
 * has no body or fields at all. */
static int read_references(occi_request *req, apr_array_header_t **references, int *given)
{
    apr_pool_t *pool = req->r->pool;
    occi_media_type type;
    const char *body, *error;
    apr_size_t len;
    apr_array_header_t *fields;
    int status = occi_read_body(req, &type, &body, &len);

    if (status != OK) {
        return status;
    }
    *references = apr_array_make(pool, 4, sizeof(const char *));
    if (occi_media_type_is_json(type)) {
        error = occi_json_parse_locations(pool, body, len, *references);
        *given = 1;
    }
    else if (type == OCCI_MEDIA_URI_LIST) {
        error = occi_text_parse_uri_list(pool, body, len, *references);
        *given = 1;
    }
    else {
        if ((status = occi_request_fields(req, type, body, len, &fields)) != OK) {
            return status;
        }
        error = occi_text_parse_locations(pool, fields, *references);
        *given = type != OCCI_MEDIA_NONE || fields->nelts > 0;
    }
    if (error) {
        occi_send_error(req, HTTP_BAD_REQUEST, error);
        return HTTP_BAD_REQUEST;
    }
    return OK;
}

/* ---- Conditions (ETag) --------------------------------------------- */

/* Whether an If-Match / If-None-Match list names the entity's ETag. */
static int etag_listed(const char *list, const occi_entity *entity, apr_pool_t *pool)
{
    const char *etag = apr_psprintf(pool, "\"%" APR_INT64_T_FMT "\"",
                                    (apr_int64_t)entity->revision);
    char *copy = apr_pstrdup(pool, list), *state, *item;

    for (item = apr_strtok(copy, ", \t", &state); item; item = apr_strtok(NULL, ", \t", &state)) {
        if (!strcmp(item, "*") || !strcmp(item, etag)
            || (!strncmp(item, "W/", 2) && !strcmp(item + 2, etag))) {
            return 1;
        }
    }
    return 0;
}

/* Checks If-Match against the current entity (NULL when there is none). */
static int check_if_match(occi_request *req, const occi_entity *current)
{
    const char *if_match = apr_table_get(req->r->headers_in, "If-Match");

    if (if_match && (!current || !etag_listed(if_match, current, req->r->pool))) {
        occi_send_error(req, HTTP_PRECONDITION_FAILED, current
                        ? apr_psprintf(req->r->pool, "If-Match: the entity has changed; its "
                                       "ETag is now \"%" APR_INT64_T_FMT "\"",
                                       (apr_int64_t)current->revision)
                        : "If-Match: there is no entity here");
        return HTTP_PRECONDITION_FAILED;
    }
    return OK;
}

/* ---- References between entities ----------------------------------- */

/* Reads the owner's entity named by reference (a location, a URL or an
 * id). *entity is NULL when the reference names no local entity. */
static int find_referenced(occi_request *req, const char *reference, occi_entity **entity)
{
    const char *id = occi_entity_id_from_reference(req->r->pool, reference);
    occi_result result;

    *entity = NULL;
    if (!id) {
        return OK;
    }
    result = occi_service_get(occi_service_for(req), req->r->pool, id, 0, entity);
    if (result.cls == OCCI_RESULT_NOT_FOUND) {
        *entity = NULL;
        return OK;
    }
    return result.cls == OCCI_RESULT_OK ? OK : occi_refuse_result(req, &result);
}

/* The kind a link of link_kind must point at, or NULL when any will do. */
static const char *required_target_kind(const char *link_kind)
{
    if (!strcmp(link_kind, NETWORKINTERFACE)) {
        return NETWORK_KIND;
    }
    if (!strcmp(link_kind, STORAGELINK)) {
        return STORAGE_KIND;
    }
    return NULL;
}

static int is_absolute_url(const char *reference)
{
    return strstr(reference, "://") != NULL;
}

/* A resource holds at most OCCIMaxLinks links, as many as one request may
 * carry: its rendering, which lists them all, must be accepted back by a
 * PUT. link may be one of them already (a replacement). */
static int check_room_for_link(occi_request *req, const occi_entity *resource,
                               const occi_entity *link)
{
    occi_service service;
    occi_result result;

    occi_request_service(req, &service);
    result = occi_service_check_room(&service, req->r->pool, resource, link);
    return result.cls == OCCI_RESULT_OK ? OK : occi_refuse_result(req, &result);
}

/* Checks a link's source (source, when the caller knows it, e.g. the
 * resource being created) and target, and writes both as locations below
 * the mount with their kinds. */
static int resolve_link_ends(occi_request *req, occi_entity *link, const occi_entity *source)
{
    apr_pool_t *pool = req->r->pool;
    const char *target_ref = occi_entity_get_string(link, "occi.core.target");
    const char *source_ref = occi_entity_get_string(link, "occi.core.source");
    const char *wanted_target = required_target_kind(link->kind);
    const char *source_kind, *error;
    occi_entity *found;
    int status;

    if (!source) {
        if (!source_ref) {
            occi_send_error(req, HTTP_BAD_REQUEST, "a link needs occi.core.source");
            return HTTP_BAD_REQUEST;
        }
        if ((status = find_referenced(req, source_ref, &found)) != OK) {
            return status;
        }
        if (!found || occi_kind_is_link(req->model, found->kind)) {
            occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                                pool, "the source %s of the link is not a resource here",
                                source_ref));
            return HTTP_BAD_REQUEST;
        }
        if ((status = check_room_for_link(req, found, link)) != OK) {
            return status;
        }
        source = found;
    }
    if (wanted_target && strcmp(source->kind, COMPUTE_KIND)) {
        occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                            pool, "a %s link must start at a compute, not at a %s",
                            strrchr(link->kind, '#') + 1, strrchr(source->kind, '#') + 1));
        return HTTP_BAD_REQUEST;
    }
    /* The source's kind is implied by the source, and rendered from it; a
     * client may repeat it (rOCCI-core does), but not say another. */
    source_kind = occi_entity_get_string(link, "occi.core.source.kind");
    if (source_kind && strcmp(source_kind, source->kind)) {
        occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                            pool, "occi.core.source.kind is %s, but the source is a %s",
                            source_kind, source->kind));
        return HTTP_BAD_REQUEST;
    }
    occi_entity_set_string(pool, link, "occi.core.source",
                           occi_entity_location(pool, req->model, source));

    if (!target_ref) {
        occi_send_error(req, HTTP_BAD_REQUEST, "a link needs occi.core.target");
        return HTTP_BAD_REQUEST;
    }
    if ((status = find_referenced(req, target_ref, &found)) != OK) {
        return status;
    }
    if (!found) {
        if (wanted_target || !is_absolute_url(target_ref)) {
            occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                                pool, "the target %s of the link is not an entity here",
                                target_ref));
            return HTTP_BAD_REQUEST;
        }
        return OK;                 /* a remote target: kept as given */
    }
    if (wanted_target && strcmp(found->kind, wanted_target)) {
        occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                            pool, "a %s link must point at a %s, not at a %s",
                            strrchr(link->kind, '#') + 1, strrchr(wanted_target, '#') + 1,
                            strrchr(found->kind, '#') + 1));
        return HTTP_BAD_REQUEST;
    }
    if ((error = occi_validate_interface_address(pool, link, found))) {
        occi_send_error(req, HTTP_BAD_REQUEST, error);
        return HTTP_BAD_REQUEST;
    }
    occi_entity_set_string(pool, link, "occi.core.target",
                           occi_entity_location(pool, req->model, found));
    occi_entity_set_string(pool, link, "occi.core.target.kind", found->kind);
    return OK;
}

/* An update that may give a network interface a static address: checked
 * against its network as at creation. */
static int check_interface_address(occi_request *req, const occi_entity *link)
{
    const char *error;
    occi_entity *network;
    int status;

    if (strcmp(link->kind, NETWORKINTERFACE)) {
        return OK;
    }
    if ((status = find_referenced(req, occi_entity_get_string(link, "occi.core.target"),
                                  &network)) != OK) {
        return status;
    }
    if ((error = occi_validate_interface_address(req->r->pool, link, network))) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    return OK;
}

/* ---- Creating ------------------------------------------------------ */

/* Gives entity an id (or checks the one it names is free), validates it
 * and, for a resource, its inline links. */
static int prepare_new_entity(occi_request *req, const char *collection_kind,
                              occi_entity *entity)
{
    apr_pool_t *pool = req->r->pool;
    occi_entity *existing;
    const char *error;
    int i, status;

    if (!entity->id) {
        entity->id = occi_uuid_generate(pool);
        if (!entity->id) {
            return occi_refuse(req, HTTP_INTERNAL_SERVER_ERROR,
                                   "no random numbers to make an identifier");
        }
    }
    else {
        occi_result result = occi_service_get(occi_service_for(req), pool, entity->id, 1,
                                              &existing);

        if (result.cls == OCCI_RESULT_OK && req->scope && strcmp(existing->owner, req->scope)) {
            /* Ids are one namespace for every owner. Another tenant's
             * entity is answered as absent: a PUT at its location as
             * every other verb there, a create naming its id without
             * saying whose it is. */
            if (req->r->method_number == M_PUT) {
                return occi_refuse(req, HTTP_NOT_FOUND,
                                   apr_psprintf(pool, "there is no entity at %s", req->r->uri));
            }
            return occi_refuse(req, HTTP_CONFLICT, apr_psprintf(
                                   pool, "id %s cannot be used; leave the id out and the "
                                   "server makes one", entity->id));
        }
        if (result.cls == OCCI_RESULT_OK) {
            occi_send_error(req, HTTP_CONFLICT, apr_psprintf(
                                pool, "an entity with id %s exists already", entity->id));
            return HTTP_CONFLICT;
        }
        if (result.cls != OCCI_RESULT_NOT_FOUND) {
            return occi_refuse_result(req, &result);
        }
    }
    entity->owner = req->owner;
    /* Link ends are read before validation: it needs them present. */
    if (occi_kind_is_link(req->model, entity->kind ? entity->kind : "")
        && (status = resolve_link_ends(req, entity, NULL)) != OK) {
        return status;
    }
    if ((error = occi_validate_create(pool, &req->validation, collection_kind, entity))) {
        occi_send_error(req, HTTP_BAD_REQUEST, error);
        return HTTP_BAD_REQUEST;
    }
    if (entity->links->nelts && occi_kind_is_link(req->model, entity->kind)) {
        occi_send_error(req, HTTP_BAD_REQUEST, "a link cannot have links of its own");
        return HTTP_BAD_REQUEST;
    }
    for (i = 0; i < entity->links->nelts; i++) {
        occi_entity *link = APR_ARRAY_IDX(entity->links, i, occi_entity *);

        if (!link->kind || !occi_kind_is_link(req->model, link->kind)) {
            occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                                pool, "inline link %d names %s, which is not a link kind",
                                i + 1, link->kind ? link->kind : "no kind"));
            return HTTP_BAD_REQUEST;
        }
        link->id = link->id ? link->id : occi_uuid_generate(pool);
        link->owner = req->owner;
        if ((status = resolve_link_ends(req, link, entity)) != OK) {
            return status;
        }
        if ((error = occi_validate_create(pool, &req->validation, NULL, link))) {
            occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(pool, "inline link %d: %s",
                                                                 i + 1, error));
            return HTTP_BAD_REQUEST;
        }
    }
    return OK;
}

/* Makes entities and their links on the hypervisor and in the store, all
 * or nothing (occi_service_create). OK, or the status of the error sent. */
static int insert_entities(occi_request *req, apr_array_header_t *entities)
{
    occi_service service;
    occi_result result;

    occi_request_service(req, &service);
    result = occi_service_create(&service, req->r->pool, entities);
    return result.cls == OCCI_RESULT_OK ? OK : occi_refuse_result(req, &result);
}

/* Location names the first new entity; text renderings list them all in
 * X-OCCI-Location (see occi_send_fields). */
static void add_location_headers(occi_request *req, const apr_array_header_t *entities)
{
    int i;

    req->created_locations = apr_array_make(req->r->pool, entities->nelts, sizeof(const char *));
    for (i = 0; i < entities->nelts; i++) {
        const char *location = occi_absolute_location(req, APR_ARRAY_IDX(entities, i,
                                                                     const occi_entity *));
        if (i == 0) {
            apr_table_setn(req->r->headers_out, "Location", location);
        }
        APR_ARRAY_PUSH(req->created_locations, const char *) = location;
    }
}

/* Whether an entity or one of its inline links names a mixin that the
 * model does not define: only then must the user's mixins be read. */
static int names_user_mixins(const occi_request *req, const occi_entity *entity)
{
    int i;

    for (i = 0; i < entity->mixins->nelts; i++) {
        if (!occi_model_find(req->model, APR_ARRAY_IDX(entity->mixins, i, const char *))) {
            return 1;
        }
    }
    for (i = 0; entity->links && i < entity->links->nelts; i++) {
        if (names_user_mixins(req, APR_ARRAY_IDX(entity->links, i, const occi_entity *))) {
            return 1;
        }
    }
    return 0;
}

static int create_in_collection(occi_request *req, const occi_category *kind)
{
    apr_array_header_t *entities;
    int status, i;

    if ((status = read_entities(req, &entities)) != OK) {
        return status;
    }
    for (i = 0; i < entities->nelts; i++) {
        if (names_user_mixins(req, APR_ARRAY_IDX(entities, i, const occi_entity *))
            && (status = occi_load_user_mixins(req)) != OK) {
            return status;
        }
    }
    for (i = 0; i < entities->nelts; i++) {
        status = prepare_new_entity(req, occi_category_type_id(req->r->pool, kind),
                                    APR_ARRAY_IDX(entities, i, occi_entity *));
        if (status != OK) {
            return status;
        }
    }
    if ((status = insert_entities(req, entities)) != OK) {
        return status;
    }
    add_location_headers(req, entities);
    if (entities->nelts == 1) {
        return occi_send_entity(req, HTTP_CREATED, APR_ARRAY_IDX(entities, 0, occi_entity *));
    }
    return occi_send_collection(req, HTTP_CREATED, entities);
}

/* Mixin collections: associate (POST), replace (PUT) or dissociate
 * (DELETE) members. */
static int change_membership(occi_request *req, const occi_route *route)
{
    apr_pool_t *pool = req->r->pool;
    const char *mixin = occi_category_type_id(pool, route->category);
    apr_array_header_t *references, *currents, *changed, *members;
    apr_hash_t *named = apr_hash_make(pool);
    occi_service service;
    occi_result result;
    int status, given, i, method = req->r->method_number;

    if ((status = read_references(req, &references, &given)) != OK) {
        return status;
    }
    currents = apr_array_make(pool, references->nelts, sizeof(occi_entity *));
    changed = apr_array_make(pool, references->nelts, sizeof(occi_entity *));
    for (i = 0; i < references->nelts; i++) {
        const char *reference = APR_ARRAY_IDX(references, i, const char *);
        occi_entity *entity, *updated;
        const char *error;

        if ((status = find_referenced(req, reference, &entity)) != OK) {
            return status;
        }
        if (!entity) {
            return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                       pool, "%s is not an entity here", reference));
        }
        apr_hash_set(named, entity->id, APR_HASH_KEY_STRING, entity);
        if (method == M_DELETE) {
            if (occi_entity_has_mixin(entity, mixin)) {
                APR_ARRAY_PUSH(currents, occi_entity *) = entity;
                APR_ARRAY_PUSH(changed, occi_entity *) = occi_validate_remove_mixin(
                    pool, &req->validation, entity, mixin);
            }
            continue;
        }
        if (occi_entity_has_mixin(entity, mixin)) {
            continue;
        }
        if ((error = occi_validate_add_mixin(pool, &req->validation, entity, mixin,
                                             &updated))) {
            return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                       pool, "%s: %s", reference, error));
        }
        /* A new resource template resizes: the service has the hypervisor
         * agree. */
        APR_ARRAY_PUSH(currents, occi_entity *) = entity;
        APR_ARRAY_PUSH(changed, occi_entity *) = updated;
    }
    if (method == M_PUT || (method == M_DELETE && !given)) {
        /* Current members the request does not name leave the collection. */
        occi_route all = *route;

        if ((status = occi_list_members(req, &all, 0, &members)) != OK) {
            return status;
        }
        for (i = 0; i < members->nelts; i++) {
            occi_entity *member = APR_ARRAY_IDX(members, i, occi_entity *);

            /* Members through a mixin depending on this one keep theirs. */
            if (!occi_entity_has_mixin(member, mixin)) {
                continue;
            }
            if (method == M_DELETE || !apr_hash_get(named, member->id, APR_HASH_KEY_STRING)) {
                APR_ARRAY_PUSH(currents, occi_entity *) = member;
                APR_ARRAY_PUSH(changed, occi_entity *) = occi_validate_remove_mixin(
                    pool, &req->validation, member, mixin);
            }
        }
    }
    if (changed->nelts) {
        occi_request_service(req, &service);
        result = occi_service_update_all(&service, pool, currents, changed);
        if (result.cls != OCCI_RESULT_OK) {
            return occi_refuse_result(req, &result);
        }
    }
    if ((status = occi_list_members(req, route, 0, &members)) != OK) {
        return status;
    }
    return occi_send_collection(req, HTTP_OK, members);
}

/* Deletes every member of a kind collection. */
static int delete_members(occi_request *req, const occi_route *route)
{
    apr_array_header_t *members;
    occi_service service;
    occi_result result;
    int status;

    if ((status = occi_list_members(req, route, 0, &members)) != OK) {
        return status;
    }
    occi_deferred_saves_before_delete(req, members);
    occi_request_service(req, &service);
    result = occi_service_delete(&service, req->r->pool, members, 1);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    return occi_send_body(req, HTTP_OK, OCCI_MEDIA_TEXT_PLAIN, "", 0);
}

/* A request that changes something is refused before the change when the
 * client accepts no rendering of the answer: telling it "406" after the
 * change would hide that the change happened. */
static int check_answerable(occi_request *req, int listing)
{
    occi_media_type type;

    if (req->r->method_number == M_GET) {
        return OK;
    }
    return listing ? occi_negotiate(req, occi_listing_renderings, occi_listing_renderings_count,
                                    &type)
                   : occi_negotiate(req, occi_entity_renderings, occi_entity_renderings_count,
                                    &type);
}

int occi_handle_collection(occi_request *req, const occi_route *route)
{
    apr_array_header_t *members;
    int status, method = req->r->method_number;
    /* A create answers with the new entity; the rest with the collection. */
    int listing = !(method == M_POST && route->type == OCCI_ROUTE_KIND_COLLECTION
                    && !apr_table_get(req->query, "action"));

    /* A create reads the user's mixins only when it names one
     * (create_in_collection): most name none, and the read is a round trip
     * on PostgreSQL. */
    if ((status = check_answerable(req, listing)) != OK
        || (status = occi_store_acquire(req)) != OK
        || (listing && (status = occi_load_user_mixins(req)) != OK)) {
        return status;
    }
    if (method == M_POST && apr_table_get(req->query, "action")) {
        if ((status = occi_list_members(req, route, 0, &members)) != OK) {
            return status;
        }
        return occi_run_action(req, members, 1);
    }
    switch (method) {
    case M_GET:
        /* A whole collection goes out a chunk at a time, in bounded
         * memory; a page is at most OCCIMaxPageSize entities. */
        if (!apr_table_get(req->query, "page") && !apr_table_get(req->query, "number")) {
            return occi_stream_collection(req, route);
        }
        if ((status = occi_list_members(req, route, 1, &members)) != OK) {
            return status;
        }
        return occi_send_collection(req, HTTP_OK, members);
    case M_POST:
        if (route->type == OCCI_ROUTE_KIND_COLLECTION) {
            return create_in_collection(req, route->category);
        }
        return change_membership(req, route);
    case M_PUT:
        return change_membership(req, route);
    case M_DELETE:
        if (route->type == OCCI_ROUTE_MIXIN_COLLECTION) {
            return change_membership(req, route);
        }
        return delete_members(req, route);
    }
    return OK;
}

/* ---- Entities ------------------------------------------------------ */

static int read_one_entity(occi_request *req, occi_entity **entity)
{
    apr_array_header_t *entities;
    int status = read_entities(req, &entities);

    if (status != OK) {
        return status;
    }
    if (entities->nelts != 1) {
        return occi_refuse(req, HTTP_BAD_REQUEST, "this request takes exactly one "
                               "entity");
    }
    *entity = APR_ARRAY_IDX(entities, 0, occi_entity *);
    return OK;
}

/* Applies a change of current into changed (occi_service_update): the row
 * first, inside a transaction, checking that the entity is still at the
 * revision read; then the hypervisor (a resize it refuses rolls the row
 * back); then the commit. A concurrent change of the same entity waits for
 * the row or finds its revision moved on, so the hypervisor is never
 * changed to what the store then refuses. OK, or the status of the error
 * sent. */
static int apply_change(occi_request *req, const occi_entity *current, occi_entity *changed,
                        const char *what)
{
    occi_service service;
    occi_result result;

    occi_request_service(req, &service);
    result = occi_service_update(&service, req->r->pool, (occi_entity *)current, changed, what);
    return result.cls == OCCI_RESULT_OK ? OK : occi_refuse_result(req, &result);
}

/* The entity's live state, as a GET showed it, when the client sends a
 * state back (as a GET then PUT does): it may repeat the state the entity
 * has, and that is the hypervisor's. Other changes need no round trip. */
static int observe_current(occi_request *req, occi_entity *current, const occi_entity *sent)
{
    apr_array_header_t *one;
    int i, sends_state = 0;

    for (i = 0; i < sent->attributes->nelts && !sends_state; i++) {
        sends_state = occi_state_is_attribute(
            APR_ARRAY_IDX(sent->attributes, i, occi_attribute_value).name);
    }
    if (!req->conf->hypervisor || !sends_state) {
        return OK;
    }
    one = apr_array_make(req->r->pool, 1, sizeof(occi_entity *));
    APR_ARRAY_PUSH(one, occi_entity *) = current;
    return occi_observe(req, one);
}

static int put_entity(occi_request *req, const occi_route *route, occi_entity *current)
{
    apr_pool_t *pool = req->r->pool;
    const char *kind = occi_category_type_id(pool, route->category);
    const char *if_none_match = apr_table_get(req->r->headers_in, "If-None-Match");
    apr_array_header_t *created;
    occi_entity *entity = NULL;
    const char *error;
    int status;

    if (if_none_match && current && etag_listed(if_none_match, current, pool)) {
        return occi_refuse(req, HTTP_PRECONDITION_FAILED, "If-None-Match: an entity "
                               "exists here already");
    }
    if ((status = check_if_match(req, current)) != OK
        || (status = read_one_entity(req, &entity)) != OK) {
        return status;
    }
    if ((entity->id && strcmp(entity->id, route->entity_uuid)) || entity->foreign_id) {
        return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                   pool, "the body names id %s but the URL %s",
                                   entity->id ? entity->id : entity->foreign_id,
                                   route->entity_uuid));
    }
    entity->id = route->entity_uuid;
    if (!current) {
        /* The URL may belong to another owner's entity. */
        if ((status = prepare_new_entity(req, kind, entity)) != OK) {
            return status;
        }
        created = apr_array_make(pool, 1, sizeof(occi_entity *));
        APR_ARRAY_PUSH(created, occi_entity *) = entity;
        if ((status = insert_entities(req, created)) != OK) {
            return status;
        }
        add_location_headers(req, created);
        return occi_send_entity(req, HTTP_CREATED, entity);
    }
    if (entity->links->nelts) {
        /* What a GET rendered, sent back: the links it lists are kept. */
        if ((status = occi_load_links(req, current)) != OK) {
            return status;
        }
        if (!occi_links_unchanged(pool, entity->links, current->links)) {
            return occi_refuse(req, HTTP_BAD_REQUEST, "a replacement keeps the links the "
                                   "resource has: send them as they are, or none; create and "
                                   "delete links at their own kind's location");
        }
        entity->links->nelts = 0;
        current->links = apr_array_make(pool, 0, sizeof(occi_entity *));
    }
    if (occi_kind_is_link(req->model, current->kind)
        && (status = resolve_link_ends(req, entity, NULL)) != OK) {
        return status;
    }
    if ((status = observe_current(req, current, entity)) != OK) {
        return status;
    }
    if ((error = occi_validate_replace(pool, &req->validation, current, entity))) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    if ((status = apply_change(req, current, entity, "replaced")) != OK) {
        return status;
    }
    return occi_send_entity(req, HTTP_OK, entity);
}

static int update_entity(occi_request *req, occi_entity *current)
{
    occi_entity *changes = NULL, *updated;
    const char *error;
    int status;

    if ((status = check_if_match(req, current)) != OK
        || (status = read_one_entity(req, &changes)) != OK) {
        return status;
    }
    /* {"links":[...]} alone reads as a collection of links. */
    if (changes->links->nelts || (changes->kind && occi_kind_is_link(req->model, changes->kind)
                                  && !occi_kind_is_link(req->model, current->kind))) {
        return occi_refuse(req, HTTP_BAD_REQUEST, "links cannot be added by an update; "
                               "create them at their own kind's location");
    }
    if ((changes->id && strcmp(changes->id, current->id)) || changes->foreign_id) {
        return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                               req->r->pool, "occi.core.id is immutable: this entity's is "
                               "urn:uuid:%s", current->id));
    }
    if ((status = observe_current(req, current, changes)) != OK) {
        return status;
    }
    if ((error = occi_validate_update(req->r->pool, &req->validation, current, changes,
                                      &updated))) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    /* New ends are checked as at creation, the address with them; a
     * change of the address alone is checked against the network it has. */
    if (occi_kind_is_link(req->model, updated->kind)
        && (occi_entity_get(changes, "occi.core.source") || occi_entity_get(changes, "occi.core.target"))) {
        if ((status = resolve_link_ends(req, updated, NULL)) != OK) {
            return status;
        }
    }
    else if ((status = check_interface_address(req, updated)) != OK) {
        return status;
    }
    if ((status = apply_change(req, current, updated, "updated")) != OK) {
        return status;
    }
    return occi_send_entity(req, HTTP_OK, updated);
}

static int delete_entity(occi_request *req, occi_entity *current)
{
    apr_array_header_t *one = apr_array_make(req->r->pool, 1, sizeof(occi_entity *));
    occi_service service;
    occi_result result;
    int status = check_if_match(req, current);

    if (status != OK) {
        return status;
    }
    APR_ARRAY_PUSH(one, occi_entity *) = current;
    occi_deferred_saves_before_delete(req, one);
    occi_request_service(req, &service);
    result = occi_service_delete(&service, req->r->pool, one, 0);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    return occi_send_body(req, HTTP_OK, OCCI_MEDIA_TEXT_PLAIN, "", 0);
}

int occi_handle_entity(occi_request *req, const occi_route *route)
{
    occi_entity *current = NULL;
    occi_result result;
    int status;

    /* Reading an entity needs no user mixin definitions (only changes
     * are validated against them): a GET spares their query. */
    if ((status = check_answerable(req, 0)) != OK
        || (status = occi_store_acquire(req)) != OK
        || (req->r->method_number != M_GET && (status = occi_load_user_mixins(req)) != OK)) {
        return status;
    }
    result = occi_service_get(occi_service_for(req), req->r->pool, route->entity_uuid, 0,
                              &current);
    if (result.cls == OCCI_RESULT_NOT_FOUND) {
        current = NULL;
    }
    else if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    else if (current && strcmp(current->kind, occi_category_type_id(req->r->pool,
                                                                    route->category))) {
        current = NULL;        /* the id lives under another kind's location */
    }
    if (req->r->method_number == M_PUT) {
        return put_entity(req, route, current);
    }
    if (!current) {
        return occi_send_error(req, HTTP_NOT_FOUND, apr_psprintf(
                                   req->r->pool, "there is no entity at %s", req->r->uri));
    }
    switch (req->r->method_number) {
    case M_POST:
        if (apr_table_get(req->query, "action")) {
            apr_array_header_t *one = apr_array_make(req->r->pool, 1, sizeof(occi_entity *));

            if ((status = check_if_match(req, current)) != OK) {
                return status;
            }
            APR_ARRAY_PUSH(one, occi_entity *) = current;
            return occi_run_action(req, one, 0);
        }
        return update_entity(req, current);
    case M_DELETE:
        return delete_entity(req, current);
    default:
        return occi_send_entity(req, HTTP_OK, current);
    }
}
