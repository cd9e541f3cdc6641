/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON rendering of entities: exact output, round trips, the
 * specification's examples, and hostile input. */
#include <apr_time.h>
#include <json.h>

#include "tap.h"
#include "entity_compare.h"
#include "entity_fixtures.h"
#include "occi_buf.h"
#include "occi_entity_json.h"

/* A linear parser reads the big inputs below in milliseconds. */
#define PROMPTLY apr_time_from_sec(5)

#define COMPUTE_URL "/compute/" COMPUTE_ID

static apr_array_header_t *new_entities(apr_pool_t *pool)
{
    return apr_array_make(pool, 4, sizeof(occi_entity *));
}

/* Parses text, expecting exactly one entity; NULL with *error otherwise. */
static occi_entity *parse_one(apr_pool_t *pool, const char *text, const char **error)
{
    apr_array_header_t *entities = new_entities(pool);

    *error = occi_json_parse_entities(pool, text, strlen(text), entities);
    if (!*error && entities->nelts != 1) {
        *error = apr_psprintf(pool, "%d entities instead of one", entities->nelts);
    }
    return *error ? NULL : APR_ARRAY_IDX(entities, 0, occi_entity *);
}

static const char *entities_error(apr_pool_t *pool, const char *text)
{
    return occi_json_parse_entities(pool, text, strlen(text), new_entities(pool));
}

static const char *action_error(apr_pool_t *pool, const char *text)
{
    const char *action;
    apr_array_header_t *parameters;

    return occi_json_parse_action(pool, text, strlen(text), &action, &parameters);
}

static const char *locations_error(apr_pool_t *pool, const char *text)
{
    return occi_json_parse_locations(pool, text, strlen(text),
                                     apr_array_make(pool, 2, sizeof(const char *)));
}

static const occi_value *get(const occi_entity *e, const char *name)
{
    return e ? occi_entity_get(e, name) : NULL;
}

static void test_rendering(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    occi_render_context context = { model, "", NULL };
    occi_render_context below = { model, "/occi", NULL };
    occi_render_context served = { model, "/occi", "https://cloud.example.com:8443" };
    occi_entity *storage = occi_entity_create(pool);
    occi_entity *link = occi_entity_create(pool);
    occi_entity *disk = occi_entity_create(pool);
    apr_array_header_t *none = apr_array_make(pool, 1, sizeof(const char *));
    apr_array_header_t *entities = new_entities(pool);
    apr_array_header_t *actions = apr_array_make(pool, 2, sizeof(const apr_array_header_t *));

    storage->id = DISK_ID;
    storage->kind = INFRA "storage";
    SET_FLOAT(storage, "occi.storage.size", 2.0);
    SET_STRING(storage, "occi.storage.state", "online");
    SET_STRING(storage, "occi.core.title", "disk </script> & \"more\"");
    tap_is_str(occi_json_render_entity(pool, &context, storage, NULL),
               "{\"kind\":\"" INFRA "storage\",\"id\":\"urn:uuid:" DISK_ID "\","
               "\"title\":\"disk </script> & \\\"more\\\"\","
               "\"attributes\":{\"occi.storage.size\":2.0,\"occi.storage.state\":\"online\"}}",
               "a resource: no mixins, links or location member, 2.0 stays 2.0, '/' unescaped, "
               "title on top and not in attributes");
    tap_is_str(occi_json_render_entity(pool, &below, storage, none),
               "{\"kind\":\"" INFRA "storage\",\"id\":\"urn:uuid:" DISK_ID "\","
               "\"title\":\"disk </script> & \\\"more\\\"\","
               "\"attributes\":{\"occi.storage.size\":2.0,\"occi.storage.state\":\"online\"}}",
               "an empty list of actions is left out (rOCCI-core wants one item at least)");

    link->id = LINK_ID;
    link->kind = INFRA "storagelink";
    SET_STRING(link, "occi.core.source", COMPUTE_URL);
    SET_STRING(link, "occi.core.target", "/storage/" DISK_ID);
    SET_STRING(link, "occi.storagelink.deviceid", "/dev/vdc");
    tap_is_str(occi_json_render_entity(pool, &below, link, NULL),
               "{\"kind\":\"" INFRA "storagelink\",\"id\":\"urn:uuid:" LINK_ID "\","
               "\"source\":{\"location\":\"/occi" COMPUTE_URL "\",\"kind\":\"" INFRA "compute\"},"
               "\"target\":{\"location\":\"/occi/storage/" DISK_ID "\"},"
               "\"attributes\":{\"occi.storagelink.deviceid\":\"/dev/vdc\"}}",
               "a link: source and target below the base, the source's kind from its "
               "collection, no target kind unless set, no links or location member");
    tap_like(occi_json_render_entity(pool, &served, link, NULL),
             "\"source\":{\"location\":\"https://cloud.example.com:8443/occi" COMPUTE_URL "\","
             "\"kind\":\"" INFRA "compute\"},\"target\":{\"location\":"
             "\"https://cloud.example.com:8443/occi/storage/" DISK_ID "\"}",
             "with the request's origin, both ends are absolute URLs");

    /* An inline link without a source gets its resource's. */
    disk->kind = INFRA "storagelink";
    SET_STRING(disk, "occi.core.target", "http://elsewhere.example/disk");
    SET_STRING(disk, "occi.core.target.kind", INFRA "storage");
    storage = occi_entity_create(pool);
    storage->id = COMPUTE_ID;
    storage->kind = INFRA "compute";
    APR_ARRAY_PUSH(storage->links, occi_entity *) = disk;
    tap_like(occi_json_render_entity(pool, &below, storage, NULL),
             "\"links\":[{\"kind\":\"" INFRA "storagelink\",\"source\":{\"location\":\"/occi"
             COMPUTE_URL "\",\"kind\":\"" INFRA "compute\"},\"target\":{\"location\":\""
             "http://elsewhere.example/disk\",\"kind\":\"" INFRA "storage\"},"
             "\"attributes\":{}}]",
             "an inline link without source: the resource's location and kind; an absolute "
             "target as it is; no id, no location");

    /* Values that need care. */
    storage = occi_entity_create(pool);
    storage->kind = "http://example.com/occi#thing";
    SET_FLOAT(storage, "a", 0.1);
    SET_FLOAT(storage, "b", 1e300);
    SET_FLOAT(storage, "c", -0.0);
    SET_FLOAT(storage, "d", 123456789.0);
    SET_ARRAY(storage, "e", "[1, 2");
    SET_OBJECT(storage, "f", "[1]");
    SET_STRING(storage, "g", "tab\tnewline\ncontrol\x01 nul-free");
    tap_is_str(occi_json_render_entity(pool, &context, storage, NULL),
               "{\"kind\":\"http://example.com/occi#thing\",\"attributes\":{\"a\":0.1,"
               "\"b\":1e+300,\"c\":-0.0,\"d\":123456789.0,\"e\":\"[1, 2\",\"f\":\"[1]\","
               "\"g\":\"tab\\tnewline\\ncontrol\\u0001 nul-free\"}}",
               "shortest floats that read back exactly; broken JSON text kept as a string; "
               "control characters escaped; an unknown kind is a resource without location");

    /* Collections. */
    APR_ARRAY_PUSH(entities, occi_entity *) = link;
    APR_ARRAY_PUSH(entities, occi_entity *) = fixture_compute(pool);
    APR_ARRAY_PUSH(actions, const apr_array_header_t *) = NULL;
    APR_ARRAY_PUSH(actions, const apr_array_header_t *) = fixture_actions(pool);
    {
        const char *text = occi_json_render_collection(pool, &context, entities, actions);
        apr_array_header_t *parsed = new_entities(pool);

        tap_ok(!strncmp(text, "{\"resources\":[{\"kind\":\"" INFRA "compute\"", 30 + 12),
               "resources come first");
        tap_like(text, "}}]}],\"links\":[{\"kind\":\"" INFRA "storagelink\",\"id\":\"urn:uuid:"
                 LINK_ID "\"", "the standalone link is under links");
        tap_like(text, "\"actions\":[\"" COMPUTE_ACTION "start\",\"" COMPUTE_ACTION "stop\"]",
                 "per-entity actions");
        tap_is_str(occi_json_parse_entities(pool, text, strlen(text), parsed), NULL,
                   "the collection parses back");
        tap_is_int(parsed->nelts, 2, "into two entities");
    }
    tap_is_str(occi_json_render_collection(pool, &context, new_entities(pool), NULL),
               "{}", "an empty collection is {}: no empty arrays");
    entities = new_entities(pool);
    link = occi_entity_create(pool);
    link->kind = "http://example.com/occi#sublink";
    APR_ARRAY_PUSH(entities, occi_entity *) = link;
    {
        /* A kind below core#link, known to the model only. */
        static const occi_category sublink = {
            OCCI_CLASS_KIND, "http://example.com/occi#", "sublink", "Sub-link", "/sublink/",
            INFRA "networkinterface", NULL, NULL, NULL, 0, NULL, 0
        };

        occi_model_add(model, &sublink);
        tap_like(occi_json_render_collection(pool, &context, entities, NULL),
                 "{\"links\":[{\"kind\":\"http://example.com/occi#sublink\"",
                 "a kind whose parents reach core#link is a link");
    }
}

static void round_trip(apr_pool_t *pool, const occi_model *model, const occi_entity *original,
                       const apr_array_header_t *actions, const char *name)
{
    occi_render_context context = { model, "", NULL };
    const char *text = occi_json_render_entity(pool, &context, original, actions);
    const char *error, *difference;
    occi_entity *parsed = parse_one(pool, text, &error);

    if (!tap_ok(parsed != NULL, apr_psprintf(pool, "%s: the rendering parses back", name))) {
        printf("#   %s\n#   %s\n", error, text);
        return;
    }
    difference = entity_difference(pool, original, parsed, COMPARE_SKIP_INLINE_SOURCE);
    if (!tap_ok(difference == NULL, apr_psprintf(pool, "%s: the same entity comes back",
                                                 name))) {
        printf("#   %s\n", difference);
    }
    tap_is_str(occi_json_render_entity(pool, &context, parsed, actions), text,
               apr_psprintf(pool, "%s: and renders the same", name));
}

static void test_round_trip(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    occi_render_context context = { model, "", NULL };
    occi_entity *compute = fixture_compute(pool), *parsed, *link;
    occi_entity *bare = occi_entity_create(pool);
    const occi_value *value;
    const char *error;

    round_trip(pool, model, compute, fixture_actions(pool), "a compute with links");
    round_trip(pool, model, fixture_link(pool), NULL, "a standalone link");
    bare->kind = INFRA "network";
    round_trip(pool, model, bare, NULL, "an entity with a kind and nothing else");

    parsed = parse_one(pool, occi_json_render_entity(pool, &context, compute, NULL), &error);
    value = get(parsed, "com.example.list");
    tap_ok(value && value->type == OCCI_TYPE_ARRAY
           && !strcmp(value->string, "[1,\"two\",{\"three\":3.5},[],null,true]"),
           "an array stays an array, its JSON text unchanged");
    value = get(parsed, "com.example.map");
    tap_ok(value && value->type == OCCI_TYPE_OBJECT, "an object stays an object");
    value = get(parsed, "occi.compute.memory");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 4.0, "4.0 stays a float");
    value = get(parsed, "com.example.max");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == LLONG_MAX,
           "the largest 64-bit integer");
    value = get(parsed, "com.example.min");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == LLONG_MIN,
           "the smallest 64-bit integer");
    tap_is_str(parsed ? occi_entity_get_string(parsed, "occi.core.title") : error, NASTY,
               "quotes, backslashes, separators, markup and UTF-8 come back unchanged");
    link = parsed && parsed->links->nelts == 2 ? APR_ARRAY_IDX(parsed->links, 1, occi_entity *)
                                               : NULL;
    tap_is_str(link ? occi_entity_get_string(link, "occi.core.source") : NULL, COMPUTE_URL,
               "an inline link's source is its resource's location");
    tap_is_str(link ? occi_entity_get_string(link, "occi.core.target") : NULL, REMOTE_STORAGE,
               "an absolute target is kept");
}

static const char resource_example[] =
    "{\"kind\":\"http://schemas.ogf.org/occi/infrastructure#compute\",\n"
    " \"mixins\":[\"http://example.com/occi/os_tpl#debian9\"],\n"
    " \"id\":\"urn:uuid:996ad860-2a9a-504f-8861-aeafd0b2ae29\",\"title\":\"vm1\",\"summary\":\"test VM\",\n"
    " \"attributes\":{\"occi.compute.cores\":2,\"occi.compute.memory\":4.0,\"occi.compute.state\":\"active\"},\n"
    " \"actions\":[\"http://schemas.ogf.org/occi/infrastructure/compute/action#stop\"],\n"
    " \"links\":[{\"kind\":\"http://schemas.ogf.org/occi/infrastructure#storagelink\",\n"
    "   \"id\":\"urn:uuid:5c2e0b7e-27f0-4f0c-9a53-0a3c5b8f1d11\",\n"
    "   \"source\":{\"location\":\"/compute/996ad860-2a9a-504f-8861-aeafd0b2ae29\",\n"
    "             \"kind\":\"http://schemas.ogf.org/occi/infrastructure#compute\"},\n"
    "   \"target\":{\"location\":\"/storage/5401\",\"kind\":\"http://schemas.ogf.org/occi/infrastructure#storage\"},\n"
    "   \"attributes\":{\"occi.storagelink.deviceid\":\"/dev/vdb\",\"occi.storagelink.state\":\"active\"}}]}\n";

static const char link_example[] =
    "{\"kind\":\"http://schemas.ogf.org/occi/infrastructure#networkinterface\",\n"
    " \"mixins\":[\"http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface\"],\n"
    " \"id\":\"urn:uuid:22fe83ae-a20f-54fc-b436-cec85c94c5e8\",\n"
    " \"source\":{\"location\":\"/compute/996ad860-2a9a-504f-8861-aeafd0b2ae29\"},\n"
    " \"target\":{\"location\":\"/network/b7d55bf4\",\"kind\":\"http://schemas.ogf.org/occi/infrastructure#network\"},\n"
    " \"attributes\":{\"occi.networkinterface.interface\":\"eth0\",\"occi.networkinterface.mac\":\"00:80:41:ae:fd:7e\",\n"
    "   \"occi.networkinterface.address\":\"192.168.0.100\",\"occi.networkinterface.allocation\":\"dynamic\"}}";

static void test_examples(apr_pool_t *pool)
{
    const char *error, *action, *text;
    occi_entity *e, *link;
    const occi_value *value;
    apr_array_header_t *parameters, *entities, *locations;

    e = parse_one(pool, resource_example, &error);
    tap_is_str(error, NULL, "the reference's resource example parses");
    if (e) {
        tap_is_str(e->kind, INFRA "compute", "its kind");
        tap_is_str(e->id, "996ad860-2a9a-504f-8861-aeafd0b2ae29", "its id");
        tap_is_str(occi_entity_get_string(e, "occi.core.title"), "vm1", "title");
        tap_is_str(occi_entity_get_string(e, "occi.core.summary"), "test VM", "summary");
        value = get(e, "occi.compute.cores");
        tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == 2,
               "cores is an integer");
        value = get(e, "occi.compute.memory");
        tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 4.0,
               "memory 4.0 is a float");
        tap_is_int(e->attributes->nelts, 5, "three attributes, title and summary");
        link = e->links->nelts == 1 ? APR_ARRAY_IDX(e->links, 0, occi_entity *) : NULL;
        tap_ok(link != NULL, "one inline link");
        tap_is_str(link ? link->id : NULL, DISK_ID, "the link's id");
        tap_is_str(link ? occi_entity_get_string(link, "occi.core.source.kind") : NULL,
                   INFRA "compute", "source.kind from source.kind");
        tap_is_str(link ? occi_entity_get_string(link, "occi.core.target") : NULL,
                   "/storage/5401", "target from target.location");
        tap_is_str(link ? occi_entity_get_string(link, "occi.core.target.kind") : NULL,
                   INFRA "storage", "target.kind from target.kind");
    }
    e = parse_one(pool, link_example, &error);
    tap_is_str(error, NULL, "the reference's standalone link example parses");
    if (e) {
        tap_is_str(occi_entity_get_string(e, "occi.core.source"),
                   "/compute/996ad860-2a9a-504f-8861-aeafd0b2ae29", "source");
        tap_ok(get(e, "occi.core.source.kind") == NULL, "no source kind given, none made up");
        tap_is_str(occi_entity_get_string(e, "occi.networkinterface.address"), "192.168.0.100",
                   "its attributes");
        tap_is_int(e->attributes->nelts, 7, "four attributes, source, target, target.kind");
    }
    /* The collection example's "urn:uuid:1" is no UUID, which every id of
     * this server is (design: entity URL = kind location + UUID). */
    tap_like(entities_error(pool, "{\"resources\":[{\"kind\":\"http://schemas.ogf.org/occi/"
                            "infrastructure#compute\",\"id\":\"urn:uuid:1\"}]}"),
             "resources[0]: id 'urn:uuid:1' is not a valid entity id",
             "the collection example: its short id is refused, by name");
    entities = new_entities(pool);
    tap_is_str(occi_json_parse_entities(pool, "{\"resources\":[]}", 16, entities), NULL,
               "the empty collection example");
    tap_is_int(entities->nelts, 0, "has no entities");

    text = "{\"action\":\"http://schemas.ogf.org/occi/infrastructure/compute/action#stop\","
           "\"attributes\":{\"method\":\"graceful\"}}";
    error = occi_json_parse_action(pool, text, strlen(text), &action, &parameters);
    tap_is_str(error, NULL, "the action example parses");
    tap_is_str(action, COMPUTE_ACTION "stop", "its action");
    tap_ok(parameters && parameters->nelts == 1
           && !strcmp(APR_ARRAY_IDX(parameters, 0, occi_attribute_value).name, "method")
           && !strcmp(APR_ARRAY_IDX(parameters, 0, occi_attribute_value).value.string,
                      "graceful"), "its parameter");
    error = occi_json_parse_action(pool, "{\"action\":\"" COMPUTE_ACTION "start\"}",
                                   strlen("{\"action\":\"" COMPUTE_ACTION "start\"}"),
                                   &action, &parameters);
    tap_ok(!error && parameters->nelts == 0, "an action without attributes");

    locations = apr_array_make(pool, 4, sizeof(const char *));
    text = "{\"resources\":[{\"id\":\"urn:uuid:" COMPUTE_ID "\"},{\"location\":\"/storage/1\"},"
           "\"/network/2\"],\"links\":[{\"id\":\"" LINK_ID "\",\"kind\":\"x\"}]}";
    error = occi_json_parse_locations(pool, text, strlen(text), locations);
    tap_is_str(error, NULL, "an association body with id, location and string members");
    tap_is_int(locations->nelts, 4, "four references");
    if (locations->nelts == 4) {
        tap_is_str(APR_ARRAY_IDX(locations, 0, const char *), "urn:uuid:" COMPUTE_ID,
                   "an id as given");
        tap_is_str(APR_ARRAY_IDX(locations, 1, const char *), "/storage/1", "a location");
        tap_is_str(APR_ARRAY_IDX(locations, 2, const char *), "/network/2", "a string");
        tap_is_str(APR_ARRAY_IDX(locations, 3, const char *), LINK_ID, "a link's id");
    }
    locations = apr_array_make(pool, 4, sizeof(const char *));
    text = "[\"/compute/1\", \"http://h/storage/2\"]";
    error = occi_json_parse_locations(pool, text, strlen(text), locations);
    tap_ok(!error && locations->nelts == 2, "a bare array of locations (rOCCI)");
}

static void test_parsing(apr_pool_t *pool)
{
    const char *error;
    occi_entity *e;
    const occi_value *value;

    e = parse_one(pool, "{\"kind\":\"k#k\",\"id\":\"/occi/compute/" COMPUTE_ID "\","
                  "\"title\":\"t\",\"attributes\":{\"occi.core.title\":\"t\","
                  "\"occi.core.id\":\"urn:uuid:" COMPUTE_ID "\",\"n\":-3,\"f\":-2.5e-3,"
                  "\"b\":false},\"location\":\"/x\",\"future\":[1]}", &error);
    tap_is_str(error, NULL, "id as a location, the same title twice, unknown members");
    tap_is_str(e ? e->id : NULL, COMPUTE_ID, "the id from the location and occi.core.id agree");
    tap_ok(e && get(e, "occi.core.id") == NULL, "occi.core.id is not kept as an attribute");
    value = get(e, "n");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == -3, "-3");
    value = get(e, "f");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == -2.5e-3, "-2.5e-3");
    value = get(e, "b");
    tap_ok(value && value->type == OCCI_TYPE_BOOLEAN && !value->boolean, "false");
    e = parse_one(pool, "{\"kind\":\"k#l\",\"source\":\"/compute/1\",\"target\":\"urn:x\","
                  "\"id\":\"" LINK_ID "\"}", &error);
    tap_is_str(e ? occi_entity_get_string(e, "occi.core.source") : error, "/compute/1",
               "source as a plain string");
    tap_is_str(e ? occi_entity_get_string(e, "occi.core.target") : error, "urn:x",
               "target as a plain string");
    tap_is_str(e ? e->id : error, LINK_ID, "a bare UUID id");
    e = parse_one(pool, "{\"kind\":\"k#l\",\"target\":{\"location\":\"/n/1\"},"
                  "\"attributes\":{\"occi.core.target\":\"/n/1\"}}", &error);
    tap_ok(e != NULL, "target at the top and in attributes, agreeing");
}

static void test_hostile(apr_pool_t *pool)
{
    apr_size_t depth = 10000, i;
    char *deep = apr_palloc(pool, 2 * depth + 1);
    apr_time_t start;

    for (i = 0; i < depth; i++) {
        deep[i] = '[';
        deep[depth + i] = ']';
    }
    deep[2 * depth] = '\0';
    start = apr_time_now();
    tap_like(entities_error(pool, deep), "nests deeper than 32 levels",
             "10,000 nested arrays are refused");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");
    deep = apr_pstrcat(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":", deep, "}}", NULL);
    tap_like(entities_error(pool, deep), "nests deeper than 32 levels",
             "and inside an attribute value");

    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":"
                            "123456789012345678901234567890}}"),
             "the number 123456789012345678901234567890 at byte 32 is beyond the range of a "
             "64-bit integer", "a huge integer");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":9223372036854775808}}"),
             "9223372036854775808", "INT64_MAX + 1");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":-9223372036854775809}}"),
             "-9223372036854775809", "INT64_MIN - 1");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":[1,2,"
                            "99999999999999999999]}}"), "99999999999999999999",
             "a huge integer inside an array value");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":1e400}}"),
             "1e400 at byte 32 is beyond the range of a 64-bit floating-point number",
             "a float beyond double");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":NaN}}"),
             "NaN at byte 32 is not a JSON value", "NaN");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":[-Infinity]}}"),
             "Infinity at byte 34 is not a JSON value", "-Infinity inside an array");
    tap_ok(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"NaN\":\"Infinity 1e999 "
                          "99999999999999999999\"}}") == NULL,
           "non-numbers inside strings are just text");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\"} x"),
             "unexpected data after the JSON document", "trailing garbage");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\"}{}"),
             "unexpected data after the JSON document", "a second document");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\""), "ends before it is complete",
             "a truncated document");
    tap_like(entities_error(pool, "{\"kind\":'k#k'}"), "malformed", "single quotes");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",}"), "malformed", "a trailing comma");
    tap_like(entities_error(pool, "{\"kind\":\"\xff\"}"), "not valid UTF-8", "invalid UTF-8");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"title\":\"a\\u0000b\"}"),
             "'title' contains a NUL character", "an escaped NUL");
    tap_like(entities_error(pool, "[]"), "must be an object", "an array");
    tap_like(entities_error(pool, "\"x\""), "must be an object", "a string");
    {
        apr_array_header_t *partial = apr_array_make(pool, 1, sizeof(occi_entity *));

        tap_ok(occi_json_parse_entities(pool, "{}", 2, partial) == NULL
               && APR_ARRAY_IDX(partial, 0, occi_entity *)->kind == NULL,
               "no kind: a partial entity, left for the caller to judge");
    }
    tap_like(entities_error(pool, "{\"kind\":5}"), "'kind' must be a string",
             "kind not a string");
    tap_like(entities_error(pool, "{\"kind\":\"\"}"), "'kind' is empty", "an empty kind");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"mixins\":\"m#m\"}"),
             "'mixins' must be an array", "mixins not an array");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"mixins\":[\"m#m\",7]}"),
             "mixins[1] must be a type identifier string", "a mixin not a string");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"mixins\":[\"m#m\",\"m#m\"]}"),
             "mixin m#m is given twice", "a mixin twice");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":[]}"),
             "'attributes' must be an object", "attributes not an object");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"x\":null}}"),
             "attribute x is null", "a null attribute");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"-x\":1}}"),
             "'-x' is not a valid attribute name", "a bad attribute name");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"title\":\"a\",\"attributes\":"
                            "{\"occi.core.title\":\"b\"}}"),
             "occi.core.title is given twice with different values", "two different titles");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"summary\":\"a\",\"attributes\":"
                            "{\"occi.core.summary\":1}}"),
             "occi.core.summary is given twice with different values",
             "a summary that differs in type");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"id\":\"" COMPUTE_ID "\",\"attributes\":"
                            "{\"occi.core.id\":\"urn:uuid:" LINK_ID "\"}}"),
             "occi.core.id is given twice with different values", "two different ids");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"attributes\":{\"occi.core.id\":5}}"),
             "attribute occi.core.id must be a string", "a numeric occi.core.id");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"id\":\"vm 1\"}"),
             "id 'vm 1' is not a valid entity id", "an id that is no URI");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"id\":\"urn:uuid:vm1\"}"),
             "id 'urn:uuid:vm1' is not a valid entity id", "a malformed urn:uuid: id");
    {
        apr_array_header_t *parsed = new_entities(pool);
        const occi_entity *e;

        tap_is_str(occi_json_parse_entities(pool, "{\"kind\":\"k#k\",\"id\":\"Compute_17\"}",
                                            32, parsed), NULL,
                   "an id of another system's kind (Compute_17) is no mistake");
        e = parsed->nelts ? APR_ARRAY_IDX(parsed, 0, const occi_entity *) : NULL;
        tap_ok(e && !e->id && e->foreign_id && !strcmp(e->foreign_id, "Compute_17"),
               "it is kept apart as a foreign id: the server chooses the entity's own");
    }
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"id\":5}"), "'id' must be a string",
             "an id not a string");
    tap_like(entities_error(pool, "{\"kind\":\"k#k\",\"title\":[]}"), "'title' must be a string",
             "a title not a string");
    tap_like(entities_error(pool, "{\"kind\":\"k#l\",\"source\":5}"),
             "'source' must be an object with a 'location'", "a source of the wrong type");
    tap_like(entities_error(pool, "{\"kind\":\"k#l\",\"target\":{\"kind\":\"x#y\"}}"),
             "target: 'location' is missing", "a target without location");
    tap_like(entities_error(pool, "{\"kind\":\"k#l\",\"target\":{\"location\":7}}"),
             "target: 'location' must be a string", "a target location not a string");
    tap_like(entities_error(pool, "{\"kind\":\"k#l\",\"target\":\"/a\",\"attributes\":"
                            "{\"occi.core.target\":\"/b\"}}"),
             "occi.core.target is given twice with different values", "two different targets");
    tap_like(entities_error(pool, "{\"kind\":\"k#r\",\"links\":{}}"),
             "'links' must be an array", "links not an array");
    tap_like(entities_error(pool, "{\"kind\":\"k#r\",\"links\":[{\"kind\":\"k#l\"},"
                            "{\"kind\":7}]}"),
             "links[1]: 'kind' must be a string", "a bad inline link, named by index");
    tap_like(entities_error(pool, "{\"kind\":\"k#r\",\"links\":[{\"kind\":\"k#l\","
                            "\"links\":[]}]}"),
             "links[0]: a link cannot carry 'links'", "links inside a link");
    tap_like(entities_error(pool, "{\"kind\":\"k#l\",\"source\":\"/a\",\"links\":[]}"),
             "a link cannot carry 'links'", "links on a standalone link");
    tap_like(entities_error(pool, "{\"resources\":[{\"kind\":\"k#r\"},{\"kind\":\"k#r\","
                            "\"links\":[{\"kind\":\"k#l\",\"attributes\":{\"a\":null}}]}]}"),
             "resources[1].links[0]: attribute a is null", "a path to the fault in a collection");
    tap_like(entities_error(pool, "{\"resources\":{}}"), "'resources' must be an array",
             "resources not an array");
    tap_like(entities_error(pool, "{\"links\":[1]}"), "links[0]: an entity must be a JSON object",
             "a collection item not an object");

    tap_like(action_error(pool, "{\"attributes\":{\"method\":\"graceful\"}}"),
             "lacks 'action'", "an action invocation without action");
    tap_like(action_error(pool, "{\"action\":7}"), "'action' must be a string",
             "an action not a string");
    tap_like(action_error(pool, "{\"action\":\"stop\"}"),
             "'action' stop is not a type identifier", "an action that is a bare term");
    tap_like(action_error(pool, "{\"action\":\"" COMPUTE_ACTION "stop\",\"attributes\":7}"),
             "'attributes' must be an object", "action attributes not an object");
    tap_like(action_error(pool, "{\"action\":\"" COMPUTE_ACTION "stop\",\"attributes\":"
                          "{\"method\":NaN}}"), "NaN", "NaN in an action parameter");
    tap_like(action_error(pool, "[]"), "must be an object", "an action that is an array");

    tap_like(locations_error(pool, "{}"), "names no entities", "an empty association body");
    tap_like(locations_error(pool, "{\"resources\":[{}]}"),
             "resources[0] has neither 'id' nor 'location'", "an item with neither");
    tap_like(locations_error(pool, "{\"resources\":[{\"id\":5}]}"),
             "resources[0]: 'id' must be a string", "an id that is a number");
    tap_like(locations_error(pool, "[\"/a\", 5]"),
             "locations[1] must be a location string", "a bare array with a number");
    tap_like(locations_error(pool, "[\"\"]"), "locations[0] is an empty reference",
             "an empty location");
    tap_like(locations_error(pool, "{\"links\":\"x\"}"), "'links' must be an array",
             "links not an array");
    tap_like(locations_error(pool, "7"), "expected {\"resources\"", "a number");
}

static void test_big_input(apr_pool_t *pool)
{
    apr_size_t big = 1024 * 1024, i, n = 100000;
    occi_buf buf;
    apr_time_t start;
    const char *error;
    occi_entity *e;
    apr_array_header_t *entities;

    occi_buf_init(&buf, pool, big + 64);
    occi_buf_puts(&buf, "{\"kind\":\"k#k\",\"attributes\":{\"x\":\"");
    for (i = 0; i < big / 2; i++) {
        occi_buf_puts(&buf, i % 64 ? "ab" : "\\\"");
    }
    occi_buf_puts(&buf, "\"}}");
    start = apr_time_now();
    e = parse_one(pool, buf.data, &error);
    tap_ok(e && strlen(occi_entity_get_string(e, "x")) == big - big / 128,
           "a 1 MB attribute value is accepted whole");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");

    occi_buf_init(&buf, pool, big + 64);
    occi_buf_puts(&buf, "{\"kind\":\"k#k\",\"id\":\"");
    for (i = 0; i < big; i++) {
        occi_buf_putc(&buf, 'u');
    }
    occi_buf_puts(&buf, "\"}");
    error = entities_error(pool, buf.data);
    tap_like(error, "id 'uuuu", "a 1 MB id is refused");
    tap_ok(error && strlen(error) < 512, "with a message of a few hundred bytes at most");

    occi_buf_init(&buf, pool, n * 20);
    occi_buf_puts(&buf, "{\"resources\":[");
    for (i = 0; i < n; i++) {
        occi_buf_puts(&buf, i ? ",{\"kind\":\"k#k\"}" : "{\"kind\":\"k#k\"}");
    }
    occi_buf_puts(&buf, "]}");
    entities = new_entities(pool);
    start = apr_time_now();
    error = occi_json_parse_entities(pool, buf.data, buf.len, entities);
    tap_ok(!error && entities->nelts == (int)n, "a collection of 100,000 entities parses");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");

    occi_buf_init(&buf, pool, n * 24);
    occi_buf_puts(&buf, "{\"kind\":\"k#k\",\"mixins\":[");
    for (i = 0; i < n; i++) {
        occi_buf_puts(&buf, apr_psprintf(pool, "%s\"m#m%lu\"", i ? "," : "", (unsigned long)i));
    }
    occi_buf_puts(&buf, ",\"m#m0\"]}");
    start = apr_time_now();
    tap_like(entities_error(pool, buf.data), "mixin m#m0 is given twice",
             "100,000 mixins and a repeated one: found");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly (no scan per mixin)");
}

/* The rendering writes the text itself; its bytes must be those json-c
 * writes for the same document (plain, '/' unescaped), which clients and
 * earlier releases saw: every byte value in a string, UTF-8, every value
 * type, ends, inline links, and both arrays of a collection. */
static const char *as_json_c_writes(apr_pool_t *pool, const char *text)
{
    json_object *parsed = json_tokener_parse(text);
    const char *written;

    if (!parsed) {
        return "(not JSON)";
    }
    written = apr_pstrdup(pool, json_object_to_json_string_ext(
                              parsed, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(parsed);
    return written;
}

static void test_written_as_json_c_writes(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    occi_render_context context = { model, "/occi", NULL };
    occi_entity *compute = occi_entity_create(pool);
    occi_entity *link = occi_entity_create(pool);
    occi_entity *loose = occi_entity_create(pool);
    apr_array_header_t *entities = new_entities(pool);
    const char *text;
    char bytes[4];
    int c, same = 1;

    /* Each byte from 1 to 127 inside a string: the escapes. */
    for (c = 1; c < 128; c++) {
        occi_entity *e = occi_entity_create(pool);

        bytes[0] = 'a';
        bytes[1] = (char)c;
        bytes[2] = 'z';
        bytes[3] = '\0';
        e->id = COMPUTE_ID;
        e->kind = INFRA "compute";
        SET_STRING(e, "occi.core.title", bytes);
        SET_STRING(e, apr_psprintf(pool, "com.example.byte%c", c == '"' ? 'q' : 'x'), bytes);
        text = occi_json_render_entity(pool, &context, e, NULL);
        if (strcmp(text, as_json_c_writes(pool, text))) {
            printf("#   byte %d: %s\n", c, text);
            same = 0;
        }
    }
    tap_ok(same, "every byte from 1 to 127 in a string is written as json-c writes it");

    compute->id = COMPUTE_ID;
    compute->kind = INFRA "compute";
    APR_ARRAY_PUSH(compute->mixins, const char *) = "http://example.com/tpl#small";
    SET_STRING(compute, "occi.core.title", "gr\xc3\xbc\xc3\x9f dich \xe2\x82\xac / \xf0\x9f\x98\x80");
    SET_STRING(compute, "occi.core.summary", "two\nlines\t\"quoted\" \\ back");
    SET_INTEGER(compute, "occi.compute.cores", 4);
    SET_INTEGER(compute, "com.example.big", -9007199254740993LL);
    SET_FLOAT(compute, "occi.compute.memory", 0.5);
    SET_FLOAT(compute, "com.example.tiny", -1.5e-7);
    SET_FLOAT(compute, "com.example.whole", 2.0);
    SET_BOOLEAN(compute, "com.example.yes", 1);
    SET_BOOLEAN(compute, "com.example.no", 0);
    SET_ARRAY(compute, "com.example.list", "[ 1, \"two\", {\"three\" : 3.25}, [] ]");
    SET_OBJECT(compute, "com.example.map", "{\"a/b\": null, \"c\": [true]}");
    SET_ARRAY(compute, "com.example.broken", "[1, 2");
    SET_STRING(compute, "com.example.empty", "");
    link->id = LINK_ID;
    link->kind = INFRA "networkinterface";
    SET_STRING(link, "occi.core.target", NETWORK_PATH);
    SET_STRING(link, "occi.core.target.kind", INFRA "network");
    SET_STRING(link, "occi.networkinterface.interface", "eth0");
    APR_ARRAY_PUSH(compute->links, occi_entity *) = link;
    text = occi_json_render_entity(pool, &context, compute, NULL);
    tap_is_str(text, as_json_c_writes(pool, text),
               "a compute with every value type and an inline link: json-c's bytes");
    tap_like(text, "\"com.example.broken\":\"[1, 2\"",
             "an array value that is not JSON is written as a string");
    tap_like(text, "\"source\":{\"location\":\"/occi/compute/" COMPUTE_ID "\",\"kind\":\""
             INFRA "compute\"}", "the inline link's source is its resource");

    loose->id = DISK_ID;
    loose->kind = INFRA "storagelink";
    SET_STRING(loose, "occi.core.source", "/compute/" COMPUTE_ID);
    SET_STRING(loose, "occi.core.target", "/storage/" DISK_ID);
    APR_ARRAY_PUSH(entities, occi_entity *) = loose;
    APR_ARRAY_PUSH(entities, occi_entity *) = compute;
    APR_ARRAY_PUSH(entities, occi_entity *) = link;
    text = occi_json_render_collection(pool, &context, entities, NULL);
    tap_is_str(text, as_json_c_writes(pool, text), "a collection of links and resources: json-c's bytes");
    tap_ok(!strncmp(text, "{\"resources\":[{\"kind\":\"" INFRA "compute\"",
                    strlen("{\"resources\":[{\"kind\":\"" INFRA "compute\""))
           && strstr(text, "]}],\"links\":[{\"kind\":\"" INFRA "storagelink\"")
           && strstr(text, "},{\"kind\":\"" INFRA "networkinterface\""),
           "resources first, then the links in their order");
    entities->nelts = 1;
    text = occi_json_render_collection(pool, &context, entities, NULL);
    tap_ok(!strncmp(text, "{\"links\":[{\"kind\":\"" INFRA "storagelink\"",
                    strlen("{\"links\":[{\"kind\":\"" INFRA "storagelink\""))
           && !strstr(text, "resources"), "a collection of links alone has no resources member");
    entities->nelts = 0;
    tap_is_str(occi_json_render_collection(pool, &context, entities, NULL), "{}",
               "an empty collection is {}");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_rendering(pool);
    test_written_as_json_c_writes(pool);
    test_round_trip(pool);
    test_examples(pool);
    test_parsing(pool);
    test_hostile(pool);
    test_big_input(pool);
    return tap_done(pool);
}
