/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Actions on entities and collections: checked against the life cycles,
 * carried out on the hypervisor (or, without one, by the life cycle's
 * table), and stored. The save action makes OS templates.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_actions.h"
#include "mod_occi_config.h"
#include "mod_occi_deferred_save.h"
#include "mod_occi_render.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "occi_deferred_save.h"
#include "occi_entity_json.h"
#include "occi_host_kind.h"
#include "occi_json.h"
#include "occi_state.h"
#include "occi_text.h"

/* The save action (occi_service_save); the answer renders the new OS
 * templates (GFD.224 requires it). */
static int save_computes(occi_request *req, apr_array_header_t *entities,
                         const apr_array_header_t *parameters)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *made;
    const char *method = NULL, *name = NULL, *body;
    occi_media_type type;
    occi_service service;
    occi_result result;
    int i, status;

    for (i = 0; i < parameters->nelts; i++) {
        const occi_attribute_value *p = &APR_ARRAY_IDX(parameters, i, occi_attribute_value);

        if (p->value.type == OCCI_TYPE_STRING && !strcmp(p->name, "method")) {
            method = p->value.string;
        }
        else if (p->value.type == OCCI_TYPE_STRING && !strcmp(p->name, "name")) {
            name = p->value.string;
        }
    }
    occi_request_service(req, &service);
    result = occi_service_save(&service, pool, entities, method, name, &made);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
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
    body = occi_media_type_is_json(type) ? occi_json_categories(pool, made, req->base,
                                                                  occi_json_pattern_of(req->conf))
                                         : occi_text_category_lines(pool, made, req->base);
    return occi_send_body(req, HTTP_OK, type, body, strlen(body));
}

/* Whether action is migrate, the administrators' action on computes of a
 * server with several hosts. */
static int is_migrate(const occi_request *req, const char *action)
{
    return req->conf->hosts
           && !strcmp(action, occi_migrate_action_id(req->r->pool,
                                                     req->conf->provider_scheme
                                                     ? req->conf->provider_scheme
                                                     : OCCI_DEFAULT_PROVIDER_SCHEME));
}

/* The migrate action (occi_service_migrate), one compute after the other;
 * the answer shows where each is now. */
static int migrate_computes(occi_request *req, apr_array_header_t *entities,
                            const apr_array_header_t *parameters, const char *action,
                            int is_collection)
{
    apr_pool_t *pool = req->r->pool;
    const char *target = NULL;
    occi_service service;
    occi_result result;
    int i;

    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        /* Tenants are told what they would be told of any action their
         * model lacks. */
        if (req->scope || strcmp(entity->kind, OCCI_SCHEME_INFRA "compute")) {
            return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                   pool, "%s %s does not define action %s%s",
                                   is_collection ? "member" : "entity",
                                   occi_absolute_location(req, entity), action,
                                   req->scope ? "" : " (only computes migrate; the storages "
                                                     "they alone use go with them)"));
        }
    }
    for (i = 0; i < parameters->nelts; i++) {
        const occi_attribute_value *p = &APR_ARRAY_IDX(parameters, i, occi_attribute_value);

        if (p->value.type == OCCI_TYPE_STRING && !strcmp(p->name, "host")) {
            target = p->value.string;
        }
    }
    occi_request_service(req, &service);
    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        const char *from = entity->host, *to;

        result = occi_service_migrate(&service, pool, entity, target, &to);
        if (result.cls != OCCI_RESULT_OK) {
            if (i > 0) {
                result.message = apr_psprintf(pool, "%s (after %d of %d computes moved)",
                                              result.message, i, entities->nelts);
            }
            return occi_refuse_result(req, &result);
        }
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, req->r, OCCI_LOGNO(163)
                      "compute %s migrated from host %s to host %s by %s", entity->id,
                      from ? from : "(first)", to,
                      req->owner && *req->owner ? req->owner : "an administrator");
    }
    if ((i = occi_observe(req, entities)) != OK) {
        return i;
    }
    if (is_collection) {
        return occi_send_collection(req, HTTP_OK, entities);
    }
    return occi_send_entity(req, HTTP_OK, APR_ARRAY_IDX(entities, 0, occi_entity *));
}

/* Runs an action on entities (one, or a collection's members). */
int occi_run_action(occi_request *req, apr_array_header_t *entities, int is_collection)
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
    occi_service service;
    occi_result result;
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
        if ((status = occi_request_fields(req, type, body, len, &fields)) != OK) {
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
    if (is_migrate(req, action)) {
        return migrate_computes(req, entities, parameters, action, is_collection);
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
                                       occi_absolute_location(req, entity), action));
        }
        after = occi_state_after(entity, action);
        if (!after) {
            return occi_refuse(req, HTTP_CONFLICT, apr_psprintf(
                                       pool, "action %s is not allowed on %s in state %s",
                                       term, occi_absolute_location(req, entity),
                                       occi_entity_get_string(entity, state_attribute)));
        }
        APR_ARRAY_PUSH(afters, const char *) = after;
    }
    if (!strcmp(action, "http://schemas.ogf.org/occi/infrastructure/compute/action#save")) {
        return save_computes(req, entities, parameters);
    }
    if (!strcmp(action, "http://schemas.ogf.org/occi/infrastructure/compute/action#start")) {
        /* A compute stopped other than through the API has its deferred
         * saves made before it runs again. */
        for (i = 0; i < entities->nelts; i++) {
            occi_deferred_saves_now(req, APR_ARRAY_IDX(entities, i, occi_entity *)->id);
        }
    }
    /* Only then carried out: on the hypervisor, which says the state that
     * results, or, without one, by the life cycle's table. */
    occi_request_service(req, &service);
    result = occi_service_act(&service, pool, entities, action, parameters, afters);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    if (!strcmp(action, "http://schemas.ogf.org/occi/infrastructure/compute/action#stop")) {
        /* The stop a deferred save waited for: the answer comes once the
         * copies are made, so that a client may start the compute again
         * at once. */
        for (i = 0; i < entities->nelts; i++) {
            occi_deferred_saves_now(req, APR_ARRAY_IDX(entities, i, occi_entity *)->id);
        }
    }
    if (is_collection) {
        return occi_send_collection(req, HTTP_OK, entities);
    }
    return occi_send_entity(req, HTTP_OK, APR_ARRAY_IDX(entities, 0, occi_entity *));
}

