/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mod_occi: an OCCI 1.2 endpoint inside Apache httpd.
 *
 * This file holds the module record, its hooks and the request handler,
 * which routes a request to the query interface, a collection or an
 * entity (see mod_occi.h for the other glue files). The protocol itself
 * (model, renderings, negotiation, routing, validation, the store) lives
 * in src/ and knows nothing of httpd.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_config.h"
#include "mod_occi_console.h"
#include "mod_occi_deferred_save.h"
#include "mod_occi_discovery.h"
#include "mod_occi_entities.h"
#include "mod_occi_hosts.h"
#include "mod_occi_intents.h"
#include "mod_occi_quota.h"
#include "mod_occi_response.h"
#include "mod_occi_screen.h"
#include "mod_occi_usage.h"
#include "mod_occi_service.h"
#include "mod_occi_store.h"
#include "mod_occi_unmanaged.h"
#include "apr_fnmatch.h"
#include "occi_hosts.h"
#include "occi_query.h"
#include "occi_version.h"

#define OCCI_SERVED_MEDIA_TYPES \
    "text/plain, text/occi, text/uri-list, application/occi+json, application/json"

/* ---- Start-up ------------------------------------------------------ */

static int occi_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                            server_rec *main_server)
{
    int status;

    ap_add_version_component(pconf, occi_module_version());
    ap_add_version_component(pconf, OCCI_PROTOCOL_TOKEN);
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    /* Core fixes the banner before this hook runs; below "ServerTokens
     * Full" it drops every module's component, OCCI's required one too. */
    if (!strstr(ap_get_server_banner(), OCCI_PROTOCOL_TOKEN)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server, OCCI_LOGNO(3)
                     "the Server header will lack %s, which OCCI requires on every "
                     "response: set \"ServerTokens Full\"", OCCI_PROTOCOL_TOKEN);
    }
    status = occi_build_models(pconf, main_server);
    if (status != OK) {
        return status;
    }
    occi_warn_missing_images(ptemp, main_server);
    occi_intents_configure(pconf, main_server);
    occi_unmanaged_configure(pconf, main_server);
    occi_deferred_saves_configure(pconf, main_server);
    occi_usage_configure(pconf, main_server);
    return occi_store_configure(pconf, main_server);
}

/* The hosts of s (OCCIHypervisorHost) behind one hypervisor, each with a
 * hypervisor of its own (its own connection, events and state cache). */
static occi_hypervisor *hosts_of(apr_pool_t *pchild, server_rec *s)
{
    apr_array_header_t *settings = occi_hosts_settings(pchild, s);
    apr_array_header_t *hosts = apr_array_make(pchild, settings->nelts, sizeof(occi_host));
    int i;

    for (i = 0; i < settings->nelts; i++) {
        const occi_host_settings *one = &APR_ARRAY_IDX(settings, i, occi_host_settings);
        occi_host *host = apr_array_push(hosts);

        memset(host, 0, sizeof(*host));
        host->name = one->decl->name;
        host->hypervisor = occi_hypervisor_create(pchild, one->config);
        host->cpu_ratio = one->decl->cpu_ratio;
        host->memory_ratio = one->decl->memory_ratio;
        host->reserved_memory_mib = one->decl->reserved_memory_mib;
        host->disabled = one->decl->disabled;
        if (!host->hypervisor) {
            return NULL;
        }
    }
    return occi_hosts_create(pchild, hosts, settings->nelts
                                            ? APR_ARRAY_IDX(settings, 0, occi_host_settings)
                                                  .config->provider_network_scheme
                                            : NULL);
}

static void occi_child_init(apr_pool_t *pchild, server_rec *main_server)
{
    server_rec *s;

    /* A virtual host with no directive of its own shares the main
     * server's configuration: each configuration is set up once. */
    for (s = main_server; s; s = s->next) {
        occi_server_conf *conf = occi_server_config(s);

        if (conf->renderings) {
            continue;
        }
        conf->renderings = occi_render_cache_create(pchild);
        if (!conf->renderings) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(4)
                         "cannot create a mutex; the query interface is rendered anew "
                         "for every request");
        }
    }
    for (s = main_server; s; s = s->next) {
        occi_server_conf *conf = occi_server_config(s);
        const occi_hypervisor_config *settings;

        if (conf->hypervisor) {
            continue;
        }
        settings = occi_hypervisor_settings(pchild, s);
        /* libvirt wants its event loop before the first connection; the
         * connection itself is opened by the first request. */
        if (settings && !occi_hypervisor_events_running()
            && !occi_hypervisor_start_events(pchild)) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server, OCCI_LOGNO(97)
                         "cannot start libvirt's event loop; the state of every compute "
                         "is asked of the hypervisor at every request");
        }
        conf->hypervisor = !settings ? NULL
                           : conf->hosts ? hosts_of(pchild, s)
                           : occi_hypervisor_create(pchild, settings);
    }
    occi_store_child_init(pchild, main_server);
}

/* ---- Requests ------------------------------------------------------ */

/* The handler named by a section's SetHandler, or NULL when it sets none. */
static const char *section_handler(request_rec *r, const core_dir_config *section)
{
    const char *handler, *error = NULL;

    if (!section->expr_handler) {
        return NULL;
    }
    handler = ap_expr_str_exec(r, section->expr_handler, &error);
    return error ? NULL : handler;
}

/* Whether a <Location> section applies to the request, matched as httpd's
 * own location walk matches it. */
static int location_matches(request_rec *r, const core_dir_config *section)
{
    size_t len;

    if (section->r) {
        return !ap_regexec(section->r, r->uri, 0, NULL, 0);
    }
    if (section->d_is_fnmatch) {
        return apr_fnmatch(section->d, r->uri, APR_FNM_PATHNAME) == APR_SUCCESS;
    }
    len = strlen(section->d);
    return !strncmp(section->d, r->uri, len)
           && (len == 0 || section->d[len - 1] == '/' || r->uri[len] == '/'
               || r->uri[len] == '\0');
}

/* Finds where the API is mounted for this request: the path of the last
 * <Location> section that sets the handler, when that handler is occi. The
 * mount is kept in the request's configuration for the handler; a regex or
 * wildcard section, or SetHandler at server level, mounts at the root.
 *
 * OCCI paths name no files, so for them the filesystem walk is skipped, as
 * mod_proxy does for proxied URLs: no stat calls or .htaccess lookups per
 * request, no <Directory> rules, and no 403 where httpd's user cannot search
 * the document root. */
static int occi_map_to_storage(request_rec *r)
{
    const core_server_config *server = ap_get_core_module_config(r->server->module_config);
    const core_dir_config *defaults = ap_get_core_module_config(r->server->lookup_defaults);
    ap_conf_vector_t **sections = (ap_conf_vector_t **)server->sec_url->elts;
    const core_dir_config *mount = NULL;
    const char *handler = section_handler(r, defaults);
    int i;

    for (i = 0; i < server->sec_url->nelts; i++) {
        const core_dir_config *section = ap_get_core_module_config(sections[i]);
        const char *named;

        if (location_matches(r, section) && (named = section_handler(r, section))) {
            handler = named;
            mount = section;
        }
    }
    if (!handler || strcmp(handler, OCCI_HANDLER_NAME)) {
        return DECLINED;
    }
    if (mount && !mount->r && !mount->d_is_fnmatch) {
        size_t len = strlen(mount->d);

        while (len && mount->d[len - 1] == '/') {
            len--;
        }
        ap_set_module_config(r->request_config, &occi_module,
                             apr_pstrmemdup(r->pool, mount->d, len));
    }
    return OK;
}


/* A path the model does not bind may be the location of a user mixin. */
static int route_user_mixin(occi_request *req, occi_route *route)
{
    int status, i;
    size_t len = strlen(req->path);

    if (!len || req->path[len - 1] != '/') {
        return OK;
    }
    if ((status = occi_load_user_mixins(req)) != OK) {
        return status;
    }
    for (i = 0; i < req->user_mixins->nelts; i++) {
        const occi_category *mixin = APR_ARRAY_IDX(req->user_mixins, i, const occi_category *);

        if (!strcmp(mixin->location, req->path)) {
            route->type = OCCI_ROUTE_MIXIN_COLLECTION;
            route->category = mixin;
        }
    }
    return OK;
}

static int method_bit(int method_number)
{
    switch (method_number) {
    case M_GET:    return OCCI_METHOD_GET;
    case M_POST:   return OCCI_METHOD_POST;
    case M_PUT:    return OCCI_METHOD_PUT;
    case M_DELETE: return OCCI_METHOD_DELETE;
    }
    return 0;
}

/* The tenant of a request: OCCITenant's expression, or without one the
 * user httpd authenticated ("" when nobody is: a server without
 * authentication has one tenant). NULL, or the sentence of a refusal and
 * its status: an expression that gives nothing is a request that names
 * no tenant (403), never the shared tenant "" by accident. */
static const char *request_tenant(request_rec *r, const occi_dir_conf *dconf,
                                  const char **tenant, int *status)
{
    const char *error = NULL, *key;

    *tenant = r->user ? r->user : "";
    if (!dconf->tenant) {
        return NULL;
    }
    key = ap_expr_str_exec(r, dconf->tenant, &error);
    if (error) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OCCI_LOGNO(173)
                      "OCCITenant \"%s\" could not be evaluated: %s", dconf->tenant_text, error);
        *status = HTTP_INTERNAL_SERVER_ERROR;
        return "the server could not tell which tenant this request belongs to "
               "(its OCCITenant expression failed; the error log says why)";
    }
    if (!key || !*key) {
        *status = HTTP_FORBIDDEN;
        return "this request belongs to no tenant: the server takes the tenant from what "
               "the request's authentication says (OCCITenant), and it says none";
    }
    *tenant = key;
    return NULL;
}

/* Whether the requester administers every tenant: a user OCCIAdministrator
 * names, or a request for which one of its expressions is true. */
static int is_administrator(request_rec *r, const occi_server_conf *conf)
{
    int i;

    if (r->user && conf->administrators
        && apr_hash_get(conf->administrators, r->user, APR_HASH_KEY_STRING)) {
        return 1;
    }
    for (i = 0; conf->administrator_exprs && i < conf->administrator_exprs->nelts; i++) {
        const char *error = NULL;
        int result = ap_expr_exec(r, APR_ARRAY_IDX(conf->administrator_exprs, i,
                                                   const ap_expr_info_t *), &error);

        if (error) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OCCI_LOGNO(174)
                          "an OCCIAdministrator expression could not be evaluated: %s "
                          "(the request is not an administrator's)", error);
        }
        else if (result > 0) {
            return 1;
        }
    }
    return 0;
}

/* Who asks and where: req for r. NULL, or why r belongs to no tenant
 * (with the status to answer in *tenant_status). */
static const char *prepare_request(request_rec *r, occi_request *req, int *tenant_status)
{
    const occi_dir_conf *dconf = ap_get_module_config(r->per_dir_config, &occi_module);
    const char *tenant_refusal;

    memset(req, 0, sizeof(*req));
    req->r = r;
    req->conf = occi_server_config(r->server);
    req->model = req->conf->model;
    req->validation.model = req->model;
    tenant_refusal = request_tenant(r, dconf, &req->owner, tenant_status);
    /* Administrators see and manage every owner's entities and mixins. */
    req->scope = is_administrator(r, req->conf) ? NULL : req->owner;
    req->default_rendering = dconf->default_rendering != OCCI_MEDIA_NONE
                                 ? dconf->default_rendering : OCCI_MEDIA_TEXT_PLAIN;
    req->base = ap_get_module_config(r->request_config, &occi_module);
    if (!req->base) {
        req->base = "";            /* mounted through <Directory> or <If> */
    }
    req->path = r->uri[strlen(req->base)] ? r->uri + strlen(req->base) : "/";
    return tenant_refusal;
}

/* A compute's screen arrives as a WebSocket: once httpd has authenticated
 * it, it is checked here and handed to mod_proxy before the handler phase
 * (mod_occi_screen.c). Every other request goes on. */
static int occi_fixups(request_rec *r)
{
    occi_request req;
    const char *tenant_refusal, *id, *base;
    int tenant_status, websocket = 0;

    if (!r->handler || strcmp(r->handler, OCCI_HANDLER_NAME) || r->main || r->prev) {
        return DECLINED;
    }
    /* The path first: the tenant's expressions are evaluated for the
     * screen's WebSocket alone, the handler does it for the rest. */
    base = ap_get_module_config(r->request_config, &occi_module);
    base = base ? base : "";
    if (!occi_screen_path(r->pool, r->uri + strlen(base), &id, &websocket) || !websocket) {
        return DECLINED;
    }
    tenant_refusal = prepare_request(r, &req, &tenant_status);
    if (tenant_refusal) {
        occi_send_error(&req, tenant_status, tenant_refusal);
        return DONE;
    }
    return occi_screen_tunnel(&req, id);
}

static int occi_handler(request_rec *r)
{
    occi_request req;
    occi_route route;
    const char *error, *announced, *tenant_refusal, *screen_id, *usage_id;
    int announced_len, allowed, is_hosts, is_quota, tenant_status, websocket;

    if (!r->handler || strcmp(r->handler, OCCI_HANDLER_NAME)) {
        return DECLINED;
    }
    tenant_refusal = prepare_request(r, &req, &tenant_status);

    apr_table_mergen(r->headers_out, "Vary", "Accept");
    apr_table_setn(r->headers_out, "Accept", OCCI_SERVED_MEDIA_TYPES);

    if (occi_client_version_is_newer(apr_table_get(r->headers_in, "User-Agent"),
                                     &announced, &announced_len)) {
        occi_send_error(&req, HTTP_NOT_IMPLEMENTED, apr_psprintf(
                            r->pool, "the client announces %.*s but this server implements "
                            "%s", announced_len, announced, OCCI_PROTOCOL_TOKEN));
        return OK;
    }
    /* The console's script and style sheet, whatever Accept says: a
     * browser fetches them with Accept: * / * or text/css. */
    if (occi_console_asset_request(&req) == OK) {
        return OK;
    }
    if ((error = occi_accept_parse(r->pool, apr_table_get(r->headers_in, "Accept"),
                                   &req.accept))) {
        req.accept = NULL;
        occi_send_error(&req, HTTP_BAD_REQUEST, error);
        return OK;
    }
    if ((error = occi_query_parse(r->pool, r->args, &req.query))) {
        occi_send_error(&req, HTTP_BAD_REQUEST, error);
        return OK;
    }
    if (tenant_refusal) {
        occi_send_error(&req, tenant_status, tenant_refusal);
        return OK;
    }
    /* A session on a compute's screen; its WebSocket, when it arrives here,
     * was not one (occi_fixups hands those to mod_proxy). */
    if (occi_screen_path(r->pool, req.path, &screen_id, &websocket)) {
        if (websocket) {
            occi_send_error(&req, HTTP_BAD_REQUEST, "this address takes a WebSocket (GET with "
                            "Upgrade: websocket) from the console's screen");
            return OK;
        }
        occi_screen_session(&req, screen_id);
        return OK;
    }
    if (occi_usage_path(r->pool, req.path, &usage_id)) {
        occi_usage_answer(&req, usage_id);
        return OK;
    }

    occi_route_path(r->pool, req.model, req.path, &route);
    if ((route.type == OCCI_ROUTE_NOT_FOUND || route.type == OCCI_ROUTE_UNBOUND)
        && route_user_mixin(&req, &route) != OK) {
        return OK;
    }
    /* The report of unmanaged objects is the provider's: for others the
     * path does not exist. */
    if (route.type == OCCI_ROUTE_UNMANAGED && req.scope) {
        route.type = OCCI_ROUTE_NOT_FOUND;
    }
    /* So are the hosts. */
    is_hosts = occi_is_host_route(&req, &route);
    if (is_hosts && req.scope) {
        route.type = OCCI_ROUTE_NOT_FOUND;
    }
    if (route.type == OCCI_ROUTE_NOT_FOUND) {
        occi_send_error(&req, HTTP_NOT_FOUND, apr_psprintf(
                            r->pool, "nothing in the OCCI namespace is at %s", r->uri));
        return OK;
    }
    /* Quotas are read only. */
    is_quota = occi_is_quota_route(&req, &route);
    allowed = is_hosts ? OCCI_METHOD_GET | (route.type == OCCI_ROUTE_ENTITY ? OCCI_METHOD_POST : 0)
              : is_quota ? OCCI_METHOD_GET
              : occi_route_methods(&route);
    r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_OPTIONS)
                 | ((allowed & OCCI_METHOD_POST) ? AP_METHOD_BIT << M_POST : 0)
                 | ((allowed & OCCI_METHOD_PUT) ? AP_METHOD_BIT << M_PUT : 0)
                 | ((allowed & OCCI_METHOD_DELETE) ? AP_METHOD_BIT << M_DELETE : 0);
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", occi_allow_header(allowed));
        occi_send_body(&req, HTTP_OK, OCCI_MEDIA_TEXT_PLAIN, "", 0);
        return OK;
    }
    if (!(method_bit(r->method_number) & allowed)) {
        apr_table_setn(r->headers_out, "Allow", occi_allow_header(allowed));
        occi_send_error(&req, HTTP_METHOD_NOT_ALLOWED, apr_psprintf(
                            r->pool, "%s is not allowed on %s; allowed: %s",
                            r->method, r->uri, occi_allow_header(allowed)));
        return OK;
    }

    /* A browser gets the console at any path the API answers; its script
     * then asks for this same path in JSON. */
    if (occi_console_page_request(&req) == OK) {
        return OK;
    }

    if (is_hosts) {
        occi_handle_hosts(&req, &route);
        return OK;
    }
    if (is_quota) {
        occi_handle_quota(&req, &route);
        return OK;
    }
    switch (route.type) {
    case OCCI_ROUTE_QUERY_INTERFACE:
        occi_handle_query_interface(&req);
        break;
    case OCCI_ROUTE_ENTITY:
        occi_handle_entity(&req, &route);
        break;
    case OCCI_ROUTE_UNMANAGED:
        occi_handle_unmanaged(&req);
        break;
    default:
        occi_handle_collection(&req, &route);
        break;
    }
    return OK;
}

static int occi_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    occi_store_pre_config(pconf);
    return OK;
}

static void occi_register_hooks(apr_pool_t *pool)
{
    static const char *const dbd[] = { "mod_dbd.c", NULL };
    static const char *const proxy[] = { "mod_proxy.c", NULL };

    ap_hook_pre_config(occi_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(occi_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* The schema must exist before mod_dbd's child_init prepares statements;
     * on SQLite the child's turn to start lasts until mod_dbd is done. */
    ap_hook_child_init(occi_child_init, NULL, dbd, APR_HOOK_MIDDLE);
    ap_hook_child_init(occi_store_child_init_done, dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_map_to_storage(occi_map_to_storage, NULL, NULL, APR_HOOK_MIDDLE);
    /* Before mod_proxy's fixup, which makes the screen's URL canonical. */
    ap_hook_fixups(occi_fixups, NULL, proxy, APR_HOOK_FIRST);
    ap_hook_handler(occi_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA occi_module = {
    STANDARD20_MODULE_STUFF,
    occi_create_dir_conf,
    occi_merge_dir_conf,
    occi_create_server_conf,
    occi_merge_server_conf,
    occi_directives,
    occi_register_hooks,
    AP_MODULE_FLAG_NONE
};
