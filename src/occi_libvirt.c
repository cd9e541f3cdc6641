/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor through libvirt: the provider of src/occi_hypervisor.h
 * that httpd uses.
 *
 * Names: a compute is the domain "occi-<uuid>" with the entity's UUID, its
 * root disk the volume "occi-<uuid>-root.qcow2"; a storage is the volume
 * "occi-<uuid>.qcow2" in the configured pool; a network is "occi-<uuid>"
 * with the entity's UUID and the bridge "occi<first 8 hex digits>". Only
 * these names and numbers, and values escaped by xml_escape(), go into the
 * XML given to libvirt.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <apr_thread_pool.h>
#include <apr_time.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "occi_hypervisor.h"
#include "occi_cloudinit.h"
#include "occi_domain_cache.h"
#include "occi_json.h"
#include "occi_buf.h"
#include "occi_model.h"
#include "occi_state.h"
#include "occi_unmanaged.h"
#include "occi_ipv4.h"
#include "occi_ipv6.h"
#include "occi_provider_network.h"

#define KIND(term)            OCCI_SCHEME_INFRA term
#define COMPUTE_ACTION(term)  "http://schemas.ogf.org/occi/infrastructure/compute/action#" term
#define STORAGE_ACTION(term)  "http://schemas.ogf.org/occi/infrastructure/storage/action#" term
#define NETWORK_ACTION(term)  "http://schemas.ogf.org/occi/infrastructure/network/action#" term
#define IPNETWORK             "http://schemas.ogf.org/occi/infrastructure/network#ipnetwork"
#define IPNETWORKINTERFACE \
    "http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface"

#define GIB (1024.0 * 1024.0 * 1024.0)

/* The libvirt provider's state (src/occi_hypervisor.h: the provider
 * table is at the end of this file). */
typedef struct libvirt_hv {
    apr_pool_t *pool;
    occi_hypervisor_config config;
    apr_thread_mutex_t *lock;      /* guards connection and the opener's fields */
    apr_thread_cond_t *opened;     /* the opener has tried */
    apr_thread_cond_t *wanted;     /* a request wants a connection */
    virConnectPtr connection;
    apr_thread_t *opener;          /* opens connections; NULL until first needed */
    int want_open, opening, stopping;
    int opener_running;            /* the opener thread has not yet returned */
    char open_error[512];          /* why the last open failed */
    /* When the daemon was last found not answering (a refused or failed
     * open, a connection keepalive gave up on); 0 while it answers. */
    volatile apr_time_t down_since;
    int lifecycle_callback;        /* on connection; -1: none */
    occi_domain_cache *states;     /* NULL: states are asked for each time */
    /* Where states are asked, so that a request can stop waiting
     * (observe_bounded); threads are started when first needed. */
    apr_thread_pool_t *observers;
    apr_thread_mutex_t *observing; /* guards the observations and stalled */
    int stalled;                   /* observations a request gave up waiting for */
} libvirt_hv;

/* The longest a request waits for a connection to be opened: a daemon that
 * hangs (a stopped process, a host that drops packets) would otherwise keep
 * it for as long as the kernel's timeouts. The open goes on in the
 * background, and the request after it uses its connection. */
#define OPEN_WAIT apr_time_from_msec(1000)

/* ... and while the daemon is known not to answer: long enough for one that
 * is back to answer at once, short enough for a page of entities. */
#define OPEN_WAIT_DOWN apr_time_from_msec(100)

/* Keepalive on each connection: a daemon that stops answering is given up
 * after about interval x (count + 1) seconds, and the calls waiting on it
 * fail, instead of waiting for ever. */
#define KEEPALIVE_INTERVAL 1
#define KEEPALIVE_COUNT 3

/* The longest a request waits for the states it shows: a daemon that
 * hangs costs a page of entities this long, once; until the question
 * comes back (answered, or failed when keepalive gives up), the next pages
 * do not ask it again. */
#define OBSERVE_WAIT apr_time_from_msec(1000)

/* Threads that ask a daemon for states, at most, per process. */
#define OBSERVERS_MAX 8

/* Domains whose state a process remembers at most: about 100 bytes each. */
#define STATE_CACHE_CAPACITY 1024

/* libvirt prints every error on stderr unless told otherwise; errors are
 * read with virGetLastError() (thread-local) instead. */
static void ignore_error(void *data, virErrorPtr error)
{
    (void)data;
    (void)error;
}

static apr_status_t close_hypervisor(void *data);

/* The observer threads (observe_bounded), in a pool of their own whose
 * allocator has a lock: the thread pool starts and ends threads from the
 * requests' threads and its own. Joined when pool is destroyed, before
 * what they use of hv. */
static apr_thread_pool_t *make_observers(apr_pool_t *pool)
{
    apr_allocator_t *allocator;
    apr_thread_mutex_t *allocator_lock;
    apr_thread_pool_t *observers;
    apr_pool_t *own;

    if (apr_allocator_create(&allocator) != APR_SUCCESS) {
        return NULL;
    }
    if (apr_pool_create_ex(&own, pool, NULL, allocator) != APR_SUCCESS) {
        apr_allocator_destroy(allocator);
        return NULL;
    }
    apr_allocator_owner_set(allocator, own);
    if (apr_thread_mutex_create(&allocator_lock, APR_THREAD_MUTEX_DEFAULT, own) != APR_SUCCESS
        || apr_thread_pool_create(&observers, 0, OBSERVERS_MAX, own) != APR_SUCCESS) {
        return NULL;
    }
    apr_allocator_mutex_set(allocator, allocator_lock);
    /* A listing's questions come in bursts: two threads wait for the next
     * for a minute, the others end. */
    apr_thread_pool_idle_max_set(observers, 2);
    apr_thread_pool_idle_wait_set(observers, apr_time_from_sec(60));
    return observers;
}

static libvirt_hv *libvirt_create(apr_pool_t *pool, const occi_hypervisor_config *config)
{
    libvirt_hv *hv = apr_pcalloc(pool, sizeof(*hv));

    if (apr_thread_mutex_create(&hv->lock, APR_THREAD_MUTEX_DEFAULT, pool) != APR_SUCCESS
        || apr_thread_mutex_create(&hv->observing, APR_THREAD_MUTEX_DEFAULT, pool)
           != APR_SUCCESS
        || apr_thread_cond_create(&hv->opened, pool) != APR_SUCCESS
        || apr_thread_cond_create(&hv->wanted, pool) != APR_SUCCESS) {
        return NULL;
    }
    hv->pool = pool;
    hv->config = *config;
    hv->lifecycle_callback = -1;
    hv->observers = make_observers(pool);
    if (config->state_cache_seconds > 0) {
        hv->states = occi_domain_cache_create(pool, STATE_CACHE_CAPACITY,
                                              apr_time_from_sec(config->state_cache_seconds));
    }
    virSetErrorFunc(NULL, ignore_error);
    apr_pool_pre_cleanup_register(pool, hv, close_hypervisor);
    return hv;
}

int occi_hypervisor_backs(const char *kind)
{
    return kind && (!strcmp(kind, KIND("compute")) || !strcmp(kind, KIND("storage"))
                    || !strcmp(kind, KIND("network")) || !strcmp(kind, KIND("storagelink"))
                    || !strcmp(kind, KIND("networkinterface")));
}

/* ---- Errors -------------------------------------------------------- */

static occi_hv_status fail(apr_pool_t *pool, occi_hv_error *error, occi_hv_status status,
                           const char *doing)
{
    virErrorPtr last = virGetLastError();

    error->status = status;
    error->message = apr_psprintf(pool, "%s: %s", doing,
                                  last && last->message ? last->message : "no reason given");
    return status;
}

/* The status a libvirt failure maps to. */
static occi_hv_status libvirt_status(void)
{
    virErrorPtr last = virGetLastError();

    if (!last) {
        return OCCI_HV_FAILED;
    }
    /* The connection itself broke (the daemon went away). */
    if (last->domain == VIR_FROM_RPC || last->domain == VIR_FROM_REMOTE) {
        return OCCI_HV_UNAVAILABLE;
    }
    switch (last->code) {
    case VIR_ERR_OPERATION_INVALID:
    case VIR_ERR_OPERATION_UNSUPPORTED:
    case VIR_ERR_OPERATION_DENIED:
    case VIR_ERR_NO_SUPPORT:
        return OCCI_HV_CONFLICT;
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_INVALID_CONN:
        return OCCI_HV_UNAVAILABLE;
    case VIR_ERR_SYSTEM_ERROR:
    case VIR_ERR_RPC:
        return last->domain == VIR_FROM_RPC || last->domain == VIR_FROM_REMOTE
                   ? OCCI_HV_UNAVAILABLE : OCCI_HV_FAILED;
    case VIR_ERR_CONFIG_UNSUPPORTED:
    case VIR_ERR_INVALID_ARG:
    case VIR_ERR_XML_ERROR:
        return OCCI_HV_INVALID;
    default:
        return OCCI_HV_FAILED;
    }
}

static occi_hv_status fail_libvirt(apr_pool_t *pool, occi_hv_error *error, const char *doing)
{
    occi_hv_status status = libvirt_status();

    return fail(pool, error, status, status == OCCI_HV_UNAVAILABLE
                ? apr_psprintf(pool, "the hypervisor cannot be reached (%s)", doing) : doing);
}

/* A refusal in this module's own words (no libvirt error behind it). */
static occi_hv_status refuse(occi_hv_error *error, occi_hv_status status, const char *message)
{
    error->status = status;
    error->message = message;
    return status;
}

/* ---- The connection ------------------------------------------------ */

/* libvirt's word that a domain changed: its cached state is stale. Runs
 * on the event loop thread. */
static int domain_changed(virConnectPtr connection, virDomainPtr domain, int event,
                          int detail, void *data)
{
    libvirt_hv *hv = data;
    char uuid[VIR_UUID_STRING_BUFLEN];

    (void)connection;
    (void)event;
    (void)detail;
    if (virDomainGetUUIDString(domain, uuid) == 0) {
        occi_domain_cache_forget(hv->states, uuid);
    }
    return 0;
}

/* The connection closed (the daemon went away): no more events come, so
 * nothing cached can be trusted. Runs on the event loop thread, or in
 * virConnectClose(): it must not take hv->lock. */
static void connection_closed(virConnectPtr connection, int reason, void *data)
{
    libvirt_hv *hv = data;

    /* Given up by keepalive: the daemon hangs, and opening another
     * connection now would hang the request that tries. */
    if (reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE) {
        hv->down_since = apr_time_now();
    }
    occi_domain_cache_disable(hv->states, connection);
}

/* Asks a new connection for domain events; the cache is used only when
 * they will come. hv->lock is held. */
static void watch_domains(libvirt_hv *hv, virConnectPtr connection)
{
    if (!hv->states || !occi_hypervisor_events_running()) {
        return;
    }
    hv->lifecycle_callback = virConnectDomainEventRegisterAny(
        connection, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        VIR_DOMAIN_EVENT_CALLBACK(domain_changed), hv, NULL);
    if (hv->lifecycle_callback < 0) {
        return;
    }
    /* A remote daemon that stops answering is noticed within a few seconds
     * (and the cache turned off) even when no request is made; drivers without
     * keepalive (the test driver) answer 1 and need none. */
    virConnectSetKeepAlive(connection, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT);
    if (virConnectRegisterCloseCallback(connection, connection_closed, hv, NULL) < 0) {
        /* A driver that never closes by itself (in-process drivers) has no
         * close callback; it also never stops sending events. */
        virResetLastError();
    }
    occi_domain_cache_enable(hv->states, connection);
}

/* Closes the process's connection; hv->lock is held. */
static void close_connection(libvirt_hv *hv)
{
    if (hv->states) {
        occi_domain_cache_disable(hv->states, NULL);
    }
    if (hv->lifecycle_callback >= 0) {
        virConnectDomainEventDeregisterAny(hv->connection, hv->lifecycle_callback);
        virConnectUnregisterCloseCallback(hv->connection, connection_closed);
        hv->lifecycle_callback = -1;
    }
    virConnectClose(hv->connection);
    hv->connection = NULL;
}

/* How long the end of the process waits for the opener to return: it is
 * woken at once unless it is inside virConnectOpen with a daemon that does
 * not answer. */
#define OPENER_EXIT_WAIT apr_time_from_sec(5)

/* At the end of the process: no callback may run once the pool is gone,
 * and the opener, a detached thread, must have let go of hv->lock before
 * the pool frees it (it did not: a unit test's process crashed in the
 * opener's unlock of a freed mutex). */
static apr_status_t close_hypervisor(void *data)
{
    libvirt_hv *hv = data;
    apr_time_t deadline = apr_time_now() + OPENER_EXIT_WAIT;

    apr_thread_mutex_lock(hv->lock);
    hv->stopping = 1;
    apr_thread_cond_broadcast(hv->wanted);
    if (hv->connection) {
        close_connection(hv);
    }
    while (hv->opener_running && apr_time_now() < deadline) {
        apr_thread_cond_timedwait(hv->opened, hv->lock, deadline - apr_time_now());
    }
    apr_thread_mutex_unlock(hv->lock);
    return APR_SUCCESS;
}

/* The process's opener: opens connections outside every lock when a
 * request wants one, and hands them over (the request may have stopped
 * waiting: a daemon that hangs keeps only this thread). After a failed
 * open it waits a second before the next, so that a daemon that is down
 * is not asked by every request. */
static void *APR_THREAD_FUNC opener_loop(apr_thread_t *thread, void *data)
{
    libvirt_hv *hv = data;

    (void)thread;
    apr_thread_mutex_lock(hv->lock);
    while (!hv->stopping) {
        virConnectPtr connection;
        virErrorPtr last;

        if (!hv->want_open || hv->connection) {
            hv->want_open = 0;
            apr_thread_cond_wait(hv->wanted, hv->lock);
            continue;
        }
        hv->want_open = 0;
        hv->opening = 1;
        apr_thread_mutex_unlock(hv->lock);
        connection = virConnectOpen(hv->config.uri);
        last = connection ? NULL : virGetLastError();
        apr_thread_mutex_lock(hv->lock);
        if (hv->stopping) {
            if (connection) {
                virConnectClose(connection);
            }
            break;
        }
        if (connection) {
            hv->connection = connection;
            watch_domains(hv, connection);
            hv->down_since = 0;
        }
        else {
            apr_cpystrn(hv->open_error, last && last->message ? last->message
                                        : "no reason given", sizeof(hv->open_error));
            hv->down_since = apr_time_now();
        }
        hv->opening = 0;
        apr_thread_cond_broadcast(hv->opened);
        if (!connection) {
            apr_thread_cond_timedwait(hv->wanted, hv->lock, apr_time_from_sec(1));
        }
    }
    /* Said under the lock: close_hypervisor() lets the pool go once it
     * knows, and this thread touches nothing of hv after the unlock. */
    hv->opener_running = 0;
    apr_thread_cond_broadcast(hv->opened);
    apr_thread_mutex_unlock(hv->lock);
    return NULL;
}

/* Asks the opener for a connection, starting it the first time; hv->lock
 * is held. 0 when no thread can be had. */
static int want_connection(libvirt_hv *hv)
{
    apr_threadattr_t *attributes;

    if (!hv->opener) {
        if (apr_threadattr_create(&attributes, hv->pool) != APR_SUCCESS
            || apr_threadattr_detach_set(attributes, 1) != APR_SUCCESS
            || apr_thread_create(&hv->opener, attributes, opener_loop, hv, hv->pool)
                   != APR_SUCCESS) {
            hv->opener = NULL;
            return 0;
        }
        /* hv->lock is held: the thread cannot end before this is set. */
        hv->opener_running = 1;
    }
    hv->want_open = 1;
    apr_thread_cond_signal(hv->wanted);
    return 1;
}

/* A reference to the process's connection, opened or reopened as needed;
 * the caller releases it with virConnectClose(). A request waits at most
 * OPEN_WAIT for it, and OPEN_WAIT_DOWN while the daemon is known not to
 * answer: the open then goes on in the background. */
static virConnectPtr connect_to(libvirt_hv *hv, apr_pool_t *pool, occi_hv_error *error)
{
    virConnectPtr connection;
    apr_time_t deadline = apr_time_now() + (hv->down_since ? OPEN_WAIT_DOWN : OPEN_WAIT);
    const char *why = NULL;

    apr_thread_mutex_lock(hv->lock);
    if (hv->connection && virConnectIsAlive(hv->connection) != 1) {
        close_connection(hv);
    }
    if (!hv->connection && !want_connection(hv)) {
        /* No thread for the opener: open here, as before there was one. */
        hv->connection = virConnectOpen(hv->config.uri);
        if (hv->connection) {
            watch_domains(hv, hv->connection);
        }
    }
    while (!hv->connection && (hv->want_open || hv->opening)) {
        apr_time_t now = apr_time_now();

        if (now >= deadline) {
            break;
        }
        apr_thread_cond_timedwait(hv->opened, hv->lock, deadline - now);
    }
    connection = hv->connection;
    if (connection) {
        virConnectRef(connection);
    }
    else {
        why = hv->down_since && hv->open_error[0]
              ? apr_pstrdup(pool, hv->open_error)
              : hv->down_since ? "it does not answer; trying again in the background"
              : "no answer yet; trying again in the background";
    }
    apr_thread_mutex_unlock(hv->lock);
    if (!connection) {
        error->status = OCCI_HV_UNAVAILABLE;
        error->message = apr_psprintf(pool, "cannot connect to the hypervisor at %s: %s",
                                      hv->config.uri, why);
    }
    return connection;
}

/* Forgets a connection that broke, so that the next use opens another:
 * virConnectIsAlive() notices a dead daemon only after a call failed. */
static void drop_connection(libvirt_hv *hv, virConnectPtr broken)
{
    apr_thread_mutex_lock(hv->lock);
    if (hv->connection == broken) {
        close_connection(hv);
    }
    apr_thread_mutex_unlock(hv->lock);
}

/* Runs an operation on the process's connection; if the connection turns
 * out to be broken, once more on a new one. */
#define WITH_CONNECTION(hv, pool, error, status, call)                     \
    do {                                                                    \
        int attempt_;                                                       \
        for (attempt_ = 0; attempt_ < 2; attempt_++) {                      \
            virConnectPtr connection = connect_to(hv, pool, error);        \
            if (!connection) {                                              \
                status = (error)->status;                                   \
                break;                                                      \
            }                                                               \
            status = (call);                                                \
            virConnectClose(connection);                                    \
            if (status != OCCI_HV_UNAVAILABLE) {                            \
                break;                                                      \
            }                                                               \
            drop_connection(hv, connection);                                \
        }                                                                   \
    } while (0)

/* ---- Names and XML ------------------------------------------------- */

static const char *xml_escape(apr_pool_t *pool, const char *text)
{
    occi_buf buf;

    if (!text) {
        return "";
    }
    occi_buf_init(&buf, pool, strlen(text) + 16);
    for (; *text; text++) {
        switch (*text) {
        case '&':  occi_buf_puts(&buf, "&amp;"); break;
        case '<':  occi_buf_puts(&buf, "&lt;"); break;
        case '>':  occi_buf_puts(&buf, "&gt;"); break;
        case '"':  occi_buf_puts(&buf, "&quot;"); break;
        case '\'': occi_buf_puts(&buf, "&apos;"); break;
        default:   occi_buf_putc(&buf, *text); break;
        }
    }
    return buf.data;
}

/* The screen of a compute: a VGA card and a VNC server with a WebSocket,
 * listening on address only, locked from its definition on by a password
 * nobody is told, so that it never takes a connection without one; each
 * console session sets its own (lv_screen). */
static const char *screen_xml(apr_pool_t *pool, const char *address)
{
    const char *password = occi_hypervisor_screen_password(pool);

    return apr_psprintf(pool, "    <graphics type='vnc' autoport='yes' websocket='-1' "
                        "listen='%s'%s%s%s><listen type='address' address='%s'/></graphics>\n"
                        "    <video><model type='vga'/></video>\n",
                        xml_escape(pool, address), password ? " passwd='" : "",
                        password ? password : "", password ? "'" : "",
                        xml_escape(pool, address));
}

static const char *domain_name(apr_pool_t *pool, const char *id)
{
    return apr_pstrcat(pool, "occi-", id, NULL);
}

static const char *seed_volume_name(apr_pool_t *pool, const char *id)
{
    return apr_pstrcat(pool, "occi-", id, "-seed.iso", NULL);
}

static const char *root_volume_name(apr_pool_t *pool, const char *id)
{
    return apr_pstrcat(pool, "occi-", id, "-root.qcow2", NULL);
}

static const char *volume_name(apr_pool_t *pool, const char *id)
{
    return apr_pstrcat(pool, "occi-", id, ".qcow2", NULL);
}

/* Linux bridge names have at most 15 characters. */
static const char *bridge_name(apr_pool_t *pool, const char *id)
{
    return apr_pstrcat(pool, "occi", apr_pstrmemdup(pool, id, 8), NULL);
}

static double attribute_number(const occi_entity *entity, const char *name, double fallback)
{
    const occi_value *value = occi_entity_get(entity, name);

    if (!value) {
        return fallback;
    }
    return value->type == OCCI_TYPE_INTEGER ? (double)value->integer
           : value->type == OCCI_TYPE_FLOAT ? value->number : fallback;
}

static const char *saved_volume_name(apr_pool_t *pool, const char *term)
{
    return apr_pstrcat(pool, "occi-saved-", term, ".qcow2", NULL);
}

/* The OS template of the provider's configuration that entity carries, or
 * NULL. */
static const occi_os_image *provider_image_of(const libvirt_hv *hv,
                                              const occi_entity *entity)
{
    size_t scheme_len = hv->config.os_template_scheme ? strlen(hv->config.os_template_scheme) : 0;
    int i, j;

    for (i = 0; scheme_len && i < entity->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(entity->mixins, i, const char *);

        if (strncmp(mixin, hv->config.os_template_scheme, scheme_len)) {
            continue;
        }
        for (j = 0; hv->config.os_images && j < hv->config.os_images->nelts; j++) {
            const occi_os_image *image = &APR_ARRAY_IDX(hv->config.os_images, j, occi_os_image);

            if (!strcmp(image->term, mixin + scheme_len)) {
                return image;
            }
        }
    }
    return NULL;
}

/* The image a compute boots: the volume of a saved OS template (found
 * through the connection), or a configured one's. (Validation lets a
 * compute have one OS template at most.) */
static const occi_os_image *os_image_of(const libvirt_hv *hv, virConnectPtr connection,
                                        apr_pool_t *pool, const occi_entity *entity)
{
    size_t saved_len = hv->config.saved_template_scheme
                           ? strlen(hv->config.saved_template_scheme) : 0;
    int i;

    for (i = 0; i < entity->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(entity->mixins, i, const char *);

        if (saved_len && !strncmp(mixin, hv->config.saved_template_scheme, saved_len)) {
            virStoragePoolPtr storage_pool = virStoragePoolLookupByName(connection,
                                                                        hv->config.pool);
            virStorageVolPtr volume = storage_pool ? virStorageVolLookupByName(
                storage_pool, saved_volume_name(pool, mixin + saved_len)) : NULL;
            occi_os_image *image = apr_pcalloc(pool, sizeof(*image));
            char *path = volume ? virStorageVolGetPath(volume) : NULL;

            image->term = mixin + saved_len;
            image->disk = path ? apr_pstrdup(pool, path) : NULL;
            free(path);
            if (volume) {
                virStorageVolFree(volume);
            }
            if (storage_pool) {
                virStoragePoolFree(storage_pool);
            }
            return image->disk ? image : NULL;
        }
    }
    return provider_image_of(hv, entity);
}

int occi_hypervisor_uri_is_local(const char *uri)
{
    const char *authority = uri ? strstr(uri, "://") : NULL;

    return authority && authority[3] == '/';
}

const char *occi_os_image_missing_file(apr_pool_t *pool, const occi_os_image *image)
{
    const char *files[3];
    int i;

    files[0] = image->disk;
    files[1] = image->kernel;
    files[2] = image->initrd;
    for (i = 0; i < 3; i++) {
        apr_finfo_t info;
        apr_status_t rv;

        if (!files[i]) {
            continue;
        }
        rv = apr_stat(&info, files[i], APR_FINFO_TYPE, pool);
        if (APR_STATUS_IS_ENOENT(rv) || APR_STATUS_IS_ENOTDIR(rv)
            || (rv == APR_SUCCESS && info.filetype != APR_REG)) {
            return files[i];
        }
    }
    return NULL;
}

static const char *link_device_xml(libvirt_hv *hv, apr_pool_t *pool,
                                   const occi_entity *link, const char *target_id,
                                   occi_hv_error *error);
static const char *target_id_of(apr_pool_t *pool, const occi_entity *link);

static const char *domain_xml(libvirt_hv *hv, apr_pool_t *pool, const occi_entity *compute,
                              const occi_os_image *image, int with_seed, int with_links)
{
    const char *architecture = occi_entity_get_string(compute, "occi.compute.architecture");
    const char *title = occi_entity_get_string(compute, "occi.core.title");
    const char *hostname = occi_entity_get_string(compute, "occi.compute.hostname");
    long long memory_kib = llround(attribute_number(compute, "occi.compute.memory", 1.0)
                                   * 1024 * 1024);
    long long cores = llround(attribute_number(compute, "occi.compute.cores", 1));
    occi_buf xml;

    occi_buf_init(&xml, pool, 2048);
    occi_buf_puts(&xml, apr_psprintf(pool, "<domain type='%s'>\n", xml_escape(pool,
                                                                               hv->config.domain_type)));
    occi_buf_puts(&xml, apr_psprintf(pool, "  <name>%s</name>\n  <uuid>%s</uuid>\n",
                                     domain_name(pool, compute->id), compute->id));
    if (title) {
        occi_buf_puts(&xml, apr_psprintf(pool, "  <title>%s</title>\n", xml_escape(pool, title)));
    }
    if (hostname) {
        occi_buf_puts(&xml, apr_psprintf(pool, "  <metadata><occi:compute "
                                         "xmlns:occi='urn:x-mod-occi:compute'>"
                                         "<occi:hostname>%s</occi:hostname></occi:compute>"
                                         "</metadata>\n", xml_escape(pool, hostname)));
    }
    /* APR's formatter knows no "ll": its own 64-bit formats instead. */
    occi_buf_puts(&xml, apr_psprintf(pool, "  <memory unit='KiB'>%" APR_INT64_T_FMT
                                     "</memory>\n  <vcpu>%" APR_INT64_T_FMT "</vcpu>\n",
                                     (apr_int64_t)memory_kib, (apr_int64_t)cores));
    occi_buf_puts(&xml, apr_psprintf(pool, "  <os>\n    <type arch='%s'>hvm</type>\n",
                                     architecture && !strcmp(architecture, "x86")
                                         ? "i686" : "x86_64"));
    if (image && image->kernel) {
        occi_buf_puts(&xml, apr_psprintf(pool, "    <kernel>%s</kernel>\n",
                                         xml_escape(pool, image->kernel)));
        if (image->initrd) {
            occi_buf_puts(&xml, apr_psprintf(pool, "    <initrd>%s</initrd>\n",
                                             xml_escape(pool, image->initrd)));
        }
        if (image->cmdline) {
            occi_buf_puts(&xml, apr_psprintf(pool, "    <cmdline>%s</cmdline>\n",
                                             xml_escape(pool, image->cmdline)));
        }
    }
    else {
        occi_buf_puts(&xml, "    <boot dev='hd'/>\n");
    }
    occi_buf_puts(&xml, "  </os>\n  <features><acpi/><apic/></features>\n"
                        "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n"
                        "  <devices>\n");
    if (image && image->disk) {
        occi_buf_puts(&xml, apr_psprintf(pool, "    <disk type='volume' device='disk'>"
                                         "<driver name='qemu' type='qcow2'/>"
                                         "<source pool='%s' volume='%s'/>"
                                         "<target dev='vda' bus='virtio'/></disk>\n",
                                         xml_escape(pool, hv->config.pool),
                                         root_volume_name(pool, compute->id)));
    }
    if (with_seed) {
        occi_buf_puts(&xml, apr_psprintf(pool, "    <disk type='volume' device='cdrom'>"
                                         "<driver name='qemu' type='raw'/>"
                                         "<source pool='%s' volume='%s'/>"
                                         "<target dev='hdc' bus='ide'/><readonly/></disk>\n",
                                         xml_escape(pool, hv->config.pool),
                                         seed_volume_name(pool, compute->id)));
    }
    /* A definition made again (new sizes, a vanished domain) keeps the
     * devices of the compute's links. */
    for (int i = 0; with_links && compute->links && i < compute->links->nelts; i++) {
        const occi_entity *link = APR_ARRAY_IDX(compute->links, i, occi_entity *);
        const char *target = target_id_of(pool, link), *device;
        occi_hv_error ignored;

        if (target && (strcmp(link->kind, KIND("networkinterface"))
                       || occi_entity_get_string(link, "occi.networkinterface.mac"))
            && (device = link_device_xml(hv, pool, link, target, &ignored))) {
            occi_buf_puts(&xml, "    ");
            occi_buf_puts(&xml, device);
            occi_buf_putc(&xml, '\n');
        }
    }
    if (hv->config.screen_listen) {
        occi_buf_puts(&xml, screen_xml(pool, hv->config.screen_listen));
    }
    occi_buf_puts(&xml, "    <serial type='pty'/>\n    <console type='pty'/>\n"
                        "  </devices>\n</domain>\n");
    return xml.data;
}

/* ---- Compute ------------------------------------------------------- */

static virStoragePoolPtr open_pool(libvirt_hv *hv, virConnectPtr connection,
                                   apr_pool_t *pool, occi_hv_error *error)
{
    virStoragePoolPtr storage_pool = virStoragePoolLookupByName(connection, hv->config.pool);

    if (!storage_pool) {
        fail(pool, error, libvirt_status(), apr_psprintf(pool, "the storage pool %s is not "
                                                         "available", hv->config.pool));
    }
    return storage_pool;
}

/* Whether the pool has room for growing by bytes more: libvirt refuses a
 * volume larger than the pool's free space with an internal error, but
 * asking for more than there is is a request the provider cannot grant,
 * not a failure of the server. OK, or CONFLICT with the figures. */
static occi_hv_status check_pool_room(libvirt_hv *hv, virStoragePoolPtr storage_pool,
                                      apr_pool_t *pool, unsigned long long bytes,
                                      occi_hv_error *error)
{
    virStoragePoolInfo info;

    if (virStoragePoolGetInfo(storage_pool, &info) < 0 || bytes <= info.available) {
        return OCCI_HV_OK;             /* libvirt's own check still applies */
    }
    return refuse(error, OCCI_HV_CONFLICT, apr_psprintf(
                      pool, "the storage pool %s has %.1f GiB free, and %.1f GiB more do not "
                      "fit", hv->config.pool, (double)info.available / 1073741824.0,
                      (double)bytes / 1073741824.0));
}

/* A qcow2 volume of capacity bytes (0: that of the backing file) in the
 * pool, backed by backing when not NULL. */
static occi_hv_status create_volume(libvirt_hv *hv, virConnectPtr connection,
                                    apr_pool_t *pool, const char *name,
                                    unsigned long long capacity, const char *backing,
                                    occi_hv_error *error)
{
    virStoragePoolPtr storage_pool = open_pool(hv, connection, pool, error);
    virStorageVolPtr volume;
    occi_buf xml;

    if (!storage_pool) {
        return error->status;
    }
    if (backing && !capacity) {
        virStorageVolPtr base = virStorageVolLookupByPath(connection, backing);
        virStorageVolInfo info;

        if (base && virStorageVolGetInfo(base, &info) == 0) {
            capacity = info.capacity;
        }
        if (base) {
            virStorageVolFree(base);
        }
    }
    if (!backing && check_pool_room(hv, storage_pool, pool, capacity, error) != OCCI_HV_OK) {
        virStoragePoolFree(storage_pool);
        return error->status;
    }
    occi_buf_init(&xml, pool, 512);
    occi_buf_puts(&xml, apr_psprintf(pool, "<volume><name>%s</name>", name));
    if (capacity) {
        occi_buf_puts(&xml, apr_psprintf(pool, "<capacity unit='bytes'>%" APR_UINT64_T_FMT
                                         "</capacity>", (apr_uint64_t)capacity));
    }
    occi_buf_puts(&xml, "<target><format type='qcow2'/></target>");
    if (backing) {
        occi_buf_puts(&xml, apr_psprintf(pool, "<backingStore><path>%s</path>"
                                         "<format type='qcow2'/></backingStore>",
                                         xml_escape(pool, backing)));
    }
    occi_buf_puts(&xml, "</volume>");
    volume = virStorageVolCreateXML(storage_pool, xml.data, 0);
    if (!volume) {
        fail_libvirt(pool, error, apr_psprintf(pool, "creating volume %s in pool %s", name,
                                               hv->config.pool));
        virStoragePoolFree(storage_pool);
        return error->status;
    }
    virStorageVolFree(volume);
    virStoragePoolFree(storage_pool);
    return OCCI_HV_OK;
}

/* Deletes a volume of the pool; a missing one is fine. */
static occi_hv_status delete_volume(libvirt_hv *hv, virConnectPtr connection,
                                    apr_pool_t *pool, const char *name, occi_hv_error *error)
{
    virStoragePoolPtr storage_pool = open_pool(hv, connection, pool, error);
    virStorageVolPtr volume;
    occi_hv_status status = OCCI_HV_OK;

    if (!storage_pool) {
        return error->status;
    }
    volume = virStorageVolLookupByName(storage_pool, name);
    if (volume) {
        if (virStorageVolDelete(volume, 0) < 0) {
            status = fail_libvirt(pool, error, apr_psprintf(pool, "deleting volume %s", name));
        }
        virStorageVolFree(volume);
    }
    virStoragePoolFree(storage_pool);
    return status;
}

/* ---- cloud-init ---------------------------------------------------- */

/* The compute's cloud-init seed, built in memory and uploaded into the
 * pool, so that it works with a remote hypervisor too. */
static occi_hv_status create_seed(libvirt_hv *hv, virConnectPtr connection,
                                  apr_pool_t *pool, const occi_entity *compute,
                                  occi_hv_error *error)
{
    const char *image, *message;
    apr_size_t image_len, sent = 0;
    virStoragePoolPtr storage_pool;
    virStorageVolPtr volume;
    virStreamPtr stream;
    int result;

    if ((message = occi_cloudinit_seed(pool, compute, domain_name(pool, compute->id), &image,
                                       &image_len))) {
        return refuse(error, OCCI_HV_INVALID, message);
    }
    if (!(storage_pool = open_pool(hv, connection, pool, error))) {
        return error->status;
    }
    volume = virStorageVolCreateXML(storage_pool, apr_psprintf(
                                        pool, "<volume><name>%s</name><capacity unit='bytes'>%"
                                        APR_UINT64_T_FMT "</capacity><target><format type='raw'/>"
                                        "</target></volume>", seed_volume_name(pool, compute->id),
                                        (apr_uint64_t)image_len), 0);
    virStoragePoolFree(storage_pool);
    if (!volume) {
        return fail_libvirt(pool, error, "creating the cloud-init seed volume");
    }
    stream = virStreamNew(connection, 0);
    result = stream ? virStorageVolUpload(volume, stream, 0, image_len, 0) : -1;
    while (result == 0 && sent < image_len) {
        int n = virStreamSend(stream, image + sent, image_len - sent);

        if (n < 0) {
            result = -1;
        }
        else {
            sent += (apr_size_t)n;
        }
    }
    if (result == 0) {
        result = virStreamFinish(stream);
    }
    if (result < 0) {
        /* Read before the clean-up calls below replace libvirt's error. */
        fail_libvirt(pool, error, "uploading the cloud-init seed");
        if (stream) {
            virStreamAbort(stream);
        }
        virStorageVolDelete(volume, 0);
    }
    if (stream) {
        virStreamFree(stream);
    }
    virStorageVolFree(volume);
    return result < 0 ? error->status : OCCI_HV_OK;
}

static int volume_exists(libvirt_hv *hv, virConnectPtr connection, apr_pool_t *pool,
                         const char *name)
{
    virStoragePoolPtr storage_pool = virStoragePoolLookupByName(connection, hv->config.pool);
    virStorageVolPtr volume = storage_pool ? virStorageVolLookupByName(storage_pool, name) : NULL;

    if (volume) {
        virStorageVolFree(volume);
    }
    if (storage_pool) {
        virStoragePoolFree(storage_pool);
    }
    return volume != NULL;
}

/* XML 1.0 cannot carry the noncharacters U+FFFE and U+FFFF, not even as
 * character references. Every other character XML refuses (controls,
 * surrogates, invalid UTF-8) is refused before a value gets here. */
static int xml_can_carry(const char *text)
{
    return !text || (!strstr(text, "\xef\xbf\xbe") && !strstr(text, "\xef\xbf\xbf"));
}

/* with_links: the definition carries the devices of the compute's links
 * (a definition made again); a new compute's links are attached one by
 * one after it (attach_link), which also chooses their MAC addresses. */
static occi_hv_status define_compute(libvirt_hv *hv, virConnectPtr connection,
                                     apr_pool_t *pool, const occi_entity *compute,
                                     int with_links, occi_hv_error *error)
{
    const occi_os_image *image = os_image_of(hv, connection, pool, compute);
    size_t saved_len = hv->config.saved_template_scheme
                           ? strlen(hv->config.saved_template_scheme) : 0;
    virDomainPtr domain;
    occi_hv_status status;
    int i, made_root, with_seed, made_seed = 0;

    for (i = 0; !image && saved_len && i < compute->mixins->nelts; i++) {
        const char *mixin = APR_ARRAY_IDX(compute->mixins, i, const char *);

        if (!strncmp(mixin, hv->config.saved_template_scheme, saved_len)) {
            return refuse(error, OCCI_HV_CONFLICT, apr_psprintf(
                              pool, "the OS template %s has no image in the storage pool "
                              "%s: it was saved with method deferred and its compute has "
                              "not stopped yet, or the image was removed", mixin,
                              hv->config.pool));
        }
    }
    for (i = 0; i < 2; i++) {
        const char *name = i ? "occi.compute.hostname" : "occi.core.title";

        if (!xml_can_carry(occi_entity_get_string(compute, name))) {
            return refuse(error, OCCI_HV_INVALID, apr_psprintf(
                              pool, "%s holds U+FFFE or U+FFFF, which the domain's XML "
                              "definition cannot carry", name));
        }
    }
    /* A provider's image removed while httpd runs: refused before anything
     * is made, rather than a domain that cannot boot. (The test driver's
     * host has no files.) */
    if (image && image == provider_image_of(hv, compute) && strncmp(hv->config.uri, "test:", 5)
        && occi_hypervisor_uri_is_local(hv->config.uri)) {
        const char *missing = occi_os_image_missing_file(pool, image);

        if (missing) {
            return refuse(error, OCCI_HV_UNAVAILABLE, apr_psprintf(
                              pool, "the OS template %s cannot be used now: its file %s is "
                              "missing on the hypervisor's host (the provider must restore "
                              "it)", image->term, missing));
        }
    }
    with_seed = occi_cloudinit_wanted(compute);
    if (with_seed && !volume_exists(hv, connection, pool, seed_volume_name(pool, compute->id))) {
        status = create_seed(hv, connection, pool, compute, error);
        if (status != OCCI_HV_OK) {
            return status;
        }
        made_seed = 1;
    }
    /* A redefinition (new sizes, a vanished domain) keeps the root disk. */
    made_root = image && image->disk && !volume_exists(hv, connection, pool,
                                                       root_volume_name(pool, compute->id));
    if (made_root) {
        status = create_volume(hv, connection, pool, root_volume_name(pool, compute->id), 0,
                               image->disk, error);
        if (status != OCCI_HV_OK) {
            occi_hv_error ignored;

            if (made_seed) {
                delete_volume(hv, connection, pool, seed_volume_name(pool, compute->id),
                              &ignored);
            }
            return status;
        }
    }
    domain = virDomainDefineXML(connection,
                                domain_xml(hv, pool, compute, image, with_seed, with_links));
    if (!domain) {
        occi_hv_error ignored;

        fail_libvirt(pool, error, "defining the domain");
        if (made_seed) {
            delete_volume(hv, connection, pool, seed_volume_name(pool, compute->id), &ignored);
        }
        if (made_root) {
            delete_volume(hv, connection, pool, root_volume_name(pool, compute->id), &ignored);
        }
        return error->status;
    }
    virDomainFree(domain);
    return OCCI_HV_OK;
}

static virDomainPtr find_domain(virConnectPtr connection, const char *id)
{
    return id ? virDomainLookupByUUIDString(connection, id) : NULL;
}

static const char *compute_state(virDomainPtr domain, const char **message)
{
    int state = VIR_DOMAIN_NOSTATE, reason = 0;

    *message = NULL;
    if (virDomainGetState(domain, &state, &reason, 0) < 0) {
        *message = "the hypervisor did not say the domain's state";
        return "error";
    }
    switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
    case VIR_DOMAIN_SHUTDOWN:            /* still running while it shuts down */
        return "active";
    case VIR_DOMAIN_PAUSED:
    case VIR_DOMAIN_PMSUSPENDED:
        return "suspended";
    case VIR_DOMAIN_CRASHED:
        *message = "the guest crashed";
        return "error";
    default:
        /* Hibernated: off, with its memory saved to disk. */
        return virDomainHasManagedSaveImage(domain, 0) == 1 ? "suspended" : "inactive";
    }
}

static void set_state(apr_pool_t *pool, occi_entity *entity, const char *attribute,
                      const char *state, const char *message)
{
    occi_entity_set_string(pool, entity, attribute, state);
    if (message) {
        occi_entity_set_string(pool, entity, apr_pstrcat(pool, attribute, ".message", NULL),
                               message);
    }
    else {
        occi_entity_set(entity, apr_pstrcat(pool, attribute, ".message", NULL), NULL);
    }
}

static const char *parameter(const apr_array_header_t *parameters, const char *name)
{
    int i;

    for (i = 0; parameters && i < parameters->nelts; i++) {
        const occi_attribute_value *p = &APR_ARRAY_IDX(parameters, i, occi_attribute_value);

        if (!strcmp(p->name, name) && p->value.type == OCCI_TYPE_STRING) {
            return p->value.string;
        }
    }
    return NULL;
}

static occi_hv_status act_on_compute(libvirt_hv *hv, virConnectPtr connection,
                                     apr_pool_t *pool, occi_entity *compute, const char *action,
                                     const apr_array_header_t *parameters, occi_hv_error *error)
{
    const char *method = parameter(parameters, "method");
    virDomainPtr domain = find_domain(connection, compute->id);
    int result = 0, state = VIR_DOMAIN_NOSTATE, reason;
    const char *doing = action;

    if (!domain) {
        /* A domain that vanished is defined again by start. */
        if (strcmp(action, COMPUTE_ACTION("start"))) {
            return refuse(error, OCCI_HV_CONFLICT, "the domain is gone from the "
                          "hypervisor; start defines it again");
        }
        if (define_compute(hv, connection, pool, compute, 1, error) != OCCI_HV_OK) {
            return error->status;
        }
        domain = find_domain(connection, compute->id);
        if (!domain) {
            return fail_libvirt(pool, error, "finding the domain just defined");
        }
    }
    virDomainGetState(domain, &state, &reason, 0);
    if (!strcmp(action, COMPUTE_ACTION("start"))) {
        doing = "starting the domain";
        result = state == VIR_DOMAIN_PAUSED ? virDomainResume(domain) : virDomainCreate(domain);
    }
    else if (!strcmp(action, COMPUTE_ACTION("stop"))) {
        if (method && !strcmp(method, "poweroff")) {
            doing = "powering the domain off";
            result = virDomainDestroy(domain);
        }
        else {
            doing = "asking the guest to shut down";
            result = virDomainShutdown(domain);
        }
    }
    else if (!strcmp(action, COMPUTE_ACTION("restart"))) {
        if (method && !strcmp(method, "cold")) {
            doing = "resetting the domain";
            result = virDomainReset(domain, 0);
        }
        else {
            doing = "asking the guest to reboot";
            result = virDomainReboot(domain, 0);
        }
    }
    else if (!strcmp(action, COMPUTE_ACTION("suspend"))) {
        if (method && !strcmp(method, "hibernate")) {
            doing = "saving the domain's memory to disk";
            result = virDomainManagedSave(domain, 0);
        }
        else {
            doing = "pausing the domain";
            result = virDomainSuspend(domain);
        }
    }
    else if (!strcmp(action, COMPUTE_ACTION("save"))) {
        virDomainFree(domain);
        return refuse(error, OCCI_HV_CONFLICT, "save is not available yet: copying a "
                    "root disk into a new OS template comes in a later release");
    }
    if (result < 0) {
        fail_libvirt(pool, error, doing);
        virDomainFree(domain);
        return error->status;
    }
    {
        const char *message, *now = compute_state(domain, &message);

        set_state(pool, compute, "occi.compute.state", now, message);
    }
    virDomainFree(domain);
    return OCCI_HV_OK;
}

/* Undefines a domain with what libvirt keeps beside it (a managed save,
 * snapshots' metadata, NVRAM); a driver that knows none of these flags
 * undefines it plainly. */
static int undefine(virDomainPtr domain)
{
    if (virDomainUndefineFlags(domain, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                               | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                               | VIR_DOMAIN_UNDEFINE_NVRAM) == 0) {
        return 0;
    }
    return virDomainUndefine(domain);
}

static occi_hv_status delete_compute(libvirt_hv *hv, virConnectPtr connection,
                                     apr_pool_t *pool, const occi_entity *compute,
                                     occi_hv_error *error)
{
    virDomainPtr domain = find_domain(connection, compute->id);

    if (domain) {
        if (virDomainIsActive(domain) == 1 && virDomainDestroy(domain) < 0) {
            fail_libvirt(pool, error, "powering the domain off");
            virDomainFree(domain);
            return error->status;
        }
        if (undefine(domain) < 0) {
            fail_libvirt(pool, error, "undefining the domain");
            virDomainFree(domain);
            return error->status;
        }
        virDomainFree(domain);
    }
    /* The root disk and the seed belong to the compute; attached storage
     * does not. */
    if (delete_volume(hv, connection, pool, seed_volume_name(pool, compute->id), error)
        != OCCI_HV_OK) {
        return error->status;
    }
    return delete_volume(hv, connection, pool, root_volume_name(pool, compute->id), error);
}

/* ---- Networks ------------------------------------------------------ */

static const char *ipv4_text(apr_pool_t *pool, unsigned long address)
{
    return apr_psprintf(pool, "%lu.%lu.%lu.%lu", (address >> 24) & 255, (address >> 16) & 255,
                        (address >> 8) & 255, address & 255);
}

/* The IPv4 <ip> element of an ipnetwork (cidr): the gateway (the first
 * host unless given) on the network, and DHCP over the rest when
 * allocation is dynamic. */
static occi_hv_status network_ipv4_xml(apr_pool_t *pool, const char *cidr,
                                       const char *gateway_text, const char *allocation,
                                       const char **xml, occi_hv_error *error)
{
    unsigned long address, gateway, mask, first, last;
    long prefix;

    if (occi_ipv4_range(cidr, &address, &mask, &prefix)) {
        error->status = OCCI_HV_INVALID;
        error->message = apr_psprintf(pool, "occi.network.address '%s' is not an IPv4 range "
                                      "such as 192.168.10.0/24 (prefix 8 to 30)", cidr);
        return error->status;
    }
    first = (address & mask) + 1;
    last = ((address & mask) | (~mask & 0xFFFFFFFFUL)) - 1;
    if (gateway_text) {
        if (occi_ipv4_parse(gateway_text, &gateway) || (gateway & mask) != (address & mask)) {
            error->status = OCCI_HV_INVALID;
            error->message = apr_psprintf(pool, "occi.network.gateway '%s' is not an address "
                                          "in %s", gateway_text, cidr);
            return error->status;
        }
    }
    else {
        gateway = first;
    }
    if (allocation && !strcmp(allocation, "static")) {
        *xml = apr_psprintf(pool, "<ip address='%s' prefix='%ld'/>", ipv4_text(pool, gateway),
                            prefix);
    }
    else {
        unsigned long start = gateway == first ? first + 1 : first;

        *xml = apr_psprintf(pool, "<ip address='%s' prefix='%ld'><dhcp>"
                            "<range start='%s' end='%s'/></dhcp></ip>",
                            ipv4_text(pool, gateway), prefix, ipv4_text(pool, start),
                            ipv4_text(pool, last == gateway ? last - 1 : last));
    }
    return OCCI_HV_OK;
}

/* The most addresses a dynamic IPv6 range hands out: dnsmasq keeps a
 * lease per address, not a bitmap of the /64. */
#define IPV6_DHCP_ADDRESSES 65534ULL

/* The IPv6 <ip> element: the gateway on the network, router
 * advertisements (libvirt's dnsmasq sends them for every IPv6 <ip>), and
 * DHCPv6 over a range after the gateway when allocation is dynamic. */
static occi_hv_status network_ipv6_xml(apr_pool_t *pool, const char *cidr,
                                       const char *gateway_text, const char *allocation,
                                       const char **xml, occi_hv_error *error)
{
    unsigned char network[16], gateway[16], start[16], end[16], first[16];
    unsigned long long size;
    long prefix;

    if (occi_ipv6_range(cidr, network, &prefix)) {
        error->status = OCCI_HV_INVALID;
        error->message = apr_psprintf(pool, "occi.network.address '%s' is not an IPv6 range "
                                      "such as fd00:10::/64 (prefix %d to %d)", cidr,
                                      OCCI_IPV6_MIN_PREFIX, OCCI_IPV6_MAX_PREFIX);
        return error->status;
    }
    occi_ipv6_add(first, network, 1);
    if (gateway_text) {
        if (occi_ipv6_parse(gateway_text, gateway)
            || !occi_ipv6_in_range(gateway, network, prefix) || !memcmp(gateway, network, 16)) {
            error->status = OCCI_HV_INVALID;
            error->message = apr_psprintf(pool, "occi.network.gateway '%s' is not an address "
                                          "in %s", gateway_text, cidr);
            return error->status;
        }
    }
    else {
        memcpy(gateway, first, 16);
    }
    if (allocation && !strcmp(allocation, "static")) {
        *xml = apr_psprintf(pool, "<ip family='ipv6' address='%s' prefix='%ld'/>",
                            occi_ipv6_text(pool, gateway), prefix);
        return OCCI_HV_OK;
    }
    /* Host addresses of the range after the network's own (all of them up
     * to a /64's 2^64), at most IPV6_DHCP_ADDRESSES, skipping the gateway
     * when it is the first. */
    size = 128 - prefix >= 64 ? IPV6_DHCP_ADDRESSES
           : ((1ULL << (128 - prefix)) - 1 < IPV6_DHCP_ADDRESSES
              ? (1ULL << (128 - prefix)) - 1 : IPV6_DHCP_ADDRESSES);
    occi_ipv6_add(start, network, memcmp(gateway, first, 16) ? 1 : 2);
    occi_ipv6_add(end, network, size);
    *xml = apr_psprintf(pool, "<ip family='ipv6' address='%s' prefix='%ld'><dhcp>"
                        "<range start='%s' end='%s'/></dhcp></ip>",
                        occi_ipv6_text(pool, gateway), prefix, occi_ipv6_text(pool, start),
                        occi_ipv6_text(pool, end));
    return OCCI_HV_OK;
}

/* The <ip> elements of an ipnetwork: an IPv4 range, an IPv6 range, or
 * one of each (occi.network.address "10.1.0.0/24, fd00:1::/64"), the
 * IPv4 one first. */
static occi_hv_status network_ip_xml(apr_pool_t *pool, const occi_entity *network,
                                     const char **xml, occi_hv_error *error)
{
    const char *allocation = occi_entity_get_string(network, "occi.network.allocation");
    const char *cidr4, *cidr6, *gateway4, *gateway6, *message, *v4 = "", *v6 = "";

    *xml = "";
    if ((message = occi_ip_split(pool, "occi.network.address",
                                 occi_entity_get_string(network, "occi.network.address"),
                                 &cidr4, &cidr6))
        || (message = occi_ip_split(pool, "occi.network.gateway",
                                    occi_entity_get_string(network, "occi.network.gateway"),
                                    &gateway4, &gateway6))) {
        return refuse(error, OCCI_HV_INVALID, message);
    }
    if ((gateway4 && !cidr4) || (gateway6 && !cidr6)) {
        return refuse(error, OCCI_HV_INVALID, apr_psprintf(
                          pool, "occi.network.gateway '%s' is not an address in %s",
                          gateway4 ? gateway4 : gateway6,
                          cidr4 ? cidr4 : cidr6 ? cidr6 : "the network (it has no range)"));
    }
    if ((cidr4 && network_ipv4_xml(pool, cidr4, gateway4, allocation, &v4, error) != OCCI_HV_OK)
        || (cidr6 && network_ipv6_xml(pool, cidr6, gateway6, allocation, &v6, error)
                         != OCCI_HV_OK)) {
        return error->status;
    }
    *xml = apr_pstrcat(pool, v4, v6, NULL);
    return OCCI_HV_OK;
}

/* The provider network network is a network of (NULL: a private one). */
static const occi_provider_network *provider_network(const libvirt_hv *hv,
                                                     const occi_entity *network)
{
    return network ? occi_provider_network_of(hv->config.provider_networks,
                                              hv->config.provider_network_scheme, network)
                   : NULL;
}

/* A provider network on this host: a libvirt network in bridge mode over
 * the operator's bridge (Open vSwitch with the network's VLAN tag, if any),
 * defined and started on the host the first time one of its computes
 * needs it there, so that interfaces name it as they name a private
 * network. */
static occi_hv_status ensure_bridge_network(libvirt_hv *hv, virConnectPtr connection,
                                            apr_pool_t *pool, const occi_entity *network,
                                            occi_hv_error *error)
{
    const occi_provider_network *pn = provider_network(hv, network);
    virNetworkPtr found = virNetworkLookupByUUIDString(connection, network->id);
    const char *why;
    int vlan;

    if (!found) {
        if (!pn) {
            return refuse(error, OCCI_HV_CONFLICT, "the network's provider network is not "
                          "declared on this server (OCCIProviderNetwork)");
        }
        if ((vlan = occi_provider_network_vlan(pool, pn, network, &why)) < 0) {
            return refuse(error, OCCI_HV_INVALID, why);
        }
        found = virNetworkDefineXML(connection, apr_psprintf(
                                        pool, "<network><name>%s</name><uuid>%s</uuid>"
                                        "<forward mode='bridge'/><bridge name='%s'/>%s%s"
                                        "</network>", domain_name(pool, network->id),
                                        network->id, xml_escape(pool, pn->bridge),
                                        pn->openvswitch ? "<virtualport type='openvswitch'/>"
                                                        : "",
                                        vlan ? apr_psprintf(pool, "<vlan><tag id='%d'/></vlan>",
                                                            vlan) : ""));
        if (!found) {
            return fail_libvirt(pool, error, "defining the provider network on the host");
        }
        virNetworkSetAutostart(found, 1);
    }
    if (virNetworkIsActive(found) != 1 && virNetworkCreate(found) < 0) {
        fail_libvirt(pool, error, "starting the provider network on the host");
        virNetworkFree(found);
        return error->status;
    }
    virNetworkFree(found);
    return OCCI_HV_OK;
}

static occi_hv_status define_network(virConnectPtr connection, apr_pool_t *pool,
                                     const occi_entity *network, occi_hv_error *error)
{
    const char *ip;
    virNetworkPtr defined;

    if (network_ip_xml(pool, network, &ip, error) != OCCI_HV_OK) {
        return error->status;
    }
    /* Isolated: no <forward>, so guests reach each other, not the host's
     * networks. */
    defined = virNetworkDefineXML(connection, apr_psprintf(
                                      pool, "<network><name>%s</name><uuid>%s</uuid>"
                                      "<bridge name='%s' stp='on' delay='0'/>%s</network>",
                                      domain_name(pool, network->id), network->id,
                                      bridge_name(pool, network->id), ip));
    if (!defined) {
        return fail_libvirt(pool, error, "defining the network");
    }
    virNetworkFree(defined);
    return OCCI_HV_OK;
}

static occi_hv_status delete_network(virConnectPtr connection, apr_pool_t *pool,
                                     const occi_entity *network, occi_hv_error *error)
{
    virNetworkPtr found = virNetworkLookupByUUIDString(connection, network->id);
    occi_hv_status status = OCCI_HV_OK;

    if (!found) {
        return OCCI_HV_OK;
    }
    if (virNetworkIsActive(found) == 1 && virNetworkDestroy(found) < 0) {
        status = fail_libvirt(pool, error, "stopping the network");
    }
    else if (virNetworkUndefine(found) < 0) {
        status = fail_libvirt(pool, error, "undefining the network");
    }
    virNetworkFree(found);
    return status;
}

static occi_hv_status act_on_network(libvirt_hv *hv, virConnectPtr connection,
                                     apr_pool_t *pool, occi_entity *network,
                                     const char *action, occi_hv_error *error)
{
    virNetworkPtr found;
    int up = !strcmp(action, NETWORK_ACTION("up")), result;

    /* A provider network's bridge is the operator's, on every host: up and
     * down are the client's word only. */
    if (occi_is_provider_network(hv->config.provider_network_scheme, network)) {
        set_state(pool, network, "occi.network.state", up ? "active" : "inactive", NULL);
        return OCCI_HV_OK;
    }
    found = virNetworkLookupByUUIDString(connection, network->id);

    if (!found) {
        if (!up || define_network(connection, pool, network, error) != OCCI_HV_OK
            || !(found = virNetworkLookupByUUIDString(connection, network->id))) {
            return error->message ? error->status
                                  : refuse(error, OCCI_HV_CONFLICT, "the network is gone "
                                         "from the hypervisor; up defines it again");
        }
    }
    result = up ? virNetworkCreate(found) : virNetworkDestroy(found);
    if (result < 0) {
        fail_libvirt(pool, error, up ? "starting the network" : "stopping the network");
        virNetworkFree(found);
        return error->status;
    }
    set_state(pool, network, "occi.network.state", up ? "active" : "inactive", NULL);
    virNetworkFree(found);
    return OCCI_HV_OK;
}

/* ---- Storage ------------------------------------------------------- */

static unsigned long long size_bytes(const occi_entity *storage)
{
    return (unsigned long long)llround(attribute_number(storage, "occi.storage.size", 1) * GIB);
}

/* ---- Links --------------------------------------------------------- */

static const char *device_name(apr_pool_t *pool, const char *deviceid)
{
    if (deviceid && !strncmp(deviceid, "/dev/", 5)) {
        deviceid += 5;
    }
    return deviceid;
}

/* Whether the device may be changed on the running domain as well. */
static unsigned int affect_flags(virDomainPtr domain)
{
    return VIR_DOMAIN_AFFECT_CONFIG
           | (virDomainIsActive(domain) == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
}

/* Whether name is a disk name libvirt gives a guest: a bus prefix (vd, sd,
 * hd, xvd) and letters. */
static int is_disk_name(const char *name)
{
    const char *letters = !strncmp(name, "xvd", 3) ? name + 3
                          : (!strncmp(name, "vd", 2) || !strncmp(name, "sd", 2)
                             || !strncmp(name, "hd", 2)) ? name + 2 : NULL;
    const char *c;

    for (c = letters; c && *c >= 'a' && *c <= 'z'; c++) {
        /* the letters after the bus prefix */
    }
    return letters && c > letters && !*c && strlen(name) <= 16;
}

/* The disk name of a storagelink's device. GFD.224 leaves device
 * identifiers to the provider: a disk name (vdb, /dev/sdc) is used as it
 * is; any other identifier a client gives (/dev/blk0, a label of its own)
 * is kept as the link's attribute, and the disk gets a virtio name made
 * from the link's id (vd and three letters, which no two-letter name
 * meets), the same at every attach and detach. */
static const char *disk_name_of(apr_pool_t *pool, const occi_entity *link)
{
    const char *device = device_name(pool, occi_entity_get_string(link,
                                                                  "occi.storagelink.deviceid"));
    unsigned long value = 0;
    const char *c;

    if (device && is_disk_name(device)) {
        return device;
    }
    for (c = link->id ? link->id : ""; *c; c++) {
        value = value * 31 + (unsigned char)*c;
    }
    return apr_psprintf(pool, "vd%c%c%c", 'a' + (int)(value % 26), 'a' + (int)(value / 26 % 26),
                        'a' + (int)(value / 676 % 26));
}

static const char *storagelink_xml(libvirt_hv *hv, apr_pool_t *pool,
                                   const occi_entity *link, const char *storage_id,
                                   occi_hv_error *error)
{
    (void)error;
    return apr_psprintf(pool, "<disk type='volume' device='disk'><driver name='qemu' "
                        "type='qcow2'/><source pool='%s' volume='%s'/><target dev='%s' "
                        "bus='virtio'/></disk>", xml_escape(pool, hv->config.pool),
                        volume_name(pool, storage_id), xml_escape(pool, disk_name_of(pool, link)));
}

static const char *generated_mac(apr_pool_t *pool)
{
    unsigned char bytes[3];

    apr_generate_random_bytes(bytes, sizeof(bytes));
    /* 52:54:00 is the prefix QEMU and libvirt use for their guests. */
    return apr_psprintf(pool, "52:54:00:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2]);
}

static int mac_is_valid(const char *mac)
{
    int i;

    for (i = 0; i < 17; i++) {
        if (i % 3 == 2 ? mac[i] != ':' : !apr_isxdigit(mac[i])) {
            return 0;
        }
    }
    return mac[17] == '\0';
}

static const char *interface_xml(apr_pool_t *pool, const occi_entity *link,
                                 const char *network_id)
{
    return apr_psprintf(pool, "<interface type='network'><mac address='%s'/>"
                        "<source network='%s'/><model type='virtio'/></interface>",
                        xml_escape(pool, occi_entity_get_string(link,
                                                                "occi.networkinterface.mac")),
                        xml_escape(pool, domain_name(pool, network_id)));
}

/* The DHCP host entry that gives a static address to an interface. */
static occi_hv_status update_dhcp_host(virConnectPtr connection, apr_pool_t *pool,
                                       const occi_entity *link, const char *network_id,
                                       int add, occi_hv_error *error)
{
    const char *address = occi_entity_get_string(link, "occi.networkinterface.address");
    const char *allocation = occi_entity_get_string(link, "occi.networkinterface.allocation");
    const char *mac = occi_entity_get_string(link, "occi.networkinterface.mac"), *host;
    unsigned char ip6[16];
    unsigned long ip;
    virNetworkPtr network;
    unsigned int flags;
    int result, index = -1;

    /* Only a static address needs an entry; dynamic ones come from the
     * network's DHCP range. */
    if (!occi_entity_has_mixin(link, IPNETWORKINTERFACE) || !address
        || (allocation && strcmp(allocation, "static"))) {
        return OCCI_HV_OK;
    }
    if (!occi_ipv6_parse(address, ip6)) {
        /* DHCPv6 knows a client by its DUID, not its MAC: the DUID-LL
         * (type 3, Ethernet) a client makes from this MAC. */
        host = apr_psprintf(pool, "<host id='00:03:00:01:%s' ip='%s'/>", xml_escape(pool, mac),
                            occi_ipv6_text(pool, ip6));
    }
    else if (!occi_ipv4_parse(address, &ip)) {
        host = apr_psprintf(pool, "<host mac='%s' ip='%s'/>", xml_escape(pool, mac),
                            ipv4_text(pool, ip));
    }
    else {
        error->status = OCCI_HV_INVALID;
        error->message = apr_psprintf(pool, "occi.networkinterface.address '%s' is not an "
                                      "IPv4 or IPv6 address", address);
        return error->status;
    }
    network = virNetworkLookupByUUIDString(connection, network_id);
    if (!network) {
        return fail_libvirt(pool, error, "finding the interface's network");
    }
    if (strchr(address, ':')) {
        /* The IPv6 <ip> is the second when there is an IPv4 one: libvirt
         * counts them in order. */
        char *xml = virNetworkGetXMLDesc(network, VIR_NETWORK_XML_INACTIVE);
        const char *at = xml;

        for (index = 0; at && (at = strstr(at, "<ip ")); at++, index++) {
            const char *end = strchr(at, '>');

            if (end && strstr(apr_pstrmemdup(pool, at, (apr_size_t)(end - at)),
                              "family='ipv6'")) {
                break;
            }
        }
        if (!at) {
            index = -1;
        }
        free(xml);
    }
    flags = VIR_NETWORK_UPDATE_AFFECT_CONFIG
            | (virNetworkIsActive(network) == 1 ? VIR_NETWORK_UPDATE_AFFECT_LIVE : 0);
    result = virNetworkUpdate(network, add ? VIR_NETWORK_UPDATE_COMMAND_ADD_LAST
                                           : VIR_NETWORK_UPDATE_COMMAND_DELETE,
                              VIR_NETWORK_SECTION_IP_DHCP_HOST, index, host, flags);
    virNetworkFree(network);
    if (result < 0 && add) {
        return fail_libvirt(pool, error, "reserving the interface's address on the network");
    }
    return OCCI_HV_OK;
}

/* The device XML of a link, or NULL (error set). */
static const char *link_device_xml(libvirt_hv *hv, apr_pool_t *pool,
                                   const occi_entity *link, const char *target_id,
                                   occi_hv_error *error)
{
    if (!strcmp(link->kind, KIND("storagelink"))) {
        return storagelink_xml(hv, pool, link, target_id, error);
    }
    return interface_xml(pool, link, target_id);
}

static const char *target_id_of(apr_pool_t *pool, const occi_entity *link)
{
    return occi_entity_id_from_reference(pool, occi_entity_get_string(link, "occi.core.target"));
}

/* Adds device_xml to, or removes the element holding marker from, the
 * domain's persistent definition and defines it again: for drivers that
 * lack the device API (the test driver), where a change then takes effect
 * at the next start. The XML is libvirt's own, so its elements are found
 * by their names; the device XML and marker are this module's. */
static int redefine_with_device(virConnectPtr connection, virDomainPtr domain,
                                apr_pool_t *pool, const char *device_xml,
                                const char *element, const char *marker, int add)
{
    char *xml = virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_INACTIVE);
    const char *changed = NULL;
    virDomainPtr defined;

    if (!xml) {
        return -1;
    }
    if (add) {
        char *end = strstr(xml, "</devices>");

        if (end) {
            changed = apr_pstrcat(pool, apr_pstrmemdup(pool, xml, (apr_size_t)(end - xml)),
                                  device_xml, end, NULL);
        }
    }
    else {
        char *at = strstr(xml, marker), *start, *finish;
        const char *open = apr_pstrcat(pool, "<", element, NULL);
        const char *close = apr_pstrcat(pool, "</", element, ">", NULL);

        if (at) {
            for (start = at; start > xml && strncmp(start, open, strlen(open)); start--) {
            }
            finish = strstr(at, close);
            if (finish && start > xml) {
                finish += strlen(close);
                changed = apr_pstrcat(pool, apr_pstrmemdup(pool, xml, (apr_size_t)(start - xml)),
                                      finish, NULL);
            }
        }
        else {
            free(xml);
            return 0;                   /* not there: nothing to remove */
        }
    }
    free(xml);
    if (!changed || !(defined = virDomainDefineXML(connection, changed))) {
        return -1;
    }
    virDomainFree(defined);
    return 0;
}

static int no_device_api(void)
{
    virErrorPtr last = virGetLastError();

    return last && last->code == VIR_ERR_NO_SUPPORT;
}

/* The text that finds a link's device in the domain's XML. */
static const char *device_marker(apr_pool_t *pool, const occi_entity *link,
                                 const char *target_id, const char **element)
{
    if (!strcmp(link->kind, KIND("storagelink"))) {
        *element = "disk";
        return apr_psprintf(pool, "volume='%s'", volume_name(pool, target_id));
    }
    *element = "interface";
    return apr_psprintf(pool, "address='%s'",
                        xml_escape(pool, occi_entity_get_string(link,
                                                                "occi.networkinterface.mac")));
}

static occi_hv_status attach_link(libvirt_hv *hv, virConnectPtr connection,
                                  apr_pool_t *pool, occi_entity *link,
                                  const occi_entity *source, const occi_entity *target,
                                  occi_hv_error *error)
{
    const char *target_id = target_id_of(pool, link);
    int bridged = target && occi_is_provider_network(hv->config.provider_network_scheme, target);
    virDomainPtr domain = find_domain(connection, source ? source->id : NULL);
    const char *xml;
    int result;

    if (!domain) {
        return refuse(error, OCCI_HV_CONFLICT, "the link's compute has no domain on the "
                    "hypervisor");
    }
    if (!strcmp(link->kind, KIND("networkinterface"))) {
        const char *mac = occi_entity_get_string(link, "occi.networkinterface.mac");

        if (!mac) {
            occi_entity_set_string(pool, link, "occi.networkinterface.mac", generated_mac(pool));
        }
        else if (!mac_is_valid(mac)) {
            virDomainFree(domain);
            error->status = OCCI_HV_INVALID;
            error->message = apr_psprintf(pool, "occi.networkinterface.mac '%s' is not a MAC "
                                          "address such as 52:54:00:12:34:56", mac);
            return error->status;
        }
        if (!occi_entity_get_string(link, "occi.networkinterface.interface")) {
            occi_entity_set_string(pool, link, "occi.networkinterface.interface",
                                   apr_psprintf(pool, "eth-%.8s", link->id));
        }
        /* A provider network has no DHCP of this module's: its address
         * plan is the operator's, and a static address only recorded. */
        if ((bridged ? ensure_bridge_network(hv, connection, pool, target, error)
                     : update_dhcp_host(connection, pool, link, target_id, 1, error))
            != OCCI_HV_OK) {
            virDomainFree(domain);
            return error->status;
        }
    }
    xml = link_device_xml(hv, pool, link, target_id, error);
    if (!xml) {
        virDomainFree(domain);
        return error->status;
    }
    result = virDomainAttachDeviceFlags(domain, xml, affect_flags(domain));
    if (result < 0 && no_device_api()) {
        const char *element, *marker = device_marker(pool, link, target_id, &element);

        result = redefine_with_device(connection, domain, pool, xml, element, marker, 1);
    }
    if (result < 0) {
        occi_hv_error ignored;

        fail_libvirt(pool, error, "attaching the device to the domain");
        if (!strcmp(link->kind, KIND("networkinterface")) && !bridged) {
            update_dhcp_host(connection, pool, link, target_id, 0, &ignored);
        }
    }
    virDomainFree(domain);
    return result < 0 ? error->status : OCCI_HV_OK;
}

static occi_hv_status detach_link(libvirt_hv *hv, virConnectPtr connection,
                                  apr_pool_t *pool, const occi_entity *link,
                                  const occi_entity *source, occi_hv_error *error)
{
    const char *target_id = target_id_of(pool, link);
    const char *source_id = source ? source->id
                            : occi_entity_id_from_reference(pool, occi_entity_get_string(
                                                                link, "occi.core.source"));
    virDomainPtr domain = find_domain(connection, source_id);
    const char *xml;
    int result = 0, missing = 0;

    if (!domain || !target_id) {
        return OCCI_HV_OK;           /* nothing left to detach from */
    }
    xml = link_device_xml(hv, pool, link, target_id, error);
    if (xml) {
        result = virDomainDetachDeviceFlags(domain, xml, affect_flags(domain));
        if (result < 0 && no_device_api()) {
            const char *element, *marker = device_marker(pool, link, target_id, &element);

            result = redefine_with_device(connection, domain, pool, xml, element, marker, 0);
        }
    }
    if (result < 0) {
        /* Read now: the DHCP update below replaces libvirt's last error. */
        virErrorPtr last = virGetLastError();

        missing = last && (last->code == VIR_ERR_DEVICE_MISSING
                           || last->code == VIR_ERR_OPERATION_FAILED);
        fail_libvirt(pool, error, "detaching the device from the domain");
    }
    virDomainFree(domain);
    if (!strcmp(link->kind, KIND("networkinterface"))) {
        occi_hv_error ignored;

        update_dhcp_host(connection, pool, link, target_id, 0, &ignored);
    }
    if (result < 0) {
        /* Already gone from the domain is what was wanted. */
        return missing ? OCCI_HV_OK : error->status;
    }
    return OCCI_HV_OK;
}

/* ---- Saving -------------------------------------------------------- */

/* The disk names (vda, vdb, hdc...) of a domain's <disk> elements. */
static apr_array_header_t *disk_targets(apr_pool_t *pool, virDomainPtr domain)
{
    apr_array_header_t *targets = apr_array_make(pool, 4, sizeof(const char *));
    char *xml = virDomainGetXMLDesc(domain, 0);
    const char *disk = xml;

    while (disk && (disk = strstr(disk, "<disk "))) {
        const char *end = strstr(disk, "</disk>");
        const char *target = strstr(disk, "<target dev='");

        if (end && target && target < end) {
            const char *name = target + strlen("<target dev='");
            const char *quote = strchr(name, '\'');

            if (quote && quote < end) {
                APR_ARRAY_PUSH(targets, const char *) =
                    apr_pstrmemdup(pool, name, (apr_size_t)(quote - name));
            }
        }
        disk = end;
    }
    free(xml);
    return targets;
}

/* How long a hot copy may take before it is given up. */
#define HOT_COPY_SECONDS 1800

/* A consistent copy of the root disk (vda) of a running domain into the
 * volume at target_path (qcow2, the root disk's capacity), through
 * libvirt's push backup: QEMU copies the disk as it was when the backup
 * began while the guest goes on writing. The guest's file systems are as
 * after a power cut at that moment (crash-consistent), as with any copy
 * taken without the guest's help. */
static occi_hv_status hot_copy(virDomainPtr domain, apr_pool_t *pool, const char *target_path,
                               occi_hv_error *error)
{
    apr_array_header_t *targets = disk_targets(pool, domain);
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(HOT_COPY_SECONDS);
    virDomainJobInfo job;
    occi_buf xml;
    int i, type = VIR_DOMAIN_JOB_NONE, nparams = 0;
    virTypedParameterPtr params = NULL;

    occi_buf_init(&xml, pool, 512);
    occi_buf_puts(&xml, "<domainbackup mode='push'><disks>");
    for (i = 0; i < targets->nelts; i++) {
        const char *name = APR_ARRAY_IDX(targets, i, const char *);

        /* Only the root disk: unnamed disks would get copies made up by
         * libvirt beside their images. */
        if (!strcmp(name, "vda")) {
            occi_buf_puts(&xml, apr_psprintf(pool, "<disk name='vda' backup='yes' type='file'>"
                                             "<target file='%s'/><driver type='qcow2'/>"
                                             "</disk>", xml_escape(pool, target_path)));
        }
        else {
            occi_buf_puts(&xml, apr_psprintf(pool, "<disk name='%s' backup='no'/>",
                                             xml_escape(pool, name)));
        }
    }
    occi_buf_puts(&xml, "</disks></domainbackup>");
    if (virDomainBackupBegin(domain, xml.data, NULL, VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL) < 0) {
        return fail_libvirt(pool, error, "starting the copy of the running root disk");
    }
    for (;;) {
        if (virDomainGetJobInfo(domain, &job) < 0) {
            return fail_libvirt(pool, error, "following the copy of the root disk");
        }
        if (job.type == VIR_DOMAIN_JOB_NONE) {
            break;
        }
        if (apr_time_now() > deadline) {
            virDomainAbortJob(domain);
            return refuse(error, OCCI_HV_FAILED, apr_psprintf(
                              pool, "the copy of the running root disk took more than %d s "
                              "and was stopped", HOT_COPY_SECONDS));
        }
        apr_sleep(apr_time_from_msec(50));
    }
    if (virDomainGetJobStats(domain, &type, &params, &nparams,
                             VIR_DOMAIN_JOB_STATS_COMPLETED) < 0) {
        return fail_libvirt(pool, error, "reading how the copy of the root disk ended");
    }
    virTypedParamsFree(params, nparams);
    if (type != VIR_DOMAIN_JOB_COMPLETED) {
        return refuse(error, OCCI_HV_FAILED, "the copy of the running root disk failed (see "
                      "libvirtd's log)");
    }
    return OCCI_HV_OK;
}

static int domain_runs(virConnectPtr connection, const char *id)
{
    virDomainPtr domain = find_domain(connection, id);
    int running = domain && virDomainIsActive(domain) == 1;

    if (domain) {
        virDomainFree(domain);
    }
    return running;
}

static int is_deferred(const char *method)
{
    return method && !strcmp(method, "deferred");
}

static occi_hv_status save_on(libvirt_hv *hv, virConnectPtr connection, apr_pool_t *pool,
                              const occi_entity *compute, const char *term, const char *method,
                              int *later, occi_hv_error *error)
{
    virStoragePoolPtr storage_pool = open_pool(hv, connection, pool, error);
    virStorageVolPtr root, copy, leftover;
    virStorageVolInfo info;
    virDomainPtr domain;
    occi_hv_status status;
    const char *volume_xml, *copy_name = saved_volume_name(pool, term);
    char *path = NULL;
    int running;

    *later = 0;
    if (!storage_pool) {
        return error->status;
    }
    root = virStorageVolLookupByName(storage_pool, root_volume_name(pool, compute->id));
    if (!root) {
        virStoragePoolFree(storage_pool);
        return refuse(error, OCCI_HV_CONFLICT, "this compute has no root disk to save (it "
                      "boots a kernel, or was made without a disk OS template)");
    }
    running = domain_runs(connection, compute->id);
    if (running && is_deferred(method)) {
        /* Made at the compute's next stop (src/occi_deferred_save.h). */
        *later = 1;
        virStorageVolFree(root);
        virStoragePoolFree(storage_pool);
        return OCCI_HV_OK;
    }
    if (virStorageVolGetInfo(root, &info) < 0) {
        fail_libvirt(pool, error, "reading the size of the root disk");
        virStorageVolFree(root);
        virStoragePoolFree(storage_pool);
        return error->status;
    }
    /* A copy of this name can only be the remains of an attempt whose
     * process died: the term is new for each save. */
    if ((leftover = virStorageVolLookupByName(storage_pool, copy_name))) {
        virStorageVolDelete(leftover, 0);
        virStorageVolFree(leftover);
    }
    volume_xml = apr_psprintf(pool, "<volume><name>%s</name><capacity unit='bytes'>%"
                              APR_UINT64_T_FMT "</capacity><target><format type='qcow2'/>"
                              "</target></volume>", copy_name, (apr_uint64_t)info.capacity);
    if (running) {
        /* QEMU holds the disk: it copies it itself, into a volume made
         * here so that the pool knows it. */
        copy = virStorageVolCreateXML(storage_pool, volume_xml, 0);
        path = copy ? virStorageVolGetPath(copy) : NULL;
        domain = find_domain(connection, compute->id);
        status = !copy ? fail_libvirt(pool, error, "making the volume of the copy")
                 : !path || !domain ? fail_libvirt(pool, error, "finding the running domain")
                 : hot_copy(domain, pool, path, error);
        if (status != OCCI_HV_OK && copy) {
            virStorageVolDelete(copy, 0);
        }
        free(path);
        if (domain) {
            virDomainFree(domain);
        }
    }
    else {
        /* A full copy, independent of the base image the root disk overlays. */
        copy = virStorageVolCreateXMLFrom(storage_pool, volume_xml, root, 0);
        status = copy ? OCCI_HV_OK : fail_libvirt(pool, error, "copying the root disk");
        if (copy && is_deferred(method) && domain_runs(connection, compute->id)) {
            /* Started while the disk was read: the copy may mix two
             * moments. It is made again at the next stop. */
            virStorageVolDelete(copy, 0);
            *later = 1;
        }
    }
    if (copy) {
        virStorageVolFree(copy);
    }
    virStorageVolFree(root);
    virStoragePoolFree(storage_pool);
    return status;
}

/* Whether compute has a root disk to save, judged by its OS template. */
static int has_root_disk(const libvirt_hv *hv, const occi_entity *compute)
{
    size_t saved_len = hv->config.saved_template_scheme
                           ? strlen(hv->config.saved_template_scheme) : 0;
    const occi_os_image *image = provider_image_of(hv, compute);
    int i;

    if (image && image->disk) {
        return 1;
    }
    for (i = 0; saved_len && i < compute->mixins->nelts; i++) {
        if (!strncmp(APR_ARRAY_IDX(compute->mixins, i, const char *),
                     hv->config.saved_template_scheme, saved_len)) {
            return 1;
        }
    }
    return 0;
}

static int lv_can_save(const void *impl, const occi_entity *compute)
{
    return has_root_disk(impl, compute);
}

static occi_hv_status lv_save(void *impl, apr_pool_t *pool,
                              const occi_entity *compute, const char *term,
                              const char *method, int *later, occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status;

    *later = 0;
    WITH_CONNECTION(hv, pool, error, status,
                    save_on(hv, connection, pool, compute, term, method, later, error));
    return status;
}

static occi_hv_status lv_delete_saved(void *impl, apr_pool_t *pool,
                                      const char *term, occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status;

    WITH_CONNECTION(hv, pool, error, status,
                    delete_volume(hv, connection, pool, saved_volume_name(pool, term), error));
    return status;
}

/* ---- The module's objects, whatever the store knows ------------------- */

static void add_object(apr_pool_t *pool, apr_array_header_t *objects, const char *type,
                       const char *name)
{
    occi_hv_object object;

    if (occi_hv_object_from_name(pool, type, name, &object)) {
        object.name = apr_pstrdup(pool, object.name);
        APR_ARRAY_PUSH(objects, occi_hv_object) = object;
    }
}

static occi_hv_status list_objects_on(libvirt_hv *hv, virConnectPtr connection,
                                      apr_pool_t *pool, apr_array_header_t *objects,
                                      occi_hv_error *error)
{
    virDomainPtr *domains = NULL;
    virNetworkPtr *networks = NULL;
    virStorageVolPtr *volumes = NULL;
    virStoragePoolPtr storage_pool;
    int count, i;

    objects->nelts = 0;
    if ((count = virConnectListAllDomains(connection, &domains, 0)) < 0) {
        return fail_libvirt(pool, error, "listing the domains");
    }
    for (i = 0; i < count; i++) {
        add_object(pool, objects, "domain", virDomainGetName(domains[i]));
        virDomainFree(domains[i]);
    }
    free(domains);
    if ((count = virConnectListAllNetworks(connection, &networks, 0)) < 0) {
        return fail_libvirt(pool, error, "listing the networks");
    }
    for (i = 0; i < count; i++) {
        add_object(pool, objects, "network", virNetworkGetName(networks[i]));
        virNetworkFree(networks[i]);
    }
    free(networks);
    /* A pool that does not exist holds none of the module's volumes. */
    storage_pool = virStoragePoolLookupByName(connection, hv->config.pool);
    if (!storage_pool) {
        return OCCI_HV_OK;
    }
    count = virStoragePoolListAllVolumes(storage_pool, &volumes, 0);
    virStoragePoolFree(storage_pool);
    if (count < 0) {
        return fail_libvirt(pool, error, apr_psprintf(pool, "listing the volumes of pool %s",
                                                      hv->config.pool));
    }
    for (i = 0; i < count; i++) {
        add_object(pool, objects, "volume", virStorageVolGetName(volumes[i]));
        virStorageVolFree(volumes[i]);
    }
    free(volumes);
    return OCCI_HV_OK;
}

static occi_hv_status lv_list_objects(void *impl, apr_pool_t *pool,
                                      apr_array_header_t **objects, occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status;

    *objects = apr_array_make(pool, 16, sizeof(occi_hv_object));
    WITH_CONNECTION(hv, pool, error, status,
                    list_objects_on(hv, connection, pool, *objects, error));
    return status;
}

/* ---- Observing ----------------------------------------------------- */

/* After a lookup that found nothing: OK when libvirt says the object does
 * not exist (absent_code), or the failure to ask, as error. */
static occi_hv_status absent_or_failed(apr_pool_t *pool, int absent_code, const char *doing,
                                       occi_hv_error *error)
{
    virErrorPtr last = virGetLastError();

    return last && last->code == absent_code ? OCCI_HV_OK : fail_libvirt(pool, error, doing);
}

/* A domain's state as observe_on() needs it: the compute's state and the
 * message saying why, if any. */
typedef struct {
    const char *state;
    const char *message;
} domain_state;

/* The states of the wanted domains (UUID string -> revision of the
 * compute, or -1 when only a link asked) not yet in states: each is
 * looked up by its UUID, whatever else the hypervisor holds, so a page of
 * 100 in a cloud of 100,000 costs what it costs in a cloud of 100.
 * (Listing every domain would cost as many state questions as the
 * hypervisor has domains, and counting them first walks them all too.)
 * A domain the hypervisor does not have is left out. */
static occi_hv_status domain_states(libvirt_hv *hv, virConnectPtr connection,
                                    apr_pool_t *pool, apr_hash_t *wanted, apr_hash_t *states,
                                    occi_hv_error *error)
{
    apr_hash_index_t *index;

    for (index = apr_hash_first(pool, wanted); index; index = apr_hash_next(index)) {
        const char *id = apr_hash_this_key(index);
        const long long *revision = apr_hash_this_val(index);
        apr_uint64_t generation;
        virDomainPtr domain;
        domain_state *found;

        if (apr_hash_get(states, id, APR_HASH_KEY_STRING)) {
            continue;
        }
        generation = hv->states ? occi_domain_cache_generation(hv->states) : 0;
        domain = virDomainLookupByUUIDString(connection, id);
        if (!domain) {
            if (absent_or_failed(pool, VIR_ERR_NO_DOMAIN, "looking up the domain", error)) {
                return error->status;
            }
            continue;                     /* vanished: not in the table */
        }
        found = apr_palloc(pool, sizeof(*found));
        found->state = compute_state(domain, &found->message);
        virDomainFree(domain);
        apr_hash_set(states, id, APR_HASH_KEY_STRING, found);
        if (hv->states && *revision >= 0) {
            occi_domain_cache_store(hv->states, id, *revision, found->state, found->message,
                                    generation, apr_time_now());
        }
    }
    return OCCI_HV_OK;
}

/* The states of the wanted computes the cache still vouches for, into
 * states; 1 when that is all of them. */
static int cached_states(libvirt_hv *hv, apr_pool_t *pool, apr_hash_t *wanted,
                         apr_hash_t *states)
{
    apr_hash_index_t *index;
    apr_time_t now;
    int all = 1;

    if (!hv->states) {
        return !apr_hash_count(wanted);
    }
    now = apr_time_now();
    for (index = apr_hash_first(pool, wanted); index; index = apr_hash_next(index)) {
        const char *id = apr_hash_this_key(index);
        const long long *revision = apr_hash_this_val(index);
        const char *state, *message;

        if (*revision >= 0 && occi_domain_cache_lookup(hv->states, id, *revision, now,
                                                       &state, &message)) {
            domain_state *found = apr_palloc(pool, sizeof(*found));

            found->state = state;
            found->message = message;
            apr_hash_set(states, id, APR_HASH_KEY_STRING, found);
        }
        else {
            all = 0;
        }
    }
    return all;
}

/* The state of network id ("active" or "inactive"), or NULL in *state when
 * the hypervisor has no such network. Looked up by itself, as domains
 * are: the cost of a page does not grow with the hypervisor. */
static occi_hv_status network_state(virConnectPtr connection, apr_pool_t *pool, const char *id,
                                    const char **state, occi_hv_error *error)
{
    virNetworkPtr network = virNetworkLookupByUUIDString(connection, id);

    *state = NULL;
    if (!network) {
        return absent_or_failed(pool, VIR_ERR_NO_NETWORK, "looking up the network", error);
    }
    *state = virNetworkIsActive(network) == 1 ? "active" : "inactive";
    virNetworkFree(network);
    return OCCI_HV_OK;
}

/* Whether the storage pool holds the volume named name, in *exists; a
 * failure to ask is an error, unlike for volume_exists. */
static occi_hv_status volume_in_pool(virStoragePoolPtr storage_pool, apr_pool_t *pool,
                                    const char *name, int *exists, occi_hv_error *error)
{
    virStorageVolPtr volume = virStorageVolLookupByName(storage_pool, name);

    *exists = volume != NULL;
    if (!volume) {
        return absent_or_failed(pool, VIR_ERR_NO_STORAGE_VOL, "looking up the volume", error);
    }
    virStorageVolFree(volume);
    return OCCI_HV_OK;
}

/* The id of the domain whose state entity shows (a compute's own, a
 * link's source), or NULL for other kinds. */
static const char *domain_of(apr_pool_t *pool, const occi_entity *entity)
{
    if (!strcmp(entity->kind, KIND("compute"))) {
        return entity->id;
    }
    if (!strcmp(entity->kind, KIND("storagelink"))
        || !strcmp(entity->kind, KIND("networkinterface"))) {
        return occi_entity_id_from_reference(pool, occi_entity_get_string(entity,
                                                                          "occi.core.source"));
    }
    return NULL;
}

/* Forgets what the cache holds on the domain of a compute or of a link's
 * source compute, which this process just changed: its own answer must
 * not wait for the hypervisor's event. */
static void forget_domain(libvirt_hv *hv, apr_pool_t *pool, const occi_entity *entity)
{
    const char *id = hv->states ? domain_of(pool, entity) : NULL;

    if (id) {
        occi_domain_cache_forget(hv->states, id);
    }
}

/* The domains whose state the entities need (UUID string -> revision of
 * the compute among the entities, -1 when only links name it), and in
 * *others whether entities of other backed kinds are there too. */
static apr_hash_t *wanted_domains(apr_pool_t *pool, const apr_array_header_t *entities,
                                  int *others)
{
    apr_hash_t *wanted = apr_hash_make(pool);
    int i;

    *others = 0;
    for (i = 0; i < entities->nelts; i++) {
        const occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        const char *id = domain_of(pool, entity);
        long long *revision;

        if (!id) {
            *others |= occi_hypervisor_backs(entity->kind);
            continue;
        }
        revision = apr_hash_get(wanted, id, APR_HASH_KEY_STRING);
        if (!revision) {
            revision = apr_palloc(pool, sizeof(*revision));
            *revision = -1;
            apr_hash_set(wanted, id, APR_HASH_KEY_STRING, revision);
        }
        if (!strcmp(entity->kind, KIND("compute"))) {
            *revision = entity->revision;
        }
    }
    return wanted;
}

/* Sets the state of computes and links from the domain states. */
static void show_domain_states(apr_pool_t *pool, apr_array_header_t *entities,
                               apr_hash_t *states)
{
    int i;

    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        const char *id = domain_of(pool, entity);
        int compute = !strcmp(entity->kind, KIND("compute"));
        const char *attribute = compute ? "occi.compute.state"
                                : !strcmp(entity->kind, KIND("storagelink"))
                                    ? "occi.storagelink.state" : "occi.networkinterface.state";
        const domain_state *found;

        if (!id) {
            continue;
        }
        found = apr_hash_get(states, id, APR_HASH_KEY_STRING);
        if (!found) {
            set_state(pool, entity, attribute, "error", compute
                      ? "the domain is gone from the hypervisor"
                      : "the compute's domain is gone from the hypervisor");
        }
        else if (compute) {
            set_state(pool, entity, attribute, found->state, found->message);
        }
        else {
            /* A device is in use while its domain runs. */
            set_state(pool, entity, attribute,
                      !strcmp(found->state, "active") ? "active" : "inactive", NULL);
        }
    }
}

/* The states the cache could not give: domains, networks and volumes. */
static occi_hv_status observe_on(libvirt_hv *hv, virConnectPtr connection,
                                 apr_pool_t *pool, apr_array_header_t *entities,
                                 apr_hash_t *wanted, apr_hash_t *states, occi_hv_error *error)
{
    virStoragePoolPtr storage_pool = NULL;
    occi_hv_status status;
    int i;

    if ((status = domain_states(hv, connection, pool, wanted, states, error))) {
        return status;
    }
    for (i = 0; i < entities->nelts && status == OCCI_HV_OK; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);

        if (occi_is_provider_network(hv->config.provider_network_scheme, entity)) {
            continue;                  /* on every host: its state is the client's */
        }
        if (!strcmp(entity->kind, KIND("network"))) {
            const char *found;

            if ((status = network_state(connection, pool, entity->id, &found, error))) {
                break;
            }
            set_state(pool, entity, "occi.network.state", found ? found : "error",
                      found ? NULL : "the network is gone from the hypervisor");
        }
        else if (!strcmp(entity->kind, KIND("storage"))) {
            int exists;

            if (!storage_pool && !(storage_pool = open_pool(hv, connection, pool, error))) {
                status = error->status;
                break;
            }
            if ((status = volume_in_pool(storage_pool, pool, volume_name(pool, entity->id),
                                         &exists, error))) {
                break;
            }
            /* Volumes have no state of their own: online and offline are
             * kept as the client set them, unless the volume is gone. */
            if (!exists) {
                set_state(pool, entity, "occi.storage.state", "error",
                          "the volume is gone from the storage pool");
            }
        }
    }
    if (storage_pool) {
        virStoragePoolFree(storage_pool);
    }
    return status;
}

/* A question to the daemon, asked by an observer thread for a request that
 * waits at most OBSERVE_WAIT for its answer (ask_bounded). It owns copies
 * of what it reads, as the request may be gone when it ends. */
typedef struct question question;
struct question {
    apr_pool_t *pool;              /* its own (unmanaged); the last of the two to leave destroys it */
    libvirt_hv *hv;
    occi_hv_status (*ask)(question *q, virConnectPtr connection);
    apr_thread_cond_t *answered;
    occi_hv_status status;
    occi_hv_error error;
    int done, abandoned;           /* under hv->observing */
    apr_array_header_t *entities;  /* states: occi_entity *, deep copies, states set on them */
    occi_hv_capacity capacity;     /* capacity: the answer */
};

/* entity's copy in pool with every string of its own: what observe_on
 * and show_domain_states read (kind, id, mixins, attributes). */
static occi_entity *copy_for_observer(apr_pool_t *pool, const occi_entity *entity)
{
    occi_entity *copy = occi_entity_copy(pool, entity);
    int i;

    copy->id = apr_pstrdup(pool, entity->id);
    copy->kind = apr_pstrdup(pool, entity->kind);
    copy->host = apr_pstrdup(pool, entity->host);
    copy->owner = apr_pstrdup(pool, entity->owner);
    copy->foreign_id = NULL;
    copy->links = apr_array_make(pool, 0, sizeof(occi_entity *));
    for (i = 0; i < copy->mixins->nelts; i++) {
        APR_ARRAY_IDX(copy->mixins, i, const char *) =
            apr_pstrdup(pool, APR_ARRAY_IDX(copy->mixins, i, const char *));
    }
    for (i = 0; i < copy->attributes->nelts; i++) {
        occi_attribute_value *attribute = &APR_ARRAY_IDX(copy->attributes, i,
                                                         occi_attribute_value);

        attribute->name = apr_pstrdup(pool, attribute->name);
        attribute->value.string = apr_pstrdup(pool, attribute->value.string);
    }
    return copy;
}

static void *APR_THREAD_FUNC answer_in_thread(apr_thread_t *thread, void *data)
{
    question *q = data;
    libvirt_hv *hv = q->hv;
    occi_hv_status status = OCCI_HV_OK;
    int abandoned;

    (void)thread;
    WITH_CONNECTION(hv, q->pool, &q->error, status, q->ask(q, connection));
    apr_thread_mutex_lock(hv->observing);
    q->status = status;
    q->done = 1;
    abandoned = q->abandoned;
    if (abandoned) {
        hv->stalled--;
    }
    else {
        apr_thread_cond_signal(q->answered);
    }
    apr_thread_mutex_unlock(hv->observing);
    /* The request has gone: its answer is only dropped (domain states
     * went to the cache all the same). */
    if (abandoned) {
        apr_pool_destroy(q->pool);
    }
    return NULL;
}

/* A question for ask_bounded, in a pool of its own; NULL when none can be
 * had. */
static question *make_question(libvirt_hv *hv,
                               occi_hv_status (*ask)(question *q, virConnectPtr connection))
{
    apr_pool_t *own;
    question *q;

    if (apr_pool_create_unmanaged_ex(&own, NULL, NULL) != APR_SUCCESS) {
        return NULL;
    }
    q = apr_pcalloc(own, sizeof(*q));
    q->pool = own;
    q->hv = hv;
    q->ask = ask;
    if (apr_thread_cond_create(&q->answered, own) != APR_SUCCESS) {
        apr_pool_destroy(own);
        return NULL;
    }
    return q;
}

/* Asks q in an observer thread and waits at most OBSERVE_WAIT: a daemon
 * that hangs (a stopped process, a host that drops packets) would hold the
 * request until keepalive gives up, some seconds. While a question a
 * request gave up on is still out, the next ones are not asked:
 * UNAVAILABLE at once. OK: the caller reads the answer from q, then
 * destroys q->pool; otherwise q is gone. */
static occi_hv_status ask_bounded(libvirt_hv *hv, apr_pool_t *pool, question *q,
                                  occi_hv_error *error)
{
    apr_time_t deadline = apr_time_now() + OBSERVE_WAIT;
    int stalled, answered;

    apr_thread_mutex_lock(hv->observing);
    stalled = hv->stalled;
    apr_thread_mutex_unlock(hv->observing);
    if (stalled || !hv->observers
        || apr_thread_pool_push(hv->observers, answer_in_thread, q,
                                APR_THREAD_TASK_PRIORITY_NORMAL, NULL) != APR_SUCCESS) {
        apr_pool_destroy(q->pool);
        return stalled ? refuse(error, OCCI_HV_UNAVAILABLE, "the hypervisor has not answered "
                                "an earlier question yet")
                       : refuse(error, OCCI_HV_FAILED, "no thread to ask the hypervisor in");
    }
    apr_thread_mutex_lock(hv->observing);
    while (!q->done && apr_time_now() < deadline) {
        apr_thread_cond_timedwait(q->answered, hv->observing, deadline - apr_time_now());
    }
    answered = q->done;
    if (!answered) {
        q->abandoned = 1;
        hv->stalled++;
    }
    apr_thread_mutex_unlock(hv->observing);
    if (!answered) {
        return refuse(error, OCCI_HV_UNAVAILABLE, "the hypervisor did not answer within a "
                      "second");
    }
    if (q->status == OCCI_HV_OK) {
        return OCCI_HV_OK;
    }
    error->status = q->status;
    error->message = apr_pstrdup(pool, q->error.message);
    apr_pool_destroy(q->pool);
    return error->status;
}

static occi_hv_status ask_states(question *q, virConnectPtr connection)
{
    apr_hash_t *states = apr_hash_make(q->pool);
    int others;
    apr_hash_t *wanted = wanted_domains(q->pool, q->entities, &others);
    occi_hv_status status = observe_on(q->hv, connection, q->pool, q->entities, wanted, states,
                                       &q->error);

    if (status == OCCI_HV_OK) {
        show_domain_states(q->pool, q->entities, states);
    }
    return status;
}

/* The states of entities, asked with ask_bounded. */
static occi_hv_status observe_bounded(libvirt_hv *hv, apr_pool_t *pool,
                                      apr_array_header_t *entities, occi_hv_error *error)
{
    question *q = make_question(hv, ask_states);
    int i;

    if (!q) {
        return refuse(error, OCCI_HV_FAILED, "no memory to ask the hypervisor");
    }
    q->entities = apr_array_make(q->pool, entities->nelts, sizeof(occi_entity *));
    for (i = 0; i < entities->nelts; i++) {
        APR_ARRAY_PUSH(q->entities, occi_entity *) =
            copy_for_observer(q->pool, APR_ARRAY_IDX(entities, i, occi_entity *));
    }
    if (ask_bounded(hv, pool, q, error) != OCCI_HV_OK) {
        return error->status;
    }
    /* Only the states come back: observe_on sets nothing else. */
    for (i = 0; i < entities->nelts; i++) {
        occi_entity *entity = APR_ARRAY_IDX(entities, i, occi_entity *);
        const occi_entity *seen = APR_ARRAY_IDX(q->entities, i, occi_entity *);
        const char *attribute = occi_state_attribute(entity->kind);
        const char *state, *message;

        if (!attribute) {
            continue;
        }
        state = occi_entity_get_string(seen, attribute);
        message = occi_entity_get_string(seen, apr_pstrcat(pool, attribute, ".message", NULL));
        if (state) {
            set_state(pool, entity, attribute, apr_pstrdup(pool, state),
                      message ? apr_pstrdup(pool, message) : NULL);
        }
    }
    apr_pool_destroy(q->pool);
    return OCCI_HV_OK;
}

static occi_hv_status lv_observe(void *impl, apr_pool_t *pool,
                                 apr_array_header_t *entities, occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    apr_hash_t *states = apr_hash_make(pool);
    int others;
    apr_hash_t *wanted = wanted_domains(pool, entities, &others);

    /* A page of computes the cache knows needs no connection at all. */
    if (!others && cached_states(hv, pool, wanted, states)) {
        show_domain_states(pool, entities, states);
        return OCCI_HV_OK;
    }
    return observe_bounded(hv, pool, entities, error);
}

/* ---- Changes ------------------------------------------------------- */

/* Refuses a new compute or network whose UUID the hypervisor already
 * uses: defining it would rewrite the other one, and undoing the failed
 * creation would then delete it. (Only a client that names ids itself,
 * twice at once, gets here: the store refuses an id it holds before.) */
static occi_hv_status refuse_taken_id(virConnectPtr connection, apr_pool_t *pool,
                                      const occi_entity *entity, occi_hv_error *error)
{
    int taken = 0;

    if (!strcmp(entity->kind, KIND("compute"))) {
        virDomainPtr domain = find_domain(connection, entity->id);

        if (domain) {
            taken = 1;
            virDomainFree(domain);
        }
        else if (absent_or_failed(pool, VIR_ERR_NO_DOMAIN, "looking up the domain", error)) {
            return error->status;
        }
    }
    else if (!strcmp(entity->kind, KIND("network"))) {
        const char *state;

        if (network_state(connection, pool, entity->id, &state, error) != OCCI_HV_OK) {
            return error->status;
        }
        taken = state != NULL;
    }
    return taken ? refuse(error, OCCI_HV_CONFLICT, apr_psprintf(
                              pool, "the hypervisor already has an object with id %s",
                              entity->id))
                 : OCCI_HV_OK;
}

static occi_hv_status create_on(libvirt_hv *hv, virConnectPtr connection,
                                apr_pool_t *pool, occi_entity *entity,
                                const occi_entity *source, const occi_entity *target,
                                occi_hv_error *error)
{
    occi_hv_status status;
    const char *why;

    if ((status = refuse_taken_id(connection, pool, entity, error))) {
        return status;
    }
    if (!strcmp(entity->kind, KIND("compute"))) {
        status = define_compute(hv, connection, pool, entity, 0, error);
    }
    else if (!strcmp(entity->kind, KIND("storage"))) {
        status = create_volume(hv, connection, pool, volume_name(pool, entity->id),
                               size_bytes(entity), NULL, error);
    }
    else if (occi_is_provider_network(hv->config.provider_network_scheme, entity)) {
        /* Nothing to make: the bridge is on every host, and each host
         * learns of the network when a compute there first joins it. */
        const occi_provider_network *pn = provider_network(hv, entity);

        status = !pn ? refuse(error, OCCI_HV_INVALID, "that provider network is not declared "
                              "on this server")
                 : occi_provider_network_vlan(pool, pn, entity, &why) < 0
                     ? refuse(error, OCCI_HV_INVALID, why) : OCCI_HV_OK;
        if (status == OCCI_HV_OK) {
            set_state(pool, entity, "occi.network.state", "active", NULL);
        }
    }
    else if (!strcmp(entity->kind, KIND("network"))) {
        status = define_network(connection, pool, entity, error);
    }
    else {
        status = attach_link(hv, connection, pool, entity, source, target, error);
    }
    return status;
}

static occi_hv_status lv_create_entity(void *impl, apr_pool_t *pool,
                                       occi_entity *entity, const occi_entity *source,
                                       const occi_entity *target, occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status = OCCI_HV_OK;

    if (occi_hypervisor_backs(entity->kind)) {
        WITH_CONNECTION(hv, pool, error, status,
                        create_on(hv, connection, pool, entity, source, target, error));
    }
    forget_domain(hv, pool, entity);
    return status;
}

static occi_hv_status delete_on(libvirt_hv *hv, virConnectPtr connection,
                                apr_pool_t *pool, const occi_entity *entity,
                                const occi_entity *source, occi_hv_error *error)
{
    occi_hv_status status;

    if (!strcmp(entity->kind, KIND("compute"))) {
        status = delete_compute(hv, connection, pool, entity, error);
    }
    else if (!strcmp(entity->kind, KIND("storage"))) {
        status = delete_volume(hv, connection, pool, volume_name(pool, entity->id), error);
    }
    else if (!strcmp(entity->kind, KIND("network"))) {
        status = delete_network(connection, pool, entity, error);
    }
    else {
        status = detach_link(hv, connection, pool, entity, source, error);
    }
    return status;
}

static occi_hv_status lv_delete_entity(void *impl, apr_pool_t *pool,
                                       const occi_entity *entity,
                                       const occi_entity *source,
                                       occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status = OCCI_HV_OK;

    if (occi_hypervisor_backs(entity->kind)) {
        WITH_CONNECTION(hv, pool, error, status,
                        delete_on(hv, connection, pool, entity, source, error));
    }
    forget_domain(hv, pool, entity);
    return status;
}

static occi_hv_status act_on(libvirt_hv *hv, virConnectPtr connection, apr_pool_t *pool,
                             occi_entity *entity, const char *action,
                             const apr_array_header_t *parameters, occi_hv_error *error)
{
    occi_hv_status status = OCCI_HV_OK;

    if (!strcmp(entity->kind, KIND("compute"))) {
        status = act_on_compute(hv, connection, pool, entity, action, parameters, error);
    }
    else if (!strcmp(entity->kind, KIND("network"))) {
        status = act_on_network(hv, connection, pool, entity, action, error);
    }
    else if (!strcmp(entity->kind, KIND("storage"))) {
        /* online / offline: the volume is there either way; the state is
         * the client's, kept by the caller. */
        set_state(pool, entity, "occi.storage.state",
                  !strcmp(action, STORAGE_ACTION("online")) ? "online" : "offline", NULL);
    }
    return status;
}

static occi_hv_status lv_act(void *impl, apr_pool_t *pool,
                             occi_entity *entity, const char *action,
                             const apr_array_header_t *parameters, occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status = OCCI_HV_OK;

    if (occi_hypervisor_backs(entity->kind)) {
        WITH_CONNECTION(hv, pool, error, status,
                        act_on(hv, connection, pool, entity, action, parameters, error));
    }
    forget_domain(hv, pool, entity);
    return status;
}

static int number_changed(const occi_entity *a, const occi_entity *b, const char *name)
{
    return attribute_number(a, name, -1) != attribute_number(b, name, -1);
}

static int string_changed(const occi_entity *current, const occi_entity *updated,
                          const char *name)
{
    const char *before = occi_entity_get_string(current, name);
    const char *after = occi_entity_get_string(updated, name);

    return (before == NULL) != (after == NULL) || (before && strcmp(before, after));
}

static const char *source_id_of(apr_pool_t *pool, const occi_entity *link)
{
    return occi_entity_id_from_reference(pool, occi_entity_get_string(link, "occi.core.source"));
}

static int ids_differ(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* Whether what a link's device is made of changed: its ends, its MAC
 * address or disk name, its static address. */
static int link_device_changed(apr_pool_t *pool, const occi_entity *current,
                               const occi_entity *updated)
{
    return ids_differ(source_id_of(pool, current), source_id_of(pool, updated))
           || ids_differ(target_id_of(pool, current), target_id_of(pool, updated))
           || string_changed(current, updated, "occi.networkinterface.mac")
           || string_changed(current, updated, "occi.networkinterface.address")
           || string_changed(current, updated, "occi.networkinterface.allocation")
           || occi_entity_has_mixin(current, IPNETWORKINTERFACE)
              != occi_entity_has_mixin(updated, IPNETWORKINTERFACE)
           || string_changed(current, updated, "occi.storagelink.deviceid");
}

static int domain_is_running(virConnectPtr connection, const char *id)
{
    return id && domain_runs(connection, id);
}

/* A link whose device changes: the old device leaves the domain's
 * definition and the new one joins it, while the compute is stopped (a
 * running guest would have to agree to lose a disk or interface, and may
 * not); on failure the old device is put back. */
static occi_hv_status update_link(libvirt_hv *hv, virConnectPtr connection,
                                  apr_pool_t *pool, const occi_entity *current,
                                  occi_entity *updated, occi_hv_error *error)
{
    const char *old_source = source_id_of(pool, current), *new_source = source_id_of(pool, updated);
    occi_entity *old_compute = occi_entity_create(pool), *new_compute = occi_entity_create(pool);
    occi_hv_error ignored;

    if (!link_device_changed(pool, current, updated)) {
        return OCCI_HV_OK;
    }
    if (domain_is_running(connection, old_source) || domain_is_running(connection, new_source)) {
        return refuse(error, OCCI_HV_CONFLICT, "the device of a link changes only while its "
                      "compute is stopped: stop it, update the link, start it again (or "
                      "delete the link and create it anew)");
    }
    old_compute->id = old_source;
    new_compute->id = new_source;
    if (detach_link(hv, connection, pool, current, old_compute, error) != OCCI_HV_OK) {
        return error->status;
    }
    /* The network is known to the host already, if a provider network's:
     * the link was attached there. */
    if (attach_link(hv, connection, pool, updated, new_compute, NULL, error) != OCCI_HV_OK) {
        attach_link(hv, connection, pool, occi_entity_copy(pool, current), old_compute, NULL,
                    &ignored);
        return error->status;
    }
    return OCCI_HV_OK;
}

static occi_hv_status update_on(libvirt_hv *hv, virConnectPtr connection,
                                apr_pool_t *pool, const occi_entity *current,
                                occi_entity *updated, occi_hv_error *error)
{
    occi_hv_status status = OCCI_HV_OK;

    if (!strcmp(current->kind, KIND("storagelink"))
        || !strcmp(current->kind, KIND("networkinterface"))) {
        return update_link(hv, connection, pool, current, updated, error);
    }
    if (!strcmp(current->kind, KIND("compute"))
        && (number_changed(current, updated, "occi.compute.cores")
            || number_changed(current, updated, "occi.compute.memory"))) {
        virDomainPtr domain = find_domain(connection, current->id);

        if (domain && virDomainIsActive(domain) == 1) {
            status = refuse(error, OCCI_HV_CONFLICT, "cores and memory change only while "
                          "the compute is stopped: stop it, update it, start it again");
        }
        else {
            /* An inactive domain is redefined with the new sizes. */
            status = define_compute(hv, connection, pool, updated, 1, error);
        }
        if (domain) {
            virDomainFree(domain);
        }
    }
    else if (!strcmp(current->kind, KIND("storage"))) {
        unsigned long long before = size_bytes(current), after = size_bytes(updated);

        if (after < before) {
            status = refuse(error, OCCI_HV_INVALID, "occi.storage.size cannot shrink: "
                          "volumes only grow");
        }
        else if (after > before) {
            virStoragePoolPtr storage_pool = open_pool(hv, connection, pool, error);
            virStorageVolPtr volume = storage_pool ? virStorageVolLookupByName(
                storage_pool, volume_name(pool, current->id)) : NULL;

            if (!storage_pool) {
                status = error->status;
            }
            else if (check_pool_room(hv, storage_pool, pool, after - before, error)
                     != OCCI_HV_OK) {
                status = error->status;
            }
            else if (!volume || virStorageVolResize(volume, after, 0) < 0) {
                status = fail_libvirt(pool, error, "resizing the volume");
            }
            if (volume) {
                virStorageVolFree(volume);
            }
            if (storage_pool) {
                virStoragePoolFree(storage_pool);
            }
        }
    }
    else if (!strcmp(current->kind, KIND("network"))) {
        const char *before = occi_entity_get_string(current, "occi.network.address");
        const char *after = occi_entity_get_string(updated, "occi.network.address");

        /* Guests hold leases from the old range; a new one is a new network. */
        if ((before || after) && (!before || !after || strcmp(before, after))) {
            status = refuse(error, OCCI_HV_INVALID, "occi.network.address of an existing "
                          "network cannot change: create another network");
        }
    }
    return status;
}

static occi_hv_status lv_update(void *impl, apr_pool_t *pool,
                                const occi_entity *current, occi_entity *updated,
                                occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status = OCCI_HV_OK;

    if (occi_hypervisor_backs(current->kind)) {
        WITH_CONNECTION(hv, pool, error, status,
                        update_on(hv, connection, pool, current, updated, error));
    }
    forget_domain(hv, pool, current);
    return status;
}

/* ---- Migration ------------------------------------------------------ */

/* What a volume copy moves at a time through the two daemons' streams. */
#define COPY_CHUNK (256 * 1024)

/* Copies volume name from from's pool into to's, byte for byte through the
 * two daemons' streams, so that neither host needs to reach the other's
 * files: a qcow2 overlay's bytes name its base image, which the target's
 * pool holds too (placement only chooses such a host). *copied is 0 when
 * from has no such volume (nothing to copy). A failure leaves nothing on
 * to. */
static occi_hv_status copy_volume(libvirt_hv *from, virConnectPtr from_connection,
                                  libvirt_hv *to, virConnectPtr to_connection, apr_pool_t *pool,
                                  const char *name, int *copied, occi_hv_error *error)
{
    virStoragePoolPtr from_pool, to_pool;
    virStorageVolPtr source = NULL, copy = NULL;
    virStreamPtr in = NULL, out = NULL;
    virStorageVolInfo info;
    char *chunk;
    int result = -1;
    const char *doing = apr_psprintf(pool, "copying volume %s to the target host", name);

    *copied = 0;
    if (!(from_pool = open_pool(from, from_connection, pool, error))) {
        return error->status;
    }
    source = virStorageVolLookupByName(from_pool, name);
    virStoragePoolFree(from_pool);
    if (!source) {
        return OCCI_HV_OK;
    }
    if (!(to_pool = open_pool(to, to_connection, pool, error))) {
        virStorageVolFree(source);
        return error->status;
    }
    /* Its bytes as the file holds them (a qcow2 file is smaller than the
     * disk it describes): the copy is made that size, as raw, and the
     * pool reads its real format when refreshed. */
    if (virStorageVolGetInfoFlags(source, &info, VIR_STORAGE_VOL_GET_PHYSICAL) < 0) {
        fail_libvirt(pool, error, doing);
    }
    else if (check_pool_room(to, to_pool, pool, info.allocation, error) != OCCI_HV_OK) {
        /* error says how much is free */
    }
    else if (!(copy = virStorageVolCreateXML(to_pool, apr_psprintf(
                       pool, "<volume><name>%s</name><capacity unit='bytes'>%" APR_UINT64_T_FMT
                       "</capacity><target><format type='raw'/></target></volume>",
                       xml_escape(pool, name), (apr_uint64_t)info.allocation), 0))) {
        fail_libvirt(pool, error, doing);
    }
    else if (!(in = virStreamNew(from_connection, 0)) || !(out = virStreamNew(to_connection, 0))
             || virStorageVolDownload(source, in, 0, 0, 0) < 0
             || virStorageVolUpload(copy, out, 0, 0, 0) < 0) {
        fail_libvirt(pool, error, doing);
    }
    else {
        chunk = apr_palloc(pool, COPY_CHUNK);
        for (;;) {
            int n = virStreamRecv(in, chunk, COPY_CHUNK), sent = 0;

            while (n > 0 && sent < n) {
                int m = virStreamSend(out, chunk + sent, (size_t)(n - sent));

                if (m < 0) {
                    n = -1;
                    break;
                }
                sent += m;
            }
            if (n <= 0) {
                result = n == 0 && virStreamFinish(in) == 0 && virStreamFinish(out) == 0
                         ? 0 : -1;
                break;
            }
        }
        if (result < 0) {
            fail_libvirt(pool, error, doing);
        }
    }
    if (result < 0) {
        if (in) {
            virStreamAbort(in);
        }
        if (out) {
            virStreamAbort(out);
        }
        if (copy) {
            virStorageVolDelete(copy, 0);
        }
    }
    else {
        virStoragePoolRefresh(to_pool, 0);
        *copied = 1;
    }
    if (in) {
        virStreamFree(in);
    }
    if (out) {
        virStreamFree(out);
    }
    if (copy) {
        virStorageVolFree(copy);
    }
    virStorageVolFree(source);
    virStoragePoolFree(to_pool);
    return result < 0 ? error->status : OCCI_HV_OK;
}

/* The volumes a migration moves: the compute's root disk and seed, then
 * its storages'. */
static apr_array_header_t *moving_volumes(apr_pool_t *pool, const occi_entity *compute,
                                          const apr_array_header_t *storages)
{
    apr_array_header_t *names = apr_array_make(pool, 2 + storages->nelts, sizeof(const char *));
    int i;

    APR_ARRAY_PUSH(names, const char *) = root_volume_name(pool, compute->id);
    APR_ARRAY_PUSH(names, const char *) = seed_volume_name(pool, compute->id);
    for (i = 0; i < storages->nelts; i++) {
        APR_ARRAY_PUSH(names, const char *) =
            volume_name(pool, APR_ARRAY_IDX(storages, i, const occi_entity *)->id);
    }
    return names;
}

/* Removes the volumes named in names[from..] from hv's pool, keeping the
 * first failure in error (the others are still tried). */
static occi_hv_status delete_volumes(libvirt_hv *hv, virConnectPtr connection, apr_pool_t *pool,
                                     const apr_array_header_t *names, int from,
                                     occi_hv_error *error)
{
    occi_hv_status status = OCCI_HV_OK;
    occi_hv_error one;
    int i;

    for (i = from; i < names->nelts; i++) {
        if (delete_volume(hv, connection, pool, APR_ARRAY_IDX(names, i, const char *), &one)
                != OCCI_HV_OK && status == OCCI_HV_OK) {
            status = one.status;
            *error = one;
        }
    }
    return status;
}

/* A domain's definition for to's host: disks name their pool, which may
 * have another name there. Pool names are letters, digits, '-', '_' and
 * '.' (checked with the directives), so they read the same escaped. */
static const char *definition_for(apr_pool_t *pool, const char *xml, const libvirt_hv *from,
                                  const libvirt_hv *to)
{
    const char *old = apr_psprintf(pool, "pool='%s'", from->config.pool);
    const char *new = apr_psprintf(pool, "pool='%s'", to->config.pool);
    occi_buf out;
    const char *at;

    if (!strcmp(from->config.pool, to->config.pool)) {
        return xml;
    }
    occi_buf_init(&out, pool, strlen(xml) + 256);
    while ((at = strstr(xml, old))) {
        occi_buf_puts(&out, apr_pstrmemdup(pool, xml, (apr_size_t)(at - xml)));
        occi_buf_puts(&out, new);
        xml = at + strlen(old);
    }
    occi_buf_puts(&out, xml);
    return out.data;
}

/* libvirt's refusal of a migration: what it cannot do is the client's
 * conflict, in libvirt's words; a host that stops answering is
 * unavailable. */
static occi_hv_status fail_migration(apr_pool_t *pool, occi_hv_error *error, const char *doing)
{
    occi_hv_status status = libvirt_status();

    return fail(pool, error, status == OCCI_HV_UNAVAILABLE ? status : OCCI_HV_CONFLICT, doing);
}

/* A stopped compute: its volumes copied, its definition moved, then its
 * volumes on from removed. */
static occi_hv_status migrate_stopped(libvirt_hv *from, virConnectPtr from_connection,
                                      libvirt_hv *to, virConnectPtr to_connection,
                                      apr_pool_t *pool, virDomainPtr domain,
                                      const apr_array_header_t *names, occi_hv_error *error)
{
    apr_array_header_t *copied = apr_array_make(pool, names->nelts, sizeof(const char *));
    virDomainPtr moved;
    occi_hv_error ignored;
    char *xml;
    int i, one;

    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);

        if (copy_volume(from, from_connection, to, to_connection, pool, name, &one, error)
            != OCCI_HV_OK) {
            delete_volumes(to, to_connection, pool, copied, 0, &ignored);
            return error->status;
        }
        if (one) {
            APR_ARRAY_PUSH(copied, const char *) = name;
        }
    }
    xml = virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    moved = xml ? virDomainDefineXML(to_connection, definition_for(pool, xml, from, to)) : NULL;
    free(xml);
    if (!moved) {
        fail_migration(pool, error, "defining the compute on the target host");
        delete_volumes(to, to_connection, pool, copied, 0, &ignored);
        return error->status;
    }
    if (undefine(domain) < 0) {
        /* Never defined on two hosts: the copy goes, the original stays. */
        fail_migration(pool, error, "undefining the compute on its host");
        virDomainUndefine(moved);
        virDomainFree(moved);
        delete_volumes(to, to_connection, pool, copied, 0, &ignored);
        return error->status;
    }
    virDomainFree(moved);
    /* Moved: what is left on from is only copies; one that cannot be
     * removed now shows among the unmanaged objects. */
    delete_volumes(from, from_connection, pool, copied, 0, &ignored);
    return OCCI_HV_OK;
}

/* A running (or paused) compute: live, its disks copied by QEMU while it
 * runs (libvirt makes them on to first), its read-only seed copied before. */
static occi_hv_status migrate_running(libvirt_hv *from, virConnectPtr from_connection,
                                      libvirt_hv *to, virConnectPtr to_connection,
                                      apr_pool_t *pool, virDomainPtr domain,
                                      const apr_array_header_t *names, occi_hv_error *error)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0, seed_copied = 0, disks = 0, i, failed = 0;
    unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST
                         | VIR_MIGRATE_UNDEFINE_SOURCE;
    const char *seed = APR_ARRAY_IDX(names, 1, const char *);
    apr_array_header_t *made;
    virDomainPtr moved;
    occi_hv_error ignored;
    char *xml;

    /* QEMU copies only disks it writes; the seed is a read-only CD-ROM. */
    if (copy_volume(from, from_connection, to, to_connection, pool, seed, &seed_copied, error)
        != OCCI_HV_OK) {
        return error->status;
    }
    for (i = 0; i < names->nelts; i++) {
        disks += i != 1 && volume_exists(from, from_connection, pool,
                                         APR_ARRAY_IDX(names, i, const char *));
    }
    if (disks) {
        flags |= VIR_MIGRATE_NON_SHARED_DISK;
    }
    xml = virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_MIGRATABLE | VIR_DOMAIN_XML_SECURE);
    if (!xml
        || virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_DEST_XML,
                                   definition_for(pool, xml, from, to)) < 0
        || (to->config.migration_address
            && virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_URI,
                                       apr_psprintf(pool, strchr(to->config.migration_address,
                                                                 ':')
                                                    ? "tcp://[%s]" : "tcp://%s",
                                                    to->config.migration_address)) < 0)) {
        failed = 1;
        fail_libvirt(pool, error, "preparing the migration");
    }
    free(xml);
    moved = failed ? NULL : virDomainMigrate3(domain, to_connection, params,
                                              (unsigned int)nparams, flags);
    if (!failed && !moved) {
        failed = 1;
        fail_migration(pool, error, "migrating the running compute");
    }
    virTypedParamsFree(params, nparams);
    if (failed) {
        /* The compute runs on where it was; what was made for it on to
         * goes (libvirt leaves the disks it made there). */
        made = apr_array_make(pool, names->nelts, sizeof(const char *));
        for (i = 0; i < names->nelts; i++) {
            if (i != 1 || seed_copied) {
                APR_ARRAY_PUSH(made, const char *) = APR_ARRAY_IDX(names, i, const char *);
            }
        }
        delete_volumes(to, to_connection, pool, made, 0, &ignored);
        return error->status;
    }
    virDomainFree(moved);
    delete_volumes(from, from_connection, pool, names, 0, &ignored);
    return OCCI_HV_OK;
}

/* The provider networks domain's interfaces name, made known to the
 * target host (their definitions copied, then started) before the domain
 * moves: the target host may have had no compute on them yet. A private
 * network cannot move; the service refuses such a compute before. */
static occi_hv_status networks_for(virConnectPtr from_connection, virConnectPtr to_connection,
                                   apr_pool_t *pool, virDomainPtr domain,
                                   occi_hv_error *error)
{
    char *xml = virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_INACTIVE);
    const char *at = xml;
    occi_hv_status status = xml ? OCCI_HV_OK
                                : fail_libvirt(pool, error, "reading the compute's definition");

    while (status == OCCI_HV_OK && at && (at = strstr(at, "<source network='"))) {
        const char *name_start = at + strlen("<source network='");
        const char *name_end = strchr(name_start, '\'');
        const char *name = name_end ? apr_pstrmemdup(pool, name_start,
                                                     (apr_size_t)(name_end - name_start))
                                    : NULL;
        virNetworkPtr there = name ? virNetworkLookupByName(to_connection, name) : NULL;
        virNetworkPtr here;
        char *definition;

        at = name_start;
        if (!name) {
            break;
        }
        if (!there) {
            here = virNetworkLookupByName(from_connection, name);
            /* The persistent definition; a driver that keeps none apart
             * (the test driver) gives the live one. */
            definition = here ? virNetworkGetXMLDesc(here, VIR_NETWORK_XML_INACTIVE) : NULL;
            definition = definition || !here ? definition : virNetworkGetXMLDesc(here, 0);
            if (here) {
                virNetworkFree(here);
            }
            if (!definition || !strstr(definition, "<forward mode='bridge'")) {
                free(definition);
                status = refuse(error, OCCI_HV_CONFLICT, apr_psprintf(
                                    pool, "the compute's network %s lives on its host only",
                                    name));
                break;
            }
            there = virNetworkDefineXML(to_connection, definition);
            free(definition);
            if (!there) {
                status = fail_migration(pool, error, "defining the compute's provider network "
                                        "on the target host");
                break;
            }
            virNetworkSetAutostart(there, 1);
        }
        if (virNetworkIsActive(there) != 1 && virNetworkCreate(there) < 0) {
            status = fail_migration(pool, error, "starting the compute's provider network on "
                                    "the target host");
        }
        virNetworkFree(there);
    }
    free(xml);
    return status;
}

static const occi_hypervisor_provider libvirt_provider;

static occi_hv_status migrate_between(libvirt_hv *from, virConnectPtr from_connection,
                                      libvirt_hv *to, apr_pool_t *pool,
                                      const occi_entity *compute,
                                      const apr_array_header_t *storages,
                                      occi_hv_error *error)
{
    apr_array_header_t *names = moving_volumes(pool, compute, storages);
    virConnectPtr to_connection = connect_to(to, pool, error);
    virDomainPtr domain, there;
    occi_hv_status status;
    int i, active;

    if (!to_connection) {
        error->message = apr_psprintf(pool, "the target host: %s", error->message);
        return error->status;
    }
    domain = find_domain(from_connection, compute->id);
    if (!domain) {
        virConnectClose(to_connection);
        return refuse(error, OCCI_HV_CONFLICT, "the compute's domain is not on its host: "
                      "there is nothing to migrate");
    }
    /* What the target holds already is not this migration's to remove
     * if it fails. */
    there = find_domain(to_connection, compute->id);
    status = there ? refuse(error, OCCI_HV_CONFLICT, "the target host has a domain of this "
                            "compute already")
             : OCCI_HV_OK;
    if (there) {
        virDomainFree(there);
    }
    for (i = 0; status == OCCI_HV_OK && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);

        if (volume_exists(to, to_connection, pool, name)) {
            status = refuse(error, OCCI_HV_CONFLICT, apr_psprintf(
                                pool, "the target host's pool has a volume %s already", name));
        }
    }
    if (status == OCCI_HV_OK) {
        status = networks_for(from_connection, to_connection, pool, domain, error);
    }
    if (status == OCCI_HV_OK) {
        active = virDomainIsActive(domain);
        status = active < 0 ? fail_libvirt(pool, error, "reading the compute's state")
                 : active ? migrate_running(from, from_connection, to, to_connection, pool,
                                            domain, names, error)
                 : migrate_stopped(from, from_connection, to, to_connection, pool, domain,
                                   names, error);
    }
    virDomainFree(domain);
    virConnectClose(to_connection);
    return status;
}

static occi_hv_status lv_migrate(void *impl, apr_pool_t *pool, const occi_entity *compute,
                                 const apr_array_header_t *storages, occi_hypervisor *target,
                                 occi_hv_error *error)
{
    libvirt_hv *hv = impl, *to = occi_hypervisor_impl_of(target, &libvirt_provider);
    occi_hv_status status;
    virConnectPtr connection;

    if (!to || to == hv) {
        return refuse(error, OCCI_HV_CONFLICT, "the compute cannot migrate to its own host");
    }
    /* Once: a migration is not repeated on a new connection. */
    if (!(connection = connect_to(hv, pool, error))) {
        return error->status;
    }
    status = migrate_between(hv, connection, to, pool, compute, storages, error);
    virConnectClose(connection);
    forget_domain(hv, pool, compute);
    forget_domain(to, pool, compute);
    return status;
}

/* ---- Capacity ------------------------------------------------------- */

static occi_hv_status capacity_on(libvirt_hv *hv, virConnectPtr connection, apr_pool_t *pool,
                                  occi_hv_capacity *capacity, occi_hv_error *error)
{
    virStoragePoolPtr storage_pool;
    virStoragePoolInfo pool_info;
    virNodeInfo node;

    if (virNodeGetInfo(connection, &node) < 0) {
        return fail_libvirt(pool, error, "reading the host's processors and memory");
    }
    capacity->cores = (int)node.cpus;
    capacity->memory_mib = (long long)(node.memory / 1024);
    capacity->domain_type = hv->config.domain_type;
    capacity->arch = node.model[0] ? apr_pstrdup(pool, node.model) : NULL;
    storage_pool = open_pool(hv, connection, pool, error);
    if (!storage_pool) {
        return error->status;
    }
    if (virStoragePoolGetInfo(storage_pool, &pool_info) < 0) {
        virStoragePoolFree(storage_pool);
        return fail_libvirt(pool, error, "reading the storage pool's size");
    }
    capacity->disk_capacity_mib = (long long)(pool_info.capacity / 1048576);
    capacity->disk_available_mib = (long long)(pool_info.available / 1048576);
    virStoragePoolFree(storage_pool);
    return OCCI_HV_OK;
}

static int lv_known_down(const void *impl)
{
    const libvirt_hv *hv = impl;

    return hv->down_since != 0;
}

static occi_hv_status ask_capacity(question *q, virConnectPtr connection)
{
    return capacity_on(q->hv, connection, q->pool, &q->capacity, &q->error);
}

static occi_hv_status lv_capacity(void *impl, apr_pool_t *pool, occi_hv_capacity *capacity,
                                  occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    question *q = make_question(hv, ask_capacity);

    /* Asked for placements: a host that hangs must not hold creates that
     * go elsewhere. */
    if (!q) {
        return refuse(error, OCCI_HV_FAILED, "no memory to ask the hypervisor");
    }
    if (ask_bounded(hv, pool, q, error) != OCCI_HV_OK) {
        return error->status;
    }
    /* domain_type is the provider's (it outlives the request, and the
     * hosts' cache keeps it); arch is the question's. */
    *capacity = q->capacity;
    capacity->arch = apr_pstrdup(pool, q->capacity.arch);
    apr_pool_destroy(q->pool);
    return OCCI_HV_OK;
}

/* ---- The provider -------------------------------------------------- */

/* A provider network's libvirt network, on the host of this connection,
 * before an update makes link reach it; a private network is there since
 * its creation. */
static occi_hv_status lv_join_network(void *impl, apr_pool_t *pool, const occi_entity *link,
                                      const occi_entity *network, occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status = OCCI_HV_OK;

    (void)link;
    if (!occi_is_provider_network(hv->config.provider_network_scheme, network)) {
        return OCCI_HV_OK;
    }
    WITH_CONNECTION(hv, pool, error, status,
                    ensure_bridge_network(hv, connection, pool, network, error));
    return status;
}

/* The value of attribute name in the element that starts at tag, or
 * NULL. Only for libvirt's own XML, whose attributes are quoted with '. */
static const char *tag_attribute(apr_pool_t *pool, const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    const char *at = tag;
    const char *wanted = apr_pstrcat(pool, " ", name, "='", NULL);

    while ((at = strstr(at, wanted)) && end && at < end) {
        const char *value = at + strlen(wanted);
        const char *close = strchr(value, '\'');

        return close ? apr_pstrmemdup(pool, value, (apr_size_t)(close - value)) : NULL;
    }
    return NULL;
}

/* The address an API node reaches a screen at: the one it listens on,
 * unless that is every address of the host; then the host of the
 * hypervisor's URI, or this machine for a local URI. */
static const char *screen_host(libvirt_hv *hv, apr_pool_t *pool, const char *listen)
{
    const char *start = hv->config.uri ? strstr(hv->config.uri, "://") : NULL;
    const char *at, *end;

    if (listen && *listen && strcmp(listen, "0.0.0.0") && strcmp(listen, "::")) {
        return listen;
    }
    if (!start) {
        return "127.0.0.1";
    }
    /* scheme://[user@]host[:port]/path: libvirt's public API parses no URI. */
    start += 3;
    end = start + strcspn(start, "/?");
    at = memchr(start, '@', (size_t)(end - start));
    if (at) {
        start = at + 1;
    }
    end = start + strcspn(start, ":/?");
    return end > start ? apr_pstrmemdup(pool, start, (apr_size_t)(end - start)) : "127.0.0.1";
}

static occi_hv_status find_screen(libvirt_hv *hv, virConnectPtr connection, apr_pool_t *pool,
                                  const occi_entity *compute, const char *password,
                                  int seconds, occi_hv_screen *screen, occi_hv_error *error)
{
    virDomainPtr domain = find_domain(connection, compute->id);
    const char *tag, *port, *listen;
    char *xml;
    int active;

    if (!domain) {
        return fail(pool, error, OCCI_HV_CONFLICT, "the virtual machine is not on its host");
    }
    active = virDomainIsActive(domain);
    xml = active == 1 ? virDomainGetXMLDesc(domain, 0) : NULL;
    if (active != 1) {
        virDomainFree(domain);
        error->status = active == 0 ? OCCI_HV_CONFLICT : libvirt_status();
        error->message = active == 0 ? "the virtual machine is not running: its screen shows "
                                       "once it is started"
                                     : "the hypervisor did not say whether it runs";
        return error->status;
    }
    tag = xml ? strstr(xml, "<graphics type='vnc'") : NULL;
    port = tag ? tag_attribute(pool, tag, "websocket") : NULL;
    listen = tag ? tag_attribute(pool, tag, "listen") : NULL;
    if (!port || atoi(port) <= 0) {
        free(xml);
        virDomainFree(domain);
        error->status = OCCI_HV_CONFLICT;
        error->message = "this virtual machine has no screen: it was defined without one "
                         "(OCCIScreenListen was not set), or its VNC server has no WebSocket";
        return error->status;
    }
    screen->host = screen_host(hv, pool, listen);
    screen->websocket_port = atoi(port);
    if (password) {
        /* The live element as libvirt wrote it, with the new password: its
         * ports and addresses must stay as they are for the change to be
         * accepted. */
        const char *end = strchr(tag, '>');
        apr_time_exp_t until;
        char valid_to[32];
        apr_size_t length;
        const char *element, *closing;

        apr_time_exp_gmt(&until, apr_time_now() + apr_time_from_sec(seconds));
        apr_strftime(valid_to, &length, sizeof(valid_to), "%Y-%m-%dT%H:%M:%S", &until);
        closing = strstr(tag, "</graphics>");
        element = end && end[-1] == '/'
                      ? apr_pstrmemdup(pool, tag, (apr_size_t)(end + 1 - tag))
                      : closing ? apr_pstrmemdup(pool, tag,
                                                 (apr_size_t)(closing + strlen("</graphics>")
                                                              - tag))
                                : NULL;
        if (!element) {
            free(xml);
            virDomainFree(domain);
            return fail(pool, error, OCCI_HV_FAILED, "the screen's description is unreadable");
        }
        element = apr_pstrcat(pool, "<graphics passwd='", password, "' passwdValidTo='",
                              valid_to, "'", element + strlen("<graphics"), NULL);
        if (virDomainUpdateDeviceFlags(domain, element, VIR_DOMAIN_AFFECT_LIVE) < 0) {
            free(xml);
            virDomainFree(domain);
            return fail(pool, error, libvirt_status(), "setting the screen's password");
        }
        screen->password = apr_pstrdup(pool, password);
    }
    free(xml);
    virDomainFree(domain);
    return OCCI_HV_OK;
}

static occi_hv_status lv_screen(void *impl, apr_pool_t *pool, const occi_entity *compute,
                                const char *password, int seconds, occi_hv_screen *screen,
                                occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status = OCCI_HV_OK;

    WITH_CONNECTION(hv, pool, error, status,
                    find_screen(hv, connection, pool, compute, password, seconds, screen,
                                error));
    return status;
}

/* ---- Usage ----------------------------------------------------------- */

/* The value of a typed parameter that holds a count, or -1. */
static long long stat_number(const virTypedParameter *param)
{
    switch (param->type) {
    case VIR_TYPED_PARAM_ULLONG:
        return (long long)param->value.ul;
    case VIR_TYPED_PARAM_LLONG:
        return param->value.l;
    case VIR_TYPED_PARAM_UINT:
        return param->value.ui;
    case VIR_TYPED_PARAM_INT:
        return param->value.i;
    default:
        return -1;
    }
}

/* Adds value to a sum that starts unknown (-1). */
static void add_count(long long *sum, long long value)
{
    if (value >= 0) {
        *sum = (*sum < 0 ? 0 : *sum) + value;
    }
}

static int ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), m = strlen(suffix);

    return n > m && !strcmp(name + n - m, suffix);
}

static void usage_of_record(apr_pool_t *pool, const virDomainStatsRecord *record,
                            occi_hv_usage *usage)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    int i;

    memset(usage, 0, sizeof(*usage));
    usage->cpu_ns = usage->memory_kib = -1;
    usage->disk_read_bytes = usage->disk_write_bytes = -1;
    usage->net_rx_bytes = usage->net_tx_bytes = -1;
    usage->id = virDomainGetUUIDString(record->dom, uuid) == 0 ? apr_pstrdup(pool, uuid) : NULL;
    for (i = 0; i < record->nparams; i++) {
        const virTypedParameter *param = &record->params[i];
        const char *name = param->field;

        if (!strcmp(name, "cpu.time")) {
            usage->cpu_ns = stat_number(param);
        }
        else if (!strcmp(name, "vcpu.current")) {
            usage->vcpus = (int)stat_number(param);
        }
        else if (!strcmp(name, "balloon.rss")) {
            usage->memory_kib = stat_number(param);
        }
        /* block.<n>.rd.bytes and the like: every disk and interface. */
        else if (!strncmp(name, "block.", 6) && ends_with(name, ".rd.bytes")) {
            add_count(&usage->disk_read_bytes, stat_number(param));
        }
        else if (!strncmp(name, "block.", 6) && ends_with(name, ".wr.bytes")) {
            add_count(&usage->disk_write_bytes, stat_number(param));
        }
        else if (!strncmp(name, "net.", 4) && ends_with(name, ".rx.bytes")) {
            add_count(&usage->net_rx_bytes, stat_number(param));
        }
        else if (!strncmp(name, "net.", 4) && ends_with(name, ".tx.bytes")) {
            add_count(&usage->net_tx_bytes, stat_number(param));
        }
    }
}

static occi_hv_status list_usage(virConnectPtr connection, apr_pool_t *pool,
                                 apr_array_header_t **usages, occi_hv_error *error)
{
    virDomainStatsRecordPtr *records = NULL;
    /* Groups a driver does not keep are left out, not refused: the test
     * driver tells states alone. */
    int i, n = virConnectGetAllDomainStats(connection,
                                           VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_VCPU
                                           | VIR_DOMAIN_STATS_BALLOON
                                           | VIR_DOMAIN_STATS_INTERFACE
                                           | VIR_DOMAIN_STATS_BLOCK,
                                           &records, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);

    if (n < 0) {
        return fail(pool, error, libvirt_status(), "reading the domains' statistics");
    }
    *usages = apr_array_make(pool, n > 0 ? n : 1, sizeof(occi_hv_usage));
    for (i = 0; i < n; i++) {
        occi_hv_usage usage;

        usage_of_record(pool, records[i], &usage);
        if (usage.id) {
            APR_ARRAY_PUSH(*usages, occi_hv_usage) = usage;
        }
    }
    virDomainStatsRecordListFree(records);
    return OCCI_HV_OK;
}

static occi_hv_status lv_usage(void *impl, apr_pool_t *pool, apr_array_header_t **usages,
                               occi_hv_error *error)
{
    libvirt_hv *hv = impl;
    occi_hv_status status = OCCI_HV_OK;

    WITH_CONNECTION(hv, pool, error, status, list_usage(connection, pool, usages, error));
    return status;
}

static const occi_hypervisor_provider libvirt_provider = {
    "libvirt",
    lv_observe,
    lv_create_entity,
    lv_delete_entity,
    lv_act,
    lv_update,
    lv_can_save,
    lv_save,
    lv_delete_saved,
    lv_list_objects,
    lv_capacity,
    lv_known_down,
    lv_migrate,
    lv_join_network,
    lv_screen,
    lv_usage,
};

occi_hypervisor *occi_hypervisor_create(apr_pool_t *pool, const occi_hypervisor_config *config)
{
    libvirt_hv *hv = libvirt_create(pool, config);

    return hv ? occi_hypervisor_make(pool, &libvirt_provider, hv) : NULL;
}
