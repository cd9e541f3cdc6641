/* SPDX-License-Identifier: Apache-2.0 */
/* Field-by-field comparison of categories, for the round-trip tests. */
#ifndef OCCI_COMPARE_H
#define OCCI_COMPARE_H

#include <apr_strings.h>

#include "occi_model.h"

static int same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && !strcmp(a, b));
}

static int same_list(const char *const *a, const char *const *b)
{
    /* NULL and an empty list mean the same. */
    if (!a || !*a || !b || !*b) {
        return (!a || !*a) && (!b || !*b);
    }
    for (; *a && *b; a++, b++) {
        if (strcmp(*a, *b)) {
            return 0;
        }
    }
    return *a == NULL && *b == NULL;
}

/* NULL when equal, else what differs. compare_types and compare_details
 * select what the rendering can carry (text carries neither). */
static const char *category_difference(apr_pool_t *pool, const occi_category *a,
                                       const occi_category *b, int compare_details)
{
    int i;

    if (a->cls != b->cls) return "class";
    if (!same_string(a->scheme, b->scheme)) return "scheme";
    if (!same_string(a->term, b->term)) return "term";
    if (!same_string(a->title, b->title)) return "title";
    if (!same_string(a->location, b->location)) return "location";
    if (!same_string(a->parent, b->parent)) return "parent";
    if (!same_list(a->actions, b->actions)) return "actions";
    if (a->n_attributes != b->n_attributes) return "number of attributes";
    if (compare_details) {
        if (!same_list(a->depends, b->depends)) return "depends";
        if (!same_list(a->applies, b->applies)) return "applies";
    }
    else if (!same_string(a->depends ? a->depends[0] : NULL, b->depends ? b->depends[0] : NULL)) {
        return "first depends";
    }
    for (i = 0; i < a->n_attributes; i++) {
        const occi_attribute_def *x = &a->attributes[i], *y = &b->attributes[i];

        if (!same_string(x->name, y->name))
            return apr_psprintf(pool, "attribute %d name", i);
        if (x->is_mutable != y->is_mutable)
            return apr_psprintf(pool, "%s mutable", x->name);
        if (x->is_required != y->is_required)
            return apr_psprintf(pool, "%s required", x->name);
        if (!compare_details) {
            continue;
        }
        if (x->type != y->type)
            return apr_psprintf(pool, "%s type", x->name);
        if (!same_string(x->default_value, y->default_value))
            return apr_psprintf(pool, "%s default", x->name);
        if (!same_list(x->enum_values, y->enum_values))
            return apr_psprintf(pool, "%s enumeration", x->name);
        if (x->has_range != y->has_range || x->minimum != y->minimum || x->maximum != y->maximum)
            return apr_psprintf(pool, "%s range", x->name);
        if (!same_string(x->description, y->description))
            return apr_psprintf(pool, "%s description", x->name);
    }
    return NULL;
}

#endif
