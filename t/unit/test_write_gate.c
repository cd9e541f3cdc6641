/* SPDX-License-Identifier: Apache-2.0 */
/* The write gate: one holder at a time, a bounded wait, and a turn that
 * another thread may end. */
#include <apr_atomic.h>
#include <apr_thread_proc.h>

#include "tap.h"
#include "occi_write_gate.h"

typedef struct {
    occi_write_gate *gate;
    volatile apr_uint32_t entered;
    apr_status_t status;
} waiter;

static void *APR_THREAD_FUNC enter_and_stay(apr_thread_t *thread, void *data)
{
    waiter *w = data;

    w->status = occi_write_gate_enter(w->gate, apr_time_now() + apr_time_from_sec(30));
    apr_atomic_set32(&w->entered, 1);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void *APR_THREAD_FUNC leave(apr_thread_t *thread, void *data)
{
    occi_write_gate_leave(data);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    occi_write_gate *gate = occi_write_gate_create(pool);
    apr_thread_t *thread, *leaver;
    apr_status_t rv;
    waiter w = { gate, 0, APR_EGENERAL };
    int i;

    tap_ok(gate != NULL, "a gate is made");
    tap_is_int(occi_write_gate_enter(gate, apr_time_now() + apr_time_from_sec(1)), APR_SUCCESS,
               "an open gate lets the first writer in");
    tap_is_int(occi_write_gate_enter(gate, apr_time_now()), APR_TIMEUP,
               "a second writer whose deadline has come is refused");
    tap_is_int(occi_write_gate_enter(gate, apr_time_now() + apr_time_from_msec(20)), APR_TIMEUP,
               "a second writer waits until its deadline, then is refused");

    apr_thread_create(&thread, NULL, enter_and_stay, &w, pool);
    /* The waiter cannot get in while the first writer holds the gate. */
    for (i = 0; i < 20 && !apr_atomic_read32(&w.entered); i++) {
        apr_sleep(apr_time_from_msec(5));
    }
    tap_ok(!apr_atomic_read32(&w.entered), "a waiting writer stays out while the gate is held");

    /* Left by another thread than the one that entered. */
    apr_thread_create(&leaver, NULL, leave, gate, pool);
    apr_thread_join(&rv, leaver);
    apr_thread_join(&rv, thread);
    tap_ok(apr_atomic_read32(&w.entered), "leaving, even from another thread, lets it in");
    tap_is_int(w.status, APR_SUCCESS, "and it holds the gate");
    tap_is_int(occi_write_gate_enter(gate, apr_time_now()), APR_TIMEUP,
               "which is closed to the others again");
    occi_write_gate_leave(gate);
    tap_is_int(occi_write_gate_enter(gate, apr_time_now()), APR_SUCCESS,
               "until it is left");
    occi_write_gate_leave(gate);
    return tap_done(pool);
}
