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

/* Whether the server has closed the session of handle, a connection of
 * the pgsql driver that runs no statement. 0 for another driver, and for
 * a session the server has said nothing on. Reads what the server sent:
 * after 1, libpq reports the connection as bad, and apr_dbd_check_conn()
 * reconnects it. */
int occi_pgsql_session_closed(const apr_dbd_driver_t *driver, apr_dbd_t *handle);

#endif
