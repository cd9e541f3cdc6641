/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A PostgreSQL session that the server has closed, found before a request
 * uses it.
 *
 * When PostgreSQL restarts (or an administrator ends a backend), the
 * server says so on each session's socket and closes it, but libpq learns
 * of it only at the session's next statement, which then fails. A pooled
 * connection would answer one request with an error before mod_dbd
 * reconnects it. Looking at the socket first (one poll() that does not
 * wait) finds the closed session while nothing has been asked of it yet,
 * so the caller can reconnect and the request goes on as if the database
 * had never been away.
 */
#ifndef OCCI_PGSQL_H
#define OCCI_PGSQL_H

#include <apr_dbd.h>
#include <apr_pools.h>

#include "occi_read_cache.h"

/* Whether the server has closed the session of handle, a connection of
 * the pgsql driver that runs no statement. 0 for another driver, and for
 * a session the server has said nothing on. Reads what the server sent:
 * after 1, libpq reports the connection as bad, and apr_dbd_check_conn()
 * reconnects it. */
int occi_pgsql_session_closed(const apr_dbd_driver_t *driver, apr_dbd_t *handle);

/* ---- Listening for the database's announcements of changes ---------- */

/* How the listener reports that its session was lost (lost = 1: its
 * reason) or is back (lost = 0), once per change. */
typedef void occi_pgsql_listener_log(void *data, int lost, const char *message);

typedef struct occi_pgsql_listener occi_pgsql_listener;

/* Starts a thread that keeps a session of its own to the database of
 * conninfo (libpq's connection string or URI, as apr_dbd's pgsql driver
 * takes it), LISTENs on channel, checks that ready_query (constant SQL)
 * returns a row (the database announces changes), and tells cache of every announcement
 * (occi_read_cache_changed) and of whether it listens
 * (occi_read_cache_set_listening). A lost session is opened again every
 * reconnect interval; meanwhile the cache caches nothing. The thread ends
 * when pool is cleared or destroyed (within a poll interval). NULL and
 * *error when the thread cannot be made. */
occi_pgsql_listener *occi_pgsql_listen(apr_pool_t *pool, const char *conninfo,
                                       const char *channel, const char *ready_query,
                                       occi_read_cache *cache,
                                       apr_interval_time_t reconnect,
                                       occi_pgsql_listener_log *log, void *log_data,
                                       const char **error);

#endif
