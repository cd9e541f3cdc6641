/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A JSON action invocation (GFD.226 §3.4): {"action": ..., "attributes":
 * {...}}, parsed and checked against the action's definition.
 */
#include "fuzz.h"
#include "occi_entity_json.h"
#include "occi_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool = fuzz_begin();
    occi_validation validation = { fuzz_model(), NULL };
    const char *action;
    apr_array_header_t *parameters;

    if (!occi_json_parse_action(pool, (const char *)data, size, &action, &parameters)) {
        occi_validate_action(pool, &validation, action, parameters);
    }
    return fuzz_end(pool, NULL);
}
