/* SPDX-License-Identifier: Apache-2.0 */
/* What computes use over time: the rates between readings (gaps where the
 * compute stopped or nobody read, no spike where it started again), and
 * the sampler over the real store (SQLite, then PostgreSQL with
 * OCCI_TEST_PGSQL): one process at a time holds its lease, another takes
 * over once it runs out, a reading of a slot is recorded once, and an hour
 * is kept. */
#include "databases.h"
#include "occi_usage.h"
#include "occi_usage_sampler.h"

#define A "a0000000-0000-4000-8000-000000000001"
#define B "b0000000-0000-4000-8000-000000000002"

static occi_usage_sample reading(long long at, long long cpu_ns, long long disk_read)
{
    occi_usage_sample s;

    memset(&s, 0, sizeof(s));
    s.entity_id = A;
    s.at = at;
    s.taken_ms = at * 1000;
    s.cpu_ns = cpu_ns;
    s.vcpus = 2;
    s.memory_kib = 512 * 1024;
    s.disk_read_bytes = disk_read;
    s.disk_write_bytes = -1;
    s.net_rx_bytes = 1000;
    s.net_tx_bytes = 0;
    return s;
}

static void test_points(apr_pool_t *pool)
{
    apr_array_header_t *samples = apr_array_make(pool, 8, sizeof(occi_usage_sample));
    apr_array_header_t *points;
    const occi_usage_point *p;

    /* Every 10 s: half of two vCPUs, 4 KiB/s read. */
    APR_ARRAY_PUSH(samples, occi_usage_sample) = reading(1000, 0, 0);
    APR_ARRAY_PUSH(samples, occi_usage_sample) = reading(1010, 10000000000LL, 40960);
    /* Missed 1020: 20 s apart is still a point. */
    APR_ARRAY_PUSH(samples, occi_usage_sample) = reading(1030, 30000000000LL, 81920);
    /* Stopped from 1030 to 1100: no point across the gap. */
    APR_ARRAY_PUSH(samples, occi_usage_sample) = reading(1100, 1000000000LL, 0);
    /* Started again meanwhile: its counters went down. */
    APR_ARRAY_PUSH(samples, occi_usage_sample) = reading(1110, 500000000LL, 4096);
    /* More than all its vCPUs can (the clock and counter a moment apart). */
    APR_ARRAY_PUSH(samples, occi_usage_sample) = reading(1120, 30000000000LL, 8192);
    points = occi_usage_points(pool, samples, 10);
    tap_is_int(points->nelts, 4, "points: one per pair of readings at most 2 intervals apart");
    p = &APR_ARRAY_IDX(points, 0, occi_usage_point);
    tap_ok(p->at == 1010 && p->cpu_percent > 49.99 && p->cpu_percent < 50.01,
           "points: CPU is the share of all vCPUs over the interval");
    tap_ok(p->memory_mib > 511.99 && p->memory_mib < 512.01, "points: memory in MiB");
    tap_ok(p->disk_read_per_second > 4095.9 && p->disk_read_per_second < 4096.1,
           "points: bytes read per second");
    tap_ok(p->disk_write_per_second < 0, "points: what the host did not say is unknown");
    tap_ok(p->net_rx_per_second == 0 && p->net_tx_per_second == 0,
           "points: counters that did not move are 0");
    p = &APR_ARRAY_IDX(points, 1, occi_usage_point);
    tap_ok(p->at == 1030 && p->cpu_percent > 49.99 && p->cpu_percent < 50.01,
           "points: a missed reading averages over both intervals");
    p = &APR_ARRAY_IDX(points, 2, occi_usage_point);
    tap_ok(p->at == 1110 && p->cpu_percent < 0 && p->disk_read_per_second > 409.5
           && p->disk_read_per_second < 409.7,
           "points: after the gap, a counter that went down is unknown, the others count");
    p = &APR_ARRAY_IDX(points, 3, occi_usage_point);
    tap_ok(p->cpu_percent == 100, "points: CPU never shows over 100 %");
    tap_is_int(occi_usage_slot(1234567, 10), 1234560, "slot: rounded down to the interval");
    points = occi_usage_points(pool, apr_array_make(pool, 1, sizeof(occi_usage_sample)), 10);
    tap_is_int(points->nelts, 0, "points: none without readings");
}

/* A hypervisor that says what its computes used: counters that grow by a
 * second of CPU per reading. */
typedef struct {
    int readings;
    int fail;
} fake_hv;

static occi_hv_status fake_usage(void *impl, apr_pool_t *pool, apr_array_header_t **usages,
                                 occi_hv_error *error)
{
    fake_hv *fake = impl;
    occi_hv_usage *usage;

    if (fake->fail) {
        error->status = OCCI_HV_UNAVAILABLE;
        error->message = "the fake host is away";
        return error->status;
    }
    fake->readings++;
    *usages = apr_array_make(pool, 2, sizeof(occi_hv_usage));
    usage = apr_array_push(*usages);
    memset(usage, 0, sizeof(*usage));
    usage->id = A;
    usage->cpu_ns = fake->readings * 1000000000LL;
    usage->vcpus = 1;
    usage->memory_kib = 2048;
    usage->disk_read_bytes = usage->disk_write_bytes = -1;
    usage->net_rx_bytes = usage->net_tx_bytes = 0;
    usage = apr_array_push(*usages);
    *usage = APR_ARRAY_IDX(*usages, 0, occi_hv_usage);
    usage->id = B;
    return OCCI_HV_OK;
}

static const occi_hypervisor_provider fake_provider = {
    "fake", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    fake_usage,
};

static int open_store(database *db)
{
    if (!open_schema(db)) {
        return 0;
    }
    db->store = occi_store_open(db->pool, db->driver, db->handle, db->prepared);
    return tap_ok(db->store != NULL, name_of(db, "the store opens"));
}

static void test_sampler(database *db)
{
    apr_pool_t *pool = db->pool;
    fake_hv fake = { 0, 0 };
    occi_hypervisor *hv = occi_hypervisor_make(pool, &fake_provider, &fake);
    apr_array_header_t *samples;
    const char *message;
    long long t0 = 1700000000LL;         /* a multiple of 10 */
    int count, i;

    tap_is_int(occi_usage_take(db->store, hv, pool, "node-a 1 usage", 10, t0 * 1000 + 300,
                               &count, &message), OCCI_USAGE_TAKEN,
               name_of(db, "sampler: the first process takes the lease and reads"));
    tap_is_int(count, 2, name_of(db, "sampler: both running computes are read"));
    tap_is_int(occi_usage_take(db->store, hv, pool, "node-b 7 usage", 10, t0 * 1000 + 900,
                               &count, &message), OCCI_USAGE_NOT_OURS,
               name_of(db, "sampler: another process, on another node, reads nothing"));
    tap_is_int(fake.readings, 1, name_of(db, "sampler: and does not ask the hypervisor"));
    /* The holder reads again in the same slot: recorded once. */
    occi_usage_take(db->store, hv, pool, "node-a 1 usage", 10, t0 * 1000 + 5000, &count,
                    &message);
    occi_store_list_usage(db->store, pool, A, 0, &samples);
    tap_ok(samples->nelts == 1 && APR_ARRAY_IDX(samples, 0, occi_usage_sample).at == t0
           && APR_ARRAY_IDX(samples, 0, occi_usage_sample).taken_ms == t0 * 1000 + 300
           && APR_ARRAY_IDX(samples, 0, occi_usage_sample).cpu_ns == 1000000000LL,
           name_of(db, "sampler: a slot read twice keeps its first reading"));
    /* Readings every 10 s until the lease's holder dies. */
    for (i = 1; i <= 3; i++) {
        occi_usage_take(db->store, hv, pool, "node-a 1 usage", 10, (t0 + 10 * i) * 1000 + 300,
                        &count, &message);
    }
    occi_store_list_usage(db->store, pool, B, 0, &samples);
    tap_is_int(samples->nelts, 4, name_of(db, "sampler: a reading per interval"));
    tap_is_int(occi_usage_points(pool, samples, 10)->nelts, 3,
               name_of(db, "sampler: and a point between each two"));
    /* node-a dies after t0 + 30: its lease runs to t0 + 60. */
    tap_is_int(occi_usage_take(db->store, hv, pool, "node-b 7 usage", 10, (t0 + 50) * 1000,
                               &count, &message), OCCI_USAGE_NOT_OURS,
               name_of(db, "sampler: while the lease runs, nobody else reads"));
    tap_is_int(occi_usage_take(db->store, hv, pool, "node-b 7 usage", 10, (t0 + 61) * 1000,
                               &count, &message), OCCI_USAGE_TAKEN,
               name_of(db, "sampler: once it has run out, another node takes over"));
    /* The host goes away: nothing is recorded, the lease is kept. */
    fake.fail = 1;
    tap_is_int(occi_usage_take(db->store, hv, pool, "node-b 7 usage", 10, (t0 + 70) * 1000,
                               &count, &message), OCCI_USAGE_HYPERVISOR_FAILED,
               name_of(db, "sampler: a host that does not answer is told"));
    tap_like(message ? message : "", "the fake host is away",
             name_of(db, "sampler: with the host's words"));
    fake.fail = 0;
    /* An hour and more later: the old readings are forgotten. */
    occi_usage_take(db->store, hv, pool, "node-b 7 usage", 10,
                    (t0 + OCCI_USAGE_KEPT_SECONDS + 100) * 1000, &count, &message);
    occi_store_list_usage(db->store, pool, A, 0, &samples);
    tap_ok(samples->nelts == 1
           && APR_ARRAY_IDX(samples, 0, occi_usage_sample).at == t0 + OCCI_USAGE_KEPT_SECONDS + 100,
           name_of(db, "sampler: what is older than an hour is forgotten"));
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_points(pool);
    apr_dbd_init(pool);
    run_on_databases(pool, "occi-usage", open_store, test_sampler);
    return tap_done(pool);
}
