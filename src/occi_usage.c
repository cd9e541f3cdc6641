/* SPDX-License-Identifier: Apache-2.0 */
/* What computes use over time (occi_usage.h). */
#include "occi_usage.h"

long long occi_usage_slot(long long now, int interval)
{
    if (interval <= 0) {
        return now;
    }
    return now - now % interval;
}

/* Units of counter per second between two readings, or -1. */
static double rate(long long earlier, long long later, double seconds)
{
    if (earlier < 0 || later < 0 || later < earlier || seconds <= 0) {
        return -1;
    }
    return (double)(later - earlier) / seconds;
}

apr_array_header_t *occi_usage_points(apr_pool_t *pool, const apr_array_header_t *samples,
                                      int interval)
{
    apr_array_header_t *points = apr_array_make(pool, samples->nelts > 1 ? samples->nelts - 1
                                                                         : 1,
                                                sizeof(occi_usage_point));
    int i;

    for (i = 1; i < samples->nelts; i++) {
        const occi_usage_sample *a = &APR_ARRAY_IDX(samples, i - 1, occi_usage_sample);
        const occi_usage_sample *b = &APR_ARRAY_IDX(samples, i, occi_usage_sample);
        double seconds = (double)(b->taken_ms - a->taken_ms) / 1000.0;
        occi_usage_point *point;
        double cpu;

        if (seconds <= 0 || (interval > 0 && seconds > 2.0 * interval)) {
            continue;
        }
        point = apr_array_push(points);
        point->at = b->at;
        cpu = rate(a->cpu_ns, b->cpu_ns, seconds);
        point->cpu_percent = cpu < 0 || b->vcpus <= 0 ? -1 : cpu / 1e7 / b->vcpus;
        if (point->cpu_percent > 100) {
            /* The counter and the clock are read a moment apart. */
            point->cpu_percent = 100;
        }
        point->memory_mib = b->memory_kib < 0 ? -1 : b->memory_kib / 1024.0;
        point->disk_read_per_second = rate(a->disk_read_bytes, b->disk_read_bytes, seconds);
        point->disk_write_per_second = rate(a->disk_write_bytes, b->disk_write_bytes, seconds);
        point->net_rx_per_second = rate(a->net_rx_bytes, b->net_rx_bytes, seconds);
        point->net_tx_per_second = rate(a->net_tx_bytes, b->net_tx_bytes, seconds);
    }
    return points;
}
