/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests and responses: content negotiation, reading request bodies,
 * sending renderings and errors.
 */
#include <string.h>

#include "mod_occi.h"
#include "mod_occi_response.h"
#include "mod_occi_store.h"
#include "occi_text.h"
#include "occi_json.h"

/* Renderings of entities and categories, in the server's order of
 * preference once the configured default is moved to the front. */
const occi_media_type occi_entity_renderings[] = {
    OCCI_MEDIA_TEXT_PLAIN, OCCI_MEDIA_TEXT_OCCI, OCCI_MEDIA_OCCI_JSON, OCCI_MEDIA_JSON
};
const int occi_entity_renderings_count = 4;

/* Listings (collections) may also be sent as text/uri-list. */
const occi_media_type occi_listing_renderings[] = {
    OCCI_MEDIA_TEXT_PLAIN, OCCI_MEDIA_TEXT_OCCI, OCCI_MEDIA_OCCI_JSON, OCCI_MEDIA_JSON,
    OCCI_MEDIA_URI_LIST
};
const int occi_listing_renderings_count = 5;

/* An error comes in the rendering the client negotiates; in text/occi
 * too, whose body then holds the message line as text/plain's does
 * (clients such as pOCCI check the type of every answer). */
static const occi_media_type error_renderings[] = {
    OCCI_MEDIA_TEXT_PLAIN, OCCI_MEDIA_TEXT_OCCI, OCCI_MEDIA_OCCI_JSON, OCCI_MEDIA_JSON
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

int occi_send_body(occi_request *req, int status, occi_media_type type,
                   const char *body, apr_size_t len)
{
    request_rec *r = req->r;

    r->status = status;
    ap_set_content_type(r, occi_media_type_name(type));
    ap_set_content_length(r, len);
    if (!r->header_only && len) {
        ap_rwrite(body, (int)len, r);
    }
    return OK;
}

static int send_numbered_error(occi_request *req, int status, int number, const char *message);

int occi_send_error(occi_request *req, int status, const char *message)
{
    return send_numbered_error(req, status, 10, message);
}

int occi_refuse_result(occi_request *req, const occi_result *result)
{
    /* The one table from the service layer's classes to HTTP. */
    static const int statuses[] = {
        [OCCI_RESULT_OK] = HTTP_OK,
        [OCCI_RESULT_INVALID] = HTTP_BAD_REQUEST,
        [OCCI_RESULT_NOT_FOUND] = HTTP_NOT_FOUND,
        [OCCI_RESULT_CONFLICT] = HTTP_CONFLICT,
        [OCCI_RESULT_STALE] = HTTP_PRECONDITION_FAILED,
        [OCCI_RESULT_FORBIDDEN] = HTTP_FORBIDDEN,
        [OCCI_RESULT_UNAVAILABLE] = HTTP_SERVICE_UNAVAILABLE,
        [OCCI_RESULT_STORE_FAILED] = HTTP_INTERNAL_SERVER_ERROR,
        [OCCI_RESULT_FAILED] = HTTP_INTERNAL_SERVER_ERROR,
    };

    if (result->retry_after > 0) {
        apr_table_setn(req->r->err_headers_out, "Retry-After",
                       apr_itoa(req->r->pool, result->retry_after));
    }
    if (result->cls == OCCI_RESULT_STORE_FAILED) {
        /* 503 or 500, by what became of the connection. */
        return occi_refuse_store_numbered(req, result->number);
    }
    if (result->log_detail) {
        /* What the client is not told (host names), for the operator. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r, "OCCI%d: %s %s: %s", result->number,
                      req->r->method, req->r->uri, result->log_detail);
    }
    send_numbered_error(req, statuses[result->cls], result->number, result->message);
    return statuses[result->cls];
}

static int send_numbered_error(occi_request *req, int status, int number, const char *message)
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
                  0, r, "OCCI%d: %s %s: %d %s", number, r->method, r->uri, status, message);
    body = occi_media_type_is_json(type) ? occi_json_error(r->pool, status, message)
                                         : apr_pstrcat(r->pool, message, "\n", NULL);
    return occi_send_body(req, status, type, body, strlen(body));
}

int occi_refuse(occi_request *req, int status, const char *message)
{
    occi_send_error(req, status, message);
    return status;
}

int occi_refuse_numbered(occi_request *req, int status, int number, const char *message)
{
    send_numbered_error(req, status, number, message);
    return status;
}

const char *occi_allow_header(int methods)
{
    switch (methods) {
    case OCCI_METHOD_GET:
        return "GET, HEAD, OPTIONS";
    case OCCI_METHOD_GET | OCCI_METHOD_POST:
        return "GET, HEAD, POST, OPTIONS";
    case OCCI_METHOD_GET | OCCI_METHOD_POST | OCCI_METHOD_DELETE:
        return "GET, HEAD, POST, DELETE, OPTIONS";
    default:
        return "GET, HEAD, POST, PUT, DELETE, OPTIONS";
    }
}

int occi_negotiate(occi_request *req, const occi_media_type *offered, int n,
                   occi_media_type *chosen)
{
    int i, lists = 0;

    *chosen = occi_accept_choose(req->accept, preferred_order(req, offered, n), n);
    if (*chosen != OCCI_MEDIA_NONE) {
        return OK;
    }
    for (i = 0; i < n; i++) {
        lists |= offered[i] == OCCI_MEDIA_URI_LIST;
    }
    if (!lists && occi_accept_quality(req->accept, OCCI_MEDIA_URI_LIST) > 0) {
        occi_send_error(req, HTTP_BAD_REQUEST, "text/uri-list renders only listings of "
                        "entities; this resource is available as text/plain, text/occi, "
                        "application/occi+json or application/json");
        return HTTP_BAD_REQUEST;
    }
    occi_send_error(req, HTTP_NOT_ACCEPTABLE, apr_psprintf(
                        req->r->pool, "none of the media types in Accept can render this "
                        "resource; it is available as text/plain, text/occi, "
                        "application/occi+json%s or application/json",
                        lists ? ", text/uri-list" : ""));
    return HTTP_NOT_ACCEPTABLE;
}

/* Header values never carry CR or LF, whatever reached an attribute:
 * validation refuses control characters, and this is the last guard. */
static const char *header_safe(apr_pool_t *pool, const char *value)
{
    char *copy;

    if (!strpbrk(value, "\r\n")) {
        return value;
    }
    copy = apr_pstrdup(pool, value);
    for (char *c = copy; *c; c++) {
        if (*c == '\r' || *c == '\n') {
            *c = ' ';
        }
    }
    return copy;
}

int occi_send_fields(occi_request *req, int status, occi_media_type type,
                     const apr_array_header_t *fields)
{
    request_rec *r = req->r;
    const char *body;
    int i;

    for (i = 0; req->created_locations && i < req->created_locations->nelts; i++) {
        apr_table_addn(r->headers_out, "X-OCCI-Location",
                       APR_ARRAY_IDX(req->created_locations, i, const char *));
    }
    if (type == OCCI_MEDIA_TEXT_OCCI) {
        for (i = 0; i < fields->nelts; i++) {
            const occi_text_field *field = &APR_ARRAY_IDX(fields, i, occi_text_field);

            apr_table_addn(r->headers_out, field->name, header_safe(r->pool, field->value));
        }
        return occi_send_body(req, status, type, "OK", 2);
    }
    body = occi_text_fields_to_body(r->pool, fields);
    return occi_send_body(req, status, OCCI_MEDIA_TEXT_PLAIN, body, strlen(body));
}

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *fields;
} header_walk;

static int collect_field(void *data, const char *key, const char *value)
{
    static const char *const names[] = { "Category", "Link", "X-OCCI-Attribute",
                                         "X-OCCI-Location" };
    header_walk *walk = data;
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!strcasecmp(key, names[i])) {
            occi_text_field *field = apr_array_push(walk->fields);

            field->name = names[i];
            field->value = value;
        }
    }
    return 1;
}

apr_array_header_t *occi_header_fields(occi_request *req)
{
    header_walk walk = { req->r->pool, apr_array_make(req->r->pool, 8,
                                                      sizeof(occi_text_field)) };

    apr_table_do(collect_field, &walk, req->r->headers_in, NULL);
    return walk.fields;
}

int occi_read_body(occi_request *req, occi_media_type *type, const char **body,
                   apr_size_t *len)
{
    request_rec *r = req->r;
    const char *content_type = apr_table_get(r->headers_in, "Content-Type");
    apr_bucket_brigade *incoming = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_bucket_brigade *held = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_off_t limit = req->conf->max_body_size, total = 0;
    char *data;
    apr_size_t flat;
    int seen_eos = 0;

    *type = OCCI_MEDIA_NONE;
    *body = "";
    *len = 0;
    /* Brigades until EOS with a running limit, as util_xml.c does: never
     * trust Content-Length, which chunked bodies lack. Data buckets are
     * set aside and flattened once at the end. */
    do {
        apr_status_t status = ap_get_brigade(r->input_filters, incoming, AP_MODE_READBYTES,
                                             APR_BLOCK_READ, 8192);

        if (status != APR_SUCCESS) {
            int http_status = ap_map_http_request_error(status, HTTP_BAD_REQUEST);

            occi_send_error(req, http_status, http_status == HTTP_REQUEST_ENTITY_TOO_LARGE
                            ? "the request body is larger than LimitRequestBody allows"
                            : "the request body could not be read");
            return http_status;
        }
        while (!APR_BRIGADE_EMPTY(incoming)) {
            apr_bucket *bucket = APR_BRIGADE_FIRST(incoming);
            const char *bytes;
            apr_size_t n;

            if (APR_BUCKET_IS_EOS(bucket)) {
                seen_eos = 1;
                apr_bucket_delete(bucket);
                continue;
            }
            if (APR_BUCKET_IS_METADATA(bucket)
                || apr_bucket_read(bucket, &bytes, &n, APR_BLOCK_READ) != APR_SUCCESS) {
                apr_bucket_delete(bucket);
                continue;
            }
            total += (apr_off_t)n;
            if (total > limit) {
                /* The rest of the body stays unread: end the connection. */
                r->connection->keepalive = AP_CONN_CLOSE;
                occi_send_error(req, HTTP_REQUEST_ENTITY_TOO_LARGE, apr_psprintf(
                                    r->pool, "the request body is larger than the %"
                                    APR_OFF_T_FMT " bytes OCCIMaxBodySize allows", limit));
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            }
            APR_BUCKET_REMOVE(bucket);
            apr_bucket_setaside(bucket, r->pool);
            APR_BRIGADE_INSERT_TAIL(held, bucket);
        }
    } while (!seen_eos);

    if (total == 0) {
        return OK;
    }
    if (apr_brigade_pflatten(held, &data, &flat, r->pool) != APR_SUCCESS) {
        occi_send_error(req, HTTP_BAD_REQUEST, "the request body could not be read");
        return HTTP_BAD_REQUEST;
    }
    if (!content_type) {
        occi_send_error(req, HTTP_UNSUPPORTED_MEDIA_TYPE, "a request body needs a "
                        "Content-Type: text/plain, text/occi, application/occi+json, "
                        "application/json or text/uri-list");
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    *type = occi_media_type_parse(content_type);
    if (*type == OCCI_MEDIA_NONE) {
        occi_send_error(req, HTTP_UNSUPPORTED_MEDIA_TYPE, apr_psprintf(
                            r->pool, "Content-Type %s is not understood; send text/plain, "
                            "text/occi, application/occi+json, application/json or "
                            "text/uri-list", content_type));
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    /* The parsers want a terminated string; a NUL inside is refused by
     * their UTF-8 checks. */
    data = apr_pstrmemdup(r->pool, data, flat);
    *body = data;
    *len = flat;
    return OK;
}

int occi_refuse_store_numbered(occi_request *req, int number)
{
    const char *message;
    int status = occi_store_failure(req, &message);

    return occi_refuse_numbered(req, status, number, message);
}

const char *occi_request_origin(occi_request *req)
{
    /* As httpd writes its own redirects: UseCanonicalName and
     * ProxyPreserveHost decide the host and port behind a proxy. */
    if (!req->origin) {
        req->origin = ap_construct_url(req->r->pool, "", req->r);
    }
    return req->origin;
}

/* The text fields of a request: a text/plain body's lines, else the
 * text/occi headers. */
int occi_request_fields(occi_request *req, occi_media_type type, const char *body,
                          apr_size_t len, apr_array_header_t **fields)
{
    const char *error;

    if (type != OCCI_MEDIA_TEXT_PLAIN) {
        *fields = occi_header_fields(req);
        return OK;
    }
    *fields = apr_array_make(req->r->pool, 8, sizeof(occi_text_field));
    if ((error = occi_text_parse_body(req->r->pool, body, len, *fields))) {
        occi_send_error(req, HTTP_BAD_REQUEST, error);
        return HTTP_BAD_REQUEST;
    }
    return OK;
}
