/* SPDX-License-Identifier: Apache-2.0 */
/* Comparison of entities, for the round-trip tests of the renderings. */
#ifndef OCCI_ENTITY_COMPARE_H
#define OCCI_ENTITY_COMPARE_H

#include <string.h>
#include <apr_strings.h>

#include "occi_entity.h"

/* What a rendering cannot carry, and so what a comparison overlooks. */
enum {
    /* The text rendering has no array or object values: they travel as
     * quoted JSON text and come back as strings holding that text. */
    COMPARE_TEXT = 1,
    /* An inline link's source is the resource it is written in: the
     * renderings do not repeat it (text) or write it from the resource
     * (JSON), and the caller fills it on input. */
    COMPARE_SKIP_INLINE_SOURCE = 2,
    /* Set by the comparer itself while it compares inline links. */
    COMPARE_INLINE = 0x100
};

static int compare_same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && !strcmp(a, b));
}

static int compare_values(const occi_value *a, const occi_value *b, int flags)
{
    if ((flags & COMPARE_TEXT) && (a->type == OCCI_TYPE_ARRAY || a->type == OCCI_TYPE_OBJECT)
        && b->type == OCCI_TYPE_STRING) {
        return compare_same_string(a->string, b->string);
    }
    return occi_value_equal(a, b);
}

static int compare_skipped(const char *name, int skip_source)
{
    return skip_source && (!strcmp(name, "occi.core.source")
                           || !strcmp(name, "occi.core.source.kind"));
}

static int compare_count(const occi_entity *e, int skip_source)
{
    int i, n = 0;

    for (i = 0; i < e->attributes->nelts; i++) {
        n += !compare_skipped(APR_ARRAY_IDX(e->attributes, i, occi_attribute_value).name,
                              skip_source);
    }
    return n;
}

/* NULL when a and b are the same entity (attributes in any order), else
 * a description of the first difference found. */
static const char *entity_difference(apr_pool_t *pool, const occi_entity *a,
                                     const occi_entity *b, int flags)
{
    int skip_source = (flags & COMPARE_SKIP_INLINE_SOURCE) && (flags & COMPARE_INLINE);
    int i;

    if (!compare_same_string(a->id, b->id))
        return apr_psprintf(pool, "id: %s against %s", a->id ? a->id : "(none)",
                            b->id ? b->id : "(none)");
    if (!compare_same_string(a->kind, b->kind))
        return apr_psprintf(pool, "kind: %s against %s", a->kind ? a->kind : "(none)",
                            b->kind ? b->kind : "(none)");
    if (a->mixins->nelts != b->mixins->nelts)
        return apr_psprintf(pool, "%d mixins against %d", a->mixins->nelts, b->mixins->nelts);
    for (i = 0; i < a->mixins->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(a->mixins, i, const char *),
                   APR_ARRAY_IDX(b->mixins, i, const char *)))
            return apr_psprintf(pool, "mixin %d", i);
    }
    if (compare_count(a, skip_source) != compare_count(b, skip_source))
        return apr_psprintf(pool, "%d attributes against %d", compare_count(a, skip_source),
                            compare_count(b, skip_source));
    for (i = 0; i < a->attributes->nelts; i++) {
        const occi_attribute_value *x = &APR_ARRAY_IDX(a->attributes, i, occi_attribute_value);
        const occi_value *y = occi_entity_get(b, x->name);

        if (compare_skipped(x->name, skip_source))
            continue;
        if (!y)
            return apr_psprintf(pool, "attribute %s is missing", x->name);
        if (!compare_values(&x->value, y, flags))
            return apr_psprintf(pool, "attribute %s: %s against %s (types %d, %d)", x->name,
                                occi_value_to_text(pool, &x->value), occi_value_to_text(pool, y),
                                (int)x->value.type, (int)y->type);
    }
    if (a->links->nelts != b->links->nelts)
        return apr_psprintf(pool, "%d links against %d", a->links->nelts, b->links->nelts);
    for (i = 0; i < a->links->nelts; i++) {
        const char *difference = entity_difference(
            pool, APR_ARRAY_IDX(a->links, i, const occi_entity *),
            APR_ARRAY_IDX(b->links, i, const occi_entity *), flags | COMPARE_INLINE);

        if (difference)
            return apr_psprintf(pool, "link %d: %s", i, difference);
    }
    return NULL;
}

#endif
