/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provider networks: networks the operator wires on every hypervisor host
 * (a bridge of the same name on each, joined by a physical NIC or a VXLAN;
 * OCCIProviderNetwork), which tenants join by making a network with the
 * provider network's mixin (<provider scheme>provider_network#NAME). Such
 * a network belongs to no host: computes on any host attach to the bridge,
 * and reach each other. Where the bridge is Open vSwitch, a network may
 * carry a VLAN tag (the declaration's, or occi.network.vlan); elsewhere a
 * tag is refused.
 */
#ifndef OCCI_PROVIDER_NETWORK_H
#define OCCI_PROVIDER_NETWORK_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_entity.h"
#include "occi_model.h"

/* The mixins' scheme, after the provider's: <provider scheme>provider_network#. */
#define OCCI_PROVIDER_NETWORK_SUFFIX "provider_network#"

typedef struct occi_provider_network {
    const char *name;          /* the operator's name, the mixin's term */
    const char *bridge;        /* the bridge on every host */
    int vlan;                  /* the tag its ports get (Open vSwitch); 0: none */
    int openvswitch;           /* the bridge is Open vSwitch: it can tag */
} occi_provider_network;

/* The mixin of provider network pn, applying to networks, at
 * /mixin/provider_network/<name>/. */
occi_category *occi_provider_network_mixin(apr_pool_t *pool, const char *provider_scheme,
                                           const occi_provider_network *pn);

/* The provider network (among networks, occi_provider_network) that network
 * is a member of by its mixins (scheme: the mixins' scheme), or NULL for a
 * private network. */
const occi_provider_network *occi_provider_network_of(const apr_array_header_t *networks,
                                                      const char *scheme,
                                                      const occi_entity *network);

/* Whether entity is a network with a mixin of the provider networks'
 * scheme (NULL: none): a provider network, whether or not this server
 * declares it. */
int occi_is_provider_network(const char *scheme, const occi_entity *entity);

/* The VLAN tag a network of pn gets (0: none), or -1 with *why when its
 * occi.network.vlan cannot be honoured: pn's bridge cannot tag, or pn has
 * a tag of its own that differs. */
int occi_provider_network_vlan(apr_pool_t *pool, const occi_provider_network *pn,
                               const occi_entity *network, const char **why);

#endif
