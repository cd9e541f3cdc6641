/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text rendering (GFD.229) as a client sends it: a text/plain body,
 * the same lines as text/occi headers, and a text/uri-list body. Whatever
 * parses is also validated against the model and, when the server would
 * accept it, rendered in text and JSON, which must parse again.
 */
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "fuzz.h"
#include "occi_entity_text.h"
#include "occi_text.h"
#include "occi_validate.h"

/* Every parser that reads fields, as the handlers call them. */
static void parse_fields(apr_pool_t *pool, const apr_array_header_t *fields)
{
    occi_validation validation = { fuzz_model(), NULL };
    occi_entity *entity = NULL;
    const char *action;
    apr_array_header_t *parameters;
    apr_array_header_t *list = apr_array_make(pool, 4, sizeof(const char *));
    int i;

    if (!occi_text_parse_entity(pool, fields, &entity) && fuzz_accepted(pool, entity)) {
        fuzz_render_both(pool, entity);
    }
    if (!occi_text_parse_action(pool, fields, &action, &parameters)) {
        occi_validate_action(pool, &validation, action, parameters);
    }
    occi_text_parse_locations(pool, fields, list);
    for (i = 0; i < fields->nelts; i++) {
        const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);
        apr_array_header_t *categories = apr_array_make(pool, 2, sizeof(occi_category *));
        int j;

        if (strcmp(field->name, "Category")
            || occi_text_parse_categories(pool, field->value, 64, categories)) {
            continue;
        }
        for (j = 0; j < categories->nelts; j++) {
            occi_text_category(pool, APR_ARRAY_IDX(categories, j, occi_category *), "/occi");
        }
    }
}

/* The input's lines as httpd gives text/occi headers to the module: the
 * four OCCI names, values with leading blanks removed, any byte but NUL,
 * CR and LF (no UTF-8 check, unlike a text/plain body). */
static apr_array_header_t *header_fields(apr_pool_t *pool, const char *input)
{
    static const char *const names[] = { "Category", "Link", "X-OCCI-Attribute",
                                         "X-OCCI-Location" };
    apr_array_header_t *fields = apr_array_make(pool, 8, sizeof(occi_text_field));
    const char *line = input;

    while (*line) {
        size_t len = strcspn(line, "\r\n");
        const char *colon = memchr(line, ':', len);
        size_t i;

        for (i = 0; colon && i < sizeof(names) / sizeof(names[0]); i++) {
            if ((size_t)(colon - line) == strlen(names[i])
                && !strncasecmp(line, names[i], strlen(names[i]))) {
                const char *value = colon + 1;
                occi_text_field *field = apr_array_push(fields);

                while (value < line + len && (*value == ' ' || *value == '\t')) {
                    value++;
                }
                field->name = names[i];
                field->value = apr_pstrmemdup(pool, value, (apr_size_t)(line + len - value));
            }
        }
        line += len;
        line += strspn(line, "\r\n");
    }
    return fields;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool = fuzz_begin();
    char *input = fuzz_string(data, size);
    apr_array_header_t *fields = apr_array_make(pool, 8, sizeof(occi_text_field));
    apr_array_header_t *locations = apr_array_make(pool, 4, sizeof(const char *));

    if (!occi_text_parse_body(pool, (const char *)data, size, fields)) {
        parse_fields(pool, fields);
    }
    parse_fields(pool, header_fields(pool, input));
    occi_text_parse_uri_list(pool, (const char *)data, size, locations);
    return fuzz_end(pool, input);
}
