/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entity store through mod_dbd.
 *
 * mod_dbd prepares registered statements on every connection it opens,
 * and a statement naming a missing table fails to prepare (in SQLite and
 * PostgreSQL alike), which fails the connection. So the schema must exist
 * before mod_dbd's first connection in each process: child_init runs the
 * migration on a short-lived connection of its own, before mod_dbd's
 * child_init opens its pool. mod_dbd exports no way to read its driver
 * and parameters, and its post_connect hook is not exported either; the
 * server configuration it keeps starts with a pointer to the public
 * dbd_cfg_t, which is what is read here.
 *
 * On SQLite the children of one httpd start in turns: each holds a
 * cross-process lock from its migration until mod_dbd has opened and
 * prepared its connections. Without the turns, a child preparing its
 * statements met another's schema change or switch of the journal to WAL
 * (an exclusive lock) and failed for good ("database is locked", AH00632).
 * The migration's connection also runs the operator's DBDInitSQL, so that
 * the switch to WAL happens there, under a busy timeout, before any of
 * mod_dbd's connections exists.
 *
 * That connection stays open until mod_dbd has opened the child's own. In
 * WAL mode an open connection holds a shared lock on the database file,
 * and the connection that closes last takes the exclusive lock to fold the
 * log back into the database. Closed earlier, the migration's connection
 * left a gap: when the other children's connections closed in it (a stop
 * or a restart soon after the start), the last of them held the exclusive
 * lock while mod_dbd, which sets no busy timeout, prepared its statements.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_config.h"
#include "mod_occi_store.h"
#include "mod_dbd.h"
#include "apr_optional.h"
#include "util_mutex.h"
#include "apr_shm.h"
#include "occi_pgsql.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;
static module *dbd_module_record;
/* The turns of this process's SQLite writers (src/occi_write_gate.h). */
static occi_write_gate *sqlite_write_gate;
/* DBDParams of each SQLite database -> its log's group sync. */
static apr_hash_t *sqlite_group_syncs;
/* The children's turns at start-up on SQLite; NULL when no server of
 * this configuration keeps its store in SQLite. */
static apr_global_mutex_t *sqlite_start_mutex;
static int sqlite_start_mutex_held;
/* The child's migration connections to SQLite databases, open until
 * mod_dbd's child_init is done; and the pool that holds them. */
static apr_array_header_t *start_connections;
static apr_pool_t *start_pool;
static const char sqlite_start_mutex_type[] = "occi-sqlite-start";
/* The lock where the writers of all the children queue on SQLite (see
 * src/occi_write_gate.h); NULL: none, they meet at SQLite's lock. */
static apr_proc_mutex_t *sqlite_writers_mutex;
static const char sqlite_writers_mutex_type[] = "occi-sqlite-writers";
/* The count of changes committed by this httpd's processes, in shared
 * memory (src/occi_read_cache.h); NULL when no store is PostgreSQL. */
static apr_shm_t *node_changes_shm;
static volatile apr_uint32_t *node_changes;
/* mod_dbd's configuration (dbd_cfg_t *) -> this child's read cache of
 * that PostgreSQL database; none for SQLite or with OCCIReadCacheSize Off. */
static apr_hash_t *read_caches;
/* Whether the trigger of schema 8 announces changes. */
#define ANNOUNCES_CHANGES "SELECT 1 FROM pg_trigger WHERE tgname = 'occi_entity_changed'"
#define LISTENER_RECONNECT apr_time_from_sec(1)

/* mod_dbd's configuration of server s, or NULL. */
static const dbd_cfg_t *dbd_config(server_rec *s)
{
    /* mod_dbd.c: typedef struct { dbd_cfg_t *cfg; dbd_group_t *group; } svr_cfg; */
    dbd_cfg_t *const *svr = ap_get_module_config(s->module_config, dbd_module_record);

    return svr ? *svr : NULL;
}

void occi_store_pre_config(apr_pool_t *pconf)
{
    /* "Mutex occi-sqlite-start ..." chooses its mechanism and directory. */
    ap_mutex_register(pconf, sqlite_start_mutex_type, NULL, APR_LOCK_DEFAULT, 0);
    /* Released by whichever thread ends the transaction: a SysV semaphore
     * belongs to no thread (where a pthread mutex belongs to the one that
     * took it), waits with a timeout in the kernel (semtimedop), and is
     * given back by the kernel when its holder dies (SEM_UNDO). */
    ap_mutex_register(pconf, sqlite_writers_mutex_type, NULL, APR_LOCK_SYSVSEM, 0);
}

static int uses_driver(server_rec *main_server, const char *driver)
{
    server_rec *s;

    for (s = main_server; s; s = s->next) {
        const dbd_cfg_t *cfg = dbd_config(s);

        if (cfg && cfg->name && !strcmp(cfg->name, driver)) {
            return 1;
        }
    }
    return 0;
}

const char *occi_store_identity(apr_pool_t *pool, server_rec *s)
{
    const dbd_cfg_t *cfg = dbd_config(s);

    return cfg && cfg->name ? apr_pstrcat(pool, cfg->name, "\n",
                                          cfg->params ? cfg->params : "", NULL) : "";
}

/* The node's queue of SQLite writers. Without it (no lock, or a mechanism
 * that only the thread that took it may release) writers of different
 * children meet at SQLite's lock, as before. */
static void create_writers_mutex(apr_pool_t *pconf, server_rec *main_server)
{
    apr_status_t rv = ap_proc_mutex_create(&sqlite_writers_mutex, NULL,
                                           sqlite_writers_mutex_type, NULL, main_server,
                                           pconf, 0);

    if (rv == APR_SUCCESS && apr_proc_mutex_mech(sqlite_writers_mutex) == APR_LOCK_PROC_PTHREAD) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server, OCCI_LOGNO(170)
                     "the Mutex of type %s cannot be pthread (another thread than the one "
                     "that took it may release it); writers of different children meet at "
                     "SQLite's lock instead: use flock, fcntl, sysvsem or posixsem",
                     sqlite_writers_mutex_type);
        sqlite_writers_mutex = NULL;
    }
    else if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, main_server, OCCI_LOGNO(171)
                     "cannot create the lock where writers of all children queue on SQLite "
                     "(Mutex type %s); they meet at SQLite's lock instead",
                     sqlite_writers_mutex_type);
        sqlite_writers_mutex = NULL;
    }
}

int occi_store_configure(apr_pool_t *pconf, server_rec *main_server)
{
    const occi_statement *statements;
    apr_hash_t *prepared;
    server_rec *s;
    apr_status_t rv;
    int count, i;

    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    dbd_module_record = ap_find_linked_module("mod_dbd.c");
    if (!dbd_prepare || !dbd_acquire || !dbd_module_record) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, main_server, OCCI_LOGNO(20)
                     "mod_occi keeps its entities through mod_dbd: load it with "
                     "\"LoadModule dbd_module modules/mod_dbd.so\" and set DBDriver and "
                     "DBDParams");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    statements = occi_store_statements(&count);
    prepared = apr_hash_make(pconf);
    for (s = main_server; s; s = s->next) {
        /* httpd gives a virtual host a mod_dbd configuration of its own
         * only when it holds a mod_dbd directive; the others share the
         * main server's, where the statements are already registered
         * (registering them again makes mod_dbd warn of conflicting
         * labels, once per statement and server). */
        void *svr = ap_get_module_config(s->module_config, dbd_module_record);

        if (svr) {
            if (apr_hash_get(prepared, &svr, sizeof(svr))) {
                continue;
            }
            apr_hash_set(prepared, apr_pmemdup(pconf, &svr, sizeof(svr)), sizeof(svr), "");
        }
        for (i = 0; i < count; i++) {
            dbd_prepare(s, statements[i].sql, statements[i].label);
        }
    }
    node_changes = NULL;
    /* Anonymous, inherited by the children, made anew at every restart.
     * Without it each child sees its own changes at once and the others'
     * when PostgreSQL announces them. */
    if (uses_driver(main_server, "pgsql")
        && apr_shm_create(&node_changes_shm, sizeof(*node_changes), NULL, pconf)
               == APR_SUCCESS) {
        node_changes = apr_shm_baseaddr_get(node_changes_shm);
        *node_changes = 0;
    }
    sqlite_start_mutex = NULL;
    sqlite_writers_mutex = NULL;
    if (uses_driver(main_server, "sqlite3")) {
        rv = ap_global_mutex_create(&sqlite_start_mutex, NULL, sqlite_start_mutex_type, NULL,
                                    main_server, pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, main_server, OCCI_LOGNO(99)
                         "cannot create the lock by which children start in turns on "
                         "SQLite (see the Mutex directive, type %s)", sqlite_start_mutex_type);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        create_writers_mutex(pconf, main_server);
    }
    return OK;
}

typedef struct {
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
} start_connection;

/* Opens a connection of its own to server s's database and creates or
 * upgrades the schema. NULL, or why it failed. A connection to SQLite is
 * kept open in start_connections (see the top of this file). */
static const char *migrate(apr_pool_t *pool, server_rec *s)
{
    const dbd_cfg_t *cfg = dbd_config(s);
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    const char *error = NULL;
    apr_status_t rv;

    /* mod_dbd names an unset driver with a placeholder of its own. */
    if (!cfg || !cfg->name || cfg->name[0] == '[') {
        return "no DBDriver is configured";
    }
    rv = apr_dbd_get_driver(pool, cfg->name, &driver);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(pool, "the apr_dbd driver %s cannot be loaded (is "
                            "libaprutil1-dbd-%s installed?)", cfg->name, cfg->name);
    }
    rv = apr_dbd_open_ex(driver, pool, cfg->params ? cfg->params : "", &handle, &error);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(pool, "cannot connect to the %s database: %s", cfg->name,
                            error ? error : "no reason given");
    }
    error = occi_store_init_session(pool, driver, handle,
                                    (const char *const *)cfg->init_queries->elts,
                                    cfg->init_queries->nelts);
    if (error) {
        error = apr_psprintf(pool, "a DBDInitSQL statement failed: %s", error);
    }
    else {
        error = occi_store_migrate(pool, driver, handle);
    }
    if (!error && start_connections && !strcmp(cfg->name, "sqlite3")) {
        start_connection *kept = apr_array_push(start_connections);

        kept->driver = driver;
        kept->handle = handle;
        return NULL;
    }
    apr_dbd_close(driver, handle);
    return error;
}

static void log_listener(void *data, int lost, const char *message)
{
    server_rec *s = data;

    if (lost) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(167)
                     "this child cannot listen for PostgreSQL's announcements of changes, "
                     "so it reads every entity from the database until it can: %s", message);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, OCCI_LOGNO(168)
                     "this child listens for PostgreSQL's announcements of changes again and "
                     "keeps entities' rows between them");
    }
}

/* A read cache and its listener for each PostgreSQL database of the
 * configuration (virtual hosts usually share the main server's). */
static void start_read_caches(apr_pool_t *pchild, server_rec *main_server)
{
    apr_hash_t *by_database = apr_hash_make(pchild);
    server_rec *s;

    read_caches = apr_hash_make(pchild);
    for (s = main_server; s; s = s->next) {
        const dbd_cfg_t *cfg = dbd_config(s);
        const occi_server_conf *conf = occi_server_config(s);
        long long bytes = conf->read_cache_bytes ? conf->read_cache_bytes
                                                 : OCCI_DEFAULT_READ_CACHE_BYTES;
        const char *key, *error = NULL;
        occi_read_cache *cache;

        if (!cfg || !cfg->name || strcmp(cfg->name, "pgsql") || bytes < 0
            || apr_hash_get(read_caches, &cfg, sizeof(cfg))) {
            continue;
        }
        key = apr_pstrdup(pchild, cfg->params ? cfg->params : "");
        cache = apr_hash_get(by_database, key, APR_HASH_KEY_STRING);
        if (!cache) {
            cache = occi_read_cache_create(pchild, node_changes, (apr_size_t)bytes);
            if (!cache || !occi_pgsql_listen(pchild, key, OCCI_CHANGES_CHANNEL,
                                             ANNOUNCES_CHANGES, cache, LISTENER_RECONNECT,
                                             log_listener, s, &error)) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(169)
                             "entities are read from PostgreSQL at every request: %s",
                             error ? error : "cannot create the read cache's lock");
                continue;
            }
            apr_hash_set(by_database, key, APR_HASH_KEY_STRING, cache);
        }
        apr_hash_set(read_caches, apr_pmemdup(pchild, &cfg, sizeof(cfg)), sizeof(cfg), cache);
    }
}

/* This child's read cache of s's database, or NULL. */
static occi_read_cache *read_cache_of(server_rec *s)
{
    const dbd_cfg_t *cfg = dbd_config(s);

    return read_caches && cfg ? apr_hash_get(read_caches, &cfg, sizeof(cfg)) : NULL;
}

/* SQLite drops a connection's page cache whenever another connection
 * has written (each write transaction of a busy node), frees it, and reads
 * the pages back into new memory. glibc returned the freed top of each
 * arena to the kernel and took it back a moment later, hundreds of times a
 * second: creations on SQLite ran a third slower than with that memory
 * kept. A child of a node on SQLite keeps up to SQLITE_TRIM_THRESHOLD of
 * free memory per arena; an operator's MALLOC_TRIM_THRESHOLD_ wins. */
#define SQLITE_TRIM_THRESHOLD (16 * 1024 * 1024)

static void keep_freed_memory(server_rec *main_server)
{
#ifdef M_TRIM_THRESHOLD
    if (!getenv("MALLOC_TRIM_THRESHOLD_") && !mallopt(M_TRIM_THRESHOLD, SQLITE_TRIM_THRESHOLD)) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, main_server, OCCI_LOGNO(175)
                     "glibc refused a trim threshold of %d bytes", SQLITE_TRIM_THRESHOLD);
    }
#endif
}

void occi_store_child_init(apr_pool_t *pchild, server_rec *main_server)
{
    apr_hash_t *done;
    apr_pool_t *pool;
    server_rec *s;

    if (!dbd_module_record) {
        return;
    }
    if (sqlite_start_mutex) {
        apr_status_t rv = apr_global_mutex_child_init(
            &sqlite_start_mutex, apr_global_mutex_lockfile(sqlite_start_mutex), pchild);

        if (rv == APR_SUCCESS) {
            rv = apr_global_mutex_lock(sqlite_start_mutex);
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, main_server, OCCI_LOGNO(100)
                         "cannot take this child's turn to start on SQLite; it starts "
                         "at the same time as others");
        }
        sqlite_start_mutex_held = rv == APR_SUCCESS;
    }
    if (sqlite_writers_mutex
        && apr_proc_mutex_child_init(&sqlite_writers_mutex,
                                     apr_proc_mutex_lockfile(sqlite_writers_mutex), pchild)
               != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server, OCCI_LOGNO(172)
                     "this child cannot open the lock where writers of all children queue "
                     "on SQLite; its writers meet the others at SQLite's lock");
        sqlite_writers_mutex = NULL;
    }
    sqlite_write_gate = occi_write_gate_create(pchild, sqlite_writers_mutex);
    if (uses_driver(main_server, "sqlite3")) {
        keep_freed_memory(main_server);
    }
    sqlite_group_syncs = apr_hash_make(pchild);
    apr_pool_create(&pool, pchild);
    apr_pool_create(&start_pool, pchild);
    start_connections = apr_array_make(start_pool, 1, sizeof(start_connection));
    done = apr_hash_make(pool);
    for (s = main_server; s; s = s->next) {
        const dbd_cfg_t *cfg = dbd_config(s);
        const char *key, *error;

        if (!cfg || !cfg->name) {
            continue;
        }
        if (!strcmp(cfg->name, "sqlite3") && cfg->params && *cfg->params
            && !apr_hash_get(sqlite_group_syncs, cfg->params, APR_HASH_KEY_STRING)) {
            occi_group_sync *sync = occi_group_sync_create(
                pchild, apr_pstrcat(pchild, cfg->params, "-wal", NULL));

            if (sync) {
                apr_hash_set(sqlite_group_syncs, apr_pstrdup(pchild, cfg->params),
                             APR_HASH_KEY_STRING, sync);
            }
        }
        /* Virtual hosts usually share the main server's database. */
        key = apr_pstrcat(pool, cfg->name, "\n", cfg->params ? cfg->params : "", NULL);
        if (apr_hash_get(done, key, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(done, key, APR_HASH_KEY_STRING, "");
        if ((error = migrate(start_pool, s))) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, OCCI_LOGNO(21)
                         "the entity store is not ready: %s", error);
        }
    }
    apr_pool_destroy(pool);
    start_read_caches(pchild, main_server);
}

void occi_store_child_init_done(apr_pool_t *pchild, server_rec *main_server)
{
    int i;

    (void)pchild;
    (void)main_server;
    for (i = 0; start_connections && i < start_connections->nelts; i++) {
        start_connection *kept = &APR_ARRAY_IDX(start_connections, i, start_connection);

        apr_dbd_close(kept->driver, kept->handle);
    }
    start_connections = NULL;
    if (start_pool) {
        apr_pool_destroy(start_pool);
        start_pool = NULL;
    }
    if (sqlite_start_mutex_held) {
        sqlite_start_mutex_held = 0;
        apr_global_mutex_unlock(sqlite_start_mutex);
    }
}

/*
 * A PostgreSQL session that ends (the server restarted, a network cut)
 * takes with it the statements mod_dbd prepared on it, yet mod_dbd's next
 * acquire reconnects the connection (apr_dbd_check_conn) and hands it out
 * with its old handles: every statement would then fail until DBDExptime
 * retires it. So a connection found broken is marked, and when it comes
 * back the statements its new session lacks are prepared again. Only
 * PostgreSQL keeps prepared statements on the server; an SQLite handle
 * keeps them itself.
 */
static const char reconnected_key[] = "mod_occi-reconnected";

static void mark_reconnected(ap_dbd_t *connection)
{
    apr_pool_userdata_setn("", reconnected_key, NULL, connection->pool);
}

static int was_reconnected(ap_dbd_t *connection)
{
    void *mark = NULL;

    apr_pool_userdata_get(&mark, reconnected_key, connection->pool);
    return mark != NULL;
}

/* Prepares again, on the connection's current session, the statements it
 * lacks. Returns how many, or -1 when the session could not be asked. */
static int prepare_missing(request_rec *r, ap_dbd_t *connection)
{
    const apr_dbd_driver_t *driver = connection->driver;
    const occi_statement *statements;
    apr_dbd_prepared_t *list = NULL, *statement;
    apr_dbd_results_t *results = NULL;
    apr_dbd_row_t *row = NULL;
    apr_hash_t *present = apr_hash_make(r->pool);
    int count, i, prepared = 0;

    if (strcmp(apr_dbd_name(driver), "pgsql") != 0) {
        return 0;
    }
    if (apr_dbd_prepare(driver, r->pool, connection->handle,
                        "SELECT name FROM pg_prepared_statements", NULL, &list) != 0
        || apr_dbd_pselect(driver, r->pool, connection->handle, &results, list, 0, 0, NULL) != 0) {
        return -1;
    }
    while (apr_dbd_get_row(driver, r->pool, results, &row, -1) == 0) {
        const char *name = apr_dbd_get_entry(driver, row, 0);

        if (name) {
            apr_hash_set(present, apr_pstrdup(r->pool, name), APR_HASH_KEY_STRING, "");
        }
    }
    apr_pool_userdata_setn(NULL, reconnected_key, NULL, connection->pool);
    statements = occi_store_statements(&count);
    for (i = 0; i < count; i++) {
        if (apr_hash_get(present, statements[i].label, APR_HASH_KEY_STRING)) {
            continue;
        }
        /* From the connection's pool: the handle lives as long as it does.
         * This happens once per lost session, so the pool does not grow
         * with requests. */
        statement = NULL;
        if (apr_dbd_prepare(driver, connection->pool, connection->handle, statements[i].sql,
                            statements[i].label, &statement) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OCCI_LOGNO(22)
                          "preparing %s again on a reconnected session failed: %s",
                          statements[i].label, apr_dbd_error(driver, connection->handle, 1));
            mark_reconnected(connection);
            continue;
        }
        apr_hash_set(connection->prepared, statements[i].label, APR_HASH_KEY_STRING, statement);
        prepared++;
    }
    if (prepared) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OCCI_LOGNO(23)
                      "the database session of a connection was lost: %d statements "
                      "prepared again", prepared);
    }
    return prepared;
}

/* The first row's first column of an SQLite PRAGMA, or NULL. */
static const char *pragma_value(request_rec *r, ap_dbd_t *connection, const char *pragma)
{
    apr_dbd_results_t *results = NULL;
    apr_dbd_row_t *row = NULL;
    const char *value = NULL;

    if (apr_dbd_select(connection->driver, r->pool, connection->handle, &results, pragma,
                       0) != 0) {
        return NULL;
    }
    while (apr_dbd_get_row(connection->driver, r->pool, results, &row, -1) == 0) {
        if (!value) {
            value = apr_dbd_get_entry(connection->driver, row, 0);
            value = value ? apr_pstrdup(r->pool, value) : NULL;
        }
    }
    return value;
}

/* Whether the requests on an SQLite connection commit through the group
 * sync of its log (src/occi_group_sync.h): only in WAL mode and only
 * where the connection would have synced each commit itself
 * (synchronous=FULL, SQLite's default); an operator who chose NORMAL or
 * OFF in DBDInitSQL keeps that choice. Decided once per connection. */
static occi_group_sync *group_sync_of(request_rec *r, ap_dbd_t *connection)
{
    static const char key[] = "mod_occi-group-sync";
    static char none;
    const dbd_cfg_t *cfg = dbd_config(r->server);
    occi_group_sync *sync = NULL;
    const char *mode, *synchronous;
    void *decided = NULL;
    int rows;

    apr_pool_userdata_get(&decided, key, connection->pool);
    if (decided) {
        return decided == &none ? NULL : decided;
    }
    if (sqlite_group_syncs && cfg && cfg->params) {
        sync = apr_hash_get(sqlite_group_syncs, cfg->params, APR_HASH_KEY_STRING);
    }
    if (sync) {
        mode = pragma_value(r, connection, "PRAGMA journal_mode");
        synchronous = pragma_value(r, connection, "PRAGMA synchronous");
        if (!mode || strcasecmp(mode, "wal") || !synchronous || strcmp(synchronous, "2")
            || apr_dbd_query(connection->driver, connection->handle, &rows,
                             "PRAGMA synchronous = NORMAL") != 0) {
            sync = NULL;
        }
    }
    apr_pool_userdata_setn(sync ? (void *)sync : &none, key, NULL, connection->pool);
    return sync;
}

static void log_sync_failure(void *data, const char *reason)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, (request_rec *)data, OCCI_LOGNO(98)
                  "a change was committed but may not outlive a power cut: %s", reason);
}

const char *occi_store_connect(occi_request *req)
{
    request_rec *r = req->r;
    ap_dbd_t *dbd;

    if (req->store) {
        return NULL;
    }
    dbd = dbd_acquire(r);
    if (!dbd) {
        /* The database may have been unreachable when this child started:
         * try the migration again before giving up on this request. */
        const char *error = migrate(r->pool, r->server);

        dbd = error ? NULL : dbd_acquire(r);
        if (!dbd) {
            return error ? error : "mod_dbd could not open a connection (see the error log)";
        }
    }
    /* A session the server closed while the connection sat in the pool
     * (PostgreSQL restarted) is opened again before this request uses it,
     * instead of failing the request's first statement. */
    if (occi_pgsql_session_closed(dbd->driver, dbd->handle)) {
        if (apr_dbd_check_conn(dbd->driver, r->pool, dbd->handle) != APR_SUCCESS) {
            mark_reconnected(dbd);
            return apr_pstrdup(r->pool, apr_dbd_error(dbd->driver, dbd->handle, 1));
        }
        mark_reconnected(dbd);
    }
    if (was_reconnected(dbd)) {
        prepare_missing(r, dbd);
    }
    req->connection = dbd;
    req->store = occi_store_open(r->pool, dbd->driver, dbd->handle, dbd->prepared);
    /* Only a read may be answered from the cache: a change reads afresh
     * what it changes. A virtual host with OCCIReadCacheSize Off that
     * shares another's database still tells the cache of its changes. */
    occi_store_use_read_cache(req->store, read_cache_of(r->server),
                              r->method_number == M_GET && req->conf->read_cache_bytes >= 0);
    if (!strcmp(apr_dbd_name(dbd->driver), "sqlite3")) {
        occi_store_use_write_gate(req->store, sqlite_write_gate);
        occi_store_use_group_sync(req->store, group_sync_of(r, dbd), log_sync_failure, r);
    }
    return NULL;
}

occi_store *occi_store_open_outside_requests(apr_pool_t *pool, server_rec *s,
                                             ap_dbd_t **connection, const char **error)
{
    ap_dbd_t *dbd = dbd_open ? dbd_open(pool, s) : NULL;
    occi_store *store;

    *connection = NULL;
    if (!dbd) {
        *error = "mod_dbd could not open a connection (see the error log)";
        return NULL;
    }
    /* A session PostgreSQL ended is opened again for the next request,
     * which also prepares the statements again; this work waits for its
     * next turn. */
    if (occi_pgsql_session_closed(dbd->driver, dbd->handle)) {
        apr_dbd_check_conn(dbd->driver, pool, dbd->handle);
        mark_reconnected(dbd);
        *error = "the database session had ended; it is opened again";
        dbd_close(s, dbd);
        return NULL;
    }
    *connection = dbd;
    store = occi_store_open(pool, dbd->driver, dbd->handle, dbd->prepared);
    occi_store_use_read_cache(store, read_cache_of(s), 0);
    return store;
}

void occi_store_close_outside_requests(server_rec *s, ap_dbd_t *connection)
{
    if (connection) {
        dbd_close(s, connection);
    }
}

int occi_store_failure(occi_request *req, const char **why)
{
    request_rec *r = req->r;
    const char *message = req->store ? occi_store_error(req->store) : NULL;
    ap_dbd_t *connection = req->connection;

    message = message ? message : "unknown error";
    if (connection) {
        /* apr_dbd_check_conn reconnects a connection it finds broken. */
        if (apr_dbd_check_conn(connection->driver, r->pool, connection->handle) != APR_SUCCESS) {
            mark_reconnected(connection);
            *why = apr_psprintf(r->pool, "the entity store is unavailable: %s", message);
            return HTTP_SERVICE_UNAVAILABLE;
        }
        if (prepare_missing(r, connection) > 0) {
            *why = apr_psprintf(r->pool, "the connection to the entity store was lost and is "
                                "open again; retry: %s", message);
            return HTTP_SERVICE_UNAVAILABLE;
        }
    }
    *why = apr_psprintf(r->pool, "the entity store failed: %s", message);
    return HTTP_INTERNAL_SERVER_ERROR;
}
