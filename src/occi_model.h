/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCCI category model: attribute definitions, kinds, mixins and actions,
 * and the registry that indexes them by type identifier and by location.
 *
 * A model is built once at configuration time and is read-only afterwards,
 * so any number of request threads may look things up at once.
 */
#ifndef OCCI_MODEL_H
#define OCCI_MODEL_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_hash.h>

#define OCCI_SCHEME_CORE           "http://schemas.ogf.org/occi/core#"
#define OCCI_SCHEME_INFRA          "http://schemas.ogf.org/occi/infrastructure#"
#define OCCI_SCHEMA_DRAFT4         "http://json-schema.org/draft-04/schema#"
#define OCCI_RESERVED_SCHEME_PREFIX "http://schemas.ogf.org/occi/"

/* Value types. Integer and float are both "number" in JSON; the
 * distinction decides how a value is validated and printed. */
typedef enum {
    OCCI_TYPE_STRING,
    OCCI_TYPE_INTEGER,
    OCCI_TYPE_FLOAT,
    OCCI_TYPE_BOOLEAN,
    OCCI_TYPE_ARRAY,
    OCCI_TYPE_OBJECT
} occi_value_type;

typedef struct occi_attribute_def {
    const char *name;
    occi_value_type type;
    int is_mutable;
    int is_required;
    /* Default value in its canonical text form ("2", "1.0", "true",
     * "inactive"), or NULL when there is none. */
    const char *default_value;
    /* NULL-terminated list of permitted values, or NULL. */
    const char *const *enum_values;
    /* Inclusive bounds for integers; used only when has_range is set. */
    int has_range;
    long long minimum, maximum;
    const char *description;
    /* A size in GiB (a float): above 0 and at most OCCI_MAX_SIZE_GIB. */
    int is_size;
} occi_attribute_def;

/* The largest size in GiB (1 PiB): the hypervisor counts memory in KiB and
 * volumes in bytes, and far larger sizes would overflow those counts. */
#define OCCI_MAX_SIZE_GIB 1048576.0

typedef enum {
    OCCI_CLASS_KIND,
    OCCI_CLASS_MIXIN,
    OCCI_CLASS_ACTION
} occi_category_class;

typedef struct occi_category {
    occi_category_class cls;
    const char *scheme;          /* ends with '#' */
    const char *term;
    const char *title;           /* may be NULL */
    /* Location relative to the mount point ("/compute/"); NULL for
     * core#entity and for actions. */
    const char *location;
    const char *parent;          /* kinds: parent type id, or NULL */
    const char *const *depends;  /* mixins: NULL-terminated type ids, or NULL */
    const char *const *applies;  /* mixins: NULL-terminated kind ids, or NULL */
    const occi_attribute_def *attributes;
    int n_attributes;
    const char *const *actions;  /* NULL-terminated action type ids, or NULL */
    int is_provider_template;    /* declared by the operator's configuration */
} occi_category;

typedef struct occi_model occi_model;

/* An empty model; everything in it is allocated from pool. */
occi_model *occi_model_create(apr_pool_t *pool);

/* Adds the Core (entity, resource, link) and Infrastructure categories. */
void occi_model_add_standard(occi_model *model);

/* Adds one category; returns NULL, or a message saying why it was refused
 * (its type identifier or location is already taken). The category must
 * live at least as long as the model. */
const char *occi_model_add(occi_model *model, const occi_category *category);

/* Lookups; NULL when absent. */
const occi_category *occi_model_find(const occi_model *model, const char *type_id);
const occi_category *occi_model_find_location(const occi_model *model,
                                              const char *location);

/* What a kind inherits, resolved when the model is built so that a page
 * of entities does not walk each one's ancestry through the type-id hash:
 * whether it is a link (core#link among its ancestors) and the actions of
 * the kind and then of its ancestors, NULL-terminated. */
typedef struct occi_kind_facts {
    const occi_category *kind;
    int is_link;
    const char *const *actions;
} occi_kind_facts;

/* NULL when type_id is no kind of the model. */
const occi_kind_facts *occi_model_kind_facts(const occi_model *model, const char *type_id);

/* Every category, in the order it was added. */
int occi_model_count(const occi_model *model);
const occi_category *occi_model_at(const occi_model *model, int index);

/* "scheme" + "term", allocated from pool. */
const char *occi_category_type_id(apr_pool_t *pool, const occi_category *category);

/* "kind", "mixin" or "action". */
const char *occi_category_class_name(occi_category_class cls);

/* Parses a class name; returns 0 and sets *cls, or -1 for anything else. */
int occi_category_class_parse(const char *name, occi_category_class *cls);

/* Valid per the text rendering's term rule:
 * (ALPHA | DIGIT) *(ALPHA | DIGIT | "-" | "_" | "."). */
int occi_term_is_valid(const char *term);

#endif
