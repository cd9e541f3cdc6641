/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provider networks (src/occi_provider_network.c): which declared network
 * an entity's mixins name, and which VLAN tag it gets or why it gets none.
 */
#include <string.h>

#include <apr_strings.h>

#include "tap.h"
#include "occi_entity.h"
#include "occi_provider_network.h"

#define SCHEME "http://example.com/occi/provider_network#"

static occi_entity *network(apr_pool_t *pool, const char *term, long long vlan)
{
    occi_entity *entity = occi_entity_create(pool);

    entity->kind = OCCI_SCHEME_INFRA "network";
    if (term) {
        APR_ARRAY_PUSH(entity->mixins, const char *) = apr_pstrcat(pool, SCHEME, term, NULL);
    }
    if (vlan) {
        occi_value value;

        memset(&value, 0, sizeof(value));
        value.type = OCCI_TYPE_INTEGER;
        value.integer = vlan;
        occi_entity_set(entity, "occi.network.vlan", &value);
    }
    return entity;
}

static const char *vlan_of(apr_pool_t *pool, const occi_provider_network *pn, long long asked)
{
    const char *why;
    int vlan = occi_provider_network_vlan(pool, pn, network(pool, pn->name, asked), &why);

    return vlan < 0 ? why : apr_itoa(pool, vlan);
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    apr_array_header_t *declared = apr_array_make(pool, 3, sizeof(occi_provider_network));
    occi_provider_network *plain = apr_array_push(declared);
    occi_provider_network *ovs = apr_array_push(declared);
    occi_provider_network *tagged = apr_array_push(declared);
    occi_category *mixin;

    *plain = (occi_provider_network){ "public", "br-public", 0, 0 };
    *ovs = (occi_provider_network){ "tenants", "br-ovs", 0, 1 };
    *tagged = (occi_provider_network){ "office", "br-ovs", 42, 1 };

    mixin = occi_provider_network_mixin(pool, "http://example.com/occi/", ovs);
    tap_is_str(mixin->scheme, SCHEME, "the mixin's scheme is the provider's provider_network#");
    tap_is_str(mixin->term, "tenants", "its term the network's name");
    tap_is_str(mixin->location, "/mixin/provider_network/tenants/", "its location");
    tap_is_str(mixin->applies[0], OCCI_SCHEME_INFRA "network", "it applies to networks");

    tap_ok(occi_provider_network_of(declared, SCHEME, network(pool, "office", 0)) == tagged,
           "a network with a declared mixin is of that provider network");
    tap_ok(occi_provider_network_of(declared, SCHEME, network(pool, "gone", 0)) == NULL,
           "one with an undeclared name is of none");
    tap_ok(occi_is_provider_network(SCHEME, network(pool, "gone", 0)),
           "but is a provider network all the same");
    tap_ok(!occi_is_provider_network(SCHEME, network(pool, NULL, 0)),
           "a network without the mixin is a private one");
    tap_ok(!occi_is_provider_network(NULL, network(pool, "office", 0)),
           "and so is every network without provider networks");

    tap_is_str(vlan_of(pool, plain, 0), "0", "a Linux bridge, no VLAN asked: untagged");
    tap_like(vlan_of(pool, plain, 100), "does not tag (not Open vSwitch)",
             "a VLAN asked of a Linux bridge is refused");
    tap_is_str(vlan_of(pool, ovs, 100), "100", "Open vSwitch tags the VLAN asked");
    tap_is_str(vlan_of(pool, ovs, 0), "0", "or none");
    tap_like(vlan_of(pool, ovs, 4095), "1 to 4094", "but not 4095, which no port carries");
    tap_is_str(vlan_of(pool, tagged, 0), "42", "a provider network's own VLAN");
    tap_is_str(vlan_of(pool, tagged, 42), "42", "asked for again");
    tap_like(vlan_of(pool, tagged, 7), "has VLAN 42", "another is refused, naming its own");
    return tap_done(pool);
}
