/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Media types and content negotiation: parsing Accept (RFC 7231 §5.3.2)
 * and choosing among the renderings a resource can be sent in.
 */
#ifndef OCCI_NEGOTIATE_H
#define OCCI_NEGOTIATE_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    OCCI_MEDIA_NONE = -1,
    OCCI_MEDIA_TEXT_PLAIN,
    OCCI_MEDIA_TEXT_OCCI,
    OCCI_MEDIA_URI_LIST,
    OCCI_MEDIA_OCCI_JSON,
    OCCI_MEDIA_JSON,
    OCCI_MEDIA_COUNT
} occi_media_type;

/* At most this many media ranges in one Accept header. */
#define OCCI_ACCEPT_MAX_RANGES 100

/* "text/plain", "application/occi+json", ... */
const char *occi_media_type_name(occi_media_type type);

/* The media type named by a Content-Type or a directive (parameters such
 * as "; charset=utf-8" are ignored, case does not matter), or
 * OCCI_MEDIA_NONE. */
occi_media_type occi_media_type_parse(const char *value);

/* True for the two JSON media types. */
int occi_media_type_is_json(occi_media_type type);

typedef struct occi_accept occi_accept;

/* Parses an Accept header value; NULL or an empty value accepts anything.
 * Returns NULL and sets *accept, or a message naming the fault. */
const char *occi_accept_parse(apr_pool_t *pool, const char *value, occi_accept **accept);

/* The quality (0 to 1000) the client gives type; the most specific
 * matching range decides, as RFC 7231 requires. */
int occi_accept_quality(const occi_accept *accept, occi_media_type type);

/* The same for any media type named "type/subtype" (letter case does not
 * matter), such as text/html, which no OCCI rendering uses. */
int occi_accept_quality_of(const occi_accept *accept, const char *name);

/* True when the header was absent or empty, or only said * / *. */
int occi_accept_is_wildcard(const occi_accept *accept);

/* The best of offered (in the server's order of preference) for the
 * client, or OCCI_MEDIA_NONE when the client accepts none of them. */
occi_media_type occi_accept_choose(const occi_accept *accept, const occi_media_type *offered,
                                   int n_offered);

#endif
