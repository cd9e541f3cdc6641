/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hosts as resources, for administrators: see occi_host_kind.h.
 */
#include <string.h>

#include <apr_sha1.h>
#include <apr_strings.h>

#include "occi_host_kind.h"

static const char *const states[] = { "up", "unreachable", "disabled", NULL };

/* What a host resource shows; none is set by clients. */
static const occi_attribute_def host_attributes[] = {
    { "host.name", OCCI_TYPE_STRING, 0, 0, NULL, NULL, 0, 0, 0,
      "The host's name in the configuration (OCCIHypervisorHost)", 0 },
    { "host.state", OCCI_TYPE_STRING, 0, 0, NULL, states, 0, 0, 0,
      "up; unreachable (its hypervisor does not answer); disabled (no new placements)", 0 },
    { "host.cores", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "Logical CPUs, as libvirt reports them", 0 },
    { "host.memory", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "Memory in GiB, as libvirt reports it", 0 },
    { "host.disk", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "The storage pool's size in GiB", 0 },
    { "host.cpu_ratio", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "Virtual cores placed per logical CPU", 0 },
    { "host.memory_ratio", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "Memory placed per byte of memory", 0 },
    { "host.reserved_memory", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "Memory in GiB kept for the host itself", 0 },
    { "host.allocated.cores", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "Cores of the computes placed on it", 0 },
    { "host.allocated.memory", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "Memory in GiB of the computes placed on it", 0 },
    { "host.allocated.disk", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "Size in GiB of the storages placed on it", 0 },
    { "host.computes", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "Computes placed on it", 0 },
};

void occi_host_categories(apr_pool_t *pool, const char *provider_scheme,
                          occi_category **kind, apr_array_header_t **actions)
{
    const char *action_scheme = apr_pstrcat(pool, provider_scheme, "host/action#", NULL);
    const char **action_ids = apr_pcalloc(pool, 4 * sizeof(*action_ids));
    static const char *const terms[] = { "enable", "disable", "evacuate" };
    static const char *const titles[] = {
        "Enable: new entities may be placed on the host",
        "Disable: no new entity is placed on the host; those it holds keep working",
        "Evacuate: disable the host and migrate each of its computes to the host placement "
        "chooses"
    };
    int i;

    *kind = apr_pcalloc(pool, sizeof(**kind));
    (*kind)->cls = OCCI_CLASS_KIND;
    (*kind)->scheme = apr_pstrcat(pool, provider_scheme, "host#", NULL);
    (*kind)->term = "host";
    (*kind)->title = "Hypervisor host (administrators only)";
    (*kind)->location = "/host/";
    (*kind)->parent = OCCI_SCHEME_CORE "resource";
    (*kind)->attributes = host_attributes;
    (*kind)->n_attributes = (int)(sizeof(host_attributes) / sizeof(host_attributes[0]));
    *actions = apr_array_make(pool, 3, sizeof(occi_category *));
    for (i = 0; i < 3; i++) {
        occi_category *action = apr_pcalloc(pool, sizeof(*action));

        action->cls = OCCI_CLASS_ACTION;
        action->scheme = action_scheme;
        action->term = terms[i];
        action->title = titles[i];
        action_ids[i] = apr_pstrcat(pool, action_scheme, terms[i], NULL);
        APR_ARRAY_PUSH(*actions, occi_category *) = action;
    }
    (*kind)->actions = action_ids;
}

int occi_host_category(const char *provider_scheme, const char *type_id)
{
    size_t length = strlen(provider_scheme);

    return !strncmp(type_id, provider_scheme, length)
           && (!strcmp(type_id + length, "host#host")
               || !strncmp(type_id + length, "host/action#", 12)
               || !strcmp(type_id + length, "placement#placed")
               || !strcmp(type_id + length, "placement/action#migrate"));
}

const char *occi_host_id(apr_pool_t *pool, const char *name)
{
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_sha1_ctx_t context;

    /* A name-based UUID (version 5 layout) in a namespace of our own. */
    apr_sha1_init(&context);
    apr_sha1_update(&context, "mod_occi host ", 14);
    apr_sha1_update(&context, name, (unsigned int)strlen(name));
    apr_sha1_final(digest, &context);
    digest[6] = (unsigned char)((digest[6] & 0x0F) | 0x50);
    digest[8] = (unsigned char)((digest[8] & 0x3F) | 0x80);
    return apr_psprintf(pool, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                        "%02x%02x%02x%02x%02x%02x",
                        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                        digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                        digest[12], digest[13], digest[14], digest[15]);
}

static void set_integer(apr_pool_t *pool, occi_entity *entity, const char *name, long long n)
{
    occi_value value;

    (void)pool;
    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_INTEGER;
    value.integer = n;
    occi_entity_set(entity, name, &value);
}

static void set_number(occi_entity *entity, const char *name, double number)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_FLOAT;
    value.number = number;
    occi_entity_set(entity, name, &value);
}

static void set_gib(apr_pool_t *pool, occi_entity *entity, const char *name, double mib)
{
    (void)pool;
    set_number(entity, name, mib / 1024.0);
}

occi_entity *occi_host_entity(apr_pool_t *pool, const char *kind_id,
                              const occi_host_facts *facts)
{
    occi_entity *host = occi_entity_create(pool);

    host->id = occi_host_id(pool, facts->name);
    host->kind = kind_id;
    host->revision = 1;
    occi_entity_set_string(pool, host, "occi.core.title", facts->name);
    occi_entity_set_string(pool, host, "host.name", facts->name);
    occi_entity_set_string(pool, host, "host.state", !facts->enabled ? "disabled"
                                                     : !facts->reachable ? "unreachable" : "up");
    if (facts->reachable) {
        set_integer(pool, host, "host.cores", facts->cores);
        set_gib(pool, host, "host.memory", (double)facts->memory_mib);
        set_gib(pool, host, "host.disk", (double)facts->disk_capacity_mib);
    }
    set_number(host, "host.cpu_ratio", facts->cpu_ratio > 0 ? facts->cpu_ratio
                                                            : OCCI_PLACEMENT_DEFAULT_CPU_RATIO);
    set_number(host, "host.memory_ratio", facts->memory_ratio > 0
                                          ? facts->memory_ratio
                                          : OCCI_PLACEMENT_DEFAULT_MEMORY_RATIO);
    set_gib(pool, host, "host.reserved_memory", (double)facts->reserved_memory_mib);
    set_integer(pool, host, "host.allocated.cores", facts->allocated_cores);
    set_gib(pool, host, "host.allocated.memory", (double)facts->allocated_memory_mib);
    set_gib(pool, host, "host.allocated.disk", (double)facts->allocated_disk_mib);
    set_integer(pool, host, "host.computes", facts->computes);
    return host;
}

static const char *const applies_placed[] = {
    OCCI_SCHEME_INFRA "compute", OCCI_SCHEME_INFRA "storage", OCCI_SCHEME_INFRA "network",
    NULL
};
static const char *const applies_compute[] = { OCCI_SCHEME_INFRA "compute", NULL };

static const occi_attribute_def placed_attributes[] = {
    { OCCI_PLACED_HOST, OCCI_TYPE_STRING, 0, 0, NULL, NULL, 0, 0, 0,
      "The hypervisor host it lives on (OCCIHypervisorHost's name)", 0 },
};

/* Clients set it; a later change moves nothing (it counts at creation). */
static const occi_attribute_def anti_affinity_attributes[] = {
    { OCCI_ANTI_AFFINITY_GROUP, OCCI_TYPE_STRING, 1, 1, NULL, NULL, 0, 0, 0,
      "The group: no two of its computes share a host (each owner's groups are its own; it "
      "counts when the compute is made)", 0 },
};

/* A mixin of the provider's placement scheme, at /mixin/placement/<term>/. */
static occi_category *placement_mixin(apr_pool_t *pool, const char *provider_scheme,
                                      const char *term, const char *title,
                                      const char *const *applies,
                                      const occi_attribute_def *attribute)
{
    occi_category *category = apr_pcalloc(pool, sizeof(*category));

    category->cls = OCCI_CLASS_MIXIN;
    category->scheme = apr_pstrcat(pool, provider_scheme, "placement#", NULL);
    category->term = term;
    category->title = title;
    category->location = apr_pstrcat(pool, "/mixin/placement/", term, "/", NULL);
    category->applies = applies;
    category->attributes = attribute;
    category->n_attributes = 1;
    return category;
}

/* The target host of a migration; none: placement chooses. */
static const occi_attribute_def migrate_attributes[] = {
    { "host", OCCI_TYPE_STRING, 1, 0, NULL, NULL, 0, 0, 0,
      "The host to move to (OCCIHypervisorHost's name); without it, placement chooses "
      "among the other hosts", 0 },
};

occi_category *occi_placed_mixin(apr_pool_t *pool, const char *provider_scheme)
{
    occi_category *placed = placement_mixin(pool, provider_scheme, "placed",
                                            "Where the provider placed it (administrators "
                                            "only)", applies_placed, placed_attributes);
    const char **actions = apr_pcalloc(pool, 2 * sizeof(*actions));

    actions[0] = occi_migrate_action_id(pool, provider_scheme);
    placed->actions = actions;
    return placed;
}

const char *occi_migrate_action_id(apr_pool_t *pool, const char *provider_scheme)
{
    return apr_pstrcat(pool, provider_scheme, "placement/action#migrate", NULL);
}

occi_category *occi_migrate_action(apr_pool_t *pool, const char *provider_scheme)
{
    occi_category *action = apr_pcalloc(pool, sizeof(*action));

    action->cls = OCCI_CLASS_ACTION;
    action->scheme = apr_pstrcat(pool, provider_scheme, "placement/action#", NULL);
    action->term = "migrate";
    action->title = "Migrate: move the compute, with the storages it alone uses, to another "
                    "host; a running compute moves live (administrators only)";
    action->attributes = migrate_attributes;
    action->n_attributes = 1;
    return action;
}

occi_category *occi_anti_affinity_mixin(apr_pool_t *pool, const char *provider_scheme)
{
    return placement_mixin(pool, provider_scheme, "anti_affinity",
                           "Anti-affinity: the computes of one group go to different hosts",
                           applies_compute, anti_affinity_attributes);
}

occi_entity *occi_host_shown(apr_pool_t *pool, const char *provider_scheme,
                             occi_entity *entity)
{
    occi_entity *shown;

    if (!entity->host) {
        return entity;
    }
    shown = occi_entity_copy(pool, entity);
    APR_ARRAY_PUSH(shown->mixins, const char *) = apr_pstrcat(pool, provider_scheme,
                                                              "placement#placed", NULL);
    occi_entity_set_string(pool, shown, OCCI_PLACED_HOST, entity->host);
    return shown;
}

void occi_host_strip_placed(apr_pool_t *pool, const char *provider_scheme,
                            occi_entity *entity)
{
    const char *placed = apr_pstrcat(pool, provider_scheme, "placement#placed", NULL);
    const char **mixins = (const char **)entity->mixins->elts;
    int i, kept = 0;

    for (i = 0; i < entity->mixins->nelts; i++) {
        if (strcmp(mixins[i], placed)) {
            mixins[kept++] = mixins[i];
        }
    }
    entity->mixins->nelts = kept;
    occi_entity_set(entity, OCCI_PLACED_HOST, NULL);
    for (i = 0; i < entity->links->nelts; i++) {
        occi_host_strip_placed(pool, provider_scheme,
                               APR_ARRAY_IDX(entity->links, i, occi_entity *));
    }
}
