/* SPDX-License-Identifier: Apache-2.0 */
/* The databases the store's unit tests run on: SQLite in a temporary
 * directory, then PostgreSQL when OCCI_TEST_PGSQL holds connection
 * parameters. A test program includes this once. */
#ifndef OCCI_TEST_DATABASES_H
#define OCCI_TEST_DATABASES_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_dbd.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "tap.h"
#include "occi_store.h"

typedef struct {
    const char *name;                 /* driver name, prefixes test names */
    const char *params;
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_hash_t *prepared;
    occi_store *store;
    apr_pool_t *pool;
} database;

static const char *name_of(database *db, const char *what)
{
    return apr_psprintf(db->pool, "%s: %s", db->name, what);
}

/* What the module has mod_dbd do: every statement prepared under its
 * label. */
static apr_hash_t *prepare_statements(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                                      apr_dbd_t *handle, const char **error)
{
    apr_hash_t *prepared = apr_hash_make(pool);
    const occi_statement *statements;
    int count, i;

    statements = occi_store_statements(&count);
    for (i = 0; i < count; i++) {
        apr_dbd_prepared_t *statement = NULL;
        int status = apr_dbd_prepare(driver, pool, handle, statements[i].sql,
                                     statements[i].label, &statement);

        if (status != 0) {
            *error = apr_psprintf(pool, "%s: %s", statements[i].label,
                                  apr_dbd_error(driver, handle, status));
            return NULL;
        }
        apr_hash_set(prepared, statements[i].label, APR_HASH_KEY_STRING, statement);
    }
    return prepared;
}

/* A connection of db's, set up as the example configuration's DBDInitSQL
 * lines set up the module's. */
static apr_dbd_t *connect_to(database *db, apr_pool_t *pool, const char **error)
{
    apr_dbd_t *handle = NULL;
    int rows;

    *error = NULL;
    if (apr_dbd_open_ex(db->driver, pool, db->params, &handle, error) != APR_SUCCESS) {
        if (!*error) {
            *error = "cannot connect";
        }
        return NULL;
    }
    if (!strcmp(db->name, "sqlite3")) {
        apr_dbd_query(db->driver, handle, &rows, "PRAGMA busy_timeout=5000");
        apr_dbd_query(db->driver, handle, &rows, "PRAGMA journal_mode=WAL");
    }
    return handle;
}

/* Loads db's driver and connects, with nothing of the store's left on
 * PostgreSQL (its tables dropped; a SQLite file is new anyway). 0, after a
 * failed test point, when that cannot be done. */
__attribute__((unused)) static int connect_fresh(database *db)
{
    const char *error = NULL;
    int rows;

    if (apr_dbd_get_driver(db->pool, db->name, &db->driver) != APR_SUCCESS) {
        tap_ok(0, name_of(db, "the driver loads"));
        return 0;
    }
    db->handle = connect_to(db, db->pool, &error);
    if (!tap_ok(db->handle != NULL, name_of(db, "connect"))) {
        printf("#   %s\n", error ? error : "");
        return 0;
    }
    if (!strcmp(db->name, "pgsql")) {
        apr_dbd_query(db->driver, db->handle, &rows,
                      "DROP TABLE IF EXISTS occi_attribute, occi_membership, occi_entity,"
                      " occi_user_mixin, occi_intent, occi_allocation, occi_host, occi_host_usage,"
                      " occi_tenant_usage, occi_usage_sample, occi_usage_sampler, occi_schema");
    }
    return 1;
}

/* Prepares every statement on db's connection into db->prepared, as a test
 * point; 0 when one does not prepare. */
__attribute__((unused)) static int prepare_checked(database *db)
{
    const char *error = NULL;

    db->prepared = prepare_statements(db->pool, db->driver, db->handle, &error);
    if (!tap_ok(db->prepared != NULL, name_of(db, "every statement prepares"))) {
        printf("#   %s\n", error);
        return 0;
    }
    return 1;
}

/* A fresh database with the current schema and every statement prepared,
 * each step a test point; 0 when one fails. */
__attribute__((unused)) static int open_schema(database *db)
{
    const char *error;

    if (!connect_fresh(db)) {
        return 0;
    }
    error = occi_store_migrate(db->pool, db->driver, db->handle);
    if (!tap_is_str(error, NULL, name_of(db, "migrate creates the schema"))) {
        return 0;
    }
    return prepare_checked(db);
}

/* Runs run on each database that open (the test's own set-up: schema,
 * statements, store) makes ready: SQLite in a new directory of the
 * temporary directory named after prefix, removed afterwards, then
 * PostgreSQL if OCCI_TEST_PGSQL is set. */
__attribute__((unused)) static void run_on_databases(apr_pool_t *pool, const char *prefix, int (*open)(database *db),
                             void (*run)(database *db))
{
    const char *pgsql = getenv("OCCI_TEST_PGSQL");
    const char *temp = NULL;
    char *directory;
    database db;

    memset(&db, 0, sizeof(db));
    db.name = "sqlite3";
    db.pool = pool;
    apr_temp_dir_get(&temp, pool);
    directory = apr_pstrcat(pool, temp ? temp : "/tmp", "/", prefix, "-XXXXXX", NULL);
    if (!mkdtemp(directory)) {
        tap_ok(0, "a temporary directory");
    }
    else {
        db.params = apr_pstrcat(pool, directory, "/occi.sqlite", NULL);
        if (open(&db)) {
            run(&db);
        }
        if (db.handle) {
            apr_dbd_close(db.driver, db.handle);
        }
        apr_file_remove(db.params, pool);
        apr_file_remove(apr_pstrcat(pool, db.params, "-wal", NULL), pool);
        apr_file_remove(apr_pstrcat(pool, db.params, "-shm", NULL), pool);
        apr_file_remove(apr_pstrcat(pool, db.params, "-journal", NULL), pool);
        apr_dir_remove(directory, pool);
    }
    if (pgsql && *pgsql) {
        memset(&db, 0, sizeof(db));
        db.name = "pgsql";
        db.params = pgsql;
        db.pool = pool;
        if (open(&db)) {
            run(&db);
        }
        if (db.handle) {
            apr_dbd_close(db.driver, db.handle);
        }
    }
}

#endif
