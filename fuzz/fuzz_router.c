/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request paths, relative to the mount point, routed through the model
 * (GFD.223 §3.1).
 */
#include "fuzz.h"
#include "occi_router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool = fuzz_begin();
    char *path = fuzz_string(data, size);
    occi_route route;

    occi_route_path(pool, fuzz_model(), path, &route);
    occi_route_methods(&route);
    occi_uuid_is_valid(path);
    return fuzz_end(pool, path);
}
