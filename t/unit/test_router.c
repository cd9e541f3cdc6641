/* SPDX-License-Identifier: Apache-2.0 */
/* Mapping request paths to the OCCI namespace (GFD.223 §3.1). */
#include "tap.h"
#include "fixtures.h"
#include "occi_router.h"

#define INFRA OCCI_SCHEME_INFRA
#define UUID "6df690d2-3158-40c4-88fb-d1c41584d6e5"
#define UUID_UPPER "6DF690D2-3158-40C4-88FB-D1C41584D6E5"

static const char *type_name(occi_route_type type)
{
    switch (type) {
    case OCCI_ROUTE_NOT_FOUND:         return "not found";
    case OCCI_ROUTE_QUERY_INTERFACE:   return "query interface";
    case OCCI_ROUTE_KIND_COLLECTION:   return "kind collection";
    case OCCI_ROUTE_MIXIN_COLLECTION:  return "mixin collection";
    case OCCI_ROUTE_ENTITY:            return "entity";
    case OCCI_ROUTE_UNBOUND:           return "unbound";
    }
    return "?";
}

/* Routes path and checks its type; returns the route for further checks. */
static occi_route routes_to(apr_pool_t *pool, const occi_model *model, const char *path,
                            occi_route_type expected)
{
    occi_route route;

    occi_route_path(pool, model, path, &route);
    tap_is_str(type_name(route.type), type_name(expected),
               apr_psprintf(pool, "%s is %s", path, type_name(expected)));
    return route;
}

static const char *category_id(apr_pool_t *pool, const occi_route *route)
{
    return route->category ? occi_category_type_id(pool, route->category) : NULL;
}

static void test_routes(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    occi_route route;

    route = routes_to(pool, model, "/-/", OCCI_ROUTE_QUERY_INTERFACE);
    tap_ok(route.category == NULL && route.entity_uuid == NULL, "it names no category");
    routes_to(pool, model, "/.well-known/org/ogf/occi/-/", OCCI_ROUTE_QUERY_INTERFACE);

    route = routes_to(pool, model, "/compute/", OCCI_ROUTE_KIND_COLLECTION);
    tap_is_str(category_id(pool, &route), INFRA "compute", "its category is compute");
    tap_ok(route.entity_uuid == NULL, "a collection has no uuid");
    route = routes_to(pool, model, "/link/", OCCI_ROUTE_KIND_COLLECTION);
    tap_is_str(category_id(pool, &route), OCCI_SCHEME_CORE "link", "its category is core#link");

    route = routes_to(pool, model, "/mixin/os_tpl/", OCCI_ROUTE_MIXIN_COLLECTION);
    tap_is_str(category_id(pool, &route), INFRA "os_tpl", "its category is os_tpl");
    route = routes_to(pool, model, "/mixin/os_tpl/debian12/", OCCI_ROUTE_MIXIN_COLLECTION);
    tap_is_str(category_id(pool, &route), TEST_PROVIDER "os_tpl#debian12",
               "its category is the debian12 template");
    tap_like(route.category ? route.category->title : NULL, "bookworm",
             "the one the operator declared");

    route = routes_to(pool, model, "/compute/" UUID, OCCI_ROUTE_ENTITY);
    tap_is_str(category_id(pool, &route), INFRA "compute", "its kind is compute");
    tap_is_str(route.entity_uuid, UUID, "its uuid");
    route = routes_to(pool, model, "/storagelink/" UUID_UPPER, OCCI_ROUTE_ENTITY);
    tap_is_str(category_id(pool, &route), INFRA "storagelink", "its kind is storagelink");
    tap_is_str(route.entity_uuid, UUID, "its uuid comes out in lower case");

    route = routes_to(pool, model, "/compute/not-a-uuid", OCCI_ROUTE_NOT_FOUND);
    tap_ok(route.category == NULL && route.entity_uuid == NULL,
           "a path not found names nothing");
    routes_to(pool, model, "/compute/" UUID "/", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/compute/" UUID "0", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/compute/x" UUID, OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/compute/6df690d2x3158-40c4-88fb-d1c41584d6e5", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/nothing/" UUID, OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/compute/sub/" UUID, OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/nothing/", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/-", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/-/-/", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/compute", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/mixin/os_tpl/" UUID, OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/mixin/os_tpl/debian12/" UUID, OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/COMPUTE/", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/mixin/os/", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "/.well-known/", OCCI_ROUTE_NOT_FOUND);
    routes_to(pool, model, "", OCCI_ROUTE_NOT_FOUND);

    route = routes_to(pool, model, "/", OCCI_ROUTE_UNBOUND);
    tap_ok(route.category == NULL, "an unbound path names no category");
    routes_to(pool, model, "/mixin/", OCCI_ROUTE_UNBOUND);
    routes_to(pool, model, "/mixin/resource_tpl/", OCCI_ROUTE_MIXIN_COLLECTION);
}

static void test_methods(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    static const struct { const char *path; int methods; const char *name; } cases[] = {
        { "/-/", OCCI_METHOD_GET | OCCI_METHOD_POST | OCCI_METHOD_DELETE,
          "the query interface takes GET, POST and DELETE" },
        { "/compute/", OCCI_METHOD_GET | OCCI_METHOD_POST | OCCI_METHOD_DELETE,
          "a kind collection takes GET, POST and DELETE, not PUT" },
        { "/mixin/os_tpl/", OCCI_METHOD_GET | OCCI_METHOD_POST | OCCI_METHOD_PUT
          | OCCI_METHOD_DELETE, "a mixin collection takes all four" },
        { "/compute/" UUID, OCCI_METHOD_GET | OCCI_METHOD_POST | OCCI_METHOD_PUT
          | OCCI_METHOD_DELETE, "an entity takes all four" },
        { "/", OCCI_METHOD_GET, "an unbound path takes only GET" },
        { "/nothing/", 0, "a path not found takes nothing" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        occi_route route;

        occi_route_path(pool, model, cases[i].path, &route);
        tap_is_int(occi_route_methods(&route), cases[i].methods, cases[i].name);
    }
}

static void test_uuids(void)
{
    tap_ok(occi_uuid_is_valid(UUID), "a lower-case uuid");
    tap_ok(occi_uuid_is_valid(UUID_UPPER), "an upper-case uuid");
    tap_ok(occi_uuid_is_valid("00000000-0000-0000-0000-000000000000"), "the nil uuid");
    tap_ok(!occi_uuid_is_valid(""), "not the empty string");
    tap_ok(!occi_uuid_is_valid("6df690d2-3158-40c4-88fb-d1c41584d6e"), "not one digit short");
    tap_ok(!occi_uuid_is_valid(UUID "5"), "not one digit long");
    tap_ok(!occi_uuid_is_valid("6df690d23158-40c4-88fb-d1c41584d6e5a"), "not with a dash missing");
    tap_ok(!occi_uuid_is_valid("6df690d2-3158-40c4-88fb-d1c41584d6eg"), "not with a 'g'");
    tap_ok(!occi_uuid_is_valid("{6df690d2-3158-40c4-88fb-d1c41584d6}"), "not in braces");
    tap_ok(!occi_uuid_is_valid("6df690d2315840c488fbd1c41584d6e5"), "not without dashes");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_routes(pool);
    test_methods(pool);
    test_uuids();
    return tap_done(pool);
}
