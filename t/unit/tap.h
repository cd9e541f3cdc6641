/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal TAP producer for the core's unit tests: each check prints
 * "ok N - name" or "not ok N - name" with a diagnostic, and tap_done()
 * prints the plan and returns the exit status.
 */
#ifndef OCCI_TAP_H
#define OCCI_TAP_H

#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

static int tap_count, tap_failed;

static inline int tap_ok(int passed, const char *name)
{
    tap_count++;
    if (!passed) {
        tap_failed++;
    }
    printf("%sok %d - %s\n", passed ? "" : "not ", tap_count, name);
    return passed;
}

static inline int tap_is_str(const char *got, const char *expected, const char *name)
{
    int passed = (got == NULL && expected == NULL)
                 || (got && expected && strcmp(got, expected) == 0);

    if (!tap_ok(passed, name)) {
        printf("#   got:      %s\n#   expected: %s\n", got ? got : "(null)",
               expected ? expected : "(null)");
    }
    return passed;
}

static inline int tap_is_int(long long got, long long expected, const char *name)
{
    int passed = got == expected;

    if (!tap_ok(passed, name)) {
        printf("#   got:      %lld\n#   expected: %lld\n", got, expected);
    }
    return passed;
}

/* Passes when haystack contains needle. */
static inline int tap_like(const char *haystack, const char *needle, const char *name)
{
    int passed = haystack && strstr(haystack, needle) != NULL;

    if (!tap_ok(passed, name)) {
        printf("#   '%s'\n#   does not contain '%s'\n", haystack ? haystack : "(null)", needle);
    }
    return passed;
}

static inline apr_pool_t *tap_start(void)
{
    apr_pool_t *pool;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    return pool;
}

static inline int tap_done(apr_pool_t *pool)
{
    printf("1..%d\n", tap_count);
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_failed ? 1 : 0;
}

#endif
