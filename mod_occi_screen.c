/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compute's screen in the browser (docs/console.md, "The screen").
 *
 * The console first asks for a session: POST <mount>/-/screen/<uuid>. The
 * compute's VNC server gets a new password, valid for SESSION_SECONDS, and
 * the answer carries it with the address of the WebSocket. The page's
 * noVNC then opens GET <mount>/-/screen/<uuid>/websocket; in the fixups
 * phase, once httpd has authenticated it like any request of the mount,
 * occi_screen_tunnel() checks that the requester may see that compute and
 * hands the connection to mod_proxy towards the VNC WebSocket on the
 * compute's host, as mod_rewrite's [P] flag does. VNC's own authentication
 * then asks for the session's password: whoever finds the port on the
 * host, or learnt an earlier session's password, cannot connect.
 */
#include <string.h>

#include "mod_occi.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "http_log.h"
#include "mod_occi_response.h"
#include "mod_occi_screen.h"
#include "mod_occi_service.h"
#include "occi_router.h"
#include <json-c/json.h>

/* How long a session's password opens the screen: long enough for the
 * page to connect, short enough that a leaked one is soon worthless. An
 * open connection stays open after it. */
#define SESSION_SECONDS 30

static const char screen_prefix[] = "/-/screen/";
static const char websocket_suffix[] = "/websocket";

int occi_screen_path(apr_pool_t *pool, const char *path, const char **id, int *websocket)
{
    const char *rest;
    size_t length;

    if (strncmp(path, screen_prefix, sizeof(screen_prefix) - 1)) {
        return 0;
    }
    rest = path + sizeof(screen_prefix) - 1;
    length = strlen(rest);
    *websocket = length == 36 + sizeof(websocket_suffix) - 1
                 && !strcmp(rest + 36, websocket_suffix);
    *id = NULL;
    if (length == 36 || *websocket) {
        const char *candidate = apr_pstrmemdup(pool, rest, 36);

        *id = occi_uuid_is_valid(candidate) ? candidate : NULL;
    }
    return 1;
}

int occi_screen_session(occi_request *req, const char *id)
{
    request_rec *r = req->r;
    occi_hv_screen screen;
    occi_result result;
    json_object *answer;
    const char *body;
    int status;

    if (!id) {
        return occi_send_error(req, HTTP_NOT_FOUND, apr_psprintf(
                                   r->pool, "nothing in the OCCI namespace is at %s", r->uri));
    }
    if (r->method_number != M_POST) {
        r->allowed = AP_METHOD_BIT << M_POST;
        apr_table_setn(r->headers_out, "Allow", "POST");
        return occi_send_error(req, HTTP_METHOD_NOT_ALLOWED, apr_psprintf(
                                   r->pool, "%s is not allowed on %s; allowed: POST (a session "
                                   "on the compute's screen)", r->method, r->uri));
    }
    if ((status = occi_store_acquire(req)) != OK) {
        return status;
    }
    result = occi_service_screen(occi_service_for(req), r->pool, id, SESSION_SECONDS, &screen);
    if (result.cls != OCCI_RESULT_OK) {
        return occi_refuse_result(req, &result);
    }
    answer = json_object_new_object();
    json_object_object_add(answer, "password", json_object_new_string(screen.password));
    json_object_object_add(answer, "websocket", json_object_new_string(
                               apr_pstrcat(r->pool, req->base, screen_prefix, id,
                                           websocket_suffix, NULL)));
    json_object_object_add(answer, "valid_seconds", json_object_new_int(SESSION_SECONDS));
    body = apr_pstrdup(r->pool, json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN));
    json_object_put(answer);
    /* A password: kept by no cache, shown to nobody else. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return occi_send_body(req, HTTP_OK, OCCI_MEDIA_JSON, body, strlen(body));
}

/* Whether the request asks to become a WebSocket. */
static int asks_websocket(request_rec *r)
{
    const char *upgrade = apr_table_get(r->headers_in, "Upgrade");

    return upgrade && ap_strcasestr(upgrade, "websocket") != NULL;
}

int occi_screen_tunnel(occi_request *req, const char *id)
{
    request_rec *r = req->r;
    occi_hv_screen screen;
    occi_result result;
    int status;

    if (!id) {
        occi_send_error(req, HTTP_NOT_FOUND, apr_psprintf(
                            r->pool, "nothing in the OCCI namespace is at %s", r->uri));
        return DONE;
    }
    if (r->method_number != M_GET || !asks_websocket(r)) {
        occi_send_error(req, HTTP_BAD_REQUEST, "this address takes a WebSocket (GET with "
                        "Upgrade: websocket) from the console's screen");
        return DONE;
    }
    if (!ap_find_linked_module("mod_proxy.c")
        || (!ap_find_linked_module("mod_proxy_wstunnel.c")
            && !ap_find_linked_module("mod_proxy_http.c"))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OCCI_LOGNO(180)
                      "a compute's screen is handed to mod_proxy: load mod_proxy and "
                      "mod_proxy_wstunnel (a2enmod proxy_wstunnel)");
        occi_send_error(req, HTTP_NOT_IMPLEMENTED, "this server cannot carry a screen's "
                        "WebSocket: mod_proxy and mod_proxy_wstunnel are not loaded");
        return DONE;
    }
    if ((status = occi_store_acquire(req)) != OK) {
        return DONE;
    }
    result = occi_service_screen(occi_service_for(req), r->pool, id, 0, &screen);
    if (result.cls != OCCI_RESULT_OK) {
        occi_refuse_result(req, &result);
        return DONE;
    }
    /* What mod_rewrite's [P] does: mod_proxy's own fixup, which runs after
     * this one, makes the URL canonical, and its handler takes over. */
    r->filename = apr_psprintf(r->pool, "proxy:ws://%s%s%s:%d/", strchr(screen.host, ':')
                               ? "[" : "", screen.host, strchr(screen.host, ':') ? "]" : "",
                               screen.websocket_port);
    r->proxyreq = PROXYREQ_REVERSE;
    r->handler = "proxy-server";
    return OK;
}
