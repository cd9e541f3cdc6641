/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group sync (see occi_group_sync.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include "occi_group_sync.h"

struct occi_group_sync {
    const char *path;
    apr_thread_mutex_t *lock;   /* guards what follows */
    apr_thread_cond_t *done;    /* broadcast when a sync ends */
    apr_uint64_t written;       /* the last ticket handed out */
    apr_uint64_t synced;        /* every ticket up to this one is on disk */
    int syncing;                /* a thread is syncing now */
    apr_uint64_t syncs;         /* that succeeded */
};

occi_group_sync *occi_group_sync_create(apr_pool_t *pool, const char *path)
{
    occi_group_sync *sync = apr_pcalloc(pool, sizeof(*sync));

    sync->path = apr_pstrdup(pool, path);
    if (apr_thread_mutex_create(&sync->lock, APR_THREAD_MUTEX_DEFAULT, pool) != APR_SUCCESS
        || apr_thread_cond_create(&sync->done, pool) != APR_SUCCESS) {
        return NULL;
    }
    return sync;
}

const char *occi_group_sync_path(const occi_group_sync *sync)
{
    return sync->path;
}

apr_uint64_t occi_group_sync_written(occi_group_sync *sync)
{
    apr_uint64_t ticket;

    apr_thread_mutex_lock(sync->lock);
    ticket = ++sync->written;
    apr_thread_mutex_unlock(sync->lock);
    return ticket;
}

/* fdatasync applies to the file, not to the descriptor: a descriptor of
 * our own flushes what SQLite's connections wrote. A write-back error
 * that happened before the open is still reported to it unless another
 * descriptor has reported it already (Linux 4.16 and later); SQLite's own
 * syncs at checkpoints would then have failed. */
static apr_status_t sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (fdatasync(fd) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    close(fd);
    return rv;
}

apr_status_t occi_group_sync_wait(occi_group_sync *sync, apr_uint64_t ticket)
{
    apr_status_t rv = APR_SUCCESS;

    apr_thread_mutex_lock(sync->lock);
    while (sync->synced < ticket) {
        apr_uint64_t covered;

        if (sync->syncing) {
            apr_thread_cond_wait(sync->done, sync->lock);
            continue;
        }
        /* Every commit written so far rides on this sync. */
        sync->syncing = 1;
        covered = sync->written;
        apr_thread_mutex_unlock(sync->lock);
        rv = sync_file(sync->path);
        apr_thread_mutex_lock(sync->lock);
        sync->syncing = 0;
        if (rv == APR_SUCCESS) {
            sync->syncs++;
            if (covered > sync->synced) {
                sync->synced = covered;
            }
        }
        apr_thread_cond_broadcast(sync->done);
        if (rv != APR_SUCCESS) {
            /* The others covered by this sync try one of their own. */
            break;
        }
    }
    apr_thread_mutex_unlock(sync->lock);
    return rv;
}

apr_uint64_t occi_group_sync_count(occi_group_sync *sync)
{
    apr_uint64_t syncs;

    apr_thread_mutex_lock(sync->lock);
    syncs = sync->syncs;
    apr_thread_mutex_unlock(sync->lock);
    return syncs;
}
