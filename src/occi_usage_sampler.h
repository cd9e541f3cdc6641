/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sampler of what computes use (occi_usage.h): a reading of every
 * running compute of a hypervisor, recorded in the store, by the one
 * process that holds the sampler's lease. Called by a background thread
 * of every process every interval; knows nothing of httpd.
 */
#ifndef OCCI_USAGE_SAMPLER_H
#define OCCI_USAGE_SAMPLER_H

#include "occi_hypervisor.h"
#include "occi_store.h"
#include "occi_usage.h"

typedef enum {
    OCCI_USAGE_TAKEN,              /* recorded, *count readings */
    OCCI_USAGE_NOT_OURS,           /* another process holds the lease */
    OCCI_USAGE_STORE_FAILED,       /* *message says why */
    OCCI_USAGE_HYPERVISOR_FAILED   /* *message says why; the lease is kept */
} occi_usage_outcome;

/* Takes or renews holder's lease (for three intervals, so that a process
 * that misses one reading keeps it, and one that died loses it soon), then
 * reads hv's running computes and records them at the slot of now_ms
 * (Unix milliseconds), forgetting what is older than an hour. */
occi_usage_outcome occi_usage_take(occi_store *store, occi_hypervisor *hv, apr_pool_t *pool,
                                   const char *holder, int interval, long long now_ms,
                                   int *count, const char **message);

#endif
