/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration: the module's directives, their merging, and the category
 * model each server builds from them at start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_config.h"
#include "apr_lib.h"
#include "apr_file_info.h"
#include "occi_host_kind.h"
#include "occi_provider_network.h"
#include "occi_quota_kind.h"
#include "occi_templates.h"


void *occi_create_server_conf(apr_pool_t *pool, server_rec *s)
{
    return apr_pcalloc(pool, sizeof(occi_server_conf));
}

/* A host name or an IP address, nothing a URI or XML could misread. */
static int is_host_address(const char *value)
{
    const char *c;

    for (c = value; *c && (apr_isalnum(*c) || strchr("-.:", *c)); c++) {
    }
    return !*c && *value && strlen(value) <= 253;
}

void *occi_merge_server_conf(apr_pool_t *pool, void *base_conf, void *add_conf)
{
    const occi_server_conf *parent = base_conf, *child = add_conf;
    occi_server_conf *merged = apr_pcalloc(pool, sizeof(*merged));

    merged->provider_scheme = child->provider_scheme ? child->provider_scheme
                                                     : parent->provider_scheme;
    merged->os_templates = child->os_templates ? child->os_templates : parent->os_templates;
    merged->resource_templates = child->resource_templates ? child->resource_templates
                                                           : parent->resource_templates;
    /* Names and expressions are one list of who administers: a virtual
     * host that sets either sets both. */
    if (child->administrators || child->administrator_exprs) {
        merged->administrators = child->administrators;
        merged->administrator_exprs = child->administrator_exprs;
    }
    else {
        merged->administrators = parent->administrators;
        merged->administrator_exprs = parent->administrator_exprs;
    }
    /* A virtual host that names its own hypervisor (a URI or hosts) uses
     * only that. */
    if (child->libvirt_uri || child->hosts) {
        merged->libvirt_uri = child->libvirt_uri;
        merged->hosts = child->hosts;
    }
    else {
        merged->libvirt_uri = parent->libvirt_uri;
        merged->hosts = parent->hosts;
    }
    merged->placement = child->placement ? child->placement : parent->placement;
    merged->domain_type = child->domain_type ? child->domain_type : parent->domain_type;
    merged->screen_listen = child->screen_listen ? child->screen_listen
                                                 : parent->screen_listen;
    merged->state_cache_seconds = child->state_cache_seconds ? child->state_cache_seconds
                                                             : parent->state_cache_seconds;
    merged->storage_pool = child->storage_pool ? child->storage_pool : parent->storage_pool;
    merged->read_cache_bytes = child->read_cache_bytes ? child->read_cache_bytes
                                                       : parent->read_cache_bytes;
    merged->max_page_size = child->max_page_size ? child->max_page_size
                                                 : parent->max_page_size;
    merged->max_body_size = child->max_body_size ? child->max_body_size
                                                 : parent->max_body_size;
    merged->max_attribute_length = child->max_attribute_length ? child->max_attribute_length
                                                               : parent->max_attribute_length;
    merged->max_categories = child->max_categories ? child->max_categories
                                                   : parent->max_categories;
    merged->max_links = child->max_links ? child->max_links : parent->max_links;
    merged->json_pattern = child->json_pattern ? child->json_pattern : parent->json_pattern;
    return merged;
}

void *occi_create_dir_conf(apr_pool_t *pool, char *dir)
{
    occi_dir_conf *conf = apr_pcalloc(pool, sizeof(*conf));

    conf->default_rendering = OCCI_MEDIA_NONE;
    conf->console = -1;
    return conf;
}

void *occi_merge_dir_conf(apr_pool_t *pool, void *base_conf, void *add_conf)
{
    const occi_dir_conf *parent = base_conf, *child = add_conf;
    occi_dir_conf *merged = apr_pcalloc(pool, sizeof(*merged));

    merged->default_rendering = child->default_rendering != OCCI_MEDIA_NONE
                                    ? child->default_rendering : parent->default_rendering;
    merged->console = child->console != -1 ? child->console : parent->console;
    merged->novnc = child->novnc ? child->novnc : parent->novnc;
    merged->sign_out = child->sign_out ? child->sign_out : parent->sign_out;
    merged->tenant = child->tenant ? child->tenant : parent->tenant;
    merged->tenant_text = child->tenant ? child->tenant_text : parent->tenant_text;
    /* An inner section's values win key by key, for the default line and
     * for each tenant's. */
    merged->quota = occi_quota_merge(pool, parent->quota, child->quota);
    return merged;
}

occi_server_conf *occi_server_config(server_rec *s)
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
    occi_server_config(cmd->server)->provider_scheme = value;
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

/* An absolute path. Whether the file is there is the hypervisor's host's
 * business, and can change while httpd runs: a missing file must not keep
 * httpd from stopping or restarting, so it is looked for at start-up
 * (a warning, occi_warn_missing_images) and when a compute is made. */
static const char *check_image_file(cmd_parms *cmd, const char *term, const char *option,
                                    const char *path)
{
    if (path[0] != '/') {
        return apr_psprintf(cmd->pool, "%s %s: %s= takes an absolute path, not '%s'",
                            cmd->cmd->name, term, option, path);
    }
    return NULL;
}

void occi_warn_missing_images(apr_pool_t *ptemp, server_rec *main_server)
{
    apr_hash_t *seen = apr_hash_make(ptemp);
    server_rec *s;
    int i;

    for (s = main_server; s; s = s->next) {
        const occi_server_conf *conf = occi_server_config(s);
        const char *uri = conf->libvirt_uri ? conf->libvirt_uri : OCCI_DEFAULT_LIBVIRT_URI;

        /* A remote host's files cannot be seen from here; the test driver
         * boots nothing. */
        if (!strcmp(uri, "none") || !strncmp(uri, "test:", 5)
            || !occi_hypervisor_uri_is_local(uri)) {
            continue;
        }
        for (i = 0; conf->os_templates && i < conf->os_templates->nelts; i++) {
            const occi_template_decl *decl = &APR_ARRAY_IDX(conf->os_templates, i,
                                                            occi_template_decl);
            const char *missing = occi_os_image_missing_file(ptemp, &decl->image);
            const char *said = missing ? apr_pstrcat(ptemp, uri, "\n", decl->term, "\n",
                                                     missing, NULL) : NULL;

            /* Virtual hosts usually repeat the main server's templates. */
            if (said && !apr_hash_get(seen, said, APR_HASH_KEY_STRING)) {
                apr_hash_set(seen, said, APR_HASH_KEY_STRING, "");
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, OCCI_LOGNO(101)
                             "OCCIOSTemplate %s: %s does not exist; computes made from "
                             "this template are refused (503) until it is back",
                             decl->term, missing);
            }
        }
    }
}

static const char *set_os_template(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    static const char usage[] =
        "takes a name, a title and optionally disk=<base image> or kernel=<kernel> "
        "[initrd=<initrd>] [cmdline=<kernel command line>]";
    occi_template_decl *decl;
    const char *error;
    int i;

    if (argc < 2) {
        return apr_psprintf(cmd->pool, "%s %s", cmd->cmd->name, usage);
    }
    error = add_template(cmd, &occi_server_config(cmd->server)->os_templates, argv[0], argv[1],
                         &decl);
    if (error) {
        return error;
    }
    decl->image.term = argv[0];
    for (i = 2; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        const char *option = eq ? apr_pstrmemdup(cmd->pool, argv[i], (apr_size_t)(eq - argv[i]))
                                : argv[i];
        const char *value = eq ? eq + 1 : "";

        if (!strcmp(option, "disk")) {
            decl->image.disk = value;
        }
        else if (!strcmp(option, "kernel")) {
            decl->image.kernel = value;
        }
        else if (!strcmp(option, "initrd")) {
            decl->image.initrd = value;
        }
        else if (!strcmp(option, "cmdline")) {
            decl->image.cmdline = value;
            continue;
        }
        else {
            return apr_psprintf(cmd->pool, "%s %s: '%s' is not understood; it %s",
                                cmd->cmd->name, argv[0], argv[i], usage);
        }
        if ((error = check_image_file(cmd, argv[0], option, value))) {
            return error;
        }
    }
    if (decl->image.disk && decl->image.kernel) {
        return apr_psprintf(cmd->pool, "%s %s: give disk= or kernel=, not both",
                            cmd->cmd->name, argv[0]);
    }
    if ((decl->image.initrd || decl->image.cmdline) && !decl->image.kernel) {
        return apr_psprintf(cmd->pool, "%s %s: initrd= and cmdline= go with kernel=",
                            cmd->cmd->name, argv[0]);
    }
    return NULL;
}

static const char *set_libvirt_uri(cmd_parms *cmd, void *dconf, const char *value)
{
    occi_server_conf *conf = occi_server_config(cmd->server);

    if (!strchr(value, ':') && strcmp(value, "none")) {
        return apr_psprintf(cmd->pool, "%s: '%s' is neither a libvirt URI (qemu:///system, "
                            "test:///default, qemu+ssh://host/system ...) nor none",
                            cmd->cmd->name, value);
    }
    /* The second would silently win: one server, one hypervisor (several
     * hosts are OCCIHypervisorHost lines). */
    if (conf->libvirt_uri) {
        return apr_psprintf(cmd->pool, "%s is given twice for this server (%s, then %s); "
                            "name several hosts with OCCIHypervisorHost", cmd->cmd->name,
                            conf->libvirt_uri, value);
    }
    if (conf->hosts && strcmp(value, "none")) {
        return apr_psprintf(cmd->pool, "%s %s: this server's hosts are given by "
                            "OCCIHypervisorHost; add this one as OCCIHypervisorHost NAME %s",
                            cmd->cmd->name, value, value);
    }
    conf->libvirt_uri = value;
    return NULL;
}

/* A number for a host's key=value: a positive decimal at most max. */
static const char *host_number(cmd_parms *cmd, const char *host, const char *key,
                               const char *value, double min, double max, double *number)
{
    char *end;

    *number = strtod(value, &end);
    if (!*value || *end || !(*number >= min) || *number > max) {
        /* APR's formatter writes 0.01 as ".01": the bounds as people write them. */
        char low[32], high[32];

        snprintf(low, sizeof(low), "%g", min);
        snprintf(high, sizeof(high), "%g", max);
        return apr_psprintf(cmd->pool, "%s %s: %s=%s is not a number from %s to %s",
                            cmd->cmd->name, host, key, value, low, high);
    }
    return NULL;
}

static const char *add_hypervisor_host(cmd_parms *cmd, void *dconf, int argc,
                                       char *const argv[])
{
    static const char usage[] =
        "takes a name, a libvirt URI and optionally cpu_ratio=N memory_ratio=N "
        "reserved_memory=GiB pool=NAME migration_address=ADDRESS screen=ADDRESS disabled, as in: "
        "OCCIHypervisorHost node1 "
        "qemu+ssh://node1.example.com/system cpu_ratio=4";
    occi_server_conf *conf = occi_server_config(cmd->server);
    occi_host_decl *host;
    const char *c, *error;
    double number;
    int i;

    if (argc < 2) {
        return apr_psprintf(cmd->pool, "%s %s", cmd->cmd->name, usage);
    }
    for (c = argv[0]; *c; c++) {
        if (!apr_isalnum(*c) && !strchr("-_.", *c)) {
            break;
        }
    }
    if (*c || !*argv[0] || strlen(argv[0]) > 64) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a host name (1 to 64 letters, digits, "
                            "'-', '_' and '.')", cmd->cmd->name, argv[0]);
    }
    if (!strchr(argv[1], ':')) {
        return apr_psprintf(cmd->pool, "%s %s: '%s' is not a libvirt URI (qemu:///system, "
                            "qemu+ssh://host/system, qemu+tls://host/system ...)",
                            cmd->cmd->name, argv[0], argv[1]);
    }
    if (conf->libvirt_uri && strcmp(conf->libvirt_uri, "none")) {
        return apr_psprintf(cmd->pool, "%s %s: this server's hypervisor is given by "
                            "OCCILibvirtURI %s; name every host with OCCIHypervisorHost "
                            "instead", cmd->cmd->name, argv[0], conf->libvirt_uri);
    }
    if (!conf->hosts) {
        conf->hosts = apr_array_make(cmd->pool, 4, sizeof(occi_host_decl));
    }
    for (i = 0; i < conf->hosts->nelts; i++) {
        const occi_host_decl *other = &APR_ARRAY_IDX(conf->hosts, i, occi_host_decl);

        if (!strcmp(other->name, argv[0])) {
            return apr_psprintf(cmd->pool, "%s %s: this host is named twice", cmd->cmd->name,
                                argv[0]);
        }
        if (!strcmp(other->uri, argv[1])) {
            return apr_psprintf(cmd->pool, "%s %s: %s is host %s's URI already",
                                cmd->cmd->name, argv[0], argv[1], other->name);
        }
    }
    host = apr_array_push(conf->hosts);
    memset(host, 0, sizeof(*host));
    host->name = argv[0];
    host->uri = argv[1];
    for (i = 2; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        const char *key = eq ? apr_pstrmemdup(cmd->pool, argv[i], (apr_size_t)(eq - argv[i]))
                             : argv[i];
        const char *value = eq ? eq + 1 : NULL;

        if (!strcmp(key, "disabled") && !value) {
            host->disabled = 1;
            continue;
        }
        if (!value) {
            return apr_psprintf(cmd->pool, "%s %s: '%s' is not understood; it %s",
                                cmd->cmd->name, argv[0], argv[i], usage);
        }
        if (!strcmp(key, "cpu_ratio")) {
            error = host_number(cmd, argv[0], key, value, 0.01, 1000, &host->cpu_ratio);
        }
        else if (!strcmp(key, "memory_ratio")) {
            error = host_number(cmd, argv[0], key, value, 0.01, 100, &host->memory_ratio);
        }
        else if (!strcmp(key, "reserved_memory")) {
            error = host_number(cmd, argv[0], key, value, 0, 1048576, &number);
            host->reserved_memory_mib = (long long)(number * 1024 + 0.5);
        }
        else if (!strcmp(key, "pool")) {
            for (c = value; *c && (apr_isalnum(*c) || strchr("-_.", *c)); c++) {
            }
            error = *c || !*value
                    ? apr_psprintf(cmd->pool, "%s %s: pool=%s is not a storage pool name "
                                   "(letters, digits, '-', '_' and '.')", cmd->cmd->name,
                                   argv[0], value)
                    : NULL;
            host->pool = value;
        }
        else if (!strcmp(key, "migration_address")) {
            /* A host name or an address, nothing a URI could misread. */
            error = is_host_address(value) ? NULL
                    : apr_psprintf(cmd->pool, "%s %s: migration_address=%s is not a host name "
                                   "or an IP address", cmd->cmd->name, argv[0], value);
            host->migration_address = value;
        }
        else if (!strcmp(key, "screen")) {
            error = is_host_address(value) ? NULL
                    : apr_psprintf(cmd->pool, "%s %s: screen=%s is not an IP address or a "
                                   "host name", cmd->cmd->name, argv[0], value);
            host->screen_listen = value;
        }
        else {
            return apr_psprintf(cmd->pool, "%s %s: '%s' is not understood; it %s",
                                cmd->cmd->name, argv[0], argv[i], usage);
        }
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Letters, digits, '-', '_' and '.', from 1 to max characters. */
static int is_plain_name(const char *name, size_t max)
{
    const char *c;

    for (c = name; *c && (apr_isalnum(*c) || strchr("-_.", *c)); c++) {
    }
    return !*c && *name && strlen(name) <= max;
}

static const char *add_provider_network(cmd_parms *cmd, void *dconf, int argc,
                                        char *const argv[])
{
    static const char usage[] =
        "takes a name, bridge=BRIDGE and optionally vlan=N and openvswitch, as in: "
        "OCCIProviderNetwork public bridge=br-public";
    occi_server_conf *conf = occi_server_config(cmd->server);
    occi_provider_network *pn;
    int i;

    if (argc < 2) {
        return apr_psprintf(cmd->pool, "%s %s", cmd->cmd->name, usage);
    }
    if (!is_plain_name(argv[0], 64)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a network name (1 to 64 letters, "
                            "digits, '-', '_' and '.')", cmd->cmd->name, argv[0]);
    }
    if (!conf->provider_networks) {
        conf->provider_networks = apr_array_make(cmd->pool, 2, sizeof(occi_provider_network));
    }
    for (i = 0; i < conf->provider_networks->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(conf->provider_networks, i, occi_provider_network).name,
                    argv[0])) {
            return apr_psprintf(cmd->pool, "%s %s: this network is named twice",
                                cmd->cmd->name, argv[0]);
        }
    }
    pn = apr_array_push(conf->provider_networks);
    memset(pn, 0, sizeof(*pn));
    pn->name = argv[0];
    for (i = 1; i < argc; i++) {
        const char *value = strchr(argv[i], '=') ? strchr(argv[i], '=') + 1 : NULL;

        if (!strcmp(argv[i], "openvswitch")) {
            pn->openvswitch = 1;
        }
        else if (!strncmp(argv[i], "bridge=", 7)) {
            /* Linux keeps interface names to 15 characters. */
            if (!is_plain_name(value, 15)) {
                return apr_psprintf(cmd->pool, "%s %s: bridge=%s is not a bridge name (1 to "
                                    "15 letters, digits, '-', '_' and '.')", cmd->cmd->name,
                                    argv[0], value);
            }
            pn->bridge = value;
        }
        else if (!strncmp(argv[i], "vlan=", 5)) {
            char *end;
            long vlan = strtol(value, &end, 10);

            if (!apr_isdigit(*value) || *end || vlan < 1 || vlan > 4094) {
                return apr_psprintf(cmd->pool, "%s %s: vlan=%s is not a VLAN from 1 to 4094",
                                    cmd->cmd->name, argv[0], value);
            }
            pn->vlan = (int)vlan;
        }
        else {
            return apr_psprintf(cmd->pool, "%s %s: '%s' is not understood; it %s",
                                cmd->cmd->name, argv[0], argv[i], usage);
        }
    }
    if (!pn->bridge) {
        return apr_psprintf(cmd->pool, "%s %s: bridge= is missing; it %s", cmd->cmd->name,
                            argv[0], usage);
    }
    if (pn->vlan && !pn->openvswitch) {
        return apr_psprintf(cmd->pool, "%s %s: vlan=%d needs a bridge that tags: an Open "
                            "vSwitch bridge, with openvswitch", cmd->cmd->name, argv[0],
                            pn->vlan);
    }
    return NULL;
}

static const char *set_placement(cmd_parms *cmd, void *dconf, const char *value)
{
    if (!strcasecmp(value, "spread")) {
        occi_server_config(cmd->server)->placement = 1;
    }
    else if (!strcasecmp(value, "pack")) {
        occi_server_config(cmd->server)->placement = 2;
    }
    else {
        return apr_psprintf(cmd->pool, "%s: '%s' is neither spread (the host with the most "
                            "free memory) nor pack (the first host with room)",
                            cmd->cmd->name, value);
    }
    return NULL;
}

static const char *set_usage_interval(cmd_parms *cmd, void *dconf, const char *value)
{
    const char *error = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long seconds;

    (void)dconf;
    if (error) {
        return error;
    }
    if (!strcasecmp(value, "off")) {
        occi_server_config(cmd->server)->usage_interval = -1;
        return NULL;
    }
    seconds = strtol(value, &end, 10);
    if (end == value || *end || seconds < 1 || seconds > 3600) {
        return apr_psprintf(cmd->pool, "%s: '%s' is neither Off nor a number of seconds from 1 "
                            "to 3600", cmd->cmd->name, value);
    }
    occi_server_config(cmd->server)->usage_interval = (int)seconds;
    return NULL;
}

static const char *set_screen_listen(cmd_parms *cmd, void *dconf, const char *value)
{
    (void)dconf;
    if (!is_host_address(value)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an IP address or a host name",
                            cmd->cmd->name, value);
    }
    occi_server_config(cmd->server)->screen_listen = value;
    return NULL;
}

static const char *set_console_novnc(cmd_parms *cmd, void *dconf, const char *value)
{
    occi_dir_conf *conf = dconf;
    const char *c;

    if (!strcasecmp(value, "off")) {
        conf->novnc = "";
        return NULL;
    }
    /* A path of this server: the console imports noVNC from it, and its
     * Content-Security-Policy allows this origin alone. */
    for (c = value; *c && (apr_isalnum(*c) || strchr("/-_.~", *c)); c++) {
    }
    if (value[0] != '/' || value[1] == '/' || *c) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a path on this server such as /novnc "
                            "(letters, digits and / - _ . ~), nor Off", cmd->cmd->name, value);
    }
    conf->novnc = apr_pstrndup(cmd->pool, value,
                               strlen(value) > 1 && value[strlen(value) - 1] == '/'
                                   ? strlen(value) - 1 : strlen(value));
    return NULL;
}

static const char *set_console_sign_out(cmd_parms *cmd, void *dconf, const char *value)
{
    occi_dir_conf *conf = dconf;
    const char *c;

    if (!strcasecmp(value, "off")) {
        conf->sign_out = "";
        return NULL;
    }
    /* A link the page shows: a path of this server or an http(s) address,
     * printable, so that no other scheme (javascript:) ever reaches it. */
    for (c = value; *c && apr_isgraph(*c) && *c != '"' && *c != '<' && *c != '>'; c++) {
    }
    if (*c || !(value[0] == '/' || !strncasecmp(value, "https://", 8)
                || !strncasecmp(value, "http://", 7))) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a path of this server or an http(s) "
                            "address without spaces or quotes, nor Off", cmd->cmd->name, value);
    }
    conf->sign_out = value;
    return NULL;
}

static const char *set_domain_type(cmd_parms *cmd, void *dconf, const char *value)
{
    static const char *const types[] = { "qemu", "kvm", "test", "xen", "lxc", NULL };
    int i;

    for (i = 0; types[i]; i++) {
        if (!strcmp(types[i], value)) {
            occi_server_config(cmd->server)->domain_type = value;
            return NULL;
        }
    }
    return apr_psprintf(cmd->pool, "%s: '%s' is not one of qemu, kvm, test, xen, lxc",
                        cmd->cmd->name, value);
}

static const char *set_storage_pool(cmd_parms *cmd, void *dconf, const char *value)
{
    const char *c;

    for (c = value; *c; c++) {
        if (!apr_isalnum(*c) && !strchr("-_.", *c)) {
            return apr_psprintf(cmd->pool, "%s: '%s' is not a storage pool name (letters, "
                                "digits, '-', '_' and '.')", cmd->cmd->name, value);
        }
    }
    if (!*value) {
        return apr_psprintf(cmd->pool, "%s: the pool name is empty", cmd->cmd->name);
    }
    occi_server_config(cmd->server)->storage_pool = value;
    return NULL;
}

/* A scheme below the provider's: made once with the model (cached), as
 * every request's service context asks; before that, made in pool. */
static const char *provider_subscheme(apr_pool_t *pool, const occi_server_conf *conf,
                                      const char *cached, const char *suffix)
{
    if (cached) {
        return cached;
    }
    return apr_pstrcat(pool, conf->provider_scheme ? conf->provider_scheme
                       : OCCI_DEFAULT_PROVIDER_SCHEME, suffix, NULL);
}

const char *occi_provider_network_scheme(apr_pool_t *pool, server_rec *s)
{
    const occi_server_conf *conf = occi_server_config(s);

    return provider_subscheme(pool, conf, conf->provider_network_scheme,
                              OCCI_PROVIDER_NETWORK_SUFFIX);
}

const char *occi_saved_template_scheme(apr_pool_t *pool, server_rec *s)
{
    const occi_server_conf *conf = occi_server_config(s);

    return provider_subscheme(pool, conf, conf->saved_scheme, OCCI_SAVED_TEMPLATE_SUFFIX);
}

/* The hypervisor configuration of a host at uri with its pool (NULL:
 * OCCIStoragePool's). */
static occi_hypervisor_config *host_config(apr_pool_t *pool, server_rec *s, const char *uri,
                                           const char *storage_pool)
{
    const occi_server_conf *conf = occi_server_config(s);
    occi_hypervisor_config *config;
    apr_array_header_t *images;
    int i;

    config = apr_pcalloc(pool, sizeof(*config));
    config->uri = uri;
    config->domain_type = conf->domain_type ? conf->domain_type
                          : !strncmp(config->uri, "test", 4) ? "test" : "qemu";
    config->pool = storage_pool ? storage_pool
                   : conf->storage_pool ? conf->storage_pool : OCCI_DEFAULT_STORAGE_POOL;
    config->os_template_scheme = apr_pstrcat(pool, conf->provider_scheme ? conf->provider_scheme
                                             : OCCI_DEFAULT_PROVIDER_SCHEME, "os_tpl#", NULL);
    config->saved_template_scheme = occi_saved_template_scheme(pool, s);
    config->provider_networks = conf->provider_networks;
    config->screen_listen = conf->screen_listen;
    config->provider_network_scheme = occi_provider_network_scheme(pool, s);
    images = apr_array_make(pool, 4, sizeof(occi_os_image));
    for (i = 0; conf->os_templates && i < conf->os_templates->nelts; i++) {
        APR_ARRAY_PUSH(images, occi_os_image) =
            APR_ARRAY_IDX(conf->os_templates, i, occi_template_decl).image;
    }
    config->os_images = images;
    config->state_cache_seconds = conf->state_cache_seconds < 0 ? 0
                                  : conf->state_cache_seconds ? conf->state_cache_seconds
                                  : OCCI_DEFAULT_STATE_CACHE_SECONDS;
    return config;
}

apr_array_header_t *occi_hosts_settings(apr_pool_t *pool, server_rec *s)
{
    const occi_server_conf *conf = occi_server_config(s);
    apr_array_header_t *hosts = apr_array_make(pool, 4, sizeof(occi_host_settings));
    occi_host_settings *host;
    int i;

    for (i = 0; conf->hosts && i < conf->hosts->nelts; i++) {
        host = apr_array_push(hosts);
        occi_hypervisor_config *config;

        host->decl = &APR_ARRAY_IDX(conf->hosts, i, occi_host_decl);
        config = host_config(pool, s, host->decl->uri, host->decl->pool);
        config->migration_address = host->decl->migration_address;
        if (host->decl->screen_listen) {
            config->screen_listen = host->decl->screen_listen;
        }
        host->config = config;
    }
    if (!conf->hosts && !(conf->libvirt_uri && !strcmp(conf->libvirt_uri, "none"))) {
        occi_host_decl *decl = apr_pcalloc(pool, sizeof(*decl));

        decl->name = "default";
        decl->uri = conf->libvirt_uri ? conf->libvirt_uri : OCCI_DEFAULT_LIBVIRT_URI;
        host = apr_array_push(hosts);
        host->decl = decl;
        host->config = host_config(pool, s, decl->uri, NULL);
    }
    return hosts;
}

const occi_hypervisor_config *occi_hypervisor_settings(apr_pool_t *pool, server_rec *s)
{
    apr_array_header_t *hosts = occi_hosts_settings(pool, s);

    return hosts->nelts ? APR_ARRAY_IDX(hosts, 0, occi_host_settings).config : NULL;
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
    error = add_template(cmd, &occi_server_config(cmd->server)->resource_templates,
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

static const char *set_console(cmd_parms *cmd, void *dconf, int on)
{
    ((occi_dir_conf *)dconf)->console = on;
    return NULL;
}

/* A positive whole number no larger than limit, for a size directive. */
static const char *parse_size(cmd_parms *cmd, const char *value, long long limit,
                              long long *size)
{
    char *end;
    long long parsed = strtoll(value, &end, 10);

    if (end == value || *end || parsed < 1 || parsed > limit) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from 1 to %"
                            APR_INT64_T_FMT, cmd->cmd->name, value, (apr_int64_t)limit);
    }
    *size = parsed;
    return NULL;
}

static const char *set_max_page_size(cmd_parms *cmd, void *dconf, const char *value)
{
    long long size;
    const char *error = parse_size(cmd, value, 100000, &size);

    if (!error) {
        occi_server_config(cmd->server)->max_page_size = (int)size;
    }
    return error;
}

/* A whole number from 1 to limit, or Off (-1). */
static const char *parse_size_or_off(cmd_parms *cmd, const char *value, long long limit,
                                     long long *size)
{
    const char *error;

    if (!strcasecmp(value, "off")) {
        *size = -1;
        return NULL;
    }
    error = parse_size(cmd, value, limit, size);
    return error ? apr_pstrcat(cmd->pool, error, ", or Off", NULL) : NULL;
}

static const char *set_state_cache(cmd_parms *cmd, void *dconf, const char *value)
{
    long long seconds;
    const char *error = parse_size_or_off(cmd, value, 3600, &seconds);

    if (!error) {
        occi_server_config(cmd->server)->state_cache_seconds = (int)seconds;
    }
    return error;
}

static const char *set_read_cache_size(cmd_parms *cmd, void *dconf, const char *value)
{
    long long bytes;
    const char *error = parse_size_or_off(cmd, value, 1024LL * 1024 * 1024, &bytes);

    if (!error) {
        occi_server_config(cmd->server)->read_cache_bytes = bytes;
    }
    return error;
}

static const char *set_max_body_size(cmd_parms *cmd, void *dconf, const char *value)
{
    long long size;
    const char *error = parse_size(cmd, value, 1024LL * 1024 * 1024, &size);

    if (!error) {
        occi_server_config(cmd->server)->max_body_size = (apr_off_t)size;
    }
    return error;
}

/* OCCIAdministrator: user names (compared with the name httpd
 * authenticated), or expr="BOOL-EXPR", an ap_expr true for an
 * administrator's request (a group claim, an LDAP attribute). Raw
 * arguments, so that the expression may hold quotes and spaces after
 * "expr=" as Require expr's does. */
static const char *add_administrator(cmd_parms *cmd, void *dconf, const char *args)
{
    occi_server_conf *conf = occi_server_config(cmd->server);
    const char *word;

    while (apr_isspace(*args)) {
        args++;
    }
    if (!strncasecmp(args, "expr=", 5)) {
        const char *text = args + 5, *error = NULL;
        apr_size_t len = strlen(text);
        ap_expr_info_t *expr;

        while (len && apr_isspace(text[len - 1])) {
            len--;
        }
        if (len >= 2 && (text[0] == '"' || text[0] == '\'') && text[len - 1] == text[0]) {
            text++;
            len -= 2;
        }
        text = apr_pstrmemdup(cmd->pool, text, len);
        if (!*text) {
            return "OCCIAdministrator expr= needs an expression, such as "
                   "expr=\"%{reqenv:OIDC_CLAIM_groups} =~ /(^|,)admins(,|$)/\"";
        }
        expr = ap_expr_parse_cmd(cmd, text, 0, &error, NULL);
        if (error) {
            return apr_psprintf(cmd->pool, "OCCIAdministrator expr=\"%s\": %s", text, error);
        }
        if (!conf->administrator_exprs) {
            conf->administrator_exprs = apr_array_make(cmd->pool, 2, sizeof(ap_expr_info_t *));
        }
        APR_ARRAY_PUSH(conf->administrator_exprs, ap_expr_info_t *) = expr;
        return NULL;
    }
    if (!*args) {
        return "OCCIAdministrator needs user names or expr=\"...\"";
    }
    /* Any word will do: it is compared with the names httpd authenticates. */
    if (!conf->administrators) {
        conf->administrators = apr_hash_make(cmd->pool);
    }
    while (*(word = ap_getword_conf(cmd->pool, &args))) {
        apr_hash_set(conf->administrators, word, APR_HASH_KEY_STRING, word);
    }
    return NULL;
}

/* OCCITenant "STRING-EXPR": the key that owns what a request makes and
 * limits what it sees, evaluated for each request after authentication
 * (httpd's ap_expr, as Header and Require expr use). */
static const char *set_tenant(cmd_parms *cmd, void *dconf, const char *text)
{
    occi_dir_conf *conf = dconf;
    const char *error = NULL;

    if (!*text) {
        return "OCCITenant needs an expression, such as \"%{REMOTE_USER}\" or "
               "\"%{reqenv:OIDC_CLAIM_project}\"";
    }
    conf->tenant = ap_expr_parse_cmd(cmd, text, AP_EXPR_FLAG_STRING_RESULT, &error, NULL);
    if (error) {
        return apr_psprintf(cmd->pool, "OCCITenant \"%s\": %s", text, error);
    }
    conf->tenant_text = text;
    return NULL;
}

/* OCCIQuota [TENANT] key=value ...: a line of the default's or of a
 * tenant's limits, added to the section's set. */
static const char *add_quota(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    occi_dir_conf *conf = dconf;

    if (!conf->quota) {
        conf->quota = occi_quota_set_make(cmd->pool);
    }
    return occi_quota_parse(cmd->pool, conf->quota, cmd->cmd->name, argc, argv);
}

/* The three limits of what one request may carry, set alike. Links stay
 * within what a text rendering may hold and still be parsed back
 * (OCCI_TEXT_MAX_FIELDS values): what GET renders of a resource, PUT
 * accepts. */
static const char *set_request_limit(cmd_parms *cmd, void *dconf, const char *value)
{
    occi_server_conf *conf = occi_server_config(cmd->server);
    long long size;
    const char *error = parse_size(cmd, value, !strcmp(cmd->cmd->name, "OCCIMaxLinks")
                                                   ? OCCI_MAX_LINKS : 16 * 1024 * 1024, &size);

    if (error) {
        return error;
    }
    if (!strcmp(cmd->cmd->name, "OCCIMaxAttributeLength")) {
        conf->max_attribute_length = (int)size;
    }
    else if (!strcmp(cmd->cmd->name, "OCCIMaxCategories")) {
        conf->max_categories = (int)size;
    }
    else {
        conf->max_links = (int)size;
    }
    return NULL;
}

static const char *set_json_pattern(cmd_parms *cmd, void *dconf, const char *value)
{
    occi_server_conf *conf = occi_server_config(cmd->server);

    if (!strcasecmp(value, "regex")) {
        conf->json_pattern = OCCI_JSON_PATTERN_SETTING_REGEX;
    }
    else if (!strcasecmp(value, "schema")) {
        conf->json_pattern = OCCI_JSON_PATTERN_SETTING_SCHEMA;
    }
    else {
        return apr_psprintf(cmd->pool, "%s: '%s' is neither regex (a regular expression, "
                            "as rOCCI-core reads it) nor schema (a JSON Schema object, as "
                            "GFD.226 has it)", cmd->cmd->name, value);
    }
    return NULL;
}

occi_json_pattern_style occi_json_pattern_of(const occi_server_conf *conf)
{
    return conf->json_pattern == OCCI_JSON_PATTERN_SETTING_SCHEMA ? OCCI_JSON_PATTERN_SCHEMA
                                                                  : OCCI_JSON_PATTERN_REGEX;
}

/* OCCINodeName: one per httpd, so only outside virtual hosts. */
static const char *set_node_name(cmd_parms *cmd, void *dconf, const char *value)
{
    const char *error = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    occi_server_conf *conf = occi_server_config(cmd->server);
    size_t len = strlen(value);

    (void)dconf;
    if (error) {
        return error;
    }
    if (len == 0 || len > 64
        || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
               != len) {
        return apr_psprintf(cmd->pool, "OCCINodeName: '%s' is not a node name (1 to 64 "
                            "letters, digits, '.', '-' or '_')", value);
    }
    conf->node_name = value;
    return NULL;
}

const command_rec occi_directives[] = {
    AP_INIT_TAKE1("OCCIProviderScheme", set_provider_scheme, NULL, RSRC_CONF,
                  "URI prefix of this provider's own categories (templates)"),
    AP_INIT_TAKE_ARGV("OCCIOSTemplate", set_os_template, NULL, RSRC_CONF,
                      "An OS template: name, title, and disk= or kernel= [initrd=] [cmdline=]"),
    AP_INIT_TAKE1("OCCILibvirtURI", set_libvirt_uri, NULL, RSRC_CONF,
                  "The hypervisor's libvirt URI, or none (default test:///default)"),
    AP_INIT_TAKE_ARGV("OCCIProviderNetwork", add_provider_network, NULL, RSRC_CONF,
                      "A network wired on every hypervisor host: name, bridge=BRIDGE, "
                      "[vlan=N] [openvswitch]"),
    AP_INIT_TAKE_ARGV("OCCIHypervisorHost", add_hypervisor_host, NULL, RSRC_CONF,
                      "A hypervisor host: name, libvirt URI, [cpu_ratio=N] [memory_ratio=N] "
                      "[reserved_memory=GiB] [pool=NAME] [migration_address=ADDRESS] "
                      "[screen=ADDRESS] [disabled]"),
    AP_INIT_TAKE1("OCCIPlacement", set_placement, NULL, RSRC_CONF,
                  "Where new entities go among the hosts: spread (default) or pack"),
    AP_INIT_TAKE1("OCCILibvirtStateCache", set_state_cache, NULL, RSRC_CONF,
                  "Seconds a domain's state is trusted between the hypervisor's events, "
                  "or Off (default 10)"),
    AP_INIT_TAKE1("OCCIScreenListen", set_screen_listen, NULL, RSRC_CONF,
                  "the address on each hypervisor host where computes' screens (VNC with a "
                  "WebSocket) listen; unset: computes have no screen"),
    AP_INIT_TAKE1("OCCIConsoleSignOut", set_console_sign_out, NULL, RSRC_CONF | ACCESS_CONF,
                  "the address that ends the person's session, which the console links "
                  "beside their name (mod_auth_openidc: its redirect URI with ?logout=); Off: "
                  "none"),
    AP_INIT_TAKE1("OCCIConsoleNoVNC", set_console_novnc, NULL, RSRC_CONF | ACCESS_CONF,
                  "the path where this server serves noVNC (e.g. /novnc, an Alias of "
                  "/usr/share/novnc): the console shows computes' screens; Off: not"),
    AP_INIT_TAKE1("OCCILibvirtDomainType", set_domain_type, NULL, RSRC_CONF,
                  "The domain type of computes: qemu, kvm, test... (default from the URI)"),
    AP_INIT_TAKE1("OCCIReadCacheSize", set_read_cache_size, NULL, RSRC_CONF,
                  "Bytes of entities' rows each child keeps from PostgreSQL between "
                  "changes, or Off (default 8388608)"),
    AP_INIT_TAKE1("OCCIStoragePool", set_storage_pool, NULL, RSRC_CONF,
                  "The libvirt storage pool of volumes (default \"default\")"),
    AP_INIT_TAKE_ARGV("OCCIResourceTemplate", set_resource_template, NULL, RSRC_CONF,
                      "A resource template (flavour): name, title, cores=N, memory=GiB"),
    AP_INIT_RAW_ARGS("OCCIAdministrator", add_administrator, NULL, RSRC_CONF,
                     "Users (as httpd authenticates them), or expr=\"BOOL-EXPR\", who see "
                     "and manage every tenant's entities"),
    AP_INIT_TAKE1("OCCITenant", set_tenant, NULL, RSRC_CONF | ACCESS_CONF,
                  "An expression (ap_expr) whose value is the tenant of a request "
                  "(default: the authenticated user)"),
    AP_INIT_TAKE_ARGV("OCCIQuota", add_quota, NULL, RSRC_CONF | ACCESS_CONF,
                      "The most a tenant may hold: [TENANT] cores=N memory=GiB storage=GiB "
                      "computes=N networks=N (no TENANT: every tenant's)"),
    AP_INIT_TAKE1("OCCIMaxPageSize", set_max_page_size, NULL, RSRC_CONF,
                  "Most entities one page of a collection may hold (default 1000)"),
    AP_INIT_TAKE1("OCCIMaxAttributeLength", set_request_limit, NULL, RSRC_CONF,
                  "Longest attribute value a request may carry, in bytes (default 65536)"),
    AP_INIT_TAKE1("OCCIMaxCategories", set_request_limit, NULL, RSRC_CONF,
                  "Most entities and mixins one request may name (default 64)"),
    AP_INIT_TAKE1("OCCIMaxLinks", set_request_limit, NULL, RSRC_CONF,
                  "Most links one request may carry (default 64)"),
    AP_INIT_TAKE1("OCCIMaxBodySize", set_max_body_size, NULL, RSRC_CONF,
                  "Largest request body the module parses, in bytes (default 1 MiB)"),
    AP_INIT_TAKE1("OCCIDefaultRendering", set_default_rendering, NULL, RSRC_CONF | ACCESS_CONF,
                  "Rendering for clients that accept anything (default text/plain)"),
    AP_INIT_FLAG("OCCIConsole", set_console, NULL, RSRC_CONF | ACCESS_CONF,
                 "On: browsers (Accept: text/html) get the web console (default On)"),
    AP_INIT_TAKE1("OCCIUsageInterval", set_usage_interval, NULL, RSRC_CONF,
                  "Seconds between readings of what computes use, for their usage charts "
                  "(default 10), or Off"),
    AP_INIT_TAKE1("OCCINodeName", set_node_name, NULL, RSRC_CONF,
                  "This API node's name in the store's intents (default: the host name)"),
    AP_INIT_TAKE1("OCCIJSONPattern", set_json_pattern, NULL, RSRC_CONF,
                  "How JSON attribute definitions write their pattern: regex (default) "
                  "or schema"),
    { NULL }
};

static int build_model(apr_pool_t *pool, server_rec *s, occi_server_conf *conf)
{
    const char *scheme = conf->provider_scheme ? conf->provider_scheme
                                               : OCCI_DEFAULT_PROVIDER_SCHEME;
    int i;

    conf->model = occi_model_create(pool);
    conf->saved_scheme = apr_pstrcat(pool, scheme, OCCI_SAVED_TEMPLATE_SUFFIX, NULL);
    conf->provider_network_scheme = apr_pstrcat(pool, scheme, OCCI_PROVIDER_NETWORK_SUFFIX,
                                                NULL);
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
    /* Every tenant reads its quota and usage at /quota/, whether or not
     * OCCIQuota sets limits. */
    {
        const char *error = occi_model_add(conf->model, occi_quota_kind(pool, scheme));

        if (error) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, OCCI_LOGNO(178)
                         "the quota kind: %s", error);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    /* Several hosts: computes may ask to be kept apart, and
     * administrators see the hosts. */
    if (conf->hosts) {
        apr_array_header_t *actions;
        occi_category *kind;
        const char *error = NULL;

        occi_host_categories(pool, scheme, &kind, &actions);
        for (i = 0; !error && i < actions->nelts; i++) {
            error = occi_model_add(conf->model, APR_ARRAY_IDX(actions, i, occi_category *));
        }
        if (!error) {
            error = occi_model_add(conf->model, kind);
        }
        if (!error) {
            error = occi_model_add(conf->model, occi_migrate_action(pool, scheme));
        }
        if (!error) {
            error = occi_model_add(conf->model, occi_placed_mixin(pool, scheme));
        }
        if (error) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, OCCI_LOGNO(5)
                         "the host kind: %s", error);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((error = occi_model_add(conf->model, occi_anti_affinity_mixin(pool, scheme)))) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, OCCI_LOGNO(6)
                         "the anti-affinity mixin: %s", error);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    for (i = 0; conf->provider_networks && i < conf->provider_networks->nelts; i++) {
        const char *error = occi_model_add(conf->model, occi_provider_network_mixin(
            pool, scheme, &APR_ARRAY_IDX(conf->provider_networks, i, occi_provider_network)));

        if (error) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, OCCI_LOGNO(164)
                         "the provider network's mixin: %s", error);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}


int occi_build_models(apr_pool_t *pconf, server_rec *main_server)
{
    server_rec *s;

    for (s = main_server; s; s = s->next) {
        occi_server_conf *conf = occi_server_config(s);
        int status = build_model(pconf, s, conf);

        if (status != OK) {
            return status;
        }
        if (!conf->max_page_size) {
            conf->max_page_size = OCCI_DEFAULT_MAX_PAGE_SIZE;
        }
        if (!conf->max_body_size) {
            conf->max_body_size = OCCI_DEFAULT_MAX_BODY_SIZE;
        }
        if (!conf->max_attribute_length) {
            conf->max_attribute_length = OCCI_DEFAULT_MAX_ATTRIBUTE_LENGTH;
        }
        if (!conf->max_categories) {
            conf->max_categories = OCCI_DEFAULT_MAX_CATEGORIES;
        }
        if (!conf->max_links) {
            conf->max_links = OCCI_DEFAULT_MAX_LINKS;
        }
    }
    return OK;
}
