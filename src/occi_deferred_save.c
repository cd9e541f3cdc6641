/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Saves deferred to a compute's next stop: see occi_deferred_save.h.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "occi_deferred_save.h"
#include "occi_recovery.h"

occi_store_status occi_deferred_save_record(occi_store *store, apr_pool_t *pool,
                                            const char *compute_id, const char *owner,
                                            const char *term)
{
    occi_store_intent intent;

    memset(&intent, 0, sizeof(intent));
    intent.id = occi_uuid_generate(pool);
    intent.verb = OCCI_DEFERRED_SAVE_VERB;
    intent.entity_id = compute_id;
    intent.owner = owner;
    intent.detail = term;
    return occi_store_insert_intent(store, &intent);
}

occi_store_status occi_deferred_saves_pending(occi_store *store, apr_pool_t *pool,
                                              const char *compute_id, int *count)
{
    apr_array_header_t *intents;
    occi_store_status status = occi_store_list_intents(store, pool, OCCI_DEFERRED_SAVE_VERB,
                                                       compute_id, NULL, &intents);

    *count = status == OCCI_STORE_OK ? intents->nelts : 0;
    return status;
}

static void report(const occi_deferred_context *context, occi_deferred_event event,
                   const char *message)
{
    if (context->report) {
        context->report(context->report_data, event, message);
    }
}

/* Gives up an intent and the OS template it was to make, in one
 * transaction; the template was never usable (it had no image). */
static occi_store_status give_up(const occi_deferred_context *context, apr_pool_t *pool,
                                 const occi_store_intent *intent)
{
    occi_store_status status = occi_store_begin(context->store);

    if (status == OCCI_STORE_OK) {
        status = occi_store_delete_intent(context->store, intent->id, context->holder);
    }
    if (status == OCCI_STORE_OK) {
        status = occi_store_delete_mixin(context->store,
                                         apr_pstrcat(pool, context->saved_scheme,
                                                     intent->detail, NULL),
                                         intent->owner);
        if (status == OCCI_STORE_NOT_FOUND) {
            status = OCCI_STORE_OK;
        }
    }
    if (status != OCCI_STORE_OK) {
        occi_store_rollback(context->store);
        return status == OCCI_STORE_NOT_FOUND ? OCCI_STORE_OK : status;
    }
    return occi_store_commit(context->store);
}

/* One intent, held by this process: copies the disk if its compute has
 * stopped. *waiting is set when it must wait for a later stop. */
static occi_store_status carry_out(const occi_deferred_context *context, apr_pool_t *pool,
                                   const occi_store_intent *intent, int *waiting)
{
    occi_entity *compute;
    occi_hv_error error;
    occi_store_status status;
    int later = 0;

    *waiting = 0;
    status = occi_store_get(context->store, pool, intent->entity_id, NULL, &compute);
    if (status == OCCI_STORE_NOT_FOUND) {
        status = give_up(context, pool, intent);
        if (status == OCCI_STORE_OK) {
            report(context, OCCI_DEFERRED_ORPHANED, apr_psprintf(
                       pool, "compute %s is gone before it stopped: the OS template %s%s "
                       "it was to become is removed", intent->entity_id,
                       context->saved_scheme, intent->detail));
        }
        return status;
    }
    if (status != OCCI_STORE_OK) {
        return status;
    }
    if (occi_hypervisor_save(context->hypervisor, pool, compute, intent->detail, "deferred",
                             &later, &error) != OCCI_HV_OK) {
        if (error.status == OCCI_HV_UNAVAILABLE) {
            report(context, OCCI_DEFERRED_UNAVAILABLE, apr_psprintf(
                       pool, "the deferred save of compute %s waits: %s", compute->id,
                       error.message));
            *waiting = 1;
            return occi_store_release_intent(context->store, intent->id, context->holder);
        }
        status = give_up(context, pool, intent);
        if (status == OCCI_STORE_OK) {
            report(context, OCCI_DEFERRED_FAILED, apr_psprintf(
                       pool, "the deferred save of compute %s failed: %s; the OS template "
                       "%s%s is removed", compute->id, error.message, context->saved_scheme,
                       intent->detail));
        }
        return status;
    }
    if (later) {
        *waiting = 1;
        return occi_store_release_intent(context->store, intent->id, context->holder);
    }
    status = occi_store_delete_intent(context->store, intent->id, context->holder);
    if (status == OCCI_STORE_NOT_FOUND) {
        /* The template was deleted while its image was being made. */
        occi_hypervisor_delete_saved(context->hypervisor, pool, intent->detail, &error);
        return OCCI_STORE_OK;
    }
    if (status == OCCI_STORE_OK) {
        report(context, OCCI_DEFERRED_SAVED, apr_psprintf(
                   pool, "compute %s has stopped: its deferred save made the image of OS "
                   "template %s%s", compute->id, context->saved_scheme, intent->detail));
    }
    else {
        occi_hypervisor_delete_saved(context->hypervisor, pool, intent->detail, &error);
    }
    return status;
}

occi_store_status occi_deferred_saves_run(const occi_deferred_context *context,
                                          apr_pool_t *pool, const char *compute_id,
                                          int *pending, int *held_elsewhere)
{
    apr_array_header_t *intents;
    occi_store_status status;
    int i, left = 0, held = 0;

    status = occi_store_list_intents(context->store, pool, OCCI_DEFERRED_SAVE_VERB,
                                     compute_id, NULL, &intents);
    for (i = 0; status == OCCI_STORE_OK && i < intents->nelts; i++) {
        const occi_store_intent *intent = APR_ARRAY_IDX(intents, i, occi_store_intent *);
        long long now = (long long)apr_time_sec(apr_time_now());
        int waiting = 0;

        /* A holder of this node that died is replaced at once: the
         * condition on the lease then holds only if nobody renewed it. */
        if (intent->holder && intent->lease_until >= now
            && occi_holder_died_here(intent->holder, context->holder)) {
            now = intent->lease_until + 1;
        }
        status = occi_store_claim_intent(context->store, intent->id, context->holder,
                                         (long long)apr_time_sec(apr_time_now())
                                         + OCCI_DEFERRED_SAVE_LEASE_SECONDS, now);
        if (status == OCCI_STORE_CONFLICT) {
            left++;
            held++;
            status = OCCI_STORE_OK;
            continue;
        }
        if (status == OCCI_STORE_NOT_FOUND) {
            status = OCCI_STORE_OK;
            continue;
        }
        if (status == OCCI_STORE_OK) {
            apr_pool_t *one;

            apr_pool_create(&one, pool);
            status = carry_out(context, one, intent, &waiting);
            apr_pool_destroy(one);
            left += waiting;
        }
    }
    if (pending) {
        *pending = left;
    }
    if (held_elsewhere) {
        *held_elsewhere = held;
    }
    return status;
}

int occi_deferred_saves_stop_for_delete(const occi_deferred_context *context,
                                        apr_pool_t *pool, const occi_entity *entity)
{
    static const char stop[] = "http://schemas.ogf.org/occi/infrastructure/compute/action#stop";
    apr_array_header_t *parameters;
    occi_attribute_value *poweroff;
    occi_hv_error ignored;
    int pending = 0;

    if (strcmp(entity->kind, OCCI_SCHEME_INFRA "compute")
        || occi_deferred_saves_pending(context->store, pool, entity->id, &pending)
               != OCCI_STORE_OK
        || !pending) {
        return 0;
    }
    parameters = apr_array_make(pool, 1, sizeof(occi_attribute_value));
    poweroff = apr_array_push(parameters);
    memset(poweroff, 0, sizeof(*poweroff));
    poweroff->name = "method";
    poweroff->value.type = OCCI_TYPE_STRING;
    poweroff->value.string = "poweroff";
    occi_hypervisor_act(context->hypervisor, pool, (occi_entity *)entity, stop, parameters,
                        &ignored);
    return 1;
}

const char *occi_deferred_saves_error(const occi_deferred_context *context)
{
    return occi_store_error(context->store);
}
