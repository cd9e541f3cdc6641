/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "occi_discovery.h"

const char *occi_discovery_filter_type_id(apr_pool_t *pool, const char *type_id,
                                          apr_array_header_t *filter)
{
    const char *hash = strrchr(type_id, '#');
    occi_category_filter *entry;

    if (!hash || hash == type_id || !occi_term_is_valid(hash + 1)) {
        return apr_psprintf(pool, "category '%s' is not a type identifier "
                            "(a scheme ending in '#' followed by a term)", type_id);
    }
    if (filter->nelts >= OCCI_FILTER_MAX_CATEGORIES) {
        return apr_psprintf(pool, "more than %d categories in one filter",
                            OCCI_FILTER_MAX_CATEGORIES);
    }
    entry = apr_array_push(filter);
    entry->type_id = type_id;
    entry->match_class = 0;
    entry->cls = OCCI_CLASS_KIND;
    return NULL;
}

void occi_discovery_filter_categories(apr_pool_t *pool, const apr_array_header_t *categories,
                                      apr_array_header_t *filter)
{
    int i;

    for (i = 0; i < categories->nelts; i++) {
        const occi_category *category = APR_ARRAY_IDX(categories, i, const occi_category *);
        occi_category_filter *entry = apr_array_push(filter);

        entry->type_id = occi_category_type_id(pool, category);
        entry->match_class = 1;
        entry->cls = category->cls;
    }
}

apr_array_header_t *occi_discovery_select(apr_pool_t *pool, const occi_model *model,
                                          const apr_array_header_t *filter)
{
    int i, n = occi_model_count(model);
    apr_array_header_t *selected = apr_array_make(pool, n, sizeof(const occi_category *));
    apr_hash_t *chosen;

    if (!filter || filter->nelts == 0) {
        for (i = 0; i < n; i++) {
            APR_ARRAY_PUSH(selected, const occi_category *) = occi_model_at(model, i);
        }
        return selected;
    }
    /* Mark, then walk the model once, so the answer keeps the model's
     * order and names each category once however often it was asked for. */
    chosen = apr_hash_make(pool);
    for (i = 0; i < filter->nelts; i++) {
        const occi_category_filter *wanted = &APR_ARRAY_IDX(filter, i, occi_category_filter);
        const occi_category *found = occi_model_find(model, wanted->type_id);
        const char *const *action;

        if (!found || (wanted->match_class && found->cls != wanted->cls)) {
            continue;
        }
        apr_hash_set(chosen, occi_category_type_id(pool, found), APR_HASH_KEY_STRING, found);
        for (action = found->actions; action && *action; action++) {
            const occi_category *defined = occi_model_find(model, *action);

            if (defined) {
                apr_hash_set(chosen, *action, APR_HASH_KEY_STRING, defined);
            }
        }
    }
    for (i = 0; i < n; i++) {
        const occi_category *category = occi_model_at(model, i);

        if (apr_hash_get(chosen, occi_category_type_id(pool, category), APR_HASH_KEY_STRING)) {
            APR_ARRAY_PUSH(selected, const occi_category *) = category;
        }
    }
    return selected;
}
