/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The category registry. Two hashes give constant-time lookup by type
 * identifier and by location; an array keeps the order in which categories
 * were added so every rendering lists them the same way.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "occi_model.h"

struct occi_model {
    apr_pool_t *pool;
    apr_array_header_t *categories;  /* const occi_category * */
    apr_hash_t *by_type_id;
    apr_hash_t *by_location;
    apr_hash_t *kind_facts;          /* type id -> occi_kind_facts */
};

/* Type ids share long prefixes (".../occi/infrastructure#") and differ
 * near their end: hashed by their length and last 16 bytes, a lookup costs
 * a fifth of APR's hash over every byte. Equal keys still compare whole. */
static unsigned int type_id_hash(const char *key, apr_ssize_t *klen)
{
    const unsigned char *p, *end;
    unsigned int hash;

    if (*klen == APR_HASH_KEY_STRING) {
        *klen = (apr_ssize_t)strlen(key);
    }
    end = (const unsigned char *)key + *klen;
    p = *klen > 16 ? end - 16 : (const unsigned char *)key;
    hash = (unsigned int)*klen;
    for (; p < end; p++) {
        hash = hash * 33 + *p;
    }
    return hash;
}

/* The facts of every kind, made again whenever a kind is added (a kind
 * may come before its parent). Models are built once, at configuration,
 * and hold a few dozen kinds. */
static void resolve_kinds(occi_model *model)
{
    int i;

    model->kind_facts = apr_hash_make_custom(model->pool, type_id_hash);
    for (i = 0; i < model->categories->nelts; i++) {
        const occi_category *kind = APR_ARRAY_IDX(model->categories, i, const occi_category *);
        const occi_category *ancestor = kind;
        occi_kind_facts *facts;
        apr_array_header_t *actions;
        int depth = 0;

        if (kind->cls != OCCI_CLASS_KIND) {
            continue;
        }
        facts = apr_pcalloc(model->pool, sizeof(*facts));
        facts->kind = kind;
        actions = apr_array_make(model->pool, 8, sizeof(const char *));
        /* The depth bound guards against a cycle in a (faulty) model. */
        while (ancestor && depth++ < 32) {
            const char *const *action;

            if (!strcmp(ancestor->scheme, OCCI_SCHEME_CORE) && !strcmp(ancestor->term, "link")) {
                facts->is_link = 1;
            }
            for (action = ancestor->actions; action && *action; action++) {
                APR_ARRAY_PUSH(actions, const char *) = *action;
            }
            ancestor = ancestor->parent ? occi_model_find(model, ancestor->parent) : NULL;
        }
        APR_ARRAY_PUSH(actions, const char *) = NULL;
        facts->actions = (const char *const *)actions->elts;
        apr_hash_set(model->kind_facts, occi_category_type_id(model->pool, kind),
                     APR_HASH_KEY_STRING, facts);
    }
}

occi_model *occi_model_create(apr_pool_t *pool)
{
    occi_model *model = apr_pcalloc(pool, sizeof(*model));
    model->pool = pool;
    model->categories = apr_array_make(pool, 64, sizeof(const occi_category *));
    model->by_type_id = apr_hash_make_custom(pool, type_id_hash);
    model->by_location = apr_hash_make(pool);
    model->kind_facts = apr_hash_make_custom(pool, type_id_hash);
    return model;
}

const char *occi_model_add(occi_model *model, const occi_category *category)
{
    const char *type_id = occi_category_type_id(model->pool, category);

    if (apr_hash_get(model->by_type_id, type_id, APR_HASH_KEY_STRING)) {
        return apr_psprintf(model->pool, "category %s is already defined", type_id);
    }
    if (category->location
        && apr_hash_get(model->by_location, category->location, APR_HASH_KEY_STRING)) {
        return apr_psprintf(model->pool, "location %s is already bound to another category",
                            category->location);
    }
    apr_hash_set(model->by_type_id, type_id, APR_HASH_KEY_STRING, category);
    if (category->location) {
        apr_hash_set(model->by_location, category->location, APR_HASH_KEY_STRING, category);
    }
    APR_ARRAY_PUSH(model->categories, const occi_category *) = category;
    if (category->cls == OCCI_CLASS_KIND) {
        resolve_kinds(model);
    }
    return NULL;
}

const occi_kind_facts *occi_model_kind_facts(const occi_model *model, const char *type_id)
{
    return apr_hash_get(model->kind_facts, type_id, APR_HASH_KEY_STRING);
}

const occi_category *occi_model_find(const occi_model *model, const char *type_id)
{
    return apr_hash_get(model->by_type_id, type_id, APR_HASH_KEY_STRING);
}

const occi_category *occi_model_find_location(const occi_model *model,
                                              const char *location)
{
    return apr_hash_get(model->by_location, location, APR_HASH_KEY_STRING);
}

int occi_model_count(const occi_model *model)
{
    return model->categories->nelts;
}

const occi_category *occi_model_at(const occi_model *model, int index)
{
    return APR_ARRAY_IDX(model->categories, index, const occi_category *);
}

const char *occi_category_type_id(apr_pool_t *pool, const occi_category *category)
{
    return apr_pstrcat(pool, category->scheme, category->term, NULL);
}

const char *occi_category_class_name(occi_category_class cls)
{
    switch (cls) {
    case OCCI_CLASS_KIND:   return "kind";
    case OCCI_CLASS_MIXIN:  return "mixin";
    case OCCI_CLASS_ACTION: return "action";
    }
    return "unknown";
}

int occi_category_class_parse(const char *name, occi_category_class *cls)
{
    if (!strcmp(name, "kind")) {
        *cls = OCCI_CLASS_KIND;
    }
    else if (!strcmp(name, "mixin")) {
        *cls = OCCI_CLASS_MIXIN;
    }
    else if (!strcmp(name, "action")) {
        *cls = OCCI_CLASS_ACTION;
    }
    else {
        return -1;
    }
    return 0;
}

int occi_term_is_valid(const char *term)
{
    const char *c;

    if (!term || !apr_isalnum(*term)) {
        return 0;
    }
    for (c = term + 1; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != '_' && *c != '.') {
            return 0;
        }
    }
    return 1;
}
