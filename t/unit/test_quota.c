/* SPDX-License-Identifier: Apache-2.0 */
/* Quotas: the lines of OCCIQuota and their refusals, merging an inner
 * section over an outer one, the limits of a tenant, what entities hold,
 * and the decision with the sentence a client reads. */
#include "tap.h"
#include "occi_quota.h"
#include "occi_quota_kind.h"

#define COMPUTE OCCI_SCHEME_INFRA "compute"
#define STORAGE OCCI_SCHEME_INFRA "storage"
#define NETWORK OCCI_SCHEME_INFRA "network"

/* Parses one line of words (separated by spaces) into set. */
static const char *line(apr_pool_t *pool, occi_quota_set *set, const char *words)
{
    static char empty[] = "";
    char *copy = apr_pstrdup(pool, words), *state = NULL, *word;
    apr_array_header_t *argv = apr_array_make(pool, 8, sizeof(char *));

    for (word = apr_strtok(copy, " ", &state); word; word = apr_strtok(NULL, " ", &state)) {
        APR_ARRAY_PUSH(argv, char *) = strcmp(word, "''") ? word : empty;
    }
    return occi_quota_parse(pool, set, "OCCIQuota", argv->nelts, (char *const *)argv->elts);
}

static occi_quota_limits limits_of(const occi_quota_set *set, const char *tenant)
{
    occi_quota_limits limits;

    occi_quota_resolve(set, tenant, &limits);
    return limits;
}

/* The limits as "cores memory storage computes networks", - for none. */
static const char *limits_text(apr_pool_t *pool, const occi_quota_limits *limits)
{
    const char *text = "";
    int i;

    for (i = 0; i < OCCI_QUOTA_DIMENSIONS; i++) {
        text = apr_pstrcat(pool, text, i ? " " : "",
                           limits->limit[i] == OCCI_QUOTA_UNLIMITED
                           ? "-" : apr_psprintf(pool, "%" APR_INT64_T_FMT,
                                                (apr_int64_t)limits->limit[i]), NULL);
    }
    return text;
}

static const char *resolved(apr_pool_t *pool, const occi_quota_set *set, const char *tenant)
{
    occi_quota_limits limits = limits_of(set, tenant);

    return limits_text(pool, &limits);
}

static void test_parse(apr_pool_t *pool)
{
    occi_quota_set *set = occi_quota_set_make(pool);
    const char *error;

    tap_is_str(resolved(pool, set, "blue"), "- - - - -", "no line: no limit");
    tap_ok(!occi_quota_limited(&(occi_quota_limits){ { -1, -1, -1, -1, -1 } }),
           "nothing set is not limited");
    tap_is_str(line(pool, set, "cores=8 memory=16 storage=100 computes=4 networks=2"), NULL,
               "a default line with every key");
    tap_is_str(resolved(pool, set, "blue"), "8 16384 102400 4 2",
               "it applies to any tenant, memory and storage in MiB");
    tap_is_str(line(pool, set, "blue cores=4"), NULL, "a tenant's line");
    tap_is_str(resolved(pool, set, "blue"), "4 16384 102400 4 2",
               "the tenant's value over the default, key by key");
    tap_is_str(resolved(pool, set, "red"), "8 16384 102400 4 2",
               "another tenant keeps the default");
    tap_is_str(line(pool, set, "blue memory=0.5 cores=6"), NULL, "a second line for the tenant");
    tap_is_str(resolved(pool, set, "blue"), "6 512 102400 4 2",
               "adds keys and replaces the ones it repeats");
    tap_is_str(line(pool, set, "green computes=0"), NULL, "a limit of 0");
    tap_is_str(resolved(pool, set, "green"), "8 16384 102400 0 2", "is a limit, not none");
    tap_is_str(line(pool, set, "'' cores=1"), NULL,
               "the tenant of requests without authentication");
    tap_is_str(resolved(pool, set, ""), "1 16384 102400 4 2", "has a line of its own");
    tap_is_str(line(pool, set, "storage=1.25"), NULL, "GiB with decimals");
    tap_is_str(resolved(pool, set, "red"), "8 16384 1280 4 2", "rounded to MiB");
    tap_is_str(line(pool, set, "memory=0.0001"), NULL, "a tiny amount");
    tap_is_str(resolved(pool, set, "red"), "8 0 1280 4 2", "rounds to the nearest MiB");
    tap_ok(occi_quota_limited(&(occi_quota_limits){ { -1, -1, -1, 0, -1 } }),
           "one limit of 0 is limited");
    {
        apr_array_header_t *tenants = occi_quota_tenants(pool, set);
        const char *names = "";
        int i;

        for (i = 0; i < tenants->nelts; i++) {
            names = apr_pstrcat(pool, names, "[", APR_ARRAY_IDX(tenants, i, const char *), "]",
                                NULL);
        }
        tap_is_str(names, "[][blue][green]", "the tenants named, in order");
    }

    error = line(pool, set, "ram=4");
    tap_like(error, "OCCIQuota: 'ram=4' is not understood", "an unknown key is refused");
    tap_like(error, "cores=N memory=GiB storage=GiB computes=N networks=N",
             "and the keys are named");
    tap_like(line(pool, set, "blue cores=4 bogus"), "'bogus' is not understood",
             "a second word without '=' is refused");
    tap_like(line(pool, set, "blue =4"), "'=4' is not understood", "an empty key is refused");
    tap_like(line(pool, set, "cores=abc"), "OCCIQuota: cores=abc is not a whole number",
             "a count that is not a number is refused, naming the value");
    tap_like(line(pool, set, "cores=-1"), "OCCIQuota: cores=-1 is not a whole number from 0",
             "a negative count is refused");
    tap_like(line(pool, set, "cores=1.5"), "cores=1.5 is not a whole number",
             "a count with decimals is refused");
    tap_like(line(pool, set, "cores="), "cores= is not a whole number", "an empty value too");
    tap_like(line(pool, set, "computes=99999999999"), "not a whole number from 0 to 1000000000",
             "a count past the largest");
    tap_like(line(pool, set, "memory=-2"), "OCCIQuota: memory=-2 is not a number of GiB",
             "negative GiB are refused");
    tap_like(line(pool, set, "storage=1e3"), "storage=1e3 is not a number of GiB",
             "GiB with an exponent are refused");
    tap_like(line(pool, set, "memory=1.2.3"), "memory=1.2.3 is not a number of GiB",
             "GiB with two dots are refused");
    tap_like(line(pool, set, "memory=."), "memory=. is not a number of GiB",
             "a lone dot is refused");
    tap_like(line(pool, set, "blue"), "OCCIQuota blue: no limit is given",
             "a tenant without a limit is refused");
    tap_like(line(pool, set, ""), "OCCIQuota takes an optional tenant and at least one of",
             "a line without anything is refused");
    tap_is_str(resolved(pool, set, "blue"), "6 512 1280 4 2",
               "refused lines change nothing");
}

static void test_merge(apr_pool_t *pool)
{
    occi_quota_set *outer = occi_quota_set_make(pool), *inner = occi_quota_set_make(pool);
    occi_quota_set *merged;

    line(pool, outer, "cores=8 memory=16");
    line(pool, outer, "blue cores=10 networks=1");
    line(pool, outer, "red computes=3");
    line(pool, inner, "cores=4");
    line(pool, inner, "blue memory=2");
    line(pool, inner, "green storage=5");
    merged = occi_quota_merge(pool, outer, inner);
    tap_is_str(resolved(pool, merged, "nobody"), "4 16384 - - -",
               "merged default: the inner key wins, the outer's other keys stay");
    tap_is_str(resolved(pool, merged, "blue"), "10 2048 - - 1",
               "a tenant of both: the inner key wins, the outer's stay");
    tap_is_str(resolved(pool, merged, "red"), "4 16384 - 3 -",
               "a tenant of the outer section only keeps its line");
    tap_is_str(resolved(pool, merged, "green"), "4 16384 5120 - -",
               "a tenant of the inner section only");
    tap_is_str(resolved(pool, outer, "blue"), "10 16384 - - 1", "the outer set is unchanged");
    tap_ok(occi_quota_merge(pool, NULL, inner) == inner, "no outer set: the inner one");
    tap_ok(occi_quota_merge(pool, outer, NULL) == outer, "no inner set: the outer one");
    tap_is_str(resolved(pool, NULL, "blue"), "- - - - -", "no set: no limit");
}

static occi_entity *entity(apr_pool_t *pool, const char *kind)
{
    occi_entity *e = occi_entity_create(pool);

    e->kind = kind;
    return e;
}

static void set_number(occi_entity *e, const char *name, int integer, double number)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = integer ? OCCI_TYPE_INTEGER : OCCI_TYPE_FLOAT;
    value.integer = (long long)number;
    value.number = number;
    occi_entity_set(e, name, &value);
}

static const char *amounts_text(apr_pool_t *pool, const occi_quota_amounts *amounts)
{
    return apr_psprintf(pool, "%" APR_INT64_T_FMT " %" APR_INT64_T_FMT " %" APR_INT64_T_FMT
                        " %" APR_INT64_T_FMT " %" APR_INT64_T_FMT,
                        (apr_int64_t)amounts->amount[0], (apr_int64_t)amounts->amount[1],
                        (apr_int64_t)amounts->amount[2], (apr_int64_t)amounts->amount[3],
                        (apr_int64_t)amounts->amount[4]);
}

static const char *demand(apr_pool_t *pool, const occi_entity *e)
{
    occi_quota_amounts amounts;

    memset(&amounts, 0, sizeof(amounts));
    occi_quota_add_demand(e, &amounts);
    return amounts_text(pool, &amounts);
}

static void test_demand(apr_pool_t *pool)
{
    occi_entity *compute = entity(pool, COMPUTE), *storage = entity(pool, STORAGE);
    occi_entity *bigger;
    occi_quota_amounts growth;

    tap_is_str(demand(pool, compute), "1 1024 0 1 0",
               "a compute without sizes: 1 core, 1 GiB, 1 compute");
    set_number(compute, "occi.compute.cores", 1, 4);
    set_number(compute, "occi.compute.memory", 0, 0.5);
    tap_is_str(demand(pool, compute), "4 512 0 1 0", "a compute's cores and memory");
    set_number(compute, "occi.compute.memory", 1, 3);
    tap_is_str(demand(pool, compute), "4 3072 0 1 0", "memory given as a whole number");
    set_number(compute, "occi.compute.memory", 0, 0.0001);
    tap_is_str(demand(pool, compute), "4 0 0 1 0", "memory rounded to the nearest MiB");
    occi_entity_set_string(pool, compute, "occi.compute.cores", "many");
    tap_is_str(demand(pool, compute), "1 0 0 1 0", "cores that are no number count as absent");
    tap_is_str(demand(pool, storage), "0 0 0 0 0", "a storage without a size holds nothing");
    set_number(storage, "occi.storage.size", 0, 1.5);
    tap_is_str(demand(pool, storage), "0 0 1536 0 0", "a storage's size in MiB");
    tap_is_str(demand(pool, entity(pool, NETWORK)), "0 0 0 0 1", "a network: one network");
    tap_is_str(demand(pool, entity(pool, OCCI_SCHEME_INFRA "networkinterface")), "0 0 0 0 0",
               "a link holds nothing");
    tap_is_str(demand(pool, entity(pool, "http://example.com/occi/quota#quota")), "0 0 0 0 0",
               "nor does any other kind");

    compute = entity(pool, COMPUTE);
    set_number(compute, "occi.compute.cores", 1, 2);
    set_number(compute, "occi.compute.memory", 1, 4);
    bigger = occi_entity_copy(pool, compute);
    set_number(bigger, "occi.compute.cores", 1, 6);
    set_number(bigger, "occi.compute.memory", 1, 1);
    memset(&growth, 0, sizeof(growth));
    occi_quota_add_growth(compute, bigger, &growth);
    tap_is_str(amounts_text(pool, &growth), "4 0 0 0 0",
               "growth counts what grows and not what shrinks");
    tap_ok(occi_quota_asks(&growth), "it asks for something");
    memset(&growth, 0, sizeof(growth));
    occi_quota_add_growth(bigger, compute, &growth);
    tap_is_str(amounts_text(pool, &growth), "0 3072 0 0 0", "the other way round");
    memset(&growth, 0, sizeof(growth));
    occi_quota_add_growth(compute, compute, &growth);
    tap_ok(!occi_quota_asks(&growth), "no change asks for nothing");
}

static void test_check(apr_pool_t *pool)
{
    occi_quota_set *set = occi_quota_set_make(pool);
    occi_quota_limits limits;
    occi_quota_amounts after, asked;
    const char *message;

    line(pool, set, "cores=8 memory=4 storage=10");
    limits = limits_of(set, "blue");
    memset(&after, 0, sizeof(after));
    memset(&asked, 0, sizeof(asked));
    after.amount[OCCI_QUOTA_CORES] = 8;
    asked.amount[OCCI_QUOTA_CORES] = 2;
    tap_is_str(occi_quota_check(pool, "blue", &limits, &after, &asked), NULL,
               "exactly at the limit is allowed");
    after.amount[OCCI_QUOTA_CORES] = 10;
    asked.amount[OCCI_QUOTA_CORES] = 4;
    tap_is_str(occi_quota_check(pool, "blue", &limits, &after, &asked),
               "over the quota of tenant blue: cores: 6 in use, 4 asked, 8 allowed",
               "one over: refused, saying what is used, asked and allowed");
    after.amount[OCCI_QUOTA_CORES] = 9;
    asked.amount[OCCI_QUOTA_CORES] = 0;
    after.amount[OCCI_QUOTA_COMPUTES] = 50;
    asked.amount[OCCI_QUOTA_STORAGE] = 1024;
    after.amount[OCCI_QUOTA_STORAGE] = 5 * 1024;
    tap_is_str(occi_quota_check(pool, "blue", &limits, &after, &asked), NULL,
               "a dimension over its limit that the change does not grow is no reason");
    asked.amount[OCCI_QUOTA_CORES] = 1;
    asked.amount[OCCI_QUOTA_MEMORY] = 1536;
    after.amount[OCCI_QUOTA_MEMORY] = 4096 + 512;
    tap_is_str(occi_quota_check(pool, "blue", &limits, &after, &asked),
               "over the quota of tenant blue: cores: 8 in use, 1 asked, 8 allowed; "
               "memory: 3 GiB in use, 1.5 GiB asked, 4 GiB allowed",
               "every dimension over is named, memory in GiB");
    asked.amount[OCCI_QUOTA_MEMORY] = 100;
    after.amount[OCCI_QUOTA_MEMORY] = 4096 + 100;
    asked.amount[OCCI_QUOTA_CORES] = 0;
    message = occi_quota_check(pool, "", &limits, &after, &asked);
    tap_is_str(message, "over the quota of the tenant of requests without authentication: "
               "memory: 4 GiB in use, 0.098 GiB asked, 4 GiB allowed",
               "the tenant without a name, and GiB to three decimals");
    limits = limits_of(NULL, "blue");
    after.amount[OCCI_QUOTA_CORES] = 1000;
    asked.amount[OCCI_QUOTA_CORES] = 1000;
    tap_is_str(occi_quota_check(pool, "blue", &limits, &after, &asked), NULL,
               "no limit: anything goes");
    tap_is_str(occi_quota_check(pool, "blue", NULL, &after, &asked), NULL, "no limits at all");
}

static void test_kind(apr_pool_t *pool)
{
    occi_category *kind = occi_quota_kind(pool, "http://cloud.example.com/occi/");
    occi_quota_set *set = occi_quota_set_make(pool);
    occi_quota_amounts used = { { 3, 1536, 0, 2, 1 } };
    occi_quota_limits limits;
    occi_entity *quota;
    const occi_value *value;
    long long revision;

    tap_is_str(kind->scheme, "http://cloud.example.com/occi/quota#", "the kind's scheme");
    tap_is_str(kind->location, "/quota/", "its location");
    tap_ok(occi_quota_category("http://cloud.example.com/occi/",
                               "http://cloud.example.com/occi/quota#quota"), "its type id");
    tap_ok(!occi_quota_category("http://cloud.example.com/occi/",
                                "http://cloud.example.com/occi/host#host"), "not another's");
    tap_is_str(occi_quota_id(pool, "blue"), occi_quota_id(pool, "blue"),
               "a tenant's id is always the same");
    tap_ok(strcmp(occi_quota_id(pool, "blue"), occi_quota_id(pool, "red")) != 0,
           "and differs from another's");
    tap_is_int((long long)strlen(occi_quota_id(pool, "")), 36, "a UUID, for the empty tenant too");
    line(pool, set, "cores=8 memory=2");
    occi_quota_resolve(set, "blue", &limits);
    quota = occi_quota_entity(pool, "http://cloud.example.com/occi/quota#quota", "blue", &used,
                              &limits);
    tap_is_str(occi_entity_get_string(quota, "quota.tenant"), "blue", "quota.tenant");
    value = occi_entity_get(quota, "quota.cores.used");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == 3, "quota.cores.used");
    value = occi_entity_get(quota, "quota.cores.limit");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == 8, "quota.cores.limit");
    value = occi_entity_get(quota, "quota.memory.used");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 1.5,
           "quota.memory.used in GiB");
    value = occi_entity_get(quota, "quota.memory.limit");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 2.0, "quota.memory.limit");
    tap_ok(occi_entity_get(quota, "quota.storage.limit") == NULL,
           "no limit: the attribute is absent");
    value = occi_entity_get(quota, "quota.networks.used");
    tap_ok(value && value->integer == 1, "quota.networks.used");
    revision = quota->revision;
    used.amount[OCCI_QUOTA_CORES]++;
    tap_ok(occi_quota_entity(pool, quota->kind, "blue", &used, &limits)->revision != revision,
           "the revision (ETag) moves with the usage");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_parse(pool);
    test_merge(pool);
    test_demand(pool);
    test_check(pool);
    test_kind(pool);
    return tap_done(pool);
}
