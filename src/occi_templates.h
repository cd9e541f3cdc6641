/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provider templates (GFD.224 §3.6): OS templates (mixins depending on
 * os_tpl) and resource templates or flavours (mixins depending on
 * resource_tpl whose defaults size a compute).
 */
#ifndef OCCI_TEMPLATES_H
#define OCCI_TEMPLATES_H

#include <apr_pools.h>

#include "occi_model.h"

/* An OS template mixin: scheme <provider_scheme>os_tpl#, location
 * /mixin/os_tpl/<term>/. */
occi_category *occi_os_template(apr_pool_t *pool, const char *provider_scheme,
                                const char *term, const char *title);

/* A resource template mixin: scheme <provider_scheme>resource_tpl#,
 * location /mixin/resource_tpl/<term>/, whose defaults
 * set occi.compute.cores and occi.compute.memory (GiB). */
occi_category *occi_resource_template(apr_pool_t *pool, const char *provider_scheme,
                                      const char *term, const char *title,
                                      int cores, double memory_gib);

/* Memory in GiB in its canonical text form ("0.5", "2.0"). */
const char *occi_format_gib(apr_pool_t *pool, double gib);

#endif
