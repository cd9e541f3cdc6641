/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quotas as resources: see occi_quota_kind.h.
 */
#include <string.h>

#include <apr_sha1.h>
#include <apr_strings.h>

#include "occi_quota_kind.h"

/* What a quota resource shows; none is set by clients. */
static const occi_attribute_def quota_attributes[] = {
    { "quota.tenant", OCCI_TYPE_STRING, 0, 0, NULL, NULL, 0, 0, 0,
      "The tenant (the owner of what it makes)", 0 },
    { "quota.cores.used", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "Cores of the tenant's computes", 0 },
    { "quota.cores.limit", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "The most cores it may hold (absent: no limit)", 0 },
    { "quota.memory.used", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "Memory in GiB of the tenant's computes", 0 },
    { "quota.memory.limit", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "The most memory in GiB it may hold (absent: no limit)", 0 },
    { "quota.storage.used", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "Size in GiB of the tenant's storages", 0 },
    { "quota.storage.limit", OCCI_TYPE_FLOAT, 0, 0, NULL, NULL, 0, 0, 0,
      "The most storage in GiB it may hold (absent: no limit)", 0 },
    { "quota.computes.used", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "The tenant's computes", 0 },
    { "quota.computes.limit", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "The most computes it may hold (absent: no limit)", 0 },
    { "quota.networks.used", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "The tenant's networks", 0 },
    { "quota.networks.limit", OCCI_TYPE_INTEGER, 0, 0, NULL, NULL, 0, 0, 0,
      "The most networks it may hold (absent: no limit)", 0 },
};

occi_category *occi_quota_kind(apr_pool_t *pool, const char *provider_scheme)
{
    occi_category *kind = apr_pcalloc(pool, sizeof(*kind));

    kind->cls = OCCI_CLASS_KIND;
    kind->scheme = apr_pstrcat(pool, provider_scheme, "quota#", NULL);
    kind->term = "quota";
    kind->title = "Quota: what a tenant holds and may hold (read only)";
    kind->location = "/quota/";
    kind->parent = OCCI_SCHEME_CORE "resource";
    kind->attributes = quota_attributes;
    kind->n_attributes = (int)(sizeof(quota_attributes) / sizeof(quota_attributes[0]));
    return kind;
}

int occi_quota_category(const char *provider_scheme, const char *type_id)
{
    size_t length = strlen(provider_scheme);

    return !strncmp(type_id, provider_scheme, length) && !strcmp(type_id + length, "quota#quota");
}

const char *occi_quota_id(apr_pool_t *pool, const char *tenant)
{
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_sha1_ctx_t context;

    /* A name-based UUID (version 5 layout) in a namespace of our own, as
     * a host's (occi_host_id). */
    apr_sha1_init(&context);
    apr_sha1_update(&context, "mod_occi quota ", 15);
    apr_sha1_update(&context, tenant, (unsigned int)strlen(tenant));
    apr_sha1_final(digest, &context);
    digest[6] = (unsigned char)((digest[6] & 0x0F) | 0x50);
    digest[8] = (unsigned char)((digest[8] & 0x3F) | 0x80);
    return apr_psprintf(pool, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                        "%02x%02x%02x%02x%02x%02x",
                        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                        digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                        digest[12], digest[13], digest[14], digest[15]);
}

/* An amount as the resource shows it: GiB for memory and storage. */
static void set_amount(apr_pool_t *pool, occi_entity *entity, int dimension,
                       const char *which, long long amount)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    if (dimension == OCCI_QUOTA_MEMORY || dimension == OCCI_QUOTA_STORAGE) {
        value.type = OCCI_TYPE_FLOAT;
        value.number = (double)amount / 1024.0;
    }
    else {
        value.type = OCCI_TYPE_INTEGER;
        value.integer = amount;
    }
    occi_entity_set(entity, apr_pstrcat(pool, "quota.", occi_quota_key(dimension), ".", which,
                                        NULL), &value);
}

occi_entity *occi_quota_entity(apr_pool_t *pool, const char *kind_id, const char *tenant,
                               const occi_quota_amounts *used,
                               const occi_quota_limits *limits)
{
    occi_entity *quota = occi_entity_create(pool);
    /* FNV-1a over what it shows: the ETag moves when the usage or a
     * limit does. */
    apr_uint64_t hash = 14695981039346656037ULL;
    int i;

    quota->id = occi_quota_id(pool, tenant);
    quota->kind = kind_id;
    quota->owner = tenant;
    if (*tenant) {
        occi_entity_set_string(pool, quota, "occi.core.title", tenant);
    }
    occi_entity_set_string(pool, quota, "quota.tenant", tenant);
    for (i = 0; i < OCCI_QUOTA_DIMENSIONS; i++) {
        set_amount(pool, quota, i, "used", used->amount[i]);
        if (limits->limit[i] != OCCI_QUOTA_UNLIMITED) {
            set_amount(pool, quota, i, "limit", limits->limit[i]);
        }
        hash = (hash ^ (apr_uint64_t)used->amount[i]) * 1099511628211ULL;
        hash = (hash ^ (apr_uint64_t)limits->limit[i]) * 1099511628211ULL;
    }
    /* Positive and within a double's whole numbers. */
    quota->revision = (long long)(hash >> 12) + 1;
    return quota;
}
