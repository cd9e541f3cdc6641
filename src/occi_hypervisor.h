/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor: compute, storage and network entities as libvirt
 * domains, volumes and networks, and links as the devices that join them.
 *
 * One occi_hypervisor serves a process: its libvirt connection is opened
 * on first use, shared by all threads (libvirt connections are
 * thread-safe), and reopened after it breaks. What an entity's state is
 * comes from libvirt at the moment it is asked, never from the store.
 *
 * Every function that changes something either completes or leaves the
 * hypervisor as it found it, and reports failures as an occi_hv_error
 * whose kind says how the HTTP layer answers.
 */
#ifndef OCCI_HYPERVISOR_H
#define OCCI_HYPERVISOR_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "occi_entity.h"
#include "occi_model.h"

typedef enum {
    OCCI_HV_OK,
    OCCI_HV_UNAVAILABLE,     /* the hypervisor cannot be reached: 503 */
    OCCI_HV_CONFLICT,        /* the object's state forbids it: 409 */
    OCCI_HV_INVALID,         /* the request cannot be carried out as asked: 400 */
    OCCI_HV_FAILED           /* anything else libvirt refused: 500 */
} occi_hv_status;

typedef struct occi_hv_error {
    occi_hv_status status;
    const char *message;      /* libvirt's words, with what was being done */
} occi_hv_error;

/* An OS template's image: a disk image to overlay, or a kernel to boot
 * (with an optional initrd and command line). */
typedef struct occi_os_image {
    const char *term;          /* the template's term */
    const char *disk;          /* path of a base disk image, or NULL */
    const char *kernel;        /* path of a kernel, or NULL */
    const char *initrd;
    const char *cmdline;
} occi_os_image;

/* Saved OS templates (the compute save action) have this scheme, after
 * the provider's: <provider scheme>saved_os_tpl#<term>. */
#define OCCI_SAVED_TEMPLATE_SUFFIX "saved_os_tpl#"

typedef struct occi_hypervisor_config {
    const char *uri;           /* libvirt URI */
    const char *domain_type;   /* "qemu", "kvm", "test" ... */
    const char *pool;          /* storage pool for volumes */
    const char *os_template_scheme;            /* scheme of the provider's OS templates */
    const char *saved_template_scheme;         /* scheme of saved OS templates */
    const apr_array_header_t *os_images;       /* occi_os_image */
    int state_cache_seconds;   /* how long a domain's state is trusted
                                * without news; 0: ask at every request */
    const char *migration_address;   /* where QEMU on another host sends a
                                      * live migration to this one; NULL:
                                      * the host libvirt names itself */
    const apr_array_header_t *provider_networks;  /* occi_provider_network; NULL: none */
    const char *provider_network_scheme;          /* their mixins' scheme */
    const char *screen_listen;     /* where computes' screens (VNC) listen on
                                    * their host; NULL: computes have none */
} occi_hypervisor_config;

/* Where a compute's screen is reached: its VNC server's WebSocket, on the
 * host running the compute, and the password of this session. */
typedef struct occi_hv_screen {
    const char *host;              /* an address the API node connects to */
    int websocket_port;
    const char *password;          /* NULL when only the address was asked */
} occi_hv_screen;

/* What a running compute has used since it started, as its host counts
 * it (occi_hypervisor_usage); -1 where the host does not say. Rates are
 * the differences of two readings (occi_usage.h). */
typedef struct occi_hv_usage {
    const char *id;                /* the compute's */
    long long cpu_ns;              /* CPU time of all its vCPUs */
    int vcpus;                     /* vCPUs it runs with (0: not said) */
    long long memory_kib;          /* what it occupies on its host (resident) */
    long long disk_read_bytes, disk_write_bytes;    /* all its disks */
    long long net_rx_bytes, net_tx_bytes;           /* all its interfaces */
} occi_hv_usage;

typedef struct occi_hypervisor occi_hypervisor;

/* What a hypervisor host offers, as libvirt tells it. */
typedef struct occi_hv_capacity {
    int cores;                     /* logical CPUs */
    long long memory_mib;
    long long disk_capacity_mib;   /* its storage pool's */
    long long disk_available_mib;
    const char *domain_type;       /* the domains it makes ("kvm", "qemu", "test") */
    const char *arch;              /* NULL: not known */
} occi_hv_capacity;

/* A hypervisor provider: what the functions below do, for one kind of
 * hypervisor (libvirt in src/occi_libvirt.c; the unit tests have fakes).
 * Each receives the provider's own state, impl. */
typedef struct occi_hypervisor_provider {
    const char *name;
    occi_hv_status (*observe)(void *impl, apr_pool_t *pool, apr_array_header_t *entities,
                              occi_hv_error *error);
    occi_hv_status (*create_entity)(void *impl, apr_pool_t *pool, occi_entity *entity,
                                    const occi_entity *source, const occi_entity *target,
                                    occi_hv_error *error);
    occi_hv_status (*delete_entity)(void *impl, apr_pool_t *pool, const occi_entity *entity,
                                    const occi_entity *source, occi_hv_error *error);
    occi_hv_status (*act)(void *impl, apr_pool_t *pool, occi_entity *entity, const char *action,
                          const apr_array_header_t *parameters, occi_hv_error *error);
    occi_hv_status (*update)(void *impl, apr_pool_t *pool, const occi_entity *current,
                             occi_entity *updated, occi_hv_error *error);
    int (*can_save)(const void *impl, const occi_entity *compute);
    occi_hv_status (*save)(void *impl, apr_pool_t *pool, const occi_entity *compute,
                           const char *term, const char *method, int *later,
                           occi_hv_error *error);
    occi_hv_status (*delete_saved)(void *impl, apr_pool_t *pool, const char *term,
                                   occi_hv_error *error);
    occi_hv_status (*list_objects)(void *impl, apr_pool_t *pool, apr_array_header_t **objects,
                                   occi_hv_error *error);
    occi_hv_status (*capacity)(void *impl, apr_pool_t *pool, occi_hv_capacity *capacity,
                               occi_hv_error *error);
    /* Whether the hypervisor is known not to answer, without asking it
     * (NULL: never known). */
    int (*known_down)(const void *impl);
    /* Moves compute and storages to target, a hypervisor of the same
     * provider (NULL: cannot migrate). */
    occi_hv_status (*migrate)(void *impl, apr_pool_t *pool, const occi_entity *compute,
                              const apr_array_header_t *storages, occi_hypervisor *target,
                              occi_hv_error *error);
    /* Makes network known where link's compute lives, before an update
     * makes link reach it (NULL: nothing to make). */
    occi_hv_status (*join_network)(void *impl, apr_pool_t *pool, const occi_entity *link,
                                   const occi_entity *network, occi_hv_error *error);
    /* Where compute's screen is; with password, a new password of the
     * screen set first, valid for seconds (NULL: computes have no screen). */
    occi_hv_status (*screen)(void *impl, apr_pool_t *pool, const occi_entity *compute,
                             const char *password, int seconds, occi_hv_screen *screen,
                             occi_hv_error *error);
    /* What every running compute has used (occi_hv_usage, NULL: not
     * told). */
    occi_hv_status (*usage)(void *impl, apr_pool_t *pool, apr_array_header_t **usages,
                            occi_hv_error *error);
} occi_hypervisor_provider;

/* A hypervisor made of a provider and its state, allocated from pool. */
occi_hypervisor *occi_hypervisor_make(apr_pool_t *pool, const occi_hypervisor_provider *provider,
                                      void *impl);

/* The provider's name ("libvirt"). */
const char *occi_hypervisor_provider_name(const occi_hypervisor *hv);

/* hv's own state when provider serves it, else NULL: for a provider that
 * offers more than the table (occi_hosts.h). */
void *occi_hypervisor_impl_of(const occi_hypervisor *hv, const occi_hypervisor_provider *provider);

/* What the host offers (its cores, memory and pool), asked of it now. */
occi_hv_status occi_hypervisor_capacity(occi_hypervisor *hv, apr_pool_t *pool,
                                        occi_hv_capacity *capacity, occi_hv_error *error);

/* Makes network known to the host of link's compute before an update
 * changes link to reach it: a provider network is defined on a host when
 * a compute there first joins it (occi_provider_network.h), by a create
 * or by such an update. Nothing for other networks. */
occi_hv_status occi_hypervisor_join_network(occi_hypervisor *hv, apr_pool_t *pool,
                                            const occi_entity *link, const occi_entity *network,
                                            occi_hv_error *error);

/* A new password for a screen, from pool: 8 letters and digits (VNC's
 * authentication uses at most 8 characters), none easily confused. NULL
 * when the system gives no random bytes. */
const char *occi_hypervisor_screen_password(apr_pool_t *pool);

/* Where compute's screen is reached (occi_hv_screen). With password (at
 * most 8 characters, VNC's limit), the screen's password becomes it first,
 * for seconds: a new session's, so that whoever learnt an earlier one, or
 * finds the port on the host, cannot connect with it. CONFLICT when the
 * compute does not run or has no screen. */
occi_hv_status occi_hypervisor_screen(occi_hypervisor *hv, apr_pool_t *pool,
                                      const occi_entity *compute, const char *password,
                                      int seconds, occi_hv_screen *screen, occi_hv_error *error);

/* What every compute running on hv has used since it started: an array
 * of occi_hv_usage from pool (empty when the provider does not tell). A
 * provider of several hosts gives what the hosts that answered told. */
occi_hv_status occi_hypervisor_usage(occi_hypervisor *hv, apr_pool_t *pool,
                                     apr_array_header_t **usages, occi_hv_error *error);

/* Whether hv is known not to answer now (a refused connection, a daemon
 * keepalive gave up on), without asking it. */
int occi_hypervisor_known_down(const occi_hypervisor *hv);

/* Moves compute, with its root disk, its cloud-init seed and storages
 * (occi_entity *, those its storagelinks attach), from hv to target, another
 * host's hypervisor of the same provider: a stopped compute's volumes are
 * copied and its definition moved; a running one migrates live, its disks
 * copied while it runs. On success nothing of it is left on hv; on failure
 * it is on hv as it was, and nothing of it on target. What the hypervisor
 * cannot do (a running compute with a device that cannot move) is a
 * CONFLICT with its words. */
occi_hv_status occi_hypervisor_migrate(occi_hypervisor *hv, apr_pool_t *pool,
                                       const occi_entity *compute,
                                       const apr_array_header_t *storages,
                                       occi_hypervisor *target, occi_hv_error *error);

/* Whether hv can run save for compute (it has a root disk to copy). */
int occi_hypervisor_can_save(const occi_hypervisor *hv, const occi_entity *compute);

/* Whether uri names this machine's own hypervisor (no host in it, as in
 * qemu:///system or test:///default), whose files this process can look
 * at; 0 for a remote one (qemu+ssh://host/system). */
int occi_hypervisor_uri_is_local(const char *uri);

/* The first file of image (disk, kernel, initrd) that does not exist on
 * this machine, or NULL. A file that cannot be looked at (a directory
 * httpd's user may not search) counts as present: QEMU's user may read
 * it. */
const char *occi_os_image_missing_file(apr_pool_t *pool, const occi_os_image *image);

/* Starts the process's event loop thread, before any hypervisor is made,
 * so that domain states can be cached until the hypervisor says they
 * changed; it stops when pool is destroyed. 1 if it runs, 0 if it cannot
 * (states are then asked for at every request). */
int occi_hypervisor_start_events(apr_pool_t *pool);

/* Whether that thread runs. */
int occi_hypervisor_events_running(void);

/* A libvirt hypervisor for this process; pool must outlive it (httpd's
 * child pool). Connects lazily. NULL if no mutex can be made. */
occi_hypervisor *occi_hypervisor_create(apr_pool_t *pool, const occi_hypervisor_config *config);

/* True for the kinds the hypervisor backs (compute, storage, network,
 * storagelink, networkinterface). */
int occi_hypervisor_backs(const char *kind);

/* Writes the live state of each entity (occi_entity *) into its state
 * attributes (and state.message), asking libvirt once per kind present,
 * not once per entity. Links take the state of what they join. An object
 * that vanished shows "error" with a message saying so. Failing to reach
 * the hypervisor is reported; the entities are then left as stored. */
occi_hv_status occi_hypervisor_observe(occi_hypervisor *hv, apr_pool_t *pool,
                                       apr_array_header_t *entities, occi_hv_error *error);

/* Creates what entity stands for: defines a domain, creates a volume,
 * defines a network; for a link, attaches the device to the domain of
 * source (hot-plugged when it runs). source and target are the link's ends
 * (NULL otherwise). Fills server-chosen attributes (a generated MAC). */
occi_hv_status occi_hypervisor_create_entity(occi_hypervisor *hv, apr_pool_t *pool,
                                             occi_entity *entity, const occi_entity *source,
                                             const occi_entity *target, occi_hv_error *error);

/* Removes what entity stands for: destroys and undefines a domain with
 * the volumes it owns, deletes a volume, destroys and undefines a
 * network, detaches a link's device. Already gone is not an error. */
occi_hv_status occi_hypervisor_delete_entity(occi_hypervisor *hv, apr_pool_t *pool,
                                             const occi_entity *entity,
                                             const occi_entity *source,
                                             occi_hv_error *error);

/* Carries out an action (type id) with its parameters
 * (occi_attribute_value) on entity. */
occi_hv_status occi_hypervisor_act(occi_hypervisor *hv, apr_pool_t *pool,
                                   occi_entity *entity, const char *action,
                                   const apr_array_header_t *parameters, occi_hv_error *error);

/* The actions entity offers (occi_state_applicable_actions) less those
 * that hv, NULL when there is none, cannot run for it: save needs a
 * hypervisor and a root disk, which only computes made from an OS
 * template with a disk image (the provider's disk=, or a saved one) have.
 * What a client sees offered is what it can invoke. */
apr_array_header_t *occi_hypervisor_runnable_actions(const occi_hypervisor *hv,
                                                     apr_pool_t *pool,
                                                     const occi_model *model,
                                                     const occi_entity *entity);

/* Every domain, network and volume (of the configured pool) of the
 * hypervisor that carries one of the module's names, as occi_hv_object
 * (occi_unmanaged.h), whether the store knows it or not. */
occi_hv_status occi_hypervisor_list_objects(occi_hypervisor *hv, apr_pool_t *pool,
                                            apr_array_header_t **objects, occi_hv_error *error);

/* The save action: copies compute's root disk into the pool as the image
 * of a new OS template named term. A stopped compute's disk is copied as
 * it is. A running one's: with method "hot", as it was at one moment
 * while the guest runs on; with "deferred", not now: *later is set and the
 * caller asks again once the compute has stopped (also when the compute
 * started again while its disk was being copied). A compute that boots a
 * kernel has no disk to save. */
occi_hv_status occi_hypervisor_save(occi_hypervisor *hv, apr_pool_t *pool,
                                    const occi_entity *compute, const char *term,
                                    const char *method, int *later, occi_hv_error *error);

/* Deletes the image of a saved OS template. */
occi_hv_status occi_hypervisor_delete_saved(occi_hypervisor *hv, apr_pool_t *pool,
                                            const char *term, occi_hv_error *error);

/* Applies the change from current to updated (cores, memory, storage
 * size): redefines an inactive domain, resizes a volume. */
occi_hv_status occi_hypervisor_update(occi_hypervisor *hv, apr_pool_t *pool,
                                      const occi_entity *current, occi_entity *updated,
                                      occi_hv_error *error);

#endif
