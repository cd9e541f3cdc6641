/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a create and a read cost the core as the cloud grows: the service
 * layer over the real store (SQLite in a temporary directory) and HOSTS fake
 * hypervisor hosts holding COMPUTES computes, then REPEAT creates (each
 * placed among the hosts, in its transaction under the placement lock)
 * and REPEAT reads of one compute with its live state. Not a test: run
 * under callgrind by bench/hosts.sh (make bench-hosts), which counts the
 * instructions inside measured_create and measured_get, and divides by
 * REPEAT.
 *
 *   bench_hosts HOSTS COMPUTES REPEAT
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <apr_dbd.h>
#include <apr_strings.h>

#include "tap.h"
#include "databases.h"
#include "fixtures.h"
#include "occi_hosts.h"
#include "occi_service.h"
#include "occi_store.h"

#define COMPUTE OCCI_SCHEME_INFRA "compute"
/* Hosts large enough for every compute the benchmark makes. */
#define FAKE_HOST_CORES 4096
#define FAKE_HOST_MEMORY_MIB (16384LL * 1024)
#include "fake_hosts.h"

/* The nth compute of the benchmark: 1 core, 0.5 GiB. */
static occi_entity *compute(apr_pool_t *pool, long n)
{
    return fake_compute(pool, apr_psprintf(pool, "30000000-0000-4000-8000-%012ld", n), 512);
}

/* Kept out of line: callgrind counts inside them (--toggle-collect). */
__attribute__((noinline)) static occi_result measured_create(const occi_service *service,
                                                             apr_pool_t *pool,
                                                             apr_array_header_t *entities)
{
    return occi_service_create(service, pool, entities);
}

__attribute__((noinline)) static occi_result measured_get(const occi_service *service,
                                                          apr_pool_t *pool, const char *id,
                                                          occi_entity **entity)
{
    apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *));
    occi_result r = occi_service_get(service, pool, id, 0, entity);

    if (r.cls == OCCI_RESULT_OK) {
        APR_ARRAY_PUSH(one, occi_entity *) = *entity;
        r = occi_service_observe(service, pool, one);
    }
    return r;
}

static int fail(const char *what, const occi_result *r)
{
    fprintf(stderr, "bench_hosts: %s: %s\n", what, r && r->message ? r->message : "failed");
    return 1;
}

int main(int argc, char **argv)
{
    long hosts_wanted = argc == 4 ? strtol(argv[1], NULL, 10) : 0;
    long computes = argc == 4 ? strtol(argv[2], NULL, 10) : -1;
    long repeat = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
    apr_pool_t *pool, *each;
    apr_array_header_t *hosts, *batch;
    database db;
    occi_service service;
    occi_entity *read;
    occi_result r;
    fake_hv *fakes;
    const char *error = NULL, *temp = NULL;
    char *directory;
    long i, n = 0;

    if (hosts_wanted < 1 || computes < 0 || repeat < 1) {
        fprintf(stderr, "usage: bench_hosts HOSTS COMPUTES REPEAT\n");
        return 2;
    }
    apr_initialize();
    apr_pool_create(&pool, NULL);
    apr_dbd_init(pool);
    memset(&db, 0, sizeof(db));
    db.name = "sqlite3";
    db.pool = pool;
    apr_temp_dir_get(&temp, pool);
    directory = apr_pstrcat(pool, temp ? temp : "/tmp", "/occi-bench-hosts-XXXXXX", NULL);
    if (!mkdtemp(directory)) {
        return fail("a temporary directory", NULL);
    }
    db.params = apr_pstrcat(pool, directory, "/occi.sqlite", NULL);
    if (apr_dbd_get_driver(pool, db.name, &db.driver) != APR_SUCCESS
        || !(db.handle = connect_to(&db, pool, &error))
        || (error = occi_store_migrate(pool, db.driver, db.handle))
        || !(db.prepared = prepare_statements(pool, db.driver, db.handle, &error))
        || !(db.store = occi_store_open(pool, db.driver, db.handle, db.prepared))) {
        fprintf(stderr, "bench_hosts: the store: %s\n", error ? error : "cannot open");
        return 1;
    }

    fakes = apr_pcalloc(pool, (apr_size_t)hosts_wanted * sizeof(*fakes));
    hosts = apr_array_make(pool, (int)hosts_wanted, sizeof(occi_host));
    for (i = 0; i < hosts_wanted; i++) {
        occi_host *host = apr_array_push(hosts);

        memset(host, 0, sizeof(*host));
        host->name = apr_psprintf(pool, "node%03ld", i + 1);
        host->hypervisor = occi_hypervisor_make(pool, &fake_provider, &fakes[i]);
    }
    memset(&service, 0, sizeof(service));
    service.store = db.store;
    service.hypervisor = occi_hosts_create(pool, hosts, NULL);
    service.model = test_model(pool);
    service.owner = service.scope = "alice";
    service.hypervisor_uri = "fake:///";
    service.holder = "bench 1";
    service.max_links = 4;

    /* The cloud as it is: computes made 500 at a time, placed as any. */
    apr_pool_create(&each, pool);
    while (n < computes) {
        batch = apr_array_make(each, 500, sizeof(occi_entity *));
        for (i = 0; i < 500 && n < computes; i++) {
            APR_ARRAY_PUSH(batch, occi_entity *) = compute(each, n++);
        }
        if ((r = occi_service_create(&service, each, batch)).cls != OCCI_RESULT_OK) {
            return fail("filling the hosts", &r);
        }
        apr_pool_clear(each);
    }
    /* The measured part, after one of each outside it (caches warm). */
    for (i = 0; i <= repeat; i++) {
        batch = apr_array_make(each, 1, sizeof(occi_entity *));
        APR_ARRAY_PUSH(batch, occi_entity *) = compute(each, n++);
        if ((r = i ? measured_create(&service, each, batch)
                   : occi_service_create(&service, each, batch)).cls != OCCI_RESULT_OK) {
            return fail("a create", &r);
        }
        apr_pool_clear(each);
    }
    for (i = 0; i <= repeat; i++) {
        const char *id = compute(each, n - 1)->id;

        if ((r = i ? measured_get(&service, each, id, &read)
                   : occi_service_get(&service, each, id, 0, &read)).cls != OCCI_RESULT_OK) {
            return fail("a read", &r);
        }
        apr_pool_clear(each);
    }
    printf("%ld hosts, %ld computes: %ld creates and %ld reads made\n", hosts_wanted, n - repeat - 1,
           repeat, repeat);
    apr_dbd_close(db.driver, db.handle);
    unlink(db.params);
    unlink(apr_pstrcat(pool, db.params, "-wal", NULL));
    unlink(apr_pstrcat(pool, db.params, "-shm", NULL));
    rmdir(directory);
    return 0;
}
