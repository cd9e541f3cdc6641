/* SPDX-License-Identifier: Apache-2.0 */
/* The entity store on a real database: SQLite in a temporary directory,
 * and the same checks on PostgreSQL when OCCI_TEST_PGSQL holds connection
 * parameters ("host=127.0.0.1 port=15433 dbname=occitest user=postgres";
 * the store's tables in that database are dropped first). */
#include <stdlib.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <apr_dbd.h>
#include <apr_file_io.h>
#include <apr_hash.h>

#include "tap.h"
#include "databases.h"
#include "fixtures.h"
#include "occi_deferred_save.h"
#include "occi_hosts.h"
#include "occi_quota.h"
#include "occi_recovery.h"
#include "occi_service.h"
#include "occi_store.h"
#include "occi_unmanaged.h"

#define COMPUTE OCCI_SCHEME_INFRA "compute"
#define STORAGE OCCI_SCHEME_INFRA "storage"
#define NETIF OCCI_SCHEME_INFRA "networkinterface"
#define OS_TPL "http://cloud.example.com/occi/os_tpl#debian12"
#define SMALL "http://cloud.example.com/occi/resource_tpl#small"
#define SSH_KEY "http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key"
#define USER_TAG "http://example.com/user/alice#tag"

#define R1 "10000000-0000-4000-8000-000000000001"
#define R2 "10000000-0000-4000-8000-000000000002"
#define R3 "10000000-0000-4000-8000-000000000003"
#define L1 "20000000-0000-4000-8000-000000000001"
#define L2 "20000000-0000-4000-8000-000000000002"
#define L3 "20000000-0000-4000-8000-000000000003"

static const char *status_name(occi_store_status status)
{
    switch (status) {
    case OCCI_STORE_OK:        return "OK";
    case OCCI_STORE_NOT_FOUND: return "NOT_FOUND";
    case OCCI_STORE_CONFLICT:  return "CONFLICT";
    case OCCI_STORE_ERROR:     return "ERROR";
    }
    return "?";
}

static int is_status(database *db, occi_store_status got, occi_store_status expected,
                     const char *what)
{
    int passed = tap_ok(got == expected, name_of(db, what));

    if (!passed) {
        printf("#   got:      %s (%s)\n#   expected: %s\n", status_name(got),
               occi_store_error(db->store), status_name(expected));
    }
    return passed;
}

/* The first column of the first row of a query the test makes itself. */
static const char *sql_value(database *db, const char *sql)
{
    apr_dbd_results_t *results = NULL;
    apr_dbd_row_t *row = NULL;
    const char *value = NULL;

    if (apr_dbd_select(db->driver, db->pool, db->handle, &results, sql, 1) != 0) {
        return apr_pstrcat(db->pool, "error: ", apr_dbd_error(db->driver, db->handle, 1),
                           NULL);
    }
    while (apr_dbd_get_row(db->driver, db->pool, results, &row, -1) == 0) {
        if (!value) {
            const char *entry = apr_dbd_get_entry(db->driver, row, 0);

            value = apr_pstrdup(db->pool, entry ? entry : "(null)");
        }
    }
    return value;
}

static const char *sql_count(database *db, const char *table, const char *column,
                             const char *id)
{
    return sql_value(db, apr_psprintf(db->pool, "SELECT COUNT(*) FROM %s WHERE %s = '%s'",
                                      table, column, id));
}

/* ---- Fixtures ------------------------------------------------------------ */

static occi_entity *resource(apr_pool_t *pool, const char *id, const char *kind,
                             const char *owner)
{
    occi_entity *entity = occi_entity_create(pool);

    entity->id = id;
    entity->kind = kind;
    entity->owner = owner;
    return entity;
}

static occi_entity *link_from(apr_pool_t *pool, const char *id, const char *source,
                              const char *target, const char *owner)
{
    occi_entity *entity = resource(pool, id, NETIF, owner);

    occi_entity_set_string(pool, entity, "occi.core.source",
                           apr_pstrcat(pool, "/compute/", source, NULL));
    occi_entity_set_string(pool, entity, "occi.core.target", target);
    return entity;
}

static void set_integer(occi_entity *entity, const char *name, long long integer)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_INTEGER;
    value.integer = integer;
    occi_entity_set(entity, name, &value);
}

static void set_float(occi_entity *entity, const char *name, double number)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_FLOAT;
    value.number = number;
    occi_entity_set(entity, name, &value);
}

static void set_boolean(occi_entity *entity, const char *name, int boolean)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_BOOLEAN;
    value.boolean = boolean;
    occi_entity_set(entity, name, &value);
}

static void set_json(occi_entity *entity, const char *name, occi_value_type type,
                     const char *text)
{
    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = type;
    value.string = text;
    occi_entity_set(entity, name, &value);
}

static void add_mixin(apr_pool_t *pool, occi_entity *entity, const char *mixin)
{
    APR_ARRAY_PUSH(entity->mixins, const char *) = apr_pstrdup(pool, mixin);
}

static const char *mixin_list(apr_pool_t *pool, const occi_entity *entity)
{
    const char *list = "";
    int i;

    for (i = 0; entity && i < entity->mixins->nelts; i++) {
        list = apr_pstrcat(pool, list, i ? " " : "",
                           APR_ARRAY_IDX(entity->mixins, i, const char *), NULL);
    }
    return list;
}

static const char *id_list(apr_pool_t *pool, apr_array_header_t *entities)
{
    const char *list = "";
    int i;

    for (i = 0; entities && i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        /* The last digit of each fixture id is enough to read a list. */
        list = apr_pstrcat(pool, list, i ? " " : "", entity->id + strlen(entity->id) - 2, NULL);
    }
    return list;
}

static occi_entity *fetch(database *db, const char *id)
{
    occi_entity *entity = NULL;

    if (occi_store_get(db->store, db->pool, id, NULL, &entity) != OCCI_STORE_OK) {
        return NULL;
    }
    return entity;
}

static long long revision_of(database *db, const char *id)
{
    occi_entity *entity = fetch(db, id);

    return entity ? entity->revision : -1;
}

/* ---- Checks -------------------------------------------------------------- */

/* Takes the schema back to before version 5, which knew no hosts: an
 * older schema than that has none either. (Dropping a column takes SQLite
 * 3.35.) Returns the status of the column's drop. */
static int drop_hosts(database *db)
{
    int rows;

    apr_dbd_query(db->driver, db->handle, &rows, "DROP TABLE occi_allocation");
    apr_dbd_query(db->driver, db->handle, &rows, "DROP TABLE occi_host_usage");
    apr_dbd_query(db->driver, db->handle, &rows, "DROP TABLE occi_host");
    return apr_dbd_query(db->driver, db->handle, &rows,
                         "ALTER TABLE occi_entity DROP COLUMN host");
}

/* Marks the schema as version and migrates it: the upgrade succeeds and
 * ends at the current version (two checks). */
static void upgrade_from(database *db, int version)
{
    int rows;

    apr_dbd_query(db->driver, db->handle, &rows,
                  apr_psprintf(db->pool, "UPDATE occi_schema SET version = %d", version));
    tap_is_str(occi_store_migrate(db->pool, db->driver, db->handle), NULL,
               name_of(db, apr_psprintf(db->pool, "a version %d schema is upgraded", version)));
    tap_is_str(sql_value(db, "SELECT version FROM occi_schema"),
               apr_itoa(db->pool, OCCI_SCHEMA_VERSION), name_of(db, "to the current version"));
}

/* A database of schema version 4, of a single host, keeps its entities at
 * version 5, on no host, and gains the hosts' tables with the placement
 * lock's row. */
static void test_migrate_from_4(database *db)
{
    int rows = 0;

    tap_is_int(drop_hosts(db), 0, name_of(db, "a version 4 entity table, without hosts"));
    apr_dbd_query(db->driver, db->handle, &rows,
                  "INSERT INTO occi_entity (id, kind, owner, revision, mixins, attributes)"
                  " VALUES ('a0000000-0000-4000-8000-000000000099', '" COMPUTE "', 'alice', 3,"
                  " '[]', '{\"occi.core.title\":\"old\"}')");
    tap_is_int(rows, 1, name_of(db, "holds an entity"));
    upgrade_from(db, 4);
    tap_is_str(sql_value(db, "SELECT revision FROM occi_entity"
                             " WHERE id = 'a0000000-0000-4000-8000-000000000099'"), "3",
               name_of(db, "its entity is kept"));
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_entity"
                             " WHERE id = 'a0000000-0000-4000-8000-000000000099'"
                             " AND host IS NULL"), "1",
               name_of(db, "on no host"));
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_allocation"), "0",
               name_of(db, "with no allocation"));
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_host WHERE name = ''"), "1",
               name_of(db, "and the placement lock's row"));
    apr_dbd_query(db->driver, db->handle, &rows, "DELETE FROM occi_entity");
}

/* A database of schema version 5 whose hosts hold allocations gains the
 * sums of version 6 (occi_host_usage), from what it holds, and keeps them
 * as allocations change. */
static void test_migrate_from_5(database *db)
{
    static const char *const version_6[] = {
        "DROP TRIGGER IF EXISTS occi_allocation_added",
        "DROP TRIGGER IF EXISTS occi_allocation_removed",
        "DROP TRIGGER IF EXISTS occi_allocation_changed",
        "DROP TABLE occi_host_usage",
        "ALTER TABLE occi_host DROP COLUMN generation",
    };
    static const char *const pgsql_version_6[] = {
        "DROP TRIGGER IF EXISTS occi_allocation_usage ON occi_allocation",
        "DROP TABLE occi_host_usage",
        "ALTER TABLE occi_host DROP COLUMN generation",
    };
    const char *const *drops = strcmp(db->name, "pgsql") ? version_6 : pgsql_version_6;
    int count = strcmp(db->name, "pgsql") ? 5 : 3, rows, i;
    const char *generation;
    const char *usage = "SELECT host || ' ' || affinity_group || ' ' || cores || ' ' || memory_mib"
                        " || ' ' || disk_mib || ' ' || computes || ' ' || members"
                        " FROM occi_host_usage WHERE members > 0 ORDER BY host, affinity_group";

    for (i = 0; i < count; i++) {
        apr_dbd_query(db->driver, db->handle, &rows, drops[i]);
    }
    apr_dbd_query(db->driver, db->handle, &rows,
                  "INSERT INTO occi_allocation (entity_id, host, kind, owner, cores, memory_mib,"
                  " disk_mib, affinity_group) VALUES"
                  " ('b0000000-0000-4000-8000-000000000001', 'h1', '" COMPUTE "', 'alice', 2, 2048,"
                  " 0, NULL),"
                  " ('b0000000-0000-4000-8000-000000000002', 'h1', '" COMPUTE "', 'alice', 1, 512,"
                  " 0, 'alice web'),"
                  " ('b0000000-0000-4000-8000-000000000003', 'h2', '" STORAGE "', 'alice', 0, 0,"
                  " 4096, NULL)");
    tap_is_int(rows, 3, name_of(db, "a version 5 schema holding three allocations"));
    apr_dbd_query(db->driver, db->handle, &rows, "UPDATE occi_schema SET version = 5");
    tap_is_str(occi_store_migrate(db->pool, db->driver, db->handle), NULL,
               name_of(db, "a version 5 schema is upgraded"));
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_host_usage"), "3",
               name_of(db, "with one usage row per host and group"));
    tap_is_str(sql_value(db, "SELECT cores || ' ' || memory_mib || ' ' || computes"
                             " FROM occi_host_usage WHERE host = 'h1' AND affinity_group = ''"),
               "2 2048 1", name_of(db, "summing what it held"));
    generation = sql_value(db, "SELECT generation FROM occi_host WHERE name = ''");
    apr_dbd_query(db->driver, db->handle, &rows,
                  "UPDATE occi_allocation SET host = 'h2'"
                  " WHERE entity_id = 'b0000000-0000-4000-8000-000000000001'");
    tap_is_str(sql_value(db, "SELECT generation FROM occi_host WHERE name = ''"),
               apr_psprintf(db->pool, "%d", atoi(generation ? generation : "0") + 1),
               name_of(db, "a move counts as one change of the usage"));
    apr_dbd_query(db->driver, db->handle, &rows,
                  "DELETE FROM occi_allocation"
                  " WHERE entity_id = 'b0000000-0000-4000-8000-000000000002'");
    tap_is_str(sql_value(db, usage), "h2  2 2048 4096 1 2",
               name_of(db, "and the sums follow a move and a release"));
    apr_dbd_query(db->driver, db->handle, &rows, "DELETE FROM occi_allocation");
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_host_usage WHERE members <> 0"
                             " OR cores <> 0 OR memory_mib <> 0 OR disk_mib <> 0"
                             " OR computes <> 0"), "0",
               name_of(db, "down to nothing when nothing is held"));
}

/* What the table of tenants' usage holds for owner, as "cores memory
 * storage computes networks", or "none". */
static const char *usage_row(database *db, const char *owner)
{
    const char *row = sql_value(db, apr_psprintf(
        db->pool, "SELECT SUM(cores) || ' ' || SUM(memory_mib) || ' ' || SUM(storage_mib)"
        " || ' ' || SUM(computes) || ' ' || SUM(networks) FROM occi_tenant_usage"
        " WHERE owner = '%s' GROUP BY owner", owner));

    return row ? row : "none";
}

/* A database of schema version 8, whose entities were counted nowhere,
 * gains the sums of version 9 from what they hold (compute, storage and
 * network rows of each owner, links and other kinds counting nothing),
 * and the triggers then keep them as rows come, change and go. */
static void test_migrate_from_8(database *db)
{
    static const char *const sqlite_drops[] = {
        "DROP TRIGGER occi_tenant_usage_added",
        "DROP TRIGGER occi_tenant_usage_removed",
        "DROP TRIGGER occi_tenant_usage_changed",
        "DROP TABLE occi_tenant_usage",
    };
    static const char *const pgsql_drops[] = {
        "DROP TRIGGER occi_tenant_usage ON occi_entity",
        "DROP TABLE occi_tenant_usage",
    };
    int pgsql = !strcmp(db->name, "pgsql");
    const char *const *drops = pgsql ? pgsql_drops : sqlite_drops;
    int count = pgsql ? 2 : 4, rows = 0, i, failed = 0;

    for (i = 0; i < count; i++) {
        failed |= apr_dbd_query(db->driver, db->handle, &rows, drops[i]) != 0;
    }
    tap_ok(!failed, name_of(db, "a version 8 schema, without the tenants' usage"));
    apr_dbd_query(db->driver, db->handle, &rows,
                  "INSERT INTO occi_entity (id, kind, owner, revision, mixins, attributes) VALUES"
                  " ('c0000000-0000-4000-8000-000000000001', '" COMPUTE "', 'carol', 1, '[]',"
                  "  '{\"occi.compute.cores\":2,\"occi.compute.memory\":1.5}'),"
                  " ('c0000000-0000-4000-8000-000000000002', '" COMPUTE "', 'carol', 1, '[]',"
                  "  '{\"occi.core.title\":\"defaults\"}'),"
                  " ('c0000000-0000-4000-8000-000000000003', '" STORAGE "', 'carol', 1, '[]',"
                  "  '{\"occi.storage.size\":10}'),"
                  " ('c0000000-0000-4000-8000-000000000004', '" OCCI_SCHEME_INFRA "network',"
                  "  'carol', 1, '[]', '{}'),"
                  " ('c0000000-0000-4000-8000-000000000005', '" NETIF "', 'carol', 1, '[]',"
                  "  '{\"occi.compute.cores\":99}'),"
                  " ('c0000000-0000-4000-8000-000000000006', '" COMPUTE "', 'dave', 1, '[]',"
                  "  '{\"occi.compute.cores\":\"many\",\"occi.compute.memory\":0.5}')");
    tap_is_int(rows, 6, name_of(db, "holding six entities of two owners"));
    upgrade_from(db, 8);
    tap_is_str(usage_row(db, "carol"), "3 2560 10240 2 1",
               name_of(db, "the sums of an owner's computes, storage and network"));
    tap_is_str(usage_row(db, "dave"), "1 512 0 1 0",
               name_of(db, "cores that are no number count as the default"));
    apr_dbd_query(db->driver, db->handle, &rows,
                  "UPDATE occi_entity SET attributes = '{\"occi.compute.cores\":6,"
                  "\"occi.compute.memory\":1.5}' WHERE id = 'c0000000-0000-4000-8000-000000000001'");
    tap_is_str(usage_row(db, "carol"), "7 2560 10240 2 1",
               name_of(db, "then a change of cores made by hand is counted"));
    apr_dbd_query(db->driver, db->handle, &rows,
                  "UPDATE occi_entity SET owner = 'dave'"
                  " WHERE id = 'c0000000-0000-4000-8000-000000000003'");
    tap_is_str(apr_pstrcat(db->pool, usage_row(db, "carol"), " / ", usage_row(db, "dave"), NULL),
               "7 2560 0 2 1 / 1 512 10240 1 0", name_of(db, "so is a storage given to another"));
    apr_dbd_query(db->driver, db->handle, &rows, "DELETE FROM occi_entity"
                  " WHERE id LIKE 'c0000000-%'");
    tap_is_str(apr_pstrcat(db->pool, usage_row(db, "carol"), " / ", usage_row(db, "dave"), NULL),
               "0 0 0 0 0 / 0 0 0 0 0", name_of(db, "and deletions, down to nothing"));
    apr_dbd_query(db->driver, db->handle, &rows, "DELETE FROM occi_tenant_usage");
}

/* A database of schema version 2, where user mixin type ids and
 * locations were unique across owners, keeps its mixins at version 3 and
 * lets another owner take the same type id. */
static void test_migrate_from_2(database *db)
{
    int rows;

    drop_hosts(db);
    apr_dbd_query(db->driver, db->handle, &rows, "DROP TABLE occi_user_mixin");
    apr_dbd_query(db->driver, db->handle, &rows,
                  apr_pstrcat(db->pool, "CREATE TABLE occi_user_mixin (seq ",
                  strcmp(db->name, "pgsql") ? "INTEGER" : "BIGSERIAL",
                  " PRIMARY KEY, type_id VARCHAR NOT NULL UNIQUE,"
                  " scheme VARCHAR NOT NULL, term VARCHAR NOT NULL, title VARCHAR,"
                  " location VARCHAR NOT NULL UNIQUE, owner VARCHAR NOT NULL DEFAULT '',"
                  " depends TEXT NOT NULL, applies TEXT NOT NULL)", NULL));
    apr_dbd_query(db->driver, db->handle, &rows,
                  "INSERT INTO occi_user_mixin VALUES (7, 'http://example.com/a#t',"
                  " 'http://example.com/a#', 't', 'kept', '/t/', 'alice', '[]', '[]')");
    upgrade_from(db, 2);
    tap_is_str(sql_value(db, "SELECT title FROM occi_user_mixin WHERE seq = 7"), "kept",
               name_of(db, "its user mixins are kept"));
    apr_dbd_query(db->driver, db->handle, &rows,
                  "INSERT INTO occi_user_mixin VALUES (8, 'http://example.com/a#t',"
                  " 'http://example.com/a#', 't', NULL, '/t/', 'bob', '[]', '[]')");
    tap_is_int(rows, 1, name_of(db, "another owner may then take the same type id"));
    apr_dbd_query(db->driver, db->handle, &rows, "DELETE FROM occi_user_mixin");
}

static void test_migrate(database *db)
{
    const char *error;
    int rows;

    error = occi_store_migrate(db->pool, db->driver, db->handle);
    tap_is_str(error, NULL, name_of(db, "migrate creates the schema"));
    error = occi_store_migrate(db->pool, db->driver, db->handle);
    tap_is_str(error, NULL, name_of(db, "migrate again changes nothing"));
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_schema"), "1",
               name_of(db, "one version row"));
    tap_is_str(sql_value(db, "SELECT version FROM occi_schema"),
               apr_itoa(db->pool, OCCI_SCHEMA_VERSION),
               name_of(db, "the version row holds OCCI_SCHEMA_VERSION"));

    apr_dbd_query(db->driver, db->handle, &rows, "UPDATE occi_schema SET version = 99");
    error = occi_store_migrate(db->pool, db->driver, db->handle);
    tap_like(error, "newer", name_of(db, "a newer schema is refused"));
    tap_like(error, "99", name_of(db, "the refusal names the stored version"));
    apr_dbd_query(db->driver, db->handle, &rows,
                  apr_psprintf(db->pool, "UPDATE occi_schema SET version = %d",
                               OCCI_SCHEMA_VERSION));
    tap_is_str(occi_store_migrate(db->pool, db->driver, db->handle), NULL,
               name_of(db, "the current schema is accepted again"));
    test_migrate_from_2(db);
    test_migrate_from_4(db);
    test_migrate_from_5(db);
    test_migrate_from_8(db);
}

/* Several processes migrating a new database at once, as httpd's children
 * do at their first connections. */
static void test_concurrent_migrate(database *db)
{
    enum { CHILDREN = 4 };
    pid_t children[CHILDREN];
    int i, succeeded = 0;

    fflush(stdout);
    for (i = 0; i < CHILDREN; i++) {
        children[i] = fork();
        if (children[i] == 0) {
            apr_pool_t *pool;
            const char *error;
            apr_dbd_t *handle;

            apr_pool_create(&pool, NULL);
            handle = connect_to(db, pool, &error);
            if (!handle) {
                printf("# child: %s\n", error);
                fflush(stdout);
                _exit(2);
            }
            error = occi_store_migrate(pool, db->driver, handle);
            if (error) {
                printf("# child: %s\n", error);
                fflush(stdout);
            }
            apr_dbd_close(db->driver, handle);
            _exit(error ? 1 : 0);
        }
    }
    for (i = 0; i < CHILDREN; i++) {
        int status = 0;

        if (children[i] > 0 && waitpid(children[i], &status, 0) == children[i]
                && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            succeeded++;
        }
    }
    tap_is_int(succeeded, CHILDREN, name_of(db, "processes migrating at once all succeed"));
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_schema"), "1",
               name_of(db, "and leave one version row"));
}

static const char *const hostile_strings[] = {
    "plain",
    "with \"double\" and 'single' quotes",
    "back\\slash \\\" and \\n",
    "line\nbreak\r\nand\ttab",
    "UTF-8: \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad",
    "<markup attr=\"x\">&amp; & </markup>",
    "",
    "%s %d %lld ? $1 :name -- ; DROP TABLE occi_entity;",
};

static void test_round_trip(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_entity *entity = resource(pool, R1, COMPUTE, "alice"), *got = NULL;
    const occi_value *value;
    occi_attribute_value repeated;
    int i;

    for (i = 0; i < (int)(sizeof(hostile_strings) / sizeof(hostile_strings[0])); i++) {
        occi_entity_set_string(pool, entity, apr_psprintf(pool, "test.string%d", i),
                               hostile_strings[i]);
    }
    occi_entity_set_string(pool, entity, "occi.core.title", "first");
    set_integer(entity, "occi.compute.cores", 4);
    set_integer(entity, "test.negative", -17);
    set_integer(entity, "test.big", 9007199254740993LL);   /* beyond a double's 2^53 */
    set_float(entity, "occi.compute.memory", 1.0);
    set_float(entity, "test.tenth", 0.1);
    set_float(entity, "test.tiny", -2.5e-300);
    set_boolean(entity, "test.yes", 1);
    set_boolean(entity, "test.no", 0);
    set_json(entity, "test.array", OCCI_TYPE_ARRAY, "[1,\"a\\\"b\",{\"c\":null},[true,2.5]]");
    set_json(entity, "test.object", OCCI_TYPE_OBJECT, "{\"k\":\"v<&>\",\"n\":[1,2],\"e\":{}}");
    add_mixin(pool, entity, SSH_KEY);
    add_mixin(pool, entity, OS_TPL);
    add_mixin(pool, entity, SMALL);

    is_status(db, occi_store_insert(db->store, entity), OCCI_STORE_OK, "insert a resource");
    is_status(db, occi_store_get(db->store, pool, R1, "alice", &got), OCCI_STORE_OK,
              "get it back");
    if (!got) {
        return;
    }
    tap_is_str(got->id, R1, name_of(db, "id"));
    tap_is_str(got->kind, COMPUTE, name_of(db, "kind"));
    tap_is_str(got->owner, "alice", name_of(db, "owner"));
    tap_is_int(got->revision, 1, name_of(db, "a new entity is at revision 1"));
    tap_is_str(mixin_list(pool, got), SSH_KEY " " OS_TPL " " SMALL,
               name_of(db, "mixins in their order"));
    tap_is_int(got->attributes->nelts, entity->attributes->nelts,
               name_of(db, "as many attributes"));
    for (i = 0; i < entity->attributes->nelts && i < got->attributes->nelts; i++) {
        const occi_attribute_value *want = &APR_ARRAY_IDX(entity->attributes, i,
                                                          occi_attribute_value);
        const occi_attribute_value *have = &APR_ARRAY_IDX(got->attributes, i,
                                                          occi_attribute_value);

        tap_is_str(have->name, want->name,
                   name_of(db, apr_psprintf(pool, "attribute %d keeps its place", i)));
        if (!tap_ok(occi_value_equal(&have->value, &want->value),
                    name_of(db, apr_psprintf(pool, "%s keeps its type and value",
                                             want->name)))) {
            printf("#   got:      %d %s\n#   expected: %d %s\n", have->value.type,
                   occi_value_to_text(pool, &have->value), want->value.type,
                   occi_value_to_text(pool, &want->value));
        }
    }
    value = occi_entity_get(got, "test.tenth");
    tap_ok(value && value->type == OCCI_TYPE_FLOAT && value->number == 0.1,
           name_of(db, "0.1 reads back as exactly the same double"));
    value = occi_entity_get(got, "test.big");
    tap_ok(value && value->type == OCCI_TYPE_INTEGER && value->integer == 9007199254740993LL,
           name_of(db, "integers keep all 64 bits"));

    is_status(db, occi_store_insert(db->store, resource(pool, R1, STORAGE, "alice")),
              OCCI_STORE_CONFLICT, "a second insert of the id conflicts");
    is_status(db, occi_store_insert(db->store, resource(pool, R1, COMPUTE, "bob")),
              OCCI_STORE_CONFLICT, "also for another owner");
    tap_is_str(fetch(db, R1) ? fetch(db, R1)->kind : NULL, COMPUTE,
               name_of(db, "the conflict left the first entity as it was"));
    tap_is_str(sql_count(db, "occi_membership", "entity_id", R1), "3",
               name_of(db, "and its memberships"));

    /* A repeated mixin or attribute in the entity is stored once. */
    entity = resource(pool, R3, STORAGE, "");
    add_mixin(pool, entity, SMALL);
    add_mixin(pool, entity, SMALL);
    set_integer(entity, "occi.storage.size", 1);
    repeated = APR_ARRAY_IDX(entity->attributes, 0, occi_attribute_value);
    repeated.value.integer = 2;
    APR_ARRAY_PUSH(entity->attributes, occi_attribute_value) = repeated;
    is_status(db, occi_store_insert(db->store, entity), OCCI_STORE_OK,
              "insert with a repeated mixin and attribute");
    got = fetch(db, R3);
    tap_is_str(mixin_list(pool, got), SMALL, name_of(db, "the mixin is kept once"));
    value = got ? occi_entity_get(got, "occi.storage.size") : NULL;
    tap_ok(got && got->attributes->nelts == 1 && value && value->integer == 2,
           name_of(db, "the attribute once, with its last value"));
    tap_is_str(got ? got->owner : NULL, "", name_of(db, "the empty owner"));
    is_status(db, occi_store_delete(db->store, R3, NULL), OCCI_STORE_OK, "delete it");

    entity = resource(pool, R3, STORAGE, "alice");
    entity->id = NULL;
    is_status(db, occi_store_insert(db->store, entity), OCCI_STORE_ERROR,
              "an entity without an id is refused");
    entity = resource(pool, R3, STORAGE, "alice");
    set_json(entity, "test.array", OCCI_TYPE_ARRAY, "[1,");
    is_status(db, occi_store_insert(db->store, entity), OCCI_STORE_ERROR,
              "an array that is not JSON is refused");
    tap_ok(fetch(db, R3) == NULL, name_of(db, "and nothing of it is stored"));
}

static void test_owners(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_store_query query;
    apr_array_header_t *list = NULL;
    occi_entity *got = NULL;

    is_status(db, occi_store_get(db->store, pool, R1, "bob", &got), OCCI_STORE_NOT_FOUND,
              "another owner does not see the entity");
    is_status(db, occi_store_get(db->store, pool, R1, "", &got), OCCI_STORE_NOT_FOUND,
              "nor does the anonymous owner");
    is_status(db, occi_store_get(db->store, pool, R1, NULL, &got), OCCI_STORE_OK,
              "no owner sees every entity");
    is_status(db, occi_store_get(db->store, pool, R3, NULL, &got), OCCI_STORE_NOT_FOUND,
              "an absent id is not found");

    memset(&query, 0, sizeof(query));
    query.owner = "bob";
    is_status(db, occi_store_list(db->store, pool, &query, &list), OCCI_STORE_OK,
              "list for another owner");
    tap_is_int(list ? list->nelts : -1, 0, name_of(db, "finds nothing"));
    query.kind = COMPUTE;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_int(list ? list->nelts : -1, 0, name_of(db, "nor in the kind's collection"));
    query.kind = NULL;
    query.mixin = OS_TPL;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_int(list ? list->nelts : -1, 0, name_of(db, "nor in a mixin's collection"));
    query.mixin = NULL;
    query.attribute = "occi.core.title";
    query.value = "first";
    occi_store_list(db->store, pool, &query, &list);
    tap_is_int(list ? list->nelts : -1, 0, name_of(db, "nor by attribute"));
    query.owner = "alice";
    occi_store_list(db->store, pool, &query, &list);
    tap_is_int(list ? list->nelts : -1, 1, name_of(db, "which the owner's list finds"));

    is_status(db, occi_store_delete(db->store, R1, "bob"), OCCI_STORE_NOT_FOUND,
              "another owner cannot delete the entity");
    tap_ok(fetch(db, R1) != NULL, name_of(db, "which is still there"));
}

static void test_update(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_entity *entity = NULL;
    occi_store_query query;
    apr_array_header_t *list = NULL;
    long long count = -1;

    occi_store_get(db->store, pool, R1, "alice", &entity);
    if (!entity) {
        tap_ok(0, name_of(db, "the entity to update exists"));
        return;
    }
    occi_entity_set_string(pool, entity, "occi.core.title", "second");
    occi_entity_set(entity, "test.yes", NULL);
    entity->mixins->nelts = 0;
    add_mixin(pool, entity, SMALL);
    add_mixin(pool, entity, SSH_KEY);
    is_status(db, occi_store_update(db->store, entity, 1), OCCI_STORE_OK,
              "update at the expected revision");
    tap_is_int(entity->revision, 2, name_of(db, "the new revision is written back"));
    entity = fetch(db, R1);
    tap_is_int(entity ? entity->revision : -1, 2, name_of(db, "and stored"));
    tap_is_str(entity ? occi_entity_get_string(entity, "occi.core.title") : NULL, "second",
               name_of(db, "the changed attribute"));
    tap_ok(entity && occi_entity_get(entity, "test.yes") == NULL,
           name_of(db, "the removed attribute is gone"));
    tap_is_str(mixin_list(pool, entity), SMALL " " SSH_KEY, name_of(db, "the new mixin list"));

    memset(&query, 0, sizeof(query));
    query.mixin = OS_TPL;
    occi_store_count(db->store, &query, &count);
    tap_is_int(count, 0, name_of(db, "the dropped mixin's collection lost it"));
    query.mixin = NULL;
    query.attribute = "occi.core.title";
    query.value = "first";
    occi_store_count(db->store, &query, &count);
    tap_is_int(count, 0, name_of(db, "the old value no longer matches"));
    query.value = "second";
    occi_store_list(db->store, pool, &query, &list);
    tap_is_str(id_list(pool, list), "01", name_of(db, "the new value does"));

    if (!entity) {
        return;
    }
    occi_entity_set_string(pool, entity, "occi.core.title", "stale");
    is_status(db, occi_store_update(db->store, entity, 1), OCCI_STORE_CONFLICT,
              "update at a past revision conflicts");
    tap_is_int(entity->revision, 2, name_of(db, "the entity's revision is left"));
    tap_is_str(occi_entity_get_string(fetch(db, R1), "occi.core.title"), "second",
               name_of(db, "nothing is written"));
    is_status(db, occi_store_update(db->store, entity, -1), OCCI_STORE_OK,
              "update without a revision");
    tap_is_int(entity->revision, 3, name_of(db, "raises the revision"));

    entity = resource(pool, R3, COMPUTE, "alice");
    is_status(db, occi_store_update(db->store, entity, -1), OCCI_STORE_NOT_FOUND,
              "update of an absent entity");
    is_status(db, occi_store_update(db->store, entity, 1), OCCI_STORE_NOT_FOUND,
              "also with a revision");
}

static void test_links_and_delete(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_entity *link;
    apr_array_header_t *links = NULL;
    occi_store_query query;
    long long count = -1;

    is_status(db, occi_store_insert(db->store, resource(pool, R2, COMPUTE, "alice")),
              OCCI_STORE_OK, "insert a second resource");
    link = link_from(pool, L1, R2, "/network/" R1, "alice");
    add_mixin(pool, link,
              "http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface");
    occi_entity_set_string(pool, link, "occi.networkinterface.address", "10.0.0.1");
    is_status(db, occi_store_insert(db->store, link), OCCI_STORE_OK, "insert a link from it");
    is_status(db, occi_store_insert(db->store,
                                    link_from(pool, L2, R2, "http://elsewhere/x", "alice")),
              OCCI_STORE_OK, "and another");
    is_status(db, occi_store_insert(db->store, link_from(pool, L3, R1, "/storage/x", "alice")),
              OCCI_STORE_OK, "and one from the first resource");

    is_status(db, occi_store_links_from(db->store, pool, R2, &links), OCCI_STORE_OK,
              "links from the resource");
    tap_is_str(id_list(pool, links), "01 02", name_of(db, "are its links, oldest first"));
    link = links && links->nelts ? APR_ARRAY_IDX(links, 0, occi_entity *) : NULL;
    tap_is_str(link ? occi_entity_get_string(link, "occi.core.source") : NULL, "/compute/" R2,
               name_of(db, "a link keeps its source as given"));
    tap_is_str(link ? occi_entity_get_string(link, "occi.core.target") : NULL, "/network/" R1,
               name_of(db, "and its target"));
    tap_is_str(sql_value(db, "SELECT source_id FROM occi_entity WHERE id = '" L1 "'"), R2,
               name_of(db, "the link row holds the source's id"));

    is_status(db, occi_store_delete(db->store, R2, "alice"), OCCI_STORE_OK,
              "delete the resource");
    tap_ok(fetch(db, R2) == NULL, name_of(db, "the resource is gone"));
    tap_ok(fetch(db, L1) == NULL && fetch(db, L2) == NULL, name_of(db, "with its links"));
    tap_is_str(sql_count(db, "occi_membership", "entity_id", L1), "0",
               name_of(db, "and the links' memberships"));
    tap_is_str(sql_count(db, "occi_attribute", "entity_id", L1), "0",
               name_of(db, "and the links' attribute rows"));
    tap_is_str(sql_count(db, "occi_attribute", "entity_id", R2), "0",
               name_of(db, "and its own"));
    occi_store_links_from(db->store, pool, R2, &links);
    tap_is_int(links ? links->nelts : -1, 0, name_of(db, "no link is left from it"));
    tap_ok(fetch(db, L3) != NULL, name_of(db, "another resource's link stays"));
    memset(&query, 0, sizeof(query));
    query.kind = NETIF;
    occi_store_count(db->store, &query, &count);
    tap_is_int(count, 1, name_of(db, "the link collection holds that one"));
    is_status(db, occi_store_delete(db->store, R2, "alice"), OCCI_STORE_NOT_FOUND,
              "deleting it again finds nothing");

    is_status(db, occi_store_delete(db->store, L3, NULL), OCCI_STORE_OK, "delete a link alone");
    tap_ok(fetch(db, R1) != NULL, name_of(db, "its source stays"));
}

/* Resources 01..09 and links, owners and attributes mixed, created in
 * order; the lists below name them by the last digits of their ids. */
static void make_collection(database *db)
{
    apr_pool_t *pool = db->pool;
    int i;

    for (i = 1; i <= 9; i++) {
        const char *id = apr_psprintf(pool, "30000000-0000-4000-8000-0000000000%02d", i);
        occi_entity *entity = resource(pool, id, i % 3 == 0 ? STORAGE : COMPUTE,
                                       i % 2 ? "carol" : "dave");

        occi_entity_set_string(pool, entity, "occi.compute.state", i <= 4 ? "active" : "inactive");
        set_integer(entity, "occi.compute.cores", i % 4);
        set_float(entity, "occi.compute.memory", i * 0.5);
        set_boolean(entity, "test.even", i % 2 == 0);
        if (i % 2) {
            add_mixin(pool, entity, SMALL);
        }
        if (i >= 5) {
            add_mixin(pool, entity, OS_TPL);
        }
        occi_store_insert(db->store, entity);
    }
}

typedef struct {
    const char *what;
    const char *owner, *kind, *mixin, *attribute, *value;
    const char *ids;            /* every match, in order */
} list_case;

static const list_case list_cases[] = {
    { "all", NULL, NULL, NULL, NULL, NULL, "01 02 03 04 05 06 07 08 09" },
    { "all of an owner", "carol", NULL, NULL, NULL, NULL, "01 03 05 07 09" },
    { "a kind", NULL, COMPUTE, NULL, NULL, NULL, "01 02 04 05 07 08" },
    { "a kind of an owner", "dave", COMPUTE, NULL, NULL, NULL, "02 04 08" },
    { "a mixin", NULL, NULL, SMALL, NULL, NULL, "01 03 05 07 09" },
    { "a mixin of an owner", "carol", NULL, OS_TPL, NULL, NULL, "05 07 09" },
    { "a mixin and a kind", NULL, STORAGE, SMALL, NULL, NULL, "03 09" },
    { "a mixin and a kind of an owner", "dave", COMPUTE, OS_TPL, NULL, NULL, "08" },
    { "a string attribute", NULL, NULL, NULL, "occi.compute.state", "active", "01 02 03 04" },
    { "an integer attribute", NULL, NULL, NULL, "occi.compute.cores", "1", "01 05 09" },
    { "a float attribute", NULL, NULL, NULL, "occi.compute.memory", "2.0", "04" },
    { "a float attribute with a fraction", NULL, NULL, NULL, "occi.compute.memory", "1.5", "03" },
    { "a boolean attribute", NULL, NULL, NULL, "test.even", "true", "02 04 06 08" },
    { "an attribute of an owner", "carol", NULL, NULL, "occi.compute.state", "inactive",
      "05 07 09" },
    { "an attribute and a kind", NULL, COMPUTE, NULL, "occi.compute.state", "active",
      "01 02 04" },
    { "an attribute and a mixin", NULL, NULL, SMALL, "occi.compute.state", "active", "01 03" },
    { "an attribute, a kind, a mixin, an owner", "carol", COMPUTE, OS_TPL,
      "occi.compute.state", "inactive", "05 07" },
    { "an attribute no entity has", NULL, NULL, NULL, "occi.compute.state", "suspended", "" },
    { "an integer attribute written as a string", NULL, NULL, NULL, "occi.compute.cores",
      "\"1\"", "" },
    { "an unknown kind", NULL, "http://example.com/#nothing", NULL, NULL, NULL, "" },
};

/* The ids of list's entities from the collection, as two-digit numbers. */
static const char *collection_ids(apr_pool_t *pool, apr_array_header_t *list)
{
    const char *ids = "";
    int i, n = 0;

    for (i = 0; list && i < list->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(list, i, occi_entity *);

        if (!strncmp(entity->id, "30000000", 8)) {
            ids = apr_pstrcat(pool, ids, n++ ? " " : "", entity->id + 34, NULL);
        }
    }
    return ids;
}

static void test_list(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_store_query query;
    apr_array_header_t *list = NULL;
    long long count = -1;
    size_t c;

    make_collection(db);
    /* R1 (alice) stays in the store; these queries keep to the collection. */
    for (c = 0; c < sizeof(list_cases) / sizeof(list_cases[0]); c++) {
        const list_case *l = &list_cases[c];
        const char *ids;

        memset(&query, 0, sizeof(query));
        query.owner = l->owner;
        query.kind = l->kind;
        query.mixin = l->mixin;
        query.attribute = l->attribute;
        query.value = l->value;
        list = NULL;
        is_status(db, occi_store_list(db->store, pool, &query, &list), OCCI_STORE_OK,
                  apr_psprintf(pool, "list %s", l->what));
        ids = collection_ids(pool, list);
        tap_is_str(ids, l->ids,
                   name_of(db, apr_psprintf(pool, "list %s finds them in order", l->what)));
        count = -1;
        is_status(db, occi_store_count(db->store, &query, &count), OCCI_STORE_OK,
                  apr_psprintf(pool, "count %s", l->what));
        tap_is_int(count, list ? list->nelts : -1,
                   name_of(db, apr_psprintf(pool, "count %s agrees with the list", l->what)));
        /* The same, two rows at a time, each chunk after the last row of
         * the one before: every row once, in the same order. */
        {
            const char *chunked = "";
            long long last = 0;
            int chunks = 0;

            query.limit = 2;
            query.last = &last;
            do {
                apr_array_header_t *chunk = NULL;
                const char *chunk_ids;

                query.after = last;
                if (occi_store_list(db->store, pool, &query, &chunk) != OCCI_STORE_OK) {
                    chunked = "(failed)";
                    break;
                }
                chunk_ids = collection_ids(pool, chunk);
                if (*chunk_ids) {
                    chunked = apr_pstrcat(pool, chunked, *chunked ? " " : "", chunk_ids, NULL);
                }
                if (chunk->nelts == 0 && last != 0) {
                    chunked = "(an empty chunk did not end with position 0)";
                    break;
                }
            } while (last != 0 && ++chunks < 20);
            tap_is_str(chunked, l->ids, name_of(db, apr_psprintf(
                           pool, "list %s two at a time, each after the last", l->what)));
        }
    }

    memset(&query, 0, sizeof(query));
    query.kind = COMPUTE;
    query.offset = 2;
    query.limit = 3;
    occi_store_list(db->store, pool, &query, &list);
    /* R1, created first, opens the kind's collection. */
    tap_is_str(collection_ids(pool, list), "02 04 05", name_of(db, "a page of a kind"));
    query.offset = 5;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_str(collection_ids(pool, list), "07 08", name_of(db, "the last page is short"));
    query.offset = 6;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_str(collection_ids(pool, list), "08", name_of(db, "the last entity alone"));
    query.offset = 7;
    list = NULL;
    is_status(db, occi_store_list(db->store, pool, &query, &list), OCCI_STORE_OK,
              "a page past the end");
    tap_is_int(list ? list->nelts : -1, 0, name_of(db, "is empty"));
    occi_store_count(db->store, &query, &count);
    tap_is_int(count, 7, name_of(db, "count ignores the page"));

    memset(&query, 0, sizeof(query));
    query.mixin = OS_TPL;
    query.owner = "carol";
    query.offset = 1;
    query.limit = 1;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_str(collection_ids(pool, list), "07", name_of(db, "a page of a mixin's collection"));
    memset(&query, 0, sizeof(query));
    query.attribute = "occi.compute.state";
    query.value = "inactive";
    query.offset = 3;
    query.limit = 10;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_str(collection_ids(pool, list), "08 09", name_of(db, "a page of an attribute filter"));
    memset(&query, 0, sizeof(query));
    query.owner = "dave";
    query.limit = 2;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_str(collection_ids(pool, list), "02 04", name_of(db, "a first page of an owner's"));

    memset(&query, 0, sizeof(query));
    query.attribute = "occi.compute.state";
    is_status(db, occi_store_list(db->store, pool, &query, &list), OCCI_STORE_ERROR,
              "an attribute filter without a value is refused");
}

static void test_long_values(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_entity *entity = resource(pool, R2, STORAGE, "alice");
    char *text = apr_palloc(pool, 10001);
    occi_store_query query;
    apr_array_header_t *list = NULL;
    int i;

    for (i = 0; i < 10000; i++) {
        text[i] = (char)('a' + i % 26);
    }
    text[10000] = '\0';
    occi_entity_set_string(pool, entity, "occi.core.summary", text);
    occi_entity_set_string(pool, entity, "test.hash", "#not a digest");
    is_status(db, occi_store_insert(db->store, entity), OCCI_STORE_OK,
              "insert a 10 kB attribute value");
    tap_is_int(strlen(occi_entity_get_string(fetch(db, R2), "occi.core.summary")), 10000,
               name_of(db, "it reads back whole"));
    memset(&query, 0, sizeof(query));
    query.attribute = "occi.core.summary";
    query.value = text;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_int(list ? list->nelts : -1, 1, name_of(db, "and filters by it"));
    text[9999] = 'A';
    occi_store_list(db->store, pool, &query, &list);
    tap_is_int(list ? list->nelts : -1, 0, name_of(db, "but not by another long text"));
    query.attribute = "test.hash";
    query.value = "#not a digest";
    occi_store_list(db->store, pool, &query, &list);
    tap_is_int(list ? list->nelts : -1, 1, name_of(db, "a value starting with # filters"));
    occi_store_delete(db->store, R2, NULL);
}

static void test_membership(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_store_query query;
    long long count = -1;
    long long revision = revision_of(db, R1);

    is_status(db, occi_store_add_mixin(db->store, R1, OS_TPL), OCCI_STORE_OK, "add a mixin");
    tap_is_int(revision_of(db, R1), revision + 1, name_of(db, "the revision grows"));
    tap_is_str(mixin_list(pool, fetch(db, R1)), SMALL " " SSH_KEY " " OS_TPL,
               name_of(db, "the mixin ends the list"));
    memset(&query, 0, sizeof(query));
    query.mixin = OS_TPL;
    query.owner = "alice";
    occi_store_count(db->store, &query, &count);
    tap_is_int(count, 1, name_of(db, "the entity is in the mixin's collection"));

    is_status(db, occi_store_add_mixin(db->store, R1, OS_TPL), OCCI_STORE_OK,
              "adding it again");
    tap_is_int(revision_of(db, R1), revision + 1, name_of(db, "changes nothing"));
    is_status(db, occi_store_remove_mixin(db->store, R1, SMALL), OCCI_STORE_OK,
              "remove a mixin");
    tap_is_int(revision_of(db, R1), revision + 2, name_of(db, "the revision grows again"));
    tap_is_str(mixin_list(pool, fetch(db, R1)), SSH_KEY " " OS_TPL,
               name_of(db, "the others keep their order"));
    query.mixin = SMALL;
    occi_store_count(db->store, &query, &count);
    tap_is_int(count, 0, name_of(db, "the entity left the mixin's collection"));
    is_status(db, occi_store_remove_mixin(db->store, R1, SMALL), OCCI_STORE_OK,
              "removing it again");
    tap_is_int(revision_of(db, R1), revision + 2, name_of(db, "changes nothing either"));
    is_status(db, occi_store_add_mixin(db->store, R3, OS_TPL), OCCI_STORE_NOT_FOUND,
              "adding a mixin to an absent entity");
    is_status(db, occi_store_remove_mixin(db->store, R3, OS_TPL), OCCI_STORE_NOT_FOUND,
              "removing one from an absent entity");
    tap_is_str(sql_count(db, "occi_membership", "entity_id", R3), "0",
               name_of(db, "leaves no membership"));
}

static occi_category *user_mixin(apr_pool_t *pool, const char *scheme, const char *term,
                                 const char *title, const char *location)
{
    static const char *const applies[] = { COMPUTE, STORAGE, NULL };
    static const char *const depends[] = { OS_TPL, NULL };
    occi_category *mixin = apr_pcalloc(pool, sizeof(*mixin));

    mixin->cls = OCCI_CLASS_MIXIN;
    mixin->scheme = scheme;
    mixin->term = term;
    mixin->title = title;
    mixin->location = location;
    mixin->applies = applies;
    mixin->depends = title ? depends : NULL;
    return mixin;
}

static void test_user_mixins(database *db)
{
    apr_pool_t *pool = db->pool;
    apr_array_header_t *mixins = NULL, *owners = NULL;
    const occi_category *mixin;
    occi_store_query query;
    long long count = -1, revision;

    is_status(db, occi_store_insert_mixin(db->store,
                                          user_mixin(pool, "http://example.com/user/alice#", "tag",
                                                     "Alice's \"tag\" <&>", "/-/tag/"), "alice"),
              OCCI_STORE_OK, "insert a user mixin");
    is_status(db, occi_store_insert_mixin(db->store,
                                          user_mixin(pool, "http://example.com/user/bob#", "web",
                                                     NULL, "/-/web/"), "bob"),
              OCCI_STORE_OK, "and another of another owner");
    is_status(db, occi_store_insert_mixin(db->store,
                                          user_mixin(pool, "http://example.com/user/alice#", "tag",
                                                     "again", "/-/other/"), "alice"),
              OCCI_STORE_CONFLICT, "a type id the owner has conflicts");
    is_status(db, occi_store_insert_mixin(db->store,
                                          user_mixin(pool, "http://example.com/user/alice#", "t",
                                                     NULL, "/-/tag/"), "alice"),
              OCCI_STORE_CONFLICT, "a location the owner has conflicts");
    is_status(db, occi_store_insert_mixin(db->store,
                                          user_mixin(pool, "http://example.com/user/alice#", "tag",
                                                     "carol's", "/-/tag/"), "carol"),
              OCCI_STORE_OK, "another owner has the same type id and location");
    occi_store_list_mixins(db->store, pool, "carol", &mixins, NULL);
    tap_ok(mixins && mixins->nelts == 1
           && !strcmp(APR_ARRAY_IDX(mixins, 0, occi_category *)->title, "carol's"),
           name_of(db, "as a mixin of her own"));
    occi_store_add_mixin(db->store, R1, USER_TAG);
    is_status(db, occi_store_delete_mixin(db->store, USER_TAG, "carol"), OCCI_STORE_OK,
              "she deletes hers");
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_membership WHERE entity_id = '" R1 "'"
                             " AND mixin = '" USER_TAG "'"), "1",
               name_of(db, "which leaves the memberships of alice's alone"));
    occi_store_remove_mixin(db->store, R1, USER_TAG);

    is_status(db, occi_store_list_mixins(db->store, pool, NULL, &mixins, &owners), OCCI_STORE_OK,
              "list every user mixin");
    tap_is_int(mixins ? mixins->nelts : -1, 2, name_of(db, "both are there"));
    if (!mixins || mixins->nelts != 2) {
        return;
    }
    mixin = APR_ARRAY_IDX(mixins, 0, occi_category *);
    tap_ok(mixin->cls == OCCI_CLASS_MIXIN, name_of(db, "a user mixin is a mixin"));
    tap_is_str(occi_category_type_id(pool, mixin), USER_TAG, name_of(db, "the oldest first"));
    tap_is_str(mixin->title, "Alice's \"tag\" <&>", name_of(db, "its title"));
    tap_is_str(mixin->location, "/-/tag/", name_of(db, "its location"));
    tap_ok(mixin->applies && !strcmp(mixin->applies[0], COMPUTE)
           && !strcmp(mixin->applies[1], STORAGE) && !mixin->applies[2],
           name_of(db, "what it applies to"));
    tap_ok(mixin->depends && !strcmp(mixin->depends[0], OS_TPL) && !mixin->depends[1],
           name_of(db, "what it depends on"));
    tap_is_str(APR_ARRAY_IDX(owners, 0, const char *), "alice", name_of(db, "its owner"));
    mixin = APR_ARRAY_IDX(mixins, 1, occi_category *);
    tap_ok(mixin->title == NULL, name_of(db, "no title stays no title"));
    tap_ok(mixin->depends == NULL, name_of(db, "no dependencies stay none"));
    tap_is_str(APR_ARRAY_IDX(owners, 1, const char *), "bob", name_of(db, "the other's owner"));
    occi_store_list_mixins(db->store, pool, "bob", &mixins, NULL);
    tap_is_int(mixins ? mixins->nelts : -1, 1, name_of(db, "an owner lists only its own"));

    occi_store_add_mixin(db->store, R1, USER_TAG);
    revision = revision_of(db, R1);
    is_status(db, occi_store_delete_mixin(db->store, USER_TAG, "bob"), OCCI_STORE_NOT_FOUND,
              "another owner cannot delete the mixin");
    memset(&query, 0, sizeof(query));
    query.mixin = USER_TAG;
    occi_store_count(db->store, &query, &count);
    tap_is_int(count, 1, name_of(db, "which keeps its member"));
    is_status(db, occi_store_delete_mixin(db->store, USER_TAG, "alice"), OCCI_STORE_OK,
              "the owner deletes it");
    occi_store_count(db->store, &query, &count);
    tap_is_int(count, 0, name_of(db, "its collection is empty"));
    tap_is_str(mixin_list(pool, fetch(db, R1)), SSH_KEY " " OS_TPL,
               name_of(db, "its member no longer names it"));
    tap_is_int(revision_of(db, R1), revision + 1, name_of(db, "and is at a new revision"));
    is_status(db, occi_store_delete_mixin(db->store, USER_TAG, NULL), OCCI_STORE_NOT_FOUND,
              "deleting it again finds nothing");
    occi_store_list_mixins(db->store, pool, NULL, &mixins, NULL);
    tap_is_int(mixins ? mixins->nelts : -1, 1, name_of(db, "one user mixin is left"));
    is_status(db, occi_store_insert_mixin(db->store,
                                          user_mixin(pool, "http://example.com/user/carol#", "t",
                                                     NULL, "/-/tag/"), "carol"),
              OCCI_STORE_OK, "its location is free again");
}

static void test_transactions(database *db)
{
    apr_pool_t *pool = db->pool;
    apr_hash_t *crippled = apr_hash_copy(pool, db->prepared);
    occi_store *store;
    occi_entity *entity;
    const char *id = "40000000-0000-4000-8000-000000000001";
    const char *other = "40000000-0000-4000-8000-000000000002";

    is_status(db, occi_store_begin(db->store), OCCI_STORE_OK, "begin");
    is_status(db, occi_store_begin(db->store), OCCI_STORE_ERROR, "transactions do not nest");
    is_status(db, occi_store_insert(db->store, resource(pool, id, COMPUTE, "alice")),
              OCCI_STORE_OK, "insert inside the transaction");
    is_status(db, occi_store_add_mixin(db->store, id, OS_TPL), OCCI_STORE_OK,
              "change it inside the transaction");
    tap_ok(fetch(db, id) != NULL, name_of(db, "the transaction sees its changes"));
    occi_store_rollback(db->store);
    tap_ok(fetch(db, id) == NULL, name_of(db, "rollback leaves nothing"));
    tap_is_str(sql_count(db, "occi_membership", "entity_id", id), "0",
               name_of(db, "not even a membership"));
    is_status(db, occi_store_commit(db->store), OCCI_STORE_ERROR,
              "commit without a transaction");

    occi_store_begin(db->store);
    occi_store_insert(db->store, resource(pool, id, COMPUTE, "alice"));
    is_status(db, occi_store_insert(db->store, resource(pool, id, COMPUTE, "alice")),
              OCCI_STORE_CONFLICT, "a conflict inside a transaction");
    is_status(db, occi_store_commit(db->store), OCCI_STORE_OK,
              "does not spoil the transaction");
    tap_ok(fetch(db, id) != NULL, name_of(db, "commit keeps the changes"));

    /* A store whose statement for attribute rows is missing fails after
     * the entity row is written. */
    apr_hash_set(crippled, "occi_attribute_insert", APR_HASH_KEY_STRING, NULL);
    store = occi_store_open(pool, db->driver, db->handle, crippled);
    entity = resource(pool, other, COMPUTE, "alice");
    add_mixin(pool, entity, OS_TPL);
    occi_entity_set_string(pool, entity, "occi.core.title", "half");
    tap_is_int(occi_store_insert(store, entity), OCCI_STORE_ERROR,
               name_of(db, "a change failing half-way fails"));
    tap_like(occi_store_error(store), "occi_attribute_insert",
             name_of(db, "naming the missing statement"));
    tap_ok(fetch(db, other) == NULL, name_of(db, "and leaves no entity row"));
    tap_is_str(sql_count(db, "occi_membership", "entity_id", other), "0",
               name_of(db, "and no membership"));

    tap_is_int(occi_store_begin(store), OCCI_STORE_OK,
               name_of(db, "in the caller's transaction"));
    tap_is_int(occi_store_delete(store, id, NULL), OCCI_STORE_OK,
               name_of(db, "a first change succeeds"));
    tap_is_int(occi_store_insert(store, entity), OCCI_STORE_ERROR,
               name_of(db, "the failing one fails"));
    tap_is_int(occi_store_commit(store), OCCI_STORE_ERROR,
               name_of(db, "and the commit refuses"));
    tap_ok(fetch(db, id) != NULL && fetch(db, other) == NULL,
           name_of(db, "the whole transaction is undone"));
    tap_is_int(occi_store_begin(store), OCCI_STORE_OK,
               name_of(db, "the connection takes a new transaction"));
    occi_store_rollback(store);

    tap_is_int(occi_store_delete(db->store, id, NULL), OCCI_STORE_OK,
               name_of(db, "clean up"));
}

/* SQLite's writers of one process: each transaction holds the write gate
 * from begin to its end, and a commit returns once the group sync of the
 * log has covered it. */
static void remember_reason(void *data, const char *reason)
{
    *(const char **)data = reason;
}

static void test_write_turns(database *db)
{
    apr_pool_t *pool = db->pool, *request;
    occi_write_gate *gate = occi_write_gate_create(pool, NULL);
    occi_group_sync *sync = occi_group_sync_create(
        pool, apr_pstrcat(pool, db->params, "-wal", NULL));
    occi_group_sync *lost = occi_group_sync_create(pool, "/nonexistent/occi.sqlite-wal");
    occi_store *store = occi_store_open(pool, db->driver, db->handle, db->prepared);
    const char *id = "50000000-0000-4000-8000-000000000001";
    const char *other = "50000000-0000-4000-8000-000000000002";
    const char *error = NULL, *sync_failure = NULL;
    apr_dbd_t *handle;

    occi_store_use_write_gate(store, gate);
    occi_store_use_group_sync(store, sync, remember_reason, &sync_failure);
    tap_is_int(occi_store_begin(store), OCCI_STORE_OK, name_of(db, "a gated transaction begins"));
    tap_is_int(occi_write_gate_enter(gate, apr_time_now()), APR_TIMEUP,
               name_of(db, "and holds the write gate"));
    occi_store_insert(store, resource(pool, id, COMPUTE, "alice"));
    tap_is_int(occi_store_commit(store), OCCI_STORE_OK, name_of(db, "its commit succeeds"));
    tap_ok(sync_failure == NULL, name_of(db, "with no sync failure"));
    tap_is_int((long long)occi_group_sync_count(sync), 1,
               name_of(db, "once the log was synced"));
    tap_ok(fetch(db, id) != NULL, name_of(db, "the change is there"));
    tap_is_int(occi_write_gate_enter(gate, apr_time_now()), APR_SUCCESS,
               name_of(db, "and the gate was left"));
    occi_write_gate_leave(gate);

    occi_store_begin(store);
    occi_store_rollback(store);
    tap_is_int(occi_write_gate_enter(gate, apr_time_now()), APR_SUCCESS,
               name_of(db, "a rollback leaves the gate too"));
    occi_write_gate_leave(gate);

    /* A log that cannot be synced: the change is committed, and said to
     * be of unknown durability. */
    occi_store_use_group_sync(store, lost, remember_reason, &sync_failure);
    occi_store_begin(store);
    occi_store_insert(store, resource(pool, other, COMPUTE, "alice"));
    tap_is_int(occi_store_commit(store), OCCI_STORE_OK,
               name_of(db, "a commit whose log cannot be synced is still committed"));
    tap_like(sync_failure, "/nonexistent/occi.sqlite-wal",
             name_of(db, "and the failure is told, naming the log"));
    tap_ok(fetch(db, other) != NULL, name_of(db, "the change is there"));
    sync_failure = NULL;
    tap_is_int(occi_store_add_mixin(store, other, OS_TPL), OCCI_STORE_OK,
               name_of(db, "a change in its own transaction"));
    tap_like(sync_failure, "/nonexistent/occi.sqlite-wal",
             name_of(db, "tells a failed sync too"));

    /* A request that ends with its transaction open (on a connection of
     * its own, closed after: the driver's handle remembers the ended
     * request's transaction). */
    apr_pool_create(&request, pool);
    handle = connect_to(db, pool, &error);
    store = occi_store_open(request, db->driver, handle, db->prepared);
    occi_store_use_write_gate(store, gate);
    occi_store_begin(store);
    apr_pool_destroy(request);
    tap_is_int(occi_write_gate_enter(gate, apr_time_now()), APR_SUCCESS,
               name_of(db, "the end of a request leaves the gate it held"));
    occi_write_gate_leave(gate);
    apr_dbd_close(db->driver, handle);

    occi_store_delete(db->store, id, NULL);
    occi_store_delete(db->store, other, NULL);
}

/* The collection queries read an index in creation order: no full scan of
 * a table and no sort, however large the collection. */
static void test_plans(database *db)
{
    static const char *const labels[] = {
        "occi_list_all_owner", "occi_list_kind", "occi_list_kind_owner", "occi_list_mixin",
        "occi_list_mixin_owner", "occi_list_attribute", "occi_list_attribute_owner",
        "occi_links_from", "occi_membership_members",
    };
    const occi_statement *statements;
    int count, i, j;
    size_t l;

    statements = occi_store_statements(&count);
    for (l = 0; l < sizeof(labels) / sizeof(labels[0]); l++) {
        for (i = 0; i < count && strcmp(statements[i].label, labels[l]); i++) {
        }
        if (i < count) {
            apr_dbd_prepared_t *statement = NULL;
            apr_dbd_results_t *results = NULL;
            apr_dbd_row_t *row = NULL;
            const char *args[16], *plan = "";

            for (j = 0; j < 16; j++) {
                args[j] = "1";
            }
            apr_dbd_prepare(db->driver, db->pool, db->handle,
                            apr_pstrcat(db->pool, "EXPLAIN QUERY PLAN ", statements[i].sql, NULL),
                            NULL, &statement);
            if (statement && apr_dbd_pselect(db->driver, db->pool, db->handle, &results,
                                             statement, 1, 16, args) == 0) {
                while (apr_dbd_get_row(db->driver, db->pool, results, &row, -1) == 0) {
                    plan = apr_pstrcat(db->pool, plan, apr_dbd_get_entry(db->driver, row, 3),
                                       "; ", NULL);
                }
            }
            tap_ok(plan[0] && !strstr(plan, "SCAN e") && !strstr(plan, "SCAN m")
                   && !strstr(plan, "SCAN a") && !strstr(plan, "SCAN occi_")
                   && !strstr(plan, "TEMP B-TREE"),
                   name_of(db, apr_psprintf(db->pool, "%s reads an index in order", labels[l])));
            if (!plan[0] || strstr(plan, "SCAN") || strstr(plan, "TEMP")) {
                printf("#   %s\n", plan);
            }
        }
    }
}

/* The hypervisor's objects that the store does not know
 * (occi_unmanaged.h): names read, then checked against entities and saved
 * templates of any owner. */
static void test_unmanaged(database *db)
{
    static const char *const names[][2] = {
        { "domain", "occi-" R1 },                 /* a stored compute */
        { "volume", "occi-" R1 "-root.qcow2" },  /* its root disk */
        { "volume", "occi-" R2 "-seed.iso" },    /* a compute the store lacks */
        { "domain", "occi-" R2 },
        { "network", "occi-" R3 },                /* stored, of another owner */
        { "volume", "occi-4e000000-0000-4000-8000-00000000abcd.qcow2" },
        { "volume", "occi-saved-keep.qcow2" },    /* a saved template the store has */
        { "volume", "occi-saved-gone.qcow2" },
        { "volume", "backup.qcow2" },             /* someone else's */
        { "domain", "occi-web" },
        { "volume", "occi-saved-.qcow2" },
        { "network", "occi-" R1 ".qcow2" },
    };
    apr_pool_t *pool = db->pool;
    apr_array_header_t *objects = apr_array_make(pool, 8, sizeof(occi_hv_object));
    apr_array_header_t *unmanaged = NULL;
    occi_category *saved = user_mixin(pool, "http://cloud.example.com/occi/saved_os_tpl#", "keep",
                                      NULL, "/mixin/os_tpl/keep/");
    occi_hv_object object;
    size_t i;
    int read = 0;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (occi_hv_object_from_name(pool, names[i][0], names[i][1], &object)) {
            APR_ARRAY_PUSH(objects, occi_hv_object) = object;
            read++;
        }
    }
    tap_is_int(read, 8, name_of(db, "eight of the twelve names are the module's"));
    occi_hv_object_from_name(pool, "volume", "occi-" R2 "-seed.iso", &object);
    tap_is_str(apr_pstrcat(pool, object.kind, " ", object.id, NULL), "compute " R2,
               name_of(db, "a seed volume belongs to its compute"));
    occi_hv_object_from_name(pool, "volume", "occi-saved-keep.qcow2", &object);
    tap_is_str(apr_pstrcat(pool, object.kind, " ", object.id, NULL), "os_tpl keep",
               name_of(db, "a saved image belongs to its template"));

    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R3, NULL);
    is_status(db, occi_store_insert(db->store, resource(pool, R1, COMPUTE, "alice")),
              OCCI_STORE_OK, "unmanaged: a compute of alice's");
    is_status(db, occi_store_insert(db->store, resource(pool, R3, OCCI_SCHEME_INFRA "network",
                                                        "bob")),
              OCCI_STORE_OK, "unmanaged: a network of bob's");
    is_status(db, occi_store_insert_mixin(db->store, saved, "alice"), OCCI_STORE_OK,
              "unmanaged: a saved template of alice's");
    is_status(db, occi_unmanaged_objects(db->store, pool, objects,
                                         "http://cloud.example.com/occi/saved_os_tpl#",
                                         &unmanaged),
              OCCI_STORE_OK, "unmanaged objects found");
    tap_is_str(occi_unmanaged_text(pool, unmanaged),
               "volume occi-" R2 "-seed.iso compute " R2 "\n"
               "domain occi-" R2 " compute " R2 "\n"
               "volume occi-4e000000-0000-4000-8000-00000000abcd.qcow2 storage "
               "4e000000-0000-4000-8000-00000000abcd\n"
               "volume occi-saved-gone.qcow2 os_tpl gone\n",
               name_of(db, "those the store lacks, whoever owns what it has, in order"));
    tap_like(occi_unmanaged_json(pool, unmanaged),
             "{\"type\":\"volume\",\"name\":\"occi-saved-gone.qcow2\",\"kind\":\"os_tpl\","
             "\"id\":\"gone\"}", name_of(db, "the JSON report"));
    tap_is_str(occi_unmanaged_summary(pool, unmanaged, 2),
               "volume occi-" R2 "-seed.iso, domain occi-" R2 " and 2 more",
               name_of(db, "the log's summary"));
    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R3, NULL);
    occi_store_delete_mixin(db->store, "http://cloud.example.com/occi/saved_os_tpl#keep", NULL);
}

/* Intents: who holds one, until when, and taking over a lease that ran
 * out. */
static void test_intents(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_store_intent intent, *listed;
    apr_array_header_t *intents = NULL;
    const char *const A = "node-a 100", *const B = "node-b 200";

    memset(&intent, 0, sizeof(intent));
    intent.id = "30000000-0000-4000-8000-000000000001";
    intent.verb = "save";
    intent.entity_id = R1;
    intent.owner = "alice";
    intent.detail = "saved-1";
    is_status(db, occi_store_insert_intent(db->store, &intent), OCCI_STORE_OK,
              "intents: one recorded");
    intent.id = "30000000-0000-4000-8000-000000000002";
    intent.entity_id = R2;
    intent.detail = "saved-2";
    is_status(db, occi_store_insert_intent(db->store, &intent), OCCI_STORE_OK,
              "intents: another, of another compute");
    is_status(db, occi_store_list_intents(db->store, pool, "save", R1, NULL, &intents),
              OCCI_STORE_OK, "intents: listed by entity");
    tap_is_int(intents->nelts, 1, name_of(db, "intents: one for R1"));
    listed = intents->nelts ? APR_ARRAY_IDX(intents, 0, occi_store_intent *) : &intent;
    tap_is_str(apr_pstrcat(pool, listed->detail, " ", listed->owner, " ",
                           listed->holder ? listed->holder : "(nobody)", NULL),
               "saved-1 alice (nobody)", name_of(db, "intents: as recorded, held by nobody"));
    occi_store_list_intents(db->store, pool, "save", NULL, "saved-2", &intents);
    tap_is_int(intents->nelts, 1, name_of(db, "intents: listed by detail"));
    occi_store_list_intents(db->store, pool, "save", NULL, NULL, &intents);
    tap_is_int(intents->nelts, 2, name_of(db, "intents: all of a verb"));
    occi_store_list_intents(db->store, pool, "create", NULL, NULL, &intents);
    tap_is_int(intents->nelts, 0, name_of(db, "intents: none of another verb"));

    is_status(db, occi_store_claim_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                          A, 1100, 1000),
              OCCI_STORE_OK, "intents: A claims one until 1100");
    is_status(db, occi_store_claim_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                          B, 1200, 1050),
              OCCI_STORE_CONFLICT, "intents: B cannot while A's lease runs");
    is_status(db, occi_store_claim_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                          A, 1300, 1200),
              OCCI_STORE_OK, "intents: A renews its own");
    is_status(db, occi_store_claim_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                          B, 1400, 1250),
              OCCI_STORE_CONFLICT, "intents: B cannot before the renewed lease ends");
    is_status(db, occi_store_claim_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                          B, 2400, 1301),
              OCCI_STORE_OK, "intents: B takes it over once A's lease ran out");
    is_status(db, occi_store_delete_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                           A),
              OCCI_STORE_NOT_FOUND, "intents: A, which lost it, cannot delete it");
    occi_store_release_intent(db->store, "30000000-0000-4000-8000-000000000001", A);
    occi_store_list_intents(db->store, pool, "save", R1, NULL, &intents);
    listed = intents->nelts ? APR_ARRAY_IDX(intents, 0, occi_store_intent *) : &intent;
    tap_is_str(apr_psprintf(pool, "%s %" APR_INT64_T_FMT,
                            listed->holder ? listed->holder : "(nobody)",
                            (apr_int64_t)listed->lease_until),
               "node-b 200 2400", name_of(db, "intents: nor let go of it"));
    is_status(db, occi_store_release_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                            B),
              OCCI_STORE_OK, "intents: B lets go of it");
    is_status(db, occi_store_claim_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                          A, 1500, 1400),
              OCCI_STORE_OK, "intents: then anyone may claim it at once");
    is_status(db, occi_store_delete_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                           A),
              OCCI_STORE_OK, "intents: its holder deletes it when done");
    is_status(db, occi_store_claim_intent(db->store, "30000000-0000-4000-8000-000000000001",
                                          B, 1500, 1400),
              OCCI_STORE_NOT_FOUND, "intents: a deleted one cannot be claimed");
    is_status(db, occi_store_delete_intents_with(db->store, "save", "saved-2"), OCCI_STORE_OK,
              "intents: deleted with their detail");
    occi_store_list_intents(db->store, pool, "save", NULL, NULL, &intents);
    tap_is_int(intents->nelts, 0, name_of(db, "intents: none left"));
}

/* Holder names: a process of this node that is gone, and the others. */
static void test_holders(void)
{
    apr_pool_t *pool;
    const char *mine, *gone;
    pid_t child;

    apr_pool_create(&pool, NULL);
    mine = occi_holder_name(pool, "node-a", "recovery");
    child = fork();
    if (child == 0) {
        _exit(0);
    }
    waitpid(child, NULL, 0);
    gone = apr_psprintf(pool, "node-a %ld", (long)child);
    tap_ok(occi_holder_died_here(gone, mine), "holders: a process of this node that is gone");
    tap_ok(occi_holder_died_here(apr_pstrcat(pool, gone, " saves", NULL), mine),
           "holders: with a role too");
    tap_ok(!occi_holder_died_here(apr_psprintf(pool, "node-b %ld", (long)child), mine),
           "holders: another node's process is not judged here");
    tap_ok(!occi_holder_died_here(occi_holder_name(pool, "node-a", NULL), mine),
           "holders: this process is alive");
    tap_ok(!occi_holder_died_here(apr_psprintf(pool, "node-a %ld", (long)getppid()), mine),
           "holders: a live process of this node");
    tap_ok(!occi_holder_died_here("node-a", mine) && !occi_holder_died_here("node-a x", mine)
           && !occi_holder_died_here(NULL, mine), "holders: unreadable names are not judged");
    apr_pool_destroy(pool);
}

static int domain_exists(apr_pool_t *pool, occi_hypervisor *hv, const char *id)
{
    apr_array_header_t *objects;
    occi_hv_error error;
    int i;

    if (occi_hypervisor_list_objects(hv, pool, &objects, &error) != OCCI_HV_OK) {
        return -1;
    }
    for (i = 0; i < objects->nelts; i++) {
        const occi_hv_object *object = &APR_ARRAY_IDX(objects, i, occi_hv_object);

        if (!strcmp(object->type, "network") && !strcmp(object->id, id)) {
            return 1;
        }
    }
    return 0;
}

static void record_change(database *db, const char *id, const char *what, const char *uri,
                          const occi_entity *entity, const char *holder, long long lease_until)
{
    apr_array_header_t *one = apr_array_make(db->pool, 1, sizeof(occi_entity *));
    occi_store_intent intent;

    APR_ARRAY_PUSH(one, const occi_entity *) = entity;
    memset(&intent, 0, sizeof(intent));
    intent.id = id;
    intent.verb = OCCI_CHANGE_VERB;
    intent.entity_id = entity->id;
    intent.owner = "alice";
    intent.detail = occi_change_describe(db->pool, test_model(db->pool), what, uri, one);
    intent.holder = holder;
    intent.lease_until = lease_until;
    occi_store_insert_intent(db->store, &intent);
}

static void collect(void *data, occi_recovery_level level, int number, const char *message)
{
    apr_array_header_t *messages = data;

    (void)level;
    APR_ARRAY_PUSH(messages, const char *) = apr_psprintf(messages->pool, "OCCI%d: %s", number,
                                                          message);
}

/* A recovery context as node-a's recovery thread has, over hv, telling
 * messages what it does. */
static occi_recovery_context recovery_context(database *db, occi_hypervisor *hv, const char *uri,
                                              apr_array_header_t *messages)
{
    occi_recovery_context context;

    memset(&context, 0, sizeof(context));
    context.store = db->store;
    context.hypervisor = hv;
    context.model = test_model(db->pool);
    context.hypervisor_uri = uri;
    context.holder = "node-a 1 recovery";
    context.report = collect;
    context.report_data = messages;
    return context;
}

/* Interrupted changes, finished by another process: a create the store
 * never committed is undone on the hypervisor (libvirt's test driver, in
 * this process), a delete it never committed is carried out; a change
 * whose holder lives, or of another hypervisor, is left alone. */
static void test_recovery(database *db)
{
    static const char *const uri = "test:///default";
    apr_pool_t *pool = db->pool;
    occi_hypervisor_config config;
    occi_recovery_context context;
    occi_hypervisor *hv;
    occi_entity *made, *kept;
    apr_array_header_t *messages = apr_array_make(pool, 4, sizeof(const char *));
    apr_array_header_t *left;
    occi_hv_error error;
    long long now = (long long)apr_time_sec(apr_time_now());
    int finished = -1;

    memset(&config, 0, sizeof(config));
    config.uri = uri;
    config.domain_type = "test";
    config.pool = "default-pool";
    config.os_images = apr_array_make(pool, 0, sizeof(occi_os_image));
    hv = occi_hypervisor_create(pool, &config);
    made = resource(pool, "50000000-0000-4000-8000-000000000001", OCCI_SCHEME_INFRA "network",
                    "alice");
    kept = resource(pool, "50000000-0000-4000-8000-000000000002", OCCI_SCHEME_INFRA "network",
                    "alice");
    if (!tap_ok(hv && occi_hypervisor_create_entity(hv, pool, made, NULL, NULL, &error)
                          == OCCI_HV_OK
                   && occi_hypervisor_create_entity(hv, pool, kept, NULL, NULL, &error)
                          == OCCI_HV_OK,
                name_of(db, "recovery: two networks on the test driver"))) {
        return;
    }
    is_status(db, occi_store_insert(db->store, kept), OCCI_STORE_OK,
              "recovery: the store has the second");
    /* A node that died making the first (never committed) and deleting the
     * second (the network gone, the row not yet); a live process updating
     * the second; a change on another host's hypervisor. */
    record_change(db, "60000000-0000-4000-8000-000000000001", "create", uri, made,
                  "node-b 4000000", now - 1);
    record_change(db, "60000000-0000-4000-8000-000000000002", "delete", uri, kept,
                  "node-b 4000000", now - 1);
    record_change(db, "60000000-0000-4000-8000-000000000003", "action", uri, kept,
                  "node-c 4000001", now + 60);
    record_change(db, "60000000-0000-4000-8000-000000000004", "create",
                  "qemu+ssh://elsewhere/system", made, "node-b 4000000", now - 1);

    context = recovery_context(db, hv, uri, messages);
    is_status(db, occi_changes_recover(&context, pool, &finished), OCCI_STORE_OK,
              "recovery: a look at the intents");
    tap_is_int(finished, 2, name_of(db, "recovery: the two interrupted changes are finished"));
    tap_is_int(domain_exists(pool, hv, made->id), 0,
               name_of(db, "recovery: the uncommitted create is undone on the hypervisor"));
    tap_is_int(domain_exists(pool, hv, kept->id), 0,
               name_of(db, "recovery: the uncommitted delete is carried out on the hypervisor"));
    is_status(db, occi_store_get(db->store, pool, kept->id, NULL, &kept), OCCI_STORE_NOT_FOUND,
              "recovery: and in the store");
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &left);
    tap_is_int(left->nelts, 2, name_of(db, "recovery: the live holder's and the other "
                                           "hypervisor's intents are left"));
    tap_like(messages->nelts ? APR_ARRAY_IDX(messages, 0, const char *) : "",
             "OCCI95: finished an interrupted create of 1 entities, whose process "
             "(node-b 4000000) died", name_of(db, "recovery: each is told"));
    occi_store_delete_intent(db->store, "60000000-0000-4000-8000-000000000003", NULL);
    occi_store_delete_intent(db->store, "60000000-0000-4000-8000-000000000004", NULL);
}

/* ---- A fake hypervisor provider ------------------------------------- */

typedef struct {
    occi_hv_status next;           /* what the next call answers */
    int running;                   /* computes run (a save waits) */
    int deletes, saves;            /* calls that succeeded */
    occi_store *witness;           /* another connection: what it sees of intents */
    int intents_seen;              /* ... when a delete is asked for */
    occi_store *thief;             /* takes the change's intent during a delete */
    int fail_after, acts;          /* actions refused after fail_after of them */
    int updates;                   /* updates that succeeded */
    int refuse_update_at;          /* the update call (1, 2, ...) that is refused; 0: none */
    int update_calls;
    int saved_deleted;             /* saved images removed */
    const char *last_action;       /* the last action asked for */
    int refuse_save_at;            /* the save call (1, 2, ...) that is refused; 0: none */
    int save_calls;
    int creates;                   /* creates that succeeded */
    long long memory_mib;          /* what capacity says: 4 cores and this (0: 4 GiB) */
    const char *saved;             /* the term of a saved image it holds, or NULL */
    int capacities;                /* times its capacity was asked */
    occi_store *sneak;             /* another connection: at a create, it inserts ... */
    const occi_entity *sneaked;    /* ... this entity (once) */
} fake_hv;

/* With a thief, takes the change's intent, as another process would once
 * the lease had run out. */
static void fake_steal(fake_hv *fake, apr_pool_t *pool)
{
    apr_array_header_t *intents;

    if (!fake->thief) {
        return;
    }
    occi_store_list_intents(fake->thief, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    if (intents->nelts) {
        occi_store_claim_intent(fake->thief, APR_ARRAY_IDX(intents, 0, occi_store_intent *)->id,
                                "node-z 1 recovery", 1LL << 40, 1LL << 41);
    }
}

static occi_hv_status fake_answer(fake_hv *fake, occi_hv_error *error)
{
    occi_hv_status status = fake->next;

    error->status = status;
    error->message = status == OCCI_HV_UNAVAILABLE ? "the fake hypervisor is away"
                     : status == OCCI_HV_OK ? NULL : "the fake hypervisor refuses";
    return status;
}

static occi_hv_status fake_observe(void *impl, apr_pool_t *pool, apr_array_header_t *entities,
                                   occi_hv_error *error)
{
    (void)pool;
    (void)entities;
    return fake_answer(impl, error);
}

static occi_hv_status fake_create(void *impl, apr_pool_t *pool, occi_entity *entity,
                                  const occi_entity *source, const occi_entity *target,
                                  occi_hv_error *error)
{
    fake_hv *fake = impl;

    (void)pool;
    (void)target;
    /* Refuses links when fail_after is -1. */
    if (fake->fail_after == -1 && source) {
        error->status = OCCI_HV_INVALID;
        error->message = "the fake hypervisor refuses the link";
        return error->status;
    }
    (void)entity;
    if (fake->sneak && fake->sneaked) {
        occi_store_insert(fake->sneak, fake->sneaked);
        fake->sneaked = NULL;
    }
    if (fake_answer(fake, error) == OCCI_HV_OK) {
        fake->creates++;
    }
    return error->status;
}

static occi_hv_status fake_delete(void *impl, apr_pool_t *pool, const occi_entity *entity,
                                  const occi_entity *source, occi_hv_error *error)
{
    fake_hv *fake = impl;

    (void)entity;
    (void)source;
    if (fake->witness) {
        apr_array_header_t *intents;

        fake->intents_seen = occi_store_list_intents(fake->witness, pool, OCCI_CHANGE_VERB, NULL,
                                                     NULL, &intents) == OCCI_STORE_OK
                                 ? intents->nelts : -1;
    }
    fake_steal(fake, pool);
    if (fake_answer(fake, error) == OCCI_HV_OK) {
        fake->deletes++;
    }
    return error->status;
}

static occi_hv_status fake_act(void *impl, apr_pool_t *pool, occi_entity *entity,
                               const char *action, const apr_array_header_t *parameters,
                               occi_hv_error *error)
{
    fake_hv *fake = impl;

    (void)parameters;
    fake->last_action = action;
    /* Refuses from the (fail_after + 1)th call on, when fail_after is set. */
    if (fake->fail_after && fake->acts++ >= fake->fail_after) {
        error->status = OCCI_HV_CONFLICT;
        error->message = "the fake hypervisor refuses";
        return error->status;
    }
    if (fake_answer(fake, error) == OCCI_HV_OK) {
        occi_entity_set_string(pool, entity, "occi.compute.state", "active");
    }
    return error->status;
}

static occi_hv_status fake_update(void *impl, apr_pool_t *pool, const occi_entity *current,
                                  occi_entity *updated, occi_hv_error *error)
{
    fake_hv *fake = impl;

    (void)pool;
    (void)current;
    (void)updated;
    fake_steal(fake, pool);
    if (++fake->update_calls == fake->refuse_update_at) {
        error->status = OCCI_HV_CONFLICT;
        error->message = "the fake hypervisor refuses this resize";
        return error->status;
    }
    if (fake_answer(fake, error) == OCCI_HV_OK) {
        fake->updates++;
    }
    return error->status;
}

static int fake_can_save(const void *impl, const occi_entity *compute)
{
    (void)impl;
    (void)compute;
    return 1;
}

static occi_hv_status fake_save(void *impl, apr_pool_t *pool, const occi_entity *compute,
                                const char *term, const char *method, int *later,
                                occi_hv_error *error)
{
    fake_hv *fake = impl;

    (void)pool;
    (void)compute;
    (void)term;
    if (++fake->save_calls == fake->refuse_save_at) {
        error->status = OCCI_HV_FAILED;
        error->message = "the fake hypervisor cannot copy this disk";
        return error->status;
    }
    if (fake_answer(fake, error) == OCCI_HV_OK) {
        *later = fake->running && method && !strcmp(method, "deferred");
        fake->saves += !*later;
    }
    return error->status;
}

static occi_hv_status fake_delete_saved(void *impl, apr_pool_t *pool, const char *term,
                                        occi_hv_error *error)
{
    fake_hv *fake = impl;

    (void)pool;
    (void)term;
    if (fake_answer(fake, error) == OCCI_HV_OK) {
        fake->saved_deleted++;
    }
    return error->status;
}

static occi_hv_status fake_list(void *impl, apr_pool_t *pool, apr_array_header_t **objects,
                                occi_hv_error *error)
{
    fake_hv *fake = impl;

    *objects = apr_array_make(pool, 1, sizeof(occi_hv_object));
    if (fake->saved) {
        occi_hv_object *image = apr_array_push(*objects);

        image->type = "volume";
        image->name = apr_pstrcat(pool, "occi-saved-", fake->saved, ".qcow2", NULL);
        image->kind = "os_tpl";
        image->id = fake->saved;
    }
    return fake_answer(impl, error);
}

static occi_hv_status fake_capacity(void *impl, apr_pool_t *pool, occi_hv_capacity *capacity,
                                    occi_hv_error *error)
{
    fake_hv *fake = impl;

    (void)pool;
    fake->capacities++;
    capacity->cores = 4;
    capacity->memory_mib = fake->memory_mib ? fake->memory_mib : 4096;
    capacity->disk_capacity_mib = capacity->disk_available_mib = 102400;
    /* Away only when the whole fake is: a refusal (next) is for changes. */
    if (fake->next == OCCI_HV_UNAVAILABLE) {
        return fake_answer(fake, error);
    }
    error->status = OCCI_HV_OK;
    return OCCI_HV_OK;
}

static int fake_known_down(const void *impl)
{
    return ((const fake_hv *)impl)->next == OCCI_HV_UNAVAILABLE;
}

static const occi_hypervisor_provider fake_provider = {
    "fake", fake_observe, fake_create, fake_delete, fake_act, fake_update, fake_can_save,
    fake_save, fake_delete_saved, fake_list, fake_capacity, fake_known_down,
    NULL,       /* no migration */
    NULL,       /* networks need no joining */
    NULL,       /* no screen */
    NULL,       /* no usage told */
};

/* An interrupted create while the hypervisor is away: the intent waits,
 * unheld, and is finished at a later look once the hypervisor is back. */
static void test_recovery_waits(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_UNAVAILABLE, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    occi_recovery_context context;
    apr_array_header_t *messages = apr_array_make(pool, 4, sizeof(const char *)), *left;
    occi_entity *made = resource(pool, "50000000-0000-4000-8000-000000000003",
                                 OCCI_SCHEME_INFRA "network", "alice");
    int finished = -1;

    record_change(db, "60000000-0000-4000-8000-000000000005", "create", "fake:///", made,
                  "node-b 4000000", 1);
    context = recovery_context(db, occi_hypervisor_make(pool, &fake_provider, &fake), "fake:///",
                               messages);
    occi_changes_recover(&context, pool, &finished);
    tap_is_int(finished, 0, name_of(db, "recovery: nothing is finished while the hypervisor "
                                        "is away"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, made->id, NULL, &left);
    tap_ok(left->nelts == 1 && !APR_ARRAY_IDX(left, 0, occi_store_intent *)->holder,
           name_of(db, "recovery: the intent stays, held by nobody, for the next look"));
    tap_like(messages->nelts ? APR_ARRAY_IDX(messages, 0, const char *) : "",
             "OCCI94: an interrupted create (intent 60000000-0000-4000-8000-000000000005) "
             "cannot be finished yet: the fake hypervisor is away",
             name_of(db, "recovery: and the log says why"));
    fake.next = OCCI_HV_OK;
    occi_changes_recover(&context, pool, &finished);
    tap_is_int(finished * 10 + fake.deletes, 11,
               name_of(db, "recovery: the next look, with the hypervisor back, undoes it"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, made->id, NULL, &left);
    tap_is_int(left->nelts, 0, name_of(db, "recovery: and deletes the intent"));
}

static void note_event(void *data, occi_deferred_event event, const char *message)
{
    apr_array_header_t *events = data;

    (void)message;
    APR_ARRAY_PUSH(events, int) = (int)event;
}

/* Saves deferred to a compute's next stop, with a fake hypervisor: they
 * wait while it runs, are made once it stops; a refused copy and a compute
 * gone take their template with them. */
static void test_deferred_saves(database *db)
{
    static const char *const scheme = "http://cloud.example.com/occi/saved_os_tpl#";
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 1, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    apr_array_header_t *events = apr_array_make(pool, 4, sizeof(int)), *mixins;
    occi_deferred_context context;
    int pending = -1, held = -1, count;

    occi_store_delete(db->store, R1, NULL);
    occi_store_insert(db->store, resource(pool, R1, COMPUTE, "alice"));
    occi_store_insert_mixin(db->store, user_mixin(pool, scheme, "saved-1", NULL,
                                                  "/mixin/os_tpl/saved-1/"), "alice");
    occi_store_insert_mixin(db->store, user_mixin(pool, scheme, "saved-2", NULL,
                                                  "/mixin/os_tpl/saved-2/"), "alice");
    is_status(db, occi_deferred_save_record(db->store, pool, R1, "alice", "saved-1"),
              OCCI_STORE_OK, "deferred: a save waits for R1's next stop");
    memset(&context, 0, sizeof(context));
    context.store = db->store;
    context.hypervisor = occi_hypervisor_make(pool, &fake_provider, &fake);
    context.saved_scheme = scheme;
    context.holder = "node-a 1 saves";
    context.report = note_event;
    context.report_data = events;
    occi_deferred_saves_run(&context, pool, NULL, &pending, &held);
    tap_ok(pending == 1 && held == 0 && fake.saves == 0,
           name_of(db, "deferred: while the compute runs, it waits"));
    fake.running = 0;
    occi_deferred_saves_run(&context, pool, R1, &pending, &held);
    tap_ok(pending == 0 && fake.saves == 1 && events->nelts == 1
           && APR_ARRAY_IDX(events, 0, int) == OCCI_DEFERRED_SAVED,
           name_of(db, "deferred: once it has stopped, the copy is made and told"));
    occi_deferred_saves_pending(db->store, pool, R1, &count);
    tap_is_int(count, 0, name_of(db, "deferred: and nothing waits any more"));

    occi_deferred_save_record(db->store, pool, R1, "alice", "saved-2");
    fake.next = OCCI_HV_FAILED;
    occi_deferred_saves_run(&context, pool, NULL, &pending, &held);
    occi_store_list_mixins(db->store, pool, "alice", &mixins, NULL);
    tap_ok(events->nelts == 2 && APR_ARRAY_IDX(events, 1, int) == OCCI_DEFERRED_FAILED
           && mixins->nelts == 1, name_of(db, "deferred: a copy refused takes its template "
                                              "with it"));
    fake.next = OCCI_HV_OK;
    occi_deferred_save_record(db->store, pool, R2, "alice", "saved-1");
    occi_deferred_saves_run(&context, pool, NULL, &pending, &held);
    occi_store_list_mixins(db->store, pool, "alice", &mixins, NULL);
    tap_ok(events->nelts == 3 && APR_ARRAY_IDX(events, 2, int) == OCCI_DEFERRED_ORPHANED
           && mixins->nelts == 0, name_of(db, "deferred: so does a compute that is gone"));
    occi_store_delete(db->store, R1, NULL);
}

/* A service context for alice on db's store, over the fake hypervisor. */
static occi_service fake_service(database *db, fake_hv *fake)
{
    occi_service service;

    memset(&service, 0, sizeof(service));
    service.store = db->store;
    service.hypervisor = occi_hypervisor_make(db->pool, &fake_provider, fake);
    service.model = test_model(db->pool);
    service.owner = service.scope = "alice";
    service.hypervisor_uri = "fake:///";
    service.holder = "node-a 1";
    service.max_links = 4;
    return service;
}

/* The service layer's delete, with a fake hypervisor: a network with a
 * link to it goes with the link; a refusal or an absence of the hypervisor
 * leaves everything; the intent is in the store (seen by another
 * connection) before the hypervisor is asked; a change whose intent another
 * process took meanwhile (as if its lease had run out) is not committed. */
static void test_service_delete(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    occi_service service;
    occi_result result;
    occi_entity *net = resource(pool, R3, OCCI_SCHEME_INFRA "network", "alice"), *found;
    apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *)), *intents;
    const char *error = NULL;
    apr_dbd_t *other = connect_to(db, pool, &error);
    int i;

    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R3, NULL);
    occi_store_insert(db->store, resource(pool, R1, COMPUTE, "alice"));
    occi_store_insert(db->store, net);
    occi_store_insert(db->store, link_from(pool, L1, R1, "/network/" R3, "alice"));
    APR_ARRAY_PUSH(one, occi_entity *) = net;
    service = fake_service(db, &fake);

    for (i = 0; i < 2; i++) {
        fake.next = i ? OCCI_HV_UNAVAILABLE : OCCI_HV_CONFLICT;
        result = occi_service_delete(&service, pool, one, 0);
        tap_ok(result.cls == (i ? OCCI_RESULT_UNAVAILABLE : OCCI_RESULT_CONFLICT)
               && result.message && strstr(result.message, "fake hypervisor"),
               name_of(db, i ? "service: an absent hypervisor: UNAVAILABLE, with its words"
                             : "service: a refusal of the hypervisor: CONFLICT, with its words"));
        tap_ok(occi_store_get(db->store, pool, R3, NULL, &found) == OCCI_STORE_OK
               && occi_store_get(db->store, pool, L1, NULL, &found) == OCCI_STORE_OK,
               name_of(db, "service: and nothing is deleted"));
    }
    fake.next = OCCI_HV_OK;
    /* The thief writes on the change's own connection: on SQLite another
     * would wait for the change's write lock, and PostgreSQL makes the
     * same decision whichever connection the claim comes from. */
    fake.thief = db->store;
    result = occi_service_delete(&service, pool, one, 0);
    tap_ok(result.cls == OCCI_RESULT_UNAVAILABLE && strstr(result.message, "outlived its lease"),
           name_of(db, "service: a change whose intent another process took is not committed"));
    tap_ok(occi_store_get(db->store, pool, R3, NULL, &found) == OCCI_STORE_OK,
           name_of(db, "service: the network is still stored, for that process to finish"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    for (i = 0; i < intents->nelts; i++) {
        occi_store_delete_intent(db->store, APR_ARRAY_IDX(intents, i, occi_store_intent *)->id,
                                 NULL);
    }
    fake.thief = NULL;
    fake.witness = occi_store_open(pool, db->driver, other,
                                   prepare_statements(pool, db->driver, other, &error));
    fake.deletes = 0;
    result = occi_service_delete(&service, pool, one, 0);
    tap_is_int(result.cls, OCCI_RESULT_OK, name_of(db, "service: then the delete succeeds"));
    tap_is_int(fake.intents_seen, 1, name_of(db, "service: its intent was committed before the "
                                                 "hypervisor was asked"));
    tap_is_int(fake.deletes, 2, name_of(db, "service: the link's device and the network went "
                                            "on the hypervisor"));
    tap_ok(occi_store_get(db->store, pool, R3, NULL, &found) == OCCI_STORE_NOT_FOUND
           && occi_store_get(db->store, pool, L1, NULL, &found) == OCCI_STORE_NOT_FOUND,
           name_of(db, "service: and the network and its link from the store"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    tap_is_int(intents->nelts, 0, name_of(db, "service: the intent is gone with the change"));
    result = occi_service_delete(&service, pool, one, 0);
    tap_is_int(result.cls, OCCI_RESULT_NOT_FOUND, name_of(db, "service: deleting it again: "
                                                              "NOT_FOUND"));
    tap_is_int(occi_service_delete(&service, pool, one, 1).cls, OCCI_RESULT_OK,
               name_of(db, "service: skipped when gone is asked for (collections)"));
    occi_store_delete(db->store, R1, NULL);
    apr_dbd_close(db->driver, other);
}

/* The service layer's actions and stores, with a fake hypervisor: the
 * states it reports are stored; a refusal on the second member of two
 * stores nothing; a stale revision is a conflict; a link whose end or a
 * member whose mixin is gone is refused under the lock. */
static void test_service_act(database *db)
{
    static const char start[] = "http://schemas.ogf.org/occi/infrastructure/compute/action#start";
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    apr_array_header_t *two = apr_array_make(pool, 2, sizeof(occi_entity *));
    apr_array_header_t *afters = apr_array_make(pool, 2, sizeof(const char *)), *intents;
    occi_service service;
    occi_result result;
    occi_entity *vm1, *vm2, *link, *stale;
    long long revision;

    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R2, NULL);
    occi_store_insert(db->store, resource(pool, R1, COMPUTE, "alice"));
    occi_store_insert(db->store, resource(pool, R2, COMPUTE, "alice"));
    service = fake_service(db, &fake);
    service.max_links = 1;
    occi_store_get(db->store, pool, R1, "alice", &vm1);
    occi_store_get(db->store, pool, R2, "alice", &vm2);
    APR_ARRAY_PUSH(two, occi_entity *) = vm1;
    APR_ARRAY_PUSH(two, occi_entity *) = vm2;
    APR_ARRAY_PUSH(afters, const char *) = "active";
    APR_ARRAY_PUSH(afters, const char *) = "active";
    revision = vm1->revision;

    fake.fail_after = 1;
    result = occi_service_act(&service, pool, two, start, NULL, afters);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && strstr(result.message, "after it ran on 1 of 2"),
           name_of(db, "service act: refused on the second member, and says so"));
    occi_store_get(db->store, pool, R1, "alice", &vm1);
    tap_ok(vm1->revision == revision && !occi_entity_get_string(vm1, "occi.compute.state"),
           name_of(db, "service act: and nothing is stored"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    tap_is_int(intents->nelts, 0, name_of(db, "service act: nor any intent left"));

    fake.fail_after = 0;
    APR_ARRAY_IDX(two, 0, occi_entity *) = vm1;
    occi_store_get(db->store, pool, R2, "alice", &stale);
    result = occi_service_act(&service, pool, two, start, NULL, afters);
    tap_is_int(result.cls, OCCI_RESULT_OK, name_of(db, "service act: both members"));
    occi_store_get(db->store, pool, R2, "alice", &vm2);
    tap_is_str(occi_entity_get_string(vm2, "occi.compute.state"), "active",
               name_of(db, "service act: the state the hypervisor reports is stored"));
    {
        apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *));

        APR_ARRAY_PUSH(one, occi_entity *) = stale;
        result = occi_service_store(&service, pool, one, NULL);
        tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 124,
               name_of(db, "service store: an entity read before a change is a conflict"));
    }

    link = link_from(pool, L1, R1, "/network/" R3, "alice");
    occi_store_delete(db->store, R3, NULL);
    occi_store_begin(db->store);
    result = occi_service_lock_relied_on(&service, pool, link, 0);
    occi_store_rollback(db->store);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && strstr(result.message, "target of the link"),
           name_of(db, "service lock: a link whose target is gone"));
    APR_ARRAY_PUSH(vm2->mixins, const char *) = USER_TAG;
    occi_store_begin(db->store);
    result = occi_service_lock_relied_on(&service, pool, vm2, 0);
    occi_store_rollback(db->store);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && strstr(result.message, "mixin " USER_TAG),
           name_of(db, "service lock: a member of a mixin that is gone"));
    occi_store_insert(db->store, resource(pool, R3, OCCI_SCHEME_INFRA "network", "alice"));
    occi_store_insert(db->store, link_from(pool, L2, R1, "/network/" R3, "alice"));
    occi_store_begin(db->store);
    result = occi_service_lock_relied_on(&service, pool, link, 0);
    occi_store_rollback(db->store);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && strstr(result.message, "has 1 links"),
           name_of(db, "service lock: a source with no room left (max_links 1)"));
    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R2, NULL);
    occi_store_delete(db->store, R3, NULL);
}

/* The service layer's update, with a fake hypervisor: a refusal leaves the
 * row; a stale revision is STALE; a change whose intent another process
 * took is not committed, and the hypervisor is changed back. */
static void test_service_update(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_CONFLICT, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    occi_service service;
    occi_result result;
    occi_entity *current, *changed, *now;

    occi_store_delete(db->store, R1, NULL);
    occi_store_insert(db->store, resource(pool, R1, COMPUTE, "alice"));
    service = fake_service(db, &fake);
    occi_store_get(db->store, pool, R1, "alice", &current);
    changed = occi_entity_copy(pool, current);
    set_integer(changed, "occi.compute.cores", 4);

    result = occi_service_update(&service, pool, current, changed, "updated");
    occi_store_get(db->store, pool, R1, "alice", &now);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && now->revision == current->revision,
           name_of(db, "service update: the hypervisor refuses, the row stays"));
    fake.next = OCCI_HV_OK;
    fake.thief = db->store;
    changed = occi_entity_copy(pool, current);
    set_integer(changed, "occi.compute.cores", 4);
    result = occi_service_update(&service, pool, current, changed, "updated");
    occi_store_get(db->store, pool, R1, "alice", &now);
    tap_ok(result.cls == OCCI_RESULT_UNAVAILABLE && now->revision == current->revision
           && fake.updates == 2,
           name_of(db, "service update: its intent taken, nothing is committed and the "
                       "hypervisor is changed back"));
    fake.thief = NULL;
    changed = occi_entity_copy(pool, current);
    set_integer(changed, "occi.compute.cores", 4);
    result = occi_service_update(&service, pool, current, changed, "updated");
    occi_store_get(db->store, pool, R1, "alice", &now);
    tap_ok(result.cls == OCCI_RESULT_OK && now->revision == current->revision + 1,
           name_of(db, "service update: then it is stored"));
    changed = occi_entity_copy(pool, current);
    result = occi_service_update(&service, pool, current, changed, "replaced");
    tap_ok(result.cls == OCCI_RESULT_STALE && strstr(result.message, "while it was replaced"),
           name_of(db, "service update: from a revision read before: STALE"));
    occi_store_delete(db->store, R1, NULL);
}

/* The service layer's create, with a fake hypervisor: a compute with an
 * inline link is stored whole; a link the hypervisor refuses undoes the
 * compute and stores nothing; a taken id undoes what was made; an id with
 * a change under way is refused with Retry-After. */
static void test_service_create(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *)), *intents;
    occi_service service;
    occi_result result;
    occi_entity *vm, *nic, *found;
    int i;

    /* What earlier tests left: an intent another "process" took over. */
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    for (i = 0; i < intents->nelts; i++) {
        occi_store_delete_intent(db->store, APR_ARRAY_IDX(intents, i, occi_store_intent *)->id,
                                 NULL);
    }
    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R3, NULL);
    occi_store_insert(db->store, resource(pool, R3, OCCI_SCHEME_INFRA "network", "alice"));
    service = fake_service(db, &fake);
    vm = resource(pool, R1, COMPUTE, "alice");
    nic = link_from(pool, L1, R1, "/network/" R3, "alice");
    APR_ARRAY_PUSH(vm->links, occi_entity *) = nic;
    APR_ARRAY_PUSH(one, occi_entity *) = vm;

    fake.fail_after = -1;
    result = occi_service_create(&service, pool, one);
    tap_ok(result.cls == OCCI_RESULT_INVALID && fake.deletes == 1
           && occi_store_get(db->store, pool, R1, NULL, &found) == OCCI_STORE_NOT_FOUND,
           name_of(db, "service create: a link refused undoes the compute, nothing stored"));
    fake.fail_after = 0;
    result = occi_service_create(&service, pool, one);
    tap_ok(result.cls == OCCI_RESULT_OK
           && occi_store_get(db->store, pool, R1, NULL, &found) == OCCI_STORE_OK
           && occi_store_get(db->store, pool, L1, NULL, &found) == OCCI_STORE_OK,
           name_of(db, "service create: the compute and its inline link are stored"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    tap_is_int(intents->nelts, 0, name_of(db, "service create: no intent is left"));
    fake.deletes = 0;
    result = occi_service_create(&service, pool, one);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 132 && fake.deletes == 2,
           name_of(db, "service create: a taken id, and what was made is undone"));
    occi_store_delete(db->store, R1, NULL);
    record_change(db, "60000000-0000-4000-8000-000000000009", "create", "fake:///", vm,
                  "node-b 4000000", 1);
    result = occi_service_create(&service, pool, one);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.retry_after > 0,
           name_of(db, "service create: an id whose interrupted change is not finished: "
                       "CONFLICT, with Retry-After"));
    occi_store_delete_intent(db->store, "60000000-0000-4000-8000-000000000009", NULL);
    occi_store_delete(db->store, R3, NULL);
}

static void forget_intents(database *db);

/* What the store says owner holds, as "cores memory storage computes
 * networks". */
static const char *usage_of(database *db, const char *owner)
{
    occi_store_tenant_usage usage;

    if (occi_store_read_tenant_usage(db->store, owner, &usage) != OCCI_STORE_OK) {
        return apr_pstrcat(db->pool, "error: ", occi_store_error(db->store), NULL);
    }
    return apr_psprintf(db->pool, "%" APR_INT64_T_FMT " %" APR_INT64_T_FMT " %" APR_INT64_T_FMT
                        " %" APR_INT64_T_FMT " %" APR_INT64_T_FMT, (apr_int64_t)usage.cores,
                        (apr_int64_t)usage.memory_mib, (apr_int64_t)usage.storage_mib,
                        (apr_int64_t)usage.computes, (apr_int64_t)usage.networks);
}

#define Q1 "70000000-0000-4000-8000-000000000001"
#define Q2 "70000000-0000-4000-8000-000000000002"
#define Q3 "70000000-0000-4000-8000-000000000003"
#define Q4 "70000000-0000-4000-8000-000000000004"
#define Q5 "70000000-0000-4000-8000-000000000005"
#define QL "70000000-0000-4000-8000-0000000000a1"

/* Each owner's usage follows its entities through the store: inserts,
 * changes of sizes (and not of anything else), deletions with links, a
 * transaction rolled back; the listing has every owner that holds
 * something, in order. */
static void test_tenant_usage(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_entity *vm = resource(pool, Q1, COMPUTE, "quota-a"), *bigger, *titled, *found;
    occi_entity *disk = resource(pool, Q3, STORAGE, "quota-a");
    apr_array_header_t *usages;
    const char *listed = "";
    int i;

    tap_is_str(usage_of(db, "quota-a"), "0 0 0 0 0", name_of(db, "usage: nothing at first"));
    set_integer(vm, "occi.compute.cores", 2);
    set_float(vm, "occi.compute.memory", 1.5);
    occi_store_insert(db->store, vm);
    tap_is_str(usage_of(db, "quota-a"), "2 1536 0 1 0",
               name_of(db, "usage: a compute's cores, memory in MiB and one compute"));
    occi_store_insert(db->store, resource(pool, Q2, COMPUTE, "quota-a"));
    tap_is_str(usage_of(db, "quota-a"), "3 2560 0 2 0",
               name_of(db, "usage: a compute without sizes holds a core and a GiB"));
    set_float(disk, "occi.storage.size", 10);
    occi_store_insert(db->store, disk);
    occi_store_insert(db->store, resource(pool, Q4, OCCI_SCHEME_INFRA "network", "quota-a"));
    occi_store_insert(db->store, link_from(pool, QL, Q1, "/network/" Q4, "quota-a"));
    tap_is_str(usage_of(db, "quota-a"), "3 2560 10240 2 1",
               name_of(db, "usage: a storage's size, a network, and a link holds nothing"));
    occi_store_insert(db->store, resource(pool, Q5, COMPUTE, "quota-b"));
    tap_is_str(usage_of(db, "quota-b"), "1 1024 0 1 0",
               name_of(db, "usage: each owner has its own"));
    tap_is_str(sql_value(db, strcmp(db->name, "pgsql")
                             ? "SELECT COUNT(*) || ' ' || MAX(slot) FROM occi_tenant_usage"
                               " WHERE owner = 'quota-a'"
                             : "SELECT COUNT(*) || ' ' || (MAX(slot) = pg_backend_pid() % 64)"
                               " FROM occi_tenant_usage WHERE owner = 'quota-a'"),
               strcmp(db->name, "pgsql") ? "1 0" : "1 true",
               name_of(db, "usage: in one slot, the session's (slot 0 on SQLite)"));
    is_status(db, occi_store_lock_tenant(db->store, "quota-a"), OCCI_STORE_ERROR,
              "usage: an owner's lock outside a transaction is a mistake");

    occi_store_get(db->store, pool, Q1, NULL, &found);
    bigger = occi_entity_copy(pool, found);
    set_integer(bigger, "occi.compute.cores", 6);
    is_status(db, occi_store_update(db->store, bigger, found->revision), OCCI_STORE_OK,
              "usage: cores changed");
    tap_is_str(usage_of(db, "quota-a"), "7 2560 10240 2 1",
               name_of(db, "usage: follows the change of cores"));
    titled = occi_entity_copy(pool, bigger);
    occi_entity_set_string(pool, titled, "occi.core.title", "renamed");
    occi_store_update(db->store, titled, bigger->revision);
    occi_store_add_mixin(db->store, Q1, SMALL);
    tap_is_str(usage_of(db, "quota-a"), "7 2560 10240 2 1",
               name_of(db, "usage: a change of title or of mixins moves nothing"));
    occi_store_get(db->store, pool, Q3, NULL, &found);
    set_float(found, "occi.storage.size", 12.5);
    occi_store_update(db->store, found, found->revision);
    tap_is_str(usage_of(db, "quota-a"), "7 2560 12800 2 1",
               name_of(db, "usage: follows a storage's resize"));

    is_status(db, occi_store_begin(db->store), OCCI_STORE_OK, "usage: begin");
    occi_store_insert(db->store, resource(pool, "70000000-0000-4000-8000-000000000009", COMPUTE,
                                          "quota-a"));
    tap_is_str(usage_of(db, "quota-a"), "8 3584 12800 3 1",
               name_of(db, "usage: inside a transaction, with its own rows"));
    is_status(db, occi_store_lock_tenant(db->store, "quota-a"), OCCI_STORE_OK,
              "usage: the owner's lock inside a transaction");
    tap_is_str(usage_of(db, "quota-a"), "8 3584 12800 3 1",
               name_of(db, "usage: its lock row holds nothing"));
    occi_store_rollback(db->store);
    tap_is_str(usage_of(db, "quota-a"), "7 2560 12800 2 1",
               name_of(db, "usage: a rollback takes them back"));

    is_status(db, occi_store_list_tenant_usages(db->store, pool, &usages), OCCI_STORE_OK,
              "usage: listed");
    for (i = 0; i < usages->nelts; i++) {
        const occi_store_tenant_usage *usage = APR_ARRAY_IDX(usages, i,
                                                             occi_store_tenant_usage *);

        if (!strncmp(usage->owner, "quota-", 6)) {
            listed = apr_psprintf(pool, "%s[%s %" APR_INT64_T_FMT "]", listed, usage->owner,
                                  (apr_int64_t)usage->cores);
        }
    }
    tap_is_str(listed, "[quota-a 7][quota-b 1]", name_of(db, "usage: every owner, in order"));

    is_status(db, occi_store_delete(db->store, Q1, NULL), OCCI_STORE_OK,
              "usage: a compute deleted with its link");
    tap_is_str(usage_of(db, "quota-a"), "1 1024 12800 1 1",
               name_of(db, "usage: what it held is given back"));
    tap_is_str(sql_count(db, "occi_entity", "id", QL), "0",
               name_of(db, "usage: (its link went with it)"));
    occi_store_delete(db->store, Q2, NULL);
    occi_store_delete(db->store, Q3, NULL);
    occi_store_delete(db->store, Q4, NULL);
    occi_store_delete(db->store, Q5, NULL);
    tap_is_str(usage_of(db, "quota-a"), "0 0 0 0 0", name_of(db, "usage: down to nothing"));
    occi_store_list_tenant_usages(db->store, pool, &usages);
    for (i = 0, listed = ""; i < usages->nelts; i++) {
        const char *owner = APR_ARRAY_IDX(usages, i, occi_store_tenant_usage *)->owner;

        if (!strncmp(owner, "quota-", 6)) {
            listed = apr_pstrcat(pool, listed, owner, NULL);
        }
    }
    tap_is_str(listed, "", name_of(db, "usage: an owner that holds nothing is not listed"));
}

/* The service layer within quotas: creations stop at the limit with
 * nothing made or stored; a resize over it is refused before the
 * hypervisor is asked; a change that grows nothing passes even over a
 * lowered limit; another tenant's line is its own. */
static void test_service_quota(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    occi_quota_set *quotas = occi_quota_set_make(pool);
    apr_array_header_t *one;
    occi_service service;
    occi_result result;
    occi_entity *vm, *current, *changed, *now;
    char *line[] = { "cores=3", "memory=4" };
    char *blue[] = { "quota-blue", "cores=1" };
    int made;

    occi_quota_parse(pool, quotas, "OCCIQuota", 2, line);
    occi_quota_parse(pool, quotas, "OCCIQuota", 2, blue);
    service = fake_service(db, &fake);
    service.owner = service.scope = "quota-a";
    service.quotas = quotas;

    vm = resource(pool, Q1, COMPUTE, "quota-a");
    set_integer(vm, "occi.compute.cores", 2);
    one = apr_array_make(pool, 1, sizeof(occi_entity *));
    APR_ARRAY_PUSH(one, occi_entity *) = vm;
    result = occi_service_create(&service, pool, one);
    tap_ok(result.cls == OCCI_RESULT_OK, name_of(db, "quota: a create within it"));
    vm = resource(pool, Q2, COMPUTE, "quota-a");
    set_integer(vm, "occi.compute.cores", 2);
    apr_array_clear(one);
    APR_ARRAY_PUSH(one, occi_entity *) = vm;
    made = fake.creates;
    result = occi_service_create(&service, pool, one);
    tap_ok(result.cls == OCCI_RESULT_FORBIDDEN && result.number == 176
           && fake.creates == made && occi_store_get(db->store, pool, Q2, NULL, &now)
                                          == OCCI_STORE_NOT_FOUND,
           name_of(db, "quota: one over is FORBIDDEN, before the hypervisor makes anything"));
    tap_is_str(result.message, "over the quota of tenant quota-a: cores: 2 in use, 2 asked, "
               "3 allowed", name_of(db, "quota: saying what is used, asked and allowed"));
    tap_is_str(usage_of(db, "quota-a"), "2 1024 0 1 0", name_of(db, "quota: nothing counted"));

    /* The check inside the transaction: another process makes a compute
     * of the same tenant while the hypervisor works on this one, after
     * the first check passed. */
    set_integer(vm, "occi.compute.cores", 1);
    {
        const char *error = NULL, *prepare_error = NULL;
        apr_dbd_t *other = connect_to(db, pool, &error);
        occi_entity *sneaked = resource(pool, Q3, COMPUTE, "quota-a");

        set_integer(sneaked, "occi.compute.cores", 1);

        /* Statements are prepared per connection. */
        fake.sneak = other ? occi_store_open(pool, db->driver, other,
                                             prepare_statements(pool, db->driver, other,
                                                                &prepare_error))
                           : NULL;
        fake.sneaked = sneaked;
        made = fake.deletes;
        result = occi_service_create(&service, pool, one);
        if (!tap_ok(result.cls == OCCI_RESULT_FORBIDDEN && fake.deletes == made + 1
                    && occi_store_get(db->store, pool, Q2, NULL, &now) == OCCI_STORE_NOT_FOUND,
                    name_of(db, "quota: over once written (another made one meanwhile): "
                                "FORBIDDEN, rolled back, the hypervisor's object undone"))) {
            printf("#   %d %s (deletes %d, was %d)\n", result.cls,
                   result.message ? result.message : "", fake.deletes, made);
        }
        tap_is_str(result.message, "over the quota of tenant quota-a: cores: 3 in use, 1 asked, "
                   "3 allowed", name_of(db, "quota: counting what the other made"));
        tap_is_str(usage_of(db, "quota-a"), "3 2048 0 2 0",
                   name_of(db, "quota: the other's compute counted, this one not"));
        fake.sneak = NULL;
        if (other) {
            apr_dbd_close(db->driver, other);
        }
    }

    occi_store_get(db->store, pool, Q1, NULL, &current);
    changed = occi_entity_copy(pool, current);
    set_integer(changed, "occi.compute.cores", 3);
    made = fake.update_calls;
    result = occi_service_update(&service, pool, current, changed, "updated");
    occi_store_get(db->store, pool, Q1, NULL, &now);
    tap_ok(result.cls == OCCI_RESULT_FORBIDDEN && fake.update_calls == made
           && now->revision == current->revision,
           name_of(db, "quota: a resize over it is FORBIDDEN, the hypervisor never asked"));
    tap_like(result.message, "cores: 3 in use, 1 asked, 3 allowed",
             name_of(db, "quota: the resize asks for what it grows"));
    changed = occi_entity_copy(pool, current);
    set_integer(changed, "occi.compute.cores", 1);
    set_float(changed, "occi.compute.memory", 8);
    result = occi_service_update(&service, pool, current, changed, "updated");
    tap_ok(result.cls == OCCI_RESULT_FORBIDDEN && strstr(result.message, "memory: 2 GiB in use, "
                                                         "7 GiB asked, 4 GiB allowed")
           && !strstr(result.message, "cores"),
           name_of(db, "quota: memory over, while cores shrink, names memory only"));

    /* A lowered limit: what is over does not stop a change that grows
     * nothing. */
    {
        char *lower[] = { "cores=1" };
        occi_quota_set *lowered = occi_quota_set_make(pool);

        occi_quota_parse(pool, lowered, "OCCIQuota", 1, lower);
        service.quotas = occi_quota_merge(pool, quotas, lowered);
    }
    changed = occi_entity_copy(pool, current);
    occi_entity_set_string(pool, changed, "occi.core.title", "within nothing");
    result = occi_service_update(&service, pool, current, changed, "updated");
    tap_ok(result.cls == OCCI_RESULT_OK,
           name_of(db, "quota: over a lowered limit, a change that grows nothing passes"));
    occi_store_get(db->store, pool, Q1, NULL, &current);
    changed = occi_entity_copy(pool, current);
    set_integer(changed, "occi.compute.cores", 1);
    result = occi_service_update(&service, pool, current, changed, "updated");
    tap_ok(result.cls == OCCI_RESULT_OK, name_of(db, "quota: so does one that shrinks"));
    service.quotas = quotas;

    /* Another tenant's own line, in update_all too. */
    service.owner = service.scope = "quota-blue";
    vm = resource(pool, Q4, COMPUTE, "quota-blue");
    apr_array_clear(one);
    APR_ARRAY_PUSH(one, occi_entity *) = vm;
    result = occi_service_create(&service, pool, one);
    tap_ok(result.cls == OCCI_RESULT_OK, name_of(db, "quota: blue makes its one core"));
    {
        apr_array_header_t *currents = apr_array_make(pool, 1, sizeof(occi_entity *));
        apr_array_header_t *changeds = apr_array_make(pool, 1, sizeof(occi_entity *));

        occi_store_get(db->store, pool, Q4, NULL, &current);
        changed = occi_entity_copy(pool, current);
        set_integer(changed, "occi.compute.cores", 2);
        APR_ARRAY_PUSH(currents, occi_entity *) = current;
        APR_ARRAY_PUSH(changeds, occi_entity *) = changed;
        /* As an administrator would, from another tenant. */
        service.owner = "quota-admin";
        service.scope = NULL;
        result = occi_service_update_all(&service, pool, currents, changeds);
        tap_ok(result.cls == OCCI_RESULT_FORBIDDEN
               && strstr(result.message, "tenant quota-blue: cores: 1 in use, 1 asked, 1 "
                                         "allowed"),
               name_of(db, "quota: a template for several, held to the owner's own line"));
    }
    {
        apr_array_header_t *quota_entities;
        const char *seen = "";
        int i;

        result = occi_service_quotas(&service, pool, "http://x/quota#quota", &quota_entities);
        for (i = 0; i < quota_entities->nelts; i++) {
            const occi_entity *q = APR_ARRAY_IDX(quota_entities, i, occi_entity *);
            const char *tenant = occi_entity_get_string(q, "quota.tenant");

            if (!strncmp(tenant, "quota-", 6)) {
                seen = apr_pstrcat(pool, seen, "[", tenant, "]", NULL);
            }
        }
        tap_ok(result.cls == OCCI_RESULT_OK && !strcmp(seen, "[quota-a][quota-admin]"
                                                             "[quota-blue]"),
               name_of(db, "quota: an administrator sees every tenant's, and its own"));
        if (strcmp(seen, "[quota-a][quota-admin][quota-blue]")) {
            printf("#   %s\n", seen);
        }
        service.owner = service.scope = "quota-a";
        result = occi_service_quotas(&service, pool, "http://x/quota#quota", &quota_entities);
        tap_ok(result.cls == OCCI_RESULT_OK && quota_entities->nelts == 1
               && !strcmp(occi_entity_get_string(APR_ARRAY_IDX(quota_entities, 0,
                                                               occi_entity *), "quota.tenant"),
                          "quota-a"),
               name_of(db, "quota: a tenant sees its own only"));
    }
    occi_store_delete(db->store, Q1, NULL);
    occi_store_delete(db->store, Q3, NULL);
    occi_store_delete(db->store, Q4, NULL);
    forget_intents(db);
}

/* Removes every intent earlier tests left. */
static void forget_intents(database *db)
{
    apr_array_header_t *intents;
    int i;

    occi_store_list_intents(db->store, db->pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    for (i = 0; i < intents->nelts; i++) {
        occi_store_delete_intent(db->store, APR_ARRAY_IDX(intents, i, occi_store_intent *)->id,
                                 NULL);
    }
}

/* The service layer's save: without a hypervisor, CONFLICT; each compute's
 * copy becomes a template of the owner's; a copy refused for the second
 * compute leaves no template and removes the first copy; a deferred save
 * of a running compute waits for its stop. */
static void test_service_save(database *db)
{
    static const char *const scheme = "http://cloud.example.com/occi/saved_os_tpl#";
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    apr_array_header_t *two = apr_array_make(pool, 2, sizeof(occi_entity *)), *made, *mixins;
    occi_service service, bare;
    occi_result result;
    int pending = -1;

    forget_intents(db);
    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R2, NULL);
    APR_ARRAY_PUSH(two, occi_entity *) = resource(pool, R1, COMPUTE, "alice");
    APR_ARRAY_PUSH(two, occi_entity *) = resource(pool, R2, COMPUTE, "alice");
    occi_store_insert(db->store, APR_ARRAY_IDX(two, 0, occi_entity *));
    occi_store_insert(db->store, APR_ARRAY_IDX(two, 1, occi_entity *));
    service = fake_service(db, &fake);
    service.saved_template_scheme = scheme;
    bare = service;
    bare.hypervisor = NULL;

    result = occi_service_save(&bare, pool, two, NULL, NULL, &made);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 135 && made->nelts == 0,
           name_of(db, "service save: no hypervisor, CONFLICT"));

    fake.fail_after = 0;
    fake.next = OCCI_HV_OK;
    result = occi_service_save(&service, pool, two, NULL, "nightly", &made);
    occi_store_list_mixins(db->store, pool, "alice", &mixins, NULL);
    tap_ok(result.cls == OCCI_RESULT_OK && made->nelts == 2 && mixins->nelts == 2
           && fake.saves == 2,
           name_of(db, "service save: two copies, two templates of the owner's"));
    tap_ok(made->nelts == 2
           && !strcmp(APR_ARRAY_IDX(made, 0, occi_category *)->title, "nightly")
           && !strcmp(APR_ARRAY_IDX(made, 0, occi_category *)->scheme, scheme)
           && !strncmp(APR_ARRAY_IDX(made, 0, occi_category *)->location, "/mixin/os_tpl/saved-",
                       20), name_of(db, "service save: named as asked, where saves go"));
    occi_service_delete_mixins(&service, pool, mixins);

    /* The second copy is refused: the first goes again, nothing is defined. */
    fake.saves = 0;
    fake.saved_deleted = 0;
    fake.save_calls = 0;
    fake.refuse_save_at = 2;
    result = occi_service_save(&service, pool, two, NULL, NULL, &made);
    occi_store_list_mixins(db->store, pool, "alice", &mixins, NULL);
    tap_ok(result.cls == OCCI_RESULT_FAILED && result.number == 136 && made->nelts == 0
           && mixins->nelts == 0, name_of(db, "service save: the second copy refused, no "
                                              "template"));
    tap_ok(fake.saves == 1 && fake.saved_deleted == 1,
           name_of(db, "service save: and the first copy is removed"));
    fake.refuse_save_at = 0;
    fake.running = 1;
    fake.saves = 0;
    fake.saved_deleted = 0;

    fake.next = OCCI_HV_OK;
    result = occi_service_save(&service, pool, two, "deferred", NULL, &made);
    occi_deferred_saves_pending(db->store, pool, R1, &pending);
    tap_ok(result.cls == OCCI_RESULT_OK && made->nelts == 2 && pending == 1 && fake.saves == 0,
           name_of(db, "service save: deferred while running, the template now, the copy "
                       "waits"));
    occi_store_list_mixins(db->store, pool, "alice", &mixins, NULL);
    result = occi_service_delete_mixins(&service, pool, mixins);
    occi_deferred_saves_pending(db->store, pool, R1, &pending);
    tap_ok(result.cls == OCCI_RESULT_OK && pending == 0 && fake.saved_deleted == 2,
           name_of(db, "service save: deleting the templates cancels the waiting saves"));
    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R2, NULL);
}

/* The service layer's user mixins: defined all or none; a saved template
 * used by a compute stays (with its image); one unused goes with its
 * image. */
static void test_service_mixins(database *db)
{
    static const char *const scheme = "http://cloud.example.com/occi/saved_os_tpl#";
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    apr_array_header_t *two = apr_array_make(pool, 2, sizeof(occi_category *));
    apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_category *)), *mixins;
    occi_category *saved = user_mixin(pool, scheme, "saved-x", NULL, "/mixin/os_tpl/saved-x/");
    occi_entity *vm = resource(pool, R1, COMPUTE, "alice");
    apr_array_header_t *messages = apr_array_make(pool, 4, sizeof(const char *)), *intents;
    occi_recovery_context context;
    occi_service service;
    occi_result result;
    int finished = -1;

    forget_intents(db);
    service = fake_service(db, &fake);
    service.saved_template_scheme = scheme;
    APR_ARRAY_PUSH(two, occi_category *) = user_mixin(pool, "http://example.com/alice#",
                                                      "red", NULL, "/red/");
    APR_ARRAY_PUSH(two, occi_category *) = saved;
    result = occi_service_define_mixins(&service, pool, two);
    occi_service_user_mixins(&service, pool, &mixins);
    tap_ok(result.cls == OCCI_RESULT_OK && mixins->nelts == 2,
           name_of(db, "service mixins: two defined"));
    APR_ARRAY_PUSH(one, occi_category *) = user_mixin(pool, "http://example.com/alice#",
                                                      "blue", NULL, "/blue/");
    APR_ARRAY_PUSH(one, occi_category *) = APR_ARRAY_IDX(two, 0, occi_category *);
    result = occi_service_define_mixins(&service, pool, one);
    occi_service_user_mixins(&service, pool, &mixins);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 140 && mixins->nelts == 2,
           name_of(db, "service mixins: one taken, none of the request defined"));

    occi_store_delete(db->store, R1, NULL);
    APR_ARRAY_PUSH(vm->mixins, const char *) = apr_pstrcat(pool, scheme, "saved-x", NULL);
    occi_store_insert(db->store, vm);
    one->nelts = 0;
    APR_ARRAY_PUSH(one, occi_category *) = saved;
    result = occi_service_delete_mixins(&service, pool, one);
    occi_service_user_mixins(&service, pool, &mixins);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 141 && mixins->nelts == 2
           && fake.saved_deleted == 0,
           name_of(db, "service mixins: a template in use stays, with its image"));
    occi_store_delete(db->store, R1, NULL);
    fake.next = OCCI_HV_OK;
    result = occi_service_delete_mixins(&service, pool, two);
    occi_service_user_mixins(&service, pool, &mixins);
    tap_ok(result.cls == OCCI_RESULT_OK && mixins->nelts == 0 && fake.saved_deleted == 1,
           name_of(db, "service mixins: both deleted, the image with its template"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    tap_is_int(intents->nelts, 0, name_of(db, "service mixins: no intent is left"));

    /* The hypervisor away: the template goes, its image once it is back. */
    occi_service_define_mixins(&service, pool, two);
    fake.next = OCCI_HV_UNAVAILABLE;
    result = occi_service_delete_mixins(&service, pool, two);
    occi_service_user_mixins(&service, pool, &mixins);
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    tap_ok(result.cls == OCCI_RESULT_OK && mixins->nelts == 0 && intents->nelts == 1
           && intents->nelts && !APR_ARRAY_IDX(intents, 0, occi_store_intent *)->holder,
           name_of(db, "service mixins: the hypervisor away, the templates go, their image "
                       "waits for recovery"));
    fake.next = OCCI_HV_OK;
    context = recovery_context(db, occi_hypervisor_make(pool, &fake_provider, &fake), "fake:///",
                               messages);
    occi_changes_recover(&context, pool, &finished);
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    tap_ok(finished == 1 && fake.saved_deleted == 2 && intents->nelts == 0,
           name_of(db, "service mixins: and recovery removes it once the hypervisor is back"));
}

/* The service layer's change of several entities (a membership): all
 * stored or none; a resize the hypervisor refuses for the second changes
 * the first back; one changed meanwhile is a CONFLICT. */
static void test_service_update_all(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    apr_array_header_t *currents = apr_array_make(pool, 2, sizeof(occi_entity *));
    apr_array_header_t *changeds = apr_array_make(pool, 2, sizeof(occi_entity *)), *intents;
    occi_entity *found;
    occi_service service;
    occi_result result;
    int i;

    forget_intents(db);
    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R2, NULL);
    occi_store_insert(db->store, resource(pool, R1, COMPUTE, "alice"));
    occi_store_insert(db->store, resource(pool, R2, COMPUTE, "alice"));
    service = fake_service(db, &fake);
    for (i = 0; i < 2; i++) {
        occi_entity *current, *changed;

        occi_store_get(db->store, pool, i ? R2 : R1, "alice", &current);
        changed = occi_entity_copy(pool, current);
        APR_ARRAY_PUSH(changed->mixins, const char *) = SMALL;
        APR_ARRAY_PUSH(currents, occi_entity *) = current;
        APR_ARRAY_PUSH(changeds, occi_entity *) = changed;
    }
    fake.refuse_update_at = 2;
    result = occi_service_update_all(&service, pool, currents, changeds);
    occi_store_get(db->store, pool, R1, NULL, &found);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 145
           && !occi_entity_has_mixin(found, SMALL),
           name_of(db, "service update all: the second resize refused, nothing stored"));
    tap_ok(fake.update_calls == 3 && fake.updates == 2,
           name_of(db, "service update all: and the first is changed back"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &intents);
    tap_is_int(intents->nelts, 0, name_of(db, "service update all: no intent is left"));
    fake.refuse_update_at = 0;
    result = occi_service_update_all(&service, pool, currents, changeds);
    occi_store_get(db->store, pool, R2, NULL, &found);
    tap_ok(result.cls == OCCI_RESULT_OK && occi_entity_has_mixin(found, SMALL),
           name_of(db, "service update all: both stored"));
    result = occi_service_update_all(&service, pool, currents, changeds);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 124,
           name_of(db, "service update all: read before the last change: CONFLICT"));
    occi_store_delete(db->store, R1, NULL);
    occi_store_delete(db->store, R2, NULL);
}

/* The service layer's reads: another owner's entity is absent, unless any
 * owner is asked for; an administrator sees each user mixin's oldest
 * definition once. */
static void test_service_reads(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    occi_entity *found = NULL;
    apr_array_header_t *mixins;
    occi_service service;
    occi_result result;

    occi_store_delete(db->store, R1, NULL);
    occi_store_insert(db->store, resource(pool, R1, COMPUTE, "bob"));
    service = fake_service(db, &fake);
    result = occi_service_get(&service, pool, R1, 0, &found);
    tap_ok(result.cls == OCCI_RESULT_NOT_FOUND && result.number == 146,
           name_of(db, "service get: bob's compute is absent for alice"));
    result = occi_service_get(&service, pool, R1, 1, &found);
    tap_ok(result.cls == OCCI_RESULT_OK && found && !strcmp(found->owner, "bob"),
           name_of(db, "service get: but its id is taken"));
    occi_store_delete(db->store, R1, NULL);

    occi_store_insert_mixin(db->store, user_mixin(pool, "http://example.com/t#", "tag", NULL,
                                                  "/tag-a/"), "alice");
    occi_store_insert_mixin(db->store, user_mixin(pool, "http://example.com/t#", "tag", NULL,
                                                  "/tag-b/"), "bob");
    service.scope = NULL;
    result = occi_service_user_mixins(&service, pool, &mixins);
    {
        const char *locations = "";
        int i;

        for (i = 0; i < mixins->nelts; i++) {
            const occi_category *mixin = APR_ARRAY_IDX(mixins, i, const occi_category *);

            if (!strcmp(mixin->term, "tag")) {
                locations = apr_pstrcat(pool, locations, mixin->location, NULL);
            }
        }
        tap_ok(result.cls == OCCI_RESULT_OK && !strcmp(locations, "/tag-a/"),
               name_of(db, "service user mixins: an administrator sees the oldest "
                           "definition"));
        if (strcmp(locations, "/tag-a/")) {
            printf("#   got: %s\n", locations);
        }
    }
    occi_store_delete_mixin(db->store, "http://example.com/t#tag", NULL);

    fake.next = OCCI_HV_UNAVAILABLE;
    {
        apr_array_header_t *one = apr_array_make(pool, 1, sizeof(occi_entity *));

        APR_ARRAY_PUSH(one, occi_entity *) = resource(pool, R1, COMPUTE, "alice");
        result = occi_service_observe(&service, pool, one);
        tap_ok(result.cls == OCCI_RESULT_UNAVAILABLE && result.number == 134,
               name_of(db, "service observe: the hypervisor away, UNAVAILABLE"));
    }
}

/* Before a compute with a save waiting is deleted, it is stopped. */
static void test_deferred_stop_for_delete(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 1, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    occi_deferred_context context;
    occi_entity *vm = resource(pool, R1, COMPUTE, "alice");

    memset(&context, 0, sizeof(context));
    context.store = db->store;
    context.hypervisor = occi_hypervisor_make(pool, &fake_provider, &fake);
    tap_ok(!occi_deferred_saves_stop_for_delete(&context, pool, vm) && !fake.last_action,
           name_of(db, "deferred before delete: nothing waits, nothing is stopped"));
    occi_deferred_save_record(db->store, pool, R1, "alice", "saved-9");
    tap_ok(occi_deferred_saves_stop_for_delete(&context, pool, vm) && fake.last_action
           && !strcmp(fake.last_action,
                      "http://schemas.ogf.org/occi/infrastructure/compute/action#stop"),
           name_of(db, "deferred before delete: a save waits, the compute is stopped"));
    occi_store_delete_intents_with(db->store, OCCI_DEFERRED_SAVE_VERB, "saved-9");
}

/* An interrupted save: the copies whose template was committed stay, the
 * others are removed. */
static void test_recovery_of_save(database *db)
{
    static const char *const scheme = "http://cloud.example.com/occi/saved_os_tpl#";
    apr_pool_t *pool = db->pool;
    fake_hv fake = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    apr_array_header_t *messages = apr_array_make(pool, 4, sizeof(const char *)), *left;
    occi_recovery_context context;
    int finished = -1;

    forget_intents(db);
    occi_store_insert_mixin(db->store, user_mixin(pool, scheme, "saved-kept", NULL,
                                                  "/mixin/os_tpl/saved-kept/"), "alice");
    record_change(db, "60000000-0000-4000-8000-000000000010", "save saved-kept saved-lost",
                  "fake:///", resource(pool, R1, COMPUTE, "alice"), "node-b 4000000", 1);
    context = recovery_context(db, occi_hypervisor_make(pool, &fake_provider, &fake), "fake:///",
                               messages);
    occi_changes_recover(&context, pool, &finished);
    tap_ok(finished == 1 && fake.saved_deleted == 1,
           name_of(db, "recovery: an interrupted save removes the copy without a template"));
    tap_like(messages->nelts ? APR_ARRAY_IDX(messages, 0, const char *) : "",
             "1 images without their template removed", name_of(db, "recovery: and says so"));
    occi_store_list_intents(db->store, pool, OCCI_CHANGE_VERB, NULL, NULL, &left);
    tap_is_int(left->nelts, 0, name_of(db, "recovery: the save's intent is gone"));
    occi_store_delete_mixin(db->store, apr_pstrcat(pool, scheme, "saved-kept", NULL), NULL);
}

/* ---- Hosts and allocations ----------------------------------------------- */

#define H1 "a0000000-0000-4000-8000-000000000001"
#define H2 "a0000000-0000-4000-8000-000000000002"
#define H3 "a0000000-0000-4000-8000-000000000003"
#define HL "a0000000-0000-4000-8000-000000000011"
#define HL2 "a0000000-0000-4000-8000-000000000012"

static const char *host_of(database *db, const char *id)
{
    occi_entity *entity = fetch(db, id);

    return entity ? (entity->host ? entity->host : "(none)") : "(absent)";
}

static const char *hosts_of(apr_pool_t *pool, apr_array_header_t *entities)
{
    const char *list = "";
    int i;

    for (i = 0; entities && i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        list = apr_pstrcat(pool, list, i ? " " : "", entity->host ? entity->host : "(none)",
                           NULL);
    }
    return list;
}

/* Every read of an entity row says its host; an update keeps it and only
 * occi_store_set_host() moves it, allocation and all. */
static void test_entity_hosts(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_entity *compute = resource(pool, H1, COMPUTE, "erin"), *got;
    occi_entity *storage = resource(pool, H2, STORAGE, "erin");
    occi_entity *link = link_from(pool, HL, H1, "/storage/" H2, "erin");
    occi_store_allocation allocation, *allocated = NULL;
    apr_array_header_t *list = NULL;
    occi_store_query query;
    long long revision;

    compute->host = "node-a";
    link->host = "node-a";
    is_status(db, occi_store_insert(db->store, compute), OCCI_STORE_OK,
              "hosts: insert a compute on a host");
    is_status(db, occi_store_insert(db->store, storage), OCCI_STORE_OK,
              "hosts: a storage on none");
    is_status(db, occi_store_insert(db->store, link), OCCI_STORE_OK,
              "hosts: a link between them on the compute's");
    tap_is_str(host_of(db, H1), "node-a", name_of(db, "hosts: get says the host"));
    tap_is_str(host_of(db, H2), "(none)", name_of(db, "hosts: or that there is none"));
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_entity WHERE id = '" H2 "'"
                             " AND host IS NULL"), "1",
               name_of(db, "hosts: none is stored as NULL"));

    memset(&query, 0, sizeof(query));
    query.owner = "erin";
    is_status(db, occi_store_list(db->store, pool, &query, &list), OCCI_STORE_OK,
              "hosts: list");
    tap_is_str(hosts_of(pool, list), "node-a (none) node-a", name_of(db, "hosts: says each"));
    query.kind = COMPUTE;
    occi_store_list(db->store, pool, &query, &list);
    tap_is_str(hosts_of(pool, list), "node-a", name_of(db, "hosts: a kind's list too"));
    occi_store_links_from(db->store, pool, H1, &list);
    tap_is_str(hosts_of(pool, list), "node-a", name_of(db, "hosts: links from a resource"));
    occi_store_links_to(db->store, pool, "/storage/" H2, &list);
    tap_is_str(hosts_of(pool, list), "node-a", name_of(db, "hosts: links to a resource"));

    got = fetch(db, H1);
    if (got) {
        occi_entity_set_string(pool, got, "occi.core.title", "moved?");
        got->host = "node-z";
        is_status(db, occi_store_update(db->store, got, got->revision), OCCI_STORE_OK,
                  "hosts: update an entity naming another host");
    }
    tap_is_str(host_of(db, H1), "node-a", name_of(db, "hosts: an update does not move it"));

    memset(&allocation, 0, sizeof(allocation));
    allocation.entity_id = H1;
    allocation.host = "node-a";
    allocation.kind = COMPUTE;
    allocation.owner = "erin";
    allocation.cores = 2;
    occi_store_allocate(db->store, &allocation);
    revision = revision_of(db, H1);
    is_status(db, occi_store_set_host(db->store, H1, "node-b"), OCCI_STORE_OK,
              "hosts: set_host");
    tap_is_str(host_of(db, H1), "node-b", name_of(db, "hosts: moves the entity"));
    occi_store_get_allocation(db->store, pool, H1, &allocated);
    tap_is_str(allocated ? allocated->host : NULL, "node-b",
               name_of(db, "hosts: with its allocation"));
    tap_is_int(revision_of(db, H1), revision, name_of(db, "hosts: at the same revision"));
    is_status(db, occi_store_set_host(db->store, H2, "node-b"), OCCI_STORE_OK,
              "hosts: set_host of an entity without an allocation");
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_allocation WHERE entity_id = '" H2 "'"),
               "0", name_of(db, "hosts: makes none"));
    is_status(db, occi_store_set_host(db->store, H3, "node-b"), OCCI_STORE_NOT_FOUND,
              "hosts: set_host of an absent entity");
    is_status(db, occi_store_set_host(db->store, H1, NULL), OCCI_STORE_ERROR,
              "hosts: set_host to no host is refused");
    tap_is_str(host_of(db, H1), "node-b", name_of(db, "hosts: and moves nothing"));

    occi_store_delete(db->store, H1, NULL);
    occi_store_delete(db->store, H2, NULL);
    occi_store_release_allocation(db->store, H1);
}

static occi_store_allocation *allocation_of(apr_pool_t *pool, const char *entity_id,
                                            const char *host, const char *kind, int cores,
                                            long long memory_mib, long long disk_mib,
                                            const char *group)
{
    occi_store_allocation *allocation = apr_pcalloc(pool, sizeof(*allocation));

    allocation->entity_id = entity_id;
    allocation->host = host;
    allocation->kind = kind;
    allocation->owner = "erin";
    allocation->cores = cores;
    allocation->memory_mib = memory_mib;
    allocation->disk_mib = disk_mib;
    allocation->affinity_group = group;
    return allocation;
}

static const char *allocation_text(apr_pool_t *pool, const occi_store_allocation *allocation)
{
    if (!allocation) {
        return "(none)";
    }
    return apr_psprintf(pool, "%s %s %s %s %d %" APR_INT64_T_FMT " %" APR_INT64_T_FMT " %s",
                        allocation->entity_id, allocation->host, allocation->kind,
                        allocation->owner, allocation->cores,
                        (apr_int64_t)allocation->memory_mib, (apr_int64_t)allocation->disk_mib,
                        allocation->affinity_group ? allocation->affinity_group : "(none)");
}

static const char *usage_text(apr_pool_t *pool, apr_hash_t *usage, const char *host)
{
    const struct occi_store_host_usage *sums;
    const char *groups = "";
    int i;

    sums = usage ? apr_hash_get(usage, host, APR_HASH_KEY_STRING) : NULL;
    if (!sums) {
        return "(absent)";
    }
    for (i = 0; sums->groups && i < sums->groups->nelts; i++) {
        groups = apr_pstrcat(pool, groups, " ", APR_ARRAY_IDX(sums->groups, i, const char *),
                             NULL);
    }
    return apr_psprintf(pool, "cores %d memory %" APR_INT64_T_FMT " disk %" APR_INT64_T_FMT
                        " computes %d groups%s", sums->cores, (apr_int64_t)sums->memory_mib,
                        (apr_int64_t)sums->disk_mib, sums->computes, groups);
}

static void test_allocations(database *db)
{
    apr_pool_t *pool = db->pool;
    occi_store_allocation *got = NULL;
    apr_hash_t *usage = NULL;
    occi_entity *entity;
    /* Beyond 32 bits, as a large host's memory sums may be. */
    const long long big = 6LL * 1024 * 1024 * 1024;

    is_status(db, occi_store_allocate(db->store, allocation_of(pool, H1, "node-a", COMPUTE, 2,
                                                               2048, 10240, "web")),
              OCCI_STORE_OK, "allocations: one recorded");
    is_status(db, occi_store_get_allocation(db->store, pool, H1, &got), OCCI_STORE_OK,
              "allocations: read back");
    tap_is_str(allocation_text(pool, got), H1 " node-a " COMPUTE " erin 2 2048 10240 web",
               name_of(db, "allocations: as recorded"));
    is_status(db, occi_store_allocate(db->store, allocation_of(pool, H1, "node-a", COMPUTE, 4,
                                                               big, 0, NULL)),
              OCCI_STORE_OK, "allocations: replaced");
    got = NULL;
    occi_store_get_allocation(db->store, pool, H1, &got);
    tap_is_str(allocation_text(pool, got),
               apr_psprintf(pool, H1 " node-a " COMPUTE " erin 4 %" APR_INT64_T_FMT " 0 (none)",
                            (apr_int64_t)big),
               name_of(db, "allocations: the replacement, with no group"));
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_allocation WHERE entity_id = '" H1 "'"),
               "1", name_of(db, "allocations: one row"));
    is_status(db, occi_store_get_allocation(db->store, pool, H2, &got), OCCI_STORE_NOT_FOUND,
              "allocations: none of another entity");
    is_status(db, occi_store_allocate(db->store, allocation_of(pool, H2, NULL, COMPUTE, 1,
                                                               0, 0, NULL)),
              OCCI_STORE_ERROR, "allocations: one without a host is refused");
    is_status(db, occi_store_get_allocation(db->store, pool, H2, &got), OCCI_STORE_NOT_FOUND,
              "allocations: and not recorded");
    is_status(db, occi_store_release_allocation(db->store, H1), OCCI_STORE_OK,
              "allocations: released");
    is_status(db, occi_store_get_allocation(db->store, pool, H1, &got), OCCI_STORE_NOT_FOUND,
              "allocations: gone");
    is_status(db, occi_store_release_allocation(db->store, H1), OCCI_STORE_OK,
              "allocations: releasing none is OK");

    is_status(db, occi_store_host_usage(db->store, pool, &usage), OCCI_STORE_OK,
              "usage: of no allocation");
    tap_is_int(usage ? (long long)apr_hash_count(usage) : -1, 0,
               name_of(db, "usage: no host"));
    occi_store_allocate(db->store, allocation_of(pool, "b0000000-0000-4000-8000-000000000001",
                                                 "node-a", COMPUTE, 2, big, 10000, "web"));
    occi_store_allocate(db->store, allocation_of(pool, "b0000000-0000-4000-8000-000000000002",
                                                 "node-a", COMPUTE, 1, big, 20000, "db"));
    occi_store_allocate(db->store, allocation_of(pool, "b0000000-0000-4000-8000-000000000003",
                                                 "node-a", STORAGE, 0, 0, 50000, NULL));
    occi_store_allocate(db->store, allocation_of(pool, "b0000000-0000-4000-8000-000000000004",
                                                 "node-a", COMPUTE, 1, 512, 0, "web"));
    occi_store_allocate(db->store, allocation_of(pool, "b0000000-0000-4000-8000-000000000005",
                                                 "node-b", COMPUTE, 8, 16384, 0, "web"));
    occi_store_allocate(db->store, allocation_of(pool, "b0000000-0000-4000-8000-000000000006",
                                                 "node-c", STORAGE, 0, 0, 1000, NULL));
    is_status(db, occi_store_host_usage(db->store, pool, &usage), OCCI_STORE_OK, "usage: read");
    tap_is_int(usage ? (long long)apr_hash_count(usage) : -1, 3,
               name_of(db, "usage: of three hosts"));
    tap_is_str(usage_text(pool, usage, "node-a"),
               apr_psprintf(pool, "cores 4 memory %" APR_INT64_T_FMT
                            " disk 80000 computes 3 groups db web", (apr_int64_t)(2 * big + 512)),
               name_of(db, "usage: sums a host's allocations, each group once"));
    tap_is_str(usage_text(pool, usage, "node-b"),
               "cores 8 memory 16384 disk 0 computes 1 groups web",
               name_of(db, "usage: another host's"));
    tap_is_str(usage_text(pool, usage, "node-c"),
               "cores 0 memory 0 disk 1000 computes 0 groups",
               name_of(db, "usage: a host of storage only"));
    tap_is_str(usage_text(pool, usage, "node-d"), "(absent)",
               name_of(db, "usage: a host without allocations is absent"));

    /* A deletion takes the entity's allocation with it, and its links'. */
    entity = resource(pool, H1, COMPUTE, "erin");
    entity->host = "node-b";
    occi_store_insert(db->store, entity);
    entity = link_from(pool, HL2, H1, "/network/x", "erin");
    entity->host = "node-b";
    occi_store_insert(db->store, entity);
    occi_store_allocate(db->store, allocation_of(pool, H1, "node-b", COMPUTE, 2, 1024, 0,
                                                 "db"));
    occi_store_allocate(db->store, allocation_of(pool, HL2, "node-b", NETIF, 0, 0, 0, NULL));
    occi_store_begin(db->store);
    is_status(db, occi_store_delete(db->store, H1, "erin"), OCCI_STORE_OK,
              "delete: in a transaction");
    is_status(db, occi_store_get_allocation(db->store, pool, H1, &got), OCCI_STORE_NOT_FOUND,
              "delete: the allocation goes in the same transaction");
    occi_store_rollback(db->store);
    is_status(db, occi_store_get_allocation(db->store, pool, H1, &got), OCCI_STORE_OK,
              "delete: and comes back with its rollback");
    is_status(db, occi_store_delete(db->store, H1, "bob"), OCCI_STORE_NOT_FOUND,
              "delete: by another owner finds nothing");
    is_status(db, occi_store_get_allocation(db->store, pool, H1, &got), OCCI_STORE_OK,
              "delete: and leaves the allocation");
    is_status(db, occi_store_delete(db->store, H1, "erin"), OCCI_STORE_OK, "delete: committed");
    is_status(db, occi_store_get_allocation(db->store, pool, H1, &got), OCCI_STORE_NOT_FOUND,
              "delete: releases the allocation");
    is_status(db, occi_store_get_allocation(db->store, pool, HL2, &got), OCCI_STORE_NOT_FOUND,
              "delete: and its links'");
    occi_store_host_usage(db->store, pool, &usage);
    tap_is_str(usage_text(pool, usage, "node-b"),
               "cores 8 memory 16384 disk 0 computes 1 groups web",
               name_of(db, "delete: the host's usage no longer counts it"));

    occi_store_begin(db->store);
    occi_store_allocate(db->store, allocation_of(pool, H2, "node-a", COMPUTE, 1, 1, 1, NULL));
    occi_store_rollback(db->store);
    is_status(db, occi_store_get_allocation(db->store, pool, H2, &got), OCCI_STORE_NOT_FOUND,
              "allocations: one of a rolled back transaction is gone");

    apr_dbd_query(db->driver, db->handle, &(int){ 0 }, "DELETE FROM occi_allocation");
}

static void test_disabled_hosts(database *db)
{
    apr_pool_t *pool = db->pool;
    apr_hash_t *disabled = NULL;

    is_status(db, occi_store_disabled_hosts(db->store, pool, &disabled), OCCI_STORE_OK,
              "disabled hosts: read");
    tap_is_int(disabled ? (long long)apr_hash_count(disabled) : -1, 0,
               name_of(db, "disabled hosts: none at first (the lock's row is no host)"));
    is_status(db, occi_store_set_host_disabled(db->store, "node-a", 1), OCCI_STORE_OK,
              "disabled hosts: disable one");
    occi_store_set_host_disabled(db->store, "node-b", 1);
    occi_store_set_host_disabled(db->store, "node-c", 0);
    occi_store_disabled_hosts(db->store, pool, &disabled);
    tap_is_int(disabled ? (long long)apr_hash_count(disabled) : -1, 2,
               name_of(db, "disabled hosts: the two disabled"));
    tap_is_str(disabled ? apr_hash_get(disabled, "node-a", APR_HASH_KEY_STRING) : NULL, "1",
               name_of(db, "disabled hosts: by name"));
    is_status(db, occi_store_set_host_disabled(db->store, "node-a", 0), OCCI_STORE_OK,
              "disabled hosts: enable one again");
    occi_store_set_host_disabled(db->store, "node-b", 1);
    occi_store_disabled_hosts(db->store, pool, &disabled);
    tap_ok(disabled && apr_hash_count(disabled) == 1
           && apr_hash_get(disabled, "node-b", APR_HASH_KEY_STRING),
           name_of(db, "disabled hosts: the other stays disabled"));
    is_status(db, occi_store_set_host_disabled(db->store, "", 1), OCCI_STORE_ERROR,
              "disabled hosts: the empty name is refused");
    is_status(db, occi_store_set_host_disabled(db->store, NULL, 1), OCCI_STORE_ERROR,
              "disabled hosts: so is none");
    occi_store_set_host_disabled(db->store, "node-b", 0);
    occi_store_disabled_hosts(db->store, pool, &disabled);
    tap_is_int(disabled ? (long long)apr_hash_count(disabled) : -1, 0,
               name_of(db, "disabled hosts: none left"));
}

/* In a child process, on a connection of its own: whether the placement
 * lock can be taken within wait_ms. Exits 0 when it can, 1 when it cannot,
 * 2 when the test itself fails. On SQLite the lock is the database's write
 * lock, so the child tries for that. */
static void try_placement_lock(database *db, int wait_ms)
{
    apr_pool_t *pool;
    const char *error = NULL;
    apr_dbd_t *handle;
    apr_hash_t *prepared;
    occi_store *store;
    occi_store_status status;
    int rows;

    apr_pool_create(&pool, NULL);
    handle = connect_to(db, pool, &error);
    if (!handle) {
        printf("# child: %s\n", error);
        fflush(stdout);
        _exit(2);
    }
    if (strcmp(db->name, "pgsql")) {
        apr_dbd_results_t *results = NULL;
        apr_dbd_row_t *row = NULL;

        /* The driver's own retries still wait about 1.6 s. */
        if (apr_dbd_select(db->driver, pool, handle, &results,
                           apr_psprintf(pool, "PRAGMA busy_timeout = %d", wait_ms), 0) == 0) {
            while (apr_dbd_get_row(db->driver, pool, results, &row, -1) == 0) {
                /* read to the end */
            }
        }
        if (apr_dbd_query(db->driver, handle, &rows, "BEGIN IMMEDIATE") != 0) {
            _exit(1);
        }
        apr_dbd_query(db->driver, handle, &rows, "ROLLBACK");
        _exit(0);
    }
    apr_dbd_query(db->driver, handle, &rows,
                  apr_psprintf(pool, "SET lock_timeout = %d", wait_ms));
    prepared = prepare_statements(pool, db->driver, handle, &error);
    if (!prepared) {
        printf("# child: %s\n", error);
        fflush(stdout);
        _exit(2);
    }
    store = occi_store_open(pool, db->driver, handle, prepared);
    if (occi_store_begin(store) != OCCI_STORE_OK) {
        _exit(2);
    }
    status = occi_store_lock_placement(store);
    if (status == OCCI_STORE_OK) {
        occi_store_rollback(store);
        _exit(0);
    }
    if (!strstr(occi_store_error(store), "lock timeout")) {
        printf("# child: %s\n", occi_store_error(store));
        fflush(stdout);
        _exit(2);
    }
    _exit(1);
}

static int placement_lock_in_child(database *db, int wait_ms)
{
    pid_t child;
    int status = 0;

    fflush(stdout);
    child = fork();
    if (child == 0) {
        try_placement_lock(db, wait_ms);
    }
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        return 2;
    }
    return WEXITSTATUS(status);
}

static void test_placement_lock(database *db)
{
    int rows;

    is_status(db, occi_store_lock_placement(db->store), OCCI_STORE_ERROR,
              "placement lock: refused outside a transaction");
    occi_store_begin(db->store);
    is_status(db, occi_store_lock_placement(db->store), OCCI_STORE_OK,
              "placement lock: taken in a transaction");
    is_status(db, occi_store_lock_placement(db->store), OCCI_STORE_OK,
              "placement lock: taken again by the same transaction");
    tap_is_int(placement_lock_in_child(db, 300), 1,
               name_of(db, "placement lock: another connection waits for it"));
    is_status(db, occi_store_allocate(db->store, allocation_of(db->pool, H1, "node-a", COMPUTE,
                                                               1, 1, 1, NULL)),
              OCCI_STORE_OK, "placement lock: its holder places meanwhile");
    is_status(db, occi_store_commit(db->store), OCCI_STORE_OK,
              "placement lock: let go at commit");
    tap_is_int(placement_lock_in_child(db, 5000), 0,
               name_of(db, "placement lock: then the other connection takes it"));

    occi_store_begin(db->store);
    occi_store_lock_placement(db->store);
    occi_store_rollback(db->store);
    tap_is_int(placement_lock_in_child(db, 5000), 0,
               name_of(db, "placement lock: let go at rollback too"));

    /* A lock row removed by hand is made again. */
    apr_dbd_query(db->driver, db->handle, &rows, "DELETE FROM occi_host WHERE name = ''");
    occi_store_begin(db->store);
    is_status(db, occi_store_lock_placement(db->store), OCCI_STORE_OK,
              "placement lock: taken without its row");
    occi_store_commit(db->store);
    tap_is_str(sql_value(db, "SELECT COUNT(*) FROM occi_host WHERE name = ''"), "1",
               name_of(db, "placement lock: whose row is made again"));
    occi_store_release_allocation(db->store, H1);
}

/* A compute of cores and memory (GiB), for placement. */
static occi_entity *sized_compute(apr_pool_t *pool, const char *id, int cores, double memory)
{
    occi_entity *vm = resource(pool, id, COMPUTE, "alice");

    occi_value value;

    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_INTEGER;
    value.integer = cores;
    occi_entity_set(vm, "occi.compute.cores", &value);
    value.type = OCCI_TYPE_FLOAT;
    value.number = memory;
    occi_entity_set(vm, "occi.compute.memory", &value);
    return vm;
}

static const char *created_on(database *db, occi_service *service, const char *id, int cores,
                              double memory, occi_result *result)
{
    apr_array_header_t *one = apr_array_make(db->pool, 1, sizeof(occi_entity *));
    occi_entity *found;

    APR_ARRAY_PUSH(one, occi_entity *) = sized_compute(db->pool, id, cores, memory);
    *result = occi_service_create(service, db->pool, one);
    if (result->cls != OCCI_RESULT_OK
        || occi_store_get(db->store, db->pool, id, NULL, &found) != OCCI_STORE_OK) {
        return "";
    }
    return found->host ? found->host : "(none)";
}

static long long memory_placed(database *db, const char *host)
{
    apr_hash_t *usage;
    const struct occi_store_host_usage *used;

    occi_store_host_usage(db->store, db->pool, &usage);
    used = apr_hash_get(usage, host, APR_HASH_KEY_STRING);
    return used ? used->memory_mib : 0;
}

/* Updates compute id to memory GiB through the service. */
static occi_result resized(database *db, occi_service *service, const char *id, double memory)
{
    occi_entity *current = NULL, *changed;
    occi_value value;

    occi_store_get(db->store, db->pool, id, NULL, &current);
    changed = occi_entity_copy(db->pool, current);
    memset(&value, 0, sizeof(value));
    value.type = OCCI_TYPE_FLOAT;
    value.number = memory;
    occi_entity_set(changed, "occi.compute.memory", &value);
    return occi_service_update(service, db->pool, current, changed, "updated");
}

/* Creation on two hosts of 4 cores and 4 GiB: spread by free memory, a
 * host with no room skipped, no room anywhere refused with nothing made,
 * room given back by a delete and by a creation the hypervisor refuses, an
 * inline link that pulls its compute onto its network's host. */
static void test_service_placement(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv a = { OCCI_HV_OK, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, NULL };
    fake_hv b = a;
    apr_array_header_t *hosts = apr_array_make(pool, 2, sizeof(occi_host)), *one;
    occi_host *host;
    occi_service service;
    occi_result result;
    occi_entity *net, *vm, *found;
    const char *where;
    static const char *const ids[] = {
        "7a000000-0000-4000-8000-000000000001", "7a000000-0000-4000-8000-000000000002",
        "7a000000-0000-4000-8000-000000000003", "7a000000-0000-4000-8000-000000000004",
        "7a000000-0000-4000-8000-000000000005", "7a000000-0000-4000-8000-000000000006",
        "7a000000-0000-4000-8000-000000000007", "7a000000-0000-4000-8000-000000000008",
    };
    size_t i;

    forget_intents(db);
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        occi_store_delete(db->store, ids[i], NULL);
    }
    host = apr_array_push(hosts);
    memset(host, 0, sizeof(*host));
    host->name = "rack1-a";
    host->hypervisor = occi_hypervisor_make(pool, &fake_provider, &a);
    host = apr_array_push(hosts);
    memset(host, 0, sizeof(*host));
    host->name = "rack1-b";
    host->hypervisor = occi_hypervisor_make(pool, &fake_provider, &b);
    service = fake_service(db, &a);
    service.hypervisor = occi_hosts_create(pool, hosts, NULL);

    where = created_on(db, &service, ids[0], 1, 1, &result);
    tap_is_str(where, "rack1-a", name_of(db, "placement: the first compute, on the first host"));
    where = created_on(db, &service, ids[1], 1, 1, &result);
    tap_is_str(where, "rack1-b", name_of(db, "placement: the second, where most memory is free"));
    where = created_on(db, &service, ids[2], 1, 3, &result);
    tap_is_str(where, "rack1-a", name_of(db, "placement: equal room, equal computes: the first"));
    where = created_on(db, &service, ids[3], 1, 2, &result);
    tap_is_str(where, "rack1-b", name_of(db, "placement: a full host is skipped"));
    tap_ok(a.creates == 2 && b.creates == 2, name_of(db, "placement: each made on its host"));
    tap_ok(a.capacities == 1 && b.capacities == 1,
           name_of(db, "placement: each host's capacity asked once for four creates"));
    tap_ok(memory_placed(db, "rack1-a") == 4096 && memory_placed(db, "rack1-b") == 3072,
           name_of(db, "placement: the store counts what each host holds"));
    /* A create of an id that is taken (or being made) leaves its room as
     * it is: the allocation is the first create's. */
    where = created_on(db, &service, ids[1], 1, 0.5, &result);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 132
           && memory_placed(db, "rack1-a") == 4096 && memory_placed(db, "rack1-b") == 3072,
           name_of(db, "placement: a taken id is refused and keeps its allocation"));

    where = created_on(db, &service, ids[4], 1, 2, &result);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 147
           && result.message && !strstr(result.message, "rack1")
           && result.log_detail && strstr(result.log_detail, "rack1-a"),
           name_of(db, "placement: no room: CONFLICT, no host named but in the log"));
    tap_is_str(result.message ? result.message : "",
               "no host has room for 1 core and 2 GiB of memory",
               name_of(db, "placement: saying what was asked"));
    tap_ok(a.creates == 2 && b.creates == 2 && memory_placed(db, "rack1-a") == 4096
           && occi_store_get(db->store, pool, ids[4], NULL, &found) == OCCI_STORE_NOT_FOUND,
           name_of(db, "placement: and nothing is made"));

    one = apr_array_make(pool, 1, sizeof(occi_entity *));
    occi_store_get(db->store, pool, ids[2], NULL, &found);
    APR_ARRAY_PUSH(one, occi_entity *) = found;
    result = occi_service_delete(&service, pool, one, 0);
    tap_ok(result.cls == OCCI_RESULT_OK && memory_placed(db, "rack1-a") == 1024,
           name_of(db, "placement: a delete gives its room back"));
    b.next = OCCI_HV_FAILED;
    a.next = OCCI_HV_FAILED;
    where = created_on(db, &service, ids[4], 1, 2, &result);
    tap_ok(result.cls == OCCI_RESULT_FAILED && memory_placed(db, "rack1-a") == 1024
           && memory_placed(db, "rack1-b") == 3072,
           name_of(db, "placement: so does a create the hypervisor refuses"));
    a.next = b.next = OCCI_HV_OK;
    a.next = OCCI_HV_UNAVAILABLE;
    where = created_on(db, &service, ids[7], 1, 0.5, &result);
    tap_is_str(where, "rack1-b", name_of(db, "placement: a host that does not answer is left "
                                             "out"));
    a.next = OCCI_HV_OK;

    /* Resizes are counted against the host, and refused beyond its room. */
    result = resized(db, &service, ids[1], 2);
    tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.number == 151
           && memory_placed(db, "rack1-b") == 3584,
           name_of(db, "placement: growing beyond its host's room is refused"));
    tap_is_str(result.message ? result.message : "", "its host has no room for 1 GiB of memory",
               name_of(db, "placement: saying by how much it would grow"));
    result = resized(db, &service, ids[0], 3);
    tap_ok(result.cls == OCCI_RESULT_OK && memory_placed(db, "rack1-a") == 3072,
           name_of(db, "placement: growing within it is counted"));
    result = resized(db, &service, ids[0], 0.5);
    tap_ok(result.cls == OCCI_RESULT_OK && memory_placed(db, "rack1-a") == 512,
           name_of(db, "placement: and shrinking gives room back"));

    /* A compute made from a saved template goes where its image is. */
    {
        apr_array_header_t *two = apr_array_make(pool, 1, sizeof(occi_entity *));
        occi_entity *from_saved = sized_compute(pool, "7a000000-0000-4000-8000-000000000009",
                                                1, 0.25);

        service.saved_template_scheme = "http://example.com/occi/saved_os_tpl#";
        APR_ARRAY_PUSH(from_saved->mixins, const char *) =
            "http://example.com/occi/saved_os_tpl#saved-0000beef";
        APR_ARRAY_PUSH(two, occi_entity *) = from_saved;
        result = occi_service_create(&service, pool, two);
        tap_ok(result.cls == OCCI_RESULT_CONFLICT && result.message
               && !strcmp(result.message, "no host has the OS template's image"),
               name_of(db, "placement: a saved template's image on no host: refused"));
        b.saved = "saved-0000beef";
        occi_store_insert_mixin(db->store, user_mixin(pool, service.saved_template_scheme,
                                                      "saved-0000beef", NULL,
                                                      "/mixin/os_tpl/saved-0000beef/"),
                                "alice");
        result = occi_service_create(&service, pool, two);
        occi_store_get(db->store, pool, from_saved->id, NULL, &found);
        tap_ok(result.cls == OCCI_RESULT_OK && found && found->host
               && !strcmp(found->host, "rack1-b"),
               name_of(db, "placement: else it goes to the host that holds it"));
        if (result.cls != OCCI_RESULT_OK) {
            printf("#   %d: %s\n", result.number, result.message ? result.message : "");
        }
        occi_store_delete(db->store, from_saved->id, NULL);
        occi_store_delete_mixin(db->store,
                                "http://example.com/occi/saved_os_tpl#saved-0000beef", NULL);
        b.saved = NULL;
    }

    /* Anti-affinity: an owner's group is kept apart, another's is its own. */
    {
        static const char *const kept[] = {
            "7b000000-0000-4000-8000-000000000001", "7b000000-0000-4000-8000-000000000002",
            "7b000000-0000-4000-8000-000000000003", "7b000000-0000-4000-8000-000000000004",
        };
        const char *hosts_of_group[4];
        occi_service bobs = service;
        size_t k;

        bobs.owner = bobs.scope = "bob";
        for (k = 0; k < 4; k++) {
            apr_array_header_t *group = apr_array_make(pool, 1, sizeof(occi_entity *));
            occi_entity *member = sized_compute(pool, kept[k], 1, 0.125);
            occi_entity *stored = NULL;

            occi_entity_set_string(pool, member, "placement.group", "web");
            APR_ARRAY_PUSH(group, occi_entity *) = member;
            result = occi_service_create(k == 3 ? &bobs : &service, pool, group);
            hosts_of_group[k] = result.cls == OCCI_RESULT_OK
                                && occi_store_get(db->store, pool, kept[k], NULL, &stored)
                                       == OCCI_STORE_OK && stored->host ? stored->host
                                : result.message ? result.message : "";
        }
        tap_ok(strcmp(hosts_of_group[0], hosts_of_group[1]) != 0,
               name_of(db, "anti-affinity: two of a group on two hosts"));
        tap_is_str(hosts_of_group[2], "every host already has a member of anti-affinity "
                   "group web", name_of(db, "anti-affinity: a third has no host left"));
        tap_ok(!strncmp(hosts_of_group[3], "rack1-", 6),
               name_of(db, "anti-affinity: another owner's group of that name is its own"));
        for (k = 0; k < 4; k++) {
            occi_store_delete(db->store, kept[k], NULL);
        }
    }

    /* A network lands somewhere; a compute joining it goes there too. */
    one = apr_array_make(pool, 1, sizeof(occi_entity *));
    net = resource(pool, ids[5], OCCI_SCHEME_INFRA "network", "alice");
    APR_ARRAY_PUSH(one, occi_entity *) = net;
    occi_service_create(&service, pool, one);
    occi_store_get(db->store, pool, ids[5], NULL, &found);
    vm = sized_compute(pool, ids[6], 1, 0.5);
    APR_ARRAY_PUSH(vm->links, occi_entity *) = link_from(
        pool, "40000000-0000-4000-8000-000000000001", ids[6],
        apr_pstrcat(pool, "/network/", ids[5], NULL), "alice");
    one = apr_array_make(pool, 1, sizeof(occi_entity *));
    APR_ARRAY_PUSH(one, occi_entity *) = vm;
    result = occi_service_create(&service, pool, one);
    {
        occi_entity *placed = NULL, *link = NULL;

        occi_store_get(db->store, pool, ids[6], NULL, &placed);
        occi_store_get(db->store, pool, "40000000-0000-4000-8000-000000000001", NULL, &link);
        tap_ok(result.cls == OCCI_RESULT_OK && placed && found->host && placed->host
               && !strcmp(placed->host, found->host) && link && link->host
               && !strcmp(link->host, found->host),
               name_of(db, "placement: a compute joins its network's host, with its link"));
    }
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        occi_store_delete(db->store, ids[i], NULL);
    }
    occi_store_delete(db->store, "40000000-0000-4000-8000-000000000001", NULL);
}

/* Reads through a child's read cache: what it keeps, and what drops it.
 * Changes made behind the store's back (raw SQL, as another node whose
 * announcement has not come) show which reads came from the cache. */
#define CACHED "50000000-0000-4000-8000-000000000001"
#define CACHED_LINK "50000000-0000-4000-8000-000000000002"

static const char *cached_title(occi_store *store, apr_pool_t *pool, const char *id)
{
    occi_entity *entity = NULL;

    if (occi_store_get(store, pool, id, NULL, &entity) != OCCI_STORE_OK || !entity) {
        return "(none)";
    }
    return occi_entity_get_string(entity, "occi.core.title");
}

static void set_title_behind(database *db, const char *from, const char *to)
{
    int rows = 0;

    apr_dbd_query(db->driver, db->handle, &rows, apr_psprintf(
                      db->pool, "UPDATE occi_entity SET attributes = REPLACE(attributes, "
                      "'\"%s\"', '\"%s\"') WHERE id = '" CACHED "'", from, to));
}

static void test_read_cache(database *db)
{
    apr_pool_t *pool = db->pool;
    volatile apr_uint32_t node_changes = 0;
    occi_read_cache *cache = occi_read_cache_create(pool, &node_changes, 1 << 20);
    occi_store *reader = occi_store_open(pool, db->driver, db->handle, db->prepared);
    occi_store *writer = occi_store_open(pool, db->driver, db->handle, db->prepared);
    occi_entity *entity = resource(pool, CACHED, COMPUTE, "alice");
    apr_array_header_t *links = NULL;

    occi_read_cache_set_listening(cache, 1);
    occi_store_use_read_cache(reader, cache, 1);
    occi_store_use_read_cache(writer, cache, 0);
    tap_is_str(cached_title(reader, pool, CACHED), "(none)",
               name_of(db, "read cache: an entity not there yet"));
    occi_entity_set_string(pool, entity, "occi.core.title", "first");
    occi_store_insert(db->store, entity);
    tap_is_str(cached_title(reader, pool, CACHED), "first",
               name_of(db, "read cache: once made elsewhere it is read (an absence is not kept)"));
    set_title_behind(db, "first", "behind");
    tap_is_str(cached_title(reader, pool, CACHED), "first",
               name_of(db, "read cache: a change not yet announced is not seen: the row is kept"));
    tap_is_str(cached_title(writer, pool, CACHED), "behind",
               name_of(db, "read cache: a store that does not read from the cache sees it"));
    occi_store_begin(reader);
    tap_is_str(cached_title(reader, pool, CACHED), "behind",
               name_of(db, "read cache: so does a read inside a transaction"));
    occi_store_rollback(reader);
    occi_read_cache_changed(cache);
    tap_is_str(cached_title(reader, pool, CACHED), "behind",
               name_of(db, "read cache: once announced, the change is read"));

    entity = fetch(db, CACHED);
    occi_entity_set_string(pool, entity, "occi.core.title", "updated");
    is_status(db, occi_store_update(writer, entity, entity->revision), OCCI_STORE_OK,
              "read cache: an update through a store of this node");
    tap_is_str(cached_title(reader, pool, CACHED), "updated",
               name_of(db, "read cache: is read at once, without an announcement"));

    occi_store_links_from(reader, pool, CACHED, &links);
    tap_is_int(links ? links->nelts : -1, 0, name_of(db, "read cache: no link yet"));
    occi_store_insert(writer, link_from(pool, CACHED_LINK, CACHED, "/network/x", "alice"));
    occi_store_links_from(reader, pool, CACHED, &links);
    tap_is_int(links ? links->nelts : -1, 1,
               name_of(db, "read cache: a link inserted on this node is read at once"));
    occi_store_delete(writer, CACHED, NULL);
    tap_is_str(cached_title(reader, pool, CACHED), "(none)",
               name_of(db, "read cache: a delete on this node is read at once"));
}

/* The links of many resources at once (a page's) are those each has,
 * across more resources than one statement takes. */
static void test_links_of_many(database *db)
{
    apr_pool_t *pool = db->pool;
    apr_array_header_t *ids = apr_array_make(pool, 30, sizeof(const char *));
    apr_hash_t *links = NULL;
    int i, same = 0;

    for (i = 0; i < 30; i++) {
        const char *id = apr_psprintf(pool, "60000000-0000-4000-8000-0000000000%02d", i);

        occi_store_insert(db->store, resource(pool, id, COMPUTE, "alice"));
        APR_ARRAY_PUSH(ids, const char *) = id;
        if (i % 3 == 0 || i == 27) {
            occi_store_insert(db->store, link_from(pool, apr_psprintf(
                                  pool, "61000000-0000-4000-8000-0000000000%02d", i), id,
                                  "/network/x", "alice"));
        }
        if (i == 27) {
            occi_store_insert(db->store, link_from(pool, apr_psprintf(
                                  pool, "62000000-0000-4000-8000-0000000000%02d", i), id,
                                  "/storage/y", "alice"));
        }
    }
    is_status(db, occi_store_links_from_many(db->store, pool, ids, &links), OCCI_STORE_OK,
              "links of 30 resources at once");
    for (i = 0; links && i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        apr_array_header_t *one = NULL, *of_many = apr_hash_get(links, id, APR_HASH_KEY_STRING);

        occi_store_links_from(db->store, pool, id, &one);
        same += of_many && one && !strcmp(id_list(pool, of_many), id_list(pool, one));
    }
    tap_is_int(same, 30, name_of(db, "are, for each, its links in the same order"));
    tap_is_int(links ? ((apr_array_header_t *)apr_hash_get(links, APR_ARRAY_IDX(ids, 27, const char *),
                                                            APR_HASH_KEY_STRING))->nelts : -1,
               2, name_of(db, "the 28th resource (past the first statement) has its two"));
    for (i = 0; i < 30; i++) {
        occi_store_delete(db->store, APR_ARRAY_IDX(ids, i, const char *), NULL);
    }
}

static void run(database *db)
{
    db->store = occi_store_open(db->pool, db->driver, db->handle, db->prepared);
    test_round_trip(db);
    test_owners(db);
    test_update(db);
    test_links_and_delete(db);
    test_read_cache(db);
    test_links_of_many(db);
    test_list(db);
    test_long_values(db);
    test_membership(db);
    test_user_mixins(db);
    test_transactions(db);
    test_unmanaged(db);
    test_intents(db);
    test_entity_hosts(db);
    test_allocations(db);
    test_disabled_hosts(db);
    test_placement_lock(db);
    test_recovery(db);
    test_recovery_waits(db);
    test_deferred_saves(db);
    test_service_delete(db);
    test_service_act(db);
    test_service_update(db);
    test_service_create(db);
    test_service_save(db);
    test_service_mixins(db);
    test_service_update_all(db);
    test_service_reads(db);
    test_deferred_stop_for_delete(db);
    test_recovery_of_save(db);
    test_service_placement(db);
    test_tenant_usage(db);
    test_service_quota(db);
    if (!strcmp(db->name, "sqlite3")) {
        test_plans(db);
        test_write_turns(db);
    }
}

/* A fresh schema, migrated by several processes at once, and a connection
 * with every statement prepared. */
static int open_database(database *db)
{
    if (!connect_fresh(db)) {
        return 0;
    }
    test_concurrent_migrate(db);
    test_migrate(db);
    return prepare_checked(db);
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    apr_dbd_init(pool);
    test_holders();
    run_on_databases(pool, "occi-store", open_database, run);
    return tap_done(pool);
}
