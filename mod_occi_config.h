/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directives (mod_occi_config.c): the server and directory
 * configurations, and the model and hypervisor settings built from them.
 */
#ifndef MOD_OCCI_CONFIG_H
#define MOD_OCCI_CONFIG_H

#include "mod_occi.h"
#include "occi_json.h"

/* OCCIJSONPattern, regex when unset. */
occi_json_pattern_style occi_json_pattern_of(const occi_server_conf *conf);

/* The scheme of the OS templates the save action makes. */
const char *occi_saved_template_scheme(apr_pool_t *pool, server_rec *s);

/* A host of a server and its hypervisor configuration. */
typedef struct {
    const occi_host_decl *decl;
    const occi_hypervisor_config *config;
} occi_host_settings;

/* The scheme of the provider networks' mixins (<provider scheme>provider_network#). */
const char *occi_provider_network_scheme(apr_pool_t *pool, server_rec *s);

/* The hosts of a server (occi_host_settings), in the operator's order: its
 * OCCIHypervisorHost lines, else OCCILibvirtURI's one host, named
 * "default"; none with OCCILibvirtURI none. */
apr_array_header_t *occi_hosts_settings(apr_pool_t *pool, server_rec *s);

/* The hypervisor configuration of a server's first host; NULL when the
 * server runs without one (OCCILibvirtURI none). */
const occi_hypervisor_config *occi_hypervisor_settings(apr_pool_t *pool, server_rec *s);

extern const command_rec occi_directives[];
void *occi_create_server_conf(apr_pool_t *pool, server_rec *s);
void *occi_merge_server_conf(apr_pool_t *pool, void *base_conf, void *add_conf);
void *occi_create_dir_conf(apr_pool_t *pool, char *dir);
void *occi_merge_dir_conf(apr_pool_t *pool, void *base_conf, void *add_conf);
occi_server_conf *occi_server_config(server_rec *s);

/* Builds the model of every server from its directives; OK or an error
 * status after logging why. */
int occi_build_models(apr_pool_t *pconf, server_rec *main_server);

/* Warns at start-up of OS templates whose files are missing on this
 * machine's hypervisor. */
void occi_warn_missing_images(apr_pool_t *ptemp, server_rec *main_server);

#endif
