/* SPDX-License-Identifier: Apache-2.0 */
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "occi_render_cache.h"

struct occi_render_cache {
    apr_pool_t *pool;
    apr_thread_mutex_t *lock;
    apr_hash_t *documents;      /* "<media type> <base>" -> cached_document */
};

typedef struct {
    const char *text;
    apr_size_t len;
} cached_document;

occi_render_cache *occi_render_cache_create(apr_pool_t *pool)
{
    occi_render_cache *cache = apr_pcalloc(pool, sizeof(*cache));

    if (apr_thread_mutex_create(&cache->lock, APR_THREAD_MUTEX_DEFAULT, pool) != APR_SUCCESS) {
        return NULL;
    }
    cache->pool = pool;
    cache->documents = apr_hash_make(pool);
    return cache;
}

/* The key is built on the stack: a lookup allocates nothing. */
#define KEY_MAX 512

static int make_key(char *key, int media_type, const char *base)
{
    int len = apr_snprintf(key, KEY_MAX, "%d %s", media_type, base);

    return len < KEY_MAX - 1 ? len : -1;
}

const char *occi_render_cache_get(occi_render_cache *cache, const char *base, int media_type,
                                  apr_size_t *len)
{
    char key[KEY_MAX];
    int key_len = make_key(key, media_type, base);
    const cached_document *document;

    if (key_len < 0) {
        return NULL;
    }
    apr_thread_mutex_lock(cache->lock);
    document = apr_hash_get(cache->documents, key, key_len);
    apr_thread_mutex_unlock(cache->lock);
    if (!document) {
        return NULL;
    }
    *len = document->len;
    return document->text;
}

const char *occi_render_cache_put(occi_render_cache *cache, const char *base, int media_type,
                                  const char *text, apr_size_t len)
{
    char key[KEY_MAX];
    int key_len = make_key(key, media_type, base);
    cached_document *document;

    if (key_len < 0) {
        return text;             /* an absurdly long mount path: not cached */
    }
    apr_thread_mutex_lock(cache->lock);
    document = apr_hash_get(cache->documents, key, key_len);
    if (!document) {
        /* Another thread may have rendered the same document meanwhile;
         * the first one stored wins and the pool grows only once. */
        document = apr_palloc(cache->pool, sizeof(*document));
        document->text = apr_pstrmemdup(cache->pool, text, len);
        document->len = len;
        apr_hash_set(cache->documents, apr_pstrmemdup(cache->pool, key, key_len), key_len,
                     document);
    }
    apr_thread_mutex_unlock(cache->lock);
    return document->text;
}
