/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The httpd glue of mod_occi, shared between its files: configuration,
 * the per-request state, and the functions each file offers the others.
 *
 *   mod_occi.c            module record, hooks, request dispatch
 *   mod_occi_config.c     directives and the model built from them
 *   mod_occi_response.c   negotiation, request bodies, responses and errors
 *   mod_occi_store.c      the entity store through mod_dbd
 *   mod_occi_discovery.c  the query interface and user mixins
 *   mod_occi_entities.c   entities: creation, changes, deletion, membership
 *   mod_occi_collections.c  the members of collections: filters, pages
 *   mod_occi_actions.c    actions, and the OS templates save makes
 *   mod_occi_hypervisor.c the hypervisor's errors and live states in requests
 *   mod_occi_intents.c    the intents that outlive a killed process
 *   mod_occi_console.c    the web console for browsers
 */
#ifndef MOD_OCCI_H
#define MOD_OCCI_H

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_dbd.h"
#include "apr_strings.h"
#include "mod_dbd.h"

#include "occi_service.h"
#include "occi_entity.h"
#include "occi_entity_text.h"
#include "occi_json.h"
#include "occi_hypervisor.h"
#include "occi_model.h"
#include "occi_negotiate.h"
#include "occi_render_cache.h"
#include "occi_router.h"
#include "occi_store.h"
#include "occi_validate.h"

/* Every file of the module logs as occi, so "LogLevel occi:info" reaches
 * all its messages. */
APLOG_USE_MODULE(occi);

/* Every log message carries a number of its own, never reused. */
#define OCCI_LOGNO(n) "OCCI" #n ": "

#define OCCI_HANDLER_NAME "occi"

/* ---- Configuration (mod_occi_config.c) ----------------------------- */

typedef struct {
    const char *term;
    const char *title;
    int cores;                 /* resource templates only */
    double memory_gib;         /* resource templates only */
    occi_os_image image;       /* OS templates only: what a compute boots */
} occi_template_decl;

typedef struct {
    const char *provider_scheme;          /* NULL: unset */
    apr_array_header_t *os_templates;     /* occi_template_decl; NULL: unset */
    apr_array_header_t *resource_templates;
    const char *libvirt_uri;              /* NULL: unset; "none": no hypervisor */
    const char *domain_type;              /* NULL: from the URI */
    const char *storage_pool;             /* NULL: unset */
    int state_cache_seconds;              /* 0: unset; -1: Off */
    apr_hash_t *administrators;           /* user names; NULL: unset */
    int max_page_size;                    /* 0: unset */
    apr_off_t max_body_size;              /* 0: unset */
    int max_attribute_length;             /* 0: unset */
    int max_categories;                   /* 0: unset */
    int max_links;                        /* 0: unset */
    int json_pattern;                     /* OCCI_JSON_PATTERN_SETTING_*; 0: unset */
    const char *node_name;                /* OCCINodeName (main server); NULL: host name */
    occi_model *model;                    /* built in post_config, then read-only */
    occi_render_cache *renderings;        /* per child process; NULL: not cached */
    occi_hypervisor *hypervisor;          /* per child process; NULL: none */
} occi_server_conf;

#define OCCI_JSON_PATTERN_SETTING_REGEX 1
#define OCCI_JSON_PATTERN_SETTING_SCHEMA 2

/* OCCIJSONPattern, regex when unset. */
occi_json_pattern_style occi_json_pattern_of(const occi_server_conf *conf);

#define OCCI_DEFAULT_LIBVIRT_URI "test:///default"
#define OCCI_DEFAULT_STORAGE_POOL "default"
#define OCCI_DEFAULT_STATE_CACHE_SECONDS 10

/* The scheme of the OS templates the save action makes. */
const char *occi_saved_template_scheme(apr_pool_t *pool, server_rec *s);

/* The hypervisor configuration a server's directives describe; NULL when
 * the server runs without one (OCCILibvirtURI none). */
const occi_hypervisor_config *occi_hypervisor_settings(apr_pool_t *pool, server_rec *s);

#define OCCI_DEFAULT_MAX_PAGE_SIZE 1000
#define OCCI_DEFAULT_MAX_BODY_SIZE (1024 * 1024)
#define OCCI_DEFAULT_MAX_ATTRIBUTE_LENGTH 65536
#define OCCI_DEFAULT_MAX_CATEGORIES 64
#define OCCI_DEFAULT_MAX_LINKS 64
/* The most OCCIMaxLinks may be: a resource's rendering with that many
 * links, a value each and one per attribute of each, stays within the text
 * parser's OCCI_TEXT_MAX_FIELDS. */
#define OCCI_MAX_LINKS 256

typedef struct {
    occi_media_type default_rendering;    /* OCCI_MEDIA_NONE: unset */
    int console;                          /* OCCIConsole: 1 on, 0 off, -1 unset (on) */
} occi_dir_conf;

extern const command_rec occi_directives[];
void *occi_create_server_conf(apr_pool_t *pool, server_rec *s);
void *occi_merge_server_conf(apr_pool_t *pool, void *base_conf, void *add_conf);
void *occi_create_dir_conf(apr_pool_t *pool, char *dir);
void *occi_merge_dir_conf(apr_pool_t *pool, void *base_conf, void *add_conf);
occi_server_conf *occi_server_config(server_rec *s);

/* Builds the model of every server from its directives; OK or an error
 * status after logging why. */
int occi_build_models(apr_pool_t *pconf, server_rec *main_server);

/* Warns at start-up of OS templates whose files are missing on this
 * machine's hypervisor. */
void occi_warn_missing_images(apr_pool_t *ptemp, server_rec *main_server);

/* ---- A request -----------------------------------------------------
 * Functions of the glue that may answer the request themselves return OK
 * when the caller should go on, and any other value once they have sent
 * the answer (an error); the handler then returns OK to httpd. */

typedef struct occi_request {
    request_rec *r;
    occi_server_conf *conf;
    const occi_model *model;
    occi_media_type default_rendering;
    const char *base;          /* mount path without trailing '/' ("" at the root) */
    const char *path;          /* request path below base, starting with '/' */
    occi_accept *accept;       /* NULL until parsed, or when unusable */
    apr_table_t *query;
    const char *owner;         /* r->user, or "" without authentication: owns what it makes */
    const char *scope;         /* whose entities it sees: owner, or NULL (all) for an
                                * administrator */
    occi_store *store;         /* once acquired */
    ap_dbd_t *connection;      /* mod_dbd's connection the store runs on */
    occi_validation validation;  /* model plus the owner's user mixins, once loaded */
    int user_mixins_loaded;
    apr_array_header_t *user_mixins;  /* const occi_category *, once loaded */
    /* Locations of the entities this request created: text renderings
     * repeat them in X-OCCI-Location headers. */
    apr_array_header_t *created_locations;
    const char *origin;        /* once asked for: see occi_request_origin */
    occi_service *service;     /* once asked for: see occi_service_for */
} occi_request;

/* ---- Responses (mod_occi_response.c) ------------------------------- */

/* Sends body with status as type; returns OK for the handler to return. */
int occi_send_body(occi_request *req, int status, occi_media_type type,
                   const char *body, apr_size_t len);

/* Sends an error: a JSON object when the client prefers JSON, else a line
 * of text; logs it. Returns OK for the handler to return. */
int occi_send_error(occi_request *req, int status, const char *message);

/* Sends an error and returns status: for helpers whose caller stops on
 * anything but OK. */
int occi_refuse(occi_request *req, int status, const char *message);

/* occi_refuse logging under number (OCCI<number>) rather than OCCI10. */
int occi_refuse_numbered(occi_request *req, int status, int number, const char *message);

/* occi_refuse_store logging under number. */
int occi_refuse_store_numbered(occi_request *req, int number);

/* Sends the failure of a service-layer operation (src/occi_service.h) with
 * the status of its class, logged under its number; returns the status. */
int occi_refuse_result(occi_request *req, const occi_result *result);

/* The service-layer context of a request: its store, hypervisor, model,
 * owner and scope, and this process as the holder of intents. */
void occi_request_service(occi_request *req, occi_service *service);

/* The request's service-layer context, made once (its store is the one
 * acquired last). */
occi_service *occi_service_for(occi_request *req);

/* The same for a store failure, with the database's message: 503 when the
 * connection to the database is lost, else 500. */
int occi_refuse_store(occi_request *req, occi_store_status status);

/* Chooses among offered (the configured default first) for the client,
 * or answers 406 (400 for text/uri-list when it is not offered) and
 * returns that status with *chosen OCCI_MEDIA_NONE. */
int occi_negotiate(occi_request *req, const occi_media_type *offered, int n,
                   occi_media_type *chosen);

/* Renderings of a single entity or category set. */
extern const occi_media_type occi_entity_renderings[];
extern const int occi_entity_renderings_count;
/* Renderings of a listing (text/uri-list added). */
extern const occi_media_type occi_listing_renderings[];
extern const int occi_listing_renderings_count;

/* Sends text fields as a text/plain body or as text/occi headers. */
int occi_send_fields(occi_request *req, int status, occi_media_type type,
                     const apr_array_header_t *fields);

/* The request body's media type and bytes. *type is OCCI_MEDIA_NONE when
 * there is no body. On failure sends the error and returns its status;
 * OK otherwise. Reads at most the configured maximum. */
int occi_read_body(occi_request *req, occi_media_type *type, const char **body,
                   apr_size_t *len);

/* The OCCI fields of the text/occi request headers (Category, Link,
 * X-OCCI-Attribute, X-OCCI-Location). */
apr_array_header_t *occi_header_fields(occi_request *req);

/* The "Allow" value for OCCI_METHOD_* bits. */
const char *occi_allow_header(int methods);

/* ---- Unmanaged objects (mod_occi_unmanaged.c) ----------------------- */

/* Sets up the start-up report, on a thread of mod_watchdog (post_config). */
void occi_unmanaged_configure(apr_pool_t *pconf, server_rec *main_server);

/* GET OCCI_UNMANAGED_PATH, for administrators: the hypervisor's objects
 * with the module's names that the store does not know. */
void occi_handle_unmanaged(occi_request *req);

/* ---- Background work (mod_occi_hypervisor.c) ------------------------- */

/* Whether a server of this httpd has a hypervisor. */
int occi_any_hypervisor(apr_pool_t *pool, server_rec *main_server);

/* Whether this child is stopping: background work then waits for the
 * next child, so as not to hold up httpd's stop. */
int occi_child_stopping(void);

/* mod_watchdog's callback type, without its header. */
typedef apr_status_t occi_watchdog_callback(int state, void *data, apr_pool_t *pool);

/* Calls callback (with main_server) every interval on a thread of
 * mod_watchdog named name, in every child or, with singleton, in one
 * (post_config). APR_ENOTIMPL without mod_watchdog. */
apr_status_t occi_watchdog_every(apr_pool_t *pconf, server_rec *main_server, const char *name,
                                 int singleton, apr_interval_time_t interval,
                                 occi_watchdog_callback *callback);

/* Calls work once for each distinct store (with by_hypervisor: each
 * distinct hypervisor and store) of the servers that have a hypervisor,
 * with that store open outside requests, or NULL and error when it cannot
 * be opened. */
typedef void occi_store_work(apr_pool_t *pool, server_rec *s, occi_store *store,
                             const char *error, void *data);
void occi_for_each_hypervisor_store(apr_pool_t *pool, server_rec *main_server, int by_hypervisor,
                                    occi_store_work *work, void *data);

/* ---- Deferred saves (mod_occi_deferred_save.c) ----------------------- */

/* Sets up the background look for stopped computes with saves waiting
 * (post_config), on a thread of mod_watchdog. */
void occi_deferred_saves_configure(apr_pool_t *pconf, server_rec *main_server);

/* Makes the saves of compute_id deferred to its next stop if it has
 * stopped, in the request (outside any transaction of its store). The
 * store's failures are logged, not answered: the background thread tries
 * again. */
void occi_deferred_saves_now(occi_request *req, const char *compute_id);

/* Before computes are deleted: those with saves waiting are powered off
 * and their saves made (the deletion is the stop the saves waited for). */
void occi_deferred_saves_before_delete(occi_request *req,
                                       const apr_array_header_t *entities);

/* ---- The store (mod_occi_store.c) ---------------------------------- */

/* Registers the mutex type of the children's start on SQLite. */
void occi_store_pre_config(apr_pool_t *pconf);

/* Which database server s keeps its entities in ("driver\nparams"), to
 * tell servers that share one. */
const char *occi_store_identity(apr_pool_t *pool, server_rec *s);

/* Registers the store's statements with mod_dbd; fails start-up with a
 * message when mod_dbd is missing. */
int occi_store_configure(apr_pool_t *pconf, server_rec *main_server);

/* Creates or upgrades the schema in each child before mod_dbd prepares
 * the statements on its connections; on SQLite it takes the child's turn,
 * which occi_store_child_init_done (after mod_dbd's child_init) leaves. */
void occi_store_child_init(apr_pool_t *pchild, server_rec *main_server);
void occi_store_child_init_done(apr_pool_t *pchild, server_rec *main_server);

/* A store for work outside requests (a watchdog's thread), on a
 * connection of mod_dbd's pool that occi_store_close_outside_requests
 * gives back. NULL and *error when none can be had. */
occi_store *occi_store_open_outside_requests(apr_pool_t *pool, server_rec *s,
                                             ap_dbd_t **connection, const char **error);
void occi_store_close_outside_requests(server_rec *s, ap_dbd_t *connection);

/* Acquires the request's store; on failure answers 503 and returns it. */
int occi_store_acquire(occi_request *req);

/* Loads the owner's user mixins into req->validation (once). OK or an
 * error already sent. */
int occi_load_user_mixins(occi_request *req);

/* ---- The hypervisor (mod_occi_hypervisor.c) ------------------------ */

/* Answers a hypervisor failure: 503 unreachable, 409 state conflict, 400
 * impossible request, 500 otherwise, with libvirt's words. Returns the
 * status sent. */
int occi_refuse_hv(occi_request *req, const occi_hv_error *error);

/* Writes the live state of entities (occi_entity *, with their inline
 * links) from the hypervisor, in one round of questions. OK, or the status
 * of the error sent. No-op without a hypervisor. */
int occi_observe(occi_request *req, apr_array_header_t *entities);


/* ---- Intents (mod_occi_intents.c) ------------------------------------ */

/* Intents (src/occi_recovery.h): a change about to be made on the
 * hypervisor and in the store is recorded in the store before the
 * hypervisor is touched (by the service layer, src/occi_service.c), held by
 * this process while it lives, so that any process of any node can finish
 * it if this one dies. occi_intents_configure sets up the threads that
 * renew this process's leases and finish the interrupted changes
 * (post_config). */
void occi_intents_configure(apr_pool_t *pconf, server_rec *s);

/* This process's name as the holder of intents: "<host name> <pid>" for
 * its requests' changes, with " <role>" for other work (role not NULL),
 * which another thread must not take for its own. */
const char *occi_process_holder(apr_pool_t *pool, const char *role);

/* ---- The web console (mod_occi_console.c) ------------------------- */

/* A file of console/, compiled into the module by console/embed.sh. */
typedef struct {
    const char *name;             /* "console.js" */
    const char *content_type;
    const char *etag;             /* from the content, quoted */
    const char *data;
    apr_size_t len;
} occi_console_asset;

/* The generated table, ended by an entry whose name is NULL. */
extern const occi_console_asset occi_console_assets[];

/* Answers GET or HEAD of <mount>/-/console.js and console.css (and their
 * OPTIONS and other methods) and returns OK; DECLINED for any other path,
 * or when OCCIConsole is off. Needs req->path only. */
int occi_console_asset_request(occi_request *req);

/* Sends the console's page and returns OK when the request is a GET or
 * HEAD whose Accept prefers text/html to every OCCI rendering and the
 * console is on; DECLINED otherwise. Needs req->accept. */
int occi_console_page_request(occi_request *req);

/* ---- Handlers ------------------------------------------------------ */

/* The query interface: GET, POST (define user mixins), DELETE. */
int occi_handle_query_interface(occi_request *req);

/* ---- Entities, collections, actions ---------------------------------
 * mod_occi_entities.c renders and changes entities; mod_occi_collections.c
 * finds a collection's members; mod_occi_actions.c runs actions. */

/* The text fields of a request: a text/plain body's lines, else the
 * text/occi headers. OK, or the status of the error sent. */
int occi_request_fields(occi_request *req, occi_media_type type, const char *body,
                        apr_size_t len, apr_array_header_t **fields);

/* Reads a resource's links from the store into entity->links. */
int occi_load_links(occi_request *req, occi_entity *entity);

/* Sends an entity (with its links, live state, actions and ETag), or a
 * listing of entities, in the negotiated rendering. */
int occi_send_entity(occi_request *req, int status, occi_entity *entity);
int occi_send_collection(occi_request *req, int http_status, apr_array_header_t *entities);

/* "scheme://host[:port]" of the request, as httpd writes its own URLs. */
const char *occi_request_origin(occi_request *req);

/* The entity's absolute URL: origin, mount path, kind location, id. */
const char *occi_absolute_location(occi_request *req, const occi_entity *entity);

/* The entities (occi_entity *) a collection route holds for the client,
 * filtered by the request, and paged when paged is set. */
int occi_list_members(occi_request *req, const occi_route *route, int paged,
                      apr_array_header_t **members);

/* Runs the action of the request's ?action= on entities (one, or a
 * collection's members) and answers. */
int occi_run_action(occi_request *req, apr_array_header_t *entities, int is_collection);

/* Kind and mixin collections, unbound paths, entities. */
int occi_handle_collection(occi_request *req, const occi_route *route);
int occi_handle_entity(occi_request *req, const occi_route *route);

#endif
