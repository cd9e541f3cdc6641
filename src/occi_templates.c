/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "occi_templates.h"

static const char *const depends_os_tpl[] = { OCCI_SCHEME_INFRA "os_tpl", NULL };
static const char *const depends_resource_tpl[] = { OCCI_SCHEME_INFRA "resource_tpl", NULL };
static const char *const applies_compute[] = { OCCI_SCHEME_INFRA "compute", NULL };

const char *occi_format_gib(apr_pool_t *pool, double gib)
{
    char text[64];

    /* APR's formatter drops the leading zero of "0.5"; the C library's
     * does not (httpd never changes the C locale, so the point is '.'). */
    snprintf(text, sizeof(text), "%.6g", gib);
    return strpbrk(text, ".e") ? apr_pstrdup(pool, text) : apr_pstrcat(pool, text, ".0", NULL);
}

/* A provider template mixin of the given kind ("os_tpl" or "resource_tpl"):
 * scheme <provider>kind#, location /mixin/<kind>/<term>/, applies to compute. */
static occi_category *template_mixin(apr_pool_t *pool, const char *provider_scheme,
                                     const char *kind, const char *const *depends,
                                     const char *term, const char *title)
{
    occi_category *category = apr_pcalloc(pool, sizeof(*category));

    category->cls = OCCI_CLASS_MIXIN;
    category->scheme = apr_pstrcat(pool, provider_scheme, kind, "#", NULL);
    category->term = apr_pstrdup(pool, term);
    category->title = apr_pstrdup(pool, title);
    category->location = apr_pstrcat(pool, "/mixin/", kind, "/", term, "/", NULL);
    category->depends = depends;
    category->applies = applies_compute;
    category->is_provider_template = 1;
    return category;
}

occi_category *occi_os_template(apr_pool_t *pool, const char *provider_scheme,
                                const char *term, const char *title)
{
    return template_mixin(pool, provider_scheme, "os_tpl", depends_os_tpl, term, title);
}

occi_category *occi_resource_template(apr_pool_t *pool, const char *provider_scheme,
                                      const char *term, const char *title,
                                      int cores, double memory_gib)
{
    occi_category *category = template_mixin(pool, provider_scheme, "resource_tpl",
                                             depends_resource_tpl, term, title);
    occi_attribute_def *defaults = apr_pcalloc(pool, 2 * sizeof(*defaults));

    defaults[0].name = "occi.compute.cores";
    defaults[0].type = OCCI_TYPE_INTEGER;
    defaults[0].is_mutable = 1;
    defaults[0].default_value = apr_itoa(pool, cores);
    defaults[0].has_range = 1;
    defaults[0].minimum = 1;
    defaults[0].maximum = 1024;
    defaults[0].description = "Number of virtual CPU cores of this flavour";
    defaults[1].name = "occi.compute.memory";
    defaults[1].type = OCCI_TYPE_FLOAT;
    defaults[1].is_size = 1;
    defaults[1].is_mutable = 1;
    defaults[1].default_value = occi_format_gib(pool, memory_gib);
    defaults[1].description = "Memory of this flavour in GiB";
    category->attributes = defaults;
    category->n_attributes = 2;
    return category;
}
