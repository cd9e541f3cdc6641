/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Text rendering of categories. The grammar is GFD.229's Category ABNF; the
 * parser is a single left-to-right scan with no backtracking, so its time
 * is linear in the header's length whatever a client sends.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "occi_text.h"
#include "occi_buf.h"
#include "occi_utf8.h"

/* ---- Rendering ----------------------------------------------------- */

static const char *attribute_list(apr_pool_t *pool, const occi_category *category)
{
    occi_buf list;
    int i;

    occi_buf_init(&list, pool, 256);
    for (i = 0; i < category->n_attributes; i++) {
        const occi_attribute_def *attr = &category->attributes[i];

        if (i) {
            occi_buf_putc(&list, ' ');
        }
        occi_buf_puts(&list, attr->name);
        if (!attr->is_mutable && attr->is_required) {
            occi_buf_puts(&list, "{immutable required}");
        }
        else if (!attr->is_mutable) {
            occi_buf_puts(&list, "{immutable}");
        }
        else if (attr->is_required) {
            occi_buf_puts(&list, "{required}");
        }
    }
    return list.data;
}

static void render_category(occi_buf *buf, apr_pool_t *pool,
                            const occi_category *category, const char *base)
{
    const char *rel = NULL;

    occi_buf_puts(buf, category->term);
    occi_buf_put_param(buf, "scheme", category->scheme);
    occi_buf_put_param(buf, "class", occi_category_class_name(category->cls));
    if (category->title) {
        occi_buf_put_param(buf, "title", category->title);
    }
    if (category->cls == OCCI_CLASS_KIND) {
        rel = category->parent;
    }
    else if (category->cls == OCCI_CLASS_MIXIN && category->depends) {
        rel = category->depends[0];
    }
    if (rel) {
        occi_buf_put_param(buf, "rel", rel);
    }
    if (category->location) {
        occi_buf_put_param(buf, "location", apr_pstrcat(pool, base, category->location, NULL));
    }
    if (category->n_attributes) {
        occi_buf_put_param(buf, "attributes", attribute_list(pool, category));
    }
    if (category->actions && category->actions[0]) {
        const char *actions = category->actions[0];
        int i;

        for (i = 1; category->actions[i]; i++) {
            actions = apr_pstrcat(pool, actions, " ", category->actions[i], NULL);
        }
        occi_buf_put_param(buf, "actions", actions);
    }
}

const char *occi_text_category(apr_pool_t *pool, const occi_category *category,
                               const char *base)
{
    occi_buf buf;

    occi_buf_init(&buf, pool, 512);
    render_category(&buf, pool, category, base);
    return buf.data;
}

const char *occi_text_category_lines(apr_pool_t *pool,
                                     const apr_array_header_t *categories,
                                     const char *base)
{
    occi_buf buf;
    int i;

    occi_buf_init(&buf, pool, 8192);
    for (i = 0; i < categories->nelts; i++) {
        occi_buf_puts(&buf, "Category: ");
        render_category(&buf, pool, APR_ARRAY_IDX(categories, i, const occi_category *),
                        base);
        occi_buf_putc(&buf, '\n');
    }
    return buf.data;
}

/* ---- Parsing ------------------------------------------------------- */

typedef struct {
    apr_pool_t *pool;
    const char *p;
    const char *error;
} scanner;

static void skip_ows(scanner *s)
{
    while (*s->p == ' ' || *s->p == '\t') {
        s->p++;
    }
}

/* Characters of a token (RFC 7230 tchar), plus '/', ':' and '#' so that a
 * bare type identifier or URI also scans as one word. */
static int is_word_char(char c)
{
    return apr_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~/:?@", c));
}

static const char *scan_word(scanner *s)
{
    const char *start = s->p;

    while (is_word_char(*s->p)) {
        s->p++;
    }
    return apr_pstrmemdup(s->pool, start, (apr_size_t)(s->p - start));
}

const char *occi_text_scan_quoted(apr_pool_t *pool, const char **p, const char **error)
{
    const char *c = *p + 1;                     /* past the opening quote */
    const char *run = c;
    occi_buf value;

    /* Unescaped runs are copied whole, so a long value costs one pass. */
    occi_buf_init(&value, pool, 64);
    for (;; c++) {
        if (*c == '\0') {
            *error = "a quoted string is not closed (unbalanced quotes)";
            return NULL;
        }
        if (*c == '"') {
            occi_buf_append(&value, run, (apr_size_t)(c - run));
            *p = c + 1;
            return value.data;
        }
        if (*c == '\\') {
            occi_buf_append(&value, run, (apr_size_t)(c - run));
            c++;
            if (*c == '\0') {
                *error = "a quoted string ends in a lone backslash";
                return NULL;
            }
            run = c;                            /* the escaped character starts the next run */
        }
        if ((unsigned char)*c < 0x20 && *c != '\t') {
            *error = "a quoted string contains a control character";
            return NULL;
        }
    }
}

static const char *scan_quoted(scanner *s)
{
    return occi_text_scan_quoted(s->pool, &s->p, &s->error);
}

static const char *scan_value(scanner *s)
{
    if (*s->p == '"') {
        return scan_quoted(s);
    }
    return scan_word(s);
}

static const char *const *split_words(apr_pool_t *pool, const char *list)
{
    apr_array_header_t *words = apr_array_make(pool, 8, sizeof(const char *));
    char *copy = apr_pstrdup(pool, list), *state, *word;

    for (word = apr_strtok(copy, " \t", &state); word; word = apr_strtok(NULL, " \t", &state)) {
        APR_ARRAY_PUSH(words, const char *) = word;
    }
    APR_ARRAY_PUSH(words, const char *) = NULL;
    return (const char *const *)words->elts;
}

/* attribute-def = attribute-name [ "{" attribute-property *( 1*SP attribute-property ) "}" ] */
static const char *parse_attribute_list(apr_pool_t *pool, const char *list,
                                        occi_category *category)
{
    apr_array_header_t *defs = apr_array_make(pool, 8, sizeof(occi_attribute_def));
    const char *p = list;

    for (;;) {
        occi_attribute_def *def;
        const char *start;

        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        start = p;
        while (*p && *p != ' ' && *p != '{') {
            p++;
        }
        def = apr_array_push(defs);
        memset(def, 0, sizeof(*def));
        def->name = apr_pstrmemdup(pool, start, (apr_size_t)(p - start));
        def->type = OCCI_TYPE_STRING;
        def->is_mutable = 1;
        if (!occi_term_is_valid(def->name)) {
            return apr_psprintf(pool, "attribute name '%s' is not valid", def->name);
        }
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *const *flags;

            if (!close) {
                return apr_psprintf(pool, "the properties of attribute '%s' lack a closing '}'",
                                    def->name);
            }
            flags = split_words(pool, apr_pstrmemdup(pool, p + 1, (apr_size_t)(close - p - 1)));
            for (; *flags; flags++) {
                if (!strcmp(*flags, "immutable")) {
                    def->is_mutable = 0;
                }
                else if (!strcmp(*flags, "required")) {
                    def->is_required = 1;
                }
                else {
                    return apr_psprintf(pool, "attribute '%s' has the unknown property '%s' "
                                        "(expected immutable or required)", def->name, *flags);
                }
            }
            p = close + 1;
        }
    }
    category->attributes = (const occi_attribute_def *)defs->elts;
    category->n_attributes = defs->nelts;
    return NULL;
}

/* Applies one "name=value" parameter to the category being parsed. */
static const char *apply_parameter(apr_pool_t *pool, occi_category *category,
                                   const char *name, const char *value,
                                   const char **rel, int *has_class)
{
    if (!strcmp(name, "scheme")) {
        if (category->scheme) {
            return "the scheme parameter is given twice";
        }
        category->scheme = value;
    }
    else if (!strcmp(name, "class")) {
        if (*has_class) {
            return "the class parameter is given twice";
        }
        if (occi_category_class_parse(value, &category->cls)) {
            return apr_psprintf(pool, "class '%s' is unknown (expected kind, mixin or action)",
                                value);
        }
        *has_class = 1;
    }
    else if (!strcmp(name, "title")) {
        category->title = value;
    }
    else if (!strcmp(name, "rel")) {
        *rel = value;
    }
    else if (!strcmp(name, "location")) {
        category->location = value;
    }
    else if (!strcmp(name, "attributes")) {
        return parse_attribute_list(pool, value, category);
    }
    else if (!strcmp(name, "actions")) {
        category->actions = split_words(pool, value);
    }
    /* Other parameters are extensions this server does not use. */
    return NULL;
}

static const char *finish_category(apr_pool_t *pool, occi_category *category,
                                   const char *rel, int has_class)
{
    if (!category->scheme || !*category->scheme) {
        return apr_psprintf(pool, "category '%s' lacks the scheme parameter", category->term);
    }
    if (!has_class) {
        return apr_psprintf(pool, "category '%s' lacks the class parameter", category->term);
    }
    if (rel) {
        if (category->cls == OCCI_CLASS_KIND) {
            category->parent = rel;
        }
        else if (category->cls == OCCI_CLASS_MIXIN) {
            const char **depends = apr_pcalloc(pool, 2 * sizeof(*depends));

            depends[0] = rel;
            category->depends = depends;
        }
    }
    return NULL;
}

static const char *parse_one(scanner *s, occi_category *category)
{
    const char *rel = NULL;
    int has_class = 0;

    skip_ows(s);
    category->term = scan_word(s);
    if (!occi_term_is_valid(category->term)) {
        if (!*category->term) {
            return *s->p ? apr_psprintf(s->pool, "a category term is expected before '%c'", *s->p)
                         : "a category term is expected";
        }
        return apr_psprintf(s->pool, "'%s' is not a valid category term", category->term);
    }
    for (;;) {
        const char *name, *value, *error;

        skip_ows(s);
        if (*s->p != ';') {
            break;
        }
        s->p++;
        skip_ows(s);
        if (*s->p == ',' || *s->p == '\0') {
            break;                              /* tolerated trailing ';' */
        }
        name = scan_word(s);
        if (!*name) {
            return apr_psprintf(s->pool, "a parameter name is expected in category '%s'",
                                category->term);
        }
        skip_ows(s);
        if (*s->p != '=') {
            return apr_psprintf(s->pool, "parameter '%s' of category '%s' has no '=' and value",
                                name, category->term);
        }
        s->p++;
        skip_ows(s);
        value = scan_value(s);
        if (!value) {
            return apr_psprintf(s->pool, "parameter '%s' of category '%s': %s",
                                name, category->term, s->error);
        }
        error = apply_parameter(s->pool, category, name, value, &rel, &has_class);
        if (error) {
            return apr_psprintf(s->pool, "category '%s': %s", category->term, error);
        }
    }
    return finish_category(s->pool, category, rel, has_class);
}

const char *occi_text_parse_categories(apr_pool_t *pool, const char *value,
                                       int max_values, apr_array_header_t *out)
{
    scanner s;
    int count = 0;

    if (!occi_utf8_is_valid(value, strlen(value))) {
        return "the Category value is not valid UTF-8";
    }
    s.pool = pool;
    s.p = value;
    s.error = NULL;
    for (;;) {
        occi_category *category;
        const char *error;

        if (++count > max_values) {
            return apr_psprintf(pool, "more than %d categories in one request", max_values);
        }
        category = apr_pcalloc(pool, sizeof(*category));
        error = parse_one(&s, category);
        if (error) {
            return error;
        }
        APR_ARRAY_PUSH(out, occi_category *) = category;
        skip_ows(&s);
        if (*s.p == '\0') {
            return NULL;
        }
        if (*s.p != ',') {
            return apr_psprintf(pool, "unexpected '%c' after category '%s'",
                                *s.p, category->term);
        }
        s.p++;
    }
}
