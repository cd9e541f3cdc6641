/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entity store's "sql" provider, over apr_dbd, and at the end of the
 * file the dispatch of the occi_store_* functions to a store's provider
 * (see occi_store.h). Every statement that carries data is one of the
 * prepared statements below; the schema they work on is created by
 * occi_schema.c.
 *
 * An entity is one row of occi_entity holding everything needed to read
 * it back (its mixins as a JSON array, its attributes as a JSON object),
 * so that reading a page of a collection is a single query. The rows of
 * occi_membership and occi_attribute exist only to find entities: they
 * repeat the entity's owner and creation sequence number so that a page of
 * a mixin collection, or of an attribute filter, is read from an index in
 * creation order however large the collection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <apr_sha1.h>
#include <json.h>

#include "occi_store.h"
#include "occi_stored_json.h"
#include "occi_json.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* SQLITE_BUSY, which apr_dbd's SQLite driver passes on as its status. */
#define SQLITE_BUSY_STATUS 5
/* How long a writer waits for SQLite's write lock, all attempts together. */
#define STORE_BUSY_WAIT apr_time_from_sec(30)

/* Attribute text forms longer than this are indexed by their SHA-1: a
 * PostgreSQL B-tree refuses keys of more than about 2.7 kB. */
#define VALUE_KEY_MAX 200

/* A store: a provider and the provider's own state. */
struct occi_store {
    const occi_store_provider *provider;
    void *impl;
};

/* The SQL provider's state: one apr_dbd connection. */
typedef struct sql_store sql_store;

struct sql_store {
    apr_pool_t *pool;
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_hash_t *prepared;
    apr_dbd_transaction_t *trans;
    /* A statement failed inside trans (or a label was missing, which the
     * driver never sees): the transaction may only be rolled back. */
    int failed;
    const char *error;
    occi_write_gate *gate;      /* NULL: writers meet at the database's lock */
    int holds_gate;             /* this store's transaction has the gate's turn */
    int gate_cleanup;           /* leave_gate_cleanup is registered */
    occi_group_sync *sync;      /* NULL: SQLite syncs inside COMMIT */
    occi_store_sync_failed *sync_failed;
    void *sync_failed_data;
    occi_read_cache *reads;     /* told of commits; NULL: none */
    int read_from_cache;        /* reads may be answered from reads */
    int wrote;                  /* trans has changed something */
};

/* ---- Statements -------------------------------------------------------- */

enum {
    ENTITY_INSERT,
    ENTITY_GET,
    ENTITY_STATE,
    ENTITY_UPDATE,
    ENTITY_UPDATE_AT,
    ENTITY_TOUCH,
    ENTITY_LOCK,
    ENTITY_SET_MIXINS,
    ENTITY_DELETE,
    LINKS_FROM,
    LINKS_FROM_MANY,
    LINKS_TO,
    LINKS_DELETE,
    MEMBERSHIP_INSERT,
    MEMBERSHIP_DELETE,
    MEMBERSHIP_DELETE_ENTITY,
    MEMBERSHIP_DELETE_LINKS,
    MEMBERSHIP_DELETE_MIXIN,
    MEMBERSHIP_MEMBERS,
    ATTRIBUTE_INSERT,
    ATTRIBUTE_INSERT_4,
    ATTRIBUTE_DELETE_ENTITY,
    ATTRIBUTE_DELETE_LINKS,
    /* The list and count families run in the same order: a family's
     * statement is its base plus 2 * family + (owner given). */
    LIST_ALL,
    LIST_ALL_OWNER,
    LIST_KIND,
    LIST_KIND_OWNER,
    LIST_MIXIN,
    LIST_MIXIN_OWNER,
    LIST_ATTRIBUTE,
    LIST_ATTRIBUTE_OWNER,
    COUNT_ALL,
    COUNT_ALL_OWNER,
    COUNT_KIND,
    COUNT_KIND_OWNER,
    COUNT_MIXIN,
    COUNT_MIXIN_OWNER,
    COUNT_ATTRIBUTE,
    COUNT_ATTRIBUTE_OWNER,
    USER_MIXIN_INSERT,
    USER_MIXIN_DELETE,
    USER_MIXIN_LIST,
    USER_MIXIN_LOCK,
    INTENT_INSERT,
    INTENT_LIST,
    INTENT_CLAIM,
    INTENT_HOLDER,
    INTENT_RELEASE,
    INTENT_RENEW,
    INTENT_SET_DETAIL,
    INTENT_DELETE,
    INTENT_DELETE_WITH,
    ENTITY_SET_HOST,
    ALLOCATION_SET_HOST,
    ALLOCATION_PUT,
    ALLOCATION_GET,
    ALLOCATION_DELETE,
    ALLOCATION_DELETE_LINKS,
    HOST_USAGE,
    HOST_USAGE_GENERATION,
    HOST_LOCK,
    HOST_LOCK_ROW,
    HOST_DISABLED,
    HOST_SET_DISABLED,
    TENANT_USAGE_GET,
    TENANT_USAGE_LIST,
    TENANT_LOCK,
    USAGE_CLAIM,
    USAGE_INSERT,
    USAGE_PRUNE,
    USAGE_LIST,
    STATEMENT_COUNT
};

enum { FAMILY_ALL, FAMILY_KIND, FAMILY_MIXIN, FAMILY_ATTRIBUTE };

#define ENTITY_COLUMNS "e.id, e.kind, e.owner, e.revision, e.mixins, e.attributes, e.host"
#define ENTITY_COLUMN_COUNT 7
/* ... and the row's position, for the next chunk of a listing. */
#define LIST_COLUMNS ENTITY_COLUMNS ", e.seq"
#define LIST_SEQ_COLUMN ENTITY_COLUMN_COUNT

/* An optional filter is a "(%s IS NULL OR ...)" residual only where an
 * index chosen by the other conditions already drives the query; the
 * conditions that pick the index have a statement each, as neither
 * database plans around a parameter that may disable a condition. */
#define KIND_OPTION " AND (%s IS NULL OR e.kind = %s)"
#define MIXIN_OPTION " AND (%s IS NULL OR EXISTS (SELECT 1 FROM occi_membership x" \
                     " WHERE x.mixin = %s AND x.entity_id = e.id))"

#define FROM_ALL " FROM occi_entity e"
#define FROM_ALL_OWNER FROM_ALL " WHERE e.owner = %s"
#define FROM_KIND FROM_ALL " WHERE e.kind = %s"
#define FROM_KIND_OWNER FROM_KIND " AND e.owner = %s"
#define FROM_MIXIN_JOIN " FROM occi_membership m JOIN occi_entity e ON e.seq = m.seq" \
                        " WHERE m.mixin = %s"
#define FROM_MIXIN FROM_MIXIN_JOIN KIND_OPTION
#define FROM_MIXIN_OWNER FROM_MIXIN_JOIN " AND m.owner = %s" KIND_OPTION
#define FROM_ATTRIBUTE_JOIN " FROM occi_attribute a JOIN occi_entity e ON e.seq = a.seq" \
                            " WHERE a.name = %s AND a.value = %s"
#define FROM_ATTRIBUTE FROM_ATTRIBUTE_JOIN KIND_OPTION MIXIN_OPTION
#define FROM_ATTRIBUTE_OWNER FROM_ATTRIBUTE_JOIN " AND a.owner = %s" KIND_OPTION MIXIN_OPTION

#define PAGE " LIMIT %d OFFSET %d"
#define OWNER_OPTION "(%s IS NULL OR owner = %s)"

static const occi_statement statements[STATEMENT_COUNT] = {
    /* ON CONFLICT DO NOTHING (PostgreSQL 9.5, SQLite 3.24) makes a taken id
     * a zero-row insert instead of an error that would abort PostgreSQL's
     * transaction, and it waits out a concurrent insert of the same id. */
    [ENTITY_INSERT] = { "occi_entity_insert",
        "INSERT INTO occi_entity"
        " (id, kind, owner, revision, source_id, target, mixins, attributes, host)"
        " VALUES (%s, %s, %s, 1, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING" },
    [ENTITY_GET] = { "occi_entity_get",
        "SELECT " ENTITY_COLUMNS " FROM occi_entity e WHERE e.id = %s"
        " AND (%s IS NULL OR e.owner = %s)" },
    [ENTITY_STATE] = { "occi_entity_state",
        "SELECT revision, mixins FROM occi_entity WHERE id = %s" },
    [ENTITY_UPDATE] = { "occi_entity_update",
        "UPDATE occi_entity SET source_id = %s, target = %s, mixins = %s, attributes = %s,"
        " revision = revision + 1 WHERE id = %s" },
    [ENTITY_UPDATE_AT] = { "occi_entity_update_at",
        "UPDATE occi_entity SET source_id = %s, target = %s, mixins = %s, attributes = %s,"
        " revision = revision + 1 WHERE id = %s AND revision = %lld" },
    [ENTITY_TOUCH] = { "occi_entity_touch",
        "UPDATE occi_entity SET revision = revision + 1 WHERE id = %s" },
    /* A write that changes nothing: it takes the row's lock until the
     * transaction ends (PostgreSQL), and says whether the row exists. */
    [ENTITY_LOCK] = { "occi_entity_lock",
        "UPDATE occi_entity SET revision = revision WHERE id = %s" },
    [ENTITY_SET_MIXINS] = { "occi_entity_set_mixins",
        "UPDATE occi_entity SET mixins = %s WHERE id = %s" },
    [ENTITY_DELETE] = { "occi_entity_delete",
        "DELETE FROM occi_entity WHERE id = %s AND " OWNER_OPTION },
    [LINKS_FROM] = { "occi_links_from",
        "SELECT " ENTITY_COLUMNS " FROM occi_entity e WHERE e.source_id = %s ORDER BY e.seq" },
    /* The links of LINKS_FROM_MANY_IDS resources at once (unused places
     * NULL, which matches nothing), each row with its source's id last. */
    [LINKS_FROM_MANY] = { "occi_links_from_many",
        "SELECT " ENTITY_COLUMNS ", e.source_id FROM occi_entity e WHERE e.source_id IN"
        " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " %s, %s, %s, %s, %s) ORDER BY e.seq" },
    [LINKS_TO] = { "occi_links_to",
        "SELECT " ENTITY_COLUMNS " FROM occi_entity e WHERE e.target = %s ORDER BY e.seq" },
    [LINKS_DELETE] = { "occi_links_delete",
        "DELETE FROM occi_entity WHERE source_id = %s" },
    /* The membership and attribute rows copy owner and seq from the entity
     * row in the same statement, so they cannot disagree with it. */
    [MEMBERSHIP_INSERT] = { "occi_membership_insert",
        "INSERT INTO occi_membership (mixin, entity_id, owner, seq)"
        " SELECT %s, id, owner, seq FROM occi_entity WHERE id = %s ON CONFLICT DO NOTHING" },
    [MEMBERSHIP_DELETE] = { "occi_membership_delete",
        "DELETE FROM occi_membership WHERE mixin = %s AND entity_id = %s" },
    [MEMBERSHIP_DELETE_ENTITY] = { "occi_membership_delete_entity",
        "DELETE FROM occi_membership WHERE entity_id = %s" },
    [MEMBERSHIP_DELETE_LINKS] = { "occi_membership_delete_links",
        "DELETE FROM occi_membership WHERE entity_id IN"
        " (SELECT id FROM occi_entity WHERE source_id = %s)" },
    /* A user mixin's type id is the owner's own: another owner may use the
     * same one, so its memberships are found by the pair. */
    [MEMBERSHIP_DELETE_MIXIN] = { "occi_membership_delete_mixin",
        "DELETE FROM occi_membership WHERE mixin = %s AND " OWNER_OPTION },
    [MEMBERSHIP_MEMBERS] = { "occi_membership_members",
        "SELECT entity_id FROM occi_membership WHERE mixin = %s AND " OWNER_OPTION
        " ORDER BY seq" },
    [ATTRIBUTE_INSERT] = { "occi_attribute_insert",
        "INSERT INTO occi_attribute (entity_id, name, value, owner, seq)"
        " SELECT id, %s, %s, owner, seq FROM occi_entity WHERE id = %s" },
    /* Four at once, a round trip where there were four (a compute has
     * four indexed attributes). A VALUES list's columns are column1 and
     * column2 in SQLite and PostgreSQL alike. */
    [ATTRIBUTE_INSERT_4] = { "occi_attribute_insert_4",
        "INSERT INTO occi_attribute (entity_id, name, value, owner, seq)"
        " SELECT e.id, v.column1, v.column2, e.owner, e.seq FROM occi_entity e,"
        " (VALUES (%s, %s), (%s, %s), (%s, %s), (%s, %s)) v WHERE e.id = %s" },
    [ATTRIBUTE_DELETE_ENTITY] = { "occi_attribute_delete_entity",
        "DELETE FROM occi_attribute WHERE entity_id = %s" },
    [ATTRIBUTE_DELETE_LINKS] = { "occi_attribute_delete_links",
        "DELETE FROM occi_attribute WHERE entity_id IN"
        " (SELECT id FROM occi_entity WHERE source_id = %s)" },

    /* Listed after a position (the seq of the last row of the previous
     * chunk; 0 from the first): a collection read a chunk at a time costs
     * each chunk the same, where an OFFSET would skip all the rows before
     * it again. */
    [LIST_ALL] = { "occi_list_all",
        "SELECT " LIST_COLUMNS FROM_ALL " WHERE e.seq > %lld ORDER BY e.seq" PAGE },
    [LIST_ALL_OWNER] = { "occi_list_all_owner",
        "SELECT " LIST_COLUMNS FROM_ALL_OWNER " AND e.seq > %lld ORDER BY e.seq" PAGE },
    [LIST_KIND] = { "occi_list_kind",
        "SELECT " LIST_COLUMNS FROM_KIND " AND e.seq > %lld ORDER BY e.seq" PAGE },
    [LIST_KIND_OWNER] = { "occi_list_kind_owner",
        "SELECT " LIST_COLUMNS FROM_KIND_OWNER " AND e.seq > %lld ORDER BY e.seq" PAGE },
    [LIST_MIXIN] = { "occi_list_mixin",
        "SELECT " LIST_COLUMNS FROM_MIXIN " AND m.seq > %lld ORDER BY m.seq" PAGE },
    [LIST_MIXIN_OWNER] = { "occi_list_mixin_owner",
        "SELECT " LIST_COLUMNS FROM_MIXIN_OWNER " AND m.seq > %lld ORDER BY m.seq" PAGE },
    [LIST_ATTRIBUTE] = { "occi_list_attribute",
        "SELECT " LIST_COLUMNS FROM_ATTRIBUTE " AND a.seq > %lld ORDER BY a.seq" PAGE },
    [LIST_ATTRIBUTE_OWNER] = { "occi_list_attribute_owner",
        "SELECT " LIST_COLUMNS FROM_ATTRIBUTE_OWNER " AND a.seq > %lld ORDER BY a.seq" PAGE },
    [COUNT_ALL] = { "occi_count_all", "SELECT COUNT(*)" FROM_ALL },
    [COUNT_ALL_OWNER] = { "occi_count_all_owner", "SELECT COUNT(*)" FROM_ALL_OWNER },
    [COUNT_KIND] = { "occi_count_kind", "SELECT COUNT(*)" FROM_KIND },
    [COUNT_KIND_OWNER] = { "occi_count_kind_owner", "SELECT COUNT(*)" FROM_KIND_OWNER },
    [COUNT_MIXIN] = { "occi_count_mixin", "SELECT COUNT(*)" FROM_MIXIN },
    [COUNT_MIXIN_OWNER] = { "occi_count_mixin_owner", "SELECT COUNT(*)" FROM_MIXIN_OWNER },
    [COUNT_ATTRIBUTE] = { "occi_count_attribute", "SELECT COUNT(*)" FROM_ATTRIBUTE },
    [COUNT_ATTRIBUTE_OWNER] = { "occi_count_attribute_owner",
        "SELECT COUNT(*)" FROM_ATTRIBUTE_OWNER },

    [USER_MIXIN_INSERT] = { "occi_user_mixin_insert",
        "INSERT INTO occi_user_mixin"
        " (type_id, scheme, term, title, location, owner, depends, applies)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING" },
    [USER_MIXIN_DELETE] = { "occi_user_mixin_delete",
        "DELETE FROM occi_user_mixin WHERE type_id = %s AND " OWNER_OPTION },
    [USER_MIXIN_LIST] = { "occi_user_mixin_list",
        "SELECT type_id, scheme, term, title, location, owner, depends, applies"
        " FROM occi_user_mixin WHERE " OWNER_OPTION " ORDER BY seq" },

    [USER_MIXIN_LOCK] = { "occi_user_mixin_lock",
        "UPDATE occi_user_mixin SET depends = depends WHERE type_id = %s AND " OWNER_OPTION },

    [INTENT_INSERT] = { "occi_intent_insert",
        "INSERT INTO occi_intent (id, verb, entity_id, owner, detail, holder, lease_until)"
        " VALUES (%s, %s, %s, %s, %s, %s, %lld)" },
    [INTENT_LIST] = { "occi_intent_list",
        "SELECT id, verb, entity_id, owner, detail, holder, lease_until FROM occi_intent"
        " WHERE verb = %s AND (%s IS NULL OR entity_id = %s) AND (%s IS NULL OR detail = %s)"
        " ORDER BY id" },
    [INTENT_CLAIM] = { "occi_intent_claim",
        "UPDATE occi_intent SET holder = %s, lease_until = %lld WHERE id = %s"
        " AND (holder IS NULL OR holder = %s OR lease_until < %lld)" },
    [INTENT_HOLDER] = { "occi_intent_holder",
        "SELECT holder FROM occi_intent WHERE id = %s" },
    [INTENT_RELEASE] = { "occi_intent_release",
        "UPDATE occi_intent SET holder = NULL, lease_until = 0 WHERE id = %s AND holder = %s" },
    [INTENT_RENEW] = { "occi_intent_renew",
        "UPDATE occi_intent SET lease_until = %lld WHERE holder = %s AND verb = %s" },
    [INTENT_SET_DETAIL] = { "occi_intent_set_detail",
        "UPDATE occi_intent SET detail = %s WHERE id = %s AND holder = %s" },
    [INTENT_DELETE] = { "occi_intent_delete",
        "DELETE FROM occi_intent WHERE id = %s AND (%s IS NULL OR holder = %s)" },
    [INTENT_DELETE_WITH] = { "occi_intent_delete_with",
        "DELETE FROM occi_intent WHERE verb = %s AND detail = %s" },

    [ENTITY_SET_HOST] = { "occi_entity_set_host",
        "UPDATE occi_entity SET host = %s WHERE id = %s" },
    [ALLOCATION_SET_HOST] = { "occi_allocation_set_host",
        "UPDATE occi_allocation SET host = %s WHERE entity_id = %s" },
    /* One statement records or replaces an allocation, so that two writers
     * for the same entity cannot both find it absent and collide on its key. */
    [ALLOCATION_PUT] = { "occi_allocation_put",
        "INSERT INTO occi_allocation"
        " (entity_id, host, kind, owner, cores, memory_mib, disk_mib, affinity_group)"
        " VALUES (%s, %s, %s, %s, %d, %lld, %lld, %s)"
        " ON CONFLICT (entity_id) DO UPDATE SET host = excluded.host, kind = excluded.kind,"
        " owner = excluded.owner, cores = excluded.cores, memory_mib = excluded.memory_mib,"
        " disk_mib = excluded.disk_mib, affinity_group = excluded.affinity_group" },
    [ALLOCATION_GET] = { "occi_allocation_get",
        "SELECT entity_id, host, kind, owner, cores, memory_mib, disk_mib, affinity_group"
        " FROM occi_allocation WHERE entity_id = %s" },
    [ALLOCATION_DELETE] = { "occi_allocation_delete",
        "DELETE FROM occi_allocation WHERE entity_id = %s" },
    [ALLOCATION_DELETE_LINKS] = { "occi_allocation_delete_links",
        "DELETE FROM occi_allocation WHERE entity_id IN"
        " (SELECT id FROM occi_entity WHERE source_id = %s)" },
    /* One row per host and affinity group, summed as allocations change
     * (occi_schema.c): one statement reads one snapshot, and the rows and
     * the cost grow with the hosts and groups, not with the entities. */
    [HOST_USAGE] = { "occi_host_usage",
        "SELECT host, affinity_group, cores, memory_mib, disk_mib, computes"
        " FROM occi_host_usage WHERE members > 0 ORDER BY host, affinity_group" },
    [HOST_USAGE_GENERATION] = { "occi_host_usage_generation",
        "SELECT generation FROM occi_host WHERE name = ''" },
    /* A write that changes nothing, as occi_entity_lock: the '' row is no
     * host, only the lock that placements take turns at. */
    [HOST_LOCK] = { "occi_host_lock",
        "UPDATE occi_host SET disabled = disabled WHERE name = ''" },
    [HOST_LOCK_ROW] = { "occi_host_lock_row",
        "INSERT INTO occi_host (name, disabled) VALUES ('', 0) ON CONFLICT DO NOTHING" },
    [HOST_DISABLED] = { "occi_host_disabled",
        "SELECT name FROM occi_host WHERE disabled <> 0 AND name <> '' ORDER BY name" },
    [HOST_SET_DISABLED] = { "occi_host_set_disabled",
        "INSERT INTO occi_host (name, disabled) VALUES (%s, %d)"
        " ON CONFLICT (name) DO UPDATE SET disabled = excluded.disabled" },
    /* An owner's slots, kept by triggers on occi_entity (occi_schema.c):
     * what it holds is their sum, read in one statement (one snapshot). */
    [TENANT_USAGE_GET] = { "occi_tenant_usage_get",
        "SELECT owner, SUM(cores), SUM(memory_mib), SUM(storage_mib), SUM(computes),"
        " SUM(networks) FROM occi_tenant_usage WHERE owner = %s GROUP BY owner" },
    [TENANT_USAGE_LIST] = { "occi_tenant_usage_list",
        "SELECT owner, SUM(cores), SUM(memory_mib), SUM(storage_mib), SUM(computes),"
        " SUM(networks) FROM occi_tenant_usage GROUP BY owner HAVING SUM(cores) <> 0"
        " OR SUM(memory_mib) <> 0 OR SUM(storage_mib) <> 0 OR SUM(computes) <> 0"
        " OR SUM(networks) <> 0 ORDER BY owner" },
    /* A write that changes nothing, as occi_host_lock: the owner's slot -1
     * holds nothing, and is there to be locked (made on first use). */
    [TENANT_LOCK] = { "occi_tenant_lock",
        "INSERT INTO occi_tenant_usage (owner, slot) VALUES (%s, -1)"
        " ON CONFLICT (owner, slot) DO UPDATE SET cores = occi_tenant_usage.cores" },
    [USAGE_CLAIM] = { "occi_usage_claim",
        "UPDATE occi_usage_sampler SET holder = %s, lease_until = %lld"
        " WHERE id = 1 AND (holder = %s OR lease_until < %lld)" },
    /* Two processes that read in the same interval record it once. */
    [USAGE_INSERT] = { "occi_usage_insert",
        "INSERT INTO occi_usage_sample (entity_id, at, taken_ms, cpu_ns, vcpus, memory_kib,"
        " disk_read_bytes, disk_write_bytes, net_rx_bytes, net_tx_bytes)"
        " VALUES (%s, %lld, %lld, %lld, %d, %lld, %lld, %lld, %lld, %lld)"
        " ON CONFLICT (entity_id, at) DO NOTHING" },
    [USAGE_PRUNE] = { "occi_usage_prune",
        "DELETE FROM occi_usage_sample WHERE at < %lld" },
    [USAGE_LIST] = { "occi_usage_list",
        "SELECT at, taken_ms, cpu_ns, vcpus, memory_kib, disk_read_bytes, disk_write_bytes,"
        " net_rx_bytes, net_tx_bytes FROM occi_usage_sample WHERE entity_id = %s AND at >= %lld"
        " ORDER BY at" },
};

const occi_statement *occi_store_statements(int *count)
{
    *count = STATEMENT_COUNT;
    return statements;
}

/* ---- Errors and statement execution ------------------------------------ */

/* Records an error; inside a transaction it also condemns the transaction,
 * as part of a change may already be written. The first error of a
 * condemned transaction is kept: the drivers refuse every later statement
 * with a message of no use. */
static occi_store_status fail(sql_store *store, const char *message)
{
    if (!store->trans || !store->failed) {
        store->error = message;
    }
    if (store->trans) {
        store->failed = 1;
    }
    return OCCI_STORE_ERROR;
}

static const char *database_message(const sql_store *store, int status)
{
    const char *message = apr_dbd_error(store->driver, store->handle, status);
    char *copy;
    apr_size_t len;

    if (!message || !*message) {
        return apr_psprintf(store->pool, "%s error %d", apr_dbd_name(store->driver), status);
    }
    /* libpq ends its messages with a newline. */
    copy = apr_pstrdup(store->pool, message);
    len = strlen(copy);
    while (len > 0 && apr_isspace(copy[len - 1])) {
        copy[--len] = '\0';
    }
    return copy;
}

static occi_store_status fail_database(sql_store *store, int id, int status)
{
    return fail(store, apr_psprintf(store->pool, "%s: %s", statements[id].label,
                                    database_message(store, status)));
}

static int parameter_count(const char *sql)
{
    int count = 0;

    for (; *sql; sql++) {
        if (sql[0] == '%') {
            if (apr_isalpha(sql[1])) {
                count++;
            }
            else if (sql[1] == '%') {
                sql++;
            }
        }
    }
    return count;
}

/* The prepared statement, or NULL with the error set. The drivers read as
 * many arguments as the statement has parameters, so a call passing fewer
 * is refused here rather than left to read past its array. */
static apr_dbd_prepared_t *prepared(sql_store *store, int id, int nargs)
{
    apr_dbd_prepared_t *statement = NULL;

    if (store->prepared) {
        statement = apr_hash_get(store->prepared, statements[id].label, APR_HASH_KEY_STRING);
    }
    if (!statement) {
        fail(store, apr_psprintf(store->pool, "the statement %s is not prepared",
                                 statements[id].label));
        return NULL;
    }
    if (nargs != parameter_count(statements[id].sql)) {
        fail(store, apr_psprintf(store->pool, "%s called with %d arguments",
                                 statements[id].label, nargs));
        return NULL;
    }
    return statement;
}

/* Whether statement id, run with args, can change what a cacheable read
 * (below) returns: the same changes as the database announces (schema
 * version 8), an entity row updated or deleted, or a link inserted. */
static int changes_cached_reads(int id, const char **args)
{
    const char *sql = statements[id].sql;

    if (id == ENTITY_INSERT) {
        return args[3] != NULL;         /* source_id: a link */
    }
    return !strncmp(sql, "UPDATE occi_entity ", 19) || !strncmp(sql, "DELETE FROM occi_entity ", 24);
}

static occi_store_status execute(sql_store *store, apr_pool_t *pool, int id, int *nrows,
                                 const char **args, int nargs)
{
    apr_dbd_prepared_t *statement = prepared(store, id, nargs);
    int rows = 0;
    int status;

    if (!statement) {
        return OCCI_STORE_ERROR;
    }
    status = apr_dbd_pquery(store->driver, pool, store->handle, &rows, statement, nargs, args);
    if (status != 0) {
        return fail_database(store, id, status);
    }
    if (changes_cached_reads(id, args) && rows > 0) {
        if (store->trans) {
            store->wrote = 1;
        }
        else if (store->reads) {
            occi_read_cache_committed(store->reads);
        }
    }
    if (nrows) {
        *nrows = rows;
    }
    return OCCI_STORE_OK;
}

/* Runs a select and copies every row (const char **, NULL for SQL NULL)
 * into pool: libpq's values die with the result, which the pgsql driver
 * frees when the last row has been read. Every row is read, so no
 * statement is left open. */
/* The reads a process may answer from its read cache: one entity's row
 * and its links' rows (each ENTITY_COLUMNS), which is all a GET of an
 * entity asks. Only outside a transaction: a change reads what it changes
 * inside its own. */
static int cacheable(int id)
{
    return id == ENTITY_GET || id == LINKS_FROM;
}

/* The read cache's key of a statement and its arguments. */
static const char *read_cache_key(apr_pool_t *pool, int id, const char **args, int nargs)
{
    apr_array_header_t *parts = apr_array_make(pool, nargs + 1, sizeof(const char *));
    int i;

    APR_ARRAY_PUSH(parts, const char *) = statements[id].label;
    for (i = 0; i < nargs; i++) {
        /* \x1f before each argument, \x1e for SQL NULL: neither can be
         * in an id or an owner, and NULL differs from "". */
        APR_ARRAY_PUSH(parts, const char *) = args[i] ? apr_pstrcat(pool, "\x1f", args[i], NULL)
                                                      : "\x1f\x1e";
    }
    return apr_array_pstrcat(pool, parts, 0);
}

static occi_store_status select_uncached(sql_store *store, apr_pool_t *pool, int id,
                                         const char **args, int nargs,
                                         apr_array_header_t **rows, int *columns_read);

static occi_store_status select_rows(sql_store *store, apr_pool_t *pool, int id,
                                     const char **args, int nargs, apr_array_header_t **rows)
{
    occi_store_status status;
    const char *key;
    apr_uint64_t stamp;
    int columns;

    if (!store->read_from_cache || store->trans || !cacheable(id)) {
        return select_uncached(store, pool, id, args, nargs, rows, &columns);
    }
    key = read_cache_key(pool, id, args, nargs);
    columns = ENTITY_COLUMN_COUNT;
    if ((*rows = occi_read_cache_get(store->reads, pool, key, columns))) {
        return OCCI_STORE_OK;
    }
    /* Taken before asking: a change committed meanwhile makes it stale. */
    stamp = occi_read_cache_stamp(store->reads);
    status = select_uncached(store, pool, id, args, nargs, rows, &columns);
    /* An absence is not kept: a new resource announces nothing. */
    if (status == OCCI_STORE_OK && columns == ENTITY_COLUMN_COUNT
        && ((*rows)->nelts > 0 || id != ENTITY_GET)) {
        occi_read_cache_put(store->reads, key, columns, *rows, stamp);
    }
    return status;
}

static occi_store_status select_uncached(sql_store *store, apr_pool_t *pool, int id,
                                         const char **args, int nargs,
                                         apr_array_header_t **rows, int *columns_read)
{
    apr_dbd_prepared_t *statement = prepared(store, id, nargs);
    apr_dbd_results_t *results = NULL;
    apr_dbd_row_t *row = NULL;
    int status, columns;

    if (!statement) {
        return OCCI_STORE_ERROR;
    }
    /* Random access: the pgsql driver's sequential mode hides errors and
     * sleeps on an empty result; the sqlite3 driver reads all rows anyway. */
    status = apr_dbd_pselect(store->driver, pool, store->handle, &results, statement, 1,
                             nargs, args);
    if (status != 0) {
        return fail_database(store, id, status);
    }
    columns = apr_dbd_num_cols(store->driver, results);
    *columns_read = columns;
    *rows = apr_array_make(pool, 8, sizeof(const char **));
    while (apr_dbd_get_row(store->driver, pool, results, &row, -1) == 0) {
        const char **values = apr_pcalloc(pool, sizeof(*values) * (apr_size_t)(columns + 1));
        int i;

        for (i = 0; i < columns; i++) {
            const char *value = NULL;

            /* get_entry cannot tell NULL from "" with pgsql; datum_get can. */
            if (apr_dbd_datum_get(store->driver, row, i, APR_DBD_TYPE_STRING, &value)
                    == APR_SUCCESS && value) {
                values[i] = apr_pstrdup(pool, value);
            }
        }
        APR_ARRAY_PUSH(*rows, const char **) = values;
    }
    return OCCI_STORE_OK;
}

#define ARGS(...) (const char *[]){ __VA_ARGS__ }
#define NARGS(...) ((int)(sizeof(ARGS(__VA_ARGS__)) / sizeof(const char *)))
#define EXECUTE(store, pool, id, nrows, ...) \
    execute(store, pool, id, nrows, ARGS(__VA_ARGS__), NARGS(__VA_ARGS__))
#define SELECT(store, pool, id, rows, ...) \
    select_rows(store, pool, id, ARGS(__VA_ARGS__), NARGS(__VA_ARGS__), rows)

#define CHECK(call) do { occi_store_status check_ = (call); \
                         if (check_ != OCCI_STORE_OK) return check_; } while (0)

static occi_store_status lock_placement(sql_store *store, apr_pool_t *pool);

/* Before an allocation changes, inside its transaction: the triggers that
 * keep occi_host_usage lock its rows, one per host and group, in whatever
 * order the changes come; two transactions changing two hosts in opposite
 * orders would wait for each other for ever on PostgreSQL. Taking the
 * placement lock first puts every such change in one queue. (SQLite has
 * one writer at a time: nothing to order.) */
static occi_store_status lock_usage(sql_store *store, apr_pool_t *pool)
{
    return strcmp(apr_dbd_name(store->driver), "pgsql") ? OCCI_STORE_OK
                                                       : lock_placement(store, pool);
}

static occi_store_status lock_usage_of(sql_store *store, apr_pool_t *pool, const char *id)
{
    apr_array_header_t *rows;

    /* An entity without an allocation (every entity of a single host)
     * changes no sum, and need not wait for placements. */
    if (strcmp(apr_dbd_name(store->driver), "pgsql")) {
        return OCCI_STORE_OK;
    }
    CHECK(SELECT(store, pool, ALLOCATION_GET, &rows, id));
    return rows->nelts ? lock_placement(store, pool) : OCCI_STORE_OK;
}

/* ---- Transactions ------------------------------------------------------ */

static void leave_gate(sql_store *store)
{
    if (store->holds_gate) {
        store->holds_gate = 0;
        occi_write_gate_leave(store->gate);
    }
}

/* A request that ends with its transaction still open must not keep the
 * process's other writers out. */
static apr_status_t leave_gate_cleanup(void *data)
{
    leave_gate(data);
    return APR_SUCCESS;
}

static const char *sql_error(const void *impl)
{
    const sql_store *store = impl;

    return store->error;
}

static occi_store_status sql_begin(void *impl)
{
    sql_store *store = impl;
    apr_dbd_transaction_t *trans = NULL;
    apr_time_t deadline = apr_time_now() + STORE_BUSY_WAIT;
    int status;

    if (store->trans) {
        store->error = "a transaction is already open";
        return OCCI_STORE_ERROR;
    }
    if (store->gate && occi_write_gate_enter(store->gate, deadline) != APR_SUCCESS) {
        store->error = "begin: the database is locked: another writer of this node "
                       "held it too long";
        return OCCI_STORE_ERROR;
    }
    if (store->gate && !store->gate_cleanup) {
        /* Registered by the first write only: most requests only read. */
        apr_pool_cleanup_register(store->pool, store, leave_gate_cleanup,
                                  apr_pool_cleanup_null);
        store->gate_cleanup = 1;
    }
    store->holds_gate = store->gate != NULL;
    /* sqlite3 begins with BEGIN IMMEDIATE: writers queue at the start
     * instead of deadlocking when a reader later wants to write. While
     * another connection writes, the driver tries for about 1.6 s and
     * answers SQLITE_BUSY; then it is asked again here, holding nothing.
     * (A busy timeout inside SQLite would wait holding apr_dbd's mutex,
     * which every SQLite call of the process takes: the thread that holds
     * the lock could not finish, and the process stalls.) */
    for (;;) {
        trans = NULL;
        status = apr_dbd_transaction_start(store->driver, store->pool, store->handle, &trans);
        if (status == 0) {
            break;
        }
        store->error = apr_psprintf(store->pool, "begin: %s", database_message(store, status));
        if (trans) {
            /* Detaches the half-made transaction from the handle. */
            apr_dbd_transaction_mode_set(store->driver, trans, APR_DBD_TRANSACTION_ROLLBACK);
            apr_dbd_transaction_end(store->driver, store->pool, trans);
        }
        if (status != SQLITE_BUSY_STATUS || strcmp(apr_dbd_name(store->driver), "sqlite3")
            || apr_time_now() >= deadline) {
            leave_gate(store);
            return OCCI_STORE_ERROR;
        }
        apr_sleep(apr_time_from_msec(10));
    }
    store->trans = trans;
    store->failed = 0;
    store->wrote = 0;
    return OCCI_STORE_OK;
}

static void sql_rollback(void *impl);

static occi_store_status sql_commit(void *impl)
{
    sql_store *store = impl;
    int status, rows;
    apr_uint64_t ticket;
    apr_status_t rv;

    if (!store->trans) {
        store->error = "no transaction is open";
        return OCCI_STORE_ERROR;
    }
    if (store->failed) {
        const char *error = store->error;

        sql_rollback(store);
        store->error = apr_pstrcat(store->pool, "rolled back: ", error, NULL);
        return OCCI_STORE_ERROR;
    }
    status = apr_dbd_transaction_end(store->driver, store->pool, store->trans);
    store->trans = NULL;
    /* Told before the client is: any process of this node then reads the
     * change. (After a failed COMMIT too: the database may have made it.) */
    if (store->wrote && store->reads) {
        occi_read_cache_committed(store->reads);
    }
    store->wrote = 0;
    if (status != 0) {
        store->error = apr_psprintf(store->pool, "commit: %s", database_message(store, status));
        /* SQLite keeps the transaction open when COMMIT fails (busy);
         * PostgreSQL has ended it and only warns. */
        apr_dbd_query(store->driver, store->handle, &rows, "ROLLBACK");
        leave_gate(store);
        return OCCI_STORE_ERROR;
    }
    /* The ticket is taken once the commit has written the log, so any
     * sync that begins after this covers it. */
    ticket = store->sync ? occi_group_sync_written(store->sync) : 0;
    leave_gate(store);
    if (store->sync && (rv = occi_group_sync_wait(store->sync, ticket)) != APR_SUCCESS
        && store->sync_failed) {
        char reason[120];

        store->sync_failed(store->sync_failed_data,
                           apr_psprintf(store->pool, "syncing %s: %s",
                                        occi_group_sync_path(store->sync),
                                        apr_strerror(rv, reason, sizeof(reason))));
    }
    return OCCI_STORE_OK;
}

static void sql_rollback(void *impl)
{
    sql_store *store = impl;

    if (!store->trans) {
        return;
    }
    apr_dbd_transaction_mode_set(store->driver, store->trans, APR_DBD_TRANSACTION_ROLLBACK);
    apr_dbd_transaction_end(store->driver, store->pool, store->trans);
    store->trans = NULL;
    store->failed = 0;
    leave_gate(store);
}

/* A change of several rows joins the caller's transaction, or runs in its
 * own. Every CONFLICT and NOT_FOUND is decided before the first write, so
 * only an ERROR leaves anything to undo: in the caller's transaction it
 * has condemned it (fail()). */
static occi_store_status enter(sql_store *store, int *own)
{
    *own = store->trans == NULL;
    return *own ? sql_begin(store) : OCCI_STORE_OK;
}

static occi_store_status leave(sql_store *store, int own, occi_store_status status)
{
    const char *error;

    if (!own) {
        return status;
    }
    if (status == OCCI_STORE_OK) {
        return sql_commit(store);
    }
    error = store->error;
    sql_rollback(store);
    store->error = error;
    return status;
}

/* ---- Values and entities ----------------------------------------------- */


static json_object *string_list_json(const char *const *values, int count)
{
    json_object *array = json_object_new_array();
    int i;

    for (i = 0; values && (count < 0 ? values[i] != NULL : i < count); i++) {
        json_object_array_add(array, json_object_new_string(values[i]));
    }
    return array;
}

/* The strings of a stored JSON array, NULL-terminated, or NULL if text is
 * not an array of strings. */
static const char **string_list_parse(apr_pool_t *pool, const char *text, int *count)
{
    json_object *array = text ? json_tokener_parse(text) : NULL;
    const char **values;
    size_t i, n;

    if (!array || !json_object_is_type(array, json_type_array)) {
        json_object_put(array);
        return NULL;
    }
    n = json_object_array_length(array);
    values = apr_pcalloc(pool, sizeof(*values) * (n + 1));
    for (i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(array, i);

        if (!json_object_is_type(item, json_type_string)) {
            json_object_put(array);
            return NULL;
        }
        values[i] = apr_pstrmemdup(pool, json_object_get_string(item),
                                   (apr_size_t)json_object_get_string_len(item));
    }
    json_object_put(array);
    *count = (int)n;
    return values;
}

/* The JSON form of a value, keeping its type: int64 for integers, double
 * for floats. NULL if an array or object value is not valid JSON. */
static json_object *value_json(const occi_value *value)
{
    json_object *parsed;

    switch (value->type) {
    case OCCI_TYPE_INTEGER:
        return json_object_new_int64(value->integer);
    case OCCI_TYPE_FLOAT:
        return json_object_new_double(value->number);
    case OCCI_TYPE_BOOLEAN:
        return json_object_new_boolean(value->boolean);
    case OCCI_TYPE_ARRAY:
    case OCCI_TYPE_OBJECT:
        parsed = value->string ? json_tokener_parse(value->string) : NULL;
        if (!parsed || !json_object_is_type(parsed, value->type == OCCI_TYPE_ARRAY
                                                    ? json_type_array : json_type_object)) {
            json_object_put(parsed);
            return NULL;
        }
        return parsed;
    case OCCI_TYPE_STRING:
        break;
    }
    return json_object_new_string(value->string ? value->string : "");
}

static int value_from_json(apr_pool_t *pool, json_object *json, occi_value *value)
{
    memset(value, 0, sizeof(*value));
    switch (json_object_get_type(json)) {
    case json_type_int:
        value->type = OCCI_TYPE_INTEGER;
        value->integer = json_object_get_int64(json);
        return 0;
    case json_type_double:
        value->type = OCCI_TYPE_FLOAT;
        value->number = json_object_get_double(json);
        return 0;
    case json_type_boolean:
        value->type = OCCI_TYPE_BOOLEAN;
        value->boolean = json_object_get_boolean(json);
        return 0;
    case json_type_string:
        value->type = OCCI_TYPE_STRING;
        value->string = apr_pstrmemdup(pool, json_object_get_string(json),
                                       (apr_size_t)json_object_get_string_len(json));
        return 0;
    case json_type_array:
    case json_type_object:
        value->type = json_object_is_type(json, json_type_array) ? OCCI_TYPE_ARRAY
                                                                 : OCCI_TYPE_OBJECT;
        value->string = apr_pstrdup(pool, json_object_to_json_string_ext(json, JSON_FLAGS));
        return 0;
    case json_type_null:
        break;
    }
    return -1;
}

/* The text an attribute filter compares with: strings unquoted, other
 * scalars as occi_value_to_text() prints them; NULL for arrays and
 * objects, which are not indexed. */
static const char *value_text(apr_pool_t *pool, const occi_value *value)
{
    switch (value->type) {
    case OCCI_TYPE_STRING:
        return value->string ? value->string : "";
    case OCCI_TYPE_INTEGER:
    case OCCI_TYPE_FLOAT:
    case OCCI_TYPE_BOOLEAN:
        return occi_value_to_text(pool, value);
    case OCCI_TYPE_ARRAY:
    case OCCI_TYPE_OBJECT:
        break;
    }
    return NULL;
}

/* The indexed form of a text: itself when short, else "#" and its SHA-1.
 * Texts starting with '#' are hashed too, so no text is taken for the
 * digest of another. */
static const char *value_key(apr_pool_t *pool, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_sha1_ctx_t context;
    size_t len = strlen(text);
    char *key;
    int i;

    if (len <= VALUE_KEY_MAX && text[0] != '#') {
        return text;
    }
    apr_sha1_init(&context);
    apr_sha1_update_binary(&context, (const unsigned char *)text, (unsigned int)len);
    apr_sha1_final(digest, &context);
    key = apr_palloc(pool, 2 * APR_SHA1_DIGESTSIZE + 2);
    key[0] = '#';
    for (i = 0; i < APR_SHA1_DIGESTSIZE; i++) {
        key[1 + 2 * i] = hex[digest[i] >> 4];
        key[2 + 2 * i] = hex[digest[i] & 0x0F];
    }
    key[1 + 2 * APR_SHA1_DIGESTSIZE] = '\0';
    return key;
}

/* What the rows of one entity hold, computed before anything is written. */
typedef struct {
    const char *source_id;            /* links: the id in occi.core.source */
    const char *target;               /* links: occi.core.target as given */
    const char *mixins_json;
    const char *attributes_json;
    apr_array_header_t *mixins;       /* const char *, without repeats */
    apr_array_header_t *index;        /* const char *: name, key, name, key ... */
} entity_rows;

static occi_store_status entity_rows_make(sql_store *store, apr_pool_t *pool,
                                          const occi_entity *entity, entity_rows *rows)
{
    apr_hash_t *seen = apr_hash_make(pool);
    apr_array_header_t *latest = apr_array_make(pool, entity->attributes->nelts,
                                                sizeof(const occi_attribute_value *));
    json_object *attributes;
    int i;

    if (!entity->id || !entity->kind) {
        return fail(store, "an entity to store needs an id and a kind");
    }
    rows->source_id = occi_entity_id_from_reference(pool, occi_entity_get_string(entity,
                                                    "occi.core.source"));
    rows->target = occi_entity_get_string(entity, "occi.core.target");

    rows->mixins = apr_array_make(pool, entity->mixins->nelts, sizeof(const char *));
    for (i = 0; i < entity->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(entity->mixins, i, const char *);

        if (!apr_hash_get(seen, mixin, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, mixin, APR_HASH_KEY_STRING, mixin);
            APR_ARRAY_PUSH(rows->mixins, const char *) = mixin;
        }
    }
    rows->mixins_json = occi_json_release_to_string(pool, string_list_json((const char *const *)rows->mixins->elts,
                                                         rows->mixins->nelts));

    /* A name set twice keeps its first place and its last value, as the
     * JSON object would. */
    seen = apr_hash_make(pool);
    for (i = 0; i < entity->attributes->nelts; i++) {
        const occi_attribute_value *attribute = &APR_ARRAY_IDX(entity->attributes, i,
                                                               occi_attribute_value);
        int *place = apr_hash_get(seen, attribute->name, APR_HASH_KEY_STRING);

        if (place) {
            APR_ARRAY_IDX(latest, *place, const occi_attribute_value *) = attribute;
            continue;
        }
        place = apr_palloc(pool, sizeof(*place));
        *place = latest->nelts;
        apr_hash_set(seen, attribute->name, APR_HASH_KEY_STRING, place);
        APR_ARRAY_PUSH(latest, const occi_attribute_value *) = attribute;
    }

    attributes = json_object_new_object();
    rows->index = apr_array_make(pool, 2 * latest->nelts, sizeof(const char *));
    for (i = 0; i < latest->nelts; i++) {
        const occi_attribute_value *attribute = APR_ARRAY_IDX(latest, i,
                                                              const occi_attribute_value *);
        json_object *json = value_json(&attribute->value);
        const char *text;

        if (!json) {
            json_object_put(attributes);
            return fail(store, apr_psprintf(store->pool, "attribute %s: not a JSON %s",
                                            attribute->name,
                                            attribute->value.type == OCCI_TYPE_ARRAY
                                            ? "array" : "object"));
        }
        json_object_object_add(attributes, attribute->name, json);
        text = value_text(pool, &attribute->value);
        if (text) {
            APR_ARRAY_PUSH(rows->index, const char *) = attribute->name;
            APR_ARRAY_PUSH(rows->index, const char *) = value_key(pool, text);
        }
    }
    rows->attributes_json = occi_json_release_to_string(pool, attributes);
    return OCCI_STORE_OK;
}

/* The membership and attribute rows of an entity whose row is written. */
static occi_store_status write_index_rows(sql_store *store, apr_pool_t *pool, const char *id,
                                          const entity_rows *rows)
{
    int i;

    for (i = 0; i < rows->mixins->nelts; i++) {
        CHECK(EXECUTE(store, pool, MEMBERSHIP_INSERT, NULL,
                      APR_ARRAY_IDX(rows->mixins, i, const char *), id));
    }
    for (i = 0; i + 7 < rows->index->nelts; i += 8) {
        const char **pair = &APR_ARRAY_IDX(rows->index, i, const char *);

        CHECK(EXECUTE(store, pool, ATTRIBUTE_INSERT_4, NULL, pair[0], pair[1], pair[2], pair[3],
                      pair[4], pair[5], pair[6], pair[7], id));
    }
    for (; i + 1 < rows->index->nelts; i += 2) {
        CHECK(EXECUTE(store, pool, ATTRIBUTE_INSERT, NULL,
                      APR_ARRAY_IDX(rows->index, i, const char *),
                      APR_ARRAY_IDX(rows->index, i + 1, const char *), id));
    }
    return OCCI_STORE_OK;
}

/* An entity from the columns of ENTITY_COLUMNS. */
static occi_store_status entity_from_row(sql_store *store, apr_pool_t *pool,
                                         const char **row, occi_entity **result)
{
    occi_entity *entity = occi_entity_create(pool);
    const char **mixins;
    json_object *attributes;
    int count = 0, i;

    entity->id = row[0];
    entity->kind = row[1];
    entity->owner = row[2] ? row[2] : "";
    entity->revision = row[3] ? apr_atoi64(row[3]) : 0;
    entity->host = row[6];

    /* The store's own forms, read directly; json-c reads anything else. */
    if (row[4] && row[5] && occi_stored_strings_read(pool, row[4], entity->mixins) == 0
        && occi_stored_attributes_read(pool, row[5], entity->attributes) == 0) {
        *result = entity;
        return OCCI_STORE_OK;
    }
    apr_array_clear(entity->mixins);
    apr_array_clear(entity->attributes);
    mixins = string_list_parse(pool, row[4], &count);
    attributes = row[5] ? json_tokener_parse(row[5]) : NULL;
    if (!mixins || !attributes || !json_object_is_type(attributes, json_type_object)) {
        json_object_put(attributes);
        return fail(store, apr_psprintf(store->pool, "entity %s: unreadable stored row",
                                        entity->id ? entity->id : "(null)"));
    }
    for (i = 0; i < count; i++) {
        APR_ARRAY_PUSH(entity->mixins, const char *) = mixins[i];
    }
    json_object_object_foreach(attributes, name, json) {
        occi_attribute_value *attribute;
        occi_value value;

        if (value_from_json(pool, json, &value) != 0) {
            continue;
        }
        attribute = apr_array_push(entity->attributes);
        attribute->name = apr_pstrdup(pool, name);
        attribute->value = value;
    }
    json_object_put(attributes);
    *result = entity;
    return OCCI_STORE_OK;
}

static occi_store_status entities_from_rows(sql_store *store, apr_pool_t *pool,
                                            apr_array_header_t *rows,
                                            apr_array_header_t **entities)
{
    int i;

    *entities = apr_array_make(pool, rows->nelts, sizeof(occi_entity *));
    for (i = 0; i < rows->nelts; i++) {
        occi_entity *entity;

        CHECK(entity_from_row(store, pool, APR_ARRAY_IDX(rows, i, const char **), &entity));
        APR_ARRAY_PUSH(*entities, occi_entity *) = entity;
    }
    return OCCI_STORE_OK;
}

/* ---- Entities ---------------------------------------------------------- */

/* Most changes allocate only for themselves: a scratch pool keeps a loop
 * over many of them from growing the request's pool. */
static apr_pool_t *scratch_pool(sql_store *store)
{
    apr_pool_t *pool;

    apr_pool_create(&pool, store->pool);
    return pool;
}

static occi_store_status insert(sql_store *store, apr_pool_t *pool, const occi_entity *entity)
{
    entity_rows rows;
    int inserted = 0;

    CHECK(entity_rows_make(store, pool, entity, &rows));
    CHECK(EXECUTE(store, pool, ENTITY_INSERT, &inserted, entity->id, entity->kind,
                  entity->owner ? entity->owner : "", rows.source_id, rows.target,
                  rows.mixins_json, rows.attributes_json, entity->host));
    if (inserted == 0) {
        store->error = apr_psprintf(store->pool, "entity %s exists", entity->id);
        return OCCI_STORE_CONFLICT;
    }
    return write_index_rows(store, pool, entity->id, &rows);
}

static occi_store_status sql_insert(void *impl, const occi_entity *entity)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, insert(store, pool, entity));
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_get(void *impl, apr_pool_t *pool, const char *id,
                                 const char *owner, occi_entity **entity)
{
    sql_store *store = impl;
    apr_array_header_t *rows;

    CHECK(SELECT(store, pool, ENTITY_GET, &rows, id, owner, owner));
    if (rows->nelts == 0) {
        return OCCI_STORE_NOT_FOUND;
    }
    return entity_from_row(store, pool, APR_ARRAY_IDX(rows, 0, const char **), entity);
}

/* NOT_FOUND, or OK with the revision and mixin list of an entity row. */
static occi_store_status entity_state(sql_store *store, apr_pool_t *pool, const char *id,
                                      long long *revision, const char **mixins)
{
    apr_array_header_t *rows;
    const char **row;

    CHECK(SELECT(store, pool, ENTITY_STATE, &rows, id));
    if (rows->nelts == 0) {
        return OCCI_STORE_NOT_FOUND;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    *revision = row[0] ? apr_atoi64(row[0]) : 0;
    if (mixins) {
        *mixins = row[1];
    }
    return OCCI_STORE_OK;
}

static occi_store_status update(sql_store *store, apr_pool_t *pool, occi_entity *entity,
                                long long expected_revision)
{
    entity_rows rows;
    long long revision;
    int updated = 0;

    CHECK(entity_rows_make(store, pool, entity, &rows));
    if (expected_revision >= 0) {
        CHECK(EXECUTE(store, pool, ENTITY_UPDATE_AT, &updated, rows.source_id, rows.target,
                      rows.mixins_json, rows.attributes_json, entity->id,
                      apr_psprintf(pool, "%" APR_INT64_T_FMT, (apr_int64_t)expected_revision)));
    }
    else {
        CHECK(EXECUTE(store, pool, ENTITY_UPDATE, &updated, rows.source_id, rows.target,
                      rows.mixins_json, rows.attributes_json, entity->id));
    }
    if (updated == 0) {
        occi_store_status status = entity_state(store, pool, entity->id, &revision, NULL);

        if (status == OCCI_STORE_OK) {
            store->error = apr_psprintf(store->pool, "entity %s is at revision %" APR_INT64_T_FMT
                                        ", not %" APR_INT64_T_FMT, entity->id,
                                        (apr_int64_t)revision, (apr_int64_t)expected_revision);
            return OCCI_STORE_CONFLICT;
        }
        return status;
    }
    CHECK(EXECUTE(store, pool, MEMBERSHIP_DELETE_ENTITY, NULL, entity->id));
    CHECK(EXECUTE(store, pool, ATTRIBUTE_DELETE_ENTITY, NULL, entity->id));
    CHECK(write_index_rows(store, pool, entity->id, &rows));
    CHECK(entity_state(store, pool, entity->id, &revision, NULL));
    entity->revision = revision;
    return OCCI_STORE_OK;
}

static occi_store_status sql_update(void *impl, occi_entity *entity,
                                    long long expected_revision)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    long long revision = entity->revision;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, update(store, pool, entity, expected_revision));
    }
    if (status != OCCI_STORE_OK) {
        /* A rolled-back change leaves the caller's entity as it was. */
        entity->revision = revision;
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status delete_entity(sql_store *store, apr_pool_t *pool, const char *id,
                                       const char *owner)
{
    int deleted = 0;

    CHECK(EXECUTE(store, pool, ENTITY_DELETE, &deleted, id, owner, owner));
    if (deleted == 0) {
        return OCCI_STORE_NOT_FOUND;
    }
    CHECK(EXECUTE(store, pool, MEMBERSHIP_DELETE_ENTITY, NULL, id));
    CHECK(EXECUTE(store, pool, ATTRIBUTE_DELETE_ENTITY, NULL, id));
    /* A deleted entity no longer counts against its host. */
    CHECK(lock_usage_of(store, pool, id));
    CHECK(EXECUTE(store, pool, ALLOCATION_DELETE, NULL, id));
    /* The links from a resource: their index rows first, while the link
     * rows still say whose they are. */
    CHECK(EXECUTE(store, pool, MEMBERSHIP_DELETE_LINKS, NULL, id));
    CHECK(EXECUTE(store, pool, ATTRIBUTE_DELETE_LINKS, NULL, id));
    CHECK(EXECUTE(store, pool, ALLOCATION_DELETE_LINKS, NULL, id));
    return EXECUTE(store, pool, LINKS_DELETE, NULL, id);
}

static occi_store_status sql_delete(void *impl, const char *id, const char *owner)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, delete_entity(store, pool, id, owner));
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_links_from(void *impl, apr_pool_t *pool,
                                        const char *source_id, apr_array_header_t **links)
{
    sql_store *store = impl;
    apr_array_header_t *rows;

    CHECK(SELECT(store, pool, LINKS_FROM, &rows, source_id));
    return entities_from_rows(store, pool, rows, links);
}

#define LINKS_FROM_MANY_IDS 25

static occi_store_status sql_links_from_many(void *impl, apr_pool_t *pool,
                                             const apr_array_header_t *source_ids,
                                             apr_hash_t **links)
{
    sql_store *store = impl;
    int first, i;

    *links = apr_hash_make(pool);
    for (i = 0; i < source_ids->nelts; i++) {
        apr_hash_set(*links, APR_ARRAY_IDX(source_ids, i, const char *), APR_HASH_KEY_STRING,
                     apr_array_make(pool, 0, sizeof(occi_entity *)));
    }
    for (first = 0; first < source_ids->nelts; first += LINKS_FROM_MANY_IDS) {
        const char *args[LINKS_FROM_MANY_IDS] = { NULL };
        apr_array_header_t *rows;

        for (i = 0; i < LINKS_FROM_MANY_IDS && first + i < source_ids->nelts; i++) {
            args[i] = APR_ARRAY_IDX(source_ids, first + i, const char *);
        }
        CHECK(select_rows(store, pool, LINKS_FROM_MANY, args, LINKS_FROM_MANY_IDS, &rows));
        for (i = 0; i < rows->nelts; i++) {
            const char **row = APR_ARRAY_IDX(rows, i, const char **);
            apr_array_header_t *of_source = row[ENTITY_COLUMN_COUNT]
                ? apr_hash_get(*links, row[ENTITY_COLUMN_COUNT], APR_HASH_KEY_STRING) : NULL;
            occi_entity *link;

            if (of_source) {
                CHECK(entity_from_row(store, pool, row, &link));
                APR_ARRAY_PUSH(of_source, occi_entity *) = link;
            }
        }
    }
    return OCCI_STORE_OK;
}

static occi_store_status sql_links_to(void *impl, apr_pool_t *pool,
                                      const char *target_location, apr_array_header_t **links)
{
    sql_store *store = impl;
    apr_array_header_t *rows;

    CHECK(SELECT(store, pool, LINKS_TO, &rows, target_location));
    return entities_from_rows(store, pool, rows, links);
}

/* The statement (relative to LIST_ALL or COUNT_ALL) and arguments of a
 * query, without the page arguments. */
static occi_store_status query_plan(sql_store *store, const occi_store_query *query,
                                    int *relative, const char **args, int *nargs)
{
    int family, n = 0;

    if ((query->attribute == NULL) != (query->value == NULL)) {
        return fail(store, "an attribute filter needs both a name and a value");
    }
    if (query->attribute) {
        family = FAMILY_ATTRIBUTE;
        args[n++] = query->attribute;
        args[n++] = value_key(store->pool, query->value);
    }
    else if (query->mixin) {
        family = FAMILY_MIXIN;
        args[n++] = query->mixin;
    }
    else if (query->kind) {
        family = FAMILY_KIND;
        args[n++] = query->kind;
    }
    else {
        family = FAMILY_ALL;
    }
    if (query->owner) {
        args[n++] = query->owner;
    }
    if (family == FAMILY_MIXIN || family == FAMILY_ATTRIBUTE) {
        args[n++] = query->kind;
        args[n++] = query->kind;
    }
    if (family == FAMILY_ATTRIBUTE) {
        args[n++] = query->mixin;
        args[n++] = query->mixin;
    }
    *relative = 2 * family + (query->owner != NULL);
    *nargs = n;
    return OCCI_STORE_OK;
}

#define QUERY_MAX_ARGS 12

static occi_store_status sql_list(void *impl, apr_pool_t *pool,
                                  const occi_store_query *query,
                                  apr_array_header_t **entities)
{
    sql_store *store = impl;
    const char *args[QUERY_MAX_ARGS];
    apr_array_header_t *rows;
    int relative, nargs;

    CHECK(query_plan(store, query, &relative, args, &nargs));
    args[nargs++] = apr_psprintf(pool, "%" APR_INT64_T_FMT,
                                 (apr_int64_t)(query->after > 0 ? query->after : 0));
    /* LIMIT takes no "all" that both databases read the same way. */
    args[nargs++] = apr_psprintf(pool, "%d", query->limit > 0 ? query->limit : 2147483647);
    args[nargs++] = apr_psprintf(pool, "%d", query->offset > 0 ? query->offset : 0);
    CHECK(select_rows(store, pool, LIST_ALL + relative, args, nargs, &rows));
    if (query->last) {
        const char **row = rows->nelts ? APR_ARRAY_IDX(rows, rows->nelts - 1, const char **)
                                       : NULL;

        *query->last = row && row[LIST_SEQ_COLUMN] ? apr_atoi64(row[LIST_SEQ_COLUMN]) : 0;
    }
    return entities_from_rows(store, pool, rows, entities);
}

static occi_store_status sql_count(void *impl, const occi_store_query *query,
                                   long long *count)
{
    sql_store *store = impl;
    const char *args[QUERY_MAX_ARGS];
    apr_pool_t *pool = scratch_pool(store);
    apr_array_header_t *rows;
    occi_store_status status;
    int relative, nargs;

    status = query_plan(store, query, &relative, args, &nargs);
    if (status == OCCI_STORE_OK) {
        status = select_rows(store, pool, COUNT_ALL + relative, args, nargs, &rows);
    }
    if (status == OCCI_STORE_OK) {
        const char **row = rows->nelts ? APR_ARRAY_IDX(rows, 0, const char **) : NULL;

        *count = row && row[0] ? apr_atoi64(row[0]) : 0;
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status set_host(sql_store *store, apr_pool_t *pool, const char *id,
                                  const char *host)
{
    int moved = 0;

    if (!host || !*host) {
        return fail(store, "an entity moves to a host named by its name");
    }
    CHECK(EXECUTE(store, pool, ENTITY_SET_HOST, &moved, host, id));
    if (moved == 0) {
        return OCCI_STORE_NOT_FOUND;
    }
    CHECK(lock_usage_of(store, pool, id));
    return EXECUTE(store, pool, ALLOCATION_SET_HOST, NULL, host, id);
}

static occi_store_status sql_set_host(void *impl, const char *id, const char *host)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, set_host(store, pool, id, host));
    }
    apr_pool_destroy(pool);
    return status;
}

/* ---- Mixin membership -------------------------------------------------- */

/* Writes the mixin list of the entity row after its membership of mixin
 * changed. The revision is raised first: in PostgreSQL that update locks
 * the row, so the list read next is the latest and no concurrent change
 * of another membership is lost. */
static occi_store_status rewrite_mixins(sql_store *store, apr_pool_t *pool, const char *id,
                                        const char *mixin, int member)
{
    const char *stored, **mixins;
    apr_array_header_t *list;
    long long revision;
    int count = 0, present = 0, i;

    CHECK(EXECUTE(store, pool, ENTITY_TOUCH, NULL, id));
    CHECK(entity_state(store, pool, id, &revision, &stored));
    mixins = string_list_parse(pool, stored, &count);
    if (!mixins) {
        return fail(store, apr_psprintf(store->pool, "entity %s: unreadable stored row", id));
    }
    list = apr_array_make(pool, count + 1, sizeof(const char *));
    for (i = 0; i < count; i++) {
        if (!strcmp(mixins[i], mixin)) {
            present = 1;
            if (!member) {
                continue;
            }
        }
        APR_ARRAY_PUSH(list, const char *) = mixins[i];
    }
    if (member && !present) {
        APR_ARRAY_PUSH(list, const char *) = mixin;
    }
    return EXECUTE(store, pool, ENTITY_SET_MIXINS, NULL,
                   occi_json_release_to_string(pool, string_list_json((const char *const *)list->elts,
                                                    list->nelts)),
                   id);
}

static occi_store_status change_membership(sql_store *store, apr_pool_t *pool,
                                           const char *id, const char *mixin, int member)
{
    long long revision;
    int changed = 0;

    if (member) {
        CHECK(EXECUTE(store, pool, MEMBERSHIP_INSERT, &changed, mixin, id));
    }
    else {
        CHECK(EXECUTE(store, pool, MEMBERSHIP_DELETE, &changed, mixin, id));
    }
    if (changed == 0) {
        /* Already as asked, or no such entity. */
        return entity_state(store, pool, id, &revision, NULL);
    }
    return rewrite_mixins(store, pool, id, mixin, member);
}

static occi_store_status membership(sql_store *store, const char *entity_id,
                                    const char *mixin, int member)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, change_membership(store, pool, entity_id, mixin, member));
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_add_mixin(void *impl, const char *entity_id,
                                       const char *mixin)
{
    sql_store *store = impl;

    return membership(store, entity_id, mixin, 1);
}

static occi_store_status sql_remove_mixin(void *impl, const char *entity_id,
                                          const char *mixin)
{
    sql_store *store = impl;

    return membership(store, entity_id, mixin, 0);
}

/* ---- User mixins ------------------------------------------------------- */

static occi_store_status sql_insert_mixin(void *impl, const occi_category *mixin,
                                          const char *owner)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    const char *type_id = occi_category_type_id(pool, mixin);
    occi_store_status status;
    int inserted = 0;

    status = EXECUTE(store, pool, USER_MIXIN_INSERT, &inserted, type_id, mixin->scheme,
                     mixin->term, mixin->title, mixin->location, owner ? owner : "",
                     occi_json_release_to_string(pool, string_list_json(mixin->depends, -1)),
                     occi_json_release_to_string(pool, string_list_json(mixin->applies, -1)));
    if (status == OCCI_STORE_OK && inserted == 0) {
        store->error = apr_psprintf(store->pool, "you already have a mixin of type %s or at %s",
                                    type_id, mixin->location ? mixin->location : "(null)");
        status = OCCI_STORE_CONFLICT;
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status delete_mixin(sql_store *store, apr_pool_t *pool, const char *type_id,
                                      const char *owner)
{
    apr_array_header_t *members;
    int deleted = 0, i;

    CHECK(EXECUTE(store, pool, USER_MIXIN_DELETE, &deleted, type_id, owner, owner));
    if (deleted == 0) {
        return OCCI_STORE_NOT_FOUND;
    }
    CHECK(SELECT(store, pool, MEMBERSHIP_MEMBERS, &members, type_id, owner, owner));
    for (i = 0; i < members->nelts; i++) {
        const char *id = APR_ARRAY_IDX(members, i, const char **)[0];
        apr_pool_t *member_pool = scratch_pool(store);
        occi_store_status status = rewrite_mixins(store, member_pool, id, type_id, 0);

        apr_pool_destroy(member_pool);
        CHECK(status);
    }
    return EXECUTE(store, pool, MEMBERSHIP_DELETE_MIXIN, NULL, type_id, owner, owner);
}

static occi_store_status sql_delete_mixin(void *impl, const char *type_id,
                                          const char *owner)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, delete_mixin(store, pool, type_id, owner));
    }
    apr_pool_destroy(pool);
    return status;
}

/* A NULL-terminated list, or NULL for an empty one. */
static const char *const *type_list(apr_pool_t *pool, const char *text)
{
    int count = 0;
    const char **values = string_list_parse(pool, text, &count);

    return values && count > 0 ? values : NULL;
}

static occi_store_status sql_list_mixins(void *impl, apr_pool_t *pool,
                                         const char *owner,
                                         apr_array_header_t **mixins,
                                         apr_array_header_t **owners)
{
    sql_store *store = impl;
    apr_array_header_t *rows;
    int i;

    CHECK(SELECT(store, pool, USER_MIXIN_LIST, &rows, owner, owner));
    *mixins = apr_array_make(pool, rows->nelts, sizeof(occi_category *));
    if (owners) {
        *owners = apr_array_make(pool, rows->nelts, sizeof(const char *));
    }
    for (i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        occi_category *mixin = apr_pcalloc(pool, sizeof(*mixin));

        mixin->cls = OCCI_CLASS_MIXIN;
        mixin->scheme = row[1];
        mixin->term = row[2];
        mixin->title = row[3];
        mixin->location = row[4];
        mixin->depends = type_list(pool, row[6]);
        mixin->applies = type_list(pool, row[7]);
        APR_ARRAY_PUSH(*mixins, occi_category *) = mixin;
        if (owners) {
            APR_ARRAY_PUSH(*owners, const char *) = row[5] ? row[5] : "";
        }
    }
    return OCCI_STORE_OK;
}

/* ---- Locks ------------------------------------------------------------- */

static occi_store_status lock_row(sql_store *store, int id, const char **args, int nargs)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int rows = 0;

    status = execute(store, pool, id, &rows, args, nargs);
    if (status == OCCI_STORE_OK && rows == 0) {
        status = OCCI_STORE_NOT_FOUND;
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_lock_entity(void *impl, const char *id)
{
    sql_store *store = impl;

    return lock_row(store, ENTITY_LOCK, ARGS(id), 1);
}

static occi_store_status sql_lock_mixin(void *impl, const char *type_id,
                                        const char *owner)
{
    sql_store *store = impl;

    return lock_row(store, USER_MIXIN_LOCK, ARGS(type_id, owner, owner), 3);
}

/* ---- Intents ----------------------------------------------------------- */

static occi_store_status write_insert_intent(sql_store *store, const occi_store_intent *intent)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status = EXECUTE(store, pool, INTENT_INSERT, NULL, intent->id,
                                       intent->verb, intent->entity_id,
                                       intent->owner ? intent->owner : "", intent->detail,
                                       intent->holder,
                                       apr_psprintf(pool, "%" APR_INT64_T_FMT,
                                                    (apr_int64_t)intent->lease_until));

    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_insert_intent(void *impl, const occi_store_intent *intent)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_insert_intent(store, intent));
    }
    return status;
}

static occi_store_status sql_list_intents(void *impl, apr_pool_t *pool,
                                          const char *verb, const char *entity_id,
                                          const char *detail, apr_array_header_t **intents)
{
    sql_store *store = impl;
    apr_array_header_t *rows;
    int i;

    CHECK(SELECT(store, pool, INTENT_LIST, &rows, verb, entity_id, entity_id, detail, detail));
    *intents = apr_array_make(pool, rows->nelts, sizeof(occi_store_intent *));
    for (i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        occi_store_intent *intent = apr_pcalloc(pool, sizeof(*intent));

        intent->id = row[0];
        intent->verb = row[1];
        intent->entity_id = row[2];
        intent->owner = row[3] ? row[3] : "";
        intent->detail = row[4] ? row[4] : "";
        intent->holder = row[5];
        intent->lease_until = row[6] ? apr_atoi64(row[6]) : 0;
        APR_ARRAY_PUSH(*intents, occi_store_intent *) = intent;
    }
    return OCCI_STORE_OK;
}

/* Why a claim touched no row: the intent is gone, or another holds it. */
static occi_store_status intent_missed(sql_store *store, apr_pool_t *pool, const char *id)
{
    apr_array_header_t *rows;

    CHECK(SELECT(store, pool, INTENT_HOLDER, &rows, id));
    return rows->nelts ? OCCI_STORE_CONFLICT : OCCI_STORE_NOT_FOUND;
}

static occi_store_status write_claim_intent(sql_store *store, const char *id,
                                            const char *holder, long long lease_until,
                                            long long now)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int claimed = 0;

    status = EXECUTE(store, pool, INTENT_CLAIM, &claimed, holder,
                     apr_psprintf(pool, "%" APR_INT64_T_FMT, (apr_int64_t)lease_until), id, holder,
                     apr_psprintf(pool, "%" APR_INT64_T_FMT, (apr_int64_t)now));
    if (status == OCCI_STORE_OK && claimed == 0) {
        status = intent_missed(store, pool, id);
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_claim_intent(void *impl, const char *id,
                                          const char *holder, long long lease_until,
                                          long long now)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_claim_intent(store, id, holder, lease_until, now));
    }
    return status;
}

static occi_store_status write_release_intent(sql_store *store, const char *id,
                                              const char *holder)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status = EXECUTE(store, pool, INTENT_RELEASE, NULL, id, holder);

    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_release_intent(void *impl, const char *id,
                                            const char *holder)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_release_intent(store, id, holder));
    }
    return status;
}

static occi_store_status write_renew_intents(sql_store *store, const char *verb,
                                             const char *holder, long long lease_until)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status = EXECUTE(store, pool, INTENT_RENEW, NULL,
                                       apr_psprintf(pool, "%" APR_INT64_T_FMT,
                                                    (apr_int64_t)lease_until),
                                       holder, verb);

    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_renew_intents(void *impl, const char *verb,
                                           const char *holder, long long lease_until)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_renew_intents(store, verb, holder, lease_until));
    }
    return status;
}

static occi_store_status write_set_intent_detail(sql_store *store, const char *id,
                                                 const char *holder, const char *detail)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int changed = 0;

    status = EXECUTE(store, pool, INTENT_SET_DETAIL, &changed, detail, id, holder);
    if (status == OCCI_STORE_OK && changed == 0) {
        status = OCCI_STORE_NOT_FOUND;
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_set_intent_detail(void *impl, const char *id,
                                               const char *holder, const char *detail)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_set_intent_detail(store, id, holder, detail));
    }
    return status;
}

static occi_store_status write_delete_intent(sql_store *store, const char *id,
                                             const char *holder)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int deleted = 0;

    status = EXECUTE(store, pool, INTENT_DELETE, &deleted, id, holder, holder);
    if (status == OCCI_STORE_OK && deleted == 0) {
        status = OCCI_STORE_NOT_FOUND;
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_delete_intent(void *impl, const char *id,
                                           const char *holder)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_delete_intent(store, id, holder));
    }
    return status;
}

static occi_store_status write_delete_intents_with(sql_store *store, const char *verb,
                                                   const char *detail)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status = EXECUTE(store, pool, INTENT_DELETE_WITH, NULL, verb, detail);

    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_delete_intents_with(void *impl, const char *verb,
                                                 const char *detail)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_delete_intents_with(store, verb, detail));
    }
    return status;
}

/* ---- Hosts and allocations -------------------------------------------- */

static occi_store_status lock_placement(sql_store *store, apr_pool_t *pool)
{
    int locked = 0;

    CHECK(execute(store, pool, HOST_LOCK, &locked, NULL, 0));
    if (locked == 0) {
        /* The migration wrote the row; should it be gone (a hand-made
         * cleanup), it is made again rather than placements left unlocked.
         * A concurrent insert of it waits for ours, and the lock after it
         * for our transaction. */
        CHECK(execute(store, pool, HOST_LOCK_ROW, NULL, NULL, 0));
        CHECK(execute(store, pool, HOST_LOCK, &locked, NULL, 0));
    }
    if (locked == 0) {
        return fail(store, "occi_host_lock: the placement lock row cannot be made");
    }
    return OCCI_STORE_OK;
}

static occi_store_status sql_lock_placement(void *impl)
{
    sql_store *store = impl;
    apr_pool_t *pool;
    occi_store_status status;

    if (!store->trans) {
        /* Outside a transaction the lock would end with its statement and
         * serialise nothing: a caller's mistake to tell, not to hide. */
        store->error = "the placement lock is taken inside a transaction";
        return OCCI_STORE_ERROR;
    }
    pool = scratch_pool(store);
    status = lock_placement(store, pool);
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_host_usage(void *impl, apr_pool_t *pool, apr_hash_t **usage)
{
    sql_store *store = impl;
    apr_array_header_t *rows;
    int i;

    CHECK(select_rows(store, pool, HOST_USAGE, NULL, 0, &rows));
    *usage = apr_hash_make(pool);
    for (i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        struct occi_store_host_usage *host;

        if (!row[0]) {
            continue;
        }
        host = apr_hash_get(*usage, row[0], APR_HASH_KEY_STRING);
        if (!host) {
            host = apr_pcalloc(pool, sizeof(*host));
            host->groups = apr_array_make(pool, 2, sizeof(const char *));
            apr_hash_set(*usage, row[0], APR_HASH_KEY_STRING, host);
        }
        if (row[1] && *row[1]) {
            APR_ARRAY_PUSH(host->groups, const char *) = row[1];
        }
        host->cores += row[2] ? atoi(row[2]) : 0;
        host->memory_mib += row[3] ? apr_atoi64(row[3]) : 0;
        host->disk_mib += row[4] ? apr_atoi64(row[4]) : 0;
        host->computes += row[5] ? atoi(row[5]) : 0;
    }
    return OCCI_STORE_OK;
}

static occi_store_status sql_usage_generation(void *impl, long long *generation)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    apr_array_header_t *rows;
    occi_store_status status = select_rows(store, pool, HOST_USAGE_GENERATION, NULL, 0, &rows);

    if (status == OCCI_STORE_OK) {
        /* No lock row (a hand-made cleanup): no count either; -1 matches
         * no count a process has seen. */
        *generation = rows->nelts && APR_ARRAY_IDX(rows, 0, const char **)[0]
                      ? apr_atoi64(APR_ARRAY_IDX(rows, 0, const char **)[0]) : -1;
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status write_allocation(sql_store *store,
                                          const occi_store_allocation *allocation)
{
    apr_pool_t *pool;
    occi_store_status status;

    if (!allocation->entity_id || !allocation->host || !*allocation->host
        || !allocation->kind) {
        return fail(store, "an allocation needs an entity id, a host and a kind");
    }
    pool = scratch_pool(store);
    status = lock_usage(store, pool);
    if (status == OCCI_STORE_OK) {
        status = EXECUTE(store, pool, ALLOCATION_PUT, NULL, allocation->entity_id,
                         allocation->host, allocation->kind,
                         allocation->owner ? allocation->owner : "",
                         apr_itoa(pool, allocation->cores),
                         apr_psprintf(pool, "%" APR_INT64_T_FMT,
                                      (apr_int64_t)allocation->memory_mib),
                         apr_psprintf(pool, "%" APR_INT64_T_FMT,
                                      (apr_int64_t)allocation->disk_mib),
                         allocation->affinity_group);
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_allocate(void *impl, const occi_store_allocation *allocation)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_allocation(store, allocation));
    }
    return status;
}

static occi_store_status sql_get_allocation(void *impl, apr_pool_t *pool,
                                            const char *entity_id,
                                            occi_store_allocation **allocation)
{
    sql_store *store = impl;
    apr_array_header_t *rows;
    const char **row;
    occi_store_allocation *found;

    CHECK(SELECT(store, pool, ALLOCATION_GET, &rows, entity_id));
    if (rows->nelts == 0) {
        return OCCI_STORE_NOT_FOUND;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    found = apr_pcalloc(pool, sizeof(*found));
    found->entity_id = row[0];
    found->host = row[1];
    found->kind = row[2];
    found->owner = row[3] ? row[3] : "";
    found->cores = row[4] ? atoi(row[4]) : 0;
    found->memory_mib = row[5] ? apr_atoi64(row[5]) : 0;
    found->disk_mib = row[6] ? apr_atoi64(row[6]) : 0;
    found->affinity_group = row[7];
    *allocation = found;
    return OCCI_STORE_OK;
}

static occi_store_status write_release_allocation(sql_store *store, const char *entity_id)
{
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status = lock_usage_of(store, pool, entity_id);

    if (status == OCCI_STORE_OK) {
        status = EXECUTE(store, pool, ALLOCATION_DELETE, NULL, entity_id);
    }

    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_release_allocation(void *impl, const char *entity_id)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_release_allocation(store, entity_id));
    }
    return status;
}

static occi_store_status sql_disabled_hosts(void *impl, apr_pool_t *pool,
                                            apr_hash_t **disabled)
{
    sql_store *store = impl;
    apr_array_header_t *rows;
    int i;

    CHECK(select_rows(store, pool, HOST_DISABLED, NULL, 0, &rows));
    *disabled = apr_hash_make(pool);
    for (i = 0; i < rows->nelts; i++) {
        const char *name = APR_ARRAY_IDX(rows, i, const char **)[0];

        if (name) {
            apr_hash_set(*disabled, name, APR_HASH_KEY_STRING, "1");
        }
    }
    return OCCI_STORE_OK;
}

static occi_store_status write_host_disabled(sql_store *store, const char *host, int disabled)
{
    apr_pool_t *pool;
    occi_store_status status;

    if (!host || !*host) {
        /* '' is the placement lock's row, no host. */
        return fail(store, "a host to disable needs a name");
    }
    pool = scratch_pool(store);
    status = EXECUTE(store, pool, HOST_SET_DISABLED, NULL, host, disabled ? "1" : "0");
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_set_host_disabled(void *impl, const char *host, int disabled)
{
    sql_store *store = impl;
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_host_disabled(store, host, disabled));
    }
    return status;
}

/* ---- What each tenant holds -------------------------------------------- */

static void tenant_usage_from_row(const char **row, occi_store_tenant_usage *usage)
{
    usage->owner = row[0] ? row[0] : "";
    usage->cores = row[1] ? apr_atoi64(row[1]) : 0;
    usage->memory_mib = row[2] ? apr_atoi64(row[2]) : 0;
    usage->storage_mib = row[3] ? apr_atoi64(row[3]) : 0;
    usage->computes = row[4] ? apr_atoi64(row[4]) : 0;
    usage->networks = row[5] ? apr_atoi64(row[5]) : 0;
}

static occi_store_status sql_tenant_usage(void *impl, const char *owner,
                                          occi_store_tenant_usage *usage)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    apr_array_header_t *rows;
    occi_store_status status = SELECT(store, pool, TENANT_USAGE_GET, &rows,
                                      owner ? owner : "");

    memset(usage, 0, sizeof(*usage));
    if (status == OCCI_STORE_OK && rows->nelts) {
        tenant_usage_from_row(APR_ARRAY_IDX(rows, 0, const char **), usage);
    }
    usage->owner = owner ? owner : "";
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_lock_tenant(void *impl, const char *owner)
{
    sql_store *store = impl;
    apr_pool_t *pool;
    occi_store_status status;

    if (!store->trans) {
        store->error = "a tenant's lock is taken inside a transaction";
        return OCCI_STORE_ERROR;
    }
    pool = scratch_pool(store);
    status = EXECUTE(store, pool, TENANT_LOCK, NULL, owner ? owner : "");
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_tenant_usages(void *impl, apr_pool_t *pool,
                                           apr_array_header_t **usages)
{
    sql_store *store = impl;
    apr_array_header_t *rows;
    int i;

    CHECK(select_rows(store, pool, TENANT_USAGE_LIST, NULL, 0, &rows));
    *usages = apr_array_make(pool, rows->nelts, sizeof(occi_store_tenant_usage *));
    for (i = 0; i < rows->nelts; i++) {
        occi_store_tenant_usage *usage = apr_palloc(pool, sizeof(*usage));

        tenant_usage_from_row(APR_ARRAY_IDX(rows, i, const char **), usage);
        APR_ARRAY_PUSH(*usages, occi_store_tenant_usage *) = usage;
    }
    return OCCI_STORE_OK;
}

/* ---- What computes use ------------------------------------------------- */

static const char *number_text(apr_pool_t *pool, long long value)
{
    return apr_psprintf(pool, "%" APR_INT64_T_FMT, (apr_int64_t)value);
}

static occi_store_status sql_claim_usage_sampler(void *impl, const char *holder,
                                                 long long lease_until, long long now)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int claimed = 0, own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, EXECUTE(store, pool, USAGE_CLAIM, &claimed, holder,
                                           number_text(pool, lease_until), holder,
                                           number_text(pool, now)));
    }
    apr_pool_destroy(pool);
    if (status == OCCI_STORE_OK && claimed == 0) {
        store->error = "another process reads the computes' usage";
        return OCCI_STORE_CONFLICT;
    }
    return status;
}

static occi_store_status write_usage(sql_store *store, apr_pool_t *pool,
                                     const apr_array_header_t *samples, long long older_than)
{
    int i;

    for (i = 0; i < samples->nelts; i++) {
        const occi_usage_sample *s = &APR_ARRAY_IDX(samples, i, occi_usage_sample);

        CHECK(EXECUTE(store, pool, USAGE_INSERT, NULL, s->entity_id, number_text(pool, s->at),
                      number_text(pool, s->taken_ms), number_text(pool, s->cpu_ns),
                      apr_itoa(pool, s->vcpus), number_text(pool, s->memory_kib),
                      number_text(pool, s->disk_read_bytes),
                      number_text(pool, s->disk_write_bytes),
                      number_text(pool, s->net_rx_bytes), number_text(pool, s->net_tx_bytes)));
    }
    return EXECUTE(store, pool, USAGE_PRUNE, NULL, number_text(pool, older_than));
}

static occi_store_status sql_record_usage(void *impl, const apr_array_header_t *samples,
                                          long long older_than)
{
    sql_store *store = impl;
    apr_pool_t *pool = scratch_pool(store);
    occi_store_status status;
    int own;

    status = enter(store, &own);
    if (status == OCCI_STORE_OK) {
        status = leave(store, own, write_usage(store, pool, samples, older_than));
    }
    apr_pool_destroy(pool);
    return status;
}

static occi_store_status sql_list_usage(void *impl, apr_pool_t *pool, const char *entity_id,
                                        long long since, apr_array_header_t **samples)
{
    sql_store *store = impl;
    apr_array_header_t *rows;
    int i;

    CHECK(SELECT(store, pool, USAGE_LIST, &rows, entity_id, number_text(pool, since)));
    *samples = apr_array_make(pool, rows->nelts ? rows->nelts : 1, sizeof(occi_usage_sample));
    for (i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        occi_usage_sample *sample = apr_array_push(*samples);

        sample->entity_id = entity_id;
        sample->at = apr_atoi64(row[0]);
        sample->taken_ms = apr_atoi64(row[1]);
        sample->cpu_ns = apr_atoi64(row[2]);
        sample->vcpus = atoi(row[3]);
        sample->memory_kib = apr_atoi64(row[4]);
        sample->disk_read_bytes = apr_atoi64(row[5]);
        sample->disk_write_bytes = apr_atoi64(row[6]);
        sample->net_rx_bytes = apr_atoi64(row[7]);
        sample->net_tx_bytes = apr_atoi64(row[8]);
    }
    return OCCI_STORE_OK;
}

/* ---- The SQL provider, and the store's dispatch ------------------------ */

static const occi_store_provider sql_provider = {
    "sql",
    sql_error,
    sql_begin,
    sql_commit,
    sql_rollback,
    sql_insert,
    sql_get,
    sql_update,
    sql_delete,
    sql_links_from,
    sql_links_to,
    sql_list,
    sql_count,
    sql_add_mixin,
    sql_remove_mixin,
    sql_insert_mixin,
    sql_delete_mixin,
    sql_list_mixins,
    sql_lock_entity,
    sql_lock_mixin,
    sql_insert_intent,
    sql_list_intents,
    sql_claim_intent,
    sql_release_intent,
    sql_renew_intents,
    sql_set_intent_detail,
    sql_delete_intent,
    sql_delete_intents_with,
    sql_set_host,
    sql_lock_placement,
    sql_host_usage,
    sql_usage_generation,
    sql_allocate,
    sql_get_allocation,
    sql_release_allocation,
    sql_disabled_hosts,
    sql_set_host_disabled,
    sql_links_from_many,
    sql_tenant_usage,
    sql_tenant_usages,
    sql_lock_tenant,
    sql_claim_usage_sampler,
    sql_record_usage,
    sql_list_usage,
};

occi_store *occi_store_open(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                            apr_dbd_t *handle, apr_hash_t *prepared_statements)
{
    sql_store *sql = apr_pcalloc(pool, sizeof(*sql));

    sql->pool = pool;
    sql->driver = driver;
    sql->handle = handle;
    sql->prepared = prepared_statements;
    sql->error = "";
    return occi_store_make(pool, &sql_provider, sql);
}

/* The SQL state of store, or NULL when another provider serves it. */
static sql_store *sql_of(occi_store *store)
{
    return store->provider == &sql_provider ? store->impl : NULL;
}

void occi_store_use_read_cache(occi_store *store, occi_read_cache *cache, int read_from_it)
{
    sql_store *sql = sql_of(store);

    if (sql) {
        sql->reads = cache;
        sql->read_from_cache = cache && read_from_it;
    }
}

void occi_store_use_write_gate(occi_store *store, occi_write_gate *gate)
{
    sql_store *sql = sql_of(store);

    if (sql) {
        sql->gate = gate;
    }
}

void occi_store_use_group_sync(occi_store *store, occi_group_sync *sync,
                               occi_store_sync_failed *failed, void *data)
{
    sql_store *sql = sql_of(store);

    if (sql) {
        sql->sync = sync;
        sql->sync_failed = failed;
        sql->sync_failed_data = data;
    }
}

occi_store *occi_store_make(apr_pool_t *pool, const occi_store_provider *provider, void *impl)
{
    occi_store *store = apr_pcalloc(pool, sizeof(*store));

    store->provider = provider;
    store->impl = impl;
    return store;
}

const occi_store_provider *occi_store_provider_of(const occi_store *store)
{
    return store->provider;
}

void *occi_store_impl(const occi_store *store)
{
    return store->impl;
}

const char *occi_store_error(const occi_store *store)
{
    return store->provider->error(store->impl);
}

occi_store_status occi_store_begin(occi_store *store)
{
    return store->provider->begin(store->impl);
}

occi_store_status occi_store_commit(occi_store *store)
{
    return store->provider->commit(store->impl);
}

void occi_store_rollback(occi_store *store)
{
    store->provider->rollback(store->impl);
}

occi_store_status occi_store_insert(occi_store *store, const occi_entity *entity)
{
    return store->provider->insert(store->impl, entity);
}

occi_store_status occi_store_get(occi_store *store, apr_pool_t *pool, const char *id,
                                 const char *owner, occi_entity **entity)
{
    return store->provider->get(store->impl, pool, id, owner, entity);
}

occi_store_status occi_store_update(occi_store *store, occi_entity *entity,
                                    long long expected_revision)
{
    return store->provider->update(store->impl, entity, expected_revision);
}

occi_store_status occi_store_delete(occi_store *store, const char *id, const char *owner)
{
    return store->provider->delete_entity(store->impl, id, owner);
}

occi_store_status occi_store_links_from(occi_store *store, apr_pool_t *pool,
                                        const char *source_id, apr_array_header_t **links)
{
    return store->provider->links_from(store->impl, pool, source_id, links);
}

occi_store_status occi_store_links_from_many(occi_store *store, apr_pool_t *pool,
                                             const apr_array_header_t *source_ids,
                                             apr_hash_t **links)
{
    int i;

    if (store->provider->links_from_many) {
        return store->provider->links_from_many(store->impl, pool, source_ids, links);
    }
    *links = apr_hash_make(pool);
    for (i = 0; i < source_ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(source_ids, i, const char *);
        apr_array_header_t *of_source;
        occi_store_status status = occi_store_links_from(store, pool, id, &of_source);

        if (status != OCCI_STORE_OK) {
            return status;
        }
        apr_hash_set(*links, id, APR_HASH_KEY_STRING, of_source);
    }
    return OCCI_STORE_OK;
}

occi_store_status occi_store_links_to(occi_store *store, apr_pool_t *pool,
                                      const char *target_location, apr_array_header_t **links)
{
    return store->provider->links_to(store->impl, pool, target_location, links);
}

occi_store_status occi_store_list(occi_store *store, apr_pool_t *pool,
                                  const occi_store_query *query,
                                  apr_array_header_t **entities)
{
    return store->provider->list(store->impl, pool, query, entities);
}

occi_store_status occi_store_count(occi_store *store, const occi_store_query *query,
                                   long long *count)
{
    return store->provider->count(store->impl, query, count);
}

occi_store_status occi_store_add_mixin(occi_store *store, const char *entity_id,
                                       const char *mixin)
{
    return store->provider->add_mixin(store->impl, entity_id, mixin);
}

occi_store_status occi_store_remove_mixin(occi_store *store, const char *entity_id,
                                          const char *mixin)
{
    return store->provider->remove_mixin(store->impl, entity_id, mixin);
}

occi_store_status occi_store_insert_mixin(occi_store *store, const occi_category *mixin,
                                          const char *owner)
{
    return store->provider->insert_mixin(store->impl, mixin, owner);
}

occi_store_status occi_store_delete_mixin(occi_store *store, const char *type_id,
                                          const char *owner)
{
    return store->provider->delete_mixin(store->impl, type_id, owner);
}

occi_store_status occi_store_list_mixins(occi_store *store, apr_pool_t *pool,
                                         const char *owner, apr_array_header_t **mixins,
                                         apr_array_header_t **owners)
{
    return store->provider->list_mixins(store->impl, pool, owner, mixins, owners);
}

occi_store_status occi_store_lock_entity(occi_store *store, const char *id)
{
    return store->provider->lock_entity(store->impl, id);
}

occi_store_status occi_store_lock_mixin(occi_store *store, const char *type_id,
                                        const char *owner)
{
    return store->provider->lock_mixin(store->impl, type_id, owner);
}

occi_store_status occi_store_insert_intent(occi_store *store, const occi_store_intent *intent)
{
    return store->provider->insert_intent(store->impl, intent);
}

occi_store_status occi_store_list_intents(occi_store *store, apr_pool_t *pool,
                                          const char *verb, const char *entity_id,
                                          const char *detail, apr_array_header_t **intents)
{
    return store->provider->list_intents(store->impl, pool, verb, entity_id, detail, intents);
}

occi_store_status occi_store_claim_intent(occi_store *store, const char *id,
                                          const char *holder, long long lease_until,
                                          long long now)
{
    return store->provider->claim_intent(store->impl, id, holder, lease_until, now);
}

occi_store_status occi_store_release_intent(occi_store *store, const char *id,
                                            const char *holder)
{
    return store->provider->release_intent(store->impl, id, holder);
}

occi_store_status occi_store_renew_intents(occi_store *store, const char *verb,
                                           const char *holder, long long lease_until)
{
    return store->provider->renew_intents(store->impl, verb, holder, lease_until);
}

occi_store_status occi_store_set_intent_detail(occi_store *store, const char *id,
                                               const char *holder, const char *detail)
{
    return store->provider->set_intent_detail(store->impl, id, holder, detail);
}

occi_store_status occi_store_delete_intent(occi_store *store, const char *id,
                                           const char *holder)
{
    return store->provider->delete_intent(store->impl, id, holder);
}

occi_store_status occi_store_delete_intents_with(occi_store *store, const char *verb,
                                                 const char *detail)
{
    return store->provider->delete_intents_with(store->impl, verb, detail);
}

occi_store_status occi_store_set_host(occi_store *store, const char *id, const char *host)
{
    return store->provider->set_host(store->impl, id, host);
}

occi_store_status occi_store_lock_placement(occi_store *store)
{
    return store->provider->lock_placement(store->impl);
}

occi_store_status occi_store_usage_generation(occi_store *store, long long *generation)
{
    return store->provider->usage_generation(store->impl, generation);
}

occi_store_status occi_store_host_usage(occi_store *store, apr_pool_t *pool,
                                        apr_hash_t **usage)
{
    return store->provider->host_usage(store->impl, pool, usage);
}

occi_store_status occi_store_allocate(occi_store *store,
                                      const occi_store_allocation *allocation)
{
    return store->provider->allocate(store->impl, allocation);
}

occi_store_status occi_store_get_allocation(occi_store *store, apr_pool_t *pool,
                                            const char *entity_id,
                                            occi_store_allocation **allocation)
{
    return store->provider->get_allocation(store->impl, pool, entity_id, allocation);
}

occi_store_status occi_store_release_allocation(occi_store *store, const char *entity_id)
{
    return store->provider->release_allocation(store->impl, entity_id);
}

occi_store_status occi_store_disabled_hosts(occi_store *store, apr_pool_t *pool,
                                            apr_hash_t **disabled)
{
    return store->provider->disabled_hosts(store->impl, pool, disabled);
}

occi_store_status occi_store_set_host_disabled(occi_store *store, const char *host,
                                               int disabled)
{
    return store->provider->set_host_disabled(store->impl, host, disabled);
}

occi_store_status occi_store_read_tenant_usage(occi_store *store, const char *owner,
                                               occi_store_tenant_usage *usage)
{
    return store->provider->tenant_usage(store->impl, owner, usage);
}

occi_store_status occi_store_list_tenant_usages(occi_store *store, apr_pool_t *pool,
                                                apr_array_header_t **usages)
{
    return store->provider->tenant_usages(store->impl, pool, usages);
}

occi_store_status occi_store_lock_tenant(occi_store *store, const char *owner)
{
    return store->provider->lock_tenant(store->impl, owner);
}

occi_store_status occi_store_claim_usage_sampler(occi_store *store, const char *holder,
                                                 long long lease_until, long long now)
{
    return store->provider->claim_usage_sampler(store->impl, holder, lease_until, now);
}

occi_store_status occi_store_record_usage(occi_store *store, const apr_array_header_t *samples,
                                          long long older_than)
{
    return store->provider->record_usage(store->impl, samples, older_than);
}

occi_store_status occi_store_list_usage(occi_store *store, apr_pool_t *pool,
                                        const char *entity_id, long long since,
                                        apr_array_header_t **samples)
{
    return store->provider->list_usage(store->impl, pool, entity_id, since, samples);
}
