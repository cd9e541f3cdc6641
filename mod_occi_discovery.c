/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The query interface (/-/): the categories of the model and of the
 * client's own mixins, and the definition and removal of those mixins.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_config.h"
#include "mod_occi_discovery.h"
#include "mod_occi_hosts.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "occi_deferred_save.h"
#include "occi_discovery.h"
#include "occi_json.h"
#include "occi_text.h"
#include "occi_utf8.h"
#include "apr_lib.h"

#define WELL_KNOWN_QUERY "/.well-known/org/ogf/occi/-/"

typedef struct {
    occi_request *req;
    apr_array_header_t *parsed;
    const char *error;
} category_header_walk;

static int parse_category_header(void *data, const char *key, const char *value)
{
    category_header_walk *walk = data;

    walk->error = occi_text_parse_categories(walk->req->r->pool, value,
                                             OCCI_FILTER_MAX_CATEGORIES - walk->parsed->nelts,
                                             walk->parsed);
    return walk->error == NULL;
}

/* The filter of a query-interface request: its Category headers and its
 * ?category= parameters. Returns NULL or a message for the client. */
static const char *category_filter(occi_request *req, apr_array_header_t **filter)
{
    request_rec *r = req->r;
    category_header_walk walk = { req, NULL, NULL };
    const apr_array_header_t *params = apr_table_elts(req->query);
    int i;

    walk.parsed = apr_array_make(r->pool, 4, sizeof(occi_category *));
    apr_table_do(parse_category_header, &walk, r->headers_in, "Category", NULL);
    if (walk.error) {
        return apr_pstrcat(r->pool, "Category header: ", walk.error, NULL);
    }
    *filter = apr_array_make(r->pool, 4, sizeof(occi_category_filter));
    occi_discovery_filter_categories(r->pool, walk.parsed, *filter);
    for (i = 0; i < params->nelts; i++) {
        const apr_table_entry_t *param = &APR_ARRAY_IDX(params, i, apr_table_entry_t);
        const char *error;

        if (strcmp(param->key, "category")) {
            continue;
        }
        error = occi_discovery_filter_type_id(r->pool, param->val, *filter);
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Appends the user mixins the filter names (all of them without filter). */
static void select_user_mixins(occi_request *req, const apr_array_header_t *filter,
                               apr_array_header_t *categories)
{
    int i, j;

    for (i = 0; i < req->user_mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(req->user_mixins, i, const occi_category *);
        const char *type_id = occi_category_type_id(req->r->pool, mixin);
        int wanted = filter->nelts == 0;

        for (j = 0; !wanted && j < filter->nelts; j++) {
            const occi_category_filter *entry = &APR_ARRAY_IDX(filter, j, occi_category_filter);

            wanted = !strcmp(entry->type_id, type_id)
                     && (!entry->match_class || entry->cls == OCCI_CLASS_MIXIN);
        }
        if (wanted) {
            APR_ARRAY_PUSH(categories, const occi_category *) = mixin;
        }
    }
}

/* Sends categories (const occi_category *) in the rendering type. */
static int send_categories(occi_request *req, occi_media_type type,
                           const apr_array_header_t *categories)
{
    request_rec *r = req->r;
    const char *body;

    if (type == OCCI_MEDIA_TEXT_OCCI) {
        apr_array_header_t *fields = apr_array_make(r->pool, categories->nelts,
                                                    sizeof(occi_text_field));
        int i;

        for (i = 0; i < categories->nelts; i++) {
            occi_text_field *field = apr_array_push(fields);

            field->name = "Category";
            field->value = occi_text_category(
                r->pool, APR_ARRAY_IDX(categories, i, const occi_category *), req->base);
        }
        return occi_send_fields(req, HTTP_OK, type, fields);
    }
    body = occi_media_type_is_json(type) ? occi_json_categories(r->pool, categories, req->base,
                                                                    occi_json_pattern_of(req->conf))
                                         : occi_text_category_lines(r->pool, categories, req->base);
    return occi_send_body(req, HTTP_OK, type, body, strlen(body));
}

/* The hosts' kind and actions are the administrators' (mod_occi_hosts.c). */
static void hide_host_categories(occi_request *req, apr_array_header_t *categories)
{
    const occi_category **all = (const occi_category **)categories->elts;
    int i, kept = 0;

    for (i = 0; i < categories->nelts; i++) {
        if (!occi_is_host_category(req, all[i])) {
            all[kept++] = all[i];
        }
    }
    categories->nelts = kept;
}

static int get_query_interface(occi_request *req)
{
    request_rec *r = req->r;
    apr_array_header_t *filter = NULL, *categories;
    occi_media_type type;
    const char *error, *body;
    apr_size_t len;
    int status, cacheable;

    status = occi_negotiate(req, occi_entity_renderings, occi_entity_renderings_count, &type);
    if (status != OK) {
        return status;
    }
    if ((error = category_filter(req, &filter))) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    if ((status = occi_load_user_mixins(req)) != OK) {
        return status;
    }
    /* The model alone is the same for every request through one mount
     * (the administrators' view, with the hosts, is rendered each time). */
    cacheable = filter->nelts == 0 && req->user_mixins->nelts == 0 && req->conf->renderings
                && type != OCCI_MEDIA_TEXT_OCCI && !(req->conf->hosts && !req->scope);
    if (cacheable && (body = occi_render_cache_get(req->conf->renderings, req->base, type,
                                                   &len))) {
        return occi_send_body(req, HTTP_OK, type, body, len);
    }
    categories = occi_discovery_select(r->pool, req->model, filter);
    if (req->scope) {
        hide_host_categories(req, categories);
    }
    select_user_mixins(req, filter, categories);
    if (!cacheable) {
        return send_categories(req, type, categories);
    }
    body = occi_media_type_is_json(type) ? occi_json_categories(r->pool, categories, req->base,
                                                                    occi_json_pattern_of(req->conf))
                                         : occi_text_category_lines(r->pool, categories, req->base);
    len = strlen(body);
    body = occi_render_cache_put(req->conf->renderings, req->base, type, body, len);
    return occi_send_body(req, HTTP_OK, type, body, len);
}

/* The categories a POST or DELETE on /-/ carries, in any rendering. */
static int read_categories(occi_request *req, apr_array_header_t **categories)
{
    request_rec *r = req->r;
    occi_media_type type;
    const char *body, *error = NULL;
    apr_size_t len;
    int status = occi_read_body(req, &type, &body, &len);
    int i;

    if (status != OK) {
        return status;
    }
    *categories = apr_array_make(r->pool, 2, sizeof(occi_category *));
    if (occi_media_type_is_json(type)) {
        error = occi_json_parse_categories(r->pool, body, len, *categories);
    }
    else if (type == OCCI_MEDIA_URI_LIST) {
        error = "text/uri-list cannot carry categories";
    }
    else {
        apr_array_header_t *fields = type == OCCI_MEDIA_TEXT_PLAIN
                                         ? apr_array_make(r->pool, 4, sizeof(occi_text_field))
                                         : occi_header_fields(req);

        if (type == OCCI_MEDIA_TEXT_PLAIN) {
            error = occi_text_parse_body(r->pool, body, len, fields);
        }
        for (i = 0; !error && i < fields->nelts; i++) {
            const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

            if (!strcmp(field->name, "Category")) {
                error = occi_text_parse_categories(r->pool, field->value,
                                                   OCCI_FILTER_MAX_CATEGORIES, *categories);
            }
        }
    }
    if (error) {
        return occi_refuse(req, HTTP_BAD_REQUEST, error);
    }
    if ((*categories)->nelts == 0) {
        occi_send_error(req, HTTP_BAD_REQUEST, "the request names no category");
        return HTTP_BAD_REQUEST;
    }
    return OK;
}

static int has_control_characters(const char *s)
{
    for (; s && *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* A user mixin location: an absolute path of plain segments ending in
 * '/', below the mount (a given mount prefix is removed). NULL or why not. */
static const char *check_location(occi_request *req, occi_category *mixin)
{
    apr_pool_t *pool = req->r->pool;
    const char *location = mixin->location, *p;
    size_t base_len = strlen(req->base);

    if (!location) {
        return apr_psprintf(pool, "mixin %s needs a location", mixin->term);
    }
    if (base_len && !strncmp(location, req->base, base_len) && location[base_len] == '/') {
        location += base_len;
    }
    if (location[0] != '/' || location[strlen(location) - 1] != '/' || strlen(location) < 3
        || strlen(location) > 256) {
        return apr_psprintf(pool, "location '%s' must be a path of 3 to 256 characters that "
                            "starts and ends with '/'", mixin->location);
    }
    for (p = location; *p; p++) {
        if (!apr_isalnum(*p) && !strchr("/-._~", *p)) {
            return apr_psprintf(pool, "location '%s' may hold only letters, digits and "
                                "/-._~", mixin->location);
        }
    }
    if (strstr(location, "//") || strstr(location, "/./") || strstr(location, "/../")
        || !strncmp(location, "/-/", 3) || !strncmp(location, "/.well-known/", 13)) {
        return apr_psprintf(pool, "location '%s' is not a plain path of its own",
                            mixin->location);
    }
    mixin->location = location;
    return NULL;
}

/* Checks a user mixin definition. Returns the status to answer with
 * (after sending it) or OK. */
static int check_user_mixin(occi_request *req, occi_category *mixin)
{
    apr_pool_t *pool = req->r->pool;
    const char *error, *type_id, *family;
    const char *const *d;
    int i;

    if (mixin->cls != OCCI_CLASS_MIXIN) {
        error = apr_psprintf(pool, "%s is a %s: only mixins can be defined here", mixin->term,
                             occi_category_class_name(mixin->cls));
    }
    else if (!mixin->scheme || mixin->scheme[strlen(mixin->scheme) - 1] != '#'
             || !strchr(mixin->scheme, ':') || strpbrk(mixin->scheme, " \t\"")) {
        error = apr_psprintf(pool, "scheme '%s' of mixin %s must be an absolute URI ending "
                             "in '#'", mixin->scheme ? mixin->scheme : "", mixin->term);
    }
    else if (!strncasecmp(mixin->scheme, OCCI_RESERVED_SCHEME_PREFIX,
                          strlen(OCCI_RESERVED_SCHEME_PREFIX))) {
        error = apr_psprintf(pool, "scheme %s is reserved for the OGF's own categories",
                             mixin->scheme);
    }
    else if (mixin->n_attributes || (mixin->actions && mixin->actions[0])) {
        error = apr_psprintf(pool, "mixin %s: user mixins carry no attributes or actions",
                             mixin->term);
    }
    else if ((mixin->title && (has_control_characters(mixin->title)
                               || strlen(mixin->title) > 1024))) {
        error = apr_psprintf(pool, "the title of mixin %s must be at most 1024 characters "
                             "without control characters", mixin->term);
    }
    else {
        error = check_location(req, mixin);
    }
    if (error) {
        occi_send_error(req, HTTP_BAD_REQUEST, error);
        return HTTP_BAD_REQUEST;
    }
    for (d = mixin->depends; d && *d; d++) {
        if (!occi_validation_find(&req->validation, *d)) {
            occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                                pool, "mixin %s depends on %s, which is not defined",
                                mixin->term, *d));
            return HTTP_BAD_REQUEST;
        }
    }
    /* A template is what a compute boots or how big it is: the provider's
     * (OCCIOSTemplate, OCCIResourceTemplate, the save action), with an
     * image behind it. A mixin of a client's would be taken for one and
     * boot nothing. */
    if ((family = occi_mixin_template_family(&req->validation, mixin))) {
        occi_send_error(req, HTTP_FORBIDDEN, apr_psprintf(
                            pool, "mixin %s depends on %s: OS and resource templates are the "
                            "provider's, and a user mixin cannot be one", mixin->term, family));
        return HTTP_FORBIDDEN;
    }
    for (d = mixin->applies; d && *d; d++) {
        const occi_category *kind = occi_model_find(req->model, *d);

        if (!kind || kind->cls != OCCI_CLASS_KIND) {
            occi_send_error(req, HTTP_BAD_REQUEST, apr_psprintf(
                                pool, "mixin %s applies to %s, which is not a kind",
                                mixin->term, *d));
            return HTTP_BAD_REQUEST;
        }
    }
    type_id = occi_category_type_id(pool, mixin);
    if (occi_validation_find(&req->validation, type_id)) {
        occi_send_error(req, HTTP_CONFLICT, apr_psprintf(pool, "category %s already exists",
                                                          type_id));
        return HTTP_CONFLICT;
    }
    if (occi_model_find_location(req->model, mixin->location)) {
        occi_send_error(req, HTTP_CONFLICT, apr_psprintf(
                            pool, "location %s is already bound to another category",
                            mixin->location));
        return HTTP_CONFLICT;
    }
    for (i = 0; i < req->user_mixins->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(req->user_mixins, i, const occi_category *)->location,
                    mixin->location)) {
            occi_send_error(req, HTTP_CONFLICT, apr_psprintf(
                                pool, "location %s is already bound to another mixin",
                                mixin->location));
            return HTTP_CONFLICT;
        }
    }
    return OK;
}

static int define_user_mixins(occi_request *req)
{
    apr_array_header_t *categories;
    occi_service service;
    occi_result result;
    occi_media_type type;
    int status, i;

    if ((status = read_categories(req, &categories)) != OK
        || (status = occi_load_user_mixins(req)) != OK) {
        return status;
    }
    for (i = 0; i < categories->nelts; i++) {
        if ((status = check_user_mixin(req, APR_ARRAY_IDX(categories, i, occi_category *)))
            != OK) {
            return status;
        }
    }
    occi_request_service(req, &service);
    result = occi_service_define_mixins(&service, req->r->pool, categories);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    if ((status = occi_negotiate(req, occi_entity_renderings, occi_entity_renderings_count,
                                 &type)) != OK) {
        return status;
    }
    return send_categories(req, type, categories);
}

static int delete_user_mixins(occi_request *req)
{
    apr_array_header_t *categories;
    occi_service service;
    occi_result result;
    int status, i;

    if ((status = read_categories(req, &categories)) != OK
        || (status = occi_load_user_mixins(req)) != OK) {
        return status;
    }
    for (i = 0; i < categories->nelts; i++) {
        const occi_category *named = APR_ARRAY_IDX(categories, i, const occi_category *);
        const char *type_id = occi_category_type_id(req->r->pool, named);

        if (occi_model_find(req->model, type_id)) {
            return occi_send_error(req, HTTP_FORBIDDEN, apr_psprintf(
                                       req->r->pool, "%s is defined by the provider and "
                                       "cannot be deleted", type_id));
        }
        if (!apr_hash_get(req->validation.user_mixins, type_id, APR_HASH_KEY_STRING)) {
            return occi_send_error(req, HTTP_NOT_FOUND, apr_psprintf(
                                       req->r->pool, "there is no mixin %s", type_id));
        }
    }
    occi_request_service(req, &service);
    result = occi_service_delete_mixins(&service, req->r->pool, categories);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    return occi_send_body(req, HTTP_OK, OCCI_MEDIA_TEXT_PLAIN, "", 0);
}

int occi_handle_query_interface(occi_request *req)
{
    switch (req->r->method_number) {
    case M_POST:
        return define_user_mixins(req);
    case M_DELETE:
        return delete_user_mixins(req);
    default:
        return get_query_interface(req);
    }
}
