/*
 * mod_occi: an OCCI 1.2 endpoint inside Apache httpd.
 *
 * This file is the httpd glue: the module record, the directives and the
 * request handler. The protocol itself (model, renderings, negotiation,
 * routing) lives in src/ and knows nothing of httpd; the handler turns a
 * request_rec into calls to it and its answers into a response.
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_mpm.h"
#include "apr_fnmatch.h"
#include "apr_strings.h"

#include "occi_discovery.h"
#include "occi_json.h"
#include "occi_model.h"
#include "occi_negotiate.h"
#include "occi_query.h"
#include "occi_render_cache.h"
#include "occi_router.h"
#include "occi_templates.h"
#include "occi_text.h"
#include "occi_version.h"

module AP_MODULE_DECLARE_DATA occi_module;

/* Every log message carries a number of its own, never reused. */
#define OCCI_LOGNO(n) "OCCI" #n ": "

#define OCCI_HANDLER_NAME "occi"
#define OCCI_DEFAULT_PROVIDER_SCHEME "http://localhost/occi/"
#define OCCI_SERVED_MEDIA_TYPES \
    "text/plain, text/occi, text/uri-list, application/occi+json, application/json"

/* ---- Configuration ------------------------------------------------- */

typedef struct {
    const char *term;
    const char *title;
    int cores;                 /* resource templates only */
    double memory_gib;         /* resource templates only */
} occi_template_decl;

typedef struct {
    const char *provider_scheme;          /* NULL: unset */
    apr_array_header_t *os_templates;     /* occi_template_decl; NULL: unset */
    apr_array_header_t *resource_templates;
    occi_model *model;                    /* built in post_config, then read-only */
    occi_render_cache *renderings;        /* per child process; NULL: not cached */
} occi_server_conf;

typedef struct {
    occi_media_type default_rendering;    /* OCCI_MEDIA_NONE: unset */
} occi_dir_conf;

static void *occi_create_server_conf(apr_pool_t *pool, server_rec *s)
{
    return apr_pcalloc(pool, sizeof(occi_server_conf));
}

static void *occi_merge_server_conf(apr_pool_t *pool, void *base_conf, void *add_conf)
{
    const occi_server_conf *parent = base_conf, *child = add_conf;
    occi_server_conf *merged = apr_pcalloc(pool, sizeof(*merged));

    merged->provider_scheme = child->provider_scheme ? child->provider_scheme
                                                     : parent->provider_scheme;
    merged->os_templates = child->os_templates ? child->os_templates : parent->os_templates;
    merged->resource_templates = child->resource_templates ? child->resource_templates
                                                           : parent->resource_templates;
    return merged;
}

static void *occi_create_dir_conf(apr_pool_t *pool, char *dir)
{
    occi_dir_conf *conf = apr_pcalloc(pool, sizeof(*conf));

    conf->default_rendering = OCCI_MEDIA_NONE;
    return conf;
}

static void *occi_merge_dir_conf(apr_pool_t *pool, void *base_conf, void *add_conf)
{
    const occi_dir_conf *parent = base_conf, *child = add_conf;
    occi_dir_conf *merged = apr_pcalloc(pool, sizeof(*merged));

    merged->default_rendering = child->default_rendering != OCCI_MEDIA_NONE
                                    ? child->default_rendering : parent->default_rendering;
    return merged;
}

static occi_server_conf *server_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &occi_module);
}

static const char *set_provider_scheme(cmd_parms *cmd, void *dconf, const char *value)
{
    static const char *const reserved[] = { "http://schemas.ogf.org/occi",
                                            "https://schemas.ogf.org/occi" };
    const char *colon = strchr(value, ':');
    char last = *value ? value[strlen(value) - 1] : '\0';

    /* Terms are appended as <value>os_tpl#<term>, so the value must end
     * where a path segment may start. */
    if (!colon || colon == value || strpbrk(value, " \t\"#") || (last != '/' && last != ':')
        || !strncasecmp(value, reserved[0], strlen(reserved[0]))
        || !strncasecmp(value, reserved[1], strlen(reserved[1]))) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not accepted; give an absolute URI of "
                            "your own that ends with '/' and holds no '#', such as "
                            "http://cloud.example.com/occi/ (schemes under %s are reserved "
                            "for the OGF)", cmd->cmd->name, value, OCCI_RESERVED_SCHEME_PREFIX);
    }
    server_conf(cmd->server)->provider_scheme = value;
    return NULL;
}

/* Validates term and title and appends a declaration to *list. */
static const char *add_template(cmd_parms *cmd, apr_array_header_t **list,
                                const char *term, const char *title,
                                occi_template_decl **added)
{
    int i;

    if (!occi_term_is_valid(term)) {
        return apr_psprintf(cmd->pool, "%s: template name '%s' is not valid: it must start "
                            "with a letter or digit followed by letters, digits, '-', '_' "
                            "or '.'", cmd->cmd->name, term);
    }
    if (!*title) {
        return apr_psprintf(cmd->pool, "%s %s: the title must not be empty",
                            cmd->cmd->name, term);
    }
    if (!*list) {
        *list = apr_array_make(cmd->pool, 4, sizeof(occi_template_decl));
    }
    for (i = 0; i < (*list)->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(*list, i, occi_template_decl).term, term)) {
            return apr_psprintf(cmd->pool, "%s: template '%s' is declared twice",
                                cmd->cmd->name, term);
        }
    }
    *added = apr_array_push(*list);
    memset(*added, 0, sizeof(**added));
    (*added)->term = term;
    (*added)->title = title;
    return NULL;
}

static const char *set_os_template(cmd_parms *cmd, void *dconf,
                                   const char *term, const char *title)
{
    occi_template_decl *decl;

    return add_template(cmd, &server_conf(cmd->server)->os_templates, term, title, &decl);
}

static const char *set_resource_template(cmd_parms *cmd, void *dconf,
                                         int argc, char *const argv[])
{
    static const char usage[] =
        "takes a name, a title, cores=<number of cores> and memory=<GiB>, "
        "as in: OCCIResourceTemplate small \"Small: 1 core, 1 GiB\" cores=1 memory=1";
    occi_template_decl *decl;
    const char *error;
    int i;

    if (argc != 4) {
        return apr_psprintf(cmd->pool, "%s %s", cmd->cmd->name, usage);
    }
    error = add_template(cmd, &server_conf(cmd->server)->resource_templates,
                         argv[0], argv[1], &decl);
    if (error) {
        return error;
    }
    for (i = 2; i < 4; i++) {
        char *end;

        if (!strncmp(argv[i], "cores=", 6)) {
            long cores = strtol(argv[i] + 6, &end, 10);

            if (end == argv[i] + 6 || *end || cores < 1 || cores > 1024) {
                return apr_psprintf(cmd->pool, "%s %s: cores must be a whole number from 1 "
                                    "to 1024, not '%s'", cmd->cmd->name, argv[0], argv[i] + 6);
            }
            decl->cores = (int)cores;
        }
        else if (!strncmp(argv[i], "memory=", 7)) {
            double memory = strtod(argv[i] + 7, &end);

            if (end == argv[i] + 7 || *end || !(memory > 0) || memory > 65536) {
                return apr_psprintf(cmd->pool, "%s %s: memory must be a number of GiB above "
                                    "0 and at most 65536, not '%s'",
                                    cmd->cmd->name, argv[0], argv[i] + 7);
            }
            decl->memory_gib = memory;
        }
        else {
            return apr_psprintf(cmd->pool, "%s %s: '%s' is not understood; it %s",
                                cmd->cmd->name, argv[0], argv[i], usage);
        }
    }
    if (!decl->cores || !decl->memory_gib) {
        return apr_psprintf(cmd->pool, "%s %s: %s is missing; it %s", cmd->cmd->name,
                            argv[0], decl->cores ? "memory=" : "cores=", usage);
    }
    return NULL;
}

static const char *set_default_rendering(cmd_parms *cmd, void *dconf, const char *value)
{
    occi_dir_conf *conf = dconf;
    occi_media_type type = occi_media_type_parse(value);

    if (type == OCCI_MEDIA_NONE || type == OCCI_MEDIA_URI_LIST || strchr(value, ';')) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of text/plain, text/occi, "
                            "application/occi+json, application/json",
                            cmd->cmd->name, value);
    }
    conf->default_rendering = type;
    return NULL;
}

static const command_rec occi_directives[] = {
    AP_INIT_TAKE1("OCCIProviderScheme", set_provider_scheme, NULL, RSRC_CONF,
                  "URI prefix of this provider's own categories (templates)"),
    AP_INIT_TAKE2("OCCIOSTemplate", set_os_template, NULL, RSRC_CONF,
                  "An OS template: name and title"),
    AP_INIT_TAKE_ARGV("OCCIResourceTemplate", set_resource_template, NULL, RSRC_CONF,
                      "A resource template (flavour): name, title, cores=N, memory=GiB"),
    AP_INIT_TAKE1("OCCIDefaultRendering", set_default_rendering, NULL, RSRC_CONF | ACCESS_CONF,
                  "Rendering for clients that accept anything (default text/plain)"),
    { NULL }
};

/* ---- Start-up ------------------------------------------------------ */

static int build_model(apr_pool_t *pool, server_rec *s, occi_server_conf *conf)
{
    const char *scheme = conf->provider_scheme ? conf->provider_scheme
                                               : OCCI_DEFAULT_PROVIDER_SCHEME;
    int i;

    conf->model = occi_model_create(pool);
    occi_model_add_standard(conf->model);
    for (i = 0; conf->os_templates && i < conf->os_templates->nelts; i++) {
        const occi_template_decl *decl = &APR_ARRAY_IDX(conf->os_templates, i,
                                                        occi_template_decl);
        const char *error = occi_model_add(conf->model, occi_os_template(
                                               pool, scheme, decl->term, decl->title));
        if (error) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, OCCI_LOGNO(1)
                         "OCCIOSTemplate %s: %s", decl->term, error);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    for (i = 0; conf->resource_templates && i < conf->resource_templates->nelts; i++) {
        const occi_template_decl *decl = &APR_ARRAY_IDX(conf->resource_templates, i,
                                                        occi_template_decl);
        const char *error = occi_model_add(conf->model, occi_resource_template(
                                               pool, scheme, decl->term, decl->title,
                                               decl->cores, decl->memory_gib));
        if (error) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, OCCI_LOGNO(2)
                         "OCCIResourceTemplate %s: %s", decl->term, error);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

static int occi_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                            server_rec *main_server)
{
    server_rec *s;

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
    for (s = main_server; s; s = s->next) {
        int status = build_model(pconf, s, server_conf(s));

        if (status != OK) {
            return status;
        }
    }
    return OK;
}

static void occi_child_init(apr_pool_t *pchild, server_rec *main_server)
{
    server_rec *s;

    for (s = main_server; s; s = s->next) {
        occi_server_conf *conf = server_conf(s);

        conf->renderings = occi_render_cache_create(pchild);
        if (!conf->renderings) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(4)
                         "cannot create a mutex; the query interface is rendered anew "
                         "for every request");
        }
    }
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

typedef struct {
    request_rec *r;
    const occi_model *model;
    occi_render_cache *renderings;
    occi_media_type default_rendering;
    const char *base;          /* mount path without trailing '/' ("" at the root) */
    const char *path;          /* request path below base, starting with '/' */
    occi_accept *accept;       /* NULL until parsed, or when unusable */
    apr_table_t *query;
} occi_request;

/* Renderings of the query interface, in the server's order of preference
 * once the default is moved to the front. */
static const occi_media_type category_renderings[] = {
    OCCI_MEDIA_TEXT_PLAIN, OCCI_MEDIA_TEXT_OCCI, OCCI_MEDIA_OCCI_JSON, OCCI_MEDIA_JSON
};
static const occi_media_type error_renderings[] = {
    OCCI_MEDIA_TEXT_PLAIN, OCCI_MEDIA_OCCI_JSON, OCCI_MEDIA_JSON
};

/* offered, with the configured default first. */
static const occi_media_type *preferred_order(occi_request *req, const occi_media_type *offered,
                                              int n)
{
    occi_media_type *order = apr_palloc(req->r->pool, (size_t)n * sizeof(*order));
    int i, k = 0;

    for (i = 0; i < n; i++) {
        if (offered[i] == req->default_rendering) {
            order[k++] = offered[i];
        }
    }
    for (i = 0; i < n; i++) {
        if (offered[i] != req->default_rendering) {
            order[k++] = offered[i];
        }
    }
    return order;
}

static int send_body(occi_request *req, int status, occi_media_type type,
                     const char *body, apr_size_t len)
{
    request_rec *r = req->r;

    r->status = status;
    ap_set_content_type(r, occi_media_type_name(type));
    ap_set_content_length(r, len);
    if (!r->header_only) {
        ap_rwrite(body, (int)len, r);
    }
    return OK;
}

/* Answers with an error: a JSON object when the client prefers JSON, else
 * one line of text. */
static int send_error(occi_request *req, int status, const char *message)
{
    request_rec *r = req->r;
    occi_media_type type = OCCI_MEDIA_TEXT_PLAIN;
    const char *body;

    if (req->accept) {
        int n = (int)(sizeof(error_renderings) / sizeof(error_renderings[0]));

        type = occi_accept_choose(req->accept, preferred_order(req, error_renderings, n), n);
        if (type == OCCI_MEDIA_NONE) {
            type = OCCI_MEDIA_TEXT_PLAIN;
        }
    }
    /* A client's mistake, or a feature it asks for that is missing, is no
     * fault of the server: only other 5xx are logged as errors. */
    ap_log_rerror(APLOG_MARK,
                  status >= 500 && status != HTTP_NOT_IMPLEMENTED ? APLOG_ERR : APLOG_INFO,
                  0, r, OCCI_LOGNO(10)
                  "%s %s: %d %s", r->method, r->uri, status, message);
    body = occi_media_type_is_json(type) ? occi_json_error(r->pool, status, message)
                                         : apr_pstrcat(r->pool, message, "\n", NULL);
    return send_body(req, status, type, body, strlen(body));
}

static const char *allow_header(int methods)
{
    switch (methods) {
    case OCCI_METHOD_GET:
        return "GET, HEAD, OPTIONS";
    case OCCI_METHOD_GET | OCCI_METHOD_POST | OCCI_METHOD_DELETE:
        return "GET, HEAD, POST, DELETE, OPTIONS";
    default:
        return "GET, HEAD, POST, PUT, DELETE, OPTIONS";
    }
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

/* Chooses how to render for the client among offered, or answers 406 (or
 * 400 for text/uri-list, which GFD.229 reserves for listings). */
static int negotiate(occi_request *req, const occi_media_type *offered, int n,
                     occi_media_type *chosen)
{
    *chosen = occi_accept_choose(req->accept, preferred_order(req, offered, n), n);
    if (*chosen != OCCI_MEDIA_NONE) {
        return OK;
    }
    if (occi_accept_quality(req->accept, OCCI_MEDIA_URI_LIST) > 0) {
        return send_error(req, HTTP_BAD_REQUEST, "text/uri-list renders only listings of "
                          "entities; this resource is available as text/plain, text/occi, "
                          "application/occi+json or application/json");
    }
    return send_error(req, HTTP_NOT_ACCEPTABLE, "none of the media types in Accept can "
                      "render this resource; it is available as text/plain, text/occi, "
                      "application/occi+json or application/json");
}

typedef struct {
    occi_request *req;
    apr_array_header_t *parsed;
    const char *error;
} category_header_walk;

static int parse_category_header(void *data, const char *key, const char *value)
{
    category_header_walk *walk = data;

    walk->error = occi_text_parse_categories(walk->req->r->pool, value,
                                             OCCI_FILTER_MAX_CATEGORIES - walk->parsed->nelts,
                                             walk->parsed);
    return walk->error == NULL;
}

/* The filter of a query-interface request: its Category headers and its
 * ?category= parameters. Returns NULL or a message for the client. */
static const char *category_filter(occi_request *req, apr_array_header_t **filter)
{
    request_rec *r = req->r;
    category_header_walk walk = { req, NULL, NULL };
    const apr_array_header_t *params = apr_table_elts(req->query);
    int i;

    walk.parsed = apr_array_make(r->pool, 4, sizeof(occi_category *));
    apr_table_do(parse_category_header, &walk, r->headers_in, "Category", NULL);
    if (walk.error) {
        return apr_pstrcat(r->pool, "Category header: ", walk.error, NULL);
    }
    *filter = apr_array_make(r->pool, 4, sizeof(occi_category_filter));
    occi_discovery_filter_categories(r->pool, walk.parsed, *filter);
    for (i = 0; i < params->nelts; i++) {
        const apr_table_entry_t *param = &APR_ARRAY_IDX(params, i, apr_table_entry_t);
        const char *error;

        if (strcmp(param->key, "category")) {
            continue;
        }
        error = occi_discovery_filter_type_id(r->pool, param->val, *filter);
        if (error) {
            return error;
        }
    }
    return NULL;
}

static int get_query_interface(occi_request *req)
{
    request_rec *r = req->r;
    apr_array_header_t *filter = NULL, *categories;
    occi_media_type type;
    const char *error, *body;
    apr_size_t len;
    int status, i, cacheable;

    status = negotiate(req, category_renderings,
                       (int)(sizeof(category_renderings) / sizeof(category_renderings[0])),
                       &type);
    if (status != OK || type == OCCI_MEDIA_NONE) {
        return status;
    }
    if ((error = category_filter(req, &filter))) {
        return send_error(req, HTTP_BAD_REQUEST, error);
    }
    if (type == OCCI_MEDIA_TEXT_OCCI) {
        categories = occi_discovery_select(r->pool, req->model, filter);
        for (i = 0; i < categories->nelts; i++) {
            apr_table_addn(r->headers_out, "Category", occi_text_category(
                               r->pool, APR_ARRAY_IDX(categories, i, const occi_category *),
                               req->base));
        }
        return send_body(req, HTTP_OK, type, "OK", 2);
    }
    /* The whole model is the same for every request through one mount. */
    cacheable = filter->nelts == 0 && req->renderings;
    if (cacheable && (body = occi_render_cache_get(req->renderings, req->base, type, &len))) {
        return send_body(req, HTTP_OK, type, body, len);
    }
    categories = occi_discovery_select(r->pool, req->model, filter);
    body = occi_media_type_is_json(type) ? occi_json_categories(r->pool, categories, req->base)
                                         : occi_text_category_lines(r->pool, categories, req->base);
    len = strlen(body);
    if (cacheable) {
        body = occi_render_cache_put(req->renderings, req->base, type, body, len);
    }
    return send_body(req, HTTP_OK, type, body, len);
}

static int occi_handler(request_rec *r)
{
    const occi_dir_conf *dconf;
    occi_request req;
    occi_route route;
    const char *error, *announced;
    int announced_len, allowed;

    if (!r->handler || strcmp(r->handler, OCCI_HANDLER_NAME)) {
        return DECLINED;
    }
    dconf = ap_get_module_config(r->per_dir_config, &occi_module);
    memset(&req, 0, sizeof(req));
    req.r = r;
    req.model = server_conf(r->server)->model;
    req.renderings = server_conf(r->server)->renderings;
    req.default_rendering = dconf->default_rendering != OCCI_MEDIA_NONE
                                ? dconf->default_rendering : OCCI_MEDIA_TEXT_PLAIN;
    req.base = ap_get_module_config(r->request_config, &occi_module);
    if (!req.base) {
        req.base = "";             /* mounted through <Directory> or <If> */
    }
    req.path = r->uri[strlen(req.base)] ? r->uri + strlen(req.base) : "/";

    apr_table_mergen(r->headers_out, "Vary", "Accept");
    apr_table_setn(r->headers_out, "Accept", OCCI_SERVED_MEDIA_TYPES);

    if (occi_client_version_is_newer(apr_table_get(r->headers_in, "User-Agent"),
                                     &announced, &announced_len)) {
        return send_error(&req, HTTP_NOT_IMPLEMENTED, apr_psprintf(
                              r->pool, "the client announces %.*s but this server implements "
                              "%s", announced_len, announced, OCCI_PROTOCOL_TOKEN));
    }
    if ((error = occi_accept_parse(r->pool, apr_table_get(r->headers_in, "Accept"),
                                   &req.accept))) {
        req.accept = NULL;
        return send_error(&req, HTTP_BAD_REQUEST, error);
    }

    occi_route_path(r->pool, req.model, req.path, &route);
    if (route.type == OCCI_ROUTE_NOT_FOUND) {
        return send_error(&req, HTTP_NOT_FOUND, apr_psprintf(
                              r->pool, "nothing in the OCCI namespace is at %s", r->uri));
    }
    allowed = occi_route_methods(&route);
    r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_OPTIONS)
                 | ((allowed & OCCI_METHOD_POST) ? AP_METHOD_BIT << M_POST : 0)
                 | ((allowed & OCCI_METHOD_PUT) ? AP_METHOD_BIT << M_PUT : 0)
                 | ((allowed & OCCI_METHOD_DELETE) ? AP_METHOD_BIT << M_DELETE : 0);
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", allow_header(allowed));
        return send_body(&req, HTTP_OK, OCCI_MEDIA_TEXT_PLAIN, "", 0);
    }
    if (!(method_bit(r->method_number) & allowed)) {
        apr_table_setn(r->headers_out, "Allow", allow_header(allowed));
        return send_error(&req, HTTP_METHOD_NOT_ALLOWED, apr_psprintf(
                              r->pool, "%s is not allowed on %s; allowed: %s",
                              r->method, r->uri, allow_header(allowed)));
    }
    if ((error = occi_query_parse(r->pool, r->args, &req.query))) {
        return send_error(&req, HTTP_BAD_REQUEST, error);
    }

    if (route.type == OCCI_ROUTE_QUERY_INTERFACE && r->method_number == M_GET) {
        return get_query_interface(&req);
    }
    return send_error(&req, HTTP_NOT_IMPLEMENTED, apr_psprintf(
                          r->pool, "%s on %s is not implemented by %s yet: this release "
                          "serves the query interface only", r->method, r->uri,
                          occi_module_version()));
}

static void occi_register_hooks(apr_pool_t *pool)
{
    ap_hook_post_config(occi_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(occi_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_map_to_storage(occi_map_to_storage, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(occi_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(occi) = {
    STANDARD20_MODULE_STUFF,
    occi_create_dir_conf,
    occi_merge_dir_conf,
    occi_create_server_conf,
    occi_merge_server_conf,
    occi_directives,
    occi_register_hooks,
    AP_MODULE_FLAG_NONE
};
