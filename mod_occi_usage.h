/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What computes use over time (mod_occi_usage.c): the background sampler
 * and GET <mount>/-/usage/<uuid>.
 */
#ifndef MOD_OCCI_USAGE_H
#define MOD_OCCI_USAGE_H

#include "mod_occi.h"

/* Seconds between readings when OCCIUsageInterval is not set. */
#define OCCI_USAGE_DEFAULT_INTERVAL 10

/* Seconds between readings, as configured; 0 when Off. */
int occi_usage_interval(server_rec *main_server);

/* post_config: starts the sampler's thread in every child, where a server
 * has a hypervisor and OCCIUsageInterval is not Off. */
void occi_usage_configure(apr_pool_t *pconf, server_rec *main_server);

/* Whether path (below the mount) is /-/usage/...; *id is the compute's
 * id, or NULL when the rest of the path is no compute's id. */
int occi_usage_path(apr_pool_t *pool, const char *path, const char **id);

/* Answers GET /-/usage/<uuid>: the points of the last hour, in JSON. */
int occi_usage_answer(occi_request *req, const char *id);

#endif
