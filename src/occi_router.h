/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Maps a request path, relative to where the handler is mounted, to what
 * it names in the OCCI namespace (GFD.223 §3.1).
 */
#ifndef OCCI_ROUTER_H
#define OCCI_ROUTER_H

#include "occi_model.h"

typedef enum {
    OCCI_ROUTE_NOT_FOUND,
    OCCI_ROUTE_QUERY_INTERFACE,   /* /-/ and /.well-known/org/ogf/occi/-/ */
    OCCI_ROUTE_KIND_COLLECTION,   /* /compute/ */
    OCCI_ROUTE_MIXIN_COLLECTION,  /* /mixin/os_tpl/ */
    OCCI_ROUTE_ENTITY,            /* /compute/<uuid> */
    OCCI_ROUTE_UNBOUND,           /* a path above bound locations: /, /mixin/ */
    OCCI_ROUTE_UNMANAGED          /* /-/unmanaged: the hypervisor's objects that the
                                   * store does not know (administrators only) */
} occi_route_type;

/* Where administrators read the report of unmanaged objects. */
#define OCCI_UNMANAGED_PATH "/-/unmanaged"

typedef struct occi_route {
    occi_route_type type;
    const occi_category *category;   /* the kind or mixin of a collection or entity */
    const char *entity_uuid;         /* for OCCI_ROUTE_ENTITY, lower case */
} occi_route;

/* Methods a route takes, as bits of this enumeration. */
enum {
    OCCI_METHOD_GET = 1 << 0,      /* and HEAD */
    OCCI_METHOD_POST = 1 << 1,
    OCCI_METHOD_PUT = 1 << 2,
    OCCI_METHOD_DELETE = 1 << 3
};

/* path starts with '/'; route receives the answer. */
void occi_route_path(apr_pool_t *pool, const occi_model *model, const char *path,
                     occi_route *route);

/* OCCI_METHOD_* bits allowed on a route (GFD.223 verb matrix). */
int occi_route_methods(const occi_route *route);

/* True when s is a UUID in 8-4-4-4-12 hexadecimal form. */
int occi_uuid_is_valid(const char *s);

#endif
