/* SPDX-License-Identifier: Apache-2.0 */
/* Entities, validation against the model, and life cycles. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
#include "fixtures.h"
#include "occi_entity.h"
#include "occi_router.h"
#include "occi_state.h"
#include "occi_validate.h"

#define INFRA OCCI_SCHEME_INFRA
#define COMPUTE INFRA "compute"
#define ACTION "http://schemas.ogf.org/occi/infrastructure/compute/action#"

static occi_value integer(long long v)
{
    occi_value value = { OCCI_TYPE_INTEGER, NULL, v, 0, 0 };
    return value;
}

static occi_value number(double v)
{
    occi_value value = { OCCI_TYPE_FLOAT, NULL, 0, v, 0 };
    return value;
}

static occi_value string(const char *v)
{
    occi_value value = { OCCI_TYPE_STRING, v, 0, 0, 0 };
    return value;
}

static occi_entity *compute(apr_pool_t *pool)
{
    occi_entity *entity = occi_entity_create(pool);

    entity->kind = COMPUTE;
    return entity;
}

static void set(occi_entity *entity, const char *name, occi_value value)
{
    occi_entity_set(entity, name, &value);
}

static void test_entity_basics(apr_pool_t *pool)
{
    occi_entity *entity = compute(pool);
    occi_value two = integer(2), four = integer(4);
    const char *id = occi_uuid_generate(pool), *other = occi_uuid_generate(pool);

    occi_entity_set(entity, "a", &two);
    occi_entity_set_string(pool, entity, "b", "x");
    occi_entity_set(entity, "a", &four);
    tap_is_int(entity->attributes->nelts, 2, "setting twice keeps one value");
    tap_is_int(occi_entity_get(entity, "a")->integer, 4, "the last value wins");
    occi_entity_set(entity, "a", NULL);
    tap_ok(!occi_entity_get(entity, "a") && occi_entity_get_string(entity, "b"),
           "removing one keeps the other");
    tap_ok(entity->host == NULL, "a new entity records no host");
    entity->host = "node-1";
    tap_is_str(occi_entity_copy(pool, entity)->host, "node-1", "a copy keeps the host");
    tap_ok(occi_uuid_is_valid(id) && strcmp(id, other), "generated UUIDs are valid and differ");
    tap_is_int(id[14], '4', "they are version 4");
    tap_is_str(occi_entity_id_from_reference(pool, "urn:uuid:0A1B2C3D-0000-4000-8000-000000000001"),
               "0a1b2c3d-0000-4000-8000-000000000001", "urn:uuid references, lower-cased");
    tap_is_str(occi_entity_id_from_reference(pool, "/occi/compute/0a1b2c3d-0000-4000-8000-000000000001"),
               "0a1b2c3d-0000-4000-8000-000000000001", "path references");
    tap_is_str(occi_entity_id_from_reference(pool, "http://h:8080/compute/0a1b2c3d-0000-4000-8000-000000000001?x=1"),
               "0a1b2c3d-0000-4000-8000-000000000001", "absolute URLs");
    tap_ok(!occi_entity_id_from_reference(pool, "/compute/42"), "not a UUID: NULL");
    tap_ok(!occi_entity_id_from_reference(pool, "urn:uuid:0a1b2c3d"), "a short UUID: NULL");
    {
        occi_value quoted = string("say \"hi\" \\ bye");
        occi_value f = number(2);
        occi_value b = { OCCI_TYPE_BOOLEAN, NULL, 0, 0, 1 };

        tap_is_str(occi_value_to_text(pool, &quoted), "\"say \\\"hi\\\" \\\\ bye\"",
                   "strings render as quoted-strings");
        tap_is_str(occi_value_to_text(pool, &f), "2.0", "floats keep a decimal point");
        tap_is_str(occi_value_to_text(pool, &b), "true", "booleans are bare");
    }
}

static void test_create(apr_pool_t *pool, const occi_validation *v)
{
    occi_entity *entity = compute(pool);
    const char *error;

    set(entity, "occi.compute.cores", integer(2));
    set(entity, "occi.core.title", string("vm1"));
    error = occi_validate_create(pool, v, COMPUTE, entity);
    tap_is_str(error, NULL, "a plain compute is valid");
    tap_is_str(occi_entity_get_string(entity, "occi.compute.state"), "inactive",
               "it starts inactive");
    tap_ok(occi_entity_get(entity, "occi.compute.memory")->number == 1.0,
           "the kind's memory default fills in");
    tap_is_int(occi_entity_get(entity, "occi.compute.cores")->integer, 2,
               "the client's cores stay");

    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) = TEST_PROVIDER "resource_tpl#large";
    tap_is_str(occi_validate_create(pool, v, COMPUTE, entity), NULL, "with a flavour");
    tap_is_int(occi_entity_get(entity, "occi.compute.cores")->integer, 4,
               "the flavour's default wins over the kind's");
    tap_ok(occi_entity_get(entity, "occi.compute.memory")->number == 8.0, "memory too");

    entity = compute(pool);
    set(entity, "occi.compute.memory", integer(2));
    tap_is_str(occi_validate_create(pool, v, COMPUTE, entity), NULL, "an integer for a float");
    tap_ok(occi_entity_get(entity, "occi.compute.memory")->type == OCCI_TYPE_FLOAT,
           "is stored as a float");
}

static void expect_refusal(apr_pool_t *pool, const occi_validation *v, occi_entity *entity,
                           const char *collection, const char *message, const char *name)
{
    tap_like(occi_validate_create(pool, v, collection, entity), message, name);
}

static void test_create_refusals(apr_pool_t *pool, const occi_validation *v)
{
    occi_entity *entity;

    entity = compute(pool);
    set(entity, "occi.compute.state", string("active"));
    expect_refusal(pool, v, entity, COMPUTE, "occi.compute.state is immutable",
                   "an immutable attribute");
    entity = compute(pool);
    set(entity, "occi.compute.colour", string("red"));
    expect_refusal(pool, v, entity, COMPUTE,
                   "attribute occi.compute.colour is not defined by kind compute",
                   "an unknown attribute");
    entity = compute(pool);
    set(entity, "occi.compute.cores", string("two"));
    expect_refusal(pool, v, entity, COMPUTE, "occi.compute.cores must be an integer, not a string",
                   "a wrong type");
    entity = compute(pool);
    set(entity, "occi.compute.cores", number(1.5));
    expect_refusal(pool, v, entity, COMPUTE, "must be an integer, not a number",
                   "a fractional integer");
    entity = compute(pool);
    set(entity, "occi.compute.cores", integer(0));
    expect_refusal(pool, v, entity, COMPUTE, "occi.compute.cores must be from 1 to 1024, not 0",
                   "out of range");
    entity = compute(pool);
    set(entity, "occi.compute.architecture", string("arm"));
    expect_refusal(pool, v, entity, COMPUTE,
                   "occi.compute.architecture must be one of x86, x64, not 'arm'",
                   "outside the enumeration");
    entity = occi_entity_create(pool);
    entity->kind = INFRA "storage";
    expect_refusal(pool, v, entity, INFRA "storage", "attribute occi.storage.size is required",
                   "a missing required attribute");
    entity = compute(pool);
    expect_refusal(pool, v, entity, INFRA "storage",
                   "does not belong in the collection of kind " INFRA "storage",
                   "the wrong collection");
    entity = occi_entity_create(pool);
    entity->kind = OCCI_SCHEME_CORE "entity";
    expect_refusal(pool, v, entity, NULL, "cannot be instantiated", "core#entity");
    entity = occi_entity_create(pool);
    entity->kind = "http://example.com/occi#widget";
    expect_refusal(pool, v, entity, NULL, "is not a kind this server knows", "an unknown kind");
    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) = "http://example.com/occi#nothing";
    expect_refusal(pool, v, entity, COMPUTE, "mixin http://example.com/occi#nothing is not defined",
                   "an unknown mixin");
    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) =
        "http://schemas.ogf.org/occi/infrastructure/network#ipnetwork";
    expect_refusal(pool, v, entity, COMPUTE, "does not apply to kind", "applies is enforced");
    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) = INFRA "storage";
    expect_refusal(pool, v, entity, COMPUTE, "is a kind, not a mixin", "a kind as a mixin");
    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) = TEST_PROVIDER "os_tpl#debian12";
    APR_ARRAY_PUSH(entity->mixins, const char *) = TEST_PROVIDER "os_tpl#cirros";
    expect_refusal(pool, v, entity, COMPUTE, "only one OS template may be attached",
                   "two OS templates in one request");
    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) = TEST_PROVIDER "os_tpl#debian12";
    APR_ARRAY_PUSH(entity->mixins, const char *) = TEST_PROVIDER "os_tpl#debian12";
    expect_refusal(pool, v, entity, COMPUTE, "is given twice", "a mixin twice");
    entity = occi_entity_create(pool);
    entity->kind = INFRA "networkinterface";
    expect_refusal(pool, v, entity, NULL, "is required", "a link needs source and target");
}

static void test_user_mixins(apr_pool_t *pool, const occi_validation *base)
{
    occi_validation v = *base;
    occi_category *tag = apr_pcalloc(pool, sizeof(*tag));
    static const char *const depends[] = { "http://schemas.ogf.org/occi/infrastructure/network#ipnetwork", NULL };
    occi_category *net_tag = apr_pcalloc(pool, sizeof(*net_tag));
    occi_entity *entity = compute(pool);

    tag->cls = OCCI_CLASS_MIXIN;
    tag->scheme = "http://example.com/tags#";
    tag->term = "blue";
    tag->location = "/tags/blue/";
    *net_tag = *tag;
    net_tag->term = "lan";
    net_tag->depends = depends;
    v.user_mixins = apr_hash_make(pool);
    apr_hash_set(v.user_mixins, "http://example.com/tags#blue", APR_HASH_KEY_STRING, tag);
    apr_hash_set(v.user_mixins, "http://example.com/tags#lan", APR_HASH_KEY_STRING, net_tag);
    APR_ARRAY_PUSH(entity->mixins, const char *) = "http://example.com/tags#blue";
    tap_is_str(occi_validate_create(pool, &v, COMPUTE, entity), NULL, "a user tag applies anywhere");
    entity = compute(pool);
    APR_ARRAY_PUSH(entity->mixins, const char *) = "http://example.com/tags#lan";
    tap_like(occi_validate_create(pool, &v, COMPUTE, entity),
             "depends on http://schemas.ogf.org/occi/infrastructure/network#ipnetwork, which does not apply",
             "depends is enforced");
    entity = occi_entity_create(pool);
    entity->kind = INFRA "network";
    APR_ARRAY_PUSH(entity->mixins, const char *) = "http://example.com/tags#lan";
    set(entity, "occi.network.address", string("10.0.0.0/24"));
    tap_is_str(occi_validate_create(pool, &v, INFRA "network", entity), NULL,
               "a dependency's attributes are allowed");
}

static void test_update(apr_pool_t *pool, const occi_validation *v)
{
    occi_entity *existing = compute(pool), *changes, *updated = NULL;

    APR_ARRAY_PUSH(existing->mixins, const char *) = TEST_PROVIDER "os_tpl#debian12";
    APR_ARRAY_PUSH(existing->mixins, const char *) = TEST_PROVIDER "resource_tpl#small";
    occi_validate_create(pool, v, COMPUTE, existing);

    changes = occi_entity_create(pool);
    set(changes, "occi.compute.hostname", string("vm.example.com"));
    tap_is_str(occi_validate_update(pool, v, existing, changes, &updated), NULL, "an update");
    tap_is_str(occi_entity_get_string(updated, "occi.compute.hostname"), "vm.example.com",
               "sets the attribute");
    tap_ok(occi_entity_get_string(existing, "occi.compute.hostname") == NULL,
           "and leaves the stored entity alone");

    changes = occi_entity_create(pool);
    APR_ARRAY_PUSH(changes->mixins, const char *) = TEST_PROVIDER "resource_tpl#large";
    APR_ARRAY_PUSH(changes->mixins, const char *) = TEST_PROVIDER "os_tpl#cirros";
    tap_is_str(occi_validate_update(pool, v, existing, changes, &updated), NULL,
               "new templates");
    tap_is_int(updated->mixins->nelts, 2, "replace the old ones");
    tap_ok(occi_entity_has_mixin(updated, TEST_PROVIDER "resource_tpl#large")
           && occi_entity_has_mixin(updated, TEST_PROVIDER "os_tpl#cirros"), "by the new ones");
    tap_is_int(occi_entity_get(updated, "occi.compute.cores")->integer, 4,
               "a new resource template resizes");

    changes = occi_entity_create(pool);
    changes->kind = INFRA "storage";
    tap_like(occi_validate_update(pool, v, existing, changes, &updated),
             "the kind of an entity cannot change", "another kind");
    changes = occi_entity_create(pool);
    set(changes, "occi.compute.state", string("active"));
    tap_like(occi_validate_update(pool, v, existing, changes, &updated), "is immutable",
             "an immutable attribute");

    changes = compute(pool);
    set(changes, "occi.compute.cores", integer(3));
    tap_is_str(occi_validate_replace(pool, v, existing, changes), NULL, "a replacement");
    tap_is_str(changes->id, existing->id, "keeps the id");
    tap_is_str(occi_entity_get_string(changes, "occi.compute.state"), "inactive",
               "and the state");
    tap_is_int(changes->mixins->nelts, 0, "drops the mixins it does not name");
}

static void test_actions(apr_pool_t *pool, const occi_validation *v)
{
    occi_entity *entity = compute(pool);
    apr_array_header_t *parameters = apr_array_make(pool, 2, sizeof(occi_attribute_value));
    apr_array_header_t *actions;
    occi_attribute_value *method;

    occi_validate_create(pool, v, COMPUTE, entity);
    actions = occi_state_applicable_actions(pool, v->model, entity);
    tap_ok(actions->nelts == 2 && !strcmp(APR_ARRAY_IDX(actions, 0, const char *), ACTION "start")
           && !strcmp(APR_ARRAY_IDX(actions, 1, const char *), ACTION "save"),
           "an inactive compute can start, or be saved");
    tap_is_str(occi_state_after(entity, ACTION "start"), "active", "start makes it active");
    tap_ok(occi_state_after(entity, ACTION "stop") == NULL, "stop is not allowed when inactive");
    occi_entity_set_string(pool, entity, "occi.compute.state", "active");
    tap_is_int(occi_state_applicable_actions(pool, v->model, entity)->nelts, 4,
               "an active compute can stop, restart, suspend, save");
    tap_is_str(occi_state_after(entity, ACTION "suspend"), "suspended", "suspend");
    tap_ok(occi_state_is_attribute("occi.compute.state")
           && occi_state_is_attribute("occi.networkinterface.state.message")
           && !occi_state_is_attribute("occi.compute.statement")
           && !occi_state_is_attribute("occi.compute.cores")
           && !occi_state_is_attribute("com.example.state"),
           "states and their messages are known as such, nothing else");
    tap_is_int(occi_state_defined_actions(pool, v->model, entity)->nelts, 5,
               "compute defines five actions");

    tap_is_str(occi_validate_action(pool, v, ACTION "stop", parameters), NULL,
               "stop without parameters");
    method = &APR_ARRAY_IDX(parameters, 0, occi_attribute_value);
    tap_ok(parameters->nelts == 1 && !strcmp(method->name, "method")
           && !strcmp(method->value.string, "graceful"), "gets the default method");
    parameters->nelts = 0;
    method = apr_array_push(parameters);
    method->name = "method";
    method->value = string("explode");
    tap_like(occi_validate_action(pool, v, ACTION "stop", parameters),
             "method must be one of graceful, acpioff, poweroff", "a bad method");
    method->name = "force";
    tap_like(occi_validate_action(pool, v, ACTION "stop", parameters),
             "takes no parameter force", "an unknown parameter");
    tap_like(occi_validate_action(pool, v, ACTION "fly", parameters),
             "is not an action this server knows", "an unknown action");

    entity = occi_entity_create(pool);
    entity->kind = INFRA "storage";
    set(entity, "occi.storage.size", number(1));
    occi_validate_create(pool, v, NULL, entity);
    tap_is_str(occi_entity_get_string(entity, "occi.storage.state"), "offline",
               "storage starts offline");
    entity->kind = OCCI_SCHEME_CORE "resource";
    tap_is_str(occi_state_after(entity, ACTION "start"), "", "kinds without a life cycle");
}

static void test_format_double(apr_pool_t *pool)
{
    static const double chosen[] = {
        0.0, -0.0, 1.5, -1.5, 2.0, 20.0, 0.1, 0.001, -0.001, 0.0005, 1e-4, 0.123, 0.12, 1.05,
        999999999999.999, 1e12, 123456789012.5, 1e15, 1e20, 1.5e15, -7.25, 1.0 / 3, 1e-300, 4096.0,
        0.3, 2.675, 1.005, 8.125,
    };
    unsigned long long r = 88172645463325252ULL;
    char mine[40], trials[40];
    int i, differing = 0, count = 0;

    for (i = 0; i < (int)(sizeof(chosen) / sizeof(chosen[0])); i++, count++) {
        occi_format_double(mine, sizeof(mine), chosen[i]);
        occi_format_double_by_trials(trials, sizeof(trials), chosen[i]);
        if (strcmp(mine, trials)) {
            printf("#   %.17g: %s, by trials %s\n", chosen[i], mine, trials);
            differing++;
        }
    }
    /* Thousandths and near them over many magnitudes. */
    for (i = 0; i < 200000; i++, count++) {
        double number;

        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        number = (double)(long long)(r % 2000000000001ULL - 1000000000000ULL)
                 / (double)(i % 3 == 0 ? 1000 : i % 3 == 1 ? 100 : 7);
        if (i % 5 == 0) {
            number *= 1e9;
        }
        if (i % 11 == 0) {
            number = nextafter(number, 0);
        }
        occi_format_double(mine, sizeof(mine), number);
        occi_format_double_by_trials(trials, sizeof(trials), number);
        if (strcmp(mine, trials)) {
            if (differing++ < 5) {
                printf("#   %.17g: %s, by trials %s\n", number, mine, trials);
            }
        }
    }
    tap_is_int(differing, 0, apr_psprintf(pool, "%d doubles are written as the shortest "
                                                "decimal that reads back", count));
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    occi_validation validation = { test_model(pool), NULL };

    test_entity_basics(pool);
    test_format_double(pool);
    test_create(pool, &validation);
    test_create_refusals(pool, &validation);
    test_user_mixins(pool, &validation);
    test_update(pool, &validation);
    test_actions(pool, &validation);
    return tap_done(pool);
}
