/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quotas per tenant: see occi_quota.h.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "occi_quota.h"

#define KIND_COMPUTE OCCI_SCHEME_INFRA "compute"
#define KIND_STORAGE OCCI_SCHEME_INFRA "storage"
#define KIND_NETWORK OCCI_SCHEME_INFRA "network"

/* The largest value a key takes: a count, or GiB (10^12 MiB still fits
 * far within a long long). */
#define LARGEST 1000000000LL

static const char *const keys[OCCI_QUOTA_DIMENSIONS] = {
    "cores", "memory", "storage", "computes", "networks"
};

/* Whether a dimension's configuration is in GiB (its amounts in MiB). */
static int in_gib(int dimension)
{
    return dimension == OCCI_QUOTA_MEMORY || dimension == OCCI_QUOTA_STORAGE;
}

const char *occi_quota_key(occi_quota_dimension dimension)
{
    return dimension < OCCI_QUOTA_DIMENSIONS ? keys[dimension] : "?";
}

void occi_quota_limits_clear(occi_quota_limits *limits)
{
    int i;

    for (i = 0; i < OCCI_QUOTA_DIMENSIONS; i++) {
        limits->limit[i] = OCCI_QUOTA_UNLIMITED;
    }
}

occi_quota_set *occi_quota_set_make(apr_pool_t *pool)
{
    occi_quota_set *set = apr_palloc(pool, sizeof(*set));

    occi_quota_limits_clear(&set->defaults);
    set->tenants = apr_hash_make(pool);
    return set;
}

/* A whole number from 0 to LARGEST, written in decimal digits only. */
static int parse_whole(const char *text, long long *value)
{
    size_t length = strlen(text);

    if (length == 0 || length > 10 || strspn(text, "0123456789") != length) {
        return -1;
    }
    *value = apr_atoi64(text);
    return *value <= LARGEST ? 0 : -1;
}

/* GiB from 0 to LARGEST, digits with at most one '.', as MiB (rounded to
 * the nearest, as an attribute's GiB are). */
static int parse_gib(const char *text, long long *mib)
{
    size_t length = strlen(text);
    const char *dot = strchr(text, '.');
    double gib;

    if (length == 0 || length > 32 || strspn(text, "0123456789.") != length
        || (dot && strchr(dot + 1, '.')) || strspn(text, "0123456789") == 0) {
        return -1;
    }
    gib = strtod(text, NULL);
    if (gib > (double)LARGEST) {
        return -1;
    }
    *mib = (long long)(gib * 1024 + 0.5);
    return 0;
}

static const char *usage_sentence(apr_pool_t *pool, const char *directive)
{
    return apr_psprintf(pool, "%s takes an optional tenant and at least one of cores=N "
                        "memory=GiB storage=GiB computes=N networks=N, as in: %s blue "
                        "cores=8 memory=16", directive, directive);
}

const char *occi_quota_parse(apr_pool_t *pool, occi_quota_set *set, const char *directive,
                             int argc, char *const argv[])
{
    occi_quota_limits given, *limits;
    const char *tenant = NULL;
    int i, first = 0, any = 0;

    occi_quota_limits_clear(&given);
    if (argc > 0 && !strchr(argv[0], '=')) {
        tenant = argv[0];
        first = 1;
    }
    for (i = first; i < argc; i++) {
        const char *equals = strchr(argv[i], '=');
        size_t key_length = equals ? (size_t)(equals - argv[i]) : 0;
        long long value;
        int d;

        for (d = 0; equals && d < OCCI_QUOTA_DIMENSIONS; d++) {
            if (strlen(keys[d]) == key_length && !strncmp(argv[i], keys[d], key_length)) {
                break;
            }
        }
        if (!equals || d == OCCI_QUOTA_DIMENSIONS) {
            return apr_psprintf(pool, "%s: '%s' is not understood; %s", directive, argv[i],
                                usage_sentence(pool, directive));
        }
        if (in_gib(d) ? parse_gib(equals + 1, &value) : parse_whole(equals + 1, &value)) {
            return apr_psprintf(pool, "%s: %s is not %s from 0 to %" APR_INT64_T_FMT, directive,
                                argv[i], in_gib(d) ? "a number of GiB" : "a whole number",
                                (apr_int64_t)LARGEST);
        }
        given.limit[d] = value;
        any = 1;
    }
    if (!any) {
        return tenant ? apr_psprintf(pool, "%s %s: no limit is given; %s", directive, tenant,
                                     usage_sentence(pool, directive))
                      : usage_sentence(pool, directive);
    }
    if (!tenant) {
        limits = &set->defaults;
    }
    else if (!(limits = apr_hash_get(set->tenants, tenant, APR_HASH_KEY_STRING))) {
        limits = apr_palloc(pool, sizeof(*limits));
        occi_quota_limits_clear(limits);
        apr_hash_set(set->tenants, apr_pstrdup(pool, tenant), APR_HASH_KEY_STRING, limits);
    }
    for (i = 0; i < OCCI_QUOTA_DIMENSIONS; i++) {
        if (given.limit[i] != OCCI_QUOTA_UNLIMITED) {
            limits->limit[i] = given.limit[i];
        }
    }
    return NULL;
}

/* outer's limits with inner's set values over them. */
static void overlay(occi_quota_limits *result, const occi_quota_limits *outer,
                    const occi_quota_limits *inner)
{
    int i;

    for (i = 0; i < OCCI_QUOTA_DIMENSIONS; i++) {
        result->limit[i] = inner && inner->limit[i] != OCCI_QUOTA_UNLIMITED ? inner->limit[i]
                           : outer ? outer->limit[i] : OCCI_QUOTA_UNLIMITED;
    }
}

occi_quota_set *occi_quota_merge(apr_pool_t *pool, const occi_quota_set *base,
                                 const occi_quota_set *add)
{
    occi_quota_set *merged;
    apr_hash_index_t *each;

    if (!base || !add) {
        return (occi_quota_set *)(base ? base : add);
    }
    merged = occi_quota_set_make(pool);
    overlay(&merged->defaults, &base->defaults, &add->defaults);
    for (each = apr_hash_first(pool, base->tenants); each; each = apr_hash_next(each)) {
        const void *tenant;
        void *limits;
        occi_quota_limits *copy = apr_palloc(pool, sizeof(*copy));

        apr_hash_this(each, &tenant, NULL, &limits);
        overlay(copy, limits, apr_hash_get(add->tenants, tenant, APR_HASH_KEY_STRING));
        apr_hash_set(merged->tenants, tenant, APR_HASH_KEY_STRING, copy);
    }
    for (each = apr_hash_first(pool, add->tenants); each; each = apr_hash_next(each)) {
        const void *tenant;
        void *limits;

        apr_hash_this(each, &tenant, NULL, &limits);
        if (!apr_hash_get(merged->tenants, tenant, APR_HASH_KEY_STRING)) {
            apr_hash_set(merged->tenants, tenant, APR_HASH_KEY_STRING, limits);
        }
    }
    return merged;
}

void occi_quota_resolve(const occi_quota_set *set, const char *tenant,
                        occi_quota_limits *limits)
{
    if (!set) {
        occi_quota_limits_clear(limits);
        return;
    }
    overlay(limits, &set->defaults,
            apr_hash_get(set->tenants, tenant ? tenant : "", APR_HASH_KEY_STRING));
}

int occi_quota_limited(const occi_quota_limits *limits)
{
    int i;

    for (i = 0; i < OCCI_QUOTA_DIMENSIONS; i++) {
        if (limits->limit[i] != OCCI_QUOTA_UNLIMITED) {
            return 1;
        }
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

apr_array_header_t *occi_quota_tenants(apr_pool_t *pool, const occi_quota_set *set)
{
    apr_array_header_t *tenants = apr_array_make(pool, set ? (int)apr_hash_count(set->tenants)
                                                           : 0, sizeof(const char *));
    apr_hash_index_t *each;

    for (each = set ? apr_hash_first(pool, set->tenants) : NULL; each;
         each = apr_hash_next(each)) {
        const void *tenant;

        apr_hash_this(each, &tenant, NULL, NULL);
        APR_ARRAY_PUSH(tenants, const char *) = tenant;
    }
    qsort(tenants->elts, (size_t)tenants->nelts, sizeof(const char *), by_name);
    return tenants;
}

void occi_quota_add_demand(const occi_entity *entity, occi_quota_amounts *demand)
{
    if (!entity->kind) {
        return;
    }
    if (!strcmp(entity->kind, KIND_COMPUTE)) {
        demand->amount[OCCI_QUOTA_COMPUTES]++;
        demand->amount[OCCI_QUOTA_CORES]
            += (long long)occi_entity_get_number(entity, "occi.compute.cores", 1);
        demand->amount[OCCI_QUOTA_MEMORY]
            += (long long)(occi_entity_get_number(entity, "occi.compute.memory", 1) * 1024 + 0.5);
    }
    else if (!strcmp(entity->kind, KIND_STORAGE)) {
        demand->amount[OCCI_QUOTA_STORAGE]
            += (long long)(occi_entity_get_number(entity, "occi.storage.size", 0) * 1024 + 0.5);
    }
    else if (!strcmp(entity->kind, KIND_NETWORK)) {
        demand->amount[OCCI_QUOTA_NETWORKS]++;
    }
}

void occi_quota_add_growth(const occi_entity *current, const occi_entity *changed,
                           occi_quota_amounts *growth)
{
    occi_quota_amounts before, after;
    int i;

    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    occi_quota_add_demand(current, &before);
    occi_quota_add_demand(changed, &after);
    for (i = 0; i < OCCI_QUOTA_DIMENSIONS; i++) {
        if (after.amount[i] > before.amount[i]) {
            growth->amount[i] += after.amount[i] - before.amount[i];
        }
    }
}

int occi_quota_asks(const occi_quota_amounts *asked)
{
    int i;

    for (i = 0; i < OCCI_QUOTA_DIMENSIONS; i++) {
        if (asked->amount[i] > 0) {
            return 1;
        }
    }
    return 0;
}

/* An amount as the configuration writes it: GiB with up to three
 * decimals for memory and storage, a whole number otherwise. (apr_psprintf
 * knows no %lld: long long goes as apr_int64_t.) */
static const char *amount_text(apr_pool_t *pool, int dimension, long long amount)
{
    char *text, *end;

    if (!in_gib(dimension)) {
        return apr_psprintf(pool, "%" APR_INT64_T_FMT, (apr_int64_t)amount);
    }
    if (amount % 1024 == 0) {
        return apr_psprintf(pool, "%" APR_INT64_T_FMT " GiB", (apr_int64_t)(amount / 1024));
    }
    text = apr_psprintf(pool, "%.3f", (double)amount / 1024.0);
    end = text + strlen(text);
    while (end > text && end[-1] == '0') {
        *--end = '\0';
    }
    if (end > text && end[-1] == '.') {
        *--end = '\0';
    }
    return apr_pstrcat(pool, text, " GiB", NULL);
}

const char *occi_quota_check(apr_pool_t *pool, const char *tenant,
                             const occi_quota_limits *limits, const occi_quota_amounts *after,
                             const occi_quota_amounts *asked)
{
    const char *over = NULL;
    int i;

    for (i = 0; limits && i < OCCI_QUOTA_DIMENSIONS; i++) {
        long long limit = limits->limit[i];
        const char *clause;

        if (asked->amount[i] <= 0 || limit == OCCI_QUOTA_UNLIMITED
            || after->amount[i] <= limit) {
            continue;
        }
        clause = apr_psprintf(pool, "%s: %s in use, %s asked, %s allowed", keys[i],
                              amount_text(pool, i, after->amount[i] - asked->amount[i]),
                              amount_text(pool, i, asked->amount[i]),
                              amount_text(pool, i, limit));
        over = over ? apr_pstrcat(pool, over, "; ", clause, NULL) : clause;
    }
    if (!over) {
        return NULL;
    }
    return tenant && *tenant
           ? apr_psprintf(pool, "over the quota of tenant %s: %s", tenant, over)
           : apr_psprintf(pool, "over the quota of the tenant of requests without "
                          "authentication: %s", over);
}
