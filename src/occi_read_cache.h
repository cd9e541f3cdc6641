/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process's cache of the rows that reads of single entities returned,
 * for a store that several processes and nodes change (PostgreSQL).
 *
 * Reading one entity costs two round trips to the database (its row, and
 * its links' rows); this cache answers them from memory while nothing has
 * changed since. "Nothing has changed" is known from two counters:
 *   - the node's count of changes, in memory shared by the processes of
 *     one httpd: a process raises it after each change it commits, before
 *     it answers the client, so that any process of the node reads the
 *     change at once;
 *   - the process's own count of changes announced by the database (a
 *     session that listens for the notification the database sends when
 *     any session commits a change of the entities, whichever node or
 *     program made it), raised by occi_read_cache_changed().
 * When either moved since the cache was filled, the cache is emptied
 * before it answers anything. While the listening session is down
 * (occi_read_cache_set_listening(cache, 0)) nothing is cached: the
 * announcements it would miss could leave a row out of date.
 *
 * A reader that fills the cache takes a stamp before it asks the database
 * and stores what it read only if the stamp still holds: a change
 * committed while it read is never hidden behind rows read before it.
 *
 * Thread-safe. Memory is bounded: when the rows held would pass the
 * configured size, the cache is emptied and starts again.
 */
#ifndef OCCI_READ_CACHE_H
#define OCCI_READ_CACHE_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct occi_read_cache occi_read_cache;

/* A cache of at most max_bytes of rows, from a pool of its own under
 * pool (the child's). node_changes is the node's shared count of changes
 * (NULL: a count of this process only). NULL when no lock can be made.
 * The cache starts not listening: it caches nothing until told. */
occi_read_cache *occi_read_cache_create(apr_pool_t *pool, volatile apr_uint32_t *node_changes,
                                        apr_size_t max_bytes);

/* Whether announcements of changes reach this process now. Either way
 * the cache is emptied: rows kept from before a gap in the announcements
 * may be out of date. */
void occi_read_cache_set_listening(occi_read_cache *cache, int listening);

/* The database announced a change: what is cached is out of date. */
void occi_read_cache_changed(occi_read_cache *cache);

/* This process committed a change: raises the node's count. */
void occi_read_cache_committed(occi_read_cache *cache);

/* Taken before reading the database for key; 0 when nothing may be
 * cached now (not listening). */
apr_uint64_t occi_read_cache_stamp(occi_read_cache *cache);

/* The rows cached for key (const char ** of columns values, NULL for SQL
 * NULL), copied into pool; NULL when none are. */
apr_array_header_t *occi_read_cache_get(occi_read_cache *cache, apr_pool_t *pool,
                                        const char *key, int columns);

/* Keeps a copy of rows (each of columns values) for key, unless stamp no
 * longer holds or the rows alone pass the cache's size. */
void occi_read_cache_put(occi_read_cache *cache, const char *key, int columns,
                         const apr_array_header_t *rows, apr_uint64_t stamp);

/* What the cache has done, for the tests. */
typedef struct {
    apr_uint64_t hits, misses, emptied;
    apr_size_t bytes;
} occi_read_cache_counts;
void occi_read_cache_counts_get(occi_read_cache *cache, occi_read_cache_counts *counts);

#endif
