/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the fuzz targets share: the process-wide pool and model, made on
 * the first input, and a subpool per input, destroyed after it, so that
 * memory does not grow over millions of inputs.
 *
 * Inputs given as (text, len) are passed in the fuzzer's own buffer, whose
 * exact size lets AddressSanitizer catch a read past its end; inputs that
 * httpd hands over as C strings are copied into a malloc'ed buffer of
 * exactly len + 1 bytes for the same reason. Allocations from APR pools
 * are carved out of larger blocks, so overruns inside them go unseen.
 */
#ifndef OCCI_FUZZ_H
#define OCCI_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "occi_entity_json.h"
#include "occi_entity_text.h"
#include "occi_model.h"
#include "occi_templates.h"
#include "occi_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *fuzz_root_pool;
static occi_model *fuzz_root_model;

/* The model of the default configuration: the standard categories and a
 * few templates, as the unit tests use. */
static inline const occi_model *fuzz_model(void)
{
    if (!fuzz_root_model) {
        const char *provider = "http://cloud.example.com/occi/";

        fuzz_root_model = occi_model_create(fuzz_root_pool);
        occi_model_add_standard(fuzz_root_model);
        occi_model_add(fuzz_root_model, occi_os_template(fuzz_root_pool, provider, "debian12",
                                                         "Debian 12"));
        occi_model_add(fuzz_root_model, occi_resource_template(fuzz_root_pool, provider,
                                                               "small", "Small", 1, 0.5));
    }
    return fuzz_root_model;
}

/* The pool one input works in. */
static inline apr_pool_t *fuzz_begin(void)
{
    apr_pool_t *pool;

    if (!fuzz_root_pool) {
        apr_initialize();
        apr_pool_create(&fuzz_root_pool, NULL);
        fuzz_model();
    }
    apr_pool_create(&pool, fuzz_root_pool);
    return pool;
}

/* The input as a C string (cut at its first NUL, as a header is), in a
 * buffer of its own that fuzz_end frees. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s) {
        abort();
    }
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static inline int fuzz_end(apr_pool_t *pool, char *string)
{
    apr_pool_destroy(pool);
    free(string);
    return 0;
}

#define FUZZ_INFRA OCCI_SCHEME_INFRA
#define FUZZ_ID "6f1b3b8e-1d7a-4c1e-9f2a-1b2c3d4e5f60"

/* A link's ends as mod_occi_entities.c resolves them against the store
 * (resolve_link_ends), imagining that every reference naming an id finds
 * an entity: a compute as the source; as the target, the kind the link
 * requires, else a compute. Both become locations; a target naming no id
 * stays only as an absolute URL. source is the resource of an inline
 * link, or NULL. Returns whether the server would go on. */
static inline int fuzz_resolve_ends(apr_pool_t *pool, occi_entity *link,
                                    const occi_entity *source)
{
    const char *source_ref = occi_entity_get_string(link, "occi.core.source");
    const char *target_ref = occi_entity_get_string(link, "occi.core.target");
    const char *wanted = !strcmp(link->kind, FUZZ_INFRA "networkinterface") ? FUZZ_INFRA "network"
                         : !strcmp(link->kind, FUZZ_INFRA "storagelink") ? FUZZ_INFRA "storage"
                         : NULL;
    const char *id;

    if (source) {
        if (wanted && strcmp(source->kind, FUZZ_INFRA "compute")) {
            return 0;
        }
        occi_entity_set_string(pool, link, "occi.core.source",
                               occi_entity_location(pool, fuzz_model(), source));
    }
    else if (source_ref && (id = occi_entity_id_from_reference(pool, source_ref))) {
        occi_entity_set_string(pool, link, "occi.core.source",
                               apr_pstrcat(pool, "/compute/", id, NULL));
    }
    else {
        return 0;
    }
    if (!target_ref) {
        return 0;
    }
    if ((id = occi_entity_id_from_reference(pool, target_ref))) {
        const char *kind = wanted ? wanted : FUZZ_INFRA "compute";

        occi_entity_set_string(pool, link, "occi.core.target",
                               apr_pstrcat(pool, occi_model_find(fuzz_model(), kind)->location,
                                           id, NULL));
        occi_entity_set_string(pool, link, "occi.core.target.kind", kind);
        return 1;
    }
    return !wanted && strstr(target_ref, "://");
}

/* Whether the server would create entity, as prepare_new_entity in
 * mod_occi_entities.c decides before storing and rendering it (with the
 * imagined store above), completing it as the server does: ids, link
 * ends, defaults. */
static inline int fuzz_accepted(apr_pool_t *pool, occi_entity *entity)
{
    occi_validation validation = { fuzz_model(), NULL };
    int i;

    entity->id = entity->id ? entity->id : FUZZ_ID;
    if (!entity->kind
        || (occi_kind_is_link(fuzz_model(), entity->kind) && !fuzz_resolve_ends(pool, entity, NULL))
        || occi_validate_create(pool, &validation, NULL, entity)
        || (entity->links->nelts && occi_kind_is_link(fuzz_model(), entity->kind))) {
        return 0;
    }
    for (i = 0; i < entity->links->nelts; i++) {
        occi_entity *link = APR_ARRAY_IDX(entity->links, i, occi_entity *);

        link->id = link->id ? link->id : FUZZ_ID;
        if (!link->kind || !occi_kind_is_link(fuzz_model(), link->kind)
            || !fuzz_resolve_ends(pool, link, entity)
            || occi_validate_create(pool, &validation, NULL, link)) {
            return 0;
        }
    }
    return 1;
}

/* An entity the server accepted can be fetched in either rendering, and
 * a client may send back what it fetched: both renderings must parse
 * again. Aborts, showing the rendering, when one does not. */
static inline void fuzz_render_both(apr_pool_t *pool, const occi_entity *entity)
{
    occi_render_context context = { fuzz_model(), "", NULL };
    apr_array_header_t *fields = apr_array_make(pool, 8, sizeof(occi_text_field));
    apr_array_header_t *again = apr_array_make(pool, 8, sizeof(occi_text_field));
    apr_array_header_t *entities = apr_array_make(pool, 1, sizeof(occi_entity *));
    const char *body, *json, *error;
    occi_entity *reparsed;

    occi_text_render_entity(pool, &context, entity, NULL, fields);
    body = occi_text_fields_to_body(pool, fields);
    if ((error = occi_text_parse_body(pool, body, strlen(body), again))
        || (error = occi_text_parse_entity(pool, again, &reparsed))) {
        fprintf(stderr, "the text rendering does not parse again (%s):\n%s\n", error, body);
        abort();
    }
    json = occi_json_render_entity(pool, &context, entity, NULL);
    if ((error = occi_json_parse_entities(pool, json, strlen(json), entities))) {
        fprintf(stderr, "the JSON rendering does not parse again (%s):\n%s\n", error, json);
        abort();
    }
}

#endif
