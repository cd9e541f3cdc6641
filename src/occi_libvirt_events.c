/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process's libvirt event loop: one thread that dispatches what the
 * hypervisor tells of its own accord (a domain started, stopped, went
 * away; a connection closed), so that the per-process state cache can
 * trust what it holds. libvirt wants its event implementation registered
 * before the first connection is opened, and some thread to run it.
 */
#include <apr_thread_proc.h>
#include <libvirt/libvirt.h>

#include "occi_hypervisor.h"

static apr_thread_t *event_thread;
static volatile int stopping;

static void *APR_THREAD_FUNC run_events(apr_thread_t *thread, void *data)
{
    (void)data;
    while (!stopping) {
        if (virEventRunDefaultImpl() < 0) {
            break;
        }
    }
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void wake(int timer, void *data)
{
    (void)timer;
    (void)data;
}

/* Stops the thread before the pool that holds the hypervisors goes: a
 * callback must not run on freed memory while the child exits. */
static apr_status_t stop_events(void *data)
{
    apr_status_t thread_status;
    int timer;

    (void)data;
    stopping = 1;
    /* A timer due at once interrupts the poll the thread sleeps in. */
    timer = virEventAddTimeout(0, wake, NULL, NULL);
    apr_thread_join(&thread_status, event_thread);
    if (timer >= 0) {
        virEventRemoveTimeout(timer);
    }
    event_thread = NULL;
    return APR_SUCCESS;
}

int occi_hypervisor_start_events(apr_pool_t *pool)
{
    if (event_thread) {
        return 1;
    }
    if (virEventRegisterDefaultImpl() < 0) {
        return 0;
    }
    stopping = 0;
    if (apr_thread_create(&event_thread, NULL, run_events, NULL, pool) != APR_SUCCESS) {
        event_thread = NULL;
        return 0;
    }
    /* A pre-cleanup: it runs before the pool's subpools (the state caches'
     * memory) are destroyed. Pre-cleanups run last registered first, so
     * the hypervisors, created after this, close their connections (and
     * stop their callbacks) before the thread stops. */
    apr_pool_pre_cleanup_register(pool, NULL, stop_events);
    return 1;
}

int occi_hypervisor_events_running(void)
{
    return event_thread != NULL;
}
