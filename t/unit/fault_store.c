/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault-injecting store of the unit tests: see fault_store.h.
 */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "fault_store.h"

struct fault_store {
    apr_pool_t *pool;
    occi_store *outer;                     /* this provider's store */
    const occi_store_provider *inner;      /* the wrapped store's provider */
    void *inner_impl;                      /* and its state */
    apr_array_header_t *log;               /* const char *: the operation of each call */
    apr_hash_t *counts;                    /* operation -> int *: its calls */
    const char *fail_operation;            /* NULL: count calls of any operation */
    int fail_at;                           /* 0: no failure planned */
    int fired;
    const char *error;                     /* NULL: the wrapped store's error */
    int in_transaction;                    /* begun here, not ended yet */
    const char *condemned_by;              /* the failure injected inside it, or NULL */
};

/* Counts a call of operation; true when it is the one to fail, whose
 * error it then sets. */
static int injected(fault_store *fault, const char *operation)
{
    int *count = apr_hash_get(fault->counts, operation, APR_HASH_KEY_STRING);
    int n;

    if (!count) {
        count = apr_pcalloc(fault->pool, sizeof(*count));
        apr_hash_set(fault->counts, operation, APR_HASH_KEY_STRING, count);
    }
    ++*count;
    APR_ARRAY_PUSH(fault->log, const char *) = operation;
    if (fault->fired || fault->fail_at <= 0) {
        return 0;
    }
    if (fault->fail_operation && strcmp(fault->fail_operation, operation)) {
        return 0;
    }
    n = fault->fail_operation ? *count : fault->log->nelts;
    if (n != fault->fail_at) {
        return 0;
    }
    fault->fired = 1;
    fault->error = apr_psprintf(fault->pool, "injected failure at %s call %d", operation, n);
    if (fault->in_transaction) {
        fault->condemned_by = fault->error;
    }
    return 1;
}

/* What the wrapped store answered: its own error, if any, is the one to
 * tell from now on. */
static occi_store_status passed(fault_store *fault, occi_store_status status)
{
    if (status != OCCI_STORE_OK) {
        fault->error = NULL;
    }
    return status;
}

#define PASS_THROUGH(operation, call)                                 \
    do {                                                              \
        fault_store *fault_ = impl;                                   \
        if (injected(fault_, operation)) {                            \
            return OCCI_STORE_ERROR;                                  \
        }                                                             \
        return passed(fault_, fault_->inner->call);                   \
    } while (0)

static const char *fault_error(const void *impl)
{
    const fault_store *fault = impl;

    return fault->error ? fault->error : fault->inner->error(fault->inner_impl);
}

static occi_store_status fault_begin(void *impl)
{
    fault_store *fault = impl;
    occi_store_status status;

    if (injected(fault, "begin")) {
        return OCCI_STORE_ERROR;
    }
    status = passed(fault, fault->inner->begin(fault->inner_impl));
    if (status == OCCI_STORE_OK) {
        fault->in_transaction = 1;
        fault->condemned_by = NULL;
    }
    return status;
}

static occi_store_status fault_commit(void *impl)
{
    fault_store *fault = impl;
    int fails = injected(fault, "commit");
    const char *condemned_by = fault->condemned_by;

    if (!fault->in_transaction) {
        /* Nothing of ours to end: the wrapped store says what it thinks. */
        return fails ? OCCI_STORE_ERROR
                     : passed(fault, fault->inner->commit(fault->inner_impl));
    }
    fault->in_transaction = 0;
    fault->condemned_by = NULL;
    if (fails || condemned_by) {
        /* A commit that fails in a real database leaves nothing behind. */
        fault->inner->rollback(fault->inner_impl);
        if (!fails) {
            fault->error = apr_pstrcat(fault->pool, "rolled back: ", condemned_by, NULL);
        }
        return OCCI_STORE_ERROR;
    }
    return passed(fault, fault->inner->commit(fault->inner_impl));
}

static void fault_rollback(void *impl)
{
    fault_store *fault = impl;

    fault->in_transaction = 0;
    fault->condemned_by = NULL;
    fault->inner->rollback(fault->inner_impl);
}

static occi_store_status fault_insert(void *impl, const occi_entity *entity)
{
    PASS_THROUGH("insert", insert(fault_->inner_impl, entity));
}

static occi_store_status fault_get(void *impl, apr_pool_t *pool, const char *id,
                                   const char *owner, occi_entity **entity)
{
    PASS_THROUGH("get", get(fault_->inner_impl, pool, id, owner, entity));
}

static occi_store_status fault_update(void *impl, occi_entity *entity,
                                      long long expected_revision)
{
    PASS_THROUGH("update", update(fault_->inner_impl, entity, expected_revision));
}

static occi_store_status fault_delete_entity(void *impl, const char *id, const char *owner)
{
    PASS_THROUGH("delete", delete_entity(fault_->inner_impl, id, owner));
}

static occi_store_status fault_links_from(void *impl, apr_pool_t *pool, const char *source_id,
                                          apr_array_header_t **links)
{
    PASS_THROUGH("links_from", links_from(fault_->inner_impl, pool, source_id, links));
}

static occi_store_status fault_links_to(void *impl, apr_pool_t *pool,
                                        const char *target_location,
                                        apr_array_header_t **links)
{
    PASS_THROUGH("links_to", links_to(fault_->inner_impl, pool, target_location, links));
}

static occi_store_status fault_list(void *impl, apr_pool_t *pool, const occi_store_query *query,
                                    apr_array_header_t **entities)
{
    PASS_THROUGH("list", list(fault_->inner_impl, pool, query, entities));
}

static occi_store_status fault_count(void *impl, const occi_store_query *query,
                                     long long *count)
{
    PASS_THROUGH("count", count(fault_->inner_impl, query, count));
}

static occi_store_status fault_add_mixin(void *impl, const char *entity_id, const char *mixin)
{
    PASS_THROUGH("add_mixin", add_mixin(fault_->inner_impl, entity_id, mixin));
}

static occi_store_status fault_remove_mixin(void *impl, const char *entity_id,
                                            const char *mixin)
{
    PASS_THROUGH("remove_mixin", remove_mixin(fault_->inner_impl, entity_id, mixin));
}

static occi_store_status fault_insert_mixin(void *impl, const occi_category *mixin,
                                            const char *owner)
{
    PASS_THROUGH("insert_mixin", insert_mixin(fault_->inner_impl, mixin, owner));
}

static occi_store_status fault_delete_mixin(void *impl, const char *type_id, const char *owner)
{
    PASS_THROUGH("delete_mixin", delete_mixin(fault_->inner_impl, type_id, owner));
}

static occi_store_status fault_list_mixins(void *impl, apr_pool_t *pool, const char *owner,
                                           apr_array_header_t **mixins,
                                           apr_array_header_t **owners)
{
    PASS_THROUGH("list_mixins", list_mixins(fault_->inner_impl, pool, owner, mixins, owners));
}

static occi_store_status fault_lock_entity(void *impl, const char *id)
{
    PASS_THROUGH("lock_entity", lock_entity(fault_->inner_impl, id));
}

static occi_store_status fault_lock_mixin(void *impl, const char *type_id, const char *owner)
{
    PASS_THROUGH("lock_mixin", lock_mixin(fault_->inner_impl, type_id, owner));
}

static occi_store_status fault_insert_intent(void *impl, const occi_store_intent *intent)
{
    PASS_THROUGH("insert_intent", insert_intent(fault_->inner_impl, intent));
}

static occi_store_status fault_list_intents(void *impl, apr_pool_t *pool, const char *verb,
                                            const char *entity_id, const char *detail,
                                            apr_array_header_t **intents)
{
    PASS_THROUGH("list_intents",
                 list_intents(fault_->inner_impl, pool, verb, entity_id, detail, intents));
}

static occi_store_status fault_claim_intent(void *impl, const char *id, const char *holder,
                                            long long lease_until, long long now)
{
    PASS_THROUGH("claim_intent", claim_intent(fault_->inner_impl, id, holder, lease_until, now));
}

static occi_store_status fault_release_intent(void *impl, const char *id, const char *holder)
{
    PASS_THROUGH("release_intent", release_intent(fault_->inner_impl, id, holder));
}

static occi_store_status fault_renew_intents(void *impl, const char *verb, const char *holder,
                                             long long lease_until)
{
    PASS_THROUGH("renew_intents", renew_intents(fault_->inner_impl, verb, holder, lease_until));
}

static occi_store_status fault_set_intent_detail(void *impl, const char *id, const char *holder,
                                                 const char *detail)
{
    PASS_THROUGH("set_intent_detail",
                 set_intent_detail(fault_->inner_impl, id, holder, detail));
}

static occi_store_status fault_delete_intent(void *impl, const char *id, const char *holder)
{
    PASS_THROUGH("delete_intent", delete_intent(fault_->inner_impl, id, holder));
}

static occi_store_status fault_delete_intents_with(void *impl, const char *verb,
                                                   const char *detail)
{
    PASS_THROUGH("delete_intents_with", delete_intents_with(fault_->inner_impl, verb, detail));
}

static occi_store_status fault_set_host(void *impl, const char *id, const char *host)
{
    PASS_THROUGH("set_host", set_host(fault_->inner_impl, id, host));
}

static occi_store_status fault_lock_placement(void *impl)
{
    PASS_THROUGH("lock_placement", lock_placement(fault_->inner_impl));
}

static occi_store_status fault_host_usage(void *impl, apr_pool_t *pool, apr_hash_t **usage)
{
    PASS_THROUGH("host_usage", host_usage(fault_->inner_impl, pool, usage));
}

static occi_store_status fault_usage_generation(void *impl, long long *generation)
{
    PASS_THROUGH("usage_generation", usage_generation(fault_->inner_impl, generation));
}

static occi_store_status fault_allocate(void *impl, const occi_store_allocation *allocation)
{
    PASS_THROUGH("allocate", allocate(fault_->inner_impl, allocation));
}

static occi_store_status fault_get_allocation(void *impl, apr_pool_t *pool,
                                              const char *entity_id,
                                              occi_store_allocation **allocation)
{
    PASS_THROUGH("get_allocation",
                 get_allocation(fault_->inner_impl, pool, entity_id, allocation));
}

static occi_store_status fault_release_allocation(void *impl, const char *entity_id)
{
    PASS_THROUGH("release_allocation", release_allocation(fault_->inner_impl, entity_id));
}

static occi_store_status fault_disabled_hosts(void *impl, apr_pool_t *pool,
                                              apr_hash_t **disabled)
{
    PASS_THROUGH("disabled_hosts", disabled_hosts(fault_->inner_impl, pool, disabled));
}

static occi_store_status fault_set_host_disabled(void *impl, const char *host, int disabled)
{
    PASS_THROUGH("set_host_disabled", set_host_disabled(fault_->inner_impl, host, disabled));
}

static occi_store_status fault_tenant_usage(void *impl, const char *owner,
                                            occi_store_tenant_usage *usage)
{
    PASS_THROUGH("tenant_usage", tenant_usage(fault_->inner_impl, owner, usage));
}

static occi_store_status fault_tenant_usages(void *impl, apr_pool_t *pool,
                                             apr_array_header_t **usages)
{
    PASS_THROUGH("tenant_usages", tenant_usages(fault_->inner_impl, pool, usages));
}

static occi_store_status fault_lock_tenant(void *impl, const char *owner)
{
    PASS_THROUGH("lock_tenant", lock_tenant(fault_->inner_impl, owner));
}

static occi_store_status fault_claim_usage_sampler(void *impl, const char *holder,
                                                   long long lease_until, long long now)
{
    PASS_THROUGH("claim_usage_sampler",
                 claim_usage_sampler(fault_->inner_impl, holder, lease_until, now));
}

static occi_store_status fault_record_usage(void *impl, const apr_array_header_t *samples,
                                            long long older_than)
{
    PASS_THROUGH("record_usage", record_usage(fault_->inner_impl, samples, older_than));
}

static occi_store_status fault_list_usage(void *impl, apr_pool_t *pool, const char *entity_id,
                                          long long since, apr_array_header_t **samples)
{
    PASS_THROUGH("list_usage", list_usage(fault_->inner_impl, pool, entity_id, since, samples));
}

static const occi_store_provider fault_provider = {
    "fault",
    fault_error,
    fault_begin,
    fault_commit,
    fault_rollback,
    fault_insert,
    fault_get,
    fault_update,
    fault_delete_entity,
    fault_links_from,
    fault_links_to,
    fault_list,
    fault_count,
    fault_add_mixin,
    fault_remove_mixin,
    fault_insert_mixin,
    fault_delete_mixin,
    fault_list_mixins,
    fault_lock_entity,
    fault_lock_mixin,
    fault_insert_intent,
    fault_list_intents,
    fault_claim_intent,
    fault_release_intent,
    fault_renew_intents,
    fault_set_intent_detail,
    fault_delete_intent,
    fault_delete_intents_with,
    fault_set_host,
    fault_lock_placement,
    fault_host_usage,
    fault_usage_generation,
    fault_allocate,
    fault_get_allocation,
    fault_release_allocation,
    fault_disabled_hosts,
    fault_set_host_disabled,
    NULL,                          /* links_from_many: links_from for each */
    fault_tenant_usage,
    fault_tenant_usages,
    fault_lock_tenant,
    fault_claim_usage_sampler,
    fault_record_usage,
    fault_list_usage,
};

fault_store *fault_store_wrap(apr_pool_t *pool, occi_store *inner)
{
    fault_store *fault = apr_pcalloc(pool, sizeof(*fault));

    fault->pool = pool;
    fault->inner = occi_store_provider_of(inner);
    fault->inner_impl = occi_store_impl(inner);
    fault->log = apr_array_make(pool, 32, sizeof(const char *));
    fault->counts = apr_hash_make(pool);
    fault->outer = occi_store_make(pool, &fault_provider, fault);
    return fault;
}

occi_store *fault_store_store(fault_store *fault)
{
    return fault->outer;
}

void fault_store_reset(fault_store *fault)
{
    apr_array_clear(fault->log);
    apr_hash_clear(fault->counts);
    fault->fail_operation = NULL;
    fault->fail_at = 0;
    fault->fired = 0;
    fault->error = NULL;
}

void fault_store_fail(fault_store *fault, const char *operation, int n)
{
    fault->fail_operation = operation ? apr_pstrdup(fault->pool, operation) : NULL;
    fault->fail_at = n;
    fault->fired = 0;
}

int fault_store_calls(const fault_store *fault)
{
    return fault->log->nelts;
}

int fault_store_calls_of(const fault_store *fault, const char *operation)
{
    const int *count = apr_hash_get(fault->counts, operation, APR_HASH_KEY_STRING);

    return count ? *count : 0;
}

const char *fault_store_operation(const fault_store *fault, int n)
{
    return n >= 1 && n <= fault->log->nelts ? APR_ARRAY_IDX(fault->log, n - 1, const char *)
                                            : NULL;
}

int fault_store_fired(const fault_store *fault)
{
    return fault->fired;
}

int fault_store_in_transaction(const fault_store *fault)
{
    return fault->in_transaction;
}
