/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finished renderings of the whole query interface, kept per mount path
 * and media type. The model does not change once httpd has started, so
 * each process renders each document once; building the JSON document
 * with json-c costs about ten times what sending it does.
 *
 * Thread-safe: lookups and insertions take a mutex. The number of entries
 * is bounded by the configuration (mount paths come from <Location>
 * sections, never from a client), so the cache never grows per request.
 */
#ifndef OCCI_RENDER_CACHE_H
#define OCCI_RENDER_CACHE_H

#include <apr_pools.h>

typedef struct occi_render_cache occi_render_cache;

/* A cache whose memory comes from pool, which must outlive every request
 * that uses it (httpd's child pool). Returns NULL if no mutex can be made. */
occi_render_cache *occi_render_cache_create(apr_pool_t *pool);

/* The document cached for (base, media type), or NULL. */
const char *occi_render_cache_get(occi_render_cache *cache, const char *base, int media_type,
                                  apr_size_t *len);

/* Stores a copy of document unless one is already there; returns the
 * cached copy. */
const char *occi_render_cache_put(occi_render_cache *cache, const char *base, int media_type,
                                  const char *document, apr_size_t len);

#endif
