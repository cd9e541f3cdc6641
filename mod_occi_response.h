/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests and responses (mod_occi_response.c): negotiation, request
 * bodies and fields, answers and numbered errors.
 */
#ifndef MOD_OCCI_RESPONSE_H
#define MOD_OCCI_RESPONSE_H

#include "mod_occi.h"

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

/* Sends the failure of a service-layer operation (src/occi_service.h) with
 * the status of its class, logged under its number; returns the status. */
int occi_refuse_result(occi_request *req, const occi_result *result);

/* occi_refuse_numbered for a store failure (the store's last error),
 * with the database's message: 503 when the connection to the database is
 * lost, else 500. */
int occi_refuse_store_numbered(occi_request *req, int number);

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

/* "scheme://host[:port]" of the request, as httpd writes its own URLs. */
const char *occi_request_origin(occi_request *req);

/* The text fields of a request: a text/plain body's lines, else the
 * text/occi headers. OK, or the status of the error sent. */
int occi_request_fields(occi_request *req, occi_media_type type, const char *body,
                        apr_size_t len, apr_array_header_t **fields);

#endif
