/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provider networks: see occi_provider_network.h.
 */
#include <string.h>

#include <apr_strings.h>

#include "occi_provider_network.h"

static const char *const applies_network[] = { OCCI_SCHEME_INFRA "network", NULL };

occi_category *occi_provider_network_mixin(apr_pool_t *pool, const char *provider_scheme,
                                           const occi_provider_network *pn)
{
    occi_category *mixin = apr_pcalloc(pool, sizeof(*mixin));

    mixin->cls = OCCI_CLASS_MIXIN;
    mixin->scheme = apr_pstrcat(pool, provider_scheme, OCCI_PROVIDER_NETWORK_SUFFIX, NULL);
    mixin->term = pn->name;
    mixin->title = apr_psprintf(pool, "Provider network %s: joins its computes on every host%s",
                                pn->name, pn->openvswitch && !pn->vlan
                                          ? " (occi.network.vlan tags it)" : "");
    mixin->location = apr_pstrcat(pool, "/mixin/provider_network/", pn->name, "/", NULL);
    mixin->applies = applies_network;
    return mixin;
}

int occi_is_provider_network(const char *scheme, const occi_entity *entity)
{
    size_t length = scheme ? strlen(scheme) : 0;
    int i;

    if (!entity->kind || strcmp(entity->kind, OCCI_SCHEME_INFRA "network")) {
        return 0;
    }
    for (i = 0; length && entity->mixins && i < entity->mixins->nelts; i++) {
        if (!strncmp(APR_ARRAY_IDX(entity->mixins, i, const char *), scheme, length)) {
            return 1;
        }
    }
    return 0;
}

const occi_provider_network *occi_provider_network_of(const apr_array_header_t *networks,
                                                      const char *scheme,
                                                      const occi_entity *network)
{
    size_t length = scheme ? strlen(scheme) : 0;
    int i, j;

    for (i = 0; length && networks && network->mixins && i < network->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(network->mixins, i, const char *);

        if (strncmp(mixin, scheme, length)) {
            continue;
        }
        for (j = 0; j < networks->nelts; j++) {
            const occi_provider_network *pn = &APR_ARRAY_IDX(networks, j,
                                                             occi_provider_network);

            if (!strcmp(pn->name, mixin + length)) {
                return pn;
            }
        }
    }
    return NULL;
}

int occi_provider_network_vlan(apr_pool_t *pool, const occi_provider_network *pn,
                               const occi_entity *network, const char **why)
{
    const occi_value *asked = occi_entity_get(network, "occi.network.vlan");
    long long vlan = asked && asked->type == OCCI_TYPE_INTEGER ? asked->integer : 0;

    *why = NULL;
    if (!vlan) {
        return pn->vlan;
    }
    if (!pn->openvswitch) {
        *why = apr_psprintf(pool, "occi.network.vlan %" APR_INT64_T_FMT " cannot be honoured: provider "
                            "network %s is a bridge that does not tag (not Open vSwitch); "
                            "leave occi.network.vlan out", (apr_int64_t)vlan, pn->name);
        return -1;
    }
    if (pn->vlan && vlan != pn->vlan) {
        *why = apr_psprintf(pool, "occi.network.vlan %" APR_INT64_T_FMT ": provider network %s has VLAN "
                            "%d; leave occi.network.vlan out or give %d", (apr_int64_t)vlan,
                            pn->name, pn->vlan, pn->vlan);
        return -1;
    }
    if (vlan < 1 || vlan > 4094) {
        *why = apr_psprintf(pool, "occi.network.vlan %" APR_INT64_T_FMT " is not a VLAN an Open vSwitch "
                            "port can carry (1 to 4094)", (apr_int64_t)vlan);
        return -1;
    }
    return (int)vlan;
}
