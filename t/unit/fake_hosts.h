/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake hypervisor for several-host tests and benchmarks: every call
 * succeeds, creates and deletes are counted, and capacity is what the
 * fake's fields say. A program includes this once, after defining
 * FAKE_HOST_CORES and FAKE_HOST_MEMORY_MIB (the default capacity).
 */
#ifndef OCCI_TEST_FAKE_HOSTS_H
#define OCCI_TEST_FAKE_HOSTS_H

#include <string.h>

#include "occi_hypervisor.h"
#include "occi_unmanaged.h"

typedef struct {
    int creates, deletes;
    int cores;                         /* what capacity reports; 0: FAKE_HOST_CORES */
    long long memory_mib;              /* 0: FAKE_HOST_MEMORY_MIB */
} fake_hv;

static occi_hv_status fake_ok(occi_hv_error *error)
{
    error->status = OCCI_HV_OK;
    error->message = NULL;
    return OCCI_HV_OK;
}

static occi_hv_status fake_observe(void *impl, apr_pool_t *pool, apr_array_header_t *entities,
                                   occi_hv_error *error)
{
    (void)impl;
    (void)pool;
    (void)entities;
    return fake_ok(error);
}

static occi_hv_status fake_create(void *impl, apr_pool_t *pool, occi_entity *entity,
                                  const occi_entity *source, const occi_entity *target,
                                  occi_hv_error *error)
{
    (void)pool;
    (void)entity;
    (void)source;
    (void)target;
    ((fake_hv *)impl)->creates++;
    return fake_ok(error);
}

static occi_hv_status fake_delete(void *impl, apr_pool_t *pool, const occi_entity *entity,
                                  const occi_entity *source, occi_hv_error *error)
{
    (void)pool;
    (void)entity;
    (void)source;
    ((fake_hv *)impl)->deletes++;
    return fake_ok(error);
}

static occi_hv_status fake_act(void *impl, apr_pool_t *pool, occi_entity *entity,
                               const char *action, const apr_array_header_t *parameters,
                               occi_hv_error *error)
{
    (void)impl;
    (void)pool;
    (void)entity;
    (void)action;
    (void)parameters;
    return fake_ok(error);
}

static occi_hv_status fake_update(void *impl, apr_pool_t *pool, const occi_entity *current,
                                  occi_entity *updated, occi_hv_error *error)
{
    (void)impl;
    (void)pool;
    (void)current;
    (void)updated;
    return fake_ok(error);
}

static int fake_can_save(const void *impl, const occi_entity *compute)
{
    (void)impl;
    (void)compute;
    return 0;
}

static occi_hv_status fake_save(void *impl, apr_pool_t *pool, const occi_entity *compute,
                                const char *term, const char *method, int *later,
                                occi_hv_error *error)
{
    (void)impl;
    (void)pool;
    (void)compute;
    (void)term;
    (void)method;
    *later = 0;
    error->status = OCCI_HV_FAILED;
    error->message = "the fake hypervisor does not save";
    return error->status;
}

static occi_hv_status fake_delete_saved(void *impl, apr_pool_t *pool, const char *term,
                                        occi_hv_error *error)
{
    (void)impl;
    (void)pool;
    (void)term;
    return fake_ok(error);
}

static occi_hv_status fake_list(void *impl, apr_pool_t *pool, apr_array_header_t **objects,
                                occi_hv_error *error)
{
    (void)impl;
    *objects = apr_array_make(pool, 1, sizeof(occi_hv_object));
    return fake_ok(error);
}

static occi_hv_status fake_capacity(void *impl, apr_pool_t *pool, occi_hv_capacity *capacity,
                                    occi_hv_error *error)
{
    const fake_hv *hv = impl;

    (void)pool;
    memset(capacity, 0, sizeof(*capacity));
    capacity->cores = hv->cores ? hv->cores : FAKE_HOST_CORES;
    capacity->memory_mib = hv->memory_mib ? hv->memory_mib : FAKE_HOST_MEMORY_MIB;
    capacity->disk_capacity_mib = capacity->disk_available_mib = 102400;
    return fake_ok(error);
}

static const occi_hypervisor_provider fake_provider = {
    "fake", fake_observe, fake_create, fake_delete, fake_act, fake_update, fake_can_save,
    fake_save, fake_delete_saved, fake_list, fake_capacity, NULL,
    NULL,       /* no migration */
    NULL,       /* networks need no joining */
    NULL,       /* no screen */
    NULL,       /* no usage told */
};

/* A compute of alice's, of 1 core and memory_mib. */
static occi_entity *fake_compute(apr_pool_t *pool, const char *id, long long memory_mib)
{
    occi_entity *vm = occi_entity_create(pool);
    occi_value value;

    vm->id = id;
    vm->kind = OCCI_SCHEME_INFRA "compute";
    vm->owner = "alice";
    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_INTEGER;
    value.integer = 1;
    occi_entity_set(vm, "occi.compute.cores", &value);
    value.type = OCCI_TYPE_FLOAT;
    value.number = (double)memory_mib / 1024;
    occi_entity_set(vm, "occi.compute.memory", &value);
    return vm;
}

#endif
