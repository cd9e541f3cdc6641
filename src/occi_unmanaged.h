/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Objects on a hypervisor that carry the module's names but that the
 * store does not know.
 *
 * Every compute, storage and network the module makes is a libvirt object
 * named after its entity (src/occi_libvirt.c): the domain occi-<uuid>,
 * the volumes occi-<uuid>.qcow2, occi-<uuid>-root.qcow2 and
 * occi-<uuid>-seed.iso, the network occi-<uuid>, and occi-saved-<term>.qcow2
 * for a saved OS template. When the store no longer holds the entity (the
 * operator switched from SQLite to PostgreSQL, restored an old backup, or
 * pointed two stores at one host), the object runs on, and no API call can
 * see it. The module reports such objects at start-up and to
 * administrators; it never removes them itself.
 */
#ifndef OCCI_UNMANAGED_H
#define OCCI_UNMANAGED_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_hypervisor.h"
#include "occi_store.h"

/* One object of the hypervisor named by the module. */
typedef struct occi_hv_object {
    const char *type;          /* "domain", "network" or "volume" */
    const char *name;          /* its name in libvirt */
    const char *kind;          /* what it belongs to: "compute", "storage",
                                * "network", or "os_tpl" (a saved template) */
    const char *id;            /* that entity's UUID, or the template's term */
} occi_hv_object;

/* Reads a libvirt object's name: 1 and *object filled when it is one of
 * the module's names for an object of that type, 0 otherwise (a domain,
 * network or volume of someone else). */
int occi_hv_object_from_name(apr_pool_t *pool, const char *type, const char *name,
                             occi_hv_object *object);

/* The objects (occi_hv_object) the store does not know, as
 * *unmanaged, in the order given: an entity of that id of any owner, or a
 * user mixin saved_scheme<term> of any owner, makes an object known.
 * OCCI_STORE_ERROR when the store cannot be asked. */
occi_store_status occi_unmanaged_objects(occi_store *store, apr_pool_t *pool,
                                         const apr_array_header_t *objects,
                                         const char *saved_scheme,
                                         apr_array_header_t **unmanaged);

/* The objects of hypervisor that store does not know (as
 * occi_unmanaged_objects), as *unmanaged: NULL, or why they cannot be
 * found yet (the hypervisor's or the store's words). */
const char *occi_unmanaged_find(occi_store *store, occi_hypervisor *hypervisor,
                                apr_pool_t *pool, const char *saved_scheme,
                                apr_array_header_t **unmanaged);

/* The objects as the administrators' report renders them: JSON
 * {"objects": [{"type", "name", "kind", "id"}, ...]}, or text, one line
 * per object ("domain occi-<uuid> compute <uuid>"). */
const char *occi_unmanaged_json(apr_pool_t *pool, const apr_array_header_t *objects);
const char *occi_unmanaged_text(apr_pool_t *pool, const apr_array_header_t *objects);

/* At most limit object names, comma-separated, with "and N more" after
 * them: for a log line. */
const char *occi_unmanaged_summary(apr_pool_t *pool, const apr_array_header_t *objects,
                                   int limit);

#endif
