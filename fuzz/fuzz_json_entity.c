/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON rendering (GFD.226) of what a client sends: entities and
 * collections of them, mixin association bodies and category documents
 * (user mixins). Parsed entities are validated and, when the server would
 * accept them, rendered in JSON and text, which must parse again.
 */
#include "fuzz.h"
#include "occi_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool = fuzz_begin();
    const char *text = (const char *)data;
    occi_render_context context = { fuzz_model(), "", NULL };
    apr_array_header_t *entities = apr_array_make(pool, 2, sizeof(occi_entity *));
    apr_array_header_t *locations = apr_array_make(pool, 2, sizeof(const char *));
    apr_array_header_t *categories = apr_array_make(pool, 2, sizeof(occi_category *));
    int i;

    if (!occi_json_parse_entities(pool, text, size, entities)) {
        occi_json_render_collection(pool, &context, entities, NULL);
        for (i = 0; i < entities->nelts; i++) {
            occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

            if (fuzz_accepted(pool, entity)) {
                fuzz_render_both(pool, entity);
            }
        }
    }
    occi_json_parse_locations(pool, text, size, locations);
    if (!occi_json_parse_categories(pool, text, size, categories)) {
        occi_json_categories(pool, categories, "/occi", OCCI_JSON_PATTERN_SCHEMA);
    }
    return fuzz_end(pool, NULL);
}
