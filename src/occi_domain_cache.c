/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "occi_domain_cache.h"

struct occi_domain_cache {
    apr_thread_mutex_t *lock;
    apr_pool_t *entries_pool;      /* keys and entries; cleared on reset */
    apr_hash_t *entries;           /* domain UUID string -> cached_state */
    int capacity;
    int stored;                    /* entries allocated since the last reset */
    apr_interval_time_t time_to_live;
    apr_uint64_t generation;
    const void *source;            /* who delivers events; NULL: off */
};

typedef struct {
    long long revision;
    apr_time_t stored_at;
    const char *state;
    const char *message;
} cached_state;

occi_domain_cache *occi_domain_cache_create(apr_pool_t *pool, int capacity,
                                            apr_interval_time_t time_to_live)
{
    occi_domain_cache *cache = apr_pcalloc(pool, sizeof(*cache));

    if (apr_thread_mutex_create(&cache->lock, APR_THREAD_MUTEX_DEFAULT, pool) != APR_SUCCESS
        || apr_pool_create(&cache->entries_pool, pool) != APR_SUCCESS) {
        return NULL;
    }
    cache->entries = apr_hash_make(cache->entries_pool);
    cache->capacity = capacity;
    cache->time_to_live = time_to_live;
    return cache;
}

/* Drops every entry and the memory they took; the lock is held. */
static void reset(occi_domain_cache *cache)
{
    apr_pool_clear(cache->entries_pool);
    cache->entries = apr_hash_make(cache->entries_pool);
    cache->stored = 0;
    cache->generation++;
}

void occi_domain_cache_enable(occi_domain_cache *cache, const void *source)
{
    apr_thread_mutex_lock(cache->lock);
    reset(cache);
    cache->source = source;
    apr_thread_mutex_unlock(cache->lock);
}

void occi_domain_cache_disable(occi_domain_cache *cache, const void *source)
{
    apr_thread_mutex_lock(cache->lock);
    if (!source || source == cache->source) {
        reset(cache);
        cache->source = NULL;
    }
    apr_thread_mutex_unlock(cache->lock);
}

apr_uint64_t occi_domain_cache_generation(occi_domain_cache *cache)
{
    apr_uint64_t generation;

    apr_thread_mutex_lock(cache->lock);
    generation = cache->generation;
    apr_thread_mutex_unlock(cache->lock);
    return generation;
}

int occi_domain_cache_lookup(occi_domain_cache *cache, const char *id, long long revision,
                             apr_time_t now, const char **state, const char **message)
{
    const cached_state *entry;
    int found = 0;

    apr_thread_mutex_lock(cache->lock);
    entry = cache->source ? apr_hash_get(cache->entries, id, APR_HASH_KEY_STRING) : NULL;
    if (entry && entry->revision == revision && now - entry->stored_at < cache->time_to_live
        && now >= entry->stored_at) {
        *state = entry->state;
        *message = entry->message;
        found = 1;
    }
    apr_thread_mutex_unlock(cache->lock);
    return found;
}

void occi_domain_cache_store(occi_domain_cache *cache, const char *id, long long revision,
                             const char *state, const char *message, apr_uint64_t generation,
                             apr_time_t now)
{
    cached_state *entry;

    apr_thread_mutex_lock(cache->lock);
    if (cache->source && generation == cache->generation && cache->capacity > 0) {
        entry = apr_hash_get(cache->entries, id, APR_HASH_KEY_STRING);
        if (!entry) {
            if (cache->stored >= cache->capacity) {
                reset(cache);
                /* The caller's generation is gone with the reset; what it
                 * read is still the newest word on this domain. */
            }
            entry = apr_palloc(cache->entries_pool, sizeof(*entry));
            apr_hash_set(cache->entries, apr_pstrdup(cache->entries_pool, id),
                         APR_HASH_KEY_STRING, entry);
            cache->stored++;
        }
        entry->revision = revision;
        entry->stored_at = now;
        entry->state = state;
        entry->message = message;
    }
    apr_thread_mutex_unlock(cache->lock);
}

void occi_domain_cache_forget(occi_domain_cache *cache, const char *id)
{
    apr_thread_mutex_lock(cache->lock);
    apr_hash_set(cache->entries, id, APR_HASH_KEY_STRING, NULL);
    cache->generation++;
    apr_thread_mutex_unlock(cache->lock);
}
