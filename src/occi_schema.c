/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's schema and its migrations. Each step takes the schema from
 * one version to the next; a later version of the code appends a step and
 * raises OCCI_SCHEMA_VERSION. The SQL here is constant DDL: no value from
 * a request ever reaches it.
 *
 * Tables (see occi_store.c for how they are used):
 *   occi_schema      the version, one row
 *   occi_entity      one row per entity; seq orders by creation
 *   occi_membership  (mixin, entity) pairs, with the entity's owner and seq
 *   occi_attribute   (entity, attribute name, indexed text of the value),
 *                    with the entity's owner and seq
 *   occi_user_mixin  the mixins clients define, with their owner
 *   occi_intent      work that outlives the request that asked for it (a
 *                    save deferred to a compute's next stop), with who
 *                    holds it and until when
 *   occi_allocation  what each placed entity holds of its hypervisor host's
 *                    capacity (cores, memory, disk, affinity group)
 *   occi_host        hypervisor hosts an administrator disabled, and the
 *                    row named '' that placements lock to take turns, which
 *                    counts the changes of occi_host_usage (generation)
 *   occi_host_usage  the sums of the allocations of each host and
 *                    anti-affinity group, kept by triggers
 *   occi_tenant_usage  what each owner's entities hold (cores, memory,
 *                    storage, computes, networks) in slots to be summed,
 *                    kept by triggers on occi_entity (schema 9), for
 *                    quotas, and each owner's lock row (slot -1)
 *   occi_usage_sample  readings of running computes' counters, an hour of
 *                    them (schema 10, occi_usage.h)
 *   occi_usage_sampler  the lease of the process that takes the readings
 * On PostgreSQL, a trigger announces each change of occi_entity (schema 8).
 */
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "occi_store.h"

typedef struct {
    const char *sql;
    const char *pgsql;      /* PostgreSQL's form, where it differs; "" when
                             * PostgreSQL has nothing to do for this one */
} schema_statement;

#define SQLITE_ONLY ""
/* In the first place: a statement SQLite skips. */
#define PGSQL_ONLY ""


typedef struct {
    const schema_statement *statements;
    int count;
} schema_step;

/* Version 0 -> 1: the first schema. */
static const schema_statement schema_1[] = {
    { "CREATE TABLE IF NOT EXISTS occi_entity ("
      " seq INTEGER PRIMARY KEY,"
      " id VARCHAR(36) NOT NULL UNIQUE,"
      " kind VARCHAR NOT NULL,"
      " owner VARCHAR NOT NULL DEFAULT '',"
      " revision BIGINT NOT NULL,"
      " source_id VARCHAR(36),"
      " target VARCHAR,"
      " mixins TEXT NOT NULL,"
      " attributes TEXT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS occi_entity ("
      " seq BIGSERIAL PRIMARY KEY,"
      " id VARCHAR(36) NOT NULL UNIQUE,"
      " kind VARCHAR NOT NULL,"
      " owner VARCHAR NOT NULL DEFAULT '',"
      " revision BIGINT NOT NULL,"
      " source_id VARCHAR(36),"
      " target VARCHAR,"
      " mixins TEXT NOT NULL,"
      " attributes TEXT NOT NULL)" },
    /* One index per collection page shape, each ending in seq so that a
     * page is a range of the index in creation order. */
    { "CREATE INDEX IF NOT EXISTS occi_entity_owner ON occi_entity (owner, seq)", NULL },
    { "CREATE INDEX IF NOT EXISTS occi_entity_kind ON occi_entity (kind, seq)", NULL },
    { "CREATE INDEX IF NOT EXISTS occi_entity_owner_kind ON occi_entity (owner, kind, seq)",
      NULL },
    { "CREATE INDEX IF NOT EXISTS occi_entity_source ON occi_entity (source_id, seq)", NULL },
    { "CREATE TABLE IF NOT EXISTS occi_membership ("
      " mixin VARCHAR NOT NULL,"
      " entity_id VARCHAR(36) NOT NULL,"
      " owner VARCHAR NOT NULL,"
      " seq BIGINT NOT NULL,"
      " PRIMARY KEY (mixin, entity_id))", NULL },
    { "CREATE INDEX IF NOT EXISTS occi_membership_entity ON occi_membership (entity_id)",
      NULL },
    { "CREATE INDEX IF NOT EXISTS occi_membership_mixin ON occi_membership (mixin, seq)",
      NULL },
    { "CREATE INDEX IF NOT EXISTS occi_membership_mixin_owner"
      " ON occi_membership (mixin, owner, seq)", NULL },
    { "CREATE TABLE IF NOT EXISTS occi_attribute ("
      " entity_id VARCHAR(36) NOT NULL,"
      " name VARCHAR NOT NULL,"
      " value VARCHAR NOT NULL,"
      " owner VARCHAR NOT NULL,"
      " seq BIGINT NOT NULL,"
      " PRIMARY KEY (entity_id, name))", NULL },
    { "CREATE INDEX IF NOT EXISTS occi_attribute_value ON occi_attribute (name, value, seq)",
      NULL },
    { "CREATE INDEX IF NOT EXISTS occi_attribute_value_owner"
      " ON occi_attribute (name, value, owner, seq)", NULL },
    { "CREATE TABLE IF NOT EXISTS occi_user_mixin ("
      " seq INTEGER PRIMARY KEY,"
      " type_id VARCHAR NOT NULL UNIQUE,"
      " scheme VARCHAR NOT NULL,"
      " term VARCHAR NOT NULL,"
      " title VARCHAR,"
      " location VARCHAR NOT NULL UNIQUE,"
      " owner VARCHAR NOT NULL DEFAULT '',"
      " depends TEXT NOT NULL,"
      " applies TEXT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS occi_user_mixin ("
      " seq BIGSERIAL PRIMARY KEY,"
      " type_id VARCHAR NOT NULL UNIQUE,"
      " scheme VARCHAR NOT NULL,"
      " term VARCHAR NOT NULL,"
      " title VARCHAR,"
      " location VARCHAR NOT NULL UNIQUE,"
      " owner VARCHAR NOT NULL DEFAULT '',"
      " depends TEXT NOT NULL,"
      " applies TEXT NOT NULL)" },
};

/* Version 1 -> 2: links are found by their target, to delete them with it. */
static const schema_statement schema_2[] = {
    { "CREATE INDEX IF NOT EXISTS occi_entity_target ON occi_entity (target, seq)", NULL },
};

/* Version 2 -> 3: each owner has a namespace of user mixins, so that one
 * tenant's type ids and locations neither clash with nor reveal another's.
 * SQLite cannot drop a constraint: the table is copied into a new one. */
static const schema_statement schema_3[] = {
    { "CREATE TABLE occi_user_mixin_v3 ("
      " seq INTEGER PRIMARY KEY,"
      " type_id VARCHAR NOT NULL,"
      " scheme VARCHAR NOT NULL,"
      " term VARCHAR NOT NULL,"
      " title VARCHAR,"
      " location VARCHAR NOT NULL,"
      " owner VARCHAR NOT NULL DEFAULT '',"
      " depends TEXT NOT NULL,"
      " applies TEXT NOT NULL,"
      " UNIQUE (owner, type_id),"
      " UNIQUE (owner, location))",
      "ALTER TABLE occi_user_mixin"
      " DROP CONSTRAINT occi_user_mixin_type_id_key,"
      " DROP CONSTRAINT occi_user_mixin_location_key,"
      " ADD CONSTRAINT occi_user_mixin_owner_type_id UNIQUE (owner, type_id),"
      " ADD CONSTRAINT occi_user_mixin_owner_location UNIQUE (owner, location)" },
    { "INSERT INTO occi_user_mixin_v3"
      " (seq, type_id, scheme, term, title, location, owner, depends, applies)"
      " SELECT seq, type_id, scheme, term, title, location, owner, depends, applies"
      " FROM occi_user_mixin", SQLITE_ONLY },
    { "DROP TABLE occi_user_mixin", SQLITE_ONLY },
    { "ALTER TABLE occi_user_mixin_v3 RENAME TO occi_user_mixin", SQLITE_ONLY },
};

/* Version 3 -> 4: intents. holder and lease_until (seconds since the
 * epoch) let any process of any node take over work whose holder died. */
static const schema_statement schema_4[] = {
    { "CREATE TABLE IF NOT EXISTS occi_intent ("
      " id VARCHAR(36) PRIMARY KEY,"
      " verb VARCHAR NOT NULL,"
      " entity_id VARCHAR(36) NOT NULL,"
      " owner VARCHAR NOT NULL,"
      " detail VARCHAR NOT NULL,"
      " holder VARCHAR,"
      " lease_until BIGINT NOT NULL DEFAULT 0)", NULL },
    { "CREATE INDEX IF NOT EXISTS occi_intent_entity ON occi_intent (verb, entity_id)", NULL },
    { "CREATE INDEX IF NOT EXISTS occi_intent_detail ON occi_intent (verb, detail)", NULL },
};

/* Version 4 -> 5: several hypervisor hosts. An entity row records its
 * host (NULL for the rows of a single host, as every older row is). An
 * allocation is written when a placement reserves capacity, before the
 * entity's own rows are committed, so it has a table of its own keyed by
 * the entity id rather than columns of occi_entity. The '' row of occi_host
 * exists only to be locked; ON CONFLICT DO NOTHING keeps a second insert
 * of it harmless. */
static const schema_statement schema_5[] = {
    { "ALTER TABLE occi_entity ADD COLUMN host VARCHAR", NULL },
    { "CREATE TABLE IF NOT EXISTS occi_allocation ("
      " entity_id VARCHAR(36) PRIMARY KEY,"
      " host VARCHAR NOT NULL,"
      " kind VARCHAR NOT NULL,"
      " owner VARCHAR NOT NULL,"
      " cores INTEGER NOT NULL DEFAULT 0,"
      " memory_mib BIGINT NOT NULL DEFAULT 0,"
      " disk_mib BIGINT NOT NULL DEFAULT 0,"
      " affinity_group VARCHAR)", NULL },
    { "CREATE INDEX IF NOT EXISTS occi_allocation_host ON occi_allocation (host)", NULL },
    { "CREATE TABLE IF NOT EXISTS occi_host ("
      " name VARCHAR PRIMARY KEY,"
      " disabled INTEGER NOT NULL DEFAULT 0)", NULL },
    { "INSERT INTO occi_host (name, disabled) VALUES ('', 0) ON CONFLICT DO NOTHING", NULL },
};

/* Version 5 -> 6: what each host holds, summed as allocations change, so
 * that a placement reads one row per host and anti-affinity group instead
 * of summing every allocation (its cost no longer grows with the
 * entities). Triggers keep the sums in the same statement as the
 * allocation's own change, whichever path makes it; a group of '' is none.
 * members counts the allocations in a row: a row at 0 is no usage. The
 * compute kind is a constant of the protocol. The last statement sums
 * what older versions allocated. */
#define USAGE_ADD(row)                                                                  \
    "INSERT INTO occi_host_usage"                                                       \
    " (host, affinity_group, cores, memory_mib, disk_mib, computes, members)"           \
    " VALUES (" row ".host, COALESCE(" row ".affinity_group, ''), " row ".cores, "        \
    row ".memory_mib, " row ".disk_mib, CASE WHEN " row ".kind = "                       \
    "'http://schemas.ogf.org/occi/infrastructure#compute' THEN 1 ELSE 0 END, 1)"        \
    " ON CONFLICT (host, affinity_group) DO UPDATE SET"                                  \
    " cores = occi_host_usage.cores + excluded.cores,"                                   \
    " memory_mib = occi_host_usage.memory_mib + excluded.memory_mib,"                    \
    " disk_mib = occi_host_usage.disk_mib + excluded.disk_mib,"                          \
    " computes = occi_host_usage.computes + excluded.computes,"                          \
    " members = occi_host_usage.members + 1"
#define USAGE_SUBTRACT(row)                                                             \
    "UPDATE occi_host_usage SET cores = cores - " row ".cores,"                          \
    " memory_mib = memory_mib - " row ".memory_mib, disk_mib = disk_mib - " row           \
    ".disk_mib, computes = computes - CASE WHEN " row ".kind = "                          \
    "'http://schemas.ogf.org/occi/infrastructure#compute' THEN 1 ELSE 0 END,"           \
    " members = members - 1"                                                             \
    " WHERE host = " row ".host AND affinity_group = COALESCE(" row ".affinity_group, '')"

static const schema_statement schema_6[] = {
    { "CREATE TABLE IF NOT EXISTS occi_host_usage ("
      " host VARCHAR NOT NULL,"
      " affinity_group VARCHAR NOT NULL DEFAULT '',"
      " cores INTEGER NOT NULL DEFAULT 0,"
      " memory_mib BIGINT NOT NULL DEFAULT 0,"
      " disk_mib BIGINT NOT NULL DEFAULT 0,"
      " computes INTEGER NOT NULL DEFAULT 0,"
      " members INTEGER NOT NULL DEFAULT 0,"
      " PRIMARY KEY (host, affinity_group))", NULL },
    { "CREATE TRIGGER IF NOT EXISTS occi_allocation_added AFTER INSERT ON occi_allocation"
      " BEGIN " USAGE_ADD("NEW") "; END",
      "CREATE OR REPLACE FUNCTION occi_allocation_usage() RETURNS trigger"
      " LANGUAGE plpgsql AS $$ BEGIN"
      " IF TG_OP <> 'INSERT' THEN " USAGE_SUBTRACT("OLD") "; END IF;"
      " IF TG_OP <> 'DELETE' THEN " USAGE_ADD("NEW") "; END IF;"
      " RETURN NULL; END $$" },
    { "CREATE TRIGGER IF NOT EXISTS occi_allocation_removed AFTER DELETE ON occi_allocation"
      " BEGIN " USAGE_SUBTRACT("OLD") "; END",
      "DROP TRIGGER IF EXISTS occi_allocation_usage ON occi_allocation" },
    { "CREATE TRIGGER IF NOT EXISTS occi_allocation_changed AFTER UPDATE ON occi_allocation"
      " BEGIN " USAGE_SUBTRACT("OLD") "; " USAGE_ADD("NEW") "; END",
      "CREATE TRIGGER occi_allocation_usage AFTER INSERT OR UPDATE OR DELETE ON occi_allocation"
      " FOR EACH ROW EXECUTE FUNCTION occi_allocation_usage()" },
    { "INSERT INTO occi_host_usage"
      " (host, affinity_group, cores, memory_mib, disk_mib, computes, members)"
      " SELECT host, COALESCE(affinity_group, ''), SUM(cores), SUM(memory_mib), SUM(disk_mib),"
      " SUM(CASE WHEN kind = 'http://schemas.ogf.org/occi/infrastructure#compute'"
      " THEN 1 ELSE 0 END), COUNT(*)"
      " FROM occi_allocation GROUP BY host, COALESCE(affinity_group, '')"
      " ON CONFLICT DO NOTHING", NULL },
};

/* Version 6 -> 7: a count of the changes of occi_host_usage, raised by the
 * same triggers in the same statement, on the '' row of occi_host: a
 * process that has read the sums at one count need not read them again
 * while the count is the same (a placement then reads one row instead of
 * one per host). SQLite's triggers are made again with the raise; on
 * PostgreSQL the function is replaced and its trigger stays. */
#define USAGE_COUNT "UPDATE occi_host SET generation = generation + 1 WHERE name = ''"

static const schema_statement schema_7[] = {
    { "ALTER TABLE occi_host ADD COLUMN generation BIGINT NOT NULL DEFAULT 0", NULL },
    { "DROP TRIGGER IF EXISTS occi_allocation_added",
      "CREATE OR REPLACE FUNCTION occi_allocation_usage() RETURNS trigger"
      " LANGUAGE plpgsql AS $$ BEGIN"
      " IF TG_OP <> 'INSERT' THEN " USAGE_SUBTRACT("OLD") "; END IF;"
      " IF TG_OP <> 'DELETE' THEN " USAGE_ADD("NEW") "; END IF;"
      " " USAGE_COUNT ";"
      " RETURN NULL; END $$" },
    { "DROP TRIGGER IF EXISTS occi_allocation_removed", SQLITE_ONLY },
    { "DROP TRIGGER IF EXISTS occi_allocation_changed", SQLITE_ONLY },
    { "CREATE TRIGGER occi_allocation_added AFTER INSERT ON occi_allocation"
      " BEGIN " USAGE_ADD("NEW") "; " USAGE_COUNT "; END", SQLITE_ONLY },
    { "CREATE TRIGGER occi_allocation_removed AFTER DELETE ON occi_allocation"
      " BEGIN " USAGE_SUBTRACT("OLD") "; " USAGE_COUNT "; END", SQLITE_ONLY },
    { "CREATE TRIGGER occi_allocation_changed AFTER UPDATE ON occi_allocation"
      " BEGIN " USAGE_SUBTRACT("OLD") "; " USAGE_ADD("NEW") "; " USAGE_COUNT "; END",
      SQLITE_ONLY },
};

/* Version 7 -> 8: PostgreSQL announces, on the channel occi_entity_changed
 * (OCCI_CHANGES_CHANNEL), each committed change that can alter what a
 * read of an entity or of its links returned: an entity row updated or
 * deleted, or a link inserted (a new resource changes no earlier read:
 * nobody caches its absence). PostgreSQL sends one announcement per
 * transaction whatever the number of rows, and every process of every node
 * that caches entities' rows drops them; a change made by hand in psql is
 * announced too. Creating resources announces nothing, so that their
 * commits do not queue behind the lock PostgreSQL takes to order
 * announcements. SQLite has one node and caches nothing. */
static const schema_statement schema_8[] = {
    { PGSQL_ONLY,
      "CREATE OR REPLACE FUNCTION occi_entity_changed() RETURNS trigger"
      " LANGUAGE plpgsql AS $$ BEGIN"
      " PERFORM pg_notify('" OCCI_CHANGES_CHANNEL "', '');"
      " RETURN NULL; END $$" },
    { PGSQL_ONLY, "DROP TRIGGER IF EXISTS occi_entity_changed ON occi_entity" },
    { PGSQL_ONLY,
      "CREATE TRIGGER occi_entity_changed AFTER UPDATE OR DELETE OR TRUNCATE"
      " ON occi_entity FOR EACH STATEMENT EXECUTE FUNCTION occi_entity_changed()" },
    { PGSQL_ONLY, "DROP TRIGGER IF EXISTS occi_link_added ON occi_entity" },
    { PGSQL_ONLY,
      "CREATE TRIGGER occi_link_added AFTER INSERT ON occi_entity"
      " FOR EACH ROW WHEN (NEW.source_id IS NOT NULL)"
      " EXECUTE FUNCTION occi_entity_changed()" },
};

/* Version 8 -> 9: what each tenant (owner) holds, summed as its entities
 * come, change and go, so that a quota (occi_quota.h) is checked against
 * a few rows. Triggers keep the sums in the same statement as the
 * entity's own change, whichever path makes it (creation, deletion with
 * the links, recovery, updates, templates). A compute holds one compute,
 * its cores (default 1) and its memory in MiB (GiB * 1024 rounded, default
 * 1 GiB), a storage its size in MiB (default 0), a network one network,
 * anything else nothing: occi_quota_add_demand counts the same. An
 * attribute that is not a number counts as absent. A change that moves no
 * sum touches no row.
 *
 * An owner's sums are spread over slots, each the sum of the changes made
 * through some database sessions: on PostgreSQL the session's process id
 * modulo 64, so that creations of one owner through different sessions
 * write different rows and do not wait for each other's commits; on
 * SQLite, where one transaction writes at a time, slot 0. What an owner
 * holds is the sum of its slots. The row of slot -1 holds nothing: a
 * check of a quota locks it (occi_store_lock_tenant) after its change is
 * written and before it reads the sums, so that checks of one owner take
 * turns and each sees what the one before committed. The last statements
 * sum what the entities held before this version, in slot 0. */
#define TENANT_KINDS "('" OCCI_SCHEME_INFRA "compute', '" OCCI_SCHEME_INFRA "storage', '"    \
                     OCCI_SCHEME_INFRA "network')"
#define IS_KIND(row, term) row ".kind = '" OCCI_SCHEME_INFRA term "'"
/* An attribute's number, or otherwise. */
#define NUMBER_OF(row, name, otherwise)                                                 \
    "(CASE WHEN json_type(" row ".attributes, '$.\"" name "\"') IN ('integer', 'real')"   \
    " THEN json_extract(" row ".attributes, '$.\"" name "\"') ELSE " otherwise " END)"
#define CORES_OF(row)                                                                   \
    "(CASE WHEN " IS_KIND(row, "compute") " THEN CAST("                                 \
    NUMBER_OF(row, "occi.compute.cores", "1") " AS INTEGER) ELSE 0 END)"
#define MEMORY_OF(row)                                                                  \
    "(CASE WHEN " IS_KIND(row, "compute") " THEN CAST("                                 \
    NUMBER_OF(row, "occi.compute.memory", "1") " * 1024 + 0.5 AS INTEGER) ELSE 0 END)"
#define STORAGE_OF(row)                                                                 \
    "(CASE WHEN " IS_KIND(row, "storage") " THEN CAST("                                 \
    NUMBER_OF(row, "occi.storage.size", "0") " * 1024 + 0.5 AS INTEGER) ELSE 0 END)"
#define COUNT_OF(row, term) "(CASE WHEN " IS_KIND(row, term) " THEN 1 ELSE 0 END)"
/* Adds (sign "") or takes away (sign "-") what row holds, in slot 0. */
#define TENANT_CHANGE(row, sign)                                                        \
    "INSERT INTO occi_tenant_usage"                                                     \
    " (owner, slot, cores, memory_mib, storage_mib, computes, networks) VALUES (" row     \
    ".owner, 0, " sign CORES_OF(row) ", " sign MEMORY_OF(row) ", " sign STORAGE_OF(row)   \
    ", " sign COUNT_OF(row, "compute") ", " sign COUNT_OF(row, "network") ")"             \
    " ON CONFLICT (owner, slot) DO UPDATE SET"                                           \
    " cores = occi_tenant_usage.cores + excluded.cores,"                                 \
    " memory_mib = occi_tenant_usage.memory_mib + excluded.memory_mib,"                  \
    " storage_mib = occi_tenant_usage.storage_mib + excluded.storage_mib,"               \
    " computes = occi_tenant_usage.computes + excluded.computes,"                        \
    " networks = occi_tenant_usage.networks + excluded.networks"
/* PostgreSQL: the same sums by a function of a row's kind and attributes
 * (cores, memory, storage, computes, networks). */
#define PG_NUMBER_OF(name, otherwise)                                                   \
    "CASE WHEN jsonb_typeof(j -> '" name "') = 'number'"                                 \
    " THEN (j ->> '" name "')::float8 ELSE " otherwise " END"
/* PostgreSQL: adds the array d to who's sums, in the session's slot. */
#define PG_TENANT_ADD(who, d)                                                           \
    "INSERT INTO occi_tenant_usage"                                                     \
    " (owner, slot, cores, memory_mib, storage_mib, computes, networks)"                 \
    " VALUES (" who ", pg_backend_pid() % 64, " d "[1], " d "[2], " d "[3], " d "[4], "    \
    d "[5]) ON CONFLICT (owner, slot) DO UPDATE SET"                                     \
    " cores = occi_tenant_usage.cores + excluded.cores,"                                 \
    " memory_mib = occi_tenant_usage.memory_mib + excluded.memory_mib,"                  \
    " storage_mib = occi_tenant_usage.storage_mib + excluded.storage_mib,"               \
    " computes = occi_tenant_usage.computes + excluded.computes,"                        \
    " networks = occi_tenant_usage.networks + excluded.networks"

static const schema_statement schema_9[] = {
    { "CREATE TABLE IF NOT EXISTS occi_tenant_usage ("
      " owner VARCHAR NOT NULL,"
      " slot INTEGER NOT NULL DEFAULT 0,"
      " cores BIGINT NOT NULL DEFAULT 0,"
      " memory_mib BIGINT NOT NULL DEFAULT 0,"
      " storage_mib BIGINT NOT NULL DEFAULT 0,"
      " computes BIGINT NOT NULL DEFAULT 0,"
      " networks BIGINT NOT NULL DEFAULT 0,"
      " PRIMARY KEY (owner, slot))", NULL },
    { PGSQL_ONLY,
      "CREATE OR REPLACE FUNCTION occi_entity_demand(kind VARCHAR, attributes TEXT)"
      " RETURNS BIGINT[] LANGUAGE plpgsql IMMUTABLE AS $$ DECLARE j JSONB; BEGIN"
      " IF kind = '" OCCI_SCHEME_INFRA "compute' THEN j := attributes::jsonb;"
      " RETURN ARRAY[trunc(" PG_NUMBER_OF("occi.compute.cores", "1") ")::bigint,"
      " trunc((" PG_NUMBER_OF("occi.compute.memory", "1") ") * 1024 + 0.5)::bigint,"
      " 0, 1, 0];"
      " ELSIF kind = '" OCCI_SCHEME_INFRA "storage' THEN j := attributes::jsonb;"
      " RETURN ARRAY[0, 0, trunc((" PG_NUMBER_OF("occi.storage.size", "0") ") * 1024"
      " + 0.5)::bigint, 0, 0];"
      " ELSIF kind = '" OCCI_SCHEME_INFRA "network' THEN RETURN ARRAY[0, 0, 0, 0, 1]::bigint[];"
      " END IF;"
      " RETURN ARRAY[0, 0, 0, 0, 0]::bigint[]; END $$" },
    { PGSQL_ONLY,
      "CREATE OR REPLACE FUNCTION occi_tenant_usage_change() RETURNS trigger"
      " LANGUAGE plpgsql AS $$ DECLARE"
      " o BIGINT[] := ARRAY[0, 0, 0, 0, 0]; n BIGINT[] := ARRAY[0, 0, 0, 0, 0]; BEGIN"
      " IF TG_OP <> 'INSERT' THEN o := occi_entity_demand(OLD.kind, OLD.attributes); END IF;"
      " IF TG_OP <> 'DELETE' THEN n := occi_entity_demand(NEW.kind, NEW.attributes); END IF;"
      " IF TG_OP = 'UPDATE' AND OLD.owner = NEW.owner THEN"
      "  IF o = n THEN RETURN NULL; END IF;"
      "  n := ARRAY[n[1] - o[1], n[2] - o[2], n[3] - o[3], n[4] - o[4], n[5] - o[5]];"
      "  o := ARRAY[0, 0, 0, 0, 0];"
      " END IF;"
      " IF o <> ARRAY[0, 0, 0, 0, 0]::bigint[] THEN"
      "  o := ARRAY[-o[1], -o[2], -o[3], -o[4], -o[5]];"
      "  " PG_TENANT_ADD("OLD.owner", "o") ";"
      " END IF;"
      " IF n <> ARRAY[0, 0, 0, 0, 0]::bigint[] THEN"
      "  " PG_TENANT_ADD("NEW.owner", "n") ";"
      " END IF;"
      " RETURN NULL; END $$" },
    { "DROP TRIGGER IF EXISTS occi_tenant_usage_added",
      "DROP TRIGGER IF EXISTS occi_tenant_usage ON occi_entity" },
    { "DROP TRIGGER IF EXISTS occi_tenant_usage_removed",
      "CREATE TRIGGER occi_tenant_usage AFTER INSERT OR DELETE OR UPDATE OF attributes, owner,"
      " kind ON occi_entity FOR EACH ROW EXECUTE FUNCTION occi_tenant_usage_change()" },
    { "DROP TRIGGER IF EXISTS occi_tenant_usage_changed", SQLITE_ONLY },
    { "CREATE TRIGGER occi_tenant_usage_added AFTER INSERT ON occi_entity"
      " WHEN NEW.kind IN " TENANT_KINDS " BEGIN " TENANT_CHANGE("NEW", "") "; END",
      SQLITE_ONLY },
    { "CREATE TRIGGER occi_tenant_usage_removed AFTER DELETE ON occi_entity"
      " WHEN OLD.kind IN " TENANT_KINDS " BEGIN " TENANT_CHANGE("OLD", "-") "; END",
      SQLITE_ONLY },
    { "CREATE TRIGGER occi_tenant_usage_changed AFTER UPDATE OF attributes, owner, kind"
      " ON occi_entity WHEN (OLD.kind IN " TENANT_KINDS " OR NEW.kind IN " TENANT_KINDS ")"
      " AND (OLD.owner IS NOT NEW.owner OR OLD.kind IS NOT NEW.kind"
      " OR " CORES_OF("OLD") " <> " CORES_OF("NEW")
      " OR " MEMORY_OF("OLD") " <> " MEMORY_OF("NEW")
      " OR " STORAGE_OF("OLD") " <> " STORAGE_OF("NEW") ")"
      " BEGIN " TENANT_CHANGE("OLD", "-") "; " TENANT_CHANGE("NEW", "") "; END", SQLITE_ONLY },
    { "DELETE FROM occi_tenant_usage", NULL },
    { "INSERT INTO occi_tenant_usage"
      " (owner, slot, cores, memory_mib, storage_mib, computes, networks)"
      " SELECT e.owner, 0, SUM(" CORES_OF("e") "), SUM(" MEMORY_OF("e") "), SUM(" STORAGE_OF("e")
      "), SUM(" COUNT_OF("e", "compute") "), SUM(" COUNT_OF("e", "network") ")"
      " FROM occi_entity e WHERE e.kind IN " TENANT_KINDS " GROUP BY e.owner",
      "INSERT INTO occi_tenant_usage"
      " (owner, slot, cores, memory_mib, storage_mib, computes, networks)"
      " SELECT owner, 0, SUM(d[1]), SUM(d[2]), SUM(d[3]), SUM(d[4]), SUM(d[5]) FROM"
      " (SELECT owner, occi_entity_demand(kind, attributes) AS d FROM occi_entity"
      " WHERE kind IN " TENANT_KINDS ") AS demands GROUP BY owner" },
};

/* Version 9 -> 10: readings of what computes use (occi_usage.h), kept an
 * hour, and the lease of the one process that takes them. */
static const schema_statement schema_10[] = {
    { "CREATE TABLE IF NOT EXISTS occi_usage_sample ("
      " entity_id VARCHAR(36) NOT NULL,"
      " at BIGINT NOT NULL,"
      " taken_ms BIGINT NOT NULL,"
      " cpu_ns BIGINT NOT NULL,"
      " vcpus INTEGER NOT NULL,"
      " memory_kib BIGINT NOT NULL,"
      " disk_read_bytes BIGINT NOT NULL,"
      " disk_write_bytes BIGINT NOT NULL,"
      " net_rx_bytes BIGINT NOT NULL,"
      " net_tx_bytes BIGINT NOT NULL,"
      " PRIMARY KEY (entity_id, at))", NULL },
    { "CREATE INDEX IF NOT EXISTS occi_usage_sample_at ON occi_usage_sample (at)", NULL },
    { "CREATE TABLE IF NOT EXISTS occi_usage_sampler ("
      " id INTEGER PRIMARY KEY,"
      " holder VARCHAR NOT NULL,"
      " lease_until BIGINT NOT NULL)", NULL },
    { "INSERT INTO occi_usage_sampler (id, holder, lease_until) VALUES (1, '', 0)"
      " ON CONFLICT (id) DO NOTHING", NULL },
};

#define STEP(statements) { statements, (int)(sizeof(statements) / sizeof(statements[0])) }

/* steps[n] takes version n to n + 1. */
static const schema_step steps[] = {
    STEP(schema_1),
    STEP(schema_2),
    STEP(schema_3),
    STEP(schema_4),
    STEP(schema_5),
    STEP(schema_6),
    STEP(schema_7),
    STEP(schema_8),
    STEP(schema_9),
    STEP(schema_10),
};

/* Refuses to compile when a step is missing or one too many. */
typedef char schema_steps_match_version[
    sizeof(steps) / sizeof(steps[0]) == OCCI_SCHEMA_VERSION ? 1 : -1];

static const char *database_error(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                                  apr_dbd_t *handle, int status, const char *doing)
{
    const char *message = apr_dbd_error(driver, handle, status);
    char *copy = apr_pstrdup(pool, message && *message ? message : "unknown error");
    apr_size_t len = strlen(copy);

    while (len > 0 && apr_isspace(copy[len - 1])) {
        copy[--len] = '\0';
    }
    return apr_psprintf(pool, "schema: %s: %s", doing, copy);
}

static const char *run(apr_pool_t *pool, const apr_dbd_driver_t *driver, apr_dbd_t *handle,
                       const char *sql)
{
    int rows = 0;
    int status = apr_dbd_query(driver, handle, &rows, sql);

    return status ? database_error(pool, driver, handle, status, sql) : NULL;
}

/* Runs one statement and reads its rows to the end: a PRAGMA answers
 * with a row, which apr_dbd_query takes for an error, and an unfinished
 * statement would hold its lock. */
static const char *run_reading(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                               apr_dbd_t *handle, const char *sql)
{
    apr_dbd_results_t *results = NULL;
    apr_dbd_row_t *row = NULL;
    int status = apr_dbd_select(driver, pool, handle, &results, sql, 0);

    if (status) {
        return database_error(pool, driver, handle, status, sql);
    }
    while (apr_dbd_get_row(driver, pool, results, &row, -1) == 0) {
        /* every row read */
    }
    return NULL;
}

static const char *sqlite_busy_timeout(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                                       apr_dbd_t *handle)
{
    return run_reading(pool, driver, handle, "PRAGMA busy_timeout = 10000");
}

const char *occi_store_init_session(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                                    apr_dbd_t *handle, const char *const *statements,
                                    int count)
{
    int sqlite = !strcmp(apr_dbd_name(driver), "sqlite3");
    const char *error = sqlite ? sqlite_busy_timeout(pool, driver, handle) : NULL;
    int i;

    for (i = 0; !error && i < count; i++) {
        error = sqlite ? run_reading(pool, driver, handle, statements[i])
                       : run(pool, driver, handle, statements[i]);
    }
    return error;
}

/* Reads the version: NULL and *found 0 when the table is empty, or a
 * message when it cannot be read (as when it does not exist). */
static const char *read_version(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                                apr_dbd_t *handle, int *found, int *version)
{
    apr_dbd_results_t *results = NULL;
    apr_dbd_row_t *row = NULL;
    int status;

    *found = 0;
    *version = 0;
    status = apr_dbd_select(driver, pool, handle, &results,
                            "SELECT version FROM occi_schema", 1);
    if (status) {
        return database_error(pool, driver, handle, status, "reading the version");
    }
    while (apr_dbd_get_row(driver, pool, results, &row, -1) == 0) {
        const char *value = apr_dbd_get_entry(driver, row, 0);
        int stored = value ? atoi(value) : 0;

        if (!*found || stored > *version) {
            *version = stored;
        }
        *found = 1;
    }
    return NULL;
}

static const char *newer(apr_pool_t *pool, int version)
{
    return apr_psprintf(pool, "schema: the database holds schema version %d, newer than "
                        "version %d that this module knows; upgrade the module", version,
                        OCCI_SCHEMA_VERSION);
}

/* Runs the steps from version on, inside the caller's transaction. */
static const char *upgrade(apr_pool_t *pool, const apr_dbd_driver_t *driver, apr_dbd_t *handle,
                           int pgsql, int version)
{
    const char *error;
    int i;

    for (; version < OCCI_SCHEMA_VERSION; version++) {
        const schema_step *step = &steps[version];

        for (i = 0; i < step->count; i++) {
            const schema_statement *statement = &step->statements[i];
            const char *sql = pgsql && statement->pgsql ? statement->pgsql : statement->sql;

            if (*sql == '\0') {
                continue;
            }
            error = run(pool, driver, handle, sql);
            if (error) {
                return error;
            }
        }
        /* A number from this table, not from any input. */
        error = run(pool, driver, handle,
                    apr_psprintf(pool, "UPDATE occi_schema SET version = %d", version + 1));
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Everything after the version table exists, in one transaction that
 * other processes migrating at the same time wait for. */
static const char *migrate_locked(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                                  apr_dbd_t *handle, int pgsql)
{
    const char *error;
    int found, version;

    if (pgsql) {
        error = run(pool, driver, handle, "BEGIN");
        if (!error) {
            error = run(pool, driver, handle, "LOCK TABLE occi_schema IN ACCESS EXCLUSIVE MODE");
        }
    }
    else {
        /* A plain BEGIN takes the write lock only at the first write, and
         * two processes that both read first deadlock on the upgrade. */
        error = run(pool, driver, handle, "BEGIN IMMEDIATE");
    }
    if (!error) {
        error = read_version(pool, driver, handle, &found, &version);
        if (error && !pgsql) {
            /* The sqlite3 driver prepares with the legacy interface, whose
             * statements fail once ("database schema has changed") when
             * another process has just created the tables; SQLite reloads
             * the schema for the next one. */
            error = read_version(pool, driver, handle, &found, &version);
        }
    }
    if (!error && !found) {
        error = run(pool, driver, handle, "INSERT INTO occi_schema (version) VALUES (0)");
    }
    if (!error && version > OCCI_SCHEMA_VERSION) {
        error = newer(pool, version);
    }
    if (!error) {
        error = upgrade(pool, driver, handle, pgsql, version);
    }
    if (!error) {
        error = run(pool, driver, handle, "COMMIT");
    }
    if (error) {
        int rows;

        apr_dbd_query(driver, handle, &rows, "ROLLBACK");
    }
    return error;
}

const char *occi_store_migrate(apr_pool_t *pool, const apr_dbd_driver_t *driver,
                               apr_dbd_t *handle)
{
    const char *name = apr_dbd_name(driver);
    const char *error;
    int pgsql, found, version;

    if (!strcmp(name, "pgsql")) {
        pgsql = 1;
    }
    else if (!strcmp(name, "sqlite3")) {
        pgsql = 0;
    }
    else {
        return apr_psprintf(pool, "schema: the store supports the sqlite3 and pgsql drivers, "
                            "not %s", name);
    }

    /* Children starting together all migrate on connections of their own:
     * let SQLite wait for the lock instead of failing with "database is
     * locked" (the operator's DBDInitSQL applies only to mod_dbd's
     * connections). */
    if (!pgsql && (error = sqlite_busy_timeout(pool, driver, handle))) {
        return error;
    }

    /* The usual case, a current schema, costs this one SELECT. */
    if (!read_version(pool, driver, handle, &found, &version) && found) {
        if (version == OCCI_SCHEMA_VERSION) {
            return NULL;
        }
        if (version > OCCI_SCHEMA_VERSION) {
            return newer(pool, version);
        }
    }

    /* The version table is created outside the transaction: PostgreSQL's
     * CREATE TABLE IF NOT EXISTS is not safe against a concurrent one (the
     * loser fails on a unique index of the catalog), and once it exists it
     * is the lock every migration takes. The retry is that loser's. */
    error = run(pool, driver, handle,
                "CREATE TABLE IF NOT EXISTS occi_schema (version INTEGER NOT NULL)");
    if (error) {
        error = run(pool, driver, handle,
                    "CREATE TABLE IF NOT EXISTS occi_schema (version INTEGER NOT NULL)");
    }
    if (error) {
        return error;
    }
    return migrate_locked(pool, driver, handle, pgsql);
}
