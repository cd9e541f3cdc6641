/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <apr_strings.h>

#include "occi_placement.h"

/* Why a host cannot take a request: the first filter that turned it away.
 * The values follow the order in which the filters run. */
typedef enum {
    FITS = 0,
    DISABLED,
    UNREACHABLE,
    NOT_THE_REQUIRED_HOST,
    OTHER_DOMAIN_TYPE,
    OTHER_ARCH,
    NO_IMAGE,
    GROUP_MEMBER_THERE,
    TOO_FEW_CORES,
    TOO_LITTLE_MEMORY,
    TOO_LITTLE_DISK,
    REJECTION_KINDS
} rejection;

/* The subject of *why when the request names its host. */
#define DEFAULT_HOST_ROLE "its private network's host"

/* a - b, held at the ends of long long rather than overflowing: the facts
 * come from configuration and libvirt, and a wild value must not make the
 * arithmetic undefined. */
static long long saturating_minus(long long a, long long b)
{
    if (b > 0 && a < LLONG_MIN + b) {
        return LLONG_MIN;
    }
    if (b < 0 && a > LLONG_MAX + b) {
        return LLONG_MAX;
    }
    return a - b;
}

/* floor(amount × ratio), the ratio defaulting when unset (0, negative or
 * NaN all read as unset: a zero-filled struct gets the defaults). */
static long long after_ratio(long long amount, double ratio, double default_ratio)
{
    double scaled;

    if (!(ratio > 0)) {
        ratio = default_ratio;
    }
    if (amount <= 0) {
        return 0;
    }
    scaled = (double)amount * ratio;
    /* Decimal ratios are not exact in binary: 100 × 1.15 comes out as
     * 114.99999999999999, which floor would make 114 where the operator
     * meant 115. The nudge is far below any fraction that a product of a
     * whole amount and a ratio written with a few decimals can have. */
    scaled += scaled * 1e-12;
    if (scaled >= 9.2e18) {
        return LLONG_MAX;
    }
    return (long long)floor(scaled);
}

int occi_host_free_cores(const occi_host_facts *host)
{
    long long free_cores = saturating_minus(
        after_ratio(host->cores, host->cpu_ratio, OCCI_PLACEMENT_DEFAULT_CPU_RATIO),
        host->allocated_cores);

    if (free_cores > INT_MAX) {
        return INT_MAX;
    }
    if (free_cores < INT_MIN) {
        return INT_MIN;
    }
    return (int)free_cores;
}

long long occi_host_free_memory_mib(const occi_host_facts *host)
{
    long long usable = after_ratio(host->memory_mib, host->memory_ratio,
                                   OCCI_PLACEMENT_DEFAULT_MEMORY_RATIO);

    return saturating_minus(saturating_minus(usable, host->reserved_memory_mib),
                            host->allocated_memory_mib);
}

long long occi_host_free_disk_mib(const occi_host_facts *host)
{
    /* Allocations count thin overlays at their virtual size, so capacity
     * minus allocations is what was promised; the pool's own free space
     * caps it, since copies, snapshots and other users of the pool take
     * room the store does not count. */
    long long unpromised = saturating_minus(host->disk_capacity_mib, host->allocated_disk_mib);

    return unpromised < host->disk_available_mib ? unpromised : host->disk_available_mib;
}

/* Whether names (const char *) holds name. */
static int listed(const apr_array_header_t *names, const char *name)
{
    int i;

    for (i = 0; i < names->nelts; i++) {
        const char *listed_name = APR_ARRAY_IDX(names, i, const char *);

        if (listed_name && strcmp(listed_name, name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A host whose offer is unknown is not turned away for it, nor is any host
 * when the request does not care. */
static int offers(const char *offered, const char *asked)
{
    return !asked || !offered || strcmp(offered, asked) == 0;
}

static int is_required_host(const occi_host_facts *host, const occi_placement_request *request)
{
    return host->name && strcmp(host->name, request->host) == 0;
}

static rejection first_rejection(const occi_host_facts *host,
                                 const occi_placement_request *request)
{
    if (!host->enabled) {
        return DISABLED;
    }
    if (!host->reachable) {
        return UNREACHABLE;
    }
    if (request->host && !is_required_host(host, request)) {
        return NOT_THE_REQUIRED_HOST;
    }
    if (!offers(host->domain_type, request->domain_type)) {
        return OTHER_DOMAIN_TYPE;
    }
    if (!offers(host->arch, request->arch)) {
        return OTHER_ARCH;
    }
    if (request->image && host->images && !listed(host->images, request->image)) {
        return NO_IMAGE;
    }
    if (request->group && host->groups && listed(host->groups, request->group)) {
        return GROUP_MEMBER_THERE;
    }
    /* Only what is asked is checked: a request for none of a resource
     * fits even on a host over-committed in it. */
    if (request->cores > 0 && occi_host_free_cores(host) < request->cores) {
        return TOO_FEW_CORES;
    }
    if (request->memory_mib > 0 && occi_host_free_memory_mib(host) < request->memory_mib) {
        return TOO_LITTLE_MEMORY;
    }
    if (request->disk_mib > 0 && occi_host_free_disk_mib(host) < request->disk_mib) {
        return TOO_LITTLE_DISK;
    }
    return FITS;
}

static int is_about_room(rejection reason)
{
    return reason == TOO_FEW_CORES || reason == TOO_LITTLE_MEMORY || reason == TOO_LITTLE_DISK;
}

static int is_about_availability(rejection reason)
{
    return reason == DISABLED || reason == UNREACHABLE;
}

/* ---- Wording -------------------------------------------------------------- */

/* parts (const char *) as an English list: "a", "a and b", "a, b and c";
 * last_separator is " and " or ", or ". */
static const char *english_list(apr_pool_t *pool, const apr_array_header_t *parts,
                                const char *last_separator)
{
    const char *list = "";
    int i;

    for (i = 0; i < parts->nelts; i++) {
        const char *separator = i == 0 ? "" : i == parts->nelts - 1 ? last_separator : ", ";

        list = apr_pstrcat(pool, list, separator, APR_ARRAY_IDX(parts, i, const char *), NULL);
    }
    return list;
}

/* An amount for a client: GiB with at most two decimals, as people write
 * what they ask for ("8 GiB", "1.5 GiB", "0.25 GiB"); below a two-hundredth
 * of a GiB, where that would read "0 GiB", in MiB. (apr_psprintf knows no
 * %lld: long long goes as apr_int64_t.) */
static const char *amount_for_client(apr_pool_t *pool, long long mib)
{
    long long hundredths = mib / 1024 * 100 + (mib % 1024 * 100 + 512) / 1024;

    if (hundredths == 0) {
        return apr_psprintf(pool, "%" APR_INT64_T_FMT " MiB", (apr_int64_t)mib);
    }
    if (hundredths % 100 == 0) {
        return apr_psprintf(pool, "%" APR_INT64_T_FMT " GiB", (apr_int64_t)(hundredths / 100));
    }
    if (hundredths % 10 == 0) {
        return apr_psprintf(pool, "%" APR_INT64_T_FMT ".%d GiB", (apr_int64_t)(hundredths / 100),
                            (int)(hundredths % 100 / 10));
    }
    return apr_psprintf(pool, "%" APR_INT64_T_FMT ".%02d GiB", (apr_int64_t)(hundredths / 100),
                        (int)(hundredths % 100));
}

/* "4 cores, 8 GiB of memory and 20 GiB of disk", leaving out what is not
 * asked. */
static const char *what_was_asked(apr_pool_t *pool, const occi_placement_request *request)
{
    apr_array_header_t *parts = apr_array_make(pool, 3, sizeof(const char *));

    if (request->cores > 0) {
        APR_ARRAY_PUSH(parts, const char *) =
            apr_psprintf(pool, "%d core%s", request->cores, request->cores == 1 ? "" : "s");
    }
    if (request->memory_mib > 0) {
        APR_ARRAY_PUSH(parts, const char *) =
            apr_pstrcat(pool, amount_for_client(pool, request->memory_mib), " of memory", NULL);
    }
    if (request->disk_mib > 0) {
        APR_ARRAY_PUSH(parts, const char *) =
            apr_pstrcat(pool, amount_for_client(pool, request->disk_mib), " of disk", NULL);
    }
    return parts->nelts ? english_list(pool, parts, " and ") : "it";
}

/* What turned one host away, for a client: a predicate after "each" or
 * after the required host's role. */
static const char *predicate_for_client(apr_pool_t *pool, const occi_placement_request *request,
                                        rejection reason)
{
    switch (reason) {
    case DISABLED:
    case UNREACHABLE:
        return "is disabled or unreachable";
    case OTHER_DOMAIN_TYPE:
        return apr_pstrcat(pool, "does not offer domain type ", request->domain_type, NULL);
    case OTHER_ARCH:
        return apr_pstrcat(pool, "does not offer architecture ", request->arch, NULL);
    case NO_IMAGE:
        return "does not have the OS template's image";
    case GROUP_MEMBER_THERE:
        return apr_pstrcat(pool, "already has a member of anti-affinity group ", request->group,
                           NULL);
    case TOO_FEW_CORES:
    case TOO_LITTLE_MEMORY:
    case TOO_LITTLE_DISK:
        return apr_pstrcat(pool, "has no room for ", what_was_asked(pool, request), NULL);
    default:
        return "cannot take it";
    }
}

/* *why when the request must go on one host: only that host's refusal
 * matters, told with its role ("its private network's host"). */
static const char *why_required_host_refused(apr_pool_t *pool,
                                             const apr_array_header_t *hosts,
                                             const occi_placement_request *request,
                                             const rejection *reasons)
{
    const char *role = request->host_role ? request->host_role : DEFAULT_HOST_ROLE;
    int i;

    for (i = 0; i < hosts->nelts; i++) {
        if (is_required_host(&APR_ARRAY_IDX(hosts, i, occi_host_facts), request)) {
            break;
        }
    }
    if (i == hosts->nelts) {
        return apr_pstrcat(pool, "no host can take it: ", role, " is not configured", NULL);
    }
    return apr_pstrcat(pool, is_about_availability(reasons[i]) ? "no host can take it now: " : "",
                       role, " ", predicate_for_client(pool, request, reasons[i]), NULL);
}

/* *why when any host might have taken it: room if some host that passed
 * every other filter lacked it (what was asked is what a client can
 * change), else the one cause all hosts share, else each cause seen. */
static const char *why_every_host_refused(apr_pool_t *pool, const apr_array_header_t *hosts,
                                          const occi_placement_request *request,
                                          const rejection *reasons)
{
    int seen[REJECTION_KINDS] = { 0 };
    int room = 0, availability = 0;
    int i;
    apr_array_header_t *predicates;

    for (i = 0; i < hosts->nelts; i++) {
        seen[reasons[i]]++;
        room += is_about_room(reasons[i]);
        availability += is_about_availability(reasons[i]);
    }
    if (room) {
        /* The hosts that already have a member of the group would have
         * had room perhaps: the client learns that the group narrows it. */
        if (seen[GROUP_MEMBER_THERE]) {
            return apr_pstrcat(pool, "no host without a member of anti-affinity group ",
                               request->group, " has room for ", what_was_asked(pool, request),
                               NULL);
        }
        return apr_pstrcat(pool, "no host has room for ", what_was_asked(pool, request), NULL);
    }
    if (availability == hosts->nelts) {
        return "no host can take it now: every host is disabled or unreachable";
    }
    if (seen[OTHER_DOMAIN_TYPE] == hosts->nelts) {
        return apr_pstrcat(pool, "no host offers domain type ", request->domain_type, NULL);
    }
    if (seen[OTHER_ARCH] == hosts->nelts) {
        return apr_pstrcat(pool, "no host offers architecture ", request->arch, NULL);
    }
    if (seen[NO_IMAGE] == hosts->nelts) {
        return "no host has the OS template's image";
    }
    if (seen[GROUP_MEMBER_THERE] == hosts->nelts) {
        return apr_pstrcat(pool, "every host already has a member of anti-affinity group ",
                           request->group, NULL);
    }
    /* Causes differ from host to host: each one, in the filters' order,
     * disabled and unreachable told as one. */
    predicates = apr_array_make(pool, REJECTION_KINDS, sizeof(const char *));
    if (availability) {
        APR_ARRAY_PUSH(predicates, const char *) = predicate_for_client(pool, request, DISABLED);
    }
    for (i = OTHER_DOMAIN_TYPE; i < REJECTION_KINDS; i++) {
        if (seen[i]) {
            APR_ARRAY_PUSH(predicates, const char *) =
                predicate_for_client(pool, request, (rejection)i);
        }
    }
    return apr_pstrcat(pool, availability ? "no host can take it now: each "
                                          : "no host can take it: each ",
                       english_list(pool, predicates, ", or "), NULL);
}

/* What turned one host away, for the operator: exact figures. */
static const char *reason_for_operator(apr_pool_t *pool, const occi_host_facts *host,
                                       const occi_placement_request *request, rejection reason)
{
    switch (reason) {
    case DISABLED:
        return "disabled";
    case UNREACHABLE:
        return "unreachable";
    case NOT_THE_REQUIRED_HOST:
        return apr_pstrcat(pool, "not ", request->host, ", the host it must go on", NULL);
    case OTHER_DOMAIN_TYPE:
        return apr_psprintf(pool, "domain type %s, %s asked", host->domain_type,
                            request->domain_type);
    case OTHER_ARCH:
        return apr_psprintf(pool, "architecture %s, %s asked", host->arch, request->arch);
    case NO_IMAGE:
        return apr_pstrcat(pool, "no image ", request->image, " in its pool", NULL);
    case GROUP_MEMBER_THERE:
        return apr_pstrcat(pool, "has a member of anti-affinity group ", request->group, NULL);
    case TOO_FEW_CORES:
        return apr_psprintf(pool, "%d core%s free, %d asked", occi_host_free_cores(host),
                            occi_host_free_cores(host) == 1 ? "" : "s", request->cores);
    case TOO_LITTLE_MEMORY:
        return apr_psprintf(pool, "%" APR_INT64_T_FMT " MiB of memory free, %" APR_INT64_T_FMT
                            " asked", (apr_int64_t)occi_host_free_memory_mib(host),
                            (apr_int64_t)request->memory_mib);
    case TOO_LITTLE_DISK:
        return apr_psprintf(pool, "%" APR_INT64_T_FMT " MiB of disk free, %" APR_INT64_T_FMT
                            " asked", (apr_int64_t)occi_host_free_disk_mib(host),
                            (apr_int64_t)request->disk_mib);
    default:
        return "fits";
    }
}

/* "h1: chosen; h2: 3 cores free, 4 asked; h3: disabled" */
static const char *detail_for_operator(apr_pool_t *pool, const apr_array_header_t *hosts,
                                       const occi_placement_request *request,
                                       const rejection *reasons, int chosen)
{
    apr_array_header_t *entries;
    int i;

    if (hosts->nelts == 0) {
        return "no host is configured";
    }
    /* Joined once at the end: a string grown host by host would cost the
     * square of their number. */
    entries = apr_array_make(pool, hosts->nelts * 4, sizeof(const char *));
    for (i = 0; i < hosts->nelts; i++) {
        const occi_host_facts *host = &APR_ARRAY_IDX(hosts, i, occi_host_facts);
        /* An unnamed host is a fault of the caller; its place still tells
         * the operator which one. */
        const char *name = host->name ? host->name : apr_psprintf(pool, "host #%d", i + 1);

        APR_ARRAY_PUSH(entries, const char *) = i ? "; " : "";
        APR_ARRAY_PUSH(entries, const char *) = name;
        APR_ARRAY_PUSH(entries, const char *) = ": ";
        APR_ARRAY_PUSH(entries, const char *) =
            i == chosen ? "chosen" : reason_for_operator(pool, host, request, reasons[i]);
    }
    return apr_array_pstrcat(pool, entries, 0);
}

/* ---- The choice ----------------------------------------------------------- */

/* The weigher among the hosts that passed every filter. */
static int weigh(const apr_array_header_t *hosts, const rejection *reasons,
                 occi_placement_policy policy)
{
    int best = -1;
    long long best_free_memory = 0;
    int i;

    for (i = 0; i < hosts->nelts; i++) {
        const occi_host_facts *host = &APR_ARRAY_IDX(hosts, i, occi_host_facts);
        long long free_memory;

        if (reasons[i] != FITS) {
            continue;
        }
        if (policy == OCCI_PLACEMENT_PACK) {
            return i;
        }
        /* Spread: the most free memory, then the fewest computes, then the
         * configured order (a later host must be strictly better). */
        free_memory = occi_host_free_memory_mib(host);
        if (best < 0 || free_memory > best_free_memory
            || (free_memory == best_free_memory
                && host->computes < APR_ARRAY_IDX(hosts, best, occi_host_facts).computes)) {
            best = i;
            best_free_memory = free_memory;
        }
    }
    return best;
}

int occi_placement_choose(apr_pool_t *pool, const apr_array_header_t *hosts,
                          const occi_placement_request *request,
                          occi_placement_policy policy,
                          const char **why, const char **detail)
{
    rejection *reasons;
    int chosen, i;

    if (!hosts) {
        hosts = apr_array_make(pool, 0, sizeof(occi_host_facts));
    }
    reasons = apr_pcalloc(pool, sizeof(*reasons) * (hosts->nelts ? hosts->nelts : 1));
    for (i = 0; i < hosts->nelts; i++) {
        reasons[i] = first_rejection(&APR_ARRAY_IDX(hosts, i, occi_host_facts), request);
    }
    chosen = weigh(hosts, reasons, policy);

    if (why) {
        if (chosen >= 0) {
            *why = NULL;
        }
        else if (hosts->nelts == 0) {
            *why = "no host can take it now: none is configured";
        }
        else if (request->host) {
            *why = why_required_host_refused(pool, hosts, request, reasons);
        }
        else {
            *why = why_every_host_refused(pool, hosts, request, reasons);
        }
    }
    if (detail) {
        *detail = detail_for_operator(pool, hosts, request, reasons, chosen);
    }
    return chosen;
}
