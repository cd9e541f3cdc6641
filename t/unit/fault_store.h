/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A store provider for unit tests that wraps another store (the real SQL
 * store on the test's database) and passes every call through, except the
 * one it is told to fail: that call returns OCCI_STORE_ERROR with the
 * message "injected failure at <operation> call <n>" and touches nothing.
 *
 * It counts the calls that can fail (every operation that returns a
 * status; error and rollback cannot fail, so they pass through uncounted),
 * so a test can run an operation once cleanly to learn how many store
 * calls it makes, then run it again failing at call 1, 2, ... in turn.
 *
 * An injected failure behaves as a real one does: inside a transaction
 * begun through this store it condemns the transaction, whose commit then
 * rolls back and returns OCCI_STORE_ERROR. A failed commit (injected)
 * really rolls the underlying transaction back, as a commit that fails in
 * a real database leaves nothing committed. Later calls in a condemned
 * transaction still pass through, as on SQLite, where a failed statement
 * leaves its transaction usable until the commit refuses it.
 */
#ifndef OCCI_TEST_FAULT_STORE_H
#define OCCI_TEST_FAULT_STORE_H

#include <apr_pools.h>

#include "occi_store.h"

typedef struct fault_store fault_store;

/* A wrapper around inner, allocated from pool, failing nothing yet. */
fault_store *fault_store_wrap(apr_pool_t *pool, occi_store *inner);

/* The store to hand to the code under test. */
occi_store *fault_store_store(fault_store *fault);

/* Counting starts again from zero, and no failure is planned. */
void fault_store_reset(fault_store *fault);

/* Plans one failure: at the nth call (from 1, counted since the last
 * reset) of operation ("commit", "insert", ... as in occi_store_provider),
 * or of any operation when operation is NULL. */
void fault_store_fail(fault_store *fault, const char *operation, int n);

/* The calls counted since the last reset. */
int fault_store_calls(const fault_store *fault);

/* How many of them were calls of operation. */
int fault_store_calls_of(const fault_store *fault, const char *operation);

/* The operation of call n (from 1) since the last reset, or NULL. */
const char *fault_store_operation(const fault_store *fault, int n);

/* Whether the planned failure has happened. */
int fault_store_fired(const fault_store *fault);

/* Whether a transaction begun through this store is still open. */
int fault_store_in_transaction(const fault_store *fault);

#endif
