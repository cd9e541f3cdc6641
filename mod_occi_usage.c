/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What computes use over time (docs/api.md, "Usage"; src/occi_usage.h).
 *
 * Every child runs a thread of mod_watchdog that, every OCCIUsageInterval
 * seconds, asks the store for the sampler's lease: the process that holds
 * it reads the counters of every running compute from libvirt's domain
 * statistics and records them; the others do nothing. A request never
 * asks libvirt: GET <mount>/-/usage/<uuid> reads the store and answers the
 * rates between readings.
 */
#include <string.h>

#include "mod_occi.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_main.h"
#include "mod_occi_background.h"
#include "mod_occi_config.h"
#include "mod_occi_intents.h"
#include "mod_occi_response.h"
#include "mod_occi_service.h"
#include "mod_occi_usage.h"
#include "occi_buf.h"
#include "occi_router.h"
#include "occi_usage_sampler.h"
#include "mod_watchdog.h"

static const char usage_prefix[] = "/-/usage/";

static int sampling_interval;        /* seconds, for the sampler's thread */
static int told_failure;             /* the sampler's thread's own */

int occi_usage_interval(server_rec *main_server)
{
    int interval = occi_server_config(main_server)->usage_interval;

    return interval < 0 ? 0 : interval ? interval : OCCI_USAGE_DEFAULT_INTERVAL;
}

static void take_in(apr_pool_t *pool, server_rec *s, occi_store *store, const char *error,
                    void *data)
{
    const char *message;
    int count;
    occi_usage_outcome outcome;

    (void)data;
    if (!store) {
        outcome = OCCI_USAGE_STORE_FAILED;
        message = error;
    }
    else {
        outcome = occi_usage_take(store, occi_server_config(s)->hypervisor, pool,
                                  occi_process_holder(pool, "usage"), sampling_interval,
                                  apr_time_as_msec(apr_time_now()), &count, &message);
    }
    if (outcome == OCCI_USAGE_STORE_FAILED || outcome == OCCI_USAGE_HYPERVISOR_FAILED) {
        /* Said once until a reading succeeds again: every interval would
         * fill the log while a host is down. */
        if (!told_failure) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(182)
                         "cannot read what computes use: the %s failed: %s; the charts show "
                         "a gap until it answers",
                         outcome == OCCI_USAGE_STORE_FAILED ? "entity store" : "hypervisor",
                         message ? message : "no reason given");
            told_failure = 1;
        }
        return;
    }
    told_failure = 0;
}

static apr_status_t sample_tick(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING && !occi_child_stopping()) {
        occi_for_each_hypervisor_store(pool, data, 1, take_in, NULL);
    }
    return APR_SUCCESS;
}

void occi_usage_configure(apr_pool_t *pconf, server_rec *main_server)
{
    apr_status_t rv;

    sampling_interval = occi_usage_interval(main_server);
    if (!sampling_interval || !occi_any_hypervisor(pconf, main_server)) {
        return;
    }
    rv = occi_watchdog_every(pconf, main_server, "_occi_usage", 0,
                             apr_time_from_sec(sampling_interval), sample_tick);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, rv, main_server, OCCI_LOGNO(183)
                     "no background thread reads what computes use (mod_watchdog %s): "
                     "usage charts stay empty",
                     rv == APR_ENOTIMPL ? "is not loaded" : "failed");
    }
}

int occi_usage_path(apr_pool_t *pool, const char *path, const char **id)
{
    const char *rest;

    if (strncmp(path, usage_prefix, sizeof(usage_prefix) - 1)) {
        return 0;
    }
    rest = path + sizeof(usage_prefix) - 1;
    *id = occi_uuid_is_valid(rest) ? apr_pstrdup(pool, rest) : NULL;
    return 1;
}

/* A rate or amount with two decimals, or null when the readings did not
 * give it. */
static void put_value(occi_buf *buf, const char *name, double value, int last)
{
    occi_buf_puts(buf, value < 0 ? apr_psprintf(buf->pool, "\"%s\":null", name)
                                 : apr_psprintf(buf->pool, "\"%s\":%.2f", name, value));
    occi_buf_putc(buf, last ? '}' : ',');
}

int occi_usage_answer(occi_request *req, const char *id)
{
    request_rec *r = req->r;
    apr_array_header_t *points;
    occi_result result;
    occi_buf buf;
    int status, interval, i;

    if (!id) {
        return occi_send_error(req, HTTP_NOT_FOUND, apr_psprintf(
                                   r->pool, "nothing in the OCCI namespace is at %s", r->uri));
    }
    if (r->method_number != M_GET) {
        r->allowed = AP_METHOD_BIT << M_GET;
        apr_table_setn(r->headers_out, "Allow", "GET");
        return occi_send_error(req, HTTP_METHOD_NOT_ALLOWED, apr_psprintf(
                                   r->pool, "%s is not allowed on %s; allowed: GET (what the "
                                   "compute used over the last hour)", r->method, r->uri));
    }
    interval = occi_usage_interval(ap_server_conf);
    if (!interval) {
        return occi_send_error(req, HTTP_CONFLICT, "computes' usage is not recorded on this "
                               "server (OCCIUsageInterval Off)");
    }
    if ((status = occi_store_acquire(req)) != OK) {
        return status;
    }
    result = occi_service_usage(occi_service_for(req), r->pool, id,
                                apr_time_sec(apr_time_now()), interval, &points);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    occi_buf_init(&buf, r->pool, 128 + 160 * (apr_size_t)points->nelts);
    occi_buf_puts(&buf, apr_psprintf(r->pool, "{\"id\":\"%s\",\"interval\":%d,\"points\":[",
                                     id, interval));
    for (i = 0; i < points->nelts; i++) {
        const occi_usage_point *point = &APR_ARRAY_IDX(points, i, occi_usage_point);

        occi_buf_puts(&buf, apr_psprintf(r->pool, "%s{\"at\":%" APR_INT64_T_FMT ",",
                                         i ? "," : "", (apr_int64_t)point->at));
        put_value(&buf, "cpu", point->cpu_percent, 0);
        put_value(&buf, "memory", point->memory_mib, 0);
        put_value(&buf, "disk_read", point->disk_read_per_second, 0);
        put_value(&buf, "disk_write", point->disk_write_per_second, 0);
        put_value(&buf, "net_rx", point->net_rx_per_second, 0);
        put_value(&buf, "net_tx", point->net_tx_per_second, 1);
    }
    occi_buf_puts(&buf, "]}");
    /* New readings come every interval: a cache asks again each time. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    return occi_send_body(req, HTTP_OK, OCCI_MEDIA_JSON, buf.data, buf.len);
}
