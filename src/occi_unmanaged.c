/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Objects on a hypervisor that the store does not know (see
 * occi_unmanaged.h).
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include <json.h>

#include "occi_buf.h"
#include "occi_json.h"
#include "occi_router.h"
#include "occi_unmanaged.h"

#define PREFIX "occi-"
#define SAVED_PREFIX "occi-saved-"

/* name minus suffix when it ends so, else NULL. */
static const char *strip_suffix(apr_pool_t *pool, const char *name, const char *suffix)
{
    size_t len = strlen(name), suffix_len = strlen(suffix);

    if (len < suffix_len || strcmp(name + len - suffix_len, suffix)) {
        return NULL;
    }
    return apr_pstrmemdup(pool, name, len - suffix_len);
}

int occi_hv_object_from_name(apr_pool_t *pool, const char *type, const char *name,
                             occi_hv_object *object)
{
    static const struct {
        const char *type, *suffix, *kind;
    } forms[] = {
        { "domain", "", "compute" },
        { "network", "", "network" },
        { "volume", ".qcow2", "storage" },
        { "volume", "-root.qcow2", "compute" },
        { "volume", "-seed.iso", "compute" },
    };
    size_t i;

    memset(object, 0, sizeof(*object));
    if (!name || strncmp(name, PREFIX, strlen(PREFIX))) {
        return 0;
    }
    if (!strcmp(type, "volume") && !strncmp(name, SAVED_PREFIX, strlen(SAVED_PREFIX))) {
        const char *term = strip_suffix(pool, name + strlen(SAVED_PREFIX), ".qcow2");

        if (!term || !*term) {
            return 0;
        }
        object->type = type;
        object->name = name;
        object->kind = "os_tpl";
        object->id = term;
        return 1;
    }
    for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        const char *id;

        if (strcmp(forms[i].type, type)) {
            continue;
        }
        id = strip_suffix(pool, name + strlen(PREFIX), forms[i].suffix);
        if (id && occi_uuid_is_valid(id)) {
            object->type = type;
            object->name = name;
            object->kind = forms[i].kind;
            object->id = id;
            return 1;
        }
    }
    return 0;
}

occi_store_status occi_unmanaged_objects(occi_store *store, apr_pool_t *pool,
                                         const apr_array_header_t *objects,
                                         const char *saved_scheme,
                                         apr_array_header_t **unmanaged)
{
    apr_hash_t *saved_terms = NULL;
    occi_store_status status;
    int i;

    *unmanaged = apr_array_make(pool, 8, sizeof(occi_hv_object));
    for (i = 0; i < objects->nelts; i++) {
        const occi_hv_object *object = &APR_ARRAY_IDX(objects, i, occi_hv_object);
        int known;

        if (!strcmp(object->kind, "os_tpl")) {
            if (!saved_terms) {
                apr_array_header_t *mixins;
                int j;

                /* The saved templates of every owner, read once. */
                status = occi_store_list_mixins(store, pool, NULL, &mixins, NULL);
                if (status != OCCI_STORE_OK) {
                    return OCCI_STORE_ERROR;
                }
                saved_terms = apr_hash_make(pool);
                for (j = 0; j < mixins->nelts; j++) {
                    const occi_category *mixin = APR_ARRAY_IDX(mixins, j, const occi_category *);

                    if (saved_scheme && mixin->scheme && !strcmp(mixin->scheme, saved_scheme)) {
                        apr_hash_set(saved_terms, mixin->term, APR_HASH_KEY_STRING, "");
                    }
                }
            }
            known = apr_hash_get(saved_terms, object->id, APR_HASH_KEY_STRING) != NULL;
        }
        else {
            occi_entity *entity;

            status = occi_store_get(store, pool, object->id, NULL, &entity);
            if (status != OCCI_STORE_OK && status != OCCI_STORE_NOT_FOUND) {
                return OCCI_STORE_ERROR;
            }
            known = status == OCCI_STORE_OK;
        }
        if (!known) {
            APR_ARRAY_PUSH(*unmanaged, occi_hv_object) = *object;
        }
    }
    return OCCI_STORE_OK;
}

const char *occi_unmanaged_json(apr_pool_t *pool, const apr_array_header_t *objects)
{
    struct json_object *document = json_object_new_object();
    struct json_object *list = json_object_new_array();
    int i;

    for (i = 0; i < objects->nelts; i++) {
        const occi_hv_object *object = &APR_ARRAY_IDX(objects, i, occi_hv_object);
        struct json_object *entry = json_object_new_object();

        json_object_object_add(entry, "type", json_object_new_string(object->type));
        json_object_object_add(entry, "name", json_object_new_string(object->name));
        json_object_object_add(entry, "kind", json_object_new_string(object->kind));
        json_object_object_add(entry, "id", json_object_new_string(object->id));
        json_object_array_add(list, entry);
    }
    json_object_object_add(document, "objects", list);
    return occi_json_release_to_string(pool, document);
}

const char *occi_unmanaged_text(apr_pool_t *pool, const apr_array_header_t *objects)
{
    occi_buf text;
    int i;

    occi_buf_init(&text, pool, 64 * (apr_size_t)objects->nelts + 1);
    for (i = 0; i < objects->nelts; i++) {
        const occi_hv_object *object = &APR_ARRAY_IDX(objects, i, occi_hv_object);

        occi_buf_puts(&text, apr_pstrcat(pool, object->type, " ", object->name, " ",
                                         object->kind, " ", object->id, "\n", NULL));
    }
    return text.data;
}

const char *occi_unmanaged_summary(apr_pool_t *pool, const apr_array_header_t *objects,
                                   int limit)
{
    occi_buf text;
    int i;

    occi_buf_init(&text, pool, 64 * (apr_size_t)(limit > 0 ? limit : 1));
    for (i = 0; i < objects->nelts && i < limit; i++) {
        const occi_hv_object *object = &APR_ARRAY_IDX(objects, i, occi_hv_object);

        occi_buf_puts(&text, apr_pstrcat(pool, i ? ", " : "", object->type, " ", object->name,
                                         NULL));
    }
    if (objects->nelts > limit) {
        occi_buf_puts(&text, apr_psprintf(pool, " and %d more", objects->nelts - limit));
    }
    return text.data;
}

const char *occi_unmanaged_find(occi_store *store, occi_hypervisor *hypervisor,
                                apr_pool_t *pool, const char *saved_scheme,
                                apr_array_header_t **unmanaged)
{
    apr_array_header_t *objects;
    occi_hv_error error;

    if (occi_hypervisor_list_objects(hypervisor, pool, &objects, &error) != OCCI_HV_OK) {
        return error.message;
    }
    if (occi_unmanaged_objects(store, pool, objects, saved_scheme, unmanaged)
        != OCCI_STORE_OK) {
        return apr_pstrcat(pool, "the entity store failed: ", occi_store_error(store), NULL);
    }
    return NULL;
}
