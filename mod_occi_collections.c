/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Collections: which entities a kind collection, a mixin collection or
 * an unbound path holds for the client, narrowed by filters and cut into
 * pages (GFD.223 §3.5).
 */
#include <string.h>
#include <stdlib.h>

#include "mod_occi.h"
#include "mod_occi_collections.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "occi_discovery.h"
#include "occi_text.h"
#include "occi_state.h"

/* The last page a client may ask for: far beyond any collection, and
 * small enough that its offset stays within the store's integers. */
#define MAX_PAGE 100000000

/* page and number from the query string; 413 when number exceeds the
 * configured maximum. */
static int read_page(occi_request *req, occi_store_query *query)
{
    const char *page = apr_table_get(req->query, "page");
    const char *number = apr_table_get(req->query, "number");
    char *end;
    long value;

    query->offset = 0;
    query->limit = 0;
    if (!page && !number) {
        return OK;
    }
    value = number ? strtol(number, &end, 10) : req->conf->max_page_size;
    if (number && (end == number || *end || value < 1)) {
        return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                   req->r->pool, "number must be a whole number of at least "
                                   "1, not '%s'", number));
    }
    if (value > req->conf->max_page_size) {
        return occi_refuse(req, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_psprintf(
                                   req->r->pool, "number %s is larger than the %d entities "
                                   "a page may hold", number, req->conf->max_page_size));
    }
    query->limit = (int)value;
    value = page ? strtol(page, &end, 10) : 1;
    if (page && (end == page || *end || value < 1 || value > MAX_PAGE)) {
        return occi_refuse(req, HTTP_BAD_REQUEST, apr_psprintf(
                                   req->r->pool, "page must be a whole number from 1 to %d, "
                                   "not '%s'", MAX_PAGE, page));
    }
    if ((value - 1) * (long)query->limit > 2000000000L) {
        query->offset = 2000000000;
    }
    else {
        query->offset = (int)((value - 1) * query->limit);
    }
    return OK;
}

typedef struct {
    apr_array_header_t *categories;   /* type ids an entity must carry (any of) */
    apr_array_header_t *attributes;   /* occi_attribute_value it must have */
    apr_array_header_t *scope;        /* and, when not NULL, one of these type ids */
} entity_filter;

/* The store matches values by their text form, in which a float is
 * written "2.0": a number given for a number attribute is written so. */
static const char *canonical_number(occi_request *req, const char *name, const char *value)
{
    int i, j, n = occi_model_count(req->model);
    char *end;
    double number = strtod(value, &end);
    char text[64];

    if (end == value || *end) {
        return value;
    }
    for (i = 0; i < n; i++) {
        const occi_category *category = occi_model_at(req->model, i);

        for (j = 0; j < category->n_attributes; j++) {
            const occi_attribute_def *def = &category->attributes[j];

            if (strcmp(def->name, name)) {
                continue;
            }
            if (def->type == OCCI_TYPE_FLOAT) {
                occi_format_double(text, sizeof(text), number);
                return apr_pstrdup(req->r->pool, text);
            }
            if (def->type == OCCI_TYPE_INTEGER && number == (double)(long long)number) {
                return apr_psprintf(req->r->pool, "%" APR_INT64_T_FMT, (apr_int64_t)number);
            }
            return value;
        }
    }
    return value;
}

/* Filters from text/occi headers (Category, X-OCCI-Attribute) and the
 * query string (category=, attribute= with value=). A filter on a state,
 * with a hypervisor, is applied to the states a GET would render: the
 * store keeps them only as of the last change made through the API
 * (virsh, a guest that powers itself off). */
static int read_filter(occi_request *req, entity_filter *filter, occi_store_query *query)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *fields = occi_header_fields(req);
    const char *attribute = apr_table_get(req->query, "attribute");
    const char *value = apr_table_get(req->query, "value");
    occi_entity *named = NULL;
    const char *error;
    int i;

    filter->categories = apr_array_make(pool, 2, sizeof(const char *));
    filter->attributes = apr_array_make(pool, 2, sizeof(occi_attribute_value));
    filter->scope = NULL;
    if (fields->nelts) {
        /* A filter is an entity rendering in headers: reuse the parser,
         * which needs a kind first, by reading categories on their own. */
        apr_array_header_t *categories = apr_array_make(pool, 2, sizeof(occi_category *));

        for (i = 0; i < fields->nelts; i++) {
            const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

            if (!strcmp(field->name, "Category")
                && (error = occi_text_parse_categories(pool, field->value, 64, categories))) {
                return occi_refuse(req, HTTP_BAD_REQUEST, apr_pstrcat(
                                           pool, "Category filter: ", error, NULL));
            }
        }
        for (i = 0; i < categories->nelts; i++) {
            APR_ARRAY_PUSH(filter->categories, const char *) = occi_category_type_id(
                pool, APR_ARRAY_IDX(categories, i, const occi_category *));
        }
        for (i = 0; i < fields->nelts; i++) {
            const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

            if (!strcmp(field->name, "X-OCCI-Attribute")) {
                apr_array_header_t *one = apr_array_make(pool, 2, sizeof(occi_text_field));
                occi_text_field *kind = apr_array_push(one);

                /* A dummy kind lets the entity parser read the attributes. */
                kind->name = "Category";
                kind->value = "filter; scheme=\"urn:x-filter#\"; class=\"kind\"";
                *(occi_text_field *)apr_array_push(one) = *field;
                if ((error = occi_text_parse_entity(pool, one, &named))) {
                    return occi_refuse(req, HTTP_BAD_REQUEST, apr_pstrcat(
                                               pool, "X-OCCI-Attribute filter: ", error, NULL));
                }
                apr_array_cat(filter->attributes, named->attributes);
            }
        }
    }
    {
        const apr_array_header_t *params = apr_table_elts(req->query);
        apr_array_header_t *checked = apr_array_make(pool, 1, sizeof(occi_category_filter));

        for (i = 0; i < params->nelts; i++) {
            const apr_table_entry_t *param = &APR_ARRAY_IDX(params, i, apr_table_entry_t);

            if (strcmp(param->key, "category")) {
                continue;
            }
            if ((error = occi_discovery_filter_type_id(pool, param->val, checked))) {
                return occi_refuse(req, HTTP_BAD_REQUEST, error);
            }
            APR_ARRAY_PUSH(filter->categories, const char *) = param->val;
        }
    }
    if (attribute || value) {
        if (!attribute || !value) {
            return occi_refuse(req, HTTP_BAD_REQUEST, "the query filters by attribute= "
                                   "and value= together");
        }
        if (req->conf->hypervisor && occi_state_is_attribute(attribute)) {
            /* A state lives on the hypervisor, not in the store. */
            occi_attribute_value *wanted = apr_array_push(filter->attributes);

            wanted->name = attribute;
            memset(&wanted->value, 0, sizeof(wanted->value));
            wanted->value.type = OCCI_TYPE_STRING;
            wanted->value.string = value;
        }
        else {
            query->attribute = attribute;
            query->value = canonical_number(req, attribute, value);
        }
    }
    return OK;
}

/* Whether any attribute of the filter is one a hypervisor keeps. */
static int filters_on_state(const entity_filter *filter)
{
    int i;

    for (i = 0; i < filter->attributes->nelts; i++) {
        if (occi_state_is_attribute(APR_ARRAY_IDX(filter->attributes, i,
                                             occi_attribute_value).name)) {
            return 1;
        }
    }
    return 0;
}

static int carries_any(const occi_entity *entity, const apr_array_header_t *type_ids)
{
    int i;

    for (i = 0; i < type_ids->nelts; i++) {
        const char *wanted = APR_ARRAY_IDX(type_ids, i, const char *);

        if (!strcmp(entity->kind, wanted) || occi_entity_has_mixin(entity, wanted)) {
            return 1;
        }
    }
    return 0;
}

static int entity_matches(const occi_entity *entity, const entity_filter *filter)
{
    int i, any = filter->categories->nelts == 0;

    if (filter->scope && !carries_any(entity, filter->scope)) {
        return 0;
    }
    for (i = 0; !any && i < filter->categories->nelts; i++) {
        const char *wanted = APR_ARRAY_IDX(filter->categories, i, const char *);

        any = !strcmp(entity->kind, wanted) || occi_entity_has_mixin(entity, wanted);
    }
    if (!any) {
        return 0;
    }
    for (i = 0; i < filter->attributes->nelts; i++) {
        const occi_attribute_value *wanted = &APR_ARRAY_IDX(filter->attributes, i,
                                                            occi_attribute_value);
        const occi_value *value = occi_entity_get(entity, wanted->name);

        if (!value || !occi_value_equal(value, &wanted->value)) {
            return 0;
        }
    }
    return 1;
}

/* The kinds and mixins (type ids) located below an unbound path: the
 * collections whose union it stands for. */
static apr_array_header_t *categories_below(occi_request *req, const char *path)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *below = apr_array_make(pool, 8, sizeof(const char *));
    size_t len = strlen(path);
    int i, n = occi_model_count(req->model);

    for (i = 0; i < n; i++) {
        const occi_category *category = occi_model_at(req->model, i);

        if (category->location && !strncmp(category->location, path, len)) {
            APR_ARRAY_PUSH(below, const char *) = occi_category_type_id(pool, category);
        }
    }
    for (i = 0; req->user_mixins && i < req->user_mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(req->user_mixins, i, const occi_category *);

        if (!strncmp(mixin->location, path, len)) {
            APR_ARRAY_PUSH(below, const char *) = occi_category_type_id(pool, mixin);
        }
    }
    return below;
}

static int depends_on(const occi_category *mixin, const char *type_id)
{
    const char *const *d;

    for (d = mixin->depends; d && *d; d++) {
        if (!strcmp(*d, type_id)) {
            return 1;
        }
    }
    return 0;
}

/* The mixins that depend on mixin (the provider's OS templates on os_tpl,
 * say), whose members belong to its collection too. */
static apr_array_header_t *dependent_mixins(occi_request *req, const char *mixin)
{
    apr_pool_t *pool = req->r->pool;
    apr_array_header_t *dependents = apr_array_make(pool, 4, sizeof(const char *));
    int i, n = occi_model_count(req->model);

    for (i = 0; i < n; i++) {
        const occi_category *category = occi_model_at(req->model, i);

        if (category->cls == OCCI_CLASS_MIXIN && depends_on(category, mixin)) {
            APR_ARRAY_PUSH(dependents, const char *) = occi_category_type_id(pool, category);
        }
    }
    for (i = 0; req->user_mixins && i < req->user_mixins->nelts; i++) {
        const occi_category *category = APR_ARRAY_IDX(req->user_mixins, i, const occi_category *);

        if (depends_on(category, mixin)) {
            APR_ARRAY_PUSH(dependents, const char *) = occi_category_type_id(pool, category);
        }
    }
    return dependents;
}

/* What a listing asks the store, and what it filters in memory. */
struct occi_listing {
    occi_store_query query;
    entity_filter filter;
    int in_memory;                 /* filters the store cannot apply */
    int offset, limit;             /* the page, cut here when in_memory */
    long long last;                /* the store's position after the last chunk */
    int done;
};

/* The query and filters of a collection route for this request. */
static int listing_start(occi_request *req, const occi_route *route, int paged,
                         occi_listing *listing)
{
    apr_pool_t *pool = req->r->pool;
    occi_store_query *query = &listing->query;
    int status;

    memset(listing, 0, sizeof(*listing));
    query->owner = req->scope;
    if (route->type == OCCI_ROUTE_KIND_COLLECTION) {
        query->kind = occi_category_type_id(pool, route->category);
    }
    else if (route->type == OCCI_ROUTE_MIXIN_COLLECTION) {
        query->mixin = occi_category_type_id(pool, route->category);
    }
    if ((status = read_filter(req, &listing->filter, query)) != OK) {
        return status;
    }
    if (route->type == OCCI_ROUTE_UNBOUND && strcmp(req->path, "/")) {
        listing->filter.scope = categories_below(req, req->path);
    }
    if (route->type == OCCI_ROUTE_MIXIN_COLLECTION) {
        apr_array_header_t *dependents = dependent_mixins(req, query->mixin);

        if (dependents->nelts) {
            /* Members of the mixin or of any mixin depending on it. */
            APR_ARRAY_PUSH(dependents, const char *) = query->mixin;
            listing->filter.scope = dependents;
            query->mixin = NULL;
        }
    }
    if (paged && (status = read_page(req, query)) != OK) {
        return status;
    }
    /* Header filters are applied here, so then the page is cut here too. */
    listing->in_memory = listing->filter.categories->nelts
                         || listing->filter.attributes->nelts || listing->filter.scope;
    listing->offset = query->offset;
    listing->limit = query->limit;
    if (listing->in_memory) {
        query->offset = 0;
        query->limit = 0;
    }
    return OK;
}

/* The members among found that pass the filters kept in memory. */
static int filter_members(occi_request *req, occi_listing *listing, apr_pool_t *pool,
                          apr_array_header_t *found, apr_array_header_t **members)
{
    int i;

    if (filters_on_state(&listing->filter)) {
        occi_result result = occi_service_observe(occi_service_for(req), pool, found);

        if (result.cls != OCCI_RESULT_OK) {
            return occi_refuse_result(req, &result);
        }
    }
    *members = apr_array_make(pool, found->nelts, sizeof(occi_entity *));
    for (i = 0; i < found->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(found, i, occi_entity *);

        if (entity_matches(entity, &listing->filter)) {
            if (listing->offset > 0) {
                listing->offset--;
                continue;
            }
            if (listing->limit > 0 && (*members)->nelts >= listing->limit) {
                break;
            }
            APR_ARRAY_PUSH(*members, occi_entity *) = entity;
        }
    }
    return OK;
}

/* The entities a collection GET (or a collection action) covers. */
int occi_list_members(occi_request *req, const occi_route *route, int paged,
                        apr_array_header_t **members)
{
    occi_listing listing;
    occi_result result;
    apr_array_header_t *found;
    int status;

    if ((status = listing_start(req, route, paged, &listing)) != OK) {
        return status;
    }
    result = occi_service_list(occi_service_for(req), req->r->pool, &listing.query, &found);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    if (!listing.in_memory) {
        *members = found;
        return OK;
    }
    return filter_members(req, &listing, req->r->pool, found, members);
}

int occi_listing_open(occi_request *req, const occi_route *route, occi_listing **listing)
{
    *listing = apr_palloc(req->r->pool, sizeof(**listing));
    return listing_start(req, route, 0, *listing);
}

void occi_listing_rewind(occi_listing *listing)
{
    listing->last = 0;
    listing->done = 0;
}

int occi_listing_next(occi_request *req, occi_listing *listing, apr_pool_t *pool, int rows,
                      apr_array_header_t **members)
{
    occi_result result;
    apr_array_header_t *found;

    if (listing->done) {
        *members = apr_array_make(pool, 0, sizeof(occi_entity *));
        return OK;
    }
    listing->query.after = listing->last;
    listing->query.last = &listing->last;
    listing->query.limit = rows;
    result = occi_service_list(occi_service_for(req), pool, &listing->query, &found);
    listing->query.last = NULL;
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    listing->done = found->nelts < rows || listing->last == 0;
    if (!listing->in_memory) {
        *members = found;
        return OK;
    }
    return filter_members(req, listing, pool, found, members);
}

int occi_listing_done(const occi_listing *listing)
{
    return listing->done;
}
