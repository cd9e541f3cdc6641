/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The httpd glue of mod_occi: what all its files share (the server and
 * directory configurations, the per-request state, the log numbers). Each
 * file offers the others its functions in a header of its own, and the
 * files call each other in layers, never in a circle (t/glue-layers.sh
 * checks both); from the bottom:
 *
 *   mod_occi_config.c      directives, the model and hypervisor settings
 *   mod_occi_store.c       the entity store through mod_dbd (answers nothing)
 *   mod_occi_response.c    negotiation, request bodies, answers, errors
 *   mod_occi_background.c  threads of mod_watchdog and the stores they use
 *   mod_occi_intents.c     leases of this process's changes, their recovery
 *   mod_occi_service.c     a request's service-layer context and reads
 *   mod_occi_deferred_save.c  saves waiting for a compute's stop
 *   mod_occi_render.c      entities and listings as answers
 *   mod_occi_collections.c the members of collections: filters, pages
 *   mod_occi_actions.c     actions, and the OS templates save makes
 *   mod_occi_discovery.c   the query interface and user mixins
 *   mod_occi_unmanaged.c   the hypervisor's objects the store lacks
 *   mod_occi_hosts.c       the hypervisor hosts, for administrators (/host/)
 *   mod_occi_quota.c       each tenant's quota and usage (/quota/)
 *   mod_occi_console.c     the web console for browsers
 *   mod_occi_entities.c    entities: creation, changes, deletion, membership
 *   mod_occi.c             module record, hooks, request dispatch
 *
 * What changes entities is decided in the core (src/occi_service.h); the
 * glue parses a request, calls the service layer and renders its answer.
 */
#ifndef MOD_OCCI_H
#define MOD_OCCI_H

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_expr.h"
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

/* The provider's scheme when OCCIProviderScheme is not set. */
#define OCCI_DEFAULT_PROVIDER_SCHEME "http://localhost/occi/"

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

/* A hypervisor host (OCCIHypervisorHost). */
typedef struct {
    const char *name;
    const char *uri;                      /* its libvirt URI */
    double cpu_ratio;                     /* vCPUs per core; 0: the default (4) */
    double memory_ratio;                  /* 0: the default (1.0) */
    long long reserved_memory_mib;        /* kept for the host itself */
    const char *pool;                     /* storage pool; NULL: OCCIStoragePool's */
    const char *migration_address;        /* where other hosts send its incoming
                                           * migrations; NULL: its URI's host */
    const char *screen_listen;            /* screen=: where its computes' screens
                                           * listen; NULL: OCCIScreenListen's */
    int disabled;                         /* no new placements */
} occi_host_decl;

typedef struct {
    const char *provider_scheme;          /* NULL: unset */
    apr_array_header_t *os_templates;     /* occi_template_decl; NULL: unset */
    apr_array_header_t *resource_templates;
    const char *libvirt_uri;              /* NULL: unset; "none": no hypervisor */
    apr_array_header_t *hosts;            /* occi_host_decl (OCCIHypervisorHost); NULL: unset */
    apr_array_header_t *provider_networks;  /* occi_provider_network (OCCIProviderNetwork);
                                             * NULL: none */
    int placement;                        /* OCCIPlacement: 1 spread, 2 pack; 0: unset */
    const char *domain_type;              /* NULL: from the URI */
    const char *screen_listen;            /* OCCIScreenListen; NULL: computes have no
                                           * screen */
    const char *storage_pool;             /* NULL: unset */
    int state_cache_seconds;              /* 0: unset; -1: Off */
    long long read_cache_bytes;           /* OCCIReadCacheSize; 0: unset; -1: Off */
    apr_hash_t *administrators;           /* user names; NULL: unset */
    apr_array_header_t *administrator_exprs;  /* ap_expr_info_t * (OCCIAdministrator
                                               * expr=...); NULL: unset */
    int max_page_size;                    /* 0: unset */
    apr_off_t max_body_size;              /* 0: unset */
    int max_attribute_length;             /* 0: unset */
    int max_categories;                   /* 0: unset */
    int max_links;                        /* 0: unset */
    int json_pattern;                     /* OCCI_JSON_PATTERN_SETTING_*; 0: unset */
    const char *node_name;                /* OCCINodeName (main server); NULL: host name */
    int usage_interval;                   /* OCCIUsageInterval (main server): seconds;
                                           * 0 unset (OCCI_USAGE_DEFAULT_INTERVAL),
                                           * -1 Off */
    occi_model *model;                    /* built in post_config, then read-only */
    const char *saved_scheme;             /* of saved OS templates, made with the model */
    const char *provider_network_scheme;  /* of the provider networks' mixins, made with
                                           * the model */
    occi_render_cache *renderings;        /* per child process; NULL: not cached */
    occi_hypervisor *hypervisor;          /* per child process; NULL: none */
} occi_server_conf;

#define OCCI_JSON_PATTERN_SETTING_REGEX 1
#define OCCI_JSON_PATTERN_SETTING_SCHEMA 2

#define OCCI_DEFAULT_LIBVIRT_URI "test:///default"
#define OCCI_DEFAULT_STORAGE_POOL "default"
#define OCCI_DEFAULT_STATE_CACHE_SECONDS 10
#define OCCI_DEFAULT_READ_CACHE_BYTES (8 * 1024 * 1024)

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
    const char *novnc;                    /* OCCIConsoleNoVNC: where httpd serves noVNC;
                                           * NULL: unset, "": Off */
    const char *sign_out;                 /* OCCIConsoleSignOut: the address that ends
                                           * the person's session; NULL: unset, "": Off */
    const ap_expr_info_t *tenant;         /* OCCITenant; NULL: unset (the user name) */
    const char *tenant_text;              /* its text, for messages */
    occi_quota_set *quota;                /* OCCIQuota lines; NULL: none */
} occi_dir_conf;

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

#endif
