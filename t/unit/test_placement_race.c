/* SPDX-License-Identifier: Apache-2.0 */
/* The placement lock under real concurrency: several processes, each with
 * a connection and a store of its own (as separate API nodes), create
 * computes on two hosts at once until no host has room, and the store must
 * then hold exactly what fits, no host overfilled. Rounds repeat with the
 * tables emptied in between, so that the interleavings vary
 * (OCCI_RACE_ROUNDS, default 20). On SQLite in a temporary directory, then
 * on PostgreSQL when OCCI_TEST_PGSQL holds connection parameters (the
 * store's tables in that database are dropped first).
 *
 * Without occi_store_lock_placement, PostgreSQL overfills a host in
 * almost every round. SQLite does not: its transactions begin IMMEDIATE
 * (apr_dbd's driver), so the database's single writer already serialises
 * placements there, and the rounds on SQLite check the rest. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <apr_dbd.h>
#include <apr_hash.h>
#include <apr_time.h>

#include "tap.h"
#include "databases.h"
#include "fixtures.h"
#include "occi_hosts.h"
#include "occi_service.h"
#include "occi_store.h"
#include "occi_unmanaged.h"

#define COMPUTE OCCI_SCHEME_INFRA "compute"

#define WORKERS 6
#define HOSTS 2
#define HOST_CORES 4
#define HOST_MEMORY_MIB 4096LL
#define FAKE_HOST_CORES HOST_CORES
#define FAKE_HOST_MEMORY_MIB HOST_MEMORY_MIB
#define COMPUTE_MEMORY_MIB 512LL
#define FITTING ((int)(HOSTS * HOST_MEMORY_MIB / COMPUTE_MEMORY_MIB))
#define REFUSALS_TO_STOP 3             /* a worker stops after so many in a row */
#define MOST_ATTEMPTS 200              /* ... or after so many creates in all */
#define DEFAULT_ROUNDS 20
#define DIAGNOSTICS 5                  /* failures told per check */
#define WORKER_SECONDS 60              /* a worker stuck longer is killed */

static const char *const host_names[HOSTS] = { "race-a", "race-b" };

#include "fake_hosts.h"

/* ---- A worker: one process, one connection, creates until refused ----- */

/* What a worker tells the parent through its pipe (smaller than PIPE_BUF:
 * written at once). */
typedef struct {
    int complete;                  /* 1: the worker ran to the end */
    int made[HOSTS];               /* computes created, by the host they went on */
    int objects[HOSTS];            /* objects left on each host's hypervisor */
    int refused;                   /* CONFLICT for want of room (OCCI147) */
    int failed;                    /* any other answer */
    char failure[200];             /* the first other answer, or why it did not start */
} worker_report;

static void report_and_exit(int fd, const worker_report *report)
{
    ssize_t written = write(fd, report, sizeof(*report));

    _exit(written == (ssize_t)sizeof(*report) ? 0 : 3);
}


static int host_index(const char *name)
{
    int i;

    for (i = 0; name && i < HOSTS; i++) {
        if (!strcmp(name, host_names[i])) {
            return i;
        }
    }
    return -1;
}

/* In the child: connects, waits for the start (the parent closes the
 * pipe start_fd reads), creates computes, writes its report to report_fd
 * and exits. Never returns. */
static void work(database *db, int round, int worker, int start_fd, int report_fd)
{
    apr_pool_t *pool;
    apr_dbd_t *handle;
    apr_hash_t *prepared;
    apr_array_header_t *hosts;
    occi_service service;
    worker_report report;
    fake_hv fakes[HOSTS];
    const char *error = NULL;
    int i, attempts, refused_in_a_row = 0;
    char start;

    /* A worker stuck (a lock never let go) dies, and its report is missing. */
    alarm(WORKER_SECONDS);
    memset(&report, 0, sizeof(report));
    memset(fakes, 0, sizeof(fakes));
    apr_pool_create(&pool, NULL);
    handle = connect_to(db, pool, &error);
    prepared = handle ? prepare_statements(pool, db->driver, handle, &error) : NULL;
    /* Waits even when it could not start: the others start together. */
    while (read(start_fd, &start, 1) < 0 && errno == EINTR) {
    }
    if (!prepared) {
        apr_cpystrn(report.failure, error ? error : "cannot connect", sizeof(report.failure));
        report_and_exit(report_fd, &report);
    }

    hosts = apr_array_make(pool, HOSTS, sizeof(occi_host));
    for (i = 0; i < HOSTS; i++) {
        occi_host *host = apr_array_push(hosts);

        memset(host, 0, sizeof(*host));
        host->name = host_names[i];
        host->hypervisor = occi_hypervisor_make(pool, &fake_provider, &fakes[i]);
    }
    memset(&service, 0, sizeof(service));
    service.store = occi_store_open(pool, db->driver, handle, prepared);
    service.hypervisor = occi_hosts_create(pool, hosts, NULL);
    service.model = test_model(pool);
    service.owner = service.scope = "alice";
    service.hypervisor_uri = "fake:///";
    service.holder = apr_psprintf(pool, "race-node-%d %ld", worker, (long)getpid());
    service.max_links = 4;

    for (attempts = 0; refused_in_a_row < REFUSALS_TO_STOP && attempts < MOST_ATTEMPTS;
         attempts++) {
        apr_pool_t *scratch;
        apr_array_header_t *one;
        occi_entity *vm;
        occi_result r;

        apr_pool_create(&scratch, pool);
        one = apr_array_make(scratch, 1, sizeof(occi_entity *));
        vm = fake_compute(scratch, apr_psprintf(scratch, "7c%06x-%04x-4000-8000-%012x", round,
                                                worker, attempts), COMPUTE_MEMORY_MIB);
        APR_ARRAY_PUSH(one, occi_entity *) = vm;
        r = occi_service_create(&service, scratch, one);
        if (r.cls == OCCI_RESULT_OK && host_index(vm->host) >= 0) {
            report.made[host_index(vm->host)]++;
            refused_in_a_row = 0;
        }
        else if (r.cls == OCCI_RESULT_CONFLICT && r.number == 147) {
            report.refused++;
            refused_in_a_row++;
        }
        else {
            if (!report.failed++) {
                apr_cpystrn(report.failure,
                            apr_psprintf(scratch, "class %d, OCCI%d: %s%s%s (host %s)",
                                         (int)r.cls, r.number,
                                         r.message ? r.message : "(no message)",
                                         r.cls == OCCI_RESULT_STORE_FAILED ? ": " : "",
                                         r.cls == OCCI_RESULT_STORE_FAILED
                                             ? occi_store_error(service.store) : "",
                                         vm->host ? vm->host : "none"),
                            sizeof(report.failure));
            }
            refused_in_a_row = 0;
        }
        apr_pool_destroy(scratch);
    }
    for (i = 0; i < HOSTS; i++) {
        report.objects[i] = fakes[i].creates - fakes[i].deletes;
    }
    report.complete = 1;
    report_and_exit(report_fd, &report);
}

/* ---- The parent: rounds and what a user would care about --------------- */

/* The rows of a query the test makes itself, each a const char ** of
 * columns (NULL for NULL), read to the end. NULL on an error. */
static apr_array_header_t *select_rows(database *db, const char *sql)
{
    apr_dbd_results_t *results = NULL;
    apr_dbd_row_t *row = NULL;
    apr_array_header_t *rows = apr_array_make(db->pool, 16, sizeof(const char **));
    int columns, i;

    if (apr_dbd_select(db->driver, db->pool, db->handle, &results, sql, 1) != 0) {
        printf("# %s: %s\n", sql, apr_dbd_error(db->driver, db->handle, 1));
        return NULL;
    }
    columns = apr_dbd_num_cols(db->driver, results);
    while (apr_dbd_get_row(db->driver, db->pool, results, &row, -1) == 0) {
        const char **values = apr_pcalloc(db->pool, sizeof(const char *) * (columns + 1));

        for (i = 0; i < columns; i++) {
            const char *entry = apr_dbd_get_entry(db->driver, row, i);

            values[i] = entry ? apr_pstrdup(db->pool, entry) : NULL;
        }
        APR_ARRAY_PUSH(rows, const char **) = values;
    }
    return rows;
}

static int empty_tables(database *db)
{
    static const char *const tables[] = {
        "occi_attribute", "occi_membership", "occi_allocation", "occi_intent", "occi_entity",
    };
    size_t i;
    int rows, failed = 0;

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (apr_dbd_query(db->driver, db->handle, &rows,
                          apr_pstrcat(db->pool, "DELETE FROM ", tables[i], NULL)) != 0) {
            printf("# emptying %s: %s\n", tables[i], apr_dbd_error(db->driver, db->handle, 1));
            failed = 1;
        }
    }
    return !failed;
}

static long long memory_mib_of(const occi_entity *entity)
{
    const occi_value *value = occi_entity_get(entity, "occi.compute.memory");

    if (value && value->type == OCCI_TYPE_INTEGER) {
        return value->integer * 1024;
    }
    if (value && value->type == OCCI_TYPE_FLOAT) {
        return (long long)(value->number * 1024 + 0.5);
    }
    return -1;
}

/* The checks, each made in every round; a failure is told (the first
 * DIAGNOSTICS of each check's) and its round counted. */
enum {
    WORKERS_RAN,                   /* every worker connected, ran and reported */
    NO_FAILURES,                   /* nothing but OK and the refusals for want of room */
    NOT_OVERFILLED,                /* no host holds more memory than it has */
    FULL,                          /* exactly FITTING computes, the hosts full */
    MADE_ARE_ROWS,                 /* the workers' counts are the rows, host by host */
    OBJECTS_ARE_ROWS,              /* the hypervisors hold what the store holds */
    ALLOCATED,                     /* each compute has its allocation, and vice versa */
    NO_INTENTS,                    /* no change is left unfinished */
    CHECKS
};

static const char *const check_names[CHECKS] = {
    "every worker connected, ran to the end and reported",
    "the workers met nothing but successes and refusals for want of room",
    "no host holds computes of more memory than it has (4096 MiB)",
    "the hosts are full: exactly 16 computes of 512 MiB, no more",
    "the computes the workers made are the store's rows, host by host",
    "each host's hypervisor holds the computes the store places there",
    "every compute has its allocation, on its host and of its size, and no allocation is "
    "left over",
    "no intent is left behind",
};

typedef struct {
    int failed[CHECKS];            /* rounds in which each check failed */
    int last_failed[CHECKS];       /* the last of them, plus 1 (0: none yet) */
    int told[CHECKS];              /* diagnostics printed */
    int raced;                     /* rounds in which several workers placed computes */
    int most_on_a_host;            /* the most computes seen on one host */
    int most_in_all;
} tally;

static void round_failed(database *db, tally *t, int check, int round, const char *why)
{
    if (t->last_failed[check] != round + 1) {
        t->last_failed[check] = round + 1;
        t->failed[check]++;
    }
    if (t->told[check]++ < DIAGNOSTICS) {
        printf("# %s, round %d: %s: %s\n", db->name, round + 1, check_names[check], why);
    }
}

/* Runs workers at once on db's emptied tables; fills reports (workers'
 * order) and returns how many could be started. */
static int run_workers(database *db, int round, worker_report *reports)
{
    pid_t children[WORKERS];
    int pipes[WORKERS][2], start[2];
    int i, started = 0;

    memset(reports, 0, sizeof(*reports) * WORKERS);
    if (pipe(start) != 0) {
        return 0;
    }
    for (i = 0; i < WORKERS; i++) {
        children[i] = -1;
        if (pipe(pipes[i]) != 0) {
            continue;
        }
        fflush(stdout);
        children[i] = fork();
        if (children[i] == 0) {
            close(start[1]);
            close(pipes[i][0]);
            work(db, round, i, start[0], pipes[i][1]);
        }
        close(pipes[i][1]);
        if (children[i] < 0) {
            close(pipes[i][0]);
        }
        else {
            started++;
        }
    }
    /* All go at once. */
    close(start[0]);
    close(start[1]);
    for (i = 0; i < WORKERS; i++) {
        ssize_t got;
        int status = 0;

        if (children[i] < 0) {
            continue;
        }
        do {
            got = read(pipes[i][0], &reports[i], sizeof(reports[i]));
        } while (got < 0 && errno == EINTR);
        if (got != (ssize_t)sizeof(reports[i])) {
            memset(&reports[i], 0, sizeof(reports[i]));
            apr_cpystrn(reports[i].failure, "no report", sizeof(reports[i].failure));
        }
        close(pipes[i][0]);
        while (waitpid(children[i], &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            reports[i].complete = 0;
        }
    }
    return started;
}

static void check_round(database *db, tally *t, int round, const worker_report *reports)
{
    apr_pool_t *pool = db->pool;
    occi_store_query query;
    apr_array_header_t *computes = NULL, *allocations, *intents;
    apr_hash_t *allocated = apr_hash_make(pool);
    int rows[HOSTS] = { 0 }, made[HOSTS] = { 0 }, objects[HOSTS] = { 0 };
    long long memory[HOSTS] = { 0 };
    int i, j, placing = 0, elsewhere = 0, failures = 0, total = 0;
    const char *why = NULL, *first_failure = NULL;

    for (i = 0; i < WORKERS; i++) {
        if (!reports[i].complete && !why) {
            why = apr_psprintf(pool, "worker %d: %s", i, reports[i].failure);
        }
        if (reports[i].failed) {
            failures += reports[i].failed;
            if (!first_failure) {
                first_failure = apr_psprintf(pool, "worker %d: %s", i, reports[i].failure);
            }
        }
        for (j = 0; j < HOSTS; j++) {
            made[j] += reports[i].made[j];
            objects[j] += reports[i].objects[j];
        }
        placing += reports[i].made[0] + reports[i].made[1] > 0;
    }
    if (why) {
        round_failed(db, t, WORKERS_RAN, round, why);
    }
    if (failures) {
        round_failed(db, t, NO_FAILURES, round,
                     apr_psprintf(pool, "%d other answers, the first of %s", failures,
                                  first_failure));
    }
    t->raced += placing > 1;

    /* The compute rows, read back as entities with their hosts. */
    memset(&query, 0, sizeof(query));
    query.kind = COMPUTE;
    if (occi_store_list(db->store, pool, &query, &computes) != OCCI_STORE_OK) {
        round_failed(db, t, FULL, round,
                     apr_pstrcat(pool, "the computes cannot be read: ",
                                 occi_store_error(db->store), NULL));
        return;
    }
    allocations = select_rows(db, "SELECT entity_id, host, cores, memory_mib "
                                  "FROM occi_allocation");
    for (i = 0; allocations && i < allocations->nelts; i++) {
        const char **row = APR_ARRAY_IDX(allocations, i, const char **);

        apr_hash_set(allocated, row[0], APR_HASH_KEY_STRING, row);
    }
    why = allocations ? NULL : "the allocations cannot be read";
    for (i = 0; i < computes->nelts; i++) {
        const occi_entity *vm = APR_ARRAY_IDX(computes, i, occi_entity *);
        const char **allocation = apr_hash_get(allocated, vm->id, APR_HASH_KEY_STRING);
        int h = host_index(vm->host);

        if (h < 0) {
            elsewhere++;
        }
        else {
            rows[h]++;
            memory[h] += memory_mib_of(vm);
        }
        total++;
        if (!why && !allocation) {
            why = apr_pstrcat(pool, vm->id, " has none", NULL);
        }
        else if (!why && (!allocation[1] || !vm->host || strcmp(allocation[1], vm->host)
                          || !allocation[2] || strcmp(allocation[2], "1")
                          || !allocation[3]
                          || apr_atoi64(allocation[3]) != COMPUTE_MEMORY_MIB)) {
            why = apr_psprintf(pool, "%s, on %s, has %s core(s) and %s MiB on %s", vm->id,
                               vm->host ? vm->host : "no host",
                               allocation[2] ? allocation[2] : "NULL",
                               allocation[3] ? allocation[3] : "NULL",
                               allocation[1] ? allocation[1] : "NULL");
        }
        if (allocation) {
            apr_hash_set(allocated, vm->id, APR_HASH_KEY_STRING, NULL);
        }
    }
    if (!why && apr_hash_count(allocated)) {
        why = apr_psprintf(pool, "%u allocation(s) without a compute",
                           apr_hash_count(allocated));
    }
    if (why) {
        round_failed(db, t, ALLOCATED, round, why);
    }

    for (i = 0; i < HOSTS; i++) {
        if (memory[i] > HOST_MEMORY_MIB) {
            round_failed(db, t, NOT_OVERFILLED, round,
                         apr_psprintf(pool, "%s holds %d computes, %" APR_INT64_T_FMT " MiB",
                                      host_names[i], rows[i], (apr_int64_t)memory[i]));
        }
        if (rows[i] > t->most_on_a_host) {
            t->most_on_a_host = rows[i];
        }
    }
    if (total > t->most_in_all) {
        t->most_in_all = total;
    }
    if (total != FITTING || elsewhere || memory[0] + memory[1] != HOSTS * HOST_MEMORY_MIB) {
        round_failed(db, t, FULL, round,
                     apr_psprintf(pool, "%d computes (%d on no known host), %d on %s with %"
                                  APR_INT64_T_FMT " MiB, %d on %s with %" APR_INT64_T_FMT
                                  " MiB", total, elsewhere, rows[0], host_names[0],
                                  (apr_int64_t)memory[0], rows[1], host_names[1],
                                  (apr_int64_t)memory[1]));
    }
    if (made[0] != rows[0] || made[1] != rows[1]) {
        round_failed(db, t, MADE_ARE_ROWS, round,
                     apr_psprintf(pool, "made %d and %d, rows %d and %d", made[0], made[1],
                                  rows[0], rows[1]));
    }
    if (objects[0] != rows[0] || objects[1] != rows[1]) {
        round_failed(db, t, OBJECTS_ARE_ROWS, round,
                     apr_psprintf(pool, "objects %d and %d, rows %d and %d", objects[0],
                                  objects[1], rows[0], rows[1]));
    }
    intents = select_rows(db, "SELECT COUNT(*) FROM occi_intent");
    if (!intents || intents->nelts != 1 || !APR_ARRAY_IDX(intents, 0, const char **)[0]
        || strcmp(APR_ARRAY_IDX(intents, 0, const char **)[0], "0")) {
        round_failed(db, t, NO_INTENTS, round,
                     intents && intents->nelts == 1
                         ? apr_pstrcat(pool, APR_ARRAY_IDX(intents, 0, const char **)[0],
                                       " left", NULL)
                         : "they cannot be counted");
    }
}

static int rounds_wanted(void)
{
    const char *setting = getenv("OCCI_RACE_ROUNDS");
    int rounds = setting && *setting ? atoi(setting) : DEFAULT_ROUNDS;

    return rounds > 0 ? rounds : DEFAULT_ROUNDS;
}

static void run(database *db)
{
    worker_report reports[WORKERS];
    tally t;
    int rounds = rounds_wanted(), round, i, emptied = 1, started = 1;
    apr_time_t began = apr_time_now();

    memset(&t, 0, sizeof(t));
    db->store = occi_store_open(db->pool, db->driver, db->handle, db->prepared);
    for (round = 0; round < rounds; round++) {
        if (!empty_tables(db)) {
            emptied = 0;
            break;
        }
        if (run_workers(db, round, reports) != WORKERS) {
            started = 0;
            break;
        }
        check_round(db, &t, round, reports);
    }
    tap_ok(emptied, name_of(db, "the tables are emptied before each round"));
    tap_ok(started, name_of(db, apr_psprintf(db->pool, "%d workers start in each round",
                                             WORKERS)));
    for (i = 0; i < CHECKS; i++) {
        if (!tap_ok(t.failed[i] == 0 && round == rounds,
                    name_of(db, apr_psprintf(db->pool, "%s, in each of %d rounds",
                                             check_names[i], rounds)))) {
            printf("#   failed in %d of %d rounds run\n", t.failed[i], round);
        }
    }
    /* Without overlapping workers the rounds prove nothing. */
    tap_ok(t.raced > 0, name_of(db, apr_psprintf(db->pool, "the workers raced: in %d of %d "
                                                           "rounds several placed computes",
                                                 t.raced, round)));
    printf("# %s: %d rounds in %.1f s; at most %d computes on a host, %d in all\n", db->name,
           round, (double)(apr_time_now() - began) / APR_USEC_PER_SEC, t.most_on_a_host,
           t.most_in_all);
    empty_tables(db);
}

/* A fresh schema and a connection with every statement prepared. */

int main(void)
{
    apr_pool_t *pool = tap_start();

    apr_dbd_init(pool);
    run_on_databases(pool, "occi-race", open_schema, run);
    return tap_done(pool);
}
