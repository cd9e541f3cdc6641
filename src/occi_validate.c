/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation. An entity's attribute definitions are those of its kind and
 * the kind's parents, then of its mixins and everything they depend on;
 * later definitions win, which is how a mixin's default overrides its
 * kind's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "occi_validate.h"
#include "occi_ipv4.h"
#include "occi_ipv6.h"
#include "occi_state.h"

#define CORE_ENTITY OCCI_SCHEME_CORE "entity"
#define CORE_LINK   OCCI_SCHEME_CORE "link"
#define IPNETWORKINTERFACE \
    "http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface"

/* The two template families; template_family() returns these very
 * pointers, so families compare by address. */
static const char OS_TPL[] = OCCI_SCHEME_INFRA "os_tpl";
static const char RESOURCE_TPL[] = OCCI_SCHEME_INFRA "resource_tpl";

const occi_category *occi_validation_find(const occi_validation *validation,
                                          const char *type_id)
{
    const occi_category *category = occi_model_find(validation->model, type_id);

    if (!category && validation->user_mixins) {
        category = apr_hash_get(validation->user_mixins, type_id, APR_HASH_KEY_STRING);
    }
    return category;
}

int occi_kind_is(const occi_model *model, const char *kind, const char *ancestor)
{
    int depth = 0;

    /* The depth bound guards against a cycle in a (faulty) model. */
    while (kind && depth++ < 32) {
        const occi_category *category;

        if (!strcmp(kind, ancestor)) {
            return 1;
        }
        category = occi_model_find(model, kind);
        kind = category ? category->parent : NULL;
    }
    return 0;
}

int occi_kind_is_link(const occi_model *model, const char *kind)
{
    const occi_kind_facts *facts = kind ? occi_model_kind_facts(model, kind) : NULL;

    return facts ? facts->is_link : occi_kind_is(model, kind, CORE_LINK);
}

static int depends_on(const occi_category *mixin, const char *type_id)
{
    const char *const *d;

    for (d = mixin ? mixin->depends : NULL; d && *d; d++) {
        if (!strcmp(*d, type_id)) {
            return 1;
        }
    }
    return 0;
}

/* The template family ("os_tpl" / "resource_tpl") a mixin belongs to. */
static const char *template_family(const occi_category *mixin)
{
    if (depends_on(mixin, OS_TPL)) {
        return OS_TPL;
    }
    if (depends_on(mixin, RESOURCE_TPL)) {
        return RESOURCE_TPL;
    }
    return NULL;
}

const char *occi_mixin_template_family(const occi_validation *validation,
                                       const occi_category *mixin)
{
    const char *const *d;
    int depth = 0;

    /* Through the mixins it depends on, as deep as a chain of definitions
     * can go (user mixins may depend on user mixins). */
    while (mixin && depth++ < 16) {
        const occi_category *next = NULL;

        if (template_family(mixin)) {
            return template_family(mixin);
        }
        for (d = mixin->depends; d && *d; d++) {
            const occi_category *dependency = occi_validation_find(validation, *d);

            if (dependency && template_family(dependency)) {
                return template_family(dependency);
            }
            next = next ? next : dependency;
        }
        mixin = next;
    }
    return NULL;
}

static int mixin_applies(const occi_validation *validation, const occi_category *mixin,
                         const char *kind)
{
    const char *const *applies;

    if (!mixin->applies || !mixin->applies[0]) {
        return 1;
    }
    for (applies = mixin->applies; *applies; applies++) {
        if (occi_kind_is(validation->model, kind, *applies)) {
            return 1;
        }
    }
    return 0;
}

/* Appends category and, transitively, what it depends on. */
static void add_with_depends(const occi_validation *validation, apr_array_header_t *categories,
                             const occi_category *category, int depth)
{
    const char *const *d;
    int i;

    for (i = 0; i < categories->nelts; i++) {
        if (APR_ARRAY_IDX(categories, i, const occi_category *) == category) {
            return;
        }
    }
    if (depth > 16) {
        return;
    }
    for (d = category->depends; d && *d; d++) {
        const occi_category *dependency = occi_validation_find(validation, *d);

        if (dependency) {
            add_with_depends(validation, categories, dependency, depth + 1);
        }
    }
    APR_ARRAY_PUSH(categories, const occi_category *) = category;
}

/* Kind chain (root first) and mixins with their dependencies: the
 * categories whose attributes the entity may carry, least specific first. */
static apr_array_header_t *entity_categories(apr_pool_t *pool, const occi_validation *validation,
                                             const occi_entity *entity)
{
    apr_array_header_t *chain = apr_array_make(pool, 4, sizeof(const occi_category *));
    apr_array_header_t *categories = apr_array_make(pool, 8, sizeof(const occi_category *));
    const occi_category *kind = occi_model_find(validation->model, entity->kind);
    int i;

    while (kind && chain->nelts < 32) {
        APR_ARRAY_PUSH(chain, const occi_category *) = kind;
        kind = kind->parent ? occi_model_find(validation->model, kind->parent) : NULL;
    }
    for (i = chain->nelts - 1; i >= 0; i--) {
        APR_ARRAY_PUSH(categories, const occi_category *) =
            APR_ARRAY_IDX(chain, i, const occi_category *);
    }
    for (i = 0; i < entity->mixins->nelts; i++) {
        const occi_category *mixin = occi_validation_find(
            validation, APR_ARRAY_IDX(entity->mixins, i, const char *));

        if (mixin) {
            add_with_depends(validation, categories, mixin, 0);
        }
    }
    return categories;
}

/* name -> const occi_attribute_def *, the most specific definition winning. */
static apr_hash_t *attribute_definitions(apr_pool_t *pool, const apr_array_header_t *categories)
{
    apr_hash_t *definitions = apr_hash_make(pool);
    int i, j;

    for (i = 0; i < categories->nelts; i++) {
        const occi_category *category = APR_ARRAY_IDX(categories, i, const occi_category *);

        for (j = 0; j < category->n_attributes; j++) {
            apr_hash_set(definitions, category->attributes[j].name, APR_HASH_KEY_STRING,
                         &category->attributes[j]);
        }
    }
    return definitions;
}

static const char *type_name(occi_value_type type)
{
    switch (type) {
    case OCCI_TYPE_STRING:  return "a string";
    case OCCI_TYPE_INTEGER: return "an integer";
    case OCCI_TYPE_FLOAT:   return "a number";
    case OCCI_TYPE_BOOLEAN: return "true or false";
    case OCCI_TYPE_ARRAY:   return "an array";
    case OCCI_TYPE_OBJECT:  return "an object";
    }
    return "a value";
}

/* Checks value against def, converting between the two number types
 * where no information is lost. */
static int is_mac_address(const char *text)
{
    int i;

    for (i = 0; i < 17; i++) {
        if (i % 3 == 2 ? text[i] != ':' : !apr_isxdigit(text[i])) {
            return 0;
        }
    }
    return text[17] == '\0';
}

/* GFD.224 leaves device identifiers to the provider: a device name, as
 * "vdb" or "/dev/sdc". The hypervisor may narrow it to its own names. */
static int is_device_name(const char *text)
{
    size_t n = strlen(text);

    return n > 0 && n <= 64 && strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789/_.-") == n;
}

/* Attributes whose values have a syntax of their own, checked wherever a
 * value arrives (creation, update, replacement), since they end up in the
 * hypervisor's device definitions. */
static const char *check_syntax(apr_pool_t *pool, const occi_attribute_def *def,
                                const char *text)
{
    if (!strcmp(def->name, "occi.networkinterface.mac") && !is_mac_address(text)) {
        return apr_psprintf(pool, "occi.networkinterface.mac '%s' is not a MAC address such "
                            "as 52:54:00:12:34:56", text);
    }
    if (!strcmp(def->name, "occi.storagelink.deviceid") && !is_device_name(text)) {
        return apr_psprintf(pool, "occi.storagelink.deviceid '%s' is not a device name such "
                            "as vdb or /dev/vdc (letters, digits, '/', '_', '.', '-'; at most "
                            "64)", text);
    }
    return NULL;
}

static const char *check_value(apr_pool_t *pool, const occi_attribute_def *def,
                               occi_value *value)
{
    if (def->type == OCCI_TYPE_FLOAT && value->type == OCCI_TYPE_INTEGER) {
        value->type = OCCI_TYPE_FLOAT;
        value->number = (double)value->integer;
    }
    else if (def->type == OCCI_TYPE_INTEGER && value->type == OCCI_TYPE_FLOAT
             && value->number == floor(value->number) && fabs(value->number) < 9e15) {
        value->type = OCCI_TYPE_INTEGER;
        value->integer = (long long)value->number;
    }
    if (value->type != def->type) {
        return apr_psprintf(pool, "%s must be %s, not %s", def->name, type_name(def->type),
                            type_name(value->type));
    }
    if (def->type == OCCI_TYPE_STRING) {
        const char *c;

        /* The text renderings carry values in header lines, which cannot
         * hold line breaks; binary data travels Base64-encoded. */
        for (c = value->string; *c; c++) {
            if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
                return apr_psprintf(pool, "%s contains a control character (line breaks "
                                    "and other binary data must be Base64-encoded)",
                                    def->name);
            }
        }
        if ((c = check_syntax(pool, def, value->string))) {
            return c;
        }
    }
    if (def->type == OCCI_TYPE_FLOAT && !isfinite(value->number)) {
        return apr_psprintf(pool, "%s must be a finite number", def->name);
    }
    if (def->is_size && !(value->number > 0 && value->number <= OCCI_MAX_SIZE_GIB)) {
        /* C's %g: APR's writes 1e308 as "0.e+79". */
        char number[32];

        snprintf(number, sizeof(number), "%g", value->number);
        return apr_psprintf(pool, "%s must be above 0 and at most %.0f (GiB), not %s",
                            def->name, OCCI_MAX_SIZE_GIB, number);
    }
    if (def->has_range && def->type == OCCI_TYPE_INTEGER
        && (value->integer < def->minimum || value->integer > def->maximum)) {
        return apr_psprintf(pool, "%s must be from %" APR_INT64_T_FMT " to %" APR_INT64_T_FMT
                            ", not %" APR_INT64_T_FMT, def->name, (apr_int64_t)def->minimum,
                            (apr_int64_t)def->maximum, (apr_int64_t)value->integer);
    }
    if (def->enum_values && def->type == OCCI_TYPE_STRING) {
        const char *const *allowed;
        const char *list = NULL;

        for (allowed = def->enum_values; *allowed; allowed++) {
            if (!strcmp(*allowed, value->string)) {
                return NULL;
            }
            list = list ? apr_pstrcat(pool, list, ", ", *allowed, NULL) : *allowed;
        }
        return apr_psprintf(pool, "%s must be one of %s, not '%s'", def->name, list,
                            value->string);
    }
    return NULL;
}

/* The default of def as a value. */
static occi_value default_value(apr_pool_t *pool, const occi_attribute_def *def)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = def->type;
    switch (def->type) {
    case OCCI_TYPE_INTEGER:
        value.integer = apr_atoi64(def->default_value);
        break;
    case OCCI_TYPE_FLOAT:
        value.number = strtod(def->default_value, NULL);
        break;
    case OCCI_TYPE_BOOLEAN:
        value.boolean = !strcmp(def->default_value, "true");
        break;
    default:
        value.string = def->default_value;
        break;
    }
    return value;
}

static const char *kind_term(const char *type_id)
{
    const char *hash = strrchr(type_id, '#');

    return hash ? hash + 1 : type_id;
}

/* The mixins of entity: known, of class mixin, applying to its kind, each
 * once, at most one template of each family. */
static const char *check_mixins(apr_pool_t *pool, const occi_validation *validation,
                                const occi_entity *entity)
{
    const char *templates[2] = { NULL, NULL };
    int i, j;

    for (i = 0; i < entity->mixins->nelts; i++) {
        const char *id = APR_ARRAY_IDX(entity->mixins, i, const char *);
        const occi_category *mixin = occi_validation_find(validation, id);
        const char *family;
        const char *const *d;

        if (!mixin) {
            return apr_psprintf(pool, "mixin %s is not defined", id);
        }
        if (mixin->cls != OCCI_CLASS_MIXIN) {
            return apr_psprintf(pool, "%s is a %s, not a mixin", id,
                                occi_category_class_name(mixin->cls));
        }
        if (!mixin_applies(validation, mixin, entity->kind)) {
            return apr_psprintf(pool, "mixin %s does not apply to kind %s", id, entity->kind);
        }
        for (d = mixin->depends; d && *d; d++) {
            const occi_category *dependency = occi_validation_find(validation, *d);

            if (!dependency) {
                return apr_psprintf(pool, "mixin %s depends on %s, which is not defined",
                                    id, *d);
            }
            if (!mixin_applies(validation, dependency, entity->kind)) {
                return apr_psprintf(pool, "mixin %s depends on %s, which does not apply to "
                                    "kind %s", id, *d, entity->kind);
            }
        }
        for (j = 0; j < i; j++) {
            if (!strcmp(APR_ARRAY_IDX(entity->mixins, j, const char *), id)) {
                return apr_psprintf(pool, "mixin %s is given twice", id);
            }
        }
        family = template_family(mixin);
        if (family) {
            const char **seen = &templates[family == OS_TPL ? 0 : 1];

            if (*seen) {
                return apr_psprintf(pool, "only one %s may be attached, not both %s and %s",
                                    family == OS_TPL ? "OS template" : "resource template",
                                    *seen, id);
            }
            *seen = id;
        }
    }
    return NULL;
}

/* Whether the client's value of an immutable attribute is the one the
 * server holds (current, for a change) or will set (the default, for a
 * creation). A client that sends back everything it read, as a GET then
 * PUT does, repeats values it cannot change; only a change is refused.
 * occi.core.source.kind, on a creation, is compared with the source's
 * kind once the source is found (occi_link_source_kind_matches). */
static int immutable_value_kept(apr_pool_t *pool, const occi_attribute_def *def,
                                const occi_value *sent, const occi_entity *current)
{
    occi_value initial;
    const occi_value *kept = NULL;

    if (current) {
        kept = occi_entity_get(current, def->name);
    }
    else if (!strcmp(def->name, "occi.core.source.kind")) {
        return 1;
    }
    else if (def->default_value) {
        initial = default_value(pool, def);
        kept = &initial;
    }
    return kept && occi_value_equal(sent, kept);
}

/* Checks every attribute entity carries against its definitions; the
 * immutable ones only when the client sent them (client_values), against
 * what current holds (NULL: the entity is new). */
static const char *check_attributes(apr_pool_t *pool, apr_hash_t *definitions,
                                    occi_entity *entity, const occi_entity *client_values,
                                    const occi_entity *current)
{
    int i;

    for (i = 0; i < entity->attributes->nelts; i++) {
        occi_attribute_value *attribute = &APR_ARRAY_IDX(entity->attributes, i,
                                                         occi_attribute_value);
        const occi_attribute_def *def = apr_hash_get(definitions, attribute->name,
                                                     APR_HASH_KEY_STRING);
        const char *error;

        if (!def) {
            return apr_psprintf(pool, "attribute %s is not defined by kind %s or its mixins",
                                attribute->name, kind_term(entity->kind));
        }
        if (!def->is_mutable && client_values && occi_entity_get(client_values, def->name)
            && !immutable_value_kept(pool, def, occi_entity_get(client_values, def->name),
                                     current)) {
            return apr_psprintf(pool, "attribute %s is immutable: the server sets it, and "
                                "it can be sent only with the value it has", def->name);
        }
        if ((error = check_value(pool, def, &attribute->value))) {
            return error;
        }
    }
    return NULL;
}

static void apply_defaults(apr_pool_t *pool, apr_hash_t *definitions, occi_entity *entity)
{
    apr_hash_index_t *index;

    for (index = apr_hash_first(pool, definitions); index; index = apr_hash_next(index)) {
        const occi_attribute_def *def = apr_hash_this_val(index);
        occi_value value;

        if (def->default_value && !occi_entity_get(entity, def->name)) {
            value = default_value(pool, def);
            occi_entity_set(entity, def->name, &value);
        }
    }
}

static const char *check_required(apr_pool_t *pool, apr_hash_t *definitions,
                                  const occi_entity *entity)
{
    apr_hash_index_t *index;

    for (index = apr_hash_first(pool, definitions); index; index = apr_hash_next(index)) {
        const occi_attribute_def *def = apr_hash_this_val(index);

        if (def->is_required && !occi_entity_get(entity, def->name)) {
            return apr_psprintf(pool, "attribute %s is required", def->name);
        }
    }
    return NULL;
}

static const char *check_kind(apr_pool_t *pool, const occi_validation *validation,
                              const char *collection_kind, const occi_entity *entity)
{
    const occi_category *kind;

    if (!entity->kind) {
        return "the entity names no kind";
    }
    kind = occi_model_find(validation->model, entity->kind);
    if (!kind || kind->cls != OCCI_CLASS_KIND) {
        return apr_psprintf(pool, "%s is not a kind this server knows", entity->kind);
    }
    /* Entity is abstract: its location only lets clients find an (always
     * empty) collection. */
    if (!kind->location || !strcmp(entity->kind, CORE_ENTITY)) {
        return apr_psprintf(pool, "kind %s cannot be instantiated", entity->kind);
    }
    if (collection_kind && strcmp(collection_kind, entity->kind)) {
        return apr_psprintf(pool, "an entity of kind %s does not belong in the collection "
                            "of kind %s", entity->kind, collection_kind);
    }
    return NULL;
}

/* Sets the server-managed state of a new entity, and the name of a new
 * network interface in the compute (GFD.224 gives it multiplicity 1):
 * "eth-" and the start of the link's id, whichever hypervisor runs it. */
static void set_initial_state(apr_pool_t *pool, occi_entity *entity)
{
    const char *attribute = occi_state_attribute(entity->kind);

    if (attribute) {
        occi_entity_set_string(pool, entity, attribute, occi_state_initial(entity->kind));
    }
    if (entity->id && !strcmp(entity->kind, OCCI_SCHEME_INFRA "networkinterface")
        && !occi_entity_get(entity, "occi.networkinterface.interface")) {
        occi_entity_set_string(pool, entity, "occi.networkinterface.interface",
                               apr_psprintf(pool, "eth-%.8s", entity->id));
    }
}

/* Validates a complete entity (create or replace); client is what the
 * client sent, to tell its immutable attributes from the server's. */
static const char *validate_whole(apr_pool_t *pool, const occi_validation *validation,
                                  occi_entity *entity, const occi_entity *client,
                                  const occi_entity *current)
{
    apr_hash_t *definitions;
    const char *error;

    if ((error = check_mixins(pool, validation, entity))) {
        return error;
    }
    definitions = attribute_definitions(pool, entity_categories(pool, validation, entity));
    if ((error = check_attributes(pool, definitions, entity, client, current))) {
        return error;
    }
    apply_defaults(pool, definitions, entity);
    return check_required(pool, definitions, entity);
}

int occi_links_unchanged(apr_pool_t *pool, const apr_array_header_t *sent,
                         const apr_array_header_t *current)
{
    char *used;
    int i, j;

    if (!current || sent->nelts != current->nelts) {
        return 0;
    }
    used = apr_pcalloc(pool, (apr_size_t)current->nelts + 1);
    for (i = 0; i < sent->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(sent, i, const occi_entity *);
        const char *target = occi_entity_id_from_reference(
            pool, occi_entity_get_string(link, "occi.core.target"));
        int matched = 0;

        for (j = 0; !matched && j < current->nelts; j++) {
            const occi_entity *have = APR_ARRAY_IDX(current, j, const occi_entity *);
            const char *have_target = occi_entity_id_from_reference(
                pool, occi_entity_get_string(have, "occi.core.target"));

            if (used[j]) {
                continue;
            }
            matched = link->id ? !strcmp(link->id, have->id)
                      : link->kind && !strcmp(link->kind, have->kind) && target && have_target
                        && !strcmp(target, have_target);
            used[j] = (char)matched;
        }
        if (!matched) {
            return 0;
        }
    }
    return 1;
}

const char *occi_validate_interface_address(apr_pool_t *pool, const occi_entity *link,
                                            const occi_entity *network)
{
    const char *address = occi_entity_get_string(link, "occi.networkinterface.address");
    const char *allocation = occi_entity_get_string(link, "occi.networkinterface.allocation");
    const char *ranges = network ? occi_entity_get_string(network, "occi.network.address")
                                 : NULL;
    const char *cidr, *cidr6;
    unsigned char ip6[16], net6[16];
    unsigned long ip, net, mask;
    long prefix;

    /* A dynamic address comes from the network's DHCP, whatever it says. */
    if (!link->kind || strcmp(link->kind, OCCI_SCHEME_INFRA "networkinterface")
        || !occi_entity_has_mixin(link, IPNETWORKINTERFACE) || !address
        || !allocation || strcmp(allocation, "static")) {
        return NULL;
    }
    if (occi_ip_split(pool, "occi.network.address", ranges, &cidr, &cidr6)) {
        cidr = cidr6 = NULL;           /* the network's own check says why */
    }
    if (!occi_ipv6_parse(address, ip6)) {
        if (!cidr6 || occi_ipv6_range(cidr6, net6, &prefix)) {
            return apr_psprintf(pool, "occi.networkinterface.address %s is static, but the "
                                "network has no IPv6 range to hold it: give the network's "
                                "occi.network.address an IPv6 range", address);
        }
        if (!occi_ipv6_in_range(ip6, net6, prefix) || !memcmp(ip6, net6, 16)) {
            return apr_psprintf(pool, "occi.networkinterface.address %s is not a host address "
                                "of the network's range %s", address, cidr6);
        }
        return NULL;
    }
    if (occi_ipv4_parse(address, &ip)) {
        return apr_psprintf(pool, "occi.networkinterface.address '%s' is not an IPv4 or IPv6 "
                            "address", address);
    }
    if (!cidr || occi_ipv4_range(cidr, &net, &mask, &prefix)) {
        return apr_psprintf(pool, "occi.networkinterface.address %s is static, but the "
                            "network has no IP range to hold it: give the network the "
                            "ipnetwork mixin with occi.network.address", address);
    }
    if ((ip & mask) != net || ip == net || ip == (net | (~mask & 0xFFFFFFFFUL))) {
        return apr_psprintf(pool, "occi.networkinterface.address %s is not a host address "
                            "of the network's range %s", address, cidr);
    }
    return NULL;
}

const char *occi_validate_create(apr_pool_t *pool, const occi_validation *validation,
                                 const char *collection_kind, occi_entity *entity)
{
    const occi_entity *client = occi_entity_copy(pool, entity);
    const char *error = check_kind(pool, validation, collection_kind, entity);

    if (error) {
        return error;
    }
    if ((error = validate_whole(pool, validation, entity, client, NULL))) {
        return error;
    }
    set_initial_state(pool, entity);
    entity->revision = 1;
    return NULL;
}

const char *occi_validate_replace(apr_pool_t *pool, const occi_validation *validation,
                                  const occi_entity *existing, occi_entity *replacement)
{
    const occi_entity *client = occi_entity_copy(pool, replacement);
    const char *state = occi_state_attribute(existing->kind);
    const char *error = check_kind(pool, validation, existing->kind, replacement);

    if (error) {
        return replacement->kind && strcmp(replacement->kind, existing->kind)
                   ? apr_psprintf(pool, "%s (the kind of an entity cannot change)", error)
                   : error;
    }
    if ((error = validate_whole(pool, validation, replacement, client, existing))) {
        return error;
    }
    replacement->id = existing->id;
    replacement->owner = existing->owner;
    replacement->revision = existing->revision;
    replacement->host = existing->host;     /* a replacement never moves it */
    if (state) {
        const char *message = apr_pstrcat(pool, state, ".message", NULL);

        occi_entity_set(replacement, state, occi_entity_get(existing, state));
        occi_entity_set(replacement, message, occi_entity_get(existing, message));
    }
    return NULL;
}

/* Adds mixin to entity, dropping a template of the same family; returns
 * the dropped template, or NULL. */
static const char *attach_mixin(const occi_validation *validation, occi_entity *entity,
                                const char *mixin_id)
{
    const char *family = template_family(occi_validation_find(validation, mixin_id));
    const char *dropped = NULL;
    int i;

    if (occi_entity_has_mixin(entity, mixin_id)) {
        return NULL;
    }
    for (i = 0; family && i < entity->mixins->nelts; i++) {
        const char *old = APR_ARRAY_IDX(entity->mixins, i, const char *);

        if (template_family(occi_validation_find(validation, old)) == family) {
            dropped = old;
            APR_ARRAY_IDX(entity->mixins, i, const char *) = mixin_id;
            return dropped;
        }
    }
    APR_ARRAY_PUSH(entity->mixins, const char *) = mixin_id;
    return NULL;
}

/* A newly attached resource template sizes the entity (GFD.224 §3.6). */
static void apply_resource_template(apr_pool_t *pool, const occi_validation *validation,
                                    occi_entity *entity, const char *mixin_id)
{
    const occi_category *mixin = occi_validation_find(validation, mixin_id);
    int i;

    if (template_family(mixin) != RESOURCE_TPL) {
        return;
    }
    for (i = 0; i < mixin->n_attributes; i++) {
        if (mixin->attributes[i].default_value) {
            occi_value value = default_value(pool, &mixin->attributes[i]);

            occi_entity_set(entity, mixin->attributes[i].name, &value);
        }
    }
}

const char *occi_validate_update(apr_pool_t *pool, const occi_validation *validation,
                                 const occi_entity *existing, const occi_entity *changes,
                                 occi_entity **updated)
{
    occi_entity *result = occi_entity_copy(pool, existing);
    const occi_entity *check = changes;
    apr_hash_t *definitions;
    const char *error;
    int i;

    if (changes->kind && strcmp(changes->kind, existing->kind)) {
        return apr_psprintf(pool, "the kind of an entity cannot change (it is %s, not %s)",
                            existing->kind, changes->kind);
    }
    /* New mixins are checked with the ones the entity keeps. */
    for (i = 0; i < changes->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(changes->mixins, i, const char *);

        if (!occi_validation_find(validation, mixin)) {
            return apr_psprintf(pool, "mixin %s is not defined", mixin);
        }
        attach_mixin(validation, result, mixin);
    }
    if ((error = check_mixins(pool, validation, result))) {
        return error;
    }
    for (i = 0; i < changes->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(changes->mixins, i, const char *);

        if (!occi_entity_has_mixin(existing, mixin)) {
            apply_resource_template(pool, validation, result, mixin);
        }
    }
    for (i = 0; i < changes->attributes->nelts; i++) {
        const occi_attribute_value *attribute = &APR_ARRAY_IDX(changes->attributes, i,
                                                               occi_attribute_value);
        occi_entity_set(result, attribute->name, &attribute->value);
    }
    definitions = attribute_definitions(pool, entity_categories(pool, validation, result));
    if ((error = check_attributes(pool, definitions, result, check, existing))) {
        return error;
    }
    apply_defaults(pool, definitions, result);
    *updated = result;
    return NULL;
}

const char *occi_validate_add_mixin(apr_pool_t *pool, const occi_validation *validation,
                                    const occi_entity *existing, const char *mixin,
                                    occi_entity **updated)
{
    occi_entity *changes = occi_entity_create(pool);

    APR_ARRAY_PUSH(changes->mixins, const char *) = mixin;
    return occi_validate_update(pool, validation, existing, changes, updated);
}

occi_entity *occi_validate_remove_mixin(apr_pool_t *pool, const occi_validation *validation,
                                        const occi_entity *existing, const char *mixin)
{
    occi_entity *result = occi_entity_copy(pool, existing);
    apr_hash_t *definitions;
    int i;

    result->mixins->nelts = 0;
    for (i = 0; i < existing->mixins->nelts; i++) {
        const char *kept = APR_ARRAY_IDX(existing->mixins, i, const char *);

        if (strcmp(kept, mixin)) {
            APR_ARRAY_PUSH(result->mixins, const char *) = kept;
        }
    }
    definitions = attribute_definitions(pool, entity_categories(pool, validation, result));
    for (i = result->attributes->nelts - 1; i >= 0; i--) {
        const char *name = APR_ARRAY_IDX(result->attributes, i, occi_attribute_value).name;

        if (!apr_hash_get(definitions, name, APR_HASH_KEY_STRING)) {
            occi_entity_set(result, name, NULL);
        }
    }
    return result;
}

const char *occi_validate_action(apr_pool_t *pool, const occi_validation *validation,
                                 const char *action, apr_array_header_t *parameters)
{
    const occi_category *definition = occi_validation_find(validation, action);
    int i, j;

    if (!definition || definition->cls != OCCI_CLASS_ACTION) {
        return apr_psprintf(pool, "%s is not an action this server knows", action);
    }
    for (i = 0; i < parameters->nelts; i++) {
        occi_attribute_value *parameter = &APR_ARRAY_IDX(parameters, i, occi_attribute_value);
        const occi_attribute_def *def = NULL;
        const char *error;

        for (j = 0; j < definition->n_attributes; j++) {
            if (!strcmp(definition->attributes[j].name, parameter->name)) {
                def = &definition->attributes[j];
            }
        }
        if (!def) {
            return apr_psprintf(pool, "action %s takes no parameter %s", definition->term,
                                parameter->name);
        }
        if ((error = check_value(pool, def, &parameter->value))) {
            return apr_psprintf(pool, "action %s: %s", definition->term, error);
        }
    }
    for (j = 0; j < definition->n_attributes; j++) {
        const occi_attribute_def *def = &definition->attributes[j];
        int given = 0;

        for (i = 0; i < parameters->nelts; i++) {
            given |= !strcmp(APR_ARRAY_IDX(parameters, i, occi_attribute_value).name,
                             def->name);
        }
        if (!given && def->default_value) {
            occi_attribute_value *filled = apr_array_push(parameters);

            filled->name = def->name;
            filled->value = default_value(pool, def);
        }
        else if (!given && def->is_required) {
            return apr_psprintf(pool, "action %s needs parameter %s", definition->term,
                                def->name);
        }
    }
    return NULL;
}
