/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A PostgreSQL session that the server has closed, and a session that
 * listens for announcements of changes (see occi_pgsql.h).
 */
#include <poll.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

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

/* ---- The listener --------------------------------------------------- */

/* How long the thread waits on its socket before looking whether it
 * should end: the most a child's exit waits for it. */
#define LISTENER_POLL_MS 200

struct occi_pgsql_listener {
    const char *conninfo;
    const char *listen_sql;
    const char *ready_query;
    occi_read_cache *cache;
    apr_interval_time_t reconnect;
    occi_pgsql_listener_log *log;
    void *log_data;
    volatile apr_uint32_t stopping;
    apr_thread_t *thread;
    int lost;                   /* the loss has been reported */
};

static void report(occi_pgsql_listener *listener, int lost, const char *message)
{
    if (lost != listener->lost) {
        listener->lost = lost;
        listener->log(listener->log_data, lost, message);
    }
}

/* The session's last words, on one line. */
static const char *session_error(apr_pool_t *pool, PGconn *connection)
{
    const char *from = connection ? PQerrorMessage(connection) : "out of memory";
    char *message = apr_palloc(pool, strlen(from) + 1), *to = message;

    /* libpq's message runs over lines, indented with tabs. */
    for (; *from; from++) {
        int space = *from == '\n' || *from == '\t' || *from == ' ';

        if (!space) {
            *to++ = *from;
        }
        else if (to > message && to[-1] != ' ') {
            *to++ = ' ';
        }
    }
    while (to > message && to[-1] == ' ') {
        to--;
    }
    *to = '\0';
    return *message ? message : "the session ended";
}

/* A session that listens on the channel, or NULL with *error. */
static PGconn *open_session(occi_pgsql_listener *listener, apr_pool_t *pool, const char **error)
{
    /* Later values win: a bound on connecting that the operator's
     * connection string may change (a child's exit waits for this thread),
     * that string (expanded the way PQconnectdb reads it), then a name
     * that tells this session apart in pg_stat_activity. */
    const char *const keywords[] = { "connect_timeout", "dbname", "application_name", NULL };
    const char *const values[] = { "5", listener->conninfo, "mod_occi changes", NULL };
    PGconn *connection = PQconnectdbParams(keywords, values, 1);
    PGresult *result;

    if (!connection || PQstatus(connection) != CONNECTION_OK) {
        *error = session_error(pool, connection);
        PQfinish(connection);
        return NULL;
    }
    result = PQexec(connection, listener->listen_sql);
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
        *error = apr_pstrcat(pool, "LISTEN: ", session_error(pool, connection), NULL);
        PQclear(result);
        PQfinish(connection);
        return NULL;
    }
    PQclear(result);
    /* Listening is not enough while the database announces nothing (a
     * schema not yet upgraded by any child): the rows would never be
     * dropped. */
    result = PQexec(connection, listener->ready_query);
    if (PQresultStatus(result) != PGRES_TUPLES_OK || PQntuples(result) < 1) {
        *error = PQresultStatus(result) == PGRES_TUPLES_OK
                     ? "the database does not announce changes yet (its schema is older)"
                     : apr_pstrcat(pool, "checking for announcements: ",
                                   session_error(pool, connection), NULL);
        PQclear(result);
        PQfinish(connection);
        return NULL;
    }
    PQclear(result);
    return connection;
}

/* Waits for announcements on connection until it fails or the listener
 * stops; returns why it failed, or NULL when stopping. */
static const char *listen_on(occi_pgsql_listener *listener, apr_pool_t *pool,
                             PGconn *connection)
{
    while (!apr_atomic_read32(&listener->stopping)) {
        struct pollfd socket_state;
        PGnotify *notification;
        int changed = 0;

        socket_state.fd = PQsocket(connection);
        socket_state.events = POLLIN;
        socket_state.revents = 0;
        if (socket_state.fd < 0) {
            return "the session has no socket";
        }
        if (poll(&socket_state, 1, LISTENER_POLL_MS) < 0) {
            continue;           /* EINTR */
        }
        if (!PQconsumeInput(connection) || PQstatus(connection) != CONNECTION_OK) {
            return session_error(pool, connection);
        }
        while ((notification = PQnotifies(connection))) {
            changed = 1;
            PQfreemem(notification);
        }
        /* Many announcements read at once empty the cache once. */
        if (changed) {
            occi_read_cache_changed(listener->cache);
        }
    }
    return NULL;
}

static void *APR_THREAD_FUNC listener_thread(apr_thread_t *thread, void *data)
{
    occi_pgsql_listener *listener = data;
    apr_pool_t *pool;

    if (apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        return NULL;
    }
    while (!apr_atomic_read32(&listener->stopping)) {
        const char *error = NULL;
        PGconn *connection = open_session(listener, pool, &error);
        apr_interval_time_t waited;

        if (connection) {
            /* Listening before the cache starts: no change can fall
             * between the two. */
            occi_read_cache_set_listening(listener->cache, 1);
            report(listener, 0, "listening again for the database's announcements of changes");
            error = listen_on(listener, pool, connection);
            occi_read_cache_set_listening(listener->cache, 0);
            PQfinish(connection);
        }
        if (error) {
            report(listener, 1, error);
        }
        for (waited = 0; waited < listener->reconnect && !apr_atomic_read32(&listener->stopping);
             waited += apr_time_from_msec(LISTENER_POLL_MS)) {
            apr_sleep(apr_time_from_msec(LISTENER_POLL_MS));
        }
        apr_pool_clear(pool);
    }
    apr_pool_destroy(pool);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static apr_status_t stop_listener(void *data)
{
    occi_pgsql_listener *listener = data;
    apr_status_t thread_status;

    apr_atomic_set32(&listener->stopping, 1);
    apr_thread_join(&thread_status, listener->thread);
    return APR_SUCCESS;
}

occi_pgsql_listener *occi_pgsql_listen(apr_pool_t *pool, const char *conninfo,
                                       const char *channel, const char *ready_query,
                                       occi_read_cache *cache,
                                       apr_interval_time_t reconnect,
                                       occi_pgsql_listener_log *log, void *log_data,
                                       const char **error)
{
    occi_pgsql_listener *listener = apr_pcalloc(pool, sizeof(*listener));
    apr_threadattr_t *attributes;
    apr_status_t rv;
    char reason[120];

    listener->conninfo = apr_pstrdup(pool, conninfo);
    /* The channel is the module's constant, never input: quoted anyway. */
    listener->listen_sql = apr_psprintf(pool, "LISTEN \"%s\"", channel);
    listener->ready_query = apr_pstrdup(pool, ready_query);
    listener->cache = cache;
    listener->reconnect = reconnect;
    listener->log = log;
    listener->log_data = log_data;
    if ((rv = apr_threadattr_create(&attributes, pool)) != APR_SUCCESS
        || (rv = apr_thread_create(&listener->thread, attributes, listener_thread, listener,
                                   pool)) != APR_SUCCESS) {
        *error = apr_psprintf(pool, "cannot start the thread that listens for changes: %s",
                              apr_strerror(rv, reason, sizeof(reason)));
        return NULL;
    }
    /* A pool's cleanups run before its subpools (the thread's) go: the
     * thread has ended by then. */
    apr_pool_cleanup_register(pool, listener, stop_listener, apr_pool_cleanup_null);
    return listener;
}
