/* SPDX-License-Identifier: Apache-2.0 */
/* The text rendering of entities: exact output, round trips through a
 * text/plain body, the specification's examples, and hostile input. */
#include <apr_time.h>

#include "tap.h"
#include "entity_compare.h"
#include "entity_fixtures.h"
#include "occi_buf.h"
#include "occi_entity_text.h"

/* A linear parser reads the big inputs below in milliseconds; a quadratic
 * one would take minutes. */
#define PROMPTLY apr_time_from_sec(5)

static apr_array_header_t *new_fields(apr_pool_t *pool)
{
    return apr_array_make(pool, 8, sizeof(occi_text_field));
}

static void add(apr_array_header_t *fields, const char *name, const char *value)
{
    occi_text_field *field = apr_array_push(fields);

    field->name = name;
    field->value = value;
}

/* The fields of a body, or NULL (with the error in *error). */
static apr_array_header_t *body_fields(apr_pool_t *pool, const char *body, const char **error)
{
    apr_array_header_t *fields = new_fields(pool);

    *error = occi_text_parse_body(pool, body, strlen(body), fields);
    return *error ? NULL : fields;
}

static occi_entity *parse_body_entity(apr_pool_t *pool, const char *body, const char **error)
{
    apr_array_header_t *fields = body_fields(pool, body, error);
    occi_entity *entity = NULL;

    if (fields) {
        *error = occi_text_parse_entity(pool, fields, &entity);
    }
    return *error ? NULL : entity;
}

static const char *render_body(apr_pool_t *pool, const occi_model *model, const char *base,
                               const occi_entity *entity, const apr_array_header_t *actions)
{
    occi_render_context context = { model, base, NULL };
    apr_array_header_t *fields = new_fields(pool);

    occi_text_render_entity(pool, &context, entity, actions, fields);
    return occi_text_fields_to_body(pool, fields);
}

static const occi_value *get(const occi_entity *e, const char *name)
{
    return e ? occi_entity_get(e, name) : NULL;
}

static void test_location(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    occi_entity *compute = fixture_compute(pool);
    occi_entity *entity = occi_entity_create(pool);

    tap_is_str(occi_entity_location(pool, model, compute), "/compute/" COMPUTE_ID,
               "an entity's location is its kind's location and its id");
    tap_is_str(occi_entity_location(pool, model, fixture_nic(pool)),
               "/networkinterface/" NIC_ID, "a link's location likewise");
    entity->id = COMPUTE_ID;
    entity->kind = "http://example.com/occi#unknown";
    tap_is_str(occi_entity_location(pool, model, entity), NULL, "an unknown kind: no location");
    entity->kind = OCCI_SCHEME_CORE "entity";
    tap_is_str(occi_entity_location(pool, model, entity), "/entity/" COMPUTE_ID,
               "core#entity has a location (its instances are refused)");
    entity->kind = INFRA "compute";
    entity->id = NULL;
    tap_is_str(occi_entity_location(pool, model, entity), NULL, "no id: no location");
}

static void test_rendering(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    occi_entity *compute = occi_entity_create(pool);
    occi_entity *nic = occi_entity_create(pool);
    apr_array_header_t *actions = apr_array_make(pool, 1, sizeof(const char *));
    occi_render_context context = { model, "", NULL };
    apr_array_header_t *fields = new_fields(pool);

    /* The "Rendered resource" of the reference (section 4.4), with
     * UUIDs where it abbreviates. */
    compute->id = COMPUTE_ID;
    compute->kind = INFRA "compute";
    SET_STRING(compute, "occi.compute.state", "inactive");
    SET_FLOAT(compute, "occi.compute.memory", 2.0);
    nic->id = NIC_ID;
    nic->kind = INFRA "networkinterface";
    SET_STRING(nic, "occi.core.source", "/compute/" COMPUTE_ID);
    SET_STRING(nic, "occi.core.target", NETWORK_PATH);
    SET_STRING(nic, "occi.core.target.kind", INFRA "network");
    SET_STRING(nic, "occi.networkinterface.interface", "eth0");
    SET_STRING(nic, "occi.networkinterface.state", "active");
    APR_ARRAY_PUSH(compute->links, occi_entity *) = nic;
    APR_ARRAY_PUSH(actions, const char *) = COMPUTE_ACTION "start";
    tap_is_str(render_body(pool, model, "", compute, actions),
               "Category: compute; scheme=\"" INFRA "\"; class=\"kind\"; location=\"/compute/\"\n"
               "Link: <" NETWORK_PATH ">; rel=\"" INFRA "network\"; "
               "self=\"/networkinterface/" NIC_ID "\"; category=\"" INFRA "networkinterface\"; "
               "occi.networkinterface.interface=\"eth0\"; occi.networkinterface.state=\"active\"\n"
               "Link: </compute/" COMPUTE_ID "?action=start>; "
               "rel=\"" COMPUTE_ACTION "start\"\n"
               "X-OCCI-Attribute: occi.core.id=\"urn:uuid:" COMPUTE_ID "\"\n"
               "X-OCCI-Attribute: occi.compute.state=\"inactive\"\n"
               "X-OCCI-Attribute: occi.compute.memory=2.0\n",
               "the reference's rendered resource, line for line");
    tap_is_str(render_body(pool, model, "/occi", compute, actions),
               "Category: compute; scheme=\"" INFRA "\"; class=\"kind\"; "
               "location=\"/occi/compute/\"\n"
               "Link: </occi" NETWORK_PATH ">; rel=\"" INFRA "network\"; "
               "self=\"/occi/networkinterface/" NIC_ID "\"; category=\"" INFRA
               "networkinterface\"; "
               "occi.networkinterface.interface=\"eth0\"; occi.networkinterface.state=\"active\"\n"
               "Link: </occi/compute/" COMPUTE_ID "?action=start>; "
               "rel=\"" COMPUTE_ACTION "start\"\n"
               "X-OCCI-Attribute: occi.core.id=\"urn:uuid:" COMPUTE_ID "\"\n"
               "X-OCCI-Attribute: occi.compute.state=\"inactive\"\n"
               "X-OCCI-Attribute: occi.compute.memory=2.0\n",
               "below /occi every local URL gets the prefix");

    compute = fixture_compute(pool);
    occi_text_render_entity(pool, &context, compute, NULL, fields);
    tap_is_str(APR_ARRAY_IDX(fields, 1, occi_text_field).value,
               "debian12; scheme=\"" TEST_PROVIDER "os_tpl#\"; class=\"mixin\"; "
               "location=\"/mixin/os_tpl/debian12/\"",
               "a mixin known to the model: its Category has its location");
    tap_is_str(APR_ARRAY_IDX(fields, 3, occi_text_field).value,
               "blue; scheme=\"http://example.com/occi/tags#\"; class=\"mixin\"",
               "a mixin the model does not know: term and scheme split at the last '#'");
    tap_is_str(APR_ARRAY_IDX(fields, 5, occi_text_field).value,
               "<" REMOTE_STORAGE ">; rel=\"" INFRA "storage\"; self=\"/storagelink/" DISK_ID
               "\"; category=\"" INFRA "storagelink " TAG_FAST " " TAG_BLUE "\"; "
               "occi.storagelink.deviceid=\"/dev/vdb\"; occi.storagelink.mountpoint=\"/mnt/say "
               "\\\"hi\\\", then; a \\\\ back\\\\slash <b> & 'q' = x, \xC3\xBCn\xC3\xAF "
               "\xE2\x98\x83 \xF0\x9D\x84\x9E\"; com.example.iops=5000; "
               "com.example.weight=0.25; com.example.readonly=false; "
               "com.example.tags=\"[\\\"a\\\",\\\"b,c\\\"]\"",
               "a link to an absolute URL, with mixins and typed attributes");
    tap_is_int(fields->nelts, 1 + compute->mixins->nelts + compute->links->nelts + 1
               + compute->attributes->nelts,
               "one field per category, link and attribute, plus occi.core.id; no actions "
               "when actions is NULL");
    tap_is_str(APR_ARRAY_IDX(fields, 7, occi_text_field).value,
               "occi.core.title=\"say \\\"hi\\\", then; a \\\\ back\\\\slash <b> & 'q' = x, "
               "\xC3\xBCn\xC3\xAF \xE2\x98\x83 \xF0\x9D\x84\x9E\"",
               "a string attribute is a quoted-string with its quotes and backslashes escaped");
}


/* Renders, writes the body, reads it back and compares. */
static void round_trip(apr_pool_t *pool, const occi_model *model, const occi_entity *original,
                       const apr_array_header_t *actions, const char *name)
{
    const char *body = render_body(pool, model, "", original, actions);
    const char *error, *difference;
    occi_entity *parsed = parse_body_entity(pool, body, &error);

    if (!tap_ok(parsed != NULL, apr_psprintf(pool, "%s: the rendering parses back", name))) {
        printf("#   %s\n", error);
        return;
    }
    difference = entity_difference(pool, original, parsed,
                                   COMPARE_TEXT | COMPARE_SKIP_INLINE_SOURCE);
    if (!tap_ok(difference == NULL, apr_psprintf(pool, "%s: the same entity comes back",
                                                 name))) {
        printf("#   %s\n", difference);
    }
    tap_is_str(render_body(pool, model, "", parsed, actions), body,
               apr_psprintf(pool, "%s: and renders the same", name));
}

static void test_round_trip(apr_pool_t *pool)
{
    occi_model *model = test_model(pool);
    occi_entity *compute = fixture_compute(pool);
    occi_entity *link = fixture_link(pool);
    occi_entity *bare = occi_entity_create(pool);
    const char *error, *body;
    occi_entity *parsed;
    const occi_value *value;

    round_trip(pool, model, compute, fixture_actions(pool), "a compute with links");
    {
        /* As many links as a resource may have (OCCIMaxLinks' maximum),
         * each with its attributes: the rendering still parses back. */
        occi_entity *crowded = fixture_compute(pool);
        int i;

        crowded->links = apr_array_make(pool, 256, sizeof(occi_entity *));
        for (i = 0; i < 256; i++) {
            occi_entity *nic = fixture_nic(pool);

            nic->id = apr_psprintf(pool, "22fe83ae-a20f-54fc-b436-%012x", i);
            APR_ARRAY_PUSH(crowded->links, occi_entity *) = nic;
        }
        round_trip(pool, model, crowded, fixture_actions(pool), "a compute with 256 links");
    }
    round_trip(pool, model, link, NULL, "a standalone link");
    bare->kind = INFRA "storage";
    round_trip(pool, model, bare, NULL, "an entity with a kind and nothing else");

    /* The types as they come back, one by one. */
    parsed = parse_body_entity(pool, render_body(pool, model, "", compute, NULL), &error);
    value = get(parsed, "occi.compute.cores");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == 2,
           "an integer stays an integer");
    value = get(parsed, "com.example.min");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == LLONG_MIN,
           "the smallest 64-bit integer survives");
    value = get(parsed, "occi.compute.memory");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 4.0,
           "4.0 stays a float (written 4.0)");
    value = get(parsed, "com.example.tiny");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == -1.5e-7,
           "a negative float with an exponent is read back exactly");
    value = get(parsed, "com.example.enabled");
    tap_ok(value && value->type == OCCI_TYPE_BOOLEAN && value->boolean, "true");
    value = get(parsed, "com.example.disabled");
    tap_ok(value && value->type == OCCI_TYPE_BOOLEAN && !value->boolean, "false");
    value = get(parsed, "com.example.list");
    tap_ok(value && value->type == OCCI_TYPE_STRING
           && !strcmp(value->string, "[1,\"two\",{\"three\":3.5},[],null,true]"),
           "an array comes back as a string of its JSON text (text has no arrays)");
    tap_is_str(parsed ? occi_entity_get_string(parsed, "occi.core.title") : error, NASTY,
               "quotes, backslashes, separators, markup and UTF-8 come back unchanged");
    tap_is_str(parsed ? occi_entity_get_string(parsed, "com.example.empty") : error, "",
               "an empty string");
    tap_ok(parsed && parsed->links->nelts == 2
           && occi_entity_get(APR_ARRAY_IDX(parsed->links, 0, occi_entity *),
                              "occi.core.source") == NULL,
           "inline links carry no source: the resource they are written in is it");

    /* Below a base: local references carry it, absolute ones do not. */
    body = render_body(pool, model, "/occi", link, NULL);
    tap_like(body, "X-OCCI-Attribute: occi.core.source=\"/occi/compute/" COMPUTE_ID "\"\n",
             "a standalone link's source is written below the base");
    tap_like(body, "X-OCCI-Attribute: occi.core.target=\"/occi" NETWORK_PATH "\"\n",
             "and so is a local target");
    body = render_body(pool, model, "/occi", compute, NULL);
    tap_like(body, "Link: <" REMOTE_STORAGE ">", "an absolute target is written as it is");
    tap_like(body, "self=\"/occi/storagelink/" DISK_ID "\"", "self= is below the base");

    /* Control characters cannot travel in a header value. */
    bare = occi_entity_create(pool);
    bare->kind = INFRA "compute";
    SET_STRING(bare, "occi.compute.hostname", "evil\r\nX-OCCI-Attribute: injected=1\x01");
    body = render_body(pool, model, "", bare, NULL);
    tap_is_str(body, "Category: compute; scheme=\"" INFRA "\"; class=\"kind\"; "
               "location=\"/compute/\"\n"
               "X-OCCI-Attribute: occi.compute.hostname=\"evil  X-OCCI-Attribute: injected=1 \"\n",
               "CR, LF and other controls become spaces: no forged field, no broken line");
    parsed = parse_body_entity(pool, body, &error);
    tap_ok(parsed && parsed->attributes->nelts == 1, "and the result parses as one attribute");

    /* A link without target.kind: rel= comes from the target's collection. */
    link = occi_entity_create(pool);
    link->kind = INFRA "storagelink";
    SET_STRING(link, "occi.core.target", "/storage/" DISK_ID);
    bare = occi_entity_create(pool);
    bare->kind = INFRA "compute";
    APR_ARRAY_PUSH(bare->links, occi_entity *) = link;
    tap_like(render_body(pool, model, "", bare, NULL),
             "Link: </storage/" DISK_ID ">; rel=\"" INFRA "storage\"; category=\"" INFRA
             "storagelink\"\n", "rel= from the model when target.kind is unset; no self= "
             "without an id");
    SET_STRING(link, "occi.core.target", "urn:example:thing");
    tap_like(render_body(pool, model, "", bare, NULL),
             "Link: <urn:example:thing>; rel=\"" OCCI_SCHEME_CORE "resource\"",
             "a foreign target of unknown kind: rel= is core#resource");
}

static void test_examples(apr_pool_t *pool)
{
    apr_array_header_t *fields = new_fields(pool);
    const char *error, *action;
    apr_array_header_t *parameters, *locations;
    occi_entity *e = NULL, *link;
    const occi_value *value;

    /* Reference 4.4, "Create with an inline network link" (text/occi). */
    add(fields, "Category", "compute; scheme=\"" INFRA "\"; class=\"kind\", debian9; "
        "scheme=\"http://example.com/occi/os_tpl#\"; class=\"mixin\"");
    add(fields, "Link", "</network/123>; rel=\"" INFRA "network\"; category=\"" INFRA
        "networkinterface\"; occi.networkinterface.interface=\"eth0\"; "
        "occi.networkinterface.mac=\"00:11:22:33:44:55\"");
    add(fields, "X-OCCI-Attribute", "occi.compute.cores=2, occi.core.title=\"vm1\"");
    error = occi_text_parse_entity(pool, fields, &e);
    tap_is_str(error, NULL, "the create example parses");
    if (!e) {
        return;
    }
    tap_is_str(e->kind, INFRA "compute", "its kind");
    tap_ok(e->mixins->nelts == 1
           && !strcmp(APR_ARRAY_IDX(e->mixins, 0, const char *),
                      "http://example.com/occi/os_tpl#debian9"), "its mixin");
    tap_ok(e->id == NULL, "no id: the server chooses one");
    value = get(e, "occi.compute.cores");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == 2, "cores=2");
    tap_is_str(occi_entity_get_string(e, "occi.core.title"), "vm1", "the title");
    tap_is_int(e->links->nelts, 1, "one inline link");
    if (e->links->nelts == 1) {
        link = APR_ARRAY_IDX(e->links, 0, occi_entity *);
        tap_is_str(link->kind, INFRA "networkinterface", "the link's kind is its category=");
        tap_is_str(occi_entity_get_string(link, "occi.core.target"), "/network/123",
                   "its target is the <URI>");
        tap_is_str(occi_entity_get_string(link, "occi.core.target.kind"), INFRA "network",
                   "its target kind is rel=");
        tap_is_str(occi_entity_get_string(link, "occi.networkinterface.mac"),
                   "00:11:22:33:44:55", "its attributes");
        tap_is_int(link->attributes->nelts, 4, "target, target.kind, interface and mac");
    }

    /* Reference 4.4, "Rendered resource" (text/plain), as printed. */
    e = parse_body_entity(pool,
        "Category: compute; scheme=\"http://schemas.ogf.org/occi/infrastructure#\"; class=\"kind\"\n"
        "Link: </network/123>; rel=\"http://schemas.ogf.org/occi/infrastructure#network\"; "
        "self=\"/networkinterface/456\"; category=\"http://schemas.ogf.org/occi/infrastructure#"
        "networkinterface\"; occi.networkinterface.interface=\"eth0\"; "
        "occi.networkinterface.state=\"active\"\n"
        "Link: </compute/b9ff813e-fee5-4a9d-b839-673f39746096?action=start>; "
        "rel=\"http://schemas.ogf.org/occi/infrastructure/compute/action#start\"\n"
        "X-OCCI-Attribute: occi.core.id=\"urn:uuid:b9ff813e-fee5-4a9d-b839-673f39746096\"\n"
        "X-OCCI-Attribute: occi.compute.state=\"inactive\"\n"
        "X-OCCI-Attribute: occi.compute.memory=2.0\n", &error);
    tap_is_str(error, NULL, "the rendered-resource example parses");
    if (e) {
        tap_is_str(e->id, COMPUTE_ID, "occi.core.id sets the id");
        tap_is_int(e->links->nelts, 1, "the ActionLink is not an inline link");
        link = e->links->nelts ? APR_ARRAY_IDX(e->links, 0, occi_entity *) : NULL;
        tap_ok(link && link->id == NULL,
               "self=\"/networkinterface/456\" names no link of this server: no id");
        value = get(e, "occi.compute.memory");
        tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 2.0, "memory=2.0");
        tap_ok(get(e, "occi.core.id") == NULL, "occi.core.id is not kept as an attribute");
    }

    /* Reference 4.4, the action invocation. */
    fields = body_fields(pool, "Category: stop; scheme=\"" COMPUTE_ACTION "\"; class=\"action\"\r\n"
                         "X-OCCI-Attribute: method=\"graceful\"\r\n", &error);
    error = fields ? occi_text_parse_action(pool, fields, &action, &parameters) : error;
    tap_is_str(error, NULL, "the action example parses (CRLF lines)");
    if (!error) {
        tap_is_str(action, COMPUTE_ACTION "stop", "the action's type id");
        tap_ok(parameters->nelts == 1
               && !strcmp(APR_ARRAY_IDX(parameters, 0, occi_attribute_value).name, "method")
               && !strcmp(APR_ARRAY_IDX(parameters, 0, occi_attribute_value).value.string,
                          "graceful"), "its parameter");
    }

    /* Reference 4.4, association (the UUID written out where it abbreviates). */
    fields = new_fields(pool);
    locations = apr_array_make(pool, 2, sizeof(const char *));
    add(fields, "X-OCCI-Location", "/compute/" COMPUTE_ID ", /storage/42");
    add(fields, "x-occi-location", "<http://example.com/network/a,b>");
    add(fields, "Category", "ignored; scheme=\"s#\"; class=mixin");
    error = occi_text_parse_locations(pool, fields, locations);
    tap_is_str(error, NULL, "the association example parses");
    tap_is_int(locations->nelts, 3, "a comma list, and a second field in another case");
    if (locations->nelts == 3) {
        tap_is_str(APR_ARRAY_IDX(locations, 0, const char *), "/compute/" COMPUTE_ID, "first");
        tap_is_str(APR_ARRAY_IDX(locations, 1, const char *), "/storage/42", "second");
        tap_is_str(APR_ARRAY_IDX(locations, 2, const char *), "http://example.com/network/a,b",
                   "a comma inside <...> does not split");
    }

    /* Reference 4.4, the query interface as a text/plain body. */
    fields = body_fields(pool,
        "Category: compute; scheme=\"http://schemas.ogf.org/occi/infrastructure#\"; class=\"kind\"; "
        "title=\"Compute Resource\"; rel=\"http://schemas.ogf.org/occi/core#resource\"; "
        "location=\"/compute/\"\n"
        "Category: stop; scheme=\"http://schemas.ogf.org/occi/infrastructure/compute/action#\"; "
        "class=\"action\"; title=\"Stop compute\"; attributes=\"method\"\n"
        "\n   \n"
        "category: os_tpl; scheme=\"http://schemas.ogf.org/occi/infrastructure#\"; class=\"mixin\"; "
        "title=\"OS template\"; location=\"/mixin/os_tpl/\"\n", &error);
    tap_ok(fields && fields->nelts == 3, "a body of Category lines: blank lines skipped");
    tap_ok(fields && !strcmp(APR_ARRAY_IDX(fields, 2, occi_text_field).name, "Category"),
           "field names are case-insensitive and come out canonical");
}

static void test_parsing(apr_pool_t *pool)
{
    apr_array_header_t *fields = new_fields(pool);
    occi_entity *e = NULL, *link;
    const occi_value *value;
    const char *error;

    add(fields, "Category", "compute; scheme=\"" INFRA "\"; class=kind");
    add(fields, "Category", "blue; scheme=\"http://example.com/occi/tags#\"; class=mixin");
    add(fields, "Link", "<http://elsewhere.example/x?y=1;z>;rel=" INFRA "storage;"
        "category=" INFRA "storagelink " TAG_FAST ";a.b=-1.5e3;c=.5;d=true;");
    add(fields, "Link", "</network/1>; rel=\"" INFRA "network\"; self=\"/occi/networkinterface/"
        NIC_ID "\"; category=\"" INFRA "networkinterface\"; "
        "occi.core.id=\"urn:uuid:" NIC_ID "\", </compute/" COMPUTE_ID "?action=stop>; "
        "rel=\"" COMPUTE_ACTION "stop\"");
    add(fields, "X-OCCI-Attribute", "a=-5,b=1.,  c = \"x, y\"  ,d=false");
    add(fields, "X-OCCI-Attribute", "occi.core.id=\"" COMPUTE_ID "\"");
    error = occi_text_parse_entity(pool, fields, &e);
    tap_is_str(error, NULL, "bare parameters, no spaces, trailing ';', comma lists");
    if (!e) {
        return;
    }
    tap_is_str(e->id, COMPUTE_ID, "a bare UUID as occi.core.id");
    tap_is_int(e->links->nelts, 2, "two links, the ActionLink dropped");
    link = e->links->nelts == 2 ? APR_ARRAY_IDX(e->links, 0, occi_entity *) : NULL;
    tap_ok(link && link->mixins->nelts == 1 && !strcmp(link->kind, INFRA "storagelink"),
           "an unquoted category= with two type ids: kind and mixin");
    tap_is_str(link ? occi_entity_get_string(link, "occi.core.target") : NULL,
               "http://elsewhere.example/x?y=1;z", "';' inside <...> is part of the URI");
    value = get(link, "a.b");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == -1500.0,
           "a bare link attribute with sign and exponent is a float");
    value = get(link, "c");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 0.5, ".5 is a float");
    value = get(link, "d");
    tap_ok(value && value->type == OCCI_TYPE_BOOLEAN && value->boolean, "true is a boolean");
    link = e->links->nelts == 2 ? APR_ARRAY_IDX(e->links, 1, occi_entity *) : NULL;
    tap_is_str(link ? link->id : NULL, NIC_ID,
               "self= below a base names the link; occi.core.id agrees");
    value = get(e, "a");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == -5, "-5");
    value = get(e, "b");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 1.0, "1. is a float");
    tap_is_str(occi_entity_get_string(e, "c"), "x, y",
               "whitespace around '=' and ',', a comma inside quotes");
    value = get(e, "d");
    tap_ok(value && value->type == OCCI_TYPE_BOOLEAN && !value->boolean, "false");

    fields = new_fields(pool);
    add(fields, "X-OCCI-Attribute", "occi.core.title=\"only this\"");
    error = occi_text_parse_entity(pool, fields, &e);
    tap_ok(!error && e->kind == NULL && e->attributes->nelts == 1,
           "a partial update without Category: no kind, the caller decides");
}

static void test_uri_list(apr_pool_t *pool)
{
    apr_array_header_t *locations = apr_array_make(pool, 4, sizeof(const char *));
    apr_array_header_t *fields = new_fields(pool);
    const char *body = "# a comment\r\n/compute/" COMPUTE_ID "\r\n\r\n  http://a.example/x  \n"
                       "/storage/1";
    const char *error;

    error = occi_text_parse_uri_list(pool, body, strlen(body), locations);
    tap_is_str(error, NULL, "a URI list with a comment, CRLF and LF, a blank line, no final "
               "line end");
    tap_is_int(locations->nelts, 3, "three URIs");
    tap_is_str(occi_text_uri_list(pool, locations),
               "/compute/" COMPUTE_ID "\r\nhttp://a.example/x\r\n/storage/1\r\n",
               "rendered with CRLF after every URI");
    tap_is_str(occi_text_uri_list(pool, apr_array_make(pool, 1, sizeof(const char *))), "",
               "no locations, empty list");
    occi_text_render_locations(pool, locations, fields);
    tap_is_str(occi_text_fields_to_body(pool, fields),
               "X-OCCI-Location: /compute/" COMPUTE_ID "\nX-OCCI-Location: http://a.example/x\n"
               "X-OCCI-Location: /storage/1\n", "one X-OCCI-Location field per location");
    body = "/a\n/b c\n";
    tap_like(occi_text_parse_uri_list(pool, body, strlen(body), locations),
             "line 2 of the URI list: '/b c' is not a URI reference", "a space inside a URI");
    body = "/a\n/\xC0\xAF\n";
    tap_like(occi_text_parse_uri_list(pool, body, strlen(body), locations),
             "line 2 of the URI list is not valid UTF-8", "invalid UTF-8 in a URI list");
}

/* The message for fields that must be refused. */
static const char *entity_error(apr_pool_t *pool, const char *name1, const char *value1,
                                const char *name2, const char *value2)
{
    apr_array_header_t *fields = new_fields(pool);
    occi_entity *entity;

    add(fields, name1, value1);
    if (name2) {
        add(fields, name2, value2);
    }
    return occi_text_parse_entity(pool, fields, &entity);
}

static const char *action_error(apr_pool_t *pool, const char *body)
{
    apr_array_header_t *fields;
    apr_array_header_t *parameters;
    const char *error, *action;

    fields = body_fields(pool, body, &error);
    return fields ? occi_text_parse_action(pool, fields, &action, &parameters) : error;
}

static const char *body_error(apr_pool_t *pool, const char *body, apr_size_t len)
{
    apr_array_header_t *fields = new_fields(pool);

    return occi_text_parse_body(pool, body, len, fields);
}

#define KIND "Category", "compute; scheme=\"" INFRA "\"; class=kind"

static void test_hostile(apr_pool_t *pool)
{
    const char *error;

    error = entity_error(pool, "X-OCCI-Attribute", "occi.core.title=\"abc, d=1", NULL, NULL);
    tap_like(error, "unbalanced quotes", "unbalanced quotes");
    tap_like(error, "occi.core.title", "the message names the attribute");
    tap_like(body_error(pool, "Category: x\nX-Foo: bar\n", 22),
             "line 2: unknown field 'X-Foo'", "an unknown field name, with its line");
    tap_like(body_error(pool, "Category: x\r\n\r\nCategory compute\r\n", 34),
             "line 3 has no ':'", "a line without a colon, with its line number");
    tap_like(body_error(pool, "Category: a\nX-OCCI-Attribute: t=\"\xff\"\n", 35),
             "line 2 is not valid UTF-8", "invalid UTF-8 in a body");
    tap_like(body_error(pool, "Category: a\0b\n", 14), "line 1 is not valid UTF-8",
             "a NUL byte in a body");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "t=\"\xed\xa0\x80\"", NULL, NULL),
             "X-OCCI-Attribute value is not valid UTF-8", "a UTF-8 surrogate in a field");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "occi.compute.cores=2",
                          "X-OCCI-Attribute", "occi.core.title=\"x\", occi.compute.cores=2"),
             "attribute occi.compute.cores is given twice", "a duplicated attribute");
    error = entity_error(pool, "X-OCCI-Attribute", "occi.compute.cores=2x", NULL, NULL);
    tap_like(error, "the value 2x of attribute occi.compute.cores",
             "occi.compute.cores=2x: a bad value, named with its attribute");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "occi.compute.hostname=vm1", NULL, NULL),
             "vm1 of attribute occi.compute.hostname is not a quoted string, a number, true "
             "or false", "an unquoted string");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=1.2.3", NULL, NULL), "1.2.3",
             "two decimal points");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=-", NULL, NULL), "the value - of",
             "a lone minus");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=1e", NULL, NULL), "the value 1e of",
             "an exponent without digits");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=TRUE", NULL, NULL), "the value TRUE",
             "booleans are lower case");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=99999999999999999999", NULL, NULL),
             "beyond the 64-bit integer range", "an integer beyond 64 bits");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=1e999", NULL, NULL),
             "beyond the range of a floating-point number", "a float beyond double");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=", NULL, NULL),
             "attribute a has no value after '='", "a missing value");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a", NULL, NULL),
             "attribute a has no '=' and value", "a name alone");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=1 b=2", NULL, NULL),
             "unexpected 'b' after the value of attribute a", "a missing comma");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "a=1,", NULL, NULL),
             "an attribute name is expected", "a trailing comma");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "-x=1", NULL, NULL),
             "'-x' is not a valid attribute name", "a bad attribute name");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "occi.core.id=\"urn:uuid:1\"", NULL, NULL),
             "occi.core.id \"urn:uuid:1\" is not a valid entity id", "an invalid occi.core.id");
    tap_like(entity_error(pool, "X-OCCI-Attribute", "occi.core.id=5", NULL, NULL),
             "occi.core.id 5 is not a valid entity id", "a numeric occi.core.id");
    error = entity_error(pool, "Link", "</network/123>; rel=\"" INFRA "network\"", NULL, NULL);
    tap_like(error, "Link to </network/123> lacks category=", "a Link without category=");
    tap_like(entity_error(pool, "Link", "</network/123>; category=\"" INFRA "networkinterface\"",
                          NULL, NULL),
             "Link to </network/123> lacks rel=", "a Link without rel=");
    tap_like(entity_error(pool, "Link", "</network/123; rel=\"a#network\"", NULL, NULL),
             "the URI </network/123; rel=\"a#network\" lacks its closing '>'",
             "a Link with an unterminated <");
    tap_like(entity_error(pool, "Link", "/network/123; rel=\"x#y\"", NULL, NULL),
             "must start with '<'", "a Link without <");
    tap_like(entity_error(pool, "Link", "<>; rel=\"x#y\"; category=\"x#l\"", NULL, NULL),
             "<> is not a URI reference", "an empty Link URI");
    tap_like(entity_error(pool, "Link", "</n/1>; rel=\"x#y\"; rel=\"x#z\"", NULL, NULL),
             "the rel parameter is given twice", "rel= twice");
    tap_like(entity_error(pool, "Link", "</n/1>; rel=\"x#y\"; category=\"x#l\"; a=1; a=2", NULL,
                          NULL),
             "Link to </n/1>: attribute a is given twice", "a link attribute twice");
    tap_like(entity_error(pool, "Link", "</n/1>; rel=\"x#y\"; category=\"x#l\"; a=zz", NULL,
                          NULL),
             "Link to </n/1>: the value zz of attribute a", "a bad link attribute value");
    tap_like(entity_error(pool, "Link", "</n/1>; rel=\"x#y\"; category=\"x#l\"; "
                          "occi.core.target=\"/n/2\"", NULL, NULL),
             "attribute occi.core.target contradicts the Link's <URI>",
             "a link attribute contradicting the <URI>");
    tap_like(entity_error(pool, "Link", "</n/1>; rel=\"x#y\"; category=\"x#l\" junk", NULL,
                          NULL),
             "unexpected 'j' after the Link to </n/1>", "junk after a Link value");
    tap_like(entity_error(pool, "Link", "</n/1>; rel=\"x#y\"; category=\"x#l\"; title=\"a", NULL,
                          NULL),
             "unbalanced quotes", "an unbalanced quote in a link attribute");
    tap_like(entity_error(pool, KIND, "Category", "storage; scheme=\"" INFRA "\"; class=kind"),
             "two kinds are given", "two kinds");
    tap_like(entity_error(pool, KIND, "Category",
                          "stop; scheme=\"" COMPUTE_ACTION "\"; class=action"),
             "category " COMPUTE_ACTION "stop is an action", "an action in an entity");
    tap_like(entity_error(pool, KIND, "Category", "a; scheme=\"t#\"; class=mixin, a; "
                          "scheme=\"t#\"; class=mixin"), "mixin t#a is given twice",
             "a mixin twice");
    tap_like(entity_error(pool, KIND, "Category", "compute; scheme=\"" INFRA "; class=kind"),
             "Category: ", "a broken Category says which field");
    tap_like(entity_error(pool, KIND, "X-OCCI-Location", "/compute/1"),
             "X-OCCI-Location names entities for a mixin collection", "locations in an entity");
    tap_like(entity_error(pool, KIND, "Server", "x"), "unknown field 'Server'",
             "an unknown field handed over by a caller");

    tap_like(action_error(pool, "Category: stop; scheme=\"" COMPUTE_ACTION "\"; class=action, "
                          "start; scheme=\"" COMPUTE_ACTION "\"; class=action\n"),
             "two actions are given, " COMPUTE_ACTION "stop and " COMPUTE_ACTION "start",
             "two action categories");
    tap_like(action_error(pool, "Category: compute; scheme=\"" INFRA "\"; class=kind\n"),
             "category " INFRA "compute is of class kind; an action invocation takes one "
             "Category of class action", "a category of class kind in an action");
    tap_like(action_error(pool, "X-OCCI-Attribute: method=\"graceful\"\n"),
             "lacks its Category of class action", "an action invocation without action");
    tap_like(action_error(pool, "Category: stop; scheme=\"" COMPUTE_ACTION "\"; class=action\n"
                          "X-OCCI-Attribute: method=\"a\", method=\"b\"\n"),
             "attribute method is given twice", "a parameter twice");
    tap_like(action_error(pool, "Category: stop; scheme=\"" COMPUTE_ACTION "\"; class=action\n"
                          "Link: </x>; rel=\"a#b\"; category=\"a#c\"\n"),
             "Link has no place in an action invocation", "a Link in an action invocation");

    {
        apr_array_header_t *fields = new_fields(pool);
        apr_array_header_t *locations = apr_array_make(pool, 2, sizeof(const char *));

        add(fields, "X-OCCI-Location", "/compute/1, , /compute/2");
        tap_like(occi_text_parse_locations(pool, fields, locations), "a location is expected",
                 "an empty location in a list");
        fields = new_fields(pool);
        add(fields, "X-OCCI-Location", "/compute/1 /compute/2");
        tap_like(occi_text_parse_locations(pool, fields, locations),
                 "unexpected '/' after location /compute/1", "two locations without a comma");
        fields = new_fields(pool);
        add(fields, "X-OCCI-Location", "</compute/1");
        tap_like(occi_text_parse_locations(pool, fields, locations), "'<' is not closed",
                 "an unterminated < in a location");
    }
}

static void test_limits(apr_pool_t *pool)
{
    apr_size_t big = 1024 * 1024, i, n;
    char *value, *p;
    apr_time_t start;
    const char *error;
    occi_entity *e = NULL;
    apr_array_header_t *fields;
    occi_buf buf;

    /* One field with OCCI_TEXT_MAX_FIELDS attributes is fine; one more is not. */
    occi_buf_init(&buf, pool, 16384);
    for (i = 0; i < OCCI_TEXT_MAX_FIELDS; i++) {
        occi_buf_puts(&buf, apr_psprintf(pool, "%sa%lu=%lu", i ? "," : "", (unsigned long)i,
                                         (unsigned long)i));
    }
    fields = new_fields(pool);
    add(fields, "X-OCCI-Attribute", buf.data);
    tap_is_str(occi_text_parse_entity(pool, fields, &e), NULL,
               "OCCI_TEXT_MAX_FIELDS attribute values are accepted");
    tap_is_int(e ? e->attributes->nelts : 0, OCCI_TEXT_MAX_FIELDS, "all of them");
    add(fields, "Category", "compute; scheme=\"" INFRA "\"; class=kind");
    tap_like(occi_text_parse_entity(pool, fields, &e), "more than 4096 values in one request",
             "one value more (a Category) is refused");
    fields = new_fields(pool);
    occi_buf_puts(&buf, ",z=1");
    add(fields, "X-OCCI-Attribute", buf.data);
    tap_like(occi_text_parse_entity(pool, fields, &e), "more than 4096 values in one request",
             "one attribute more is refused");

    /* A body of one line more than the limit. */
    occi_buf_init(&buf, pool, 65536);
    for (i = 0; i <= OCCI_TEXT_MAX_FIELDS; i++) {
        occi_buf_puts(&buf, apr_psprintf(pool, "X-OCCI-Attribute: a%lu=1\n", (unsigned long)i));
    }
    tap_like(body_error(pool, buf.data, buf.len), "more than 4096 fields",
             "a body of more than OCCI_TEXT_MAX_FIELDS lines is refused");

    /* 200,000 values in one field: refused at the limit, promptly. */
    n = 200000;
    occi_buf_init(&buf, pool, n * 16);
    for (i = 0; i < n; i++) {
        occi_buf_puts(&buf, apr_psprintf(pool, "a%lu=1, ", (unsigned long)i));
    }
    fields = new_fields(pool);
    add(fields, "X-OCCI-Attribute", buf.data);
    start = apr_time_now();
    tap_like(occi_text_parse_entity(pool, fields, &e), "more than 4096 values",
             "200,000 values in one field are refused");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");
    occi_buf_init(&buf, pool, n * 32);
    for (i = 0; i < n; i++) {
        occi_buf_puts(&buf, "</n>; rel=a#b; category=a#c, ");
    }
    fields = new_fields(pool);
    add(fields, "Link", buf.data);
    start = apr_time_now();
    tap_like(occi_text_parse_entity(pool, fields, &e), "more than 4096 values",
             "200,000 Link values are refused");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");

    /* One Link value whose category= lists 100,000 type ids. */
    occi_buf_init(&buf, pool, n * 16);
    occi_buf_puts(&buf, "</n/1>; rel=\"a#b\"; category=\"a#l");
    for (i = 0; i < 100000; i++) {
        occi_buf_puts(&buf, apr_psprintf(pool, " m#m%lu", (unsigned long)i));
    }
    occi_buf_puts(&buf, " m#m7\"");
    fields = new_fields(pool);
    add(fields, "Link", buf.data);
    start = apr_time_now();
    tap_like(occi_text_parse_entity(pool, fields, &e), "category m#m7 is given twice",
             "100,000 ids in one category= and a repeated one: found");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly (no scan per id)");

    /* A 1 MB quoted value, full of escapes. */
    value = apr_palloc(pool, 2 * big + 64);
    p = apr_cpystrn(value, "occi.core.title=\"", 32);
    for (i = 0; i < big / 2; i++) {
        *p++ = 'a';
        *p++ = i % 64 ? 'b' : '\\';
        if (i % 64 == 0) {
            *p++ = '"';
        }
    }
    strcpy(p, "\"");
    fields = new_fields(pool);
    add(fields, "X-OCCI-Attribute", value);
    start = apr_time_now();
    error = occi_text_parse_entity(pool, fields, &e);
    tap_is_str(error, NULL, "a 1 MB attribute value is accepted");
    tap_ok(e && strlen(occi_entity_get_string(e, "occi.core.title")) == big,
           "whole, its escapes undone");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");

    /* The same through a body, and an unterminated one. */
    value = apr_pstrcat(pool, "Category: compute; scheme=\"" INFRA "\"; class=kind\n"
                        "X-OCCI-Attribute: ", value, "\n", NULL);
    start = apr_time_now();
    e = parse_body_entity(pool, value, &error);
    tap_ok(e != NULL, "a 1 MB value in a body is accepted");
    value[strlen(value) - 2] = '\n';
    value[strlen(value) - 1] = '\0';
    tap_like(parse_body_entity(pool, value, &error) ? NULL : error, "unbalanced quotes",
             "and refused once its closing quote is gone");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");

    /* A 1 MB bad value is named, but not echoed whole. */
    value = apr_palloc(pool, big + 32);
    p = apr_cpystrn(value, "occi.compute.cores=2", 32);
    memset(p, 'x', big);
    p[big] = '\0';
    error = entity_error(pool, "X-OCCI-Attribute", value, NULL, NULL);
    tap_like(error, "the value 2xxxx", "a 1 MB bad value is refused");
    tap_ok(error && strlen(error) < 512, "with a message of a few hundred bytes at most");

    /* A 1 MB line of nothing but separators and quotes. */
    value = apr_palloc(pool, big + 1);
    for (i = 0; i < big; i++) {
        value[i] = ";,\"<"[i % 4];
    }
    value[big] = '\0';
    start = apr_time_now();
    tap_ok(entity_error(pool, "Link", value, NULL, NULL) != NULL
           && entity_error(pool, "X-OCCI-Attribute", value, NULL, NULL) != NULL
           && entity_error(pool, "Category", value, NULL, NULL) != NULL,
           "1 MB of separators is refused as Link, X-OCCI-Attribute and Category");
    tap_ok(apr_time_now() - start < PROMPTLY, "promptly");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_location(pool);
    test_rendering(pool);
    test_round_trip(pool);
    test_examples(pool);
    test_parsing(pool);
    test_uri_list(pool);
    test_hostile(pool);
    test_limits(pool);
    return tap_done(pool);
}
