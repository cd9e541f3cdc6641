/* SPDX-License-Identifier: Apache-2.0 */
/* Entities the rendering tests share: a compute with mixins, attributes
 * of every type and two inline links, and a standalone link. */
#ifndef OCCI_ENTITY_FIXTURES_H
#define OCCI_ENTITY_FIXTURES_H

#include <limits.h>
#include <string.h>

#include "occi_entity.h"
#include "fixtures.h"

#define INFRA OCCI_SCHEME_INFRA
#define COMPUTE_ACTION "http://schemas.ogf.org/occi/infrastructure/compute/action#"
#define IPNETWORKINTERFACE "http://schemas.ogf.org/occi/infrastructure/networkinterface#" \
    "ipnetworkinterface"
#define TAG_FAST "http://example.com/occi/tags#fast"
#define TAG_BLUE "http://example.com/occi/tags#blue"

#define COMPUTE_ID "b9ff813e-fee5-4a9d-b839-673f39746096"
#define NIC_ID "22fe83ae-a20f-54fc-b436-cec85c94c5e8"
#define DISK_ID "5c2e0b7e-27f0-4f0c-9a53-0a3c5b8f1d11"
#define LINK_ID "0d6e6f1a-3c1b-4f7e-9a55-7d2b9c1e0f42"
#define NETWORK_PATH "/network/7d3e1c52-8a4b-4c1e-9f0a-2b6c5d4e3f21"
#define REMOTE_STORAGE "http://storage.example.org/storage/5401?pool=a,b"

/* Every character the renderings must carry intact: quotes, backslashes,
 * the separators of the text rendering, markup, and UTF-8 of 2 to 4 bytes. */
#define NASTY "say \"hi\", then; a \\ back\\slash <b> & 'q' = x, \xC3\xBCn\xC3\xAF " \
    "\xE2\x98\x83 \xF0\x9D\x84\x9E"

static void fixture_set(occi_entity *e, const char *name, occi_value_type type,
                        const char *string, long long integer, double number)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = type;
    value.string = string;
    value.integer = integer;
    value.number = number;
    value.boolean = (int)integer;
    occi_entity_set(e, name, &value);
}

#define SET_STRING(e, n, s) fixture_set(e, n, OCCI_TYPE_STRING, s, 0, 0)
#define SET_INTEGER(e, n, i) fixture_set(e, n, OCCI_TYPE_INTEGER, NULL, i, 0)
#define SET_FLOAT(e, n, d) fixture_set(e, n, OCCI_TYPE_FLOAT, NULL, 0, d)
#define SET_BOOLEAN(e, n, b) fixture_set(e, n, OCCI_TYPE_BOOLEAN, NULL, b, 0)
#define SET_ARRAY(e, n, s) fixture_set(e, n, OCCI_TYPE_ARRAY, s, 0, 0)
#define SET_OBJECT(e, n, s) fixture_set(e, n, OCCI_TYPE_OBJECT, s, 0, 0)

static occi_entity *fixture_nic(apr_pool_t *pool)
{
    occi_entity *nic = occi_entity_create(pool);

    nic->id = NIC_ID;
    nic->kind = INFRA "networkinterface";
    APR_ARRAY_PUSH(nic->mixins, const char *) = IPNETWORKINTERFACE;
    SET_STRING(nic, "occi.core.title", "nic \"0\", primary; <lan> & more");
    SET_STRING(nic, "occi.core.source", "/compute/" COMPUTE_ID);
    SET_STRING(nic, "occi.core.target", NETWORK_PATH);
    SET_STRING(nic, "occi.core.target.kind", INFRA "network");
    SET_STRING(nic, "occi.networkinterface.interface", "eth0");
    SET_STRING(nic, "occi.networkinterface.mac", "00:11:22:33:44:55");
    SET_STRING(nic, "occi.networkinterface.state", "active");
    SET_STRING(nic, "occi.networkinterface.address", "192.168.0.10");
    SET_STRING(nic, "occi.networkinterface.allocation", "dynamic");
    return nic;
}

static occi_entity *fixture_disk(apr_pool_t *pool)
{
    occi_entity *disk = occi_entity_create(pool);

    disk->id = DISK_ID;
    disk->kind = INFRA "storagelink";
    APR_ARRAY_PUSH(disk->mixins, const char *) = TAG_FAST;
    APR_ARRAY_PUSH(disk->mixins, const char *) = TAG_BLUE;
    SET_STRING(disk, "occi.core.source", "/compute/" COMPUTE_ID);
    SET_STRING(disk, "occi.core.target", REMOTE_STORAGE);
    SET_STRING(disk, "occi.core.target.kind", INFRA "storage");
    SET_STRING(disk, "occi.storagelink.deviceid", "/dev/vdb");
    SET_STRING(disk, "occi.storagelink.mountpoint", "/mnt/" NASTY);
    SET_INTEGER(disk, "com.example.iops", 5000);
    SET_FLOAT(disk, "com.example.weight", 0.25);
    SET_BOOLEAN(disk, "com.example.readonly", 0);
    SET_ARRAY(disk, "com.example.tags", "[\"a\",\"b,c\"]");
    return disk;
}

static occi_entity *fixture_compute(apr_pool_t *pool)
{
    occi_entity *compute = occi_entity_create(pool);

    compute->id = COMPUTE_ID;
    compute->kind = INFRA "compute";
    APR_ARRAY_PUSH(compute->mixins, const char *) = TEST_PROVIDER "os_tpl#debian12";
    APR_ARRAY_PUSH(compute->mixins, const char *) = TEST_PROVIDER "resource_tpl#small";
    APR_ARRAY_PUSH(compute->mixins, const char *) = TAG_BLUE;
    SET_STRING(compute, "occi.core.title", NASTY);
    SET_STRING(compute, "occi.core.summary", "summary, with; separators");
    SET_INTEGER(compute, "occi.compute.cores", 2);
    SET_FLOAT(compute, "occi.compute.memory", 4.0);
    SET_STRING(compute, "occi.compute.state", "active");
    SET_STRING(compute, "occi.compute.hostname", "vm1.example.com");
    SET_INTEGER(compute, "com.example.max", LLONG_MAX);
    SET_INTEGER(compute, "com.example.min", LLONG_MIN);
    SET_INTEGER(compute, "com.example.negative", -42);
    SET_FLOAT(compute, "com.example.tenth", 0.1);
    SET_FLOAT(compute, "com.example.tiny", -1.5e-7);
    SET_FLOAT(compute, "com.example.huge", 1e300);
    SET_FLOAT(compute, "com.example.minus-zero-ish", -2.5);
    SET_BOOLEAN(compute, "com.example.enabled", 1);
    SET_BOOLEAN(compute, "com.example.disabled", 0);
    SET_ARRAY(compute, "com.example.list", "[1,\"two\",{\"three\":3.5},[],null,true]");
    SET_OBJECT(compute, "com.example.map", "{\"a\":[true,false],\"b\":\"x\\\"y\",\"c\":{}}");
    SET_STRING(compute, "com.example.empty", "");
    APR_ARRAY_PUSH(compute->links, occi_entity *) = fixture_nic(pool);
    APR_ARRAY_PUSH(compute->links, occi_entity *) = fixture_disk(pool);
    return compute;
}

/* A standalone link: a networkinterface between two local resources. */
static occi_entity *fixture_link(apr_pool_t *pool)
{
    occi_entity *link = occi_entity_create(pool);

    link->id = LINK_ID;
    link->kind = INFRA "networkinterface";
    APR_ARRAY_PUSH(link->mixins, const char *) = IPNETWORKINTERFACE;
    SET_STRING(link, "occi.core.title", "standalone " NASTY);
    SET_STRING(link, "occi.core.source", "/compute/" COMPUTE_ID);
    SET_STRING(link, "occi.core.source.kind", INFRA "compute");
    SET_STRING(link, "occi.core.target", NETWORK_PATH);
    SET_STRING(link, "occi.core.target.kind", INFRA "network");
    SET_STRING(link, "occi.networkinterface.interface", "eth1");
    SET_STRING(link, "occi.networkinterface.mac", "00:80:41:ae:fd:7e");
    SET_STRING(link, "occi.networkinterface.address", "10.0.0.7");
    SET_STRING(link, "occi.networkinterface.allocation", "static");
    SET_INTEGER(link, "com.example.mtu", 9000);
    SET_FLOAT(link, "com.example.loss", 0.001);
    SET_BOOLEAN(link, "com.example.trunk", 1);
    SET_OBJECT(link, "com.example.qos", "{\"class\":\"gold\",\"rate\":[1,2.5]}");
    return link;
}

static apr_array_header_t *fixture_actions(apr_pool_t *pool)
{
    apr_array_header_t *actions = apr_array_make(pool, 2, sizeof(const char *));

    APR_ARRAY_PUSH(actions, const char *) = COMPUTE_ACTION "start";
    APR_ARRAY_PUSH(actions, const char *) = COMPUTE_ACTION "stop";
    return actions;
}

#endif
