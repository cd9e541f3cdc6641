/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A PostgreSQL session that the server has closed (see occi_pgsql.h).
 */
#include <poll.h>
#include <string.h>

#include <libpq-fe.h>

#include "occi_pgsql.h"

int occi_pgsql_session_closed(const apr_dbd_driver_t *driver, apr_dbd_t *handle)
{
    struct pollfd socket_state;
    PGconn *connection;
    int reads;

    if (strcmp(apr_dbd_name(driver), "pgsql") != 0) {
        return 0;
    }
    connection = apr_dbd_native_handle(driver, handle);
    if (!connection || PQstatus(connection) != CONNECTION_OK) {
        return 1;
    }
    socket_state.fd = PQsocket(connection);
    socket_state.events = POLLIN;
    socket_state.revents = 0;
    if (socket_state.fd < 0) {
        return 1;
    }
    /* An idle session receives nothing unless the server is ending it (or
     * sends a notice, which PQconsumeInput keeps for later). A server that
     * ends a session sends its reason, then closes: libpq reads the reason
     * first and sees the end of the stream only at the next read. */
    for (reads = 0; reads < 4; reads++) {
        if (poll(&socket_state, 1, 0) <= 0) {
            return 0;
        }
        if (!PQconsumeInput(connection) || PQstatus(connection) != CONNECTION_OK) {
            return 1;
        }
    }
    return 0;
}
