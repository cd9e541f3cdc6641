/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group sync: one fdatasync of SQLite's write-ahead log for every commit
 * made since the last one, done outside every lock.
 *
 * With synchronous=FULL, SQLite syncs the log inside each COMMIT. apr_dbd's
 * SQLite driver runs every call of a process under one mutex, so while one
 * writer waited for the disk no other thread of the process could read or
 * write the database: commits were serialised one disk flush each.
 * Instead, connections in WAL mode commit with synchronous=NORMAL (the log
 * is written, not synced), and the request then waits here, after the
 * mutex and the write gate are released, until one sync of the log covers
 * its commit. The first waiter to arrive syncs for every commit written
 * so far; those behind it wait for that sync or do the next. The client's
 * answer still comes only after its change is on disk, as with FULL; what
 * differs is that another client can read a change a few hundred
 * microseconds before it is durable.
 *
 * SQLite keeps the log's name: the database's path followed by "-wal".
 * The log is opened for each sync, so a log that SQLite removed and made
 * again (when every connection closed) is the one synced.
 */
#ifndef OCCI_GROUP_SYNC_H
#define OCCI_GROUP_SYNC_H

#include <apr_pools.h>

typedef struct occi_group_sync occi_group_sync;

/* Syncs of the file at path; NULL if no mutex can be made. */
occi_group_sync *occi_group_sync_create(apr_pool_t *pool, const char *path);

/* The file's path. */
const char *occi_group_sync_path(const occi_group_sync *sync);

/* Called by a writer once its commit has returned (its part of the log
 * is written): the ticket to wait for. Every sync that begins after this
 * covers that commit. */
apr_uint64_t occi_group_sync_written(occi_group_sync *sync);

/* Returns once a sync that began after the commit of ticket has ended:
 * APR_SUCCESS, or the error of the sync this caller made itself. */
apr_status_t occi_group_sync_wait(occi_group_sync *sync, apr_uint64_t ticket);

/* How many syncs of the file have succeeded so far. */
apr_uint64_t occi_group_sync_count(occi_group_sync *sync);

#endif
