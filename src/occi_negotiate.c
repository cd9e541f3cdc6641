/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accept parsing. Media ranges are kept with a specificity (0 for * / *,
 * 1 for type / *, 2 for type/subtype) and a quality in thousandths, so
 * choosing is integer arithmetic over a short array.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "occi_negotiate.h"

static const char *const media_names[OCCI_MEDIA_COUNT] = {
    "text/plain", "text/occi", "text/uri-list", "application/occi+json", "application/json"
};

typedef struct {
    const char *type;      /* lower case; "*" for a wildcard */
    const char *subtype;
    int specificity;
    int quality;           /* 0..1000 */
} media_range;

struct occi_accept {
    apr_array_header_t *ranges;   /* media_range */
};

const char *occi_media_type_name(occi_media_type type)
{
    if (type < 0 || type >= OCCI_MEDIA_COUNT) {
        return "none";
    }
    return media_names[type];
}

occi_media_type occi_media_type_parse(const char *value)
{
    size_t len;
    int i;

    while (*value == ' ' || *value == '\t') {
        value++;
    }
    len = strcspn(value, "; \t");
    for (i = 0; i < OCCI_MEDIA_COUNT; i++) {
        if (strlen(media_names[i]) == len && !strncasecmp(value, media_names[i], len)) {
            return (occi_media_type)i;
        }
    }
    /* GFD.229 also names this synonym of text/plain. */
    if (len == strlen("text/occi+plain") && !strncasecmp(value, "text/occi+plain", len)) {
        return OCCI_MEDIA_TEXT_PLAIN;
    }
    return OCCI_MEDIA_NONE;
}

int occi_media_type_is_json(occi_media_type type)
{
    return type == OCCI_MEDIA_OCCI_JSON || type == OCCI_MEDIA_JSON;
}

static int is_tchar(char c)
{
    return apr_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static int parse_quality(const char *value, int *quality)
{
    int q, digits = 0, scale = 100;
    const char *p = value;

    if (*p != '0' && *p != '1') {
        return -1;
    }
    q = (*p - '0') * 1000;
    p++;
    if (*p == '.') {
        for (p++; apr_isdigit(*p); p++) {
            if (++digits > 3) {
                return -1;
            }
            q += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p || q > 1000) {
        return -1;
    }
    *quality = q;
    return 0;
}

/* The first c in s outside quoted-strings, or NULL: a parameter value
 * may be a quoted-string (RFC 7231 §3.1.1.1) holding ',' or ';'. */
static char *find_unquoted(const char *s, char c)
{
    int quoted = 0;

    for (; *s; s++) {
        if (quoted && *s == '\\' && s[1]) {
            s++;
        }
        else if (*s == '"') {
            quoted = !quoted;
        }
        else if (!quoted && *s == c) {
            return (char *)s;
        }
    }
    return NULL;
}

static const char *parse_range(apr_pool_t *pool, char *text, media_range *range)
{
    char *params = find_unquoted(text, ';');
    char *slash, *end;

    if (params) {
        *params++ = '\0';
    }
    apr_collapse_spaces(text, text);
    slash = strchr(text, '/');
    if (!slash || slash == text || !slash[1]) {
        return apr_psprintf(pool, "Accept: '%s' is not a media range (type/subtype)", text);
    }
    *slash = '\0';
    for (end = text; *end; end++) {
        if (!is_tchar(*end)) {
            return apr_psprintf(pool, "Accept: media type '%s' contains an invalid character",
                                text);
        }
        *end = apr_tolower(*end);
    }
    for (end = slash + 1; *end; end++) {
        if (!is_tchar(*end)) {
            return apr_psprintf(pool, "Accept: media subtype '%s' contains an invalid character",
                                slash + 1);
        }
        *end = apr_tolower(*end);
    }
    range->type = text;
    range->subtype = slash + 1;
    range->quality = 1000;
    if (!strcmp(text, "*")) {
        if (strcmp(range->subtype, "*")) {
            return apr_psprintf(pool, "Accept: '*/%s' is not a valid media range", range->subtype);
        }
        range->specificity = 0;
    }
    else {
        range->specificity = strcmp(range->subtype, "*") ? 2 : 1;
    }
    while (params) {
        char *next = find_unquoted(params, ';');
        char *eq;

        if (next) {
            *next++ = '\0';
        }
        apr_collapse_spaces(params, params);
        eq = strchr(params, '=');
        if (eq && (eq - params) == 1 && (params[0] == 'q' || params[0] == 'Q')) {
            if (parse_quality(eq + 1, &range->quality)) {
                return apr_psprintf(pool, "Accept: quality '%s' is not a number from 0 to 1 "
                                    "with at most three decimals", eq + 1);
            }
            /* Anything after q is an accept-extension, which no one uses. */
            break;
        }
        params = next;
    }
    return NULL;
}

const char *occi_accept_parse(apr_pool_t *pool, const char *value, occi_accept **accept)
{
    occi_accept *parsed = apr_pcalloc(pool, sizeof(*parsed));
    const char *p = value ? value : "";

    parsed->ranges = apr_array_make(pool, 8, sizeof(media_range));
    while (*p) {
        const char *end = find_unquoted(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *item = apr_pstrmemdup(pool, p, len);
        const char *error;

        p += len + (end ? 1 : 0);
        apr_collapse_spaces(item, item);
        if (!*item) {
            continue;                    /* empty list elements are allowed */
        }
        if (parsed->ranges->nelts == OCCI_ACCEPT_MAX_RANGES) {
            return apr_psprintf(pool, "Accept: more than %d media ranges", OCCI_ACCEPT_MAX_RANGES);
        }
        error = parse_range(pool, item, apr_array_push(parsed->ranges));
        if (error) {
            return error;
        }
    }
    *accept = parsed;
    return NULL;
}

int occi_accept_is_wildcard(const occi_accept *accept)
{
    int i;

    for (i = 0; i < accept->ranges->nelts; i++) {
        const media_range *range = &APR_ARRAY_IDX(accept->ranges, i, media_range);

        if (range->specificity != 0 || range->quality == 0) {
            return 0;
        }
    }
    return 1;
}

int occi_accept_quality(const occi_accept *accept, occi_media_type type)
{
    /* OCCI_MEDIA_NONE's name has no '/': never acceptable. */
    return occi_accept_quality_of(accept, occi_media_type_name(type));
}

int occi_accept_quality_of(const occi_accept *accept, const char *name)
{
    const char *slash = strchr(name, '/');
    size_t type_len;
    int best_specificity = -1, quality = 0, i;

    if (!slash) {
        return 0;
    }
    type_len = (size_t)(slash - name);
    if (accept->ranges->nelts == 0) {
        return 1000;
    }
    for (i = 0; i < accept->ranges->nelts; i++) {
        const media_range *range = &APR_ARRAY_IDX(accept->ranges, i, media_range);
        int matches;

        if (range->specificity == 0) {
            matches = 1;
        }
        else if (strlen(range->type) != type_len || strncasecmp(range->type, name, type_len)) {
            matches = 0;
        }
        else {
            matches = range->specificity == 1 || !strcasecmp(range->subtype, slash + 1);
        }
        if (matches && (range->specificity > best_specificity
                        || (range->specificity == best_specificity && range->quality > quality))) {
            best_specificity = range->specificity;
            quality = range->quality;
        }
    }
    return quality;
}

occi_media_type occi_accept_choose(const occi_accept *accept, const occi_media_type *offered,
                                   int n_offered)
{
    occi_media_type best = OCCI_MEDIA_NONE;
    int best_quality = 0, i;

    for (i = 0; i < n_offered; i++) {
        int quality = occi_accept_quality(accept, offered[i]);

        if (quality > best_quality) {
            best = offered[i];
            best_quality = quality;
        }
    }
    return best;
}
