/* SPDX-License-Identifier: Apache-2.0 */
/* The category model: the standard categories, templates, the registry. */
#include "tap.h"
#include "fixtures.h"

#define CORE OCCI_SCHEME_CORE
#define INFRA OCCI_SCHEME_INFRA

static const struct { const char *type_id; occi_category_class cls; const char *location; } expected[] = {
    { CORE "entity", OCCI_CLASS_KIND, "/entity/" },
    { CORE "resource", OCCI_CLASS_KIND, "/resource/" },
    { CORE "link", OCCI_CLASS_KIND, "/link/" },
    { INFRA "compute", OCCI_CLASS_KIND, "/compute/" },
    { INFRA "storage", OCCI_CLASS_KIND, "/storage/" },
    { INFRA "network", OCCI_CLASS_KIND, "/network/" },
    { INFRA "storagelink", OCCI_CLASS_KIND, "/storagelink/" },
    { INFRA "networkinterface", OCCI_CLASS_KIND, "/networkinterface/" },
    { "http://schemas.ogf.org/occi/infrastructure/compute/action#start", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/compute/action#stop", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/compute/action#restart", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/compute/action#suspend", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/compute/action#save", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/storage/action#online", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/storage/action#offline", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/network/action#up", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/network/action#down", OCCI_CLASS_ACTION, NULL },
    { "http://schemas.ogf.org/occi/infrastructure/network#ipnetwork", OCCI_CLASS_MIXIN, "/mixin/ipnetwork/" },
    { "http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface", OCCI_CLASS_MIXIN, "/mixin/ipnetworkinterface/" },
    { INFRA "os_tpl", OCCI_CLASS_MIXIN, "/mixin/os_tpl/" },
    { INFRA "resource_tpl", OCCI_CLASS_MIXIN, "/mixin/resource_tpl/" },
    { "http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key", OCCI_CLASS_MIXIN, "/mixin/ssh_key/" },
    { "http://schemas.ogf.org/occi/infrastructure/compute#user_data", OCCI_CLASS_MIXIN, "/mixin/user_data/" },
};

static const occi_attribute_def *find_attribute(const occi_category *category, const char *name)
{
    int i;

    for (i = 0; category && i < category->n_attributes; i++) {
        if (!strcmp(category->attributes[i].name, name)) {
            return &category->attributes[i];
        }
    }
    return NULL;
}

static void test_standard_categories(apr_pool_t *pool)
{
    occi_model *model = occi_model_create(pool);
    size_t i;

    occi_model_add_standard(model);
    tap_is_int(occi_model_count(model), (long long)(sizeof(expected) / sizeof(expected[0])),
               "the standard model has exactly the Core and Infrastructure categories");
    for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        const occi_category *category = occi_model_find(model, expected[i].type_id);

        tap_ok(category && category->cls == expected[i].cls,
               apr_psprintf(pool, "%s is a %s", expected[i].type_id,
                            occi_category_class_name(expected[i].cls)));
        tap_is_str(category ? category->location : "missing", expected[i].location,
                   apr_psprintf(pool, "%s location", expected[i].type_id));
    }
}

static void test_kind_hierarchy(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    int i, n = occi_model_count(model);

    for (i = 0; i < n; i++) {
        const occi_category *kind = occi_model_at(model, i);
        const occi_category *c = kind;
        int depth = 0;

        if (kind->cls != OCCI_CLASS_KIND) {
            continue;
        }
        while (c && c->parent && depth < 10) {
            c = occi_model_find(model, c->parent);
            depth++;
        }
        tap_is_str(c ? occi_category_type_id(pool, c) : NULL, CORE "entity",
                   apr_psprintf(pool, "the parent chain of %s ends at core#entity", kind->term));
    }
    for (i = 0; i < n; i++) {
        const occi_category *category = occi_model_at(model, i);
        const char *const *action;

        for (action = category->actions; action && *action; action++) {
            const occi_category *defined = occi_model_find(model, *action);

            tap_ok(defined && defined->cls == OCCI_CLASS_ACTION,
                   apr_psprintf(pool, "action %s of %s is defined", *action, category->term));
        }
    }
}

static void test_attributes(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    const occi_category *compute = occi_model_find(model, INFRA "compute");
    const occi_category *storage = occi_model_find(model, INFRA "storage");
    const occi_category *network = occi_model_find(model, INFRA "network");
    const occi_category *stop = occi_model_find(
        model, "http://schemas.ogf.org/occi/infrastructure/compute/action#stop");
    const occi_attribute_def *state = find_attribute(compute, "occi.compute.state");
    const occi_attribute_def *cores = find_attribute(compute, "occi.compute.cores");
    const occi_attribute_def *size = find_attribute(storage, "occi.storage.size");
    const occi_attribute_def *vlan = find_attribute(network, "occi.network.vlan");
    const occi_attribute_def *method = find_attribute(stop, "method");
    static const char *const compute_attributes[] = {
        "occi.compute.architecture", "occi.compute.cores", "occi.compute.hostname",
        "occi.compute.share", "occi.compute.memory", "occi.compute.state",
        "occi.compute.state.message"
    };
    size_t i;

    for (i = 0; i < sizeof(compute_attributes) / sizeof(compute_attributes[0]); i++) {
        tap_ok(find_attribute(compute, compute_attributes[i]) != NULL,
               apr_psprintf(pool, "compute defines %s", compute_attributes[i]));
    }
    tap_ok(state && !state->is_mutable, "occi.compute.state is immutable");
    tap_is_str(state ? state->default_value : NULL, "inactive", "compute state defaults to inactive");
    tap_ok(state && state->enum_values && !strcmp(state->enum_values[3], "error")
           && state->enum_values[4] == NULL, "compute states are active inactive suspended error");
    tap_ok(cores && cores->type == OCCI_TYPE_INTEGER && cores->is_mutable, "cores is a mutable integer");
    tap_ok(size && size->is_required && size->type == OCCI_TYPE_FLOAT, "storage size is a required float");
    tap_ok(vlan && vlan->has_range && vlan->minimum == 0 && vlan->maximum == 4095,
           "vlan is bounded 0..4095");
    tap_ok(method && method->enum_values && !strcmp(method->enum_values[2], "poweroff"),
           "stop takes method graceful, acpioff or poweroff");
}

static void test_templates(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    const occi_category *small = occi_model_find(model, TEST_PROVIDER "resource_tpl#small");
    const occi_category *debian = occi_model_find(model, TEST_PROVIDER "os_tpl#debian12");
    const occi_attribute_def *memory = find_attribute(small, "occi.compute.memory");

    tap_ok(debian && debian->cls == OCCI_CLASS_MIXIN, "an OS template is a mixin");
    tap_is_str(debian ? debian->depends[0] : NULL, INFRA "os_tpl", "it depends on os_tpl");
    tap_is_str(debian ? debian->location : NULL, "/mixin/os_tpl/debian12/", "its location");
    tap_is_str(small ? small->depends[0] : NULL, INFRA "resource_tpl", "a flavour depends on resource_tpl");
    tap_is_str(memory ? memory->default_value : NULL, "0.5", "its memory default is 0.5 GiB");
    tap_is_str(find_attribute(occi_model_find(model, TEST_PROVIDER "resource_tpl#large"),
                              "occi.compute.memory")->default_value, "8.0",
               "a whole number of GiB prints as a float");
    tap_ok(occi_model_find_location(model, "/mixin/resource_tpl/large/") != NULL,
           "templates are found by location");
}

static void test_clashes(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    occi_category *again = occi_os_template(pool, TEST_PROVIDER, "debian12", "Again");
    occi_category *same_place = occi_os_template(pool, "http://other.example/", "debian12", "Elsewhere");
    int before = occi_model_count(model);

    tap_like(occi_model_add(model, again), "already defined", "the same type id is refused");
    tap_like(occi_model_add(model, same_place), "location /mixin/os_tpl/debian12/",
             "the same location is refused");
    tap_is_int(occi_model_count(model), before, "refused categories are not added");
}

static void test_terms(void)
{
    tap_ok(occi_term_is_valid("compute"), "compute is a term");
    tap_ok(occi_term_is_valid("Debian-12_x86.64"), "terms take upper case, digits, - _ .");
    tap_ok(!occi_term_is_valid("-leading"), "a term starts with a letter or digit");
    tap_ok(!occi_term_is_valid("a b"), "a term has no space");
    tap_ok(!occi_term_is_valid(""), "a term is not empty");
    tap_ok(!occi_term_is_valid("caf\xc3\xa9"), "a term is ASCII");
}

/* The facts a kind inherits are resolved when the model is built, also
 * for a kind added before its parent. */
static void test_kind_facts(apr_pool_t *pool)
{
    static const char *const child_actions[] = { "http://example.com/occi/vpn/action#rekey", NULL };
    static const char *const parent_actions[] = { "http://example.com/occi/vpn/action#reset", NULL };
    occi_category child = { OCCI_CLASS_KIND, "http://example.com/occi/vpn#", "tunnel", "Tunnel",
                            "/tunnel/", "http://example.com/occi/vpn#pipe", NULL, NULL, NULL, 0,
                            child_actions, 0 };
    occi_category parent = { OCCI_CLASS_KIND, "http://example.com/occi/vpn#", "pipe", "Pipe",
                             "/pipe/", CORE "link", NULL, NULL, NULL, 0, parent_actions, 0 };
    occi_model *model = occi_model_create(pool);
    const occi_kind_facts *facts;

    occi_model_add_standard(model);
    tap_ok(occi_model_add(model, &child) == NULL, "a kind is added before its parent");
    facts = occi_model_kind_facts(model, "http://example.com/occi/vpn#tunnel");
    tap_ok(facts && !facts->is_link && facts->actions[0] && !facts->actions[1],
           "until its parent is there, it is no link and has its own action only");
    tap_ok(occi_model_add(model, &parent) == NULL, "its parent, a link, is added");
    facts = occi_model_kind_facts(model, "http://example.com/occi/vpn#tunnel");
    tap_ok(facts && facts->kind == &child && facts->is_link, "the kind is now a link");
    tap_ok(facts && facts->actions[0] && !strcmp(facts->actions[0], child_actions[0])
           && facts->actions[1] && !strcmp(facts->actions[1], parent_actions[0]) && !facts->actions[2],
           "its actions are its own, then its parent's");
    facts = occi_model_kind_facts(model, INFRA "compute");
    tap_ok(facts && !facts->is_link && facts->actions[0] && facts->actions[4] && !facts->actions[5],
           "compute is no link and has its five actions");
    facts = occi_model_kind_facts(model, INFRA "networkinterface");
    tap_ok(facts && facts->is_link, "networkinterface is a link");
    tap_ok(occi_model_kind_facts(model, INFRA "os_tpl") == NULL, "a mixin has no kind facts");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_standard_categories(pool);
    test_kind_hierarchy(pool);
    test_kind_facts(pool);
    test_attributes(pool);
    test_templates(pool);
    test_clashes(pool);
    test_terms();
    return tap_done(pool);
}
