/* SPDX-License-Identifier: Apache-2.0 */
/* The service layer's changes (create with inline links, delete with the
 * links that depend on what goes, actions, updates) while the store fails
 * at each of its calls in turn, at the commit, and while the hypervisor
 * refuses each of its calls in turn. Each run checks what the user is
 * told, and that nothing is half made: the rows and the hypervisor's
 * objects are as they were before, or, where the change went through, as
 * a clean run leaves them; no transaction is left open; an intent is left
 * only for recovery to finish, which then leaves things whole.
 *
 * On SQLite in a temporary directory, and on PostgreSQL too when
 * OCCI_TEST_PGSQL holds connection parameters ("host=127.0.0.1 port=15432
 * dbname=occi user=occi password=occi"; every row of the store's tables in
 * that database is deleted first). */
#include <stdlib.h>
#include <unistd.h>
#include <apr_dbd.h>
#include <apr_file_io.h>
#include <apr_hash.h>

#include "tap.h"
#include "databases.h"
#include "fixtures.h"
#include "fault_store.h"
#include "occi_hosts.h"
#include "occi_recovery.h"
#include "occi_service.h"
#include "occi_state.h"
#include "occi_store.h"
#include "occi_unmanaged.h"
#include "occi_validate.h"

#define COMPUTE OCCI_SCHEME_INFRA "compute"
#define NETWORK OCCI_SCHEME_INFRA "network"
#define STORAGE OCCI_SCHEME_INFRA "storage"
#define STORAGELINK OCCI_SCHEME_INFRA "storagelink"
#define NETIF OCCI_SCHEME_INFRA "networkinterface"
#define START "http://schemas.ogf.org/occi/infrastructure/compute/action#start"
#define TAG_SCHEME "http://example.com/user/alice#"
#define TAG TAG_SCHEME "tag"
#define SAVED_SCHEME "http://example.com/occi/saved_os_tpl#"

#define R1 "10000000-0000-4000-8000-000000000001"
#define R2 "10000000-0000-4000-8000-000000000002"
#define R3 "10000000-0000-4000-8000-000000000003"
#define L1 "20000000-0000-4000-8000-000000000001"

/* The holder of the changes under test: a process of this node that is
 * gone (no pid is that large), so that recovery may take its intents at
 * once instead of waiting for their leases to run out. */
#define DEAD_HOLDER "test-node 2147480000"
#define HYPERVISOR_URI "fake:///"


/* ---- A fake hypervisor that keeps its objects ------------------------ */

typedef struct {
    const occi_model *model;
    apr_pool_t *pool;
    apr_hash_t *objects;              /* key -> definition */
    apr_hash_t *states;               /* resource id -> state an action left */
    int calls;                        /* changing calls made since the reset */
    int refuse_at;                    /* the changing call to refuse; 0: none */
    /* Called by a migration from this host before it moves anything: a
     * request that meets it there. */
    void (*during_migrate)(void *baton);
    void *baton;
} fake_hv;

/* A resource is its id; a link is the device it adds to its source. */
static const char *object_key(fake_hv *hv, const occi_entity *entity)
{
    return occi_kind_is_link(hv->model, entity->kind)
           ? apr_pstrcat(hv->pool, "device ", entity->id, NULL) : entity->id;
}

static const char *object_definition(fake_hv *hv, const occi_entity *entity)
{
    const occi_value *cores = occi_entity_get(entity, "occi.compute.cores");
    const char *kind = strchr(entity->kind, '#') ? strchr(entity->kind, '#') + 1 : entity->kind;

    if (occi_kind_is_link(hv->model, entity->kind)) {
        const char *target = occi_entity_get_string(entity, "occi.core.target");

        return apr_psprintf(hv->pool, "%s to %s", kind, target ? target : "-");
    }
    if (cores && cores->type == OCCI_TYPE_INTEGER) {
        return apr_psprintf(hv->pool, "%s cores=%" APR_INT64_T_FMT, kind,
                            (apr_int64_t)cores->integer);
    }
    return apr_pstrdup(hv->pool, kind);
}

static void hv_put(fake_hv *hv, const occi_entity *entity)
{
    apr_hash_set(hv->objects, object_key(hv, entity), APR_HASH_KEY_STRING,
                 object_definition(hv, entity));
}

static void hv_clear(fake_hv *hv)
{
    apr_hash_clear(hv->objects);
    apr_hash_clear(hv->states);
    hv->calls = 0;
    hv->refuse_at = 0;
}

/* Counts a changing call; true when it is the one to refuse. */
static int hv_refuses(fake_hv *hv, occi_hv_error *error)
{
    if (++hv->calls != hv->refuse_at) {
        error->status = OCCI_HV_OK;
        error->message = NULL;
        return 0;
    }
    error->status = OCCI_HV_CONFLICT;
    error->message = apr_psprintf(hv->pool, "the fake hypervisor refuses (call %d)", hv->calls);
    return 1;
}

static occi_hv_status hv_fail(occi_hv_error *error, const char *message)
{
    error->status = OCCI_HV_FAILED;
    error->message = message;
    return error->status;
}

static occi_hv_status fake_observe(void *impl, apr_pool_t *pool, apr_array_header_t *entities,
                                   occi_hv_error *error)
{
    fake_hv *hv = impl;
    int i;

    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        const char *state = apr_hash_get(hv->states, entity->id, APR_HASH_KEY_STRING);
        const char *attribute = occi_state_attribute(entity->kind);

        if (state && attribute) {
            occi_entity_set_string(pool, entity, attribute, state);
        }
    }
    error->status = OCCI_HV_OK;
    error->message = NULL;
    return OCCI_HV_OK;
}

static occi_hv_status fake_create(void *impl, apr_pool_t *pool, occi_entity *entity,
                                  const occi_entity *source, const occi_entity *target,
                                  occi_hv_error *error)
{
    fake_hv *hv = impl;
    const char *key = object_key(hv, entity);

    (void)pool;
    (void)source;
    (void)target;
    if (hv_refuses(hv, error)) {
        return error->status;
    }
    /* Made twice would be a leak the real hypervisor refuses too. */
    if (apr_hash_get(hv->objects, key, APR_HASH_KEY_STRING)) {
        return hv_fail(error, apr_psprintf(hv->pool, "%s exists already", key));
    }
    hv_put(hv, entity);
    return OCCI_HV_OK;
}

static occi_hv_status fake_delete(void *impl, apr_pool_t *pool, const occi_entity *entity,
                                  const occi_entity *source, occi_hv_error *error)
{
    fake_hv *hv = impl;

    (void)pool;
    (void)source;
    if (hv_refuses(hv, error)) {
        return error->status;
    }
    /* Already gone is not an error, as with libvirt. */
    apr_hash_set(hv->objects, object_key(hv, entity), APR_HASH_KEY_STRING, NULL);
    apr_hash_set(hv->states, entity->id, APR_HASH_KEY_STRING, NULL);
    return OCCI_HV_OK;
}

static occi_hv_status fake_act(void *impl, apr_pool_t *pool, occi_entity *entity,
                               const char *action, const apr_array_header_t *parameters,
                               occi_hv_error *error)
{
    fake_hv *hv = impl;

    (void)action;
    (void)parameters;
    if (hv_refuses(hv, error)) {
        return error->status;
    }
    if (!apr_hash_get(hv->objects, object_key(hv, entity), APR_HASH_KEY_STRING)) {
        return hv_fail(error, apr_psprintf(hv->pool, "no object for %s", entity->id));
    }
    apr_hash_set(hv->states, apr_pstrdup(hv->pool, entity->id), APR_HASH_KEY_STRING, "active");
    occi_entity_set_string(pool, entity, "occi.compute.state", "active");
    return OCCI_HV_OK;
}

static occi_hv_status fake_update(void *impl, apr_pool_t *pool, const occi_entity *current,
                                  occi_entity *updated, occi_hv_error *error)
{
    fake_hv *hv = impl;

    (void)pool;
    (void)current;
    if (hv_refuses(hv, error)) {
        return error->status;
    }
    if (!apr_hash_get(hv->objects, object_key(hv, updated), APR_HASH_KEY_STRING)) {
        return hv_fail(error, apr_psprintf(hv->pool, "no object for %s", updated->id));
    }
    hv_put(hv, updated);
    return OCCI_HV_OK;
}

static int fake_can_save(const void *impl, const occi_entity *compute)
{
    (void)impl;
    (void)compute;
    return 1;
}

/* A saved image is an object "image <term>", copied from its compute. */
static occi_hv_status fake_save(void *impl, apr_pool_t *pool, const occi_entity *compute,
                                const char *term, const char *method, int *later,
                                occi_hv_error *error)
{
    fake_hv *hv = impl;

    (void)pool;
    (void)method;
    *later = 0;
    if (hv_refuses(hv, error)) {
        return error->status;
    }
    if (!apr_hash_get(hv->objects, object_key(hv, compute), APR_HASH_KEY_STRING)) {
        return hv_fail(error, apr_psprintf(hv->pool, "no object for %s", compute->id));
    }
    apr_hash_set(hv->objects, apr_pstrcat(hv->pool, "image ", term, NULL), APR_HASH_KEY_STRING,
                 apr_pstrcat(hv->pool, "copy of ", compute->id, NULL));
    return OCCI_HV_OK;
}

static occi_hv_status fake_delete_saved(void *impl, apr_pool_t *pool, const char *term,
                                        occi_hv_error *error)
{
    fake_hv *hv = impl;

    (void)pool;
    if (hv_refuses(hv, error)) {
        return error->status;
    }
    apr_hash_set(hv->objects, apr_pstrcat(hv->pool, "image ", term, NULL), APR_HASH_KEY_STRING,
                 NULL);
    return OCCI_HV_OK;
}

/* Its computes, as domains: the recovery of a migration asks where one
 * is. */
static occi_hv_status fake_list(void *impl, apr_pool_t *pool, apr_array_header_t **objects,
                                occi_hv_error *error)
{
    fake_hv *hv = impl;
    apr_hash_index_t *at;

    *objects = apr_array_make(pool, 0, sizeof(occi_hv_object));
    for (at = apr_hash_first(pool, hv->objects); at; at = apr_hash_next(at)) {
        const void *key;
        void *definition;

        apr_hash_this(at, &key, NULL, &definition);
        if (!strncmp(definition, "compute", 7)) {
            occi_hv_object *object = apr_array_push(*objects);

            object->type = "domain";
            object->name = apr_pstrcat(pool, "occi-", (const char *)key, NULL);
            object->kind = "compute";
            object->id = apr_pstrdup(pool, key);
        }
    }
    error->status = OCCI_HV_OK;
    error->message = NULL;
    return OCCI_HV_OK;
}

/* Room for anything the tests make. */
static occi_hv_status fake_capacity(void *impl, apr_pool_t *pool, occi_hv_capacity *capacity,
                                    occi_hv_error *error)
{
    (void)impl;
    (void)pool;
    (void)error;
    capacity->cores = 64;
    capacity->memory_mib = 65536;
    capacity->disk_capacity_mib = capacity->disk_available_mib = 1048576;
    return OCCI_HV_OK;
}

static const occi_hypervisor_provider fake_provider;

/* The compute's objects, its links' devices and its storages move from
 * one fake host to the other, in one call that the test may refuse. */
static occi_hv_status fake_migrate(void *impl, apr_pool_t *pool, const occi_entity *compute,
                                   const apr_array_header_t *storages, occi_hypervisor *target,
                                   occi_hv_error *error)
{
    fake_hv *hv = impl, *to = occi_hypervisor_impl_of(target, &fake_provider);
    apr_array_header_t *keys = apr_array_make(pool, 4, sizeof(const char *));
    int i;

    if (hv_refuses(hv, error)) {
        return error->status;
    }
    if (hv->during_migrate) {
        void (*during)(void *) = hv->during_migrate;

        hv->during_migrate = NULL;
        during(hv->baton);
    }
    APR_ARRAY_PUSH(keys, const char *) = object_key(hv, compute);
    for (i = 0; i < compute->links->nelts; i++) {
        APR_ARRAY_PUSH(keys, const char *) = object_key(hv, APR_ARRAY_IDX(compute->links, i,
                                                                          occi_entity *));
    }
    for (i = 0; i < storages->nelts; i++) {
        APR_ARRAY_PUSH(keys, const char *) = object_key(hv, APR_ARRAY_IDX(storages, i,
                                                                          occi_entity *));
    }
    for (i = 0; i < keys->nelts; i++) {
        const char *key = APR_ARRAY_IDX(keys, i, const char *);
        const char *definition = apr_hash_get(hv->objects, key, APR_HASH_KEY_STRING);

        if (!definition) {
            return hv_fail(error, apr_psprintf(hv->pool, "no object %s to migrate", key));
        }
        apr_hash_set(to->objects, apr_pstrdup(to->pool, key), APR_HASH_KEY_STRING,
                     apr_pstrdup(to->pool, definition));
        apr_hash_set(hv->objects, key, APR_HASH_KEY_STRING, NULL);
    }
    return OCCI_HV_OK;
}

static const occi_hypervisor_provider fake_provider = {
    "fake", fake_observe, fake_create, fake_delete, fake_act, fake_update, fake_can_save,
    fake_save, fake_delete_saved, fake_list, fake_capacity, NULL, fake_migrate,
    NULL,       /* networks need no joining */
    NULL,       /* no screen */
    NULL,       /* no usage told */
};

/* ---- The database ------------------------------------------------------ */

/* Connects, brings the schema up to date, empties it and opens the store. */
static int open_database(database *db)
{
    static const char *const tables[] = {
        "occi_attribute", "occi_membership", "occi_entity", "occi_user_mixin", "occi_intent",
        "occi_allocation"
    };
    size_t i;
    int rows;

    if (!open_schema(db)) {
        return 0;
    }
    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        apr_dbd_query(db->driver, db->handle, &rows,
                      apr_pstrcat(db->pool, "DELETE FROM ", tables[i], NULL));
    }
    db->store = occi_store_open(db->pool, db->driver, db->handle, db->prepared);
    return 1;
}

/* ---- Fixtures ------------------------------------------------------------ */

static occi_entity *resource(apr_pool_t *pool, const char *id, const char *kind)
{
    occi_entity *entity = occi_entity_create(pool);

    entity->id = id;
    entity->kind = kind;
    entity->owner = "alice";
    return entity;
}

static occi_entity *interface(apr_pool_t *pool, const char *id, const char *compute,
                              const char *network)
{
    occi_entity *link = resource(pool, id, NETIF);

    occi_entity_set_string(pool, link, "occi.core.source",
                           apr_pstrcat(pool, "/compute/", compute, NULL));
    occi_entity_set_string(pool, link, "occi.core.target",
                           apr_pstrcat(pool, "/network/", network, NULL));
    return link;
}

static void set_cores(occi_entity *entity, long long cores)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_INTEGER;
    value.integer = cores;
    occi_entity_set(entity, "occi.compute.cores", &value);
}

/* ---- What a run sees ----------------------------------------------------- */

typedef struct fixture fixture;

typedef struct {
    const char *name;
    /* Puts the state before the change in the store and on the hypervisor,
     * and makes the change's input. */
    void (*setup)(fixture *f);
    occi_result (*run)(fixture *f);
    /* A failure may leave the change's intent for recovery: a deletion
     * cannot put back what the hypervisor has removed already, nor the
     * store's failure bring back a compute the hypervisor has migrated. */
    int failure_leaves_intent;
    /* The hypervisor's part comes after the commit (a saved template's
     * image): a refusal leaves the change done, and the rest to
     * recovery. */
    int hypervisor_after_commit;
    /* Runs on two hosts (ha, the fake hypervisor hv, and hb, hv_b). */
    int two_hosts;
    /* Its intent is written in the transaction of its first change (a
     * migration's, with the room it takes): a refused intent is a refused
     * change, told as the store's failure. */
    int intent_in_transaction;
} scenario;

struct fixture {
    database *db;
    fake_hv hv;
    fake_hv hv_b;                      /* host hb's, in the two hosts' scenarios */
    occi_hypervisor *single, *hosts;   /* the service's hypervisor, as the scenario says */
    fault_store *fault;
    occi_service service;
    apr_pool_t *pool;                  /* the run's */
    apr_array_header_t *entities;      /* the change's input */
    apr_array_header_t *afters;
    occi_entity *current, *changed;
    apr_array_header_t *currents;      /* entities as read, for a membership */
    apr_array_header_t *mixins;        /* occi_category *, for user mixins */
    apr_array_header_t *listed;
};

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *sorted_lines(apr_pool_t *pool, apr_array_header_t *lines, char separator)
{
    qsort(lines->elts, (size_t)lines->nelts, sizeof(const char *), compare_strings);
    return apr_array_pstrcat(pool, lines, separator);
}

/* Prints a text of several lines as TAP diagnostics. */
static void diagnose(const char *title, const char *text)
{
    printf("#   %s\n#     ", title);
    for (; text && *text; text++) {
        if (*text == '\n') {
            fputs("\n#     ", stdout);
        }
        else {
            putchar(*text);
        }
    }
    putchar('\n');
}

static const char *entity_line(apr_pool_t *pool, const occi_entity *entity)
{
    apr_array_header_t *attributes = apr_array_make(pool, 8, sizeof(const char *));
    int i;

    for (i = 0; i < entity->attributes->nelts; i++) {
        const occi_attribute_value *attribute = &APR_ARRAY_IDX(entity->attributes, i,
                                                               occi_attribute_value);

        APR_ARRAY_PUSH(attributes, const char *) = apr_pstrcat(
            pool, attribute->name, "=", occi_value_to_text(pool, &attribute->value), NULL);
    }
    return apr_psprintf(pool, "%s %s owner=%s host=%s revision=%" APR_INT64_T_FMT
                        " mixins=[%s] {%s}",
                        entity->id, entity->kind, entity->owner,
                        entity->host ? entity->host : "-", (apr_int64_t)entity->revision,
                        apr_array_pstrcat(pool, entity->mixins, ' '),
                        sorted_lines(pool, attributes, ' '));
}

/* text with the random part of each saved template's term ("saved-" and
 * eight characters) as "saved-*", so that runs compare. */
static const char *without_random_terms(apr_pool_t *pool, const char *text)
{
    char *copy = apr_pstrdup(pool, text), *at = copy;

    while ((at = strstr(at, "saved-")) && strlen(at) >= 14) {
        memset(at + 6, '*', 8);
        at += 14;
    }
    return copy;
}

/* The rows (entities and user mixins, read through the real store) and
 * the hypervisor's objects, as text to compare. */
static const char *snapshot(fixture *f)
{
    occi_store *store = f->db->store;
    occi_store_query everything;
    apr_array_header_t *entities = NULL, *mixins = NULL, *owners = NULL;
    apr_array_header_t *rows = apr_array_make(f->pool, 8, sizeof(const char *));
    apr_array_header_t *objects = apr_array_make(f->pool, 8, sizeof(const char *));
    apr_hash_index_t *object;
    int i;

    memset(&everything, 0, sizeof(everything));
    if (occi_store_list(store, f->pool, &everything, &entities) != OCCI_STORE_OK
        || occi_store_list_mixins(store, f->pool, NULL, &mixins, &owners) != OCCI_STORE_OK) {
        return apr_pstrcat(f->pool, "the store cannot be read: ", occi_store_error(store), NULL);
    }
    for (i = 0; i < entities->nelts; i++) {
        APR_ARRAY_PUSH(rows, const char *) = without_random_terms(
            f->pool, entity_line(f->pool, APR_ARRAY_IDX(entities, i, occi_entity *)));
    }
    for (i = 0; i < mixins->nelts; i++) {
        APR_ARRAY_PUSH(rows, const char *) = without_random_terms(f->pool, apr_pstrcat(
            f->pool, "user mixin ", occi_category_type_id(f->pool,
                                                          APR_ARRAY_IDX(mixins, i, occi_category *)),
            " of ", APR_ARRAY_IDX(owners, i, const char *), NULL));
    }
    for (object = apr_hash_first(f->pool, f->hv.objects); object; object = apr_hash_next(object)) {
        const void *key;
        void *definition;

        apr_hash_this(object, &key, NULL, &definition);
        APR_ARRAY_PUSH(objects, const char *) = without_random_terms(
            f->pool, apr_pstrcat(f->pool, (const char *)key, ": ", (const char *)definition,
                                 NULL));
    }
    for (object = apr_hash_first(f->pool, f->hv_b.objects); object;
         object = apr_hash_next(object)) {
        const void *key;
        void *definition;

        apr_hash_this(object, &key, NULL, &definition);
        APR_ARRAY_PUSH(objects, const char *) = apr_pstrcat(
            f->pool, "on hb: ", (const char *)key, ": ", (const char *)definition, NULL);
    }
    {
        apr_hash_t *usage;
        apr_hash_index_t *host;

        if (occi_store_host_usage(store, f->pool, &usage) != OCCI_STORE_OK) {
            return apr_pstrcat(f->pool, "the store cannot be read: ", occi_store_error(store),
                               NULL);
        }
        for (host = apr_hash_first(f->pool, usage); host; host = apr_hash_next(host)) {
            const void *name;
            void *value;
            const struct occi_store_host_usage *used;

            apr_hash_this(host, &name, NULL, &value);
            used = value;
            if (used->cores || used->memory_mib || used->disk_mib || used->computes) {
                APR_ARRAY_PUSH(rows, const char *) = apr_psprintf(
                    f->pool, "allocated on %s: cores=%d memory=%" APR_INT64_T_FMT " disk=%"
                    APR_INT64_T_FMT " computes=%d", (const char *)name, used->cores,
                    (apr_int64_t)used->memory_mib, (apr_int64_t)used->disk_mib,
                    used->computes);
            }
        }
    }
    return apr_pstrcat(f->pool, "store:\n", sorted_lines(f->pool, rows, '\n'),
                       "\nhypervisor:\n", sorted_lines(f->pool, objects, '\n'), NULL);
}

static int intents_left(fixture *f)
{
    apr_array_header_t *intents;

    if (occi_store_list_intents(f->db->store, f->pool, OCCI_CHANGE_VERB, NULL, NULL, &intents)
        != OCCI_STORE_OK) {
        return -1;
    }
    return intents->nelts;
}

/* Everything a run leaves. */
typedef struct {
    occi_result result;
    const char *before;
    const char *after;                 /* after recovery, when an intent was left */
    int calls, hv_calls;               /* the store's and the hypervisor's */
    int fired;                         /* the planned failure happened */
    int left_open;                     /* a transaction was left open */
    int intents;                       /* left by the change */
    int recovered;                     /* finished by recovery */
    int intents_after;                 /* left after recovery */
    int hv_refused;                    /* the hypervisor refused a call */
    const char *failed_operation;
} run_report;

/* A run from scratch: the state set up again, then the change, with the
 * store failing at call fail_at of fail_operation (NULL: of any; 0: none)
 * and the hypervisor refusing its refuse_at-th changing call (0: none). */
static run_report run_change(fixture *f, const scenario *s, const char *fail_operation,
                             int fail_at, int refuse_at)
{
    static const char *const tables[] = {
        "occi_attribute", "occi_membership", "occi_entity", "occi_user_mixin", "occi_intent",
        "occi_allocation"
    };
    database *db = f->db;
    occi_recovery_context context;
    run_report report;
    size_t i;
    int rows;

    memset(&report, 0, sizeof(report));
    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        apr_dbd_query(db->driver, db->handle, &rows,
                      apr_pstrcat(f->pool, "DELETE FROM ", tables[i], NULL));
    }
    hv_clear(&f->hv);
    hv_clear(&f->hv_b);
    f->service.hypervisor = s->two_hosts ? f->hosts : f->single;
    s->setup(f);
    report.before = snapshot(f);

    fault_store_reset(f->fault);
    if (fail_at > 0) {
        fault_store_fail(f->fault, fail_operation, fail_at);
    }
    f->hv.calls = 0;
    f->hv.refuse_at = refuse_at;
    report.result = s->run(f);
    f->hv.refuse_at = 0;
    report.calls = fault_store_calls(f->fault);
    report.hv_calls = f->hv.calls;
    report.fired = fail_at > 0 ? fault_store_fired(f->fault) : refuse_at > 0
                   ? f->hv.calls >= refuse_at : 1;
    report.hv_refused = refuse_at > 0 && f->hv.calls >= refuse_at;
    report.failed_operation = fail_operation ? fail_operation
                              : fault_store_operation(f->fault, fail_at);
    report.left_open = fault_store_in_transaction(f->fault);
    if (report.left_open) {
        occi_store_rollback(f->service.store);
    }
    fault_store_reset(f->fault);

    report.intents = intents_left(f);
    if (report.intents != 0) {
        /* Another process of this node finds the change's process gone. */
        memset(&context, 0, sizeof(context));
        context.store = db->store;
        context.hypervisor = f->service.hypervisor;
        context.model = f->service.model;
        context.hypervisor_uri = HYPERVISOR_URI;
        context.holder = occi_holder_name(f->pool, "test-node", "recovery");
        occi_changes_recover(&context, f->pool, &report.recovered);
    }
    report.intents_after = intents_left(f);
    report.after = snapshot(f);
    return report;
}

/* The expectations of one run, given a clean run's states before and
 * after: three checks, named after label. */
static void check_run(fixture *f, const scenario *s, const char *label, const run_report *r,
                      const run_report *clean, int told)
{
    const char *name = apr_psprintf(f->pool, "%s: %s: %s", f->db->name, s->name, label);
    int whole, intent_meant;

    if (!tap_ok(r->fired && told, apr_pstrcat(f->pool, name, ": the user is told", NULL))) {
        printf("#   failure happened: %d; result %d (OCCI%d): %s\n", r->fired, r->result.cls,
               r->result.number, r->result.message ? r->result.message : "(none)");
    }
    /* Done whole, or not at all; what recovery finishes counts as done. */
    if (r->result.cls == OCCI_RESULT_OK) {
        whole = !strcmp(r->after, clean->after);
    }
    else if (r->intents == 0) {
        whole = !strcmp(r->after, clean->before);
    }
    else {
        whole = !strcmp(r->after, clean->before) || !strcmp(r->after, clean->after);
    }
    if (!tap_ok(!strcmp(r->before, clean->before) && whole,
                apr_pstrcat(f->pool, name, r->intents ? ": nothing is half made once recovery "
                                                        "has run"
                                                      : ": nothing is half made", NULL))) {
        printf("#   result %d: %s\n", r->result.cls, r->result.message ? r->result.message : "");
        diagnose("got:", r->after);
        diagnose("before:", clean->before);
        diagnose("after a clean run:", clean->after);
    }
    /* Left only on purpose: by a deletion that failed, or by an intent's
     * own deletion failing at the end of the change. */
    intent_meant = (s->failure_leaves_intent && r->result.cls != OCCI_RESULT_OK)
                   || (r->failed_operation && !strcmp(r->failed_operation, "delete_intent"))
                   || (s->hypervisor_after_commit && r->hv_refused);
    if (!tap_ok(!r->left_open && r->intents_after == 0
                && (r->intents == 0 || (intent_meant && r->recovered == r->intents)),
                apr_pstrcat(f->pool, name, ": no transaction or intent is left", NULL))) {
        printf("#   left open: %d; intents: %d, finished by recovery: %d, left: %d\n",
               r->left_open, r->intents, r->recovered, r->intents_after);
    }
    else if (r->intents) {
        printf("#   its intent was left, and recovery finished it\n");
    }
}

/* Whether a result tells a store failure as the user should see it: an
 * injected failure is a failure of the store, with its words, except where
 * the design goes on without the store's help. */
static int told_store_failure(const scenario *s, const run_report *r)
{
    const char *operation = r->failed_operation ? r->failed_operation : "";
    const occi_result *result = &r->result;

    if (s->intent_in_transaction && !strcmp(operation, "insert_intent")) {
        return result->cls == OCCI_RESULT_STORE_FAILED && result->message
               && strstr(result->message, "injected failure");
    }
    /* The intent is a safety net: a change goes on without one when the
     * store refuses to record it (occi_change_begin), its detail is not
     * rewritten when the store refuses, and one left behind at the end is
     * found done by recovery. */
    if (!strcmp(operation, "insert_intent") || !strcmp(operation, "set_intent_detail")) {
        return result->cls == OCCI_RESULT_OK;
    }
    /* A creation deletes its intent inside its own transaction (the
     * intent goes with the commit): a failure there fails the creation,
     * which is undone; elsewhere the intent is deleted after the commit,
     * and a failure leaves it for recovery to find done. */
    if (!strcmp(operation, "delete_intent")) {
        return result->cls == OCCI_RESULT_OK
               || (result->cls == OCCI_RESULT_STORE_FAILED && result->message
                   && strstr(result->message, "injected failure"));
    }
    /* A claim that fails is taken for a lease lost to another process
     * (occi_change_kept): the change is not committed, and the user is told
     * to read the entity to see what happened. */
    if (!strcmp(operation, "claim_intent")) {
        return result->cls == OCCI_RESULT_UNAVAILABLE && result->message && *result->message;
    }
    return result->cls == OCCI_RESULT_STORE_FAILED && result->number > 0 && result->message
           && strstr(result->message, "injected failure");
}

static void run_scenario(fixture *f, const scenario *s)
{
    run_report clean, r;
    int i;

    clean = run_change(f, s, NULL, 0, 0);
    if (!tap_ok(clean.result.cls == OCCI_RESULT_OK && clean.intents == 0 && !clean.left_open
                && clean.calls > 0 && strcmp(clean.before, clean.after),
                apr_psprintf(f->pool, "%s: %s: a clean run succeeds (%d store calls, %d "
                             "hypervisor calls)", f->db->name, s->name, clean.calls,
                             clean.hv_calls))) {
        printf("#   result %d: %s; intents left %d\n", clean.result.cls,
               clean.result.message ? clean.result.message : "", clean.intents);
        return;
    }
    for (i = 1; i <= clean.calls; i++) {
        r = run_change(f, s, NULL, i, 0);
        check_run(f, s, apr_psprintf(f->pool, "the store fails at call %d of %d (%s)", i,
                                     clean.calls, r.failed_operation ? r.failed_operation : "?"),
                  &r, &clean, told_store_failure(s, &r));
    }
    r = run_change(f, s, "commit", 1, 0);
    check_run(f, s, "the commit fails", &r, &clean,
              r.result.cls == OCCI_RESULT_STORE_FAILED && r.result.message
              && strstr(r.result.message, "injected failure at commit"));
    for (i = 1; i <= clean.hv_calls; i++) {
        r = run_change(f, s, NULL, 0, i);
        check_run(f, s, apr_psprintf(f->pool, "the hypervisor refuses call %d of %d", i,
                                     clean.hv_calls), &r, &clean,
                  s->hypervisor_after_commit ? r.result.cls == OCCI_RESULT_OK
                  : r.result.cls == OCCI_RESULT_CONFLICT && r.result.message
                    && strstr(r.result.message, "fake hypervisor refuses"));
    }
}

/* ---- The changes --------------------------------------------------------- */

static void put(fixture *f, occi_entity *entity)
{
    occi_store_insert(f->db->store, entity);
    hv_put(&f->hv, entity);
}

static occi_entity *read_back(fixture *f, const char *id)
{
    occi_entity *entity = NULL;

    occi_store_get(f->db->store, f->pool, id, "alice", &entity);
    return entity;
}

static void put_user_mixin(fixture *f)
{
    occi_category *mixin = apr_pcalloc(f->pool, sizeof(*mixin));

    mixin->cls = OCCI_CLASS_MIXIN;
    mixin->scheme = TAG_SCHEME;
    mixin->term = "tag";
    mixin->title = "a tag of alice's";
    mixin->location = "/tag/";
    occi_store_insert_mixin(f->db->store, mixin, "alice");
}

/* A network and alice's mixin; the change creates a compute that is a
 * member of the mixin, with an inline network interface to the network. */
static void setup_create(fixture *f)
{
    occi_entity *vm = resource(f->pool, R1, COMPUTE);

    put_user_mixin(f);
    put(f, resource(f->pool, R3, NETWORK));
    set_cores(vm, 2);
    APR_ARRAY_PUSH(vm->mixins, const char *) = TAG;
    APR_ARRAY_PUSH(vm->links, occi_entity *) = interface(f->pool, L1, R1, R3);
    f->entities = apr_array_make(f->pool, 1, sizeof(occi_entity *));
    APR_ARRAY_PUSH(f->entities, occi_entity *) = vm;
}

static occi_result run_create(fixture *f)
{
    return occi_service_create(&f->service, f->pool, f->entities);
}

/* A compute with a network interface to a network. */
static void setup_linked(fixture *f)
{
    occi_entity *vm = resource(f->pool, R1, COMPUTE);

    set_cores(vm, 2);
    put(f, vm);
    put(f, resource(f->pool, R3, NETWORK));
    put(f, interface(f->pool, L1, R1, R3));
}

/* The network goes, and with it the interface that points at it. */
static void setup_delete_network(fixture *f)
{
    setup_linked(f);
    f->entities = apr_array_make(f->pool, 1, sizeof(occi_entity *));
    APR_ARRAY_PUSH(f->entities, occi_entity *) = read_back(f, R3);
}

/* The compute goes, and with it the interface that starts at it. */
static void setup_delete_compute(fixture *f)
{
    setup_linked(f);
    f->entities = apr_array_make(f->pool, 1, sizeof(occi_entity *));
    APR_ARRAY_PUSH(f->entities, occi_entity *) = read_back(f, R1);
}

static occi_result run_delete(fixture *f)
{
    return occi_service_delete(&f->service, f->pool, f->entities, 0);
}

/* Two computes, started together. */
static void setup_act(fixture *f)
{
    put(f, resource(f->pool, R1, COMPUTE));
    put(f, resource(f->pool, R2, COMPUTE));
    f->entities = apr_array_make(f->pool, 2, sizeof(occi_entity *));
    APR_ARRAY_PUSH(f->entities, occi_entity *) = read_back(f, R1);
    APR_ARRAY_PUSH(f->entities, occi_entity *) = read_back(f, R2);
    f->afters = apr_array_make(f->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(f->afters, const char *) = "active";
    APR_ARRAY_PUSH(f->afters, const char *) = "active";
}

static occi_result run_act(fixture *f)
{
    return occi_service_act(&f->service, f->pool, f->entities, START, NULL, f->afters);
}

/* A linked compute given more cores and alice's mixin. */
static void setup_update(fixture *f)
{
    put_user_mixin(f);
    setup_linked(f);
    f->current = read_back(f, R1);
    f->changed = occi_entity_copy(f->pool, f->current);
    set_cores(f->changed, 4);
    APR_ARRAY_PUSH(f->changed->mixins, const char *) = TAG;
}

static occi_result run_update(fixture *f)
{
    return occi_service_update(&f->service, f->pool, f->current, f->changed, "updated");
}

/* Two computes join a resource template's collection with more cores. */
static void setup_membership(fixture *f)
{
    int i;

    put_user_mixin(f);
    put(f, resource(f->pool, R1, COMPUTE));
    put(f, resource(f->pool, R2, COMPUTE));
    f->currents = apr_array_make(f->pool, 2, sizeof(occi_entity *));
    f->entities = apr_array_make(f->pool, 2, sizeof(occi_entity *));
    for (i = 0; i < 2; i++) {
        occi_entity *current = read_back(f, i ? R2 : R1);
        occi_entity *changed = occi_entity_copy(f->pool, current);

        set_cores(changed, 4);
        APR_ARRAY_PUSH(changed->mixins, const char *) = TAG;
        APR_ARRAY_PUSH(f->currents, occi_entity *) = current;
        APR_ARRAY_PUSH(f->entities, occi_entity *) = changed;
    }
}

static occi_result run_membership(fixture *f)
{
    return occi_service_update_all(&f->service, f->pool, f->currents, f->entities);
}

/* Two computes saved at once. */
static void setup_save(fixture *f)
{
    put(f, resource(f->pool, R1, COMPUTE));
    put(f, resource(f->pool, R2, COMPUTE));
    f->entities = apr_array_make(f->pool, 2, sizeof(occi_entity *));
    APR_ARRAY_PUSH(f->entities, occi_entity *) = read_back(f, R1);
    APR_ARRAY_PUSH(f->entities, occi_entity *) = read_back(f, R2);
}

static occi_result run_save(fixture *f)
{
    apr_array_header_t *templates;

    return occi_service_save(&f->service, f->pool, f->entities, NULL, NULL, &templates);
}

static occi_category *saved_template(fixture *f, const char *term)
{
    occi_category *mixin = apr_pcalloc(f->pool, sizeof(*mixin));

    mixin->cls = OCCI_CLASS_MIXIN;
    mixin->scheme = SAVED_SCHEME;
    mixin->term = term;
    mixin->title = "a saved template";
    mixin->location = apr_pstrcat(f->pool, "/mixin/os_tpl/", term, "/", NULL);
    return mixin;
}

/* Two user mixins defined at once, beside one alice has. */
static void setup_define_mixins(fixture *f)
{
    occi_category *red = apr_pcalloc(f->pool, sizeof(*red));

    put_user_mixin(f);
    red->cls = OCCI_CLASS_MIXIN;
    red->scheme = TAG_SCHEME;
    red->term = "red";
    red->location = "/red/";
    f->mixins = apr_array_make(f->pool, 2, sizeof(occi_category *));
    APR_ARRAY_PUSH(f->mixins, occi_category *) = red;
    APR_ARRAY_PUSH(f->mixins, occi_category *) = saved_template(f, "saved-00000001");
}

static occi_result run_define_mixins(fixture *f)
{
    return occi_service_define_mixins(&f->service, f->pool, f->mixins);
}

/* A tag and a saved template (with its image) deleted at once. */
static void setup_delete_mixins(fixture *f)
{
    put_user_mixin(f);
    occi_store_insert_mixin(f->db->store, saved_template(f, "saved-00000002"), "alice");
    apr_hash_set(f->hv.objects, "image saved-00000002", APR_HASH_KEY_STRING, "copy of " R1);
    f->mixins = apr_array_make(f->pool, 2, sizeof(occi_category *));
    APR_ARRAY_PUSH(f->mixins, occi_category *) = saved_template(f, "saved-00000002");
    occi_store_list_mixins(f->db->store, f->pool, "alice", &f->listed, NULL);
    APR_ARRAY_PUSH(f->mixins, occi_category *) = APR_ARRAY_IDX(f->listed, 0, occi_category *);
}

static occi_result run_delete_mixins(fixture *f)
{
    return occi_service_delete_mixins(&f->service, f->pool, f->mixins);
}

/* A compute on host ha with a storage it alone uses, moved to hb. */
static void setup_migrate(fixture *f)
{
    occi_entity *vm = resource(f->pool, R1, COMPUTE), *disk = resource(f->pool, R2, STORAGE);
    occi_entity *link = resource(f->pool, L1, STORAGELINK);
    occi_store_allocation allocation;

    set_cores(vm, 2);
    occi_entity_set_string(f->pool, link, "occi.core.source", "/compute/" R1);
    occi_entity_set_string(f->pool, link, "occi.core.target", "/storage/" R2);
    vm->host = disk->host = link->host = "ha";
    put(f, vm);
    put(f, disk);
    put(f, link);
    memset(&allocation, 0, sizeof(allocation));
    allocation.entity_id = R1;
    allocation.host = "ha";
    allocation.kind = COMPUTE;
    allocation.owner = "alice";
    allocation.cores = 2;
    allocation.memory_mib = 1024;
    occi_store_allocate(f->db->store, &allocation);
    allocation.entity_id = R2;
    allocation.kind = STORAGE;
    allocation.cores = 0;
    allocation.memory_mib = 0;
    allocation.disk_mib = 2048;
    occi_store_allocate(f->db->store, &allocation);
    f->current = read_back(f, R1);
}

static occi_result run_migrate(fixture *f)
{
    const char *to;

    return occi_service_migrate(&f->service, f->pool, f->current, "hb", &to);
}

static const scenario scenarios[] = {
    { "create with an inline link", setup_create, run_create, 0, 0, 0, 0 },
    { "delete of a network with a link to it", setup_delete_network, run_delete, 1, 0, 0, 0 },
    { "delete of a compute with a link from it", setup_delete_compute, run_delete, 1, 0, 0, 0 },
    { "action on two computes", setup_act, run_act, 0, 0, 0, 0 },
    { "update", setup_update, run_update, 0, 0, 0, 0 },
    { "membership of two computes that resizes them", setup_membership, run_membership, 0, 0, 0, 0 },
    { "save of two computes", setup_save, run_save, 0, 0, 0, 0 },
    { "definition of two user mixins", setup_define_mixins, run_define_mixins, 0, 0, 0, 0 },
    { "deletion of a tag and a saved template", setup_delete_mixins, run_delete_mixins, 0, 1, 0, 0 },
    { "migration of a compute with its storage", setup_migrate, run_migrate, 1, 0, 1, 1 },
};

/* A second migration of the compute, asked while the first one moves it:
 * it read the compute on ha, as the first did. */
typedef struct {
    fixture *f;
    occi_entity *as_read;
    occi_result result;
    const char *to;
} second_migration;

static void migrate_again(void *baton)
{
    second_migration *second = baton;

    second->to = NULL;
    second->result = occi_service_migrate(&second->f->service, second->f->pool,
                                          second->as_read, NULL, &second->to);
}

/* Two administrators migrate one compute at once, each having read it on
 * ha; the second asks while the first is moving it (the fake host calls
 * back). The second must be refused without touching the first's room,
 * and the compute end on hb once, with its room there. */
static void test_migration_during_migration(fixture *f)
{
    const char *name = apr_psprintf(f->pool, "%s: a migration asked during another",
                                    f->db->name);
    second_migration second;
    occi_store_allocation *held = NULL;
    occi_result first;
    const char *before;

    static const char *const tables[] = {
        "occi_attribute", "occi_membership", "occi_entity", "occi_intent", "occi_allocation"
    };
    size_t i;
    int rows;

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        apr_dbd_query(f->db->driver, f->db->handle, &rows,
                      apr_pstrcat(f->pool, "DELETE FROM ", tables[i], NULL));
    }
    hv_clear(&f->hv);
    hv_clear(&f->hv_b);
    f->service.hypervisor = f->hosts;
    setup_migrate(f);
    memset(&second, 0, sizeof(second));
    second.f = f;
    before = snapshot(f);
    second.as_read = f->current;
    f->hv.during_migrate = migrate_again;
    f->hv.baton = &second;
    first = run_migrate(f);
    f->hv.during_migrate = NULL;

    if (!tap_ok(first.cls == OCCI_RESULT_OK,
                apr_pstrcat(f->pool, name, ": the first one moves it", NULL))) {
        printf("#   %d: %s\n", first.cls, first.message ? first.message : "");
    }
    if (!tap_ok(second.result.cls == OCCI_RESULT_CONFLICT && second.result.number == 165
                && second.result.message
                && strstr(second.result.message, "being migrated to hb"),
                apr_pstrcat(f->pool, name, ": the second is told 409, the compute being "
                                           "migrated to hb", NULL))) {
        printf("#   %d (OCCI%d): %s\n", second.result.cls, second.result.number,
               second.result.message ? second.result.message : "");
    }
    tap_ok(!strcmp(read_back(f, R1)->host, "hb")
           && occi_store_get_allocation(f->db->store, f->pool, R1, &held) == OCCI_STORE_OK
           && !strcmp(held->host, "hb")
           && apr_hash_get(f->hv_b.objects, R1, APR_HASH_KEY_STRING)
           && !apr_hash_get(f->hv.objects, R1, APR_HASH_KEY_STRING),
           apr_pstrcat(f->pool, name, ": the compute, its room and its domain are on hb, "
                                      "once", NULL));
    tap_ok(intents_left(f) == 0 && strcmp(snapshot(f), before),
           apr_pstrcat(f->pool, name, ": no intent is left", NULL));
}

/* A saved template that computes use is not deleted, and the refusal
 * says how many use it. */
static void test_template_in_use(fixture *f)
{
    const char *name = apr_psprintf(f->pool, "%s: deleting a saved template two computes use",
                                    f->db->name);
    static const char *const tables[] = { "occi_attribute", "occi_membership", "occi_entity",
                                          "occi_intent", "occi_allocation", "occi_user_mixin" };
    const char *type_id = SAVED_SCHEME "saved-00000003";
    const char *ids[] = { R1, R2 };
    occi_result r;
    size_t i;
    int rows;

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        apr_dbd_query(f->db->driver, f->db->handle, &rows,
                      apr_pstrcat(f->pool, "DELETE FROM ", tables[i], NULL));
    }
    occi_store_insert_mixin(f->db->store, saved_template(f, "saved-00000003"), "alice");
    for (i = 0; i < 2; i++) {
        occi_entity *vm = resource(f->pool, ids[i], COMPUTE);

        APR_ARRAY_PUSH(vm->mixins, const char *) = type_id;
        occi_store_insert(f->db->store, vm);
    }
    f->mixins = apr_array_make(f->pool, 1, sizeof(occi_category *));
    APR_ARRAY_PUSH(f->mixins, occi_category *) = saved_template(f, "saved-00000003");
    r = occi_service_delete_mixins(&f->service, f->pool, f->mixins);
    if (!tap_ok(r.cls == OCCI_RESULT_CONFLICT && r.number == 141 && r.message
                && strstr(r.message, " is the OS template of 2 compute(s): delete them first"),
                apr_pstrcat(f->pool, name, ": 409 saying how many use it", NULL))) {
        printf("#   %d (OCCI%d): %s\n", r.cls, r.number, r.message ? r.message : "");
    }
}

static void run(database *db)
{
    fixture f;
    size_t i;

    memset(&f, 0, sizeof(f));
    f.db = db;
    f.hv.model = test_model(db->pool);
    f.hv.pool = db->pool;
    f.hv.objects = apr_hash_make(db->pool);
    f.hv.states = apr_hash_make(db->pool);
    f.fault = fault_store_wrap(db->pool, db->store);
    f.service.store = fault_store_store(f.fault);
    f.hv_b = f.hv;
    f.hv_b.objects = apr_hash_make(db->pool);
    f.hv_b.states = apr_hash_make(db->pool);
    f.single = occi_hypervisor_make(db->pool, &fake_provider, &f.hv);
    {
        apr_array_header_t *hosts = apr_array_make(db->pool, 2, sizeof(occi_host));
        occi_host *host = apr_array_push(hosts);

        memset(host, 0, sizeof(*host));
        host->name = "ha";
        host->hypervisor = f.single;
        host = apr_array_push(hosts);
        memset(host, 0, sizeof(*host));
        host->name = "hb";
        host->hypervisor = occi_hypervisor_make(db->pool, &fake_provider, &f.hv_b);
        f.hosts = occi_hosts_create(db->pool, hosts, NULL);
    }
    f.service.hypervisor = f.single;
    f.service.model = f.hv.model;
    f.service.owner = f.service.scope = "alice";
    f.service.hypervisor_uri = HYPERVISOR_URI;
    f.service.holder = DEAD_HOLDER;
    f.service.max_links = 4;
    f.service.saved_template_scheme = SAVED_SCHEME;
    for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        apr_pool_create(&f.pool, db->pool);
        run_scenario(&f, &scenarios[i]);
        apr_pool_destroy(f.pool);
    }
    apr_pool_create(&f.pool, db->pool);
    test_migration_during_migration(&f);
    apr_pool_destroy(f.pool);
    apr_pool_create(&f.pool, db->pool);
    test_template_in_use(&f);
    apr_pool_destroy(f.pool);
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    apr_dbd_init(pool);
    run_on_databases(pool, "occi-faults", open_database, run);
    return tap_done(pool);
}
