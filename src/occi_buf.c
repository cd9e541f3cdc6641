/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "occi_buf.h"

void occi_buf_init(occi_buf *buf, apr_pool_t *pool, apr_size_t initial_capacity)
{
    buf->pool = pool;
    buf->cap = initial_capacity ? initial_capacity : 256;
    buf->data = apr_palloc(pool, buf->cap);
    buf->data[0] = '\0';
    buf->len = 0;
}

static void occi_buf_reserve(occi_buf *buf, apr_size_t extra)
{
    char *grown;
    apr_size_t cap = buf->cap;

    if (buf->len + extra + 1 <= cap) {
        return;
    }
    while (buf->len + extra + 1 > cap) {
        cap *= 2;
    }
    /* The old block stays in the pool until the pool is cleared; doubling
     * keeps the total at most twice the final size. */
    grown = apr_palloc(buf->pool, cap);
    memcpy(grown, buf->data, buf->len + 1);
    buf->data = grown;
    buf->cap = cap;
}

void occi_buf_append(occi_buf *buf, const char *bytes, apr_size_t len)
{
    occi_buf_reserve(buf, len);
    memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

void occi_buf_puts(occi_buf *buf, const char *s)
{
    occi_buf_append(buf, s, strlen(s));
}

void occi_buf_putc(occi_buf *buf, char c)
{
    occi_buf_append(buf, &c, 1);
}

void occi_buf_put_quoted(occi_buf *buf, const char *s)
{
    const char *run = s;

    occi_buf_putc(buf, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            occi_buf_append(buf, run, (apr_size_t)(s - run));
            occi_buf_putc(buf, '\\');
            run = s;
        }
    }
    occi_buf_append(buf, run, (apr_size_t)(s - run));
    occi_buf_putc(buf, '"');
}

void occi_buf_put_param(occi_buf *buf, const char *name, const char *value)
{
    occi_buf_puts(buf, "; ");
    occi_buf_puts(buf, name);
    occi_buf_putc(buf, '=');
    occi_buf_put_quoted(buf, value);
}
