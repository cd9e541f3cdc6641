/* SPDX-License-Identifier: Apache-2.0 */
/* Group sync: every commit written before a sync began is covered by it,
 * one sync serves every waiter behind it, and a failed sync is reported
 * to the one that made it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <apr_thread_proc.h>

#include "tap.h"
#include "occi_group_sync.h"

#define WAITERS 8

typedef struct {
    occi_group_sync *sync;
    apr_uint64_t ticket;
    apr_status_t status;
} waiter;

static void *APR_THREAD_FUNC wait_for_ticket(apr_thread_t *thread, void *data)
{
    waiter *w = data;

    w->status = occi_group_sync_wait(w->sync, w->ticket);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

int main(void)
{
    apr_pool_t *pool = tap_start();
    char path[] = "/tmp/occi-group-sync-XXXXXX";
    int fd = mkstemp(path);
    occi_group_sync *sync = occi_group_sync_create(pool, path), *missing;
    apr_thread_t *threads[WAITERS];
    waiter waiters[WAITERS];
    apr_uint64_t first, second;
    apr_status_t rv;
    int i, all_ok = 1;

    tap_ok(fd >= 0 && sync != NULL, "a group sync of a file is made");
    tap_is_str(occi_group_sync_path(sync), path, "it knows its file");
    first = occi_group_sync_written(sync);
    second = occi_group_sync_written(sync);
    tap_ok(first >= 1 && second == first + 1, "tickets follow the order of commits");
    tap_is_int(occi_group_sync_wait(sync, second), APR_SUCCESS, "a wait ends with a sync");
    tap_is_int((long long)occi_group_sync_count(sync), 1, "one sync was made");
    tap_is_int(occi_group_sync_wait(sync, first), APR_SUCCESS,
               "an earlier commit is covered by the same sync");
    tap_is_int((long long)occi_group_sync_count(sync), 1, "without another");

    /* Eight commits written, then their eight writers wait at once: the
     * first sync covers every one of them. */
    for (i = 0; i < WAITERS; i++) {
        waiters[i].sync = sync;
        waiters[i].ticket = occi_group_sync_written(sync);
        waiters[i].status = APR_EGENERAL;
    }
    for (i = 0; i < WAITERS; i++) {
        apr_thread_create(&threads[i], NULL, wait_for_ticket, &waiters[i], pool);
    }
    for (i = 0; i < WAITERS; i++) {
        apr_thread_join(&rv, threads[i]);
        all_ok = all_ok && waiters[i].status == APR_SUCCESS;
    }
    tap_ok(all_ok, "eight writers waiting at once are all answered");
    tap_is_int((long long)occi_group_sync_count(sync), 2, "by one sync between them");

    missing = occi_group_sync_create(pool, "/nonexistent/occi.sqlite-wal");
    tap_is_int(occi_group_sync_wait(missing, occi_group_sync_written(missing)),
               APR_FROM_OS_ERROR(ENOENT), "a log that cannot be opened: the error is told");
    tap_is_int((long long)occi_group_sync_count(missing), 0, "and no sync is counted");

    close(fd);
    unlink(path);
    return tap_done(pool);
}
