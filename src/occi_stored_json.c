/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's own JSON forms, read without json-c (see occi_stored_json.h).
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "occi_buf.h"
#include "occi_entity.h"
#include "occi_stored_json.h"

/* Numbers are read in the C locale whatever the process's is (a module
 * beside this one may have called setlocale): made once, kept for the
 * process's life. */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* A string starting at its opening quote; *end is set past its closing
 * one. NULL when it is not of the forms json-c writes. */
static const char *read_string(apr_pool_t *pool, const char *p, const char **end)
{
    const char *run;
    occi_buf out;
    int escaped = 0;

    if (*p != '"') {
        return NULL;
    }
    /* Most strings have no escape: copied in one piece. */
    for (run = ++p; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20) {
            return NULL;                /* unfinished, or a raw control byte */
        }
        if (*p == '\\') {
            escaped = 1;
            break;
        }
    }
    if (!escaped) {
        *end = p + 1;
        return apr_pstrmemdup(pool, run, (apr_size_t)(p - run));
    }
    occi_buf_init(&out, pool, (apr_size_t)(p - run) + 64);
    occi_buf_append(&out, run, (apr_size_t)(p - run));
    while (*p != '"') {
        char c;

        if ((unsigned char)*p < 0x20) {
            return NULL;
        }
        if (*p != '\\') {
            occi_buf_putc(&out, *p++);
            continue;
        }
        switch (p[1]) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '/': c = '/'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
            /* json-c writes \u only for control characters; \u0000 and
             * anything above U+001F are left to json-c's reading. */
            int h2 = p[2] == '0' && p[3] == '0' ? hex_value(p[4]) : -1;
            int h3 = h2 >= 0 ? hex_value(p[5]) : -1;

            if (h2 < 0 || h2 > 1 || h3 < 0 || (h2 == 0 && h3 == 0)) {
                return NULL;
            }
            occi_buf_putc(&out, (char)(h2 * 16 + h3));
            p += 6;
            continue;
        }
        default:
            return NULL;
        }
        occi_buf_putc(&out, c);
        p += 2;
    }
    *end = p + 1;
    return out.data;
}

/* A number as JSON writes it: an integer when it has neither fraction nor
 * exponent (as json-c decides), a double otherwise. */
static const char *read_number(const char *p, occi_value *value)
{
    const char *start = p, *digits;
    int is_float = 0;

    if (*p == '-') {
        p++;
    }
    digits = p;
    if (*p == '0') {
        p++;
    }
    else if (*p >= '1' && *p <= '9') {
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    else {
        return NULL;
    }
    if (*p == '.') {
        is_float = 1;
        if (*++p < '0' || *p > '9') {
            return NULL;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (*p == 'e' || *p == 'E') {
        is_float = 1;
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        if (*p < '0' || *p > '9') {
            return NULL;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (!is_float) {
        /* 19 digits fit in 64 unsigned bits; beyond a long long's range
         * json-c's reading decides. */
        unsigned long long magnitude = 0;
        const char *d;

        if (p - digits > 19) {
            return NULL;
        }
        for (d = digits; d < p; d++) {
            magnitude = magnitude * 10 + (unsigned long long)(*d - '0');
        }
        value->type = OCCI_TYPE_INTEGER;
        if (*start != '-') {
            if (magnitude > (unsigned long long)LLONG_MAX) {
                return NULL;
            }
            value->integer = (long long)magnitude;
        }
        else if (magnitude > (unsigned long long)LLONG_MAX + 1) {
            return NULL;
        }
        else {
            value->integer = magnitude == (unsigned long long)LLONG_MAX + 1
                ? LLONG_MIN : -(long long)magnitude;
        }
        return p;
    }
    pthread_once(&c_locale_once, make_c_locale);
    if (c_locale == (locale_t)0) {
        return NULL;
    }
    {
        char text[64];
        char *parsed_end;

        if ((size_t)(p - start) >= sizeof(text)) {
            return NULL;
        }
        memcpy(text, start, (size_t)(p - start));
        text[p - start] = '\0';
        errno = 0;
        value->type = OCCI_TYPE_FLOAT;
        value->number = strtod_l(text, &parsed_end, c_locale);
        /* Out of a double's range: json-c's reading decides. */
        if (*parsed_end != '\0' || errno == ERANGE || !isfinite(value->number)) {
            return NULL;
        }
    }
    return p;
}

/* A scalar value other than null. */
static const char *read_value(apr_pool_t *pool, const char *p, occi_value *value)
{
    memset(value, 0, sizeof(*value));
    switch (*p) {
    case '"':
        value->type = OCCI_TYPE_STRING;
        value->string = read_string(pool, p, &p);
        return value->string ? p : NULL;
    case 't':
        value->type = OCCI_TYPE_BOOLEAN;
        value->boolean = 1;
        return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f':
        value->type = OCCI_TYPE_BOOLEAN;
        return strncmp(p, "false", 5) ? NULL : p + 5;
    default:
        return read_number(p, value);
    }
}

int occi_stored_attributes_read(apr_pool_t *pool, const char *text,
                                apr_array_header_t *attributes)
{
    const char *p = skip_space(text);
    int first = attributes->nelts;

    if (*p++ != '{') {
        return -1;
    }
    p = skip_space(p);
    if (*p == '}') {
        return *skip_space(p + 1) ? -1 : 0;
    }
    for (;;) {
        occi_attribute_value attribute;
        int i;

        attribute.name = read_string(pool, p, &p);
        if (!attribute.name) {
            return -1;
        }
        p = skip_space(p);
        if (*p++ != ':') {
            return -1;
        }
        /* null (a value that could not be written) is json-c's too: it
         * decides whether a later member of the same name counts. */
        p = read_value(pool, skip_space(p), &attribute.value);
        if (!p) {
            return -1;
        }
        /* A repeated name: json-c's reading decides which one counts. */
        for (i = first; i < attributes->nelts; i++) {
            if (!strcmp(APR_ARRAY_IDX(attributes, i, occi_attribute_value).name,
                        attribute.name)) {
                return -1;
            }
        }
        APR_ARRAY_PUSH(attributes, occi_attribute_value) = attribute;
        p = skip_space(p);
        if (*p == ',') {
            p = skip_space(p + 1);
            continue;
        }
        if (*p == '}') {
            return *skip_space(p + 1) ? -1 : 0;
        }
        return -1;
    }
}

int occi_stored_strings_read(apr_pool_t *pool, const char *text, apr_array_header_t *strings)
{
    const char *p = skip_space(text);

    if (*p++ != '[') {
        return -1;
    }
    p = skip_space(p);
    if (*p == ']') {
        return *skip_space(p + 1) ? -1 : 0;
    }
    for (;;) {
        const char *item = read_string(pool, p, &p);

        if (!item) {
            return -1;
        }
        APR_ARRAY_PUSH(strings, const char *) = item;
        p = skip_space(p);
        if (*p == ',') {
            p = skip_space(p + 1);
            continue;
        }
        if (*p == ']') {
            return *skip_space(p + 1) ? -1 : 0;
        }
        return -1;
    }
}
