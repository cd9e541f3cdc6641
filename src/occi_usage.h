/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What computes use over time: the readings a sampler takes of every
 * running compute's counters (its host's statistics, occi_hv_usage), kept
 * by the store for an hour, and the rates between two readings that the
 * API shows (GET <mount>/-/usage/<id>, docs/api.md "Usage").
 *
 * One process at a time takes the readings of a store's computes: it holds
 * the sampler's lease in the store (occi_store_claim_usage_sampler), renewed
 * with each reading; once a process or its node dies, its lease runs out
 * and another takes over. A reading's time is rounded down to the interval,
 * so two processes that read in the same interval record it once.
 */
#ifndef OCCI_USAGE_H
#define OCCI_USAGE_H

#include <apr_pools.h>
#include <apr_tables.h>

/* How long readings are kept, and the most one answer shows. */
#define OCCI_USAGE_KEPT_SECONDS 3600

/* A reading of a compute's counters at a moment; -1 where its host did
 * not say (vcpus: 0). The counters run from the compute's start. */
typedef struct occi_usage_sample {
    const char *entity_id;
    long long at;                  /* Unix seconds, a multiple of the interval */
    long long taken_ms;            /* when it was read, Unix milliseconds */
    long long cpu_ns;
    int vcpus;
    long long memory_kib;
    long long disk_read_bytes, disk_write_bytes;
    long long net_rx_bytes, net_tx_bytes;
} occi_usage_sample;

/* What a compute used over the interval that ends at at: rates between two
 * readings. A value the readings cannot give is negative (unknown). */
typedef struct occi_usage_point {
    long long at;
    double cpu_percent;            /* of all its vCPUs, 0 to 100 */
    double memory_mib;             /* at the later reading */
    double disk_read_per_second, disk_write_per_second;     /* bytes */
    double net_rx_per_second, net_tx_per_second;           /* bytes */
} occi_usage_point;

/* The moment of a reading taken at now (Unix seconds): now rounded down
 * to a multiple of interval. */
long long occi_usage_slot(long long now, int interval);

/* The points between consecutive readings of samples (one compute's, in
 * order of time), from pool; rates are over the time between the
 * readings (taken_ms). Two readings further apart than 2 * interval (the
 * compute stopped, or nobody read) make no point, and a
 * counter that went down (the compute started again) makes that rate
 * unknown: the chart shows a gap, not a spike. */
apr_array_header_t *occi_usage_points(apr_pool_t *pool, const apr_array_header_t *samples,
                                      int interval);

#endif
