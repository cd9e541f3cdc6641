/*
 * Entities and collections: the verbs of GFD.223 §3.3 on entity URLs,
 * kind collections, mixin collections and unbound paths, kept through the
 * store. Each request that changes several rows does so in one store
 * transaction, so a failure leaves nothing half done.
 */
#include <string.h>
#include <stdlib.h>

#include "mod_occi.h"
#include "occi_entity_json.h"
#include "occi_json.h"
#include "occi_state.h"
#include "occi_text.h"
#include "occi_discovery.h"

#define LINK_KIND           OCCI_SCHEME_CORE "link"
#define COMPUTE_KIND        OCCI_SCHEME_INFRA "compute"
#define NETWORK_KIND        OCCI_SCHEME_INFRA "network"
#define STORAGE_KIND        OCCI_SCHEME_INFRA "storage"
#define NETWORKINTERFACE    OCCI_SCHEME_INFRA "networkinterface"
#define STORAGELINK         OCCI_SCHEME_INFRA "storagelink"

/* ---- Reading what the client sends --------------------------------- */

/* The text fields of a request: a text/plain body's lines, else the
 * text/occi headers. */
static int request_fields(occi_request *req, occi_media_type type, const char *body,
                          apr_size_t len, apr_array_header_t **fields)
{
    const char *error;

    if (type != OCCI_MEDIA_TEXT_PLAIN) {
        *fields = occi_header_fields(req);
        return OK;
    }
    *fields = apr_array_make(req->r->pool, 8, sizeof(occi_text_field));
    if ((error = occi_text_parse_body(req->r->pool, body, len, *fields))) {
        occi_send_error(req, HTTP_BAD_REQUEST, error);
        return HTTP_BAD_REQUEST;
    }
    return OK;
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

        if ((status = request_fields(req, type, body, len, &fields)) != OK) {
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
        if ((status = request_fields(req, type, body, len, &fields)) != OK) {
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

/* ---- Rendering ----------------------------------------------------- */

static occi_render_context render_context(occi_request *req)
{
    occi_render_context context = { req->model, req->base };

    return context;
}

static void set_etag(occi_request *req, const occi_entity *entity)
{
    apr_table_setn(req->r->headers_out, "ETag",
                   apr_psprintf(req->r->pool, "\"%" APR_INT64_T_FMT "\"",
                                (apr_int64_t)entity->revision));
}

/* Reads a resource's links from the store into entity->links. */
static int load_links(occi_request *req, occi_entity *entity)
{
    occi_store_status status;

    if (occi_kind_is_link(req->model, entity->kind)) {
        return OK;
    }
    status = occi_store_links_from(req->store, req->r->pool, entity->id, &entity->links);
    return status == OCCI_STORE_OK ? OK : occi_refuse_store(req, status);
}

static int send_entity(occi_request *req, int status, occi_entity *entity)
{
    apr_pool_t *pool = req->r->pool;
    occi_render_context context = render_context(req);
    apr_array_header_t *actions;
    occi_media_type type;
    int negotiated;

    if ((negotiated = load_links(req, entity)) != OK) {
        return negotiated;
    }
    {
        apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *));

        APR_ARRAY_PUSH(one, occi_entity *) = entity;
        if ((negotiated = occi_observe(req, one)) != OK) {
            return negotiated;
        }
    }
    negotiated = occi_negotiate(req, occi_entity_renderings, occi_entity_renderings_count,
                                &type);
    if (negotiated != OK) {
        return negotiated;
    }
    actions = occi_state_applicable_actions(pool, req->model, entity);
    set_etag(req, entity);
    if (occi_media_type_is_json(type)) {
        const char *body = occi_json_render_entity(pool, &context, entity, actions);

        return occi_send_body(req, status, type, body, strlen(body));
    }
    else {
        apr_array_header_t *fields = apr_array_make(pool, 16, sizeof(occi_text_field));

        occi_text_render_entity(pool, &context, entity, actions, fields);
        return occi_send_fields(req, status, type, fields);
    }
}

static const char *absolute_location(occi_request *req, const occi_entity *entity)
{
    return apr_pstrcat(req->r->pool, req->base,
                       occi_entity_location(req->r->pool, req->model, entity), NULL);
}

/* Sends a listing of entities in the negotiated rendering. */
static int send_collection(occi_request *req, int http_status, apr_array_header_t *entities)
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
            absolute_location(req, APR_ARRAY_IDX(entities, i, occi_entity *));
    }
    if (occi_media_type_is_json(type)) {
        apr_array_header_t *actions = apr_array_make(pool, entities->nelts,
                                                     sizeof(apr_array_header_t *));
        const char *body;

        for (i = 0; i < entities->nelts; i++) {
            occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

            if ((status = load_links(req, entity)) != OK) {
                return status;
            }
        }
        /* One round of questions to the hypervisor for the whole page. */
        if ((status = occi_observe(req, entities)) != OK) {
            return status;
        }
        for (i = 0; i < entities->nelts; i++) {
            APR_ARRAY_PUSH(actions, apr_array_header_t *) = occi_state_applicable_actions(
                pool, req->model, APR_ARRAY_IDX(entities, i, occi_entity *));
        }
        body = occi_json_render_collection(pool, &context, entities, actions);
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
    occi_store_status status;

    *entity = NULL;
    if (!id) {
        return OK;
    }
    status = occi_store_get(req->store, req->r->pool, id, req->owner, entity);
    if (status == OCCI_STORE_NOT_FOUND) {
        *entity = NULL;
        return OK;
    }
    if (status != OCCI_STORE_OK) {
        occi_send_store_error(req, status);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
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

/* Checks a link's source (source, when the caller knows it, e.g. the
 * resource being created) and target, and writes both as locations below
 * the mount with their kinds. */
static int resolve_link_ends(occi_request *req, occi_entity *link, const occi_entity *source)
{
    apr_pool_t *pool = req->r->pool;
    const char *target_ref = occi_entity_get_string(link, "occi.core.target");
    const char *source_ref = occi_entity_get_string(link, "occi.core.source");
    const char *wanted_target = required_target_kind(link->kind);
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
        source = found;
    }
    if (wanted_target && strcmp(source->kind, COMPUTE_KIND)) {
        occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                            pool, "a %s link must start at a compute, not at a %s",
                            strrchr(link->kind, '#') + 1, strrchr(source->kind, '#') + 1));
        return HTTP_BAD_REQUEST;
    }
    /* The source's kind is implied by the source, and rendered from it. */
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
    occi_entity_set_string(pool, link, "occi.core.target",
                           occi_entity_location(pool, req->model, found));
    occi_entity_set_string(pool, link, "occi.core.target.kind", found->kind);
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
        status = occi_store_get(req->store, pool, entity->id, NULL, &existing);
        if (status == OCCI_STORE_OK) {
            occi_send_error(req, HTTP_CONFLICT, apr_psprintf(
                                pool, "an entity with id %s exists already", entity->id));
            return HTTP_CONFLICT;
        }
        if (status != OCCI_STORE_NOT_FOUND) {
            occi_send_store_error(req, status);
            return HTTP_INTERNAL_SERVER_ERROR;
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

/* Inserts entities and their links in one transaction. */
/* What a request made on the hypervisor, undone if a later step fails. */
typedef struct {
    const occi_entity *entity;
    const occi_entity *source;      /* a link's compute */
} hv_made;

static void undo_made(occi_request *req, const apr_array_header_t *made)
{
    occi_hv_error ignored;
    int i;

    for (i = made->nelts - 1; i >= 0; i--) {
        const hv_made *m = &APR_ARRAY_IDX(made, i, hv_made);

        occi_hypervisor_delete_entity(req->conf->hypervisor, req->r->pool, m->entity,
                                      m->source, &ignored);
    }
}

/* Makes entity on the hypervisor (when there is one) and records it. */
static occi_hv_status make_on_hypervisor(occi_request *req, apr_array_header_t *made,
                                         occi_entity *entity, const occi_entity *source,
                                         occi_hv_error *error)
{
    hv_made *m;

    if (!req->conf->hypervisor) {
        return OCCI_HV_OK;
    }
    if (!source && occi_kind_is_link(req->model, entity->kind)) {
        source = occi_link_source(req->r->pool, entity);
    }
    if (occi_hypervisor_create_entity(req->conf->hypervisor, req->r->pool, entity, source,
                                      NULL, error) != OCCI_HV_OK) {
        return error->status;
    }
    m = apr_array_push(made);
    m->entity = entity;
    m->source = source;
    return OCCI_HV_OK;
}

/* Makes entities and their links on the hypervisor and in the store, all
 * or nothing: the hypervisor first (it may choose attributes, such as a
 * MAC address, that the store keeps), then the rows, then the commit;
 * a failure anywhere undoes what the hypervisor made. */
static int insert_entities(occi_request *req, apr_array_header_t *entities)
{
    apr_array_header_t *made = apr_array_make(req->r->pool, 4, sizeof(hv_made));
    occi_store_status status = occi_store_begin(req->store);
    occi_hv_error hv_error;
    int i, j, result;

    for (i = 0; status == OCCI_STORE_OK && i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        if (make_on_hypervisor(req, made, entity, NULL, &hv_error) != OCCI_HV_OK) {
            break;
        }
        status = occi_store_insert(req->store, entity);
        for (j = 0; status == OCCI_STORE_OK && j < entity->links->nelts; j++) {
            occi_entity *link = APR_ARRAY_IDX(entity->links, j, occi_entity *);

            if (make_on_hypervisor(req, made, link, entity, &hv_error) != OCCI_HV_OK) {
                break;
            }
            status = occi_store_insert(req->store, link);
        }
        if (j < entity->links->nelts && status == OCCI_STORE_OK) {
            break;                       /* a link failed on the hypervisor */
        }
    }
    if (status == OCCI_STORE_OK && i < entities->nelts) {
        occi_store_rollback(req->store);
        undo_made(req, made);
        return occi_refuse_hv(req, &hv_error);
    }
    result = occi_store_finish(req, status, HTTP_CONFLICT,
                               "an entity with one of these ids exists already");
    if (result != OK) {
        undo_made(req, made);
    }
    return result;
}

/* Location names the first new entity; text renderings list them all in
 * X-OCCI-Location (see occi_send_fields). */
static void add_location_headers(occi_request *req, const apr_array_header_t *entities)
{
    int i;

    req->created_locations = apr_array_make(req->r->pool, entities->nelts, sizeof(const char *));
    for (i = 0; i < entities->nelts; i++) {
        const char *location = absolute_location(req, APR_ARRAY_IDX(entities, i,
                                                                     const occi_entity *));
        if (i == 0) {
            apr_table_setn(req->r->headers_out, "Location",
                           ap_construct_url(req->r->pool, location, req->r));
        }
        APR_ARRAY_PUSH(req->created_locations, const char *) = location;
    }
}

static int create_in_collection(occi_request *req, const occi_category *kind)
{
    apr_array_header_t *entities;
    int status, i;

    if ((status = read_entities(req, &entities)) != OK
        || (status = occi_load_user_mixins(req)) != OK) {
        return status;
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
        return send_entity(req, HTTP_CREATED, APR_ARRAY_IDX(entities, 0, occi_entity *));
    }
    return send_collection(req, HTTP_CREATED, entities);
}

/* ---- Collections --------------------------------------------------- */

/* page and number from the query string; 413 when number exceeds the
 * configured maximum. */
static int read_page(occi_request *req, occi_store_query *query)
{
    const char *page = apr_table_get(req->query, "page");
    const char *number = apr_table_get(req->query, "number");
    char *end;
    long value;

    query->offset = 0;
    query->limit = 0;
    if (!page && !number) {
        return OK;
    }
    value = number ? strtol(number, &end, 10) : req->conf->max_page_size;
    if (number && (end == number || *end || value < 1)) {
        return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                   req->r->pool, "number must be a whole number of at least "
                                   "1, not '%s'", number));
    }
    if (value > req->conf->max_page_size) {
        return occi_refuse(req, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_psprintf(
                                   req->r->pool, "number %ld is larger than the %d entities "
                                   "a page may hold", value, req->conf->max_page_size));
    }
    query->limit = (int)value;
    value = page ? strtol(page, &end, 10) : 1;
    if (page && (end == page || *end || value < 1 || value > 100000000)) {
        return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                   req->r->pool, "page must be a whole number from 1, "
                                   "not '%s'", page));
    }
    if ((value - 1) * (long)query->limit > 2000000000L) {
        query->offset = 2000000000;
    }
    else {
        query->offset = (int)((value - 1) * query->limit);
    }
    return OK;
}

typedef struct {
    apr_array_header_t *categories;   /* type ids an entity must carry (any of) */
    apr_array_header_t *attributes;   /* occi_attribute_value it must have */
    apr_array_header_t *scope;        /* and, when not NULL, one of these type ids */
} entity_filter;

/* The store matches values by their text form, in which a float is
 * written "2.0": a number given for a number attribute is written so. */
static const char *canonical_number(occi_request *req, const char *name, const char *value)
{
    int i, j, n = occi_model_count(req->model);
    char *end;
    double number = strtod(value, &end);
    char text[64];

    if (end == value || *end) {
        return value;
    }
    for (i = 0; i < n; i++) {
        const occi_category *category = occi_model_at(req->model, i);

        for (j = 0; j < category->n_attributes; j++) {
            const occi_attribute_def *def = &category->attributes[j];

            if (strcmp(def->name, name)) {
                continue;
            }
            if (def->type == OCCI_TYPE_FLOAT) {
                occi_format_double(text, sizeof(text), number);
                return apr_pstrdup(req->r->pool, text);
            }
            if (def->type == OCCI_TYPE_INTEGER && number == (double)(long long)number) {
                return apr_psprintf(req->r->pool, "%" APR_INT64_T_FMT, (apr_int64_t)number);
            }
            return value;
        }
    }
    return value;
}

/* Filters from text/occi headers (Category, X-OCCI-Attribute) and the
 * query string (category=, attribute= with value=). */
static int read_filter(occi_request *req, entity_filter *filter, occi_store_query *query)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *fields = occi_header_fields(req);
    const char *attribute = apr_table_get(req->query, "attribute");
    const char *value = apr_table_get(req->query, "value");
    occi_entity *named = NULL;
    const char *error;
    int i;

    filter->categories = apr_array_make(pool, 2, sizeof(const char *));
    filter->attributes = apr_array_make(pool, 2, sizeof(occi_attribute_value));
    filter->scope = NULL;
    if (fields->nelts) {
        /* A filter is an entity rendering in headers: reuse the parser,
         * which needs a kind first, by reading categories on their own. */
        apr_array_header_t *categories = apr_array_make(pool, 2, sizeof(occi_category *));

        for (i = 0; i < fields->nelts; i++) {
            const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

            if (!strcmp(field->name, "Category")
                && (error = occi_text_parse_categories(pool, field->value, 64, categories))) {
                return occi_refuse(req, HTTP_BAD_REQUEST, apr_pstrcat(
                                           pool, "Category filter: ", error, NULL));
            }
        }
        for (i = 0; i < categories->nelts; i++) {
            APR_ARRAY_PUSH(filter->categories, const char *) = occi_category_type_id(
                pool, APR_ARRAY_IDX(categories, i, const occi_category *));
        }
        for (i = 0; i < fields->nelts; i++) {
            const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

            if (!strcmp(field->name, "X-OCCI-Attribute")) {
                apr_array_header_t *one = apr_array_make(pool, 2, sizeof(occi_text_field));
                occi_text_field *kind = apr_array_push(one);

                /* A dummy kind lets the entity parser read the attributes. */
                kind->name = "Category";
                kind->value = "filter; scheme=\"urn:x-filter#\"; class=\"kind\"";
                *(occi_text_field *)apr_array_push(one) = *field;
                if ((error = occi_text_parse_entity(pool, one, &named))) {
                    return occi_refuse(req, HTTP_BAD_REQUEST, apr_pstrcat(
                                               pool, "X-OCCI-Attribute filter: ", error, NULL));
                }
                apr_array_cat(filter->attributes, named->attributes);
            }
        }
    }
    {
        const apr_array_header_t *params = apr_table_elts(req->query);
        apr_array_header_t *checked = apr_array_make(pool, 1, sizeof(occi_category_filter));

        for (i = 0; i < params->nelts; i++) {
            const apr_table_entry_t *param = &APR_ARRAY_IDX(params, i, apr_table_entry_t);

            if (strcmp(param->key, "category")) {
                continue;
            }
            if ((error = occi_discovery_filter_type_id(pool, param->val, checked))) {
                return occi_refuse(req, HTTP_BAD_REQUEST, error);
            }
            APR_ARRAY_PUSH(filter->categories, const char *) = param->val;
        }
    }
    if (attribute || value) {
        if (!attribute || !value) {
            return occi_refuse(req, HTTP_BAD_REQUEST, "the query filters by attribute= "
                                   "and value= together");
        }
        query->attribute = attribute;
        query->value = canonical_number(req, attribute, value);
    }
    return OK;
}

static int carries_any(const occi_entity *entity, const apr_array_header_t *type_ids)
{
    int i;

    for (i = 0; i < type_ids->nelts; i++) {
        const char *wanted = APR_ARRAY_IDX(type_ids, i, const char *);

        if (!strcmp(entity->kind, wanted) || occi_entity_has_mixin(entity, wanted)) {
            return 1;
        }
    }
    return 0;
}

static int entity_matches(const occi_entity *entity, const entity_filter *filter)
{
    int i, any = filter->categories->nelts == 0;

    if (filter->scope && !carries_any(entity, filter->scope)) {
        return 0;
    }
    for (i = 0; !any && i < filter->categories->nelts; i++) {
        const char *wanted = APR_ARRAY_IDX(filter->categories, i, const char *);

        any = !strcmp(entity->kind, wanted) || occi_entity_has_mixin(entity, wanted);
    }
    if (!any) {
        return 0;
    }
    for (i = 0; i < filter->attributes->nelts; i++) {
        const occi_attribute_value *wanted = &APR_ARRAY_IDX(filter->attributes, i,
                                                            occi_attribute_value);
        const occi_value *value = occi_entity_get(entity, wanted->name);

        if (!value || !occi_value_equal(value, &wanted->value)) {
            return 0;
        }
    }
    return 1;
}

/* The kinds and mixins (type ids) located below an unbound path: the
 * collections whose union it stands for. */
static apr_array_header_t *categories_below(occi_request *req, const char *path)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *below = apr_array_make(pool, 8, sizeof(const char *));
    size_t len = strlen(path);
    int i, n = occi_model_count(req->model);

    for (i = 0; i < n; i++) {
        const occi_category *category = occi_model_at(req->model, i);

        if (category->location && !strncmp(category->location, path, len)) {
            APR_ARRAY_PUSH(below, const char *) = occi_category_type_id(pool, category);
        }
    }
    for (i = 0; req->user_mixins && i < req->user_mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(req->user_mixins, i, const occi_category *);

        if (!strncmp(mixin->location, path, len)) {
            APR_ARRAY_PUSH(below, const char *) = occi_category_type_id(pool, mixin);
        }
    }
    return below;
}

static int depends_on(const occi_category *mixin, const char *type_id)
{
    const char *const *d;

    for (d = mixin->depends; d && *d; d++) {
        if (!strcmp(*d, type_id)) {
            return 1;
        }
    }
    return 0;
}

/* The mixins that depend on mixin (the provider's OS templates on os_tpl,
 * say), whose members belong to its collection too. */
static apr_array_header_t *dependent_mixins(occi_request *req, const char *mixin)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *dependents = apr_array_make(pool, 4, sizeof(const char *));
    int i, n = occi_model_count(req->model);

    for (i = 0; i < n; i++) {
        const occi_category *category = occi_model_at(req->model, i);

        if (category->cls == OCCI_CLASS_MIXIN && depends_on(category, mixin)) {
            APR_ARRAY_PUSH(dependents, const char *) = occi_category_type_id(pool, category);
        }
    }
    for (i = 0; req->user_mixins && i < req->user_mixins->nelts; i++) {
        const occi_category *category = APR_ARRAY_IDX(req->user_mixins, i, const occi_category *);

        if (depends_on(category, mixin)) {
            APR_ARRAY_PUSH(dependents, const char *) = occi_category_type_id(pool, category);
        }
    }
    return dependents;
}

/* The entities a collection GET (or a collection action) covers. */
static int list_members(occi_request *req, const occi_route *route, int paged,
                        apr_array_header_t **members)
{
    apr_pool_t *pool = req->r->pool;
    occi_store_query query;
    entity_filter filter;
    occi_store_status stored;
    apr_array_header_t *found;
    int status, i, offset, limit, in_memory;

    memset(&query, 0, sizeof(query));
    query.owner = req->owner;
    if (route->type == OCCI_ROUTE_KIND_COLLECTION) {
        query.kind = occi_category_type_id(pool, route->category);
    }
    else if (route->type == OCCI_ROUTE_MIXIN_COLLECTION) {
        query.mixin = occi_category_type_id(pool, route->category);
    }
    if ((status = read_filter(req, &filter, &query)) != OK) {
        return status;
    }
    if (route->type == OCCI_ROUTE_UNBOUND && strcmp(req->path, "/")) {
        filter.scope = categories_below(req, req->path);
    }
    if (route->type == OCCI_ROUTE_MIXIN_COLLECTION) {
        apr_array_header_t *dependents = dependent_mixins(req, query.mixin);

        if (dependents->nelts) {
            /* Members of the mixin or of any mixin depending on it. */
            APR_ARRAY_PUSH(dependents, const char *) = query.mixin;
            filter.scope = dependents;
            query.mixin = NULL;
        }
    }
    if (paged && (status = read_page(req, &query)) != OK) {
        return status;
    }
    /* Header filters are applied here, so then the page is cut here too. */
    in_memory = filter.categories->nelts || filter.attributes->nelts || filter.scope;
    offset = query.offset;
    limit = query.limit;
    if (in_memory) {
        query.offset = 0;
        query.limit = 0;
    }
    stored = occi_store_list(req->store, pool, &query, &found);
    if (stored != OCCI_STORE_OK) {
        occi_send_store_error(req, stored);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!in_memory) {
        *members = found;
        return OK;
    }
    *members = apr_array_make(pool, found->nelts, sizeof(occi_entity *));
    for (i = 0; i < found->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(found, i, occi_entity *);

        if (entity_matches(entity, &filter)) {
            if (offset > 0) {
                offset--;
                continue;
            }
            if (limit > 0 && (*members)->nelts >= limit) {
                break;
            }
            APR_ARRAY_PUSH(*members, occi_entity *) = entity;
        }
    }
    return OK;
}

/* Stores each changed entity, in one transaction. */
static int update_all(occi_request *req, apr_array_header_t *entities)
{
    occi_store_status stored = occi_store_begin(req->store);
    int i;

    for (i = 0; stored == OCCI_STORE_OK && i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        stored = occi_store_update(req->store, entity, entity->revision);
    }
    return occi_store_finish(req, stored, HTTP_CONFLICT, "an entity changed meanwhile; "
                             "try again");
}

/* The save action: each compute's root disk becomes the image of a new OS
 * template, a mixin of the client's; the answer renders the templates
 * (GFD.224 requires it). */
static int save_computes(occi_request *req, apr_array_header_t *entities,
                         const apr_array_header_t *parameters)
{
    apr_pool_t *pool = req->r->pool;
    static const char *const depends[] = { OCCI_SCHEME_INFRA "os_tpl", NULL };
    static const char *const applies[] = { OCCI_SCHEME_INFRA "compute", NULL };
    apr_array_header_t *made = apr_array_make(pool, entities->nelts, sizeof(occi_category *));
    const char *method = NULL, *name = NULL, *body;
    occi_store_status stored;
    occi_media_type type;
    occi_hv_error hv_error;
    int i, status;

    if (!req->conf->hypervisor) {
        return occi_refuse(req, HTTP_CONFLICT, "save copies a compute's root disk, which needs "
                           "a hypervisor (OCCILibvirtURI is none)");
    }
    for (i = 0; i < parameters->nelts; i++) {
        const occi_attribute_value *p = &APR_ARRAY_IDX(parameters, i, occi_attribute_value);

        if (p->value.type == OCCI_TYPE_STRING && !strcmp(p->name, "method")) {
            method = p->value.string;
        }
        else if (p->value.type == OCCI_TYPE_STRING && !strcmp(p->name, "name")) {
            name = p->value.string;
        }
    }
    for (i = 0; i < entities->nelts; i++) {
        const occi_entity *compute = APR_ARRAY_IDX(entities, i, occi_entity *);
        const char *title = occi_entity_get_string(compute, "occi.core.title");
        occi_category *template = apr_pcalloc(pool, sizeof(*template));
        const char *uuid = occi_uuid_generate(pool);

        template->cls = OCCI_CLASS_MIXIN;
        template->scheme = occi_saved_template_scheme(pool, req->r->server);
        template->term = apr_pstrcat(pool, "saved-", apr_pstrmemdup(pool, uuid, 8), NULL);
        template->title = name ? name : apr_psprintf(pool, "Saved from %s",
                                                     title ? title : absolute_location(req, compute));
        template->location = apr_pstrcat(pool, "/mixin/os_tpl/", template->term, "/", NULL);
        template->depends = depends;
        template->applies = applies;
        if (occi_hypervisor_save(req->conf->hypervisor, pool, compute, template->term, method,
                                 &hv_error) != OCCI_HV_OK) {
            break;
        }
        APR_ARRAY_PUSH(made, occi_category *) = template;
    }
    stored = i < entities->nelts ? OCCI_STORE_ERROR : occi_store_begin(req->store);
    for (i = 0; stored == OCCI_STORE_OK && i < made->nelts; i++) {
        stored = occi_store_insert_mixin(req->store, APR_ARRAY_IDX(made, i, occi_category *),
                                         req->owner);
    }
    if (stored != OCCI_STORE_OK || made->nelts < entities->nelts) {
        /* Copies made for a request that failed are not left behind. */
        for (i = 0; i < made->nelts; i++) {
            occi_hv_error ignored;

            occi_hypervisor_delete_saved(req->conf->hypervisor, pool,
                                         APR_ARRAY_IDX(made, i, occi_category *)->term,
                                         &ignored);
        }
        if (made->nelts < entities->nelts) {
            return occi_refuse_hv(req, &hv_error);
        }
        return occi_store_finish(req, stored, HTTP_CONFLICT, "a template of that name exists");
    }
    if ((status = occi_store_finish(req, OCCI_STORE_OK, HTTP_CONFLICT, "a template of that "
                                    "name exists")) != OK) {
        return status;
    }
    if ((status = occi_negotiate(req, occi_entity_renderings, occi_entity_renderings_count,
                                 &type)) != OK) {
        return status;
    }
    if (type == OCCI_MEDIA_TEXT_OCCI) {
        apr_array_header_t *fields = apr_array_make(pool, made->nelts, sizeof(occi_text_field));

        for (i = 0; i < made->nelts; i++) {
            occi_text_field *field = apr_array_push(fields);

            field->name = "Category";
            field->value = occi_text_category(pool, APR_ARRAY_IDX(made, i, occi_category *),
                                              req->base);
        }
        return occi_send_fields(req, HTTP_OK, type, fields);
    }
    body = occi_media_type_is_json(type) ? occi_json_categories(pool, made, req->base)
                                         : occi_text_category_lines(pool, made, req->base);
    return occi_send_body(req, HTTP_OK, type, body, strlen(body));
}

/* Runs an action on entities (one, or a collection's members). */
static int run_action(occi_request *req, apr_array_header_t *entities, int is_collection)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *afters;
    const char *term = apr_table_get(req->query, "action");
    const char *action = NULL, *error = NULL;
    apr_array_header_t *parameters = NULL, *fields;
    occi_media_type type;
    const char *body;
    apr_size_t len;
    const char *hash;
    int status, i;

    if ((status = occi_read_body(req, &type, &body, &len)) != OK) {
        return status;
    }
    if (occi_media_type_is_json(type)) {
        error = occi_json_parse_action(pool, body, len, &action, &parameters);
    }
    else if (type == OCCI_MEDIA_URI_LIST) {
        error = "text/uri-list cannot carry an action invocation";
    }
    else {
        if ((status = request_fields(req, type, body, len, &fields)) != OK) {
            return status;
        }
        if (fields->nelts == 0) {
            error = "an action invocation needs a body (or text/occi headers) naming the "
                    "action";
        }
        else {
            error = occi_text_parse_action(pool, fields, &action, &parameters);
        }
    }
    if (error) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    hash = strrchr(action, '#');
    if (!hash || strcmp(hash + 1, term)) {
        return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                   pool, "the body invokes %s but the query names action "
                                   "%s", action, term));
    }
    if ((error = occi_validate_action(pool, &req->validation, action, parameters))) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    /* The states the checks read are the hypervisor's, now. */
    if ((status = occi_observe(req, entities)) != OK) {
        return status;
    }
    afters = apr_array_make(pool, entities->nelts, sizeof(const char *));
    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        apr_array_header_t *defined = occi_state_defined_actions(pool, req->model, entity);
        const char *state_attribute = occi_state_attribute(entity->kind);
        const char *after;
        int j, defines = 0;

        for (j = 0; j < defined->nelts; j++) {
            defines |= !strcmp(APR_ARRAY_IDX(defined, j, const char *), action);
        }
        if (!defines) {
            return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                       pool, "%s %s does not define action %s",
                                       is_collection ? "member" : "entity",
                                       absolute_location(req, entity), action));
        }
        after = occi_state_after(entity, action);
        if (!after) {
            return occi_refuse(req, HTTP_CONFLICT, apr_psprintf(
                                       pool, "action %s is not allowed on %s in state %s",
                                       term, absolute_location(req, entity),
                                       occi_entity_get_string(entity, state_attribute)));
        }
        APR_ARRAY_PUSH(afters, const char *) = after;
    }
    if (!strcmp(action, "http://schemas.ogf.org/occi/infrastructure/compute/action#save")) {
        return save_computes(req, entities, parameters);
    }
    /* Only then carried out: on the hypervisor, which says the state that
     * results, or, without one, by the life cycle's table. */
    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        const char *after = APR_ARRAY_IDX(afters, i, const char *);
        occi_hv_error hv_error;

        if (req->conf->hypervisor && occi_hypervisor_backs(entity->kind)) {
            /* A domain defined again (start of a vanished one) keeps its
             * links' devices. */
            if ((status = load_links(req, entity)) != OK) {
                return status;
            }
            if (occi_hypervisor_act(req->conf->hypervisor, pool, entity, action, parameters,
                                    &hv_error) != OCCI_HV_OK) {
                if (i > 0) {
                    hv_error.message = apr_psprintf(pool, "%s (after it ran on %d of %d "
                                                    "members)", hv_error.message, i,
                                                    entities->nelts);
                }
                return occi_refuse_hv(req, &hv_error);
            }
        }
        else if (*after) {
            occi_entity_set_string(pool, entity, occi_state_attribute(entity->kind), after);
        }
    }
    if ((status = update_all(req, entities)) != OK) {
        return status;
    }
    if (is_collection) {
        return send_collection(req, HTTP_OK, entities);
    }
    return send_entity(req, HTTP_OK, APR_ARRAY_IDX(entities, 0, occi_entity *));
}

/* Mixin collections: associate (POST), replace (PUT) or dissociate
 * (DELETE) members. */
static int change_membership(occi_request *req, const occi_route *route)
{
    apr_pool_t *pool = req->r->pool;
    const char *mixin = occi_category_type_id(pool, route->category);
    apr_array_header_t *references, *changed, *members;
    apr_hash_t *named = apr_hash_make(pool);
    int status, given, i, method = req->r->method_number;

    if ((status = read_references(req, &references, &given)) != OK) {
        return status;
    }
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
        /* A new resource template resizes: the hypervisor must agree, and
         * a redefinition keeps the links' devices. */
        if (req->conf->hypervisor) {
            occi_hv_error hv_error;

            if ((status = load_links(req, entity)) != OK) {
                return status;
            }
            updated->links = entity->links;
            if (occi_hypervisor_update(req->conf->hypervisor, pool, entity, updated,
                                       &hv_error) != OCCI_HV_OK) {
                return occi_refuse_hv(req, &hv_error);
            }
        }
        APR_ARRAY_PUSH(changed, occi_entity *) = updated;
    }
    if (method == M_PUT || (method == M_DELETE && !given)) {
        /* Current members the request does not name leave the collection. */
        occi_route all = *route;

        if ((status = list_members(req, &all, 0, &members)) != OK) {
            return status;
        }
        for (i = 0; i < members->nelts; i++) {
            occi_entity *member = APR_ARRAY_IDX(members, i, occi_entity *);

            /* Members through a mixin depending on this one keep theirs. */
            if (!occi_entity_has_mixin(member, mixin)) {
                continue;
            }
            if (method == M_DELETE || !apr_hash_get(named, member->id, APR_HASH_KEY_STRING)) {
                APR_ARRAY_PUSH(changed, occi_entity *) = occi_validate_remove_mixin(
                    pool, &req->validation, member, mixin);
            }
        }
    }
    if (changed->nelts && (status = update_all(req, changed)) != OK) {
        return status;
    }
    if ((status = list_members(req, route, 0, &members)) != OK) {
        return status;
    }
    return send_collection(req, HTTP_OK, members);
}

/* Removes what entity stands for from the hypervisor, if there is one. */
static occi_hv_status unmake_on_hypervisor(occi_request *req, const occi_entity *entity,
                                           occi_hv_error *error)
{
    const occi_entity *source = occi_kind_is_link(req->model, entity->kind)
                                    ? occi_link_source(req->r->pool, entity) : NULL;

    if (!req->conf->hypervisor) {
        return OCCI_HV_OK;
    }
    return occi_hypervisor_delete_entity(req->conf->hypervisor, req->r->pool, entity, source,
                                         error);
}

/* Deletes entity inside the caller's transaction, with the links that
 * start at it (the store's part) and the links that point at it, which
 * would otherwise name a resource that is gone; on the hypervisor, the
 * devices of those links are detached, then the entity removed. OK, or
 * the status of the error sent (the caller rolls back). */
static int delete_one(occi_request *req, const occi_entity *entity)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *links;
    occi_store_status status;
    occi_hv_error hv_error;
    int i;

    status = occi_store_links_to(req->store, pool,
                                 occi_entity_location(pool, req->model, entity), &links);
    for (i = 0; status == OCCI_STORE_OK && i < links->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(links, i, occi_entity *);

        if (unmake_on_hypervisor(req, link, &hv_error) != OCCI_HV_OK) {
            return occi_refuse_hv(req, &hv_error);
        }
        status = occi_store_delete(req->store, link->id, NULL);
        if (status == OCCI_STORE_NOT_FOUND) {
            status = OCCI_STORE_OK;
        }
    }
    /* The links that start at it leave with it (the store deletes their
     * rows); on the hypervisor they may hold more than the domain, such as
     * a network's DHCP reservation. */
    if (status == OCCI_STORE_OK && req->conf->hypervisor
        && !occi_kind_is_link(req->model, entity->kind)) {
        status = occi_store_links_from(req->store, pool, entity->id, &links);
        for (i = 0; status == OCCI_STORE_OK && i < links->nelts; i++) {
            if (unmake_on_hypervisor(req, APR_ARRAY_IDX(links, i, occi_entity *), &hv_error)
                != OCCI_HV_OK) {
                return occi_refuse_hv(req, &hv_error);
            }
        }
    }
    if (status == OCCI_STORE_OK) {
        if (unmake_on_hypervisor(req, entity, &hv_error) != OCCI_HV_OK) {
            return occi_refuse_hv(req, &hv_error);
        }
        status = occi_store_delete(req->store, entity->id, req->owner);
    }
    if (status == OCCI_STORE_NOT_FOUND) {
        return occi_refuse(req, HTTP_NOT_FOUND, "the entity was deleted meanwhile");
    }
    return status == OCCI_STORE_OK ? OK : occi_refuse_store(req, status);
}

/* Deletes every member of a kind collection. */
static int delete_members(occi_request *req, const occi_route *route)
{
    apr_array_header_t *members;
    occi_store_status stored;
    int status, i;

    if ((status = list_members(req, route, 0, &members)) != OK) {
        return status;
    }
    if ((stored = occi_store_begin(req->store)) != OCCI_STORE_OK) {
        return occi_refuse_store(req, stored);
    }
    for (i = 0; i < members->nelts; i++) {
        const occi_entity *member = APR_ARRAY_IDX(members, i, occi_entity *);
        occi_entity *still;

        /* An earlier member's deletion may have taken this one (a link). */
        if (occi_store_get(req->store, req->r->pool, member->id, req->owner, &still)
            != OCCI_STORE_OK) {
            continue;
        }
        if ((status = delete_one(req, member)) != OK) {
            occi_store_rollback(req->store);
            return status;
        }
    }
    if ((status = occi_store_finish(req, OCCI_STORE_OK, HTTP_CONFLICT, "a member changed "
                                    "meanwhile; try again")) != OK) {
        return status;
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

    if ((status = check_answerable(req, listing)) != OK
        || (status = occi_store_acquire(req)) != OK
        || (status = occi_load_user_mixins(req)) != OK) {
        return status;
    }
    if (method == M_POST && apr_table_get(req->query, "action")) {
        if ((status = list_members(req, route, 0, &members)) != OK) {
            return status;
        }
        return run_action(req, members, 1);
    }
    switch (method) {
    case M_GET:
        if ((status = list_members(req, route, 1, &members)) != OK) {
            return status;
        }
        return send_collection(req, HTTP_OK, members);
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

/* Applies a change of current into changed: on the hypervisor first (a
 * resize it refuses changes nothing), then in the store, checking that
 * the entity is still at the revision read; if the store refuses, the
 * hypervisor is changed back. OK, or the status of the error sent. */
static int apply_change(occi_request *req, const occi_entity *current, occi_entity *changed,
                        const char *what)
{
    occi_hypervisor *hv = req->conf->hypervisor;
    occi_store_status stored;
    occi_hv_error hv_error;

    if (hv && current->links->nelts == 0 && !occi_kind_is_link(req->model, current->kind)) {
        /* A redefinition (new sizes) keeps the links' devices. */
        int status = load_links(req, (occi_entity *)current);

        if (status != OK) {
            return status;
        }
        changed->links = current->links;
    }
    if (hv && occi_hypervisor_update(hv, req->r->pool, current, changed, &hv_error)
                  != OCCI_HV_OK) {
        return occi_refuse_hv(req, &hv_error);
    }
    stored = occi_store_update(req->store, changed, current->revision);
    if (stored != OCCI_STORE_OK && hv) {
        occi_hv_error ignored;
        occi_entity *back = occi_entity_copy(req->r->pool, current);

        occi_hypervisor_update(hv, req->r->pool, changed, back, &ignored);
    }
    if (stored == OCCI_STORE_CONFLICT) {
        return occi_refuse(req, HTTP_PRECONDITION_FAILED, apr_psprintf(
                               req->r->pool, "the entity changed while it was %s; read it "
                               "again", what));
    }
    return stored == OCCI_STORE_OK ? OK : occi_refuse_store(req, stored);
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
    if (entity->id && strcmp(entity->id, route->entity_uuid)) {
        return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                   pool, "the body names id %s but the URL %s", entity->id,
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
        return send_entity(req, HTTP_CREATED, entity);
    }
    if (entity->links->nelts) {
        return occi_refuse(req, HTTP_BAD_REQUEST, "a replacement keeps the links the "
                               "resource has; create links at their own kind's location");
    }
    if (occi_kind_is_link(req->model, current->kind)
        && (status = resolve_link_ends(req, entity, NULL)) != OK) {
        return status;
    }
    if ((error = occi_validate_replace(pool, &req->validation, current, entity))) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    if ((status = apply_change(req, current, entity, "replaced")) != OK) {
        return status;
    }
    return send_entity(req, HTTP_OK, entity);
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
    if (changes->id && strcmp(changes->id, current->id)) {
        return occi_refuse(req, HTTP_BAD_REQUEST, "occi.core.id is immutable");
    }
    if ((error = occi_validate_update(req->r->pool, &req->validation, current, changes,
                                      &updated))) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    if (occi_kind_is_link(req->model, updated->kind)
        && (occi_entity_get(changes, "occi.core.source") || occi_entity_get(changes, "occi.core.target"))
        && (status = resolve_link_ends(req, updated, NULL)) != OK) {
        return status;
    }
    if ((status = apply_change(req, current, updated, "updated")) != OK) {
        return status;
    }
    return send_entity(req, HTTP_OK, updated);
}

static int delete_entity(occi_request *req, occi_entity *current)
{
    occi_store_status stored;
    int status = check_if_match(req, current);

    if (status != OK) {
        return status;
    }
    if ((stored = occi_store_begin(req->store)) != OCCI_STORE_OK) {
        return occi_refuse_store(req, stored);
    }
    if ((status = delete_one(req, current)) != OK) {
        occi_store_rollback(req->store);
        return status;
    }
    if ((status = occi_store_finish(req, OCCI_STORE_OK, HTTP_CONFLICT, "the entity changed "
                                    "meanwhile; try again")) != OK) {
        return status;
    }
    return occi_send_body(req, HTTP_OK, OCCI_MEDIA_TEXT_PLAIN, "", 0);
}

int occi_handle_entity(occi_request *req, const occi_route *route)
{
    occi_entity *current = NULL;
    occi_store_status stored;
    int status;

    if ((status = check_answerable(req, 0)) != OK
        || (status = occi_store_acquire(req)) != OK
        || (status = occi_load_user_mixins(req)) != OK) {
        return status;
    }
    stored = occi_store_get(req->store, req->r->pool, route->entity_uuid, req->owner, &current);
    if (stored == OCCI_STORE_NOT_FOUND) {
        current = NULL;
    }
    else if (stored != OCCI_STORE_OK) {
        return occi_send_store_error(req, stored);
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
            return run_action(req, one, 0);
        }
        return update_entity(req, current);
    case M_DELETE:
        return delete_entity(req, current);
    default:
        return send_entity(req, HTTP_OK, current);
    }
}
