/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable byte buffer allocated from an APR pool, for building response
 * bodies piece by piece without quadratic copying.
 */
#ifndef OCCI_BUF_H
#define OCCI_BUF_H

#include <apr_pools.h>

typedef struct occi_buf {
    apr_pool_t *pool;
    char *data;        /* always NUL-terminated */
    apr_size_t len;
    apr_size_t cap;
} occi_buf;

void occi_buf_init(occi_buf *buf, apr_pool_t *pool, apr_size_t initial_capacity);
void occi_buf_append(occi_buf *buf, const char *bytes, apr_size_t len);
void occi_buf_puts(occi_buf *buf, const char *s);
void occi_buf_putc(occi_buf *buf, char c);
/* Appends s as an RFC 7230 quoted-string: surrounding quotes, with '"' and
 * '\' escaped as quoted-pairs. */
void occi_buf_put_quoted(occi_buf *buf, const char *s);

/* Appends "; name=" and value as a quoted-string: one parameter of a text
 * rendering's Category or Link value. */
void occi_buf_put_param(occi_buf *buf, const char *name, const char *value);

#endif
