/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web console: a page for browsers, and its script and style sheet.
 *
 * The page is a shell: it holds no data. Its script reads the model at
 * <mount>/-/ and the entities through the JSON API with fetch(), so a
 * person in a browser is one more API client, authenticated and confined
 * to a tenant as any other. The files are console/console.html, .js and
 * .css, compiled in by console/embed.sh: the module needs nothing on disk
 * and no other origin at run time.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_console.h"
#include "mod_occi_response.h"

/* The page's only active content is the script from the mount itself:
 * no inline script or style, nothing from another origin, no framing.
 * The script builds the page with DOM calls, so server data is never
 * parsed as markup. */
#define CONSOLE_CSP                                                                  \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "  \
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* Where the page template puts the mount path. */
/* The page's placeholders; each is replaced by a value escaped for an
 * HTML attribute. */
#define MOUNT_PLACEHOLDER "@MOUNT@"
#define USER_PLACEHOLDER "@USER@"
#define TENANT_PLACEHOLDER "@TENANT@"
#define ADMINISTRATOR_PLACEHOLDER "@ADMINISTRATOR@"
#define NOVNC_PLACEHOLDER "@NOVNC@"
#define SIGN_OUT_PLACEHOLDER "@SIGNOUT@"
#define PLACEHOLDERS 6

static int console_enabled(const occi_request *req)
{
    const occi_dir_conf *dconf = ap_get_module_config(req->r->per_dir_config, &occi_module);

    return dconf->console != 0;
}

static const occi_console_asset *find_asset(const char *name)
{
    const occi_console_asset *asset;

    for (asset = occi_console_assets; asset->name; asset++) {
        if (!strcmp(asset->name, name)) {
            return asset;
        }
    }
    return NULL;
}

/* Headers every console answer carries: browsers must take the types as
 * sent, and check again (ETag, If-None-Match) before using a cached copy,
 * so that a new module is seen at once. */
static void set_common_headers(request_rec *r, const char *content_type)
{
    ap_set_content_type(r, content_type);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
}

/* Whether an If-None-Match list names etag (weakly, as RFC 7232 §3.2
 * compares for GET). */
static int etag_listed(apr_pool_t *pool, const char *list, const char *etag)
{
    char *copy = apr_pstrdup(pool, list), *state, *item;

    for (item = apr_strtok(copy, ", \t", &state); item; item = apr_strtok(NULL, ", \t", &state)) {
        if (!strncmp(item, "W/", 2)) {
            item += 2;
        }
        if (!strcmp(item, "*") || !strcmp(item, etag)) {
            return 1;
        }
    }
    return 0;
}

int occi_console_asset_request(occi_request *req)
{
    request_rec *r = req->r;
    const occi_console_asset *asset;
    const char *if_none_match;

    /* Only the script and the style sheet are served under /-/: the page
     * itself is a template, sent for the API's own paths. */
    if (strncmp(req->path, "/-/", 3) || !strcmp(req->path + 3, "console.html")
        || !(asset = find_asset(req->path + 3)) || !console_enabled(req)) {
        return DECLINED;
    }
    r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_OPTIONS);
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD, OPTIONS");
        return occi_send_body(req, HTTP_OK, OCCI_MEDIA_TEXT_PLAIN, "", 0);
    }
    if (r->method_number != M_GET) {
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD, OPTIONS");
        return occi_send_error(req, HTTP_METHOD_NOT_ALLOWED, apr_psprintf(
                                   r->pool, "%s is not allowed on %s; allowed: GET, HEAD, "
                                   "OPTIONS", r->method, r->uri));
    }
    set_common_headers(r, asset->content_type);
    apr_table_setn(r->headers_out, "ETag", asset->etag);
    if_none_match = apr_table_get(r->headers_in, "If-None-Match");
    if (if_none_match && etag_listed(r->pool, if_none_match, asset->etag)) {
        r->status = HTTP_NOT_MODIFIED;
        return OK;
    }
    r->status = HTTP_OK;
    ap_set_content_length(r, asset->len);
    if (!r->header_only) {
        ap_rwrite(asset->data, (int)asset->len, r);
    }
    return OK;
}

/* text/html wins only when the client ranks it above every rendering the
 * API offers here; on a tie (no Accept, * / *, text/ *) API clients keep
 * their OCCI rendering. */
static int prefers_html(const occi_request *req)
{
    int html = occi_accept_quality_of(req->accept, "text/html");
    occi_media_type best;

    if (!html) {
        return 0;
    }
    best = occi_accept_choose(req->accept, occi_listing_renderings,
                              occi_listing_renderings_count);
    return best == OCCI_MEDIA_NONE || html > occi_accept_quality(req->accept, best);
}

/* The page with its placeholders filled: the mount path (from the
 * configuration, escaped for a URL), the user httpd authenticated, the
 * tenant whose entities the request sees and whether it is an
 * administrator, each escaped for an HTML attribute. The page shows
 * them as text ("signed in as"); they give the script no power, since
 * every request it makes is authorised again. */
static const char *fill_page(occi_request *req, const occi_console_asset *page,
                             apr_size_t *len)
{
    request_rec *r = req->r;
    struct {
        const char *placeholder;
        const char *value;
    } fills[PLACEHOLDERS];
    const occi_dir_conf *dconf = ap_get_module_config(r->per_dir_config, &occi_module);
    const char *text = apr_pstrmemdup(r->pool, page->data, page->len);
    apr_array_header_t *parts = apr_array_make(r->pool, 16, sizeof(const char *));
    const char *filled;
    int i;

    fills[0].placeholder = MOUNT_PLACEHOLDER;
    fills[0].value = ap_escape_uri(r->pool, req->base);
    fills[1].placeholder = USER_PLACEHOLDER;
    fills[1].value = r->user ? r->user : "";
    fills[2].placeholder = TENANT_PLACEHOLDER;
    fills[2].value = req->owner ? req->owner : "";
    fills[3].placeholder = ADMINISTRATOR_PLACEHOLDER;
    fills[3].value = req->scope ? "no" : "yes";
    fills[4].placeholder = NOVNC_PLACEHOLDER;
    fills[4].value = dconf->novnc ? ap_escape_uri(r->pool, dconf->novnc) : "";
    fills[5].placeholder = SIGN_OUT_PLACEHOLDER;
    fills[5].value = dconf->sign_out ? dconf->sign_out : "";
    while (*text) {
        const char *next = strchr(text, '@');
        int matched = -1;

        if (!next) {
            break;
        }
        for (i = 0; i < PLACEHOLDERS && matched < 0; i++) {
            if (!strncmp(next, fills[i].placeholder, strlen(fills[i].placeholder))) {
                matched = i;
            }
        }
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrmemdup(
            r->pool, text, (apr_size_t)(next - text) + (matched < 0 ? 1 : 0));
        if (matched >= 0) {
            APR_ARRAY_PUSH(parts, const char *) = ap_escape_html2(r->pool, fills[matched].value,
                                                                  1);
            text = next + strlen(fills[matched].placeholder);
        }
        else {
            text = next + 1;
        }
    }
    APR_ARRAY_PUSH(parts, const char *) = text;
    filled = apr_array_pstrcat(r->pool, parts, 0);
    *len = strlen(filled);
    return filled;
}

int occi_console_page_request(occi_request *req)
{
    request_rec *r = req->r;
    const occi_console_asset *page;
    const char *body;
    apr_size_t len;

    if (r->method_number != M_GET || !req->accept || !console_enabled(req)
        || !prefers_html(req) || !(page = find_asset("console.html"))) {
        return DECLINED;
    }
    body = fill_page(req, page, &len);
    set_common_headers(r, page->content_type);
    apr_table_setn(r->headers_out, "Content-Security-Policy", CONSOLE_CSP);
    apr_table_setn(r->headers_out, "Referrer-Policy", "same-origin");
    r->status = HTTP_OK;
    ap_set_content_length(r, len);
    if (!r->header_only) {
        ap_rwrite(body, (int)len, r);
    }
    return OK;
}
