/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Interrupted changes, finished by any process: see occi_recovery.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "occi_entity_json.h"
#include "occi_entity_text.h"
#include "occi_hosts.h"
#include "occi_unmanaged.h"
#include "occi_recovery.h"
#include "occi_state.h"
#include "occi_validate.h"

const char *occi_change_describe(apr_pool_t *pool, const occi_model *model, const char *what,
                                 const char *hypervisor_uri,
                                 const apr_array_header_t *entities)
{
    /* As the store keeps references: paths, no origin. */
    occi_render_context context = { model, "", NULL };

    return apr_pstrcat(pool, what, "\n", hypervisor_uri, "\n",
                       occi_json_render_collection(pool, &context, entities, NULL), NULL);
}

const char *occi_holder_name(apr_pool_t *pool, const char *node, const char *role)
{
    return role ? apr_psprintf(pool, "%s %ld %s", node, (long)getpid(), role)
                : apr_psprintf(pool, "%s %ld", node, (long)getpid());
}

/* The node of a holder name, and its process id (0 when unreadable). */
static long holder_parts(const char *holder, size_t *node_len)
{
    const char *space = holder ? strchr(holder, ' ') : NULL;
    char *end;
    long pid;

    if (!space) {
        return 0;
    }
    *node_len = (size_t)(space - holder);
    pid = strtol(space + 1, &end, 10);
    return (*end == '\0' || *end == ' ') && pid > 0 ? pid : 0;
}

const char *occi_change_begin(occi_store *store, apr_pool_t *pool, const occi_model *model,
                              const char *owner, const char *holder, const char *hypervisor_uri,
                              const char *what, const apr_array_header_t *entities)
{
    occi_store_intent intent;

    memset(&intent, 0, sizeof(intent));
    intent.id = occi_uuid_generate(pool);
    intent.verb = OCCI_CHANGE_VERB;
    intent.entity_id = entities->nelts ? APR_ARRAY_IDX(entities, 0, occi_entity *)->id : "";
    intent.owner = owner;
    intent.detail = occi_change_describe(pool, model, what, hypervisor_uri, entities);
    intent.holder = holder;
    intent.lease_until = (long long)apr_time_sec(apr_time_now()) + OCCI_CHANGE_LEASE_SECONDS;
    return occi_store_insert_intent(store, &intent) == OCCI_STORE_OK ? intent.id : NULL;
}

int occi_change_kept(occi_store *store, const char *id, const char *holder)
{
    long long now = (long long)apr_time_sec(apr_time_now());

    return !id || occi_store_claim_intent(store, id, holder, now + OCCI_CHANGE_LEASE_SECONDS,
                                          now) == OCCI_STORE_OK;
}

occi_store_status occi_change_end(occi_store *store, const char *id, const char *holder)
{
    return id ? occi_store_delete_intent(store, id, holder) : OCCI_STORE_OK;
}

int occi_holder_died_here(const char *holder, const char *mine)
{
    size_t node_len = 0, my_node_len = 0;
    long pid = holder_parts(holder, &node_len);

    if (!pid || !holder_parts(mine, &my_node_len) || node_len != my_node_len
        || strncmp(holder, mine, node_len) || pid == (long)getpid()) {
        return 0;
    }
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void report(const occi_recovery_context *context, occi_recovery_level level, int number,
                   const char *message)
{
    if (context->report) {
        context->report(context->report_data, level, number, message);
    }
}

/* The source of a link, as an entity with only its id. */
static occi_entity *link_source(apr_pool_t *pool, const occi_entity *link)
{
    occi_entity *source = occi_entity_create(pool);

    source->id = occi_entity_id_from_reference(pool,
                                               occi_entity_get_string(link, "occi.core.source"));
    return source;
}

static occi_hv_status store_failed(occi_hv_error *error, const char *message)
{
    error->status = OCCI_HV_FAILED;
    error->message = message;
    return error->status;
}

/* Undoes on the hypervisor what an interrupted create made, unless the
 * store committed it. */
static occi_hv_status finish_create(const occi_recovery_context *context, apr_pool_t *pool,
                                    occi_entity *entity, const occi_entity *resource,
                                    int *changed, occi_hv_error *error)
{
    occi_entity *stored;
    occi_store_status status;
    int i;

    for (i = 0; i < entity->links->nelts; i++) {
        if (finish_create(context, pool, APR_ARRAY_IDX(entity->links, i, occi_entity *),
                          entity, changed, error) != OCCI_HV_OK) {
            return error->status;
        }
    }
    status = occi_store_get(context->store, pool, entity->id, NULL, &stored);
    if (status == OCCI_STORE_OK) {
        return OCCI_HV_OK;
    }
    if (status != OCCI_STORE_NOT_FOUND) {
        return store_failed(error, "the store cannot be read");
    }
    ++*changed;
    if (occi_hypervisor_delete_entity(context->hypervisor, pool, entity,
                                      resource ? resource : link_source(pool, entity), error)
        != OCCI_HV_OK) {
        return error->status;
    }
    /* What placement reserved for it on a host is free again. */
    if (occi_store_release_allocation(context->store, entity->id) != OCCI_STORE_OK) {
        return store_failed(error, "the store cannot release its allocation");
    }
    return OCCI_HV_OK;
}

/* Carries out an interrupted delete that the store did not commit: the
 * devices of the links to and from the entity, the entity itself, then
 * the rows, as the request would have; all under the entity's lock, so
 * that a request changing it meanwhile waits (or is waited for). */
static occi_hv_status delete_locked(const occi_recovery_context *context, apr_pool_t *pool,
                                    const occi_entity *entity, int *changed,
                                    occi_hv_error *error)
{
    occi_hypervisor *hv = context->hypervisor;
    occi_store *store = context->store;
    apr_array_header_t *to = NULL, *from = NULL;
    occi_entity *stored;
    occi_store_status status;
    int i, is_link;

    status = occi_store_lock_entity(store, entity->id);
    if (status == OCCI_STORE_OK) {
        status = occi_store_get(store, pool, entity->id, NULL, &stored);
    }
    if (status == OCCI_STORE_NOT_FOUND) {
        return OCCI_HV_OK;
    }
    is_link = status == OCCI_STORE_OK && occi_kind_is_link(context->model, stored->kind);
    if (status == OCCI_STORE_OK) {
        status = occi_store_links_to(store, pool,
                                     occi_entity_location(pool, context->model, stored), &to);
    }
    if (status == OCCI_STORE_OK && !is_link) {
        status = occi_store_links_from(store, pool, stored->id, &from);
    }
    if (status != OCCI_STORE_OK) {
        return store_failed(error, "the store cannot be read");
    }
    for (i = 0; to && i < to->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(to, i, occi_entity *);

        if (occi_hypervisor_delete_entity(hv, pool, link, link_source(pool, link), error)
            != OCCI_HV_OK) {
            return error->status;
        }
    }
    for (i = 0; from && i < from->nelts; i++) {
        if (occi_hypervisor_delete_entity(hv, pool, APR_ARRAY_IDX(from, i, occi_entity *),
                                          stored, error) != OCCI_HV_OK) {
            return error->status;
        }
    }
    if (occi_hypervisor_delete_entity(hv, pool, stored,
                                      is_link ? link_source(pool, stored) : NULL, error)
        != OCCI_HV_OK) {
        return error->status;
    }
    for (i = 0; status == OCCI_STORE_OK && to && i < to->nelts; i++) {
        status = occi_store_delete(store, APR_ARRAY_IDX(to, i, occi_entity *)->id, NULL);
        status = status == OCCI_STORE_NOT_FOUND ? OCCI_STORE_OK : status;
    }
    if (status == OCCI_STORE_OK) {
        status = occi_store_delete(store, stored->id, NULL);
        status = status == OCCI_STORE_NOT_FOUND ? OCCI_STORE_OK : status;
    }
    if (status != OCCI_STORE_OK) {
        return store_failed(error, "the store refused the deletion");
    }
    ++*changed;
    return OCCI_HV_OK;
}

/* Ends the transaction work ran in, given work's status: commits it when
 * OK, rolls it back otherwise. */
static occi_hv_status in_transaction(const occi_recovery_context *context,
                                     occi_hv_status status, occi_hv_error *error)
{
    if (status == OCCI_HV_OK) {
        if (occi_store_commit(context->store) != OCCI_STORE_OK) {
            return store_failed(error, "the store refused the commit");
        }
        return OCCI_HV_OK;
    }
    occi_store_rollback(context->store);
    return status;
}

static occi_hv_status finish_delete(const occi_recovery_context *context, apr_pool_t *pool,
                                    const occi_entity *entity, int *changed,
                                    occi_hv_error *error)
{
    if (occi_store_begin(context->store) != OCCI_STORE_OK) {
        return store_failed(error, "the store cannot begin a transaction");
    }
    return in_transaction(context, delete_locked(context, pool, entity, changed, error), error);
}

/* Writes the hypervisor's state of an entity an interrupted action
 * changed into the store. */
static occi_hv_status finish_action(const occi_recovery_context *context, apr_pool_t *pool,
                                    const occi_entity *entity, int *changed,
                                    occi_hv_error *error)
{
    apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *));
    const char *attribute = occi_state_attribute(entity->kind), *state, *now;
    occi_entity *stored;

    if (!attribute
        || occi_store_get(context->store, pool, entity->id, NULL, &stored) != OCCI_STORE_OK) {
        return OCCI_HV_OK;                 /* gone meanwhile: nothing to write */
    }
    APR_ARRAY_PUSH(one, occi_entity *) = stored;
    state = occi_entity_get_string(stored, attribute);
    state = state ? apr_pstrdup(pool, state) : "";
    if (occi_hypervisor_observe(context->hypervisor, pool, one, error) != OCCI_HV_OK) {
        return error->status;
    }
    now = occi_entity_get_string(stored, attribute);
    if (now && strcmp(now, state)) {
        /* A later change wrote a newer state: it stays. */
        if (occi_store_update(context->store, stored, stored->revision) == OCCI_STORE_OK) {
            ++*changed;
        }
    }
    return OCCI_HV_OK;
}

/* Changes the hypervisor back to the stored entity after an interrupted
 * update that did not commit (the row is still at revision), under the
 * entity's lock: an update through the API waits until this is done, and
 * one under way is waited for (then the revision has moved on). */
static occi_hv_status update_locked(const occi_recovery_context *context, apr_pool_t *pool,
                                    occi_entity *entity, apr_int64_t revision, int *changed,
                                    occi_hv_error *error)
{
    occi_entity *stored;
    occi_hv_status status;

    if (occi_store_lock_entity(context->store, entity->id) != OCCI_STORE_OK
        || occi_store_get(context->store, pool, entity->id, NULL, &stored) != OCCI_STORE_OK
        || (apr_int64_t)stored->revision != revision) {
        return OCCI_HV_OK;                 /* committed, changed since, or gone */
    }
    if (occi_store_links_from(context->store, pool, stored->id, &stored->links)
        != OCCI_STORE_OK) {
        return store_failed(error, "the store cannot be read");
    }
    status = occi_hypervisor_update(context->hypervisor, pool, entity, stored, error);
    if (status == OCCI_HV_UNAVAILABLE) {
        return status;
    }
    /* Refused (a volume does not shrink, a running domain keeps its
     * sizes): it stays as it is, and the log says so. */
    if (status != OCCI_HV_OK) {
        report(context, OCCI_RECOVERY_WARNING, 96, apr_psprintf(
                   pool, "an interrupted update of %s cannot be undone on the hypervisor: %s",
                   entity->id, error->message));
    }
    ++*changed;
    return OCCI_HV_OK;
}

static occi_hv_status finish_update(const occi_recovery_context *context, apr_pool_t *pool,
                                    occi_entity *entity, apr_int64_t revision, int *changed,
                                    occi_hv_error *error)
{
    if (occi_store_begin(context->store) != OCCI_STORE_OK) {
        return store_failed(error, "the store cannot begin a transaction");
    }
    return in_transaction(context, update_locked(context, pool, entity, revision, changed,
                                                 error), error);
}

/* The revision entity i of an update was read at: an update of several
 * entities lists theirs in order ("update 4 9 2"). */
static apr_int64_t revision_at(const char *revisions, int i)
{
    const char *at = revisions;

    while (i-- > 0 && (at = strchr(at, ' '))) {
        at++;
    }
    return at ? apr_atoi64(at) : -1;
}

/* Removes the images an interrupted save copied (terms, separated by
 * spaces) whose template the store did not commit: an image without a
 * template is unreachable through the API. */
static occi_hv_status finish_save(const occi_recovery_context *context, apr_pool_t *pool,
                                  const char *terms, int *changed, occi_hv_error *error)
{
    apr_array_header_t *mixins;
    apr_hash_t *defined = apr_hash_make(pool);
    char *list = apr_pstrdup(pool, terms), *state, *term;
    int i;

    if (occi_store_list_mixins(context->store, pool, NULL, &mixins, NULL) != OCCI_STORE_OK) {
        return store_failed(error, "the store cannot be read");
    }
    for (i = 0; i < mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(mixins, i, const occi_category *);

        apr_hash_set(defined, mixin->term, APR_HASH_KEY_STRING, mixin);
    }
    for (term = apr_strtok(list, " ", &state); term; term = apr_strtok(NULL, " ", &state)) {
        if (apr_hash_get(defined, term, APR_HASH_KEY_STRING)) {
            continue;                      /* committed: the template is there */
        }
        if (occi_hypervisor_delete_saved(context->hypervisor, pool, term, error)
            != OCCI_HV_OK) {
            return error->status;
        }
        ++*changed;
    }
    return OCCI_HV_OK;
}

/* Whether host has a domain of the compute id (*there), asked of it. */
static occi_hv_status domain_on(const occi_host *host, apr_pool_t *pool, const char *id,
                                int *there, occi_hv_error *error)
{
    apr_array_header_t *objects;
    int i;

    *there = 0;
    if (occi_hypervisor_list_objects(host->hypervisor, pool, &objects, error) != OCCI_HV_OK) {
        return error->status;
    }
    for (i = 0; i < objects->nelts; i++) {
        const occi_hv_object *object = &APR_ARRAY_IDX(objects, i, occi_hv_object);

        *there |= !strcmp(object->type, "domain") && !strcmp(object->id, id);
    }
    return OCCI_HV_OK;
}

/* An interrupted migration of a compute (the first entity) and its
 * storages from one host to another ("FROM TO"): where the compute's
 * domain is decides. On TO, the migration went through: the store is
 * made to say so, and what is left on FROM goes. Not on TO: it did not,
 * and what was made on TO goes, with its room there. */
static occi_hv_status finish_migrate(const occi_recovery_context *context, apr_pool_t *pool,
                                     const char *hosts, const apr_array_header_t *entities,
                                     int *changed, occi_hv_error *error)
{
    const char *space = strchr(hosts, ' ');
    const char *from = space ? apr_pstrmemdup(pool, hosts, (apr_size_t)(space - hosts)) : NULL;
    const char *to = space ? space + 1 : NULL;
    const occi_host *from_host = from ? occi_hosts_find(context->hypervisor, from) : NULL;
    const occi_host *to_host = to ? occi_hosts_find(context->hypervisor, to) : NULL;
    const occi_entity *compute = APR_ARRAY_IDX(entities, 0, const occi_entity *);
    const occi_host *left;
    const char *stays;
    int on_to, i;

    if (!from_host || !to_host) {
        error->status = OCCI_HV_FAILED;
        error->message = apr_psprintf(pool, "the hosts %s are not both configured here", hosts);
        return error->status;
    }
    if (domain_on(to_host, pool, compute->id, &on_to, error) != OCCI_HV_OK) {
        return error->status;
    }
    left = on_to ? from_host : to_host;
    stays = on_to ? to : from;
    /* What is left on the other host: only copies, or the start of some. */
    for (i = 0; i < entities->nelts; i++) {
        occi_entity *leftover = occi_entity_copy(pool, APR_ARRAY_IDX(entities, i,
                                                                     const occi_entity *));

        leftover->links = apr_array_make(pool, 1, sizeof(occi_entity *));
        if (occi_hypervisor_delete_entity(left->hypervisor, pool, leftover, NULL, error)
            != OCCI_HV_OK) {
            return error->status;
        }
    }
    if (occi_store_begin(context->store) != OCCI_STORE_OK) {
        return store_failed(error, "the store cannot begin a transaction");
    }
    for (i = 0; i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, const occi_entity *);
        apr_array_header_t *links;
        occi_store_status status = occi_store_set_host(context->store, entity->id, stays);
        int j;

        if (status == OCCI_STORE_NOT_FOUND) {
            continue;                  /* deleted meanwhile */
        }
        if (status != OCCI_STORE_OK
            || occi_store_links_from(context->store, pool, entity->id, &links)
                   != OCCI_STORE_OK) {
            occi_store_rollback(context->store);
            return store_failed(error, "the store cannot record the compute's host");
        }
        for (j = 0; j < links->nelts; j++) {
            if (occi_store_set_host(context->store, APR_ARRAY_IDX(links, j, occi_entity *)->id,
                                    stays) != OCCI_STORE_OK) {
                occi_store_rollback(context->store);
                return store_failed(error, "the store cannot record the compute's host");
            }
        }
    }
    if (occi_store_commit(context->store) != OCCI_STORE_OK) {
        return store_failed(error, "the store cannot commit the compute's host");
    }
    *changed += on_to;
    return OCCI_HV_OK;
}

typedef enum { FINISHED, LATER, NOT_OURS } outcome;

/* Finishes the change an intent describes. */
static outcome finish(const occi_recovery_context *context, apr_pool_t *pool,
                      const occi_store_intent *intent)
{
    apr_array_header_t *entities = apr_array_make(pool, 4, sizeof(occi_entity *));
    char *what = apr_pstrdup(pool, intent->detail), *uri, *body;
    const char *problem, *verb;
    occi_hv_error error = { OCCI_HV_OK, NULL };
    int i, changed = 0;

    if (!(uri = strchr(what, '\n')) || !(body = strchr(uri + 1, '\n'))) {
        report(context, OCCI_RECOVERY_ERROR, 93, apr_psprintf(
                   pool, "the intent %s cannot be read (no hypervisor or entities); dropped",
                   intent->id));
        return FINISHED;
    }
    *uri++ = '\0';
    *body++ = '\0';
    if (strcmp(uri, context->hypervisor_uri)) {
        return NOT_OURS;                   /* another virtual host's hypervisor */
    }
    if ((problem = occi_json_parse_entities(pool, body, strlen(body), entities))) {
        report(context, OCCI_RECOVERY_ERROR, 93, apr_psprintf(
                   pool, "the intent %s cannot be read (%s); dropped", intent->id, problem));
        return FINISHED;
    }
    if (!strncmp(what, "save ", 5)) {
        finish_save(context, pool, what + 5, &changed, &error);
    }
    else if (!strncmp(what, "migrate ", 8) && entities->nelts) {
        finish_migrate(context, pool, what + 8, entities, &changed, &error);
    }
    for (i = 0; strncmp(what, "save ", 5) && strncmp(what, "migrate ", 8)
                && i < entities->nelts && error.status == OCCI_HV_OK;
         i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        if (!strcmp(what, "create")) {
            finish_create(context, pool, entity, NULL, &changed, &error);
        }
        else if (!strcmp(what, "delete")) {
            finish_delete(context, pool, entity, &changed, &error);
        }
        else if (!strcmp(what, "action")) {
            finish_action(context, pool, entity, &changed, &error);
        }
        else if (!strncmp(what, "update ", 7)) {
            finish_update(context, pool, entity, revision_at(what + 7, i), &changed, &error);
        }
    }
    verb = apr_pstrmemdup(pool, what, strcspn(what, " "));
    if (error.status != OCCI_HV_OK) {
        report(context, OCCI_RECOVERY_WARNING, 94, apr_psprintf(
                   pool, "an interrupted %s (intent %s) cannot be finished yet: %s", verb,
                   intent->id, error.message));
        return LATER;
    }
    /* changed: entities of a create that had not been committed (removed
     * from the hypervisor), of a delete that had not (deleted now), of an
     * action whose state the store lacked (written now). */
    report(context, OCCI_RECOVERY_NOTICE, 95, apr_psprintf(
               pool, "finished an interrupted %s of %d entities, whose process (%s) died or "
               "stopped renewing its lease: %d %s", verb, entities->nelts,
               intent->holder ? intent->holder : "unknown", changed,
               !strcmp(what, "create") ? "not committed, removed from the hypervisor if made"
               : !strcmp(what, "delete") ? "not committed, deleted now"
               : !strcmp(what, "action") ? "states written from the hypervisor"
               : !strcmp(verb, "save") ? "images without their template removed"
               : !strcmp(verb, "migrate") ? (changed ? "it had moved: the store says so now"
                                                     : "it had not moved: left where it was")
               : "not committed, changed back on the hypervisor"));
    return FINISHED;
}

occi_store_status occi_changes_recover(const occi_recovery_context *context, apr_pool_t *pool,
                                       int *finished)
{
    apr_array_header_t *intents;
    occi_store_status status;
    int i, done = 0;

    status = occi_store_list_intents(context->store, pool, OCCI_CHANGE_VERB, NULL, NULL,
                                     &intents);
    for (i = 0; status == OCCI_STORE_OK && i < intents->nelts; i++) {
        const occi_store_intent *intent = APR_ARRAY_IDX(intents, i, occi_store_intent *);
        long long now = (long long)apr_time_sec(apr_time_now());
        long long claim_now = now;
        apr_pool_t *one;
        outcome result;

        if (intent->holder && intent->lease_until >= now) {
            if (!occi_holder_died_here(intent->holder, context->holder)) {
                continue;                  /* in progress */
            }
            /* Gone without waiting for the lease: the claim holds only if
             * nobody renewed it meanwhile. */
            claim_now = intent->lease_until + 1;
        }
        status = occi_store_claim_intent(context->store, intent->id, context->holder,
                                         now + OCCI_CHANGE_LEASE_SECONDS, claim_now);
        if (status == OCCI_STORE_CONFLICT || status == OCCI_STORE_NOT_FOUND) {
            status = OCCI_STORE_OK;        /* another took it, or it finished */
            continue;
        }
        if (status != OCCI_STORE_OK) {
            break;
        }
        apr_pool_create(&one, pool);
        result = finish(context, one, intent);
        apr_pool_destroy(one);
        if (result == FINISHED) {
            status = occi_store_delete_intent(context->store, intent->id, context->holder);
            status = status == OCCI_STORE_NOT_FOUND ? OCCI_STORE_OK : status;
            done++;
        }
        else {
            status = occi_store_release_intent(context->store, intent->id, context->holder);
        }
    }
    if (finished) {
        *finished = done;
    }
    return status;
}

const char *occi_changes_renew(occi_store *store, apr_pool_t *pool, const char *holder)
{
    long long until = (long long)apr_time_sec(apr_time_now()) + OCCI_CHANGE_LEASE_SECONDS;

    if (occi_store_renew_intents(store, OCCI_CHANGE_VERB, holder, until) != OCCI_STORE_OK) {
        return apr_pstrdup(pool, occi_store_error(store));
    }
    return NULL;
}

const char *occi_changes_error(const occi_recovery_context *context)
{
    return occi_store_error(context->store);
}
