/* SPDX-License-Identifier: Apache-2.0 */
/* The write gate: one holder at a time, a bounded wait, and a turn that
 * another thread may end; with the node's lock, one holder among several
 * processes, the lock released by another thread than took it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
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

/* Processes that each enter and leave many times, with the number of
 * holders inside counted in shared memory: more than one at a time, or a
 * holder that finds the counter changed under it, is a failure. */
#define PROCESSES 3
#define ROUNDS 2000

typedef struct {
    volatile apr_uint32_t inside, overlaps;
    volatile long total;        /* incremented without atomics, inside only */
} shared_counts;

static void test_node_lock(apr_pool_t *pool, apr_lockmech_e mech, const char *mech_name)
{
    char path[] = "/tmp/occi-write-gate-XXXXXX";
    int fd = mkstemp(path);
    apr_proc_mutex_t *node = NULL;
    shared_counts *counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t children[PROCESSES];
    int i, failed_children = 0;

    /* Only the name: the mutex makes the file itself. */
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    tap_ok(counts != MAP_FAILED && apr_proc_mutex_create(&node, path, mech, pool) == APR_SUCCESS,
           apr_psprintf(pool, "the node's lock is made (%s)", mech_name));
    if (counts == MAP_FAILED || !node) {
        return;
    }
    memset((void *)counts, 0, sizeof(*counts));
    for (i = 0; i < PROCESSES; i++) {
        children[i] = fork();
        if (children[i] == 0) {
            apr_pool_t *child;
            occi_write_gate *gate;
            int round;

            apr_pool_create(&child, NULL);
            if (apr_proc_mutex_child_init(&node, path, child) != APR_SUCCESS
                || !(gate = occi_write_gate_create(child, node))) {
                _exit(2);
            }
            for (round = 0; round < ROUNDS; round++) {
                long before;

                if (occi_write_gate_enter(gate, apr_time_now() + apr_time_from_sec(30))
                        != APR_SUCCESS) {
                    _exit(3);
                }
                if (apr_atomic_inc32(&counts->inside) != 0) {
                    apr_atomic_inc32(&counts->overlaps);
                }
                before = counts->total;
                if (round % 100 == 0) {
                    usleep(100);
                }
                counts->total = before + 1;
                apr_atomic_dec32(&counts->inside);
                occi_write_gate_leave(gate);
            }
            _exit(0);
        }
    }
    for (i = 0; i < PROCESSES; i++) {
        int status = 0;

        waitpid(children[i], &status, 0);
        failed_children += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    tap_is_int(failed_children, 0, apr_psprintf(pool, "%s: 3 processes entered and left 2000 times each", mech_name));
    tap_is_int(counts->overlaps, 0, apr_psprintf(pool, "%s: never two holders at once across processes", mech_name));
    tap_is_int(counts->total, PROCESSES * ROUNDS, apr_psprintf(pool, "%s: and no holder's count was lost", mech_name));

    {
        /* The lock is the process's: a turn entered on one thread and left
         * on another releases it for the other processes. */
        occi_write_gate *gate = occi_write_gate_create(pool, node);
        waiter w = { gate, 0, APR_EGENERAL };
        apr_thread_t *thread, *leaver;
        apr_status_t rv;
        pid_t other;
        int status = 0;

        apr_thread_create(&thread, NULL, enter_and_stay, &w, pool);
        apr_thread_join(&rv, thread);
        apr_thread_create(&leaver, NULL, leave, gate, pool);
        apr_thread_join(&rv, leaver);
        other = fork();
        if (other == 0) {
            apr_pool_t *child;
            occi_write_gate *theirs;

            apr_pool_create(&child, NULL);
            alarm(10);      /* a lock left held would hang here */
            _exit(apr_proc_mutex_child_init(&node, path, child) == APR_SUCCESS
                  && (theirs = occi_write_gate_create(child, node))
                  && occi_write_gate_enter(theirs, apr_time_now() + apr_time_from_sec(5))
                         == APR_SUCCESS ? 0 : 1);
        }
        waitpid(other, &status, 0);
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
               apr_psprintf(pool, "%s: left on another thread, the node's lock lets another process in", mech_name));
    }
    {
        /* A holder that keeps the node's lock (its transaction waits for a
         * frozen hypervisor) makes another process's writer give up at its
         * deadline, not wait as long as the holder does. */
        occi_write_gate *gate = occi_write_gate_create(pool, node);
        pid_t other;
        int status = 0;

        tap_is_int(occi_write_gate_enter(gate, apr_time_now() + apr_time_from_sec(5)),
                   APR_SUCCESS, apr_psprintf(pool, "%s: a writer takes the node's lock and keeps it", mech_name));
        other = fork();
        if (other == 0) {
            apr_pool_t *child;
            occi_write_gate *theirs;
            apr_time_t started;
            apr_status_t rv;

            apr_pool_create(&child, NULL);
            alarm(10);
            if (apr_proc_mutex_child_init(&node, path, child) != APR_SUCCESS
                || !(theirs = occi_write_gate_create(child, node))) {
                _exit(2);
            }
            started = apr_time_now();
            rv = occi_write_gate_enter(theirs, started + apr_time_from_msec(300));
            _exit(rv == APR_TIMEUP && apr_time_now() - started < apr_time_from_sec(2) ? 0 : 1);
        }
        waitpid(other, &status, 0);
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
               apr_psprintf(pool, "%s: another process's writer gives up at its deadline (APR_TIMEUP after 300 ms)", mech_name));
        occi_write_gate_leave(gate);
    }
    apr_proc_mutex_destroy(node);
    unlink(path);
    munmap((void *)counts, sizeof(*counts));
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    occi_write_gate *gate = occi_write_gate_create(pool, NULL);
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
    /* The default mechanism (waits in the kernel with a timeout), and one
     * that cannot wait with a timeout (tried again after short sleeps). */
    test_node_lock(pool, APR_LOCK_SYSVSEM, "sysvsem");
    test_node_lock(pool, APR_LOCK_FLOCK, "flock");
    return tap_done(pool);
}
