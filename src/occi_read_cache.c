/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "occi_read_cache.h"

struct occi_read_cache {
    apr_thread_mutex_t *lock;
    volatile apr_uint32_t *node_changes;
    apr_uint32_t own_changes;       /* node_changes without shared memory */
    apr_uint32_t announced;         /* changes the database announced */
    int listening;
    apr_pool_t *entries_pool;       /* cleared whenever the cache is emptied */
    apr_hash_t *entries;            /* key -> cached_rows */
    apr_uint64_t filled_at;         /* the stamp the entries were read at */
    apr_size_t bytes, max_bytes;
    occi_read_cache_counts counts;
};

typedef struct {
    apr_array_header_t *rows;
    int columns;
} cached_rows;

occi_read_cache *occi_read_cache_create(apr_pool_t *pool, volatile apr_uint32_t *node_changes,
                                        apr_size_t max_bytes)
{
    occi_read_cache *cache = apr_pcalloc(pool, sizeof(*cache));

    if (apr_thread_mutex_create(&cache->lock, APR_THREAD_MUTEX_DEFAULT, pool) != APR_SUCCESS
        || apr_pool_create(&cache->entries_pool, pool) != APR_SUCCESS) {
        return NULL;
    }
    cache->node_changes = node_changes ? node_changes : &cache->own_changes;
    cache->entries = apr_hash_make(cache->entries_pool);
    cache->max_bytes = max_bytes;
    cache->announced = 1;
    return cache;
}

/* Both counts in one number; never 0, which means "cache nothing". */
static apr_uint64_t current_stamp(occi_read_cache *cache)
{
    return ((apr_uint64_t)cache->announced << 32) | apr_atomic_read32(cache->node_changes);
}

/* Called with the lock held. */
static void empty(occi_read_cache *cache)
{
    if (cache->bytes || apr_hash_count(cache->entries)) {
        apr_pool_clear(cache->entries_pool);
        cache->entries = apr_hash_make(cache->entries_pool);
        cache->bytes = 0;
        cache->counts.emptied++;
    }
}

/* Called with the lock held: the announced count moves on, skipping the
 * value whose stamp could read as 0. */
static void announce(occi_read_cache *cache)
{
    if (++cache->announced == 0) {
        cache->announced = 1;
    }
    empty(cache);
}

void occi_read_cache_set_listening(occi_read_cache *cache, int listening)
{
    apr_thread_mutex_lock(cache->lock);
    cache->listening = listening;
    announce(cache);
    apr_thread_mutex_unlock(cache->lock);
}

void occi_read_cache_changed(occi_read_cache *cache)
{
    apr_thread_mutex_lock(cache->lock);
    announce(cache);
    apr_thread_mutex_unlock(cache->lock);
}

void occi_read_cache_committed(occi_read_cache *cache)
{
    apr_atomic_inc32(cache->node_changes);
}

apr_uint64_t occi_read_cache_stamp(occi_read_cache *cache)
{
    apr_uint64_t stamp;

    apr_thread_mutex_lock(cache->lock);
    stamp = cache->listening ? current_stamp(cache) : 0;
    apr_thread_mutex_unlock(cache->lock);
    return stamp;
}

/* What copy_rows() takes from a pool for rows, near enough to bound the
 * cache (the pool's own overhead aside). */
static apr_size_t rows_size(const apr_array_header_t *rows, int columns)
{
    apr_size_t size = sizeof(*rows) + sizeof(const char **) * (apr_size_t)rows->nelts;
    int i, j;

    for (i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);

        size += sizeof(*row) * (apr_size_t)(columns + 1);
        for (j = 0; j < columns; j++) {
            size += row[j] ? strlen(row[j]) + 1 : 0;
        }
    }
    return size;
}

static apr_array_header_t *copy_rows(apr_pool_t *pool, const apr_array_header_t *rows,
                                     int columns)
{
    apr_array_header_t *copy = apr_array_make(pool, rows->nelts ? rows->nelts : 1,
                                              sizeof(const char **));
    int i, j;

    for (i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        const char **values = apr_pcalloc(pool, sizeof(*values) * (apr_size_t)(columns + 1));

        for (j = 0; j < columns; j++) {
            values[j] = row[j] ? apr_pstrdup(pool, row[j]) : NULL;
        }
        APR_ARRAY_PUSH(copy, const char **) = values;
    }
    return copy;
}

apr_array_header_t *occi_read_cache_get(occi_read_cache *cache, apr_pool_t *pool,
                                        const char *key, int columns)
{
    const cached_rows *found = NULL;
    apr_array_header_t *rows = NULL;

    apr_thread_mutex_lock(cache->lock);
    if (cache->listening) {
        apr_uint64_t now = current_stamp(cache);

        if (cache->filled_at != now) {
            empty(cache);
            cache->filled_at = now;
        }
        found = apr_hash_get(cache->entries, key, APR_HASH_KEY_STRING);
        if (found && found->columns == columns) {
            /* Copied under the lock: emptying the cache frees its rows. */
            rows = copy_rows(pool, found->rows, columns);
            cache->counts.hits++;
        }
        else {
            cache->counts.misses++;
        }
    }
    apr_thread_mutex_unlock(cache->lock);
    return rows;
}

void occi_read_cache_put(occi_read_cache *cache, const char *key, int columns,
                         const apr_array_header_t *rows, apr_uint64_t stamp)
{
    cached_rows *entry;
    apr_size_t size;

    if (!stamp) {
        return;
    }
    apr_thread_mutex_lock(cache->lock);
    if (!cache->listening || stamp != current_stamp(cache)) {
        apr_thread_mutex_unlock(cache->lock);
        return;
    }
    if (cache->filled_at != stamp) {
        empty(cache);
        cache->filled_at = stamp;
    }
    size = rows_size(rows, columns) + strlen(key) + 1 + sizeof(*entry);
    if (size <= cache->max_bytes && !apr_hash_get(cache->entries, key, APR_HASH_KEY_STRING)) {
        if (cache->bytes + size > cache->max_bytes) {
            empty(cache);
        }
        entry = apr_palloc(cache->entries_pool, sizeof(*entry));
        entry->rows = copy_rows(cache->entries_pool, rows, columns);
        entry->columns = columns;
        apr_hash_set(cache->entries, apr_pstrdup(cache->entries_pool, key), APR_HASH_KEY_STRING,
                     entry);
        cache->bytes += size;
    }
    apr_thread_mutex_unlock(cache->lock);
}

void occi_read_cache_counts_get(occi_read_cache *cache, occi_read_cache_counts *counts)
{
    apr_thread_mutex_lock(cache->lock);
    *counts = cache->counts;
    counts->bytes = cache->bytes;
    apr_thread_mutex_unlock(cache->lock);
}
