/* SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_general.h>

#include "occi_entity.h"
#include "occi_buf.h"
#include "occi_router.h"

occi_entity *occi_entity_create(apr_pool_t *pool)
{
    occi_entity *entity = apr_pcalloc(pool, sizeof(*entity));

    entity->mixins = apr_array_make(pool, 2, sizeof(const char *));
    entity->attributes = apr_array_make(pool, 8, sizeof(occi_attribute_value));
    entity->links = apr_array_make(pool, 0, sizeof(occi_entity *));
    entity->owner = "";
    return entity;
}

occi_entity *occi_entity_copy(apr_pool_t *pool, const occi_entity *entity)
{
    occi_entity *copy = apr_pmemdup(pool, entity, sizeof(*entity));

    copy->mixins = apr_array_copy(pool, entity->mixins);
    copy->attributes = apr_array_copy(pool, entity->attributes);
    copy->links = apr_array_copy(pool, entity->links);
    return copy;
}

static occi_attribute_value *find(const occi_entity *entity, const char *name)
{
    int i;

    for (i = 0; i < entity->attributes->nelts; i++) {
        occi_attribute_value *attribute = &APR_ARRAY_IDX(entity->attributes, i,
                                                         occi_attribute_value);
        if (!strcmp(attribute->name, name)) {
            return attribute;
        }
    }
    return NULL;
}

const occi_value *occi_entity_get(const occi_entity *entity, const char *name)
{
    occi_attribute_value *attribute = find(entity, name);

    return attribute ? &attribute->value : NULL;
}

void occi_entity_set(occi_entity *entity, const char *name, const occi_value *value)
{
    occi_attribute_value *attribute = find(entity, name);

    if (!value) {
        if (attribute) {
            /* Keep the order of the others: shift the tail down. */
            occi_attribute_value *base = (occi_attribute_value *)entity->attributes->elts;
            int index = (int)(attribute - base);

            memmove(attribute, attribute + 1,
                    (size_t)(entity->attributes->nelts - index - 1) * sizeof(*attribute));
            entity->attributes->nelts--;
        }
        return;
    }
    if (!attribute) {
        attribute = apr_array_push(entity->attributes);
        attribute->name = name;
    }
    attribute->value = *value;
}

const char *occi_entity_get_string(const occi_entity *entity, const char *name)
{
    const occi_value *value = occi_entity_get(entity, name);

    return value && value->type == OCCI_TYPE_STRING ? value->string : NULL;
}

double occi_entity_get_number(const occi_entity *entity, const char *name, double otherwise)
{
    const occi_value *value = occi_entity_get(entity, name);

    if (value && value->type == OCCI_TYPE_INTEGER) {
        return (double)value->integer;
    }
    if (value && value->type == OCCI_TYPE_FLOAT) {
        return value->number;
    }
    return otherwise;
}

void occi_entity_set_string(apr_pool_t *pool, occi_entity *entity, const char *name,
                            const char *value)
{
    occi_value string;

    memset(&string, 0, sizeof(string));
    string.type = OCCI_TYPE_STRING;
    string.string = apr_pstrdup(pool, value);
    occi_entity_set(entity, name, &string);
}

int occi_entity_has_mixin(const occi_entity *entity, const char *type_id)
{
    int i;

    for (i = 0; i < entity->mixins->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(entity->mixins, i, const char *), type_id)) {
            return 1;
        }
    }
    return 0;
}

const char *occi_value_to_text(apr_pool_t *pool, const occi_value *value)
{
    occi_buf buf;
    char number[64];

    switch (value->type) {
    case OCCI_TYPE_INTEGER:
        /* APR's formatter knows no "ll": use its own 64-bit format. */
        return apr_psprintf(pool, "%" APR_INT64_T_FMT, (apr_int64_t)value->integer);
    case OCCI_TYPE_FLOAT:
        occi_format_double(number, sizeof(number), value->number);
        return apr_pstrdup(pool, number);
    case OCCI_TYPE_BOOLEAN:
        return value->boolean ? "true" : "false";
    case OCCI_TYPE_STRING:
    case OCCI_TYPE_ARRAY:
    case OCCI_TYPE_OBJECT:
        break;
    }
    occi_buf_init(&buf, pool, 64);
    occi_buf_put_quoted(&buf, value->string ? value->string : "");
    return buf.data;
}

void occi_format_double_by_trials(char *text, size_t size, double number)
{
    double magnitude = fabs(number);
    int plain = magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e15);
    int precision;

    /* The C library's formatter: APR's drops leading zeros ("0.5" -> ".5").
     * %.17g always reads back exactly, but writes 0.1 as
     * 0.10000000000000001; the first shorter precision that reads back
     * exactly is the one a person would write. A short precision writes 10
     * as 1e+01, so ordinary magnitudes wait for a plain form. */
    for (precision = 1; precision <= 17; precision++) {
        snprintf(text, size - 2, "%.*g", precision, number);
        if (strtod(text, NULL) == number && (!plain || !strpbrk(text, "eE"))) {
            break;
        }
    }
    if (!strpbrk(text, ".eEn")) {
        strcat(text, ".0");
    }
}

void occi_format_double(char *text, size_t size, double number)
{
    double magnitude = fabs(number);

    /* Most numbers people give (memory 1.5, size 20) are a whole number of
     * thousandths: written from that integer, without a formatter and a
     * strtod per trial. Such a number is exactly n / 1000 rounded once, so
     * the decimal n / 1000 reads back as it, and having at most 15
     * significant digits, no other decimal as short does. */
    if (number != 0 && magnitude < 1e12 && size >= 24) {
        long long thousandths = llround(number * 1000);

        if ((double)thousandths / 1000 == number) {
            unsigned long long n = (unsigned long long)llabs(thousandths);
            char digits[24];
            int len = 0, fraction = (int)(n % 1000), places = 3;

            while (places > 1 && fraction % 10 == 0) {
                fraction /= 10;             /* 1.500 is written 1.5, 2.000 as 2.0 */
                places--;
            }
            while (places--) {
                digits[len++] = (char)('0' + fraction % 10);
                fraction /= 10;
            }
            digits[len++] = '.';
            n /= 1000;
            do {
                digits[len++] = (char)('0' + n % 10);
                n /= 10;
            } while (n);
            if (number < 0) {
                digits[len++] = '-';
            }
            for (places = 0; places < len; places++) {
                text[places] = digits[len - 1 - places];
            }
            text[len] = '\0';
            return;
        }
    }
    occi_format_double_by_trials(text, size, number);
}

int occi_value_equal(const occi_value *a, const occi_value *b)
{
    /* 2 and 2.0 are the same number whichever rendering wrote them. */
    if (a->type == OCCI_TYPE_INTEGER && b->type == OCCI_TYPE_FLOAT) {
        return (double)a->integer == b->number;
    }
    if (a->type == OCCI_TYPE_FLOAT && b->type == OCCI_TYPE_INTEGER) {
        return a->number == (double)b->integer;
    }
    if (a->type != b->type) {
        return 0;
    }
    switch (a->type) {
    case OCCI_TYPE_INTEGER:
        return a->integer == b->integer;
    case OCCI_TYPE_FLOAT:
        return a->number == b->number;
    case OCCI_TYPE_BOOLEAN:
        return !a->boolean == !b->boolean;
    default:
        return a->string && b->string && !strcmp(a->string, b->string);
    }
}

const char *occi_uuid_generate(apr_pool_t *pool)
{
    unsigned char bytes[16];

    /* apr_uuid_get() keeps unguarded static state, so threads could draw
     * the same value; random bytes from the kernel need no lock. */
    if (apr_generate_random_bytes(bytes, sizeof(bytes)) != APR_SUCCESS) {
        return NULL;
    }
    bytes[6] = (unsigned char)((bytes[6] & 0x0F) | 0x40);    /* version 4 */
    bytes[8] = (unsigned char)((bytes[8] & 0x3F) | 0x80);    /* RFC 4122 variant */
    return apr_psprintf(pool, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                        "%02x%02x%02x%02x%02x%02x",
                        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5],
                        bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                        bytes[12], bytes[13], bytes[14], bytes[15]);
}

int occi_entity_foreign_id_acceptable(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    const char *c;

    if (!len || len > 256 || !strncasecmp(s, "urn:uuid:", 9)) {
        return 0;
    }
    for (c = s; *c; c++) {
        if (!apr_isalnum(*c) && !strchr("-._~:/?#[]@!$&'()*+,;=%", *c)) {
            return 0;
        }
    }
    return 1;
}

const char *occi_entity_id_from_reference(apr_pool_t *pool, const char *reference)
{
    const char *candidate = reference;
    char *id;

    if (!reference) {
        return NULL;
    }
    if (!strncasecmp(candidate, "urn:uuid:", 9)) {
        candidate += 9;
    }
    else if (strchr(candidate, '/')) {
        const char *end = candidate + strlen(candidate);

        /* A URL or path: the UUID is its last segment (before any query). */
        const char *query = strpbrk(candidate, "?#");
        if (query) {
            end = query;
        }
        candidate = end;
        while (candidate > reference && candidate[-1] != '/') {
            candidate--;
        }
        candidate = apr_pstrmemdup(pool, candidate, (apr_size_t)(end - candidate));
    }
    if (!occi_uuid_is_valid(candidate)) {
        return NULL;
    }
    id = apr_pstrdup(pool, candidate);
    for (char *c = id; *c; c++) {
        *c = apr_tolower(*c);
    }
    return id;
}
