/* SPDX-License-Identifier: Apache-2.0 */
/* Placement: the filters, the weighers, the free resources at their exact
 * boundaries, and the sentences a client and the operator read. */
#include "tap.h"
#include "occi_placement.h"

/* Host names no sentence for a client may contain; distinct enough that no
 * other word of a sentence contains them by chance. */
#define ALPHA "hv-alpha"
#define BETA "hv-beta"
#define GAMMA "hv-gamma"

/* An enabled, reachable x86_64 KVM host with nothing placed on it: 8 cores
 * (32 vCPUs at the default ratio), 64 GiB of memory, 1 TiB of disk. */
static occi_host_facts idle_host(const char *name)
{
    occi_host_facts host = {
        .name = name, .enabled = 1, .reachable = 1, .domain_type = "kvm", .arch = "x86_64",
        .cores = 8, .cpu_ratio = 4.0, .memory_mib = 65536, .memory_ratio = 1.0,
        .disk_capacity_mib = 1048576, .disk_available_mib = 1048576,
    };
    return host;
}

static apr_array_header_t *host_list(apr_pool_t *pool)
{
    return apr_array_make(pool, 4, sizeof(occi_host_facts));
}

static occi_host_facts *add_host(apr_array_header_t *hosts, occi_host_facts host)
{
    APR_ARRAY_PUSH(hosts, occi_host_facts) = host;
    return &APR_ARRAY_IDX(hosts, hosts->nelts - 1, occi_host_facts);
}

static apr_array_header_t *names(apr_pool_t *pool, const char *first, const char *second)
{
    apr_array_header_t *list = apr_array_make(pool, 2, sizeof(const char *));

    APR_ARRAY_PUSH(list, const char *) = first;
    if (second) {
        APR_ARRAY_PUSH(list, const char *) = second;
    }
    return list;
}

/* What the caller would do after a placement: count the entity there. */
static void record_placement(apr_array_header_t *hosts, int chosen,
                             const occi_placement_request *request)
{
    occi_host_facts *host = &APR_ARRAY_IDX(hosts, chosen, occi_host_facts);

    host->allocated_cores += request->cores;
    host->allocated_memory_mib += request->memory_mib;
    host->allocated_disk_mib += request->disk_mib;
    host->computes++;
}

static int names_no_host(const char *sentence, const apr_array_header_t *hosts)
{
    int i;

    if (!sentence) {
        return 0;
    }
    for (i = 0; hosts && i < hosts->nelts; i++) {
        const char *name = APR_ARRAY_IDX(hosts, i, occi_host_facts).name;

        if (name && strstr(sentence, name)) {
            printf("#   '%s' names host %s\n", sentence, name);
            return 0;
        }
    }
    return 1;
}

/* The request goes to the host named expected under policy. */
static void check_placed(apr_pool_t *pool, const apr_array_header_t *hosts,
                         const occi_placement_request *request, occi_placement_policy policy,
                         const char *expected, const char *name)
{
    const char *why = "unset", *detail = NULL;
    int chosen = occi_placement_choose(pool, hosts, request, policy, &why, &detail);

    tap_is_str(chosen >= 0 ? APR_ARRAY_IDX(hosts, chosen, occi_host_facts).name : "(none)",
               expected, name);
    if (chosen < 0) {
        printf("#   why: %s\n#   detail: %s\n", why, detail);
    }
}

/* Every host refuses it, under either policy, with exactly expected_why,
 * which names no host; returns the operator's detail. */
static const char *check_refused(apr_pool_t *pool, const apr_array_header_t *hosts,
                                 const occi_placement_request *request,
                                 const char *expected_why, const char *name)
{
    const char *why = NULL, *detail = NULL, *packed_why = NULL;
    int chosen = occi_placement_choose(pool, hosts, request, OCCI_PLACEMENT_SPREAD, &why,
                                       &detail);
    int packed = occi_placement_choose(pool, hosts, request, OCCI_PLACEMENT_PACK, &packed_why,
                                       NULL);

    tap_is_int(chosen, -1, apr_pstrcat(pool, name, ": no host", NULL));
    tap_is_str(why, expected_why, apr_pstrcat(pool, name, ": the client is told why", NULL));
    tap_ok(names_no_host(why, hosts), apr_pstrcat(pool, name, ": naming no host", NULL));
    tap_ok(packed == -1 && packed_why && why && strcmp(packed_why, why) == 0,
           apr_pstrcat(pool, name, ": the same when packing", NULL));
    return detail;
}

static void test_free_resources(apr_pool_t *pool)
{
    occi_host_facts host = idle_host(ALPHA);

    tap_is_int(occi_host_free_cores(&host), 32, "free cores: physical cores times the ratio");
    host.allocated_cores = 30;
    tap_is_int(occi_host_free_cores(&host), 2, "less what is allocated");
    host.cpu_ratio = 1.5;
    host.cores = 3;
    host.allocated_cores = 0;
    tap_is_int(occi_host_free_cores(&host), 4, "rounded down (3 x 1.5 = 4.5)");
    host.cpu_ratio = 0;
    tap_is_int(occi_host_free_cores(&host), 12, "a ratio left at 0 is the default 4");
    host.cpu_ratio = 1.0;
    host.allocated_cores = 5;
    tap_is_int(occi_host_free_cores(&host), -2, "negative when over-committed");

    host = idle_host(ALPHA);
    host.memory_mib = 10000;
    host.memory_ratio = 1.5;
    host.reserved_memory_mib = 1000;
    host.allocated_memory_mib = 2000;
    tap_is_int(occi_host_free_memory_mib(&host), 12000,
               "free memory: memory times the ratio, less reserved and allocated");
    host.memory_mib = 100;
    host.memory_ratio = 1.15;
    host.reserved_memory_mib = 0;
    host.allocated_memory_mib = 0;
    tap_is_int(occi_host_free_memory_mib(&host), 115,
               "a decimal ratio is not lost to binary rounding (100 x 1.15 = 115)");
    host.memory_ratio = 0;
    tap_is_int(occi_host_free_memory_mib(&host), 100, "a ratio left at 0 is the default 1");
    host.reserved_memory_mib = 60;
    host.allocated_memory_mib = 50;
    tap_is_int(occi_host_free_memory_mib(&host), -10, "negative when over-committed");

    host = idle_host(ALPHA);
    host.disk_capacity_mib = 1000;
    host.allocated_disk_mib = 400;
    host.disk_available_mib = 700;
    tap_is_int(occi_host_free_disk_mib(&host), 600, "free disk: capacity less allocations");
    host.disk_available_mib = 300;
    tap_is_int(occi_host_free_disk_mib(&host), 300, "but never more than the pool has free");
    (void)pool;
}

static void test_spread(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_placement_request request = { .cores = 1, .memory_mib = 1024 };
    const char *why = "unset", *detail = NULL;
    int i, chosen;

    add_host(hosts, idle_host(ALPHA))->allocated_memory_mib = 32768;
    add_host(hosts, idle_host(BETA))->allocated_memory_mib = 8192;
    add_host(hosts, idle_host(GAMMA))->allocated_memory_mib = 16384;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, BETA,
                 "spread: the host with the most free memory");
    chosen = occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, &why, &detail);
    tap_ok(why == NULL, "no why when a host is chosen");
    tap_is_str(detail, "hv-alpha: fits; hv-beta: chosen; hv-gamma: fits",
               "the detail names the chosen host and those that fit");

    APR_ARRAY_IDX(hosts, 0, occi_host_facts).reserved_memory_mib = 0;
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).reserved_memory_mib = 40000;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, GAMMA,
                 "memory reserved for the host does not count as free");

    /* Free memory equal: the fewest computes, then the configured order. */
    hosts = host_list(pool);
    add_host(hosts, idle_host(ALPHA))->computes = 3;
    add_host(hosts, idle_host(BETA))->computes = 1;
    add_host(hosts, idle_host(GAMMA))->computes = 1;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, BETA,
                 "spread, equal free memory: the fewest computes, then the first in order");
    APR_ARRAY_IDX(hosts, 0, occi_host_facts).computes = 1;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, ALPHA,
                 "spread, equal free memory and computes: the first in order");
    APR_ARRAY_IDX(hosts, 2, occi_host_facts).memory_mib += 1;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, GAMMA,
                 "one MiB more free memory outweighs the order");

    /* Placed one after another, equal hosts take turns. */
    hosts = host_list(pool);
    add_host(hosts, idle_host(ALPHA));
    add_host(hosts, idle_host(BETA));
    request.memory_mib = 4096;
    for (i = 0; i < 4; i++) {
        chosen = occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, NULL, NULL);
        tap_is_str(chosen >= 0 ? APR_ARRAY_IDX(hosts, chosen, occi_host_facts).name : "(none)",
                   i % 2 ? BETA : ALPHA,
                   apr_psprintf(pool, "spread: compute %d goes to the emptier host", i + 1));
        if (chosen >= 0) {
            record_placement(hosts, chosen, &request);
        }
    }
}

static void test_pack(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_placement_request request = { .cores = 4, .memory_mib = 8192, .disk_mib = 20480 };
    const char *expected[] = { ALPHA, ALPHA, BETA, BETA };
    int i, chosen;

    /* 8 vCPUs each: two computes of 4 cores fill one. */
    add_host(hosts, idle_host(ALPHA))->cpu_ratio = 1.0;
    add_host(hosts, idle_host(BETA))->cpu_ratio = 1.0;
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).memory_mib = 4 * 65536;
    for (i = 0; i < 4; i++) {
        chosen = occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_PACK, NULL, NULL);
        tap_is_str(chosen >= 0 ? APR_ARRAY_IDX(hosts, chosen, occi_host_facts).name : "(none)",
                   expected[i],
                   apr_psprintf(pool, "pack: compute %d fills the first host with room", i + 1));
        if (chosen >= 0) {
            record_placement(hosts, chosen, &request);
        }
    }
    tap_like(check_refused(pool, hosts, &request,
                           "no host has room for 4 cores, 8 GiB of memory and 20 GiB of disk",
                           "pack: both hosts full"),
             "hv-alpha: 0 cores free, 4 asked; hv-beta: 0 cores free, 4 asked",
             "the detail says which filter turned each host away");
}

static void test_full_hosts(apr_pool_t *pool)
{
    occi_placement_request request = { .cores = 4, .memory_mib = 8192, .disk_mib = 20480 };
    apr_array_header_t *hosts;
    const char *detail;

    hosts = host_list(pool);
    add_host(hosts, idle_host(ALPHA))->allocated_cores = 29;
    add_host(hosts, idle_host(BETA))->allocated_memory_mib = 32768;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, BETA,
                 "a host without the cores is skipped, however much memory it has free");
    occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, NULL, &detail);
    tap_is_str(detail, "hv-alpha: 3 cores free, 4 asked; hv-beta: chosen",
               "the detail gives its free and asked cores");

    hosts = host_list(pool);
    add_host(hosts, idle_host(ALPHA))->allocated_memory_mib = 60000;
    add_host(hosts, idle_host(BETA));
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_PACK, BETA,
                 "a host without the memory is skipped");
    occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_PACK, NULL, &detail);
    tap_is_str(detail, "hv-alpha: 5536 MiB of memory free, 8192 asked; hv-beta: chosen",
               "the detail gives its free and asked memory");

    hosts = host_list(pool);
    add_host(hosts, idle_host(ALPHA))->allocated_disk_mib = 1048576 - 20479;
    add_host(hosts, idle_host(BETA))->allocated_memory_mib = 32768;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, BETA,
                 "a host without the disk is skipped, however much memory it has free");
    occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_PACK, NULL, &detail);
    tap_is_str(detail, "hv-alpha: 20479 MiB of disk free, 20480 asked; hv-beta: chosen",
               "the detail gives its free and asked disk");

    /* The pool is nearly full although little is allocated (another
     * user of the pool, copies): the pool's free space rules. */
    hosts = host_list(pool);
    add_host(hosts, idle_host(ALPHA))->disk_available_mib = 10240;
    request = (occi_placement_request){ .disk_mib = 20480 };
    detail = check_refused(pool, hosts, &request, "no host has room for 20 GiB of disk",
                           "disk limited by what the pool has free, though capacity says more");
    tap_is_str(detail, "hv-alpha: 10240 MiB of disk free, 20480 asked",
               "the detail gives the pool's free space");
}

static void test_boundaries(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_host_facts *host = add_host(hosts, idle_host(ALPHA));
    occi_placement_request request = { 0 };

    /* 3 cores at 1.5 are 4 vCPUs (4.5 rounded down); 1 allocated leaves 3. */
    host->cores = 3;
    host->cpu_ratio = 1.5;
    host->allocated_cores = 1;
    request.cores = 3;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, ALPHA,
                 "cores: exactly the free vCPUs after the ratio fit");
    request.cores = 4;
    check_refused(pool, hosts, &request, "no host has room for 4 cores", "cores: one short");

    /* 10000 MiB at 1.5 less 1000 reserved less 2000 allocated: 12000. */
    *host = idle_host(ALPHA);
    host->memory_mib = 10000;
    host->memory_ratio = 1.5;
    host->reserved_memory_mib = 1000;
    host->allocated_memory_mib = 2000;
    request = (occi_placement_request){ .memory_mib = 12000 };
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, ALPHA,
                 "memory: exactly the free memory after ratio and reservation fits");
    request.memory_mib = 12001;
    check_refused(pool, hosts, &request, "no host has room for 11.72 GiB of memory",
                  "memory: one MiB short");

    host->memory_mib = 100;
    host->memory_ratio = 1.15;
    host->reserved_memory_mib = 0;
    host->allocated_memory_mib = 0;
    request.memory_mib = 115;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, ALPHA,
                 "memory: a decimal ratio reaches its whole value (100 x 1.15 = 115)");
    request.memory_mib = 116;
    check_refused(pool, hosts, &request, "no host has room for 0.11 GiB of memory",
                  "memory: one MiB over the decimal ratio");

    *host = idle_host(ALPHA);
    host->disk_capacity_mib = 1000;
    host->allocated_disk_mib = 400;
    host->disk_available_mib = 700;
    request = (occi_placement_request){ .disk_mib = 600 };
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_PACK, ALPHA,
                 "disk: exactly capacity less allocations fits");
    request.disk_mib = 601;
    check_refused(pool, hosts, &request, "no host has room for 0.59 GiB of disk",
                  "disk: one MiB short");
    host->disk_available_mib = 599;
    request.disk_mib = 599;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_PACK, ALPHA,
                 "disk: exactly what the pool has free fits");
    request.disk_mib = 600;
    check_refused(pool, hosts, &request, "no host has room for 0.59 GiB of disk",
                  "disk: one MiB over what the pool has free");

    /* A network asks for nothing: an over-committed host still takes it. */
    *host = idle_host(ALPHA);
    host->allocated_cores = 40;
    host->allocated_memory_mib = 70000;
    host->disk_available_mib = 0;
    request = (occi_placement_request){ 0 };
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, ALPHA,
                 "a request for no resource goes to an over-committed host");

    /* A struct filled with zeros but for the facts: the default ratios. */
    *host = (occi_host_facts){ .name = ALPHA, .enabled = 1, .reachable = 1, .cores = 2,
                               .memory_mib = 2048, .disk_capacity_mib = 100,
                               .disk_available_mib = 100 };
    request = (occi_placement_request){ .cores = 8, .memory_mib = 2048, .disk_mib = 100 };
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, ALPHA,
                 "ratios left at 0: 4 vCPUs per core and all the memory");
    request.cores = 9;
    check_refused(pool, hosts, &request, "no host has room for 9 cores, 2 GiB of memory and 0.1 GiB of disk",
                  "ratios left at 0: one vCPU more");
}

static void test_availability(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_placement_request request = { .cores = 1, .memory_mib = 512 };
    const char *detail;

    add_host(hosts, idle_host(ALPHA))->enabled = 0;
    add_host(hosts, idle_host(BETA))->reachable = 0;
    add_host(hosts, idle_host(GAMMA))->allocated_memory_mib = 60000;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, GAMMA,
                 "spread: disabled and unreachable hosts are skipped, though emptier");
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_PACK, GAMMA,
                 "pack: disabled and unreachable hosts are skipped, though first");

    APR_ARRAY_IDX(hosts, 2, occi_host_facts).enabled = 0;
    APR_ARRAY_IDX(hosts, 0, occi_host_facts).allocated_cores = 32;
    detail = check_refused(pool, hosts, &request,
                           "no host can take it now: every host is disabled or unreachable",
                           "every host disabled or unreachable");
    tap_is_str(detail, "hv-alpha: disabled; hv-beta: unreachable; hv-gamma: disabled",
               "the detail gives the first filter, not the later ones (alpha is full too)");

    check_refused(pool, host_list(pool), &request, "no host can take it now: none is configured",
                  "an empty host list");
    check_refused(pool, NULL, &request, "no host can take it now: none is configured",
                  "no host list");
    occi_placement_choose(pool, NULL, &request, OCCI_PLACEMENT_SPREAD, NULL, &detail);
    tap_is_str(detail, "no host is configured", "the detail for no host");
}

static void test_required_host(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_placement_request request = { .cores = 4, .memory_mib = 8192, .host = BETA };
    const char *detail;

    add_host(hosts, idle_host(ALPHA));
    add_host(hosts, idle_host(BETA))->allocated_memory_mib = 40000;
    add_host(hosts, idle_host(GAMMA));
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, BETA,
                 "spread: the required host, though another has more free memory");
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_PACK, BETA,
                 "pack: the required host, though another comes first");

    APR_ARRAY_IDX(hosts, 1, occi_host_facts).allocated_memory_mib = 60000;
    detail = check_refused(pool, hosts, &request,
                           "its private network's host has no room for 4 cores and 8 GiB of memory",
                           "the required host full, others empty");
    tap_is_str(detail,
               "hv-alpha: not hv-beta, the host it must go on; "
               "hv-beta: 5536 MiB of memory free, 8192 asked; "
               "hv-gamma: not hv-beta, the host it must go on",
               "the detail names the required host");

    request.host_role = "its compute's host";
    check_refused(pool, hosts, &request,
                  "its compute's host has no room for 4 cores and 8 GiB of memory",
                  "the required host's role, when given, is the subject");
    request.host_role = NULL;

    APR_ARRAY_IDX(hosts, 1, occi_host_facts).allocated_memory_mib = 0;
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).reachable = 0;
    check_refused(pool, hosts, &request,
                  "no host can take it now: its private network's host is disabled or unreachable",
                  "the required host unreachable");
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).reachable = 1;
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).groups = names(pool, "db", NULL);
    request.group = "db";
    check_refused(pool, hosts, &request,
                  "its private network's host already has a member of anti-affinity group db",
                  "the required host has a member of the group");
    request.group = NULL;

    request.host = "hv-delta";
    check_refused(pool, hosts, &request,
                  "no host can take it: its private network's host is not configured",
                  "the required host not configured");
    tap_ok(!strstr(check_refused(pool, hosts, &request,
                                 "no host can take it: its private network's host is not configured",
                                 "the required host not configured, again"),
                   "chosen"),
           "no host is chosen in its stead");
}

static void test_image(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_placement_request request = { .cores = 1, .image = "debian-12.qcow2" };
    const char *detail;

    add_host(hosts, idle_host(ALPHA))->images = names(pool, "alpine.qcow2", NULL);
    add_host(hosts, idle_host(BETA))->images = names(pool, "alpine.qcow2", "debian-12.qcow2");
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).allocated_memory_mib = 30000;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, BETA,
                 "a host without the image is skipped");
    occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, NULL, &detail);
    tap_like(detail, "hv-alpha: no image debian-12.qcow2 in its pool",
             "the detail names the missing image");

    APR_ARRAY_IDX(hosts, 1, occi_host_facts).images = names(pool, "alpine.qcow2", NULL);
    detail = check_refused(pool, hosts, &request, "no host has the OS template's image",
                           "no host has the image");

    add_host(hosts, idle_host(GAMMA))->allocated_memory_mib = 60000;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, GAMMA,
                 "a host whose images are unknown may have it");
    request.image = NULL;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, ALPHA,
                 "a request without an image goes anywhere");
}

static void test_anti_affinity(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_placement_request request = { .cores = 2, .group = "web" };
    const char *detail;

    add_host(hosts, idle_host(ALPHA))->groups = names(pool, "db", "web");
    add_host(hosts, idle_host(BETA))->groups = names(pool, "db", NULL);
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).allocated_memory_mib = 30000;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, BETA,
                 "spread: a host with a member of the group is skipped");
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_PACK, BETA,
                 "pack: a host with a member of the group is skipped");
    occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, NULL, &detail);
    tap_is_str(detail, "hv-alpha: has a member of anti-affinity group web; hv-beta: chosen",
               "the detail names the group");

    APR_ARRAY_IDX(hosts, 1, occi_host_facts).groups = names(pool, "web", NULL);
    check_refused(pool, hosts, &request, "every host already has a member of anti-affinity group web",
                  "every host has a member of the group");

    APR_ARRAY_IDX(hosts, 1, occi_host_facts).groups = NULL;
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).allocated_cores = 31;
    check_refused(pool, hosts, &request,
                  "no host without a member of anti-affinity group web has room for 2 cores",
                  "the hosts without a member are full");

    request.group = NULL;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, ALPHA,
                 "without a group, a host with members of groups takes it");
}

static void test_domain_type_and_arch(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_placement_request request = { .cores = 1, .domain_type = "kvm", .arch = "x86_64" };
    const char *detail;

    add_host(hosts, idle_host(ALPHA))->domain_type = "qemu";
    add_host(hosts, idle_host(BETA))->arch = "aarch64";
    add_host(hosts, idle_host(GAMMA))->allocated_memory_mib = 60000;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, GAMMA,
                 "hosts of another domain type or architecture are skipped");
    occi_placement_choose(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, NULL, &detail);
    tap_is_str(detail,
               "hv-alpha: domain type qemu, kvm asked; "
               "hv-beta: architecture aarch64, x86_64 asked; hv-gamma: chosen",
               "the detail gives what each offers and what was asked");

    APR_ARRAY_IDX(hosts, 2, occi_host_facts).domain_type = NULL;
    APR_ARRAY_IDX(hosts, 2, occi_host_facts).arch = NULL;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_SPREAD, GAMMA,
                 "a host of unknown domain type and architecture matches");
    request.domain_type = NULL;
    request.arch = NULL;
    check_placed(pool, hosts, &request, OCCI_PLACEMENT_PACK, ALPHA,
                 "a request for any domain type or architecture goes anywhere");

    hosts = host_list(pool);
    add_host(hosts, idle_host(ALPHA))->domain_type = "qemu";
    add_host(hosts, idle_host(BETA))->domain_type = "test";
    request.domain_type = "kvm";
    check_refused(pool, hosts, &request, "no host offers domain type kvm",
                  "no host of the domain type");
    request.domain_type = NULL;
    request.arch = "aarch64";
    check_refused(pool, hosts, &request, "no host offers architecture aarch64",
                  "no host of the architecture");
}

static void test_mixed_causes(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_placement_request request = { .cores = 1, .image = "debian-12.qcow2", .arch = "x86_64" };

    add_host(hosts, idle_host(ALPHA))->enabled = 0;
    add_host(hosts, idle_host(BETA))->images = names(pool, "alpine.qcow2", NULL);
    check_refused(pool, hosts, &request,
                  "no host can take it now: each is disabled or unreachable, or does not have "
                  "the OS template's image",
                  "one host disabled, the other without the image");

    add_host(hosts, idle_host(GAMMA))->arch = "aarch64";
    APR_ARRAY_IDX(hosts, 0, occi_host_facts).enabled = 1;
    APR_ARRAY_IDX(hosts, 0, occi_host_facts).images = names(pool, "alpine.qcow2", NULL);
    check_refused(pool, hosts, &request,
                  "no host can take it: each does not offer architecture x86_64, or does not "
                  "have the OS template's image",
                  "hosts without the image or of another architecture");

    /* Room where the other filters pass: what the client can change. */
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).images = NULL;
    APR_ARRAY_IDX(hosts, 1, occi_host_facts).allocated_cores = 32;
    check_refused(pool, hosts, &request, "no host has room for 1 core",
                  "the host with the image has no room");
}

static void test_wording(apr_pool_t *pool)
{
    apr_array_header_t *hosts = host_list(pool);
    occi_host_facts *host = add_host(hosts, idle_host(ALPHA));
    occi_placement_request request;

    host->cores = 0;
    host->memory_mib = 0;
    host->disk_capacity_mib = 0;
    host->disk_available_mib = 0;

    request = (occi_placement_request){ .memory_mib = 8192, .disk_mib = 20480 };
    check_refused(pool, hosts, &request, "no host has room for 8 GiB of memory and 20 GiB of disk",
                  "cores not asked are left out");
    request = (occi_placement_request){ .cores = 2, .disk_mib = 1536 };
    check_refused(pool, hosts, &request, "no host has room for 2 cores and 1.5 GiB of disk",
                  "memory not asked is left out; half a GiB has its decimal");
    request = (occi_placement_request){ .memory_mib = 1019 };
    check_refused(pool, hosts, &request, "no host has room for 1 GiB of memory",
                  "rounded to a hundredth of a GiB, whole without its decimals");
    request = (occi_placement_request){ .memory_mib = 5 };
    check_refused(pool, hosts, &request, "no host has room for 5 MiB of memory",
                  "below a two-hundredth of a GiB, in MiB");
    request = (occi_placement_request){ .cores = 1, .memory_mib = 256 };
    check_refused(pool, hosts, &request, "no host has room for 1 core and 0.25 GiB of memory",
                  "one core, singular");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_free_resources(pool);
    test_spread(pool);
    test_pack(pool);
    test_full_hosts(pool);
    test_boundaries(pool);
    test_availability(pool);
    test_required_host(pool);
    test_image(pool);
    test_anti_affinity(pool);
    test_domain_type_and_arch(pool);
    test_mixed_causes(pool);
    test_wording(pool);
    return tap_done(pool);
}
