/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The write gate: the writers of one process take turns here before they
 * ask SQLite for its write lock.
 *
 * SQLite lets one connection write at a time. When another connection of
 * the same process asks meanwhile, apr_dbd's SQLite driver does not wait
 * for the lock to be free: it sleeps 100 ms and asks again, up to sixteen
 * times. Under concurrent writes most threads would sleep while the lock
 * stands free, and creations would be slower with many clients than with
 * one. Queued here, the next writer is woken as soon as the previous one
 * has committed or rolled back.
 *
 * Between httpd's children the same happens at SQLite's lock: a child's
 * writer that finds another child's transaction there sleeps 100 ms in the
 * driver, while the other child's writers take the lock one after the
 * other, and a write could wait most of a second (p99 700 ms with three
 * children). So the holder of a process's turn also takes the node's lock
 * (a process mutex shared by httpd's children), where one writer of each
 * child waits in the kernel, until the same deadline as for its turn.
 *
 * A flag and a condition variable rather than a mutex: the gate may be
 * left by another thread than the one that entered it (the request's pool
 * can be destroyed on another of the event MPM's threads).
 */
#ifndef OCCI_WRITE_GATE_H
#define OCCI_WRITE_GATE_H

#include <apr_pools.h>
#include <apr_proc_mutex.h>
#include <apr_time.h>

typedef struct occi_write_gate occi_write_gate;

/* An open gate, living as long as pool; NULL if no mutex can be made.
 * node is the node's lock (NULL: none), of a mechanism that any thread of
 * the process may release (a semaphore, flock, fcntl; not a pthread
 * mutex): the gate may be left on another thread than it was entered. */
occi_write_gate *occi_write_gate_create(apr_pool_t *pool, apr_proc_mutex_t *node);

/* Waits for the process's turn, then for the node's lock, both until
 * deadline (apr_time_now() scale). A holder that dies releases the lock.
 * APR_SUCCESS: this caller now holds the gate and must leave it once.
 * APR_TIMEUP: another writer of the process or of the node held it until
 * the deadline. Another status: the node's lock failed. */
apr_status_t occi_write_gate_enter(occi_write_gate *gate, apr_time_t deadline);

/* Releases the node's lock, ends the holder's turn and wakes one waiting
 * writer of the process. */
void occi_write_gate_leave(occi_write_gate *gate);

#endif
