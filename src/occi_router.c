/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path routing. Bound locations are found by hash lookup; an entity path
 * is a kind location followed by a UUID, so it is split at its last '/'.
 * Unbound paths are the proper prefixes of bound locations; with a few
 * dozen categories a scan is cheaper than keeping another index.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "occi_router.h"

#define WELL_KNOWN_QUERY "/.well-known/org/ogf/occi/-/"

int occi_uuid_is_valid(const char *s)
{
    int i;

    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }
        }
        else if (!apr_isxdigit(s[i])) {
            return 0;
        }
    }
    return s[36] == '\0';
}

static int is_unbound(const occi_model *model, const char *path, size_t len)
{
    int i, n = occi_model_count(model);

    for (i = 0; i < n; i++) {
        const char *location = occi_model_at(model, i)->location;

        if (location && strlen(location) > len && !strncmp(location, path, len)) {
            return 1;
        }
    }
    return 0;
}

void occi_route_path(apr_pool_t *pool, const occi_model *model, const char *path,
                     occi_route *route)
{
    const occi_category *category;
    const char *last_slash;
    size_t len = strlen(path);

    memset(route, 0, sizeof(*route));
    if (!strcmp(path, "/-/") || !strcmp(path, WELL_KNOWN_QUERY)) {
        route->type = OCCI_ROUTE_QUERY_INTERFACE;
        return;
    }
    if (!strcmp(path, OCCI_UNMANAGED_PATH)) {
        route->type = OCCI_ROUTE_UNMANAGED;
        return;
    }
    if (len && path[len - 1] == '/') {
        category = occi_model_find_location(model, path);
        if (category) {
            route->type = category->cls == OCCI_CLASS_KIND ? OCCI_ROUTE_KIND_COLLECTION
                                                           : OCCI_ROUTE_MIXIN_COLLECTION;
            route->category = category;
        }
        else if (is_unbound(model, path, len)) {
            route->type = OCCI_ROUTE_UNBOUND;
        }
        return;
    }
    last_slash = strrchr(path, '/');
    if (!last_slash || !occi_uuid_is_valid(last_slash + 1)) {
        return;
    }
    category = occi_model_find_location(
        model, apr_pstrmemdup(pool, path, (apr_size_t)(last_slash - path + 1)));
    if (category && category->cls == OCCI_CLASS_KIND) {
        char *uuid = apr_pstrdup(pool, last_slash + 1), *c;

        for (c = uuid; *c; c++) {
            *c = apr_tolower(*c);
        }
        route->type = OCCI_ROUTE_ENTITY;
        route->category = category;
        route->entity_uuid = uuid;
    }
}

int occi_route_methods(const occi_route *route)
{
    switch (route->type) {
    case OCCI_ROUTE_QUERY_INTERFACE:
    case OCCI_ROUTE_KIND_COLLECTION:
        return OCCI_METHOD_GET | OCCI_METHOD_POST | OCCI_METHOD_DELETE;
    case OCCI_ROUTE_MIXIN_COLLECTION:
    case OCCI_ROUTE_ENTITY:
        return OCCI_METHOD_GET | OCCI_METHOD_POST | OCCI_METHOD_PUT | OCCI_METHOD_DELETE;
    case OCCI_ROUTE_UNBOUND:
    case OCCI_ROUTE_UNMANAGED:
        return OCCI_METHOD_GET;
    case OCCI_ROUTE_NOT_FOUND:
        break;
    }
    return 0;
}
