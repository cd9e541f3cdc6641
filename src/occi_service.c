/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service layer: see occi_service.h.
 */
#include <string.h>

#include <apr_strings.h>

#include "occi_entity_text.h"
#include "occi_recovery.h"
#include "occi_service.h"
#include "occi_validate.h"

static const occi_result done = { OCCI_RESULT_OK, NULL, 0 };

static occi_result result(occi_result_class cls, int number, const char *message)
{
    occi_result r;

    r.cls = cls;
    r.number = number;
    r.message = message;
    return r;
}

static occi_result store_failed(const occi_service *service, int number)
{
    return result(OCCI_RESULT_STORE_FAILED, number, occi_store_error(service->store));
}

occi_result occi_result_of_hypervisor(const occi_hv_error *error, int number)
{
    switch (error->status) {
    case OCCI_HV_UNAVAILABLE:
        return result(OCCI_RESULT_UNAVAILABLE, number, error->message);
    case OCCI_HV_CONFLICT:
        return result(OCCI_RESULT_CONFLICT, number, error->message);
    case OCCI_HV_INVALID:
        return result(OCCI_RESULT_INVALID, number, error->message);
    default:
        return result(OCCI_RESULT_FAILED, number, error->message);
    }
}

/* ---- Intents: see occi_recovery.h ------------------------------------- */

/* Records a change before the hypervisor is touched (NULL without a
 * hypervisor, or when the store refused it). */
static const char *intent_begin(const occi_service *service, apr_pool_t *pool, const char *what,
                                const apr_array_header_t *entities)
{
    const char *id;

    if (!service->hypervisor) {
        return NULL;
    }
    id = occi_change_begin(service->store, pool, service->model, service->owner,
                           service->holder, service->hypervisor_uri, what, entities);
    if (id && service->intents_held) {
        service->intents_held(service->data, 1);
    }
    return id;
}

static void intent_end(const occi_service *service, const char *id)
{
    if (!id) {
        return;
    }
    occi_change_end(service->store, id, service->holder);
    if (service->intents_held) {
        service->intents_held(service->data, -1);
    }
}

/* Ends the transaction: commits when r is OK and the intent is still this
 * process's, rolls back otherwise. */
static occi_result finish(const occi_service *service, const char *intent, occi_result r)
{
    if (r.cls == OCCI_RESULT_OK && !occi_change_kept(service->store, intent, service->holder)) {
        r = result(OCCI_RESULT_UNAVAILABLE, 116, "this change outlived its lease and another "
                   "process has finished or undone it; read the entity to see which");
    }
    if (r.cls != OCCI_RESULT_OK) {
        occi_store_rollback(service->store);
        return r;
    }
    if (occi_store_commit(service->store) != OCCI_STORE_OK) {
        return store_failed(service, 117);
    }
    return done;
}

/* ---- Delete ------------------------------------------------------------ */

/* Removes what entity stands for from the hypervisor, if there is one. */
static occi_hv_status unmake(const occi_service *service, apr_pool_t *pool,
                             const occi_entity *entity, const occi_entity *source,
                             occi_hv_error *error)
{
    if (!service->hypervisor) {
        return OCCI_HV_OK;
    }
    return occi_hypervisor_delete_entity(service->hypervisor, pool, entity, source, error);
}

static const occi_entity *source_of(apr_pool_t *pool, const occi_entity *link)
{
    occi_entity *source = occi_entity_create(pool);

    source->id = occi_entity_id_from_reference(pool,
                                               occi_entity_get_string(link, "occi.core.source"));
    return source;
}

/* One entity, inside the caller's transaction: the links that point at it
 * (they would name a resource that is gone), the devices of the links that
 * start at it (the store deletes their rows with it), then itself. */
static occi_result delete_one(const occi_service *service, apr_pool_t *pool,
                              const occi_entity *entity)
{
    occi_store *store = service->store;
    apr_array_header_t *links;
    occi_store_status status;
    occi_hv_error error;
    int i, is_link = occi_kind_is_link(service->model, entity->kind);

    /* First, so that a link created meanwhile to or from it is either
     * committed and found below, or waits and finds it gone. */
    status = occi_store_lock_entity(store, entity->id);
    if (status == OCCI_STORE_OK) {
        status = occi_store_links_to(store, pool,
                                     occi_entity_location(pool, service->model, entity), &links);
    }
    for (i = 0; status == OCCI_STORE_OK && i < links->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(links, i, occi_entity *);

        if (unmake(service, pool, link, source_of(pool, link), &error) != OCCI_HV_OK) {
            return occi_result_of_hypervisor(&error, 118);
        }
        status = occi_store_delete(store, link->id, NULL);
        status = status == OCCI_STORE_NOT_FOUND ? OCCI_STORE_OK : status;
    }
    /* On the hypervisor the links that start at it may hold more than the
     * domain, such as a network's DHCP reservation. */
    if (status == OCCI_STORE_OK && service->hypervisor && !is_link) {
        status = occi_store_links_from(store, pool, entity->id, &links);
        for (i = 0; status == OCCI_STORE_OK && i < links->nelts; i++) {
            if (unmake(service, pool, APR_ARRAY_IDX(links, i, occi_entity *), entity, &error)
                != OCCI_HV_OK) {
                return occi_result_of_hypervisor(&error, 118);
            }
        }
    }
    if (status == OCCI_STORE_OK) {
        if (unmake(service, pool, entity, is_link ? source_of(pool, entity) : NULL, &error)
            != OCCI_HV_OK) {
            return occi_result_of_hypervisor(&error, 118);
        }
        status = occi_store_delete(store, entity->id, service->scope);
    }
    if (status == OCCI_STORE_NOT_FOUND) {
        return result(OCCI_RESULT_NOT_FOUND, 119, "the entity was deleted meanwhile");
    }
    return status == OCCI_STORE_OK ? done : store_failed(service, 120);
}

occi_result occi_service_delete(const occi_service *service, apr_pool_t *pool,
                                const apr_array_header_t *entities, int skip_gone)
{
    /* A process killed before the commit leaves the rest to another. */
    const char *intent = intent_begin(service, pool, "delete", entities);
    occi_result r = done;
    int i;

    if (occi_store_begin(service->store) != OCCI_STORE_OK) {
        r = store_failed(service, 120);
        intent_end(service, intent);
        return r;
    }
    for (i = 0; r.cls == OCCI_RESULT_OK && i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        occi_entity *still;

        /* An earlier one's deletion may have taken this one (a link). */
        if (skip_gone && occi_store_get(service->store, pool, entity->id, service->scope,
                                        &still) != OCCI_STORE_OK) {
            continue;
        }
        r = delete_one(service, pool, entity);
    }
    r = finish(service, intent, r);
    intent_end(service, intent);
    return r;
}
