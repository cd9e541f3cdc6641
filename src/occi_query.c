/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "occi_query.h"
#include "occi_utf8.h"

static int hex_value(char c)
{
    if (apr_isdigit(c)) {
        return c - '0';
    }
    c = apr_tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Decodes the len bytes at s into a new pool string. */
static const char *decode(apr_pool_t *pool, const char *s, size_t len, char **out)
{
    char *decoded = apr_palloc(pool, len + 1), *d = decoded;
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            *d++ = ' ';
        }
        else if (s[i] == '%') {
            int hi, lo;

            if (i + 2 >= len || (hi = hex_value(s[i + 1])) < 0
                || (lo = hex_value(s[i + 2])) < 0) {
                return "the query string has a '%' not followed by two hex digits";
            }
            if (hi == 0 && lo == 0) {
                return "the query string contains an encoded NUL byte (%00)";
            }
            *d++ = (char)(hi * 16 + lo);
            i += 2;
        }
        else {
            *d++ = s[i];
        }
    }
    *d = '\0';
    if (!occi_utf8_is_valid(decoded, (size_t)(d - decoded))) {
        return "the query string is not valid UTF-8 once decoded";
    }
    *out = decoded;
    return NULL;
}

const char *occi_query_parse(apr_pool_t *pool, const char *args, apr_table_t **params)
{
    apr_table_t *table = apr_table_make(pool, 4);
    const char *p = args ? args : "";

    while (*p) {
        size_t len = strcspn(p, "&;");
        const char *eq = memchr(p, '=', len);
        char *name, *value = "";
        const char *error;

        if (len) {
            size_t name_len = eq ? (size_t)(eq - p) : len;

            if ((error = decode(pool, p, name_len, &name))) {
                return error;
            }
            if (eq && (error = decode(pool, eq + 1, len - name_len - 1, &value))) {
                return error;
            }
            apr_table_addn(table, name, value);
        }
        p += len;
        if (*p) {
            p++;
        }
    }
    *params = table;
    return NULL;
}
