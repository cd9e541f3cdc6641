/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The write gate (see occi_write_gate.h).
 */
#include <apr_errno.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include "occi_write_gate.h"

struct occi_write_gate {
    apr_thread_mutex_t *lock;   /* guards held */
    apr_thread_cond_t *turn;    /* signalled when held goes to 0 */
    int held;
    apr_proc_mutex_t *node;     /* taken by the holder of the turn; NULL: none */
};

occi_write_gate *occi_write_gate_create(apr_pool_t *pool, apr_proc_mutex_t *node)
{
    occi_write_gate *gate = apr_pcalloc(pool, sizeof(*gate));

    gate->node = node;
    if (apr_thread_mutex_create(&gate->lock, APR_THREAD_MUTEX_DEFAULT, pool) != APR_SUCCESS
        || apr_thread_cond_create(&gate->turn, pool) != APR_SUCCESS) {
        return NULL;
    }
    return gate;
}

/* The process's turn goes to one waiting writer. */
static void end_turn(occi_write_gate *gate)
{
    apr_thread_mutex_lock(gate->lock);
    gate->held = 0;
    apr_thread_cond_signal(gate->turn);
    apr_thread_mutex_unlock(gate->lock);
}

/* The node's lock, by the same deadline: its holder may be waiting for
 * a hypervisor inside its transaction (an update of a running machine),
 * and a writer of another child then answers that the database is busy
 * rather than wait as long as a frozen daemon. A SysV semaphore, the
 * default, waits in the kernel (semtimedop); APR waits for flock and fcntl
 * by trying again after short sleeps. */
static apr_status_t lock_node(apr_proc_mutex_t *node, apr_time_t deadline)
{
    apr_time_t now = apr_time_now();
    apr_status_t rv = apr_proc_mutex_timedlock(node, deadline > now ? deadline - now : 0);

    return APR_STATUS_IS_TIMEUP(rv) ? APR_TIMEUP : rv;
}

apr_status_t occi_write_gate_enter(occi_write_gate *gate, apr_time_t deadline)
{
    apr_status_t rv = APR_SUCCESS;

    apr_thread_mutex_lock(gate->lock);
    while (gate->held) {
        apr_time_t now = apr_time_now();

        if (now >= deadline) {
            rv = APR_TIMEUP;
            break;
        }
        /* A timeout or a spurious wake-up: the loop looks again. */
        apr_thread_cond_timedwait(gate->turn, gate->lock, deadline - now);
    }
    if (rv == APR_SUCCESS) {
        gate->held = 1;
    }
    apr_thread_mutex_unlock(gate->lock);
    /* One thread of the process at a time waits here: the others wait for
     * the turn above. */
    if (rv == APR_SUCCESS && gate->node && (rv = lock_node(gate->node, deadline)) != APR_SUCCESS) {
        end_turn(gate);
    }
    return rv;
}

void occi_write_gate_leave(occi_write_gate *gate)
{
    if (gate->node) {
        apr_proc_mutex_unlock(gate->node);
    }
    end_turn(gate);
}
