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
 * has committed or rolled back; SQLite's lock then only arbitrates between
 * httpd's children.
 *
 * A flag and a condition variable rather than a mutex: the gate may be
 * left by another thread than the one that entered it (the request's pool
 * can be destroyed on another of the event MPM's threads).
 */
#ifndef OCCI_WRITE_GATE_H
#define OCCI_WRITE_GATE_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct occi_write_gate occi_write_gate;

/* An open gate, living as long as pool; NULL if no mutex can be made. */
occi_write_gate *occi_write_gate_create(apr_pool_t *pool);

/* Waits for the gate's turn until deadline (apr_time_now() scale).
 * APR_SUCCESS: this caller now holds the gate and must leave it once.
 * APR_TIMEUP: another writer held it until the deadline. */
apr_status_t occi_write_gate_enter(occi_write_gate *gate, apr_time_t deadline);

/* Ends the holder's turn and wakes one waiting writer. */
void occi_write_gate_leave(occi_write_gate *gate);

#endif
