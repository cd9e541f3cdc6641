/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accept and Content-Type header values: the media type of a body, and
 * content negotiation among the renderings the server offers.
 */
#include "fuzz.h"
#include "occi_negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const occi_media_type offered[] = { OCCI_MEDIA_TEXT_PLAIN, OCCI_MEDIA_TEXT_OCCI,
                                               OCCI_MEDIA_URI_LIST, OCCI_MEDIA_OCCI_JSON,
                                               OCCI_MEDIA_JSON };
    apr_pool_t *pool = fuzz_begin();
    char *value = fuzz_string(data, size);
    occi_accept *accept;
    int i;

    occi_media_type_is_json(occi_media_type_parse(value));
    if (!occi_accept_parse(pool, value, &accept)) {
        occi_accept_is_wildcard(accept);
        for (i = 0; i < OCCI_MEDIA_COUNT; i++) {
            occi_accept_quality(accept, (occi_media_type)i);
            occi_accept_choose(accept, offered + i, OCCI_MEDIA_COUNT - i);
        }
    }
    return fuzz_end(pool, value);
}
