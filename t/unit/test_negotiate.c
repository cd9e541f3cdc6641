/* SPDX-License-Identifier: Apache-2.0 */
/* Media types and content negotiation (RFC 7231 §5.3.2). */
#include <apr_time.h>

#include "tap.h"
#include "occi_negotiate.h"

#define N(array) ((int)(sizeof(array) / sizeof((array)[0])))

/* What a category listing offers, in the server's order of preference. */
static const occi_media_type offered[] = {
    OCCI_MEDIA_TEXT_PLAIN, OCCI_MEDIA_TEXT_OCCI, OCCI_MEDIA_OCCI_JSON, OCCI_MEDIA_JSON
};
static const occi_media_type json_last[] = {
    OCCI_MEDIA_TEXT_PLAIN, OCCI_MEDIA_JSON, OCCI_MEDIA_OCCI_JSON
};

/* The type chosen among offers for an Accept value, or a marker when the
 * value does not even parse. */
#define UNPARSED ((occi_media_type)-2)

static occi_media_type choose(apr_pool_t *pool, const char *value,
                              const occi_media_type *offers, int n)
{
    occi_accept *accept;

    if (occi_accept_parse(pool, value, &accept)) {
        return UNPARSED;
    }
    return occi_accept_choose(accept, offers, n);
}

static const char *name_of(occi_media_type type)
{
    return type == UNPARSED ? "(parse error)" : occi_media_type_name(type);
}

static void chooses(apr_pool_t *pool, const char *value, const occi_media_type *offers, int n,
                    occi_media_type expected, const char *name)
{
    tap_is_str(name_of(choose(pool, value, offers, n)), name_of(expected), name);
}

static int quality(apr_pool_t *pool, const char *value, occi_media_type type)
{
    occi_accept *accept;

    if (occi_accept_parse(pool, value, &accept)) {
        return -1;
    }
    return occi_accept_quality(accept, type);
}

static int wildcard(apr_pool_t *pool, const char *value)
{
    occi_accept *accept;

    if (occi_accept_parse(pool, value, &accept)) {
        return -1;
    }
    return occi_accept_is_wildcard(accept);
}

static void test_choose(apr_pool_t *pool)
{
    static const occi_media_type uri_list_only[] = { OCCI_MEDIA_URI_LIST };

    chooses(pool, NULL, offered, N(offered), OCCI_MEDIA_TEXT_PLAIN,
            "no Accept header: the first offered");
    chooses(pool, "", offered, N(offered), OCCI_MEDIA_TEXT_PLAIN,
            "an empty Accept: the first offered");
    chooses(pool, " , ,", offered, N(offered), OCCI_MEDIA_TEXT_PLAIN,
            "only empty list elements: the first offered");
    chooses(pool, "*/*", offered, N(offered), OCCI_MEDIA_TEXT_PLAIN, "*/*: the first offered");
    chooses(pool, "application/occi+json", offered, N(offered), OCCI_MEDIA_OCCI_JSON,
            "an exact type");
    chooses(pool, "text/plain;q=0.5, application/occi+json", offered, N(offered),
            OCCI_MEDIA_OCCI_JSON, "the higher quality wins");
    chooses(pool, "text/plain;q=0.5, application/occi+json;q=0.501", offered, N(offered),
            OCCI_MEDIA_OCCI_JSON, "qualities compare to the thousandth");
    chooses(pool, "text/plain;q=0.5, application/occi+json;q=0.5", offered, N(offered),
            OCCI_MEDIA_TEXT_PLAIN, "equal qualities: the server's order decides");
    chooses(pool, "text/*;q=0, text/plain", offered, N(offered), OCCI_MEDIA_TEXT_PLAIN,
            "the most specific range wins over text/*;q=0");
    tap_is_int(quality(pool, "text/*;q=0, text/plain", OCCI_MEDIA_TEXT_PLAIN), 1000,
               "text/plain is acceptable");
    tap_is_int(quality(pool, "text/*;q=0, text/plain", OCCI_MEDIA_TEXT_OCCI), 0,
               "text/occi is not");
    tap_is_int(quality(pool, "text/plain, text/*;q=0", OCCI_MEDIA_TEXT_PLAIN), 1000,
               "specificity, not order, decides");
    tap_is_int(quality(pool, "*/*;q=0.1, text/*;q=0.4, text/plain;q=0.7", OCCI_MEDIA_TEXT_PLAIN),
               700, "type/subtype beats type/*");
    tap_is_int(quality(pool, "*/*;q=0.1, text/*;q=0.4, text/plain;q=0.7", OCCI_MEDIA_TEXT_OCCI),
               400, "type/* beats */*");
    tap_is_int(quality(pool, "*/*;q=0.1, text/*;q=0.4, text/plain;q=0.7", OCCI_MEDIA_JSON),
               100, "*/* covers the rest");
    tap_is_int(quality(pool, "text/plain;q=0.2, text/plain;q=0.9", OCCI_MEDIA_TEXT_PLAIN), 900,
               "of two equally specific ranges the higher quality counts");
    tap_is_int(quality(pool, "text/plain", OCCI_MEDIA_JSON), 0, "an unmentioned type has quality 0");
    tap_is_int(quality(pool, NULL, OCCI_MEDIA_URI_LIST), 1000, "no header: everything at 1");
    chooses(pool, "application/occi+json;q=0, */*", offered, N(offered), OCCI_MEDIA_TEXT_PLAIN,
            "q=0 excludes a type");
    chooses(pool, "text/plain;q=0, text/occi;q=0, */*;q=0.3", offered, N(offered),
            OCCI_MEDIA_OCCI_JSON, "q=0 types are skipped for the next offered");
    chooses(pool, "application/*", offered, N(offered), OCCI_MEDIA_OCCI_JSON,
            "application/* picks the first JSON type offered");
    chooses(pool, "application/*", json_last, N(json_last), OCCI_MEDIA_JSON,
            "in the server's order");
    chooses(pool, "TEXT/OCCI", offered, N(offered), OCCI_MEDIA_TEXT_OCCI,
            "types are case-insensitive");
    chooses(pool, "Application/OCCI+JSON;Q=0.9, text/plain;q=0.8", offered, N(offered),
            OCCI_MEDIA_OCCI_JSON, "so is the q parameter");
    chooses(pool, "text/plain ; charset=utf-8 ; q=0.3, application/json;q=0.4", offered,
            N(offered), OCCI_MEDIA_JSON, "other parameters before q are skipped");
    chooses(pool, "image/png, text/html", offered, N(offered), OCCI_MEDIA_NONE,
            "nothing acceptable: none");
    chooses(pool, "*/*;q=0", offered, N(offered), OCCI_MEDIA_NONE, "*/*;q=0: none");
    chooses(pool, "*/*", offered, 0, OCCI_MEDIA_NONE, "nothing offered: none");
    chooses(pool, "text/plain, application/json", uri_list_only, 1, OCCI_MEDIA_NONE,
            "text/plain does not cover text/uri-list");
    chooses(pool, "text/uri-list", uri_list_only, 1, OCCI_MEDIA_URI_LIST,
            "but text/uri-list does");

    tap_ok(wildcard(pool, NULL) == 1, "no header is a wildcard");
    tap_ok(wildcard(pool, "") == 1, "an empty header is a wildcard");
    tap_ok(wildcard(pool, "*/*") == 1, "*/* is a wildcard");
    tap_ok(wildcard(pool, "*/*;q=0.5") == 1, "*/* with a quality is a wildcard");
    tap_ok(wildcard(pool, "*/*;q=0") == 0, "*/*;q=0 is not");
    tap_ok(wildcard(pool, "text/plain, */*") == 0, "naming any type is not");
    tap_ok(wildcard(pool, "text/*") == 0, "text/* is not");
}

/* "range, range, ..." n times. */
static const char *repeated(apr_pool_t *pool, const char *range, int n)
{
    size_t len = strlen(range);
    char *list = apr_palloc(pool, (size_t)n * (len + 2)), *p = list;
    int i;

    for (i = 0; i < n; i++) {
        memcpy(p, range, len);
        p += len;
        *p++ = ',';
        *p++ = ' ';
    }
    p[-2] = '\0';
    return list;
}

static void test_errors(apr_pool_t *pool)
{
    occi_accept *accept;
    const char *many, *error;
    apr_time_t start;

    tap_like(occi_accept_parse(pool, "foo", &accept), "'foo' is not a media range",
             "a range without '/' is refused");
    tap_like(occi_accept_parse(pool, "text/", &accept), "'text/' is not a media range",
             "a range without a subtype is refused");
    tap_like(occi_accept_parse(pool, "/plain", &accept), "is not a media range",
             "a range without a type is refused");
    tap_like(occi_accept_parse(pool, "*/plain", &accept), "'*/plain' is not a valid media range",
             "*/plain is refused");
    tap_like(occi_accept_parse(pool, "text/plain;q=2", &accept), "quality '2'",
             "q=2 is refused");
    tap_like(occi_accept_parse(pool, "text/plain;q=0.1234", &accept), "quality '0.1234'",
             "a quality with four decimals is refused");
    tap_like(occi_accept_parse(pool, "text/plain;q=1.001", &accept), "quality '1.001'",
             "a quality above 1 is refused");
    tap_like(occi_accept_parse(pool, "text/plain;q=-0", &accept), "quality",
             "a negative quality is refused");
    tap_like(occi_accept_parse(pool, "text/plain;q=", &accept), "quality",
             "an empty quality is refused");
    tap_like(occi_accept_parse(pool, "text/pl@in", &accept), "invalid character",
             "a subtype with a non-token character is refused");
    tap_like(occi_accept_parse(pool, "te(x)t/plain", &accept), "invalid character",
             "a type with a non-token character is refused");
    tap_is_str(occi_accept_parse(pool, "text/plain;q=1.000, text/occi;q=0.", &accept), NULL,
               "q=1.000 and q=0. are valid");
    tap_is_int(quality(pool, "text/plain;foo=\"a,b\";q=0.5, application/json",
                       OCCI_MEDIA_TEXT_PLAIN), 500,
               "a quoted parameter value may hold a comma");
    tap_is_int(quality(pool, "text/plain;foo=\"a,b\";q=0.5, application/json",
                       OCCI_MEDIA_JSON), 1000, "the range after it is read");
    tap_is_int(quality(pool, "text/plain;foo=\"x;q=0\\\";q=0\"", OCCI_MEDIA_TEXT_PLAIN), 1000,
               "';' and an escaped quote inside a quoted value do not start a parameter");

    many = repeated(pool, "text/plain", 10000);
    start = apr_time_now();
    error = occi_accept_parse(pool, many, &accept);
    tap_like(error, apr_psprintf(pool, "more than %d media ranges", OCCI_ACCEPT_MAX_RANGES),
             "an Accept of 10,000 ranges is refused, naming the limit");
    tap_ok(apr_time_now() - start < apr_time_from_sec(5), "promptly");
    tap_is_str(occi_accept_parse(pool, repeated(pool, "text/plain", OCCI_ACCEPT_MAX_RANGES),
                                 &accept), NULL, "exactly the limit is accepted");
}

static void test_media_types(apr_pool_t *pool)
{
    static const char *const names[] = {
        "text/plain", "text/occi", "text/uri-list", "application/occi+json", "application/json"
    };
    int i;

    for (i = 0; i < OCCI_MEDIA_COUNT; i++) {
        tap_is_str(occi_media_type_name((occi_media_type)i), names[i],
                   apr_psprintf(pool, "the name of %s", names[i]));
        tap_is_int(occi_media_type_parse(names[i]), i,
                   apr_psprintf(pool, "%s parses to its own type", names[i]));
    }
    tap_is_str(occi_media_type_name(OCCI_MEDIA_NONE), "none", "no type is named none");
    tap_is_int(occi_media_type_parse("application/json; charset=utf-8"), OCCI_MEDIA_JSON,
               "parameters are ignored");
    tap_is_int(occi_media_type_parse("text/occi;charset=utf-8"), OCCI_MEDIA_TEXT_OCCI,
               "also without a space");
    tap_is_int(occi_media_type_parse("  application/occi+json"), OCCI_MEDIA_OCCI_JSON,
               "leading whitespace is ignored");
    tap_is_int(occi_media_type_parse("TEXT/PLAIN"), OCCI_MEDIA_TEXT_PLAIN,
               "case does not matter");
    tap_is_int(occi_media_type_parse("text/occi+plain"), OCCI_MEDIA_TEXT_PLAIN,
               "text/occi+plain is text/plain");
    tap_is_int(occi_media_type_parse("text/html"), OCCI_MEDIA_NONE, "an unknown type is none");
    tap_is_int(occi_media_type_parse("text/plainer"), OCCI_MEDIA_NONE,
               "a type that only starts like a known one is none");
    tap_is_int(occi_media_type_parse("text"), OCCI_MEDIA_NONE, "a prefix of a known type is none");
    tap_is_int(occi_media_type_parse(""), OCCI_MEDIA_NONE, "an empty value is none");
    tap_ok(occi_media_type_is_json(OCCI_MEDIA_OCCI_JSON) && occi_media_type_is_json(OCCI_MEDIA_JSON),
           "both JSON types are JSON");
    tap_ok(!occi_media_type_is_json(OCCI_MEDIA_TEXT_PLAIN)
           && !occi_media_type_is_json(OCCI_MEDIA_TEXT_OCCI)
           && !occi_media_type_is_json(OCCI_MEDIA_URI_LIST)
           && !occi_media_type_is_json(OCCI_MEDIA_NONE), "the others are not");
}

/* Media types outside the OCCI renderings, as the web console asks. */
static int quality_of(apr_pool_t *pool, const char *value, const char *name)
{
    occi_accept *accept;

    if (occi_accept_parse(pool, value, &accept)) {
        return -1;
    }
    return occi_accept_quality_of(accept, name);
}

static void test_other_types(apr_pool_t *pool)
{
    static const char browser[] = "text/html,application/xhtml+xml,application/xml;q=0.9,"
                                  "image/avif,image/webp,*/*;q=0.8";

    tap_is_int(quality_of(pool, browser, "text/html"), 1000, "a browser prefers text/html");
    tap_is_int(quality(pool, browser, OCCI_MEDIA_TEXT_PLAIN), 800,
               "and takes text/plain through */* only");
    tap_is_int(quality_of(pool, "TEXT/HTML;q=0.5", "text/html"), 500,
               "case does not matter in the header");
    tap_is_int(quality_of(pool, "text/html", "Text/HTML"), 1000,
               "nor in the type asked about");
    tap_is_int(quality_of(pool, "text/*;q=0.3", "text/html"), 300, "text/* covers text/html");
    tap_is_int(quality_of(pool, "text/htmlx", "text/html"), 0, "a longer subtype does not");
    tap_is_int(quality_of(pool, "text/html;q=0, */*", "text/html"), 0,
               "q=0 refuses it even beside */*");
    tap_is_int(quality_of(pool, "", "text/html"), 1000, "no Accept accepts it");
    tap_is_int(quality_of(pool, "text/html", "html"), 0, "a name without '/' is never acceptable");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_other_types(pool);

    test_choose(pool);
    test_errors(pool);
    test_media_types(pool);
    return tap_done(pool);
}
