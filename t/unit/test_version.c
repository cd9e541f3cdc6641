/* SPDX-License-Identifier: Apache-2.0 */
/* The module's version and spotting clients that speak a newer OCCI. */
#include "config.h"
#include "tap.h"
#include "occi_version.h"

/* The token a User-Agent announces when it is newer, "" when it is not
 * newer, so one string comparison checks both results. */
static const char *newer_token(apr_pool_t *pool, const char *user_agent)
{
    const char *announced = NULL;
    int len = -1;

    if (!occi_client_version_is_newer(user_agent, &announced, &len)) {
        return "";
    }
    if (!announced || len < 0) {
        return "(newer, but no token)";
    }
    return apr_pstrmemdup(pool, announced, (apr_size_t)len);
}

static void is_newer(apr_pool_t *pool, const char *user_agent, const char *token,
                     const char *name)
{
    tap_is_str(newer_token(pool, user_agent), token, name);
}

static void test_client_version(apr_pool_t *pool)
{
    static const char user_agent[] = "ua OCCI/1.3 x";
    const char *announced = "unchanged";
    int len = 7;

    tap_ok(!occi_client_version_is_newer(NULL, &announced, &len), "no User-Agent: not newer");
    tap_ok(!strcmp(announced, "unchanged") && len == 7, "and the outputs are left alone");
    tap_ok(occi_client_version_is_newer(user_agent, &announced, &len), "ua OCCI/1.3 x is newer");
    tap_ok(announced == user_agent + 3, "the announced token points into the User-Agent");
    tap_is_int(len, 8, "and is as long as OCCI/1.3");

    is_newer(pool, "", "", "an empty User-Agent: not newer");
    is_newer(pool, "curl/8.0", "", "no OCCI token: not newer");
    is_newer(pool, "client OCCI/1.2", "", "the same version: not newer");
    is_newer(pool, "OCCI/1.1", "", "an older minor version: not newer");
    is_newer(pool, "OCCI/1", "", "1 without minor is 1.0: not newer");
    is_newer(pool, "OCCI/0.9", "", "an older major version: not newer");
    is_newer(pool, "OCCI/1.3", "OCCI/1.3", "1.3 is newer, announced as OCCI/1.3");
    is_newer(pool, "OCCI/1.10", "OCCI/1.10", "minor versions compare as numbers");
    is_newer(pool, "x OCCI/2.0", "OCCI/2.0", "2.0 after another product is newer");
    is_newer(pool, "rOCCI-cli/4.3 OCCI/2.0 (linux)", "OCCI/2.0",
             "the token is found among others");
    is_newer(pool, "OCCI/10", "OCCI/10", "10 without minor is newer");
    is_newer(pool, "OCCI/1.3beta", "OCCI/1.3", "the token ends at the last digit");
    is_newer(pool, "myOCCI/9.9", "", "myOCCI/9.9 is another product: not newer");
    is_newer(pool, "my-OCCI/9.9 foo_OCCI/9.9 v.OCCI/9.9", "",
             "nor after '-', '_' or '.'");
    is_newer(pool, "myOCCI/9.9 OCCI/1.4", "OCCI/1.4", "a real token after a look-alike counts");
    is_newer(pool, "OCCI/x OCCI/3.1", "OCCI/3.1", "a token without a number is skipped");
    is_newer(pool, "occi/9.9", "", "the token is case-sensitive");
    is_newer(pool, "OCCI/99999999999.0", "OCCI/99999999999.0",
             "a huge major version is newer, without overflow");
    is_newer(pool, "OCCI/1.99999999999999999999999", "OCCI/1.99999999999999999999999",
             "so is a huge minor version");
    is_newer(pool, "OCCI/0.99999999999999999999999", "", "but not a huge minor of 0");
}

static void test_module_version(void)
{
    const char *version = occi_module_version();

    tap_ok(version && !strncmp(version, "mod_occi/", 9), "the module version starts with mod_occi/");
    tap_like(version, "mod_occi/" PACKAGE_VERSION, "followed by the release");
    tap_ok(version && version[9] >= '0' && version[9] <= '9', "which starts with a digit");
}

int main(void)
{
    apr_pool_t *pool = tap_start();

    test_client_version(pool);
    test_module_version();
    return tap_done(pool);
}
