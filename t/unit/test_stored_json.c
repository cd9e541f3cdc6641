/* SPDX-License-Identifier: Apache-2.0 */
/* The direct reading of the store's JSON forms (occi_stored_json) against
 * json-c's: on every text it accepts, it must find what json-c finds, and
 * it must accept what the store writes. Texts are written by json-c from
 * random values, then mangled byte by byte. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "tap.h"
#include "occi_entity.h"
#include "occi_stored_json.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The json-c reading the store used alone before (entity_from_row):
 * scalars by type, arrays and objects as their text, null left out.
 * -1 when text is not an object. */
static int json_c_attributes(apr_pool_t *pool, const char *text, apr_array_header_t *out)
{
    json_object *root = json_tokener_parse(text);

    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return -1;
    }
    json_object_object_foreach(root, name, json) {
        occi_attribute_value a;

        memset(&a, 0, sizeof(a));
        a.name = apr_pstrdup(pool, name);
        switch (json_object_get_type(json)) {
        case json_type_int:
            a.value.type = OCCI_TYPE_INTEGER;
            a.value.integer = json_object_get_int64(json);
            break;
        case json_type_double:
            a.value.type = OCCI_TYPE_FLOAT;
            a.value.number = json_object_get_double(json);
            break;
        case json_type_boolean:
            a.value.type = OCCI_TYPE_BOOLEAN;
            a.value.boolean = json_object_get_boolean(json);
            break;
        case json_type_string:
            a.value.type = OCCI_TYPE_STRING;
            a.value.string = apr_pstrmemdup(pool, json_object_get_string(json),
                                            (apr_size_t)json_object_get_string_len(json));
            break;
        case json_type_array:
        case json_type_object:
            a.value.type = json_object_is_type(json, json_type_array) ? OCCI_TYPE_ARRAY
                                                                      : OCCI_TYPE_OBJECT;
            a.value.string = apr_pstrdup(pool, json_object_to_json_string_ext(json, FLAGS));
            break;
        case json_type_null:
            continue;
        }
        APR_ARRAY_PUSH(out, occi_attribute_value) = a;
    }
    json_object_put(root);
    return 0;
}

static int json_c_strings(apr_pool_t *pool, const char *text, apr_array_header_t *out)
{
    json_object *root = json_tokener_parse(text);
    size_t i;

    if (!root || !json_object_is_type(root, json_type_array)) {
        json_object_put(root);
        return -1;
    }
    for (i = 0; i < json_object_array_length(root); i++) {
        json_object *item = json_object_array_get_idx(root, i);

        if (!json_object_is_type(item, json_type_string)) {
            json_object_put(root);
            return -1;
        }
        APR_ARRAY_PUSH(out, const char *) = apr_pstrmemdup(
            pool, json_object_get_string(item), (apr_size_t)json_object_get_string_len(item));
    }
    json_object_put(root);
    return 0;
}

static int same_value(const occi_value *a, const occi_value *b)
{
    if (a->type != b->type) {
        return 0;
    }
    switch (a->type) {
    case OCCI_TYPE_INTEGER:
        return a->integer == b->integer;
    case OCCI_TYPE_FLOAT:
        /* The same double, bit for bit (-0.0 too). */
        return !memcmp(&a->number, &b->number, sizeof(double));
    case OCCI_TYPE_BOOLEAN:
        return !a->boolean == !b->boolean;
    default:
        return !strcmp(a->string, b->string);
    }
}

static int same_attributes(const apr_array_header_t *a, const apr_array_header_t *b)
{
    int i;

    if (a->nelts != b->nelts) {
        return 0;
    }
    for (i = 0; i < a->nelts; i++) {
        const occi_attribute_value *x = &APR_ARRAY_IDX(a, i, occi_attribute_value);
        const occi_attribute_value *y = &APR_ARRAY_IDX(b, i, occi_attribute_value);

        if (strcmp(x->name, y->name) || !same_value(&x->value, &y->value)) {
            return 0;
        }
    }
    return 1;
}

static unsigned long long state = 0x9e3779b97f4a7c15ULL;

static unsigned long long next_random(void)
{
    /* xorshift64*: the same texts on every run. */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
}

static char *random_string(apr_pool_t *pool)
{
    int len = (int)(next_random() % 12), i;
    char *s = apr_palloc(pool, (apr_size_t)len + 1);

    for (i = 0; i < len; i++) {
        unsigned long long r = next_random();

        /* Mostly plain text, then every byte but NUL. */
        s[i] = r % 3 ? (char)('a' + r % 26) : (char)(1 + (r >> 8) % 255);
    }
    s[len] = '\0';
    return s;
}

static json_object *random_scalar(apr_pool_t *pool)
{
    unsigned long long r = next_random();
    double d;

    switch (r % 6) {
    case 0:
        return json_object_new_string(random_string(pool));
    case 1:
        return json_object_new_int64((long long)(next_random() >> (next_random() % 64)) *
                                     (r & 64 ? -1 : 1));
    case 2:
        d = (double)(long long)(next_random() % 100000) / (double)(1 + next_random() % 1000);
        return json_object_new_double(r & 64 ? -d : d);
    case 3:
        memcpy(&d, &r, sizeof(d));
        return json_object_new_double(isfinite(d) ? d : 0.5);
    case 4:
        return json_object_new_boolean((int)(r & 1));
    default:
        return json_object_new_string(r & 64 ? "online" : "");
    }
}

static void test_written_by_json_c(apr_pool_t *pool)
{
    int i, accepted = 0, agreed = 0, rounds = 2000;

    for (i = 0; i < rounds; i++) {
        json_object *object = json_object_new_object();
        apr_array_header_t *mine = apr_array_make(pool, 8, sizeof(occi_attribute_value));
        apr_array_header_t *theirs = apr_array_make(pool, 8, sizeof(occi_attribute_value));
        int members = (int)(next_random() % 8), m;
        const char *text;

        for (m = 0; m < members; m++) {
            json_object_object_add(object, apr_psprintf(pool, "com.example.a%d%s", m,
                                                        m == 3 ? random_string(pool) : ""),
                                   random_scalar(pool));
        }
        text = apr_pstrdup(pool, json_object_to_json_string_ext(object, FLAGS));
        json_object_put(object);
        if (occi_stored_attributes_read(pool, text, mine) == 0) {
            accepted++;
            json_c_attributes(pool, text, theirs);
            if (same_attributes(mine, theirs)) {
                agreed++;
            }
            else {
                printf("#   differs: %s\n", text);
            }
        }
        else {
            printf("#   refused: %s\n", text);
        }
    }
    tap_is_int(accepted, rounds, "every object of scalars json-c writes is read directly");
    tap_is_int(agreed, accepted, "and read as json-c reads it");
}

/* Texts json-c wrote, then cut short, with a byte changed, or grown: any
 * the direct reading accepts, json-c reads alike. */
static void test_mangled(apr_pool_t *pool)
{
    const char *seeds[] = {
        "{\"occi.compute.cores\":2,\"occi.compute.memory\":1.5,\"occi.core.title\":\"a \\\"b\\\" \\\\ c\\n\\u001f\"}",
        "{\"a\":true,\"b\":false,\"c\":-0.0,\"d\":-12,\"e\":1e-5,\"f\":\"\\/x\\t\\b\\f\\r\"}",
        "{ \"x\" : [1,2] , \"y\" : {\"z\":null}, \"w\" : null }",
        "[\"http://example.com/tpl#small\",\"http://schemas.ogf.org/occi/infrastructure#os_tpl\"]",
        "{\"big\":9223372036854775807,\"low\":-9223372036854775808,\"huge\":1e999}",
    };
    int s, i, compared = 0, agreed = 0, wrongly_accepted = 0;

    for (s = 0; s < (int)(sizeof(seeds) / sizeof(seeds[0])); s++) {
        for (i = 0; i < 3000; i++) {
            char *text = apr_pstrdup(pool, seeds[s]);
            size_t len = strlen(text);
            unsigned long long r = next_random();
            apr_array_header_t *mine = apr_array_make(pool, 8, sizeof(occi_attribute_value));
            apr_array_header_t *theirs = apr_array_make(pool, 8, sizeof(occi_attribute_value));
            apr_array_header_t *my_strings = apr_array_make(pool, 4, sizeof(const char *));
            apr_array_header_t *their_strings = apr_array_make(pool, 4, sizeof(const char *));
            static const char alphabet[] = "{}[]\",:\\/0123456789.eE+-tfnul abu\x01\x7f\xc3";

            switch (r % 3) {
            case 0:
                text[(r >> 8) % (len + 1)] = '\0';
                break;
            case 1:
                text[(r >> 8) % len] = alphabet[(r >> 32) % (sizeof(alphabet) - 1)];
                break;
            default:
                text = apr_psprintf(pool, "%.*s%c%s", (int)((r >> 8) % len), text,
                                    alphabet[(r >> 32) % (sizeof(alphabet) - 1)],
                                    text + (r >> 8) % len);
            }
            if (occi_stored_attributes_read(pool, text, mine) == 0) {
                compared++;
                if (json_c_attributes(pool, text, theirs) != 0) {
                    wrongly_accepted++;
                    printf("#   accepted what json-c refuses: %s\n", text);
                }
                else if (same_attributes(mine, theirs)) {
                    agreed++;
                }
                else {
                    printf("#   differs: %s\n", text);
                }
            }
            if (occi_stored_strings_read(pool, text, my_strings) == 0) {
                int k, same;

                compared++;
                if (json_c_strings(pool, text, their_strings) != 0) {
                    wrongly_accepted++;
                    printf("#   accepted what json-c refuses: %s\n", text);
                    continue;
                }
                same = my_strings->nelts == their_strings->nelts;
                for (k = 0; same && k < my_strings->nelts; k++) {
                    same = !strcmp(APR_ARRAY_IDX(my_strings, k, const char *),
                                   APR_ARRAY_IDX(their_strings, k, const char *));
                }
                agreed += same;
                if (!same) {
                    printf("#   differs: %s\n", text);
                }
            }
        }
    }
    tap_ok(compared > 1000, apr_psprintf(pool, "%d mangled texts were read directly", compared));
    tap_is_int(wrongly_accepted, 0, "none of them is a text json-c refuses");
    tap_is_int(agreed, compared, "each is read as json-c reads it");
}

static void test_forms(apr_pool_t *pool)
{
    apr_array_header_t *a = apr_array_make(pool, 8, sizeof(occi_attribute_value));
    apr_array_header_t *strings = apr_array_make(pool, 4, sizeof(const char *));
    const occi_attribute_value *v;

    tap_is_int(occi_stored_attributes_read(pool, "{}", a), 0, "an empty object is read");
    tap_is_int(a->nelts, 0, "and holds nothing");
    tap_is_int(occi_stored_attributes_read(pool, "{\"t\":\"a\\u0001b\\\"\",\"n\":-7,\"x\":2.5}", a),
               0, "escapes, an integer and a double are read");
    v = &APR_ARRAY_IDX(a, 0, occi_attribute_value);
    tap_ok(a->nelts == 3 && !strcmp(v->value.string, "a\001b\"")
           && v[1].value.type == OCCI_TYPE_INTEGER && v[1].value.integer == -7
           && v[2].value.type == OCCI_TYPE_FLOAT && v[2].value.number == 2.5,
           "as the values they are");
    tap_is_int(occi_stored_strings_read(pool, "[\"m#a\",\"m#b\"]", strings), 0,
               "an array of strings is read");
    tap_ok(strings->nelts == 2 && !strcmp(APR_ARRAY_IDX(strings, 1, const char *), "m#b"),
           "item by item");
    /* Left to json-c, which decides what these mean. */
    tap_is_int(occi_stored_attributes_read(pool, "{\"a\":[1]}", a), -1, "a nested array is left to json-c");
    tap_is_int(occi_stored_attributes_read(pool, "{\"a\":null}", a), -1, "null is left to json-c");
    tap_is_int(occi_stored_attributes_read(pool, "{\"a\":1,\"a\":2}", a), -1,
               "a repeated name is left to json-c");
    tap_is_int(occi_stored_attributes_read(pool, "{\"a\":\"\\u00e9\"}", a), -1,
               "a \\u escape above U+001F is left to json-c");
    tap_is_int(occi_stored_attributes_read(pool, "{\"a\":9223372036854775808}", a), -1,
               "an integer beyond a long long's range is left to json-c");
    tap_is_int(occi_stored_attributes_read(pool, "{\"a\":1}x", a), -1, "text after the object is refused");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_forms(pool);
    test_written_by_json_c(pool);
    test_mangled(pool);
    return tap_done(pool);
}
