/* SPDX-License-Identifier: Apache-2.0 */
/* The sampler of what computes use (occi_usage_sampler.h). */
#include "occi_usage_sampler.h"

occi_usage_outcome occi_usage_take(occi_store *store, occi_hypervisor *hv, apr_pool_t *pool,
                                   const char *holder, int interval, long long now_ms,
                                   int *count, const char **message)
{
    long long now = now_ms / 1000;
    apr_array_header_t *usages, *samples;
    occi_store_status status;
    occi_hv_error error;
    int i;

    *count = 0;
    *message = NULL;
    status = occi_store_claim_usage_sampler(store, holder, now + 3LL * interval, now);
    if (status == OCCI_STORE_CONFLICT) {
        return OCCI_USAGE_NOT_OURS;
    }
    if (status != OCCI_STORE_OK) {
        *message = occi_store_error(store);
        return OCCI_USAGE_STORE_FAILED;
    }
    if (occi_hypervisor_usage(hv, pool, &usages, &error) != OCCI_HV_OK) {
        *message = error.message;
        return OCCI_USAGE_HYPERVISOR_FAILED;
    }
    samples = apr_array_make(pool, usages->nelts ? usages->nelts : 1, sizeof(occi_usage_sample));
    for (i = 0; i < usages->nelts; i++) {
        const occi_hv_usage *usage = &APR_ARRAY_IDX(usages, i, occi_hv_usage);
        occi_usage_sample *sample = apr_array_push(samples);

        sample->entity_id = usage->id;
        sample->at = occi_usage_slot(now, interval);
        sample->taken_ms = now_ms;
        sample->cpu_ns = usage->cpu_ns;
        sample->vcpus = usage->vcpus;
        sample->memory_kib = usage->memory_kib;
        sample->disk_read_bytes = usage->disk_read_bytes;
        sample->disk_write_bytes = usage->disk_write_bytes;
        sample->net_rx_bytes = usage->net_rx_bytes;
        sample->net_tx_bytes = usage->net_tx_bytes;
    }
    if (occi_store_record_usage(store, samples, now - OCCI_USAGE_KEPT_SECONDS - 2LL * interval)
        != OCCI_STORE_OK) {
        *message = occi_store_error(store);
        return OCCI_USAGE_STORE_FAILED;
    }
    *count = samples->nelts;
    return OCCI_USAGE_TAKEN;
}
