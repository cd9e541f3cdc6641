/* SPDX-License-Identifier: Apache-2.0 */
/* The per-process read cache of entities' rows: when rows are kept, when
 * they are dropped, and that a reader never sees rows older than a change
 * that was told before it read. */
#include <stdlib.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_thread_proc.h>

#include "tap.h"
#include "occi_read_cache.h"

#define KEY "occi_entity_get\x1f" "4f6c8a1e-3b2d-4c5e-9f01-23456789abcd"

/* One row of two columns, the second NULL unless second is given. */
static apr_array_header_t *one_row(apr_pool_t *pool, const char *first, const char *second)
{
    apr_array_header_t *rows = apr_array_make(pool, 1, sizeof(const char **));
    const char **row = apr_pcalloc(pool, 3 * sizeof(*row));

    row[0] = first;
    row[1] = second;
    APR_ARRAY_PUSH(rows, const char **) = row;
    return rows;
}

static const char *first_value(const apr_array_header_t *rows)
{
    return rows && rows->nelts ? APR_ARRAY_IDX(rows, 0, const char **)[0] : NULL;
}

static void test_keeping(apr_pool_t *pool)
{
    volatile apr_uint32_t node_changes = 0;
    occi_read_cache *cache = occi_read_cache_create(pool, &node_changes, 1 << 20);
    occi_read_cache *other_child = occi_read_cache_create(pool, &node_changes, 1 << 20);
    apr_array_header_t *rows;
    apr_uint64_t stamp;
    occi_read_cache_counts counts;

    tap_ok(cache && other_child, "caches are made");
    tap_ok(occi_read_cache_stamp(cache) == 0, "not listening: the stamp says cache nothing");
    occi_read_cache_put(cache, KEY, 2, one_row(pool, "v1", NULL), occi_read_cache_stamp(cache));
    tap_ok(occi_read_cache_get(cache, pool, KEY, 2) == NULL, "not listening: nothing is kept");

    occi_read_cache_set_listening(cache, 1);
    occi_read_cache_set_listening(other_child, 1);
    stamp = occi_read_cache_stamp(cache);
    tap_ok(stamp != 0, "listening: a stamp");
    occi_read_cache_put(cache, KEY, 2, one_row(pool, "v1", NULL), stamp);
    rows = occi_read_cache_get(cache, pool, KEY, 2);
    tap_is_str(first_value(rows), "v1", "listening: the rows are kept");
    tap_ok(rows && APR_ARRAY_IDX(rows, 0, const char **)[1] == NULL, "SQL NULL stays NULL");
    tap_ok(occi_read_cache_get(cache, pool, KEY, 3) == NULL,
           "asked with another number of columns: not found");
    tap_ok(occi_read_cache_get(cache, pool, "occi_links_from\x1f" "x", 2) == NULL,
           "another key: not found");

    occi_read_cache_changed(cache);
    tap_ok(occi_read_cache_get(cache, pool, KEY, 2) == NULL,
           "a change announced by the database drops the rows");
    occi_read_cache_put(cache, KEY, 2, one_row(pool, "v1", NULL), stamp);
    tap_ok(occi_read_cache_get(cache, pool, KEY, 2) == NULL,
           "rows read before the announcement are not kept");

    stamp = occi_read_cache_stamp(other_child);
    occi_read_cache_put(other_child, KEY, 2, one_row(pool, "v2", NULL), stamp);
    tap_is_str(first_value(occi_read_cache_get(other_child, pool, KEY, 2)), "v2",
               "another child keeps its rows");
    occi_read_cache_committed(cache);
    tap_ok(occi_read_cache_get(other_child, pool, KEY, 2) == NULL,
           "a change committed by a child of the same node drops the other child's rows");
    occi_read_cache_put(other_child, KEY, 2, one_row(pool, "v2", NULL), stamp);
    tap_ok(occi_read_cache_get(other_child, pool, KEY, 2) == NULL,
           "and its rows read before that change are not kept");

    stamp = occi_read_cache_stamp(cache);
    occi_read_cache_put(cache, KEY, 2, one_row(pool, "v3", "x"), stamp);
    occi_read_cache_set_listening(cache, 0);
    tap_ok(occi_read_cache_get(cache, pool, KEY, 2) == NULL,
           "the listening session lost: nothing is answered");
    occi_read_cache_set_listening(cache, 1);
    tap_ok(occi_read_cache_get(cache, pool, KEY, 2) == NULL,
           "listening again: rows from before the gap are gone");
    occi_read_cache_counts_get(cache, &counts);
    tap_ok(counts.hits == 1 && counts.misses >= 5, "hits and misses are counted");
}

static void test_bound(apr_pool_t *pool)
{
    occi_read_cache *cache = occi_read_cache_create(pool, NULL, 4096);
    char big[3000], key[32];
    occi_read_cache_counts counts;
    int i, kept = 0;

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    occi_read_cache_set_listening(cache, 1);
    for (i = 0; i < 20; i++) {
        apr_snprintf(key, sizeof(key), "key %d", i);
        occi_read_cache_put(cache, key, 2, one_row(pool, big, NULL), occi_read_cache_stamp(cache));
        occi_read_cache_counts_get(cache, &counts);
        tap_ok(counts.bytes <= 4096, apr_psprintf(pool, "after %d rows of 3 KB: %lu bytes kept, "
                                                  "within 4 KB", i + 1, (unsigned long)counts.bytes));
    }
    for (i = 0; i < 20; i++) {
        apr_snprintf(key, sizeof(key), "key %d", i);
        kept += occi_read_cache_get(cache, pool, key, 2) != NULL;
    }
    tap_is_int(kept, 1, "only the last one is left");
    big[sizeof(big) - 1] = 'a';
    {
        char *huge = apr_pcalloc(pool, 8192);

        memset(huge, 'b', 8191);
        occi_read_cache_put(cache, "huge", 2, one_row(pool, huge, NULL),
                            occi_read_cache_stamp(cache));
        tap_ok(occi_read_cache_get(cache, pool, "huge", 2) == NULL,
               "rows larger than the whole cache are not kept");
    }
}

/* The race: writers change the "database" (a counter), tell the cache,
 * then publish the value; readers read through the cache. A reader that
 * saw value p published must never get from the cache a value below p. */
typedef struct {
    occi_read_cache *cache;
    volatile apr_uint32_t database, published, stop;
    volatile apr_uint32_t stale, hits;
} race;

static void *APR_THREAD_FUNC writer(apr_thread_t *thread, void *data)
{
    race *r = data;
    int i;

    for (i = 0; i < 20000; i++) {
        apr_uint32_t v = apr_atomic_inc32(&r->database) + 1;

        if (i % 2) {
            occi_read_cache_committed(r->cache);   /* this node */
        }
        else {
            occi_read_cache_changed(r->cache);     /* announced by the database */
        }
        apr_atomic_set32(&r->published, v);
        /* Quiet spells, so that readers also find rows kept. */
        if (i % 100 == 0) {
            apr_sleep(1000);
        }
    }
    apr_atomic_set32(&r->stop, 1);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void *APR_THREAD_FUNC reader(apr_thread_t *thread, void *data)
{
    race *r = data;
    apr_pool_t *pool;

    apr_pool_create(&pool, NULL);
    while (!apr_atomic_read32(&r->stop)) {
        apr_uint32_t seen = apr_atomic_read32(&r->published);
        apr_array_header_t *rows = occi_read_cache_get(r->cache, pool, KEY, 1);

        if (rows) {
            apr_atomic_inc32(&r->hits);
            if ((apr_uint32_t)atol(first_value(rows)) < seen) {
                apr_atomic_inc32(&r->stale);
            }
        }
        else {
            apr_uint64_t stamp = occi_read_cache_stamp(r->cache);
            const char *value = apr_psprintf(pool, "%u", apr_atomic_read32(&r->database));

            occi_read_cache_put(r->cache, KEY, 1, one_row(pool, value, NULL), stamp);
        }
        apr_pool_clear(pool);
    }
    apr_pool_destroy(pool);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void test_race(apr_pool_t *pool)
{
    race r = { 0 };
    apr_thread_t *threads[4];
    apr_status_t status;
    int i;

    r.cache = occi_read_cache_create(pool, NULL, 1 << 20);
    occi_read_cache_set_listening(r.cache, 1);
    for (i = 0; i < 4; i++) {
        apr_thread_create(&threads[i], NULL, i ? reader : writer, &r, pool);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&status, threads[i]);
    }
    tap_is_int(r.stale, 0, apr_psprintf(pool, "20000 changes under 3 readers: no reader got rows "
                                        "older than a change told before it read (%u hits)",
                                        r.hits));
    tap_ok(r.hits > 0, "and the readers did hit the cache");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_keeping(pool);
    test_bound(pool);
    test_race(pool);
    return tap_done(pool);
}
